/*
 * cmd-mv.c - gicat mv [--dry-run] [--dataset NAME] FROM TO: renames the
 * paths of the entries under FROM to lie under TO (a tree that moved),
 * or says which path would clash and moves nothing (exit 1).
 */
#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include "cli.h"

int cmd_mv(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", 0, 0, 'n' }, { "dataset", 1, 0, 'd' },
		{ "help", 0, 0, 'h' }, { 0 } };
	struct gic_move_report rep;
	char hint[512] = "";
	struct gic_catalog *c;
	const char *dataset = NULL;
	int ch, rc, dry_run = 0;

	while ((ch = cli_getopt(argc, argv, "nh", opts, NULL)) != -1) {
		if (ch == 'n')
			dry_run = 1;
		else if (ch == 'd')
			dataset = optarg;
		else
			return cli_getopt_end("mv", ch);
	}
	if (argc - optind != 2)
		return cli_usage_error("mv", "expected FROM and TO (path "
				       "prefixes as the entries have them)");
	if ((rc = cli_open("mv", &c)))
		return rc;
	rc = gic_move(c, argv[optind], argv[optind + 1], dataset, dry_run,
		      &rep);
	/* a name no entry has: the note is on the name, not the path */
	if (rc == 0 && dataset && !rep.entries && !rep.fetched)
		cli_name_hint(c, "dataset", dataset, hint, sizeof(hint));
	gic_catalog_close(c);
	if (rc < 0)
		return cli_fail(rc, "mv", NULL);
	if (rc > 0) {
		cli_err("gicat: mv: '%s' would become '%s', ", rep.clash_path,
			rep.clash_to);
		if (rep.clash_kind == GIC_CLASH_SAME)
			cli_err("a path dataset %s already has",
				rep.clash_dataset);
		else
			cli_err("%s '%s', an entry of dataset %s",
				rep.clash_kind == GIC_CLASH_UNDER ?
				"a path under the file of" :
				"the directory of", rep.clash_other,
				rep.clash_dataset);
		cli_err(": nothing moved\n");
		return EXIT_PROBLEMS;
	}
	cli_err("mv: %s %llu %s from '%s' to '%s'", dry_run ?
		"would move" : "moved", (unsigned long long)rep.entries,
		cli_word(rep.entries, "entry", "entries"), argv[optind],
		argv[optind + 1]);
	if (rep.fetched)
		cli_err("; %llu fetched %s left as %s (a URL)",
			(unsigned long long)rep.fetched,
			cli_word(rep.fetched, "entry", "entries"),
			cli_word(rep.fetched, "it is", "they are"));
	if (rep.rejects)
		cli_err("; %llu rejected %s %s", (unsigned long long)rep.rejects,
			cli_word(rep.rejects, "file", "files"), dry_run ?
			"would follow" : "followed");
	if (rep.refs_followed)
		cli_err("; %llu referenced %s %s", (unsigned long long)
			rep.refs_followed, cli_word(rep.refs_followed, "file",
						    "files"),
			dry_run ? "would follow" : "followed");
	fputc('\n', stderr);
	if (rep.refs_lost)
		cli_err("gicat: mv: note: %llu %s stored by reference %s not "
			"where %s file was, nor intact under '%s' ('gicat "
			"verify' names %s)\n", (unsigned long long)
			rep.refs_lost, cli_word(rep.refs_lost, "image", "images"),
			cli_word(rep.refs_lost, "is", "are"),
			cli_word(rep.refs_lost, "its", "their"),
			argv[optind + 1], cli_word(rep.refs_lost, "it", "them"));
	if (hint[0])
		cli_err("gicat: mv: note: %s\n", hint);
	else if (!rep.entries && !rep.fetched)
		cli_err("gicat: mv: note: no entry%s%s%s has a path "
			"under '%s' (paths as the entries have them: 'gicat "
			"query --format paths' shows them)\n", dataset ?
			" of dataset '" : "", dataset ? dataset : "",
			dataset ? "'" : "", argv[optind]);
	else if (rep.entries && access(argv[optind + 1], F_OK) < 0)
		cli_err("gicat: mv: note: there is no '%s' here: mv renames "
			"the paths the entries have, nothing on disk (move the "
			"tree too, or 'gicat mv' back)\n", argv[optind + 1]);
	return 0;
}
