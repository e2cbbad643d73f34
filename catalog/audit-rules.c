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

void gic_best_threshold(const double *v, const uint64_t *nreal,
			const uint64_t *nfake, size_t n,
			struct gic_rule_score *out)
{
	uint64_t R = 0, F = 0, r = 0, f = 0;
	double best = -1;

	out->threshold = out->accuracy = out->real_acc = out->fake_acc = NAN;
	for (size_t i = 0; i < n; i++)
		R += nreal[i], F += nfake[i];
	if (!R || !F)
		return;
	/* one value: no threshold separates anything; all are called fake */
	out->below = 0;
	out->threshold = v[0];
	out->real_acc = 0;
	out->fake_acc = 1;
	out->accuracy = 0.5;
	for (size_t i = 0; i + 1 < n; i++) {
		double fa, ra;

		r += nreal[i];
		f += nfake[i];
		fa = (double)f / (double)F;        /* "<= v[i] => fake" */
		ra = (double)(R - r) / (double)R;
		if ((fa + ra) / 2 > best) {
			best = (fa + ra) / 2;
			*out = (struct gic_rule_score){ out->id, "", 1, v[i],
							best, ra, fa };
		}
		if ((2 - fa - ra) / 2 > best) {    /* ">= v[i + 1] => fake" */
			double rb = (double)r / (double)R;
			double fb = (double)(F - f) / (double)F;

			best = (2 - fa - ra) / 2;
			*out = (struct gic_rule_score){ out->id, "", 0, v[i + 1],
							(rb + fb) / 2, rb, fb };
		}
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
	if (!s->nreal || !s->nfake)
		return;
	/* a count over a count: exact ratios, as one computes them by hand */
	r->real_acc = (double)(s->nreal - with[0]) / (double)s->nreal;
	r->fake_acc = (double)with[1] / (double)s->nfake;
	r->accuracy = (r->real_acc + r->fake_acc) / 2;
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
