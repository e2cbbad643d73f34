/*
 * ingest-int.h - internals shared by walk.c and ingest.c.
 */
#ifndef GIC_INGEST_INT_H
#define GIC_INGEST_INT_H

#include "catalog.h"

/* Longest path gicat accepts, bytes including the NUL. */
#define GIC_MAX_PATH 4096

struct gic_file {
	size_t off; /* of the path in the arena */
	int root;   /* index of the PATH argument it came from */
};

struct gic_filelist {
	struct gic_file *files;
	size_t n, cap;
	char *arena;
	size_t used, arena_cap;
	uint64_t skipped, too_long, unreadable;
};

/* Adds arg (a file, or a directory walked recursively) to fl. */
int gic_filelist_add(struct gic_filelist *fl, const char *arg, int root);
void gic_filelist_release(struct gic_filelist *fl);

static inline const char *gic_file_path(const struct gic_filelist *fl,
					size_t i)
{
	return fl->arena + fl->files[i].off;
}

#endif
