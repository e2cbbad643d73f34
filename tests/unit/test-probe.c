/*
 * test-probe.c - gic_probe() and the pHash: PngSuite conformance, the
 * libjpeg-turbo sample JPEGs, truncated and crafted files, JPEG quality
 * estimation, metadata flags, pHash robustness and concurrent probing.
 *
 * Sample data comes from $GICAT_SHARED or ../shared (the tests run from the
 * repository root).  Crafted files are built here: PNG chunks with their
 * CRCs, JPEGs with libjpeg.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testdata.h"

#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jpeglib.h>

#include "catalog.h"

/* ---- helpers ------------------------------------------------------------ */

struct buf {
	unsigned char *p;
	size_t n;
};

/* Probes a file from the shared data; fails the test on an error. */
static void probe_file(const char *rel, struct gic_image_info *in)
{
	size_t len;
	unsigned char *p = test_read_shared(rel, &len);
	int rc = gic_probe(p, len, NULL, in);

	if (rc)
		fail_msg("%s: rc %d: %s", rel, rc, gic_errmsg());
	free(p);
}

/* Expects a rejection with code and a reason containing want. */
static void expect_reject(const char *what, const unsigned char *p,
			  size_t len, uint64_t max, int code, const char *want)
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

#define expect_eq(name, field, got, want)                                   \
	do {                                                                 \
		long long g_ = (got), w_ = (want);                           \
		if (g_ != w_)                                                \
			fail_msg("%s: %s is %lld, expected %lld", name,      \
				 field, g_, w_);                             \
	} while (0)

#define expect_str(name, field, got, want)                                  \
	do {                                                                 \
		if (strcmp((got), (want)))                                   \
			fail_msg("%s: %s is \"%s\", expected \"%s\"", name,  \
				 field, got, want);                          \
	} while (0)

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

static void put32(unsigned char *p, uint32_t v)
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

static const unsigned char png_sig[8] = {0x89, 'P', 'N', 'G', 13, 10, 26, 10};

/* An RGB 8-bit PNG header with any dimensions, then IDAT and IEND. */
static struct buf crafted_png(uint32_t w, uint32_t h, int with_idat)
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

/* A copy of a real PNG (basn2c08) with one chunk inserted after IHDR. */
static struct buf png_with_chunk(const char *type, const void *data,
				 size_t len, int bad_crc)
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

/* Smooth but structured RGB: waves and a soft disc, two variants. */
static unsigned char *synth_rgb(int w, int h, int variant)
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

static unsigned char *luma(const unsigned char *rgb, int w, int h)
{
	unsigned char *g = malloc((size_t)w * h);

	for (size_t i = 0; i < (size_t)w * h; i++)
		g[i] = clamp8(0.299 * rgb[3 * i] + 0.587 * rgb[3 * i + 1] +
			      0.114 * rgb[3 * i + 2]);
	return g;
}

struct marker {
	int code;
	const char *data;
	size_t len;
};

struct jopts {
	int quality;
	int h0, v0;          /* luma sampling factors, 0 = libjpeg default */
	int progressive;
	int ycck;            /* store (inverted) CMYK as YCCK */
	int no_baseline;     /* allow quantisation steps above 255 */
	int tweak;           /* add 1 to the last luminance step */
	int bands;           /* progressive, gray: the first `bands` AC
				coefficients sent bit by bit, 11 scans each */
	const struct marker *markers;
};

static void quiet(j_common_ptr ci, int level)
{
	(void)ci;
	(void)level;
}

/* Encodes w x h pixels of comps (1 gray, 3 RGB, 4 CMYK) into memory. */
static struct buf encode_jpeg(const unsigned char *px, int w, int h,
			      int comps, const struct jopts *o)
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
	jpeg_scan_info script[1 + 63 * 11];
	if (o->bands) {
		int n = 0;

		script[n++] = (jpeg_scan_info){ 1, { 0 }, 0, 0, 0, 0 };
		for (int k = 1; k <= o->bands; k++)
			for (int al = 10; al >= 0; al--)
				script[n++] = (jpeg_scan_info){ 1, { 0 }, k, k,
					al == 10 ? 0 : al + 1, al };
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

static void probe_buf(const char *what, struct buf b, struct gic_image_info *in)
{
	int rc = gic_probe(b.p, b.n, NULL, in);

	if (rc)
		fail_msg("%s: rc %d: %s", what, rc, gic_errmsg());
}

/* ---- PngSuite ----------------------------------------------------------- */

/* What a PngSuite name says: size, interlace, colour type, bit depth. */
static void pngsuite_expect(const char *name, struct gic_image_info *want)
{
	static const char *modes[7] = {"gray", "", "rgb", "palette", "graya",
				       "", "rgba"};
	static const int channels[7] = {1, 0, 3, 1, 2, 0, 4};
	int ct = name[4] - '0';

	if (!strcmp(name, "PngSuite.png")) {  /* the suite's logo */
		want->width = want->height = 256;
		want->bit_depth = 8;
		want->channels = 3;
		strcpy(want->mode, "rgb");
		return;
	}
	want->width = want->height = 32;
	if (name[0] == 's' && name[1] >= '0' && name[1] <= '9')
		want->width = want->height = (uint32_t)atoi((char[3]){name[1],
							     name[2], 0});
	if (!strncmp(name, "cdf", 3))
		want->width = 8;      /* "flat": 8 wide, 32 high */
	if (!strncmp(name, "cdh", 3))
		want->height = 8;     /* "high": 32 wide, 8 high */
	if (!strncmp(name, "cds", 3))
		want->width = want->height = 8;
	want->interlaced = name[3] == 'i';
	want->bit_depth = atoi(name + 6);
	if (ct < 0 || ct > 6 || !channels[ct])
		fail_msg("%s: cannot read the colour type from the name", name);
	want->channels = channels[ct];
	snprintf(want->mode, sizeof(want->mode), "%s", modes[ct]);
}

static void check_pngsuite_file(const char *name, int *valid, int *rejected)
{
	char rel[300];
	struct gic_image_info in, want;
	size_t len;
	unsigned char *p;
	int rc;

	snprintf(rel, sizeof(rel), "data/pngsuite/%s", name);
	p = test_read_shared(rel, &len);
	rc = gic_probe(p, len, NULL, &in);
	free(p);
	if (name[0] == 'x') {
		if (rc != GIC_EBADIMG || !gic_errmsg()[0])
			fail_msg("%s: rc %d, expected GIC_EBADIMG with a reason",
				 name, rc);
		++*rejected;
		return;
	}
	if (rc)
		fail_msg("%s: rc %d: %s", name, rc, gic_errmsg());
	memset(&want, 0, sizeof(want));
	pngsuite_expect(name, &want);
	expect_eq(name, "width", in.width, want.width);
	expect_eq(name, "height", in.height, want.height);
	expect_eq(name, "bit_depth", in.bit_depth, want.bit_depth);
	expect_eq(name, "channels", in.channels, want.channels);
	expect_eq(name, "interlaced", in.interlaced, want.interlaced);
	expect_str(name, "mode", in.mode, want.mode);
	expect_str(name, "format", in.format, "png");
	expect_eq(name, "jpeg_quality", in.jpeg_quality, -1);
	expect_str(name, "subsampling", in.subsampling, "");
	gic_image_info_release(&in);
	++*valid;
}

static void test_pngsuite_conformance(void **state)
{
	const char *shared = getenv("GICAT_SHARED");
	char dir[1024];
	int valid = 0, rejected = 0;
	struct dirent *e;
	DIR *d;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/data/pngsuite",
		 shared ? shared : "../shared");
	d = opendir(dir);
	if (!d)
		fail_msg("cannot open %s", dir);
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);

		if (n > 4 && !strcmp(e->d_name + n - 4, ".png"))
			check_pngsuite_file(e->d_name, &valid, &rejected);
	}
	closedir(d);
	/* 161 test images + the logo; 14 deliberately broken files */
	expect_eq("pngsuite", "valid files read", valid, 162);
	expect_eq("pngsuite", "x files rejected", rejected, 14);
}

/* Interlaced and plain copies of the same pixels hash the same. */
static void test_pngsuite_interlace_same_phash(void **state)
{
	static const char *pairs[][2] = {
		{"basi0g01", "basn0g01"}, {"basi0g16", "basn0g16"},
		{"basi2c08", "basn2c08"}, {"basi2c16", "basn2c16"},
		{"basi3p02", "basn3p02"}, {"basi4a16", "basn4a16"},
		{"basi6a08", "basn6a08"}, {"s01i3p01", "s01n3p01"},
		{"s07i3p02", "s07n3p02"}, {"s33i3p04", "s33n3p04"},
		{"s40i3p04", "s40n3p04"},
	};
	char rel[2][100];
	struct gic_image_info a, b;

	(void)state;
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		for (int k = 0; k < 2; k++)
			snprintf(rel[k], sizeof(rel[k]), "data/pngsuite/%s.png",
				 pairs[i][k]);
		probe_file(rel[0], &a);
		probe_file(rel[1], &b);
		if (a.phash != b.phash)
			fail_msg("%s: phash %016llx, %s: %016llx", pairs[i][0],
				 (unsigned long long)a.phash, pairs[i][1],
				 (unsigned long long)b.phash);
	}
}

static void test_pngsuite_metadata(void **state)
{
	static const char *text_files[] = {"ct1n0g04", "ctzn0g04", "cten0g04",
					   "ctjn0g04"};
	struct gic_image_info in;
	char rel[100];

	(void)state;
	probe_file("data/pngsuite/exif2c08.png", &in);
	expect_eq("exif2c08", "has_exif", in.has_exif, 1);
	expect_eq("exif2c08", "orientation", in.orientation, 1);
	assert_null(in.text_keys);
	for (size_t i = 0; i < 4; i++) {
		snprintf(rel, sizeof(rel), "data/pngsuite/%s.png", text_files[i]);
		probe_file(rel, &in);
		assert_non_null(in.text_keys);
		expect_str(text_files[i], "text_keys", in.text_keys,
			   "Title,Author,Copyright,Description,Software,Disclaimer");
		gic_image_info_release(&in);
		assert_null(in.text_keys);
	}
}

/* ---- the libjpeg-turbo samples ------------------------------------------ */

struct jpeg_case {
	const char *file;
	const char *mode;
	int channels;
	const char *subsampling;
	int progressive, quality, has_exif, orientation;
};

static const struct jpeg_case jpeg_cases[] = {
	{"testorig.jpg", "rgb", 3, "4:2:0", 0, 75, 0, 0},
	{"testimgari.jpg", "rgb", 3, "4:2:0", 0, 75, 0, 0},
	{"testimgint.jpg", "rgb", 3, "4:2:0", 0, 75, 0, 0},
	{"derived/testorig_progressive.jpg", "rgb", 3, "4:2:0", 1, 75, 0, 0},
	{"derived/testorig_optimized.jpg", "rgb", 3, "4:2:0", 0, 75, 0, 0},
	{"derived/testorig_444_restart.jpg", "rgb", 3, "4:4:4", 0, 90, 0, 0},
	{"derived/testorig_gray.jpg", "gray", 1, "", 0, 85, 0, 0},
	{"derived/testorig_cmyk.jpg", "cmyk", 4, "4:4:4", 0, 90, 0, 0},
	{"derived/testorig_exif_orient6.jpg", "rgb", 3, "4:2:0", 0, 90, 1, 6},
};
#define NJPEG (sizeof(jpeg_cases) / sizeof(jpeg_cases[0]))

static void test_jpeg_samples(void **state)
{
	struct gic_image_info in, ref;
	char rel[200];

	(void)state;
	probe_file("data/jpeg/testorig.jpg", &ref);
	for (size_t i = 0; i < NJPEG; i++) {
		const struct jpeg_case *c = &jpeg_cases[i];

		snprintf(rel, sizeof(rel), "data/jpeg/%s", c->file);
		probe_file(rel, &in);
		expect_str(c->file, "format", in.format, "jpeg");
		expect_eq(c->file, "width", in.width, 227);
		expect_eq(c->file, "height", in.height, 149);
		expect_eq(c->file, "bit_depth", in.bit_depth, 8);
		expect_str(c->file, "mode", in.mode, c->mode);
		expect_eq(c->file, "channels", in.channels, c->channels);
		expect_str(c->file, "subsampling", in.subsampling, c->subsampling);
		expect_eq(c->file, "progressive", in.progressive, c->progressive);
		expect_eq(c->file, "jpeg_quality", in.jpeg_quality, c->quality);
		expect_eq(c->file, "quality_exact", in.quality_exact, 1);
		expect_eq(c->file, "has_exif", in.has_exif, c->has_exif);
		expect_eq(c->file, "orientation", in.orientation, c->orientation);
		/* all are re-encodings of one picture */
		if (gic_hamming(in.phash, ref.phash) > 4)
			fail_msg("%s: phash %d bits from testorig.jpg", c->file,
				 gic_hamming(in.phash, ref.phash));
	}
}

/* Every file in data/jpeg/derived has a row in jpeg_cases. */
static void test_jpeg_samples_cover_derived(void **state)
{
	const char *shared = getenv("GICAT_SHARED");
	char dir[1024], rel[300];
	struct dirent *e;
	int files = 0;
	DIR *d;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/data/jpeg/derived",
		 shared ? shared : "../shared");
	d = opendir(dir);
	if (!d)
		fail_msg("cannot open %s", dir);
	while ((e = readdir(d))) {
		size_t i;

		if (e->d_name[0] == '.')
			continue;
		snprintf(rel, sizeof(rel), "derived/%s", e->d_name);
		for (i = 0; i < NJPEG && strcmp(jpeg_cases[i].file, rel); i++)
			;
		if (i == NJPEG)
			fail_msg("%s has no expectations in jpeg_cases", rel);
		files++;
	}
	closedir(d);
	expect_eq("derived", "files", files, 6);
}

static void test_jpeg_12bit_rejected(void **state)
{
	static const char *files[] = {"data/jpeg/testorig12.jpg",
				      "data/jpeg/monkey12.jpg"};
	size_t len;

	(void)state;
	for (int i = 0; i < 2; i++) {
		unsigned char *p = test_read_shared(files[i], &len);

		expect_reject(files[i], p, len, 0, GIC_EBADIMG,
			      "12-bit JPEG is not supported");
		free(p);
	}
}

static void test_pngs_beside_the_jpegs(void **state)
{
	struct gic_image_info in, jpg;

	(void)state;
	probe_file("data/jpeg/monkey16.png", &in);
	expect_eq("monkey16.png", "bit_depth", in.bit_depth, 16);
	expect_str("monkey16.png", "mode", in.mode, "rgb");
	expect_eq("monkey16.png", "has_icc", in.has_icc, 1);
	expect_eq("monkey16.png", "width", in.width, 149);
	gic_image_info_release(&in);
	probe_file("data/jpeg/vgl_5674_0098.png", &in);
	expect_eq("vgl_5674_0098.png", "has_icc", in.has_icc, 1);
	/* the same picture as PNG and JPEG: a close pHash */
	probe_file("data/jpeg/testorig.png", &in);
	probe_file("data/jpeg/testorig.jpg", &jpg);
	expect_str("testorig.png", "text_keys", in.text_keys,
		   "date:create,date:modify,date:timestamp");
	if (gic_hamming(in.phash, jpg.phash) > 4)
		fail_msg("testorig.png vs .jpg: %d bits apart",
			 gic_hamming(in.phash, jpg.phash));
	gic_image_info_release(&in);
}

/* ---- broken and crafted files ------------------------------------------- */

static void test_truncated_png_rejected(void **state)
{
	size_t len;
	unsigned char *p = test_read_shared("data/pngsuite/basi2c08.png", &len);
	char what[64];

	(void)state;
	/* every prefix, from the first byte to "all but the last" */
	for (size_t cut = 1; cut < len; cut++) {
		snprintf(what, sizeof(what), "basi2c08 cut at %zu", cut);
		expect_reject(what, p, cut, 0, GIC_EBADIMG, NULL);
	}
	expect_reject("half a PNG", p, len / 2, 0, GIC_EBADIMG, "truncated PNG");
	expect_reject("PNG without IEND", p, len - 12, 0, GIC_EBADIMG,
		      "truncated PNG");
	free(p);
}

static void test_truncated_jpeg_rejected(void **state)
{
	static const char *files[] = {"data/jpeg/testorig.jpg",
				      "data/jpeg/derived/testorig_progressive.jpg",
				      "data/jpeg/testimgari.jpg"};
	char what[100];
	size_t len;

	(void)state;
	for (int f = 0; f < 3; f++) {
		unsigned char *p = test_read_shared(files[f], &len);

		expect_reject(files[f], p, len * 6 / 10, 0, GIC_EBADIMG,
			      "truncated or corrupt JPEG: ");
		for (size_t cut = 3; cut < len; cut += cut < len - 40 ? 37 : 1) {
			snprintf(what, sizeof(what), "%s cut at %zu", files[f], cut);
			expect_reject(what, p, cut, 0, GIC_EBADIMG, NULL);
		}
		free(p);
	}
}

static void test_not_images_rejected(void **state)
{
	static const unsigned char junk[3] = {0x12, 0x34, 0x56};
	static const unsigned char soi[3] = {0xff, 0xd8, 0xff};
	static const unsigned char gif[16] = "GIF89a\x01\x00\x01\x00";
	static const unsigned char crlf[8] = {0x89, 'P', 'N', 'G', 13, 13, 26, 13};

	(void)state;
	expect_reject("zero bytes", junk, 0, 0, GIC_EBADIMG, "empty file");
	expect_reject("3 bytes", junk, 3, 0, GIC_EBADIMG, "not a PNG or JPEG");
	expect_reject("a bare SOI", soi, 3, 0, GIC_EBADIMG, "JPEG");
	expect_reject("a PNG signature", png_sig, 8, 0, GIC_EBADIMG,
		      "truncated PNG");
	expect_reject("a GIF", gif, sizeof(gif), 0, GIC_EBADIMG, "GIF");
	expect_reject("text-mode PNG", crlf, 8, 0, GIC_EBADIMG, "signature");
	assert_string_equal(gic_sniff_format(png_sig, 8), "png");
	assert_string_equal(gic_sniff_format(soi, 3), "jpeg");
	assert_null(gic_sniff_format(png_sig, 7));
	assert_null(gic_sniff_format(junk, 3));
}

static void test_pixel_limit(void **state)
{
	struct buf b = crafted_png(100000, 100000, 1);
	struct gic_image_info in;
	size_t len;
	unsigned char *p, *sof;

	(void)state;
	expect_reject("100000x100000 PNG", b.p, b.n, 0, GIC_ELIMIT,
		      "image is 100000x100000 (10000 Mpx), over the 100 Mpx limit");
	expect_reject("100000x100000 IHDR alone", b.p, 33, 0, GIC_ELIMIT, NULL);
	free(b.p);
	b = crafted_png(1, 200000000, 1);
	expect_reject("1x200000000 PNG", b.p, b.n, 0, GIC_ELIMIT,
		      "a side over the 1000000-pixel limit");
	free(b.p);
	/* within 100 Mpx, but one row of 100 M pixels */
	b = crafted_png(100000000, 1, 1);
	expect_reject("100000000x1 PNG", b.p, b.n, 0, GIC_ELIMIT,
		      "image is 100000000x1: a side over the 1000000-pixel limit");
	free(b.p);
	b = crafted_png(0, 16, 1);
	expect_reject("0x16 PNG", b.p, b.n, 0, GIC_EBADIMG, "width");
	free(b.p);
	/* an option below the real size, and exactly at it */
	p = test_read_shared("data/pngsuite/basn2c08.png", &len);
	expect_reject("basn2c08 over 1023 px", p, len, 1023, GIC_ELIMIT,
		      "over the 1023 px limit");
	assert_int_equal(gic_probe(p, len, &(struct gic_probe_opts){1024}, &in), 0);
	free(p);
	p = test_read_shared("data/jpeg/testorig.jpg", &len);
	expect_reject("testorig over limit", p, len, 227 * 149 - 1, GIC_ELIMIT,
		      "227x149");
	sof = memmem(p, len, "\xff\xc0", 2);
	assert_non_null(sof);
	sof[5] = 0xfd;  /* height 149 -> 0xfd95 */
	sof[7] = 0xfd;  /* width 227 -> 0xfde3 */
	expect_reject("64995x64917 JPEG", p, len, 0, GIC_ELIMIT,
		      "image is 64995x64917 (4219.3 Mpx), over the 100 Mpx limit");
	sof[5] = sof[6] = 0;
	expect_reject("0x227 JPEG", p, len, 0, GIC_EBADIMG, "Empty JPEG image");
	free(p);
}

static void test_png_warnings_do_not_reject(void **state)
{
	/* iCCP "x", zlib stream (stored block) of a 40-byte bogus profile */
	unsigned char iccp[3 + 2 + 5 + 40 + 4] = {'x', 0, 0, 0x78, 0x01, 0x01,
						  40, 0, 0xff - 40, 0xff};
	uint32_t a = 1, s2 = 0;
	struct gic_image_info in;
	struct buf b;

	(void)state;
	memset(iccp + 10, 'A', 40);
	for (int i = 0; i < 40; i++) {
		a = (a + 'A') % 65521;
		s2 = (s2 + a) % 65521;
	}
	put32(iccp + 50, s2 << 16 | a);
	b = png_with_chunk("iCCP", iccp, sizeof(iccp), 0);
	probe_buf("PNG with an unusable iCCP profile", b, &in);
	expect_eq("bogus iCCP", "has_icc", in.has_icc, 0);
	free(b.p);
	b = png_with_chunk("tEXt", "Title\0bad crc", 13, 1);
	expect_reject("tEXt CRC", b.p, b.n, 0, GIC_EBADIMG,
		      "PNG CRC error in tEXt chunk");
	free(b.p);
	b = png_with_chunk("vpAg", "\0\0\0\0\0\0\0\0\0", 9, 0);
	probe_buf("PNG with an unknown ancillary chunk", b, &in);
	free(b.p);
	b = png_with_chunk("ABCD", "x", 1, 0);
	expect_reject("unknown critical chunk", b.p, b.n, 0, GIC_EBADIMG, "ABCD");
	free(b.p);
	b = png_with_chunk("tEXt", "Title\0ok", 8, 0);
	b.p[b.n - 13] ^= 1;  /* the CRC of IDAT, just before IEND */
	expect_reject("IDAT CRC", b.p, b.n, 0, GIC_EBADIMG,
		      "PNG CRC error in IDAT chunk");
	free(b.p);
}

static void test_png_metadata_chunks(void **state)
{
	static const char xmp[] = "XML:com.adobe.xmp\0\0\0\0\0<x:xmpmeta/>";
	static const char exif[] = "II*\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0"
				   "\x08\0\0\0\0\0\0\0";
	struct gic_image_info in;
	struct buf b;

	(void)state;
	b = png_with_chunk("caBX", "jumb", 4, 0);
	probe_buf("caBX", b, &in);
	expect_eq("caBX", "has_c2pa", in.has_c2pa, 1);
	free(b.p);
	b = png_with_chunk("iTXt", xmp, sizeof(xmp) - 1, 0);
	probe_buf("XMP", b, &in);
	expect_eq("XMP", "has_xmp", in.has_xmp, 1);
	expect_str("XMP", "text_keys", in.text_keys, "XML:com.adobe.xmp");
	gic_image_info_release(&in);
	free(b.p);
	b = png_with_chunk("eXIf", exif, sizeof(exif) - 1, 0);
	probe_buf("eXIf", b, &in);
	expect_eq("eXIf", "has_exif", in.has_exif, 1);
	expect_eq("eXIf", "orientation", in.orientation, 8);
	free(b.p);
}

/* ---- JPEGs made here ---------------------------------------------------- */

static void test_jpeg_quality_estimate(void **state)
{
	static const int qs[] = {10, 30, 50, 65, 75, 90, 95, 96, 100};
	unsigned char *px = synth_rgb(64, 48, 0);
	struct gic_image_info in;
	char what[32];
	struct buf b;

	(void)state;
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		struct jopts o = {.quality = qs[i]};

		b = encode_jpeg(px, 64, 48, 3, &o);
		snprintf(what, sizeof(what), "quality %d", qs[i]);
		probe_buf(what, b, &in);
		expect_eq(what, "jpeg_quality", in.jpeg_quality, qs[i]);
		expect_eq(what, "quality_exact", in.quality_exact, 1);
		expect_str(what, "subsampling", in.subsampling, "4:2:0");
		free(b.p);
	}
	/* steps over 255 (not baseline) still match IJG exactly */
	b = encode_jpeg(px, 64, 48, 3, &(struct jopts){.quality = 5,
						       .no_baseline = 1});
	probe_buf("quality 5, not baseline", b, &in);
	expect_eq("quality 5", "jpeg_quality", in.jpeg_quality, 5);
	expect_eq("quality 5", "quality_exact", in.quality_exact, 1);
	free(b.p);
	/* one step off: the nearest IJG quality, flagged as inexact */
	b = encode_jpeg(px, 64, 48, 3, &(struct jopts){.quality = 80,
						       .tweak = 1});
	probe_buf("quality 80 tweaked", b, &in);
	expect_eq("quality 80 tweaked", "jpeg_quality", in.jpeg_quality, 80);
	expect_eq("quality 80 tweaked", "quality_exact", in.quality_exact, 0);
	free(b.p);
	free(px);
}

static void test_jpeg_subsampling(void **state)
{
	static const struct { int h, v; const char *want; } cases[] = {
		{1, 1, "4:4:4"}, {2, 1, "4:2:2"}, {2, 2, "4:2:0"},
		{1, 2, "4:4:0"}, {4, 1, "4:1:1"}, {3, 1, "other"},
	};
	unsigned char *px = synth_rgb(64, 48, 0);
	struct gic_image_info in;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct jopts o = {.quality = 80, .h0 = cases[i].h,
				  .v0 = cases[i].v};
		struct buf b = encode_jpeg(px, 64, 48, 3, &o);

		probe_buf(cases[i].want, b, &in);
		expect_str(cases[i].want, "subsampling", in.subsampling,
			   cases[i].want);
		free(b.p);
	}
	free(px);
}

/* A progressive JPEG refined bit by bit over too many scans is refused
 * (each scan is a pass over every coefficient); 45 bands, 496 scans, are
 * read, 46 bands, 507 scans, are not. */
static void test_jpeg_scan_limit(void **state)
{
	unsigned char *px = synth_rgb(64, 64, 0), *gray = malloc(64 * 64);
	struct gic_image_info in;

	(void)state;
	for (size_t i = 0; i < 64 * 64; i++)
		gray[i] = px[3 * i];
	for (int bands = 45; bands <= 46; bands++) {
		struct jopts o = {.quality = 90, .bands = bands};
		struct buf b = encode_jpeg(gray, 64, 64, 1, &o);
		int rc = gic_probe(b.p, b.n, NULL, &in);

		if (bands == 45 && rc)
			fail_msg("496 scans: %s", gic_errmsg());
		if (bands == 45)
			gic_image_info_release(&in);
		if (bands == 46 && (rc != GIC_ELIMIT ||
				    !strstr(gic_errmsg(), "more than 500 scans")))
			fail_msg("507 scans: rc %d: %s", rc, gic_errmsg());
		free(b.p);
	}
	free(gray);
	free(px);
}

static void test_jpeg_markers_and_modes(void **state)
{
	static const char exif_le3[] = "Exif\0\0II*\0\x08\0\0\0\x01\0\x12\x01"
				       "\x03\0\x01\0\0\0\x03\0\0\0\0\0\0\0";
	static const char xmp[] = "http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>";
	static const char icc[] = "ICC_PROFILE\0\x01\x01....";
	static const char jumbf[] = "JP\0\x01\0\0\0\x01\0\0\0\x20jumb....";
	const struct marker markers[] = {
		{JPEG_APP0 + 1, exif_le3, sizeof(exif_le3) - 1},
		{JPEG_APP0 + 1, xmp, sizeof(xmp) - 1},
		{JPEG_APP0 + 2, icc, sizeof(icc) - 1},
		{JPEG_APP0 + 11, jumbf, sizeof(jumbf) - 1},
		{0, NULL, 0},
	};
	unsigned char *px = synth_rgb(96, 80, 0), *cmyk = malloc(96 * 80 * 4);
	struct jopts o = {.quality = 85, .progressive = 1, .markers = markers};
	struct gic_image_info in;
	struct buf b = encode_jpeg(px, 96, 80, 3, &o);

	(void)state;
	probe_buf("markers", b, &in);
	expect_eq("markers", "has_exif", in.has_exif, 1);
	expect_eq("markers", "orientation", in.orientation, 3);
	expect_eq("markers", "has_xmp", in.has_xmp, 1);
	expect_eq("markers", "has_icc", in.has_icc, 1);
	expect_eq("markers", "has_c2pa", in.has_c2pa, 1);
	expect_eq("markers", "progressive", in.progressive, 1);
	free(b.p);
	/* Adobe-style inverted CMYK (255 = no ink) of the same pixels */
	for (size_t i = 0; i < 96 * 80; i++) {
		memcpy(cmyk + 4 * i, px + 3 * i, 3);
		cmyk[4 * i + 3] = 255;
	}
	for (int ycck = 0; ycck < 2; ycck++) {
		struct jopts oc = {.quality = 90, .ycck = ycck}, orgb = {.quality = 90};
		struct gic_image_info rgb;
		struct buf c = encode_jpeg(cmyk, 96, 80, 4, &oc);
		struct buf r = encode_jpeg(px, 96, 80, 3, &orgb);

		probe_buf("cmyk", c, &in);
		probe_buf("rgb", r, &rgb);
		expect_str("cmyk", "mode", in.mode, ycck ? "ycck" : "cmyk");
		expect_eq("cmyk", "channels", in.channels, 4);
		if (gic_hamming(in.phash, rgb.phash) > 4)
			fail_msg("%s: phash %d bits from the RGB encode",
				 in.mode, gic_hamming(in.phash, rgb.phash));
		free(c.p);
		free(r.p);
	}
	free(cmyk);
	free(px);
}

/* ---- XMP DigitalSourceType ---------------------------------------------- */

/* The xmp_source_type gic_probe finds in xmp, as a PNG tEXt chunk keyed
 * XML:com.adobe.xmp; *cpu gets the seconds of CPU the probe took. */
static void probe_xmp_text(const char *xmp, size_t len, char *type,
			   size_t size, double *cpu)
{
	static const char key[] = "XML:com.adobe.xmp";
	unsigned char *d = malloc(sizeof(key) + len);
	struct gic_image_info in;
	struct timespec t0, t1;
	struct buf b;

	assert_non_null(d);
	memcpy(d, key, sizeof(key));  /* with its NUL */
	memcpy(d + sizeof(key), xmp, len);
	b = png_with_chunk("tEXt", d, sizeof(key) + len, 0);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	probe_buf("XMP text", b, &in);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	expect_eq("XMP text", "has_xmp", in.has_xmp, 1);
	snprintf(type, size, "%s", in.xmp_source_type);
	if (cpu)
		*cpu = (double)(t1.tv_sec - t0.tv_sec) +
		       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	gic_image_info_release(&in);
	free(b.p);
	free(d);
}

#define IPTC "http://cv.iptc.org/newscodes/digitalsourcetype/"

static void test_xmp_source_type(void **state)
{
	static const struct {
		const char *xmp, *want;
	} cases[] = {
		{ "<Iptc4xmpExt:DigitalSourceType>" IPTC "trainedAlgorithmicMedia"
		  "</Iptc4xmpExt:DigitalSourceType>", "trainedAlgorithmicMedia" },
		{ "<rdf:Description Iptc4xmpExt:DigitalSourceType=\"" IPTC
		  "digitalCapture\"/>", "digitalCapture" },
		{ "<rdf:Description Iptc4xmpExt:DigitalSourceType='" IPTC
		  "negativeFilm/ '/>", "negativeFilm" },
		{ "<Iptc4xmpExt:DigitalSourceType rdf:resource=\"" IPTC
		  "compositeSynthetic\"/>", "compositeSynthetic" },
		{ "<a:DigitalSourceType></a:DigitalSourceType>"
		  "<b:DigitalSourceType>second</b:DigitalSourceType>", "second" },
		{ "</x:DigitalSourceType>", "" },
		{ "<x:NotDigitalSourceType>no</x:NotDigitalSourceType>", "" },
		{ "DigitalSourceType=\"no\"", "" },
		{ "<x:DigitalSourceType a=\"b\">no</x:DigitalSourceType>", "" },
		{ "<x:DigitalSourceType>unclosed", "" },
		{ "x:DigitalSourceType=\"unclosed", "" },
	};
	char got[64];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		probe_xmp_text(cases[i].xmp, strlen(cases[i].xmp), got,
			       sizeof(got), NULL);
		if (strcmp(got, cases[i].want))
			fail_msg("XMP %s: source type \"%s\", expected \"%s\"",
				 cases[i].xmp, got, cases[i].want);
	}
}

/* n bytes of unit repeated (cut short at the end), then tail. */
static char *repeat(const char *unit, size_t n, const char *tail,
		    size_t *len)
{
	size_t u = strlen(unit), t = strlen(tail);
	char *s = malloc(n + t + 1);

	assert_non_null(s);
	for (size_t i = 0; i < n; i++)
		s[i] = unit[i % u];
	memcpy(s + n, tail, t + 1);
	*len = n + t;
	return s;
}

/*
 * Hostile XMP: a megabyte of near-misses of the property name, each of
 * which once made the scan walk back to the packet's start or on to its
 * end (22 s for the first pattern).  A linear scan does a megabyte in
 * milliseconds; the bound leaves room for sanitizers and a busy machine.
 */
static void test_xmp_hostile_is_linear(void **state)
{
	/* each with what is found in it alone, then followed by real */
	static const char *const units[][3] = {
		{ "a:DigitalSourceType", "", "found" },
		{ "a:DigitalSourceType>", "", "a:DigitalSourceType>a:Digital"
		  "SourceType>a:DigitalSourceType>a:D" },
		{ "<a:DigitalSourceType ", "", "found" },
		{ "<a:DigitalSourceType x='1' ", "", "found" },
		{ "a:DigitalSourceType='", "a:DigitalSourceType=",
		  "a:DigitalSourceType=" },
		{ "a:DigitalSourceType=\"", "a:DigitalSourceType=",
		  "a:DigitalSourceType=" },
		{ "/a:DigitalSourceType", "", "found" },
		{ "<a:DigitalSourceType rdf:resource=", "", "found" },
	};
	static const char real[] = "<x:DigitalSourceType>" IPTC "found"
				   "</x:DigitalSourceType>";
	char got[64];
	double cpu;

	(void)state;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		for (int tail = 0; tail < 2; tail++) {
			size_t len;
			char *x = repeat(units[i][0], 1 << 20,
					 tail ? real : "", &len);

			probe_xmp_text(x, len, got, sizeof(got), &cpu);
			if (cpu > 1.0)
				fail_msg("XMP of 1 MiB of '%s': %.2f s of CPU",
					 units[i][0], cpu);
			if (strcmp(got, units[i][1 + tail]))
				fail_msg("XMP of 1 MiB of '%s'%s: \"%s\", "
					 "expected \"%s\"", units[i][0],
					 tail ? " then a property" : "", got,
					 units[i][1 + tail]);
			free(x);
		}
	}
	/* the JPEG way: twenty full APP1 XMP segments */
	{
		static const char ns[] = "http://ns.adobe.com/xap/1.0/";
		struct marker m[21];
		size_t len;
		char *seg, *body;
		unsigned char *px = synth_rgb(16, 16, 0);
		struct jopts o = {.quality = 85, .markers = m};
		struct gic_image_info in;
		struct timespec t0, t1;
		struct buf b;

		body = repeat("a:DigitalSourceType", 65533 - sizeof(ns), "",
			      &len);
		seg = malloc(65533);
		assert_non_null(seg);
		memcpy(seg, ns, sizeof(ns));
		memcpy(seg + sizeof(ns), body, len);
		for (int k = 0; k < 20; k++)
			m[k] = (struct marker){JPEG_APP0 + 1, seg, 65533};
		m[20] = (struct marker){0, NULL, 0};
		b = encode_jpeg(px, 16, 16, 3, &o);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
		probe_buf("XMP segments", b, &in);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
		expect_eq("XMP segments", "has_xmp", in.has_xmp, 1);
		cpu = (double)(t1.tv_sec - t0.tv_sec) +
		      (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		if (cpu > 1.0)
			fail_msg("20 APP1 XMP segments: %.2f s of CPU", cpu);
		free(b.p);
		free(px);
		free(seg);
		free(body);
	}
}

/* ---- pHash -------------------------------------------------------------- */

static void test_phash_robust_and_discriminating(void **state)
{
	enum { W = 256, H = 256 };
	unsigned char *rgb = synth_rgb(W, H, 0), *other = synth_rgb(W, H, 1);
	unsigned char *g = luma(rgb, W, H), *g2 = luma(other, W, H);
	unsigned char *half = malloc(W / 2 * H / 2);
	struct jopts o = {.quality = 75};
	struct gic_image_info in;
	struct buf b;
	uint64_t h = gic_phash_gray(g, W, H);

	(void)state;
	assert_true(h == gic_phash_gray(g, W, H));
	for (int y = 0; y < H / 2; y++)
		for (int x = 0; x < W / 2; x++) {
			const unsigned char *s = g + 2 * y * W + 2 * x;

			half[y * (W / 2) + x] = (s[0] + s[1] + s[W] + s[W + 1] + 2) / 4;
		}
	assert_in_range(gic_hamming(h, gic_phash_gray(half, W / 2, H / 2)), 0, 4);
	b = encode_jpeg(rgb, W, H, 3, &o);
	probe_buf("q75 re-encode", b, &in);
	assert_in_range(gic_hamming(h, in.phash), 0, 4);
	assert_in_range(gic_hamming(h, gic_phash_gray(g2, W, H)), 11, 64);
	assert_int_equal(gic_hamming(0, ~0ULL), 64);
	assert_int_equal(gic_hamming(0x8000000000000001ULL, 0), 2);
	assert_int_equal(gic_phash_gray(NULL, 4, 4), 0);
	free(b.p);
	free(half);
	free(g2);
	free(g);
	free(other);
	free(rgb);
}

/* ---- threads and usage -------------------------------------------------- */

struct worker {
	struct buf files[3];
	uint64_t want[3];
	int bad;
};

static void *probe_loop(void *arg)
{
	struct worker *w = arg;
	struct gic_image_info in;

	for (int i = 0; i < 30; i++)
		for (int f = 0; f < 3; f++)
			if (gic_probe(w->files[f].p, w->files[f].n, NULL, &in) ||
			    in.phash != w->want[f])
				w->bad++;
			else
				gic_image_info_release(&in);
	return NULL;
}

static void test_probe_from_threads(void **state)
{
	static const char *rels[3] = {"data/jpeg/derived/testorig_progressive.jpg",
				      "data/pngsuite/basi6a16.png",
				      "data/jpeg/testorig.png"};
	struct worker w[4];
	pthread_t t[4];
	struct gic_image_info in;
	struct buf files[3];

	(void)state;
	for (int f = 0; f < 3; f++) {
		files[f].p = test_read_shared(rels[f], &files[f].n);
		probe_buf(rels[f], files[f], &in);
		for (int k = 0; k < 4; k++) {
			w[k].files[f] = files[f];
			w[k].want[f] = in.phash;
		}
		gic_image_info_release(&in);
	}
	for (int k = 0; k < 4; k++) {
		w[k].bad = 0;
		assert_int_equal(pthread_create(&t[k], NULL, probe_loop, &w[k]), 0);
	}
	for (int k = 0; k < 4; k++) {
		pthread_join(t[k], NULL);
		expect_eq("thread", "bad results", w[k].bad, 0);
	}
	for (int f = 0; f < 3; f++)
		free(files[f].p);
}

static void test_usage_errors(void **state)
{
	struct gic_image_info in;

	(void)state;
	assert_int_equal(gic_probe(NULL, 5, NULL, &in), GIC_EUSAGE);
	assert_int_equal(gic_probe(png_sig, 8, NULL, NULL), GIC_EUSAGE);
	gic_image_info_release(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pngsuite_conformance),
		cmocka_unit_test(test_pngsuite_interlace_same_phash),
		cmocka_unit_test(test_pngsuite_metadata),
		cmocka_unit_test(test_jpeg_samples),
		cmocka_unit_test(test_jpeg_samples_cover_derived),
		cmocka_unit_test(test_jpeg_12bit_rejected),
		cmocka_unit_test(test_pngs_beside_the_jpegs),
		cmocka_unit_test(test_truncated_png_rejected),
		cmocka_unit_test(test_truncated_jpeg_rejected),
		cmocka_unit_test(test_not_images_rejected),
		cmocka_unit_test(test_pixel_limit),
		cmocka_unit_test(test_png_warnings_do_not_reject),
		cmocka_unit_test(test_png_metadata_chunks),
		cmocka_unit_test(test_jpeg_quality_estimate),
		cmocka_unit_test(test_jpeg_subsampling),
		cmocka_unit_test(test_jpeg_markers_and_modes),
		cmocka_unit_test(test_jpeg_scan_limit),
		cmocka_unit_test(test_xmp_source_type),
		cmocka_unit_test(test_xmp_hostile_is_linear),
		cmocka_unit_test(test_phash_robust_and_discriminating),
		cmocka_unit_test(test_probe_from_threads),
		cmocka_unit_test(test_usage_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
