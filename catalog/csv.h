/*
 * csv.h - splitting delimited text records, shared by every reader of
 * user-written lists (prediction files, URL lists).
 */
#ifndef GIC_CSV_H
#define GIC_CSV_H

/* Strips spaces and tabs at the start and white space at the end, in
 * place; returns the new start. */
char *gic_trim(char *s);

/* Fields a record may have: wider files are refused, not misread. */
#define GIC_CSV_MAX_FIELDS 4096

/*
 * Splits a record in place into at most max fields at sep.  With quotes,
 * "a,b" is one field and "" inside it a quote (spaces around the quotes
 * are allowed); unquoted fields are trimmed.  Returns the number of fields
 * the record has (only max are stored: more than max is for the caller to
 * refuse), or < 0 when a quoted field is not one (gic_csv_why says how).
 */
int gic_csv_split(char *s, char sep, int quotes, char **f, int max);

/* What a negative gic_csv_split is (n), said alike by every reader: -1
 * a quote not closed, -2 text after the quote that closes a field. */
const char *gic_csv_why(int n);

/*
 * Maps a header row's n fields (trimmed, compared without case) to the
 * ncols known column names: col[c] is the field index of names[c], or -1.
 * Returns -1, or the index c of a name that two fields carry (a file
 * whose columns cannot be told apart).
 */
int gic_csv_columns(char **f, int n, const char *const *names, int ncols,
		    int *col);

/*
 * Records of a text, one after the other, modified in place.  A record
 * ends at a line ending (\n, \r\n or a lone \r), which becomes NUL;
 * with quotes (CSV), a line ending inside a quoted field belongs to the
 * field, so one record may span lines.  sep tells where fields start
 * (where a quote may open one).
 */
struct gic_records {
	char *pos;      /* the rest of the text */
	char sep;
	int quotes;
	int line;       /* the line the last record returned starts on */
	int next_line;  /* lines before the next record */
};

void gic_records_init(struct gic_records *r, char *text, char sep,
		      int quotes);

/* The next record, or NULL after the last. */
char *gic_records_next(struct gic_records *r);

#endif
