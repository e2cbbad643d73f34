/* task-int.h - the state of parsing a task file, shared by task.c (the
 * parsing) and task-validate.c (the checks of the whole file, and the
 * report of its errors). */
#ifndef GICAT_TASK_INT_H
#define GICAT_TASK_INT_H

#include <string.h>

#include "task.h"

/* What a line the reader or inih finds no sense in is told, and what
 * would have been one. */
#define GIC_TASK_SYNTAX "syntax error (a line is a [section], key = value, " \
	"a ; or # comment, or an indented continuation of the value above)"

#define MAX_ERRORS 50 /* errors reported for one file (the first by line);
			 the rest counted */

#define INI_LINE_MAX (GIC_TASK_LINE_MAX + 3) /* inih's buffer at most,
					       CR LF and NUL included */

struct parse {
	struct gic_task *t;
	const char *path;
	const char *text;        /* the text, after a UTF-8 BOM if any */
	const char *next;        /* the reader's position in it */
	int line;                /* of the line inih handed to the handler */
	char section[160];       /* current section, whole */
	struct gic_task_set *set;/* current set section, or NULL */
	int in_split;
	int header;              /* the reader just read a [section] line */
	int header_line;         /* ... on this line */
	char pending[160];       /* ... naming this section (inih opens it
				    with its first key: one without keys
				    is opened by the reader; inih's own
				    copy is cut at 49 bytes) */
	char ini_section[64];    /* inih's name of the section open */
	int mid_line;            /* the reader stopped inside a line */
	int long_line;           /* the first line over INI_LINE_MAX, or 0 */
	int syntax_line;         /* the first line inih cannot read, or 0 */
	int indented;            /* ... a line starting with white space */
	char last_key[64];       /* for continuation lines */
	int last_line;
	int content_line;        /* the last line neither blank nor a
				    comment, and the one before it: comments
				    may stand between a key and its
				    continuation (inih reads it so) */
	int prev_content;
	int keyed;               /* a key came since the last header: an
				    indented line is then a continuation for
				    inih, even one starting with '[' */
	struct seen_key {        /* the keys of the current section */
		char *key;
		int line;
	} *seen;
	size_t nseen, seen_cap;
	int skip;                /* in a section that could not be opened */
	int description_line;    /* [task]'s description key */
	int too_many;            /* sets past GIC_TASK_MAX_SETS, said once */
	int ratios_line;         /* [split]'s ratios key, good or not */
	double ratios_sum;       /* ... its shares added, over all its lines */
	int ratios_bad;          /* ... a share refused (so no sum to check) */
	int ratios_open;         /* ... its last line ended with a comma */
	int task_line;           /* the [task] header, once there is one */
	struct problem {         /* errors found, kept in line order later */
		int line, seq;
		int warning;     /* one of the file's warnings, kept too */
		char msg[sizeof(((struct gic_task_warning *)0)->msg)];
	} errs[MAX_ERRORS];
	int nerrs;               /* all of them, kept or not */
	size_t warnings_cap;     /* of t->warnings */
};

/* What inih skips as white space (isspace; a line holds no '\n' or '\r'). */
#define INI_SPACE " \t\v\f"

/* The start of the line after the one at s (text): a line ends in CRLF,
 * LF or a lone CR. */
static inline const char *gic_task_next_line(const char *s)
{
	s += strcspn(s, "\r\n");
	return s + (s[0] == '\r' && s[1] == '\n' ? 2 : s[0] != '\0');
}

/* Notes an error at p->line (errors are collected, so that the whole file
 * is read); returns 0. */
__attribute__((format(printf, 2, 3)))
int gic_task_fail(struct parse *p, const char *fmt, ...);
/* Notes a warning at p->line. */
__attribute__((format(printf, 2, 3)))
void gic_task_warn(struct parse *p, const char *fmt, ...);
/* inih's reader over p->text (task-lines.c): a line at a time, each
 * counted and checked as it starts. */
char *gic_task_reader(char *buf, int size, void *stream);
/* Opens the section of a header no key followed (task.c): an empty
 * [test x] is a set without select, not nothing. */
void gic_task_open_empty(struct parse *p);
/* A set name: letters, digits, . _ -, not starting with '.', at most
 * GIC_TASK_NAME_MAX bytes (a directory of its own in any export). */
int gic_task_set_name_ok(const char *s);
/* A new set of t named name, or NULL (an error set: named twice, or
 * differing from another only in case, or too many sets). */
struct gic_task_set *gic_task_new_set(struct gic_task *t, const char *name);
/* task-ratios.c: the shares of one line of [split] ratios (line), added
 * as sets and to *sum; GIC_EUSAGE saying what is wrong with a share. */
int gic_task_split_shares(struct gic_task *t, const char *ratios, double *sum,
			  int line);
/* Checks that need the whole file: what each set may combine, every
 * select expression and every operation chain. */
void gic_task_validate(struct parse *p);
/* All errors as one message (GIC_EUSAGE), a "path:line: why" line each,
 * in line order, with the file's warnings among them. */
int gic_task_report(struct parse *p);

#endif
