/*
 * query.c - the query language (SPEC §3), compiled by a recursive-descent
 * parser into a WHERE fragment over the v_entries view.
 *
 * Field names are looked up in query-fields.c and only the table's column
 * names reach the SQL; every literal becomes a bound parameter, so no byte
 * of the user's expression is ever pasted into SQL.
 *
 *   expr    := and_expr { "or" and_expr }
 *   and_expr:= unary { "and" unary }
 *   unary   := "not" unary | "(" expr ")" | cmp
 *   cmp     := FIELD ("=" | "!=" | "<" | "<=" | ">" | ">=") value
 *            | FIELD "~" value                       (glob, GLOB)
 *            | FIELD "in" "(" value { "," value } ")"
 *            | FIELD "in" value ".." value            (inclusive)
 *   value   := 'text' | "text" | integer | bare-word | null
 *
 * Keywords (and or not in null) are case-insensitive; inside quotes the
 * quote character is written twice ('it''s'); backslash is an ordinary
 * character.  A comparison with a missing (NULL) column is false, except
 * that != is true, and "not" is the exact complement of what it negates:
 * "generator != sd14" and "not generator = sd14" both include real images.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "query-int.h"

#define MAX_EXPR 65536
#define MAX_DEPTH 24            /* SQLite's parser stack (100) holds
				   about 90 nots, but only 29 levels of
				   parentheses around or-chains */
#define MAX_JOINS 500           /* 'and'/'or' per expression: with the
				   nesting, within SQLite's expression
				   depth of 1000 */
#define MAX_IN 10000
#define MAX_PARAMS 30000        /* SQLite allows 32766 per statement */
#define MAX_GLOB 50000          /* SQLite's longest GLOB pattern: past
				   it, the query fails at its first row */

/* SQL of each enum op; != is IS NOT so that it holds for NULL columns */
static const char *const sql_ops[] = { "=", "IS NOT", "<", "<=", ">", ">=",
				       "GLOB" };

static int unknown_field(struct parser *p, const struct tok *t)
{
	char hint[80];

	return gic_qfail(p, t, "unknown field '%.*s'%s", (int)(t->n > 40 ? 40 :
			 t->n), t->s, gic_field_hint(t->s, t->n, hint,
						     sizeof(hint)));
}

/* ---- output -------------------------------------------------------- */

static int emit(struct parser *p, const char *s)
{
	size_t n = strlen(s);

	if (p->len + n + 1 > p->cap) {
		size_t cap = (p->len + n + 1) * 2;
		char *nb = realloc(p->sql, cap);

		if (!nb)
			return gic_seterr(GIC_ENOMEM, "out of memory");
		p->sql = nb;
		p->cap = cap;
	}
	memcpy(p->sql + p->len, s, n + 1);
	p->len += n;
	return 0;
}

/* Appends a parameter; takes ownership of s even on failure. */
static int add_param(struct parser *p, const struct tok *at,
		     enum gic_ftype type, int64_t i, char *s,
		     const struct gic_field *eq)
{
	if (p->nparams == MAX_PARAMS) {
		free(s);
		return gic_qfail(p, at, "too many values (limit %d)", MAX_PARAMS);
	}
	if (gic_grow(&p->params, p->nparams, &p->pcap, sizeof(*p->params),
		     8) < 0) {
		free(s);
		return GIC_ENOMEM;
	}
	p->params[p->nparams++] = (struct gic_param){ type, i, s,
		p->negated ? NULL : eq, p->list, NULL };
	return 0;
}

/* The text of a value token: a word as written, a string unquoted. */
static char *value_text(const struct tok *v)
{
	char *out = malloc(v->n + 1), *o = out;

	if (!out)
		return NULL;
	if (v->kind != T_STR) {
		memcpy(out, v->s, v->n);
		o += v->n;
	} else {
		for (size_t i = 1; i + 1 < v->n; i++) {
			*o++ = v->s[i];
			if (v->s[i] == v->s[0])
				i++;    /* '' stands for one ' */
		}
	}
	*o = '\0';
	return out;
}

/* ---- values -------------------------------------------------------- */

static int is_value(enum tkind k)
{
	return k == T_WORD || k == T_STR || k == T_NULL;
}

static int is_keyword(enum tkind k)
{
	return k == T_AND || k == T_OR || k == T_NOT || k == T_IN;
}

/* 0 and *out for an optionally negative decimal integer, -1 if s is not
 * one, -2 if it does not fit in 64 bits. */
static int to_int(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (!isdigit((unsigned char)s[*s == '-']))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end)
		return -1;
	if (errno == ERANGE)
		return -2;
	*out = v;
	return 0;
}

/* The column a value is compared with: f's own, except that "class" also
 * takes a wnid ("class = n01440764"), which is compared with wnid. */
static const struct gic_field *column_for(const struct gic_field *f,
					  const struct tok *v)
{
	const char *s = v->s + (v->kind == T_STR);
	size_t n = v->n - (v->kind == T_STR ? 2 : 0);

	if (strcmp(f->name, "class") == 0 && n == 9 && s[0] == 'n' &&
	    strspn(s + 1, "0123456789") >= 8)
		return gic_field_find("wnid");
	return f;
}

/* For = != and lists: is s a value that col (for field f) can hold? */
static int check_text(struct parser *p, const struct gic_field *f,
		      const struct gic_field *col, const struct tok *v,
		      const char *s)
{
	char why[160];

	if (gic_field_value_check(col, s, f != col, why, sizeof(why)) < 0)
		return gic_qfail(p, v, "%s", why);
	return 0;
}

/* After "'class' takes an integer or a wnid, got 's'", when s names no
 * class: a wnid's form for "n0144", else how to find classes by a word
 * of their names ("dog"). */
static void class_hint(const char *s, char *out, size_t size)
{
	if (s[0] == 'n' && isdigit((unsigned char)s[1]))
		snprintf(out, size, " (a wnid is 'n' and 8 digits)");
	else if (isalpha((unsigned char)*s) && !strpbrk(s, "'*?[\\") &&
		 strlen(s) < 64)
		snprintf(out, size, " (class_name ~ '*%s*' finds the classes "
			 "whose names hold it)", s);
}

/* A token's text for "%.*s", at most 40 bytes of it. */
#define TOK_SHOWN(t) ((t).n < 40 ? (int)(t).n : 40), (t).s

/* Binds value v as a parameter of col's type (the column compared for
 * field f); exact for = != and lists, where a value that col cannot hold
 * is an error. */
static int bind_value(struct parser *p, const struct gic_field *f,
		      const struct gic_field *col, const struct tok *v,
		      int exact)
{
	char *s = value_text(v), buf[64], named[160] = "";
	int64_t i = 0;
	int rc;

	if (!s)
		return gic_seterr(GIC_ENOMEM, "out of memory");
	if (col->type == GIC_FT_TEXT) {
		if (exact && (rc = check_text(p, f, col, v, s)) < 0) {
			free(s);
			return rc;
		}
		return add_param(p, v, GIC_FT_TEXT, 0, s, exact ? col : NULL);
	}
	rc = to_int(s, &i);
	if (rc == -2 && !exact) {  /* a bound past any value: the end there */
		i = s[0] == '-' ? INT64_MIN : INT64_MAX;
		rc = 0;
	}
	/* class = goldfish: which class that is; class = dog: how to find
	 * classes by a word of their names */
	if (rc == -1 && !strcmp(col->name, "class") &&
	    !gic_class_name_note(s, named, sizeof(named)))
		class_hint(s, named, sizeof(named));
	free(s);
	if (rc == -2)
		return gic_qfail(p, v, "%s is out of range", gic_qdesc(v, buf, sizeof(buf)));
	if (rc < 0)
		return gic_qfail(p, v, "'%s' takes an integer%s, got %s%s",
				 col->name, strcmp(col->name, "class") ? "" :
				 " or a wnid", gic_qdesc(v, buf, sizeof(buf)),
				 named);
	if (exact && !strcmp(col->name, "class") && (i < 0 || i > 999))
		return gic_qfail(p, v, "class is 0..999, not %lld", (long long)i);
	return add_param(p, v, GIC_FT_INT, i, NULL, NULL);
}

/* Reads a value token into *v, or fails naming what it followed (and,
 * for a keyword there, that a value spelt like one is quoted: the
 * dataset 'or'). */
static int expect_value(struct parser *p, struct tok *v)
{
	char buf[64];

	if (is_keyword(p->t.kind))
		return gic_qfail(p, &p->t, "expected a value after %s: '%.*s' "
				 "is a keyword here: quote a value that is "
				 "spelled like one ('%.*s')",
				 gic_qdesc(&p->prev, buf, sizeof(buf)),
				 (int)p->t.n, p->t.s, (int)p->t.n, p->t.s);
	if (!is_value(p->t.kind))
		return gic_qfail(p, &p->t, "expected a value after %s",
				 gic_qdesc(&p->prev, buf, sizeof(buf)));
	*v = p->t;
	return gic_qlex(p);
}

/* ---- comparisons --------------------------------------------------- */

/* Whether the next parameter is one of the space-separated values of a
 * list field (false, not null, where the field is null). */
static int member(struct parser *p, const struct gic_field *col)
{
	char sql[256];

	return emit(p, gic_field_match_sql(col, sql, sizeof(sql)));
}

/* FIELD op value; p->t is the operator. */
static int parse_op(struct parser *p, const struct gic_field *f)
{
	struct tok opt = p->t, v;
	const struct gic_field *col;
	size_t n;
	int rc;

	if ((rc = gic_qlex(p)) < 0 || (rc = expect_value(p, &v)) < 0)
		return rc;
	if (v.kind == T_NULL) {
		if (opt.op != OP_EQ && opt.op != OP_NE)
			return gic_qfail(p, &v, "null can only be compared with = "
					 "or !=");
		if ((rc = emit(p, f->sql)) < 0)
			return rc;
		return emit(p, opt.op == OP_EQ ? " IS NULL" : " IS NOT NULL");
	}
	col = column_for(f, &v);
	if (opt.op == OP_GLOB && col->type == GIC_FT_INT)
		return gic_qfail(p, &opt, "'~' matches text but '%s' is a number",
				 col->name);
	if (col->list && (opt.op == OP_EQ || opt.op == OP_NE)) {
		if ((rc = emit(p, opt.op == OP_EQ ? "" : "NOT ")) < 0 ||
		    (rc = member(p, col)) < 0)
			return rc;
		rc = bind_value(p, f, col, &v, 1);
		if (rc == 0 && opt.op != OP_EQ)
			p->params[p->nparams - 1].eq = NULL;
		return rc;
	}
	if ((rc = emit(p, col->sql)) < 0 || (rc = emit(p, " ")) < 0 ||
	    (rc = emit(p, sql_ops[opt.op])) < 0 || (rc = emit(p, " ?")) < 0)
		return rc;
	if ((rc = bind_value(p, f, col, &v, opt.op == OP_EQ ||
			     opt.op == OP_NE)) < 0)
		return rc;
	if (opt.op != OP_EQ)
		p->params[p->nparams - 1].eq = NULL;
	if (opt.op == OP_GLOB && !p->negated)
		p->params[p->nparams - 1].glob = col;
	n = opt.op == OP_GLOB ? strlen(p->params[p->nparams - 1].s) : 0;
	if (n > MAX_GLOB)
		return gic_qfail(p, &v, "a glob is at most %d bytes, not %zu",
				 MAX_GLOB, n);
	return 0;
}

/* FIELD in ( value, ... ); p->t is the '('. */
static int list_values(struct parser *p, const struct gic_field *f)
{
	struct tok lp = p->t, v;
	const struct gic_field *col = NULL;
	char buf[64];
	int rc, count = 0;

	if ((rc = gic_qlex(p)) < 0)
		return rc;
	for (;;) {
		if ((rc = expect_value(p, &v)) < 0)
			return rc;
		if (v.kind == T_NULL)
			return gic_qfail(p, &v, "null cannot be in a list; write "
					 "'%s = null'", f->name);
		if (++count > MAX_IN)
			return gic_qfail(p, &v, "too many values in the list "
					 "(limit %d)", MAX_IN);
		if (col && column_for(f, &v) != col)
			return gic_qfail(p, &v, "a list cannot mix class numbers "
					 "and wnids");
		if (col && col->list) {
			/* ORs in groups of 100: SQLite's expression depth
			 * (1000) holds 10,000 values so */
			if ((rc = emit(p, count % 100 == 1 ? ") OR (" :
				       " OR ")) >= 0)
				rc = member(p, col);
		} else if (col) {
			rc = emit(p, ", ?");
		} else {
			col = column_for(f, &v);
			if ((rc = emit(p, col->list ? "((" : col->sql)) >= 0)
				rc = col->list ? member(p, col) :
				     emit(p, " IN (?");
		}
		if (rc < 0 || (rc = bind_value(p, f, col, &v, 1)) < 0)
			return rc;
		if (p->t.kind != T_COMMA)
			break;
		if ((rc = gic_qlex(p)) < 0)
			return rc;
	}
	if (p->t.kind != T_RP)
		return gic_qfail(p, &p->t, "expected ',' or ')' in the list opened "
				 "at column %d, got %s", lp.col,
				 gic_qdesc(&p->t, buf, sizeof(buf)));
	if ((rc = gic_qlex(p)) < 0)
		return rc;
	return emit(p, col->list ? "))" : ")");
}

/* The values of one list are numbered together, for gic_select_hint. */
static int parse_list(struct parser *p, const struct gic_field *f)
{
	int rc;

	p->list = ++p->lists;
	rc = list_values(p, f);
	p->list = 0;
	return rc;
}

/* FIELD in lo..hi (inclusive); p->t is lo. */
static int parse_range(struct parser *p, const struct gic_field *f)
{
	struct tok lo, hi;
	const struct gic_field *col;
	char buf[64];
	int rc;

	if (!is_value(p->t.kind))
		return gic_qfail(p, &p->t, "expected '(' or a range like 0..99 "
				 "after 'in', got %s", gic_qdesc(&p->t, buf, sizeof(buf)));
	if ((rc = expect_value(p, &lo)) < 0)
		return rc;
	if (p->t.kind != T_DOTDOT)
		return gic_qfail(p, &p->t, "expected '..' after %s",
				 gic_qdesc(&lo, buf, sizeof(buf)));
	if ((rc = gic_qlex(p)) < 0 || (rc = expect_value(p, &hi)) < 0)
		return rc;
	if (lo.kind == T_NULL || hi.kind == T_NULL)
		return gic_qfail(p, lo.kind == T_NULL ? &lo : &hi,
				 "a range cannot have null as an end");
	col = column_for(f, &lo);
	if (column_for(f, &hi) != col)
		return gic_qfail(p, &hi, "a range cannot mix a class number and "
				 "a wnid");
	if ((rc = emit(p, col->sql)) < 0 ||
	    (rc = emit(p, " BETWEEN ? AND ?")) < 0 ||
	    (rc = bind_value(p, f, col, &lo, 0)) < 0 ||
	    (rc = bind_value(p, f, col, &hi, 0)) < 0)
		return rc;
	/* the ends as typed: one past any value was taken as the end */
	if (col->type == GIC_FT_INT &&
	    p->params[p->nparams - 2].i > p->params[p->nparams - 1].i)
		return gic_qfail(p, &lo, "empty range: %.*s is above %.*s",
				 TOK_SHOWN(lo), TOK_SHOWN(hi));
	if (col->type == GIC_FT_TEXT &&
	    strcmp(p->params[p->nparams - 2].s, p->params[p->nparams - 1].s) > 0)
		return gic_qfail(p, &lo, "empty range: '%.60s' sorts after '%.60s'",
				 p->params[p->nparams - 2].s,
				 p->params[p->nparams - 1].s);
	/* a range may reach past the classes, not lie wholly outside them */
	if (col->type == GIC_FT_INT && !strcmp(col->name, "class") &&
	    (p->params[p->nparams - 1].i < 0 || p->params[p->nparams - 2].i > 999))
		return gic_qfail(p, &lo, "class is 0..999: no class is in "
				 "%.*s..%.*s", TOK_SHOWN(lo), TOK_SHOWN(hi));
	return 0;
}

/* A comparison whose field is followed by no operator: SQL's words for
 * one get gicat's spelling ("got 'is': a missing value is F = null"). */
static int no_operator(struct parser *p, const char *field)
{
	static const char *const sql[][3] = {
		{ "is", "a missing value is", "= null (or != null)" },
		{ "like", "a pattern is", "~ 'GLOB' ('tench*')" },
		{ "between", "a range is", "in LOW..HIGH" },
	};
	char buf[64];

	for (size_t i = 0; p->t.kind == T_WORD && i < 3; i++)
		if (p->t.n == strlen(sql[i][0]) &&
		    !strncasecmp(p->t.s, sql[i][0], p->t.n))
			return gic_qfail(p, &p->t, "expected an operator after "
					 "'%s', got %s: %s %s %s", field,
					 gic_qdesc(&p->t, buf, sizeof(buf)),
					 sql[i][1], field, sql[i][2]);
	return gic_qfail(p, &p->t, "expected an operator after '%s', got %s "
			 "(operators: = != < <= > >= ~ in)", field,
			 gic_qdesc(&p->t, buf, sizeof(buf)));
}

static int parse_cmp_body(struct parser *p)
{
	struct tok ft = p->t;
	const struct gic_field *f;
	char buf[64], buf2[64];
	int rc;

	if (ft.kind == T_RP)
		return gic_qfail(p, &ft, "unexpected ')'");
	if (ft.kind != T_WORD)
		return gic_qfail(p, &ft, "expected a field name%s%s, got %s",
				 p->prev.s ? " after " : "",
				 p->prev.s ? gic_qdesc(&p->prev, buf2, sizeof(buf2)) : "",
				 gic_qdesc(&ft, buf, sizeof(buf)));
	if (!(f = gic_field_find_n(ft.s, ft.n)))
		return unknown_field(p, &ft);
	p->field = f->name;
	if ((rc = gic_qlex(p)) < 0)
		return rc;
	if (p->t.kind == T_OP)
		return parse_op(p, f);
	if (p->t.kind != T_IN)
		return no_operator(p, f->name);
	if ((rc = gic_qlex(p)) < 0)
		return rc;
	return p->t.kind == T_LP ? parse_list(p, f) : parse_range(p, f);
}

/* A comparison; the one p->drop numbers compiles as true (its values
 * are still read and checked, and none is bound). */
static int parse_cmp(struct parser *p)
{
	size_t at = p->len, np = p->nparams, from = (size_t)(p->t.s - p->src);
	int rc = parse_cmp_body(p);

	if (rc < 0 || p->ncmp++ != p->drop)
		return rc;
	*p->dropped = (struct gic_qdropped){ 1, from,
		(size_t)(p->prev.s + p->prev.n - p->src) - from, p->field,
		p->negated > 0 };
	while (p->nparams > np)
		free(p->params[--p->nparams].s);
	p->len = at;
	p->sql[at] = '\0';
	return emit(p, "1");
}

/* ---- and, or, not, parentheses ------------------------------------- */

static int parse_or(struct parser *p);

static int parse_paren(struct parser *p)
{
	struct tok lp = p->t;
	char buf[64];
	int rc;

	if ((rc = gic_qlex(p)) < 0 || (rc = parse_or(p)) < 0)
		return rc;
	if (p->t.kind == T_END)
		return gic_qfail(p, &p->t, "missing ')' for the '(' at column %d",
				 lp.col);
	if (p->t.kind != T_RP)
		return gic_qfail(p, &p->t, "expected 'and', 'or' or ')' before %s",
				 gic_qdesc(&p->t, buf, sizeof(buf)));
	return gic_qlex(p);
}

/* not X compiles to (X) IS NOT 1: X is NULL when it compares a NULL
 * column, and "not" should then hold, not be NULL as well.  (Cheaper for
 * SQLite's parser, whose stack is 100 deep, than NOT ifnull(X, 0).) */
static int parse_unary(struct parser *p)
{
	int rc;

	if (p->t.kind != T_NOT && p->t.kind != T_LP)
		return parse_cmp(p);
	if (++p->depth > MAX_DEPTH)
		return gic_qfail(p, &p->t, "expression nested too deeply (limit "
				 "%d levels)", MAX_DEPTH);
	if (p->t.kind == T_LP) {
		rc = parse_paren(p);
	} else if ((rc = gic_qlex(p)) >= 0 && (rc = emit(p, "(")) >= 0) {
		p->negated++;
		if ((rc = parse_unary(p)) >= 0)
			rc = emit(p, ") IS NOT 1");
		p->negated--;
	}
	p->depth--;
	return rc;
}

/* Counts an 'and' or 'or' (p->t) against MAX_JOINS. */
static int join(struct parser *p)
{
	if (++p->joins > MAX_JOINS)
		return gic_qfail(p, &p->t, "too many 'and'/'or' (limit %d); for many "
				 "values of one field use 'in (a, b, ...)'",
				 MAX_JOINS);
	return 0;
}

static int parse_and(struct parser *p)
{
	int rc = parse_unary(p);

	while (rc >= 0 && p->t.kind == T_AND) {
		if ((rc = join(p)) >= 0 && (rc = gic_qlex(p)) >= 0 &&
		    (rc = emit(p, " AND ")) >= 0)
			rc = parse_unary(p);
	}
	return rc;
}

/* An or-chain is parenthesised (OR binds loosest in SQL too), which makes
 * every fragment safe to join with AND by the caller. */
static int parse_or(struct parser *p)
{
	size_t start = p->len;
	int rc = parse_and(p), terms = 1;

	while (rc >= 0 && p->t.kind == T_OR) {
		if ((rc = join(p)) >= 0 && (rc = gic_qlex(p)) >= 0 &&
		    (rc = emit(p, " OR ")) >= 0)
			rc = parse_and(p);
		terms++;
	}
	if (rc < 0 || terms == 1)
		return rc;
	/* grow by "()" and shift the chain right to open it */
	if ((rc = emit(p, "))")) < 0)
		return rc;
	memmove(p->sql + start + 1, p->sql + start, p->len - 2 - start);
	p->sql[start] = '(';
	return 0;
}

/* ---- entry points -------------------------------------------------- */

static int compile(struct parser *p)
{
	char buf[64];
	int rc;

	if ((rc = gic_qlex(p)) < 0)
		return rc;
	if (p->t.kind == T_END)
		return emit(p, "1");
	if ((rc = parse_or(p)) < 0)
		return rc;
	if (p->t.kind == T_RP)
		return gic_qfail(p, &p->t, "unexpected ')'");
	if (p->t.kind != T_END)
		return gic_qfail(p, &p->t, "expected 'and' or 'or' before %s",
				 gic_qdesc(&p->t, buf, sizeof(buf)));
	return 0;
}

char *gic_query_string(const char *s)
{
	size_t n = strlen(s) + 3;
	char *out, *o;

	for (const char *p = s; *p; p++)
		n += *p == '\'';
	if (!(out = o = malloc(n)))
		return NULL;
	*o++ = '\'';
	for (; *s; s++)
		if ((*o++ = *s) == '\'')
			*o++ = '\'';    /* value_text reads '' as one ' */
	*o++ = '\'';
	*o = '\0';
	return out;
}

static int compile_expr(const char *expr, int k, struct gic_sql *out,
			struct gic_qdropped *d, int *errcol)
{
	struct parser p = { .src = expr ? expr : "", .drop = k, .dropped = d };
	size_t len = strlen(p.src);
	int rc;

	memset(out, 0, sizeof(*out));
	if (errcol)
		*errcol = 0;
	if (len > MAX_EXPR) {
		p.errcol = MAX_EXPR + 1;
		rc = gic_seterr(GIC_EUSAGE, "expression is %zu bytes, over the "
				"%d-byte limit", len, MAX_EXPR);
		goto out;
	}
	rc = compile(&p);
out:
	out->where = p.sql;
	out->params = p.params;
	out->nparams = p.nparams;
	if (rc < 0) {
		gic_sql_release(out);
		if (errcol)
			*errcol = p.errcol;
	}
	return rc;
}

int gic_query_compile(const char *expr, struct gic_sql *out, int *errcol)
{
	return compile_expr(expr, -1, out, NULL, errcol);
}

int gic_query_compile_without(const char *expr, int k, struct gic_sql *out,
			      struct gic_qdropped *d)
{
	memset(d, 0, sizeof(*d));
	return compile_expr(expr, k, out, d, NULL);
}

void gic_sql_release(struct gic_sql *sql)
{
	if (!sql)
		return;
	for (size_t i = 0; i < sql->nparams; i++)
		free(sql->params[i].s);
	free(sql->params);
	free(sql->where);
	memset(sql, 0, sizeof(*sql));
}
