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
#include "ingest-write.h"

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
	char cwd[PATH_MAX] = "", *joined, *full, *end, *start;
	struct stat st;
	size_t size;

	if (path[0] != '/' && !getcwd(cwd, sizeof(cwd)))
		snprintf(cwd, sizeof(cwd), ".");
	if (asprintf(&joined, "%s/%s", cwd, path) < 0)
		return NULL;
	size = strlen(joined) + 2;
	if (!(full = malloc(size)) || gic_path_clean(joined, full, size) < 0) {
		free(joined);
		free(full);
		return NULL;
	}
	free(joined);
	*full_out = full;
	/* the last component, or for a file the one before it */
	end = full + strlen(full);
	if (stat(path, &st) == 0 && !S_ISDIR(st.st_mode))
		while (end > full && *--end != '/')
			;
	for (start = end; start > full && start[-1] != '/'; start--)
		;
	if (!(start = start < end ? strndup(start, (size_t)(end - start)) :
				    strdup("/"))) {
		free(full);
		*full_out = NULL;
	}
	return start;
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
