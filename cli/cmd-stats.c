/*
 * cmd-stats.c - gicat stats [EXPR]: totals, then entries per dataset,
 * subset, generator, label and split (the query fields of those names),
 * then formats and the count of rejected files; gicat stats --rejects:
 * those files, with their reasons.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "cli.h"

static int section(struct gic_catalog *c, const char *title, const char *cols,
		   const char *expr, const char *tail)
{
	sqlite3_stmt *s;
	int errcol = 0, rc;

	rc = gic_select_prepare(c, cols, expr, tail, &s, &errcol, NULL);
	if (rc == GIC_EUSAGE)
		return cli_expr_error("stats", expr, errcol);
	if (rc < 0)
		return cli_fail(rc, "stats", NULL);
	if (title)
		printf("\n%s\n", title);
	out_rows(s, OUT_TABLE, stdout);
	return cli_finish_rows("stats", s);
}

static void rejects(struct gic_catalog *c)
{
	sqlite3_stmt *s;

	if (sqlite3_prepare_v2(c->db, "SELECT count(*) AS rejected FROM rejects",
			       -1, &s, NULL))
		return;
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int64(s, 0))
		printf("\nrejected files: %lld (listed by: gicat stats "
		       "--rejects)\n", sqlite3_column_int64(s, 0));
	sqlite3_finalize(s);
}

/* Every rejected file: path, reason and time of the last attempt. */
static int list_rejects(struct gic_catalog *c, enum out_format fmt)
{
	sqlite3_stmt *s;

	if (sqlite3_prepare_v2(c->db, "SELECT path, reason, at FROM rejects "
			       "ORDER BY path", -1, &s, NULL))
		return cli_fail(GIC_EDB, "stats", "rejects");
	out_rows(s, fmt, stdout);
	return cli_finish_rows("stats", s);
}

int cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rejects", 0, 0, 'r' }, { "format", 1, 0, 'f' },
		{ "help", 0, 0, 'h' }, { 0 } };
	enum out_format fmt = OUT_TABLE;
	struct gic_catalog *c;
	int ch, rc, list = 0, formatted = 0;
	char *expr;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (ch == 'r') {
			list = 1;
		} else if (ch == 'f') {
			if ((rc = cli_format_opt("stats", optarg, 0, &fmt)) >= 0)
				return rc;
			formatted = 1;
		} else {
			return cli_getopt_end("stats", ch);
		}
	}
	if (formatted && !list)
		return cli_usage_error("stats", "--format goes with --rejects");
	if (list && optind < argc)
		return cli_usage_error("stats", "--rejects takes no EXPR");
	if (!(expr = cli_join_args(argc - optind, argv + optind)))
		return EXIT_RUNTIME;
	if ((rc = cli_open("stats", &c))) {
		free(expr);
		return rc;
	}
	if (list) {
		rc = list_rejects(c, fmt);
		gic_catalog_close(c);
		free(expr);
		return rc;
	}
	rc = section(c, NULL, "count(*) AS entries, count(DISTINCT sha256) AS "
		     "images, sum(bytes) AS entry_bytes", expr, "");
	if (!rc)
		rc = section(c, "per subset, generator, label and split:",
			     "dataset, subset, generator, label, split, "
			     "count(*) AS entries", expr,
			     "GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5");
	if (!rc)
		rc = section(c, "per format:", "format, mode, count(*) AS entries, "
			     "min(short_side) AS min_short, max(short_side) AS "
			     "max_short", expr, "GROUP BY 1, 2 ORDER BY 1, 2");
	if (!rc && !*expr)
		rejects(c);
	gic_catalog_close(c);
	free(expr);
	return rc;
}
