/*
 * audit-prov.c - provenance metadata: which of it the audited images
 * carry, per generator and label, and which of it gives the label away.
 *
 * A piece of metadata is a label leak when, among images of both labels,
 * only one label carries it: a detector that sees it is never wrong, so it
 * learns the metadata rather than the pixels (Stable Diffusion's
 * "parameters" PNG text on fakes, camera EXIF on real photos).  Features
 * carried by both labels are listed with the balanced accuracy of the
 * rule "present => the label that carries it more often".
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "audit-int.h"

/* The fixed pieces, in order: flags of images, then the values. */
#define NFIXED GIC_PROV_FIXED
static const char *const fixed[NFIXED] = {
	"exif", "xmp", "icc", "c2pa", "text", "trailing", "exif_software",
	"exif_make", "exif_model", "xmp_source_type" };
#define FIRST_VALUE 6   /* fixed[6..9] are columns with values */

#define FROM " FROM temp.audit_items a JOIN images i ON i.sha256 = a.sha256 "

static struct gic_prov_count *count_for(struct gic_prov_group *g,
					const char *name,
					struct audit_names *ix)
{
	return audit_named(&g->counts, &g->ncounts, sizeof(g->counts[0]),
			   name, NULL, ix);
}

static struct gic_prov_group *find_group(struct gic_prov *p, const char *grp,
					 const char *label)
{
	for (size_t i = p->ngroups; i-- > 0;)
		if (!strcmp(p->groups[i].group, grp) &&
		    !strcmp(p->groups[i].label, label))
			return &p->groups[i];
	return NULL;
}

static struct gic_prov_group *group_for(struct gic_prov *p, const char *grp,
					const char *label)
{
	struct gic_prov_group *g = find_group(p, grp, label);

	if (g)
		return g;
	if (!(g = realloc(p->groups, (p->ngroups + 1) * sizeof(*g))))
		return NULL;
	p->groups = g;
	g = &p->groups[p->ngroups];
	memset(g, 0, sizeof(*g));
	snprintf(g->label, sizeof(g->label), "%s", label);
	p->ngroups++;
	if (!(g->group = strdup(grp)))
		return NULL;
	for (int i = 0; i < NFIXED; i++)
		if (!count_for(g, fixed[i], NULL))
			return NULL;
	return g;
}

/* Whether the key at..at+len of the comma-separated list keys appears
 * in it before at. */
static int key_seen(const char *keys, const char *at, size_t len)
{
	for (const char *s = keys; s < at; s += strcspn(s, ",") + 1)
		if (strcspn(s, ",") == len && !memcmp(s, at, len))
			return 1;
	return 0;
}

/* "text:KEY" for the len bytes at key, as the PNG has the keyword (its
 * ',' and '%' are %2C and %25 in the list). */
static void text_name(char *name, size_t size, const char *key, size_t len)
{
	size_t at = (size_t)snprintf(name, size, "text:");

	for (size_t i = 0; i < len && at + 1 < size; i++) {
		if (key[i] == '%' && i + 2 < len && key[i + 1] == '2' &&
		    (key[i + 2] == 'C' || key[i + 2] == '5')) {
			name[at++] = key[i + 2] == 'C' ? ',' : '%';
			i += 2;
		} else {
			name[at++] = key[i];
		}
	}
	name[at] = '\0';
}

/* Counts "text:KEY" for each key of an image's comma-separated list, once
 * however many chunks carry it (two "Comment" chunks are one image); ix
 * indexes g's counts. */
static int count_keys(struct gic_prov_group *g, struct audit_names *ix,
		      const char *keys)
{
	char name[160];

	for (const char *at = keys; at && *at;) {
		const char *key = at;
		size_t len = strcspn(key, ",");
		struct gic_prov_count *k;

		at += len + (key[len] == ',');
		if (!len || key_seen(keys, key, len))
			continue;
		text_name(name, sizeof(name), key, len);
		if (!(k = count_for(g, name, ix)))
			return gic_seterr(GIC_ENOMEM, "out of memory");
		k->n++;
	}
	return 0;
}

static int tally(struct gic_catalog *c, struct gic_prov *p)
{
	struct audit_names *ix = NULL;  /* each group's counts by name */
	size_t nix = 0, cap = 0;
	sqlite3_stmt *q;
	int rc = 0, step;

	/* one image a row: grouping in SQL would sort them all */
	if (sqlite3_prepare_v2(c->db, "SELECT a.grp, coalesce(a.label, ''), "
			       "i.has_exif, i.has_xmp, i.has_icc, i.has_c2pa, "
			       "i.text_keys IS NOT NULL, i.trailing_bytes > 0, "
			       "i.exif_software IS NOT NULL, i.exif_make IS NOT "
			       "NULL, i.exif_model IS NOT NULL, i.xmp_source_type"
			       " IS NOT NULL, i.text_keys" FROM, -1, &q, NULL))
		return gic_db_fail(c->db, "audit provenance");
	while (rc == 0 && (step = sqlite3_step(q)) == SQLITE_ROW) {
		const char *label = (const char *)sqlite3_column_text(q, 1);
		struct gic_prov_group *g = group_for(p, (const char *)
						     sqlite3_column_text(q, 0),
						     label);
		size_t gi = g ? (size_t)(g - p->groups) : 0;

		/* a group is new when it is the last: its index too */
		if (g && gi == nix &&
		    gic_grow(&ix, nix, &cap, sizeof(*ix), 16) == 0)
			memset(&ix[nix++], 0, sizeof(*ix));
		if (!g || gi >= nix) {
			rc = gic_seterr(GIC_ENOMEM, "out of memory");
			break;
		}
		g->n++;
		p->nreal += !strcmp(label, "real");
		p->nfake += !strcmp(label, "fake");
		for (int i = 0; i < NFIXED; i++)
			g->counts[i].n += sqlite3_column_int(q, 2 + i) != 0;
		rc = count_keys(g, &ix[gi], (const char *)
				sqlite3_column_text(q, 12));
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = gic_db_fail(c->db, "audit provenance");
	sqlite3_finalize(q);
	for (size_t i = 0; i < nix; i++)
		audit_names_free(&ix[i]);
	free(ix);
	return rc;
}

/* The most common value of fixed[f] per group (ties: the smallest). */
static int top_values(struct gic_catalog *c, struct gic_prov *p, int f)
{
	sqlite3_stmt *q;
	char sql[512];
	int rc = 0, step;

	snprintf(sql, sizeof(sql), "SELECT a.grp, coalesce(a.label, ''), i.%s, "
		 "count(*) AS n" FROM "WHERE i.%s IS NOT NULL GROUP BY 1, 2, 3 "
		 "ORDER BY 1, 2, 4 DESC, 3", fixed[f], fixed[f]);
	if (sqlite3_prepare_v2(c->db, sql, -1, &q, NULL))
		return gic_db_fail(c->db, "audit provenance");
	while (rc == 0 && (step = sqlite3_step(q)) == SQLITE_ROW) {
		struct gic_prov_group *g = find_group(p, (const char *)
			sqlite3_column_text(q, 0), (const char *)
			sqlite3_column_text(q, 1));
		if (!g || g->counts[f].top)
			continue;
		if (!(g->counts[f].top = strdup((const char *)
						sqlite3_column_text(q, 2))))
			rc = gic_seterr(GIC_ENOMEM, "out of memory");
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = gic_db_fail(c->db, "audit provenance");
	sqlite3_finalize(q);
	return rc;
}

static struct gic_prov_feature *feature_for(struct gic_prov *p,
					    const char *name,
					    struct audit_names *ix)
{
	return audit_named(&p->features, &p->nfeatures,
			   sizeof(p->features[0]), name, NULL, ix);
}

/* Whether x points to a label, and how well it does so (balanced): as
 * audit-rules.c's balanced(), one division of integers, (RF + |fR - rF|)
 * / 2RF, so that a score of exactly A is not over --max-shortcut A by a
 * rounding of 0.5 + |f/F - r/R| / 2. */
static void judge(struct gic_prov *p, struct gic_prov_feature *x)
{
	uint64_t R = p->nreal, F = p->nfake, a = x->fake * R, b = x->real * F;
	double r = R ? (double)x->real / (double)R : 0;
	double f = F ? (double)x->fake / (double)F : 0;

	x->gives = f >= r ? "fake" : "real";
	x->accuracy = R && F ? (double)(R * F + (a > b ? a - b : b - a)) /
			       (double)(2 * R * F) : NAN;
	x->leak = p->nreal && p->nfake && (!x->real || !x->fake);
	p->nleaks += (size_t)x->leak;
}

void gic_prov_limit(struct gic_prov *p, double max)
{
	p->max_shortcut = max;
	p->nover = 0;
	for (size_t i = 0; i < p->nfeatures; i++) {
		struct gic_prov_feature *x = &p->features[i];

		x->over = !x->leak && !isnan(x->accuracy) && x->accuracy > max;
		p->nover += (size_t)x->over;
	}
}

static int by_verdict(const void *a, const void *b)
{
	const struct gic_prov_feature *x = a, *y = b;

	if (x->leak != y->leak)
		return y->leak - x->leak;
	if (x->accuracy != y->accuracy && !isnan(x->accuracy) &&
	    !isnan(y->accuracy))
		return x->accuracy < y->accuracy ? 1 : -1;
	return strcmp(x->name, y->name);
}

static int features(struct gic_prov *p)
{
	struct audit_names ix = { 0 };

	for (size_t i = 0; i < p->ngroups; i++) {
		const struct gic_prov_group *g = &p->groups[i];
		int real = !strcmp(g->label, "real"), fake = !strcmp(g->label, "fake");

		for (size_t k = 0; k < g->ncounts && (real || fake); k++) {
			struct gic_prov_feature *x;
			if (!g->counts[k].n)
				continue;
			if (!(x = feature_for(p, g->counts[k].name, &ix))) {
				audit_names_free(&ix);
				return gic_seterr(GIC_ENOMEM, "out of memory");
			}
			*(real ? &x->real : &x->fake) += g->counts[k].n;
		}
	}
	audit_names_free(&ix);
	for (size_t i = 0; i < p->nfeatures; i++)
		judge(p, &p->features[i]);
	if (p->nfeatures)
		qsort(p->features, p->nfeatures, sizeof(*p->features),
		      by_verdict);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct gic_prov_count *)a)->name,
		      ((const struct gic_prov_count *)b)->name);
}

/* Whether any audited image carries fixed[f]. */
static int carried(const struct gic_prov *p, int f)
{
	for (size_t i = 0; i < p->ngroups; i++)
		if (p->groups[i].counts[f].n)
			return 1;
	return 0;
}

static int by_group(const void *a, const void *b)
{
	const struct gic_prov_group *x = a, *y = b;
	int cmp = strcmp(x->group, y->group);

	return cmp ? cmp : strcmp(x->label, y->label);
}

int gic_audit_prov(struct gic_catalog *c, const struct gic_audit_src *src,
		   struct gic_prov *out, int *errcol)
{
	int rc;

	memset(out, 0, sizeof(*out));
	out->unit = GIC_AUDIT_UNIT(src);
	out->max_shortcut = -1;
	if ((rc = gic_audit_items(c, src, errcol)) < 0)
		return rc;
	rc = tally(c, out);
	for (int f = FIRST_VALUE; rc == 0 && f < NFIXED; f++)
		if (carried(out, f))
			rc = top_values(c, out, f);
	if (rc == 0 && out->ngroups)
		qsort(out->groups, out->ngroups, sizeof(*out->groups), by_group);
	for (size_t i = 0; rc == 0 && i < out->ngroups; i++)
		qsort(out->groups[i].counts + NFIXED, out->groups[i].ncounts -
		      NFIXED, sizeof(struct gic_prov_count), by_name);
	if (rc == 0)
		rc = features(out);
	gic_audit_items_drop(c);
	if (rc < 0)
		gic_prov_release(out);
	return rc;
}

void gic_prov_release(struct gic_prov *p)
{
	for (size_t i = 0; i < p->ngroups; i++) {
		struct gic_prov_group *g = &p->groups[i];
		for (size_t k = 0; k < g->ncounts; k++) {
			free(g->counts[k].name);
			free(g->counts[k].top);
		}
		free(g->counts);
		free(g->group);
	}
	for (size_t i = 0; i < p->nfeatures; i++)
		free(p->features[i].name);
	free(p->groups);
	free(p->features);
	memset(p, 0, sizeof(*p));
}
