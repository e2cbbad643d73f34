/*
 * fetch-list.c - reading the URL lists of gicat fetch: CSV (RFC 4180
 * quoting), TSV, JSONL (with jansson) or plain lists of URLs.
 *
 * Every row is checked as it is read (an http or https URL that libcurl
 * can parse, a known label, split and class, a well-formed sha256), so a
 * list with a bad row is refused as a whole, with the line to fix, before
 * anything is downloaded.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "curl-api.h"
#include <jansson.h>

#include "csv.h"
#include "fetch-int.h"
#include "json.h"

enum { C_URL, C_SHA, C_DATASET, C_GEN, C_LABEL, C_SPLIT, C_CLASS,
       C_LICENSE, NCOLS };
static const char *const col_names[NCOLS] = {
	"url", "sha256", "dataset", "generator", "label", "split", "class",
	"license" };

enum format { F_CSV, F_TSV, F_JSONL, F_PLAIN };

struct parser {
	struct gic_fetch_list *l;
	const struct gic_classes *cls;
	const char *label;    /* what rows without a label take (--label) */
	enum format fmt;
	int col[NCOLS];       /* field index of each column, -1 if absent */
	int nfields;          /* fields of the header */
	const char *nohead;   /* a .csv or .tsv list read as plain: its
				 extension (its header row is missing) */
	int line;
};
static int bad(struct parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Fails the row with "line N: <message>", its control characters as
 * \xNN: the rows' messages are joined by newlines, one a row, and a
 * value may hold one. */
static int bad(struct parser *p, const char *fmt, ...)
{
	char msg[1024], esc[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return gic_seterr(GIC_EUSAGE, "line %d: %s", p->line,
			  gic_esc(msg, esc, sizeof(esc)));
}

/* url as a message shows it, whether it parses or not (a list refused
 * for a bad URL): the credential of its user part as ***, control characters
 * escaped, cut past GIC_SHOWN_MAX bytes (the line finds the row; what is
 * wrong with it follows).  Parsed URLs go through gic_fetch_mask_url. */
static const char *shown(const char *url, char out[GIC_SHOWN_BUF])
{
	int rc;
	char *m = gic_fetch_mask_secrets(url, gic_fetch_mask_text(url, 0), &rc);

	/* the messages of a list's bad rows are joined by newlines, one a
	 * row, and a quoted CSV field may hold one */
	gic_esc_cut(m ? m : url, GIC_SHOWN_MAX, out, GIC_SHOWN_BUF);
	free(m);
	return out;
}

/* An absolute http or https URL, parsed as libcurl will (once: *key is
 * its masked form, NULL when it has no user part and no credential in its
 * query).  Spaces, which URLs
 * copied from web pages carry, are allowed, and *wire is then the URL
 * with them escaped (%20; + in the query), which is what is requested
 * (NULL when it is url). */
static int check_url(struct parser *p, const char *url, char **key,
		     char **wire)
{
	CURLU *u = curl_url();
	char *scheme = NULL, show[GIC_SHOWN_BUF];
	CURLUcode uc;
	int rc = 0;

	*key = *wire = NULL;
	if (!u)
		return gic_seterr(GIC_ENOMEM, "out of memory");
	if ((uc = curl_url_set(u, CURLUPART_URL, url, 0)) && strchr(url, ' ') &&
	    !(uc = curl_url_set(u, CURLUPART_URL, url,
				CURLU_ALLOW_SPACE | CURLU_URLENCODE)) &&
	    /* a fragment is not sent, and libcurl escapes no space in it */
	    (curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0) ||
	     curl_url_get(u, CURLUPART_URL, wire, 0)))
		uc = CURLUE_OUT_OF_MEMORY;
	if (uc)
		rc = bad(p, "'%s' is not a URL: %s%s", shown(url, show),
			 curl_url_strerror(uc),
			 url[0] == '#' && p->fmt <= F_TSV ? " (comment lines "
			 "go above the header row)" : "");
	else if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) ||
		 (strcmp(scheme, "http") && strcmp(scheme, "https")))
		rc = bad(p, "'%s' is not an http or https URL",
			 shown(url, show));
	else if (strchr(url, '@') && gic_fetch_has_userinfo(u) &&
		 /* with spaces: as listed, not encoded */
		 !(*key = *wire ? gic_fetch_mask_text(url, 1) :
			    gic_fetch_mask_listed(u, url)))
		rc = gic_seterr(GIC_ENOMEM, "out of memory");
	else
		*key = gic_fetch_mask_secrets(url, *key, &rc);
	curl_free(scheme);
	curl_url_cleanup(u);
	return rc;
}

/* Checks the values of one row; NULL or "" means not given. */
static int check_fields(struct parser *p, const char *const v[NCOLS],
			int *cls)
{
	const char *x;

	if ((x = v[C_LABEL]) && *x && gic_label_check(x) < 0)
		return bad(p, "label must be 'real' or 'fake', not '%s'", x);
	if ((x = v[C_SPLIT]) && *x && gic_split_check(x) < 0)
		return bad(p, "split must be train, val or test, not '%s'", x);
	if ((x = v[C_DATASET]) && *x &&
	    gic_name_check("dataset", x, GIC_DATASET_MAX) < 0)
		return bad(p, "%s", gic_errmsg());
	if ((x = v[C_GEN]) && *x &&
	    gic_name_check("generator", x, GIC_GENERATOR_MAX) < 0)
		return bad(p, "%s", gic_errmsg());
	if (x && *x && v[C_LABEL] && *v[C_LABEL] ? !strcmp(v[C_LABEL], "real") :
	    x && *x && p->label && !strcmp(p->label, "real"))
		return bad(p, "a real image has no generator (generator '%s'%s)",
			   x, v[C_LABEL] && *v[C_LABEL] ? "" :
			   ", label real from --label");
	*cls = -1;
	if ((x = v[C_CLASS]) && *x && (*cls = gic_class_parse(p->cls, x)) < 0) {
		char named[160];

		gic_class_word_note(x, named, sizeof(named));
		return bad(p, "class must be 0..999 or an ImageNet wnid, not "
			   "'%s'%s", x, named);
	}
	return 0;
}

/* Checks one row; *key and *wire as check_url's. */
static int check_row(struct parser *p, const char *const v[NCOLS], int *cls,
		     char **key, char **wire)
{
	int rc;

	*key = *wire = NULL;
	if (!v[C_URL] || !*v[C_URL])
		return bad(p, "url is empty");
	if (strlen(v[C_URL]) > GIC_FETCH_MAX_URL)  /* servers stop at ~8 KiB */
		return bad(p, "a URL of %zu bytes, over the %d-byte limit",
			   strlen(v[C_URL]), GIC_FETCH_MAX_URL);
	if ((rc = check_url(p, v[C_URL], key, wire)) < 0 ||
	    (rc = check_fields(p, v, cls)) < 0) {
		free(*key);
		curl_free(*wire);
		*key = *wire = NULL;
	}
	return rc;
}

static char *dup_opt(const char *v)
{
	return v && *v ? strdup(v) : NULL;
}

static int add_item(struct parser *p, const char *const v[NCOLS])
{
	struct gic_fetch_list *l = p->l;
	struct gic_fetch_item *it;
	char *key, *wire;
	int rc, cls = -1;

	if ((rc = check_row(p, v, &cls, &key, &wire)) < 0)
		return rc;
	if (gic_grow(&l->items, l->n, &l->cap, sizeof(*l->items), 256)) {
		free(key);
		curl_free(wire);
		return GIC_ENOMEM;
	}
	it = &l->items[l->n++];
	memset(it, 0, sizeof(*it));
	it->line = p->line;
	it->class_idx = cls;
	it->url = strdup(wire ? wire : v[C_URL]);
	/* as listed: spaces as they were, credentials masked */
	it->key = key ? key : wire ? strdup(v[C_URL]) : it->url;
	curl_free(wire);
	it->sha256 = dup_opt(v[C_SHA]);
	it->dataset = dup_opt(v[C_DATASET]);
	/* a known generator by its canonical id (SD14, imagenet_ai_0419_sdv4:
	 * sd14), as tasks select it */
	it->generator = dup_opt(gic_generator_exact(v[C_GEN]) ?
				gic_generator_exact(v[C_GEN]) : v[C_GEN]);
	it->label = dup_opt(v[C_LABEL]);
	it->split = dup_opt(v[C_SPLIT]);
	it->license = dup_opt(v[C_LICENSE]);
	for (char *s = it->sha256; s && *s; s++)
		*s = (char)tolower((unsigned char)*s);
	if (it->sha256 && !gic_is_hex_sha(it->sha256))
		return bad(p, "sha256 must be 64 hex digits, not '%s'", v[C_SHA]);
	if (!it->url || !it->key)
		return gic_seterr(GIC_ENOMEM, "out of memory");
	return 0;
}

/* A header without a url column: says which columns it has, and which
 * one may hold the URLs (LAION's URL is url already; image_url, link). */
static int no_url_column(struct parser *p, char *const *f, int n)
{
	char has[256] = "", hint[128] = "";
	size_t len = 0;

	for (int i = 0; i < n; i++) {
		gic_appendf(has, sizeof(has), &len, "%s%s", i ? ", " : "", f[i]);
		if (!*hint && (strcasestr(f[i], "url") ||
			       !strcasecmp(f[i], "link") ||
			       !strcasecmp(f[i], "href") ||
			       !strcasecmp(f[i], "src")))
			snprintf(hint, sizeof(hint), "; name '%s' url, if it "
				 "holds the URLs", f[i]);
	}
	return bad(p, "no 'url' column in the header (it has: %s%s)", has,
		   hint);
}

/* The header row: which field holds which column. */
static int read_header(struct parser *p, char *line)
{
	char *f[GIC_CSV_MAX_FIELDS], sep = p->fmt == F_TSV ? '\t' : ',';
	int n = gic_csv_split(line, sep, 1, f,
			      GIC_CSV_MAX_FIELDS);
	int dup;

	if (n < 0)  /* not "no 'url' column (it has: )" */
		return bad(p, "the header: %s", gic_csv_why(n));
	if (n > GIC_CSV_MAX_FIELDS)
		return bad(p, "the header has %d columns, more than the %d "
			   "gicat reads", n, GIC_CSV_MAX_FIELDS);
	if ((dup = gic_csv_columns(f, n, col_names, NCOLS, p->col)) >= 0)
		return bad(p, "two '%s' columns in the header", col_names[dup]);
	if (p->col[C_URL] < 0 && n == 1 && strchr(f[0], sep == ',' ? '\t' : ','))
		return bad(p, "no 'url' column in the header (its fields are "
			   "separated by %s: name the list .%s)", sep == ',' ?
			   "tabs" : "commas", sep == ',' ? "tsv" : "csv");
	if (p->col[C_URL] < 0)
		return no_url_column(p, f, n);
	p->nfields = n;
	return 0;
}

static int read_delimited(struct parser *p, char *line)
{
	char *f[GIC_CSV_MAX_FIELDS], sep = p->fmt == F_TSV ? '\t' : ',';
	const char *v[NCOLS];
	int n = gic_csv_split(line, sep, 1, f,
			      GIC_CSV_MAX_FIELDS);

	int empty = 1;

	if (n < 0)
		return bad(p, "%s", gic_csv_why(n));
	for (int i = 0; i < n && i < GIC_CSV_MAX_FIELDS; i++)
		empty &= !*gic_trim(f[i]);
	if (empty) /* ",,,": a spreadsheet's row below its data */
		return 0;
	/* a value past the header's fields: mostly a URL with a comma
	 * (w_100,h_100), unquoted, which would be fetched cut there */
	for (int i = p->nfields; i < n && i < GIC_CSV_MAX_FIELDS; i++)
		if (*f[i])
			return bad(p, "%d fields where the header has %d: a "
				   "value holding a %s (a URL may) must be "
				   "quoted", n, p->nfields,
				   sep == ',' ? "comma" : "tab");
	for (int c = 0; c < NCOLS; c++) {
		int k = p->col[c];

		v[c] = k >= 0 && k < n ? gic_trim(f[k]) : NULL;
	}
	return add_item(p, v);
}

/* ".csv", ".tsv" or ".tab" as path ends (in any case), else NULL. */
static const char *delimited_ext(const char *path)
{
	const char *ext = strrchr(path, '.');

	if (!ext)
		return NULL;
	if (!strcasecmp(ext, ".csv"))
		return ".csv";
	if (!strcasecmp(ext, ".tsv"))
		return ".tsv";
	return strcasecmp(ext, ".tab") ? NULL : ".tab";
}

/* The separator of a delimited_ext list. */
static char ext_sep(const char *ext)
{
	return strcmp(ext, ".csv") ? '\t' : ',';
}

static int read_plain(struct parser *p, char *line)
{
	const char *v[NCOLS] = { 0 };

	line = gic_trim(line);
	if (*line == '#')
		return 0;
	/* "URL  # note": a '#' after a space starts a comment (a URL's own
	 * '#', its fragment, follows no space) */
	for (char *s = line; *s; s++)
		if ((*s == ' ' || *s == '\t') && s[strspn(s, " \t")] == '#') {
			*s = '\0';
			break;
		}
	if (p->nohead && strchr(line, ext_sep(p->nohead)))
		return bad(p, "a URL followed by a %s, in a %s list with no "
			   "header row: put one naming its columns "
			   "(url,label,...) above it", ext_sep(p->nohead) ==
			   ',' ? "comma" : "tab", p->nohead);
	v[C_URL] = line;
	return add_item(p, v);
}

/* A JSON value as column text: strings without the spaces around them,
 * as a CSV field's (a copy in *own, for the caller to free), integers
 * printed. */
static int json_col(struct parser *p, json_t *j, int c, char *buf, size_t n,
		    char **own, const char **out)
{
	*out = NULL;
	if (!j || json_is_null(j))
		return 0;
	if (json_is_string(j)) {
		if (!(*own = strdup(json_string_value(j))))
			return gic_seterr(GIC_ENOMEM, "out of memory");
		*out = gic_trim(*own);
		return 0;
	}
	if (json_is_integer(j) && c == C_CLASS) {
		snprintf(buf, n, "%lld", (long long)json_integer_value(j));
		*out = buf;
		return 0;
	}
	/* 3.0, as some writers of JSON put an integer */
	if (json_is_real(j) && c == C_CLASS && fabs(json_real_value(j)) < 1e9 &&
	    json_real_value(j) == (double)(long long)json_real_value(j)) {
		snprintf(buf, n, "%lld", (long long)json_real_value(j));
		*out = buf;
		return 0;
	}
	return bad(p, "'%s' must be %s", col_names[c], c == C_CLASS ?
		   "a whole number or a wnid" : "a string");
}

static int read_json(struct parser *p, char *line)
{
	const char *v[NCOLS];
	char num[32], *own[NCOLS] = { 0 };
	json_error_t err;
	json_t *o = json_loads(line, JSON_REJECT_DUPLICATES, &err);
	char why[JSON_ERROR_TEXT_LENGTH + 32];
	int rc = 0;

	if (!o)  /* as eval says of a predictions file */
		return bad(p, "not JSON: %s",
			   gic_json_why(&err, why, sizeof(why)));
	if (!json_is_object(o)) {
		rc = bad(p, "not a JSON object");
		goto out;
	}
	for (int c = 0; c < NCOLS && rc == 0; c++) {
		const char *k1, *k2;
		json_t *m;

		if (gic_json_member(o, col_names[c], &m, &k1, &k2) < 0)
			rc = bad(p, "two '%s' keys: '%s' and '%s'", col_names[c],
				 k1, k2);
		else
			rc = json_col(p, m, c, num, sizeof(num), &own[c], &v[c]);
	}
	if (rc == 0)
		rc = add_item(p, v);
	for (int c = 0; c < NCOLS; c++)
		free(own[c]);
out:
	json_decref(o);
	return rc;
}

static enum format guess(const char *path, const char *first)
{
	const char *ext = strrchr(path, '.');

	/* comments above a plain list's URLs: its first URL tells */
	while (*first == '#') {
		const char *nl = strchr(first, '\n');

		if (!nl)
			break;
		first = nl + 1 + strspn(nl + 1, " \t\r\n");
	}

	if (ext && (!strcasecmp(ext, ".jsonl") || !strcasecmp(ext, ".ndjson") ||
		    !strcasecmp(ext, ".json")))
		return F_JSONL;
	if (*first == '{')
		return F_JSONL;
	if (!*first || !strncasecmp(first, "http://", 7) ||
	    !strncasecmp(first, "https://", 8) ||
	    (ext && !strcasecmp(ext, ".txt")))
		return F_PLAIN;
	if ((ext = delimited_ext(path)))
		return ext_sep(ext) == ',' ? F_CSV : F_TSV;
	return memchr(first, '\t', strcspn(first, "\n")) ? F_TSV : F_CSV;
}

#define BAD_ROWS_SHOWN 20 /* a list's bad rows named, one a line */

/* Every bad row of a list is found in one reading: the first
 * BAD_ROWS_SHOWN named, the others counted. */
struct bad_rows {
	char text[12288];
	size_t len;
	int n;
};

static void note_bad(struct bad_rows *b)
{
	if (b->n++ < BAD_ROWS_SHOWN)
		gic_appendf(b->text, sizeof(b->text), &b->len, "%s%s",
			    b->len ? "\n" : "", gic_errmsg());
}

/* Feeds every non-blank record of text (modified in place) to the
 * parser. */
static int read_lines(struct parser *p, char *text)
{
	int rc = 0, header = p->fmt == F_CSV || p->fmt == F_TSV;
	struct bad_rows *bad = calloc(1, sizeof(*bad));
	struct gic_records rec;
	char *s, *t;

	if (!bad)
		return gic_seterr(GIC_ENOMEM, "out of memory");
	gic_records_init(&rec, text, p->fmt == F_TSV ? '\t' : ',',
			 p->fmt == F_CSV || p->fmt == F_TSV);
	while (rc == 0 && (s = gic_records_next(&rec))) {
		p->line = rec.line;
		/* blank, or "# where this list came from" above the header,
		 * as a plain list may have */
		if (!*(t = gic_trim(s)) || (header && *t == '#'))
			continue;
		if (header) {  /* a bad header: no row can be read */
			rc = read_header(p, s);
			header = 0;
			continue;
		}
		rc = p->fmt == F_JSONL ? read_json(p, s) :
		     p->fmt == F_PLAIN ? read_plain(p, s) : read_delimited(p, s);
		if (rc == GIC_EUSAGE) {  /* a row's: the next rows are read */
			note_bad(bad);
			rc = 0;
		}
	}
	if (rc == 0 && bad->n > BAD_ROWS_SHOWN)
		gic_appendf(bad->text, sizeof(bad->text), &bad->len, "\n... and "
			    "%d more bad rows", bad->n - BAD_ROWS_SHOWN);
	if (rc == 0 && bad->n)
		rc = gic_seterr_lines(GIC_EUSAGE, bad->text);
	free(bad);
	return rc;
}

static char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');
	char *name = strdup(b ? b + 1 : path), *dot;

	if (name && (dot = strrchr(name, '.')) && dot != name)
		*dot = '\0';
	return name;
}

int gic_fetch_list_parse(const char *text, size_t len, const char *path,
			 const struct gic_classes *cls, const char *label,
			 struct gic_fetch_list **out)
{
	struct parser p = { .cls = cls, .label = label };
	char *copy = NULL, *start;
	int rc;

	*out = NULL;
	if ((rc = gic_curl_load()) < 0)  /* it parses the URLs */
		return rc;
	if (memchr(text, '\0', len))
		return gic_seterr(GIC_EUSAGE, "not a text file (NUL byte)");
	if (!(p.l = calloc(1, sizeof(*p.l))) || !(copy = malloc(len + 1)) ||
	    !(p.l->name = base_name(path)) || !(p.l->path = strdup(path))) {
		rc = gic_seterr(GIC_ENOMEM, "out of memory");
		goto out;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	start = copy + (strncmp(copy, "\xef\xbb\xbf", 3) ? 0 : 3); /* BOM */
	p.fmt = guess(path, start + strspn(start, " \t\r\n"));
	if (p.fmt == F_PLAIN)
		p.nohead = delimited_ext(path);
	if ((rc = read_lines(&p, start)) == 0 && p.l->n == 0)
		rc = gic_seterr(GIC_EUSAGE, "no URLs in the list");
out:
	free(copy);
	if (rc < 0)
		gic_fetch_list_free(p.l);
	else
		*out = p.l;
	return rc;
}

int gic_fetch_list_load(const char *path, const struct gic_classes *cls,
			const char *label, struct gic_fetch_list **out)
{
	char *buf = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	if ((rc = gic_read_input(path, GIC_MAX_TEXT_INPUT, &buf, &len)) == 0)
		rc = gic_fetch_list_parse(buf, len, path, cls, label, out);
	free(buf);
	return rc;
}

void gic_fetch_list_free(struct gic_fetch_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		struct gic_fetch_item *it = &l->items[i];

		if (it->key != it->url)
			free(it->key);
		free(it->url);
		free(it->sha256);
		free(it->dataset);
		free(it->generator);
		free(it->label);
		free(it->split);
		free(it->license);
	}
	free(l->items);
	free(l->name);
	free(l->path);
	free(l);
}

const char *gic_fetch_dataset(const struct gic_fetch_list *l, size_t i,
			      const char *dflt)
{
	if (l->items[i].dataset)
		return l->items[i].dataset;
	return dflt ? dflt : l->name;
}
