/*
 * cli.h - what the command files (cmd-<name>.c) share: the command table
 * entry, error reporting with exit codes, opening the catalog, progress,
 * and row output in the table/csv/jsonl/paths formats.
 */
#ifndef GIC_CLI_H
#define GIC_CLI_H

#include <getopt.h>
#include <stdio.h>

#include "catalog.h"
#include "maint.h"
#include "task.h"

/* Exit codes (README): */
enum { EXIT_OK = 0, EXIT_PROBLEMS = 1, EXIT_USAGE = 2, EXIT_RUNTIME = 3 };

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;   /* options and arguments */
	const char *summary; /* one line */
	const char *help;    /* the options explained, or NULL */
};

const struct cmd *cli_find_cmd(const char *name);
/* options.c.  getopt_long, remembering what it parsed so that
 * cli_getopt_end can say in one line what was wrong with an option
 * (getopt itself says nothing). */
int cli_getopt(int argc, char **argv, const char *shorts,
	       const struct option *longs, int *index);
/* Prints the usage of cmd to f. */
void cli_usage(const struct cmd *cmd, FILE *f);
/* After a usage error: the synopsis and where the rest is, not the whole
 * help, which would bury the one line that says what was wrong. */
void cli_usage_hint(const struct cmd *cmd);
/* For bad options: prints "gicat: <cmd>: <msg>" and usage; returns 2. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* An input file argument: "-" is standard input ("/dev/stdin"; a file
 * named "-" is "./-"), anything else itself. */
const char *cli_input(const char *arg);
/* "--class takes 0..999 or an ImageNet wnid, not 'X'" (naming the classes
 * X is a name of) as cli_usage_error; returns 2. */
int cli_bad_class(const char *cmd, const char *arg);
/* For a misspelt subcommand: "; did you mean 'WORD'?" with the one of
 * words (NULL-terminated) closest to bad, or "" when none is close. */
const char *cli_meant(const char *bad, const char *const *words);
/* Handles -h/--help and unknown options the same way in every command:
 * returns -1 to go on, or an exit code. */
int cli_getopt_end(const char *cmd, int c);

/* "gicat: what: 'subject': <gic_errmsg()>", once per line of a message
 * of several (a task file's errors). */
void cli_print_error(const char *what, const char *subject);
/* Columns s takes on a terminal as cli_put_escaped writes it (\xNN:
 * four; an East Asian wide character: two). */
size_t cli_text_width(const char *s);
/* s (already escaped), then spaces to width terminal columns. */
void cli_put_padded(FILE *o, const char *s, int width);
/* Up to n bytes of s, control characters as \xNN (gic_text_step): a
 * file name cannot break an error line in two or send escape sequences.
 * Returns the bytes written (a column count, for plain text). */
size_t cli_put_escaped(FILE *f, const char *s, size_t n);
/* s as a message quotes it: escaped as gic_esc does and, past
 * CLI_SHOWN_MAX bytes, cut with "..." (an EXPR or a word may be 64 KiB
 * long).  Returns buf. */
#define CLI_SHOWN_MAX GIC_SHOWN_MAX
#define CLI_SHOWN_BUF GIC_SHOWN_BUF
const char *cli_shown(const char *s, char buf[CLI_SHOWN_BUF]);
/* "gicat: what: 'subject': why" (n bytes of why), escaped so. */
void cli_error_line(const char *what, const char *subject, const char *why,
		    size_t n);
/* The same, into a malloc'd string (NULL when out of memory). */
char *cli_escaped(const char *s);
/* The formatted text on stderr, escaped so but for a newline ending it:
 * every message that may hold a name, a path or a value given. */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "gicat: what: <the formatted text>" on stderr, escaped so as a whole. */
void cli_say(const char *what, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* cli_print_error; returns the exit code for rc. */
int cli_fail(int rc, const char *what, const char *subject);
/* db's last error (SQLite's message) as what's failure, about subject
 * (may be NULL): cli_fail of a GIC_EDB. */
int cli_db_fail(struct sqlite3 *db, const char *what, const char *subject);
int cli_exit_code(int rc);
/* Writes bytes to stdout now; on failure returns EXIT_RUNTIME, keeping
 * the reason for cli_finish_stdout to report. */
int cli_write_stdout(const void *buf, size_t len);
/* For the commands that write an image's bytes to stdout: when it is a
 * terminal, says so as a usage error (returns EXIT_USAGE), else 0. */
int cli_stdout_not_terminal(const char *cmd);
/* At exit: flushes stdout; if anything written to it was lost, says why
 * in one line and returns EXIT_RUNTIME, else code. */
int cli_finish_stdout(int code);
/* Notes that part of the output could not be written (why); the exit is
 * then a runtime failure, said once by cli_finish_stdout. */
void cli_output_lost(const char *why);
/* The value of --catalog (set by main), or NULL. */
extern const char *cli_catalog_opt;
/* Finds and opens the catalog; on failure prints and returns the exit
 * code (> 0), else 0. */
int cli_open(const char *cmd, struct gic_catalog **c);
/* The same, not migrating it (gic_catalog_open_as_is). */
int cli_open_as_is(const char *cmd, struct gic_catalog **c);
/* A bad expression: the message, the expression (a window around col
 * when it is long, "..." marking what is left out), a caret under column
 * col (1-based); returns EXIT_USAGE. */
int cli_expr_error(const char *cmd, const char *expr, int col);
/* Compiles expr only to report a bad one so; 0 or an exit code. */
int cli_expr_check(const char *cmd, const char *expr);
/* "A B C" from arguments: how every command takes EXPR, so that it may
 * be given unquoted; "" from none; malloc'd. */
char *cli_join_args(int argc, char **argv);
/* bytes for people, in decimal units: "512 bytes", "1.5 kB", "3.1 MB",
 * "2.7 GB"; buf holds at least 32 bytes. */
const char *cli_size(uint64_t bytes, char *buf, size_t size);
/* numopt.c.  --max-pixels (k, M, G for 10^3, 10^6, 10^9: "100M" is the
 * 100 Mpx limit) or another size limit (k or K, M, G for KiB, MiB, GiB),
 * non-zero, into *out: -1, or the exit code of a usage error naming opt. */
int cli_limit_opt(const char *cmd, const char *opt, const char *v,
		  uint64_t *out);
/* A count or a time in seconds (--limit, --jobs, --grace): digits only,
 * no size suffix, lo..hi, into *out: -1, or the exit code of a usage
 * error naming opt (and lo..hi, unless hi is INT64_MAX or more: a bound
 * no one types, so "a whole number" or "at most"). */
int cli_number_opt(const char *cmd, const char *opt, const char *v,
		   uint64_t lo, uint64_t hi, uint64_t *out);
/* --distance of the near-duplicate search: bits, 0..GIC_NEAR_MAX_DISTANCE
 * (cli_number_opt); 0, or the exit code of a usage error. */
int cli_distance_opt(const char *cmd, const char *v, int *out);
/* options.c.  --dataset, --generator, --label and --split of ingest and
 * fetch (NULL: not given): -1, or the exit code of a usage error naming
 * the option. */
int cli_entry_opts(const char *cmd, const char *dataset,
		   const char *generator, const char *label, const char *split);
/* --license IDS of ingest and fetch (NULL: not given), checked against
 * c's registry: -1, or the exit code of a usage error naming the option
 * (of a failure, when the registry cannot be read). */
int cli_license_opt(const char *cmd, struct gic_catalog *c, const char *ids);

/* A progress line on stderr when it is a terminal; silent otherwise. */
struct progress {
	int on;
	double start, last;
	double t0;              /* the first count heard, and when: the rate */
	uint64_t d0;            /*   is over what came since, not the set-up */
	char what[160];         /* the phase a hook last showed */
};
void progress_start(struct progress *p);
/* "WHAT DONE/TOTAL  RATE/s  ETA m:ss" (TOTAL 0: not known, no ETA) */
void progress_show(struct progress *p, const char *what, uint64_t done,
		   uint64_t total);
void progress_end(struct progress *p);
/* The catalog's long operations (a task's sets resolved, the leak check)
 * shown on p's line until unhooked (which clears it). */
void cli_progress_hook(struct gic_catalog *c, struct progress *p);
void cli_progress_unhook(struct gic_catalog *c, struct progress *p);

/* Row output. */
enum out_format { OUT_TABLE, OUT_CSV, OUT_JSONL, OUT_PATHS };
int out_format_parse(const char *s, enum out_format *f);
/* After EXPR selected nothing: says which name value no entry has. */
void cli_select_hint(const char *cmd, struct gic_catalog *c, const char *expr);
/* 1 with the note of cli_select_hint in hint when no entry has the
 * dataset or generator (kind) name, else 0. */
int cli_name_hint(struct gic_catalog *c, const char *kind, const char *name,
		  char *hint, size_t size);
/* --format ARG of cmd: -1 when *f is set, else the usage error's exit
 * code (paths only where paths_ok). */
int cli_format_opt(const char *cmd, const char *arg, int paths_ok,
		   enum out_format *f);

struct sqlite3_stmt;
/*
 * Writes every row of s in format f.  Column names come from the statement;
 * integers stay integers in JSON, NULL is empty in CSV and null in JSON.
 * table: columns aligned from the first 200 rows.  Returns rows written.
 */
long out_rows(struct sqlite3_stmt *s, enum out_format f, FILE *o);
/* Finalizes s after its rows were read: 0, or the exit code of the
 * database error that ended them early (a damaged catalog). */
int cli_finish_rows(const char *cmd, struct sqlite3_stmt *s);
void out_csv_field(FILE *o, const char *v);
/* Writes obj as one compact JSON line (key order kept) and releases it;
 * an obj that cannot be written (NULL, text not UTF-8) is reported as lost
 * output. */
struct json_t;
void out_json_line(FILE *o, struct json_t *obj);
/* Writes obj as one JSON document, indented by two (as eval and audit
 * write theirs), and releases it; lost output reported as above. */
void out_json_doc(FILE *o, struct json_t *obj);
/* The current row of s as a JSON object (types as out_rows writes them),
 * and every remaining row of s as an array of such objects.  Text that is
 * not UTF-8 is made JSON (U+FFFD for such bytes); raw, it is kept byte for
 * byte, for a caller that prints it escaped (a JSON dump of it fails). */
struct json_t *out_row_object(struct sqlite3_stmt *s, int raw);
struct json_t *out_rows_array(struct sqlite3_stmt *s, int raw);

/* Files a command writes besides stdout (--html). */
/* 0 when path is outside the catalog c's own directory (where a report
 * could overwrite catalog.db), else the usage error's exit code. */
int cli_output_allowed(struct gic_catalog *c, const char *cmd,
		       const char *path);
/* Writes text to path through a temporary file renamed into place, so a
 * failed write leaves path as it was (a symlink's target is replaced, the
 * link stays); into a device or FIFO directly.  0, or the exit code,
 * reported. */
int cli_write_text(const char *cmd, const char *path, const char *text);

/* Commands on tasks (exporting.c). */
int cli_default_jobs(void);
/* Resolves t and derives its degraded sets with jobs threads, saying how
 * many derivations were computed and reused; 0 or an exit code. */
int cli_resolve(const char *cmd, struct gic_catalog *c,
		const struct gic_task *t, int jobs, struct gic_resolved **r);
/* The same for the sets want says yes to (gic_task_resolve_some). */
int cli_resolve_some(const char *cmd, struct gic_catalog *c,
		     const struct gic_task *t,
		     int (*want)(const struct gic_task *t,
				 const struct gic_task_set *def),
		     int jobs, struct gic_resolved **r);
/* Derives r's degraded sets, saying how many were computed (followed by
 * stored, unless NULL, when any was) and reused; 0 or an exit code. */
int cli_derive(const char *cmd, struct gic_catalog *c, struct gic_resolved *r,
	       int jobs, const char *stored);
/* The warnings of task r (gic_task_warnings), in line order, a line each
 * on stderr: "gicat: CMD: warning: FILE:LINE: why"; *count of them.  0,
 * or an exit code. */
int cli_task_warnings(const char *cmd, struct gic_catalog *c,
		      const struct gic_resolved *r, size_t *count);
/* Those of them about degraded images several originals became, for
 * commands that derive without the rest (gic_task_merged): 0, or a
 * negative code, not said. */
int cli_task_merged(const char *cmd, const struct gic_resolved *r);
/* The n warnings w of task t so, on stderr. */
void cli_task_warnings_print(const char *cmd, const struct gic_task *t,
			     const struct gic_task_warning *w, size_t n);
struct export_args {
	const char *out;
	int jobs;
	const char *file_opt; /* --mode or --names, given: only for formats
				 that write image files */
	struct gic_export_opts opts;
};
#define EXPORT_LONG_OPTS \
	{ "out", 1, 0, 'o' }, { "format", 1, 0, 'f' }, { "mode", 1, 0, 'm' }, \
	{ "names", 1, 0, 'N' }, { "shard-size", 1, 0, 'S' }, \
	{ "shard-bytes", 1, 0, 'Z' }, { "force", 0, 0, 'F' }
/* Handles one of EXPORT_LONG_OPTS, or 'j' (--jobs: threads that derive
 * degraded images and place image files): -1 to go on, or an exit code. */
int cli_export_opt(const char *cmd, int ch, const char *arg,
		   struct export_args *a);
/* After the options: --out given, and options that fit the format; 0 or
 * the exit code of a usage error. */
int cli_export_args_check(const char *cmd, const struct export_args *a);
/* --out checked before the sets are worked out (derived images included):
 * 0, or the exit code of a usage error, said. */
int cli_export_out_check(const char *cmd, struct gic_catalog *c,
			 const struct export_args *a);
int cli_export_run(const char *cmd, struct gic_catalog *c,
		   const struct gic_resolved *r, struct export_args *a);

/* Command entry points (cmd-<name>.c). */
int cmd_init(int argc, char **argv);
int cmd_ingest(int argc, char **argv);
int cmd_query(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_cat(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_gc(int argc, char **argv);
int cmd_rm(int argc, char **argv);
int cmd_mv(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_task(int argc, char **argv);
int cmd_split(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_fetch(int argc, char **argv);
int cmd_degrade(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_dedup(int argc, char **argv);
int cmd_leakcheck(int argc, char **argv);
int cmd_license(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_help(int argc, char **argv);

/* --generator G: a known generator by its canonical id (SD14, "SD V1.4"
 * and imagenet_ai_0419_sdv4 are sd14, which tasks select), any other
 * name (midjourney_v6 too) as given. */
static inline const char *cli_generator(const char *g)
{
	const char *id = gic_generator_exact(g);

	return id ? id : g;
}

/* "s" unless n is 1: "%llu problem%s", n, cli_s(n). */
static inline const char *cli_s(unsigned long long n)
{
	return n == 1 ? "" : "s";
}

/* ---- entry-notes.c: under the summary of an ingest or a fetch ---- */

/* "  N ONE|MANY WHAT (first: 'FIRST'): TAIL", when n is not 0 (FIRST
 * escaped; quoted when quote). */
void cli_note(uint64_t n, const char *one, const char *many, const char *what,
	      const char *first, int quote, const char *tail);
/* The lines "  rejected N: REASON". */
void cli_print_rejects(const struct gic_ingest_stats *st);
/* What the entries lack or their paths say otherwise: unknown wnids, no
 * generator, no class (val_given: --val-labels was), no fit to layout,
 * no label, names against folders; cmd says what a later run is. */
void cli_print_entry_notes(const char *cmd, const struct gic_ingest_stats *st,
			   enum gic_layout layout, int val_given);

/* one or many, as n says, for words "s" does not make: "entry" or
 * "entries", "image has" or "images have". */
static inline const char *cli_word(unsigned long long n, const char *one,
				   const char *many)
{
	return n == 1 ? one : many;
}

#endif
