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

int gic_same_tail(const char *a, const char *b)
{
	size_t na, nb;

	a = strip_up(a);
	b = strip_up(b);
	na = strlen(a);
	nb = strlen(b);
	if (na < nb)
		return gic_same_tail(b, a);
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
