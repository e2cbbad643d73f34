/*
 * cmd-show.c - gicat show SHA256|PREFIX|PATH: an image's metadata, where
 * its bytes are, every entry (dataset, labels, licenses, path) that uses
 * it, and its derivations.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "cli.h"

/* Prints the row's non-NULL columns; returns 1 when storage is 'ref'. */
static int print_columns(sqlite3_stmt *s)
{
	int ref = 0;

	for (int i = 0; i < sqlite3_column_count(s); i++) {
		const char *name = sqlite3_column_name(s, i);
		const char *v = (const char *)sqlite3_column_text(s, i);
		if (!v)
			continue;
		printf("%-14s %s\n", name, v);
		ref |= !strcmp(name, "storage") && !strcmp(v, "ref");
	}
	return ref;
}

/* Prepares sql with hex bound to its parameter; 0, or show's exit code. */
static int query(struct gic_catalog *c, const char *sql, const char *hex,
		 sqlite3_stmt **s)
{
	if (sqlite3_prepare_v2(c->db, sql, -1, s, NULL))
		return cli_fail(gic_seterr(GIC_EDB, "%s", sqlite3_errmsg(c->db)),
				"show", hex);
	sqlite3_bind_text(*s, 1, hex, -1, SQLITE_STATIC);
	return 0;
}

/* What hex was derived from (parent ops), then what was derived from it
 * (ops sha256): sections printed only when there is something to list. */
static int show_derivations(struct gic_catalog *c, const char *hex)
{
	sqlite3_stmt *s;
	int last = -1, rc;

	if ((rc = query(c, "SELECT parent = ?1, CASE WHEN parent = "
			   "?1 THEN derived ELSE parent END, ops FROM "
			   "derivations WHERE parent = ?1 OR derived = ?1 "
			   "ORDER BY 1, ops, codec", hex, &s)))
		return rc;
	while (sqlite3_step(s) == SQLITE_ROW) {
		int mine = sqlite3_column_int(s, 0);
		const char *other = (const char *)sqlite3_column_text(s, 1);
		const char *ops = (const char *)sqlite3_column_text(s, 2);

		if (mine != last)
			printf(mine ? "\nderivations (ops sha256):\n"
			       : "\nderived from (parent ops):\n");
		last = mine;
		printf("%s %s\n", mine ? ops : other, mine ? other : ops);
	}
	sqlite3_finalize(s);
	return 0;
}

static int show(struct gic_catalog *c, const char *hex)
{
	sqlite3_stmt *s;
	char *obj = NULL;
	int rc, ref = 0;

	if ((rc = query(c, "SELECT sha256, bytes, format, width, height, "
			   "channels, bit_depth, mode, jpeg_quality, "
			   "quality_exact, subsampling, progressive, interlaced, "
			   "has_icc, has_exif, has_xmp, has_c2pa, orientation, "
			   "text_keys, printf('%016x', phash) AS phash, storage,"
			   " ref_path, added_at FROM images WHERE sha256 = ?",
			   hex, &s)))
		return rc;
	if (sqlite3_step(s) == SQLITE_ROW)
		ref = print_columns(s);
	sqlite3_finalize(s);
	/* a ref image has no object: its bytes are only at ref_path */
	if (ref)
		printf("%-14s %s\n", "object", "none: the bytes live at ref_path");
	else if ((obj = gic_odb_fs_path(c->odb, hex)))
		printf("%-14s %s\n", "object", obj);
	free(obj);
	if ((rc = query(c, "SELECT dataset, coalesce(generator, '-'),"
			   " coalesce(subset, '-'), coalesce(label, '-'), "
			   "coalesce(split, '-'), coalesce(class, '-'), "
			   "coalesce(class_source, '-'), coalesce(replace("
			   "license, ' ', ','), '-'), path FROM entries "
			   "WHERE sha256 = ? ORDER BY id", hex, &s)))
		return rc;
	for (int n = 0; sqlite3_step(s) == SQLITE_ROW; n++) {
		if (!n)
			printf("\nentries (dataset generator subset label split "
			       "class class_source license path):\n");
		for (int i = 0; i < 9; i++)
			printf(i < 8 ? "%s " : "%s\n", sqlite3_column_text(s, i));
	}
	sqlite3_finalize(s);
	return show_derivations(c, hex);
}

int cmd_show(int argc, char **argv)
{
	static const struct option opts[] = { { "help", 0, 0, 'h' }, { 0 } };
	char hex[GIC_HEX_LEN + 1];
	struct gic_catalog *c;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1)
		return cli_getopt_end("show", ch);
	if (argc - optind != 1)
		return cli_usage_error("show", "expected one hash or path");
	if ((rc = cli_open("show", &c)))
		return rc;
	if ((rc = gic_resolve_image(c, argv[optind], hex)) < 0)
		rc = cli_fail(rc, "show", argv[optind]);
	else
		rc = show(c, hex);
	gic_catalog_close(c);
	return rc;
}
