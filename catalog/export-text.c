/*
 * export-text.c - the text of an export's metadata files, built a line at
 * a time: held whole for a small file, or streamed to its file and hashed
 * as it grows (a set's manifest names every image).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "export-text.h"

/* A streamed text's window: small enough that the tests' exports (135 KB
 * manifests) write theirs in pieces, as 2.7M-entry ones do (no slower
 * there than a MiB: 9.6 against 10.2 s for 324,000 entries, medians of
 * 3). */
#define TEXT_SPILL (1 << 16)

/* Writes out and hashes what a streamed text holds (on a write error,
 * drops it: gic_text_flush reports the error). */
static void spill(struct text *t)
{
	const char *p = t->s;
	size_t left = t->len;
	ssize_t n;

	if (t->err || t->oom)
		left = 0;
	for (; left; p += n, left -= (size_t)n)
		if ((n = write(t->fd, p, left)) < 0) {
			t->err = errno;
			break;
		}
	if (!t->err && !t->oom)
		EVP_DigestUpdate(t->md, t->s, t->len);
	t->len = 0;
}

/* Appends the n bytes at v. */
void gic_text_addn(struct text *t, const char *v, size_t n)
{
	if (t->md && t->len >= TEXT_SPILL)
		spill(t);
	if (t->len + n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 4096;
		char *p;
		while (cap < t->len + n + 1)
			cap *= 2;
		if (!(p = realloc(t->s, cap))) {
			t->oom = 1;
			return;
		}
		t->s = p;
		t->cap = cap;
	}
	memcpy(t->s + t->len, v, n);
	t->len += n;
	t->s[t->len] = 0;
}

void gic_text_add(struct text *t, const char *v)
{
	gic_text_addn(t, v, strlen(v));
}

/* Appends obj as one JSON line and releases it. */
void gic_text_json(struct text *t, json_t *obj)
{
	char *line = json_dumps(obj, JSON_PRESERVE_ORDER | JSON_COMPACT);

	if (!line)
		t->oom = 1;
	else
		gic_text_add(t, line), gic_text_add(t, "\n");
	free(line);
	json_decref(obj);
}

/* Releases what text_open took (its file closed already, or never
 * opened). */
static void text_free(struct text *t)
{
	if (t->dfd >= 0)
		close(t->dfd);
	EVP_MD_CTX_free(t->md);
	free(t->base);
	free(t->s);
	memset(t, 0, sizeof(*t));
}

/* Streams t into the file rel, which flush ends (recorded then, as
 * gic_export_write records a file), 64 KiB at a time. */
int gic_text_open(struct gic_export_ctx *x, struct text *t,
		  const char *rel)
{
	const char *base;
	int dfd, rc;

	memset(t, 0, sizeof(*t));
	t->fd = t->dfd = -1;
	if ((rc = gic_export_parent(x, rel, &dfd, &base)) < 0)
		return rc;
	if (x->overwrite)
		unlinkat(dfd, base, 0);
	if (!(t->md = EVP_MD_CTX_new()) || !(t->base = strdup(base)) ||
	    !EVP_DigestInit_ex(t->md, EVP_sha256(), NULL))
		rc = gic_seterr(GIC_ENOMEM, "out of memory");
	/* its own descriptor of the directory: gic_export_dir may close
	 * the one it gave before the file is done */
	else if ((t->dfd = fcntl(dfd, F_DUPFD_CLOEXEC, 0)) < 0 ||
		 (t->fd = openat(dfd, base, O_WRONLY | O_CREAT | O_EXCL |
				 O_NOFOLLOW | O_CLOEXEC, 0644)) < 0)
		rc = gic_seterr(GIC_EIO, "write '%s/%s': %s", x->out, rel,
				strerror(errno));
	if (rc < 0)
		text_free(t);
	return rc;
}

/* Ends a streamed text: the file done and recorded, or (an error, or
 * rel NULL: the export failed meanwhile) removed, as a short file is not
 * left to look like an exported one. */
static int text_end(struct gic_export_ctx *x, struct text *t, const char *rel,
		    const char *set)
{
	char sha[GIC_HEX_LEN + 1];
	unsigned char md[32];
	unsigned int mdlen;
	int rc = 0;

	if (rel)
		spill(t);
	if (rel && !t->oom && !t->err && close(t->fd) < 0)
		t->err = errno;
	else if (!rel || t->oom || t->err)
		close(t->fd);
	if (!rel || t->oom || t->err) {
		unlinkat(t->dfd, t->base, 0);
		if (rel)
			rc = t->oom ? gic_seterr(GIC_ENOMEM, "out of memory") :
			     gic_seterr(GIC_EIO, "write '%s/%s': %s", x->out,
					rel, strerror(t->err));
	} else {
		EVP_DigestFinal_ex(t->md, md, &mdlen);
		gic_hex32(md, sha);
		rc = gic_export_record(x, rel, sha, NULL, set);
	}
	text_free(t);
	return rc;
}

int gic_text_flush(struct gic_export_ctx *x, struct text *t,
		   const char *rel, const char *set)
{
	int rc;

	if (t->md)
		return text_end(x, t, rel, set);
	rc = t->oom ? gic_seterr(GIC_ENOMEM, "out of memory") :
	     gic_export_write(x, rel, t->s ? t->s : "", t->len, set);
	free(t->s);
	memset(t, 0, sizeof(*t));
	return rc;
}

/* Appends v as one CSV field, quoted (paths may hold commas, quotes). */
void gic_text_quoted(struct text *t, const char *v)
{
	gic_text_add(t, "\"");
	for (const char *p = v ? v : ""; *p; ) {
		size_t n = strcspn(p, "\"");

		gic_text_addn(t, p, n);
		p += n;
		if (*p)  /* a quote, doubled */
			gic_text_add(t, "\"\""), p++;
	}
	gic_text_add(t, "\"");
}

/* A CSV field quoted only when it must be (a comma, a quote, a line
 * break in it). */
void gic_text_field(struct text *t, const char *v)
{
	if (v && v[strcspn(v, ",\"\r\n")])
		gic_text_quoted(t, v);
	else if (v)
		gic_text_add(t, v);
}
