/*
 * cmd-rm.c - gicat rm [--dry-run] EXPR: takes the entries EXPR selects out
 * of the catalog (gc then deletes the images no entry uses), and says how
 * many, how many images are left without an entry, and how many fetched
 * URLs the next fetch of their list downloads again.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

static const char *s_(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static void say(const struct gic_remove_report *r, int dry_run)
{
	fprintf(stderr, "rm: %s %llu %s", dry_run ? "would remove" : "removed",
		(unsigned long long)r->entries, s_(r->entries, "entry",
						   "entries"));
	if (r->images_left)
		fprintf(stderr, "; %llu %s %s no entry left%s",
			(unsigned long long)r->images_left,
			s_(r->images_left, "image", "images"), dry_run ?
			"would have" : s_(r->images_left, "has", "have"),
			dry_run ? "" : s_(r->images_left, " (gicat gc deletes "
			"it and its object)", " (gicat gc deletes them and "
			"their objects)"));
	if (r->fetches)
		fprintf(stderr, "; %llu fetched %s %s downloaded again by the "
			"next fetch of %s list", (unsigned long long)r->fetches,
			s_(r->fetches, "URL", "URLs"), dry_run ? "would be" :
			"will be", s_(r->fetches, "its", "their"));
	fputc('\n', stderr);
}

int cmd_rm(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", 0, 0, 'n' }, { "help", 0, 0, 'h' }, { 0 } };
	struct gic_remove_report rep;
	struct gic_catalog *c;
	int ch, rc, dry_run = 0, errcol = 0;
	char *expr;

	while ((ch = getopt_long(argc, argv, "nh", opts, NULL)) != -1) {
		if (ch != 'n')
			return cli_getopt_end("rm", ch);
		dry_run = 1;
	}
	if (optind == argc)
		return cli_usage_error("rm", "EXPR is required (the entries to "
				       "remove; gicat query EXPR lists them)");
	if (!(expr = cli_join_args(argc - optind, argv + optind)))
		return EXIT_RUNTIME;
	if ((rc = cli_open("rm", &c))) {
		free(expr);
		return rc;
	}
	rc = gic_remove(c, expr, dry_run, &errcol, &rep);
	if (rc == GIC_EUSAGE && errcol) {
		rc = cli_expr_error("rm", expr, errcol);
	} else if (rc < 0) {
		rc = cli_fail(rc, "rm", NULL);
	} else {
		say(&rep, dry_run);
		if (!rep.entries)
			cli_select_hint("rm", c, expr);
	}
	gic_catalog_close(c);
	free(expr);
	return rc;
}
