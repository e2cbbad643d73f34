/*
 * nearbench - the near-duplicate search beside a brute-force reference.
 *
 *   nearbench [--n N] [--planted P] [--distance D] [--runs R] [--skewed]
 *
 * N random 64-bit hashes (default 2,700,000: GenImage's size) from a fixed
 * seed, with P disjoint pairs planted at distance 1..4 (default 10,000).
 * --skewed draws the top 16 bits from 64 patterns only, as a stress test
 * of correlated bits (a pHash's low frequencies sit in its top bits).
 * Times, as medians of R runs (default 3): building the multi-index, the
 * all-pairs scan, and gic_near_components (what `dedup --near` runs);
 * recall of the planted pairs from the scan and from the clusters; the
 * process's peak memory (getrusage ru_maxrss, the inputs included).  The
 * reference is a brute-force all-pairs scan over a 1% sample, scaled by
 * 100^2 to the full size.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "catalog.h"
#include "nearidx.h"

#define SEED 0x6e65617264757073ULL /* "neardups" */

struct input {
	size_t n, planted;
	int skewed;        /* top 16 bits from 64 patterns */
	uint64_t *h;
	uint32_t *partner; /* planted partner, or UINT32_MAX */
};

struct scan {
	const struct input *in;
	size_t found, other;
};

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[(n - 1) / 2];
}

/* Random hashes; planted pairs on randomly chosen, disjoint positions. */
static void make_input(struct input *in)
{
	uint64_t s = SEED, pat = SEED + 1;
	uint32_t *perm = malloc(in->n * sizeof(*perm));

	in->h = malloc(in->n * sizeof(*in->h));
	in->partner = malloc(in->n * sizeof(*in->partner));
	if (!perm || !in->h || !in->partner) {
		fputs("nearbench: out of memory\n", stderr);
		exit(3);
	}
	for (size_t i = 0; i < in->n; i++) {
		in->h[i] = splitmix(&s);
		if (in->skewed)
			in->h[i] = (in->h[i] & 0xffffffffffffULL) |
				   (splitmix(&pat) % 64 * 0x9e37ULL & 0xffff) << 48;
		in->partner[i] = UINT32_MAX;
		perm[i] = (uint32_t)i;
	}
	for (size_t i = 0; i < 2 * in->planted; i++) { /* partial shuffle */
		size_t j = i + splitmix(&s) % (in->n - i);
		uint32_t t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
	for (size_t k = 0; k < in->planted; k++) {
		uint32_t a = perm[2 * k], b = perm[2 * k + 1];
		uint64_t flip = 0;
		int bits = 1 + (int)(splitmix(&s) % 4);

		while (__builtin_popcountll(flip) < bits)
			flip |= 1ULL << (splitmix(&s) % 64);
		in->h[b] = in->h[a] ^ flip;
		in->partner[a] = b;
		in->partner[b] = a;
	}
	free(perm);
}

static int on_pair(void *arg, size_t i, size_t j, int dist)
{
	struct scan *sc = arg;

	(void)dist;
	if (sc->in->partner[i] == j)
		sc->found++;
	else
		sc->other++;
	return 0;
}

static size_t cluster_recall(const struct input *in, const uint32_t *root)
{
	size_t found = 0;

	for (size_t i = 0; i < in->n; i++)
		if (in->partner[i] != UINT32_MAX && i < in->partner[i] &&
		    root[i] == root[in->partner[i]])
			found++;
	return found;
}

/* Brute-force all pairs within d among the first m hashes (with the
 * popcnt instruction too, like the index). */
GIC_POPCOUNT_FN
static size_t brute(const uint64_t *h, size_t m, int d)
{
	size_t hits = 0;

	for (size_t i = 0; i < m; i++)
		for (size_t j = i + 1; j < m; j++)
			hits += __builtin_popcountll(h[i] ^ h[j]) <= d;
	return hits;
}

static void die_rc(const char *what)
{
	fprintf(stderr, "nearbench: %s: %s\n", what, gic_errmsg());
	exit(3);
}

struct result {
	double build, pairs, comps, brute;
	size_t found, other, cfound, bhits;
	int blocks, radius;
};

static void run_once(const struct input *in, int d, struct result *r,
		     uint32_t *root)
{
	struct scan sc = { .in = in };
	struct gic_nearidx *ix;
	size_t m = in->n / 100;
	double t0 = now(), t1, t2, t3;

	if (gic_nearidx_build(in->h, in->n, d, &ix) < 0)
		die_rc("build");
	r->blocks = gic_nearidx_blocks(ix, &r->radius);
	t1 = now();
	if (gic_nearidx_pairs(ix, on_pair, &sc) < 0)
		die_rc("pairs");
	t2 = now();
	gic_nearidx_free(ix);
	t3 = now();
	if (gic_near_components(in->h, in->n, d, root, NULL, NULL) < 0)
		die_rc("components");
	r->comps = now() - t3;
	r->build = t1 - t0;
	r->pairs = t2 - t1;
	r->found = sc.found;
	r->other = sc.other;
	r->cfound = cluster_recall(in, root);
	t0 = now();
	r->bhits = brute(in->h, m, d);
	r->brute = (now() - t0) * ((double)in->n / m) * ((double)in->n / m);
}

static void report(const struct input *in, int d, int runs,
		   const struct result *r, double *med)
{
	struct rusage ru;
	double peak_mb;

	getrusage(RUSAGE_SELF, &ru);
	peak_mb = ru.ru_maxrss / 1024.0;
	printf("\nnear-duplicate benchmark: %zu random 64-bit hashes%s, %zu "
	       "planted pairs at distance 1-4,\n  distance %d, multi-index "
	       "hashing with %d blocks of radius %d, median of %d runs\n",
	       in->n, in->skewed ? " (top 16 bits from 64 patterns)" : "",
	       in->planted, d, r->blocks, r->radius, runs);
	printf("  %-40s %8.3f s\n", "build the index", med[0]);
	printf("  %-40s %8.3f s   %zu planted + %zu other pairs\n",
	       "all pairs within the distance", med[1], r->found, r->other);
	printf("  %-40s %8.3f s   (target <= 30 s)\n",
	       "clusters (what dedup --near runs)", med[2]);
	printf("  %-40s %8.3f s   (scaled x%.0f from %zu hashes: %zu pairs)\n",
	       "reference: brute force, all pairs", med[3],
	       ((double)in->n / (in->n / 100)) * ((double)in->n / (in->n / 100)),
	       in->n / 100, r->bhits);
	printf("  brute force / clusters       = %.1f x\n", med[3] / med[2]);
	printf("  recall of planted pairs      = %.2f%% by the scan, %.2f%% by "
	       "the clusters   (target 100%%)\n",
	       100.0 * r->found / (in->planted ? in->planted : 1),
	       100.0 * r->cfound / (in->planted ? in->planted : 1));
	printf("  peak memory (ru_maxrss)      = %.0f MB, inputs included   "
	       "(target <= 1024 MB)\n", peak_mb);
}

static size_t parse_count(const char *opt, const char *s, size_t max)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	if (*s == '-' || *end || end == s || v > max) {
		fprintf(stderr, "nearbench: bad %s '%s'\n", opt, s);
		exit(2);
	}
	return (size_t)v;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "n", 1, 0, 'n' }, { "planted", 1, 0, 'p' },
		{ "distance", 1, 0, 'd' }, { "runs", 1, 0, 'r' },
		{ "skewed", 0, 0, 's' }, { 0 } };
	struct input in = { .n = 2700000, .planted = 10000 };
	struct result r = { 0 };
	double t[4][16], med[4];
	uint32_t *root;
	int ch, d = 4, runs = 3;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'n': in.n = parse_count("--n", optarg, GIC_NEAR_MAX_HASHES); break;
		case 'p': in.planted = parse_count("--planted", optarg, SIZE_MAX); break;
		case 'd': d = (int)parse_count("--distance", optarg, GIC_NEAR_MAX_DISTANCE); break;
		case 'r': runs = (int)parse_count("--runs", optarg, 16); break;
		case 's': in.skewed = 1; break;
		default: return 2;
		}
	}
	if (in.n < 200 || 2 * in.planted > in.n || runs < 1) {
		fputs("nearbench: need --n >= 200, 2 * planted <= n, runs >= 1\n",
		      stderr);
		return 2;
	}
	make_input(&in);
	if (!(root = malloc(in.n * sizeof(*root))))
		return 3;
	for (int i = 0; i < runs; i++) {
		run_once(&in, d, &r, root);
		t[0][i] = r.build;
		t[1][i] = r.pairs;
		t[2][i] = r.comps;
		t[3][i] = r.brute;
	}
	for (int k = 0; k < 4; k++)
		med[k] = median(t[k], runs);
	report(&in, d, runs, &r, med);
	free(root);
	free(in.h);
	free(in.partner);
	return r.found == in.planted && r.cfound == in.planted ? 0 : 1;
}
