/*
 * export-names.c - the file names of a set's exported items:
 * "<16 hex>.<ext>", or with --names original the original base names,
 * prefixed with the hash when unsafe (a device name, a bidi control, a
 * name no file system takes) or when two collide, case aside.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "export-int.h"

/* File names of a set's items: "<16 hex>.<ext>", or the original base
 * names, prefixed with the hash when unsafe or when two collide. */
struct named {
	const char *dir;
	char *name;
	size_t idx;
	int clash;
};

/*
 * Capital letters and what they are in lower case, beyond ASCII's: the
 * Latin of Latin-1 and Extended-A, Greek, Cyrillic and full-width Latin,
 * which a file system where case does not count (macOS, Windows) folds as
 * it folds A-Z.  A table, not a locale's towlower(), so that the names are
 * the same on every machine.  With step 2 every other code point from
 * first is a capital, its lower case the next one.  Greek's final
 * sigma folds to sigma, as both are capital Sigma.
 */
static const struct { unsigned first, last; int delta, step; } capitals[] = {
	{ 0x41, 0x5a, 0x20, 1 }, { 0xc0, 0xd6, 0x20, 1 }, { 0xd8, 0xde, 0x20, 1 },
	{ 0x100, 0x12e, 1, 2 }, { 0x132, 0x136, 1, 2 }, { 0x139, 0x147, 1, 2 },
	{ 0x14a, 0x176, 1, 2 }, { 0x178, 0x178, 0xff - 0x178, 1 },
	{ 0x179, 0x17d, 1, 2 }, { 0x386, 0x386, 0x26, 1 },
	{ 0x388, 0x38a, 0x25, 1 }, { 0x38c, 0x38c, 0x40, 1 },
	{ 0x38e, 0x38f, 0x3f, 1 }, { 0x391, 0x3a1, 0x20, 1 },
	{ 0x3a3, 0x3ab, 0x20, 1 }, { 0x3c2, 0x3c2, 1, 1 } /* final sigma */,
	{ 0x3d8, 0x3ee, 1, 2 }, { 0x400, 0x40f, 0x50, 1 },
	{ 0x410, 0x42f, 0x20, 1 }, { 0x460, 0x480, 1, 2 }, { 0x48a, 0x4be, 1, 2 },
	{ 0x4c0, 0x4c0, 0xf, 1 }, { 0x4c1, 0x4cd, 1, 2 }, { 0x4d0, 0x52e, 1, 2 },
	{ 0xff21, 0xff3a, 0x20, 1 },
};

/* The code point at *s in lower case; *s moves past it.  Names are
 * UTF-8 (safe_name) or hashes; a stray byte stands for itself. */
static unsigned next_lower(const char **s)
{
	const unsigned char *u = (const unsigned char *)*s;
	int n = u[0] < 0xc0 ? 1 : u[0] < 0xe0 ? 2 : u[0] < 0xf0 ? 3 : 4;
	unsigned c = n == 1 ? u[0] : u[0] & (0x7fu >> n);

	for (int i = 1; i < n; i++) {
		if ((u[i] & 0xc0) != 0x80) {  /* cut short: the byte alone */
			n = 1;
			c = u[0];
			break;
		}
		c = c << 6 | (u[i] & 0x3f);
	}
	*s += n;
	for (size_t i = 0; i < sizeof(capitals) / sizeof(*capitals); i++)
		if (c >= capitals[i].first && c <= capitals[i].last &&
		    (c - capitals[i].first) % (unsigned)capitals[i].step == 0)
			return c + (unsigned)capitals[i].delta;
	return c;
}

/* strcasecmp() with the capitals above: 0 for "Ärger" and "ärger". */
static int casecmp(const char *a, const char *b)
{
	for (;;) {
		unsigned x = next_lower(&a), y = next_lower(&b);

		if (x != y)
			return x < y ? -1 : 1;
		if (!x)
			return 0;
	}
}

/* Two names of one directory clash when they differ only in case:
 * copied where case does not count (macOS, Windows), one file would
 * replace the other.  Sorted so, they are neighbours. */
static int same_name(const struct named *x, const struct named *y)
{
	return !strcmp(x->dir, y->dir) && !casecmp(x->name, y->name);
}

static int by_dir_name(const void *a, const void *b)
{
	const struct named *x = a, *y = b;
	int c = strcmp(x->dir, y->dir);

	c = c ? c : casecmp(x->name, y->name);
	return c ? c : strcmp(x->name, y->name);
}

/* A Windows device name (CON, nul.png, COM1...), which no file may have:
 * the part before the first dot, spaces at its end ignored as Windows
 * ignores them ("CON .png"), is CON, PRN, AUX, NUL, CONIN$, CONOUT$, or
 * COM or LPT and a digit 1-9 or a superscript 1, 2 or 3. */
static int device_name(const char *s)
{
	static const char *const dev[] = { "con", "prn", "aux", "nul",
					   "conin$", "conout$" };
	static const char *const sup[] = { "\xc2\xb9", "\xc2\xb2", "\xc2\xb3" };
	size_t n = strcspn(s, ".");

	while (n && s[n - 1] == ' ')
		n--;
	for (size_t i = 0; i < sizeof(dev) / sizeof(*dev); i++)
		if (n == strlen(dev[i]) && !strncasecmp(s, dev[i], n))
			return 1;
	if (n < 4 || (strncasecmp(s, "com", 3) && strncasecmp(s, "lpt", 3)))
		return 0;
	if (n == 4)
		return s[3] >= '1' && s[3] <= '9';
	for (size_t i = 0; i < 3; i++)
		if (n == 5 && !memcmp(s + 3, sup[i], 2))
			return 1;
	return 0;
}

/* Is the UTF-8 character at u (len bytes) a bidirectional control,
 * which shows a name otherwise than it is ("x\u202egnp.exe"): U+061C,
 * U+200E..U+200F, U+202A..U+202E, U+2066..U+2069? */
static int bidi_control(const unsigned char *u, size_t len)
{
	return (len == 2 && u[0] == 0xd8 && u[1] == 0x9c) ||
	       (len == 3 && u[0] == 0xe2 && u[1] == 0x80 &&
		(u[2] == 0x8e || u[2] == 0x8f ||
		 (u[2] >= 0xaa && u[2] <= 0xae))) ||
	       (len == 3 && u[0] == 0xe2 && u[1] == 0x81 && u[2] >= 0xa6 &&
		u[2] <= 0xa9);
}

/* A name to keep: no path tricks, no control characters (C0, DEL, C1,
 * bidirectional ones), and UTF-8, which metadata.jsonl and most trainers'
 * file lists need; nor what Windows refuses (< > : " | ? *, a device
 * name, a last space or dot), where an export may well be copied. */
static int safe_name(const char *s)
{
	size_t n = strlen(s);

	if (!*s || *s == '.' || n > 200 || s[n - 1] == ' ' || s[n - 1] == '.' ||
	    device_name(s) || strpbrk(s, "<>:\"|?*/\\"))
		return 0;
	for (size_t i = 0; i < n; ) {
		const unsigned char *u = (const unsigned char *)s + i;
		int esc;
		size_t len = gic_text_step(s + i, n - i, &esc);

		if (esc || bidi_control(u, len))
			return 0;
		i += len;
	}
	return 1;
}

/* Would Hugging Face datasets take name for a split's file?  Its
 * imagefolder loader, given a set's directory, puts a file whose name
 * holds a split word (train, val, test, dev, eval ...) between two of
 * "-._ 0-9" (or at the start, before one) in that split, and leaves out
 * every file that holds none once one does: ILSVRC2012_val_00000955.JPEG,
 * every real of GenImage's val, would make a set of its reals alone. */
static int hf_split_word(const char *name)
{
	static const char *const words[] = { "train", "training", "validation",
		"valid", "dev", "val", "test", "testing", "eval", "evaluation" };
	static const char sep[] = "-._ 0123456789";

	for (const char *p = name; *p; p++) {
		if (p > name && !strchr(sep, p[-1]))
			continue;
		for (size_t i = 0; i < sizeof(words) / sizeof(*words); i++) {
			size_t n = strlen(words[i]);

			if (!strncasecmp(p, words[i], n) && p[n] &&
			    strchr(sep, p[n]))
				return 1;
		}
	}
	return 0;
}

/* base, ending in the extension of the format written: kept when it
 * says that format (in lower case: "x.PNG" is "x.png", as some loaders
 * match only ".png"), put in place of another image extension (a degraded
 * image, a JPEG named .png), added when there is none a loader would take
 * for an image (ImageFolder skips "photo"). */
static char *original_name(const struct gic_item *it, const char *base)
{
	const char *dot = strrchr(base, '.');
	int png = dot && !strcasecmp(dot, ".png");
	int jpg = dot && (!strcasecmp(dot, ".jpg") || !strcasecmp(dot, ".jpeg"));
	int stem = png || jpg ? (int)(dot - base) : (int)strlen(base);
	char *n = NULL;

	if ((png && !strcmp(it->format, "png")) ||
	    (jpg && !strcmp(it->format, "jpeg"))) {
		if ((n = strdup(base)))
			for (char *e = n + stem; *e; e++)
				*e = (char)tolower((unsigned char)*e);
		return n;
	}
	return asprintf(&n, "%.*s.%s", stem, base,
			gic_export_ext(it->format)) < 0 ? NULL : n;
}

/* "<16 hex>_suffix", or without suffix "<hex>.<ext>", of 16 or (full)
 * all 64 hex digits. */
static char *hash_name(const struct gic_item *it, const char *suffix,
		       int full)
{
	char *n = NULL;

	if (suffix && asprintf(&n, "%.16s_%s", it->sha256, suffix) < 0)
		return NULL;
	if (!suffix && asprintf(&n, "%.*s.%s", full ? GIC_HEX_LEN : 16,
				it->sha256, gic_export_ext(it->format)) < 0)
		return NULL;
	return n;
}

/*
 * Names that two items of a directory share (case aside) are replaced:
 * first by "<16 hex>_<name>", then, if that still collides (with an
 * original named so, or two hashes alike in 16 digits), by
 * "<64 hex>.<ext>", which no two items (distinct images) share.  Each
 * round renames at least one name that is not its own full hash, so
 * rounds end.  0, or -1 when out of memory.
 */
static int unclash(struct named *v, size_t n, const struct gic_resolved_set *s)
{
	for (int round = 0;; round++) {
		int any = 0;

		qsort(v, n, sizeof(*v), by_dir_name);
		for (size_t i = 0; i < n; i++) {
			v[i].clash = (i > 0 && same_name(&v[i], &v[i - 1])) ||
				     (i + 1 < n && same_name(&v[i], &v[i + 1]));
			any |= v[i].clash;
		}
		if (!any)
			return 0;
		for (size_t i = 0; i < n; i++) {
			const struct gic_item *it = &s->items[v[i].idx];
			char *name;

			if (!v[i].clash)
				continue;
			if (!(name = round ? hash_name(it, NULL, 1) :
					     hash_name(it, v[i].name, 0)))
				return -1;
			free(v[i].name);
			v[i].name = name;
		}
	}
}

char **gic_export_names(struct gic_export_ctx *x,
			const struct gic_resolved_set *s)
{
	struct named *v = calloc(s->n + 1, sizeof(*v));
	char **names = calloc(s->n + 1, sizeof(char *));
	size_t i;
	int ok = 1;

	if (!v || !names) {
		free(v);
		free(names);
		return NULL;
	}
	for (i = 0; i < s->n; i++) {
		const struct gic_item *it = &s->items[i];
		const char *base = it->path ? strrchr(it->path, '/') : NULL;
		base = base ? base + 1 : it->path;
		v[i].dir = gic_export_item_dir(x->opts->format, it->label);
		v[i].idx = i;
		v[i].name = x->opts->original_names && base && safe_name(base) &&
			    !(x->opts->format == GIC_FMT_HF &&
			      hf_split_word(base)) ?
			    original_name(it, base) : hash_name(it, NULL, 0);
		ok = ok && v[i].name;
	}
	ok = ok && unclash(v, s->n, s) == 0;
	for (i = 0; i < s->n; i++)
		names[v[i].idx] = v[i].name;
	free(v);
	if (!ok) {
		gic_export_names_free(names, s->n);
		return NULL;
	}
	return names;
}

void gic_export_names_free(char **names, size_t n)
{
	for (size_t i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
}
