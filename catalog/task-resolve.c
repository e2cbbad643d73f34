/*
 * task-resolve.c - turning a task's sets into lists of images.
 *
 * Every random-looking decision (fraction, max_per_class, balance, the
 * [split] shares) is taken from gic_task_rank(): a seeded SHA-256 of the
 * image's content hash or group key.  So the same task on the same catalog
 * always gives the same sets, whatever order the images were ingested in,
 * and an image keeps its [split] set when others are added.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <sqlite3.h>

#include "catalog.h"
#include "dedup.h"

/* the entries' own columns: an image's (format, bytes) are joined in
 * afterwards, by image_columns() */
#define COLS "id, sha256, label, generator, subset, class, wnid, path, " \
	"license"

uint64_t gic_task_rank(int64_t seed, const char *salt, const char *key)
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	char head[64];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint64_t v = 0;
	int n = snprintf(head, sizeof(head), "%lld", (long long)seed);

	if (!ctx)
		return 0;
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	EVP_DigestUpdate(ctx, head, (size_t)n + 1);
	EVP_DigestUpdate(ctx, salt, strlen(salt) + 1);
	EVP_DigestUpdate(ctx, key, strlen(key));
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	for (int i = 0; i < 8; i++)
		v = v << 8 | md[i];
	return v;
}

void gic_item_release(struct gic_item *it)
{
	free(it->generator);
	free(it->subset);
	free(it->path);
	free(it->license);
	free(it->ops);
	free(it->merged);
}

static void item_from_row(struct gic_item *it, sqlite3_stmt *s)
{
	const char *v;

	memset(it, 0, sizeof(*it));
	it->entry_id = sqlite3_column_int64(s, 0);
	snprintf(it->sha256, sizeof(it->sha256), "%s", sqlite3_column_text(s, 1));
	if ((v = (const char *)sqlite3_column_text(s, 2)))
		snprintf(it->label, sizeof(it->label), "%s", v);
	it->generator = gic_column_dup(s, 3);
	it->subset = gic_column_dup(s, 4);
	it->class_idx = sqlite3_column_type(s, 5) == SQLITE_NULL ? -1 :
			sqlite3_column_int(s, 5);
	if ((v = (const char *)sqlite3_column_text(s, 6)))
		snprintf(it->wnid, sizeof(it->wnid), "%s", v);
	it->path = gic_column_dup(s, 7);
	it->license = gic_column_dup(s, 8);
}

/* Notes another label that another entry of the item's image gives. */
static void note_label(struct gic_item *it, sqlite3_stmt *s)
{
	const char *v = (const char *)sqlite3_column_text(s, 2);

	if (v && *v && *it->label && strcmp(v, it->label))
		snprintf(it->other_label, sizeof(it->other_label), "%s", v);
}

/* A bad select expression, named by the task file's line. */
static int select_error(const char *path, int line, int errcol)
{
	char why[512];

	snprintf(why, sizeof(why), "%s", gic_errmsg());
	return gic_seterr(GIC_EUSAGE, "%s:%d: select: %s (column %d)", path,
			  line, why, errcol);
}

/* Rows of images s steps over before it seeks instead: a set of most
 * images is read in one pass, a small one by a seek each. */
#define SEEK_AFTER 16

/* Positions s (images from ?1 on, in hash order) on the row of hex, or
 * past it when there is none: stepping from where it is when hex is
 * near, seeking when not.  *have: s is on a row; *cmp: 0 when it is
 * hex's. */
static int image_row(sqlite3_stmt *s, const char *hex, int *have, int *cmp)
{
	int rc = SQLITE_ROW;

	for (int k = 0; k <= SEEK_AFTER; k++) {
		*cmp = *have ? strcmp((const char *)sqlite3_column_text(s, 0),
				      hex) : 1;
		if (!*have || *cmp >= 0 || k == SEEK_AFTER)
			break;
		*have = (rc = sqlite3_step(s)) == SQLITE_ROW;
	}
	if (!*have || *cmp < 0) {  /* far ahead, or past the end: seek */
		sqlite3_reset(s);
		sqlite3_bind_text(s, 1, hex, -1, SQLITE_TRANSIENT);
		*have = (rc = sqlite3_step(s)) == SQLITE_ROW;
		*cmp = *have ? strcmp((const char *)sqlite3_column_text(s, 0),
				      hex) : 1;
	}
	return *have || rc == SQLITE_DONE ? 0 : -1;
}

/*
 * Each item's image's format and size, the items being in hash order: a
 * merge along the images table.  Joining every entry to its image in
 * SQLite looked each image up in the entries' order, at random, and made
 * the sort carry their columns: 228,000 items of 324,000 images, 2.6 s
 * where the entries alone, sorted, take 0.9 s and the images in order
 * 0.2 s.  An entry whose image row is missing (a catalog verify calls
 * damaged) is left out, as the join left it.
 */
static int image_columns(struct gic_catalog *c, struct gic_resolved_set *out)
{
	sqlite3_stmt *s;
	size_t k = 0;
	int have = 0, cmp, rc = 0;

	if (sqlite3_prepare_v2(c->db, "SELECT sha256, format, bytes FROM "
			       "images WHERE sha256 >= ?1 ORDER BY sha256", -1,
			       &s, NULL))
		return gic_db_fail(c->db, "images");
	for (size_t i = 0; i < out->n; i++) {
		struct gic_item *it = &out->items[i];

		if (rc == 0 && (rc = image_row(s, it->sha256, &have, &cmp)) < 0)
			rc = gic_db_fail(c->db, "images");
		if (rc == 0 && cmp) {
			gic_item_release(it);
			continue;
		}
		if (rc == 0) {
			snprintf(it->format, sizeof(it->format), "%s",
				 sqlite3_column_text(s, 1));
			it->bytes = (uint64_t)sqlite3_column_int64(s, 2);
		}
		out->items[k++] = *it;  /* after an error: kept, to be freed */
	}
	out->n = k;
	sqlite3_finalize(s);
	return rc;
}

/* The images selected by expr: one item per content, represented by its
 * entry of smallest (dataset, path), whatever order they were added in. */
static int select_items(struct gic_catalog *c, const char *expr, int line,
			const char *path, struct gic_resolved_set *out)
{
	sqlite3_stmt *s;
	size_t cap = 0;
	uint64_t rows = 0;
	int errcol = 0, rc;
	char what[160];

	rc = gic_select_prepare(c, COLS, expr, "ORDER BY sha256, dataset, path",
				&s, &errcol, NULL);
	if (rc == GIC_EUSAGE)
		return select_error(path, line, errcol);
	if (rc < 0)
		return rc;
	/* the first row comes once SQLite has sorted them all */
	snprintf(what, sizeof(what), "task: set '%.64s': entries read",
		 out->def ? out->def->name : "[split]");
	gic_progress(c, what, 0, 0);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *sha = (const char *)sqlite3_column_text(s, 1);

		if ((++rows & 0xffff) == 0)
			gic_progress(c, what, rows, 0);
		if (out->n && !strcmp(out->items[out->n - 1].sha256, sha)) {
			note_label(&out->items[out->n - 1], s);
			continue;
		}
		if (gic_grow(&out->items, out->n, &cap, sizeof(*out->items),
			     1024) < 0) {
			rc = SQLITE_NOMEM;
			break;
		}
		item_from_row(&out->items[out->n++], s);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return gic_db_fail(c->db, "select");
	return image_columns(c, out);
}

/* Items with their rank, for sorting within groups. */
struct ranked {
	uint64_t rank;
	uint64_t group;
	size_t idx;
};

static int by_group_rank(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static uint64_t group_of(const struct gic_item *it, int by_label, int by_class)
{
	uint64_t g = 0;

	if (by_label)
		g = !strcmp(it->label, "fake") ? 2 : !strcmp(it->label, "real");
	if (by_class)
		g = g << 16 | (uint64_t)(it->class_idx + 1);
	return g;
}

/* A group of thin(): r[start..end), and how many of it stay. */
struct group {
	size_t start, end, keep;
	uint64_t rest;    /* fraction: what flooring its share cut off */
	uint64_t tie;     /* fraction: a seeded rank among equal rests */
};

static int by_rest(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	if (x->rest != y->rest)
		return x->rest > y->rest ? -1 : 1;
	return x->tie < y->tie ? -1 : x->tie > y->tie;
}

static int by_start(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

#define BILLION 1000000000u

/*
 * A fraction f (ppb billionths) of n items in groups: round(f * n) in
 * all, each group its share f * size rounded down, and the items that
 * leaves over one each to the groups whose shares lost most (largest
 * remainders; equal ones in a seeded order).  So no group is more than
 * one item off its share, and the total is that of no groups: 0.5 of 60
 * items in 25 groups of 1..5 is 30, not the 41 that rounding each group
 * up made.
 */
static void fraction_quotas(struct group *g, size_t ng, uint64_t ppb,
			    int64_t seed, const char *salt)
{
	uint64_t total = 0, want, given = 0;
	char key[32];

	for (size_t k = 0; k < ng; k++) {
		/* in billionths: exact, so 0.3 of 5 is 1.5 and rounds up */
		uint64_t share = ppb * (g[k].end - g[k].start);

		g[k].keep = share / BILLION;
		g[k].rest = share % BILLION;
		snprintf(key, sizeof(key), "%zu", k);
		g[k].tie = gic_task_rank(seed, salt, key);
		total += g[k].end - g[k].start;
		given += g[k].keep;
	}
	want = (ppb * total + BILLION / 2) / BILLION;
	qsort(g, ng, sizeof(*g), by_rest);
	for (size_t k = 0; k < ng && given < want; k++, given++)
		g[k].keep++;
	qsort(g, ng, sizeof(*g), by_start);
}

/*
 * Keeps, in each group (by label, class, both or none), the items of
 * lowest seeded rank: ppb billionths of them all (when not -1, see
 * fraction_quotas), else at most max of each group.  The same walk
 * decides fraction, max_per_class and balance.
 */
static int thin(struct gic_resolved_set *rs, int64_t seed, const char *salt,
		int by_label, int by_class, int64_t ppb, size_t max)
{
	struct ranked *r = calloc(rs->n ? rs->n : 1, sizeof(*r));
	struct group *g = calloc(rs->n ? rs->n : 1, sizeof(*g));
	char *drop = calloc(rs->n ? rs->n : 1, 1);
	size_t i, j, k, out = 0, ng = 0;

	if (!r || !g || !drop) {
		free(r);
		free(g);
		free(drop);
		return gic_seterr(GIC_ENOMEM, "out of memory");
	}
	for (i = 0; i < rs->n; i++) {
		r[i].rank = gic_task_rank(seed, salt, rs->items[i].sha256);
		r[i].group = group_of(&rs->items[i], by_label, by_class);
		r[i].idx = i;
	}
	qsort(r, rs->n, sizeof(*r), by_group_rank);
	for (i = 0; i < rs->n; i = j, ng++) {
		for (j = i; j < rs->n && r[j].group == r[i].group; j++)
			;
		g[ng] = (struct group){ .start = i, .end = j,
					.keep = j - i < max ? j - i : max };
	}
	if (ppb >= 0)
		fraction_quotas(g, ng, (uint64_t)ppb, seed, salt);
	for (k = 0; k < ng; k++)
		for (i = g[k].start + g[k].keep; i < g[k].end; i++)
			drop[r[i].idx] = 1;
	for (i = 0; i < rs->n; i++) {
		if (drop[i])
			gic_item_release(&rs->items[i]);
		else
			rs->items[out++] = rs->items[i];
	}
	rs->n = out;
	free(r);
	free(g);
	free(drop);
	return 0;
}

static void count_labels(struct gic_resolved_set *rs)
{
	rs->nreal = rs->nfake = 0;
	for (size_t i = 0; i < rs->n; i++) {
		rs->nreal += !strcmp(rs->items[i].label, "real");
		rs->nfake += !strcmp(rs->items[i].label, "fake");
	}
}

static size_t count_no_class(const struct gic_resolved_set *rs)
{
	size_t n = 0;

	for (size_t i = 0; i < rs->n; i++)
		n += rs->items[i].class_idx < 0;
	return n;
}

/* fraction, max_per_class, balance: in that order.  Which images stay
 * depends on the seed, the step and their content, not on the set's
 * name: two sets selecting alike keep the same images (the degraded
 * task's six test sets are one set of images, degraded six ways). */
static int sample(const struct gic_task *t, struct gic_resolved_set *rs)
{
	const struct gic_task_set *d = rs->def;
	int sl = d->stratify && strstr(d->stratify, "label");
	int sc = d->stratify && strstr(d->stratify, "class");
	int rc = 0;

	rs->selected = rs->n;
	if (d->fraction < 1)
		rc = thin(rs, t->seed, "fraction", sl, sc,
			  (int64_t)llround(d->fraction * BILLION), SIZE_MAX);
	if (rc == 0 && d->max_per_class) {
		size_t before = count_no_class(rs);

		rc = thin(rs, t->seed, "max_per_class", sl, 1, -1,
			  (size_t)d->max_per_class);
		rs->no_class_kept = count_no_class(rs);
		rs->no_class = before > rs->no_class_kept ? before : 0;
	}
	count_labels(rs);
	rs->sampled = rs->n;  /* before balance */
	rs->only_fakes = !rs->nreal && rs->nfake;
	rs->only_reals = rs->nreal && !rs->nfake;
	for (size_t i = 0; rs->only_fakes && i < rs->n; i++) {
		const char *sub = rs->items[i].subset;

		if (!sub || strlen(sub) >= sizeof(rs->fakes_subset) ||
		    (i && strcmp(sub, rs->fakes_subset))) {
			rs->fakes_subset[0] = '\0';
			break;
		}
		if (!i)
			strcpy(rs->fakes_subset, sub);
	}
	if (rc == 0 && d->balance) {
		rc = thin(rs, t->seed, "balance", 1, 0, -1,
			  rs->nreal < rs->nfake ? rs->nreal : rs->nfake);
		count_labels(rs);
	}
	return rc;
}

/* The [split] group key of an item: its content, its class, or its
 * near-duplicate cluster (so copies never straddle two sets). */
static void group_key(const struct gic_task *t, const struct gic_item *it,
		      const struct gic_near_clusters *nd, char *buf, size_t size)
{
	const char *g = t->split_group ? t->split_group : "sha256";

	if (!strcmp(g, "class") && it->class_idx >= 0)
		snprintf(buf, size, "class:%d", it->class_idx);
	else if (!nd || gic_near_cluster_of(nd, it->sha256, buf) < 0)
		snprintf(buf, size, "%s", it->sha256);
}

/* The share set that a group key ranked rank (gic_task_rank) goes to. */
static int share_set(const struct gic_resolved *r, uint64_t rank)
{
	double u = (double)rank / 18446744073709551616.0, acc = 0;
	int k, last = -1;

	for (k = 0; k < r->nsets; k++) {
		if (r->sets[k].def->share <= 0)
			continue;
		last = k;
		if (u < (acc += r->sets[k].def->share))
			return k;
	}
	return last; /* rounding at the top end */
}

static void pool_release(struct gic_resolved_set *pool)
{
	for (size_t i = 0; i < pool->n; i++)
		gic_item_release(&pool->items[i]);
	free(pool->items);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* The largest group of the pool (by its rank, which names it), when it
 * holds more than one image, into r->largest and r->largest_key. */
static void largest_group(const struct gic_task *t, struct gic_resolved *r,
			  const struct gic_resolved_set *pool,
			  const struct gic_near_clusters *nd,
			  const uint64_t *rank)
{
	uint64_t *v, best = 0;
	size_t run = 0;

	if (!pool->n)  /* no rank to copy (rank is NULL) */
		return;
	if (!(v = malloc(pool->n * sizeof(*v))))
		return;  /* a warning less, not a failure */
	memcpy(v, rank, pool->n * sizeof(*v));
	qsort(v, pool->n, sizeof(*v), cmp_u64);
	for (size_t i = 0; i < pool->n; i++, run++) {
		if (i && v[i] != v[i - 1])
			run = 0;
		if (run + 1 > r->largest)
			r->largest = run + 1, best = v[i];
	}
	free(v);
	for (size_t i = 0; r->largest > 1 && i < pool->n; i++)
		if (rank[i] == best) {
			group_key(t, &pool->items[i], nd, r->largest_key,
				  sizeof(r->largest_key));
			break;
		}
}

/* The pool's images of label, and the groups (ranks) they are in. */
static void label_groups(const struct gic_resolved_set *pool,
			 const uint64_t *rank, const char *label,
			 size_t *images, size_t *groups)
{
	uint64_t *v;
	size_t n = 0;

	*images = *groups = 0;
	if (!pool->n || !(v = malloc(pool->n * sizeof(*v))))
		return;  /* a hint less, not a failure */
	for (size_t i = 0; i < pool->n; i++)
		if (!strcmp(pool->items[i].label, label))
			v[n++] = rank[i];
	qsort(v, n, sizeof(*v), cmp_u64);
	for (size_t i = 0; i < n; i++)
		*groups += !i || v[i] != v[i - 1];
	*images = n;
	free(v);
}

/*
 * Deals the [split] pool out to the share sets by rank of the group key.
 * Each set is allocated once, at its final size: the pool may hold every
 * image of the catalog.
 */
static int deal(struct gic_catalog *c, const struct gic_task *t,
		struct gic_resolved *r)
{
	struct gic_resolved_set pool = { 0 };
	struct gic_near_clusters *nd = NULL;
	size_t count[GIC_TASK_MAX_SETS] = { 0 };
	unsigned char *which = NULL;
	uint64_t *rank = NULL;
	char key[128];
	int rc, errcol = 0;

	if ((rc = select_items(c, t->split_select, t->split_select_line, t->path,
			       &pool)) < 0)
		return rc;
	if (t->split_group && !strcmp(t->split_group, "near_duplicate") &&
	    (rc = gic_near_clusters_build(c, t->split_select,
					  GIC_NEAR_DEFAULT_DISTANCE, &nd,
					  &errcol)) < 0)
		goto out;
	if (pool.n && (!(which = malloc(pool.n)) ||
		       !(rank = malloc(pool.n * sizeof(*rank))))) {
		rc = gic_seterr(GIC_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < pool.n; i++) {
		group_key(t, &pool.items[i], nd, key, sizeof(key));
		rank[i] = gic_task_rank(t->seed, "split", key);
		which[i] = (unsigned char)share_set(r, rank[i]);
		count[which[i]]++;
	}
	r->pool = pool.n;
	if (t->split_group && strcmp(t->split_group, "sha256")) {
		largest_group(t, r, &pool, nd, rank);
		label_groups(&pool, rank, "real", &r->label_images[0],
			     &r->label_groups[0]);
		label_groups(&pool, rank, "fake", &r->label_images[1],
			     &r->label_groups[1]);
	}
	for (int k = 0; k < r->nsets; k++) {
		r->sets[k].dealt = count[k];
		if (count[k] && !(r->sets[k].items =
				  malloc(count[k] * sizeof(struct gic_item)))) {
			rc = gic_seterr(GIC_ENOMEM, "out of memory");
			goto out;
		}
	}
	/* the pool is sorted by sha256, so is every set dealt from it */
	for (size_t i = 0; i < pool.n; i++) {
		struct gic_resolved_set *rs = &r->sets[which[i]];
		rs->items[rs->n++] = pool.items[i];
	}
	pool.n = 0;
out:
	free(which);
	free(rank);
	pool_release(&pool);
	gic_near_clusters_free(nd);
	return rc;
}

/* A skipped set's select is still checked: a bad one is an error. */
static int check_select(struct gic_catalog *c, const struct gic_task *t,
			const struct gic_task_set *def)
{
	sqlite3_stmt *s = NULL;
	int errcol = 0, rc;

	rc = gic_select_prepare(c, "1", def->select, "LIMIT 0", &s, &errcol,
				NULL);
	sqlite3_finalize(s);
	return rc == GIC_EUSAGE ? select_error(t->path, def->select_line,
					       errcol) : rc;
}

/* Empties a set that is not wanted. */
static void skip_set(struct gic_resolved_set *rs)
{
	for (size_t j = 0; j < rs->n; j++)
		gic_item_release(&rs->items[j]);
	free(rs->items);
	rs->items = NULL;
	rs->n = rs->nreal = rs->nfake = 0;
	rs->skipped = 1;
}

int gic_task_resolve(struct gic_catalog *c, const struct gic_task *t,
		     struct gic_resolved **out)
{
	return gic_task_resolve_some(c, t, NULL, out);
}

int gic_task_resolve_some(struct gic_catalog *c, const struct gic_task *t,
			  int (*want)(const struct gic_task *t,
				      const struct gic_task_set *def),
			  struct gic_resolved **out)
{
	struct gic_resolved *r = calloc(1, sizeof(*r));
	int rc = 0, began;

	*out = NULL;
	if (!r)
		return gic_seterr(GIC_ENOMEM, "out of memory");
	if ((rc = gic_task_hash(t, r->task_hash)) < 0) {
		free(r);
		return rc;
	}
	r->task = t;
	r->nsets = t->nsets;
	for (int i = 0; i < t->nsets; i++)
		r->sets[i].def = &t->sets[i];
	/* the shared lock writers take, held until the catalog closes: no gc
	 * removes an object of what is resolved before it is exported; and
	 * one snapshot for every set, whatever rm or ingest do meanwhile */
	gic_catalog_hold(c);
	if ((began = gic_read_begin(c)) < 0) {
		gic_resolved_free(r);
		return began;
	}
	if (t->has_split)
		rc = deal(c, t, r);
	for (int i = 0; i < t->nsets && rc == 0; i++) {
		/* a share of [split] is dealt with the others: kept */
		if (want && !want(t, &t->sets[i]) && t->sets[i].share <= 0) {
			skip_set(&r->sets[i]);
			rc = check_select(c, t, &t->sets[i]);
			continue;
		}
		if (t->sets[i].share <= 0)
			rc = select_items(c, t->sets[i].select, t->sets[i].select_line,
					  t->path, &r->sets[i]);
		if (rc == 0)
			rc = sample(t, &r->sets[i]);
	}
	gic_read_end(c, began);
	if (rc < 0) {
		gic_resolved_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

void gic_resolved_free(struct gic_resolved *r)
{
	if (!r)
		return;
	for (int i = 0; i < r->nsets; i++) {
		for (size_t j = 0; j < r->sets[i].n; j++)
			gic_item_release(&r->sets[i].items[j]);
		free(r->sets[i].items);
	}
	free(r);
}
