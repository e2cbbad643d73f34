/*
 * util.c - the CLI's shared plumbing: usage and error messages, exit codes,
 * finding the catalog, EXPR errors, writing output files (options are
 * read in options.c and numopt.c, the progress line in progress.c).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "cli.h"

#define SYNOPSIS_WIDTH 80

/* The length of the word of a synopsis at s: up to a space outside
 * brackets, or the end. */
static size_t synopsis_word(const char *s)
{
	size_t n = 0;
	int depth = 0;

	for (; s[n] && (depth > 0 || s[n] != ' '); n++)
		depth += s[n] == '[' ? 1 : s[n] == ']' ? -1 : 0;
	return n;
}

/* The synopsis of cmd, as git prints one: each alternative (a '|' word
 * outside brackets: " | ") a line of its own ("   or: gicat ..."), a
 * long one wrapped at its options, under its first. */
static void synopsis(const struct cmd *cmd, FILE *f)
{
	const char *s = cmd->usage;
	int col = fprintf(f, "usage: gicat %s", cmd->name), indent = col + 1;

	while (*s) {
		size_t n;

		while (*s == ' ')
			s++;
		if (!*s)
			break;
		n = synopsis_word(s);
		if (n == 1 && *s == '|') {
			col = fprintf(f, "\n   or: gicat %s", cmd->name) - 1;
			s++;
			continue;
		}
		if (col > indent && col + 1 + (int)n > SYNOPSIS_WIDTH)
			col = fprintf(f, "\n%*s", indent - 1, "") - 1;
		col += fprintf(f, " %.*s", (int)n, s);
		s += n;
	}
	fputc('\n', f);
}

void cli_usage(const struct cmd *cmd, FILE *f)
{
	synopsis(cmd, f);
	fprintf(f, "  %s\n", cmd->summary);
	if (cmd->help)
		fprintf(f, "\n%s", cmd->help);
}

void cli_usage_hint(const struct cmd *cmd)
{
	synopsis(cmd, stderr);
	if (cmd->help)
		fprintf(stderr, "('gicat %s -h' explains every option)\n",
			cmd->name);
}

/* A line for stderr, made whole in memory and written at once (stderr is
 * unbuffered: 100,000 failed URLs took 12 million writes); stderr itself
 * when memory is short. */
static FILE *line_open(char **text, size_t *len)
{
	FILE *m = open_memstream(text, len);

	return m ? m : stderr;
}

static void line_close(FILE *m, char **text, size_t *len)
{
	if (m == stderr)
		return;
	if (fclose(m) == 0)  /* which sets *text and *len */
		fwrite(*text, 1, *len, stderr);
	free(*text);
}

/* Writes the formatted text to stderr escaped (cli_put_escaped), all but
 * a newline that ends it. */
__attribute__((format(printf, 1, 0)))
static void say_escaped(const char *fmt, va_list ap)
{
	char *msg = NULL;
	int n = vasprintf(&msg, fmt, ap);
	size_t len;

	if (n < 0)
		return;
	len = (size_t)n;
	if (len && msg[len - 1] == '\n')
		len--;
	if (len < (size_t)n) {  /* a whole line: at once */
		char *text = NULL;
		size_t size = 0;
		FILE *o = line_open(&text, &size);

		cli_put_escaped(o, msg, len);
		fputc('\n', o);
		line_close(o, &text, &size);
	} else {
		cli_put_escaped(stderr, msg, len);
	}
	free(msg);
}

void cli_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say_escaped(fmt, ap);
	va_end(ap);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	const struct cmd *c = cli_find_cmd(cmd);
	va_list ap;

	fprintf(stderr, "gicat: %s: ", cmd);
	va_start(ap, fmt);
	say_escaped(fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (c)
		cli_usage_hint(c);
	return EXIT_USAGE;
}

const char *cli_input(const char *arg)
{
	return arg && !strcmp(arg, "-") ? "/dev/stdin" : arg;
}

int cli_bad_class(const char *cmd, const char *arg)
{
	char named[160];

	gic_class_word_note(arg, named, sizeof(named));
	return cli_usage_error(cmd, "--class takes 0..999 or an ImageNet "
			       "wnid, not '%s'%s", arg, named);
}

int cli_exit_code(int rc)
{
	switch (rc) {
	case 0:
		return EXIT_OK;
	case GIC_EUSAGE:
	case GIC_ENOTFOUND:
	case GIC_EAMBIG:
		return EXIT_USAGE;
	default:
		return EXIT_RUNTIME;
	}
}

/* Columns a terminal gives the UTF-8 character at u (len bytes): 2 for
 * the East Asian wide ranges (CJK, Hangul, full-width forms) and emoji,
 * 0 for combining marks and zero-width characters, else 1. */
static int char_width(const unsigned char *u, size_t len)
{
	uint32_t c = len == 1 ? u[0] : len == 2 ? (u[0] & 0x1fu) << 6 |
		     (u[1] & 0x3fu) : len == 3 ? (u[0] & 0x0fu) << 12 |
		     (u[1] & 0x3fu) << 6 | (u[2] & 0x3fu) : (u[0] & 0x07u) << 18 |
		     (u[1] & 0x3fu) << 12 | (u[2] & 0x3fu) << 6 | (u[3] & 0x3fu);

	if ((c >= 0x300 && c <= 0x36f) || (c >= 0x1ab0 && c <= 0x1aff) ||
	    (c >= 0x1dc0 && c <= 0x1dff) || (c >= 0x200b && c <= 0x200f) ||
	    (c >= 0x20d0 && c <= 0x20ff) || (c >= 0xfe00 && c <= 0xfe0f) ||
	    (c >= 0xfe20 && c <= 0xfe2f))
		return 0;
	return (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) ||
	       (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
	       (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) ||
	       (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1f64f) ||
	       (c >= 0x1f900 && c <= 0x1f9ff) || (c >= 0x20000 && c <= 0x3fffd)
	       ? 2 : 1;
}

void cli_put_padded(FILE *o, const char *s, int width)
{
	int pad = width - (int)cli_text_width(s);

	fprintf(o, "%s%*s", s, pad > 0 ? pad : 0, "");
}

size_t cli_text_width(const char *s)
{
	size_t cols = 0, left = strlen(s);

	while (left) {
		int esc;
		size_t k = gic_text_step(s, left, &esc);

		cols += esc ? 4 * k : (size_t)char_width((const unsigned char *)s,
							 k);
		s += k;
		left -= k;
	}
	return cols;
}

size_t cli_put_escaped(FILE *f, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char buf[1024];  /* stderr has none: a write per byte otherwise */
	size_t cols = 0, at = 0;

	for (size_t i = 0, k; i < n && s[i]; i += k) {
		int esc;

		k = gic_text_step(s + i, n - i, &esc);  /* 1..4 bytes */
		if (at + 16 > sizeof(buf)) {
			fwrite(buf, 1, at, f);
			at = 0;
		}
		for (size_t j = 0; j < k && esc; j++) {
			unsigned char c = (unsigned char)s[i + j];

			buf[at++] = '\\';
			buf[at++] = 'x';
			buf[at++] = hex[c >> 4];
			buf[at++] = hex[c & 15];
		}
		if (!esc)
			memcpy(buf + at, s + i, k), at += k;
		cols += esc ? 4 * k : (size_t)char_width((const unsigned char *)s + i,
							 k);
	}
	fwrite(buf, 1, at, f);
	return cols;
}

char *cli_escaped(const char *s)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		return NULL;
	cli_put_escaped(f, s, strlen(s));
	return fclose(f) == 0 ? out : (free(out), NULL);
}

void cli_say(const char *what, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	cli_error_line(what, NULL, msg, (size_t)n);
	free(msg);
}

void cli_print_error(const char *what, const char *subject)
{
	const char *m = gic_errmsg();
	char busy[1200];

	/* SQLite's words for a write lock another process held through
	 * the whole busy timeout ($GICAT_BUSY_TIMEOUT), or took between
	 * this one's read and its write (at once) */
	if (!gic_errmsg_lines() && strstr(m, "database is locked")) {
		snprintf(busy, sizeof(busy), "%.900s (another process is "
			 "writing the catalog: run this again once it is "
			 "done)", m);
		m = busy;
	}
	if (!gic_errmsg_lines()) {  /* a newline in it is a value's */
		cli_error_line(what, subject, m, strlen(m));
		return;
	}
	do { /* a message of several lines (a task's errors): each prefixed */
		size_t n = strcspn(m, "\n");
		cli_error_line(what, subject, m, n);
		m += n;
	} while (*m++);
}

/* Does why (n bytes) name subject already: quoted, or, when it is long
 * enough not to be there by chance, as a word of its own (a hash in
 * "object HASH is corrupt"), not a part of a longer path? */
static int names(const char *why, size_t n, const char *subject)
{
	size_t len = strlen(subject);

	for (const char *p = why, *end = why + n; len && p < end; p++) {
		const char *before, *after;

		if (!(p = memmem(p, (size_t)(end - p), subject, len)))
			return 0;
		before = p > why ? p - 1 : NULL;
		after = p + len < end ? p + len : NULL;
		if (before && after && *before == '\'' && *after == '\'')
			return 1;
		if (len >= 16 && (!before || strchr(" (", *before)) &&
		    (!after || strchr(" ),:;", *after)))
			return 1;
	}
	return 0;
}

void cli_error_line(const char *what, const char *subject, const char *why,
		    size_t n)
{
	char *text = NULL;
	size_t len = 0;
	FILE *o = line_open(&text, &len);

	fprintf(o, "gicat: %s: ", what);
	if (subject && !names(why, n, subject)) {
		fputc('\'', o);
		cli_put_escaped(o, subject, strlen(subject));
		fputs("': ", o);
	}
	cli_put_escaped(o, why, n);
	fputc('\n', o);
	line_close(o, &text, &len);
}

int cli_fail(int rc, const char *what, const char *subject)
{
	cli_print_error(what, subject);
	return cli_exit_code(rc);
}

int cli_db_fail(sqlite3 *db, const char *what, const char *subject)
{
	return cli_fail(gic_seterr(GIC_EDB, "%s", sqlite3_errmsg(db)), what,
			subject);
}

/* Why the first write to stdout failed (0: none did). */
static int stdout_errno;

int cli_write_stdout(const void *buf, size_t len)
{
	errno = 0;
	if (fwrite(buf, 1, len, stdout) == len && fflush(stdout) == 0)
		return 0;
	if (!stdout_errno)
		stdout_errno = errno ? errno : EIO;
	return EXIT_RUNTIME;
}

int cli_stdout_not_terminal(const char *cmd)
{
	if (!isatty(STDOUT_FILENO))
		return 0;
	return cli_usage_error(cmd, "stdout is a terminal: redirect the image "
			       "to a file");
}

static char lost_why[160];

void cli_output_lost(const char *why)
{
	if (!lost_why[0])
		snprintf(lost_why, sizeof(lost_why), "%s", why);
}

int cli_finish_stdout(int code)
{
	errno = 0;
	if (lost_why[0]) {
		fflush(stdout);
		fprintf(stderr, "gicat: output incomplete: %s\n", lost_why);
		return EXIT_RUNTIME;
	}
	if (fflush(stdout) == 0 && !ferror(stdout))
		return code;
	if (!stdout_errno)
		stdout_errno = errno ? errno : EIO;
	fprintf(stderr, "gicat: write to stdout: %s\n", strerror(stdout_errno));
	return EXIT_RUNTIME;
}

static int open_with(const char *cmd, struct gic_catalog **c,
		     int (*open)(const char *, struct gic_catalog **))
{
	char *root = NULL;
	int rc;

	if ((rc = gic_catalog_find(cli_catalog_opt, &root)) < 0)
		return cli_fail(rc, cmd, NULL);
	rc = open(root, c);
	if (rc < 0)
		rc = cli_fail(rc, cmd, root);
	free(root);
	return rc;
}

int cli_open(const char *cmd, struct gic_catalog **c)
{
	return open_with(cmd, c, gic_catalog_open);
}

int cli_open_as_is(const char *cmd, struct gic_catalog **c)
{
	return open_with(cmd, c, gic_catalog_open_as_is);
}

/* Characters of EXPR shown on each side of an error's column. */
#define EXPR_WINDOW 60

static int utf8_continuation(char c)
{
	return ((unsigned char)c & 0xc0) == 0x80;
}

const char *cli_shown(const char *s, char buf[CLI_SHOWN_BUF])
{
	return gic_esc_cut(s, CLI_SHOWN_MAX, buf, CLI_SHOWN_BUF);
}

/* A file name or path where an EXPR was expected: one word, no
 * operator, quote or parenthesis, and a '/' or an extension; or a file
 * there is (a name with blanks), without a quote. */
static int looks_like_path(const char *expr)
{
	return (expr[strcspn(expr, " \t=<>~!()'\"")] == '\0' &&
		(strchr(expr, '/') || strrchr(expr, '.'))) ||
	       (!strpbrk(expr, "'\"") && access(expr, F_OK) == 0);
}

/* A hash or a prefix of one where an EXPR was expected (with a digit:
 * "face" is a word). */
static int looks_like_hash(const char *expr)
{
	size_t n = strspn(expr, "0123456789abcdef");

	return n >= 4 && n <= 64 && !expr[n] && strpbrk(expr, "0123456789");
}

/* Does s begin with $HOME, as a word: what the shell makes of a ~ alone
 * ("class_name ~ tench" unquoted)? */
static int home_at(const char *s)
{
	const char *home = getenv("HOME");
	size_t n = home ? strlen(home) : 0;

	return n > 1 && !strncmp(s, home, n) && (!s[n] || s[n] == ' ');
}

int cli_expr_error(const char *cmd, const char *expr, int col)
{
	size_t len = strlen(expr), at = col > 1 ? (size_t)col - 1 : 0;
	size_t from, to, shown;
	const char *pre, *post;

	if (at > len)
		at = len;
	from = at > EXPR_WINDOW ? at - EXPR_WINDOW : 0;
	to = len - at > EXPR_WINDOW ? at + EXPR_WINDOW : len;
	while (from > 0 && from < at && utf8_continuation(expr[from]))
		from++;
	while (to < len && utf8_continuation(expr[to]))
		to++;
	pre = from ? "..." : "";
	post = to < len ? "..." : "";
	cli_err("gicat: %s: %s\n", cmd, gic_errmsg());
	fprintf(stderr, "  %s", pre);
	/* the caret under the column as shown: a control byte takes four */
	shown = cli_put_escaped(stderr, expr + from, at - from);
	cli_put_escaped(stderr, expr + at, to - at);
	fprintf(stderr, "%s\n  %*s^\n", post, (int)(strlen(pre) + shown), "");
	if (looks_like_path(expr))
		cli_err("gicat: %s: note: EXPR is field op value; entries by "
			"path: gicat %s \"path = '%s'\" (a tree: \"path ~ "
			"'dir/*'\")\n", cmd, cmd, expr);
	else if (looks_like_hash(expr))
		cli_err("gicat: %s: note: EXPR is field op value; an image by "
			"hash: gicat %s \"sha256 %s '%s%s'\"\n", cmd, cmd,
			len == 64 ? "=" : "~", expr, len == 64 ? "" : "*");
	else if (home_at(expr + at))
		cli_err("gicat: %s: note: the shell made an unquoted ~ your "
			"home directory (%s): quote the expression: gicat %s "
			"\"class_name ~ 'tench*'\"\n", cmd, getenv("HOME"), cmd);
	/* "width > 300" cut by the shell: "width" or "width 300" */
	else if (strstr(gic_errmsg(), "expected an operator after") &&
		 (!expr[at] || isdigit((unsigned char)expr[at])))
		cli_err("gicat: %s: note: EXPR is field op value, and the "
			"shell takes an unquoted > or >= for itself (the output "
			"goes to a file named by what follows): gicat %s "
			"'width > 300'\n", cmd, cmd);
	return EXIT_USAGE;
}

int cli_expr_check(const char *cmd, const char *expr)
{
	struct gic_sql sql;
	int errcol = 0, rc = gic_query_compile(expr, &sql, &errcol);

	if (rc == GIC_EUSAGE)
		return cli_expr_error(cmd, expr, errcol);
	if (rc < 0)
		return cli_fail(rc, cmd, NULL);
	gic_sql_release(&sql);
	return 0;
}

char *cli_join_args(int argc, char **argv)
{
	size_t len = 1, at = 0;
	char *s;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	if (!(s = calloc(1, len)))
		return NULL;
	/* appended at the end kept, not strcat's walk from the start each
	 * time: 200,000 words took a second that way */
	for (int i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]);

		if (i)
			s[at++] = ' ';
		memcpy(s + at, argv[i], n);
		at += n;
	}
	s[at] = '\0';
	return s;
}

const char *cli_size(uint64_t bytes, char *buf, size_t size)
{
	static const char *const unit[] = { "kB", "MB", "GB", "TB" };
	double v = (double)bytes;
	int u = -1;

	if (bytes < 1000) {
		snprintf(buf, size, "%llu bytes", (unsigned long long)bytes);
		return buf;
	}
	while (v >= 1000 && u < 3) {
		v /= 1000;
		u++;
	}
	snprintf(buf, size, "%.1f %s", v, unit[u]);
	return buf;
}

int cli_output_allowed(struct gic_catalog *c, const char *cmd,
		       const char *path)
{
	const char *dir = gic_catalog_holds(c, path);
	char *copy;
	struct stat st;
	int there;

	/* one line each, exit 2: the options were right, the path is not */
	if (!*path)
		return cli_fail(gic_seterr(GIC_EUSAGE, "an empty file name"),
				cmd, path);
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return cli_fail(gic_seterr(GIC_EUSAGE, "is a directory: name a "
					   "file"), cmd, path);
	if (dir)
		return cli_fail(gic_seterr(GIC_EUSAGE, "inside the catalog (%s): "
					   "write reports elsewhere", dir), cmd,
				path);
	/* said before the work, not after it */
	copy = strdup(path);
	there = copy && stat(dirname(copy), &st) == 0 && S_ISDIR(st.st_mode);
	free(copy);
	return there ? 0 : cli_fail(gic_seterr(GIC_EUSAGE, "cannot be written: "
					       "its directory does not exist"),
				    cmd, path);
}

/* Writes into a device, FIFO or socket as it stands, as cp would. */
static int write_through(const char *cmd, const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int ok = f && fputs(text, f) >= 0;

	if (f && fclose(f) != 0)
		ok = 0;
	return ok ? 0 : cli_fail(gic_seterr(GIC_EIO, "not written: %s",
					    strerror(errno)), cmd, path);
}

/* The process's umask (reading it means setting it: put back). */
static mode_t current_umask(void)
{
	mode_t m = umask(022);

	umask(m);
	return m;
}

int cli_write_text(const char *cmd, const char *path, const char *text)
{
	char *tmp = NULL, *real = NULL;
	const char *dest = path;
	struct stat st;
	FILE *f = NULL;
	int ok, fd = -1;

	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		return write_through(cmd, path, text);
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) &&
	    (real = realpath(path, NULL)))
		dest = real;  /* replace what the link points at */
	/* a name of its own (mkstemp: never a file or link someone left
	 * there), as readable as a new file, on disk before it replaces
	 * the report */
	ok = asprintf(&tmp, "%s.tmp-XXXXXX", dest) >= 0 &&
	     (fd = mkostemp(tmp, O_CLOEXEC)) >= 0 &&
	     fchmod(fd, 0666 & ~current_umask()) == 0 &&
	     (f = fdopen(fd, "w")) && fputs(text, f) >= 0 &&
	     fflush(f) == 0 && fsync(fd) == 0;
	if (f ? fclose(f) != 0 : fd >= 0 && close(fd) != 0)
		ok = 0;
	if (ok && rename(tmp, dest) != 0)
		ok = 0;
	if (!ok) {
		int rc = cli_fail(gic_seterr(GIC_EIO, "not written: %s",
					     strerror(errno)), cmd, path);
		if (fd >= 0) /* only a file this call made */
			unlink(tmp);
		free(tmp);
		free(real);
		return rc;
	}
	free(tmp);
	free(real);
	return 0;
}
