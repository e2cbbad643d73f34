/*
 * embed.h - data compiled into the binary by scripts/embed.sh: the schema
 * migrations (migrations/NNNN-name.sql), the ImageNet class table, the
 * generator vocabulary and the shipped tasks.
 */
#ifndef GIC_EMBED_H
#define GIC_EMBED_H

struct gic_migration {
	int version;      /* NNNN of the file name */
	const char *name; /* "0001-core" */
	const char *sql;
};
/* In version order, terminated by { 0, NULL, NULL }. */
extern const struct gic_migration gic_migrations[];
extern const char gic_builtin_classes_tsv[];
extern const char gic_builtin_generators_tsv[];
/* Shipped task files: "genimage/cross-sd14" and its text; NULL-ended. */
extern const char *const gic_builtin_task_names[];
extern const char *const gic_builtin_task_texts[];

#endif
