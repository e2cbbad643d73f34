/*
 * task-derive.c - the degraded sets of a task: each item replaced by its
 * derived image (degrade = OPS in the set's section).
 *
 * Lookups and records go through the catalog on the calling thread; the
 * work in between (read the original, decode, transform, encode, probe) runs
 * on `jobs` threads, a batch at a time so memory stays bounded.  Derived
 * bytes do not depend on the thread that made them, so neither does any
 * export.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "degrade.h"
#include "forkjoin.h"
#include "task.h"

#define BATCH_PER_JOB 32

struct job {
	struct gic_item *it;
	const struct gic_ops *ops;
	char *path;                 /* where the original's bytes are */
	unsigned char *out;         /* derived bytes */
	size_t outlen;
	struct gic_image_info info;
	int rc;
	char err[256];
};

struct batch {
	struct job *v;
	size_t n;
	atomic_size_t next;
};

static void run_job(struct job *j)
{
	unsigned char *in = NULL;
	size_t len;

	j->rc = gic_read_verified(j->path, j->it->sha256, j->it->bytes, &in,
				  &len);
	if (j->rc == 0)
		j->rc = gic_degrade_bytes(in, len, j->ops, &j->out, &j->outlen);
	if (j->rc == 0)
		j->rc = gic_probe(j->out, j->outlen, NULL, &j->info);
	if (j->rc < 0)
		snprintf(j->err, sizeof(j->err), "%s", gic_errmsg());
	free(in);
}

static void worker(void *arg, int thread)
{
	struct batch *b = arg;

	(void)thread;
	for (size_t i; (i = atomic_fetch_add(&b->next, 1)) < b->n; )
		run_job(&b->v[i]);
}

static void compute(struct batch *b, int jobs)
{
	atomic_store(&b->next, 0);
	gic_fork_join(jobs, worker, b);
}

/* Switches the item over to its derived image, of size bytes. */
static int adopt(struct gic_item *it, const struct gic_ops *ops,
		 const char *hex, uint64_t bytes)
{
	const char *fmt = ops->op[ops->n - 1].kind == GIC_OP_JPEG ? "jpeg" : "png";

	snprintf(it->parent, sizeof(it->parent), "%s", it->sha256);
	snprintf(it->sha256, sizeof(it->sha256), "%s", hex);
	snprintf(it->format, sizeof(it->format), "%s", fmt);
	it->bytes = bytes;
	free(it->ops);
	return (it->ops = strdup(ops->canon)) ? 0 :
	       gic_seterr(GIC_ENOMEM, "out of memory");
}

/* Records a computed batch in one transaction, objects synced first. */
static int store(struct gic_catalog *c, struct batch *b, uint64_t *computed)
{
	char hex[GIC_HEX_LEN + 1];
	int rc = 0;

	if (sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL))
		return gic_db_fail(c->db, "derive");
	for (size_t i = 0; i < b->n && rc == 0; i++) {
		struct job *j = &b->v[i];
		if (j->rc < 0) {
			rc = gic_seterr(j->rc, "cannot degrade %s (%s) with %s: %s",
					j->it->sha256, j->it->path ? j->it->path : "-",
					j->ops->canon, j->err);
			break;
		}
		rc = gic_derive_store(c, j->it->sha256, j->ops, j->out, j->outlen,
				      &j->info, hex);
		if (rc == 0)
			rc = adopt(j->it, j->ops, hex, j->outlen);
		(*computed)++;
	}
	if (rc == 0)
		rc = c->odb->be->sync(c->odb);
	if (rc == 0 && sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL))
		rc = gic_db_fail(c->db, "derive");
	if (rc < 0)
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

static void clear(struct batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		free(b->v[i].path);
		free(b->v[i].out);
		gic_image_info_release(&b->v[i].info);
		memset(&b->v[i], 0, sizeof(b->v[i]));
	}
	b->n = 0;
}

/* The chain for an item of set s, or NULL when it stays as it is. */
static const struct gic_ops *chain_for(const struct gic_item *it,
				       const struct gic_ops ops[GIC_DEGRADE_KEYS])
{
	if (!strcmp(it->label, "real") && ops[GIC_DEGRADE_REAL].n)
		return &ops[GIC_DEGRADE_REAL];
	if (!strcmp(it->label, "fake") && ops[GIC_DEGRADE_FAKE].n)
		return &ops[GIC_DEGRADE_FAKE];
	return ops[GIC_DEGRADE_ALL].n ? &ops[GIC_DEGRADE_ALL] : NULL;
}

static int parse_chains(const struct gic_task *t, const struct gic_task_set *d,
			struct gic_ops ops[GIC_DEGRADE_KEYS])
{
	memset(ops, 0, GIC_DEGRADE_KEYS * sizeof(*ops));
	for (int k = 0; k < GIC_DEGRADE_KEYS; k++)
		if (d->degrade[k] && gic_ops_parse(d->degrade[k], &ops[k]) < 0) {
			char why[300];
			snprintf(why, sizeof(why), "%s", gic_errmsg());
			return gic_seterr(GIC_EUSAGE, "%s:%d: set '%s': %s", t->path,
					  d->line, d->name, why);
		}
	return 0;
}

/* By image, then by original: the same order on every run. */
static int cmp_sha(const void *a, const void *b)
{
	const struct gic_item *x = a, *y = b;
	int c = strcmp(x->sha256, y->sha256);

	return c ? c : strcmp(x->parent, y->parent);
}

/* Adds original sha to the item keep stands for. */
static int add_merged(struct gic_item *keep, const char *sha)
{
	char (*m)[GIC_HEX_LEN + 1] = realloc(keep->merged, (keep->nmerged + 1) *
						sizeof(*m));

	if (!m)
		return gic_seterr(GIC_ENOMEM, "out of memory");
	memcpy(m[keep->nmerged++], sha, sizeof(*m));
	keep->merged = m;
	return 0;
}

/* Keeps once an image that several originals degrade to (two that
 * differed only in metadata, say), as the first original's item, which
 * names the others (each may be a training image: leak checks need all). */
static int merge_same(struct gic_resolved_set *s)
{
	size_t o = 0;
	int rc = 0;

	for (size_t i = 0; i < s->n; i++) {
		struct gic_item *it = &s->items[i];
		struct gic_item *keep = o ? &s->items[o - 1] : NULL;

		if (rc || !keep || strcmp(keep->sha256, it->sha256)) {
			s->items[o++] = *it;
			continue;
		}
		rc = add_merged(keep, it->parent);
		keep->merged_conflict |= strcmp(keep->label, it->label) != 0;
		s->nreal -= !strcmp(it->label, "real");
		s->nfake -= !strcmp(it->label, "fake");
		gic_item_release(it);
	}
	s->n = o;
	return rc;
}

static int derive_set(struct gic_catalog *c, const struct gic_task *t,
		      struct gic_resolved_set *s, struct batch *b, size_t cap,
		      int jobs, uint64_t *computed, uint64_t *reused)
{
	struct gic_ops ops[GIC_DEGRADE_KEYS];
	char hex[GIC_HEX_LEN + 1], what[96];
	uint64_t bytes = 0;
	int rc;

	if ((rc = parse_chains(t, s->def, ops)) < 0)
		return rc;
	snprintf(what, sizeof(what), "degrade %.80s", s->def->name);
	for (size_t i = 0; i < s->n && rc == 0; i++) {
		struct gic_item *it = &s->items[i];
		const struct gic_ops *o = chain_for(it, ops);

		gic_progress(c, what, i, s->n);
		if (!o)
			continue;
		if ((rc = gic_derive_lookup(c, it->sha256, o, hex, &bytes)) == 0) {
			(*reused)++;
			rc = adopt(it, o, hex, bytes);
			continue;
		}
		if (rc != GIC_ENOTFOUND)
			return rc;
		b->v[b->n] = (struct job){ .it = it, .ops = o };
		if ((rc = gic_image_path(c, it->sha256, &b->v[b->n++].path)) < 0)
			break;
		if (b->n == cap || i + 1 == s->n) {
			compute(b, jobs);
			rc = store(c, b, computed);
			clear(b);
		}
	}
	if (rc == 0 && b->n) { /* the last items needed no work after these */
		compute(b, jobs);
		rc = store(c, b, computed);
	}
	clear(b);
	if (s->n)
		qsort(s->items, s->n, sizeof(*s->items), cmp_sha);
	if (rc == 0)
		rc = merge_same(s);
	return rc;
}

/* The images of set s that do not fit their chain: 0, or GIC_EUSAGE. */
static int set_fits(const struct gic_task *t, const struct gic_resolved_set *s,
		    sqlite3_stmt *q)
{
	struct gic_ops ops[GIC_DEGRADE_KEYS];
	char first[400] = "";
	size_t bad = 0, degraded = 0;
	int rc;

	if ((rc = parse_chains(t, s->def, ops)) < 0)
		return rc;
	for (size_t i = 0; i < s->n; i++) {
		const struct gic_item *it = &s->items[i];
		const char *sha = it->parent[0] ? it->parent : it->sha256;
		const struct gic_ops *o = chain_for(it, ops);
		uint32_t w, h;

		if (!o)
			continue;
		degraded++;
		sqlite3_bind_text(q, 1, sha, -1, SQLITE_STATIC);
		rc = sqlite3_step(q);
		w = (uint32_t)sqlite3_column_int64(q, 0);
		h = (uint32_t)sqlite3_column_int64(q, 1);
		sqlite3_reset(q);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return gic_seterr(GIC_EDB, "look up images: %s",
					  sqlite3_errstr(rc));
		if (rc != SQLITE_ROW || gic_ops_fit(o, w, h) == 0)
			continue;
		if (!bad++)
			snprintf(first, sizeof(first), "%.12s, %ux%u: %s", sha, w,
				 h, gic_errmsg());
	}
	if (!bad)
		return 0;
	return gic_seterr(GIC_EUSAGE, "%s:%d: set '%s': %zu of %zu images do "
			  "not fit its degrade chain (the first, %s)", t->path,
			  s->def->line, s->def->name, bad, degraded, first);
}

int gic_task_check_fit(struct gic_catalog *c, struct gic_resolved *r)
{
	sqlite3_stmt *q;
	int began, rc;

	if (r->fits)
		return 0;
	if (sqlite3_prepare_v2(c->db, "SELECT width, height FROM images WHERE "
			       "sha256 = ?", -1, &q, NULL))
		return gic_db_fail(c->db, "look up images");
	rc = (began = gic_read_begin(c)) < 0 ? began : 0;
	for (int i = 0; i < r->nsets && rc == 0; i++)
		rc = set_fits(r->task, &r->sets[i], q);
	sqlite3_finalize(q);
	gic_read_end(c, began);
	r->fits = rc == 0;
	return rc;
}

int gic_task_derive(struct gic_catalog *c, struct gic_resolved *r, int jobs,
		    uint64_t *computed, uint64_t *reused)
{
	size_t cap = (size_t)(jobs > 0 ? jobs : 1) * BATCH_PER_JOB;
	struct batch b = { .v = NULL };
	int rc = 0;

	*computed = *reused = 0;
	if ((rc = gic_task_check_fit(c, r)) < 0)
		return rc;
	if (!(b.v = calloc(cap, sizeof(struct job))))
		return gic_seterr(GIC_ENOMEM, "out of memory");
	for (int i = 0; i < r->nsets && rc == 0; i++) {
		const struct gic_task_set *d = r->sets[i].def;
		int degraded = 0;

		for (int k = 0; k < GIC_DEGRADE_KEYS; k++)
			degraded |= d->degrade[k] != NULL;
		if (degraded)
			rc = derive_set(c, r->task, &r->sets[i], &b, cap,
					jobs > 0 ? jobs : 1, computed, reused);
	}
	free(b.v);
	return rc;
}

int gic_task_derived_known(struct gic_catalog *c, const struct gic_task *t,
			   const struct gic_resolved_set *s,
			   char (*known)[GIC_HEX_LEN + 1])
{
	struct gic_ops ops[GIC_DEGRADE_KEYS];
	sqlite3_stmt *q;
	int began, rc;

	for (size_t i = 0; i < s->n; i++)
		known[i][0] = '\0';
	if ((rc = parse_chains(t, s->def, ops)) < 0)
		return rc;
	if (sqlite3_prepare_v2(c->db, "SELECT d.derived FROM derivations d "
			       "JOIN images i ON i.sha256 = d.derived WHERE "
			       "d.parent = ? AND d.ops = ? AND d.codec = ?", -1,
			       &q, NULL))
		return gic_db_fail(c->db, "look up derivations");
	sqlite3_bind_text(q, 3, gic_degrade_codec(), -1, SQLITE_STATIC);
	rc = (began = gic_read_begin(c)) < 0 ? began : 0;
	for (size_t i = 0; i < s->n && rc == 0; i++) {
		const struct gic_ops *o = chain_for(&s->items[i], ops);

		if (!o || s->items[i].parent[0])
			continue;
		sqlite3_bind_text(q, 1, s->items[i].sha256, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, o->canon, -1, SQLITE_STATIC);
		if ((rc = sqlite3_step(q)) == SQLITE_ROW)
			snprintf(known[i], GIC_HEX_LEN + 1, "%s",
				 (const char *)sqlite3_column_text(q, 0));
		rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 :
		     gic_seterr(GIC_EDB, "look up derivations: %s",
				sqlite3_errstr(rc));
		sqlite3_reset(q);
	}
	sqlite3_finalize(q);
	gic_read_end(c, began);
	return rc;
}
