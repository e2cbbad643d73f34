/*
 * task.c - task files: parsing (inih), with line numbers; the checks that
 * need the whole file, and the report of errors, are task-validate.c.
 * Finding a task by name or path (the shipped tasks compiled into the
 * binary) and freeing it is task-load.c; the canonical form that exports
 * record as task.ini, and hash, is task-canon.c.
 *
 *   [task]        name, seed, description
 *   [train] [val] [test NAME] [set NAME]
 *                 select, balance, fraction, max_per_class, stratify,
 *                 degrade, degrade_real, degrade_fake
 *   [split]       select, ratios = train:0.8, val:0.1, test:0.1, group
 */
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

#include "catalog.h"
#include "csv.h"
#include "degrade.h"
#include "task.h"
#include "task-int.h"

void gic_task_warn(struct parse *p, const char *fmt, ...)
{
	struct gic_task *t = p->t;
	struct gic_task_warning *w;
	va_list ap;

	if (gic_grow(&t->warnings, (size_t)t->nwarnings, &p->warnings_cap,
		     sizeof(*t->warnings), 8) < 0)
		return;
	w = &t->warnings[t->nwarnings++];
	w->line = p->line;
	va_start(ap, fmt);
	vsnprintf(w->msg, sizeof(w->msg), fmt, ap);
	va_end(ap);
}

/* The keys of each section, for the key meant by an unknown one. */
static const char *const task_keys[] = { "name", "seed", "description", NULL };
static const char *const set_keys[] = {
	"select", "balance", "fraction", "max_per_class", "stratify", "degrade",
	"degrade_real", "degrade_fake", NULL };
static const char *const split_keys[] = { "select", "group", "ratios", NULL };

/* The section a key of another section belongs in, or NULL. */
static const char *home_of(const char *k, const char *const *keys)
{
	static const struct {
		const char *const *keys;
		const char *where;
	} homes[] = {
		{ set_keys, "a set section ([train], [val], [test NAME], "
			    "[set NAME])" },
		{ task_keys, "[task]" }, { split_keys, "[split]" } };

	for (size_t h = 0; h < sizeof(homes) / sizeof(*homes); h++)
		for (int i = 0; homes[h].keys != keys && homes[h].keys[i]; i++)
			if (!strcmp(k, homes[h].keys[i]))
				return homes[h].where;
	return NULL;
}

/* A key that its section does not take: a warning (on its first line,
 * not again on each continuation line), and the key ignored. */
static int unknown_key(struct parse *p, const char *k, int cont,
		       const char *const *keys)
{
	const char *meant = NULL, *home = home_of(k, keys);
	size_t best = GIC_SUGGEST_FAR;

	if (cont)
		return 1;
	if (home) {  /* seed in [train]: it does nothing there */
		gic_task_warn(p, "key '%s' ignored: it belongs in %s, not in "
			      "[%s]", k, home, p->section);
		return 1;
	}
	for (; *keys; keys++)
		if (gic_suggest_closer(k, strlen(k), *keys, &best))
			meant = *keys;
	if (meant)
		gic_task_warn(p, "unknown key '%s' ignored (did you mean '%s'?)", k,
			    meant);
	else
		gic_task_warn(p, "unknown key '%s' ignored", k);
	return 1;
}

int gic_task_fail(struct parse *p, const char *fmt, ...)
{
	va_list ap;

	struct problem *e = p->nerrs < MAX_ERRORS ? &p->errs[p->nerrs] : NULL;

	/* errors are found section by section, checks after parsing: when
	 * they are too many, the first by line are kept */
	if (!e) {
		e = &p->errs[0];
		for (int i = 1; i < MAX_ERRORS; i++)
			if (p->errs[i].line > e->line)
				e = &p->errs[i];
		if (e->line <= p->line)
			e = NULL;
	}
	if (e) {
		e->line = p->line;
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
	}
	p->nerrs++;
	return 0;
}

static int open_section(struct parse *p, const char *section);


/* The keys seen in a section, forgotten when the next one opens. */
static void forget_keys(struct parse *p)
{
	for (size_t i = 0; i < p->nseen; i++)
		free(p->seen[i].key);
	p->nseen = 0;
}

/* A header followed by no key (another header, or the end, came first):
 * its section is opened all the same, so that an empty [test x] is a set
 * without select, not nothing. */
void gic_task_open_empty(struct parse *p)
{
	p->header = 0;
	forget_keys(p);
	if (p->pending[0])
		open_section(p, p->pending);
}

/* A set name: a directory name of its own in any export (not hidden,
 * so neither . nor .. nor the mark an export leaves while it runs). */
int gic_task_set_name_ok(const char *s)
{
	if (!*s || *s == '.' || strlen(s) > GIC_TASK_NAME_MAX)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._-", *s))
			return 0;
	return 1;
}

/* "; did you mean [train]?" for [tran] (its first word misspelt), or
 * "". */
static const char *meant_section(const char *section, char *out, size_t n)
{
	static const char *const words[] = { "task", "train", "val", "test",
					     "set", "split", NULL };
	size_t len = strcspn(section, " "), best = GIC_SUGGEST_FAR;
	const char *w = NULL;

	for (int i = 0; words[i]; i++) {
		if (strlen(words[i]) == len && !strncmp(section, words[i], len))
			return "";  /* the word is right, its NAME is not */
		if (gic_suggest_closer(section, len, words[i], &best))
			w = words[i];
	}
	if (!w)
		return "";
	snprintf(out, n, "; did you mean [%s%.*s]?", w, GIC_TASK_NAME_MAX + 1,
		 section + len);
	return out;
}

/* A new section header: [task], [split], [train], [val], [test NAME]. */
struct gic_task_set *gic_task_new_set(struct gic_task *t, const char *name)
{
	struct gic_task_set *s;

	for (int i = 0; i < t->nsets; i++)
		if (!strcmp(t->sets[i].name, name)) {
			/* a share's line is its ratios' */
			gic_seterr(GIC_EUSAGE, "set '%s' is defined twice (first "
				   "%s line %d)", name, t->sets[i].share > 0 ?
				   "by the ratios of [split]," : "on",
				   t->sets[i].line);
			return NULL;
		} else if (!strcasecmp(t->sets[i].name, name)) {
			/* one directory where case does not count (macOS,
			 * Windows): the second set's files would land in it */
			gic_seterr(GIC_EUSAGE, "set '%s' differs from set '%s' "
				   "only in case", name, t->sets[i].name);
			return NULL;
		}
	if (t->nsets == GIC_TASK_MAX_SETS) {
		gic_seterr(GIC_EUSAGE, "too many sets (at most %d)",
			   GIC_TASK_MAX_SETS);
		return NULL;
	}
	s = &t->sets[t->nsets++];
	memset(s, 0, sizeof(*s));
	s->name = strdup(name);
	s->fraction = 1;
	return s;
}

static int start_section(struct parse *p, const char *section)
{
	struct gic_task_set *s;
	char name[160], meant[GIC_TASK_NAME_MAX + 48];
	int *first = !strcmp(section, "task") ? &p->task_line :
		     !strcmp(section, "split") ? &p->t->split_line : NULL;

	snprintf(p->section, sizeof(p->section), "%s", section);
	p->set = NULL;
	p->in_split = !strcmp(section, "split");
	if (first) {
		/* a second one would silently win, key by key */
		if (*first)
			return gic_task_fail(p, "section [%s] given twice (first "
					     "on line %d)", section, *first);
		*first = p->line;
		p->t->has_split |= p->in_split;
		return 1;
	}
	if (!strcmp(section, "train") || !strcmp(section, "val"))
		snprintf(name, sizeof(name), "%s", section);
	else if (!strncmp(section, "test ", 5) && gic_task_set_name_ok(section + 5))
		snprintf(name, sizeof(name), "test/%s", section + 5);
	else if (!strcmp(section, "test"))
		snprintf(name, sizeof(name), "test");
	else if (!strncmp(section, "set ", 4) && gic_task_set_name_ok(section + 4))
		snprintf(name, sizeof(name), "%s", section + 4);
	else
		return gic_task_fail(p, "unknown section [%s] (task, train, val, "
				     "test NAME, set NAME, split; a name is up "
				     "to %d characters: letters, digits, . _ -, "
				     "not starting with .)%s", section,
				     GIC_TASK_NAME_MAX, meant_section(section,
				     meant, sizeof(meant)));
	/* too many sets is said once, at the first one past the limit */
	if (p->t->nsets == GIC_TASK_MAX_SETS && p->too_many++)
		return 0;
	if (!(s = gic_task_new_set(p->t, name)))
		return gic_task_fail(p, "%s", gic_errmsg());
	s->line = p->line;
	p->set = s;
	return 1;
}

/* A section begins at its header line (inih hands over its first key):
 * its line, and its errors', are the header's. */
static int open_section(struct parse *p, const char *section)
{
	int line = p->line, rc;

	p->line = p->header_line ? p->header_line : line;
	rc = start_section(p, section);
	p->line = line;  /* the reader's count */
	return rc;
}

/* A number in [lo, hi], a whole one when whole; key says what it may be. */
static int parse_number(struct parse *p, const char *key, const char *v,
			double lo, double hi, int whole, double *out)
{
	if (!gic_decimal(v, out) || !(*out >= lo && *out <= hi) ||
	    (whole && *out != (double)(long long)*out))
		return gic_task_fail(p, "bad value for %s: '%s'", key, v);
	return 1;
}

/* Is k a key of one value in the section open?  An indented line below
 * one, which inih hands over as a continuation, would replace the
 * value.  (select, degrade*, description and ratios go on over lines.) */
static int one_value(const struct parse *p, const char *k)
{
	static const char *const task[] = { "name", "seed", NULL };
	static const char *const split[] = { "group", NULL };
	static const char *const set[] = { "balance", "stratify", "fraction",
					   "max_per_class", NULL };
	const char *const *keys = !strcmp(p->section, "task") ? task :
				  p->in_split ? split : set;

	for (int i = 0; keys[i]; i++)
		if (!strcmp(k, keys[i]))
			return 1;
	return 0;
}

/* Replaces *dst, or appends to it for a continuation line. */
static int keep(struct parse *p, char **dst, const char *v, int cont)
{
	char *n;

	if (cont && *dst) {
		size_t a = strlen(*dst);
		if (!(n = realloc(*dst, a + strlen(v) + 2)))
			return gic_task_fail(p, "out of memory");
		n[a] = ' ';
		strcpy(n + a + 1, v);
		*dst = n;
		return 1;
	}
	free(*dst);
	*dst = strdup(v);
	return 1;
}

const char *const gic_task_degrade_keys[GIC_DEGRADE_KEYS] = {
	"degrade", "degrade_real", "degrade_fake" };

static int set_key(struct parse *p, struct gic_task_set *s, const char *k,
		   const char *v, int cont)
{
	double d;

	if (!strcmp(k, "select")) {
		if (!cont)
			s->select_line = p->line;
		return keep(p, &s->select, v, cont);
	}
	for (int i = 0; i < GIC_DEGRADE_KEYS; i++) {
		if (strcmp(k, gic_task_degrade_keys[i]))
			continue;
		if (!cont)
			s->degrade_line[i] = p->line;
		return keep(p, &s->degrade[i], v, cont);
	}
	if (!strcmp(k, "balance")) {
		size_t far = GIC_SUGGEST_FAR;

		if (strcmp(v, "label"))
			return gic_task_fail(p, "balance can only be 'label', not "
					     "'%s'%s", v, gic_suggest_closer(v,
					     strlen(v), "label", &far) ?
					     "; did you mean 'label'?" : "");
		return keep(p, &s->balance, v, 0);
	}
	if (!strcmp(k, "stratify")) {
		char w[32];
		size_t n = 0, len;
		const char *c = v;

		for (;;) {  /* "label, class": white space around the comma */
			c += strspn(c, " \t");
			if ((len = strcspn(c, ", \t")) >= sizeof(w) - 1 - n)
				break;
			memcpy(w + n, c, len);
			n += len;
			c += len + strspn(c + len, " \t");
			if (*c != ',' || n + 1 >= sizeof(w) - 1)
				break;
			w[n++] = *c++;
		}
		w[n] = '\0';
		if (*c || (strcmp(w, "label") && strcmp(w, "class") &&
		    strcmp(w, "label,class") && strcmp(w, "class,label")))
			return gic_task_fail(p, "stratify takes label, class or label,class,"
				    " not '%s'", v);
		return keep(p, &s->stratify, w, 0);
	}
	if (!strcmp(k, "fraction")) {
		if (!parse_number(p, "fraction (0 < f <= 1)", v, DBL_TRUE_MIN, 1, 0, &d))
			return 0;
		s->fraction = d;
		return 1;
	}
	if (!strcmp(k, "max_per_class")) {
		if (!parse_number(p, "max_per_class (1..1e9)", v, 1, 1e9, 1, &d))
			return 0;
		s->max_per_class = (int)d;
		return 1;
	}
	return unknown_key(p, k, cont, set_keys);
}

static int task_key(struct parse *p, const char *k, const char *v, int cont)
{
	struct gic_task *t = p->t;
	char *end;

	if (!strcmp(k, "name") && !*v)  /* eval, exports would show "" */
		return gic_task_fail(p, "name is empty (without the key, the "
				     "task is named after its file)");
	if (!strcmp(k, "name"))
		return keep(p, &t->name, v, 0);
	if (!strcmp(k, "description")) {
		if (!cont)
			p->description_line = p->line;
		return keep(p, &t->description, v, cont);
	}
	if (!strcmp(k, "seed")) {
		errno = 0;
		t->seed = strtoll(v, &end, 10);
		if (errno == ERANGE)
			return gic_task_fail(p, "seed must be an integer from "
					     "%lld to %lld, not '%s'", LLONG_MIN,
					     LLONG_MAX, v);
		if (errno || end == v || *end)
			return gic_task_fail(p, "seed must be an integer, not '%s'", v);
		return 1;
	}
	return unknown_key(p, k, cont, task_keys);
}

/* 1 when key k was given before in this section (not as a continuation
 * line of it): an error, as a second value would silently win. */
static int repeated(struct parse *p, const char *k, int cont)
{
	if (cont)
		return 0;
	for (size_t i = 0; i < p->nseen; i++)
		if (!strcmp(p->seen[i].key, k)) {
			gic_task_fail(p, "'%s' given twice in [%s] (first on line %d); a "
			     "long value goes on indented lines below it", k,
			     p->section, p->seen[i].line);
			return 1;
		}
	if (gic_grow(&p->seen, p->nseen, &p->seen_cap, sizeof(*p->seen), 16) ||
	    !(p->seen[p->nseen].key = strdup(k)))
		return gic_task_fail(p, "out of memory"), 1;
	p->seen[p->nseen++].line = p->line;
	return 0;
}

/* A share of [split] named almost like train, val or test ('tst') is a
 * set of its own, which eval does not score: said, in case it is a typo,
 * of the sets from the first on (those a line of ratios added). */
static void odd_shares(struct parse *p, int first)
{
	static const char *const usual[] = { "train", "val", "test", NULL };
	const struct gic_task *t = p->t;

	for (int i = first; i < t->nsets; i++) {
		const char *name = t->sets[i].name, *meant = NULL;
		size_t best = GIC_SUGGEST_FAR;

		if (t->sets[i].share <= 0 || !strcmp(name, "train") ||
		    !strcmp(name, "val") || !strcmp(name, "test"))
			continue;
		for (int u = 0; usual[u]; u++)
			if (gic_suggest_closer(name, strlen(name), usual[u],
					       &best))
				meant = usual[u];
		if (meant)
			gic_task_warn(p, "ratios: set '%s' is a set of its own "
				    "(did you mean '%s'?)", name, meant);
	}
}

static int on_key(struct parse *p, const char *section, const char *k,
		  const char *v, int cont)
{
	p->keyed = 1;

	if (!*section)
		return gic_task_fail(p, "'%s' before any [section]", k), 1;
	if (p->header && !p->pending[0]) {
		/* "[test x" without ']': inih reports it, and goes on in the
		 * section before, which these keys are not of */
		p->header = 0;
		p->skip = 1;
		return 1;
	}
	if (p->header || strcmp(section, p->ini_section)) {
		snprintf(p->ini_section, sizeof(p->ini_section), "%s", section);
		/* the reader's copy of the header when it is this one, whole */
		if (p->header && !strncmp(p->pending, section, strlen(section)))
			section = p->pending;
		p->header = 0;
		forget_keys(p);
		p->skip = !open_section(p, section);
	}
	section = p->section;
	if (!*k && !cont && !p->skip)  /* "= foo": a value without a key */
		return gic_task_fail(p, "'= %s': a value without a key (key = "
				     "value)", v), 1;
	if (p->skip || repeated(p, k, cont))
		return 1;
	if (cont && one_value(p, k))
		return gic_task_fail(p, "'%s' takes one value, not continued "
				     "on an indented line", k), 1;
	snprintf(p->last_key, sizeof(p->last_key), "%s", k);
	p->last_line = p->line;
	if (!strcmp(section, "task"))
		return task_key(p, k, v, cont);
	if (p->in_split) {
		if (!strcmp(k, "select")) {
			if (!cont)
				p->t->split_select_line = p->line;
			return keep(p, &p->t->split_select, v, cont);
		}
		if (!strcmp(k, "group"))
			return strcmp(v, "sha256") && strcmp(v, "class") &&
			       strcmp(v, "near_duplicate") ?
			       gic_task_fail(p, "group must be sha256, class or "
				    "near_duplicate, not '%s'", v) :
			       keep(p, &p->t->split_group, v, 0);
		if (!strcmp(k, "ratios")) {  /* may go on over lines */
			int before = p->t->nsets;
			const char *c = v + strspn(v, " \t");
			size_t n;

			if (!cont)
				p->ratios_line = p->line;
			/* lines joined as one: a comma between shares, at
			 * the end of one line or the start of the next */
			if (cont && *c == ',' && !p->ratios_open)
				v = c + 1;
			else if (cont && !p->ratios_open)
				return p->ratios_bad = 1, gic_task_fail(p,
					"ratios: a comma goes between shares, "
					"also between lines, before '%s'", v);
			for (n = strlen(v); n && isspace((unsigned char)v[n - 1]); n--)
				;
			p->ratios_open = n && v[n - 1] == ',';
			if (gic_task_split_shares(p->t, v, &p->ratios_sum,
					 p->ratios_line) < 0) {
				p->ratios_bad = 1;  /* said: no sum */
				return gic_task_fail(p, "%s", gic_errmsg());
			}
			odd_shares(p, before);
			return 1;
		}
		return unknown_key(p, k, cont, split_keys);
	}
	return set_key(p, p->set, k, v, cont);
}

/* A copy of a continuation line's value cut at an inline comment (a ';'
 * after white space), or NULL when it has none: inih (r55) cuts a key's
 * own line there but hands its continuation lines over whole. */
static char *uncomment(const char *v)
{
	const char *c = v;
	char *cut;
	size_t n;

	while (*c && !(*c == ';' && c > v && isspace((unsigned char)c[-1])))
		c++;
	if (!*c)
		return NULL;
	for (n = (size_t)(c - v); n && isspace((unsigned char)v[n - 1]); n--)
		;
	if ((cut = malloc(n + 1)))
		memcpy(cut, v, n), cut[n] = 0;
	return cut;
}

/* inih's handler: errors are collected, so that the whole file is read. */
static int handler(void *user, const char *section, const char *k,
		   const char *v)
{
	struct parse *p = user;
	/* inih hands an indented line after a key to the handler under that
	 * key's name: a continuation, not a repetition */
	int cont = !strcmp(k, p->last_key) &&
		   p->prev_content == p->last_line && p->indented;
	char *cut = cont ? uncomment(v) : NULL;

	on_key(p, section, k, cut ? cut : v, cont);
	free(cut);
	return 1;
}

/* A task without a name is named after its file, not the path to it (a
 * task's name is in its hash: one spelling of the path, or another
 * working directory, must not make another task): "t/mine.ini" is
 * "mine". */
static char *name_of_file(const char *path)
{
	const char *b = strrchr(path, '/');
	size_t n;

	b = b ? b + 1 : path;
	n = strlen(b);
	if (n > 4 && !strcmp(b + n - 4, ".ini"))
		n -= 4;
	return strndup(b, n);
}

/* Not a task file at all (a predictions CSV, a README given by mistake):
 * lines, and not one of them a [section] header, or the first of them
 * neither a header nor key = value. Said once, not as an error on
 * every line. */
static int not_ini(const char *s)
{
	int content = 0;

	for (; *s; s = gic_task_next_line(s)) {
		size_t ws = strspn(s, INI_SPACE);

		if (s[ws] == '[')
			return 0;
		if (!s[ws] || strchr(";#\r\n", s[ws]))
			continue;
		if (!content++ && strcspn(s, "=:\r\n") == strcspn(s, "\r\n"))
			return 1;
	}
	return content;
}

int gic_task_parse(const char *text, const char *path, struct gic_task **out)
{
	struct parse p = { 0 };
	struct gic_task *t;
	/* a UTF-8 BOM: inih skips it, but the reader, which sees the
	 * headers whole, must too */
	const char *body = strncmp(text, "\xEF\xBB\xBF", 3) ? text : text + 3;
	int rc;

	*out = NULL;
	if (not_ini(body)) {
		char shown[512];

		gic_esc(path, shown, sizeof(shown));
		return gic_seterr(GIC_EUSAGE, "%s: not a task file (a task file "
				  "is INI: [task], [train], [test NAME] ..., "
				  "each set with select = EXPR)", shown);
	}
	if (!(t = calloc(1, sizeof(*t))) || !(t->text = strdup(text)) ||
	    !(t->path = strdup(path))) {
		gic_task_free(t);
		return gic_seterr(GIC_ENOMEM, "out of memory");
	}
	p.t = t;
	p.path = path;
	p.text = p.next = body;
	/* select expressions outgrow inih's default 200-byte lines */
	ini_use_stack = 0;
	ini_allow_realloc = 1;
	ini_max_line = INI_LINE_MAX;
	rc = ini_parse_stream(gic_task_reader, &p, handler, &p);
	if (rc > 0 && (!p.syntax_line || rc < p.syntax_line)) {
		/* the reader found the lines inih would, from the first */
		p.line = rc;
		gic_task_fail(&p, "%s", GIC_TASK_SYNTAX);
	}
	if (p.long_line) {
		p.line = p.long_line;
		gic_task_fail(&p, "a line longer than %d bytes", GIC_TASK_LINE_MAX);
	}
	if (p.header)
		gic_task_open_empty(&p);
	gic_task_validate(&p);
	forget_keys(&p);
	free(p.seen);
	if (p.nerrs) {
		rc = gic_task_report(&p);
		gic_task_free(t);
		return rc;
	}
	if (!t->name && !(t->name = name_of_file(path))) {
		gic_task_free(t);
		return gic_seterr(GIC_ENOMEM, "out of memory");
	}
	*out = t;
	return 0;
}
