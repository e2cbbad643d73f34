/*
 * eval-sink.c - eval's problems about a predictions file, said in line
 * order when the file is done (see eval-sink.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "eval-sink.h"

/* Keeps the problem in k's list, in line order (equal lines, and the
 * lineless, in the order they came), when it is among its first lines. */
static void keep(struct sink *s, int k, int line, char *text)
{
	size_t n = s->n[k] < EVAL_LIST_MAX ? s->n[k] : EVAL_LIST_MAX, at = n;
	struct told *l = s->list[k];

	while (at > 0 && l[at - 1].line > line)
		at--;
	if (at == EVAL_LIST_MAX) {  /* after every line listed */
		free(text);
		return;
	}
	if (n == EVAL_LIST_MAX)
		free(l[--n].text);
	memmove(l + at + 1, l + at, (n - at) * sizeof(*l));
	l[at] = (struct told){ line, text };
}

void eval_on_problem(void *arg, enum gic_eval_problem kind,
		     const char *where, const char *why)
{
	struct sink *s = arg;
	char *text = NULL;
	int line = strncmp(why, "line ", 5) ? 0 : atoi(why + 5);

	/* images a bad row meant to score would be listed as missing too */
	if (kind == GIC_EVAL_MISSING && s->n[GIC_EVAL_MALFORMED])
		return;
	if (asprintf(&text, "gicat: eval: %s'%s': %s\n", kind ==
		     GIC_EVAL_UNKNOWN ? "ignored: " : kind == GIC_EVAL_NOTE ||
		     (kind == GIC_EVAL_MISSING && s->allowed) ? "note: " : "",
		     where, why) < 0)
		text = NULL;
	keep(s, kind, line, text);
	s->n[kind]++;
}

void eval_sink_end(struct sink *s)
{
	static const char *const what[GIC_EVAL_NKINDS] = {
		"bad rows", "ignored rows", "images without a prediction",
		"notes" };

	for (int k = 0; k < GIC_EVAL_NKINDS; k++) {
		for (size_t i = 0; i < s->n[k] && i < EVAL_LIST_MAX; i++) {
			if (s->list[k][i].text)  /* a row's ESC as \x1b */
				cli_err("%s", s->list[k][i].text);
			free(s->list[k][i].text);
			s->list[k][i].text = NULL;
		}
		if (s->n[k] > EVAL_LIST_MAX)
			cli_err("gicat: eval: ... and %zu more %s\n",
				s->n[k] - EVAL_LIST_MAX, what[k]);
		s->n[k] = 0;
	}
}
