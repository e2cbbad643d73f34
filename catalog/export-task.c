/*
 * export-task.c - which task wrote an export directory (the catalog's
 * record, else the hash its task.ini opens with), and whether each set of
 * it still holds the images the task takes now: `split TASK --out DIR
 * --check`.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "export-int.h"

/* The task hash and name of the catalog's latest record of dir
 * (absolute): 1 when there is one. */
static int recorded_hash(struct gic_catalog *c, const char *dir,
			 char hex[GIC_HEX_LEN + 1], char *name, size_t size)
{
	sqlite3_stmt *s;
	int found = 0, rc = gic_export_dir_query(c, "SELECT task_hash, "
						  "task_name FROM "
						  "materializations WHERE id = "
						  GIC_EXPORT_LATEST, dir, &s);

	if (rc < 0)
		return rc;
	if (sqlite3_step(s) == SQLITE_ROW) {
		const unsigned char *n = sqlite3_column_text(s, 1);

		snprintf(hex, GIC_HEX_LEN + 1, "%s",
			 (const char *)sqlite3_column_text(s, 0));
		snprintf(name, size, "%s", n ? (const char *)n : "");
		found = 1;
	}
	sqlite3_finalize(s);
	return found;
}

int gic_export_task_ini_hash(int dfd, char hex[GIC_HEX_LEN + 1])
{
	char line[256];
	size_t head = strlen(GIC_TASK_INI_HEAD);
	int fd = openat(dfd, "task.ini", O_RDONLY | O_NONBLOCK | O_CLOEXEC),
	    found = 0;
	FILE *f = fd < 0 ? NULL : fdopen(fd, "r");

	if (!f) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	if (fgets(line, sizeof(line), f) && !strncmp(line, GIC_TASK_INI_HEAD, head)
	    && strspn(line + head, "0123456789abcdef") == GIC_HEX_LEN) {
		memcpy(hex, line + head, GIC_HEX_LEN);
		hex[GIC_HEX_LEN] = '\0';
		found = 1;
	}
	fclose(f);
	return found;
}

/* The name task.ini (in dfd) gives its task, if any: the first line
 * "name = X", which is in [task], the first section written. */
static void task_ini_name(int dfd, char *name, size_t size)
{
	int fd = openat(dfd, "task.ini", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "r");
	char line[512];

	if (!f && fd >= 0)
		close(fd);
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "name = ", 7)) {
			snprintf(name, size, "%.*s", (int)strcspn(line + 7,
								  "\r\n"),
				 line + 7);
			break;
		}
	if (f)
		fclose(f);
}

int gic_export_task_hash(struct gic_catalog *c, const char *dir,
			 char hex[GIC_HEX_LEN + 1], char *name, size_t size)
{
	char *abs = realpath(dir, NULL);
	int rc, dfd;

	*name = '\0';
	if (!abs)
		return gic_seterr(GIC_ENOTFOUND, "%s", strerror(errno));
	rc = c ? recorded_hash(c, abs, hex, name, size) : 0;
	if (rc == 0 && (dfd = open(abs, O_RDONLY | O_DIRECTORY |
				   O_CLOEXEC)) >= 0) {
		if ((rc = gic_export_task_ini_hash(dfd, hex)) == 1)
			task_ini_name(dfd, name, size);
		close(dfd);
	}
	free(abs);
	if (rc == 0)
		rc = gic_seterr(GIC_ENOTFOUND, "neither the catalog nor its "
				"task.ini says which task wrote it");
	return rc < 0 ? rc : 0;
}

/* A set's images as dir's latest export recorded them (files with an
 * image_sha256), sorted: how many, or a negative code. */
static long recorded_images(struct gic_catalog *c, const char *abs,
			    const char *set, char (**v)[GIC_HEX_LEN + 1])
{
	sqlite3_stmt *s;
	size_t n = 0, cap = 0;
	int rc, err = 0;

	*v = NULL;
	if ((rc = gic_export_dir_query(c, "SELECT DISTINCT image_sha256 FROM "
				       "materialized_files WHERE "
				       "materialization_id = " GIC_EXPORT_LATEST
				       " AND set_name = ?2 AND image_sha256 IS "
				       "NOT NULL ORDER BY 1", abs, &s)) < 0)
		return rc;
	sqlite3_bind_text(s, 2, set, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((err = gic_grow(v, n, &cap, sizeof(**v), 256)) < 0)
			break;
		snprintf((*v)[n++], GIC_HEX_LEN + 1, "%s",
			 (const char *)sqlite3_column_text(s, 0));
	}
	if (rc != SQLITE_DONE && err == 0)  /* else out of memory, said */
		err = gic_seterr(GIC_EDB, "read the export's records: %s",
				 sqlite3_errmsg(c->db));
	sqlite3_finalize(s);
	if (err < 0) {
		free(*v);
		*v = NULL;
		return err;
	}
	return (long)n;
}

/* Whether dir's latest export records a file per image (imagefolder,
 * genimage, hf; not webdataset shards nor manifest lists). */
static int records_images(struct gic_catalog *c, const char *abs)
{
	sqlite3_stmt *s;
	int yes = 0;

	if (gic_export_dir_query(c, "SELECT format IN ('imagefolder', "
				 "'genimage', 'hf') FROM materializations "
				 "WHERE id = " GIC_EXPORT_LATEST, abs, &s) < 0)
		return 0;
	if (sqlite3_step(s) == SQLITE_ROW)
		yes = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return yes;
}

int gic_export_check_sets(struct gic_catalog *c, const char *dir,
			  const struct gic_resolved *r,
			  void (*on_set)(void *arg, const char *set,
					 size_t now, size_t had,
					 size_t only_now, size_t only_had),
			  void *arg, uint64_t *drifts)
{
	char *abs = realpath(dir, NULL);
	int rc = 0;

	if (!abs)
		return gic_seterr(GIC_ENOTFOUND, "%s", strerror(errno));
	for (int k = 0, yes = records_images(c, abs); yes && k < r->nsets &&
	     rc == 0; k++) {
		const struct gic_resolved_set *rs = &r->sets[k];
		char (*v)[GIC_HEX_LEN + 1];
		size_t i = 0, j = 0, only_now = 0, only_had = 0;
		long n;
		int degraded = 0;

		for (int d = 0; d < GIC_DEGRADE_KEYS; d++)
			degraded |= rs->def->degrade[d] != NULL;
		if (degraded || rs->skipped)  /* derived images: not derived */
			continue;
		if ((n = recorded_images(c, abs, rs->def->name, &v)) < 0) {
			rc = (int)n;
			continue;
		}
		while (i < rs->n || j < (size_t)n) {  /* both sorted */
			int cmp = i == rs->n ? 1 : j == (size_t)n ? -1 :
				  strcmp(rs->items[i].sha256, v[j]);
			only_now += cmp < 0;
			only_had += cmp > 0;
			i += cmp <= 0;
			j += cmp >= 0;
		}
		free(v);
		if (only_now || only_had) {
			(*drifts)++;
			on_set(arg, rs->def->name, rs->n, (size_t)n, only_now,
			       only_had);
		}
	}
	free(abs);
	return rc;
}
