/*
 * test-probe-png.c - gic_probe() on PNGs: PngSuite conformance (every
 * valid file read as its name describes, every broken one rejected with a
 * reason), interlaced and plain copies hashing the same, EXIF and text
 * keys from PngSuite, and crafted chunks: an unusable iCCP profile or an
 * unknown ancillary chunk only warn, a CRC error or an unknown critical
 * chunk rejects, and caBX, iTXt XMP and eXIf set the metadata flags.
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

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "testprobe.h"

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
	DIR *d = test_opendir_shared("data/pngsuite");
	int valid = 0, rejected = 0;
	struct dirent *e;

	(void)state;
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

/* ---- crafted chunks ----------------------------------------------------- */

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
	const size_t big_len = (5u << 20);
	struct gic_image_info in;
	unsigned char *big;
	struct buf b;

	(void)state;
	b = png_with_chunk("caBX", "jumb", 4, 0);
	probe_buf("caBX", b, &in);
	expect_eq("caBX", "has_c2pa", in.has_c2pa, 1);
	free(b.p);
	/* a manifest over the 4 MiB libpng buffers (one with many
	 * ingredients' thumbnails) is skipped, and still a manifest */
	big = calloc(1, big_len);
	memcpy(big + 4, "jumb", 4);
	b = png_with_chunk("caBX", big, big_len, 0);
	probe_buf("big caBX", b, &in);
	expect_eq("big caBX", "has_c2pa", in.has_c2pa, 1);
	free(b.p);
	free(big);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pngsuite_conformance),
		cmocka_unit_test(test_pngsuite_interlace_same_phash),
		cmocka_unit_test(test_pngsuite_metadata),
		cmocka_unit_test(test_png_warnings_do_not_reject),
		cmocka_unit_test(test_png_metadata_chunks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
