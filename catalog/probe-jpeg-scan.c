/*
 * probe-jpeg-scan.c - a second look at a JPEG whose scans left junk
 * before EOI ("N extraneous bytes before marker 0xd9").
 *
 * Junk there is of two kinds.  Some ImageNet photos carry a few hundred
 * bytes after their last scan, and their pixels are intact.  But the same
 * warning is all libjpeg says when a flipped bit made the Huffman decoder
 * lose step: it decodes garbage, re-locks onto the code a few blocks
 * later, and finishes its blocks before the data ends.  Worse, the fast
 * Huffman path libjpeg-turbo takes when the whole file is in memory reads
 * a code no table holds as 0 without the "bad Huffman code" warning its
 * slow path gives.  So such a file is decoded again to its coefficients:
 *   - fed to libjpeg a few hundred bytes at a time, which keeps it on the
 *     slow path, where every invalid code is warned about (and refused);
 *   - every dequantized coefficient checked against what 8-bit pixels can
 *     give: the DCT of samples within [-128, 127] is at most 1024 in
 *     magnitude, for every frequency.  Garbage decoded after a lost step
 *     sends DC values wandering and AC values beyond that.
 * A file whose junk passes both is taken as the first kind.  Only files
 * with such junk pay for this (the whole-image coefficients are held, so
 * it takes its share of the decoders' memory budget like a progressive
 * file).
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

#include "probe-int.h"

#define CHUNK 256          /* bytes a fill: below the fast path's need */
#define COEF_MAX 1024      /* |DCT| of 8-bit samples, any frequency */
#define COEF_SLACK 16      /* integer FDCTs' rounding, above one step */

struct scan_src {
	struct jpeg_source_mgr pub;
	const unsigned char *buf;
	size_t len, pos;
};

struct scan_err {
	struct jpeg_error_mgr pub;
	jmp_buf jb;
	int corrupt;
	char msg[JMSG_LENGTH_MAX];
};

static const JOCTET fake_eoi[2] = { 0xff, JPEG_EOI };

static void src_init(j_decompress_ptr ci)
{
	(void)ci;
}

static boolean src_fill(j_decompress_ptr ci)
{
	struct scan_src *s = (struct scan_src *)ci->src;
	size_t n = s->len - s->pos < CHUNK ? s->len - s->pos : CHUNK;

	if (n == 0) {  /* as jpeg_mem_src: warn, and end the image */
		WARNMS(ci, JWRN_JPEG_EOF);
		s->pub.next_input_byte = fake_eoi;
		s->pub.bytes_in_buffer = 2;
		return TRUE;
	}
	s->pub.next_input_byte = s->buf + s->pos;
	s->pub.bytes_in_buffer = n;
	s->pos += n;
	return TRUE;
}

static void src_skip(j_decompress_ptr ci, long n)
{
	struct scan_src *s = (struct scan_src *)ci->src;

	while (n > 0 && (long)s->pub.bytes_in_buffer < n) {
		n -= (long)s->pub.bytes_in_buffer;
		src_fill(ci);
	}
	if (n > 0) {
		s->pub.next_input_byte += n;
		s->pub.bytes_in_buffer -= (size_t)n;
	}
}

static void src_term(j_decompress_ptr ci)
{
	(void)ci;
}

static void on_error(j_common_ptr ci)
{
	struct scan_err *e = (struct scan_err *)ci->err;

	(*ci->err->format_message)(ci, e->msg);
	longjmp(e->jb, 1);
}

/* The first pass let every other warning through already, and saw this
 * junk: what is new here is a warning the slow path gives. */
static void on_message(j_common_ptr ci, int level)
{
	struct scan_err *e = (struct scan_err *)ci->err;
	int code = ci->err->msg_code;

	if (level != -1 || code == JWRN_EXTRANEOUS_DATA ||
	    code == JWRN_ADOBE_XFORM || code == JWRN_JFIF_MAJOR ||
	    code == JWRN_BOGUS_ICC)
		return;
	(*ci->err->format_message)(ci, e->msg);
	e->corrupt = 1;
	longjmp(e->jb, 1);
}

/* The first coefficient beyond what 8-bit pixels give: 0 when none, else
 * its magnitude (dequantized), with its component in *comp. */
static long out_of_range(j_decompress_ptr ci, jvirt_barray_ptr *coefs,
			 int *comp)
{
	for (int c = 0; c < ci->num_components; c++) {
		jpeg_component_info *k = &ci->comp_info[c];
		const UINT16 *q = k->quant_table->quantval;

		for (JDIMENSION r = 0; r < k->height_in_blocks; r++) {
			JBLOCKARRAY row = (*ci->mem->access_virt_barray)(
				(j_common_ptr)ci, coefs[c], r, 1, FALSE);

			for (JDIMENSION b = 0; b < k->width_in_blocks; b++)
				for (int i = 0; i < DCTSIZE2; i++) {
					long v = labs((long)row[0][b][i]) * q[i];

					if (v > COEF_MAX + q[i] + COEF_SLACK)
						return *comp = c, v;
				}
		}
	}
	return 0;
}

static int recheck(j_decompress_ptr ci, struct scan_err *e, long junk,
		   uint64_t *reserved)
{
	jvirt_barray_ptr *coefs;
	long v;
	int comp = 0;

	if (setjmp(e->jb))
		return e->corrupt ?
		       gic_seterr(GIC_EBADIMG, "truncated or corrupt JPEG: %s "
				  "(and %ld bytes of junk before its end)",
				  e->msg, junk) :
		       e->pub.msg_code == JERR_OUT_OF_MEMORY ?
		       gic_seterr(GIC_ENOMEM, "out of memory decoding JPEG: "
				  "%s", e->msg) :
		       gic_seterr(GIC_EBADIMG, "invalid JPEG: %s", e->msg);
	jpeg_read_header(ci, TRUE);
	*reserved = probe_jpeg_reserve_all(ci);
	coefs = jpeg_read_coefficients(ci);
	if ((v = out_of_range(ci, coefs, &comp)))
		return gic_seterr(GIC_EBADIMG, "corrupt JPEG: its scan data "
				  "lost step (%ld bytes of junk before its end, "
				  "and a DCT coefficient of component %d is %ld, "
				  "where 8-bit pixels give at most %d)", junk,
				  comp, v, COEF_MAX);
	jpeg_finish_decompress(ci);
	return 0;
}

int probe_jpeg_recheck(const unsigned char *buf, size_t len, long junk)
{
	struct jpeg_decompress_struct *ci;
	struct scan_err *e;
	struct scan_src *src;
	uint64_t reserved = 0;
	int rc;

	ci = calloc(1, sizeof(*ci));
	e = calloc(1, sizeof(*e));
	src = calloc(1, sizeof(*src));
	if (!ci || !e || !src) {
		free(ci), free(e), free(src);
		return gic_seterr(GIC_ENOMEM, "out of memory probing JPEG");
	}
	ci->err = jpeg_std_error(&e->pub);
	e->pub.error_exit = on_error;
	e->pub.emit_message = on_message;
	jpeg_create_decompress(ci);
	*src = (struct scan_src){ .buf = buf, .len = len };
	src->pub.init_source = src_init;
	src->pub.fill_input_buffer = src_fill;
	src->pub.skip_input_data = src_skip;
	src->pub.resync_to_restart = jpeg_resync_to_restart;
	src->pub.term_source = src_term;
	ci->src = &src->pub;
	rc = recheck(ci, e, junk, &reserved);
	jpeg_destroy_decompress(ci);
	probe_jpeg_release(reserved);
	free(ci), free(e), free(src);
	return rc;
}
