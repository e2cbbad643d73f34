/*
 * eval-sink.h - the problems eval reports about a predictions file (bad
 * rows, ignored rows, images without a prediction, notes), kept as they
 * come and said when the file is done: of each kind, the EVAL_LIST_MAX of
 * the first lines (rows are checked in two passes, reading and then
 * matching keys, which report out of line order), in line order, then
 * how many more.
 */
#ifndef GICAT_EVAL_SINK_H
#define GICAT_EVAL_SINK_H

#include <stddef.h>

#include "eval.h"

#define EVAL_LIST_MAX 20

struct told {
	int line;      /* the row's, or 0 (images without a prediction) */
	char *text;
};

struct sink {
	size_t n[GIC_EVAL_NKINDS];
	struct told list[GIC_EVAL_NKINDS][EVAL_LIST_MAX];
	int allowed;                /* --allow-missing: missing is a note */
};

/* A gic_eval_opts.on_problem: arg is a struct sink. */
void eval_on_problem(void *arg, enum gic_eval_problem kind,
		     const char *where, const char *why);
/* Says what s kept, and empties it for the next file. */
void eval_sink_end(struct sink *s);

#endif
