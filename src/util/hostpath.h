/* SPDX-License-Identifier: MIT */
/*
 * Host paths that the user names as an output: the host side of `hull cp`
 * (container to host) and every `-o`-style file hull writes on the host:
 * `export -o`, `save -o` and `build --iidfile` (hostpath_output_open()),
 * `run/create --cidfile` (hostpath_output_create()). hull runs as root, so
 * writing "through" such a
 * path naively can replace /dev/null or a symlink's target with a regular file
 * (issue 14, docker/cli#1514). The one rule, as docker applies it now:
 *
 * - Never replace, write into or read a device, FIFO or socket: refused
 *   with docker's message, the node left untouched.
 * - `cp` follows a destination symlink (the target file is written or the
 *   target directory receives the copy); `-o` files refuse a symlink
 *   ("cannot write to a symbolic link directly") and are written to a
 *   temporary file beside the destination and renamed over it, so an
 *   existing regular file is replaced only when the whole output succeeded.
 *
 * Functions return 0 or a negative errno and set *err once (util/err.h).
 * Messages are docker's own text, so scripts that match on them still work.
 */
#ifndef HULL_UTIL_HOSTPATH_H
#define HULL_UTIL_HOSTPATH_H

#include <stdbool.h>
#include <sys/types.h>
#include "err.h"

/* A `cp` destination on the host after hostpath_copy_dest(). */
struct hostpath_dest {
	char *path;  /* @path with every final symlink followed; owned */
	bool exists; /* @path exists (after following symlinks) */
	bool is_dir; /* ... and is a directory; otherwise it is a regular file */
};

/*
 * hostpath_copy_dest() - resolve the host destination @path of `cp
 * CONTAINER:SRC PATH` as docker's client does (docker/cli
 * cli/command/container/cp.go copyFromContainer: command.ValidateOutputPath,
 * then moby pkg/archive CopyInfoDestinationPath): the parent directory of
 * @path must exist; a final symlink is followed, at most 11 in a chain,
 * relative targets against the link's directory, so a dangling link names the
 * file to create. The result must be missing, a directory or a regular file.
 * Unlike docker (whose check only catches devices, through Go's
 * os.ModeDevice) FIFOs and sockets are refused as well. When @path is a
 * directory and @entry (the name the copy gets in it) is not NULL or "", a
 * device, FIFO or socket of that name in it is refused the same way, as
 * "PATH/ENTRY" (docker would replace it: `hull cp c:/null /dev/` must not).
 * Deeper entries of a copied tree still replace what they meet, as docker's.
 * On success fills *@ret (release it with hostpath_dest_release()).
 * Errors: -EINVAL `invalid output path: "ABS" must be a directory or a regular
 * file: got a device` (or `got an irregular file` for a FIFO or socket),
 * -ENOENT `invalid output path: directory "DIR" does not exist`, -ELOOP `too
 * many symlinks in PATH`, or the failing lstat/readlink errno.
 */
int hostpath_copy_dest(const char *path, const char *entry, struct hostpath_dest *ret,
		       struct hull_err **err);

void hostpath_dest_release(struct hostpath_dest *d);

/*
 * hostpath_check_node() - whether an existing destination of mode @mode may
 * be written to or replaced: 0 for a regular file or a directory, else -EINVAL
 * with *@ret_what set to docker's words for it ("got a device", "got an
 * irregular file"; static strings). Shared by the host and container sides
 * of `cp` so that both refuse the same nodes.
 */
int hostpath_check_node(mode_t mode, const char **ret_what);

/* A user-given output file being written (hostpath_output_open()). */
struct hostpath_output {
	int fd;		/* write the data here; owned */
	int dir_fd;	/* the destination's directory; owned */
	char *name;	/* the destination's name in @dir_fd */
	char *tmp_name; /* the temporary file in @dir_fd, NULL once renamed */
	mode_t mode;
	bool created;	/* hostpath_output_create(): @fd is @name itself, made by us */
	bool committed; /* ... and kept: hostpath_output_release() leaves it */
};
#define HOSTPATH_OUTPUT_INIT           \
	{                              \
		.fd = -1, .dir_fd = -1 \
	}

/*
 * hostpath_output_open() - start writing the user-given host file @path
 * (`export -o`, `save -o`, `build --iidfile`), as docker's
 * moby/sys atomicwriter.New does for them: the parent directory must exist;
 * an existing @path must be a regular file; it is not opened, but a new
 * temporary file ".tmp-NAME.XXXXXXXX" is created beside it, which
 * hostpath_output_commit() renames over @path with @mode (docker uses 0600,
 * umask not applied). A symlink, directory, FIFO, socket or device at @path
 * is refused and left as it was. *@ret is filled on success only; the caller
 * must end it with hostpath_output_commit() or hostpath_output_release().
 * Errors (docker's text): "invalid output path: stat DIR: <errno>", "cannot
 * write to a symbolic link directly", "cannot write to a directory",
 * "cannot write to a named pipe (FIFO)", "cannot write to a socket",
 * "cannot write to a character device file", "cannot write to a block
 * device file" (all -EINVAL but the stat errors), or the errno of creating
 * the temporary file. Callers wrap them ("failed to export container").
 */
int hostpath_output_open(const char *path, mode_t mode, struct hostpath_output *ret,
			 struct hull_err **err);

/*
 * hostpath_output_create() - create the user-given host file @path itself,
 * which must not exist at all, for `run/create --cidfile`: docker/cli's
 * newCIDFile refuses any existing file (so that a second container cannot
 * take over a running one's file) and creates the file before the container,
 * removing it again if the container is not made. Here the file is created
 * with O_CREAT|O_EXCL|O_NOFOLLOW, @mode less the umask (docker's os.Create:
 * 0666), so nothing that exists at @path, a symlink (even a dangling one, which
 * docker would follow), a device, a FIFO or a socket, is ever opened, followed
 * or replaced. Write to ->fd, then hostpath_output_commit() keeps the file;
 * hostpath_output_release() without a commit removes it (only if @path is
 * still the file created here). Errors: -EEXIST when anything is at @path
 * (message "'PATH' exists": callers put docker's words), "invalid output
 * path: stat DIR: <errno>" for a missing directory, else the errno of the
 * create.
 */
int hostpath_output_create(const char *path, mode_t mode, struct hostpath_output *ret,
			   struct hull_err **err);

/*
 * hostpath_output_commit() - fsync the written data, set the mode and rename
 * the temporary file over the destination (re-checking that nothing but a
 * regular file was put there meanwhile). For hostpath_output_create() only
 * the fsync: the file is in place already and keeps its mode. The output
 * stays to be released.
 * Errors: the failing syscall's errno, or -EINVAL with the refusal above;
 * hostpath_output_release() then removes the temporary file.
 */
int hostpath_output_commit(struct hostpath_output *o, struct hull_err **err);

/*
 * hostpath_output_release() - close everything; an uncommitted temporary file
 * is removed, so a failed command leaves the destination as it was (an
 * uncommitted hostpath_output_create() file is removed if it is still the
 * one created: as docker's cidFile.Close, a failed run leaves none). Accepts
 * an output set to HOSTPATH_OUTPUT_INIT or already released.
 */
void hostpath_output_release(struct hostpath_output *o);

#endif
