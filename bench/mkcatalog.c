/*
 * mkcatalog.c - a large synthetic catalog for the split benchmark, made in
 * seconds: N small distinct objects written straight into the store (named
 * by their SHA-256, as gicat would) and their images/entries rows inserted
 * in one transaction.  The catalog must exist (gicat init) and be empty.
 *
 *   mkcatalog CATALOG_ROOT TRAIN_PER_LABEL VAL_PER_LABEL_AND_GENERATOR
 *
 * Entries look like GenImage's: subset sd14 train (real and fake), and a
 * val split of every generator.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "catalog.h"

static const char *const gens[] = { "midjourney", "sd14", "sd15", "adm",
				    "glide", "wukong", "vqdm", "biggan" };

/* Writes object number n; its size, or -1. */
static int put_object(const char *root, long n, char hex[GIC_HEX_LEN + 1])
{
	char body[64], path[4096];
	int len = snprintf(body, sizeof(body), "synthetic image %ld\n", n), fd;

	gic_sha256_hex(body, (size_t)len, hex);
	snprintf(path, sizeof(path), "%s/.gicat/objects/%.2s", root, hex);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/.gicat/objects/%.2s/%s", root, hex,
		 hex + 2);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0444)) < 0 ||
	    write(fd, body, (size_t)len) != len)
		return -1;
	return close(fd) < 0 ? -1 : len;
}

static int add(sqlite3_stmt *img, sqlite3_stmt *ent, const char *root, long n,
	       const char *subset, int fake, const char *split)
{
	char hex[GIC_HEX_LEN + 1], path[256];
	int len = put_object(root, n, hex);

	if (len < 0)
		return -1;
	sqlite3_bind_int(img, 4, len);  /* bytes: as split checks them */
	sqlite3_bind_text(img, 1, hex, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(img, 2, fake ? "png" : "jpeg", -1, SQLITE_STATIC);
	sqlite3_bind_int64(img, 3, (sqlite3_int64)n * 2654435761u);
	if (sqlite3_step(img) != SQLITE_DONE)
		return -1;
	sqlite3_reset(img);
	snprintf(path, sizeof(path), "synthetic/%s/%s/%s/%ld.%s", subset, split,
		 fake ? "ai" : "nature", n, fake ? "png" : "JPEG");
	sqlite3_bind_text(ent, 1, hex, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(ent, 2, fake ? subset : NULL, -1, SQLITE_STATIC);
	sqlite3_bind_text(ent, 3, subset, -1, SQLITE_STATIC);
	sqlite3_bind_text(ent, 4, fake ? "fake" : "real", -1, SQLITE_STATIC);
	sqlite3_bind_text(ent, 5, split, -1, SQLITE_STATIC);
	sqlite3_bind_int(ent, 6, (int)(n % 1000));
	sqlite3_bind_text(ent, 7, path, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(ent) != SQLITE_DONE)
		return -1;
	sqlite3_reset(ent);
	return 0;
}

int main(int argc, char **argv)
{
	char db_path[4096];
	sqlite3 *db;
	sqlite3_stmt *img, *ent;
	long train, val, n = 0;
	int rc = 0;

	if (argc != 4) {
		fprintf(stderr, "usage: mkcatalog ROOT TRAIN_PER_LABEL VAL_PER_LABEL\n");
		return 2;
	}
	train = atol(argv[2]);
	val = atol(argv[3]);
	snprintf(db_path, sizeof(db_path), "%s/.gicat/catalog.db", argv[1]);
	if (sqlite3_open(db_path, &db) ||
	    sqlite3_prepare_v2(db, "INSERT INTO images (sha256, bytes, format, "
			       "width, height, channels, bit_depth, mode, phash, "
			       "storage) VALUES (?1, ?4, ?2, 256, 256, 3, 8, 'rgb', "
			       "?3, 'object')", -1, &img, NULL) ||
	    sqlite3_prepare_v2(db, "INSERT INTO entries (sha256, dataset, "
			       "generator, subset, label, split, class, path) VALUES "
			       "(?1, 'genimage', ?2, ?3, ?4, ?5, ?6, ?7)", -1, &ent,
			       NULL)) {
		fprintf(stderr, "mkcatalog: %s\n", sqlite3_errmsg(db));
		return 3;
	}
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	for (long i = 0; i < train && rc == 0; i++)
		rc = add(img, ent, argv[1], n++, "sd14", 0, "train") ||
		     add(img, ent, argv[1], n++, "sd14", 1, "train");
	for (int g = 0; g < 8; g++)
		for (long i = 0; i < val && rc == 0; i++)
			rc = add(img, ent, argv[1], n++, gens[g], 0, "val") ||
			     add(img, ent, argv[1], n++, gens[g], 1, "val");
	sqlite3_exec(db, rc ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
	sqlite3_finalize(img);
	sqlite3_finalize(ent);
	sqlite3_close(db);
	if (rc) {
		fprintf(stderr, "mkcatalog: failed after %ld entries\n", n);
		return 3;
	}
	printf("mkcatalog: %ld entries\n", n);
	return 0;
}
