/*
 * db.c - creating and opening a catalog (.gicat/ with catalog.db and
 * objects/; find.c finds it), and applying the embedded schema migrations.
 *
 * The schema version lives in PRAGMA user_version.  Pending migrations are
 * applied in one transaction when a catalog is opened; a catalog written by
 * a newer binary opens read-only and every write is refused.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "catalog.h"
#include "embed.h"
#include "find.h"

int gic_migrations_latest(void)
{
	int v = 0;

	for (const struct gic_migration *m = gic_migrations; m->sql; m++)
		v = m->version;
	return v;
}

const char *gic_migration_name(int version)
{
	for (const struct gic_migration *m = gic_migrations; m->sql; m++)
		if (m->version == version)
			return m->name;
	return NULL;
}

const char *gic_db_errmsg(sqlite3 *db, char *buf, size_t size)
{
	int code = sqlite3_errcode(db) & 0xff, e = sqlite3_system_errno(db);

	if (e && (code == SQLITE_IOERR || code == SQLITE_FULL ||
		  code == SQLITE_CANTOPEN))
		snprintf(buf, size, "%s (%s)", sqlite3_errmsg(db), strerror(e));
	else
		snprintf(buf, size, "%s", sqlite3_errmsg(db));
	return buf;
}

int gic_db_fail(sqlite3 *db, const char *what)
{
	char why[512];

	return gic_seterr(GIC_EDB, "%s%s%s", what ? what : "", what ? ": " : "",
			  gic_db_errmsg(db, why, sizeof(why)));
}

/* What a catalog.db whose schema version is lost or wrong needs. */
#define SET_VERSION "give it the version of the catalog it was copied " \
	"from (sqlite3 catalog.db 'PRAGMA user_version = N')"

static int user_version(sqlite3 *db, int *v)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL))
		return gic_db_fail(db, "read schema version");
	rc = sqlite3_step(st) == SQLITE_ROW ? 0 :
	     gic_db_fail(db, "read schema version");
	*v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc == 0 && *v < 0) /* set by hand: neither empty nor a migration */
		rc = gic_seterr(GIC_ESCHEMA, "catalog.db has schema version %d "
				"(PRAGMA user_version), which no gicat writes: "
				SET_VERSION, *v);
	return rc;
}

/* How many tables, indexes and views db has (0: no schema), or -1. */
static int schema_size(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int n = -1;

	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master", -1,
			       &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

int gic_migrate(sqlite3 *db, int *version_out)
{
	char pragma[64];
	int v, rc;

	if ((rc = user_version(db, &v)) < 0)
		return rc;
	*version_out = v;
	if (v >= gic_migrations_latest())
		return 0;
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL))
		return gic_db_fail(db, "begin migration");
	if ((rc = user_version(db, &v)) < 0) /* another process may have won */
		goto fail;
	/* version 0 is an empty database; one with tables lost its version
	 * (sqlite3's .dump does not copy it): migrating it from the start
	 * could only fail, on tables it already has */
	if (v == 0 && schema_size(db) > 0) {
		rc = gic_seterr(GIC_ESCHEMA, "catalog.db holds a schema but no "
				"schema version (PRAGMA user_version is 0), as "
				"a copy made with sqlite3's .dump does: "
				SET_VERSION);
		goto fail;
	}
	for (const struct gic_migration *m = gic_migrations; m->sql; m++) {
		if (m->version <= v)
			continue;
		if (sqlite3_exec(db, m->sql, NULL, NULL, NULL)) {
			rc = gic_seterr(GIC_EDB, "migration %s: %s", m->name,
					sqlite3_errmsg(db));
			goto fail;
		}
		v = m->version;
	}
	snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", v);
	if (sqlite3_exec(db, pragma, NULL, NULL, NULL) ||
	    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL)) {
		rc = gic_db_fail(db, "commit migration");
		goto fail;
	}
	*version_out = v;
	return 0;
fail:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* Is root's catalog one that an init killed before it had a schema: a
 * database without tables, and no object stored yet (no objects/ at all
 * is none either: nothing a new schema could orphan)? */
static int init_unfinished(const char *root)
{
	char p[PATH_MAX];
	sqlite3 *db = NULL;
	int tables = -1, objects = 1;
	DIR *d = NULL;

	if (gic_path_join(p, sizeof(p), root, ".gicat/catalog.db") < 0)
		return 0;
	/* read-write where it may: an init killed in its first write (the
	 * switch to WAL) leaves a hot journal, which only a writer rolls
	 * back; read-only, the database cannot be read and passed for a
	 * catalog, so init refused what every other command called an
	 * unfinished init */
	if (sqlite3_open_v2(p, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK)
		tables = schema_size(db);
	sqlite3_close(db);
	if (tables == 0 &&
	    !gic_path_join(p, sizeof(p), root, ".gicat/objects") &&
	    !(d = opendir(p)) && errno == ENOENT)
		objects = 0;
	if (d) {
		struct dirent *e;

		objects = 0;
		while ((e = readdir(d)))
			objects += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
		closedir(d);
	}
	return tables == 0 && !objects;
}

/* mkdir -p dir: it and the directories above it that are missing. */
static int make_dirs(const char *dir)
{
	char p[PATH_MAX];
	size_t n = strlen(dir);

	if (n >= sizeof(p))
		return gic_seterr(GIC_EUSAGE, "path too long");
	memcpy(p, dir, n + 1);
	for (char *s = p + 1;; s++) {
		char c = *s;

		if (c && c != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0777) < 0 && errno != EEXIST) {
			char *up = strrchr(p, '/');
			int err = errno;

			/* a file on the way ("f/sub" with f a file) is named,
			 * as init names DIR when it is one */
			if (err == ENOTDIR && up && up > p) {
				*up = '\0';
				return gic_seterr(GIC_EUSAGE, "'%s' is a file, "
						  "not a directory", p);
			}
			return gic_seterr(GIC_EIO, "cannot make '%s': %s", p,
					  strerror(err));
		}
		if (!(*s = c))
			return 0;
	}
}

/*
 * Opens a catalog this process may not write (a read-only mount, another
 * user's files): read-only, which in WAL mode needs the -wal and -shm
 * files a writer keeps while it runs; when there are none (no writer
 * since the last one closed), as immutable, which needs nothing.  A -wal
 * left with commits in it (a writer killed, a copy without its -shm)
 * holds what catalog.db does not yet: immutable would not read it, and
 * show the catalog as it was before them.
 */
static int open_readonly(struct gic_catalog *c, const char *p)
{
	char uri[3 * PATH_MAX + 32], *o = uri;
	struct stat st;

	if (sqlite3_open_v2(p, &c->db, SQLITE_OPEN_READONLY, NULL) == 0 &&
	    sqlite3_exec(c->db, "SELECT count(*) FROM sqlite_schema", NULL,
			 NULL, NULL) == 0)
		return 0;
	sqlite3_close(c->db);
	c->db = NULL;
	if (snprintf(uri, sizeof(uri), "%s-wal", p) < (int)sizeof(uri) &&
	    stat(uri, &st) == 0 && st.st_size > 0)
		return gic_seterr(GIC_EDB, "'%s' holds changes not yet in "
				  "catalog.db, which only a user with write "
				  "access to '%s' can read: any gicat command "
				  "run as one moves them there", uri, c->dir);
	o += sprintf(o, "file:");
	for (const unsigned char *s = (const unsigned char *)p; *s; s++)
		o += strchr("?#%", *s) || *s < 0x20 || *s > 0x7e ?
		     sprintf(o, "%%%02X", *s) : sprintf(o, "%c", *s);
	sprintf(o, "?immutable=1");
	if (sqlite3_open_v2(uri, &c->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI,
			    NULL))
		return gic_seterr(GIC_EDB, "open '%s' (read-only): %s", p,
				  c->db ? sqlite3_errmsg(c->db) : "out of memory");
	return 0;
}

/* A catalog.db without a schema is one that lost it (emptied by a failed
 * copy or a stray '>'): migrating it would make an empty catalog of a
 * store full of objects, which gc would then delete.  Only init (fresh)
 * gives a database its schema. */
static int has_schema(struct gic_catalog *c, const char *path)
{
	int n = schema_size(c->db);

	if (n < 0)
		return gic_db_fail(c->db, "read the schema");
	if (n)
		return 0;
	if (init_unfinished(c->root)) /* and the store holds nothing */
		return gic_seterr(GIC_EDB, "'%s' holds no catalog and the "
				  "store no object: an init that did not "
				  "finish; run 'gicat init %s' again", path,
				  c->root);
	return gic_seterr(GIC_EDB, "'%s' holds no catalog (an empty "
			  "database), while the store holds objects: restore "
			  "it from a backup; 'gicat init' makes a new one "
			  "only where there is none", path);
}

enum { OPEN_MIGRATE, OPEN_FRESH, OPEN_AS_IS };

static int busy_ms = 30000;

void gic_set_busy_timeout(int ms)
{
	busy_ms = ms;
}

int gic_busy_timeout(void)
{
	return busy_ms;
}

static int open_db(struct gic_catalog *c, int how)
{
	int fresh = how == OPEN_FRESH;
	char p[PATH_MAX];
	int rc, ro;

	if ((rc = gic_path_join(p, sizeof(p), c->dir, "catalog.db")) < 0)
		return rc;
	/* writing needs the file and, for the WAL, its directory */
	ro = access(p, W_OK) < 0 || access(c->dir, W_OK) < 0;
	if (ro && (rc = open_readonly(c, p)) < 0)
		return rc;
	if (!ro && sqlite3_open_v2(p, &c->db, SQLITE_OPEN_READWRITE, NULL))
		return gic_seterr(GIC_EDB, "open '%s': %s", p,
				  c->db ? sqlite3_errmsg(c->db) : "out of memory");
	sqlite3_busy_timeout(c->db, busy_ms);
	/* before anything writes to it (journal_mode would) */
	if (!fresh && (rc = has_schema(c, p)) < 0)
		return rc;
	/* Scans of millions of entries (stats, task sets, audits) read the
	 * file through a mapping instead of a read() per page, and sort in
	 * memory instead of temporary files: each halves their time.  A
	 * transaction that changes more pages than SQLite's default 2 MB
	 * cache holds writes them to the WAL and reads them back, page by
	 * page (planning a fetch of 200,000 URLs: 4.3 s, 2.2 s with 128 MB;
	 * the cache grows only as far as it is used). */
	if ((!ro && sqlite3_exec(c->db, "PRAGMA journal_mode = WAL;"
				 "PRAGMA synchronous = NORMAL;", NULL, NULL,
				 NULL)) ||
	    sqlite3_exec(c->db, "PRAGMA foreign_keys = ON;"
			 "PRAGMA mmap_size = 4294967296;"
			 "PRAGMA temp_store = MEMORY;"
			 "PRAGMA cache_size = -131072;", NULL, NULL, NULL))
		return gic_db_fail(c->db, "configure catalog.db");
	rc = ro || how == OPEN_AS_IS ? user_version(c->db, &c->schema_version) :
	     gic_migrate(c->db, &c->schema_version);
	if (rc < 0)
		return rc;
	if (ro && how != OPEN_AS_IS &&
	    c->schema_version < gic_migrations_latest())
		return gic_seterr(GIC_ESCHEMA, "catalog schema is version %d; "
				  "this gicat needs %d, and migrating needs "
				  "write access to '%s'", c->schema_version,
				  gic_migrations_latest(), p);
	c->readonly = ro ? GIC_RO_ACCESS : c->schema_version >
		      gic_migrations_latest() ? GIC_RO_SCHEMA :
		      c->schema_version < gic_migrations_latest() ?
		      GIC_RO_OLDER : 0;
	if ((rc = gic_path_join(p, sizeof(p), c->dir, "objects")) < 0)
		return rc;
	return gic_odb_fs_open(p, &c->odb);
}

static int open_catalog(const char *root, int how,
			struct gic_catalog **out)
{
	struct gic_catalog *c = calloc(1, sizeof(*c));
	int rc;

	*out = NULL;
	if (!c)
		return gic_seterr(GIC_ENOMEM, "out of memory");
	c->lock_fd = -1;
	/* absolute, so that object paths handed out (symlink exports) work
	 * from anywhere */
	if (!(c->root = realpath(root, NULL)) ||
	    asprintf(&c->dir, "%s/.gicat", c->root) < 0) {
		c->dir = NULL;
		gic_catalog_close(c);
		return gic_seterr(GIC_ENOMEM, "out of memory");
	}
	c->real_dir = realpath(c->dir, NULL); /* .gicat may be a link */
	if ((rc = open_db(c, how)) < 0) {
		gic_catalog_close(c);
		return rc;
	}
	*out = c;
	return 0;
}

int gic_catalog_open(const char *root, struct gic_catalog **out)
{
	return open_catalog(root, OPEN_MIGRATE, out);
}

int gic_catalog_open_as_is(const char *root, struct gic_catalog **out)
{
	return open_catalog(root, OPEN_AS_IS, out);
}

int gic_catalog_init(const char *dir, struct gic_catalog **out)
{
	char p[PATH_MAX];
	sqlite3 *db = NULL;
	int rc, dfd = -1;

	/* --catalog X/.gicat means X elsewhere: never a .gicat in a .gicat */
	if (gic_names_gicat(dir))
		return gic_seterr(GIC_EUSAGE, "a catalog is made in the directory "
				  "that is to hold .gicat, not in .gicat itself");
	if (gic_within_gicat(dir))
		return gic_seterr(GIC_EUSAGE, "inside a catalog's .gicat "
				  "directory: a catalog cannot be made there");
	if ((rc = make_dirs(dir)) < 0)
		return rc;
	if ((rc = gic_path_join(p, sizeof(p), dir, ".gicat")) < 0)
		return rc;
	if (mkdir(p, 0777) < 0 && errno != EEXIST)
		return gic_seterr(GIC_EIO, "mkdir '%s': %s", p, strerror(errno));
	/* two inits at once: one makes the catalog, the other finds it */
	if ((dfd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    flock(dfd, LOCK_EX) < 0) {
		rc = gic_seterr(GIC_EIO, "'%s': %s", p, strerror(errno));
		goto out;
	}
	if (gic_catalog_at(dir) && !init_unfinished(dir)) {
		close(dfd);  /* the one that made it is done */
		dfd = -1;
		rc = gic_catalog_open_as_is(dir, out);  /* no migration */
		rc = rc < 0 ? rc : 1;
		goto out;
	}
	if (!gic_catalog_at(dir) && gic_store_has_objects(dir)) {
		rc = gic_lost_catalog(dir, "");
		goto out;
	}
	if ((rc = gic_path_join(p, sizeof(p), dir, ".gicat/objects")) < 0)
		goto out;
	if (mkdir(p, 0777) < 0 && errno != EEXIST) {
		rc = gic_seterr(GIC_EIO, "mkdir '%s': %s", p, strerror(errno));
		goto out;
	}
	if ((rc = gic_path_join(p, sizeof(p), dir, ".gicat/catalog.db")) < 0)
		goto out;
	if (sqlite3_open_v2(p, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
			    NULL)) {
		rc = gic_seterr(GIC_EDB, "create '%s': %s", p,
				db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		goto out;
	}
	sqlite3_close(db);
	rc = open_catalog(dir, OPEN_FRESH, out);
out:
	if (dfd >= 0)
		close(dfd);  /* the lock with it */
	return rc;
}

void gic_catalog_close(struct gic_catalog *c)
{
	if (!c)
		return;
	if (c->odb)
		c->odb->be->free(c->odb);
	sqlite3_close(c->db);
	if (c->lock_fd >= 0)
		close(c->lock_fd);  /* releases the lock */
	free(c->root);
	free(c->dir);
	free(c->real_dir);
	free(c);
}

int gic_read_begin(struct gic_catalog *c)
{
	if (!sqlite3_get_autocommit(c->db))
		return 0;
	if (sqlite3_exec(c->db, "BEGIN", NULL, NULL, NULL))
		return gic_db_fail(c->db, NULL);
	return 1;
}

void gic_read_end(struct gic_catalog *c, int began)
{
	if (began > 0 && !sqlite3_get_autocommit(c->db))
		sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
}

int gic_tx_begin(struct gic_catalog *c, int dry_run)
{
	int rc;

	if (!dry_run && (rc = gic_catalog_writable(c)) < 0)
		return rc;
	if (sqlite3_exec(c->db, dry_run ? "BEGIN" : "BEGIN IMMEDIATE", NULL,
			 NULL, NULL))
		return gic_db_fail(c->db, NULL);
	return 0;
}

int gic_tx_end(struct gic_catalog *c, int dry_run, int rc)
{
	if (rc == 0 && !dry_run &&
	    sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL))
		rc = gic_db_fail(c->db, "commit");
	if (rc != 0 || dry_run)
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

const char *gic_catalog_holds(struct gic_catalog *c, const char *path)
{
	const char *dir = c->real_dir;
	char *p = realpath(path, NULL), *copy;
	int in;

	if (!p && (copy = strdup(path))) { /* not there (yet): its parent */
		p = realpath(dirname(copy), NULL);
		free(copy);
	}
	in = dir && p && gic_path_within(p, dir);
	free(p);
	return in ? dir : NULL;
}

int gic_db_has_row(sqlite3_stmt *s, const char *hex)
{
	char buf[256];
	int rc;

	sqlite3_bind_text(s, 1, hex, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
		sqlite3_reset(s);
		return rc == SQLITE_ROW;
	}
	/* not "no row": gc would delete an object an entry uses */
	rc = gic_seterr(GIC_EDB, "looking up %s: %s", hex,
			gic_db_errmsg(sqlite3_db_handle(s), buf, sizeof(buf)));
	sqlite3_reset(s);
	return rc;
}

int gic_db_count(struct gic_catalog *c, const char *sql, uint64_t *n)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(c->db, sql, -1, &s, NULL))
		return gic_db_fail(c->db, "count");
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		*n = (uint64_t)sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : gic_db_fail(c->db, "count");
}

char *gic_column_dup(sqlite3_stmt *s, int i)
{
	const char *v = (const char *)sqlite3_column_text(s, i);
	return v ? strdup(v) : NULL;
}

/* flock(op) on .gicat/lock, opened (created) the first time; read-only
 * when this user may not write it (a reader, a file another user made):
 * flock needs no write access, so readers hold it too. */
static int lock(struct gic_catalog *c, int op)
{
	char path[PATH_MAX];

	if (c->lock_fd < 0) {
		snprintf(path, sizeof(path), "%s/lock", c->dir);
		c->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
				  0644);
		if (c->lock_fd < 0 && (errno == EACCES || errno == EROFS))
			c->lock_fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (c->lock_fd < 0)
			return gic_seterr(GIC_EIO, "open '%s': %s", path,
					  strerror(errno));
	}
	while (flock(c->lock_fd, op) < 0)
		if (errno != EINTR)
			return errno == EWOULDBLOCK ? GIC_EBUSY : gic_seterr(
				GIC_EIO, "lock '%s/lock': %s", c->dir,
				strerror(errno));
	c->lock_mode = op & (LOCK_SH | LOCK_EX);
	return 0;
}

int gic_catalog_writable(struct gic_catalog *c)
{
	if (c->readonly == GIC_RO_ACCESS)
		return gic_seterr(GIC_EIO, "no write access to the catalog "
				  "('%s'): it can be read, not changed", c->dir);
	if (c->readonly == GIC_RO_OLDER)
		return gic_seterr(GIC_ESCHEMA, "catalog schema is version %d, "
				  "older than this gicat (%d): 'gicat migrate' "
				  "brings it up to date", c->schema_version,
				  gic_migrations_latest());
	if (c->readonly)
		return gic_seterr(GIC_ESCHEMA,
				  "catalog schema is version %d, newer than this "
				  "gicat (%d): refusing to write; upgrade gicat",
				  c->schema_version, gic_migrations_latest());
	return c->lock_mode ? 0 : lock(c, LOCK_SH);
}

void gic_catalog_hold(struct gic_catalog *c)
{
	if (!c->lock_mode)
		lock(c, LOCK_SH); /* no lock file, none made: nothing held */
}

int gic_catalog_shared(struct gic_catalog *c)
{
	int others;

	if (c->lock_fd < 0 || c->lock_mode == LOCK_EX)
		return 0;
	/* a conversion to exclusive that fails may drop the shared lock
	 * (flock(2)): taken again then */
	others = flock(c->lock_fd, LOCK_EX | LOCK_NB) < 0 &&
		 errno == EWOULDBLOCK;
	if (c->lock_mode)
		while (flock(c->lock_fd, c->lock_mode) < 0 && errno == EINTR)
			;
	else
		flock(c->lock_fd, LOCK_UN);
	return others;
}

void gic_catalog_on_progress(struct gic_catalog *c, gic_progress_fn fn,
			     void *arg)
{
	c->progress = fn;
	c->progress_arg = arg;
}

void gic_progress(struct gic_catalog *c, const char *what, uint64_t done,
		  uint64_t total)
{
	if (c->progress)
		c->progress(c->progress_arg, what, done, total);
}

int gic_catalog_lock_exclusive(struct gic_catalog *c)
{
	int rc;

	if ((rc = gic_catalog_writable(c)) < 0 || c->lock_mode == LOCK_EX)
		return rc;
	if ((rc = lock(c, LOCK_EX | LOCK_NB)) == GIC_EBUSY)
		return gic_seterr(GIC_EBUSY, "another gicat is writing to this "
				  "catalog (an ingest, fetch or split may be "
				  "storing objects gc would remove) or verifying "
				  "it: run gc when it has finished");
	return rc;
}
