/*
 * select.c - running query-language expressions against the catalog, and
 * reading an image's bytes back by (abbreviated) hash.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "catalog.h"
#include "ingest-int.h"
#include "ingest-write.h"

/* gic_select_prepare of a compiled expression */
static int prepare(struct gic_catalog *c, const char *cols,
		   const struct gic_sql *q, const char *tail,
		   sqlite3_stmt **out, int *next_param)
{
	char *sql = NULL;
	int rc = 0;

	*out = NULL;
	/* entries alone when every column named is one of theirs (the
	 * view's others fail to prepare so): the view joins each entry to
	 * its image, a random lookup by text key that made a count of 2.7M
	 * entries take 5 s instead of 0.1 s */
	for (int pass = 0; pass < 2; pass++) {
		free(sql);
		if (asprintf(&sql, "SELECT %s FROM %s WHERE %s %s", cols,
			     pass ? "v_entries" : "entries", q->where,
			     tail ? tail : "") < 0) {
			sql = NULL;
			rc = gic_seterr(GIC_ENOMEM, "out of memory");
			goto out;
		}
		if (sqlite3_prepare_v2(c->db, sql, -1, out, NULL) == SQLITE_OK ||
		    strncmp(sqlite3_errmsg(c->db), "no such column", 14))
			break;
	}
	if (!*out) {
		const char *m = sqlite3_errmsg(c->db);
		/* past what SQLite parses, within gicat's own limits: the
		 * expression's fault, not the catalog's */
		rc = strstr(m, "stack overflow") || strstr(m, "too large") ?
		     gic_seterr(GIC_EUSAGE, "the expression is too complex for "
				"SQLite (%s): fewer nested parentheses, or "
				"'in (...)' for many values of one field", m) :
		     gic_seterr(GIC_EDB, "prepare query: %s", m);
		goto out;
	}
	for (size_t i = 0; i < q->nparams; i++) {
		if (q->params[i].type == GIC_FT_INT)
			sqlite3_bind_int64(*out, (int)i + 1, q->params[i].i);
		else
			sqlite3_bind_text(*out, (int)i + 1, q->params[i].s, -1,
					  SQLITE_TRANSIENT);
	}
	if (next_param)
		*next_param = (int)q->nparams + 1;
out:
	free(sql);
	return rc;
}

int gic_select_prepare(struct gic_catalog *c, const char *cols,
		       const char *expr, const char *tail, sqlite3_stmt **out,
		       int *errcol, int *next_param)
{
	struct gic_sql q = { 0 };
	int rc;

	*out = NULL;
	if ((rc = gic_query_compile(expr ? expr : "", &q, errcol)) == 0)
		rc = prepare(c, cols, &q, tail, out, next_param);
	gic_sql_release(&q);
	return rc;
}

/* The number of label entries q selects, or < 0. */
static int64_t count_label(struct gic_catalog *c, const struct gic_sql *q,
			   const char *label)
{
	sqlite3_stmt *s;
	int64_t n;
	int rc, at;

	if ((rc = prepare(c, "count(*)", q, "AND label = ?", &s, &at)) < 0)
		return rc;
	sqlite3_bind_text(s, at, label, -1, SQLITE_STATIC);
	n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) :
	    gic_seterr(GIC_EDB, "%s", sqlite3_errmsg(c->db));
	sqlite3_finalize(s);
	return n;
}

/* Does field f say which part of the catalog a select takes, not what
 * its images must be like?  Without it, a select finds images outside
 * that part: true, and no news. */
static int scope_field(const char *f)
{
	static const char *const scope[] = { "dataset", "generator", "subset",
		"split", "label", "class", "wnid", "class_name", "path",
		"sha256", NULL };

	for (int i = 0; scope[i]; i++)
		if (!strcmp(f, scope[i]))
			return 1;
	return 0;
}

int gic_select_blockers(struct gic_catalog *c, const char *expr,
			const char *label, char *buf, size_t size)
{
	struct gic_qdropped d;
	struct gic_sql q;
	size_t used = 0;
	int64_t n = 0;
	int hits = 0;

	buf[0] = '\0';
	for (int k = 0; n >= 0; k++) {
		if ((n = gic_query_compile_without(expr, k, &q, &d)) < 0)
			break;
		if (!d.found) {
			gic_sql_release(&q);
			break;
		}
		if (!d.negated && !scope_field(d.field) &&
		    (n = count_label(c, &q, label)) > 0 && used < size) {
			used += (size_t)(hits++ ? snprintf(buf + used,
				size - used, ", %lld only '%.*s'", (long long)n,
				(int)d.len, expr + d.from) :
				snprintf(buf, size, "%lld %s %s only '%.*s'",
				(long long)n, label, n == 1 ? "one fails" :
				"ones fail", (int)d.len, expr + d.from));
		}
		gic_sql_release(&q);
	}
	return n < 0 ? (int)n : hits;
}

/* The first row's text of sql (over v_entries; ?1 = v), or NULL; an
 * empty result and a failure alike give NULL. */
static char *first_text(struct gic_catalog *c, const char *sql, const char *v)
{
	sqlite3_stmt *s;
	char *out = NULL;

	if (sqlite3_prepare_v2(c->db, sql, -1, &s, NULL))
		return NULL;
	sqlite3_bind_text(s, 1, v, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
		out = strdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	return out;
}

/* Does some entry have field f = v (of a list field: v among its values)? */
static int exists(struct gic_catalog *c, const struct gic_field *f,
		  const char *v)
{
	char sql[512], match[256], *got;

	snprintf(sql, sizeof(sql), "SELECT 1 FROM v_entries WHERE %s LIMIT 1",
		 gic_field_match_sql(f, match, sizeof(match)));
	got = first_text(c, sql, v);
	free(got);
	return got != NULL;
}

#define HINT_VALUES_MAX 65536 /* distinct values a hint looks through */

struct values {
	char **v;
	size_t n, cap;
};

/* Appends v's n bytes; duplicates go at the end (sorted, then skipped). */
static void add_value(struct values *vs, const char *v, size_t n)
{
	char *d;

	if (!n || vs->n == HINT_VALUES_MAX ||
	    gic_grow(&vs->v, vs->n, &vs->cap, sizeof(*vs->v), 64) < 0 ||
	    !(d = strndup(v, n)))
		return;
	vs->v[vs->n++] = d;
}

/* Every value of f the entries have, sorted and unique: a list field's
 * one by one (license ids, not the lists they make). */
static void values_of(struct gic_catalog *c, const struct gic_field *f,
		      struct values *vs)
{
	char sql[512];
	sqlite3_stmt *s;
	size_t k = 0;

	snprintf(sql, sizeof(sql), "SELECT DISTINCT %s FROM v_entries WHERE %s "
		 "IS NOT NULL", f->sql, f->sql);
	if (sqlite3_prepare_v2(c->db, sql, -1, &s, NULL))
		return;
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(s, 0);
		for (size_t n; v && *v; v += n + (v[n] != '\0')) {
			n = f->list ? strcspn(v, " ") : strlen(v);
			add_value(vs, v, n);
		}
	}
	sqlite3_finalize(s);
	if (vs->n)
		qsort(vs->v, vs->n, sizeof(*vs->v), gic_strp_cmp);
	for (size_t i = 0; i < vs->n; i++)  /* unique */
		if (k && !strcmp(vs->v[k - 1], vs->v[i]))
			free(vs->v[i]);
		else
			vs->v[k++] = vs->v[i];
	vs->n = k;
}

/* Is v, ignoring case, one of the ", "-separated names of value
 * ("tench" of ImageNet's class "tench, Tinca tinca")? */
static int one_of_names(const char *value, const char *v)
{
	size_t n = strlen(v);
	const char *p = value;

	while (n) {
		if (!strncasecmp(p, v, n) &&
		    (!p[n] || !strncmp(p + n, ", ", 2)))
			return 1;
		if (!(p = strstr(p, ", ")))
			break;
		p += 2;
	}
	return 0;
}

/* The hint for field f = v, which no entry has: the value in another
 * case, the generator v names ("SD V1.4" for sd14), the value v is one
 * of the names of, or a near spelling, else the first values there are.
 * several: for an 'in' list of more values than v, "'a', 'b' or 'c'",
 * said with the values there are. */
static void value_hint(struct gic_catalog *c, const struct gic_field *f,
		       const char *v, const char *several, char *buf,
		       size_t size)
{
	struct values vs = { 0 };
	size_t best = GIC_SUGGEST_FAR, len;
	const char *near = NULL, *closest = NULL;
	const char *id = !strcmp(f->name, "generator") ||
			 !strcmp(f->name, "subset") ? gic_generator_exact(v) : NULL;

	snprintf(buf, size, "no entry has %s '%s'", f->name, v);
	if (several) {
		snprintf(buf, size, "no entry has %s %s", f->name, several);
		near = closest = "";  /* no near spelling of one of them */
	} else if (f->list && strchr(v, ' ')) { /* 'A B': that run of ids */
		len = strlen(buf);
		gic_appendf(buf, size, &len, ": several ids are that run of "
			    "them; for each in any order: ");
		for (size_t n; *(v += strspn(v, " ")); v += n) {
			n = strcspn(v, " ");
			gic_appendf(buf, size, &len, "%s%s = %.*s",
				    len && buf[len - 1] == ' ' ? "" : " and ",
				    f->name, (int)n, v);
		}
		return;
	}
	values_of(c, f, &vs);
	for (size_t i = 0; i < vs.n && !near; i++)
		if (!strcmp(vs.v[i], v))  /* not by the time this looked */
			near = "";
	for (size_t i = 0; i < vs.n && !near; i++)
		if (!strcasecmp(vs.v[i], v) || (id && !strcmp(vs.v[i], id)) ||
		    one_of_names(vs.v[i], v))
			near = vs.v[i];
	for (size_t i = 0; i < vs.n && !near; i++)
		if (gic_suggest_closer(v, strlen(v), vs.v[i], &best))
			closest = vs.v[i];  /* each one closer than the last */
	near = near ? near : closest;
	len = strlen(buf);
	if (several)
		near = NULL;
	else if (near && !*near)
		gic_appendf(buf, size, &len, " (another gicat has added some "
			    "since)");
	else if (near)
		gic_appendf(buf, size, &len, "; did you mean '%s'?", near);
	for (size_t i = 0; !near && i < vs.n && i < 8; i++) {
		/* quoted when it holds a comma: a class name's list of names */
		const char *q = i < 7 && strchr(vs.v[i], ',') ? "'" : "";

		gic_appendf(buf, size, &len, "%s%s%s%s",
			    i ? ", " : " (there are: ", q,
			    i < 7 ? vs.v[i] : "...", q);
	}
	if (!near && vs.n)
		gic_appendf(buf, size, &len, ")");
	for (size_t i = 0; i < vs.n; i++)
		free(vs.v[i]);
	free(vs.v);
}

/* Is q's parameter i a name value that no entry has (for a list: nor any
 * other value of the list)? */
static int absent(struct gic_catalog *c, const struct gic_sql *q, size_t i)
{
	const struct gic_param *p = &q->params[i];

	if (!p->eq || !p->eq->name_like)
		return 0;
	/* a list's values are one question, which its first value (they
	 * are consecutive) answered: asking again for each is quadratic */
	if (p->list && i > 0 && q->params[i - 1].list == p->list)
		return 0;
	for (size_t j = 0; j < q->nparams; j++)
		if ((j == i || (p->list && q->params[j].list == p->list)) &&
		    exists(c, q->params[j].eq, q->params[j].s))
			return 0;
	return 1;
}

static char *ascii_lower(const char *s)
{
	char *l = strdup(s);

	for (char *p = l; p && *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return l;
}

/* For glob g of field f, which no entry matches: 1 and the hint in buf,
 * naming a value that matches it ignoring case, or (g without a
 * wildcard: '~' matches the whole value) that "*g*" matches; 0 when g
 * matches some entry. */
static int glob_hint(struct gic_catalog *c, const struct gic_field *f,
		     const char *g, char *buf, size_t size)
{
	char sql[512], *got, *wrapped = NULL, *lv = NULL, *lg = NULL;
	int whole = !strpbrk(g, "*?[");
	size_t len;

	snprintf(sql, sizeof(sql), "SELECT 1 FROM v_entries WHERE %s GLOB ?1 "
		 "LIMIT 1", f->sql);
	if ((got = first_text(c, sql, g))) {
		free(got);
		return 0;
	}
	snprintf(buf, size, "no entry's %s matches '%s'", f->name, g);
	/* a glob without wildcards is held by what equals it */
	snprintf(sql, sizeof(sql), "SELECT %s FROM v_entries WHERE lower(%s) "
		 "GLOB %s LIMIT 1", f->sql, f->sql, whole ?
		 "'*' || lower(?1) || '*'" : "lower(?1)");
	len = strlen(g) + 3;
	if (!(got = first_text(c, sql, g)) || !(wrapped = malloc(len)) ||
	    !(lv = ascii_lower(got)) || !(lg = ascii_lower(g)))
		goto out;
	snprintf(wrapped, len, "*%s*", g);
	len = strlen(buf);
	if (!sqlite3_strglob(lg, lv))
		gic_appendf(buf, size, &len, ": a glob minds case, and '%s' "
			    "matches it ignoring case", got);
	else if (!sqlite3_strglob(wrapped, got))
		gic_appendf(buf, size, &len, ": a glob matches the whole "
			    "value, and '%s' matches '%s'", wrapped, got);
	else
		gic_appendf(buf, size, &len, ": a glob matches the whole "
			    "value and minds case, and '%s' matches '%s' "
			    "ignoring case", got, wrapped);
out:
	free(got);
	free(wrapped);
	free(lv);
	free(lg);
	return 1;
}

/* The values of the 'in' list q's parameter i starts, quoted, "'a', 'b'
 * or 'c'" (the first 8), into buf; NULL when it is not a list of more
 * than one. */
static const char *list_shown(const struct gic_sql *q, size_t i, char *buf,
			      size_t size)
{
	size_t n = 1, len = 0;
	int list = q->params[i].list;

	while (list && i + n < q->nparams && q->params[i + n].list == list)
		n++;
	if (n < 2)
		return NULL;
	buf[0] = '\0';
	for (size_t k = 0; k < n && k < 8; k++)
		gic_appendf(buf, size, &len, "%s'%s'", !k ? "" : k == n - 1 ?
			    " or " : ", ", q->params[i + k].s);
	if (n > 8)
		gic_appendf(buf, size, &len, " or %zu more", n - 8);
	return buf;
}

int gic_select_hint(struct gic_catalog *c, const char *expr, char *buf,
		    size_t size)
{
	struct gic_sql q = { 0 };
	char shown[512];
	int errcol = 0, rc, hit = 0;

	if ((rc = gic_query_compile(expr ? expr : "", &q, &errcol)) < 0)
		return rc;
	for (size_t i = 0; i < q.nparams && !hit; i++)
		if ((hit = absent(c, &q, i)))
			value_hint(c, q.params[i].eq, q.params[i].s,
				   list_shown(&q, i, shown, sizeof(shown)),
				   buf, size);
	for (size_t i = 0; i < q.nparams && !hit; i++)
		if (q.params[i].glob)
			hit = glob_hint(c, q.params[i].glob, q.params[i].s,
					buf, size);
	gic_sql_release(&q);
	return hit;
}

/* Runs sql (?1 = a, ?2 = b unless NULL; at most two rows of one hash):
 * the first hash into hex; the number of rows, or < 0 (a catalog that
 * cannot be read is no catalog without the image). */
static int one_hash(struct gic_catalog *c, const char *sql, const char *a,
		    const char *b, char hex[GIC_HEX_LEN + 1])
{
	sqlite3_stmt *s;
	int rows = 0, rc = SQLITE_DONE;

	if (sqlite3_prepare_v2(c->db, sql, -1, &s, NULL))
		return gic_seterr(GIC_EDB, "%s", sqlite3_errmsg(c->db));
	sqlite3_bind_text(s, 1, a, -1, SQLITE_STATIC);
	if (b)
		sqlite3_bind_text(s, 2, b, -1, SQLITE_STATIC);
	for (; rows < 2 && (rc = sqlite3_step(s)) == SQLITE_ROW; rows++)
		if (rows == 0)
			snprintf(hex, GIC_HEX_LEN + 1, "%s",
				 (const char *)sqlite3_column_text(s, 0));
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		rows = gic_seterr(GIC_EDB, "%s", sqlite3_errmsg(c->db));
	sqlite3_finalize(s);
	return rows;
}

int gic_resolve_prefix(struct gic_catalog *c, const char *prefix,
		       char hex[GIC_HEX_LEN + 1])
{
	size_t n = strlen(prefix);
	char hi[GIC_HEX_LEN + 2], low[GIC_HEX_LEN + 1];
	int rows;

	if (n < 4 || n > GIC_HEX_LEN ||
	    strspn(prefix, "0123456789abcdefABCDEF") != n)
		return gic_seterr(GIC_EUSAGE, "not a hash, nor a prefix of at "
				  "least 4 hex digits");
	/* as other tools print it too (certutil: upper case) */
	for (size_t i = 0; i <= n; i++)
		low[i] = (char)tolower((unsigned char)prefix[i]);
	prefix = low;
	snprintf(hi, sizeof(hi), "%sg", prefix);
	if ((rows = one_hash(c, "SELECT sha256 FROM images WHERE sha256 >= ?1 "
			     "AND sha256 < ?2 ORDER BY sha256 LIMIT 2", prefix,
			     hi, hex)) < 0)
		return rows;
	if (rows == 0)
		return gic_seterr(GIC_ENOTFOUND, "no image in the catalog has "
				  "this hash");
	if (rows > 1)
		return gic_seterr(GIC_EAMBIG, "this prefix matches several "
				  "images; give more digits");
	return 0;
}

/* A local file, spelt any way, named by its content: 1 when the catalog
 * has an image of its bytes, 0 when not, < 0 failure (a file that cannot
 * be read is one: whether an image has its bytes is not known). */
static int by_content(struct gic_catalog *c, const char *path,
		      char hex[GIC_HEX_LEN + 1])
{
	char got[GIC_HEX_LEN + 1], why[512];
	int rows;

	if ((rows = gic_sha256_at(AT_FDCWD, path, got)) < 0) {
		snprintf(why, sizeof(why), "%s", gic_errmsg());
		return gic_seterr(rows, "no entry has this path, and the file "
				  "could not be read: %s", why);
	}
	if ((rows = one_hash(c, "SELECT sha256 FROM images WHERE sha256 = ?1",
			     got, NULL, hex)) < 0)
		return rows;
	return rows > 0;
}

/* The image of the entries at path: 1, 0 when none, or < 0 (several
 * images: ambiguous). */
static int by_path(struct gic_catalog *c, const char *path,
		   char hex[GIC_HEX_LEN + 1])
{
	int rc, rows = one_hash(c, GIC_SQL_AT_PATH, path, NULL, hex);
	char *lit;

	if (rows <= 1)
		return rows;
	lit = gic_query_string(path);
	rc = lit ? gic_seterr(GIC_EAMBIG, "entries of several datasets have "
			      "this path, with different images: give the "
			      "hash (gicat query --fields sha256,dataset "
			      "\"path = %s\")", lit)
		 : gic_seterr(GIC_ENOMEM, "out of memory");
	free(lit);
	return rc;
}

/* The image of the entries at another spelling of path, as ingest may
 * have spelt it from here: cleaned ("./d//a.png" is "d/a.png"), and
 * relative to the working directory or absolute. */
static int by_spelling(struct gic_catalog *c, const char *path,
		       char hex[GIC_HEX_LEN + 1])
{
	char clean[GIC_MAX_PATH + 2], cwd[GIC_MAX_PATH];
	char other[2 * GIC_MAX_PATH + 2];
	size_t n;
	int rows = 0;

	if (gic_path_clean(path, clean, sizeof(clean)) < 0)
		return 0;
	if (strcmp(clean, path) && (rows = by_path(c, clean, hex)) != 0)
		return rows;
	if (!getcwd(cwd, sizeof(cwd)))
		return 0;
	n = strlen(cwd);
	if (*clean != '/')
		snprintf(other, sizeof(other), "%s/%s", cwd, clean);
	else if (!strncmp(clean, cwd, n) && clean[n] == '/' && n > 1)
		snprintf(other, sizeof(other), "%s", clean + n + 1);
	else
		return 0;
	return by_path(c, other, hex);
}

/* The file (st) was rejected by an ingest, under any spelling: an error
 * saying why (GIC_ENOTFOUND), or 0. */
static int rejected(struct gic_catalog *c, const struct stat *st)
{
	char id[48];
	sqlite3_stmt *s;
	int rc = 0;

	gic_file_id(st, id);
	if (sqlite3_prepare_v2(c->db, "SELECT path, reason FROM rejects WHERE "
			       "file_id = ?1", -1, &s, NULL))
		return 0;  /* an older catalog: it says nothing */
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		rc = gic_seterr(GIC_ENOTFOUND, "ingest rejected this file (as "
				"'%s'): %s; gicat stats --rejects lists what it "
				"rejected", sqlite3_column_text(s, 0),
				sqlite3_column_text(s, 1));
	sqlite3_finalize(s);
	return rc;
}

/* A hash prefix that is an entry's path or a file here too ("cafe"),
 * of another image: ambiguous, rather than one taken over the other
 * unsaid.  0 when it names hex alone. */
static int prefix_alone(struct gic_catalog *c, const char *arg,
			const char hex[GIC_HEX_LEN + 1])
{
	char other[GIC_HEX_LEN + 1] = "";
	const char *what = NULL;
	struct stat st;
	int rows;

	if (strlen(arg) >= GIC_HEX_LEN)
		return 0;
	if ((rows = by_path(c, arg, other)) != 0)
		what = "an entry's path";
	else if (stat(arg, &st) == 0 && S_ISREG(st.st_mode) &&
		 gic_sha256_at(AT_FDCWD, arg, other) == 0)
		what = "a file here";
	if (rows < 0 || !what || !strcmp(other, hex))
		return rows < 0 ? rows : 0;
	return gic_seterr(GIC_EAMBIG, "both a hash prefix (of %.16s...) and %s "
			  "(of another image): give more of the hash, or the "
			  "path as ./%s", hex, what, arg);
}

int gic_resolve_image(struct gic_catalog *c, const char *arg,
		      char hex[GIC_HEX_LEN + 1])
{
	struct stat st;
	int rc, rows, there;

	rc = gic_resolve_prefix(c, arg, hex);
	if (rc == 0)
		return prefix_alone(c, arg, hex);
	if (rc != GIC_EUSAGE && rc != GIC_ENOTFOUND)
		return rc;
	if ((rows = by_path(c, arg, hex)) != 0 ||
	    (rows = by_spelling(c, arg, hex)) != 0)
		return rows < 0 ? rows : 0;
	there = stat(arg, &st) == 0;
	if (there && S_ISREG(st.st_mode)) {  /* a local file */
		if ((rows = by_content(c, arg, hex)) != 0 ||
		    (rows = rejected(c, &st)) != 0)
			return rows < 0 ? rows : 0;
		return gic_seterr(GIC_ENOTFOUND, "no image in the catalog has "
				  "this file's content (and no entry its path)");
	}
	if (there && S_ISDIR(st.st_mode))
		return gic_seterr(GIC_EUSAGE, "a directory: give one image (a "
				  "hash, an entry's path or an image file), or "
				  "list a selection with gicat query");
	return rc == GIC_EUSAGE ? gic_seterr(GIC_EUSAGE, "neither a hash (a "
		"prefix of at least 4 hex digits), an entry's path nor a file "
		"here") : gic_seterr(GIC_ENOTFOUND, "no image in the catalog "
				     "has this hash or path");
}

int gic_read_verified(const char *path, const char *hex, uint64_t bytes,
		      unsigned char **buf, size_t *len)
{
	char got[GIC_HEX_LEN + 1];
	struct stat st;
	/* O_NONBLOCK: a FIFO put where the file was must not hang us */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), rc = 0;
	ssize_t n = 0;

	*buf = NULL;
	if (fd < 0 || fstat(fd, &st) < 0) {
		rc = gic_seterr(GIC_EIO, "referenced file '%s': %s", path,
				strerror(errno));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = gic_seterr(GIC_ECORRUPT, "referenced file '%s' is no longer "
				"a regular file (%s): ingest the image again",
				path, gic_file_kind(st.st_mode));
		goto out;
	}
	if (bytes && (uint64_t)st.st_size != bytes) {
		rc = gic_seterr(GIC_ECORRUPT, "'%s' does not hold %s: it changed "
				"since ingest (%lld bytes, the image has %llu)"
				": %s", path, hex, (long long)st.st_size,
				(unsigned long long)bytes, GIC_DAMAGED_HINT);
		goto out;
	}
	if (!(*buf = malloc((size_t)st.st_size + 1))) {
		rc = gic_seterr(GIC_ENOMEM, "out of memory");
		goto out;
	}
	for (*len = 0; *len < (size_t)st.st_size; *len += (size_t)n)
		if ((n = read(fd, *buf + *len, (size_t)st.st_size - *len)) <= 0)
			break;
	if (n < 0) {
		rc = gic_seterr(GIC_EIO, "read '%s': %s", path, strerror(errno));
		goto out;
	}
	if ((rc = gic_sha256_hex(*buf, *len, got)) == 0 && strcmp(got, hex))
		rc = gic_seterr(GIC_ECORRUPT, "'%s' does not hold %s: it changed "
				"since ingest (hash %s): %s", path, hex, got,
				GIC_DAMAGED_HINT);
out:
	close(fd);
	if (rc) {
		free(*buf);
		*buf = NULL;
	}
	return rc;
}

/* The ref_path of image hex into *ref (NULL when it is in the store),
 * its size into *bytes (NULL: not wanted). */
static int ref_path_of(struct gic_catalog *c, const char *hex, char **ref,
		       uint64_t *bytes)
{
	sqlite3_stmt *s;
	int rc;

	*ref = NULL;
	if (sqlite3_prepare_v2(c->db, "SELECT ref_path, bytes FROM images "
			       "WHERE sha256 = ?", -1, &s, NULL))
		return gic_seterr(GIC_EDB, "%s", sqlite3_errmsg(c->db));
	sqlite3_bind_text(s, 1, hex, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && bytes)
		*bytes = (uint64_t)sqlite3_column_int64(s, 1);
	if (rc == SQLITE_ROW && sqlite3_column_text(s, 0) &&
	    !(*ref = strdup((const char *)sqlite3_column_text(s, 0))))
		rc = SQLITE_NOMEM;
	if (rc == SQLITE_NOMEM)
		rc = gic_seterr(GIC_ENOMEM, "out of memory");
	else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		rc = gic_seterr(GIC_EDB, "%s", sqlite3_errmsg(c->db));
	else
		rc = rc == SQLITE_ROW ? 0 : gic_seterr(GIC_ENOTFOUND,
						       "no image %s", hex);
	sqlite3_finalize(s);
	return rc;
}

int gic_image_path(struct gic_catalog *c, const char *hex, char **path)
{
	int rc = ref_path_of(c, hex, path, NULL);

	if (rc == 0 && !*path && !(*path = gic_odb_fs_path(c->odb, hex)))
		rc = gic_odb_path_err(hex);
	return rc;
}

int gic_image_read(struct gic_catalog *c, const char *hex,
		   unsigned char **buf, size_t *len)
{
	char got[GIC_HEX_LEN + 1], *ref;
	uint64_t bytes;
	int rc;

	if ((rc = ref_path_of(c, hex, &ref, &bytes)) < 0)
		return rc;
	if (ref) {
		rc = gic_read_verified(ref, hex, bytes, buf, len);
		free(ref);
		return rc;
	}
	if ((rc = c->odb->be->get(c->odb, hex, buf, len)) == GIC_ENOTFOUND)
		return gic_odb_missing(c->odb, hex);
	if (rc < 0)
		return rc;
	if ((rc = gic_sha256_hex(*buf, *len, got)) == 0 && strcmp(got, hex)) {
		free(*buf);
		*buf = NULL;
		rc = gic_seterr(GIC_ECORRUPT, "object %s is corrupt (hash %s): "
				"%s", hex, got, GIC_DAMAGED_HINT);
	}
	return rc;
}
