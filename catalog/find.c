/*
 * find.c - where a catalog is: found like git finds .git (--catalog DIR,
 * or DIR/.gicat itself, else $GICAT_DIR, else the nearest .gicat upward),
 * and the checks that keep a new one out of a .gicat and off a store that
 * lost its catalog.db.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog.h"
#include "find.h"

int gic_path_join(char *buf, size_t size, const char *a, const char *b)
{
	if ((size_t)snprintf(buf, size, "%s/%s", a, b) >= size)
		return gic_seterr(GIC_ELIMIT, "path too long: '%s/%s'", a, b);
	return 0;
}

int gic_catalog_at(const char *root)
{
	char p[PATH_MAX];
	struct stat st;

	return !gic_path_join(p, sizeof(p), root, ".gicat/catalog.db") &&
	       stat(p, &st) == 0;
}

/* Does root's objects/ hold a file in a fan-out directory? */
int gic_store_has_objects(const char *root)
{
	char p[PATH_MAX], sub[PATH_MAX + 4];
	struct dirent *e, *f;
	DIR *d, *x;
	int found = 0;

	if (gic_path_join(p, sizeof(p), root, ".gicat/objects") < 0 ||
	    !(d = opendir(p)))
		return 0;
	while (!found && (e = readdir(d))) {
		if (e->d_name[0] == '.' ||
		    snprintf(sub, sizeof(sub), "%s/%s", p, e->d_name) >=
		    (int)sizeof(sub) || !(x = opendir(sub)))
			continue;
		while (!found && (f = readdir(x)))
			found = f->d_name[0] != '.';
		closedir(x);
	}
	closedir(d);
	return found;
}

/* The error of a store whose catalog.db is gone (from: where root came
 * from): a new catalog would call every object unreferenced, and gc
 * delete them all. */
int gic_lost_catalog(const char *root, const char *from)
{
	return gic_seterr(GIC_ESCHEMA, "'%s'%s: its .gicat/objects holds "
			  "objects but catalog.db is missing: restore it from "
			  "a backup, or remove .gicat to start again (a new "
			  "catalog would let gc delete every object)", root,
			  from);
}

/* Does path name a directory called .gicat (with trailing slashes)? */
int gic_names_gicat(const char *path)
{
	size_t n = strlen(path);

	while (n > 1 && path[n - 1] == '/')
		n--;
	return n >= 6 && !strncmp(path + n - 6, ".gicat", 6) &&
	       (n == 6 || path[n - 7] == '/');
}

/* Is path, or where its links lead, under a directory named .gicat? */
int gic_within_gicat(const char *path)
{
	char *real = realpath(path, NULL), *parent, *slash;
	int in = strstr(path, ".gicat/") == path || strstr(path, "/.gicat/");

	/* not made yet: the nearest directory above it that is (init makes
	 * the missing ones, which a symlink there may put inside a .gicat) */
	if (!real && (parent = strdup(path))) {
		while (!real && (slash = strrchr(parent, '/')) &&
		       slash != parent) {
			*slash = '\0';
			real = realpath(parent, NULL);
		}
		if (!real)
			real = realpath(slash == parent ? "/" : ".", NULL);
		free(parent);
	}
	if (real) {
		size_t n = strlen(real);
		in = in || strstr(real, "/.gicat/") ||
		     (n >= 7 && !strcmp(real + n - 7, "/.gicat"));
		free(real);
	}
	return in;
}

/* The directory that holds arg, a path of n bytes (no trailing '/')
 * that names .gicat: its first *len bytes of the string returned. */
static const char *gicat_holder(const char *arg, size_t n, int *len)
{
	*len = n > 7 ? (int)n - 7 : 1;  /* "d/.gicat": "d" */
	return n > 7 ? arg : arg[0] == '/' ? "/" : ".";
}

/* --catalog DIR/.gicat (the catalog directory itself, as git takes
 * --git-dir) means DIR. */
static int catalog_dir_itself(const char *arg, const char *from,
			      char **root_out)
{
	size_t n = strlen(arg);
	char p[PATH_MAX];
	struct stat st;
	const char *in = arg;   /* where gicat init would make it */
	int gicat, inlen;

	if (!n)
		return gic_seterr(GIC_EUSAGE, "an empty catalog directory "
				  "name%s", from);
	while (n > 1 && arg[n - 1] == '/')
		n--;
	inlen = (int)strlen(arg);
	if ((gicat = gic_names_gicat(arg)))
		in = gicat_holder(arg, n, &inlen);
	if (gicat && snprintf(p, sizeof(p), "%.*s/catalog.db", (int)n, arg) <
	    (int)sizeof(p)) {
		char *root = strndup(in, (size_t)inlen);

		if (!root)
			return gic_seterr(GIC_ENOMEM, "out of memory");
		if (stat(p, &st) == 0) {
			*root_out = root;
			return 0;
		}
		if (gic_store_has_objects(root)) {
			int rc = gic_lost_catalog(root, from);

			free(root);
			return rc;
		}
		free(root);
	}
	/* from: where arg came from */
	if (stat(arg, &st) < 0) {
		int e = errno;

		if (e != ENOENT)
			return gic_seterr(GIC_ENOTFOUND, "'%s'%s: %s", arg,
					  from, strerror(e));
		return gic_seterr(GIC_ENOTFOUND, "'%s'%s: %s ('gicat init "
				  "%.*s' makes a catalog there)", arg, from,
				  strerror(e), inlen, in);
	}
	if (!S_ISDIR(st.st_mode))
		return gic_seterr(GIC_ENOTFOUND, "'%s'%s is not a directory",
				  arg, from);
	if (gic_store_has_objects(arg))
		return gic_lost_catalog(arg, from);
	return gic_seterr(GIC_ENOTFOUND, "'%s'%s holds no .gicat catalog "
			  "('gicat init %s' makes one)", arg, from, arg);
}

int gic_catalog_upward(const char *dir, char **root_out)
{
	char p[PATH_MAX], *slash;

	*root_out = NULL;
	if (snprintf(p, sizeof(p), "%s", dir) >= (int)sizeof(p))
		return GIC_ENOTFOUND;
	for (;;) {
		if (gic_catalog_at(p)) {
			*root_out = strdup(p);
			return *root_out ? 0 : gic_seterr(GIC_ENOMEM,
							  "out of memory");
		}
		if (gic_store_has_objects(p))
			return gic_lost_catalog(p, "");
		if (!(slash = strrchr(p, '/')) || (slash == p && !p[1]))
			return GIC_ENOTFOUND;
		slash[slash == p] = '\0';  /* "/x" goes to "/" */
	}
}

const char *gic_catalog_named(const char *explicit_root)
{
	const char *env = getenv("GICAT_DIR");

	return explicit_root ? explicit_root : env && *env ? env : NULL;
}

int gic_catalog_find(const char *explicit_root, char **root_out)
{
	const char *named = gic_catalog_named(explicit_root);
	char cwd[PATH_MAX];
	int rc;

	if (named && !gic_catalog_at(named))
		return catalog_dir_itself(named, named != explicit_root ?
					  " (from $GICAT_DIR)" : " (--catalog)",
					  root_out);
	if (named) {
		*root_out = strdup(named);
		return *root_out ? 0 : gic_seterr(GIC_ENOMEM, "out of memory");
	}
	if (!getcwd(cwd, sizeof(cwd)))
		return gic_seterr(GIC_EIO, "getcwd: %s", strerror(errno));
	if ((rc = gic_catalog_upward(cwd, root_out)) != GIC_ENOTFOUND)
		return rc;
	return gic_seterr(GIC_ENOTFOUND,
			  "no catalog here or in any parent (run 'gicat init' "
			  "or pass --catalog DIR)");
}