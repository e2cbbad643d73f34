/*
 * json.c - text from the outside world (file names, folder names, EXIF
 * strings) as JSON strings.  JSON holds only Unicode, and jansson refuses
 * to build or dump a string that is not UTF-8: a row would vanish.  Bytes
 * that are not part of a valid UTF-8 sequence become U+FFFD instead.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "catalog.h"
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

const char *gic_json_why(const json_error_t *err, char *buf, size_t size)
{
	static const char eof[] = " near end of file";  /* of the line */
	const char *near = strstr(err->text, " near '");
	size_t len = strlen(err->text), tail = sizeof(eof) - 1;

	if (json_error_code(err) == json_error_null_character)
		snprintf(buf, size, "a string holds \\u0000, a NUL%s",
			 near ? near : "");
	else if (len >= tail && !strcmp(err->text + len - tail, eof))
		snprintf(buf, size, "%.*s at the end of the line",
			 (int)(len - tail), err->text);
	else
		snprintf(buf, size, "%s", err->text);
	return buf;
}

int gic_json_member(json_t *o, const char *name, json_t **out,
		    const char **first, const char **second)
{
	const char *k;
	json_t *v;

	*out = NULL;
	*first = NULL;
	json_object_foreach(o, k, v) {
		if (strcasecmp(k, name))
			continue;
		if (*first) {
			*second = k;
			return -1;
		}
		*first = k;
		*out = v;
	}
	return 0;
}

const char *gic_real_text(double v, char buf[32])
{
	if (isnan(v))
		return strcpy(buf, "");
	for (int digits = 15; digits <= 17; digits++) {
		snprintf(buf, 32, "%.*g", digits, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	if (isfinite(v) && !strpbrk(buf, ".e")) /* a real still: 1.0, as
						    SQLite and JSON write it */
		strcat(buf, ".0");
	return buf;
}

/* Rewrites, in place, each real of JSON text t (a number outside strings
 * with a point or an exponent) as its shortest exact text, keeping a point
 * or an exponent: never longer than the 17 digits it was dumped with. */
static void shorten_reals(char *t)
{
	char *w = t, num[40], buf[32];
	int in_str = 0;

	while (*t) {
		size_t n = !in_str && (*t == '-' || (*t >= '0' && *t <= '9')) ?
			   strspn(t, "+-.0123456789eE") : 0;

		if (n && n < sizeof(num)) {
			memcpy(num, t, n);
			num[n] = 0;
		}
		if (n && n < sizeof(num) && strpbrk(num, ".eE")) {
			size_t m = strlen(gic_real_text(strtod(num, NULL), buf));

			if (!strpbrk(buf, ".e"))  /* still a real: 0.0, not 0 */
				m = strlen(strcat(buf, ".0"));
			memmove(w, buf, m);
			w += m;
			t += n;
			continue;
		}
		if (n) {  /* an integer, as it is */
			memmove(w, t, n);
			w += n;
			t += n;
			continue;
		}
		if (in_str && *t == '\\' && t[1])
			*w++ = *t++;
		else if (*t == '"')
			in_str = !in_str;
		*w++ = *t++;
	}
	*w = 0;
}

char *gic_json_dumps(const json_t *o, size_t flags)
{
	char *t = o ? json_dumps(o, flags | JSON_REAL_PRECISION(17)) : NULL;

	if (t)
		shorten_reals(t);
	return t;
}

void gic_html_escn(FILE *o, const char *s, size_t n)
{
	size_t len;
	int esc;

	if (s)
		n = strnlen(s, n);
	for (; s && n; s += len, n -= len) {
		len = 1;
		switch (*s) {
		case '<': fputs("&lt;", o); break;
		case '>': fputs("&gt;", o); break;
		case '&': fputs("&amp;", o); break;
		case '"': fputs("&quot;", o); break;
		case '\'': fputs("&#39;", o); break;
		default:
			/* the page is UTF-8: other bytes (Latin-1 PNG text
			 * keys, a name in another encoding) become U+FFFD,
			 * as in JSON; so do control characters (C0 but tab
			 * and newlines, DEL, C1), which HTML forbids even as
			 * references and which make an inline SVG bad XML */
			len = gic_text_step(s, n, &esc);
			if (!esc || strchr("\t\n\r", *s))
				fwrite(s, 1, len, o);
			else
				fputs("&#xFFFD;", o);
		}
	}
}

/* A character's advance in thousandths of an em, at least DejaVu Sans's
 * (the widest of the usual sans-serif fonts, and the one a page falls back
 * to on most Linux systems), and its bold's within 15%: glyphs as narrow
 * as i and f (r is 0.494 of an em in bold; ` is half an em, not one of
 * them); M, W, m, w and the wide symbols; other capitals; the rest of
 * ASCII; any other character an em, as a CJK one or U+FFFD is. */
static int advance(const unsigned char *s)
{
	if (*s >= 0x7f || *s < 0x20)  /* U+FFFD for a control character */
		return 1000;
	if (strchr(" !'(),-./:;I[\\]fijlrt|J", *s))
		return 430;
	if (strchr("#%&+<=>@MW^mw~", *s))
		return 1000;
	return *s >= 'A' && *s <= 'Z' ? 800 : 640;
}

int gic_html_text_w(const char *s, int px, int bold)
{
	long w = 0;
	size_t n = s ? strlen(s) : 0, len;

	for (; n; s += len, n -= len) {
		len = gic_utf8_len((const unsigned char *)s, n);
		len = len ? len : 1;  /* a byte that is not UTF-8: U+FFFD */
		w += advance((const unsigned char *)s);
	}
	/* DejaVu Sans Bold is up to 15% wider */
	return (int)((w * px * (bold ? 115 : 100) + 99999) / 100000);
}
