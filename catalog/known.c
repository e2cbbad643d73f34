/*
 * known.c - what the catalog already holds of some content, looked up by
 * its sha256: ingest's and fetch's workers, so as not to decode it again
 * (each on a read-only connection of its own: the catalog's connection
 * belongs to the writer's thread), and fetch's writer, on the catalog's.
 * A worker sees the last commit; content the writer has not committed yet
 * is simply decoded.
 *
 * Each look-up is a read transaction of its own (6 us; 0.5 us inside one
 * kept open).  Keeping one open over many look-ups would hold, at every
 * commit of the writer, a snapshot older than that commit: its
 * checkpoint would then never complete, and the WAL, never restarted,
 * would grow for as long as an ingest runs (300 commits of a test: 14.6
 * MB of WAL against 4.2 MB).
 */
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "ingest-write.h"

static const char known_sql[] =
	"SELECT storage, bytes, width, height FROM images WHERE sha256 = ?";

void gic_known_open(struct gic_known *k, struct gic_catalog *c)
{
	const char *path = sqlite3_db_filename(c->db, "main");

	memset(k, 0, sizeof(*k));
	if (path && *path &&
	    sqlite3_open_v2(path, &k->own, SQLITE_OPEN_READONLY |
			    SQLITE_OPEN_NOMUTEX, NULL) == SQLITE_OK) {
		sqlite3_busy_timeout(k->own, gic_busy_timeout());
		sqlite3_prepare_v2(k->own, known_sql, -1, &k->q, NULL);
	}
	/* without the statement every file is simply decoded */
}

int gic_known_prepare(struct gic_known *k, struct sqlite3 *db)
{
	memset(k, 0, sizeof(*k));
	if (sqlite3_prepare_v2(db, known_sql, -1, &k->q, NULL))
		return gic_seterr(GIC_EDB, "prepare image look-up: %s",
				  sqlite3_errmsg(db));
	return 0;
}

int gic_known_find(struct gic_known *k, const char *hex,
		   struct gic_known_size *size)
{
	int rc, found = 0;

	if (!k->q)
		return 0;
	sqlite3_bind_text(k->q, 1, hex, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(k->q)) == SQLITE_ROW) {
		found = strcmp((const char *)sqlite3_column_text(k->q, 0),
			       "ref") ? GIC_KNOWN_OBJECT : GIC_KNOWN_REF;
		size->bytes = (uint64_t)sqlite3_column_int64(k->q, 1);
		size->width = (uint32_t)sqlite3_column_int64(k->q, 2);
		size->height = (uint32_t)sqlite3_column_int64(k->q, 3);
	} else if (rc != SQLITE_DONE) {
		found = gic_seterr(GIC_EDB, "look up image %s: %s", hex,
				   sqlite3_errmsg(sqlite3_db_handle(k->q)));
	}
	sqlite3_reset(k->q);
	return found;
}

int gic_known_examine(struct gic_known *k, struct gic_result *r,
		      const unsigned char *buf,
		      const struct gic_probe_opts *po, int as_ref)
{
	struct gic_known_size size = { 0 };
	/* a look-up that fails (< 0) only means decoding, as new content */
	int found = gic_known_find(k, r->hex, &size), rc;

	r->held_object = found == GIC_KNOWN_OBJECT;
	r->kind = found == GIC_KNOWN_OBJECT ||
		  (found == GIC_KNOWN_REF && as_ref) ? GIC_R_KNOWN
		: found == GIC_KNOWN_REF ? GIC_R_UPGRADE : GIC_R_NEW;
	/* known content is not decoded again, but the limits still hold */
	if (r->kind != GIC_R_NEW) {
		const char *f = gic_sniff_format(buf, r->bytes);

		/* what the entry notes compare the file's name with */
		snprintf(r->info.format, sizeof(r->info.format), "%s",
			 f ? f : "");
		return gic_probe_check_size(size.width, size.height, po);
	}
	rc = gic_probe(buf, r->bytes, po, &r->info);
	/* this image's need, not the batch's: refused, the rest goes on */
	if (rc == GIC_ENOMEM) {
		char why[200];

		snprintf(why, sizeof(why), "%s", gic_errmsg());
		rc = gic_seterr(GIC_ELIMIT, "too large to decode in the memory "
				"available (%s; fewer --jobs leave it more)", why);
	}
	return rc;
}

void gic_known_close(struct gic_known *k)
{
	sqlite3_finalize(k->q);
	sqlite3_close(k->own);
	memset(k, 0, sizeof(*k));
}
