/*
 * options.c - reading a command's options: getopt_long with its errors
 * said in one line (a misspelt option gets the one meant), -h, and the
 * ingest options checked against their words and the license registry.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "cli.h"

int cli_entry_opts(const char *cmd, const char *dataset,
		   const char *generator, const char *label, const char *split)
{
	if (label && gic_label_check(label) < 0)
		return cli_usage_error(cmd, "--label: %s", gic_errmsg());
	if (split && gic_split_check(split) < 0)
		return cli_usage_error(cmd, "--split: %s", gic_errmsg());
	/* their messages begin with the option's name */
	if ((dataset && gic_name_check("--dataset", dataset,
				       GIC_DATASET_MAX) < 0) ||
	    (generator && gic_name_check("--generator", generator,
					 GIC_GENERATOR_MAX) < 0))
		return cli_usage_error(cmd, "%s", gic_errmsg());
	if (generator && label && !strcmp(label, "real"))
		return cli_usage_error(cmd, "--generator with --label real: a "
				       "real image has no generator");
	return -1;
}

int cli_license_opt(const char *cmd, struct gic_catalog *c, const char *ids)
{
	int rc = ids ? gic_license_check(c, ids) : 0;

	if (rc == GIC_EUSAGE)
		return cli_usage_error(cmd, "--license: %s", gic_errmsg());
	return rc < 0 ? cli_fail(rc, cmd, NULL) : -1;
}

const char *cli_meant(const char *bad, const char *const *words)
{
	static char out[GIC_SUGGEST_LONGEST + 24];
	size_t n = 0;
	const char *near;

	while (words[n])
		n++;
	out[0] = 0;
	if ((near = gic_nearest(bad, words, n)))
		snprintf(out, sizeof(out), "; did you mean '%s'?", near);
	return out;
}

/* What the last cli_getopt call parsed, for cli_getopt_end to say what
 * was wrong with an option. */
static struct {
	int argc;
	char **argv;
	const char *shorts;
	const struct option *longs;
} parsed;

int cli_getopt(int argc, char **argv, const char *shorts,
	       const struct option *longs, int *index)
{
	parsed.argc = argc;
	parsed.argv = argv;
	parsed.shorts = shorts;
	parsed.longs = longs;
	opterr = 0;  /* its messages take two lines with a suggestion */
	return getopt_long(argc, argv, shorts, longs, index);
}

/* The option of cmd's usage and help closest to a misspelt one (--bad
 * or --bad=VALUE), or NULL; its name goes to out. */
static const char *near_option(const struct cmd *k, const char *bad,
			       char *out, size_t size)
{
	const char *texts[] = { k->usage, k->help };
	size_t best = GIC_SUGGEST_FAR, n = strcspn(bad + 2, "=");
	const char *meant = NULL;

	for (int t = 0; t < 2 && texts[t]; t++)
		for (const char *p = texts[t]; (p = strstr(p, "--")); ) {
			size_t len = strspn(p += 2, "abcdefghijklmnopqrstuvwxyz"
					    "0123456789-");
			char word[GIC_SUGGEST_LONGEST + 1];

			if (!len || len > GIC_SUGGEST_LONGEST)
				continue;
			snprintf(word, sizeof(word), "%.*s", (int)len, p);
			if (gic_suggest_closer(bad + 2, n, word, &best)) {
				snprintf(out, size, "--%s", word);
				meant = out;
			}
		}
	return meant;
}

/* The long option arg (--name or --name=value) names: the one it spells
 * out or abbreviates; NULL when none, or several, which go to alts
 * ("--fields, --format"). */
static const struct option *long_named(const char *arg, char *alts,
				       size_t size)
{
	size_t n = strcspn(arg + 2, "="), len = 0;
	const struct option *found = NULL;
	int many = 0;

	alts[0] = 0;
	for (const struct option *o = parsed.longs; o && o->name; o++) {
		if (strncmp(o->name, arg + 2, n))
			continue;
		if (strlen(o->name) == n)
			return o;
		many += found != NULL;
		found = o;
		if (len < size)
			len += (size_t)snprintf(alts + len, size - len, "%s--%s",
						len ? ", " : "", o->name);
	}
	if (!many)
		alts[0] = 0;
	return many ? NULL : found;
}

/* The argument an unknown short option came in, when it is a file's
 * name ("-leading.png"), else NULL. */
static const char *file_named_so(void)
{
	for (int i = optind - 1; i <= optind && i < parsed.argc; i++)
		if (i > 0 && parsed.argv[i][0] == '-' &&
		    parsed.argv[i][1] != '-' && access(parsed.argv[i], F_OK) == 0)
			return parsed.argv[i];
	return NULL;
}

/* The index of the argument an unknown option came in, when it follows
 * a field and an operator ("path = -x.png"): an EXPR's value; else 0. */
static int expr_value_at(void)
{
	static const char *const ops[] = { "=", "!=", "<", "<=", ">", ">=",
					   "~", NULL };
	/* optind is past it, or at it when a short option cut it short */
	for (int i = optind - 1; i <= optind && i < parsed.argc; i++) {
		if (i < 3 || parsed.argv[i][0] != '-' ||
		    strchr(parsed.argv[i], '\'') || parsed.argv[i - 2][0] == '-')
			continue;
		for (const char *const *o = ops; *o; o++)
			if (!strcmp(parsed.argv[i - 1], *o))
				return i;
	}
	return 0;
}

/* getopt's error (it printed none) as one line: the option, what was
 * wrong, and for a misspelt long one what was meant. */
static void bad_option(const struct cmd *k, const char *cmd)
{
	const char *arg = optind > 0 && optind <= parsed.argc ?
			  parsed.argv[optind - 1] : "";
	char meant[GIC_SUGGEST_LONGEST + 3], alts[256] = "";
	int n = (int)strcspn(arg, "=");
	const struct option *o = NULL;

	if (!strncmp(arg, "--", 2) && arg[2])
		o = long_named(arg, alts, sizeof(alts));
	const char *file = optopt && !(o && o->val == optopt) &&
			   !(parsed.shorts && strchr(parsed.shorts, optopt)) ?
			   file_named_so() : NULL;

	int v = k && strstr(k->usage, "EXPR") ? expr_value_at() : 0;

	if (v)
		cli_say(cmd, "'%s': unknown option; a value starting with '-' "
			"is quoted, and the quotes too: gicat %s \"%s %s "
			"'%s'\"", parsed.argv[v], cmd, parsed.argv[v - 2],
			parsed.argv[v - 1], parsed.argv[v]);
	else if (file)
		cli_say(cmd, "'%s': unknown option, and a file's name: say "
			"./%s, or put -- before it", file, file);
	else if (optopt && !(o && o->val == optopt))  /* a short option */
		cli_say(cmd, "'-%c': %s", optopt, parsed.shorts &&
			strchr(parsed.shorts, optopt) ? "needs a value" :
			"unknown option");
	else if (o)
		cli_say(cmd, "'%.*s': %s", n, arg, arg[n] ? "takes no value" :
			"needs a value");
	else if (alts[0])
		cli_say(cmd, "'%.*s': ambiguous: %s", n, arg, alts);
	else if (near_option(k, arg, meant, sizeof(meant)))
		cli_say(cmd, "'%.*s': unknown option; did you mean '%s'?", n,
			arg, meant);
	else
		cli_say(cmd, "'%.*s': unknown option", n, arg);
}

int cli_getopt_end(const char *cmd, int c)
{
	const struct cmd *k = cli_find_cmd(cmd);

	if (c == 'h') {
		cli_usage(k, stdout);
		return EXIT_OK;
	}
	if (c == '?' || c == ':')
		bad_option(k, cmd);
	cli_usage_hint(k);
	return EXIT_USAGE;
}
