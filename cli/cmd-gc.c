/*
 * cmd-gc.c - gicat gc [--grace SECONDS] [--dry-run]: removes the records
 * of exports whose directory is gone, image rows no entry uses, temporary
 * files, and objects nothing references, and says how much that freed.
 * Files changed (ctime) within the grace period (default one hour) are
 * kept, and counted: a concurrent ingest may be about to commit them.
 * --dry-run: the same report, nothing removed.
 */
#include <getopt.h>

#include "cli.h"

int cmd_gc(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "grace", 1, 0, 'g' }, { "dry-run", 0, 0, 'n' },
		{ "help", 0, 0, 'h' }, { 0 } };
	struct gic_gc_report r;
	uint64_t grace = 3600;
	struct gic_catalog *c;
	int ch, rc, dry = 0;
	char size[32];

	while ((ch = getopt_long(argc, argv, "nh", opts, NULL)) != -1) {
		if (ch == 'n')
			dry = 1;
		else if (ch != 'g')
			return cli_getopt_end("gc", ch);
		else if (cli_parse_u64(optarg, &grace) < 0)
			return cli_usage_error("gc", "bad --grace '%s'", optarg);
	}
	if ((rc = cli_open("gc", &c)))
		return rc;
	rc = gic_gc(c, (int64_t)grace, dry, &r);
	gic_catalog_close(c);
	if (rc < 0)
		return cli_fail(rc, "gc", NULL);
	if (r.exports)
		printf("gc: %s the records of %llu export%s whose directory is "
		       "gone (%llu file%s listed)\n", dry ? "would remove" :
		       "removed", (unsigned long long)r.exports,
		       cli_s(r.exports), (unsigned long long)r.export_files,
		       cli_s(r.export_files));
	printf("gc: %s %llu unused image row%s, %llu object%s, %llu temporary "
	       "file%s (%s freed)\n", dry ? "would remove" :
	       "removed", (unsigned long long)r.rows, cli_s(r.rows),
	       (unsigned long long)r.objects, cli_s(r.objects),
	       (unsigned long long)r.tmp, cli_s(r.tmp),
	       cli_size(r.bytes, size, sizeof(size)));
	if (r.young_objects || r.young_tmp)
		printf("gc: %s %llu object%s, %llu temporary file%s changed "
		       "less than %llu seconds ago (--grace, for a store that "
		       "machines share: the lock that keeps gc from running "
		       "beside a writer may not reach across them); 'gicat gc "
		       "--grace 0' removes them\n", dry ? "would keep" : "kept",
		       (unsigned long long)r.young_objects,
		       cli_s(r.young_objects), (unsigned long long)r.young_tmp,
		       cli_s(r.young_tmp), (unsigned long long)grace);
	return 0;
}
