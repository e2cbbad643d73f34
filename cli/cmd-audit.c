/*
 * cmd-audit.c - gicat audit license|provenance|bias [options] [EXPR]:
 *   license     counts per license, every entry whose licenses forbid
 *               --use, entries with no or an unknown license (exit 1 when
 *               any);
 *   provenance  metadata per generator and label, and the metadata that
 *               gives the label away (exit 1 when any, or when metadata
 *               both labels carry points to one over --max-shortcut);
 *   bias        formats, JPEG quality, sizes, subsampling and metadata per
 *               generator and label, and the accuracy of trivial rules
 *               (exit 1 when one exceeds --max-shortcut).
 * EXPR selects entries; --task FILE audits a task's sets as exported.
 * The license audit is in audit-license.c.
 * Tables or JSON on stdout, an HTML page with --html, a summary on stderr.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "audit.h"
#include "audit-cli.h"
#include "cli.h"
#include "json.h"

/* pct of limit max, exceeded by a score printed as acc: as given when
 * the two would print alike (0.9999 under 100%). */
static const char *limit_pct(char *buf, size_t size, double max,
			     const char *acc)
{
	snprintf(buf, size, "%.1f%%", gic_pct1(max));
	if (!strcmp(buf, acc))
		snprintf(buf, size, "%.10g%%", 100 * max);
	return buf;
}

static int expr_error(const char *expr, int errcol)
{
	return cli_expr_error("audit", expr, errcol);
}

/* Maps a library failure to the message and exit code. */
int cli_audit_failed(const struct aopts *o, int rc, int errcol)
{
	if (rc == GIC_EUSAGE && errcol)
		return expr_error(o->expr, errcol);
	return cli_fail(rc, "audit", o->task_file);
}

static void pct(char *buf, size_t size, double v)
{
	if (isnan(v))
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.1f%%", gic_pct1(v));
}

int cli_audit_html(const char *path, const char *text)
{
	return cli_write_text("audit --html", path, text);
}

/* A JSON document and its newline; a failed write (its reason kept) is
 * reported when the command ends. */
static void put_doc(const char *text)
{
	if (cli_write_stdout(text, strlen(text)) == 0)
		cli_write_stdout("\n", 1);
}

/* An audit of nothing passes nothing: a mistyped EXPR (dataset =
 * GenImage) must not turn a gate green. */
int cli_audit_nothing(struct gic_catalog *c, const struct aopts *o,
		      const char *what)
{
	char cmd[32];

	cli_err("gicat: audit %s: %s: nothing was audited\n", what,
		o->src.task ? "the task's sets hold no images" :
		"the selection matches no entries");
	snprintf(cmd, sizeof(cmd), "audit %s", what);
	if (!o->src.task)
		cli_select_hint(cmd, c, o->src.expr);
	return EXIT_PROBLEMS;
}

/* ---- bias ----------------------------------------------------------- */

/* Width of the set column: its longest name; 0 without sets. */
static int set_width(const struct gic_bias *b, int sets)
{
	int w = 3;

	for (size_t i = 0; sets && i < b->nsets; i++)
		if ((int)strlen(b->sets[i].name) > w)
			w = (int)strlen(b->sets[i].name);
	return sets ? w : 0;
}

/* The set column (nothing without sets). */
static void set_cell(int width, const char *name)
{
	if (width)
		printf("%-*s  ", width, name);
}

static void bias_rules(const struct gic_bias *b, int sets)
{
	char acc[16], ra[16], fa[16];
	int sw = set_width(b, sets);

	set_cell(sw, "set");
	printf("%-52s %8s %8s %8s\n", "rule", "accuracy", "real", "fake");
	for (size_t i = 0; i < b->nsets; i++)
		for (int k = 0; k < GIC_BIAS_NRULES; k++) {
			const struct gic_rule_score *r = &b->sets[i].rules[k];
			pct(acc, sizeof(acc), r->accuracy);
			pct(ra, sizeof(ra), r->real_acc);
			pct(fa, sizeof(fa), r->fake_acc);
			set_cell(sw, b->sets[i].name);
			printf("%-52s %8s %8s %8s\n", r->text[0] ? r->text : r->id,
			       acc, ra, fa);
		}
}

static void bias_groups(const struct gic_bias *b, int sets)
{
	int sw = set_width(b, sets);

	putchar('\n');
	set_cell(sw, "set");
	printf("%-12s %-5s %7s %7s %7s %-7s %-9s %6s", "generator", "label",
	       b->unit, "png", "jpeg", "quality", "side", "4:2:0");
	for (int m = 0; m < GIC_BIAS_META; m++)
		printf(" %5s", gic_bias_meta_names[m]);
	putchar('\n');
	for (size_t i = 0; i < b->nsets; i++)
		for (size_t j = 0; j < b->sets[i].ngroups; j++) {
			const struct gic_bias_group *g = &b->sets[i].groups[j];
			char q[16] = "-", side[24], gen[96];
			if (g->jpeg)
				snprintf(q, sizeof(q), "%d-%d", g->qmin, g->qmax);
			snprintf(side, sizeof(side), "%u-%u", g->smin, g->smax);
			set_cell(sw, b->sets[i].name);
			cli_put_padded(stdout, gic_esc(g->group, gen,
						       sizeof(gen)), 12);
			printf(" %-5s %7llu %7llu %7llu %-7s %-9s %6llu",
			       g->label[0] ? g->label : "-",
			       (unsigned long long)g->n, (unsigned long long)g->png,
			       (unsigned long long)g->jpeg, q, side,
			       (unsigned long long)g->sub[0]);
			for (int m = 0; m < GIC_BIAS_META; m++)
				printf(" %5llu", (unsigned long long)g->meta[m]);
			putchar('\n');
		}
}

/* "94-96:7 100:1": a histogram's non-empty bins, or "-". */
static const char *bins(const uint64_t *v, const char *const *names, int n,
			char *buf, size_t size)
{
	size_t len = 0;

	snprintf(buf, size, "-");
	for (int k = 0; k < n; k++)
		if (v[k])
			gic_appendf(buf, size, &len, "%s%s:%llu", len ? " " : "",
				    names[k], (unsigned long long)v[k]);
	return buf;
}

/* The histograms behind the ranges of bias_groups. */
static void bias_hists(const struct gic_bias *b, int sets)
{
	char q[256], side[256], head[2][64];
	int sw = set_width(b, sets);

	printf("\n");
	set_cell(sw, "set");
	snprintf(head[0], sizeof(head[0]), "jpeg quality (bin:%s)", b->unit);
	snprintf(head[1], sizeof(head[1]), "short side (bin:%s)", b->unit);
	printf("%-12s %-5s %-36s %s\n", "generator", "label", head[0], head[1]);
	for (size_t i = 0; i < b->nsets; i++)
		for (size_t j = 0; j < b->sets[i].ngroups; j++) {
			const struct gic_bias_group *g = &b->sets[i].groups[j];
			char gen[96];

			set_cell(sw, b->sets[i].name);
			cli_put_padded(stdout, gic_esc(g->group, gen,
						       sizeof(gen)), 12);
			printf(" %-5s %-36s %s\n",
			       g->label[0] ? g->label : "-",
			       bins(g->quality, gic_bias_qbin_names,
				    GIC_BIAS_QBINS, q, sizeof(q)),
			       bins(g->side, gic_bias_sbin_names,
				    GIC_BIAS_SBINS, side, sizeof(side)));
		}
}

/* --max-shortcut given where no score could be made: not a pass. */
static int unchecked_shortcut(const char *audit)
{
	cli_err("gicat: audit %s: --max-shortcut cannot be checked "
		"without both real and fake images\n", audit);
	return EXIT_PROBLEMS;
}

static uint64_t bias_images(const struct gic_bias *b)
{
	uint64_t n = 0;

	for (size_t i = 0; i < b->nsets; i++)
		for (size_t j = 0; j < b->sets[i].ngroups; j++)
			n += b->sets[i].groups[j].n;
	return n;
}

static int audit_bias(struct gic_catalog *c, struct aopts *o)
{
	const struct gic_bias_set *set = NULL;
	const struct gic_rule_score *rule = NULL;
	struct gic_bias b;
	char *text = NULL, acc[16];
	int errcol = 0, rc, none;
	double best;

	if ((rc = gic_audit_bias(c, &o->src, &b, &errcol)) < 0)
		return cli_audit_failed(o, rc, errcol);
	none = !bias_images(&b);  /* no tables of nothing: one message */
	if (o->json && (rc = gic_bias_json(&b, o->max_shortcut, &text)) == 0)
		put_doc(text);
	if (!o->json && !none) {
		bias_rules(&b, o->task_file != NULL);
		bias_groups(&b, o->task_file != NULL);
		bias_hists(&b, o->task_file != NULL);
	}
	free(text);
	text = NULL;
	if (rc == 0 && o->html &&
	    (rc = gic_bias_html(&b, o->title, o->max_shortcut, &text)) == 0 &&
	    cli_audit_html(o->html, text))
		rc = GIC_EIO;
	best = gic_bias_max_accuracy(&b, &set, &rule);
	pct(acc, sizeof(acc), best);
	if (rule)
		cli_err("audit bias: best trivial rule: %s scores %s%s%s\n",
			rule->text, acc, o->task_file ? " on " : "",
			o->task_file ? set->name : "");
	else if (!none)
		cli_err("audit bias: no rule scored: no set has both "
			"real and fake images\n");
	if (rc < 0)
		rc = rc == GIC_EIO ? EXIT_RUNTIME : cli_fail(rc, "audit bias", NULL);
	else if (none)
		rc = cli_audit_nothing(c, o, "bias");
	else if (o->max_shortcut >= 0 && isnan(best))
		rc = unchecked_shortcut("bias");
	else if (o->max_shortcut >= 0 && best > o->max_shortcut) {
		char lim[32];
		limit_pct(lim, sizeof(lim), o->max_shortcut, acc);
		cli_err("gicat: audit bias: %s scores %s, over "
			"--max-shortcut %s: a detector could learn that instead "
			"of the pixels\n", rule->text, acc, lim);
		rc = EXIT_PROBLEMS;
	} else {
		rc = EXIT_OK;
	}
	free(text);
	gic_bias_release(&b);
	return rc;
}

/* ---- provenance ----------------------------------------------------- */

static void prov_groups(const struct gic_prov *p)
{
	printf("%-12s %-5s %7s", "generator", "label", p->unit);
	char e[1024];

	for (int k = 0; k < GIC_PROV_FIXED && p->ngroups; k++)
		printf(" %s", p->groups[0].counts[k].name);
	printf(" %s\n", "(text keys; most common values)");
	for (size_t i = 0; i < p->ngroups; i++) {
		const struct gic_prov_group *g = &p->groups[i];
		const char *sep = " ";

		cli_put_padded(stdout, gic_esc(g->group, e, sizeof(e)), 12);
		printf(" %-5s %7llu", g->label[0] ? g->label : "-",
		       (unsigned long long)g->n);
		for (int k = 0; k < GIC_PROV_FIXED; k++)
			printf(" %*llu", (int)strlen(g->counts[k].name),
			       (unsigned long long)g->counts[k].n);
		for (size_t k = GIC_PROV_FIXED; k < g->ncounts; k++, sep = "; ")
			printf("%s%s %llu", sep,
			       gic_esc(g->counts[k].name, e, sizeof(e)),
			       (unsigned long long)g->counts[k].n);
		for (int k = 0; k < GIC_PROV_FIXED; k++)
			if (g->counts[k].top) {
				printf("%s%s=%s", sep, g->counts[k].name,
				       gic_esc(g->counts[k].top, e, sizeof(e)));
				sep = "; ";
			}
		putchar('\n');
	}
}

static void prov_features(const struct gic_prov *p)
{
	char acc[16], name[1024], lim[32];

	printf("\n%-28s %8s %8s  %s\n", "metadata", "real", "fake", "verdict");
	if (!p->nfeatures && (p->nreal || p->nfake))
		printf("(no real or fake %s carry any of this metadata)\n",
		       p->unit);
	else if (!p->nfeatures)  /* unlabelled images only */
		printf("(no real or fake %s audited: nothing judged)\n",
		       p->unit);
	for (size_t i = 0; i < p->nfeatures; i++) {
		const struct gic_prov_feature *x = &p->features[i];
		pct(acc, sizeof(acc), x->accuracy);
		printf("%-28s %8llu %8llu  ", gic_esc(x->name, name, sizeof(name)),
		       (unsigned long long)x->real, (unsigned long long)x->fake);
		if (x->leak)
			printf("LABEL LEAK: only %s %s carry it (\"present "
			       "=> %s\" scores %s)\n", x->gives, p->unit, x->gives,
			       acc);
		else if (!p->nreal || !p->nfake)
			printf("not judged: no %s %s audited\n",
			       p->nreal ? "fake" : "real", p->unit);
		else if (x->over)
			printf("SHORTCUT: \"present => %s\" scores %s, over "
			       "--max-shortcut %s\n", x->gives, acc,
			       limit_pct(lim, sizeof(lim), p->max_shortcut,
					 acc));
		else
			printf("both labels (\"present => %s\" scores %s)\n",
			       x->gives, acc);
	}
}

static int audit_prov(struct gic_catalog *c, struct aopts *o)
{
	struct gic_prov p;
	char *text = NULL;
	int errcol = 0, rc;

	if ((rc = gic_audit_prov(c, &o->src, &p, &errcol)) < 0)
		return cli_audit_failed(o, rc, errcol);
	if (o->max_shortcut >= 0)
		gic_prov_limit(&p, o->max_shortcut);
	if (o->json && (rc = gic_prov_json(&p, &text)) == 0)
		put_doc(text);
	if (!o->json && p.ngroups) {  /* no tables of nothing */
		prov_groups(&p);
		prov_features(&p);
	}
	free(text);
	text = NULL;
	if (rc == 0 && o->html && (rc = gic_prov_html(&p, o->title, &text)) == 0 &&
	    cli_audit_html(o->html, text))
		rc = GIC_EIO;
	if (p.ngroups) {
		cli_err("audit provenance: %llu real, %llu fake %s; %zu "
			"kind%s of metadata, %zu label leak%s",
			(unsigned long long)p.nreal, (unsigned long long)p.nfake,
			p.unit, p.nfeatures, cli_s(p.nfeatures), p.nleaks,
			cli_s(p.nleaks));
		if (o->max_shortcut >= 0)
			cli_err(", %zu more over --max-shortcut %.10g%%",
				p.nover, 100 * o->max_shortcut);
		fputc('\n', stderr);
	}
	rc = rc == GIC_EIO ? EXIT_RUNTIME :
	     rc < 0 ? cli_fail(rc, "audit provenance", NULL) :
	     !p.ngroups ? cli_audit_nothing(c, o, "provenance") :
	     p.nleaks || p.nover ? EXIT_PROBLEMS :
	     o->max_shortcut >= 0 && (!p.nreal || !p.nfake) ?
	     unchecked_shortcut("provenance") : EXIT_OK;
	free(text);
	gic_prov_release(&p);
	return rc;
}

/* ---- options -------------------------------------------------------- */

static int parse_opt(struct aopts *o, int ch, const char *arg)
{
	switch (ch) {
	case 't':
		if (o->task_file)  /* the last would win, unsaid */
			return cli_usage_error("audit", "--task given twice: one "
					       "task an audit (several: one "
					       "audit each)");
		o->task_file = arg;
		return -1;
	case 'H': o->html = arg; return -1;
	case 'f':
		if (strcmp(arg, "table") && strcmp(arg, "json"))
			return cli_usage_error("audit", "--format is table or "
					       "json, not '%s'%s", arg,
					       cli_meant(arg, (const char *[])
					       { "table", "json", NULL }));
		o->json = !strcmp(arg, "json");
		return -1;
	case 'u':
		if (o->use != GIC_USE_NONE)
			return cli_usage_error("audit", "--use given twice: one "
					       "use an audit (several: one "
					       "audit each)");
		if (gic_use_from_name(arg, &o->use) < 0)
			return cli_usage_error("audit", "%s", gic_errmsg());
		return -1;
	case 'm':
		if (!gic_decimal(arg, &o->max_shortcut) ||
		    !(o->max_shortcut >= 0 && o->max_shortcut <= 1))
			return cli_usage_error("audit", "--max-shortcut is an "
					       "accuracy from 0 to 1, not '%s'",
					       arg);
		return -1;
	default:
		return cli_getopt_end("audit", ch);
	}
}

/* What the subcommand accepts: refuses options meant for another one. */
static int check_opts(const struct aopts *o)
{
	int lic = !strcmp(o->sub, "license"), bias = !strcmp(o->sub, "bias");

	if (!lic && !bias && strcmp(o->sub, "provenance"))
		return cli_usage_error("audit", "no audit '%s' (license, "
				       "provenance or bias)%s", o->sub,
				       cli_meant(o->sub, (const char *[]){
				       "license", "provenance", "bias", NULL }));
	if (o->use != GIC_USE_NONE && !lic)
		return cli_usage_error("audit", "--use is for 'audit license'");
	if (o->max_shortcut >= 0 && lic)
		return cli_usage_error("audit", "--max-shortcut is for 'audit "
				       "bias' and 'audit provenance'");
	if (o->task_file && o->expr)
		return cli_usage_error("audit", "give EXPR or --task, not both");
	return 0;
}

/* Loads and resolves --task, and names what is audited. */
static int load_source(struct gic_catalog *c, struct aopts *o)
{
	size_t nwarnings;
	int rc;

	o->src.expr = o->expr;
	snprintf(o->title, sizeof(o->title), "gicat audit %s: %s", o->sub,
		 o->expr && *o->expr ? o->expr : "all entries");
	if (!o->task_file)
		return 0;
	if ((rc = gic_task_load(o->task_file, &o->task)) < 0)
		return cli_fail(rc, "audit", NULL);  /* it names the file */
	/* the sets as exported: degraded images computed (or reused) */
	if ((rc = cli_resolve("audit", c, o->task, cli_default_jobs(), &o->r)))
		return rc;
	/* what split would warn about: empty sets audit nothing */
	if ((rc = cli_task_warnings("audit", c, o->r, &nwarnings)))
		return rc;
	o->src.task = o->r;
	snprintf(o->title, sizeof(o->title), "gicat audit %s: task %s", o->sub,
		 o->task->name ? o->task->name : o->task_file);
	return 0;
}

int cmd_audit(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "task", 1, 0, 't' }, { "format", 1, 0, 'f' },
		{ "html", 1, 0, 'H' }, { "use", 1, 0, 'u' },
		{ "max-shortcut", 1, 0, 'm' }, { "help", 0, 0, 'h' }, { 0 } };
	struct aopts o = { .max_shortcut = -1 };
	struct gic_catalog *c = NULL;
	int ch, rc;

	while ((ch = cli_getopt(argc, argv, "hf:", opts, NULL)) != -1)
		if ((rc = parse_opt(&o, ch, optarg)) >= 0)
			return rc;
	if (optind >= argc)
		return cli_usage_error("audit", "expected 'license', 'provenance' "
				       "or 'bias'");
	o.sub = argv[optind++];
	if (optind < argc && !(o.expr = cli_join_args(argc - optind,
						      argv + optind)))
		return EXIT_RUNTIME;
	if ((rc = check_opts(&o)) || (rc = cli_open("audit", &c)) ||
	    (o.html && (rc = cli_output_allowed(c, "audit", o.html))) ||
	    (rc = load_source(c, &o)))
		goto out;
	if (!strcmp(o.sub, "license"))
		rc = cli_audit_license(c, &o);
	else if (!strcmp(o.sub, "bias"))
		rc = audit_bias(c, &o);
	else
		rc = audit_prov(c, &o);
out:
	gic_resolved_free(o.r);
	gic_task_free(o.task);
	gic_catalog_close(c);
	free(o.expr);
	return rc;
}
