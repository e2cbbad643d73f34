/*
 * cmd-migrate.c - gicat migrate [--status]: opening a catalog applies
 * pending migrations; --status lists them without changing anything else.
 * A catalog from a newer gicat: --status says so (it only reads: exit 0),
 * migrate refuses it (exit 3).
 */
#include <getopt.h>

#include "cli.h"

int cmd_migrate(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "status", 0, 0, 's' }, { "help", 0, 0, 'h' }, { 0 } };
	struct gic_catalog *c;
	int ch, status = 0, rc;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (ch == 's')
			status = 1;
		else
			return cli_getopt_end("migrate", ch);
	}
	if ((rc = cli_open("migrate", &c)))
		return rc;
	if (status) {
		for (int v = 1; v <= gic_migrations_latest(); v++)
			if (gic_migration_name(v))
				printf("%s  %s\n", v <= c->schema_version ?
				       "applied" : "pending", gic_migration_name(v));
	}
	printf("schema version %d (this gicat knows %d)%s\n", c->schema_version,
	       gic_migrations_latest(), c->readonly == GIC_RO_SCHEMA ?
	       ": newer than this gicat, which reads it but never writes it" :
	       c->readonly ? ": read-only here (no write access)" : "");
	rc = c->readonly && !status ?
	     cli_fail(gic_catalog_writable(c), "migrate", c->root) : 0;
	gic_catalog_close(c);
	return rc;
}
