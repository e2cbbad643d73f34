/*
 * ingest-read.c - reading a file to ingest, whole, and only as it stood:
 * a file written to while it is read (an editor saving it, a copy still
 * arriving, a tool rewriting it in place) gives bytes that never existed
 * together on disk, which would be catalogued as an image of their own.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ingest-int.h"
#include "ingest-write.h"

/* A file modified this recently (ns) before its reading began may have
 * been written again during it within one tick of the kernel's clock,
 * which leaves its times as they were: such a file is read twice. */
#define RACY_NS 1000000000LL

static int same_stat(const struct stat *a, const struct stat *b)
{
	return a->st_size == b->st_size && a->st_ino == b->st_ino &&
	       gic_ns(&a->st_mtim) == gic_ns(&b->st_mtim) &&
	       gic_ns(&a->st_ctim) == gic_ns(&b->st_ctim);
}

/* Do the len bytes of buf still match the file at fd? */
static int reread_same(int fd, const unsigned char *buf, size_t len)
{
	unsigned char chunk[65536];
	size_t off = 0;

	while (off < len) {
		size_t want = len - off < sizeof(chunk) ? len - off :
			      sizeof(chunk);
		ssize_t n = pread(fd, chunk, want, (off_t)off);

		if (n <= 0 || memcmp(chunk, buf + off, (size_t)n))
			return 0;
		off += (size_t)n;
	}
	return 1;
}

/* 0 when the file at fd is as it was (st) when its len bytes were read
 * into buf, reading began at t0: the same size, inode and times, and for
 * one written within RACY_NS of t0, the same bytes read again.  (A write
 * sets both times; a tool that sets mtime back after writing changes
 * ctime, and both are compared.) */
static int settled(int fd, const struct stat *st, const unsigned char *buf,
		   size_t len, const struct timespec *t0)
{
	struct stat now;

	if (fstat(fd, &now) < 0)
		return gic_seterr(GIC_EIO, "stat: %s", strerror(errno));
	if (same_stat(st, &now) && (gic_ns(&st->st_mtim) < gic_ns(t0) - RACY_NS ||
				    (reread_same(fd, buf, len) &&
				     fstat(fd, &now) == 0 && same_stat(st, &now))))
		return 0;
	if ((long long)len != (long long)now.st_size)
		return gic_seterr(GIC_EIO, "the file changed while being read "
				  "(%zu bytes read, now %lld): nothing stored",
				  len, (long long)now.st_size);
	return gic_seterr(GIC_EIO, "the file changed while being read: "
			  "nothing stored");
}

/* Why path, which open() refused, cannot be opened: a symbolic link to
 * nothing is named as one ("No such file" of a name ls lists puzzles). */
static int cannot_open(const char *path)
{
	int err = errno;
	char to[512];
	ssize_t n;

	if (err == ENOENT && (n = readlink(path, to, sizeof(to) - 1)) >= 0) {
		to[n] = '\0';
		return gic_seterr(GIC_ENOTFOUND, "cannot open: a symbolic link "
				  "to '%s'%s, which does not exist", to,
				  n == sizeof(to) - 1 ? "..." : "");
	}
	return gic_seterr(err == ENOENT ? GIC_ENOTFOUND : GIC_EIO,
			  "cannot open: %s", strerror(err));
}

/* Reads path whole, up to max_bytes, into *buf; *st and file_id describe
 * it from when it is known to be a regular file (a reject names it too). */
int gic_ingest_read(const char *path, uint64_t max_bytes,
		    unsigned char **buf, struct stat *st, char file_id[48])
{
	/* O_NONBLOCK: a FIFO is refused below, not waited on */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), rc = 0;
	struct timespec t0;
	size_t got = 0;
	ssize_t n;

	clock_gettime(CLOCK_REALTIME, &t0);
	*buf = NULL;
	if (fd < 0 && errno == ENXIO && stat(path, st) == 0)  /* a socket */
		return gic_seterr(GIC_EIO, "not a regular file (%s)",
				  gic_file_kind(st->st_mode));
	if (fd < 0)  /* no such file: a typo, or gone since the walk */
		return cannot_open(path);
	if (fstat(fd, st) < 0) {
		rc = gic_seterr(GIC_EIO, "stat: %s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st->st_mode)) {
		rc = gic_seterr(GIC_EIO, "not a regular file (%s)",
				gic_file_kind(st->st_mode));
		goto out;
	}
	gic_file_id(st, file_id); /* a reject is of this file, too */
	if (st->st_size == 0) {
		rc = gic_seterr(GIC_EBADIMG, "empty file: 0 bytes");
		goto out;
	}
	if ((uint64_t)st->st_size > max_bytes) {
		rc = gic_seterr(GIC_ELIMIT, "file too large: %lld bytes, over "
				"the %llu-byte limit", (long long)st->st_size,
				(unsigned long long)max_bytes);
		goto out;
	}
	/* a file under a raised --max-bytes that memory cannot hold is
	 * refused like one over the limit: the rest of the batch goes on */
	if (!(*buf = malloc((size_t)st->st_size))) {
		rc = gic_seterr(GIC_ELIMIT, "file too large to hold in memory: "
				"%lld bytes", (long long)st->st_size);
		goto out;
	}
	while (got < (size_t)st->st_size &&
	       (n = read(fd, *buf + got, (size_t)st->st_size - got)) > 0)
		got += (size_t)n;
	if (got != (size_t)st->st_size)
		rc = gic_seterr(GIC_EIO, "short read (file changed?)");
	else
		rc = settled(fd, st, *buf, got, &t0);
out:
	close(fd);
	if (rc) {
		free(*buf);
		*buf = NULL;
	}
	return rc;
}
