/*
 * export-tar.c - WebDataset shards: <set>-000000.tar ... written with
 * libarchive, each sample as <key>.<ext> followed by <key>.json, plus
 * <set>-index.json with the exact count of samples in every shard.  A
 * shard ends at --shard-size samples, or before the sample that would
 * take its members (512-byte headers, data padded to 512) over
 * --shard-bytes: a sample larger than that alone is a shard of its own.
 *
 * Shards are byte-for-byte reproducible: samples in content-hash order,
 * mtime 0, owner 0:0, no user or group names, mode 0644.  Each shard is
 * hashed while it is written.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "archive-api.h"
#include "export-int.h"
#include "json.h"

#define DEFAULT_SHARD_SIZE 1000

struct sink {
	int fd;
	EVP_MD_CTX *md;
	int failed;
};

static la_ssize_t sink_write(struct archive *a, void *arg, const void *buf,
			     size_t len)
{
	struct sink *k = arg;
	const char *p = buf;
	size_t left = len;

	(void)a;
	while (left) {
		ssize_t n = write(k->fd, p, left);
		if (n < 0) {
			k->failed = errno;
			return -1;
		}
		p += n;
		left -= (size_t)n;
	}
	EVP_DigestUpdate(k->md, buf, len);
	return (la_ssize_t)len;
}

static int add_member(struct archive *a, const char *name, const void *buf,
		      size_t len)
{
	struct archive_entry *e = archive_entry_new();
	int rc;

	archive_entry_set_pathname(e, name);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_mtime(e, 0, 0);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	rc = archive_write_header(a, e);
	if (rc == ARCHIVE_OK && archive_write_data(a, buf, len) != (la_ssize_t)len)
		rc = ARCHIVE_FATAL;
	archive_entry_free(e);
	return rc == ARCHIVE_OK ? 0 : -1;
}

/* derived: the set degrades (gic_export_set_derived). */
static char *sample_json(struct gic_export_ctx *x, const struct gic_item *it,
			 int derived)
{
	json_t *o = json_object();
	char *s;

	json_object_set_new(o, "sha256", json_string(it->sha256));
	json_object_set_new(o, "label", json_integer(
		gic_export_label_index(x->opts->format, it->label)));
	json_object_set_new(o, "label_name",
			    gic_json_text(gic_export_label_name(it->label)));
	json_object_set_new(o, "generator", it->generator ?
			    gic_json_text(it->generator) : json_null());
	json_object_set_new(o, "class", it->class_idx >= 0 ?
			    json_integer(it->class_idx) : json_null());
	json_object_set_new(o, "wnid", it->wnid[0] ? json_string(it->wnid) :
			    json_null());
	if (derived)
		gic_export_json_derived(o, it);
	s = json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT);
	json_decref(o);
	return s;
}

/* Why writing the shard failed: the file's write (a full disk), else
 * what libarchive says, if anything. */
static const char *why(struct archive *a, const struct sink *k)
{
	const char *s = archive_error_string(a);

	return k->failed ? strerror(k->failed) : s ? s : "out of memory";
}

void gic_export_sample_key(const struct gic_resolved_set *s, size_t i,
			   char key[GIC_HEX_LEN + 1])
{
	const char *h = s->items[i].sha256;
	int whole = (i > 0 && !strncmp(h, s->items[i - 1].sha256, 16)) ||
		    (i + 1 < s->n && !strncmp(h, s->items[i + 1].sha256, 16));

	snprintf(key, GIC_HEX_LEN + 1, "%.*s", whole ? GIC_HEX_LEN : 16, h);
}

/* The bytes a member of len bytes takes in a tar: header, padded data. */
static uint64_t member_bytes(size_t len)
{
	return 512 + ((uint64_t)len + 511) / 512 * 512;
}

/* Sample i of s: the image bytes (hash-checked) and its JSON, added to
 * *used (the shard's members so far) unless they would take it over
 * limit (not 0) and it holds some already: then 1, nothing written. */
static int add_sample(struct gic_export_ctx *x, struct archive *a,
		      const struct sink *k, const struct gic_resolved_set *s,
		      size_t i, const char *rel, uint64_t *used, uint64_t limit)
{
	const struct gic_item *it = &s->items[i];
	unsigned char *buf = NULL;
	char key[GIC_HEX_LEN + 1], name[GIC_HEX_LEN + 16], *meta = NULL;
	size_t len;
	uint64_t need;
	int rc;

	if ((rc = gic_image_read(x->cat, it->sha256, &buf, &len)) < 0)
		return rc;
	if (!(meta = sample_json(x, it, gic_export_set_derived(s)))) {
		free(buf);
		return gic_seterr(GIC_ENOMEM, "out of memory");
	}
	need = member_bytes(len) + member_bytes(strlen(meta));
	if (limit && *used && *used + need > limit) {
		free(buf);
		free(meta);
		return 1;
	}
	*used += need;
	gic_export_sample_key(s, i, key);
	snprintf(name, sizeof(name), "%s.%s", key, gic_export_ext(it->format));
	rc = add_member(a, name, buf, len);
	snprintf(name, sizeof(name), "%s.json", key);
	if (rc == 0)
		rc = add_member(a, name, meta, strlen(meta));
	free(buf);
	free(meta);
	return rc == 0 ? 0 : gic_seterr(GIC_EIO, "shard '%s': %s", rel,
					why(a, k));
}

/* Writes items [from, *to) as the shard rel, or fewer (*to then where
 * --shard-bytes ended it); its hash goes to sha. */
static int shard(struct gic_export_ctx *x, const struct gic_resolved_set *s,
		 size_t from, size_t *to, const char *rel, char *sha)
{
	uint64_t used = 0;
	struct sink k = { -1, EVP_MD_CTX_new(), 0 };
	struct archive *a = archive_write_new();
	const char *slash = strrchr(rel, '/');
	unsigned char md[32];
	unsigned int mdlen;
	char dir[4096];
	int dfd = x->outfd, rc = 0;

	if (slash) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - rel), rel);
		rc = gic_export_dir(x, dir, &dfd);
	}
	if (rc == 0) {
		unlinkat(dfd, slash ? slash + 1 : rel, 0);
		k.fd = openat(dfd, slash ? slash + 1 : rel, O_WRONLY | O_CREAT |
			      O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	}
	if (rc == 0 && (k.fd < 0 || !k.md || !a)) {
		rc = gic_seterr(GIC_EIO, "create '%s/%s': %s", x->out, rel,
				strerror(errno));
	}
	if (rc == 0) {
		EVP_DigestInit_ex(k.md, EVP_sha256(), NULL);
		archive_write_set_format_pax_restricted(a);
		if (archive_write_open(a, &k, NULL, sink_write, NULL) != ARCHIVE_OK)
			rc = gic_seterr(GIC_EIO, "shard '%s': %s", rel,
					why(a, &k));
	}
	for (size_t i = from; i < *to && rc == 0; i++, x->images++)
		if ((rc = add_sample(x, a, &k, s, i, rel, &used,
				     x->opts->shard_bytes)) == 1) {
			*to = i;  /* full */
			rc = 0;
			break;
		}
	if (a && archive_write_close(a) != ARCHIVE_OK && rc == 0)
		rc = gic_seterr(GIC_EIO, "shard '%s': %s", rel, why(a, &k));
	if (rc == 0) {
		EVP_DigestFinal_ex(k.md, md, &mdlen);
		gic_hex32(md, sha);
	}
	archive_write_free(a);
	EVP_MD_CTX_free(k.md);
	if (k.fd >= 0)
		close(k.fd);
	return rc;
}

int gic_export_webdataset(struct gic_export_ctx *x,
			  const struct gic_resolved_set *s)
{
	size_t size = x->opts->shard_size ? x->opts->shard_size :
		      x->opts->shard_bytes ? SIZE_MAX : DEFAULT_SHARD_SIZE;
	json_t *index = json_object(), *shards = json_array();
	char rel[4096], sha[GIC_HEX_LEN + 1], *text;
	int rc = gic_archive_load();

	for (size_t from = 0, to, k = 0; from < s->n && rc == 0;
	     from = to, k++) {
		size_t at = x->nfiles;

		to = s->n - from > size ? from + size : s->n;

		snprintf(rel, sizeof(rel), "%s-%06zu.tar", s->def->name, k);
		/* recorded first: a shard that fails half-way is undone too */
		if ((rc = gic_export_record(x, rel, "", NULL, s->def->name)) < 0 ||
		    (rc = shard(x, s, from, &to, rel, sha)) < 0)
			break;
		snprintf(x->files[at].sha256, sizeof(x->files[at].sha256), "%s",
			 sha);
		json_array_append_new(shards, json_pack("{s:s,s:I,s:s}", "file",
			strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel, "samples",
			(json_int_t)(to - from), "sha256", sha));
	}
	json_object_set_new(index, "set", json_string(s->def->name));
	json_object_set_new(index, "samples", json_integer((json_int_t)s->n));
	json_object_set_new(index, "shard_size", size == SIZE_MAX ? json_null()
			    : json_integer((json_int_t)size));
	if (x->opts->shard_bytes)
		json_object_set_new(index, "shard_bytes", json_integer(
			(json_int_t)x->opts->shard_bytes));
	json_object_set_new(index, "shards", shards);
	text = json_dumps(index, JSON_PRESERVE_ORDER | JSON_INDENT(1));
	if (text) { /* the JSON and a newline; on failure, none of it */
		char *more = realloc(text, strlen(text) + 2);
		if (!more)
			free(text);
		else
			strcat(more, "\n");
		text = more;
	}
	json_decref(index);
	snprintf(rel, sizeof(rel), "%s-index.json", s->def->name);
	if (rc == 0)
		rc = text ? gic_export_write(x, rel, text, strlen(text),
					     s->def->name)
			  : gic_seterr(GIC_ENOMEM, "out of memory");
	free(text);
	return rc;
}
