/*
 * eval.c - scoring predictions: accuracy per class, average precision
 * computed exactly as scikit-learn does, the sets a task is scored on (in
 * GenImage's order), and matching predictions to their images.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "eval-int.h"
#include "json.h"

/* ---- metrics ------------------------------------------------------------ */

static const char *const metric_names[GIC_M_COUNT] = {
	"acc", "real_acc", "fake_acc", "ap" };

const char *gic_metric_name(enum gic_metric m)
{
	return m < GIC_M_COUNT ? metric_names[m] : "?";
}

int gic_metric_from_name(const char *s)
{
	for (int i = 0; i < GIC_M_COUNT; i++)
		if (!strcmp(s, metric_names[i]))
			return i;
	return -1;
}

double gic_metric_get(const struct gic_metrics *m, enum gic_metric which)
{
	switch (which) {
	case GIC_M_ACC: return m->acc;
	case GIC_M_REAL_ACC: return m->real_acc;
	case GIC_M_FAKE_ACC: return m->fake_acc;
	case GIC_M_AP: return m->ap;
	default: return NAN;
	}
}

static int by_score_desc(const void *a, const void *b)
{
	double x = ((const struct gic_scored *)a)->score;
	double y = ((const struct gic_scored *)b)->score;

	return (x < y) - (x > y);
}

/*
 * NumPy's pairwise summation of a[0..n).score, so that AP adds its terms
 * in the order scikit-learn does and comes out bit for bit the same.
 */
static double pairwise_sum(const struct gic_scored *a, size_t n)
{
	double r[8], res = 0;
	size_t i;

	if (n < 8) {
		for (i = 0; i < n; i++)
			res += a[i].score;
		return res;
	}
	if (n > 128) {
		size_t half = n / 2;
		half -= half % 8;
		return pairwise_sum(a, half) + pairwise_sum(a + half, n - half);
	}
	for (i = 0; i < 8; i++)
		r[i] = a[i].score;
	for (i = 8; i < n - n % 8; i += 8)
		for (int j = 0; j < 8; j++)
			r[j] += a[i + j].score;
	res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
	for (; i < n; i++)
		res += a[i].score;
	return res;
}

/* NumPy's reduction buffer, in elements (np.getbufsize()). */
#define NP_BUFSIZE 8192

/* What np.sum does to a float64 array: the reduction hands the pairwise
 * sum blocks of NP_BUFSIZE elements, added one after another to 0.  Over
 * that many terms one pairwise sum of them all differs in the last bit
 * about one time in three. */
static double np_sum(const struct gic_scored *a, size_t n)
{
	double res = 0.0;

	for (size_t i = 0; i < n; i += NP_BUFSIZE)
		res += pairwise_sum(a + i, n - i < NP_BUFSIZE ? n - i
							       : NP_BUFSIZE);
	return res;
}

double gic_average_precision(struct gic_scored *v, size_t n)
{
	size_t pos = 0, tp = 0, fp = 0, k = 0;
	double prev_recall = 0;

	for (size_t i = 0; i < n; i++)
		pos += v[i].fake != 0;
	if (pos == 0 || pos == n)
		return NAN;
	qsort(v, n, sizeof(*v), by_score_desc);
	/* the terms, one per distinct score, go to v[k].score: read already */
	for (size_t i = 0; i < n; i++) {
		tp += v[i].fake != 0;
		fp += v[i].fake == 0;
		if (i + 1 < n && v[i + 1].score == v[i].score)
			continue;        /* a tie enters as one threshold */
		double recall = (double)tp / (double)pos;
		v[k++].score = (recall - prev_recall) *
			       ((double)tp / (double)(tp + fp));
		prev_recall = recall;
	}
	for (size_t i = 0; i < k / 2; i++) {  /* scikit-learn: lowest first */
		double t = v[i].score;
		v[i].score = v[k - 1 - i].score;
		v[k - 1 - i].score = t;
	}
	return np_sum(v, k);
}

static double ratio(size_t a, size_t b)
{
	return b ? (double)a / (double)b : NAN;
}

/* A pred alone is a call whatever the threshold; a score is cut at it. */
static int called_fake(double score, int hard, double threshold)
{
	return hard ? score == 1 : score >= threshold;
}

void gic_metrics_compute(struct gic_scored *v, size_t n, double threshold,
			 struct gic_metrics *out)
{
	size_t real_ok = 0, fake_ok = 0;

	memset(out, 0, sizeof(*out));
	out->n = n;
	for (size_t i = 0; i < n; i++) {
		int fake = called_fake(v[i].score, v[i].hard, threshold);
		if (v[i].fake) {
			out->nfake++;
			fake_ok += fake;
		} else {
			out->nreal++;
			real_ok += !fake;
		}
	}
	out->acc = ratio(real_ok + fake_ok, n);
	out->real_acc = ratio(real_ok, out->nreal);
	out->fake_acc = ratio(fake_ok, out->nfake);
	out->ap = gic_average_precision(v, n);
}

void gic_metrics_mean(const struct gic_metrics *m, int n,
		      struct gic_metrics *out)
{
	double *dst[GIC_M_COUNT] = { &out->acc, &out->real_acc, &out->fake_acc,
				     &out->ap };

	memset(out, 0, sizeof(*out));
	for (int i = 0; i < n; i++) {
		out->n += m[i].n;
		out->nreal += m[i].nreal;
		out->nfake += m[i].nfake;
	}
	for (int k = 0; k < GIC_M_COUNT; k++) {
		double sum = 0;
		int used = 0;
		for (int i = 0; i < n; i++) {
			double x = gic_metric_get(&m[i], (enum gic_metric)k);
			if (!isnan(x)) {
				sum += x;
				used++;
			}
		}
		*dst[k] = used ? sum / used : NAN;
	}
}

/* ---- names and GenImage's order ---------------------------------------- */

/* Rows and columns GenImage's tables title otherwise than gicat names
 * them: metrics, and the sets of genimage/degraded (GENIMAGE.md 4).  The
 * mean's first: a test set of that name skips it. */
static const char *const other_titles[][2] = {
	{ "avg", "Avg" }, { "acc", "Acc" }, { "real_acc", "Real acc" },
	{ "fake_acc", "Fake acc" }, { "ap", "AP" }, { "n", "n" },
	{ "lr112", "LR112" }, { "lr64", "LR64" }, { "jpeg65", "JPEG65" },
	{ "jpeg30", "JPEG30" },
};

static const char *no_test(const char *name)
{
	return strncmp(name, "test/", 5) ? name : name + 5;
}

int gic_genimage_ranks(void)
{
	int n;

	gic_generators(&n);
	return n;
}

int gic_genimage_rank(const char *name)
{
	int n;
	const struct gic_generator *g = gic_generators(&n);

	name = no_test(name);
	for (int i = 0; i < n; i++)
		if (!strcmp(name, g[i].id))
			return i;
	return n;
}

const char *gic_eval_title(const char *name, char *buf, size_t size)
{
	int n, g = gic_genimage_rank(name);
	const struct gic_generator *gens = gic_generators(&n);
	const char *bare = no_test(name);

	/* a set named avg ([test avg]) keeps its name: Avg is the mean's */
	for (size_t i = bare != name; i < sizeof(other_titles) /
	     sizeof(*other_titles); i++)
		if (!strcmp(bare, other_titles[i][0]))
			bare = other_titles[i][1];
	name = bare;
	snprintf(buf, size, "%s", g < n ? gens[g].name : name);
	return buf;
}

/* ---- scoring a task ----------------------------------------------------- */

/* The only generator of the fakes a skipped (unresolved) train set
 * selects, by a query; "" when none or several. */
static void selected_generator(struct gic_catalog *c, const char *select,
			       char *buf, size_t size)
{
	sqlite3_stmt *s = NULL;
	char *expr = NULL;
	int errcol, rows = 0;

	*buf = '\0';
	if (asprintf(&expr, "%s%s%slabel = fake", select ? "(" : "",
		     select ? select : "", select ? ") and " : "") < 0)
		return;
	if (gic_select_prepare(c, "DISTINCT generator", expr, "LIMIT 3", &s,
			       &errcol, NULL) == 0)
		while (sqlite3_step(s) == SQLITE_ROW) {
			const char *g = (const char *)sqlite3_column_text(s, 0);

			if (g) /* fakes of no generator: as the items count */
				snprintf(buf, size, "%s", ++rows == 1 ? g : "");
		}
	sqlite3_finalize(s);
	free(expr);
}

/* The train set's only generator, else the task's name (the whole of
 * it: runs of two long names are two rows); gen holds a generator found
 * by a query. */
static const char *trained_on(struct gic_catalog *c,
			      const struct gic_resolved *r, char *gen,
			      size_t size)
{
	const char *name = r->task->name ? r->task->name : "?", *one = NULL;

	for (int i = 0; i < r->nsets; i++) {
		if (strcmp(r->sets[i].def->name, "train"))
			continue;
		if (r->sets[i].skipped) {
			selected_generator(c, r->sets[i].def->select, gen, size);
			one = *gen ? gen : NULL;
			continue;
		}
		for (size_t j = 0; j < r->sets[i].n; j++) {
			const char *g = r->sets[i].items[j].generator;
			if (!g || strcmp(r->sets[i].items[j].label, "fake"))
				continue;
			if (one && strcmp(one, g))
				return name;
			one = g;
		}
	}
	return one ? one : name;
}

/* [test NAME], or the test share of [split] (not [set testing]). */
static int test_set(const char *name)
{
	return !strncmp(name, "test/", 5) || !strcmp(name, "test");
}

int gic_eval_scores(const struct gic_task *t, const struct gic_task_set *def)
{
	if (test_set(def->name))
		return 1;
	if (strcmp(def->name, "val"))
		return 0;
	for (int i = 0; i < t->nsets; i++)
		if (test_set(t->sets[i].name))
			return 0;
	return 1;
}

/* The sets gic_eval_scores names: the test sets in GenImage's order
 * (others after, in task order), or val. */
static int choose_sets(struct gic_eval *e)
{
	const struct gic_resolved *r = e->r;

	for (int rank = 0; rank <= gic_genimage_ranks(); rank++)
		for (int i = 0; i < r->nsets; i++) {
			const char *name = r->sets[i].def->name;
			if (gic_eval_scores(r->task, r->sets[i].def) &&
			    gic_genimage_rank(name) == rank) {
				e->sets[e->nsets].name = name;
				e->sets[e->nsets++].rs = &r->sets[i];
			}
		}
	return e->nsets ? 0 : gic_seterr(GIC_EUSAGE, "task '%s' has no test "
					 "set and no val set to score",
					 r->task->name);
}

static int by_sha_set(const void *a, const void *b)
{
	const struct gic_eval_img *x = a, *y = b;
	int d = strcmp(x->sha, y->sha);

	return d ? d : (x->set > y->set) - (x->set < y->set);
}

static int build_index(const struct gic_eval *e, struct gic_eval_index *x)
{
	size_t n = 0;

	for (int k = 0; k < e->nsets; k++)
		n += e->sets[k].rs->n;
	if (!(x->v = calloc(n ? n : 1, sizeof(*x->v))))
		return gic_seterr(GIC_ENOMEM, "out of memory");
	x->n = 0;
	for (int k = 0; k < e->nsets; k++)
		for (size_t j = 0; j < e->sets[k].rs->n; j++) {
			const struct gic_item *it = &e->sets[k].rs->items[j];
			x->v[x->n++] = (struct gic_eval_img){ it->sha256, k, it };
		}
	qsort(x->v, x->n, sizeof(*x->v), by_sha_set);
	return 0;
}

static int by_hit(const void *a, const void *b)
{
	const struct gic_hit *x = a, *y = b;
	int d = strcmp(x->sha, y->sha);

	if (d)
		return d;
	if (x->set != y->set)
		return x->set < y->set ? -1 : 1;
	return x->line - y->line;
}

/* What row h said: "score 0.25", or "pred fake" for a pred alone. */
static const char *said(const struct gic_hit *h, char buf[48])
{
	char num[32];

	if (h->hard)
		snprintf(buf, 48, "pred %s", h->score ? "fake" : "real");
	else
		snprintf(buf, 48, "score %s", gic_real_text(h->score, num));
	return buf;
}

/* Whether two rows are one prediction: the same score for AP and the
 * same call at threshold (pred real and score 0 are not at 0, where the
 * score is fake and the pred still real). */
static int same_call(const struct gic_hit *a, const struct gic_hit *b,
		     double threshold)
{
	return a->score == b->score &&
	       called_fake(a->score, a->hard, threshold) ==
	       called_fake(b->score, b->hard, threshold);
}

/*
 * Drops repeated predictions; a repeat with another score is an error.  A
 * row for one set repeats a row for every set (no set, a hash) of its
 * image; rows for two sets are two predictions.
 */
static size_t dedup(struct gic_eval *e, struct gic_hit *h, size_t n,
		    const char *file, const struct gic_eval_opts *o)
{
	size_t out = 0, any = SIZE_MAX;  /* the image's row for every set */

	qsort(h, n, sizeof(*h), by_hit);  /* that row first, set -1 */
	for (size_t i = 0; i < n; i++) {
		const struct gic_hit *last = out ? &h[out - 1] : NULL, *was;
		int same = last && !strcmp(last->sha, h[i].sha);
		char a[48], b[48];
		if (!same)
			any = h[i].set < 0 ? out : SIZE_MAX;
		was = same && last->set == h[i].set ? last :
		      same && any != SIZE_MAX ? &h[any] : NULL;
		if (!was) {
			h[out++] = h[i];
			continue;
		}
		if (same_call(was, &h[i], e->threshold))
			continue;
		e->malformed++;
		gic_eval_problem_at(o, GIC_EVAL_MALFORMED, file, h[i].line,
				    "%s has %s here but %s on line %d",
				    h[i].sha, said(&h[i], a), said(was, b),
				    was->line);
	}
	return out;
}

/* The prediction for (sha, set): one for that set, else one for any. */
static const struct gic_hit *find_hit(const struct gic_hit *h, size_t n,
				      const char *sha, int set)
{
	for (size_t lo = 0, hi = n; lo < hi;) {
		size_t mid = lo + (hi - lo) / 2;
		int d = strcmp(h[mid].sha, sha);
		if (!d && h[mid].set == set)
			return &h[mid];
		if (d < 0 || (!d && h[mid].set < set))
			lo = mid + 1;
		else
			hi = mid;
	}
	return set >= 0 ? find_hit(h, n, sha, -1) : NULL;
}

/* Why (set, it) counts as missing: its set and original path, and, when
 * the rows named files of an export of the task (mat), its file there,
 * which is what the predictor was given (s: a statement to look it up). */
static void no_prediction(sqlite3_stmt *s, const char *set,
			  const struct gic_item *it, char *why, size_t size)
{
	const unsigned char *file = NULL;

	if (s) {
		sqlite3_bind_text(s, 1, it->sha256, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, set, -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW)
			file = sqlite3_column_text(s, 0);
	}
	snprintf(why, size, "no prediction (%s, %s%s%s)", set,
		 file ? (const char *)file : "", file ? " in the split, " : "",
		 it->path ? it->path : "derived");
	if (s)
		sqlite3_reset(s);
}

/* Scores every set from the (de-duplicated, sorted) predictions. */
static int score_sets(struct gic_catalog *c, struct gic_eval *e,
		      const struct gic_hit *h, size_t n,
		      const struct gic_eval_opts *o)
{
	struct gic_metrics m[GIC_TASK_MAX_SETS];
	sqlite3_stmt *file = NULL;

	/* none found: the line says what it can without */
	if (e->keyed_mat && sqlite3_prepare_v2(c->db, "SELECT path FROM "
					       "materialized_files WHERE "
					       "materialization_id = ?3 AND "
					       "image_sha256 = ?1 AND set_name "
					       "= ?2 LIMIT 1", -1, &file, NULL))
		file = NULL;
	if (file)
		sqlite3_bind_int64(file, 3, e->keyed_mat);

	for (int k = 0; k < e->nsets; k++) {
		struct gic_eval_set *s = &e->sets[k];
		struct gic_scored *v = calloc(s->rs->n ? s->rs->n : 1, sizeof(*v));
		size_t nv = 0;
		if (!v) {
			sqlite3_finalize(file);
			return gic_seterr(GIC_ENOMEM, "out of memory");
		}
		for (size_t j = 0; j < s->rs->n; j++) {
			const struct gic_item *it = &s->rs->items[j];
			const struct gic_hit *p = find_hit(h, n, it->sha256, k);
			char why[4200];
			if (strcmp(it->label, "real") && strcmp(it->label, "fake")) {
				s->unlabelled++;  /* nothing to score it against */
				continue;
			}
			if (p) {
				v[nv++] = (struct gic_scored){ p->score,
					!strcmp(it->label, "fake"), p->hard };
				continue;
			}
			s->missing++;
			no_prediction(file, s->name, it, why, sizeof(why));
			if (o->on_problem)
				o->on_problem(o->arg, GIC_EVAL_MISSING, it->sha256, why);
		}
		s->images = s->rs->n - s->unlabelled;
		e->images += s->images;
		e->missing += s->missing;
		gic_metrics_compute(v, nv, e->threshold, &s->m);
		m[k] = s->m;
		free(v);
	}
	sqlite3_finalize(file);
	gic_metrics_mean(m, e->nsets, &e->avg);
	return 0;
}

int gic_eval_run(struct gic_catalog *c, const struct gic_resolved *r,
		 const char *predictions, const struct gic_eval_opts *o,
		 struct gic_eval *e)
{
	struct gic_eval_index x = { 0 };
	struct gic_preds p = { 0 };
	struct gic_hit *h = NULL;
	size_t nh = 0;
	int rc;

	memset(e, 0, sizeof(*e));
	e->r = r;
	e->threshold = o->threshold;
	e->trained_on = trained_on(c, r, e->gen, sizeof(e->gen));
	if ((rc = choose_sets(e)) < 0 || (rc = build_index(e, &x)) < 0)
		goto out;
	if ((rc = gic_preds_read(predictions, o, &p, &e->malformed)) < 0)
		goto out;
	e->rows = p.n + e->malformed;
	rc = gic_eval_resolve(c, e, &x, &p, predictions, o, &h, &nh);
	if (rc == 0)
		rc = score_sets(c, e, h, dedup(e, h, nh, predictions, o), o);
out:
	free(x.v);
	free(h);
	gic_preds_release(&p);
	return rc;
}
