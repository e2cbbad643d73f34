/*
 * task-canon.c - a parsed task written back as INI in one canonical form
 * (fixed key order, defaults spelt out, [split] shares as ratios): what an
 * export records as task.ini, and the text whose SHA-256 names the task.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "task.h"

/* Appends "key = value\n" to a growing string. */
static void put(char **s, size_t *len, const char *key, const char *v)
{
	size_t add;
	char *n;

	if (!v || !*s)
		return;
	add = strlen(key) + strlen(v) + 5;
	if (!(n = realloc(*s, *len + add))) {
		free(*s);
		*s = NULL;
		return;
	}
	*s = n;
	/* a section header is written as it is, a key as "key = value" */
	*len += (size_t)sprintf(*s + *len, strchr(key, '[') ? "%s%s\n" :
				"%s = %s\n", key, v);
}

/* The shortest text that reads back as v: 0.1 as "0.1", and a value
 * with more digits with all of them (two tasks apart in the 12th digit
 * are two tasks). */
static const char *num(double v, char buf[32])
{
	snprintf(buf, 32, "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, 32, "%.17g", v);
	return buf;
}

static void put_num(char **s, size_t *len, const char *key, double v)
{
	char buf[32];

	put(s, len, key, num(v, buf));
}

static void put_set(char **s, size_t *len, const struct gic_task_set *set)
{
	char hdr[200];

	if (set->share > 0)
		return; /* written by ratios */
	if (!strncmp(set->name, "test/", 5))
		snprintf(hdr, sizeof(hdr), "\n[test %s]", set->name + 5);
	else if (!strcmp(set->name, "train") || !strcmp(set->name, "val"))
		snprintf(hdr, sizeof(hdr), "\n[%s]", set->name);
	else
		snprintf(hdr, sizeof(hdr), "\n[set %s]", set->name);
	put(s, len, hdr, "");
	put(s, len, "select", set->select);
	put(s, len, "balance", set->balance);
	if (set->fraction < 1)
		put_num(s, len, "fraction", set->fraction);
	if (set->max_per_class)
		put_num(s, len, "max_per_class", set->max_per_class);
	put(s, len, "stratify", set->stratify);
	for (int i = 0; i < GIC_DEGRADE_KEYS; i++)
		put(s, len, gic_task_degrade_keys[i], set->degrade[i]);
}

static void put_split(char **s, size_t *len, const struct gic_task *t)
{
	size_t size = 1, n = 0;
	char *ratios;

	put(s, len, "\n[split]", "");
	put(s, len, "select", t->split_select);
	put(s, len, "group", t->split_group ? t->split_group : "sha256");
	for (int i = 0; i < t->nsets; i++)  /* name, ", ", ":" and a number */
		size += strlen(t->sets[i].name) + 36;
	if (!(ratios = malloc(size))) {
		free(*s);
		*s = NULL;
		return;
	}
	ratios[0] = '\0';
	for (int i = 0; i < t->nsets; i++) {
		char buf[32];

		if (t->sets[i].share > 0)
			n += (size_t)snprintf(ratios + n, size - n, "%s%s:%s",
					      n ? ", " : "", t->sets[i].name,
					      num(t->sets[i].share, buf));
	}
	put(s, len, "ratios", ratios);
	free(ratios);
}

char *gic_task_canonical(const struct gic_task *t)
{
	size_t len = 0;
	char *s = calloc(1, 1), seed[32];

	put(&s, &len, "[task]", "");
	put(&s, &len, "name", t->name);
	snprintf(seed, sizeof(seed), "%lld", (long long)t->seed);  /* exact */
	put(&s, &len, "seed", seed);
	put(&s, &len, "description", t->description);
	if (t->has_split)
		put_split(&s, &len, t);
	for (int i = 0; i < t->nsets; i++)
		put_set(&s, &len, &t->sets[i]);
	return s;
}

int gic_task_hash(const struct gic_task *t, char hex[GIC_HEX_LEN + 1])
{
	char *canon = gic_task_canonical(t);
	int rc;

	if (!canon)
		return gic_seterr(GIC_ENOMEM, "out of memory");
	rc = gic_sha256_hex(canon, strlen(canon), hex);
	free(canon);
	return rc;
}
