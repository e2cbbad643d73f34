/*
 * task.h - tasks (benchmark definitions: task.c parses them,
 * task-resolve.c and task-derive.c turn them into sets of images) and
 * exports of resolved sets (export*.c): the half of the library's
 * interface that works on tasks rather than on the catalog's rows.
 */
#ifndef GIC_TASK_H
#define GIC_TASK_H

#include "catalog.h"

/* ---- tasks: benchmark definitions (task.c, task-resolve.c) ------------ */

#define GIC_TASK_MAX_SETS 64
#define GIC_TASK_NAME_MAX 100  /* characters of a set's NAME */
/* The longest line a task file may hold, its line break not counted:
 * inih's largest buffer, 64 KiB, less a CR LF and the NUL. */
#define GIC_TASK_LINE_MAX 65533

/* One set section: [train], [val], [test NAME], or a [split] share. */
enum { GIC_DEGRADE_ALL, GIC_DEGRADE_REAL, GIC_DEGRADE_FAKE, GIC_DEGRADE_KEYS };
extern const char *const gic_task_degrade_keys[GIC_DEGRADE_KEYS];

struct gic_task_set {
	char *name;          /* "train", "val", "test/NAME": also its directory */
	char *select;        /* query-language expression, or NULL (all) */
	char *balance;       /* "label" or NULL */
	double fraction;     /* 0 < f <= 1; 1 = all */
	int max_per_class;   /* 0 = no limit */
	char *stratify;      /* "label", "class", "label,class" or NULL */
	/* op chains or NULL: degrade, degrade_real, degrade_fake (the keys
	 * gic_task_degrade_keys names, in this order) */
	char *degrade[GIC_DEGRADE_KEYS];
	double share;        /* > 0: this set is that share of [split] */
	int line;            /* of the section header */
	int select_line;     /* of its select key */
	int degrade_line[GIC_DEGRADE_KEYS]; /* of each degrade key */
};

/* Something a task file may not mean, short of an error: a line of the
 * file and what about it ("unknown key 'x' ignored"). */
struct gic_task_warning {
	int line;
	char msg[512];
};

struct gic_task {
	char *name;
	int64_t seed;
	char *description;
	struct gic_task_set sets[GIC_TASK_MAX_SETS];
	int nsets;
	/* [split]: sets assigned by a seeded hash of a group key */
	int has_split;
	char *split_select;
	char *split_group;   /* "sha256" (default), "class", "near_duplicate" */
	int split_line;
	int split_select_line;
	char *text;          /* the file as read */
	char *path;          /* where it was read from, or the shipped name */
	/* Found while parsing (unknown keys), in line order. */
	struct gic_task_warning *warnings;
	int nwarnings;
};

/*
 * Parses a task file.  name_or_path is a file, or the name of a shipped
 * task ("genimage/cross-sd14", with or without ".ini").  Syntax errors and
 * invalid values fail with GIC_EUSAGE and "file:line: message"; unknown
 * keys become warnings (t->warnings, naming the key meant when one is
 * within two edits).
 */
int gic_task_load(const char *name_or_path, struct gic_task **out);
int gic_task_parse(const char *text, const char *path, struct gic_task **out);
void gic_task_free(struct gic_task *t);
/* The shipped tasks: names (NULL-terminated) and their text. */
const char *const *gic_task_builtin_names(void);
const char *gic_task_builtin_text(const char *name);
/* The task written out canonically (every key, numbers in one spelling;
 * sets in the file's order, select and stratify as written): what exports
 * record as task.ini.  malloc'd. */
char *gic_task_canonical(const struct gic_task *t);
/* The task's hash: the SHA-256 of its canonical text (what exports record,
 * and what tells two tasks apart). */
int gic_task_hash(const struct gic_task *t, char hex[GIC_HEX_LEN + 1]);

/* One image of a resolved set. */
struct gic_item {
	char sha256[GIC_HEX_LEN + 1]; /* of the image as exported (derived
				        image when the set degrades it) */
	char parent[GIC_HEX_LEN + 1]; /* original image ("" if not derived) */
	int64_t entry_id;
	char label[8];                /* real / fake */
	char other_label[8];          /* another label an entry of this
					 image in the selection has, or "" */
	char (*merged)[GIC_HEX_LEN + 1]; /* the other originals of the
					 set that degrade to this same
					 image (the set keeps it once), or
					 NULL; owned */
	size_t nmerged;               /* ... how many */
	int merged_conflict;          /* ... labelled otherwise */
	char *generator, *subset, *path, *license, *ops; /* owned, may be NULL */
	char format[8];
	int class_idx;                /* -1 when unknown */
	char wnid[16];
	uint64_t bytes;
};

struct gic_resolved_set {
	const struct gic_task_set *def;
	struct gic_item *items;  /* sorted by sha256 */
	size_t n;
	size_t nreal, nfake;
	int skipped;             /* not resolved (gic_task_resolve_some) */
	size_t selected;         /* images its select found (a [split]
				    share: was dealt), before sampling ... */
	size_t sampled;          /* ... and of them, what fraction and
				    max_per_class kept, before balance */
	int only_fakes;          /* ... fakes and no real image (before
				    balance = label emptied it) */
	int only_reals;          /* ... reals and no fake image */
	char fakes_subset[32];   /* ... then the subset of them all, if one */
	size_t no_class;         /* images without a class that
				    max_per_class capped as one class ... */
	size_t no_class_kept;    /* ... and how many of them it kept */
	size_t dealt;            /* a [split] share: the images dealt to it */
};

struct gic_resolved {
	const struct gic_task *task;
	char task_hash[GIC_HEX_LEN + 1]; /* SHA-256 of the canonical task */
	struct gic_resolved_set sets[GIC_TASK_MAX_SETS];
	int nsets;
	int fits;       /* gic_task_check_fit passed: not checked again */
	/* [split]: the images dealt, and the largest group (of more than
	 * one image) that went whole to one set: its size and key */
	size_t pool, largest;
	char largest_key[128];
	/* ... grouped by more than sha256: the pool's real and fake images
	 * ([0], [1]) and how many groups each label's images are in */
	size_t label_images[2], label_groups[2];
};

/*
 * Resolves every set of t against the catalog: selection, de-duplication
 * by content (one item per image per set), then fraction, max_per_class
 * and balance, all decided by a seeded hash of the content so the result
 * does not depend on insertion order; [split] sets by a seeded hash of the
 * group key.  Bad expressions fail with GIC_EUSAGE naming the line.
 */
int gic_task_resolve(struct gic_catalog *c, const struct gic_task *t,
		     struct gic_resolved **out);
/* The same for the sets want says yes to (it is given the task, to
 * weigh a set against the others); the others stay empty, with skipped
 * set (a [split] share is dealt and kept).  For a command that needs a
 * few sets of a task whose train set is millions. */
int gic_task_resolve_some(struct gic_catalog *c, const struct gic_task *t,
			  int (*want)(const struct gic_task *t,
				      const struct gic_task_set *def),
			  struct gic_resolved **out);
void gic_resolved_free(struct gic_resolved *r);
/*
 * Everything that task check and split warn about, in line order (sets
 * of one line in task order): the task's own warnings, empty sets, sets
 * unbalanced (more than 10% apart), and sets that share images with train
 * (the pairs gic_leakcheck finds at its default distance; when they cannot
 * be looked for, a warning says why).  *out is malloc'd, *n warnings.
 */
int gic_task_warnings(struct gic_catalog *c, const struct gic_resolved *r,
		      struct gic_task_warning **out, size_t *n);
/* Of those, only the degraded images several originals became (known
 * once the sets are derived): for commands that derive but do not warn
 * about the rest (eval, task show --items). */
int gic_task_merged(const struct gic_resolved *r,
		    struct gic_task_warning **out, size_t *n);
/* When s is empty: "set 'NAME' is empty" in buf, with why when its
 * select (a [split] share's: [split]'s) asks for a value no entry has
 * (or a generator where real images
 * have none), or found images that fraction or balance = label (one
 * label only) left none of, and 1; else 0. */
int gic_set_empty_why(struct gic_catalog *c, const struct gic_resolved *r,
		      const struct gic_resolved_set *s, char *buf, size_t size);
/* How many images of s have entries labelled both real and fake, and in
 * buf (when any) a sentence saying so, which label each is taken as and
 * what to do (narrow: what selected them, "select" or "EXPR"). */
size_t gic_set_label_conflicts(const struct gic_resolved_set *s,
			       const char *narrow, char *buf, size_t size);
/*
 * Does every image of the degraded sets fit its chain (no crop larger
 * than the image, no size past the limits)?  From the catalog's sizes,
 * deriving nothing: GIC_EUSAGE naming the set, how many do not fit and
 * the first of them.  Once passed, not checked again for r (task check
 * --items, then deriving).
 */
int gic_task_check_fit(struct gic_catalog *c, struct gic_resolved *r);
/* Frees what an item owns. */
void gic_item_release(struct gic_item *it);
/*
 * Degrades the items of every set that has degrade / degrade_real /
 * degrade_fake (degrade_<label> wins over degrade for that label): each
 * item's sha256 becomes the derived image's, its parent the original's.
 * Images that do not fit a chain fail it first (gic_task_check_fit).
 * Originals that degrade to one image are kept once (item->merged).
 * Derivations already in the catalog are reused; the others are computed
 * by jobs threads and recorded.  Sets are re-sorted by sha256.
 */
int gic_task_derive(struct gic_catalog *c, struct gic_resolved *r, int jobs,
		    uint64_t *computed, uint64_t *reused);

/* For each item of set s that its chain would degrade and that is not
 * derived yet: the derived image the catalog already records for it into
 * known[i] (s->n of them), "" when none (nothing is computed). */
int gic_task_derived_known(struct gic_catalog *c, const struct gic_task *t,
			   const struct gic_resolved_set *s,
			   char (*known)[GIC_HEX_LEN + 1]);

/* Seeded position of key in [0, 2^64): the task's notion of randomness. */
uint64_t gic_task_rank(int64_t seed, const char *salt, const char *key);

/* ---- exports: materializing resolved sets (export*.c) ------------------ */

enum gic_export_format { GIC_FMT_IMAGEFOLDER, GIC_FMT_GENIMAGE, GIC_FMT_HF,
			 GIC_FMT_WEBDATASET, GIC_FMT_MANIFEST };
enum gic_export_mode { GIC_EXP_LINK, GIC_EXP_SYMLINK, GIC_EXP_COPY,
		       GIC_EXP_REFLINK };

struct gic_export_opts {
	enum gic_export_format format;
	enum gic_export_mode mode;
	int original_names;     /* --names original */
	int force;              /* write into a non-empty directory */
	size_t shard_size;      /* webdataset samples per shard (default 1000,
				   none when only shard_bytes is given) */
	uint64_t shard_bytes;   /* ... and bytes of tar members (headers
				   and data) per shard; 0: no such limit */
	int jobs;               /* threads placing image files (<= 1: one) */
	void (*on_progress)(void *arg, uint64_t done, uint64_t total);
	void *arg;
};

/* What --force did: files of earlier exports removed; of the other files
 * found, those this export wrote over (replaced) and those it left (kept),
 * the first of each, in path order, named. */
struct gic_export_cleared {
	uint64_t removed, kept, replaced;
	uint64_t killed;        /* files a killed run left, removed */
	uint64_t kept_dirs;     /* empty directories no export made, kept */
	uint64_t class_dirs;    /* ... of them, beside a label directory */
	char first_kept[256], first_replaced[256], first_kept_dir[256];
	char **left;            /* gic_export_clear: the others, sorted;
				   gic_export sorts them out and frees them */
	size_t nleft;
};

struct gic_export_report {
	uint64_t images;        /* images exported */
	uint64_t files;         /* files written, metadata and shards included */
	uint64_t copied_fallbacks; /* link/symlink/reflink that had to copy */
	int copied_errno;       /* why the first of them could not: an errno,
				   ENOENT when the image has no object (stored
				   by reference), EXDEV across file systems */
	int64_t materialization_id;
	int resumed;            /* --out held what a killed export left */
	struct gic_export_cleared cleared; /* --force over an earlier export */
};

/* Images a new split of a task puts in another set than the last split of
 * the same task (same hash) did: how many, the first, where it was. */
struct gic_moved {
	uint64_t n;
	int64_t earlier;        /* that split's materialization, 0: none */
	char dir[1024];         /* ... its --out */
	char first[GIC_HEX_LEN + 1], was[128], now[128];
};
int gic_export_moved(struct gic_catalog *c, const struct gic_resolved *r,
		     struct gic_moved *m);

int gic_export_format_from_name(const char *s, enum gic_export_format *f);
int gic_export_mode_from_name(const char *s, enum gic_export_mode *m);
const char *gic_export_format_name(enum gic_export_format f);
const char *gic_export_mode_name(enum gic_export_mode m);

/* What out may not be, known before anything is computed (empty, inside
 * the catalog, not a directory, no parent, not empty without force nor
 * the mark of a killed export): GIC_EUSAGE with the reason. */
int gic_export_out_check(struct gic_catalog *c, const char *out, int force);
/*
 * Writes the resolved sets under out (created; refused when non-empty
 * unless opts->force) with MANIFEST.sha256, LICENSES.md, task.ini and the
 * format's metadata, and records the materialization in the catalog.  No
 * path is ever written outside out.
 */
int gic_export(struct gic_catalog *c, const struct gic_resolved *r,
	       const char *out, const struct gic_export_opts *opts,
	       struct gic_export_report *rep);

/*
 * Checks an output directory against its recorded materialization (or,
 * when the catalog has none, its MANIFEST.sha256): every file present with
 * its hash (read by jobs threads, their progress through c's hook),
 * nothing extra.  Each drift goes to on_drift (path, why).
 */
int gic_export_check(struct gic_catalog *c, const char *dir, int jobs,
		     void (*on_drift)(void *arg, const char *path,
				      const char *why),
		     void *arg, uint64_t *checked, uint64_t *drifts);
/*
 * For a check of dir against the task r resolves now: each set whose
 * images are not the ones dir's latest export recorded for it goes to
 * on_set (how many the task takes now, how many the export has, how many
 * only the task, only the export), a drift each.  Sets that degrade, and
 * exports that record no images per set (webdataset, manifest), are not
 * compared.
 */
int gic_export_check_sets(struct gic_catalog *c, const char *dir,
			  const struct gic_resolved *r,
			  void (*on_set)(void *arg, const char *set,
					 size_t now, size_t had,
					 size_t only_now, size_t only_had),
			  void *arg, uint64_t *drifts);
/*
 * The hash of the task last exported into dir: from the catalog's latest
 * record of dir (c may be NULL), else from the first line of dir's
 * task.ini; and its name, from the same ("" when neither has it).
 * GIC_ENOTFOUND when neither says.
 */
int gic_export_task_hash(struct gic_catalog *c, const char *dir,
			 char hex[GIC_HEX_LEN + 1], char *name, size_t size);

#endif
