/*
 * cmd-query.c - gicat query [--format F] [--count] [--group-by F,F]
 * [--fields F,F] [--limit N] [EXPR]: entries matching EXPR, in insertion
 * order.
 * EXPR may be one argument or several (they are joined with spaces).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "cli.h"

#define TABLE_COLS "substr(sha256, 1, 12) AS sha256, dataset, generator, " \
	"label, split, class, width, height, format, path"

/* "a, b" from a NULL-terminated field table. */
static char *all_fields(void)
{
	size_t len = 1;
	char *s;

	for (const struct gic_field *f = gic_fields(); f->name; f++)
		len += strlen(f->sql) + strlen(f->name) + 8;
	if (!(s = calloc(1, len)))
		return NULL;
	for (const struct gic_field *f = gic_fields(); f->name; f++) {
		if (f != gic_fields())
			strcat(s, ", ");
		strcat(s, f->sql);
		if (strcmp(f->sql, f->name)) {
			strcat(s, " AS ");
			strcat(s, f->name);
		}
	}
	return s;
}

/* Validated "f1, f2" for GROUP BY or --fields from "f1,f2" in buf, which
 * it splits (the SQL comes from the field table, never from the
 * argument). */
static int split_fields(const char *opt, char *buf, char *out, size_t size)
{
	char *save = NULL, *tok;
	const struct gic_field *seen[64];
	size_t nseen = 0;

	out[0] = '\0';
	/* strtok_r would pass over "a,,b": a name left out is a mistake
	 * (no name at all is, below) */
	for (const char *p = buf; buf[strspn(buf, " ")]; p++) {
		size_t len = strcspn(p, ",");

		if (strspn(p, " ") >= len)
			return cli_usage_error("query", "%s: empty field name "
					       "in '%s'", opt, buf);
		if (!*(p += len))
			break;
	}
	for (tok = strtok_r(buf, ", ", &save); tok;
	     tok = strtok_r(NULL, ", ", &save)) {
		const struct gic_field *f = gic_field_find(tok);
		char hint[80];

		if (!f)
			return cli_usage_error("query", "%s: unknown field "
					       "'%s'%s", opt, tok, gic_field_hint(
					       tok, strlen(tok), hint,
					       sizeof(hint)));
		for (size_t i = 0; i < nseen; i++)
			if (seen[i] == f)
				return cli_usage_error("query", "%s: '%s' twice",
						       opt, f->name);
		if (nseen == 64 || strlen(out) + strlen(f->sql) + 3 >= size)
			return cli_usage_error("query", "%s: too many fields", opt);
		seen[nseen++] = f;
		if (out[0])
			strcat(out, ", ");
		strcat(out, f->sql);
	}
	return out[0] ? 0 : cli_usage_error("query", "%s needs fields", opt);
}

/* split_fields of the whole of spec, however long: a cut would leave a
 * prefix that may name another field ("class_name" as "class"). */
static int field_list(const char *opt, const char *spec, char *out,
		      size_t size)
{
	char *buf = strdup(spec);
	int rc;

	if (!buf)
		return cli_fail(gic_seterr(GIC_ENOMEM, "out of memory"), "query",
				NULL);
	rc = split_fields(opt, buf, out, size);
	free(buf);
	return rc;
}

struct qopts {
	enum out_format fmt;
	int count;
	const char *group, *fields;
	long long limit;
};

/* Options that would be silently ignored together: usage errors. */
static int check_combos(const struct qopts *q, int fmt_given)
{
	const char *why = NULL;

	if (q->fields && (q->group || q->count))
		why = "--fields chooses the columns of entries; --group-by and "
		      "--count print counts";
	else if (q->fmt == OUT_PATHS && (q->group || q->fields))
		why = "--format paths prints paths only; for counts or other "
		      "columns use table, csv or jsonl";
	else if (q->count && !q->group && q->limit >= 0)
		why = "--count counts every match: --limit does not apply";
	else if (q->count && !q->group && fmt_given)
		why = "--count prints one number: --format does not apply "
		      "(--group-by gives counts in any format)";
	return why ? cli_usage_error("query", "%s", why) : 0;
}

static int run(struct gic_catalog *c, const struct qopts *q, const char *expr)
{
	char group[600], tail[1400], *cols = NULL;
	sqlite3_stmt *s = NULL;
	int rc, errcol = 0, np = 1;
	long long rows = -1;

	if (q->group && (rc = field_list("--group-by", q->group, group,
					 sizeof(group))))
		return rc;
	if (q->fields && !q->group && !q->count &&
	    (rc = field_list("--fields", q->fields, group, sizeof(group))))
		return rc;
	if (q->count) {
		cols = strdup("count(*) AS count");
		snprintf(tail, sizeof(tail), " ");
	} else if (q->group) {
		if (asprintf(&cols, "%s, count(*) AS count", group) < 0)
			cols = NULL;
		snprintf(tail, sizeof(tail), "GROUP BY %s ORDER BY %s LIMIT ?",
			 group, group);
	} else {
		cols = q->fields ? strdup(group) :
		       q->fmt == OUT_TABLE ? strdup(TABLE_COLS) :
		       q->fmt == OUT_PATHS ? strdup("path") : all_fields();
		snprintf(tail, sizeof(tail), "ORDER BY id LIMIT ?");
	}
	if (!cols)
		return cli_fail(gic_seterr(GIC_ENOMEM, "out of memory"), "query",
				NULL);
	rc = gic_select_prepare(c, cols, expr, tail, &s, &errcol, &np);
	free(cols);
	if (rc == GIC_EUSAGE)
		return cli_expr_error("query", expr, errcol);
	if (rc < 0)
		return cli_fail(rc, "query", NULL);
	if (!q->count)
		sqlite3_bind_int64(s, np, q->limit);
	if (q->count && sqlite3_step(s) == SQLITE_ROW) {
		rows = sqlite3_column_int64(s, 0);
		printf("%lld\n", rows);
	} else if (!q->count) {
		rows = out_rows(s, q->fmt, stdout);
	}
	if ((rc = cli_finish_rows("query", s)) == 0 && rows == 0 &&
	    (q->count || q->limit))
		cli_select_hint("query", c, expr);
	return rc;
}

int cmd_query(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", 1, 0, 'f' }, { "count", 0, 0, 'c' },
		{ "group-by", 1, 0, 'g' }, { "limit", 1, 0, 'n' },
		{ "fields", 1, 0, 'F' },
		{ "help", 0, 0, 'h' }, { 0 } };
	struct qopts q = { .fmt = OUT_TABLE, .limit = -1 };
	struct gic_catalog *c;
	uint64_t n;
	char *expr;
	int ch, rc, fmt_given = 0;

	while ((ch = cli_getopt(argc, argv, "hf:n:", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			if ((rc = cli_format_opt("query", optarg, 1, &q.fmt)) >= 0)
				return rc;
			fmt_given = 1;
			break;
		case 'c': q.count = 1; break;
		case 'g': q.group = optarg; break;
		case 'F': q.fields = optarg; break;
		case 'n':
			if ((rc = cli_number_opt("query", "--limit", optarg, 0,
						 INT64_MAX, &n)) >= 0)
				return rc;
			q.limit = (long long)n;
			break;
		default:
			return cli_getopt_end("query", ch);
		}
	}
	if ((rc = check_combos(&q, fmt_given)))
		return rc;
	if (q.group)
		q.count = 0; /* --group-by counts, per group */
	if (!(expr = cli_join_args(argc - optind, argv + optind)))
		return EXIT_RUNTIME;
	if ((rc = cli_open("query", &c)) == 0) {
		rc = run(c, &q, expr);
		gic_catalog_close(c);
	}
	free(expr);
	return rc;
}
