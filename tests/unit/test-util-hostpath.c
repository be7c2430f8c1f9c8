/* SPDX-License-Identifier: MIT */
/*
 * User-given host output paths (util/hostpath.h, issue 14): cp destinations
 * follow symlinks and refuse devices, FIFOs and sockets; -o files refuse
 * anything but a regular file and replace it only on commit; --cidfile files
 * are created only where nothing exists. Every node is
 * made in a private temporary directory, never under /dev.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "util/fs.h"
#include "util/hostpath.h"

static char tmpdir[] = "/tmp/hull-test-hostpath-XXXXXX";

static char *at(const char *name)
{
	return path_join(tmpdir, name);
}

static void put(const char *name, const char *data)
{
	_cleanup_free_ char *p = at(name);
	assert_int_equal(write_file_atomic(p, data, strlen(data), 0644, NULL), 0);
}

static char *get(const char *name)
{
	_cleanup_free_ char *p = at(name);
	char *data = NULL;
	assert_int_equal(read_file(p, 4096, &data, NULL, NULL), 0);
	return data;
}

static void link_to(const char *target, const char *name)
{
	_cleanup_free_ char *p = at(name);
	assert_int_equal(symlink(target, p), 0);
}

static mode_t type_of(const char *name)
{
	_cleanup_free_ char *p = at(name);
	struct stat st;
	assert_int_equal(lstat(p, &st), 0);
	return st.st_mode & S_IFMT;
}

static int setup(void **state)
{
	_cleanup_free_ char *chr = NULL, *fifo = NULL, *dir = NULL;
	(void) state;
	if (!mkdtemp(tmpdir))
		return -1;
	chr = at("chr");
	fifo = at("fifo");
	dir = at("dir");
	if (mknod(chr, S_IFCHR | 0644, makedev(1, 3)) < 0 || mkfifo(fifo, 0644) < 0 ||
	    mkdir(dir, 0755) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void) state;
	return rm_rf(tmpdir, NULL);
}

static void test_copy_dest_follows_links(void **state)
{
	_cleanup_free_ char *in = at("link"), *target = at("target");
	struct hostpath_dest d = {0};
	(void) state;

	put("target", "old");
	link_to("target", "link");
	assert_int_equal(hostpath_copy_dest(in, NULL, &d, NULL), 0);
	assert_string_equal(d.path, target);
	assert_true(d.exists);
	assert_false(d.is_dir);
	hostpath_dest_release(&d);

	/* a link to a directory: the copy goes into it */
	free(in);
	in = at("linkdir");
	link_to("dir", "linkdir");
	assert_int_equal(hostpath_copy_dest(in, NULL, &d, NULL), 0);
	assert_true(d.exists && d.is_dir);
	hostpath_dest_release(&d);

	/* a dangling link names the file to create */
	free(in);
	in = at("dangling");
	link_to("dir/new", "dangling");
	assert_int_equal(hostpath_copy_dest(in, NULL, &d, NULL), 0);
	assert_false(d.exists);
	assert_true(strstr(d.path, "/dir/new") != NULL);
	hostpath_dest_release(&d);
}

static void test_copy_dest_refuses_specials(void **state)
{
	static const char *const names[] = {"chr", "fifo", "linkchr", "linkfifo"};
	struct hull_err *e = NULL;
	struct hostpath_dest d = {0};
	(void) state;

	link_to("chr", "linkchr");
	link_to("fifo", "linkfifo");
	for (size_t i = 0; i < 4; i++) {
		_cleanup_free_ char *p = at(names[i]);
		assert_int_equal(hostpath_copy_dest(p, NULL, &d, &e), -EINVAL);
		assert_non_null(strstr(e->msg, "must be a directory or a regular file: got a"));
		assert_non_null(strstr(e->msg, i % 2 ? "irregular file" : "device"));
		e = err_free(e);
	}
	/* the copy's own name in a destination directory */
	{
		_cleanup_free_ char *p = at("");
		assert_int_equal(hostpath_copy_dest(p, "chr", &d, &e), -EINVAL);
		assert_non_null(strstr(e->msg, "/chr\" must be a directory or a regular file"));
		e = err_free(e);
		assert_int_equal(hostpath_copy_dest(p, "target", &d, NULL), 0);
		assert_true(d.is_dir);
		hostpath_dest_release(&d);
	}
	assert_int_equal(type_of("chr"), S_IFCHR);
	assert_int_equal(type_of("fifo"), S_IFIFO);
	assert_int_equal(type_of("linkchr"), S_IFLNK);
}

static void test_copy_dest_errors(void **state)
{
	_cleanup_free_ char *nodir = at("nodir/x"), *loop = at("l0");
	struct hull_err *e = NULL;
	struct hostpath_dest d = {0};
	(void) state;

	assert_int_equal(hostpath_copy_dest(nodir, NULL, &d, &e), -ENOENT);
	assert_non_null(strstr(e->msg, "invalid output path: directory \""));
	assert_non_null(strstr(e->msg, "/nodir\" does not exist"));
	e = err_free(e);
	/* l0 -> l1 -> ... -> l12: more than docker's limit */
	for (int i = 0; i < 12; i++) {
		char name[16], target[16];
		snprintf(name, sizeof(name), "l%d", i);
		snprintf(target, sizeof(target), "l%d", i + 1);
		link_to(target, name);
	}
	assert_int_equal(hostpath_copy_dest(loop, NULL, &d, &e), -ELOOP);
	assert_non_null(strstr(e->msg, "too many symlinks in"));
	e = err_free(e);
}

static void test_output_refuses_all_but_files(void **state)
{
	static const struct {
		const char *name, *msg;
		mode_t type;
	} cases[] = {
		{"chr", "cannot write to a character device file", S_IFCHR},
		{"fifo", "cannot write to a named pipe (FIFO)", S_IFIFO},
		{"dir", "cannot write to a directory", S_IFDIR},
		{"outlink", "cannot write to a symbolic link directly", S_IFLNK},
	};
	struct hull_err *e = NULL;
	(void) state;

	put("outtarget", "kept");
	link_to("outtarget", "outlink");
	for (size_t i = 0; i < 4; i++) {
		_cleanup_free_ char *p = at(cases[i].name);
		struct hostpath_output o = HOSTPATH_OUTPUT_INIT;
		assert_int_equal(hostpath_output_open(p, 0600, &o, &e), -EINVAL);
		assert_string_equal(e->msg, cases[i].msg);
		e = err_free(e);
		hostpath_output_release(&o);
		assert_int_equal(type_of(cases[i].name), cases[i].type);
	}
	{
		_cleanup_free_ char *data = get("outtarget");
		assert_string_equal(data, "kept");
	}
}

static void test_output_replaces_on_commit_only(void **state)
{
	_cleanup_free_ char *p = at("out"), *data = NULL;
	struct hostpath_output o = HOSTPATH_OUTPUT_INIT;
	struct stat st;
	DIR *dir;
	struct dirent *de;
	(void) state;

	put("out", "old");
	/* released without commit: the old file stays, no temporary file is left */
	assert_int_equal(hostpath_output_open(p, 0600, &o, NULL), 0);
	assert_int_equal(write_all(o.fd, "new", 3), 0);
	hostpath_output_release(&o);
	data = get("out");
	assert_string_equal(data, "old");
	free(data);
	dir = opendir(tmpdir);
	assert_non_null(dir);
	while ((de = readdir(dir)))
		assert_null(strstr(de->d_name, ".tmp-"));
	closedir(dir);

	assert_int_equal(hostpath_output_open(p, 0600, &o, NULL), 0);
	assert_int_equal(write_all(o.fd, "new", 3), 0);
	assert_int_equal(hostpath_output_commit(&o, NULL), 0);
	hostpath_output_release(&o);
	data = get("out");
	assert_string_equal(data, "new");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
}

static void test_output_create_new_only(void **state)
{
	static const char *const taken[] = {"chr", "fifo", "dir", "outlink", "dangles", "cid"};
	_cleanup_free_ char *p = at("newcid"), *data = NULL;
	struct hostpath_output o = HOSTPATH_OUTPUT_INIT;
	struct hull_err *e = NULL;
	(void) state;

	/* anything at the path, even a dangling symlink, is refused and left alone */
	put("cid", "other");
	link_to("nowhere", "dangles");
	for (size_t i = 0; i < ARRAY_SIZE(taken); i++) {
		_cleanup_free_ char *tp = at(taken[i]);
		mode_t before = type_of(taken[i]);
		assert_int_equal(hostpath_output_create(tp, 0666, &o, &e), -EEXIST);
		e = err_free(e);
		hostpath_output_release(&o);
		assert_int_equal(type_of(taken[i]), before);
	}
	{
		_cleanup_free_ char *q = at("nowhere");
		assert_int_equal(access(q, F_OK), -1);
		data = get("cid");
		assert_string_equal(data, "other");
		free(data);
		data = NULL;
	}

	/* released without commit: removed, as docker's cidFile.Close */
	assert_int_equal(hostpath_output_create(p, 0666, &o, NULL), 0);
	assert_int_equal(type_of("newcid"), S_IFREG);
	hostpath_output_release(&o);
	assert_int_equal(access(p, F_OK), -1);

	/* a file put in its place meanwhile is not ours to remove */
	assert_int_equal(hostpath_output_create(p, 0666, &o, NULL), 0);
	assert_int_equal(unlink(p), 0);
	put("newcid", "theirs");
	hostpath_output_release(&o);
	data = get("newcid");
	assert_string_equal(data, "theirs");
	free(data);
	assert_int_equal(unlink(p), 0);

	/* committed: kept with what was written */
	assert_int_equal(hostpath_output_create(p, 0666, &o, NULL), 0);
	assert_int_equal(write_all(o.fd, "abc", 3), 0);
	assert_int_equal(hostpath_output_commit(&o, NULL), 0);
	hostpath_output_release(&o);
	data = get("newcid");
	assert_string_equal(data, "abc");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copy_dest_follows_links),
		cmocka_unit_test(test_copy_dest_refuses_specials),
		cmocka_unit_test(test_copy_dest_errors),
		cmocka_unit_test(test_output_refuses_all_but_files),
		cmocka_unit_test(test_output_replaces_on_commit_only),
		cmocka_unit_test(test_output_create_new_only),
	};

	if (geteuid() != 0) {
		fprintf(stderr, "needs root for mknod\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
