/*
 * export-meta.c - the files that describe an export: per-set metadata (HF
 * metadata.jsonl, manifest CSV/JSONL), labels.json, LICENSES.md, task.ini,
 * MANIFEST.sha256 (sha256sum -c compatible), and the catalog's record of
 * every file written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <sqlite3.h>

#include "audit.h"
#include "export-text.h"
#include "json.h"

static json_t *opt_str(const char *v)
{
	return gic_json_text(v); /* null for NULL */
}

static json_t *opt_class(const struct gic_item *it)
{
	return it->class_idx >= 0 ? json_integer(it->class_idx) : json_null();
}

int gic_export_set_derived(const struct gic_resolved_set *s)
{
	for (int k = 0; k < GIC_DEGRADE_KEYS; k++)
		if (s->def->degrade[k])
			return 1;
	return 0;
}

void gic_export_json_derived(json_t *o, const struct gic_item *it)
{
	int derived = it->parent[0] != '\0';

	json_object_set_new(o, "parent_sha256", derived ?
			    json_string(it->parent) : json_null());
	json_object_set_new(o, "ops", derived ? opt_str(it->ops) : json_null());
}

/* HF imagefolder: metadata.jsonl, file_name first. */
static int hf_metadata(struct gic_export_ctx *x, const struct gic_resolved_set *s,
		       char *const *names)
{
	struct text t;
	char rel[4096];
	int rc, derived = gic_export_set_derived(s);

	snprintf(rel, sizeof(rel), "%s/metadata.jsonl", s->def->name);
	if ((rc = gic_text_open(x, &t, rel)) < 0)
		return rc;
	for (size_t i = 0; i < s->n; i++) {
		const struct gic_item *it = &s->items[i];
		json_t *o = json_object();
		json_object_set_new(o, "file_name", gic_json_text(names[i]));
		json_object_set_new(o, "label", json_integer(
			gic_export_label_index(GIC_FMT_HF, it->label)));
		json_object_set_new(o, "generator", opt_str(it->generator));
		json_object_set_new(o, "class", opt_class(it));
		json_object_set_new(o, "sha256", json_string(it->sha256));
		if (derived)
			gic_export_json_derived(o, it);
		gic_text_json(&t, o);
	}
	return gic_text_flush(x, &t, rel, s->def->name);
}

enum gic_ref_change gic_export_ref_change(const char *path, const char *sha,
					  uint64_t bytes, int64_t mtime_ns,
					  struct stat *st,
					  char got[GIC_HEX_LEN + 1])
{
	if (stat(path, st) < 0)
		return GIC_REF_GONE;
	if (!S_ISREG(st->st_mode))
		return GIC_REF_NOT_FILE;
	if ((uint64_t)st->st_size != bytes)
		return GIC_REF_RESIZED;
	if (gic_ns(&st->st_mtim) == mtime_ns)
		return GIC_REF_SAME;
	if (gic_sha256_file(path, got) < 0)
		return GIC_REF_UNREADABLE;
	return strcmp(got, sha) ? GIC_REF_CHANGED : GIC_REF_SAME;
}

/* A ref image's file: there with the size and mtime it was ingested
 * with, or (the mtime moved) with its bytes' hash. */
static int check_ref(const char *path, const struct gic_item *it,
		     int64_t mtime_ns)
{
	char got[GIC_HEX_LEN + 1];
	struct stat st;

	switch (gic_export_ref_change(path, it->sha256, it->bytes, mtime_ns,
				      &st, got)) {
	case GIC_REF_SAME:
		return 0;
	case GIC_REF_GONE:
	case GIC_REF_NOT_FILE:
		return gic_seterr(GIC_ECORRUPT, "'%s' (image %s, ingested with "
				  "--mode ref) is gone or not a file: run "
				  "'gicat verify'", path, it->sha256);
	case GIC_REF_RESIZED:
		return gic_seterr(GIC_ECORRUPT, "'%s' (image %s, ingested with "
				  "--mode ref) changed since ingest: %lld bytes, "
				  "the catalog says %llu: %s", path, it->sha256,
				  (long long)st.st_size,
				  (unsigned long long)it->bytes, GIC_DAMAGED_HINT);
	case GIC_REF_UNREADABLE:
		return GIC_EIO;
	default:
		return gic_seterr(GIC_ECORRUPT, "'%s' (ingested with --mode "
				  "ref) changed since ingest: its hash is %s, not "
				  "%s: %s", path, got, it->sha256, GIC_DAMAGED_HINT);
	}
}

/* Where a manifest sends a loader for it: its object (checked to be there
 * with its size, as a link export checks it) or, for a ref image, the
 * file it refers to. */
static int locate(struct gic_export_ctx *x, sqlite3_stmt *q,
		  const struct gic_item *it, char **out)
{
	int rc;

	*out = NULL;
	sqlite3_bind_text(q, 1, it->sha256, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(q)) == SQLITE_ROW && sqlite3_column_text(q, 0)) {
		if (!(*out = strdup((const char *)sqlite3_column_text(q, 0))))
			rc = gic_seterr(GIC_ENOMEM, "out of memory");
		else
			rc = check_ref(*out, it, sqlite3_column_int64(q, 1));
		sqlite3_reset(q);
		return rc;
	}
	sqlite3_reset(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return gic_db_fail(x->cat->db, "look up image");
	if (!(*out = gic_odb_fs_path(x->cat->odb, it->sha256)))
		return gic_odb_path_err(it->sha256);
	if ((rc = gic_export_object_sound(*out, it)) == GIC_ENOTFOUND)
		return gic_odb_missing(x->cat->odb, it->sha256);
	return rc;
}

/* manifest: <set>.csv and <set>.jsonl naming where each image's bytes
 * are: the object store, or a ref image's own file. */
static int manifest_set(struct gic_export_ctx *x, const struct gic_resolved_set *s)
{
	struct text csv, jl;
	char rel[4096], jrel[4096], line[512];
	sqlite3_stmt *q;
	int began, rc = 0, derived = gic_export_set_derived(s);

	if (sqlite3_prepare_v2(x->cat->db, "SELECT ref_path, ref_mtime_ns FROM "
			       "images WHERE sha256 = ?", -1, &q, NULL))
		return gic_db_fail(x->cat->db, "look up images");
	if ((began = gic_read_begin(x->cat)) < 0) {
		sqlite3_finalize(q);
		return began;
	}
	snprintf(rel, sizeof(rel), "%s.csv", s->def->name);
	snprintf(jrel, sizeof(jrel), "%s.jsonl", s->def->name);
	if ((rc = gic_text_open(x, &csv, rel)) == 0 &&
	    (rc = gic_text_open(x, &jl, jrel)) < 0)
		gic_text_flush(x, &csv, NULL, NULL);
	if (rc < 0) {
		sqlite3_finalize(q);
		gic_read_end(x->cat, began);
		return rc;
	}
	/* SPEC's columns, then, in a set that degrades, the original's */
	gic_text_add(&csv, derived ? "sha256,path,label,generator,class,"
		     "object,parent_sha256,ops\n" :
		     "sha256,path,label,generator,class,object\n");
	for (size_t i = 0; i < s->n; i++) {
		const struct gic_item *it = &s->items[i];
		char *obj;
		json_t *o;

		if ((rc = locate(x, q, it, &obj)) < 0) {
			free(obj);
			break;
		}
		/* SPEC's order: sha256, path, label, generator, class, object */
		o = json_pack("{s:s,s:o,s:o,s:o,s:o,s:o}", "sha256",
			      it->sha256, "path", opt_str(it->path), "label",
			      opt_str(gic_export_label_name(it->label)),
			      "generator", opt_str(it->generator),
			      "class", opt_class(it), "object", opt_str(obj));
		if (derived)
			gic_export_json_derived(o, it);
		gic_text_json(&jl, o);
		gic_text_add(&csv, it->sha256);
		gic_text_add(&csv, ",");
		gic_text_quoted(&csv, it->path);
		gic_text_add(&csv, ",");
		gic_text_field(&csv, it->label);  /* names from folders: any text */
		gic_text_add(&csv, ",");
		gic_text_field(&csv, it->generator);
		gic_text_add(&csv, ",");
		if (it->class_idx >= 0)
			snprintf(line, sizeof(line), "%d", it->class_idx), gic_text_add(&csv, line);
		gic_text_add(&csv, ",");
		gic_text_quoted(&csv, obj);
		if (derived) {
			gic_text_add(&csv, ",");
			gic_text_add(&csv, it->parent);
			gic_text_add(&csv, ",");
			gic_text_field(&csv, it->parent[0] ? it->ops : NULL);
		}
		gic_text_add(&csv, "\n");
		free(obj);
		x->images++;
	}
	sqlite3_finalize(q);
	gic_read_end(x->cat, began);
	if (rc == 0)
		rc = gic_text_flush(x, &csv, rel, s->def->name);
	else
		gic_text_flush(x, &csv, NULL, NULL);
	if (rc == 0)
		return gic_text_flush(x, &jl, jrel, s->def->name);
	gic_text_flush(x, &jl, NULL, NULL);
	return rc;
}

int gic_export_set_meta(struct gic_export_ctx *x, const struct gic_resolved_set *s,
			char *const *names)
{
	if (x->opts->format == GIC_FMT_HF)
		return hf_metadata(x, s, names);
	if (x->opts->format == GIC_FMT_MANIFEST)
		return manifest_set(x, s);
	return 0;
}

/* Which number is which label, and where the layout has label
 * directories (imagefolder, genimage), their names: hf and webdataset
 * carry the number in each file's metadata instead.  Images without a
 * label, when there are any, are -1 in the metadata and unlabelled/ in
 * the directories, which ImageFolder numbers 2 (after the labels'). */
static int labels_json(struct gic_export_ctx *x)
{
	enum gic_export_format f = x->opts->format;
	int dirs = f == GIC_FMT_IMAGEFOLDER || f == GIC_FMT_GENIMAGE;
	struct text t = { 0 };
	json_t *o = json_object();
	size_t unlabelled = 0;

	for (int i = 0; i < x->r->nsets; i++)
		unlabelled += x->r->sets[i].n - x->r->sets[i].nreal -
			      x->r->sets[i].nfake;

	json_object_set_new(o, gic_export_label_index(f, "real") ? "1" : "0",
			    json_string("real"));
	json_object_set_new(o, gic_export_label_index(f, "fake") ? "1" : "0",
			    json_string("fake"));
	if (unlabelled)
		json_object_set_new(o, dirs ? "2" : "-1",
				    json_string("unlabelled"));
	if (dirs) {
		json_object_set_new(o, "real_dir", json_string(
			gic_export_label_dir(f, "real")));
		json_object_set_new(o, "fake_dir", json_string(
			gic_export_label_dir(f, "fake")));
	}
	if (dirs && unlabelled)
		json_object_set_new(o, "unlabelled_dir", json_string(
			gic_export_label_dir(f, "none")));
	gic_text_json(&t, o);
	return gic_text_flush(x, &t, "labels.json", NULL);
}

/* License ids of the exported files and how many files carry each (ids
 * as gic_license_each gives them: cut at 127 bytes). */
struct lic {
	char id[128];
	uint64_t n;
};

struct lics {
	struct lic *v;
	size_t n, cap;
};

static int count_license(void *arg, const char *id)
{
	struct lics *l = arg;
	size_t i;

	for (i = 0; i < l->n && strcmp(l->v[i].id, id); i++)
		;
	if (i == l->n) {
		if (gic_grow(&l->v, l->n, &l->cap, sizeof(*l->v), 8))
			return -1;
		l->v[l->n].n = 0;
		snprintf(l->v[l->n++].id, sizeof(l->v[0].id), "%s", id);
	}
	l->v[i].n++;
	return 0;
}

static int by_id(const void *a, const void *b)
{
	return strcmp(((const struct lic *)a)->id, ((const struct lic *)b)->id);
}

/* The license's entry in the registry: name, URL, flags, attribution
 * line and terms (gic_license_markdown); a warning for an unknown id. */
static void license_terms(struct gic_export_ctx *x, const char *id,
			  struct text *t)
{
	struct gic_license *reg = NULL;
	const struct gic_license *l;
	size_t n = 0;
	char *md;

	if (gic_license_list(x->cat, &reg, &n) < 0)
		t->oom = 1;
	l = gic_license_find(reg, n, id);
	md = l ? gic_license_markdown(l) : NULL;
	if (l && !md)
		t->oom = 1;
	gic_text_add(t, md ? md : "  Not in the license registry: find out the terms of "
	    "these files before any use.\n");
	free(md);
	gic_licenses_free(reg, n);
}

/* A license id as Markdown shows it whole, in a table cell or a heading:
 * '|' and '\' as "\|" and "\\" (an id's own backslash would escape the
 * one of its '|' and make that a cell border again), then control
 * characters as \xNN (an id no registry has, from a hand-edited catalog,
 * may hold anything).  buf: 4 times 256 bytes and some. */
static const char *md_id(const char *id, char *buf, size_t n)
{
	char md[2 * 128];  /* ids are cut at 127 bytes */
	size_t o = 0;

	for (const char *p = id; *p && o + 3 < sizeof(md); p++) {
		if (*p == '|' || *p == '\\')
			md[o++] = '\\';
		md[o++] = *p;
	}
	md[o] = '\0';
	return gic_esc(md, buf, n);
}

static int licenses_md(struct gic_export_ctx *x)
{
	struct lics l = { 0 };
	struct text t = { 0 };
	char line[1100], id[1040];
	size_t files = 0, counted = 0;

	for (int i = 0; i < x->r->nsets; i++)
		for (size_t j = 0; j < x->r->sets[i].n; j++, files++) {
			const char *ids = x->r->sets[i].items[j].license;
			if (gic_license_each(ids && ids[strspn(ids, " ,\t")] ?
					     ids : "unknown",
					     count_license, &l))
				t.oom = 1;
		}
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), by_id);
	gic_text_add(&t, "# Licenses\n\nEvery image in this export, by the license(s) its "
	    "catalog entry carries.\n\n| license | files |\n|---|---|\n");
	for (size_t i = 0; i < l.n; i++) {
		snprintf(line, sizeof(line), "| %s | %llu |\n",
			 md_id(l.v[i].id, id, sizeof(id)),
			 (unsigned long long)l.v[i].n);
		gic_text_add(&t, line);
	}
	for (size_t i = 0; i < l.n; i++)
		counted += l.v[i].n;
	snprintf(line, sizeof(line), "\n%zu file%s in all%s.\n\n", files,
		 files == 1 ? "" : "s", counted > files ? "; a file under several "
		 "licenses is counted under each" : "");
	gic_text_add(&t, line);
	for (size_t i = 0; i < l.n; i++) {
		snprintf(line, sizeof(line), "## %s\n\n",
			 md_id(l.v[i].id, id, sizeof(id)));
		gic_text_add(&t, line);
		if (!strcmp(l.v[i].id, "unknown"))
			gic_text_add(&t, "  No license was recorded for these files: find out "
			    "their terms before any use.\n");
		else
			license_terms(x, l.v[i].id, &t);
		gic_text_add(&t, "\n");
	}
	free(l.v);
	return gic_text_flush(x, &t, "LICENSES.md", NULL);
}

static int task_ini(struct gic_export_ctx *x)
{
	struct text t = { 0 };
	char *canon = gic_task_canonical(x->r->task), line[200];

	snprintf(line, sizeof(line), GIC_TASK_INI_HEAD "%s)\n",
		 x->r->task_hash);
	gic_text_add(&t, line);
	for (int i = 0; i < x->r->nsets; i++) {
		const struct gic_resolved_set *s = &x->r->sets[i];
		snprintf(line, sizeof(line), "; %s: %zu image%s (%zu real, %zu "
			 "fake)\n", s->def->name, s->n, s->n == 1 ? "" : "s",
			 s->nreal, s->nfake);
		gic_text_add(&t, line);
	}
	gic_text_add(&t, canon ? canon : "");
	free(canon);
	return gic_text_flush(x, &t, "task.ini", NULL);
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct gic_out_file *)a)->path,
		      ((const struct gic_out_file *)b)->path);
}

static int manifest_sha256(struct gic_export_ctx *x)
{
	struct text t;
	int rc;

	if ((rc = gic_text_open(x, &t, "MANIFEST.sha256")) < 0)
		return rc;
	if (x->nfiles)
		qsort(x->files, x->nfiles, sizeof(*x->files), by_path);
	for (size_t i = 0; i < x->nfiles; i++) {
		gic_text_add(&t, x->files[i].sha256);
		gic_text_add(&t, "  ");
		gic_text_add(&t, x->files[i].path);
		gic_text_add(&t, "\n");
	}
	return gic_text_flush(x, &t, "MANIFEST.sha256", NULL);
}

int gic_export_common_meta(struct gic_export_ctx *x)
{
	int rc = 0;

	if (x->opts->format != GIC_FMT_MANIFEST)
		rc = labels_json(x);
	if (rc == 0)
		rc = licenses_md(x);
	if (rc == 0)
		rc = task_ini(x);
	if (rc == 0)
		rc = manifest_sha256(x);
	return rc;
}

static int save_files(struct gic_export_ctx *x, sqlite3_int64 id)
{
	sqlite3_stmt *s;
	int rc = SQLITE_DONE;

	if (sqlite3_prepare_v2(x->cat->db, "INSERT INTO materialized_files "
			       "(materialization_id, path, sha256, image_sha256, "
			       "set_name) VALUES (?, ?, ?, ?, ?)", -1, &s, NULL))
		return SQLITE_ERROR;
	for (size_t i = 0; i < x->nfiles && rc == SQLITE_DONE; i++) {
		const struct gic_out_file *f = &x->files[i];
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_text(s, 2, f->path, -1, SQLITE_STATIC);
		/* an image file's hash is its image's: said once */
		if (f->image[0]) {
			sqlite3_bind_null(s, 3);
			sqlite3_bind_text(s, 4, f->image, -1, SQLITE_STATIC);
		} else {
			sqlite3_bind_text(s, 3, f->sha256, -1, SQLITE_STATIC);
			sqlite3_bind_null(s, 4);
		}
		if (f->set)
			sqlite3_bind_text(s, 5, f->set, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(s, 5);
		rc = sqlite3_step(s);
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* A manifest lists objects by path: which, for gc and split --check. */
static int save_refs(struct gic_export_ctx *x, sqlite3_int64 id)
{
	sqlite3_stmt *s;
	int rc = SQLITE_DONE;

	if (x->opts->format != GIC_FMT_MANIFEST)
		return SQLITE_OK;
	if (sqlite3_prepare_v2(x->cat->db, "INSERT OR IGNORE INTO export_refs "
			       "(materialization_id, sha256) VALUES (?, ?)", -1,
			       &s, NULL))
		return SQLITE_ERROR;
	for (int i = 0; i < x->r->nsets; i++)
		for (size_t j = 0; j < x->r->sets[i].n && rc == SQLITE_DONE; j++) {
			sqlite3_bind_int64(s, 1, id);
			sqlite3_bind_text(s, 2, x->r->sets[i].items[j].sha256, -1,
					  SQLITE_STATIC);
			rc = sqlite3_step(s);
			sqlite3_reset(s);
		}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* id is the last materialization number given. */
static int note_number(sqlite3 *db, sqlite3_int64 id)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO counters "
				    "(name, value) VALUES ('materialization', "
				    "?)", -1, &s, NULL);

	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, id);
		rc = sqlite3_step(s) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
	}
	sqlite3_finalize(s);
	return rc;
}

/* The records of earlier runs into the same directory go: what they list
 * is gone (the directory was empty, or --force removed it first) or was
 * written again, so only this run's describe it, and re-exporting into
 * one directory does not grow the catalog by every file each time. */
static int forget_older(struct gic_export_ctx *x, int64_t id)
{
	sqlite3_stmt *s;
	int rc;

	if ((rc = sqlite3_prepare_v2(x->cat->db, "DELETE FROM materializations "
				     "WHERE out_dir = ? AND id < ?", -1, &s,
				     NULL)) != SQLITE_OK)
		return rc;
	sqlite3_bind_text(s, 1, x->out, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, id);
	rc = sqlite3_step(s) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
	sqlite3_finalize(s);
	return rc;
}

int gic_export_save(struct gic_export_ctx *x, int64_t *id)
{
	sqlite3 *db = x->cat->db;
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL))
		return gic_db_fail(db, "record export");
	/* a number never given before (counters), not the next row id */
	rc = sqlite3_prepare_v2(db, "INSERT INTO materializations (id, "
				"task_name, task_hash, seed, format, mode, "
				"out_dir, files) VALUES (1 + max((SELECT "
				"coalesce(max(id), 0) FROM materializations), "
				"coalesce((SELECT value FROM counters WHERE name "
				"= 'materialization'), 0)), ?, ?, ?, ?, ?, ?, ?)",
				-1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(s, 1, x->r->task->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, x->r->task_hash, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, x->r->task->seed);
		sqlite3_bind_text(s, 4, gic_export_format_name(x->opts->format), -1,
				  SQLITE_STATIC);
		sqlite3_bind_text(s, 5, gic_export_mode_name(x->opts->mode), -1,
				  SQLITE_STATIC);
		sqlite3_bind_text(s, 6, x->out, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 7, (sqlite3_int64)x->nfiles);
		rc = sqlite3_step(s) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
	}
	sqlite3_finalize(s);
	*id = sqlite3_last_insert_rowid(db);
	if (rc == SQLITE_OK)
		rc = note_number(db, *id);
	if (rc == SQLITE_OK)
		rc = save_files(x, *id);
	if (rc == SQLITE_OK)
		rc = save_refs(x, *id);
	if (rc == SQLITE_OK)
		rc = forget_older(x, *id);
	if (rc != SQLITE_OK || sqlite3_exec(db, "COMMIT", NULL, NULL, NULL)) {
		rc = gic_db_fail(db, "record export");
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return rc;
	}
	return 0;
}
