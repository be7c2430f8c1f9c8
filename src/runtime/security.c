/* SPDX-License-Identifier: MIT */
/*
 * Docker's default confinement for a container process: its capability set
 * (moby oci/caps/defaults.go) and a seccomp filter equivalent to its default
 * profile (moby profiles/seccomp/default.json). Docker's profile is an
 * allowlist; ours is the equivalent denylist for a container with the default
 * capabilities, see docs/internals/runtime.md for what differs.
 */
#include <grp.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/capability.h>

#include "runtime/rt-internal.h"

/* Syscalls that docker's default profile refuses (EPERM) to a default-capability container. */
static const char *const denied_syscalls[] = {
	/* kernel modules, kexec, reboot, swap, accounting, quota */
	"init_module",
	"finit_module",
	"delete_module",
	"create_module",
	"get_kernel_syms",
	"query_module",
	"kexec_load",
	"kexec_file_load",
	"reboot",
	"swapon",
	"swapoff",
	"acct",
	"quotactl",
	"quotactl_fd",
	/* keyrings */
	"add_key",
	"keyctl",
	"request_key",
	/* mounts and namespaces (CAP_SYS_ADMIN) */
	"mount",
	"umount",
	"umount2",
	"pivot_root",
	"unshare",
	"setns",
	"fsopen",
	"fsconfig",
	"fsmount",
	"fspick",
	"move_mount",
	"open_tree",
	"mount_setattr",
	/* tracing, profiling, BPF, io_uring (removed from moby's profile in 2023) */
	"bpf",
	"perf_event_open",
	"lookup_dcookie",
	"fanotify_init",
	"userfaultfd",
	"io_uring_setup",
	"io_uring_enter",
	"io_uring_register",
	/* file handles (CAP_DAC_READ_SEARCH) */
	"open_by_handle_at",
	"name_to_handle_at",
	/* raw I/O (CAP_SYS_RAWIO), time (CAP_SYS_TIME), tty (CAP_SYS_TTY_CONFIG), syslog */
	"iopl",
	"ioperm",
	"settimeofday",
	"stime",
	"clock_settime",
	"clock_settime64",
	"vhangup",
	"syslog",
	/* NUMA policy (CAP_SYS_NICE) */
	"mbind",
	"set_mempolicy",
	"get_mempolicy",
	"set_mempolicy_home_node",
	"move_pages",
	/* obsolete */
	"nfsservctl",
	"uselib",
	"sysfs",
	"_sysctl",
	"ustat",
	"vm86",
	"vm86old",
};

static const uint64_t ns_clone_flags[] = {
	CLONE_NEWNS,  CLONE_NEWUTS, CLONE_NEWIPC,    CLONE_NEWUSER,
	CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP,
};

/*
 * personality: docker allows only 0, 8 (UNAME26), 0x20000 (ADDR_NO_RANDOMIZE),
 * 0x20008 and 0xffffffff (query). libseccomp cannot compare one argument
 * twice in a rule, so the gaps between those values are covered by aligned
 * blocks, each one masked comparison (the kernel reads an unsigned int, so
 * only the low 32 bits count).
 */
static int deny_personality(scmp_filter_ctx ctx)
{
	static const uint64_t allowed[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffff};
	uint64_t lo = 0;
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(allowed); i++) {
		uint64_t hi = allowed[i]; /* deny [lo, hi) */

		while (lo < hi) {
			unsigned int k = 0;

			while (k < 32 && (lo & ((1ULL << (k + 1)) - 1)) == 0 &&
			       lo + (1ULL << (k + 1)) <= hi)
				k++;
			r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(personality), 1,
					     SCMP_A0(SCMP_CMP_MASKED_EQ,
						     0xffffffffULL & ~((1ULL << k) - 1), lo));
			if (r < 0)
				return r;
			lo += 1ULL << k;
		}
		lo = hi + 1;
	}
	return 0;
}

static int seccomp_build(scmp_filter_ctx ctx, struct hull_err **err)
{
	uint32_t native = seccomp_arch_native();
	int nr, r;

	/* A 32-bit syscall of an x86_64 process must meet the same rules. */
	if (native == SCMP_ARCH_X86_64) {
		(void) seccomp_arch_add(ctx, SCMP_ARCH_X86);
		(void) seccomp_arch_add(ctx, SCMP_ARCH_X32);
	} else if (native == SCMP_ARCH_AARCH64) {
		(void) seccomp_arch_add(ctx, SCMP_ARCH_ARM);
	}
	/* Docker does not set no_new_privs; we still hold CAP_SYS_ADMIN to load without it. */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (r < 0)
		return err_set(err, -r, "seccomp: clear no_new_privs");

	for (size_t i = 0; i < ARRAY_SIZE(denied_syscalls); i++) {
		nr = seccomp_syscall_resolve_name(denied_syscalls[i]);
		if (nr == __NR_SCMP_ERROR)
			continue;
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
		if (r < 0)
			return err_set(err, -r, "seccomp: deny '%s'", denied_syscalls[i]);
	}
	/* clone with namespace flags needs CAP_SYS_ADMIN in docker's profile. */
	for (size_t i = 0; i < ARRAY_SIZE(ns_clone_flags); i++) {
		r = seccomp_rule_add(
			ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
			SCMP_A0(SCMP_CMP_MASKED_EQ, ns_clone_flags[i], ns_clone_flags[i]));
		if (r < 0)
			return err_set(err, -r, "seccomp: restrict clone");
	}
	/* Docker answers ENOSYS to clone3 (its flags are in memory) so libc falls back to clone. */
	r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	if (r < 0)
		return err_set(err, -r, "seccomp: deny clone3");
	r = deny_personality(ctx);
	if (r < 0)
		return err_set(err, -r, "seccomp: restrict personality");
	return 0;
}

int rt_seccomp_load(struct hull_err **err)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int r;

	if (!ctx)
		return err_setx(err, ENOMEM, "seccomp: init");
	r = seccomp_build(ctx, err);
	if (r >= 0) {
		r = seccomp_load(ctx);
		if (r < 0)
			r = err_set(err, -r, "seccomp: load filter");
	}
	seccomp_release(ctx);
	return r;
}

static int capset_default(struct hull_err **err)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct d[2] = {{0}};

	d[0].effective = d[0].permitted = (uint32_t) RT_DEFAULT_CAPS;
	d[1].effective = d[1].permitted = (uint32_t) (RT_DEFAULT_CAPS >> 32);
	/* Inheritable stays empty, as since docker 20.10.14 (CVE-2022-24769). */
	if (syscall(SYS_capset, &h, d) < 0)
		return err_set(err, errno, "set capabilities");
	return 0;
}

int rt_identity_apply(const struct rt_config *c, struct hull_err **err)
{
	int r;

	/* Bounding set first: dropping needs CAP_SETPCAP, which a non-root uid loses. */
	for (int cap = 0; cap < 64; cap++) {
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0)
			break; /* past the kernel's last capability */
		if (RT_DEFAULT_CAPS & (1ULL << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return err_set(err, errno, "drop capability %d from the bounding set", cap);
	}
	if (setgroups(c->n_additional_gids, c->additional_gids) < 0)
		return err_set(err, errno, "set supplementary groups");
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return err_set(err, errno, "keep capabilities");
	if (setresgid(c->gid, c->gid, c->gid) < 0)
		return err_set(err, errno, "set gid %u", (unsigned) c->gid);
	if (setresuid(c->uid, c->uid, c->uid) < 0)
		return err_set(err, errno, "set uid %u", (unsigned) c->uid);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return err_set(err, errno, "reset keep capabilities");
	/* For a non-root uid execve() then empties permitted and effective, as with docker. */
	r = capset_default(err);
	if (r < 0)
		return r;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return err_set(err, errno, "clear ambient capabilities");
	return 0;
}
