/*
 * test-catalog.c - what the commands that change or write next to a
 * catalog rely on: gic_catalog_holds (is a path the catalog's directory or
 * inside it, spelt any way, made yet or not), gic_tx_begin/_end (a
 * change commits whole or not at all; a dry run never commits) and the
 * foreign keys an opened catalog enforces.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testdata.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

static char dir[64];
static struct gic_catalog *cat;

static int setup(void **state)
{
	(void)state;
	return test_catalog_new(dir, &cat);
}

static int teardown(void **state)
{
	(void)state;
	gic_catalog_close(cat);
	return test_rm_tree(dir);
}

/* dir/rel, in a static buffer: used before the next call */
static const char *under(const char *rel)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return path;
}

/* 1 when the catalog holds path, checking the answer names the
 * catalog's real directory. */
static int held(const char *path)
{
	const char *got = gic_catalog_holds(cat, path);

	if (got) {
		const char *tail = strrchr(got, '/');
		assert_non_null(tail);
		assert_string_equal(tail, "/.gicat");
	}
	return got != NULL;
}

static void test_holds(void **state)
{
	char target[512];

	(void)state;
	assert_true(held(under(".gicat")));
	assert_true(held(under(".gicat/")));
	assert_true(held(under(".gicat/catalog.db")));
	assert_true(held(under(".gicat/objects/ab")));       /* not made yet */
	assert_true(held(under(".gicat/objects/../x")));
	/* through a directory that is not there: nothing can be made there
	 * either (mkdir fails too), so it is not the catalog's */
	assert_false(held(under("sub/../.gicat/new")));
	assert_false(held(under("")));                         /* the root */
	assert_false(held(under("pics")));
	assert_false(held(under(".gicat-old")));               /* a sibling */
	assert_false(held(under(".gicat/../elsewhere")));
	assert_false(held(under("no/such/deep/path")));
	assert_false(held("/"));
	/* a link to the catalog's directory is the directory */
	snprintf(target, sizeof(target), "%s", under(".gicat"));
	assert_int_equal(symlink(target, under("alias")), 0);
	assert_true(held(under("alias/objects")));
}

static long long count_classes(void)
{
	sqlite3_stmt *s;
	long long n = -1;

	assert_int_equal(sqlite3_prepare_v2(cat->db, "SELECT count(*) FROM "
					    "classes", -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

static void test_transactions(void **state)
{
	long long n;

	(void)state;
	n = count_classes();
	assert_true(n > 0);
	/* a dry run never commits, even when its work succeeded */
	assert_int_equal(gic_tx_begin(cat, 1), 0);
	assert_int_equal(sqlite3_get_autocommit(cat->db), 0);
	assert_int_equal(sqlite3_exec(cat->db, "CREATE TEMP TABLE t (x)", NULL,
				      NULL, NULL), SQLITE_OK);
	assert_int_equal(gic_tx_end(cat, 1, 0), 0);
	assert_int_equal(sqlite3_get_autocommit(cat->db), 1);
	/* a change that failed is rolled back, and its code returned */
	assert_int_equal(gic_tx_begin(cat, 0), 0);
	assert_int_equal(sqlite3_exec(cat->db, "DELETE FROM classes WHERE idx "
				      "< 10", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(gic_tx_end(cat, 0, GIC_EUSAGE), GIC_EUSAGE);
	assert_int_equal(count_classes(), n);
	/* a refusal (a positive code) is rolled back too */
	assert_int_equal(gic_tx_begin(cat, 0), 0);
	assert_int_equal(sqlite3_exec(cat->db, "DELETE FROM classes WHERE idx "
				      "< 10", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(gic_tx_end(cat, 0, 1), 1);
	assert_int_equal(count_classes(), n);
	/* a change that succeeded commits */
	assert_int_equal(gic_tx_begin(cat, 0), 0);
	assert_int_equal(sqlite3_exec(cat->db, "DELETE FROM classes WHERE idx "
				      "= 999", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(gic_tx_end(cat, 0, 0), 0);
	assert_int_equal(count_classes(), n - 1);
	assert_int_equal(sqlite3_get_autocommit(cat->db), 1);
}

/* Reopened as every command opens it, the catalog enforces its foreign
 * keys: deleting a materialization takes its file records with it (gc
 * and split rely on that), and an entry cannot name an unknown image. */
static void test_foreign_keys(void **state)
{
	sqlite3_stmt *s;

	(void)state;
	gic_catalog_close(cat);
	assert_int_equal(gic_catalog_open(dir, &cat), 0);
	assert_int_equal(sqlite3_exec(cat->db,
		"INSERT INTO materializations (id, task_name, task_hash, seed, "
		"format, mode, out_dir, files) VALUES (7, 't', 'x', 0, "
		"'imagefolder', 'copy', '/nowhere', 1);"
		"INSERT INTO materialized_files VALUES (7, 'MANIFEST', 'aa', "
		"NULL, NULL);"
		"DELETE FROM materializations WHERE id = 7",
		NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(cat->db, "SELECT count(*) FROM "
					    "materialized_files", -1, &s, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(s, 0), 0);
	sqlite3_finalize(s);
	assert_int_not_equal(sqlite3_exec(cat->db, "INSERT INTO entries "
		"(sha256, dataset, path) VALUES ('nothere', 'd', 'p')", NULL,
		NULL, NULL), SQLITE_OK);
}

/* A lookup that fails is neither a row nor none: gc took a failed one for
 * "no entry uses this object" and deleted it. */
static void test_has_row(void **state)
{
	sqlite3_stmt *s;
	const char *hex = "00";

	(void)state;
	assert_int_equal(sqlite3_prepare_v2(cat->db, "SELECT 1 WHERE ?1 = "
					    "'00'", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(gic_db_has_row(s, hex), 1);
	assert_int_equal(gic_db_has_row(s, "01"), 0);
	sqlite3_finalize(s);
	/* abs() of the least integer fails at the step */
	assert_int_equal(sqlite3_prepare_v2(cat->db, "SELECT 1 WHERE ?1 = "
					    "'00' AND abs(-9223372036854775807 "
					    "- 1)", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(gic_db_has_row(s, hex), GIC_EDB);
	assert_non_null(strstr(gic_errmsg(), "integer overflow"));
	sqlite3_finalize(s);
}

/* Percentages round half up from the fraction's decimal value, whatever
 * the binary error of fraction * 100: "%.1f" of it gave 28.7 for 23/80. */
static void test_pct1(void **state)
{
	static const struct { int k, n; const char *want; } v[] = {
		{ 23, 80, "28.8" }, { 39, 80, "48.8" }, { 5, 80, "6.3" },
		{ 5, 16, "31.3" }, { 1, 3, "33.3" }, { 2, 3, "66.7" },
		{ 0, 7, "0.0" }, { 7, 7, "100.0" }, { 1, 2000, "0.1" },
		{ 1999, 2000, "100.0" }, { 8001, 16000, "50.0" },
		{ 8007, 16000, "50.0" }, { 8008, 16000, "50.1" },
	};
	char buf[32];

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		snprintf(buf, sizeof(buf), "%.1f",
			 gic_pct1((double)v[i].k / v[i].n));
		assert_string_equal(buf, v[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_holds),
		cmocka_unit_test(test_transactions),
		cmocka_unit_test(test_foreign_keys),
		cmocka_unit_test(test_has_row),
		cmocka_unit_test(test_pct1),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
