/*
 * test-nearidx.c - the multi-index near-duplicate search against brute
 * force: all pairs, single queries and cross pairs for every distance
 * 0..10 (narrow blocks with directories, wide ones binary-searched),
 * hashes differing on block edges, many identical hashes, connected
 * components with their smallest-position roots, determinism, callbacks
 * that stop, and bad arguments.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "nearidx.h"

/* ---- helpers ------------------------------------------------------------ */

static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t flip_bits(uint64_t *s, int bits)
{
	uint64_t m = 0;

	while (__builtin_popcountll(m) < bits)
		m |= 1ULL << (rnd(s) % 64);
	return m;
}

/* Half random hashes, half copies of earlier ones with 0..maxflip bits
 * flipped: pairs at every distance. */
static uint64_t *clustered(size_t n, uint64_t seed, int maxflip)
{
	uint64_t *h = malloc(n * sizeof(*h)), s = seed;

	assert_non_null(h);
	for (size_t i = 0; i < n; i++)
		h[i] = i && rnd(&s) % 2 ?
		       h[rnd(&s) % i] ^ flip_bits(&s, (int)(rnd(&s) % (maxflip + 1))) :
		       rnd(&s);
	return h;
}

struct pair {
	size_t i, j;
	int dist;
};

struct pairs {
	struct pair *p;
	size_t n, cap;
};

static int collect(void *arg, size_t i, size_t j, int dist)
{
	struct pairs *ps = arg;

	if (ps->n == ps->cap) {
		ps->cap = ps->cap ? 2 * ps->cap : 1024;
		ps->p = realloc(ps->p, ps->cap * sizeof(*ps->p));
		assert_non_null(ps->p);
	}
	/* padding zeroed too: pair lists are compared as memory */
	memset(&ps->p[ps->n], 0, sizeof(*ps->p));
	ps->p[ps->n].i = i;
	ps->p[ps->n].j = j;
	ps->p[ps->n++].dist = dist;
	return 0;
}

static int collect_one(void *arg, size_t i, int dist)
{
	return collect(arg, i, 0, dist);
}

static int cmp_pair(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;

	if (x->i != y->i)
		return x->i < y->i ? -1 : 1;
	return (x->j > y->j) - (x->j < y->j);
}

/* Sorts got and compares it with want (already sorted). */
static void expect_pairs(const char *what, int d, struct pairs *got,
			 const struct pairs *want)
{
	if (got->n)
		qsort(got->p, got->n, sizeof(*got->p), cmp_pair);
	if (got->n != want->n)
		fail_msg("%s, d=%d: %zu pairs, brute force finds %zu", what, d,
			 got->n, want->n);
	for (size_t k = 0; k < got->n; k++)
		if (cmp_pair(&got->p[k], &want->p[k]) ||
		    got->p[k].dist != want->p[k].dist)
			fail_msg("%s, d=%d: pair %zu is (%zu,%zu,%d), expected "
				 "(%zu,%zu,%d)", what, d, k, got->p[k].i,
				 got->p[k].j, got->p[k].dist, want->p[k].i,
				 want->p[k].j, want->p[k].dist);
}

static void brute_pairs(const uint64_t *h, size_t n, int d, struct pairs *out)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (gic_hamming(h[i], h[j]) <= d)
				collect(out, i, j, gic_hamming(h[i], h[j]));
}

/* blocks: 0 lets the index choose (exact blocks at these sizes). */
static struct gic_nearidx *build(const uint64_t *h, size_t n, int d,
				 int blocks)
{
	struct gic_nearidx *ix = NULL;
	int rc = gic_nearidx_build_blocks(h, n, d, blocks, &ix), radius;

	if (rc)
		fail_msg("build n=%zu d=%d blocks=%d: %d %s", n, d, blocks, rc,
			 gic_errmsg());
	if (blocks)
		assert_int_equal(gic_nearidx_blocks(ix, &radius), blocks);
	return ix;
}

/* The next block count to try for d after m (0 first: the index's
 * choice): d + 1 exact blocks, then 4..d blocks of a radius; -1 after. */
static int next_blocks(int d, int m)
{
	if (m == 0)
		return d + 1;
	for (m = m == d + 1 ? d : m - 1; m >= 4; m--)
		if (d / m <= 2)
			return m;
	return -1;
}

/* ---- tests -------------------------------------------------------------- */

static void test_pairs_match_brute_force(void **state)
{
	enum { N = 1500 };
	uint64_t *h = clustered(N, 1, 12);

	(void)state;
	for (int d = 0; d <= GIC_NEAR_MAX_DISTANCE; d++) {
		struct pairs want = { 0 };

		brute_pairs(h, N, d, &want);
		assert_true(want.n > 30);
		for (int m = 0; m >= 0; m = next_blocks(d, m)) {
			struct gic_nearidx *ix = build(h, N, d, m);
			struct pairs got = { 0 };

			assert_int_equal(gic_nearidx_pairs(ix, collect, &got), 0);
			expect_pairs(m ? "all pairs, blocks given" :
				     "all pairs", d, &got, &want);
			assert_int_equal(gic_nearidx_count(ix), N);
			free(got.p);
			gic_nearidx_free(ix);
		}
		free(want.p);
	}
	free(h);
}

static void test_query_matches_brute_force(void **state)
{
	enum { N = 2000, Q = 200 };
	uint64_t *h = clustered(N, 2, 8), s = 99;

	(void)state;
	for (int d = 0; d <= GIC_NEAR_MAX_DISTANCE; d++)
	    for (int m = 0; m >= 0; m = next_blocks(d, m)) {
		struct gic_nearidx *ix = build(h, N, d, m);

		for (int k = 0; k < Q; k++) {
			uint64_t q = k % 2 ? rnd(&s) :
				     h[rnd(&s) % N] ^ flip_bits(&s, (int)(rnd(&s) % 8));
			struct pairs got = { 0 }, want = { 0 };

			for (size_t i = 0; i < N; i++)
				if (gic_hamming(h[i], q) <= d)
					collect(&want, i, 0, gic_hamming(h[i], q));
			assert_int_equal(gic_nearidx_query(ix, q, collect_one,
							   &got), 0);
			expect_pairs("query", d, &got, &want);
			free(got.p);
			free(want.p);
		}
		gic_nearidx_free(ix);
	}
	free(h);
}

static void test_cross_matches_brute_force(void **state)
{
	enum { NA = 300, NB = 1700 };
	uint64_t *all = clustered(NA + NB, 3, 8);
	const uint64_t *a = all, *b = all + NA;

	(void)state;
	for (int d = 0; d <= GIC_NEAR_MAX_DISTANCE; d += 2)
		for (int swap = 0; swap < 2; swap++) {
			const uint64_t *x = swap ? b : a, *y = swap ? a : b;
			size_t nx = swap ? NB : NA, ny = swap ? NA : NB;
			struct pairs got = { 0 }, want = { 0 };

			for (size_t i = 0; i < nx; i++)
				for (size_t j = 0; j < ny; j++)
					if (gic_hamming(x[i], y[j]) <= d)
						collect(&want, i, j,
							gic_hamming(x[i], y[j]));
			assert_true(want.n > 10);
			assert_int_equal(gic_near_cross(x, nx, y, ny, d, collect,
							&got), 0);
			expect_pairs(swap ? "cross, larger first" : "cross", d,
				     &got, &want);
			free(got.p);
			free(want.p);
		}
	free(all);
}

/* Many copies of a few values on both sides (the index holds each value
 * once and expands a hit to every copy): the pairs of brute force, each
 * once, and the pairs of one position of a together. */
static void test_cross_of_copies(void **state)
{
	enum { NA = 400, NB = 900 };
	uint64_t a[NA], b[NB], s = 7;

	(void)state;
	for (size_t i = 0; i < NB; i++)
		b[i] = i % 3 ? 0x8000000000000000ULL ^ (i % 5) : rnd(&s);
	for (size_t i = 0; i < NA; i++)
		a[i] = i % 2 ? 0x8000000000000000ULL ^ flip_bits(&s, (int)(i % 7)) :
		       b[rnd(&s) % NB];
	for (int d = 0; d <= GIC_NEAR_MAX_DISTANCE; d += 5) {
		struct pairs got = { 0 }, want = { 0 };

		for (size_t i = 0; i < NA; i++)
			for (size_t j = 0; j < NB; j++)
				if (gic_hamming(a[i], b[j]) <= d)
					collect(&want, i, j, gic_hamming(a[i], b[j]));
		assert_int_equal(gic_near_cross(a, NA, b, NB, d, collect, &got), 0);
		for (size_t k = 1; k < got.n; k++)
			assert_true(got.p[k].i >= got.p[k - 1].i);
		expect_pairs("cross of copies", d, &got, &want);
		free(got.p);
		free(want.p);
	}
}

/* Pairs that differ in each bit position (so on the first and last bit
 * of every block), and the two extreme hashes. */
static void test_block_edges(void **state)
{
	(void)state;
	for (int d = 0; d <= GIC_NEAR_MAX_DISTANCE; d++) {
		uint64_t h[130];
		struct gic_nearidx *ix;
		struct pairs got = { 0 }, want = { 0 };
		size_t n = 0;

		for (int bit = 0; bit < 64; bit++) {
			uint64_t base = 0x0123456789abcdefULL * (uint64_t)(bit + 1);
			h[n++] = base;
			h[n++] = base ^ (1ULL << bit) ^ (d > 1 ? 1ULL << (63 - bit) : 0);
		}
		h[n++] = 0;
		h[n++] = ~0ULL;
		ix = build(h, n, d, 0);
		brute_pairs(h, n, d, &want);
		assert_int_equal(gic_nearidx_pairs(ix, collect, &got), 0);
		expect_pairs("block edges", d, &got, &want);
		free(got.p);
		free(want.p);
		gic_nearidx_free(ix);
	}
}

static void test_identical_hashes(void **state)
{
	enum { N = 700, SAME = 500 };
	uint64_t h[N], s = 5;
	uint32_t root[N];
	struct gic_nearidx *ix;
	struct pairs got = { 0 }, want = { 0 };

	(void)state;
	for (size_t i = 0; i < N; i++)
		h[i] = i % 7 && i < SAME + SAME / 5 ? 0xdeadbeefcafef00dULL : rnd(&s);
	ix = build(h, N, 4, 0);
	brute_pairs(h, N, 4, &want);
	assert_true(want.n >= SAME * (SAME - 1) / 2);
	assert_int_equal(gic_nearidx_pairs(ix, collect, &got), 0);
	expect_pairs("identical", 4, &got, &want);
	assert_int_equal(gic_near_components(h, N, 4, root, NULL, NULL), 0);
	for (size_t i = 0; i < N; i++)
		if (h[i] == 0xdeadbeefcafef00dULL)
			assert_int_equal(root[i], 1);
	free(got.p);
	free(want.p);
	gic_nearidx_free(ix);
}

/* Reference components: repeated relaxation of the smallest label. */
static void brute_components(const uint64_t *h, size_t n, int d, uint32_t *lab)
{
	int changed = 1;

	for (size_t i = 0; i < n; i++)
		lab[i] = (uint32_t)i;
	while (changed) {
		changed = 0;
		for (size_t i = 0; i < n; i++)
			for (size_t j = i + 1; j < n; j++)
				if (gic_hamming(h[i], h[j]) <= d &&
				    lab[i] != lab[j]) {
					uint32_t m = lab[i] < lab[j] ? lab[i] : lab[j];
					lab[i] = lab[j] = m;
					changed = 1;
				}
	}
}

static void test_components(void **state)
{
	enum { N = 600 };
	uint64_t *h = clustered(N, 4, 6);
	uint32_t got[N], want[N];
	uint64_t chain[5] = { 0x3f, 0x7, 0x0, 0xfff0000000000000ULL,
			      0xfff0000000000001ULL };
	uint32_t croot[5];

	(void)state;
	for (int d = 0; d <= 6; d += 3) {
		brute_components(h, N, d, want);
		assert_int_equal(gic_near_components(h, N, d, got, NULL, NULL), 0);
		for (size_t i = 0; i < N; i++)
			if (got[i] != want[i])
				fail_msg("d=%d: root of %zu is %u, expected %u", d,
					 i, got[i], want[i]);
	}
	/* 0x3f - 0x7 - 0x0 is a chain at d = 3 although 0x3f and 0 are 6
	 * apart; the last two are a pair of their own */
	assert_int_equal(gic_near_components(chain, 5, 3, croot, NULL, NULL), 0);
	assert_memory_equal(croot, ((uint32_t[]){ 0, 0, 0, 3, 3 }),
			    sizeof(croot));
	assert_int_equal(gic_near_components(chain, 5, 2, croot, NULL, NULL), 0);
	assert_memory_equal(croot, ((uint32_t[]){ 0, 1, 2, 3, 3 }),
			    sizeof(croot));
	free(h);
}

/* Sets that break bucket-based searches: one value throughout (0, all
 * ones, another), few values repeated, hashes that differ only in the
 * bits of one block of m interleaved blocks or that all share one block's
 * bucket, and pHash-like ones whose top bits take a few values while the
 * rest are mostly zero. */
enum { ALL_EQUAL, ALL_ZERO, ALL_ONES, FEW_VALUES, ONE_BLOCK, ONE_BUCKET,
       LOW_ENTROPY, KINDS };

static void adversarial(int kind, uint64_t *h, size_t n, uint64_t *s)
{
	int m = 2 + (int)(rnd(s) % 10);
	uint64_t blk = 0, base = rnd(s);

	for (int k = 0; k < 64; k++)
		if (k % m == (int)(base % (uint64_t)m))
			blk |= 1ULL << k;
	for (size_t i = 0; i < n; i++)
		switch (kind) {
		case ALL_EQUAL: h[i] = base; break;
		case ALL_ZERO: h[i] = 0; break;
		case ALL_ONES: h[i] = ~0ULL; break;
		case FEW_VALUES: h[i] = i > 3 ? h[rnd(s) % 4] : rnd(s); break;
		case ONE_BLOCK: h[i] = base ^ (rnd(s) & blk); break;
		case ONE_BUCKET: h[i] = (base & blk) |
					(rnd(s) & rnd(s) & rnd(s) & ~blk); break;
		default:
			h[i] = (rnd(s) % 3 * 0x5a5a5aULL) << 40 |
			       (rnd(s) & rnd(s) & rnd(s) & 0xffffffffffULL);
		}
}

/* Components from the brute-force pairs: the smallest position of each. */
static void pair_components(const struct pairs *p, size_t n, uint32_t *lab)
{
	for (size_t i = 0; i < n; i++)
		lab[i] = (uint32_t)i;
	for (size_t k = 0; k < p->n; k++) {
		uint32_t a = (uint32_t)p->p[k].i, b = (uint32_t)p->p[k].j;

		while (lab[a] != a)
			a = lab[a];
		while (lab[b] != b)
			b = lab[b];
		if (a < b)
			lab[b] = a;
		else
			lab[a] = b;
	}
	for (size_t i = 0; i < n; i++)
		lab[i] = lab[lab[i]]; /* labels point below: one pass ends */
}

static void test_adversarial_sets(void **state)
{
	static const size_t sizes[] = { 0, 1, 2, 3, 63, 64, 65, 255, 256, 257 };
	uint64_t h[257], s = 11;
	uint32_t got[257], want[257];

	(void)state;
	for (int kind = 0; kind < KINDS; kind++)
	    for (size_t k = 0; k < sizeof(sizes) / sizeof(*sizes); k++)
		for (int d = 0; d <= GIC_NEAR_MAX_DISTANCE; d++) {
			size_t n = sizes[k];
			struct pairs want_p = { 0 };

			adversarial(kind, h, n, &s);
			brute_pairs(h, n, d, &want_p);
			for (int m = 0; m >= 0; m = next_blocks(d, m)) {
				struct gic_nearidx *ix = build(h, n, d, m);
				struct pairs got_p = { 0 };

				assert_int_equal(gic_nearidx_pairs(ix, collect,
								   &got_p), 0);
				expect_pairs("adversarial set", d, &got_p, &want_p);
				free(got_p.p);
				gic_nearidx_free(ix);
			}
			pair_components(&want_p, n, want);
			assert_int_equal(gic_near_components(h, n, d, got, NULL,
							     NULL), 0);
			for (size_t i = 0; i < n; i++)
				if (got[i] != want[i])
					fail_msg("set %d, n=%zu, d=%d: root of %zu "
						 "is %u, expected %u", kind, n, d,
						 i, got[i], want[i]);
			free(want_p.p);
		}
}

static void test_deterministic(void **state)
{
	enum { N = 3000 };
	uint64_t *h = clustered(N, 6, 5);
	struct pairs one = { 0 }, two = { 0 };

	(void)state;
	for (int k = 0; k < 2; k++) {
		struct gic_nearidx *ix = build(h, N, 5, 0);

		assert_int_equal(gic_nearidx_pairs(ix, collect, k ? &two : &one), 0);
		gic_nearidx_free(ix);
	}
	assert_int_equal(one.n, two.n);
	assert_memory_equal(one.p, two.p, one.n * sizeof(*one.p));
	free(one.p);
	free(two.p);
	free(h);
}

static int stop_at_first(void *arg, size_t i, size_t j, int dist)
{
	(void)i;
	(void)j;
	(void)dist;
	++*(int *)arg;
	return 7;
}

static int stop_query(void *arg, size_t i, int dist)
{
	return stop_at_first(arg, i, 0, dist);
}

static void test_callbacks_stop(void **state)
{
	uint64_t h[4] = { 1, 1, 3, 3 };
	struct gic_nearidx *ix = build(h, 4, 2, 0);
	int calls = 0;

	(void)state;
	assert_int_equal(gic_nearidx_pairs(ix, stop_at_first, &calls), 7);
	assert_int_equal(calls, 1);
	assert_int_equal(gic_nearidx_query(ix, 1, stop_query, &calls), 7);
	assert_int_equal(calls, 2);
	assert_int_equal(gic_near_cross(h, 2, h + 2, 2, 1, stop_at_first,
					&calls), 7);
	assert_int_equal(calls, 3);
	gic_nearidx_free(ix);
}

static void test_bad_arguments_and_empty_sets(void **state)
{
	struct gic_nearidx *ix = (void *)1;
	struct pairs got = { 0 };
	uint64_t h = 42;
	uint32_t root = 9;

	(void)state;
	assert_int_equal(gic_nearidx_build(&h, 1, -1, &ix), GIC_EUSAGE);
	assert_null(ix);
	assert_int_equal(gic_nearidx_build(&h, 1, 11, &ix), GIC_EUSAGE);
	assert_non_null(strstr(gic_errmsg(), "0..10"));
	assert_int_equal(gic_near_components(&h, 1, 11, &root, NULL, NULL), GIC_EUSAGE);
	assert_int_equal(gic_near_cross(&h, 1, &h, 1, -2, collect, &got),
			 GIC_EUSAGE);
	assert_int_equal(gic_nearidx_build_blocks(&h, 1, 10, 3, &ix),
			 GIC_EUSAGE);
	assert_non_null(strstr(gic_errmsg(), "3 blocks for distance 10"));
	assert_int_equal(gic_nearidx_build_blocks(&h, 1, 4, 5 - 4, &ix),
			 GIC_EUSAGE);
	for (int m = 0; m <= 4; m += 4) { /* exact blocks, a radius */
		ix = build(NULL, 0, 8, m);
		assert_int_equal(gic_nearidx_pairs(ix, collect, &got), 0);
		assert_int_equal(gic_nearidx_query(ix, 0, collect_one, &got), 0);
		assert_int_equal(got.n, 0);
		gic_nearidx_free(ix);
	}
	gic_nearidx_free(NULL);
	assert_int_equal(gic_near_components(NULL, 0, 4, NULL, NULL, NULL), 0);
	assert_int_equal(gic_near_components(&h, 1, 0, &root, NULL, NULL), 0);
	assert_int_equal(root, 0);
	assert_int_equal(gic_near_cross(&h, 1, NULL, 0, 4, collect, &got), 0);
	assert_int_equal(got.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pairs_match_brute_force),
		cmocka_unit_test(test_query_matches_brute_force),
		cmocka_unit_test(test_cross_matches_brute_force),
		cmocka_unit_test(test_cross_of_copies),
		cmocka_unit_test(test_block_edges),
		cmocka_unit_test(test_identical_hashes),
		cmocka_unit_test(test_components),
		cmocka_unit_test(test_adversarial_sets),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_callbacks_stop),
		cmocka_unit_test(test_bad_arguments_and_empty_sets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
