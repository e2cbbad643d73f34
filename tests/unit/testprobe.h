/*
 * testprobe.h - what the test-probe-*.c unit tests share: probing sample
 * files and buffers that must be read, expecting a rejection with its
 * reason, PNGs built chunk by chunk with their CRCs, and smooth synthetic
 * pictures with a libjpeg encoder.  Include after <cmocka.h>.  The code is
 * in testprobe.c, which the Makefile links into every test-probe-* binary.
 */
#ifndef GIC_TESTPROBE_H
#define GIC_TESTPROBE_H

#include <stddef.h>
#include <stdint.h>

#include "catalog.h"

/* ---- probing ------------------------------------------------------------ */

struct buf {
	unsigned char *p;
	size_t n;
};

/* Probes a file from the shared data; fails the test on an error. */
void probe_file(const char *rel, struct gic_image_info *in);

/* Probes b; fails the test, naming what, on an error. */
void probe_buf(const char *what, struct buf b, struct gic_image_info *in);

/* Expects a rejection with code and a reason containing want. */
void expect_reject(const char *what, const unsigned char *p, size_t len,
		   uint64_t max, int code, const char *want);

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

/* ---- crafted PNGs ------------------------------------------------------- */

extern const unsigned char png_sig[8];

/* v big-endian in p[0..3], as PNG stores lengths and CRCs. */
void put32(unsigned char *p, uint32_t v);

/* An RGB 8-bit PNG header with any dimensions, then IDAT and IEND. */
struct buf crafted_png(uint32_t w, uint32_t h, int with_idat);

/* An RGB 8-bit PNG of w x h whose one IDAT chunk holds z. */
struct buf png_of_idat(uint32_t w, uint32_t h, const void *z, size_t zlen);

/* A copy of a real PNG (basn2c08) with one chunk inserted after IHDR;
 * bad_crc stores a wrong CRC for it. */
struct buf png_with_chunk(const char *type, const void *data, size_t len,
			  int bad_crc);

/* ---- synthetic images and a JPEG encoder -------------------------------- */

/* Smooth but structured RGB: waves and a soft disc, two variants. */
unsigned char *synth_rgb(int w, int h, int variant);

/* The gray (BT.601 luma) image of w x h RGB pixels. */
unsigned char *luma(const unsigned char *rgb, int w, int h);

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
				coefficients sent bit by bit, 11 scans each,
				then the rest in one scan */
	int restart_rows;    /* a restart marker every so many MCU rows */
	const struct marker *markers;
};

/* Encodes w x h pixels of comps (1 gray, 3 RGB, 4 CMYK) into memory. */
struct buf encode_jpeg(const unsigned char *px, int w, int h, int comps,
		       const struct jopts *o);

#endif
