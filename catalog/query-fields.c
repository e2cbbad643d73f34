/*
 * query-fields.c - what the query language can name: the fields (each
 * the same-named column of v_entries), a suggestion for a misspelt one,
 * and, for fields with a closed set of values, whether a value is one.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "catalog.h"

/* Every field is the same-named column of v_entries.  NAME: a TEXT field
 * of names, whose value no entry has gets a hint (class_name: ImageNet's
 * "tench, Tinca tinca", which "tench" alone does not equal); LIST: of
 * space-separated names (an entry's license ids), where "license = X"
 * asks whether X is one of them. */
#define TEXT(name) { #name, #name, GIC_FT_TEXT, 0, 0 }
#define NAME(name) { #name, #name, GIC_FT_TEXT, 1, 0 }
#define LIST(name) { #name, #name, GIC_FT_TEXT, 1, 1 }
#define INT(name) { #name, #name, GIC_FT_INT, 0, 0 }
static const struct gic_field fields[] = {
	TEXT(sha256), NAME(dataset), NAME(generator), NAME(subset), TEXT(label),
	NAME(split), INT(class), TEXT(wnid), NAME(class_name),
	NAME(class_source), TEXT(path), INT(width), INT(height),
	INT(short_side), TEXT(format), INT(bytes), NAME(mode), INT(channels),
	INT(bit_depth), INT(jpeg_quality), NAME(subsampling),
	INT(progressive), TEXT(phash), LIST(license), TEXT(source),
	INT(has_icc), INT(has_exif), INT(has_xmp), INT(has_c2pa),
	TEXT(text_keys), TEXT(exif_software), TEXT(exif_make),
	TEXT(exif_model), TEXT(xmp_source_type), INT(trailing_bytes),
	TEXT(storage),
	/* added later: last, so that csv's columns keep their places */
	INT(quality_exact), INT(interlaced), INT(orientation), TEXT(added_at),
	{ NULL, NULL, GIC_FT_TEXT, 0, 0 },
};
#undef TEXT
#undef NAME
#undef LIST
#undef INT

const char *gic_field_match_sql(const struct gic_field *f, char *buf,
				size_t size)
{
	if (f->list)
		snprintf(buf, size, "coalesce(instr(' ' || %s || ' ', ' ' || ? "
			 "|| ' '), 0) > 0", f->sql);
	else
		snprintf(buf, size, "%s = ?", f->sql);
	return buf;
}

const struct gic_field *gic_fields(void)
{
	return fields;
}

const struct gic_field *gic_field_find_n(const char *name, size_t n)
{
	for (const struct gic_field *f = fields; f->name; f++)
		if (strlen(f->name) == n && strncasecmp(f->name, name, n) == 0)
			return f;
	return NULL;
}

const struct gic_field *gic_field_find(const char *name)
{
	return name ? gic_field_find_n(name, strlen(name)) : NULL;
}

/* 1 when the n bytes at name are one of the '_'-separated words of the
 * field name fn ("short" of short_side, "quality" of jpeg_quality) */
static int word_of(const char *name, size_t n, const char *fn)
{
	for (const char *w = fn; *w; w += strcspn(w, "_"), w += *w == '_')
		if (strcspn(w, "_") == n && !memcmp(w, name, n))
			return 1;
	return 0;
}

/* Words other tools name these fields by. */
static const char *const aliases[][2] = {
	{ "hash", "sha256" }, { "size", "bytes" }, { "filesize", "bytes" },
	{ "file", "path" }, { "filename", "path" },
};

/* The field a wrong name most likely meant: the first (in the order of
 * the listing) that has the name, three bytes or more, as a word of its
 * own ("quality": jpeg_quality, not mode) or as its start ("sha":
 * sha256), the field another tool's word names ("size": bytes), or else
 * the nearest in edit distance. */
static const struct gic_field *suggest(const char *name, size_t n)
{
	const struct gic_field *best = NULL;
	size_t bestd = GIC_SUGGEST_FAR;

	for (const struct gic_field *f = fields; n >= 3 && f->name; f++)
		if (word_of(name, n, f->name))
			return f;
	for (const struct gic_field *f = fields; n >= 3 && f->name; f++)
		if (!strncasecmp(f->name, name, n))
			return f;
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strlen(aliases[i][0]) == n &&
		    !strncasecmp(aliases[i][0], name, n))
			return gic_field_find(aliases[i][1]);
	for (const struct gic_field *f = fields; f->name; f++)
		if (gic_suggest_closer(name, n, f->name, &bestd))
			best = f;
	return best;
}

const char *gic_field_hint(const char *name, size_t n, char *buf,
			   size_t size)
{
	const struct gic_field *f = suggest(name, n);

	if (f)
		snprintf(buf, size, " (did you mean '%s'?)", f->name);
	else
		snprintf(buf, size, " ('gicat help query' lists the fields)");
	return buf;
}

/* Fields with a closed set of values: an equality with anything else
 * matches nothing, and is much more likely a typo ("label = FAKE"). */
static const struct vocab {
	const char *field;
	const char *const words[4];  /* NULL after the last */
	const char *say;
} vocabs[] = {
	{ "label", { "real", "fake" }, "'real' or 'fake'" },
	{ "split", { "train", "val", "test" }, "'train', 'val' or 'test'" },
	{ "format", { "png", "jpeg" }, "'png' or 'jpeg'" },
	{ "storage", { "object", "ref" }, "'object' or 'ref'" },
};

static pthread_once_t classes_once = PTHREAD_ONCE_INIT;
static struct gic_classes *classes;

static void load_classes(void)
{
	if (gic_classes_builtin(&classes) < 0)
		classes = NULL; /* then wnids go unchecked */
}

/* sha256 and phash are lower-case hex of a fixed length: a prefix, or
 * upper case, would match nothing, silently. */
static int hex_check(const struct gic_field *col, const char *s, char *why,
		     size_t size)
{
	size_t want = !strcmp(col->name, "sha256") ? 64 :
		      !strcmp(col->name, "phash") ? 16 : 0;
	size_t n = strlen(s);
	int hex = n && strspn(s, "0123456789abcdefABCDEF") == n;
	char low[64];

	if (!want || (n == want && strspn(s, "0123456789abcdef") == n))
		return 0;
	if (hex && n < want) {  /* a prefix, as table prints hashes */
		for (size_t i = 0; i <= n; i++)
			low[i] = (char)tolower((unsigned char)s[i]);
		snprintf(why, size, "%s is %zu hex digits, not %zu: for those "
			 "starting so, %s ~ '%s*'", col->name, want, n,
			 col->name, low);
	} else if (hex) {
		snprintf(why, size, "%s is %zu lower-case hex digits%s", col->name,
			 want, n == want ? ": write it in lower case" : "");
	} else {
		snprintf(why, size, "%s is %zu hex digits, not '%.80s'",
			 col->name, want, s);
	}
	return -1;
}

int gic_field_value_check(const struct gic_field *col, const char *s,
			  int as_class, char *why, size_t size)
{
	if (hex_check(col, s, why, size) < 0)
		return -1;
	if (!strcmp(col->name, "wnid")) {
		/* wnid = X finds entries kept with a wnid outside the 1000
		 * classes too; class = X names one of the classes */
		if (strlen(s) != 9 || s[0] != 'n' || strspn(s + 1, "0123456789") != 8) {
			snprintf(why, size, "a wnid is 'n' and 8 digits, not '%s'", s);
			return -1;
		}
		pthread_once(&classes_once, load_classes);
		if (as_class && classes && gic_classes_index(classes, s) < 0) {
			snprintf(why, size, "no ImageNet class has wnid '%s' "
				 "(wnid = %s finds entries kept with it)", s, s);
			return -1;
		}
		return 0;
	}
	for (size_t k = 0; k < sizeof(vocabs) / sizeof(vocabs[0]); k++) {
		const struct vocab *w = &vocabs[k];
		if (strcmp(col->name, w->field))
			continue;
		for (size_t j = 0; w->words[j]; j++)
			if (!strcmp(s, w->words[j]))
				return 0;
		snprintf(why, size, "%s is %s, not '%s'", w->field, w->say, s);
		return -1;
	}
	return 0;
}

