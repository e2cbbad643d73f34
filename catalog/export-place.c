/*
 * export-place.c - a set's image files placed under --out: by hard link,
 * symlink or reflink without reading them, or copied (asked for, or
 * where the others cannot be made: across file systems, for an image
 * stored only by reference).
 *
 * A large set is placed by `jobs` threads, each on a directory of its own
 * where it can (link(2) into one directory takes that directory's lock: two
 * threads linking into two directories place 228,000 files 1.75 times as
 * fast as one, into one directory 1.25 times).  The threads only make
 * links; copies, records and messages follow in the set's order on the
 * calling thread, so the output and the catalog are the same whatever
 * --jobs is.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "export-int.h"
#include "forkjoin.h"

#define PAR_MIN 1024   /* items below which one thread places a set */
#define CHUNK 256      /* items a thread takes at a time */
#define MAX_THREADS 16

/* FICLONE obj to dfd/base: 0, or the errno of the failure (which leaves
 * nothing behind). */
static int clone_at(const char *obj, int dfd, const char *base)
{
	int src = open(obj, O_RDONLY | O_CLOEXEC), fd, err = 0;

	if (src < 0)
		return errno;
	fd = openat(dfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0644);
	if (fd < 0) {
		err = errno;
	} else {
		if (ioctl(fd, FICLONE, src) < 0)
			err = errno;
		close(fd);
		if (err)
			unlinkat(dfd, base, 0);
	}
	close(src);
	return err;
}

/* st (an lstat) is the object of it as the catalog says, or else
 * damaged: a file of its size, never a link to one elsewhere. */
static int size_sound(const struct stat *st, const struct gic_item *it)
{
	if (!S_ISREG(st->st_mode))
		return gic_seterr(GIC_ECORRUPT, "object %s is %s, not a file; "
				  "run 'gicat verify'", it->sha256,
				  gic_file_kind(st->st_mode));
	if ((uint64_t)st->st_size == it->bytes)
		return 0;
	return gic_seterr(GIC_ECORRUPT, "object %s is damaged: %lld bytes, "
			  "the catalog says %llu; run 'gicat verify --full'",
			  it->sha256, (long long)st->st_size,
			  (unsigned long long)it->bytes);
}

int gic_export_object_sound(const char *obj, const struct gic_item *it)
{
	struct stat st;

	if (lstat(obj, &st) < 0)
		return GIC_ENOTFOUND;  /* unset: ref'd images have no object */
	return size_sound(&st, it);
}

/*
 * A hard link to its object as dfd/base, its size checked on the link
 * (one look-up of the object's name, from the store's directory: a
 * split links hundreds of thousands).  0, or the errno that makes it a
 * copy (ENOENT: a ref'd image has no object); a damaged object is an
 * error (*rc), and no link is left.
 */
static int link_object(struct gic_export_ctx *x, const struct gic_item *it,
		       int dfd, const char *base, int *rc)
{
	char name[GIC_HEX_LEN + 2], *obj = NULL;
	int at = gic_odb_fs_at(x->cat->odb, it->sha256, name), err = 0;
	struct stat st;

	if (at < 0 && !(obj = gic_odb_fs_path(x->cat->odb, it->sha256))) {
		*rc = gic_odb_path_err(it->sha256);
		return 0;
	}
	if (linkat(at < 0 ? AT_FDCWD : at, at < 0 ? obj : name, dfd, base, 0))
		err = errno;
	free(obj);
	if (err)
		return err;
	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		*rc = gic_seterr(GIC_EIO, "stat of the link to object %s: %s",
				 it->sha256, strerror(errno));
	else
		*rc = size_sound(&st, it);
	if (*rc < 0)
		unlinkat(dfd, base, 0);
	return 0;
}

/*
 * Places it as dfd/base without reading its bytes.  0: placed; > 0: the
 * errno that makes it a copy (ENOENT: no object); -1: a copy was asked
 * for.  *rc < 0: the object is damaged (or memory ran out), nothing left.
 * Only system calls and this thread's error message: threads run it.
 */
static int place_fast(struct gic_export_ctx *x, const struct gic_item *it,
		      int dfd, const char *base, int *rc)
{
	enum gic_export_mode m = x->opts->mode;
	char *obj;
	int why = 0;

	*rc = 0;
	if (x->overwrite)
		unlinkat(dfd, base, 0);
	if (m == GIC_EXP_COPY)
		return -1;
	if (m == GIC_EXP_LINK)
		return link_object(x, it, dfd, base, rc);
	if (!(obj = gic_odb_fs_path(x->cat->odb, it->sha256))) {
		*rc = gic_odb_path_err(it->sha256);
		return 0;
	}
	if ((*rc = gic_export_object_sound(obj, it)) == GIC_ENOTFOUND) {
		why = ENOENT;
		*rc = 0;
	} else if (*rc == 0) {
		why = m == GIC_EXP_SYMLINK ? (symlinkat(obj, dfd, base) ? errno : 0)
					   : clone_at(obj, dfd, base);
	}
	free(obj);
	return why;
}

/* After place_fast: copies what it could not place (a copy re-hashes
 * what it writes), counting the copies that stand for a link with the
 * reason for the first, and records the file. */
static int place_rest(struct gic_export_ctx *x, const char *rel,
		      const struct gic_item *it, const char *set, int dfd,
		      const char *base, int why)
{
	unsigned char *buf = NULL;
	size_t len;
	int rc;

	if (why) {
		if ((rc = gic_image_read(x->cat, it->sha256, &buf, &len)) < 0)
			return rc;
		rc = gic_export_write_at(dfd, base, buf, len);
		free(buf);
		if (rc < 0)
			return gic_seterr(GIC_EIO, "write '%s/%s': %s", x->out,
					  rel, strerror(errno));
		if (why > 0 && x->copied++ == 0)
			x->copied_errno = why;
	}
	x->images++;
	return gic_export_record(x, rel, it->sha256, it->sha256, set);
}

/* Where item i of s goes, relative to the output directory. */
static void item_rel(struct gic_export_ctx *x, const struct gic_resolved_set *s,
		     char *const *names, size_t i, char *rel, size_t size)
{
	const char *dir = gic_export_item_dir(x->opts->format,
					      s->items[i].label);

	snprintf(rel, size, "%s/%s%s%s", s->def->name, dir, *dir ? "/" : "",
		 names[i]);
}

static void progress(struct gic_export_ctx *x, uint64_t done)
{
	if (x->opts->on_progress)
		x->opts->on_progress(x->opts->arg, done, x->total);
}

/* ---- a set placed by threads -------------------------------------------- */

struct slot {               /* one item */
	int dfd;                /* its directory */
	int why, rc;            /* place_fast's answer */
	char *err;              /* its message when rc < 0 */
};

struct dir {                /* a directory and the items going there */
	char *rel;
	int fd;                 /* ours (the context's cache may close its) */
	size_t *idx, n;
	_Atomic size_t next;
};

#define MAX_DIRS 8

struct par {
	struct gic_export_ctx *x;
	const struct gic_resolved_set *s;
	char *const *names;
	struct slot *slots;
	struct dir dirs[MAX_DIRS];
	int ndirs;
	_Atomic uint64_t done;
};

/* Thread k places chunks of its own directory first, then helps with
 * the others'; thread 0 (the caller's) reports progress. */
static void run(void *arg, int k)
{
	struct par *p = arg;

	for (int t = 0; t < p->ndirs; t++) {
		struct dir *d = &p->dirs[(k + t) % p->ndirs];
		size_t i0;

		while ((i0 = atomic_fetch_add(&d->next, CHUNK)) < d->n) {
			size_t end = i0 + CHUNK < d->n ? i0 + CHUNK : d->n;

			for (size_t j = i0; j < end; j++) {
				size_t i = d->idx[j];
				struct slot *sl = &p->slots[i];

				sl->why = place_fast(p->x, &p->s->items[i], sl->dfd,
						     p->names[i], &sl->rc);
				if (sl->rc < 0 && !(sl->err = strdup(gic_errmsg())))
					sl->rc = GIC_ENOMEM;
			}
			atomic_fetch_add(&p->done, end - i0);
			if (k == 0)
				progress(p->x, p->x->done + atomic_load(&p->done));
		}
	}
}

/* Opens each item's directory and groups the items by it; 1 when there
 * are more than MAX_DIRS (a set has a few: its label directories). */
static int plan(struct par *p)
{
	char rel[4096];

	for (size_t i = 0; i < p->s->n; i++) {
		const char *base;
		size_t len;
		int dfd, d, rc;

		item_rel(p->x, p->s, p->names, i, rel, sizeof(rel));
		len = (size_t)(strrchr(rel, '/') - rel);
		for (d = 0; d < p->ndirs && (strlen(p->dirs[d].rel) != len ||
					     memcmp(p->dirs[d].rel, rel, len));
		     d++)
			;
		if (d == MAX_DIRS)
			return 1;
		if (d == p->ndirs) {
			struct dir *n = &p->dirs[p->ndirs++];

			n->fd = -1;
			if ((rc = gic_export_parent(p->x, rel, &dfd, &base)) < 0)
				return rc;
			if (!(n->rel = strndup(rel, len)) ||
			    !(n->idx = malloc(p->s->n * sizeof(size_t))) ||
			    (n->fd = dup(dfd)) < 0)
				return gic_seterr(GIC_ENOMEM, "out of memory "
						  "or descriptors");
		}
		p->dirs[d].idx[p->dirs[d].n++] = i;
		p->slots[i].dfd = p->dirs[d].fd;
	}
	return 0;
}

/* Copies and records in the set's order what the threads placed; the
 * first item (in that order) they could not place is the error, after
 * every file they did place is recorded, for the caller to take back. */
static int settle(struct par *p)
{
	struct gic_export_ctx *x = p->x;
	char rel[4096];
	int rc = 0;

	for (size_t i = 0; i < p->s->n; i++) {
		struct slot *sl = &p->slots[i];
		const struct gic_item *it = &p->s->items[i];

		item_rel(x, p->s, p->names, i, rel, sizeof(rel));
		if (sl->rc < 0 && rc == 0)
			rc = gic_seterr(sl->rc, "%s", sl->err ? sl->err :
					"out of memory");
		else if (sl->rc == 0 && rc == 0)
			rc = place_rest(x, rel, it, p->s->def->name, sl->dfd,
					p->names[i], sl->why);
		else if (sl->rc == 0 && sl->why == 0 &&
			 gic_export_record(x, rel, it->sha256, it->sha256,
					   p->s->def->name) < 0)
			return rc;  /* out of memory: what is left stays */
	}
	return rc;
}

static int place_parallel(struct gic_export_ctx *x,
			  const struct gic_resolved_set *s, char *const *names)
{
	struct par p = { .x = x, .s = s, .names = names };
	int rc;

	if (!(p.slots = calloc(s->n, sizeof(*p.slots))))
		return gic_seterr(GIC_ENOMEM, "out of memory");
	if ((rc = plan(&p)) == 0) {
		gic_fork_join(x->opts->jobs < MAX_THREADS ? x->opts->jobs
			      : MAX_THREADS, run, &p);
		rc = settle(&p);
		x->done += s->n;
	}
	for (size_t i = 0; i < s->n; i++)
		free(p.slots[i].err);
	for (int d = 0; d < p.ndirs; d++) {
		free(p.dirs[d].rel);
		free(p.dirs[d].idx);
		if (p.dirs[d].fd >= 0)
			close(p.dirs[d].fd);
	}
	free(p.slots);
	return rc;  /* 1: too many directories for threads */
}

/* Both label directories of a set, in the layouts that have them:
 * ImageFolder numbers the directories it finds, so a set of fakes alone
 * would load as class 0, which labels.json calls real (and unlabelled/
 * alone too, which labels.json calls 2). */
static int label_dirs(struct gic_export_ctx *x, const struct gic_resolved_set *s)
{
	enum gic_export_format f = x->opts->format;
	char rel[4096];
	int rc = 0, fd;

	if (f != GIC_FMT_IMAGEFOLDER && f != GIC_FMT_GENIMAGE)
		return 0;
	for (int k = 0; s->n && k < 2 && rc == 0; k++) {
		snprintf(rel, sizeof(rel), "%s/%s", s->def->name,
			 gic_export_label_dir(f, k ? "fake" : "real"));
		rc = gic_export_dir(x, rel, &fd);
	}
	return rc;
}

int gic_export_images(struct gic_export_ctx *x, const struct gic_resolved_set *s,
		      char *const *names)
{
	char rel[4096];
	int rc;

	if ((rc = label_dirs(x, s)) < 0)
		return rc;

	/* place_parallel's 1: more directories than it groups, one thread */
	if (x->opts->jobs > 1 && s->n >= PAR_MIN &&
	    x->opts->mode != GIC_EXP_COPY &&
	    (rc = place_parallel(x, s, names)) <= 0)
		return rc;
	rc = 0;
	for (size_t i = 0; i < s->n && rc == 0; i++) {
		const struct gic_item *it = &s->items[i];
		const char *base;
		int dfd, why;

		item_rel(x, s, names, i, rel, sizeof(rel));
		if ((rc = gic_export_parent(x, rel, &dfd, &base)) < 0)
			break;
		why = place_fast(x, it, dfd, base, &rc);
		if (rc == 0)
			rc = place_rest(x, rel, it, s->def->name, dfd, base, why);
		if ((++x->done & 255) == 0)
			progress(x, x->done);
	}
	return rc;
}
