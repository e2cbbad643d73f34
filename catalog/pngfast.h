/*
 * pngfast.h - a fast decoder for the PNGs image datasets are made of:
 * 8-bit gray, gray+alpha, RGB or RGBA, not interlaced.  The chunks are
 * parsed strictly and the image data is inflated in one call with
 * libdeflate instead of row by row through zlib.  Anything else, and
 * anything unusual, is declined: the caller then decodes with libpng,
 * whose verdict on the file (accept, or reject with a reason) stays final.
 * Internal to the library (probe-png.c, pixels-io.c and their tests).
 */
#ifndef GIC_PNGFAST_H
#define GIC_PNGFAST_H

#include <stddef.h>
#include <stdint.h>

#include "catalog.h"

/*
 * Decodes buf (len bytes) when it is a well-formed PNG of the kind above
 * with w * h <= max_pixels.  Returns 1 when decoded, 0 when declined (info
 * untouched, no row delivered), or a negative GIC_E* code: GIC_ENOMEM, or
 * what row returned.
 *
 * A decline never follows a row: the whole file (every chunk and CRC, the
 * zlib stream and its Adler-32, every filter byte) is checked first.  Then
 * info's width, height, channels, bit_depth, mode, interlaced and metadata
 * fields (has_*, orientation, exif_*, xmp_source_type, text_keys) are set
 * exactly as probe-png.c sets them through libpng (format and phash are
 * left alone), and row(arg, y, px) is called for y = 0 .. height - 1 in
 * order with width * channels bytes as stored: gray, gray+alpha, RGB or
 * RGBA.  row returns 0, or a negative GIC_E* code that stops the decode.
 * After a 1 or a negative return, release info with
 * gic_image_info_release() (it may own text_keys).
 */
int gic_pngfast_decode(const unsigned char *buf, size_t len,
		       uint64_t max_pixels, struct gic_image_info *info,
		       int (*row)(void *arg, uint32_t y,
				  const unsigned char *px),
		       void *arg);

#endif
