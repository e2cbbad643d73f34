/*
 * leak.c - train/test leakage: test images that are training images, byte
 * for byte or as near duplicates (re-encoded, resized, lightly edited).
 * A benchmark whose test set holds copies of training images measures
 * memory, not detection.
 */
#include <stdlib.h>
#include <string.h>

#include "dedup.h"

/* One original of a set's item, hashed: an item stands for its image, or
 * for its original when derived (and for the derived bytes themselves,
 * which a set of the other side may hold as they are), and for the other
 * originals that degraded to the same bytes (item->merged), any of which
 * may be a training image where the one kept is not. */
struct orig {
	const struct gic_item *item;
	const char *sha;
};

/* The pairs of one test image at a time: a test image of many (black,
 * flat) near duplicates in train holds as many, not the whole set's
 * pairs, which grow with the square of a set of such images. */
struct pairs {
	struct gic_leak *v;
	size_t n, cap;
	const struct gic_item *cur;  /* the test item whose pairs v holds */
	const struct orig *test, *train;
	const char *test_set;
	int (*cb)(void *, const struct gic_leak *);
	void *arg;
	uint64_t count;
};

/* The image whose pHash stands for an item: its original when derived. */
static const char *original(const struct gic_item *it)
{
	return it->parent[0] ? it->parent : it->sha256;
}

/* By train sha256; of one train item (met through two originals), the
 * same image first, then the nearest. */
static int by_train(const void *a, const void *b)
{
	const struct gic_leak *x = a, *y = b;
	int d = strcmp(x->train->sha256, y->train->sha256);

	if (d)
		return d;
	if (x->same_image != y->same_image)
		return y->same_image - x->same_image;
	return x->distance - y->distance;
}

/* Hands the pairs of one test item to the callback, by train sha256, each
 * train item once: items are sorted by sha256, and gic_near_cross goes
 * through the test originals in order (an item's next to each other), so
 * the pairs go out by (test, train). */
static int flush(struct pairs *p)
{
	int rc = 0;

	if (p->n > 1)
		qsort(p->v, p->n, sizeof(*p->v), by_train);
	for (size_t i = 0; rc == 0 && i < p->n; i++) {
		if (i && p->v[i].train == p->v[i - 1].train)
			continue;
		rc = p->cb ? p->cb(p->arg, &p->v[i]) : 0;
		p->count++;
	}
	p->n = 0;
	return rc;
}

static int collect(void *arg, size_t ia, size_t ib, int dist)
{
	struct pairs *p = arg;
	struct gic_leak *l;
	int rc;

	if (p->test[ia].item != p->cur && (rc = flush(p)) != 0)
		return rc;
	p->cur = p->test[ia].item;
	if (gic_grow(&p->v, p->n, &p->cap, sizeof(*p->v), 64))
		return GIC_ENOMEM;
	l = &p->v[p->n++];
	l->test = p->test[ia].item;
	l->train = p->train[ib].item;
	l->test_set = p->test_set;
	l->distance = dist;
	l->same_image = !strcmp(p->test[ia].sha, p->train[ib].sha);
	l->test_sha = l->same_image ? p->test[ia].sha : l->test->sha256;
	l->train_sha = l->same_image ? p->train[ib].sha : l->train->sha256;
	return 0;
}

/* The pHashes of a set's originals (and derived images), in item order,
 * and whose they are. */
struct hashed {
	uint64_t *h;
	struct orig *who;
	size_t n;
	char (*known)[GIC_HEX_LEN + 1]; /* derived images the catalog has
					   for items not derived here */
};

static void hashed_free(struct hashed *x)
{
	free(x->h);
	free(x->who);
	free(x->known);
	memset(x, 0, sizeof(*x));
}

static int phashes(struct gic_catalog *c, const struct gic_task *t,
		   const struct gic_resolved_set *s, struct hashed *x)
{
	const char **shas = NULL;
	size_t m = 0;
	int rc = 0, degraded = 0;

	for (int k = 0; k < GIC_DEGRADE_KEYS; k++)
		degraded |= s->def->degrade[k] != NULL;
	/* a set that is degraded but was not derived here (leakcheck, task
	 * check without --items): the derived images made before, which a
	 * split of it holds */
	if (degraded && s->n) {
		if (!(x->known = calloc(s->n, sizeof(*x->known))))
			rc = gic_seterr(GIC_ENOMEM, "out of memory");
		else
			rc = gic_task_derived_known(c, t, s, x->known);
		if (rc < 0)
			goto out;
	}
	for (size_t i = 0; i < s->n; i++)
		m += 1 + (s->items[i].parent[0] || (x->known &&
						    x->known[i][0])) +
		     s->items[i].nmerged;
	shas = calloc(m + 1, sizeof(*shas));
	x->h = calloc(m + 1, sizeof(*x->h));
	x->who = calloc(m + 1, sizeof(*x->who));
	if (!shas || !x->h || !x->who) {
		rc = gic_seterr(GIC_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < s->n; i++) {
		const struct gic_item *it = &s->items[i];
		const char *derived = it->parent[0] ? it->sha256 :
				      x->known ? x->known[i] : "";

		x->who[x->n++] = (struct orig){ it, original(it) };
		if (*derived)  /* and the bytes the set holds */
			x->who[x->n++] = (struct orig){ it, derived };
		for (size_t k = 0; k < it->nmerged; k++)
			x->who[x->n++] = (struct orig){ it, it->merged[k] };
	}
	for (size_t i = 0; i < x->n; i++)
		shas[i] = x->who[i].sha;
	rc = gic_dedup_phashes(c, shas, x->n, x->h);
out:
	free(shas);
	if (rc < 0)  /* the caller has nothing to free */
		hashed_free(x);
	return rc;
}

static int one_set(struct gic_catalog *c, const struct gic_task *t,
		   const struct hashed *train,
		   const struct gic_resolved_set *test, int distance,
		   int (*cb)(void *, const struct gic_leak *), void *arg,
		   uint64_t *count)
{
	struct pairs p = { .train = train->who, .test_set = test->def->name,
			   .cb = cb, .arg = arg };
	struct hashed x = { 0 };
	int rc;

	if ((rc = phashes(c, t, test, &x)) == 0) {
		p.test = x.who;
		rc = gic_near_cross(x.h, x.n, train->h, train->n, distance,
				    collect, &p);
	}
	if (rc == 0)
		rc = flush(&p);
	*count += p.count;
	free(p.v);
	hashed_free(&x);
	return rc;
}

int gic_leakcheck(struct gic_catalog *c, const struct gic_resolved *r,
		  int distance, int (*cb)(void *arg, const struct gic_leak *l),
		  void *arg, uint64_t *count)
{
	const struct gic_resolved_set *train = NULL;
	struct hashed tr = { 0 };
	int rc = 0;

	*count = 0;
	if (distance < 0 || distance > GIC_NEAR_MAX_DISTANCE)
		return gic_seterr(GIC_EUSAGE, "distance must be 0..%d",
				  GIC_NEAR_MAX_DISTANCE);
	for (int i = 0; i < r->nsets; i++)
		if (!strcmp(r->sets[i].def->name, "train"))
			train = &r->sets[i];
	if (!train || train->n == 0)
		return 0;
	gic_progress(c, "leak check: reading the train set's hashes", 0, 0);
	if ((rc = phashes(c, r->task, train, &tr)) < 0)
		return rc;
	for (int i = 0; i < r->nsets && rc == 0; i++) {
		gic_progress(c, "leak check: test sets", (uint64_t)i,
			     (uint64_t)r->nsets);
		if (&r->sets[i] != train && r->sets[i].n)
			rc = one_set(c, r->task, &tr, &r->sets[i], distance,
				     cb, arg, count);
	}
	hashed_free(&tr);
	return rc;
}
