/*
 * ingest-write.h - the writer side of the ingest pipeline: what a worker
 * hands over for one file, and the prepared statements that record it.
 */
#ifndef GIC_INGEST_WRITE_H
#define GIC_INGEST_WRITE_H

#include <sys/stat.h>

#include "catalog.h"

enum gic_result_kind {
	GIC_R_NEW,     /* decoded (and stored): a new image row */
	GIC_R_KNOWN,   /* content already catalogued: only the entry */
	GIC_R_UPGRADE, /* known as a ref, now stored as an object */
	GIC_R_REJECT,  /* bad input: recorded in rejects */
	GIC_R_FATAL,   /* runtime failure: stops the ingest */
};

struct gic_result {
	size_t index;
	int ready;
	enum gic_result_kind kind;
	char hex[GIC_HEX_LEN + 1];
	uint64_t bytes;
	struct gic_image_info info;
	struct gic_path_meta meta;
	enum gic_put_how how;
	int held_object;        /* GIC_R_KNOWN: an object in the store */
	unsigned char *buf;     /* the file's bytes until stored, owned */
	char *ref_path;         /* GIC_MODE_REF: absolute path, owned */
	int64_t ref_size, ref_mtime_ns;
	char reason[512];
	int missing;            /* GIC_R_REJECT: there is no such file (not
				   kept in rejects: no file to mend) */
	const char *path;       /* set by the writer */
	const char *dataset;    /* set by the writer */
	const char *source;     /* where the bytes came from when not a
				   local path (a URL), or NULL */
	char file_id[48];       /* a local file's "dev:ino" (gic_file_id),
				   or "" */
};

struct gic_writer {
	struct gic_catalog *cat;
	const struct gic_ingest_opts *opts;
	int in_tx;
	size_t pending;         /* rows written since the last commit */
	double last_commit;     /* when it ended (gic_now) */
	double commit_cost;     /* and how long it took */
	struct sqlite3_stmt *ins_image, *upgrade, *sel_entry, *ins_entry,
		*upd_entry, *ins_reject, *del_reject, *refresh,
		*sel_spelling, *upd_file_id, *sel_ref, *upd_opts, *upd_val,
		*sel_other_ds;
	const char *class_source; /* of a class the options give: NULL is
				     "option" */
	struct gic_license_rules *rules; /* licenses of datasets and
					    generators (license-rules.c) */
	int64_t base;           /* bases.id of the working directory, for
				   rows of relative paths; 0: none */
};

/*
 * The images row of probed content, for ingest, fetch and derivations
 * alike: prepare gic_image_insert_sql (an INSERT ... ON CONFLICT DO
 * NOTHING), bind with gic_image_row_bind, step.  ref_path NULL means the
 * bytes are an object in the store.
 */
extern const char gic_image_insert_sql[];
/* Once the bytes of a ref'd image are stored as an object (a copy
 * ingested, a derivation that came out alike): the row says so, bind the
 * sha256. */
extern const char gic_image_stored_sql[];
void gic_image_row_bind(struct sqlite3_stmt *s, const char *hex,
			uint64_t bytes, const struct gic_image_info *in,
			const char *ref_path, int64_t ref_size, int64_t ref_mtime_ns);

/* p into out (n bytes) with its "" and "." components dropped and each
 * "x/.." taken out, as text ("a//./b/../c" is "a/c"; a leading ".."
 * stays, "/.." is "/"): 0, or -1 when it does not fit (strlen(p) + 2
 * bytes always do).  A spelling only: through a symbolic link, "x/.."
 * is elsewhere, which the file's identity (gic_same_file) then tells. */
int gic_path_clean(const char *p, char *out, size_t n);
/* Can a ref still be read from path, as recorded: a regular file of
 * that size and mtime (what a quick verify trusts)? */
int gic_ref_intact(const char *path, int64_t size, int64_t mtime_ns);
/* The file_id of a local file: "dev:ino" of its stat. */
void gic_file_id(const struct stat *st, char out[48]);
/* Are a and b one file named from two working directories ("../t/x.png"
 * and "t/x.png"): without leading "/", "./" and "../", the same, or one
 * a tail of the other that starts after a '/'? */
int gic_same_tail(const char *a, const char *b);
/* Is the catalogued entry at was, with file_id id (NULL: recorded before
 * schema 7), the file whose file_id is file_id? */
int gic_same_file(const char *file_id, const char *was, const char *id);

/*
 * What the catalog holds of some content (known.c): for a worker, on a
 * read-only connection of its own (gic_known_open), so that known
 * content is not decoded again; for the writer, on the catalog's own
 * connection (gic_known_prepare).
 */
struct gic_known {
	struct sqlite3 *own;    /* the worker's connection, or NULL */
	struct sqlite3_stmt *q; /* NULL when the catalog could not be read */
};
enum { GIC_KNOWN_OBJECT = 1, GIC_KNOWN_REF = 2 };
struct gic_known_size {
	uint64_t bytes;
	uint32_t width, height;
};
void gic_known_open(struct gic_known *k, struct gic_catalog *c);
int gic_known_prepare(struct gic_known *k, struct sqlite3 *db);
/* GIC_KNOWN_OBJECT or GIC_KNOWN_REF (stored as an object, or as a ref),
 * its size in *size; 0: not catalogued (or no statement); a negative
 * code on a database error. */
int gic_known_find(struct gic_known *k, const char *hex,
		   struct gic_known_size *size);
/* r->kind for r->hex (of r->bytes bytes, in buf) from what the catalog
 * holds: new content is decoded into r->info, known content only checked
 * against po's limits from its catalogued size.  as_ref: a ref'd image
 * is known (ingest --mode ref), else it is to be upgraded to an object. */
int gic_known_examine(struct gic_known *k, struct gic_result *r,
		      const unsigned char *buf,
		      const struct gic_probe_opts *po, int as_ref);
void gic_known_close(struct gic_known *k);

/* Validates label/split/generator/license overrides. */
int gic_writer_check_opts(const struct gic_ingest_opts *o);
int gic_writer_init(struct gic_writer *w, struct gic_catalog *c,
		    const struct gic_ingest_opts *o);
/* Opens the writer's transaction (BEGIN IMMEDIATE) unless it is open,
 * for rows of other tables a caller writes in it (fetch's state); the
 * caller adds those rows to pending, so that gic_writer_commit_due
 * counts them. */
int gic_writer_begin(struct gic_writer *w);
/* Counts a reject of that reason in st's table of kinds. */
void gic_count_reason(struct gic_ingest_stats *st, const char *reason);
/* Records one result in the open transaction and updates st. */
int gic_writer_apply(struct gic_writer *w, const struct gic_result *r,
		     struct gic_ingest_stats *st);
/* Gives the catalogued entry (dataset, path) the fields the options set
 * and, when it has no class, the one --val-labels gives its file name in
 * m (NULL: none; the options give no class), counting it in st->updated
 * when that changed any. */
int gic_writer_update(struct gic_writer *w, const char *dataset,
		      const char *path, const struct gic_path_meta *m,
		      struct gic_ingest_stats *st);
int gic_writer_commit(struct gic_writer *w);
/* Commits when due: after GIC_COMMIT_ROWS rows, or GIC_COMMIT_EVERY
 * seconds after the last commit (at least 4 times what that one took). */
int gic_writer_commit_due(struct gic_writer *w);
/* Commits (rc == 0) or rolls back the last batch; frees statements. */
int gic_writer_finish(struct gic_writer *w, int rc);

/* ---- shared by ingest-write.c and ingest-entry.c ---------------------- */

/* The catalog's last error, as what failed. */
int gic_writer_fail(struct gic_writer *w, const char *what);
/* Binds text, or NULL for NULL / "". */
void gic_bind_opt(struct sqlite3_stmt *s, int i, const char *v);
/* Binds w->base for a relative path, else NULL (entries.base). */
void gic_writer_bind_base(const struct gic_writer *w, struct sqlite3_stmt *s,
			  int i, const char *path);
/* The bases.id of the working directory into *id, its row made if need
 * be (in a transaction of its own): for an ingest given relative paths. */
int gic_writer_base(struct gic_catalog *c, int64_t *id);
/* Steps s once and resets it; a failure is the catalog's, as what. */
int gic_writer_step(struct gic_writer *w, struct sqlite3_stmt *s,
		    const char *what);
/* The entry of r (its image row written; added: just now), inserted or
 * updated, and the summary's notes of it (ingest-entry.c). */
int gic_writer_entry(struct gic_writer *w, const struct gic_result *r,
		     int added, struct gic_ingest_stats *st);

#endif
