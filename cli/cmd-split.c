/*
 * cmd-split.c - gicat split TASK --out DIR [--format F] [--mode M] ...:
 * materializes a task's sets for a trainer (warning about what task check
 * warns about; --strict refuses the task then); gicat split --check DIR (or
 * [TASK] --out DIR --check) proves an output still holds exactly what was
 * written, and with TASK that TASK wrote it (exit 1 on any drift).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

struct checking {
	const char *dir;
	struct progress prog;  /* the files read, on a terminal */
};

static void on_drift(void *arg, const char *path, const char *why)
{
	struct checking *k = arg;

	progress_end(&k->prog);  /* the line is the drift's */
	if (*path == '/')  /* a MANIFEST line naming a path outside it */
		cli_say("split --check", "'%s': %s", path, why);
	else
		cli_say("split --check", "'%s/%s': %s", k->dir, path, why);
}

/* Is dir's latest export one of t?  A drift when it is not. */
static int same_task(struct gic_catalog *c, const char *dir,
		     const struct gic_task *t, uint64_t *drifts)
{
	char want[GIC_HEX_LEN + 1], got[GIC_HEX_LEN + 1], name[256], e[1024];
	int rc;

	if ((rc = gic_task_hash(t, want)) < 0)
		return rc;
	rc = gic_export_task_hash(c, dir, got, name, sizeof(name));
	if (rc == GIC_ENOTFOUND)
		cli_say("split --check", "'%s': %s", dir, gic_errmsg());
	else if (rc < 0)
		return rc;
	else if (strcmp(got, want))
		cli_say("split --check", "'%s': written by another task (%s%s"
			"hash %.16s), not %s (hash %.16s)", dir,
			gic_esc(name, e, sizeof(e)), *name ? ", " : "", got,
			t->name, want);
	else
		return 0;
	(*drifts)++;
	return 0;
}

static void on_set(void *arg, const char *set, size_t now, size_t had,
		   size_t only_now, size_t only_had)
{
	cli_say("split --check", "'%s': set '%s': the task takes %zu image%s "
		"now, the export has %zu (%zu only the task, %zu only the "
		"export): the catalog changed since ('split --force' writes "
		"it again)", (const char *)arg, set, now, cli_s(now), had,
		only_now, only_had);
}

/* With a catalog that recorded dir: the sets t resolves to now against
 * the ones written.  A drift for each that differs. */
static int same_sets(struct gic_catalog *c, const char *dir,
		     const struct gic_task *t, uint64_t *drifts)
{
	struct gic_resolved *r = NULL;
	int rc;

	if (!c || (rc = gic_task_resolve(c, t, &r)) < 0)
		return c ? rc : 0;
	rc = gic_export_check_sets(c, dir, r, on_set, (void *)dir, drifts);
	gic_resolved_free(r);
	return rc;
}

static int check(const char *dir, const char *task_file, int jobs)
{
	struct checking k = { .dir = dir };
	struct gic_catalog *c = NULL;
	struct gic_task *t = NULL;
	uint64_t checked, drifts;
	char *root = NULL;
	int rc;

	if (task_file && (rc = gic_task_load(task_file, &t)) < 0)
		return cli_fail(rc, "split --check", task_file);
	/* without a catalog, the directory's own MANIFEST.sha256 is used;
	 * but one named (--catalog, $GICAT_DIR) must be there: a typo in
	 * it would otherwise pass for a check, a weaker one, without it */
	rc = gic_catalog_find(cli_catalog_opt, &root);
	if (rc < 0 && !gic_catalog_named(cli_catalog_opt))
		rc = 0;
	else if (rc == 0)
		rc = gic_catalog_open(root, &c);
	if (rc < 0) {
		rc = cli_fail(rc, "split --check", NULL);
		goto out;
	}
	if (c)  /* without, no line: k.prog stays off */
		cli_progress_hook(c, &k.prog);
	rc = gic_export_check(c, dir, jobs, on_drift, &k, &checked, &drifts);
	if (c)
		cli_progress_unhook(c, &k.prog);
	if (rc == 0 && t) {
		uint64_t before = drifts;

		rc = same_task(c, dir, t, &drifts);
		if (rc == 0 && drifts == before)  /* the task's: as it is now? */
			rc = same_sets(c, dir, t, &drifts);
	}
	if (rc < 0) {
		rc = cli_fail(rc, "split --check", dir);
		goto out;
	}
	printf("split --check: %llu file%s checked, %llu drift%s\n",
	       (unsigned long long)checked, cli_s(checked),
	       (unsigned long long)drifts, cli_s(drifts));
	rc = drifts ? EXIT_PROBLEMS : EXIT_OK;
out:
	free(root);
	gic_task_free(t);
	gic_catalog_close(c);
	return rc;
}

/* Images this split puts in another set than the last split of the task
 * did: a warning (one more for --strict). */
static int moved_warning(struct gic_catalog *c, const struct gic_resolved *r,
			 size_t *warnings)
{
	const char *g = r->task->split_group;
	struct gic_moved m;
	char dir[4096];
	int rc;

	if ((rc = gic_export_moved(c, r, &m)) < 0)
		return cli_fail(rc, "split", NULL);
	if (!m.n)
		return 0;
	cli_err("gicat: split: warning: %llu image%s in another set than the "
		"last split of this task (#%lld, into %s) put %s: the first, "
		"%.12s, was in %s, now in %s%s; results on the two splits do "
		"not compare, and a model trained on that one has seen images "
		"this one tests\n", (unsigned long long)m.n, m.n == 1 ? " is" :
		"s are", (long long)m.earlier, gic_esc(m.dir, dir, sizeof(dir)),
		m.n == 1 ? "it" : "them", m.first, m.was, m.now,
		g && !strcmp(g, "near_duplicate") ? " (images added since "
		"joined near-duplicate clusters, which move whole)" : "");
	(*warnings)++;
	return 0;
}

/* strict: any warning refuses the task, as an error in it would. */
static int split(const char *file, struct export_args *a, int strict)
{
	struct gic_catalog *c = NULL;
	struct gic_resolved *r = NULL;
	struct gic_task *t = NULL;
	size_t warnings;
	int rc;

	if ((rc = gic_task_load(file, &t)) < 0)
		return cli_fail(rc, "split", NULL);
	if ((rc = cli_open("split", &c)) ||
	    (rc = cli_export_out_check("split", c, a)))
		goto out;
	if ((rc = cli_resolve("split", c, t, a->jobs, &r)) ||
	    (rc = cli_task_warnings("split", c, r, &warnings)) ||
	    (rc = moved_warning(c, r, &warnings)))
		goto out;
	if (strict && warnings) {
		cli_err("gicat: split: --strict: %zu warning%s, nothing "
			"written\n", warnings, warnings == 1 ? "" : "s");
		rc = EXIT_USAGE;
		goto out;
	}
	rc = cli_export_run("split", c, r, a);
out:
	gic_resolved_free(r);
	gic_task_free(t);
	gic_catalog_close(c);
	return rc;
}

static int is_dir(const char *path, struct stat *st)
{
	return stat(path, st) == 0 && S_ISDIR(st->st_mode);
}

/* A task file or a shipped task's name, not a directory to check. */
static int is_task(const char *arg)
{
	struct gic_task *t = NULL;
	size_t n = strlen(arg);

	if ((n > 4 && !strcmp(arg + n - 4, ".ini")) ||
	    gic_task_load(arg, &t) == 0) {
		gic_task_free(t);
		return 1;
	}
	return 0;
}

/* --check with its arguments: "--check DIR", "--out DIR --check", or
 * "TASK --out DIR --check"; a directory given both ways must be one. */
static int check_args(int nargs, char **args, const char *out, int jobs)
{
	struct stat a, b;

	if (!jobs)
		jobs = GIC_DISK_READS;
	if (nargs == 2 && !out && is_task(args[0]))
		return cli_usage_error("split", "--check: a task's export is "
				       "named with --out: gicat split %s --out "
				       "%s --check", args[0], args[1]);
	if (nargs > 1 || (nargs == 0 && !out))
		return cli_usage_error("split", "--check takes one DIR (or "
				       "--out DIR, with TASK or not)");
	if (!out && !is_dir(args[0], &a) && is_task(args[0]))
		return cli_usage_error("split", "--check: '%s' is a task, and "
				       "its output is checked with --out DIR: "
				       "gicat split %s --out DIR --check",
				       args[0], args[0]);
	if (!out)
		return check(args[0], NULL, jobs);
	if (nargs == 0)
		return check(out, NULL, jobs);
	if (!is_dir(args[0], &a))
		return check(out, args[0], jobs);
	if (!is_dir(out, &b) || a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		return cli_usage_error("split", "--check '%s' and --out '%s' name "
				       "two directories: give one", args[0], out);
	return check(out, NULL, jobs);
}

int cmd_split(int argc, char **argv)
{
	static const struct option opts[] = {
		EXPORT_LONG_OPTS, { "jobs", 1, 0, 'j' }, { "check", 0, 0, 'c' },
		{ "strict", 0, 0, 's' }, { "help", 0, 0, 'h' }, { 0 } };
	struct export_args a = { .opts = { .format = GIC_FMT_IMAGEFOLDER,
					   .mode = GIC_EXP_LINK } };
	const char *unchecked = NULL;  /* an option --check has no use for */
	int ch, rc, checking = 0, strict = 0;

	while ((ch = cli_getopt(argc, argv, "ho:f:m:j:", opts, NULL)) != -1) {
		for (int i = 0; !unchecked && ch != 'c' && ch != 'o' &&
				ch != 'j' && opts[i].name; i++)
			if (opts[i].val == ch)
				unchecked = opts[i].name;
		if (ch == 'c')
			checking = 1;
		else if (ch == 's')
			strict = 1;
		else if ((rc = cli_export_opt("split", ch, optarg, &a)) >= 0)
			return rc;
	}
	/* --check reads what the recorded export wrote, in its format */
	if (checking && unchecked)
		return cli_usage_error("split", "--%s is for a split, not "
				       "--check", unchecked);
	if (checking)
		return check_args(argc - optind, argv + optind, a.out, a.jobs);
	if (argc - optind != 1)
		return cli_usage_error("split", "expected one TASK");
	if ((rc = cli_export_args_check("split", &a)))
		return rc;
	if (!a.jobs)
		a.jobs = cli_default_jobs();
	return split(argv[optind], &a, strict);
}
