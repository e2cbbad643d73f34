/*
 * audit-bias.c - shortcut bias: what separates real from fake images
 * without looking at a pixel.
 *
 * Per set, generator and label: formats, a histogram of JPEG qualities
 * and of short sides, chroma subsampling and metadata presence; per set,
 * the scores of the trivial rules (audit-rules.c).  One pass over the
 * audit_items table (audit.c) joined with images feeds both, each image
 * going to its set and, for a task of several sets, to the pooled set
 * too: with a task, the images are the ones exported.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "audit-int.h"

const char *const gic_bias_qbin_names[GIC_BIAS_QBINS] = {
	"1-50", "51-60", "61-70", "71-75", "76-80", "81-85", "86-90",
	"91-93", "94-96", "97-99", "100" };
const char *const gic_bias_sbin_names[GIC_BIAS_SBINS] = {
	"<128", "128", "129-255", "256", "257-383", "384-511", "512",
	"513-767", "768-1023", "1024", ">1024" };
const char *const gic_bias_sub_names[GIC_BIAS_SUBS] = {
	"4:2:0", "4:2:2", "4:4:4", "other", "none" };
const char *const gic_bias_meta_names[GIC_BIAS_META] = {
	"exif", "xmp", "icc", "c2pa", "text", "trailing" };

/* One audited image, as the columns of the scan give it. */
struct img {
	const char *set, *group, *label, *format, *subsampling;
	int quality;
	uint32_t w, h;
	uint64_t bytes;
	int meta[GIC_BIAS_META];
};

static int qbin(int q)
{
	static const int top[GIC_BIAS_QBINS - 1] = { 50, 60, 70, 75, 80, 85,
						     90, 93, 96, 99 };
	int b = 0;

	while (b < GIC_BIAS_QBINS - 1 && q > top[b])
		b++;
	return b;
}

static int sbin(uint32_t s)
{
	static const uint32_t lo[GIC_BIAS_SBINS] = { 0, 128, 129, 256, 257,
						     384, 512, 513, 768, 1024,
						     1025 };
	int b = GIC_BIAS_SBINS - 1;

	while (b > 0 && s < lo[b])
		b--;
	return b;
}

static int subbin(const char *s)
{
	for (int i = 0; s && *s && i < GIC_BIAS_SUBS - 1; i++)
		if (i == 3 || !strcmp(s, gic_bias_sub_names[i]))
			return i;
	return GIC_BIAS_SUBS - 1;
}

/* The group of an image in s: the last one used, another one, or new. */
static struct gic_bias_group *group_for(struct gic_bias_set *s,
					const struct img *m)
{
	struct gic_bias_group *g;

	for (size_t i = s->ngroups; i-- > 0;)
		if (!strcmp(s->groups[i].group, m->group) &&
		    !strcmp(s->groups[i].label, m->label))
			return &s->groups[i];
	if (!(g = realloc(s->groups, (s->ngroups + 1) * sizeof(*g))))
		return NULL;
	s->groups = g;
	g = &s->groups[s->ngroups];
	memset(g, 0, sizeof(*g));
	if (!(g->group = strdup(m->group)))
		return NULL;
	snprintf(g->label, sizeof(g->label), "%s", m->label);
	s->ngroups++;
	return g;
}

static void count(struct gic_bias_group *g, const struct img *m)
{
	uint32_t side = m->w < m->h ? m->w : m->h;

	if (!g->n || side < g->smin)
		g->smin = side;
	if (side > g->smax)
		g->smax = side;
	g->n++;
	if (!strcmp(m->format, "png")) {
		g->png++;
	} else {
		g->jpeg++;
		g->quality[qbin(m->quality)]++;
		if (!g->qmin || m->quality < g->qmin)
			g->qmin = m->quality;
		if (m->quality > g->qmax)
			g->qmax = m->quality;
	}
	g->side[sbin(side)]++;
	g->sub[subbin(m->subsampling)]++;
	for (int k = 0; k < GIC_BIAS_META; k++)
		g->meta[k] += (uint64_t)(m->meta[k] != 0);
}

static int add(struct gic_bias_set *s, struct rule_data *d,
	       const struct img *m)
{
	struct gic_bias_group *g = group_for(s, m);
	int fake = !strcmp(m->label, "fake");

	if (!g)
		return gic_seterr(GIC_ENOMEM, "out of memory");
	count(g, m);
	if (!fake && strcmp(m->label, "real")) {
		s->nunlabelled++;
		return 0;
	}
	*(fake ? &s->nfake : &s->nreal) += 1;
	return rule_data_add(d, fake, m->format, m->w, m->h, m->quality,
			     m->bytes);
}

static void read_img(sqlite3_stmt *q, struct img *m)
{
	m->set = (const char *)sqlite3_column_text(q, 0);
	m->group = (const char *)sqlite3_column_text(q, 1);
	m->label = (const char *)sqlite3_column_text(q, 2);
	m->format = (const char *)sqlite3_column_text(q, 3);
	m->quality = sqlite3_column_int(q, 4);
	m->w = (uint32_t)sqlite3_column_int64(q, 5);
	m->h = (uint32_t)sqlite3_column_int64(q, 6);
	m->bytes = (uint64_t)sqlite3_column_int64(q, 7);
	m->subsampling = (const char *)sqlite3_column_text(q, 8);
	for (int k = 0; k < GIC_BIAS_META; k++)
		m->meta[k] = sqlite3_column_int(q, 9 + k);
}

/* The set an image belongs to: the one of the image before, or another. */
static size_t set_index(const struct gic_bias *b, const char *name,
			size_t last)
{
	if (last < b->nsets && !strcmp(b->sets[last].name, name))
		return last;
	for (size_t i = 0; i < b->nsets; i++)
		if (!strcmp(b->sets[i].name, name))
			return i;
	return b->nsets;
}

/* Every image into its set, and into the pooled set (index pool) if any. */
static int scan(struct gic_catalog *c, struct gic_bias *b,
		struct rule_data *d, size_t pool)
{
	sqlite3_stmt *q;
	size_t at = 0;
	int rc = 0, step;

	if (sqlite3_prepare_v2(c->db, "SELECT a.set_name, a.grp, coalesce("
			       "a.label, ''), i.format, coalesce(i.jpeg_quality, "
			       "0), i.width, i.height, i.bytes, i.subsampling, "
			       "i.has_exif, i.has_xmp, i.has_icc, i.has_c2pa, "
			       "i.text_keys IS NOT NULL, i.trailing_bytes > 0 "
			       "FROM temp.audit_items a JOIN images i ON "
			       "i.sha256 = a.sha256", -1, &q,
			       NULL))
		return gic_db_fail(c->db, "audit bias");
	while (rc == 0 && (step = sqlite3_step(q)) == SQLITE_ROW) {
		struct img m;

		read_img(q, &m);
		at = set_index(b, m.set, at);
		if (at < b->nsets)
			rc = add(&b->sets[at], &d[at], &m);
		if (rc == 0 && pool < b->nsets && pool != at)
			rc = add(&b->sets[pool], &d[pool], &m);
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = gic_db_fail(c->db, "audit bias");
	sqlite3_finalize(q);
	return rc;
}

static int by_group(const void *a, const void *b)
{
	const struct gic_bias_group *x = a, *y = b;
	int cmp = strcmp(x->group, y->group);

	return cmp ? cmp : strcmp(x->label, y->label);
}

static int new_set(struct gic_bias *b, const char *name)
{
	struct gic_bias_set *s = &b->sets[b->nsets];

	memset(s, 0, sizeof(*s));
	if (!(s->name = strdup(name)))
		return gic_seterr(GIC_ENOMEM, "out of memory");
	b->nsets++;
	for (int i = 0; i < GIC_BIAS_NRULES; i++) {
		struct gic_rule_score *r = &s->rules[i];
		r->threshold = r->accuracy = r->real_acc = r->fake_acc = NAN;
	}
	s->rules[GIC_RULE_PNG].id = "format";
	s->rules[GIC_RULE_SIZES].id = "sizes";
	snprintf(s->rules[GIC_RULE_PNG].text, sizeof(s->rules[0].text),
		 "format = png => fake");
	snprintf(s->rules[GIC_RULE_SIZES].text, sizeof(s->rules[0].text),
		 "short_side in (%s) => fake", gic_generator_sides());
	return 0;
}

/* The sets (the task's, and the pooled one unless there is exactly one),
 * the scan, then each set's groups sorted and its rules scored. */
static int measure(struct gic_catalog *c, const struct gic_audit_src *src,
		   struct gic_bias *b, struct rule_data *d)
{
	int nsets = src->task ? src->task->nsets : 0, rc = 0;

	for (int i = 0; i < nsets && rc == 0; i++)
		rc = new_set(b, src->task->sets[i].def->name);
	if (rc == 0 && nsets != 1)
		rc = new_set(b, GIC_AUDIT_ALL);
	if (rc == 0)
		rc = scan(c, b, d, nsets > 1 ? (size_t)nsets : b->nsets);
	for (size_t i = 0; i < b->nsets && rc == 0; i++) {
		struct gic_bias_set *s = &b->sets[i];
		if (s->ngroups)
			qsort(s->groups, s->ngroups, sizeof(*s->groups), by_group);
		rc = rule_data_score(&d[i], s);
	}
	return rc;
}

int gic_audit_bias(struct gic_catalog *c, const struct gic_audit_src *src,
		   struct gic_bias *out, int *errcol)
{
	size_t cap = (size_t)(src->task ? src->task->nsets : 0) + 1;
	struct rule_data *d = calloc(cap, sizeof(*d));
	int rc;

	memset(out, 0, sizeof(*out));
	out->unit = GIC_AUDIT_UNIT(src);
	out->sets = calloc(cap, sizeof(*out->sets));
	if (!d || !out->sets)
		rc = gic_seterr(GIC_ENOMEM, "out of memory");
	else if ((rc = gic_audit_items(c, src, errcol)) == 0)
		rc = measure(c, src, out, d);
	gic_audit_items_drop(c);
	for (size_t i = 0; d && i < cap; i++)
		rule_data_free(&d[i]);
	free(d);
	if (rc < 0)
		gic_bias_release(out);
	return rc;
}

void gic_bias_release(struct gic_bias *b)
{
	for (size_t i = 0; i < b->nsets; i++) {
		for (size_t j = 0; j < b->sets[i].ngroups; j++)
			free(b->sets[i].groups[j].group);
		free(b->sets[i].groups);
		free(b->sets[i].name);
	}
	free(b->sets);
	memset(b, 0, sizeof(*b));
}

double gic_bias_max_accuracy(const struct gic_bias *b,
			     const struct gic_bias_set **set,
			     const struct gic_rule_score **rule)
{
	double best = NAN;

	for (size_t i = 0; i < b->nsets; i++)
		for (int k = 0; k < GIC_BIAS_NRULES; k++) {
			const struct gic_rule_score *r = &b->sets[i].rules[k];
			/* ties keep the first rule; equal scores are equal
			 * doubles (audit-rules.c), and a score a hair above
			 * another must still be the one --max-shortcut sees */
			if (isnan(r->accuracy) ||
			    (!isnan(best) && r->accuracy <= best))
				continue;
			best = r->accuracy;
			if (set)
				*set = &b->sets[i];
			if (rule)
				*rule = r;
		}
	return best;
}
