/*
 * test-export.c - the keys of WebDataset samples: a loader groups the
 * files of a shard stream into samples by the name before the first dot,
 * so two images whose hashes share their first 16 hex digits (sorted,
 * they are neighbours) must not share a key, or they become one sample.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "export-int.h"

static void set_of(struct gic_resolved_set *s, struct gic_item *v,
		   const char *const *shas, size_t n)
{
	memset(s, 0, sizeof(*s));
	memset(v, 0, n * sizeof(*v));
	for (size_t i = 0; i < n; i++)
		strcpy(v[i].sha256, shas[i]);
	s->items = v;
	s->n = n;
}

static void test_keys(void **state)
{
	static const char *const shas[] = {
		"00aa000000000000aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		"00aa000000000001aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		"00aa000000000001bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
		"00aa000000000002aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	struct gic_resolved_set s;
	struct gic_item v[4];
	char key[GIC_HEX_LEN + 1];

	(void)state;
	set_of(&s, v, shas, 4);
	gic_export_sample_key(&s, 0, key);
	assert_string_equal(key, "00aa000000000000");
	gic_export_sample_key(&s, 1, key);
	assert_string_equal(key, shas[1]);  /* alike in 16 digits: whole */
	gic_export_sample_key(&s, 2, key);
	assert_string_equal(key, shas[2]);
	gic_export_sample_key(&s, 3, key);
	assert_string_equal(key, "00aa000000000002");
	set_of(&s, v, shas + 1, 1);  /* alone */
	gic_export_sample_key(&s, 0, key);
	assert_string_equal(key, "00aa000000000001");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
