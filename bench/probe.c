/*
 * probe - what gicat's prober costs per image, beside plain decodes.
 *
 *   probe DIR
 *
 * Reads every regular file under DIR into memory, then times,
 * single-threaded and per format, the best of 5 passes of:
 *   gic_probe: the full decode every ingest does (corruption checks,
 *              JPEG quality, metadata) plus the 64-bit pHash;
 *   reference: libpng's simplified API decoding the PNG to RGB, and libjpeg
 *              decoding the JPEG to RGB at full scale with its defaults,
 *              which is what an image loader does before any hashing.
 * Prints one line per format: images, microseconds per image each, ratio.
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jpeglib.h>
#include <png.h>

#include "catalog.h"

#define MAX_FILES 20000
#define PASSES 5

struct file {
	unsigned char *data;
	size_t len;
	int png;
};

static struct file files[MAX_FILES];
static size_t nfiles;
static unsigned char *pixels; /* reference decodes write here */
static size_t pixcap;

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* nftw callback: every regular file into files[]. */
static int take(const char *path, const struct stat *st, int type,
		struct FTW *ftw)
{
	struct file *f = &files[nfiles];
	FILE *fp;

	(void)ftw;
	if (type != FTW_F || nfiles == MAX_FILES || st->st_size < 8 ||
	    !(fp = fopen(path, "rb")))
		return 0;
	f->len = (size_t)st->st_size;
	f->data = malloc(f->len);
	if (f->data && fread(f->data, 1, f->len, fp) == f->len) {
		f->png = f->data[0] == 0x89;
		nfiles++;
	}
	fclose(fp);
	return 0;
}

static unsigned char *room(size_t need)
{
	if (need > pixcap) {
		free(pixels);
		if (!(pixels = malloc(need))) {
			fputs("probe: out of memory\n", stderr);
			exit(1);
		}
		pixcap = need;
	}
	return pixels;
}

static void ref_png(const struct file *f)
{
	png_image im;

	memset(&im, 0, sizeof(im));
	im.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_memory(&im, f->data, f->len))
		return;
	im.format = PNG_FORMAT_RGB;
	png_image_finish_read(&im, NULL, room(PNG_IMAGE_SIZE(im)), 0, NULL);
	png_image_free(&im);
}

static void ref_jpeg(const struct file *f)
{
	struct jpeg_decompress_struct ci;
	struct jpeg_error_mgr err;

	ci.err = jpeg_std_error(&err);
	jpeg_create_decompress(&ci);
	jpeg_mem_src(&ci, f->data, (unsigned long)f->len);
	if (jpeg_read_header(&ci, TRUE) == JPEG_HEADER_OK) {
		size_t stride;

		ci.out_color_space = JCS_RGB;
		jpeg_start_decompress(&ci);
		stride = (size_t)ci.output_width * (size_t)ci.output_components;
		room(stride);
		while (ci.output_scanline < ci.output_height) {
			JSAMPROW row = pixels;
			jpeg_read_scanlines(&ci, &row, 1);
		}
		jpeg_finish_decompress(&ci);
	}
	jpeg_destroy_decompress(&ci);
}

static void ours(const struct file *f)
{
	struct gic_probe_opts po = { 0 };
	struct gic_image_info info;

	memset(&info, 0, sizeof(info));
	if (gic_probe(f->data, f->len, &po, &info) < 0)
		fprintf(stderr, "probe: %s\n", gic_errmsg());
	gic_image_info_release(&info);
}

/* Best of PASSES passes over the files of one format, seconds per image. */
static double time_it(int png, void (*fn)(const struct file *), size_t *n)
{
	double best = 1e30;

	for (int p = 0; p < PASSES; p++) {
		double t0 = now();
		*n = 0;
		for (size_t i = 0; i < nfiles; i++)
			if (files[i].png == png) {
				fn(&files[i]);
				(*n)++;
			}
		if (now() - t0 < best)
			best = now() - t0;
	}
	return *n ? best / (double)*n : 0;
}

int main(int argc, char **argv)
{
	gic_malloc_tune();  /* as gicat does, for both sides */
	if (argc != 2) {
		fputs("usage: probe DIR\n", stderr);
		return 2;
	}
	if (nftw(argv[1], take, 16, FTW_PHYS) < 0) {
		perror(argv[1]);
		return 1;
	}
	for (int png = 1; png >= 0; png--) {
		size_t n;
		double g = time_it(png, ours, &n);
		double r = time_it(png, png ? ref_png : ref_jpeg, &n);

		if (!n)
			continue;
		printf("  %-5s %6zu images  gic_probe %7.1f us  %-22s %7.1f us  "
		       "ratio %.2f\n", png ? "PNG" : "JPEG", n, g * 1e6,
		       png ? "libpng to RGB" : "libjpeg to RGB, 1:1", r * 1e6,
		       g / r);
	}
	return 0;
}
