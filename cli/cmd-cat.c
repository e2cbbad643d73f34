/*
 * cmd-cat.c - gicat cat SHA256|PREFIX|PATH: writes an image's bytes to
 * stdout, after checking them against their hash; PATH as show takes it.
 */
#include <getopt.h>
#include <stdlib.h>

#include "cli.h"

int cmd_cat(int argc, char **argv)
{
	static const struct option opts[] = { { "help", 0, 0, 'h' }, { 0 } };
	char hex[GIC_HEX_LEN + 1];
	struct gic_catalog *c;
	unsigned char *buf = NULL;
	size_t len = 0;
	int ch, rc;

	while ((ch = cli_getopt(argc, argv, "h", opts, NULL)) != -1)
		return cli_getopt_end("cat", ch);
	if (argc - optind != 1)
		return cli_usage_error("cat", "expected one hash or path");
	if ((rc = cli_stdout_not_terminal("cat")) ||
	    (rc = cli_open("cat", &c)))
		return rc;
	if ((rc = gic_resolve_image(c, argv[optind], hex)) < 0 ||
	    (rc = gic_image_read(c, hex, &buf, &len)) < 0) {
		rc = cli_fail(rc, "cat", argv[optind]);
	} else {
		rc = cli_write_stdout(buf, len); /* a failure is told at exit */
	}
	free(buf);
	gic_catalog_close(c);
	return rc;
}
