/*
 * export.c - materializing a resolved task: set directories laid out for
 * a trainer (imagefolder, genimage, hf, webdataset, manifest), image files
 * placed by hard link, symlink, reflink or copy, then the metadata and the
 * catalog record (export-meta.c).
 *
 * Every path written is built here from set names (validated when the task
 * was parsed), label words and content hashes, and is opened relative to
 * the output directory with O_NOFOLLOW at every level: nothing lands
 * outside --out even if the directory holds planted symlinks.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "export-int.h"
#include "json.h"

int gic_export_dir_reopen(int dfd)
{
	return openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* Notes the directory rel, which this run created (for an undo). */
static int note_made(struct gic_export_ctx *x, const char *rel)
{
	char *keep = strdup(rel);

	if (!keep || gic_grow(&x->made, x->nmade, &x->made_cap,
			      sizeof(*x->made), 16) < 0) {
		free(keep);
		return GIC_ENOMEM;
	}
	x->made[x->nmade++] = keep;
	return 0;
}

/* 1 (and the error set) when rel below outfd is a symbolic link or
 * another file where an export wants a directory; 0 when it is one or
 * is not there. */
static int not_dir(int outfd, const char *rel)
{
	struct stat st;

	if (fstatat(outfd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    S_ISDIR(st.st_mode))
		return 0;
	if (S_ISLNK(st.st_mode))
		gic_seterr(GIC_EUSAGE, "its '%s' is a symbolic link: an export "
			   "writes into directories only (remove it)", rel);
	else
		gic_seterr(GIC_EUSAGE, "its '%s' is not a directory: an export "
			   "writes a directory there (remove it)", rel);
	return 1;
}

/* Refuses, before --force removes anything, an --out where a directory
 * of a set this export writes (or a label directory of one, unlabelled/
 * too) is a symbolic link or a file: the export would fail there after
 * the older one was gone. */
static int dirs_check(const struct gic_export_ctx *x)
{
	static const char *const label[] = { "real", "fake", "" };
	enum gic_export_format f = x->opts->format;
	int labels = f == GIC_FMT_IMAGEFOLDER || f == GIC_FMT_GENIMAGE;
	char rel[4096];

	for (int i = 0; i < x->r->nsets; i++) {
		const struct gic_resolved_set *s = &x->r->sets[i];

		for (int k = -1; s->n && k < (labels ? 3 : 0); k++) {
			char *c = rel;

			snprintf(rel, sizeof(rel), "%s%s%s", s->def->name,
				 k < 0 ? "" : "/", k < 0 ? "" :
				 gic_export_label_dir(f, label[k]));
			do {  /* each prefix, from the top down */
				char keep = *(c = c + strcspn(c, "/"));

				*c = '\0';
				if (not_dir(x->outfd, rel))
					return GIC_EUSAGE;
				*c = keep;
			} while (*c++);
		}
	}
	return 0;
}

int gic_export_dir(struct gic_export_ctx *x, const char *rel, int *fd)
{
	char buf[4096], made[4096] = "", *save = NULL, *comp, *keep;
	int cur, next, made_now;
	unsigned slot;

	for (int i = 0; i < GIC_EXPORT_DIRS && x->dirs[i].rel; i++)
		if (!strcmp(rel, x->dirs[i].rel)) {
			*fd = x->dirs[i].fd;
			return 0;
		}
	if (snprintf(buf, sizeof(buf), "%s", rel) >= (int)sizeof(buf) ||
	    rel[0] == '/')
		return gic_seterr(GIC_EUSAGE, "bad output path '%s'", rel);
	cur = dup(x->outfd);
	for (comp = strtok_r(buf, "/", &save); comp && cur >= 0;
	     comp = strtok_r(NULL, "/", &save)) {
		if (!strcmp(comp, "..") || !strcmp(comp, ".")) {
			close(cur);
			return gic_seterr(GIC_EUSAGE, "bad output path '%s'", rel);
		}
		/* made: the path down to comp (as long as rel, which fits) */
		snprintf(made + strlen(made), sizeof(made) - strlen(made),
			 "%s%s", *made ? "/" : "", comp);
		made_now = mkdirat(cur, comp, 0777) == 0;
		if (!made_now && errno != EEXIST) {
			next = -1;
		} else if (made_now && note_made(x, made) < 0) {
			close(cur);
			return gic_seterr(GIC_ENOMEM, "out of memory");
		} else {
			next = openat(cur, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
				      O_CLOEXEC);
		}
		close(cur);
		cur = next;
	}
	if (cur < 0) { /* made: the path down to where it failed */
		int e = errno;

		return not_dir(x->outfd, made) ? GIC_EUSAGE :
		       gic_seterr(GIC_EIO, "its '%s': not a directory we may "
				  "write (%s)", made, strerror(e));
	}
	if (!(keep = strdup(rel))) {
		close(cur);
		return gic_seterr(GIC_ENOMEM, "out of memory");
	}
	slot = x->next_dir++ % GIC_EXPORT_DIRS;
	if (x->dirs[slot].rel) {
		free(x->dirs[slot].rel);
		close(x->dirs[slot].fd);
	}
	x->dirs[slot].rel = keep;
	x->dirs[slot].fd = cur;
	*fd = cur;
	return 0;
}

int gic_export_record(struct gic_export_ctx *x, const char *rel,
		      const char *sha, const char *image, const char *set)
{
	struct gic_out_file *f;

	if (gic_grow(&x->files, x->nfiles, &x->cap, sizeof(*x->files), 1024))
		return GIC_ENOMEM;
	f = &x->files[x->nfiles];
	if (!(f->path = strdup(rel)))
		return gic_seterr(GIC_ENOMEM, "out of memory");
	snprintf(f->sha256, sizeof(f->sha256), "%s", sha);
	snprintf(f->image, sizeof(f->image), "%s", image ? image : "");
	f->set = set;
	x->nfiles++;
	return 0;
}

int gic_export_parent(struct gic_export_ctx *x, const char *rel, int *dfd,
		      const char **base)
{
	char dir[4096];
	const char *slash = strrchr(rel, '/');

	*base = slash ? slash + 1 : rel;
	if (!slash) {
		*dfd = x->outfd;
		return 0;
	}
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - rel), rel);
	return gic_export_dir(x, dir, dfd);
}

int gic_export_write_at(int dfd, const char *base, const void *buf,
			size_t len)
{
	int fd = openat(dfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
			O_CLOEXEC, 0644);
	const char *p = buf;
	ssize_t n;

	int err;

	if (fd < 0)
		return -1;
	for (; len; p += n, len -= (size_t)n)
		if ((n = write(fd, p, len)) < 0)
			break;
	if (!len && close(fd) == 0)
		return 0;
	/* a short file is not left to look like an exported one (a full
	 * disk): the cleanup of a failed export removes only what it
	 * recorded */
	err = errno;
	if (len)
		close(fd);
	unlinkat(dfd, base, 0);
	errno = err;
	return -1;
}

int gic_export_write(struct gic_export_ctx *x, const char *rel,
		     const void *buf, size_t len, const char *set)
{
	char sha[GIC_HEX_LEN + 1];
	const char *base;
	int dfd, rc;

	if ((rc = gic_export_parent(x, rel, &dfd, &base)) < 0)
		return rc;
	if (x->overwrite)
		unlinkat(dfd, base, 0);
	if (gic_export_write_at(dfd, base, buf, len) < 0)
		return gic_seterr(GIC_EIO, "write '%s/%s': %s", x->out, rel,
				  strerror(errno));
	gic_sha256_hex(buf, len, sha);
	return gic_export_record(x, rel, sha, NULL, set);
}

/* rc, for a directory this run must leave as it found it (another's
 * export, a user's files): no undo, which prunes empty directories. */
static int not_ours(struct gic_export_ctx *x, int rc)
{
	close(x->outfd);
	x->outfd = -1;
	return rc;
}

/* What the directory d (closed here; NULL: nothing) holds: anything,
 * and the mark of an export that did not finish. */
static void contents(DIR *d, int *nonempty, int *marked)
{
	struct dirent *e;

	*nonempty = *marked = 0;
	while (d && (e = readdir(d))) {
		*nonempty |= strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
			     strcmp(e->d_name, GIC_EXPORT_MARK_TMP);
		*marked |= !strcmp(e->d_name, GIC_EXPORT_MARK);
	}
	if (d)
		closedir(d);
}

/* Refuses an --out that holds a file the catalog keeps by reference
 * (ingest --mode ref): an export there would write over it, or --force
 * remove it. */
static int holds_refs(struct gic_catalog *c, const char *out)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(c->db, "SELECT ref_path FROM images WHERE "
			       "storage = 'ref' AND ref_path >= ?1 AND "
			       "ref_path < ?1 || '0' AND "
			       GIC_SQL_UNDER("ref_path", "?1") " LIMIT 1", -1,
			       &s, NULL))
		return gic_db_fail(c->db, NULL);
	sqlite3_bind_text(s, 1, out, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		rc = gic_seterr(GIC_EUSAGE, "holds files the catalog uses by "
				"reference (ingest --mode ref), such as '%s': "
				"write exports elsewhere",
				(const char *)sqlite3_column_text(s, 0));
	else
		rc = rc == SQLITE_DONE ? 0 : gic_db_fail(c->db, NULL);
	sqlite3_finalize(s);
	return rc;
}

/* --force empties what it is given: never the catalog with it, nor the
 * files it keeps by reference (real: --out's real path). */
static int holds_ours(struct gic_catalog *c, const char *real)
{
	const char *dir = c->real_dir;

	if (dir && gic_path_within(dir, real))
		return gic_seterr(GIC_EUSAGE, "holds the catalog (%s): write "
				  "exports elsewhere", dir);
	return holds_refs(c, real);
}

#define NOT_EMPTY "not empty: refusing to write into it (use --force)"

/* An --out inside a directory this catalog exported into (which still
 * holds its MANIFEST.sha256) would change that export under it, and one
 * holding such a directory would take its files among its own: refused.
 * out need not exist; its parent is resolved. */
static int nests_export(struct gic_catalog *c, const char *out)
{
	char *copy = strdup(out), *parent, *real = NULL, *abs = NULL;
	sqlite3_stmt *s = NULL;
	int rc = copy ? 0 : gic_seterr(GIC_ENOMEM, "out of memory");

	if (rc == 0 && !(abs = realpath(out, NULL)) && (parent = realpath(
	    dirname(copy), NULL))) {
		strcpy(copy, out);
		if (asprintf(&abs, "%s/%s", parent, basename(copy)) < 0)
			abs = NULL;
		free(parent);
	}
	if (abs && sqlite3_prepare_v2(c->db, "SELECT DISTINCT out_dir, "
				      "task_name, substr(?1, 1, length(out_dir) "
				      "+ 1) = out_dir || '/' FROM "
				      "materializations WHERE substr(?1, 1, "
				      "length(out_dir) + 1) = out_dir || '/' OR "
				      "substr(out_dir, 1, length(?1) + 1) = ?1 "
				      "|| '/' ORDER BY out_dir", -1, &s,
				      NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, abs, -1, SQLITE_STATIC);
		while (rc == 0 && sqlite3_step(s) == SQLITE_ROW) {
			const char *dir = (const char *)sqlite3_column_text(s, 0);
			const char *task = (const char *)sqlite3_column_text(s, 1);
			int split = strcmp(task, "export") != 0;
			int inside = sqlite3_column_int(s, 2);

			free(real);
			if (asprintf(&real, "%s/MANIFEST.sha256", dir) < 0)
				real = NULL;
			if (real && access(real, F_OK) == 0)
				rc = gic_seterr(GIC_EUSAGE, "%s '%s', %s%s by this "
						"catalog: writing here would %s "
						"(split --check would fail); "
						"write exports beside it",
						inside ? "inside" : "holds", dir,
						split ? "a split of " :
						"an export", split ? task : "",
						inside ? "change it" :
						"take its files among these");
		}
	}
	sqlite3_finalize(s);
	free(real);
	free(abs);
	free(copy);
	return rc;
}

int gic_export_out_check(struct gic_catalog *c, const char *out, int force)
{
	const char *dir;
	struct stat st;
	char *copy, *real;
	int gone, nonempty, marked;

	if (!*out)
		return gic_seterr(GIC_EUSAGE, "--out is empty");
	if ((dir = gic_catalog_holds(c, out)))
		return gic_seterr(GIC_EUSAGE, "inside the catalog (%s): write "
				  "exports elsewhere", dir);
	if (stat(out, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return gic_seterr(GIC_EUSAGE, "exists and is not a "
					  "directory");
		if ((real = realpath(out, NULL))) {
			int rc = holds_ours(c, real);

			free(real);
			if (rc < 0)
				return rc;
		}
		if ((gone = nests_export(c, out)) < 0)
			return gone;
		contents(force ? NULL : opendir(out), &nonempty, &marked);
		if (nonempty && !marked)
			return gic_seterr(GIC_EUSAGE, NOT_EMPTY);
		return 0;
	}
	if (lstat(out, &st) == 0)
		return gic_seterr(GIC_EUSAGE, "a symlink to nothing");
	if (!(copy = strdup(out)))
		return gic_seterr(GIC_ENOMEM, "out of memory");
	/* "a/b/": a; 1 missing, 2 not a directory */
	if (stat(dirname(copy), &st) < 0)
		gone = errno == ENOENT ? 1 : errno == ENOTDIR ? 2 : 0;
	else
		gone = S_ISDIR(st.st_mode) ? 0 : 2;
	free(copy);
	return gone ? gic_seterr(GIC_EUSAGE, "cannot be created: its parent "
				 "%s", gone == 1 ? "directory does not exist" :
				 "is not a directory") : nests_export(c, out);
}

/* --out must be new or empty, unless --force: then what earlier exports
 * wrote there goes first, so that none of their images stays in a set. */
static int open_out(struct gic_export_ctx *x, const char *out,
		    struct gic_export_cleared *cleared)
{
	int nonempty, found, fd, rc;
	struct stat st;
	DIR *d;

	/* an --out there already is refused here if it holds the catalog or
	 * its ref'd files (a scan of the images); one made below is empty */
	if ((rc = gic_export_out_check(x->cat, out, 1)) < 0)
		return rc;
	if (mkdir(out, 0777) == 0)
		x->made_out = 1;
	else if (errno == ENOENT) /* gone meanwhile */
		return gic_seterr(GIC_EUSAGE, "cannot be created: its parent "
				  "directory does not exist");
	else if (errno != EEXIST)
		return gic_seterr(GIC_EIO, "create '%s': %s", out, strerror(errno));
	if (stat(out, &st) < 0)  /* it exists: a symlink to nothing */
		return gic_seterr(GIC_EUSAGE, "a symlink to nothing: %s",
				  strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return gic_seterr(GIC_EUSAGE, "exists and is not a directory");
	if (!(x->out = realpath(out, NULL)))
		return gic_seterr(GIC_EIO, "%s", strerror(errno));
	x->outfd = open(x->out, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (x->outfd < 0)
		return gic_seterr(GIC_EIO, "'%s': %s", out, strerror(errno));
	/* one export at a time into a directory: two --force runs removed
	 * each other's files, and two into a new one could both find it
	 * empty (held until the descriptor closes, at the end) */
	if (flock(x->outfd, LOCK_EX | LOCK_NB) < 0)
		return not_ours(x, errno == EWOULDBLOCK ?
			gic_seterr(GIC_EBUSY, "another gicat is exporting into "
				   "it: wait for it to finish") :
			gic_seterr(GIC_EIO, "lock: %s", strerror(errno)));
	if ((fd = gic_export_dir_reopen(x->outfd)) < 0 || !(d = fdopendir(fd))) {
		rc = gic_seterr(GIC_EIO, "%s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return not_ours(x, rc);
	}
	contents(d, &nonempty, &found);
	if (nonempty && !x->opts->force && !found)
		return not_ours(x, gic_seterr(GIC_EUSAGE, NOT_EMPTY));
	if (nonempty && (rc = dirs_check(x)) < 0)
		return not_ours(x, rc);
	x->overwrite = nonempty;
	x->resumed = found;
	/* the mark goes first (a new one by the clear, before it removes
	 * anything); an empty --out may still have records (of an export
	 * removed by hand): a run killed here must not leave them to
	 * describe it */
	if (nonempty)
		rc = gic_export_clear(x->cat, x->out, x->outfd,
				      found ? NULL : &x->set_names, cleared);
	else if ((rc = gic_export_forget(x->cat, x->out)) == 0)
		rc = gic_export_mark(x->outfd, NULL, 0, &x->set_names, NULL,
				     0);
	/* a killed run's files: those of its names its mark does not say
	 * were here */
	if (rc == 0 && found)
		rc = gic_export_resume(x->outfd, x->opts->force, &x->set_names,
				       cleared);
	x->marked = rc == 0;
	return rc;
}

/* An empty directory left in the export that no export made (written:
 * the export's files, sorted; NULL when out of memory): counted, the
 * first named, and whether ImageFolder would take it for a class. */
static void kept_dir(struct gic_export_cleared *c, const char *dir,
		     char **written, size_t n)
{
	if (!c->kept_dirs++)
		snprintf(c->first_kept_dir, sizeof(c->first_kept_dir), "%s",
			 dir);
	c->class_dirs += written &&
			 gic_export_beside_labels(written, n, sizeof(char *),
						  dir);
}

/* Sorts the files --force found and left into those this export wrote
 * over and those that stay, and the empty directories it left into
 * those it writes into and those that stay empty; frees the list. */
static void settle_left(struct gic_export_ctx *x, struct gic_export_cleared *c)
{
	char **written;

	if (!c->nleft) { /* the usual case: no sorted copy of every path */
		free(c->left);
		c->left = NULL;
		return;
	}
	written = calloc(x->nfiles + 1, sizeof(char *));
	for (size_t i = 0; written && i < x->nfiles; i++)
		written[i] = x->files[i].path;
	if (written)
		qsort(written, x->nfiles, sizeof(char *), gic_strp_cmp);
	for (size_t i = 0; i < c->nleft; i++) {
		size_t len = strlen(c->left[i]);
		int dir = len && c->left[i][len - 1] == '/', over;

		if (dir) {
			if (!written ||
			    !gic_export_dir_wanted(written, x->nfiles,
						   sizeof(char *), c->left[i]))
				kept_dir(c, c->left[i], written, x->nfiles);
			free(c->left[i]);
			continue;
		}
		over = written && bsearch(&c->left[i], written, x->nfiles,
					  sizeof(char *), gic_strp_cmp);
		if (over && !c->replaced++)
			snprintf(c->first_replaced, sizeof(c->first_replaced),
				 "%s", c->left[i]);
		if (!over && !c->kept++)
			snprintf(c->first_kept, sizeof(c->first_kept), "%s",
				 c->left[i]);
		free(c->left[i]);
	}
	free(c->left);
	free(written);
	c->left = NULL;
	c->nleft = 0;
}

/* x->set_names: the names of the sets. */
static int set_names(struct gic_export_ctx *x)
{
	struct gic_export_sets *t = &x->set_names;

	if (!(t->v = calloc((size_t)x->r->nsets + 1, sizeof(*t->v))))
		return gic_seterr(GIC_ENOMEM, "out of memory");
	for (int i = 0; i < x->r->nsets; i++)
		if (!(t->v[t->n++] = strdup(x->r->sets[i].def->name)))
			return gic_seterr(GIC_ENOMEM, "out of memory");
	return 0;
}

int gic_export(struct gic_catalog *c, const struct gic_resolved *r,
	       const char *out, const struct gic_export_opts *opts,
	       struct gic_export_report *rep)
{
	struct gic_export_ctx x = { .cat = c, .r = r, .opts = opts, .outfd = -1 };
	int rc;

	memset(rep, 0, sizeof(*rep));
	for (int i = 0; i < r->nsets; i++)
		x.total += r->sets[i].n;
	if (!x.total) /* a typo in a select, most likely: nothing written */
		return gic_seterr(GIC_EUSAGE, "every set is empty: nothing to "
				  "write");
	if ((rc = gic_catalog_writable(c)) < 0 || (rc = set_names(&x)) < 0 ||
	    (rc = open_out(&x, out, &rep->cleared)) < 0)
		goto out;
	for (int i = 0; i < r->nsets && rc == 0; i++) {
		const struct gic_resolved_set *s = &r->sets[i];
		int files = opts->format != GIC_FMT_WEBDATASET &&
			    opts->format != GIC_FMT_MANIFEST;
		char **names = NULL;

		/* an empty set writes nothing, in any layout: no directory,
		 * no metadata.jsonl, shard index or manifest of no image */
		if (!s->n)
			continue;
		if (files && !(names = gic_export_names(&x, s)))
			rc = gic_seterr(GIC_ENOMEM, "out of memory");
		else if (opts->format == GIC_FMT_WEBDATASET)
			rc = gic_export_webdataset(&x, s);
		else if (files)
			rc = gic_export_images(&x, s, names);
		if (rc == 0)
			rc = gic_export_set_meta(&x, s, names);
		gic_export_names_free(names, s->n);
	}
	if (rc == 0)
		rc = gic_export_common_meta(&x);
	/* the files on disk before the record that vouches for them: after
	 * a power loss a recorded export is whole (one syncfs, as the store's
	 * batches; links and copies alike) */
	if (rc == 0 && syncfs(x.outfd) < 0)
		rc = gic_seterr(GIC_EIO, "sync '%s': %s", x.out,
				strerror(errno));
	if (rc == 0)
		rc = gic_export_save(&x, &rep->materialization_id);
	rep->resumed = x.resumed;
	rep->images = x.images;
	rep->files = x.nfiles;
	rep->copied_fallbacks = x.copied;
	rep->copied_errno = x.copied_errno;
out:
	settle_left(&x, &rep->cleared);
	if (rc < 0 && x.outfd >= 0)
		gic_export_undo(&x);
	/* done, or undone down to nothing; a run that failed with files
	 * of others kept in --out leaves it, so the retry needs no --force */
	if (x.marked && (rc == 0 || !x.overwrite || !rep->cleared.kept) &&
	    unlinkat(x.outfd, GIC_EXPORT_MARK, 0) < 0 && rc == 0)
		rc = gic_seterr(GIC_EIO, "remove %s: %s", GIC_EXPORT_MARK,
				strerror(errno));
	/* a directory this run made goes with it, when nothing is left */
	if (rc < 0 && x.made_out && x.out)
		rmdir(x.out);
	for (size_t i = 0; i < x.nfiles; i++)
		free(x.files[i].path);
	free(x.files);
	for (size_t i = 0; i < x.nmade; i++)
		free(x.made[i]);
	free(x.made);
	for (size_t i = 0; i < x.set_names.n; i++)
		free(x.set_names.v[i]);
	free(x.set_names.v);
	free(x.out);
	for (int i = 0; i < GIC_EXPORT_DIRS && x.dirs[i].rel; i++) {
		free(x.dirs[i].rel);
		close(x.dirs[i].fd);
	}
	if (x.outfd >= 0)
		close(x.outfd);
	return rc;
}
