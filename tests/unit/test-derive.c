/*
 * test-derive.c - derived objects in a real catalog: computed once, then
 * reused under any spelling of the chain; an images row but no entry;
 * remade when the object went missing; stored inside a caller's
 * transaction (the parallel materializer's way); verify and gc treating
 * them like any other image.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "degrade.h"
#include "maint.h"
#include "testpixels.h"

static char tmpdir[] = "/tmp/gicat-test-degrade-XXXXXX";

static long long one_int(struct gic_catalog *c, const char *sql,
			 const char *arg)
{
	sqlite3_stmt *s;
	long long v = -1;

	assert_int_equal(sqlite3_prepare_v2(c->db, sql, -1, &s, NULL), 0);
	if (arg)
		sqlite3_bind_text(s, 1, arg, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* A catalog in tmpdir holding one 64x48 PNG; its hash in parent. */
static struct gic_catalog *catalog_with_png(char parent[GIC_HEX_LEN + 1])
{
	struct gic_ingest_opts io = { .layout = GIC_LAYOUT_FLAT,
				      .class_idx = -1, .jobs = 1 };
	struct gic_ingest_stats st = { 0 };
	struct gic_catalog *c;
	char path[256];
	const char *paths[] = { path };
	size_t len;
	unsigned char *png = texture_png(64, 48, &len);
	FILE *f;

	assert_non_null(mkdtemp(tmpdir));
	assert_int_equal(gic_catalog_init(tmpdir, &c), 0);
	snprintf(path, sizeof(path), "%s/a.png", tmpdir);
	assert_non_null(f = fopen(path, "wb"));
	assert_int_equal(fwrite(png, 1, len, f), len);
	fclose(f);
	assert_int_equal(gic_ingest(c, paths, 1, &io, &st), 0);
	assert_int_equal(st.new_images, 1);
	gic_sha256_hex(png, len, parent);
	free(png);
	return c;
}

static void no_problem(void *arg, const char *subject, const char *why)
{
	(void)arg;
	fail_msg("verify: %s: %s", subject, why);
}

static void test_derive_once_then_reuse(void **state)
{
	char parent[GIC_HEX_LEN + 1], hex[GIC_HEX_LEN + 1], again[GIC_HEX_LEN + 1];
	struct gic_verify_report rep;
	struct gic_catalog *c = catalog_with_png(parent);
	struct gic_gc_report gc;
	char *obj;
	int computed = -1;

	(void)state;
	assert_int_equal(gic_derive(c, parent, "resize(short=32)|jpeg(quality=50)",
				    hex, &computed), 0);
	assert_int_equal(computed, 1);
	assert_int_equal(gic_derive(c, parent, "resize( short = 32 )|jpeg("
				    "quality=50,subsampling=420)", again,
				    &computed), 0);
	assert_int_equal(computed, 0);
	assert_string_equal(hex, again);
	/* an images row probed like any image, and no entry */
	assert_int_equal(one_int(c, "SELECT width * 1000 + height FROM images "
				 "WHERE sha256 = ?", hex), 42032);
	assert_int_equal(one_int(c, "SELECT jpeg_quality FROM images WHERE "
				 "sha256 = ?", hex), 50);
	assert_int_equal(one_int(c, "SELECT count(*) FROM entries", NULL), 1);
	assert_int_equal(one_int(c, "SELECT count(*) FROM derivations WHERE "
				 "ops = 'resize(short=32)|jpeg(quality=50)' AND "
				 "codec = ?", gic_degrade_codec()), 1);
	/* a derivation whose object went missing is made again */
	obj = gic_odb_fs_path(c->odb, hex);
	assert_int_equal(unlink(obj), 0);
	assert_int_equal(gic_derive(c, parent, "resize(short=32)|jpeg(quality=50)",
				    again, &computed), 0);
	assert_int_equal(computed, 1);
	assert_string_equal(hex, again);
	assert_int_equal(access(obj, R_OK), 0);
	free(obj);
	assert_int_equal(gic_verify(c, 1, no_problem, NULL, &rep), 0);
	assert_int_equal(rep.images, 2);
	/* gc keeps what was derived from a kept image */
	assert_int_equal(gic_gc(c, 0, 0, &gc), 0);
	assert_int_equal(gc.rows + gc.objects, 0);
	gic_catalog_close(c);
}

static void test_derive_store_in_callers_transaction(void **state)
{
	char parent[GIC_HEX_LEN + 1], hex[GIC_HEX_LEN + 1], found[GIC_HEX_LEN + 1];
	struct gic_catalog *c = catalog_with_png(parent);
	struct gic_image_info info;
	unsigned char *in, *out;
	size_t inlen, outlen;
	struct gic_ops o;

	(void)state;
	assert_int_equal(gic_ops_parse("blur(sigma=2)", &o), 0);
	assert_int_equal(gic_derive_lookup(c, parent, &o, found, NULL), GIC_ENOTFOUND);
	assert_int_equal(gic_image_read(c, parent, &in, &inlen), 0);
	assert_int_equal(gic_degrade_bytes(in, inlen, &o, &out, &outlen), 0);
	assert_int_equal(sqlite3_exec(c->db, "BEGIN IMMEDIATE", 0, 0, 0), 0);
	assert_int_equal(gic_probe(out, outlen, NULL, &info), 0);
	assert_int_equal(gic_derive_store(c, parent, &o, out, outlen, &info,
					  hex), 0);
	gic_image_info_release(&info);
	assert_int_equal(sqlite3_get_autocommit(c->db), 0); /* still ours */
	assert_int_equal(c->odb->be->sync(c->odb), 0);
	assert_int_equal(sqlite3_exec(c->db, "COMMIT", 0, 0, 0), 0);
	assert_int_equal(gic_derive_lookup(c, parent, &o, found, NULL), 0);
	assert_string_equal(found, hex);
	/* parents must be catalogued; hashes must be whole */
	memset(found, 'a', GIC_HEX_LEN);
	assert_int_equal(gic_derive_store(c, found, &o, out, outlen, NULL, hex),
			 GIC_ENOTFOUND);
	assert_int_equal(gic_derive(c, "abcd", "png()", hex, &(int){ 0 }),
			 GIC_EUSAGE);
	assert_int_equal(gic_derive(c, parent, "blur(sigma=0)", hex,
				    &(int){ 0 }), GIC_EUSAGE);
	free(in);
	free(out);
	gic_catalog_close(c);
}

static int remove_tmpdir(void **state)
{
	char cmd[128];

	(void)state;
	if (strstr(tmpdir, "XXXXXX"))
		return 0;
	snprintf(cmd, sizeof(cmd), "chmod -R u+w %s && rm -rf %s", tmpdir,
		 tmpdir);
	strcpy(tmpdir + strlen(tmpdir) - 6, "XXXXXX");
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_derive_once_then_reuse,
					  remove_tmpdir),
		cmocka_unit_test_teardown(test_derive_store_in_callers_transaction,
					  remove_tmpdir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
