/*
 * error.c - per-thread error messages and small shared helpers (hex SHA-256).
 *
 * Library functions report failures by returning a negative GIC_E* code
 * after calling gic_seterr() at the point where the failure is found; the
 * CLI reads gic_errmsg() and decides what to print and which exit code to
 * use.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "catalog.h"

static _Thread_local char errbuf[1024];

const char *gic_errmsg(void)
{
	return errbuf;
}

int gic_seterr(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
	va_end(ap);
	return code;
}

void gic_clearerr(void)
{
	errbuf[0] = '\0';
}

int gic_sha256_hex(const void *buf, size_t len, char hex[GIC_HEX_LEN + 1])
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	static const char digits[] = "0123456789abcdef";

	if (!EVP_Digest(buf, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
		return gic_seterr(GIC_ENOMEM, "SHA-256 failed");
	for (int i = 0; i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[GIC_HEX_LEN] = '\0';
	return 0;
}

int gic_is_hex_sha(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");

	return n == GIC_HEX_LEN && s[n] == '\0';
}
