/*
 * select.c - running query-language expressions against the catalog, and
 * what to say when one selects nothing (resolve.c finds one image).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#include "catalog.h"

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
	    gic_db_fail(c->db, NULL);
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
 * of the names of, or a near spelling (not of a generator's own id:
 * 'vqdm' is no misspelt 'adm'), else the first values there are.
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
	for (size_t i = 0; i < vs.n && !near && !(id && !strcmp(id, v)); i++)
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
