/*
 * forkjoin.c - one function on several threads at once (forkjoin.h).
 */
#include <pthread.h>

#include "forkjoin.h"

struct call {
	void (*fn)(void *arg, int k);
	void *arg;
	int k;
};

static void *start(void *v)
{
	struct call *c = v;

	c->fn(c->arg, c->k);
	return NULL;
}

int gic_fork_join(int threads, void (*fn)(void *arg, int k), void *arg)
{
	pthread_t tids[GIC_FORK_MAX];
	struct call calls[GIC_FORK_MAX];
	int started = 1;

	if (threads > GIC_FORK_MAX)
		threads = GIC_FORK_MAX;
	for (; started < threads; started++) {
		calls[started] = (struct call){ fn, arg, started };
		if (pthread_create(&tids[started], NULL, start,
				   &calls[started]))
			break;
	}
	fn(arg, 0);
	for (int k = 1; k < started; k++)
		pthread_join(tids[k], NULL);
	return started;
}
