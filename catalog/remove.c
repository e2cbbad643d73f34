/*
 * remove.c - gic_remove: takes the entries an EXPR selects out of the
 * catalog.  The ids go to a temporary table first, so the counts and the
 * deletes see the same selection; everything happens in one transaction
 * (rolled back for a dry run, or on any failure), so a kill leaves either
 * all of the entries or none.  The images they showed stay, with their
 * objects and derivations, until gc finds that no entry uses them.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "ingest-write.h"
#include "maint.h"

/* Fills temp.rm_ids with the ids of the entries expr selects. */
static int collect(struct gic_catalog *c, const char *expr, int *errcol,
		   uint64_t *n)
{
	sqlite3_stmt *sel = NULL, *ins = NULL;
	int rc, step = SQLITE_DONE;

	if ((rc = gic_select_prepare(c, "id", expr, NULL, &sel, errcol,
				     NULL)) < 0)
		return rc;
	if (sqlite3_prepare_v2(c->db, "INSERT INTO temp.rm_ids (id) VALUES (?)",
			       -1, &ins, NULL)) {
		rc = gic_db_fail(c->db, NULL);
		goto out;
	}
	while ((step = sqlite3_step(sel)) == SQLITE_ROW) {
		sqlite3_bind_int64(ins, 1, sqlite3_column_int64(sel, 0));
		if (sqlite3_step(ins) != SQLITE_DONE)
			break;
		sqlite3_reset(ins);
		(*n)++;
	}
	if (step != SQLITE_DONE)
		rc = gic_db_fail(c->db, NULL);
out:
	sqlite3_finalize(ins);
	sqlite3_finalize(sel);
	return rc;
}

/* The images of the selected entries that no other entry shows, noted
 * once in temp.rm_left (stays NULL: gc deletes it) for the counts below.
 * GROUP BY, not DISTINCT: sorted, the hashes are looked up in entries and
 * inserted in index order (DISTINCT kept them in a B-tree of its own and
 * handed them on in id order, a random walk through both indexes). */
#define LEFT "INSERT INTO temp.rm_left (sha256) SELECT sha256 FROM (SELECT " \
	"sha256 FROM entries WHERE id IN temp.rm_ids GROUP BY sha256) g " \
	"WHERE NOT EXISTS (SELECT 1 FROM entries e WHERE e.sha256 = " \
	"g.sha256 AND e.id NOT IN temp.rm_ids)"
/* What live exports point at: gc keeps it (every record: rm does not
 * look for gone directories as gc does). */
#define EXPORTED GIC_SQL_EXPORTED("SELECT 0 WHERE 0")

/* Derived images among them with an ancestor that keeps an entry or that
 * an export points at: gc keeps them, as derivations of an image in use.
 * The walk goes up from the derived images among temp.rm_left only (its
 * index, not a list of every selected entry's hash built first). */
#define KEPT_DERIVED "WITH RECURSIVE up(d, h) AS (SELECT derived, parent " \
	"FROM derivations WHERE derived IN (SELECT sha256 FROM temp.rm_left) " \
	"UNION SELECT up.d, x.parent FROM derivations x JOIN up ON " \
	"x.derived = up.h) SELECT d FROM up WHERE EXISTS (SELECT 1 FROM " \
	"entries e WHERE e.sha256 = up.h AND e.id NOT IN temp.rm_ids) OR " \
	"up.h IN (" EXPORTED ")"

/* Derived images without an entry that gc deletes with the images left
 * (not those kept): their derivations, down to any that keeps an entry or
 * an export, less those that another ancestor still in use (one image
 * derived from two parents, one kept) or exported keeps, as gc does. */
#define DERIVED_GONE "WITH RECURSIVE down(h) AS (SELECT sha256 FROM " \
	"temp.rm_left WHERE stays IS NULL UNION SELECT x.derived FROM " \
	"derivations x JOIN down ON x.parent = down.h WHERE NOT EXISTS " \
	"(SELECT 1 FROM entries e WHERE e.sha256 = x.derived AND e.id NOT " \
	"IN temp.rm_ids) AND x.derived NOT IN (" EXPORTED ")), up(d, h) AS " \
	"(SELECT h, h FROM down UNION SELECT up.d, x.parent FROM " \
	"derivations x JOIN up ON x.derived = up.h) SELECT count(*) FROM " \
	"down WHERE h NOT IN (SELECT sha256 FROM temp.rm_left) AND h NOT " \
	"IN (SELECT d FROM up WHERE EXISTS (SELECT 1 FROM entries e WHERE " \
	"e.sha256 = up.h AND e.id NOT IN temp.rm_ids) OR up.h IN (" \
	EXPORTED "))"

/* Images stored by reference that entries left still use, with the
 * removed entries that show them: refs_read_removed's candidates.  Those
 * are the selection's images not in temp.rm_left, which is asked first,
 * before the images row of each removed entry is looked up. */
#define REFS_OF_REMOVED \
	"SELECT i.sha256, i.ref_path, e.path, e.file_id FROM entries e CROSS " \
	"JOIN images i ON i.sha256 = e.sha256 WHERE e.id IN temp.rm_ids AND " \
	"e.sha256 NOT IN (SELECT sha256 FROM temp.rm_left) AND i.storage = " \
	"'ref' AND i.ref_path IS NOT NULL ORDER BY i.sha256"

/* May ref_path (absolute) be the file of the entry at path?  By the
 * path's tail ("./A/x.png", "../A/x.png" and "A/x.png" all name
 * "/data/A/x.png"), or, through a symbolic link, by the file's identity
 * where the entry has one and the file is there.  Saying so once too
 * often costs a note; once too few, the remaining entries' image. */
static int is_file_of(const char *ref_path, const char *path,
		      const char *file_id)
{
	struct stat st;
	char now[48];

	if (gic_same_tail(ref_path, path))
		return 1;
	if (!file_id || stat(ref_path, &st) < 0)
		return 0;
	gic_file_id(&st, now);
	return gic_same_file(now, path, file_id);
}

/* The images stored by reference that entries left still use, whose file
 * is a removed entry's: the remaining entries read it. */
static int refs_read_removed(struct gic_catalog *c, uint64_t *n)
{
	sqlite3_stmt *s;
	char last[GIC_HEX_LEN + 1] = "";
	int step;

	if (sqlite3_prepare_v2(c->db, REFS_OF_REMOVED, -1, &s, NULL))
		return gic_db_fail(c->db, NULL);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		const char *hex = (const char *)sqlite3_column_text(s, 0);

		if (!hex || !strcmp(hex, last) ||
		    !is_file_of((const char *)sqlite3_column_text(s, 1),
				(const char *)sqlite3_column_text(s, 2),
				(const char *)sqlite3_column_text(s, 3)))
			continue;
		snprintf(last, sizeof(last), "%s", hex);
		(*n)++;
	}
	sqlite3_finalize(s);
	return step == SQLITE_DONE ? 0 : gic_db_fail(c->db, NULL);
}

/* Counts, then (unless dry_run) deletes; inside the transaction. */
static int remove_selected(struct gic_catalog *c, const char *expr,
			   int dry_run, int *errcol,
			   struct gic_remove_report *rep)
{
	static const char fetched[] = "FROM fetches WHERE EXISTS (SELECT 1 "
		"FROM entries e JOIN temp.rm_ids r ON r.id = e.id WHERE "
		"e.dataset = fetches.dataset AND e.path = fetches.url AND "
		"e.source = fetches.url)";
	char sql[512];
	int rc;

	if (sqlite3_exec(c->db, "CREATE TEMP TABLE rm_ids (id INTEGER PRIMARY "
			 "KEY); CREATE TEMP TABLE rm_left (sha256 TEXT PRIMARY "
			 "KEY, stays TEXT) WITHOUT ROWID", NULL, NULL, NULL))
		return gic_db_fail(c->db, NULL);
	if ((rc = collect(c, expr, errcol, &rep->entries)) < 0)
		return rc;
	/* why gc keeps one: derived from an image in use, or exported */
	if (sqlite3_exec(c->db, LEFT "; UPDATE temp.rm_left SET stays = "
			 "'derived' WHERE sha256 IN (" KEPT_DERIVED "); UPDATE "
			 "temp.rm_left SET stays = 'exported' WHERE stays IS "
			 "NULL AND sha256 IN (" EXPORTED ")", NULL, NULL, NULL))
		return gic_db_fail(c->db, NULL);
	if ((rc = gic_db_count(c, "SELECT count(*) FROM temp.rm_left",
			       &rep->images_left)) < 0 ||
	    (rc = gic_db_count(c, "SELECT count(*) FROM temp.rm_left WHERE "
			       "stays = 'derived'", &rep->images_kept)) < 0 ||
	    (rc = gic_db_count(c, "SELECT count(*) FROM temp.rm_left WHERE "
			       "stays = 'exported'", &rep->images_exported)) < 0 ||
	    (rc = gic_db_count(c, DERIVED_GONE, &rep->derived_gone)) < 0)
		return rc;
	snprintf(sql, sizeof(sql), "SELECT count(*) %s", fetched);
	if ((rc = gic_db_count(c, sql, &rep->fetches)) < 0 ||
	    (rc = refs_read_removed(c, &rep->refs_read_removed)) < 0 ||
	    dry_run)
		return rc;
	snprintf(sql, sizeof(sql), "DELETE %s", fetched);
	if (sqlite3_exec(c->db, sql, NULL, NULL, NULL) ||
	    sqlite3_exec(c->db, "DELETE FROM entries WHERE id IN temp.rm_ids",
			 NULL, NULL, NULL))
		return gic_db_fail(c->db, NULL);
	return 0;
}

int gic_remove(struct gic_catalog *c, const char *expr, int dry_run,
	       int *errcol, struct gic_remove_report *rep)
{
	int rc;

	*rep = (struct gic_remove_report){ 0 };
	if (gic_blank(expr)) /* not "every entry": a script's empty $VAR */
		return gic_seterr(GIC_EUSAGE, "EXPR is blank: say which entries "
				  "to remove");
	if ((rc = gic_tx_begin(c, dry_run)) < 0)
		return rc;
	rc = gic_tx_end(c, dry_run, remove_selected(c, expr, dry_run, errcol,
						    rep));
	sqlite3_exec(c->db, "DROP TABLE IF EXISTS temp.rm_ids; DROP TABLE IF "
		     "EXISTS temp.rm_left", NULL, NULL, NULL);
	if (rc < 0 && !dry_run)
		*rep = (struct gic_remove_report){ 0 };
	return rc;
}
