/*
 * audit-license.c - gicat audit license: entries per license id with its
 * flags, then one row per problem (forbidden for --use, unlicensed,
 * unknown), as a table or one JSON document, and the HTML page.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "audit-cli.h"
#include "cli.h"
#include "json.h"

#define HTML_ROWS 500   /* problem rows an HTML license report shows */

struct lic_out {
	const struct aopts *o;
	uint64_t n;
	struct gic_license_row *keep;   /* copies for the HTML page */
	size_t nkeep;
};

static void tally_table(const struct gic_license_audit *a)
{
	printf("%-24s %9s  %-10s %-14s %-11s %-11s %s\n", "license", a->unit,
	       "commercial", "redistribution", "attribution", "share_alike",
	       a->use == GIC_USE_NONE ? "terms" : "verdict");
	for (size_t i = 0; i < a->nids; i++) {
		const struct gic_license_tally *t = &a->ids[i];
		const struct gic_license *l = t->lic;
		char id[256];
		printf("%-24s %9llu  %-10s %-14s %-11s %-11s %s\n",
		       gic_esc(t->id, id, sizeof(id)),
		       (unsigned long long)t->entries,
		       l ? (l->commercial ? "yes" : "no") : "?",
		       l ? (l->redistribution ? "yes" : "no") : "?",
		       l ? (l->attribution ? "yes" : "no") : "?",
		       l ? (l->share_alike ? "yes" : "no") : "?",
		       t->unknown ? "unknown" : a->use == GIC_USE_NONE ? "known" :
		       t->allowed ? "allowed" : "forbidden");
	}
	if (a->unlicensed)
		printf("%-24s %9llu\n", "(no license)",
		       (unsigned long long)a->unlicensed);
}

/* The text of o (released), or NULL. */
static char *dumps(json_t *o, size_t flags)
{
	char *t = gic_json_dumps(o, flags | JSON_PRESERVE_ORDER);

	json_decref(o);
	return t;
}

static json_t *row_json(const struct gic_license_row *r)
{
	/* names and paths as they are, bytes not UTF-8 as U+FFFD (json_pack
	 * fails on them, and the row would be lost) */
	return json_pack("{s:s,s:o,s:o,s:o,s:o,s:s,s:o,s:o,s:o}", "problem",
			 gic_license_problem_name(r->problem), "ids",
			 gic_json_text(r->detail), "set", gic_json_text(r->set),
			 "generator", gic_json_text(r->group), "label",
			 gic_json_text(r->label), "sha256", r->sha256,
			 "dataset", gic_json_text(r->dataset), "path",
			 gic_json_text(r->path), "license",
			 gic_json_text(r->license));
}

static const char *dup(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int keep_row(struct lic_out *w, const struct gic_license_row *r)
{
	if (!w->keep && !(w->keep = calloc(HTML_ROWS, sizeof(*w->keep))))
		return -1;
	w->keep[w->nkeep++] = (struct gic_license_row){
		.problem = r->problem, .detail = dup(r->detail),
		.set = dup(r->set), .group = dup(r->group),
		.label = dup(r->label), .sha256 = dup(r->sha256),
		.dataset = dup(r->dataset), .path = dup(r->path),
		.license = dup(r->license) };
	return 0;
}

static void free_kept(struct lic_out *w)
{
	for (size_t i = 0; i < w->nkeep; i++) {
		struct gic_license_row *k = &w->keep[i];
		const char *v[] = { k->detail, k->set, k->group, k->label,
				    k->sha256, k->dataset, k->path, k->license };
		for (int j = 0; j < 8; j++)
			free((char *)v[j]);
	}
	free(w->keep);
}

static int on_row(void *arg, const struct gic_license_row *r)
{
	struct lic_out *w = arg;

	if (w->o->json) {
		char *t = dumps(row_json(r), JSON_COMPACT);

		if (!t)
			return gic_seterr(GIC_ENOMEM, "out of memory");
		printf("%s    %s", w->n ? ",\n" : "", t);
		free(t);
	} else {
		/* the two columns of any width last: path, then the ids at fault */
		if (!w->n)
			printf("\n%-10s %s%-12s %-5s  %s  [%s]\n", "problem",
			       w->o->task_file ? "set              " : "",
			       "generator", "label", "path", "ids");
		char g[96], path[4 * 4096], d[512];

		printf("%-10s ", gic_license_problem_name(r->problem));
		if (w->o->task_file)
			printf("%-16s ", r->set);
		printf("%-12s %-5s  %s  [%s]\n", gic_esc(r->group, g, sizeof(g)),
		       r->label ? r->label : "-",
		       r->path ? gic_esc(r->path, path, sizeof(path)) : "-",
		       r->detail ? gic_esc(r->detail, d, sizeof(d)) : "-");
	}
	w->n++;
	if (w->o->html && w->nkeep < HTML_ROWS && keep_row(w, r) < 0)
		return gic_seterr(GIC_ENOMEM, "out of memory");
	return 0;
}

/* JSON: the summary, then the problem rows streamed into its array. */
static void json_head(const struct gic_license_audit *a)
{
	json_t *ids = json_array();
	char *t;
	size_t n;

	for (size_t i = 0; i < a->nids; i++)
		json_array_append_new(ids, json_pack("{s:o,s:I,s:b,s:b}", "id",
			gic_json_text(a->ids[i].id), a->unit, (json_int_t)a->ids[i].entries,
			"registered", a->ids[i].lic != NULL, "allowed",
			/* LicenseRef-Unknown allows nothing: it is a problem */
			a->ids[i].allowed && !a->ids[i].unknown));
	t = dumps(json_pack("{s:s?,s:I,s:I,s:I,s:I,s:o}", "use",
				 a->use == GIC_USE_NONE ? NULL :
				 gic_use_name(a->use), a->unit,
				 (json_int_t)a->entries, "forbidden",
				 (json_int_t)a->forbidden, "unlicensed",
				 (json_int_t)a->unlicensed, "unknown",
				 (json_int_t)a->unknown, "licenses", ids),
		  JSON_INDENT(2));
	/* the object without its closing brace, to go on with "problems" */
	n = t ? strlen(t) : 0;
	if (n && t[n - 1] == '}')
		n--;
	while (n && (t[n - 1] == '\n' || t[n - 1] == ' '))
		n--;
	printf("%.*s,\n  \"problems\": [\n", (int)n, t ? t : "{");
	free(t);
}

int cli_audit_license(struct gic_catalog *c, struct aopts *o)
{
	struct gic_license_audit a;
	struct lic_out w = { .o = o };
	char *html = NULL;
	int errcol = 0, rc;

	if ((rc = gic_license_audit(c, &o->src, o->use, &a, &errcol)) < 0)
		return cli_audit_failed(o, rc, errcol);
	if (o->json)
		json_head(&a);
	else if (a.entries)  /* no tables of nothing */
		tally_table(&a);
	rc = gic_license_audit_rows(&a, on_row, &w);
	if (o->json)
		printf("%s  ]\n}\n", w.n ? "\n" : "");
	if (rc == 0 && o->html &&
	    (rc = gic_license_html(&a, w.keep, w.nkeep, o->title, &html)) == 0)
		rc = cli_audit_html(o->html, html) ? GIC_EIO : 0;
	if (a.entries)
		cli_err("audit license: %llu %s%s%s: %llu forbidden, %llu "
			"without a license, %llu with an unknown license\n",
			(unsigned long long)a.entries, a.unit,
			o->use ? " for " : "",
			o->use ? gic_use_name(o->use) : "",
			(unsigned long long)a.forbidden,
			(unsigned long long)a.unlicensed,
			(unsigned long long)a.unknown);
	if (rc < 0 && rc != GIC_EIO)
		rc = cli_fail(rc, "audit license", NULL);
	else if (rc == 0 && !a.entries)
		rc = cli_audit_nothing(c, o, "license");
	else if (rc == 0)
		rc = a.forbidden || a.unlicensed || a.unknown ? EXIT_PROBLEMS
							       : EXIT_OK;
	else
		rc = EXIT_RUNTIME;
	free(html);
	free_kept(&w);
	gic_license_audit_release(&a);
	return rc;
}
