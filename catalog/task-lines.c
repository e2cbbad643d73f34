/*
 * task-lines.c - a task file's lines as inih reads them, for task.c's
 * parse: fed to inih one at a time (CRLF and lone CRs made '\n', lines
 * too long for it skipped and noted), each counted, and what inih would
 * not say checked on the way: lines it finds no sense in, section
 * headers that open no key.
 */
#include <stdio.h>
#include <string.h>

#include "task-int.h"


/* Where inih's reading of the n bytes at s stops: at one of chars, or
 * at an inline comment (a ';' after white space); n when at neither. */
static size_t ini_stop(const char *s, size_t n, const char *chars)
{
	for (size_t i = 0; i < n; i++)
		if (strchr(chars, s[i]) ||
		    (s[i] == ';' && i > 0 && strchr(INI_SPACE, s[i - 1])))
			return i;
	return n;
}

/* The section a header line names, as inih reads it: what lies between
 * '[' and ']' (none when an inline comment comes first: unclosed). */
static void section_name(const char *s, char *out, size_t n)
{
	const char *end = s + 1 + ini_stop(s + 1, strlen(s + 1), "]");

	out[0] = '\0';
	if (*end == ']')
		snprintf(out, n, "%.*s", (int)(end - s - 1), s + 1);
}

/* A line inih finds no sense in: neither a comment, nor a continuation,
 * nor a closed [section] header, nor key = value (or key: value).  inih
 * reports the first of them only: each is an error here. */
static int bad_line(const struct parse *p, const char *s, size_t ws, size_t n)
{
	const char *c = s + ws;
	size_t i;

	if (ws >= n || strchr(";#", *c) || (ws > 0 && p->keyed) ||
	    n > GIC_TASK_LINE_MAX)  /* skipped whole, and said */
		return 0;
	n -= ws;
	if (*c == '[') {  /* closed, and nothing but a comment after it */
		i = ini_stop(c + 1, n - 1, "]");
		if (i == n - 1 || c[1 + i] != ']')
			return 1;
		for (i += 2; i < n && strchr(INI_SPACE, c[i]); i++)
			;
		return i < n && !strchr(";#", c[i]);
	}
	i = ini_stop(c, n, "=:");
	return i == n || c[i] == ';';
}

/* At the start of a line of n bytes (its end not counted): what the
 * handler needs to know of it (header, indentation, content). */
static void line_start(struct parse *p, const char *s, size_t n)
{
	size_t ws = strspn(s, INI_SPACE);
	char head[sizeof(p->pending) + 2];
	int bad;

	ws = ws < n ? ws : n;
	p->line++;
	bad = bad_line(p, s, ws, n);
	if (bad) {
		if (!p->syntax_line)
			p->syntax_line = p->line;
		gic_task_fail(p, "%s", GIC_TASK_SYNTAX);
	}
	/* inih keeps the key before a line it finds no sense in: an
	 * indented line after that still continues the key's value */
	if (!bad && ws < n && !strchr(";#", s[ws])) {
		p->prev_content = p->content_line;
		p->content_line = p->line;
	}
	if (ws < n && s[ws] == '[' && !(ws > 0 && p->keyed)) {
		p->keyed = 0;
		if (p->header)
			gic_task_open_empty(p);
		p->header = 1;
		p->header_line = p->line;
		/* the name whole (inih keeps 49 bytes of it); one too long
		 * for pending is cut, and refused as a set name then */
		snprintf(head, sizeof(head), "%.*s", (int)(n - ws), s + ws);
		section_name(head, p->pending, sizeof(p->pending));
		if (!p->pending[0] && n - ws >= sizeof(head) - 1)
			snprintf(p->pending, sizeof(p->pending), "%.*s",
				 (int)sizeof(p->pending) - 1, head + 1);
	}
	p->indented = ws > 0;
}

/*
 * fgets over the text for inih, counting lines for the handler's
 * messages.  Each line ends in a plain '\n' whatever ended it (CRLF, a
 * lone CR: inih knows only '\n').  inih asks for a long line in pieces,
 * growing its buffer while a piece fills it: a piece is given whole or
 * fills the buffer, and only the first counts as a line.  A line longer
 * than inih takes in all (INI_LINE_MAX) is skipped whole and noted,
 * where inih would read its rest as lines of their own.
 */
char *gic_task_reader(char *buf, int size, void *stream)
{
	struct parse *p = stream;
	size_t len, eol, n;

	if (!*p->next && !p->mid_line)
		return NULL;
	len = strcspn(p->next, "\r\n");           /* the line's content */
	eol = (size_t)(gic_task_next_line(p->next) - p->next) - len;
	if (!p->mid_line) {
		line_start(p, p->next, len);
		if (len > GIC_TASK_LINE_MAX) {
			if (!p->long_line)
				p->long_line = p->line;
			p->next += len + eol;
			snprintf(buf, (size_t)size, "\n");
			return buf;
		}
	}
	if (len >= (size_t)size - 1) {  /* fills the buffer: inih grows it */
		n = (size_t)size - 1;
		memcpy(buf, p->next, n);
		buf[n] = '\0';
		p->next += n;
		p->mid_line = 1;
		return buf;
	}
	memcpy(buf, p->next, len);
	buf[len] = '\n';
	buf[len + 1] = '\0';
	p->next += len + eol;
	p->mid_line = 0;
	return buf;
}
