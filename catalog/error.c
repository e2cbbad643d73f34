/*
 * error.c - per-thread error messages and small shared helpers (growing
 * an array, SHA-256 of memory, file descriptors and files, as hex, the
 * "did you mean" of a misspelt name, the allocator's settings, and a
 * monotonic clock).
 *
 * Library functions report failures by returning a negative GIC_E* code
 * after calling gic_seterr() at the point where the failure is found; the
 * CLI reads gic_errmsg() and decides what to print and which exit code to
 * use.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#ifdef __GLIBC__
#include <malloc.h>
#include <math.h>
#endif
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "catalog.h"
#include "json.h"

static _Thread_local char errbuf[GIC_ERRMSG_MAX]; /* a task file's 50 errors */
static _Thread_local int errlines;       /* errbuf is lines (gic_seterr_lines) */

const char *gic_errmsg(void)
{
	return errbuf;
}

int gic_errmsg_lines(void)
{
	return errlines;
}

int gic_seterr(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
	va_end(ap);
	errlines = 0;
	return code;
}

int gic_seterr_lines(int code, const char *lines)
{
	snprintf(errbuf, sizeof(errbuf), "%s", lines);
	errlines = 1;
	return code;
}

void gic_clearerr(void)
{
	errbuf[0] = '\0';
	errlines = 0;
}

void gic_appendf(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len + 1 >= size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	*len = n < 0 || (size_t)n >= size - *len ? size - 1 : *len + (size_t)n;
}

int gic_strp_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int gic_grow(void *arr, size_t n, size_t *cap, size_t sz, size_t first)
{
	size_t want = *cap ? 2 * *cap : first;
	void *v;

	if (n < *cap)
		return 0;
	memcpy(&v, arr, sizeof(v));
	if (want <= n || want > SIZE_MAX / sz || !(v = realloc(v, want * sz)))
		return gic_seterr(GIC_ENOMEM, "out of memory");
	memcpy(arr, &v, sizeof(v));
	*cap = want;
	return 0;
}

int gic_path_within(const char *a, const char *b)
{
	size_t n = strlen(b);

	return !strncmp(a, b, n) &&
	       (!a[n] || a[n] == '/' || (n && b[n - 1] == '/'));
}

int gic_blank(const char *s)
{
	while (s && isspace((unsigned char)*s))
		s++;
	return !s || !*s;
}

size_t gic_text_step(const char *s, size_t left, int *esc)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len;

	*esc = 1;
	if (u[0] < 0x20 || u[0] == 0x7f)
		return 1;
	if (left > 1 && u[0] == 0xc2 && u[1] >= 0x80 && u[1] <= 0x9f)
		return 2;
	if (!(len = gic_utf8_len(u, left)))
		return 1;
	/* the bidirectional controls (U+061C, U+200E, U+200F, U+202A..E,
	 * U+2066..9): shown, they reorder the rest of the line; and the
	 * invisible U+200B, U+2060 and U+FEFF (a byte order mark inside a
	 * file): shown, two names that differ by them look alike */
	*esc = (len == 2 && u[0] == 0xd8 && u[1] == 0x9c) ||
	       (len == 3 && u[0] == 0xe2 && ((u[1] == 0x80 &&
		((u[2] >= 0xaa && u[2] <= 0xae) || u[2] == 0x8e || u[2] == 0x8f ||
		 u[2] == 0x8b)) ||
		(u[1] == 0x81 && ((u[2] >= 0xa6 && u[2] <= 0xa9) ||
				  u[2] == 0xa0)))) ||
	       (len == 3 && u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf);
	return len;
}

/* gic_esc of the first left bytes of s. */
static const char *esc_n(const char *s, size_t left, char *buf, size_t n)
{
	size_t o = 0;

	while (left && o + 17 <= n) {  /* 4 bytes as \xNN, and the NUL */
		int esc;
		size_t k = gic_text_step(s, left, &esc);

		for (size_t i = 0; i < k; i++)
			o += (size_t)(esc ? snprintf(buf + o, n - o, "\\x%02x",
						     (unsigned char)s[i]) :
				      snprintf(buf + o, n - o, "%c", s[i]));
		s += k;
		left -= k;
	}
	if (n)
		buf[o < n ? o : n - 1] = '\0';
	return buf;
}

const char *gic_esc(const char *s, char *buf, size_t n)
{
	return esc_n(s, s ? strlen(s) : 0, buf, n);
}

const char *gic_esc_cut(const char *s, size_t max, char *buf, size_t n)
{
	size_t k = strlen(s);

	if (k <= max)
		return esc_n(s, k, buf, n);
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;  /* not inside a UTF-8 character */
	esc_n(s, max, buf, n - 3);  /* room for the "..." */
	return strcat(buf, "...");
}

double gic_pct1(double frac)
{
	/* a count's fraction k/n is a tie (.x5) within 1e-9 or not at all */
	return floor(frac * 1000 + 0.5 + 1e-9) / 10;
}

void gic_unhex32(const char *hex, unsigned char md[32])
{
	for (int i = 0; i < 32; i++) {
		int hi = hex[2 * i], lo = hex[2 * i + 1];

		hi = hi <= '9' ? hi - '0' : hi - 'a' + 10;
		lo = lo <= '9' ? lo - '0' : lo - 'a' + 10;
		md[i] = (unsigned char)(hi << 4 | lo);
	}
}

void gic_hex32(const unsigned char md[32], char hex[GIC_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 0; i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[GIC_HEX_LEN] = '\0';
}

int gic_sha256_hex(const void *buf, size_t len, char hex[GIC_HEX_LEN + 1])
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	if (!EVP_Digest(buf, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
		return gic_seterr(GIC_ENOMEM, "SHA-256 failed");
	gic_hex32(md, hex);
	return 0;
}

int gic_sha256_fd(int fd, char hex[GIC_HEX_LEN + 1])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char md[32], *buf = malloc(1 << 16);
	unsigned int mdlen = 0;
	int rc = GIC_ENOMEM;
	off_t off = 0;
	ssize_t n;

	if (!ctx || !buf || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		rc = gic_seterr(GIC_ENOMEM, "out of memory");
		goto out;
	}
	while ((n = pread(fd, buf, 1 << 16, off)) > 0) {
		EVP_DigestUpdate(ctx, buf, (size_t)n);
		off += n;
	}
	if (n < 0) {
		rc = gic_seterr(GIC_EIO, "%s", strerror(errno));
		goto out;
	}
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	gic_hex32(md, hex);
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	free(buf);
	return rc;
}


int gic_sha256_file(const char *path, char hex[GIC_HEX_LEN + 1])
{
	return gic_sha256_file_at(AT_FDCWD, path, hex);
}

int gic_sha256_file_at(int dfd, const char *path, char hex[GIC_HEX_LEN + 1])
{
	char why[512];
	int rc = gic_sha256_at(dfd, path, hex);

	if (rc < 0) {
		snprintf(why, sizeof(why), "%.*s", (int)sizeof(why) - 1,
			 gic_errmsg());
		gic_seterr(rc, "'%s': %s", path, why);
	}
	return rc;
}

int gic_sha256_at(int dfd, const char *path, char hex[GIC_HEX_LEN + 1])
{
	/* O_NONBLOCK: a FIFO is refused below, not waited on */
	int fd = openat(dfd, path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), rc;
	struct stat st;

	if (fd < 0)
		return gic_seterr(GIC_EIO, "%s", strerror(errno));
	if (fstat(fd, &st) < 0)
		rc = gic_seterr(GIC_EIO, "stat: %s", strerror(errno));
	else if (!S_ISREG(st.st_mode))
		rc = gic_seterr(GIC_EIO, "not a regular file (%s)",
				gic_file_kind(st.st_mode));
	else
		rc = gic_sha256_fd(fd, hex);
	close(fd);
	return rc;
}

/* path opened for reading as an input file (not a directory): *fd. */
static int open_input(const char *path, int *fd)
{
	struct stat st;

	if ((*fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return gic_seterr(errno == ENOENT ? GIC_ENOTFOUND : GIC_EIO,
				  "cannot open: %s%s", strerror(errno),
				  errno == ENOENT && !strcmp(path, "-") ?
				  " (- is no standard input here: give "
				  "/dev/stdin)" : "");
	if (fstat(*fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(*fd);
		*fd = -1;
		return gic_seterr(GIC_ENOTFOUND, "is a directory, not a file");
	}
	return 0;
}

int gic_input_readable(const char *path)
{
	struct stat st;
	int fd, rc;

	/* a pipe is left to its one reading: opened twice, its writer could
	 * meet no reader between the two */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		return 0;
	if ((rc = open_input(path, &fd)) == 0)
		close(fd);
	return rc;
}

int gic_read_input(const char *path, size_t max, char **buf, size_t *len)
{
	int fd, rc;
	size_t cap = 65536, n = 0;
	ssize_t got;
	char *b = NULL, *nul;

	*buf = NULL;
	*len = 0;
	if ((rc = open_input(path, &fd)) < 0)
		return rc;
	for (;;) {
		if (n + 1 >= cap || !b) {
			char *nb = n + 1 >= cap ? realloc(b, cap *= 2) : malloc(cap);
			if (!nb) {
				rc = gic_seterr(GIC_ENOMEM, "out of memory");
				break;
			}
			b = nb;
		}
		if ((got = read(fd, b + n, cap - n - 1)) < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = gic_seterr(GIC_EIO, "read: %s", strerror(errno));
			break;
		}
		if (got == 0)
			break;
		if ((nul = memchr(b + n, '\0', (size_t)got))) {
			size_t line = 1;

			for (const char *c = b; c < nul; c++)
				line += *c == '\n';
			rc = gic_seterr(GIC_EUSAGE, "not a text file (NUL byte, "
					"line %zu)", line);
			break;
		}
		if ((n += (size_t)got) > max) {
			rc = gic_seterr(GIC_EUSAGE, "larger than %zu bytes", max);
			break;
		}
	}
	close(fd);
	if (rc < 0) {
		free(b);
		return rc;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

int gic_is_hex_sha(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");

	return n == GIC_HEX_LEN && s[n] == '\0';
}

/* Levenshtein distance of the n-byte a (case aside) to b, both short. */
static size_t distance(const char *a, size_t an, const char *b, size_t bn)
{
	size_t row[GIC_SUGGEST_LONGEST + 1];

	for (size_t j = 0; j <= bn; j++)
		row[j] = j;
	for (size_t i = 1; i <= an; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= bn; j++) {
			size_t up = row[j], best = diag +
				(tolower((unsigned char)a[i - 1]) !=
				 tolower((unsigned char)b[j - 1]));

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[bn];
}

int gic_suggest_closer(const char *name, size_t n, const char *word,
		       size_t *best)
{
	size_t wn = strlen(word), d;

	/* so far apart in length, the distance is too */
	if (wn > GIC_SUGGEST_LONGEST || n >= wn + GIC_SUGGEST_FAR)
		return 0;
	d = distance(name, n, word, wn);
	if (d >= *best || 2 * d > n) /* short names: one edit per two bytes */
		return 0;
	*best = d;
	return 1;
}

const char *gic_nearest(const char *name, const char *const *words, size_t n)
{
	size_t best = GIC_SUGGEST_FAR;
	const char *near = NULL;

	for (size_t i = 0; i < n; i++)
		if (gic_suggest_closer(name, strlen(name), words[i], &best))
			near = words[i];
	return near;
}

int gic_unknown(const char *what, const char *name, const char *const *words,
		size_t n, const char *list)
{
	const char *near;

	name = name ? name : "";
	if ((near = gic_nearest(name, words, n)))
		return gic_seterr(GIC_EUSAGE, "unknown %s '%s' (did you mean "
				  "'%s'?)", what, name, near);
	return gic_seterr(GIC_EUSAGE, "unknown %s '%s' (%s)", what, name, list);
}

/*
 * Image buffers are large (a 512x512 RGB image is 768 KiB) and come and
 * go by the thousand.  By default glibc maps each one above 128 KiB
 * afresh and gives freed heap tops back, so every image pays its page
 * faults again: a third of degrade's time, more where faults are dear
 * (some virtual machines).  Buffers below 32 MiB now come from the heap,
 * and up to 256 MiB free at its top is kept for the next image.
 */
void gic_malloc_tune(void)
{
#ifdef __GLIBC__
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
}

double gic_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int gic_dirent_is_dir(int dfd, const struct dirent *e)
{
	struct stat st;

	if (e->d_type != DT_UNKNOWN)
		return e->d_type == DT_DIR;
	return fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISDIR(st.st_mode);
}

const char *gic_file_kind(unsigned mode)
{
	return S_ISDIR(mode) ? "a directory" : S_ISLNK(mode) ?
	       "a symbolic link" : S_ISFIFO(mode) ? "a FIFO" : S_ISREG(mode) ?
	       "a file" : "a device or socket";
}

int gic_decimal(const char *s, double *out)
{
	const char *p = s + (*s == '+' || *s == '-');
	size_t digits = 0;

	for (; isdigit((unsigned char)*p); p++)
		digits++;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			digits++;
	if (!digits)
		return 0;
	if (*p == 'e' || *p == 'E') {
		p++;
		p += *p == '+' || *p == '-';
		if (!isdigit((unsigned char)*p))
			return 0;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p)
		return 0;
	*out = strtod(s, NULL) + 0.0;  /* -0 as 0 */
	return 1;
}

uint64_t gic_fnv1a(const char *s)
{
	uint64_t h = 14695981039346656037u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211u;
	return h;
}

void gic_shell_word(const char *s, char *out, size_t n)
{
	size_t o = 0;

	if (!s[strspn(s, "abcdefghijklmnopqrstuvwxyz"
		      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/")]) {
		snprintf(out, n, "%s", s);
		return;
	}
	out[o++] = '\'';
	for (; *s && o + 6 < n; s++)
		if (*s == '\'') {
			memcpy(out + o, "'\\''", 4);
			o += 4;
		} else {
			out[o++] = *s;
		}
	out[o++] = '\'';
	out[o] = '\0';
}
