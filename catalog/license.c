/*
 * license.c - the license registry (the licenses table, filled from
 * schema/licenses.tsv by migration 0006), the license lists of entries,
 * GenImage's default licenses, and the text LICENSES.md shows per license.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#include "audit.h"

#define ID_MAX 128

static const char *const use_names[] = { "none", "commercial", "research",
					 "redistribute" };

int gic_use_from_name(const char *s, enum gic_use *out)
{
	for (int i = 1; i < 4; i++)
		if (s && !strcmp(s, use_names[i])) {
			*out = (enum gic_use)i;
			return 0;
		}
	return gic_unknown("use", s, use_names + 1, 3, "commercial, research "
			   "or redistribute");
}

const char *gic_use_name(enum gic_use u)
{
	return use_names[u];
}

int gic_license_allows(const struct gic_license *l, enum gic_use u)
{
	switch (u) {
	case GIC_USE_COMMERCIAL: return l->commercial;
	case GIC_USE_REDISTRIBUTE: return l->redistribution;
	case GIC_USE_RESEARCH: return strcmp(l->id, GIC_LICENSE_UNKNOWN) != 0;
	default: return 1;
	}
}

static int read_row(sqlite3_stmt *s, struct gic_license *l)
{
	memset(l, 0, sizeof(*l));
	l->id = gic_column_dup(s, 0);
	l->name = gic_column_dup(s, 1);
	l->url = gic_column_dup(s, 2);
	l->terms = gic_column_dup(s, 3);
	l->commercial = sqlite3_column_int(s, 4);
	l->redistribution = sqlite3_column_int(s, 5);
	l->attribution = sqlite3_column_int(s, 6);
	l->share_alike = sqlite3_column_int(s, 7);
	return l->id && l->name && l->terms ? 0 : GIC_ENOMEM;
}

void gic_licenses_free(struct gic_license *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].id);
		free(v[i].name);
		free(v[i].url);
		free(v[i].terms);
	}
	free(v);
}

int gic_license_list(struct gic_catalog *c, struct gic_license **out,
		     size_t *n)
{
	sqlite3_stmt *s = NULL;
	struct gic_license *v = NULL;
	size_t len = 0, cap = 0;
	int rc = 0, step;

	if (sqlite3_prepare_v2(c->db, "SELECT id, name, url, terms, commercial, "
			       "redistribution, attribution, share_alike FROM "
			       "licenses ORDER BY id", -1, &s, NULL)) {
		rc = gic_db_fail(c->db, "license registry");
		goto out;
	}
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		if ((rc = gic_grow(&v, len, &cap, sizeof(*v), 32)) < 0)
			goto out;
		if (read_row(s, &v[len++]) < 0) {
			rc = gic_seterr(GIC_ENOMEM, "out of memory");
			goto out;
		}
	}
	if (step != SQLITE_DONE)
		rc = gic_db_fail(c->db, "license registry");
out:
	sqlite3_finalize(s);
	if (rc < 0) {
		gic_licenses_free(v, len);
		v = NULL;
		len = 0;
	}
	*out = v;
	*n = len;
	return rc;
}

const struct gic_license *gic_license_find(const struct gic_license *v,
					   size_t n, const char *id)
{
	size_t lo = 0, hi = n;

	/* sorted by id with SQLite's BINARY collation, i.e. memcmp order */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(id, v[mid].id);
		if (!cmp)
			return &v[mid];
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

int gic_license_each(const char *ids, int (*cb)(void *arg, const char *id),
		     void *arg)
{
	char id[ID_MAX];
	int rc;

	while (ids && *ids) {
		size_t n = strcspn(ids, " ,\t");
		if (n) {
			snprintf(id, sizeof(id), "%.*s", (int)n, ids);
			if ((rc = cb(arg, id)))
				return rc;
		}
		ids += n + (ids[n] != '\0');
	}
	return 0;
}

/* Collects the checked ids of a list, joined by single spaces. */
struct check {
	struct gic_license *v;
	size_t n;
	char *joined;
	size_t len;
	int count;
};

int gic_license_listed(const char *list, const char *id)
{
	size_t n = strlen(id);

	for (const char *s = list; s && *s; s += strcspn(s, " "), s += *s == ' ')
		if (strcspn(s, " ") == n && !strncmp(s, id, n))
			return 1;
	return 0;
}

/* An id not in the registry: the id it is in another case, or the ids
 * holding it (CC-BY: CC-BY-4.0, CC-BY-NC-SA-4.0, ...; GenImage:
 * LicenseRef-GenImage), or a misspelling's nearest, or where the list
 * is. */
static int unknown_license(const struct check *k, const char *id)
{
	char these[256] = "";
	size_t len = 0, best = GIC_SUGGEST_FAR;
	const char *near = NULL;
	int hits = 0;

	for (size_t i = 0; i < k->n; i++) {
		if (!strcasecmp(k->v[i].id, id)) {  /* cc0-1.0 */
			hits = 1;
			snprintf(these, sizeof(these), "'%s'", k->v[i].id);
			break;
		}
		if (strcasestr(k->v[i].id, id) && hits++ < 6)
			gic_appendf(these, sizeof(these), &len, "%s'%s'",
				    hits > 1 ? ", " : "", k->v[i].id);
		if (gic_suggest_closer(id, strlen(id), k->v[i].id, &best))
			near = k->v[i].id;
	}
	if (!hits && near)
		hits = snprintf(these, sizeof(these), "'%s'", near) > 0;
	if (hits == 1)
		return gic_seterr(GIC_EUSAGE, "unknown license '%s' (did you "
				  "mean %s?)", id, these);
	if (hits)
		return gic_seterr(GIC_EUSAGE, "unknown license '%s' (did you "
				  "mean one of %s%s?)", id, these,
				  hits > 6 ? ", ..." : "");
	return gic_seterr(GIC_EUSAGE, "unknown license '%s' (see 'gicat "
			  "license list')", id);
}

static int check_one(void *arg, const char *id)
{
	struct check *k = arg;
	char *p;

	if (!gic_license_find(k->v, k->n, id))
		return unknown_license(k, id);
	if (gic_license_listed(k->joined, id))
		return gic_seterr(GIC_EUSAGE, "license '%s' is given twice", id);
	if (!(p = realloc(k->joined, k->len + strlen(id) + 2)))
		return gic_seterr(GIC_ENOMEM, "out of memory");
	k->joined = p;
	k->len += (size_t)sprintf(p + k->len, "%s%s", k->count++ ? " " : "", id);
	return 0;
}

/* Checks ids against the registry; *joined (may be NULL) gets the list
 * separated by single spaces. */
static int check_list(struct gic_catalog *c, const char *ids, char **joined)
{
	struct check k = { 0 };
	int rc;

	if ((rc = gic_license_list(c, &k.v, &k.n)) < 0)
		return rc;
	rc = gic_license_each(ids, check_one, &k);
	if (rc == 0 && !k.count)
		rc = gic_seterr(GIC_EUSAGE, "no license id given");
	gic_licenses_free(k.v, k.n);
	if (rc == 0 && joined)
		*joined = k.joined;
	else
		free(k.joined);
	return rc;
}

int gic_license_join(struct gic_catalog *c, const char *ids, char **joined)
{
	return check_list(c, ids, joined);
}

int gic_license_check(struct gic_catalog *c, const char *ids)
{
	return check_list(c, ids, NULL);
}

const char *gic_license_default(const struct gic_path_meta *m,
				const char *label, const char *generator)
{
	const struct gic_generator *g;

	if (m->layout != GIC_LAYOUT_GENIMAGE || !m->subset[0])
		return NULL;  /* a tree laid out like GenImage, not GenImage */
	if (label && !strcmp(label, "real"))
		return "LicenseRef-GenImage LicenseRef-ImageNet";
	if ((g = gic_generator_by_id(generator)) && *g->fake_licenses)
		return g->fake_licenses;
	return "LicenseRef-GenImage";
}

/* Updates every entry the prepared selection of ids yields. */
static int update_all(struct gic_catalog *c, sqlite3_stmt *sel,
		      const char *ids, uint64_t *changed)
{
	sqlite3_stmt *upd = NULL;
	int rc = 0, step;

	if (sqlite3_prepare_v2(c->db, "UPDATE entries SET license = ?1 WHERE "
			       "id = ?2 AND license IS NOT ?1", -1, &upd, NULL))
		return gic_db_fail(c->db, "update entries");
	sqlite3_bind_text(upd, 1, ids, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(sel)) == SQLITE_ROW) {
		sqlite3_bind_int64(upd, 2, sqlite3_column_int64(sel, 0));
		if (sqlite3_step(upd) != SQLITE_DONE) {
			rc = gic_db_fail(c->db, "update entries");
			break;
		}
		*changed += (uint64_t)sqlite3_changes(c->db);
		sqlite3_reset(upd);
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = gic_db_fail(c->db, "update entries");
	sqlite3_finalize(upd);
	return rc;
}

int gic_license_set(struct gic_catalog *c, const char *expr, const char *ids,
		    int *errcol, uint64_t *changed)
{
	sqlite3_stmt *sel = NULL;
	char *joined = NULL;
	int rc;

	*changed = 0;
	if (gic_blank(expr)) /* not "every entry": a script's empty $VAR */
		return gic_seterr(GIC_EUSAGE, "EXPR is blank: say which "
				  "entries get the licenses");
	if ((rc = gic_catalog_writable(c)) < 0 ||
	    (rc = check_list(c, ids, &joined)) < 0)
		return rc;
	if ((rc = gic_select_prepare(c, "id", expr, NULL, &sel, errcol,
				     NULL)) < 0)
		goto out;
	if (sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL)) {
		rc = gic_db_fail(c->db, "update entries");
		goto out;
	}
	rc = update_all(c, sel, joined, changed);
	sqlite3_finalize(sel);
	sel = NULL;
	if (rc == 0 && sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL))
		rc = gic_db_fail(c->db, "update entries");
	if (rc < 0) {
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
		*changed = 0;
	}
out:
	sqlite3_finalize(sel);
	free(joined);
	return rc;
}

/* Appends printf output to a malloc'd string; frees it on failure. */
__attribute__((format(printf, 2, 3)))
static char *append(char *s, const char *fmt, ...)
{
	char *more = NULL, *p;
	va_list ap;
	int n;

	if (!s)
		return NULL;
	va_start(ap, fmt);
	n = vasprintf(&more, fmt, ap);
	va_end(ap);
	if (n < 0 || !(p = realloc(s, strlen(s) + (size_t)n + 1))) {
		free(s);
		if (n >= 0)
			free(more);
		return NULL;
	}
	strcat(p, more);
	free(more);
	return p;
}

char *gic_license_markdown(const struct gic_license *l)
{
	char *s = strdup("");

	s = append(s, "  %s\n", l->name);
	if (l->url)
		s = append(s, "  %s\n", l->url);
	s = append(s, "\n  - commercial use: %s\n  - redistribution: %s\n"
		   "  - attribution required: %s\n  - share-alike: %s\n",
		   l->commercial ? "allowed" : "not allowed",
		   l->redistribution ? "allowed" : "not allowed",
		   l->attribution ? "yes" : "no", l->share_alike ? "yes" : "no");
	if (l->attribution)
		s = append(s, "  - attribution: credit \"%s\"%s%s%s when you "
			   "share or publish these files or work made from "
			   "them\n", l->name, l->url ? " (" : "",
			   l->url ? l->url : "", l->url ? ")" : "");
	if (l->share_alike)
		s = append(s, "  - adaptations of these files must be shared "
			   "under \"%s\" too\n", l->name);
	return append(s, "\n  %s\n", l->terms);
}
