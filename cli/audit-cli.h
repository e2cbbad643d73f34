/*
 * audit-cli.h - what the parts of gicat audit share: its options, and how
 * a failure, an empty selection and an HTML page are told.
 */
#ifndef GICAT_AUDIT_CLI_H
#define GICAT_AUDIT_CLI_H

#include "audit.h"
#include "catalog.h"
#include "task.h"

struct aopts {
	const char *sub, *task_file, *html;
	char *expr;             /* NULL when none is given */
	enum gic_use use;
	int json;
	double max_shortcut;    /* < 0: no limit */
	char title[512];
	struct gic_task *task;
	struct gic_resolved *r;
	struct gic_audit_src src;
};

/* Maps a library failure to the message and exit code. */
int cli_audit_failed(const struct aopts *o, int rc, int errcol);
/* Writes the page text to path; 0 or an exit code, said. */
int cli_audit_html(const char *path, const char *text);
/* An audit of nothing passes nothing: a mistyped EXPR (dataset =
 * GenImage) must not turn a gate green.  Says so; EXIT_PROBLEMS. */
int cli_audit_nothing(struct gic_catalog *c, const struct aopts *o,
		      const char *what);

/* audit-license.c: gicat audit license; the exit code. */
int cli_audit_license(struct gic_catalog *c, struct aopts *o);

#endif
