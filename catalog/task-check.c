/*
 * task-check.c - what a task may not mean, short of an error: the task
 * file's own warnings (unknown keys), empty and unbalanced sets, and test
 * sets that share images with train.  One list in line order, so that
 * task check and split say the same things the same way.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dedup.h"

/* The most of a path a warning quotes: its end, "..." before it. */
#define PATH_SHOWN 160

struct list {
	struct gic_task_warning *v;
	size_t n, cap;
};

__attribute__((format(printf, 3, 4)))
static int add(struct list *l, int line, const char *fmt, ...)
{
	va_list ap;

	if (gic_grow(&l->v, l->n, &l->cap, sizeof(*l->v), 16) < 0)
		return GIC_ENOMEM;
	l->v[l->n].line = line;
	va_start(ap, fmt);
	vsnprintf(l->v[l->n].msg, sizeof(l->v[l->n].msg), fmt, ap);
	va_end(ap);
	l->n++;
	return 0;
}

/* Leaking pairs per set of r, counted as gic_leakcheck finds them. */
struct leaks {
	const struct gic_resolved *r;
	uint64_t pairs[GIC_TASK_MAX_SETS];
};

static int count_leak(void *arg, const struct gic_leak *l)
{
	struct leaks *k = arg;

	for (int i = 0; i < k->r->nsets; i++)
		if (!strcmp(k->r->sets[i].def->name, l->test_set)) {
			k->pairs[i]++;
			break;
		}
	return 0;
}

size_t gic_set_label_conflicts(const struct gic_resolved_set *s,
			       const char *narrow, char *buf, size_t size)
{
	const struct gic_item *first = NULL;
	const char *path;
	size_t n = 0, len;

	for (size_t i = 0; i < s->n; i++)
		if (s->items[i].other_label[0] && !n++)
			first = &s->items[i];
	if (!n)
		return 0;
	/* a long path by its end (the file's name), so that the sentence
	 * after it fits a warning whole; whole UTF-8 characters */
	path = first->path ? first->path : "";
	len = strlen(path);
	if (len > PATH_SHOWN)
		for (path += len - (PATH_SHOWN - 3);
		     ((unsigned char)*path & 0xC0) == 0x80;)
			path++;
	snprintf(buf, size, "%zu image%s entries labelled both real and fake "
		 "(first: %.12s, '%s%s'): taken as %s, the label of %s first "
		 "entry by (dataset, path); fix the labels or narrow %s", n,
		 n == 1 ? " has" : "s have", first->sha256,
		 len > PATH_SHOWN ? "..." : "", path, first->label,
		 n == 1 ? "its" : "each one's", narrow);
	return n;
}

/* Images of s whose entries in the selection disagree on the label. */
static int label_conflicts(struct list *l, const struct gic_resolved_set *s)
{
	char why[1024];

	if (!gic_set_label_conflicts(s, "select", why, sizeof(why)))
		return 0;
	return add(l, s->def->line, "set '%s': %s", s->def->name, why);
}

/* Degraded images that several originals of the set became. */
static int merged(struct list *l, const struct gic_resolved_set *s)
{
	const struct gic_item *first = NULL;
	size_t n = 0, conflicts = 0;
	char tail[160] = "", more[32] = " and";

	for (size_t i = 0; i < s->n; i++) {
		if (!s->items[i].nmerged)
			continue;
		if (!n++)
			first = &s->items[i];
		conflicts += s->items[i].merged_conflict;
	}
	if (!n)
		return 0;
	if (conflicts)
		snprintf(tail, sizeof(tail), "; %zu of them from originals "
			 "labelled real and fake, each taken as its first "
			 "original's label (by hash)", conflicts);
	if (first->nmerged > 1)
		snprintf(more, sizeof(more), ", %zu more and", first->nmerged - 1);
	return add(l, s->def->line, "set '%s': %zu degraded image%s the "
		   "result of several originals, kept once (first: %.12s, from "
		   "%.12s%s %.12s)%s", s->def->name, n, n == 1 ? " is" :
		   "s are each", first->sha256, first->parent, more,
		   first->merged[0], tail);
}

/* For a set that selected fakes and no real image, asking for a
 * generator and not a label: why (GenImage's real photos have no
 * generator; their subset says where they are), in buf; "" otherwise. */
static const char *no_real_hint(const struct gic_resolved_set *s, char *buf,
				size_t size)
{
	if (!s->only_fakes || !s->def->select ||
	    !strcasestr(s->def->select, "generator") ||
	    strcasestr(s->def->select, "label"))
		return "";
	if (s->fakes_subset[0])
		snprintf(buf, size, " (real images have no generator: "
			 "'subset = %s' selects the real photos of that "
			 "GenImage subset with its fakes)", s->fakes_subset);
	else
		snprintf(buf, size, " (real images have no generator: "
			 "'subset = NAME' selects the real photos of a "
			 "GenImage subset with its fakes)");
	return buf;
}

/* "set 'S' is empty" when its select finds one label only, and balance
 * keeps as many of it as of the other: which conditions the other fails
 * (failing to find that out is no reason to stop: the warning stands). */
static void one_label(struct gic_catalog *c, const struct gic_resolved_set *s,
		      char *buf, size_t size)
{
	const char *one = s->only_fakes ? "fake" : "real";
	const char *other = s->only_fakes ? "real" : "fake";
	char why[512] = "";
	int n = s->def->select ? gic_select_blockers(c, s->def->select, other,
						     why, sizeof(why)) : 0;

	snprintf(buf, size, "set '%s' is empty: its select finds %s images "
		 "and no %s one%s%s%s, and balance = label keeps as many %ss "
		 "as %ss", s->def->name, one, other, n > 0 ? " (" : "",
		 n > 0 ? why : "", n > 0 ? ")" : "", one, other);
}

int gic_set_empty_why(struct gic_catalog *c, const struct gic_resolved *r,
		      const struct gic_resolved_set *s, char *buf, size_t size)
{
	const char *select = s->def->share > 0 ? r->task->split_select
					       : s->def->select;
	char hint[512] = "";

	if (s->n)
		return 0;
	if (s->selected && !s->sampled)  /* only fraction keeps none */
		snprintf(buf, size, "set '%s' is empty: fraction = %g of the "
			 "%zu images its select finds keeps none", s->def->name,
			 s->def->fraction, s->selected);
	else if ((s->only_fakes || s->only_reals) && s->def->balance &&
		 !*no_real_hint(s, hint, sizeof(hint)))
		one_label(c, s, buf, size);
	else if (s->sampled && s->def->balance && !s->only_fakes)
		snprintf(buf, size, "set '%s' is empty: none of the %zu images "
			 "its select finds is labelled real or fake, and balance "
			 "= label keeps as many of them as of the rarer label",
			 s->def->name, s->sampled);
	else if (select && gic_select_hint(c, select, hint, sizeof(hint)) > 0)
		snprintf(buf, size, "set '%s' is empty: %s", s->def->name, hint);
	else
		snprintf(buf, size, "set '%s' is empty%s", s->def->name,
			 no_real_hint(s, hint, sizeof(hint)));
	return 1;
}

/* Why a [split] share got no image of one label, which the pool has:
 * its groups went whole elsewhere.  "" when that is not it. */
static const char *grouped_hint(const struct gic_resolved *r,
				const struct gic_resolved_set *s, char *buf,
				size_t size)
{
	int k = s->nreal ? 1 : 0;  /* the label it lacks */
	size_t n = r->label_images[k], g = r->label_groups[k];

	if (s->def->share <= 0 || (s->nreal && s->nfake) || !g)
		return "";
	snprintf(buf, size, " (group = %s: [split] deals each group whole to "
		 "one set, and the %zu %s image%s it deals %s in %zu group%s)",
		 r->task->split_group, n, k ? "fake" : "real", n == 1 ? "" : "s",
		 n == 1 ? "is" : "are", g, g == 1 ? "" : "s");
	return buf;
}

/* The warnings of one set of r (leaks: its pairs with train); an empty
 * one says why when its select asks for a value no entry has. */
static int set_warnings(struct gic_catalog *c, struct list *l,
			const struct gic_resolved *r,
			const struct gic_resolved_set *s, uint64_t leaks)
{
	char hint[512] = "", why[256];
	size_t lo = s->nreal < s->nfake ? s->nreal : s->nfake;
	size_t hi = s->nreal < s->nfake ? s->nfake : s->nreal;
	int line = s->def->line, rc = label_conflicts(l, s);

	if (rc == 0)
		rc = merged(l, s);
	if (rc == 0 && gic_set_empty_why(c, r, s, hint, sizeof(hint)))
		rc = add(l, line, "%s", hint);
	else if (rc == 0 && s->nreal + s->nfake == 0)
		rc = add(l, line, "set '%s': no image has a label (real or "
			 "fake; %zu image%s): a trainer learns nothing from it, "
			 "eval scores none of it", s->def->name, s->n,
			 s->n == 1 ? "" : "s");
	else if (rc == 0 && lo * 10 < hi * 9)
		rc = add(l, line, "set '%s' is unbalanced: %zu real, %zu "
			 "fake%s%s", s->def->name, s->nreal, s->nfake,
			 no_real_hint(s, hint, sizeof(hint)),
			 grouped_hint(r, s, why, sizeof(why)));
	if (rc == 0 && s->nreal + s->nfake && s->n > s->nreal + s->nfake)
		rc = add(l, line, "set '%s': %zu image%s no label (real or "
			 "fake): written to unlabelled/, which ImageFolder reads "
			 "as a third class; eval scores none of them",
			 s->def->name, s->n - s->nreal - s->nfake,
			 s->n - s->nreal - s->nfake == 1 ? " has" : "s have");
	if (rc == 0 && s->no_class)
		rc = add(l, line, "set '%s': %zu images have no class: "
			 "max_per_class capped them as one class, keeping %zu "
			 "(GenImage's real val photos get their classes from "
			 "ingest --val-labels)", s->def->name, s->no_class,
			 s->no_class_kept);
	if (rc == 0 && leaks)
		rc = add(l, line, "set '%s' shares %llu image pair%s "
			 "with train (same or near duplicates: see 'gicat "
			 "leakcheck')", s->def->name, (unsigned long long)leaks,
			 leaks == 1 ? "" : "s");
	return rc;
}

/* A [split] share that got far from its ratio, as groups too large to
 * deal evenly do (a near-duplicate cluster of most of the pool): off by
 * more than 5 points of the pool and than chance dealing single images
 * would be (4 standard deviations of the binomial). */
static int share_off(struct list *l, const struct gic_resolved *r,
		     const struct gic_resolved_set *s)
{
	double p = (double)r->pool, f = s->def->share, want = f * p;
	double off = fabs((double)s->dealt - want);
	char by[200] = "";

	if (f <= 0 || !r->pool || off <= 0.05 * p ||
	    off <= 4 * sqrt(p * f * (1 - f)))
		return 0;
	if (r->largest > 1 && !strncmp(r->largest_key, "class:", 6))
		snprintf(by, sizeof(by), ", and the largest, class %s, holds "
			 "%zu images", r->largest_key + 6, r->largest);
	else if (r->largest > 1)
		snprintf(by, sizeof(by), ", and the largest, near-duplicate "
			 "cluster %.12s, holds %zu images", r->largest_key,
			 r->largest);
	return add(l, s->def->line, "set '%s' got %zu of the %zu images "
		   "[split] deals (%.1f%%), where its ratio asks %.1f%%: each "
		   "group goes whole to one set%s", s->def->name, s->dealt,
		   r->pool, 100.0 * (double)s->dealt / p, 100 * f, by);
}

/* Line order; of one line, the order they were found in (a stable
 * insertion sort: a task has a handful of warnings). */
static void sort_lines(struct list *l)
{
	for (size_t i = 1; i < l->n; i++) {
		struct gic_task_warning w = l->v[i];
		size_t j = i;

		for (; j > 0 && l->v[j - 1].line > w.line; j--)
			l->v[j] = l->v[j - 1];
		l->v[j] = w;
	}
}

int gic_task_warnings(struct gic_catalog *c, const struct gic_resolved *r,
		      struct gic_task_warning **out, size_t *n)
{
	const struct gic_task *t = r->task;
	struct leaks k = { .r = r };
	struct list l = { 0 };
	uint64_t total;
	int rc = 0;

	*out = NULL;
	*n = 0;
	for (int i = 0; i < t->nwarnings && rc == 0; i++)
		rc = add(&l, t->warnings[i].line, "%s", t->warnings[i].msg);
	if (rc == 0 && gic_leakcheck(c, r, GIC_NEAR_DEFAULT_DISTANCE, count_leak,
				     &k, &total) < 0) {
		int line = 0;
		for (int i = 0; i < r->nsets; i++)
			if (!strcmp(r->sets[i].def->name, "train"))
				line = r->sets[i].def->line;
		rc = add(&l, line, "leakage not checked: %s", gic_errmsg());
	}
	for (int i = 0; i < r->nsets && rc == 0; i++)
		if ((rc = set_warnings(c, &l, r, &r->sets[i], k.pairs[i])) == 0)
			rc = share_off(&l, r, &r->sets[i]);
	if (rc < 0) {
		free(l.v);
		return gic_seterr(GIC_ENOMEM, "out of memory");
	}
	sort_lines(&l);
	*out = l.v;
	*n = l.n;
	return 0;
}

int gic_task_merged(const struct gic_resolved *r,
		    struct gic_task_warning **out, size_t *n)
{
	struct list l = { 0 };
	int rc = 0;

	for (int i = 0; i < r->nsets && rc == 0; i++)
		rc = merged(&l, &r->sets[i]);
	if (rc < 0) {
		free(l.v);
		return gic_seterr(GIC_ENOMEM, "out of memory");
	}
	*out = l.v;
	*n = l.n;
	return 0;
}
