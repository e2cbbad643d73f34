/*
 * maint.h - keeping a catalog in order: entries removed (rm) and renamed
 * (mv), the catalog and store checked (verify), what nothing uses removed
 * (gc, vacuum), and what migrations added measured for older images
 * (migrate --measure).  Library: never prints, never exits.
 */
#ifndef GIC_MAINT_H
#define GIC_MAINT_H

#include "catalog.h"

/* ---- removing entries ------------------------------------------------- */

/* SQL: the images live exports point into the store for (a symlink-mode
 * export's links, a manifest export's object paths), but those of the
 * records whose ids the SQL gone yields: gc keeps them. */
#define GIC_SQL_EXPORTED(gone) "SELECT image_sha256 FROM " \
	"materialized_files f JOIN materializations m ON m.id = " \
	"f.materialization_id WHERE m.mode = 'symlink' AND image_sha256 IS " \
	"NOT NULL AND m.id NOT IN (" gone ") UNION SELECT sha256 FROM " \
	"export_refs WHERE materialization_id NOT IN (" gone ")"

struct gic_remove_report {
	uint64_t entries;       /* entries removed (or that would be) */
	uint64_t images_left;   /* images no entry uses any more */
	uint64_t images_kept;   /* of those, derived from an image that still
				   has an entry or that an export points at:
				   gc keeps them (the rest is gc's work) */
	uint64_t images_exported; /* of images_left (not kept), those live
				     symlink or manifest exports point at:
				     gc keeps them */
	uint64_t derived_gone;  /* images without an entry derived from the
				   images left (not those kept): gc deletes
				   them too */
	uint64_t fetches;       /* fetched URLs no longer done: the next
				   fetch of their list downloads them again */
	uint64_t refs_read_removed; /* images stored by reference (ref mode)
				   that other entries still use, whose bytes
				   are read from a removed entry's file */
};

/*
 * Removes every entry expr (not empty) selects, in one transaction, with
 * the fetch state of the fetched ones; images and objects stay for gc.
 * dry_run: counts only, changes nothing (a read-only catalog will do).
 * On a bad expression returns GIC_EUSAGE and *errcol.
 */
int gic_remove(struct gic_catalog *c, const char *expr, int dry_run,
	       int *errcol, struct gic_remove_report *rep);

/* ---- renaming entries ------------------------------------------------- */

struct gic_move_report {
	uint64_t entries;       /* entries moved (or that would be) */
	uint64_t fetched;       /* fetched entries under from, left as they
				   are: their path is their URL */
	uint64_t refs_followed; /* images stored by reference whose file was
				   gone and is at a moved entry's new path,
				   intact: they point there now (or would) */
	uint64_t refs_lost;     /* ... whose file is gone and not there (or
				   not intact): verify names them */
	uint64_t rejects;       /* rejected files under from, which move too */
	char clash_path[4096], clash_to[4096], clash_dataset[256];
	/* how the new path clashes: the same path as another entry's, a path
	 * under the file of the entry clash_other, or the path of a
	 * directory that holds the entry clash_other */
	enum { GIC_CLASH_SAME, GIC_CLASH_UNDER, GIC_CLASH_OVER } clash_kind;
	char clash_other[4096];
};

/*
 * Renames the path of every entry (of dataset, when not NULL) that is from
 * or lies under from + "/" to lie under to instead, in one transaction:
 * a tree that moved.  Paths are text as ingest kept them (a trailing '/'
 * of from or to is dropped); nothing on disk is touched.  Returns 1,
 * moving nothing, when a new path is one its dataset already has, or
 * lies under the path of one of its entries (the first such in
 * rep->clash_*); dry_run: counts only.
 */
int gic_move(struct gic_catalog *c, const char *from, const char *to,
	     const char *dataset, int dry_run, struct gic_move_report *rep);

/* ---- verify and gc ----------------------------------------------------- */

struct gic_verify_report {
	uint64_t images, objects_checked, refs_checked;
	uint64_t derived;       /* of images, those derived (degraded) */
	uint64_t problems;      /* each was reported through on_problem */
	uint64_t orphans;       /* objects no row references: harmless */
	uint64_t tmp_files;     /* leftovers of interrupted writes: harmless */
	int others;             /* with orphans or tmp_files: another gicat
				   held the catalog then (an ingest's
				   objects, not committed yet, may be them) */
	uint64_t foreign;       /* other files under objects/: left alone */
	uint64_t writable;      /* objects that may be written to (gicat
				   makes them read-only): not damage, but a
				   write to a link-mode original is one */
	char writable_first[GIC_HEX_LEN + 1];  /* ... the first of them */
	uint64_t touched;       /* full: ref'd files whose mtime alone moved
				   (their bytes re-hashed, intact), which a
				   quick verify still reports */
	char touched_first[4096];  /* ... the first of them */
	uint64_t missing;       /* objects not in the store at all */
};

/*
 * Checks SQLite integrity and foreign keys, that every stored object exists
 * with its size, every ref file still has its size and mtime; with full,
 * re-hashes every object and ref file.  Each problem is passed to
 * on_problem (subject, why); the catalog's progress hook hears how far
 * it is ("verify"): images checked, then store files walked, of twice the
 * images.
 * Returns 0 when the checks ran (problems or not), negative when they
 * could not run.
 */
int gic_verify(struct gic_catalog *c, int full,
	       void (*on_problem)(void *arg, const char *subject,
				  const char *why),
	       void *arg, struct gic_verify_report *rep);

struct gic_gc_report {
	uint64_t rows;          /* image rows no entry used, removed */
	uint64_t objects, tmp;  /* unreferenced objects, temporary files removed */
	uint64_t bytes;         /* the size of the objects and temporary
				   files removed */
	uint64_t shared;        /* of those objects, files other names still
				   hold (link-mode originals): nothing freed */
	uint64_t young_objects, young_tmp; /* kept: changed within grace */
	uint64_t exports, export_files; /* records of exports whose
					   directory is gone, and the
					   files they listed, removed */
	uint64_t exports_kept;  /* records of symlink or manifest exports
				   whose directory is gone, kept (without
				   GIC_GC_FORGET_GONE) */
	uint64_t exported;      /* image rows no entry uses, kept because a
				   live symlink or manifest export points at
				   their objects, or at those they derive
				   from */
	uint64_t exported_direct; /* of those, the ones it points at */
};

enum {
	GIC_GC_DRY_RUN = 1,     /* the same counts, nothing removed (the rows
				   are deleted in a transaction rolled back) */
	GIC_GC_FORGET_GONE = 2, /* also the records of gone exports whose
				   files pointed into the store */
};
/*
 * Removes the records of exports (split, export) whose --out directory no
 * longer exists (but those of symlink and manifest exports, which a moved
 * directory still needs: only with GIC_GC_FORGET_GONE), image rows no entry
 * or export uses, then temporary files and unreferenced objects that have
 * not changed (ctime: content, links or mode) for grace seconds, so that a
 * concurrent ingest's fresh, not yet committed objects survive; those it
 * keeps are counted too.  flags: GIC_GC_*.
 */
int gic_gc(struct gic_catalog *c, int64_t grace, int flags,
	   struct gic_gc_report *rep);

/* The catalog file's size and how much of it is free pages (left by
 * deleted rows; later writes reuse them). */
int gic_catalog_space(struct gic_catalog *c, uint64_t *file, uint64_t *unused);
/* Rewrites the catalog file without its free pages (SQLite's VACUUM, which
 * needs temporary disk space of twice the new file: a copy, the WAL), under the exclusive
 * lock gc takes. */
int gic_catalog_vacuum(struct gic_catalog *c);

/* What migrations added as columns that only a decode can fill
 * (trailing_bytes, 0012), for images catalogued before them. */
struct gic_backfill_report {
	uint64_t measured;      /* images whose columns were filled */
	uint64_t failed;        /* each was reported through on_problem */
};
/* The number of images still to measure. */
int gic_backfill_pending(struct gic_catalog *c, uint64_t *n);
/* Reads (checking its hash) and decodes each image still to measure and
 * fills its columns, committed in batches; an image that cannot be read
 * or decoded is passed to on_problem (hash, why) and left as it was. */
int gic_backfill(struct gic_catalog *c,
		 void (*on_problem)(void *arg, const char *hex,
				    const char *why),
		 void *arg, struct gic_backfill_report *rep);

#endif
