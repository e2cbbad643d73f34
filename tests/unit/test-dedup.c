/*
 * test-dedup.c - duplicates from a real catalog (created with
 * gic_catalog_init, rows written with SQLite): exact listings, near
 * clusters and their stable ids, selections, the image -> cluster map and
 * pHash lookups the task code builds on, cross pairs between two sets,
 * and that a listing leaves no transaction or table behind.
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
#include <unistd.h>

#include <sqlite3.h>

#include "dedup.h"

static char dir[64];
static struct gic_catalog *cat;

/* One image per letter; a has two entries (an exact duplicate).  pHashes:
 * a - b - c is a chain at distance 3 (a and c are 6 apart), d - e a pair
 * at distance 1 with the top bit set (negative in SQLite), f alone. */
static const struct {
	char letter;
	uint64_t phash;
	const char *dataset, *path, *split;
} rows[] = {
	{ 'a', 0x3f, "ds1", "a1.png", "train" },
	{ 'a', 0x3f, "ds1", "a2.png", "test" },
	{ 'b', 0x07, "ds1", "b.png", "test" },
	{ 'c', 0x00, "ds2", "c.png", "train" },
	{ 'd', 0xfff0000000000000ULL, "ds2", "d.png", "test" },
	{ 'e', 0xfff0000000000001ULL, "ds1", "e.png", "train" },
	{ 'f', 0x5555555555555555ULL, "ds1", "f.png", "train" },
};

/* A hex sha256 of one repeated hex digit ('a'..'f' for the rows above,
 * '0'..'9' for the leak check's items). */
static const char *sha(char digit)
{
	static char s[128][GIC_HEX_LEN + 1];
	char *p = s[digit & 127];

	memset(p, digit, GIC_HEX_LEN);
	p[GIC_HEX_LEN] = '\0';
	return p;
}

static void add_rows(void)
{
	sqlite3_stmt *img, *ent;

	assert_int_equal(sqlite3_prepare_v2(cat->db, "INSERT OR IGNORE INTO "
		"images (sha256, bytes, format, width, height, channels, "
		"bit_depth, mode, phash, storage) VALUES (?, 1, 'png', 8, 8, 3, "
		"8, 'rgb', ?, 'object')", -1, &img, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(cat->db, "INSERT INTO entries "
		"(sha256, dataset, path, split) VALUES (?, ?, ?, ?)", -1, &ent,
		NULL), SQLITE_OK);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		sqlite3_bind_text(img, 1, sha(rows[i].letter), -1, SQLITE_STATIC);
		sqlite3_bind_int64(img, 2, (int64_t)rows[i].phash);
		assert_int_equal(sqlite3_step(img), SQLITE_DONE);
		sqlite3_reset(img);
		sqlite3_bind_text(ent, 1, sha(rows[i].letter), -1, SQLITE_STATIC);
		sqlite3_bind_text(ent, 2, rows[i].dataset, -1, SQLITE_STATIC);
		sqlite3_bind_text(ent, 3, rows[i].path, -1, SQLITE_STATIC);
		sqlite3_bind_text(ent, 4, rows[i].split, -1, SQLITE_STATIC);
		assert_int_equal(sqlite3_step(ent), SQLITE_DONE);
		sqlite3_reset(ent);
	}
	sqlite3_finalize(img);
	sqlite3_finalize(ent);
}

static int setup(void **state)
{
	(void)state;
	if (test_catalog_new(dir, &cat) < 0)
		return -1;
	add_rows();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	gic_catalog_close(cat);
	return test_rm_tree(dir);
}

/* The listing's rows as "col0 col1 ...|" lines of the given columns. */
static char *rows_text(struct gic_dedup *d, const int *cols, int ncols)
{
	static char buf[2048];
	size_t len = 0;

	buf[0] = '\0';
	while (sqlite3_step(d->rows) == SQLITE_ROW) {
		for (int i = 0; i < ncols; i++) {
			const char *v = (const char *)sqlite3_column_text(d->rows,
									 cols[i]);
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%.1s",
						i ? " " : "", v ? v : "-");
		}
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "|");
	}
	return buf;
}

static void test_exact_duplicates(void **state)
{
	struct gic_dedup *d;
	int errcol, cols[] = { 0, 1, 6, 7 };

	(void)state;
	assert_int_equal(gic_dedup_exact(cat, "", 0, &d, &errcol), 0);
	assert_string_equal(sqlite3_column_name(d->rows, 1), "copies");
	assert_int_equal(d->images, 6);
	assert_int_equal(d->groups, 1);
	assert_int_equal(d->members, 2);
	/* first letters: sha256, copies, split, path */
	assert_string_equal(rows_text(d, cols, 4), "a 2 t a|a 2 t a|");
	gic_dedup_free(d);
	assert_int_equal(gic_dedup_exact(cat, "split = train", 1, &d, &errcol), 0);
	assert_int_equal(d->groups, 0);
	assert_int_equal(sqlite3_step(d->rows), SQLITE_DONE);
	gic_dedup_free(d);
}

static void test_near_clusters_listed(void **state)
{
	struct gic_dedup *d;
	int errcol, cols[] = { 0, 1, 2, 3 };

	(void)state;
	assert_int_equal(gic_dedup_near(cat, NULL, 3, 0, &d, &errcol), 0);
	assert_int_equal(d->images, 6);
	assert_int_equal(d->groups, 2);
	assert_int_equal(d->members, 5);
	/* cluster, size, sha256, distance: c is 6 from a, linked through b */
	assert_string_equal(rows_text(d, cols, 4),
			    "a 3 a 0|a 3 a 0|a 3 b 3|a 3 c 6|d 2 d 0|d 2 e 1|");
	gic_dedup_free(d);
	assert_int_equal(gic_dedup_near(cat, "dataset = ds1", 3, 1, &d, &errcol),
			 0);
	assert_int_equal(d->images, 4);
	assert_int_equal(d->groups, 1);
	assert_int_equal(d->members, 2);
	assert_int_equal(sqlite3_step(d->rows), SQLITE_ROW);
	assert_int_equal(strlen((const char *)sqlite3_column_text(d->rows, 0)),
			 12);
	gic_dedup_free(d);
}

static void test_cluster_map(void **state)
{
	struct gic_near_clusters *m;
	char id[GIC_HEX_LEN + 1];
	int errcol;

	(void)state;
	assert_int_equal(gic_near_clusters_build(cat, "", 3, &m, &errcol), 0);
	assert_int_equal(gic_near_clusters_count(m), 6);
	for (const char *p = "abcdef", *want = "aaaddf"; *p; p++, want++) {
		assert_int_equal(gic_near_cluster_of(m, sha(*p), id), 0);
		assert_string_equal(id, sha(*want));
	}
	assert_int_equal(gic_near_cluster_of(m, "0123456789abcdef0123456789"
					     "abcdef0123456789abcdef0123456789"
					     "abcdef", id), GIC_ENOTFOUND);
	assert_int_equal(gic_near_cluster_of(m, "xyz", id), GIC_EUSAGE);
	gic_near_clusters_free(m);
	/* a selection clusters its own images only: without b, c is alone */
	assert_int_equal(gic_near_clusters_build(cat, "dataset = ds2", 3, &m,
						 &errcol), 0);
	assert_int_equal(gic_near_clusters_count(m), 2);
	assert_int_equal(gic_near_cluster_of(m, sha('c'), id), 0);
	assert_string_equal(id, sha('c'));
	assert_int_equal(gic_near_cluster_of(m, sha('a'), id), GIC_ENOTFOUND);
	gic_near_clusters_free(m);
}

struct hits {
	char s[256];
};

static int on_cross(void *arg, size_t ia, size_t ib, int dist)
{
	struct hits *h = arg;
	size_t len = strlen(h->s);

	snprintf(h->s + len, sizeof(h->s) - len, "%zu-%zu:%d ", ia, ib, dist);
	return 0;
}

static void test_phashes_and_cross_pairs(void **state)
{
	const char *train[4] = { sha('a'), sha('c'), sha('e'), sha('f') };
	const char *test[3] = { sha('a'), sha('b'), sha('d') };
	const char *bad[2] = { sha('b'), "0000" };
	uint64_t ptrain[4], ptest[3], pbad[2];
	struct hits h = { "" };

	(void)state;
	assert_int_equal(gic_dedup_phashes(cat, train, 4, ptrain), 0);
	assert_int_equal(gic_dedup_phashes(cat, test, 3, ptest), 0);
	assert_true(ptrain[2] == 0xfff0000000000001ULL);
	assert_true(ptest[2] == 0xfff0000000000000ULL);
	assert_int_equal(gic_dedup_phashes(cat, bad, 2, pbad), GIC_ENOTFOUND);
	assert_non_null(strstr(gic_errmsg(), "'0000'"));
	/* test (b) is indexed and train (a) queried against it: the order
	 * follows the train images */
	assert_int_equal(gic_near_cross(ptrain, 4, ptest, 3, 3, on_cross, &h), 0);
	assert_string_equal(h.s, "0-0:0 0-1:3 1-1:3 2-2:1 ");
}

struct leaks {
	char s[512];
};

static int on_leak(void *arg, const struct gic_leak *l)
{
	struct leaks *k = arg;
	size_t len = strlen(k->s);

	snprintf(k->s + len, sizeof(k->s) - len, "%s %.1s-%.1s %d %s|",
		 l->test_set, l->test->sha256, l->train->sha256, l->distance,
		 l->same_image ? "same" : "near");
	return 0;
}

/* Item it as image img, degraded from parent and from other (held in
 * merged, which it points to). */
static void degraded(struct gic_item *it, char merged[][GIC_HEX_LEN + 1],
		     char img, char parent, char other)
{
	strcpy(it->sha256, sha(img));
	strcpy(it->parent, sha(parent));
	strcpy(merged[0], sha(other));
	it->merged = merged;
	it->nmerged = 1;
}

/*
 * Items compared through their originals, both of an item two originals
 * degraded to: a pair of one test and one train item is listed once, as
 * the same image when one of its originals is, even where another
 * original of the other item has the very same pHash (flat images).
 */
static void test_leakcheck_pairs_items_once(void **state)
{
	static char train_name[] = "train", test_name[] = "test/x";
	struct gic_task_set train_def = { .name = train_name },
			    test_def = { .name = test_name };
	struct gic_item train[3] = { 0 }, test[3] = { 0 };
	char train_merged[1][GIC_HEX_LEN + 1], test_merged[1][GIC_HEX_LEN + 1];
	struct gic_resolved r = { .nsets = 2 };
	struct leaks k = { "" };
	uint64_t count = 0;
	char sql[512];

	(void)state;
	/* 7 and 8: two flat images, different bytes, the same pHash; 1 and
	 * 2, the degraded images, far from every other (their own bytes are
	 * compared too) */
	for (const char *c = "7812"; *c; c++) {
		snprintf(sql, sizeof(sql), "INSERT INTO images (sha256, bytes, "
			 "format, width, height, channels, bit_depth, mode, phash, "
			 "storage) VALUES ('%s', 1, 'png', 8, 8, 3, 8, 'rgb', "
			 "%lld, 'object')", sha(*c), (long long)(*c == '1' ?
			 0x00ff00ff00ff00ffULL : *c == '2' ? 0x0f0f0f0f0f0f0f0fULL :
			 0x8000000000000000ULL));
		assert_int_equal(sqlite3_exec(cat->db, sql, NULL, NULL, NULL),
				 SQLITE_OK);
	}
	/* train: 1 degraded from 7 and from 8, a, e */
	degraded(&train[0], train_merged, '1', '7', '8');
	strcpy(train[1].sha256, sha('a'));
	strcpy(train[2].sha256, sha('e'));
	/* test: 2 degraded from f and from d (d is 1 from e), b (3 from a),
	 * and 8, itself an original of train's 1, 0 from its other */
	degraded(&test[0], test_merged, '2', 'f', 'd');
	strcpy(test[1].sha256, sha('b'));
	strcpy(test[2].sha256, sha('8'));
	r.sets[0] = (struct gic_resolved_set){ .def = &train_def,
					       .items = train, .n = 3 };
	r.sets[1] = (struct gic_resolved_set){ .def = &test_def,
					       .items = test, .n = 3 };
	assert_int_equal(gic_leakcheck(cat, &r, 3, on_leak, &k, &count), 0);
	assert_string_equal(k.s, "test/x 2-e 1 near|test/x b-a 3 near|"
			    "test/x 8-1 0 same|");
	assert_int_equal(count, 3);
}

static void test_listings_leave_no_transaction(void **state)
{
	struct gic_dedup *d;
	int errcol = 0;

	(void)state;
	for (int k = 0; k < 2; k++) {
		assert_int_equal(gic_dedup_near(cat, "", 4, 0, &d, &errcol), 0);
		assert_int_equal(sqlite3_get_autocommit(cat->db), 0);
		gic_dedup_free(d);
		assert_int_equal(sqlite3_get_autocommit(cat->db), 1);
	}
	assert_int_equal(gic_dedup_exact(cat, "label = fake and genrator = x",
					 0, &d, &errcol), GIC_EUSAGE);
	assert_int_equal(errcol, 18);
	assert_non_null(strstr(gic_errmsg(), "genrator"));
	assert_int_equal(gic_dedup_near(cat, "(", 4, 0, &d, &errcol), GIC_EUSAGE);
	assert_int_equal(gic_dedup_near(cat, "", 11, 0, &d, &errcol), GIC_EUSAGE);
	assert_int_equal(sqlite3_get_autocommit(cat->db), 1);
	assert_int_equal(sqlite3_exec(cat->db, "BEGIN IMMEDIATE; UPDATE entries "
				      "SET license = 'x'; COMMIT", NULL, NULL,
				      NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(cat->db, "SELECT * FROM temp.gic_near",
				      NULL, NULL, NULL), SQLITE_ERROR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_duplicates),
		cmocka_unit_test(test_near_clusters_listed),
		cmocka_unit_test(test_cluster_map),
		cmocka_unit_test(test_phashes_and_cross_pairs),
		cmocka_unit_test(test_listings_leave_no_transaction),
		cmocka_unit_test(test_leakcheck_pairs_items_once),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
