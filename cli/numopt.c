/*
 * numopt.c - numeric option values: counts and times (digits only, in a
 * range), sizes and pixel limits (with k, M, G), --distance; each wrong
 * value a usage error naming the option and the value.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nearidx.h"

/* A decimal number with an optional suffix from units ("kMG"), each a
 * power of base (1000 or 1024); -1 on anything else or an overflow. */
static int parse_scaled(const char *s, uint64_t base, uint64_t *out)
{
	static const char units[] = "kMG";
	char *end;
	const char *u;
	unsigned long long v;
	uint64_t mul = 1;

	errno = 0;
	if (*s < '0' || *s > '9') /* strtoull would take " 5", "-5", "+5" */
		return -1;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	if (*end && (u = strchr(units, *end == 'K' ? 'k' : *end))) {
		for (const char *p = units; p <= u; p++)
			mul *= base;
		end++;
	}
	if (*end || v > UINT64_MAX / mul)
		return -1;
	*out = v * mul;
	return 0;
}

/* A number, optionally with a binary suffix (k or K = 1024, M, G), for
 * bytes; -1 when it is not one or overflows. */
static int parse_u64(const char *s, uint64_t *out)
{
	return parse_scaled(s, 1024, out);
}

/* The same with decimal suffixes (k or K = 1000, M = 10^6, G = 10^9). */
static int parse_count(const char *s, uint64_t *out)
{
	return parse_scaled(s, 1000, out);
}

int cli_number_opt(const char *cmd, const char *opt, const char *v,
		   uint64_t lo, uint64_t hi, uint64_t *out)
{
	/* digits only: k of seconds or of bits is no unit, and "1k" jobs
	 * or matches read as 1024 surprise whoever meant 1000 */
	int digits = *v && !v[strspn(v, "0123456789")];

	if (digits && parse_count(v, out) == 0 && *out >= lo && *out <= hi)
		return -1;
	/* a bound no one types (--limit, --grace) is not a range to show */
	if (hi < INT64_MAX)
		return cli_usage_error(cmd, "%s takes %llu..%llu, not '%s'", opt,
				       (unsigned long long)lo,
				       (unsigned long long)hi, v);
	if (!digits)
		return cli_usage_error(cmd, "%s takes a whole number (digits "
				       "only), not '%s'", opt, v);
	if (parse_count(v, out) == 0 && *out < lo)
		return cli_usage_error(cmd, "%s takes %llu or more, not '%s'",
				       opt, (unsigned long long)lo, v);
	return cli_usage_error(cmd, "%s takes at most %llu, not '%s'", opt,
			       (unsigned long long)hi, v);
}

int cli_distance_opt(const char *cmd, const char *v, int *out)
{
	uint64_t d;
	int rc = cli_number_opt(cmd, "--distance", v, 0, GIC_NEAR_MAX_DISTANCE,
				&d);

	if (rc >= 0)
		return rc;
	*out = (int)d;
	return 0;
}

int cli_limit_opt(const char *cmd, const char *opt, const char *v,
		  uint64_t *out)
{
	int pixels = !strcmp(opt, "--max-pixels");

	if ((pixels ? parse_count(v, out) : parse_u64(v, out)) < 0 ||
	    *out == 0)
		return cli_usage_error(cmd, "%s takes a positive number, with "
				       "k, M or G for %s (e.g. %s), not '%s'",
				       opt, pixels ? "10^3, 10^6, 10^9" :
				       "KiB, MiB, GiB", pixels ? "100M" : "64M",
				       v);
	return -1;
}
