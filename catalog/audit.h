/*
 * audit.h - what a selection or a task may be used for, and what gives its
 * labels away:
 *
 *   license.c     the license registry (the licenses table), license lists
 *                 of entries, GenImage's defaults, the LICENSES.md text
 *   audit.c       the images an audit looks at (a selection or a task's
 *                 sets, as exported), and the license audit
 *   audit-bias.c  real vs fake per generator: formats, JPEG quality, sizes,
 *                 subsampling, metadata; the accuracy of trivial rules
 *   audit-prov.c  provenance metadata per generator and label; label leaks
 *   audit-json.c  the bias and provenance audits as JSON
 *   audit-html.c  self-contained HTML pages of the bias and license audits
 *
 * Audits read the catalog through its SQLite connection: one audit at a
 * time per gic_catalog.  An entry's licenses are a list of registry ids
 * separated by spaces (or commas): all of them apply at once.
 */
#ifndef GIC_AUDIT_H
#define GIC_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "task.h"

/* ---- the license registry (license.c) ---------------------------------- */

struct gic_license {
	char *id, *name, *url, *terms; /* owned; url may be NULL */
	int commercial;     /* commercial use allowed */
	int redistribution; /* copies may be passed on (on the license's terms) */
	int attribution;    /* copies must credit the source */
	int share_alike;    /* adaptations must carry the same license */
};

enum gic_use {
	GIC_USE_NONE,         /* no use checked: only missing/unknown ids */
	GIC_USE_COMMERCIAL,   /* needs commercial */
	GIC_USE_RESEARCH,     /* non-commercial research: every registered
				 license allows it but LicenseRef-Unknown */
	GIC_USE_REDISTRIBUTE, /* needs redistribution */
};
#define GIC_LICENSE_UNKNOWN "LicenseRef-Unknown"

/* "commercial", "research", "redistribute"; GIC_EUSAGE otherwise. */
int gic_use_from_name(const char *s, enum gic_use *out);
const char *gic_use_name(enum gic_use u);
/* Whether l allows u (always, for GIC_USE_NONE). */
int gic_license_allows(const struct gic_license *l, enum gic_use u);

/* Every registered license, sorted by id; free with gic_licenses_free. */
int gic_license_list(struct gic_catalog *c, struct gic_license **out,
		     size_t *n);
void gic_licenses_free(struct gic_license *v, size_t n);
/* The registered license with this id (exact), or NULL. */
const struct gic_license *gic_license_find(const struct gic_license *v,
					   size_t n, const char *id);
/*
 * Checks a list of ids ("A B" or "A, B"): GIC_EUSAGE naming the first id
 * that is not registered (and the registered one it differs from only in
 * case, if any); GIC_EUSAGE too for an empty list.
 */
int gic_license_check(struct gic_catalog *c, const char *ids);
/*
 * Calls cb with each id of a list (separated by spaces or commas) as a
 * NUL-terminated string; stops and returns what cb returns when non-zero.
 * Ids longer than 127 bytes are cut.
 */
int gic_license_each(const char *ids, int (*cb)(void *arg, const char *id),
		     void *arg);
/* Is id one of the ids of list (separated by single spaces; may be
 * NULL)? */
int gic_license_listed(const char *list, const char *id);
/*
 * The licenses ingest gives an entry when none is asked for: for the
 * GenImage layout, GenImage's terms on everything, plus ImageNet's on real
 * photos and Midjourney's on Midjourney fakes; NULL for other layouts.
 * label and generator are the entry's (overrides applied).
 */
const char *gic_license_default(const struct gic_path_meta *m,
				const char *label, const char *generator);
/*
 * Sets the licenses of every entry matching expr to ids (checked as by
 * gic_license_check, stored separated by single spaces), in one
 * transaction.  *changed = entries whose value changed.  A bad expression
 * is GIC_EUSAGE with *errcol set.
 */
int gic_license_set(struct gic_catalog *c, const char *expr, const char *ids,
		    int *errcol, uint64_t *changed);
/* ids checked as by gic_license_check, joined by single spaces into
 * *joined (malloc'd). */
int gic_license_join(struct gic_catalog *c, const char *ids, char **joined);

/* ---- licenses attached to a dataset or a generator (license-rules.c) -- */

struct gic_license_rules;
int gic_license_rules_load(struct gic_catalog *c,
			   struct gic_license_rules **out);
void gic_license_rules_free(struct gic_license_rules *r);
/* The licenses of a new entry of dataset and generator (NULL: none)
 * that would have base (NULL: none): base when no rule applies, else
 * base's ids, then the dataset's and the generator's it lacks, in buf
 * (NULL when they pass size). */
const char *gic_license_rules_for(const struct gic_license_rules *r,
				  const char *dataset, const char *generator,
				  const char *base, char *buf, size_t size);
/* A list of ids however it is separated ("A,B", "A  B") as the catalog
 * stores lists, separated by single spaces (what `license = ID` matches),
 * in buf; ids itself when that passes size (never NULL: a list is never
 * dropped). */
const char *gic_license_canon(const char *ids, char *buf, size_t size);
/*
 * Attaches ids to the dataset or generator (kind "dataset" or
 * "generator") name, replacing what it had attached, and adds them to
 * the licenses of its entries now, in one transaction; *changed = entries
 * whose licenses changed.  ids NULL: the rule goes (*changed = 1 when
 * there was one), and the entries keep what they have.
 */
int gic_license_rule_set(struct gic_catalog *c, const char *kind,
			 const char *name, const char *ids, uint64_t *changed);

/*
 * The Markdown of one license for LICENSES.md: name, URL, what it allows
 * (commercial use, redistribution), what it asks (attribution,
 * share-alike) with the attribution line to follow, and its terms.
 * Indented two spaces, ends with a newline.  malloc'd, NULL when out of
 * memory.
 */
char *gic_license_markdown(const struct gic_license *l);

/* ---- what an audit looks at (audit.c) --------------------------------- */

/* Either an expression over entries (NULL or "" = all) or a task. */
#define GIC_AUDIT_ALL "(all)"  /* the set of a selection, or of a task's
				  sets pooled: no task set has this name */
struct gic_audit_src {
	const char *expr;
	const struct gic_resolved *task; /* when set, expr is ignored */
};
/* What the audit counts: "entries" (of an expression) or "images" (of a
 * task's sets, one per content). */
#define GIC_AUDIT_UNIT(src) ((src)->task ? "images" : "entries")

/*
 * Fills the temporary table audit_items of c's connection with the
 * images audited: one row per entry matching expr (set_name GIC_AUDIT_ALL), or
 * one per item of each set of the task (set_name = the set, sha256 = the
 * image as exported: the derived image when the set degrades it).
 * Columns: set_name, grp (generator, else the GenImage subset a real
 * photo came from, else '-'), label, sha256, dataset, path, license.
 * Replaces an earlier table; gic_audit_items_drop removes it.
 */
int gic_audit_items(struct gic_catalog *c, const struct gic_audit_src *src,
		    int *errcol);
void gic_audit_items_drop(struct gic_catalog *c);

/* ---- the license audit (audit.c) -------------------------------------- */

/* One license id met among the audited entries. */
struct gic_license_tally {
	char *id;                      /* first: looked up by it */
	const struct gic_license *lic; /* NULL when not registered */
	uint64_t entries;              /* audited rows listing it */
	int allowed;                   /* lic allows the use */
	int unknown;                   /* not registered, or registered as
					  LicenseRef-Unknown */
};

struct gic_license_audit {
	enum gic_use use;
	uint64_t entries;       /* rows audited (an entry per set with --task) */
	uint64_t forbidden;     /* rows whose licenses forbid the use */
	uint64_t unlicensed;    /* rows with no license */
	uint64_t unknown;       /* rows listing an id not in the registry, or
				   LicenseRef-Unknown */
	struct gic_license_tally *ids; /* sorted by id */
	size_t nids;
	struct gic_license *reg;       /* the registry */
	size_t nreg;
	struct gic_catalog *c;
	int is_task;
	const char *unit;       /* GIC_AUDIT_UNIT: what `entries` counts */
};

/* What is wrong with one audited row. */
enum gic_license_problem { GIC_LP_UNLICENSED, GIC_LP_UNKNOWN,
			   GIC_LP_FORBIDDEN };
const char *gic_license_problem_name(enum gic_license_problem p);

struct gic_license_row {
	enum gic_license_problem problem;
	const char *detail;  /* the unknown or forbidding ids */
	const char *set, *group, *label, *sha256, *dataset, *path, *license;
};

/*
 * Counts the audited rows per license id and the rows that have no
 * license, an unknown one, or one that forbids use.  Keeps the audited
 * rows for gic_license_audit_rows until gic_license_audit_release.
 */
int gic_license_audit(struct gic_catalog *c, const struct gic_audit_src *src,
		      enum gic_use use, struct gic_license_audit *out,
		      int *errcol);
/* Calls cb for each problem of each row, in row order; stops when cb
 * returns non-zero.  Fields of the row are valid during the call only. */
int gic_license_audit_rows(struct gic_license_audit *a,
			   int (*cb)(void *arg, const struct gic_license_row *r),
			   void *arg);
void gic_license_audit_release(struct gic_license_audit *a);

/* ---- shortcut bias (audit-bias.c) ------------------------------------- */

#define GIC_BIAS_QBINS 11   /* JPEG quality bins */
#define GIC_BIAS_SBINS 11   /* short side bins */
#define GIC_BIAS_SUBS 5     /* 4:2:0, 4:2:2, 4:4:4, other, none */
#define GIC_BIAS_META 6     /* exif, xmp, icc, c2pa, text, trailing */
extern const char *const gic_bias_qbin_names[GIC_BIAS_QBINS];
extern const char *const gic_bias_sbin_names[GIC_BIAS_SBINS];
extern const char *const gic_bias_sub_names[GIC_BIAS_SUBS];
extern const char *const gic_bias_meta_names[GIC_BIAS_META];

/* Images of one generator (or subset) and label within a set. */
struct gic_bias_group {
	char *group;
	char label[8];            /* "real", "fake" or "" (unlabelled) */
	uint64_t n, png, jpeg;
	uint64_t quality[GIC_BIAS_QBINS];  /* JPEGs by estimated quality */
	uint64_t side[GIC_BIAS_SBINS];     /* by short side */
	uint64_t sub[GIC_BIAS_SUBS];       /* by chroma subsampling */
	uint64_t meta[GIC_BIAS_META];      /* images carrying each */
	int qmin, qmax;           /* JPEG quality range; 0 without JPEGs */
	uint32_t smin, smax;      /* short side range */
};

/*
 * A trivial pixel-free rule and its score on a set's labelled images.
 * accuracy = (real_acc + fake_acc) / 2: the accuracy on a balanced set,
 * so 0.5 is chance whatever the mix.  NAN when the set lacks real or fake
 * images.
 */
enum gic_bias_rule { GIC_RULE_PNG, GIC_RULE_SIZES, GIC_RULE_SIDE,
		     GIC_RULE_QUALITY, GIC_RULE_BPP, GIC_BIAS_NRULES };
struct gic_rule_score {
	const char *id;     /* "format", "sizes", "short_side", "jpeg_quality",
			       "bytes_per_pixel" */
	char text[96];      /* "format = png => fake", "short_side <= 256 =>
			       fake", ... */
	int below;          /* threshold rules: values <= threshold are fake
			       (else values >= threshold) */
	double threshold;   /* NAN for the fixed rules */
	double accuracy, real_acc, fake_acc;
};

struct gic_bias_set {
	char *name;               /* the task's set, or GIC_AUDIT_ALL */
	uint64_t nreal, nfake, nunlabelled;
	struct gic_bias_group *groups; /* by group, then label */
	size_t ngroups;
	struct gic_rule_score rules[GIC_BIAS_NRULES];
};

struct gic_bias {
	struct gic_bias_set *sets; /* the task's sets in order, then (when
				      there are several) GIC_AUDIT_ALL, the
				      only one for an expression */
	size_t nsets;
	const char *unit;          /* GIC_AUDIT_UNIT */
};

/*
 * Describes the audited images per set, generator and label, and scores
 * the rules on each set: "format = png => fake", "short_side in (128, 256,
 * 512, 1024) => fake", and the best single threshold (either direction)
 * on the short side, on the JPEG quality (a PNG counting as 101: lossless)
 * and on bytes per pixel (file size / (width x height)).
 */
int gic_audit_bias(struct gic_catalog *c, const struct gic_audit_src *src,
		   struct gic_bias *out, int *errcol);
void gic_bias_release(struct gic_bias *b);
/* The best accuracy of any rule on any set (NAN when none was scored). */
double gic_bias_max_accuracy(const struct gic_bias *b,
			     const struct gic_bias_set **set,
			     const struct gic_rule_score **rule);

/*
 * The best threshold rule on a feature given as distinct values in
 * ascending order, each with its count of real and fake images: the
 * threshold t and direction that maximise (real_acc + fake_acc) / 2 of
 * "value <= t => fake" or "value >= t => fake", t being one of the
 * values.  Ties keep the smaller threshold, "<=" first.  out->text is
 * left to the caller.
 */
void gic_best_threshold(const double *v, const uint64_t *nreal,
			const uint64_t *nfake, size_t n,
			struct gic_rule_score *out);

/* ---- provenance metadata (audit-prov.c) ------------------------------ */

/* How many images of a group carry a piece of metadata. */
struct gic_prov_count {
	char *name;          /* first: looked up by it; "exif", ...,
				"text:parameters" */
	uint64_t n;
	char *top;           /* the most common value (software, make,
				model, source type), or NULL */
};

/* counts[0..GIC_PROV_FIXED) of a group: exif, xmp, icc, c2pa, text (any
 * PNG text), trailing (bytes after the end of the image), exif_software,
 * exif_make, exif_model, xmp_source_type (the last four with their most
 * common value); then "text:KEY" per key. */
#define GIC_PROV_FIXED 10

struct gic_prov_group {
	char *group;
	char label[8];
	uint64_t n;
	struct gic_prov_count *counts; /* the fixed ones, then PNG text keys
					  by name */
	size_t ncounts;
};

/* A piece of metadata over the whole selection. */
struct gic_prov_feature {
	char *name;           /* first: looked up by it */
	uint64_t real, fake;  /* images carrying it */
	int leak;             /* found under one label only (both labels
				 being present): it gives the label away */
	const char *gives;    /* "real" or "fake": the label it points to */
	double accuracy;      /* of "present => gives", balanced */
	int over;             /* not a leak, but accuracy is over the limit
				 gic_prov_limit set */
};

struct gic_prov {
	uint64_t nreal, nfake;
	struct gic_prov_group *groups;
	size_t ngroups;
	struct gic_prov_feature *features; /* every metadata found, leaks
					      first */
	size_t nfeatures, nleaks;
	double max_shortcut;       /* < 0: none (gic_prov_limit) ... */
	size_t nover;              /* ... else the features over it */
	const char *unit;          /* GIC_AUDIT_UNIT */
};

/*
 * Which metadata the audited images carry per generator and label: EXIF,
 * XMP, ICC, C2PA, PNG text (and each text key), EXIF Software, Make,
 * Model, XMP DigitalSourceType; and which of it separates real from fake.
 */
int gic_audit_prov(struct gic_catalog *c, const struct gic_audit_src *src,
		   struct gic_prov *out, int *errcol);
/* Marks the features both labels carry whose "present => gives" scores
 * over max (0..1): a shortcut short of a leak, that the user's limit
 * makes a problem too. */
void gic_prov_limit(struct gic_prov *p, double max);
void gic_prov_release(struct gic_prov *p);

/* ---- JSON documents (audit-json.c) -------------------------------- */

/* The audit as one JSON document (2-space indents), *out malloc'd.  The
 * bias document says whether the best rule exceeds max_shortcut (< 0:
 * no limit). */
int gic_bias_json(const struct gic_bias *b, double max_shortcut, char **out);
int gic_prov_json(const struct gic_prov *p, char **out);

/* ---- HTML pages (audit-html.c) ------------------------------------ */

/*
 * Self-contained pages (inline CSS and SVG, no script, nothing fetched):
 * the bias audit with the rules' accuracy as bars, a table of counts, and
 * histograms per generator and label; the license audit with entries per
 * license as bars and the first rows with problems (rows, n of them; at
 * most a few hundred are shown).  title names what was audited.
 * *out is malloc'd.
 */
int gic_bias_html(const struct gic_bias *b, const char *title,
		  double max_shortcut, char **out);  /* < 0: no limit */
int gic_license_html(const struct gic_license_audit *a,
		     const struct gic_license_row *rows, size_t n,
		     const char *title, char **out);
int gic_prov_html(const struct gic_prov *p, const char *title, char **out);

#endif
