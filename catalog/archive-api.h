/*
 * archive-api.h - libarchive, opened when a webdataset export first
 * needs it (see dl.h); include it instead of <archive.h> and
 * <archive_entry.h>, and call gic_archive_load first, as curl-api.h.
 */
#ifndef GIC_ARCHIVE_API_H
#define GIC_ARCHIVE_API_H

#include <archive.h>
#include <archive_entry.h>

#define GIC_ARCHIVE_FUNCTIONS(X) \
	X(archive_entry_new) X(archive_entry_free) \
	X(archive_entry_set_filetype) X(archive_entry_set_gid) \
	X(archive_entry_set_mtime) X(archive_entry_set_pathname) \
	X(archive_entry_set_perm) X(archive_entry_set_size) \
	X(archive_entry_set_uid) X(archive_error_string) \
	X(archive_write_new) X(archive_write_free) X(archive_write_open) \
	X(archive_write_close) X(archive_write_header) \
	X(archive_write_data) X(archive_write_set_format_pax_restricted)

struct gic_archive_api {
#define GIC_ARCHIVE_POINTER(f) __typeof__(f) *f;
	GIC_ARCHIVE_FUNCTIONS(GIC_ARCHIVE_POINTER)
#undef GIC_ARCHIVE_POINTER
};
extern struct gic_archive_api gic_archive;

/* 0 once libarchive is open and every function above found; GIC_EIO. */
int gic_archive_load(void);

#ifndef GIC_ARCHIVE_API_IMPL
#define archive_entry_new (*gic_archive.archive_entry_new)
#define archive_entry_free (*gic_archive.archive_entry_free)
#define archive_entry_set_filetype (*gic_archive.archive_entry_set_filetype)
#define archive_entry_set_gid (*gic_archive.archive_entry_set_gid)
#define archive_entry_set_mtime (*gic_archive.archive_entry_set_mtime)
#define archive_entry_set_pathname (*gic_archive.archive_entry_set_pathname)
#define archive_entry_set_perm (*gic_archive.archive_entry_set_perm)
#define archive_entry_set_size (*gic_archive.archive_entry_set_size)
#define archive_entry_set_uid (*gic_archive.archive_entry_set_uid)
#define archive_error_string (*gic_archive.archive_error_string)
#define archive_write_new (*gic_archive.archive_write_new)
#define archive_write_free (*gic_archive.archive_write_free)
#define archive_write_open (*gic_archive.archive_write_open)
#define archive_write_close (*gic_archive.archive_write_close)
#define archive_write_header (*gic_archive.archive_write_header)
#define archive_write_data (*gic_archive.archive_write_data)
#define archive_write_set_format_pax_restricted \
	(*gic_archive.archive_write_set_format_pax_restricted)
#endif

#endif
