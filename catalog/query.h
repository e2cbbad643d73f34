/*
 * query.h - the query language: its fields, compiling an EXPR to a WHERE
 * fragment with every literal bound.  Part of catalog.h's public API,
 * which includes it.
 */
#ifndef GIC_QUERY_H
#define GIC_QUERY_H

#include <stddef.h>
#include <stdint.h>

enum gic_ftype { GIC_FT_TEXT, GIC_FT_INT };

struct gic_field {
	const char *name;     /* user-visible name: "generator" */
	const char *sql;      /* column of the v_entries view: "generator" */
	enum gic_ftype type;
	int name_like;        /* a free name taking one value (dataset,
				 generator, split...): an EXPR asking for
				 one no entry has gets gic_select_hint */
	int list;             /* space-separated values (license): = and
				 in test membership, ~ the whole text */
};
/* SQL true when field f holds the next parameter ('?'): equal to it, or
 * for a list field one of its values; into buf. */
const char *gic_field_match_sql(const struct gic_field *f, char *buf,
				size_t size);
/* NULL-terminated table of queryable fields, in output order. */
const struct gic_field *gic_fields(void);
const struct gic_field *gic_field_find(const char *name);
const struct gic_field *gic_field_find_n(const char *name, size_t n);
/* What follows "unknown field 'NAME'" for the n-byte name: " (did you
 * mean 'F'?)" of the field it most likely means (a word or the start of
 * one, another tool's word for it, a near spelling), else where the
 * fields are listed. */
const char *gic_field_hint(const char *name, size_t n, char *buf,
			   size_t size);
/* 0 when text value s is one col can hold (a closed vocabulary: label,
 * format, storage; a wnid's shape, and with as_class, a known class's
 * wnid); else -1 and why. */
int gic_field_value_check(const struct gic_field *col, const char *s,
			  int as_class, char *why, size_t size);

struct gic_param {
	enum gic_ftype type;
	int64_t i;
	char *s;              /* owned */
	const struct gic_field *eq; /* the field a text value must equal (=,
				       in; not under not), else NULL: for
				       gic_select_hint */
	int list;             /* values of one 'in' list share a number > 0 */
	const struct gic_field *glob; /* the field a '~' value must match
				       (not under not), else NULL: for
				       gic_select_hint */
};

struct gic_sql {
	char *where;          /* SQL boolean expression over v_entries with '?'
				 placeholders; "1" for an empty expression */
	struct gic_param *params;
	size_t nparams;
};

/*
 * Compiles EXPR to a WHERE fragment.  On a syntax error or unknown field
 * returns GIC_EUSAGE, *errcol = 1-based column of the offending token and
 * the message names it ("unknown field 'genrator'").  No text of expr is
 * ever pasted into the SQL: literals become bound parameters.
 */
int gic_query_compile(const char *expr, struct gic_sql *out, int *errcol);
/* What gic_query_compile_without took out of expr. */
struct gic_qdropped {
	int found;            /* 0: expr has no comparison of that number */
	size_t from, len;     /* the comparison's text in expr */
	const char *field;    /* its field's name */
	int negated;          /* a 'not' encloses it */
};
/* expr with its k-th comparison (from 0, in reading order) compiled as
 * true: which of a select's conditions finds nothing. */
int gic_query_compile_without(const char *expr, int k, struct gic_sql *out,
			      struct gic_qdropped *d);
/* s as a string of the query language ('it''s'), for a command to
 * suggest; malloc'd, NULL when out of memory. */
char *gic_query_string(const char *s);
void gic_sql_release(struct gic_sql *sql);

#endif
