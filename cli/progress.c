/*
 * progress.c - the progress line on stderr (a terminal only): done/total,
 * rate and ETA, redrawn at most five times a second; the catalog's
 * progress hook drawing it.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

void progress_start(struct progress *p)
{
	p->on = isatty(STDERR_FILENO);
	p->start = p->last = gic_now();
	p->t0 = 0;
	p->d0 = 0;
	p->what[0] = '\0';
}

void progress_show(struct progress *p, const char *what, uint64_t done,
		   uint64_t total)
{
	double t, el, rate, eta;

	if (!p->on)  /* not a terminal: nothing to work out */
		return;
	t = gic_now();
	if (!p->t0) {
		p->t0 = t;
		p->d0 = done;
	}
	el = t - p->t0;
	rate = el > 0 && done > p->d0 ? (double)(done - p->d0) / el : 0;
	eta = rate > 0 && total > done ? (total - done) / rate : 0;
	if (t - p->last < 0.2)
		return;
	p->last = t;
	fprintf(stderr, "\r\033[K%s %llu", what, (unsigned long long)done);
	if (total)
		fprintf(stderr, "/%llu", (unsigned long long)total);
	if (el >= 0.5 && rate > 0)  /* not too soon to tell a rate */
		fprintf(stderr, "  %.0f/s", rate);
	if (el >= 0.5 && rate > 0 && total)
		fprintf(stderr, "  ETA %d:%02d", (int)eta / 60, (int)eta % 60);
}

/* The catalog's progress hook: the line of each phase starts afresh. */
static void progress_hook(void *arg, const char *what, uint64_t done,
			  uint64_t total)
{
	struct progress *p = arg;

	if (strncmp(p->what, what, sizeof(p->what) - 1)) {
		snprintf(p->what, sizeof(p->what), "%s", what);
		p->t0 = p->last = 0;
	}
	progress_show(p, what, done, total);
	if (!done)  /* the rate counts from the first progress made */
		p->t0 = 0;
}

void cli_progress_hook(struct gic_catalog *c, struct progress *p)
{
	progress_start(p);
	gic_catalog_on_progress(c, p->on ? progress_hook : NULL, p);
}

void cli_progress_unhook(struct gic_catalog *c, struct progress *p)
{
	gic_catalog_on_progress(c, NULL, NULL);
	progress_end(p);
}

void progress_end(struct progress *p)
{
	if (p->on)
		fputs("\r\033[K", stderr);
}
