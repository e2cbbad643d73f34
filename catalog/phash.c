/*
 * phash.c - the 64-bit DCT perceptual hash (pHash) of an image.
 *
 * The image, as BT.601 luma, is reduced to a 32x32 grid of cell means; the
 * 2-D DCT-II of that grid is taken and its top-left 8x8 coefficients (the
 * lowest frequencies, DC included) are compared with their median (of all
 * 64, DC included, as the common imagehash implementation does): bit
 * 63 - (8 * v + u) is set when coefficient (v, u) is above it, so bit 63
 * is DC and bits go row-major.  Alpha is ignored.
 *
 * Cell means are box averages: with n >= 32 pixels along an axis, pixel p
 * falls into cell p * 32 / n and a cell is the mean of the pixels that fall
 * into it, so a half-size copy of an image gives nearly the same grid.  With
 * fewer than 32 pixels a cell takes the nearest pixel, floor(c * n / 32).
 * Sums are integers, so the order in which rows arrive does not matter.
 */
#include <math.h>
#include <pthread.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "probe-int.h"

#define NCOEF 8  /* the hash keeps NCOEF x NCOEF low frequencies */
/* Tallest image whose band column sums fit 32 bits: 255 * (h / 32 + 1). */
#define BAND_MAX_H (1u << 28)

static uint32_t ceil_div(uint64_t a, uint64_t b)
{
	return (uint32_t)((a + b - 1) / b);
}

/* Cells [*c0, *c1) that pixel p of an axis of n pixels contributes to. */
static void span(uint32_t p, uint32_t n, uint32_t *c0, uint32_t *c1)
{
	if (n >= PHASH_GRID) {
		*c0 = (uint32_t)((uint64_t)p * PHASH_GRID / n);
		*c1 = *c0 + 1;
	} else {
		*c0 = ceil_div((uint64_t)p * PHASH_GRID, n);
		*c1 = ceil_div((uint64_t)(p + 1) * PHASH_GRID, n);
	}
}

/* Number of pixels of an axis of n pixels that cell c averages. */
static uint32_t cell_count(uint32_t c, uint32_t n)
{
	if (n < PHASH_GRID)
		return 1;
	return ceil_div((uint64_t)(c + 1) * n, PHASH_GRID) -
	       ceil_div((uint64_t)c * n, PHASH_GRID);
}

void phash_acc_init(struct phash_acc *a, uint32_t w, uint32_t h)
{
	memset(a, 0, sizeof(*a));
	a->w = w;
	a->h = h;
	a->band = -1;
	for (uint32_t c = 0; c <= PHASH_GRID; c++)
		a->xs[c] = ceil_div((uint64_t)c * w, PHASH_GRID);
}

/*
 * Luma in 1/65536 units: libjpeg's fixed-point BT.601 weights, so that a
 * PNG and a JPEG of the same pixels give the same grid.  Summing channels
 * per cell and weighting once is cheaper than a luma pass over every pixel.
 */
#define LUMA_ONE 65536u
static uint64_t luma(uint64_t r, uint64_t g, uint64_t b)
{
	return 19595 * r + 38470 * g + 7471 * b;
}

/* Cell sums of a row of T (bytes of a pixel row, or the column sums of a
 * band): the luma of summed channels is the sum of the pixels' lumas, as
 * the weights are integers.  The hot loop of every decode. */
#define DEFINE_CELL_SUMS(name, T)						\
static void name(const struct phash_acc *a, const T *v, int rgb,		\
		 uint64_t rs[PHASH_GRID])					\
{										\
	for (uint32_t c = 0; c < PHASH_GRID; c++) {				\
		uint64_t r = 0, g = 0, b = 0;					\
										\
		if (rgb) {							\
			for (size_t i = 3 * (size_t)a->xs[c];			\
			     i < 3 * (size_t)a->xs[c + 1]; i += 3) {		\
				r += v[i];					\
				g += v[i + 1];					\
				b += v[i + 2];					\
			}							\
			rs[c] = luma(r, g, b);					\
		} else {							\
			for (uint32_t x = a->xs[c]; x < a->xs[c + 1]; x++)	\
				g += v[x];					\
			rs[c] = g * LUMA_ONE;					\
		}								\
	}									\
}
DEFINE_CELL_SUMS(sum_full_row, unsigned char)
DEFINE_CELL_SUMS(sum_cols, uint32_t)

/* Moves the band's column sums into its grid row. */
static void flush_band(struct phash_acc *a)
{
	uint64_t rs[PHASH_GRID];
	size_t n = (size_t)a->w * (a->band_rgb ? 3 : 1);

	if (a->band < 0)
		return;
	sum_cols(a, a->col, a->band_rgb, rs);
	for (uint32_t c = 0; c < PHASH_GRID; c++)
		a->sum[a->band][c] += rs[c];
	memset(a->col, 0, n * sizeof(a->col[0]));
	a->band = -1;
}

/* Adds a whole row to its band's column sums (w, h >= PHASH_GRID, so the
 * row is in exactly one grid row).  No column sum can overflow: a band
 * has at most ceil(h / 32) rows and h <= BAND_MAX_H. */
static void add_to_band(struct phash_acc *a, uint32_t y,
			const unsigned char *restrict px, int rgb)
{
	int band = (int)((uint64_t)y * PHASH_GRID / a->h);
	size_t n = (size_t)a->w * (rgb ? 3 : 1);
	uint32_t *restrict col = a->col;
	size_t i = 0;

	if (band != a->band || rgb != a->band_rgb) {
		flush_band(a);
		a->band = band;
		a->band_rgb = rgb;
	}
#ifdef __SSE2__
	const __m128i z = _mm_setzero_si128();

	for (; i + 16 <= n; i += 16) {
		__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(px + i));
		__m128i lo = _mm_unpacklo_epi8(b, z), hi = _mm_unpackhi_epi8(b, z);
		__m128i *c = (__m128i *)(void *)(col + i);

		_mm_storeu_si128(c, _mm_add_epi32(_mm_loadu_si128(c),
						  _mm_unpacklo_epi16(lo, z)));
		_mm_storeu_si128(c + 1, _mm_add_epi32(_mm_loadu_si128(c + 1),
						      _mm_unpackhi_epi16(lo, z)));
		_mm_storeu_si128(c + 2, _mm_add_epi32(_mm_loadu_si128(c + 2),
						      _mm_unpacklo_epi16(hi, z)));
		_mm_storeu_si128(c + 3, _mm_add_epi32(_mm_loadu_si128(c + 3),
						      _mm_unpackhi_epi16(hi, z)));
	}
#endif
	for (; i < n; i++)
		col[i] += px[i];
}

static void sum_sparse_row(const struct phash_acc *a, uint32_t x0,
			   uint32_t dx, const unsigned char *px, uint32_t n,
			   int rgb, uint64_t rs[PHASH_GRID])
{
	uint32_t x = x0, c0, c1;

	for (uint32_t i = 0; i < n && x < a->w; i++, x += dx) {
		const unsigned char *p = px + (rgb ? 3 * (size_t)i : i);
		uint64_t v = rgb ? luma(p[0], p[1], p[2]) : p[0] * LUMA_ONE;

		span(x, a->w, &c0, &c1);
		for (uint32_t c = c0; c < c1; c++)
			rs[c] += v;
	}
}

void phash_acc_row(struct phash_acc *a, uint32_t y, uint32_t x0, uint32_t dx,
		   const unsigned char *px, uint32_t n, int rgb)
{
	uint64_t rs[PHASH_GRID] = {0};
	uint32_t r0, r1;

	if (y >= a->h)
		return;
	if (x0 == 0 && dx == 1 && n == a->w && a->w >= PHASH_GRID &&
	    a->h >= PHASH_GRID && a->h <= BAND_MAX_H &&
	    (size_t)n * (rgb ? 3 : 1) <= PHASH_COLS) {
		add_to_band(a, y, px, rgb);
		return;
	}
	if (x0 == 0 && dx == 1 && n == a->w && a->w >= PHASH_GRID)
		sum_full_row(a, px, rgb, rs);
	else
		sum_sparse_row(a, x0, dx, px, n, rgb, rs);
	span(y, a->h, &r0, &r1);
	for (uint32_t r = r0; r < r1; r++)
		for (uint32_t c = 0; c < PHASH_GRID; c++)
			a->sum[r][c] += rs[c];
}

/* Orthonormal DCT-II basis: t[k][x] = a(k) cos(pi (2x + 1) k / 64),
 * computed once per process. */
static double basis[NCOEF][PHASH_GRID];
static pthread_once_t basis_once = PTHREAD_ONCE_INIT;

static void dct_basis(void)
{
	const double pi = 3.14159265358979323846;

	for (int k = 0; k < NCOEF; k++) {
		double scale = sqrt((k ? 2.0 : 1.0) / PHASH_GRID);

		for (int x = 0; x < PHASH_GRID; x++)
			basis[k][x] = scale * cos(pi * (2 * x + 1) * k /
						  (2 * PHASH_GRID));
	}
}

/* The low NCOEF x NCOEF coefficients of the 2-D DCT of the grid means. */
static void low_dct(const double m[PHASH_GRID][PHASH_GRID],
		    double out[NCOEF * NCOEF])
{
	const double (*t)[PHASH_GRID] = basis;
	double rows[PHASH_GRID][NCOEF];

	pthread_once(&basis_once, dct_basis);
	for (int y = 0; y < PHASH_GRID; y++)
		for (int u = 0; u < NCOEF; u++) {
			double s = 0;

			for (int x = 0; x < PHASH_GRID; x++)
				s += m[y][x] * t[u][x];
			rows[y][u] = s;
		}
	for (int v = 0; v < NCOEF; v++)
		for (int u = 0; u < NCOEF; u++) {
			double s = 0;

			for (int y = 0; y < PHASH_GRID; y++)
				s += t[v][y] * rows[y][u];
			out[v * NCOEF + u] = s;
		}
}

static double median64(const double in[NCOEF * NCOEF])
{
	double v[NCOEF * NCOEF];
	int n = NCOEF * NCOEF;

	memcpy(v, in, sizeof(v));
	for (int i = 1; i < n; i++) {  /* insertion sort: 64 values */
		double x = v[i];
		int j = i;

		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	return (v[n / 2 - 1] + v[n / 2]) / 2;
}

#define PHASH_EPS 1e-7

uint64_t phash_acc_finish(struct phash_acc *a)
{
	double m[PHASH_GRID][PHASH_GRID], coef[NCOEF * NCOEF], med;
	double cw[PHASH_GRID];
	uint64_t hash = 0;

	if (!a->w || !a->h)
		return 0;
	flush_band(a);
	for (uint32_t c = 0; c < PHASH_GRID; c++)
		cw[c] = (double)cell_count(c, a->w);
	for (uint32_t r = 0; r < PHASH_GRID; r++) {
		double rh = (double)LUMA_ONE * cell_count(r, a->h);
		for (uint32_t c = 0; c < PHASH_GRID; c++)
			m[r][c] = (double)a->sum[r][c] / (rh * cw[c]);
	}
	low_dct(m, coef);
	med = median64(coef);
	/* a coefficient that is 0 in exact arithmetic comes out as rounding
	 * noise (1e-13) for a flat image, a line or a 2x2 one: above the
	 * median by a margin far below any real difference of cell means
	 * (0..255), so such images hash alike on any CPU and compiler */
	for (int i = 0; i < NCOEF * NCOEF; i++)
		if (coef[i] > med + PHASH_EPS)
			hash |= 1ULL << (63 - i);
	return hash;
}

uint64_t gic_phash_gray(const unsigned char *gray, uint32_t w, uint32_t h)
{
	struct phash_acc a;

	if (!gray || !w || !h)
		return 0;
	phash_acc_init(&a, w, h);
	for (uint32_t y = 0; y < h; y++)
		phash_acc_row(&a, y, 0, 1, gray + (size_t)y * w, w, 0);
	return phash_acc_finish(&a);
}

int gic_hamming(uint64_t a, uint64_t b)
{
	return __builtin_popcountll(a ^ b);
}
