/* SPDX-License-Identifier: MIT */
/*
 * Paths inside a root (util/inroot.h): inroot_resolve() follows every
 * symlink of a path, the last one included, without ever leaving the root,
 * as `cp -L` needs for a container's files. The tree is made in a private
 * temporary directory that stands for the root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "util/fs.h"
#include "util/inroot.h"

static char tmpdir[] = "/tmp/hull-test-inroot-XXXXXX";
static int root_fd = -1;

static void mkdir_in(const char *name)
{
	assert_int_equal(mkdirat(root_fd, name, 0755), 0);
}

static void link_in(const char *target, const char *name)
{
	assert_int_equal(symlinkat(target, root_fd, name), 0);
}

static void file_in(const char *name)
{
	int fd = openat(root_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
}

static int setup(void **state)
{
	(void) state;
	if (!mkdtemp(tmpdir))
		return -1;
	root_fd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return root_fd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	(void) state;
	close(root_fd);
	return rm_rf(tmpdir, NULL) < 0 ? -1 : 0;
}

/* inroot_resolve() of @path must give @want */
static void resolves(const char *path, const char *want)
{
	_cleanup_free_ char *got = NULL;
	assert_int_equal(inroot_resolve(root_fd, path, &got), 0);
	assert_string_equal(got, want);
}

static void test_resolve(void **state)
{
	_cleanup_free_ char *got = NULL;

	(void) state;
	mkdir_in("etc");
	file_in("etc/passwd");
	mkdir_in("dir");
	mkdir_in("dir/sub");
	link_in("/etc/passwd", "lnk");
	link_in("dir", "dlnk");
	link_in("../../../../../etc", "up");
	link_in("/../../..", "toroot");
	link_in("c2", "c1");
	link_in("/dlnk/sub", "c2");
	link_in("../../etc/passwd", "dir/sub/deep");
	link_in("dir/sub", "sl");
	link_in("sl/../x", "sl2");
	link_in("/nowhere/x", "dangling");
	link_in("loop2", "loop1");
	link_in("loop1", "loop2");

	/* no links: the path cleaned */
	resolves("/etc/passwd", "etc/passwd");
	resolves("etc//./passwd/", "etc/passwd");
	resolves("/", "");
	resolves("", "");
	/* a final link, absolute or relative, is the file in the root */
	resolves("/lnk", "etc/passwd");
	resolves("/dlnk", "dir");
	resolves("/dlnk/sub", "dir/sub");
	/* ".." never leaves the root, in the path or in a link */
	resolves("/../../lnk", "etc/passwd");
	resolves("/up", "etc");
	resolves("/up/passwd", "etc/passwd");
	resolves("/toroot", "");
	/* chains, links below links, ".." after a link is taken where the link led */
	resolves("/c1", "dir/sub");
	resolves("/dir/sub/deep", "etc/passwd");
	resolves("/dlnk/sub/deep", "etc/passwd");
	resolves("/sl2", "dir/x");
	/* what does not exist is kept as it is */
	resolves("/dangling", "nowhere/x");
	resolves("/missing/y", "missing/y");
	/* errors */
	assert_int_equal(inroot_resolve(root_fd, "/loop1", &got), -ELOOP);
	assert_int_equal(inroot_resolve(root_fd, "/etc/passwd/x", &got), -ENOTDIR);
	assert_null(got);
}

static void test_clean(void **state)
{
	_cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;

	(void) state;
	assert_int_equal(inroot_clean("/a/./b/../c//", false, &a), 0);
	assert_string_equal(a, "a/c");
	assert_int_equal(inroot_clean("../../x", false, &b), 0);
	assert_string_equal(b, "x");
	assert_int_equal(inroot_clean("a/../../x", true, &c), -EBADMSG);
}

/*
 * openat2() fails with EAGAIN when a rename or mount anywhere on the system
 * races a ".." of the path (openat2(2): "the caller may choose to retry").
 * A build step's VOLUME through a "../log" symlink failed so in a loaded
 * make check, where the other pass renames records all the time.
 * inroot_open() retries: every open must succeed while a child renames.
 */
static void test_dotdot_while_renaming(void **state)
{
	pid_t pid;
	int status;

	(void) state;
	mkdir_in("dd");
	mkdir_in("dd/log");
	link_in("../dd/log", "dd/link");
	mkdir_in("spin");
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		for (;;) {
			(void) renameat(root_fd, "spin", root_fd, "spun");
			(void) renameat(root_fd, "spun", root_fd, "spin");
		}
	for (int i = 0; i < 20000; i++) {
		int fd = inroot_open(root_fd, "dd/link", O_RDONLY | O_DIRECTORY, 0);
		if (fd < 0)
			(void) kill(pid, SIGKILL);
		assert_true(fd >= 0);
		close(fd);
	}
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_dotdot_while_renaming),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
