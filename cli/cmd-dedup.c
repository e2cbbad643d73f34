/*
 * cmd-dedup.c - gicat dedup [--near [--distance N]] [--format F] [EXPR]:
 * the images that have several entries among those matching EXPR, or,
 * with --near, the clusters of images whose pHashes are within N bits
 * (default 4), one row per entry.  A summary goes to stderr.  Duplicates
 * are what the command is asked to list, so finding some still exits 0.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "cli.h"
#include "dedup.h"

struct dopts {
	enum out_format fmt;
	int near, distance;
};

static int expr_error(const char *expr, int errcol)
{
	return cli_expr_error("dedup", expr, errcol);
}

static void summary(const struct dopts *o, const struct gic_dedup *d)
{
	if (o->near)
		cli_err("dedup: %llu cluster%s of near duplicates within "
			"distance %d (%llu images), among %llu image%s\n",
			(unsigned long long)d->groups, cli_s(d->groups), o->distance,
			(unsigned long long)d->members,
			(unsigned long long)d->images, cli_s(d->images));
	else
		cli_err("dedup: %llu image%s with more than one entry "
			"(%llu entries), among %llu image%s\n",
			(unsigned long long)d->groups, cli_s(d->groups),
			(unsigned long long)d->members,
			(unsigned long long)d->images, cli_s(d->images));
}

static int run(struct gic_catalog *c, const struct dopts *o,
	       const char *expr)
{
	struct gic_dedup *d = NULL;
	struct progress prog;
	int rc, errcol = 0, abbrev = o->fmt == OUT_TABLE;

	cli_progress_hook(c, &prog);
	rc = o->near ? gic_dedup_near(c, expr, o->distance, abbrev, &d, &errcol)
		     : gic_dedup_exact(c, expr, abbrev, &d, &errcol);
	cli_progress_unhook(c, &prog);
	if (rc == GIC_EUSAGE && errcol)
		return expr_error(expr, errcol);
	if (rc < 0)
		return cli_fail(rc, "dedup", NULL);
	out_rows(d->rows, o->fmt, stdout);
	rc = sqlite3_errcode(c->db);
	if (rc != SQLITE_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
		rc = cli_db_fail(c->db, "dedup", NULL);
	else
		rc = EXIT_OK;
	summary(o, d);
	if (rc == EXIT_OK && d->images == 0)
		cli_select_hint("dedup", c, expr);
	gic_dedup_free(d);
	return rc;
}

int cmd_dedup(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "near", 0, 0, 'N' }, { "distance", 1, 0, 'd' },
		{ "format", 1, 0, 'f' }, { "help", 0, 0, 'h' }, { 0 } };
	struct dopts o = { .fmt = OUT_TABLE, .distance = -1 };
	struct gic_catalog *c;
	char *expr;
	int ch, rc;

	while ((ch = cli_getopt(argc, argv, "hf:", opts, NULL)) != -1) {
		switch (ch) {
		case 'N': o.near = 1; break;
		case 'd':
			if ((rc = cli_distance_opt("dedup", optarg, &o.distance)))
				return rc;
			break;
		case 'f':
			if ((rc = cli_format_opt("dedup", optarg, 0, &o.fmt)) >= 0)
				return rc;
			break;
		default:
			return cli_getopt_end("dedup", ch);
		}
	}
	if (o.distance >= 0 && !o.near)
		return cli_usage_error("dedup", "--distance needs --near");
	if (o.distance < 0)
		o.distance = GIC_NEAR_DEFAULT_DISTANCE;
	if (!(expr = cli_join_args(argc - optind, argv + optind)))
		return EXIT_RUNTIME;
	if ((rc = cli_open("dedup", &c)) == 0) {
		rc = run(c, &o, expr);
		gic_catalog_close(c);
	}
	free(expr);
	return rc;
}
