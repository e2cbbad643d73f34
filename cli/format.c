/*
 * format.c - writes SQLite result rows as an aligned table, CSV (RFC 4180),
 * JSON lines (with jansson) or bare paths.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "cli.h"
#include "json.h"

#define TABLE_SAMPLE 200

int out_format_parse(const char *s, enum out_format *f)
{
	static const char *const names[] = { "table", "csv", "jsonl", "paths" };

	for (int i = 0; i < 4; i++)
		if (!strcmp(s, names[i])) {
			*f = (enum out_format)i;
			return 0;
		}
	return -1;
}

void cli_select_hint(const char *cmd, struct gic_catalog *c, const char *expr)
{
	char hint[512];

	if (gic_select_hint(c, expr, hint, sizeof(hint)) > 0)
		cli_err("gicat: %s: note: %s\n", cmd, hint);
}

int cli_name_hint(struct gic_catalog *c, const char *kind, const char *name,
		  char *hint, size_t size)
{
	char *expr = NULL;
	int rc;

	if (strchr(name, '\'') || asprintf(&expr, "%s = '%s'", kind,
					     name) < 0)
		return 0;
	rc = gic_select_hint(c, expr, hint, size);
	free(expr);
	return rc > 0;
}

int cli_format_opt(const char *cmd, const char *arg, int paths_ok,
		   enum out_format *f)
{
	static const char *const names[] = { "table", "csv", "jsonl", "paths",
					     NULL };
	static const char *const no_paths[] = { "table", "csv", "jsonl", NULL };

	if (out_format_parse(arg, f) == 0 && (paths_ok || *f != OUT_PATHS))
		return -1;
	return cli_usage_error(cmd, "unknown format '%s' (table, csv%s or "
			       "jsonl%s)", arg, paths_ok ? ", paths" : "",
			       !strcmp(arg, "json") ? ": JSON lines are jsonl" :
			       cli_meant(arg, paths_ok ? names : no_paths));
}

void out_csv_field(FILE *o, const char *v)
{
	if (!v)
		return;
	if (!strpbrk(v, ",\"\r\n")) {
		fputs(v, o);
		return;
	}
	fputc('"', o);
	for (; *v; v++) {
		if (*v == '"')
			fputc('"', o);
		fputc(*v, o);
	}
	fputc('"', o);
}

static void csv_row(sqlite3_stmt *s, FILE *o, int header)
{
	int n = sqlite3_column_count(s);

	for (int i = 0; i < n; i++) {
		if (i)
			fputc(',', o);
		out_csv_field(o, header ? sqlite3_column_name(s, i) :
			      (const char *)sqlite3_column_text(s, i));
	}
	fputc('\n', o);
}

/* Column i's text as a JSON string: made valid UTF-8, or raw, as it is. */
static json_t *text_value(sqlite3_stmt *s, int i, int raw)
{
	const char *t = (const char *)sqlite3_column_text(s, i);
	size_t len = (size_t)sqlite3_column_bytes(s, i);

	return raw && t ? json_stringn_nocheck(t, len) : gic_json_textn(t, len);
}

json_t *out_row_object(sqlite3_stmt *s, int raw)
{
	json_t *obj = json_object();
	int n = sqlite3_column_count(s);

	for (int i = 0; i < n; i++) {
		json_t *v;
		switch (sqlite3_column_type(s, i)) {
		case SQLITE_INTEGER:
			v = json_integer(sqlite3_column_int64(s, i));
			break;
		case SQLITE_FLOAT:
			v = json_real(sqlite3_column_double(s, i));
			break;
		case SQLITE_NULL:
			v = json_null();
			break;
		default:
			v = text_value(s, i, raw);
		}
		json_object_set_new_nocheck(obj, sqlite3_column_name(s, i), v);
	}
	return obj;
}

json_t *out_rows_array(sqlite3_stmt *s, int raw)
{
	json_t *a = json_array();

	while (sqlite3_step(s) == SQLITE_ROW)
		json_array_append_new(a, out_row_object(s, raw));
	return a;
}

/* obj as JSON text (flags for json_dumps) and a newline; a row or
 * document that cannot be written must not vanish silently.  Releases
 * obj. */
static void dump(FILE *o, json_t *obj, size_t flags, const char *what)
{
	char *text = gic_json_dumps(obj, flags);

	if (text) {
		fputs(text, o);
		fputc('\n', o);
	} else {
		char why[96];
		snprintf(why, sizeof(why), "a JSON %s could not be written "
			 "(text that is not UTF-8?)", what);
		cli_output_lost(why);
	}
	free(text);
	json_decref(obj);
}

void out_json_line(FILE *o, json_t *obj)
{
	dump(o, obj, JSON_PRESERVE_ORDER | JSON_COMPACT, "row");
}

void out_json_doc(FILE *o, json_t *obj)
{
	dump(o, obj, JSON_PRESERVE_ORDER | JSON_INDENT(2), "document");
}

/* Aligned table: widths from the first TABLE_SAMPLE rows, then streamed.
 * A cell wider than TABLE_CELL_WIDE overflows its row alone: one path of
 * 4,000 bytes does not pad every row to it. */
#define TABLE_CELL_WIDE 160
struct table {
	int ncol;
	int width[64];
	char **cells; /* TABLE_SAMPLE * ncol, owned */
	int rows;
};

/* Column i as a table shows it: "-" for null, control characters (a
 * file name can hold ESC, and with it drive a terminal) as \xNN. */
static char *cell_dup(sqlite3_stmt *s, int i)
{
	const char *v = (const char *)sqlite3_column_text(s, i);

	return v ? cli_escaped(v) : strdup("-");
}

/* A row, its cells padded to the columns' widths (in terminal columns,
 * not bytes: a UTF-8 name lines up). */
static void table_line(FILE *o, const struct table *t, const char *const *v)
{
	for (int i = 0; i + 1 < t->ncol; i++) {
		cli_put_padded(o, v[i], t->width[i]);
		fputs("  ", o);
	}
	fprintf(o, "%s\n", v[t->ncol - 1]);
}

static long table_rows(sqlite3_stmt *s, FILE *o)
{
	struct table t = { .ncol = sqlite3_column_count(s) };
	const char *row[64] = { 0 };
	char *hdr[64] = { 0 };
	long n = 0;

	if (t.ncol > 64)
		t.ncol = 64;
	t.cells = calloc((size_t)TABLE_SAMPLE * (size_t)t.ncol, sizeof(char *));
	/* names must be copied: the first step may re-prepare the statement */
	for (int i = 0; i < t.ncol; i++) {
		const char *name = sqlite3_column_name(s, i);
		hdr[i] = strdup(name ? name : "?");
		t.width[i] = hdr[i] ? (int)cli_text_width(hdr[i]) : 1;
	}
	while (t.cells && t.rows < TABLE_SAMPLE &&
	       sqlite3_step(s) == SQLITE_ROW) {
		for (int i = 0; i < t.ncol; i++) {
			char *v = cell_dup(s, i);
			int w = v ? (int)cli_text_width(v) : 0;
			t.cells[t.rows * t.ncol + i] = v;
			if (w > t.width[i] && w <= TABLE_CELL_WIDE)
				t.width[i] = w;
		}
		t.rows++;
	}
	for (int i = 0; i < t.ncol; i++)
		row[i] = hdr[i] ? hdr[i] : "?";
	table_line(o, &t, row);
	for (int r = 0; r < t.rows; r++, n++) {
		for (int i = 0; i < t.ncol; i++) {
			const char *v = t.cells[r * t.ncol + i];
			row[i] = v ? v : "";
		}
		table_line(o, &t, row);
	}
	while (t.rows == TABLE_SAMPLE && sqlite3_step(s) == SQLITE_ROW) {
		char *cell[64];
		for (int i = 0; i < t.ncol; i++)
			row[i] = (cell[i] = cell_dup(s, i)) ? cell[i] : "";
		table_line(o, &t, row);
		for (int i = 0; i < t.ncol; i++)
			free(cell[i]);
		n++;
	}
	for (int i = 0; t.cells && i < TABLE_SAMPLE * t.ncol; i++)
		free(t.cells[i]);
	for (int i = 0; i < t.ncol; i++)
		free(hdr[i]);
	free(t.cells);
	return n;
}

int cli_finish_rows(const char *cmd, sqlite3_stmt *s)
{
	sqlite3 *db = sqlite3_db_handle(s);
	int rc = sqlite3_errcode(db);

	if (rc != SQLITE_OK && rc != SQLITE_ROW && rc != SQLITE_DONE) {
		rc = cli_db_fail(db, cmd, NULL);
		sqlite3_finalize(s);
		return rc;
	}
	sqlite3_finalize(s);
	return 0;
}

/* n bytes of text as a JSON string, as jansson writes one (", \\ and
 * control characters escaped, the rest as UTF-8), bytes that are not
 * UTF-8 as U+FFFD (gic_json_textn's rule). */
static void put_json_string(FILE *o, const unsigned char *t, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0;

	putc_unlocked('"', o);
	while (i < n) {
		size_t start = i, len = 0;
		const char *esc;

		/* a run that goes out as it is, in one write */
		while (i < n && (t[i] >= 0x80 ? (len = gic_utf8_len(t + i,
								     n - i)) :
				 (len = t[i] >= 0x20 && t[i] != '"' &&
				  t[i] != '\\')))
			i += len;
		if (i > start)
			fwrite_unlocked(t + start, 1, i - start, o);
		if (i == n)
			break;
		esc = t[i] == '"' ? "\\\"" : t[i] == '\\' ? "\\\\" :
		      t[i] == '\b' ? "\\b" : t[i] == '\f' ? "\\f" :
		      t[i] == '\n' ? "\\n" : t[i] == '\r' ? "\\r" :
		      t[i] == '\t' ? "\\t" : NULL;
		if (esc)
			fputs_unlocked(esc, o);
		else if (t[i] < 0x20)
			fprintf(o, "\\u00%c%c", hex[t[i] >> 4], hex[t[i] & 15]);
		else
			fputs_unlocked("\xef\xbf\xbd", o); /* not UTF-8 */
		i++;
	}
	putc_unlocked('"', o);
}

/* The current row of s as one compact JSON object, keys in column order,
 * written straight out: the same text as out_json_line(out_row_object),
 * without a JSON tree per row (half of a full dump's time). */
static void json_row(sqlite3_stmt *s, FILE *o)
{
	int n = sqlite3_column_count(s);
	char real[32];

	putc('{', o);
	for (int i = 0; i < n; i++) {
		const char *name = sqlite3_column_name(s, i);

		if (i)
			putc(',', o);
		put_json_string(o, (const unsigned char *)name, strlen(name));
		putc(':', o);
		switch (sqlite3_column_type(s, i)) {
		case SQLITE_INTEGER:
			fprintf(o, "%lld", (long long)sqlite3_column_int64(s, i));
			break;
		case SQLITE_FLOAT:
			fputs(gic_real_text(sqlite3_column_double(s, i), real), o);
			break;
		case SQLITE_NULL:
			fputs("null", o);
			break;
		default:
			put_json_string(o, sqlite3_column_text(s, i),
				    (size_t)sqlite3_column_bytes(s, i));
		}
	}
	fputs("}\n", o);
}

long out_rows(sqlite3_stmt *s, enum out_format f, FILE *o)
{
	long n = 0;

	if (f == OUT_TABLE)
		return table_rows(s, o);
	if (f == OUT_CSV)
		csv_row(s, o, 1);
	while (sqlite3_step(s) == SQLITE_ROW) {
		n++;
		if (f == OUT_CSV)
			csv_row(s, o, 0);
		else if (f == OUT_JSONL)
			json_row(s, o);
		else  /* paths, for other tools: the bytes as they are */
			fprintf(o, "%s\n", sqlite3_column_text(s, 0) ?
				(const char *)sqlite3_column_text(s, 0) : "-");
	}
	return n;
}
