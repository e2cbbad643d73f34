/*
 * cmd-rm.c - gicat rm [--dry-run] EXPR: takes the entries EXPR selects out
 * of the catalog (gc then deletes the images no entry uses), and says how
 * many, how many images are left without an entry, and how many fetched
 * URLs the next fetch of their list takes again.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

static void say(const struct gic_remove_report *r, int dry_run)
{
	uint64_t n = r->entries, img = r->images_left, urls = r->fetches;
	uint64_t kept = r->images_kept, gone = img - kept;

	cli_err("rm: %s %llu %s", dry_run ? "would remove" : "removed",
		(unsigned long long)n, cli_word(n, "entry", "entries"));
	if (img && dry_run)
		cli_err("; %llu image%s would have no entry left",
			(unsigned long long)img, cli_s(img));
	else if (img && !kept)
		cli_err("; %llu %s no entry left (gicat gc deletes %s)",
			(unsigned long long)img,
			cli_word(img, "image has", "images have"),
			cli_word(img, "it and its object",
				 "them and their objects"));
	else if (img) {  /* gc keeps derivations of images in use */
		char del[96] = "";

		if (gone)
			snprintf(del, sizeof(del), "gicat gc deletes %llu and "
				 "%s; ", (unsigned long long)gone,
				 cli_word(gone, "its object", "their objects"));
		cli_err("; %llu %s no entry left (%s%llu derived from %s "
			"still in use %s)", (unsigned long long)img,
			cli_word(img, "image has", "images have"), del,
			(unsigned long long)kept,
			cli_word(kept, "an image", "images"),
			cli_word(kept, "stays", "stay"));
	}
	if (urls)
		cli_err("; %llu fetched %s fetched again by the next "
			"fetch of %s list", (unsigned long long)urls,
			cli_word(urls, dry_run ? "URL would be" : "URL will be",
				 dry_run ? "URLs would be" : "URLs will be"),
			cli_word(urls, "its", "their"));
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
