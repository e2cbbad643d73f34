/*
 * license-rules.c - licenses attached to a dataset or a generator
 * (license_rules): what ingest and fetch add to the licenses of the new
 * entries of that dataset or generator when none is asked for, and what
 * `gicat license set --dataset|--generator` adds to those of the entries
 * already there.  An entry's own licenses stay the ones that apply:
 * audits and exports read only those.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "audit.h"

struct gic_license_rules {
	struct rule {
		char kind;           /* 'd'ataset or 'g'enerator */
		char *name, *ids;
	} *v;
	size_t n;
};

void gic_license_rules_free(struct gic_license_rules *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].name);
		free(r->v[i].ids);
	}
	free(r->v);
	free(r);
}

int gic_license_rules_load(struct gic_catalog *c,
			   struct gic_license_rules **out)
{
	struct gic_license_rules *r = calloc(1, sizeof(*r));
	sqlite3_stmt *s = NULL;
	size_t cap = 0;
	int rc;

	*out = NULL;
	if (!r)
		return gic_seterr(GIC_ENOMEM, "out of memory");
	if (sqlite3_prepare_v2(c->db, "SELECT kind, name, licenses FROM "
			       "license_rules", -1, &s, NULL)) {
		gic_license_rules_free(r);
		return gic_db_fail(c->db, "read license rules");
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct rule *x;

		if (gic_grow(&r->v, r->n, &cap, sizeof(*r->v), 8) < 0)
			break;
		x = &r->v[r->n++];
		x->kind = *(const char *)sqlite3_column_text(s, 0);
		x->name = gic_column_dup(s, 1);
		x->ids = gic_column_dup(s, 2);
		if (!x->name || !x->ids)
			break;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		gic_license_rules_free(r);
		return rc == SQLITE_ROW ? gic_seterr(GIC_ENOMEM, "out of memory")
					: gic_db_fail(c->db, "read license rules");
	}
	*out = r;
	return 0;
}

static const char *rule_of(const struct gic_license_rules *r, char kind,
			   const char *name)
{
	for (size_t i = 0; r && name && i < r->n; i++)
		if (r->v[i].kind == kind && !strcmp(r->v[i].name, name))
			return r->v[i].ids;
	return NULL;
}

/* Appends id to buf (size bytes) unless buf lists it already. */
static int add_id(void *arg, const char *id)
{
	char **b = arg, *buf = b[0];
	size_t size = (size_t)(b[1] - b[0]), n = strlen(id), len = strlen(buf);

	if (gic_license_listed(buf, id))
		return 0;
	if (len + n + 2 > size)
		return -1;
	snprintf(buf + len, size - len, "%s%s", len ? " " : "", id);
	return 0;
}

/* base's ids, then those of a and b it lacks, in buf; NULL when they
 * pass size (ids are short: never, in practice). */
static const char *join3(const char *base, const char *a, const char *b,
			 char *buf, size_t size)
{
	char *end[2] = { buf, buf + size };

	*buf = '\0';
	if (gic_license_each(base, add_id, end) ||
	    gic_license_each(a, add_id, end) || gic_license_each(b, add_id, end))
		return NULL;
	return buf;
}

const char *gic_license_canon(const char *ids, char *buf, size_t size)
{
	return join3(ids, NULL, NULL, buf, size) ? buf : ids;
}

const char *gic_license_rules_for(const struct gic_license_rules *r,
				  const char *dataset, const char *generator,
				  const char *base, char *buf, size_t size)
{
	const char *d = rule_of(r, 'd', dataset);
	const char *g = generator && *generator ? rule_of(r, 'g', generator)
						: NULL;

	if (!d && !g)
		return base;
	return join3(base, d, g, buf, size);
}

/* Adds ids to the licenses of the entries of dataset (kind 'd') or
 * generator name, per distinct value they have. */
static int apply(struct gic_catalog *c, char kind, const char *name,
		 const char *ids, uint64_t *changed)
{
	sqlite3_stmt *vals = NULL, *upd = NULL;
	char buf[1024];
	int rc;

	if (sqlite3_prepare_v2(c->db, kind == 'd' ?
			       "SELECT DISTINCT license FROM entries WHERE "
			       "dataset = ?" : "SELECT DISTINCT license FROM "
			       "entries WHERE generator = ?", -1, &vals, NULL) ||
	    sqlite3_prepare_v2(c->db, kind == 'd' ?
			       "UPDATE entries SET license = ?1 WHERE dataset = "
			       "?2 AND license IS ?3" : "UPDATE entries SET "
			       "license = ?1 WHERE generator = ?2 AND license "
			       "IS ?3", -1, &upd, NULL)) {
		rc = gic_db_fail(c->db, "apply the license rule");
		goto out;
	}
	sqlite3_bind_text(vals, 1, name, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(vals)) == SQLITE_ROW) {
		const char *had = (const char *)sqlite3_column_text(vals, 0);
		const char *now = join3(had, ids, NULL, buf, sizeof(buf));

		if (!now)
			break;
		if (had && !strcmp(had, now))
			continue;
		sqlite3_bind_text(upd, 1, now, -1, SQLITE_STATIC);
		sqlite3_bind_text(upd, 2, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(upd, 3, had, -1, SQLITE_STATIC);
		if (sqlite3_step(upd) != SQLITE_DONE)
			break;
		*changed += (uint64_t)sqlite3_changes(c->db);
		sqlite3_reset(upd);
	}
	rc = rc == SQLITE_DONE ? 0 : gic_db_fail(c->db, "apply the license rule");
out:
	sqlite3_finalize(vals);
	sqlite3_finalize(upd);
	return rc;
}

int gic_license_rule_set(struct gic_catalog *c, const char *kind,
			 const char *name, const char *ids, uint64_t *changed)
{
	sqlite3_stmt *s = NULL;
	char *joined = NULL;
	int rc;

	*changed = 0;
	if (strcmp(kind, "dataset") && strcmp(kind, "generator"))
		return gic_seterr(GIC_EUSAGE, "a rule is a dataset's or a "
				  "generator's, not a %s's", kind);
	if (!name || !*name)
		return gic_seterr(GIC_EUSAGE, "--%s needs a name", kind);
	if ((rc = gic_catalog_writable(c)) < 0 ||
	    (ids && (rc = gic_license_join(c, ids, &joined)) < 0))
		return rc;
	if (sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL)) {
		free(joined);
		return gic_db_fail(c->db, "record the license rule");
	}
	if (sqlite3_prepare_v2(c->db, joined ?
			       "INSERT OR REPLACE INTO license_rules (kind, "
			       "name, licenses) VALUES (?1, ?2, ?3)" :
			       "DELETE FROM license_rules WHERE kind = ?1 AND "
			       "name = ?2", -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
		if (joined)
			sqlite3_bind_text(s, 3, joined, -1, SQLITE_STATIC);
	}
	rc = s && sqlite3_step(s) == SQLITE_DONE ? 0 :
	     gic_db_fail(c->db, "record the license rule");
	sqlite3_finalize(s);
	if (rc == 0 && !joined)  /* unset: whether there was one */
		*changed = (uint64_t)sqlite3_changes(c->db);
	if (rc == 0 && joined)
		rc = apply(c, *kind, name, joined, changed);
	if (rc == 0 && sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL))
		rc = gic_db_fail(c->db, "record the license rule");
	if (rc < 0) {
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
		*changed = 0;
	}
	free(joined);
	return rc;
}
