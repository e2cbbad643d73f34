/*
 * cmd-gc.c - gicat gc [--grace SECONDS]: removes image rows no entry uses,
 * temporary files, and objects nothing references.  Files changed (ctime)
 * within the grace period (default one hour) are kept, and counted: a
 * concurrent ingest may be about to commit them.
 */
#include <getopt.h>

#include "cli.h"

int cmd_gc(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "grace", 1, 0, 'g' }, { "help", 0, 0, 'h' }, { 0 } };
	struct gic_gc_report r;
	uint64_t grace = 3600;
	char size[32];
	struct gic_catalog *c;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (ch != 'g')
			return cli_getopt_end("gc", ch);
		if (cli_parse_u64(optarg, &grace) < 0)
			return cli_usage_error("gc", "bad --grace '%s'", optarg);
	}
	if ((rc = cli_open("gc", &c)))
		return rc;
	rc = gic_gc(c, (int64_t)grace, &r);
	gic_catalog_close(c);
	if (rc < 0)
		return cli_fail(rc, "gc", NULL);
	printf("gc: removed %llu unused image rows, %llu objects, %llu "
	       "temporary files (%s of objects freed)\n",
	       (unsigned long long)r.rows, (unsigned long long)r.objects,
	       (unsigned long long)r.tmp, cli_size(r.bytes, size, sizeof(size)));
	if (r.young_objects || r.young_tmp)
		printf("gc: kept %llu objects, %llu temporary files changed less "
		       "than %llu seconds ago (--grace: a running ingest may "
		       "still need them); when none runs, 'gicat gc --grace 0' "
		       "removes them\n", (unsigned long long)r.young_objects,
		       (unsigned long long)r.young_tmp,
		       (unsigned long long)grace);
	return 0;
}
