/*
 * dedup.h - exact and near duplicates among catalogued images.
 *
 * Exact duplicates are one image (sha256) with several entries.  Near
 * duplicates are images whose 64-bit pHashes are within a Hamming distance
 * (default 4, at most GIC_NEAR_MAX_DISTANCE); clusters are the connected
 * components of that relation, found with the in-memory multi-index of
 * nearidx.h, built from the catalog on demand.  A cluster's id is the
 * smallest sha256 in it, so it does not depend on insertion order.
 *
 * Selections are query-language expressions (NULL or "" for everything),
 * compiled with gic_select_prepare; clusters are computed over the images
 * of the selected entries only.
 */
#ifndef GIC_DEDUP_H
#define GIC_DEDUP_H

#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "task.h"
#include "nearidx.h"

#define GIC_NEAR_DEFAULT_DISTANCE 4

/*
 * A listing of duplicates, ready to be written: rows is a prepared
 * statement (one row per entry) stepped by the caller, e.g. with the CLI's
 * out_rows.  The listing holds a read transaction (a savepoint) on the
 * catalog and a temporary table until gic_dedup_free; one listing at a
 * time per catalog.
 */
struct gic_dedup {
	struct sqlite3_stmt *rows;
	uint64_t images;    /* distinct images among the selected entries */
	uint64_t groups;    /* images with > 1 entry / clusters of >= 2 images */
	uint64_t members;   /* entries of those images / images in those
			       clusters */
	struct gic_catalog *c;
};

/*
 * Exact duplicates among the entries matching expr: the images with more
 * than one selected entry.  Columns: sha256, copies (its selected
 * entries), dataset, generator, subset, label, split, path; ordered by
 * sha256, dataset, path.  With abbrev, sha256 is cut to 12 digits (for
 * tables).  A bad expression is GIC_EUSAGE with *errcol set.
 */
int gic_dedup_exact(struct gic_catalog *c, const char *expr, int abbrev,
		    struct gic_dedup **out, int *errcol);

/*
 * Near-duplicate clusters of at least two images among the images of the
 * entries matching expr, at Hamming distance <= distance.  Columns:
 * cluster (its smallest sha256), size (images in it), sha256, distance
 * (from the pHash of the cluster's first image; may exceed the limit when
 * images are linked through others), phash, dataset, generator, subset,
 * label, split, path; ordered by cluster, sha256, dataset, path.
 */
int gic_dedup_near(struct gic_catalog *c, const char *expr, int distance,
		   int abbrev, struct gic_dedup **out, int *errcol);

/* Ends the listing: finalizes rows, drops the table, ends the read. */
void gic_dedup_free(struct gic_dedup *d);

/*
 * Every selected image mapped to its near-duplicate cluster (an image with
 * no near duplicate is a cluster of its own): the group key that keeps
 * copies of an image inside one split.  Memory: about 45 bytes an image.
 */
struct gic_near_clusters;

int gic_near_clusters_build(struct gic_catalog *c, const char *expr,
			    int distance, struct gic_near_clusters **out,
			    int *errcol);
void gic_near_clusters_free(struct gic_near_clusters *m);
/* Number of distinct images selected. */
size_t gic_near_clusters_count(const struct gic_near_clusters *m);
/*
 * The cluster id (64 hex digits) of the image sha256 into cluster[65];
 * GIC_ENOTFOUND when the image is not among the selected ones.
 */
int gic_near_cluster_of(const struct gic_near_clusters *m,
			const char *sha256, char cluster[GIC_HEX_LEN + 1]);

/*
 * The pHashes of n images, by sha256 (for gic_near_cross between two sets
 * of images); GIC_ENOTFOUND naming the first image not in the catalog.
 */
int gic_dedup_phashes(struct gic_catalog *c, const char *const *sha256,
		      size_t n, uint64_t *phash);

/* One train/test pair that should not exist (leak.c). */
struct gic_leak {
	const struct gic_item *train, *test;
	const char *test_set;
	int distance;           /* 0 with same_image: the very same bytes */
	int same_image;
	/* the images of the pair: each item's own, but for the same image
	 * the one both are (a degraded item's original, or its derived
	 * bytes, which its sha256 need not be before it is derived) */
	const char *test_sha, *train_sha;
};

/*
 * Every pair of a train image and an image of another set of r (val,
 * test/NAME) that are the same image or near duplicates (pHash within
 * distance); derived images are compared through their originals.  cb is
 * called once a pair, sets in task order, pairs in (test, train) order;
 * *count is the number of pairs.
 */
int gic_leakcheck(struct gic_catalog *c, const struct gic_resolved *r,
		  int distance, int (*cb)(void *arg, const struct gic_leak *l),
		  void *arg, uint64_t *count);

#endif
