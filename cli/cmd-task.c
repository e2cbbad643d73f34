/*
 * cmd-task.c - gicat task list | cat FILE | show FILE | check FILE: the
 * shipped tasks, a task's text (a shipped one's, to copy), a task's
 * resolved sets, and a task checked for mistakes (errors with
 * line numbers exit 1; empty or unbalanced sets, unknown keys and test
 * images that are also training images are warnings, on stderr as errors
 * are, and with --strict exit 1 too).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "json.h"

static int list(void)
{
	const char *const *names = gic_task_builtin_names();

	for (int i = 0; names[i]; i++) {
		struct gic_task *t = NULL;
		gic_task_parse(gic_task_builtin_text(names[i]), names[i], &t);
		printf("%-28s %s\n", names[i], t && t->description ?
		       t->description : "");
		gic_task_free(t);
	}
	return 0;
}

/* The text of a task (a shipped one's as compiled in), once it parses. */
static int cat(const char *file)
{
	struct gic_task *t = NULL;
	int rc = gic_task_load(file, &t);

	if (rc < 0)
		return cli_fail(rc, "task", NULL);
	rc = cli_write_stdout(t->text, strlen(t->text));
	gic_task_free(t);
	return rc;
}

static void summary(const struct gic_resolved *r)
{
	int w = 24;  /* the set column: as wide as its longest name */

	for (int i = 0; i < r->nsets; i++)
		if ((int)strlen(r->sets[i].def->name) > w)
			w = (int)strlen(r->sets[i].def->name);
	char name[1024];  /* the file's: control characters as \xNN */

	printf("task %s (seed %lld, hash %.16s)\n",
	       gic_esc(r->task->name, name, sizeof(name)),
	       (long long)r->task->seed, r->task_hash);
	printf("%-*s %8s %8s %8s\n", w, "set", "images", "real", "fake");
	for (int i = 0; i < r->nsets; i++)
		printf("%-*s %8zu %8zu %8zu\n", w, r->sets[i].def->name,
		       r->sets[i].n, r->sets[i].nreal, r->sets[i].nfake);
}

/* The images of every set; an image of a degraded set is listed by its
 * original's hash and its derived image's (what an export writes and eval
 * scores). */
static void items(const struct gic_resolved *r, enum out_format f)
{
	if (f == OUT_CSV)
		printf("set,sha256,label,generator,class,path,derived_sha256\n");
	for (int i = 0; i < r->nsets; i++)
		for (size_t j = 0; j < r->sets[i].n; j++) {
			const struct gic_item *it = &r->sets[i].items[j];
			const char *sha = *it->parent ? it->parent : it->sha256;
			const char *derived = *it->parent ? it->sha256 : NULL;

			if (f == OUT_JSONL) {
				/* names and paths are the user's: any bytes
				 * (gic_json_text: bad UTF-8 as U+FFFD) */
				out_json_line(stdout, json_pack(
					"{s:s,s:s,s:s?,s:o,s:o,s:o,s:s?}", "set",
					r->sets[i].def->name, "sha256", sha,
					"label", *it->label ? it->label : NULL,
					"generator",
					gic_json_text(it->generator),
					"class", it->class_idx >= 0 ?
					json_integer(it->class_idx) : json_null(),
					"path", gic_json_text(it->path),
					"derived_sha256", derived));
				continue;
			}
			printf("%s,%s,%s,", r->sets[i].def->name, sha, it->label);
			out_csv_field(stdout, it->generator);
			if (it->class_idx >= 0)
				printf(",%d,", it->class_idx);
			else
				fputs(",,", stdout); /* no class: empty, as query */
			out_csv_field(stdout, it->path);
			printf(",%s\n", derived ? derived : "");
		}
}

/* show (check = 0) or check (check = 1; strict = 2: warnings fail it) */
static int show(const char *file, int check, int with_items, enum out_format f)
{
	struct gic_catalog *c = NULL;
	struct gic_resolved *r = NULL;
	struct gic_task *t = NULL;
	struct progress prog;
	size_t warnings;
	int rc;

	if ((rc = gic_task_load(file, &t)) < 0) {
		cli_print_error("task", NULL);
		return check && rc == GIC_EUSAGE ? EXIT_PROBLEMS :
		       cli_exit_code(rc);
	}
	/* show does not look for the sets' warnings (leaks take long), but
	 * says what of the file it ignores: a misspelt key changes the sets */
	if (!check)
		cli_task_warnings_print("task", t, t->warnings,
					(size_t)t->nwarnings);
	if ((rc = cli_open("task", &c)))
		goto out;
	cli_progress_hook(c, &prog);
	rc = gic_task_resolve(c, t, &r);
	cli_progress_unhook(c, &prog);
	if (rc < 0 || (check && (rc = gic_task_check_fit(c, r)) < 0)) {
		cli_print_error("task", NULL);
		rc = check && rc == GIC_EUSAGE ? EXIT_PROBLEMS : cli_exit_code(rc);
		goto out;
	}
	/* degraded sets as derived (computed when missing, as a split or
	 * eval would), so that --items lists the hashes eval scores */
	if (with_items && (rc = cli_derive("task", c, r, cli_default_jobs(),
					   " (and stored: later commands reuse "
					   "them)")))
		goto out;
	/* check warns of merged images with the rest, below */
	if (with_items && !check && (rc = cli_task_merged("task", r)) < 0) {
		rc = cli_fail(rc, "task", NULL);
		goto out;
	}
	if (with_items)
		items(r, f);
	else
		summary(r);
	if (check && (rc = cli_task_warnings("task", c, r, &warnings)) == 0) {
		/* the report's last line, unless it would end a listing */
		if (with_items)
			cli_err("task check: %zu warning%s\n", warnings,
				cli_s(warnings));
		else
			printf("%zu warning%s\n", warnings, cli_s(warnings));
		if (check == 2 && warnings)
			rc = EXIT_PROBLEMS;
	}
out:
	gic_resolved_free(r);
	gic_task_free(t);
	gic_catalog_close(c);
	return rc;
}

int cmd_task(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "items", 0, 0, 'i' }, { "format", 1, 0, 'f' },
		{ "strict", 0, 0, 's' }, { "help", 0, 0, 'h' }, { 0 } };
	enum out_format f = OUT_TABLE;  /* the counts, unless --items */
	int ch, with_items = 0, strict = 0, table = 0;

	while ((ch = cli_getopt(argc, argv, "hf:", opts, NULL)) != -1) {
		if (ch == 'i')
			with_items = 1;
		else if (ch == 'f' && out_format_parse(optarg, &f) == 0 &&
			 f != OUT_PATHS)
			table = f == OUT_TABLE;
		else if (ch == 'f')
			return cli_usage_error("task", "--format is table (the "
					       "counts), csv or jsonl (the items), "
					       "not '%s'%s", optarg,
					       cli_meant(optarg, (const char *[])
					       { "table", "csv", "jsonl",
						 NULL }));
		else if (ch == 's')
			strict = 1;
		else
			return cli_getopt_end("task", ch);
	}
	if (table && with_items)
		return cli_usage_error("task", "--items are csv or jsonl, not a "
				       "table");
	if (f == OUT_TABLE)
		f = OUT_CSV;  /* the items' format, when --items is not given */
	else
		with_items |= f == OUT_CSV || f == OUT_JSONL;
	if (optind + 2 == argc && !strcmp(argv[optind], "check"))
		return show(argv[optind + 1], 1 + strict, with_items, f);
	if (strict)
		return cli_usage_error("task", "--strict is for 'check'");
	if (with_items && optind < argc && (!strcmp(argv[optind], "list") ||
					    !strcmp(argv[optind], "cat")))
		return cli_usage_error("task", "--items and --format are for "
				       "'show' and 'check'");
	if (optind < argc && !strcmp(argv[optind], "list") && optind + 1 == argc)
		return list();
	if (optind + 2 == argc && !strcmp(argv[optind], "show"))
		return show(argv[optind + 1], 0, with_items, f);
	if (optind + 2 == argc && !strcmp(argv[optind], "cat"))
		return cat(argv[optind + 1]);
	if (optind < argc && strcmp(argv[optind], "list") &&
	    strcmp(argv[optind], "show") && strcmp(argv[optind], "check") &&
	    strcmp(argv[optind], "cat"))
		return cli_usage_error("task", "no task command '%s' (list, "
				       "cat FILE, show FILE or check FILE)%s",
				       argv[optind], cli_meant(argv[optind],
				       (const char *[]){ "list", "cat", "show",
				       "check", NULL }));
	if (optind + 1 == argc && strcmp(argv[optind], "list"))
		return cli_usage_error("task", "%s takes a task FILE (a path, "
				       "or a name from 'gicat task list')",
				       argv[optind]);
	return cli_usage_error("task", "expected 'list', 'cat FILE', 'show "
			       "FILE' or 'check FILE'%s", optind + 2 < argc &&
			       strcmp(argv[optind], "list") ?
			       " (one FILE: quote a path with spaces)" : "");
}
