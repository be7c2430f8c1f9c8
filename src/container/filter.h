/* SPDX-License-Identifier: MIT */
/*
 * `hull ps --filter KEY=VALUE`: docker's container list filters (moby
 * daemon/list.go with api/types/filters), parsed once and matched against
 * each container record. Values of one key are alternatives (any may
 * match); different keys must all match.
 *
 *   status=S     the state ps shows (container_ps_state()); S is one of
 *                created restarting running removing paused exited dead
 *   name=N       N is a substring of the name
 *   id=P         the id starts with P
 *   label=K      the container's Config.Labels has K (label=K=V: with value V)
 *   ancestor=R   Config.Image is R as typed, or R names (store_image_get():
 *                reference, id, short id) the container's image
 *   exited=N     exited (state "exited") with exit code N (compared as text)
 *   health=H     starting healthy unhealthy, or none for a container
 *                without a health check
 *   before=C     created before the container C (name, id or unique prefix)
 *   since=C      created after the container C
 *
 * Not thread-safe per object; no I/O but store_image_get() for ancestor.
 */
#ifndef HULL_CONTAINER_FILTER_H
#define HULL_CONTAINER_FILTER_H

#include <stdbool.h>
#include "container/container.h"
#include "util/err.h"

enum container_filter_key {
	CONTAINER_FILTER_STATUS,
	CONTAINER_FILTER_NAME,
	CONTAINER_FILTER_ANCESTOR,
	CONTAINER_FILTER_LABEL,
	CONTAINER_FILTER_ID,
	CONTAINER_FILTER_EXITED,
	CONTAINER_FILTER_HEALTH,
	CONTAINER_FILTER_BEFORE,
	CONTAINER_FILTER_SINCE,
	_CONTAINER_FILTER_MAX,
	_CONTAINER_FILTER_INVALID = -EINVAL,
};

struct container_filter {
	char **values[_CONTAINER_FILTER_MAX]; /* each key's values (strv), NULL: not given */
	/* set by container_filter_resolve(): the Created (Unix seconds) of before= and since= */
	bool has_before, has_since;
	double before, since;
};

#define CONTAINER_FILTER_INIT \
	{                     \
		0             \
	}

/*
 * container_filter_add() - add one --filter argument @arg ("KEY=VALUE",
 * copied) to @f. Errors, in the words hull's ps has always printed them
 * (after "hull: ", exit 125): -EINVAL "invalid filter 'KEY'" for an unknown
 * key or no '=' (KEY is @arg up to the first '='); -EINVAL "invalid filter
 * 'status=S': must be one of created, restarting, running, removing, paused,
 * exited, dead"; -EINVAL "Unrecognised filter value for health: H" (moby's
 * words). @f is unchanged on error. Pure.
 */
int container_filter_add(struct container_filter *f, const char *arg, struct hull_err **err);

/*
 * container_filter_all() - whether @f makes ps look at every container, not
 * only the running ones: a status filter does (moby daemon/list.go: only
 * "status" sets All). Pure.
 */
bool container_filter_all(const struct container_filter *f);

/*
 * container_filter_resolve() - find the containers that before= and since=
 * name among @list (NULL-terminated, borrowed; the store's containers, as
 * container_list() gives them) by full id, name (with or without '/'), then
 * unique id prefix, as container_load() does, and record their creation
 * times in @f; with several values of one key the last wins (moby). Errors:
 * -ENOENT "No such container: C", -EINVAL "multiple IDs found with provided
 * prefix: C". A filter without before/since needs no call. Pure.
 */
int container_filter_resolve(struct container_filter *f, struct container *const *list,
			     struct hull_err **err);

/*
 * container_ps_state() - the state `ps` shows for @c (docker's State
 * column): "restarting" (State.Restarting), "running" (container_is_running():
 * State.Running and the process alive, or container_exit_pending(): an exit
 * its live monitor has not recorded yet), "exited" (State.Status "exited", or
 * "running" with the process and its monitor gone), else "created". Static
 * string. Checks that the process and the monitor are alive.
 */
const char *container_ps_state(struct container *c);

/*
 * container_filter_match() - whether @c passes @f. @state is @c's state as
 * the caller already computed it with container_ps_state() (so that a
 * process dying meanwhile cannot make the row and the filter disagree), or
 * NULL to compute it. @s is used only for ancestor= values that are not
 * @c's Config.Image as typed (NULL: those do not match). before=/since=
 * need container_filter_resolve() first. A container whose Created does not
 * parse fails before= and since=.
 */
bool container_filter_match(const struct container_filter *f, struct store *s, struct container *c,
			    const char *state);

/* container_filter_release() - free @f's values (not @f); accepts NULL. */
void container_filter_release(struct container_filter *f);

#endif
