/*
 * odb-prefetch.c - objects of the local store, and the files outside it
 * that images stored by reference are, read ahead, by threads, of one
 * that goes through them in a known order (verify --full, in hash
 * order).  That reader then finds each object in the page cache instead
 * of waiting for the disk one small file after another; what it checks,
 * and the order it says things in, do not change.  The threads stay at
 * most a window ahead, so that what they read is still cached when its
 * turn comes.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog.h"

#define WINDOW 512      /* objects read ahead of the reader, at most */
#define MAX_THREADS 64

struct ahead {
	unsigned char sha[32];  /* an object's name ... */
	size_t path;            /* ... or 1 + where in paths a file's is */
};

struct gic_odb_prefetch {
	struct gic_odb *odb;
	struct ahead *v;        /* in the reader's order */
	size_t n, cap;
	char *paths;            /* the files', each ended by a NUL */
	size_t plen, pcap;
	size_t next, pos;       /* next to read ahead; where the reader is */
	int stop, nthreads, started;
	pthread_mutex_t lock;
	pthread_cond_t moved;   /* pos moved on, or stop */
	pthread_t tids[MAX_THREADS];
};

/* Reads object or file k to its end (into the page cache). */
static void read_ahead(struct gic_odb_prefetch *p, size_t k, char *buf,
		       size_t size)
{
	char hex[GIC_HEX_LEN + 1], name[GIC_HEX_LEN + 2];
	struct stat st;
	int at, fd;

	if (p->v[k].path)  /* O_NONBLOCK: a FIFO there does not hold us */
		fd = open(p->paths + p->v[k].path - 1, O_RDONLY | O_NONBLOCK |
			  O_CLOEXEC);
	else if ((at = gic_odb_fs_at(p->odb, (gic_hex32(p->v[k].sha, hex),
					      hex), name)) < 0)
		return;
	else
		fd = openat(at, name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW |
			    O_CLOEXEC);
	if (fd < 0)
		return;  /* the reader finds out what is wrong with it */
	/* a regular file's bytes only, as far as it had them: a ref'd path
	 * that became /dev/zero (or a file that grows) must not keep the
	 * thread, which the reader joins, reading for ever */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		for (off_t left = st.st_size, n; left > 0; left -= n)
			if ((n = read(fd, buf, (size_t)left < size ?
				      (size_t)left : size)) <= 0)
				break;
	close(fd);
}

static void *worker(void *arg)
{
	struct gic_odb_prefetch *p = arg;
	char buf[1 << 16];

	for (;;) {
		size_t k;

		pthread_mutex_lock(&p->lock);
		while (!p->stop && p->next < p->n && p->next >= p->pos + WINDOW)
			pthread_cond_wait(&p->moved, &p->lock);
		if (p->stop || p->next >= p->n) {
			pthread_mutex_unlock(&p->lock);
			return NULL;
		}
		k = p->next++;
		pthread_mutex_unlock(&p->lock);
		read_ahead(p, k, buf, sizeof(buf));
	}
}

struct gic_odb_prefetch *gic_odb_prefetch_new(struct gic_odb *odb)
{
	struct gic_odb_prefetch *p = calloc(1, sizeof(*p));

	if (p)
		p->odb = odb;
	return p;
}

int gic_odb_prefetch_add(struct gic_odb_prefetch *p, const char *hex)
{
	if (!hex || !gic_is_hex_sha(hex))
		return 0;  /* not an object's name: nothing to read */
	if (gic_grow(&p->v, p->n, &p->cap, sizeof(*p->v), 4096) < 0)
		return GIC_ENOMEM;
	p->v[p->n].path = 0;
	gic_unhex32(hex, p->v[p->n++].sha);
	return 0;
}

int gic_odb_prefetch_add_file(struct gic_odb_prefetch *p, const char *path)
{
	size_t len = strlen(path) + 1;

	while (p->plen + len > p->pcap)
		if (gic_grow(&p->paths, p->pcap, &p->pcap, 1, 1 << 16) < 0)
			return GIC_ENOMEM;
	if (gic_grow(&p->v, p->n, &p->cap, sizeof(*p->v), 4096) < 0)
		return GIC_ENOMEM;
	memcpy(p->paths + p->plen, path, len);
	p->v[p->n++].path = p->plen + 1;
	p->plen += len;
	return 0;
}

void gic_odb_prefetch_start(struct gic_odb_prefetch *p, int threads)
{
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->moved, NULL);
	if (threads > MAX_THREADS)
		threads = MAX_THREADS;
	for (; p->nthreads < threads; p->nthreads++)
		if (pthread_create(&p->tids[p->nthreads], NULL, worker, p))
			break;  /* fewer: the reader waits more, no harm */
	p->started = 1;
}

void gic_odb_prefetch_at(struct gic_odb_prefetch *p, size_t pos)
{
	if (!p || !p->started || (pos & 31))  /* woken every 32 objects */
		return;
	pthread_mutex_lock(&p->lock);
	p->pos = pos;
	pthread_cond_broadcast(&p->moved);
	pthread_mutex_unlock(&p->lock);
}

void gic_odb_prefetch_stop(struct gic_odb_prefetch *p)
{
	if (!p)
		return;
	if (p->started) {
		pthread_mutex_lock(&p->lock);
		p->stop = 1;
		pthread_cond_broadcast(&p->moved);
		pthread_mutex_unlock(&p->lock);
		for (int i = 0; i < p->nthreads; i++)
			pthread_join(p->tids[i], NULL);
		pthread_cond_destroy(&p->moved);
		pthread_mutex_destroy(&p->lock);
	}
	free(p->v);
	free(p->paths);
	free(p);
}
