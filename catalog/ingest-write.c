/*
 * ingest-write.c - records ingest results in SQLite: image rows (one per
 * distinct content), entries (one per dataset and path), rejects.
 *
 * Runs only on the writer thread.  Everything happens inside BEGIN
 * IMMEDIATE ... COMMIT batches; an entry is written in the same
 * transaction as its image row, and only after its object is durable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "audit.h"
#include "ingest-write.h"

#define GIC_COMMIT_ROWS 2000  /* rows */
#define GIC_COMMIT_EVERY 0.25 /* seconds */

#define IMAGE_COLS "sha256, bytes, format, width, height, channels, " \
	"bit_depth, mode, jpeg_quality, quality_exact, subsampling, " \
	"progressive, interlaced, has_icc, has_exif, has_xmp, has_c2pa, " \
	"orientation, text_keys, exif_software, exif_make, exif_model, " \
	"xmp_source_type, trailing_bytes, phash, storage, ref_path, " \
	"ref_size, ref_mtime_ns"
/* An entry whose file changed: its new content; its fields stay, but
 * for those the options give (gic_writer_update) */
#define ENTRY_SET "sha256 = ?1, source = ?12, file_id = ?13, base = ?14"

/* The fields an ingest's options set (NULL: not given, left as is); a
 * real image has no generator. */
#define OPTS_GEN "iif(coalesce(?4, label) = 'real', NULL, " \
	"coalesce(?3, generator))"
#define OPTS_SET "generator = " OPTS_GEN ", label = " \
	"coalesce(?4, label), split = coalesce(?5, split), class = iif(?6 IS " \
	"NULL, class, ?6), wnid = iif(?6 IS NULL, wnid, ?7), class_source = " \
	"iif(?6 IS NULL, class_source, ?9), license = coalesce(?8, license)"

const char gic_image_insert_sql[] =
	"INSERT INTO images (" IMAGE_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
	"?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
	"ON CONFLICT (sha256) DO NOTHING";

const char gic_image_stored_sql[] =
	"UPDATE images SET storage = 'object', ref_path = NULL, ref_size = NULL,"
	" ref_mtime_ns = NULL WHERE sha256 = ? AND storage = 'ref'";

static const char *const sql_text[] = {
	gic_image_insert_sql,
	gic_image_stored_sql,
	"SELECT sha256, file_id IS ?3, class IS NULL AND wnid IS NULL, "
	"file_id IS NOT NULL, subset FROM entries "
	"WHERE dataset = ?1 AND path = ?2",
	"INSERT INTO entries (sha256, dataset, path, generator, subset, label, "
	"split, class, wnid, class_source, license, source, file_id, base) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
	"UPDATE entries SET " ENTRY_SET " WHERE dataset = ?2 AND path = ?3",
	"INSERT INTO rejects (path, reason, file_id, base) VALUES (?1, ?2, ?3, "
	"?4)",
	"DELETE FROM rejects WHERE path = ?1 OR file_id = ?2",
	"UPDATE images SET ref_size = ?1, ref_mtime_ns = ?2, ref_path = ?4 "
	"WHERE sha256 = ?3 AND storage = 'ref'",
	"SELECT path, file_id FROM entries WHERE sha256 = ? AND dataset = ?",
	"UPDATE entries SET file_id = ?3 WHERE dataset = ?1 AND path = ?2",
	"SELECT ref_path, ref_size, ref_mtime_ns, EXISTS (SELECT 1 FROM "
	"entries e WHERE e.sha256 = images.sha256 AND "
	GIC_SQL_TAIL_OF("images.ref_path", "e.path") ") FROM images WHERE "
	"sha256 = ? AND storage = 'ref'",
	"UPDATE entries SET " OPTS_SET " WHERE dataset = ?1 AND path = ?2 AND "
	"NOT (generator IS " OPTS_GEN " AND label IS coalesce(?4, "
	"label) AND split IS coalesce(?5, split) AND (?6 IS NULL OR class IS "
	"?6) AND license IS coalesce(?8, license))",
	"UPDATE entries SET class = ?3, wnid = ?4, class_source = 'val_labels' "
	"WHERE dataset = ?1 AND path = ?2 AND class IS NULL AND wnid IS NULL",
	"SELECT dataset FROM entries WHERE sha256 = ?1 AND file_id = ?2 AND "
	"dataset != ?3 LIMIT 1",
};
#define NSTMT (sizeof(sql_text) / sizeof(sql_text[0]))

int gic_writer_fail(struct gic_writer *w, const char *what)
{
	return gic_db_fail(w->cat->db, what);
}

static sqlite3_stmt **stmt_slot(struct gic_writer *w, size_t i)
{
	sqlite3_stmt **v[] = { &w->ins_image, &w->upgrade, &w->sel_entry,
			       &w->ins_entry, &w->upd_entry, &w->ins_reject,
			       &w->del_reject, &w->refresh, &w->sel_spelling,
			       &w->upd_file_id, &w->sel_ref, &w->upd_opts,
			       &w->upd_val, &w->sel_other_ds };
	return v[i];
}

int gic_name_check(const char *what, const char *name, size_t max)
{
	size_t len = strlen(name);

	if (!len)
		return gic_seterr(GIC_EUSAGE, "%s needs a name", what);
	if (len > max)
		return gic_seterr(GIC_EUSAGE, "%s is %zu bytes long: at most %zu",
				  what, len, max);
	for (const unsigned char *s = (const unsigned char *)name; *s; s++)
		if (*s < 0x20 || *s == 0x7f)
			return gic_seterr(GIC_EUSAGE, "%s holds a control "
					  "character (0x%02x)", what, *s);
	return 0;
}

int gic_default_dataset_check(const char *name, const char *whose)
{
	char e[4 * GIC_DATASET_MAX + 8], what[sizeof(e) + 96];

	snprintf(what, sizeof(what), "the default dataset name '%s' (%s name; "
		 "--dataset NAME sets another)", gic_esc(name, e, sizeof(e)),
		 whose);
	return gic_name_check(what, name, GIC_DATASET_MAX);
}

/* 0 if v is one of the n words, else GIC_EUSAGE saying it is an
 * unknown what, with the word meant or the known ones (say). */
static int word_check(const char *what, const char *v,
		      const char *const *words, size_t n, const char *say)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v, words[i]))
			return 0;
	return gic_unknown(what, v, words, n, say);
}

int gic_label_check(const char *label)
{
	static const char *const words[] = { "real", "fake" };

	return word_check("label", label, words, 2, "expected real or fake");
}

int gic_split_check(const char *split)
{
	static const char *const words[] = { "train", "val", "test" };

	return word_check("split", split, words, 3,
			  "expected train, val or test");
}

int gic_writer_check_opts(const struct gic_ingest_opts *o)
{
	int rc;

	if (o->dataset && (rc = gic_name_check("--dataset", o->dataset,
					       GIC_DATASET_MAX)) < 0)
		return rc;
	if ((o->label && (rc = gic_label_check(o->label)) < 0) ||
	    (o->split && (rc = gic_split_check(o->split)) < 0))
		return rc;
	if (o->class_idx > 999)
		return gic_seterr(GIC_EUSAGE, "class must be 0..999");
	if (o->generator && (rc = gic_name_check("--generator", o->generator,
						 GIC_GENERATOR_MAX)) < 0)
		return rc;
	if (o->generator && o->label && !strcmp(o->label, "real"))
		return gic_seterr(GIC_EUSAGE, "--generator with --label real: a "
				  "real image has no generator");
	return 0;
}

/* The writer's statements and rules. */
static void release(struct gic_writer *w)
{
	for (size_t i = 0; i < NSTMT; i++) {
		sqlite3_finalize(*stmt_slot(w, i));
		*stmt_slot(w, i) = NULL;
	}
	gic_license_rules_free(w->rules);
	w->rules = NULL;
}

int gic_writer_init(struct gic_writer *w, struct gic_catalog *c,
		    const struct gic_ingest_opts *o)
{
	int rc = 0;

	memset(w, 0, sizeof(*w));
	w->cat = c;
	w->opts = o;
	w->last_commit = gic_now();
	if (o->license && gic_license_check(c, o->license) < 0)
		return GIC_EUSAGE;
	/* the license rules: read by gic_writer_begin, in each transaction */
	for (size_t i = 0; i < NSTMT && rc == 0; i++)
		if (sqlite3_prepare_v2(c->db, sql_text[i], -1, stmt_slot(w, i),
				       NULL))
			rc = gic_writer_fail(w, "prepare ingest");
	if (rc < 0)  /* nothing to finish: what was made goes */
		release(w);
	return rc;
}

/* The license rules are read again in each transaction: a `license set
 * --dataset` that another gicat commits between two batches gave the
 * entries of the earlier ones its licenses, and the later ones get them
 * here (the table holds a row per dataset or generator: a short read). */
int gic_writer_begin(struct gic_writer *w)
{
	struct gic_license_rules *rules;
	int rc;

	if (w->in_tx)
		return 0;
	if (sqlite3_exec(w->cat->db, "BEGIN IMMEDIATE", NULL, NULL, NULL))
		return gic_writer_fail(w, NULL);
	w->in_tx = 1;
	if ((rc = gic_license_rules_load(w->cat, &rules)) < 0)
		return rc;
	gic_license_rules_free(w->rules);
	w->rules = rules;
	return 0;
}

int gic_writer_commit(struct gic_writer *w)
{
	struct gic_odb *odb = w->cat->odb;
	double t = gic_now();
	int rc;

	if (!w->in_tx)
		return 0;
	/* objects first: a committed row never points at a missing object.
	 * A failed sync has dropped the batch's files, or cannot say they
	 * are on disk: its rows go too, and finish finds nothing to keep */
	if ((rc = odb->be->sync(odb)) < 0) {
		sqlite3_exec(w->cat->db, "ROLLBACK", NULL, NULL, NULL);
		w->in_tx = 0;
		w->pending = 0;
		return rc;
	}
	if (sqlite3_exec(w->cat->db, "COMMIT", NULL, NULL, NULL))
		return gic_writer_fail(w, "commit");
	w->in_tx = 0;
	w->pending = 0;
	w->last_commit = gic_now();
	w->commit_cost = w->last_commit - t;
	return 0;
}

/*
 * Often enough that the last commit, which the user waits for, is short,
 * and that syncing overlaps reading and decoding; seldom enough that on a
 * slow disk it stays a fifth of the writer's time at most.
 */
int gic_writer_commit_due(struct gic_writer *w)
{
	double every = 4 * w->commit_cost;

	if (every < GIC_COMMIT_EVERY)
		every = GIC_COMMIT_EVERY;
	if (w->pending < GIC_COMMIT_ROWS && gic_now() - w->last_commit < every)
		return 0;
	return gic_writer_commit(w);
}

void gic_bind_opt(sqlite3_stmt *s, int i, const char *v)
{
	if (v && *v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

void gic_writer_bind_base(const struct gic_writer *w, sqlite3_stmt *s, int i,
			  const char *path)
{
	if (w->base > 0 && *path != '/')
		sqlite3_bind_int64(s, i, w->base);
	else
		sqlite3_bind_null(s, i);
}

int gic_writer_base(struct gic_catalog *c, int64_t *id)
{
	char *cwd = getcwd(NULL, 0);
	sqlite3_stmt *s = NULL;
	int rc;

	*id = 0;
	if (!cwd)  /* no row can then say where it is: as before bases */
		return 0;
	rc = sqlite3_prepare_v2(c->db, "INSERT INTO bases (dir) VALUES (?1) "
				"ON CONFLICT (dir) DO UPDATE SET dir = dir "
				"RETURNING id", -1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(s, 1, cwd, -1, SQLITE_STATIC);
		if ((rc = sqlite3_step(s)) == SQLITE_ROW)
			*id = sqlite3_column_int64(s, 0);
		rc = rc == SQLITE_ROW ? sqlite3_reset(s) : rc;
	}
	sqlite3_finalize(s);
	free(cwd);
	return rc == SQLITE_OK ? 0 : gic_db_fail(c->db, "record the working "
						 "directory");
}

int gic_writer_step(struct gic_writer *w, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : gic_writer_fail(w, what);
}

void gic_image_row_bind(struct sqlite3_stmt *s, const char *hex,
			uint64_t bytes, const struct gic_image_info *in,
			const char *ref_path, int64_t ref_size, int64_t ref_mtime_ns)
{
	int k = 1;

	sqlite3_clear_bindings(s);
	sqlite3_bind_text(s, k++, hex, GIC_HEX_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(s, k++, (sqlite3_int64)bytes);
	sqlite3_bind_text(s, k++, in->format, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, k++, in->width);
	sqlite3_bind_int64(s, k++, in->height);
	sqlite3_bind_int(s, k++, in->channels);
	sqlite3_bind_int(s, k++, in->bit_depth);
	sqlite3_bind_text(s, k++, in->mode, -1, SQLITE_STATIC);
	if (in->jpeg_quality > 0) {
		sqlite3_bind_int(s, k++, in->jpeg_quality);
		sqlite3_bind_int(s, k++, in->quality_exact);
	} else {
		k += 2;
	}
	gic_bind_opt(s, k++, in->subsampling);
	sqlite3_bind_int(s, k++, in->progressive);
	sqlite3_bind_int(s, k++, in->interlaced);
	sqlite3_bind_int(s, k++, in->has_icc);
	sqlite3_bind_int(s, k++, in->has_exif);
	sqlite3_bind_int(s, k++, in->has_xmp);
	sqlite3_bind_int(s, k++, in->has_c2pa);
	sqlite3_bind_int(s, k++, in->orientation);
	gic_bind_opt(s, k++, in->text_keys);
	gic_bind_opt(s, k++, in->exif_software);
	gic_bind_opt(s, k++, in->exif_make);
	gic_bind_opt(s, k++, in->exif_model);
	gic_bind_opt(s, k++, in->xmp_source_type);
	sqlite3_bind_int64(s, k++, (sqlite3_int64)in->trailing_bytes);
	sqlite3_bind_int64(s, k++, (sqlite3_int64)in->phash);
	sqlite3_bind_text(s, k++, ref_path ? "ref" : "object", -1,
			  SQLITE_STATIC);
	if (ref_path) {
		sqlite3_bind_text(s, k++, ref_path, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, k++, ref_size);
		sqlite3_bind_int64(s, k++, ref_mtime_ns);
	}
}

static int insert_image(struct gic_writer *w, const struct gic_result *r,
			int *added)
{
	int rc;

	gic_image_row_bind(w->ins_image, r->hex, r->bytes, &r->info, r->ref_path,
			   r->ref_size, r->ref_mtime_ns);
	if ((rc = gic_writer_step(w, w->ins_image, "insert image")) < 0)
		return rc;
	*added = sqlite3_changes(w->cat->db) > 0;
	return 0;
}

/*
 * Known content ingested again as a ref.  From the path the row records:
 * its bytes were just hashed, so the size and mtime they have now are
 * what verify compares with from here on (a touched file stops being
 * reported).  From another path: the ref moves there when the recorded
 * file is gone or changed (a tree moved, then ingested from its new
 * place), or is no entry's file any more (its entries removed), and
 * stays while that file is intact and an entry's.  An object is left as
 * it is.
 */
static int refresh_ref(struct gic_writer *w, const struct gic_result *r)
{
	sqlite3_stmt *s = w->sel_ref;
	int rc, move = 0;

	sqlite3_bind_text(s, 1, r->hex, GIC_HEX_LEN, SQLITE_STATIC);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *was = (const char *)sqlite3_column_text(s, 0);
		move = !was || !strcmp(was, r->ref_path) ||
		       !sqlite3_column_int(s, 3) ||
		       !gic_ref_intact(was, sqlite3_column_int64(s, 1),
				   sqlite3_column_int64(s, 2));
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return gic_writer_fail(w, "look up ref");
	if (!move)
		return 0;
	s = w->refresh;
	sqlite3_bind_int64(s, 1, r->ref_size);
	sqlite3_bind_int64(s, 2, r->ref_mtime_ns);
	sqlite3_bind_text(s, 3, r->hex, GIC_HEX_LEN, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, r->ref_path, -1, SQLITE_STATIC);
	return gic_writer_step(w, s, "refresh ref");
}

static int find_reason(const struct gic_ingest_stats *st, const char *reason,
		       size_t n)
{
	int i;

	for (i = 0; i < st->nreasons; i++)
		if (!strncmp(st->reasons[i].reason, reason, n) &&
		    (st->reasons[i].reason[n] == '\0' ||
		     !strcmp(st->reasons[i].reason + n, "...")))
			break;
	return i;
}

/* Drops the rejects of r's path, and of r's file under any other path. */
static int clear_reject(struct gic_writer *w, const struct gic_result *r)
{
	sqlite3_bind_text(w->del_reject, 1, r->path, -1, SQLITE_STATIC);
	gic_bind_opt(w->del_reject, 2, r->file_id);
	return gic_writer_step(w, w->del_reject, "clear reject");
}

/* Counts a reject under its kind, the reason up to a ':' or a " ("
 * ("truncated PNG", "not a PNG or JPEG file"); once the table is one
 * short of full, new kinds share the bucket "other". */
void gic_count_reason(struct gic_ingest_stats *st, const char *reason)
{
	size_t n = strcspn(reason, ":"), max = sizeof(st->reasons[0].reason);
	const char *paren = strstr(reason, " (");
	const char *more = "";
	int i;

	if (paren && (size_t)(paren - reason) < n)
		n = (size_t)(paren - reason);
	if (n >= max) {  /* cut at a word's end, and said to be cut */
		for (n = max - 4; n > 0 && reason[n] != ' '; n--)
			;
		more = "...";
	}
	if ((i = find_reason(st, reason, n)) == st->nreasons &&
	    st->nreasons >= GIC_MAX_REASONS - 1) {
		i = find_reason(st, reason = "other", n = 5);
		more = "";
	}
	if (i == st->nreasons)
		snprintf(st->reasons[st->nreasons++].reason, max, "%.*s%s",
			 (int)n, reason, more);
	st->reasons[i].n++;
}

int gic_writer_apply(struct gic_writer *w, const struct gic_result *r,
		     struct gic_ingest_stats *st)
{
	int rc, added = 0;

	if (r->kind == GIC_R_FATAL)
		return gic_seterr(GIC_EIO, "'%s': %s", r->path, r->reason);
	if ((rc = gic_writer_begin(w)) < 0)
		return rc;
	w->pending++;
	st->bytes += r->bytes;
	if (r->kind == GIC_R_REJECT) {
		st->rejected++;
		gic_count_reason(st, r->reason);
		if ((rc = clear_reject(w, r)) < 0 || r->missing)
			return rc;
		sqlite3_bind_text(w->ins_reject, 1, r->path, -1, SQLITE_STATIC);
		sqlite3_bind_text(w->ins_reject, 2, r->reason, -1, SQLITE_STATIC);
		gic_bind_opt(w->ins_reject, 3, r->file_id);
		gic_writer_bind_base(w, w->ins_reject, 4, r->path);
		return gic_writer_step(w, w->ins_reject, "record reject");
	}
	if ((r->how == GIC_PUT_COPIED && w->opts->mode != GIC_MODE_COPY))
		st->link_fallbacks++;
	if (r->kind == GIC_R_UPGRADE) {
		st->upgraded++;
		st->upgraded_bytes += r->bytes;
	}
	st->repaired += r->kind == GIC_R_KNOWN && r->how != GIC_PUT_EXISTED;
	st->ref_held += w->opts->mode == GIC_MODE_REF &&
			r->kind == GIC_R_KNOWN && r->held_object;
	if (r->kind == GIC_R_NEW && (rc = insert_image(w, r, &added)) < 0)
		return rc;
	if (r->kind == GIC_R_KNOWN && r->ref_path &&
	    (rc = refresh_ref(w, r)) < 0)
		return rc;
	/* content a worker found known only as a ref, or took for new while
	 * it was catalogued as one (a look-up sees the last commit): the
	 * object now stored makes it an object */
	if (r->kind == GIC_R_UPGRADE ||
	    (r->kind == GIC_R_NEW && !added && !r->ref_path)) {
		sqlite3_bind_text(w->upgrade, 1, r->hex, -1, SQLITE_STATIC);
		if ((rc = gic_writer_step(w, w->upgrade, "store object")) < 0)
			return rc;
	}
	st->new_images += (uint64_t)added;
	/* linked and kept as the object: a second file of the content in
	 * one batch is given back as it was (odb.c) */
	st->linked += r->how == GIC_PUT_LINKED && (added || r->kind ==
		      GIC_R_UPGRADE || r->kind == GIC_R_KNOWN);
	if ((rc = gic_writer_entry(w, r, added, st)) < 0)
		return rc;
	return clear_reject(w, r);
}

int gic_writer_finish(struct gic_writer *w, int rc)
{
	if (rc == 0)
		rc = gic_writer_commit(w);
	else if (w->in_tx && gic_writer_commit(w) < 0) /* keep what is whole */
		sqlite3_exec(w->cat->db, "ROLLBACK", NULL, NULL, NULL);
	release(w);
	return rc;
}
