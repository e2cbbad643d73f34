/*
 * verify.c - checking that the catalog and the object store agree (gc.c
 * removes what nothing references).
 *
 * Problems (a missing or corrupt object, a ref'd file that changed, a
 * failed integrity check) are reported one by one through a callback;
 * orphan objects and temporary files are what an interrupted ingest leaves
 * behind, so they are counted as harmless rather than reported.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "maint.h"

/* A problem line: a path of up to 4095 bytes and the words around it. */
#define GIC_MAX_WHY 4608

struct ctx {
	struct gic_catalog *c;
	void (*on_problem)(void *arg, const char *subject, const char *why);
	void *arg;
	struct gic_verify_report *rep;
	sqlite3_stmt *has_row;
	uint64_t done, total;   /* images, then store files: twice images */
	int store;              /* 1 there, -1 gone (said once), 0 not seen */
	int damaged;            /* catalog.db stopped a check: rows unsure */
};

/* total is 0 (not counted) without a progress hook: nothing to say */
static void step(struct ctx *x)
{
	if (x->done < x->total)
		gic_progress(x->c, "verify", ++x->done, x->total);
}

static void problem(struct ctx *x, const char *subject, const char *why)
{
	x->rep->problems++;
	x->on_problem(x->arg, subject, why);
}

/* Ends check what (a PRAGMA stepped to rc) and finalizes s.  Damage the
 * check cannot get past (integrity_check reading a broken index page) is
 * what it looks for: a problem, and the rest of verify goes on. */
static int check_end(struct ctx *x, sqlite3_stmt *s, int rc, const char *what)
{
	char line[512];

	if ((rc & 0xff) == SQLITE_CORRUPT) {
		snprintf(line, sizeof(line), "%s stopped: %s", what,
			 sqlite3_errmsg(x->c->db));
		problem(x, "catalog.db", line);
		x->damaged = 1;
		rc = SQLITE_DONE;
	} else if (rc != SQLITE_DONE) {
		rc = gic_seterr(GIC_EDB, "%s failed: %s", what,
				sqlite3_errmsg(x->c->db));
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : rc;
}

/* Runs integrity_check or quick_check: each row is a problem ("ok" means
 * none), and one row may hold several lines, each a problem of its own
 * but the "*** in database main ***" that heads them. */
static int integrity(struct ctx *x, const char *pragma)
{
	sqlite3_stmt *s;
	char sql[64], line[512];
	int rc;

	snprintf(sql, sizeof(sql), "PRAGMA %s", pragma);
	if (sqlite3_prepare_v2(x->c->db, sql, -1, &s, NULL))
		return gic_seterr(GIC_EDB, "%s: %s", sql, sqlite3_errmsg(x->c->db));
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(s, 0);

		for (size_t n; t && *t && strcmp(t, "ok"); t += n + (t[n] != 0)) {
			n = strcspn(t, "\n");
			snprintf(line, sizeof(line), "%.*s", (int)n, t);
			if (n && strncmp(line, "*** in database ", 16))
				problem(x, "catalog.db", line);
		}
	}
	return check_end(x, s, rc, pragma);
}

/* foreign_key_check: a row (table, rowid, parent, fk) per dangling
 * reference. */
static int foreign_keys(struct ctx *x)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(x->c->db, "PRAGMA foreign_key_check", -1, &s,
			       NULL))
		return gic_seterr(GIC_EDB, "foreign_key_check: %s",
				  sqlite3_errmsg(x->c->db));
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		char why[512];

		snprintf(why, sizeof(why), "row %lld of %s refers to a missing "
			 "row of %s", (long long)sqlite3_column_int64(s, 1),
			 (const char *)sqlite3_column_text(s, 0),
			 (const char *)sqlite3_column_text(s, 2));
		problem(x, "catalog.db", why);
	}
	return check_end(x, s, rc, "foreign_key_check");
}

/* why: what, then how to make hex again when it is a derived image (a
 * damaged one is replaced as a missing one is); -1 when it is none. */
static int derived_from(struct ctx *x, const char *hex, char *why, size_t n,
			const char *what)
{
	sqlite3_stmt *s = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(x->c->db, "SELECT parent, ops FROM derivations "
			       "WHERE derived = ? ORDER BY parent, ops LIMIT 1",
			       -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, hex, -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW) {
			const char *parent =
				(const char *)sqlite3_column_text(s, 0);
			char *bytes = NULL; /* the parent's object or ref file */
			struct stat st;
			int gone = gic_image_path(x->c, parent, &bytes) < 0 ||
				   stat(bytes, &st) < 0;

			free(bytes);
			snprintf(why, n, "%s; a derived image: %s'gicat degrade "
				 "\"%s\" %s >/dev/null' makes it again", what,
				 gone ? "its parent's bytes are not there either: "
				 "once they are mended, " : "",
				 (const char *)sqlite3_column_text(s, 1), parent);
			rc = 0;
		}
	}
	sqlite3_finalize(s);
	return rc;
}

/* The path of an entry that shows the image, to name in the remedy: an
 * ingested one before a fetched one (whose path is its URL), and among
 * the first few, one whose file is still there with the image's size
 * (paths are as given to ingest: relative ones hold from where it ran).
 * malloc'd; NULL when none or out of memory. */
static char *example_path(struct ctx *x, const char *hex)
{
	sqlite3_stmt *s = NULL;
	char *first = NULL, *found = NULL;

	if (sqlite3_prepare_v2(x->c->db, "SELECT e.path, i.bytes FROM entries "
			       "e JOIN images i ON i.sha256 = e.sha256 WHERE "
			       "e.sha256 = ? ORDER BY e.source IS NOT NULL, "
			       "e.id LIMIT 16", -1, &s, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(s, 1, hex, -1, SQLITE_STATIC);
	while (!found && sqlite3_step(s) == SQLITE_ROW) {
		const char *p = (const char *)sqlite3_column_text(s, 0);
		struct stat st;

		if (!first)
			first = strdup(p);
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode) &&
		    st.st_size == sqlite3_column_int64(s, 1))
			found = strdup(p);
	}
	sqlite3_finalize(s);
	if (!found)
		return first;
	free(first);
	return found;
}

/*
 * An object problem names the entries that show the image and how to
 * mend it: ingesting a good copy again puts a missing or resized object
 * back; with --repair, the put also re-hashes an object of the right size
 * and replaces it when damaged.
 */
static void object_problem(struct ctx *x, const char *hex, const char *what,
			   int repair)
{
	char why[GIC_MAX_WHY];
	sqlite3_stmt *s = NULL;
	long long n = 0;
	char *path = NULL;
	int fetched = 0;

	if (sqlite3_prepare_v2(x->c->db, "SELECT count(*), min(source IS NOT "
			       "NULL) FROM entries WHERE sha256 = ?1", -1, &s,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, hex, -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW) {
			n = sqlite3_column_int64(s, 0);
			fetched = sqlite3_column_int(s, 1);
		}
	}
	if (n > 0)
		path = example_path(x, hex);
	/* a fetched entry's path is its URL: a re-fetch skips it as done,
	 * but a downloaded copy ingested from any path puts the object back */
	if (n > 0 && path)
		snprintf(why, sizeof(why), "%s; %lld %s, %s'%s': %s%s", what, n,
			 n == 1 ? "entry" : "entries", n == 1 ? "" : "e.g. ", path,
			 fetched ? "download it and ingest the file" :
			 "restore that file and ingest it again",
			 repair ? " with --repair" : "");
	else if (derived_from(x, hex, why, sizeof(why), what) < 0)
		snprintf(why, sizeof(why), "%s; no entry uses it (gicat gc "
			 "removes it)", what);
	sqlite3_finalize(s);
	free(path);
	problem(x, hex, why);
}

static void check_object(struct ctx *x, const char *hex, int64_t bytes,
			 int full)
{
	unsigned char *buf = NULL;
	uint64_t size = 0;
	size_t len;
	char why[256], got[GIC_HEX_LEN + 1];
	int rc, writable = 0;

	x->rep->objects_checked++;
	if ((rc = x->c->odb->be->stat(x->c->odb, hex, &size, &writable)) ==
	    GIC_EACCESS)
		goto no_access;
	if (rc < 0) {
		/* or not a file (a directory, a link put there), or not to
		 * be looked at: the backend's message says which */
		snprintf(why, sizeof(why), "%s", rc == GIC_ENOTFOUND ?
			 "object is missing from the store" : gic_errmsg());
		x->rep->missing += rc == GIC_ENOTFOUND;
		object_problem(x, hex, why, 0);
		return;
	}
	if (writable && !x->rep->writable++)  /* not damage: a risk of it */
		snprintf(x->rep->writable_first, sizeof(x->rep->writable_first),
			 "%s", hex);
	if ((int64_t)size != bytes) {
		snprintf(why, sizeof(why), "object has %llu bytes, catalog says %lld",
			 (unsigned long long)size, (long long)bytes);
		object_problem(x, hex, why, 0);
		return;
	}
	if (!full)
		return;
	/* read and hashed here, not by gic_image_read: the hash is the
	 * line's subject, and its message would name it again */
	why[0] = '\0';
	if ((rc = x->c->odb->be->get(x->c->odb, hex, &buf, &len)) ==
	    GIC_EACCESS)
		goto no_access;
	if (rc < 0)
		snprintf(why, sizeof(why), "%s", gic_errmsg());
	else if (gic_sha256_hex(buf, len, got) == 0 && strcmp(got, hex))
		snprintf(why, sizeof(why), "object is corrupt (hash %s)", got);
	if (why[0])
		object_problem(x, hex, why, 1);
	free(buf);
	return;
no_access:  /* not damage: ingesting it again would not mend it */
	problem(x, hex, "this user may not read the object (Permission "
		"denied): fix the store's permissions, or run verify as its "
		"owner");
}

/* what a ref'd file whose bytes changed asks of the user: its entries
 * point at the image it held, which ingest --mode ref moves to what it
 * holds now (the old image is then gc's) */
#define REF_CHANGED_REMEDY ": restore it, or ingest it again with %s to " \
	"catalogue what it holds now"

/* err: the errno it failed with, when known (0: msg says it all) */
static void unreadable_ref(struct ctx *x, const char *path, int err,
			   const char *msg)
{
	char why[GIC_MAX_WHY];

	snprintf(why, sizeof(why), "referenced file cannot be read: %s%s", msg,
		 err == EACCES ? " (fix its permissions, or run verify as a "
		 "user who may read it)" : "");
	problem(x, path, why);
}

/*
 * A ref'd file of another size changed; one whose mtime alone moved (a
 * touch, a copy that kept the bytes) may not have.  The quick check says
 * which; full re-hashes every ref'd file of the recorded size, so a
 * touched file whose bytes are intact is no problem.
 */
static void check_ref(struct ctx *x, const char *hex, const char *path,
		      int64_t size, int64_t mtime_ns, int full,
		      const char *dataset)
{
	char got[GIC_HEX_LEN + 1], why[GIC_MAX_WHY], word[1024], how[1100];
	struct stat st;

	/* the dataset too: ingest would name another after the folder */
	gic_shell_word(dataset, word, sizeof(word));
	snprintf(how, sizeof(how), "--mode ref --dataset %s", word);
	x->rep->refs_checked++;
	if (stat(path, &st) < 0) {
		if (errno == ENOENT) {
			snprintf(why, sizeof(why), "referenced file is gone "
				 "(moved? 'gicat mv' its tree, or ingest it "
				 "from where it is now with %s)", how);
			problem(x, path, why);
			return;
		}
		unreadable_ref(x, path, errno, strerror(errno));
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		problem(x, path, "referenced file is no longer a regular file "
			"(ingest the image again)");
		return;
	}
	/* stat needs no read permission: cat and split would */
	if (faccessat(AT_FDCWD, path, R_OK, AT_EACCESS) < 0) {
		unreadable_ref(x, path, errno, strerror(errno));
		return;
	}
	if (st.st_size != size) {
		snprintf(why, sizeof(why), "content changed since ingest: %lld "
			 "bytes, catalog says %lld" REF_CHANGED_REMEDY,
			 (long long)st.st_size, (long long)size, how);
		problem(x, path, why);
	} else if (full) {
		if (gic_sha256_at(AT_FDCWD, path, got) < 0)
			unreadable_ref(x, path, 0, gic_errmsg());
		else if (strcmp(got, hex)) {
			snprintf(why, sizeof(why), "content changed since ingest "
				 "(hash %s)" REF_CHANGED_REMEDY, got, how);
			problem(x, path, why);
		} else if (gic_ns(&st.st_mtim) != mtime_ns && !x->rep->touched++)
			snprintf(x->rep->touched_first,
				 sizeof(x->rep->touched_first), "%s", path);
	} else if (gic_ns(&st.st_mtim) != mtime_ns) {
		snprintf(why, sizeof(why), "mtime changed since ingest (size "
			 "did not): 'gicat verify --full' re-hashes it; "
			 "ingesting it again with %s records the new mtime",
			 how);
		problem(x, path, why);
	}
}

/* With --full, the store's objects and the ref'd files in the order
 * check_images reads them, read ahead by threads; NULL without (or when
 * out of memory: slower, not wrong). */
static struct gic_odb_prefetch *read_ahead(struct ctx *x, int full)
{
	struct gic_odb_prefetch *p = full ? gic_odb_prefetch_new(x->c->odb) :
				     NULL;
	sqlite3_stmt *s = NULL;
	int rc = p ? SQLITE_ROW : SQLITE_DONE;

	if (p && sqlite3_prepare_v2(x->c->db, "SELECT sha256, ref_path FROM "
				    "images i WHERE ref_path IS NULL OR EXISTS "
				    "(SELECT 1 FROM entries e WHERE e.sha256 = "
				    "i.sha256) ORDER BY sha256", -1, &s, NULL))
		rc = SQLITE_ERROR;
	while (rc == SQLITE_ROW && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *ref = (const char *)sqlite3_column_text(s, 1);

		if ((ref ? gic_odb_prefetch_add_file(p, ref) :
		     gic_odb_prefetch_add(p, (const char *)
					  sqlite3_column_text(s, 0))) < 0)
			rc = SQLITE_NOMEM;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		gic_odb_prefetch_stop(p);
		return NULL;
	}
	if (p)
		gic_odb_prefetch_start(p, GIC_DISK_READS);
	return p;
}

/* Is the store there to check objects in?  Gone (a disk not mounted),
 * that is one problem, not one for each of its objects. */
static int store_there(struct ctx *x)
{
	char why[GIC_MAX_WHY];

	if (x->store)
		return x->store > 0;
	x->store = x->c->odb->be->reachable(x->c->odb) < 0 ? -1 : 1;
	if (x->store < 0) {
		snprintf(why, sizeof(why), "%s: no object in it is checked",
			 gic_errmsg());
		problem(x, "objects", why);
	}
	return x->store > 0;
}

static int check_images(struct ctx *x, int full)
{
	struct gic_odb_prefetch *ahead = read_ahead(x, full);
	size_t files = 0;       /* read by now: objects and ref'd files */
	sqlite3_stmt *s;
	int rc;

	/* a ref image no entry uses is gc's: its file is nobody's concern
	 * (an entry is looked up for ref images only) */
	if (sqlite3_prepare_v2(x->c->db, "SELECT sha256, bytes, ref_path, "
			       "ref_size, ref_mtime_ns, CASE WHEN ref_path IS "
			       "NOT NULL THEN (SELECT dataset FROM entries e "
			       "WHERE e.sha256 = i.sha256 LIMIT 1) END FROM "
			       "images i ORDER BY sha256", -1, &s, NULL)) {
		gic_odb_prefetch_stop(ahead);
		return gic_db_fail(x->c->db, NULL);
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *hex = (const char *)sqlite3_column_text(s, 0);
		const char *ref = (const char *)sqlite3_column_text(s, 2);
		const char *dataset = (const char *)sqlite3_column_text(s, 5);

		x->rep->images++;
		step(x);
		if (ref && dataset) {
			gic_odb_prefetch_at(ahead, files++);
			check_ref(x, hex, ref, sqlite3_column_int64(s, 3),
				  sqlite3_column_int64(s, 4), full, dataset);
		} else if (!ref && store_there(x)) {
			gic_odb_prefetch_at(ahead, files++);
			check_object(x, hex, sqlite3_column_int64(s, 1), full);
		}
	}
	gic_odb_prefetch_stop(ahead);
	return check_end(x, s, rc, "reading images");
}

static int count_orphan(const char *hex, void *arg)
{
	struct ctx *x = arg;

	int rc;

	step(x);
	if (x->damaged)  /* which objects rows use cannot be told */
		return 0;
	if ((rc = gic_db_has_row(x->has_row, hex)) == 0)
		x->rep->orphans++;
	return rc < 0 ? rc : 0;
}

int gic_verify(struct gic_catalog *c, int full,
	       void (*on_problem)(void *arg, const char *subject,
				  const char *why),
	       void *arg, struct gic_verify_report *rep)
{
	struct ctx x = { .c = c, .on_problem = on_problem, .arg = arg,
			 .rep = rep };
	uint64_t images = 0;
	int rc, began;

	memset(rep, 0, sizeof(*rep));
	gic_catalog_hold(c);
	if (c->progress &&
	    (rc = gic_db_count(c, "SELECT count(*) FROM images", &images)) < 0)
		return rc;
	x.total = 2 * images;
	if ((rc = integrity(&x, full ? "integrity_check" : "quick_check")) < 0 ||
	    (rc = foreign_keys(&x)) < 0 ||
	    (rc = check_images(&x, full)) < 0)
		return rc;
	if ((rc = gic_db_count(c, "SELECT count(DISTINCT derived) FROM "
			       "derivations", &rep->derived)) < 0 && !x.damaged)
		return rc;
	if (sqlite3_prepare_v2(c->db, "SELECT 1 FROM images WHERE sha256 = ?",
			       -1, &x.has_row, NULL))
		return gic_db_fail(c->db, NULL);
	if ((rc = began = gic_read_begin(c)) >= 0)
		rc = c->odb->be->list(c->odb, count_orphan, &x,
				      &rep->tmp_files, &rep->foreign);
	gic_read_end(c, began);
	if (rc == GIC_ECORRUPT) { /* the store's own layout: a problem */
		problem(&x, "objects", gic_errmsg());
		rc = 0;
	}
	if (rep->orphans || rep->tmp_files)
		rep->others = gic_catalog_shared(c);
	sqlite3_finalize(x.has_row);
	return rc;
}
