/*
 * catalog.h - the public interface of the gicat library.
 *
 * The library (catalog/) never prints and never exits.  Every fallible
 * function returns 0 on success or a negative GIC_E* code, and sets a
 * message describing the failure that gic_errmsg() returns.  Messages are
 * kept per thread, so worker threads can probe and store in parallel.
 */
#ifndef GIC_CATALOG_H
#define GIC_CATALOG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/* ---- errors ------------------------------------------------------------ */

enum {
	GIC_OK = 0,
	GIC_EUSAGE = -1,    /* bad argument, expression or option value */
	GIC_EIO = -2,       /* file system failure */
	GIC_EDB = -3,       /* SQLite failure */
	GIC_EBADIMG = -4,   /* input is not a valid, supported image */
	GIC_ENOMEM = -5,
	GIC_ENOTFOUND = -6, /* no such object, entry or catalog */
	GIC_ESCHEMA = -7,   /* catalog schema newer than this binary */
	GIC_ECORRUPT = -8,  /* the store itself is damaged (hash mismatch) */
	GIC_ELIMIT = -9,    /* input exceeds a configured limit */
	GIC_EAMBIG = -10,   /* an abbreviated hash matches several objects */
	GIC_EBUSY = -11,    /* another process holds what is needed */
	GIC_EACCESS = -12,  /* this user may not read what is needed */
};

/* The message of the last failure in this thread ("" when none). */
const char *gic_errmsg(void);
/* Sets the thread's message (printf format) and returns code.  A message
 * is one line: a newline in it (from a value quoted) is not a break. */
int gic_seterr(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Sets a message of several failures, one line each, separated by '\n'
 * (a task file's errors); the lines must hold no other newline, and fit
 * in GIC_ERRMSG_MAX bytes. */
#define GIC_ERRMSG_MAX 16384
int gic_seterr_lines(int code, const char *lines);
/* 1 when the message was set by gic_seterr_lines. */
int gic_errmsg_lines(void);
/* What a stat mode is, for messages: "a directory", "a FIFO", … */
const char *gic_file_kind(unsigned mode);
struct dirent;
/* Is e, read from the directory open as dfd, a directory (not a link to
 * one)?  The type from the directory where the file system gives it,
 * else (DT_UNKNOWN: some network and older file systems) an fstatat. */
int gic_dirent_is_dir(int dfd, const struct dirent *e);
void gic_clearerr(void);

/* Lets freed image buffers be reused without new page faults (glibc's
 * mallopt); for programs to call first thing, never called by the library. */
void gic_malloc_tune(void);
/* Monotonic seconds, for durations. */
double gic_now(void);
/* Makes room for element n of the array *arr (a T ** passed as void *)
 * of *cap elements of size sz: grows it to first, then by doubling.
 * 0, or GIC_ENOMEM with the array unchanged. */
int gic_grow(void *arr, size_t n, size_t *cap, size_t sz, size_t first);
/* Whether s is a decimal number, as CSV and JSON write them ("0.5", ".5",
 * "1e-3", "-0"), and not any of what strtod takes besides (blanks before
 * it, "0x1p-1", "inf", "nan"); 1 with its value in *out (-0 as 0, one
 * below the smallest double 0, one above the largest +-HUGE_VAL), or 0. */
int gic_decimal(const char *s, double *out);
/* A file time (st_mtim, st_ctim) in nanoseconds, as ref_mtime_ns holds
 * it. */
static inline int64_t gic_ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}
/* The 64-bit FNV-1a hash of a string: for tables of names in memory. */
uint64_t gic_fnv1a(const char *s);
/* qsort/bsearch order of an array of char * (strcmp of the strings). */
int gic_strp_cmp(const void *a, const void *b);
/* Appends the formatted text to buf (size bytes, *len used), cut short
 * at the end of buf: lists of names and counts in messages. */
void gic_appendf(char *buf, size_t size, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A whole text input (a list, a task, predictions; a pipe will do) of at
 * most max bytes, NUL-terminated, into *buf (malloc'd).  GIC_ENOTFOUND
 * when there is no such file (or it is a directory), GIC_EUSAGE for more
 * than max bytes or a NUL byte, refused as soon as it is read. */
#define GIC_MAX_TEXT_INPUT ((size_t)1 << 31)
int gic_read_input(const char *path, size_t max, char **buf, size_t *len);
/* 0 when gic_read_input could open path (a pipe is taken on trust), or
 * its error: to refuse a missing file before work that needs it. */
int gic_input_readable(const char *path);
/* "Did you mean": offers the known words one by one for a misspelt
 * n-byte name, *best starting at GIC_SUGGEST_FAR.  1 when word is within
 * two edits of name (case aside; at most one edit per two bytes of name)
 * and closer than every word offered before; *best is then its distance.
 * Words longer than GIC_SUGGEST_LONGEST bytes are never suggested. */
#define GIC_SUGGEST_FAR ((size_t)3)
#define GIC_SUGGEST_LONGEST 39
int gic_suggest_closer(const char *name, size_t n, const char *word,
		       size_t *best);
/* The closest of the n words to a misspelt name, or NULL. */
const char *gic_nearest(const char *name, const char *const *words, size_t n);
/* The usage error for a name that is none of the n words: "unknown WHAT
 * 'NAME' (did you mean 'WORD'?)" with the closest word, else "unknown
 * WHAT 'NAME' (LIST)".  Returns GIC_EUSAGE. */
int gic_unknown(const char *what, const char *name, const char *const *words,
		size_t n, const char *list);

/* SQL: is the path P the directory D or below it ("D/..."), as text? */
#define GIC_SQL_UNDER(P, D) \
	"(" P " = " D " OR substr(" P ", 1, length(" D ") + 1) = " D " || '/')"

/* SQL: does the entry path P (as ingested, relative) name the file of the
 * absolute path F, as its tail ("A/x.png" of "/data/A/x.png")? */
#define GIC_SQL_TAIL_OF(F, P) \
	"(" F " = " P " OR (length(" F ") > length(" P ") AND substr(" F \
	", -length(" P ")) = " P " AND substr(" F ", -length(" P ") - 1, " \
	"1) = '/'))"

/* ---- hashing ----------------------------------------------------------- */

#define GIC_HEX_LEN 64
/* SHA-256 of buf as 64 lowercase hex digits + NUL into hex[65]. */
int gic_sha256_hex(const void *buf, size_t len, char hex[GIC_HEX_LEN + 1]);
/* SHA-256 of a whole file (from offset 0 of fd, or by path). */
int gic_sha256_fd(int fd, char hex[GIC_HEX_LEN + 1]);
int gic_sha256_file(const char *path, char hex[GIC_HEX_LEN + 1]);
/* The same, of path relative to the directory dfd (or AT_FDCWD). */
int gic_sha256_file_at(int dfd, const char *path, char hex[GIC_HEX_LEN + 1]);
/* ... its error saying why alone, for a caller that names the file. */
int gic_sha256_at(int dfd, const char *path, char hex[GIC_HEX_LEN + 1]);
/* Whether path a is path b or lies below it, by components ("old"
 * holds "old/x.png", not "oldish.png"; "/" holds every absolute path). */
int gic_path_within(const char *a, const char *b);
/* The next character of s (left bytes of it, left >= 1) as text shown
 * on a terminal: its length in bytes, and in *esc whether it is shown as
 * \xNN each: a control character a terminal may act on (C0 and DEL: 1;
 * C1 in UTF-8, 0xc2 0x80..0x9f, CSI and OSC among them: 2), or a byte
 * that begins no UTF-8 character (1: a lone 0x9b is CSI to an 8-bit
 * terminal), or a bidirectional control (U+202E and its kind: 2 or 3,
 * which would reorder the rest of the line); else a character, kept. */
size_t gic_text_step(const char *s, size_t left, int *esc);
/* s with its control characters as \xNN, into buf (cut to fit n): a
 * name in a message cannot break its line or drive a terminal.  Returns
 * buf. */
const char *gic_esc(const char *s, char *buf, size_t n);
/* s as gic_esc shows it and, past max bytes, cut where a character
 * starts, with "...": a value quoted in a message (an EXPR, a word or a
 * URL may be 64 KiB long) leaves room for what is said of it.  n: up to
 * 4 * max + 20 (every byte as \xNN).  Returns buf. */
#define GIC_SHOWN_MAX 120
#define GIC_SHOWN_BUF (4 * GIC_SHOWN_MAX + 24)
const char *gic_esc_cut(const char *s, size_t max, char *buf, size_t n);
/* A fraction as a percentage rounded half up to one decimal, for "%.1f":
 * 23/80 is 28.8 (28.75 in decimal; "%.1f" of 0.2875 * 100 gives 28.7 or
 * 28.8 as the binary error of the product falls). */
double gic_pct1(double frac);
/* s as one word of a shell command line: as it is when the shell would
 * leave it so, else in single quotes (one in s as '\''); cut at n. */
void gic_shell_word(const char *s, char *out, size_t n);
/* Is s NULL, empty or only white space (an EXPR that says nothing)? */
int gic_blank(const char *s);
/* 32 digest bytes as 64 lowercase hex digits. */
void gic_hex32(const unsigned char md[32], char hex[GIC_HEX_LEN + 1]);
/* The reverse, for 64 lowercase hex digits (gic_is_hex_sha): lowercase
 * hex sorts like the bytes, so both forms sort alike. */
void gic_unhex32(const char *hex, unsigned char md[32]);
int gic_is_hex_sha(const char *s);

/* ---- probe: decode an image fully and describe it ---------------------- */

#define GIC_DEFAULT_MAX_PIXELS 100000000ULL
/* Longest side an image may have (libpng's own default limit): a decoder
 * holds a row or more, so 100 Mpx in one row would be one huge row. */
#define GIC_MAX_SIDE 1000000u

struct gic_probe_opts {
	uint64_t max_pixels; /* 0 means GIC_DEFAULT_MAX_PIXELS */
};

struct gic_image_info {
	char format[8];       /* "png" or "jpeg", from magic bytes */
	uint32_t width, height;
	int channels;         /* samples per pixel as stored (1..4) */
	int bit_depth;        /* bits per sample (1,2,4,8,16) */
	char mode[8];         /* gray, graya, rgb, rgba, palette, cmyk, ycck */
	int jpeg_quality;     /* 1..100 IJG estimate, -1 when not JPEG */
	int quality_exact;    /* 1 when the tables equal IJG's scaled tables */
	char subsampling[8];  /* "4:2:0", "4:2:2", "4:4:4", "4:4:0", "4:1:1",
				 "other", "" for PNG and grayscale */
	int progressive;      /* JPEG progressive (or arithmetic multi-scan) */
	int interlaced;       /* PNG Adam7 */
	int has_icc, has_exif, has_xmp, has_c2pa;
	int orientation;      /* EXIF orientation 1..8, 0 when absent */
	char *text_keys;      /* PNG tEXt/zTXt/iTXt keys joined by ',', or
				 NULL; owned, free with gic_image_info_release */
	/* Provenance: EXIF IFD0 Software, Make and Model (printable ASCII,
	 * at most 63 bytes), the XMP DigitalSourceType as the last part of
	 * its IPTC URI ("trainedAlgorithmicMedia"); "" when absent. */
	char exif_software[64], exif_make[64], exif_model[64];
	char xmp_source_type[64];
	/* Bytes after the end of the image (PNG's IEND chunk, JPEG's EOI
	 * marker): data no decoder reads, such as a file appended to it. */
	uint64_t trailing_bytes;
	uint64_t phash;       /* 64-bit DCT perceptual hash */
};

/*
 * Decodes buf (len bytes) completely.  Returns 0 and fills *out, or
 * GIC_EBADIMG / GIC_ELIMIT with a one-line reason in gic_errmsg()
 * ("truncated JPEG: premature end of data", "12-bit JPEG is not supported",
 * "image is 100000x100000 = 10000 Mpx, over the 100 Mpx limit", ...).
 * Never allocates pixel memory before the size check.
 */
int gic_probe(const unsigned char *buf, size_t len,
	      const struct gic_probe_opts *opts, struct gic_image_info *out);
void gic_image_info_release(struct gic_image_info *info);
/* 0 when a w x h image is within opts' pixel limit; else GIC_ELIMIT (or
 * GIC_EBADIMG for an empty image) with gic_probe's reason.  For content
 * whose size is already known, so that it need not be decoded again. */
int gic_probe_check_size(uint32_t w, uint32_t h,
			 const struct gic_probe_opts *opts);
/* "png", "jpeg" or NULL, from the first bytes. */
const char *gic_sniff_format(const unsigned char *buf, size_t len);
/* pHash of an 8-bit grayscale image (w*h bytes, row stride = w). */
uint64_t gic_phash_gray(const unsigned char *gray, uint32_t w, uint32_t h);
int gic_hamming(uint64_t a, uint64_t b);

/* ---- layout: what a file's path says about it -------------------------- */

enum gic_layout {
	GIC_LAYOUT_AUTO,
	GIC_LAYOUT_GENIMAGE,
	GIC_LAYOUT_IMAGEFOLDER,
	GIC_LAYOUT_FLAT,
};
int gic_layout_from_name(const char *name, enum gic_layout *out);

/* ImageNet classes (index 0..999, wnid, name). */
struct gic_classes;
/* Parses "index<TAB>wnid<TAB>name" lines (a header line is skipped). */
int gic_classes_parse(const char *tsv, struct gic_classes **out);
/* The table built into the binary (schema/imagenet_classes.tsv). */
int gic_classes_builtin(struct gic_classes **out);
void gic_classes_free(struct gic_classes *c);
/* Looks up a wnid ("n01440764"); returns its index or -1. */
int gic_classes_index(const struct gic_classes *c, const char *wnid);
const char *gic_classes_wnid(const struct gic_classes *c, int idx);
/* A class given as an index "0".."999" or a wnid (looked up in cls, which
 * may be NULL): its index, or -1. */
int gic_class_parse(const struct gic_classes *cls, const char *s);
/* When s is one of the names of ImageNet classes (in any case, '_' for
 * ' '): ", a name of classes 134 (n02012849) and 517 (n03126707)" (or
 * ", the name of class 1 (n01443537)") into out, to follow a message that
 * takes an index or a wnid and quotes s; "" when it names none.  Returns
 * how many classes s names. */
int gic_class_name_note(const char *s, char *out, size_t size);
/* As gic_class_name_note, and when s names no class but is a word in
 * the names of some: " (no class is named so; 16 hold it in their names:
 * 153 Maltese dog; 200 Tibetan terrier; 229 Old English sheepdog; ...)",
 * returning how many hold it (0 when s names a class: the note is then
 * gic_class_name_note's). */
int gic_class_word_note(const char *s, char *out, size_t size);

/* ILSVRC2012 validation labels (image id -> wnid), LOC_val_solution.csv.
 * A bad file's message names the line, not the file (the caller does). */
struct gic_val_labels;
int gic_val_labels_load(const char *path, struct gic_val_labels **out);
/* wnid for "ILSVRC2012_val_00000744" (no extension) or NULL. */
const char *gic_val_labels_get(const struct gic_val_labels *v, const char *id);
void gic_val_labels_free(struct gic_val_labels *v);

/* Longest dataset name given (a file name's limit: without one, a
 * directory's name is taken) and generator id. */
#define GIC_DATASET_MAX 255
#define GIC_GENERATOR_MAX 31

/* Everything a path says.  Empty string / -1 = unknown. */
struct gic_path_meta {
	char generator[GIC_GENERATOR_MAX + 1]; /* "sd14", ..., or "" (real,
						  or unknown) */
	char label[8];        /* "real", "fake" or "" */
	char split[8];        /* "train", "val", "test" or "" */
	char subset[32];      /* GenImage subset folder's generator id, for
				 reals too ("sd14"), or "" */
	int class_idx;        /* 0..999 or -1 */
	char wnid[16];        /* "n01440764" or "" */
	char class_source[16];/* "filename", "wnid", "val_labels", "folder", "" */
	enum gic_layout layout; /* the layout that matched (never AUTO) */
	int val_unlabelled;   /* an ImageNet val photo's name, with no class
				 from --val-labels */
	int class_unread;     /* a GenImage fake's name that gives no class
				 of 0..999 ("1808_sdv5_1", "007_sdv4_"),
				 no folder giving one */
	char disagree[64];    /* how the file's GenImage-style name and its
				 folders disagree ("its name says sd14, its
				 folder adm"), or "": the folders count */
};

/*
 * Parses relpath (slash-separated: a PATH argument of ingest, or a file
 * under it) according to layout.  AUTO picks GENIMAGE when some
 * .../{train,val}/{ai,nature}/FILE is found, else IMAGEFOLDER when the
 * parent folder names a label or a wnid, else FLAT.  root is that PATH
 * argument: a subset's generator is looked for in the folder above
 * train|val and then upward no further than root's own name (NULL: the
 * whole path), or above root when named exactly as a subset (ingest
 * reads a relative PATH spelt in full, so that the folders above it say
 * so).  classes and val may be NULL.
 */
void gic_path_parse(enum gic_layout layout, const char *relpath,
		    const char *root, const struct gic_classes *classes,
		    const struct gic_val_labels *val, struct gic_path_meta *out);
/* ---- generators: schema/generators.tsv, built in ------------------------ */

struct gic_generator {
	const char *id;            /* canonical: "sd14" */
	const char *name;          /* as GenImage's tables title it: "SD V1.4" */
	const char *folder;        /* GenImage's subset folder */
	unsigned fake_side;        /* its fakes' side in GenImage, in px */
	const char *fake_licenses; /* the licenses of its GenImage fakes */
};
/* The vocabulary, in the order of GenImage's tables; *n entries. */
const struct gic_generator *gic_generators(int *n);
/* The entry of a canonical id, or NULL. */
const struct gic_generator *gic_generator_by_id(const char *id);
/* 1 when side is the side of some generator's fakes, else 0; the list of
 * those sides, ascending ("128, 256, 512, 1024"). */
int gic_generator_side(uint32_t side);
const char *gic_generator_sides(void);
/* Canonical generator id for a folder name ("imagenet_ai_0419_sdv4" ->
 * "sd14", "Midjourney" -> "midjourney", "flat_glide" -> "glide") or NULL
 * when not known. */
const char *gic_generator_alias(const char *folder);
/* The same for a name that is exactly one of the aliases ("ADM",
 * "imagenet_ai_0508_adm"), not one merely holding one as a word
 * ("glide_project", "midjourney_v6"): NULL otherwise. */
const char *gic_generator_exact(const char *name);

/* ---- query language: query.h ---------------------------------------- */

#include "query.h"

/* ---- object store: odb.h ---------------------------------------------- */

#include "odb.h"

/* ---- catalog ----------------------------------------------------------- */

struct sqlite3;
struct sqlite3_stmt;

/* What a long operation is doing ("set 'train'") and how far it is
 * (total 0: not known beforehand). */
typedef void (*gic_progress_fn)(void *arg, const char *what, uint64_t done,
				uint64_t total);

struct gic_catalog {
	struct sqlite3 *db;
	struct gic_odb *odb;
	char *root;          /* directory that contains .gicat */
	char *dir;           /* root/.gicat */
	char *real_dir;      /* dir with links resolved, or NULL */
	int schema_version;  /* after migrations */
	int readonly;        /* GIC_RO_SCHEMA: newer than this binary;
				GIC_RO_ACCESS: no write access;
				GIC_RO_OLDER: older, opened as is */
	int lock_fd;         /* .gicat/lock, once locked (else -1) */
	int lock_mode;       /* LOCK_SH or LOCK_EX held on it, or 0 */
	gic_progress_fn progress; /* gic_catalog_on_progress */
	void *progress_arg;
};

enum { GIC_RO_SCHEMA = 1, GIC_RO_ACCESS = 2, GIC_RO_OLDER = 3 };

/* Creates DIR/.gicat (catalog.db + objects/), and DIR and its parents
 * when missing: 0.  1 when DIR holds a catalog already, which *out then
 * is (opened as gic_catalog_open does).  GIC_ESCHEMA for a store that
 * holds objects but lost its catalog.db. */
int gic_catalog_init(const char *dir, struct gic_catalog **out);
/*
 * Finds the catalog: explicit (the --catalog value) if given, else
 * $GICAT_DIR, else the nearest .gicat upward from the working directory.
 * *root_out is malloc'd.
 */
int gic_catalog_find(const char *explicit_root, char **root_out);
/* The catalog named rather than searched for: explicit if given, else a
 * non-empty $GICAT_DIR, else NULL. */
const char *gic_catalog_named(const char *explicit_root);
/* The nearest directory at or above dir (absolute) that holds a catalog,
 * malloc'd in *root_out; GIC_ENOTFOUND, with no message, when none. */
int gic_catalog_upward(const char *dir, char **root_out);
/* Opens the catalog at root, applying pending migrations in one
 * transaction.  A newer schema, or a catalog this process may not write,
 * opens read-only (c->readonly says which; writers are refused). */
int gic_catalog_open(const char *root, struct gic_catalog **out);
/* Opens it without migrating: read-only when its schema is not this
 * gicat's (to list what is pending). */
int gic_catalog_open_as_is(const char *root, struct gic_catalog **out);
void gic_catalog_close(struct gic_catalog *c);
/* How long a catalog opened after this call waits for another process's
 * write to end before a statement fails ("database is locked"), for the
 * whole process (default 30,000 ms). */
void gic_set_busy_timeout(int ms);
int gic_busy_timeout(void);
/*
 * GIC_ESCHEMA when the catalog is read-only because of a newer schema.
 * Otherwise takes, until the catalog is closed, a shared lock on
 * .gicat/lock (flock): every command that writes, and so may store
 * objects, holds it, waiting while a gc holds it exclusively.
 */
int gic_catalog_writable(struct gic_catalog *c);
/* For gc: the lock on .gicat/lock exclusively, so that no object is stored
 * (or found already stored, and counted on) while unreferenced ones are
 * removed.  GIC_EBUSY at once when another process writes. */
int gic_catalog_lock_exclusive(struct gic_catalog *c);
/* For a reader that checks objects against rows (verify): the shared lock
 * as writers take it, so that a gc neither starts nor runs meanwhile
 * (rows of a snapshot whose objects it removed would look missing).
 * Waits for a gc that runs; taken read-only by a user who may not write
 * the lock file; where there is none and it cannot be made (a catalog
 * no writer has used, in a directory this user cannot write) goes on
 * without. */
void gic_catalog_hold(struct gic_catalog *c);
/* 1 when another process holds the lock now (an ingest, fetch or split
 * storing objects it has not committed yet, or a reader), 0 when none
 * does or it cannot tell.  c's own hold is kept (or taken again). */
int gic_catalog_shared(struct gic_catalog *c);
/* Long operations of c (resolving a task's sets, the leak check, the
 * near-duplicate search, verify) call fn now and then (NULL: none): the library
 * prints nothing itself. */
void gic_catalog_on_progress(struct gic_catalog *c, gic_progress_fn fn,
			     void *arg);
void gic_progress(struct gic_catalog *c, const char *what, uint64_t done,
		  uint64_t total);
/* A read transaction around a loop of lookups, unless one is open: the
 * WAL's read lock is then taken once (each statement on its own takes and
 * drops it: two fcntl calls and an fstat).  1 when it began one, 0 when
 * one was open, <0 on failure; gic_read_end(c, that) ends what it began. */
int gic_read_begin(struct gic_catalog *c);
void gic_read_end(struct gic_catalog *c, int began);
/* One change to the catalog as a transaction: begun with the write lock
 * taken at once (a read transaction for a dry run, which never commits);
 * gic_tx_end commits when rc is 0 and it is no dry run, else rolls back,
 * and returns rc or the commit's failure. */
int gic_tx_begin(struct gic_catalog *c, int dry_run);
int gic_tx_end(struct gic_catalog *c, int dry_run, int rc);
/* When path (or, not there yet, its parent) is the catalog's directory or
 * inside it, that directory's real path (c->real_dir); else NULL. */
const char *gic_catalog_holds(struct gic_catalog *c, const char *path);
/* The one integer sql (written by the caller, never user text) yields,
 * in *n: "SELECT count(*) FROM ...". */
int gic_db_count(struct gic_catalog *c, const char *sql, uint64_t *n);
/* Does s (a prepared statement with ?1, as "SELECT 1 FROM images WHERE
 * sha256 = ?1") yield a row for hex: 1 or 0, or GIC_EDB when the lookup
 * fails.  s is reset for the next call. */
int gic_db_has_row(struct sqlite3_stmt *s, const char *hex);
struct sqlite3_stmt;
/* A malloc'd copy of column i of the current row of s; NULL for SQL NULL
 * (or out of memory). */
char *gic_column_dup(struct sqlite3_stmt *s, int i);
/* SQLite's message for db's last error, in buf (size bytes), with the
 * system's reason when a file operation failed: "disk I/O error (No space
 * left on device)".  Returns buf. */
const char *gic_db_errmsg(struct sqlite3 *db, char *buf, size_t size);
/* An error (GIC_EDB) from db's last failure: "what: message", or the
 * message alone when what is NULL. */
int gic_db_fail(struct sqlite3 *db, const char *what);

/* Migrations known to this binary and the catalog's version. */
int gic_migrations_latest(void);
const char *gic_migration_name(int version);
int gic_migrate(struct sqlite3 *db, int *version_out);

/* ---- selecting entries -------------------------------------------------- */

/*
 * Prepares "SELECT <cols> FROM v_entries WHERE <expr> <tail>" with every
 * literal of expr bound.  cols and tail are SQL written by the caller (never
 * user text); tail may hold further '?' which the caller binds from index
 * *next_param on.  On a bad expression returns GIC_EUSAGE and *errcol.
 */
int gic_select_prepare(struct gic_catalog *c, const char *cols,
		       const char *expr, const char *tail,
		       struct sqlite3_stmt **out, int *errcol, int *next_param);
/* For an EXPR that selected nothing: when it asks a name field (one
 * with name_like: dataset, generator, split, ...) for a value no entry
 * has, a hint in buf
 * ("no entry has generator 'Midjourney'; did you mean 'midjourney'?", or
 * the values there are) and 1; when a glob in it matches no entry's
 * field, the same, with a value that would match ignoring case or with
 * '*' around the glob ("no entry's class_name matches 'tench': a glob
 * matches the whole value, and '*tench*' matches 'tench, Tinca tinca'");
 * else 0 (< 0 on failure). */
int gic_select_hint(struct gic_catalog *c, const char *expr, char *buf,
		    size_t size);

/* For an EXPR that selects no label entry (label: "real" or "fake"):
 * each condition without which it would find some, and how many, in
 * buf ("12 real ones fail only 'jpeg_quality = 96', 3 only 'short_side
 * in 450..550'"); the number of such conditions (0: none excludes them
 * alone), or < 0. */
int gic_select_blockers(struct gic_catalog *c, const char *expr,
			const char *label, char *buf, size_t size);

/* Removing and renaming entries, verify, gc and migrate --measure:
 * maint.h. */

/* ---- reading images back ----------------------------------------------- */

/* Reads an image's bytes (object or ref file), checking its hash. */
int gic_image_read(struct gic_catalog *c, const char *hex,
		   unsigned char **buf, size_t *len);
/* Where an image's bytes are (object file or ref'd original); malloc'd.
 * With gic_read_verified, lets worker threads read without the catalog. */
int gic_image_path(struct gic_catalog *c, const char *hex, char **path);
/* What an error about a damaged image (an object or a ref'd file) says
 * to do next. */
#define GIC_DAMAGED_HINT "'gicat verify --full' lists each image so " \
	"damaged, with what to do"
/* Reads a whole file that must hold the content hex, of bytes bytes (0:
 * not known); GIC_ECORRUPT if not (a file of another size is refused
 * unread). */
int gic_read_verified(const char *path, const char *hex, uint64_t bytes,
		      unsigned char **buf, size_t *len);
/* SQL: up to two distinct images of the entries whose path is ?1, in any
 * dataset, found on the (dataset, path) index with the datasets walked one
 * by one, not by a scan of every entry. */
#define GIC_SQL_AT_PATH "WITH RECURSIVE d(x) AS (SELECT min(dataset) FROM " \
	"entries UNION ALL SELECT (SELECT min(dataset) FROM entries WHERE " \
	"dataset > d.x) FROM d WHERE d.x IS NOT NULL) SELECT DISTINCT " \
	"e.sha256 FROM d JOIN entries e ON e.dataset = d.x AND e.path = ?1 " \
	"LIMIT 2"
/* Resolves a hash prefix (>= 4 hex digits) to the full hash. */
int gic_resolve_prefix(struct gic_catalog *c, const char *prefix,
		       char hex[GIC_HEX_LEN + 1]);
/* As gic_resolve_prefix, or else an entry's path as ingested (one image
 * in whatever dataset holds it) or another spelling of it from the
 * working directory (cleaned, absolute or relative), or else a local
 * file whose bytes are a catalogued image (a copy). */
int gic_resolve_image(struct gic_catalog *c, const char *arg,
		      char hex[GIC_HEX_LEN + 1]);

/* ---- ingest ------------------------------------------------------------ */

#define GIC_DEFAULT_MAX_BYTES (256ULL << 20)
#define GIC_MAX_REASONS 64  /* kinds of reject counted apart */

struct gic_ingest_stats {
	uint64_t files_total;   /* image files found by the walk */
	uint64_t files_done;    /* processed so far */
	uint64_t new_images;    /* distinct contents added */
	uint64_t new_entries;   /* (dataset, path) rows added */
	uint64_t present;       /* entries already catalogued, same content */
	uint64_t updated;       /*   of those, given new fields by the
				     options (--label, --license...) */
	uint64_t changed;       /* entries whose file content changed */
	uint64_t repaired;      /* known images whose object was missing or
				   damaged, stored again from the file */
	uint64_t rejected;
	uint64_t gone_entries;  /* entries of the datasets added to, in a
				   directory read, whose files are gone */
	char gone_first[256];   /* ... the first of them (its path) */
	uint64_t rejects_forgotten; /* files rejected before and gone since
				       from a directory read: rows dropped */
	uint64_t skipped;       /* entries the walk left out, all reasons: */
	uint64_t skip_loop;     /*   links back to a directory on the path */
	uint64_t skip_catalog;  /*   links into the catalog's own .gicat */
	uint64_t skip_rewalk;   /*   directories reached through links more
				     often than a walk takes one (64) */
	uint64_t skip_hidden;   /*   files whose names start with '.' */
	uint64_t skip_hidden_dirs;/* directories named so (not walked) */
	uint64_t skip_noread;   /*   files of no image extension that may not
				     be read, so not sniffed */
	uint64_t skip_long;     /*   non-image files whose paths are too
				     long; the rest are non-image names,
				     specials, unreadable entries */
	uint64_t bytes;         /* bytes read */
	uint64_t link_fallbacks;/* link/reflink that had to copy */
	uint64_t linked;        /* files hard-linked into the store (--mode
				   link: new images, and known ones stored
				   again or now stored) */
	uint64_t upgraded, upgraded_bytes; /* images kept by reference
				   before, now stored as objects (an ingest
				   without --mode ref of their files) */
	uint64_t ref_held;      /* --mode ref files whose content the store
				   holds as an object: entries of that */
	uint64_t respelled;     /* files already entries of their dataset
				   under another spelling of the path (also
				   counted in present): the first of them */
	char respelled_was[256], respelled_now[256];
	uint64_t unknown_wnids; /* entries whose wnid is not a known class */
	char unknown_wnid[16];  /*   the first of them */
	uint64_t fakes_without_generator; /* fake entries with no generator */
	char fake_without_generator[256]; /*   the first of them (its path) */
	uint64_t val_unlabelled; /* ImageNet val photos left without a class */
	char val_unlabelled_first[256]; /*   the first of them (its path) */
	uint64_t odd_class_names; /* entries with gic_path_meta.class_unread */
	char odd_class_name[256]; /*   the first of them (its path) */
	uint64_t other_files;   /* changed entries now another file than the
				   one catalogued at that path */
	char other_file[256];   /*   the first of them (its path) */
	uint64_t misfits;       /* entries whose path does not fit the layout
				   --layout forced (no label or split read) */
	char misfit[256];       /*   the first of them (its path) */
	uint64_t unlabelled;    /* entries no folder gave a label, under
				   --layout auto, without --label */
	char unlabelled_first[256]; /* the first of them (its path) */
	uint64_t other_subsets; /* files of the same content as the entry at
				   their path, but of another subset
				   (GenImage's real photos recur): not added */
	char other_subset[256]; /*   the first of them (its path) */
	char other_subset_was[32], other_subset_now[32]; /* its subsets */
	uint64_t misnamed;      /* entries whose file is named as the other
				   format (x.jpg holding a PNG) */
	char misnamed_first[300]; /*   the first: 'path': PNG bytes */
	uint64_t disagreeing;   /* entries whose file name and folders say
				   different things (gic_path_meta.disagree) */
	char disagree[384];     /*   the first: 'path': how */
	uint64_t other_datasets; /* new entries of a dataset named by default
				    whose file (device and inode) is an entry
				    of another dataset already */
	char other_dataset_path[256]; /* the first of them: its path, */
	char other_dataset_was[256], other_dataset_now[256]; /* datasets */
	int nreasons;           /* rejects grouped by the reason's first part */
	struct { char reason[64]; uint64_t n; } reasons[GIC_MAX_REASONS];
};

/* GIC_EUSAGE, saying "WHAT needs a name", "WHAT is N bytes long: at most
 * MAX" or "WHAT holds a control character (0xNN)", unless name is 1..max
 * bytes without a control character (a name is a value users type in
 * queries; a tab or an escape in it can only be a mistake). */
int gic_name_check(const char *what, const char *name, size_t max);

/* The same for a dataset name taken from a file's name (whose: "the
 * folder's", "the list's"), saying so and that --dataset sets another. */
int gic_default_dataset_check(const char *name, const char *whose);

/* GIC_EUSAGE, saying "unknown label 'X' (expected real or fake)" or
 * "(did you mean 'real'?)", unless label is one an entry may have; the
 * same for a split (train, val, test). */
int gic_label_check(const char *label);
int gic_split_check(const char *split);

struct gic_ingest_opts {
	enum gic_layout layout;
	const char *dataset;    /* NULL: "genimage" for that layout, else the
				   name of the directory given */
	const char *generator, *label, *split, *license; /* overrides or NULL */
	int class_idx;          /* override, or -1 */
	enum gic_store_mode mode;
	const struct gic_classes *classes;
	const struct gic_val_labels *val;
	int jobs;               /* decoding workers (>= 1) */
	uint64_t max_pixels;    /* 0: default */
	uint64_t max_bytes;     /* 0: GIC_DEFAULT_MAX_BYTES */
	int repair;             /* known content: re-hash its object and
				   replace it when damaged (else only a
				   missing or resized object is replaced) */
	/* Called from the calling thread only. */
	void (*on_reject)(void *arg, const char *path, const char *reason);
	void (*on_progress)(void *arg, const struct gic_ingest_stats *st);
	void *arg;
};

/*
 * Ingests every file under paths.  Bad files are rejected (recorded in the
 * rejects table, reported through on_reject) and the batch goes on; a
 * runtime failure (disk full, database error) stops it with a negative
 * code, leaving the catalog consistent.  Returns 0 otherwise, even when
 * files were rejected: see st->rejected.
 */
int gic_ingest(struct gic_catalog *c, const char *const *paths, int npaths,
	       const struct gic_ingest_opts *opts, struct gic_ingest_stats *st);

#endif
