/*
 * probe.c - gic_probe(): decode an image completely and describe it.
 *
 * The format comes from the magic bytes only, never from a file name;
 * probe-png.c and probe-jpeg.c do the decoding.  This file holds what the
 * two decoders share: the pixel limit (checked from the header, before any
 * pixel memory is allocated) and the EXIF and XMP parsers.  Everything
 * is per call, so any number of threads may probe at once.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "probe-int.h"

static const unsigned char png_sig[8] = {0x89, 'P', 'N', 'G',
					 '\r', '\n', 0x1a, '\n'};

const char *gic_sniff_format(const unsigned char *buf, size_t len)
{
	if (!buf)
		return NULL;
	if (len >= sizeof(png_sig) && !memcmp(buf, png_sig, sizeof(png_sig)))
		return "png";
	if (len >= 3 && buf[0] == 0xff && buf[1] == 0xd8 && buf[2] == 0xff)
		return "jpeg";
	return NULL;
}

/* Text where an image was expected (a server's error or login page, an
 * API's JSON answer): which, or NULL when b is no text. */
static const char *text_format(const unsigned char *b, size_t len)
{
	static const struct { const char *start, *name; } known[] = {
		{ "<!doctype html", "HTML: a web page, an error or login page?" },
		{ "<html", "HTML: a web page, an error or login page?" },
		{ "<?xml", "XML text" }, { "<svg", "SVG, a vector image" },
		{ "{", "JSON or other text" }, { "[", "JSON or other text" },
	};
	size_t i = 0, n = len < 256 ? len : 256;

	if (n >= 3 && !memcmp(b, "\xef\xbb\xbf", 3))  /* a UTF-8 BOM */
		i = 3;
	while (i < n && b[i] && strchr(" \t\r\n", b[i]))
		i++;
	for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
		if (n - i >= strlen(known[k].start) &&
		    !strncasecmp((const char *)b + i, known[k].start,
				 strlen(known[k].start)))
			return known[k].name;
	for (i = 0; i < n; i++)
		if (!b[i] || (b[i] < 0x20 && !strchr("\t\r\n", b[i])) ||
		    b[i] >= 0x7f)
			return NULL;
	return n ? "text" : NULL;
}

/* Names a few formats users meet in image datasets, for the reject reason. */
static const char *other_format(const unsigned char *b, size_t len)
{
	if (len >= 4 && !memcmp(b, "GIF8", 4))
		return "GIF";
	if (len >= 12 && !memcmp(b, "RIFF", 4) && !memcmp(b + 8, "WEBP", 4))
		return "WebP";
	if (len >= 4 && (!memcmp(b, "II*\0", 4) || !memcmp(b, "MM\0*", 4)))
		return "TIFF";
	if (len >= 2 && !memcmp(b, "BM", 2))
		return "BMP";
	if (len >= 12 && !memcmp(b + 4, "ftyp", 4))
		return "HEIF/AVIF/MP4";
	return text_format(b, len);
}

/* " 89 50 4e 47" for the first n bytes of b into hex (3 * n + 1). */
static char *hex_bytes(char *hex, const unsigned char *b, size_t n)
{
	hex[0] = '\0';
	for (size_t i = 0; i < n; i++)
		sprintf(hex + 3 * i, " %02x", b[i]);
	return hex;
}

/* Which of the first 8 bytes differ from the PNG signature: a bit each. */
static unsigned sig_diff(const unsigned char *b)
{
	unsigned bits = 0;

	for (int i = 0; i < 8; i++)
		if (b[i] != png_sig[i])
			bits |= 1u << i;
	return bits;
}

/* The signature's line ends, \r\n and \n: what a text-mode transfer
 * rewrites. */
#define SIG_LINE_ENDS (1u << 4 | 1u << 5 | 1u << 7)

static int reject_unknown(const unsigned char *buf, size_t len)
{
	const char *other = other_format(buf, len);
	char hex[3 * 8 + 1], want[3 * 8 + 1];
	unsigned diff;

	if (other)
		return gic_seterr(GIC_EBADIMG, "not a PNG or JPEG file (%s)",
				  other);
	/* the start of a signature, and nothing after */
	if (len >= 2 && len < sizeof(png_sig) && !memcmp(buf, png_sig, len))
		return gic_seterr(GIC_EBADIMG, "truncated PNG: file ends "
				  "after %zu bytes, in the signature", len);
	if (len == 2 && !memcmp(buf, "\xff\xd8", len))
		return gic_seterr(GIC_EBADIMG, "truncated JPEG: file ends "
				  "after %zu bytes, in the signature", len);
	/* a byte or two of the signature changed and IHDR where it goes:
	 * a PNG whose first bytes took damage (other than to line ends) */
	if (len >= 16 && !memcmp(buf + 12, "IHDR", 4) &&
	    __builtin_popcount(diff = sig_diff(buf)) <= 2 &&
	    (diff & ~SIG_LINE_ENDS))
		return gic_seterr(GIC_EBADIMG, "damaged PNG signature: starts "
				  "with%s, not%s", hex_bytes(hex, buf, 8),
				  hex_bytes(want, png_sig, 8));
	/* the signature is built to show text-mode transfer damage */
	if (len >= 4 && !strncasecmp((const char *)buf + 1, "PNG", 3))
		return gic_seterr(GIC_EBADIMG, "damaged PNG signature (was "
				  "the file transferred in text mode?)");
	return gic_seterr(GIC_EBADIMG, "not a PNG or JPEG file (starts "
			  "with%s)", hex_bytes(hex, buf, len < 4 ? len : 4));
}

static uint64_t max_pixels(const struct gic_probe_opts *opts)
{
	return opts && opts->max_pixels ? opts->max_pixels
					: GIC_DEFAULT_MAX_PIXELS;
}

int gic_probe_check_size(uint32_t w, uint32_t h,
			 const struct gic_probe_opts *opts)
{
	return probe_check_size(w, h, max_pixels(opts));
}

int gic_probe(const unsigned char *buf, size_t len,
	      const struct gic_probe_opts *opts, struct gic_image_info *out)
{
	uint64_t max = max_pixels(opts);
	const char *fmt;
	int rc;

	if (!out || (!buf && len))
		return gic_seterr(GIC_EUSAGE, "gic_probe: no buffer or output");
	memset(out, 0, sizeof(*out));
	out->jpeg_quality = -1;
	if (!len)
		return gic_seterr(GIC_EBADIMG, "empty file");
	fmt = gic_sniff_format(buf, len);
	if (!fmt)
		return reject_unknown(buf, len);
	snprintf(out->format, sizeof(out->format), "%s", fmt);
	if (!strcmp(fmt, "png"))
		rc = probe_png(buf, len, max, out);
	else
		rc = probe_jpeg(buf, len, max, out);
	if (rc < 0) {
		/* the caller owns nothing after a failure */
		gic_image_info_release(out);
		memset(out, 0, sizeof(*out));
		out->jpeg_quality = -1;
	}
	return rc;
}

void gic_image_info_release(struct gic_image_info *info)
{
	if (!info)
		return;
	free(info->text_keys);
	info->text_keys = NULL;
}

/* "10000 Mpx", "2.5 Mpx" or "1000 px": limits are set in pixels. */
static void fmt_pixels(char *buf, size_t size, uint64_t n)
{
	if (n >= 1000000 && n % 1000000 == 0)
		snprintf(buf, size, "%llu Mpx", (unsigned long long)(n / 1000000));
	else if (n >= 1000000)
		snprintf(buf, size, "%.1f Mpx", (double)n / 1e6);
	else
		snprintf(buf, size, "%llu px", (unsigned long long)n);
}

/* The reason comes first, before a ':' (ingest groups rejects by it),
 * then the size of this image. */
int probe_check_size(uint64_t w, uint64_t h, uint64_t max_pixels)
{
	char have[32], limit[32];

	if (!w || !h)
		return gic_seterr(GIC_EBADIMG, "empty image: %llux%llu",
				  (unsigned long long)w, (unsigned long long)h);
	if (w > GIC_MAX_SIDE || h > GIC_MAX_SIDE)
		return gic_seterr(GIC_ELIMIT, "a side over the %u-pixel limit: "
				  "image is %llux%llu", GIC_MAX_SIDE,
				  (unsigned long long)w, (unsigned long long)h);
	/* w and h are below 2^32, so the product cannot overflow */
	if (w * h <= max_pixels)
		return 0;
	fmt_pixels(have, sizeof(have), w * h);
	fmt_pixels(limit, sizeof(limit), max_pixels);
	/* 100,010,000 px is 100.0 Mpx, the limit's own figure: exact */
	if (w * h >= 1000000 && (w * h + 50000) / 100000 * 100000 <= max_pixels)
		snprintf(have, sizeof(have), "%llu px",
			 (unsigned long long)(w * h));
	return gic_seterr(GIC_ELIMIT, "over the pixel limit (%s): image is "
			  "%llux%llu (%s)", limit, (unsigned long long)w,
			  (unsigned long long)h, have);
}

static uint32_t get16(const unsigned char *p, int le)
{
	return le ? (uint32_t)p[0] | (uint32_t)p[1] << 8
		  : (uint32_t)p[0] << 8 | (uint32_t)p[1];
}

static uint32_t get32(const unsigned char *p, int le)
{
	return le ? get16(p, 1) | get16(p + 2, 1) << 16
		  : get16(p, 0) << 16 | get16(p + 2, 0);
}

/* The orientation of an IFD entry at e: 1..8, or 0. */
static int exif_orientation(const unsigned char *e, int le)
{
	uint32_t type = get16(e + 2, le), v;

	if (type == 3)        /* SHORT, as the standard says */
		v = get16(e + 8, le);
	else if (type == 4)   /* LONG, written by some tools */
		v = get32(e + 8, le);
	else
		return 0;
	return v >= 1 && v <= 8 ? (int)v : 0;
}

/* Keeps the printable ASCII of v[0..n) (up to a NUL) in dst, trimmed. */
static void keep_printable(char *dst, size_t size, const char *v, size_t n)
{
	size_t len = 0;

	for (size_t i = 0; i < n && v[i] && len + 1 < size; i++)
		if (v[i] > ' ' - 1 && v[i] < 0x7f && (len || v[i] != ' '))
			dst[len++] = v[i];
	while (len && dst[len - 1] == ' ')
		len--;
	dst[len] = '\0';
}

/* An ASCII entry's value: in the entry when it fits in 4 bytes, else at
 * its offset, which must lie inside the TIFF data. */
static void exif_ascii(const unsigned char *p, size_t n, size_t e, int le,
		       char *dst, size_t size)
{
	uint32_t count = get32(p + e + 4, le), off = get32(p + e + 8, le);

	if (get16(p + e + 2, le) != 2 || !count)
		return;
	if (count <= 4)
		keep_printable(dst, size, (const char *)p + e + 8, count);
	else if (off <= n && count <= n - off)
		keep_printable(dst, size, (const char *)p + off, count);
}

void probe_exif(const unsigned char *p, size_t n, struct gic_image_info *out)
{
	uint32_t ifd, count;
	int le;

	if (n < 8)
		return;
	if (p[0] == 'I' && p[1] == 'I')
		le = 1;
	else if (p[0] == 'M' && p[1] == 'M')
		le = 0;
	else
		return;
	if (get16(p + 2, le) != 42)
		return;
	ifd = get32(p + 4, le);
	if (ifd > n - 2)
		return;
	count = get16(p + ifd, le);
	for (uint32_t i = 0; i < count; i++) {
		size_t e = (size_t)ifd + 2 + 12 * (size_t)i;

		if (e + 12 > n)
			break;
		switch (get16(p + e, le)) {
		case 0x0112:
			out->orientation = exif_orientation(p + e, le);
			break;
		case 0x010f:
			exif_ascii(p, n, e, le, out->exif_make,
				   sizeof(out->exif_make));
			break;
		case 0x0110:
			exif_ascii(p, n, e, le, out->exif_model,
				   sizeof(out->exif_model));
			break;
		case 0x0131:
			exif_ascii(p, n, e, le, out->exif_software,
				   sizeof(out->exif_software));
			break;
		default:
			break;
		}
	}
}

/*
 * Scanning an XMP packet is linear in its size: once a byte has been
 * looked at, later occurrences of the property name do not look at it
 * again.  Nothing else bounds the text examined: a packet is at most what
 * its container allows (16 MiB for a PNG text chunk, 64 KiB per JPEG
 * segment), a few milliseconds of scanning, and DigitalSourceType may
 * follow an embedded thumbnail anywhere in it.
 */

/*
 * The first c (a byte, or the string s of length c when s is set) at or
 * after p, before end.  The answer is kept: asking again from a p that
 * has not passed it costs nothing, so a run of near-miss properties does
 * not search the same text over and over.
 */
struct xmp_find {
	const char *from;  /* where the kept search started; NULL: none yet */
	const char *at;    /* its result; NULL: nothing from there to end */
};

static const char *xmp_find(struct xmp_find *f, const char *p,
			    const char *end, const char *s, size_t c)
{
	if (f->from && f->from <= p && (!f->at || f->at >= p))
		return f->at;
	f->from = p;
	f->at = s ? memmem(p, (size_t)(end - p), s, c)
		  : memchr(p, (int)c, (size_t)(end - p));
	return f->at;
}

struct xmp_scan {
	const char *start, *end;
	const char *seen;   /* bytes before this have been classified */
	const char *word;   /* start of the name-character run ending at seen */
	struct xmp_find lt, gt, resource, quote[2];
};

static int xmp_name_char(char c)
{
	return isalnum((unsigned char)c) || c == ':' || c == '_' || c == '-' ||
	       c == '.';
}

/* Whether the name at `at` is a property (ns:Name, as an element or an
 * attribute) rather than part of a closing tag or of another word. */
static int is_property(struct xmp_scan *x, const char *at)
{
	for (; x->seen < at; x->seen++)
		if (!xmp_name_char(*x->seen))
			x->word = x->seen + 1;
	if (at == x->start || at[-1] != ':')
		return 0;
	return !(x->word > x->start && x->word[-1] == '/');
}

/*
 * The value after one occurrence of the property name at name (end = the
 * packet's end): an attribute (name="v"), an element (<name>v</name>) or a
 * resource (<name rdf:resource="v"/>).  Returns its start and length.
 */
static const char *xmp_value(struct xmp_scan *x, const char *at, size_t *len)
{
	const char *q, *stop, *end = x->end;

	while (at < end && (*at == ' ' || *at == '\t' || *at == '\n' ||
			    *at == '\r'))
		at++;
	if (at < end && *at == '>') {
		stop = xmp_find(&x->lt, at + 1, end, NULL, '<');
		*len = stop ? (size_t)(stop - at - 1) : 0;
		return at + 1;
	}
	if (at < end && *at != '=') {   /* attributes of the element */
		stop = xmp_find(&x->gt, at, end, NULL, '>');
		q = stop ? xmp_find(&x->resource, at, end, "resource=", 9)
			 : NULL;
		if (!q || q > stop)  /* "resource=" cannot hold the '>' */
			return NULL;
		at = q + 8;
	}
	if (end - at < 2 || (at[1] != '"' && at[1] != '\''))
		return NULL;
	stop = xmp_find(&x->quote[at[1] == '"'], at + 2, end, NULL,
			(unsigned char)at[1]);
	if (!stop)
		return NULL;
	*len = (size_t)(stop - at - 2);
	return at + 2;
}

size_t probe_text_key(char *dst, size_t at, const char *key, size_t len)
{
	if (at)
		dst[at++] = ',';
	for (size_t i = 0; i < len; i++)
		if (key[i] == ',' || key[i] == '%') {
			memcpy(dst + at, key[i] == ',' ? "%2C" : "%25", 3);
			at += 3;
		} else {
			dst[at++] = key[i];
		}
	return at;
}

void probe_xmp(const char *xmp, size_t n, struct gic_image_info *out)
{
	static const char name[] = "DigitalSourceType";
	struct xmp_scan x = { .start = xmp, .end = xmp + n, .seen = xmp,
			      .word = xmp };
	const char *at = xmp, *v, *slash;
	size_t len;

	while ((at = memmem(at, (size_t)(x.end - at), name, sizeof(name) - 1))) {
		int property = is_property(&x, at);

		at += sizeof(name) - 1;
		if (!property || !(v = xmp_value(&x, at, &len)) || !len)
			continue;
		/* "http://cv.iptc.org/newscodes/digitalsourcetype/X" -> "X" */
		while (len && (v[len - 1] == '/' || v[len - 1] == ' '))
			len--;
		slash = v;
		for (const char *c = v; c < v + len; c++)
			if (*c == '/')
				slash = c + 1;
		keep_printable(out->xmp_source_type,
			       sizeof(out->xmp_source_type), slash,
			       len - (size_t)(slash - v));
		return;
	}
}
