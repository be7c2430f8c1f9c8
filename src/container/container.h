/* SPDX-License-Identifier: MIT */
/*
 * Containers: records, create/start/stop/kill/rm, the per-container monitor
 * and json-file logs (DESIGN.md "Data flow: run"). A container's record is
 * <root>/containers/<id>/config.json, shaped like `docker inspect` output
 * (moby's container.Container as the API shows it), plus a private "Hull"
 * object that inspect hides.
 *
 * Functions return 0 or a negative errno with *err set (util/err.h); errors
 * carry docker's exit code (125 unless said otherwise) in (*err)->exit_code.
 */
#ifndef HULL_CONTAINER_CONTAINER_H
#define HULL_CONTAINER_CONTAINER_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>
#include "image/store.h"
#include "net/net.h"
#include "util/err.h"
#include "util/strbuf.h"

struct rt_mount;

struct run_opts {
	const char *name;    /* --name, or NULL for a generated one */
	bool detach;	     /* -d */
	bool auto_remove;    /* --rm */
	bool interactive;    /* -i */
	bool tty;	     /* -t */
	unsigned attach;     /* -a: RUN_ATTACH_* (0: not given) */
	char **env;	     /* -e NAME=value or NAME (taken from our environment) */
	char **labels;	     /* --label-file then -l: "KEY=value" or "KEY" (empty value) */
	char **expose;	     /* --expose: "PORT/PROTO" keys of Config.ExposedPorts */
	const char *workdir; /* -w */
	const char *user;    /* -u user[:group] */
	char **entrypoint;   /* --entrypoint, as one element; NULL if not given */
	char **cmd;	     /* arguments after IMAGE */
	const char *network; /* "bridge" (default), "host", "none" or a user network's name or id */
	const char *ip;	     /* --ip: the address on a user network (NULL: any) */
	const char *ip6;     /* --ip6: the IPv6 address on a user network with IPv6 (NULL: any) */
	const char *mac_address; /* --mac-address (checked by net_mac_parse()): the first network's
				    MAC */
	char **aliases;		 /* --network-alias: more names on a user network */
	char **networks;	 /* --network after the first: user networks joined too */
	struct port_map *ports;	 /* -p */
	size_t n_ports;
	bool hidden; /* build containers: not shown by ps */
	int out_fd;  /* foreground: where stdout/stderr go (-1: ours) */

	/* Process model (docker run reference). */
	bool init;		 /* --init: hull-init as PID 1 at /sbin/docker-init */
	const char *stop_signal; /* --stop-signal (validated), NULL: the image's */
	int stop_timeout;	 /* --stop-timeout seconds; -1 when not given */
	char **group_add;	 /* --group-add names or gids */
	const char *hostname;	 /* --hostname, NULL: the short id */
	char **add_hosts;	 /* --add-host "host:ip" (ip may be host-gateway) */
	char **dns, **dns_search, **dns_options; /* --dns, --dns-search, --dns-option (checked) */
	bool read_only;				 /* --read-only */
	bool publish_all;	 /* -P: every exposed port to a free host port, at each start */
	char **tmpfs;		 /* --tmpfs "DEST[:OPTIONS]" */
	unsigned short tty_rows; /* -t from a detached monitor: the client's window size */
	unsigned short tty_cols;
	char **volumes;		/* -v [SRC:]DST[:OPTS] (container/volume.h) */
	char **mounts;		/* --mount type=...,... */
	char **volumes_from;	/* --volumes-from CONTAINER[:MODE] */
	const char *restart;	/* --restart no|on-failure[:N]|always|unless-stopped (NULL: no) */
	const char *log_driver; /* --log-driver json-file|local|none (NULL: json-file) */
	char **log_opts;	/* --log-opt KEY=VALUE (container_log_config()) */

	/* Security (container/security.h). */
	bool privileged;     /* --privileged */
	char **cap_add;	     /* --cap-add, normalized ("CAP_NET_ADMIN", "ALL") */
	char **cap_drop;     /* --cap-drop, likewise */
	char **security_opt; /* --security-opt as stored (container_security_opt()) */

	/* Namespaces, sysctls, /dev/shm (docker run reference). */
	const char *pid_mode;	   /* --pid "", "host", "container:NAME" */
	const char *ipc_mode;	   /* --ipc "", "host", "private", "none" */
	const char *uts_mode;	   /* --uts "", "host" */
	const char *cgroupns_mode; /* --cgroupns "host", "private" (NULL: docker's default) */
	char **sysctls;		   /* --sysctl NAME=VALUE (container_sysctl_valid()) */
	uint64_t shm_size;	   /* --shm-size bytes (0: 64 MiB) */
	char **devices; /* --device HOST[:CONTAINER][:PERMS], checked (container_device_parse) */
	char **device_cgroup_rules; /* --device-cgroup-rule 'TYPE MAJOR:MINOR ACCESS', checked */
	/* Resource limits: HostConfig fields set by flags (container_resource_flag()); borrowed,
	 * NULL: none. */
	json_t *resources;
	char ***warnings; /* container_create() appends docker's warnings here (NULL: dropped) */

	/*
	 * A build step's (src/build) RUN --mount mounts and secret environment:
	 * container_start() adds them after the container's own mounts and
	 * environment, and never records them (a secret stays out of the
	 * record). Borrowed; NULL: none.
	 */
	const struct rt_mount *extra_mounts;
	size_t n_extra_mounts;
	char **extra_env;
	/* --health-* and --no-healthcheck: docker's HealthConfig {Test, Interval, Timeout,
	 * StartPeriod, StartInterval, Retries} (borrowed), merged with the image's; NULL: none */
	json_t *healthcheck;
};

/*
 * The streams of docker's -a, --attach, in run_opts.attach. Without -a,
 * run and create attach stdout and stderr (and stdin with -i), -d none;
 * with -a only those named, plus stdin with -i. The record keeps the
 * outcome as Config.AttachStdin, AttachStdout and AttachStderr
 * (docker/cli opts.go parse).
 */
enum {
	RUN_ATTACH_STDIN = 1 << 0,
	RUN_ATTACH_STDOUT = 1 << 1,
	RUN_ATTACH_STDERR = 1 << 2,
};
/* run_attach_parse() - "stdin", "stdout" or "stderr" in any case, as docker's validateAttach;
 * the RUN_ATTACH_* bit or -EINVAL. Pure. */
int run_attach_parse(const char *s);
/* run_attached() - the RUN_ATTACH_* streams @o attaches, as docker decides them (above). */
unsigned run_attached(const struct run_opts *o);

/*
 * A container's status, docker's State.Status (moby container/state.go
 * StateString): the one value the flags Running, Paused, Restarting and Dead
 * of `inspect` are derived from (container_state_json()).
 */
enum container_status {
	CONTAINER_CREATED,
	CONTAINER_RUNNING,
	CONTAINER_PAUSED,
	CONTAINER_RESTARTING,
	CONTAINER_REMOVING,
	CONTAINER_EXITED,
	CONTAINER_DEAD,
};

/*
 * A container's state, typed (moby container.State): what the record keeps
 * as its "State" object, in `docker inspect`'s shape and order. Times are
 * nanoseconds since the epoch (UTC), 0 for never (docker's zero time,
 * "0001-01-01T00:00:00Z"). State.Health stays a JSON object in the record
 * (container/health.c writes it; container_state_store() keeps it).
 */
struct container_state {
	enum container_status status;
	pid_t pid;	     /* the first process, in hull's PID namespace; 0 when not running */
	int exit_code;	     /* of the last run; 128 and up for a failed start, as docker */
	bool oom_killed;     /* the last run ended by the OOM killer */
	char *error;	     /* owned; NULL: none ("" in the record) */
	int64_t started_at;  /* ns; the last start */
	int64_t finished_at; /* ns; the last exit */
};

/* container_status_name() - docker's string of @s ("created", "running"...); static. Pure. */
const char *container_status_name(enum container_status s);
/* container_status_parse() - the status named @name, or -EINVAL for another string. Pure. */
int container_status_parse(const char *name, enum container_status *ret);
/*
 * container_state_running() - docker's State.Running: the process was started
 * and its exit not recorded, i.e. running, paused or restarting (moby
 * SetRestarting keeps Running true). Pure.
 */
bool container_state_running(const struct container_state *st);
/*
 * container_state_parse() - fill @ret from @obj, a record's "State" object
 * (borrowed): Status must name a status (else -EINVAL with "container
 * record: bad State.Status ..."); times are RFC 3339 strings (a bad one
 * is -EINVAL too); missing members are zero. On success the caller owns
 * @ret->error (container_state_release()). Pure.
 */
int container_state_parse(const json_t *obj, struct container_state *ret, struct hull_err **err);
/*
 * container_state_store() - write @st into @obj, a record's "State" object
 * (borrowed, changed): Status, Running, Paused, Restarting, OOMKilled, Dead,
 * Pid, ExitCode, Error, StartedAt, FinishedAt, as docker's inspect shows
 * them (RFC 3339 with nine digits, the zero time for 0); other members
 * (Health) are kept, "Removing" (not docker's) removed. Pure.
 */
void container_state_store(const struct container_state *st, json_t *obj);
/* container_state_release() - free what @st owns (its error); @st may be reused. */
void container_state_release(struct container_state *st);
/* container_state_set_error() - replace @st's error with a copy of @msg (NULL or "": none). */
void container_state_set_error(struct container_state *st, const char *msg);
/* container_time_now() - CLOCK_REALTIME in ns since the epoch. */
int64_t container_time_now(void);

/* The kinds of docker's HostConfig.NetworkMode (moby runconfig NetworkMode). */
enum container_net_kind {
	CONTAINER_NET_BRIDGE,	 /* the default bridge: "bridge", "default" or none */
	CONTAINER_NET_HOST,	 /* "host": the host's network namespace */
	CONTAINER_NET_NONE,	 /* "none": loopback only */
	CONTAINER_NET_CONTAINER, /* "container:NAME|ID": another container's namespace */
	CONTAINER_NET_USER,	 /* a user network, by the name (or id) recorded */
};

/*
 * A network mode, typed. @name (borrowed from the string parsed) is the
 * first network's name: "bridge" (also for "default" or none), "host",
 * "none", a user network's, or for CONTAINER the mode as written
 * ("container:X", which no network's name can be: a name has no ':').
 * @container is X for CONTAINER, else NULL.
 */
struct container_net_mode {
	enum container_net_kind kind;
	const char *name;
	const char *container;
};

/* container_net_mode_parse() - the mode @s (NULL or "" is the default bridge). Pure. */
struct container_net_mode container_net_mode_parse(const char *s);
/* container_net_mode() - the mode of the record @rec (HostConfig.NetworkMode), borrowed from it. */
struct container_net_mode container_net_mode(const json_t *rec);

struct container {
	char *id;
	char *dir; /* <root>/containers/<id> */
	/*
	 * The record (owned). Its "State" object is @state's copy: read when
	 * the record is (container_load(), container_reload()) and written back
	 * by container_save(); between the two, @state is the truth and the
	 * State of @rec may be stale.
	 */
	json_t *rec;
	struct container_state state;
	/* private to container.c: */
	char *saved;	     /* the record's bytes as last read or written (container_save()) */
	int lock_fd;	     /* the directory, flock'd while container_lock() holds it; else -1 */
	unsigned lock_depth; /* nested container_lock() calls */
};

/*
 * container_create() - create a container from @img (borrowed; @image_name is
 * the reference the user typed) with @o: decides the command with
 * cmd_resolve(), checks the settings, then under the store's names lock
 * (<root>/containers/names.lock, flock'd) checks the name, makes the overlay
 * directories and writes the record, so of concurrent creates with one name
 * exactly one succeeds (moby daemon/names.go reserveName, after
 * verifyContainerSettings). Errors: "no command specified", bad -u, a
 * taken name (-EEXIST): "Conflict. The container name \"/N\" is already in
 * use by container \"ID\". You have to remove (or rename) that container to
 * be able to reuse that name."
 */
int container_create(struct store *s, const char *runroot, const struct image *img,
		     const char *image_name, const struct run_opts *o, struct container **ret,
		     struct hull_err **err);

/*
 * container_start() - start @c. In the foreground (!@o->detach) the calling
 * process is the monitor: it relays stdio (and signals) until the container
 * exits and stores its exit code in *@ret_exit_code. Detached, a monitor
 * process is forked that outlives the caller; the call returns once the
 * process has been exec'd. Start failures (126/127) are returned as errors.
 * Detached starts of one container are one at a time (an flock of
 * <dir>/start.lock until the monitor has recorded "running"): one that finds
 * the container running when its turn comes does nothing and returns 1, as
 * docker's start of a running container (moby daemon/start.go, under
 * container.Lock()).
 */
int container_start(struct store *s, const char *runroot, struct container *c,
		    const struct run_opts *o, int *ret_exit_code, struct hull_err **err);

/*
 * container_start_attach() - start @c with a detached monitor and return in
 * *@ret_sock an attach connection made before the process started, so that
 * no output is lost (docker run -t, docker start -a). Pass it to
 * container_attach_fd(); the caller closes it. -EBUSY when another start
 * started it meanwhile (container_start()).
 */
int container_start_attach(struct store *s, const char *runroot, struct container *c,
			   const struct run_opts *o, int *ret_sock, struct hull_err **err);

/* What an attach client does (docker attach / run / start -a flags). */
struct attach_opts {
	bool stdin;		 /* relay our stdin (-i) */
	bool tty;		 /* the container has a pty: raw mode, window size, detach keys */
	bool sig_proxy;		 /* forward SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1/2 to @pid */
	pid_t pid;		 /* the container's process */
	const char *detach_keys; /* NULL: "ctrl-p,ctrl-q" */
	int out_fd, err_fd;	 /* where the container's stdout and stderr go (-1: drop) */
	/* read our stdin (sent only with @stdin) and return at its end, the container running
	 * on: docker run -a stdin without stdout or stderr, whose client leaves once its input
	 * is sent (or, without -i, read and dropped) */
	bool until_stdin_eof;
};

/*
 * container_attach() - docker attach: connect to the monitor's attach socket
 * and relay until the container exits (*@ret_exit_code) or the detach keys
 * are typed (*@ret_detached, the container keeps running). The terminal is
 * put in raw mode for a tty and restored on every return.
 * Errors: not running / paused (exit 125 via the CLI as docker's 1: the
 * caller decides), connection failures.
 */
int container_attach(struct container *c, const struct attach_opts *o, int *ret_exit_code,
		     bool *ret_detached, struct hull_err **err);
/* container_attach_fd() - the same on a connected socket @sock (borrowed). */
int container_attach_fd(struct container *c, int sock, const struct attach_opts *o,
			int *ret_exit_code, bool *ret_detached, struct hull_err **err);
/* detach_keys_parse() - docker's --detach-keys ("ctrl-p,ctrl-q", "a,ctrl-\\"...) into bytes;
 * -EINVAL on a bad key. */
int detach_keys_parse(const char *s, char **ret, size_t *ret_len);

/* What a health check's exec keeps (exec_opts.capture; moby daemon/health.go). */
struct exec_capture {
	size_t max;	    /* bytes of output kept (docker's 4096) */
	int64_t timeout_ms; /* from the process's start to its SIGKILL (0: none) */
	struct strbuf out;  /* stdout and stderr in the order they came, at most @max bytes */
	bool truncated;	    /* more than @max came */
	bool timed_out;	    /* killed at @timeout_ms */
};

/* What docker exec runs (docker/cli container/exec.go). */
struct exec_opts {
	bool detach, interactive, tty;
	const char *user;    /* -u, NULL: the container's user */
	const char *workdir; /* -w, NULL: the container's working directory */
	char **env;	     /* -e additions */
	char **cmd;	     /* the command */
	const char *detach_keys;
	const char *runroot; /* where the compiled seccomp filter is cached (NULL: not cached) */
	/* a health check: its output is kept here instead of relayed (never -d, -i, -t) */
	struct exec_capture *capture;
};

/*
 * container_exec() - run @o->cmd in the running container @c (moby
 * daemon/exec.go + runc exec): its namespaces, cgroup, user (-u resolved
 * against the container's /etc/passwd) and environment (the container's
 * Config.Env, then -e). Foreground, *@ret_exit_code is the process's docker
 * exit code (0 when the detach keys were typed: it runs on).
 * Stdio, as docker's ContainerExecStart (moby daemon/exec.go: the streams
 * cross containerd's FIFOs, stdin only with OpenStdin): the process never
 * gets the caller's fds. Without -t it gets pipes that this call relays to
 * the caller's stdout and stderr (one pipe for both when they are the same
 * file, so `2>&1` keeps the order), stdin a pipe fed from ours with -i
 * (closed at our EOF), else /dev/null. With -t, a pty of the container's
 * devpts: our terminal in raw mode with -i, its size at start and on
 * SIGWINCH, the detach keys (@o->detach_keys, default ctrl-p ctrl-q). The
 * relay (relay_run()) forwards SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1/2
 * and returns when the process has exited and its output is drained (at
 * most 200 ms more while background processes hold the pipes: they get
 * EOF/EPIPE once we return). With @o->detach nothing is attached (the
 * container's /dev/null, or the pty with -t) and it returns once the process
 * has started. Blocks and restores the caller's signal mask; uses our fds
 * 0-2 (borrowed). With @o->capture, stdout and stderr share one pipe whose
 * bytes are kept in @o->capture->out (docker's health check buffer) and
 * nothing is relayed; the process is killed once it has run for
 * @o->capture->timeout_ms.
 * Errors: not running (125), paused, 126/127 as run.
 */
int container_exec(struct store *s, struct container *c, const struct exec_opts *o,
		   int *ret_exit_code, struct hull_err **err);

/* container_pause() - docker pause (@pause) / unpause through the freezer cgroup; records
 * State.Paused and Status "paused". Errors: not running, already (un)paused, no freezer. */
int container_pause(struct container *c, bool pause, struct hull_err **err);

/*
 * container_rename() - docker rename: a valid, unused new name. The name is
 * checked and taken under the store's names lock, so a concurrent rename or
 * create cannot take it too; the record is then changed under @c's lock
 * (container_lock()). A taken name: -EEXIST "Error when allocating new name:
 * Conflict. The container name ..." (moby daemon/rename.go).
 */
int container_rename(struct store *s, struct container *c, const char *name, struct hull_err **err);

/* container_pids() - host pids of every process of the running container (from its cgroup, or
 * its PID 1 alone without one). */
int container_pids(struct container *c, pid_t **ret, size_t *ret_n, struct hull_err **err);

struct rt_cgroup_stats;
/* container_stats() - cgroup figures of the running container (docker stats). */
int container_stats(struct container *c, struct rt_cgroup_stats *ret, struct hull_err **err);

/* container_run_opts() - the run options stored in @c's record (for start/restart); strings
 * borrowed from the record. */
void container_run_opts(struct container *c, struct run_opts *ret);

/* container_init_path() - the hull-init binary next to the running hull, or in
 * $libexecdir/hull; NULL if absent. Static storage. */
char *container_init_path(void);
/* container_helper_path() - the helper program @name (hull-init, hull-monitor) next to the
 * running hull, or in $libexecdir/hull; NULL if absent. Static storage, overwritten by the next
 * call. */
char *container_helper_path(const char *name);

/*
 * container_monitor_resume() - `hull container-monitor ID FLAGS...`: the
 * detached monitor again after hull-monitor saw the container exit (hull-monitor
 * execs it in the same process, see src/monitor/monitor.c for the FLAGS):
 * restart the container as its policy says (handing it back to hull-monitor)
 * or free its network and cgroups, record the exit (or remove it, --rm) and
 * tell the attach clients. Refused (-EPERM) unless the calling process is the
 * container's recorded monitor. Cleans up even after an error in FLAGS.
 */
int container_monitor_resume(struct store *s, const char *runroot, int argc, char **argv,
			     struct hull_err **err);

/*
 * Health checks (container/health.c, after moby daemon/health.go). The
 * container's monitor runs a probe every so often (health-timer.h) as
 * `hull container-health ID`, which calls container_health_probe().
 */
/*
 * container_healthcheck_config() - the new container's Config.Healthcheck:
 * @user_hc (from the run flags, may be NULL) checked as docker's daemon does
 * ("Interval in Healthcheck cannot be less than 1ms", "Retries in
 * Healthcheck cannot be negative": -EINVAL), then each of its empty fields
 * taken from @image_hc (moby's merge). *@ret is a new reference, or NULL
 * when neither has one. Both arguments borrowed.
 */
int container_healthcheck_config(json_t *image_hc, json_t *user_hc, json_t **ret,
				 struct hull_err **err);
/* container_health_started() - a start of @rec's process: State.Health "starting", streak 0. */
void container_health_started(json_t *rec);
/* container_health_stopped() - the exit (or pause) of a container with a probe: "unhealthy",
 * as docker marks it when its health monitor stops. */
void container_health_stopped(json_t *rec);
/* container_health_status() - State.Health.Status ("starting", "healthy", "unhealthy"), or
 * NULL for a container without one (docker's "none"). Borrowed. */
const char *container_health_status(json_t *rec);
/*
 * container_health_schedule() - whether @rec's container has a probe to run
 * (Healthcheck.Test CMD or CMD-SHELL); if so the milliseconds from its start
 * (@started_at, ns since the epoch: State.StartedAt) to the first probe, and
 * between probes when a probe fails to say.
 */
bool container_health_schedule(json_t *rec, int64_t started_at, int *ret_first_ms,
			       int *ret_delay_ms);
/*
 * container_health_probe() - one probe of the running container @name, as
 * docker's daemon runs it: the test as an exec (the container's user, env
 * and working directory; CMD-SHELL through Config.Shell or /bin/sh -c),
 * output kept up to 4096 bytes, killed at Timeout ("Health check exceeded
 * timeout (30s)", exit code -1); the result joins the last five in
 * State.Health.Log and moves Status (starting, healthy, unhealthy after
 * Retries failures in a row, not counting those in the start period).
 * *@ret_next_ms: milliseconds to the next probe, or -1 for none (no probe
 * configured, the container not running). Refused (-EPERM) unless the
 * caller's parent is the container's monitor.
 */
int container_health_probe(struct store *s, const char *runroot, const char *name, int *ret_next_ms,
			   struct hull_err **err);

/*
 * group_add_resolve() - docker --group-add: append the gid of each name or
 * number in the JSON array @names to *@groups, names looked up in the image's
 * /etc/group as image_user_resolve() does. -ENOENT: "Unable to find group X".
 */
int group_add_resolve(char *const *lowerdirs, const char *upper, json_t *names, gid_t **groups,
		      size_t *n_groups, struct hull_err **err);

/*
 * container_device_parse() - docker run --device HOST[:CONTAINER][:PERMS]
 * as the docker CLI checks and splits it (cli/command/container/opts.go
 * validateLinuxPath, parseLinuxDevice): CONTAINER defaults to HOST, PERMS
 * (one to three of r, w, m) to "rwm"; "HOST:PERMS" is accepted. New strings
 * in *@ret_host, *@ret_ctr, *@ret_perms (caller frees), written only on
 * success. Pure (no file is looked at: that happens at each start). -EINVAL
 * with docker's messages: "bad format for path: X", "bad mode specified: M",
 * "P is not an absolute path".
 */
int container_device_parse(const char *spec, char **ret_host, char **ret_ctr, char **ret_perms,
			   struct hull_err **err);
/*
 * container_device_cgroup_rule_check() - docker run --device-cgroup-rule:
 * the docker CLI's pattern "^[acb] ([0-9]+|\*):([0-9]+|\*) [rwm]{1,3}$"
 * (-EINVAL "invalid device cgroup format 'R'"), and numbers within the
 * kernel's 12-bit major and 20-bit minor (-ERANGE). Pure.
 */
int container_device_cgroup_rule_check(const char *rule, struct hull_err **err);

/* container_load() - find a container by full id, unique id prefix or name. -ENOENT: "No such
 * container: X". */
int container_load(struct store *s, const char *name_or_id, struct container **ret,
		   struct hull_err **err);
/* container_list() - every container record (hidden build containers excluded); *@ret is
 * NULL-terminated. */
int container_list(struct store *s, struct container ***ret, struct hull_err **err);
/*
 * container_run_dir() - the container's runtime-state directory,
 * <runroot>/containers/<id> (the monitor's attach socket), created and
 * recorded in the record's Hull.RunDir on first use (borrowed string).
 */
const char *container_run_dir(const char *runroot, struct container *c);
/*
 * container_remove_dead_hidden() - remove the RUN containers of builds that
 * were killed (not running, see container_reconcile(), and their build's
 * process gone: "created" ones too, a build killed before it started the
 * step), with their runtime state under @runroot.
 */
void container_remove_dead_hidden(struct store *s, const char *runroot);
/*
 * container_check() - `hull system check` of the containers (after
 * store_check() of the images): each directory of <root>/containers/ must
 * hold a record whose image (Image, its config digest) is in the store with
 * all its layers, and the rootfs directories upper/ and work/;
 * <runroot>/containers/ must hold only entries of existing containers.
 * Reading a record reconciles it as every command does (a container whose
 * monitor died is recorded as exited). With @repair the orphans are removed:
 * directories without a record (a creation or removal killed before they
 * went through tmp/), entries that are no container, runroot entries of
 * containers that no longer exist; nothing of a container with a record.
 * Each problem goes to @report (store_check_fn). Returns the number of
 * problems left, or a negative errno when containers/ cannot be read.
 */
int container_check(struct store *s, const char *runroot, bool repair, store_check_fn report,
		    void *arg, struct hull_err **err);
/* container_free() - accepts NULL; returns NULL. */
struct container *container_free(struct container *c);
/* container_list_free() - free a list from container_list(). */
void container_list_free(struct container **l);
/*
 * container_event() - append the container event @action ("create", "start",
 * "die"...) of @c to its store's journal (util/events.h), with moby's Actor
 * attributes (the container's labels, "image", "name") plus the extra
 * KEY, VALUE string pairs that follow, NULL-terminated ("exitCode", "0").
 * Best effort, never fails; takes no lock.
 */
void container_event(struct container *c, const char *action, ...) _sentinel_;
/*
 * container_save() - write @c's record, atomically (a new file renamed over
 * it), under @c's lock (container_lock(), taken for the write unless the
 * caller holds it). What another process wrote since @c's record was read
 * is kept: the record on disk is read again under the lock and
 * json_rebase() applies this process's changes (@c->rec against what it
 * read or last wrote) onto it, so each writer changes only the members it
 * changed; @c->rec is then what was written. A new record (never read
 * or written) is written as it is. -ENOENT "No such container: ID" once
 * the container was removed. (moby keeps the record in the daemon's memory
 * under container.Lock() and writes it whole, container.CheckpointTo: with
 * no daemon, the file is what the writers share.)
 */
int container_save(struct container *c, struct hull_err **err);
/*
 * container_lock() - take @c's lock: an exclusive flock(2) of its directory
 * <root>/containers/<id>, so the kernel drops it when the holder dies, even
 * by SIGKILL. Then @c->rec is read again (changes not saved are dropped;
 * pointers into the old record become invalid), so what the caller decides
 * from it holds until container_unlock(): moby's container.Lock() around
 * a check and its change, across processes. Nested calls are counted (they
 * neither block nor read again). Blocks while another process holds it.
 * Order: the names lock (container_create(), container_rename()) before a
 * container's lock, never after one; no other container is loaded while
 * one's lock is held (container_load() may take that container's lock, see
 * container_reconcile()); no fork while held, but to exec at once (the child
 * shares it until then). -ENOENT "No such container: ID" when the container
 * is removed or being removed. See docs/internals/container.md "Locks".
 */
int container_lock(struct container *c, struct hull_err **err);
/* container_unlock() - release one container_lock(); the last one drops the flock. */
void container_unlock(struct container *c);
/* container_is_running() - State.Running and the process is still alive. */
bool container_is_running(struct container *c);

/*
 * container_size() - docker's SizeRw and SizeRootFs of @c, in bytes (moby
 * GetContainerLayerSize): *@ret_rw, what its writable layer holds (the upper
 * directory's files, du's apparent sizes), and *@ret_rootfs, that plus its
 * image's layers (image.size; the rw size alone if the image is gone). Reads
 * the whole upper directory: for `inspect --size` and `ps --size` only. No lock.
 */
void container_size(struct store *s, struct container *c, int64_t *ret_rw, int64_t *ret_rootfs);
/*
 * container_exit_pending() - the process ended but its monitor, alive, has
 * not recorded the exit yet (State.Running, not restarting): until it does,
 * the container is still running to docker's eyes (moby's daemon handles the
 * exit event before it reports the container stopped), and its exit code and
 * time are unknown. Reads /proc; no lock.
 */
bool container_exit_pending(struct container *c);

/*
 * container_stop() - docker stop: the stop signal (Config.StopSignal, else
 * SIGTERM), then SIGKILL after @timeout seconds (-1: the container's
 * StopTimeout or 10); waits until the monitor has recorded the exit.
 */
int container_stop(struct store *s, struct container *c, int timeout, struct hull_err **err);
/* container_kill() - send @sig to the container's process; -EINVAL if not running. */
int container_kill(struct container *c, int sig, struct hull_err **err);
/*
 * container_remove() - delete the container; a running one fails unless
 * @force (then it is killed first). The record goes at once: under @c's
 * lock its directory is renamed to <root>/containers/.rm-<id>, which no
 * reader lists, then deleted (a leftover of a removal that was killed is
 * deleted by the next hull that lists the containers). A concurrent
 * writer gets "No such container".
 */
int container_remove(struct store *s, const char *runroot, struct container *c, bool force,
		     struct hull_err **err);
/* container_wait_exit() - block until the container's monitor has recorded its exit (reloads the
 * record). */
int container_wait_exit(struct container *c, struct hull_err **err);

/*
 * container_logs() - write the log (json-file or local, logs.c) to @out_fd /
 * @err_fd by stream; with @follow keep reading until the container stops.
 */
int container_logs(struct container *c, bool follow, int out_fd, int err_fd, struct hull_err **err);

/*
 * container_log_config() - docker's HostConfig.LogConfig {Type, Config} for
 * --log-driver @driver (NULL or "": json-file) and the "KEY=VALUE" (or
 * "KEY": empty) --log-opt values @opts, checked as docker checks them at
 * create and start: drivers json-file, local and none; json-file takes
 * max-size (go-units, in powers of 1000), max-file, compress, and labels,
 * labels-regex, env, env-regex and tag, the attributes of each record
 * (tag: {{.ID}}, {{.Name}}... only); local max-size, max-file and compress
 * (defaults 20m, 5, true). Errors in docker's words: "error looking up logging plugin foo:
 * plugin \"foo\" not found", "unknown log opt 'x' for json-file log
 * driver", "invalid logging opts for driver none", "failed to initialize
 * logging driver: max-file cannot be less than 1"... The drivers docker has
 * and hull has not (syslog...) are refused as such.
 */
int container_log_config(const char *driver, char *const *opts, json_t **ret,
			 struct hull_err **err);

/*
 * container_log_compress() - gzip the rotated log @path into @path.gz and
 * remove it (`hull container-log-compress`, run by the monitor at rotation).
 */
int container_log_compress(const char *path, struct hull_err **err);

struct logs_opts {
	bool follow;	 /* -f */
	bool timestamps; /* -t: each line starts with its RFC 3339 time and a space */
	long tail;	 /* --tail N: the last N lines (-1: all) */
	double since;	 /* --since: seconds since the epoch (0: no bound) */
	double until;	 /* --until (0: no bound) */
	bool details; /* --details: each line starts with its attributes ("k=v,k=v") and a space */
};
/*
 * container_logs_ex() - container_logs() with docker logs' -f -t --tail
 * --since --until --details, across the rotated files (oldest first,
 * gzipped ones decompressed as they are read). --tail N takes the last N
 * records, read backwards from the end in bounded memory, and then applies
 * --since/--until, as docker's reader does; a record past --until ends the
 * output. With -f, a rotation is followed into the new file. Errors:
 * "configured logging driver does not support reading" (--log-driver none),
 * open/read errors; a reader that went away (EPIPE) is not one.
 */
int container_logs_ex(struct container *c, const struct logs_opts *o, int out_fd, int err_fd,
		      struct hull_err **err);

/*
 * container_restart_policy_set() - parse docker's --restart value
 * ("no", "always", "unless-stopped", "on-failure[:N]"; NULL = "no") into
 * HostConfig.RestartPolicy {Name, MaximumRetryCount} of @c (not saved).
 * Errors as docker's: unknown policy, a count with another policy than
 * on-failure, a policy together with --rm.
 */
int container_restart_policy_set(struct container *c, const char *spec, struct hull_err **err);
/*
 * container_restart_decide() - in the monitor, after the process exited with
 * @exit_code: whether the policy restarts it (moby restartmanager). If so,
 * records and saves the "restarting" state and sets *@delay_ms to the
 * back-off to sleep (ms: the previous *@delay_ms doubled, from 100 ms, at most
 * 60 s, back to 100 ms after a run of 10 s); false also when stop/kill marked
 * the container. The
 * detached monitor sleeps it in hull-monitor (`--sleep`), then runs
 * container_restart_resume(c, 0) in `hull container-monitor --restart-now`.
 */
bool container_restart_decide(struct container *c, int exit_code, int *delay_ms);
/*
 * container_restart_resume() - after container_restart_decide(): sleeps @sleep_ms (0: none)
 * in 20 ms steps, giving up when stop/kill/rm leaves the "stopped" marker;
 * clears State.Restarting (not saved). True, with RestartCount incremented,
 * to restart; false when the container was marked stopped.
 */
bool container_restart_resume(struct container *c, int sleep_ms);
/* container_stop_marker() - the path of @c's "stopped" marker file (owned by the caller). */
char *container_stop_marker(struct container *c);
/* container_mark_stopped() - set (stop, kill) or clear (start) the "stopped by the user" marker. */
void container_mark_stopped(struct container *c, bool stopped);

/*
 * signal_parse() - a signal name ("SIGTERM", "TERM", any case) or number;
 * returns the number or -EINVAL.
 */
int signal_parse(const char *s);

/* now_rfc3339() - the current time as RFC 3339 with nanoseconds, UTC; caller frees. */
char *now_rfc3339(void);
/* time_parse_rfc3339() - seconds since the epoch of such a string, or 0. */
double time_parse_rfc3339(const char *s);

/*
 * image_user_resolve() - resolve docker's -u/USER value "user[:group]" (names
 * or numbers) against /etc/passwd and /etc/group found in @lowerdirs (top
 * first) and @upper (may be NULL), as moby's user.GetExecUser: a name that is
 * not found fails ("unable find user NAME: no matching entries in passwd
 * file"); a number that is not found is used as is with gid 0... Supplementary
 * groups are the user's groups from /etc/group. *@ret_home may be NULL.
 */
int image_user_resolve(char *const *lowerdirs, const char *upper, const char *spec, uid_t *ret_uid,
		       gid_t *ret_gid, gid_t **ret_groups, size_t *ret_n_groups, char **ret_home,
		       struct hull_err **err);

/*
 * Resource limits (container/resources.c), docker's flags and HostConfig
 * fields: Memory, MemorySwap, MemoryReservation, KernelMemory, OomKillDisable,
 * OomScoreAdj, NanoCpus, CpuShares, CpuPeriod, CpuQuota, CpusetCpus,
 * CpusetMems, PidsLimit, BlkioWeight, BlkioDevice{Read,Write}{Bps,IOps} and
 * Ulimits.
 */
struct rt_resources;
struct rt_throttle;
struct rt_rlimit;
/*
 * container_resource_flag() - parse the value @v of the run/create/update flag
 * @flag (its long name without dashes: "memory", "cpus", "ulimit",
 * "device-read-bps"...) into its HostConfig field(s) in @res, as docker/cli
 * does (sizes as go-units RAMInBytes, --cpus as a decimal). -EINVAL with
 * docker's message: invalid argument "V" for "--FLAG" flag: ...
 */
int container_resource_flag(json_t *res, const char *flag, const char *v, struct hull_err **err);
/* container_ram_parse() - docker/go-units RAMInBytes ("64m", "1.5g", binary units); -EINVAL. */
int container_ram_parse(const char *s, int64_t *ret);
/* container_resources_defaults() - every resource field docker's inspect shows, where unset. */
void container_resources_defaults(json_t *hc);
/*
 * container_resources_verify() - moby's adaptContainerSettings and
 * verifyPlatformContainerResources on @hc (changed in place: MemorySwap twice
 * Memory by default, CpuShares clamped, settings this host cannot honour
 * discarded with a warning appended to *@warnings). With @update, the rules of
 * docker update. Errors carry docker's messages ("Minimum memory limit allowed
 * is 6MB"...).
 */
int container_resources_verify(json_t *hc, bool update, char ***warnings, struct hull_err **err);
/*
 * container_rt_resources() - the runtime's limits for HostConfig @hc (NanoCpus
 * as a quota per 100 ms period, device paths resolved to major:minor).
 * *@ret_throttle is an array that *@ret points into: the caller frees it.
 */
int container_rt_resources(json_t *hc, struct rt_resources *ret, struct rt_throttle **ret_throttle,
			   struct hull_err **err);
/*
 * container_oci_rlimits() - HostConfig.Ulimits (docker's names: "nofile") as an OCI
 * process.rlimits array ({"type": "RLIMIT_NOFILE", "soft", "hard"}; -1 unlimited). A new
 * reference; docker's names this hull does not know are left out (refused at create).
 */
json_t *container_oci_rlimits(json_t *hc);
/*
 * container_update() - docker update: merge the HostConfig fields of @upd and
 * the policy @restart (NULL: unchanged) into @c after docker's checks, write
 * the changed limits into the cgroups of a running container, save. Nothing
 * changes on failure ("Cannot update container ID: ..."). Warnings as
 * container_resources_verify().
 */
int container_update(struct container *c, json_t *upd, const char *restart, char ***warnings,
		     struct hull_err **err);

#endif
