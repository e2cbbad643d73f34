/*
 * fetch.c - gic_fetch, and its transfer thread.  That thread drives
 * libcurl's multi interface (up to `jobs` transfers, a per-host limit,
 * HTTP/2 multiplexing and connection reuse when the server offers them)
 * and puts failed attempts on a backoff list; complete downloads go to the
 * workers, URLs given up on to the writer (fetch-store.c), which is the
 * calling thread.
 *
 * Memory stays bounded: new URLs start only while few downloads wait for
 * the workers or the writer and a bounded number wait for a retry; the
 * bodies they all hold count against --max-memory.
 */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/x509.h>
#include <sqlite3.h>

#include "audit.h"
#include "fetch-int.h"

#define BODIES_PER_JOB 4      /* downloads waiting for the workers */
#define WAITING_PER_JOB 64    /* URLs waiting for a retry: mostly no body
				 (what they hold counts in --max-memory),
				 so dead hosts do not hold back the rest */
#define URLS_PER_JOB 256      /* URLs waiting for the writer (a commit) */
#define POLL_MAX 0.1          /* seconds the transfer thread may sleep */

/* xorshift64*: jitter for the backoff, in [0, 1). */
static double rnd(struct gic_fetcher *f)
{
	f->rng ^= f->rng >> 12;
	f->rng ^= f->rng << 25;
	f->rng ^= f->rng >> 27;
	return (double)((f->rng * 2685821657736338717ULL) >> 11) /
	       9007199254740992.0;
}

/* Does queue[] hold a URL not started yet, now that the writer may have
 * planned more? */
static int queued(struct gic_fetcher *f)
{
	if (f->next < f->seen)
		return 1;
	pthread_mutex_lock(&f->mu);
	f->seen = f->published;
	pthread_mutex_unlock(&f->mu);
	return f->next < f->seen;
}

/* The next job to start: a retry whose time has come, else a new URL. */
static int next_job(struct gic_fetcher *f, double now,
		    struct gic_fetch_job **out)
{
	size_t cap = (size_t)f->jobs * BODIES_PER_JOB;
	size_t waits = (size_t)f->jobs * WAITING_PER_JOB;
	struct gic_fetch_job *j;

	*out = NULL;
	for (size_t i = 0; i < f->nwaiting; i++)
		if (f->waiting[i]->not_before <= now) {
			*out = f->waiting[i];
			f->waiting[i] = f->waiting[--f->nwaiting];
			return 0;
		}
	if (!queued(f) || f->nwaiting >= waits ||
	    !gic_fetch_room(f, cap, (size_t)f->jobs * URLS_PER_JOB))
		return 0;
	if (!(j = calloc(1, sizeof(*j))))
		return gic_seterr(GIC_ENOMEM, "out of memory");
	j->f = f;
	j->total = -1;
	j->item = f->queue[f->next++];
	j->dataset = gic_fetch_dataset(f->list, j->item, f->o->dataset);
	*out = j;
	return 0;
}

static int start_ready(struct gic_fetcher *f)
{
	double now = gic_now();
	int rc = 0;

	while (f->active < f->jobs) {
		struct gic_fetch_job *j;
		CURL *e;

		if ((rc = next_job(f, now, &j)) < 0 || !j)
			break;
		if ((rc = gic_fetch_easy(f, j, &e)) < 0) {
			gic_fetch_job_free(j);
			break;
		}
		if (curl_multi_add_handle(f->multi, e)) {
			curl_easy_cleanup(e);
			gic_fetch_job_free(j);
			rc = gic_seterr(GIC_ENOMEM, "cannot start a transfer");
			break;
		}
		f->handles[f->active++] = e;
		atomic_fetch_add(&f->attempts, 1);
		atomic_fetch_add(&f->retries_done, j->attempts > 0);
	}
	return rc;
}

/* Puts a job on the backoff list (new URLs start only while it has room
 * for all that run: see next_job). */
static void wait_retry(struct gic_fetcher *f, struct gic_fetch_job *j,
		       long retry_after)
{
	if (j->bad_range)
		j->len = j->ranges = 0;
	if (j->over_memory) {  /* its part goes back to the others */
		gic_fetch_drop_body(j);
		j->len = 0;
	}
	j->not_before = gic_now() +
			gic_fetch_backoff(j->attempts, retry_after, rnd(f));
	f->waiting[f->nwaiting++] = j;
}

/* Decides what a finished attempt leads to: the workers, a retry, or
 * giving up. */
static void outcome(struct gic_fetcher *f, struct gic_fetch_job *j,
		    CURLcode res, long retry_after, const char *reason)
{
	if (j->over_memory)  /* gicat's own budget, not the URL's fault
				(alone it goes on): it waits */
		wait_retry(f, j, 0);
	else if (j->too_big)
		gic_fetch_give_up(f, j, reason, j->keep);
	else if (res == CURLE_OK && j->http / 100 == 2 && !j->bad_range)
		gic_fetch_submit(f, j);
	else if ((gic_fetch_transient(res, j->http) || j->stale ||
		  (j->bad_range && j->len)) && j->attempts <= f->retries)
		wait_retry(f, j, retry_after);
	else
		gic_fetch_give_up(f, j, reason, 0);
}

/* Takes a finished transfer out of the multi handle. */
static void finish(struct gic_fetcher *f, CURL *e, CURLcode res)
{
	struct gic_fetch_job *j = NULL;
	curl_off_t retry_after = 0;
	char *url = NULL, reason[512];
	long connects = 1;

	curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&j);
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &j->http);
	curl_easy_getinfo(e, CURLINFO_RETRY_AFTER, &retry_after);
	curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &url);
	if (curl_easy_getinfo(e, CURLINFO_REDIRECT_COUNT, &j->redirects))
		j->redirects = 0;
	free(j->final_url);
	/* stored and shown: credentials masked like the list's */
	j->final_url = url ? gic_fetch_mask_url(url) : NULL;
	if (url && !j->final_url)
		j->final_url = strdup(url);
	j->attempts += !j->over_memory;  /* not one of the URL's tries */
	/* no status line ("Received HTTP/0.9") or a garbled one on a
	 * kept-alive connection: what a bad reply before left on it (a 204
	 * with a body), not this URL's fault */
	j->stale = (res == CURLE_WEIRD_SERVER_REPLY ||
		    (res == CURLE_UNSUPPORTED_PROTOCOL && j->http == 0)) &&
		   curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &connects) ==
		   CURLE_OK && connects == 0;
	if (j->over_time)  /* --max-time (on_progress): a timeout */
		res = CURLE_OPERATION_TIMEDOUT;
	/* a resumed body ends where the file does: more or less is another
	 * file, or a server that miscounts (started over, as a bad range) */
	if (res == CURLE_OK && j->http == 206 && j->keep && j->total >= 0 &&
	    j->len != (uint64_t)j->total)
		j->bad_range = 1;
	gic_fetch_reason(j, res, reason, sizeof(reason));
	curl_multi_remove_handle(f->multi, e);
	curl_easy_cleanup(e);
	for (int i = 0; i < f->active; i++)
		if (f->handles[i] == e) {
			f->handles[i] = f->handles[--f->active];
			break;
		}
	outcome(f, j, res, (long)retry_after, reason);
}

static void reap(struct gic_fetcher *f)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(f->multi, &left))) {
		CURL *e = m->easy_handle;
		CURLcode res = m->data.result;

		if (m->msg == CURLMSG_DONE)
			finish(f, e, res);
	}
}

/* Sleep no longer than the earliest retry that could start, nor than
 * POLL_MAX. */
static int poll_ms(struct gic_fetcher *f)
{
	double t = POLL_MAX, now = gic_now();

	for (size_t i = 0; f->active < f->jobs && i < f->nwaiting; i++)
		if (f->waiting[i]->not_before - now < t)
			t = f->waiting[i]->not_before - now;
	return t > 0 ? (int)(t * 1000) + 1 : 0;
}

static int more(struct gic_fetcher *f)
{
	int stop, over;

	pthread_mutex_lock(&f->mu);
	stop = f->stop;
	over = f->plan_over;
	f->seen = f->published;
	pthread_mutex_unlock(&f->mu);
	return !stop && (f->next < f->seen || f->active || f->nwaiting ||
			 !over);
}

static int run(struct gic_fetcher *f)
{
	int rc = 0, running;

	while (rc == 0 && more(f)) {
		if ((rc = start_ready(f)) < 0)
			break;
		if (curl_multi_poll(f->multi, NULL, 0, poll_ms(f), NULL) ||
		    curl_multi_perform(f->multi, &running))
			rc = gic_seterr(GIC_EIO, "libcurl's multi interface failed");
		else
			reap(f);
	}
	return rc;
}

/* Drops what is still in flight after a runtime failure. */
static void abandon(struct gic_fetcher *f)
{
	while (f->active > 0) {
		CURL *e = f->handles[--f->active];
		struct gic_fetch_job *j = NULL;

		curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&j);
		curl_multi_remove_handle(f->multi, e);
		curl_easy_cleanup(e);
		gic_fetch_job_free(j);
	}
	while (f->nwaiting > 0)
		gic_fetch_job_free(f->waiting[--f->nwaiting]);
}

static void *transfers(void *arg)
{
	struct gic_fetcher *f = arg;
	int rc = run(f);

	abandon(f);
	pthread_mutex_lock(&f->mu);
	if (rc < 0) {
		f->transfer_rc = rc;
		snprintf(f->transfer_err, sizeof(f->transfer_err), "%s",
			 gic_errmsg());
	}
	f->transfers_over = 1;
	pthread_cond_signal(&f->done_cv);
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

/* --cacert must hold certificates (PEM): a file TLS cannot use would fail
 * every https URL of the list, one by one. */
static int check_cacert(const char *path)
{
	X509_STORE *st;
	struct stat sb;
	int ok;

	if (stat(path, &sb) < 0)
		return gic_seterr(GIC_EUSAGE, "--cacert '%s': %s", path,
				  strerror(errno));
	if (S_ISDIR(sb.st_mode))
		return gic_seterr(GIC_EUSAGE, "--cacert '%s' is a directory, "
				  "not a file of certificates", path);
	st = X509_STORE_new();
	ok = st && X509_STORE_load_file(st, path) == 1;
	X509_STORE_free(st);
	return ok ? 0 : gic_seterr(GIC_EUSAGE, "--cacert '%s' holds no PEM "
				   "certificate", path);
}

/* Options, and every license the list or --license names (registry ids). */
static int check_opts(struct gic_catalog *c, const struct gic_fetch_list *l,
		      const struct gic_fetch_opts *o)
{
	struct gic_ingest_opts io = { .dataset = o->dataset, .label = o->label,
				      .split = o->split,
				      .class_idx = o->class_idx };
	int rc;

	if (o->license && (rc = gic_license_check(c, o->license)) < 0)
		return rc;
	if (o->cacert && (rc = check_cacert(o->cacert)) < 0)
		return rc;
	for (size_t i = 0; i < l->n; i++)
		if (l->items[i].license &&
		    (rc = gic_license_check(c, l->items[i].license)) < 0) {
			char why[512];
			snprintf(why, sizeof(why), "%s", gic_errmsg());
			return gic_seterr(rc, "'%s': line %d: %s", l->path,
					  l->items[i].line, why);
		}

	for (size_t i = 0; !o->dataset && i < l->n; i++)
		if (!l->items[i].dataset) {  /* some row takes the list's name */
			if ((rc = gic_default_dataset_check(l->name,
							    "the list's")) < 0)
				return rc;
			break;
		}
	if (o->generator && (rc = gic_name_check("--generator", o->generator,
						 GIC_GENERATOR_MAX)) < 0)
		return rc;
	if (o->jobs < 0 || o->per_host < 0 || o->retries < 0 || o->timeout < 0)
		return gic_seterr(GIC_EUSAGE, "fetch option %s is negative",
				  o->jobs < 0 ? "jobs" : o->per_host < 0 ?
				  "per_host" : o->retries < 0 ? "retries" :
				  "timeout");
	return gic_writer_check_opts(&io);
}

/* Descriptors besides the transfers' sockets: the catalog, the objects
 * being written, libcurl's own, the list. */
#define FDS_SPARE 64

/* Room for a socket per transfer: the soft open-file limit raised
 * towards the hard one when it is short (1024 is a common soft limit,
 * and --jobs goes to 1024); when even that is short, fewer transfers at
 * once (st->jobs_cut), rather than a run that dies of EMFILE. */
static void fd_room(struct gic_fetcher *f)
{
	rlim_t want = (rlim_t)f->jobs + FDS_SPARE;
	struct rlimit rl;

	/* RLIM_INFINITY is above any number */
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= want)
		return;
	if (rl.rlim_max > rl.rlim_cur) {
		rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur >= want)
		return;
	f->jobs = rl.rlim_cur > 2 * FDS_SPARE ?
		  (int)(rl.rlim_cur - FDS_SPARE) : (int)(rl.rlim_cur / 4) + 1;
	f->st->jobs_cut = f->jobs;
}

static int setup(struct gic_fetcher *f)
{
	const struct gic_fetch_opts *o = f->o;

	f->jobs = o->jobs ? o->jobs : GIC_FETCH_DEFAULT_JOBS;
	fd_room(f);
	f->retries = o->retries;
	f->timeout = o->timeout ? o->timeout : GIC_FETCH_DEFAULT_TIMEOUT;
	f->max_time = o->max_time < 0 ? 0 : o->max_time ? o->max_time :
		      GIC_FETCH_DEFAULT_MAX_TIME;
	f->max_bytes = o->max_bytes ? o->max_bytes : GIC_DEFAULT_MAX_BYTES;
	f->max_memory = o->max_memory ? o->max_memory :
			GIC_FETCH_DEFAULT_MAX_MEMORY;
	f->rng = ((uint64_t)time(NULL) * 0x9e3779b97f4a7c15ULL ^
		  (uint64_t)getpid()) | 1;
	f->handles = calloc((size_t)f->jobs, sizeof(*f->handles));
	f->waiting = calloc((size_t)f->jobs * (WAITING_PER_JOB + 1),
			    sizeof(*f->waiting));
	if (!f->handles || !f->waiting)
		return gic_seterr(GIC_ENOMEM, "out of memory");
	if (!(f->multi = curl_multi_init()) || !(f->share = curl_share_init()))
		return gic_seterr(GIC_ENOMEM, "cannot initialise libcurl");
	curl_share_setopt(f->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	curl_multi_setopt(f->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
			  (long)f->jobs);
	curl_multi_setopt(f->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
			  (long)(o->per_host ? o->per_host : f->jobs));
	curl_multi_setopt(f->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
	/* idle connections kept for reuse: by default 4 per running transfer,
	 * so while the workers hold transfers back most would be closed */
	curl_multi_setopt(f->multi, CURLMOPT_MAXCONNECTS, (long)f->jobs);
	return 0;
}

/* Plans the first URLs, then plans the others and writes while the other
 * threads fetch and store. */
static int go(struct gic_fetcher *f, int *threads)
{
	pthread_t tid;
	int rc;

	if ((rc = gic_fetch_state_open(f)) < 0 ||
	    (rc = gic_fetch_state_plan_start(f)) < 0 ||
	    (rc = gic_fetch_state_plan(f, (size_t)f->jobs * 4)) < 0)
		return rc;
	*threads = 1;
	if ((rc = gic_fetch_workers_start(f)) < 0)
		return rc;
	if (pthread_create(&tid, NULL, transfers, f))
		return gic_seterr(GIC_ENOMEM, "cannot start threads");
	rc = gic_fetch_write(f);
	gic_fetch_stop(f);
	pthread_join(tid, NULL);
	if (rc == 0 && f->transfer_rc < 0)
		rc = gic_seterr(f->transfer_rc, "%s", f->transfer_err);
	return rc;
}

int gic_fetch(struct gic_catalog *c, const struct gic_fetch_list *l,
	      const struct gic_fetch_opts *o, struct gic_fetch_stats *st)
{
	struct gic_fetcher f = { .cat = c, .list = l, .o = o, .st = st };
	int rc, threads = 0, global = 0, state = 0;

	memset(st, 0, sizeof(*st));
	pthread_mutex_init(&f.mu, NULL);
	pthread_cond_init(&f.work_cv, NULL);
	pthread_cond_init(&f.done_cv, NULL);
	if ((rc = gic_catalog_writable(c)) < 0 ||
	    (rc = check_opts(c, l, o)) < 0 || (rc = gic_curl_load()) < 0)
		goto out;
	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		rc = gic_seterr(GIC_ENOMEM, "cannot initialise libcurl");
		goto out;
	}
	global = 1;
	/* download buffers grow by doubling to megabytes: mapped on their
	 * own, they move without a copy and go back to the system when
	 * freed, where the heap would keep them (--max-memory held to what
	 * it counts: 64 endless downloads peaked at 1.56 GB for 1 GiB) */
	mallopt(M_MMAP_THRESHOLD, 256 << 10);
	if ((rc = setup(&f)) == 0) {
		state = 1;
		rc = go(&f, &threads);
	}
out:
	if (threads) {
		gic_fetch_stop(&f);
		gic_fetch_workers_join(&f);
	}
	if (state)
		rc = gic_fetch_state_close(&f, rc);
	free(f.handles);
	free(f.waiting);
	free(f.queue);
	free(f.dup);
	curl_multi_cleanup(f.multi);
	curl_share_cleanup(f.share);
	if (global)
		curl_global_cleanup();
	pthread_cond_destroy(&f.done_cv);
	pthread_cond_destroy(&f.work_cv);
	pthread_mutex_destroy(&f.mu);
	return rc;
}
