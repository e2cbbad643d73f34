/*
 * test-probe-limits.c - what gic_probe() refuses or must survive: every
 * truncation of a PNG and of JPEGs, files that are not images, the pixel
 * and side limits (from the header, and the caller's own), a progressive
 * JPEG of too many scans, a chunk claiming 2 GB (and the same two refused
 * by the degradations' decoder), the XMP DigitalSourceType in the forms XMP
 * writes it and in hostile packets that must still scan in linear time,
 * probing from several threads at once, and usage errors.
 *
 * Sample data comes from $GICAT_SHARED or ../shared (the tests run from the
 * repository root).  Crafted files are built with testprobe.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testdata.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jpeglib.h>
#include <libdeflate.h>

#include "catalog.h"
#include "degrade.h"
#include "testprobe.h"

/* ---- broken files and limits -------------------------------------------- */

static void test_truncated_png_rejected(void **state)
{
	size_t len;
	unsigned char *p = test_read_shared("data/pngsuite/basi2c08.png", &len);
	char what[64];

	(void)state;
	/* every prefix, from the first byte to "all but the last" */
	for (size_t cut = 1; cut < len; cut++) {
		snprintf(what, sizeof(what), "basi2c08 cut at %zu", cut);
		expect_reject(what, p, cut, 0, GIC_EBADIMG,
			      cut > 1 ? "truncated PNG: file ends after" : NULL);
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
	expect_reject("ff d8", soi, 2, 0, GIC_EBADIMG, "truncated JPEG: file "
		      "ends after 2 bytes, in the signature");
	assert_string_equal(gic_sniff_format(png_sig, 8), "png");
	assert_string_equal(gic_sniff_format(soi, 3), "jpeg");
	assert_null(gic_sniff_format(png_sig, 7));
	assert_null(gic_sniff_format(junk, 3));
}

/* sig (8 bytes) and the length and type of a first chunk: the start of
 * a PNG whose signature may be damaged. */
static void damaged(const char *sig, const char *type, const char *want)
{
	unsigned char b[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 13};

	memcpy(b, sig, 8);
	memcpy(b + 12, type, 4);
	expect_reject(want, b, sizeof(b), 0, GIC_EBADIMG, want);
}

static void test_damaged_png_signature(void **state)
{
	static const char png[] = " not 89 50 4e 47 0d 0a 1a 0a";
	char want[128];

	(void)state;
	/* one byte or two changed, IHDR after them: a damaged PNG */
	snprintf(want, sizeof(want), "damaged PNG signature: starts with "
		 "89 51 4e 47 0d 0a 1a 0a,%s", png);
	damaged("\x89QNG\r\n\x1a\n", "IHDR", want);
	snprintf(want, sizeof(want), "damaged PNG signature: starts with "
		 "09 50 4e 47 0d 0a 20 0a,%s", png);
	damaged("\x09PNG\r\n \n", "IHDR", want);
	/* the line ends alone: what a text-mode transfer does */
	damaged("\x89PNG\n\r\x1a\n", "IHDR", "damaged PNG signature (was "
		"the file transferred in text mode?)");
	/* three bytes changed, or no IHDR after them: not a PNG */
	damaged("\x89QOH\r\n\x1a\n", "IHDR",
		"not a PNG or JPEG file (starts with 89 51 4f 48)");
	damaged("\x89QNG\r\n\x1a\n", "IDAT",
		"not a PNG or JPEG file (starts with 89 51 4e 47)");
}

static void test_pixel_limit(void **state)
{
	struct buf b = crafted_png(100000, 100000, 1);
	struct gic_image_info in;
	size_t len;
	unsigned char *p, *sof;

	(void)state;
	expect_reject("100000x100000 PNG", b.p, b.n, 0, GIC_ELIMIT,
		      "over the pixel limit (100 Mpx): image is 100000x100000 (10000 Mpx)");
	expect_reject("100000x100000 IHDR alone", b.p, 33, 0, GIC_ELIMIT, NULL);
	b.p[32] ^= 1;  /* a header that is not as written: no size to trust */
	expect_reject("100000x100000 IHDR, bad CRC", b.p, b.n, 0, GIC_EBADIMG,
		      "PNG CRC error in IHDR chunk");
	free(b.p);
	b = crafted_png(1, 200000000, 1);
	expect_reject("1x200000000 PNG", b.p, b.n, 0, GIC_ELIMIT,
		      "a side over the 1000000-pixel limit");
	free(b.p);
	/* within 100 Mpx, but one row of 100 M pixels */
	b = crafted_png(100000000, 1, 1);
	expect_reject("100000000x1 PNG", b.p, b.n, 0, GIC_ELIMIT,
		      "a side over the 1000000-pixel limit: image is 100000000x1");
	free(b.p);
	assert_int_equal(gic_probe_check_size(16, 0, NULL), GIC_EBADIMG);
	assert_int_equal(gic_probe_check_size(0, 16, NULL), GIC_EBADIMG);
	b = crafted_png(0, 16, 1);
	expect_reject("0x16 PNG", b.p, b.n, 0, GIC_EBADIMG, "invalid PNG: IHDR "
		      "width out of range (image is 0x16; a side is 1 to 2^31-1)");
	free(b.p);
	/* an option below the real size, and exactly at it */
	p = test_read_shared("data/pngsuite/basn2c08.png", &len);
	expect_reject("basn2c08 over 1023 px", p, len, 1023, GIC_ELIMIT,
		      "over the pixel limit (1023 px)");
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
		      "over the pixel limit (100 Mpx): image is 64995x64917 (4219.3 Mpx)");
	sof[5] = sof[6] = 0;
	expect_reject("0x227 JPEG", p, len, 0, GIC_EBADIMG, "Empty JPEG image");
	free(p);
}


/* A progressive JPEG refined bit by bit over too many scans is refused
 * (each scan is a pass over every coefficient); 45 bands, 497 scans, are
 * read, 46 bands, 508 scans, are not. */
static void test_jpeg_scan_limit(void **state)
{
	unsigned char *px = synth_rgb(64, 64, 0), *gray = malloc(64 * 64);
	struct gic_image_info in;
	struct gic_pixels rgb;

	(void)state;
	for (size_t i = 0; i < 64 * 64; i++)
		gray[i] = px[3 * i];
	for (int bands = 45; bands <= 46; bands++) {
		struct jopts o = {.quality = 90, .bands = bands};
		struct buf b = encode_jpeg(gray, 64, 64, 1, &o);
		int rc = gic_probe(b.p, b.n, NULL, &in);

		if (bands == 45 && rc)
			fail_msg("497 scans: %s", gic_errmsg());
		if (bands == 45)
			gic_image_info_release(&in);
		if (bands == 46 && (rc != GIC_ELIMIT ||
				    !strstr(gic_errmsg(), "more than 500 scans")))
			fail_msg("508 scans: rc %d: %s", rc, gic_errmsg());
		if (bands == 46 &&
		    ((rc = gic_pixels_decode(b.p, b.n, 0, &rgb)) != GIC_ELIMIT ||
		     !strstr(gic_errmsg(), "more than 500 scans")))
			fail_msg("508 scans, decoded for a degradation: rc %d: %s",
				 rc, gic_errmsg());
		free(b.p);
	}
	free(gray);
	free(px);
}

/* Both decoders refuse buf at once (well under a second of CPU), saying
 * want. */
static void expect_fast_reject(const char *what, const unsigned char *buf,
			       size_t len, const char *want)
{
	struct gic_image_info in;
	struct gic_pixels rgb;
	clock_t t = clock();
	int rc;

	if ((rc = gic_probe(buf, len, NULL, &in)) != GIC_EBADIMG ||
	    !strstr(gic_errmsg(), want))
		fail_msg("%s: probe: rc %d: %s", what, rc, gic_errmsg());
	if ((rc = gic_pixels_decode(buf, len, 0, &rgb)) != GIC_EBADIMG ||
	    !strstr(gic_errmsg(), want))
		fail_msg("%s: decode: rc %d: %s", what, rc, gic_errmsg());
	if ((double)(clock() - t) / CLOCKS_PER_SEC > 1)
		fail_msg("%s: refusing took %.1f s of CPU", what,
			 (double)(clock() - t) / CLOCKS_PER_SEC);
}

/*
 * A text chunk whose length claims 2 GB, in a file of a few hundred bytes
 * that the fast path leaves to libpng (an iTXt over its size limit; found
 * by fuzz-probe, as was the 8 KB file of the corpus, where a tEXt chunk of
 * a wrong CRC comes first): libpng allocates and zeroes the claimed length
 * before reading, 8-10 s and 2 GB here, its chunk size limit
 * notwithstanding.  Both decoders refuse such a file from the lengths.
 */
static void test_png_huge_chunk_length(void **state)
{
	static const unsigned char head[] = {
		0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
		0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 0, 32, 0, 0, 0, 32,
		8, 0, 0, 0, 0, 0x56, 0x11, 0x25, 0x28,  /* gray 32x32, CRC */
		0x78, 0, 0, 0, 'i', 'T', 'X', 't' };
	size_t len, n = sizeof(head) + 600;
	unsigned char *p = test_read("fuzz/corpus/fuzz-probe/png-text-chunk-2gb",
				     &len), *q = calloc(1, n);

	(void)state;
	memcpy(q, head, sizeof(head));
	expect_fast_reject("iTXt of 2 GB", q, n, "truncated PNG: file ends "
			   "after 641 bytes, in the header");
	expect_fast_reject("the fuzz corpus's file", p, len, "truncated PNG");
	/* the claim's last bytes missing too: 41 bytes, not a chunk whole */
	expect_fast_reject("iTXt of 2 GB in 41 bytes", q, sizeof(head),
			   "truncated PNG: file ends after 41 bytes, in the "
			   "header (chunk 'iTXt' at byte 33 needs 2013265932 "
			   "bytes)");
	expect_fast_reject("iTXt of 2 GB in 44 bytes", q, sizeof(head) + 3,
			   "after 44 bytes, in the header (chunk 'iTXt'");
	free(q);
	free(p);
}

/*
 * A 16x16 PNG whose zlib stream goes on with 256 MiB of zeros after its
 * rows, in 256 KB: libpng inflates all of it with the last row, to warn
 * of too much data (a minute for a 10 MB file).  Refused as it reads on;
 * a few bytes too many stay libpng's benign warning.
 */
static void test_png_excess_image_data(void **state)
{
	size_t raw = 16 * (1 + 16 * 3), big = raw + ((size_t)256 << 20), zn;
	unsigned char *zeros = calloc(1, big), *z = malloc(big / 512);
	struct libdeflate_compressor *c = libdeflate_alloc_compressor(6);
	struct gic_image_info in;
	struct buf b;
	clock_t t;

	(void)state;
	assert_true(zeros && z && c);
	zn = libdeflate_zlib_compress(c, zeros, big, z, big / 512);
	assert_true(zn > 0);
	b = png_of_idat(16, 16, z, zn);
	t = clock();
	expect_reject("256 MiB after the rows", b.p, b.n, 0, GIC_EBADIMG,
		      "too much image data: the IDAT chunks go on far beyond "
		      "the last row");
	if ((double)(clock() - t) / CLOCKS_PER_SEC > 2)
		fail_msg("refusing took %.1f s of CPU",
			 (double)(clock() - t) / CLOCKS_PER_SEC);
	free(b.p);
	zn = libdeflate_zlib_compress(c, zeros, raw + 100, z, big / 512);
	b = png_of_idat(16, 16, z, zn);
	probe_buf("100 bytes after the rows", b, &in);
	gic_image_info_release(&in);
	free(b.p);
	libdeflate_free_compressor(c);
	free(z);
	free(zeros);
}

/*
 * A progressive JPEG cut after a scan, its EOI put back, decodes without
 * a warning from libjpeg (blurred: coefficients never sent, or not fully
 * refined); it is refused as truncated.  Cut after the last scan, whole.
 */
static void test_jpeg_progression_cut_short(void **state)
{
	unsigned char *px = synth_rgb(96, 64, 1);
	struct buf p = encode_jpeg(px, 96, 64, 3, &(struct jopts){
					   .quality = 90, .progressive = 1 });
	size_t sos[16], nsos = 0;
	struct gic_image_info in;
	char what[64];

	(void)state;
	for (size_t i = 2; i + 1 < p.n && nsos < 16; i++)
		if (p.p[i] == 0xff && p.p[i + 1] == 0xda)
			sos[nsos++] = i;
	assert_true(nsos >= 6);  /* libjpeg's simple progression: 10 */
	for (size_t s = 1; s < nsos; s++) {  /* cut before scan s */
		unsigned char *q = malloc(sos[s] + 2);

		memcpy(q, p.p, sos[s]);
		q[sos[s]] = 0xff;
		q[sos[s] + 1] = 0xd9;
		snprintf(what, sizeof(what), "cut before scan %zu of %zu", s + 1,
			 nsos);
		expect_reject(what, q, sos[s] + 2, 0, GIC_EBADIMG,
			      "truncated or corrupt JPEG: its progressive scans "
			      "end with coefficient ");
		free(q);
	}
	probe_buf("all scans", p, &in);
	gic_image_info_release(&in);
	free(p.p);
	free(px);
}

/* b with n zero bytes inserted before the first marker `code` found after
 * byte `from` (0 bytes: not found). */
static struct buf junk_before(struct buf b, size_t from, int code, size_t n)
{
	struct buf r = { NULL, 0 };

	for (size_t i = from; i + 1 < b.n; i++)
		if (b.p[i] == 0xff && b.p[i + 1] == code) {
			r.p = calloc(1, b.n + n);
			memcpy(r.p, b.p, i);
			memcpy(r.p + i + n, b.p + i, b.n - i);
			r.n = b.n + n;
			break;
		}
	return r;
}

/*
 * Junk bytes before a marker (libjpeg's "extraneous bytes" warning): in
 * the header, and a little before EOI, the pixels are intact; before a
 * restart marker or between the scans of a progressive file, the decoder
 * lost step and decoded garbage; so before EOI when it is a large part of
 * the file.
 */
static void test_jpeg_junk_before_markers(void **state)
{
	unsigned char *px = synth_rgb(128, 128, 0);
	struct buf rst = encode_jpeg(px, 128, 128, 3,
				     &(struct jopts){ .quality = 90,
						      .restart_rows = 1 });
	struct buf prog = encode_jpeg(px, 128, 128, 3,
				      &(struct jopts){ .quality = 90,
						       .progressive = 1 });
	size_t sos = 0;
	struct buf j;
	struct gic_image_info in;

	(void)state;
	j = junk_before(rst, 2, 0xdb, 16);  /* before DQT: the header */
	assert_non_null(j.p);
	probe_buf("junk in the header", j, &in);
	gic_image_info_release(&in);
	free(j.p);
	j = junk_before(rst, 2, 0xd9, rst.n / 8 - 16);
	probe_buf("junk before EOI, an eighth of the file", j, &in);
	gic_image_info_release(&in);
	free(j.p);
	j = junk_before(rst, 2, 0xd9, rst.n / 4);
	expect_reject("junk before EOI, a fifth", j.p, j.n, 0, GIC_EBADIMG,
		      "extraneous bytes before marker 0xd9");
	free(j.p);
	j = junk_before(rst, 2, 0xd3, 8);
	assert_non_null(j.p);
	expect_reject("junk before RST3", j.p, j.n, 0, GIC_EBADIMG,
		      "Corrupt JPEG data: 8 extraneous bytes before marker 0xd3");
	free(j.p);
	for (size_t i = 2; i + 1 < prog.n && !sos; i++)
		sos = prog.p[i] == 0xff && prog.p[i + 1] == 0xda ? i : 0;
	j = junk_before(prog, sos + 2, 0xda, 8);  /* before the second scan */
	assert_non_null(j.p);
	expect_reject("junk between progressive scans", j.p, j.n, 0,
		      GIC_EBADIMG, "extraneous bytes before marker 0xda");
	free(j.p);
	free(rst.p);
	free(prog.p);
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
 * Not under ThreadSanitizer: its interceptor marks the whole haystack of
 * each memmem() read, where memmem() itself stops at the first match, so
 * the scan is quadratic there (7 s) and only there.
 */
#ifdef __SANITIZE_THREAD__
#define XMP_CPU_BOUND 1e9
#else
#define XMP_CPU_BOUND 1.0
#endif
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
			if (cpu > XMP_CPU_BOUND)
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
		cmocka_unit_test(test_truncated_png_rejected),
		cmocka_unit_test(test_truncated_jpeg_rejected),
		cmocka_unit_test(test_not_images_rejected),
		cmocka_unit_test(test_damaged_png_signature),
		cmocka_unit_test(test_pixel_limit),
		cmocka_unit_test(test_jpeg_scan_limit),
		cmocka_unit_test(test_png_huge_chunk_length),
		cmocka_unit_test(test_png_excess_image_data),
		cmocka_unit_test(test_jpeg_junk_before_markers),
		cmocka_unit_test(test_jpeg_progression_cut_short),
		cmocka_unit_test(test_xmp_source_type),
		cmocka_unit_test(test_xmp_hostile_is_linear),
		cmocka_unit_test(test_probe_from_threads),
		cmocka_unit_test(test_usage_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
