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

struct run_opts {
	const char *name;	/* --name, or NULL for a generated one */
	bool detach;		/* -d */
	bool auto_remove;	/* --rm */
	bool interactive;	/* -i */
	bool tty;		/* -t */
	char **env;		/* -e NAME=value or NAME (taken from our environment) */
	const char *workdir;	/* -w */
	const char *user;	/* -u user[:group] */
	char **entrypoint;	/* --entrypoint, as one element; NULL if not given */
	char **cmd;		/* arguments after IMAGE */
	const char *network;	/* "bridge" (default), "host", "none" */
	struct port_map *ports; /* -p */
	size_t n_ports;
	bool hidden;	     /* build containers: not shown by ps */
	int out_fd;	     /* foreground: where stdout/stderr go (-1: ours) */
	char **volumes;	     /* -v [SRC:]DST[:OPTS] (container/volume.h) */
	char **mounts;	     /* --mount type=...,... */
	const char *restart; /* --restart no|on-failure[:N]|always|unless-stopped (NULL: no) */
};

struct container {
	char *id;
	char *dir;   /* <root>/containers/<id> */
	json_t *rec; /* the record (owned) */
};

/*
 * container_create() - create a container from @img (borrowed; @image_name is
 * the reference the user typed) with @o: decides the command with
 * cmd_resolve(), checks the name, writes the record and the overlay
 * directories. Errors: "no command specified", a name conflict, bad -u.
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
 */
int container_start(struct store *s, const char *runroot, struct container *c,
		    const struct run_opts *o, int *ret_exit_code, struct hull_err **err);

/* container_load() - find a container by full id, unique id prefix or name. -ENOENT: "No such
 * container: X". */
int container_load(struct store *s, const char *name_or_id, struct container **ret,
		   struct hull_err **err);
/* container_list() - every container record (hidden build containers excluded); *@ret is
 * NULL-terminated. */
int container_list(struct store *s, struct container ***ret, struct hull_err **err);
/* container_free() - accepts NULL; returns NULL. */
struct container *container_free(struct container *c);
/* container_list_free() - free a list from container_list(). */
void container_list_free(struct container **l);
/* container_save() - write the record atomically. */
int container_save(struct container *c, struct hull_err **err);
/* container_is_running() - State.Running and the process is still alive. */
bool container_is_running(struct container *c);

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
 * @force (then it is killed first).
 */
int container_remove(struct store *s, const char *runroot, struct container *c, bool force,
		     struct hull_err **err);
/* container_wait_exit() - block until the container's monitor has recorded its exit (reloads the
 * record). */
int container_wait_exit(struct container *c, struct hull_err **err);

/*
 * container_logs() - write the json-file log to @out_fd / @err_fd by stream;
 * with @follow keep reading until the container stops.
 */
int container_logs(struct container *c, bool follow, int out_fd, int err_fd, struct hull_err **err);

struct logs_opts {
	bool follow;	 /* -f */
	bool timestamps; /* -t: each line starts with its RFC 3339 time and a space */
	long tail;	 /* --tail N: the last N lines (-1: all) */
	double since;	 /* --since: seconds since the epoch (0: no bound) */
	double until;	 /* --until (0: no bound) */
};
/* container_logs_ex() - container_logs() with docker logs' -f -t --tail --since --until. */
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
 * container_restart_wait() - in the monitor, after the process exited with
 * @exit_code: whether the policy restarts it. If so, records the
 * "restarting" state, sleeps the back-off (*@delay_ms, docker's 100 ms
 * doubling, reset after 10 s of running) and increments RestartCount; false
 * if stop/kill marked the container meanwhile.
 */
bool container_restart_wait(struct container *c, int exit_code, int *delay_ms);
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

#endif
