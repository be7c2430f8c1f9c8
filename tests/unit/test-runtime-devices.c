/* SPDX-License-Identifier: MIT */
/*
 * Device cgroup rules: the parser, runc's defaults, the instructions of the
 * cgroup v2 device program; as root, the kernel's verifier loads it and a
 * process confined by rt_cgroup_devices_create() (v1 rules and the BPF
 * program, each alone) can open /dev/null's numbers but not /dev/mem's.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <linux/bpf.h>
#include <linux/magic.h>
#include <cmocka.h>

#include "runtime/rt-internal.h"
#include "util/fs.h"
#include "util/strv.h"

static void test_parse(void **state)
{
	struct rt_device_rule r;

	(void) state;
	assert_int_equal(rt_device_rule_parse("c 1:3 rwm", &r), 0);
	assert_int_equal(r.type, 'c');
	assert_int_equal(r.major, 1);
	assert_int_equal(r.minor, 3);
	assert_int_equal(r.access, RT_DEV_RWM);
	assert_true(r.allow);

	assert_int_equal(rt_device_rule_parse("b *:* m", &r), 0);
	assert_int_equal(r.type, 'b');
	assert_int_equal(r.major, -1);
	assert_int_equal(r.minor, -1);
	assert_int_equal(r.access, RT_DEV_MKNOD);

	assert_int_equal(rt_device_rule_parse("b 7:* wr", &r), 0);
	assert_int_equal(r.major, 7);
	assert_int_equal(r.minor, -1);
	assert_int_equal(r.access, RT_DEV_READ | RT_DEV_WRITE);

	assert_int_equal(rt_device_rule_parse("c 4095:1048575 r", &r), 0);
	assert_int_equal(r.major, 4095);
	assert_int_equal(r.minor, 1048575);

	/* 'a' is every device and access, whatever follows */
	assert_int_equal(rt_device_rule_parse("a", &r), 0);
	assert_int_equal(r.type, 'a');
	assert_int_equal(r.access, RT_DEV_RWM);
	assert_int_equal(rt_device_rule_parse("a 1:2 r", &r), 0);
	assert_int_equal(r.type, 'a');
	assert_int_equal(r.major, -1);
	assert_int_equal(r.access, RT_DEV_RWM);
}

static void test_parse_errors(void **state)
{
	static const char *const bad[] = {
		"",	    "x 1:3 rwm", "c",	      "c 1:3",	    "c 1:3 ",
		"c 1 3 r",  "c 1:3  r",	 "c 1:3 rr",  "c 1:3 rwmm", "c 1:3 x",
		"c -1:3 r", "c 1:-3 r",	 "c :3 r",    "c 1: r",	    " c 1:3 r",
		"c 1:3 r ", "C 1:3 r",	 "c 1:3:4 r", "c 4096:x r", "b 1:3 rwmr",
	};
	struct rt_device_rule r = {.type = 'z'};

	(void) state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		int e = rt_device_rule_parse(bad[i], &r);
		if (e != -EINVAL)
			fail_msg("'%s': %d, not -EINVAL", bad[i], e);
	}
	assert_int_equal(r.type, 'z'); /* untouched on failure */
	assert_int_equal(rt_device_rule_parse(NULL, &r), -EINVAL);
	assert_int_equal(rt_device_rule_parse("c 4096:0 r", &r), -ERANGE);
	assert_int_equal(rt_device_rule_parse("c 0:1048576 r", &r), -ERANGE);
	assert_int_equal(rt_device_rule_parse("b 99999999999999999999:1 r", &r), -ERANGE);
}

static void test_format(void **state)
{
	static const char *const texts[] = {"c 1:3 rwm", "b *:* m", "b 7:* r", "c 136:* rw", "a"};
	struct rt_device_rule r;

	(void) state;
	for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
		_cleanup_free_ char *t = NULL;
		assert_int_equal(rt_device_rule_parse(texts[i], &r), 0);
		t = rt_device_rule_format(&r);
		assert_string_equal(t, texts[i]);
	}
}

/* runc specconv AllowedDevices, in its order */
static void test_defaults(void **state)
{
	static const char *const want[] = {
		"c *:* m",   "b *:* m",	  "c 1:3 rwm",	 "c 1:8 rwm", "c 1:7 rwm",    "c 5:0 rwm",
		"c 1:5 rwm", "c 1:9 rwm", "c 136:* rwm", "c 5:2 rwm", "c 10:200 rwm",
	};
	size_t n;
	const struct rt_device_rule *d = rt_device_rules_default(&n);

	(void) state;
	assert_int_equal(n, ARRAY_SIZE(want));
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *t = rt_device_rule_format(&d[i]);
		assert_string_equal(t, want[i]);
		assert_true(d[i].allow);
	}
}

static const struct rt_device_rule deny_all = {'a', -1, -1, RT_DEV_RWM, false};

static void assert_insn(const struct bpf_insn *i, uint8_t code, uint8_t dst, uint8_t src,
			int16_t off, int32_t imm)
{
	assert_int_equal(i->code, code);
	assert_int_equal(i->dst_reg, dst);
	assert_int_equal(i->src_reg, src);
	assert_int_equal(i->off, off);
	assert_int_equal(i->imm, imm);
}

static void assert_prologue(const struct bpf_insn *p)
{
	assert_insn(&p[0], BPF_LDX | BPF_MEM | BPF_W, 2, 1, 0, 0);
	assert_insn(&p[1], BPF_ALU | BPF_AND | BPF_K, 2, 0, 0, 0xffff);
	assert_insn(&p[2], BPF_LDX | BPF_MEM | BPF_W, 3, 1, 0, 0);
	assert_insn(&p[3], BPF_ALU | BPF_RSH | BPF_K, 3, 0, 0, 16);
	assert_insn(&p[4], BPF_LDX | BPF_MEM | BPF_W, 4, 1, 4, 0);
	assert_insn(&p[5], BPF_LDX | BPF_MEM | BPF_W, 5, 1, 8, 0);
}

static void test_bpf_one_device(void **state)
{
	const struct rt_device_rule rules[] = {deny_all, {'c', 1, 3, RT_DEV_RWM, true}};
	_cleanup_free_ struct bpf_insn *p = NULL;
	size_t n;

	(void) state;
	assert_int_equal(rt_devices_bpf_build(rules, ARRAY_SIZE(rules), &p, &n), 0);
	assert_int_equal(n, 13);
	assert_prologue(p);
	/* type, major, minor: each mismatch jumps past the block's exit */
	assert_insn(&p[6], BPF_JMP | BPF_JNE | BPF_K, 2, 0, 4, BPF_DEVCG_DEV_CHAR);
	assert_insn(&p[7], BPF_JMP | BPF_JNE | BPF_K, 4, 0, 3, 1);
	assert_insn(&p[8], BPF_JMP | BPF_JNE | BPF_K, 5, 0, 2, 3);
	assert_insn(&p[9], BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1);
	assert_insn(&p[10], BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	/* the deny-all default */
	assert_insn(&p[11], BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
	assert_insn(&p[12], BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

static void test_bpf_access_and_order(void **state)
{
	/* the allow before the deny-all is dropped; the last rule is checked first */
	const struct rt_device_rule rules[] = {
		{'c', 1, 1, RT_DEV_RWM, true},
		deny_all,
		{'b', 7, -1, RT_DEV_READ, true},
		{'c', -1, -1, RT_DEV_MKNOD, true},
	};
	_cleanup_free_ struct bpf_insn *p = NULL;
	size_t n;

	(void) state;
	assert_int_equal(rt_devices_bpf_build(rules, ARRAY_SIZE(rules), &p, &n), 0);
	assert_int_equal(n, 6 + 6 + 7 + 2);
	assert_prologue(p);
	/* c *:* m: type, then access (r1 = r3 & MKNOD; all requested bits covered) */
	assert_insn(&p[6], BPF_JMP | BPF_JNE | BPF_K, 2, 0, 5, BPF_DEVCG_DEV_CHAR);
	assert_insn(&p[7], BPF_ALU | BPF_MOV | BPF_X, 1, 3, 0, 0);
	assert_insn(&p[8], BPF_ALU | BPF_AND | BPF_K, 1, 0, 0, BPF_DEVCG_ACC_MKNOD);
	assert_insn(&p[9], BPF_JMP | BPF_JNE | BPF_X, 1, 3, 2, 0);
	assert_insn(&p[10], BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1);
	assert_insn(&p[11], BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	/* b 7:* r */
	assert_insn(&p[12], BPF_JMP | BPF_JNE | BPF_K, 2, 0, 6, BPF_DEVCG_DEV_BLOCK);
	assert_insn(&p[13], BPF_JMP | BPF_JNE | BPF_K, 4, 0, 5, 7);
	assert_insn(&p[14], BPF_ALU | BPF_MOV | BPF_X, 1, 3, 0, 0);
	assert_insn(&p[15], BPF_ALU | BPF_AND | BPF_K, 1, 0, 0, BPF_DEVCG_ACC_READ);
	assert_insn(&p[16], BPF_JMP | BPF_JNE | BPF_X, 1, 3, 2, 0);
	assert_insn(&p[17], BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1);
	assert_insn(&p[18], BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	assert_insn(&p[19], BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
	assert_insn(&p[20], BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

static void test_bpf_deny_and_default(void **state)
{
	/* no 'a' rule: allow by default; a deny rule matches any of its access */
	const struct rt_device_rule rules[] = {{'c', 1, 3, RT_DEV_WRITE, false}};
	const struct rt_device_rule bad[] = {{'x', 1, 3, RT_DEV_RWM, true}};
	const struct rt_device_rule none[] = {{'c', 1, 3, 0, true}};
	_cleanup_free_ struct bpf_insn *p = NULL;
	struct bpf_insn *q = NULL;
	size_t n;

	(void) state;
	assert_int_equal(rt_devices_bpf_build(rules, ARRAY_SIZE(rules), &p, &n), 0);
	assert_int_equal(n, 6 + 8 + 2);
	assert_insn(&p[9], BPF_ALU | BPF_MOV | BPF_X, 1, 3, 0, 0);
	assert_insn(&p[10], BPF_ALU | BPF_AND | BPF_K, 1, 0, 0, BPF_DEVCG_ACC_WRITE);
	assert_insn(&p[11], BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 2, 0);
	assert_insn(&p[12], BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
	assert_insn(&p[14], BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1);
	assert_int_equal(rt_devices_bpf_build(bad, 1, &q, &n), -EINVAL);
	assert_int_equal(rt_devices_bpf_build(none, 1, &q, &n), -EINVAL);
	assert_null(q);
}

/* docker's full list: deny all + runc's defaults */
static void docker_rules(struct rt_device_rule **ret, size_t *ret_n)
{
	size_t n;
	const struct rt_device_rule *d = rt_device_rules_default(&n);
	struct rt_device_rule *r = xmalloc((n + 1) * sizeof(*r));

	r[0] = deny_all;
	memcpy(r + 1, d, n * sizeof(*d));
	*ret = r;
	*ret_n = n + 1;
}

static void test_bpf_verifier(void **state)
{
	_cleanup_free_ struct rt_device_rule *rules = NULL;
	_cleanup_free_ struct bpf_insn *p = NULL;
	struct hull_err *e = NULL;
	size_t n, np;
	int fd = -1;

	(void) state;
	if (geteuid() != 0)
		skip();
	docker_rules(&rules, &n);
	assert_int_equal(rt_devices_bpf_build(rules, n, &p, &np), 0);
	if (rt_devices_bpf_load(p, np, &fd, &e) < 0)
		fail_msg("%s", e->msg);
	assert_true(fd >= 0);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
}

/* In a child confined with @mode (v1 or bpf): can it open the nodes in @dir? */
static void confined_opens(const char *mode, const char *dir)
{
	_cleanup_free_ struct rt_device_rule *rules = NULL;
	_cleanup_free_ char *null = path_join(dir, "null"), *mem = path_join(dir, "mem");
	_cleanup_strv_ char **dirs = NULL;
	_cleanup_free_ char *name = xasprintf("unit-devices-%d-%s", (int) getpid(), mode);
	struct hull_err *e = NULL;
	int go[2], status;
	size_t n;
	pid_t pid;
	char c;

	docker_rules(&rules, &n);
	assert_int_equal(pipe2(go, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd;
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(10);
		fd = open(null, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			_exit(11);
		close(fd);
		fd = open(mem, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 || errno != EPERM)
			_exit(12);
		_exit(0);
	}
	close(go[0]);
	setenv("HULL_TEST_CGROUP_DEVICES", mode, 1);
	if (rt_cgroup_devices_create(name, pid, rules, n, &dirs, &e) < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		rt_cgroup_remove(dirs);
		fail_msg("%s: %s", mode, e->msg);
	}
	unsetenv("HULL_TEST_CGROUP_DEVICES");
	assert_int_equal(strv_length(dirs), 1);
	assert_int_equal(write(go[1], "g", 1), 1);
	close(go[1]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	rt_cgroup_remove(dirs);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("%s: child status %#x", mode, status);
	assert_int_equal(access(dirs[0], F_OK), -1);
}

static bool is_mount_of(const char *p, long magic)
{
	struct statfs sf;

	return statfs(p, &sf) == 0 && sf.f_type == (typeof(sf.f_type)) magic;
}

static void test_confined(void **state)
{
	char dir[] = "/dev/shm/hull-unit-devices-XXXXXX";
	_cleanup_free_ char *null = NULL, *mem = NULL;
	int fd;

	(void) state;
	if (geteuid() != 0 || !mkdtemp(dir))
		skip();
	null = path_join(dir, "null");
	mem = path_join(dir, "mem");
	assert_int_equal(mknod(null, S_IFCHR | 0666, makedev(1, 3)), 0);
	assert_int_equal(mknod(mem, S_IFCHR | 0600, makedev(1, 1)), 0);
	fd = open(null, O_RDWR | O_CLOEXEC);
	if (fd < 0) { /* a nodev mount: nothing to learn here */
		(void) rm_rf(dir, NULL);
		skip();
	}
	close(fd);
	if (is_mount_of("/sys/fs/cgroup/devices", CGROUP_SUPER_MAGIC))
		confined_opens("v1", dir);
	if (is_mount_of("/sys/fs/cgroup", CGROUP2_SUPER_MAGIC) ||
	    is_mount_of("/sys/fs/cgroup/unified", CGROUP2_SUPER_MAGIC))
		confined_opens("bpf", dir);
	(void) rm_rf(dir, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_bpf_one_device),
		cmocka_unit_test(test_bpf_access_and_order),
		cmocka_unit_test(test_bpf_deny_and_default),
		cmocka_unit_test(test_bpf_verifier),
		cmocka_unit_test(test_confined),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
