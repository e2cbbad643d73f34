/*
 * cmd-split.c - gicat split TASK --out DIR [--format F] [--mode M] ...:
 * materializes a task's sets for a trainer; gicat split --check DIR proves
 * an output still holds exactly what was written (exit 1 on any drift).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void on_drift(void *arg, const char *path, const char *why)
{
	fprintf(stderr, "gicat: split --check: '%s/%s': %s\n", (const char *)arg,
		path, why);
}

static int check(const char *dir)
{
	struct gic_catalog *c = NULL;
	uint64_t checked, drifts;
	char *root = NULL;
	int rc;

	/* without a catalog, the directory's own MANIFEST.sha256 is used */
	if (gic_catalog_find(cli_catalog_opt, &root) == 0 &&
	    (rc = gic_catalog_open(root, &c)) < 0) {
		free(root);
		return cli_fail(rc, "split --check", NULL);
	}
	free(root);
	rc = gic_export_check(c, dir, on_drift, (void *)dir, &checked, &drifts);
	gic_catalog_close(c);
	if (rc < 0)
		return cli_fail(rc, "split --check", dir);
	printf("split --check: %llu files checked, %llu drifts\n",
	       (unsigned long long)checked, (unsigned long long)drifts);
	return drifts ? EXIT_PROBLEMS : EXIT_OK;
}

static int split(const char *file, struct export_args *a)
{
	struct gic_catalog *c = NULL;
	struct gic_resolved *r = NULL;
	struct gic_task *t = NULL;
	int rc;

	if ((rc = gic_task_load(file, &t)) < 0)
		return cli_fail(rc, "split", NULL);
	if (t->warnings)
		fprintf(stderr, "gicat: split: warning: %s", t->warnings);
	if ((rc = cli_open("split", &c)))
		goto out;
	if ((rc = cli_resolve("split", c, t, a->jobs, &r)) == 0)
		rc = cli_export_run("split", c, r, a);
out:
	gic_resolved_free(r);
	gic_task_free(t);
	gic_catalog_close(c);
	return rc;
}

int cmd_split(int argc, char **argv)
{
	static const struct option opts[] = {
		EXPORT_LONG_OPTS, { "check", 0, 0, 'c' },
		{ "help", 0, 0, 'h' }, { 0 } };
	struct export_args a = { .jobs = cli_default_jobs(),
				 .opts = { .format = GIC_FMT_IMAGEFOLDER,
					   .mode = GIC_EXP_LINK } };
	int ch, rc, checking = 0;

	while ((ch = getopt_long(argc, argv, "ho:f:m:j:", opts, NULL)) != -1) {
		if (ch == 'c')
			checking = 1;
		else if ((rc = cli_export_opt("split", ch, optarg, &a)) >= 0)
			return rc;
	}
	if (argc - optind != 1)
		return cli_usage_error("split", checking ? "expected one DIR" :
				       "expected one TASK");
	return checking ? check(argv[optind]) : split(argv[optind], &a);
}
