/*
 * testdata.h - reading test input in the unit tests: a whole file, or a
 * file of the shared sample data ($GICAT_SHARED, else ../shared, as the
 * tests run from the repository root); a scratch catalog, and removing a
 * scratch tree; and text checked for the strings it must (not) hold.
 * Include after <cmocka.h>.
 */
#ifndef GIC_TESTDATA_H
#define GIC_TESTDATA_H

#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog.h"

/* The whole file; fails the test when it cannot be read.  Free it. */
__attribute__((unused))
static unsigned char *test_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *p;
	long n;

	if (!f)
		fail_msg("cannot open %s (set GICAT_SHARED?)", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	p = malloc((size_t)n + 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return p;
}

/* The path of rel below the shared sample data, in buf. */
__attribute__((unused))
static const char *test_shared_path(const char *rel, char *buf, size_t size)
{
	const char *shared = getenv("GICAT_SHARED");

	snprintf(buf, size, "%s/%s", shared ? shared : "../shared", rel);
	return buf;
}

/* test_read of rel below the shared sample data. */
__attribute__((unused))
static unsigned char *test_read_shared(const char *rel, size_t *len)
{
	char path[1024];

	return test_read(test_shared_path(rel, path, sizeof(path)), len);
}

/* The directory rel below the shared sample data, open; fails the test
 * when it cannot be opened. */
__attribute__((unused))
static DIR *test_opendir_shared(const char *rel)
{
	char dir[1024];
	DIR *d = opendir(test_shared_path(rel, dir, sizeof(dir)));

	if (!d)
		fail_msg("cannot open %s (set GICAT_SHARED?)", dir);
	return d;
}

__attribute__((unused))
static int test_rm_one(const char *path, const struct stat *st, int flag,
		       struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Removes dir and everything below it (objects are read-only files in
 * writable directories, which remove() deletes); 0 or -1. */
__attribute__((unused))
static int test_rm_tree(const char *dir)
{
	return nftw(dir, test_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A new catalog in a new scratch directory dir (removed by test_rm_tree);
 * 0, or -1 with the reason on stderr. */
__attribute__((unused))
static int test_catalog_new(char dir[64], struct gic_catalog **cat)
{
	snprintf(dir, 64, "/tmp/gicat-test-XXXXXX");
	if (!mkdtemp(dir) || gic_catalog_init(dir, cat) < 0) {
		fprintf(stderr, "setup: %s\n", gic_errmsg());
		return -1;
	}
	return 0;
}

/* Fails unless text (not NULL) holds every string given, naming the
 * first one it lacks; assert_lacks: none of them, naming the first it
 * holds. */
#define assert_contains(text, ...) test_strings_((text), 1, __VA_ARGS__)
#define assert_lacks(text, ...) test_strings_((text), 0, __VA_ARGS__)
#define test_strings_(text, want, ...) do {                                 \
	const char *const s_[] = { __VA_ARGS__ };                           \
	assert_non_null(text);                                              \
	for (size_t i_ = 0; i_ < sizeof(s_) / sizeof(*s_); i_++)            \
		if ((strstr((text), s_[i_]) != NULL) != (want))             \
			fail_msg("'%s' %s in:\n%s", s_[i_],                 \
				 (want) ? "not" : "unexpectedly", (text));  \
} while (0)

#endif
