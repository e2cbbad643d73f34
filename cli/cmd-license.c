/*
 * cmd-license.c - gicat license list [--format table|csv|jsonl]: the
 * license registry; gicat license set EXPR ID...: the licenses of every
 * entry matching EXPR (all of the ids apply at once); license set
 * --dataset NAME | --generator G ID...: licenses attached to a dataset or
 * a generator, its entries' now and its new entries' later; license
 * unset --dataset NAME | --generator G; license rules: those attached.
 * An id that is not in the registry is a usage error.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "audit.h"
#include "cli.h"

#define YES_NO(col) "iif(" #col ", 'yes', 'no') AS " #col

/* The rows of sql, as f says. */
static int rows(const char *what, const char *sql, enum out_format f)
{
	struct gic_catalog *c;
	sqlite3_stmt *s;
	int rc;

	if ((rc = cli_open("license", &c)))
		return rc;
	if (sqlite3_prepare_v2(c->db, sql, -1, &s, NULL)) {
		rc = cli_db_fail(c->db, what, NULL);
	} else {
		out_rows(s, f, stdout);
		rc = cli_finish_rows(what, s);
	}
	gic_catalog_close(c);
	return rc;
}

static int list(enum out_format f)
{
	/* the table shows what fits on a line, its flags as yes/no (as the
	 * audits print them); csv and jsonl everything, flags as 1/0 */
	return rows("license list", f == OUT_TABLE ?
		"SELECT id, " YES_NO(commercial) ", " YES_NO(redistribution)
		", " YES_NO(attribution) ", " YES_NO(share_alike) ", name "
		"FROM licenses ORDER BY id" :
		"SELECT id, name, url, commercial, redistribution, attribution, "
		"share_alike, terms FROM licenses ORDER BY id", f);
}

/* When no entry has the dataset or generator name, the note a query
 * asking for it gets ("did you mean 'genimage'?"). */
static void name_hint(struct gic_catalog *c, const char *kind,
		      const char *name)
{
	char hint[512];

	if (cli_name_hint(c, kind, name, hint, sizeof(hint)))
		cli_err("gicat: license set: note: %s\n", hint);
}

/* license set --dataset|--generator NAME ID... (nids 0: unset). */
static int set_rule(const char *kind, const char *name, int nids,
		    char **ids)
{
	const char *what = nids ? "license set" : "license unset";
	struct gic_catalog *c;
	char *list = nids ? cli_join_args(nids, ids) : NULL;
	uint64_t changed = 0;
	int rc;

	if (nids && !list)
		return cli_fail(gic_seterr(GIC_ENOMEM, "out of memory"), what,
				NULL);
	if ((rc = cli_open("license", &c)) == 0) {
		char shown[1024];

		gic_esc(name, shown, sizeof(shown));
		rc = gic_license_rule_set(c, kind, name, list, &changed);
		if (rc == GIC_EUSAGE)
			cli_usage_error("license", "%s", gic_errmsg());
		else if (rc < 0)
			cli_fail(rc, what, NULL);
		else if (nids)
			cli_err("license set: %s '%s' has %s now, and its new "
				"entries will; %llu %s changed\n", kind, shown,
				list, (unsigned long long)changed,
				changed == 1 ? "entry" : "entries");
		else if (changed)
			cli_err("license unset: %s '%s' has no licenses of its "
				"own now; its entries keep theirs\n", kind,
				shown);
		else
			cli_err("license unset: %s '%s' had no licenses "
				"attached ('gicat license rules' lists them)\n",
				kind, shown);
		if (rc == 0 && !changed && nids)  /* a name no entry has */
			name_hint(c, kind, name);
		gic_catalog_close(c);
	}
	free(list);
	return rc < 0 ? cli_exit_code(rc) : rc;
}

/* Does s read as an expression rather than an id? */
static int looks_expr(const char *s)
{
	return strpbrk(s, "=<>~") || strstr(s, " in ");
}

/* What a usage error of set adds: ids and EXPR swapped, or EXPR split
 * into words by the shell ("" when neither). */
static const char *set_hint(const char *expr, int nids, char **ids,
			    char *buf, size_t size)
{
	if (looks_expr(expr) || gic_blank(expr))
		return "";
	for (int i = 0; i < nids; i++)
		if (looks_expr(ids[i]) &&  /* not a lone '=' of split words */
		    ids[i][strspn(ids[i], "=<>~!")]) {
			snprintf(buf, size, " (EXPR comes first, then the "
				 "ids: gicat license set '%s' %s)", ids[i],
				 expr);
			return buf;
		}
	return " (EXPR is one argument: quote it, as in 'gicat license set "
	       "\"dataset = x\" ID')";
}

static int set(const char *expr, int nids, char **ids)
{
	char hint[512];
	struct gic_catalog *c;
	char *list = cli_join_args(nids, ids);
	uint64_t changed = 0;
	int rc, errcol = 0;

	if (!list)
		return cli_fail(gic_seterr(GIC_ENOMEM, "out of memory"),
				"license set", NULL);
	if ((rc = cli_open("license", &c))) {
		free(list);
		return rc;
	}
	rc = gic_license_set(c, expr, list, &errcol, &changed);
	if (rc == GIC_EUSAGE && errcol)
		cli_expr_error("license set", expr, errcol);
	else if (rc == GIC_EUSAGE)
		cli_usage_error("license", "%s%s", gic_errmsg(),
				set_hint(expr, nids, ids, hint, sizeof(hint)));
	else if (rc < 0) /* the catalog's failure: EXPR is not its subject */
		cli_fail(rc, "license set", NULL);
	else
		cli_err("license set: %llu %s changed%s\n",
			(unsigned long long)changed,
			changed == 1 ? "entry" : "entries", changed ? "" :
			" (no entry matches EXPR, or all have these licenses)");
	if (rc == 0 && !changed)
		cli_select_hint("license set", c, expr);
	gic_catalog_close(c);
	free(list);
	return cli_exit_code(rc);
}

int cmd_license(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", 1, 0, 'f' }, { "dataset", 1, 0, 'd' },
		{ "generator", 1, 0, 'g' }, { "help", 0, 0, 'h' }, { 0 } };
	enum out_format f = OUT_TABLE;
	const char *kind = NULL, *name = NULL, *verb;
	int ch, rc;

	while ((ch = cli_getopt(argc, argv, "hf:", opts, NULL)) != -1) {
		if (ch == 'f' && (rc = cli_format_opt("license", optarg, 0, &f)) >= 0)
			return rc;
		else if ((ch == 'd' || ch == 'g') && kind)
			return cli_usage_error("license", "give --dataset or "
					       "--generator, once");
		else if (ch == 'd' || ch == 'g') {
			kind = ch == 'd' ? "dataset" : "generator";
			name = ch == 'd' ? optarg : cli_generator(optarg);
		} else if (ch != 'f')
			return cli_getopt_end("license", ch);
	}
	verb = optind < argc ? argv[optind] : "";
	if (kind && strcmp(verb, "set") && strcmp(verb, "unset"))
		return cli_usage_error("license", "--%s is for 'set' and "
				       "'unset'", kind);
	if (kind && !strcmp(verb, "set") && optind + 2 > argc)
		return cli_usage_error("license", "set --%s %s takes at least "
				       "one license ID", kind, name);
	if (kind && !strcmp(verb, "unset") && optind + 1 != argc)
		return cli_usage_error("license", "unset --%s %s takes no ID",
				       kind, name);
	/* set: as ingest takes names; unset: any rule there is, to remove */
	if (kind && !strcmp(verb, "set") && (rc = gic_name_check(*kind == 'd' ? "--dataset" :
					 "--generator", name, *kind == 'd' ?
					 GIC_DATASET_MAX : GIC_GENERATOR_MAX)))
		return cli_usage_error("license", "%s", gic_errmsg());
	if (kind)
		return set_rule(kind, name, argc - optind - 1, argv + optind + 1);
	if (!strcmp(verb, "unset"))
		return cli_usage_error("license", "unset takes --dataset NAME "
				       "or --generator G");
	if (optind + 1 == argc && !strcmp(verb, "rules"))
		return rows("license rules", "SELECT kind, name, licenses FROM "
			    "license_rules ORDER BY kind, name", f);
	if (optind + 1 == argc && !strcmp(argv[optind], "list"))
		return list(f);
	if (optind + 3 <= argc && !strcmp(argv[optind], "set"))
		return set(argv[optind + 1], argc - optind - 2, argv + optind + 2);
	if (optind < argc && !strcmp(argv[optind], "set"))
		return cli_usage_error("license", "set takes EXPR and at least "
				       "one license ID ('gicat license list' "
				       "shows them)");
	if (optind + 1 < argc && (!strcmp(verb, "list") ||
				  !strcmp(verb, "rules")))
		return cli_usage_error("license", "%s takes no argument, not "
				       "'%s'", verb, argv[optind + 1]);
	if (optind < argc && strcmp(verb, "list") && strcmp(verb, "rules"))
		return cli_usage_error("license", "no license command '%s' "
				       "(list, set, unset or rules)%s", verb,
				       cli_meant(verb, (const char *[]){ "list",
				       "set", "unset", "rules", NULL }));
	return cli_usage_error("license", "expected 'list', 'rules', 'set EXPR "
			       "ID...', 'set --dataset NAME|--generator G "
			       "ID...' or 'unset --dataset NAME|--generator G'");
}
