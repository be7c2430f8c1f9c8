/* SPDX-License-Identifier: MIT */
/*
 * A container's confinement as docker decides it: its capability set
 * (moby oci/caps/utils.go TweakCapabilities) and its seccomp profile (moby
 * profiles/seccomp/seccomp_linux.go setupSeccomp, over docker's profile
 * format), turned into what the runtime takes: a capability mask and a
 * compiled filter (runtime/runtime.h). Errors follow util/err.h.
 */
#ifndef HULL_CONTAINER_SECURITY_H
#define HULL_CONTAINER_SECURITY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include "runtime/runtime.h"
#include "util/err.h"

/* Docker's default capability set (moby oci/caps/defaults.go) as a mask of CAP_* bits. */
#define CONTAINER_DEFAULT_CAPS 0x00000000a80425fbULL

/*
 * container_caps_resolve() - the capability set of a container: with
 * @privileged every capability the kernel knows; else docker's default set,
 * less @drop, plus @add (NULL-terminated, borrowed; names in any case, with
 * or without "CAP_"; "ALL" in @add starts from every capability, in @drop
 * from none). -EINVAL with docker's message ("unknown capability: \"CAP_X\"")
 * for a name the kernel does not know.
 */
int container_caps_resolve(char *const *add, char *const *drop, bool privileged, uint64_t *ret,
			   struct hull_err **err);

/*
 * container_caps_normalize() - @name as docker stores it in CapAdd/CapDrop
 * (moby NormalizeLegacyCapabilities): upper case with "CAP_", or "ALL"; a
 * new string, or NULL for a name the running kernel does not know.
 */
char *container_caps_normalize(const char *name);

/*
 * container_seccomp_resolve() - docker's profile @profile (@len bytes of
 * JSON, borrowed) for a container with capabilities @caps on this machine:
 * the architectures of its archMap entry for the native one, and the
 * syscall blocks whose includes/excludes (caps, arches, minKernel) match, as
 * an OCI linux.seccomp object (*@ret, new). -EINVAL with the problem for a
 * profile that is not docker's format.
 */
int container_seccomp_resolve(const char *profile, size_t len, uint64_t caps, json_t **ret,
			      struct hull_err **err);

/*
 * container_seccomp_filter() - the compiled filter for @profile (@len bytes;
 * NULL: docker's default profile, built into hull from moby's
 * profiles/seccomp/default.json) and @caps. Compiling takes about a
 * millisecond, so the program is kept in RUNROOT/seccomp/<key>.bpf, where
 * the key is the sha256 of the profile, the capability mask, the
 * architecture, the kernel release and libseccomp's version; a damaged or
 * foreign file there is recompiled, never trusted: its header holds a
 * digest of the program. @runroot NULL: no cache. *@ret is new (rt_bpf_free()). Safe to call
 * concurrently (the cache file is replaced atomically).
 */
int container_seccomp_filter(const char *runroot, const char *profile, size_t len, uint64_t caps,
			     struct rt_bpf **ret, struct hull_err **err);

/*
 * container_security_opt() - one `--security-opt` as docker's CLI turns it
 * into HostConfig.SecurityOpt (docker/cli opts.go parseSecurityOpts, moby
 * daemon parseSecurityOpt): "seccomp=PATH" becomes "seccomp=" and the file's
 * compact JSON, "seccomp=unconfined", "no-new-privileges[:|=true|false]",
 * "apparmor=..." and "label=..." (kept, and not applicable on a host without
 * AppArmor or SELinux: *@ret_note says so), "systempaths=unconfined".
 * *@ret is new. -EINVAL with docker's message for anything else.
 */
int container_security_opt(const char *opt, char **ret, const char **ret_note,
			   struct hull_err **err);

/* What the runtime gets from a container's HostConfig (container_security_load()). */
struct container_security {
	uint64_t caps;		/* the capability set */
	bool no_new_privs;	/* no-new-privileges */
	bool unmasked_paths;	/* --privileged or systempaths=unconfined */
	bool privileged;	/* --privileged */
	struct rt_bpf *seccomp; /* NULL: unconfined (owned) */
};

/*
 * container_security_load() - read Privileged, CapAdd, CapDrop and
 * SecurityOpt of @host_config (borrowed) and compute what they mean: the
 * capability set, the seccomp filter (container_seccomp_filter(): the
 * default profile, the one in SecurityOpt, or none for
 * seccomp=unconfined and --privileged), no-new-privileges and the masked
 * paths. Fill @ret (release with container_security_release()), then give
 * the spec its paths with container_security_apply(); the filter is @ret's.
 */
int container_security_load(const char *runroot, const json_t *host_config,
			    struct container_security *ret, struct hull_err **err);
void container_security_release(struct container_security *s);
/* container_security_apply() - give @spec docker's masked and read-only paths (none for
 * --privileged and systempaths=unconfined: moby oci/defaults.go; static storage) and a
 * writable /sys with --privileged. */
struct container_oci_spec;
void container_security_apply(const struct container_security *s, struct container_oci_spec *spec);

/*
 * container_sysctl_valid() - whether "NAME=VALUE" names a sysctl docker
 * allows in a container (docker/cli opts ValidateSysctl: kernel.msgmax,
 * msgmnb, msgmni, sem, shmall, shmmax, shmmni, shm_rmid_forced, and fs.mqueue.*
 * and net.*, which are namespaced). Pure.
 */
bool container_sysctl_valid(const char *kv);

/*
 * container_namespaces_apply() - @rc's namespace, sysctl and /dev/shm fields (a
 * struct container_oci_spec: @rc->host_net must be set)
 * from @host_config (PidMode, IpcMode, UTSMode, CgroupnsMode, Sysctls,
 * ShmSize; borrowed): "container:NAME" is looked up in @s and must be
 * running (docker's "cannot join PID of a non running container: NAME"); an
 * IPC donor must also be "shareable", and its /dev/shm is shared
 * (container_shm_path()). A shareable container's own tmpfs is mounted by the
 * caller; @rc->shm_path is set to it here when @container_dir is given.
 * *@ret_sysctls receives a strv that @rc points into (caller frees after the
 * start). runc's checks: net.* sysctls need a network namespace of their own,
 * IPC ones an IPC namespace.
 */
struct store;
int container_namespaces_apply(struct store *s, const json_t *host_config,
			       const char *container_dir, struct container_oci_spec *rc,
			       char ***ret_sysctls, char **ret_shm_path, struct hull_err **err);

/*
 * container_shm_path() - where a container of IpcMode "shareable" keeps its
 * /dev/shm on the host: DIR/shm, a tmpfs that container_shm_mount() mounts
 * (in the caller's mount namespace, as docker mounts it under its container
 * directory) and container_shm_unmount() detaches. A new string.
 */
char *container_shm_path(const char *container_dir);
/* container_shm_mount() - mount the tmpfs of @bytes (0: 64 MiB) at @path unless it is one. */
int container_shm_mount(const char *path, uint64_t bytes, struct hull_err **err);
/* container_shm_unmount() - detach it (best effort: joiners keep their own copy of the mount). */
void container_shm_unmount(const char *container_dir);

/* container_seccomp_default() - docker's default profile, as built in (static, NUL-terminated). */
const char *container_seccomp_default(void);

#endif
