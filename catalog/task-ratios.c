/*
 * task-ratios.c - the ratios of [split]: "train:0.8, val:0.1, test:0.1"
 * read into sets with their shares, and what a line of bare numbers or
 * percentages meant.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "csv.h"
#include "task.h"
#include "task-int.h"

/* Whether ratios named a set name already (on this line or above). */
static int a_share(const struct gic_task *t, const char *name)
{
	for (int i = 0; i < t->nsets; i++)
		if (t->sets[i].share > 0 && !strcmp(t->sets[i].name, name))
			return 1;
	return 0;
}

/* For ratios of bare numbers ("80/10/10", "0.8, 0.2"): the line they
 * mean, with names, into buf ("train:0.8, val:0.1, test:0.1"); else a
 * line of that form. */
static void unnamed_shares(const char *ratios, char *buf, size_t size)
{
	static const char *const two[] = { "train", "test" };
	static const char *const three[] = { "train", "val", "test" };
	char *copy = strdup(ratios), *save = NULL, *tok;
	double v[4], sum = 0;
	int n = 0;
	size_t len = 0;

	snprintf(buf, size, "train:0.8, val:0.1, test:0.1");
	for (tok = copy ? strtok_r(copy, "/:, \t", &save) : NULL; tok;
	     tok = strtok_r(NULL, "/:, \t", &save)) {
		if (n == 4 || !gic_decimal(tok, &v[n]) || !(v[n] > 0))
			break;
		sum += v[n++];
	}
	if (!tok && (n == 2 || n == 3) && (fabs(sum - 1) < 1e-9 ||
					  fabs(sum - 100) < 1e-9)) {
		*buf = '\0';
		for (int i = 0; i < n; i++)
			gic_appendf(buf, size, &len, "%s%s:%g", i ? ", " : "",
				    n == 2 ? two[i] : three[i],
				    sum > 1 ? v[i] / 100 : v[i]);
	}
	free(copy);
}

/* A share name:share (as written: after the colon) whose share is no
 * fraction: GIC_EUSAGE, with the line meant when it was bare numbers
 * ("80:10:10") or a percentage ("train:80"). */
static int bad_share(const char *ratios, const char *name, const char *share,
		     const char *written)
{
	char want[96], note[160] = "";
	double x;

	if (gic_decimal(name, &x)) {
		unnamed_shares(ratios, want, sizeof(want));
		snprintf(note, sizeof(note), " (each share names its set: "
			 "ratios = %s)", want);
	} else if (gic_decimal(share, &x) && x > 1 && x <= 100) {
		snprintf(note, sizeof(note), " (a fraction: %s:%g for %g%%)",
			 name, x / 100, x);
	}
	return gic_seterr(GIC_EUSAGE, "ratios: bad share '%s:%s': a share is "
			  "a number over 0 and at most 1%s", name, written,
			  note);
}

/* The shares of a line of ratios, added as sets (of the ratios' line)
 * and to *sum.  The fields are CSV's (trimmed); an empty one only ends a
 * line that goes on ("train:0.8,"). */
int gic_task_split_shares(struct gic_task *t, const char *ratios, double *sum,
			  int line)
{
	char *buf = strdup(ratios), *f[GIC_TASK_MAX_SETS + 2];
	int n = buf ? gic_csv_split(buf, ',', 0, f, GIC_TASK_MAX_SETS + 2) : 0;
	int rc = buf ? 0 : gic_seterr(GIC_ENOMEM, "out of memory");
	int commas = n - 1;

	if (n > GIC_TASK_MAX_SETS + 1)  /* the rest is not stored */
		rc = gic_seterr(GIC_EUSAGE, "too many sets (at most %d)",
				GIC_TASK_MAX_SETS);
	if (rc == 0 && n > 1 && !*f[n - 1])
		n--;
	for (int i = 0; i < n && rc == 0; i++) {
		char *name = f[i], *colon = strchr(name, ':'), *end, *share;
		struct gic_task_set *s;
		double v;

		if (!*name) {
			rc = gic_seterr(GIC_EUSAGE, commas ? "ratios: an empty "
					"share before a comma" : "ratios: no "
					"shares, e.g. ratios = train:0.8, "
					"test:0.2");
			break;
		}
		if (!colon) {
			char want[96];

			unnamed_shares(ratios, want, sizeof(want));
			rc = gic_seterr(GIC_EUSAGE, "ratios: expected name:share, "
					"not '%s' (each share names its set, as a "
					"fraction: ratios = %s)", name, want);
			break;
		}
		*colon = '\0';
		for (end = colon; end > name && isspace((unsigned char)end[-1]); )
			*--end = '\0';
		for (share = colon + 1; isspace((unsigned char)*share); share++)
			;
		for (end = share + strlen(share); end > share &&
		     isspace((unsigned char)end[-1]); )
			*--end = '\0';
		if (!gic_task_set_name_ok(name)) {
			rc = gic_seterr(GIC_EUSAGE, "ratios: bad share '%s:%s': "
					"a set name is up to %d characters: "
					"letters, digits, . _ -, not starting "
					"with .", name, colon + 1,
					GIC_TASK_NAME_MAX);
			break;
		}
		if (a_share(t, name)) {
			rc = gic_seterr(GIC_EUSAGE, "ratios: set '%s' is named "
					"twice", name);
			break;
		}
		if (!gic_decimal(share, &v) || !(v > 0 && v <= 1)) {
			rc = bad_share(ratios, name, share, colon + 1);
			break;
		}
		if (!(s = gic_task_new_set(t, name))) {
			rc = GIC_EUSAGE;
			break;
		}
		s->share = v;
		s->line = line;
		*sum += v;
	}
	free(buf);
	return rc;
}
