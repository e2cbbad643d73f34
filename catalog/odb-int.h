/*
 * odb-int.h - what the two halves of the local object store share: odb.c
 * (putting, syncing, reading objects) and odb-walk.c (walking the store
 * for verify and gc: listing, temporary files, deleting).
 */
#ifndef GIC_ODB_INT_H
#define GIC_ODB_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "catalog.h"

/* An object written but not yet in place: objects/xx/tmp-… → xx/hex. */
struct pending {
	char *tmp;
	char hex[GIC_HEX_LEN + 1];
	size_t len;
	mode_t was;    /* a linked original's mode, else (mode_t)-1 */
};

struct fs_odb {
	struct gic_odb base;
	char *dir;
	int dirfd;            /* dir, held open for syncfs; -1: not open */
	int at_fd;            /* the same, as opened with the store and never
				 changed after: puts on any thread name their
				 files from it (-1: by full paths) */
	pthread_mutex_t mu;   /* guards the pending list (not dirfd: sync's) */
	struct pending *pend; /* temporary files since the last sync */
	size_t npend, cap;
	_Atomic int placed;   /* an object was named at put since the last
				 sync */
	_Atomic int no_tmpfile; /* O_TMPFILE or /proc is missing here */
	long pid;             /* in temporary names */
	_Atomic uint64_t made[4]; /* fan-out directories known to exist:
				   * gicat never removes one */
	_Atomic int root_ok;  /* objects/ itself known to be a directory */
};

/* objects/ itself a directory, not a symbolic link out of the catalog
 * (another catalog's store, whose objects this one's gc would take for
 * garbage, and whose gc this one's): 0, or an error of code. */
int odb_root_check(struct fs_odb *o, int code);

static inline struct fs_odb *fs(struct gic_odb *odb)
{
	return (struct fs_odb *)odb;
}

/* objects/xx (xx: the first two digits of hex) is no directory: code is
 * GIC_ECORRUPT for a walk (verify names it), GIC_EIO for a put (the
 * store cannot take objects: that stops an ingest, no file's fault). */
int odb_not_fan_dir(int code, const char *hex, unsigned mode);

/* The backend's list, clean_tmp and del (catalog.h: gic_odb_backend). */
int odb_fs_list(struct gic_odb *odb, int (*cb)(const char *hex, void *arg),
		void *arg, uint64_t *tmp, uint64_t *other);
int odb_fs_clean_tmp(struct gic_odb *odb, int64_t before, int dry,
		     uint64_t *n, uint64_t *kept, uint64_t *bytes);
int odb_fs_del(struct gic_odb *odb, const char *hex, int64_t before,
	       int dry, int *done, uint64_t *freed);

#endif
