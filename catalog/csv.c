/*
 * csv.c - splitting CSV/TSV records (RFC 4180 quoting, one record a line).
 */
#include <ctype.h>
#include <string.h>

#include "csv.h"

char *gic_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Skips blanks that are not the separator. */
static char *blanks(char *s, char sep)
{
	while (*s == ' ' || (*s == '\t' && sep != '\t'))
		s++;
	return s;
}

int gic_csv_split(char *s, char sep, int quotes, char **f, int max)
{
	int n = 0;

	for (;;) {
		char *start, *o, c;
		int quoted;

		s = blanks(s, sep);
		start = o = s;
		if ((quoted = quotes && *s == '"')) {
			for (s++; *s != '"' || s[1] == '"'; s++) {
				if (!*s)
					return -1;
				*o++ = *s;
				s += *s == '"';
			}
			s = blanks(s + 1, sep);
			if (*s && *s != sep)
				return -1;
		} else {
			while (*s && *s != sep)
				*o++ = *s++;
		}
		c = *s;
		*o = '\0';
		if (n < max)
			f[n++] = quoted ? start : gic_trim(start);
		if (!c)
			return n;
		s++;
	}
}

int gic_csv_columns(char **f, int n, const char *const *names, int ncols,
		    int *col)
{
	for (int c = 0; c < ncols; c++)
		col[c] = -1;
	for (int i = 0; i < n; i++) {
		const char *name = gic_trim(f[i]);

		for (int c = 0; c < ncols; c++) {
			if (strcasecmp(name, names[c]))
				continue;
			if (col[c] >= 0)
				return c;
			col[c] = i;
		}
	}
	return -1;
}
