/* json.h - outside text as JSON strings (json.c). */
#ifndef GICAT_JSON_H
#define GICAT_JSON_H

#include <stddef.h>

#include <jansson.h>

/* A JSON string of text (n bytes; NULL gives null), any byte that is not
 * part of valid UTF-8 replaced by U+FFFD; NULL only when out of memory. */
json_t *gic_json_textn(const char *text, size_t n);
/* Length of the valid UTF-8 sequence at s (n > 0 bytes left), or 0. */
size_t gic_utf8_len(const unsigned char *s, size_t n);
json_t *gic_json_text(const char *text);

/* json_dumps's flag for reals: 15 digits, 0.709375 as csv prints it, not
 * 0.70937499999999998. */
#define GIC_JSON_REALS JSON_REAL_PRECISION(15)

#endif
