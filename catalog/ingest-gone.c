/*
 * ingest-gone.c - after a walk, what is gone from the directories it read:
 * the test of a path (of any length) and the key range of a directory's
 * rows, which the rejects' tidying uses too; and the entries whose files
 * are gone (deleted or moved since they were ingested).  They
 * are counted, the first named, for the summary; not removed: their
 * images stay in the store, and `gicat rm` takes them out.  Only entries
 * of the datasets this ingest adds to are looked at, each directory's by
 * a range of the (dataset, path) key.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "ingest-int.h"

/* Is path, too long for lstat, gone?  Looked at one name at a time. */
static int gone_long(const char *path)
{
	int fd = open(*path == '/' ? "/" : ".", O_PATH | O_DIRECTORY |
		      O_CLOEXEC), next, gone = 0;
	char name[NAME_MAX + 1];
	struct stat st;

	while (fd >= 0) {
		size_t n;

		path += strspn(path, "/");
		if ((n = strcspn(path, "/")) > NAME_MAX)
			break;
		memcpy(name, path, n);
		name[n] = '\0';
		path += n + strspn(path + n, "/");
		if (!*path) {
			gone = fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0;
		} else if ((next = openat(fd, name, O_PATH | O_DIRECTORY |
					  O_CLOEXEC)) >= 0) {
			close(fd);
			fd = next;
			continue;
		} else {
			gone = 1;
		}
		gone = gone && (errno == ENOENT || errno == ENOTDIR);
		break;
	}
	if (fd >= 0)
		close(fd);
	return gone;
}

int gic_path_gone(const char *path)
{
	struct stat st;

	if (lstat(path, &st) == 0)
		return 0;
	return errno == ENAMETOOLONG ? gone_long(path) :
	       errno == ENOENT || errno == ENOTDIR;
}

int gic_dir_range(const char *dir, char *lo, char *hi, size_t size)
{
	int len = snprintf(lo, size, "%s%s", dir, *dir &&
			   dir[strlen(dir) - 1] == '/' ? "" : "/");

	if (len < 0 || (size_t)len >= size)
		return -1;
	memcpy(hi, lo, (size_t)len + 1);
	hi[len - 1] = '0';  /* the byte after '/' */
	return 0;
}

/* The entries of dataset directly in dir whose files are gone: into st. */
static int gone_in(sqlite3_stmt *sel, const char *dataset, const char *dir,
		   int64_t base, struct gic_ingest_stats *st)
{
	char lo[GIC_MAX_PATH + 2], hi[GIC_MAX_PATH + 2];
	int rc;

	if (gic_dir_range(dir, lo, hi, sizeof(lo)) < 0)
		return 0;
	sqlite3_bind_text(sel, 1, dataset, -1, SQLITE_STATIC);
	sqlite3_bind_text(sel, 2, lo, -1, SQLITE_STATIC);
	sqlite3_bind_text(sel, 3, hi, -1, SQLITE_STATIC);
	sqlite3_bind_int64(sel, 4, base);
	while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
		const char *path = (const char *)sqlite3_column_text(sel, 0);

		if (gic_path_gone(path) && !st->gone_entries++)
			snprintf(st->gone_first, sizeof(st->gone_first), "%s",
				 path);
	}
	sqlite3_reset(sel);
	return rc == SQLITE_DONE ? 0 : GIC_EDB;
}

int gic_ingest_count_gone(struct gic_catalog *c, const struct gic_filelist *fl,
			  const char *const *datasets, int n, int64_t base,
			  struct gic_ingest_stats *st)
{
	sqlite3_stmt *sel = NULL;
	int rc = 0;

	if (!fl->ndirs)
		return 0;
	if (sqlite3_prepare_v2(c->db, "SELECT path FROM entries WHERE "
			       "dataset = ?1 AND path > ?2 AND path < ?3 AND "
			       "instr(substr(path, length(?2) + 1), '/') = 0 "
			       "AND " GIC_SQL_BASE("?4"),
			       -1, &sel, NULL))
		return gic_db_fail(c->db, NULL);
	for (size_t i = 0; i < fl->ndirs && rc == 0; i++)
		for (int d = 0; d < n && rc == 0; d++)
			rc = gone_in(sel, datasets[d], fl->dirs[i], base, st);
	if (rc < 0)
		rc = gic_db_fail(c->db, "look for entries of files gone");
	sqlite3_finalize(sel);
	return rc;
}
