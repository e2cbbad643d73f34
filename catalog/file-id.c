/*
 * file-id.c - which file an entry was read from: its device and inode
 * (gic_file_id), and whether two spellings of a path, read from two
 * working directories, may be one file (gic_same_tail, gic_same_file).
 * Ingest uses them not to add a file again under another spelling.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "ingest-write.h"

int gic_ref_intact(const char *path, int64_t size, int64_t mtime_ns)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	       st.st_size == size && gic_ns(&st.st_mtim) == mtime_ns;
}

/* p without leading "/", "./" and "../" components. */
static const char *strip_up(const char *p)
{
	for (;;) {
		if (*p == '/')
			p++;
		else if (!strncmp(p, "./", 2))
			p += 2;
		else if (!strncmp(p, "../", 3))
			p += 3;
		else
			return p;
	}
}

int gic_path_clean(const char *p, char *out, size_t n)
{
	size_t len = 0, keep = 0; /* out[0..keep) is what ".." cannot undo */

	if (*p == '/')
		out[len++] = '/', keep = 1;
	while (*p) {
		size_t k = strcspn(p, "/");
		int up = k == 2 && !strncmp(p, "..", 2);

		if (up && len > keep) { /* "x/.." goes */
			while (len > keep && out[len - 1] != '/')
				len--;
			if (len > keep)
				len--;
		} else if (k && !(k == 1 && *p == '.') && !(up && keep == 1 &&
							    *out == '/')) {
			if (len + k + 2 > n)
				return -1;
			if (len && out[len - 1] != '/')
				out[len++] = '/';
			memcpy(out + len, p, k);
			len += k;
			if (up)
				keep = len;
		}
		p += k + (p[k] == '/');
	}
	out[len] = '\0';
	return 0;
}

int gic_same_tail(const char *a, const char *b)
{
	char ca[4200], cb[4200];
	size_t na, nb;

	if (gic_path_clean(a, ca, sizeof(ca)) < 0 ||
	    gic_path_clean(b, cb, sizeof(cb)) < 0)
		return 0;
	a = strip_up(ca);
	b = strip_up(cb);
	if (strlen(a) < strlen(b)) {  /* a the longer */
		const char *t = a;

		a = b;
		b = t;
	}
	na = strlen(a);
	nb = strlen(b);
	return na == nb ? !strcmp(a, b)
			: a[na - nb - 1] == '/' && !strcmp(a + na - nb, b);
}

void gic_file_id(const struct stat *st, char out[48])
{
	snprintf(out, 48, "%llu:%llu", (unsigned long long)st->st_dev,
		 (unsigned long long)st->st_ino);
}

/* The inode part of a file_id ("dev:ino"): a device number can change
 * (a disk plugged in again, a remount) while the file stays the same. */
static const char *inode_of(const char *file_id)
{
	const char *colon = file_id ? strchr(file_id, ':') : NULL;

	return colon ? colon + 1 : "";
}

int gic_same_file(const char *file_id, const char *was, const char *id)
{
	char now[48];
	struct stat st;

	if (id)
		return !strcmp(inode_of(id), inode_of(file_id));
	/* no identity recorded: if was still names a file from here, it must
	 * be this one; if not (another working directory), the path tails
	 * and the content are all there is to go on */
	if (stat(was, &st) < 0)
		return 1;
	gic_file_id(&st, now);
	return !strcmp(inode_of(now), inode_of(file_id));
}
