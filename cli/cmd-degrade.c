/*
 * cmd-degrade.c - gicat degrade OPS SHA256|PREFIX|PATH > file: one derived
 * image of a catalogued one, PATH as show takes it (resize, blur, JPEG
 * re-encoding... see degrade.h), computed and stored once, then reused;
 * its bytes go to stdout, and stderr says whether they were computed or
 * found in the catalog.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "degrade.h"

static int run(struct gic_catalog *c, const struct gic_ops *o,
	       const char *prefix)
{
	char parent[GIC_HEX_LEN + 1], hex[GIC_HEX_LEN + 1];
	unsigned char *buf = NULL;
	size_t len = 0;
	int rc, computed = 0;

	if ((rc = gic_resolve_image(c, prefix, parent)) < 0)
		return cli_fail(rc, "degrade", prefix);
	if ((rc = gic_derive(c, parent, o->canon, hex, &computed)) < 0 ||
	    (rc = gic_image_read(c, hex, &buf, &len)) < 0)
		return cli_fail(rc, "degrade", parent);
	cli_err("degrade: %s %s: %s of %.12s (%zu bytes%s)\n",
		computed ? "computed" : "reused", hex, o->canon, parent, len,
		strcmp(hex, parent) ? "" : ": the same bytes, the image "
		"itself");
	rc = cli_write_stdout(buf, len); /* a failure is told at exit */
	free(buf);
	return rc;
}

int cmd_degrade(int argc, char **argv)
{
	static const struct option opts[] = { { "help", 0, 0, 'h' }, { 0 } };
	struct gic_catalog *c;
	struct gic_ops o;
	int ch, rc;

	while ((ch = cli_getopt(argc, argv, "h", opts, NULL)) != -1)
		return cli_getopt_end("degrade", ch);
	if (argc - optind != 2)
		return cli_usage_error("degrade", "expected OPS and one hash "
				       "or path");
	if ((rc = gic_ops_parse(argv[optind], &o)) < 0) {
		char why[512], chain[80];

		snprintf(why, sizeof(why), "%s", gic_errmsg());
		/* a chain past the limit is named by its start, as query
		 * shows 60 characters of an expression */
		snprintf(chain, sizeof(chain), strlen(argv[optind]) > 72 ?
			 "%.60s..." : "%s", argv[optind]);
		/* swapped: a hash or a path first, a chain after it; a
		 * first argument with a '(' is a chain gone wrong */
		if (!strchr(argv[optind], '(') &&
		    gic_ops_parse(argv[optind + 1], &o) == 0)
			return cli_usage_error("degrade", "OPS comes first, "
					       "then the hash: gicat degrade "
					       "'%s' %s", argv[optind + 1],
					       argv[optind]);
		return cli_fail(gic_seterr(rc, "%s", why), "degrade", chain);
	}
	if ((rc = cli_stdout_not_terminal("degrade")) ||
	    (rc = cli_open("degrade", &c)))
		return rc;
	rc = run(c, &o, argv[optind + 1]);
	gic_catalog_close(c);
	return rc;
}
