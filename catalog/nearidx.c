/*
 * nearidx.c - multi-index hashing over 64-bit hashes (see nearidx.h), the
 * cross-set search built on it, and union-find clustering.
 *
 * Blocks interleave the bits: of m blocks, block b holds bits b, b + m,
 * b + 2m and so on.  The pHash's low-frequency bits (its top bits) are strongly
 * correlated from image to image; contiguous blocks would put them all in
 * one block whose few common values make huge buckets.  The index stores
 * each hash with its bits permuted so that every block is contiguous in
 * the stored form; a permutation keeps Hamming distances.
 *
 * Each block keeps the positions of all hashes sorted by the block's bits
 * (a stable LSD radix sort, so equal keys stay in position order).  Blocks
 * of up to 16 bits also get a directory of bucket starts, so a query finds
 * its bucket in O(1); wider blocks (d < 3) are binary-searched.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "nearidx.h"

#define DIGIT_BITS 16
#define DIR_MAX_BITS 16

struct block {
	unsigned shift, width;
	uint64_t mask;
	uint32_t *ord;      /* positions sorted by (key, position) */
	uint32_t *dir;      /* 2^width + 1 bucket starts, or NULL */
	uint64_t *hs;       /* with a radius: the hashes in ord's order, so
			       that a bucket is read in one sweep */
};

struct gic_nearidx {
	size_t n;
	int d, nblocks, radius; /* a pair within d is within radius on
				   some block */
	uint64_t *h;                    /* permuted */
	struct block blk[GIC_NEAR_MAX_DISTANCE + 1];
	uint64_t perm[8][256];          /* permuted bits of each input byte */
	gic_progress_fn progress;       /* gic_nearidx_pairs: how far */
	void *progress_arg;
};

void gic_nearidx_on_progress(struct gic_nearidx *ix, gic_progress_fn fn,
			     void *arg)
{
	ix->progress = fn;
	ix->progress_arg = arg;
}

/* After the bucket [s, e) of block bi: now and then, how far the scan is
 * (each block scans every hash). */
static void scanned(const struct gic_nearidx *ix, int bi, size_t s, size_t e)
{
	if (ix->progress && (s >> 16 != e >> 16 || e == ix->n))
		ix->progress(ix->progress_arg, "near duplicates: hashes compared",
			     (uint64_t)bi * ix->n + e,
			     (uint64_t)ix->nblocks * ix->n);
}

static uint64_t key_of(const struct block *b, uint64_t h)
{
	return (h >> b->shift) & b->mask;
}

static uint64_t low_mask(unsigned bits)
{
	return bits >= 64 ? ~0ULL : (1ULL << bits) - 1;
}

/* Cuts 64 bits into nblocks contiguous blocks, wider ones first. */
static void layout(struct block *blk, int nblocks)
{
	unsigned base = 64 / (unsigned)nblocks, extra = 64 % (unsigned)nblocks;
	unsigned shift = 0;

	for (int i = 0; i < nblocks; i++) {
		blk[i].width = base + ((unsigned)i < extra);
		blk[i].shift = shift;
		blk[i].mask = low_mask(blk[i].width);
		shift += blk[i].width;
	}
}

/*
 * Stable LSD radix sort of the positions 0..n-1 by key_of(b, h[pos]),
 * DIGIT_BITS at a time, into b->ord.
 */
static int sort_block(const uint64_t *h, size_t n, struct block *b)
{
	uint32_t *src = b->ord, *dst = malloc((n ? n : 1) * sizeof(*dst));
	size_t *cnt = malloc(((size_t)1 << DIGIT_BITS) * sizeof(*cnt));
	int rc = 0;

	if (!dst || !cnt) {
		rc = gic_seterr(GIC_ENOMEM, "out of memory sorting %zu hashes", n);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		src[i] = (uint32_t)i;
	for (unsigned lo = 0; lo < b->width; lo += DIGIT_BITS) {
		unsigned bits = b->width - lo < DIGIT_BITS ? b->width - lo :
				DIGIT_BITS;
		unsigned sh = b->shift + lo;
		uint64_t m = low_mask(bits);
		size_t sum = 0, nb = (size_t)1 << bits;
		uint32_t *t;

		memset(cnt, 0, nb * sizeof(*cnt));
		for (size_t i = 0; i < n; i++)
			cnt[(h[src[i]] >> sh) & m]++;
		for (size_t k = 0; k < nb; k++) {
			size_t c = cnt[k];
			cnt[k] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			dst[cnt[(h[src[i]] >> sh) & m]++] = src[i];
		t = src;
		src = dst;
		dst = t;
	}
	if (src != b->ord) {
		memcpy(b->ord, src, n * sizeof(*src));
		dst = src;
	}
out:
	free(dst);
	free(cnt);
	return rc;
}

/* Bit k of a hash goes to block k % nblocks, at offset k / nblocks. */
static void make_perm(struct gic_nearidx *ix)
{
	for (int byte = 0; byte < 8; byte++)
		for (int v = 0; v < 256; v++) {
			uint64_t out = 0;

			for (int bit = 0; bit < 8; bit++) {
				int k = 8 * byte + bit;

				if (v >> bit & 1)
					out |= 1ULL << (ix->blk[k % ix->nblocks].shift +
							(unsigned)(k / ix->nblocks));
			}
			ix->perm[byte][v] = out;
		}
}

static uint64_t permute(const struct gic_nearidx *ix, uint64_t h)
{
	uint64_t out = 0;

	for (int byte = 0; byte < 8; byte++)
		out |= ix->perm[byte][h >> (8 * byte) & 255];
	return out;
}

/* Bucket starts of a narrow block: dir[k] .. dir[k + 1] hold key k. */
static int make_dir(const uint64_t *h, size_t n, struct block *b)
{
	size_t nk = (size_t)1 << b->width, k = 0;

	if (!(b->dir = malloc((nk + 1) * sizeof(*b->dir))))
		return gic_seterr(GIC_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		for (uint64_t key = key_of(b, h[b->ord[i]]); k <= key; k++)
			b->dir[k] = (uint32_t)i;
	for (; k <= nk; k++)
		b->dir[k] = (uint32_t)n;
	return 0;
}

/* Keys within r (<= 2) bits of key in a block of width w: 1 + w + w(w-1)/2
 * at most. */
static size_t probes(unsigned w, int r)
{
	return 1 + (r >= 1 ? w : 0) + (r >= 2 ? (size_t)w * (w - 1) / 2 : 0);
}

/*
 * How many blocks for n hashes and distance d.  With m blocks a pair
 * within d is within r = d / m on some block (pigeonhole).  On random
 * data a block of w bits has buckets of n / 2^w hashes; each of its
 * non-empty buckets is compared with itself (r = 0: half of its pairs) or
 * with the probes(w, r) buckets near its key, a look-up costing some 20
 * comparisons.  The m of the least estimated work, among d + 1 (exact
 * blocks) and the m >= 4 (blocks of at most 16 bits, with a directory)
 * that keep r <= 2: at d = 10 over 2.7M hashes, 4 blocks of radius 2 do a
 * twentieth of the comparisons of 11 exact ones; at d = 4, 5 exact blocks
 * stay best.
 */
static int choose_blocks(size_t n, int d)
{
	double best = 0, nn = (double)n * (double)n;
	int m_best = d + 1;

	for (int m = d + 1; m >= 4; m--) {
		int r = d / m;
		double keys = ldexp(1.0, 64 / m), cost;

		if (r > 2)
			break;
		cost = (double)m * (r ? (double)probes(64u / (unsigned)m, r) *
				    (nn / keys + 20.0 * fmin((double)n, keys)) :
				    nn / keys / 2 + 20.0 * fmin((double)n, keys));
		if (m == d + 1 || cost < best) {
			best = cost;
			m_best = m;
		}
	}
	return m_best;
}

int gic_nearidx_build(const uint64_t *h, size_t n, int d,
		      struct gic_nearidx **out)
{
	return gic_nearidx_build_blocks(h, n, d, 0, out);
}

int gic_nearidx_build_blocks(const uint64_t *h, size_t n, int d, int blocks,
			     struct gic_nearidx **out)
{
	struct gic_nearidx *ix;
	int rc = 0;

	*out = NULL;
	if (d < 0 || d > GIC_NEAR_MAX_DISTANCE)
		return gic_seterr(GIC_EUSAGE, "distance %d is not in 0..%d", d,
				  GIC_NEAR_MAX_DISTANCE);
	if (blocks && blocks != d + 1 && (blocks < 4 || blocks > d ||
					  d / blocks > 2))
		return gic_seterr(GIC_EUSAGE, "%d blocks for distance %d: "
				  "d + 1, or 4..d with d / blocks <= 2", blocks,
				  d);
	if (n > GIC_NEAR_MAX_HASHES)
		return gic_seterr(GIC_ELIMIT, "%zu hashes, over the limit of %u",
				  n, GIC_NEAR_MAX_HASHES);
	if (!(ix = calloc(1, sizeof(*ix))))
		return gic_seterr(GIC_ENOMEM, "out of memory");
	ix->n = n;
	ix->d = d;
	ix->nblocks = blocks ? blocks : choose_blocks(n, d);
	ix->radius = d / ix->nblocks;
	layout(ix->blk, ix->nblocks);
	if (!(ix->h = malloc((n ? n : 1) * sizeof(*h)))) {
		rc = gic_seterr(GIC_ENOMEM, "out of memory indexing %zu hashes", n);
		goto out;
	}
	make_perm(ix);
	for (size_t i = 0; i < n; i++)
		ix->h[i] = permute(ix, h[i]);
	for (int i = 0; i < ix->nblocks && rc == 0; i++) {
		struct block *b = &ix->blk[i];

		if (!(b->ord = malloc((n ? n : 1) * sizeof(*b->ord))))
			rc = gic_seterr(GIC_ENOMEM, "out of memory indexing "
					"%zu hashes", n);
		else if (!(rc = sort_block(ix->h, n, b)) &&
			 b->width <= DIR_MAX_BITS)
			rc = make_dir(ix->h, n, b);
		if (rc == 0 && ix->radius &&
		    !(b->hs = malloc((n ? n : 1) * sizeof(*b->hs))))
			rc = gic_seterr(GIC_ENOMEM, "out of memory");
		for (size_t k = 0; rc == 0 && ix->radius && k < n; k++)
			b->hs[k] = ix->h[b->ord[k]];
	}
out:
	if (rc) {
		gic_nearidx_free(ix);
		return rc;
	}
	*out = ix;
	return 0;
}

void gic_nearidx_free(struct gic_nearidx *ix)
{
	if (!ix)
		return;
	for (int i = 0; i < ix->nblocks; i++) {
		free(ix->blk[i].ord);
		free(ix->blk[i].dir);
		free(ix->blk[i].hs);
	}
	free(ix->h);
	free(ix);
}

size_t gic_nearidx_count(const struct gic_nearidx *ix)
{
	return ix->n;
}

int gic_nearidx_blocks(const struct gic_nearidx *ix, int *radius)
{
	*radius = ix->radius;
	return ix->nblocks;
}

/* [*s, *e): the positions in b->ord whose key is key. */
static void bucket_of(const struct gic_nearidx *ix, const struct block *b,
		      uint64_t key, size_t *s, size_t *e)
{
	size_t lo = 0, hi = ix->n;

	if (b->dir) {
		*s = b->dir[key];
		*e = b->dir[key + 1];
		return;
	}
	while (lo < hi) { /* first position with a key >= key */
		size_t mid = lo + (hi - lo) / 2;
		if (key_of(b, ix->h[b->ord[mid]]) < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	*s = lo;
	for (hi = ix->n; lo < hi;) { /* first position with a key > key */
		size_t mid = lo + (hi - lo) / 2;
		if (key_of(b, ix->h[b->ord[mid]]) <= key)
			lo = mid + 1;
		else
			hi = mid;
	}
	*e = lo;
}

/* Whether x (an XOR of two hashes) is within the radius on some block
 * before bi: the pair was then found, and reported, from that block. */
GIC_POPCOUNT_FN
static int seen_before(const struct gic_nearidx *ix, int bi, uint64_t x)
{
	for (int i = 0; i < bi; i++)
		if (__builtin_popcountll(key_of(&ix->blk[i], x)) <= ix->radius)
			return 1;
	return 0;
}

/* The pairs between the hashes at [s, e) and at [s2, e2) of block bi's
 * order, each counted from its smaller position. */
GIC_POPCOUNT_FN
static int bucket_cross(const struct gic_nearidx *ix, int bi, size_t s,
			size_t e, size_t s2, size_t e2,
			int (*cb)(void *arg, size_t i, size_t j, int dist),
			void *arg)
{
	const struct block *b = &ix->blk[bi];
	int rc;

	for (size_t a = s; a < e; a++)
		for (size_t k = s2; k < e2; k++) {
			uint64_t x = b->hs[a] ^ b->hs[k];
			int dist = __builtin_popcountll(x);

			if (dist <= ix->d && b->ord[k] > b->ord[a] &&
			    !seen_before(ix, bi, x) &&
			    (rc = cb(arg, b->ord[a], b->ord[k], dist)))
				return rc;
		}
	return 0;
}

/* The keys within the radius of key in block b, into keys[]; how many. */
static size_t near_keys(const struct gic_nearidx *ix, const struct block *b,
			uint64_t key, uint64_t *keys)
{
	size_t k = 0;

	keys[k++] = key;
	for (unsigned i = 0; ix->radius >= 1 && i < b->width; i++) {
		keys[k++] = key ^ 1ULL << i;
		for (unsigned j = i + 1; ix->radius >= 2 && j < b->width; j++)
			keys[k++] = key ^ 1ULL << i ^ 1ULL << j;
	}
	return k;
}

/* The pairs within one bucket, hs[s..e) being the hashes at ord[s..e). */
GIC_POPCOUNT_FN
static int bucket_pairs(const struct gic_nearidx *ix, int bi,
			const uint64_t *hs, const uint32_t *ord, size_t s,
			size_t e,
			int (*cb)(void *arg, size_t i, size_t j, int dist),
			void *arg)
{
	int rc;

	for (size_t i = s; i < e; i++)
		for (size_t j = i + 1; j < e; j++) {
			uint64_t x = hs[i] ^ hs[j];
			int dist = __builtin_popcountll(x);

			if (dist <= ix->d && !seen_before(ix, bi, x) &&
			    (rc = cb(arg, ord[i], ord[j], dist)))
				return rc;
		}
	return 0;
}

/* Blocks of a radius: the pairs between each bucket and the buckets near
 * its key (every unordered pair is met from both sides; the one from the
 * smaller position counts).  A bucket is taken whole against each of its
 * neighbours, so that they are read once for all its hashes. */
GIC_POPCOUNT_FN
static int pairs_near(const struct gic_nearidx *ix,
		      int (*cb)(void *arg, size_t i, size_t j, int dist),
		      void *arg)
{
	uint64_t keys[1 + 64 + 64 * 63 / 2];
	int rc = 0;

	for (int bi = 0; bi < ix->nblocks && rc == 0; bi++) {
		const struct block *b = &ix->blk[bi];

		for (size_t s = 0, e; s < ix->n && rc == 0; s = e) {
			uint64_t key = key_of(b, b->hs[s]);
			size_t nk = near_keys(ix, b, key, keys), s2, e2;

			for (e = s + 1; e < ix->n && key_of(b, b->hs[e]) == key; e++)
				;
			for (size_t k = 0; k < nk && rc == 0; k++) {
				bucket_of(ix, b, keys[k], &s2, &e2);
				rc = bucket_cross(ix, bi, s, e, s2, e2, cb, arg);
			}
			scanned(ix, bi, s, e);
		}
	}
	return rc;
}

int gic_nearidx_pairs(const struct gic_nearidx *ix,
		      int (*cb)(void *arg, size_t i, size_t j, int dist),
		      void *arg)
{
	uint64_t *hs;
	int rc = 0;

	if (ix->radius)
		return pairs_near(ix, cb, arg);
	if (!(hs = malloc((ix->n ? ix->n : 1) * sizeof(*hs))))
		return gic_seterr(GIC_ENOMEM, "out of memory");
	for (int bi = 0; bi < ix->nblocks && rc == 0; bi++) {
		const struct block *b = &ix->blk[bi];
		size_t s, e;

		for (size_t k = 0; k < ix->n; k++)
			hs[k] = ix->h[b->ord[k]];
		for (s = 0; s < ix->n && rc == 0; s = e) {
			uint64_t key = key_of(b, hs[s]);

			for (e = s + 1; e < ix->n && key_of(b, hs[e]) == key; e++)
				;
			rc = bucket_pairs(ix, bi, hs, b->ord, s, e, cb, arg);
			scanned(ix, bi, s, e);
		}
	}
	free(hs);
	return rc;
}

GIC_POPCOUNT_FN
int gic_nearidx_query(const struct gic_nearidx *ix, uint64_t q,
		      int (*cb)(void *arg, size_t i, int dist), void *arg)
{
	int rc;

	uint64_t keys[1 + 64 + 64 * 63 / 2];

	q = permute(ix, q);
	for (int bi = 0; bi < ix->nblocks; bi++) {
		const struct block *b = &ix->blk[bi];
		size_t nk = near_keys(ix, b, key_of(b, q), keys), s, e;

		for (size_t kk = 0; kk < nk; kk++) {
			bucket_of(ix, b, keys[kk], &s, &e);
			for (size_t k = s; k < e; k++) {
				uint64_t x = (b->hs ? b->hs[k] :
					      ix->h[b->ord[k]]) ^ q;
				int dist = __builtin_popcountll(x);

				if (dist <= ix->d && !seen_before(ix, bi, x) &&
				    (rc = cb(arg, b->ord[k], dist)))
					return rc;
			}
		}
	}
	return 0;
}

/* ---- connected components --------------------------------------------- */

/*
 * Union-find over the distinct hash values: parent[] with path halving;
 * a union keeps the root whose rep (smallest position holding that hash)
 * is smaller, so the final roots are the components' smallest positions.
 */
struct uf {
	uint32_t *parent;
	const uint32_t *rep;
};

static uint32_t uf_find(struct uf *u, uint32_t a)
{
	while (u->parent[a] != a) {
		u->parent[a] = u->parent[u->parent[a]];
		a = u->parent[a];
	}
	return a;
}

static int uf_union(void *arg, size_t i, size_t j, int dist)
{
	struct uf *u = arg;
	uint32_t a = uf_find(u, (uint32_t)i), b = uf_find(u, (uint32_t)j);

	(void)dist;
	if (a == b)
		return 0;
	if (u->rep[a] < u->rep[b])
		u->parent[b] = a;
	else
		u->parent[a] = b;
	return 0;
}

/* The distinct values of h (in hash order) and the smallest position of
 * each; group[i] = the distinct value h[i] belongs to. */
struct distinct {
	size_t m;
	uint64_t *val;
	uint32_t *rep, *group;
};

static int distinct_values(const uint64_t *h, size_t n, struct distinct *u)
{
	struct block all = { .shift = 0, .width = 64, .mask = ~0ULL };
	size_t sz = n ? n : 1;
	int rc;

	all.ord = malloc(sz * sizeof(uint32_t));
	u->val = calloc(sz, sizeof(*u->val));
	u->rep = malloc(sz * sizeof(*u->rep));
	u->group = malloc(sz * sizeof(*u->group));
	if (!all.ord || !u->val || !u->rep || !u->group) {
		rc = gic_seterr(GIC_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = sort_block(h, n, &all)) < 0)
		goto out;
	u->m = 0;
	for (size_t k = 0; k < n; k++) {
		uint32_t pos = all.ord[k];

		if (k == 0 || h[pos] != u->val[u->m - 1]) {
			u->val[u->m] = h[pos];
			u->rep[u->m++] = pos; /* stable sort: the smallest */
		}
		u->group[pos] = (uint32_t)(u->m - 1);
	}
out:
	free(all.ord);
	return rc;
}

/* ---- cross pairs ------------------------------------------------------- */

/* b's positions by distinct value: those of value k are
 * pos[start[k]..start[k + 1]), in order. */
struct cross {
	size_t q;           /* the position of a being queried */
	const uint32_t *start, *pos;
	int (*cb)(void *arg, size_t ia, size_t ib, int dist);
	void *arg;
};

static int cross_hit(void *arg, size_t k, int dist)
{
	struct cross *x = arg;
	int rc = 0;

	for (uint32_t i = x->start[k]; i < x->start[k + 1] && rc == 0; i++)
		rc = x->cb(x->arg, x->q, x->pos[i], dist);
	return rc;
}

int gic_near_cross(const uint64_t *a, size_t na, const uint64_t *b,
		   size_t nb, int d,
		   int (*cb)(void *arg, size_t ia, size_t ib, int dist),
		   void *arg)
{
	struct cross x = { .cb = cb, .arg = arg };
	struct distinct u = { 0 };
	struct gic_nearidx *ix = NULL;
	uint32_t *start = NULL, *pos = NULL;
	int rc;

	/* the index holds each value once: 120,000 copies of one training
	 * hash made every query scan them all (a query's time grew with
	 * the copies, not with its hits) */
	if ((rc = distinct_values(b, nb, &u)) < 0)
		goto out;
	start = calloc(u.m + 2, sizeof(*start));
	pos = malloc((nb ? nb : 1) * sizeof(*pos));
	if (!start || !pos) {
		rc = gic_seterr(GIC_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < nb; i++)  /* counts, then where each starts */
		start[u.group[i] + 2]++;
	for (size_t k = 2; k < u.m + 2; k++)
		start[k] += start[k - 1];
	for (size_t i = 0; i < nb; i++)
		pos[start[u.group[i] + 1]++] = (uint32_t)i;
	x.start = start;
	x.pos = pos;
	if ((rc = gic_nearidx_build(u.val, u.m, d, &ix)) < 0)
		goto out;
	for (x.q = 0; x.q < na && rc == 0; x.q++)
		rc = gic_nearidx_query(ix, a[x.q], cross_hit, &x);
out:
	gic_nearidx_free(ix);
	free(start);
	free(pos);
	free(u.val);
	free(u.rep);
	free(u.group);
	return rc;
}

int gic_near_components(const uint64_t *h, size_t n, int d, uint32_t *root,
			gic_progress_fn progress, void *arg)
{
	struct distinct u = { 0 };
	struct gic_nearidx *ix = NULL;
	struct uf f = { 0 };
	int rc;

	if (n > GIC_NEAR_MAX_HASHES)
		return gic_seterr(GIC_ELIMIT, "%zu hashes, over the limit of %u",
				  n, GIC_NEAR_MAX_HASHES);
	if ((rc = distinct_values(h, n, &u)) < 0 ||
	    (rc = gic_nearidx_build(u.val, u.m, d, &ix)) < 0)
		goto out;
	if (!(f.parent = malloc((u.m ? u.m : 1) * sizeof(*f.parent)))) {
		rc = gic_seterr(GIC_ENOMEM, "out of memory");
		goto out;
	}
	f.rep = u.rep;
	gic_nearidx_on_progress(ix, progress, arg);
	for (size_t k = 0; k < u.m; k++)
		f.parent[k] = (uint32_t)k;
	if ((rc = gic_nearidx_pairs(ix, uf_union, &f)) < 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		root[i] = u.rep[uf_find(&f, u.group[i])];
out:
	gic_nearidx_free(ix);
	free(f.parent);
	free(u.val);
	free(u.rep);
	free(u.group);
	return rc;
}
