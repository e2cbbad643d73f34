/*
 * eval-keys.c - which image a prediction row means.
 *
 * A sha256 key is looked up among the scored images (a prefix of at least
 * 16 hex digits, as in an export's file names, must be unique there).  A
 * path key is looked up among the scored images' own original paths (in
 * memory), then, with bound parameters only, among the files that exports
 * of the same task wrote (which also gives the set), then among every
 * entry's original path.  A path that is not found as written is tried
 * again without its leading components, so an absolute path into an
 * export, or a trainer's "OUT/test/adm/0_real/….png", is found too; and,
 * when that finds nothing, in its lexical form ("OUT//test/./…" as
 * "OUT/test/…"), and with backslashes as '/' (a trainer on Windows:
 * "D:\runs\test\adm\…").
 * A row naming the original of a degraded image, by its sha256 or its
 * path, is ignored with that reason: degraded sets are scored by the
 * derived images.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#include "eval-int.h"

/* What a lookup found (failures are negative GIC_E* codes). */
enum { NONE = 0, FOUND = 1, REPORTED = 2 };

struct keys {
	struct gic_catalog *c;
	struct gic_eval *e;
	const struct gic_eval_index *x;
	const struct gic_eval_opts *o;
	const char *file;
	int line;
	sqlite3_stmt *mat, *ent;
	int skip;                /* components stripped at the last match */
	int64_t other_mat;       /* the last path found: the export of
				    another task that wrote it, or 0 */
	char other_task[128];    /* that export's task name */
	int depth;               /* the most '/' a known path has (entries,
				    exports), or -1 until needed */
	const struct gic_eval_img **paths; /* scored images by original path */
	size_t npaths;
	const char **parents;    /* originals of degraded images, sorted */
	size_t nparents;
	uint64_t misses;         /* path keys found nowhere, so far */
	int named;               /* after NAMES_AFTER of them, names holds */
	uint64_t *names;         /* the hashes of every known path's last
				    component (entries, exports), sorted */
	size_t nnames;
};

/* The latest export that wrote the file at path: one of this task first
 * (its set is the row's), else of any task (a copy of the task file with
 * another description, say: the image must be one this task scores).
 * CROSS JOIN keeps the exports the outer loop, so the file is one search
 * of the primary key (materialization_id, path) per export: left to
 * itself, SQLite scanned every file every export wrote for each row
 * (25,000 rows by exported path, 155,000 files recorded: 6 minutes). */
#define SQL_MAT "SELECT f.image_sha256, iif(m.task_hash = ?1, f.set_name, " \
	"NULL), m.id, m.task_name, m.out_dir FROM materializations m CROSS JOIN " \
	"materialized_files f ON " \
	"f.materialization_id = m.id WHERE f.path = ?2 AND f.image_sha256 IS " \
	"NOT NULL ORDER BY m.task_hash = ?1 DESC, m.id DESC LIMIT 1"
__attribute__((format(printf, 3, 4)))
static int report(struct keys *k, enum gic_eval_problem kind,
		  const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (kind == GIC_EVAL_MALFORMED)
		k->e->malformed++;
	else
		k->e->unknown++;
	gic_eval_problem_at(k->o, kind, k->file, k->line, "%s", why);
	return 0;
}

static int cmp_img(const char *sha, int set, const struct gic_eval_img *b)
{
	int d = strcmp(sha, b->sha);
	return d ? d : (set > b->set) - (set < b->set);
}

const struct gic_eval_img *gic_eval_find(const struct gic_eval_index *x,
					 const char *sha, int set)
{
	size_t lo = 0, hi = x->n;

	while (lo < hi) {            /* first (sha, >= set) */
		size_t mid = lo + (hi - lo) / 2;
		if (cmp_img(sha, set, &x->v[mid]) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == x->n || strcmp(x->v[lo].sha, sha))
		return NULL;
	return set < 0 || x->v[lo].set == set ? &x->v[lo] : NULL;
}

/* The first i of [0, n) whose string at(k, i) is not below key: the
 * sorted arrays of keys (hashes, paths, originals) are searched alike. */
static size_t lower_bound(const struct keys *k, size_t n, const char *key,
			  const char *(*at)(const struct keys *, size_t))
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(at(k, mid), key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const char *sha_at(const struct keys *k, size_t i)
{
	return k->x->v[i].sha;
}

/* A full hash or a unique prefix (the reader checked its syntax). */
static int by_sha(struct keys *k, const char *key, char sha[GIC_HEX_LEN + 1])
{
	size_t len = strlen(key), lo = lower_bound(k, k->x->n, key, sha_at);

	if (lo == k->x->n || strncmp(k->x->v[lo].sha, key, len))
		return NONE;
	for (size_t i = lo + 1; i < k->x->n && !strncmp(k->x->v[i].sha, key, len);
	     i++)
		if (strcmp(k->x->v[i].sha, k->x->v[lo].sha))
			return report(k, GIC_EVAL_MALFORMED, "sha256 prefix '%s' "
				      "matches several images", key), REPORTED;
	memcpy(sha, k->x->v[lo].sha, GIC_HEX_LEN + 1);
	return FOUND;
}

static int by_item_path(const void *a, const void *b)
{
	return strcmp((*(const struct gic_eval_img *const *)a)->it->path,
		      (*(const struct gic_eval_img *const *)b)->it->path);
}

/* The scored images' own original paths, to find most original paths
 * without a query. */
static int index_paths(struct keys *k)
{
	if (!(k->paths = malloc((k->x->n ? k->x->n : 1) * sizeof(*k->paths))))
		return gic_seterr(GIC_ENOMEM, "out of memory");
	for (size_t i = 0; i < k->x->n; i++)
		if (k->x->v[i].it->path)
			k->paths[k->npaths++] = &k->x->v[i];
	qsort(k->paths, k->npaths, sizeof(*k->paths), by_item_path);
	return 0;
}

/* The image a scored image was derived from, or the image itself. */
static const char *origin(const struct gic_eval_img *m)
{
	return *m->it->parent ? m->it->parent : m->sha;
}

/*
 * p as a scored image's original path: 0 when it is none, 1 when it is
 * one image's, 2 when it names several (in different datasets).  The
 * images degraded from one original all carry its path: p then names that
 * original, scored where a set holds it undegraded and otherwise not (the
 * caller says so, as for its sha256).
 */
static const char *path_at(const struct keys *k, size_t i)
{
	return k->paths[i]->it->path;
}

static int item_path(const struct keys *k, const char *p,
		     char sha[GIC_HEX_LEN + 1])
{
	size_t lo = lower_bound(k, k->npaths, p, path_at);
	const char *found;

	if (lo == k->npaths || strcmp(k->paths[lo]->it->path, p))
		return 0;
	found = origin(k->paths[lo]);
	for (size_t i = lo + 1; i < k->npaths && !strcmp(k->paths[i]->it->path, p);
	     i++)
		if (strcmp(origin(k->paths[i]), found))
			return 2;
	memcpy(sha, found, GIC_HEX_LEN + 1);
	return 1;
}

/* The originals of the degraded images, to tell a row naming one why it
 * does not count. */
static int index_parents(struct keys *k)
{
	if (!(k->parents = malloc((k->x->n ? k->x->n : 1) * sizeof(*k->parents))))
		return gic_seterr(GIC_ENOMEM, "out of memory");
	for (size_t i = 0; i < k->x->n; i++)
		if (*k->x->v[i].it->parent)
			k->parents[k->nparents++] = k->x->v[i].it->parent;
	qsort(k->parents, k->nparents, sizeof(*k->parents), gic_strp_cmp);
	return 0;
}

/* Whether key, a hash or a prefix of one, names the original of a
 * degraded image. */
static const char *parent_at(const struct keys *k, size_t i)
{
	return k->parents[i];
}

static int is_original(const struct keys *k, const char *key)
{
	size_t lo = lower_bound(k, k->nparents, key, parent_at);

	return lo < k->nparents && !strncmp(k->parents[lo], key, strlen(key));
}

/* A row naming the original of a degraded image, which is not scored. */
static int original(struct keys *k, const char *kind, const char *key)
{
	k->e->originals++;
	return report(k, GIC_EVAL_UNKNOWN, "%s '%s' names the original of a "
		      "degraded image: degraded sets are scored by the derived "
		      "image's sha256 or exported path", kind, key);
}

static int prepare(struct keys *k)
{
	if (sqlite3_prepare_v2(k->c->db, SQL_MAT, -1, &k->mat, NULL) ||
	    sqlite3_prepare_v2(k->c->db, GIC_SQL_AT_PATH, -1, &k->ent,
			       NULL))
		return gic_db_fail(k->c->db, "eval");
	sqlite3_bind_text(k->mat, 1, k->e->r->task_hash, -1, SQLITE_STATIC);
	return 0;
}

/* Remembers the export of another task that a path was found in (row
 * s of SQL_MAT); its --out, until a row is reported as such
 * (other_task_file), goes where the verdict reads it. */
static void other_export(struct keys *k, sqlite3_stmt *s)
{
	k->other_mat = sqlite3_column_int64(s, 2);
	snprintf(k->other_task, sizeof(k->other_task), "%s",
		 (const char *)sqlite3_column_text(s, 3));
	if (!k->e->foreign)
		snprintf(k->e->foreign_out, sizeof(k->e->foreign_out), "%s",
			 (const char *)sqlite3_column_text(s, 4));
}

/* A path found only among the files of another task's export: the row is
 * for that task, most likely (predictions for the unbiased task given to
 * the cross-generator one). */
static int other_task_file(struct keys *k, const char *path)
{
	struct gic_eval *e = k->e;

	if (!e->foreign++) {
		e->foreign_mat = k->other_mat;
		snprintf(e->foreign_task, sizeof(e->foreign_task), "%s",
			 k->other_task);
	}
	return report(k, GIC_EVAL_UNKNOWN, "path '%s' is a file of %s's split%s "
		      "(materialization #%lld), and no image of the scored sets",
		      path, k->other_task, strcmp(k->other_task,
		      e->r->task->name) ? "" : " as the task was then",
		      (long long)k->other_mat);
}

/* Looks p up as a scored image's original path, as an export's file
 * (which fills set), then as any entry's original path. */
static int lookup(struct keys *k, const char *p, char sha[GIC_HEX_LEN + 1],
		  char *set, size_t setsize)
{
	sqlite3_stmt *s[2] = { k->mat, k->ent };
	int rc = 0, hits = item_path(k, p, sha);

	k->other_mat = 0;
	for (int q = 0; q < 2 && !hits && rc == 0; q++) {
		sqlite3_bind_text(s[q], q ? 1 : 2, p, -1, SQLITE_STATIC);
		while ((rc = sqlite3_step(s[q])) == SQLITE_ROW) {
			if (hits++ == 0)
				snprintf(sha, GIC_HEX_LEN + 1, "%s",
					 sqlite3_column_text(s[q], 0));
			if (!q && sqlite3_column_type(s[q], 1) == SQLITE_TEXT) {
				snprintf(set, setsize, "%s",
					 sqlite3_column_text(s[q], 1));
				if (!k->e->keyed_mat)
					k->e->keyed_mat =
						sqlite3_column_int64(s[q], 2);
			}
			else if (!q)
				other_export(k, s[q]);
		}
		sqlite3_reset(s[q]);
		rc = rc == SQLITE_DONE ? 0 : gic_db_fail(k->c->db, "eval");
	}
	if (hits > 1)
		return report(k, GIC_EVAL_MALFORMED, "path '%s' names several "
			      "images (in different datasets)", p), REPORTED;
	return rc < 0 ? rc : hits ? FOUND : NONE;
}

/* p without its first n components, or NULL when it has fewer. */
static const char *strip(const char *p, int n)
{
	while (n-- > 0) {
		const char *s = strchr(p, '/');
		if (!s)
			return NULL;
		p = s + 1;
	}
	return *p ? p : NULL;
}

/* No entry's or export's path is longer (ingest refuses such paths), nor
 * deeper than ingest walks: a row's path is tried without at most this
 * many leading components, so that a row of 80,000 '/' costs 64 look-ups,
 * not 80,000 (or, stripped anew each time, 3.2 billion steps). */
#define PATH_KEY_MAX 4095
#define PATH_KEY_STRIP 64

/* k->depth, found once: a key with more components than any known path
 * need not be looked up (a million unknown rows 40 deep took 8 minutes:
 * two queries for each of their 41 tails). */
static int known_depth(struct keys *k)
{
	uint64_t d = 0;
	int rc;

	if (k->depth >= 0)
		return 0;
	if ((rc = gic_db_count(k->c, "SELECT coalesce(max(length(path) - "
			       "length(replace(path, '/', ''))), 0) FROM (SELECT "
			       "path FROM entries UNION ALL SELECT path FROM "
			       "materialized_files)", &d)) < 0)
		return rc;
	k->depth = (int)d;
	return 0;
}

/* After this many path keys found nowhere (a trainer's own paths beside
 * their sha256, or another dataset's), the last components of all known
 * paths are read once: a key whose last component no known path has is
 * then none of them, without a query for each of its tails (200,000
 * rows of "/home/me/run/GEN/N.png" with their sha256 took 34 s). */
#define NAMES_AFTER 1000

static uint64_t name_hash(const char *path)
{
	const char *slash = strrchr(path, '/');

	return gic_fnv1a(slash ? slash + 1 : path);
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static int index_names(struct keys *k)
{
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc;

	if (sqlite3_prepare_v2(k->c->db, "SELECT path FROM entries UNION ALL "
			       "SELECT path FROM materialized_files", -1, &s,
			       NULL))
		return gic_db_fail(k->c->db, "eval");
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *p = (const char *)sqlite3_column_text(s, 0);

		if (gic_grow(&k->names, k->nnames, &cap, sizeof(*k->names),
			     4096) < 0) {
			sqlite3_finalize(s);
			return GIC_ENOMEM;
		}
		k->names[k->nnames++] = name_hash(p ? p : "");
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return gic_db_fail(k->c->db, "eval");
	if (k->nnames)
		qsort(k->names, k->nnames, sizeof(*k->names), u64_cmp);
	k->named = 1;
	return 0;
}

/* 0 when no known path ends as path does; 1 when one may (or not yet
 * known); < 0 on failure. */
static int name_known(struct keys *k, const char *path)
{
	uint64_t h;
	int rc;

	if (!k->named && k->misses < NAMES_AFTER)
		return 1;
	if (!k->named && (rc = index_names(k)) < 0)
		return rc;
	h = name_hash(path);
	return k->nnames && bsearch(&h, k->names, k->nnames,
				    sizeof(*k->names), u64_cmp) != NULL;
}

/* A path key: without as many leading components as the last match had
 * (a file of predictions is written one way), then as written (or with
 * no more components than the deepest known path), then without one
 * leading component after another. */
static int by_path_as(struct keys *k, const char *path,
		      char sha[GIC_HEX_LEN + 1], char *set, size_t setsize)
{
	const char *p;
	int rc, slashes = 0, first;

	if (strlen(path) > PATH_KEY_MAX)
		return NONE;
	if ((rc = name_known(k, path)) <= 0)
		return rc;
	if (k->skip && (p = strip(path, k->skip)) &&
	    (rc = lookup(k, p, sha, set, setsize)) != NONE)
		return rc;
	if ((rc = known_depth(k)) < 0)
		return rc;
	for (p = path; (p = strchr(p, '/')); p++)
		slashes++;
	first = slashes > k->depth ? slashes - k->depth : 0;
	p = first ? strip(path, first) : path;
	for (int n = first; p && *p && n <= first + PATH_KEY_STRIP; n++) {
		if ((n != k->skip || !n) &&
		    (rc = lookup(k, p, sha, set, setsize)) != NONE) {
			k->skip = n;
			return rc;
		}
		if ((p = strchr(p, '/')))
			p++;
	}
	k->misses++;
	return NONE;
}

/* p without its empty and "." components ("out//test/./a.png" is
 * "out/test/a.png", as open(2) reads it; a leading '/' is kept; ".." is
 * left, which a symbolic link would make mean another directory), in
 * buf of PATH_KEY_MAX + 1 (p is no longer). */
static const char *lexical(const char *p, char *buf)
{
	size_t n = 0;

	if (*p == '/')
		buf[n++] = '/';
	while (*p) {
		size_t len = strcspn(p, "/");

		if (len && !(len == 1 && *p == '.')) {
			if (n && buf[n - 1] != '/')
				buf[n++] = '/';
			memcpy(buf + n, p, len);
			n += len;
		}
		p += len + (p[len] == '/');
	}
	buf[n] = '\0';
	return buf;
}

/* A path key as written, else its lexical form, when that differs (a
 * trainer's "OUT//test/..." or "./test/..."; tried second, as a URL's
 * "//" is an entry's path as written), else, when it has backslashes,
 * with them as '/' (last: on Linux a backslash may be in a file name). */
static int by_path(struct keys *k, const char *path, char sha[GIC_HEX_LEN + 1],
		   char *set, size_t setsize)
{
	char buf[PATH_KEY_MAX + 1], slashed[PATH_KEY_MAX + 1];
	int rc = by_path_as(k, path, sha, set, setsize);

	if (rc != NONE || strlen(path) > PATH_KEY_MAX)
		return rc;
	if (strcmp(lexical(path, buf), path) &&
	    (rc = by_path_as(k, buf, sha, set, setsize)) != NONE)
		return rc;
	if (!strchr(path, '\\'))
		return rc;
	for (size_t i = 0, n = strlen(path); i <= n; i++)
		slashed[i] = path[i] == '\\' ? '/' : path[i];
	return by_path_as(k, lexical(slashed, buf), sha, set, setsize);
}

static int set_index(const struct gic_eval *e, const char *name)
{
	for (int i = 0; i < e->nsets; i++)
		if (!strcmp(e->sets[i].name, name))
			return i;
	return -1;
}

/* The set a row's set column names: the set's name ("test/adm") or its
 * section's ("adm" for [test adm]); 0, or a reported bad row. */
static int row_set(struct keys *k, const char *name, char *set, size_t n)
{
	char test[256], names[512] = "";
	const char *pick;
	size_t len = 0;

	snprintf(test, sizeof(test), "test/%s", name);
	pick = set_index(k->e, name) >= 0 ? name :
	       set_index(k->e, test) >= 0 ? test : NULL;
	if (pick) {
		snprintf(set, n, "%s", pick);
		return 0;
	}
	for (int i = 0; i < k->e->nsets && len < sizeof(names); i++)
		len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s",
					i ? ", " : "", k->e->sets[i].name);
	return report(k, GIC_EVAL_MALFORMED, "set '%s' is not a set this task "
		      "scores (%s)", name, names), REPORTED;
}

/* The file name of path (before its extension) when it is 16 to 64 hex
 * digits, as an export names an image's file, in lower case in buf;
 * else NULL. */
static const char *hex_name(const char *path, char buf[GIC_HEX_LEN + 1])
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strcspn(base, ".");
	if (n < 16 || n > GIC_HEX_LEN ||
	    strspn(base, "0123456789abcdefABCDEF") < n)
		return NULL;
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)(base[i] | 0x20);  /* digits keep theirs */
	buf[n] = '\0';
	return buf;
}

/*
 * A path whose file name is a hash prefix, as an export names an image's
 * file: NONE when it begins sha (that image, wherever the file was copied
 * to, found without a lookup of each tail of the path: 1,000,000 rows of
 * a copied export took 121 s, not 5); FOUND, other filled, when it begins
 * another scored image's hash (a copied export's file, on the row of
 * another image); -1 when it is no such name.
 */
static int named_by(const struct keys *k, const char *path, const char *sha,
		    char other[GIC_HEX_LEN + 1])
{
	char buf[GIC_HEX_LEN + 1];
	const char *name = hex_name(path, buf);
	size_t len, lo;

	if (!name)
		return -1;
	len = strlen(name);
	if (!strncmp(name, sha, len))
		return NONE;
	lo = lower_bound(k, k->x->n, name, sha_at);
	if (lo == k->x->n || strncmp(k->x->v[lo].sha, name, len))
		return -1;
	memcpy(other, k->x->v[lo].sha, GIC_HEX_LEN + 1);
	return FOUND;
}

/* Whether other is the original the scored image sha was derived from:
 * a manifest row of a degraded set has the derived image's sha256 and
 * its original's path, which is found as the original.  Each (sha, set)
 * is checked, as one derived image may be that of two originals. */
static int derived_from(const struct keys *k, const char *sha,
			const char *other)
{
	const struct gic_eval_img *m = gic_eval_find(k->x, sha, -1);

	for (; m && m < k->x->v + k->x->n && !strcmp(m->sha, sha); m++)
		if (*m->it->parent && !strcmp(m->it->parent, other))
			return 1;
	return 0;
}

/* A row keyed by sha256 whose path names another image of the task. */
static int same_image(struct keys *k, const struct gic_pred *p,
		      const char *sha)
{
	char other[GIC_HEX_LEN + 1], set[256];
	int rc = named_by(k, p->path, sha, other);

	if (rc < 0)
		rc = by_path(k, p->path, other, set, sizeof(set));

	if (rc != FOUND || !strcmp(other, sha) || derived_from(k, sha, other))
		return rc < 0 ? rc : 0;  /* a path of the trainer's own: fine */
	return report(k, GIC_EVAL_MALFORMED, "sha256 '%s' and path '%s' name "
		      "different images (the path is %.16s)", p->key, p->path,
		      other), REPORTED;
}

/* Resolves one row into h: 1 resolved, 0 reported, < 0 failure. */
static int resolve(struct keys *k, const struct gic_pred *p, struct gic_hit *h)
{
	const char *kind = p->kind == GIC_KEY_SHA256 ? "sha256" : "path";
	char set[256] = "", named[256];
	int rc = p->kind == GIC_KEY_SHA256 ? by_sha(k, p->key, h->sha) :
		 by_path(k, p->key, h->sha, set, sizeof(set));

	if (rc < 0 || rc == REPORTED)
		return rc < 0 ? rc : 0;
	if (rc == FOUND && p->path) {
		int same = same_image(k, p, h->sha);

		if (same != 0)
			return same < 0 ? same : 0;
	}
	if (rc == NONE && p->kind == GIC_KEY_SHA256 && is_original(k, p->key))
		return original(k, kind, p->key);
	if (rc == NONE && p->kind == GIC_KEY_SHA256)
		return report(k, GIC_EVAL_UNKNOWN, "sha256 '%s' is no image of "
			      "the scored sets", p->key);
	/* "" is no image's hash: any scored image the name begins is found */
	if (rc == NONE && named_by(k, p->key, "", named) == FOUND) {
		k->e->unrooted++;  /* "adm/0_real/5c25….jpg", of test/ */
		return report(k, GIC_EVAL_UNKNOWN, "path '%s' is no file an "
			      "export of this task wrote nor an entry's path, "
			      "though its name begins the sha256 of the task's "
			      "image %.16s: an exported path is relative to "
			      "--out (test/NAME/...), or absolute", p->key,
			      named);
	}
	if (rc == NONE)  /* maybe a file of another task's export */
		return report(k, GIC_EVAL_UNKNOWN, "path '%s' is neither a file "
			      "an export of this task wrote nor an entry's "
			      "path", p->key);
	if (p->set && (rc = row_set(k, p->set, named, sizeof(named))) != 0)
		return rc < 0 ? rc : 0;
	if (p->set && *set && strcmp(named, set))
		return report(k, GIC_EVAL_MALFORMED, "set '%s', but '%s' is in "
			      "set '%s'", p->set, p->key, set);
	if (p->set)
		snprintf(set, sizeof(set), "%s", named);
	h->set = *set ? set_index(k->e, set) : -1;
	h->score = p->score;
	h->hard = p->hard;
	h->line = p->line;
	if (*set && h->set < 0)
		return report(k, GIC_EVAL_UNKNOWN, "'%s' is in set '%s', which is "
			      "not scored", p->key, set);
	if (gic_eval_find(k->x, h->sha, h->set))
		return 1;
	if (is_original(k, h->sha))
		return original(k, kind, p->key);
	if (p->kind == GIC_KEY_SHA256)
		return report(k, GIC_EVAL_UNKNOWN, "%s is no image of %s", h->sha,
			      h->set < 0 ? "the scored sets" : set);
	if (k->other_mat)  /* set by the lookup of this path */
		return other_task_file(k, p->key);
	return report(k, GIC_EVAL_UNKNOWN, "path '%s' is no image of %s",
		      p->key, h->set < 0 ? "the scored sets" : set);
}

int gic_eval_resolve(struct gic_catalog *c, struct gic_eval *e,
		     const struct gic_eval_index *x, const struct gic_preds *p,
		     const char *file, const struct gic_eval_opts *o,
		     struct gic_hit **hits, size_t *nhits)
{
	struct keys k = { .c = c, .e = e, .x = x, .o = o, .file = file,
			  .depth = -1 };
	int rc, began;

	*nhits = 0;
	if (!(*hits = malloc((p->n ? p->n : 1) * sizeof(**hits))))
		return gic_seterr(GIC_ENOMEM, "out of memory");
	if ((rc = began = gic_read_begin(c)) < 0 || (rc = prepare(&k)) < 0 ||
	    (rc = index_paths(&k)) < 0 ||
	    (rc = index_parents(&k)) < 0)
		goto out;
	for (size_t i = 0; i < p->n && rc >= 0; i++) {
		k.line = p->v[i].line;
		if ((rc = resolve(&k, &p->v[i], &(*hits)[*nhits])) > 0)
			(*nhits)++;
	}
out:
	sqlite3_finalize(k.mat);
	sqlite3_finalize(k.ent);
	gic_read_end(c, began);
	free(k.paths);
	free(k.parents);
	free(k.names);
	return rc < 0 ? rc : 0;
}
