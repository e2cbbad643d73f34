/*
 * pngfast.c - the fast PNG decode path (see pngfast.h): one strict walk
 * over the chunks, one libdeflate call for the whole zlib stream, then
 * the rows unfiltered in place and handed out in order.
 *
 * The rule is to decline whenever libpng might see the file differently:
 * only files libpng accepts, with the pixels and metadata it would give,
 * may come out of here.  So the walk checks every CRC, bounds every
 * length the way libpng does (its default user limits, its chunk size
 * limit), declines every chunk that could change the pixels (PLTE, tRNS,
 * sBIT...) or the metadata in ways not repeated here (iCCP, zTXt,
 * compressed iTXt), and anything out of order or after IEND.
 *
 * One difference is left: libdeflate is a little more lenient than zlib
 * with deflate streams no encoder writes (length codes 286 and 287, which
 * it reads as 258 like code 285, distance codes 30 and 31, more than 286
 * length or 30 distance codes declared, an incomplete code-length code).
 * Such a stream, with a right Adler-32 and CRCs, decodes here and is
 * rejected by libpng.  One flipped bit does it: code 285 of a fixed
 * Huffman block becomes 286 or 287, the output and its Adler-32 unchanged,
 * so damage done before the CRCs were computed can get through.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libdeflate.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "pngfast.h"
#include "probe-int.h"

#define MAX_DIM 1000000u           /* libpng's default user limit */
#define MAX_ANC_LEN PROBE_PNG_CHUNK_MALLOC_MAX  /* libpng's chunk size limit */
/* libpng keeps so many text and unknown chunks and drops the text of the
 * rest: counting every ancillary chunk keeps all text as libpng has it */
#define MAX_ANC (PROBE_PNG_CHUNK_CACHE_MAX - 2)
#define MAX_IDAT_LEN 8000000u      /* libpng's default chunk size limit */
#define MAX_RAW (64u << 20)        /* larger images stream through libpng */

static const unsigned char png_sig[8] = {0x89, 'P', 'N', 'G',
					 '\r', '\n', 0x1a, '\n'};

struct text {
	const unsigned char *key, *val;
	size_t key_len, val_len;
};

/* What the walk over the chunks found. */
struct walk {
	uint32_t w, h;
	int channels;
	size_t stride;               /* 1 + w * channels */
	const unsigned char *idat;   /* the first IDAT's data */
	size_t idat_len;             /* all IDAT data */
	int n_idat, idat_done, n_anc;
	const unsigned char *exif;
	size_t exif_len;
	int has_exif, has_c2pa;
	struct text text[MAX_ANC];
	int n_text;
};

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static int is_type(const unsigned char *t, const char *name)
{
	return !memcmp(t, name, 4);
}

static int channels_of(int color_type)
{
	switch (color_type) {
	case 0: return 1;
	case 2: return 3;
	case 4: return 2;
	case 6: return 4;
	default: return 0;
	}
}

/* IHDR: 8-bit, colour type 0/2/4/6, deflate, filter 0, no interlace. */
static int take_ihdr(struct walk *s, const unsigned char *d, uint32_t n,
		     uint64_t max_pixels)
{
	if (n != 13)
		return -1;
	s->w = be32(d);
	s->h = be32(d + 4);
	s->channels = channels_of(d[9]);
	if (!s->w || !s->h || s->w > MAX_DIM || s->h > MAX_DIM ||
	    (uint64_t)s->w * s->h > max_pixels)
		return -1;
	if (d[8] != 8 || !s->channels || d[10] || d[11] || d[12])
		return -1;
	s->stride = 1 + (size_t)s->w * (size_t)s->channels;
	return s->stride * s->h > MAX_RAW ? -1 : 0;
}

/* libpng's bound on one IDAT chunk (png_check_chunk_length), or lower. */
static uint64_t idat_limit(const struct walk *s)
{
	uint64_t row = s->stride, lim = (uint64_t)s->h * row;
	uint64_t cap = row > 32566 ? 32566 : row;

	lim += 6 + 5 * (lim / cap + 1);
	return lim < MAX_IDAT_LEN ? lim : MAX_IDAT_LEN;
}

/* tEXt: keyword 1..79 bytes, a NUL, text without NULs. */
static int take_text(struct walk *s, const unsigned char *d, uint32_t n)
{
	const unsigned char *nul = memchr(d, 0, n < 80 ? n : 80);
	struct text *t = &s->text[s->n_text];

	if (!nul || nul == d || memchr(nul + 1, 0, n - (size_t)(nul - d) - 1))
		return -1;
	t->key = d;
	t->key_len = (size_t)(nul - d);
	t->val = nul + 1;
	t->val_len = n - t->key_len - 1;
	s->n_text++;
	return 0;
}

/* iTXt, uncompressed only: keyword, 0, 0, language, 0, translated
 * keyword, 0, text without NULs. */
static int take_itxt(struct walk *s, const unsigned char *d, uint32_t n)
{
	const unsigned char *nul = memchr(d, 0, n < 80 ? n : 80), *p, *end;
	struct text *t = &s->text[s->n_text];

	end = d + n;
	if (!nul || nul == d || end - nul < 5 || nul[1] || nul[2])
		return -1;
	p = memchr(nul + 3, 0, (size_t)(end - nul - 3));      /* language */
	p = p ? memchr(p + 1, 0, (size_t)(end - p - 1)) : NULL; /* translated */
	if (!p || memchr(p + 1, 0, (size_t)(end - p - 1)))
		return -1;
	t->key = d;
	t->key_len = (size_t)(nul - d);
	t->val = p + 1;
	t->val_len = (size_t)(end - p - 1);
	s->n_text++;
	return 0;
}

/* eXIf: once, before IDAT, starting "II" or "MM" as libpng insists. */
static int take_exif(struct walk *s, const unsigned char *d, uint32_t n)
{
	if (s->has_exif || s->n_idat || n < 2 || d[0] != d[1] ||
	    (d[0] != 'I' && d[0] != 'M'))
		return -1;
	s->has_exif = 1;
	s->exif = d;
	s->exif_len = n;
	return 0;
}

/* Ancillary chunks libpng acts on, that are not repeated here. */
static int declined(const unsigned char *t)
{
	static const char *const names[] = {
		"iCCP", "zTXt", "tRNS", "sBIT", "bKGD", "hIST", "sPLT",
		"oFFs", "pCAL", "sCAL", "cICP", "cLLI", "mDCV", "acTL",
		"fcTL", "fdAT",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (is_type(t, names[i]))
			return 1;
	return 0;
}

/* Chunks libpng reads and ignores for our purposes, before IDAT only. */
static int harmless(const unsigned char *t)
{
	return is_type(t, "gAMA") || is_type(t, "cHRM") ||
	       is_type(t, "sRGB") || is_type(t, "pHYs") || is_type(t, "tIME");
}

static int take_ancillary(struct walk *s, const unsigned char *t,
			  const unsigned char *d, uint32_t n)
{
	if (++s->n_anc > MAX_ANC || n > MAX_ANC_LEN || declined(t))
		return -1;
	if (is_type(t, "tEXt"))
		return take_text(s, d, n);
	if (is_type(t, "iTXt"))
		return take_itxt(s, d, n);
	if (is_type(t, "eXIf"))
		return take_exif(s, d, n);
	if (is_type(t, "caBX"))
		s->has_c2pa = 1;
	if (harmless(t) && s->n_idat)
		return -1;
	return 0;
}

/* Letters only, the reserved bit clear; ancillary or one of ours. */
static int take_chunk(struct walk *s, const unsigned char *t,
		      const unsigned char *d, uint32_t n)
{
	for (int i = 0; i < 4; i++)
		if (!((t[i] | 0x20) >= 'a' && (t[i] | 0x20) <= 'z'))
			return -1;
	if (t[2] & 0x20)
		return -1;
	if (is_type(t, "IDAT")) {
		if (s->idat_done || n > idat_limit(s))
			return -1;
		if (!s->n_idat++)
			s->idat = d;
		s->idat_len += n;
		return 0;
	}
	s->idat_done = s->n_idat > 0;
	if (!(t[0] & 0x20))
		return -1;  /* PLTE, a second IHDR, unknown critical chunks */
	return take_ancillary(s, t, d, n);
}

/* Walks signature to IEND; 0 when the file is of the kind we decode. */
static int walk_chunks(struct walk *s, const unsigned char *buf, size_t len,
		       uint64_t max_pixels)
{
	size_t pos = 8;

	if (len < 8 || memcmp(buf, png_sig, 8))
		return -1;
	for (int first = 1;; first = 0) {
		const unsigned char *c = buf + pos;
		uint32_t n;

		if (len - pos < 12)
			return -1;
		n = be32(c);
		if (n > len - pos - 12 || be32(c + 8 + n) !=
		    libdeflate_crc32(0, c + 4, (size_t)n + 4))
			return -1;
		pos += 12 + (size_t)n;
		if (first) {
			if (!is_type(c + 4, "IHDR") ||
			    take_ihdr(s, c + 8, n, max_pixels))
				return -1;
		} else if (is_type(c + 4, "IEND")) {
			return n || !s->n_idat || pos != len ? -1 : 0;
		} else if (take_chunk(s, c + 4, c + 8, n)) {
			return -1;
		}
	}
}

/* The IDAT data in one piece: in place when there is one chunk. */
static int join_idat(const struct walk *s, unsigned char **joined)
{
	const unsigned char *c = s->idat - 8;
	size_t at = 0;

	*joined = NULL;
	if (s->n_idat == 1)
		return 0;
	*joined = malloc(s->idat_len ? s->idat_len : 1);
	if (!*joined)
		return gic_seterr(GIC_ENOMEM, "out of memory decoding PNG");
	for (int i = 0; i < s->n_idat; i++) {
		uint32_t n = be32(c);

		memcpy(*joined + at, c + 8, n);
		at += n;
		c += 12 + n;
	}
	return 0;
}

/*
 * Inflates exactly h rows of 1 + w * channels bytes from a zlib stream
 * that uses all of the data.  A window smaller than 32 KiB is accepted
 * only when the image fits in it (zlib, unlike libdeflate, rejects
 * distances beyond the declared window).  1 ok, 0 declined, or < 0.
 */
static int inflate_all(const unsigned char *in, size_t in_len,
		       unsigned char *out, size_t out_len)
{
	struct libdeflate_decompressor *d;
	size_t used_in = 0, used_out = 0;
	enum libdeflate_result r;
	unsigned cinfo;

	if (in_len < 2 || (in[0] & 0x0f) != 8)
		return 0;
	cinfo = in[0] >> 4;
	if (cinfo > 7 || (cinfo < 7 && out_len > (size_t)1 << (cinfo + 8)))
		return 0;
	d = libdeflate_alloc_decompressor();
	if (!d)
		return gic_seterr(GIC_ENOMEM, "out of memory decoding PNG");
	r = libdeflate_zlib_decompress_ex(d, in, in_len, out, out_len,
					  &used_in, &used_out);
	libdeflate_free_decompressor(d);
	return r == LIBDEFLATE_SUCCESS && used_in == in_len &&
	       used_out == out_len;
}

#ifdef __SSE2__
static __m128i abs16(__m128i x)
{
	return _mm_max_epi16(x, _mm_sub_epi16(_mm_setzero_si128(), x));
}

/* m ? x : y, lane by lane. */
static __m128i pick(__m128i m, __m128i x, __m128i y)
{
	return _mm_or_si128(_mm_and_si128(m, x), _mm_andnot_si128(m, y));
}

/*
 * Paeth, one pixel (bpp <= 4 bytes) at a time in 16-bit lanes: the
 * predictor is a, then b where pb < pa, then c where pc < min(pa, pb),
 * which is the spec's order of ties.  The left neighbours of the first
 * pixel are zeros, as the spec says.
 */
/* A pixel's bytes, built in a register: a memcpy of 3 bytes would go
 * through the stack and stall on store forwarding. */
static inline uint32_t load_px(const unsigned char *q, size_t bpp)
{
	uint32_t v = 0;

	for (size_t k = 0; k < bpp; k++)
		v |= (uint32_t)q[k] << 8 * k;
	return v;
}

static inline __attribute__((always_inline))
void unpaeth_bpp(unsigned char *r, const unsigned char *p, size_t n,
		 size_t bpp)
{
	const __m128i z = _mm_setzero_si128(), low = _mm_set1_epi16(0xff);
	__m128i a = z, c = z;

	/* all in 16-bit lanes: the sum is reduced mod 256 by a mask, so no
	 * pack and unpack lengthen the chain from one pixel to the next */
	for (size_t i = 0; i < n; i += bpp) {
		uint32_t out;
		__m128i b, bc, ac, pa, pb, pc, pred, x;

		b = _mm_unpacklo_epi8(_mm_cvtsi32_si128((int)load_px(p + i, bpp)),
				      z);
		x = _mm_unpacklo_epi8(_mm_cvtsi32_si128((int)load_px(r + i, bpp)),
				      z);
		bc = _mm_sub_epi16(b, c);
		ac = _mm_sub_epi16(a, c);
		pa = abs16(bc);
		pb = abs16(ac);
		pc = abs16(_mm_add_epi16(bc, ac));
		pred = pick(_mm_cmpgt_epi16(pa, pb), b, a);
		pa = _mm_min_epi16(pa, pb);
		pred = pick(_mm_cmpgt_epi16(pa, pc), c, pred);
		a = _mm_and_si128(_mm_add_epi16(pred, x), low);
		out = (uint32_t)_mm_cvtsi128_si32(_mm_packus_epi16(a, z));
		for (size_t k = 0; k < bpp; k++)
			r[i + k] = (unsigned char)(out >> 8 * k);
		c = b;
	}
}

/* With bpp a constant in each copy, the moves of a pixel stay in registers. */
static void unpaeth(unsigned char *r, const unsigned char *p, size_t n,
		    size_t bpp)
{
	switch (bpp) {
	case 1: unpaeth_bpp(r, p, n, 1); break;
	case 2: unpaeth_bpp(r, p, n, 2); break;
	case 3: unpaeth_bpp(r, p, n, 3); break;
	default: unpaeth_bpp(r, p, n, 4); break;
	}
}

/* Up: the row plus the one above, 16 bytes at a time. */
static void unup(unsigned char *r, const unsigned char *p, size_t n)
{
	size_t i = 0;

	for (; i + 16 <= n; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(r + i));
		__m128i y = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		_mm_storeu_si128((__m128i *)(void *)(r + i), _mm_add_epi8(x, y));
	}
	for (; i < n; i++)
		r[i] = (unsigned char)(r[i] + p[i]);
}
#else
static void unup(unsigned char *r, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		r[i] = (unsigned char)(r[i] + p[i]);
}

static int paeth(int a, int b, int c)
{
	int p = a + b - c;
	int pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);

	if (pa <= pb && pa <= pc)
		return a;
	return pb <= pc ? b : c;
}

static void unpaeth(unsigned char *r, const unsigned char *p, size_t n,
		    size_t bpp)
{
	size_t i;

	for (i = 0; i < bpp; i++)
		r[i] = (unsigned char)(r[i] + p[i]);
	for (; i < n; i++)
		r[i] = (unsigned char)(r[i] + paeth(r[i - bpp], p[i],
						    p[i - bpp]));
}
#endif

/* Undoes the filter of row r (bytes after its filter byte) given the
 * previous row p already unfiltered (zeros for the first row). */
static void unfilter(unsigned char *r, const unsigned char *p, size_t n,
		     size_t bpp, int filter)
{
	size_t i;

	switch (filter) {
	case 1:
		for (i = bpp; i < n; i++)
			r[i] = (unsigned char)(r[i] + r[i - bpp]);
		break;
	case 2:
		unup(r, p, n);
		break;
	case 3:
		for (i = 0; i < bpp; i++)
			r[i] = (unsigned char)(r[i] + (p[i] >> 1));
		for (; i < n; i++)
			r[i] = (unsigned char)(r[i] +
					       ((r[i - bpp] + p[i]) >> 1));
		break;
	case 4:
		unpaeth(r, p, n, bpp);
		break;
	default:
		break;
	}
}

static const char *mode_name(int channels)
{
	static const char *const names[] = {"gray", "graya", "rgb", "rgba"};

	return names[channels - 1];
}

/* Text keys joined by ',' in file order (probe_text_key), and the XMP of any text chunk
 * keyed "XML:com.adobe.xmp", as probe-png.c reads them from libpng. */
static int fill_text(const struct walk *s, struct gic_image_info *info)
{
	size_t size = 1, at = 0;
	char *keys, *val;

	if (!s->n_text)
		return 0;
	for (int i = 0; i < s->n_text; i++)
		size += 3 * s->text[i].key_len + 1;
	keys = malloc(size);
	if (!keys)
		return gic_seterr(GIC_ENOMEM, "out of memory reading PNG text");
	for (int i = 0; i < s->n_text; i++) {
		const struct text *t = &s->text[i];

		at = probe_text_key(keys, at, (const char *)t->key, t->key_len);
		if (t->key_len != 17 || memcmp(t->key, "XML:com.adobe.xmp", 17))
			continue;
		info->has_xmp = 1;
		if (!(val = malloc(t->val_len + 1))) {
			free(keys);
			return gic_seterr(GIC_ENOMEM, "out of memory reading "
					  "PNG text");
		}
		memcpy(val, t->val, t->val_len);
		val[t->val_len] = '\0';
		probe_xmp(val, t->val_len, info);
		free(val);
	}
	keys[at] = '\0';
	info->text_keys = keys;
	return 0;
}

static int fill_info(const struct walk *s, struct gic_image_info *info)
{
	info->width = s->w;
	info->height = s->h;
	info->channels = s->channels;
	info->bit_depth = 8;
	info->interlaced = 0;
	snprintf(info->mode, sizeof(info->mode), "%s", mode_name(s->channels));
	info->has_icc = 0;
	info->has_c2pa = s->has_c2pa;
	info->has_exif = s->has_exif;
	if (s->has_exif)
		probe_exif(s->exif, s->exif_len, info);
	return fill_text(s, info);
}

/* Unfilters the rows in place and hands them out. */
static int emit_rows(const struct walk *s, unsigned char *raw,
		     const unsigned char *zeros,
		     int (*row)(void *, uint32_t, const unsigned char *),
		     void *arg)
{
	size_t n = s->stride - 1, bpp = (size_t)s->channels;

	for (uint32_t y = 0; y < s->h; y++) {
		unsigned char *r = raw + (size_t)y * s->stride;
		const unsigned char *p = y ? r - s->stride + 1 : zeros;
		int rc;

		unfilter(r + 1, p, n, bpp, r[0]);
		if ((rc = row(arg, y, r + 1)) < 0)
			return rc;
	}
	return 1;
}

/* Inflates and checks the filter bytes; 1 ok, 0 declined, or < 0. */
static int inflate_rows(const struct walk *s, unsigned char *raw)
{
	unsigned char *joined = NULL;
	int rc = join_idat(s, &joined);

	if (rc < 0)
		goto out;
	rc = inflate_all(joined ? joined : s->idat, s->idat_len, raw,
			 s->stride * s->h);
	for (uint32_t y = 0; rc == 1 && y < s->h; y++)
		if (raw[(size_t)y * s->stride] > 4)
			rc = 0;
out:
	free(joined);
	return rc;
}

int gic_pngfast_decode(const unsigned char *buf, size_t len,
		       uint64_t max_pixels, struct gic_image_info *info,
		       int (*row)(void *arg, uint32_t y,
				  const unsigned char *px),
		       void *arg)
{
	struct walk *s = calloc(1, sizeof(*s));
	unsigned char *raw = NULL, *zeros = NULL;
	int rc;

	if (!s)
		return gic_seterr(GIC_ENOMEM, "out of memory decoding PNG");
	rc = 0;
	if (!buf || walk_chunks(s, buf, len, max_pixels))
		goto out;
	raw = malloc(s->stride * s->h);
	zeros = calloc(1, s->stride);
	if (!raw || !zeros) {
		rc = gic_seterr(GIC_ENOMEM, "out of memory decoding PNG");
		goto out;
	}
	rc = inflate_rows(s, raw);
	if (rc == 1 && (rc = fill_info(s, info)) == 0)
		rc = emit_rows(s, raw, zeros, row, arg);
out:
	free(raw);
	free(zeros);
	free(s);
	return rc;
}
