/*
 * test-phash-robust.c - how the pHash (as gic_probe computes it at ingest)
 * holds up on the fixture's images: the mini-GenImage tree written by
 * build/fixtures/mkgenimage (PNG fakes of every generator, JPEG reals in
 * colour and grey).  Each image is decoded here (libjpeg, libpng), changed,
 * encoded again and probed like a file being ingested.
 *
 * Asserted: a JPEG re-encode at quality 75 and a half-size copy (2x2 box
 * average) stay within distance 4 of the original; distinct images are
 * more than 10 apart.  Reported, not asserted (lines starting with "#"):
 * the distances of each change, the false-positive rate over all pairs of
 * distinct images, and the distances after cropping 5% off every border.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testdata.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <png.h>

#include "catalog.h"

#define MKGENIMAGE "build/fixtures/mkgenimage"

struct img {
	char path[1152];
	uint64_t phash;         /* of the file, by gic_probe */
	int quality;            /* JPEG quality estimate, -1 for PNG */
	unsigned char *rgb;     /* decoded here */
	uint32_t w, h;
};

static struct img *imgs;
static size_t nimgs, nskipped;
static char dir[64];

/* ---- decoding and encoding ---------------------------------------------- */

struct jerr {
	struct jpeg_error_mgr mgr;
	jmp_buf jb;
};

static void jerr_exit(j_common_ptr ci)
{
	longjmp(((struct jerr *)ci->err)->jb, 1);
}

static unsigned char *decode_jpeg(const unsigned char *buf, size_t len,
				  uint32_t *w, uint32_t *h)
{
	struct jpeg_decompress_struct ci;
	struct jerr err;
	unsigned char *volatile rgb = NULL;

	ci.err = jpeg_std_error(&err.mgr);
	err.mgr.error_exit = jerr_exit;
	if (setjmp(err.jb)) {
		jpeg_destroy_decompress(&ci);
		free(rgb);
		return NULL;
	}
	jpeg_create_decompress(&ci);
	jpeg_mem_src(&ci, buf, (unsigned long)len);
	jpeg_read_header(&ci, TRUE);
	ci.out_color_space = JCS_RGB;
	jpeg_start_decompress(&ci);
	*w = ci.output_width;
	*h = ci.output_height;
	rgb = malloc((size_t)*w * *h * 3);
	while (rgb && ci.output_scanline < ci.output_height) {
		JSAMPROW row = rgb + (size_t)ci.output_scanline * *w * 3;
		jpeg_read_scanlines(&ci, &row, 1);
	}
	jpeg_finish_decompress(&ci);
	jpeg_destroy_decompress(&ci);
	return rgb;
}

/* RGBA, then alpha dropped: the pHash ignores alpha, so compositing it
 * away would change what is hashed. */
static unsigned char *decode_png(const unsigned char *buf, size_t len,
				 uint32_t *w, uint32_t *h)
{
	png_image im = { .version = PNG_IMAGE_VERSION };
	unsigned char *rgba = NULL, *rgb = NULL;

	if (!png_image_begin_read_from_memory(&im, buf, len))
		return NULL;
	im.format = PNG_FORMAT_RGBA;
	*w = im.width;
	*h = im.height;
	rgba = malloc(PNG_IMAGE_SIZE(im));
	rgb = malloc((size_t)im.width * im.height * 3);
	if (rgba && rgb && png_image_finish_read(&im, NULL, rgba, 0, NULL))
		for (size_t i = 0; i < (size_t)im.width * im.height; i++)
			memcpy(rgb + 3 * i, rgba + 4 * i, 3);
	else {
		png_image_free(&im);
		free(rgb);
		rgb = NULL;
	}
	free(rgba);
	return rgb;
}

static unsigned char *encode_jpeg(const unsigned char *rgb, uint32_t w,
				  uint32_t h, int quality, size_t *len)
{
	struct jpeg_compress_struct ci;
	struct jpeg_error_mgr err;
	unsigned char *out = NULL;
	unsigned long n = 0;

	ci.err = jpeg_std_error(&err);
	jpeg_create_compress(&ci);
	jpeg_mem_dest(&ci, &out, &n);
	ci.image_width = w;
	ci.image_height = h;
	ci.input_components = 3;
	ci.in_color_space = JCS_RGB;
	jpeg_set_defaults(&ci);
	jpeg_set_quality(&ci, quality, TRUE);
	jpeg_start_compress(&ci, TRUE);
	while (ci.next_scanline < h) {
		JSAMPROW row = (JSAMPROW)rgb + (size_t)ci.next_scanline * w * 3;
		jpeg_write_scanlines(&ci, &row, 1);
	}
	jpeg_finish_compress(&ci);
	jpeg_destroy_compress(&ci);
	*len = n;
	return out;
}

static unsigned char *encode_png(const unsigned char *rgb, uint32_t w,
				 uint32_t h, size_t *len)
{
	png_image im = { .version = PNG_IMAGE_VERSION, .width = w,
			 .height = h, .format = PNG_FORMAT_RGB,
			 .flags = PNG_IMAGE_FLAG_FAST };
	png_alloc_size_t n = PNG_IMAGE_PNG_SIZE_MAX(im);
	unsigned char *out = malloc(n);

	if (!out || !png_image_write_to_memory(&im, out, &n, 0, rgb, 0, NULL)) {
		free(out);
		return NULL;
	}
	*len = n;
	return out;
}

/* pHash of an encoded file, as ingest computes it. */
static uint64_t probe_phash(const char *what, unsigned char *buf, size_t len)
{
	struct gic_image_info in;
	uint64_t ph;

	if (!buf)
		fail_msg("%s: encoding failed", what);
	if (gic_probe(buf, len, NULL, &in) < 0)
		fail_msg("%s: %s", what, gic_errmsg());
	ph = in.phash;
	gic_image_info_release(&in);
	free(buf);
	return ph;
}

/* ---- changes -------------------------------------------------------------- */

/* pHash of pixels saved as a JPEG of quality q (q > 0) or a PNG. */
static uint64_t saved(const struct img *im, const unsigned char *rgb,
		      uint32_t w, uint32_t h, int q)
{
	size_t len = 0;
	unsigned char *buf = q > 0 ? encode_jpeg(rgb, w, h, q, &len) :
				     encode_png(rgb, w, h, &len);

	return probe_phash(im->path, buf, len);
}

static uint64_t halved(const struct img *im)
{
	uint32_t w = im->w / 2, h = im->h / 2;
	unsigned char *out = malloc((size_t)w * h * 3);
	uint64_t ph;

	assert_non_null(out);
	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++)
			for (int c = 0; c < 3; c++) {
				const unsigned char *p = im->rgb +
					((size_t)2 * y * im->w + 2 * x) * 3 + c;
				size_t row = (size_t)im->w * 3;

				out[((size_t)y * w + x) * 3 + c] = (unsigned char)
					((p[0] + p[3] + p[row] + p[row + 3] + 2) / 4);
			}
	ph = saved(im, out, w, h, im->quality);
	free(out);
	return ph;
}

static uint64_t cropped(const struct img *im, uint32_t percent)
{
	uint32_t x0 = im->w * percent / 100, y0 = im->h * percent / 100;
	uint32_t w = im->w - 2 * x0, h = im->h - 2 * y0;
	unsigned char *out = malloc((size_t)w * h * 3);
	uint64_t ph;

	assert_non_null(out);
	for (uint32_t y = 0; y < h; y++)
		memcpy(out + (size_t)y * w * 3,
		       im->rgb + ((size_t)(y + y0) * im->w + x0) * 3,
		       (size_t)w * 3);
	ph = saved(im, out, w, h, im->quality);
	free(out);
	return ph;
}

/* ---- the fixture ---------------------------------------------------------- */

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *p = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (p = malloc((size_t)n)) &&
	    fread(p, 1, (size_t)n, f) == (size_t)n)
		*len = (size_t)n;
	else {
		free(p);
		p = NULL;
	}
	fclose(f);
	return p;
}

/* Probes and decodes one file; a copy of an image already seen (same
 * bytes) or a CMYK JPEG (decoded differently by the probe) is skipped. */
static void add_image(const char *rel, char (*seen)[GIC_HEX_LEN + 1])
{
	struct img *im = &imgs[nimgs];
	struct gic_image_info in;
	unsigned char *buf;
	size_t len = 0;
	int skip;

	snprintf(im->path, sizeof(im->path), "%s/%s", dir, rel);
	if (!(buf = slurp(im->path, &len)) || gic_probe(buf, len, NULL, &in))
		fail_msg("%s: cannot read or probe", im->path);
	assert_int_equal(gic_sha256_hex(buf, len, seen[nimgs]), 0);
	skip = !strcmp(in.mode, "cmyk") || !strcmp(in.mode, "ycck");
	for (size_t k = 0; k < nimgs; k++)
		skip |= !strcmp(seen[k], seen[nimgs]);
	im->phash = in.phash;
	im->quality = in.jpeg_quality;
	if (skip) {
		nskipped++;
	} else {
		im->rgb = !strcmp(in.format, "png") ?
			  decode_png(buf, len, &im->w, &im->h) :
			  decode_jpeg(buf, len, &im->w, &im->h);
		if (!im->rgb)
			fail_msg("%s: cannot decode", im->path);
		nimgs++;
	}
	gic_image_info_release(&in);
	free(buf);
}

static int setup(void **state)
{
	char cmd[256], line[1024], path[128];
	char (*seen)[GIC_HEX_LEN + 1] = calloc(1024, sizeof(*seen));
	FILE *f;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/gicat-test-XXXXXX");
	if (!seen || !mkdtemp(dir))
		return -1;
	snprintf(cmd, sizeof(cmd), MKGENIMAGE " %s >/dev/null", dir);
	snprintf(path, sizeof(path), "%s/expected.tsv", dir);
	if (system(cmd) != 0 || !(f = fopen(path, "r"))) {
		fprintf(stderr, "setup: '%s' failed (run make first)\n", cmd);
		return -1;
	}
	imgs = calloc(1024, sizeof(*imgs));
	while (imgs && nimgs < 1024 && fgets(line, sizeof(line), f)) {
		char *tab = strchr(line, '\t');

		if (tab && strstr(line, "\tok\n")) {
			*tab = '\0';
			add_image(line, seen);
		}
	}
	fclose(f);
	free(seen);
	return nimgs > 50 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < nimgs; i++)
		free(imgs[i].rgb);
	free(imgs);
	return test_rm_tree(dir);
}

/* ---- tests ------------------------------------------------------------ */

/* Distances of one change over every image: asserted <= limit unless
 * limit < 0; the distribution is printed. */
static void distances(const char *what, uint64_t (*change)(const struct img *),
		      int limit)
{
	int hist[65] = { 0 }, worst = 0, le4 = 0, le10 = 0;
	double sum = 0;

	for (size_t i = 0; i < nimgs; i++) {
		int d = gic_hamming(imgs[i].phash, change(&imgs[i]));

		hist[d]++;
		le4 += d <= 4;
		le10 += d <= 10;
		sum += d;
		worst = d > worst ? d : worst;
		if (limit >= 0 && d > limit)
			fail_msg("%s: %s is at distance %d (limit %d)", what,
				 imgs[i].path, d, limit);
	}
	printf("# %s: %zu images, mean distance %.2f, max %d; <= 4: %.0f%%, "
	       "<= 10: %.0f%%; distance:count", what, nimgs, sum / nimgs,
	       worst, 100.0 * le4 / nimgs, 100.0 * le10 / nimgs);
	for (int d = 0; d <= worst; d++)
		if (hist[d])
			printf(" %d:%d", d, hist[d]);
	printf("\n");
}

static uint64_t q75(const struct img *im)
{
	return saved(im, im->rgb, im->w, im->h, 75);
}

static uint64_t crop5(const struct img *im)
{
	return cropped(im, 5);
}

/* The same pixels in the other format: JPEGs saved as PNG (the probe
 * hashes a JPEG from a reduced-scale luma decode, a PNG exactly). */
static uint64_t as_png(const struct img *im)
{
	return im->quality > 0 ? saved(im, im->rgb, im->w, im->h, 0) :
				 im->phash;
}

static void test_jpeg_q75_reencode_within_4(void **state)
{
	(void)state;
	distances("JPEG re-encode at quality 75", q75, 4);
}

static void test_half_size_within_4(void **state)
{
	(void)state;
	distances("half size (2x2 box average), saved like the original",
		  halved, 4);
}

static void test_border_crop_and_format_change_measured(void **state)
{
	(void)state;
	distances("5% cropped off every border", crop5, -1);
	distances("JPEGs saved as PNG, same pixels (PNGs count as 0)", as_png,
		  -1);
}

static void test_distinct_images_beyond_10(void **state)
{
	size_t pairs = 0, within4 = 0, within10 = 0;
	int closest = 64;

	(void)state;
	for (size_t i = 0; i < nimgs; i++)
		for (size_t j = i + 1; j < nimgs; j++) {
			int d = gic_hamming(imgs[i].phash, imgs[j].phash);

			pairs++;
			within4 += d <= 4;
			within10 += d <= 10;
			closest = d < closest ? d : closest;
		}
	printf("# distinct images: %zu (%zu copies or CMYK skipped), %zu pairs, "
	       "closest at distance %d; false positives: %zu at <= 4 (%.4f%%), "
	       "%zu at <= 10 (%.4f%%)\n", nimgs, nskipped, pairs, closest,
	       within4, 100.0 * within4 / pairs, within10,
	       100.0 * within10 / pairs);
	assert_int_equal(within10, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jpeg_q75_reencode_within_4),
		cmocka_unit_test(test_half_size_within_4),
		cmocka_unit_test(test_distinct_images_beyond_10),
		cmocka_unit_test(test_border_crop_and_format_change_measured),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
