/*
 * export-moved.c - images that a split of a task puts in another set than
 * the last split of the same task did.  With group = near_duplicate an
 * added image that joins a cluster can move the whole cluster (its key is
 * the cluster's smallest sha256); a model trained on the earlier split has
 * then seen images of the new one's test sets.  Said before writing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "export-int.h"

/* An image of the new split: its set, and what the earlier split said. */
struct now {
	const char *sha;
	unsigned char set;       /* index in r->sets */
	unsigned char same;      /* the earlier split had it in this set */
	unsigned char seen;      /* ... had it in some set */
	unsigned char was;       /* ... that one (index, or 255: none now) */
};

static int by_sha(const void *a, const void *b)
{
	return strcmp(((const struct now *)a)->sha, ((const struct now *)b)->sha);
}

static int set_index(const struct gic_resolved *r, const char *name)
{
	for (int i = 0; i < r->nsets; i++)
		if (!strcmp(r->sets[i].def->name, name))
			return i;
	return 255;
}

/* Marks the items of sha with what the earlier split said of it. */
static void note(struct now *v, size_t n, const char *sha, int set)
{
	struct now key = { .sha = sha }, *hit = bsearch(&key, v, n, sizeof(*v),
							 by_sha);

	if (!hit)
		return;
	while (hit > v && !strcmp(hit[-1].sha, sha))
		hit--;
	for (; hit < v + n && !strcmp(hit->sha, sha); hit++) {
		hit->same |= hit->set == set;
		if (!hit->seen)
			hit->was = (unsigned char)set;
		hit->seen = 1;
	}
}

static int earlier(struct gic_catalog *c, const struct gic_resolved *r,
		   struct gic_moved *m)
{
	sqlite3_stmt *s;
	int rc;

	/* the last with image files recorded (webdataset shards and
	 * manifests record none) */
	if (sqlite3_prepare_v2(c->db, "SELECT id, out_dir FROM materializations "
			       "m WHERE task_hash = ? AND EXISTS (SELECT 1 FROM "
			       "materialized_files f WHERE f.materialization_id "
			       "= m.id AND f.image_sha256 IS NOT NULL) ORDER BY "
			       "id DESC LIMIT 1", -1, &s, NULL))
		return gic_db_fail(c->db, NULL);
	sqlite3_bind_text(s, 1, r->task_hash, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		m->earlier = sqlite3_column_int64(s, 0);
		snprintf(m->dir, sizeof(m->dir), "%s",
			 (const char *)sqlite3_column_text(s, 1));
	}
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 :
	       gic_db_fail(c->db, NULL);
}

int gic_export_moved(struct gic_catalog *c, const struct gic_resolved *r,
		     struct gic_moved *m)
{
	struct now *v = NULL;
	sqlite3_stmt *s = NULL;
	size_t n = 0, k = 0;
	int rc;

	memset(m, 0, sizeof(*m));
	if ((rc = earlier(c, r, m)) < 0 || !m->earlier)
		return rc;
	for (int i = 0; i < r->nsets; i++)
		n += r->sets[i].n;
	if (!(v = calloc(n ? n : 1, sizeof(*v))))
		return gic_seterr(GIC_ENOMEM, "out of memory");
	for (int i = 0; i < r->nsets; i++)
		for (size_t j = 0; j < r->sets[i].n; j++)
			v[k++] = (struct now){ .sha = r->sets[i].items[j].sha256,
					       .set = (unsigned char)i };
	qsort(v, n, sizeof(*v), by_sha);
	if (sqlite3_prepare_v2(c->db, "SELECT image_sha256, set_name FROM "
			       "materialized_files WHERE materialization_id = ? "
			       "AND image_sha256 IS NOT NULL AND set_name IS NOT "
			       "NULL", -1, &s, NULL))
		rc = gic_db_fail(c->db, NULL);
	else {
		sqlite3_bind_int64(s, 1, m->earlier);
		while ((rc = sqlite3_step(s)) == SQLITE_ROW)
			note(v, n, (const char *)sqlite3_column_text(s, 0),
			     set_index(r, (const char *)sqlite3_column_text(s, 1)));
		rc = rc == SQLITE_DONE ? 0 : gic_db_fail(c->db, NULL);
	}
	sqlite3_finalize(s);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (!v[i].seen || v[i].same)
			continue;
		if (!m->n++) {
			snprintf(m->first, sizeof(m->first), "%s", v[i].sha);
			snprintf(m->now, sizeof(m->now), "%s",
				 r->sets[v[i].set].def->name);
			snprintf(m->was, sizeof(m->was), "%s", v[i].was == 255 ?
				 "a set this task has no more" :
				 r->sets[v[i].was].def->name);
		}
	}
	free(v);
	return rc;
}
