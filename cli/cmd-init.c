/*
 * cmd-init.c - gicat init [DIR]: creates DIR/.gicat (default: here).
 */
#include <getopt.h>

#include "cli.h"

int cmd_init(int argc, char **argv)
{
	static const struct option opts[] = { { "help", 0, 0, 'h' }, { 0 } };
	const char *dir = ".";
	struct gic_catalog *c;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1)
		return cli_getopt_end("init", ch);
	if (argc - optind > 1)
		return cli_usage_error("init", "too many arguments");
	if (optind < argc)
		dir = argv[optind];
	if ((rc = gic_catalog_init(dir, &c)) < 0)
		return cli_fail(rc, "init", dir);
	fprintf(stderr, "gicat: created catalog in %s/.gicat (schema %d)\n",
		c->root, c->schema_version);
	gic_catalog_close(c);
	return 0;
}
