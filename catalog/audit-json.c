/*
 * audit-json.c - the bias and provenance audits as JSON documents (with
 * jansson): what `gicat audit ... --format json` prints.  Counts are
 * integers, accuracies fractions 0..1, a score that could not be computed
 * is null.
 */
#include <math.h>
#include <stdlib.h>

#include <jansson.h>

#include "audit.h"
#include "json.h"

static json_t *real_or_null(double v)
{
	return isnan(v) ? json_null() : json_real(v);
}

static json_t *bins(const uint64_t *v, const char *const *names, int n)
{
	json_t *o = json_object();

	for (int i = 0; i < n; i++)
		json_object_set_new(o, names[i], json_integer((json_int_t)v[i]));
	return o;
}

static json_t *range(int lo, int hi, int have)
{
	return have ? json_pack("[i,i]", lo, hi) : json_null();
}

static json_t *bias_group(const struct gic_bias_group *g, const char *unit)
{
	static const char *const fmt_names[2] = { "png", "jpeg" };
	uint64_t fmt[2] = { g->png, g->jpeg };

	return json_pack("{s:o,s:s?,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
			 "generator", gic_json_text(g->group), "label", g->label[0] ? g->label
			 : NULL, unit, (json_int_t)g->n,
			 "format", bins(fmt, fmt_names, 2),
			 "jpeg_quality", bins(g->quality, gic_bias_qbin_names,
					      GIC_BIAS_QBINS),
			 "jpeg_quality_range", range(g->qmin, g->qmax, g->jpeg > 0),
			 "short_side", bins(g->side, gic_bias_sbin_names,
					    GIC_BIAS_SBINS),
			 "short_side_range", range((int)g->smin, (int)g->smax,
						   g->n > 0),
			 "subsampling", bins(g->sub, gic_bias_sub_names,
					     GIC_BIAS_SUBS),
			 "metadata", bins(g->meta, gic_bias_meta_names,
					  GIC_BIAS_META));
}

static json_t *bias_rule(const struct gic_rule_score *r)
{
	/* a rule that could not be scored (no real or no fake image) has
	 * no text, a fixed rule as a threshold one */
	return json_pack("{s:s,s:o,s:o,s:o,s:o,s:o}", "rule", r->id, "text",
			 *r->text && !isnan(r->accuracy) ?
			 json_string(r->text) : json_null(),
			 "threshold", real_or_null(r->threshold),
			 "accuracy", real_or_null(r->accuracy), "real_acc",
			 real_or_null(r->real_acc), "fake_acc",
			 real_or_null(r->fake_acc));
}

static json_t *bias_set(const struct gic_bias_set *s, const char *unit)
{
	json_t *rules = json_array(), *groups = json_array();

	for (int k = 0; k < GIC_BIAS_NRULES; k++)
		json_array_append_new(rules, bias_rule(&s->rules[k]));
	for (size_t i = 0; i < s->ngroups; i++)
		json_array_append_new(groups, bias_group(&s->groups[i], unit));
	return json_pack("{s:s,s:I,s:I,s:I,s:o,s:o}", "set", s->name, "real",
			 (json_int_t)s->nreal, "fake", (json_int_t)s->nfake,
			 "unlabelled", (json_int_t)s->nunlabelled, "rules", rules,
			 "groups", groups);
}

/* Dumps and releases o. */
static int dump(json_t *o, char **out)
{
	*out = gic_json_dumps(o, JSON_PRESERVE_ORDER | JSON_INDENT(2));
	json_decref(o);
	return *out ? 0 : gic_seterr(GIC_ENOMEM, "out of memory");
}

int gic_bias_json(const struct gic_bias *b, double max_shortcut, char **out)
{
	json_t *sets = json_array();
	double best = gic_bias_max_accuracy(b, NULL, NULL);
	int limit = max_shortcut >= 0;

	for (size_t i = 0; i < b->nsets; i++)
		json_array_append_new(sets, bias_set(&b->sets[i], b->unit));
	/* exceeded: null when no rule could be scored against the limit
	 * (no set with both labels), which fails the gate all the same */
	return dump(json_pack("{s:o,s:o,s:o,s:o}", "sets", sets,
			      "max_accuracy", real_or_null(best),
			      "max_shortcut", limit ? json_real(max_shortcut) :
			      json_null(), "exceeded", limit && isnan(best) ?
			      json_null() : json_boolean(limit && !isnan(best) &&
							 best > max_shortcut)),
		    out);
}

/* meta[name] += n, name's bytes that are not UTF-8 as U+FFFD: jansson
 * refuses such a key, and a PNG text keyword is Latin-1 ("text:\xe4"
 * would be lost, leak and all).  Two keys that become one add up. */
static void add_count(json_t *meta, const char *name, uint64_t n)
{
	json_t *key = gic_json_text(name);
	const char *k = key ? json_string_value(key) : name;
	json_t *had = json_object_get(meta, k);

	json_object_set_new(meta, k, json_integer((json_int_t)n +
			    (had ? json_integer_value(had) : 0)));
	json_decref(key);
}

static json_t *prov_group(const struct gic_prov_group *g, const char *unit)
{
	json_t *meta = json_object(), *values = json_object();

	for (size_t k = 0; k < g->ncounts; k++) {
		const struct gic_prov_count *c = &g->counts[k];
		add_count(meta, c->name, c->n);
		if (c->top)
			json_object_set_new(values, c->name,
					    gic_json_text(c->top));
	}
	return json_pack("{s:o,s:s?,s:I,s:o,s:o}", "generator",
			 gic_json_text(g->group),
			 "label", g->label[0] ? g->label : NULL, unit,
			 (json_int_t)g->n, "metadata", meta, "top_values", values);
}

int gic_prov_json(const struct gic_prov *p, char **out)
{
	json_t *groups = json_array(), *features = json_array();

	for (size_t i = 0; i < p->ngroups; i++)
		json_array_append_new(groups, prov_group(&p->groups[i], p->unit));
	for (size_t i = 0; i < p->nfeatures; i++) {
		const struct gic_prov_feature *x = &p->features[i];
		json_array_append_new(features, json_pack(
			"{s:o,s:I,s:I,s:b,s:b,s:s,s:o}", "metadata",
			gic_json_text(x->name), "real",
			(json_int_t)x->real, "fake", (json_int_t)x->fake, "leak",
			x->leak, "over_max_shortcut", x->over, "gives", x->gives,
			"accuracy", real_or_null(x->accuracy)));
	}
	return dump(json_pack("{s:I,s:I,s:I,s:o,s:I,s:o,s:o}", "real",
			      (json_int_t)p->nreal, "fake", (json_int_t)p->nfake,
			      "leaks", (json_int_t)p->nleaks, "max_shortcut",
			      p->max_shortcut >= 0 ? json_real(p->max_shortcut) :
			      json_null(), "over_max_shortcut",
			      (json_int_t)p->nover, "groups", groups,
			      "features", features), out);
}
