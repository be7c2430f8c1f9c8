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
 *                reference, id, short id) the container's image or one of
 *                its ancestors
 *   exited=N     exited (state "exited") with exit code N (compared as text)
 *   health=H     starting healthy unhealthy, or none for a container
 *                without a health check
 *   before=C     created before the container C (name, id or unique prefix)
 *   since=C      created after the container C
 *   volume=V     a mount whose destination is V, or whose volume name (a
 *                bind mount: its source) is V
 *   network=N    on the network named N (bridge, host and none included, as
 *                inspect shows them), or whose id starts with N
 *   publish=P    a running container with host port P published; P is
 *                PORT[/PROTO] or a range START-END[/PROTO], tcp by default
 *   expose=P     a running container with container port P exposed or
 *                published (the same syntax)
 *   is-task=B    true or false: whether the container is a swarm task; hull
 *                has no swarm, so true matches none and false every one
 *   isolation=I  accepted and ignored, as moby on Linux (a Windows notion)
 *
 * ancestor= also matches containers of images built on R
 * (image_is_ancestor(): hull keeps no parent chain, the history and layers
 * stand in for it), as moby walks the parents its classic builder records.
 *
 * Not thread-safe per object; no I/O but store_image_get() for ancestor and
 * network_find() for the ids of bridge, host and none.
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
	CONTAINER_FILTER_VOLUME,
	CONTAINER_FILTER_NETWORK,
	CONTAINER_FILTER_PUBLISH,
	CONTAINER_FILTER_EXPOSE,
	CONTAINER_FILTER_IS_TASK,
	CONTAINER_FILTER_ISOLATION,
	/* the keys matched apart, after every key above */
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
 * words); for publish and expose, moby's "filter for 'publish' should not
 * contain ':': P" and "error while looking up for publish P: REASON"; for
 * is-task, "invalid filter 'is-task=B'". @f is unchanged on error. Pure.
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
 * NULL to compute it. @s is used for ancestor= values that are not @c's
 * Config.Image as typed (NULL: those do not match) and for the ids of the
 * predefined networks. before=/since=
 * need container_filter_resolve() first. A container whose Created does not
 * parse fails before= and since=.
 */
bool container_filter_match(const struct container_filter *f, struct store *s, struct container *c,
			    const char *state);

/*
 * struct container_port - one entry of docker's container summary Ports
 * (moby api/types Port): a published binding, or a port exposed without one
 * (@ip "" and @public_port 0).
 */
struct container_port {
	char ip[64];	       /* the host address as the record has it, "" for none */
	uint16_t private_port; /* the container's port */
	uint16_t public_port;  /* the host's port, 0 for none */
	char type[8];	       /* "tcp", "udp" or "sctp" */
};

/*
 * container_ports() - the ports docker's ps shows for @c: none unless @c
 * is running on a network of its own (not host, none or container:NAME,
 * whose NetworkSettings.Ports docker leaves empty); then every binding of
 * NetworkSettings.Ports, and every port of Config.ExposedPorts that has
 * none. *@ret is allocated (caller frees), *@n its length. @state is @c's
 * container_ps_state(), as container_filter_match() takes it. Pure.
 */
void container_ports(struct container *c, const char *state, struct container_port **ret,
		     size_t *n);

/*
 * container_ports_display() - docker's PORTS column for @ports (docker/cli
 * formatter DisplayablePorts): sorted by container port, address, host
 * port and type; ports exposed without a binding, and bindings whose host
 * port equals the container port, grouped into ranges of consecutive ports
 * per address and type ("80/tcp", "8000-8002/tcp",
 * "0.0.0.0:8000-8002->8000-8002/tcp"); the other bindings after them, one
 * each ("127.0.0.1:18080->8080/tcp", "[::1]:8080->80/tcp"). Sorts @ports
 * in place. Returns an allocated string ("" for none), never NULL.
 */
char *container_ports_display(struct container_port *ports, size_t n);

/* container_filter_release() - free @f's values (not @f); accepts NULL. */
void container_filter_release(struct container_filter *f);

#endif
