/*
 * nearidx.h - finding 64-bit perceptual hashes within a small Hamming
 * distance of each other, in memory and in sub-quadratic time.
 *
 * Multi-index hashing: for a distance d the hash is cut into m blocks of
 * bits (interleaved: bit k in block k mod m, so that the pHash's
 * correlated low-frequency bits spread over all blocks).  Two hashes at
 * distance <= d are within r = d / m of each other on at least one block
 * (pigeonhole), so for each block the hashes are sorted by that block's
 * bits, candidates are the hashes whose block value is within r, and each
 * candidate is verified by a popcount.  A pair is reported only from the
 * first block on which it is within r, so exactly once.  m = d + 1 (r = 0:
 * exact blocks) for small distances; m of 4..d blocks (at most 16 bits
 * each) and radius d / m of 1 or 2 where the estimated work is less (d =
 * 10 over millions of hashes: 18 times less; nearidx.c: choose_blocks).  Memory: the hashes plus one array of
 * 32-bit positions per block, (8 + 4m) bytes a hash, and with a radius a
 * copy of the hashes per block, 8m more.
 *
 * Everything is deterministic: the same input gives the same output in the
 * same order.  Part of the library: nothing here prints or exits.
 */
#ifndef GIC_NEARIDX_H
#define GIC_NEARIDX_H

#include <stddef.h>
#include <stdint.h>

#include "catalog.h"

#define GIC_NEAR_MAX_DISTANCE 10
/* Positions are 32-bit: at most this many hashes. */
#define GIC_NEAR_MAX_HASHES 0xfffffffeu

struct gic_nearidx;

/*
 * Marks a function whose hot loop counts bits: on x86-64 it is compiled
 * twice, with and without the popcnt instruction, and the loader picks
 * the one the CPU runs (about 3x faster than the portable bit tricks).
 * GCC only: clang 14 names the dispatcher of an exported clone
 * "f.ifunc" and not f, so other files could not link to it.
 */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
	!defined(GIC_NO_CLONES)
#define GIC_POPCOUNT_FN __attribute__((target_clones("popcnt", "default")))
#else
#define GIC_POPCOUNT_FN
#endif

/*
 * Indexes the n hashes h[0..n-1] (copied) for queries within distance d
 * (0..GIC_NEAR_MAX_DISTANCE).  Hashes are named by their position.
 * GIC_EUSAGE for a bad d, GIC_ELIMIT for too many hashes, GIC_ENOMEM.
 */
int gic_nearidx_build(const uint64_t *h, size_t n, int d,
		      struct gic_nearidx **out);
/* The same with the number of blocks given (0: chosen as above; else
 * d + 1, or 4..d where d / blocks <= 2), for tests and benchmarks. */
int gic_nearidx_build_blocks(const uint64_t *h, size_t n, int d, int blocks,
			     struct gic_nearidx **out);
void gic_nearidx_free(struct gic_nearidx *ix);
size_t gic_nearidx_count(const struct gic_nearidx *ix);
/* How many blocks the index cut the hashes into, and their radius. */
int gic_nearidx_blocks(const struct gic_nearidx *ix, int *radius);

/*
 * Calls cb(arg, i, j, dist) once for every pair of positions i < j whose
 * hashes are within the index's distance (identical hashes included).  A
 * non-zero return from cb stops the scan and is returned; otherwise 0 (or
 * GIC_ENOMEM: the scan needs 8 bytes a hash of scratch memory).
 */
int gic_nearidx_pairs(const struct gic_nearidx *ix,
		      int (*cb)(void *arg, size_t i, size_t j, int dist),
		      void *arg);
/* gic_nearidx_pairs, and gic_near_components with a progress function,
 * call fn now and then with how many hashes they compared of how many
 * (NULL: none). */
void gic_nearidx_on_progress(struct gic_nearidx *ix, gic_progress_fn fn,
			     void *arg);

/*
 * Calls cb(arg, i, dist) once for every position i whose hash is within
 * the index's distance of q.  A non-zero return from cb stops and is
 * returned.
 */
int gic_nearidx_query(const struct gic_nearidx *ix, uint64_t q,
		      int (*cb)(void *arg, size_t i, int dist), void *arg);

/*
 * Every cross pair: calls cb(arg, ia, ib, dist) once for each ia < na,
 * ib < nb with a[ia] and b[ib] within distance d.  b is indexed and a
 * queried against it in order, so cb sees ia never decrease (the pairs
 * of one ia together, their ib in no order).  A non-zero return from cb
 * stops and is returned.
 */
int gic_near_cross(const uint64_t *a, size_t na, const uint64_t *b,
		   size_t nb, int d,
		   int (*cb)(void *arg, size_t ia, size_t ib, int dist),
		   void *arg);

/*
 * Connected components of the graph linking hashes within distance d
 * (union-find; identical hashes are merged before indexing, so many
 * copies of one hash cost nothing).  Fills root[0..n-1] with the smallest
 * position of each hash's component: when the hashes are given in the
 * order of their images' sha256, root[i] names the image whose sha256 is
 * the component's stable id.
 */
int gic_near_components(const uint64_t *h, size_t n, int d, uint32_t *root,
			gic_progress_fn progress, void *arg);

#endif
