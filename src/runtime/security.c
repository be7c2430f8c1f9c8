/* SPDX-License-Identifier: MIT */
/*
 * A container process's identity: user, groups and capability sets (runc
 * libcontainer/init_linux.go finalizeNamespace and capabilities/). The
 * seccomp filter is compiled by seccomp.c.
 */
#include <grp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/capability.h>

#include "runtime/rt-internal.h"

static int capset_sets(uint64_t effective, uint64_t permitted, uint64_t inheritable,
		       struct hull_err **err)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct d[2] = {{0}};

	d[0].effective = (uint32_t) effective;
	d[1].effective = (uint32_t) (effective >> 32);
	d[0].permitted = (uint32_t) permitted;
	d[1].permitted = (uint32_t) (permitted >> 32);
	d[0].inheritable = (uint32_t) inheritable;
	d[1].inheritable = (uint32_t) (inheritable >> 32);
	if (syscall(SYS_capset, &h, d) < 0)
		return err_set(err, errno, "set capabilities");
	return 0;
}

int rt_identity_apply(const struct rt_config *c, struct hull_err **err)
{
	const struct rt_capsets none = {0}, *cs = c->capsets ? c->capsets : &none;
	uint64_t bounding = cs->bounding;
	int r;

	/* Bounding set first: dropping needs CAP_SETPCAP, which a non-root uid loses. */
	for (int cap = 0; cap < 64; cap++) {
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0)
			break; /* past the kernel's last capability */
		if (bounding & (1ULL << cap))
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
	r = capset_sets(cs->effective, cs->permitted, cs->inheritable, err);
	if (r < 0)
		return r;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return err_set(err, errno, "clear ambient capabilities");
	/* after the user switch, which empties the ambient set; the kernel raises only what
	 * is both permitted and inheritable, and runc 1.1 ignores its refusal */
	for (int cap = 0; cap < 64; cap++)
		if (cs->ambient & (1ULL << cap))
			(void) prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0);
	/* --security-opt no-new-privileges: setuid binaries and file caps stop working */
	if (c->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return err_set(err, errno, "set no_new_privs");
	return 0;
}
