/*
 * derive.c - derived objects: the images that operation chains make from
 * catalogued images, stored in the object store and recorded in the
 * derivations table under (parent sha256, canonical ops, codec version), so
 * that each derivation is computed once and reused.
 *
 * A derived image gets an images row, probed like an ingested file so that
 * every query field and `verify --full` work on it, but no entry: it is not
 * part of any dataset by itself.  As with ingest, its object is durable
 * before the transaction that records it commits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "degrade.h"
#include "ingest-write.h"

int gic_derive_lookup(struct gic_catalog *c, const char *parent_hex,
		      const struct gic_ops *ops, char out_hex[GIC_HEX_LEN + 1],
		      uint64_t *bytes)
{
	sqlite3_stmt *s;
	uint64_t size, want = 0;
	int rc;

	if (sqlite3_prepare_v2(c->db, "SELECT d.derived, i.bytes FROM "
			       "derivations d JOIN images i ON i.sha256 = "
			       "d.derived WHERE d.parent = ? AND d.ops = ? AND "
			       "d.codec = ?", -1, &s, NULL))
		return gic_db_fail(c->db, "look up derivation");
	sqlite3_bind_text(s, 1, parent_hex, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, ops->canon, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, gic_degrade_codec(), -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		snprintf(out_hex, GIC_HEX_LEN + 1, "%s",
			 (const char *)sqlite3_column_text(s, 0));
		want = (uint64_t)sqlite3_column_int64(s, 1);
		if (bytes)
			*bytes = want;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return gic_db_fail(c->db, "look up derivation");
	if (rc == SQLITE_DONE)
		return gic_seterr(GIC_ENOTFOUND, "%s of %s not derived yet",
				  ops->canon, parent_hex);
	/* a recorded derivation whose object went missing, or has another
	 * size (damaged: cut short), is made again; the put replaces it */
	if ((rc = c->odb->be->stat(c->odb, out_hex, &size, NULL)) < 0)
		return rc == GIC_ENOTFOUND ? gic_seterr(GIC_ENOTFOUND, "object %s "
				"is missing", out_hex) : rc;
	if (size != want)
		return gic_seterr(GIC_ENOTFOUND, "object %s is damaged: %llu "
				  "bytes, the catalog says %llu", out_hex,
				  (unsigned long long)size,
				  (unsigned long long)want);
	return 0;
}

static int step_done(struct gic_catalog *c, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : gic_db_fail(c->db, what);
}

/* The images row of a derived object, from what gic_probe says of it;
 * a row there already for a file ingested with --mode ref (the same
 * bytes) now names the object, which gc would otherwise delete. */
static int insert_image(struct gic_catalog *c, const char *hex, size_t len,
			const struct gic_image_info *in)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(c->db, gic_image_insert_sql, -1, &s, NULL))
		return gic_db_fail(c->db, "record derived image");
	gic_image_row_bind(s, hex, len, in, NULL, 0, 0);
	if ((rc = step_done(c, s, "record derived image")) < 0)
		return rc;
	if (sqlite3_prepare_v2(c->db, gic_image_stored_sql, -1, &s, NULL))
		return gic_db_fail(c->db, "record derived image");
	sqlite3_bind_text(s, 1, hex, -1, SQLITE_STATIC);
	return step_done(c, s, "record derived image");
}

static int insert_derivation(struct gic_catalog *c, const char *parent,
			     const struct gic_ops *ops, const char *hex,
			     size_t len, const struct gic_image_info *in)
{
	sqlite3_stmt *s;

	if (sqlite3_prepare_v2(c->db, "INSERT INTO derivations (parent, ops, "
			       "codec, derived, bytes, width, height, format) "
			       "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT "
			       "(parent, ops, codec) DO UPDATE SET derived = "
			       "excluded.derived, bytes = excluded.bytes, width ="
			       " excluded.width, height = excluded.height, "
			       "format = excluded.format, created_at = "
			       "excluded.created_at", -1, &s, NULL))
		return gic_db_fail(c->db, "record derivation");
	sqlite3_bind_text(s, 1, parent, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, ops->canon, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, gic_degrade_codec(), -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, hex, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, (sqlite3_int64)len);
	sqlite3_bind_int64(s, 6, in->width);
	sqlite3_bind_int64(s, 7, in->height);
	sqlite3_bind_text(s, 8, in->format, -1, SQLITE_STATIC);
	return step_done(c, s, "record derivation");
}

static int parent_known(struct gic_catalog *c, const char *parent)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(c->db, "SELECT 1 FROM images WHERE sha256 = ?",
			       -1, &s, NULL))
		return gic_db_fail(c->db, "look up image");
	sqlite3_bind_text(s, 1, parent, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? gic_seterr(GIC_ENOTFOUND, "no image %s in "
					      "the catalog", parent)
				 : gic_db_fail(c->db, "look up image");
}

/* Object, image row, derivation: in the caller's transaction. */
static int record(struct gic_catalog *c, const char *parent,
		  const struct gic_ops *ops, const unsigned char *bytes,
		  size_t len, const char *hex, const struct gic_image_info *in)
{
	enum gic_put_how how;
	int rc;

	if ((rc = parent_known(c, parent)) < 0 ||
	    (rc = c->odb->be->put(c->odb, hex, bytes, len, NULL,
				  GIC_MODE_COPY, &how)) < 0 ||
	    (rc = insert_image(c, hex, len, in)) < 0)
		return rc;
	return insert_derivation(c, parent, ops, hex, len, in);
}

/* The result is checked like any file that enters the catalog. */
static int probe(const unsigned char *bytes, size_t len,
		 struct gic_image_info *info)
{
	char why[512];
	int rc = gic_probe(bytes, len, NULL, info);

	if (rc < 0) {
		snprintf(why, sizeof(why), "%s", gic_errmsg());
		return gic_seterr(rc, "derived image does not decode: %s", why);
	}
	return 0;
}

int gic_derive_store(struct gic_catalog *c, const char *parent_hex,
		     const struct gic_ops *ops, const unsigned char *bytes,
		     size_t len, const struct gic_image_info *probed,
		     char out_hex[GIC_HEX_LEN + 1])
{
	struct gic_image_info info = { .text_keys = NULL };
	int own = 0, rc;

	if ((rc = gic_catalog_writable(c)) < 0 ||
	    (rc = gic_sha256_hex(bytes, len, out_hex)) < 0 ||
	    (!probed && (rc = probe(bytes, len, &info)) < 0))
		return rc;
	if (sqlite3_get_autocommit(c->db)) {
		if (sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL)) {
			rc = gic_db_fail(c->db, NULL);
			goto out;
		}
		own = 1;
	}
	rc = record(c, parent_hex, ops, bytes, len, out_hex,
		    probed ? probed : &info);
	if (own && rc == 0 && (rc = c->odb->be->sync(c->odb)) == 0 &&
	    sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL))
		rc = gic_db_fail(c->db, "commit");
	if (own && rc < 0)
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
out:
	gic_image_info_release(&info);
	return rc;
}

int gic_derive(struct gic_catalog *c, const char *parent_hex, const char *ops,
	       char out_hex[GIC_HEX_LEN + 1], int *computed)
{
	unsigned char *in = NULL, *out = NULL;
	size_t inlen = 0, outlen = 0;
	struct gic_ops o;
	int rc;

	*computed = 0;
	if (!gic_is_hex_sha(parent_hex))
		return gic_seterr(GIC_EUSAGE, "'%s' is not a full SHA-256",
				  parent_hex);
	if ((rc = gic_ops_parse(ops, &o)) < 0)
		return rc;
	rc = gic_derive_lookup(c, parent_hex, &o, out_hex, NULL);
	/* a damaged object is made again, as a missing one is: the put
	 * replaces it (the bytes are the same on every run) */
	if (rc == 0 && (rc = gic_image_read(c, out_hex, &out, &outlen)) ==
		       GIC_ECORRUPT)
		rc = GIC_ENOTFOUND;
	free(out);
	out = NULL;
	if (rc != GIC_ENOTFOUND)
		return rc;
	if ((rc = gic_catalog_writable(c)) < 0 ||
	    (rc = gic_image_read(c, parent_hex, &in, &inlen)) < 0 ||
	    (rc = gic_degrade_bytes(in, inlen, &o, &out, &outlen)) < 0 ||
	    (rc = gic_derive_store(c, parent_hex, &o, out, outlen, NULL,
				   out_hex)) < 0)
		goto out;
	*computed = 1;
out:
	free(in);
	free(out);
	return rc;
}
