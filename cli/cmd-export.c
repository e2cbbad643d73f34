/*
 * cmd-export.c - gicat export [EXPR] --out DIR [--format F] ...: an ad-hoc
 * one-set split of the entries matching EXPR, written as set "export".
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		EXPORT_LONG_OPTS, { "help", 0, 0, 'h' }, { 0 } };
	struct export_args a = { .jobs = cli_default_jobs(),
				 .opts = { .format = GIC_FMT_IMAGEFOLDER,
					   .mode = GIC_EXP_LINK } };
	struct gic_catalog *c = NULL;
	struct gic_resolved *r = NULL;
	struct gic_task *t = NULL;
	char *expr;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "ho:f:m:", opts, NULL)) != -1)
		if ((rc = cli_export_opt("export", ch, optarg, &a)) >= 0)
			return rc;
	if (!a.out)
		return cli_usage_error("export", "--out DIR is required");
	if (!(expr = cli_join_args(argc - optind, argv + optind)) ||
	    gic_task_parse("[task]\nname = export\nseed = 0\n[set export]\n"
			   "fraction = 1\n", "export", &t) < 0) {
		free(expr);
		return cli_fail(GIC_ENOMEM, "export", NULL);
	}
	t->sets[0].select = expr;
	/* checked here to be pointed at in EXPR, not in the task made of it */
	if ((rc = cli_expr_check("export", expr)) || (rc = cli_open("export", &c)))
		goto out;
	if ((rc = cli_resolve("export", c, t, a.jobs, &r)))
		goto out;
	/* as split warns about an empty set (one label only is no news for
	 * an ad-hoc subset: no warning about balance) */
	if (r->sets[0].n == 0 && *expr) {
		fprintf(stderr, "gicat: export: warning: '%s': no image matches: "
			"set 'export' is empty\n", expr);
		cli_select_hint("export", c, expr);
	} else if (r->sets[0].n == 0)
		fprintf(stderr, "gicat: export: warning: the catalog has no "
			"image: set 'export' is empty\n");
	rc = cli_export_run("export", c, r, &a);
out:
	gic_resolved_free(r);
	gic_task_free(t);
	gic_catalog_close(c);
	return rc;
}
