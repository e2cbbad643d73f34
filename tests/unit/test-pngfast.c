/*
 * test-pngfast.c - the fast PNG path against libpng.  For every file of
 * PngSuite, for PNGs written here by libpng (every colour type it takes,
 * several sizes, zlib levels and filters), for the PNGs of
 * build/fixtures/mkgenimage and for damaged copies (truncations, every
 * single-bit flip, bad filter bytes, extra or missing image data, chunks
 * out of order), the fast path either declines or gives the rows libpng
 * gives, and it accepts nothing libpng rejects.  gic_probe() and
 * gic_pixels_decode() results (pHash included) are compared with the
 * libpng path, reached by one byte after IEND, which pngfast declines and
 * libpng ignores.
 *
 * Sample data comes from $GICAT_SHARED or ../shared (run from the
 * repository root); crafted files are built here with libdeflate.
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

#include <libdeflate.h>
#include <png.h>

#include "catalog.h"
#include "degrade.h"
#include "pngfast.h"
#include "probe-int.h"

#define MKGENIMAGE "build/fixtures/mkgenimage"

struct buf {
	unsigned char *p;
	size_t n;
};

static void put(struct buf *b, const void *d, size_t n)
{
	b->p = realloc(b->p, b->n + n + 1);
	assert_non_null(b->p);
	if (n)
		memcpy(b->p + b->n, d, n);
	b->n += n;
}

static void put32(struct buf *b, uint32_t v)
{
	unsigned char c[4] = {v >> 24, v >> 16, v >> 8, v};

	put(b, c, 4);
}

static void chunk(struct buf *b, const char *type, const void *d, size_t n)
{
	size_t at;

	put32(b, (uint32_t)n);
	at = b->n;
	put(b, type, 4);
	put(b, d, n);
	put32(b, libdeflate_crc32(0, b->p + at, n + 4));
}

/* ---- the two decoders ---------------------------------------------------- */

static void ref_error(png_structp png, png_const_charp msg)
{
	(void)msg;
	png_longjmp(png, 1);
}

static void ref_warning(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

static void ref_read(png_structp png, png_bytep d, size_t n)
{
	struct buf *io = png_get_io_ptr(png);

	if (n > io->n)
		png_error(png, "unexpected end of file");
	memcpy(d, io->p, n);
	io->p += n;
	io->n -= n;
}

/* A plain libpng decode as the library does it (benign errors are
 * warnings): 0 and the rows as stored in *px, or -1 when rejected. */
static int ref_decode(const unsigned char *p, size_t n, unsigned char **px)
{
	png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL,
						 ref_error, ref_warning);
	png_infop info = png_create_info_struct(png);
	struct buf io = {(unsigned char *)p, n};
	unsigned char *volatile img = NULL;
	png_bytep *volatile rows = NULL;
	size_t rb;
	uint32_t h;

	*px = NULL;
	if (setjmp(png_jmpbuf(png))) {
		png_destroy_read_struct(&png, &info, NULL);
		free(img);
		free(rows);
		return -1;
	}
	png_set_read_fn(png, &io, ref_read);
	png_set_benign_errors(png, 1);
	png_read_info(png, info);
	png_set_interlace_handling(png);
	png_read_update_info(png, info);
	rb = png_get_rowbytes(png, info);
	h = png_get_image_height(png, info);
	img = malloc(rb * h);
	rows = malloc(h * sizeof(*rows));
	assert_true(img && rows);
	for (uint32_t y = 0; y < h; y++)
		rows[y] = img + y * rb;
	png_read_image(png, rows);
	png_read_end(png, info);
	png_destroy_read_struct(&png, &info, NULL);
	free(rows);
	*px = img;
	return 0;
}

struct got {
	struct gic_image_info info;
	unsigned char *px;
	uint32_t next;
	int out_of_order;
};

static int collect(void *arg, uint32_t y, const unsigned char *px)
{
	struct got *g = arg;
	size_t rb = (size_t)g->info.width * (size_t)g->info.channels;

	if (y != g->next++)
		g->out_of_order = 1;
	if (!y)
		assert_non_null(g->px = malloc(rb * g->info.height));
	memcpy(g->px + y * rb, px, rb);
	return 0;
}

/* The rule: pngfast accepts only what libpng accepts, with its rows.
 * Returns pngfast's answer (1 decoded, 0 declined). */
static int agree(const unsigned char *p, size_t n)
{
	struct got g = {0};
	unsigned char *ref = NULL;
	int rc = gic_pngfast_decode(p, n, GIC_DEFAULT_MAX_PIXELS, &g.info,
				    collect, &g);

	assert_true(rc == 0 || rc == 1);
	if (rc == 1) {
		size_t rb = (size_t)g.info.width * (size_t)g.info.channels;

		if (ref_decode(p, n, &ref))
			fail_msg("pngfast accepted a file libpng rejects");
		assert_false(g.out_of_order);
		assert_int_equal(g.next, g.info.height);
		assert_memory_equal(g.px, ref, rb * g.info.height);
	}
	free(ref);
	free(g.px);
	gic_image_info_release(&g.info);
	return rc;
}

static void assert_info_equal(const struct gic_image_info *a,
			      const struct gic_image_info *b)
{
	assert_string_equal(a->format, b->format);
	assert_int_equal(a->width, b->width);
	assert_int_equal(a->height, b->height);
	assert_int_equal(a->channels, b->channels);
	assert_int_equal(a->bit_depth, b->bit_depth);
	assert_string_equal(a->mode, b->mode);
	assert_int_equal(a->interlaced, b->interlaced);
	assert_int_equal(a->has_icc, b->has_icc);
	assert_int_equal(a->has_exif, b->has_exif);
	assert_int_equal(a->has_xmp, b->has_xmp);
	assert_int_equal(a->has_c2pa, b->has_c2pa);
	assert_int_equal(a->orientation, b->orientation);
	assert_string_equal(a->exif_software, b->exif_software);
	assert_string_equal(a->exif_make, b->exif_make);
	assert_string_equal(a->exif_model, b->exif_model);
	assert_string_equal(a->xmp_source_type, b->xmp_source_type);
	assert_string_equal(a->text_keys ? a->text_keys : "(none)",
			    b->text_keys ? b->text_keys : "(none)");
	assert_int_equal(a->phash, b->phash);
}

/* gic_probe and gic_pixels_decode give the same with the fast path as
 * through libpng (the same bytes plus one after IEND). */
static void same_both_ways(const unsigned char *p, size_t n,
			   struct gic_image_info *keep)
{
	struct gic_image_info slow, fast, *fast_info = keep ? keep : &fast;
	struct gic_pixels a, b;
	unsigned char *q = malloc(n + 1);
	struct got g = {0};

	assert_non_null(q);
	memcpy(q, p, n);
	q[n] = 0;
	assert_int_equal(gic_pngfast_decode(q, n + 1, GIC_DEFAULT_MAX_PIXELS,
					    &g.info, collect, &g), 0);
	assert_int_equal(gic_probe(p, n, NULL, fast_info), 0);
	assert_int_equal(gic_probe(q, n + 1, NULL, &slow), 0);
	assert_info_equal(fast_info, &slow);
	assert_int_equal(gic_pixels_decode(p, n, 0, &a), 0);
	assert_int_equal(gic_pixels_decode(q, n + 1, 0, &b), 0);
	assert_int_equal(a.w, b.w);
	assert_int_equal(a.h, b.h);
	assert_memory_equal(a.rgb, b.rgb, (size_t)a.w * a.h * 3);
	gic_pixels_release(&a);
	gic_pixels_release(&b);
	gic_image_info_release(&slow);
	if (!keep)
		gic_image_info_release(&fast);
	free(q);
}

/* ---- files ------------------------------------------------------------- */

static int files, accepted;

/* For nftw: every PNG file through agree() and, when decoded,
 * same_both_ways(); PngSuite's x*.png files must all be declined. */
static int each_png(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	size_t n = strlen(path), len;
	unsigned char *p;
	int rc;

	(void)st;
	if (flag != FTW_F || n < 4 || (strcmp(path + n - 4, ".png") &&
				       strcmp(path + n - 4, ".PNG")))
		return 0;
	p = test_read(path, &len);
	rc = agree(p, len);
	if (rc && path[ftw->base] == 'x')
		fail_msg("%s: pngfast accepted a broken file", path);
	if (rc)
		same_both_ways(p, len, NULL);
	files++;
	accepted += rc;
	free(p);
	return 0;
}

static void test_pngsuite(void **state)
{
	char dir[1024];

	(void)state;
	test_shared_path("data/pngsuite", dir, sizeof(dir));
	files = accepted = 0;
	if (nftw(dir, each_png, 16, FTW_PHYS))
		fail_msg("cannot read %s (set GICAT_SHARED?)", dir);
	print_message("pngsuite: %d files, %d decoded by pngfast\n", files,
		      accepted);
	assert_true(files > 150);
	assert_true(accepted >= 30);  /* bas?n?08, f0?n?08, z0?n2c08... */
}

/* ---- PNGs written by libpng ------------------------------------------- */

static void wr(png_structp png, png_bytep d, size_t n)
{
	put(png_get_io_ptr(png), d, n);
}

/* Gradients with noise, so that every filter has work to do. */
static void fill(unsigned char *px, uint32_t w, uint32_t h, int ch,
		 unsigned seed)
{
	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++)
			for (int c = 0; c < ch; c++) {
				seed = seed * 1103515245u + 12345u;
				px[((size_t)y * w + x) * ch + c] =
					(unsigned char)(x * (3 + c) + y * 5 +
							(seed >> 27));
			}
}

static struct buf libpng_write(uint32_t w, uint32_t h, int ct, int level,
			       int filters, unsigned char *px)
{
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING,
						  NULL, NULL, NULL);
	png_infop info = png_create_info_struct(png);
	int ch = ct == 0 ? 1 : ct == 4 ? 2 : ct == 2 ? 3 : 4;
	struct buf b = {0};

	assert_non_null(info);
	png_set_write_fn(png, &b, wr, NULL);
	png_set_compression_level(png, level);
	png_set_filter(png, PNG_FILTER_TYPE_BASE, filters);
	png_set_IHDR(png, info, w, h, 8, ct, PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_BASE, PNG_FILTER_TYPE_BASE);
	png_write_info(png, info);
	for (uint32_t y = 0; y < h; y++)
		png_write_row(png, px + (size_t)y * w * ch);
	png_write_end(png, info);
	png_destroy_write_struct(&png, &info);
	return b;
}

static void test_libpng_written(void **state)
{
	static const uint32_t sizes[][2] = {
		{1, 1}, {7, 3}, {33, 17}, {64, 64}, {257, 5}, {3, 300},
	};
	static const int cts[] = {0, 2, 4, 6}, levels[] = {0, 1, 6, 9};
	static const int filters[] = {
		PNG_FILTER_NONE, PNG_FILTER_SUB, PNG_FILTER_UP,
		PNG_FILTER_AVG, PNG_FILTER_PAETH, PNG_ALL_FILTERS,
	};
	int total = 6 * 4 * 4 * 6, ok = 0;

	(void)state;
	for (int i = 0; i < total; i++) {
		int s = i / 96, c = i / 24 % 4, l = i / 6 % 4, f = i % 6;
		uint32_t w = sizes[s][0], h = sizes[s][1];
		unsigned char *px = malloc((size_t)w * h * 4);
		struct buf b;

		assert_non_null(px);
		fill(px, w, h, 4, (unsigned)i);
		b = libpng_write(w, h, cts[c], levels[l], filters[f], px);
		ok += agree(b.p, b.n);
		if (f == 5 || l == 0)
			same_both_ways(b.p, b.n, NULL);
		free(b.p);
		free(px);
	}
	print_message("libpng-written: %d files, %d decoded by pngfast\n",
		      total, ok);
	assert_int_equal(ok, total);
}

/* ---- crafted PNGs ------------------------------------------------------ */

/* A 33x17 RGBA PNG from filtered rows `raw` (h * (1 + 4w) bytes), IDAT
 * split in pieces of `split` bytes, with chunks `pre` before the IDATs
 * and `post` after them (both already framed). */
#define CW 33
#define CH 17
#define RAW_LEN ((size_t)CH * (1 + 4 * CW))

static struct buf craft(const unsigned char *raw, size_t raw_len,
			const struct buf *pre, const struct buf *post,
			size_t split, const void *extra, size_t extra_len)
{
	static const unsigned char sig[8] = {0x89, 'P', 'N', 'G',
					     '\r', '\n', 0x1a, '\n'};
	unsigned char ihdr[13] = {0, 0, 0, CW, 0, 0, 0, CH, 8, 6, 0, 0, 0};
	struct libdeflate_compressor *c = libdeflate_alloc_compressor(6);
	unsigned char z[4096];
	size_t zn;
	struct buf b = {0};

	assert_non_null(c);
	zn = libdeflate_zlib_compress(c, raw, raw_len, z, sizeof(z));
	libdeflate_free_compressor(c);
	assert_true(zn > 0 && zn + extra_len <= sizeof(z));
	if (extra_len)
		memcpy(z + zn, extra, extra_len);
	zn += extra_len;
	put(&b, sig, 8);
	chunk(&b, "IHDR", ihdr, 13);
	if (pre)
		put(&b, pre->p, pre->n);
	for (size_t at = 0; at < zn; at += split)
		chunk(&b, "IDAT", z + at, zn - at < split ? zn - at : split);
	if (post)
		put(&b, post->p, post->n);
	chunk(&b, "IEND", NULL, 0);
	return b;
}

/* Filtered rows using every filter type in turn. */
static void make_raw(unsigned char *raw)
{
	fill(raw, 1 + 4 * CW, CH, 1, 7);
	for (size_t y = 0; y < CH; y++)
		raw[y * (1 + 4 * CW)] = (unsigned char)(y % 5);
}

static struct buf crafted_ok(void)
{
	unsigned char raw[RAW_LEN];
	struct buf pre = {0}, post = {0}, b;
	static const char xmp[] = "<x:xmpmeta><rdf:Description "
		"Iptc4xmpExt:DigitalSourceType=\"http://cv.iptc.org/newscodes/"
		"digitalsourcetype/trainedAlgorithmicMedia\"/></x:xmpmeta>";
	static const unsigned char exif[] = {
		'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0,
		0, 1, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	struct buf itxt = {0};

	make_raw(raw);
	chunk(&pre, "tEXt", "parameters\0a cat, 30 steps", 26);
	chunk(&pre, "eXIf", exif, sizeof(exif));
	chunk(&pre, "caBX", "jumb", 4);
	chunk(&pre, "pHYs", "\0\0\x0b\x13\0\0\x0b\x13\1", 9);
	put(&itxt, "XML:com.adobe.xmp\0\0\0\0\0", 22);
	put(&itxt, xmp, strlen(xmp));
	chunk(&post, "iTXt", itxt.p, itxt.n);
	chunk(&post, "prVt", "x", 1);
	b = craft(raw, RAW_LEN, &pre, &post, 100, NULL, 0);
	free(pre.p);
	free(post.p);
	free(itxt.p);
	return b;
}

static void test_crafted_metadata(void **state)
{
	struct buf b = crafted_ok();
	struct gic_image_info info;

	(void)state;
	assert_int_equal(agree(b.p, b.n), 1);
	same_both_ways(b.p, b.n, &info);
	assert_string_equal(info.text_keys, "parameters,XML:com.adobe.xmp");
	assert_true(info.has_exif && info.has_xmp && info.has_c2pa);
	assert_int_equal(info.orientation, 6);
	assert_string_equal(info.xmp_source_type, "trainedAlgorithmicMedia");
	gic_image_info_release(&info);
	free(b.p);
}

/* Every truncation is declined, and so is every single-bit flip: each
 * breaks a CRC, a length or the signature.  Each truncation is a buffer of
 * its own, so that a read past its end fails under AddressSanitizer. */
static void test_damage(void **state)
{
	struct buf b = crafted_ok();

	(void)state;
	for (size_t n = 0; n < b.n; n++) {
		unsigned char *cut = malloc(n + !n);

		assert_non_null(cut);
		memcpy(cut, b.p, n);
		assert_int_equal(agree(cut, n), 0);
		free(cut);
	}
	for (size_t i = 0; i < b.n * 8; i++) {
		b.p[i / 8] ^= (unsigned char)(1 << i % 8);
		if (agree(b.p, b.n))
			fail_msg("flip of bit %zu of byte %zu accepted",
				 i % 8, i / 8);
		b.p[i / 8] ^= (unsigned char)(1 << i % 8);
	}
	assert_int_equal(agree(b.p, b.n), 1);
	free(b.p);
}

/* Declined, and libpng's verdict is the one expected. */
static void declined(const struct buf *b, int libpng_ok)
{
	unsigned char *px;

	assert_int_equal(agree(b->p, b->n), 0);
	assert_int_equal(ref_decode(b->p, b->n, &px), libpng_ok ? 0 : -1);
	free(px);
}

static void test_bad_data(void **state)
{
	unsigned char raw[RAW_LEN + 1 + 4 * CW];
	struct buf b;

	(void)state;
	for (int i = 0; i < 6; i++) {  /* filter 5 or 255, rows 0, 8, 16 */
		make_raw(raw);
		raw[(size_t)i / 2 * 8 * (1 + 4 * CW)] = i % 2 ? 255 : 5;
		b = craft(raw, RAW_LEN, NULL, NULL, 8192, NULL, 0);
		declined(&b, 0);
		free(b.p);
	}
	make_raw(raw);
	b = craft(raw, RAW_LEN - 1, NULL, NULL, 8192, NULL, 0);
	declined(&b, 0);  /* one byte short */
	free(b.p);
	b = craft(raw, RAW_LEN + 1 + 4 * CW, NULL, NULL, 8192, NULL, 0);
	assert_int_equal(agree(b.p, b.n), 0);  /* a row too many */
	free(b.p);
	b = craft(raw, RAW_LEN, NULL, NULL, 8192, "junk", 4);
	assert_int_equal(agree(b.p, b.n), 0);  /* data after the stream */
	free(b.p);
	b = craft(raw, RAW_LEN, NULL, NULL, 8192, NULL, 0);
	put(&b, "garbage", 7);
	declined(&b, 1);  /* libpng stops at IEND; we insist on the end */
	free(b.p);
}

static void test_bad_structure(void **state)
{
	static const char *const other[] = {"tRNS", "iCCP", "zTXt", "sBIT",
					    "PLTE", "CUSt", "bKGD"};
	unsigned char raw[RAW_LEN];
	struct buf post = {0}, b;

	(void)state;
	make_raw(raw);
	chunk(&post, "tEXt", "k\0v", 3);
	b = craft(raw, RAW_LEN, NULL, &post, 200, NULL, 0);
	assert_int_equal(agree(b.p, b.n), 1);  /* text after IDAT is fine */
	free(b.p);
	chunk(&post, "IDAT", NULL, 0);  /* but IDATs must be consecutive */
	b = craft(raw, RAW_LEN, NULL, &post, 200, NULL, 0);
	assert_int_equal(agree(b.p, b.n), 0);
	free(b.p);
	free(post.p);
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		struct buf pre = {0};

		chunk(&pre, other[i], "\0\0\0\0\0\0", 6);
		b = craft(raw, RAW_LEN, &pre, NULL, 8192, NULL, 0);
		if (agree(b.p, b.n))
			fail_msg("a file with %s was not declined", other[i]);
		free(b.p);
		free(pre.p);
	}
}

/* Recomputes the CRC of the chunk at byte `at` of b, after a change. */
static void fix_crc(struct buf *b, size_t at)
{
	const unsigned char *c = b->p + at;
	uint32_t n = (uint32_t)c[0] << 24 | (uint32_t)c[1] << 16 |
		     (uint32_t)c[2] << 8 | c[3];
	uint32_t crc = libdeflate_crc32(0, c + 4, (size_t)n + 4);
	unsigned char *d = b->p + at + 8 + n;

	d[0] = (unsigned char)(crc >> 24);
	d[1] = (unsigned char)(crc >> 16);
	d[2] = (unsigned char)(crc >> 8);
	d[3] = (unsigned char)crc;
}

/* Where the IHDR chunk and its fields, and craft()'s first IDAT (no
 * chunks before it) and its zlib header, are. */
#define IHDR_AT 8
#define IHDR_DEPTH (IHDR_AT + 8 + 8)
#define IHDR_INTERLACE (IHDR_AT + 8 + 12)
#define IDAT_AT (IHDR_AT + 12 + 13)
#define ZLIB_AT (IDAT_AT + 8)

/* Headers that say something else of the same bytes, the CRCs right:
 * another bit depth, Adam7 where the passes take as many bytes as the
 * rows (1 pixel wide), a zlib window smaller than the image. */
static void test_relabelled(void **state)
{
	static const unsigned char depths[] = {1, 2, 4, 16};
	unsigned char raw[RAW_LEN], px[9 * 4];
	struct buf b;

	(void)state;
	make_raw(raw);
	for (size_t i = 0; i < sizeof(depths); i++) {
		b = craft(raw, RAW_LEN, NULL, NULL, 8192, NULL, 0);
		b.p[IHDR_DEPTH] = depths[i];
		fix_crc(&b, IHDR_AT);
		declined(&b, 0);
		free(b.p);
	}
	for (uint32_t h = 1; h <= 9; h += 8) {
		fill(px, 1, h, 4, h);
		b = libpng_write(1, h, 6, 6, PNG_ALL_FILTERS, px);
		b.p[IHDR_INTERLACE] = 1;
		fix_crc(&b, IHDR_AT);
		declined(&b, 1);
		free(b.p);
	}
	for (unsigned cinfo = 0; cinfo < 7; cinfo++) {
		unsigned cmf = cinfo << 4 | 8, flg = 0x80;

		flg += 31 - (cmf << 8 | flg) % 31;  /* the header's check */
		b = craft(raw, RAW_LEN, NULL, NULL, 8192, NULL, 0);
		b.p[ZLIB_AT] = (unsigned char)cmf;
		b.p[ZLIB_AT + 1] = (unsigned char)flg;
		fix_crc(&b, IDAT_AT);
		assert_int_equal(agree(b.p, b.n),
				 RAW_LEN <= (size_t)256 << cinfo);
		free(b.p);
	}
}

/* Text and EXIF that libpng drops or cuts short (a compressed iTXt whose
 * stream is broken, a bad byte order, XMP after a NUL), and text chunks
 * at the chunk size limit libpng is given and past it (where it only
 * warns): pngfast declines them or reads them as libpng does. */
static void test_metadata_edges(void **state)
{
	static const char xmp[] = "XML:com.adobe.xmp\0<x:xmpmeta>\0"
		"<rdf:Description Iptc4xmpExt:DigitalSourceType=\"http://cv.iptc"
		".org/newscodes/digitalsourcetype/trainedAlgorithmicMedia\"/>";
	static const struct {
		const char *type, *data;
		size_t n;
	} odd[] = {
		{"iTXt", "k\0\1\0\0\0\x78\x9c garbage", 15},
		{"eXIf", "MI\0\x2a\0\0\0\x08\0\0", 10},
		{"eXIf", "XX\0\x2a\0\0\0\x08\0\0", 10},
		{"tEXt", xmp, sizeof(xmp) - 1},
	};
	unsigned char raw[RAW_LEN];
	struct buf b;

	(void)state;
	make_raw(raw);
	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		struct buf pre = {0};

		chunk(&pre, odd[i].type, odd[i].data, odd[i].n);
		b = craft(raw, RAW_LEN, &pre, NULL, 8192, NULL, 0);
		agree(b.p, b.n);
		same_both_ways(b.p, b.n, NULL);
		free(b.p);
		free(pre.p);
	}
	for (size_t n = PROBE_PNG_CHUNK_MALLOC_MAX;
	     n <= PROBE_PNG_CHUNK_MALLOC_MAX + 1; n++) {
		unsigned char *text = malloc(n);
		struct buf pre = {0};

		assert_non_null(text);
		memset(text, 'a', n);
		text[1] = '\0';
		chunk(&pre, "tEXt", text, n);
		b = craft(raw, RAW_LEN, &pre, NULL, 8192, NULL, 0);
		same_both_ways(b.p, b.n, NULL);
		free(b.p);
		free(pre.p);
		free(text);
	}
}

/* libpng keeps 30 text and unknown chunks (the chunk cache the library
 * sets) and drops the text chunks past them: a file with more is declined,
 * or its text keys would not be those libpng gives. */
static void test_many_chunks(void **state)
{
	static const int texts[] = {30, 31, 40, 1, 2, 1};
	static const int unknown[] = {0, 0, 0, 29, 29, 40};
	unsigned char raw[RAW_LEN];

	(void)state;
	make_raw(raw);
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct buf pre = {0}, b;
		char key[16];

		for (int k = 0; k < unknown[i]; k++)
			chunk(&pre, "prVt", "x", 1);
		for (int k = 0; k < texts[i]; k++) {
			snprintf(key, sizeof(key), "k%d", k);
			chunk(&pre, "tEXt", key, strlen(key) + 1);
		}
		b = craft(raw, RAW_LEN, &pre, NULL, 8192, NULL, 0);
		if (texts[i] + unknown[i] <= 30)
			assert_int_equal(agree(b.p, b.n), 1);
		same_both_ways(b.p, b.n, NULL);
		free(b.p);
		free(pre.p);
	}
}

static int fail_row(void *arg, uint32_t y, const unsigned char *px)
{
	(void)px;
	*(uint32_t *)arg = y;
	return y == 5 ? GIC_ENOMEM : 0;
}

/* Over max_pixels: declined before any row; a row's error stops all. */
static void test_limit_and_row_error(void **state)
{
	struct buf b = crafted_ok();
	struct gic_image_info info = {0};
	uint32_t last = 99;

	(void)state;
	assert_int_equal(gic_pngfast_decode(b.p, b.n, CW * CH - 1, &info,
					    fail_row, &last), 0);
	assert_int_equal(last, 99);
	assert_int_equal(info.width, 0);
	assert_int_equal(gic_pngfast_decode(b.p, b.n, GIC_DEFAULT_MAX_PIXELS,
					    &info, fail_row, &last),
			 GIC_ENOMEM);
	assert_int_equal(last, 5);
	gic_image_info_release(&info);
	free(b.p);
}

/* ---- the GenImage-like fixture ----------------------------------------- */

static void test_fixture(void **state)
{
	char dir[64] = "/tmp/gicat-test-XXXXXX", cmd[256];

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), MKGENIMAGE " %s >/dev/null", dir);
	if (system(cmd) != 0)
		fail_msg("'%s' failed (run make first)", cmd);
	files = accepted = 0;
	nftw(dir, each_png, 16, FTW_PHYS);
	test_rm_tree(dir);
	print_message("fixture: %d PNGs, %d decoded by pngfast\n", files,
		      accepted);
	assert_true(files > 30);
	assert_int_equal(accepted, files - 2);  /* all but 2 corrupt ones */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pngsuite),
		cmocka_unit_test(test_libpng_written),
		cmocka_unit_test(test_crafted_metadata),
		cmocka_unit_test(test_damage),
		cmocka_unit_test(test_bad_data),
		cmocka_unit_test(test_bad_structure),
		cmocka_unit_test(test_many_chunks),
		cmocka_unit_test(test_relabelled),
		cmocka_unit_test(test_metadata_edges),
		cmocka_unit_test(test_limit_and_row_error),
		cmocka_unit_test(test_fixture),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
