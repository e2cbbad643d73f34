/*
 * probe-int.h - internals shared by the image prober: probe.c (dispatch,
 * limits, EXIF), probe-png.c and probe-jpeg.c (the decoders) and phash.c
 * (the perceptual hash).  Not part of the public API.
 */
#ifndef GIC_PROBE_INT_H
#define GIC_PROBE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "catalog.h"

/* Side of the grid the image is reduced to before the DCT. */
#define PHASH_GRID 32

/*
 * Box sums of the luma of a w x h image over a PHASH_GRID^2 grid,
 * filled row by row as a decoder produces rows, so that hashing never needs
 * the whole image in memory.  Rows and pixels may arrive in any order (PNG
 * interlace passes).  Init with phash_acc_init(); no resources to release.
 * Whole rows of an image up to PHASH_COLS bytes wide are first added
 * column by column into col, the band of rows of one grid row, and summed
 * across into cells once per band (an add per byte instead of per-cell
 * loops on every row).  The struct is large: keep it off the stack.
 */
#define PHASH_COLS 6144
struct phash_acc {
	uint32_t w, h;
	uint32_t xs[PHASH_GRID + 1];  /* cell c = columns [xs[c], xs[c+1]) */
	uint64_t sum[PHASH_GRID][PHASH_GRID];
	int band;                     /* grid row col holds; -1: none */
	int band_rgb;                 /* col holds interleaved RGB */
	uint32_t col[PHASH_COLS];     /* column sums of the band's rows */
};

void phash_acc_init(struct phash_acc *a, uint32_t w, uint32_t h);
/* Adds n pixels of row y found at columns x0, x0 + dx, x0 + 2dx...: gray
 * bytes, or interleaved RGB when rgb is set. */
void phash_acc_row(struct phash_acc *a, uint32_t y, uint32_t x0, uint32_t dx,
		   const unsigned char *px, uint32_t n, int rgb);
uint64_t phash_acc_finish(struct phash_acc *a);

/* The decoders: fill out (already zeroed, jpeg_quality = -1) or fail. */
int probe_png(const unsigned char *buf, size_t len, uint64_t max_pixels,
	      struct gic_image_info *out);
int probe_jpeg(const unsigned char *buf, size_t len, uint64_t max_pixels,
	       struct gic_image_info *out);

/*
 * Scans a progressive JPEG may have.  Each scan is a pass over the whole
 * coefficient buffer, so a small file of thousands of scans (every AC
 * coefficient refined bit by bit) takes minutes to decode; encoders write
 * about ten.
 */
#define PROBE_JPEG_MAX_SCANS 500
/* For both JPEG readers' progress monitors: 0 while scan (the number of
 * the scan being read) is within the limit, else GIC_ELIMIT with "more
 * than 500 scans (at scan N)". */
int probe_jpeg_scans(int scan);

/* After jpeg_read_header: waits for, and takes, the share of the
 * decoders' memory budget a progressive file's coefficients need (0 for a
 * sequential file); probe_jpeg_release gives it back once the decoder is
 * destroyed. */
struct jpeg_decompress_struct;
uint64_t probe_jpeg_reserve(const struct jpeg_decompress_struct *ci);
/* The same for jpeg_read_coefficients, which holds every file's. */
uint64_t probe_jpeg_reserve_all(const struct jpeg_decompress_struct *ci);
void probe_jpeg_release(uint64_t n);
/* A JPEG whose scans left junk bytes before EOI (junk of them): 0 when
 * its data is whole after all, else GIC_EBADIMG naming the damage
 * (probe-jpeg-scan.c). */
int probe_jpeg_recheck(const unsigned char *buf, size_t len, long junk);

/*
 * Largest ancillary chunk the libpng readers may buffer (iCCP, zTXt, iTXt,
 * eXIf...), decompressed, and their chunk cache: libpng keeps the first
 * PROBE_PNG_CHUNK_CACHE_MAX - 2 text and unknown chunks and, past them,
 * only checks CRCs (the text of later chunks is dropped).  Together they
 * bound what a file's metadata can hold in memory (124 MiB), where a 15 MB
 * file of a thousand 15 KB zTXt chunks, each inflating to 15 MiB, took
 * 15 GB.  pngfast declines what these limits would make libpng see
 * differently.
 */
#define PROBE_PNG_CHUNK_MALLOC_MAX (4u << 20)
#define PROBE_PNG_CHUNK_CACHE_MAX 32

/*
 * How every libpng reader of gicat starts: 0 with *png and *info made
 * (libpng's png_create_read_struct with err_ptr, err_fn and warn_fn;
 * the caller frees both with png_destroy_read_struct), or an error and
 * nothing made.  A PNG with a chunk that claims more bytes than the file
 * has left is refused first, GIC_EBADIMG "truncated PNG: file ends after N
 * bytes, in the header" (or in the image data, or after it): libpng
 * allocates and zeroes a text chunk's claimed length before reading it,
 * whatever its chunk size limit, so 4 bytes of a 700-byte file would cost
 * 2 GB and seconds.  The reader then quits on a CRC error in any chunk,
 * refuses sides past max_pixels and buffers at most
 * PROBE_PNG_CHUNK_MALLOC_MAX bytes per ancillary chunk.
 * *at (if not NULL) gets where the file's chunks are.
 */
struct png_struct_def;
struct png_info_def;
typedef void (*probe_png_msg_fn)(struct png_struct_def *, const char *);
struct png_layout {
	size_t idat_end;  /* where the last IDAT chunk ends (0: none) */
	size_t end;       /* where IEND ends (0: no IEND): bytes after it
			     are data no decoder reads */
};
int probe_png_reader(const unsigned char *buf, size_t len,
		     uint64_t max_pixels, void *err_ptr,
		     probe_png_msg_fn err_fn, probe_png_msg_fn warn_fn,
		     struct png_struct_def **png, struct png_info_def **info,
		     struct png_layout *at);

/* 0, or GIC_EBADIMG for a 0xN image, or GIC_ELIMIT over max_pixels. */
int probe_check_size(uint64_t w, uint64_t h, uint64_t max_pixels);
/* From a TIFF header + IFD0 (the part after "Exif\0\0"): the orientation
 * (1..8; 0 when absent or malformed) and Software, Make, Model into out.
 * Offsets outside the data are ignored. */
void probe_exif(const unsigned char *tiff, size_t len,
		struct gic_image_info *out);
/* Appends PNG text keyword key (len bytes) to the comma-separated list
 * at dst + at, after a comma unless first, with ',' and '%' written
 * %2C and %25 so that a keyword is one key (room: 3 * len + 1); the new
 * length. */
size_t probe_text_key(char *dst, size_t at, const char *key, size_t len);
/* The DigitalSourceType of an XMP packet into out->xmp_source_type. */
void probe_xmp(const char *xmp, size_t len, struct gic_image_info *out);

#endif
