/*
 * export-text.h - an export's metadata text (export-text.c): appended to,
 * then written as the file rel of the export and recorded (gic_text_flush).
 */
#ifndef GIC_EXPORT_TEXT_H
#define GIC_EXPORT_TEXT_H

#include <jansson.h>
#include <openssl/evp.h>

#include "export-int.h"

/* A growing text buffer; or, once text_open has opened its file, a
 * window on that file: a set's metadata names every image, and a set of
 * millions held whole took as much memory as the items themselves. */
struct text {
	char *s;
	size_t len, cap;
	int oom;
	EVP_MD_CTX *md;  /* streaming (text_open): what was written, hashed */
	int fd, dfd, err; /* ... the file, its directory, a write's errno */
	char *base;      /* ... its name in dfd */
};

/* A text held whole starts as { 0 }; gic_text_open streams one into the
 * file rel instead, 64 KiB at a time. */
int gic_text_open(struct gic_export_ctx *x, struct text *t, const char *rel);
/* Appends the n bytes at v; a string; obj as one JSON line (released);
 * v as one CSV field, quoted; the same quoted only when it must be (a
 * comma, a quote, a line break in it).  A failure is kept in t, for
 * gic_text_flush to report. */
void gic_text_addn(struct text *t, const char *v, size_t n);
void gic_text_add(struct text *t, const char *v);
void gic_text_json(struct text *t, json_t *obj);
void gic_text_quoted(struct text *t, const char *v);
void gic_text_field(struct text *t, const char *v);
/* Writes t as the file rel of the export (of set, or NULL) and records
 * it; rel NULL (a streamed text only) drops the file, the export having
 * failed.  t is released either way. */
int gic_text_flush(struct gic_export_ctx *x, struct text *t, const char *rel,
		   const char *set);

#endif
