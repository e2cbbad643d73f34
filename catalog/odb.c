/*
 * odb.c - the local object store: objects/ab/cdef... named by SHA-256.
 *
 * A put of copied bytes writes them into an unnamed file in the target
 * directory (O_TMPFILE) and gives it the object's name once every byte is
 * in: a killed put leaves nothing.  Links and reflinks, and copies where
 * the file system or /proc cannot do that, go into a temporary file
 * ("tmp-*", re-hashed when its bytes came from the source file rather
 * than the hashed buffer), renamed into place at the next sync().
 *
 * sync(), which the writer calls before committing rows that reference
 * new objects, makes the batch durable: one syncfs(2) flushes every new
 * file's data, and when temporary files were renamed, a second one their
 * directory entries.  A batch of thousands of objects costs one or two
 * flushes instead of an fsync each (git's core.fsyncMethod=batch makes the
 * same trade); the price is that sync() also waits for other dirty data of
 * the same file system.  So an object a committed row references is on
 * disk.  One nothing references yet may not be: after a power loss its
 * name can point at bytes that never got there.  A put therefore re-hashes
 * a name before trusting it (intact()) and replaces it when it does not
 * hold its bytes, verify counts it as an orphan, and gc removes it, as it
 * removes temporary files.  Objects are mode 0444.  Walking the store
 * (verify, gc) is odb-walk.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "odb-int.h"

/* Distinguishes temporary files of concurrent puts in one process. */
static _Atomic unsigned long tmp_seq;


static const char *const mode_names[] = { "copy", "reflink", "link", "ref" };

int gic_store_mode_from_name(const char *name, enum gic_store_mode *out)
{
	for (int i = 0; i < 4; i++)
		if (!strcmp(name, mode_names[i])) {
			*out = (enum gic_store_mode)i;
			return 0;
		}
	return gic_unknown("mode", name, mode_names, 4,
			   "copy, reflink, link or ref");
}

const char *gic_store_mode_name(enum gic_store_mode mode)
{
	return mode_names[mode];
}

int gic_odb_holds(struct gic_odb *odb, const char *hex, uint64_t bytes)
{
	uint64_t size = 0;

	return odb->be->stat(odb, hex, &size, NULL) == 0 && size == bytes;
}

char *gic_odb_fs_path(struct gic_odb *odb, const char *hex)
{
	char *p = NULL;

	if (!gic_is_hex_sha(hex) ||
	    asprintf(&p, "%s/%.2s/%s", fs(odb)->dir, hex, hex + 2) < 0)
		return NULL;
	return p;
}

int gic_odb_path_err(const char *hex)
{
	/* a row no gicat wrote must not name a file elsewhere ("../../x")
	 * for the store to read, link or delete */
	if (!gic_is_hex_sha(hex))
		return gic_seterr(GIC_ECORRUPT, "'%.80s' is not a SHA-256 (64 "
				  "lowercase hex digits): a catalog row gicat "
				  "did not write", hex);
	return gic_seterr(GIC_ENOMEM, "out of memory");
}

int gic_odb_fs_at(struct gic_odb *odb, const char *hex,
		  char name[GIC_HEX_LEN + 2])
{
	if (!gic_is_hex_sha(hex)) /* the caller's gic_odb_fs_path says */
		return -1;
	snprintf(name, GIC_HEX_LEN + 2, "%.2s/%s", hex, hex + 2);
	return fs(odb)->at_fd;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Creates tmp with the object's bytes by the cheapest way mode allows and
 * returns it open in *fd.  *how says whether the bytes are our buffer
 * (copied) or the source file's (linked, reflinked).
 */
static int make_tmp(const char *tmp, const void *buf, size_t len,
		    const char *src, enum gic_store_mode mode,
		    enum gic_put_how *how, int *fd, mode_t *was)
{
	struct stat st;
	int src_fd;

	/* a symbolic link in the tree: the file it names is linked, not the
	 * link itself (which would be the object, and one relative to the
	 * wrong directory) */
	if (mode == GIC_MODE_LINK && src &&
	    linkat(AT_FDCWD, src, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) == 0) {
		*how = GIC_PUT_LINKED;
		if (stat(tmp, &st) == 0)  /* the user's file's, given back
					     if it is not stored */
			*was = st.st_mode & 07777;
		chmod(tmp, 0444);
		*fd = open(tmp, O_RDONLY | O_CLOEXEC);
		return *fd >= 0 ? 0 : gic_seterr(GIC_EIO, "open '%s': %s", tmp,
						 strerror(errno));
	}
	*fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	if (*fd < 0)
		return gic_seterr(GIC_EIO, "create '%s': %s", tmp, strerror(errno));
	*how = GIC_PUT_COPIED;
	if (mode == GIC_MODE_REFLINK && src) {
		src_fd = open(src, O_RDONLY | O_CLOEXEC);
		if (src_fd >= 0 && ioctl(*fd, FICLONE, src_fd) == 0)
			*how = GIC_PUT_REFLINKED;
		if (src_fd >= 0)
			close(src_fd);
	}
	if (*how == GIC_PUT_COPIED && write_all(*fd, buf, len) < 0)
		return gic_seterr(GIC_EIO, "write '%s': %s", tmp, strerror(errno));
	return 0;
}

/*
 * Checks the open temporary file holds exactly hex (sync() makes it
 * durable).  Copied bytes are the buffer that was hashed; linked or cloned
 * ones come from the source file, which may have changed since it was
 * read, so they are hashed again.
 */
static int settle(int fd, const char *tmp, const char *hex, size_t len,
		  int rehash)
{
	char got[GIC_HEX_LEN + 1];
	struct stat st;
	int rc;

	if (fstat(fd, &st) < 0)
		return gic_seterr(GIC_EIO, "stat '%s': %s", tmp, strerror(errno));
	/* the file's (the one being ingested, named by the caller) */
	if ((size_t)st.st_size != len)
		return gic_seterr(GIC_ECORRUPT, "the file changed while being "
				  "stored (%zu bytes read, now %lld): nothing "
				  "stored", len, (long long)st.st_size);
	if (!rehash)
		return 0;
	if ((rc = gic_sha256_fd(fd, got)) < 0)
		return rc;
	if (strcmp(got, hex))
		return gic_seterr(GIC_ECORRUPT, "the file changed while being "
				  "stored (its bytes read hash to %.12s..., now "
				  "to %.12s...): nothing stored", hex, got);
	return 0;
}

/* An object already at its place: complete, or debris of a power loss? */
static int intact(const char *final, const char *hex, size_t len)
{
	char got[GIC_HEX_LEN + 1];
	struct stat st;
	int fd, ok;

	if (lstat(final, &st) < 0 || (size_t)st.st_size != len)
		return 0;
	if (!S_ISREG(st.st_mode) ||
	    (fd = open(final, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW)) < 0)
		return 0;
	ok = gic_sha256_fd(fd, got) == 0 && !strcmp(got, hex);
	close(fd);
	return ok;
}

/*
 * Writes a copy into an unnamed file in dir and names it final.  1: done;
 * 0: not done, the caller goes the other way (which also says why the
 * file could not be opened): O_TMPFILE or /proc/self/fd is missing
 * (remembered), or final is taken (by the object, or by what a power
 * loss left).
 */
static int put_unnamed(struct fs_odb *o, const char *hex, const char *dir,
		       const char *final, const void *buf, size_t len)
{
	char fdpath[64], sub[3] = { hex[0], hex[1], 0 }, name[GIC_HEX_LEN + 2];
	/* names relative to the store's directory: no walk of its path */
	int at = gic_odb_fs_at(&o->base, hex, name), fd, named, err;

	if (at < 0)
		at = AT_FDCWD;
	fd = openat(at, at == AT_FDCWD ? dir : sub,
		    O_TMPFILE | O_WRONLY | O_CLOEXEC, 0444);
	if (fd < 0) {
		if (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)
			atomic_store(&o->no_tmpfile, 1);
		return 0;
	}
	if (write_all(fd, buf, len) < 0) {
		err = errno;
		close(fd);
		return gic_seterr(GIC_EIO, "write into '%s': %s", dir,
				  strerror(err));
	}
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	named = !linkat(AT_FDCWD, fdpath, at, at == AT_FDCWD ? final : name,
			AT_SYMLINK_FOLLOW);
	err = errno;
	close(fd);
	if (named)
		return 1;
	if (err == ENOENT)  /* no /proc */
		atomic_store(&o->no_tmpfile, 1);
	else if (err != EEXIST)
		return gic_seterr(GIC_EIO, "name '%s': %s", final, strerror(err));
	return 0;
}

/* Queues a written temporary file for the next sync(). */
static int add_pending(struct fs_odb *o, const char *tmp, const char *hex,
		       size_t len, mode_t was)
{
	int rc = 0;

	pthread_mutex_lock(&o->mu);
	if (gic_grow(&o->pend, o->npend, &o->cap, sizeof(*o->pend), 256) == 0 &&
	    (o->pend[o->npend].tmp = strdup(tmp))) {
		snprintf(o->pend[o->npend].hex, sizeof(o->pend[0].hex), "%s", hex);
		o->pend[o->npend].len = len;
		o->pend[o->npend].was = was;
		o->npend++;
	} else {
		rc = gic_seterr(GIC_ENOMEM, "out of memory");
	}
	pthread_mutex_unlock(&o->mu);
	return rc;
}

/* A pending file not stored: a linked original gets its mode back (the
 * temporary name is one of its names), and the name goes. */
static void unput(const struct pending *p)
{
	if (p->was != (mode_t)-1)
		chmod(p->tmp, p->was);
	unlink(p->tmp);
}

/* Frees a list of pending puts; with discard, removes their files. */
static void drop_pending(struct pending *p, size_t n, int discard)
{
	for (size_t i = 0; i < n; i++) {
		if (discard)
			unput(&p[i]);
		free(p[i].tmp);
	}
	free(p);
}

/*
 * Puts p's file in place as its object, final; -1 and errno on failure.
 * Where final is there already (a second file of its content put in this
 * batch, linked or copied where a link could not be, or one put while the
 * last batch synced), p is not put: the object stays the first, which may
 * be a user's original.  The usual case is one renameat2(); only where it
 * finds final taken is it looked at: the same file (one file linked
 * through two of its names, where a rename would do nothing and leave the
 * temporary name), an intact object, or a damaged one (--repair), which
 * is replaced, as anything is on a file system without RENAME_NOREPLACE.
 */
static int place(const struct pending *p, const char *final)
{
	struct stat a, b;

	if (renameat2(AT_FDCWD, p->tmp, AT_FDCWD, final, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno == EEXIST && lstat(final, &a) == 0 && stat(p->tmp, &b) == 0) {
		if (a.st_ino == b.st_ino && a.st_dev == b.st_dev) {
			unlink(p->tmp);
			return 0;
		}
		if (intact(final, p->hex, p->len)) {
			unput(p);
			return 0;
		}
	}
	if (rename(p->tmp, final) < 0)
		return -1;
	unlink(p->tmp);
	return 0;
}

/*
 * syncfs(2) on the file system that holds the store.  It reports a write
 * error that happened since the descriptor was opened (or last synced), so
 * the descriptor is opened with the store, before any object is written:
 * a failed background write of a temporary file cannot go unseen.
 */
static int flush(struct fs_odb *o)
{
	if (o->dirfd < 0)
		o->dirfd = open(o->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (o->dirfd < 0 || syncfs(o->dirfd) < 0)
		return gic_seterr(GIC_EIO, "sync '%s': %s", o->dir,
				  strerror(errno));
	return 0;
}

int odb_not_fan_dir(int code, const char *hex, unsigned mode)
{
	return gic_seterr(code, "objects/%.2s is %s, not a directory: "
			  "objects are kept in the store itself (put what it "
			  "holds back in a directory of that name)", hex,
			  gic_file_kind(mode));
}

int odb_root_check(struct fs_odb *o, int code)
{
	struct stat st;

	if (atomic_load(&o->root_ok) || lstat(o->dir, &st) < 0)
		return 0;  /* missing: made at the first put */
	if (S_ISDIR(st.st_mode)) {
		atomic_store(&o->root_ok, 1);
		return 0;
	}
	return gic_seterr(code, "objects is %s, not a directory: objects are "
			  "kept in the catalog's own .gicat/objects (move what "
			  "it points to back there; a bind mount can hold "
			  "it on another disk)", gic_file_kind(st.st_mode));
}

/* Makes objects/xx once per store handle, not once per object. */
static int fan_out(struct fs_odb *o, const char *dir, const char *hex)
{
	struct stat st;
	unsigned v = (unsigned)strtoul((char[3]){ hex[0], hex[1], 0 }, NULL, 16);
	uint64_t bit = 1ULL << (v % 64);
	int rc;

	if (atomic_load(&o->made[v / 64 % 4]) & bit)
		return 0;
	if ((rc = odb_root_check(o, GIC_EIO)) < 0)
		return rc;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return gic_seterr(GIC_EIO, "mkdir '%s': %s", dir, strerror(errno));
	/* there already: a directory of the store, not a link out of it
	 * (checked once a process, as the bit says) */
	if (lstat(dir, &st) < 0)
		return gic_seterr(GIC_EIO, "'%s': %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return odb_not_fan_dir(GIC_EIO, hex, st.st_mode);
	atomic_fetch_or(&o->made[v / 64 % 4], bit);
	return 0;
}

static int fs_put(struct gic_odb *odb, const char *hex, const void *buf,
		  size_t len, const char *src, enum gic_store_mode mode,
		  enum gic_put_how *how)
{
	struct fs_odb *o = fs(odb);
	char dir[4096], final[4200], tmp[4200];
	mode_t was = (mode_t)-1;
	int rc, fd = -1;

	snprintf(dir, sizeof(dir), "%s/%.2s", o->dir, hex);
	snprintf(final, sizeof(final), "%s/%s", dir, hex + 2);
	if ((rc = fan_out(o, dir, hex)) < 0)
		return rc;
	/* a copy goes for the name at once: a new object costs no stat */
	if ((mode == GIC_MODE_COPY || !src) && !atomic_load(&o->no_tmpfile) &&
	    (rc = put_unnamed(o, hex, dir, final, buf, len)) != 0) {
		if (rc < 0)
			return rc;
		atomic_store(&o->placed, 1);
		*how = GIC_PUT_COPIED;
		return 0;
	}
	if (intact(final, hex, len)) {
		/* maybe still only in the page cache (a writer killed before
		 * its sync, another process now): the batch's sync syncs */
		atomic_store(&o->placed, 1);
		*how = GIC_PUT_EXISTED;
		return 0;
	}
	snprintf(tmp, sizeof(tmp), "%s/tmp-%.16s-%ld-%lu", dir, hex + 2,
		 o->pid, tmp_seq++);
	if ((rc = make_tmp(tmp, buf, len, src, mode, how, &fd, &was)) == 0)
		rc = settle(fd, tmp, hex, len, *how != GIC_PUT_COPIED);
	if (fd >= 0)
		close(fd);
	if (rc == 0)
		rc = add_pending(o, tmp, hex, len, was);
	if (rc < 0 && was != (mode_t)-1)  /* linked: the user's file */
		chmod(tmp, was);  /* not stored: the file as it was */
	if (rc < 0)
		unlink(tmp);
	return rc;
}

/*
 * The batch is the list of puts made before the call: the caller records
 * a row only after its put returned.  The list is taken out first, so puts
 * made meanwhile (for the next batch) do not wait on the disk.
 */
static int fs_sync(struct gic_odb *odb)
{
	struct fs_odb *o = fs(odb);
	struct pending *batch;
	char final[4200];
	int rc = 0, placed = atomic_exchange(&o->placed, 0);
	size_t n;

	pthread_mutex_lock(&o->mu);
	batch = o->pend;
	n = o->npend;
	o->pend = NULL;
	o->npend = o->cap = 0;
	pthread_mutex_unlock(&o->mu);
	if ((n || placed) && (rc = flush(o)) == 0 && n) {
		for (size_t i = 0; i < n && rc == 0; i++) {
			const char *hex = batch[i].hex;
			snprintf(final, sizeof(final), "%s/%.2s/%s", o->dir, hex,
				 hex + 2);
			if (place(&batch[i], final) == 0)
				continue;
			if (errno == EISDIR || errno == ENOTEMPTY)
				rc = gic_seterr(GIC_EIO, "'%s' is a directory "
						"where the object goes: remove "
						"it by hand", final);
			else
				rc = gic_seterr(GIC_EIO, "rename to '%s': %s",
						final, strerror(errno));
		}
		if (rc == 0)
			rc = flush(o);
	}
	/* after a failure the batch is not committed: its files not yet in
	 * place go (those renamed are complete, merely unreferenced) */
	drop_pending(batch, n, rc < 0);
	return rc;
}

static int fs_get(struct gic_odb *odb, const char *hex, unsigned char **buf,
		  size_t *len)
{
	char *path = gic_odb_fs_path(odb, hex);
	/* an object is a file gicat wrote, never a link to one elsewhere */
	int fd = path ? open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK |
				   O_NOFOLLOW) : -1, rc = 0;
	struct stat st;
	ssize_t n = 0;

	*buf = NULL;
	if (!path)
		return gic_odb_path_err(hex);
	if (fd < 0 && errno == ELOOP) {
		rc = gic_seterr(GIC_ECORRUPT, "object %s is a symbolic link, "
				"not a file; run 'gicat verify'", hex);
		goto out;
	}
	if (fd < 0) {
		rc = gic_seterr(errno == ENOENT ? GIC_ENOTFOUND :
				errno == EACCES ? GIC_EACCESS : GIC_EIO,
				"object %s: %s", hex, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    !(*buf = malloc((size_t)st.st_size + 1))) {
		rc = gic_seterr(GIC_ECORRUPT, "object %s: not a readable file",
				hex);
		goto out;
	}
	for (size_t got = 0; got < (size_t)st.st_size; got += (size_t)n)
		if ((n = pread(fd, *buf + got, (size_t)st.st_size - got,
			       (off_t)got)) <= 0) {
			rc = gic_seterr(GIC_EIO, "object %s: short read", hex);
			goto out;
		}
	*len = (size_t)st.st_size;
out:
	if (rc) {
		free(*buf);
		*buf = NULL;
	}
	if (fd >= 0)
		close(fd);
	free(path);
	return rc;
}

static int fs_stat(struct gic_odb *odb, const char *hex, uint64_t *size,
		   int *writable)
{
	char *path;
	struct stat st;
	int rc = 0;

	if (!(path = gic_odb_fs_path(odb, hex)))
		return gic_odb_path_err(hex);
	if (lstat(path, &st) < 0)
		rc = gic_seterr(errno == ENOENT ? GIC_ENOTFOUND :
				errno == EACCES ? GIC_EACCESS : GIC_EIO,
				"cannot look at the object: %s", strerror(errno));
	else if (!S_ISREG(st.st_mode))
		rc = gic_seterr(GIC_EIO, "the object is %s, not a file "
				"(remove it)", gic_file_kind(st.st_mode));
	else
		*size = (uint64_t)st.st_size;
	if (rc == 0 && writable) {
		*writable = (st.st_mode & 0222) != 0;
		/* objects are 0444: the mode tells at once, but for one
		 * of another mode, which access(2) is asked about */
		if (!(st.st_mode & 0004) && geteuid() != 0 &&
		    faccessat(AT_FDCWD, path, R_OK, AT_EACCESS) < 0 &&
		    errno == EACCES)
			rc = gic_seterr(GIC_EACCESS, "cannot read the object: "
					"%s", strerror(errno));
	}
	free(path);
	return rc;
}

static int fs_reachable(struct gic_odb *odb)
{
	struct stat st;
	const char *dir = fs(odb)->dir;

	if (stat(dir, &st) < 0)
		return errno == ENOENT ?
		       gic_seterr(GIC_ENOTFOUND, "the store's directory '%s' is "
				  "gone (a disk not mounted? a store moved?)",
				  dir) :
		       gic_seterr(errno == EACCES ? GIC_EACCESS : GIC_EIO,
				  "the store's directory '%s' cannot be looked "
				  "at: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return gic_seterr(GIC_EIO, "the store's directory '%s' is %s, "
				  "not a directory", dir,
				  gic_file_kind(st.st_mode));
	return 0;
}

static void fs_free(struct gic_odb *odb)
{
	if (!odb)
		return;
	/* puts never synced belong to a batch that was not committed */
	drop_pending(fs(odb)->pend, fs(odb)->npend, 1);
	pthread_mutex_destroy(&fs(odb)->mu);
	if (fs(odb)->dirfd >= 0)
		close(fs(odb)->dirfd);
	free(fs(odb)->dir);
	free(odb);
}

static const struct gic_odb_backend fs_backend = {
	.name = "fs",
	.put = fs_put,
	.sync = fs_sync,
	.get = fs_get,
	.stat = fs_stat,
	.reachable = fs_reachable,
	.list = odb_fs_list,
	.del = odb_fs_del,
	.clean_tmp = odb_fs_clean_tmp,
	.free = fs_free,
};

int gic_odb_missing(struct gic_odb *odb, const char *hex)
{
	char why[1024];

	if (odb->be->reachable(odb) < 0) {  /* not damage: exit 3, not 2 */
		snprintf(why, sizeof(why), "%s", gic_errmsg());
		return gic_seterr(GIC_EIO, "%s", why);
	}
	return gic_seterr(GIC_ECORRUPT, "object %s is missing from the store "
			  "(run 'gicat verify')", hex);
}

int gic_odb_fs_open(const char *dir, struct gic_odb **out)
{
	struct fs_odb *o = calloc(1, sizeof(*o));

	if (!o || !(o->dir = strdup(dir))) {
		free(o);
		return gic_seterr(GIC_ENOMEM, "out of memory");
	}
	pthread_mutex_init(&o->mu, NULL);
	o->pid = (long)getpid();
	/* if the store is not there yet, flush() opens it later */
	o->dirfd = o->at_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	o->base.be = &fs_backend;
	*out = &o->base;
	return 0;
}
