/*
 * export-int.h - what export.c, export-place.c, export-meta.c and
 * export-tar.c share: the state of one materialization and its list of
 * written files.
 */
#ifndef GIC_EXPORT_INT_H
#define GIC_EXPORT_INT_H

#include <sys/stat.h>

#include <sys/types.h>

#include <jansson.h>

#include "catalog.h"
#include "task.h"

/* The first line of an export's task.ini, before the task's hash. */
#define GIC_TASK_INI_HEAD "; task as resolved by gicat (hash "
/* In --out while an export writes there: one that finds it left by a
 * killed run replaces what that run wrote without --force. */
#define GIC_EXPORT_MARK ".gicat-incomplete"
/* ... written under this name first (one left by a run killed while
 * writing it is its own, as the mark is) */
#define GIC_EXPORT_MARK_TMP ".gicat-incomplete.tmp"

/* A file the export wrote, for MANIFEST.sha256 and the catalog record. */
struct gic_out_file {
	char *path;                     /* relative to the output directory */
	char sha256[GIC_HEX_LEN + 1];
	char image[GIC_HEX_LEN + 1];    /* the image it holds, or "" */
	const char *set;                /* set name, or NULL */
};

#define GIC_EXPORT_DIRS 16

/* The names of a run's sets ("train", "test/adm", "export"): the
 * directories of their first names ("test/"), the shards, indexes and
 * manifests named after them ("train-000000.tar", "test/adm.csv") and its
 * metadata files are all a run may write in --out. */
struct gic_export_sets {
	char **v;
	size_t n;
};

struct gic_export_ctx {
	struct gic_catalog *cat;
	const struct gic_resolved *r;
	const struct gic_export_opts *opts;
	int outfd;                      /* the output directory */
	char *out;                      /* its absolute path */
	struct gic_out_file *files;
	size_t nfiles, cap;
	uint64_t images, copied;
	int copied_errno;            /* why the first copy was not a link */
	uint64_t done, total;           /* progress */
	/* parent directories held open: a set's items alternate between
	 * its label directories */
	struct { char *rel; int fd; } dirs[GIC_EXPORT_DIRS];
	unsigned next_dir;              /* the slot to reuse next */
	char **made;                    /* directories this run created,
					   parents first */
	size_t nmade, made_cap;
	int overwrite;                  /* --force over an older export */
	int resumed;                    /* over a killed run's files */
	int marked;                     /* GIC_EXPORT_MARK is in --out */
	int made_out;                   /* this run created --out */
	struct gic_export_sets set_names; /* what the mark gives as ours */
};

/* SQL: the id of the catalog's latest record of the directory ?1. */
#define GIC_EXPORT_LATEST \
	"(SELECT max(id) FROM materializations WHERE out_dir = ?1)"
struct sqlite3_stmt;
/* sql prepared into *s with dir bound as ?1 (export-check.c). */
int gic_export_dir_query(struct gic_catalog *c, const char *sql,
			 const char *dir, struct sqlite3_stmt **s);
/* The task hash on the first line of task.ini in the directory dfd: 1
 * when it has one (export-task.c). */
int gic_export_task_ini_hash(int dfd, char hex[GIC_HEX_LEN + 1]);

/* The files of an export: as recorded or listed (a path and its hash), or
 * as found in the directory (export-check.c). */
struct gic_export_file {
	char *path;
	char sha[GIC_HEX_LEN + 1];
	char *link;   /* found: a symbolic link, to this */
	int dir;      /* found: an empty directory */
	ino_t ino;    /* found: its inode */
	int err;      /* found: a directory that could not be read, why */
};

struct gic_export_files {
	struct gic_export_file *v;
	size_t n, cap;
	int unread_ok; /* walk: a directory that cannot be read is listed
			  (dir, with its errno), not an error */
};

/* The files the catalog's latest record of dir lists (with every, all its
 * records', without hashes): 1 when it has a record. */
int gic_export_recorded(struct gic_catalog *c, const char *dir, int every,
			struct gic_export_files *l);
/* The files MANIFEST.sha256 in the directory dfd lists, and itself;
 * GIC_ENOTFOUND when there is none. */
int gic_export_listed(int dfd, struct gic_export_files *l);
/* Every non-directory below the directory dfd (closed here), as paths
 * relative to rel (dfd's); with dirs, each empty directory too ("x/"). */
int gic_export_walk(int dfd, const char *rel, struct gic_export_files *l,
		    int depth, int dirs);
/* qsort's order of files: by path. */
int gic_export_file_cmp(const void *a, const void *b);
void gic_export_files_free(struct gic_export_files *l);

/* Removes rel below outfd (a directory when dir, only if empty); 1 when
 * it went. */
int gic_export_remove(int outfd, const char *rel, int dir);
/* For the latest record of dir, when a manifest export: the object paths
 * its CSVs list, each still holding its image, or a drift (on_drift). */
int gic_export_check_listed(struct gic_catalog *c, const char *dir,
			    void (*on_drift)(void *, const char *, const char *),
			    void *arg, uint64_t *drifts);
/* Removes the file rel below outfd: 1, 0 when it is not there, or an
 * error naming it when it cannot be removed. */
int gic_export_remove_file(int outfd, const char *rel);
/* Removes the directories of path (below outfd) left empty, deepest
 * first, up to one ("a/b/") that keep (when given) says stays. */
void gic_export_remove_dirs_of(int outfd, const char *path,
			       int (*keep)(void *arg, const char *dir),
			       void *arg);
/* Leaves GIC_EXPORT_MARK in outfd, durably, listing the files kept there
 * from before this run, the names of its sets, and the files of an
 * earlier export it removes (gone). */
int gic_export_mark(int outfd, char *const *kept, size_t nkept,
		    const struct gic_export_sets *ours, char *const *gone,
		    size_t ngone);
/* The mark, listing as kept every file and empty directory in outfd but
 * those in gone (export-clear.c). */
int gic_export_mark_all(int outfd, const struct gic_export_files *gone,
			const struct gic_export_sets *ours);
/*
 * Removes from dir (an absolute path, opened as outfd) the files that
 * earlier exports wrote there: those of the catalog's records of dir and
 * those its MANIFEST.sha256 lists; then their directories left empty.
 * Paths go down from outfd one component at a time, never through a
 * symlink, and never up.  Other files stay, listed in out->left.  With
 * mark, first leaves the mark of an unfinished export (listing those
 * others), so that a run killed while removing is resumed.
 */
int gic_export_clear(struct gic_catalog *c, const char *dir, int outfd,
		     const struct gic_export_sets *mark,
		     struct gic_export_cleared *out);
/* Over the mark of a killed run: removes from outfd, and from c->left,
 * what that run may have written and was not there before it; any other
 * file, which came since, is refused (GIC_EUSAGE) unless force, then
 * kept.  The mark is then this run's. */
int gic_export_resume(int outfd, int force, const struct gic_export_sets *ours,
		      struct gic_export_cleared *c);

/* Opens (creating) the directory rel below the output directory and
 * returns an fd; never follows symlinks, never leaves the output. */
int gic_export_dir(struct gic_export_ctx *x, const char *rel, int *fd);
/* The directory dfd opened anew, to read its entries from the start: a
 * dup() would share dfd's read offset, and a second walk of it would find
 * nothing.  -1 and errno on failure. */
int gic_export_dir_reopen(int dfd);
/* Splits rel into its directory (opened, held by the context) and base
 * name. */
int gic_export_parent(struct gic_export_ctx *x, const char *rel, int *dfd,
		      const char **base);
/* Creates dfd/base (never there before, never a symlink followed) with
 * buf; -1 and errno on failure. */
int gic_export_write_at(int dfd, const char *base, const void *buf,
			size_t len);
/* export-place.c: the image files of a set (imagefolder, genimage, hf),
 * on opts->jobs threads when it is large, recorded in the set's order. */
int gic_export_images(struct gic_export_ctx *x,
		      const struct gic_resolved_set *s, char *const *names);
/* Writes a metadata file (bytes in memory) and records it. */
int gic_export_write(struct gic_export_ctx *x, const char *rel,
		     const void *buf, size_t len, const char *set);
/* Forgets the catalog's records of the export directory dir (absolute):
 * before any file in it is removed or written (export-check.c). */
int gic_export_forget(struct gic_catalog *c, const char *dir);
/* Removes the files of a failed run, then the directories it created,
 * when left empty (never another's: a user's empty directory in --out
 * stays, even where the export would have written), so that a retry needs
 * no --force (export-check.c). */
void gic_export_undo(struct gic_export_ctx *x);
/* Is the object file obj there with the size the catalog gives it?  0,
 * GIC_ENOTFOUND (no such file, no message) or GIC_ECORRUPT. */
int gic_export_object_sound(const char *obj, const struct gic_item *it);
/* What became of the file of a ref image (ingest --mode ref) since it
 * was ingested with bytes and mtime_ns: told by its size and mtime, and
 * when the mtime moved, by its hash (into got).  GIC_REF_GONE leaves
 * errno; GIC_REF_UNREADABLE the error set. */
enum gic_ref_change { GIC_REF_SAME, GIC_REF_GONE, GIC_REF_NOT_FILE,
		      GIC_REF_RESIZED, GIC_REF_UNREADABLE, GIC_REF_CHANGED };
enum gic_ref_change gic_export_ref_change(const char *path, const char *sha,
					  uint64_t bytes, int64_t mtime_ns,
					  struct stat *st,
					  char got[GIC_HEX_LEN + 1]);
/* Records a written file. */
int gic_export_record(struct gic_export_ctx *x, const char *rel,
		      const char *sha, const char *image, const char *set);
/* "0_real", "ai", ... and the number labels.json gives it. */
const char *gic_export_label_dir(enum gic_export_format f, const char *label);
const char *gic_export_item_dir(enum gic_export_format f, const char *label);
int gic_export_label_index(enum gic_export_format f, const char *label);
/* "real" or "fake", or NULL for an image without a label (null in the
 * metadata, as query gives it: never a label of "", which no reader
 * knows). */
const char *gic_export_label_name(const char *label);
/* When the directory path[0..dirlen) is a label directory ("0_real" and
 * "1_fake", "nature" and "ai" are pairs), the other of its pair beside it
 * ("x/1_fake/" for "x/0_real") into out: 1, or 0 (another name, or too
 * long). */
int gic_export_label_sibling(const char *path, size_t dirlen, char *out,
			     size_t size);
/* Is dir ("x/y/") beside a label directory (x/0_real/, x/ai/,
 * x/unlabelled/ ...) holding one of the n sorted paths (each at the start
 * of a struct of stride bytes)?  ImageFolder, given x/, would take it for
 * a class. */
int gic_export_beside_labels(const void *paths, size_t n, size_t stride,
			     const char *dir);
/* Is path[0..dirlen) an unlabelled/ directory?  *base: where its name
 * starts (the length of what is above it). */
int gic_export_is_unlabelled(const char *path, size_t dirlen, size_t *base);
/* When path[0..dirlen) is a label directory, "unlabelled/" beside it
 * into out: 1, or 0 (another name, or too long). */
int gic_export_label_unlabelled(const char *path, size_t dirlen, char *out,
				size_t size);
/* Is a path of paths (sorted; each the first member of an element stride
 * bytes long) below the directory dir ("x/y/"), or dir itself? */
int gic_export_has_below(const void *paths, size_t n, size_t stride,
			 const char *dir);
/* Is dir ("x/y/") a directory of the export whose files are paths (sorted;
 * each the first member of an element stride bytes long): one holding a
 * file, or a label directory whose pair or unlabelled/ beside it holds
 * one (a set of one label, or of unlabelled images alone, keeps the
 * label directories it has no file in, empty, so that ImageFolder
 * numbers the labels as labels.json does)? */
int gic_export_dir_wanted(const void *paths, size_t n, size_t stride,
			  const char *dir);
/* "png" -> "png", "jpeg" -> "jpg". */
const char *gic_export_ext(const char *format);

/* The file names of a set's items, in item order (see export.c). */
char **gic_export_names(struct gic_export_ctx *x,
			const struct gic_resolved_set *s);
void gic_export_names_free(char **names, size_t n);

/* export-meta.c */
/* Does s degrade its images (degrade, degrade_real or degrade_fake)?
 * Its metadata then gives each item's original, for a prediction on a
 * degraded image to be paired with one on its original ... */
int gic_export_set_derived(const struct gic_resolved_set *s);
/* ... as o's last fields: parent_sha256 and ops (the canonical chain),
 * null for an item not derived (degrade_real spares the fakes). */
void gic_export_json_derived(json_t *o, const struct gic_item *it);
/* names: the set's file names (gic_export_names), NULL for the formats
 * that write no image files. */
int gic_export_set_meta(struct gic_export_ctx *x,
			const struct gic_resolved_set *s, char *const *names);
int gic_export_common_meta(struct gic_export_ctx *x);
int gic_export_save(struct gic_export_ctx *x, int64_t *id);

/* export-tar.c: a set as WebDataset shards plus their index. */
int gic_export_webdataset(struct gic_export_ctx *x,
			  const struct gic_resolved_set *s);
/* The sample key of item i of s (sorted by sha256): its first 16 hex
 * digits, or all 64 when a neighbour shares those 16 (a loader would
 * join the two into one sample). */
void gic_export_sample_key(const struct gic_resolved_set *s, size_t i,
			   char key[GIC_HEX_LEN + 1]);

#endif
