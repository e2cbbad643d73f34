/*
 * leak.c - train/test leakage: test images that are training images, byte
 * for byte or as near duplicates (re-encoded, resized, lightly edited).
 * A benchmark whose test set holds copies of training images measures
 * memory, not detection.
 */
#include <stdlib.h>
#include <string.h>

#include "dedup.h"

/* The pairs of one test image at a time: a test image of many (black,
 * flat) near duplicates in train holds as many, not the whole set's
 * pairs, which grow with the square of a set of such images. */
struct pairs {
	struct gic_leak *v;
	size_t n, cap;
	size_t ia;            /* the test item whose pairs v holds */
	const struct gic_resolved_set *train, *test;
	int (*cb)(void *, const struct gic_leak *);
	void *arg;
	uint64_t count;
};

/* The image whose pHash stands for an item: its original when derived. */
static const char *original(const struct gic_item *it)
{
	return it->parent[0] ? it->parent : it->sha256;
}

static int by_train(const void *a, const void *b)
{
	const struct gic_leak *x = a, *y = b;

	return strcmp(x->train->sha256, y->train->sha256);
}

/* Hands the pairs of one test item to the callback, by train sha256:
 * items are sorted by sha256, and gic_near_cross goes through the test
 * items in order, so the pairs go out by (test, train). */
static int flush(struct pairs *p)
{
	int rc = 0;

	if (p->n > 1)
		qsort(p->v, p->n, sizeof(*p->v), by_train);
	for (size_t i = 0; rc == 0 && i < p->n; i++)
		rc = p->cb ? p->cb(p->arg, &p->v[i]) : 0;
	p->count += p->n;
	p->n = 0;
	return rc;
}

static int collect(void *arg, size_t ia, size_t ib, int dist)
{
	struct pairs *p = arg;
	struct gic_leak *l;
	int rc;

	if (ia != p->ia && (rc = flush(p)) != 0)
		return rc;
	p->ia = ia;
	if (gic_grow(&p->v, p->n, &p->cap, sizeof(*p->v), 64))
		return GIC_ENOMEM;
	l = &p->v[p->n++];
	l->test = &p->test->items[ia];
	l->train = &p->train->items[ib];
	l->test_set = p->test->def->name;
	l->distance = dist;
	l->same_image = !strcmp(original(l->test), original(l->train));
	return 0;
}

/* The pHashes of a set's items (of their originals). */
static int phashes(struct gic_catalog *c, const struct gic_resolved_set *s,
		   uint64_t **out)
{
	const char **shas = calloc(s->n + 1, sizeof(*shas));
	int rc;

	*out = calloc(s->n + 1, sizeof(**out));
	if (!shas || !*out)
		rc = gic_seterr(GIC_ENOMEM, "out of memory");
	else {
		for (size_t i = 0; i < s->n; i++)
			shas[i] = original(&s->items[i]);
		rc = gic_dedup_phashes(c, shas, s->n, *out);
	}
	free(shas);
	if (rc < 0) { /* the caller has nothing to free */
		free(*out);
		*out = NULL;
	}
	return rc;
}

static int one_set(struct gic_catalog *c, const struct gic_resolved_set *train,
		   const uint64_t *th, const struct gic_resolved_set *test,
		   int distance, int (*cb)(void *, const struct gic_leak *),
		   void *arg, uint64_t *count)
{
	struct pairs p = { .train = train, .test = test, .cb = cb, .arg = arg };
	uint64_t *h = NULL;
	int rc;

	if ((rc = phashes(c, test, &h)) == 0)
		rc = gic_near_cross(h, test->n, th, train->n, distance, collect, &p);
	if (rc == 0)
		rc = flush(&p);
	*count += p.count;
	free(p.v);
	free(h);
	return rc;
}

int gic_leakcheck(struct gic_catalog *c, const struct gic_resolved *r,
		  int distance, int (*cb)(void *arg, const struct gic_leak *l),
		  void *arg, uint64_t *count)
{
	const struct gic_resolved_set *train = NULL;
	uint64_t *th = NULL;
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
	if ((rc = phashes(c, train, &th)) < 0)
		return rc;
	for (int i = 0; i < r->nsets && rc == 0; i++) {
		gic_progress(c, "leak check: test sets", (uint64_t)i,
			     (uint64_t)r->nsets);
		if (&r->sets[i] != train && r->sets[i].n)
			rc = one_set(c, train, th, &r->sets[i], distance, cb, arg,
				     count);
	}
	free(th);
	return rc;
}
