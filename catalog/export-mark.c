/*
 * export-mark.c - the mark an export leaves in --out while it writes
 * (GIC_EXPORT_MARK), and the resumption of a run killed before it
 * finished.  The mark lists the files that were in --out before the run
 * (kept by --force, or none in a new directory), so the next run removes
 * everything else there: the killed run's images and shards, which no
 * record or manifest lists, would otherwise stay in the new export.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "export-int.h"

static const char text[] =
	"An export by gicat is writing into this directory, or was killed "
	"before it\nfinished. Split or export into it again: what it left is "
	"replaced.\n";
/* then the files that were here before it, escaped, one a line after
 * two spaces (so that no file's name, "(end)" included, reads as the
 * end), and the end: a list without it is not trusted (nothing is
 * removed by it), nor one with a line of neither kind */
static const char kept_head[] = "Here before it, and kept:\n";
static const char kept_item[] = "  ";
static const char kept_end[] = "(end)";

#define ESC_MAX (4 * PATH_MAX + 1)

/* Written whole under another name, then renamed: a mark is there with
 * its whole list, or not at all. */
int gic_export_mark(int outfd, char *const *kept, size_t nkept)
{
	int fd, rc = 0;
	char *buf = malloc(ESC_MAX);
	FILE *f;

	/* one a run killed while writing it left */
	unlinkat(outfd, GIC_EXPORT_MARK_TMP, 0);
	fd = openat(outfd, GIC_EXPORT_MARK_TMP, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0644);
	f = fd < 0 ? NULL : fdopen(fd, "w");

	if (!buf)
		rc = gic_seterr(GIC_ENOMEM, "out of memory");
	else if (!f)
		rc = gic_seterr(GIC_EIO, "write %s: %s", GIC_EXPORT_MARK,
				strerror(errno));
	else {
		fputs(text, f);
		fputs(kept_head, f);
		for (size_t i = 0; i < nkept; i++)
			fprintf(f, "%s%s\n", kept_item, gic_esc(kept[i], buf,
								  ESC_MAX));
		fprintf(f, "%s\n", kept_end);
		if (fflush(f) != 0 || ferror(f) || fsync(fd) < 0 ||
		    renameat(outfd, GIC_EXPORT_MARK_TMP, outfd,
			     GIC_EXPORT_MARK) < 0 || fsync(outfd) < 0)
			rc = gic_seterr(GIC_EIO, "write %s: %s", GIC_EXPORT_MARK,
					strerror(errno));
	}
	if (f)
		fclose(f);
	else if (fd >= 0)
		close(fd);
	if (rc < 0) {
		unlinkat(outfd, GIC_EXPORT_MARK_TMP, 0);
		unlinkat(outfd, GIC_EXPORT_MARK, 0);
	}
	free(buf);
	return rc;
}

/* The mark's list of kept paths (escaped), or *n == (size_t)-1 when the
 * mark has none whole (written by an older gicat, or damaged): nothing is
 * known to be the killed run's. */
static int read_kept(int outfd, char ***out, size_t *n)
{
	int fd = openat(outfd, GIC_EXPORT_MARK, O_RDONLY | O_NOFOLLOW |
			O_CLOEXEC);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "r");
	char *line = NULL;
	size_t cap = 0, size = 0;
	ssize_t len;
	int listed = 0, ended = 0, rc = 0;

	*out = NULL;
	*n = (size_t)-1;
	if (!f) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	while (rc == 0 && (len = getline(&line, &size, f)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (!listed) {
			listed = !strncmp(line, kept_head, sizeof(kept_head) - 2);
			if (listed)
				*n = 0;
			continue;
		}
		if (!strcmp(line, kept_end)) {
			ended = 1;
			break;
		}
		if (strncmp(line, kept_item, sizeof(kept_item) - 1))
			break;  /* damaged, or an older gicat's */
		if (gic_grow(out, *n, &cap, sizeof(**out), 16) ||
		    !((*out)[*n] = strdup(line + sizeof(kept_item) - 1)))
			rc = gic_seterr(GIC_ENOMEM, "out of memory");
		else
			(*n)++;
	}
	free(line);
	fclose(f);
	if (rc < 0 || !ended) {  /* cut short: trusted for nothing */
		for (size_t i = 0; listed && i < *n; i++)
			free((*out)[i]);
		free(*out);
		*out = NULL;
		*n = (size_t)-1;
	}
	return rc;
}

/* The mark's list, sorted, and a buffer to escape a path into. */
struct kept {
	char **v;
	size_t n;
	char *buf;
};

/* Is rel ("a/b" or "a/b/") listed as kept? */
static int is_kept(void *arg, const char *rel)
{
	struct kept *k = arg;
	const char *e = gic_esc(rel, k->buf, ESC_MAX);

	return k->n && bsearch(&e, k->v, k->n, sizeof(*k->v),
			       gic_strp_cmp);
}

/* Removes path below outfd, a file or (ending in '/') an empty directory
 * the killed run made, then its directories left empty up to one kept:
 * the user's empty directory the killed run wrote into stays.  1 for a
 * file removed. */
static int remove_left(int outfd, const char *path, struct kept *k)
{
	size_t len = strlen(path);
	int dir = len && path[len - 1] == '/', gone;
	char rel[PATH_MAX];

	snprintf(rel, sizeof(rel), "%.*s", (int)(len - dir), path);
	gone = gic_export_remove(outfd, rel, dir);
	gic_export_remove_dirs_of(outfd, rel, is_kept, k);
	return !dir && gone;
}

int gic_export_resume(int outfd, struct gic_export_cleared *c)
{
	struct kept k = { .buf = malloc(ESC_MAX) };
	size_t out = 0;
	int rc = k.buf ? read_kept(outfd, &k.v, &k.n) :
		 gic_seterr(GIC_ENOMEM, "out of memory");

	if (rc < 0 || k.n == (size_t)-1) {
		free(k.buf);
		return rc;
	}
	if (k.n)
		qsort(k.v, k.n, sizeof(*k.v), gic_strp_cmp);
	/* an empty directory is listed only when nothing is below it */
	for (size_t i = 0; i < c->nleft; i++) {
		if (is_kept(&k, c->left[i])) {
			c->left[out++] = c->left[i];
			continue;
		}
		c->killed += (uint64_t)remove_left(outfd, c->left[i], &k);
		free(c->left[i]);
		c->left[i] = NULL;
	}
	c->nleft = out;
	for (size_t i = 0; i < k.n; i++)
		free(k.v[i]);
	free(k.v);
	free(k.buf);
	return 0;
}
