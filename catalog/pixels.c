/*
 * pixels.c - the pixel operations of the degradation engine on 8-bit RGB
 * images: Gaussian blur, PIL-compatible antialiased bicubic resize, center
 * crop.  pixels-io.c decodes and encodes.
 *
 * All state is per call, so any number of threads may work at once.  The
 * inner loops use GCC/Clang vector extensions (8 lanes: AVX2 when the CPU
 * has it, else pairs of SSE2 or NEON registers, else plain code).  The
 * blur runs in float in a fixed order without fused multiply-adds and the
 * resize in PIL's exact integer arithmetic, so output never depends on the
 * CPU.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "degrade.h"

#ifdef __clang__
#pragma STDC FP_CONTRACT OFF /* GCC's -std=c11 already means -ffp-contract=off */
#endif

/* ---- blur -------------------------------------------------------------- */

typedef float v8f __attribute__((vector_size(32)));
typedef int32_t v8i __attribute__((vector_size(32)));
typedef unsigned char v8u8 __attribute__((vector_size(8)));
typedef unsigned char v16u8 __attribute__((vector_size(16)));
typedef unsigned char v32u8 __attribute__((vector_size(32)));

#define LANES 8
#define BLOCK 32   /* floats per step: 4 independent vector accumulators */

#define splat8(f) ((v8f){ (f), (f), (f), (f), (f), (f), (f), (f) })

/* Reflects i into [0, n): ... c b a | a b c ... z | z y x ... */
static uint32_t mirror(int64_t i, uint32_t n)
{
	int64_t period = 2 * (int64_t)n, m = i % period;

	if (m < 0)
		m += period;
	return (uint32_t)(m < n ? m : period - 1 - m);
}

struct blur {
	int r;                  /* radius: ceil(3 sigma) */
	float *wt;              /* wt[0..r], exact multiples of 2^-16 */
	uint32_t w, h, stride;  /* stride: floats per row, 3w rounded up */
	uint32_t *xmap;         /* source column of each border column */
	float *pad;             /* a source row, r mirrored pixels each side */
	float *ring;            /* nring horizontally blurred rows */
	uint32_t nring;         /* 2r + 1, or h when that is fewer */
	float *acc;             /* one output row before rounding */
	const float **htaps;    /* centre, then -k and +k pixels, in pad */
	const float **rows;     /* the 2r + 1 rows that make an output row */
	uint32_t next;          /* next source row to blur horizontally */
};

static double gauss(int k, double sigma)
{
	return exp(-(double)k * k / (2 * sigma * sigma));
}

/* Gaussian weights rounded to 16 bits, the centre taking what rounding
 * left over so that they sum to exactly 1.  All are >= 0, so every sum
 * stays within [0, 255] and needs no clamping. */
static void blur_weights(struct blur *b, double sigma)
{
	double sum = 1;
	long q, rest = 65536;

	for (int k = 1; k <= b->r; k++)
		sum += 2 * gauss(k, sigma);
	for (int k = 1; k <= b->r; k++) {
		q = lround(gauss(k, sigma) / sum * 65536);
		rest -= 2 * q;
		b->wt[k] = (float)q / 65536;
	}
	b->wt[0] = (float)rest / 65536;
}

static int blur_init(struct blur *b, const struct gic_pixels *p, double sigma)
{
	uint32_t padw = p->w + 2 * (uint32_t)b->r;

	b->w = p->w;
	b->h = p->h;
	b->stride = (3 * p->w + BLOCK - 1) / BLOCK * BLOCK;
	/* a short image needs no more than its own rows: a kernel taller
	 * than the image reads them again (mirrored), never more of them */
	b->nring = 2 * (uint32_t)b->r + 1 < p->h ? 2 * (uint32_t)b->r + 1
						  : p->h;
	b->wt = malloc(((size_t)b->r + 1) * sizeof(float));
	b->xmap = malloc(2 * (size_t)b->r * sizeof(uint32_t));
	/* vector loads may read one block past the padded row */
	b->pad = calloc(3 * (size_t)padw + BLOCK, sizeof(float));
	b->ring = malloc((size_t)b->nring * b->stride * sizeof(float));
	b->acc = malloc(b->stride * sizeof(float));
	b->rows = malloc((2 * (size_t)b->r + 1) * sizeof(*b->rows));
	b->htaps = malloc((2 * (size_t)b->r + 1) * sizeof(*b->htaps));
	if (!b->wt || !b->xmap || !b->pad || !b->ring || !b->acc || !b->rows ||
	    !b->htaps)
		return gic_seterr(GIC_ENOMEM, "out of memory for a blur");
	b->htaps[0] = b->pad + 3 * b->r;
	for (int k = 1; k <= b->r; k++) {
		b->htaps[2 * k - 1] = b->htaps[0] - 3 * k;
		b->htaps[2 * k] = b->htaps[0] + 3 * k;
	}
	for (int x = 0; x < b->r; x++) {
		b->xmap[x] = mirror(x - b->r, p->w);
		b->xmap[b->r + x] = mirror((int64_t)p->w + x, p->w);
	}
	blur_weights(b, sigma);
	return 0;
}

static float *ring_row(const struct blur *b, uint32_t y)
{
	return b->ring + (size_t)(y % b->nring) * b->stride;
}

/* Copies the mirrored border pixels of the padded row. */
static void blur_border(struct blur *b, float *mid)
{
	for (int x = 0; x < b->r; x++) {
		const float *l = mid + 3 * (size_t)b->xmap[x];
		const float *r = mid + 3 * (size_t)b->xmap[b->r + x];
		float *dl = mid + 3 * (x - b->r), *dr = mid + 3 * ((size_t)b->w + x);

		for (int c = 0; c < 3; c++) {
			dl[c] = l[c];
			dr[c] = r[c];
		}
	}
}

/*
 * The inner loops, built twice, for AVX2 and for the baseline, and picked
 * at load time.  Both do the same IEEE operations in the same order (no
 * FMA), so their results are identical.
 */
#ifndef GIC_NO_CLONES
#define BOTH_TARGETS __attribute__((target_clones("avx2", "default")))
#else
#define BOTH_TARGETS
#endif

/*
 * dst[j] for one BLOCK of floats from j on: w[0] taps[0][j] + the sum over
 * k of w[k] (taps[2k - 1][j] + taps[2k][j]); four independent accumulators.
 */
BOTH_TARGETS
static void blur_block(const struct blur *b, float *dst,
		       const float *const *taps, size_t j)
{
	v8f a0, a1, a2, a3, l0, l1, l2, l3, h0, h1, h2, h3, w;

	memcpy(&l0, taps[0] + j, sizeof(v8f));
	memcpy(&l1, taps[0] + j + LANES, sizeof(v8f));
	memcpy(&l2, taps[0] + j + 2 * LANES, sizeof(v8f));
	memcpy(&l3, taps[0] + j + 3 * LANES, sizeof(v8f));
	w = splat8(b->wt[0]);
	a0 = l0 * w;
	a1 = l1 * w;
	a2 = l2 * w;
	a3 = l3 * w;
	for (int k = 1; k <= b->r; k++) {
		const float *l = taps[2 * k - 1] + j, *h = taps[2 * k] + j;

		memcpy(&l0, l, sizeof(v8f));
		memcpy(&l1, l + LANES, sizeof(v8f));
		memcpy(&l2, l + 2 * LANES, sizeof(v8f));
		memcpy(&l3, l + 3 * LANES, sizeof(v8f));
		memcpy(&h0, h, sizeof(v8f));
		memcpy(&h1, h + LANES, sizeof(v8f));
		memcpy(&h2, h + 2 * LANES, sizeof(v8f));
		memcpy(&h3, h + 3 * LANES, sizeof(v8f));
		w = splat8(b->wt[k]);
		a0 += (l0 + h0) * w;
		a1 += (l1 + h1) * w;
		a2 += (l2 + h2) * w;
		a3 += (l3 + h3) * w;
	}
	memcpy(dst + j, &a0, sizeof(v8f));
	memcpy(dst + j + LANES, &a1, sizeof(v8f));
	memcpy(dst + j + 2 * LANES, &a2, sizeof(v8f));
	memcpy(dst + j + 3 * LANES, &a3, sizeof(v8f));
}

/* Byte o + i of v zero-extended into int i, i < 8 (as bytes of a v8i). */
#define WIDEN(v, z, o) __builtin_shufflevector(v, z,                        \
	o, 16, 16, 16, o + 1, 16, 16, 16, o + 2, 16, 16, 16, o + 3, 16, 16, 16, \
	o + 4, 16, 16, 16, o + 5, 16, 16, 16, o + 6, 16, 16, 16, o + 7, 16, 16, 16)

BOTH_TARGETS
static void to_float(float *dst, const unsigned char *src, size_t n)
{
	size_t i = 0;

	for (; i + 2 * LANES <= n; i += 2 * LANES) {
		v16u8 v, z = { 0 };
		v8f f[2];

		memcpy(&v, src + i, sizeof(v));
		f[0] = __builtin_convertvector((v8i)WIDEN(v, z, 0), v8f);
		f[1] = __builtin_convertvector((v8i)WIDEN(v, z, 8), v8f);
		memcpy(dst + i, f, sizeof(f));
	}
	for (; i < n; i++)
		dst[i] = src[i];
}

/* Rounds sums in [0, 255] to bytes (truncating v + 0.5). */
BOTH_TARGETS
static void to_bytes(unsigned char *dst, const float *src, size_t n)
{
	size_t i = 0;

	for (; i + LANES <= n; i += LANES) {
		v8f f;
		v32u8 x;
		v8u8 v;

		/* the low byte of each int */
		memcpy(&f, src + i, sizeof(f));
		x = (v32u8)__builtin_convertvector(f + splat8(0.5f), v8i);
		v = __builtin_shufflevector(x, x, 0, 4, 8, 12, 16, 20, 24, 28);
		memcpy(dst + i, &v, sizeof(v));
	}
	for (; i < n; i++)
		dst[i] = (unsigned char)(int)(src[i] + 0.5f);
}

/* Source row y, blurred along x into its ring slot. */
static void blur_h(struct blur *b, const unsigned char *src, uint32_t y)
{
	float *mid = b->pad + 3 * b->r, *dst = ring_row(b, y);

	to_float(mid, src, 3 * (size_t)b->w);
	blur_border(b, mid);
	for (uint32_t j = 0; j < b->stride; j += BLOCK)
		blur_block(b, dst, b->htaps, j);
}

/* Output row y from the ring, rounded into dst. */
static void blur_v(struct blur *b, unsigned char *dst, uint32_t y)
{
	const float **rows = b->rows;

	rows[0] = ring_row(b, y);
	for (int k = 1; k <= b->r; k++) {
		rows[2 * k - 1] = ring_row(b, mirror((int64_t)y - k, b->h));
		rows[2 * k] = ring_row(b, mirror((int64_t)y + k, b->h));
	}
	for (uint32_t j = 0; j < b->stride; j += BLOCK)
		blur_block(b, b->acc, rows, j);
	to_bytes(dst, b->acc, 3 * (size_t)b->w);
}

int gic_pixels_blur(struct gic_pixels *p, double sigma)
{
	struct blur b = { 0 };
	size_t row = 3 * (size_t)p->w;
	int rc;

	if (!(sigma > 0) || sigma > 100)
		return gic_seterr(GIC_EUSAGE, "blur: sigma must be in (0, 100]");
	b.r = (int)ceil(3 * sigma);
	if ((rc = blur_init(&b, p, sigma)) < 0)
		goto out;
	/* in place: output row y is written once every row it needs, up to
	 * y + r, has been blurred along x */
	for (uint32_t y = 0; y < p->h; y++) {
		uint32_t need = y + (uint32_t)b.r < p->h ? y + (uint32_t)b.r
							  : p->h - 1;

		for (; b.next <= need; b.next++)
			blur_h(&b, p->rgb + b.next * row, b.next);
		blur_v(&b, p->rgb + y * row, y);
	}
out:
	free(b.wt);
	free(b.xmap);
	free(b.pad);
	free(b.ring);
	free(b.acc);
	free(b.rows);
	free(b.htaps);
	return rc;
}

/* ---- resize: PIL's ImagingResample ------------------------------------- */

#define PRECISION_BITS 22   /* PIL's: 32 - 8 bits of sample - 2 of headroom */

struct coeffs {
	int ksize;              /* weights per output pixel */
	int *bounds;            /* first input pixel, count; per output pixel */
	int32_t *k;             /* ksize fixed-point weights per output pixel */
};

static double bicubic(double x)
{
	const double a = -0.5;

	x = fabs(x);
	if (x < 1)
		return ((a + 2) * x - (a + 3)) * x * x + 1;
	if (x < 2)
		return (((x - 5) * x + 8) * x - 4) * a;
	return 0;
}

static double bilinear(double x)
{
	x = fabs(x);
	return x < 1 ? 1 - x : 0;
}

static double sinc(double x)
{
	return x == 0 ? 1 : sin(M_PI * x) / (M_PI * x);
}

static double lanczos(double x)
{
	return x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0;
}

/* enum gic_filter's, in its order: PIL's filters and their supports */
static const struct filter {
	double (*f)(double);
	double support;
} filters[] = { { bicubic, 2 }, { bilinear, 1 }, { lanczos, 3 } };

/* One output pixel's weights: PIL's precompute_coeffs, then
 * normalize_coeffs_8bpc (rounding half away from zero). */
static void coeffs_one(struct coeffs *c, const struct filter *f,
		       uint32_t in, double scale, uint32_t xx, double *w)
{
	double fscale = scale < 1 ? 1 : scale, support = f->support * fscale;
	double center = (xx + 0.5) * scale, sum = 0;
	int xmin = (int)(center - support + 0.5);
	int xmax = (int)(center + support + 0.5);
	int32_t *k = c->k + (size_t)xx * c->ksize;

	if (xmin < 0)
		xmin = 0;
	if (xmax > (int)in)
		xmax = (int)in;
	xmax -= xmin;
	for (int x = 0; x < xmax; x++)
		sum += w[x] = f->f((x + xmin - center + 0.5) / fscale);
	for (int x = 0; x < xmax; x++) {
		double v = (sum != 0 ? w[x] / sum : w[x]) * (1 << PRECISION_BITS);

		k[x] = (int32_t)(v < 0 ? v - 0.5 : v + 0.5);
	}
	c->bounds[2 * xx] = xmin;
	c->bounds[2 * xx + 1] = xmax;
}

static int coeffs_init(struct coeffs *c, const struct filter *f,
		       uint32_t in, uint32_t out)
{
	double scale = (double)in / out;
	double *w;

	c->ksize = (int)ceil(f->support * (scale < 1 ? 1 : scale)) * 2 + 1;
	c->k = calloc((size_t)out * c->ksize, sizeof(*c->k));
	c->bounds = malloc(2 * (size_t)out * sizeof(*c->bounds));
	w = malloc((size_t)c->ksize * sizeof(*w));
	if (c->k && c->bounds && w)
		for (uint32_t xx = 0; xx < out; xx++)
			coeffs_one(c, f, in, scale, xx, w);
	free(w);
	return c->k && c->bounds && w ? 0 : gic_seterr(GIC_ENOMEM,
		"out of memory for a resize");
}

static unsigned char clip8(int32_t s)
{
	return (unsigned char)(s <= 0 ? 0 : s >= 256 << PRECISION_BITS ? 255
			       : s >> PRECISION_BITS);
}

/*
 * The vertical pass: output row yy = clip8(sum over y of k[y] * input row
 * (bounds[2yy] + y)), n bytes a row, 32 bytes at a time in four vector
 * accumulators.  Integer sums are exact, so this is PIL's result whatever
 * the order of the terms.
 */
BOTH_TARGETS
static void resample_rows(const unsigned char *in, size_t n,
			  unsigned char *out, uint32_t outh,
			  const struct coeffs *c)
{
	size_t tail = n - n % (4 * LANES);

	for (uint32_t yy = 0; yy < outh; yy++) {
		const int32_t *k = c->k + (size_t)yy * c->ksize;
		const unsigned char *src = in + c->bounds[2 * yy] * n;
		unsigned char *dst = out + yy * n;

		for (size_t j = 0; j < tail; j += 4 * LANES) {
			v8i acc[4], half = { 0 };
			v16u8 v[2], z = { 0 };
			v32u8 r;

			half += 1 << (PRECISION_BITS - 1);
			acc[0] = acc[1] = acc[2] = acc[3] = half;
			for (int y = 0; y < c->bounds[2 * yy + 1]; y++) {
				v8i w = { 0 };

				w += k[y];
				memcpy(v, src + y * n + j, sizeof(v));
				acc[0] += (v8i)WIDEN(v[0], z, 0) * w;
				acc[1] += (v8i)WIDEN(v[0], z, 8) * w;
				acc[2] += (v8i)WIDEN(v[1], z, 0) * w;
				acc[3] += (v8i)WIDEN(v[1], z, 8) * w;
			}
			for (int i = 0; i < 4; i++) {
				/* clip8 per lane: shift, clamp to 0..255 */
				v8i t = acc[i] >> PRECISION_BITS, top = half;

				top = top * 0 + 255;
				t &= ~(t < top * 0);
				t = (t & ~(t > top)) | (top & (t > top));
				r = (v32u8)t;
				v[0] = __builtin_shufflevector(r, r, 0, 4, 8, 12, 16,
					20, 24, 28, 0, 4, 8, 12, 16, 20, 24, 28);
				memcpy(dst + j + LANES * i, v, LANES);
			}
		}
		for (size_t j = tail; j < n; j++) {
			int32_t acc = 1 << (PRECISION_BITS - 1);

			for (int y = 0; y < c->bounds[2 * yy + 1]; y++)
				acc += src[y * n + j] * k[y];
			dst[j] = clip8(acc);
		}
	}
}

/* dst (h x w pixels) = src (w x h) transposed, in 16 x 16 tiles. */
static void transpose(unsigned char *dst, const unsigned char *src,
		      uint32_t w, uint32_t h)
{
	for (uint32_t y0 = 0; y0 < h; y0 += 16)
		for (uint32_t x0 = 0; x0 < w; x0 += 16)
			for (uint32_t y = y0; y < y0 + 16 && y < h; y++)
				for (uint32_t x = x0; x < x0 + 16 && x < w; x++)
					memcpy(dst + 3 * ((size_t)x * h + y),
					       src + 3 * ((size_t)y * w + x), 3);
}

/*
 * The horizontal pass on rows rows of inw pixels, as the vertical pass on
 * the transposed image: the same sums, but along contiguous memory.  Done
 * in strips of STRIP rows, so that the transposed copies stay in cache.
 */
#define STRIP 64

static int resample_h(const unsigned char *in, uint32_t inw,
		      struct gic_pixels *out, uint32_t outw, uint32_t rows,
		      const struct coeffs *c)
{
	struct gic_pixels t = { 0 }, u = { 0 };
	uint32_t strip = rows < STRIP ? rows : STRIP;
	int rc;

	if ((rc = gic_pixels_init(&t, strip, inw)) == 0 &&
	    (rc = gic_pixels_init(&u, strip, outw)) == 0 &&
	    (rc = gic_pixels_init(out, outw, rows)) == 0)
		for (uint32_t y = 0; y < rows; y += strip) {
			uint32_t n = rows - y < strip ? rows - y : strip;

			transpose(t.rgb, in + (size_t)y * inw * 3, inw, n);
			resample_rows(t.rgb, 3 * (size_t)n, u.rgb, outw, c);
			transpose(out->rgb + (size_t)y * outw * 3, u.rgb, n,
				  outw);
		}
	gic_pixels_release(&t);
	gic_pixels_release(&u);
	return rc;
}

int gic_pixels_resize(struct gic_pixels *p, uint32_t w, uint32_t h,
		      enum gic_filter filter)
{
	const struct filter *f = &filters[filter];
	struct coeffs ch = { 0 }, cv = { 0 };
	struct gic_pixels tmp = { 0 }, out = { 0 };
	const unsigned char *src = p->rgb;
	uint32_t first = 0, rows = p->h;
	int rc;

	if (w == p->w && h == p->h)
		return 0;
	if ((rc = coeffs_init(&ch, f, p->w, w)) < 0 ||
	    (rc = coeffs_init(&cv, f, p->h, h)) < 0)
		goto out;
	if (h != p->h) { /* only the input rows the vertical pass reads */
		first = (uint32_t)cv.bounds[0];
		rows = (uint32_t)(cv.bounds[2 * h - 2] + cv.bounds[2 * h - 1]) -
		       first;
		for (uint32_t i = 0; i < h; i++)
			cv.bounds[2 * i] -= (int)first;
		src += (size_t)first * p->w * 3;
	}
	if (w != p->w) {
		if ((rc = resample_h(src, p->w, &tmp, w, rows, &ch)) < 0)
			goto out;
		src = tmp.rgb;
	}
	if (h == p->h) {
		out = tmp;
		tmp.rgb = NULL;
	} else if ((rc = gic_pixels_init(&out, w, h)) < 0) {
		goto out;
	} else {
		resample_rows(src, 3 * (size_t)w, out.rgb, h, &cv);
	}
	gic_pixels_release(p);
	*p = out;
	out.rgb = NULL;
out:
	free(ch.k);
	free(ch.bounds);
	free(cv.k);
	free(cv.bounds);
	gic_pixels_release(&tmp);
	gic_pixels_release(&out);
	return rc;
}

/* Where a centred crop starts when d pixels are left over: round(d / 2)
 * rounding halves to even, as torchvision's CenterCrop (Python's round):
 * 159 left over start the crop at 80, 3 at 2, 5 at 2. */
static uint32_t center_offset(uint32_t d)
{
	uint32_t k = d / 2;

	return (d & 1) && (k & 1) ? k + 1 : k;
}

int gic_pixels_crop(struct gic_pixels *p, uint32_t w, uint32_t h,
		    uint32_t align)
{
	uint32_t x0, y0;

	if (w > p->w || h > p->h)
		return gic_seterr(GIC_EUSAGE, "cannot crop %ux%u out of a %ux%u "
				  "image", w, h, p->w, p->h);
	x0 = center_offset(p->w - w) / align * align;
	y0 = center_offset(p->h - h) / align * align;
	for (uint32_t y = 0; y < h; y++)
		memmove(p->rgb + (size_t)y * w * 3,
			p->rgb + ((size_t)(y0 + y) * p->w + x0) * 3,
			(size_t)w * 3);
	p->w = w;
	p->h = h;
	return 0;
}

