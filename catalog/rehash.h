/*
 * rehash.h - the SHA-256 of many files below one directory, in parallel
 * and in the order they lie on the disk (rehash.c).
 */
#ifndef GIC_REHASH_H
#define GIC_REHASH_H

#include <sys/types.h>

#include "catalog.h"

struct gic_rehash {
	const char *path;              /* below the directory */
	ino_t ino;                     /* its inode: the order of reading */
	char got[GIC_HEX_LEN + 1];     /* its sha256; "" when not read */
	char *err;                     /* ... why, the path not named
					  (malloc'd; NULL: out of memory) */
};

/*
 * Hashes the n files of v below dfd with up to threads threads (the
 * calling one among them; at most GIC_FORK_MAX), filling got or err of
 * each; tick (may be NULL) is called by the calling thread as files are
 * taken, with how many are.  Returns 0, or an error when out of memory.
 */
int gic_rehash(int dfd, struct gic_rehash *v, size_t n, int threads,
	       void (*tick)(void *arg, size_t done, size_t total), void *arg);

#endif
