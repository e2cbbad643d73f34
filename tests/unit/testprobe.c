/*
 * testprobe.c - the helpers testprobe.h declares for the test-probe-*.c
 * unit tests: probing that fails the test with the library's reason, PNG
 * chunks with their CRCs, synthetic pictures and a libjpeg encoder.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testdata.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include "catalog.h"
#include "testprobe.h"

/* ---- probing ------------------------------------------------------------ */

void probe_file(const char *rel, struct gic_image_info *in)
{
	size_t len;
	unsigned char *p = test_read_shared(rel, &len);
	int rc = gic_probe(p, len, NULL, in);

	if (rc)
		fail_msg("%s: rc %d: %s", rel, rc, gic_errmsg());
	free(p);
}

void probe_buf(const char *what, struct buf b, struct gic_image_info *in)
{
	int rc = gic_probe(b.p, b.n, NULL, in);

	if (rc)
		fail_msg("%s: rc %d: %s", what, rc, gic_errmsg());
}

void expect_reject(const char *what, const unsigned char *p, size_t len,
		   uint64_t max, int code, const char *want)
{
	struct gic_probe_opts o = {max};
	struct gic_image_info in;
	int rc = gic_probe(p, len, &o, &in);

	if (rc != code)
		fail_msg("%s: rc %d, expected %d (%s)", what, rc, code,
			 rc ? gic_errmsg() : "accepted");
	if (!gic_errmsg()[0] || (want && !strstr(gic_errmsg(), want)))
		fail_msg("%s: reason \"%s\", expected \"%s\"", what,
			 gic_errmsg(), want ? want : "non-empty");
	assert_null(in.text_keys);
}

/* ---- crafted PNGs ------------------------------------------------------- */

static uint32_t crc32_of(const unsigned char *p, size_t n, uint32_t crc)
{
	crc = ~crc;
	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

void put32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

/* Appends a PNG chunk; bad_crc stores a wrong CRC. */
static void add_chunk(struct buf *b, const char *type, const void *data,
		      size_t len, int bad_crc)
{
	unsigned char *p;

	b->p = realloc(b->p, b->n + len + 12);
	assert_non_null(b->p);
	p = b->p + b->n;
	put32(p, (uint32_t)len);
	memcpy(p + 4, type, 4);
	if (len)
		memcpy(p + 8, data, len);
	put32(p + 8 + len, crc32_of(p + 4, len + 4, 0) ^ (bad_crc ? 1 : 0));
	b->n += len + 12;
}

const unsigned char png_sig[8] = {0x89, 'P', 'N', 'G', 13, 10, 26, 10};

struct buf crafted_png(uint32_t w, uint32_t h, int with_idat)
{
	struct buf b = {malloc(8), 8};
	unsigned char ihdr[13] = {0};
	static const unsigned char idat[] = {0x78, 0x01, 0x01, 0x00, 0x00,
					     0xff, 0xff, 0, 0, 0, 1};

	memcpy(b.p, png_sig, 8);
	put32(ihdr, w);
	put32(ihdr + 4, h);
	ihdr[8] = 8;
	ihdr[9] = 2;
	add_chunk(&b, "IHDR", ihdr, sizeof(ihdr), 0);
	if (with_idat) {
		add_chunk(&b, "IDAT", idat, sizeof(idat), 0);
		add_chunk(&b, "IEND", NULL, 0, 0);
	}
	return b;
}

struct buf png_of_idat(uint32_t w, uint32_t h, const void *z, size_t zlen)
{
	struct buf b = crafted_png(w, h, 0);

	add_chunk(&b, "IDAT", z, zlen, 0);
	add_chunk(&b, "IEND", NULL, 0, 0);
	return b;
}

struct buf png_with_chunk(const char *type, const void *data, size_t len,
			  int bad_crc)
{
	size_t n;
	unsigned char *src = test_read_shared("data/pngsuite/basn2c08.png", &n);
	struct buf b = {malloc(33), 33};

	memcpy(b.p, src, 33);  /* signature + IHDR */
	add_chunk(&b, type, data, len, bad_crc);
	b.p = realloc(b.p, b.n + n - 33);
	memcpy(b.p + b.n, src + 33, n - 33);
	b.n += n - 33;
	free(src);
	return b;
}

/* ---- synthetic images and a JPEG encoder -------------------------------- */

static unsigned char clamp8(double v)
{
	return v < 0 ? 0 : v > 255 ? 255 : (unsigned char)lround(v);
}

unsigned char *synth_rgb(int w, int h, int variant)
{
	unsigned char *p = malloc((size_t)w * h * 3);
	const double pi = 3.14159265358979323846;

	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			double u = (x + 0.5) / w, v = (y + 0.5) / h, base, d;

			if (!variant) {
				base = 110 + 60 * sin(2 * pi * (1.3 * u + 0.4 * v)) +
				       40 * cos(2 * pi * (1.1 * v - 0.3 * u));
				d = hypot(u - 0.3, v - 0.65);
			} else {
				base = 130 + 70 * cos(2 * pi * 2.1 * u) *
						     sin(2 * pi * 1.6 * v);
				d = hypot(u - 0.75, v - 0.25);
			}
			base += 80 / (1 + exp((d - 0.15) * 60));
			p[3 * ((size_t)y * w + x)] = clamp8(base + 30 * u);
			p[3 * ((size_t)y * w + x) + 1] = clamp8(base);
			p[3 * ((size_t)y * w + x) + 2] = clamp8(255 - 0.6 * base);
		}
	return p;
}

unsigned char *luma(const unsigned char *rgb, int w, int h)
{
	unsigned char *g = malloc((size_t)w * h);

	for (size_t i = 0; i < (size_t)w * h; i++)
		g[i] = clamp8(0.299 * rgb[3 * i] + 0.587 * rgb[3 * i + 1] +
			      0.114 * rgb[3 * i + 2]);
	return g;
}

static void quiet(j_common_ptr ci, int level)
{
	(void)ci;
	(void)level;
}

struct buf encode_jpeg(const unsigned char *px, int w, int h, int comps,
		       const struct jopts *o)
{
	struct jpeg_compress_struct ci;
	struct jpeg_error_mgr err;
	unsigned char *out = NULL;
	unsigned long len = 0;

	ci.err = jpeg_std_error(&err);
	err.emit_message = quiet;  /* "too coarse for baseline" at quality 5 */
	jpeg_create_compress(&ci);
	jpeg_mem_dest(&ci, &out, &len);
	ci.image_width = (JDIMENSION)w;
	ci.image_height = (JDIMENSION)h;
	ci.input_components = comps;
	ci.in_color_space = comps == 1 ? JCS_GRAYSCALE
			    : comps == 3 ? JCS_RGB : JCS_CMYK;
	jpeg_set_defaults(&ci);
	if (o->ycck)
		jpeg_set_colorspace(&ci, JCS_YCCK);
	jpeg_set_quality(&ci, o->quality, !o->no_baseline);
	if (o->tweak)
		ci.quant_tbl_ptrs[0]->quantval[DCTSIZE2 - 1] += 1;
	if (o->h0) {
		ci.comp_info[0].h_samp_factor = o->h0;
		ci.comp_info[0].v_samp_factor = o->v0;
	}
	if (o->progressive)
		jpeg_simple_progression(&ci);
	ci.restart_in_rows = o->restart_rows;
	jpeg_scan_info script[2 + 63 * 11];
	if (o->bands) {
		int n = 0;

		script[n++] = (jpeg_scan_info){ 1, { 0 }, 0, 0, 0, 0 };
		for (int k = 1; k <= o->bands; k++)
			for (int al = 10; al >= 0; al--)
				script[n++] = (jpeg_scan_info){ 1, { 0 }, k, k,
					al == 10 ? 0 : al + 1, al };
		if (o->bands < 63)  /* the rest at once: every coefficient sent */
			script[n++] = (jpeg_scan_info){ 1, { 0 }, o->bands + 1,
							63, 0, 0 };
		ci.scan_info = script;
		ci.num_scans = n;
	}
	jpeg_start_compress(&ci, TRUE);
	for (const struct marker *m = o->markers; m && m->code; m++)
		jpeg_write_marker(&ci, m->code, (const JOCTET *)m->data,
				  (unsigned)m->len);
	while (ci.next_scanline < ci.image_height) {
		JSAMPROW row = (JSAMPROW)(px + (size_t)ci.next_scanline * w * comps);

		jpeg_write_scanlines(&ci, &row, 1);
	}
	jpeg_finish_compress(&ci);
	jpeg_destroy_compress(&ci);
	return (struct buf){out, len};
}
