/*
 * export-check.c - `split --check DIR`: does an output directory still hold
 * exactly what was exported?  The expected files come from the catalog's
 * record of the latest materialization into DIR, or, for a directory the
 * catalog never wrote (copied from another machine), from its own
 * MANIFEST.sha256.  Every file is re-hashed; missing, changed and extra
 * files are each reported.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "catalog.h"

struct expect {
	char *path;
	char sha[GIC_HEX_LEN + 1];
};

struct list {
	struct expect *v;
	size_t n, cap;
};

static int push(struct list *l, const char *path, const char *sha)
{
	if (gic_grow(&l->v, l->n, &l->cap, sizeof(*l->v), 1024))
		return GIC_ENOMEM;
	if (!(l->v[l->n].path = strdup(path)))
		return gic_seterr(GIC_ENOMEM, "out of memory");
	snprintf(l->v[l->n].sha, sizeof(l->v[0].sha), "%s", sha ? sha : "");
	l->n++;
	return 0;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct expect *)a)->path,
		      ((const struct expect *)b)->path);
}

/* From the catalog: 1 when a record was found. */
static int from_catalog(struct gic_catalog *c, const char *dir,
			struct list *l)
{
	sqlite3_stmt *s;
	int found = 0;

	if (sqlite3_prepare_v2(c->db, "SELECT path, sha256 FROM materialized_files"
			       " WHERE materialization_id = (SELECT max(id) FROM "
			       "materializations WHERE out_dir = ?)", -1, &s, NULL))
		return gic_seterr(GIC_EDB, "%s", sqlite3_errmsg(c->db));
	sqlite3_bind_text(s, 1, dir, -1, SQLITE_STATIC);
	while (sqlite3_step(s) == SQLITE_ROW) {
		found = 1;
		if (push(l, (const char *)sqlite3_column_text(s, 0),
			 (const char *)sqlite3_column_text(s, 1)) < 0)
			break;
	}
	sqlite3_finalize(s);
	return found;
}

/* From DIR/MANIFEST.sha256 ("<sha256>  <path>" lines). */
static int from_manifest(const char *dir, struct list *l)
{
	char path[PATH_MAX], line[PATH_MAX + 80];
	FILE *f;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/MANIFEST.sha256", dir);
	if (!(f = fopen(path, "r")))
		return gic_seterr(GIC_ENOTFOUND, "'%s' was not exported by this "
				  "catalog and has no MANIFEST.sha256", dir);
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (strlen(line) < GIC_HEX_LEN + 3 || line[GIC_HEX_LEN] != ' ')
			continue;
		line[GIC_HEX_LEN] = '\0';
		rc = push(l, line + GIC_HEX_LEN + 2, line);
	}
	fclose(f);
	return rc < 0 ? rc : push(l, "MANIFEST.sha256", NULL);
}

/* Every non-directory below dir, as paths relative to root. */
static int walk(const char *root, const char *rel, struct list *l, int depth)
{
	char path[PATH_MAX], sub[PATH_MAX];
	struct dirent *e;
	DIR *d;
	int rc = 0;

	snprintf(path, sizeof(path), "%s%s%s", root, *rel ? "/" : "", rel);
	if (depth > 32 || !(d = opendir(path)))
		return gic_seterr(GIC_EIO, "'%s': %s", path, strerror(errno));
	while (rc == 0 && (e = readdir(d))) {
		struct stat st;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", e->d_name);
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISDIR(st.st_mode))
			rc = walk(root, sub, l, depth + 1);
		else
			rc = push(l, sub, NULL);
	}
	closedir(d);
	return rc;
}

static void compare(const char *dir, struct list *want, struct list *have,
		    void (*on_drift)(void *, const char *, const char *),
		    void *arg, uint64_t *checked, uint64_t *drifts)
{
	size_t i = 0, j = 0;
	char path[PATH_MAX], got[GIC_HEX_LEN + 1], why[128];

	while (i < want->n || j < have->n) {
		int c = i == want->n ? 1 : j == have->n ? -1 :
			strcmp(want->v[i].path, have->v[j].path);
		if (c < 0) {
			on_drift(arg, want->v[i++].path, "missing");
			(*drifts)++;
			continue;
		}
		if (c > 0) {
			on_drift(arg, have->v[j++].path, "not part of the export");
			(*drifts)++;
			continue;
		}
		(*checked)++;
		snprintf(path, sizeof(path), "%s/%s", dir, want->v[i].path);
		if (want->v[i].sha[0] && gic_sha256_file(path, got) < 0) {
			on_drift(arg, want->v[i].path, gic_errmsg());
			(*drifts)++;
		} else if (want->v[i].sha[0] && strcmp(got, want->v[i].sha)) {
			snprintf(why, sizeof(why), "changed (sha256 %.16s..., "
				 "expected %.16s...)", got, want->v[i].sha);
			on_drift(arg, want->v[i].path, why);
			(*drifts)++;
		}
		i++, j++;
	}
}

static void release(struct list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].path);
	free(l->v);
}

int gic_export_check(struct gic_catalog *c, const char *dir,
		     void (*on_drift)(void *arg, const char *path,
				      const char *why),
		     void *arg, uint64_t *checked, uint64_t *drifts)
{
	struct list want = { 0 }, have = { 0 };
	char *abs = realpath(dir, NULL);
	int rc;

	*checked = *drifts = 0;
	if (!abs)
		return gic_seterr(GIC_ENOTFOUND, "'%s': %s", dir, strerror(errno));
	rc = c ? from_catalog(c, abs, &want) : 0;
	if (rc == 0)
		rc = from_manifest(abs, &want);
	if (rc >= 0)
		rc = walk(abs, "", &have, 0);
	if (rc >= 0) {
		if (want.n)
			qsort(want.v, want.n, sizeof(*want.v), by_path);
		if (have.n)
			qsort(have.v, have.n, sizeof(*have.v), by_path);
		compare(abs, &want, &have, on_drift, arg, checked, drifts);
		rc = 0;
	}
	release(&want);
	release(&have);
	free(abs);
	return rc;
}
