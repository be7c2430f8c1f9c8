/* SPDX-License-Identifier: MIT */
/*
 * Runs real containers on a tiny busybox rootfs (needs root, overlayfs and
 * /bin/busybox; skips with 77 otherwise).
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <cmocka.h>

#include "runtime/runtime.h"
#include "util/fs.h"

static char base[] = "/tmp/hull-rt-XXXXXX";
static char *lower;
static int counter;

static const char *const applets[] = {
	"sh",	"true",	   "false", "echo",  "id",	 "cat",	 "hostname",
	"ls",	"mkdir",   "touch", "grep",  "test",	 "stat", "pwd",
	"kill", "unshare", "mount", "sleep", "readlink",
};

struct run {
	int create_r;
	int start_r;
	int exit_code;
	char out[8192];
	char errout[8192];
	struct hull_err *err;
	char *upper;
	char *rootfs;
};

static void write_text(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t) strlen(text));
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
}

static int setup_rootfs(void **state)
{
	char *bin, *p;
	int in, out;
	char buf[65536];
	ssize_t n;

	(void) state;
	if (!mkdtemp(base))
		return -1;
	lower = xasprintf("%s/lower", base);
	bin = xasprintf("%s/bin", lower);
	if (mkdir_p(bin, 0755, NULL) < 0)
		return -1;
	p = xasprintf("%s/busybox", bin);
	in = open("/bin/busybox", O_RDONLY | O_CLOEXEC);
	out = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0755);
	if (in < 0 || out < 0)
		return -1;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t) n) != n)
			return -1;
	close(in);
	close(out);
	free(p);
	for (size_t i = 0; i < sizeof(applets) / sizeof(applets[0]); i++) {
		p = xasprintf("%s/%s", bin, applets[i]);
		if (symlink("busybox", p) < 0)
			return -1;
		free(p);
	}
	free(bin);
	p = xasprintf("%s/etc", lower);
	(void) mkdir(p, 0755);
	free(p);
	p = xasprintf("%s/notexec", lower);
	write_text(p, "hello\n", 0644);
	free(p);
	p = xasprintf("%s/script", lower);
	write_text(p, "echo no shebang\n", 0755);
	free(p);
	p = xasprintf("%s/badinterp", lower);
	write_text(p, "#!/nonexistent/sh\necho hi\n", 0755);
	free(p);
	p = xasprintf("%s/hosts", base);
	write_text(p, "127.0.0.1 localhost test-hosts-marker\n", 0644);
	free(p);
	return 0;
}

static int teardown_rootfs(void **state)
{
	(void) state;
	(void) rm_rf(base, NULL);
	free(lower);
	return 0;
}

static void read_all(int fd, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;

	while (len + 1 < size && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += (size_t) n;
	buf[len] = '\0';
}

/* Run @args; the config may be adjusted with @tweak. */
static struct run *run_full(char **args, void (*tweak)(struct rt_config *))
{
	struct run *r = calloc(1, sizeof(*r));
	char *lowers[] = {lower, NULL};
	char *env[] = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/", NULL};
	char *dir = xasprintf("%s/c%d", base, counter++);
	char *work = xasprintf("%s/work", dir);
	char *hosts = xasprintf("%s/hosts", base);
	/* docker's lists, as hull's run gives them (the runtime has no default) */
	static char *masked[] = {"/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware",
				 NULL};
	static char *readonly[] = {"/proc/bus", "/proc/sys", NULL};
	/* docker's default set, as hull's run gives it (the runtime has none of its own) */
	static const struct rt_capsets docker_caps = {.bounding = 0x00000000a80425fbULL,
						      .effective = 0x00000000a80425fbULL,
						      .permitted = 0x00000000a80425fbULL};
	struct rt_process *p = NULL;
	int outp[2], errp[2], st;
	struct rt_config c = {0};

	r->upper = xasprintf("%s/upper", dir);
	r->rootfs = xasprintf("%s/rootfs", dir);
	assert_int_equal(mkdir_p(r->upper, 0755, NULL), 0);
	assert_int_equal(mkdir_p(work, 0755, NULL), 0);
	assert_int_equal(mkdir_p(r->rootfs, 0755, NULL), 0);
	assert_int_equal(pipe2(outp, O_CLOEXEC), 0);
	assert_int_equal(pipe2(errp, O_CLOEXEC), 0);

	c.rootfs = r->rootfs;
	c.lowerdirs = lowers;
	c.upperdir = r->upper;
	c.workdir = work;
	c.args = args;
	c.env = env;
	c.cwd = "/";
	c.stdio[0] = -1;
	c.stdio[1] = outp[1];
	c.stdio[2] = errp[1];
	c.hostname = "testhost";
	c.new_netns = true;
	/* as hull's run gives /etc/hosts: a bind mount among the spec's mounts */
	struct rt_mount hosts_mount = {.type = "bind",
				       .source = hosts,
				       .target = "/etc/hosts",
				       .options = "rbind,rprivate"};
	c.mounts = &hosts_mount;
	c.n_mounts = 1;
	c.masked_paths = masked;
	c.readonly_paths = readonly;
	c.capsets = &docker_caps;
	if (tweak)
		tweak(&c);

	r->create_r = rt_create(&c, &p, &r->err);
	if (r->create_r == 0) {
		r->start_r = rt_start(p, &r->err);
		if (r->start_r == 0) {
			close(outp[1]);
			close(errp[1]);
			outp[1] = errp[1] = -1;
			read_all(outp[0], r->out, sizeof(r->out));
			read_all(errp[0], r->errout, sizeof(r->errout));
			assert_int_equal(waitpid(p->pid, &st, 0), p->pid);
			r->exit_code = rt_exit_code(st);
		}
		rt_process_free(p);
	}
	if (outp[1] >= 0)
		close(outp[1]);
	if (errp[1] >= 0)
		close(errp[1]);
	close(outp[0]);
	close(errp[0]);
	free(dir);
	free(work);
	free(hosts);
	return r;
}

static struct run *run_args(char **args)
{
	return run_full(args, NULL);
}

static void run_free(struct run *r)
{
	err_free(r->err);
	free(r->upper);
	free(r->rootfs);
	free(r);
}

static struct run *run_sh(const char *script)
{
	char *args[] = {"sh", "-c", (char *) script, NULL};
	struct run *r = run_args(args);

	if (r->create_r < 0 || r->start_r < 0)
		print_error("run failed: %s\n", r->err ? r->err->msg : "?");
	assert_int_equal(r->create_r, 0);
	assert_int_equal(r->start_r, 0);
	return r;
}

static int sh_code(const char *script)
{
	struct run *r = run_sh(script);
	int code = r->exit_code;

	run_free(r);
	return code;
}

static void test_exit_codes(void **state)
{
	(void) state;
	assert_int_equal(sh_code("true"), 0);
	assert_int_equal(sh_code("false"), 1);
	assert_int_equal(sh_code("exit 3"), 3);
	assert_int_equal(sh_code("exit 300"), 44);
	assert_int_equal(sh_code("kill -9 $$; sleep 1"), 0); /* PID 1 ignores its own SIGKILL */
	{
		char *args[] = {"true", NULL};
		struct run *r = run_args(args);
		assert_int_equal(r->create_r, 0);
		assert_int_equal(r->exit_code, 0);
		run_free(r);
	}
}

static void test_signal_death(void **state)
{
	char *args[] = {"sleep", "10", NULL};
	char *lowers[] = {lower, NULL};
	char *env[] = {"PATH=/bin", NULL};
	char *dir = xasprintf("%s/sig", base);
	char *up = xasprintf("%s/u", dir), *wk = xasprintf("%s/w", dir),
	     *rf = xasprintf("%s/r", dir);
	struct rt_config c = {.rootfs = rf,
			      .lowerdirs = lowers,
			      .upperdir = up,
			      .workdir = wk,
			      .args = args,
			      .env = env,
			      .cwd = "/",
			      .stdio = {-1, -1, -1}};
	struct rt_process *p = NULL;
	struct hull_err *e = NULL;
	int st;

	(void) state;
	assert_int_equal(mkdir_p(up, 0755, NULL), 0);
	assert_int_equal(mkdir_p(wk, 0755, NULL), 0);
	assert_int_equal(mkdir_p(rf, 0755, NULL), 0);
	assert_int_equal(rt_create(&c, &p, &e), 0);
	assert_int_equal(rt_start(p, &e), 0);
	/* PID 1 without a handler ignores SIGTERM even from outside; SIGKILL is forced. */
	assert_int_equal(kill(p->pid, SIGKILL), 0);
	assert_int_equal(waitpid(p->pid, &st, 0), p->pid);
	assert_int_equal(rt_exit_code(st), 137);
	rt_process_free(p);
	free(dir);
	free(up);
	free(wk);
	free(rf);
}

static void test_exit_code_fn(void **state)
{
	(void) state;
	assert_int_equal(rt_exit_code(0), 0);
	assert_int_equal(rt_exit_code(3 << 8), 3);
	assert_int_equal(rt_exit_code(SIGKILL), 137);
}

static void assert_out(const char *script, const char *expect)
{
	struct run *r = run_sh(script);

	if (!streq(r->out, expect))
		print_error("script %s: got '%s' (stderr '%s'), want '%s'\n", script, r->out,
			    r->errout, expect);
	assert_string_equal(r->out, expect);
	run_free(r);
}

static void test_namespaces(void **state)
{
	(void) state;
	assert_out("echo $$", "1\n");
	assert_out("hostname", "testhost\n");
	assert_out("test -r /proc/self/status && echo proc", "proc\n");
	assert_out("touch /sys/x 2>/dev/null || echo ro", "ro\n");
	/* /proc/kcore is masked too but absent from some kernels; /proc/keys is not. */
	assert_out("grep -c . /proc/keys; stat -c %t,%T /proc/keys", "0\n1,3\n");
	assert_out("test -e /proc/kcore && stat -c %t,%T /proc/kcore || echo 1,3", "1,3\n");
	assert_out("touch /proc/sys/kernel/x 2>/dev/null || echo ro", "ro\n");
	assert_out("ls /sys/firmware | grep -c .", "0\n");
	assert_out("grep -c marker /etc/hosts", "1\n");
	assert_out("ls -l /dev/null | grep -c '^crw-rw-rw-'", "1\n");
	assert_out("ls /dev/pts/ptmx /dev/shm /dev/mqueue >/dev/null && readlink /dev/ptmx && "
		   "readlink /dev/fd",
		   "pts/ptmx\n/proc/self/fd\n");
	assert_out("echo hi > /dev/shm/x && cat /dev/shm/x", "hi\n");
}

static void set_cwd(struct rt_config *c)
{
	c->cwd = "/new/work/dir";
}

static void test_cwd(void **state)
{
	char *args[] = {"pwd", NULL};
	struct run *r = run_full(args, set_cwd);

	(void) state;
	assert_int_equal(r->create_r, 0);
	assert_string_equal(r->out, "/new/work/dir\n");
	run_free(r);
}

static void set_user(struct rt_config *c)
{
	static gid_t groups[] = {44, 55};

	c->uid = 1000;
	c->gid = 1001;
	c->additional_gids = groups;
	c->n_additional_gids = 2;
}

static void test_user(void **state)
{
	char *args[] = {"sh", "-c",
			"id -u; id -g; id -G; grep -E '^Cap(Eff|Prm)' /proc/self/status", NULL};
	struct run *r = run_full(args, set_user);

	(void) state;
	assert_int_equal(r->create_r, 0);
	assert_string_equal(r->out, "1000\n1001\n1001 44 55\nCapPrm:\t0000000000000000\n"
				    "CapEff:\t0000000000000000\n");
	run_free(r);
}

/* A filter that refuses mkdir and mkdirat (ENOSYS) and unshare (EPERM) and allows the rest. */
static struct rt_bpf *test_bpf;
#define TEST_CAPS (0x00000000a80425fbULL | (1ULL << 21)) /* + CAP_SYS_ADMIN */
static const struct rt_capsets test_caps = {
	.bounding = TEST_CAPS, .effective = TEST_CAPS, .permitted = TEST_CAPS};

static void set_confined(struct rt_config *c)
{
	c->seccomp = test_bpf;
	c->capsets = &test_caps;
	c->no_new_privs = true;
}

static void set_no_caps(struct rt_config *c)
{
	c->capsets = NULL;
}

static void test_caps_seccomp(void **state)
{
	json_t *oci;
	struct hull_err *e = NULL;
	struct run *r;
	char *sh[] = {"sh", "-c",
		      "grep -E '^(CapEff|Seccomp:|NoNewPrivs)' /proc/self/status; mkdir /x || "
		      "true; unshare -U true || true",
		      NULL};

	(void) state;
	/* docker's set (the base config's), no filter */
	assert_out("grep -E '^(Cap|Seccomp:|NoNewPrivs)' /proc/self/status",
		   "CapInh:\t0000000000000000\nCapPrm:\t00000000a80425fb\n"
		   "CapEff:\t00000000a80425fb\nCapBnd:\t00000000a80425fb\n"
		   "CapAmb:\t0000000000000000\nNoNewPrivs:\t0\nSeccomp:\t0\n");
	/* no sets given: none at all (the runtime has no default of its own) */
	{
		char *caps_args[] = {"grep", "-E", "^Cap(Prm|Eff|Bnd)", "/proc/self/status", NULL};
		struct run *none = run_full(caps_args, set_no_caps);

		assert_int_equal(none->create_r, 0);
		assert_string_equal(none->out, "CapPrm:\t0000000000000000\n"
					       "CapEff:\t0000000000000000\n"
					       "CapBnd:\t0000000000000000\n");
		run_free(none);
	}
	/* CAP_SYS_ADMIN is gone: mounts fail */
	assert_out("mount -t tmpfs t /dev/shm 2>&1 | grep -c 'permission denied'", "1\n");

	oci = json_pack("{s:s,s:[s,s,s],s:[{s:[s,s],s:s,s:i},{s:[s],s:s}]}", "defaultAction",
			"SCMP_ACT_ALLOW", "architectures", "SCMP_ARCH_X86_64", "SCMP_ARCH_X86",
			"SCMP_ARCH_X32", "syscalls", "names", "mkdir", "mkdirat", "action",
			"SCMP_ACT_ERRNO", "errnoRet", 38, "names", "unshare", "action",
			"SCMP_ACT_ERRNO");
	assert_int_equal(rt_seccomp_compile(oci, &test_bpf, &e), 0);
	json_decref(oci);
	r = run_full(sh, set_confined);
	assert_int_equal(r->create_r, 0);
	assert_int_equal(r->start_r, 0);
	if (!strstr(r->out, "CapEff:\t00000000a82425fb\nNoNewPrivs:\t1\nSeccomp:\t2\n") ||
	    !strstr(r->errout, "Function not implemented") ||
	    !strstr(r->errout, "Operation not permitted"))
		print_error("got '%s' (stderr '%s')\n", r->out, r->errout);
	assert_non_null(strstr(r->out, "CapEff:\t00000000a82425fb\nNoNewPrivs:\t1\nSeccomp:\t2\n"));
	assert_non_null(strstr(r->errout, "Function not implemented"));
	assert_non_null(strstr(r->errout, "Operation not permitted"));
	run_free(r);
	test_bpf = rt_bpf_free(test_bpf);
}

static void test_seccomp_compile_errors(void **state)
{
	static const char *const bad[][2] = {
		{"{\"defaultAction\":\"SCMP_ACT_NOPE\"}",
		 "seccomp: unsupported default action 'SCMP_ACT_NOPE'"},
		{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
		 "\"action\":\"SCMP_ACT_NOTIFY\"}]}",
		 "seccomp: unsupported action 'SCMP_ACT_NOTIFY'"},
		{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
		 "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":7,\"value\":1,\"op\":\"SCMP_"
		 "CMP_EQ\"}]}]}",
		 "seccomp: bad argument condition 0 of 'read'"},
		{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
		 "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,\"value\":1,\"op\":\"SCMP_"
		 "CMP_ISH\"}]}]}",
		 "seccomp: bad argument condition 0 of 'read'"},
	};

	(void) state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *j = json_loads(bad[i][0], 0, NULL);
		struct rt_bpf *b = NULL;
		struct hull_err *e = NULL;

		assert_non_null(j);
		assert_int_equal(rt_seccomp_compile(j, &b, &e), -EINVAL);
		assert_null(b);
		assert_string_equal(e->msg, bad[i][1]);
		err_free(e);
		json_decref(j);
	}
	/* two conditions on one argument: one rule each (runc); unknown names skipped */
	{
		json_t *j = json_loads("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{"
				       "\"names\":[\"personality\","
				       "\"no_such_call\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{"
				       "\"index\":0,\"value\":0,"
				       "\"op\":\"SCMP_CMP_EQ\"},{\"index\":0,\"value\":8,\"op\":"
				       "\"SCMP_CMP_EQ\"}]}]}",
				       0, NULL);
		struct rt_bpf *b = NULL;
		struct hull_err *e = NULL;

		assert_int_equal(rt_seccomp_compile(j, &b, &e), 0);
		assert_non_null(b);
		assert_true(b->len > 4);
		rt_bpf_free(b);
		json_decref(j);
	}
}

static void assert_fail(char *name, int code, const char *msg)
{
	char *args[] = {name, NULL};
	struct run *r = run_args(args);
	int rc = r->create_r < 0 ? r->create_r : r->start_r;

	assert_true(rc < 0);
	assert_non_null(r->err);
	if (!streq(r->err->msg, msg))
		print_error("got '%s', want '%s'\n", r->err->msg, msg);
	assert_string_equal(r->err->msg, msg);
	assert_int_equal(r->err->exit_code, code);
	run_free(r);
}

static void test_lookup_errors(void **state)
{
	(void) state;
	assert_fail("nonexist", 127, "exec: \"nonexist\": executable file not found in $PATH");
	assert_fail("", 127, "exec: \"\": executable file not found in $PATH");
	assert_fail("/x", 127, "exec: \"/x\": stat /x: no such file or directory");
	assert_fail("/notexec/x", 127, "exec: \"/notexec/x\": stat /notexec/x: not a directory");
	assert_fail("/etc", 126, "exec: \"/etc\": permission denied");
	assert_fail("/notexec", 126, "exec: \"/notexec\": permission denied");
}

static void test_exec_errors(void **state)
{
	char *a1[] = {"/script", NULL};
	char *a2[] = {"/badinterp", NULL};
	struct run *r;

	(void) state;
	r = run_args(a1);
	assert_int_equal(r->create_r, 0);
	assert_int_equal(r->start_r, 0);
	assert_int_equal(r->exit_code, 1);
	assert_string_equal(r->errout, "exec /script: exec format error\n");
	run_free(r);
	r = run_args(a2);
	assert_int_equal(r->start_r, 0);
	assert_int_equal(r->exit_code, 1);
	assert_string_equal(r->errout, "exec /badinterp: no such file or directory\n");
	run_free(r);
}

static void test_overlay(void **state)
{
	struct run *r = run_sh("echo data > /newfile && rm /notexec && echo ok");
	char *p;
	struct stat st;
	FILE *f;
	char line[4096];
	bool mounted = false;

	(void) state;
	assert_string_equal(r->out, "ok\n");
	p = xasprintf("%s/newfile", r->upper);
	assert_int_equal(stat(p, &st), 0);
	free(p);
	p = xasprintf("%s/newfile", lower);
	assert_int_equal(stat(p, &st), -1);
	free(p);
	p = xasprintf("%s/notexec", lower);
	assert_int_equal(stat(p, &st), 0);
	free(p);
	/* Nothing of the container is left mounted on the host. */
	f = fopen("/proc/self/mountinfo", "re");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, base))
			mounted = true;
	fclose(f);
	assert_false(mounted);
	run_free(r);
}

static void set_ro(struct rt_config *c)
{
	c->readonly_rootfs = true;
}

static void test_readonly(void **state)
{
	char *args[] = {"sh", "-c", "touch /x 2>/dev/null || echo ro; touch /dev/shm/y && echo shm",
			NULL};
	struct run *r = run_full(args, set_ro);

	(void) state;
	assert_int_equal(r->create_r, 0);
	assert_string_equal(r->out, "ro\nshm\n");
	run_free(r);
}

/* The caller's mask and ignored signals neither change nor reach the container. */
static void test_signal_state(void **state)
{
	char *args[] = {"grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status", NULL};
	struct sigaction ign = {.sa_handler = SIG_IGN}, old, now;
	sigset_t set, before, after;
	struct run *r;

	(void) state;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	assert_int_equal(sigprocmask(SIG_BLOCK, &set, &before), 0);
	assert_int_equal(sigaction(SIGINT, &ign, &old), 0);
	r = run_full(args, NULL);
	assert_int_equal(r->create_r, 0);
	assert_string_equal(r->out, "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
	assert_int_equal(sigprocmask(SIG_SETMASK, NULL, &after), 0);
	assert_true(sigismember(&after, SIGUSR2));
	assert_int_equal(sigaction(SIGINT, &old, &now), 0);
	assert_true(now.sa_handler == SIG_IGN);
	assert_int_equal(sigprocmask(SIG_SETMASK, &before, NULL), 0);
	run_free(r);
}

static int pty_slave = -1;

static void set_tty(struct rt_config *c)
{
	c->terminal = true;
	c->stdio[0] = c->stdio[1] = c->stdio[2] = pty_slave;
}

static void test_terminal(void **state)
{
	char *args[] = {"sh", "-c",
			"test -t 0 && test -t 1 && echo tty; ps -o pid,tty 2>/dev/null; "
			"stat -c %F /dev/console",
			NULL};
	char buf[4096];
	size_t len = 0;
	ssize_t n;
	int master;
	struct run *r;

	(void) state;
	master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(master >= 0);
	assert_int_equal(grantpt(master), 0);
	assert_int_equal(unlockpt(master), 0);
	pty_slave = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(pty_slave >= 0);
	r = run_full(args, set_tty);
	assert_int_equal(r->create_r, 0);
	close(pty_slave);
	while (len + 1 < sizeof(buf) && (n = read(master, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t) n;
	buf[len] = '\0';
	close(master);
	if (!strstr(buf, "tty\r\n") || !strstr(buf, "character special file"))
		print_error("pty output: '%s'\n", buf);
	assert_non_null(strstr(buf, "tty\r\n"));
	assert_non_null(strstr(buf, "character special file"));
	assert_int_equal(r->exit_code, 0);
	run_free(r);
}

static char **many_lowers;

static void set_many_lowers(struct rt_config *c)
{
	c->lowerdirs = many_lowers;
}

/* 120 layers with docker-length names do not fit in one page of mount options. */
static void test_many_layers(void **state)
{
	char *args[] = {"sh", "-c", "cat /layer-7 /layer-0", NULL};
	const int n = 120;
	struct run *r;

	(void) state;
	many_lowers = calloc((size_t) n + 2, sizeof(char *));
	for (int i = 0; i < n; i++) {
		char *f;

		many_lowers[i] = xasprintf("%s/layers/%064d/diff", base, i);
		assert_int_equal(mkdir_p(many_lowers[i], 0755, NULL), 0);
		f = xasprintf("%s/layer-%d", many_lowers[i], i % 10);
		write_text(f, i % 10 == i ? "top\n" : "lower\n", 0644);
		free(f);
	}
	many_lowers[n] = lower;
	r = run_full(args, set_many_lowers);
	if (r->create_r < 0)
		print_error("%s\n", r->err->msg);
	assert_int_equal(r->create_r, 0);
	assert_string_equal(r->out, "top\ntop\n");
	run_free(r);
	for (int i = 0; i < n; i++)
		free(many_lowers[i]);
	free(many_lowers);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_code_fn),  cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_signal_death),  cmocka_unit_test(test_namespaces),
		cmocka_unit_test(test_cwd),	      cmocka_unit_test(test_user),
		cmocka_unit_test(test_caps_seccomp),  cmocka_unit_test(test_seccomp_compile_errors),
		cmocka_unit_test(test_lookup_errors), cmocka_unit_test(test_exec_errors),
		cmocka_unit_test(test_overlay),	      cmocka_unit_test(test_readonly),
		cmocka_unit_test(test_many_layers),   cmocka_unit_test(test_terminal),
		cmocka_unit_test(test_signal_state),
	};

	if (geteuid() != 0 || access("/bin/busybox", X_OK) < 0)
		return 77;
	return cmocka_run_group_tests(tests, setup_rootfs, teardown_rootfs);
}
