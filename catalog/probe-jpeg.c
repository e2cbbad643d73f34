/*
 * probe-jpeg.c - JPEG decoding for gic_probe() with libjpeg-turbo (8-bit).
 *
 * Large images are decoded at 1/2, 1/4 or 1/8 scale with libjpeg's DCT
 * scaling (the short side stays >= 128 px: 4 px a cell of the 32x32 pHash grid, so the
 * hash of a JPEG matches that of the same pixels saved as PNG).
 * That is still a complete decode: every scan is entropy-decoded through
 * jpeg_finish_decompress, so truncation and corrupt data are found, at a
 * fraction of the IDCT and colour work.  libjpeg only warns about corrupt
 * data (and pads a truncated file with grey), so its corrupt-data warnings
 * are treated as errors here.  Output is luma (or CMYK, turned into luma
 * here) fed row by row into the pHash grid.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

#include "probe-int.h"

#define MIN_SIDE 128     /* scaled decode keeps this many px on the short side */
#define APP_SNIFF_LEN 16 /* bytes of APP2/APP11 needed to recognise them */
#define JPEG_JUNK_MAX 65536 /* junk bytes before EOI a file may carry */

struct jpeg_err {
	struct jpeg_error_mgr pub;
	jmp_buf jb;
	int corrupt;                /* stopped on a corrupt-data warning */
	int scans;                  /* stopped by probe_jpeg_scans */
	int in_scans;               /* the header is read: scan data follows */
	long tail_junk;             /* bytes of junk before EOI, let by */
	unsigned comps_sent;        /* bit c: component c was in a scan */
	size_t len;                 /* of the file */
	char msg[JMSG_LENGTH_MAX];
};

struct jpeg_state {
	struct jpeg_decompress_struct ci;
	struct jpeg_err err;
	struct jpeg_progress_mgr progress;
	int created;
	uint64_t max_pixels;
	uint64_t reserved;          /* of the decoders' budget, held */
	struct gic_image_info *out;
	struct phash_acc acc;
};

/*
 * A progressive (or multi-scan) file is decoded from the coefficients of
 * the whole image, held at once: 128 bytes a block of 8x8 of each
 * component, up to 8 bytes a pixel (800 MB for a CMYK file at the 100 Mpx
 * limit, from a file of a few MB).  The decoders of all threads share
 * DECODE_BUDGET of it, in turn: one that needs more than is left waits, and
 * one that needs more than all of it waits to run alone.  A sequential
 * file streams in a few rows of blocks and takes none.
 */
#define DECODE_BUDGET ((uint64_t)1 << 30)

static pthread_mutex_t budget_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t budget_cv = PTHREAD_COND_INITIALIZER;
static uint64_t budget_used, budget_next, budget_serving; /* FIFO turns */

static void budget_take(uint64_t n)
{
	uint64_t turn;

	pthread_mutex_lock(&budget_mu);
	turn = budget_next++;
	while (turn != budget_serving ||
	       (budget_used && budget_used + n > DECODE_BUDGET))
		pthread_cond_wait(&budget_cv, &budget_mu);
	budget_used += n;
	budget_serving++;
	pthread_cond_broadcast(&budget_cv);
	pthread_mutex_unlock(&budget_mu);
}

static void budget_give(uint64_t n)
{
	pthread_mutex_lock(&budget_mu);
	budget_used -= n;
	pthread_cond_broadcast(&budget_cv);
	pthread_mutex_unlock(&budget_mu);
}

/* The bytes of the whole-image coefficient buffer libjpeg will allocate
 * (jdcoefct.c: each component's blocks rounded up to its sampling
 * factors), or, unless whole (jpeg_read_coefficients), 0 when it decodes
 * scan by scan. */
static uint64_t coef_bytes(const struct jpeg_decompress_struct *ci, int whole)
{
	uint64_t n = 0;

	if (!whole && !ci->progressive_mode &&
	    ci->comps_in_scan >= ci->num_components)
		return 0;
	for (int c = 0; c < ci->num_components; c++) {
		const jpeg_component_info *k = &ci->comp_info[c];
		uint64_t w = k->width_in_blocks, h = k->height_in_blocks;
		uint64_t hs = (uint64_t)k->h_samp_factor,
			 vs = (uint64_t)k->v_samp_factor;

		n += (w + hs - 1) / hs * hs * ((h + vs - 1) / vs * vs) *
		     DCTSIZE2 * sizeof(JCOEF);
	}
	return n;
}

static uint64_t reserve(uint64_t n)
{
	if (n)
		budget_take(n);
	return n;
}

uint64_t probe_jpeg_reserve(const struct jpeg_decompress_struct *ci)
{
	return reserve(coef_bytes(ci, 0));
}

uint64_t probe_jpeg_reserve_all(const struct jpeg_decompress_struct *ci)
{
	return reserve(coef_bytes(ci, 1));
}

void probe_jpeg_release(uint64_t n)
{
	if (n)
		budget_give(n);
}

static void on_error(j_common_ptr ci)
{
	struct jpeg_err *e = (struct jpeg_err *)ci->err;

	(*ci->err->format_message)(ci, e->msg);
	longjmp(e->jb, 1);
}

/*
 * Warnings libjpeg emits for data it could not decode and papered over.
 * The others leave the pixels intact: unknown JFIF revision or Adobe
 * transform, bad ICC chunk numbering, and some junk bytes between segments
 * ("N extraneous bytes before marker 0xd9"): see harmless_junk().
 */
static int is_corrupt_warning(int code)
{
	return code != JWRN_ADOBE_XFORM && code != JWRN_JFIF_MAJOR &&
	       code != JWRN_BOGUS_ICC && code != JWRN_EXTRANEOUS_DATA;
}

/*
 * Junk bytes before a marker: anywhere in the header, and a little before
 * EOI, which a few ImageNet photos carry after their last scan (a few
 * hundred bytes) and every reader accepts.  Junk before any other marker
 * once scans began (a restart marker, the next scan) is refused: most
 * often it is scan data the decoder did not take, because it lost step,
 * and what it decoded is garbage.  So is junk before EOI of more than an
 * eighth of the file, or of 64 KiB (a scan coded otherwise than its header
 * says, padding to grow a file).
 */
static int harmless_junk(const struct jpeg_err *e, long count, int marker)
{
	return !e->in_scans || (marker == 0xd9 && count >= 0 &&
				(size_t)count <= e->len / 8 &&
				count <= JPEG_JUNK_MAX);
}

static void on_message(j_common_ptr ci, int level)
{
	struct jpeg_err *e = (struct jpeg_err *)ci->err;

	if (level != -1)
		return;  /* trace messages */
	ci->err->num_warnings++;
	if (ci->err->msg_code == JWRN_EXTRANEOUS_DATA && e->in_scans &&
	    harmless_junk(e, ci->err->msg_parm.i[0], ci->err->msg_parm.i[1]))
		e->tail_junk += ci->err->msg_parm.i[0];  /* looked at again */
	if (!is_corrupt_warning(ci->err->msg_code) &&
	    (ci->err->msg_code != JWRN_EXTRANEOUS_DATA ||
	     harmless_junk(e, ci->err->msg_parm.i[0], ci->err->msg_parm.i[1])))
		return;
	(*ci->err->format_message)(ci, e->msg);
	e->corrupt = 1;
	longjmp(e->jb, 1);  /* decoding on would only produce grey */
}

/* Notes the components of the scan being read. */
static void note_scan(struct jpeg_decompress_struct *d)
{
	struct jpeg_err *e = (struct jpeg_err *)d->err;

	for (int i = 0; i < d->comps_in_scan; i++)
		e->comps_sent |= 1u << d->cur_comp_info[i]->component_index;
}

/* Called between passes: stops a file with too many scans. */
static void on_progress(j_common_ptr ci)
{
	struct jpeg_decompress_struct *d = (struct jpeg_decompress_struct *)ci;
	struct jpeg_err *e = (struct jpeg_err *)ci->err;

	note_scan(d);
	if (probe_jpeg_scans(d->input_scan_number) < 0) {
		e->scans = 1;
		longjmp(e->jb, 1);
	}
}

int probe_jpeg_scans(int scan)
{
	return scan <= PROBE_JPEG_MAX_SCANS ? 0 :
	       gic_seterr(GIC_ELIMIT, "progressive JPEG with more than %d "
			  "scans (at scan %d)", PROBE_JPEG_MAX_SCANS, scan);
}

static int fail(struct jpeg_state *s)
{
	struct jpeg_error_mgr *err = &s->err.pub;

	if (s->err.scans)  /* its message is set */
		return GIC_ELIMIT;
	if (s->err.corrupt)
		return gic_seterr(GIC_EBADIMG, "truncated or corrupt JPEG: %s",
				  s->err.msg);
	/* 12 and 16 bits are JPEG's (libjpeg-turbo reads them through
	 * another interface than the 8-bit images take); any other
	 * precision is a damaged header */
	if (err->msg_code == JERR_BAD_PRECISION &&
	    (err->msg_parm.i[0] == 12 || err->msg_parm.i[0] == 16))
		return gic_seterr(GIC_EBADIMG, "%d-bit JPEG is not supported",
				  err->msg_parm.i[0]);
	if (err->msg_code == JERR_BAD_PRECISION)
		return gic_seterr(GIC_EBADIMG, "invalid JPEG: a sample "
				  "precision of %d bits (JPEG has 8, 12 or 16)",
				  err->msg_parm.i[0]);
	if (err->msg_code == JERR_OUT_OF_MEMORY)
		return gic_seterr(GIC_ENOMEM, "out of memory decoding JPEG: %s",
				  s->err.msg);
	if (err->msg_code == JERR_SOF_UNSUPPORTED)
		return gic_seterr(GIC_EBADIMG, "unsupported JPEG: %s",
				  s->err.msg);
	return gic_seterr(GIC_EBADIMG, "invalid JPEG: %s", s->err.msg);
}

/* IJG standard luminance table (JPEG Annex K), natural order. */
static const unsigned short std_luma[DCTSIZE2] = {
	16, 11, 10, 16, 24, 40, 51, 61,     12, 12, 14, 19, 26, 58, 60, 55,
	14, 13, 16, 24, 40, 57, 69, 56,     14, 17, 22, 29, 51, 87, 80, 62,
	18, 22, 37, 56, 68, 109, 103, 77,   24, 35, 55, 64, 81, 104, 113, 92,
	49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
};

/* Entry i of the table libjpeg's jpeg_set_quality(q) writes. */
static long ijg_entry(int i, int q, int baseline)
{
	long scale = q < 50 ? 5000 / q : 200 - 2 * q;
	long v = (std_luma[i] * scale + 50) / 100;

	if (v < 1)
		v = 1;
	if (v > 32767)
		v = 32767;
	if (baseline && v > 255)
		v = 255;
	return v;
}

/* IJG's tables for q = 1..100, baseline-clamped [0] and not [1]: built
 * once per process, as every JPEG is matched against all of them. */
static long ijg[2][101][DCTSIZE2];
static pthread_once_t ijg_once = PTHREAD_ONCE_INIT;

static void build_ijg(void)
{
	for (int q = 1; q <= 100; q++)
		for (int i = 0; i < DCTSIZE2; i++) {
			ijg[0][q][i] = ijg_entry(i, q, 1);
			ijg[1][q][i] = ijg_entry(i, q, 0);
		}
}

/* Matches a luminance table against IJG's for q = 1..100. */
static void estimate_quality(const JQUANT_TBL *t, struct gic_image_info *out)
{
	long best_sad = -1;

	pthread_once(&ijg_once, build_ijg);
	for (int q = 1; q <= 100; q++) {
		long sad = 0, sad16 = 0;

		for (int i = 0; i < DCTSIZE2; i++) {
			sad += labs(t->quantval[i] - ijg[0][q][i]);
			sad16 += labs(t->quantval[i] - ijg[1][q][i]);
		}
		if (!sad || !sad16) {
			out->jpeg_quality = q;
			out->quality_exact = 1;
			return;
		}
		if (best_sad < 0 || sad < best_sad) {
			best_sad = sad;
			out->jpeg_quality = q;
		}
	}
}

static const char *subsampling(const struct jpeg_decompress_struct *ci)
{
	const jpeg_component_info *c = ci->comp_info;
	int h, v;

	if (ci->num_components < 3)
		return "";
	if (c[1].h_samp_factor != c[2].h_samp_factor ||
	    c[1].v_samp_factor != c[2].v_samp_factor ||
	    c[0].h_samp_factor % c[1].h_samp_factor ||
	    c[0].v_samp_factor % c[1].v_samp_factor ||
	    (ci->num_components == 4 &&
	     (c[3].h_samp_factor != c[0].h_samp_factor ||
	      c[3].v_samp_factor != c[0].v_samp_factor)))
		return "other";
	h = c[0].h_samp_factor / c[1].h_samp_factor;
	v = c[0].v_samp_factor / c[1].v_samp_factor;
	if (h == 1 && v == 1) return "4:4:4";
	if (h == 2 && v == 1) return "4:2:2";
	if (h == 2 && v == 2) return "4:2:0";
	if (h == 1 && v == 2) return "4:4:0";
	if (h == 4 && v == 1) return "4:1:1";
	return "other";
}

static int has_prefix(const jpeg_saved_marker_ptr m, const char *p, size_t n)
{
	return m->data_length >= n && !memcmp(m->data, p, n);
}

static void scan_markers(struct jpeg_state *s)
{
	struct gic_image_info *out = s->out;

	for (jpeg_saved_marker_ptr m = s->ci.marker_list; m; m = m->next) {
		if (m->marker == JPEG_APP0 + 1 && has_prefix(m, "Exif\0\0", 6)) {
			out->has_exif = 1;
			probe_exif(m->data + 6, m->data_length - 6, out);
		} else if (m->marker == JPEG_APP0 + 1 &&
			   has_prefix(m, "http://ns.adobe.com/xap/1.0/", 29)) {
			out->has_xmp = 1;
			probe_xmp((const char *)m->data + 29,
				  m->data_length - 29, out);
		} else if (m->marker == JPEG_APP0 + 2 &&
			   has_prefix(m, "ICC_PROFILE", 12)) {
			out->has_icc = 1;
		} else if (m->marker == JPEG_APP0 + 11 && has_prefix(m, "JP", 2) &&
			   m->data_length >= 16 &&
			   !memcmp(m->data + 12, "jumb", 4)) {
			/* JUMBF box: C2PA's container in JPEG */
			out->has_c2pa = 1;
		}
	}
}

static const char *mode_name(J_COLOR_SPACE cs, int ncomp)
{
	switch (cs) {
	case JCS_GRAYSCALE: return "gray";
	case JCS_YCbCr: case JCS_RGB: return "rgb";
	case JCS_CMYK: return "cmyk";
	case JCS_YCCK: return "ycck";
	default: return ncomp == 1 ? "gray" : ncomp == 3 ? "rgb" : "unknown";
	}
}

static void describe(struct jpeg_state *s)
{
	struct jpeg_decompress_struct *ci = &s->ci;
	struct gic_image_info *out = s->out;
	int tbl = ci->comp_info[0].quant_tbl_no;

	out->width = ci->image_width;
	out->height = ci->image_height;
	out->channels = ci->num_components;
	out->bit_depth = ci->data_precision;
	out->progressive = ci->progressive_mode != 0;
	snprintf(out->mode, sizeof(out->mode), "%s",
		 mode_name(ci->jpeg_color_space, ci->num_components));
	snprintf(out->subsampling, sizeof(out->subsampling), "%s",
		 subsampling(ci));
	if (tbl >= 0 && tbl < NUM_QUANT_TBLS && ci->quant_tbl_ptrs[tbl])
		estimate_quality(ci->quant_tbl_ptrs[tbl], out);
	scan_markers(s);
}

/* Asks libjpeg for luma (or CMYK) at the smallest useful scale. */
static void setup(struct jpeg_state *s)
{
	struct jpeg_decompress_struct *ci = &s->ci;
	uint32_t side = ci->image_width < ci->image_height ? ci->image_width
							     : ci->image_height;

	switch (ci->jpeg_color_space) {
	case JCS_GRAYSCALE: case JCS_YCbCr: case JCS_RGB:
		ci->out_color_space = JCS_GRAYSCALE;
		break;
	case JCS_CMYK: case JCS_YCCK:
		ci->out_color_space = JCS_CMYK;
		break;
	default:
		ci->out_color_space = JCS_UNKNOWN;  /* hash component 0 */
		break;
	}
	ci->scale_num = 1;
	ci->scale_denom = 1;
	for (unsigned d = 8; d > 1; d /= 2)
		if ((side + d - 1) / d >= MIN_SIDE) {
			ci->scale_denom = d;
			break;
		}
	ci->dct_method = JDCT_ISLOW;  /* exact, identical on every CPU */
	ci->do_fancy_upsampling = FALSE;
	ci->do_block_smoothing = FALSE;
}

/*
 * Turns a row of CMYK into RGB, or keeps the first component of an unknown
 * colour space, in place; returns whether the row is now RGB.  CMYK is
 * read inverted (255 = no ink), as Adobe writes it, which is what nearly
 * all CMYK JPEGs are, and as Pillow and browsers read every one, with an
 * Adobe marker or without.
 */
static int prepare_row(const struct jpeg_state *s, unsigned char *row,
		       uint32_t n)
{
	int nc = s->ci.output_components;

	if (s->ci.out_color_space == JCS_CMYK) {
		for (uint32_t i = 0; i < n; i++) {
			const unsigned char *p = row + 4 * (size_t)i;
			unsigned rgb[3], k = p[3];

			for (int j = 0; j < 3; j++)
				rgb[j] = p[j] * k / 255u;
			for (int j = 0; j < 3; j++)
				row[3 * (size_t)i + j] = (unsigned char)rgb[j];
		}
		return 1;
	}
	for (uint32_t i = 0; nc > 1 && i < n; i++)
		row[i] = row[(size_t)i * nc];
	return 0;
}

/*
 * A progressive file must send every coefficient of every component to
 * full precision.  One cut short with an EOI put back (a download that
 * stopped, "repaired") decodes without a warning, blurred or blocky:
 * libjpeg notes only in coef_bits what its scans left out (-1: never
 * sent; above 0: low bits never refined).  A sequential file with a scan
 * per component, cut so, decodes a component never sent as flat grey:
 * note_scan keeps which were.
 */
static int progression_complete(j_decompress_ptr ci)
{
	const struct jpeg_err *e = (const struct jpeg_err *)ci->err;

	for (int c = 0; !ci->progressive_mode && c < ci->num_components; c++)
		if (!(e->comps_sent >> c & 1))
			return gic_seterr(GIC_EBADIMG, "truncated or corrupt "
					  "JPEG: its scans end with component "
					  "%d never sent", c);
	if (!ci->progressive_mode)
		return 0;
	for (int c = 0; c < ci->num_components; c++)
		for (int k = 0; k < DCTSIZE2; k++)
			if (ci->coef_bits[c][k] != 0)
				return gic_seterr(GIC_EBADIMG, "truncated or "
					"corrupt JPEG: its progressive scans "
					"end with coefficient %d of component "
					"%d %s", k, c, ci->coef_bits[c][k] < 0 ?
					"never sent" : "not fully refined");
	return 0;
}

static int decode(struct jpeg_state *s, const unsigned char *buf, size_t len)
{
	struct jpeg_decompress_struct *ci = &s->ci;
	JSAMPARRAY rows;
	int rc;

	if (setjmp(s->err.jb))
		return fail(s);
	s->created = 1;
	jpeg_create_decompress(ci);
	s->progress.progress_monitor = on_progress;
	ci->progress = &s->progress;
	jpeg_mem_src(ci, buf, len);
	jpeg_save_markers(ci, JPEG_APP0 + 1, 0xffff);
	jpeg_save_markers(ci, JPEG_APP0 + 2, APP_SNIFF_LEN);
	jpeg_save_markers(ci, JPEG_APP0 + 11, APP_SNIFF_LEN);
	s->err.len = len;
	jpeg_read_header(ci, TRUE);
	s->err.in_scans = 1;
	note_scan(ci);
	describe(s);
	rc = probe_check_size(ci->image_width, ci->image_height, s->max_pixels);
	if (rc)
		return rc;
	setup(s);
	s->reserved = probe_jpeg_reserve(ci);
	jpeg_start_decompress(ci);
	rows = (*ci->mem->alloc_sarray)((j_common_ptr)ci, JPOOL_IMAGE,
					ci->output_width *
						(JDIMENSION)ci->output_components,
					(JDIMENSION)ci->rec_outbuf_height);
	phash_acc_init(&s->acc, ci->output_width, ci->output_height);
	while (ci->output_scanline < ci->output_height) {
		JDIMENSION y = ci->output_scanline;
		JDIMENSION n = jpeg_read_scanlines(ci, rows,
						   (JDIMENSION)ci->rec_outbuf_height);

		for (JDIMENSION i = 0; i < n; i++) {
			int rgb = prepare_row(s, rows[i], ci->output_width);

			phash_acc_row(&s->acc, y + i, 0, 1, rows[i],
				      ci->output_width, rgb);
		}
	}
	/* all scans are in by now (a progressive file is read whole by
	 * jpeg_start_decompress), and coef_bits goes with finish */
	if ((rc = progression_complete(ci)) < 0)
		return rc;
	jpeg_finish_decompress(ci);  /* reads up to EOI, and no further */
	s->out->trailing_bytes = ci->src->bytes_in_buffer;
	s->out->phash = phash_acc_finish(&s->acc);
	return 0;
}

int probe_jpeg(const unsigned char *buf, size_t len, uint64_t max_pixels,
	       struct gic_image_info *out)
{
	struct jpeg_state *s;
	int rc;

	/* on the heap: libjpeg's state and the pHash grid are large */
	s = calloc(1, sizeof(*s));
	if (!s)
		return gic_seterr(GIC_ENOMEM, "out of memory probing JPEG");
	s->max_pixels = max_pixels;
	s->out = out;
	s->ci.err = jpeg_std_error(&s->err.pub);
	s->err.pub.error_exit = on_error;
	s->err.pub.emit_message = on_message;
	rc = decode(s, buf, len);
	if (s->created)
		jpeg_destroy_decompress(&s->ci);
	probe_jpeg_release(s->reserved); /* once freed */
	if (rc == 0 && s->err.tail_junk > 0)
		rc = probe_jpeg_recheck(buf, len, s->err.tail_junk);
	free(s);
	return rc;
}
