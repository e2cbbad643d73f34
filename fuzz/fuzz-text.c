/*
 * fuzz-text.c - the parsers of text users write: the first byte picks
 * one, the rest is its input.  Query expressions (whose SQL must never
 * carry the user's text: literals are bound), task files, degradation
 * chains, CSV/TSV records, outside text made a JSON string, URL lists
 * (each format, and sniffed), prediction files, what a path says (whose
 * fields must stay in their vocabularies) and class tables.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <jansson.h>

#include "catalog.h"
#include "csv.h"
#include "degrade.h"
#include "eval.h"
#include "fetch.h"
#include "fuzz.h"
#include "json.h"
#include "task.h"

/* no quote of the user's: every literal is a parameter (the SQL's own
 * are the ' ' around a list field's values, as "license = X" asks for
 * ' ' || ? || ' ') */
static void no_quote(const char *where)
{
	for (const char *w = where; *w; w++) {
		if (strncmp(w, "' '", 3) == 0)
			w += 2;
		else if (*w == '\'' || *w == '"' || *w == ';')
			abort();
	}
}

static void query(const char *s)
{
	struct gic_qdropped d = { .found = 1 };
	struct gic_sql sql;
	size_t np;
	int col;

	if (gic_query_compile(s, &sql, &col) < 0)
		return;
	no_quote(sql.where);
	np = sql.nparams;
	gic_sql_release(&sql);
	/* each comparison taken out: still valid, never more parameters,
	 * its text within s */
	for (int k = 0; d.found && k < 64; k++) {
		if (gic_query_compile_without(s, k, &sql, &d) < 0)
			abort();
		no_quote(sql.where);
		if (sql.nparams > np || (d.found && d.from + d.len > strlen(s)))
			abort();
		gic_sql_release(&sql);
	}
}

static void task(const char *s)
{
	struct gic_task *t = NULL;

	if (gic_task_parse(s, "fuzz.ini", &t) == 0)
		gic_task_free(t);
}

static void ops(const char *s)
{
	struct gic_ops o, again;

	/* the canonical text parses to itself */
	if (gic_ops_parse(s, &o) == 0 &&
	    (gic_ops_parse(o.canon, &again) || strcmp(o.canon, again.canon)))
		abort();
}

static void records(char *s, char sep, int quotes)
{
	struct gic_records r;
	char *rec, *f[64];

	gic_records_init(&r, s, sep, quotes);
	while ((rec = gic_records_next(&r)))
		if (gic_csv_split(rec, sep, quotes, f, 64) > 0)
			gic_trim(f[0]);
}

/* The built-in ImageNet classes, loaded once. */
static const struct gic_classes *classes(void)
{
	static struct gic_classes *cls;

	if (!cls && gic_classes_builtin(&cls) < 0)
		abort();
	return cls;
}

/* The list's name gives its format; "list" is sniffed from the text. */
static void url_list(const char *s, size_t n, unsigned pick)
{
	static const char *const names[] = { "list.csv", "list.tsv",
		"list.jsonl", "list.txt", "list" };
	struct gic_fetch_list *l = NULL;

	if (gic_fetch_list_parse(s, n, names[pick % 5], classes(), NULL, &l) == 0)
		gic_fetch_list_free(l);
}

static void on_problem(void *arg, enum gic_eval_problem kind,
		       const char *where, const char *why)
{
	(void)arg;
	if (kind >= GIC_EVAL_NKINDS || !where || !why)
		abort();
}

/* The reader takes a path: the text goes through a memory file. */
static void predictions(const char *s, size_t n)
{
	struct gic_eval_opts o = { .threshold = 0.5, .on_problem = on_problem };
	struct gic_preds p = { 0 };
	int fd = memfd_create("predictions", 0);
	char path[64];
	size_t bad;

	if (fd < 0 || write(fd, s, n) != (ssize_t)n)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (gic_preds_read(path, &o, &p, &bad) == 0)
		gic_preds_release(&p);
	close(fd);
}

static int one_of(const char *v, const char *const *ok)
{
	for (; *ok; ok++)
		if (!strcmp(v, *ok))
			return 1;
	return 0;
}

/* The first line is the ingest root, the rest the path under it. */
static void path(char *s, unsigned pick)
{
	static const char *const labels[] = { "", "real", "fake", NULL };
	static const char *const splits[] = { "", "train", "val", "test", NULL };
	char *nl = strchr(s, '\n'), *root = NULL;
	struct gic_path_meta m;

	if (nl) {
		*nl = '\0';
		root = s;
		s = nl + 1;
	}
	gic_path_parse((enum gic_layout)(pick % 4), s, root, classes(),
		       NULL, &m);
	if (m.class_idx < -1 || m.class_idx > 999 || !one_of(m.label, labels) ||
	    !one_of(m.split, splits) || m.layout == GIC_LAYOUT_AUTO ||
	    (m.class_idx >= 0 && m.wnid[0] &&
	     strcmp(m.wnid, gic_classes_wnid(classes(), m.class_idx))))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *raw = (const char *)data + 1;
	struct gic_classes *cls;
	char *s;
	json_t *j;

	if (size < 1 || !(s = strndup(raw, size - 1)))
		return 0;
	switch (data[0] % 10) {
	case 0: query(s); break;
	case 1: task(s); break;
	case 2: ops(s); break;
	case 3: records(s, ',', 1); break;
	case 4: records(s, '\t', 0); break;
	case 5:
		if ((j = gic_json_textn(raw, size - 1)))
			json_decref(j);
		break;
	case 6: url_list(raw, size - 1, data[0] / 10); break;
	case 7: predictions(raw, size - 1); break;
	case 8: path(s, data[0] / 10); break;
	default:
		if (gic_classes_parse(s, &cls) == 0)
			gic_classes_free(cls);
	}
	free(s);
	return 0;
}
