/*
 * task-validate.c - the checks of a task file that need all of it (what
 * each set may combine, every select expression and operation chain, set
 * names an export could not write), and the report of a file's errors in
 * line order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "catalog.h"
#include "degrade.h"
#include "task-int.h"

/* The characters of the first n bytes of UTF-8 text: a column as an
 * editor counts it. */
static int chars(const char *s, size_t n)
{
	int c = 0;

	for (size_t i = 0; i < n && s[i]; i++)
		c += ((unsigned char)s[i] & 0xc0) != 0x80;
	return c;
}

/* One line of a key's value as inih read it: the text [v, end) after
 * the '=' (or the indentation of a continuation), cut at an inline " ;"
 * comment and trimmed. */
struct value_line {
	const char *s, *v, *end;  /* the line, the value's start and end */
	int line;                 /* its number in the file */
	int cut;                  /* an inline comment ended it */
};

/* The lines of the value of the key on line key_line: the key's own,
 * then indented lines (which inih joins with a space; it skips blank and
 * comment lines between them).  Call with vl->s NULL first; 0 at the end. */
static int value_next(const char *text, int key_line, struct value_line *vl)
{
	const char *s = vl->s ? gic_task_next_line(vl->s) : text;
	int l = vl->s ? vl->line + 1 : 1;

	for (; l < key_line && *s; l++)
		s = gic_task_next_line(s);
	for (; *s; l++, s = gic_task_next_line(s)) {
		size_t len = strcspn(s, "\r\n"), ws = strspn(s, " \t");
		const char *v = s, *end = s + len, *c;

		if (l == key_line) {  /* "select = VALUE" */
			while (v < end && *v != '=' && *v != ':')
				v++;
			if (v++ == end)
				return 0;
		} else if (ws >= len || s[ws] == ';' || s[ws] == '#') {
			continue;     /* blank or a comment: inih skips it */
		} else if (ws == 0) {
			return 0;     /* not a continuation */
		}
		while (v < end && (*v == ' ' || *v == '\t'))
			v++;
		for (c = v; c < end && !(*c == ';' && c > v &&
					 (c[-1] == ' ' || c[-1] == '\t')); c++)
			;
		vl->cut = c < end;
		while (c > v && (c[-1] == ' ' || c[-1] == '\t'))
			c--;
		vl->s = s, vl->v = v, vl->end = c, vl->line = l;
		return 1;
	}
	return 0;
}

/* Where column col of a select value lies in the file: the value began
 * on line key_line.  0 when the lines read do not spell the value. */
static int value_place(const char *text, int key_line, const char *expr,
		       int col, int *line, int *column)
{
	struct value_line vl = { 0 };
	size_t off = 0, want = col > 0 ? (size_t)col - 1 : 0;

	while (value_next(text, key_line, &vl)) {
		size_t n = (size_t)(vl.end - vl.v);

		if (strncmp(expr + off, vl.v, n))
			return 0;
		if (want <= off + n) {
			*line = vl.line;
			*column = chars(vl.s, (size_t)(vl.v - vl.s) +
					(want >= off ? want - off : 0)) + 1;
			return 1;
		}
		off += n + 1;
	}
	return 0;
}

/* Whether the value of the key on key_line was cut at an inline comment:
 * " ;" inside quotes ends it there too. */
static int cut_at_comment(const char *text, int key_line)
{
	struct value_line vl = { 0 };

	while (value_next(text, key_line, &vl))
		if (vl.cut)
			return 1;
	return 0;
}

/* A value that went on over lines is written back on one (task.ini, as
 * split records the task): refused when that line would be too long to
 * read, so that a task.ini always reads back as its task. */
static int too_long(struct parse *p, const char *key, const char *v,
		    int line)
{
	size_t room = GIC_TASK_LINE_MAX - strlen(key) - strlen(" = ");

	if (!v || strlen(v) <= room)
		return 0;
	p->line = line;
	gic_task_fail(p, "%s is %zu bytes over its lines: task.ini, which "
		      "split records, holds it on one line, with room for %zu",
		      key, strlen(v), room);
	return 1;
}

/* A column of the value an error message names ("the '(' at column 3")
 * made the file's, as the place of the error is (on line at). */
static void file_column(const struct parse *p, int line, const char *expr,
			int at, char *msg, size_t size)
{
	char *m = strstr(msg, "at column "), rest[GIC_ERRMSG_MAX];
	int n, used, l, c;

	if (!m || sscanf(m, "at column %d%n", &n, &used) != 1 ||
	    !value_place(p->text, line, expr, n, &l, &c))
		return;
	snprintf(rest, sizeof(rest), "%s", m + used);
	if (l == at)
		snprintf(m, size - (size_t)(m - msg), "at column %d%s", c, rest);
	else
		snprintf(m, size - (size_t)(m - msg), "at line %d, column %d%s",
			 l, c, rest);
}

/* A select expression that does not compile is an error at the line and
 * column of the file where it went wrong (the catalog is not needed to
 * tell). */
static void check_select(struct parse *p, const char *expr, int line)
{
	struct gic_sql sql;
	char msg[GIC_ERRMSG_MAX];
	int errcol = 0, col;

	if (!expr || too_long(p, "select", expr, line))
		return;
	if (gic_query_compile(expr, &sql, &errcol) < 0) {
		if (!strcmp(gic_errmsg(), "unterminated string") &&
		    cut_at_comment(p->text, line))
			gic_seterr(GIC_EUSAGE, "unterminated string: a ';' "
				   "after white space starts a comment, inside "
				   "quotes too (write it without the space "
				   "before it)");
		p->line = line;
		snprintf(msg, sizeof(msg), "%s", gic_errmsg());
		if (value_place(p->text, line, expr, errcol, &p->line, &col)) {
			file_column(p, line, expr, p->line, msg, sizeof(msg));
			gic_task_fail(p, "select: %s (column %d)", msg, col);
		} else
			gic_task_fail(p, "select: %s (column %d of the value)",
				      gic_errmsg(), errcol);
		return;
	}
	gic_sql_release(&sql);
}

/* An operation chain that does not parse is an error of its key. */
static void check_ops(struct parse *p, const struct gic_task_set *s)
{
	struct gic_ops o;

	for (int i = 0; i < GIC_DEGRADE_KEYS; i++) {
		if (too_long(p, gic_task_degrade_keys[i], s->degrade[i],
			     s->degrade_line[i]))
			continue;
		p->line = s->degrade_line[i];
		if (s->degrade[i] && gic_ops_parse(s->degrade[i], &o) < 0)
			gic_task_fail(p, "set '%s': %s: %s", s->name,
			     gic_task_degrade_keys[i], gic_errmsg());
	}
}

/* The length of a set's directory at the top of an export: "test" of
 * "test/x". */
static size_t top_len(const char *name)
{
	const char *slash = strchr(name, '/');

	return slash ? (size_t)(slash - name) : strlen(name);
}

/* A set whose directory an export would write over or into: one named
 * like a file every export writes, or "test" beside test/NAME sets; and
 * where case does not count (macOS, Windows), "TEST" beside test/x. */
static void check_set_name(struct parse *p, const struct gic_task_set *s)
{
	static const char *const files[] = { "task.ini", "MANIFEST.sha256",
					     "labels.json", "LICENSES.md" };
	const struct gic_task *t = p->t;
	size_t n = top_len(s->name);

	for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++)
		if (!strcasecmp(s->name, files[i]))
			gic_task_fail(p, "set '%s' has the name of a file every export "
			     "writes: name it otherwise", s->name);
	for (int i = 0; i < t->nsets && &t->sets[i] != s; i++) {
		const char *o = t->sets[i].name;

		/* names differing in case only: new_set said so */
		if ((strchr(o, '/') || strchr(s->name, '/')) &&
		    top_len(o) == n && !strncasecmp(o, s->name, n) &&
		    strncmp(o, s->name, n))
			gic_task_fail(p, "set '%s' and set '%s' would share a "
				      "directory where case does not count (macOS, "
				      "Windows)", o, s->name);
	}
	for (int i = 0; i < t->nsets && !strcmp(s->name, "test"); i++)
		if (!strncmp(t->sets[i].name, "test/", 5)) {
			gic_task_fail(p, "set 'test' and set '%s' cannot both be: an "
			     "export puts test/NAME sets in the directory test/",
			     t->sets[i].name);
			break;
		}
}

void gic_task_validate(struct parse *p)
{
	struct gic_task *t = p->t;

	/* [split] without ratios is said below */
	if (t->nsets == 0 && !p->nerrs && !t->has_split)
		gic_task_fail(p, "no sets: add [train], [val], [test NAME] or [split], "
		     "each with its select = EXPR");
	too_long(p, "description", t->description, p->description_line);
	p->line = t->split_line;
	if (t->has_split && !p->ratios_line)
		gic_task_fail(p, "[split] needs ratios, e.g. ratios = train:0.8, test:0.2");
	if (t->has_split && !t->split_select)
		gic_task_fail(p, "[split] has no select: say which images it deals out "
		     "(select = EXPR)");
	p->line = p->ratios_line;
	if (p->ratios_line && !p->ratios_bad &&
	    !(p->ratios_sum >= 0.999999 && p->ratios_sum <= 1.000001))
		gic_task_fail(p, "ratios add up to %g, not 1", p->ratios_sum);
	check_select(p, t->split_select, t->split_select_line);
	for (int i = 0; i < t->nsets; i++) {
		struct gic_task_set *s = &t->sets[i];
		p->line = s->line;
		if (s->share > 0 && (s->select || s->balance))
			gic_task_fail(p, "set '%s' comes from [split]: select it there",
			     s->name);
		else if (s->share <= 0 && !s->select)
			gic_task_fail(p, "set '%s' has no select: say which images it "
			     "takes (select = EXPR)", s->name);
		check_set_name(p, s);
		if (s->stratify && s->fraction >= 1 && !s->max_per_class)
			gic_task_warn(p, "set '%s': stratify applies to fraction "
					 "and max_per_class, and it has neither",
					 s->name);
		check_select(p, s->select, s->select_line);
		check_ops(p, s);
	}
}

static int by_line(const void *a, const void *b)
{
	const struct problem *x = a, *y = b;

	if (x->line != y->line)
		return (x->line > y->line) - (x->line < y->line);
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* The warnings come among the errors while there is room: an unknown key
 * may be what an error is about (a misspelt select). */
int gic_task_report(struct parse *p)
{
	char msg[GIC_ERRMSG_MAX], path[1100];
	size_t n = 0, i, kept = p->nerrs < MAX_ERRORS ? (size_t)p->nerrs :
				MAX_ERRORS;
	int shown = 0;

	gic_esc(p->path, path, sizeof(path));  /* a newline in it breaks no line */

	for (i = 0; i < kept; i++)
		p->errs[i].seq = (int)i, p->errs[i].warning = 0;
	for (int w = 0; w < p->t->nwarnings && kept < MAX_ERRORS; w++, kept++) {
		p->errs[kept].line = p->t->warnings[w].line;
		p->errs[kept].seq = (int)kept;
		p->errs[kept].warning = 1;
		snprintf(p->errs[kept].msg, sizeof(p->errs[kept].msg), "%s",
			 p->t->warnings[w].msg);
	}
	qsort(p->errs, kept, sizeof(p->errs[0]), by_line);
	msg[0] = '\0';
	/* whole lines, while the line saying how many more still fits */
	for (i = 0; i < kept; i++) {
		char line[sizeof(path) + sizeof(p->errs[0].msg) + 40];
		int len = p->errs[i].line ?
			  snprintf(line, sizeof(line), "%s%s%s:%d: %s", i ?
				   "\n" : "", p->errs[i].warning ? "warning: " :
				   "", path, p->errs[i].line, p->errs[i].msg) :
			  snprintf(line, sizeof(line), "%s%s: %s", i ? "\n" :
				   "", path, p->errs[i].msg);  /* empty file */

		if (n + (size_t)len + sizeof(path) + 40 > sizeof(msg))
			break;
		memcpy(msg + n, line, (size_t)len + 1);
		n += (size_t)len;
		shown += !p->errs[i].warning;
	}
	if (p->nerrs > shown)
		snprintf(msg + n, sizeof(msg) - n, "\n%s: %d more error%s",
			 path, p->nerrs - shown, p->nerrs - shown == 1 ? "" : "s");
	return gic_seterr_lines(GIC_EUSAGE, msg);
}
