/*
 * test-eval.c - eval's arithmetic and readers: accuracy and average
 * precision on small lists computed by hand (ties, one-class sets, the
 * threshold edge), the Avg column, GenImage's names and order, prediction
 * files (CSV and JSONL, every bad row reported with its line), run lists,
 * the cross-generator grid and the HTML page.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "testdata.h"

#include "eval.h"
#include "json.h"

#define S(score, fake) { score, fake, 0 }
#define N(a) (sizeof(a) / sizeof((a)[0]))

static void near_(double got, double want, const char *file, int line)
{
	if (isnan(want) && isnan(got))
		return;
	if (isnan(want) != isnan(got) || fabs(got - want) > 1e-12)
		print_error("expected %.17g, got %.17g\n", want, got);
	_assert_true(!isnan(want) == !isnan(got) && !(fabs(got - want) > 1e-12),
		     "value", file, line);
}
#define near(got, want) near_(got, want, __FILE__, __LINE__)

static void ap_by_hand(void **state)
{
	/* fakes above reals: every threshold keeps precision 1 */
	struct gic_scored a[] = { S(0.9, 1), S(0.8, 1), S(0.2, 0), S(0.1, 0) };
	/* 0.9 -> R 1/2 P 1; tie at 0.5 enters whole -> R 1 P 2/3 */
	struct gic_scored b[] = { S(0.5, 0), S(0.9, 1), S(0.1, 0), S(0.5, 1) };
	/* scikit-learn's docstring: y = 0 0 1 1, s = .1 .4 .35 .8 -> 0.8333 */
	struct gic_scored c[] = { S(0.1, 0), S(0.4, 0), S(0.35, 1), S(0.8, 1) };
	/* one tie over everything: P = 2/5 at R = 1 */
	struct gic_scored d[] = { S(0.5, 0), S(0.5, 1), S(0.5, 0), S(0.5, 1),
				  S(0.5, 0) };
	/* the fake at the bottom: 0.9 R 0 P 0, 0.1 R 1 P 1/2 */
	struct gic_scored e[] = { S(0.1, 1), S(0.9, 0) };
	/* R 1/3 P 1, (tie) R 2/3 P 2/4, R 1 P 3/5 */
	struct gic_scored f[] = { S(1, 1), S(0.7, 0), S(0.7, 1), S(0.7, 0),
				  S(0.2, 1) };

	(void)state;
	near(gic_average_precision(a, N(a)), 1);
	near(gic_average_precision(b, N(b)), 0.5 + 0.5 * 2.0 / 3);
	near(gic_average_precision(c, N(c)), 0.5 + 0.5 * 2.0 / 3);
	near(gic_average_precision(d, N(d)), 0.4);
	near(gic_average_precision(e, N(e)), 0.5);
	near(gic_average_precision(f, N(f)), 1.0 / 3 + 1.0 / 3 * 0.5 +
	     1.0 / 3 * 0.6);
}

/* scikit-learn adds the terms from the lowest threshold up, with NumPy's
 * pairwise summation; these results are its to the last bit. */
static void ap_is_scikit_learns_to_the_bit(void **state)
{
	struct gic_scored v[300];
	char got[32];

	(void)state;
	for (int i = 0; i < 300; i++)   /* scores 0, .01 .. .99: many ties */
		v[i] = (struct gic_scored){ (i * 37 % 100) / 100.0,
					    (i * 7 % 11) < 5, 0 };
	/* average_precision_score([int(i * 7 % 11 < 5) for i in range(300)],
	 *                         [i * 37 % 100 / 100 for i in range(300)]) */
	assert_string_equal(gic_real_text(gic_average_precision(v, 300), got),
			    "0.4435351438834093");
}

/* Distinct scores, so that the terms are as many as the images: NumPy
 * splits a sum of more than 128 in halves, and one of more than 8192 in
 * blocks of 8192 added one after another. */
static void ap_of_many_distinct_scores_is_scikit_learns(void **state)
{
	/* s = [(i * 2654435761 % 2**32) / 2**32 for i in range(n)]
	 * y = [int(i * 7 % 11 < 5) for i in range(n)]
	 * average_precision_score(y, s) (scikit-learn 1.2.1, NumPy 1.24) */
	static const struct { size_t n; const char *ap; } want[] = {
		{ 129, "0.5282625407287544" },
		{ 8193, "0.45583816015059403" },
		{ 10000, "0.4574728045787199" },
		{ 65536, "0.4550349283037561" },
		{ 100000, "0.45459065073198623" },
	};
	struct gic_scored *v = calloc(100000, sizeof(*v));
	char got[32];

	(void)state;
	assert_non_null(v);
	for (size_t k = 0; k < N(want); k++) {
		for (size_t i = 0; i < want[k].n; i++)
			v[i] = (struct gic_scored){
				(double)(uint32_t)(i * 2654435761u) / 4294967296.0,
				i * 7 % 11 < 5, 0 };
		assert_string_equal(gic_real_text(gic_average_precision(
				v, want[k].n), got), want[k].ap);
	}
	free(v);
}

static void ap_ignores_input_order_within_ties(void **state)
{
	struct gic_scored x[] = { S(0.5, 1), S(0.5, 0), S(0.5, 0), S(0.2, 1) };
	struct gic_scored y[] = { S(0.5, 0), S(0.5, 0), S(0.2, 1), S(0.5, 1) };

	(void)state;
	/* tie: R 1/2 P 1/3; then R 1 P 2/4 */
	near(gic_average_precision(x, N(x)), 0.5 / 3 + 0.25);
	near(gic_average_precision(y, N(y)), 0.5 / 3 + 0.25);
}

static void one_class_has_no_ap(void **state)
{
	struct gic_scored fakes[] = { S(0.9, 1), S(0.1, 1) };
	struct gic_scored reals[] = { S(0.9, 0), S(0.1, 0) };
	struct gic_metrics m;

	(void)state;
	near(gic_average_precision(fakes, 2), NAN);
	near(gic_average_precision(reals, 2), NAN);
	gic_metrics_compute(fakes, 2, 0.5, &m);
	assert_int_equal(m.nfake, 2);
	near(m.acc, 0.5);
	near(m.fake_acc, 0.5);
	near(m.real_acc, NAN);
	near(m.ap, NAN);
	gic_metrics_compute(NULL, 0, 0.5, &m);
	near(m.acc, NAN);
}

/* The metrics of a copy of v (which they use as scratch space). */
static void at(const struct gic_scored *v, size_t n, double threshold,
	       struct gic_metrics *m)
{
	struct gic_scored copy[16];

	memcpy(copy, v, n * sizeof(*v));
	gic_metrics_compute(copy, n, threshold, m);
}

static void accuracy_and_the_threshold_edge(void **state)
{
	const struct gic_scored v[] = { S(0.5, 1), S(0.5, 0), S(0.49, 0),
					S(0.2, 1), S(1, 1), S(0, 0) };
	struct gic_metrics m;

	(void)state;
	at(v, N(v), 0.5, &m);                   /* 0.5 is called fake */
	assert_int_equal(m.n, 6);
	assert_int_equal(m.nreal, 3);
	assert_int_equal(m.nfake, 3);
	near(m.fake_acc, 2.0 / 3);
	near(m.real_acc, 2.0 / 3);
	near(m.acc, 4.0 / 6);
	at(v, N(v), 0.0, &m);                   /* everything fake */
	near(m.fake_acc, 1);
	near(m.real_acc, 0);
	at(v, N(v), 1.0, &m);                   /* only score 1 */
	near(m.fake_acc, 1.0 / 3);
	near(m.real_acc, 1);
	at(v, N(v), 0.495, &m);
	near(m.real_acc, 2.0 / 3);
}

static void avg_skips_undefined_values(void **state)
{
	struct gic_metrics m[3] = {
		{ 4, 2, 2, 0.5, 1, 0, 0.75 },
		{ 2, 0, 2, 1, NAN, 1, NAN },
		{ 0, 0, 0, NAN, NAN, NAN, NAN },
	}, avg;

	(void)state;
	gic_metrics_mean(m, 3, &avg);
	assert_int_equal(avg.n, 6);
	assert_int_equal(avg.nreal, 2);
	near(avg.acc, 0.75);
	near(avg.real_acc, 1);
	near(avg.fake_acc, 0.5);
	near(avg.ap, 0.75);
	gic_metrics_mean(m + 2, 1, &avg);
	near(avg.acc, NAN);
}

static void genimage_names_and_order(void **state)
{
	char b[64];

	(void)state;
	assert_string_equal(gic_eval_title("test/sd14", b, sizeof(b)), "SD V1.4");
	assert_string_equal(gic_eval_title("biggan", b, sizeof(b)), "BigGAN");
	assert_string_equal(gic_eval_title("test/mine", b, sizeof(b)), "mine");
	assert_string_equal(gic_eval_title("avg", b, sizeof(b)), "Avg");
	assert_string_equal(gic_eval_title("ap", b, sizeof(b)), "AP");
	assert_int_equal(gic_genimage_rank("test/midjourney"), 0);
	assert_int_equal(gic_genimage_rank("biggan"), 7);
	assert_int_equal(gic_genimage_rank("test/other"), 8);
	assert_int_equal(gic_metric_from_name("fake_acc"), GIC_M_FAKE_ACC);
	assert_int_equal(gic_metric_from_name("auc"), -1);
	assert_string_equal(gic_real_text(0.1, b), "0.1");
	assert_string_equal(gic_real_text(1.0 / 3, b), "0.3333333333333333");
	assert_string_equal(gic_real_text(0.1 + 0.2, b), "0.30000000000000004");
	assert_string_equal(gic_real_text(NAN, b), "");
}

/* ---- readers ------------------------------------------------------------ */

struct problems {
	char text[4096];
};

/* JSON reals: the shortest text that reads back exactly, still a real;
 * numbers inside strings, integers and keywords untouched. */
static void json_reals_are_shortest_and_exact(void **state)
{
	json_t *o = json_pack("{s:f, s:f, s:f, s:f, s:f, s:i, s:s, s:b, s:n}",
			      "a", 0.709375, "b", 0.35897064208984375,
			      "c", 0.0, "d", -2.5e-7, "e", 1e300, "n", 12345,
			      "s", "0.70937499999999998 \"1.0\" \\ e-1",
			      "t", 1, "z");
	char *t = gic_json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT);

	(void)state;
	assert_non_null(t);
	assert_string_equal(t, "{\"a\":0.709375,\"b\":0.35897064208984375,"
			    "\"c\":0.0,\"d\":-2.5e-07,\"e\":1e+300,"
			    "\"n\":12345,\"s\":\"0.70937499999999998 "
			    "\\\"1.0\\\" \\\\ e-1\",\"t\":true,\"z\":null}");
	free(t);
	json_decref(o);
}

static void collect(void *arg, enum gic_eval_problem kind, const char *where,
		    const char *why)
{
	struct problems *p = arg;
	size_t n = strlen(p->text);

	snprintf(p->text + n, sizeof(p->text) - n, "%d %s: %s\n", (int)kind,
		 strrchr(where, '/') ? strrchr(where, '/') + 1 : where, why);
}

static char tmpdir[] = "/tmp/gicat-test-eval-XXXXXX";

/* A file of this run's own directory, so that runs in parallel (plain and
 * sanitized builds) never share one. */
static char *write_tmp(const char *name, const char *text)
{
	char *path;
	FILE *f;

	assert_true(asprintf(&path, "%s/%s", tmpdir, name) > 0);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	return path;
}

#define SHA_A "00eb81ebe2f165e25c448e4de76b5fd7bb5336a05796b7da6bdd884f38b0a138"

/* A predictions file read: its rows, bad rows and problems reported. */
struct read {
	struct problems pr;
	struct gic_preds p;
	size_t bad;
};

static void read_text(struct read *r, const char *name, const char *text)
{
	struct gic_eval_opts o = { 0.5, collect, &r->pr };
	char *path = write_tmp(name, text);

	memset(r, 0, sizeof(*r));
	assert_int_equal(gic_preds_read(path, &o, &r->p, &r->bad), 0);
	unlink(path);
	free(path);
}

static void csv_rows_and_line_numbers(void **state)
{
	struct read r;
	struct gic_preds *p = &r.p;

	(void)state;
	read_text(&r, "gicat-test-eval.csv",
		"\xef\xbb\xbfpath,Score,label,set\r\n"
		"\"test/a,b/x.png\",0.25,fake,test/sd14\r\n"
		"\n"
		"y.png, 1 ,real,\n"
		"z.png,1.5,real,\n"
		"w.png,nan,real,\n"
		"v.png,,real,\n"
		"\"open,0.5,real,\n"
		"u.png,0.5\n");
	assert_int_equal(p->n, 2);
	assert_int_equal(r.bad, 5);
	assert_int_equal(p->v[0].line, 2);
	assert_int_equal(p->v[0].kind, GIC_KEY_PATH);
	assert_string_equal(p->v[0].key, "test/a,b/x.png");
	assert_string_equal(p->v[0].set, "test/sd14");
	near(p->v[0].score, 0.25);
	assert_int_equal(p->v[1].line, 4);
	assert_null(p->v[1].set);
	near(p->v[1].score, 1);
	assert_string_equal(r.pr.text,
		"0 gicat-test-eval.csv: line 5: score 1.5 is outside [0, 1]\n"
		"0 gicat-test-eval.csv: line 6: score 'nan' is not a number\n"
		"0 gicat-test-eval.csv: line 7: no score and no pred (the row has: path, "
		"label)\n"
		"0 gicat-test-eval.csv: line 8: a quote is not closed where its field ends\n"
		"0 gicat-test-eval.csv: line 9: 2 fields where the header has 4\n");
	gic_preds_release(p);
}

/* A quoted field spanning lines (RFC 4180) and lone-CR line endings: the
 * rows after them keep their line numbers. */
static void csv_fields_spanning_lines(void **state)
{
	struct read r;

	(void)state;
	read_text(&r, "gicat-test-eval-ml.csv", "path,note,score\r"
		  "a.png,\"looks\r\nreal\",0.25\r"
		  "b.png,\"x\ny\nz\",0.75\r"
		  "c.png,,2\r");
	assert_int_equal(r.p.n, 2);
	assert_int_equal(r.bad, 1);
	assert_int_equal(r.p.v[0].line, 2);
	near(r.p.v[0].score, 0.25);
	assert_int_equal(r.p.v[1].line, 4);
	near(r.p.v[1].score, 0.75);
	assert_string_equal(r.pr.text, "0 gicat-test-eval-ml.csv: line 7: score 2 "
			    "is outside [0, 1]\n");
	gic_preds_release(&r.p);
}

static void jsonl_rows_and_pred(void **state)
{
	struct problems pr = { "" };
	struct gic_eval_opts o = { 0.5, collect, &pr };
	struct gic_preds p;
	size_t bad;
	char *path = write_tmp("gicat-test-eval.jsonl",
		"{\"sha256\": \"" SHA_A "\", \"score\": 0.75}\n"
		"{\"sha256\": \"00EB81EBE2F165E2\", \"pred\": \"fake\"}\n"
		"{\"path\": \"p.png\", \"pred\": 0}\n"
		"{\"sha256\": \"00eb81ebe2f165e\", \"score\": 1}\n"
		"{\"sha256\": \"" SHA_A "\", \"score\": \"0.5\"}\n"
		"{\"sha256\": \"" SHA_A "\", \"pred\": \"maybe\"}\n"
		"{\"sha256\": \"" SHA_A "\", \"score\": 0.5, \"score\": 1}\n"
		"[1, 2]\n"
		"{\"path\": \"q.png\", \"pred\": true}\n"
		"{\"path\": \"r.png\", \"pred\": [1]}\n");

	(void)state;
	assert_int_equal(gic_preds_read(path, &o, &p, &bad), 0);
	assert_int_equal(p.n, 4);
	assert_int_equal(bad, 6);
	assert_string_equal(p.v[1].key, "00eb81ebe2f165e2");
	near(p.v[1].score, 1);
	assert_int_equal(p.v[2].kind, GIC_KEY_PATH);
	near(p.v[2].score, 0);
	assert_non_null(strstr(pr.text, "jsonl: line 4: sha256 '00eb81ebe2f165e' is "
			       "not 64 hex digits (or a prefix of at least 16)"));
	assert_non_null(strstr(pr.text, "jsonl: line 5: score must be a number"));
	assert_non_null(strstr(pr.text, "jsonl: line 6: pred 'maybe' is not real, "
			       "fake, 0, 1, true or false"));
	assert_non_null(strstr(pr.text, "jsonl: line 7: not JSON"));
	assert_non_null(strstr(pr.text, "jsonl: line 8: not a JSON object"));
	near(p.v[3].score, 1);  /* pred true: fake */
	assert_non_null(strstr(pr.text, "jsonl: line 10: 'pred' must be a "
			       "string, a number or a boolean"));
	gic_preds_release(&p);
	unlink(path);
	free(path);
}

static void tsv_keeps_empty_fields(void **state)
{
	struct problems pr = { "" };
	struct gic_eval_opts o = { 0.5, collect, &pr };
	struct gic_preds p;
	size_t bad;
	char *path = write_tmp("gicat-test-eval.tsv",
		"sha256\tpath\tscore\tset\n"
		"\ta, b.png\t0.5\t\n"
		SHA_A "\t\t1\ttest/x\r\n"
		"\tc.png\t0.5\n");

	(void)state;
	assert_int_equal(gic_preds_read(path, &o, &p, &bad), 0);
	assert_int_equal(p.n, 2);
	assert_int_equal(p.v[0].kind, GIC_KEY_PATH);
	assert_string_equal(p.v[0].key, "a, b.png");
	assert_null(p.v[0].set);
	assert_int_equal(p.v[1].kind, GIC_KEY_SHA256);
	assert_string_equal(p.v[1].set, "test/x");
	assert_string_equal(pr.text, "0 gicat-test-eval.tsv: line 4: 3 fields where "
			    "the header has 4\n");
	gic_preds_release(&p);
	unlink(path);
	free(path);
}

static void a_header_without_keys_is_refused(void **state)
{
	struct gic_eval_opts o = { 0.5, NULL, NULL };
	struct gic_preds p;
	size_t bad;
	char *a = write_tmp("gicat-test-eval-a.csv", "name,score\nx,1\n");
	char *b = write_tmp("gicat-test-eval-b.csv", "sha256,prob\nx,1\n");

	(void)state;
	assert_int_equal(gic_preds_read(a, &o, &p, &bad), GIC_EUSAGE);
	assert_non_null(strstr(gic_errmsg(), "line 1: the header names no "
			       "sha256 or path column"));
	assert_int_equal(gic_preds_read(b, &o, &p, &bad), GIC_EUSAGE);
	assert_non_null(strstr(gic_errmsg(), "no score or pred column"));
	assert_int_equal(gic_preds_read("/nonexistent/p.csv", &o, &p, &bad),
			 GIC_ENOTFOUND);
	unlink(a);
	unlink(b);
	free(a);
	free(b);
}

static void run_lists(void **state)
{
	struct gic_run *runs;
	int n;
	char *path = write_tmp("gicat-test-runs.tsv",
		"# trained on\n\ngenimage/cross-sd14\tp1.csv\n"
		"/abs/task.ini\t/abs/p2.csv\n");
	char *badp = write_tmp("gicat-test-runs-bad.tsv", "a\tb\nno tab here\n");
	char want[512];

	(void)state;
	assert_int_equal(gic_runs_read(path, &runs, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(runs[0].line, 3);
	assert_string_equal(runs[0].task, "genimage/cross-sd14");
	snprintf(want, sizeof(want), "%s/p1.csv", tmpdir);
	assert_string_equal(runs[0].predictions, want);
	assert_string_equal(runs[1].task, "/abs/task.ini");
	assert_string_equal(runs[1].predictions, "/abs/p2.csv");
	gic_runs_free(runs, n);
	assert_int_equal(gic_runs_read(badp, &runs, &n), GIC_EUSAGE);
	assert_string_equal(gic_errmsg(), "line 2: expected TASK<TAB>PREDICTIONS");
	unlink(path);
	unlink(badp);
	free(path);
	free(badp);
}

/* ---- grids and HTML ----------------------------------------------------- */

static void fake_run(struct gic_eval *e, const char *trained_on,
		     const char *const *sets, const double *acc, int n)
{
	struct gic_metrics m[8];

	memset(e, 0, sizeof(*e));
	e->trained_on = trained_on;
	for (int i = 0; i < n; i++) {
		e->sets[i].name = sets[i];
		e->sets[i].m = (struct gic_metrics){ 2, 1, 1, acc[i], acc[i],
						     acc[i], NAN };
		m[i] = e->sets[i].m;
	}
	e->nsets = n;
	gic_metrics_mean(m, n, &e->avg);
}

static void matrix_rows_columns_and_means(void **state)
{
	static const char *const s1[] = { "test/sd14", "test/adm", "test/x" };
	static const char *const s2[] = { "test/midjourney", "test/sd14" };
	static const double a1[] = { 1, 0.5, 0.25 }, a2[] = { 0.5, 0.75 },
		a3[] = { 0.25, 0.25 };
	struct gic_eval runs[3];
	struct gic_grid g;

	(void)state;
	fake_run(&runs[0], "mine", s2, a3, 2);
	fake_run(&runs[1], "adm", s1, a1, 3);
	fake_run(&runs[2], "sd14", s2, a2, 2);
	assert_int_equal(gic_eval_matrix(runs, 3, GIC_M_ACC, &g), 0);
	assert_int_equal(g.nrows, 4);
	assert_int_equal(g.ncols, 5);
	assert_string_equal(g.rows[0], "sd14");
	assert_string_equal(g.rows[1], "adm");
	assert_string_equal(g.rows[2], "mine");
	assert_string_equal(g.rows[3], "avg");
	assert_string_equal(g.cols[0], "test/midjourney");
	assert_string_equal(g.cols[1], "test/sd14");
	assert_string_equal(g.cols[2], "test/adm");
	assert_string_equal(g.cols[3], "test/x");
	assert_string_equal(g.cols[4], "avg");
	near(g.v[0 * 5 + 0], 0.5);
	near(g.v[0 * 5 + 2], NAN);            /* sd14 was not tested on adm */
	near(g.v[0 * 5 + 4], 0.625);
	near(g.v[1 * 5 + 4], 1.75 / 3);
	near(g.v[3 * 5 + 1], (0.75 + 1 + 0.25) / 3);
	near(g.v[3 * 5 + 2], 0.5);
	near(g.v[3 * 5 + 4], (0.625 + 1.75 / 3 + 0.25) / 3);
	gic_grid_release(&g);
}

static void html_is_self_contained(void **state)
{
	static const char *const s[] = { "test/sd14", "test/<b>" };
	static const double a[] = { 0.995, NAN };
	struct gic_eval e;
	struct gic_grid g;
	char *html;

	(void)state;
	fake_run(&e, "sd14", s, a, 2);
	assert_int_equal(gic_eval_grid(&e, &g), 0);
	assert_int_equal(g.nrows, GIC_M_COUNT);
	assert_string_equal(g.rows[3], "ap");
	assert_int_equal(gic_grid_html(&g, "t & t", "caption", &html), 0);
	assert_contains(html, "<svg ", ">99.5</text>", ">-</text>", "&lt;b&gt;",
			"<title>t &amp; t</title>", "linearGradient");
	assert_lacks(html, "<script", "http", "src=", "<b>");
	free(html);
	gic_grid_release(&g);
}

/* Text is measured at least as wide as DejaVu Sans draws it, regular and
 * bold: its advances in thousandths of an em (rounded up), the narrowest
 * classes' widest letters among them. */
static void text_width_covers_dejavu_sans(void **state)
{
	static const struct {
		const char *s;
		int regular, bold;
	} adv[] = {
		{ "`", 500, 500 }, { "r", 412, 494 }, { "t", 393, 479 },
		{ "f", 353, 436 }, { "i", 278, 343 }, { "\"", 460, 521 },
		{ "0", 637, 696 }, { "O", 788, 851 }, { "m", 975, 1042 },
		{ "W", 989, 1104 },
	};

	(void)state;
	for (size_t i = 0; i < N(adv); i++) {
		if (gic_html_text_w(adv[i].s, 1000, 0) < adv[i].regular ||
		    gic_html_text_w(adv[i].s, 1000, 1) < adv[i].bold)
			fail_msg("'%s': %d (bold %d), DejaVu Sans %d (%d)",
				 adv[i].s, gic_html_text_w(adv[i].s, 1000, 0),
				 gic_html_text_w(adv[i].s, 1000, 1),
				 adv[i].regular, adv[i].bold);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ap_by_hand),
		cmocka_unit_test(ap_ignores_input_order_within_ties),
		cmocka_unit_test(ap_is_scikit_learns_to_the_bit),
		cmocka_unit_test(ap_of_many_distinct_scores_is_scikit_learns),
		cmocka_unit_test(one_class_has_no_ap),
		cmocka_unit_test(accuracy_and_the_threshold_edge),
		cmocka_unit_test(avg_skips_undefined_values),
		cmocka_unit_test(genimage_names_and_order),
		cmocka_unit_test(json_reals_are_shortest_and_exact),
		cmocka_unit_test(csv_rows_and_line_numbers),
		cmocka_unit_test(csv_fields_spanning_lines),
		cmocka_unit_test(jsonl_rows_and_pred),
		cmocka_unit_test(tsv_keeps_empty_fields),
		cmocka_unit_test(a_header_without_keys_is_refused),
		cmocka_unit_test(run_lists),
		cmocka_unit_test(matrix_rows_columns_and_means),
		cmocka_unit_test(html_is_self_contained),
		cmocka_unit_test(text_width_covers_dejavu_sans),
	};

	int failed;

	if (!mkdtemp(tmpdir))
		return perror("mkdtemp"), 1;
	failed = cmocka_run_group_tests(tests, NULL, NULL);
	test_rm_tree(tmpdir);  /* with what a failing test left in it */
	return failed;
}
