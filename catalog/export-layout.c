/*
 * export-layout.c - the words of the export layouts: format and mode
 * names (and the names users give them), the label directories of each
 * layout, and the unlabelled directories beside them.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "export-int.h"

static const char *const format_names[] = {
	"imagefolder", "genimage", "hf", "webdataset", "manifest" };
#define NFORMATS (sizeof(format_names) / sizeof(*format_names))
static const char *const emode_names[] = { "link", "symlink", "copy", "reflink" };

/* Other names users give the formats: what each of them is here. */
static const char *const format_aliases[][2] = {
	{ "tar", "webdataset" }, { "wds", "webdataset" },
	{ "huggingface", "hf" }, { "datasets", "hf" },
	{ "folder", "imagefolder" }, { "image_folder", "imagefolder" },
};

int gic_export_format_from_name(const char *s, enum gic_export_format *f)
{
	const char *near = NULL;
	size_t best = GIC_SUGGEST_FAR;

	for (size_t i = 0; i < NFORMATS; i++)
		if (!strcmp(s, format_names[i])) {
			*f = (enum gic_export_format)i;
			return 0;
		}
	for (size_t i = 0; i < NFORMATS; i++)
		if (gic_suggest_closer(s, strlen(s), format_names[i], &best))
			near = format_names[i];
	for (size_t i = 0; !near && i < sizeof(format_aliases) /
	     sizeof(*format_aliases); i++)
		if (!strcasecmp(s, format_aliases[i][0]))
			near = format_aliases[i][1];
	if (near)
		return gic_seterr(GIC_EUSAGE, "unknown format '%s' (did you "
				  "mean '%s'?)", s, near);
	return gic_seterr(GIC_EUSAGE, "unknown format '%s' (imagefolder, "
			  "genimage, hf, webdataset, manifest)", s);
}

int gic_export_mode_from_name(const char *s, enum gic_export_mode *m)
{
	for (int i = 0; i < 4; i++)
		if (!strcmp(s, emode_names[i])) {
			*m = (enum gic_export_mode)i;
			return 0;
		}
	return gic_unknown("mode", s, emode_names, 4, "link, symlink, copy, "
			   "reflink");
}

const char *gic_export_format_name(enum gic_export_format f)
{
	return format_names[f];
}

const char *gic_export_mode_name(enum gic_export_mode m)
{
	return emode_names[m];
}

/* An image without a label is never given one: unlabelled/, -1. */
const char *gic_export_label_dir(enum gic_export_format f, const char *label)
{
	int fake = !strcmp(label, "fake"), real = !strcmp(label, "real");

	if (!fake && !real)
		return "unlabelled";
	if (f == GIC_FMT_GENIMAGE)
		return fake ? "ai" : "nature";
	return fake ? "1_fake" : "0_real";
}

/* Where the last component of path[0..dirlen) starts. */
static size_t dir_base(const char *path, size_t dirlen)
{
	while (dirlen > 0 && path[dirlen - 1] != '/')
		dirlen--;
	return dirlen;
}

int gic_export_is_unlabelled(const char *path, size_t dirlen, size_t *base)
{
	*base = dir_base(path, dirlen);
	return dirlen - *base == strlen("unlabelled") &&
	       !strncmp(path + *base, "unlabelled", dirlen - *base);
}

/* The label directories of the layouts that have them, in pairs. */
static const char *const label_pairs[][2] = { { "0_real", "1_fake" },
					       { "nature", "ai" } };
#define NPAIRS (sizeof(label_pairs) / sizeof(*label_pairs))

int gic_export_label_sibling(const char *path, size_t dirlen, char *out,
			     size_t size)
{
	size_t base = dir_base(path, dirlen);

	for (size_t i = 0; i < NPAIRS; i++)
		for (int k = 0; k < 2; k++)
			if (strlen(label_pairs[i][k]) == dirlen - base &&
			    !strncmp(path + base, label_pairs[i][k],
				     dirlen - base))
				return snprintf(out, size, "%.*s%s/", (int)base,
						path, label_pairs[i][!k]) <
				       (int)size;
	return 0;
}

/* The path of element i of an array of structs (stride bytes each) that
 * start with one: copied out, as the array is only as aligned as the
 * compiler knows from a void pointer. */
static const char *path_at(const void *paths, size_t i, size_t stride)
{
	const char *p;

	memcpy(&p, (const char *)paths + i * stride, sizeof(p));
	return p;
}

int gic_export_has_below(const void *paths, size_t n, size_t stride,
			 const char *dir)
{
	size_t lo = 0, hi = n, len = strlen(dir);

	while (lo < hi) { /* the first path not before dir */
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(path_at(paths, mid, stride), dir) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && !strncmp(path_at(paths, lo, stride), dir, len);
}

/* Does the directory name beside dir (whose own name starts at base)
 * hold one of the paths? */
static int sibling_holds(const void *paths, size_t n, size_t stride,
			 const char *dir, size_t base, const char *name)
{
	char sib[PATH_MAX];

	return snprintf(sib, sizeof(sib), "%.*s%s/", (int)base, dir, name) <
	       (int)sizeof(sib) && gic_export_has_below(paths, n, stride, sib);
}

int gic_export_beside_labels(const void *paths, size_t n, size_t stride,
			     const char *dir)
{
	size_t len = strlen(dir), base;

	if (!len)
		return 0;
	base = dir_base(dir, len - 1);
	for (size_t i = 0; i < NPAIRS; i++)
		for (int k = 0; k < 2; k++)
			if (sibling_holds(paths, n, stride, dir, base,
					  label_pairs[i][k]))
				return 1;
	return sibling_holds(paths, n, stride, dir, base, "unlabelled");
}

int gic_export_label_unlabelled(const char *path, size_t dirlen, char *out,
				size_t size)
{
	size_t base = dir_base(path, dirlen);

	return base && gic_export_label_sibling(path, dirlen, out, size) &&
	       snprintf(out, size, "%.*sunlabelled/", (int)base, path) <
	       (int)size;
}

int gic_export_dir_wanted(const void *paths, size_t n, size_t stride,
			  const char *dir)
{
	char pair[PATH_MAX];
	size_t len = strlen(dir);

	return gic_export_has_below(paths, n, stride, dir) ||
	       (len > 1 && gic_export_label_sibling(dir, len - 1, pair,
						    sizeof(pair)) &&
		gic_export_has_below(paths, n, stride, pair)) ||
	       (len > 1 && gic_export_label_unlabelled(dir, len - 1, pair,
						       sizeof(pair)) &&
		gic_export_has_below(paths, n, stride, pair));
}

/* The directory of a set an item goes into: hf puts both labels in one
 * ("", the set's own), the others a directory per label. */
const char *gic_export_item_dir(enum gic_export_format f, const char *label)
{
	return f == GIC_FMT_HF ? "" : gic_export_label_dir(f, label);
}

int gic_export_label_index(enum gic_export_format f, const char *label)
{
	int fake = !strcmp(label, "fake"), real = !strcmp(label, "real");

	if (!fake && !real)
		return -1;
	if (f == GIC_FMT_GENIMAGE) /* ImageFolder sorts: ai = 0, nature = 1 */
		return fake ? 0 : 1;
	return fake ? 1 : 0;
}

const char *gic_export_label_name(const char *label)
{
	return !strcmp(label, "fake") || !strcmp(label, "real") ? label : NULL;
}

const char *gic_export_ext(const char *format)
{
	return !strcmp(format, "jpeg") ? "jpg" : format;
}
