/*
 * export-check.c - `split --check DIR`: does an output directory still hold
 * exactly what was exported?  The expected files come from the catalog's
 * record of the latest materialization into DIR, or, for a directory the
 * catalog never wrote (copied from another machine), from its own
 * MANIFEST.sha256.  Every file is re-hashed; missing, changed and extra
 * files are each reported.  The lists of an export's files (recorded,
 * listed, found) serve export-clear.c's removal too.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "export-int.h"
#include "rehash.h"

static int push(struct gic_export_files *l, const char *path, const char *sha)
{
	if (gic_grow(&l->v, l->n, &l->cap, sizeof(*l->v), 1024))
		return GIC_ENOMEM;
	if (!(l->v[l->n].path = strdup(path)))
		return gic_seterr(GIC_ENOMEM, "out of memory");
	snprintf(l->v[l->n].sha, sizeof(l->v[0].sha), "%s", sha ? sha : "");
	l->v[l->n].link = NULL;
	l->v[l->n].dir = 0;
	l->v[l->n].ino = 0;
	l->v[l->n].err = 0;
	l->n++;
	return 0;
}

int gic_export_file_cmp(const void *a, const void *b)
{
	return strcmp(((const struct gic_export_file *)a)->path,
		      ((const struct gic_export_file *)b)->path);
}

int gic_export_dir_query(struct gic_catalog *c, const char *sql,
			 const char *dir, struct sqlite3_stmt **s)
{
	if (sqlite3_prepare_v2(c->db, sql, -1, s, NULL))
		return gic_db_fail(c->db, NULL);
	sqlite3_bind_text(*s, 1, dir, -1, SQLITE_STATIC);
	return 0;
}

/* From the catalog's latest record of dir, or with every, all its
 * records: 1 when a record was found. */
int gic_export_recorded(struct gic_catalog *c, const char *dir, int every,
			struct gic_export_files *l)
{
	sqlite3_stmt *s;
	int found = 0, rc = gic_export_dir_query(c, every ?
		"SELECT DISTINCT path, '' FROM materialized_files WHERE "
		"materialization_id IN (SELECT id FROM materializations WHERE "
		"out_dir = ?1)" :
		"SELECT path, coalesce(sha256, image_sha256) FROM "
		"materialized_files WHERE materialization_id = "
		GIC_EXPORT_LATEST, dir, &s);

	if (rc < 0)
		return rc;
	while (sqlite3_step(s) == SQLITE_ROW) {
		found = 1;
		if (push(l, (const char *)sqlite3_column_text(s, 0),
			 (const char *)sqlite3_column_text(s, 1)) < 0)
			break;
	}
	sqlite3_finalize(s);
	return found;
}

/* From MANIFEST.sha256 ("<sha256>  <path>" lines) in the directory dfd:
 * opened below it, as an absolute path near PATH_MAX could not be. */
int gic_export_listed(int dfd, struct gic_export_files *l)
{
	char line[PATH_MAX + 80];
	int fd = openat(dfd, "MANIFEST.sha256", O_RDONLY | O_NONBLOCK |
			O_CLOEXEC), rc = 0;
	FILE *f = fd < 0 ? NULL : fdopen(fd, "r");

	if (!f) {
		if (fd >= 0)
			close(fd);
		return gic_seterr(GIC_ENOTFOUND, "no MANIFEST.sha256");
	}
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (strlen(line) < GIC_HEX_LEN + 3 || line[GIC_HEX_LEN] != ' ')
			continue;
		line[GIC_HEX_LEN] = '\0';
		rc = push(l, line + GIC_HEX_LEN + 2, line);
	}
	fclose(f);
	return rc < 0 ? rc : push(l, "MANIFEST.sha256", NULL);
}

/* Every non-directory below the directory dfd (closed here), as paths
 * relative to the walk's start (rel: dfd's), a symbolic link with its
 * target; with dirs, every empty directory too ("x/").  A directory
 * nested deeper than any export nests is listed as it is, not entered. */
int gic_export_walk(int dfd, const char *rel, struct gic_export_files *l,
		    int depth, int dirs)
{
	char sub[PATH_MAX], to[PATH_MAX];
	struct dirent *e;
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	int rc = 0, fd;

	if (!d) {
		rc = gic_seterr(GIC_EIO, "'%s': %s", *rel ? rel : ".",
				strerror(errno));
		if (dfd >= 0)
			close(dfd);
		return rc;
	}
	while (rc == 0 && (e = readdir(d))) {
		struct stat st = { .st_mode = DTTOIF(e->d_type) };
		/* the type from the directory, where the file system gives
		 * it: a stat per file reads every inode, one after the other
		 * (the re-hash then reads them on several threads) */
		int found = e->d_type != DT_UNKNOWN ||
			    fstatat(dirfd(d), e->d_name, &st,
				    AT_SYMLINK_NOFOLLOW) == 0;
		size_t before = l->n;
		ssize_t n;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", e->d_name);
		if (depth < 32 && found && S_ISDIR(st.st_mode)) {
			int err;

			fd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY |
				    O_NOFOLLOW | O_CLOEXEC);
			err = fd < 0 ? errno : 0;
			if (fd >= 0)
				rc = gic_export_walk(fd, sub, l, depth + 1, dirs);
			else if (!l->unread_ok || err != EACCES)
				rc = gic_seterr(GIC_EIO, "'%s': %s", sub,
						strerror(err));
			if (rc == 0 && (dirs || err) && l->n == before &&
			    (rc = push(l, strcat(sub, "/"), NULL)) == 0) {
				l->v[l->n - 1].dir = 1;
				l->v[l->n - 1].err = err;
			}
		} else if ((rc = push(l, sub, NULL)) == 0) {
			l->v[l->n - 1].ino = e->d_ino;
			if (found && S_ISLNK(st.st_mode) &&
			    (n = readlinkat(dirfd(d), e->d_name, to,
					    sizeof(to) - 1)) >= 0) {
				to[n] = '\0';
				if (!(l->v[l->n - 1].link = strdup(to)))
					rc = gic_seterr(GIC_ENOMEM,
							"out of memory");
			}
		}
	}
	closedir(d);
	return rc;
}

/* The link path (below dfd, its target to) is the store's object of hash
 * sha (the links a symlink-mode export makes): named ".../objects/ab/
 * cdef...", and with the catalog c that recorded the export, the very
 * file of c's store, not a copy named so elsewhere (which could change
 * under the export). */
static int object_link(struct gic_catalog *c, int dfd, const char *path,
		       const char *to, const char *sha)
{
	char tail[GIC_HEX_LEN + 16], *obj;
	size_t n = strlen(to), k;
	struct stat a, b;
	int same;

	if (strlen(sha) != GIC_HEX_LEN)
		return 0;
	k = (size_t)snprintf(tail, sizeof(tail), "/objects/%.2s/%s", sha,
			     sha + 2);
	if (n < k || strcmp(to + n - k, tail))
		return 0;
	if (!c)  /* an export from elsewhere: its store is not here */
		return 1;
	obj = gic_odb_fs_path(c->odb, sha);
	same = obj && stat(obj, &a) == 0 && fstatat(dfd, path, &b, 0) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
	free(obj);
	return same;
}

/* A MANIFEST path that would leave the export (never read). */
static int leaves(const char *p)
{
	size_t n = strlen(p);

	return p[0] == '/' || !strcmp(p, "..") || !strncmp(p, "../", 3) ||
	       strstr(p, "/../") || (n >= 3 && !strcmp(p + n - 3, "/.."));
}

/* Is dir ("x/y/") below a file of l (sorted)? */
static int holds(const struct gic_export_files *l, const char *dir)
{
	return gic_export_has_below(l->v, l->n, sizeof(*l->v), dir);
}

/* The label directories a set keeps empty beside the directory of path
 * (dirlen bytes): the other label's of a set of one label, or beside
 * unlabelled/ both labels' when the set has no labelled file.  Into
 * pair[], their number; *unl: beside unlabelled/. */
static int kept_empty(const char *path, size_t dirlen, const char *dir[2],
		      const struct gic_export_files *want,
		      char pair[2][PATH_MAX], int *unl)
{
	size_t base;

	if (!(*unl = gic_export_is_unlabelled(path, dirlen, &base)))
		return gic_export_label_sibling(path, dirlen, pair[0],
						PATH_MAX);
	for (int k = 0; k < 2; k++)
		snprintf(pair[k], PATH_MAX, "%.*s%s/", (int)base, path, dir[k]);
	return holds(want, pair[0]) || holds(want, pair[1]) ? 0 : 2;
}

/* The label directories a set of one label keeps empty, in a layout with
 * label directories (labels.json names them: real_dir, fake_dir): one
 * missing (lost by a copy that skips empty directories, or an export
 * older than them) is a drift, as ImageFolder would then number the
 * labels otherwise. */
static void missing_pairs(int dfd, const struct gic_export_files *want,
			  const struct gic_export_files *have,
			  void (*on_drift)(void *, const char *, const char *),
			  void *arg, uint64_t *drifts)
{
	char pair[2][PATH_MAX];
	const char *path, *slash, *last = NULL, *dir[2];
	size_t lastlen = 0;
	int fd = openat(dfd, "labels.json", O_RDONLY | O_NONBLOCK |
			O_CLOEXEC), dirs, unl, n;
	json_t *labels = fd < 0 ? NULL : json_loadfd(fd, 0, NULL);

	if (fd >= 0)
		close(fd);
	dir[0] = json_string_value(json_object_get(labels, "real_dir"));
	dir[1] = json_string_value(json_object_get(labels, "fake_dir"));
	dirs = dir[0] && dir[1];
	for (size_t i = 0; dirs && i < want->n; i++) {
		path = want->v[i].path;
		if (!(slash = strrchr(path, '/')) ||  /* its directory, once */
		    ((size_t)(slash - path) == lastlen &&
		     !strncmp(path, last, lastlen)))
			continue;
		last = path;
		lastlen = (size_t)(slash - path);
		n = kept_empty(path, lastlen, dir, want, pair, &unl);
		/* one with files of its own was not empty: they are listed
		 * as missing one by one */
		for (int k = 0; k < n; k++) {
			if (holds(have, pair[k]) || holds(want, pair[k]))
				continue;
			on_drift(arg, pair[k], unl ?
				 "missing: the empty directory of a label "
				 "(without it ImageFolder numbers unlabelled/ "
				 "otherwise; make it, or split --force again)" :
				 "missing: the empty directory of the other "
				 "label (without it ImageFolder numbers this "
				 "set's one label 0; make it, or split --force "
				 "again)");
			(*drifts)++;
		}
	}
	json_decref(labels);
}

/* Drifts held back to be said in path order among compare's: the
 * missing label directories (few: two a set at most), found first. */
struct held {
	struct held_drift { char *path, *why; } *v;
	size_t n, cap, next;
	int oom;
	void (*on_drift)(void *, const char *, const char *);
	void *arg;
};

static void hold(void *arg, const char *path, const char *why)
{
	struct held *h = arg;
	char *p = strdup(path), *w = strdup(why);

	if (!p || !w || gic_grow(&h->v, h->n, &h->cap, sizeof(*h->v), 8)) {
		free(p);
		free(w);
		h->oom = 1;
		return;
	}
	h->v[h->n++] = (struct held_drift){ p, w };
}

static int by_held_path(const void *a, const void *b)
{
	return strcmp(((const struct held_drift *)a)->path,
		      ((const struct held_drift *)b)->path);
}

/* Says the held drifts before path (all of them: NULL), then path's. */
static void merged(void *arg, const char *path, const char *why)
{
	struct held *h = arg;

	for (; h->next < h->n && (!path ||
				  strcmp(h->v[h->next].path, path) < 0);
	     h->next++)
		h->on_drift(h->arg, h->v[h->next].path, h->v[h->next].why);
	if (path)
		h->on_drift(h->arg, path, why);
}

static void held_free(struct held *h)
{
	for (size_t i = 0; i < h->n; i++)
		free(h->v[i].path), free(h->v[i].why);
	free(h->v);
}

/* The files compare re-hashes: collected on its first pass, read all
 * at once (gic_rehash), and taken in the same order on its second. */
struct hashes {
	struct gic_rehash *v;
	size_t n, cap, next;
	int collect, oom;
	char one[GIC_HEX_LEN + 1];
};

/* The file want, found as have: on the second pass its hash, or NULL
 * (the error set, saying why but not which: the drift names the file)
 * for one that could not be read; NULL on the first. */
static const char *hashed(struct hashes *h, int dfd,
			  const struct gic_export_file *want,
			  const struct gic_export_file *have)
{
	struct gic_rehash *r;

	if (h->collect) {
		if (gic_grow(&h->v, h->n, &h->cap, sizeof(*h->v), 1024))
			h->oom = 1;
		else
			h->v[h->n++] = (struct gic_rehash){
				.path = want->path, .ino = have->ino };
		return NULL;
	}
	if (h->next == h->n || h->v[h->next].path != want->path)
		/* the directory changed between the passes */
		return gic_sha256_at(dfd, want->path, h->one) < 0 ? NULL :
		       h->one;
	r = &h->v[h->next++];
	if (!r->got[0])
		gic_seterr(GIC_EIO, "%s", r->err ? r->err : "out of memory");
	return r->got[0] ? r->got : NULL;
}

static void compare(struct gic_catalog *cat, int dfd,
		    struct gic_export_files *want,
		    struct gic_export_files *have, struct hashes *h,
		    void (*on_drift)(void *, const char *, const char *),
		    void *arg, uint64_t *checked, uint64_t *drifts)
{
	size_t i = 0, j = 0, ul = 0;
	const char *got, *unread = NULL;
	char why[PATH_MAX + 128];

	while (i < want->n || j < have->n) {
		int c = i == want->n ? 1 : j == have->n ? -1 :
			strcmp(want->v[i].path, have->v[j].path);
		if (c < 0 && unread && !strncmp(want->v[i].path, unread, ul)) {
			i++;  /* in a directory that could not be read */
			continue;
		}
		if (c > 0 && have->v[j].err) {
			snprintf(why, sizeof(why), "cannot be read: %s (what "
				 "the export has in it is not checked)",
				 strerror(have->v[j].err));
			on_drift(arg, have->v[j].path, why);
			unread = have->v[j].path;
			ul = strlen(unread);
			j++;
			(*drifts)++;
			continue;
		}
		if (c < 0) {
			on_drift(arg, want->v[i].path, leaves(want->v[i].path) ?
				 "a path outside the export: not read" :
				 "missing");
			i++;
			(*drifts)++;
			continue;
		}
		if (c > 0 && have->v[j].dir &&
		    gic_export_dir_wanted(want->v, want->n, sizeof(*want->v),
					  have->v[j].path)) {
			j++;  /* the empty label directory of a set */
			continue;
		}
		if (c > 0 && !have->v[j].dir && !have->v[j].link &&
		    !strcmp(have->v[j].path, GIC_EXPORT_MARK_TMP)) {
			j++;  /* an export killed before it touched a file:
				 the next one removes it */
			continue;
		}
		if (c > 0 && have->v[j].link) {
			/* a set or label directory made a link, mostly */
			snprintf(why, sizeof(why), "a symbolic link to '%s', "
				 "not part of the export", have->v[j].link);
			on_drift(arg, have->v[j].path, why);
			j++;
			(*drifts)++;
			continue;
		}
		if (c > 0) {
			on_drift(arg, have->v[j].path, !have->v[j].dir ?
				 "not part of the export" :
				 gic_export_beside_labels(want->v, want->n,
							  sizeof(*want->v),
							  have->v[j].path) ?
				 "an empty directory, not part of the export "
				 "(ImageFolder would take it for a class)" :
				 "an empty directory, not part of the export");
			j++;
			(*drifts)++;
			continue;
		}
		(*checked)++;
		if (have->v[j].link &&
		    !object_link(cat, dfd, have->v[j].path, have->v[j].link,
				 want->v[i].sha)) {
			/* what a file of the export points at can change
			 * under it: only the store's objects are vouched for */
			snprintf(why, sizeof(why), "a symbolic link to '%s', "
				 "neither a file of the export nor its object "
				 "in the store", have->v[j].link);
			on_drift(arg, want->v[i].path, why);
			(*drifts)++;
		} else if (want->v[i].sha[0] &&
			   !(got = hashed(h, dfd, &want->v[i], &have->v[j]))) {
			on_drift(arg, want->v[i].path, gic_errmsg());
			(*drifts)++;
		} else if (want->v[i].sha[0] && strcmp(got, want->v[i].sha)) {
			snprintf(why, sizeof(why), "changed (sha256 %.16s..., "
				 "expected %.16s...)", got, want->v[i].sha);
			on_drift(arg, want->v[i].path, why);
			(*drifts)++;
		}
		i++, j++;
	}
}

/* Nothing said, nothing counted: the first pass of compare. */
static void quiet(void *arg, const char *path, const char *why)
{
	(void)arg, (void)path, (void)why;
}

/* The progress of the reading, through the catalog's hook. */
static void tick(void *arg, size_t done, size_t total)
{
	gic_progress(arg, "split --check: files read", done, total);
}

/* compare, with the files to hash read all at once between its passes
 * (c, when given, shows how far they are). */
static int compare_all(struct gic_catalog *c, struct gic_catalog *cat,
		       int dfd, struct gic_export_files *want,
		       struct gic_export_files *have, int jobs,
		       void (*on_drift)(void *, const char *, const char *),
		       void *arg, uint64_t *checked, uint64_t *drifts)
{
	struct hashes h = { .collect = 1 };
	uint64_t n1 = 0, n2 = 0;
	int rc;

	compare(cat, dfd, want, have, &h, quiet, NULL, &n1, &n2);
	rc = h.oom ? gic_seterr(GIC_ENOMEM, "out of memory") :
	     gic_rehash(dfd, h.v, h.n, jobs, c ? tick : NULL, c);
	h.collect = 0;
	if (rc == 0)
		compare(cat, dfd, want, have, &h, on_drift, arg, checked,
			drifts);
	for (size_t k = 0; k < h.n; k++)
		free(h.v[k].err);
	free(h.v);
	return rc;
}

void gic_export_files_free(struct gic_export_files *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].path);
		free(l->v[i].link);
	}
	free(l->v);
}

int gic_export_check(struct gic_catalog *c, const char *dir, int jobs,
		     void (*on_drift)(void *arg, const char *path,
				      const char *why),
		     void *arg, uint64_t *checked, uint64_t *drifts)
{
	struct gic_export_files want = { 0 }, have = { 0 };
	struct held held = { .on_drift = on_drift, .arg = arg };
	char *abs = realpath(dir, NULL);
	int rc, dfd, open_err = 0, recorded;

	*checked = *drifts = 0;
	if (!abs)
		return gic_seterr(GIC_ENOTFOUND, "%s", strerror(errno));
	if ((dfd = open(abs, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		open_err = errno;  /* said after what the records say */
	else if (faccessat(dfd, GIC_EXPORT_MARK, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		/* whatever is there, it is not a whole export; a running
		 * one holds the directory's lock */
		int busy = flock(dfd, LOCK_SH | LOCK_NB) < 0 &&
			   errno == EWOULDBLOCK;
		on_drift(arg, GIC_EXPORT_MARK, busy ? "an export is writing "
			 "into it now: check it when that is done" : "an export "
			 "into it did not finish (killed, or it failed): split "
			 "or export into it again");
		*drifts = 1;
		close(dfd);
		free(abs);
		return 0;
	}
	rc = c ? gic_export_recorded(c, abs, 0, &want) : 0;
	recorded = rc == 1;
	if (rc == 0 && open_err == ENOTDIR)
		rc = gic_seterr(GIC_ENOTFOUND, "not a directory");
	else if (rc == 0 && dfd >= 0 &&
		 (rc = gic_export_listed(dfd, &want)) == GIC_ENOTFOUND)
		rc = gic_seterr(GIC_ENOTFOUND, "%s, and no MANIFEST.sha256 in "
				"it says what it holds", c ? "not exported by "
				"this catalog" : "no catalog was found to have "
				"recorded it");
	if (rc >= 0 && dfd < 0)
		rc = gic_seterr(GIC_EIO, "%s", strerror(open_err));
	have.unread_ok = 1;  /* a directory that cannot be read: a drift */
	if (rc >= 0)
		rc = gic_export_walk(gic_export_dir_reopen(dfd), "", &have, 0, 1);
	if (rc >= 0) {
		if (want.n)
			qsort(want.v, want.n, sizeof(*want.v), gic_export_file_cmp);
		if (have.n)
			qsort(have.v, have.n, sizeof(*have.v), gic_export_file_cmp);
		missing_pairs(dfd, &want, &have, hold, &held, drifts);
		if (held.n)
			qsort(held.v, held.n, sizeof(*held.v), by_held_path);
		rc = held.oom ? gic_seterr(GIC_ENOMEM, "out of memory") :
		     compare_all(c, recorded ? c : NULL, dfd, &want, &have,
				 jobs, merged, &held, checked, drifts);
		merged(&held, NULL, NULL);
	}
	held_free(&held);
	if (rc >= 0)
		rc = c ? gic_export_check_listed(c, abs, on_drift, arg,
						 drifts) : 0;
	if (dfd >= 0)
		close(dfd);
	gic_export_files_free(&want);
	gic_export_files_free(&have);
	free(abs);
	return rc;
}
