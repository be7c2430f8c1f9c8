/* SPDX-License-Identifier: MIT */
/*
 * File-system helpers: whole-file reads with a size bound, atomic writes
 * (temp file + fsync + rename, DESIGN.md "Store layout"), mkdir -p, rm -rf.
 * All return 0 or a negative errno and set *err (err.h convention).
 */
#ifndef HULL_UTIL_FS_H
#define HULL_UTIL_FS_H

#include <sys/types.h>
#include "err.h"

/*
 * read_file() - read all of @path (at most @max bytes, else -EFBIG) into a
 * newly allocated NUL-terminated buffer (*@ret_data, caller frees).
 * @ret_len may be NULL. Errors: the open/read errno, -EFBIG.
 */
int read_file(const char *path, size_t max, char **ret_data, size_t *ret_len,
	      struct hull_err **err);

/* read_file_fd() - read_file() of the open @fd (borrowed), named @name in errors. */
int read_file_fd(int fd, const char *name, size_t max, char **ret_data, size_t *ret_len,
		 struct hull_err **err);

/*
 * write_file_atomic() - write @len bytes to @path so that readers see either
 * the old or the new contents: a temp file beside it, fsync, rename.
 * @mode is the new file's mode. Errors: errno of the failed step.
 */
int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
		      struct hull_err **err);

/*
 * write_file_replace() - write_file_atomic() without the fsync: readers still
 * see either the old or the new contents, but after a crash the file may be
 * empty. Only for files a crash makes worthless anyway: a build step's or a
 * --rm container's (container_is_disposable()), the state of the runtime's
 * containers (their processes do not outlive the machine either).
 */
int write_file_replace(const char *path, const void *data, size_t len, mode_t mode,
		       struct hull_err **err);

/* write_all() - write all @len bytes, retrying on EINTR and short writes; 0 or -errno. */
int write_all(int fd, const void *data, size_t len);

/* mkdir_p() - create @path and its parents with @mode; an existing directory is fine. */
int mkdir_p(const char *path, mode_t mode, struct hull_err **err);

/*
 * rm_rf() - remove @path recursively without following symlinks and without
 * crossing mount points. A missing path is success.
 */
int rm_rf(const char *path, struct hull_err **err);

/*
 * rm_tree_at() - remove @name below @dfd recursively, not following
 * symlinks, and not crossing mount points when @one_fs. Holds a bounded
 * number of fds whatever the depth of the tree. A missing name is success.
 */
int rm_tree_at(int dfd, const char *name, bool one_fs, struct hull_err **err);

/* path_join() - "@a/@b" with exactly one slash between; caller frees. */
char *path_join(const char *a, const char *b);

/* dir_size() - the sum of st_size of regular files below @path (bytes). */
int64_t dir_size(const char *path);

/*
 * lookup_path() - resolve a command name as execvp does: a name with '/' is
 * returned as is; otherwise each directory of @path_env is tried below @root
 * (NULL or "/" for the current root). Returns a newly allocated path relative
 * to @root's view ("/usr/bin/x"), or NULL with errno ENOENT / EACCES.
 */
char *lookup_path(const char *root, const char *name, const char *path_env);
/*
 * proc_start_time() - field 22 of /proc/PID/stat (clock ticks since boot), 0 if gone
 * or a zombie: equal to a recorded start time, the recorded process still runs.
 */
unsigned long long proc_start_time(pid_t pid);

#endif
