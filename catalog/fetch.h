/*
 * fetch.h - downloading URL lists into the catalog (gicat fetch).
 *
 * A URL list (CSV, TSV, JSONL or one URL a line) names images and, per
 * row, the columns an ingest would take from a path.  gic_fetch downloads
 * them with libcurl (many transfers at once, retries with backoff, resume
 * with Range, size cap, http and https only, TLS always verified) and
 * hands the bytes to the same probe, object store and entry writer as a
 * local ingest.  Every URL's state lives in the `fetches` table, so a run
 * fetches only what an earlier one did not finish.
 */
#ifndef GIC_FETCH_H
#define GIC_FETCH_H

#include "catalog.h"

/* ---- URL lists (fetch-list.c) ------------------------------------------ */

/* One row of a URL list.  Strings are owned by the list; NULL = empty. */
struct gic_fetch_item {
	char *url;            /* what is requested: as given, with spaces
				 as %20 */
	char *key;            /* as given, with credentials masked
				 ("user:***@", "***@", "?sig=***"): what
				 the catalog stores and
				 messages show; url itself when they agree */
	char *sha256;         /* expected SHA-256, lowercase hex, or NULL */
	char *dataset, *generator, *label, *split, *license;
	int class_idx;        /* 0..999 (an index or a wnid in the list), -1 */
	int line;             /* 1-based line of the row in the list */
};

/* url with its credentials masked: its user part's password (else its
 * user name) and its query's signatures and tokens as ***, malloc'd;
 * NULL when it has none (or on failure to parse, which check_url has
 * ruled out). */
char *gic_fetch_mask_url(const char *url);

struct gic_fetch_list {
	struct gic_fetch_item *items;
	size_t n, cap;
	char *name;           /* the list's base name without extension: the
				 dataset of rows that name none */
	char *path;           /* as given, for messages */
};

/*
 * Reads a URL list.  The format comes from the extension (.csv, .tsv,
 * .jsonl/.ndjson, .txt for a plain list) or the content: '{' starts JSONL,
 * a URL a plain list (one URL a line, '#' comments), a tab in the first
 * line TSV, else CSV.  CSV and TSV take a header row naming the columns.
 * Columns: url (required), sha256, dataset, generator, label (real/fake),
 * split (train/val/test), class (0..999 or a wnid, looked up in cls,
 * which may be NULL), license; others are ignored.  label (or NULL) is
 * the label rows without one take (--label): a generator with it real is
 * a bad row too.  A bad row fails the whole list with GIC_EUSAGE and
 * "line N: why".
 */
int gic_fetch_list_load(const char *path, const struct gic_classes *cls,
			const char *label, struct gic_fetch_list **out);
/* The same from text in memory; path gives the format and the name. */
int gic_fetch_list_parse(const char *text, size_t len, const char *path,
			 const struct gic_classes *cls, const char *label,
			 struct gic_fetch_list **out);
void gic_fetch_list_free(struct gic_fetch_list *l);
/* The dataset of item i: its own column, else dflt, else l->name. */
const char *gic_fetch_dataset(const struct gic_fetch_list *l, size_t i,
			      const char *dflt);

/* ---- fetching (fetch.c, fetch-http.c, fetch-store.c) ------------------- */

#define GIC_FETCH_DEFAULT_JOBS 16
#define GIC_FETCH_DEFAULT_RETRIES 3
#define GIC_FETCH_DEFAULT_TIMEOUT 30
/* Seconds one attempt may take in all: a server trickling just above
 * GIC_FETCH_LOW_SPEED would otherwise hold a transfer for days (a retry
 * resumes where it stopped, when the server takes ranges). */
#define GIC_FETCH_DEFAULT_MAX_TIME 600
/* Bytes all downloads may hold in memory at once (bodies in flight and
 * waiting to be checked); one download alone may always go on. */
#define GIC_FETCH_DEFAULT_MAX_MEMORY (1ULL << 30)
/* A transfer slower than this many bytes/s for `timeout` seconds fails. */
#define GIC_FETCH_LOW_SPEED 1024
#define GIC_FETCH_MAX_REDIRS 5
#define GIC_FETCH_MAX_URL 65536     /* bytes of a URL in a list */
#define GIC_FETCH_USER_AGENT "gicat/0.1"

struct gic_fetch_stats {
	uint64_t total;       /* distinct (dataset, url) rows of the list */
	uint64_t already;     /* done by an earlier run: not fetched again */
	uint64_t duplicates;  /* rows repeating an earlier row's dataset+url */
	uint64_t disagreeing; /* of those, with other columns than the first:
				 the first is taken */
	int disagree_line, disagree_first; /* the first such row, and the
					      line of the row it repeats */
	uint64_t planned;     /* rows of the list looked up so far; below the
				 list's rows, queued still grows (the lookup
				 goes on beside the transfers) */
	uint64_t queued;      /* URLs this run fetches */
	uint64_t stored;      /* URLs never tried whose listed sha256 the
				 store holds: catalogued without a transfer */
	uint64_t done;        /* of those queued: catalogued */
	uint64_t known;       /* downloads of content the catalog held
				 already (another URL's, or a file's):
				 checked against the limits from its
				 catalogued size, not decoded again */
	uint64_t failed;      /* of those: given up (HTTP, network, content) */
	uint64_t withdrawn;   /* of those: done before, their entries removed */
	uint64_t attempts;    /* transfers started */
	uint64_t retries;     /* transfers that were retries */
	uint64_t resumed;     /* retries the server answered with the rest
				 (206 to a Range), not started over */
	uint64_t bytes;       /* body bytes received, every attempt counted */
	int jobs_cut;         /* transfers at once, when the open-file limit
				 (raised as far as it goes) allowed fewer
				 than jobs; else 0 */
	struct gic_ingest_stats ingest; /* what the writer did: new images and
					   entries, rejects by reason */
};

struct gic_fetch_opts {
	int jobs;             /* transfers at once; 0: GIC_FETCH_DEFAULT_JOBS */
	int per_host;         /* connections to one host; 0: jobs */
	int retries;          /* further attempts after a timeout, connection
				 error, 5xx or 429 (never after other 4xx) */
	long timeout;         /* seconds to connect, and without
				 GIC_FETCH_LOW_SPEED bytes/s; 0: default */
	long max_time;        /* seconds an attempt may take in all;
				 0: GIC_FETCH_DEFAULT_MAX_TIME, -1: no limit */
	uint64_t max_bytes;   /* per image, enforced while downloading;
				 0: GIC_DEFAULT_MAX_BYTES */
	uint64_t max_pixels;  /* as for ingest; 0: default */
	uint64_t max_memory;  /* 0: GIC_FETCH_DEFAULT_MAX_MEMORY */
	const char *cacert;   /* CA bundle trusted instead of the system's */
	/* Values for the columns a row leaves empty (NULL / -1: none). */
	const char *dataset, *generator, *label, *split, *license;
	int class_idx;
	const struct gic_classes *classes; /* for the wnid of a class */
	int use_layout;       /* read each URL's path with layout, as ingest
				 reads a file's (the row and the options
				 win); else only the row and the options */
	enum gic_layout layout;
	const struct gic_val_labels *val; /* for use_layout, or NULL */
	int workers;          /* hash/decode/store threads; 0: one per CPU */
	int download_known;   /* download a URL never tried even when the
				 store holds its listed sha256 */
	/* Called from the calling thread only. */
	void (*on_failure)(void *arg, const char *url, const char *reason);
	void (*on_progress)(void *arg, const struct gic_fetch_stats *st);
	void *arg;
};

/*
 * Fetches every URL of l that is not done yet into the catalog (a URL
 * never tried whose listed sha256 the store holds is catalogued from the
 * store, unless o->download_known).  A URL
 * that fails (HTTP error, network failure after its retries, content
 * rejected: not an image, truncated, over max_bytes, sha256 mismatch) is
 * recorded as failed with its reason and passed to on_failure; rejected
 * content also goes to `rejects`.  Nothing of a failed URL is stored.
 * Returns 0 when the run completed (failures or not, see st->failed), a
 * negative code on a runtime failure (database, disk), leaving the catalog
 * consistent.  The caller must ignore SIGPIPE (peers may close TLS
 * connections while libcurl writes).
 */
int gic_fetch(struct gic_catalog *c, const struct gic_fetch_list *l,
	      const struct gic_fetch_opts *o, struct gic_fetch_stats *st);

/*
 * The fetch state, summarized.  *summary yields (status, urls, bytes) rows
 * for every URL in the catalog or, with l, for the rows of l (status 'new'
 * for URLs never fetched).  With dataset, only the URLs of that dataset
 * count; for the rows of l it is also the dataset of rows that name none,
 * as for gic_fetch.  *failed yields (url, http_status, attempts,
 * last_error) of the failed ones.  The caller finalizes both statements.
 */
int gic_fetch_status(struct gic_catalog *c, const struct gic_fetch_list *l,
		     const char *dataset, struct sqlite3_stmt **summary,
		     struct sqlite3_stmt **failed);

/*
 * Forgets the failed URLs (their rows in fetches) of list l (NULL: of
 * every list) in dataset (NULL: in any; as for gic_fetch_status), so
 * that --status stops listing them; *n: how many.  Done URLs are kept.
 */
int gic_fetch_forget_failed(struct gic_catalog *c,
			    const struct gic_fetch_list *l,
			    const char *dataset, uint64_t *n);

/* The datasets that have URLs in the catalog, in byte order, ", "
 * between them, cut to size bytes with "..." (empty: none). */
int gic_fetch_datasets(struct gic_catalog *c, char *buf, size_t size);

/*
 * For a list run without --dataset whose default dataset (the list's
 * name) has no URL in the catalog yet: the other dataset in which most
 * of its rows of that default have status ("done", "failed"; in ds, size
 * bytes), and how many (*n; 0 when none, as when the list was fetched
 * under its own name).  So a list fetched with --dataset web and run
 * again without it can be told apart from a new one.
 */
int gic_fetch_elsewhere(struct gic_catalog *c, const struct gic_fetch_list *l,
			const char *status, char *ds, size_t size, uint64_t *n);

#endif
