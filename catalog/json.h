/* json.h - outside text as JSON strings (json.c). */
#ifndef GICAT_JSON_H
#define GICAT_JSON_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

/* A JSON string of text (n bytes; NULL gives null), any byte that is not
 * part of valid UTF-8 replaced by U+FFFD; NULL only when out of memory. */
json_t *gic_json_textn(const char *text, size_t n);
/* Length of the valid UTF-8 sequence at s (n > 0 bytes left), or 0. */
size_t gic_utf8_len(const unsigned char *s, size_t n);
json_t *gic_json_text(const char *text);

/* The member of o named name in any case, as CSV headers are matched, in
 * *out (NULL when none); -1 when two members differ only in case ("url"
 * and "URL": which one counts would be a guess), *first and *second then
 * naming them. */
int gic_json_member(json_t *o, const char *name, json_t **out,
		    const char **first, const char **second);

/* What jansson found wrong with a line of JSON, in buf (size bytes), for
 * a message: its own words, but for a \u0000, which it names by the flag
 * that would let it in (JSON_ALLOW_NUL), no help to whoever wrote the
 * file, and for the end of the line, which it calls the end of the file.
 * Returns buf. */
const char *gic_json_why(const json_error_t *err, char *buf, size_t size);

/* The shortest decimal text that reads back as v exactly, with a point or
 * an exponent (1.0, not 1); "" for NAN. */
const char *gic_real_text(double v, char buf[32]);
/* json_dumps(o, flags) with every real in its shortest exact text
 * (0.709375, not 0.70937499999999998, nor 15 digits that read back as
 * another number); NULL when out of memory or o is NULL. */
char *gic_json_dumps(const json_t *o, size_t flags);

/* The first n bytes of s (up to a NUL; s NULL: nothing) escaped for
 * HTML text and attribute values, bytes that are not UTF-8 as U+FFFD. */
void gic_html_escn(FILE *o, const char *s, size_t n);
/* Pixels that s takes in a px-pixel sans-serif (bold: in bold), shown as
 * gic_html_escn shows it: rather too many than too few, so that what is
 * laid out by it is not clipped or run into its neighbour. */
int gic_html_text_w(const char *s, int px, int bold);

#endif
