/*
 * export-listed.c - the part of `split --check` that a manifest export
 * needs beyond its own files: the object paths its SET.csv files list,
 * which a loader opens, must still hold their images.  The paths are read
 * from the CSVs as written (their bytes are checked like every file's),
 * not from the catalog, which may since have moved a ref'd tree (gicat
 * mv) or been moved itself: a manifest whose paths lead nowhere drifts.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "csv.h"
#include "export-int.h"

/* An object path a manifest lists, and the image it stands for. */
struct listed {
	char *sha, *obj;
};

struct listing {
	struct listed *v;
	size_t n, cap;
};

static int by_listed(const void *a, const void *b)
{
	const struct listed *x = a, *y = b;
	int c = strcmp(x->sha, y->sha);

	return c ? c : strcmp(x->obj, y->obj);
}

/* The sha256 and object columns of the manifest CSV path, added to l; a
 * CSV that cannot be read or parsed is its own drift, said already. */
static int read_csv(const char *path, struct listing *l)
{
	static const char *const names[] = { "sha256", "object" };
	char *text = NULL, *rec, *f[16];
	struct gic_records r;
	size_t len;
	int col[2], nf;

	if (gic_read_input(path, GIC_MAX_TEXT_INPUT, &text, &len) < 0)
		return 0;
	gic_records_init(&r, text, ',', 1);
	if (!(rec = gic_records_next(&r)) ||
	    (nf = gic_csv_split(rec, ',', 1, f, 16)) < 0 || nf > 16 ||
	    gic_csv_columns(f, nf, names, 2, col) >= 0 || col[0] < 0 ||
	    col[1] < 0) {
		free(text);
		return 0;
	}
	while ((rec = gic_records_next(&r))) {
		if ((nf = gic_csv_split(rec, ',', 1, f, 16)) <= col[0] ||
		    nf <= col[1] || nf > 16 || !*f[col[1]])
			continue;
		if (gic_grow(&l->v, l->n, &l->cap, sizeof(*l->v), 1024)) {
			free(text);
			return GIC_ENOMEM;
		}
		l->v[l->n].sha = strdup(f[col[0]]);
		l->v[l->n].obj = strdup(f[col[1]]);
		if (!l->v[l->n].sha || !l->v[l->n++].obj) {
			free(text);
			return gic_seterr(GIC_ENOMEM, "out of memory");
		}
	}
	free(text);
	return 0;
}

/* What is wrong with the file of a ref image (ingested with --mode ref),
 * as the catalog has it, into why; NULL when nothing. */
static const char *ref_drift(const char *path, const char *hex, int64_t size,
			     int64_t mtime_ns, char *why, size_t n)
{
	char got[GIC_HEX_LEN + 1];
	struct stat st;
	int len = snprintf(why, n, "listed by the manifest: its file '%s' "
			   "(ingested with --mode ref) ", path);
	char *at = why + (len > 0 && (size_t)len < n ? len : 0);
	size_t left = n - (size_t)(at - why);

	switch (gic_export_ref_change(path, hex, (uint64_t)size, mtime_ns, &st,
				      got)) {
	case GIC_REF_SAME:
		return NULL;
	case GIC_REF_GONE:
		snprintf(at, left, "%s", errno == ENOENT ? "is gone" :
			 strerror(errno));
		break;
	case GIC_REF_NOT_FILE:
		snprintf(at, left, "is no longer a regular file");
		break;
	case GIC_REF_RESIZED:
		snprintf(at, left, "changed since ingest: %lld bytes, the "
			 "catalog says %lld", (long long)st.st_size,
			 (long long)size);
		break;
	case GIC_REF_UNREADABLE:
		snprintf(at, left, "cannot be read: %s", gic_errmsg());
		break;
	case GIC_REF_CHANGED:
		snprintf(at, left, "changed since ingest: its hash is %.16s, "
			 "not %.16s", got, hex);
		break;
	}
	return why;
}

/* What is wrong with the object path e lists, into why; NULL when
 * nothing.  q has the image's row: bytes, ref_path, ref_size, mtime. */
static const char *drift(struct gic_catalog *c, sqlite3_stmt *q,
			 const struct listed *e, char *why, size_t n)
{
	const char *ref = (const char *)sqlite3_column_text(q, 1);
	char *now = ref ? strdup(ref) : gic_odb_fs_path(c->odb, e->sha);
	int64_t bytes = sqlite3_column_int64(q, 0);
	const char *bad = why;
	struct stat st;
	size_t len;

	if (now && !strcmp(now, e->obj)) {  /* where the catalog has it */
		if (ref)
			bad = ref_drift(ref, e->sha, sqlite3_column_int64(q, 2),
					sqlite3_column_int64(q, 3), why, n);
		else if (gic_odb_holds(c->odb, e->sha, (uint64_t)bytes))
			bad = NULL;
		else
			snprintf(why, n, "listed by the manifest, gone from "
				 "the store");
	} else if (stat(e->obj, &st) == 0 && S_ISREG(st.st_mode) &&
		   st.st_size == bytes) {
		bad = NULL;  /* moved since, but a copy is still there */
	} else {
		snprintf(why, n, "listed by the manifest: its object '%s' %s",
			 e->obj, stat(e->obj, &st) < 0 ? (errno == ENOENT ?
			 "is gone" : strerror(errno)) : !S_ISREG(st.st_mode) ?
			 "is not a regular file" : "has another size");
		/* a tree moved by gicat mv, or the catalog moved */
		if (now && (len = strlen(why)) < n)
			snprintf(why + len, n - len, " (the catalog has it at "
				 "'%s' now: export again)", now);
	}
	free(now);
	return bad;
}

int gic_export_check_listed(struct gic_catalog *c, const char *dir,
			    void (*on_drift)(void *, const char *, const char *),
			    void *arg, uint64_t *drifts)
{
	struct listing l = { 0 };
	sqlite3_stmt *s, *q = NULL;
	char what[GIC_HEX_LEN + 32], why[2 * PATH_MAX + 256], path[PATH_MAX];
	int rc, step;

	if ((rc = gic_export_dir_query(c, "SELECT f.path FROM "
				       "materialized_files f JOIN "
				       "materializations m ON m.id = "
				       "f.materialization_id WHERE m.id = "
				       GIC_EXPORT_LATEST " AND m.format = "
				       "'manifest' AND f.set_name IS NOT NULL "
				       "AND f.path LIKE '%.csv' ORDER BY f.path",
				       dir, &s)) < 0)
		return rc;
	while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW)
		if (snprintf(path, sizeof(path), "%s/%s", dir, (const char *)
			     sqlite3_column_text(s, 0)) < (int)sizeof(path))
			rc = read_csv(path, &l);
	sqlite3_finalize(s);
	if (rc == 0 && l.n)
		qsort(l.v, l.n, sizeof(*l.v), by_listed);
	if (rc == 0 && sqlite3_prepare_v2(c->db, "SELECT bytes, ref_path, "
					  "ref_size, ref_mtime_ns FROM images "
					  "WHERE sha256 = ?", -1, &q, NULL))
		rc = gic_db_fail(c->db, NULL);
	for (size_t i = 0; rc == 0 && i < l.n; i++) {
		const char *bad = "listed by the manifest, no longer catalogued";

		if (i && !by_listed(&l.v[i - 1], &l.v[i]))
			continue;  /* in two sets */
		sqlite3_bind_text(q, 1, l.v[i].sha, -1, SQLITE_STATIC);
		if ((step = sqlite3_step(q)) == SQLITE_ROW)
			bad = drift(c, q, &l.v[i], why, sizeof(why));
		else if (step != SQLITE_DONE)
			rc = gic_db_fail(c->db, NULL);
		sqlite3_reset(q);
		if (rc < 0 || !bad)
			continue;
		snprintf(what, sizeof(what), "object %.64s", l.v[i].sha);
		on_drift(arg, what, bad);
		(*drifts)++;
	}
	sqlite3_finalize(q);
	for (size_t i = 0; i < l.n; i++) {
		free(l.v[i].sha);
		free(l.v[i].obj);
	}
	free(l.v);
	return rc;
}
