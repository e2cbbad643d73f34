/*
 * fetch-int.h - what fetch.c (the transfer loop), fetch-http.c (libcurl
 * handles and callbacks), fetch-store.c (workers and the writer) and
 * fetch-state.c (the fetches table) share: one URL's job, and a run.
 */
#ifndef GIC_FETCH_INT_H
#define GIC_FETCH_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "curl-api.h"

#include "fetch.h"
#include "ingest-write.h"

/* One URL being fetched in this run, from its first attempt to its record. */
struct gic_fetch_job {
	struct gic_fetcher *f;
	size_t item;               /* index in the list */
	const char *dataset;
	unsigned char *buf;        /* the body so far (kept across attempts
				      when the server takes ranges) */
	size_t len, cap;
	int attempts;              /* in this run */
	long http;                 /* status of the last response, 0: none */
	char phrase[64];           /* its reason phrase */
	double not_before;         /* monotonic time of the next attempt */
	double started;            /* ... and of this one's start: libcurl's
				      first report on it, 0 while it waits
				      in libcurl's queue for a connection */
	int ranges;                /* buf came from a server taking ranges */
	int64_t total;             /* the whole file's size as the response
				      that began buf said it, -1: unknown */
	char validator[256];       /* its strong ETag or Last-Modified */
	uint64_t ignored;          /* body bytes of error responses */
	/* the response being received (header callback) */
	long resp_code;
	int64_t resp_range;        /* Content-Range start, -1 */
	int64_t resp_total;        /* Content-Range total, -1 ("*", none) */
	int64_t resp_length;       /* Content-Length, -1 (also when chunked) */
	int resp_coded;            /* Transfer-Encoding given: the body's
				      length is its coding's, not the
				      Content-Length's (RFC 9112 6.3) */
	int resp_ranges;           /* Accept-Ranges: bytes */
	char resp_validator[256];
	char resp_encoding[32];    /* Content-Encoding other than identity */
	int resp_done;             /* its headers are over */
	double resp_done_at;       /* when (gic_now): a redirect's body that
				      libcurl reads and drops must end soon */
	int keep;                  /* its body is the image */
	int too_big, bad_range;    /* why a callback aborted the transfer */
	long redirects;            /* followed by the last attempt */
	int stale;                 /* a reply garbled on a connection used
				      before (what a bad last reply on it
				      left): retried on a new one */
	int endless_redirect;      /* ... (a redirect's body past --timeout) */
	int over_time;             /* ... (--max-time: retried as a timeout) */
	int over_memory;           /* ... (the budget: retried, from 0) */
	char *final_url;           /* after redirects, owned */
	struct curl_slist *headers;
	char err[CURL_ERROR_SIZE];
	int failed;                /* given up without content: r.reason */
	int stored;                /* known content, not downloaded */
	struct gic_result r;       /* filled by a worker, then recorded */
	struct gic_fetch_job *next; /* in the workers' and writer's queues */
};

/*
 * A run.  Three kinds of threads: the transfer thread (fetch.c) owns the
 * multi handle; workers (fetch-store.c) check and store; the calling
 * thread writes to the catalog.  Fields below `mu` are shared under it.
 */
struct gic_fetcher {
	struct gic_catalog *cat;
	const struct gic_fetch_list *list;
	const struct gic_fetch_opts *o;
	struct gic_fetch_stats *st;     /* the writer's */
	int jobs, retries;
	long timeout, max_time;         /* max_time 0: none */
	uint64_t max_bytes;
	/* the transfer thread's */
	CURLM *multi;
	CURLSH *share;
	CURL **handles;                 /* running transfers */
	int active;
	size_t *queue, next, seen;      /* items to fetch, in list order: the
					   next to start, how many it knows
					   of (published, below) */
	struct gic_fetch_job **waiting; /* backing off before a retry */
	size_t nwaiting;
	uint64_t rng;
	int transfer_rc;                /* and its message: */
	char transfer_err[512];
	_Atomic uint64_t bytes, attempts, retries_done, resumed;
	_Atomic uint64_t known;         /* downloads of catalogued content */
	_Atomic uint64_t held;          /* bytes of every job's buffer */
	uint64_t max_memory;
	/* the workers */
	pthread_t *tids;
	int nworkers;
	pthread_mutex_t mu;
	pthread_cond_t work_cv, done_cv;
	struct gic_fetch_job *todo, *todo_tail; /* downloaded, to check */
	struct gic_fetch_job *done, *done_tail; /* to record */
	size_t inwork;                  /* out of the transfers, not recorded */
	size_t unchecked;               /* of those, bodies the workers hold */
	size_t ndone;                   /* jobs in done */
	int starved;                    /* the transfer thread found no room */
	int stop;                       /* a runtime failure: everyone stops */
	int transfers_over;
	size_t published;               /* of queue[], those filled */
	int plan_over;                  /* every URL is in queue[] or none
					   of its business */
	/* the writer and the fetches table (calling thread) */
	size_t nqueue;                  /* queue[] filled so far */
	char *dup;                      /* rows repeating an earlier one */
	struct gic_writer w;
	struct gic_ingest_opts wopts;
	struct gic_known lookup;        /* images by sha256 */
	struct sqlite3_stmt *get_state, *add_state, *set_state, *withdraw;
	struct sqlite3_stmt *unreject, *elsewhere;
};

/* fetch-http.c: a ready easy handle for the job's next attempt. */
int gic_fetch_easy(struct gic_fetcher *f, struct gic_fetch_job *j, CURL **out);
/* Is a failed attempt worth another (timeouts, connection errors, 5xx,
 * 429, 408)? */
int gic_fetch_transient(CURLcode res, long http);
/* Seconds to wait before attempt number `attempts` + 1: exponential
 * from 0.5 s, capped at 30 s, with jitter from rnd (0..1); a server's
 * Retry-After (seconds, 0 if none) wins, capped at 60 s. */
double gic_fetch_backoff(int attempts, long retry_after, double rnd);
/* One line on why the attempt that just ended failed. */
void gic_fetch_reason(struct gic_fetch_job *j, CURLcode res, char *buf,
		      size_t n);

/* fetch-store.c: catalogues item i, never tried, as the stored image
 * hex of `bytes` bytes that its row names (calling thread). */
int gic_fetch_record_stored(struct gic_fetcher *f, size_t i, const char *hex,
			    uint64_t bytes);

/* fetch-state.c (calling thread) */
int gic_fetch_state_open(struct gic_fetcher *f);
/* Prepares the planning: finds repeated rows, allocates f->queue. */
int gic_fetch_state_plan_start(struct gic_fetcher *f);
/* Looks up to `rows` more rows of the list (f->st->planned so far), and
 * puts those of URLs that are not done into f->queue, but for those it
 * catalogues from the store (never tried, listed sha256 held); publishes
 * them to the transfer thread. */
int gic_fetch_state_plan(struct gic_fetcher *f, size_t rows);
/* The URL's row after this run: done, or failed with error. */
int gic_fetch_set_state(struct gic_fetcher *f, struct gic_fetch_job *j,
			const char *error);
/* Commits (rc == 0) or keeps what is whole; returns rc or the commit's. */
int gic_fetch_state_close(struct gic_fetcher *f, int rc);

/* fetch-store.c */
int gic_fetch_workers_start(struct gic_fetcher *f);
/* Tells every thread to stop (a runtime failure, or the end). */
void gic_fetch_stop(struct gic_fetcher *f);
void gic_fetch_workers_join(struct gic_fetcher *f);
/* From the transfer thread: a complete download, to the workers; a URL
 * given up on (content = 1: its bytes were refused, for `rejects` too),
 * to the writer. */
void gic_fetch_submit(struct gic_fetcher *f, struct gic_fetch_job *j);
void gic_fetch_give_up(struct gic_fetcher *f, struct gic_fetch_job *j,
		       const char *reason, int content);
/* Is there room for another download: few bodies waiting for the
 * workers (memory), few URLs waiting for the writer? */
int gic_fetch_room(struct gic_fetcher *f, size_t bodies, size_t urls);
/* The writer's loop: records outcomes until the transfers are over and
 * every URL is recorded; reports progress and failures. */
int gic_fetch_write(struct gic_fetcher *f);
/* The writer's options for one row: its columns, else the options'; for
 * a new entry and for updating one catalogued before alike. */
void gic_fetch_row_opts(struct gic_fetcher *f, const struct gic_fetch_item *it);
/* What url's path says, read as ingest reads a file's path (percent-
 * escapes decoded; the query left out) when o asks for a layout. */
void gic_fetch_url_meta(const struct gic_fetch_opts *o, const char *url,
			struct gic_path_meta *m);
void gic_fetch_job_free(struct gic_fetch_job *j);
/* Frees the job's body, giving its bytes back to the memory budget. */
void gic_fetch_drop_body(struct gic_fetch_job *j);

/* fetch-mask.c: credentials shown as *** (gic_fetch_mask_url, fetch.h) */
/* u's URL with the credential of its user part (its password, else the
 * user name) as ***, or NULL when it has none. */
char *gic_fetch_masked(CURLU *u);
/* url, which u parsed, as listed (not normalized: the scheme's case,
 * "/x/../" kept) with the credential of its user part as ***; as
 * gic_fetch_masked when the text cannot be masked so. */
char *gic_fetch_mask_listed(CURLU *u, const char *url);
/* pw (url with its user part masked, or NULL: none; owned) with
 * its query's credentials masked too; NULL when url has neither to mask
 * or when out of memory (*rc < 0 then). */
char *gic_fetch_mask_secrets(const char *url, char *pw, int *rc);
/* Does u have a user part (a user name or a password)? */
int gic_fetch_has_userinfo(CURLU *u);
/* url with the credential of its user part as ***, malloc'd; NULL when
 * it has none (or out of memory); authority_only: see fetch-mask.c. */
char *gic_fetch_mask_text(const char *url, int authority_only);

#endif
