/*
 * find.h - where a catalog is (find.c), for db.c, which opens and makes
 * catalogs.
 */
#ifndef GIC_FIND_H
#define GIC_FIND_H

#include <stddef.h>

/* a/b into buf; GIC_ELIMIT when it does not fit. */
int gic_path_join(char *buf, size_t size, const char *a, const char *b);
/* Does root hold .gicat/catalog.db? */
int gic_catalog_at(const char *root);
/* Does root's .gicat/objects hold a file in a fan-out directory? */
int gic_store_has_objects(const char *root);
/* The error of a store whose catalog.db is gone (from: where root came
 * from, as " (--catalog)", or ""). */
int gic_lost_catalog(const char *root, const char *from);
/* Does path name a directory called .gicat (with trailing slashes)? */
int gic_names_gicat(const char *path);
/* Does path lie in a .gicat directory, as it is or once made? */
int gic_within_gicat(const char *path);

#endif
