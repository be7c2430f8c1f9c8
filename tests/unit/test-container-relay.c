/* SPDX-License-Identifier: MIT */
/*
 * The detach-key matcher shared by attach and exec -it (relay.c
 * detach_keys_filter(), moby/term escapeProxy): held-back prefixes, a broken
 * sequence flushed, a match across reads, and the pipe relay of relay_run():
 * stdout and stderr apart, stdin closed at EOF, the exit code.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "container/container.h"
#include "container/relay.h"
#include "util/fs.h"

static const char keys[] = {0x10, 0x11}; /* ctrl-p ctrl-q */

static bool feed(size_t *matched, const char *in, size_t len, char *out, size_t *olen)
{
	return detach_keys_filter(keys, sizeof(keys), matched, in, len, out, olen);
}

static void test_filter(void **state)
{
	char out[64];
	size_t m = 0, n = 0;

	(void) state;
	assert_false(feed(&m, "abc", 3, out, &n));
	assert_int_equal(n, 3);
	assert_memory_equal(out, "abc", 3);
	/* ctrl-p held back, then flushed by a plain key */
	assert_false(feed(&m, "x\x10", 2, out, &n));
	assert_int_equal(n, 1);
	assert_int_equal(m, 1);
	assert_false(feed(&m, "y", 1, out, &n));
	assert_int_equal(n, 2);
	assert_memory_equal(out, "\x10y", 2);
	/* ctrl-p ctrl-p ctrl-q: the first is passed on, the pair detaches */
	m = 0;
	assert_true(feed(&m, "\x10\x10\x11", 3, out, &n));
	assert_int_equal(n, 1);
	assert_int_equal(out[0], 0x10);
	/* across two reads */
	m = 0;
	assert_false(feed(&m, "a\x10", 2, out, &n));
	assert_true(feed(&m, "\x11z", 2, out, &n));
	assert_int_equal(n, 0);
	/* the parser gives these bytes */
	{
		char *k = NULL;
		size_t kn = 0;
		assert_int_equal(detach_keys_parse(NULL, &k, &kn), 0);
		assert_int_equal(kn, 2);
		assert_memory_equal(k, keys, 2);
		free(k);
	}
}

/* relay_run() over pipes: what exec does without -t. */
static void test_relay_pipes(void **state)
{
	int in[2], out[2], err[2], got_out[2], got_err[2], src[2];
	struct relay r;
	sigset_t mask, old;
	char buf[64];
	ssize_t n;
	pid_t pid;
	int sfd, code;

	(void) state;
	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	assert_int_equal(pipe2(err, O_CLOEXEC), 0);
	assert_int_equal(pipe2(got_out, O_CLOEXEC), 0);
	assert_int_equal(pipe2(got_err, O_CLOEXEC), 0);
	assert_int_equal(pipe2(src, O_CLOEXEC), 0);
	relay_sigmask(&mask);
	sigprocmask(SIG_BLOCK, &mask, &old);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* cat stdin to stdout, then "e" on stderr, exit 7 */
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		close(in[1]); /* a fork keeps every fd: these would hold off the EOFs */
		close(src[1]);
		while ((n = read(0, buf, sizeof(buf))) > 0)
			(void) write_all(1, buf, (size_t) n);
		(void) write_all(2, "e", 1);
		_exit(7);
	}
	close(in[0]);
	close(out[1]);
	close(err[1]);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	assert_true(sfd >= 0);
	relay_init(&r, -1);
	r.pid = pid;
	r.in_src = src[0];
	r.in_dst = in[1];
	r.st[0].fd = out[0];
	r.st[0].out_fd = got_out[1];
	r.st[1].fd = err[0];
	r.st[1].out_fd = got_err[1];
	assert_int_equal(write_all(src[1], "hello", 5), 0);
	close(src[1]); /* EOF: the relay closes the child's stdin, so it ends */
	code = relay_run(&r, sfd);
	assert_int_equal(code, 7);
	assert_false(r.detached);
	assert_int_equal(r.in_dst, -1);
	close(got_out[1]);
	close(got_err[1]);
	n = read(got_out[0], buf, sizeof(buf));
	assert_int_equal(n, 5);
	assert_memory_equal(buf, "hello", 5);
	n = read(got_err[0], buf, sizeof(buf));
	assert_int_equal(n, 1);
	assert_int_equal(buf[0], 'e');
	close(sfd);
	close(src[0]);
	close(got_out[0]);
	close(got_err[0]);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_relay_pipes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
