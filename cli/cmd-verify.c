/*
 * cmd-verify.c - gicat verify [--full]: SQLite integrity and foreign keys,
 * every object present with its size (with --full: re-hashed), every ref'd
 * file unchanged.  Exit 1 when anything is wrong; orphans and temporary
 * files from interrupted runs are mentioned as harmless.
 */
#include <getopt.h>
#include <string.h>

#include "cli.h"

static void on_problem(void *arg, const char *subject, const char *why)
{
	progress_end(arg);  /* the line is the problem's */
	cli_error_line("verify", subject, why, strlen(why)); /* paths escaped */
}

int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "full", 0, 0, 'f' }, { "help", 0, 0, 'h' }, { 0 } };
	struct gic_verify_report rep;
	struct progress prog;
	struct gic_catalog *c;
	int ch, full = 0, rc;
	char derived[48] = "", objects[4200], fix[8500];

	while ((ch = cli_getopt(argc, argv, "h", opts, NULL)) != -1) {
		if (ch == 'f')
			full = 1;
		else
			return cli_getopt_end("verify", ch);
	}
	if (optind < argc)
		return cli_usage_error("verify", "unexpected argument '%s'",
				       argv[optind]);
	if ((rc = cli_open("verify", &c)))
		return rc;
	cli_progress_hook(c, &prog);
	rc = gic_verify(c, full, on_problem, &prog, &rep);
	cli_progress_unhook(c, &prog);
	snprintf(objects, sizeof(objects), "%s/objects", c->dir);
	gic_shell_word(objects, fix, sizeof(fix));
	gic_catalog_close(c);
	if (rc < 0)
		return cli_fail(rc, "verify", NULL);
	if (rep.derived)
		snprintf(derived, sizeof(derived), " (%llu derived)",
			 (unsigned long long)rep.derived);
	printf("verify: %llu image%s%s: %llu object%s%s, %llu referenced "
	       "file%s checked; %llu problem%s\n", (unsigned long long)rep.images,
	       cli_s(rep.images), derived,
	       (unsigned long long)rep.objects_checked,
	       cli_s(rep.objects_checked), full ? " re-hashed" : "",
	       (unsigned long long)rep.refs_checked, cli_s(rep.refs_checked),
	       (unsigned long long)rep.problems, cli_s(rep.problems));
	if (rep.orphans || rep.tmp_files)
		printf("verify: harmless: %llu unreferenced object%s, %llu "
		       "temporary file%s%s\n",
		       (unsigned long long)rep.orphans, cli_s(rep.orphans),
		       (unsigned long long)rep.tmp_files, cli_s(rep.tmp_files),
		       rep.others ? ", while another gicat uses the catalog "
		       "(an ingest, fetch or split stores objects before it "
		       "commits the rows that use them)" : " (left by a gc "
		       "that kept young ones, or by an interrupted run; 'gicat "
		       "gc' removes them once an hour old, 'gicat gc --grace "
		       "0' now)");
	if (rep.touched) {
		char e[4 * sizeof(rep.touched_first)];

		printf("verify: note: %llu referenced file%s touched since "
		       "ingest, %s bytes intact (first: '%s'): a verify without "
		       "--full reports %s by %s mtime until ingest --mode ref "
		       "records the new one\n", (unsigned long long)rep.touched,
		       rep.touched == 1 ? " was" : "s were",
		       rep.touched == 1 ? "its" : "their",
		       gic_esc(rep.touched_first, e, sizeof(e)),
		       rep.touched == 1 ? "it" : "them",
		       rep.touched == 1 ? "its" : "their");
	}
	if (rep.writable)
		printf("verify: note: %llu object%s may be written to (first: "
		       "%s), where gicat leaves objects read-only: with --mode "
		       "link a write to the original is one to the object; "
		       "'verify --full' checks the bytes; read-only again: "
		       "find %s -type f -perm /222 -exec chmod a-w {} +\n",
		       (unsigned long long)rep.writable, cli_s(rep.writable),
		       rep.writable_first, fix);
	if (rep.missing > 1 && rep.missing == rep.objects_checked)
		printf("verify: note: every one of the %llu objects is missing "
		       "from %s: is the store's disk mounted, or is this the "
		       "catalog meant (--catalog)?\n",
		       (unsigned long long)rep.missing, objects);
	if (rep.foreign)
		printf("verify: note: %llu entr%s under objects/ that gicat did "
		       "not write (neither objects nor temporary files): left "
		       "alone, by gc too\n", (unsigned long long)rep.foreign,
		       rep.foreign == 1 ? "y" : "ies");
	return rep.problems ? EXIT_PROBLEMS : EXIT_OK;
}
