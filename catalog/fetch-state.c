/*
 * fetch-state.c - the `fetches` table: one row per dataset and URL with its
 * status (pending, done, failed), attempts, HTTP status, last error, bytes
 * and hash.  Planning a run (which URLs are not done yet, which rows
 * repeat another), recording outcomes in the writer's batched
 * transactions, and the summaries of `gicat fetch --status`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "fetch-int.h"

static const char *const state_sql[] = {
	"SELECT status, sha256, attempts FROM fetches WHERE dataset = ? AND "
	"url = ?",
	"INSERT INTO fetches (dataset, url) VALUES (?, ?)",
	"UPDATE fetches SET status = ?3, attempts = attempts + ?4, "
	"http_status = ?5, last_error = ?6, bytes = ?7, sha256 = ?8, "
	"final_url = ?9, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') "
	"WHERE dataset = ?1 AND url = ?2",
	/* a fetched entry is there while its URL is done, no longer */
	"DELETE FROM entries WHERE dataset = ? AND path = ?",
	/* rejects say a path's last attempt: content refused before, a
	 * transfer that fails now is no longer that */
	"DELETE FROM rejects WHERE path = ?",
	/* the URL tried in another dataset, with no proof of this row's
	 * sha256 (done with it): the datasets one index seek each */
	"WITH RECURSIVE d(x) AS (SELECT min(dataset) FROM fetches UNION ALL "
	"SELECT (SELECT min(dataset) FROM fetches WHERE dataset > x) FROM d "
	"WHERE x IS NOT NULL) SELECT 1 FROM d JOIN fetches f ON f.dataset = "
	"d.x AND f.url = ?2 WHERE d.x != ?1 AND (f.attempts > 0 OR f.status "
	"= 'done') AND NOT (f.status = 'done' AND f.sha256 IS ?3) LIMIT 1",
};
#define NSTATE (sizeof(state_sql) / sizeof(state_sql[0]))

static sqlite3_stmt **state_slot(struct gic_fetcher *f, size_t i)
{
	sqlite3_stmt **v[] = { &f->get_state, &f->add_state, &f->set_state,
			       &f->withdraw, &f->unreject, &f->elsewhere };
	return v[i];
}

int gic_fetch_state_open(struct gic_fetcher *f)
{
	const struct gic_fetch_opts *o = f->o;
	int rc;

	f->wopts.mode = GIC_MODE_COPY;
	f->wopts.class_idx = -1;      /* classes come with each row's meta */
	f->wopts.classes = o->classes;
	if ((rc = gic_writer_init(&f->w, f->cat, &f->wopts)) < 0 ||
	    (rc = gic_known_prepare(&f->lookup, f->cat->db)) < 0)
		return rc;
	for (size_t i = 0; i < NSTATE; i++)
		if (sqlite3_prepare_v2(f->cat->db, state_sql[i], -1,
				       state_slot(f, i), NULL))
			return gic_db_fail(f->cat->db, "prepare fetch");
	return 0;
}

int gic_fetch_state_close(struct gic_fetcher *f, int rc)
{
	for (size_t i = 0; i < NSTATE; i++) {
		sqlite3_finalize(*state_slot(f, i));
		*state_slot(f, i) = NULL;
	}
	gic_known_close(&f->lookup);
	return gic_writer_finish(&f->w, rc);
}

static int key_cmp(const struct gic_fetcher *f, size_t i, size_t k)
{
	const struct gic_fetch_list *l = f->list;
	int c = strcmp(gic_fetch_dataset(l, i, f->o->dataset),
		       gic_fetch_dataset(l, k, f->o->dataset));

	return c ? c : strcmp(l->items[i].key, l->items[k].key);
}

/* qsort_r order of item indexes: (dataset, url), then list order. */
static int by_key(const void *a, const void *b, void *arg)
{
	size_t i = *(const size_t *)a, k = *(const size_t *)b;
	int c = key_cmp(arg, i, k);

	return c ? c : (i > k) - (i < k);
}

static int differ(const char *a, const char *b)
{
	return (a || b) && (!a || !b || strcmp(a, b));
}

/* Do two rows of one URL say different things about it?  (Passwords too:
 * the catalog keeps none, so user:a@ and user:b@ are one URL, which the
 * first row's is fetched as.) */
static int disagree(const struct gic_fetch_item *a,
		    const struct gic_fetch_item *b)
{
	return strcmp(a->url, b->url) || differ(a->sha256, b->sha256) ||
	       differ(a->generator, b->generator) ||
	       differ(a->label, b->label) || differ(a->split, b->split) ||
	       differ(a->license, b->license) || a->class_idx != b->class_idx;
}

/* Marks in dup[] every row that repeats an earlier row's dataset and URL,
 * counting those that disagree with it. */
static int find_duplicates(struct gic_fetcher *f, char *dup)
{
	size_t n = f->list->n, *idx = malloc(n * sizeof(*idx));

	if (!idx)
		return gic_seterr(GIC_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	qsort_r(idx, n, sizeof(*idx), by_key, f);
	for (size_t i = 1, first = 0; i < n; i++) {
		const struct gic_fetch_item *it = f->list->items;
		if (key_cmp(f, idx[first], idx[i])) {
			first = i;
			continue;
		}
		dup[idx[i]] = 1;
		if (disagree(&it[idx[first]], &it[idx[i]]) &&
		    !f->st->disagreeing++) {
			f->st->disagree_line = it[idx[i]].line;
			f->st->disagree_first = it[idx[first]].line;
		}
	}
	free(idx);
	return 0;
}

static int step(struct gic_fetcher *f, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 :
	       gic_db_fail(f->cat->db, what);
}

/* Does the store hold the sha256 that item i's row names, whole, within
 * this run's limits?  Then its size goes to *bytes. */
static int stored(struct gic_fetcher *f, size_t i, uint64_t *bytes)
{
	const char *hex = f->list->items[i].sha256;
	struct gic_probe_opts po = { .max_pixels = f->o->max_pixels };
	struct gic_known_size size = { 0 };
	int ok;

	if (!hex || f->o->download_known)
		return 0;
	ok = gic_known_find(&f->lookup, hex, &size) == GIC_KNOWN_OBJECT &&
	     size.bytes <= f->max_bytes &&
	     gic_probe_check_size(size.width, size.height, &po) == 0;
	gic_clearerr();  /* otherwise it is downloaded, and checked then */
	*bytes = size.bytes;
	/* a damaged object is downloaded again, and mended by the put */
	return ok && gic_odb_holds(f->cat->odb, hex, size.bytes);
}

/* What to do with item i: PLAN_FETCH; PLAN_DONE, when an earlier run did
 * it (its entry then takes what the row, else the options, now say; a
 * done URL whose row now names another sha256 than it gave is fetched
 * again, its bytes checked against the row); PLAN_STORED, a URL never
 * tried whose row names a sha256 the store holds, catalogued here.  Adds
 * the URL's row when it is new. */
enum plan { PLAN_FETCH, PLAN_DONE, PLAN_STORED };
static int plan_one(struct gic_fetcher *f, size_t i, enum plan *out)
{
	const char *ds = gic_fetch_dataset(f->list, i, f->o->dataset);
	const char *url = f->list->items[i].key;
	const char *sha = f->list->items[i].sha256;
	sqlite3_stmt *s = f->get_state;
	uint64_t bytes;
	int rc, have, done, tried;

	sqlite3_bind_text(s, 1, ds, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, url, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	have = rc == SQLITE_ROW;
	done = have && !strcmp((const char *)sqlite3_column_text(s, 0), "done");
	if (done && sha && sqlite3_column_text(s, 1) &&
	    strcmp((const char *)sqlite3_column_text(s, 1), sha))
		done = 0;
	tried = have && sqlite3_column_int64(s, 2) > 0;
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return gic_db_fail(f->cat->db, "read fetch state");
	*out = done ? PLAN_DONE : PLAN_FETCH;
	if (done) {
		struct gic_path_meta m;

		gic_fetch_row_opts(f, &f->list->items[i]);
		if (f->o->val)  /* --val-labels now, maybe not then */
			gic_fetch_url_meta(f->o, f->list->items[i].url, &m);
		return gic_writer_update(&f->w, ds, url, f->o->val ? &m : NULL,
					 &f->st->ingest);
	}
	if (!have) {
		sqlite3_bind_text(f->add_state, 1, ds, -1, SQLITE_STATIC);
		sqlite3_bind_text(f->add_state, 2, url, -1, SQLITE_STATIC);
		if ((rc = step(f, f->add_state, "add fetch state")) < 0)
			return rc;
	}
	if (tried || !stored(f, i, &bytes))
		return 0;
	/* a URL another dataset tried is one whose bytes are known, or
	 * were not got: the row's hash is checked by a download */
	s = f->elsewhere;
	sqlite3_bind_text(s, 1, ds, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, url, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, sha, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return gic_db_fail(f->cat->db, "read fetch state");
	if (rc == SQLITE_ROW)
		return 0;
	*out = PLAN_STORED;
	return gic_fetch_record_stored(f, i, sha, bytes);
}

int gic_fetch_state_plan_start(struct gic_fetcher *f)
{
	size_t n = f->list->n;

	f->dup = calloc(n ? n : 1, 1);
	f->queue = malloc((n ? n : 1) * sizeof(*f->queue));
	if (!f->dup || !f->queue)
		return gic_seterr(GIC_ENOMEM, "out of memory");
	return find_duplicates(f, f->dup);
}

int gic_fetch_state_plan(struct gic_fetcher *f, size_t rows)
{
	size_t n = f->list->n, from = f->st->planned;
	size_t end = from + rows < n ? from + rows : n;
	enum plan plan = PLAN_FETCH;
	int rc = gic_writer_begin(&f->w);

	for (size_t i = from; i < end && rc == 0; i++) {
		if (f->dup[i]) {
			f->st->duplicates++;
			continue;
		}
		f->st->total++;
		if ((rc = plan_one(f, i, &plan)) == 0 && plan == PLAN_DONE)
			f->st->already++;
		else if (rc == 0 && plan == PLAN_FETCH)
			f->queue[f->nqueue++] = i;
	}
	/* the new rows commit with the first outcomes: the transfers start
	 * now, not after a sync */
	f->st->planned = end;
	f->st->queued = f->nqueue;
	pthread_mutex_lock(&f->mu);
	f->published = f->nqueue;
	f->plan_over = rc == 0 && end == n;
	pthread_mutex_unlock(&f->mu);
	curl_multi_wakeup(f->multi);
	return rc;
}

static void bind_opt(sqlite3_stmt *s, int i, const char *v)
{
	if (v && *v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

int gic_fetch_set_state(struct gic_fetcher *f, struct gic_fetch_job *j,
			const char *error)
{
	sqlite3_stmt *s = f->set_state;
	int rc;

	if ((rc = gic_writer_begin(&f->w)) < 0)
		return rc;
	sqlite3_bind_text(s, 1, j->dataset, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, f->list->items[j->item].key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, error ? "failed" : "done", -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 4, j->attempts);
	if (j->http)
		sqlite3_bind_int64(s, 5, j->http);
	else
		sqlite3_bind_null(s, 5);
	bind_opt(s, 6, error);
	sqlite3_bind_int64(s, 7, (sqlite3_int64)(j->r.bytes ? j->r.bytes
							    : j->len));
	bind_opt(s, 8, j->r.hex);
	bind_opt(s, 9, j->final_url);
	f->w.pending++;
	rc = step(f, s, "record fetch state");
	sqlite3_clear_bindings(s);
	/* a URL done before that fails now (its row names another sha256
	 * than it serves, say): its entry goes, as rm's would, so the
	 * catalog never holds an entry of a failed URL; the image stays
	 * until gc finds no entry uses it */
	if (rc == 0 && error) {
		s = f->withdraw;
		sqlite3_bind_text(s, 1, j->dataset, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, f->list->items[j->item].key, -1,
				  SQLITE_STATIC);
		if ((rc = step(f, s, "remove the entry of a failed URL")) == 0)
			f->st->withdrawn += (uint64_t)sqlite3_changes(f->cat->db);
	}
	if (rc == 0 && error && j->failed) {
		s = f->unreject;
		sqlite3_bind_text(s, 1, f->list->items[j->item].key, -1,
				  SQLITE_STATIC);
		rc = step(f, s, "drop the reject of a URL failed since");
	}
	return rc;
}

/* ---- gicat fetch --status ------------------------------------------------ */

/* ?1: the dataset to keep, or NULL for all. */
/* A URL planned but never tried (a run stopped before it) is new. */
#define SHOWN(f) "CASE WHEN " f "status = 'pending' AND " f "attempts = 0 " \
	"THEN 'new' ELSE coalesce(" f "status, 'new') END"
static const char *const status_sql[] = {
	"SELECT " SHOWN("") " AS status, count(*) AS urls, sum(bytes) AS bytes "
	"FROM fetches WHERE ?1 IS NULL OR dataset = ?1 GROUP BY 1 ORDER BY 1",
	"SELECT url, http_status, attempts, last_error, dataset FROM fetches "
	"WHERE status = 'failed' AND (?1 IS NULL OR dataset = ?1) "
	"ORDER BY dataset, url",
	/* done with another sha256 than the list now names: fetched
	 * again by the next run */
	"SELECT CASE WHEN f.status = 'done' AND l.sha256 IS NOT NULL AND "
	"f.sha256 IS NOT l.sha256 THEN 'changed' ELSE " SHOWN("f.") " END "
	"AS status, count(*) AS urls, "
	"sum(f.bytes) AS bytes FROM temp.fetch_list l LEFT JOIN fetches f "
	"ON f.dataset = l.dataset AND f.url = l.url "
	"WHERE ?1 IS NULL OR l.dataset = ?1 GROUP BY 1 ORDER BY 1",
	"SELECT f.url, f.http_status, f.attempts, f.last_error, f.dataset FROM "
	"temp.fetch_list l JOIN fetches f ON f.dataset = l.dataset AND "
	"f.url = l.url WHERE f.status = 'failed' AND (?1 IS NULL OR "
	"l.dataset = ?1) ORDER BY f.dataset, f.url",
};

/* The list's (dataset, url) pairs as the temporary table fetch_list. */
static int load_list(struct gic_catalog *c, const struct gic_fetch_list *l,
		     const char *dflt)
{
	sqlite3_stmt *s = NULL;
	int rc = 0;

	if (sqlite3_exec(c->db, "CREATE TEMP TABLE IF NOT EXISTS fetch_list ("
			 "dataset TEXT NOT NULL, url TEXT NOT NULL, sha256 TEXT,"
			 " PRIMARY KEY (dataset, url)) WITHOUT ROWID; DELETE "
			 "FROM temp.fetch_list; BEGIN", NULL, NULL, NULL) ||
	    sqlite3_prepare_v2(c->db, "INSERT OR IGNORE INTO temp.fetch_list "
			       "VALUES (?, ?, ?)", -1, &s, NULL)) {
		rc = gic_db_fail(c->db, "fetch status");
		goto out;
	}
	for (size_t i = 0; i < l->n && rc == 0; i++) {
		sqlite3_bind_text(s, 1, gic_fetch_dataset(l, i, dflt), -1,
				  SQLITE_STATIC);
		sqlite3_bind_text(s, 2, l->items[i].key, -1, SQLITE_STATIC);
		if (l->items[i].sha256)
			sqlite3_bind_text(s, 3, l->items[i].sha256, -1,
					  SQLITE_STATIC);
		else
			sqlite3_bind_null(s, 3);
		if (sqlite3_step(s) != SQLITE_DONE)
			rc = gic_db_fail(c->db, "fetch status");
		sqlite3_reset(s);
	}
out:
	sqlite3_finalize(s);
	if (sqlite3_get_autocommit(c->db) == 0)
		sqlite3_exec(c->db, rc ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
	return rc;
}

int gic_fetch_status(struct gic_catalog *c, const struct gic_fetch_list *l,
		     const char *dataset, struct sqlite3_stmt **summary,
		     struct sqlite3_stmt **failed)
{
	int base = l ? 2 : 0, rc;

	*summary = *failed = NULL;
	if (l && (rc = load_list(c, l, dataset)) < 0)
		return rc;
	if (sqlite3_prepare_v2(c->db, status_sql[base], -1, summary, NULL) ||
	    sqlite3_prepare_v2(c->db, status_sql[base + 1], -1, failed, NULL)) {
		rc = gic_db_fail(c->db, "fetch status");
		sqlite3_finalize(*summary);
		*summary = NULL;
		return rc;
	}
	sqlite3_bind_text(*summary, 1, dataset, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(*failed, 1, dataset, -1, SQLITE_TRANSIENT);
	return 0;
}

/* The failed URLs of dataset ?1 (NULL: of any), of every list. */
#define FAILED "FROM fetches WHERE status = 'failed' AND (?1 IS NULL OR " \
	"dataset = ?1)"
#define OF_LIST " AND (dataset, url) IN (SELECT dataset, url FROM " \
	"temp.fetch_list)"

/*
 * Forgetting a URL also drops the rejects row its content left (a page
 * instead of an image), unless the URL is still listed in another
 * dataset: rejects are kept by path, and a URL's path is the URL.  The
 * steps, of every failed URL (0) or of the list's (1); the count is the
 * second's.
 */
#define DROP_REJECTS "DELETE FROM rejects WHERE path IN temp.forgot AND " \
	"path NOT IN (SELECT url FROM fetches)"
static const char *const forget_sql[2][3] = {
	{ "INSERT OR IGNORE INTO temp.forgot SELECT url " FAILED,
	  "DELETE " FAILED, DROP_REJECTS },
	{ "INSERT OR IGNORE INTO temp.forgot SELECT url " FAILED OF_LIST,
	  "DELETE " FAILED OF_LIST, DROP_REJECTS },
};

int gic_fetch_forget_failed(struct gic_catalog *c,
			    const struct gic_fetch_list *l,
			    const char *dataset, uint64_t *n)
{
	int rc;

	*n = 0;
	if ((l && (rc = load_list(c, l, dataset)) < 0) ||
	    (rc = gic_tx_begin(c, 0)) < 0)
		return rc;
	rc = sqlite3_exec(c->db, "CREATE TEMP TABLE IF NOT EXISTS forgot (url "
			  "TEXT PRIMARY KEY); DELETE FROM temp.forgot", NULL,
			  NULL, NULL) ? -1 : 0;
	for (int i = 0; i < 3 && rc == 0; i++) {
		sqlite3_stmt *s = NULL;

		rc = -1;
		if (sqlite3_prepare_v2(c->db, forget_sql[l != NULL][i], -1, &s,
				       NULL) == SQLITE_OK) {
			sqlite3_bind_text(s, 1, dataset, -1, SQLITE_STATIC);
			rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
		}
		if (rc == 0 && i == 1)
			*n = (uint64_t)sqlite3_changes(c->db);
		sqlite3_finalize(s);
	}
	if (rc < 0)
		rc = gic_seterr(GIC_EDB, "forget failed URLs: %s",
				sqlite3_errmsg(c->db));
	return gic_tx_end(c, 0, rc);
}

/* Whether the list's default dataset has no URL in the catalog yet,
 * while others have: 1, 0, or a negative code. */
static int only_elsewhere(struct gic_catalog *c, const char *name)
{
	sqlite3_stmt *s;
	int rc = -1;

	if (sqlite3_prepare_v2(c->db, "SELECT NOT EXISTS (SELECT 1 FROM "
			       "fetches WHERE dataset = ?1) AND EXISTS (SELECT "
			       "1 FROM fetches WHERE dataset != ?1)", -1, &s,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW)
			rc = sqlite3_column_int(s, 0);
	}
	sqlite3_finalize(s);
	return rc < 0 ? gic_db_fail(c->db, "fetch state") : rc;
}

int gic_fetch_elsewhere(struct gic_catalog *c, const struct gic_fetch_list *l,
			const char *status, char *ds, size_t size, uint64_t *n)
{
	sqlite3_stmt *s;
	int rc;

	*n = 0;
	*ds = '\0';
	if ((rc = only_elsewhere(c, l->name)) <= 0)
		return rc;
	if ((rc = load_list(c, l, NULL)) < 0)
		return rc;
	/* by dataset, a PRIMARY KEY lookup per row of the list */
	if (sqlite3_prepare_v2(c->db, "SELECT d.dataset, (SELECT count(*) FROM "
			       "temp.fetch_list t JOIN fetches f ON f.dataset = "
			       "d.dataset AND f.url = t.url WHERE t.dataset = ?1 "
			       "AND f.status = ?2) AS n FROM (SELECT DISTINCT "
			       "dataset FROM fetches WHERE dataset != ?1) d "
			       "ORDER BY n DESC, d.dataset LIMIT 1", -1, &s,
			       NULL))
		return gic_db_fail(c->db, "fetch state");
	sqlite3_bind_text(s, 1, l->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, status, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		snprintf(ds, size, "%s", (const char *)sqlite3_column_text(s, 0));
		*n = (uint64_t)sqlite3_column_int64(s, 1);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 :
	       gic_db_fail(c->db, "fetch state");
}

int gic_fetch_datasets(struct gic_catalog *c, char *buf, size_t size)
{
	sqlite3_stmt *s;
	size_t n = 0;
	int rc;

	*buf = '\0';
	if (sqlite3_prepare_v2(c->db, "SELECT DISTINCT dataset FROM fetches "
			       "ORDER BY dataset", -1, &s, NULL))
		return gic_db_fail(c->db, "fetch state");
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *d = (const char *)sqlite3_column_text(s, 0);
		int len = snprintf(buf + n, size - n, "%s%s", n ? ", " : "", d);

		if (len < 0 || (size_t)len + 6 >= size - n) {  /* ", ..." */
			snprintf(buf + n, size - n, "%s...", n ? ", " : "");
			rc = SQLITE_DONE;
			break;
		}
		n += (size_t)len;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : gic_db_fail(c->db, "fetch state");
}
