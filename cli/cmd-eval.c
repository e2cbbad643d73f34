/*
 * cmd-eval.c - gicat eval TASK --predictions FILE: a detector's scores per
 * test set and on average, as a GenImage-style table, CSV or JSON; gicat
 * eval --matrix RUNS.tsv: the cross-generator matrix of several runs;
 * --html draws either as a heatmap.  Bad rows, predictions for images the
 * task does not score and images without a prediction are listed (the
 * first EVAL_LIST_MAX of each kind, in line order) and counted.
 */
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "cli.h"
#include "eval-sink.h"
#include "eval.h"
#include "json.h"

enum fmt { F_TABLE, F_CSV, F_JSON };

struct args {
	const char *predictions, *matrix, *html;
	double threshold;
	enum fmt fmt;
	enum gic_metric metric;
	int metric_given;
	int allow_missing;
};

/* Whether the runs may be scored; says why not, of file (at: where
 * --matrix names it, "'RUNS': line N: ", else ""). */
static int verdict(const struct gic_eval *e, const char *at, const char *file,
		   const struct args *a)
{
	size_t unlabelled = 0;

	for (int k = 0; k < e->nsets; k++)
		unlabelled += e->sets[k].unlabelled;
	for (int k = 0; k < e->nsets && (e->images || unlabelled); k++) {
		const struct gic_eval_set *s = &e->sets[k];

		/* a column of the paper's table missing from Avg: said (of
		 * every column, the catalog is said below; without
		 * --allow-missing, a missing image refuses the at, file) */
		if (!s->images)
			cli_err("gicat: eval: warning: %s'%s': set '%s' has no "
				"image: scored as n 0, and left out of avg\n",
				at, file, s->name);
		else if (s->missing == s->images && a->allow_missing &&
			 e->missing < e->images && !e->malformed)
			cli_err("gicat: eval: warning: %s'%s': set '%s' has no "
				"prediction for any of its %zu image%s: scored "
				"as n 0, and left out of avg\n", at, file, s->name,
				s->images, cli_s(s->images));
	}
	if (unlabelled)
		cli_err("eval: %s: %zu image%s of the scored sets %s no "
			"label (real or fake) and %s not scored\n",
			e->r->task->name, unlabelled, cli_s(unlabelled),
			unlabelled == 1 ? "has" : "have",
			unlabelled == 1 ? "was" : "were");
	if (e->unknown > e->originals)
		cli_err("eval: %s%s: ignored %zu row%s naming no image of "
			"the scored sets\n", at, file, e->unknown - e->originals,
			cli_s(e->unknown - e->originals));
	if (e->originals)
		cli_err("eval: %s%s: ignored %zu row%s that name%s the "
			"original of a degraded image: degraded sets are scored "
			"by the derived image's sha256 or exported path\n", at, file,
			e->originals, cli_s(e->originals),
			e->originals == 1 ? "s" : "");
	if (e->malformed) {
		cli_err("gicat: eval: %s'%s': %zu of %zu rows cannot be "
			"used; nothing scored\n", at, file, e->malformed, e->rows);
		return EXIT_PROBLEMS;
	}
	if (e->missing && !a->allow_missing && e->missing < e->images) {
		cli_err("gicat: eval: %s'%s': %zu of %zu images have no "
			"prediction (--allow-missing scores the rest)\n", at, file,
			e->missing, e->images);
		return EXIT_PROBLEMS;
	}
	if (!e->images && !unlabelled) { /* the wrong catalog, likely */
		cli_err("gicat: eval: the scored sets of %s hold no image in "
			"this catalog: nothing scored (is --catalog the one "
			"the task was split from?)\n", e->r->task->name);
		return EXIT_PROBLEMS;
	}
	if (e->images && e->missing == e->images && e->originals) {
		cli_err("gicat: eval: %s'%s': no prediction names an image "
			"of the task: %zu name%s the original of a degraded "
			"image, which the task scores by the derived image's "
			"sha256 or exported path (gicat split writes them)\n",
			at, file, e->originals, e->originals == 1 ? "s" : "");
		return EXIT_PROBLEMS;
	}
	if (e->images && e->missing == e->images && e->foreign) {
		cli_err("gicat: eval: %s'%s': no prediction names an image "
			"of the task: %zu row%s name%s files of %s's split in "
			"%s (materialization #%lld): are they predictions for "
			"%s?\n", at, file, e->foreign, cli_s(e->foreign),
			e->foreign == 1 ? "s" : "", e->foreign_task,
			e->foreign_out, (long long)e->foreign_mat,
			strcmp(e->foreign_task, e->r->task->name) ? "that task"
			: "the task as it was then");
		return EXIT_PROBLEMS;
	}
	if (e->images && e->missing == e->images && e->unrooted) {
		cli_err("gicat: eval: %s'%s': no prediction names an image "
			"of the task: %zu path%s name%s no file, though the "
			"file name begins an image's sha256: paths are "
			"relative to the export's --out ('test/NAME/...') or "
			"absolute\n", at, file, e->unrooted,
			e->unrooted == 1 ? "" : "s",
			e->unrooted == 1 ? "s" : "");
		return EXIT_PROBLEMS;
	}
	if (e->images && e->missing == e->images) {
		cli_err("gicat: eval: %s'%s': no prediction names an image "
			"of the task: nothing scored (paths are those of an "
			"export of this task by this catalog, or of its "
			"entries; is --catalog the one it was split from?)\n",
			at, file);
		return EXIT_PROBLEMS;
	}
	if (e->missing)
		cli_err("eval: %s%s: %zu of %zu images (%.1f%%) have no "
			"prediction; scored the other %zu\n", at, file, e->missing,
			e->images, gic_pct1((double)e->missing /
					    (double)e->images),
			e->images - e->missing);
	/* a weak detector misses fakes, not reals too: both far below
	 * chance is a file whose labels are swapped (a trainer on the
	 * genimage layout, where ai is class 0, writing its class index) */
	if (e->avg.nreal >= 10 && e->avg.nfake >= 10 && e->avg.real_acc < 0.2 &&
	    e->avg.fake_acc < 0.2)
		cli_err("gicat: eval: note: %s'%s': %.1f%% of reals and %.1f%% of "
			"fakes are called right: are real and fake the other "
			"way round? (gicat reads 1, 'fake' and a high score as "
			"fake; the genimage layout numbers ai as 0)\n", at, file,
			gic_pct1(e->avg.real_acc), gic_pct1(e->avg.fake_acc));
	return EXIT_OK;
}

/* ---- output ------------------------------------------------------------- */

static const char *pct(double v, char buf[32])
{
	if (isnan(v))
		return strcpy(buf, "-");
	snprintf(buf, 32, "%.1f", gic_pct1(v));
	return buf;
}

/* A row of ready text (counts) in a table, above the percentages. */
struct text_row {
	const char *label;
	char cell[GIC_TASK_MAX_SETS + 1][24];
};

/* A row's or column's title as a terminal shows it (a generator's name
 * is the user's: its control characters as \xNN). */
static const char *shown_title(const char *name, char *buf, size_t n)
{
	char raw[256];

	return gic_esc(gic_eval_title(name, raw, sizeof(raw)), buf, n);
}

/* A grid as an aligned table of percentages, under the nextra rows of
 * extra. */
static void table(const struct gic_grid *g, const char *corner,
		  const struct text_row *extra, int nextra)
{
	char t[1024], b[32];
	int lw = (int)strlen(corner), w[GIC_TASK_MAX_SETS + 1];

	for (int r = 0; r < g->nrows; r++) {
		int n = (int)cli_text_width(shown_title(g->rows[r], t,
							sizeof(t)));
		lw = n > lw ? n : lw;
	}
	for (int x = 0; x < nextra; x++)
		if ((int)strlen(extra[x].label) > lw)
			lw = (int)strlen(extra[x].label);
	printf("%-*s", lw, corner);
	for (int c = 0; c < g->ncols && c <= GIC_TASK_MAX_SETS; c++) {
		int n = (int)cli_text_width(shown_title(g->cols[c], t,
							sizeof(t)));
		w[c] = n > 5 ? n : 5;
		for (int x = 0; x < nextra; x++)
			if ((int)strlen(extra[x].cell[c]) > w[c])
				w[c] = (int)strlen(extra[x].cell[c]);
		printf("  %*s%s", w[c] - (int)cli_text_width(t) > 0 ?
		       w[c] - (int)cli_text_width(t) : 0, "", t);
	}
	putchar('\n');
	for (int x = 0; x < nextra; x++) {
		printf("%-*s", lw, extra[x].label);
		for (int c = 0; c < g->ncols && c <= GIC_TASK_MAX_SETS; c++)
			printf("  %*s", w[c], extra[x].cell[c]);
		putchar('\n');
	}
	for (int r = 0; r < g->nrows; r++) {
		cli_put_padded(stdout, shown_title(g->rows[r], t, sizeof(t)), lw);
		for (int c = 0; c < g->ncols && c <= GIC_TASK_MAX_SETS; c++)
			printf("  %*s", w[c], pct(g->v[r * g->ncols + c], b));
		putchar('\n');
	}
}

static void csv_metrics(const char *set, const struct gic_metrics *m)
{
	char b[4][32];

	printf("%s,%zu,%s,%s,%s,%s\n", set, m->n, gic_real_text(m->acc, b[0]),
	       gic_real_text(m->real_acc, b[1]), gic_real_text(m->fake_acc, b[2]),
	       gic_real_text(m->ap, b[3]));
}

static json_t *jnum(double v)
{
	return isnan(v) ? json_null() : json_real(v);
}

static json_t *json_metrics(const char *set, const struct gic_metrics *m)
{
	return json_pack("{s:s,s:I,s:I,s:I,s:o,s:o,s:o,s:o}", "set", set,
			 "n", (json_int_t)m->n, "real", (json_int_t)m->nreal,
			 "fake", (json_int_t)m->nfake, "acc", jnum(m->acc),
			 "real_acc", jnum(m->real_acc), "fake_acc",
			 jnum(m->fake_acc), "ap", jnum(m->ap));
}

static void json_eval(const struct gic_eval *e)
{
	json_t *sets = json_array();

	for (int k = 0; k < e->nsets; k++) {
		json_t *s = json_metrics(e->sets[k].name, &e->sets[k].m);
		json_object_set_new(s, "missing",
				    json_integer((json_int_t)e->sets[k].missing));
		json_array_append_new(sets, s);
	}
	out_json_doc(stdout,
		     json_pack("{s:o,s:s,s:o,s:f,s:I,s:I,s:I,s:I,s:o,s:o}",
			   "task", gic_json_text(e->r->task->name), "task_hash",
			   e->r->task_hash, "trained_on",
			   gic_json_text(e->trained_on), "threshold", e->threshold,
			   "rows", (json_int_t)e->rows, "images",
			   (json_int_t)e->images, "missing", (json_int_t)e->missing,
			   "ignored", (json_int_t)e->unknown, "sets", sets, "avg",
			   json_metrics("avg", &e->avg)));
}

static int write_html(const char *path, const struct gic_grid *g,
		      const char *title, const char *caption)
{
	char *html = NULL;
	int rc = gic_grid_html(g, title, caption, &html);

	if (rc < 0)
		return cli_fail(rc, "eval --html", path);
	rc = cli_write_text("eval --html", path, html);
	free(html);
	return rc;
}

/* ---- one task ----------------------------------------------------------- */

static int print_eval(const struct gic_eval *e, const struct args *a)
{
	struct gic_grid g;
	struct text_row counts[2] = { { .label = "n" }, { .label = "missing" } };
	char title[512], caption[512], t[256], num[32];
	int rc;

	if (a->fmt == F_CSV) {
		puts("set,n,acc,real_acc,fake_acc,ap");
		for (int k = 0; k < e->nsets; k++)
			csv_metrics(e->sets[k].name, &e->sets[k].m);
		csv_metrics("avg", &e->avg);
	} else if (a->fmt == F_JSON) {
		json_eval(e);
	}
	if (a->fmt != F_TABLE && !a->html)
		return 0;
	if ((rc = gic_eval_grid(e, &g)) < 0)
		return cli_fail(rc, "eval", NULL);
	for (int k = 0; k <= e->nsets; k++) {
		snprintf(counts[0].cell[k], sizeof(counts[0].cell[k]), "%zu",
			 k < e->nsets ? e->sets[k].m.n : e->avg.n);
		snprintf(counts[1].cell[k], sizeof(counts[1].cell[k]), "%zu",
			 k < e->nsets ? e->sets[k].missing : e->missing);
	}
	if (a->fmt == F_TABLE)  /* missing: only --allow-missing gets here */
		table(&g, "", counts, e->missing ? 2 : 1);
	snprintf(title, sizeof(title), "%s", e->r->task->name);
	snprintf(caption, sizeof(caption), "Trained on %s; scores (%%) per test "
		 "set at threshold %s (score >= threshold means fake).",
		 gic_eval_title(e->trained_on, t, sizeof(t)),
		 gic_real_text(e->threshold, num));
	if (a->html)
		rc = write_html(a->html, &g, title, caption);
	gic_grid_release(&g);
	return rc;
}

static int eval_task(const char *file, const struct args *a)
{
	struct gic_eval_opts o = { a->threshold, eval_on_problem, NULL };
	struct gic_catalog *c = NULL;
	struct gic_resolved *r = NULL;
	struct gic_task *t = NULL;
	struct gic_eval e;
	struct sink s = { .allowed = a->allow_missing };
	int rc;

	o.arg = &s;
	if ((rc = gic_task_load(file, &t)) < 0)
		return cli_fail(rc, "eval", NULL);
	if ((rc = cli_open("eval", &c)) ||
	    (a->html && (rc = cli_output_allowed(c, "eval", a->html))))
		goto out;
	/* a mistyped file is said before any degraded image is computed */
	if ((rc = gic_input_readable(a->predictions)) < 0) {
		rc = cli_fail(rc, "eval", a->predictions);
		goto out;
	}
	/* the others, a train set of millions or a degraded val beside
	 * the test sets, are neither read nor derived */
	if ((rc = cli_resolve_some("eval", c, t, gic_eval_scores,
				   cli_default_jobs(), &r)))
		goto out;
	if ((rc = cli_task_merged("eval", r)) < 0) {
		rc = cli_fail(rc, "eval", NULL);
		goto out;
	}
	rc = gic_eval_run(c, r, a->predictions, &o, &e);
	eval_sink_end(&s);
	if (rc < 0)
		rc = cli_fail(rc, "eval", e.nsets ? a->predictions : file);
	else if ((rc = verdict(&e, "", a->predictions, a)) == EXIT_OK)
		rc = print_eval(&e, a);
out:
	gic_resolved_free(r);
	gic_task_free(t);
	gic_catalog_close(c);
	return rc;
}

/* ---- the cross-generator matrix ----------------------------------------- */

struct runs {
	struct gic_run *list;
	int n;
	struct gic_task **tasks;
	struct gic_resolved **res;
	struct gic_eval *evals;
};

static void print_matrix(const struct gic_grid *g, const struct runs *rs,
			 const struct args *a)
{
	char b[32];

	if (a->fmt == F_TABLE) {
		table(g, "trained on", NULL, 0);
	} else if (a->fmt == F_CSV) {
		printf("trained_on");
		for (int c = 0; c < g->ncols; c++)
			printf(",%s", g->cols[c]);
		putchar('\n');
		for (int r = 0; r < g->nrows; r++) {
			out_csv_field(stdout, g->rows[r]);
			for (int c = 0; c < g->ncols; c++)
				printf(",%s", gic_real_text(g->v[r * g->ncols + c], b));
			putchar('\n');
		}
	} else {
		json_t *rows = json_array(), *runs = json_array();
		for (int r = 0; r < g->nrows; r++) {
			json_t *v = json_object();
			for (int c = 0; c < g->ncols; c++)
				json_object_set_new(v, g->cols[c],
						    jnum(g->v[r * g->ncols + c]));
			json_array_append_new(rows, json_pack("{s:o,s:o}",
				"trained_on", gic_json_text(g->rows[r]),
				"values", v));
		}
		for (int i = 0; i < rs->n; i++)
			json_array_append_new(runs, json_pack("{s:o,s:o,s:o}",
				"task", gic_json_text(rs->tasks[i]->name),
				"predictions",
				gic_json_text(rs->list[i].predictions),
				"trained_on",
				gic_json_text(rs->evals[i].trained_on)));
		out_json_doc(stdout, json_pack("{s:s,s:f,s:o,s:o}", "metric",
				   gic_metric_name(a->metric), "threshold",
				   a->threshold, "rows", rows, "runs", runs));
	}
}

/* Says what stopped a run (with its predictions file when they are at
 * fault) on its line; the exit code. */
static int run_failed(int rc, const struct args *a, const struct gic_run *run,
		      int predictions_at_fault)
{
	if (predictions_at_fault)
		cli_say("eval --matrix", "'%s': line %d: '%s': %s", a->matrix,
			run->line, run->predictions, gic_errmsg());
	else
		cli_say("eval --matrix", "'%s': line %d: %s", a->matrix,
			run->line, gic_errmsg());
	return cli_exit_code(rc);
}

/* Every run's predictions can be opened: a mistyped name is said before
 * any run derives its degraded images. */
static int all_readable(const struct runs *rs, const struct args *a)
{
	int rc;

	for (int i = 0; i < rs->n; i++)
		if ((rc = gic_input_readable(rs->list[i].predictions)) < 0)
			return run_failed(rc, a, &rs->list[i], 1);
	return EXIT_OK;
}

/* Loads, resolves and scores run i; returns an exit code. */
static int score_run(struct gic_catalog *c, struct runs *rs, int i,
		     const struct gic_eval_opts *o, const struct args *a)
{
	const struct gic_run *run = &rs->list[i];
	uint64_t computed, reused;
	char at[PATH_MAX + 32];
	int rc;

	if ((rc = gic_task_load(run->task, &rs->tasks[i])) < 0 ||
	    (rc = gic_task_resolve_some(c, rs->tasks[i], gic_eval_scores,
					&rs->res[i])) < 0 ||
	    (rc = gic_task_derive(c, rs->res[i], cli_default_jobs(), &computed,
				  &reused)) < 0 ||
	    (rc = cli_task_merged("eval --matrix", rs->res[i])) < 0 ||
	    (rc = gic_eval_run(c, rs->res[i], run->predictions, o,
			       &rs->evals[i])) < 0) {
		eval_sink_end(o->arg);
		return run_failed(rc, a, run, rs->evals[i].nsets);
	}
	eval_sink_end(o->arg);  /* this file's lists end before its summary */
	snprintf(at, sizeof(at), "'%s': line %d: ", a->matrix, run->line);
	return verdict(&rs->evals[i], at, run->predictions, a);
}

static int matrix_out(struct runs *rs, const struct args *a)
{
	struct gic_grid g;
	char title[128], caption[512], num[32];
	int rc;

	if ((rc = gic_eval_matrix(rs->evals, rs->n, a->metric, &g)) < 0)
		return cli_fail(rc, "eval --matrix", a->matrix);
	print_matrix(&g, rs, a);
	static const char *const what[GIC_M_COUNT] = { "accuracy",
		"accuracy on real images", "accuracy on fake images",
		"average precision" };

	snprintf(title, sizeof(title), "Cross-generator %s", what[a->metric]);
	snprintf(caption, sizeof(caption), "Rows: trained on; columns: tested "
		 "on; Avg: the means (%%; threshold %s, score >= threshold "
		 "means fake).", gic_real_text(a->threshold, num));
	if (a->html)
		rc = write_html(a->html, &g, title, caption);
	gic_grid_release(&g);
	return rc;
}

/* Lines named in a note about runs of one name, at most. */
#define SAME_LINES_MAX 10

/* "1, 3 and 5" of the first n (at most SAME_LINES_MAX) of lines, "...
 * and 4 more" when there are more (total). */
static void line_list(const int *v, int n, int total, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = 0;
	for (int k = 0; k < n && len < size; k++)
		len += (size_t)snprintf(buf + len, size - len, "%s%d", !k ? "" :
					k == n - 1 && total == n ? " and " :
					", ", v[k]);
	if (total > n && len < size)
		snprintf(buf + len, size - len, " and %d more", total - n);
}

/* Runs trained on one generator make rows of one name: said once for
 * each name, with the lines of its runs (rows keep the file's order); so
 * is a run whose row has the mean row's name. */
static void same_rows(const struct runs *rs, const char *file)
{
	char t[256], lines[160];

	for (int i = 0; i < rs->n; i++) {
		const char *name = rs->evals[i].trained_on;
		int seen = 0, same = 0, v[SAME_LINES_MAX];

		if (!strcmp(name, "avg"))
			cli_err("gicat: eval: note: '%s': line %d trains on "
				"'avg' (its task's name), as the mean row is "
				"called: the mean row is the last\n", file,
				rs->list[i].line);
		for (int j = 0; j < i && !seen; j++)
			seen = !strcmp(rs->evals[j].trained_on, name);
		for (int j = i; j < rs->n && !seen; j++)
			if (!strcmp(rs->evals[j].trained_on, name) &&
			    same++ < SAME_LINES_MAX)
				v[same - 1] = rs->list[j].line;
		if (same < 2)
			continue;
		line_list(v, same < SAME_LINES_MAX ? same : SAME_LINES_MAX,
			  same, lines, sizeof(lines));
		cli_err("gicat: eval: note: '%s': lines %s train on %s: %d "
			"rows of that name, in the file's order\n", file, lines,
			gic_eval_title(name, t, sizeof(t)), same);
	}
}

static int eval_matrix(const struct args *a)
{
	struct gic_eval_opts o = { a->threshold, eval_on_problem, NULL };
	struct gic_catalog *c = NULL;
	struct runs rs = { 0 };
	int rc, worst = EXIT_OK;

	if ((rc = gic_runs_read(a->matrix, &rs.list, &rs.n)) < 0)
		return cli_fail(rc, "eval --matrix", a->matrix);
	rs.tasks = calloc((size_t)rs.n, sizeof(*rs.tasks));
	rs.res = calloc((size_t)rs.n, sizeof(*rs.res));
	rs.evals = calloc((size_t)rs.n, sizeof(*rs.evals));
	if (!rs.tasks || !rs.res || !rs.evals)
		worst = cli_fail(gic_seterr(GIC_ENOMEM, "out of memory"),
				 "eval --matrix", NULL);
	else if ((worst = cli_open("eval", &c)) == 0 &&
		 (!a->html || (worst = cli_output_allowed(c, "eval",
							  a->html)) == 0) &&
		 (worst = all_readable(&rs, a)) == EXIT_OK)
		for (int i = 0; i < rs.n && worst != EXIT_RUNTIME; i++) {
			/* lists per file */
			struct sink s = { .allowed = a->allow_missing };
			o.arg = &s;
			if ((rc = score_run(c, &rs, i, &o, a)) > worst)
				worst = rc;
		}
	if (worst == EXIT_OK) {
		same_rows(&rs, a->matrix);
		worst = matrix_out(&rs, a);
	}
	for (int i = 0; i < rs.n; i++) {
		gic_resolved_free(rs.res ? rs.res[i] : NULL);
		gic_task_free(rs.tasks ? rs.tasks[i] : NULL);
	}
	free(rs.tasks);
	free(rs.res);
	free(rs.evals);
	gic_runs_free(rs.list, rs.n);
	gic_catalog_close(c);
	return worst;
}

/* ---- options ------------------------------------------------------------ */

static int option(int ch, const char *arg, struct args *a)
{
	int m;

	switch (ch) {
	case 'p':
		if (a->predictions)  /* the last would win, unsaid */
			return cli_usage_error("eval", "--predictions given twice: "
					       "one file a run (several runs: "
					       "--matrix)");
		a->predictions = cli_input(arg);
		return -1;
	case 'M': /* eval --matrix -h: help, not a file named -h */
		if (!strcmp(arg, "-h") || !strcmp(arg, "--help"))
			return cli_getopt_end("eval", 'h');
		a->matrix = arg;
		return -1;
	case 'H': a->html = arg; return -1;
	case 'A': a->allow_missing = 1; return -1;
	case 't':
		/* decimal, as scores are: strtod would take " 1", 0x1p-1 */
		if (!gic_decimal(arg, &a->threshold) ||
		    !(a->threshold >= 0 && a->threshold <= 1))
			return cli_usage_error("eval", "--threshold takes a number "
					       "in [0, 1], not '%s'", arg);
		return -1;
	case 'f':
		if (!strcmp(arg, "table") || !strcmp(arg, "csv") ||
		    !strcmp(arg, "json")) {
			a->fmt = arg[0] == 't' ? F_TABLE : arg[0] == 'c' ? F_CSV :
				 F_JSON;
			return -1;
		}
		return cli_usage_error("eval", "--format is table, csv or json, "
				       "not '%s'%s", arg, cli_meant(arg,
				       (const char *[]){ "table", "csv", "json",
							 NULL }));
	case 'm':
		if ((m = gic_metric_from_name(arg)) < 0)
			return cli_usage_error("eval", "--metric is acc, real_acc, "
					       "fake_acc or ap, not '%s'%s", arg,
					       cli_meant(arg, (const char *[]){
						"acc", "real_acc", "fake_acc",
						"ap", NULL }));
		a->metric = (enum gic_metric)m;
		a->metric_given = 1;
		return -1;
	default:
		return cli_getopt_end("eval", ch);
	}
}

/* eval TASK FILE, or FILE TASK: the predictions file named without its
 * option; the one that ends as predictions do (.csv, .jsonl) is it. */
static int two_args(char **v)
{
	static const char *const ends[] = { ".csv", ".jsonl", ".json", ".tsv",
					    ".txt" };
	int first = 0;

	for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
		size_t n = strlen(v[0]), e = strlen(ends[i]);

		first |= n > e && !strcasecmp(v[0] + n - e, ends[i]);
	}
	return cli_usage_error("eval", "the predictions file goes after "
			       "--predictions: gicat eval %s --predictions %s",
			       v[first], v[!first]);
}

int cmd_eval(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "predictions", 1, 0, 'p' }, { "matrix", 1, 0, 'M' },
		{ "threshold", 1, 0, 't' }, { "format", 1, 0, 'f' },
		{ "html", 1, 0, 'H' }, { "allow-missing", 0, 0, 'A' },
		{ "metric", 1, 0, 'm' }, { "help", 0, 0, 'h' }, { 0 } };
	struct args a = { .threshold = GIC_EVAL_THRESHOLD, .fmt = F_TABLE,
			  .metric = GIC_M_ACC };
	int ch, rc;

	while ((ch = cli_getopt(argc, argv, "hp:t:f:", opts, NULL)) != -1)
		if ((rc = option(ch, optarg, &a)) >= 0)
			return rc;
	if (a.matrix)
		return argc == optind && !a.predictions ? eval_matrix(&a) :
		       cli_usage_error("eval", "--matrix takes no TASK and no "
				       "--predictions");
	if (argc - optind == 1 && !a.predictions)
		return cli_usage_error("eval", "--predictions FILE is required "
				       "(CSV or JSONL: sha256 or path, and "
				       "score or pred)");
	if (argc - optind == 2 && !a.predictions)
		return two_args(argv + optind);
	if (argc - optind != 1)
		return cli_usage_error("eval", "expected TASK --predictions FILE");
	if (a.metric_given)
		return cli_usage_error("eval", "--metric is for --matrix (a run "
				       "shows every metric)");
	return eval_task(argv[optind], &a);
}
