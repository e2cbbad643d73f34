/*
 * audit-rules.c - the trivial pixel-free rules of the bias audit and
 * their scores: "format = png => fake", "short_side in (128, 256, 512,
 * 1024) => fake", and the best single threshold on the short side, the
 * JPEG quality (PNG = 101) and bytes per pixel.
 *
 * Scores are balanced accuracies, (real accuracy + fake accuracy) / 2.
 * The best threshold is found exactly: each label's values sorted, merged
 * into distinct values with their counts, then one sweep that tries every
 * value in both directions.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit-int.h"

static const char *const feat_ids[NFEAT] = { "short_side", "jpeg_quality",
					     "bytes_per_pixel" };
static const int feat_digits[NFEAT] = { 10, 10, 4 }; /* as printed */

static int push(struct rule_data *d, int f, int fake, double v)
{
	size_t *n = &d->n[f][fake];

	if (gic_grow(&d->v[f][fake], *n, &d->cap[f][fake], sizeof(double), 1024))
		return GIC_ENOMEM;
	d->v[f][fake][(*n)++] = v;
	return 0;
}

int rule_data_add(struct rule_data *d, int fake, const char *format,
		  uint32_t w, uint32_t h, int quality, uint64_t bytes)
{
	uint32_t side = w < h ? w : h;
	int png = format && !strcmp(format, "png");

	d->png[fake] += (uint64_t)png;
	d->sizes[fake] += gic_generator_side(side);
	if (push(d, FEAT_SIDE, fake, side) < 0 ||
	    push(d, FEAT_QUALITY, fake, png ? 101 : quality) < 0 ||
	    push(d, FEAT_BPP, fake, (double)bytes / ((double)w * h)) < 0)
		return GIC_ENOMEM;
	return 0;
}

void rule_data_free(struct rule_data *d)
{
	for (int f = 0; f < NFEAT; f++)
		for (int l = 0; l < 2; l++)
			free(d->v[f][l]);
	memset(d, 0, sizeof(*d));
}

/*
 * Sets the scores of a rule that is right on ok_r of R reals and ok_f of F
 * fakes.  The accuracy is one division of integers (exact while 2RF is
 * below 2^53): the double nearest the true score, the same for the same
 * fraction however it was reached, so that a rule scoring exactly A is not
 * above --max-shortcut A by a rounding of (ok_r / R + ok_f / F) / 2.
 */
static void balanced(struct gic_rule_score *s, uint64_t ok_r, uint64_t R,
		     uint64_t ok_f, uint64_t F)
{
	s->real_acc = (double)ok_r / (double)R;
	s->fake_acc = (double)ok_f / (double)F;
	s->accuracy = (double)(ok_r * F + ok_f * R) / (double)(2 * R * F);
}

/* The best threshold so far, its score as 2RF times the accuracy:
 * integers, so that scores equal on paper tie. */
struct sweep {
	uint64_t R, F;
	int64_t best;       /* -1 before the first rule */
	struct gic_rule_score *out;
};

/* One candidate, in tie order: only a better score replaces the best. */
static void consider(struct sweep *w, int below, double t, uint64_t ok_r,
		     uint64_t ok_f)
{
	int64_t score = (int64_t)(ok_r * w->F + ok_f * w->R);

	if (score <= w->best)
		return;
	w->best = score;
	w->out->below = below;
	w->out->threshold = t;
	balanced(w->out, ok_r, w->R, ok_f, w->F);
}

void gic_best_threshold(const double *v, const uint64_t *nreal,
			const uint64_t *nfake, size_t n,
			struct gic_rule_score *out)
{
	struct sweep w = { 0, 0, -1, out };
	uint64_t r = 0, f = 0;  /* images below v[i], then up to v[i] */

	out->threshold = out->accuracy = out->real_acc = out->fake_acc = NAN;
	for (size_t i = 0; i < n; i++)
		w.R += nreal[i], w.F += nfake[i];
	if (!w.R || !w.F)
		return;
	/* counts far below 2^31: the scores fit in 63 bits */
	for (size_t i = 0; i < n; i++) {
		uint64_t r_below = r, f_below = f;

		r += nreal[i];
		f += nfake[i];
		/* "<= v[i] => fake" before ">= v[i] => fake": the tie order */
		consider(&w, 1, v[i], w.R - r, f);
		consider(&w, 0, v[i], r_below, w.F - f_below);
	}
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Distinct values of both labels, ascending, with their counts. */
struct distinct {
	double *v;
	uint64_t *nr, *nf;
	size_t n;
};

static int merge(struct rule_data *d, int f, struct distinct *m)
{
	const double *r = d->v[f][0], *k = d->v[f][1];
	size_t nr = d->n[f][0], nk = d->n[f][1], i = 0, j = 0, total = nr + nk;

	m->n = 0;
	m->v = malloc((total ? total : 1) * sizeof(*m->v));
	m->nr = calloc(total ? total : 1, sizeof(*m->nr));
	m->nf = calloc(total ? total : 1, sizeof(*m->nf));
	if (!m->v || !m->nr || !m->nf)
		return gic_seterr(GIC_ENOMEM, "out of memory");
	if (nr)
		qsort(d->v[f][0], nr, sizeof(double), by_value);
	if (nk)
		qsort(d->v[f][1], nk, sizeof(double), by_value);
	while (i < nr || j < nk) {
		int fake = i == nr || (j < nk && k[j] < r[i]);
		double v = fake ? k[j++] : r[i++];

		if (!m->n || m->v[m->n - 1] != v)
			m->v[m->n++] = v;
		(fake ? m->nf : m->nr)[m->n - 1]++;
	}
	return 0;
}

static void score_fixed(struct gic_rule_score *r, const struct gic_bias_set *s,
			const uint64_t with[2])
{
	if (s->nreal && s->nfake)
		balanced(r, s->nreal - with[0], s->nreal, with[1], s->nfake);
}

int rule_data_score(struct rule_data *d, struct gic_bias_set *s)
{
	int rc = 0;

	score_fixed(&s->rules[GIC_RULE_PNG], s, d->png);
	score_fixed(&s->rules[GIC_RULE_SIZES], s, d->sizes);
	for (int f = 0; f < NFEAT && rc == 0; f++) {
		struct gic_rule_score *r = &s->rules[GIC_RULE_SIDE + f];
		struct distinct m = { 0 };
		char t[32];

		r->id = feat_ids[f];
		if ((rc = merge(d, f, &m)) == 0)
			gic_best_threshold(m.v, m.nr, m.nf, m.n, r);
		if (rc == 0 && !isnan(r->threshold)) {
			snprintf(t, sizeof(t), "%.*g", feat_digits[f], r->threshold);
			/* PNGs count as quality 101: say what the rule means */
			snprintf(r->text, sizeof(r->text), "%s %s %s%s => fake",
				 feat_ids[f], r->below ? "<=" : ">=", t,
				 f == FEAT_QUALITY && !r->below &&
				 r->threshold > 100 ? " (that is: PNG)" : "");
		}
		free(m.v);
		free(m.nr);
		free(m.nf);
	}
	return rc;
}
