/*
 * test-query.c - the query language: the exact SQL and parameters each
 * construct compiles to, the errors and the columns they point at, the
 * limits, and an end-to-end run of compiled queries against SQLite
 * (including an injection attempt that must match nothing).
 *
 * A compiled query is shown as "WHERE | param param ..." with text
 * parameters in single quotes, so a failure shows expected against got.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "catalog.h"

static void render(const struct gic_sql *q, char *out, size_t size)
{
	size_t len = (size_t)snprintf(out, size, "%s |", q->where);

	for (size_t i = 0; i < q->nparams && len < size; i++) {
		if (q->params[i].type == GIC_FT_INT)
			len += (size_t)snprintf(out + len, size - len, " %lld",
						(long long)q->params[i].i);
		else
			len += (size_t)snprintf(out + len, size - len, " '%s'",
						q->params[i].s);
	}
}

static void check_(const char *expr, const char *want, const char *file,
		   int line)
{
	struct gic_sql q;
	char got[1024];
	int col = -1, rc = gic_query_compile(expr, &q, &col);

	if (rc < 0)
		snprintf(got, sizeof(got), "error at %d: %s", col, gic_errmsg());
	else
		render(&q, got, sizeof(got));
	if (strcmp(got, want) != 0)
		print_error("expr: %s\n", expr);
	gic_sql_release(&q);
	_assert_string_equal(got, want, file, line);
}

static void check_err_(const char *expr, int want_col, const char *want_msg,
		       const char *file, int line)
{
	struct gic_sql q;
	char got[1024], want[1024];
	int col = -1, rc = gic_query_compile(expr, &q, &col);

	if (rc < 0)
		snprintf(got, sizeof(got), "%d at %d: %s", rc, col, gic_errmsg());
	else
		render(&q, got, sizeof(got));
	snprintf(want, sizeof(want), "%d at %d: %s", GIC_EUSAGE, want_col,
		 want_msg);
	if (strcmp(got, want) != 0)
		print_error("expr: %s\n", expr);
	if (rc < 0) {   /* a failed compile leaves nothing to free */
		_assert_true(q.where == NULL && q.params == NULL &&
			     q.nparams == 0, "released", file, line);
	}
	gic_sql_release(&q);
	_assert_string_equal(got, want, file, line);
}

#define check(expr, want) check_(expr, want, __FILE__, __LINE__)
#define check_err(expr, col, msg) check_err_(expr, col, msg, __FILE__, __LINE__)

/* " name " in a static buffer, to look a name up in a spaced list. */
static const char *spaced(const char *name)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), " %s ", name);
	return buf;
}

static void field_table(void **state)
{
	static const char *const order[] = {
		"sha256", "dataset", "generator", "subset", "label", "split", "class",
		"wnid", "class_name", "class_source", "path", "width", "height",
		"short_side", "format", "bytes", "mode", "channels", "bit_depth",
		"jpeg_quality", "subsampling", "progressive", "phash", "license",
		"source", "has_icc", "has_exif", "has_xmp", "has_c2pa",
		"text_keys", "exif_software", "exif_make", "exif_model",
		"xmp_source_type", "trailing_bytes", "storage", "quality_exact",
		"interlaced", "orientation", "added_at", NULL,
	};
	const struct gic_field *f = gic_fields();
	size_t i;

	(void)state;
	for (i = 0; order[i]; i++) {
		assert_non_null(f[i].name);
		assert_string_equal(f[i].name, order[i]);
		assert_string_equal(f[i].sql, order[i]);
	}
	assert_null(f[i].name);
	/* the numbers ('~' refuses them, values must be integers), the free
	 * names (an empty answer names the values there are) and the one
	 * list (license = ID: one of its ids) */
	for (i = 0; f[i].name; i++) {
		assert_int_equal(f[i].type, strstr(" class width height short_side "
			"bytes channels bit_depth jpeg_quality quality_exact "
			"progressive interlaced has_icc has_exif has_xmp "
			"has_c2pa orientation trailing_bytes ",
			spaced(f[i].name))
			? GIC_FT_INT : GIC_FT_TEXT);
		assert_int_equal(f[i].name_like, strstr(" dataset generator subset "
			"split class_name mode subsampling class_source license ",
			spaced(f[i].name)) != NULL);
		assert_int_equal(f[i].list, !strcmp(f[i].name, "license"));
	}
	assert_int_equal(gic_field_find("class")->type, GIC_FT_INT);
	assert_int_equal(gic_field_find("has_c2pa")->type, GIC_FT_INT);
	assert_int_equal(gic_field_find("phash")->type, GIC_FT_TEXT);
	assert_int_equal(gic_field_find("generator")->type, GIC_FT_TEXT);
	assert_ptr_equal(gic_field_find("Generator"), gic_field_find("generator"));
	assert_null(gic_field_find("id"));
	assert_null(gic_field_find(NULL));
}

static void empty_expression_is_true(void **state)
{
	(void)state;
	check("", "1 |");
	check(" \t\n ", "1 |");
	check(NULL, "1 |");
}

static void every_operator(void **state)
{
	(void)state;
	check("generator = sd14", "generator = ? | 'sd14'");
	check("generator != sd14", "generator IS NOT ? | 'sd14'");
	check("width < 256", "width < ? | 256");
	check("width <= 256", "width <= ? | 256");
	check("height > 512", "height > ? | 512");
	check("short_side >= 512", "short_side >= ? | 512");
	check("path ~ '*/train/*.png'", "path GLOB ? | '*/train/*.png'");
	check("path~*", "error at 6: unexpected character '*' (a glob is a "
	      "string: path ~ '*adm*')");
	check("label=fake", "label = ? | 'fake'");
	check("class>-1", "class > ? | -1");
}

static void values(void **state)
{
	(void)state;
	check("dataset = 'it''s'", "dataset = ? | 'it's'");
	check("dataset = \"say \"\"hi\"\"\"", "dataset = ? | 'say \"hi\"'");
	check("dataset = \"it's\"", "dataset = ? | 'it's'");
	check("dataset = 'back\\slash'", "dataset = ? | 'back\\slash'");
	check("dataset = ''", "dataset = ? | ''");
	check("subset = 'and'", "subset = ? | 'and'");
	check("subset = 'null'", "subset = ? | 'null'");
	/* a text field keeps a number as written */
	check("sha256 = 0123456789012345678901234567890123456789012345678901234567890123",
	      "sha256 = ? | '0123456789012345678901234567890123456789012345678901234567890123'");
	check("sha256 = 0123", "error at 10: sha256 is 64 hex digits, not 4: "
	      "for those starting so, sha256 ~ '0123*'");
	check("phash = 00ff00ff00ff00ff", "phash = ? | '00ff00ff00ff00ff'");
	check("subsampling = 4:2:0", "subsampling = ? | '4:2:0'");
	check("path = a/b-c.png", "path = ? | 'a/b-c.png'");
	/* an int field takes a quoted integer */
	check("jpeg_quality = '95'", "jpeg_quality = ? | 95");
	check("bytes = 9223372036854775807", "bytes = ? | 9223372036854775807");
	/* class also takes a wnid, compared with the wnid column */
	check("class = n01440764", "wnid = ? | 'n01440764'");
	check("class != 'n01440764'", "wnid IS NOT ? | 'n01440764'");
	check("class in (n01440764, n01443537)", "wnid IN (?, ?) | 'n01440764' 'n01443537'");
}

static void null_comparisons(void **state)
{
	(void)state;
	check("generator = null", "generator IS NULL |");
	check("class != NULL", "class IS NOT NULL |");
	check("jpeg_quality = Null or class = 3",
	      "(jpeg_quality IS NULL OR class = ?) | 3");
}

static void precedence_and_parentheses(void **state)
{
	(void)state;
	check("label = fake and split = val",
	      "label = ? AND split = ? | 'fake' 'val'");
	check("generator = sd14 or label = real and split = val",
	      "(generator = ? OR label = ? AND split = ?) | 'sd14' 'real' 'val'");
	check("(generator = sd14 or label = real) and split = val",
	      "(generator = ? OR label = ?) AND split = ? | 'sd14' 'real' 'val'");
	check("split = val and (generator = sd14 or generator = adm)",
	      "split = ? AND (generator = ? OR generator = ?) | 'val' 'sd14' 'adm'");
	check("not label = real and split = val",
	      "(label = ?) IS NOT 1 AND split = ? | 'real' 'val'");
	check("not (label = real or split = val)",
	      "((label = ? OR split = ?)) IS NOT 1 | 'real' 'val'");
	check("not not class = 1", "((class = ?) IS NOT 1) IS NOT 1 | 1");
	check("((class = 1))", "class = ? | 1");
	check("a = 1 or b = 2", "error at 1: unknown field 'a' ('gicat help query' lists the fields)");
	check("class = 1 or class = 2 or class = 3",
	      "(class = ? OR class = ? OR class = ?) | 1 2 3");
	check("(class = 1 or class = 2) or class = 3",
	      "((class = ? OR class = ?) OR class = ?) | 1 2 3");
	/* keywords and field names in any case */
	check("Generator = sd14 AND NOT Label = real OR split IN (val)",
	      "(generator = ? AND (label = ?) IS NOT 1 OR split IN (?)) | 'sd14' 'real' 'val'");
}

static void lists_and_ranges(void **state)
{
	(void)state;
	check("generator in (sd14, 'sd15', \"adm\")",
	      "generator IN (?, ?, ?) | 'sd14' 'sd15' 'adm'");
	check("class in (1)", "class IN (?) | 1");
	check("class in 0..99", "class BETWEEN ? AND ? | 0 99");
	check("class in -5..5", "class BETWEEN ? AND ? | -5 5");
	/* ranges that touch 0..999 at one end are not outside it */
	check("class in 999..1200", "class BETWEEN ? AND ? | 999 1200");
	check("class in -3..0", "class BETWEEN ? AND ? | -3 0");
	check("width IN 256 .. 512", "width BETWEEN ? AND ? | 256 512");
	check("class in 7..7", "class BETWEEN ? AND ? | 7 7");
	check("wnid in n01440764..n01443537",
	      "wnid BETWEEN ? AND ? | 'n01440764' 'n01443537'");
	check("not class in (1, 2)", "(class IN (?, ?)) IS NOT 1 | 1 2");
}

/* expr without its k-th comparison: "WHERE | params ; text field
 * negated", or "none" past the last one */
static void without(const char *expr, int k, const char *want)
{
	struct gic_qdropped d;
	struct gic_sql q;
	char got[1024];
	size_t len;

	assert_int_equal(gic_query_compile_without(expr, k, &q, &d), 0);
	render(&q, got, sizeof(got));
	len = strlen(got);
	if (d.found)
		snprintf(got + len, sizeof(got) - len, " ; %.*s %s %d",
			 (int)d.len, expr + d.from, d.field, d.negated);
	else
		snprintf(got, sizeof(got), "none");
	gic_sql_release(&q);
	assert_string_equal(got, want);
}

static void a_comparison_taken_out(void **state)
{
	const char *e = "subset = sd14 and (label = fake or not (jpeg_quality "
			"= 96 and short_side in 450 .. 550)) and class in (1,2)";

	(void)state;
	without(e, 0, "1 AND (label = ? OR (jpeg_quality = ? AND short_side "
		"BETWEEN ? AND ?) IS NOT 1) AND class IN (?, ?) | 'fake' 96 "
		"450 550 1 2 ; subset = sd14 subset 0");
	without(e, 1, "subset = ? AND (1 OR (jpeg_quality = ? AND short_side "
		"BETWEEN ? AND ?) IS NOT 1) AND class IN (?, ?) | 'sd14' 96 "
		"450 550 1 2 ; label = fake label 0");
	without(e, 3, "subset = ? AND (label = ? OR (jpeg_quality = ? AND 1) "
		"IS NOT 1) AND class IN (?, ?) | 'sd14' 'fake' 96 1 2 ; "
		"short_side in 450 .. 550 short_side 1");
	without(e, 4, "subset = ? AND (label = ? OR (jpeg_quality = ? AND "
		"short_side BETWEEN ? AND ?) IS NOT 1) AND 1 | 'sd14' 'fake' 96 "
		"450 550 ; class in (1,2) class 0");
	without(e, 5, "none");
	without("", 0, "none");
	without("width>1", 0, "1 | ; width>1 width 0");
}

static void errors_point_at_the_token(void **state)
{
	(void)state;
	check_err("genrator = sd14", 1,
		  "unknown field 'genrator' (did you mean 'generator'?)");
	check_err("label = real and xyzzy = 1", 18, "unknown field 'xyzzy' ('gicat help query' lists the fields)");
	check_err("widht > 5", 1, "unknown field 'widht' (did you mean 'width'?)");
	check_err("id = 1", 1, "unknown field 'id' ('gicat help query' lists the fields)");
	/* one word of a field's name: the first field holding it */
	check_err("short > 100", 1,
		  "unknown field 'short' (did you mean 'short_side'?)");
	check_err("quality < 90", 1,
		  "unknown field 'quality' (did you mean 'jpeg_quality'?)");
	check_err("model = x", 1,
		  "unknown field 'model' (did you mean 'exif_model'?)");
	check_err("at = 1", 1, "unknown field 'at' ('gicat help query' lists the fields)"); /* too short a word */
	check_err("generator =", 12, "expected a value after '='");
	check_err("generator = )", 13, "expected a value after '='");
	check_err("dataset = or", 11, "expected a value after '=': 'or' is a "
		  "keyword here: quote a value that is spelled like one "
		  "('or')");
	check_err("label = NOT", 9, "expected a value after '=': 'NOT' is a "
		  "keyword here: quote a value that is spelled like one "
		  "('NOT')");
	check_err("generator in (adm, in)", 20, "expected a value after ',': "
		  "'in' is a keyword here: quote a value that is spelled like "
		  "one ('in')");
	check_err("generator = 'sd14", 13, "unterminated string");
	check_err("generator = 'it''", 13, "unterminated string");
	check_err("generator = sd14)", 17, "unexpected ')'");
	check_err(")", 1, "unexpected ')'");
	check_err("generator = sd14 foo", 18, "expected 'and' or 'or' before 'foo'");
	check_err("(generator = sd14", 18, "missing ')' for the '(' at column 1");
	check_err("(generator = sd14 foo)", 19,
		  "expected 'and', 'or' or ')' before 'foo'");
	check_err("()", 2, "unexpected ')'");
	check_err("generator sd14", 11,
		  "expected an operator after 'generator', got 'sd14' "
		  "(operators: = != < <= > >= ~ in)");
	check_err("generator", 10,
		  "expected an operator after 'generator', got end of "
		  "expression (operators: = != < <= > >= ~ in)");
	check_err("label = real and", 17,
		  "expected a field name after 'and', got end of expression");
	check_err("= 1", 1, "expected a field name, got '='");
	check_err("'label' = real", 1, "expected a field name, got 'label'");
	check_err("label # real", 7, "unexpected character '#'");
	check_err("label = FAKE", 9, "label is 'real' or 'fake', not 'FAKE'");
	check_err("class in (3, 1000)", 14, "class is 0..999, not 1000");
	check_err("label ! real", 7, "unexpected character '!'");
	check_err("width > 1 && label = fake", 11,
		  "unexpected character '&' (write and)");
	check_err("label = real || label = fake", 14,
		  "unexpected character '|' (write or)");
	check_err("path = -x.png", 8, "unexpected character '-' (a value "
		  "starting with '-' is quoted: '-x.png')");
	check_err("label = \x01", 9, "unexpected byte 0x01");
	check_err("width = abc", 9, "'width' takes an integer, got 'abc'");
	check_err("width = 1.5", 9, "'width' takes an integer, got '1.5'");
	check_err("width = '512px'", 9, "'width' takes an integer, got '512px'");
	check_err("class = dog", 9, "'class' takes an integer or a wnid, got 'dog' "
		  "(class_name ~ '*dog*' finds the classes whose names hold it)");
	check_err("class = 'Tench'", 9, "'class' takes an integer or a wnid, got "
		  "'Tench', the name of class 0 (n01440764)");
	check_err("class in (1, 'x*')", 14, "'class' takes an integer or a wnid, "
		  "got 'x*'");
	check_err("bytes = 9223372036854775808", 9,
		  "'9223372036854775808' is out of range");
	check_err("width ~ '5*'", 7, "'~' matches text but 'width' is a number");
	check_err("class < null", 9, "null can only be compared with = or !=");
	check_err("path ~ null", 8, "null can only be compared with = or !=");
	check_err("class in (1, null)", 14,
		  "null cannot be in a list; write 'class = null'");
	check_err("class in ()", 11, "expected a value after '('");
	check_err("class in (1,)", 13, "expected a value after ','");
	check_err("class in (1 2)", 13,
		  "expected ',' or ')' in the list opened at column 10, got '2'");
	check_err("class in (1, 2", 15, "expected ',' or ')' in the list opened "
		  "at column 10, got end of expression");
	check_err("class in (1, n01440764)", 14,
		  "a list cannot mix class numbers and wnids");
	check_err("class in 5..1", 10, "empty range: 5 is above 1");
	/* an end past any value is taken as the end, and quoted as typed */
	check_err("width in 10..-99999999999999999999", 10,
		  "empty range: 10 is above -99999999999999999999");
	check_err("class in 99999999999999999999..99999999999999999999", 10,
		  "class is 0..999: no class is in "
		  "99999999999999999999..99999999999999999999");
	check_err("class in 5", 11, "expected '..' after '5'");
	check_err("class in 1..", 13, "expected a value after '..'");
	check_err("class in", 9, "expected '(' or a range like 0..99 after 'in', "
		  "got end of expression");
	check_err("class in null..5", 10, "a range cannot have null as an end");
	check_err("class in 1..n01440764", 13,
		  "a range cannot mix a class number and a wnid");
	check_err("label = real and and", 18,
		  "expected a field name after 'and', got 'and'");
	check_err("not", 4, "expected a field name after 'not', got end of expression");
}

/* expr made of prefix, then n copies of item, then suffix; malloc'd */
static char *repeat(const char *prefix, const char *item, int n,
		    const char *suffix)
{
	size_t len = strlen(prefix) + strlen(item) * (size_t)n + strlen(suffix);
	char *s = malloc(len + 1), *o = s;

	assert_non_null(s);
	o += sprintf(o, "%s", prefix);
	for (int i = 0; i < n; i++)
		o += sprintf(o, "%s", item);
	sprintf(o, "%s", suffix);
	return s;
}

static void compile_ok(const char *expr, size_t want_params)
{
	struct gic_sql q;
	int col;

	if (gic_query_compile(expr, &q, &col) < 0)
		fail_msg("compile failed at %d: %s", col, gic_errmsg());
	assert_int_equal(q.nparams, want_params);
	gic_sql_release(&q);
}

static void compile_err(const char *expr, int want_col, const char *want_msg)
{
	struct gic_sql q;
	int col = 0;

	assert_int_equal(gic_query_compile(expr, &q, &col), GIC_EUSAGE);
	assert_int_equal(col, want_col);
	assert_string_equal(gic_errmsg(), want_msg);
}

static void limits_are_errors(void **state)
{
	char *s, *t;

	(void)state;
	s = repeat("", "(", 24, "class = 1");
	t = repeat(s, ")", 24, "");
	compile_ok(t, 1);
	free(s);
	free(t);
	s = repeat("", "(", 25, "class = 1");
	compile_err(s, 25, "expression nested too deeply (limit 24 levels)");
	free(s);
	s = repeat("", "not ", 25, "class = 1");
	compile_err(s, 97, "expression nested too deeply (limit 24 levels)");
	free(s);

	s = repeat("class in (", "1,", 9999, "1)");
	compile_ok(s, 10000);
	free(s);
	s = repeat("class in (", "1,", 10000, "1)");
	compile_err(s, 10 + 2 * 10000 + 1, "too many values in the list (limit 10000)");
	free(s);

	/* three full lists and one more value: over the parameter limit */
	s = repeat("class in (", "1,", 9999, "1) and ");
	t = malloc(3 * strlen(s) + 32);
	assert_non_null(t);
	sprintf(t, "%s%s%sclass = 1", s, s, s);
	compile_err(t, (int)(3 * strlen(s)) + 9, "too many values (limit 30000)");
	free(s);
	free(t);

	s = repeat("class = 1", " ", 65536 - 9, "");
	compile_ok(s, 1);
	free(s);
	s = repeat("class = 1", " ", 65536 - 8, "");
	compile_err(s, 65537, "expression is 65537 bytes, over the 65536-byte limit");
	free(s);
}

/* ---- against SQLite ------------------------------------------------ */

static sqlite3 *db;

static int db_setup(void **state)
{
	const struct gic_field *f;
	char sql[2048] = "CREATE TABLE v_entries (id INTEGER PRIMARY KEY";
	static const char rows[] =
		"INSERT INTO v_entries (id, generator, label, split, class, wnid,"
		" path, width, height, format, jpeg_quality) VALUES"
		" (1, 'sd14', 'fake', 'train', 33, 'n01664065', 'a/033_sdv4_1.png', 512, 512, 'png', NULL),"
		" (2, 'sd15', 'fake', 'val', 1, 'n01443537', 'b/001_sdv5_2.png', 512, 512, 'png', NULL),"
		" (3, NULL, 'real', 'train', 0, 'n01440764', 'c/n01440764_3.JPEG', 500, 375, 'jpeg', 96),"
		" (4, NULL, 'real', 'val', NULL, NULL, 'd/ILSVRC2012_val_00000004.JPEG', 333, 500, 'jpeg', 75),"
		" (5, 'x', 'fake', 'val', 2, 'n01484850', 'e/it''s.png', 256, 256, 'png', NULL);";

	(void)state;
	for (f = gic_fields(); f->name; f++) {
		strcat(sql, ", ");
		strcat(sql, f->sql);
		strcat(sql, f->type == GIC_FT_INT ? " INTEGER" : " TEXT");
	}
	strcat(sql, ")");
	if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
	    sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, rows, NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "db_setup: %s\n", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

static int db_teardown(void **state)
{
	(void)state;
	sqlite3_close(db);
	return 0;
}

/* The ids expr selects, as "1,3", or an error description. */
static void select_ids(const char *expr, char *out, size_t size)
{
	struct gic_sql q;
	sqlite3_stmt *st = NULL;
	char sql[4096];
	size_t len = 0;
	int col;

	out[0] = '\0';
	if (gic_query_compile(expr, &q, &col) < 0) {
		snprintf(out, size, "error at %d: %s", col, gic_errmsg());
		return;
	}
	snprintf(sql, sizeof(sql), "SELECT id FROM v_entries WHERE %s ORDER BY id",
		 q.where);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(out, size, "prepare: %s", sqlite3_errmsg(db));
		goto out;
	}
	for (size_t i = 0; i < q.nparams; i++) {
		if (q.params[i].type == GIC_FT_INT)
			sqlite3_bind_int64(st, (int)i + 1, q.params[i].i);
		else
			sqlite3_bind_text(st, (int)i + 1, q.params[i].s, -1,
					  SQLITE_TRANSIENT);
	}
	while (sqlite3_step(st) == SQLITE_ROW && len < size)
		len += (size_t)snprintf(out + len, size - len, "%s%lld",
					len ? "," : "",
					(long long)sqlite3_column_int64(st, 0));
out:
	sqlite3_finalize(st);
	gic_sql_release(&q);
}

#define check_ids(expr, want) do { \
	char got_[256]; \
	select_ids(expr, got_, sizeof(got_)); \
	if (strcmp(got_, want) != 0) \
		print_error("expr: %s\n", expr); \
	assert_string_equal(got_, want); \
} while (0)

static void queries_run_on_sqlite(void **state)
{
	(void)state;
	check_ids("", "1,2,3,4,5");
	check_ids("label = fake", "1,2,5");
	check_ids("generator in (sd14, 'sd15')", "1,2");
	check_ids("generator = null", "3,4");
	check_ids("class in 0..10", "2,3,5");
	check_ids("class = n01440764", "3");
	check_ids("class in (n01440764, n01443537)", "2,3");
	check_ids("path ~ '*.png'", "1,2,5");
	check_ids("path ~ 'e/it''s.png'", "5");
	check_ids("width >= 500 and height < 512", "3");
	check_ids("jpeg_quality >= 90 or format = png", "1,2,3,5");
	check_ids("(label = real or generator = sd15) and split = val", "2,4");
	check_ids("label = real or generator = sd15 and split = val", "2,3,4");
	check_ids("GENERATOR = SD14", "");
}

/* != and not are true for a NULL column: "all but sd14" has the reals */
static void missing_values_and_not(void **state)
{
	(void)state;
	check_ids("generator != sd14", "2,3,4,5");
	check_ids("not generator = sd14", "2,3,4,5");
	check_ids("not class in 0..10", "1,4");
	check_ids("not (class < 5)", "1,4");
	check_ids("not not class < 5", "2,3,5");
	check_ids("class != null", "1,2,3,5");
}

static void literals_never_reach_sql(void **state)
{
	(void)state;
	check_ids("generator = 'x'' or 1=1 --'", "");
	check_ids("generator = \"x' or '1'='1\"", "");
	check_ids("generator = 'x''); DROP TABLE v_entries; --'", "");
	check_ids("generator = 'x'); DROP TABLE v_entries; --'",
		  "error at 16: unexpected ')'");
	check_ids("path ~ '*' or generator = 'x''--'", "1,2,3,4,5");
	check_ids("generator = x", "5");   /* the table is still there */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(field_table),
		cmocka_unit_test(empty_expression_is_true),
		cmocka_unit_test(every_operator),
		cmocka_unit_test(values),
		cmocka_unit_test(null_comparisons),
		cmocka_unit_test(precedence_and_parentheses),
		cmocka_unit_test(lists_and_ranges),
		cmocka_unit_test(a_comparison_taken_out),
		cmocka_unit_test(errors_point_at_the_token),
		cmocka_unit_test(limits_are_errors),
		cmocka_unit_test_setup_teardown(queries_run_on_sqlite,
						db_setup, db_teardown),
		cmocka_unit_test_setup_teardown(missing_values_and_not,
						db_setup, db_teardown),
		cmocka_unit_test_setup_teardown(literals_never_reach_sql,
						db_setup, db_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
