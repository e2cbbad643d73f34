/*
 * backfill.c - gic_backfill(): what migrations added as columns but could
 * not compute in SQL, measured for the images catalogued before them:
 * trailing_bytes (0012) and the EXIF and XMP provenance fields (0006),
 * which only a decode of the image's bytes finds.  An image without
 * trailing_bytes predates both, so the probe's values replace all of them.
 * Each image is read (checking its hash) and
 * probed outside any transaction; the values are written in batches, each
 * an UPDATE that leaves a row already measured alone, so an interrupted run
 * keeps what it committed and a second run takes up the rest.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "maint.h"

#define BATCH 256

struct measured {
	char hex[GIC_HEX_LEN + 1];
	uint64_t trailing;
	char exif[3][64], xmp[64]; /* Software, Make, Model; "" when absent */
};

int gic_backfill_pending(struct gic_catalog *c, uint64_t *n)
{
	return gic_db_count(c, "SELECT count(*) FROM images "
			    "WHERE trailing_bytes IS NULL", n);
}

/* Reads and probes one image; 0 and *out, or an error with its reason. */
static int measure(struct gic_catalog *c, const char *hex, uint64_t pixels,
		   struct measured *out)
{
	struct gic_probe_opts opts = { GIC_DEFAULT_MAX_PIXELS };
	struct gic_image_info info;
	unsigned char *buf;
	size_t len;
	int rc;

	if (pixels > opts.max_pixels) /* ingested under a higher limit */
		opts.max_pixels = pixels;
	if ((rc = gic_image_read(c, hex, &buf, &len)) < 0)
		return rc;
	rc = gic_probe(buf, len, &opts, &info);
	free(buf);
	if (rc < 0)
		return rc;
	memcpy(out->hex, hex, sizeof(out->hex));
	out->trailing = info.trailing_bytes;
	memcpy(out->exif[0], info.exif_software, sizeof(out->exif[0]));
	memcpy(out->exif[1], info.exif_make, sizeof(out->exif[1]));
	memcpy(out->exif[2], info.exif_model, sizeof(out->exif[2]));
	memcpy(out->xmp, info.xmp_source_type, sizeof(out->xmp));
	gic_image_info_release(&info);
	return 0;
}

/* Writes n measured values in one transaction. */
static int store(struct gic_catalog *c, sqlite3_stmt *up,
		 const struct measured *m, size_t n)
{
	int rc = gic_tx_begin(c, 0);

	if (rc < 0)
		return rc;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		sqlite3_bind_text(up, 1, m[i].hex, -1, SQLITE_STATIC);
		sqlite3_bind_int64(up, 2, (sqlite3_int64)m[i].trailing);
		for (int f = 0; f < 4; f++) {
			const char *v = f < 3 ? m[i].exif[f] : m[i].xmp;

			if (*v) /* absent is NULL, as ingest writes it */
				sqlite3_bind_text(up, 3 + f, v, -1, SQLITE_STATIC);
			else
				sqlite3_bind_null(up, 3 + f);
		}
		if (sqlite3_step(up) != SQLITE_DONE)
			rc = gic_db_fail(c->db, NULL);
		sqlite3_reset(up);
	}
	return gic_tx_end(c, 0, rc);
}

struct todo {
	char hex[GIC_HEX_LEN + 1];
	uint64_t pixels;        /* width x height, as catalogued */
};

/* The images still to measure. */
static int pending(struct gic_catalog *c, struct todo **t, size_t *n)
{
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc = 0, st;

	*t = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(c->db, "SELECT sha256, width * height FROM "
			       "images WHERE trailing_bytes IS NULL ORDER BY "
			       "sha256", -1, &s, NULL))
		return gic_db_fail(c->db, NULL);
	while ((st = sqlite3_step(s)) == SQLITE_ROW) {
		if ((rc = gic_grow(t, *n + 1, &cap, sizeof(**t), 1024)) < 0)
			break;
		snprintf((*t)[*n].hex, sizeof((*t)[*n].hex), "%s",
			 (const char *)sqlite3_column_text(s, 0));
		(*t)[(*n)++].pixels = (uint64_t)sqlite3_column_int64(s, 1);
	}
	if (rc == 0 && st != SQLITE_DONE)
		rc = gic_db_fail(c->db, NULL);
	sqlite3_finalize(s);
	return rc;
}

int gic_backfill(struct gic_catalog *c,
		 void (*on_problem)(void *arg, const char *hex,
				    const char *why),
		 void *arg, struct gic_backfill_report *rep)
{
	struct todo *t;
	struct measured *batch = NULL;
	sqlite3_stmt *up = NULL;
	size_t n, k = 0;
	int rc;

	memset(rep, 0, sizeof(*rep));
	if ((rc = gic_catalog_writable(c)) < 0)
		return rc;
	gic_catalog_hold(c); /* gc waits: the objects read here stay */
	if ((rc = pending(c, &t, &n)) < 0)
		goto out;
	if (!(batch = malloc(BATCH * sizeof(*batch)))) {
		rc = gic_seterr(GIC_ENOMEM, "out of memory");
		goto out;
	}
	if (sqlite3_prepare_v2(c->db, "UPDATE images SET trailing_bytes = ?2, "
			       "exif_software = ?3, exif_make = ?4, "
			       "exif_model = ?5, xmp_source_type = ?6 "
			       "WHERE sha256 = ?1 AND trailing_bytes IS NULL",
			       -1, &up, NULL)) {
		rc = gic_db_fail(c->db, NULL);
		goto out;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		int m = measure(c, t[i].hex, t[i].pixels, &batch[k]);

		if (m == GIC_ENOMEM || m == GIC_EDB) {
			rc = m;
		} else if (m < 0) { /* this image: named, the others go on */
			on_problem(arg, t[i].hex, gic_errmsg());
			rep->failed++;
		} else if (++k == BATCH) {
			if ((rc = store(c, up, batch, k)) == 0)
				rep->measured += k;
			k = 0;
		}
	}
	if (rc == 0 && k && (rc = store(c, up, batch, k)) == 0)
		rep->measured += k;
out:
	sqlite3_finalize(up);
	free(batch);
	free(t);
	return rc;
}
