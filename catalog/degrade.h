/*
 * degrade.h - degradations: image transforms applied to catalogued images,
 * and the derived objects they produce.
 *
 *   degrade.c    operation chains: parsing, validation, the canonical
 *                string, applying a chain to bytes (gic_degrade_bytes)
 *   pixels-io.c  decoding any PNG/JPEG to RGB8; deterministic JPEG and PNG
 *                encoders
 *   pixels.c     blur, resize, center crop on RGB8
 *   derive.c     derived objects in the catalog: (parent, ops, codec) ->
 *                derived sha256, computed once and reused
 *
 * Everything but derive.c works on the caller's memory only,
 * so any number of threads may parse and degrade at once.  derive.c uses the
 * catalog's SQLite connection: one thread at a time per gic_catalog.
 */
#ifndef GIC_DEGRADE_H
#define GIC_DEGRADE_H

#include <stddef.h>
#include <stdint.h>

#include "catalog.h"

/* ---- operation chains (degrade.c) -------------------------------------- */

enum gic_op_kind {
	GIC_OP_JPEG,        /* jpeg(quality=Q[,subsampling=420|444]) */
	GIC_OP_PNG,         /* png() */
	GIC_OP_BLUR,        /* blur(sigma=S) */
	GIC_OP_RESIZE_SHORT,/* resize(short=N[,filter=F]): short side N,
			       aspect kept */
	GIC_OP_RESIZE_SIZE, /* resize(size=N[,filter=F]): N x N */
	GIC_OP_CENTER_CROP, /* center_crop(N[,align=A]): the central N x N,
			       its offsets rounded down to multiples of A */
};

struct gic_op {
	enum gic_op_kind kind;
	int quality;        /* jpeg: 1..100 */
	int subsampling;    /* jpeg: 420 (default) or 444 */
	int milli_sigma;    /* blur: sigma in thousandths, 1..100000 */
	int n;              /* resize, center_crop: pixels, 1..GIC_OP_MAX_SIDE */
	int filter;         /* resize: enum gic_filter */
	int align;          /* center_crop: 1..64 (1: none) */
};

#define GIC_OPS_MAX 16
/* Room for the longest chain text accepted, and for the canonical text of
 * any chain (16 operations of at most 35 characters and their '|'s), so
 * that a canonical text is always a chain too. */
#define GIC_OPS_TEXT_MAX 640
#define GIC_OP_MAX_SIDE 16384

/*
 * A parsed chain.  It always ends with an encoder: a chain whose last
 * operation is not jpeg() or png() gets "|png()" appended (the result of a
 * pixel operation is stored losslessly), and a png() followed by more
 * operations is dropped (it changes no pixel).  canon is the canonical
 * text: no spaces, parameters in a fixed order, defaults left out, so
 * that "jpeg( quality = 30 )" and "jpeg(quality=30,subsampling=420)" both
 * read "jpeg(quality=30)".  A plain value type: copy it freely.
 */
struct gic_ops {
	int n;
	struct gic_op op[GIC_OPS_MAX];
	char canon[GIC_OPS_TEXT_MAX];
};

/*
 * Parses "resize(short=64)|jpeg(quality=65)".  Fails with GIC_EUSAGE and a
 * one-line reason: "unknown operation 'sharpen'", "jpeg: quality must be
 * 1..100, not 0", "blur: sigma must be > 0", "resize: give short=N or
 * size=N", ...
 */
int gic_ops_parse(const char *text, struct gic_ops *out);

/*
 * The codec version recorded with every derivation: the algorithm version
 * of this file set plus the libjpeg-turbo, libpng and zlib versions, e.g.
 * "gicat-degrade 1; libjpeg-turbo 2.1.5; libpng 1.6.39; zlib 1.2.13".
 * Bytes are identical for identical (input, ops, codec version).
 */
const char *gic_degrade_codec(void);

/*
 * Applies ops to an encoded PNG or JPEG image (any kind gic_probe accepts,
 * up to GIC_DEFAULT_MAX_PIXELS): decode to RGB8, run the operations, encode.
 * *out is malloc'd (free it).  Thread-safe and deterministic: the same
 * input and chain give the same bytes in any thread, in any run.
 * GIC_EBADIMG for input that does not decode, GIC_EUSAGE for a crop larger
 * than the image or for an operation whose result (or a resize's
 * intermediate image, new width x old height) would pass
 * GIC_DEFAULT_MAX_PIXELS or have a side its encoder cannot write (libpng's
 * 1,000,000 px, JPEG's 65500), checked before allocating; GIC_ELIMIT for
 * an input past the pixel limit.
 */
int gic_degrade_bytes(const unsigned char *in, size_t len,
		      const struct gic_ops *ops, unsigned char **out,
		      size_t *outlen);

/*
 * Does ops fit a w x h image?  The sizes it goes through, from the header
 * alone: 0, or the error gic_degrade_bytes would fail with: GIC_EUSAGE (a
 * crop larger than the image, a size past the limits), GIC_ELIMIT (an
 * image past GIC_DEFAULT_MAX_PIXELS, which ingest --max-pixels can let in).
 */
int gic_ops_fit(const struct gic_ops *ops, uint32_t w, uint32_t h);

/* ---- pixels (pixels-io.c, pixels.c) -------------------------------------------------- */

/* An 8-bit RGB image: rows of 3 * w bytes, no padding; rgb is malloc'd. */
struct gic_pixels {
	uint32_t w, h;
	unsigned char *rgb;
};

/*
 * Decodes a PNG or JPEG (format from the magic bytes) into RGB8, refusing
 * images over max_pixels (0: GIC_DEFAULT_MAX_PIXELS) before allocating.
 * Conversions, chosen to agree with PIL's Image.convert("RGB") except for
 * alpha:
 *   gray -> R = G = B; palette -> its RGB entries; 16-bit samples -> their
 *   high byte; CMYK / YCCK JPEG -> R = (255 - C)(255 - K) / 255 (Adobe's
 *   inverted CMYK understood); alpha (and tRNS) -> composited on black,
 *   c * a / 255 rounded, so a transparent pixel is black whatever colour
 *   it hides.  EXIF orientation is ignored (pixels as stored, like PIL's
 *   Image.open) and so are ICC profiles and gAMA.  JPEGs are decoded with
 *   libjpeg's defaults (JDCT_ISLOW, fancy upsampling), as PIL does.
 */
int gic_pixels_decode(const unsigned char *buf, size_t len,
		      uint64_t max_pixels, struct gic_pixels *out);
/* Allocates p->rgb for w x h pixels (uninitialised); release frees it. */
int gic_pixels_init(struct gic_pixels *p, uint32_t w, uint32_t h);
void gic_pixels_release(struct gic_pixels *p);

/*
 * Separable Gaussian blur in place: weights exp(-x^2 / 2 sigma^2) for
 * |x| <= ceil(3 sigma), normalised; edges mirrored (d c b a | a b c d ...,
 * repeatedly for kernels wider than the image).  Weights are rounded to
 * multiples of 2^-16 before use, so a libm whose exp() differs in the
 * last bits changes a result only where a weight falls within that of a
 * rounding boundary (the pinned digests of the tests would show it).
 * Work is 2 (2 ceil(3 sigma) + 1) taps per sample; memory the image plus
 * min(2 ceil(3 sigma) + 1, h) rows of floats.
 */
int gic_pixels_blur(struct gic_pixels *p, double sigma);

/* resize()'s filters, as PIL names them (Image.BICUBIC, ...). */
enum gic_filter {
	GIC_FILTER_BICUBIC,  /* the default: a = -0.5 cubic, support 2 */
	GIC_FILTER_BILINEAR, /* triangle, support 1 (torchvision's default) */
	GIC_FILTER_LANCZOS,  /* sinc windowed by sinc, support 3 */
};

/*
 * Resizes to w x h in place as PIL's Image.resize does with an
 * antialiased filter: its support widens by the scale factor when
 * shrinking, 22-bit fixed-point weights, horizontal pass first.  Same
 * size: nothing to do.
 */
int gic_pixels_resize(struct gic_pixels *p, uint32_t w, uint32_t h,
		      enum gic_filter filter);

/* The central w x h of p, in place: offsets round((W - w) / 2) and
 * round((H - h) / 2), halves to even, as torchvision's CenterCrop, then
 * rounded down to multiples of align (1: not moved).
 * GIC_EUSAGE when the image is smaller. */
int gic_pixels_crop(struct gic_pixels *p, uint32_t w, uint32_t h,
		    uint32_t align);

/*
 * Baseline JPEG with libjpeg-turbo: jpeg_set_quality(quality, TRUE) (IJG's
 * standard tables scaled for quality, clamped to 8 bits), 4:2:0 (444 = no
 * chroma subsampling), JDCT_ISLOW, standard Huffman tables, a JFIF header
 * and nothing else.  *out is malloc'd.
 */
int gic_pixels_encode_jpeg(const struct gic_pixels *p, int quality,
			   int subsampling, unsigned char **out, size_t *len);

/*
 * 8-bit RGB PNG with libpng, no ancillary chunks: deterministic for given
 * libpng and zlib versions.  level 0..9: that zlib level with libpng's
 * adaptive choice of filter per row (what most writers, PIL included, do).
 * GIC_PNG_FAST (what degradations write): the Up filter and zlib's Z_RLE
 * strategy (run lengths and Huffman codes, no string matching): five times
 * faster than level 6 and within 10% of its size on blurred images and
 * photographs, where string matching finds little.  *out is malloc'd.
 */
#define GIC_PNG_FAST (-1)
int gic_pixels_encode_png(const struct gic_pixels *p, int level,
			  unsigned char **out, size_t *len);

/* ---- derived objects (derive.c) ----------------------------------------- */

/*
 * Derives ops (chain text) from the image parent_hex: when the catalog
 * already records this (parent, canonical ops, codec version) and its
 * object is present, returns it with *computed = 0; otherwise reads the
 * parent (hash-checked), applies the chain, stores the result and records
 * it (*computed = 1).  A derived image gets an images row (probed like an
 * ingested file, so every query field works on it) but no entry.
 */
int gic_derive(struct gic_catalog *c, const char *parent_hex, const char *ops,
	       char out_hex[GIC_HEX_LEN + 1], int *computed);

/*
 * The two halves of gic_derive, for callers that compute in parallel: look
 * up on the catalog's thread, gic_degrade_bytes() on any thread, store on
 * the catalog's thread.
 *
 * gic_derive_lookup: 0, out_hex and (when bytes is not NULL) its catalogued
 * size when recorded and the object is present, GIC_ENOTFOUND otherwise.
 *
 * gic_derive_store: puts bytes (the result of ops on parent) in the object
 * store, then records its images row and the derivation.  probed is
 * gic_probe()'s description of bytes when the caller has it (workers can
 * probe in parallel), or NULL to probe here.  Outside a transaction it runs
 * its own (BEGIN IMMEDIATE, put, rows, sync, COMMIT).  Inside the caller's
 * transaction it only puts and writes rows: the caller must then call
 * c->odb->be->sync() before its COMMIT, so that no committed row points at
 * an object that is not durable.  GIC_ENOTFOUND when parent is unknown.
 */
int gic_derive_lookup(struct gic_catalog *c, const char *parent_hex,
		      const struct gic_ops *ops, char out_hex[GIC_HEX_LEN + 1],
		      uint64_t *bytes);
int gic_derive_store(struct gic_catalog *c, const char *parent_hex,
		     const struct gic_ops *ops, const unsigned char *bytes,
		     size_t len, const struct gic_image_info *probed,
		     char out_hex[GIC_HEX_LEN + 1]);

#endif
