/* SPDX-License-Identifier: MIT */
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include "build/mountns.h"
#include "runtime/runtime.h"
#include "util/fs.h"
#include "util/strbuf.h"
#include "util/strv.h"

int build_mountns_run(int (*fn)(void *arg, struct hull_err **err), void *arg, struct hull_err **err)
{
	_cleanup_strbuf_ struct strbuf msg = STRBUF_INIT;
	int p[2], status = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return err_set(err, errno, "create pipe");
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return err_set(err, errno, "fork");
	}
	if (pid == 0) {
		struct hull_err *e = NULL;
		int r;

		close(p[0]);
		if (unshare(CLONE_NEWNS) < 0)
			r = err_set(&e, errno, "create a mount namespace");
		else if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			r = err_set(&e, errno, "make mounts private");
		else
			r = fn(arg, &e);
		if (r < 0) {
			char *m = xasprintf("%d\n%s", -r, e ? e->msg : "failed");
			(void) write_all(p[1], m, strlen(m));
			_exit(1);
		}
		_exit(0);
	}
	close(p[1]);
	for (;;) {
		char buf[1024];
		ssize_t n = read(p[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		(void) strbuf_add(&msg, buf, (size_t) n);
	}
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return err_set(err, errno, "wait for the copy process");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (msg.len) {
		char *nl = strchr(msg.buf, '\n');
		int e = (int) strtol(msg.buf, NULL, 10);
		return err_setx(err, e > 0 ? e : EIO, "%s", nl ? nl + 1 : msg.buf);
	}
	return err_setx(err, EIO, "the copy process died (status %d)", status);
}

int build_mount_layers(char *const *lowerdirs, const char *upper, const char *work,
		       const char *target, const char *empty, struct hull_err **err)
{
	_cleanup_strv_ char **lower = strv_copy(lowerdirs);
	struct rt_config c = {0};

	if (!lower || !lower[0]) {
		strv_free(lower);
		lower = NULL;
		strv_push(&lower, empty);
	}
	c.lowerdirs = lower;
	c.upperdir = (char *) upper;
	c.workdir = (char *) work;
	c.rootfs = (char *) target;
	return rt_overlay_mount(&c, err);
}
