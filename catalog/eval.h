/*
 * eval.h - scoring a detector's predictions on a task's test sets, in the
 * shape of GenImage's tables: the metrics (eval.c), reading prediction
 * files and run lists (eval-read.c), matching predictions to the task's
 * images (eval-keys.c), and grids of results with their HTML heatmap
 * (eval-grid.c).
 *
 * Conventions, the same everywhere:
 *  - the positive class is "fake"; a score is the probability of fake;
 *  - an image counts as predicted fake when score >= threshold (so with the
 *    default 0.5 a score of exactly 0.5 is "fake");
 *  - a metric that is undefined (AP of a set with one class only, the real
 *    accuracy of a set without reals, anything of an empty set) is NAN,
 *    printed as "-", an empty CSV field or JSON null.
 */
#ifndef GIC_EVAL_H
#define GIC_EVAL_H

#include "catalog.h"
#include "task.h"

#define GIC_EVAL_THRESHOLD 0.5
/* The shortest sha256 prefix a prediction may name an image by: the
 * stem of an export's file names. */
#define GIC_EVAL_MIN_PREFIX 16

/* ---- metrics (eval.c) ------------------------------------------------- */

struct gic_scored {
	double score;            /* probability of fake, 0..1 */
	int fake;                /* the truth: 1 fake, 0 real */
	int hard;                /* score is a call (0 or 1): called fake
				    when 1, whatever the threshold */
};

struct gic_metrics {
	size_t n, nreal, nfake;
	double acc;              /* correct / n */
	double real_acc;         /* reals with score < threshold / nreal */
	double fake_acc;         /* fakes with score >= threshold / nfake */
	double ap;               /* average precision, fake = positive */
};

enum gic_metric { GIC_M_ACC, GIC_M_REAL_ACC, GIC_M_FAKE_ACC, GIC_M_AP,
		  GIC_M_COUNT };
/* "acc", "real_acc", "fake_acc", "ap"; and back (-1 when unknown). */
const char *gic_metric_name(enum gic_metric m);
int gic_metric_from_name(const char *s);
double gic_metric_get(const struct gic_metrics *m, enum gic_metric which);

/*
 * Average precision exactly as scikit-learn's average_precision_score: at
 * each distinct score, from the highest down, everything scored at or
 * above it is called fake; AP = sum over those thresholds of
 * (R_k - R_{k-1}) * P_k with R_0 = 0.  Tied scores enter together, and
 * the terms are added in scikit-learn's order, so the result is the same to
 * the last bit.  NAN unless v holds both classes.  v is scratch space: its
 * contents are undefined afterwards.
 */
double gic_average_precision(struct gic_scored *v, size_t n);
/* Every metric of v at threshold; v is scratch space, as above. */
void gic_metrics_compute(struct gic_scored *v, size_t n, double threshold,
			 struct gic_metrics *out);
/* The unweighted mean over n sets of each metric, skipping sets where it
 * is undefined (NAN when it is undefined everywhere); counts are summed.
 * This is the "Avg" column of GenImage's tables. */
void gic_metrics_mean(const struct gic_metrics *m, int n,
		      struct gic_metrics *out);

/* GenImage's name for a generator or a test set: "sd14" and "test/sd14"
 * -> "SD V1.4", "avg" -> "Avg"; other names without "test/". */
const char *gic_eval_title(const char *name, char *buf, size_t size);
/* Position of a generator (or "test/<generator>") in GenImage's tables
 * (schema/generators.tsv): Midjourney 0, SD V1.4 1, ... BigGAN 7; any
 * other name gic_genimage_ranks(), the number of generators. */
int gic_genimage_rank(const char *name);
int gic_genimage_ranks(void);

/* ---- predictions (eval-read.c) ---------------------------------------- */

enum gic_pred_key { GIC_KEY_SHA256, GIC_KEY_PATH };

/* One row of a predictions file. */
struct gic_pred {
	int line;                /* 1-based */
	enum gic_pred_key kind;
	char *key;               /* the sha256 (lowercased) or path, owned */
	char *set;               /* the row's "set" column, or NULL; owned */
	char *path;              /* its path too, when it is keyed by sha256
				    (both must name one image); owned */
	double score;            /* score, or pred as 0 (real) / 1 (fake) */
	int hard;                /* a pred alone: a call, not cut at the
				    threshold */
};

struct gic_preds {
	struct gic_pred *v;
	size_t n, cap;
};

/* What the reader and the matcher report, one call each. */
enum gic_eval_problem {
	GIC_EVAL_MALFORMED,      /* a row that cannot be used: an error */
	GIC_EVAL_UNKNOWN,        /* a prediction for no scored image: a warning */
	GIC_EVAL_MISSING,        /* a scored image without a prediction */
	GIC_EVAL_NOTE,           /* worth knowing, changes nothing */
	GIC_EVAL_NKINDS
};

struct gic_eval_opts {
	double threshold;        /* score >= threshold is fake (usually
				    GIC_EVAL_THRESHOLD) */
	/* where: the file for rows (why begins "line N: "), "SET: SHA256"
	 * for missing images */
	void (*on_problem)(void *arg, enum gic_eval_problem kind,
			   const char *where, const char *why);
	void *arg;
};

/*
 * Reads a predictions file: JSONL when its first character is '{', else
 * CSV (RFC 4180 quoting, one record a line) with a header row; TSV when
 * the header has tabs and no comma.  Columns
 * (keys): sha256 or path (a row uses sha256 when it has one), score (a
 * number in [0, 1]) or pred (real, fake, 0 or 1), and optionally set;
 * others are ignored.  Each bad row is reported as GIC_EVAL_MALFORMED and
 * counted in *bad; reading goes on.  Returns negative only when the file
 * cannot be read at all (or is a JSON array, or its header names no key
 * or no score column or leaves a quote open),
 * with a message that does not repeat the path.
 */
int gic_preds_read(const char *path, const struct gic_eval_opts *o,
		   struct gic_preds *out, size_t *bad);
void gic_preds_release(struct gic_preds *p);

/* One line "TASK<TAB>PREDICTIONS" of a run list. */
struct gic_run {
	char *task;              /* as written, or made relative to the list */
	char *predictions;
	int line;
};

/*
 * Reads a run list: one run a line, blank lines and '#' comments skipped.
 * Relative paths are taken from the list's directory; a task that is no
 * file there stays as written (a shipped task's name).  A bad line fails
 * with GIC_EUSAGE and "line N: why".
 */
int gic_runs_read(const char *path, struct gic_run **out, int *n);
void gic_runs_free(struct gic_run *runs, int n);

/* ---- scoring a task (eval.c, eval-keys.c) ----------------------------- */

struct gic_eval_set {
	const char *name;        /* "test/sd14": points into the task */
	const struct gic_resolved_set *rs; /* its images */
	struct gic_metrics m;
	size_t images, missing;  /* labelled images of the set; of them,
				    the ones without a prediction */
	size_t unlabelled;       /* images with no label: not scored */
};

struct gic_eval {
	const struct gic_resolved *r;
	const char *trained_on;  /* the train set's only generator, else the
				    task's name, whole: points into r, or
				    into gen */
	char gen[GIC_GENERATOR_MAX + 1]; /* the generator a query of a train
				    set that was not resolved found */
	double threshold;
	struct gic_eval_set sets[GIC_TASK_MAX_SETS]; /* in GenImage's order */
	int nsets;
	struct gic_metrics avg;  /* gic_metrics_mean of the sets */
	size_t rows;             /* prediction rows read */
	size_t malformed;        /* rows that could not be used (errors) */
	size_t unknown;          /* rows for no image of the scored sets */
	size_t originals;        /* of them, rows naming the original of a
				    degraded image */
	size_t foreign;          /* of them, rows naming files of exports of
				    other tasks */
	size_t unrooted;         /* of them, paths that name no file but
				    whose names begin a scored image's hash
				    (relative to a set's directory, say) */
	int64_t foreign_mat;     /* the first of those exports */
	int64_t keyed_mat;       /* the first export of this task a row's
				    path was found in (0: none) */
	char foreign_task[128];  /* its task's name */
	char foreign_out[4096];  /* its --out (an absolute path) */
	size_t images, missing;  /* (set, image) pairs; of them, unpredicted */
};

/* Whether eval scores set def of t: a test set ([test NAME], the test
 * share of [split]), or val when t has no test set.  What eval resolves
 * (gic_task_resolve_some): no other set is read, nor degraded. */
int gic_eval_scores(const struct gic_task *t, const struct gic_task_set *def);

/*
 * Scores the predictions file against r: the test sets ("test/NAME"), or
 * "val" when the task has no test set.  Rows name an image by sha256 (64
 * hex digits, or a prefix of at least 16 - an export's file stem - that
 * is unique among the scored images) or by path: a path an export of this
 * task (any materialization with r's task hash) wrote, relative to its
 * output or ending in such a path, or an entry's original path (or one
 * ending in it).  An export path also says the set.  A prediction counts
 * for its set, or for every scored set holding its image.  The same image
 * twice with different scores is an error.  Images without a label (real
 * or fake) are not scored.  Every problem goes to
 * o->on_problem; metrics are computed over the images that have a
 * prediction.  Returns 0 when scoring ran (see e->malformed, e->missing),
 * GIC_EUSAGE when the task has no set to score (e->nsets is then 0) or
 * the predictions cannot be used, negative on other failures.
 */
int gic_eval_run(struct gic_catalog *c, const struct gic_resolved *r,
		 const char *predictions, const struct gic_eval_opts *o,
		 struct gic_eval *e);

/* ---- grids: what tables and heatmaps show (eval-grid.c) --------------- */

struct gic_grid {
	int nrows, ncols;
	char **rows, **cols;     /* names: "sd14", "test/sd14", "avg", "acc" */
	double *v;               /* nrows * ncols, row-major; NAN: empty */
	int avg_row;             /* the last row is the means (the last
				    column always is) */
};

/* Metrics as rows (acc, real_acc, fake_acc, ap), sets and avg as columns. */
int gic_eval_grid(const struct gic_eval *e, struct gic_grid *out);
/*
 * The cross-generator matrix of one metric: a row per run (trained on,
 * in GenImage's order, then the others in list order) and an "avg" row
 * (each column's mean over the runs); a column per test set (GenImage's
 * order, then others as they come) and an "avg" column (each row's mean).
 */
int gic_eval_matrix(const struct gic_eval *runs, int n, enum gic_metric m,
		    struct gic_grid *out);
void gic_grid_release(struct gic_grid *g);
/*
 * A self-contained HTML page (no scripts, no external resources) drawing
 * g as a heatmap in inline SVG: one cell per value coloured on a 0-100%
 * scale, the percentage in it, a colour legend.  *out is malloc'd.
 */
int gic_grid_html(const struct gic_grid *g, const char *title,
		  const char *caption, char **out);

#endif
