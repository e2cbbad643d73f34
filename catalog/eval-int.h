/*
 * eval-int.h - what eval.c, eval-keys.c and eval-read.c share: the scored
 * images as a sorted index, predictions resolved to them, and reporting a
 * problem at a line of the predictions file.
 */
#ifndef GIC_EVAL_INT_H
#define GIC_EVAL_INT_H

#include "eval.h"

/* An image of a scored set. */
struct gic_eval_img {
	const char *sha;         /* item->sha256 */
	int set;                 /* index into gic_eval.sets */
	const struct gic_item *it;
};

/* Every (image, set) pair of the scored sets, sorted by sha, then set. */
struct gic_eval_index {
	struct gic_eval_img *v;
	size_t n;
};

/* A prediction resolved to a scored image. */
struct gic_hit {
	char sha[GIC_HEX_LEN + 1];
	int set;                 /* the set it is for, or -1: every set */
	double score;
	int hard;                /* gic_pred.hard */
	int line;
};

/* Reports a problem at file:line through o->on_problem (when o and it
 * are set), the reason formatted from fmt. */
__attribute__((format(printf, 5, 6)))
void gic_eval_problem_at(const struct gic_eval_opts *o,
			 enum gic_eval_problem kind, const char *file,
			 int line, const char *fmt, ...);

/* Finds (sha, set) in the index (set -1: any set); NULL when absent. */
const struct gic_eval_img *gic_eval_find(const struct gic_eval_index *x,
					 const char *sha, int set);

/*
 * Resolves every row of p to a scored image (see gic_eval_run for the
 * keys).  Rows naming no scored image are reported as unknown, rows that
 * cannot be resolved (bad or ambiguous keys, contradicting set columns) as
 * malformed; both are counted in e.  *hits is malloc'd.
 */
int gic_eval_resolve(struct gic_catalog *c, struct gic_eval *e,
		     const struct gic_eval_index *x, const struct gic_preds *p,
		     const char *file, const struct gic_eval_opts *o,
		     struct gic_hit **hits, size_t *nhits);

#endif
