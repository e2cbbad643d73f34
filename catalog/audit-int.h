/*
 * audit-int.h - what the audit files share: audit-bias.c (describing the
 * audited images) and audit-rules.c (scoring the trivial rules on them);
 * tallies by name for audit.c and audit-prov.c.  Not part of the public
 * API.
 */
#ifndef GIC_AUDIT_INT_H
#define GIC_AUDIT_INT_H

#include "audit.h"

/*
 * A hash index of the names of such an array, for one that may hold many
 * (PNG text keys: a set whose every image has its own key would make a
 * search of the array per key quadratic).  Zero it to start; it indexes
 * the elements appended since its last use, by audit_named or not, and
 * is void once the array is reordered.  audit_names_free releases it.
 */
struct audit_names {
	size_t *slot;            /* element index + 1, 0 for empty */
	size_t cap, indexed;     /* cap a power of two, or 0 */
};
void audit_names_free(struct audit_names *ix);

/*
 * In the array *arr of *n elements of size sz, each beginning with its
 * malloc'd char * name: the element named name, or else a new zeroed one
 * holding a copy of name, appended (*added = 1 then, when added is not
 * NULL).  NULL when out of memory.  arr is the address of the array
 * pointer (a struct x ** passed as void *).  ix, when not NULL, is the
 * array's index (else the array is searched).
 */
void *audit_named(void *arr, size_t *n, size_t sz, const char *name,
		  int *added, struct audit_names *ix);

/* The features of the threshold rules, in the order of their rules. */
enum { FEAT_SIDE, FEAT_QUALITY, FEAT_BPP, NFEAT };

/*
 * One set's labelled images as the rules see them, gathered image by
 * image: each feature's values per label (0 real, 1 fake), and how many
 * images of each label the fixed rules call fake.  Zero it to start.
 */
struct rule_data {
	double *v[NFEAT][2];
	size_t n[NFEAT][2], cap[NFEAT][2];
	uint64_t png[2], sizes[2];
};

/* Adds one image: fake (0/1), format, width, height, JPEG quality (0 for
 * none), file size.  GIC_ENOMEM on failure. */
int rule_data_add(struct rule_data *d, int fake, const char *format,
		  uint32_t w, uint32_t h, int quality, uint64_t bytes);
/* Scores every rule of s from d (s->nreal and s->nfake already set);
 * sorts d's values. */
int rule_data_score(struct rule_data *d, struct gic_bias_set *s);
void rule_data_free(struct rule_data *d);

#endif
