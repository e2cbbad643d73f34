/*
 * gc.c - garbage collection: the image rows nothing references (no entry,
 * no live export, nothing derived from either), then the objects no row
 * references, then temporary files an interrupted write left; and the
 * catalog file's size and VACUUM.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "maint.h"

struct gc_ctx {
	struct gic_catalog *c;
	sqlite3_stmt *has_row;
	int64_t before;
	int dry, forget_gone;
	struct gic_gc_report *rep;
};

static int remove_orphan(const char *hex, void *arg)
{
	struct gc_ctx *g = arg;
	const struct gic_odb_backend *be = g->c->odb->be;
	uint64_t freed = 0;
	int done = 0, rc = gic_db_has_row(g->has_row, hex);

	if (rc != 0)  /* used, or it cannot be told: kept, gc stops */
		return rc < 0 ? rc : 0;
	if ((rc = be->del(g->c->odb, hex, g->before, g->dry, &done,
			  &freed)) < 0)
		return rc;
	if (done > 0) {
		g->rep->objects++;
		g->rep->bytes += freed;
		g->rep->shared += done == 2;
	} else if (done == 0) {
		g->rep->young_objects++;
	}
	return 0;
}

/* What live exports point at, besides entries: the image files of
 * symlink-mode exports, the objects manifests list (the records of gone
 * exports are forgotten first). */
#define EXPORTED GIC_SQL_EXPORTED("SELECT id FROM temp.gc_gone")
/* The images an entry uses, and those derived from them, in temp.gc_keep.
 * The entries are read from their table, not from the index on sha256:
 * an index that lost rows (which verify's quick_check does not see) would
 * have the objects of those entries deleted.  Sorted before they go in,
 * the hashes are appended to the table's index, not inserted at random. */
#define DERIVED_FROM(base) "WITH RECURSIVE up(h) AS (" base " UNION SELECT " \
	"x.derived FROM derivations x JOIN up ON x.parent = up.h) SELECT h " \
	"FROM up"
#define KEEP "CREATE TEMP TABLE gc_keep (sha256 TEXT PRIMARY KEY) WITHOUT " \
	"ROWID; INSERT OR IGNORE INTO temp.gc_keep SELECT sha256 FROM " \
	"entries NOT INDEXED ORDER BY sha256; INSERT OR IGNORE INTO " \
	"temp.gc_keep " DERIVED_FROM("SELECT derived FROM derivations WHERE " \
	"parent IN (SELECT sha256 FROM temp.gc_keep)")
/* The images no entry uses (nor derives from one that does), in
 * temp.gc_unentried: what gc removes, but for those an export uses, or
 * that derive from one of those (UNUSED_IMAGES).  One scan of images with
 * one keep set for both: each set built by a query of its own took 3.3 s
 * at 440,000 entries. */
#define UNENTRIED "CREATE TEMP TABLE gc_unentried (sha256 TEXT PRIMARY " \
	"KEY); INSERT INTO temp.gc_unentried SELECT sha256 FROM images " \
	"WHERE sha256 NOT IN (SELECT sha256 FROM temp.gc_keep)"
#define UNUSED_IMAGES "SELECT sha256 FROM temp.gc_unentried WHERE sha256 " \
	"NOT IN (" DERIVED_FROM(EXPORTED) ")"

/* Records of exports whose directory is gone (deleted, or moved: its
 * MANIFEST.sha256 still serves split --check): they describe nothing, and
 * each holds a row per file written (`files` of them).  Only a directory
 * that does not exist (ENOENT) is gone: one that cannot be looked at
 * (permissions) keeps its record.  So does one whose files point into the
 * store (symlink mode, a manifest export), unless GIC_GC_FORGET_GONE: if it
 * was moved, not deleted, its links would break with the objects gone. */
static int forget_exports(struct gc_ctx *g)
{
	sqlite3 *db = g->c->db;
	sqlite3_stmt *s = NULL, *del = NULL;
	int rc = 0, step = SQLITE_DONE;

	/* a dry run notes the records it would remove instead: EXPORTED
	 * leaves them out */
	if (sqlite3_exec(db, "CREATE TEMP TABLE gc_gone (id INTEGER PRIMARY "
			 "KEY)", NULL, NULL, NULL))
		return gic_db_fail(db, NULL);
	if (!g->dry && (rc = gic_tx_begin(g->c, 0)) < 0)
		return rc;
	if (sqlite3_prepare_v2(db, "SELECT id, out_dir, files, mode = "
			       "'symlink' OR format = 'manifest' FROM "
			       "materializations", -1, &s, NULL) ||
	    sqlite3_prepare_v2(db, g->dry ? "INSERT INTO temp.gc_gone "
			       "VALUES (?)" : "DELETE FROM materializations "
			       "WHERE id = ?", -1, &del, NULL))
		step = SQLITE_ERROR;
	while (step != SQLITE_ERROR && (step = sqlite3_step(s)) == SQLITE_ROW) {
		const char *dir = (const char *)sqlite3_column_text(s, 1);
		struct stat st;

		if (dir && (stat(dir, &st) == 0 || errno != ENOENT))
			continue;
		if (sqlite3_column_int(s, 3) && !g->forget_gone) {
			g->rep->exports_kept++;
			continue;
		}
		g->rep->exports++;
		g->rep->export_files += (uint64_t)sqlite3_column_int64(s, 2);
		sqlite3_bind_int64(del, 1, sqlite3_column_int64(s, 0));
		if (sqlite3_step(del) != SQLITE_DONE)
			step = SQLITE_ERROR;
		sqlite3_reset(del);
	}
	if (step != SQLITE_DONE)
		rc = gic_db_fail(db, "export records");
	sqlite3_finalize(s);
	sqlite3_finalize(del);
	return g->dry ? rc : gic_tx_end(g->c, 0, rc);
}

/* Rows first: once they are gone, their objects are orphans.  A derived
 * image stays while what it was derived from stays.  A dry run notes the
 * rows in a temporary table instead (the catalog stays unlocked for
 * writers), and counts their objects as orphans. */
static int sweep(struct gc_ctx *g)
{
	struct gic_catalog *c = g->c;
	int rc = 0, began;

	/* one write transaction: no entry comes between the keep set and
	 * the delete (a dry run's tables stay for the walk below) */
	if (!g->dry && (rc = gic_tx_begin(c, 0)) < 0)
		return rc;
	/* keyed: the dry run looks each object up in gc_unused (a table
	 * without a key was indexed anew for every lookup: hours for 100k
	 * rows) */
	if (sqlite3_exec(c->db, KEEP "; " UNENTRIED "; DROP TABLE "
			 "temp.gc_keep", NULL, NULL, NULL) ||
	    sqlite3_exec(c->db, g->dry ? "CREATE TEMP TABLE gc_unused (sha256 "
			 "TEXT PRIMARY KEY); INSERT INTO temp.gc_unused "
			 UNUSED_IMAGES : "DELETE FROM images WHERE sha256 IN ("
			 UNUSED_IMAGES ")", NULL, NULL, NULL))
		rc = gic_db_fail(c->db, NULL);
	else
		g->rep->rows = (uint64_t)sqlite3_changes(c->db);
	if (!g->dry)
		rc = gic_tx_end(c, 0, rc);
	if (rc < 0 || (rc = gic_db_count(c, "SELECT count(*) FROM "
					  "temp.gc_unentried",
					  &g->rep->exported)) < 0)
		return rc;
	/* what no entry uses and gc keeps is all exports' */
	g->rep->exported -= g->rep->rows;
	/* of those, the ones exports point at themselves (the others derive
	 * from them) */
	if ((rc = gic_db_count(c, "SELECT count(*) FROM temp.gc_unentried u "
			       "WHERE u.sha256 IN (" EXPORTED ")",
			       &g->rep->exported_direct)) < 0)
		return rc;
	if ((rc = c->odb->be->clean_tmp(c->odb, g->before, g->dry, &g->rep->tmp,
					&g->rep->young_tmp, &g->rep->bytes)) < 0)
		return rc;
	if (sqlite3_prepare_v2(c->db, g->dry ? "SELECT 1 FROM images WHERE "
			       "sha256 = ?1 AND ref_path IS NULL AND NOT EXISTS "
			       "(SELECT 1 FROM temp.gc_unused u WHERE u.sha256 = "
			       "?1)" : "SELECT 1 FROM images WHERE "
			       "sha256 = ?1 AND ref_path IS NULL", -1,
			       &g->has_row, NULL))
		return gic_db_fail(c->db, NULL);
	/* a dry run, which removes nothing, looks the objects up in one
	 * read transaction (not one each: 15% of its walk in lock calls);
	 * gc itself looks each up as it is now, just before removing it */
	began = g->dry ? gic_read_begin(c) : 0;
	rc = began < 0 ? began : c->odb->be->list(c->odb, remove_orphan, g,
						   NULL, NULL);
	gic_read_end(c, began);
	sqlite3_finalize(g->has_row);
	return rc;
}

int gic_gc(struct gic_catalog *c, int64_t grace, int flags,
	   struct gic_gc_report *rep)
{
	int dry_run = !!(flags & GIC_GC_DRY_RUN);
	/* --grace 0 is every file: a file's time can be a second ahead of
	 * time(), which may read a coarser clock than the file system's */
	struct gc_ctx g = { c, NULL,
			    grace > 0 ? (int64_t)time(NULL) - grace + 1
				      : INT64_MAX,
			    dry_run, !!(flags & GIC_GC_FORGET_GONE), rep };
	int rc;

	memset(rep, 0, sizeof(*rep));
	/* a dry run beside a writer would count its uncommitted objects as
	 * garbage: it is refused like gc (but where gc could not run at all,
	 * a read-only catalog, it only reads) */
	if ((!dry_run || !c->readonly) &&
	    (rc = gic_catalog_lock_exclusive(c)) < 0)
		return rc;
	if ((rc = forget_exports(&g)) == 0)
		rc = sweep(&g);
	sqlite3_exec(c->db, "DROP TABLE IF EXISTS temp.gc_unused; DROP TABLE "
		     "IF EXISTS temp.gc_unentried; DROP TABLE IF EXISTS "
		     "temp.gc_gone; DROP TABLE IF EXISTS temp.gc_keep", NULL,
		     NULL, NULL);
	return rc;
}

int gic_catalog_space(struct gic_catalog *c, uint64_t *file, uint64_t *unused)
{
	uint64_t pages, free_pages, page;
	int rc;

	if ((rc = gic_db_count(c, "PRAGMA page_count", &pages)) < 0 ||
	    (rc = gic_db_count(c, "PRAGMA freelist_count", &free_pages)) < 0 ||
	    (rc = gic_db_count(c, "PRAGMA page_size", &page)) < 0)
		return rc;
	*file = pages * page;
	*unused = free_pages * page;
	return 0;
}

/* VACUUM copies the catalog into a temporary database and back: on disk,
 * not in memory as the connection's other temporary tables (a catalog of
 * millions of entries is gigabytes).  Its new pages sit in the WAL until a
 * checkpoint, which also truncates the file; a reader that holds the WAL
 * only delays that to its next checkpoint. */
int gic_catalog_vacuum(struct gic_catalog *c)
{
	int rc;

	if ((rc = gic_catalog_lock_exclusive(c)) < 0)
		return rc;
	if (sqlite3_exec(c->db, "PRAGMA temp_store = FILE; VACUUM", NULL, NULL,
			 NULL))
		rc = gic_db_fail(c->db, "vacuum");
	sqlite3_exec(c->db, "PRAGMA temp_store = MEMORY", NULL, NULL, NULL);
	if (rc == 0)
		sqlite3_exec(c->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL,
			     NULL, NULL);
	return rc;
}
