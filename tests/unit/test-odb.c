/*
 * test-odb.c - the local object store's contract: a copy becomes a
 * read-only object at objects/ab/cdef... whole or not at all, with no
 * temporary file; a link becomes one only when sync() has made it
 * durable, and a batch of links never synced leaves nothing; a name that
 * holds other bytes (what a power loss can leave) is replaced; puts from
 * several threads at once, of the same object too, while batches are
 * synced; a hard-linked source that changes while it is stored is refused;
 * one file linked twice (by two of its names) leaves one object.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog.h"
#include "testdata.h"

static char tmpdir[] = "/tmp/gicat-test-odb-XXXXXX";

/* Files (objects and temporary files) under the store. */
static int count_files(void)
{
	char sub[256];
	int n = 0;

	for (int i = 0; i < 256; i++) {
		struct dirent *d;
		DIR *dir;

		snprintf(sub, sizeof(sub), "%s/%02x", tmpdir, i);
		if (!(dir = opendir(sub)))
			continue;
		while ((d = readdir(dir)))
			n += d->d_name[0] != '.';
		closedir(dir);
	}
	return n;
}

static struct gic_odb *open_empty(void)
{
	struct gic_odb *odb;
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'/??", tmpdir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(gic_odb_fs_open(tmpdir, &odb), 0);
	return odb;
}

/* Some bytes and their hash. */
static void sample(int i, char *buf, size_t n, char hex[GIC_HEX_LEN + 1])
{
	for (size_t k = 0; k < n; k++)
		buf[k] = (char)(i * 31 + k * 7);
	assert_int_equal(gic_sha256_hex(buf, n, hex), 0);
}

static void test_copy_named_whole(void **state)
{
	struct gic_odb *odb = open_empty();
	char buf[1000], hex[GIC_HEX_LEN + 1], *path;
	enum gic_put_how how;
	unsigned char *got;
	struct stat st;
	uint64_t size;
	size_t len;
	int writable;

	(void)state;
	sample(1, buf, sizeof(buf), hex);
	assert_int_equal(odb->be->put(odb, hex, buf, sizeof(buf), NULL,
				      GIC_MODE_COPY, &how), 0);
	assert_int_equal(how, GIC_PUT_COPIED);
	assert_int_equal(count_files(), 1); /* no temporary file */
	assert_int_equal(odb->be->sync(odb), 0);
	writable = -1;
	assert_int_equal(odb->be->stat(odb, hex, &size, &writable), 0);
	assert_int_equal(size, sizeof(buf));
	assert_int_equal(writable, 0);  /* objects are 0444 */
	assert_int_equal(odb->be->get(odb, hex, &got, &len), 0);
	assert_int_equal(len, sizeof(buf));
	assert_memory_equal(got, buf, len);
	free(got);
	path = gic_odb_fs_path(odb, hex);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0444);
	free(path);
	assert_int_equal(count_files(), 1);
	assert_int_equal(odb->be->put(odb, hex, buf, sizeof(buf), NULL,
				      GIC_MODE_COPY, &how), 0);
	assert_int_equal(how, GIC_PUT_EXISTED);
	assert_int_equal(odb->be->sync(odb), 0); /* nothing to do */
	odb->be->free(odb);
}

/* A file of n sample bytes (i) at path. */
static void write_sample(const char *path, int i, size_t n)
{
	char buf[1000], hex[GIC_HEX_LEN + 1];
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	sample(i, buf, n, hex);
	assert_int_equal(fwrite(buf, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static void test_unsynced_links_leave_nothing(void **state)
{
	struct gic_odb *odb = open_empty();
	char buf[500], hex[GIC_HEX_LEN + 1], src[300];
	enum gic_put_how how;
	uint64_t size;

	(void)state;
	for (int i = 0; i < 20; i++) {
		snprintf(src, sizeof(src), "%s/source-%d", tmpdir, i);
		write_sample(src, i, sizeof(buf));
		sample(i, buf, sizeof(buf), hex);
		assert_int_equal(odb->be->put(odb, hex, buf, sizeof(buf), src,
					      GIC_MODE_LINK, &how), 0);
		assert_int_equal(how, GIC_PUT_LINKED);
		assert_int_equal(odb->be->stat(odb, hex, &size, NULL), GIC_ENOTFOUND);
	}
	assert_int_equal(count_files(), 20); /* the temporary files */
	odb->be->free(odb);                  /* the batch is abandoned */
	assert_int_equal(count_files(), 0);
	for (int i = 0; i < 20; i++) {
		snprintf(src, sizeof(src), "%s/source-%d", tmpdir, i);
		unlink(src);
	}
}

/* A name holding other bytes of the right size, as a power loss between
 * naming a copy and syncing it can leave, is not trusted but replaced. */
static void test_torn_name_replaced(void **state)
{
	struct gic_odb *odb = open_empty();
	char buf[700], hex[GIC_HEX_LEN + 1], dir[300], *path;
	enum gic_put_how how;
	unsigned char *got;
	size_t len;

	(void)state;
	sample(3, buf, sizeof(buf), hex);
	snprintf(dir, sizeof(dir), "%s/%.2s", tmpdir, hex);
	assert_int_equal(mkdir(dir, 0755), 0);
	path = gic_odb_fs_path(odb, hex);
	write_sample(path, 4, sizeof(buf));
	assert_int_equal(odb->be->put(odb, hex, buf, sizeof(buf), NULL,
				      GIC_MODE_COPY, &how), 0);
	assert_int_equal(how, GIC_PUT_COPIED);
	assert_int_equal(odb->be->sync(odb), 0);
	assert_int_equal(odb->be->get(odb, hex, &got, &len), 0);
	assert_int_equal(len, sizeof(buf));
	assert_memory_equal(got, buf, len);
	assert_int_equal(count_files(), 1);
	free(got);
	free(path);
	odb->be->free(odb);
}

struct putter {
	struct gic_odb *odb;
	int first, rc;
};

/* 50 objects, of which the first 25 are the other thread's too. */
static void *put_many(void *arg)
{
	struct putter *p = arg;
	char buf[300], hex[GIC_HEX_LEN + 1];
	enum gic_put_how how;

	for (int i = p->first; i < p->first + 50 && p->rc == 0; i++) {
		sample(i, buf, sizeof(buf), hex);
		p->rc = p->odb->be->put(p->odb, hex, buf, sizeof(buf), NULL,
					GIC_MODE_COPY, &how);
	}
	return NULL;
}

static void test_concurrent_puts(void **state)
{
	struct gic_odb *odb = open_empty();
	struct putter a = { odb, 0, 0 }, b = { odb, 25, 0 };
	pthread_t ta, tb;
	uint64_t size;
	char buf[300], hex[GIC_HEX_LEN + 1];

	(void)state;
	assert_int_equal(pthread_create(&ta, NULL, put_many, &a), 0);
	assert_int_equal(pthread_create(&tb, NULL, put_many, &b), 0);
	for (int i = 0; i < 20; i++) /* batches taken while puts go on */
		assert_int_equal(odb->be->sync(odb), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	assert_int_equal(a.rc, 0);
	assert_int_equal(b.rc, 0);
	assert_int_equal(odb->be->sync(odb), 0);
	assert_int_equal(count_files(), 75);
	for (int i = 0; i < 75; i++) {
		sample(i, buf, sizeof(buf), hex);
		assert_int_equal(odb->be->stat(odb, hex, &size, NULL), 0);
	}
	odb->be->free(odb);
}

/* One file linked twice before a sync, through two of its names (hard
 * links of each other, as a deduplicated tree has): one object, the
 * file's third name, and no temporary file left. */
static void test_one_file_linked_twice(void **state)
{
	struct gic_odb *odb = open_empty();
	char buf[600], hex[GIC_HEX_LEN + 1], src[300], twin[300];
	enum gic_put_how how;
	struct stat st;

	(void)state;
	snprintf(src, sizeof(src), "%s/source", tmpdir);
	snprintf(twin, sizeof(twin), "%s/twin", tmpdir);
	write_sample(src, 9, sizeof(buf));
	assert_int_equal(link(src, twin), 0);
	sample(9, buf, sizeof(buf), hex);
	assert_int_equal(odb->be->put(odb, hex, buf, sizeof(buf), src,
				      GIC_MODE_LINK, &how), 0);
	assert_int_equal(how, GIC_PUT_LINKED);
	assert_int_equal(odb->be->put(odb, hex, buf, sizeof(buf), twin,
				      GIC_MODE_LINK, &how), 0);
	assert_int_equal(how, GIC_PUT_LINKED);
	assert_int_equal(odb->be->sync(odb), 0);
	assert_int_equal(count_files(), 1);
	assert_int_equal(stat(src, &st), 0);
	assert_int_equal(st.st_nlink, 3);
	unlink(src);
	unlink(twin);
	odb->be->free(odb);
}

static void test_changed_link_source_refused(void **state)
{
	struct gic_odb *odb = open_empty();
	char buf[400], hex[GIC_HEX_LEN + 1], src[300];
	enum gic_put_how how;
	FILE *f;

	(void)state;
	sample(7, buf, sizeof(buf), hex);
	snprintf(src, sizeof(src), "%s/source", tmpdir);
	f = fopen(src, "wb");
	assert_non_null(f);
	buf[0] ^= 1; /* the file no longer holds what was hashed */
	fwrite(buf, 1, sizeof(buf), f);
	fclose(f);
	assert_int_equal(odb->be->put(odb, hex, buf, sizeof(buf), src,
				      GIC_MODE_LINK, &how), GIC_ECORRUPT);
	assert_int_equal(odb->be->sync(odb), 0);
	assert_int_equal(count_files(), 0);
	unlink(src);
	odb->be->free(odb);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return test_rm_tree(tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copy_named_whole),
		cmocka_unit_test(test_unsynced_links_leave_nothing),
		cmocka_unit_test(test_torn_name_replaced),
		cmocka_unit_test(test_concurrent_puts),
		cmocka_unit_test(test_changed_link_source_refused),
		cmocka_unit_test(test_one_file_linked_twice),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
