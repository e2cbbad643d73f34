/*
 * known.c - a worker's look-up of content the catalog already holds, so
 * that ingest and fetch do not decode it again.  Each worker reads on a
 * read-only connection of its own: the catalog's connection belongs to
 * the writer's thread.  What it sees is the last commit; content the
 * writer has not committed yet is simply decoded.
 *
 * Each look-up is a read transaction of its own (6 us; 0.5 us inside one
 * kept open).  Keeping one open over many look-ups would hold, at every
 * commit of the writer, a snapshot older than that commit: its
 * checkpoint would then never complete, and the WAL, never restarted,
 * would grow for as long as an ingest runs (300 commits of a test: 14.6
 * MB of WAL against 4.2 MB).
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "ingest-write.h"

void gic_known_open(struct gic_known *k, struct gic_catalog *c)
{
	char path[PATH_MAX];

	memset(k, 0, sizeof(*k));
	snprintf(path, sizeof(path), "%s/catalog.db", c->dir);
	if (sqlite3_open_v2(path, &k->db, SQLITE_OPEN_READONLY |
			    SQLITE_OPEN_NOMUTEX, NULL) == SQLITE_OK) {
		sqlite3_busy_timeout(k->db, 30000);
		sqlite3_prepare_v2(k->db, "SELECT storage, width, height "
				   "FROM images WHERE sha256 = ?", -1, &k->q,
				   NULL);
	}
	/* without the statement every file is simply decoded */
}

int gic_known_find(struct gic_known *k, const char *hex, uint32_t *w,
		   uint32_t *h)
{
	int found = 0;

	if (!k->q)
		return 0;
	sqlite3_bind_text(k->q, 1, hex, GIC_HEX_LEN, SQLITE_STATIC);
	if (sqlite3_step(k->q) == SQLITE_ROW) {
		found = strcmp((const char *)sqlite3_column_text(k->q, 0),
			       "ref") ? 1 : 2;
		*w = (uint32_t)sqlite3_column_int64(k->q, 1);
		*h = (uint32_t)sqlite3_column_int64(k->q, 2);
	}
	sqlite3_reset(k->q);
	return found;
}

void gic_known_close(struct gic_known *k)
{
	sqlite3_finalize(k->q);
	sqlite3_close(k->db);
	memset(k, 0, sizeof(*k));
}
