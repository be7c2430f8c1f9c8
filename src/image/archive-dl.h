/* SPDX-License-Identifier: MIT */
/*
 * libarchive, loaded with dlopen("libarchive.so.13") on first use (DESIGN.md
 * "Start-up cost"): commands that never read or write a tar do not pay for
 * loading it and its 17 dependencies. Call archive_dl_load() before using
 * any sym_* pointer; it is idempotent and returns -EOPNOTSUPP with a message
 * when the library or a symbol is missing. The table is filled all at once,
 * so the pointers are either all valid or all NULL. archive_dl_load() is
 * thread-safe (a mutex); the pointers do not change once set.
 */
#ifndef HULL_IMAGE_ARCHIVE_DL_H
#define HULL_IMAGE_ARCHIVE_DL_H

#include <archive.h>
#include <archive_entry.h>
#include "util/err.h"

#define ARCHIVE_DL_SYMBOLS(X)                      \
	X(archive_error_string)                    \
	X(archive_errno)                           \
	X(archive_read_new)                        \
	X(archive_read_free)                       \
	X(archive_read_support_format_tar)         \
	X(archive_read_support_format_raw)         \
	X(archive_read_support_filter_gzip)        \
	X(archive_read_support_filter_zstd)        \
	X(archive_read_support_filter_xz)          \
	X(archive_read_support_filter_bzip2)       \
	X(archive_read_open_fd)                    \
	X(archive_read_open)                       \
	X(archive_read_data_block)                 \
	X(archive_read_next_header)                \
	X(archive_read_data)                       \
	X(archive_write_new)                       \
	X(archive_write_free)                      \
	X(archive_write_set_format_pax_restricted) \
	X(archive_write_set_bytes_in_last_block)   \
	X(archive_write_open)                      \
	X(archive_write_open_fd)                   \
	X(archive_write_add_filter_gzip)           \
	X(archive_write_set_format_raw)            \
	X(archive_write_header)                    \
	X(archive_write_data)                      \
	X(archive_write_close)                     \
	X(archive_entry_new)                       \
	X(archive_entry_free)                      \
	X(archive_entry_clear)                     \
	X(archive_entry_pathname)                  \
	X(archive_entry_filetype)                  \
	X(archive_entry_perm)                      \
	X(archive_entry_uid)                       \
	X(archive_entry_gid)                       \
	X(archive_entry_mtime)                     \
	X(archive_entry_mtime_nsec)                \
	X(archive_entry_mtime_is_set)              \
	X(archive_entry_size)                      \
	X(archive_entry_symlink)                   \
	X(archive_entry_hardlink)                  \
	X(archive_entry_rdevmajor)                 \
	X(archive_entry_rdevminor)                 \
	X(archive_entry_xattr_reset)               \
	X(archive_entry_xattr_next)                \
	X(archive_entry_set_pathname)              \
	X(archive_entry_set_filetype)              \
	X(archive_entry_set_perm)                  \
	X(archive_entry_set_uid)                   \
	X(archive_entry_set_gid)                   \
	X(archive_entry_set_mtime)                 \
	X(archive_entry_set_size)                  \
	X(archive_entry_set_symlink)               \
	X(archive_entry_set_hardlink)              \
	X(archive_entry_set_rdevmajor)             \
	X(archive_entry_set_rdevminor)             \
	X(archive_entry_xattr_add_entry)

#define ARCHIVE_DL_DECLARE(name) extern __typeof__(name) *sym_##name;
ARCHIVE_DL_SYMBOLS(ARCHIVE_DL_DECLARE)
#undef ARCHIVE_DL_DECLARE

int archive_dl_load(struct hull_err **err);

#endif
