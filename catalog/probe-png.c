/*
 * probe-png.c - PNG decoding for gic_probe() with libpng 1.6.
 *
 * Every row is decoded (through png_read_end, so a missing IEND or a CRC
 * error anywhere is caught) into one row buffer whose gray values feed the
 * pHash grid; the image is never held whole, interlaced or not.  Errors
 * longjmp back to decode(); libpng's warnings and "benign errors" (an
 * unusable iCCP profile...) are ignored because the pixels are still
 * right, but a CRC error in any chunk, ancillary too, rejects the file:
 * its bytes are not those written.
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libdeflate.h>
#include <png.h>

#include "pngfast.h"
#include "probe-int.h"

/* IDAT bytes libpng may read past the last row's own: the end of the
 * zlib stream takes a few, and 64 KiB inflates to at most ~64 MiB. */
#define EXCESS_IDAT_MAX ((size_t)64 << 10)

struct png_state {
	const unsigned char *buf;
	size_t len, pos;
	uint64_t max_pixels;
	png_structp png;
	png_infop info;
	unsigned char *row;
	unsigned char *rgb;       /* a palette row, expanded */
	png_colorp plte;          /* and its palette */
	int nplte;
	const char *stage;        /* where reading stopped, for messages */
	int truncated;
	struct png_layout at;     /* where the IDAT chunks and IEND end */
	size_t last_row_max;      /* >0: reading the last row, which may take
				     so many IDAT bytes (see read_data) */
	size_t last_row_took;     /* and took so many */
	char warning[128];        /* the last warning, context for errors */
	struct gic_image_info *out;
	struct phash_acc acc;
};

static void on_error(png_structp png, png_const_charp msg)
{
	struct png_state *s = png_get_error_ptr(png);

	if (!strcmp(msg, "Invalid IHDR data") && s->warning[0])
		msg = s->warning;  /* say what is wrong with it */
	gic_seterr(GIC_EBADIMG, "%s", msg);
	png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg)
{
	struct png_state *s = png_get_error_ptr(png);

	/* a C2PA manifest too big to buffer is still a C2PA manifest */
	if (!strncmp(msg, "caBX", 4))
		s->out->has_c2pa = 1;
	snprintf(s->warning, sizeof(s->warning), "%s", msg);
}

static void read_data(png_structp png, png_bytep data, size_t n)
{
	struct png_state *s = png_get_io_ptr(png);

	if (n > s->len - s->pos) {
		s->truncated = 1;
		png_error(png, "unexpected end of file");
	}
	/* with the last row, libpng inflates what follows it to the end of
	 * the stream, only to warn of too much data: a few KB of zlib can be
	 * gigabytes of that */
	if (s->last_row_max && s->pos < s->at.idat_end &&
	    (s->last_row_took += n) > s->last_row_max)
		png_error(png, "too much image data: the IDAT chunks go on "
			  "far beyond the last row");
	memcpy(data, s->buf + s->pos, n);
	s->pos += n;
}

static int on_unknown_chunk(png_structp png, png_unknown_chunkp chunk)
{
	struct png_state *s = png_get_user_chunk_ptr(png);

	if (!memcmp(chunk->name, "caBX", 4)) {
		s->out->has_c2pa = 1;
		return 1;
	}
	return 0;  /* libpng's default: skip ancillary, fail on critical */
}

static int truncated(size_t len, const char *stage)
{
	return gic_seterr(GIC_EBADIMG, "truncated PNG: file ends after %zu "
			  "bytes, %s", len, stage);
}

/* Turns libpng's message into a reason the user can act on. */
static int fail(struct png_state *s)
{
	char msg[256];
	size_t n;

	snprintf(msg, sizeof(msg), "%s", gic_errmsg());
	if (s->truncated)
		return truncated(s->len, s->stage);
	n = strlen(msg);
	if (n > 11 && !strcmp(msg + n - 11, ": CRC error"))
		return gic_seterr(GIC_EBADIMG, "PNG CRC error in %.*s chunk",
				  (int)(n - 11), msg);
	return gic_seterr(GIC_EBADIMG, "invalid PNG: %s", msg);
}

/*
 * Rejects an over-limit IHDR before libpng runs: libpng reads on to the
 * first IDAT before it reports the header, and a file made to exhaust
 * memory need not have one.
 */
static int precheck_ihdr(const struct png_state *s)
{
	const unsigned char *p = s->buf + 8;
	uint32_t w, h;

	/* a damaged header is a CRC error, whatever its sizes: libpng's */
	if (s->len < 8 + 8 + 13 + 4 || png_get_uint_32(p) != 13 ||
	    memcmp(p + 4, "IHDR", 4) ||
	    libdeflate_crc32(0, p + 4, 4 + 13) != png_get_uint_32(p + 8 + 13))
		return 0;
	w = png_get_uint_32(p + 8);
	h = png_get_uint_32(p + 12);
	if (!w || !h || w > PNG_UINT_31_MAX || h > PNG_UINT_31_MAX)
		return gic_seterr(GIC_EBADIMG, "invalid PNG: IHDR %s out of "
				  "range (image is %ux%u; a side is 1 to "
				  "2^31-1)", !w || w > PNG_UINT_31_MAX ?
				  "width" : "height", (unsigned)w, (unsigned)h);
	return probe_check_size(w, h, s->max_pixels);
}

/* Four letters, as a chunk type is. */
static int chunk_type(const unsigned char *t)
{
	for (int i = 0; i < 4; i++)
		if (!((t[i] | 0x20) >= 'a' && (t[i] | 0x20) <= 'z'))
			return 0;
	return 1;
}

/*
 * 0, or the truncation of a chunk that claims more than the file has, or
 * whose length, type and CRC do not all fit (libpng would allocate the
 * claimed length of a text chunk before reading it: 2 GB for a 41-byte
 * file).  Garbage where a chunk should start reads as such a claim.
 * *at: where the last IDAT chunk and IEND end.
 */
static int check_chunks(const unsigned char *buf, size_t len,
			struct png_layout *at_out)
{
	struct png_layout lay = { 0, 0 };
	static const char *const stages[] = { "in the header",
		"in the image data", "after the image data, before IEND" };
	size_t pos = 8;
	int at = 0;  /* stages[at]: before, at or after the IDAT chunks */

	while (pos < len) {
		const unsigned char *c = buf + pos;
		size_t left = len - pos;
		png_uint_32 n = left >= 4 ? png_get_uint_32(c) : 0;

		if (left >= 8)
			at = !memcmp(c + 4, "IDAT", 4) ? 1 : at ? 2 : 0;
		if (left < 12 || n > left - 12) {
			char type[8] = "";

			if (left >= 8 && chunk_type(c + 4))
				snprintf(type, sizeof(type), " '%.4s'", c + 4);
			return gic_seterr(GIC_EBADIMG, "truncated PNG: file ends "
					  "after %zu bytes, %s (chunk%s at byte "
					  "%zu needs %llu bytes)", len, stages[at], type,
					  pos, 12ull + n);
		}
		pos += 12 + (size_t)n;
		if (!memcmp(c + 4, "IEND", 4)) {
			lay.end = pos;
			break;
		}
		if (at == 1)
			lay.idat_end = pos;
	}
	*at_out = lay;
	return 0;
}

static const char *mode_name(int color_type)
{
	switch (color_type) {
	case PNG_COLOR_TYPE_GRAY: return "gray";
	case PNG_COLOR_TYPE_GRAY_ALPHA: return "graya";
	case PNG_COLOR_TYPE_RGB: return "rgb";
	case PNG_COLOR_TYPE_RGB_ALPHA: return "rgba";
	case PNG_COLOR_TYPE_PALETTE: return "palette";
	default: return "unknown";
	}
}

/* Reports the image as stored, then asks libpng for 8-bit gray or RGB. */
static void setup(struct png_state *s)
{
	png_structp png = s->png;
	png_infop info = s->info;
	int ct = png_get_color_type(png, info);

	s->out->width = png_get_image_width(png, info);
	s->out->height = png_get_image_height(png, info);
	s->out->channels = png_get_channels(png, info);
	s->out->bit_depth = png_get_bit_depth(png, info);
	s->out->interlaced =
		png_get_interlace_type(png, info) == PNG_INTERLACE_ADAM7;
	snprintf(s->out->mode, sizeof(s->out->mode), "%s", mode_name(ct));

	if (ct == PNG_COLOR_TYPE_PALETTE)  /* indices, a byte each: see */
		png_set_packing(png);         /* palette_row */
	if (ct == PNG_COLOR_TYPE_GRAY && s->out->bit_depth < 8)
		png_set_expand_gray_1_2_4_to_8(png);
	if (s->out->bit_depth == 16)
		png_set_strip_16(png);
	/* the hash ignores transparency, like a plain luma conversion */
	if (ct & PNG_COLOR_MASK_ALPHA)
		png_set_strip_alpha(png);
	png_read_update_info(png, info);
}

/* IDAT bytes the last row (pw pixels) may take: twice its filtered bytes
 * (no encoder's deflate grows data by more), the end of the stream and
 * libpng's read-ahead. */
static size_t last_row_max(const struct png_state *s, uint32_t pw)
{
	uint64_t bits = (uint64_t)pw * s->out->channels * s->out->bit_depth;

	return (size_t)(2 * ((bits + 7) / 8 + 1)) + EXCESS_IDAT_MAX;
}

/*
 * A row of palette indices as RGB.  An index beyond the PLTE is an error
 * of the file (PNG 11.2.3), which libpng reports only for depths below 8,
 * and decoders fill differently (libpng black, Pillow white): refused,
 * as it has no one right image.  Transparency (tRNS) is left out, as the
 * hash leaves out alpha.
 */
static const unsigned char *palette_row(struct png_state *s, uint32_t y,
					uint32_t x0, uint32_t dx, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		unsigned v = s->row[i];

		if ((int)v >= s->nplte) {
			gic_seterr(GIC_EBADIMG, "pixel (%u, %u) has palette "
				   "index %u, beyond its PLTE of %d entr%s",
				   x0 + i * dx,
				   y, v, s->nplte, s->nplte == 1 ? "y" : "ies");
			png_longjmp(s->png, 1);
		}
		s->rgb[3 * i] = s->plte[v].red;
		s->rgb[3 * i + 1] = s->plte[v].green;
		s->rgb[3 * i + 2] = s->plte[v].blue;
	}
	return s->rgb;
}

static void read_rows(struct png_state *s)
{
	uint32_t w = s->out->width, h = s->out->height;
	int pal = s->rgb != NULL, last_pass = 0;
	int rgb = pal || png_get_channels(s->png, s->info) == 3;

	for (int pass = 0; pass < 7 && s->out->interlaced; pass++)
		if (PNG_PASS_COLS(w, pass) && PNG_PASS_ROWS(h, pass))
			last_pass = pass;
	for (int pass = 0; pass < 7; pass++) {
		uint32_t pw = w, ph = h, x0 = 0, dx = 1;

		if (s->out->interlaced) {
			if (!PNG_PASS_COLS(w, pass) || !PNG_PASS_ROWS(h, pass))
				continue;  /* libpng skips empty passes */
			pw = PNG_PASS_COLS(w, pass);
			ph = PNG_PASS_ROWS(h, pass);
			x0 = PNG_PASS_START_COL(pass);
			dx = PNG_PASS_COL_OFFSET(pass);
		}
		for (uint32_t j = 0; j < ph; j++) {
			uint32_t y = s->out->interlaced
				? PNG_ROW_FROM_PASS_ROW(j, pass) : j;

			if (pass == last_pass && j == ph - 1)
				s->last_row_max = last_row_max(s, pw);
			png_read_row(s->png, s->row, NULL);
			phash_acc_row(&s->acc, y, x0, dx, pal ? palette_row(s,
				      y, x0, dx, pw) : s->row, pw, rgb);
		}
		if (!s->out->interlaced)
			break;
	}
}

/* Keys of all text chunks, joined by ',' (probe_text_key); notes XMP on
 * the way. */
static int collect_text(struct png_state *s)
{
	png_textp text = NULL;
	int n = png_get_text(s->png, s->info, &text, NULL);
	size_t size = 1, at = 0;
	char *keys;

	if (n <= 0)
		return 0;
	for (int i = 0; i < n; i++)
		size += 3 * strlen(text[i].key) + 1;
	keys = malloc(size);
	if (!keys)
		return gic_seterr(GIC_ENOMEM, "out of memory reading PNG text");
	for (int i = 0; i < n; i++) {
		if (!strcmp(text[i].key, "XML:com.adobe.xmp")) {
			s->out->has_xmp = 1;
			if (text[i].text)
				probe_xmp(text[i].text, strlen(text[i].text),
					  s->out);
		}
		at = probe_text_key(keys, at, text[i].key, strlen(text[i].key));
	}
	keys[at] = '\0';
	s->out->text_keys = keys;
	return 0;
}

static void collect_metadata(struct png_state *s)
{
	png_bytep exif = NULL;
	png_uint_32 exif_len = 0;

	s->out->has_icc = png_get_valid(s->png, s->info, PNG_INFO_iCCP) != 0;
	if (png_get_eXIf_1(s->png, s->info, &exif_len, &exif)) {
		s->out->has_exif = 1;
		probe_exif(exif, exif_len, s->out);
	}
}

int probe_png_reader(const unsigned char *buf, size_t len,
		     uint64_t max_pixels, void *err_ptr,
		     probe_png_msg_fn err_fn, probe_png_msg_fn warn_fn,
		     png_structp *png, png_infop *info, struct png_layout *at)
{
	struct png_layout lay;
	png_uint_32 dim_max = max_pixels < PNG_UINT_31_MAX
		? (png_uint_32)max_pixels : PNG_UINT_31_MAX;
	int rc;

	*png = NULL;
	*info = NULL;
	if ((rc = check_chunks(buf, len, at ? at : &lay)) < 0)
		return rc;
	*png = png_create_read_struct(PNG_LIBPNG_VER_STRING, err_ptr,
				      err_fn, warn_fn);
	if (!*png || !(*info = png_create_info_struct(*png))) {
		png_destroy_read_struct(png, NULL, NULL);  /* *png = NULL */
		return gic_seterr(GIC_ENOMEM, "out of memory starting libpng");
	}
	png_set_benign_errors(*png, 1);
	/* a CRC error is corruption, in any chunk: the file is not as written */
	png_set_crc_action(*png, PNG_CRC_ERROR_QUIT, PNG_CRC_ERROR_QUIT);
	png_set_user_limits(*png, dim_max, dim_max);
	png_set_chunk_malloc_max(*png, PROBE_PNG_CHUNK_MALLOC_MAX);
	png_set_chunk_cache_max(*png, PROBE_PNG_CHUNK_CACHE_MAX);
	return 0;
}

static int decode(struct png_state *s)
{
	int rc;

	if (setjmp(png_jmpbuf(s->png)))
		return fail(s);
	png_set_read_fn(s->png, s, read_data);
	png_set_read_user_chunk_fn(s->png, s, on_unknown_chunk);
	s->stage = "in the header";
	png_read_info(s->png, s->info);
	s->warning[0] = '\0';
	rc = probe_check_size(png_get_image_width(s->png, s->info),
			      png_get_image_height(s->png, s->info),
			      s->max_pixels);
	if (rc)
		return rc;
	setup(s);
	s->row = malloc(png_get_rowbytes(s->png, s->info));
	if (png_get_color_type(s->png, s->info) == PNG_COLOR_TYPE_PALETTE &&
	    png_get_PLTE(s->png, s->info, &s->plte, &s->nplte))
		s->rgb = malloc((size_t)s->out->width * 3);
	if (!s->row || (s->plte && !s->rgb))
		return gic_seterr(GIC_ENOMEM, "out of memory decoding PNG");
	phash_acc_init(&s->acc, s->out->width, s->out->height);
	s->stage = "in the image data";
	read_rows(s);
	s->stage = "after the image data, before IEND";
	png_read_end(s->png, s->info);
	collect_metadata(s);
	s->out->phash = phash_acc_finish(&s->acc);
	return collect_text(s);
}

/* Rows from pngfast, alpha dropped as setup() asks of libpng. */
static int fast_row(void *arg, uint32_t y, const unsigned char *px)
{
	struct png_state *s = arg;
	uint32_t w = s->out->width;
	int ch = s->out->channels;

	if (!y) {
		phash_acc_init(&s->acc, w, s->out->height);
		if (!(ch & 1) && !(s->row = malloc((size_t)w * 3)))
			return gic_seterr(GIC_ENOMEM,
					  "out of memory decoding PNG");
	}
	for (uint32_t x = 0; ch == 2 && x < w; x++)
		s->row[x] = px[2 * x];
	for (uint32_t x = 0; ch == 4 && x < w; x++) {
		s->row[3 * x] = px[4 * x];
		s->row[3 * x + 1] = px[4 * x + 1];
		s->row[3 * x + 2] = px[4 * x + 2];
	}
	if (!(ch & 1))
		px = s->row;
	phash_acc_row(&s->acc, y, 0, 1, px, w, ch >= 3);
	return 0;
}

/* The fast path for plain 8-bit PNGs: 1 done, 0 declined, or < 0. */
static int try_fast(struct png_state *s)
{
	int rc = gic_pngfast_decode(s->buf, s->len, s->max_pixels, s->out,
				    fast_row, s);

	if (rc == 1)
		s->out->phash = phash_acc_finish(&s->acc);
	return rc;
}

int probe_png(const unsigned char *buf, size_t len, uint64_t max_pixels,
	      struct gic_image_info *out)
{
	struct png_state *s;
	int rc;

	/* on the heap: the pHash grid is 8 KiB and threads have small stacks */
	s = calloc(1, sizeof(*s));
	if (!s)
		return gic_seterr(GIC_ENOMEM, "out of memory probing PNG");
	s->buf = buf;
	s->len = len;
	s->max_pixels = max_pixels;
	s->out = out;
	rc = precheck_ihdr(s);
	if (rc || (rc = try_fast(s)) != 0 ||
	    (rc = probe_png_reader(buf, len, max_pixels, s, on_error,
				   on_warning, &s->png, &s->info,
				   &s->at)) < 0)
		rc = rc < 0 ? rc : 0;
	else if ((rc = decode(s)) == 0)  /* png_read_end found IEND */
		out->trailing_bytes = len - s->at.end;
	png_destroy_read_struct(s->png ? &s->png : NULL,
				s->info ? &s->info : NULL, NULL);
	free(s->row);
	free(s->rgb);
	free(s);
	return rc;
}
