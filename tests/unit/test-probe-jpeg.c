/*
 * test-probe-jpeg.c - gic_probe() on JPEGs: the libjpeg-turbo samples and
 * the files derived from them (mode, subsampling, progressive, quality,
 * EXIF orientation, one pHash for one picture), 12-bit JPEGs refused, the
 * PNGs shipped beside them, and JPEGs made here with libjpeg: IJG quality
 * estimation, subsampling names, APP markers (EXIF, XMP, ICC, JUMBF), CMYK
 * and YCCK; and the pHash, robust to downscaling and re-encoding yet apart
 * for another picture.
 *
 * Sample data comes from $GICAT_SHARED or ../shared (the tests run from the
 * repository root).  JPEGs are made with testprobe.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testdata.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include "catalog.h"
#include "testprobe.h"

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
	DIR *d = test_opendir_shared("data/jpeg/derived");
	char rel[300];
	struct dirent *e;
	int files = 0;

	(void)state;
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

/* A precision JPEG does not have is a damaged header, not a format. */
static void test_jpeg_bad_precision(void **state)
{
	size_t len, sof;
	unsigned char *p = test_read_shared("data/jpeg/testorig.jpg", &len);

	(void)state;
	for (sof = 2; sof + 4 < len && !(p[sof] == 0xff && p[sof + 1] == 0xc0);
	     sof++)
		;
	assert_true(sof + 4 < len);
	p[sof + 4] = 73;
	expect_reject("precision 73", p, len, 0, GIC_EBADIMG,
		      "invalid JPEG: a sample precision of 73 bits (JPEG has "
		      "8, 12 or 16)");
	free(p);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jpeg_samples),
		cmocka_unit_test(test_jpeg_samples_cover_derived),
		cmocka_unit_test(test_jpeg_12bit_rejected),
		cmocka_unit_test(test_jpeg_bad_precision),
		cmocka_unit_test(test_pngs_beside_the_jpegs),
		cmocka_unit_test(test_jpeg_quality_estimate),
		cmocka_unit_test(test_jpeg_subsampling),
		cmocka_unit_test(test_jpeg_markers_and_modes),
		cmocka_unit_test(test_phash_robust_and_discriminating),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
