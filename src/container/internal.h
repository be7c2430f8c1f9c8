/* SPDX-License-Identifier: MIT */
/* Helpers shared inside container/ only. */
#ifndef HULL_CONTAINER_INTERNAL_H
#define HULL_CONTAINER_INTERNAL_H

#include <stdbool.h>
#include <sys/types.h>
#include <stddef.h>

/* random_hex() - 2*@nbytes random hex digits into @out (NUL-terminated). */
void random_hex(char *out, size_t nbytes);
/* random_name() - a generated container name, "adjective_surname"; caller frees. */
char *random_name(void);
/* name_valid() - docker's container-name grammar. */
bool name_valid(const char *n);
/* NAME_CONFLICT_FMT - docker's message for a taken name (moby daemon/names.go reserveName),
 * with the name (no slash) and the id of the container that has it. */
#define NAME_CONFLICT_FMT                                                                  \
	"Conflict. The container name \"/%s\" is already in use by container \"%s\". You " \
	"have to remove (or rename) that container to be able to reuse that name."

#include <jansson.h>
#include "image/store.h"
#include "net/net.h"
#include "runtime/runtime.h"
#include "container/container.h"
#include "util/fs.h"

/* container_is_hidden() - whether @c is a build step's container (container_opts.hidden). */
static inline bool container_is_hidden(const struct container *c)
{
	return json_is_true(json_object_get(json_object_get(c->rec, "Hull"), "Hidden"));
}

/*
 * container_is_disposable() - whether nothing of @c must survive a crash of
 * the machine: a build step's container (the next build removes it:
 * container_remove_dead_hidden()) or a --rm one (docker removes those when
 * its daemon starts again; a record a crash left torn is debris that `hull
 * system check --repair` removes). Its files are replaced atomically but
 * without fsync (write_file_replace()), and its overlay is mounted volatile
 * (rt_config.overlay_volatile).
 */
static inline bool container_is_disposable(const struct container *c)
{
	return container_is_hidden(c) ||
	       json_is_true(json_object_get(json_object_get(c->rec, "HostConfig"), "AutoRemove"));
}

/* One -v or --mount value (volume.c), before container_mounts_add() records it. */
struct mount_spec {
	char *type; /* bind, volume, tmpfs */
	char *source;
	char *target;
	bool readonly, nocopy;
	char *propagation; /* "" = default */
	char *mode;	   /* the -v mode string as given */
	char *tmpfs_opts;  /* size=...,mode=... */
	json_t *labels;
	json_t *volume_opts; /* --mount volume-opt=KEY=VALUE: the new volume's -o */
	bool from_bind_flag; /* -v: a missing host path is created */
};
/*
 * mount_spec_parse_volume() - parse a -v value, [SRC:]DST[:MODE] (moby
 * volume/mounts linux_parser.go ParseMountRaw): a SRC starting with '/' or
 * '.' is a bind (a relative one made absolute with the current directory),
 * else a volume name. mount_spec_parse_mount() - parse a --mount value,
 * KEY=VALUE,... (docker/cli opts/mount.go, then the daemon's
 * validateMountConfig; a bind source must exist, checked with stat()).
 * Both first zero *@ret, then fill it: release it with mount_spec_release()
 * whether the call succeeded or not. Errors: -EINVAL (-ENOENT for a missing
 * bind source) with docker's message naming the value, e.g. "invalid volume
 * specification: 'a:b:c:d'", or for --mount "cannot mix 'bind-*' options
 * with mount type 'volume'" (a bind-, volume- or tmpfs- key with another
 * type).
 */
int mount_spec_parse_volume(const char *spec, struct mount_spec *ret, struct hull_err **err);
int mount_spec_parse_mount(const char *spec, struct mount_spec *ret, struct hull_err **err);
/* mount_spec_release() - free the contents of @m (zeroed or parsed). */
void mount_spec_release(struct mount_spec *m);

/* port_bindings_json() - docker's PortBindings (or, @resolved, NetworkSettings.Ports) object. */
json_t *port_bindings_json(const struct port_map *ports, size_t n, bool resolved);
/*
 * container_proxies_stop() - end the port proxies (net_proxy_spawn()) that @hull (a record's
 * "Hull" object) lists in "Proxies" as [pid, start time] pairs: SIGKILL to each that still runs
 * as recorded (proc_start_time()), waiting up to 2 s for it to go, so that its host port is
 * free on return. @reap: the caller is the proxies' parent (the container's monitor), which
 * also reaps them, ended or not. The list is left as it is. Each proxy ends by itself when
 * the container's process does: this is for the monitor's teardown and `network disconnect`.
 */
void container_proxies_stop(json_t *hull, bool reap);
/*
 * container_resolver_spawn() - start the resolver of container @ctr_id at once (docker's
 * embedded DNS server; docs/networking.md "Name resolution"): its sockets at 127.0.0.11:53
 * in the network namespace of its process @pid, served by hull-resolver
 * (relay_resolver_spawn()), which answers from the entries of the container's user
 * networks (network_dns_lookup()) and forwards other names to @upstreams (IP text; NULL:
 * none, SERVFAIL) from the host's namespace, until @pid ends. For `network connect`; a
 * start hands the sockets to its relay, which starts it at the first query. Returns its
 * pid (the caller's child) or -errno with @err set. Not thread-safe (setns).
 */
pid_t container_resolver_spawn(const char *ctr_id, pid_t pid, char *const *upstreams,
			       struct hull_err **err);
/*
 * container_resolver_conf() - the resolv.conf of a container with a resolver, from the
 * host's /etc/resolv.conf and the HostConfig @hc (--dns, --dns-search, --dns-option) as at
 * its start (moby rebuildDNS): "nameserver 127.0.0.11" and ndots:0; the servers it forwards
 * to into *@ret_upstreams (new strv). Never from the container's own file, which it can
 * write: its servers are reached from the host's namespace. New string.
 */
char *container_resolver_conf(json_t *hc, char ***ret_upstreams);
/* port_key_parse() - "80/tcp", "53/udp" (a PortBindings or ExposedPorts key; no proto: tcp): the
 * port and IPPROTO_*; -EINVAL for anything else (sctp included: hull does not publish it). */
int port_key_parse(const char *key, uint16_t *ret_port, int *ret_proto);
/* The most ports one container publishes (-p and -P): each holds a host socket in its monitor. */
#define CONTAINER_PORTS_MAX 512
/* ports_from_json() - port maps from a PortBindings-shaped object; *@ret is realloc'd (caller
 * frees). */
int ports_from_json(json_t *bindings, struct port_map **ret, size_t *n);
/*
 * container_reconcile() - repair the record of a container whose monitor
 * died (SIGKILL, OOM): kill the container, which nothing watches any more,
 * record it as exited with 137 and free its address and published ports.
 */
void container_reconcile(struct container *c);

/* container_endpoint_clear() - empty the address fields of an EndpointSettings once released. */
void container_endpoint_clear(json_t *ep);

/* container_pid_alive() - @pid exists and is not a zombie (false for pid <= 0). */
bool container_pid_alive(pid_t pid);
/* container_reload() - read @c's record again from its file (no lock: a file is replaced whole,
 * never changed in place). -ENOENT "No such container: ID" once it is removed. */
int container_reload(struct container *c, struct hull_err **err);
/*
 * container_names_lock() - take the store's names lock (an exclusive flock of
 * <root>/containers/names.lock): whoever checks that a name is free and then
 * takes it (create, rename) holds it from the check until the record is
 * written. Returns the fd to close to release it, or -errno. Taken before
 * any container's lock (container_lock()).
 */
int container_names_lock(struct store *s, struct hull_err **err);
/*
 * container_name_index_add() - record in the store's names index (<root>/containers/.names,
 * container.c) that container @id has the name @name (without '/'), before its record says
 * so. Caller holds the names lock (container_names_lock()). Nothing to do when the store has
 * no index yet or @name is too long for one (lookups then read the records). 0 or -errno.
 */
int container_name_index_add(struct store *s, const char *name, const char *id);
/*
 * container_name_index_remove() - remove the names index entry of @id under @name (with or
 * without its '/'; NULL: nothing), once its record no longer has that name or is gone. No
 * lock needed: it touches @id's entry alone.
 */
void container_name_index_remove(struct store *s, const char *name, const char *id);
/* A container process as container_oci_process() writes it (borrowed values). */
struct container_oci_process {
	char *const *args; /* at least the program */
	char *const *env;  /* NAME=value; NULL: none */
	const char *cwd;   /* absolute */
	uid_t uid;
	gid_t gid;
	const gid_t *groups;
	size_t n_groups;
	bool terminal;
	uint64_t caps; /* CAP_* bits: the bounding, effective and permitted sets */
	bool no_new_privs;
	json_t *rlimits; /* an OCI process.rlimits array (container_oci_rlimits()); NULL: none */
};

/* Where docker mounts its init (moby daemon/oci_linux.go WithInit). */
#define CONTAINER_INIT_TARGET "/sbin/docker-init"

/*
 * A container as container_oci_spec() writes it (borrowed values): what container/ has
 * decided from the image, the run options and the network, before the runtime sees it.
 */
struct container_oci_spec {
	json_t *process; /* container_oci_process() */
	/* root.path, the overlay's mount point, and the overlay described at "/" */
	const char *rootfs;
	char *const *lowerdirs; /* top first */
	const char *upperdir, *workdir;
	bool overlay_volatile; /* container_is_disposable(): the kernel's "volatile" */
	bool readonly_rootfs;
	const char *hostname;
	/* namespaces: @pid_ns and @ipc_ns 0 new, -1 the host's, else the pid whose one is
	 * joined; the network: none with @host_net, @netns_path's, or a new one */
	pid_t pid_ns, ipc_ns;
	bool host_uts, cgroup_ns, host_net;
	const char *netns_path;
	/* /dev/shm: a tmpfs of @shm_size bytes, a bind of @shm_path, or none (@no_shm) */
	uint64_t shm_size;
	bool no_shm;
	const char *shm_path;
	bool privileged; /* /sys writable */
	/* bind-mounted files (NULL: none) and the init at /sbin/docker-init */
	const char *hosts_path, *hostname_path, *resolv_path, *init_path;
	const json_t *tmpfs;	       /* HostConfig.Tmpfs: destination -> options */
	const struct rt_mount *mounts; /* -v, --mount, a build step's */
	size_t n_mounts;
	const struct rt_device *devices;
	size_t n_devices;
	/* the device rules of the spec: runc's defaults, which the runtime appends, not in them */
	const struct rt_device_rule *device_rules;
	size_t n_device_rules;
	const struct rt_resources *resources; /* NULL: none */
	char *const *sysctls;		      /* "name=value" */
	char *const *masked_paths, *const *readonly_paths;
};

/*
 * container_oci_spec() - @s as an OCI runtime spec 1.1 config (config.md,
 * config-linux.md), laid out as moby's daemon/oci_linux.go lays out docker's:
 * process, root, hostname, mounts (proc, /dev, devpts, sysfs, the cgroups,
 * mqueue, /dev/shm, then the root overlay, the /etc files, the init, --tmpfs and
 * the volumes; the cgroup and /dev/shm defaults left out where a mount of the
 * user's covers them, as moby's WithMounts does),
 * linux.namespaces (by path for the ones joined), devices, resources with the
 * device rules, sysctl, maskedPaths and readonlyPaths. The root is a mount of
 * type "overlay" at "/" whose lowerdir=, upperdir= and workdir= options name
 * the layers (docs/internals/runtime.md "OCI bundles"); a volume's subpath is
 * hull's "x-hull.subpath=" option. linux.seccomp is left out: hull's run gives
 * the runtime the filter compiled from it, cached (container/security.h). The
 * runtime parses the result with rt_bundle_from_spec(). A new reference; pure.
 */
json_t *container_oci_spec(const struct container_oci_spec *s);

/*
 * container_oci_process() - @p as an OCI runtime spec "process" object (config.md
 * "Process": terminal, user, args, env, cwd, capabilities, noNewPrivileges, rlimits; inheritable
 * and ambient capabilities empty, as docker since 20.10.14), which the runtime takes through
 * rt_bundle_from_process(), the parser of `hull runtime exec --process`. A new reference.
 */
json_t *container_oci_process(const struct container_oci_process *p);

/*
 * container_dir_remove() - remove @c's runtime state directories (Hull.RunDir
 * when @c->rec is not NULL, <@runroot>/containers/<id> when @runroot is not
 * NULL), then its directory under its lock (taken here unless held): renamed
 * to .rm-<id> beside it (readers no longer find it, @c->dir follows; a kill
 * meanwhile leaves a .rm- directory the next listing removes, never a
 * container without its record), then deleted. A directory already gone is
 * fine. 0, or -errno of the rename or deletion.
 */
int container_dir_remove(struct store *s, const char *runroot, struct container *c,
			 struct hull_err **err);

struct log_file;
/*
 * container_log_settings() - set @lf's format, path, rotation and
 * compressor (this hull) from @c's HostConfig.LogConfig (logs.c); the path
 * is NULL with --log-driver none.
 */
void container_log_settings(struct container *c, struct log_file *lf);
/*
 * container_log_open() - container_log_settings(), then open the log file
 * for appending (with local, in <dir>/local-logs/, made here); nothing with
 * the none driver. 0 or -errno (@lf then stays without a log).
 */
int container_log_open(struct container *c, struct log_file *lf);

/* The device nodes and rules of one start (devices.c). */
struct container_devices {
	struct rt_device *devices; /* --device nodes (paths owned) */
	size_t n_devices;
	struct rt_device_rule *rules; /* deny all, --device, --device-cgroup-rule (the spec's
					 linux.resources.devices) */
	size_t n_rules;
};

/*
 * container_devices_resolve() - the device nodes and cgroup rules for a start
 * of the container whose HostConfig is @hc: moby's deny-all, then for each
 * HostConfig.Devices entry the host device's type, numbers, mode and owner
 * (a symlink followed, a directory giving every device below it; moby
 * oci/devices_linux.go DevicesFromPath) with an allow rule of its
 * CgroupPermissions, then HostConfig.DeviceCgroupRules (the runtime appends
 * runc's AllowedDevices, rt_device_rules_default(), as runc does). Reads the host's /dev.
 * Errors as moby's: "error gathering device information while adding custom
 * device \"P\": no such file or directory" (or ": not a device node").
 * Release *@ret with container_devices_release().
 */
int container_devices_resolve(json_t *hc, struct container_devices *ret, struct hull_err **err);
/* container_devices_release() - free what container_devices_resolve() made; zeroes @d. */
void container_devices_release(struct container_devices *d);

#endif
