/*
 * forkjoin.h - run one function on several threads, the calling one among
 * them, and wait for all (forkjoin.c).  The work is shared out by the
 * function itself, usually from an atomic counter, so a thread that could
 * not be started leaves the work to the others: slower, not wrong.
 */
#ifndef GIC_FORKJOIN_H
#define GIC_FORKJOIN_H

/* Threads at most, the calling one included. */
#define GIC_FORK_MAX 64

/*
 * Calls fn(arg, k) for k = 0 .. threads-1 at once: k = 0 on the calling
 * thread, the others each on a thread of their own (threads is clamped to
 * 1 .. GIC_FORK_MAX).  Returns when every call has, with how many ran.
 */
int gic_fork_join(int threads, void (*fn)(void *arg, int k), void *arg);

#endif
