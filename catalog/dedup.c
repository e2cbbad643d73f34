/*
 * dedup.c - exact and near duplicates from the catalog (see dedup.h).
 *
 * Near duplicates: the selected images are read once, sorted by sha256,
 * as (sha256, pHash); gic_near_components clusters them in memory.  A
 * listing then puts the images of clusters of two or more into a
 * temporary table and prepares the rows to print: the selection joined
 * with that table.  The whole listing runs inside one savepoint, so it
 * sees one snapshot of the catalog, and rolling the savepoint back drops
 * the temporary table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "dedup.h"

#define SHA_BYTES 32
/* Columns of the listings, over v_entries and the temporary tables. */
#define ENTRY_COLS "dataset, generator, subset, label, split, path"
#define SHA_FULL "v_entries.sha256 AS sha256, "
#define SHA_SHORT "substr(v_entries.sha256, 1, 12) AS sha256, "
#define COPIES "(SELECT copies FROM temp.gic_dup d " \
	"WHERE d.sha256 = v_entries.sha256) AS copies, "
#define NEAR(col) "(SELECT " col " FROM temp.gic_near n " \
	"WHERE n.sha256 = v_entries.sha256)"
#define NEAR_SIZE NEAR("size") " AS size, "
#define NEAR_DIST NEAR("distance") " AS distance, phash, "

struct gic_near_clusters {
	size_t n, cap;
	unsigned char (*sha)[SHA_BYTES]; /* sorted */
	uint64_t *phash;
	uint32_t *root;                  /* index of the cluster's id image */
};

static int exec(struct gic_catalog *c, const char *sql)
{
	return sqlite3_exec(c->db, sql, NULL, NULL, NULL) ?
	       gic_db_fail(c->db, NULL) : 0;
}

/* ---- clusters ---------------------------------------------------------- */

/* Appends one selected row (rows come sorted by sha256; an image's other
 * entries repeat it). */
static int push(struct gic_near_clusters *m, const char *hex,
		const char *phash)
{
	unsigned char bin[SHA_BYTES];

	if (!hex || !phash || !gic_is_hex_sha(hex))
		return gic_seterr(GIC_ECORRUPT, "an image row has a bad sha256 "
				  "'%s'", hex ? hex : "");
	gic_unhex32(hex, bin);
	if (m->n && !memcmp(m->sha[m->n - 1], bin, SHA_BYTES))
		return 0;
	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 4096;
		void *s = realloc(m->sha, cap * sizeof(*m->sha)), *p;

		if (s)
			m->sha = s;
		if (!s || !(p = realloc(m->phash, cap * sizeof(*m->phash))))
			return gic_seterr(GIC_ENOMEM, "out of memory reading "
					  "%zu images", m->n);
		m->phash = p;
		m->cap = cap;
	}
	memcpy(m->sha[m->n], bin, SHA_BYTES);
	m->phash[m->n++] = strtoull(phash, NULL, 16);
	return 0;
}

static int load(struct gic_catalog *c, const char *expr,
		struct gic_near_clusters *m, int *errcol)
{
	sqlite3_stmt *s;
	int rc, step = SQLITE_DONE;

	if ((rc = gic_select_prepare(c, "sha256, phash", expr,
				     "ORDER BY sha256", &s, errcol, NULL)) < 0)
		return rc;
	while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW)
		rc = push(m, (const char *)sqlite3_column_text(s, 0),
			  (const char *)sqlite3_column_text(s, 1));
	if (rc == 0 && step != SQLITE_DONE)
		rc = gic_db_fail(c->db, NULL);
	sqlite3_finalize(s);
	return rc;
}

int gic_near_clusters_build(struct gic_catalog *c, const char *expr,
			    int distance, struct gic_near_clusters **out,
			    int *errcol)
{
	struct gic_near_clusters *m;
	int rc;

	*out = NULL;
	if (errcol)
		*errcol = 0;
	if (distance < 0 || distance > GIC_NEAR_MAX_DISTANCE)
		return gic_seterr(GIC_EUSAGE, "distance %d is not in 0..%d",
				  distance, GIC_NEAR_MAX_DISTANCE);
	if (!(m = calloc(1, sizeof(*m))))
		return gic_seterr(GIC_ENOMEM, "out of memory");
	gic_progress(c, "near duplicates: reading the hashes", 0, 0);
	if ((rc = load(c, expr, m, errcol)) < 0)
		goto out;
	if (!(m->root = malloc((m->n ? m->n : 1) * sizeof(*m->root)))) {
		rc = gic_seterr(GIC_ENOMEM, "out of memory");
		goto out;
	}
	rc = gic_near_components(m->phash, m->n, distance, m->root, c->progress,
				 c->progress_arg);
out:
	if (rc < 0)
		gic_near_clusters_free(m);
	else
		*out = m;
	return rc;
}

void gic_near_clusters_free(struct gic_near_clusters *m)
{
	if (!m)
		return;
	free(m->sha);
	free(m->phash);
	free(m->root);
	free(m);
}

size_t gic_near_clusters_count(const struct gic_near_clusters *m)
{
	return m->n;
}

static int cmp_sha(const void *a, const void *b)
{
	return memcmp(a, b, SHA_BYTES);
}

int gic_near_cluster_of(const struct gic_near_clusters *m,
			const char *sha256, char cluster[GIC_HEX_LEN + 1])
{
	unsigned char key[SHA_BYTES];
	const unsigned char (*hit)[SHA_BYTES];

	if (!gic_is_hex_sha(sha256))
		return gic_seterr(GIC_EUSAGE, "'%s' is not a sha256", sha256);
	gic_unhex32(sha256, key);
	if (!(hit = bsearch(key, m->sha, m->n, SHA_BYTES, cmp_sha)))
		return gic_seterr(GIC_ENOTFOUND, "image %s is not selected",
				  sha256);
	gic_hex32(m->sha[m->root[hit - m->sha]], cluster);
	return 0;
}

/* ---- listings ---------------------------------------------------------- */

/* Opens the listing's savepoint and creates its temporary table. */
static int listing_begin(struct gic_catalog *c, const char *create,
			 struct gic_dedup **out)
{
	struct gic_dedup *d = calloc(1, sizeof(*d));
	int rc;

	*out = NULL;
	if (!d)
		return gic_seterr(GIC_ENOMEM, "out of memory");
	if ((rc = exec(c, "SAVEPOINT gic_dedup")) < 0) {
		free(d);
		return rc;
	}
	d->c = c;
	if ((rc = exec(c, create)) < 0) {
		gic_dedup_free(d);
		return rc;
	}
	*out = d;
	return 0;
}

void gic_dedup_free(struct gic_dedup *d)
{
	if (!d)
		return;
	sqlite3_finalize(d->rows);
	if (d->c)
		sqlite3_exec(d->c->db, "ROLLBACK TO gic_dedup; RELEASE gic_dedup",
			     NULL, NULL, NULL);
	free(d);
}

/* Prepares the rows: entries of the images in table, columns cols. */
static int listing_rows(struct gic_dedup *d, const char *expr,
			const char *cols, const char *table,
			const char *order, int *errcol)
{
	char tail[256];

	snprintf(tail, sizeof(tail), "AND v_entries.sha256 IN (SELECT sha256 "
		 "FROM temp.%s) ORDER BY %s", table, order);
	return gic_select_prepare(d->c, cols, expr, tail, &d->rows, errcol,
				  NULL);
}

/* Fills temp.gic_dup with the images that have more than one entry. */
static int fill_exact(struct gic_dedup *d, const char *expr, int *errcol)
{
	sqlite3_stmt *sel = NULL, *ins = NULL;
	int rc, step = SQLITE_DONE;

	if ((rc = gic_select_prepare(d->c, "sha256, count(*)", expr,
				     "GROUP BY sha256", &sel, errcol, NULL)) < 0)
		return rc;
	if (sqlite3_prepare_v2(d->c->db, "INSERT INTO temp.gic_dup VALUES "
			       "(?, ?)", -1, &ins, NULL)) {
		rc = gic_db_fail(d->c->db, NULL);
		goto out;
	}
	while (rc == 0 && (step = sqlite3_step(sel)) == SQLITE_ROW) {
		int64_t copies = sqlite3_column_int64(sel, 1);

		d->images++;
		if (copies < 2)
			continue;
		d->groups++;
		d->members += (uint64_t)copies;
		sqlite3_bind_value(ins, 1, sqlite3_column_value(sel, 0));
		sqlite3_bind_int64(ins, 2, copies);
		if (sqlite3_step(ins) != SQLITE_DONE)
			rc = gic_db_fail(d->c->db, NULL);
		sqlite3_reset(ins);
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = gic_db_fail(d->c->db, NULL);
out:
	sqlite3_finalize(ins);
	sqlite3_finalize(sel);
	return rc;
}

int gic_dedup_exact(struct gic_catalog *c, const char *expr, int abbrev,
		    struct gic_dedup **out, int *errcol)
{
	struct gic_dedup *d;
	int rc;

	if (errcol)
		*errcol = 0;
	if ((rc = listing_begin(c, "CREATE TEMP TABLE gic_dup (sha256 TEXT "
				"PRIMARY KEY, copies INTEGER NOT NULL) WITHOUT "
				"ROWID", &d)) < 0)
		return rc;
	if ((rc = fill_exact(d, expr, errcol)) == 0)
		rc = listing_rows(d, expr, abbrev ?
				  SHA_SHORT COPIES ENTRY_COLS :
				  SHA_FULL COPIES ENTRY_COLS, "gic_dup",
				  "v_entries.sha256, dataset, path", errcol);
	if (rc < 0)
		gic_dedup_free(d);
	else
		*out = d;
	return rc;
}

/* Fills temp.gic_near with the images of clusters of two or more. */
static int fill_near(struct gic_dedup *d, const struct gic_near_clusters *m)
{
	uint32_t *size = calloc(m->n ? m->n : 1, sizeof(*size));
	sqlite3_stmt *ins = NULL;
	char hex[GIC_HEX_LEN + 1], id[GIC_HEX_LEN + 1];
	int rc = 0;

	if (!size)
		return gic_seterr(GIC_ENOMEM, "out of memory");
	if (sqlite3_prepare_v2(d->c->db, "INSERT INTO temp.gic_near VALUES "
			       "(?, ?, ?, ?)", -1, &ins, NULL)) {
		rc = gic_db_fail(d->c->db, NULL);
		goto out;
	}
	for (size_t i = 0; i < m->n; i++)
		size[m->root[i]]++;
	d->images = m->n;
	for (size_t i = 0; i < m->n && rc == 0; i++) {
		uint32_t r = m->root[i];

		if (size[r] < 2)
			continue;
		d->groups += r == i;
		d->members++;
		gic_hex32(m->sha[i], hex);
		gic_hex32(m->sha[r], id);
		sqlite3_bind_text(ins, 1, hex, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 2, id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 3, size[r]);
		sqlite3_bind_int(ins, 4, gic_hamming(m->phash[i], m->phash[r]));
		if (sqlite3_step(ins) != SQLITE_DONE)
			rc = gic_db_fail(d->c->db, NULL);
		sqlite3_reset(ins);
	}
out:
	sqlite3_finalize(ins);
	free(size);
	return rc;
}

int gic_dedup_near(struct gic_catalog *c, const char *expr, int distance,
		   int abbrev, struct gic_dedup **out, int *errcol)
{
	struct gic_near_clusters *m = NULL;
	struct gic_dedup *d;
	int rc;

	if (errcol)
		*errcol = 0;
	if ((rc = listing_begin(c, "CREATE TEMP TABLE gic_near (sha256 TEXT "
				"PRIMARY KEY, cluster TEXT NOT NULL, size INTEGER "
				"NOT NULL, distance INTEGER NOT NULL) WITHOUT "
				"ROWID", &d)) < 0)
		return rc;
	if ((rc = gic_near_clusters_build(c, expr, distance, &m, errcol)) == 0 &&
	    (rc = fill_near(d, m)) == 0)
		rc = listing_rows(d, expr, abbrev ?
			"substr(" NEAR("cluster") ", 1, 12) AS cluster, "
			NEAR_SIZE SHA_SHORT NEAR_DIST ENTRY_COLS :
			NEAR("cluster") " AS cluster, "
			NEAR_SIZE SHA_FULL NEAR_DIST ENTRY_COLS, "gic_near",
			NEAR("cluster") ", v_entries.sha256, dataset, path",
			errcol);
	gic_near_clusters_free(m);
	if (rc < 0)
		gic_dedup_free(d);
	else
		*out = d;
	return rc;
}

int gic_dedup_phashes(struct gic_catalog *c, const char *const *sha256,
		      size_t n, uint64_t *phash)
{
	sqlite3_stmt *s;
	int began, rc = 0;

	if (sqlite3_prepare_v2(c->db, "SELECT phash FROM images WHERE sha256 "
			       "= ?", -1, &s, NULL))
		return gic_db_fail(c->db, NULL);
	if ((began = gic_read_begin(c)) < 0)
		rc = began;
	for (size_t i = 0; i < n && rc == 0; i++) {
		sqlite3_bind_text(s, 1, sha256[i], -1, SQLITE_STATIC);
		switch (sqlite3_step(s)) {
		case SQLITE_ROW:
			phash[i] = (uint64_t)sqlite3_column_int64(s, 0);
			break;
		case SQLITE_DONE:
			rc = gic_seterr(GIC_ENOTFOUND, "no image '%s' in the "
					"catalog", sha256[i]);
			break;
		default:
			rc = gic_db_fail(c->db, NULL);
		}
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	gic_read_end(c, began);
	return rc;
}
