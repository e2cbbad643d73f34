/*
 * json.c - text from the outside world (file names, folder names, EXIF
 * strings) as JSON strings.  JSON holds only Unicode, and jansson refuses
 * to build or dump a string that is not UTF-8: a row would vanish.  Bytes
 * that are not part of a valid UTF-8 sequence become U+FFFD instead.
 */
#include <stdlib.h>
#include <string.h>

#include "json.h"

size_t gic_utf8_len(const unsigned char *s, size_t n)
{
	size_t len = s[0] < 0x80 ? 1 : s[0] >= 0xc2 && s[0] < 0xe0 ? 2 :
		     s[0] >= 0xe0 && s[0] < 0xf0 ? 3 :
		     s[0] >= 0xf0 && s[0] < 0xf5 ? 4 : 0;

	if (!len || len > n)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
		return 0; /* overlong, surrogate, above U+10FFFF */
	return len;
}

json_t *gic_json_textn(const char *text, size_t n)
{
	const unsigned char *s = (const unsigned char *)text;
	char *buf, *p;
	json_t *v;

	if (!text)
		return json_null();
	if ((v = json_stringn(text, n)))
		return v; /* valid already: the common case */
	if (!(buf = p = malloc(3 * n + 1)))
		return NULL;
	for (size_t i = 0; i < n;) {
		size_t len = gic_utf8_len(s + i, n - i);
		if (len) {
			memcpy(p, s + i, len);
			p += len;
			i += len;
		} else {
			memcpy(p, "\xef\xbf\xbd", 3);
			p += 3;
			i++;
		}
	}
	v = json_stringn(buf, (size_t)(p - buf));
	free(buf);
	return v;
}

json_t *gic_json_text(const char *text)
{
	return gic_json_textn(text, text ? strlen(text) : 0);
}
