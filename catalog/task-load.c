/*
 * task-load.c - a task by file or by the name of a shipped task (the
 * tasks/ files compiled into the binary), and freeing one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog.h"
#include "embed.h"
#include "task.h"

/* No such file and no shipped task: the shipped name it is a typo of,
 * if any ("genimage/cross-sd41": did you mean genimage/cross-sd14?). */
static int not_found(const char *name)
{
	const char *meant = NULL;
	size_t best = GIC_SUGGEST_FAR, n = strlen(name);

	if (n > 4 && !strcmp(name + n - 4, ".ini"))
		n -= 4;
	for (int i = 0; gic_builtin_task_names[i]; i++) {
		const char *b = gic_builtin_task_names[i];
		const char *slash = strrchr(b, '/');

		if (gic_suggest_closer(name, n, b, &best))
			meant = b;
		/* "cross-sd14": the shipped name without its folder */
		if (!meant && slash && strlen(slash + 1) == n &&
		    !strncmp(slash + 1, name, n))
			meant = b, best = 0;
	}
	/* "mytask" for mytask.ini */
	if (n == strlen(name) && n < 4096) {
		char ini[4100];

		snprintf(ini, sizeof(ini), "%s.ini", name);
		if (access(ini, F_OK) == 0)
			return gic_seterr(GIC_ENOTFOUND, "no task file '%s' "
					  "and no shipped task of that name "
					  "(did you mean '%s'?)", name, ini);
	}
	if (meant)
		return gic_seterr(GIC_ENOTFOUND, "no task file '%s' and no "
				  "shipped task of that name (did you mean "
				  "'%s'?)", name, meant);
	return gic_seterr(GIC_ENOTFOUND, "no task file '%s' and no shipped "
			  "task of that name (see 'gicat task list')", name);
}

int gic_task_load(const char *name_or_path, struct gic_task **out)
{
	const char *builtin = gic_task_builtin_text(name_or_path);
	char *text;
	size_t len;
	int rc;

	if ((rc = gic_read_input(name_or_path, 1 << 20, &text, &len)) < 0) {
		if (rc == GIC_ENOTFOUND && builtin)
			return gic_task_parse(builtin, name_or_path, out);
		/* ./x.ini, ../x.ini, /x.ini can only be files */
		if (rc == GIC_ENOTFOUND && access(name_or_path, F_OK) != 0 &&
		    name_or_path[0] != '/' && strncmp(name_or_path, "./", 2) &&
		    strncmp(name_or_path, "../", 3))
			return not_found(name_or_path);
		char why[256];
		snprintf(why, sizeof(why), "%s", gic_errmsg());
		return gic_seterr(rc, "task file '%s': %s", name_or_path, why);
	}
	rc = gic_task_parse(text, name_or_path, out);
	free(text);
	return rc;
}

const char *const *gic_task_builtin_names(void)
{
	return gic_builtin_task_names;
}

const char *gic_task_builtin_text(const char *name)
{
	size_t n = strlen(name);

	if (n > 4 && !strcmp(name + n - 4, ".ini"))
		n -= 4;
	if (!strncmp(name, "tasks/", 6))
		name += 6, n -= 6;
	for (int i = 0; gic_builtin_task_names[i]; i++)
		if (strlen(gic_builtin_task_names[i]) == n &&
		    !strncmp(gic_builtin_task_names[i], name, n))
			return gic_builtin_task_texts[i];
	return NULL;
}

static void free_set(struct gic_task_set *s)
{
	free(s->name);
	free(s->select);
	free(s->balance);
	free(s->stratify);
	for (int i = 0; i < GIC_DEGRADE_KEYS; i++)
		free(s->degrade[i]);
}

void gic_task_free(struct gic_task *t)
{
	if (!t)
		return;
	for (int i = 0; i < t->nsets; i++)
		free_set(&t->sets[i]);
	free(t->name);
	free(t->description);
	free(t->split_select);
	free(t->split_group);
	free(t->text);
	free(t->path);
	free(t->warnings);
	free(t);
}
