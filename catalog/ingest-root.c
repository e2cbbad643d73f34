/*
 * ingest-root.c - a PATH argument of ingest, read once for all its files:
 * its default dataset name, the folder holding it, and for a relative one
 * the same path spelt in full, so that its files' paths say what they
 * would given in full (GenImage's train/ai above `ai`).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ingest-int.h"

/* Drops the last component of the n-byte absolute path in buf. */
static size_t drop_last(const char *buf, size_t n)
{
	while (n && buf[--n] != '/')
		;
	return n;
}

/*
 * A PATH argument spelt in full (*full), and the default dataset name for
 * it (returned): the name of the directory it names, or of the one that
 * holds it when it is a file, with "." and ".." and repeated or trailing
 * slashes resolved against the working directory ("." is the working
 * directory's name).  Symbolic links are not followed: a link to a tree
 * gives the link's name.
 */
static char *root_name(const char *path, char **full_out)
{
	char cwd[PATH_MAX] = "", *full, *s, *name;
	struct stat st;
	size_t n = 0, len;

	if (path[0] != '/' && !getcwd(cwd, sizeof(cwd)))
		snprintf(cwd, sizeof(cwd), ".");
	if (asprintf(&full, "%s/%s", cwd, path) < 0)
		return NULL;
	/* normalise in place: the result never outruns what is read */
	for (s = full; *s; s += len) {
		while (*s == '/')
			s++;
		len = strcspn(s, "/");
		if (len == 2 && !strncmp(s, "..", 2)) {
			n = drop_last(full, n);
		} else if (len && !(len == 1 && *s == '.')) {
			full[n++] = '/';
			memmove(full + n, s, len);
			n += len;
		}
	}
	full[n] = '\0';
	if (!(*full_out = strdup(n ? full : "/"))) {
		free(full);
		return NULL;
	}
	if (stat(path, &st) == 0 && !S_ISDIR(st.st_mode))
		n = drop_last(full, n);
	full[n] = '\0';
	name = strdup(n ? strrchr(full, '/') + 1 : "/");
	free(full);
	return name;
}

/*
 * Reads the PATH argument given once for all its files: its dataset name,
 * and for a relative one the same path spelt in full ("." and ".." read
 * as the directories they are: `gicat ingest ai` inside train/ is
 * .../imagenet_ai_0508_adm/train/ai, as its absolute path says, and the
 * folders above it, the subset's, say the same).
 */
int gic_ingest_root_setup(struct gic_ingest_root *ri, const char *given)
{
	char *full = NULL;

	if (!(ri->name = root_name(given, &full)))
		return gic_seterr(GIC_ENOMEM, "out of memory");
	for (ri->given = strlen(given); ri->given > 1 &&
	     given[ri->given - 1] == '/'; ri->given--)
		;
	if (given[0] != '/')
		ri->spelt = full;
	else
		free(full);
	return 0;
}

/* What the path says (layout, generator, label, split, class): read with
 * the PATH argument as gic_ingest_root_setup spelt it (a file's path
 * starts with the argument as given). */
void gic_ingest_root_parse(const struct gic_ingest_root *ri, const char *given,
			   const char *path, const struct gic_ingest_opts *o,
			   struct gic_path_meta *m)
{
	char spelt[2 * GIC_MAX_PATH + 2];

	if (ri->spelt && !strncmp(path, given, ri->given) &&
	    (size_t)snprintf(spelt, sizeof(spelt), "%s%s",
					  ri->spelt, path + ri->given) <
			 sizeof(spelt)) {
		gic_path_parse(o->layout, spelt, ri->spelt, o->classes,
			       o->val, m);
		return;
	}
	gic_path_parse(o->layout, path, given, o->classes, o->val, m);
}
