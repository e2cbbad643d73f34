/*
 * degrade - the degradation benchmark's corpus and its gicat side.
 *
 *   degrade --make N DIR   writes N 512x512 RGB PNGs, DIR/img-NNNNN.png:
 *                          smooth colour fields, edges and fine texture
 *                          (about 1.6 bytes per pixel at zlib level 6, like
 *                          generator output saved by PIL), from a fixed
 *                          seed, so two runs write identical files
 *   degrade DIR            for each chain of the benchmark, reads every
 *                          DIR/NAME.png, runs gic_degrade_bytes() on it (decode,
 *                          operation, encode) on one thread, and prints
 *                          CHAIN FILES CPU_SECONDS IMAGES_PER_S OUTPUT_BYTES;
 *                          then the same for decoding alone ("decode")
 *
 * bench/degrade_pil.py does the same with PIL; bench/degrade.sh compares.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "degrade.h"

#define SIDE 512

/* The benchmark's chains, then "decode" alone: what every chain shares. */
static const char *const chains[] = {
	"jpeg(quality=30)", "blur(sigma=3)", "resize(short=112)", "decode", NULL,
};

static uint64_t next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Gradients plus a few discs plus +-6 of noise per sample. */
static void paint(struct gic_pixels *p, uint64_t seed)
{
	int base[3], gx[3], gy[3], disc[4][6];

	for (int c = 0; c < 3; c++) {
		base[c] = (int)(next(&seed) % 160) + 40;
		gx[c] = (int)(next(&seed) % 61) - 30;
		gy[c] = (int)(next(&seed) % 61) - 30;
	}
	for (int d = 0; d < 4; d++)
		for (int k = 0; k < 6; k++)
			disc[d][k] = (int)(next(&seed) % (k < 2 ? SIDE : k < 3 ?
						     SIDE / 3 : 256));
	for (int y = 0; y < SIDE; y++)
		for (int x = 0; x < SIDE; x++) {
			unsigned char *px = p->rgb + 3 * ((size_t)y * SIDE + x);
			uint64_t r = next(&seed);

			for (int c = 0; c < 3; c++) {
				int v = base[c] + gx[c] * x / SIDE + gy[c] * y / SIDE;

				for (int d = 0; d < 4; d++) {
					int dx = x - disc[d][0], dy = y - disc[d][1];

					if (dx * dx + dy * dy < disc[d][2] * disc[d][2])
						v = (v + disc[d][3 + c]) / 2;
				}
				v += (int)((r >> (8 * c)) % 13) - 6;
				px[c] = (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
			}
		}
}

static int make(long n, const char *dir)
{
	struct gic_pixels p;
	char path[4096];

	if (gic_pixels_init(&p, SIDE, SIDE) < 0)
		return 1;
	for (long i = 0; i < n; i++) {
		unsigned char *png;
		size_t len;
		FILE *f;

		paint(&p, 0x6465677261646531ULL + (uint64_t)i);
		if (gic_pixels_encode_png(&p, 6, &png, &len) < 0)
			return fprintf(stderr, "degrade: %s\n", gic_errmsg()), 1;
		snprintf(path, sizeof(path), "%s/img-%05ld.png", dir, i);
		if (!(f = fopen(path, "wb")) || fwrite(png, 1, len, f) != len ||
		    fclose(f))
			return perror(path), 1;
		free(png);
	}
	gic_pixels_release(&p);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted paths of the .png files in dir. */
static char **list(const char *dir, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **v = NULL;

	*n = 0;
	while (d && (e = readdir(d))) {
		size_t l = strlen(e->d_name);

		if (l < 4 || strcmp(e->d_name + l - 4, ".png"))
			continue;
		v = realloc(v, (*n + 1) * sizeof(*v));
		if (!v || asprintf(&v[*n], "%s/%s", dir, e->d_name) < 0)
			exit(3);
		++*n;
	}
	if (d)
		closedir(d);
	qsort(v, *n, sizeof(*v), by_name);
	return v;
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *b;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0)
		exit(3);
	rewind(f);
	if (!(b = malloc((size_t)n + 1)) || fread(b, 1, (size_t)n, f) != (size_t)n)
		exit(3);
	fclose(f);
	*len = (size_t)n;
	return b;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One file through one chain (ops NULL: decoding only); bytes written. */
static size_t one(const char *path, const struct gic_ops *ops)
{
	struct gic_pixels px;
	size_t len, outlen = 0;
	unsigned char *in = slurp(path, &len), *out = NULL;
	int rc = ops ? gic_degrade_bytes(in, len, ops, &out, &outlen)
		     : gic_pixels_decode(in, len, 0, &px);

	if (rc < 0) {
		fprintf(stderr, "degrade: %s: %s\n", path, gic_errmsg());
		exit(3);
	}
	if (!ops)
		gic_pixels_release(&px);
	free(in);
	free(out);
	return outlen;
}

static int run(const char *dir)
{
	size_t n;
	char **files = list(dir, &n);

	if (!n)
		return fprintf(stderr, "degrade: no .png in %s\n", dir), 1;
	for (const char *const *c = chains; *c; c++) {
		struct gic_ops ops;
		unsigned long long total = 0;
		double t0 = now(), t;
		int decode_only = !strcmp(*c, "decode");

		if (!decode_only && gic_ops_parse(*c, &ops) < 0)
			return fprintf(stderr, "degrade: %s\n", gic_errmsg()), 1;
		for (size_t i = 0; i < n; i++)
			total += one(files[i], decode_only ? NULL : &ops);
		t = now() - t0;
		printf("%s %zu %.3f %.1f %llu\n", *c, n, t, n / t, total);
	}
	for (size_t i = 0; i < n; i++)
		free(files[i]);
	free(files);
	return 0;
}

int main(int argc, char **argv)
{
	gic_malloc_tune();  /* as gicat does: PIL keeps its blocks too */
	if (argc == 4 && !strcmp(argv[1], "--make"))
		return make(atol(argv[2]), argv[3]);
	if (argc == 2 && argv[1][0] != '-')
		return run(argv[1]);
	fputs("usage: degrade --make N DIR | degrade DIR\n", stderr);
	return 2;
}
