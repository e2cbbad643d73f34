/*
 * eval-read.c - reading what eval is given: prediction files (CSV or TSV
 * with a header row, or JSONL with jansson) and run lists
 * (TASK<TAB>PREDICTIONS).
 *
 * A prediction file is checked row by row and every bad row is reported
 * with its line number, so one run of eval lists all there is to fix.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <strings.h>

#include <jansson.h>

#include "csv.h"
#include "eval-int.h"
#include "json.h"

enum { C_SHA, C_PATH, C_SCORE, C_PRED, C_SET, NCOLS };
static const char *const col_names[NCOLS] = {
	"sha256", "path", "score", "pred", "set" };

#define MAX_FIELDS GIC_CSV_MAX_FIELDS

struct reader {
	const char *path;
	const struct gic_eval_opts *o;
	struct gic_preds *out;
	size_t bad;
	int line;
	int col[NCOLS];          /* CSV: field of each column, -1 if absent */
	int nfields;             /* CSV: fields of the header */
	char *head[MAX_FIELDS];  /* CSV: the header's fields */
	char **fields;           /* CSV: the row being read */
	json_t *obj;             /* JSONL: the row being read */
	char sep;                /* ',' or, for TSV, '\t' */
	size_t both, disagree;   /* rows with score and pred; and where pred
				    is not what score says, at 0.5 nor at
				    the threshold */
	int first_disagree;      /* the line of the first of those */
};

__attribute__((format(printf, 2, 3)))
static int bad(struct reader *r, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	r->bad++;
	gic_eval_problem_at(r->o, GIC_EVAL_MALFORMED, r->path, r->line, "%s",
			    why);
	return 0;
}

void gic_eval_problem_at(const struct gic_eval_opts *o,
			 enum gic_eval_problem kind, const char *file,
			 int line, const char *fmt, ...)
{
	char why[512];
	va_list ap;
	int n;

	if (!o || !o->on_problem)
		return;
	/* "'FILE': line N: why", as the header's errors and every list's */
	n = snprintf(why, sizeof(why), "line %d: ", line);
	va_start(ap, fmt);
	vsnprintf(why + n, sizeof(why) - (size_t)n, fmt, ap);
	va_end(ap);
	o->on_problem(o->arg, kind, file, why);
}
/* A score: a finite decimal number within [0, 1]. */
static int parse_score(struct reader *r, const char *s, double *out)
{
	if (!gic_decimal(s, out))
		return bad(r, "score '%s' is not a number", s), -1;
	/* 1e-400 is a number (0, as a double); 1e999 one far above 1 */
	if (*out < 0 || *out > 1)
		return bad(r, "score %s is outside [0, 1]", s), -1;
	return 0;
}

/* A pred: real or fake, a number that is 0 or 1 ("1.0" too, as a JSON
 * 1.0 is), or true or false in any case (pandas writes a bool True). */
static int parse_pred(struct reader *r, const char *s, double *out)
{
	double d;

	if (!gic_decimal(s, &d))
		d = -1;

	if (!strcasecmp(s, "fake") || !strcasecmp(s, "true") || d == 1)
		*out = 1;
	else if (!strcasecmp(s, "real") || !strcasecmp(s, "false") || d == 0)
		*out = 0;
	else
		return bad(r, "pred '%s' is not real, fake, 0, 1, true or "
			   "false", s), -1;
	return 0;
}

/* Does pred contradict score cut at t?  At t itself trainers differ on
 * > and >=. */
static int contradicts(double said, double score, double t)
{
	return (said == 1) != (score >= t) && score != t;
}

/* A row with both: the score is what is scored; the pred is compared
 * with what the score says at 0.5, a trainer's usual cut, and at the
 * threshold (see disagreement). */
static int agree(struct reader *r, const char *pred, double score)
{
	double said;

	if (parse_pred(r, pred, &said) < 0)
		return -1;
	r->both++;
	if (contradicts(said, score, 0.5) &&
	    contradicts(said, score, r->o->threshold) && !r->disagree++)
		r->first_disagree = r->line;
	return 0;
}

/* Most rows' pred contradicting their score means a score that is the
 * probability of *real*: the file is refused.  A few contradictions (a
 * pred cut elsewhere), or a few rows with a pred, are only noted. */
static void disagreement(struct reader *r)
{
	if (!r->disagree)
		return;
	r->line = r->first_disagree;
	if (r->disagree * 2 > r->both && r->both * 2 > r->out->n) {
		/* every row of the file is in doubt: none is used */
		bad(r, "pred contradicts score (at 0.5 and at the threshold) on "
		    "%zu of %zu rows that have both: is the score the "
		    "probability of fake?", r->disagree, r->both);
		r->bad += r->out->n - 1;
		gic_preds_release(r->out);
	} else {
		gic_eval_problem_at(r->o, GIC_EVAL_NOTE, r->path, r->line,
				    "pred contradicts score (at 0.5 and at the "
				    "threshold) on %zu of %zu rows that have "
				    "both; scored by score",
				    r->disagree, r->both);
	}
}

/* Names trainers give the columns, each with the column it would be
 * here and what that one holds. */
static const struct {
	const char *name;
	int col;
} other_names[] = {
	{ "image", C_PATH }, { "img", C_PATH }, { "file", C_PATH },
	{ "filename", C_PATH }, { "file_name", C_PATH },
	{ "filepath", C_PATH }, { "file_path", C_PATH },
	{ "image_path", C_PATH }, { "img_path", C_PATH },
	{ "hash", C_SHA }, { "sha", C_SHA }, { "sha_256", C_SHA },
	{ "digest", C_SHA }, { "prob", C_SCORE }, { "probability", C_SCORE },
	{ "prob_fake", C_SCORE }, { "fake_prob", C_SCORE },
	{ "p_fake", C_SCORE }, { "y_score", C_SCORE },
	{ "confidence", C_SCORE }, { "prediction", C_PRED },
	{ "predicted", C_PRED }, { "y_pred", C_PRED },
	{ "predicted_label", C_PRED }, { "pred_label", C_PRED },
	{ "label", C_PRED },
};
static const char *const col_holds[NCOLS] = {
	[C_SHA] = "the image's SHA-256", [C_PATH] = "the image's path",
	[C_SCORE] = "the probability that the image is fake",
	[C_PRED] = "the detector's call, real/fake or 0/1",
};

/* Column name, if its name is another for column a or b: *hint says so
 * ("; name 'prob' score, if it holds the probability ..."). */
static void other_name(const char *name, int a, int b, char *hint,
		       size_t size)
{
	for (size_t i = 0; !*hint && i < sizeof(other_names) /
	     sizeof(*other_names); i++)
		if ((other_names[i].col == a || other_names[i].col == b) &&
		    !strcasecmp(name, other_names[i].name))
			snprintf(hint, size, "; name '%s' %s, if it holds %s",
				 name, col_names[other_names[i].col],
				 col_holds[other_names[i].col]);
}

/* A row without column a or b: says which ones it has (those not
 * empty or null), so that a misnamed column shows. */
static int lacks(struct reader *r, int a, int b)
{
	char names[256] = "", hint[160] = "";
	size_t len = 0;
	const char *key;
	json_t *v;

	if (r->obj) {
		/* a or b there, null or empty: a name of that row is no hint */
		json_t *ma = NULL, *mb = NULL;
		const char *k1, *k2;
		int hinted;

		gic_json_member(r->obj, col_names[a], &ma, &k1, &k2);
		gic_json_member(r->obj, col_names[b], &mb, &k1, &k2);
		hinted = !ma && !mb;

		json_object_foreach(r->obj, key, v)
			if (!json_is_null(v) && !(json_is_string(v) &&
						  !*json_string_value(v))) {
				gic_appendf(names, sizeof(names), &len, "%s%s",
					    len ? ", " : "", key);
				if (hinted)
					other_name(key, a, b, hint,
						   sizeof(hint));
			}
	} else {  /* the header has a or b, empty here: no hint */
		for (int i = 0; i < r->nfields; i++)
			if (*r->fields[i])
				gic_appendf(names, sizeof(names), &len, "%s%s",
					    len ? ", " : "", r->head[i]);
	}
	if (!len)
		return bad(r, "no %s and no %s (the row is empty)",
			   col_names[a], col_names[b]);
	return bad(r, "no %s and no %s (the row has: %s%s)", col_names[a],
		   col_names[b], names, hint);
}

/* Adds a row from its column values (NULL: absent). */
static int add(struct reader *r, const char *const v[NCOLS])
{
	struct gic_pred p = { .line = r->line };
	int by_sha = v[C_SHA] && *v[C_SHA];

	if (!by_sha && !(v[C_PATH] && *v[C_PATH]))
		return lacks(r, C_SHA, C_PATH);
	if (by_sha && (strlen(v[C_SHA]) < GIC_EVAL_MIN_PREFIX ||
		       strlen(v[C_SHA]) > GIC_HEX_LEN ||
		       strspn(v[C_SHA], "0123456789abcdefABCDEF") !=
		       strlen(v[C_SHA])))
		return bad(r, "sha256 '%s' is not 64 hex digits (or a prefix of "
			   "at least %d)", v[C_SHA], GIC_EVAL_MIN_PREFIX);
	if (v[C_SCORE] && *v[C_SCORE]) {
		if (parse_score(r, v[C_SCORE], &p.score) < 0)
			return 0;
		if (v[C_PRED] && *v[C_PRED] && agree(r, v[C_PRED], p.score) < 0)
			return 0;
	} else if (v[C_PRED] && *v[C_PRED]) {
		if (parse_pred(r, v[C_PRED], &p.score) < 0)
			return 0;
		p.hard = 1;
	} else {
		return lacks(r, C_SCORE, C_PRED);
	}
	if (gic_grow(&r->out->v, r->out->n, &r->out->cap, sizeof(*r->out->v),
		     1024))
		return GIC_ENOMEM;
	p.kind = by_sha ? GIC_KEY_SHA256 : GIC_KEY_PATH;
	p.key = strdup(by_sha ? v[C_SHA] : v[C_PATH]);
	p.set = v[C_SET] && *v[C_SET] ? strdup(v[C_SET]) : NULL;
	p.path = by_sha && v[C_PATH] && *v[C_PATH] ? strdup(v[C_PATH]) : NULL;
	if (!p.key || (v[C_SET] && *v[C_SET] && !p.set) ||
	    (by_sha && v[C_PATH] && *v[C_PATH] && !p.path)) {
		free(p.key);
		free(p.set);
		free(p.path);
		return gic_seterr(GIC_ENOMEM, "out of memory");
	}
	if (by_sha)
		for (char *k = p.key; *k; k++)
			*k = (char)tolower((unsigned char)*k);
	r->out->v[r->out->n++] = p;
	return 0;
}

/* A header without column a or b: it says which it has. */
static int no_column(struct reader *r, int a, int b)
{
	char has[256] = "", hint[160] = "";
	size_t len = 0;

	for (int i = 0; i < r->nfields; i++) {
		gic_appendf(has, sizeof(has), &len, "%s%s", i ? ", " : "",
			    r->head[i]);
		other_name(r->head[i], a, b, hint, sizeof(hint));
	}
	if (r->nfields == 1 && strchr(r->head[0], ';'))
		snprintf(hint, sizeof(hint), "; fields are separated by commas "
			 "or tabs, not semicolons");
	return gic_seterr(GIC_EUSAGE, "line %d: the header names no %s or %s "
			  "column (it has: %s%s)", r->line, col_names[a],
			  col_names[b], has, hint);
}

/* The header row: which field holds which column. */
static int csv_header(struct reader *r, char *line)
{
	int n, dup;

	n = gic_csv_split(line, r->sep, 1, r->head, MAX_FIELDS);
	if (n < 0)  /* not "no key column (it has: )" */
		return gic_seterr(GIC_EUSAGE, "line %d: the header: %s",
				  r->line, gic_csv_why(n));
	if (n > MAX_FIELDS)
		return gic_seterr(GIC_EUSAGE, "line %d: the header has %d "
				  "columns, more than the %d gicat reads",
				  r->line, n, MAX_FIELDS);
	r->nfields = n;
	if ((dup = gic_csv_columns(r->head, n, col_names, NCOLS, r->col)) >= 0)
		return gic_seterr(GIC_EUSAGE, "line %d: two '%s' columns in the "
				  "header", r->line, col_names[dup]);
	if (r->col[C_SHA] < 0 && r->col[C_PATH] < 0)
		return no_column(r, C_SHA, C_PATH);
	if (r->col[C_SCORE] < 0 && r->col[C_PRED] < 0)
		return no_column(r, C_SCORE, C_PRED);
	return 0;
}

static int csv_row(struct reader *r, char *line)
{
	char *f[MAX_FIELDS];
	const char *v[NCOLS];
	int n = gic_csv_split(line, r->sep, 1, f, MAX_FIELDS);

	if (n < 0)
		return bad(r, "%s", gic_csv_why(n));
	if (n != r->nfields)
		return bad(r, "%d field%s where the header has %d%s", n,
			   n == 1 ? "" : "s", r->nfields, n > 1 ? "" :
			   r->sep == '\t' ? " (fields are separated by tabs)" :
			   " (fields are separated by commas)");
	for (int c = 0; c < NCOLS; c++)  /* a quoted " 0.5 " is 0.5 too */
		v[c] = r->col[c] < 0 ? NULL : c == C_SCORE || c == C_PRED ?
		       gic_trim(f[r->col[c]]) : f[r->col[c]];
	r->fields = f;
	return add(r, v);
}

/* A JSON member as text: strings as they are; for score and pred, numbers
 * printed back exactly, so that one parser checks both formats. */
static int json_col(struct reader *r, json_t *j, int c, char *buf, size_t n,
		    const char **out)
{
	*out = NULL;
	if (!j || json_is_null(j))
		return 0;
	if (json_is_string(j)) {
		*out = json_string_value(j);
		if (c == C_SCORE)
			return bad(r, "score must be a number, not a string"), -1;
		return 0;
	}
	if ((c == C_SCORE || c == C_PRED) && json_is_number(j)) {
		if (json_is_integer(j))
			snprintf(buf, n, "%lld", (long long)json_integer_value(j));
		else
			gic_real_text(json_real_value(j), buf);
		*out = buf;
		return 0;
	}
	if (c == C_PRED && json_is_boolean(j)) {  /* true: fake, as 1 */
		*out = json_is_true(j) ? "1" : "0";
		return 0;
	}
	return bad(r, "'%s' must be a %s", col_names[c],
		   c == C_SCORE ? "number" : c == C_PRED ?
		   "string, a number or a boolean" : "string"), -1;
}

/* The member of o for column c, in any case (gic_json_member). */
static int json_member(struct reader *r, json_t *o, int c, json_t **out)
{
	const char *k1, *k2;

	if (gic_json_member(o, col_names[c], out, &k1, &k2) < 0)
		return bad(r, "two '%s' keys: '%s' and '%s'", col_names[c], k1,
			   k2), -1;
	return 0;
}

static int json_row(struct reader *r, const char *line)
{
	json_t *m;
	const char *v[NCOLS];
	char num[NCOLS][40];
	json_error_t err;
	json_t *o = json_loads(line, JSON_REJECT_DUPLICATES, &err);
	char why[JSON_ERROR_TEXT_LENGTH + 32];
	int rc = 0;

	if (!o)
		return bad(r, "not JSON: %s",
			   gic_json_why(&err, why, sizeof(why)));
	if (!json_is_object(o)) {
		rc = bad(r, "not a JSON object");
		goto out;
	}
	for (int c = 0; c < NCOLS; c++)
		if (json_member(r, o, c, &m) < 0 ||
		    json_col(r, m, c, num[c], sizeof(num[c]), &v[c]) < 0)
			goto out;
	r->obj = o;
	rc = add(r, v);
	r->obj = NULL;
out:
	json_decref(o);
	return rc;
}

/* The separator of a header row: a tab when it has tabs and no comma. */
static char header_sep(const char *line)
{
	size_t n = strcspn(line, "\r\n");

	return memchr(line, '\t', n) && !memchr(line, ',', n) ? '\t' : ',';
}

/* The line number of the first line of text that is neither blank nor
 * an INI comment (';' or '#'), which *at points to; 0 if none. */
static int first_ini_line(const char *text, const char **at)
{
	int line = 1;

	for (const char *p = text; *p; line++) {
		const char *q = p + strspn(p, " \t\r");

		if (*q && *q != '\n' && *q != ';' && *q != '#')
			return *at = q, line;
		p = strchr(p, '\n');
		if (!p)
			break;
		p++;
	}
	return 0;
}

/* A task file given as predictions (the two files swapped): a [section]
 * before anything but comments.  0 when text is no such file. */
static int swapped_task(const char *text)
{
	const char *at;
	int line = first_ini_line(text, &at);

	if (line == 0 || *at != '[')
		return 0;
	if (line == 1)
		return gic_seterr(GIC_EUSAGE, "a [section] on its first line, "
				  "as in a task file: predictions are CSV or "
				  "JSONL (gicat eval TASK --predictions FILE)");
	return gic_seterr(GIC_EUSAGE, "line %d: a [section] after comment "
			  "lines, as in a task file: predictions are CSV "
			  "or JSONL (gicat eval TASK --predictions FILE)", line);
}

/* Feeds every non-blank record of text (modified in place) to the
 * reader. */
static int read_lines(struct reader *r, char *text)
{
	const char *first = text + strspn(text, " \t\r\n");
	int rc = 0, json = *first == '{', header = !json, rows = 0;
	struct gic_records rec;
	char *s;

	if (*first == '[' && strchr("{[]\"-0123456789", first[1 + strspn(first + 1,
						" \t\r\n")]))
		/* json.dump of a list: no CSV header */
		return gic_seterr(GIC_EUSAGE, "a JSON array: eval reads JSONL, "
				  "one JSON object a line");
	if ((rc = swapped_task(text)) < 0)
		return rc;
	r->sep = header_sep(first);
	gic_records_init(&rec, text, r->sep, !json);
	while (rc == 0 && (s = gic_records_next(&rec))) {
		r->line = rec.line;
		if (!s[strspn(s, " \t")])  /* fields keep their tabs: TSV */
			continue;
		if (json) {
			rc = json_row(r, s);
		} else if (header) {
			rc = csv_header(r, s);
			header = 0;
		} else {
			rc = csv_row(r, s);
			rows++;
		}
	}
	if (rc == 0 && header)
		rc = gic_seterr(GIC_EUSAGE, "empty: no header row");
	else if (rc == 0 && !json && !rows)
		rc = gic_seterr(GIC_EUSAGE, "a header and no rows: no "
				"predictions");
	return rc;
}

/* Reads the whole of path into a NUL-terminated malloc'd buffer. */
static int slurp(const char *path, char **buf, size_t *len)
{
	return gic_read_input(path, GIC_MAX_TEXT_INPUT, buf, len);
}

int gic_preds_read(const char *path, const struct gic_eval_opts *o,
		   struct gic_preds *out, size_t *nbad)
{
	struct reader r = { .path = path, .o = o, .out = out };
	char *buf;
	size_t len;
	int rc;

	memset(out, 0, sizeof(*out));
	*nbad = 0;
	if ((rc = slurp(path, &buf, &len)) == 0)
		rc = read_lines(&r, buf + (strncmp(buf, "\xef\xbb\xbf", 3) ? 0 : 3));
	if (rc == 0)
		disagreement(&r);
	free(buf);
	*nbad = r.bad;
	if (rc < 0)
		gic_preds_release(out);
	return rc;
}

void gic_preds_release(struct gic_preds *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].key);
		free(p->v[i].set);
		free(p->v[i].path);
	}
	free(p->v);
	memset(p, 0, sizeof(*p));
}

/* path taken from dir (the run list's directory): always, or only when
 * such a file exists (else as written: a shipped task's name). */
static char *near(const char *dir, const char *path, int always)
{
	struct stat st;
	char *joined;

	if (path[0] == '/' || !dir)
		return strdup(path);
	if (asprintf(&joined, "%s/%s", dir, path) < 0)
		return NULL;
	/* a file there (a directory of the same name, such as one holding
	 * a shipped task's predictions, is none) */
	if (always || (stat(joined, &st) == 0 && !S_ISDIR(st.st_mode)))
		return joined;
	free(joined);
	return strdup(path);
}

static int run_line(char *s, const char *dir, int line, struct gic_run *run)
{
	char *tab = strchr(s, '\t'), *task, *pred;

	if (!tab)
		return gic_seterr(GIC_EUSAGE, "line %d: expected TASK<TAB>"
				  "PREDICTIONS", line);
	*tab = '\0';
	task = gic_trim(s);
	pred = gic_trim(tab + 1);
	if (!*task || !*pred || strchr(pred, '\t'))
		return gic_seterr(GIC_EUSAGE, "line %d: expected TASK<TAB>"
				  "PREDICTIONS", line);
	run->line = line;
	run->task = near(dir, task, 0);
	run->predictions = near(dir, pred, 1);
	if (!run->task || !run->predictions)
		return gic_seterr(GIC_ENOMEM, "out of memory");
	return 0;
}

#define BAD_RUNS_SHOWN 10 /* bad lines of a run list named, one a line */

int gic_runs_read(const char *path, struct gic_run **out, int *n)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? strndup(path, (size_t)(slash - path)) : NULL;
	char *buf = NULL, *s, bad[2048] = "";
	struct gic_records rec;
	size_t len, nbad = 0, blen = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = slurp(path, &buf, &len)) < 0)
		goto out;
	gic_records_init(&rec, buf + (strncmp(buf, "\xef\xbb\xbf", 3) ? 0 : 3),
			 '\t', 0);  /* a BOM, as a predictions file may have */
	while (rc == 0 && (s = gic_records_next(&rec))) {
		int line = rec.line;

		if (!*gic_trim(s) || *gic_trim(s) == '#')
			continue;
		struct gic_run *g = realloc(*out, (size_t)(*n + 1) * sizeof(*g));
		if (!g) {
			rc = gic_seterr(GIC_ENOMEM, "out of memory");
			break;
		}
		*out = g;
		memset(&g[*n], 0, sizeof(*g));
		/* every bad line said, the first 10 of them one a line */
		if ((rc = run_line(s, dir, line, &g[(*n)++])) == GIC_EUSAGE) {
			if (nbad++ < BAD_RUNS_SHOWN)
				gic_appendf(bad, sizeof(bad), &blen, "%s%s",
					    blen ? "\n" : "", gic_errmsg());
			rc = 0;
		}
	}
	if (rc == 0 && nbad > BAD_RUNS_SHOWN)
		gic_appendf(bad, sizeof(bad), &blen, "\n... and %zu more bad "
			    "lines", nbad - BAD_RUNS_SHOWN);
	if (rc == 0 && nbad)
		rc = gic_seterr_lines(GIC_EUSAGE, bad);
	if (rc == 0 && *n == 0)
		rc = gic_seterr(GIC_EUSAGE, "no runs in the list");
out:
	free(buf);
	free(dir);
	if (rc < 0) {
		gic_runs_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

void gic_runs_free(struct gic_run *runs, int n)
{
	for (int i = 0; i < n; i++) {
		free(runs[i].task);
		free(runs[i].predictions);
	}
	free(runs);
}
