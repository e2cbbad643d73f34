/*
 * test-forkjoin.c - gic_fork_join calls its function once per thread
 * number, the calls run at the same time (each waits until all have
 * begun), the calling thread makes call 0, and the count is clamped.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "forkjoin.h"

struct seen {
	atomic_int calls[GIC_FORK_MAX + 1];
	atomic_int begun;
	int want;                   /* calls that must have begun before any
				       returns; 0: none waits */
	int timed_out;
	pthread_t caller;
	int zero_on_caller;
};

static void call(void *arg, int k)
{
	struct seen *s = arg;
	struct timespec start;

	atomic_fetch_add(&s->calls[k], 1);
	atomic_fetch_add(&s->begun, 1);
	if (k == 0)
		s->zero_on_caller = pthread_equal(pthread_self(), s->caller);
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (atomic_load(&s->begun) < s->want) {  /* at most 10 s */
		struct timespec now;

		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec > 10) {
			s->timed_out = 1;
			return;
		}
	}
}

static int run(struct seen *s, int threads, int want)
{
	*s = (struct seen){ .want = want, .caller = pthread_self() };
	return gic_fork_join(threads, call, s);
}

static void test_each_once_at_once(void **state)
{
	struct seen s;

	(void)state;
	assert_int_equal(run(&s, 4, 4), 4);
	assert_false(s.timed_out);
	assert_true(s.zero_on_caller);
	for (int k = 0; k < 4; k++)
		assert_int_equal(atomic_load(&s.calls[k]), 1);
	assert_int_equal(atomic_load(&s.calls[4]), 0);
}

static void test_one_is_the_caller(void **state)
{
	struct seen s;

	(void)state;
	assert_int_equal(run(&s, 1, 0), 1);
	assert_true(s.zero_on_caller);
	assert_int_equal(atomic_load(&s.calls[0]), 1);
	assert_int_equal(atomic_load(&s.calls[1]), 0);
	assert_int_equal(run(&s, 0, 0), 1);  /* none asked: still the caller */
	assert_int_equal(atomic_load(&s.calls[0]), 1);
}

static void test_clamped(void **state)
{
	struct seen s;

	(void)state;
	assert_int_equal(run(&s, GIC_FORK_MAX + 10, 0), GIC_FORK_MAX);
	for (int k = 0; k < GIC_FORK_MAX; k++)
		assert_int_equal(atomic_load(&s.calls[k]), 1);
	assert_int_equal(atomic_load(&s.calls[GIC_FORK_MAX]), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_once_at_once),
		cmocka_unit_test(test_one_is_the_caller),
		cmocka_unit_test(test_clamped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
