/*
 * generators.c - the generator vocabulary (schema/generators.tsv, built
 * into the binary): canonical ids in the order of GenImage's tables, their
 * titles there, their folder names and other aliases, their fakes' size
 * and licenses; and a generator from a folder or a name (its id, title,
 * folder or an alias).  Read once, on first use, into tables that never
 * change after.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "catalog.h"
#include "embed.h"

#define MAX_GENERATORS 32
#define MAX_NAMES 128

static struct gic_generator gens[MAX_GENERATORS];
static int ngens;
static struct {
	const char *name, *id;
} names[MAX_NAMES];  /* every id, title, folder and alias -> its id */
static size_t nnames;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void add_name(const char *name, const char *id)
{
	if (*name && nnames < MAX_NAMES) {
		names[nnames].name = name;
		names[nnames++].id = id;
	}
}

/* One row: id, name, folder, aliases (comma-separated), fake_side,
 * fake_licenses; a row short of a field is left out. */
static void add_row(char *line)
{
	char *f[6], *alias;
	struct gic_generator *g = &gens[ngens];

	for (int i = 0; i < 6; i++)
		if (!(f[i] = strsep(&line, "\t")))
			return;
	if (!*f[0] || ngens == MAX_GENERATORS)
		return;
	g->id = f[0];
	g->name = f[1];
	g->folder = f[2];
	g->fake_side = (unsigned)strtoul(f[4], NULL, 10);
	g->fake_licenses = f[5];
	add_name(g->id, g->id);
	add_name(g->name, g->id);   /* "SD V1.4", as the paper's tables */
	add_name(g->folder, g->id);
	while ((alias = strsep(&f[3], ",")))
		add_name(alias, g->id);
	ngens++;
}

static void load(void)
{
	char *text = strdup(gic_builtin_generators_tsv), *line;
	int header = 1;

	while (text && (line = strsep(&text, "\n"))) {
		if (!header && *line)
			add_row(line);
		header = 0;
	}
	/* the text stays: the tables point into it */
}

const struct gic_generator *gic_generators(int *n)
{
	pthread_once(&once, load);
	*n = ngens;
	return gens;
}

const struct gic_generator *gic_generator_by_id(const char *id)
{
	int n;
	const struct gic_generator *g = gic_generators(&n);

	for (int i = 0; id && i < n; i++)
		if (!strcmp(g[i].id, id))
			return &g[i];
	return NULL;
}

static char sides[128]; /* "128, 256, 512, 1024" */

/* The distinct fake sides, ascending, into sides. */
static void list_sides(void)
{
	int n;
	const struct gic_generator *g = gic_generators(&n);
	unsigned last = 0, next;
	size_t len = 0;

	for (;;) {
		next = 0;
		for (int i = 0; i < n; i++)
			if (g[i].fake_side > last &&
			    (!next || g[i].fake_side < next))
				next = g[i].fake_side;
		if (!next)
			break;
		gic_appendf(sides, sizeof(sides), &len, "%s%u", len ? ", " :
			    "", next);
		last = next;
	}
}

int gic_generator_side(uint32_t side)
{
	int n;
	const struct gic_generator *g = gic_generators(&n);

	for (int i = 0; i < n; i++)
		if (g[i].fake_side == side)
			return 1;
	return 0;
}

const char *gic_generator_sides(void)
{
	static pthread_once_t sides_once = PTHREAD_ONCE_INIT;

	pthread_once(&sides_once, list_sides);
	return sides;
}

static int is_sep(char c)
{
	return c == '_' || c == '-' || c == '.' || c == ' ';
}

/* Does name contain word (case-insensitively) with a separator or the end
 * of name on both sides? */
static int has_token(const char *name, const char *word)
{
	size_t n = strlen(name), w = strlen(word);

	for (size_t i = 0; i + w <= n; i++) {
		if ((i == 0 || is_sep(name[i - 1])) &&
		    (i + w == n || is_sep(name[i + w])) &&
		    strncasecmp(name + i, word, w) == 0)
			return 1;
	}
	return 0;
}

const char *gic_generator_exact(const char *name)
{
	pthread_once(&once, load);
	for (size_t i = 0; name && i < nnames; i++)
		if (!strcasecmp(name, names[i].name))
			return names[i].id;
	return NULL;
}

/*
 * Exact names first; then names that contain an alias as a whole token,
 * because people rename and flatten the tree ("glide_val", "flat_sd14").
 * A name with tokens of two different generators is not guessed at.
 */
const char *gic_generator_alias(const char *folder)
{
	const char *found;

	if (!folder || !*folder)
		return NULL;
	if ((found = gic_generator_exact(folder)))
		return found;
	for (size_t i = 0; i < nnames; i++) {
		if (!has_token(folder, names[i].name))
			continue;
		if (found && strcmp(found, names[i].id) != 0)
			return NULL;
		found = names[i].id;
	}
	return found;
}
