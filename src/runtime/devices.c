/* SPDX-License-Identifier: MIT */
/*
 * Device cgroup rules: their syntax (the kernel's devices.allow), docker's
 * defaults (runc libcontainer/specconv AllowedDevices) and the cgroup v2
 * device program made from them (runc libcontainer/cgroups/devices/
 * devicefilter.go, crun src/libcrun/ebpf.c), assembled by hand and loaded
 * with the raw bpf() syscall: no libbpf. Where the rules are applied:
 * rt_cgroup_devices_create() in cgroup.c.
 */
#include <sys/syscall.h>
#include <linux/bpf.h>

#include "runtime/rt-internal.h"
#include "util/strbuf.h"

/* The kernel's device numbers: 12 bits of major, 20 of minor (MINORBITS). */
#define RT_DEV_MAJOR_MAX 4095
#define RT_DEV_MINOR_MAX 1048575

#define RULE(t, ma, mi)                                                                        \
	{                                                                                      \
		.type = (t), .major = (ma), .minor = (mi), .access = RT_DEV_RWM, .allow = true \
	}

static const struct rt_device_rule default_rules[] = {
	/* mknod of any device: opening one still needs a rule below */
	{.type = 'c', .major = -1, .minor = -1, .access = RT_DEV_MKNOD, .allow = true},
	{.type = 'b', .major = -1, .minor = -1, .access = RT_DEV_MKNOD, .allow = true},
	RULE('c', 1, 3),    /* /dev/null */
	RULE('c', 1, 8),    /* /dev/random */
	RULE('c', 1, 7),    /* /dev/full */
	RULE('c', 5, 0),    /* /dev/tty */
	RULE('c', 1, 5),    /* /dev/zero */
	RULE('c', 1, 9),    /* /dev/urandom */
	RULE('c', 136, -1), /* /dev/pts/N, and /dev/console, which is one of them */
	RULE('c', 5, 2),    /* /dev/ptmx */
	RULE('c', 10, 200), /* /dev/net/tun: docker has always allowed it */
};

const struct rt_device_rule *rt_device_rules_default(size_t *ret_n)
{
	*ret_n = ARRAY_SIZE(default_rules);
	return default_rules;
}

/*
 * A decimal device number up to @max, or "*" (-1), followed by @end; *@ret_next
 * is after @end. -ERANGE (with *@ret_next set) when only the value is too big.
 */
static int parse_number(const char *s, char end, int64_t max, int64_t *ret, const char **ret_next)
{
	int64_t v = 0;
	const char *p = s;

	if (*p == '*') {
		p++;
		v = -1;
	} else {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		for (; *p >= '0' && *p <= '9'; p++)
			if (v <= max)
				v = v * 10 + (*p - '0');
	}
	if (*p != end)
		return -EINVAL;
	*ret_next = p + 1;
	if (v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

int rt_device_rule_parse(const char *s, struct rt_device_rule *ret)
{
	static const struct rt_device_rule all = {
		.type = 'a', .major = -1, .minor = -1, .access = RT_DEV_RWM, .allow = true};
	struct rt_device_rule r = {.allow = true};
	const char *p;
	int e1, e2;

	if (!s)
		return -EINVAL;
	if (streq(s, "a")) {
		*ret = all;
		return 0;
	}
	if ((s[0] != 'a' && s[0] != 'b' && s[0] != 'c') || s[1] != ' ')
		return -EINVAL;
	r.type = s[0];
	e1 = parse_number(s + 2, ':', RT_DEV_MAJOR_MAX, &r.major, &p);
	if (e1 == -EINVAL)
		return e1;
	e2 = parse_number(p, ' ', RT_DEV_MINOR_MAX, &r.minor, &p);
	if (e2 == -EINVAL)
		return e2;
	if (!*p || strlen(p) > 3)
		return -EINVAL;
	for (; *p; p++) {
		unsigned bit = *p == 'r'   ? RT_DEV_READ
			       : *p == 'w' ? RT_DEV_WRITE
			       : *p == 'm' ? RT_DEV_MKNOD
					   : 0;
		if (!bit || (r.access & bit))
			return -EINVAL;
		r.access |= bit;
	}
	/* the syntax is right: now the range */
	if (e1 < 0 || e2 < 0)
		return -ERANGE;
	/* the kernel ignores the rest of an 'a' rule */
	*ret = r.type == 'a' ? all : r;
	return 0;
}

void rt_device_access_format(unsigned access, char buf[static 4])
{
	size_t n = 0;

	if (access & RT_DEV_READ)
		buf[n++] = 'r';
	if (access & RT_DEV_WRITE)
		buf[n++] = 'w';
	if (access & RT_DEV_MKNOD)
		buf[n++] = 'm';
	buf[n] = '\0';
}

char *rt_device_rule_format(const struct rt_device_rule *r)
{
	char ma[24] = "*", mi[24] = "*", acc[4];

	if (r->type == 'a')
		return xstrdup("a");
	if (r->major >= 0)
		snprintf(ma, sizeof(ma), "%lld", (long long) r->major);
	if (r->minor >= 0)
		snprintf(mi, sizeof(mi), "%lld", (long long) r->minor);
	rt_device_access_format(r->access, acc);
	return xasprintf("%c %s:%s %s", r->type, ma, mi, acc);
}

/* ---- the cgroup v2 device program ---- */

static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	return (struct bpf_insn){
		.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
}

static uint32_t bpf_access(unsigned access)
{
	return ((access & RT_DEV_READ) ? BPF_DEVCG_ACC_READ : 0) |
	       ((access & RT_DEV_WRITE) ? BPF_DEVCG_ACC_WRITE : 0) |
	       ((access & RT_DEV_MKNOD) ? BPF_DEVCG_ACC_MKNOD : 0);
}

int rt_devices_bpf_build(const struct rt_device_rule *rules, size_t n, struct bpf_insn **ret,
			 size_t *ret_n)
{
	/* prologue (6) + at most 9 per rule + epilogue (2) */
	struct bpf_insn *p = xmalloc((8 + 9 * n) * sizeof(*p));
	size_t k = 0, first = 0;
	bool dflt = true;

	for (size_t i = 0; i < n; i++) {
		if (rules[i].type != 'a' && rules[i].type != 'b' && rules[i].type != 'c') {
			free(p);
			return -EINVAL;
		}
		if (!(rules[i].access & RT_DEV_RWM)) {
			free(p);
			return -EINVAL;
		}
		if (rules[i].type == 'a') {
			first = i + 1;
			dflt = rules[i].allow;
		}
	}

	/* r2 = type, r3 = access, r4 = major, r5 = minor (struct bpf_cgroup_dev_ctx) */
	p[k++] = insn(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, 0, 0);
	p[k++] = insn(BPF_ALU | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xffff);
	p[k++] = insn(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_3, BPF_REG_1, 0, 0);
	p[k++] = insn(BPF_ALU | BPF_RSH | BPF_K, BPF_REG_3, 0, 0, 16);
	p[k++] = insn(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_4, BPF_REG_1, 4, 0);
	p[k++] = insn(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_5, BPF_REG_1, 8, 0);

	for (size_t i = n; i-- > first;) {
		const struct rt_device_rule *r = &rules[i];
		size_t jumps[4], nj = 0;
		uint32_t acc = bpf_access(r->access);

		jumps[nj++] = k;
		p[k++] = insn(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, 0,
			      r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
		if (r->major >= 0) {
			jumps[nj++] = k;
			p[k++] = insn(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_4, 0, 0,
				      (int32_t) r->major);
		}
		if (r->minor >= 0) {
			jumps[nj++] = k;
			p[k++] = insn(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_5, 0, 0,
				      (int32_t) r->minor);
		}
		if ((r->access & RT_DEV_RWM) != RT_DEV_RWM) {
			/* r1 = access & rule's; allow: all of it covered; deny: any of it */
			p[k++] = insn(BPF_ALU | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_3, 0, 0);
			p[k++] = insn(BPF_ALU | BPF_AND | BPF_K, BPF_REG_1, 0, 0, (int32_t) acc);
			jumps[nj++] = k;
			if (r->allow)
				p[k++] =
					insn(BPF_JMP | BPF_JNE | BPF_X, BPF_REG_1, BPF_REG_3, 0, 0);
			else
				p[k++] = insn(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_1, 0, 0, 0);
		}
		p[k++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, r->allow ? 1 : 0);
		p[k++] = insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
		/* a failed check skips to the next block */
		for (size_t j = 0; j < nj; j++)
			p[jumps[j]].off = (int16_t) (k - jumps[j] - 1);
	}
	p[k++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, dflt ? 1 : 0);
	p[k++] = insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	*ret = p;
	*ret_n = k;
	return 0;
}

int rt_devices_bpf_load(const struct bpf_insn *insns, size_t n, int *ret_fd, struct hull_err **err)
{
	char log[4096] = "";
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = (uint64_t) (uintptr_t) insns;
	attr.insn_cnt = (uint32_t) n;
	attr.license = (uint64_t) (uintptr_t) "MIT";
	fd = (int) syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	if (fd < 0 && errno == EINVAL) {
		/* again with the verifier's log, for the message */
		int saved = errno;
		attr.log_buf = (uint64_t) (uintptr_t) log;
		attr.log_size = sizeof(log);
		attr.log_level = 1;
		fd = (int) syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
		if (fd < 0) {
			size_t l = strlen(log);
			while (l && log[l - 1] == '\n')
				log[--l] = '\0';
			return err_setx(err, saved, "load the device program: %s",
					*log ? log : strerror(saved));
		}
	}
	if (fd < 0)
		return err_set(err, errno, "load the device program");
	/* bpf() makes its fds O_CLOEXEC (bpf_prog_new_fd) */
	*ret_fd = fd;
	return 0;
}
