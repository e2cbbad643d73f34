/*
 * ingest-entry.c - the entry rows of ingest results: an entry per dataset
 * and path, what the options and the path give it (generator, label,
 * split, class, licenses), the same file under another spelling of its
 * path, and the notes the summary gives (unknown wnids, fakes without a
 * generator, paths that fit no layout, a subset's photo at another's
 * path).  Runs on the writer thread, inside its transaction
 * (ingest-write.c).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#include "audit.h"
#include "ingest-write.h"

/* An entry's generator: the option's, else the path's; none for a real
 * image, whatever its folders say; a fake from a subset's real folder
 * (--label fake) gets the subset's. */
static const char *entry_generator(const struct gic_ingest_opts *o,
				   const struct gic_path_meta *m)
{
	const char *label = o->label ? o->label : m->label;

	if (label && !strcmp(label, "real"))
		return NULL;
	if (o->generator)
		return o->generator;
	return m->generator[0] || !label ? m->generator : m->subset;
}

/* The wnid of the class --class gives, or NULL. */
static const char *option_wnid(const struct gic_ingest_opts *o)
{
	return o->class_idx >= 0 && o->classes ?
	       gic_classes_wnid(o->classes, o->class_idx) : NULL;
}

/* Where the class the options give comes from. */
static const char *class_source(const struct gic_writer *w)
{
	return w->class_source ? w->class_source : "option";
}

/* Binds ?1..?14 of the entry statements from r and the overrides. */
static void bind_entry(struct gic_writer *w, sqlite3_stmt *s,
		       const struct gic_result *r)
{
	const struct gic_ingest_opts *o = w->opts;
	const struct gic_path_meta *m = &r->meta;
	int cls = o->class_idx >= 0 ? o->class_idx : m->class_idx;
	const char *wnid = m->wnid, *src = m->class_source, *lic;
	const char *gen = entry_generator(o, m);
	char rules[1024];

	if (o->class_idx >= 0) {
		wnid = option_wnid(o);
		src = class_source(w);
	}
	sqlite3_bind_text(s, 1, r->hex, GIC_HEX_LEN, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, r->dataset, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, r->path, -1, SQLITE_STATIC);
	gic_bind_opt(s, 4, gen);
	gic_bind_opt(s, 5, m->subset);
	gic_bind_opt(s, 6, o->label ? o->label : m->label);
	gic_bind_opt(s, 7, o->split ? o->split : m->split);
	if (cls >= 0)
		sqlite3_bind_int(s, 8, cls);
	else
		sqlite3_bind_null(s, 8);
	gic_bind_opt(s, 9, wnid);
	gic_bind_opt(s, 10, cls >= 0 || (wnid && *wnid) ? src : NULL);
	/* the option's ids as stored lists have them ("A,B" is "A B") */
	lic = o->license ? gic_license_canon(o->license, rules, sizeof(rules))
	      : gic_license_rules_for(w->rules, r->dataset, gen,
			gic_license_default(m, o->label ? o->label : m->label,
					    gen), rules, sizeof(rules));
	if (lic)  /* rules: a buffer of this frame */
		sqlite3_bind_text(s, 11, lic, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, 11);
	gic_bind_opt(s, 12, r->source);
	gic_bind_opt(s, 13, r->file_id);
	gic_writer_bind_base(w, s, 14, r->path);
}

/* Counts entries whose wnid is none of the 1000 classes (kept, with no
 * class): an ImageNet-21k or mistyped folder name, say. */
static void note_class(const struct gic_writer *w, const struct gic_result *r,
		       struct gic_ingest_stats *st)
{
	const struct gic_path_meta *m = &r->meta;

	if (w->opts->class_idx >= 0 || !w->opts->classes || m->class_idx >= 0 ||
	    !m->wnid[0])
		return;
	if (!st->unknown_wnids++)
		snprintf(st->unknown_wnid, sizeof(st->unknown_wnid), "%s",
			 m->wnid);
}

/* Counts fakes that neither the options nor the path give a generator. */
static void note_generator(const struct gic_writer *w,
			   const struct gic_result *r,
			   struct gic_ingest_stats *st)
{
	const struct gic_ingest_opts *o = w->opts;
	const char *label = o->label ? o->label : r->meta.label;
	const char *gen = entry_generator(o, &r->meta);

	if (label && !strcmp(label, "fake") && (!gen || !*gen) &&
	    !st->fakes_without_generator++)
		snprintf(st->fake_without_generator,
			 sizeof(st->fake_without_generator), "%s", r->path);
}

/* Counts paths that do not fit the layout the options force: a genimage
 * path without .../{train,val}/{ai,nature}/, an imagefolder one without a
 * label or class folder; not when --label gives what they lack.  Under
 * --layout auto, the entries left without a label (a folder of its own
 * in a GenImage tree, train/ai/extra/, is one). */
static void note_misfit(const struct gic_writer *w,
			const struct gic_result *r,
			struct gic_ingest_stats *st)
{
	const struct gic_path_meta *m = &r->meta;
	enum gic_layout l = w->opts->layout;

	if (!w->opts->label &&
	    ((l == GIC_LAYOUT_GENIMAGE && !m->label[0]) ||
	     (l == GIC_LAYOUT_IMAGEFOLDER && !m->label[0] &&
	      strcmp(m->class_source, "folder"))) && !st->misfits++)
		snprintf(st->misfit, sizeof(st->misfit), "%s", r->path);
	if (!w->opts->label && !m->label[0] && l == GIC_LAYOUT_AUTO &&
	    !st->unlabelled++)
		snprintf(st->unlabelled_first, sizeof(st->unlabelled_first),
			 "%s", r->path);
}

/* Counts files named as the other format (x.jpg holding a PNG): the
 * bytes say what an image is, and so does the catalog; a name that says
 * otherwise misleads what reads the name (a trainer's loader). */
static void note_misnamed(const struct gic_result *r,
			  struct gic_ingest_stats *st)
{
	const char *dot = strrchr(r->path, '.'), *f = r->info.format, *says;

	if (!dot || strchr(dot, '/') || !*f)
		return;
	says = !strcasecmp(dot, ".png") ? "png" : !strcasecmp(dot, ".jpg") ||
	       !strcasecmp(dot, ".jpeg") ? "jpeg" : f;
	if (strcmp(says, f) && !st->misnamed++)
		snprintf(st->misnamed_first, sizeof(st->misnamed_first),
			 "'%s': %s bytes", r->path, !strcmp(f, "png") ? "PNG" :
			 "JPEG");
}

/* Records r's file_id on the entry of r's dataset at path. */
static int set_file_id(struct gic_writer *w, const struct gic_result *r,
		       const char *path)
{
	sqlite3_stmt *s = w->upd_file_id;

	sqlite3_bind_text(s, 1, r->dataset, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, path, -1, SQLITE_STATIC);
	gic_bind_opt(s, 3, r->file_id);
	return gic_writer_step(w, s, "update entry");
}

/* 1 when r's file is already an entry of its dataset under another
 * spelling of r's path: the same content, read from the same file (see
 * gic_same_file), at a path that gic_same_tail relates.  Paths are kept as given,
 * so a tree ingested again from another directory would otherwise count
 * every image twice; a copy of a file is another file, and an entry.  The
 * entry found gets r's file_id when it had none. */
static int respelled(struct gic_writer *w, const struct gic_result *r,
		     struct gic_ingest_stats *st, char was[4096])
{
	sqlite3_stmt *s = w->sel_spelling;
	int rc, hit = 0, had_id = 1;

	sqlite3_bind_text(s, 1, r->hex, GIC_HEX_LEN, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, r->dataset, -1, SQLITE_STATIC);
	while (!hit && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *path = (const char *)sqlite3_column_text(s, 0);
		const char *id = (const char *)sqlite3_column_text(s, 1);
		if (!gic_same_tail(path, r->path) ||
		    !gic_same_file(r->file_id, path, id))
			continue;
		hit = 1;
		had_id = id != NULL;
		snprintf(was, 4096, "%s", path);
		if (!st->respelled++) {
			snprintf(st->respelled_was, sizeof(st->respelled_was),
				 "%s", path);
			snprintf(st->respelled_now, sizeof(st->respelled_now),
				 "%s", r->path);
		}
	}
	sqlite3_reset(s);
	if (!hit && rc != SQLITE_DONE)
		return gic_writer_fail(w, "look up entries");
	if (hit && !had_id && (rc = set_file_id(w, r, was)) < 0)
		return rc;
	return hit;
}

/* A class --val-labels gives, in m, an entry that has none (it was
 * ingested without the file): 1 when it was given. */
static int val_class(struct gic_writer *w, const char *dataset,
		     const char *path, const struct gic_path_meta *m)
{
	sqlite3_stmt *s = w->upd_val;
	int rc;

	if (w->opts->class_idx >= 0 || strcmp(m->class_source, "val_labels"))
		return 0;
	sqlite3_bind_text(s, 1, dataset, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, path, -1, SQLITE_STATIC);
	if (m->class_idx >= 0)
		sqlite3_bind_int(s, 3, m->class_idx);
	else
		sqlite3_bind_null(s, 3);
	gic_bind_opt(s, 4, m->wnid);
	if ((rc = gic_writer_step(w, s, "update entry")) < 0)
		return rc;
	return sqlite3_changes(w->cat->db) > 0;
}

/* The options' fields given to the entry (dataset, path): 1 when that
 * changed any. */
static int opts_fields(struct gic_writer *w, const char *dataset,
		       const char *path)
{
	const struct gic_ingest_opts *o = w->opts;
	sqlite3_stmt *s = w->upd_opts;
	char lic[1024];
	int rc;

	if (!o->generator && !o->label && !o->split && o->class_idx < 0 &&
	    !o->license)
		return 0;
	sqlite3_bind_text(s, 1, dataset, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, path, -1, SQLITE_STATIC);
	gic_bind_opt(s, 3, o->generator);
	gic_bind_opt(s, 4, o->label);
	gic_bind_opt(s, 5, o->split);
	if (o->class_idx >= 0)
		sqlite3_bind_int(s, 6, o->class_idx);
	else
		sqlite3_bind_null(s, 6);
	gic_bind_opt(s, 7, option_wnid(o));
	gic_bind_opt(s, 8, o->license ? gic_license_canon(o->license, lic,
							   sizeof(lic)) : NULL);
	gic_bind_opt(s, 9, class_source(w));
	if ((rc = gic_writer_step(w, s, "update entry")) < 0)
		return rc;
	return sqlite3_changes(w->cat->db) > 0;
}

int gic_writer_update(struct gic_writer *w, const char *dataset,
		      const char *path, const struct gic_path_meta *m,
		      struct gic_ingest_stats *st)
{
	int a, b = 0;

	if ((a = opts_fields(w, dataset, path)) < 0 ||
	    (m && (b = val_class(w, dataset, path, m)) < 0))
		return a < 0 ? a : b;
	st->updated += a || b;  /* a class and other fields: one update */
	return 0;
}

/* What a new entry's fields, read from its path and the options, lack
 * or say otherwise: noted in st. */
static void note_path(struct gic_writer *w, const struct gic_result *r,
		      struct gic_ingest_stats *st)
{
	note_class(w, r, st);
	note_generator(w, r, st);
	note_misfit(w, r, st);
	if (r->meta.val_unlabelled && w->opts->class_idx < 0 &&
	    !st->val_unlabelled++)
		snprintf(st->val_unlabelled_first,
			 sizeof(st->val_unlabelled_first), "%s", r->path);
	if (r->meta.class_unread && w->opts->class_idx < 0 &&
	    !st->odd_class_names++)
		snprintf(st->odd_class_name, sizeof(st->odd_class_name), "%s",
			 r->path);
	if (r->meta.disagree[0] && !st->disagreeing++)
		snprintf(st->disagree, sizeof(st->disagree), "'%s': %s", r->path,
			 r->meta.disagree);
}

/* 1 when r, of the same content as the entry at its path (of subset
 * was), is of another subset: noted in st, and the entry is left as it is.
 * GenImage's real photos recur across subsets, so a subset ingested from
 * inside its folder has paths another one ingested so has too. */
static int other_subset(const struct gic_result *r, const unsigned char *was,
			struct gic_ingest_stats *st)
{
	const char *now = r->meta.subset;

	if (!was || !*now || !strcmp((const char *)was, now))
		return 0;
	if (!st->other_subsets++) {
		snprintf(st->other_subset, sizeof(st->other_subset), "%s",
			 r->path);
		snprintf(st->other_subset_was, sizeof(st->other_subset_was),
			 "%s", (const char *)was);
		snprintf(st->other_subset_now, sizeof(st->other_subset_now),
			 "%s", now);
	}
	return 1;
}

/* r, a new entry of a dataset named by default (after the folder given),
 * when its file is an entry of another dataset already (ingested before
 * from another directory): noted in st, as one more dataset is rarely
 * what was meant. */
static int note_other_dataset(struct gic_writer *w, const struct gic_result *r,
			      struct gic_ingest_stats *st)
{
	sqlite3_stmt *s = w->sel_other_ds;
	int rc;

	if (w->opts->dataset)
		return 0;
	sqlite3_bind_text(s, 1, r->hex, GIC_HEX_LEN, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, r->file_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, r->dataset, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW && !st->other_datasets++) {
		snprintf(st->other_dataset_path, sizeof(st->other_dataset_path),
			 "%s", r->path);
		snprintf(st->other_dataset_was, sizeof(st->other_dataset_was),
			 "%s", (const char *)sqlite3_column_text(s, 0));
		snprintf(st->other_dataset_now, sizeof(st->other_dataset_now),
			 "%s", r->dataset);
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 :
		gic_writer_fail(w, "look up entries");
}

/* added: r's image row was inserted just now, so no entry can be r's file
 * under another spelling (one of this run would have inserted it). */
int gic_writer_entry(struct gic_writer *w, const struct gic_result *r,
		     int added, struct gic_ingest_stats *st)
{
	sqlite3_stmt *s = w->sel_entry;
	int rc, have = 0, same = 0, same_file = 0, classless = 0, other = 0;
	int clash = 0;
	char was[4096] = "";  /* GIC_MAX_PATH: the entry under another spelling */

	sqlite3_bind_text(s, 1, r->dataset, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, r->path, -1, SQLITE_STATIC);
	gic_bind_opt(s, 3, r->file_id);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		have = 1;
		same = !strcmp((const char *)sqlite3_column_text(s, 0), r->hex);
		same_file = sqlite3_column_int(s, 1);
		classless = sqlite3_column_int(s, 2);
		/* the entry was read from another file (device and inode) */
		other = !same_file && sqlite3_column_int(s, 3) && r->file_id[0];
		if (same && !same_file)
			clash = other_subset(r, sqlite3_column_text(s, 4), st);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return gic_writer_fail(w, "look up entry");
	if (!same && !have && !added && r->file_id[0] &&
	    (rc = respelled(w, r, st, was)) != 0) {
		if (rc < 0)
			return rc;
		same = same_file = classless = 1;  /* that entry's class: unread */
	}
	if (clash)
		return 0;
	if (same) {
		const char *path = *was ? was : r->path;

		st->present++;
		if ((rc = gic_writer_update(w, r->dataset, path, classless ?
					    &r->meta : NULL, st)) < 0)
			return rc;
		/* a file restored or copied back in place: remember it */
		return same_file ? 0 : set_file_id(w, r, r->path);
	}
	s = have ? w->upd_entry : w->ins_entry;
	bind_entry(w, s, r);
	if ((rc = gic_writer_step(w, s, have ? "update entry" : "insert entry")) < 0 ||
	    (have && ((rc = opts_fields(w, r->dataset, r->path)) < 0 ||
		      (classless && (rc = val_class(w, r->dataset, r->path,
						    &r->meta)) < 0))))
		return rc;
	if (!have)  /* a changed entry kept its fields: its path's are not */
		note_path(w, r, st);
	note_misnamed(r, st);  /* new and changed entries, not every re-run */
	if (!have && !added && r->file_id[0] &&
	    (rc = note_other_dataset(w, r, st)) < 0)
		return rc;
	if (have && other && !st->other_files++)
		snprintf(st->other_file, sizeof(st->other_file), "%s", r->path);
	if (have)
		st->changed++;
	else
		st->new_entries++;
	return 0;
}
