/*
 * odb-walk.c - walking the local object store (odb.c) for verify and gc:
 * every object and temporary file under objects/xx/, files gicat did not
 * write counted and left alone, temporary files and unreferenced objects
 * removed once they are older than gc's grace period.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "odb-int.h"

/* Changed (ctime: link and chmod count) before `before`?  1 yes, 0 no,
 * -1 when it is gone.  *st: its stat. */
static int older(int dirfd_, const char *name, int64_t before,
		 struct stat *st)
{
	if (fstatat(dirfd_, name, st, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	return st->st_ctime < before;
}

/* What a walk does with temporary files: count them into *n (before 0),
 * or remove (with dry, only count) those that changed before `before`,
 * counting them into *n and the others into *kept. */
struct tmp_sweep {
	int64_t before;
	int dry;
	uint64_t *n, *kept, *bytes;
	uint64_t *other;  /* files that are neither objects nor temporary */
};

/* 0, or a failure to remove one (gc then says so: a dry run counted
 * it as removable). */
static int tmp_file(int dirfd_, const char *name, const struct tmp_sweep *sw)
{
	struct stat st;
	int old = older(dirfd_, name, sw->before, &st);

	if (old < 0)  /* gone meanwhile */
		return 0;
	/* files only: a directory named so is not ours (left alone) */
	if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
		if (sw->other)
			(*sw->other)++;
		return 0;
	}
	if (!sw->before) {
		if (sw->n)
			(*sw->n)++;
	} else if (!old) {
		(*sw->kept)++;
	} else if (!sw->dry && unlinkat(dirfd_, name, 0) < 0) {
		return gic_seterr(GIC_EIO, "remove temporary file '%s': %s",
				  name, strerror(errno));
	} else {
		(*sw->n)++;
		/* a link-mode temporary is the user's file too: removing
		 * it frees nothing */
		*sw->bytes += S_ISREG(st.st_mode) && st.st_nlink == 1 ?
			      (uint64_t)st.st_size : 0;
	}
	return 0;
}

/* Counts what objects/ holds besides its 256 xx/ directories. */
static void count_top(const char *dir, uint64_t *other)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d)))
		*other += strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
			  !(strlen(e->d_name) == 2 &&
			    strspn(e->d_name, "0123456789abcdef") == 2);
	if (d)
		closedir(d);
}

/* Opens objects/xx/ as a directory of the store: ENOENT is 1 (none);
 * anything else there, a symbolic link above all (gc would remove files
 * elsewhere through it), is GIC_ECORRUPT. */
static int fan_open(const char *sub, int i, DIR **out)
{
	int fd = open(sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	*out = NULL;
	if (fd < 0 && errno == ENOENT)
		return 1;
	if (fd < 0 && lstat(sub, &st) == 0 && !S_ISDIR(st.st_mode))
		return odb_not_fan_dir(GIC_ECORRUPT, sub + strlen(sub) - 2,
				   st.st_mode);
	if (fd < 0 && errno == EACCES)
		return gic_seterr(GIC_EACCESS, "'%s': this user may not read "
				  "it (Permission denied): fix the store's "
				  "permissions, or run this as its owner", sub);
	if (fd < 0 || !(*out = fdopendir(fd))) {
		int rc = gic_seterr(GIC_EIO, "objects/%02x: %s", i,
				    strerror(errno));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	return 0;
}

/* Walks objects/xx/ directories, calling cb for every object and
 * tmp_file for every temporary file. */
static int walk(struct gic_odb *odb, int (*cb)(const char *hex, void *arg),
		void *arg, const struct tmp_sweep *sw)
{
	char sub[4200], hex[GIC_HEX_LEN + 1];
	int rc = odb_root_check(fs(odb), GIC_ECORRUPT);

	if (rc < 0)
		return rc;
	if (sw->other)
		count_top(fs(odb)->dir, sw->other);
	for (int i = 0; i < 256 && !rc; i++) {
		struct dirent *d;
		DIR *dir;

		snprintf(sub, sizeof(sub), "%s/%02x", fs(odb)->dir, i);
		if ((rc = fan_open(sub, i, &dir)) != 0) {
			rc = rc > 0 ? 0 : rc;
			continue;
		}
		while (!rc && (d = readdir(dir))) {
			if (!strncmp(d->d_name, "tmp-", 4)) {
				rc = tmp_file(dirfd(dir), d->d_name, sw);
				continue;
			}
			snprintf(hex, sizeof(hex), "%02x%.62s", i, d->d_name);
			if (strlen(d->d_name) == GIC_HEX_LEN - 2 &&
			    gic_is_hex_sha(hex) &&
			    /* a directory has no object's place, whatever its
			     * name: left alone, as a file gicat did not write */
			    !gic_dirent_is_dir(dirfd(dir), d)) {
				rc = cb ? cb(hex, arg) : 0;
			} else if (sw->other && strcmp(d->d_name, ".") &&
				   strcmp(d->d_name, "..")) {
				(*sw->other)++;  /* not ours: left alone */
			}
		}
		closedir(dir);
	}
	return rc;
}

int odb_fs_list(struct gic_odb *odb, int (*cb)(const char *hex, void *arg),
		void *arg, uint64_t *tmp, uint64_t *other)
{
	struct tmp_sweep sw = { 0, 1, tmp, NULL, NULL, other };

	return walk(odb, cb, arg, &sw);
}

int odb_fs_clean_tmp(struct gic_odb *odb, int64_t before, int dry,
		     uint64_t *n, uint64_t *kept, uint64_t *bytes)
{
	struct tmp_sweep sw = { before, dry, n, kept, bytes, NULL };

	return walk(odb, NULL, NULL, &sw);
}

int odb_fs_del(struct gic_odb *odb, const char *hex, int64_t before,
	       int dry, int *done, uint64_t *freed)
{
	char *path;
	struct stat st;
	int rc = 0;

	*freed = 0;
	if (!(path = gic_odb_fs_path(odb, hex)))
		return gic_odb_path_err(hex);
	/* a link-mode object is also the original (or a link-mode split's
	 * file): removing it frees nothing */
	if ((*done = older(AT_FDCWD, path, before, &st)) > 0 &&
	    S_ISREG(st.st_mode)) {
		if (st.st_nlink == 1)
			*freed = (uint64_t)st.st_size;
		else
			*done = 2;
	}
	if (*done > 0 && !dry && unlink(path) < 0)
		rc = gic_seterr(GIC_EIO, "remove object %s: %s", hex,
				strerror(errno));
	free(path);
	return rc;
}

