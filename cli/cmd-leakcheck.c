/*
 * cmd-leakcheck.c - gicat leakcheck TASK [--distance N] [--format F]:
 * every (train, test) pair of a task that is the same image or a near
 * duplicate, with both paths and the distance; exit 1 when there is any.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "dedup.h"
#include "json.h"

struct run {
	enum out_format fmt;
	int rows;               /* printed so far (the table's header first) */
	int setw;               /* the table's set column: its longest name */
	struct progress prog;   /* on a terminal, cleared before a pair */
};

static int print(void *arg, const struct gic_leak *l)
{
	struct run *r = arg;
	const char *kind = l->same_image ? "same image" : "near duplicate";

	progress_end(&r->prog);

	if (r->fmt == OUT_JSONL) {
		out_json_line(stdout, json_pack("{s:s,s:s,s:o,s:s,s:o,s:i,s:s}",
			"set", l->test_set, "test_sha256", l->test_sha,
			"test_path", gic_json_text(l->test->path),
			"train_sha256", l->train_sha, "train_path",
			gic_json_text(l->train->path), "distance", l->distance,
			"kind", kind));
	} else if (r->fmt == OUT_CSV) {
		printf("%s,%s,", l->test_set, l->test_sha);
		out_csv_field(stdout, l->test->path);
		printf(",%s,", l->train_sha);
		out_csv_field(stdout, l->train->path);
		printf(",%d,%s\n", l->distance, kind);
	} else {
		if (!r->rows)
			printf("%-*s %-8s  %-14s  %s  <->  %s\n", r->setw,
			       "set", "distance", "kind", "test image",
			       "train image");
		printf("%-*s %-8d  %-14s  ", r->setw, l->test_set, l->distance,
		       kind);
		cli_put_escaped(stdout, l->test->path ? l->test->path : "-",
				SIZE_MAX);
		fputs("  <->  ", stdout);
		cli_put_escaped(stdout, l->train->path ? l->train->path : "-",
				SIZE_MAX);
		putchar('\n');
	}
	r->rows++;
	return 0;
}

static int has_train(const struct gic_task *t)
{
	for (int i = 0; i < t->nsets; i++)
		if (!strcmp(t->sets[i].name, "train"))
			return 1;
	return 0;
}

/* Empty sets, as split warns of them; a train set or every other set
 * empty compares nothing, which "0 pairs" would hide: a usage error. */
static int empty_sets(struct gic_catalog *c, const struct gic_resolved *r)
{
	const char *path = r->task->path, *why = NULL;
	size_t others = 0;
	char msg[1024];

	for (int i = 0; i < r->nsets; i++) {
		const struct gic_resolved_set *s = &r->sets[i];
		int train = !strcmp(s->def->name, "train");

		if (!train)
			others += s->n;
		if (!gic_set_empty_why(c, r, s, msg, sizeof(msg)))
			continue;
		cli_err("gicat: leakcheck: warning: ");
		cli_put_escaped(stderr, path, strlen(path));
		cli_err(":%d: ", s->def->line);
		cli_put_escaped(stderr, msg, strlen(msg));
		fputc('\n', stderr);
		if (train)
			why = "set 'train' selects no image in this catalog";
	}
	if (!why && !others)
		why = "no set but train selects an image in this catalog";
	return why ? cli_fail(gic_seterr(GIC_EUSAGE, "nothing compared: %s",
					 why), "leakcheck", path) : 0;
}

int cmd_leakcheck(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "distance", 1, 0, 'd' }, { "format", 1, 0, 'f' },
		{ "help", 0, 0, 'h' }, { 0 } };
	struct run run = { .fmt = OUT_TABLE, .setw = 16 };
	struct gic_catalog *c = NULL;
	struct gic_resolved *r = NULL;
	struct gic_task *t = NULL;
	uint64_t n = 0;
	int ch, rc, dist = GIC_NEAR_DEFAULT_DISTANCE;

	while ((ch = cli_getopt(argc, argv, "hf:", opts, NULL)) != -1) {
		if (ch == 'd' && (rc = cli_distance_opt("leakcheck", optarg,
							&dist)))
			return rc;
		else if (ch == 'f' &&
			 (rc = cli_format_opt("leakcheck", optarg, 0, &run.fmt)) >= 0)
			return rc;
		else if (ch != 'd' && ch != 'f')
			return cli_getopt_end("leakcheck", ch);
	}
	if (argc - optind != 1)
		return cli_usage_error("leakcheck", "expected one TASK");
	if ((rc = gic_task_load(argv[optind], &t)) < 0)
		return cli_fail(rc, "leakcheck", NULL);
	if (!has_train(t)) {  /* "0 pairs" would say it was checked */
		rc = cli_usage_error("leakcheck", "task '%s' has no train set: "
				     "leakcheck compares every other set with "
				     "it", argv[optind]);
		goto out;
	}
	if ((rc = cli_open("leakcheck", &c)))
		goto out;
	cli_progress_hook(c, &run.prog);
	/* the header once the sets can be compared: a usage error leaves
	 * no header-only file behind "> leaks.csv" */
	rc = gic_task_resolve(c, t, &r);
	progress_end(&run.prog);  /* the line is the warnings' */
	for (int i = 0; rc >= 0 && i < r->nsets; i++) {
		int w = (int)strlen(r->sets[i].def->name);  /* ASCII names */

		run.setw = w > run.setw ? w : run.setw;
	}
	if (rc >= 0 && (rc = empty_sets(c, r)) == 0) {
		if (run.fmt == OUT_CSV)
			puts("set,test_sha256,test_path,train_sha256,"
			     "train_path,distance,kind");
		rc = gic_leakcheck(c, r, dist, print, &run, &n);
	}
	cli_progress_unhook(c, &run.prog);
	if (rc > 0)
		goto out;
	if (rc < 0) {
		rc = cli_fail(rc, "leakcheck", argv[optind]);
		goto out;
	}
	cli_err("leakcheck: %llu train/test pair%s within distance %d\n",
		(unsigned long long)n, cli_s(n), dist);
	rc = n ? EXIT_PROBLEMS : EXIT_OK;
out:
	gic_resolved_free(r);
	gic_task_free(t);
	gic_catalog_close(c);
	return rc;
}
