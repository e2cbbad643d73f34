/*
 * exporting.c - what the commands on tasks share: resolving a task with
 * its degraded sets derived, the output options of split and export, and
 * running an export with progress and a summary.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int cli_export_opt(const char *cmd, int ch, const char *arg,
		   struct export_args *a)
{
	uint64_t n;
	int rc;

	switch (ch) {
	case 'o': a->out = arg; return -1;
	case 'F': a->opts.force = 1; return -1;
	case 'j':
		if ((rc = cli_number_opt(cmd, "--jobs", arg, 1, 64, &n)) < 0)
			a->jobs = (int)n;
		return rc;
	case 'f':
		if (gic_export_format_from_name(arg, &a->opts.format) < 0)
			return cli_usage_error(cmd, "%s", gic_errmsg());
		return -1;
	case 'm':
		a->file_opt = "--mode";
		if (gic_export_mode_from_name(arg, &a->opts.mode) < 0)
			return cli_usage_error(cmd, "%s", gic_errmsg());
		return -1;
	case 'N':
		if (strcmp(arg, "hash") && strcmp(arg, "original"))
			return cli_usage_error(cmd, "--names is hash or "
					       "original, not '%s'%s", arg,
					       cli_meant(arg, (const char *[]){
						"hash", "original", NULL }));
		a->opts.original_names = !strcmp(arg, "original");
		a->file_opt = "--names";
		return -1;
	case 'S':
		if ((rc = cli_number_opt(cmd, "--shard-size", arg, 1, 10000000,
					 &n)) < 0)
			a->opts.shard_size = (size_t)n;
		return rc;
	case 'Z':
		if ((rc = cli_limit_opt(cmd, "--shard-bytes", arg, &n)) >= 0)
			return rc;
		if (n > INT64_MAX) /* the index's JSON integer would wrap */
			return cli_usage_error(cmd, "--shard-bytes is at most "
					       "%lld, not '%s'",
					       (long long)INT64_MAX, arg);
		a->opts.shard_bytes = n;
		return -1;
	default:
		return cli_getopt_end(cmd, ch);
	}
}

int cli_export_args_check(const char *cmd, const struct export_args *a)
{
	if (!a->out)
		return cli_usage_error(cmd, "--out DIR is required");
	if ((a->opts.shard_size || a->opts.shard_bytes) &&
	    a->opts.format != GIC_FMT_WEBDATASET)
		return cli_usage_error(cmd, "%s is for --format webdataset, "
				       "not %s", a->opts.shard_size ?
				       "--shard-size" : "--shard-bytes",
				       gic_export_format_name(a->opts.format));
	if (a->file_opt && (a->opts.format == GIC_FMT_WEBDATASET ||
			    a->opts.format == GIC_FMT_MANIFEST))
		return cli_usage_error(cmd, "%s is for the formats that place "
				       "image files (imagefolder, genimage, "
				       "hf), not %s", a->file_opt,
				       gic_export_format_name(a->opts.format));
	return 0;
}

int cli_export_out_check(const char *cmd, struct gic_catalog *c,
			 const struct export_args *a)
{
	int rc = gic_export_out_check(c, a->out, a->opts.force);

	return rc < 0 ? cli_fail(rc, cmd, a->out) : 0;
}

int cli_default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (int)n : 1;
}

int cli_derive(const char *cmd, struct gic_catalog *c, struct gic_resolved *r,
	       int jobs, const char *stored)
{
	uint64_t computed = 0, reused = 0;
	struct progress prog;
	int rc;

	cli_progress_hook(c, &prog);
	rc = gic_task_derive(c, r, jobs, &computed, &reused);
	cli_progress_unhook(c, &prog);
	if (rc < 0)
		return cli_fail(rc, cmd, NULL);
	if (computed + reused)
		cli_err("%s: degraded images: %llu computed%s, %llu "
			"reused\n", cmd, (unsigned long long)computed,
			computed && stored ? stored : "",
			(unsigned long long)reused);
	return 0;
}

int cli_resolve(const char *cmd, struct gic_catalog *c,
		const struct gic_task *t, int jobs, struct gic_resolved **r)
{
	return cli_resolve_some(cmd, c, t, NULL, jobs, r);
}

int cli_resolve_some(const char *cmd, struct gic_catalog *c,
		     const struct gic_task *t,
		     int (*want)(const struct gic_task *t,
				 const struct gic_task_set *def),
		     int jobs, struct gic_resolved **r)
{
	struct progress prog;
	int rc;

	cli_progress_hook(c, &prog);
	rc = gic_task_resolve_some(c, t, want, r);
	cli_progress_unhook(c, &prog);
	if (rc < 0)
		return cli_fail(rc, cmd, NULL);
	return cli_derive(cmd, c, *r, jobs, NULL);
}

void cli_task_warnings_print(const char *cmd, const struct gic_task *t,
			     const struct gic_task_warning *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		cli_err("gicat: %s: warning: ", cmd);
		cli_put_escaped(stderr, t->path, strlen(t->path));
		cli_err(":%d: ", w[i].line);
		cli_put_escaped(stderr, w[i].msg, sizeof(w[i].msg));
		fputc('\n', stderr);
	}
}

int cli_task_warnings(const char *cmd, struct gic_catalog *c,
		      const struct gic_resolved *r, size_t *count)
{
	struct gic_task_warning *w;
	struct progress prog;
	int rc;

	cli_progress_hook(c, &prog);
	rc = gic_task_warnings(c, r, &w, count);
	cli_progress_unhook(c, &prog);
	if (rc < 0)
		return cli_fail(rc, cmd, NULL);
	cli_task_warnings_print(cmd, r->task, w, *count);
	free(w);
	return 0;
}

int cli_task_merged(const char *cmd, const struct gic_resolved *r)
{
	struct gic_task_warning *w;
	size_t n;
	int rc = gic_task_merged(r, &w, &n);

	if (rc == 0)
		cli_task_warnings_print(cmd, r->task, w, n);
	free(w);
	return rc;
}

static void on_progress(void *arg, uint64_t done, uint64_t total)
{
	progress_show(arg, "export", done, total);
}

/* Why an export copied files it was asked to link, in a user's words. */
static const char *copied_why(int err, enum gic_export_mode mode)
{
	if (err == EXDEV)
		return "it is on another file system than the catalog";
	if (err == ENOENT)
		return "the images are stored by reference (ingest --mode ref), "
		       "so there is no object to link";
	if (mode == GIC_EXP_REFLINK && (err == EOPNOTSUPP || err == EINVAL ||
					err == ENOTTY || err == ENOSYS))
		return "the file system does not support cloning";
	return strerror(err);
}

/* --force kept empty directories no export made: said, with what
 * ImageFolder makes of those beside a set's label directories. */
static void kept_dirs_say(const char *warn, const char *out,
			  const struct gic_export_cleared *c)
{
	int one = c->kept_dirs == 1;
	char classes[96] = "";

	if (c->class_dirs == c->kept_dirs)
		snprintf(classes, sizeof(classes), ": ImageFolder would take "
			 "%s for a class", one ? "it" : "each");
	else if (c->class_dirs)
		snprintf(classes, sizeof(classes), ": ImageFolder would take "
			 "%llu of them for classes",
			 (unsigned long long)c->class_dirs);
	cli_say(warn, "'%s' keeps %llu empty director%s that no export made "
		"(%s%s)%s; split --check will list %s", out,
		(unsigned long long)c->kept_dirs, one ? "y" : "ies",
		c->first_kept_dir, one ? "" : ", ...", classes,
		one ? "it" : "them");
}

int cli_export_run(const char *cmd, struct gic_catalog *c,
		   const struct gic_resolved *r, struct export_args *a)
{
	struct gic_export_report rep;
	struct progress p;
	char warn[64];
	int rc, sets = 0, places = a->opts.format != GIC_FMT_MANIFEST &&
			 a->opts.format != GIC_FMT_WEBDATASET;

	if (!a->out)
		return cli_usage_error(cmd, "--out DIR is required");
	progress_start(&p);
	a->opts.on_progress = on_progress;
	a->opts.arg = &p;
	a->opts.jobs = a->jobs;
	rc = gic_export(c, r, a->out, &a->opts, &rep);
	progress_end(&p);
	if (rc < 0)
		return cli_fail(rc, cmd, a->out);
	if (rep.cleared.removed)
		cli_err("%s: %sremoved %llu file%s of an earlier "
			"export from %s\n", cmd, a->opts.force ? "--force: " : "",
			(unsigned long long)rep.cleared.removed,
			cli_s(rep.cleared.removed), a->out);
	snprintf(warn, sizeof(warn), "%s: warning", cmd);
	if (rep.cleared.killed)
		cli_err("%s: removed %llu file%s that an export killed before "
			"it finished left in %s\n", cmd,
			(unsigned long long)rep.cleared.killed,
			cli_s(rep.cleared.killed), a->out);
	if (rep.cleared.replaced)
		cli_say(warn, "'%s': --force replaced %llu file%s that no "
			"export wrote (%s%s): names this export writes", a->out,
			(unsigned long long)rep.cleared.replaced,
			rep.cleared.replaced == 1 ? "" : "s",
			rep.cleared.first_replaced,
			rep.cleared.replaced == 1 ? "" : ", ...");
	if (rep.cleared.kept)
		cli_say(warn, "'%s' keeps %llu file%s that no export wrote "
			"(%s%s): split --check will list %s", a->out,
			(unsigned long long)rep.cleared.kept,
			rep.cleared.kept == 1 ? "" : "s", rep.cleared.first_kept,
			rep.cleared.kept == 1 ? "" : ", ...",
			rep.cleared.kept == 1 ? "it" : "them");
	if (rep.cleared.kept_dirs)
		kept_dirs_say(warn, a->out, &rep.cleared);
	if (rep.copied_fallbacks)
		cli_say(warn, "'%s': %llu file%s copied, not %s: %s",
			a->out, (unsigned long long)rep.copied_fallbacks,
			rep.copied_fallbacks == 1 ? " was" : "s were",
			a->opts.mode == GIC_EXP_LINK ? "hard-linked" :
			a->opts.mode == GIC_EXP_SYMLINK ? "symlinked" : "reflinked",
			copied_why(rep.copied_errno, a->opts.mode));
	/* the sets written: an empty one (warned of) writes nothing */
	for (int i = 0; i < r->nsets; i++)
		sets += r->sets[i].n > 0;
	/* manifest and webdataset place no image files: no mode to name */
	cli_err("%s: %llu image%s in %d set%s, %llu files written to "
		"%s (%s%s%s; materialization #%lld in the catalog)\n", cmd,
		(unsigned long long)rep.images, cli_s(rep.images), sets,
		sets == 1 ? "" : "s",
		(unsigned long long)rep.files, a->out,
		gic_export_format_name(a->opts.format),
		places ? ", " : "", places ?
		gic_export_mode_name(a->opts.mode) : "",
		(long long)rep.materialization_id);
	return 0;
}
