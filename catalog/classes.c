/*
 * classes.c - the two lookups that turn ImageNet names into classes: the
 * class table (index 0..999 <-> wnid, schema/imagenet_classes.tsv) and the
 * ILSVRC2012 validation labels (image id -> wnid, LOC_val_solution.csv).
 *
 * Both are parsed once and then queried per file during ingest, so both
 * keep a sorted array and answer with bsearch.  Neither assumes its input
 * is sorted.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "csv.h"
#include "embed.h"

#define NCLASSES 1000
#define WNID_LEN 9                      /* "n" + 8 digits */
#define VAL_MAX_BYTES (256u << 20)      /* the real file is ~10 MB */

struct wnid_idx {
	char wnid[WNID_LEN + 1];
	int idx;
};

struct gic_classes {
	char wnid[NCLASSES][WNID_LEN + 1]; /* by index; "" when absent */
	struct wnid_idx sorted[NCLASSES];  /* by wnid, for bsearch */
	int n;
};

struct val_entry {
	const char *id;                    /* points into gic_val_labels.buf */
	char wnid[WNID_LEN + 1];
	int line;
};

struct gic_val_labels {
	char *buf;                         /* the file, NUL-split in place */
	struct val_entry *e;
	size_t n;
};

/* "n" followed by exactly 8 digits, len bytes at s. */
static int is_wnid(const char *s, size_t len)
{
	if (len != WNID_LEN || s[0] != 'n')
		return 0;
	for (size_t i = 1; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* Length of the line at s without its line end; *next = the next line. */
static size_t line_len(const char *s, const char **next)
{
	size_t n = strcspn(s, "\r\n");  /* LF, CRLF or a lone CR */

	*next = s + n + (s[n] != '\0') + (s[n] == '\r' && s[n + 1] == '\n');
	return n;
}

static int cmp_wnid(const void *a, const void *b)
{
	return strcmp(((const struct wnid_idx *)a)->wnid,
		      ((const struct wnid_idx *)b)->wnid);
}

/* The two tabs of an "index<TAB>wnid<TAB>name" line of len bytes at s:
 * 0, or -1 when it has fewer. */
static int class_tabs(const char *s, size_t len, const char **tab1,
		      const char **tab2)
{
	return (*tab1 = memchr(s, '\t', len)) &&
	       (*tab2 = memchr(*tab1 + 1, '\t', len - (size_t)(*tab1 + 1 - s)))
		? 0 : -1;
}

/* One "index<TAB>wnid<TAB>name" line into c; lineno is for messages. */
static int class_line(struct gic_classes *c, const char *s, size_t len,
		      int lineno)
{
	const char *tab1, *tab2;
	char *end;
	long idx;

	if (class_tabs(s, len, &tab1, &tab2) < 0)
		return gic_seterr(GIC_EUSAGE, "class table line %d: expected "
				  "index<TAB>wnid<TAB>name", lineno);
	errno = 0;
	idx = strtol(s, &end, 10);
	if (end != tab1 || end == s || errno || idx < 0 || idx >= NCLASSES)
		return gic_seterr(GIC_EUSAGE, "class table line %d: index "
				  "'%.*s' is not in 0..999", lineno,
				  (int)(tab1 - s), s);
	if (!is_wnid(tab1 + 1, (size_t)(tab2 - tab1 - 1)))
		return gic_seterr(GIC_EUSAGE, "class table line %d: '%.*s' is "
				  "not a wnid like n01440764", lineno,
				  (int)(tab2 - tab1 - 1), tab1 + 1);
	if (c->wnid[idx][0])
		return gic_seterr(GIC_EUSAGE, "class table line %d: index %ld "
				  "appears twice", lineno, idx);
	memcpy(c->wnid[idx], tab1 + 1, WNID_LEN);
	memcpy(c->sorted[c->n].wnid, tab1 + 1, WNID_LEN);
	c->sorted[c->n].idx = (int)idx;
	c->n++;
	return 0;
}

int gic_classes_parse(const char *tsv, struct gic_classes **out)
{
	struct gic_classes *c = calloc(1, sizeof(*c));
	const char *s = tsv, *next;
	int lineno = 0, rc = 0;

	*out = NULL;
	if (!c)
		return gic_seterr(GIC_ENOMEM, "out of memory");
	for (; *s; s = next) {
		size_t len = line_len(s, &next);

		lineno++;
		if (len == 0 || (c->n == 0 && strncmp(s, "index", 5) == 0))
			continue;
		if ((rc = class_line(c, s, len, lineno)) < 0)
			goto out;
	}
	if (c->n == 0) {
		rc = gic_seterr(GIC_EUSAGE, "class table has no classes");
		goto out;
	}
	qsort(c->sorted, (size_t)c->n, sizeof(c->sorted[0]), cmp_wnid);
	for (int i = 1; i < c->n; i++) {
		if (strcmp(c->sorted[i - 1].wnid, c->sorted[i].wnid) == 0) {
			rc = gic_seterr(GIC_EUSAGE, "class table: wnid %s is "
					"used by classes %d and %d",
					c->sorted[i].wnid, c->sorted[i - 1].idx,
					c->sorted[i].idx);
			goto out;
		}
	}
out:
	if (rc < 0)
		free(c);
	else
		*out = c;
	return rc;
}

int gic_classes_builtin(struct gic_classes **out)
{
	return gic_classes_parse(gic_builtin_classes_tsv, out);
}

void gic_classes_free(struct gic_classes *c)
{
	free(c);
}

int gic_classes_index(const struct gic_classes *c, const char *wnid)
{
	struct wnid_idx key;
	const struct wnid_idx *hit;

	if (!c || !wnid || !is_wnid(wnid, strlen(wnid)))
		return -1;
	memcpy(key.wnid, wnid, WNID_LEN + 1);
	hit = bsearch(&key, c->sorted, (size_t)c->n, sizeof(key), cmp_wnid);
	return hit ? hit->idx : -1;
}

const char *gic_classes_wnid(const struct gic_classes *c, int idx)
{
	if (!c || idx < 0 || idx >= NCLASSES || !c->wnid[idx][0])
		return NULL;
	return c->wnid[idx];
}

/* A byte of a class name as names compare: in any case, with '_' and
 * ' ' alike (a folder's "great_white_shark"). */
static int fold(char c)
{
	return c == '_' ? ' ' : tolower((unsigned char)c);
}

/* How many bytes of s the n bytes at syn begin with, as names compare. */
static size_t common(const char *syn, size_t n, const char *s)
{
	size_t i = 0;

	while (i < n && s[i] && fold(syn[i]) == fold(s[i]))
		i++;
	return i;
}

/* Is the n bytes at syn (one of a class's names) s? */
static int same_name(const char *syn, size_t n, const char *s)
{
	return common(syn, n, s) == n && !s[n];
}

/* Does the n bytes at name hold s, as names compare? */
static int holds(const char *name, size_t n, const char *s)
{
	size_t k = strlen(s);

	for (size_t i = 0; i + k <= n; i++)
		if (common(name + i, n - i, s) == k)
			return 1;
	return 0;
}

/* Does the name field of length n at name ("goldfish, Carassius auratus")
 * hold s as one of its comma-separated names, or whole? */
static int names_it(const char *name, size_t n, const char *s)
{
	const char *end = name + n, *comma;

	if (same_name(name, n, s))
		return 1;
	for (const char *p = name; p < end; p = comma + 1) {
		while (p < end && *p == ' ')
			p++;
		if (!(comma = memchr(p, ',', (size_t)(end - p))))
			comma = end;
		if (same_name(p, (size_t)(comma - p), s))
			return 1;
	}
	return 0;
}

int gic_class_name_note(const char *s, char *out, size_t size)
{
	const char *line = gic_builtin_classes_tsv, *next, *tab1, *tab2;
	char list[128];
	int hits = 0;
	size_t len, used = 0;

	list[0] = '\0';
	for (; *line && *s; line = next) {
		len = line_len(line, &next);
		if (class_tabs(line, len, &tab1, &tab2) < 0 ||
		    !names_it(tab2 + 1, len - (size_t)(tab2 + 1 - line), s))
			continue;
		if (used < sizeof(list))  /* "134 (n02012849) and 517 (…)" */
			used += (size_t)snprintf(list + used, sizeof(list) - used,
				"%s%.*s (%.*s)", hits ? " and " : "",
				(int)(tab1 - line), line,
				(int)(tab2 - tab1 - 1), tab1 + 1);
		hits++;
	}
	snprintf(out, size, "%s%s", !hits ? "" : hits == 1 ?
		 ", the name of class " : ", a name of classes ", list);
	return hits;
}

int gic_class_word_note(const char *s, char *out, size_t size)
{
	const char *line = gic_builtin_classes_tsv, *next, *tab1, *tab2;
	char list[160];
	int hits = 0, shown = 0;
	size_t len, used = 0;

	*out = '\0';
	if (gic_class_name_note(s, out, size) || strlen(s) < 3 ||
	    s[strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		     "_ -")])
		return 0;
	for (; *line; line = next) {
		len = line_len(line, &next);
		if (class_tabs(line, len, &tab1, &tab2) < 0 ||
		    !holds(tab2 + 1, len - (size_t)(tab2 + 1 - line), s))
			continue;
		if (shown < 3 && used < sizeof(list)) {
			used += (size_t)snprintf(list + used, sizeof(list) - used,
				"%s%.*s %.*s", hits ? "; " : "", (int)(tab1 -
				line), line, (int)strcspn(tab2 + 1, ",\n"),
				tab2 + 1);
			shown++;
		}
		hits++;
	}
	if (hits)
		snprintf(out, size, " (no class is named so; %d hold%s it in "
			 "their names: %s%s)", hits, hits == 1 ? "s" : "", list,
			 hits > shown ? "; ..." : "");
	return hits;
}

/* ---- validation labels ---------------------------------------------- */

/* One "ImageId,wnid ..." line (s is writable: the id is NUL-terminated
 * in place) into e.  Fields may be quoted, as a CSV writer may leave
 * them. */
static int val_line(char *s, size_t len, int lineno, struct val_entry *e)
{
	char *f[2], *dot, head[61];
	int n;
	size_t wlen;

	/* the line as it was, to name another file by (split cuts it) */
	snprintf(head, sizeof(head), "%.*s", (int)(len > 60 ? 60 : len), s);
	n = gic_csv_split(s, ',', 1, f, 2);
	wlen = n == 2 ? strcspn(f[1], " \t") : 0;

	if (n < 0)
		return gic_seterr(GIC_EUSAGE, "line %d: %s", lineno,
				  gic_csv_why(n));
	/* a first line that is neither the header nor a row: another file */
	if (lineno == 1 && (n != 2 || !is_wnid(f[1], wlen)))
		return gic_seterr(GIC_EUSAGE, "line 1: expected the header "
				  "'ImageId,PredictionString' of ImageNet's "
				  "LOC_val_solution.csv, not '%s'", head);
	if (n != 2 || !*f[0])
		return gic_seterr(GIC_EUSAGE, "line %d: expected "
				  "'ImageId,PredictionString'", lineno);
	if (!is_wnid(f[1], wlen))
		return gic_seterr(GIC_EUSAGE, "line %d: PredictionString does "
				  "not start with a wnid like n01440764", lineno);
	/* "ILSVRC2012_val_00000001.JPEG" names the file: the id is without */
	if ((dot = strrchr(f[0], '.')))
		*dot = '\0';
	e->id = f[0];
	memcpy(e->wnid, f[1], WNID_LEN);
	e->wnid[WNID_LEN] = '\0';
	e->line = lineno;
	return 0;
}

static int cmp_val(const void *a, const void *b)
{
	return strcmp(((const struct val_entry *)a)->id,
		      ((const struct val_entry *)b)->id);
}

/* Sorts v->e and rejects one id labelled with two different wnids. */
static int val_sort(struct gic_val_labels *v)
{
	if (v->n)
		qsort(v->e, v->n, sizeof(v->e[0]), cmp_val);
	for (size_t i = 1; i < v->n; i++) {
		const struct val_entry *a = &v->e[i - 1], *b = &v->e[i];

		if (strcmp(a->id, b->id) == 0 && strcmp(a->wnid, b->wnid) != 0)
			return gic_seterr(GIC_EUSAGE, "line %d: %s is labelled "
					  "%s here and %s on line %d", b->line,
					  b->id, b->wnid, a->wnid, a->line);
	}
	return 0;
}

/* Is line 1 the header, ImageId,PredictionString?  Quoted too, as a CSV
 * writer that quotes every field (R's write.csv) writes it. */
static int is_header(const char *s)
{
	return strncmp(s + (*s == '"'), "ImageId", 7) == 0;
}

/* Splits buf into lines and parses every data line into v->e. */
static int val_parse(char *buf, struct gic_val_labels *v)
{
	size_t lines = 1;
	char *s, *next;
	int lineno = 0, rc;

	for (s = buf; (s = strpbrk(s, "\r\n")); s++)
		lines++;
	if (!(v->e = calloc(lines, sizeof(v->e[0]))))
		return gic_seterr(GIC_ENOMEM, "out of memory");
	for (s = buf; *s; s = next) {
		const char *nx;
		size_t len = line_len(s, &nx);

		next = s + (nx - s);
		lineno++;
		if (len == 0 || (lineno == 1 && is_header(s)))
			continue;
		s[len] = '\0';
		if ((rc = val_line(s, len, lineno, &v->e[v->n])) < 0)
			return rc;
		v->n++;
	}
	if (v->n == 0)
		return gic_seterr(GIC_EUSAGE, "no labels found");
	return val_sort(v);
}

int gic_val_labels_load(const char *path, struct gic_val_labels **out)
{
	struct gic_val_labels *v = calloc(1, sizeof(*v));
	size_t len;
	int rc;

	*out = NULL;
	if (!v)
		return gic_seterr(GIC_ENOMEM, "out of memory");
	if ((rc = gic_read_input(path, VAL_MAX_BYTES, &v->buf, &len)) < 0)
		goto out;
	/* a byte-order mark (a spreadsheet's "CSV UTF-8") is not the header */
	rc = val_parse(v->buf + (strncmp(v->buf, "\xef\xbb\xbf", 3) ? 0 : 3),
		       v);
out:
	if (rc < 0)
		gic_val_labels_free(v);
	else
		*out = v;
	return rc;
}

const char *gic_val_labels_get(const struct gic_val_labels *v, const char *id)
{
	struct val_entry key = { .id = id };
	const struct val_entry *hit;

	if (!v || !id)
		return NULL;
	hit = bsearch(&key, v->e, v->n, sizeof(key), cmp_val);
	return hit ? hit->wnid : NULL;
}

void gic_val_labels_free(struct gic_val_labels *v)
{
	if (!v)
		return;
	free(v->e);
	free(v->buf);
	free(v);
}

int gic_class_parse(const struct gic_classes *cls, const char *s)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);  /* digits only: not " 5", "+5" */
	if (isdigit((unsigned char)*s) && !*end && !errno && n >= 0 &&
	    n <= 999)
		return (int)n;
	return cls ? gic_classes_index(cls, s) : -1;
}
