/* SPDX-License-Identifier: MIT */
/*
 * OCI linux.seccomp -> a classic BPF program, with libseccomp, the way runc
 * does it (libcontainer/seccomp/seccomp_linux.go InitSeccomp): the default
 * action, the architectures, and per syscall block an action (with errnoRet)
 * and argument conditions. Compiling is done once by the caller, before the
 * clone; the child only hands the finished program to the kernel.
 */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "runtime/rt-internal.h"
#include "util/json.h"

/* An action name and its errno/trace value -> libseccomp's action. */
static int action_parse(const char *name, json_t *ret, uint32_t *act)
{
	int e = json_is_integer(ret) ? (int) json_integer_value(ret) : -1;

	if (!name)
		return -EINVAL;
	if (streq(name, "SCMP_ACT_ALLOW"))
		*act = SCMP_ACT_ALLOW;
	else if (streq(name, "SCMP_ACT_ERRNO"))
		*act = SCMP_ACT_ERRNO(e >= 0 ? (uint16_t) e : EPERM);
	else if (streq(name, "SCMP_ACT_KILL") || streq(name, "SCMP_ACT_KILL_THREAD"))
		*act = SCMP_ACT_KILL;
	else if (streq(name, "SCMP_ACT_KILL_PROCESS"))
		*act = SCMP_ACT_KILL_PROCESS;
	else if (streq(name, "SCMP_ACT_TRAP"))
		*act = SCMP_ACT_TRAP;
	else if (streq(name, "SCMP_ACT_TRACE"))
		*act = SCMP_ACT_TRACE(e >= 0 ? (uint16_t) e : EPERM);
	else if (streq(name, "SCMP_ACT_LOG"))
		*act = SCMP_ACT_LOG;
	else
		return -EINVAL; /* SCMP_ACT_NOTIFY needs a listener hull does not have */
	return 0;
}

static int op_parse(const char *name, enum scmp_compare *op)
{
	static const struct {
		const char *name;
		enum scmp_compare op;
	} ops[] = {
		{"SCMP_CMP_NE", SCMP_CMP_NE},
		{"SCMP_CMP_LT", SCMP_CMP_LT},
		{"SCMP_CMP_LE", SCMP_CMP_LE},
		{"SCMP_CMP_EQ", SCMP_CMP_EQ},
		{"SCMP_CMP_GE", SCMP_CMP_GE},
		{"SCMP_CMP_GT", SCMP_CMP_GT},
		{"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
	};

	for (size_t i = 0; name && i < ARRAY_SIZE(ops); i++)
		if (streq(name, ops[i].name)) {
			*op = ops[i].op;
			return 0;
		}
	return -EINVAL;
}

static int arch_parse(const char *name, uint32_t *arch)
{
	static const struct {
		const char *name;
		uint32_t arch;
	} arches[] = {
		{"SCMP_ARCH_X86", SCMP_ARCH_X86},	  {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
		{"SCMP_ARCH_X32", SCMP_ARCH_X32},	  {"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
		{"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64}, {"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},
		{"SCMP_ARCH_S390X", SCMP_ARCH_S390X},	  {"SCMP_ARCH_S390", SCMP_ARCH_S390},
	};

	for (size_t i = 0; name && i < ARRAY_SIZE(arches); i++)
		if (streq(name, arches[i].name)) {
			*arch = arches[i].arch;
			return 0;
		}
	return -EINVAL;
}

/* One block of the "syscalls" list: every name it lists, with its action and conditions. */
static int block_add(scmp_filter_ctx ctx, uint32_t def, json_t *blk, struct hull_err **err)
{
	struct scmp_arg_cmp cond[6];
	unsigned counts[6] = {0};
	bool same_index = false;
	json_t *args = json_object_get(blk, "args"), *names = json_object_get(blk, "names"), *v;
	const char *aname = json_get_str(blk, "action"), *first;
	uint32_t act;
	size_t n = 0, i;

	if (action_parse(aname, json_object_get(blk, "errnoRet"), &act) < 0)
		return err_setx(err, EINVAL, "seccomp: unsupported action '%s'",
				aname ? aname : "(none)");
	if (!json_is_array(names) && json_is_string(json_object_get(blk, "name")))
		names = json_object_get(blk, "name"); /* docker's old format: one name */
	first = json_is_string(names) ? json_string_value(names)
				      : json_string_value(json_array_get(names, 0));
	if (!first)
		first = "(no name)";
	json_array_foreach (args, i, v) {
		enum scmp_compare op;
		json_int_t idx = json_integer_value(json_object_get(v, "index"));

		if (n == ARRAY_SIZE(cond) || idx < 0 || idx > 5 ||
		    op_parse(json_get_str(v, "op"), &op) < 0)
			return err_setx(err, EINVAL, "seccomp: bad argument condition %zu of '%s'",
					i, first);
		cond[n].arg = (unsigned) idx;
		cond[n].op = op;
		cond[n].datum_a = (scmp_datum_t) json_integer_value(json_object_get(v, "value"));
		cond[n].datum_b = (scmp_datum_t) json_integer_value(json_object_get(v, "valueTwo"));
		if (++counts[idx] > 1)
			same_index = true;
		n++;
	}
	/* a rule with the default action is refused by libseccomp and changes nothing */
	if (act == def)
		return 0;
	for (size_t k = 0; k < (json_is_array(names) ? json_array_size(names) : 1); k++) {
		const char *name = json_is_array(names)
					   ? json_string_value(json_array_get(names, k))
					   : json_string_value(names);
		int nr = name ? seccomp_syscall_resolve_name(name) : __NR_SCMP_ERROR;
		int r = 0;

		if (nr == __NR_SCMP_ERROR)
			continue; /* unknown to this libseccomp: runc skips it too */
		if (!same_index) {
			r = seccomp_rule_add_array(ctx, act, nr, (unsigned) n, n ? cond : NULL);
		} else {
			/* libseccomp cannot test one argument twice in a rule: one rule each (runc)
			 */
			for (size_t c = 0; c < n && r >= 0; c++)
				r = seccomp_rule_add_array(ctx, act, nr, 1, &cond[c]);
		}
		if (r < 0)
			return err_set(err, -r, "seccomp: add rule for '%s'", name);
	}
	return 0;
}

/* The audit architecture a libseccomp token stands for (x32 runs as x86_64, nr | 0x40000000). */
static uint32_t audit_arch(uint32_t token)
{
	return token == SCMP_ARCH_X32 ? SCMP_ARCH_X86_64 : token;
}

#define X32_SYSCALL_BIT 0x40000000U

/*
 * runc's ENOSYS stub (libcontainer/seccomp/patchbpf): a syscall newer than
 * every syscall the profile names, for its architecture, answers ENOSYS
 * instead of the default action, so that libc falls back to an older call
 * (glibc's fchmodat2 -> fchmodat, clone3 -> clone) where EPERM would fail the
 * program. Prepended to @b: for each architecture, load the number and jump to
 * "return ENOSYS" when it is above the largest named one; then the program.
 */
static int enosys_stub(const json_t *oci, uint32_t native, struct rt_bpf *b)
{
	struct {
		uint32_t audit;
		uint32_t max, max_x32;
		bool x32;
	} a[8];
	size_t n = 0, i, k;
	struct sock_filter stub[8 * 6 + 2];
	size_t len = 0;
	json_t *v, *blk, *name;
	uint32_t tokens[8];
	size_t nt = 0;

	json_array_foreach (json_object_get(oci, "architectures"), i, v) {
		uint32_t t;
		if (nt < ARRAY_SIZE(tokens) && arch_parse(json_string_value(v), &t) == 0)
			tokens[nt++] = t;
	}
	if (nt == 0)
		tokens[nt++] = native;
	for (i = 0; i < nt; i++) {
		uint32_t au = audit_arch(tokens[i]), max = 0;
		size_t j;

		json_array_foreach (json_object_get(oci, "syscalls"), j, blk)
			json_array_foreach (json_object_get(blk, "names"), k, name) {
				int nr = seccomp_syscall_resolve_name_arch(
					tokens[i], json_string_value(name) ?: "");
				if (nr >= 0 && (uint32_t) nr > max)
					max = (uint32_t) nr;
			}
		if (max == 0)
			continue;
		for (k = 0; k < n && a[k].audit != au; k++)
			;
		if (k == n) {
			if (n == ARRAY_SIZE(a))
				continue;
			a[n++] = (typeof(a[0])){.audit = au};
		}
		if (tokens[i] == SCMP_ARCH_X32) {
			a[k].x32 = true;
			a[k].max_x32 = max;
		} else {
			a[k].max = max;
		}
	}
	if (n == 0)
		return 0;
	/* index of "return ENOSYS": after every entry and one "skip it" jump */
	{
		size_t total = 0, enosys, pos = 0;
		for (k = 0; k < n; k++)
			total += 4 + (a[k].x32 ? 2 : 0);
		enosys = total + 1;
		for (k = 0; k < n; k++) {
			size_t body = 1 + (a[k].x32 ? 2 : 0) + 1, orig = enosys + 1;
			stub[pos] = (struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 4);
			pos++;
			stub[pos] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
								  a[k].audit, 0, (uint8_t) body);
			pos++;
			stub[pos] = (struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0);
			pos++;
			if (a[k].x32) {
				/* x32 numbers carry the bit: compare them with x32's own maximum */
				stub[pos] = (struct sock_filter) BPF_JUMP(
					BPF_JMP | BPF_JSET | BPF_K, X32_SYSCALL_BIT, 1, 0);
				pos++;
				stub[pos] = (struct sock_filter) BPF_JUMP(
					BPF_JMP | BPF_JGT | BPF_K, a[k].max ? a[k].max : ~0U,
					(uint8_t) (enosys - pos - 1), (uint8_t) (orig - pos - 1));
				pos++;
				stub[pos] = (struct sock_filter) BPF_JUMP(
					BPF_JMP | BPF_JGT | BPF_K, a[k].max_x32,
					(uint8_t) (enosys - pos - 1), (uint8_t) (orig - pos - 1));
				pos++;
			} else {
				stub[pos] = (struct sock_filter) BPF_JUMP(
					BPF_JMP | BPF_JGT | BPF_K, a[k].max,
					(uint8_t) (enosys - pos - 1), (uint8_t) (orig - pos - 1));
				pos++;
			}
		}
		stub[pos] = (struct sock_filter) BPF_STMT(BPF_JMP | BPF_JA, 1);
		pos++;
		stub[pos] = (struct sock_filter) BPF_STMT(
			BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA));
		pos++;
		len = pos;
	}
	if (b->len + len > BPF_MAXINSNS)
		return -E2BIG;
	b->insns = xrealloc(b->insns, (b->len + len) * sizeof(*b->insns));
	memmove(b->insns + len, b->insns, b->len * sizeof(*b->insns));
	memcpy(b->insns, stub, len * sizeof(*stub));
	b->len += len;
	return 0;
}

int rt_seccomp_compile(const json_t *oci, struct rt_bpf **ret, struct hull_err **err)
{
	json_t *o = (json_t *) oci, *v;
	const char *dname = json_get_str(o, "defaultAction");
	_cleanup_close_ int mfd = -1;
	scmp_filter_ctx ctx = NULL;
	struct rt_bpf *b = NULL;
	uint32_t def;
	size_t i;
	off_t size;
	int r;

	if (action_parse(dname, json_object_get(o, "defaultErrnoRet"), &def) < 0)
		return err_setx(err, EINVAL, "seccomp: unsupported default action '%s'",
				dname ? dname : "(none)");
	ctx = seccomp_init(def);
	if (!ctx)
		return err_setx(err, ENOMEM, "seccomp: init");
	json_array_foreach (json_object_get(o, "architectures"), i, v) {
		uint32_t arch;
		if (arch_parse(json_string_value(v), &arch) < 0)
			continue; /* an architecture this machine cannot run anyway */
		r = seccomp_arch_add(ctx, arch);
		if (r < 0 && r != -EEXIST) {
			r = err_set(err, -r, "seccomp: add architecture '%s'",
				    json_string_value(v));
			goto out;
		}
	}
	/* We load the filter while we hold CAP_SYS_ADMIN: no_new_privs is a separate option. */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (r < 0) {
		r = err_set(err, -r, "seccomp: clear no_new_privs");
		goto out;
	}
	json_array_foreach (json_object_get(o, "syscalls"), i, v) {
		r = block_add(ctx, def, v, err);
		if (r < 0)
			goto out;
	}
	mfd = memfd_create("seccomp", MFD_CLOEXEC);
	if (mfd < 0) {
		r = err_set(err, errno, "seccomp: memfd");
		goto out;
	}
	r = seccomp_export_bpf(ctx, mfd);
	if (r < 0) {
		r = err_set(err, -r, "seccomp: export the filter");
		goto out;
	}
	size = lseek(mfd, 0, SEEK_END);
	if (size <= 0 || size % (off_t) sizeof(struct sock_filter) != 0 ||
	    size / (off_t) sizeof(struct sock_filter) > BPF_MAXINSNS) {
		r = err_setx(err, E2BIG, "seccomp: the filter has %lld bytes", (long long) size);
		goto out;
	}
	b = xcalloc(1, sizeof(*b));
	b->len = (size_t) size / sizeof(struct sock_filter);
	b->insns = xmalloc((size_t) size);
	if (pread(mfd, b->insns, (size_t) size, 0) != (ssize_t) size) {
		r = err_set(err, errno ? errno : EIO, "seccomp: read the filter");
		b = rt_bpf_free(b);
		goto out;
	}
	if (def != SCMP_ACT_ALLOW) {
		r = enosys_stub(o, seccomp_arch_native(), b);
		if (r < 0) {
			r = err_setx(err, -r, "seccomp: the filter is too long");
			b = rt_bpf_free(b);
			goto out;
		}
	}
	*ret = b;
	r = 0;
out:
	seccomp_release(ctx);
	return r;
}

struct rt_bpf *rt_bpf_free(struct rt_bpf *b)
{
	if (!b)
		return NULL;
	free(b->insns);
	free(b);
	return NULL;
}

int rt_seccomp_apply(const struct rt_bpf *b, struct hull_err **err)
{
	struct sock_fprog prog;

	if (!b)
		return 0;
	prog.len = (unsigned short) b->len;
	prog.filter = b->insns;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
		return err_set(err, errno, "seccomp: load the filter");
	return 0;
}
