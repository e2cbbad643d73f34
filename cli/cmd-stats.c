/*
 * cmd-stats.c - gicat stats [EXPR]: totals, then entries per dataset,
 * subset, generator, label and split (the query fields of those names),
 * then formats and the count of rejected files; gicat stats --rejects:
 * those files, with their reasons.  --format json: the summary as one JSON
 * document (the totals, then "groups", "formats" and "rejected").
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "cli.h"

/*
 * One scan of what EXPR selects fills temp.stats, its counts per
 * (dataset, subset, generator, label, split, format, mode): a few hundred
 * rows, from which the sections are read.  The rows are summed here, in a
 * hash table, not by SQLite's GROUP BY, which sorted all 2.7 million rows
 * of GenImage (12 s, of which the scan is 4).  The number of distinct
 * images, which those counts cannot give, is one more query: an index
 * scan of entries when there is no EXPR.
 */
#define NKEY 7
static const char fill_cols[] =
	"dataset, subset, generator, label, split, format, mode, bytes, "
	"short_side";

/* The three sections, each a column list and what follows FROM
 * temp.stats (the first adds the images). */
static const struct section {
	const char *title, *json_key, *cols, *tail;
} sections[] = {
	{ NULL, NULL, "coalesce(sum(n), 0) AS entries, ?1 AS images, "
	  "coalesce(sum(bytes), 0) AS entry_bytes", "" },
	{ "per dataset, subset, generator, label and split:", "groups",
	  "dataset, subset, generator, label, split, sum(n) AS entries",
	  "GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5" },
	{ "per format:", "formats", "format, mode, sum(n) AS entries, "
	  "min(lo) AS min_short, max(hi) AS max_short",
	  "GROUP BY 1, 2 ORDER BY 1, 2" },
};

struct group {
	struct group *next;     /* in its bucket */
	sqlite3_int64 n, bytes, lo, hi;
	int has_short;          /* lo and hi were set */
	size_t keylen;
	unsigned char key[];    /* per column: 0 (NULL) or 1, length, bytes */
};

struct groups {
	struct group *bucket[1024];
	size_t keycap;
	unsigned char *key;     /* the current row's key */
};

/* The row's key in g->key (columns 0..NKEY-1, NULL apart from ''); its
 * length, or 0 when out of memory. */
static size_t row_key(struct groups *g, sqlite3_stmt *s)
{
	size_t len = 0;

	for (int i = 0; i < NKEY; i++) {
		const unsigned char *t = sqlite3_column_text(s, i);
		size_t n = t ? (size_t)sqlite3_column_bytes(s, i) : 0;

		if (len + n + 1 + sizeof n > g->keycap) {
			size_t cap = 2 * (len + n + 1 + sizeof n);
			unsigned char *k = realloc(g->key, cap);

			if (!k)
				return 0;
			g->key = k;
			g->keycap = cap;
		}
		g->key[len++] = t != NULL;
		memcpy(g->key + len, &n, sizeof n);
		memcpy(g->key + len + sizeof n, t ? t : (const unsigned char *)"", n);
		len += sizeof n + n;
	}
	return len;
}

/* Adds the row to its group; 0, or -1 when out of memory. */
static int add_row(struct groups *g, sqlite3_stmt *s)
{
	size_t len = row_key(g, s), h = 5381;
	struct group *e;

	if (!len)
		return -1;
	for (size_t i = 0; i < len; i++)
		h = h * 33 + g->key[i];
	h %= sizeof g->bucket / sizeof *g->bucket;
	for (e = g->bucket[h]; e; e = e->next)
		if (e->keylen == len && !memcmp(e->key, g->key, len))
			break;
	if (!e) {
		if (!(e = calloc(1, sizeof *e + len)))
			return -1;
		memcpy(e->key, g->key, e->keylen = len);
		e->next = g->bucket[h];
		g->bucket[h] = e;
	}
	e->n++;
	e->bytes += sqlite3_column_int64(s, NKEY);
	if (sqlite3_column_type(s, NKEY + 1) != SQLITE_NULL) {
		sqlite3_int64 v = sqlite3_column_int64(s, NKEY + 1);

		e->lo = e->has_short && e->lo < v ? e->lo : v;
		e->hi = e->has_short && e->hi > v ? e->hi : v;
		e->has_short = 1;
	}
	return 0;
}

/* Each group as a row of temp.stats, unless failed; frees them. */
static int store_groups(struct groups *g, sqlite3_stmt *ins, int failed)
{
	int rc = failed ? SQLITE_ERROR : SQLITE_DONE;

	for (size_t b = 0; b < sizeof g->bucket / sizeof *g->bucket; b++)
		for (struct group *e = g->bucket[b], *next; e; e = next) {
			const unsigned char *k = e->key;

			next = e->next;
			/* after a failure only freed: a bind or reset would
			 * put another message in place of the failure's */
			if (rc != SQLITE_DONE) {
				free(e);
				continue;
			}
			for (int i = 0; i < NKEY; i++) {
				size_t n;

				memcpy(&n, k + 1, sizeof n);
				if (*k)
					sqlite3_bind_text(ins, i + 1, (const char *)k + 1 + sizeof n,
							  (int)n, SQLITE_STATIC);
				else
					sqlite3_bind_null(ins, i + 1);
				k += 1 + sizeof n + n;
			}
			sqlite3_bind_int64(ins, NKEY + 1, e->n);
			sqlite3_bind_int64(ins, NKEY + 2, e->bytes);
			if (e->has_short) {
				sqlite3_bind_int64(ins, NKEY + 3, e->lo);
				sqlite3_bind_int64(ins, NKEY + 4, e->hi);
			} else {
				sqlite3_bind_null(ins, NKEY + 3);
				sqlite3_bind_null(ins, NKEY + 4);
			}
			rc = sqlite3_step(ins);
			sqlite3_reset(ins);
			free(e);
		}
	return rc;
}

/* temp.stats for expr, and in *images how many distinct images it
 * selects; an exit code on failure. */
static int fill(struct gic_catalog *c, const char *expr,
		sqlite3_int64 *images)
{
	sqlite3_stmt *s = NULL, *ins = NULL;
	struct groups g = { 0 };
	int errcol = 0, rc, failed;

	if (sqlite3_exec(c->db, "DROP TABLE IF EXISTS temp.stats; "
			 "CREATE TEMP TABLE stats(dataset, subset, generator, "
			 "label, split, format, mode, n, bytes, lo, hi)",
			 NULL, NULL, NULL) ||
	    sqlite3_prepare_v2(c->db, "INSERT INTO temp.stats VALUES "
			       "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", -1, &ins,
			       NULL))
		return cli_db_fail(c->db, "stats", NULL);
	rc = gic_select_prepare(c, fill_cols, expr, "", &s, &errcol, NULL);
	if (rc < 0) {
		sqlite3_finalize(ins);
		return rc == GIC_EUSAGE ? cli_expr_error("stats", expr, errcol)
					: cli_fail(rc, "stats", NULL);
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if (add_row(&g, s) < 0)
			break;
	/* a failed read is said before the inserts: theirs would replace
	 * its message (a damaged catalog, "not an error") */
	failed = rc != SQLITE_ROW && rc != SQLITE_DONE ?
		 cli_db_fail(c->db, "stats", NULL) : 0;
	if (store_groups(&g, ins, failed) != SQLITE_DONE && rc == SQLITE_DONE)
		rc = SQLITE_ERROR;
	free(g.key);
	if (failed) {
		sqlite3_finalize(s);
		sqlite3_finalize(ins);
		return failed;
	}
	if (rc == SQLITE_ROW) {
		sqlite3_finalize(s);
		sqlite3_finalize(ins);
		return cli_fail(GIC_ENOMEM, "stats", NULL);
	}
	if (rc == SQLITE_DONE) {
		sqlite3_finalize(s);
		rc = *expr ? gic_select_prepare(c, "count(DISTINCT sha256)",
						expr, "", &s, &errcol, NULL)
			   : sqlite3_prepare_v2(c->db, "SELECT count(DISTINCT "
						"sha256) FROM entries", -1, &s,
						NULL);
		if (rc == 0 && (rc = sqlite3_step(s)) == SQLITE_ROW)
			*images = sqlite3_column_int64(s, 0);
	}
	rc = rc == SQLITE_ROW ? 0 : cli_db_fail(c->db, "stats", NULL);
	sqlite3_finalize(ins);
	sqlite3_finalize(s);
	return rc;
}

/* Section k, read from temp.stats: printed as a table, or added to doc
 * (the totals as its first keys, the others as arrays). */
static int section(struct gic_catalog *c, int k, sqlite3_int64 images,
		   json_t *doc)
{
	const struct section *sec = &sections[k];
	char sql[512];
	sqlite3_stmt *s;

	snprintf(sql, sizeof sql, "SELECT %s FROM temp.stats %s", sec->cols,
		 sec->tail);
	if (sqlite3_prepare_v2(c->db, sql, -1, &s, NULL))
		return cli_db_fail(c->db, "stats", NULL);
	if (k == 0)
		sqlite3_bind_int64(s, 1, images);
	if (doc && sec->json_key) {
		json_object_set_new(doc, sec->json_key, out_rows_array(s, 0));
	} else if (doc) {
		if (sqlite3_step(s) == SQLITE_ROW) {
			json_t *row = out_row_object(s, 0);
			json_object_update(doc, row);
			json_decref(row);
		}
	} else {
		if (sec->title)
			printf("\n%s\n", sec->title);
		out_rows(s, OUT_TABLE, stdout);
	}
	return cli_finish_rows("stats", s);
}
/* How many files ingest refused: in doc, or a line naming the list; 0,
 * or an exit code when they cannot be counted. */
static int rejects(struct gic_catalog *c, json_t *doc)
{
	sqlite3_stmt *s;
	sqlite3_int64 n;

	if (sqlite3_prepare_v2(c->db, "SELECT count(*) AS rejected FROM rejects",
			       -1, &s, NULL))
		return cli_db_fail(c->db, "stats", NULL);
	if (sqlite3_step(s) != SQLITE_ROW)
		return cli_finish_rows("stats", s);
	n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (doc)
		json_object_set_new(doc, "rejected", json_integer(n));
	else if (n)
		printf("\nrejected files: %lld (listed by: gicat stats "
		       "--rejects)\n", n);
	return 0;
}

/* Every rejected file: path, reason and time of the last attempt. */
static int list_rejects(struct gic_catalog *c, enum out_format fmt)
{
	sqlite3_stmt *s;

	if (sqlite3_prepare_v2(c->db, "SELECT path, reason, at FROM rejects "
			       "ORDER BY path", -1, &s, NULL))
		return cli_fail(GIC_EDB, "stats", "rejects");
	out_rows(s, fmt, stdout);
	return cli_finish_rows("stats", s);
}

/* The summary of what expr selects, as tables or one JSON document. */
static int summary(struct gic_catalog *c, const char *expr, int json)
{
	json_t *doc = json ? json_object() : NULL;
	sqlite3_int64 images = 0;
	/* one snapshot: the entries, images and rejected files counted
	 * while an ingest commits batches agree with each other */
	int began = gic_read_begin(c);
	int rc = began < 0 ? cli_fail(began, "stats", NULL) :
		 fill(c, expr, &images);

	for (size_t k = 0; !rc && k < sizeof(sections) / sizeof(*sections); k++)
		rc = section(c, (int)k, images, doc);
	if (!rc && !images && *expr)  /* a value no entry has: said */
		cli_select_hint("stats", c, expr);
	if (!rc && !*expr)
		rc = rejects(c, doc);
	if (began >= 0)
		gic_read_end(c, began);
	if (!rc && doc)
		out_json_doc(stdout, json_incref(doc));
	json_decref(doc);
	return rc;
}

/* --format: table or json for the summary, table, csv or jsonl for the
 * rejected files; -1 when set, else the usage error's exit code. */
static int format_opt(const char *arg, int list, int *json,
		      enum out_format *fmt)
{
	if (list)
		return cli_format_opt("stats", arg, 0, fmt);
	if ((*json = !strcmp(arg, "json")) || !strcmp(arg, "table"))
		return -1;
	return cli_usage_error("stats", "unknown format '%s' (table or json; "
			       "the rejected files also as csv or jsonl)", arg);
}

int cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rejects", 0, 0, 'r' }, { "format", 1, 0, 'f' },
		{ "help", 0, 0, 'h' }, { 0 } };
	enum out_format fmt = OUT_TABLE;
	struct gic_catalog *c;
	const char *format = NULL;
	int ch, rc, list = 0, json = 0;
	char *expr;

	while ((ch = cli_getopt(argc, argv, "hf:", opts, NULL)) != -1) {
		if (ch == 'r')
			list = 1;
		else if (ch == 'f')
			format = optarg;
		else
			return cli_getopt_end("stats", ch);
	}
	if (format && (rc = format_opt(format, list, &json, &fmt)) >= 0)
		return rc;
	if (list && optind < argc)
		return cli_usage_error("stats", "--rejects takes no EXPR");
	if (!(expr = cli_join_args(argc - optind, argv + optind)))
		return EXIT_RUNTIME;
	if ((rc = cli_open("stats", &c)) == 0) {
		rc = list ? list_rejects(c, fmt) : summary(c, expr, json);
		gic_catalog_close(c);
	}
	free(expr);
	return rc;
}
