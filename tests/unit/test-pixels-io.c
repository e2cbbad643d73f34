/*
 * test-pixels-io.c - decoding and encoding for the degradation engine:
 * jpeg(quality=Q) carries exactly IJG's tables for Q (read from the DQT
 * segments and compared with Annex K scaled here), baseline, 4:2:0 or
 * 4:4:4; decoding turns gray, palette, 16-bit, alpha (composited on black)
 * and Adobe CMYK into the RGB that degrade.h promises.
 *
 * Sample data comes from $GICAT_SHARED or ../shared, as in test-probe-png.c.
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

#include <png.h>

#include "degrade.h"
#include "testpixels.h"

static void decode_file(const char *rel, struct gic_pixels *px)
{
	size_t len;
	unsigned char *b = test_read_shared(rel, &len);

	if (gic_pixels_decode(b, len, 0, px))
		fail_msg("%s: %s", rel, gic_errmsg());
	free(b);
}

/* ---- jpeg(): IJG's tables, baseline, subsampling ------------------------ */

/* Annex K tables in natural order, and the zigzag order DQT stores. */
static const int std_luma[64] = {
	16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
	14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
	18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
	49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
};
static const int std_chroma[64] = {
	17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99,
	24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99,
	99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
	99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
};
static const int zigzag[64] = {
	0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
	12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
	35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
	58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
};

/* What jpeg_set_quality(q, TRUE) puts in table entry v. */
static int ijg(int v, int q)
{
	int scale = q < 50 ? 5000 / q : 200 - 2 * q;
	int t = (v * scale + 50) / 100;

	return t < 1 ? 1 : t > 255 ? 255 : t;
}

/* Checks every DQT table of a JPEG against IJG's for q; counts SOFs. */
static void check_dqt(const unsigned char *b, size_t n, int q, int *sof0,
		      int *tables)
{
	for (size_t i = 2; i + 4 <= n && b[i] == 0xff;) {
		size_t seg = (size_t)(b[i + 2] << 8 | b[i + 3]);

		*sof0 += b[i + 1] == 0xc0;
		assert_false(b[i + 1] == 0xc2 || b[i + 1] == 0xc1);
		for (size_t j = i + 4; b[i + 1] == 0xdb && j < i + 2 + seg;
		     j += 65) {
			const int *std = (b[j] & 15) ? std_chroma : std_luma;

			assert_int_equal(b[j] >> 4, 0); /* 8-bit entries */
			for (int k = 0; k < 64; k++)
				if (b[j + 1 + k] != ijg(std[zigzag[k]], q))
					fail_msg("q=%d table %d entry %d: %d, "
						 "IJG says %d", q, b[j] & 15, k,
						 b[j + 1 + k],
						 ijg(std[zigzag[k]], q));
			++*tables;
		}
		if (b[i + 1] == 0xda)
			break;
		i += 2 + seg;
	}
}

static void test_jpeg_carries_ijg_tables(void **state)
{
	static const int qs[] = { 1, 10, 30, 50, 65, 75, 95, 96, 100 };
	size_t len, outlen;
	unsigned char *png = texture_png(96, 80, &len), *out;
	struct gic_image_info info;
	struct gic_ops o;
	char text[64];

	(void)state;
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		for (int s = 0; s < 2; s++) {
			int sof0 = 0, tables = 0;

			snprintf(text, sizeof(text), "jpeg(quality=%d%s)", qs[i],
				 s ? ",subsampling=444" : "");
			assert_int_equal(gic_ops_parse(text, &o), 0);
			assert_int_equal(gic_degrade_bytes(png, len, &o, &out,
							   &outlen), 0);
			check_dqt(out, outlen, qs[i], &sof0, &tables);
			assert_int_equal(sof0, 1);
			assert_int_equal(tables, 2);
			assert_int_equal(gic_probe(out, outlen, NULL, &info), 0);
			assert_int_equal(info.jpeg_quality, qs[i]);
			assert_int_equal(info.quality_exact, 1);
			assert_int_equal(info.progressive, 0);
			assert_string_equal(info.subsampling, s ? "4:4:4" : "4:2:0");
			assert_int_equal(info.width, 96);
			assert_int_equal(info.has_exif + info.has_icc, 0);
			gic_image_info_release(&info);
			free(out);
		}
	}
	free(png);
}

/* ---- decoding to RGB8 ---------------------------------------------------- */

static void expect_gray(const char *rel)
{
	struct gic_pixels p;

	decode_file(rel, &p);
	for (size_t i = 0; i < (size_t)p.w * p.h; i++)
		if (p.rgb[3 * i] != p.rgb[3 * i + 1] ||
		    p.rgb[3 * i] != p.rgb[3 * i + 2])
			fail_msg("%s: pixel %zu is not gray", rel, i);
	gic_pixels_release(&p);
}

/* Alpha composited on black, against libpng's high-level reader giving
 * the same file as RGBA (expanded, 8-bit) and the compositing done here. */
static void expect_composited(const char *rel)
{
	png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL,
						 NULL, NULL);
	png_infop info = png_create_info_struct(png);
	struct gic_pixels p;
	unsigned char *file;
	png_bytepp rows;
	size_t len;
	FILE *f;

	file = test_read_shared(rel, &len);
	decode_file(rel, &p);
	assert_non_null(f = fmemopen(file, len, "rb"));
	png_init_io(png, f);
	png_read_png(png, info, PNG_TRANSFORM_EXPAND | PNG_TRANSFORM_STRIP_16 |
		     PNG_TRANSFORM_GRAY_TO_RGB, NULL);
	assert_int_equal(png_get_channels(png, info), 4);
	rows = png_get_rows(png, info);
	for (uint32_t y = 0; y < p.h; y++)
		for (uint32_t x = 0; x < p.w; x++)
			for (int c = 0; c < 3; c++) {
				const unsigned char *s = rows[y] + 4 * x;
				unsigned want = (s[c] * s[3] + 127) / 255;
				unsigned got = p.rgb[3 * (y * p.w + x) + c];

				if (got != want)
					fail_msg("%s: (%u,%u).%d is %u, expected "
						 "%u", rel, x, y, c, got, want);
			}
	png_destroy_read_struct(&png, &info, NULL);
	fclose(f);
	free(file);
	gic_pixels_release(&p);
}

static double psnr(const struct gic_pixels *a, const struct gic_pixels *b)
{
	double se = 0;
	size_t n = (size_t)a->w * a->h * 3;

	for (size_t i = 0; i < n; i++)
		se += (double)(a->rgb[i] - b->rgb[i]) * (a->rgb[i] - b->rgb[i]);
	return se == 0 ? 99 : 10 * log10(255.0 * 255 * n / se);
}

static void test_decode_conversions(void **state)
{
	struct gic_pixels a, b;

	(void)state;
	expect_gray("data/pngsuite/basn0g01.png");
	expect_gray("data/pngsuite/basn0g08.png");
	expect_gray("data/pngsuite/basn0g16.png");
	expect_gray("data/pngsuite/basn4a08.png");
	expect_gray("data/jpeg/derived/testorig_gray.jpg");
	expect_composited("data/pngsuite/basn6a08.png");
	expect_composited("data/pngsuite/basn4a08.png");
	expect_composited("data/pngsuite/tbbn3p08.png");
	expect_composited("data/pngsuite/tbrn2c08.png");
	/* interlaced or not, the same pixels */
	decode_file("data/pngsuite/basi2c08.png", &a);
	decode_file("data/pngsuite/basn2c08.png", &b);
	assert_memory_equal(a.rgb, b.rgb, (size_t)a.w * a.h * 3);
	gic_pixels_release(&a);
	gic_pixels_release(&b);
	/* Adobe CMYK comes out as the photo it was made from */
	decode_file("data/jpeg/derived/testorig_cmyk.jpg", &a);
	decode_file("data/jpeg/testorig.jpg", &b);
	assert_int_equal(a.w, b.w);
	if (psnr(&a, &b) < 25)
		fail_msg("CMYK decode is %.1f dB from the RGB original",
			 psnr(&a, &b));
	gic_pixels_release(&a);
	gic_pixels_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jpeg_carries_ijg_tables),
		cmocka_unit_test(test_decode_conversions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
