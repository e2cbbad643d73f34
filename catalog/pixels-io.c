/*
 * pixels-io.c - 8-bit RGB images in and out for the degradation engine:
 * decoding any PNG or JPEG to RGB8 (libpng, libjpeg-turbo) with the colour
 * conversions degrade.h documents, and the deterministic JPEG and PNG
 * encoders.  All state is per call, so any number of threads may work at
 * once.
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jerror.h>
#include <jpeglib.h>
#include <png.h>
#include <zlib.h>

#include "degrade.h"
#include "pngfast.h"
#include "probe-int.h"

int gic_pixels_init(struct gic_pixels *p, uint32_t w, uint32_t h)
{
	/* 16 bytes of slack let vector loops read a little past the end */
	p->rgb = malloc((size_t)w * h * 3 + 16);
	p->w = p->rgb ? w : 0;
	p->h = p->rgb ? h : 0;
	return p->rgb ? 0 : gic_seterr(GIC_ENOMEM, "out of memory for a "
				       "%ux%u image", w, h);
}

void gic_pixels_release(struct gic_pixels *p)
{
	if (!p)
		return;
	free(p->rgb);
	p->rgb = NULL;
	p->w = p->h = 0;
}

/* ---- PNG in ---------------------------------------------------------------- */

struct png_in {
	const unsigned char *buf;
	size_t len, pos;
	png_structp png;
	png_infop info;
	unsigned char *px;
	png_bytep *rows;
};

static void png_in_error(png_structp png, png_const_charp msg)
{
	gic_seterr(GIC_EBADIMG, "invalid PNG: %s", msg);
	png_longjmp(png, 1);
}

static void png_quiet(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

static void png_in_read(png_structp png, png_bytep data, size_t n)
{
	struct png_in *s = png_get_io_ptr(png);

	if (n > s->len - s->pos)
		png_error(png, "unexpected end of file");
	memcpy(data, s->buf + s->pos, n);
	s->pos += n;
}

/* Asks libpng for 8-bit RGB or RGBA; returns the bytes per pixel. */
static int png_in_setup(struct png_in *s)
{
	int ct = png_get_color_type(s->png, s->info);

	if (ct == PNG_COLOR_TYPE_PALETTE)
		png_set_palette_to_rgb(s->png);
	if (ct == PNG_COLOR_TYPE_GRAY || ct == PNG_COLOR_TYPE_GRAY_ALPHA)
		png_set_gray_to_rgb(s->png);
	png_set_expand(s->png);   /* low bit depths; tRNS becomes alpha */
	png_set_strip_16(s->png);
	png_set_interlace_handling(s->png);
	png_read_update_info(s->png, s->info);
	return png_get_channels(s->png, s->info);
}

/* RGBA -> RGB composited on black; dst may be src (front to back). */
static void composite_black(unsigned char *px, const unsigned char *src,
			    size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const unsigned char *s = src + 4 * i;
		unsigned a = s[3];

		for (int c = 0; c < 3; c++)
			px[3 * i + c] = (unsigned char)((s[c] * a + 127) / 255);
	}
}

static int png_in_run(struct png_in *s, uint64_t max, struct gic_pixels *out)
{
	uint32_t w, h;
	int bpp, rc;

	if (setjmp(png_jmpbuf(s->png)))
		return GIC_EBADIMG;
	png_set_read_fn(s->png, s, png_in_read);
	png_read_info(s->png, s->info);
	w = png_get_image_width(s->png, s->info);
	h = png_get_image_height(s->png, s->info);
	if ((rc = probe_check_size(w, h, max)) < 0)
		return rc;
	bpp = png_in_setup(s);
	if (!(s->px = malloc((size_t)w * h * (size_t)bpp + 16)) ||
	    !(s->rows = malloc(h * sizeof(*s->rows))))
		return gic_seterr(GIC_ENOMEM, "out of memory decoding PNG");
	for (uint32_t y = 0; y < h; y++)
		s->rows[y] = s->px + (size_t)y * w * (size_t)bpp;
	png_read_image(s->png, s->rows);
	png_read_end(s->png, NULL);
	if (bpp == 4)
		composite_black(s->px, s->px, (size_t)w * h);
	out->w = w;
	out->h = h;
	out->rgb = s->px;
	s->px = NULL;
	return 0;
}

/* Rows from pngfast to RGB, converted as png_in_setup() asks of libpng. */
struct png_fast {
	struct gic_image_info info;
	struct gic_pixels *out;
};

static int png_fast_row(void *arg, uint32_t y, const unsigned char *px)
{
	struct png_fast *f = arg;
	uint32_t w = f->info.width;
	unsigned char *d;
	int rc;

	if (!y && (rc = gic_pixels_init(f->out, w, f->info.height)) < 0)
		return rc;
	d = f->out->rgb + (size_t)y * w * 3;
	if (f->info.channels == 3)
		memcpy(d, px, (size_t)w * 3);
	else if (f->info.channels == 4)
		composite_black(d, px, w);
	for (uint32_t x = 0; f->info.channels <= 2 && x < w; x++) {
		unsigned v = px[x * (uint32_t)f->info.channels];

		if (f->info.channels == 2)
			v = (v * px[2 * x + 1] + 127) / 255;
		d[3 * x] = d[3 * x + 1] = d[3 * x + 2] = (unsigned char)v;
	}
	return 0;
}

static int decode_png(const unsigned char *buf, size_t len, uint64_t max,
		      struct gic_pixels *out)
{
	struct png_fast f = { .out = out };
	struct png_in *s;
	int rc = gic_pngfast_decode(buf, len, max, &f.info, png_fast_row, &f);

	gic_image_info_release(&f.info);
	if (rc)
		return rc < 0 ? rc : 0;
	s = calloc(1, sizeof(*s));
	if (!s)
		return gic_seterr(GIC_ENOMEM, "out of memory decoding PNG");
	s->buf = buf;
	s->len = len;
	if ((rc = probe_png_reader(buf, len, max, NULL, png_in_error,
				   png_quiet, &s->png, &s->info, NULL)) == 0)
		rc = png_in_run(s, max, out);
	png_destroy_read_struct(s->png ? &s->png : NULL,
				s->info ? &s->info : NULL, NULL);
	free(s->px);
	free(s->rows);
	free(s);
	return rc;
}

/* ---- JPEG in ---------------------------------------------------------------- */

/* libjpeg's error manager with where to jump back to. */
struct jpeg_err {
	struct jpeg_error_mgr pub;
	jmp_buf jb;
	int rc;  /* why it jumped: the error gic_seterr was given */
};

static void jpeg_fail(j_common_ptr ci)
{
	struct jpeg_err *e = (struct jpeg_err *)(void *)ci->err;
	char msg[JMSG_LENGTH_MAX];

	(*ci->err->format_message)(ci, msg);
	e->rc = gic_seterr(GIC_EBADIMG, "%s JPEG: %s", ci->is_decompressor
			   ? "invalid" : "cannot write", msg);
	longjmp(e->jb, 1);
}

/* Between passes: a file of too many scans stops, as gic_probe stops it. */
static void jpeg_scans(j_common_ptr ci)
{
	struct jpeg_decompress_struct *d = (struct jpeg_decompress_struct *)ci;
	struct jpeg_err *e = (struct jpeg_err *)(void *)ci->err;

	if ((e->rc = probe_jpeg_scans(d->input_scan_number)) < 0)
		longjmp(e->jb, 1);
}

/* Warnings that mean the pixels are not all there fail the decode. */
static void jpeg_warn(j_common_ptr ci, int level)
{
	int code = ci->err->msg_code;

	if (level == -1 && (code == JWRN_JPEG_EOF || code == JWRN_HIT_MARKER ||
			    code == JWRN_MUST_RESYNC ||
			    code == JWRN_NOT_SEQUENTIAL))
		jpeg_fail(ci);
}

static void jpeg_err_init(struct jpeg_err *e, struct jpeg_error_mgr **slot)
{
	*slot = jpeg_std_error(&e->pub);
	e->pub.error_exit = jpeg_fail;
	e->pub.emit_message = jpeg_warn;
}

struct jpeg_in {
	struct jpeg_decompress_struct ci;
	struct jpeg_err err;
	struct jpeg_progress_mgr progress;
	int created;
	uint64_t reserved;      /* probe_jpeg_reserve */
	unsigned char *px, *row;
};

/* Pillow's cmyk2rgb: R = (255 - K) - round(C (255 - K) / 255), of CMYK
 * read inverted, as Pillow, browsers and Adobe (which writes nearly every
 * CMYK JPEG) read it, with an Adobe marker or without. */
static void cmyk_to_rgb(unsigned char *dst, const unsigned char *src,
			uint32_t n)
{
	for (uint32_t i = 0; i < n; i++, src += 4, dst += 3) {
		unsigned k = 255u - src[3], nk = 255 - k;

		for (int c = 0; c < 3; c++) {
			unsigned v = (255u - src[c]) * nk + 128;

			dst[c] = (unsigned char)(nk - (((v >> 8) + v) >> 8));
		}
	}
}

static int jpeg_in_run(struct jpeg_in *s, const unsigned char *buf,
		       size_t len, uint64_t max, struct gic_pixels *out)
{
	struct jpeg_decompress_struct *ci = &s->ci;
	int cmyk, rc;

	if (setjmp(s->err.jb))
		return s->err.rc;
	jpeg_create_decompress(ci);
	s->created = 1;
	s->progress.progress_monitor = jpeg_scans;
	ci->progress = &s->progress;
	jpeg_mem_src(ci, buf, (unsigned long)len);
	jpeg_read_header(ci, TRUE);
	if ((rc = probe_check_size(ci->image_width, ci->image_height, max)) < 0)
		return rc;
	cmyk = ci->jpeg_color_space == JCS_CMYK ||
	       ci->jpeg_color_space == JCS_YCCK;
	ci->out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
	ci->dct_method = JDCT_ISLOW;
	s->reserved = probe_jpeg_reserve(ci);
	jpeg_start_decompress(ci);
	if (!(s->px = malloc((size_t)ci->output_width * ci->output_height * 3
			     + 16)) ||
	    (cmyk && !(s->row = malloc((size_t)ci->output_width * 4))))
		return gic_seterr(GIC_ENOMEM, "out of memory decoding JPEG");
	while (ci->output_scanline < ci->output_height) {
		unsigned char *dst = s->px + (size_t)ci->output_scanline *
					     ci->output_width * 3;
		JSAMPROW row = cmyk ? s->row : dst;

		jpeg_read_scanlines(ci, &row, 1);
		if (cmyk)
			cmyk_to_rgb(dst, s->row, ci->output_width);
	}
	jpeg_finish_decompress(ci);
	out->w = ci->output_width;
	out->h = ci->output_height;
	out->rgb = s->px;
	s->px = NULL;
	return 0;
}

static int decode_jpeg(const unsigned char *buf, size_t len, uint64_t max,
		       struct gic_pixels *out)
{
	struct jpeg_in *s = calloc(1, sizeof(*s));
	int rc;

	if (!s)
		return gic_seterr(GIC_ENOMEM, "out of memory decoding JPEG");
	jpeg_err_init(&s->err, &s->ci.err);
	rc = jpeg_in_run(s, buf, len, max, out);
	if (s->created)
		jpeg_destroy_decompress(&s->ci);
	probe_jpeg_release(s->reserved);
	free(s->px);
	free(s->row);
	free(s);
	return rc;
}

int gic_pixels_decode(const unsigned char *buf, size_t len,
		      uint64_t max_pixels, struct gic_pixels *out)
{
	const char *fmt = gic_sniff_format(buf, len);

	memset(out, 0, sizeof(*out));
	if (!max_pixels)
		max_pixels = GIC_DEFAULT_MAX_PIXELS;
	if (!fmt)
		return gic_seterr(GIC_EBADIMG, "not a PNG or JPEG file");
	return !strcmp(fmt, "png") ? decode_png(buf, len, max_pixels, out)
				   : decode_jpeg(buf, len, max_pixels, out);
}

/* ---- encoders ----------------------------------------------------------- */

struct jpeg_out {
	struct jpeg_compress_struct ci;
	struct jpeg_err err;
	int created;
	unsigned char *buf;
	unsigned long len;
};

static int jpeg_out_run(struct jpeg_out *s, const struct gic_pixels *p,
			int quality, int subsampling)
{
	struct jpeg_compress_struct *ci = &s->ci;

	if (setjmp(s->err.jb))
		return GIC_EBADIMG;
	jpeg_create_compress(ci);
	s->created = 1;
	jpeg_mem_dest(ci, &s->buf, &s->len);
	ci->image_width = p->w;
	ci->image_height = p->h;
	ci->input_components = 3;
	ci->in_color_space = JCS_RGB;
	jpeg_set_defaults(ci);
	jpeg_set_quality(ci, quality, TRUE);
	ci->dct_method = JDCT_ISLOW;
	if (subsampling == 444)
		ci->comp_info[0].h_samp_factor = ci->comp_info[0].v_samp_factor = 1;
	jpeg_start_compress(ci, TRUE);
	while (ci->next_scanline < ci->image_height) {
		JSAMPROW row = p->rgb + (size_t)ci->next_scanline * p->w * 3;

		jpeg_write_scanlines(ci, &row, 1);
	}
	jpeg_finish_compress(ci);
	return 0;
}

int gic_pixels_encode_jpeg(const struct gic_pixels *p, int quality,
			   int subsampling, unsigned char **out, size_t *len)
{
	struct jpeg_out *s = calloc(1, sizeof(*s));
	int rc;

	*out = NULL;
	if (!s)
		return gic_seterr(GIC_ENOMEM, "out of memory encoding JPEG");
	jpeg_err_init(&s->err, &s->ci.err);
	if ((rc = jpeg_out_run(s, p, quality, subsampling)) == 0) {
		*out = s->buf;
		*len = s->len;
		s->buf = NULL;
	}
	if (s->created)
		jpeg_destroy_compress(&s->ci);
	free(s->buf);
	free(s);
	return rc;
}

struct png_out {
	png_structp png;
	png_infop info;
	unsigned char *buf;
	size_t len, cap;
};

static void png_out_error(png_structp png, png_const_charp msg)
{
	gic_seterr(GIC_ENOMEM, "cannot write PNG: %s", msg);
	png_longjmp(png, 1);
}

static void png_out_write(png_structp png, png_bytep data, size_t n)
{
	struct png_out *s = png_get_io_ptr(png);

	if (n > s->cap - s->len) {
		size_t cap = (s->len + n) * 2;
		unsigned char *b = realloc(s->buf, cap);

		if (!b)
			png_error(png, "out of memory");
		s->buf = b;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, data, n);
	s->len += n;
}

static void png_out_flush(png_structp png)
{
	(void)png;
}

static int png_out_run(struct png_out *s, const struct gic_pixels *p,
		       int level)
{
	if (setjmp(png_jmpbuf(s->png)))
		return GIC_ENOMEM;
	png_set_write_fn(s->png, s, png_out_write, png_out_flush);
	if (level == GIC_PNG_FAST) {
		png_set_compression_strategy(s->png, Z_RLE);
		png_set_filter(s->png, PNG_FILTER_TYPE_BASE, PNG_FILTER_UP);
	} else {
		png_set_compression_level(s->png, level);
		png_set_filter(s->png, PNG_FILTER_TYPE_BASE, PNG_ALL_FILTERS);
	}
	png_set_IHDR(s->png, s->info, p->w, p->h, 8, PNG_COLOR_TYPE_RGB,
		     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_BASE,
		     PNG_FILTER_TYPE_BASE);
	png_write_info(s->png, s->info);
	for (uint32_t y = 0; y < p->h; y++)
		png_write_row(s->png, p->rgb + (size_t)y * p->w * 3);
	png_write_end(s->png, s->info);
	return 0;
}

int gic_pixels_encode_png(const struct gic_pixels *p, int level,
			  unsigned char **out, size_t *len)
{
	struct png_out s = { 0 };
	int rc;

	*out = NULL;
	s.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL,
					png_out_error, png_quiet);
	s.info = s.png ? png_create_info_struct(s.png) : NULL;
	rc = s.info ? png_out_run(&s, p, level)
		    : gic_seterr(GIC_ENOMEM, "out of memory starting libpng");
	png_destroy_write_struct(s.png ? &s.png : NULL, s.info ? &s.info : NULL);
	if (rc == 0) {
		*out = s.buf;
		*len = s.len;
	} else {
		free(s.buf);
	}
	return rc;
}
