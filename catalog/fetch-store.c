/*
 * fetch-store.c - what happens to a URL once its transfers are over.
 * Worker threads hash a complete download, check the list's sha256, decode
 * it (gic_probe) and put it in the object store; the calling thread, the
 * one writer, records every outcome with the ingest writer and in the
 * `fetches` table, and reports progress and failures.
 *
 * As for a local ingest, an object is durable before the transaction that
 * references it commits, and rejected content is never stored.  Commits
 * (which sync the object store) never hold up the transfers: those
 * run on a thread of their own (fetch.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "fetch-int.h"

#define MAX_WORKERS 64
#define REPORT_EVERY 0.1      /* seconds between progress reports */
#define DONE_BATCH 32         /* URLs that wake the writer */
#define PLAN_ROWS 1024        /* list rows the writer plans at a time */

static void push(struct gic_fetch_job **head, struct gic_fetch_job **tail,
		 struct gic_fetch_job *j)
{
	j->next = NULL;
	if (*tail)
		(*tail)->next = j;
	else
		*head = j;
	*tail = j;
}

/* ---- workers ------------------------------------------------------------ */

/* Under mu: the transfer thread sleeps in curl_multi_poll until a socket
 * or this wakes it (a write on a socket pair: not for every download). */
static void wake_transfers(struct gic_fetcher *f)
{
	f->starved = 0;
	curl_multi_wakeup(f->multi);
}

/* Under mu: a URL for the writer, which is woken once a batch is there
 * (or the transfers are over); else it looks every REPORT_EVERY. */
static void done_one(struct gic_fetcher *f, struct gic_fetch_job *j)
{
	push(&f->done, &f->done_tail, j);
	if (++f->ndone >= DONE_BATCH || f->transfers_over)
		pthread_cond_signal(&f->done_cv);
}

/*
 * Hashes and checks a download, and decodes it unless the catalog holds
 * that content already (r->kind says which); 0 when it may be stored.
 */
static int examine(struct gic_fetcher *f, struct gic_known *kn,
		   struct gic_fetch_job *j)
{
	const struct gic_fetch_item *it = &f->list->items[j->item];
	struct gic_probe_opts po = { .max_pixels = f->o->max_pixels };
	struct gic_result *r = &j->r;
	int rc;

	r->bytes = j->len;
	if (j->len == 0)
		return gic_seterr(GIC_EBADIMG, "empty file: 0 bytes");
	if ((rc = gic_sha256_hex(j->buf, j->len, r->hex)) < 0)
		return rc;
	if (it->sha256 && strcmp(it->sha256, r->hex))
		return gic_seterr(GIC_EBADIMG, "sha256 mismatch: the list says "
				  "%s, the bytes are %s", it->sha256, r->hex);
	rc = gic_known_examine(kn, r, j->buf, &po, 0);
	if (r->kind != GIC_R_NEW)
		atomic_fetch_add(&f->known, 1);
	return rc;
}

static void work_one(struct gic_fetcher *f, struct gic_known *kn,
		     struct gic_fetch_job *j)
{
	struct gic_odb *odb = f->cat->odb;
	struct gic_result *r = &j->r;
	int rc = examine(f, kn, j);

	if (rc == 0 && r->kind == GIC_R_KNOWN &&
	    gic_odb_holds(odb, r->hex, j->len)) {
		r->how = GIC_PUT_EXISTED;
	} else if (rc == 0) { /* a missing or damaged object is mended */
		if ((rc = odb->be->put(odb, r->hex, j->buf, j->len, NULL,
				       GIC_MODE_COPY, &r->how)) < 0)
			r->kind = GIC_R_FATAL;
	} else {
		r->kind = rc == GIC_EBADIMG || rc == GIC_ELIMIT ? GIC_R_REJECT
							       : GIC_R_FATAL;
	}
	if (rc < 0)
		snprintf(r->reason, sizeof(r->reason), "%s", gic_errmsg());
	gic_fetch_drop_body(j);
}

static void *worker(void *arg)
{
	struct gic_fetcher *f = arg;
	struct gic_known kn;

	gic_known_open(&kn, f->cat);
	pthread_mutex_lock(&f->mu);
	for (;;) {
		struct gic_fetch_job *j;

		while (!f->stop && !f->todo)
			pthread_cond_wait(&f->work_cv, &f->mu);
		if (f->stop)
			break;
		j = f->todo;
		if (!(f->todo = j->next))
			f->todo_tail = NULL;
		pthread_mutex_unlock(&f->mu);
		work_one(f, &kn, j);
		pthread_mutex_lock(&f->mu);
		f->unchecked--;
		done_one(f, j);
		if (f->starved) /* room again, which a transfer waits for */
			wake_transfers(f);
	}
	pthread_mutex_unlock(&f->mu);
	gic_known_close(&kn);
	return NULL;
}

int gic_fetch_workers_start(struct gic_fetcher *f)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	/* a put does not wait on the disk (odb.c): one worker per CPU */
	int n = f->o->workers > 0 ? f->o->workers : (int)(cpus > 0 ? cpus : 1);

	if (n > MAX_WORKERS)
		n = MAX_WORKERS;
	if (!(f->tids = calloc((size_t)n, sizeof(*f->tids))))
		return gic_seterr(GIC_ENOMEM, "out of memory");
	for (; f->nworkers < n; f->nworkers++)
		if (pthread_create(&f->tids[f->nworkers], NULL, worker, f))
			break;
	return f->nworkers ? 0 : gic_seterr(GIC_ENOMEM, "cannot start threads");
}

static void free_all(struct gic_fetch_job *j)
{
	while (j) {
		struct gic_fetch_job *next = j->next;

		gic_fetch_job_free(j);
		j = next;
	}
}

void gic_fetch_stop(struct gic_fetcher *f)
{
	pthread_mutex_lock(&f->mu);
	f->stop = 1;
	pthread_cond_broadcast(&f->work_cv);
	pthread_mutex_unlock(&f->mu);
	if (f->multi)
		curl_multi_wakeup(f->multi);
}

void gic_fetch_workers_join(struct gic_fetcher *f)
{
	for (int i = 0; i < f->nworkers; i++)
		pthread_join(f->tids[i], NULL);
	free(f->tids);
	free_all(f->todo);
	free_all(f->done);
	f->todo = f->done = NULL;
}

void gic_fetch_submit(struct gic_fetcher *f, struct gic_fetch_job *j)
{
	pthread_mutex_lock(&f->mu);
	push(&f->todo, &f->todo_tail, j);
	f->inwork++;
	f->unchecked++;
	pthread_cond_signal(&f->work_cv);
	pthread_mutex_unlock(&f->mu);
}

void gic_fetch_give_up(struct gic_fetcher *f, struct gic_fetch_job *j,
		       const char *reason, int content)
{
	j->r.kind = GIC_R_REJECT;
	j->r.bytes = j->len;
	j->failed = !content;
	snprintf(j->r.reason, sizeof(j->r.reason), "%s", reason);
	pthread_mutex_lock(&f->mu);
	f->inwork++;
	done_one(f, j);
	pthread_mutex_unlock(&f->mu);
}

int gic_fetch_room(struct gic_fetcher *f, size_t bodies, size_t urls)
{
	int room;

	pthread_mutex_lock(&f->mu);
	room = f->unchecked < bodies && f->inwork < urls;
	f->starved = !room;
	pthread_mutex_unlock(&f->mu);
	return room;
}

void gic_fetch_drop_body(struct gic_fetch_job *j)
{
	atomic_fetch_sub(&j->f->held, j->cap);
	free(j->buf);
	j->buf = NULL;
	j->cap = 0;
}

void gic_fetch_job_free(struct gic_fetch_job *j)
{
	if (!j)
		return;
	gic_fetch_drop_body(j);
	free(j->final_url);
	curl_slist_free_all(j->headers);
	gic_image_info_release(&j->r.info);
	free(j);
}

/* ---- the writer (the calling thread) ------------------------------------ */

void gic_fetch_row_opts(struct gic_fetcher *f, const struct gic_fetch_item *it)
{
	const struct gic_fetch_opts *o = f->o;
	struct gic_ingest_opts *w = &f->wopts;

	w->generator = it->generator ? it->generator : o->generator;
	w->label = it->label ? it->label : o->label;
	w->split = it->split ? it->split : o->split;
	w->class_idx = it->class_idx >= 0 ? it->class_idx : o->class_idx;
	w->license = it->license ? it->license : o->license;
	f->w.class_source = it->class_idx >= 0 ? "list" : "option";
}

void gic_fetch_url_meta(const struct gic_fetch_opts *o, const char *url,
		     struct gic_path_meta *m)
{
	CURLU *u = curl_url();
	char *path = NULL;

	memset(m, 0, sizeof(*m));
	m->layout = GIC_LAYOUT_FLAT;
	m->class_idx = -1;
	if (o->use_layout && u && !curl_url_set(u, CURLUPART_URL, url, 0) &&
	    !curl_url_get(u, CURLUPART_PATH, &path, CURLU_URLDECODE))
		gic_path_parse(o->layout, path, NULL, o->classes, o->val,
			       m);
	curl_free(path);
	curl_url_cleanup(u);
}

/* Records one URL's outcome, reports it, and frees the job. */
static int record(struct gic_fetcher *f, struct gic_fetch_job *j)
{
	const struct gic_fetch_opts *o = f->o;
	const struct gic_fetch_item *it = &f->list->items[j->item];
	struct gic_result *r = &j->r;
	int rc = 0, bad = j->failed || r->kind == GIC_R_REJECT;

	gic_fetch_url_meta(o, it->url, &r->meta);
	gic_fetch_row_opts(f, it);
	r->path = r->source = it->key;
	r->dataset = j->dataset;
	if (!j->failed)
		rc = gic_writer_apply(&f->w, r, &f->st->ingest);
	if (rc == 0)
		rc = gic_fetch_set_state(f, j, bad ? r->reason : NULL);
	if (rc == 0 && bad) {
		f->st->failed++;
		if (o->on_failure)
			o->on_failure(o->arg, it->key, r->reason);
	} else if (rc == 0) {
		*(j->stored ? &f->st->stored : &f->st->done) += 1;
	}
	gic_fetch_job_free(j);
	return rc;
}

int gic_fetch_record_stored(struct gic_fetcher *f, size_t i, const char *hex,
			    uint64_t bytes)
{
	struct gic_fetch_job *j = calloc(1, sizeof(*j));

	if (!j)
		return gic_seterr(GIC_ENOMEM, "out of memory");
	j->f = f;
	j->item = i;
	j->dataset = gic_fetch_dataset(f->list, i, f->o->dataset);
	j->total = -1;
	j->stored = 1;
	j->r.kind = GIC_R_KNOWN;
	j->r.how = GIC_PUT_EXISTED;
	j->r.bytes = bytes;
	snprintf(j->r.hex, sizeof(j->r.hex), "%s", hex);
	return record(f, j);
}

/* Waits up to REPORT_EVERY (with wait) for finished URLs; *over when none
 * will come. */
static struct gic_fetch_job *take_done(struct gic_fetcher *f, int wait,
				       int *over)
{
	struct gic_fetch_job *j;
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += (long)(REPORT_EVERY * 1e9);
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&f->mu);
	if (wait && !f->done && !(f->transfers_over && !f->inwork))
		pthread_cond_timedwait(&f->done_cv, &f->mu, &until);
	j = f->done;
	f->done = f->done_tail = NULL;
	f->ndone = 0;
	*over = !j && f->transfers_over && !f->inwork;
	pthread_mutex_unlock(&f->mu);
	return j;
}

static void report(struct gic_fetcher *f)
{
	struct gic_fetch_stats *st = f->st;

	st->bytes = atomic_load(&f->bytes);
	st->attempts = atomic_load(&f->attempts);
	st->retries = atomic_load(&f->retries_done);
	st->resumed = atomic_load(&f->resumed);
	st->known = atomic_load(&f->known);
	if (f->o->on_progress)
		f->o->on_progress(f->o->arg, st);
}

int gic_fetch_write(struct gic_fetcher *f)
{
	double last = 0;
	int rc = 0, over = 0;

	while (rc == 0 && !over) {
		int planning = f->st->planned < f->list->n;
		struct gic_fetch_job *j, *next;
		size_t n = 0;

		/* the rest of the list is planned while the first URLs are
		 * fetched: a long list does not hold up the first transfer */
		if (planning && (rc = gic_fetch_state_plan(f, PLAN_ROWS)) < 0)
			break;
		j = take_done(f, !planning, &over);
		for (; j; j = next, n++) {
			next = j->next;
			if (rc == 0)
				rc = record(f, j);
			else
				gic_fetch_job_free(j);
		}
		pthread_mutex_lock(&f->mu);
		f->inwork -= n;
		if (n && f->starved)
			wake_transfers(f);
		pthread_mutex_unlock(&f->mu);
		if (rc == 0)
			rc = gic_writer_commit_due(&f->w);
		if (gic_now() - last >= REPORT_EVERY) {
			report(f);
			last = gic_now();
		}
	}
	report(f);
	return rc;
}
