/* SPDX-License-Identifier: MIT */
/*
 * OCI bundles: the runtime-spec 1.1 config.json (opencontainers/runtime-spec
 * config.md, config-linux.md) read into what the runtime executes. The parse
 * is pure (bytes in, structures out); rt_bundle_load() only adds the read of
 * BUNDLE/config.json.
 *
 * What hull cannot honour is refused, each with one message naming the
 * field ("linux.intelRdt: Intel RDT is not supported"), never
 * ignored. Properties the spec does not define are ignored, as it requires
 * ("Runtimes ... MUST NOT generate an error if they encounter an unknown
 * property", config.md). Every string, vector and array of the result is
 * owned by the struct rt_bundle; its @config borrows from it.
 *
 * hull's own run crosses this boundary too: container/ writes its container
 * as a spec (container_oci_spec()) and takes what rt_bundle_from_spec() makes
 * of it, with the stdio and a compiled seccomp filter set afterwards
 * (docs/internals/runtime.md "The bundle boundary").
 */
#ifndef HULL_RUNTIME_BUNDLE_H
#define HULL_RUNTIME_BUNDLE_H

#include <jansson.h>
#include "runtime/runtime.h"

/* The OCI hooks (config.md "POSIX-platform Hooks"), in the order a container meets them. */
enum rt_hook_kind {
	RT_HOOK_CREATE_RUNTIME,
	RT_HOOK_CREATE_CONTAINER,
	RT_HOOK_PRESTART,
	RT_HOOK_START_CONTAINER,
	RT_HOOK_POSTSTART,
	RT_HOOK_POSTSTOP,
	_RT_HOOK_MAX,
	_RT_HOOK_INVALID = -EINVAL,
};

struct rt_bundle {
	char *dir;	   /* the bundle directory (as given) */
	char *oci_version; /* ociVersion */
	char *rootfs;	   /* root.path, absolute (relative ones are joined to @dir) */
	/*
	 * The process, root, mounts, namespaces, devices, identity,
	 * capabilities, rlimits, sysctls, masked and read-only paths, as
	 * rt_create() takes them; stdio is { -1, -1, -1 } (the caller sets it);
	 * @config.seccomp is NULL (compile @seccomp with rt_seccomp_compile()).
	 */
	struct rt_config config;
	json_t *seccomp;     /* linux.seccomp (a reference), NULL when absent */
	json_t *annotations; /* annotations (a reference; an empty object when absent) */
	char *cgroups_path;  /* linux.cgroupsPath; NULL when absent */
	struct rt_resources resources;
	bool has_resources; /* any of memory, cpu, pids, blockIO was given */
	/* linux.resources.devices, then runc's defaults (rt_device_rules_default()) */
	struct rt_device_rule *device_rules;
	size_t n_device_rules;
	unsigned short console_height, console_width; /* process.consoleSize; 0: unset */
	/* "linux.mountLabel" or "process.selinuxLabel" when one is set (neither is applied) */
	const char *selinux_field;
	bool has_oom_score_adj;
	int oom_score_adj; /* process.oomScoreAdj */
	struct rt_hook *hooks[_RT_HOOK_MAX];
	size_t n_hooks[_RT_HOOK_MAX];

	/* storage the @config and @resources point into */
	struct rt_capsets caps; /* @config.capsets */
	struct rt_mount *mounts;
	char **mount_strs;
	char ***lowers; /* the layers of each overlay (the root's too) */
	size_t n_lowers;
	struct rt_device *devices;
	struct rt_rlimit *rlimits;
	struct rt_throttle *throttle;
	struct rt_id_map *uid_map, *gid_map; /* linux.uidMappings, gidMappings */
	char *cpuset_cpus, *cpuset_mems;
	json_t *spec;
};

/*
 * rt_bundle_parse() - parse @len bytes of config.json of the bundle at @dir
 * (borrowed; used for a relative root.path) into *@ret (free with
 * rt_bundle_free()). Pure. Errors: -EINVAL with a message naming the field
 * for malformed JSON, a wrong type, a missing required field (ociVersion,
 * process.args, process.cwd, root.path) or a value out of range;
 * invalid id mappings (linux.uidMappings and gidMappings: without a user
 * namespace, with one joined by path, missing for a new one, ranges the kernel
 * would refuse, more than 340 of them, an unmapped process.user);
 * -EOPNOTSUPP naming the field for what hull cannot honour (id-mapped
 * mounts, apparmor, selinux labels where SELinux is enabled, hugepage, rdma,
 * net_cls/net_prio or unified resources, mounts of types other than bind,
 * tmpfs and overlay outside /proc, /sys, /dev, /dev/pts, /dev/shm and
 * /dev/mqueue, seccomp listeners, intelRdt, personality, time namespaces).
 */
int rt_bundle_parse(const char *bytes, size_t len, const char *dir, struct rt_bundle **ret,
		    struct hull_err **err);

/*
 * rt_bundle_from_spec() - rt_bundle_parse() of a config already parsed (@spec: the
 * bundle takes a reference): hull's own run hands the runtime its container this way
 * (container_oci_spec()), as `hull runtime create` reads a bundle's file.
 */
int rt_bundle_from_spec(json_t *spec, const char *dir, struct rt_bundle **ret,
			struct hull_err **err);

/*
 * rt_bundle_load() - read @dir/config.json (at most 4 MiB) and rt_bundle_parse() it; errors
 * as that, plus the read's (-ENOENT: "open '.../config.json'").
 */
int rt_bundle_load(const char *dir, struct rt_bundle **ret, struct hull_err **err);

/*
 * rt_bundle_check_host() - what of @b this host decides: an SELinux label
 * (linux.mountLabel, process.selinuxLabel) is left out where SELinux is off,
 * as crun leaves it, and refused (-EOPNOTSUPP naming the field) where it is
 * on (selinuxfs mounted at /sys/fs/selinux), since hull cannot apply it.
 * rt_bundle_load() calls it; callers of rt_bundle_parse() and
 * rt_bundle_parse_process() call it themselves.
 */
int rt_bundle_check_host(const struct rt_bundle *b, struct hull_err **err);

/*
 * rt_bundle_parse_process() - parse an OCI "process" object alone (runc exec --process
 * FILE) into a bundle whose @config has only the process fields (args, env, cwd, user,
 * terminal, capabilities, noNewPrivileges, rlimits) set; same rules as rt_bundle_parse().
 */
int rt_bundle_parse_process(const char *bytes, size_t len, struct rt_bundle **ret,
			    struct hull_err **err);

/*
 * rt_bundle_from_process() - rt_bundle_parse_process() of an OCI "process" object already
 * parsed (@process: the bundle takes a reference): hull's own exec gives its process this
 * way, as `hull runtime exec --process FILE` gives a file.
 */
int rt_bundle_from_process(json_t *process, struct rt_bundle **ret, struct hull_err **err);

/*
 * rt_config_take_process() - set in @c the process fields of @process (a parsed process
 * object's config: args, env, cwd, uid, gid, additional gids, umask, terminal, the capability
 * sets, no_new_privs, rlimits), leaving every other field of @c as it is. The pointers are
 * borrowed: the bundle @process belongs to must outlive @c's use.
 */
void rt_config_take_process(struct rt_config *c, const struct rt_config *process);

/*
 * rt_bundle_parse_resources() - parse an OCI linux.resources object alone (runc
 * update --resources) into @resources and @has_resources of a new bundle; same
 * rules as rt_bundle_parse().
 */
int rt_bundle_parse_resources(const char *bytes, size_t len, struct rt_bundle **ret,
			      struct hull_err **err);

/* rt_bundle_free() - free @b and all it owns; accepts NULL; returns NULL. */
struct rt_bundle *rt_bundle_free(struct rt_bundle *b);
/* rt_bundle_freep() - cleanup helper: rt_bundle_free(*@b). */
static inline void rt_bundle_freep(struct rt_bundle **b)
{
	rt_bundle_free(*b);
}

/* rt_hook_kind_name() - the spec's name of a hook kind ("createRuntime"), NULL if invalid. */
const char *rt_hook_kind_name(enum rt_hook_kind k);

#endif
