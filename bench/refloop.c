/*
 * refloop - the reference loop for the ingest benchmark: the least work an
 * ingest must do per file, written plainly and single-threaded.
 *
 *   refloop DIR
 *
 * Walks DIR and, for every regular file: reads it into memory, hashes it with
 * SHA-256 (OpenSSL EVP), decodes a PNG completely with libpng, and decodes a
 * JPEG with libjpeg at 1/8 scale. Prints one line,
 *   refloop: N files, X.XXX s, Y images/s
 * timed with CLOCK_MONOTONIC around the whole walk. Files that fail to decode
 * still count (an ingest reads and hashes them too); how many failed goes to
 * stderr. Uses only libc, libpng, libjpeg and OpenSSL, never libgicat.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jpeglib.h>
#include <openssl/evp.h>
#include <png.h>

#include "catalog.h"  /* gic_malloc_tune only */

/* nftw's callback takes no user pointer, so the loop's state is file-wide. */
static struct {
	unsigned char *data;	/* the current file */
	size_t datacap;
	unsigned char *pixels;	/* decoded pixels */
	size_t pixcap;
	png_bytep *rows;	/* row pointers into pixels, for libpng */
	size_t rowcap;
	long files, failed;
} loop;

/* Buffers grow and are reused from file to file, as an ingest would. */
static void *grow(void *p, size_t *cap, size_t need)
{
	if (need <= *cap)
		return p;
	p = realloc(p, need);
	if (!p) {
		fputs("refloop: out of memory\n", stderr);
		exit(1);
	}
	*cap = need;
	return p;
}

/* Reads path into loop.data. Returns 0, or -1 if it could not be read whole. */
static int read_whole(const char *path, size_t size)
{
	int fd = open(path, O_RDONLY);
	size_t got = 0;

	if (fd < 0)
		return -1;
	loop.data = grow(loop.data, &loop.datacap, size + 1);
	while (got < size) {
		ssize_t n = read(fd, loop.data + got, size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	return got == size ? 0 : -1;
}

static int sha256(const unsigned char *data, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	return EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) ? 0 : -1;
}

/* ---- PNG: every row, then png_read_end ---------------------------------- */

struct png_src {
	const unsigned char *data;
	size_t len, pos;
};

static void png_fail(png_structp png, png_const_charp msg)
{
	(void)msg;
	png_longjmp(png, 1);
}

static void png_quiet(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

static void png_get(png_structp png, png_bytep out, size_t n)
{
	struct png_src *s = png_get_io_ptr(png);

	if (n > s->len - s->pos)
		png_error(png, "truncated");
	memcpy(out, s->data + s->pos, n);
	s->pos += n;
}

/* The part that libpng may longjmp out of; it keeps no state of its own. */
static int png_decode_all(png_structp png, png_infop info, struct png_src *src)
{
	size_t rowbytes, height;

	if (setjmp(png_jmpbuf(png)))
		return -1;
	png_set_read_fn(png, src, png_get);
	png_read_info(png, info);
	png_set_interlace_handling(png);
	png_read_update_info(png, info);
	rowbytes = png_get_rowbytes(png, info);
	height = png_get_image_height(png, info);
	loop.pixels = grow(loop.pixels, &loop.pixcap, rowbytes * height);
	loop.rows = grow(loop.rows, &loop.rowcap, height * sizeof(*loop.rows));
	for (size_t y = 0; y < height; y++)
		loop.rows[y] = loop.pixels + y * rowbytes;
	png_read_image(png, loop.rows);
	png_read_end(png, NULL);
	return 0;
}

static int decode_png(const unsigned char *data, size_t len)
{
	struct png_src src = { data, len, 0 };
	png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, png_fail, png_quiet);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	int rc = -1;

	if (info)
		rc = png_decode_all(png, info, &src);
	png_destroy_read_struct(&png, &info, NULL);
	return rc;
}

/* ---- JPEG: 1/8 scale, every scanline ------------------------------------ */

struct jpeg_fail {
	struct jpeg_error_mgr mgr;
	jmp_buf jb;
};

static void jpeg_fail_exit(j_common_ptr c)
{
	longjmp(((struct jpeg_fail *)(void *)c->err)->jb, 1);
}

static void jpeg_quiet(j_common_ptr c)
{
	(void)c;
}

static int jpeg_decode_all(struct jpeg_decompress_struct *c, const unsigned char *data, size_t len)
{
	size_t stride;

	jpeg_mem_src(c, data, (unsigned long)len);
	jpeg_read_header(c, TRUE);
	c->scale_num = 1;
	c->scale_denom = 8;
	jpeg_start_decompress(c);
	stride = (size_t)c->output_width * (size_t)c->output_components;
	loop.pixels = grow(loop.pixels, &loop.pixcap, stride);
	while (c->output_scanline < c->output_height) {
		JSAMPROW row = loop.pixels;

		jpeg_read_scanlines(c, &row, 1);
	}
	jpeg_finish_decompress(c);
	return 0;
}

/* libjpeg's warnings (a truncated file is one) are silenced, not failures. */
static int decode_jpeg(const unsigned char *data, size_t len)
{
	struct jpeg_decompress_struct c;
	struct jpeg_fail err;
	int rc;

	c.err = jpeg_std_error(&err.mgr);
	err.mgr.error_exit = jpeg_fail_exit;
	err.mgr.output_message = jpeg_quiet;
	jpeg_create_decompress(&c);
	if (setjmp(err.jb) == 0)
		rc = jpeg_decode_all(&c, data, len);
	else
		rc = -1;
	jpeg_destroy_decompress(&c);
	return rc;
}

/* ---- the walk ----------------------------------------------------------- */

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	static const unsigned char png_sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	size_t len = (size_t)st->st_size;
	int rc;

	(void)ftw;
	if (type != FTW_F || !S_ISREG(st->st_mode))
		return 0;
	loop.files++;
	rc = read_whole(path, len);
	if (rc == 0)
		rc = sha256(loop.data, len);
	if (rc == 0 && len >= 8 && memcmp(loop.data, png_sig, 8) == 0)
		rc = decode_png(loop.data, len);
	else if (rc == 0 && len >= 3 && loop.data[0] == 0xff && loop.data[1] == 0xd8 &&
		 loop.data[2] == 0xff)
		rc = decode_jpeg(loop.data, len);
	if (rc != 0)
		loop.failed++;
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double start, secs;

	/* the allocator settings gicat runs with: the loop is not made to
	 * pay page faults gicat avoids */
	gic_malloc_tune();
	if (argc != 2) {
		fputs("usage: refloop DIR\n", stderr);
		return 2;
	}
	start = now();
	if (nftw(argv[1], visit, 32, FTW_PHYS) != 0) {
		fprintf(stderr, "refloop: cannot walk %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	secs = now() - start;
	printf("refloop: %ld files, %.3f s, %.1f images/s\n", loop.files, secs,
	       secs > 0 ? (double)loop.files / secs : 0.0);
	if (loop.failed)
		fprintf(stderr, "refloop: %ld files did not decode\n", loop.failed);
	free(loop.data);
	free(loop.pixels);
	free(loop.rows);
	return 0;
}
