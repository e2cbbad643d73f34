/*
 * csv.h - splitting delimited text records, shared by every reader of
 * user-written lists (prediction files, URL lists).
 */
#ifndef GIC_CSV_H
#define GIC_CSV_H

/* Strips spaces and tabs at the start and white space at the end, in
 * place; returns the new start. */
char *gic_trim(char *s);

/*
 * Splits a record in place into at most max fields at sep.  With quotes,
 * "a,b" is one field and "" inside it a quote (spaces around the quotes
 * are allowed); unquoted fields are trimmed.  Returns the number of fields
 * stored (fields past max are dropped), or -1 when a quote is not closed
 * where its field ends.
 */
int gic_csv_split(char *s, char sep, int quotes, char **f, int max);

#endif
