/*
 * test-degrade.c - the degradation engine: operation chains (canonical
 * text, exact error messages), blur against a straightforward
 * double-precision reference written here, resize and crop, errors, and
 * identical bytes from every thread.  test-pixels-io.c covers decoding and
 * encoding, test-derive.c derived objects in a catalog.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "degrade.h"

/* ---- helpers ------------------------------------------------------------ */

/* A w x h image whose every sample is f(x, y, c). */
static void make(struct gic_pixels *p, uint32_t w, uint32_t h,
		 int (*f)(uint32_t x, uint32_t y, int c))
{
	assert_int_equal(gic_pixels_init(p, w, h), 0);
	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++)
			for (int c = 0; c < 3; c++)
				p->rgb[3 * ((size_t)y * w + x) + c] =
					(unsigned char)f(x, y, c);
}

static int texture(uint32_t x, uint32_t y, int c)
{
	return (int)((x * 7 + y * 13 + (uint32_t)c * 50 + (x * y) % 31) % 256);
}

static int flat(uint32_t x, uint32_t y, int c)
{
	(void)x, (void)y;
	return 40 + 60 * c;
}

/* The PNG bytes of a textured w x h image. */
static unsigned char *texture_png(uint32_t w, uint32_t h, size_t *len)
{
	struct gic_pixels p;
	unsigned char *out;

	make(&p, w, h, texture);
	assert_int_equal(gic_pixels_encode_png(&p, 6, &out, len), 0);
	gic_pixels_release(&p);
	return out;
}

/* ---- parsing ------------------------------------------------------------ */

static void test_canonical_text(void **state)
{
	static const char *const cases[][2] = {
		{ "jpeg(quality=30)", "jpeg(quality=30)" },
		{ " jpeg( quality = 30 ) ", "jpeg(quality=30)" },
		{ "jpeg(quality=30,subsampling=420)", "jpeg(quality=30)" },
		{ "jpeg(subsampling=444, quality=95)",
		  "jpeg(quality=95,subsampling=444)" },
		{ "jpeg(quality=95,subsampling=4:4:4)",
		  "jpeg(quality=95,subsampling=444)" },
		{ "jpeg(quality=95,subsampling=4:2:0)", "jpeg(quality=95)" },
		{ "blur(sigma=3)", "blur(sigma=3)|png()" },
		{ "blur(sigma=3.000)", "blur(sigma=3)|png()" },
		{ "blur(sigma=.5)", "blur(sigma=0.5)|png()" },
		{ "blur(sigma=1.25)", "blur(sigma=1.25)|png()" },
		{ "blur(sigma=0.125)", "blur(sigma=0.125)|png()" },
		{ "resize(short=112)", "resize(short=112)|png()" },
		{ "resize(size=64) | jpeg(quality=65)",
		  "resize(size=64)|jpeg(quality=65)" },
		{ "resize(filter=bicubic,short=112)", "resize(short=112)|png()" },
		{ "resize(filter=bilinear,size=8)",
		  "resize(size=8,filter=bilinear)|png()" },
		{ "png()", "png()" },
		{ "png()|blur(sigma=1)|png()", "blur(sigma=1)|png()" },
		{ "center_crop(256)", "center_crop(256)|png()" },
		{ "jpeg(quality=30)|jpeg(quality=30)",
		  "jpeg(quality=30)|jpeg(quality=30)" },
		{ "jpeg(quality=50)|resize(short=64)",
		  "jpeg(quality=50)|resize(short=64)|png()" },
	};
	struct gic_ops o, again;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (gic_ops_parse(cases[i][0], &o))
			fail_msg("'%s': %s", cases[i][0], gic_errmsg());
		if (strcmp(o.canon, cases[i][1]))
			fail_msg("'%s' -> '%s', expected '%s'", cases[i][0],
				 o.canon, cases[i][1]);
		/* the canonical text is a fixed point */
		assert_int_equal(gic_ops_parse(o.canon, &again), 0);
		assert_string_equal(again.canon, o.canon);
		assert_int_equal(again.n, o.n);
	}
}

static void test_parse_errors(void **state)
{
	static const char *const cases[][2] = {
		{ "jpeg(quality=0)", "jpeg: quality must be 1..100, not 0" },
		{ "jpeg(quality=101)", "jpeg: quality must be 1..100, not 101" },
		{ "jpeg(quality=7.5)", "jpeg: quality must be 1..100, not 7.5" },
		{ "jpeg()", "jpeg: quality is required, as in jpeg(quality=75)" },
		{ "jpeg(quality=50,subsampling=422)",
		  "jpeg: subsampling must be 420 or 444 (4:2:0 or 4:4:4), not "
		  "422" },
		{ "jpeg(quality=50,subsampling=0420)",
		  "jpeg: subsampling must be 420 or 444 (4:2:0 or 4:4:4), not "
		  "0420" },
		{ "jpeg(qualty=50)", "jpeg: unknown parameter 'qualty' (did "
		  "you mean 'quality'?)" },
		{ "resize(shrot=5)", "resize: unknown parameter 'shrot' (did "
		  "you mean 'short'?)" },
		{ "resize(side=5)", "resize: unknown parameter 'side' (did "
		  "you mean 'size'?)" },
		{ "jpeg(q=50)", "jpeg: unknown parameter 'q' (it takes "
		  "quality, subsampling)" },
		{ "jpeg(quality=50,quality=60)", "jpeg: quality given twice" },
		{ "jpeg(50)", "jpeg: expected name=value, not '50' (as in "
		  "jpeg(quality=50))" },
		{ "blur(3)", "blur: expected name=value, not '3' (as in "
		  "blur(sigma=3))" },
		{ "resize(112)", "resize: expected name=value, not '112' (as in "
		  "resize(short=112))" },
		{ "jpeg(quality=50,)", "jpeg: empty parameter" },
		{ "jpeg(quality=)", "jpeg: empty parameter" },
		{ "jpeg(quality=30", "jpeg: missing ')'" },
		{ "jpeg", "jpeg: expected '(' after 'jpeg'" },
		{ "blur(sigma=-1)", "blur: sigma must be > 0" },
		{ "blur(sigma=0)", "blur: sigma must be > 0" },
		{ "blur(sigma=x)", "blur: sigma must be a decimal number such as "
		  "1.5, not x" },
		{ "blur(sigma=1e-300)", "blur: sigma must be a decimal number "
		  "such as 1.5, not 1e-300" },
		{ "blur(sigma=0.0001)",
		  "blur: sigma takes at most 3 decimals, not 0.0001" },
		{ "blur(sigma=101)", "blur: sigma must be at most 100" },
		{ "blur()", "blur: sigma is required, as in blur(sigma=3)" },
		{ "resize(short=0)", "resize: short must be 1..16384, not 0" },
		{ "resize(size=20000)", "resize: size must be 1..16384, not 20000" },
		{ "resize(short=64,size=64)", "resize: give short=N or size=N" },
		{ "resize()", "resize: give short=N or size=N" },
		{ "resize(short=8,filter=nearest)", "unknown resize filter "
		  "'nearest' (bicubic, bilinear or lanczos)" },
		{ "resize(short=8,filter=bicubc)", "unknown resize filter "
		  "'bicubc' (did you mean 'bicubic'?)" },
		{ "center_crop()", "center_crop: expected one size and maybe "
		  "align=A, as in center_crop(256) or center_crop(256,align=16)" },
		{ "center_crop(8,8)", "center_crop: expected one size and maybe "
		  "align=A, as in center_crop(256) or center_crop(256,align=16)" },
		{ "center_crop(0)", "center_crop: size must be 1..16384, not 0" },
		{ "center_crop(8,align=0)", "center_crop: align must be 1..64, "
		  "not 0" },
		{ "png(1)", "png: takes no parameters" },
		{ "sharpen(amount=2)", "unknown operation 'sharpen' (jpeg, png, "
		  "blur, resize, center_crop)" },
		{ "", "empty operation chain" },
		{ "  ", "empty operation chain" },
		{ "blur(sigma=3)|", "empty operation after '|'" },
		{ "|png()", "expected an operation at '|png()'" },
		{ "blur(sigma=3) png()",
		  "expected '|' between operations, not 'png()'" },
	};
	char many[512] = "png()";
	struct gic_ops o;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = gic_ops_parse(cases[i][0], &o);

		if (rc != GIC_EUSAGE || strcmp(gic_errmsg(), cases[i][1]))
			fail_msg("'%s': rc %d \"%s\", expected \"%s\"",
				 cases[i][0], rc, gic_errmsg(), cases[i][1]);
	}
	for (int i = 1; i < 16; i++)
		strcat(many, "|png()");
	assert_int_equal(gic_ops_parse(many, &o), 0);  /* png() only once */
	assert_string_equal(o.canon, "png()");
	strcat(many, "|png()");
	assert_int_equal(gic_ops_parse(many, &o), GIC_EUSAGE);
	assert_string_equal(gic_errmsg(), "at most 16 operations, 15 without "
			    "a final jpeg() or png()");
}

/* ---- blur against a double-precision reference -------------------------- */

static long reflect(long i, long n)
{
	long m = ((i % (2 * n)) + 2 * n) % (2 * n);

	return m < n ? m : 2 * n - 1 - m;
}

/* Separable Gaussian with exact weights, mirrored edges, in double. */
static double *reference_blur(const struct gic_pixels *p, double sigma)
{
	long r = (long)ceil(3 * sigma), w = p->w, h = p->h;
	double *k = calloc((size_t)r + 1, sizeof(double)), sum = 0;
	double *t = calloc((size_t)(w * h * 3), sizeof(double));
	double *o = calloc((size_t)(w * h * 3), sizeof(double));

	for (long i = -r; i <= r; i++)
		sum += exp(-(double)(i * i) / (2 * sigma * sigma));
	for (long i = 0; i <= r; i++)
		k[i] = exp(-(double)(i * i) / (2 * sigma * sigma)) / sum;
	for (long y = 0; y < h; y++)
		for (long x = 0; x < w; x++)
			for (long c = 0; c < 3; c++)
				for (long i = -r; i <= r; i++)
					t[(y * w + x) * 3 + c] += k[labs(i)] *
						p->rgb[(y * w + reflect(x + i, w)) * 3 + c];
	for (long y = 0; y < h; y++)
		for (long x = 0; x < w; x++)
			for (long c = 0; c < 3; c++)
				for (long i = -r; i <= r; i++)
					o[(y * w + x) * 3 + c] += k[labs(i)] *
						t[(reflect(y + i, h) * w + x) * 3 + c];
	free(k);
	free(t);
	return o;
}

static void expect_blur_close(uint32_t w, uint32_t h, double sigma)
{
	struct gic_pixels p;
	double *ref;

	make(&p, w, h, texture);
	ref = reference_blur(&p, sigma);
	assert_int_equal(gic_pixels_blur(&p, sigma), 0);
	for (size_t i = 0; i < (size_t)w * h * 3; i++)
		if (fabs(p.rgb[i] - ref[i]) > 1.0)
			fail_msg("%ux%u sigma %g: sample %zu is %d, reference "
				 "%.3f", w, h, sigma, i, p.rgb[i], ref[i]);
	free(ref);
	gic_pixels_release(&p);
}

static void test_blur_matches_reference(void **state)
{
	(void)state;
	expect_blur_close(61, 37, 3);    /* rows not a multiple of a block */
	expect_blur_close(40, 40, 0.7);
	expect_blur_close(5, 9, 4);      /* kernel wider than the image */
	expect_blur_close(1, 1, 2);
	expect_blur_close(130, 3, 1.5);
}

static void test_blur_keeps_flat_images(void **state)
{
	struct gic_pixels p, q;

	(void)state;
	make(&p, 33, 21, flat);
	make(&q, 33, 21, flat);
	assert_int_equal(gic_pixels_blur(&p, 5), 0);
	assert_memory_equal(p.rgb, q.rgb, 33 * 21 * 3);
	assert_int_equal(gic_pixels_blur(&p, 0), GIC_EUSAGE);
	gic_pixels_release(&p);
	gic_pixels_release(&q);
}

/* ---- resize and crop -------------------------------------------------- */

static void expect_resized(const char *ops, uint32_t w, uint32_t h,
			   uint32_t ow, uint32_t oh)
{
	size_t len, outlen;
	unsigned char *png = texture_png(w, h, &len), *out;
	struct gic_image_info info;
	struct gic_ops o;

	assert_int_equal(gic_ops_parse(ops, &o), 0);
	if (gic_degrade_bytes(png, len, &o, &out, &outlen))
		fail_msg("%s on %ux%u: %s", ops, w, h, gic_errmsg());
	assert_int_equal(gic_probe(out, outlen, NULL, &info), 0);
	if (info.width != ow || info.height != oh)
		fail_msg("%s on %ux%u gave %ux%u, expected %ux%u", ops, w, h,
			 info.width, info.height, ow, oh);
	assert_string_equal(info.format, "png");
	gic_image_info_release(&info);
	free(png);
	free(out);
}

static void test_resize_sizes(void **state)
{
	(void)state;
	expect_resized("resize(short=112)", 500, 375, 149, 112);
	expect_resized("resize(short=112)", 375, 500, 112, 149);
	expect_resized("resize(short=64)", 512, 512, 64, 64);
	expect_resized("resize(size=64)", 500, 333, 64, 64);
	expect_resized("resize(short=64,filter=lanczos)", 500, 333, 96, 64);
	expect_resized("resize(short=300)", 200, 100, 600, 300); /* up */
	expect_resized("center_crop(50)|resize(short=20)", 90, 70, 20, 20);
}

static void test_resize_keeps_flat_images(void **state)
{
	static const uint32_t sizes[][2] = { { 7, 5 }, { 112, 149 },
					     { 300, 2 }, { 1, 1 } };
	struct gic_pixels p, q;

	(void)state;
	for (size_t i = 0; i < 3 * sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t k = i / 3;  /* each size with each filter */

		make(&p, 64, 48, flat);
		assert_int_equal(gic_pixels_resize(&p, sizes[k][0], sizes[k][1],
						   (enum gic_filter)(i % 3)), 0);
		make(&q, sizes[k][0], sizes[k][1], flat);
		assert_memory_equal(p.rgb, q.rgb, (size_t)q.w * q.h * 3);
		gic_pixels_release(&p);
		gic_pixels_release(&q);
	}
}

static int coords(uint32_t x, uint32_t y, int c)
{
	return (int)(x + 10 * y) * (c + 1) % 256;
}

static void test_center_crop(void **state)
{
	struct gic_pixels p;

	(void)state;
	make(&p, 10, 8, coords);
	assert_int_equal(gic_pixels_crop(&p, 4, 4, 1), 0);
	assert_int_equal(p.w, 4);
	for (uint32_t y = 0; y < 4; y++)
		for (uint32_t x = 0; x < 4; x++)
			assert_int_equal(p.rgb[3 * (y * 4 + x) + 1],
					 coords(x + 3, y + 2, 1));
	assert_int_equal(gic_pixels_crop(&p, 5, 2, 1), GIC_EUSAGE);
	assert_string_equal(gic_errmsg(), "cannot crop 5x2 out of a 4x4 image");
	gic_pixels_release(&p);
	/* align 2: offsets 3 and 2 become 2 and 2 */
	make(&p, 10, 8, coords);
	assert_int_equal(gic_pixels_crop(&p, 4, 4, 2), 0);
	for (uint32_t y = 0; y < 4; y++)
		for (uint32_t x = 0; x < 4; x++)
			assert_int_equal(p.rgb[3 * (y * 4 + x) + 1],
					 coords(x + 2, y + 2, 1));
	gic_pixels_release(&p);
}

static void test_degrade_errors(void **state)
{
	static const unsigned char junk[] = "GIF89a, not a PNG";
	size_t len, outlen = 1;
	unsigned char *png = texture_png(20, 10, &len), *out = NULL;
	struct gic_ops o;

	(void)state;
	assert_int_equal(gic_ops_parse("blur(sigma=1)", &o), 0);
	assert_int_equal(gic_degrade_bytes(junk, sizeof(junk), &o, &out,
					   &outlen), GIC_EBADIMG);
	assert_null(out);
	assert_int_equal(gic_degrade_bytes(png, len / 2, &o, &out, &outlen),
			 GIC_EBADIMG);
	assert_int_equal(gic_ops_parse("center_crop(16)", &o), 0);
	assert_int_equal(gic_degrade_bytes(png, len, &o, &out, &outlen),
			 GIC_EUSAGE);
	assert_string_equal(gic_errmsg(), "cannot crop 16x16 out of a 20x10 "
			    "image");
	assert_int_equal(gic_degrade_bytes(png, len, NULL, &out, &outlen),
			 GIC_EUSAGE);
	free(png);
}

/* A w x h 8-bit gray PNG whose IDAT holds no rows: enough for a decoder
 * to reach its size check, and no more. */
static size_t png_header_only(unsigned char *b, uint32_t w, uint32_t h)
{
	static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n',
					      0x1a, '\n' };
	unsigned char ihdr[13] = { w >> 24, w >> 16 & 255, w >> 8 & 255,
				   w & 255, h >> 24, h >> 16 & 255,
				   h >> 8 & 255, h & 255, 8, 0, 0, 0, 0 };
	unsigned char z[16];
	uLongf zlen = sizeof(z);
	size_t n = sizeof(sig);

	assert_int_equal(compress(z, &zlen, (const Bytef *)"", 0), Z_OK);
	memcpy(b, sig, n);
	for (int i = 0; i < 3; i++) {
		const char *type = i == 0 ? "IHDR" : i == 1 ? "IDAT" : "IEND";
		const unsigned char *d = i == 0 ? ihdr : z;
		uint32_t len = i == 0 ? 13 : i == 1 ? (uint32_t)zlen : 0;
		uint32_t crc;

		b[n] = 0, b[n + 1] = 0, b[n + 2] = len >> 8, b[n + 3] = len & 255;
		memcpy(b + n + 4, type, 4);
		memcpy(b + n + 8, d, len);
		crc = (uint32_t)crc32(0, b + n + 4, 4 + len);
		b[n + 8 + len] = crc >> 24, b[n + 9 + len] = crc >> 16 & 255;
		b[n + 10 + len] = crc >> 8 & 255, b[n + 11 + len] = crc & 255;
		n += 12 + len;
	}
	return n;
}

/* gic_ops_fit says, from the size alone, what gic_degrade_bytes fails
 * with, so that task check and split refuse before deriving anything:
 * also for an image past the pixel limit the decoder takes, which ingest
 * --max-pixels can let into a catalog. */
static void test_fit_agrees_with_degrade(void **state)
{
	unsigned char png[128], *out = NULL;
	size_t len, outlen;
	struct gic_ops o;
	char why[256];

	(void)state;
	assert_int_equal(gic_ops_parse("center_crop(16)", &o), 0);
	assert_int_equal(gic_ops_fit(&o, 20, 10), GIC_EUSAGE);
	assert_string_equal(gic_errmsg(), "cannot crop 16x16 out of a 20x10 "
			    "image");
	assert_int_equal(gic_ops_fit(&o, 20, 16), 0);

	assert_int_equal(gic_ops_parse("resize(short=64)", &o), 0);
	assert_int_equal(gic_ops_fit(&o, 10000, 10000), 0);
	len = png_header_only(png, 10001, 10001);
	assert_int_equal(gic_degrade_bytes(png, len, &o, &out, &outlen),
			 GIC_ELIMIT);
	assert_null(out);
	snprintf(why, sizeof(why), "%s", gic_errmsg());
	assert_int_equal(gic_ops_fit(&o, 10001, 10001), GIC_ELIMIT);
	assert_string_equal(gic_errmsg(), why);
}

/* ---- determinism across threads ------------------------------------------ */

struct job {
	const unsigned char *in;
	size_t len;
	const struct gic_ops *ops;
	const unsigned char *want;
	size_t wantlen;
	int mismatches;
};

static void *degrade_often(void *arg)
{
	struct job *j = arg;

	for (int i = 0; i < 6; i++) {
		unsigned char *out;
		size_t n;

		if (gic_degrade_bytes(j->in, j->len, j->ops, &out, &n) ||
		    n != j->wantlen || memcmp(out, j->want, n))
			j->mismatches++;
		free(out);
	}
	return NULL;
}

static void test_same_bytes_in_every_thread(void **state)
{
	size_t len, wantlen;
	unsigned char *png = texture_png(97, 61, &len), *want;
	struct gic_ops o;
	struct job jobs[4];
	pthread_t th[4];

	(void)state;
	assert_int_equal(gic_ops_parse("resize(short=40)|blur(sigma=1.5)|"
				       "jpeg(quality=70)|blur(sigma=0.8)", &o), 0);
	assert_int_equal(gic_degrade_bytes(png, len, &o, &want, &wantlen), 0);
	for (int i = 0; i < 4; i++) {
		jobs[i] = (struct job){ png, len, &o, want, wantlen, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, degrade_often,
						&jobs[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(jobs[i].mismatches, 0);
	}
	free(want);
	free(png);
}

static void test_codec_names_its_libraries(void **state)
{
	(void)state;
	assert_non_null(strstr(gic_degrade_codec(), "gicat-degrade "));
	assert_non_null(strstr(gic_degrade_codec(), "; libjpeg-turbo 2."));
	assert_non_null(strstr(gic_degrade_codec(), "; libpng 1."));
	assert_non_null(strstr(gic_degrade_codec(), "; zlib 1."));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canonical_text),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_blur_matches_reference),
		cmocka_unit_test(test_blur_keeps_flat_images),
		cmocka_unit_test(test_resize_sizes),
		cmocka_unit_test(test_resize_keeps_flat_images),
		cmocka_unit_test(test_center_crop),
		cmocka_unit_test(test_degrade_errors),
		cmocka_unit_test(test_fit_agrees_with_degrade),
		cmocka_unit_test(test_same_bytes_in_every_thread),
		cmocka_unit_test(test_codec_names_its_libraries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
