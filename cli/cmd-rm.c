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

/* What gc does with the images left: "gicat gc deletes it and its object,
 * and 2 images derived from it; 1 derived from an image still in use
 * stays". */
static void images_left(const struct gic_remove_report *r, int dry_run)
{
	uint64_t img = r->images_left, kept = r->images_kept;
	uint64_t exp = r->images_exported, gone = img - kept - exp;
	uint64_t der = r->derived_gone;

	cli_err("; %llu %s no entry left (", (unsigned long long)img,
		dry_run ? cli_word(img, "image would have", "images would have")
		: cli_word(img, "image has", "images have"));
	if (gone == img)
		cli_err("gicat gc %s %s", dry_run ? "would delete" : "deletes",
			cli_word(gone, "it and its object",
				 "them and their objects"));
	else if (gone)
		cli_err("gicat gc %s %llu and %s", dry_run ? "would delete" :
			"deletes", (unsigned long long)gone,
			cli_word(gone, "its object", "their objects"));
	if (der)
		cli_err(", and %llu image%s derived from %s",
			(unsigned long long)der, cli_s(der),
			cli_word(gone, "it", "them"));
	if (kept)
		cli_err("%s%llu derived from %s still in use %s", gone ? "; " :
			"", (unsigned long long)kept,
			cli_word(kept, "an image", "images"),
			dry_run ? "would stay" : cli_word(kept, "stays", "stay"));
	if (exp)
		cli_err("%s%llu that symlink or manifest exports point at %s",
			gone || kept ? "; " : "", (unsigned long long)exp,
			dry_run ? "would stay" : cli_word(exp, "stays", "stay"));
	cli_err(")");
}

static void say(const struct gic_remove_report *r, int dry_run)
{
	uint64_t n = r->entries, urls = r->fetches;

	cli_err("rm: %s %llu %s", dry_run ? "would remove" : "removed",
		(unsigned long long)n, cli_word(n, "entry", "entries"));
	if (r->images_left)
		images_left(r, dry_run);
	if (urls)
		cli_err("; %llu fetched %s fetched again by the next "
			"fetch of %s list", (unsigned long long)urls,
			cli_word(urls, dry_run ? "URL would be" : "URL will be",
				 dry_run ? "URLs would be" : "URLs will be"),
			cli_word(urls, "its", "their"));
	fputc('\n', stderr);
	if (r->refs_read_removed)
		cli_err("rm: note: %llu image%s stored by reference (--mode "
			"ref) that other entries use %s from a removed "
			"entry's file: keep it until the other entries' files "
			"are ingested again with --mode ref (and their "
			"--dataset), which points %s there\n",
			(unsigned long long)r->refs_read_removed,
			cli_s(r->refs_read_removed),
			r->refs_read_removed == 1 ? "is read" : "are read",
			r->refs_read_removed == 1 ? "it" : "them");
}

int cmd_rm(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", 0, 0, 'n' }, { "help", 0, 0, 'h' }, { 0 } };
	struct gic_remove_report rep;
	struct gic_catalog *c;
	int ch, rc, dry_run = 0, errcol = 0;
	char *expr;

	while ((ch = cli_getopt(argc, argv, "nh", opts, NULL)) != -1) {
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
