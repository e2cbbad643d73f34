/*
 * cmd-export.c - gicat export [EXPR] --out DIR [--format F] ...: an ad-hoc
 * one-set split of the entries matching EXPR, written as set "export",
 * sampled (--fraction, --max-per-class, --balance, --seed) as a task set.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "cli.h"

/* How the set samples what EXPR selects, as a task set's keys say. */
struct sampling {
	double fraction;
	uint64_t max_per_class;
	long long seed;          /* any integer, as a task file's seed */
	int balance;
};

/* One sampling option: -1 to go on, or the usage error's exit code. */
static int sampling_opt(int ch, const char *arg, struct sampling *s)
{
	char *end;

	switch (ch) {
	case 'R':
		if (!gic_decimal(arg, &s->fraction) ||
		    !(s->fraction > 0 && s->fraction <= 1))
			return cli_usage_error("export", "--fraction takes a "
					       "number in (0, 1], not '%s'", arg);
		return -1;
	case 'M':
		return cli_number_opt("export", "--max-per-class", arg, 1,
				      1000000000, &s->max_per_class);
	case 'B':
		if (strcmp(arg, "label"))
			return cli_usage_error("export", "--balance can only be "
					       "'label', not '%s'%s", arg,
					       cli_meant(arg, (const char *[]){
						"label", NULL }));
		s->balance = 1;
		return -1;
	default: /* 'E' */
		errno = 0;
		s->seed = strtoll(arg, &end, 10);
		if (end == arg || *end || errno)
			return cli_usage_error("export", "--seed takes an integer%s, "
					       "not '%s'", errno == ERANGE ?
					       " from -9223372036854775808 to "
					       "9223372036854775807" : "", arg);
		return -1;
	}
}

/* How many images expr selects (-1 on failure). */
static long long matching(struct gic_catalog *c, const char *expr)
{
	sqlite3_stmt *s;
	long long n = -1;
	int errcol = 0;

	if (gic_select_prepare(c, "count(DISTINCT sha256)", expr, "", &s,
			       &errcol, NULL) < 0)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

/* Labelled and unlabelled images in a layout of label directories. */
static int unlabelled(const struct gic_resolved_set *s,
		      enum gic_export_format f)
{
	return (f == GIC_FMT_IMAGEFOLDER || f == GIC_FMT_GENIMAGE) &&
	       s->nreal + s->nfake && s->n > s->nreal + s->nfake;
}

/* The export's task.ini records EXPR as a select = line, which INI would
 * cut at a line break or at " ;" (a comment), and which must fit a task
 * file's line.  A line break between words is white space, made a space;
 * one inside quotes, and " ;" there, are refused, so that the task.ini
 * reads back as the export's task; blanks around EXPR are dropped. */
static int ini_safe(char *expr)
{
	size_t room = GIC_TASK_LINE_MAX - strlen("select = ");
	char quote = 0;

	if (strlen(expr) > room)
		return cli_usage_error("export", "EXPR is %zu bytes: task.ini "
				       "records it on one line, which holds "
				       "%zu after 'select = '", strlen(expr),
				       room);
	for (char *p = expr; *p; p++) {
		int brk = *p == '\n' || *p == '\r';

		if (quote ? *p == quote : *p == '\'' || *p == '"')
			quote = quote ? 0 : *p;  /* '' inside: out and in */
		else if (brk && !quote)
			*p = ' ';
		else if (brk || (*p == ';' && p > expr &&
				 (p[-1] == ' ' || p[-1] == '\t')))
			return cli_usage_error("export", "EXPR holds %s in a "
					       "quoted value, which task.ini "
					       "cannot record (INI ends a line "
					       "there): match it with ? in a "
					       "glob (path ~ 'x?; y')", brk ?
					       "a line break" :
					       "a ';' after a space");
	}
	/* and without the blanks around it, which INI drops on reading:
	 * the task hashed is then the one task.ini gives back */
	size_t lead = strspn(expr, " \t"), n = strlen(expr);

	while (n > lead && strchr(" \t", expr[n - 1]))
		n--;
	memmove(expr, expr + lead, n - lead);
	expr[n - lead] = '\0';
	return 0;
}

int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		EXPORT_LONG_OPTS, { "fraction", 1, 0, 'R' },
		{ "max-per-class", 1, 0, 'M' }, { "balance", 1, 0, 'B' },
		{ "seed", 1, 0, 'E' }, { "jobs", 1, 0, 'j' },
		{ "help", 0, 0, 'h' }, { 0 } };
	struct export_args a = { .jobs = cli_default_jobs(),
				 .opts = { .format = GIC_FMT_IMAGEFOLDER,
					   .mode = GIC_EXP_LINK } };
	struct sampling smp = { .fraction = 1 };
	struct gic_catalog *c = NULL;
	struct gic_resolved *r = NULL;
	struct gic_task *t = NULL;
	long long n;
	char *expr, why[1024], shown[CLI_SHOWN_BUF];
	int ch, rc;

	while ((ch = cli_getopt(argc, argv, "ho:f:m:j:", opts, NULL)) != -1)
		if ((rc = strchr("RMBE", ch) && ch ?
			  sampling_opt(ch, optarg, &smp) :
			  cli_export_opt("export", ch, optarg, &a)) >= 0)
			return rc;
	if ((rc = cli_export_args_check("export", &a)))
		return rc;
	if (!(expr = cli_join_args(argc - optind, argv + optind)) ||
	    gic_task_parse("[task]\nname = export\nseed = 0\n[set export]\n"
			   "select =\n", "export", &t) < 0 ||
	    (smp.balance && !(t->sets[0].balance = strdup("label")))) {
		free(expr);
		gic_task_free(t);
		return cli_fail(GIC_ENOMEM, "export", NULL);
	}
	t->seed = smp.seed;
	t->sets[0].fraction = smp.fraction;
	t->sets[0].max_per_class = (int)smp.max_per_class;
	free(t->sets[0].select);
	t->sets[0].select = expr;
	/* checked here to be pointed at in EXPR, not in the task made of it */
	if ((rc = cli_expr_check("export", expr)) || (rc = ini_safe(expr)) ||
	    (rc = cli_open("export", &c)) ||
	    (rc = cli_export_out_check("export", c, &a)))
		goto out;
	if ((rc = cli_resolve("export", c, t, a.jobs, &r)))
		goto out;
	/* as split warns about an empty set (one label only is no news for
	 * an ad-hoc subset: no warning about balance) */
	if (r->sets[0].n == 0 && (n = matching(c, expr)) > 0) {
		/* without EXPR, the whole catalog: no '' to name */
		cli_err("gicat: export: warning: %s%s%s%lld images match, none "
			"is left after sampling%s: set 'export' is empty\n",
			*expr ? "'" : "", cli_shown(expr, shown),
			*expr ? "': " : "", n,
			smp.balance ? " (--balance label needs both labels)" :
			"");
	} else if (r->sets[0].n == 0 && *expr) {
		cli_err("gicat: export: warning: '%s': no image matches: "
			"set 'export' is empty\n", cli_shown(expr, shown));
		cli_select_hint("export", c, expr);
	} else if (r->sets[0].n == 0) {
		cli_err("gicat: export: warning: the catalog has no "
			"image: set 'export' is empty\n");
	} else if (unlabelled(&r->sets[0], a.opts.format)) {
		cli_err("gicat: export: warning: %zu of the %zu images have no "
			"label (real or fake): written to export/unlabelled/, "
			"which ImageFolder reads as a third class\n",
			r->sets[0].n - r->sets[0].nreal - r->sets[0].nfake,
			r->sets[0].n);
	}
	if (r->sets[0].n && gic_set_label_conflicts(&r->sets[0], "EXPR",
						    why, sizeof(why)))
		cli_err("gicat: export: warning: %s%s%s%s\n", *expr ? "'" : "",
			cli_shown(expr, shown), *expr ? "': " : "", why);
	rc = cli_export_run("export", c, r, &a);
out:
	gic_resolved_free(r);
	gic_task_free(t);
	gic_catalog_close(c);
	return rc;
}
