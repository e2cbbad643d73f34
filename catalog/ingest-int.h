/*
 * ingest-int.h - internals shared by walk.c and ingest.c.
 */
#ifndef GIC_INGEST_INT_H
#define GIC_INGEST_INT_H

#include "catalog.h"

/* Longest path gicat accepts, bytes including the NUL. */
#define GIC_MAX_PATH 4096
/* Deepest directory a walk enters, counting the PATH argument as 0. */
#define GIC_MAX_DEPTH 64
/* how the reject of a directory nested deeper than that starts */
#define NOT_WALKED_DEEP "nested over"

struct gic_file {
	size_t off; /* of the path in the arena */
	int root;   /* index of the PATH argument it came from */
	int dir_err;/* a directory that could not be read: its errno; an
		       entry of a directory that could not be looked at
		       (stat: a directory that may be listed, not entered):
		       its errno, negated */
	int unwalked;/* a directory not walked: GIC_UNWALKED_* */
};

enum { GIC_UNWALKED_DEEP = 1, GIC_UNWALKED_LONG };

struct gic_filelist {
	struct gic_file *files;
	size_t n, cap;
	char *arena;
	size_t used, arena_cap;
	uint64_t skipped, unreadable;  /* not images; cannot be stat'ed */
	uint64_t too_long;            /* non-images past GIC_MAX_PATH */
	uint64_t loops;               /* links to a directory on the path */
	uint64_t hidden;              /* names starting with '.', not walked */
	uint64_t hidden_dirs;         /* ... of them, directories */
	uint64_t noread;              /* files of no image extension that may
					 not be read: images or not? */
	/* directories walked, by device and inode (open addressing), with
	 * how often: links can reach one through ever more paths (two links
	 * a level, 30 levels: 2^30 walks of the deepest) */
	struct gic_walked { dev_t dev; ino_t ino; uint32_t n; } *walked;
	size_t nwalked, walked_cap;
	uint64_t rewalks;             /* directories reached too often */
	/* the catalog's .gicat and its directories, never walked into (a
	 * link to them would add an entry per object); in_catalog counts */
	struct { dev_t dev; ino_t ino; } *catalog_dirs;
	size_t ncatalog_dirs;
	uint64_t in_catalog;
	char **dirs;                  /* directories read, strdup'd */
	size_t ndirs, dirs_cap;
};

/* Adds arg (a file, or a directory walked recursively) to fl. */
int gic_filelist_add(struct gic_filelist *fl, const char *arg, int root);
void gic_filelist_release(struct gic_filelist *fl);

static inline const char *gic_file_path(const struct gic_filelist *fl,
					size_t i)
{
	return fl->arena + fl->files[i].off;
}

/* Reads path whole, up to max_bytes, into *buf, refusing a file that
 * changed while it was read (ingest-read.c); *st and file_id describe it
 * from when it is known to be a regular file (a reject names it too). */
int gic_ingest_read(const char *path, uint64_t max_bytes, unsigned char **buf,
		    struct stat *st, char file_id[48]);

/* A PATH argument as its files' paths are read (ingest-root.c). */
struct gic_ingest_root {
	char *name;             /* its default dataset name */
	size_t given;           /* its length as given, trailing '/' off */
	char *spelt;            /* as parsed: as given, or for a relative
				   one spelt in full, "." and ".." read as
				   the directories they are */
};
int gic_ingest_root_setup(struct gic_ingest_root *ri, const char *given);
/* Whether path is gone (no such file, or a directory on its way is not
 * one); a path too long for lstat is looked at name by name. */
int gic_path_gone(const char *path);
/* The range of text keys of what is directly in dir: lo "dir/", hi
 * "dir0" (size bytes each); -1 when dir is too long for them. */
int gic_dir_range(const char *dir, char *lo, char *hi, size_t size);
/* Counts into st the entries of the n datasets (each once) directly in a
 * directory fl's walk read whose files are gone (ingest-gone.c). */
int gic_ingest_count_gone(struct gic_catalog *c, const struct gic_filelist *fl,
			  const char *const *datasets, int n, int64_t base,
			  struct gic_ingest_stats *st);
/* SQL: a row of the working directory whose bases.id is the parameter p
 * (or one recorded with none: an absolute path, or an older row). */
#define GIC_SQL_BASE(p) "(base IS NULL OR base = " p ")"
/* What path, a file of the PATH argument given, says: into m. */
void gic_ingest_root_parse(const struct gic_ingest_root *ri, const char *given,
			   const char *path, const struct gic_ingest_opts *o,
			   struct gic_path_meta *m);

#endif
