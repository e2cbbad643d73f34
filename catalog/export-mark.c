/*
 * export-mark.c - the mark an export leaves in --out while it writes
 * (GIC_EXPORT_MARK), and the resumption of a run killed before it
 * finished.  The mark lists the files that were in --out before the run
 * (kept by --force, or none in a new directory) and the names of its sets,
 * so the next run removes what else is under those names: the killed
 * run's images and shards, which no record or manifest lists, would
 * otherwise stay in the new export.  A file of another name came after
 * the run (the user's results, say): never removed.
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
#define ESC_MAX (4 * PATH_MAX + 1)

static const char kept_head[] = "Here before it, and kept:\n";
static const char sets_head[] = "Its sets:\n";
static const char gone_head[] = "Of an earlier export, to remove:\n";
static const char kept_item[] = "  ";
static const char kept_end[] = "(end)";
/* what a run writes at the top of --out besides its sets */
static const char *const metadata[] = { "task.ini", "MANIFEST.sha256",
					"labels.json", "LICENSES.md" };

/* Writes a list of the mark: its head, then each item escaped. */
static void put_list(FILE *f, const char *head, char *const *v, size_t n,
		     char *buf)
{
	fputs(head, f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%s\n", kept_item, gic_esc(v[i], buf, ESC_MAX));
	fprintf(f, "%s\n", kept_end);
}


/* Written whole under another name, then renamed: a mark is there with
 * its whole list, or not at all. */
int gic_export_mark(int outfd, char *const *kept, size_t nkept,
		    const struct gic_export_sets *ours, char *const *gone,
		    size_t ngone)
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
		put_list(f, kept_head, kept, nkept, buf);
		put_list(f, sets_head, ours->v, ours->n, buf);
		put_list(f, gone_head, gone, ngone, buf);
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

/* A list of the mark (escaped), or n == (size_t)-1 when it has none
 * whole: written by an older gicat, or damaged. */
struct list {
	char **v;
	size_t n;
};

static void list_free(struct list *l)
{
	for (size_t i = 0; l->n != (size_t)-1 && i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = (size_t)-1;
}

/* Reads, from the line after head on, the items of a list up to its end
 * line. */
static int read_list(FILE *f, const char *head, struct list *l)
{
	char *line = NULL;
	size_t cap = 0, size = 0;
	ssize_t len;
	int listed = 0, ended = 0, rc = 0;

	l->v = NULL;
	l->n = (size_t)-1;
	while (rc == 0 && (len = getline(&line, &size, f)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (!listed) {
			listed = !strncmp(line, head, strlen(head) - 1);
			if (listed)
				l->n = 0;
			continue;
		}
		if (!strcmp(line, kept_end)) {
			ended = 1;
			break;
		}
		if (strncmp(line, kept_item, sizeof(kept_item) - 1))
			break;  /* damaged, or an older gicat's */
		if (gic_grow(&l->v, l->n, &cap, sizeof(*l->v), 16) ||
		    !(l->v[l->n] = strdup(line + sizeof(kept_item) - 1)))
			rc = gic_seterr(GIC_ENOMEM, "out of memory");
		else
			l->n++;
	}
	free(line);
	if (rc < 0 || !ended)  /* cut short: trusted for nothing */
		list_free(l);
	else if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), gic_strp_cmp);
	return rc;
}

/* The mark's lists of kept paths and of its run's sets, sorted, and a
 * buffer to escape a path into. */
struct kept {
	struct list kept, sets, gone;
	char *buf;
};

/* Reads the mark: no list of kept paths whole, and nothing is known to be
 * the killed run's; no list of sets (an older gicat's), and all else is;
 * no list of an earlier export's files, and none is. */
static int read_mark(int outfd, struct kept *k)
{
	int fd = openat(outfd, GIC_EXPORT_MARK, O_RDONLY | O_NOFOLLOW |
			O_CLOEXEC), rc = 0;
	FILE *f = fd < 0 ? NULL : fdopen(fd, "r");

	k->kept.n = k->sets.n = k->gone.n = (size_t)-1;
	if (!f) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	rc = read_list(f, kept_head, &k->kept);
	if (rc == 0 && k->kept.n != (size_t)-1)
		rc = read_list(f, sets_head, &k->sets);
	if (rc == 0 && k->sets.n != (size_t)-1)
		rc = read_list(f, gone_head, &k->gone);
	fclose(f);
	return rc;
}

/* Is rel ("a/b" or "a/b/") listed as kept? */
static int is_kept(void *arg, const char *rel)
{
	struct kept *k = arg;
	const char *e = gic_esc(rel, k->buf, ESC_MAX);

	return k->kept.n && bsearch(&e, k->kept.v, k->kept.n,
				    sizeof(*k->kept.v), gic_strp_cmp);
}

/* Does the sorted list l hold e, or (e ending in '/', a directory) a
 * path below e? */
static int listed(const struct list *l, const char *e)
{
	size_t n = l->n == (size_t)-1 ? 0 : l->n, lo = 0, hi = n;
	size_t len = strlen(e);

	while (lo < hi) {  /* the first item not before e */
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(l->v[mid], e) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && !strncmp(l->v[lo], e, len) &&
	       (!l->v[lo][len] || (len && e[len - 1] == '/'));
}

/* Can the killed run have written rel: a metadata file, a file of the
 * earlier export it was removing, a file below the directory of one of
 * its sets' first names (T/...), or one named after a set S:
 * S-index.json, S.csv, S.jsonl, S-NNNNNN.tar? */
static int its_own(struct kept *k, const char *rel)
{
	const char *e = gic_esc(rel, k->buf, ESC_MAX);

	if (k->sets.n == (size_t)-1)
		return 1;
	if (listed(&k->gone, e))
		return 1;
	for (size_t i = 0; i < sizeof(metadata) / sizeof(*metadata); i++)
		if (!strcmp(e, metadata[i]))
			return 1;
	for (size_t i = 0; i < k->sets.n; i++) {
		const char *set = k->sets.v[i];
		size_t top = strcspn(set, "/"), n = strlen(set), digits;
		const char *rest = e + n;

		if (!strncmp(e, set, top) && e[top] == '/')
			return 1;
		if (strncmp(e, set, n))
			continue;
		digits = *rest == '-' ? strspn(rest + 1, "0123456789") : 0;
		if (!strcmp(rest, "-index.json") || !strcmp(rest, ".csv") ||
		    !strcmp(rest, ".jsonl") ||
		    (digits >= 6 && !strcmp(rest + 1 + digits, ".tar")))
			return 1;
	}
	return 0;
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
	/* a file that cannot go is an error: marked as kept, it would stay
	 * in the new export's sets */
	gone = dir ? gic_export_remove(outfd, rel, 1) :
		     gic_export_remove_file(outfd, rel);
	if (gone >= 0)
		gic_export_remove_dirs_of(outfd, rel, is_kept, k);
	return dir ? 0 : gone;
}

/* GIC_EUSAGE naming the files, of the n in c->left (k's), that came after
 * the killed run: not kept from before it, not the run's own. */
static int came_since(struct kept *k, const struct gic_export_cleared *c)
{
	const char *first = NULL;
	size_t n = 0;

	for (size_t i = 0; i < c->nleft; i++) {
		size_t len = strlen(c->left[i]);

		if (len && c->left[i][len - 1] != '/' &&
		    !is_kept(k, c->left[i]) && !its_own(k, c->left[i]) &&
		    !n++)
			first = c->left[i];
	}
	return n ? gic_seterr(GIC_EUSAGE, "an export was killed while "
			      "writing into it, and %zu file%s it did not "
			      "write came there since (first: '%s'): move "
			      "them out, or use --force to keep them beside "
			      "the export", n, n == 1 ? "" : "s",
			      gic_esc(first, k->buf, ESC_MAX)) : 0;
}

int gic_export_resume(int outfd, int force, const struct gic_export_sets *ours,
		      struct gic_export_cleared *c)
{
	struct kept k = { .buf = malloc(ESC_MAX) };
	struct gic_export_files none = { 0 };
	size_t out = 0;
	int rc = k.buf ? read_mark(outfd, &k) :
		 gic_seterr(GIC_ENOMEM, "out of memory");

	if (rc == 0 && k.kept.n != (size_t)-1 && !force)
		rc = came_since(&k, c);
	if (rc < 0 || k.kept.n == (size_t)-1) {
		list_free(&k.kept);
		list_free(&k.sets);
		list_free(&k.gone);
		free(k.buf);
		return rc;
	}
	/* an empty directory is listed only when nothing is below it */
	for (size_t i = 0; i < c->nleft; i++) {
		if (rc < 0 || is_kept(&k, c->left[i]) ||
		    !its_own(&k, c->left[i])) {
			c->left[out++] = c->left[i];
			continue;
		}
		if ((rc = remove_left(outfd, c->left[i], &k)) > 0)
			c->killed++;
		free(c->left[i]);
		c->left[i] = NULL;
	}
	c->nleft = out;
	list_free(&k.kept);
	list_free(&k.sets);
	list_free(&k.gone);
	free(k.buf);
	/* what is there now is all kept, should this run be killed too
	 * (not when a file of the killed run's could not go: the mark
	 * stays as it is, for the next run to remove it) */
	return rc < 0 ? rc : gic_export_mark_all(outfd, &none, ours);
}
