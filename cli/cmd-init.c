/*
 * cmd-init.c - gicat init [DIR]: creates DIR/.gicat.  Without DIR, the
 * catalog goes where --catalog or $GICAT_DIR say (the directory that will
 * contain .gicat, as for every other command), else here.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

/* Same name once trailing slashes are ignored, or the same directory. */
static int same_dir(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	struct stat sa, sb;

	while (la > 1 && a[la - 1] == '/')
		la--;
	while (lb > 1 && b[lb - 1] == '/')
		lb--;
	if (la == lb && !strncmp(a, b, la))
		return 1;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	       sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* The catalog whose tree root (absolute) lies in, above root's own:
 * gicat below root finds the new one now.  NULL when there is none. */
static char *catalog_above(const char *root)
{
	char *parent = strdup(root), *slash, *above = NULL;

	if (parent && (slash = strrchr(parent, '/')) && slash != parent) {
		*slash = '\0';
		gic_catalog_upward(parent, &above);
	}
	free(parent);
	return above;
}

int cmd_init(int argc, char **argv)
{
	static const struct option opts[] = { { "help", 0, 0, 'h' }, { 0 } };
	const char *dir = ".";
	char *above;
	struct gic_catalog *c;
	struct stat st;
	int ch, rc;

	while ((ch = cli_getopt(argc, argv, "h", opts, NULL)) != -1)
		return cli_getopt_end("init", ch);
	if (argc - optind > 1)
		return cli_usage_error("init", "unexpected argument '%s' (init "
				       "makes one catalog, in DIR)",
				       argv[optind + 1]);
	if (optind < argc) {
		dir = argv[optind];
		if (cli_catalog_opt && !same_dir(cli_catalog_opt, dir))
			return cli_usage_error("init", "--catalog '%s' and DIR "
					       "'%s' differ", cli_catalog_opt,
					       dir);
	} else if (gic_catalog_named(cli_catalog_opt)) {
		dir = gic_catalog_named(cli_catalog_opt);
	}
	if (!*dir)
		return cli_usage_error("init", "DIR is empty");
	if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode))
		return cli_usage_error("init", "'%s' is %s, not a directory",
				       dir, gic_file_kind(st.st_mode));
	if ((rc = gic_catalog_init(dir, &c)) < 0)
		return cli_fail(rc, "init", dir);
	if (rc == 1) {  /* as git init says "Reinitialized": a script re-run */
		cli_err("init: %s/.gicat already holds a catalog (schema %d): "
			"its objects and rows stay as they are\n", c->root,
			c->schema_version);
		gic_catalog_close(c);
		return 0;
	}
	cli_err("init: created catalog in %s/.gicat (schema %d)\n",
		c->root, c->schema_version);
	if ((above = catalog_above(c->root)))
		cli_err("gicat: init: note: it is inside the tree of the "
			"catalog in %s/.gicat: gicat run below %s now finds "
			"the new one (--catalog or $GICAT_DIR choose)\n", above,
			c->root);
	free(above);
	gic_catalog_close(c);
	return 0;
}
