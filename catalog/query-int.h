/*
 * query-int.h - what the query compiler's lexer (query-lex.c) and parser
 * (query.c) share: tokens, the parser's state, errors pointing at a token.
 */
#ifndef GIC_QUERY_INT_H
#define GIC_QUERY_INT_H

#include <stddef.h>

#include "catalog.h"

enum tkind {
	T_END, T_WORD, T_STR, T_OP, T_LP, T_RP, T_COMMA, T_DOTDOT,
	T_AND, T_OR, T_NOT, T_IN, T_NULL,
};
enum op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_GLOB };

struct tok {
	enum tkind kind;
	enum op op;             /* for T_OP */
	const char *s;          /* the token in expr, quotes included */
	size_t n;
	int col;                /* 1-based byte column */
};

struct parser {
	const char *src;
	size_t pos;             /* where the next token starts */
	struct tok t, prev;     /* the current and the previous token */
	char *sql;
	size_t len, cap;
	struct gic_param *params;
	size_t nparams, pcap;
	int depth;
	int joins;              /* 'and's and 'or's so far */
	int errcol;
	int negated;            /* enclosing 'not's */
	int list, lists;        /* the 'in' list being read (0: none); count */
	int ncmp;               /* comparisons read */
	int drop;               /* the one compiled as true (-1: none) */
	struct gic_qdropped *dropped; /* what it was */
	const char *field;      /* the field of the comparison being read */
};

/* Fails with GIC_EUSAGE, pointing p->errcol at the token at. */
__attribute__((format(printf, 3, 4)))
int gic_qfail(struct parser *p, const struct tok *at, const char *fmt, ...);
/* A token as messages show it: 'text' (shortened) or "end of expression". */
const char *gic_qdesc(const struct tok *t, char *buf, size_t size);
/* Reads the next token into p->t (the current one becomes p->prev). */
int gic_qlex(struct parser *p);

#endif
