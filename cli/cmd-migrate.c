/*
 * cmd-migrate.c - gicat migrate [--status | --measure]: opening a catalog
 * applies pending migrations; --status lists them without changing
 * anything else; --measure also fills, by decoding, what a migration
 * added for images catalogued before it.  A catalog from a newer gicat:
 * --status says so (it only reads: exit 0), migrate refuses it (exit 3).
 */
#include <getopt.h>
#include <string.h>

#include "cli.h"

static void on_problem(void *arg, const char *hex, const char *why)
{
	(void)arg;
	cli_error_line("migrate", hex, why, strlen(why));
}

/* Who may run --measure on c, when this gicat may not. */
static const char *who_measures(const struct gic_catalog *c)
{
	switch (c->readonly) {
	case GIC_RO_ACCESS:
		return ", run by a user who may write the catalog,";
	case GIC_RO_SCHEMA:
		return ", run by a gicat that knows its schema,";
	case GIC_RO_OLDER:
		return ", after 'gicat migrate',";
	}
	return "";
}

/* Fills what a migration could not (--measure), or says how much there
 * is to fill.  Returns the exit code. */
static int measure(struct gic_catalog *c, int run)
{
	struct gic_backfill_report rep;
	uint64_t n;
	int rc;

	if ((rc = gic_backfill_pending(c, &n)) < 0)
		return cli_fail(rc, "migrate", NULL);
	if (n == 0 || !run) {
		if (n)
			printf("migrate: %llu image%s catalogued before 0012 "
			       "%s no trailing_bytes: 'gicat migrate "
			       "--measure'%s decodes %s to fill it in\n",
			       (unsigned long long)n, cli_s(n),
			       n == 1 ? "has" : "have", who_measures(c),
			       n == 1 ? "it" : "them");
		return 0;
	}
	rc = gic_backfill(c, on_problem, NULL, &rep);
	printf("migrate: trailing_bytes measured for %llu of %llu image%s; "
	       "%llu could not be read or decoded\n",
	       (unsigned long long)rep.measured, (unsigned long long)n,
	       cli_s(n), (unsigned long long)rep.failed);
	if (rc < 0)
		return cli_fail(rc, "migrate", NULL);
	return rep.failed ? 1 : 0;
}

int cmd_migrate(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "status", 0, 0, 's' }, { "measure", 0, 0, 'm' },
		{ "help", 0, 0, 'h' }, { 0 } };
	struct gic_catalog *c;
	int ch, status = 0, run = 0, rc, before, latest;
	char pending[80] = "";

	while ((ch = cli_getopt(argc, argv, "h", opts, NULL)) != -1) {
		if (ch == 's')
			status = 1;
		else if (ch == 'm')
			run = 1;
		else
			return cli_getopt_end("migrate", ch);
	}
	if (optind < argc)
		return cli_usage_error("migrate", "unexpected argument '%s'",
				       argv[optind]);
	if (status && run)
		return cli_usage_error("migrate", "--status only reads: not "
				       "with --measure");
	/* as it is first: --status changes nothing, and migrate says what
	 * it applied */
	if ((rc = cli_open_as_is("migrate", &c)))
		return rc;
	before = c->schema_version;
	if (!status && c->readonly == GIC_RO_OLDER) {
		gic_catalog_close(c);
		if ((rc = cli_open("migrate", &c)))
			return rc;
	}
	latest = gic_migrations_latest();
	for (int v = 1; v <= latest; v++) {
		const char *name = gic_migration_name(v);

		if (name && status)
			printf("%s  %s\n", v <= c->schema_version ? "applied" :
			       "pending", name);
		else if (name && v > before && v <= c->schema_version)
			printf("migrate: applied %s\n", name);
	}
	if (c->schema_version < latest)
		snprintf(pending, sizeof(pending), ": %d pending ('gicat "
			 "migrate' applies them)", latest - c->schema_version);
	printf("schema version %d (this gicat knows %d)%s%s\n",
	       c->schema_version, latest, c->schema_version > latest ?
	       ": newer than this gicat, which reads it but never writes it" :
	       pending, c->readonly == GIC_RO_ACCESS ?
	       ": read-only here (no write access)" : "");
	/* read-only: refused when there is something to write (a newer
	 * schema is never written), fine when there is nothing to apply */
	rc = c->readonly && !status && (c->readonly != GIC_RO_ACCESS || run ||
					c->schema_version != latest) ?
	     cli_fail(gic_catalog_writable(c), "migrate", c->root) : 0;
	if (rc == 0 && c->schema_version >= 12)
		rc = measure(c, run);
	gic_catalog_close(c);
	return rc;
}
