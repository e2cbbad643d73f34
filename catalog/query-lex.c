/*
 * query-lex.c - the query language's tokens: words, keywords, strings,
 * operators; and the errors that point at one.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "query-int.h"

/* ---- errors -------------------------------------------------------- */

int gic_qfail(struct parser *p, const struct tok *at, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->errcol = at->col;
	return gic_seterr(GIC_EUSAGE, "%s", msg);
}

const char *gic_qdesc(const struct tok *t, char *buf, size_t size)
{
	/* a string token has its quotes: shown as it is written */
	int q = t->kind != T_STR;

	if (t->kind == T_END)
		return "end of expression";
	if (!q && t->n == 2)
		return "an empty string";
	if (t->n > 40)
		snprintf(buf, size, "%s%.37s...%s", q ? "'" : "", t->s,
			 q ? "'" : "");
	else
		snprintf(buf, size, "%s%.*s%s", q ? "'" : "", (int)t->n, t->s,
			 q ? "'" : "");
	return buf;
}

/* ---- lexer --------------------------------------------------------- */

static int word_start(const char *s)
{
	unsigned char c = (unsigned char)*s;

	return isalnum(c) || c == '_' || c >= 0x80 ||
		(c == '-' && isdigit((unsigned char)s[1]));
}

/* Inside a bare word '.', '-', ':' and '/' join word characters, so that
 * "4:2:0" and "n01440764.JPEG" are words but "0..99" is not. */
static int word_cont(const char *s)
{
	unsigned char c = (unsigned char)*s, d;

	if (isalnum(c) || c == '_' || c >= 0x80)
		return 1;
	if (!c || !strchr(".-:/", c))
		return 0;
	d = (unsigned char)s[1];
	return isalnum(d) || d == '_' || d >= 0x80;
}

static enum tkind keyword(const char *s, size_t n)
{
	static const struct { const char *w; enum tkind k; } kw[] = {
		{ "and", T_AND }, { "or", T_OR }, { "not", T_NOT },
		{ "in", T_IN }, { "null", T_NULL },
	};

	for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
		if (strlen(kw[i].w) == n && strncasecmp(kw[i].w, s, n) == 0)
			return kw[i].k;
	return T_WORD;
}

/* An operator at s: its length (0 if none) and *op. */
static size_t lex_op(const char *s, enum op *op)
{
	static const struct { const char *text; enum op op; } ops[] = {
		{ "!=", OP_NE }, { "<=", OP_LE }, { ">=", OP_GE },
		{ "=", OP_EQ }, { "<", OP_LT }, { ">", OP_GT }, { "~", OP_GLOB },
	};

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t n = strlen(ops[i].text);

		if (strncmp(s, ops[i].text, n) == 0) {
			*op = ops[i].op;
			return n;
		}
	}
	return 0;
}

/* A quoted string at s (s[0] is the quote): its length with quotes. */
static size_t lex_string(const char *s)
{
	size_t i = 1;

	for (;;) {
		if (!s[i])
			return 0;
		if (s[i] == s[0] && s[i + 1] != s[0])
			return i + 1;
		i += s[i] == s[0] ? 2 : 1;
	}
}

/* What a character the language has no use for was most likely meant
 * as: " (...)", or "". */
static const char *char_hint(char c)
{
	switch (c) {
	case '*': case '?': case '[':
		return " (a glob is a string: path ~ '*adm*')";
	case '&':
		return " (write and)";
	case '|':
		return " (write or)";
	case '-':
		return " (a value starting with '-' is quoted: '-x.png')";
	default:
		return "";
	}
}

/* Reads the next token into p->t. */
int gic_qlex(struct parser *p)
{
	const char *s = p->src + p->pos + strspn(p->src + p->pos, " \t\r\n");
	struct tok t = { .s = s, .col = (int)(s - p->src) + 1 };

	if (!*s) {
		t.kind = T_END;
	} else if (*s == '(' || *s == ')' || *s == ',') {
		t.kind = *s == '(' ? T_LP : *s == ')' ? T_RP : T_COMMA;
		t.n = 1;
	} else if (s[0] == '.' && s[1] == '.') {
		t.kind = T_DOTDOT;
		t.n = 2;
	} else if ((t.n = lex_op(s, &t.op))) {
		t.kind = T_OP;
	} else if (*s == '\'' || *s == '"') {
		if (!(t.n = lex_string(s)))
			return gic_qfail(p, &t, "unterminated string");
		t.kind = T_STR;
	} else if (word_start(s)) {
		while (word_cont(s + t.n))
			t.n++;
		t.kind = keyword(s, t.n);
	} else {
		if (!isprint((unsigned char)*s))
			return gic_qfail(p, &t, "unexpected byte 0x%02x",
					 (unsigned char)*s);
		return gic_qfail(p, &t, "unexpected character '%c'%s", *s,
				 char_hint(*s));
	}
	p->prev = p->t;
	p->t = t;
	p->pos = (size_t)(s - p->src) + t.n;
	return 0;
}
