/*
 * audit.c - the images an audit looks at, and the license audit.
 *
 * Every audit first lists what it looks at in the temporary table
 * audit_items (one row per selected entry, or per item of each set of a
 * task, pointing at the image as exported), so that the audits themselves
 * are plain SQL over audit_items joined with images, whatever the source.
 * The license audit judges each distinct license list once (they are
 * few), keeps the verdicts in the temporary table audit_verdicts, and
 * lists the rows with problems by joining the two.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "audit-int.h"

void gic_audit_items_drop(struct gic_catalog *c)
{
	sqlite3_exec(c->db, "DROP TABLE IF EXISTS temp.audit_items; "
		     "DROP TABLE IF EXISTS temp.audit_verdicts", NULL, NULL, NULL);
}

static void bind_opt(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

/* Whether a license list names no id ("", " , "): no license at all. */
static int no_ids(const char *list)
{
	return list && !list[strspn(list, " ,\t")];
}

/* v: set, group, label, sha256, path, license; entry: the entry's id;
 * set: the set's place in its task (0 for an expression) */
static int insert(struct gic_catalog *c, sqlite3_stmt *ins,
		  const char *const v[6], sqlite3_int64 entry, int set)
{
	for (int i = 0; i < 6; i++)
		bind_opt(ins, i + 1, i == 5 && no_ids(v[i]) ? NULL : v[i]);
	sqlite3_bind_int64(ins, 7, entry);
	sqlite3_bind_int(ins, 8, set);
	if (sqlite3_step(ins) != SQLITE_DONE)
		return gic_db_fail(c->db, "audit");
	sqlite3_reset(ins);
	return 0;
}

static int from_task(struct gic_catalog *c, const struct gic_resolved *r,
		     sqlite3_stmt *ins)
{
	int rc = 0;

	for (int i = 0; i < r->nsets && rc == 0; i++) {
		const struct gic_resolved_set *s = &r->sets[i];
		for (size_t j = 0; j < s->n && rc == 0; j++) {
			const struct gic_item *it = &s->items[j];
			const char *v[6] = { s->def->name, it->generator ?
				it->generator : it->subset ? it->subset : "-",
				it->label[0] ? it->label : NULL, it->sha256,
				it->path, it->license };
			rc = insert(c, ins, v, it->entry_id, i);
		}
	}
	return rc;
}

static int from_expr(struct gic_catalog *c, const char *expr,
		     sqlite3_stmt *ins, int *errcol)
{
	sqlite3_stmt *s;
	int rc, step;

	rc = gic_select_prepare(c, "coalesce(generator, subset, '-'), label, "
				"sha256, path, license, id", expr,
				"ORDER BY id", &s, errcol, NULL);
	if (rc < 0)
		return rc;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		const char *v[6] = { GIC_AUDIT_ALL };
		for (int i = 0; i < 5; i++)
			v[i + 1] = (const char *)sqlite3_column_text(s, i);
		if ((rc = insert(c, ins, v, sqlite3_column_int64(s, 5), 0)) < 0)
			break;
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = gic_db_fail(c->db, "audit");
	sqlite3_finalize(s);
	return rc;
}

int gic_audit_items(struct gic_catalog *c, const struct gic_audit_src *src,
		    int *errcol)
{
	sqlite3_stmt *ins = NULL;
	int rc;

	gic_audit_items_drop(c);
	if (sqlite3_exec(c->db, "CREATE TEMP TABLE audit_items (set_name TEXT "
			 "NOT NULL, grp TEXT NOT NULL, label TEXT, sha256 TEXT "
			 "NOT NULL, path TEXT, license TEXT, entry_id INTEGER, "
			 "set_ord INTEGER NOT NULL); "
			 "BEGIN", NULL, NULL, NULL) ||
	    sqlite3_prepare_v2(c->db, "INSERT INTO temp.audit_items VALUES "
			       "(?, ?, ?, ?, ?, ?, ?, ?)", -1, &ins, NULL)) {
		rc = gic_db_fail(c->db, "audit");
		goto out;
	}
	rc = src->task ? from_task(c, src->task, ins)
		       : from_expr(c, src->expr, ins, errcol);
	if (rc == 0 && sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL))
		rc = gic_db_fail(c->db, "audit");
out:
	sqlite3_finalize(ins);
	if (rc < 0) {
		if (!sqlite3_get_autocommit(c->db))
			sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
		gic_audit_items_drop(c);
	}
	return rc;
}

/* ---- the license audit --------------------------------------------- */

static const char *const problem_names[] = { "unlicensed", "unknown",
					     "forbidden" };

const char *gic_license_problem_name(enum gic_license_problem p)
{
	return problem_names[p];
}

/* The verdict on one distinct license list, built id by id. */
struct judge {
	struct gic_license_audit *a;
	uint64_t rows;          /* audited rows carrying the list */
	char unknown[512], forbidden[512];
	int rc;
};

static void add_id(char *list, size_t size, const char *id)
{
	size_t n = strlen(list);
	snprintf(list + n, size - n, "%s%s", n ? " " : "", id);
}

static size_t name_hash(const char *s)
{
	uint64_t h = gic_fnv1a(s);

	return (size_t)(h ^ h >> 32);
}

void audit_names_free(struct audit_names *ix)
{
	free(ix->slot);
	memset(ix, 0, sizeof(*ix));
}

/* The name an element begins with. */
static const char *name_of(const char *el)
{
	const char *name;

	memcpy(&name, el, sizeof(name));
	return name;
}

/* ix brought up to the n elements of v, with room for one more; -1 when
 * out of memory. */
static int names_sync(struct audit_names *ix, const char *v, size_t n,
		      size_t sz)
{
	if (2 * (n + 1) > ix->cap) {
		size_t cap = 64;
		while (cap < 4 * (n + 1))
			cap *= 2;
		free(ix->slot);
		if (!(ix->slot = calloc(cap, sizeof(*ix->slot)))) {
			memset(ix, 0, sizeof(*ix));
			return -1;
		}
		ix->cap = cap;
		ix->indexed = 0;
	}
	for (; ix->indexed < n; ix->indexed++) {
		size_t h = name_hash(name_of(v + ix->indexed * sz));

		while (ix->slot[h &= ix->cap - 1])
			h++;
		ix->slot[h] = ix->indexed + 1;
	}
	return 0;
}

void *audit_named(void *arr, size_t *n, size_t sz, const char *name,
		  int *added, struct audit_names *ix)
{
	char *v, *el, *copy;

	memcpy(&v, arr, sizeof(v));
	if (ix) {
		if (names_sync(ix, v, *n, sz) < 0)
			return NULL;
		for (size_t h = name_hash(name); ix->slot[h &= ix->cap - 1]; h++)
			if (!strcmp(name_of(el = v + (ix->slot[h] - 1) * sz),
				    name))
				return el;
	} else {
		for (size_t i = 0; i < *n; i++)
			if (!strcmp(name_of(el = v + i * sz), name))
				return el;
	}
	if (!(v = realloc(v, (*n + 1) * sz)))
		return NULL;
	memcpy(arr, &v, sizeof(v));
	el = v + *n * sz;
	memset(el, 0, sz);
	if (!(copy = strdup(name)))
		return NULL;
	memcpy(el, &copy, sizeof(copy));
	(*n)++;
	if (added)
		*added = 1;
	return el;
}

static struct gic_license_tally *tally(struct gic_license_audit *a,
				       const char *id)
{
	int added = 0;
	struct gic_license_tally *t = audit_named(&a->ids, &a->nids,
						  sizeof(*t), id, &added, NULL);

	if (t && added) {
		t->lic = gic_license_find(a->reg, a->nreg, id);
		t->allowed = t->lic && gic_license_allows(t->lic, a->use);
		t->unknown = !t->lic || !strcmp(id, GIC_LICENSE_UNKNOWN);
	}
	return t;
}

static int judge_id(void *arg, const char *id)
{
	struct judge *j = arg;
	struct gic_license_tally *t = tally(j->a, id);

	if (!t)
		return j->rc = gic_seterr(GIC_ENOMEM, "out of memory");
	t->entries += j->rows;
	if (t->unknown)
		add_id(j->unknown, sizeof(j->unknown), id);
	else if (!t->allowed)
		add_id(j->forbidden, sizeof(j->forbidden), id);
	return 0;
}

/* Judges one distinct list and records the verdict when it is not clean. */
static int judge(struct gic_license_audit *a, sqlite3_stmt *verdict,
		 const char *license, uint64_t rows)
{
	struct judge j = { .a = a, .rows = rows };

	a->entries += rows;
	if (!license) {
		a->unlicensed += rows;
		return 0;
	}
	if (gic_license_each(license, judge_id, &j) || j.rc)
		return j.rc;
	if (!j.unknown[0] && !j.forbidden[0])
		return 0;
	a->unknown += j.unknown[0] ? rows : 0;
	a->forbidden += j.forbidden[0] ? rows : 0;
	sqlite3_bind_text(verdict, 1, license, -1, SQLITE_STATIC);
	bind_opt(verdict, 2, j.unknown[0] ? j.unknown : NULL);
	bind_opt(verdict, 3, j.forbidden[0] ? j.forbidden : NULL);
	if (sqlite3_step(verdict) != SQLITE_DONE)
		return gic_db_fail(a->c->db, "audit license");
	sqlite3_reset(verdict);
	return 0;
}

static int by_id(const void *x, const void *y)
{
	return strcmp(((const struct gic_license_tally *)x)->id,
		      ((const struct gic_license_tally *)y)->id);
}

static int judge_all(struct gic_license_audit *a)
{
	sqlite3_stmt *lists = NULL, *verdict = NULL;
	int rc = 0, step;

	if (sqlite3_exec(a->c->db, "CREATE TEMP TABLE audit_verdicts (license "
			 "TEXT PRIMARY KEY, unknown TEXT, forbidden TEXT)",
			 NULL, NULL, NULL) ||
	    sqlite3_prepare_v2(a->c->db, "INSERT INTO temp.audit_verdicts "
			       "VALUES (?, ?, ?)", -1, &verdict, NULL) ||
	    sqlite3_prepare_v2(a->c->db, "SELECT license, count(*) FROM "
			       "temp.audit_items GROUP BY license", -1, &lists,
			       NULL)) {
		rc = gic_db_fail(a->c->db, "audit license");
		goto out;
	}
	while (rc == 0 && (step = sqlite3_step(lists)) == SQLITE_ROW)
		rc = judge(a, verdict, (const char *)sqlite3_column_text(lists, 0),
			   (uint64_t)sqlite3_column_int64(lists, 1));
	if (rc == 0 && step != SQLITE_DONE)
		rc = gic_db_fail(a->c->db, "audit license");
	if (a->nids)
		qsort(a->ids, a->nids, sizeof(*a->ids), by_id);
out:
	sqlite3_finalize(lists);
	sqlite3_finalize(verdict);
	return rc;
}

int gic_license_audit(struct gic_catalog *c, const struct gic_audit_src *src,
		      enum gic_use use, struct gic_license_audit *out,
		      int *errcol)
{
	int rc;

	memset(out, 0, sizeof(*out));
	out->c = c;
	out->use = use;
	out->is_task = src->task != NULL;
	out->unit = GIC_AUDIT_UNIT(src);
	if ((rc = gic_license_list(c, &out->reg, &out->nreg)) < 0 ||
	    (rc = gic_audit_items(c, src, errcol)) < 0 ||
	    (rc = judge_all(out)) < 0)
		gic_license_audit_release(out);
	return rc;
}

static int emit(sqlite3_stmt *s, struct gic_license_row *r,
		int (*cb)(void *arg, const struct gic_license_row *r), void *arg)
{
	const char *unknown = (const char *)sqlite3_column_text(s, 7);
	const char *forbidden = (const char *)sqlite3_column_text(s, 8);
	int rc = 0;

	if (!r->license) {
		r->problem = GIC_LP_UNLICENSED;
		r->detail = NULL;
		rc = cb(arg, r);
	}
	if (!rc && unknown) {
		r->problem = GIC_LP_UNKNOWN;
		r->detail = unknown;
		rc = cb(arg, r);
	}
	if (!rc && forbidden) {
		r->problem = GIC_LP_FORBIDDEN;
		r->detail = forbidden;
		rc = cb(arg, r);
	}
	return rc;
}

int gic_license_audit_rows(struct gic_license_audit *a,
			   int (*cb)(void *arg, const struct gic_license_row *r),
			   void *arg)
{
	sqlite3_stmt *s;
	int rc = 0, step;

	if (sqlite3_prepare_v2(a->c->db, "SELECT a.set_name, a.grp, a.label, "
			       "a.sha256, e.dataset, a.path, a.license, "
			       "v.unknown, v.forbidden FROM temp.audit_items a "
			       "LEFT JOIN entries e ON e.id = a.entry_id "
			       "LEFT JOIN temp.audit_verdicts v ON v.license = "
			       "a.license WHERE a.license IS NULL OR v.license "
			       "IS NOT NULL ORDER BY a.set_ord, a.path, a.rowid",
			       -1, &s, NULL))
		return gic_db_fail(a->c->db, "audit license");
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		struct gic_license_row r;
		const char **f[] = { &r.set, &r.group, &r.label, &r.sha256,
				     &r.dataset, &r.path, &r.license };
		for (int i = 0; i < 7; i++)
			*f[i] = (const char *)sqlite3_column_text(s, i);
		if (!a->is_task)
			r.set = NULL;
		if ((rc = emit(s, &r, cb, arg)))
			break;
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = gic_db_fail(a->c->db, "audit license");
	sqlite3_finalize(s);
	return rc;
}

void gic_license_audit_release(struct gic_license_audit *a)
{
	for (size_t i = 0; i < a->nids; i++)
		free(a->ids[i].id);
	free(a->ids);
	gic_licenses_free(a->reg, a->nreg);
	if (a->c)
		gic_audit_items_drop(a->c);
	memset(a, 0, sizeof(*a));
}
