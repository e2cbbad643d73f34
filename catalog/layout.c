/*
 * layout.c - what a file's path says about it: generator, real or fake,
 * split and ImageNet class (SPEC §4, GENIMAGE.md §1-2).
 *
 * Three layouts: GenImage (.../<subset>/{train,val}/{ai,nature}/FILE),
 * ImageFolder (.../[split]/<label-or-class>/FILE) and flat (nothing from
 * folders).  In every layout the file name can still give the class: the
 * GenImage fake names carry a 0-based class index and ImageNet real names
 * carry a wnid.  Paths are only looked at, never touched on disk.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "catalog.h"

#define MAXCOMP 64      /* components kept from the end of a path */
#define MAXFIELDS 8     /* '_' fields of a file name we care about */

/* A piece of a path: not NUL-terminated. */
struct span {
	const char *s;
	size_t n;
};

int gic_layout_from_name(const char *name, enum gic_layout *out)
{
	static const char *const names[] = { "auto", "genimage",
					     "imagefolder", "flat" };

	for (int i = 0; i < 4; i++) {
		if (name && strcasecmp(name, names[i]) == 0) {
			*out = (enum gic_layout)i;
			return 0;
		}
	}
	return gic_unknown("layout", name, names, 4, "expected auto, genimage, "
			   "imagefolder or flat");
}

/* ---- path components ------------------------------------------------- */

/* The last max components of path, in order, without "" and "."; returns
 * how many.  Earlier components are dropped: nothing that far up is
 * looked at. */
static int split_path(const char *path, struct span *c, int max)
{
	const char *end = path + strlen(path), *start;
	int n = 0;

	while (n < max) {
		while (end > path && end[-1] == '/')
			end--;
		if (end == path)
			break;
		for (start = end; start > path && start[-1] != '/'; start--)
			;
		if (!(end - start == 1 && *start == '.'))
			c[max - 1 - n++] = (struct span){ start, (size_t)(end - start) };
		end = start;
	}
	memmove(c, c + max - n, (size_t)n * sizeof(*c));
	return n;
}

static int span_is(struct span c, const char *word)
{
	return c.n == strlen(word) && strncasecmp(c.s, word, c.n) == 0;
}

static int all_digits(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

static int is_wnid(struct span c)
{
	return c.n == 9 && c.s[0] == 'n' && all_digits(c.s + 1, 8);
}

/* A class index 0..999 written in decimal (leading zeros allowed), or -1. */
static int class_number(struct span c)
{
	int v = 0;

	if (!all_digits(c.s, c.n))
		return -1;
	for (size_t i = 0; i < c.n; i++) {
		v = v * 10 + (c.s[i] - '0');
		if (v > 999)
			return -1;
	}
	return v;
}

/* "train", "val" or "test" when c names a split, else NULL. */
static const char *split_name(struct span c, int allow_test)
{
	if (span_is(c, "train"))
		return "train";
	if (span_is(c, "val"))
		return "val";
	if (allow_test && span_is(c, "test"))
		return "test";
	return NULL;
}

/* ---- classes -------------------------------------------------------- */

/* Records a class found from source; fills the index from the wnid or the
 * wnid from the index when classes can. */
static void set_class(struct gic_path_meta *m, int idx, const char *wnid,
		      const char *source, const struct gic_classes *classes)
{
	if (idx >= 0 && !wnid)
		wnid = gic_classes_wnid(classes, idx);
	if (idx < 0 && wnid)
		idx = gic_classes_index(classes, wnid);
	m->class_idx = idx;
	snprintf(m->wnid, sizeof(m->wnid), "%s", wnid ? wnid : "");
	snprintf(m->class_source, sizeof(m->class_source), "%s", source);
}

/* Splits a file-name stem at '_'; returns the number of fields, or
 * MAXFIELDS + 1 when there are more than we keep. */
static int name_fields(struct span stem, struct span *f)
{
	const char *s = stem.s, *end = stem.s + stem.n;
	int n = 0;

	for (;;) {
		const char *u = memchr(s, '_', (size_t)(end - s));

		if (n == MAXFIELDS)
			return MAXFIELDS + 1;
		f[n++] = (struct span){ s, (size_t)((u ? u : end) - s) };
		if (!u)
			return n;
		s = u + 1;
	}
}

/*
 * GenImage fake names (GENIMAGE.md §2).  Returns 1, *idx (0..999, or -1
 * when the class field is not a number in range) and *gen (the generator
 * the name says) when the name has one of the shapes, 0 otherwise.
 */
static int fake_name_class(const struct span *f, int nf, int *idx,
			   const char **gen)
{
	static const char *const simple[][2] = { { "sdv4", "sd14" },
		{ "sdv5", "sd15" }, { "biggan", "biggan" }, { "adm", "adm" },
		{ "midjourney", "midjourney" } };

	if (nf == 3) {
		for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++) {
			if (span_is(f[1], simple[i][0]) &&
			    all_digits(f[2].s, f[2].n)) {
				*idx = class_number(f[0]);
				*gen = simple[i][1];
				return 1;
			}
		}
		if (span_is(f[1], "wukong") && f[2].n > 5 &&
		    strncasecmp(f[2].s, "image", 5) == 0 &&
		    all_digits(f[2].s + 5, f[2].n - 5)) {
			*idx = class_number(f[0]);
			*gen = "wukong";
			return 1;
		}
	}
	/* GLIDE_{a}_{b}_{gg}_{CCC}_glide_{N}, the same for VQDM */
	if (nf == 7 && (span_is(f[5], "glide") || span_is(f[5], "vqdm")) &&
	    f[0].n == f[5].n && strncasecmp(f[0].s, f[5].s, f[0].n) == 0 &&
	    all_digits(f[1].s, f[1].n) && all_digits(f[2].s, f[2].n) &&
	    all_digits(f[3].s, f[3].n) && all_digits(f[6].s, f[6].n)) {
		*idx = class_number(f[4]);
		*gen = span_is(f[5], "glide") ? "glide" : "vqdm";
		return 1;
	}
	return 0;
}

/* A folder and the file's GenImage-style name that say different things:
 * noted in m->disagree (the folder is what counts). */
static void check_name(struct gic_path_meta *m, struct span stem)
{
	struct span f[MAXFIELDS];
	int nf = name_fields(stem, f), idx = -1;
	const char *gen = NULL;
	int fake = fake_name_class(f, nf, &idx, &gen);
	int real = !fake && nf == 2 && is_wnid(f[0]) &&
		   all_digits(f[1].s, f[1].n);

	if (fake && !strcmp(m->label, "real"))
		snprintf(m->disagree, sizeof(m->disagree), "its name is a %s "
			 "fake's, its folder a real one's", gen);
	else if (real && !strcmp(m->label, "fake"))
		snprintf(m->disagree, sizeof(m->disagree), "its name is a real "
			 "photo's, its folder a fake one's");
	else if (fake && m->generator[0] && strcmp(gen, m->generator))
		snprintf(m->disagree, sizeof(m->disagree), "its name says %s, "
			 "its folder %s", gen, m->generator);
	if (m->disagree[0] || strcmp(m->class_source, "folder"))
		return;
	if (real && m->wnid[0] && strncasecmp(f[0].s, m->wnid, 9))
		snprintf(m->disagree, sizeof(m->disagree), "its name says "
			 "%.9s, its folder %s", f[0].s, m->wnid);
	else if (fake && idx >= 0 && m->class_idx >= 0 && idx != m->class_idx)
		snprintf(m->disagree, sizeof(m->disagree), "its name says class "
			 "%d, its folder %d", idx, m->class_idx);
}

/* The file-name class rules; stem is the name without its extension. */
static void name_class(struct gic_path_meta *m, struct span stem,
		       const struct gic_classes *classes,
		       const struct gic_val_labels *val)
{
	struct span f[MAXFIELDS];
	int nf = name_fields(stem, f), idx;
	const char *gen;
	char id[32];

	if (fake_name_class(f, nf, &idx, &gen)) {
		if (idx >= 0)
			set_class(m, idx, NULL, "filename", classes);
		else
			m->class_unread = 1;
	} else if (nf == 2 && is_wnid(f[0]) && all_digits(f[1].s, f[1].n)) {
		/* n01440764_10026: ImageNet train */
		snprintf(id, sizeof(id), "%.9s", f[0].s);
		set_class(m, -1, id, "wnid", classes);
	} else if (nf == 3 && span_is(f[0], "ILSVRC2012") &&
		   span_is(f[1], "val") && f[2].n == 8 &&
		   all_digits(f[2].s, 8)) {
		/* the class of a val image is only in LOC_val_solution.csv */
		const char *wnid;

		snprintf(id, sizeof(id), "ILSVRC2012_val_%.8s", f[2].s);
		if ((wnid = gic_val_labels_get(val, id)))
			set_class(m, -1, wnid, "val_labels", classes);
		else
			m->val_unlabelled = 1;
	}
}

/* The last component without its extension. */
static struct span stem_of(struct span file)
{
	const char *dot = NULL;

	for (size_t i = file.n; i > 0; i--) {
		if (file.s[i - 1] == '.') {
			dot = file.s + i - 1;
			break;
		}
	}
	if (dot && dot > file.s)
		file.n = (size_t)(dot - file.s);
	return file;
}

/* ---- layouts -------------------------------------------------------- */

/* .../{train,val}/{ai,nature}/FILE with FILE = c[n-1]? */
static int genimage_match(const struct span *c, int n)
{
	return n >= 3 && (span_is(c[n - 2], "ai") || span_is(c[n - 2], "nature"))
		&& split_name(c[n - 3], 0);
}

/* The generator of the subset holding c[top]: that folder or, when it is
 * not a known name, the nearest known one above it up to c[root] (the
 * folder ingest was given).  Above c[root] the folders are the user's,
 * not the dataset's: c[top] there is the subset's only when named
 * exactly as one (imagenet_ai_0508_adm, ADM; glide_work is not), and
 * nothing above it is read. */
static const char *subset_generator(const struct span *c, int top, int root)
{
	char name[256];
	const char *id;

	for (int i = top; i >= 0 && (i == top || i >= root); i--) {
		if (c[i].n >= sizeof(name))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)c[i].n, c[i].s);
		if ((id = i >= root ? gic_generator_alias(name) :
			  gic_generator_exact(name)))
			return id;
	}
	return NULL;
}

static void genimage_parse(const struct span *c, int n, int root,
			   struct gic_path_meta *m)
{
	int fake = span_is(c[n - 2], "ai");
	const char *gen;

	snprintf(m->split, sizeof(m->split), "%s", split_name(c[n - 3], 0));
	snprintf(m->label, sizeof(m->label), "%s", fake ? "fake" : "real");
	if (!(gen = subset_generator(c, n - 4, root)))
		return;
	snprintf(m->subset, sizeof(m->subset), "%s", gen);
	/* real images belong to no generator, whatever subset holds them */
	if (fake)
		snprintf(m->generator, sizeof(m->generator), "%s", gen);
}

/* "real" or "fake" when c names a label folder, else NULL. */
static const char *folder_label(struct span c)
{
	if (span_is(c, "0_real") || span_is(c, "real") || span_is(c, "nature"))
		return "real";
	if (span_is(c, "1_fake") || span_is(c, "fake") || span_is(c, "ai"))
		return "fake";
	return NULL;
}

/* Sets a class from a folder name (wnid or 0..999); 0 when it is neither. */
static int folder_class(struct gic_path_meta *m, struct span c,
			const struct gic_classes *classes)
{
	char wnid[16];
	int idx;

	if (is_wnid(c)) {
		snprintf(wnid, sizeof(wnid), "%.9s", c.s);
		set_class(m, -1, wnid, "folder", classes);
		return 1;
	}
	if ((idx = class_number(c)) >= 0) {
		set_class(m, idx, NULL, "folder", classes);
		return 1;
	}
	return 0;
}

/* [split/][label/][class/]FILE, label and class in either order: walk up
 * from the parent while folders name a label or a class; the first folder
 * that names neither may name the split. */
static void imagefolder_parse(const struct span *c, int n,
			      struct gic_path_meta *m,
			      const struct gic_classes *classes)
{
	const char *split = NULL, *gen = NULL, *s, *g = NULL;
	char name[256];
	int i;

	for (i = n - 2; i >= 0 && i >= n - 3; i--) {
		const char *lab = folder_label(c[i]);

		if (lab && !m->label[0]) {
			snprintf(m->label, sizeof(m->label), "%s", lab);
			continue;
		}
		if (!lab && !m->class_source[0] && folder_class(m, c[i], classes))
			continue;
		break;
	}
	/* the split may sit above a generator's folder and a category's
	 * (AIGCDetectBenchmark's test/ADM/1_fake, CNNDetection's
	 * train/airplane/0_real and test/biggan/car/1_fake); the outermost
	 * split name is the split, as CNNDetection's test set has a category
	 * named train (test/progan/train/1_fake) */
	for (int k = 0; i >= 0 && k < 3; i--, k++) {
		if ((s = split_name(c[i], 1))) {
			split = s;
			gen = g;
			continue;
		}
		if (g || c[i].n >= sizeof(name))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)c[i].n, c[i].s);
		g = gic_generator_alias(name);
	}
	if (!split)
		return;
	snprintf(m->split, sizeof(m->split), "%s", split);
	if (!gen)
		return;
	snprintf(m->subset, sizeof(m->subset), "%s", gen);
	if (!strcmp(m->label, "fake"))
		snprintf(m->generator, sizeof(m->generator), "%s", gen);
}

/* The components of path other than "." and "..": what its spelling
 * names ("./a/../b" names two). */
static int path_named(const char *path)
{
	int n = 0;

	for (const char *s = path; *s; ) {
		size_t k;

		s += strspn(s, "/");
		k = strcspn(s, "/");
		n += k && !(k == 1 && s[0] == '.') &&
		     !(k == 2 && s[0] == '.' && s[1] == '.');
		s += k;
	}
	return n;
}

void gic_path_parse(enum gic_layout layout, const char *relpath,
		    const char *root, const struct gic_classes *classes,
		    const struct gic_val_labels *val, struct gic_path_meta *out)
{
	struct span c[MAXCOMP];
	int n = split_path(relpath ? relpath : "", c, MAXCOMP);
	/* c[rc] is root's last component; what is above it is not read */
	int rc = root && relpath ? n - 1 - (path_named(relpath) -
					   path_named(root)) : 0;

	memset(out, 0, sizeof(*out));
	out->class_idx = -1;
	if (layout == GIC_LAYOUT_AUTO) {
		if (genimage_match(c, n))
			layout = GIC_LAYOUT_GENIMAGE;
		else if (n >= 2 && (folder_label(c[n - 2]) || is_wnid(c[n - 2])))
			layout = GIC_LAYOUT_IMAGEFOLDER;
		else
			layout = GIC_LAYOUT_FLAT;
	}
	out->layout = layout;
	if (layout == GIC_LAYOUT_GENIMAGE && genimage_match(c, n))
		genimage_parse(c, n, rc, out);
	else if (layout == GIC_LAYOUT_IMAGEFOLDER)
		imagefolder_parse(c, n, out, classes);
	if (n > 0 && !out->class_source[0])
		name_class(out, stem_of(c[n - 1]), classes, val);
	/* a GenImage fake's name gives its class: one that gives none
	 * (007_sdv4_.png, a renamed file) is said */
	if (out->layout == GIC_LAYOUT_GENIMAGE && !strcmp(out->label, "fake") &&
	    !out->class_source[0])
		out->class_unread = 1;
	if (n > 0 && layout != GIC_LAYOUT_FLAT)
		check_name(out, stem_of(c[n - 1]));
}
