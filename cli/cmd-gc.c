/*
 * cmd-gc.c - gicat gc [--grace SECONDS] [--dry-run]: removes the records
 * of exports whose directory is gone, image rows no entry uses, temporary
 * files, and objects nothing references, and says how much that freed.
 * Files changed (ctime) within the grace period (default one hour) are
 * kept, and counted: a concurrent ingest may be about to commit them.
 * --dry-run: the same report, nothing removed.  --vacuum: then rewrites
 * the catalog file without its free pages; without it, gc says when they
 * are a megabyte or more and a tenth of the file.
 */
#include <getopt.h>

#include "cli.h"

/* When an export that keeps images is one whose directory is gone, the
 * remedy is to forget it. */
static const char *gone_hint(const struct gic_gc_report *r)
{
	return r->exports_kept ? "; an export already deleted: 'gicat gc "
				 "--forget-gone'" : "";
}

/* A summary, as rm's and the other commands that change the catalog: on
 * stderr. */
static void report(const struct gic_gc_report *r, int dry, uint64_t grace)
{
	FILE *o = stderr;
	char size[32];

	if (r->exports)
		fprintf(o, "gc: %s the records of %llu export%s whose "
			"directory is gone (%llu file%s listed)\n",
			dry ? "would remove" : "removed",
			(unsigned long long)r->exports, cli_s(r->exports),
			(unsigned long long)r->export_files,
			cli_s(r->export_files));
	fprintf(o, "gc: %s %llu unused image row%s, %llu object%s, %llu "
		"temporary file%s (%s freed)\n", dry ? "would remove" :
		"removed", (unsigned long long)r->rows, cli_s(r->rows),
		(unsigned long long)r->objects, cli_s(r->objects),
		(unsigned long long)r->tmp, cli_s(r->tmp),
		cli_size(r->bytes, size, sizeof(size)));
	if (r->shared)
		fprintf(o, "gc: %llu of those objects %s elsewhere (a "
			"--mode link ingest, or a split or export in link mode): "
			"removing %s frees no space\n",
			(unsigned long long)r->shared,
			r->shared == 1 ? "is a hard link to a file that stays" :
			"are hard links to files that stay",
			r->shared == 1 ? "it" : "them");
	if (r->exports_kept)
		fprintf(o, "gc: %s the records of %llu symlink or manifest "
			"export%s whose directory is gone: moved elsewhere, "
			"%s files would still point into the store; if "
			"deleted, 'gicat gc --forget-gone' removes %s\n",
			dry ? "would keep" : "kept",
			(unsigned long long)r->exports_kept,
			cli_s(r->exports_kept),
			r->exports_kept == 1 ? "its" : "their",
			r->exports_kept == 1 ? "that record" :
			"those records");
	if (r->exported && r->exported_direct == r->exported)
		fprintf(o, "gc: %s %llu image%s no entry uses: symlink or "
			"manifest exports point at %s (remove those exports, "
			"or export them again, then gc%s)\n",
			dry ? "would keep" : "kept",
			(unsigned long long)r->exported, cli_s(r->exported),
			r->exported == 1 ? "its object" : "their objects",
			gone_hint(r));
	else if (r->exported)
		fprintf(o, "gc: %s %llu image%s no entry uses: symlink or "
			"manifest exports point at %llu, and %llu %s from "
			"those (remove those exports, or export them again, "
			"then gc%s)\n", dry ? "would keep" : "kept",
			(unsigned long long)r->exported, cli_s(r->exported),
			(unsigned long long)r->exported_direct,
			(unsigned long long)(r->exported - r->exported_direct),
			r->exported - r->exported_direct == 1 ? "derives" :
			"derive", gone_hint(r));
	if (r->young_objects || r->young_tmp)
		fprintf(o, "gc: %s %llu object%s, %llu temporary file%s "
			"changed less than %llu seconds ago (--grace, for a "
			"store that machines share: the lock that keeps gc "
			"from running beside a writer may not reach across "
			"them); 'gicat gc --grace 0' removes them\n",
			dry ? "would keep" : "kept",
			(unsigned long long)r->young_objects,
			cli_s(r->young_objects),
			(unsigned long long)r->young_tmp, cli_s(r->young_tmp),
			(unsigned long long)grace);
}

/* The catalog file's free pages: given back (--vacuum), or mentioned when
 * they are worth it. */
static int space(struct gic_catalog *c, int dry, int vacuum)
{
	uint64_t file, unused, after, ignored;
	FILE *o = stderr;
	char a[32], b[32];
	int rc;

	if ((rc = gic_catalog_space(c, &file, &unused)) < 0)
		return rc;
	cli_size(file, a, sizeof(a));
	cli_size(unused, b, sizeof(b));
	if (vacuum && dry)
		fprintf(o, "gc: --vacuum would rewrite the catalog file (%s) "
			"without its %s of free pages\n", a, b);
	else if (vacuum) {
		if ((rc = gic_catalog_vacuum(c)) < 0 ||
		    (rc = gic_catalog_space(c, &after, &ignored)) < 0)
			return rc;
		fprintf(o, "gc: rewrote the catalog file: %s -> %s\n", a,
			cli_size(after, b, sizeof(b)));
	} else if (unused >= 1000000 && unused >= file / 10)
		fprintf(o, "gc: the catalog file holds %s of free pages (of "
			"%s), which later writes reuse; 'gicat gc --vacuum' "
			"gives them back to the file system\n", b, a);
	return 0;
}

int cmd_gc(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "grace", 1, 0, 'g' }, { "dry-run", 0, 0, 'n' },
		{ "vacuum", 0, 0, 'v' }, { "forget-gone", 0, 0, 'f' },
		{ "help", 0, 0, 'h' }, { 0 } };
	struct gic_gc_report r;
	uint64_t grace = 3600;
	struct gic_catalog *c;
	int ch, rc, dry = 0, vacuum = 0, forget = 0;

	while ((ch = cli_getopt(argc, argv, "nh", opts, NULL)) != -1) {
		if (ch == 'n')
			dry = 1;
		else if (ch == 'v')
			vacuum = 1;
		else if (ch == 'f')
			forget = 1;
		else if (ch != 'g')
			return cli_getopt_end("gc", ch);
		else if ((rc = cli_number_opt("gc", "--grace", optarg, 0,
					      INT64_MAX, &grace)) >= 0)
			return rc;
	}
	if (optind < argc) /* a mistyped option must not run gc for real */
		return cli_usage_error("gc", "unexpected argument '%s'",
				       argv[optind]);
	if ((rc = cli_open("gc", &c)))
		return rc;
	if ((rc = gic_gc(c, (int64_t)grace, (dry ? GIC_GC_DRY_RUN : 0) |
			 (forget ? GIC_GC_FORGET_GONE : 0), &r)) == 0) {
		report(&r, dry, grace);
		rc = space(c, dry, vacuum);
	}
	gic_catalog_close(c);
	return rc < 0 ? cli_fail(rc, "gc", NULL) : 0;
}
