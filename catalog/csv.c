/*
 * csv.c - CSV/TSV records: where they end, and their fields (RFC 4180
 * quoting, quoted fields may span lines).
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
				return -2;
		} else {
			while (*s && *s != sep)
				*o++ = *s++;
		}
		c = *s;
		*o = '\0';
		if (n < max)
			f[n] = quoted ? start : gic_trim(start);
		n++;
		if (!c)
			return n;
		s++;
	}
}

const char *gic_csv_why(int n)
{
	return n == -2 ? "text after the quote that closes a field (a quote "
			 "inside a field is doubled: \"\")" :
			 "a quote is not closed where its field ends";
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

void gic_records_init(struct gic_records *r, char *text, char sep,
		      int quotes)
{
	r->pos = text;
	r->sep = sep;
	r->quotes = quotes;
	r->line = r->next_line = 0;
}

/* Ends the record at *s, a line ending (or the end of the text). */
static char *cut(struct gic_records *r, char *start, char *s)
{
	char c = *s;

	*s = '\0';
	if (c == '\r' && s[1] == '\n')
		s++;
	r->pos = c ? s + 1 : NULL;
	return start;
}

char *gic_records_next(struct gic_records *r)
{
	char *start = r->pos, *s = start;
	int field_start = 1, spans = 0;

	if (!s || (!*s && r->line > 0))
		return NULL;
	for (;; s++) {
		char c = *s;

		if (c == '\0' || c == '\n' || c == '\r') {
			r->line = r->next_line + 1;
			r->next_line += 1 + spans;
			return cut(r, start, s);
		}
		if (field_start && r->quotes && c == '"') {
			char *eol = NULL;
			int n = 0;

			for (s++; *s && (*s != '"' || s[1] == '"'); s++) {
				if (*s == '"') {
					s++;
				} else if (*s == '\n' || *s == '\r') {
					eol = eol ? eol : s;
					n += *s == '\n' || s[1] != '\n';
				}
			}
			/* a quote never closed ends at its line's end (where
			 * the split reports it), not at the end of the text */
			if (!*s) {
				s = eol ? eol - 1 : s - 1;
				n = 0;
			}
			spans += n;
			field_start = 0;
		} else if (c == r->sep) {
			field_start = 1;
		} else if (c != ' ' && c != '\t') {
			field_start = 0;
		}
	}
}
