/*
 * cmd-show.c - gicat show SHA256|PREFIX|PATH: an image's metadata, where
 * its bytes are, every entry (dataset, labels, licenses, path) that uses
 * it, and its derivations; as text, or (--format json) one JSON document
 * the text is printed from.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "cli.h"
#include "json.h"

/* Prepares sql with hex bound to its parameter; 0, or show's exit code. */
static int query(struct gic_catalog *c, const char *sql, const char *hex,
		 sqlite3_stmt **s)
{
	if (sqlite3_prepare_v2(c->db, sql, -1, s, NULL))
		return cli_db_fail(c->db, "show", hex);
	sqlite3_bind_text(*s, 1, hex, -1, SQLITE_STATIC);
	return 0;
}

/* Space-separated license ids as a list (of the bytes as they are: ids
 * are split out of text that is either JSON's already, or raw). */
static json_t *id_list(const char *ids)
{
	json_t *list = json_array();

	while (ids && *ids) {
		size_t n = strcspn(ids, " ");
		if (n)
			json_array_append_new(list, json_stringn_nocheck(ids, n));
		ids += n + (ids[n] == ' ');
	}
	return list;
}

/* Adds the rows of sql (hex bound) to doc under key, as an array (text
 * raw or not: out_row_object); 0, or show's exit code.  A "licenses"
 * column becomes a list, in its place. */
static int add_rows(struct gic_catalog *c, json_t *doc, const char *key,
		    const char *sql, const char *hex, int raw)
{
	json_t *rows, *row, *lic;
	sqlite3_stmt *s;
	size_t i;
	int rc;

	if ((rc = query(c, sql, hex, &s)))
		return rc;
	rows = out_rows_array(s, raw);
	if ((rc = cli_finish_rows("show", s)))
		return json_decref(rows), rc;
	json_array_foreach(rows, i, row)
		if ((lic = json_object_get(row, "licenses")))
			json_object_set_new(row, "licenses",
					    id_list(json_string_value(lic)));
	json_object_set_new(doc, key, rows);
	return 0;
}

/* Everything show says about hex, as one JSON object; raw: its text byte
 * for byte, for the text output to escape as tables do (a name that is
 * not UTF-8 shows its bytes, not U+FFFD). */
static int image_doc(struct gic_catalog *c, const char *hex, int raw,
		     json_t **out)
{
	json_t *doc = NULL;
	sqlite3_stmt *s;
	char *obj;
	int rc, ref;

	if ((rc = query(c, "SELECT sha256, bytes, format, width, height, "
			   "channels, bit_depth, mode, jpeg_quality, "
			   "quality_exact, subsampling, progressive, interlaced, "
			   "has_icc, has_exif, has_xmp, has_c2pa, orientation, "
			   "text_keys, exif_software, exif_make, exif_model, "
			   "xmp_source_type, trailing_bytes, printf('%016x', "
			   "phash) AS phash, storage, ref_path, added_at FROM "
			   "images WHERE sha256 = ?",
			   hex, &s)))
		return rc;
	if (sqlite3_step(s) == SQLITE_ROW)
		doc = out_row_object(s, raw);
	if ((rc = cli_finish_rows("show", s)))
		return json_decref(doc), rc;
	if (!doc)
		return cli_fail(gic_seterr(GIC_ENOTFOUND, "no image %s", hex),
				"show", NULL);
	/* a ref image has no object: its bytes are only at ref_path */
	ref = !strcmp(json_string_value(json_object_get(doc, "storage")), "ref");
	obj = ref ? NULL : gic_odb_fs_path(c->odb, hex);
	json_object_set_new(doc, "object", !obj ? json_null() : raw ?
			    json_string_nocheck(obj) :
			    gic_json_textn(obj, strlen(obj)));
	free(obj);
	if ((rc = add_rows(c, doc, "entries", "SELECT dataset, generator, "
			   "subset, label, split, class, class_source, license "
			   "AS licenses, path FROM entries WHERE sha256 = ? "
			   "ORDER BY id", hex, raw)) ||
	    /* one derivation recorded under two codec versions with the
	     * same result is one line; png() of a PNG made by png() is the
	     * image itself, not a parent of it */
	    (rc = add_rows(c, doc, "derived_from", "SELECT DISTINCT parent, "
			   "ops FROM derivations WHERE derived = ?1 AND "
			   "parent != ?1 ORDER BY ops, parent", hex, raw)) ||
	    (rc = add_rows(c, doc, "derivations", "SELECT DISTINCT ops, "
			   "derived AS sha256 FROM derivations WHERE parent = ? "
			   "ORDER BY ops, derived", hex, raw)) ||
	    /* an entry whose file was since refused (it went bad): the entry
	     * keeps the image it had, and says so (once, though entries of
	     * several datasets have its path) */
	    (rc = add_rows(c, doc, "rejected", "SELECT path, reason FROM "
			   "rejects WHERE path IN (SELECT path FROM entries "
			   "WHERE sha256 = ?) ORDER BY path", hex, raw)))
		return json_decref(doc), rc;
	*out = doc;
	return 0;
}

/* v as show prints it: text as is, a number in decimal, a list joined by
 * spaces (licenses, as query and the query language write them), '-' for
 * null or an empty list. */
static void put(FILE *o, const json_t *v)
{
	size_t i, n = json_array_size(v);

	if (json_is_string(v))  /* names, text keys: escaped */
		cli_put_escaped(o, json_string_value(v), SIZE_MAX);
	else if (json_is_integer(v))
		fprintf(o, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (n)
		for (i = 0; i < n; i++) {
			put(o, json_array_get(v, i));
			if (i + 1 < n)
				putc(' ', o);
		}
	else
		putc('-', o);
}

/* Terminal columns put() takes for v. */
static int put_width(const json_t *v)
{
	char *buf = NULL;
	size_t len = 0, w = 1;
	FILE *m = open_memstream(&buf, &len);

	if (m) {
		put(m, v);
		fclose(m);
		w = buf ? cli_text_width(buf) : 1;
	}
	free(buf);
	return (int)w;
}

#define SHOW_COLS 16

/* The rows of doc's key under a heading naming their columns, a line
 * each, the columns aligned two spaces apart at least (a path or a list
 * of licenses may hold one); nothing when there are none. */
static void print_rows(const json_t *doc, const char *key, const char *head)
{
	const json_t *rows = json_object_get(doc, key), *row, *v;
	int width[SHOW_COLS] = { 0 };
	const char *k;
	size_t i;

	json_array_foreach(rows, i, row) {
		int j = 0;

		json_object_foreach((json_t *)row, k, v) {
			int w = j < SHOW_COLS ? put_width(v) : 0;

			if (j < SHOW_COLS && w > width[j])
				width[j] = w;
			j++;
		}
	}
	json_array_foreach(rows, i, row) {
		int j = 0, n = (int)json_object_size(row);

		if (i == 0)
			printf("\n%s:\n", head);
		json_object_foreach((json_t *)row, k, v) {
			int w = put_width(v);

			put(stdout, v);
			if (j + 1 < n)
				printf("%*s", 2 + (j < SHOW_COLS && width[j] > w ?
						  width[j] - w : 0), "");
			j++;
		}
		putchar('\n');
	}
}

static void print_text(const json_t *doc)
{
	const json_t *v;
	const char *k;

	json_object_foreach((json_t *)doc, k, v) {
		if (json_is_array(v))
			continue;
		if (!strcmp(k, "object") && json_is_null(v))
			printf("%-15s %s\n", k, "none: the bytes live at ref_path");
		else if (!json_is_null(v))
			printf("%-15s ", k), put(stdout, v), putchar('\n');
	}
	print_rows(doc, "entries", "entries (dataset generator subset label "
		   "split class class_source license path)");
	print_rows(doc, "derived_from", "derived from (parent ops)");
	print_rows(doc, "derivations", "derivations (ops sha256)");
	print_rows(doc, "rejected", "files of entries refused by a later "
		   "ingest; the entries keep this image (path reason)");
}

static int show(struct gic_catalog *c, const char *hex, int json)
{
	json_t *doc = NULL;
	int rc;

	if ((rc = image_doc(c, hex, !json, &doc)))
		return rc;
	if (json)
		out_json_doc(stdout, doc);
	else
		print_text(doc), json_decref(doc);
	return 0;
}

int cmd_show(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", 1, 0, 'f' }, { "help", 0, 0, 'h' }, { 0 } };
	char hex[GIC_HEX_LEN + 1];
	struct gic_catalog *c;
	int ch, rc, json = 0;

	while ((ch = cli_getopt(argc, argv, "hf:", opts, NULL)) != -1) {
		if (ch != 'f')
			return cli_getopt_end("show", ch);
		if (!(json = !strcmp(optarg, "json")) && strcmp(optarg, "text"))
			return cli_usage_error("show", "unknown format '%s' (text "
					       "or json)", optarg);
	}
	if (argc - optind != 1)
		return cli_usage_error("show", "expected one hash or path");
	if ((rc = cli_open("show", &c)))
		return rc;
	if ((rc = gic_resolve_image(c, argv[optind], hex)) < 0)
		rc = cli_fail(rc, "show", argv[optind]);
	else
		rc = show(c, hex, json);
	gic_catalog_close(c);
	return rc;
}
