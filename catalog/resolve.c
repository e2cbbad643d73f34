/*
 * resolve.c - one image named on the command line (show, cat, degrade):
 * by its hash or a prefix of it, by an entry's path under any spelling, or
 * by a local file's content; and its bytes, read from the store or from
 * its ref'd file and checked against the hash.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "catalog.h"
#include "ingest-int.h"
#include "ingest-write.h"

/* Runs sql (?1 = a, ?2 = b unless NULL; at most two rows of one hash):
 * the first hash into hex; the number of rows, or < 0 (a catalog that
 * cannot be read is no catalog without the image). */
static int one_hash(struct gic_catalog *c, const char *sql, const char *a,
		    const char *b, char hex[GIC_HEX_LEN + 1])
{
	sqlite3_stmt *s;
	int rows = 0, rc = SQLITE_DONE;

	if (sqlite3_prepare_v2(c->db, sql, -1, &s, NULL))
		return gic_db_fail(c->db, NULL);
	sqlite3_bind_text(s, 1, a, -1, SQLITE_STATIC);
	if (b)
		sqlite3_bind_text(s, 2, b, -1, SQLITE_STATIC);
	for (; rows < 2 && (rc = sqlite3_step(s)) == SQLITE_ROW; rows++)
		if (rows == 0)
			snprintf(hex, GIC_HEX_LEN + 1, "%s",
				 (const char *)sqlite3_column_text(s, 0));
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		rows = gic_db_fail(c->db, NULL);
	sqlite3_finalize(s);
	return rows;
}

int gic_resolve_prefix(struct gic_catalog *c, const char *prefix,
		       char hex[GIC_HEX_LEN + 1])
{
	size_t n = strlen(prefix);
	char hi[GIC_HEX_LEN + 2], low[GIC_HEX_LEN + 1];
	int rows;

	if (n < 4 || n > GIC_HEX_LEN ||
	    strspn(prefix, "0123456789abcdefABCDEF") != n)
		return gic_seterr(GIC_EUSAGE, "not a hash, nor a prefix of at "
				  "least 4 hex digits");
	/* as other tools print it too (certutil: upper case) */
	for (size_t i = 0; i <= n; i++)
		low[i] = (char)tolower((unsigned char)prefix[i]);
	prefix = low;
	snprintf(hi, sizeof(hi), "%sg", prefix);
	if ((rows = one_hash(c, "SELECT sha256 FROM images WHERE sha256 >= ?1 "
			     "AND sha256 < ?2 ORDER BY sha256 LIMIT 2", prefix,
			     hi, hex)) < 0)
		return rows;
	if (rows == 0)
		return gic_seterr(GIC_ENOTFOUND, "no image in the catalog has "
				  "this hash");
	if (rows > 1)
		return gic_seterr(GIC_EAMBIG, "this prefix matches several "
				  "images; give more digits");
	return 0;
}

/* A local file, spelt any way, named by its content: 1 when the catalog
 * has an image of its bytes, 0 when not, < 0 failure (a file that cannot
 * be read is one: whether an image has its bytes is not known). */
static int by_content(struct gic_catalog *c, const char *path,
		      char hex[GIC_HEX_LEN + 1])
{
	char got[GIC_HEX_LEN + 1], why[512];
	int rows;

	if ((rows = gic_sha256_at(AT_FDCWD, path, got)) < 0) {
		snprintf(why, sizeof(why), "%s", gic_errmsg());
		return gic_seterr(rows, "no entry has this path, and the file "
				  "could not be read: %s", why);
	}
	if ((rows = one_hash(c, "SELECT sha256 FROM images WHERE sha256 = ?1",
			     got, NULL, hex)) < 0)
		return rows;
	return rows > 0;
}

/* The image of the entries at path: 1, 0 when none, or < 0 (several
 * images: ambiguous). */
static int by_path(struct gic_catalog *c, const char *path,
		   char hex[GIC_HEX_LEN + 1])
{
	int rc, rows = one_hash(c, GIC_SQL_AT_PATH, path, NULL, hex);
	char *lit;

	if (rows <= 1)
		return rows;
	lit = gic_query_string(path);
	rc = lit ? gic_seterr(GIC_EAMBIG, "entries of several datasets have "
			      "this path, with different images: give the "
			      "hash (gicat query --fields sha256,dataset "
			      "\"path = %s\")", lit)
		 : gic_seterr(GIC_ENOMEM, "out of memory");
	free(lit);
	return rc;
}

typedef int lookup_fn(struct gic_catalog *c, const char *path,
		      char hex[GIC_HEX_LEN + 1]);

/* look (by_path, or rejected_at) at another spelling of path, as ingest
 * may have spelt it from here: cleaned ("./d//a.png" is "d/a.png"), and
 * relative to the working directory or absolute. */
static int by_spelling(struct gic_catalog *c, const char *path,
		       char hex[GIC_HEX_LEN + 1], lookup_fn *look)
{
	char clean[GIC_MAX_PATH + 2], cwd[GIC_MAX_PATH];
	char other[2 * GIC_MAX_PATH + 2];
	size_t n;
	int rows = 0;

	if (gic_path_clean(path, clean, sizeof(clean)) < 0)
		return 0;
	if (strcmp(clean, path) && (rows = look(c, clean, hex)) != 0)
		return rows;
	if (!getcwd(cwd, sizeof(cwd)))
		return 0;
	n = strlen(cwd);
	if (*clean != '/')
		snprintf(other, sizeof(other), "%s/%s", cwd, clean);
	else if (!strncmp(clean, cwd, n) && clean[n] == '/' && n > 1)
		snprintf(other, sizeof(other), "%s", clean + n + 1);
	else
		return 0;
	return look(c, other, hex);
}

/* The reject row sql finds for key: an error saying why the file was
 * rejected (GIC_ENOTFOUND), or 0. */
static int reject_row(struct gic_catalog *c, const char *sql, const char *key)
{
	sqlite3_stmt *s;
	int rc = 0;

	if (sqlite3_prepare_v2(c->db, sql, -1, &s, NULL))
		return 0;  /* an older catalog: it says nothing */
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		rc = gic_seterr(GIC_ENOTFOUND, "ingest rejected this file (as "
				"'%s'): %s; gicat stats --rejects lists what it "
				"rejected", sqlite3_column_text(s, 0),
				sqlite3_column_text(s, 1));
	sqlite3_finalize(s);
	return rc;
}

/* The file (st) was rejected by an ingest, under any spelling. */
static int rejected(struct gic_catalog *c, const struct stat *st)
{
	char id[48];

	gic_file_id(st, id);
	return reject_row(c, "SELECT path, reason FROM rejects WHERE "
			  "file_id = ?1", id);
}

/* What was rejected at path itself: a FIFO, a device, a looping link
 * have no file id to find them by.  A lookup_fn. */
static int rejected_at(struct gic_catalog *c, const char *path,
		       char hex[GIC_HEX_LEN + 1])
{
	(void)hex;
	return reject_row(c, "SELECT path, reason FROM rejects WHERE "
			  "path = ?1", path);
}

/* A hash prefix that is an entry's path or a file here too ("cafe"),
 * of another image: ambiguous, rather than one taken over the other
 * unsaid.  0 when it names hex alone. */
static int prefix_alone(struct gic_catalog *c, const char *arg,
			const char hex[GIC_HEX_LEN + 1])
{
	char other[GIC_HEX_LEN + 1] = "";
	const char *what = NULL;
	struct stat st;
	int rows;

	if (strlen(arg) >= GIC_HEX_LEN)
		return 0;
	if ((rows = by_path(c, arg, other)) != 0)
		what = "an entry's path";
	else if (stat(arg, &st) == 0 && S_ISREG(st.st_mode) &&
		 gic_sha256_at(AT_FDCWD, arg, other) == 0)
		what = "a file here";
	if (rows < 0 || !what || !strcmp(other, hex))
		return rows < 0 ? rows : 0;
	return gic_seterr(GIC_EAMBIG, "both a hash prefix (of %.16s...) and %s "
			  "(of another image): give more of the hash, or the "
			  "path as ./%s", hex, what, arg);
}

int gic_resolve_image(struct gic_catalog *c, const char *arg,
		      char hex[GIC_HEX_LEN + 1])
{
	struct stat st;
	int rc, rows, there;

	rc = gic_resolve_prefix(c, arg, hex);
	if (rc == 0)
		return prefix_alone(c, arg, hex);
	if (rc != GIC_EUSAGE && rc != GIC_ENOTFOUND)
		return rc;
	if ((rows = by_path(c, arg, hex)) != 0 ||
	    (rows = by_spelling(c, arg, hex, by_path)) != 0)
		return rows < 0 ? rows : 0;
	there = stat(arg, &st) == 0;
	if (there && S_ISREG(st.st_mode)) {  /* a local file */
		if ((rows = by_content(c, arg, hex)) != 0 ||
		    (rows = rejected(c, &st)) != 0)
			return rows < 0 ? rows : 0;
		return gic_seterr(GIC_ENOTFOUND, "no image in the catalog has "
				  "this file's content (and no entry its path)");
	}
	if (there && S_ISDIR(st.st_mode))
		return gic_seterr(GIC_EUSAGE, "a directory: give one image (a "
				  "hash, an entry's path or an image file), or "
				  "list a selection with gicat query");
	if ((rows = rejected_at(c, arg, hex)) != 0 ||
	    (rows = by_spelling(c, arg, hex, rejected_at)) != 0)
		return rows;
	if (there || lstat(arg, &st) == 0)  /* not there: a link to nothing */
		return gic_seterr(GIC_EUSAGE, "%s, not an image file (and no "
				  "entry's path)", there ?
				  gic_file_kind(st.st_mode) :
				  "a symbolic link that leads nowhere");
	return rc == GIC_EUSAGE ? gic_seterr(GIC_EUSAGE, "neither a hash (a "
		"prefix of at least 4 hex digits), an entry's path nor a file "
		"here") : gic_seterr(GIC_ENOTFOUND, "no image in the catalog "
				     "has this hash or path");
}

int gic_read_verified(const char *path, const char *hex, uint64_t bytes,
		      unsigned char **buf, size_t *len)
{
	char got[GIC_HEX_LEN + 1];
	struct stat st;
	/* O_NONBLOCK: a FIFO put where the file was must not hang us */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), rc = 0;
	ssize_t n = 0;

	*buf = NULL;
	if (fd < 0 || fstat(fd, &st) < 0) {
		rc = gic_seterr(GIC_EIO, "referenced file '%s': %s", path,
				strerror(errno));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = gic_seterr(GIC_ECORRUPT, "referenced file '%s' is no longer "
				"a regular file (%s): ingest the image again",
				path, gic_file_kind(st.st_mode));
		goto out;
	}
	if (bytes && (uint64_t)st.st_size != bytes) {
		rc = gic_seterr(GIC_ECORRUPT, "'%s' does not hold %s: it changed "
				"since ingest (%lld bytes, the image has %llu)"
				": %s", path, hex, (long long)st.st_size,
				(unsigned long long)bytes, GIC_DAMAGED_HINT);
		goto out;
	}
	if (!(*buf = malloc((size_t)st.st_size + 1))) {
		rc = gic_seterr(GIC_ENOMEM, "out of memory");
		goto out;
	}
	for (*len = 0; *len < (size_t)st.st_size; *len += (size_t)n)
		if ((n = read(fd, *buf + *len, (size_t)st.st_size - *len)) <= 0)
			break;
	if (n < 0) {
		rc = gic_seterr(GIC_EIO, "read '%s': %s", path, strerror(errno));
		goto out;
	}
	if ((rc = gic_sha256_hex(*buf, *len, got)) == 0 && strcmp(got, hex))
		rc = gic_seterr(GIC_ECORRUPT, "'%s' does not hold %s: it changed "
				"since ingest (hash %s): %s", path, hex, got,
				GIC_DAMAGED_HINT);
out:
	close(fd);
	if (rc) {
		free(*buf);
		*buf = NULL;
	}
	return rc;
}

/* The ref_path of image hex into *ref (NULL when it is in the store),
 * its size into *bytes (NULL: not wanted). */
static int ref_path_of(struct gic_catalog *c, const char *hex, char **ref,
		       uint64_t *bytes)
{
	sqlite3_stmt *s;
	int rc;

	*ref = NULL;
	if (sqlite3_prepare_v2(c->db, "SELECT ref_path, bytes FROM images "
			       "WHERE sha256 = ?", -1, &s, NULL))
		return gic_db_fail(c->db, NULL);
	sqlite3_bind_text(s, 1, hex, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && bytes)
		*bytes = (uint64_t)sqlite3_column_int64(s, 1);
	if (rc == SQLITE_ROW && sqlite3_column_text(s, 0) &&
	    !(*ref = strdup((const char *)sqlite3_column_text(s, 0))))
		rc = SQLITE_NOMEM;
	if (rc == SQLITE_NOMEM)
		rc = gic_seterr(GIC_ENOMEM, "out of memory");
	else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		rc = gic_db_fail(c->db, NULL);
	else
		rc = rc == SQLITE_ROW ? 0 : gic_seterr(GIC_ENOTFOUND,
						       "no image %s", hex);
	sqlite3_finalize(s);
	return rc;
}

int gic_image_path(struct gic_catalog *c, const char *hex, char **path)
{
	int rc = ref_path_of(c, hex, path, NULL);

	if (rc == 0 && !*path && !(*path = gic_odb_fs_path(c->odb, hex)))
		rc = gic_odb_path_err(hex);
	return rc;
}

int gic_image_read(struct gic_catalog *c, const char *hex,
		   unsigned char **buf, size_t *len)
{
	char got[GIC_HEX_LEN + 1], *ref;
	uint64_t bytes;
	int rc;

	if ((rc = ref_path_of(c, hex, &ref, &bytes)) < 0)
		return rc;
	if (ref) {
		rc = gic_read_verified(ref, hex, bytes, buf, len);
		free(ref);
		return rc;
	}
	if ((rc = c->odb->be->get(c->odb, hex, buf, len)) == GIC_ENOTFOUND)
		return gic_odb_missing(c->odb, hex);
	if (rc < 0)
		return rc;
	if ((rc = gic_sha256_hex(*buf, *len, got)) == 0 && strcmp(got, hex)) {
		free(*buf);
		*buf = NULL;
		rc = gic_seterr(GIC_ECORRUPT, "object %s is corrupt (hash %s): "
				"%s", hex, got, GIC_DAMAGED_HINT);
	}
	return rc;
}
