/*
 * move.c - gic_move: renames the paths of the entries under a prefix, for
 * a tree that moved, in one transaction.  The prefix is matched as text up
 * to a '/' ("old" takes "old/x.png", not "oldish.png"), through bound
 * parameters; fetched entries keep their paths, which are their URLs.
 * An image stored by reference whose file moved with the tree follows it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "ingest-write.h"
#include "maint.h"

/* The entries of ?1 (path prefix), ?3 (dataset or NULL), of table alias
 * t, in a statement that starts with DATASETS: a range of the (dataset,
 * path) index in each dataset ('0' follows '/'), not a scan of every
 * entry; ?2 is the new prefix, NEW_PATH the path an entry gets. */
#define UNDER_OF(t) t "dataset IN (SELECT d FROM ds) AND " t "path >= ?1 " \
	"AND " t "path < ?1 || '0' AND " GIC_SQL_UNDER(t "path", "?1")
#define UNDER UNDER_OF("")
/* The same entries found by reading every entry: faster where they are
 * most of them, the range then adding a lookup of each entry's row. */
#define UNDER_SCAN GIC_SQL_UNDER("path", "?1") " AND (?3 IS NULL OR " \
	"dataset = ?3)"
/* A statement over UNDER and over UNDER_SCAN, as an array of the two. */
#define BOTH(SQL) { SQL(UNDER), SQL(UNDER_SCAN) }
#define NEW_PATH_OF(t) "?2 || substr(" t "path, length(?1) + 1)"
#define NEW_PATH NEW_PATH_OF("")

/* Prepares sql with from, to and dataset bound to ?1, ?2, ?3. */
static int prepare(struct gic_catalog *c, const char *sql, const char *from,
		   const char *to, const char *dataset, sqlite3_stmt **s)
{
	if (sqlite3_prepare_v2(c->db, sql, -1, s, NULL))
		return gic_db_fail(c->db, NULL);
	sqlite3_bind_text(*s, 1, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(*s, 2, to, -1, SQLITE_STATIC);
	if (dataset)
		sqlite3_bind_text(*s, 3, dataset, -1, SQLITE_STATIC);
	return 0;
}

/* Steps s once and finalizes it: 1 for a row (read by take first), 0 for
 * none, or the failure. */
static int step_once(struct gic_catalog *c, sqlite3_stmt *s,
		     void (*take)(sqlite3_stmt *s, struct gic_move_report *rep),
		     struct gic_move_report *rep)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW && take)
		take(s, rep);
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return gic_db_fail(c->db, NULL);
	return rc == SQLITE_ROW;
}

static void take_rejects(sqlite3_stmt *s, struct gic_move_report *rep)
{
	rep->rejects = (uint64_t)sqlite3_column_int64(s, 0);
}

static void take_counts(sqlite3_stmt *s, struct gic_move_report *rep)
{
	rep->entries = (uint64_t)sqlite3_column_int64(s, 0);
	rep->fetched = (uint64_t)sqlite3_column_int64(s, 1);
}

static void take_clash(sqlite3_stmt *s, struct gic_move_report *rep)
{
	snprintf(rep->clash_path, sizeof(rep->clash_path), "%s",
		 sqlite3_column_text(s, 0));
	snprintf(rep->clash_to, sizeof(rep->clash_to), "%s",
		 sqlite3_column_text(s, 1));
	snprintf(rep->clash_dataset, sizeof(rep->clash_dataset), "%s",
		 sqlite3_column_text(s, 2));
}

static void take_other(sqlite3_stmt *s, struct gic_move_report *rep)
{
	take_clash(s, rep);
	snprintf(rep->clash_other, sizeof(rep->clash_other), "%s",
		 sqlite3_column_text(s, 3));
}

/* The datasets (only ?3 when given), from the (dataset, path) index one
 * step at a time: a handful of lookups, not a scan of every entry. */
#define DATASETS "WITH RECURSIVE ds(d) AS (SELECT min(dataset) FROM " \
	"entries WHERE ?3 IS NULL OR dataset = ?3 UNION ALL SELECT (SELECT " \
	"min(dataset) FROM entries WHERE dataset > d AND (?3 IS NULL OR " \
	"dataset = ?3)) FROM ds WHERE d IS NOT NULL) "
/* The paths under P + "/" ('0' follows '/'), of column C. */
#define BELOW(C, P) C " > " P " || '/' AND " C " < " P " || '0'"

/* Runs sql (with ?4 bound to p when not NULL) for a clash of kind k. */
static int clash(struct gic_catalog *c, const char *sql, const char *from,
		 const char *to, const char *dataset, const char *p, int k,
		 struct gic_move_report *rep)
{
	sqlite3_stmt *s;
	int rc;

	if ((rc = prepare(c, sql, from, to, dataset, &s)) < 0)
		return rc;
	if (p)
		sqlite3_bind_text(s, 4, p, -1, SQLITE_STATIC);
	rep->clash_kind = k;
	return step_once(c, s, take_other, rep);
}

/*
 * A moved entry whose new path would lie under the file of an entry that
 * stays, or be the path of a directory of entries that stay: one path a
 * file and a directory at once.  1 (rep->clash_* set) when there is one.
 * The files: TO or a directory above it (each checked), or one below TO
 * whose counterpart below FROM is a directory of moved entries; the
 * directories: those below TO (a moved file becomes TO itself, or moved
 * files land there), looked for only when anything stays below TO.
 */
static int file_and_dir(struct gic_catalog *c, const char *from,
			const char *to, const char *dataset, int scan,
			struct gic_move_report *rep)
{
#define OVER(U) DATASETS "SELECT path, ?2 || substr(path, length(?1) + " \
	"1), dataset, g FROM (SELECT path, dataset, (SELECT f.path FROM " \
	"entries f WHERE f.dataset = e.dataset AND " BELOW("f.path", "?2 || " \
	"substr(e.path, length(?1) + 1)") " ORDER BY f.path LIMIT 1) AS g " \
	"FROM entries e WHERE " U " AND source IS NULL AND EXISTS (SELECT 1 " \
	"FROM ds JOIN entries f ON f.dataset = ds.d AND " BELOW("f.path", \
	"?2") ")) WHERE g IS NOT NULL ORDER BY path LIMIT 1"
	static const char *const over[2] = BOTH(OVER);
	char p[4096];
	int rc = 0;

	for (size_t i = 1; rc == 0 && i <= strlen(to); i++) {
		if (to[i] != '/' && to[i])
			continue;
		snprintf(p, sizeof(p), "%.*s", (int)i, to);
		/* at TO itself only what lay below FROM goes below it */
		rc = clash(c, DATASETS "SELECT m, ?2 || substr(m, length(?1) "
			   "+ 1), d, ?4 FROM (SELECT d, (SELECT path FROM "
			   "entries WHERE dataset = d AND " UNDER " AND source "
			   "IS NULL AND (?4 != ?2 OR path != ?1) ORDER BY path "
			   "LIMIT 1) AS m FROM ds WHERE d IS NOT NULL AND EXISTS "
			   "(SELECT 1 FROM entries WHERE dataset = d AND path = "
			   "?4)) WHERE m IS NOT NULL ORDER BY d LIMIT 1", from,
			   to, dataset, p, GIC_CLASH_UNDER, rep);
	}
	if (rc == 0)
		rc = clash(c, DATASETS "SELECT e.path, ?2 || substr(e.path, "
			   "length(?1) + 1), e.dataset, f.path FROM ds JOIN "
			   "entries f ON f.dataset = ds.d AND " BELOW("f.path",
			   "?2") " JOIN entries e ON e.dataset = f.dataset AND "
			   BELOW("e.path", "?1 || substr(f.path, length(?2) + "
			   "1)") " AND e.source IS NULL ORDER BY f.path, e.path "
			   "LIMIT 1", from, to, dataset, NULL, GIC_CLASH_UNDER,
			   rep);
	if (rc == 0)
		rc = clash(c, over[scan], from, to, dataset, NULL,
			   GIC_CLASH_OVER, rep);
	return rc;
}

/* The images stored by reference of the entries under ?1, the file each
 * entry will have (relative to here, as paths are kept), and where the
 * image's bytes are recorded to be; an image's entries together. */
#define REFS_UNDER DATASETS "SELECT i.sha256, " NEW_PATH_OF("e.") ", " \
	"i.ref_path, i.ref_size, i.ref_mtime_ns FROM entries e CROSS JOIN " \
	"images i ON i.sha256 = e.sha256 WHERE " UNDER_OF("e.") " AND " \
	"e.source IS NULL AND i.storage = 'ref' AND i.ref_path IS NOT NULL " \
	"ORDER BY i.sha256"

/* Where an image stored by reference now has its bytes: 1 (*now set) at
 * a moved entry's new file, 0 where it was, -1 nowhere known. */
static int ref_now(sqlite3_stmt *s, char **now)
{
	struct stat st;

	*now = NULL;
	if (stat((const char *)sqlite3_column_text(s, 2), &st) == 0 ||
	    (errno != ENOENT && errno != ENOTDIR))
		return 0;  /* there still (or unreadable: verify says) */
	/* the entry's new file, absolute as ingest records a ref */
	*now = realpath((const char *)sqlite3_column_text(s, 1), NULL);
	return *now && gic_ref_intact(*now, sqlite3_column_int64(s, 3),
				      sqlite3_column_int64(s, 4)) ? 1 : -1;
}

/* Before the entries under FROM move: each image stored by reference whose
 * recorded file is gone and one of whose moved entries' files is intact
 * at its new path (the tree moved on disk first, as mv expects) is
 * pointed there, as 'ingest --mode ref' from there would, but without
 * reading it again (verify --full does). */
static int follow_refs(struct gic_catalog *c, const char *from,
		       const char *to, const char *dataset, int dry_run,
		       struct gic_move_report *rep)
{
	sqlite3_stmt *s, *u = NULL;
	char last[GIC_HEX_LEN + 1] = "";
	int rc = 0, step = SQLITE_DONE, state = 0;  /* last's: as ref_now */
	uint64_t any;

	/* none in the catalog (ingested in copy or link mode): one scan of
	 * images says so, where REFS_UNDER looks up the image of every entry
	 * under FROM (1.0 of mv --dry-run's 1.9 s, 400,000 entries moved) */
	if ((rc = gic_db_count(c, "SELECT EXISTS (SELECT 1 FROM images WHERE "
			       "storage = 'ref' AND ref_path IS NOT NULL)",
			       &any)) < 0 || !any)
		return rc;
	if ((rc = prepare(c, REFS_UNDER, from, to, dataset, &s)) < 0)
		return rc;
	if (!dry_run && sqlite3_prepare_v2(c->db, "UPDATE images SET ref_path "
					   "= ?2 WHERE sha256 = ?1", -1, &u,
					   NULL)) {
		sqlite3_finalize(s);
		return gic_db_fail(c->db, NULL);
	}
	while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW) {
		const char *hex = (const char *)sqlite3_column_text(s, 0);
		char *now;

		if (strcmp(hex, last)) {
			rep->refs_lost += state < 0;
			snprintf(last, sizeof(last), "%s", hex);
		} else if (state >= 0) {
			continue;  /* decided by an entry before */
		}
		if ((state = ref_now(s, &now)) > 0) {
			rep->refs_followed++;
			if (u) {
				sqlite3_bind_text(u, 1, hex, -1, SQLITE_STATIC);
				sqlite3_bind_text(u, 2, now, -1, SQLITE_STATIC);
				if (sqlite3_step(u) != SQLITE_DONE)
					rc = gic_db_fail(c->db, NULL);
				sqlite3_reset(u);
			}
		}
		free(now);
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = gic_db_fail(c->db, NULL);
	rep->refs_lost += rc == 0 && state < 0;
	sqlite3_finalize(s);
	sqlite3_finalize(u);
	return rc;
}

/* The entries under FROM that would get a path over the 4095 bytes ingest
 * takes, that would get the path of an entry that stays (FROM and TO do
 * not overlap, so one stays there), and their renaming. */
#define LONG(U) DATASETS "SELECT path, " NEW_PATH ", dataset FROM entries " \
	"WHERE " U " AND source IS NULL AND length(CAST(" NEW_PATH " AS " \
	"BLOB)) > 4095 ORDER BY path LIMIT 1"
#define TAKEN(U) DATASETS "SELECT path, " NEW_PATH ", dataset FROM " \
	"entries e WHERE " U " AND source IS NULL AND EXISTS (SELECT 1 FROM " \
	"entries f WHERE f.dataset = e.dataset AND f.path = " \
	NEW_PATH_OF("e.") ") ORDER BY path LIMIT 1"
/* An absolute new path is of no working directory (bases). */
#define NEW_BASE "base = CASE WHEN " NEW_PATH " GLOB '/*' THEN NULL ELSE " \
	"base END"
#define RENAME(U) DATASETS "UPDATE entries SET path = " NEW_PATH ", " \
	NEW_BASE " WHERE " U " AND source IS NULL"
/* The rejects under FROM (of no dataset: any --dataset's tree held
 * them), which move with the files; one at a path taken goes.  A URL
 * fetch refused stays, as fetched entries do. */
#define REJECTS_UNDER "path >= ?1 AND path < ?1 || '0' AND " \
	GIC_SQL_UNDER("path", "?1") " AND path NOT GLOB 'http://*' AND " \
	"path NOT GLOB 'https://*'"

/* Whether the entries under FROM (rep->entries, counted) are so many of
 * all that reading every entry finds them sooner: 1 for UNDER_SCAN. */
static int scan_all(struct gic_catalog *c, const struct gic_move_report *rep,
		    int *scan)
{
	uint64_t ids;
	int rc = gic_db_count(c, "SELECT coalesce(max(id), 0) FROM entries",
			      &ids);

	*scan = (rep->entries + rep->fetched) * 4 > ids;
	return rc;
}

/* Counts, looks for a clash, then (unless dry_run) renames. */
static int move_under(struct gic_catalog *c, const char *from, const char *to,
		      const char *dataset, int dry_run,
		      struct gic_move_report *rep)
{
	static const char *const long_sql[2] = BOTH(LONG),
		*const taken[2] = BOTH(TAKEN), *const rename_sql[2] =
		BOTH(RENAME);
	sqlite3_stmt *s;
	int rc, scan;

	if ((rc = prepare(c, DATASETS "SELECT count(*) FILTER (WHERE source "
			  "IS NULL), count(*) FILTER (WHERE source IS NOT "
			  "NULL) FROM entries WHERE " UNDER, from, to, dataset,
			  &s)) < 0 ||
	    (rc = step_once(c, s, take_counts, rep)) < 0 ||
	    (rc = prepare(c, "SELECT count(*) FROM rejects WHERE "
			  REJECTS_UNDER, from, to, NULL, &s)) < 0 ||
	    (rc = step_once(c, s, take_rejects, rep)) < 0 ||
	    (rc = scan_all(c, rep, &scan)) < 0)
		return rc;
	/* a file moved to "/" would have the empty path */
	if (!*to && (rc = prepare(c, "SELECT path, '/', dataset FROM entries "
				  "WHERE path = ?1 AND (?3 IS NULL OR dataset "
				  "= ?3) AND source IS NULL LIMIT 1", from, to,
				  dataset, &s)) == 0 &&
	    (rc = step_once(c, s, take_clash, rep)) != 0)
		return rc < 0 ? rc : gic_seterr(GIC_EUSAGE, "'%s' is the path "
						"of a file: it cannot become "
						"'/'", rep->clash_path);
	if (rc < 0)
		return rc;
	if ((rc = prepare(c, long_sql[scan], from, to, dataset, &s)) < 0 ||
	    (rc = step_once(c, s, take_clash, rep)) != 0)
		return rc < 0 ? rc : gic_seterr(GIC_EUSAGE, "'%s' would get a "
						"path over the 4095-byte limit",
						rep->clash_path);
	if ((rc = prepare(c, taken[scan], from, to, dataset, &s)) < 0 ||
	    (rc = step_once(c, s, take_clash, rep)) != 0 ||
	    (rc = file_and_dir(c, from, to, dataset, scan, rep)) != 0 ||
	    (rc = follow_refs(c, from, to, dataset, dry_run, rep)) < 0 ||
	    dry_run)
		return rc;
	if ((rc = prepare(c, rename_sql[scan], from, to, dataset, &s)) < 0 ||
	    (rc = step_once(c, s, NULL, rep)) < 0 ||
	    (rep->rejects && ((rc = prepare(c, "UPDATE OR REPLACE rejects SET "
					    "path = " NEW_PATH ", " NEW_BASE
					    " WHERE " REJECTS_UNDER, from, to,
					    NULL, &s)) < 0 ||
			      (rc = step_once(c, s, NULL, rep)) < 0)))
		return rc;
	return 0;
}

int gic_move(struct gic_catalog *c, const char *from, const char *to,
	     const char *dataset, int dry_run, struct gic_move_report *rep)
{
	char f[4096], t[4096];
	size_t nf, nt;
	int rc;

	memset(rep, 0, sizeof(*rep));
	/* no entry's path is that long, nor may one become so */
	if (strlen(from) >= sizeof(f) || strlen(to) >= sizeof(t))
		return gic_seterr(GIC_EUSAGE, "%s is over the 4095-byte limit "
				  "of a path", strlen(to) >= sizeof(t) ? "TO" :
				  "FROM");
	snprintf(f, sizeof(f), "%s", from);
	snprintf(t, sizeof(t), "%s", to);
	if (!*from || !*to)
		return gic_seterr(GIC_EUSAGE, "FROM and TO may not be empty");
	/* without trailing '/'s: the root directory "/" becomes "", the
	 * prefix of every absolute path ("" || "/x.png") */
	for (nf = strlen(f); nf > 0 && f[nf - 1] == '/'; )
		f[--nf] = '\0';
	for (nt = strlen(t); nt > 0 && t[nt - 1] == '/'; )
		t[--nt] = '\0';
	/* and TO without repeated ones: new paths spelt as ingest of a
	 * tidy argument spells them, so that FROM finds them later */
	for (size_t i = 0, j = 0; i <= nt; i++)
		if (i == 0 || t[i] != '/' || t[i - 1] != '/')
			t[j++] = t[i];
	if (gic_path_within(f, t) || gic_path_within(t, f))
		return gic_seterr(GIC_EUSAGE, "'%s' and '%s' overlap: move "
				  "through a third name", from, to);
	if ((rc = gic_tx_begin(c, dry_run)) < 0)
		return rc;
	rc = gic_tx_end(c, dry_run, move_under(c, f, t, dataset, dry_run, rep));
	if (rc != 0)
		rep->entries = 0;
	return rc;
}
