/*
 * walk.c - turns the PATH arguments of ingest into a sorted list of files.
 *
 * Directories are walked recursively in byte order of names, so the same
 * tree always yields the same list and the same insertion order.  Hidden
 * names (".gicat", ".git", ...) are skipped, and so are files that are
 * neither named like an image nor start like one (README.txt,
 * LOC_val_solution.csv); a file named on the command line is always taken,
 * even one that does not exist (ingest then rejects it).  Paths are kept
 * in one arena: GenImage's 2.7 million paths fit in about 250 MB.
 *
 * Symbolic links are followed, to files and to directories, except a link
 * back to a directory on the path being walked or above its root: `ln -s . x` would make a
 * walk of ever longer names (x/x/x/...) whose count grows exponentially
 * with two such links in one directory, long before a length or depth
 * limit stops it.  Those loops, directories nested deeper than
 * GIC_MAX_DEPTH and paths longer than GIC_MAX_PATH - 1 bytes are not
 * walked, and the rest of the tree is still taken.  Loops are counted
 * (what they lead to is walked already); a directory too deep or too long
 * to walk, an image whose path is too long to open, and a directory that
 * cannot be read (permissions) are put on the list, marked, so that ingest
 * rejects them by name: files they hide are not silently missing.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ingest-int.h"

/* Puts dir[0..len) on the list, or with name, dir[0..len)/name (a path
 * that may be too long to open: ingest rejects it by that name). */
static int push_as(struct gic_filelist *fl, const char *dir, size_t len,
		   const char *name, int root, int dir_err, int unwalked)
{
	size_t nl = name ? strlen(name) : 0, all = len + (name ? 1 + nl : 0);

	if (gic_grow(&fl->files, fl->n, &fl->cap, sizeof(*fl->files), 1024))
		return GIC_ENOMEM;
	if (fl->used + all + 1 > fl->arena_cap) {
		size_t cap = fl->arena_cap ? fl->arena_cap * 2 : 1 << 16;
		char *a;
		while (cap < fl->used + all + 1)
			cap *= 2;
		if (!(a = realloc(fl->arena, cap)))
			return gic_seterr(GIC_ENOMEM, "out of memory");
		fl->arena = a;
		fl->arena_cap = cap;
	}
	memcpy(fl->arena + fl->used, dir, len);
	if (name) {
		fl->arena[fl->used + len] = '/';
		memcpy(fl->arena + fl->used + len + 1, name, nl);
	}
	fl->arena[fl->used + all] = '\0';
	fl->files[fl->n].off = fl->used;
	fl->files[fl->n].root = root;
	fl->files[fl->n].dir_err = dir_err;
	fl->files[fl->n].unwalked = unwalked;
	fl->n++;
	fl->used += all + 1;
	return 0;
}

static int push(struct gic_filelist *fl, const char *path, size_t len,
		int root, int dir_err)
{
	return push_as(fl, path, len, NULL, root, dir_err, 0);
}

/* Does the file start like an image we can read?  -1: it may not be read
 * (so nothing tells). */
static int sniff_at(int at, const char *path)
{
	unsigned char head[16];
	/* O_NONBLOCK: a FIFO */
	int fd = openat(at, path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	ssize_t n = fd >= 0 ? read(fd, head, sizeof(head)) : -1;

	if (fd >= 0)
		close(fd);
	if (n < 0)
		return -1;
	return n > 0 && gic_sniff_format(head, (size_t)n) != NULL;
}

static int image_extension(const char *name)
{
	static const char *const exts[] = {
		"png", "jpg", "jpeg", "jpe", "jfif", "webp", "gif", "bmp",
		"tif", "tiff", NULL
	};
	const char *dot = strrchr(name, '.');

	for (int i = 0; dot && exts[i]; i++)
		if (!strcasecmp(dot + 1, exts[i]))
			return 1;
	return 0;
}

/* Image extensions are taken as they are (a truncated or mislabelled file,
 * a FIFO or device named like an image, is then rejected with its reason);
 * any other regular file only if it sniffs as an image (-1: it may not be
 * read, so whether it is one is unknown). */
static int looks_like_image(const char *path, const char *name,
			    const struct stat *st)
{
	if (image_extension(name))
		return 1;
	return S_ISREG(st->st_mode) ? sniff_at(AT_FDCWD, path) : 0;
}

#define MAX_ANCESTORS 64

/* One walk of a PATH argument: the path being built and the directories
 * on it, the root first, and the directories above the root: a link to
 * any of them leads back into the tree. */
struct walk {
	struct gic_filelist *fl;
	int root;
	char path[GIC_MAX_PATH];
	struct { dev_t dev; ino_t ino; } up[GIC_MAX_DEPTH + 1];
	struct { dev_t dev; ino_t ino; } above[MAX_ANCESTORS];
	int nabove;
};

static int walk_dir(struct walk *w, size_t len, int depth);

#define MAX_WALKS 64   /* walks of one directory, through links, at most */

static size_t slot(const struct gic_walked *v, size_t cap, dev_t dev,
		   ino_t ino)
{
	size_t i = (size_t)(ino * 0x9E3779B97F4A7C15ull ^ dev) & (cap - 1);

	while (v[i].n && (v[i].dev != dev || v[i].ino != ino))
		i = (i + 1) & (cap - 1);
	return i;
}

/* Counts a walk of directory st: 1 when it has been walked MAX_WALKS
 * times already, 0 to walk it, or GIC_ENOMEM. */
static int walked_enough(struct gic_filelist *fl, const struct stat *st)
{
	size_t i;

	if (2 * (fl->nwalked + 1) > fl->walked_cap) {
		size_t cap = fl->walked_cap ? 2 * fl->walked_cap : 256;
		struct gic_walked *v = calloc(cap, sizeof(*v));

		if (!v)
			return gic_seterr(GIC_ENOMEM, "out of memory");
		for (size_t j = 0; j < fl->walked_cap; j++)
			if (fl->walked[j].n)
				v[slot(v, cap, fl->walked[j].dev,
				       fl->walked[j].ino)] = fl->walked[j];
		free(fl->walked);
		fl->walked = v;
		fl->walked_cap = cap;
	}
	i = slot(fl->walked, fl->walked_cap, st->st_dev, st->st_ino);
	if (!fl->walked[i].n++) {
		fl->walked[i].dev = st->st_dev;
		fl->walked[i].ino = st->st_ino;
		fl->nwalked++;
	}
	return fl->walked[i].n > MAX_WALKS;
}

/* Reads one directory's names, sorted; *out is an array of strdup'd names.
 * *err is errno when the directory cannot be opened or read whole. */
static int read_names(const char *path, char ***out, size_t *n, int *err,
		      uint64_t *hidden, uint64_t *hidden_dirs)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char **v = NULL;
	size_t cap = 0;
	int rc = 0;

	*n = 0;
	*out = NULL;
	if (!d) {
		*err = errno;
		return 0;
	}
	while ((errno = 0, e = readdir(d))) {
		if (e->d_name[0] == '.') {  /* .git, .DS_Store, ._x.png; a
					       catalog's own .gicat is no news */
			int counted = strcmp(e->d_name, ".") &&
				      strcmp(e->d_name, "..") &&
				      strcmp(e->d_name, ".gicat");

			*hidden += counted;
			*hidden_dirs += counted && gic_dirent_is_dir(dirfd(d), e);
			continue;
		}
		if ((rc = gic_grow(&v, *n, &cap, sizeof(*v), 64)) < 0)
			break;
		if (!(v[*n] = strdup(e->d_name))) {
			rc = gic_seterr(GIC_ENOMEM, "out of memory");
			break;
		}
		(*n)++;
	}
	if (!e && errno && rc == 0) {  /* an I/O error part of the way: the
					  directory is rejected, not cut short */
		*err = errno;
		while (*n)
			free(v[--*n]);
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof(*v), gic_strp_cmp);
	*out = v;
	return rc;
}

/* Is the directory st already on the path, at depth 0..depth, or above
 * the root (`ln -s .. up` would walk the root again, and its siblings)? */
static int on_path(const struct walk *w, int depth, const struct stat *st)
{
	for (int i = 0; i <= depth; i++)
		if (w->up[i].dev == st->st_dev && w->up[i].ino == st->st_ino)
			return 1;
	for (int i = 0; i < w->nabove; i++)
		if (w->above[i].dev == st->st_dev && w->above[i].ino == st->st_ino)
			return 1;
	return 0;
}

/* The directories above the walk's root, up to /. */
static void find_above(struct walk *w, size_t len)
{
	char p[GIC_MAX_PATH + 3 * MAX_ANCESTORS + 1];
	struct stat st, prev = { 0 };

	memcpy(p, w->path, len + 1);
	for (w->nabove = 0; w->nabove < MAX_ANCESTORS; w->nabove++) {
		if (len + 4 > sizeof(p))
			break;
		memcpy(p + len, "/..", 4);
		len += 3;
		if (stat(p, &st) < 0 || (w->nabove && st.st_dev == prev.st_dev &&
					 st.st_ino == prev.st_ino))
			break;  /* unreadable, or / (its own parent) */
		w->above[w->nabove].dev = st.st_dev;
		w->above[w->nabove].ino = st.st_ino;
		prev = st;
	}
}

/* Is the directory st the catalog's .gicat or one inside it? */
static int in_catalog(const struct gic_filelist *fl, const struct stat *st)
{
	for (size_t i = 0; i < fl->ncatalog_dirs; i++)
		if (fl->catalog_dirs[i].dev == st->st_dev &&
		    fl->catalog_dirs[i].ino == st->st_ino)
			return 1;
	return 0;
}

/* Is the file path (stat st), reached through a symbolic link, a file of
 * the catalog's (an object, catalog.db)? */
static int link_into_catalog(const struct gic_filelist *fl, const char *path,
			     const struct stat *st)
{
	struct stat dst;
	char *real, *slash;
	int in = 0;

	if (!fl->ncatalog_dirs || st->st_dev != fl->catalog_dirs[0].dev ||
	    !(real = realpath(path, NULL)))
		return 0;
	if ((slash = strrchr(real, '/')) && slash != real) {
		*slash = '\0';
		in = stat(real, &dst) == 0 && in_catalog(fl, &dst);
	}
	free(real);
	return in;
}

/* What is name, in the directory path[0..len), whose own path is too long
 * to open (looked at from its parent)?  2: a directory (or a link to
 * one), 1: an image by looks_like_image's rule, 0: neither, or unknown. */
static int long_kind(char *path, size_t len, const char *name)
{
	struct stat st;
	int fd, kind = 0;

	path[len] = '\0';
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0 && fstatat(fd, name, &st, 0) == 0)
		kind = S_ISDIR(st.st_mode) ? 2 : image_extension(name) ||
		       (S_ISREG(st.st_mode) && sniff_at(fd, name) > 0);
	if (fd >= 0)
		close(fd);
	return kind;
}

static int visit(struct walk *w, size_t len, int depth, const char *name)
{
	struct gic_filelist *fl = w->fl;
	char *path = w->path;
	size_t nl = strlen(name);
	struct stat st;
	int rc, link = 0;

	if (len + 1 + nl >= GIC_MAX_PATH) {
		/* an image or a directory is rejected by its path, so that
		 * what it is or holds is never silently missing */
		if ((rc = long_kind(path, len, name)) == 0) {
			fl->too_long++;
			return 0;
		}
		return push_as(fl, path, len, name, w->root, 0,
			       rc == 2 ? GIC_UNWALKED_LONG : 0);
	}
	path[len] = '/';
	memcpy(path + len + 1, name, nl + 1);
	/* lstat first: a link is followed, and known as one, at the price
	 * of a second call for links only */
	if (lstat(path, &st) < 0 ||
	    ((link = S_ISLNK(st.st_mode)) && stat(path, &st) < 0)) {
		if (errno == ENOENT || errno == ELOOP) {
			fl->unreadable++;  /* a dangling or looping symlink */
			return 0;
		}
		/* a directory listed, not entered, hides what its entries
		 * are: each is rejected with the reason, never missed */
		return push(fl, path, len + 1 + nl, w->root, -errno);
	}
	if (S_ISDIR(st.st_mode)) {
		if (in_catalog(fl, &st)) {
			fl->in_catalog++;
			return 0;
		}
		if (on_path(w, depth, &st)) {
			fl->loops++;
			return 0;
		}
		if (depth + 1 > GIC_MAX_DEPTH)
			return push_as(fl, path, len + 1 + nl, NULL, w->root,
				       0, GIC_UNWALKED_DEEP);
		if ((rc = walked_enough(fl, &st)) != 0) {
			fl->rewalks += rc > 0;
			return rc < 0 ? rc : 0;
		}
		w->up[depth + 1].dev = st.st_dev;
		w->up[depth + 1].ino = st.st_ino;
		return walk_dir(w, len + 1 + nl, depth + 1);
	}
	if ((rc = looks_like_image(path, name, &st)) <= 0) {
		if (rc < 0)
			fl->noread++;
		else
			fl->skipped++;
		return 0;
	}
	if (link && link_into_catalog(fl, path, &st)) {
		fl->in_catalog++;
		return 0;
	}
	return push(fl, path, len + 1 + nl, w->root, 0);
}

/* Remembers a directory read, so that ingest can clear an earlier
 * "cannot read directory" reject of it. */
static int note_dir(struct gic_filelist *fl, const char *path)
{
	if (gic_grow(&fl->dirs, fl->ndirs, &fl->dirs_cap, sizeof(*fl->dirs), 64))
		return GIC_ENOMEM;
	if (!(fl->dirs[fl->ndirs] = strdup(path)))
		return gic_seterr(GIC_ENOMEM, "out of memory");
	fl->ndirs++;
	return 0;
}

static int walk_dir(struct walk *w, size_t len, int depth)
{
	char **names = NULL;
	size_t n = 0, i;
	int rc, err = 0;

	/* a directory that cannot be read goes on the list: ingest rejects
	 * it with the reason, and the rest of the tree is still taken */
	if ((rc = read_names(w->path, &names, &n, &err, &w->fl->hidden,
			     &w->fl->hidden_dirs)) == 0 && err)
		return push(w->fl, w->path, len, w->root, err);
	if (rc == 0)
		rc = note_dir(w->fl, w->path);
	for (i = 0; i < n && rc == 0; i++)
		rc = visit(w, len, depth, names[i]);
	w->path[len] = '\0';
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

int gic_filelist_add(struct gic_filelist *fl, const char *arg, int root)
{
	struct walk *w;
	size_t len = strlen(arg);
	struct stat st;
	int rc;

	while (len > 1 && arg[len - 1] == '/')
		len--;
	/* what is too long or cannot be stat'ed is taken as a file: ingest
	 * rejects it with the reason, and the rest of the batch goes on */
	if (len >= GIC_MAX_PATH || stat(arg, &st) < 0 || !S_ISDIR(st.st_mode))
		return push(fl, arg, len, root, 0);
	if (!(w = malloc(sizeof(*w))))
		return gic_seterr(GIC_ENOMEM, "out of memory");
	w->fl = fl;
	w->root = root;
	memcpy(w->path, arg, len);
	w->path[len] = '\0';
	w->up[0].dev = st.st_dev;
	w->up[0].ino = st.st_ino;
	find_above(w, len);
	rc = walk_dir(w, len, 0);
	free(w);
	return rc;
}

void gic_filelist_release(struct gic_filelist *fl)
{
	free(fl->catalog_dirs);
	free(fl->walked);
	for (size_t i = 0; i < fl->ndirs; i++)
		free(fl->dirs[i]);
	free(fl->dirs);
	free(fl->files);
	free(fl->arena);
	memset(fl, 0, sizeof(*fl));
}
