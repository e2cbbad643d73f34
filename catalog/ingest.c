/*
 * ingest.c - the ingest pipeline: N workers read, hash, decode and store
 * files in parallel; the calling thread is the one writer that talks to
 * SQLite.
 *
 * Workers take file indexes in order from a window of slots; the writer
 * consumes results in the same order, so insertion order (and entry ids)
 * do not depend on thread timing.  Storing an object (creating and writing
 * a file) can block on the file system, so workers hand that to a few I/O
 * threads and go on decoding.  The writer syncs the store (odb.c) before
 * the transaction that first references its objects commits, so the
 * catalog never points at a missing object whatever moment the process
 * dies at.
 * Content already catalogued is recognised by its hash and not decoded
 * again; the size the catalog holds for it is still checked against
 * --max-pixels, as --max-bytes is checked before hashing.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "audit.h"
#include "ingest-int.h"
#include "ingest-write.h"

#define WINDOW_PER_JOB 64
#define IO_THREADS 4

struct pipeline {
	struct gic_catalog *cat;
	const struct gic_ingest_opts *opts;
	struct gic_filelist files;
	const char *const *roots; /* the PATH arguments */
	struct gic_ingest_root *rootinfo; /* what each of them names (collect) */
	struct gic_result *slots;
	size_t window;
	size_t next;            /* next index a worker takes */
	size_t done;            /* results the writer has consumed */
	size_t *ioq;            /* indexes waiting for their object store */
	size_t io_head, io_tail;
	int workers_left;       /* decoding workers still running */
	int stop;
	int64_t base;           /* bases.id of the working directory, when a
				   PATH is relative; else 0 */
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

static void reject(struct gic_result *r, int rc)
{
	r->kind = rc == GIC_EBADIMG || rc == GIC_ELIMIT || rc == GIC_EIO ||
		  rc == GIC_ENOTFOUND ? GIC_R_REJECT : GIC_R_FATAL;
	snprintf(r->reason, sizeof(r->reason), "%s", gic_errmsg());
}

/* What --mode ref records: the file's absolute path (the image's only
 * copy is found by it), size and mtime. */
static int record_ref(struct gic_result *r, const char *path,
		      const struct stat *st)
{
	if (!(r->ref_path = realpath(path, NULL)))
		return gic_seterr(errno == ENOMEM ? GIC_ENOMEM : GIC_EIO,
				  "--mode ref needs its absolute path, which "
				  "cannot be had: %s", strerror(errno));
	r->ref_size = (int64_t)st->st_size;
	r->ref_mtime_ns = gic_ns(&st->st_mtim);
	return 0;
}

/* What the path says (layout, generator, label, split, class). */
static void parse_path(struct pipeline *p, size_t i, const char *path,
		       struct gic_path_meta *m)
{
	int k = p->files.files[i].root;

	gic_ingest_root_parse(&p->rootinfo[k], p->roots[k], path, p->opts, m);
}

/* Everything a worker does for one file. */
static void process(struct pipeline *p, struct gic_known *kn, size_t i,
		    struct gic_result *r)
{
	const struct gic_ingest_opts *o = p->opts;
	const char *path = gic_file_path(&p->files, i);
	struct gic_probe_opts po = { .max_pixels = o->max_pixels };
	struct stat st;
	int rc;

	parse_path(p, i, path, &r->meta);
	if (p->files.files[i].dir_err) {
		int e = p->files.files[i].dir_err;
		rc = gic_seterr(GIC_EIO, "%s: %s", e > 0 ? "cannot read "
				"directory" : "cannot look at it", strerror(abs(e)));
		goto fail;
	}
	if (p->files.files[i].unwalked == GIC_UNWALKED_DEEP) {
		rc = gic_seterr(GIC_ELIMIT, NOT_WALKED_DEEP " %d directories "
				"deep: not walked, so its images are not "
				"ingested", GIC_MAX_DEPTH);
		goto fail;
	}
	if (strlen(path) >= GIC_MAX_PATH) {
		rc = gic_seterr(GIC_ELIMIT, "path too long: %zu bytes, over "
				"the %d-byte limit%s", strlen(path),
				GIC_MAX_PATH - 1, p->files.files[i].unwalked ?
				": not walked, so its images are not ingested"
				: "");
		goto fail;
	}
	if ((rc = gic_ingest_read(path, o->max_bytes ? o->max_bytes :
			    GIC_DEFAULT_MAX_BYTES, &r->buf, &st, r->file_id)) < 0) {
		r->missing = rc == GIC_ENOTFOUND;
		goto fail;
	}
	r->bytes = (uint64_t)st.st_size;
	if ((rc = gic_sha256_hex(r->buf, r->bytes, r->hex)) < 0)
		goto fail;
	if ((rc = gic_known_examine(kn, r, r->buf, &po,
				    o->mode == GIC_MODE_REF)) < 0)
		goto fail;
	/* r->buf goes to an I/O thread, for known content too when its
	 * object is gone or resized, or with --repair: the put re-hashes an
	 * object in place and replaces it when damaged, so ingesting a good
	 * copy again is how a damaged object is mended.  Re-hashing every
	 * known object by default would double the reading of a re-ingest. */
	if (o->mode != GIC_MODE_REF &&
	    (r->kind != GIC_R_KNOWN || o->repair ||
	     !gic_odb_holds(p->cat->odb, r->hex, r->bytes)))
		return;
	if (o->mode == GIC_MODE_REF && (rc = record_ref(r, path, &st)) < 0)
		goto fail;
	free(r->buf);
	r->buf = NULL;
	return;
fail:
	free(r->buf);
	r->buf = NULL;
	reject(r, rc);
}

/* Hands a finished result to the writer (called with p->mu held). */
static void publish(struct pipeline *p, struct gic_result *r)
{
	r->ready = 1;
	pthread_cond_broadcast(&p->cv);
}

/* I/O thread: stores the objects of decoded files, then publishes them. */
static void *io_thread(void *arg)
{
	struct pipeline *p = arg;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct gic_result *r;
		int rc;

		while (!p->stop && p->io_head == p->io_tail && p->workers_left)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->stop || p->io_head == p->io_tail)
			break;
		r = &p->slots[p->ioq[p->io_head++ % p->window] % p->window];
		pthread_mutex_unlock(&p->mu);
		rc = p->cat->odb->be->put(p->cat->odb, r->hex, r->buf, r->bytes,
					  gic_file_path(&p->files, r->index),
					  p->opts->mode, &r->how);
		/* a source that changed while linked is the input's fault; a
		 * store that cannot be written (a full disk) is not: it stops
		 * the ingest instead of rejecting every file after it */
		if (rc < 0) {
			r->kind = rc == GIC_ECORRUPT ? GIC_R_REJECT : GIC_R_FATAL;
			snprintf(r->reason, sizeof(r->reason), "%s", gic_errmsg());
		}
		free(r->buf);
		r->buf = NULL;
		pthread_mutex_lock(&p->mu);
		publish(p, r);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static void *worker(void *arg)
{
	struct pipeline *p = arg;
	struct gic_known kn;

	gic_known_open(&kn, p->cat);
	for (;;) {
		struct gic_result *r;
		size_t i;

		pthread_mutex_lock(&p->mu);
		while (!p->stop && p->next < p->files.n &&
		       p->next >= p->done + p->window)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->stop || p->next >= p->files.n) {
			pthread_mutex_unlock(&p->mu);
			break;
		}
		i = p->next++;
		pthread_mutex_unlock(&p->mu);

		r = &p->slots[i % p->window];
		memset(r, 0, sizeof(*r));
		r->index = i;
		process(p, &kn, i, r);
		pthread_mutex_lock(&p->mu);
		if (r->buf) {
			p->ioq[p->io_tail++ % p->window] = i;
			pthread_cond_broadcast(&p->cv);
		} else {
			publish(p, r);
		}
		pthread_mutex_unlock(&p->mu);
	}
	pthread_mutex_lock(&p->mu);
	p->workers_left--;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	gic_known_close(&kn);
	return NULL;
}

static const char *dataset_for(struct pipeline *p, size_t i,
			       const struct gic_path_meta *m)
{
	if (p->opts->dataset)
		return p->opts->dataset;
	/* GenImage's layout is not only GenImage's: its dataset (and its
	 * terms) only where a folder names one of its subsets */
	if (m->layout == GIC_LAYOUT_GENIMAGE && m->subset[0])
		return "genimage";
	return p->rootinfo[p->files.files[i].root].name;
}

/* The writer loop: consume results in order, in batched transactions. */
#define IDLE_COMMIT 0.5 /* seconds the writer waits before committing */

/* Under p->mu: waits for the next result.  A batch of rows open while the
 * next file is slow to come (a stalled read on a network mount) is
 * committed after IDLE_COMMIT, so that the write lock it holds does not
 * keep other gicat processes waiting (they give up after their 30 s busy
 * timeout). */
static int wait_next(struct pipeline *p, struct gic_writer *w,
		     struct timespec *until)
{
	int rc;

	if (!w->in_tx) {
		pthread_cond_wait(&p->cv, &p->mu);
		return 0;
	}
	/* from the first wait for this result: other results that come
	 * meanwhile wake the writer, and must not put the commit off */
	if (!until->tv_sec) {
		clock_gettime(CLOCK_REALTIME, until);
		until->tv_nsec += (long)(IDLE_COMMIT * 1e9);
		until->tv_sec += until->tv_nsec / 1000000000L;
		until->tv_nsec %= 1000000000L;
	}
	if (pthread_cond_timedwait(&p->cv, &p->mu, until) != ETIMEDOUT)
		return 0;
	until->tv_sec = 0;  /* committed: none is open to wait for */
	pthread_mutex_unlock(&p->mu);
	rc = gic_writer_commit(w);
	pthread_mutex_lock(&p->mu);
	return rc;
}

static int write_all(struct pipeline *p, struct gic_writer *w,
		     struct gic_ingest_stats *st)
{
	const struct gic_ingest_opts *o = p->opts;
	double last_progress = 0;
	int rc = 0;

	for (size_t i = 0; i < p->files.n && rc == 0; i++) {
		struct gic_result *r = &p->slots[i % p->window];
		struct timespec until = { 0 };

		pthread_mutex_lock(&p->mu);
		while (rc == 0 && (!r->ready || r->index != i))
			rc = wait_next(p, w, &until);
		pthread_mutex_unlock(&p->mu);
		if (rc < 0)
			break;

		r->path = gic_file_path(&p->files, i);
		r->dataset = dataset_for(p, i, &r->meta);
		rc = gic_writer_apply(w, r, st);
		if (r->kind == GIC_R_REJECT && o->on_reject)
			o->on_reject(o->arg, r->path, r->reason);
		gic_image_info_release(&r->info);
		free(r->ref_path);
		r->ref_path = NULL;

		pthread_mutex_lock(&p->mu);
		r->ready = 0;
		p->done = i + 1;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);

		st->files_done = i + 1;
		if (rc == 0)
			rc = gic_writer_commit_due(w);
		if (o->on_progress && gic_now() - last_progress > 0.1) {
			o->on_progress(o->arg, st);
			last_progress = gic_now();
		}
	}
	return rc;
}

/* Frees what results still hold after an interrupted run. */
static void release_slots(struct pipeline *p)
{
	for (size_t i = 0; i < p->window; i++) {
		gic_image_info_release(&p->slots[i].info);
		free(p->slots[i].ref_path);
		free(p->slots[i].buf);
	}
}

/* Starts the workers (*workers of them), then the I/O threads; returns
 * how many threads in all. */
static int start(struct pipeline *p, pthread_t *tids, int jobs, int *workers)
{
	int n = 0;

	/* counted before any runs (no lock needed yet): one may be through
	 * its files at once; the I/O threads, which wait for the count to
	 * fall to 0, start after the workers */
	p->workers_left = jobs;
	for (; n < jobs; n++)
		if (pthread_create(&tids[n], NULL, worker, p))
			break;
	if (n < jobs) {
		pthread_mutex_lock(&p->mu);
		p->workers_left -= jobs - n;
		pthread_mutex_unlock(&p->mu);
	}
	*workers = n;
	if (n == 0)
		return 0;
	for (int i = 0; i < IO_THREADS; i++)
		if (pthread_create(&tids[n], NULL, io_thread, p) == 0)
			n++;
	return n;
}

static int run(struct pipeline *p, struct gic_ingest_stats *st)
{
	int jobs = p->opts->jobs > 0 ? p->opts->jobs : 1, started = 0, workers;
	int rc;
	pthread_t *tids = calloc((size_t)(jobs + IO_THREADS), sizeof(*tids));
	struct gic_writer w;

	p->window = (size_t)jobs * WINDOW_PER_JOB;
	p->slots = calloc(p->window, sizeof(*p->slots));
	p->ioq = calloc(p->window, sizeof(*p->ioq));
	if (!tids || !p->slots || !p->ioq) {
		rc = gic_seterr(GIC_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = gic_writer_init(&w, p->cat, p->opts)) < 0)
		goto out;
	w.base = p->base;
	if ((started = start(p, tids, jobs, &workers)) <= workers)
		rc = gic_seterr(GIC_ENOMEM, "cannot start threads");
	else
		rc = write_all(p, &w, st);
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	rc = gic_writer_finish(&w, rc);
out:
	if (p->slots)
		release_slots(p);
	free(p->slots);
	free(p->ioq);
	free(tids);
	return rc;
}

/* The rejects of the files directly in the directory ?1 ("d/", its
 * path with a '/'; "d0", the end of the range, '0' following '/'). */
#define IN_DIR "SELECT path FROM rejects WHERE path > ?1 AND path < ?2 " \
	"AND instr(substr(path, length(?1) + 1), '/') = 0 AND " GIC_SQL_BASE("?3")

/* Forgets the rejects of the files directly in the directory dir (as the
 * walk spelt it) that are gone from it: the walk read dir and no longer
 * met them.  A file still there was tried again (its row cleared or
 * renewed) or left out on purpose (a hidden name), and keeps its row.
 * The gone are gathered first: no row is deleted under a reading sel. */
static int forget_gone(sqlite3_stmt *sel, sqlite3_stmt *del, const char *dir,
		       int64_t base, uint64_t *forgotten)
{
	char lo[GIC_MAX_PATH + 2], hi[GIC_MAX_PATH + 2], **gone = NULL;
	size_t n = 0, cap = 0;
	int rc;

	if (gic_dir_range(dir, lo, hi, sizeof(lo)) < 0)
		return SQLITE_OK;  /* no file in it has a row */
	sqlite3_bind_text(sel, 1, lo, -1, SQLITE_STATIC);
	sqlite3_bind_text(sel, 2, hi, -1, SQLITE_STATIC);
	sqlite3_bind_int64(sel, 3, base);
	while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
		const char *path = (const char *)sqlite3_column_text(sel, 0);

		if (!gic_path_gone(path))
			continue;
		if (gic_grow(&gone, n, &cap, sizeof(*gone), 16) ||
		    !(gone[n] = strdup(path)))
			break;
		n++;
	}
	sqlite3_reset(sel);
	rc = rc == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
	for (size_t i = 0; i < n; i++) {
		sqlite3_bind_text(del, 1, gone[i], -1, SQLITE_STATIC);
		if (rc == SQLITE_OK && sqlite3_step(del) != SQLITE_DONE)
			rc = SQLITE_ERROR;
		sqlite3_reset(del);
		free(gone[i]);
	}
	free(gone);
	*forgotten += rc == SQLITE_OK ? n : 0;
	return rc;
}

/* After a walk, the rejects of the directories it read: a directory
 * rejected as unreadable that has now been read leaves rejects, as a
 * fixed file does, and so does a rejected file deleted since from one. */
static int tidy_rejects(struct gic_catalog *c, const struct gic_filelist *fl,
			int64_t base, struct gic_ingest_stats *st)
{
	sqlite3_stmt *sel = NULL, *del = NULL, *del_dir = NULL;
	uint64_t any = 0;
	int rc;

	if (!fl->ndirs)
		return 0;
	/* the common case, no reject at all, costs one lookup */
	if ((rc = gic_db_count(c, "SELECT EXISTS (SELECT 1 FROM rejects)",
			       &any)) < 0 || !any)
		return rc;
	rc = sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(c->db, "DELETE FROM rejects WHERE path = ? "
					"AND (reason LIKE 'cannot read "
					"directory:%' OR reason LIKE '"
					NOT_WALKED_DEEP " %')",
					-1, &del_dir, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(c->db, IN_DIR, -1, &sel, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(c->db, "DELETE FROM rejects WHERE path "
					"= ?", -1, &del, NULL);
	for (size_t i = 0; i < fl->ndirs && rc == SQLITE_OK; i++) {
		sqlite3_bind_text(del_dir, 1, fl->dirs[i], -1, SQLITE_STATIC);
		rc = sqlite3_step(del_dir) == SQLITE_DONE ? SQLITE_OK :
		     SQLITE_ERROR;
		sqlite3_reset(del_dir);
		if (rc == SQLITE_OK)
			rc = forget_gone(sel, del, fl->dirs[i], base,
					 &st->rejects_forgotten);
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
	sqlite3_finalize(del_dir);
	sqlite3_finalize(sel);
	sqlite3_finalize(del);
	if (rc != SQLITE_OK) {
		int err = gic_db_fail(c->db, "clear rejects");
		st->rejects_forgotten = 0;
		if (!sqlite3_get_autocommit(c->db))
			sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
		return err;
	}
	return 0;
}

/* Adds the directory path, if it is one, to those a walk skips. */
static void skip_dir(struct gic_filelist *fl, const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		fl->catalog_dirs[fl->ncatalog_dirs].dev = st.st_dev;
		fl->catalog_dirs[fl->ncatalog_dirs++].ino = st.st_ino;
	}
}

/* The directories a walk must not enter: .gicat, objects/, objects/xx. */
static int catalog_dirs(struct pipeline *p)
{
	struct gic_filelist *fl = &p->files;
	char path[PATH_MAX];

	if (!(fl->catalog_dirs = calloc(2 + 256, sizeof(*fl->catalog_dirs))))
		return gic_seterr(GIC_ENOMEM, "out of memory");
	skip_dir(fl, p->cat->dir);
	snprintf(path, sizeof(path), "%s/objects", p->cat->dir);
	skip_dir(fl, path);
	for (int i = 0; i < 256; i++) {
		snprintf(path, sizeof(path), "%s/objects/%02x", p->cat->dir, i);
		skip_dir(fl, path);
	}
	return 0;
}

static int collect(struct pipeline *p, const char *const *paths, int n)
{
	int rc;

	if ((rc = catalog_dirs(p)) < 0)
		return rc;
	if (!(p->rootinfo = calloc((size_t)n, sizeof(*p->rootinfo))))
		return gic_seterr(GIC_ENOMEM, "out of memory");
	for (int i = 0; i < n; i++) {
		if ((rc = gic_ingest_root_setup(&p->rootinfo[i], paths[i])) < 0 ||
		    (!p->opts->dataset && (rc = gic_default_dataset_check(
				p->rootinfo[i].name, "the folder's")) < 0) ||
		    (rc = gic_filelist_add(&p->files, paths[i], i)) < 0)
			return rc;
	}
	return 0;
}

/* GIC_EUSAGE when a PATH is the catalog's own directory or inside it:
 * ingesting the store into itself would only add entries for objects. */
static int outside_catalog(struct gic_catalog *c, const char *const *paths,
			   int n)
{
	const char *dir;

	for (int i = 0; i < n; i++)
		if ((dir = gic_catalog_holds(c, paths[i])))
			return gic_seterr(GIC_EUSAGE, "'%s' is inside the "
					  "catalog (%s): its objects are "
					  "already catalogued", paths[i], dir);
	return 0;
}

/* The entries of the datasets this run adds to whose files are gone from
 * the directories it read: the options' dataset, or "genimage" and the
 * PATH arguments' names. */
static int count_gone(struct pipeline *p, int npaths,
		      struct gic_ingest_stats *st)
{
	const char **ds = calloc((size_t)npaths + 1, sizeof(*ds));
	int n = 0, rc;

	if (!ds)
		return gic_seterr(GIC_ENOMEM, "out of memory");
	if (p->opts->dataset)
		ds[n++] = p->opts->dataset;
	else
		ds[n++] = "genimage";
	for (int i = 0; !p->opts->dataset && i < npaths; i++) {
		int seen = 0;

		for (int k = 0; k < n && !seen; k++)
			seen = !strcmp(ds[k], p->rootinfo[i].name);
		if (!seen)
			ds[n++] = p->rootinfo[i].name;
	}
	rc = gic_ingest_count_gone(p->cat, &p->files, ds, n, p->base, st);
	free(ds);
	return rc;
}

int gic_ingest(struct gic_catalog *c, const char *const *paths, int npaths,
	       const struct gic_ingest_opts *opts, struct gic_ingest_stats *st)
{
	struct pipeline p = { .cat = c, .opts = opts, .roots = paths };
	int rc;

	memset(st, 0, sizeof(*st));
	if (npaths < 0)
		return gic_seterr(GIC_EUSAGE, "no paths");
	if ((rc = gic_catalog_writable(c)) < 0 ||
	    (rc = gic_writer_check_opts(opts)) < 0 ||
	    (opts->license && (rc = gic_license_check(c, opts->license)) < 0) ||
	    (rc = outside_catalog(c, paths, npaths)) < 0)
		return rc;
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.cv, NULL);
	rc = collect(&p, paths, npaths);
	for (int i = 0; rc == 0 && i < npaths; i++)
		if (paths[i][0] != '/') {  /* rows of relative paths say where */
			rc = gic_writer_base(c, &p.base);
			break;
		}
	st->files_total = p.files.n;
	st->skip_loop = p.files.loops;
	st->skip_long = p.files.too_long;
	st->skip_catalog = p.files.in_catalog;
	st->skip_rewalk = p.files.rewalks;
	st->skip_hidden = p.files.hidden - p.files.hidden_dirs;
	st->skip_hidden_dirs = p.files.hidden_dirs;
	st->skip_noread = p.files.noread;
	st->skipped = p.files.skipped + p.files.unreadable + st->skip_loop +
		      p.files.too_long + st->skip_catalog +
		      st->skip_rewalk + p.files.hidden + st->skip_noread;
	if (rc == 0 && p.files.n)
		rc = run(&p, st);
	if (rc == 0)
		rc = tidy_rejects(c, &p.files, p.base, st);
	if (rc == 0)
		rc = count_gone(&p, npaths, st);
	for (int i = 0; p.rootinfo && i < npaths; i++) {
		free(p.rootinfo[i].name);
		free(p.rootinfo[i].spelt);
	}
	free(p.rootinfo);
	gic_filelist_release(&p.files);
	pthread_cond_destroy(&p.cv);
	pthread_mutex_destroy(&p.mu);
	return rc;
}
