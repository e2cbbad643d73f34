/*
 * export-clear.c - what --force removes before an export: the files
 * earlier exports into the directory wrote (as the catalog recorded them,
 * or as a MANIFEST.sha256 beside their task.ini lists them, while they
 * still hold what it says) and the directories that leaves empty, nothing
 * else; and the undoing of a failed export's own files.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "export-int.h"

/*
 * Opens the directory of rel below outfd, one component at a time and
 * never through a symlink; *base is rel's last component.  -1 for a path
 * that is not a plain relative one.
 */
static int open_parent(int outfd, const char *rel, char *buf, size_t size,
		       const char **base)
{
	char *slash, *comp, *save = NULL;
	int fd, next;

	if (!*rel || *rel == '/' || strlen(rel) >= size)
		return -1;
	snprintf(buf, size, "%s", rel);
	if (!(slash = strrchr(buf, '/'))) {
		*base = buf;
		return dup(outfd);
	}
	*slash = '\0';
	*base = slash + 1;
	fd = dup(outfd);
	for (comp = strtok_r(buf, "/", &save); comp && fd >= 0;
	     comp = strtok_r(NULL, "/", &save)) {
		next = strcmp(comp, "..") && strcmp(comp, ".") ?
		       openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			      O_CLOEXEC) : -1;
		close(fd);
		fd = next;
	}
	return **base && strcmp(*base, "..") && strcmp(*base, ".") ? fd :
	       (fd >= 0 ? close(fd) : 0, -1);
}

/* Whether base in directory fd is (or links to) a regular file holding
 * the content sha: removing a link never touches its target. */
static int holds(int fd, const char *base, const char *sha)
{
	char got[GIC_HEX_LEN + 1];

	return gic_sha256_file_at(fd, base, got) == 0 && !strcmp(got, sha);
}

/* Removes rel below outfd (a file, or with dir an empty directory). */
int gic_export_remove(int outfd, const char *rel, int dir)
{
	char buf[PATH_MAX];
	const char *base;
	int fd = open_parent(outfd, rel, buf, sizeof(buf), &base), ok;

	if (fd < 0)
		return 0;
	ok = unlinkat(fd, base, dir ? AT_REMOVEDIR : 0) == 0;
	close(fd);
	return ok;
}

int gic_export_remove_file(int outfd, const char *rel)
{
	char buf[PATH_MAX];
	const char *base;
	int fd = open_parent(outfd, rel, buf, sizeof(buf), &base), err = 0;

	if (fd < 0)
		return 0;  /* its directory is gone, or not one of ours */
	if (unlinkat(fd, base, 0) < 0)
		err = errno;
	close(fd);
	if (err && err != ENOENT)
		return gic_seterr(GIC_EIO, "cannot remove '%s', a file of an "
				  "earlier export: %s", rel, strerror(err));
	return !err;
}

void gic_export_remove_dirs_of(int outfd, const char *path,
			       int (*keep)(void *arg, const char *dir),
			       void *arg)
{
	char dir[PATH_MAX], *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	while ((slash = strrchr(dir, '/'))) {
		slash[1] = '\0';  /* "a/b/" */
		if (keep && keep(arg, dir))
			break;
		*slash = '\0';
		if (!gic_export_remove(outfd, dir, 1))
			break;
	}
}

/* The same for every listed file, deepest first, with the pair of its
 * label directory, which a set of one label keeps empty, or beside
 * unlabelled/ the label directories (of either layout) a set of
 * unlabelled images alone keeps empty. */
static void remove_empty_dirs(int outfd, struct gic_export_files *l)
{
	static const enum gic_export_format layouts[] = { GIC_FMT_IMAGEFOLDER,
							  GIC_FMT_GENIMAGE };
	char pair[PATH_MAX];
	const char *p, *slash;
	size_t base;

	for (size_t i = l->n; i-- > 0; ) {
		p = l->v[i].path;
		if ((slash = strrchr(p, '/')) &&
		    gic_export_label_sibling(p, (size_t)(slash - p), pair,
					     sizeof(pair))) {
			pair[strlen(pair) - 1] = '\0';  /* no '/' to remove */
			gic_export_remove(outfd, pair, 1);
		}
		if (!slash || !gic_export_is_unlabelled(p, (size_t)(slash - p),
							&base))
			base = 0;
		for (int k = 0; base && k < 4; k++) {
			snprintf(pair, sizeof(pair), "%.*s%s", (int)base, p,
				 gic_export_label_dir(layouts[k / 2], k % 2 ?
						      "fake" : "real"));
			gic_export_remove(outfd, pair, 1);
		}
		gic_export_remove_dirs_of(outfd, p, NULL, NULL);
	}
}

void gic_export_undo(struct gic_export_ctx *x)
{
	for (size_t i = 0; i < x->nfiles; i++)
		gic_export_remove(x->outfd, x->files[i].path, 0);
	for (size_t i = x->nmade; i-- > 0; )  /* children were made later */
		gic_export_remove(x->outfd, x->made[i], 1);
}

/* The catalog's records of dir go before any file of theirs: a run that
 * fails or is killed after removing them must not leave a record saying
 * the directory holds an export (its MANIFEST.sha256, if still there,
 * lists what a later --force may remove). */
int gic_export_forget(struct gic_catalog *c, const char *dir)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = gic_tx_begin(c, 0)) < 0)
		return rc;
	if (sqlite3_prepare_v2(c->db, "DELETE FROM materializations WHERE "
			       "out_dir = ?", -1, &s, NULL) == SQLITE_OK)
		sqlite3_bind_text(s, 1, dir, -1, SQLITE_STATIC);
	if (!s || sqlite3_step(s) != SQLITE_DONE)
		rc = gic_seterr(GIC_EDB, "forget the records of '%s': %s", dir,
				sqlite3_errmsg(c->db));
	sqlite3_finalize(s);
	return gic_tx_end(c, 0, rc);
}

/* Whether the files of l (sorted) can go: 0, or an error when one is a
 * directory now or its directory may not be written, said before anything
 * is removed rather than halfway.  Each directory is opened once. */
static int removable(int outfd, const struct gic_export_files *l)
{
	char buf[PATH_MAX], dir[PATH_MAX] = "";
	const char *base;
	struct stat st;
	int fd = -1, rc = 0, opened = 0;

	for (size_t i = 0; i < l->n && rc == 0; i++) {
		const char *p = l->v[i].path, *slash = strrchr(p, '/');
		size_t dl = slash ? (size_t)(slash - p) : 0;

		if (!opened || strlen(dir) != dl || strncmp(dir, p, dl)) {
			if (fd >= 0)
				close(fd);
			snprintf(dir, sizeof(dir), "%.*s", (int)dl, p);
			opened = 1;
			fd = open_parent(outfd, p, buf, sizeof(buf), &base);
			if (fd >= 0 && faccessat(fd, ".", W_OK | X_OK,
						 AT_EACCESS) < 0)
				rc = gic_seterr(GIC_EIO, "cannot remove '%s', "
						"a file of an earlier export: "
						"its directory may not be "
						"written (%s; nothing was "
						"removed)", p, strerror(errno));
		}
		if (rc == 0 && fd >= 0 &&
		    fstatat(fd, slash ? slash + 1 : p, &st,
			    AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
			rc = gic_seterr(GIC_EUSAGE, "'%s', a file of an earlier "
					"export, is a directory now: move it "
					"out of the way (nothing was removed)",
					p);
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Keeps in l only the files that are there to remove: what the catalog
 * recorded (listed without a hash), gicat wrote; a MANIFEST line alone
 * vouches for nothing (any sha256sum listing reads as one), so its file
 * goes only while it holds the line's hash.  Sorted by path. */
static int to_remove(int outfd, struct gic_export_files *l)
{
	char buf[PATH_MAX];
	const char *base;
	size_t out = 0;

	for (size_t i = 0; i < l->n; i++) {
		int fd = l->v[i].sha[0] ? open_parent(outfd, l->v[i].path, buf,
						      sizeof(buf), &base) : -1;
		int goes = !l->v[i].sha[0] || (fd >= 0 &&
					       holds(fd, base, l->v[i].sha));

		if (fd >= 0)
			close(fd);
		if (goes)
			l->v[out++] = l->v[i];
		else
			free(l->v[i].path);
	}
	l->n = out;
	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), gic_export_file_cmp);
	/* once each: recorded and listed in MANIFEST.sha256 too */
	for (size_t i = out = 0; i < l->n; i++) {
		if (out && !strcmp(l->v[out - 1].path, l->v[i].path))
			free(l->v[i].path);
		else
			l->v[out++] = l->v[i];
	}
	l->n = out;
	return removable(outfd, l);
}

/* The mark, before any file goes, lists what stays: the files not in
 * gone and the empty directories clearing it leaves.  A run killed while
 * removing gone (whose records are forgotten first) is then resumed like
 * one killed while writing, and what was still there of gone goes. */
int gic_export_mark_all(int outfd, const struct gic_export_files *gone,
			const struct gic_export_sets *ours)
{
	struct gic_export_files all = { 0 };
	char **kept = NULL, **paths = NULL;
	size_t n = 0;
	int rc = gic_export_walk(gic_export_dir_reopen(outfd), "", &all, 0, 1);

	if (rc == 0 && all.n && !(kept = calloc(all.n, sizeof(*kept))))
		rc = gic_seterr(GIC_ENOMEM, "out of memory");
	for (size_t i = 0; rc == 0 && i < all.n; i++) {
		const struct gic_export_file *e = &all.v[i];

		if (!strcmp(e->path, GIC_EXPORT_MARK) ||
		    !strcmp(e->path, GIC_EXPORT_MARK_TMP) ||
		    (!e->dir && gone->n && bsearch(e, gone->v, gone->n,
						   sizeof(*gone->v),
						   gic_export_file_cmp)) ||
		    (e->dir && gic_export_dir_wanted(gone->v, gone->n,
						     sizeof(*gone->v), e->path)))
			continue;
		kept[n++] = e->path;
	}
	if (rc == 0 && gone->n && !(paths = calloc(gone->n, sizeof(*paths))))
		rc = gic_seterr(GIC_ENOMEM, "out of memory");
	for (size_t i = 0; rc == 0 && i < gone->n; i++)
		paths[i] = gone->v[i].path;
	if (rc == 0) {
		if (n)
			qsort(kept, n, sizeof(*kept), gic_strp_cmp);
		rc = gic_export_mark(outfd, kept, n, ours, paths, gone->n);
	}
	free(paths);
	free(kept);
	gic_export_files_free(&all);
	return rc;
}

int gic_export_clear(struct gic_catalog *c, const char *dir, int outfd,
		     const struct gic_export_sets *mark,
		     struct gic_export_cleared *out)
{
	struct gic_export_files known = { 0 }, left = { 0 };
	char hex[GIC_HEX_LEN + 1];
	int rc;

	memset(out, 0, sizeof(*out));
	rc = gic_export_recorded(c, dir, 1, &known);
	/* a MANIFEST.sha256 speaks for an export (copied from elsewhere)
	 * only beside the task.ini an export writes: any sha256sum listing
	 * of one's own files is named so too */
	if (rc >= 0 && gic_export_task_ini_hash(outfd, hex) == 1)
		rc = gic_export_listed(outfd, &known);
	if (rc == GIC_ENOTFOUND)
		rc = 0; /* no MANIFEST.sha256: what the catalog knows */
	if (rc >= 0)
		rc = to_remove(outfd, &known);
	if (rc >= 0 && mark)
		rc = gic_export_mark_all(outfd, &known, mark);
	if (rc >= 0)
		rc = gic_export_forget(c, dir);
	/* one that fails to go stops the run: its mark stays, so that the
	 * next run removes what is left of the earlier export */
	for (size_t i = 0; rc >= 0 && i < known.n; i++)
		if ((rc = gic_export_remove_file(outfd, known.v[i].path)) > 0)
			out->removed++;
	if (rc >= 0) {
		remove_empty_dirs(outfd, &known);
		rc = gic_export_walk(gic_export_dir_reopen(outfd), "", &left, 0, 1);
	}
	if (rc >= 0 && left.n) {
		qsort(left.v, left.n, sizeof(*left.v), gic_export_file_cmp);
		if (!(out->left = calloc(left.n, sizeof(char *))))
			rc = gic_seterr(GIC_ENOMEM, "out of memory");
		for (size_t i = 0; rc >= 0 && i < left.n; i++) {
			if (!strcmp(left.v[i].path, GIC_EXPORT_MARK) ||
			    !strcmp(left.v[i].path, GIC_EXPORT_MARK_TMP))
				continue;  /* stays until the export is done */
			out->left[out->nleft++] = left.v[i].path;
			left.v[i].path = NULL;
		}
	}
	gic_export_files_free(&known);
	gic_export_files_free(&left);
	return rc < 0 ? rc : 0;
}
