/*
 * odb.h - the object store's interface, part of catalog.h (which
 * includes it where its types come in): store modes, the backend
 * interface, the local file-system store and its read-ahead.
 */
#ifndef GIC_ODB_H
#define GIC_ODB_H

#include <stddef.h>
#include <stdint.h>

/* ---- object store ---------------------------------------------------- */

enum gic_store_mode {
	GIC_MODE_COPY,    /* write a copy (default) */
	GIC_MODE_REFLINK, /* FICLONE the source; falls back to copy */
	GIC_MODE_LINK,    /* hard link the source; falls back to copy */
	GIC_MODE_REF,     /* store nothing: the catalog records path/size/mtime */
};
int gic_store_mode_from_name(const char *name, enum gic_store_mode *out);
const char *gic_store_mode_name(enum gic_store_mode mode);

struct gic_odb;

/* What a put did. */
enum gic_put_how { GIC_PUT_EXISTED, GIC_PUT_COPIED, GIC_PUT_REFLINKED,
		   GIC_PUT_LINKED };

/*
 * A storage backend.  Objects are immutable byte strings named by the
 * lowercase hex SHA-256 of their content.  After put returns 0 the object
 * is complete and checked, but get and stat may see it only after sync,
 * and until then it may not be durable: a name nothing references may be
 * what a power loss left of one, so put checks a name before trusting it.
 * After sync returns 0 every object put before is durable and visible.
 * put is safe from several threads; sync is called by one.
 */
struct gic_odb_backend {
	const char *name;
	/* Stores buf (whose hash is hex).  src_path (may be NULL) lets link
	 * and reflink modes share the source file's blocks. */
	int (*put)(struct gic_odb *odb, const char *hex, const void *buf,
		   size_t len, const char *src_path, enum gic_store_mode mode,
		   enum gic_put_how *how);
	/* Makes every object put so far durable (directory entries
	 * included); called before a transaction that references them
	 * commits. */
	int (*sync)(struct gic_odb *odb);
	/* Reads a whole object into a malloc'd buffer. */
	int (*get)(struct gic_odb *odb, const char *hex, unsigned char **buf,
		   size_t *len);
	/* Size of an object; GIC_ENOTFOUND when absent.  *writable (when
	 * not NULL): 1 when the object may be written to, as gicat never
	 * leaves one (a link-mode original made writable again); and then
	 * GIC_EACCESS when this user may not read it (a cat or a copy
	 * would fail on it). */
	int (*stat)(struct gic_odb *odb, const char *hex, uint64_t *size,
		    int *writable);
	/* 0 when the store is there to be read, else GIC_ENOTFOUND (or
	 * another failure) saying why not: a disk not mounted, a store
	 * moved.  A store that holds no object yet may be absent. */
	int (*reachable)(struct gic_odb *odb);
	/* Calls cb for every object (and, with tmp != NULL, counts leftover
	 * temporary files into *tmp, with other != NULL files that are
	 * neither, put there by someone else, into *other).  Stops when cb
	 * returns non-zero. */
	int (*list)(struct gic_odb *odb, int (*cb)(const char *hex, void *arg),
		    void *arg, uint64_t *tmp, uint64_t *other);
	/* Deletes an object unless it changed at or after `before` (epoch
	 * seconds): a concurrent ingest may be about to reference it.
	 * *done: 1 deleted, 2 deleted but a file other names still hold
	 * (nothing freed), 0 kept as too recent, -1 already gone.  dry:
	 * deletes nothing, *done says what would happen.  *freed: the bytes
	 * that frees. */
	int (*del)(struct gic_odb *odb, const char *hex, int64_t before,
		   int dry, int *done, uint64_t *freed);
	/* Removes temporary files that last changed before `before`,
	 * counting them into *n (their sizes into *bytes) and the more
	 * recent ones it keeps into *kept; dry: only counts. */
	int (*clean_tmp)(struct gic_odb *odb, int64_t before, int dry,
			 uint64_t *n, uint64_t *kept, uint64_t *bytes);
	void (*free)(struct gic_odb *odb);
};

struct gic_odb {
	const struct gic_odb_backend *be;
};

/* The failure for object hex not found in the store: the store itself
 * gone (a disk not mounted), else the object missing from it (damage:
 * GIC_ECORRUPT). */
int gic_odb_missing(struct gic_odb *odb, const char *hex);

/* The local file-system backend rooted at dir (".../.gicat/objects"). */
int gic_odb_fs_open(const char *dir, struct gic_odb **out);
/* Path of an object in the fs backend (for `show`); malloc'd.  NULL
 * when out of memory, or when hex is not an object's name (64 lowercase
 * hex digits: a row gicat did not write, never a path out of the store);
 * gic_odb_path_err(hex) then sets and returns the error. */
char *gic_odb_fs_path(struct gic_odb *odb, const char *hex);
int gic_odb_path_err(const char *hex);
/* The same as a directory descriptor (the store's, owned by it; -1 when
 * it could not be opened) and the object's name below it, "ab/cdef...":
 * *at() calls then do not walk the store's whole path for each object. */
int gic_odb_fs_at(struct gic_odb *odb, const char *hex,
		  char name[GIC_HEX_LEN + 2]);
/* 1 when the store holds object hex at `bytes` bytes (known content need
 * not be stored again), 0 when it is missing or another size (damaged:
 * storing it again mends it). */
int gic_odb_holds(struct gic_odb *odb, const char *hex, uint64_t bytes);

/*
 * Objects of the local store, and files outside it, read ahead, by
 * threads, of a reader that goes through them in the order they were
 * added: each is then in the page cache when its turn comes
 * (odb-prefetch.c).  new, add each object (a name that is not an
 * object's is skipped) or add_file each file, start; the reader says
 * where it is (the index of what it reads next) with at; stop
 * joins the threads and frees it all.  Only a hint: nothing read is
 * checked, nothing fails but add (out of memory).
 */
struct gic_odb_prefetch;
/* Files read at once by what waits on the disk, not on SHA-256 (verify
 * --full's read-ahead, split --check's default): 324,000 small files not
 * cached, 52-61 s one at a time, 16-19 s sixteen at once. */
#define GIC_DISK_READS 16
struct gic_odb_prefetch *gic_odb_prefetch_new(struct gic_odb *odb);
int gic_odb_prefetch_add(struct gic_odb_prefetch *p, const char *hex);
int gic_odb_prefetch_add_file(struct gic_odb_prefetch *p, const char *path);
void gic_odb_prefetch_start(struct gic_odb_prefetch *p, int threads);
void gic_odb_prefetch_at(struct gic_odb_prefetch *p, size_t pos);
void gic_odb_prefetch_stop(struct gic_odb_prefetch *p);

#endif
