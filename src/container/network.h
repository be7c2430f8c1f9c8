/* SPDX-License-Identifier: MIT */
/*
 * Networks as docker's `network` commands show them (moby
 * api/types/network.Inspect, daemon/network.go). A network is a record
 * <root>/networks/<id>.json written atomically while holding the networks
 * lock (flock on <root>/networks/lock), shaped like `docker network inspect`
 * output without "Containers" (computed from the addresses in use) plus a
 * private "Hull" object ({"Bridge": Linux bridge name, "UserSubnet": --subnet
 * given}) that inspect hides. The predefined networks "bridge" (hull0),
 * "host" and "none" are records too, made on first use, so that their ids
 * stay the same for a store. User networks are bridge networks
 * (src/net/net.h struct net_bridge); their bridge is made at create.
 *
 * Functions return 0 or a negative errno with *err set (util/err.h); the
 * messages are docker's where docker has one.
 */
#ifndef HULL_CONTAINER_NETWORK_H
#define HULL_CONTAINER_NETWORK_H

#include "util/filter.h"
#include <jansson.h>
#include <stdbool.h>
#include "container/container.h"
#include "image/store.h"
#include "net/net.h"
#include "util/err.h"

struct network_opts {
	const char *name;
	const char *driver;   /* NULL or "bridge" (anything else: plugin "X" not found) */
	const char *subnet;   /* --subnet CIDR, NULL: the next free of docker's default pools */
	const char *gateway;  /* --gateway, NULL: the subnet's first address */
	const char *ip_range; /* --ip-range CIDR inside the subnet: where addresses are taken */
	bool internal;	      /* --internal */
	/*
	 * --ipv6 (docker's EnableIPv6): a second, IPv6 subnet beside the IPv4 one. @subnet6 is
	 * required (docker 20.10 has no default IPv6 pools); @gateway6 defaults to its first host
	 * address; @ip_range6 as @ip_range. The CLI sorts --subnet, --gateway and --ip-range
	 * into the two families by their text (an IPv6 one has a ':').
	 */
	bool ipv6;
	const char *subnet6, *gateway6, *ip_range6;
	bool attachable; /* --attachable: recorded (it matters to swarm only) */
	char **labels;	 /* --label K=V or K */
	char **options;	 /* -o K=V: only com.docker.network.bridge.name */
};

/*
 * network_container_event() - moby's network event @action ("connect", "disconnect") of
 * container @ctr_id on the network @net_id (Actor.ID) named @net_name, of driver @type
 * (daemon/events.go LogNetworkEventWithAttributes: attributes container, name, type).
 * Best effort, as events_emit().
 */
void network_container_event(struct store *s, const char *action, const char *net_id,
			     const char *net_name, const char *type, const char *ctr_id);
/*
 * network_attached() - the networks the container of record @rec is attached to, as
 * [id, name, type] arrays (new array): its NetworkMode's when @first_up (bridge, host
 * and none by their records, a user one by its endpoint when it has an address), then
 * every other endpoint with an address. A container:NAME mode has none of its own.
 */
json_t *network_attached(struct store *s, json_t *rec, bool first_up);
/* network_attached_events() - network_container_event(@action) for each of @list. */
void network_attached_events(struct store *s, const char *ctr_id, json_t *list, const char *action);

/* network_is_predefined() - "bridge", "host" or "none" (docker's runconfig IsPreDefinedNetwork). */
bool network_is_predefined(const char *name);

/*
 * network_create() - create the user network of @o: checks the name
 * ("network with name X already exists"), the subnet ("Pool overlaps with
 * other one on this address space" when it overlaps another network's, or
 * a route of the host), the gateway, the bridge name; picks a subnet from
 * docker's default pools (172.18.0.0/16 ... 172.31.0.0/16, then
 * 192.168.0.0/20 ... 192.168.240.0/20: 172.17.0.0/16 is left to docker's own
 * docker0) that overlaps no network and no route of the host; checks the
 * --ip-range as docker's CLI and daemon do ("no matching subnet for range X"
 * when outside the subnet, "invalid network config:\ninvalid ip-range X: ..."
 * for a block bigger than the subnet or with host bits); creates the
 * bridge and its nftables pieces (net_network_setup()), then writes the
 * record. Holds the store's networks lock and, from the subnet checks to the
 * bridge's creation, the host's (NET_STATE_DIR/networks/lock). *@ret is the
 * record (new reference).
 */
int network_create(struct store *s, const struct network_opts *o, json_t **ret,
		   struct hull_err **err);

/*
 * network_find() - the record of the network named or identified by @ref:
 * an exact id, an exact name, then a unique id prefix (moby
 * daemon/network.go FindNetwork). -ENOENT "network REF not found".
 */
int network_find(struct store *s, const char *ref, json_t **ret, struct hull_err **err);

/* network_list() - every network record, sorted by name (new array). */
int network_list(struct store *s, json_t **ret, struct hull_err **err);

/*
 * network_inspect() - @rec as `docker network inspect` shows it: docker's key
 * order, "Containers" filled from the containers of @s holding an address on
 * it ({ID: {Name, EndpointID, MacAddress, IPv4Address, IPv6Address}}), no
 * "Hull". New reference.
 */
json_t *network_inspect(struct store *s, json_t *rec);

/*
 * network_remove() - remove the network @ref: its record, bridge, nftables
 * pieces and address state. Errors: -ENOENT as network_find(), -EPERM
 * "NAME is a pre-defined network and cannot be removed", -EBUSY "error while
 * removing network: network NAME id ID has active endpoints" while a
 * container of the store holds an address on it (a running one, or one being
 * started). *@ret_name is the name removed (caller frees).
 */
int network_remove(struct store *s, const char *ref, char **ret_name, struct hull_err **err);

/*
 * network_prune() - remove every user network without endpoints that passes @f
 * (its Labels and Created; NULL: all, moby's NetworksPrune); *@ret_names lists them.
 */
int network_prune(struct store *s, const struct prune_filter *f, char ***ret_names,
		  struct hull_err **err);

/*
 * network_bridge() - the struct net_bridge of the user network record @rec.
 * -EINVAL for a record that is not a valid bridge network.
 */
int network_bridge(json_t *rec, struct net_bridge *ret);

/*
 * network_ip_exhausted() - @r (an address allocation's result on the network
 * @name of @s) as docker reports an exhausted pool: for -ENOSPC, *@err is
 * replaced by "no available IPv4 addresses on this network's address pools:
 * NAME (ID)" (libnetwork endpoint.go assignAddress); any other @r is
 * returned as it is, *@err untouched. Takes no lock.
 */
int network_ip_exhausted(struct store *s, const char *name, int r, struct hull_err **err);

/*
 * network_join() - for starting container @ctr_id on the user network @ref (or
 * on "bridge", for `network connect bridge`: hull0 and its addresses):
 * under the networks lock, find it (-ENOENT "network REF not found": it was
 * removed since the container's create), make sure its bridge is set up, and
 * reserve @want_ip (NULL: any) for the container. *@ret_b describes the network,
 * *@ret_ip the address (release with net_network_ip_release()). A full
 * pool: network_ip_exhausted()'s -ENOSPC. On a network with IPv6 (ret_b->ipv6), an IPv6
 * address too, @want_ip6 (--ip6) or the next free one, in @ret_ip6 (release with
 * net_network_ip6_release()); "" elsewhere. A failure releases what was taken.
 */
int network_join(struct store *s, const char *ref, const char *ctr_id, const char *want_ip,
		 const char *want_ip6, struct net_bridge *ret_b, char ret_ip[INET_ADDRSTRLEN],
		 char ret_ip6[INET6_ADDRSTRLEN], struct hull_err **err);

/*
 * network_ip_release() - free the address @ip a container held on the network
 * @net_name (id @net_id): hull0's (net_ip_release()) for "bridge", else the user
 * network's (net_network_ip_release()). Absent is fine.
 */
void network_ip_release(const char *net_name, const char *net_id, const char *ip);

/*
 * network_check_endpoint() - what container create checks of `--network
 * @ref --ip @ip` (@ip may be NULL), as moby daemon/container_operations.go
 * validateEndpointSettings and runconfig: the network exists, --ip only on a
 * user network with a --subnet ("user specified IP address is supported on
 * user defined networks only", "user specified IP address is supported only
 * when connecting to networks with user configured subnets"). --ip6 @ip6 likewise: an IPv6
 * address ("invalid IPv6 address: X"), on a user network with an IPv6 subnet (moby's
 * validateNetworkingConfig gives the same two messages). *@ret is the
 * network's record (NULL for host/none/bridge; new reference).
 */
int network_check_endpoint(struct store *s, const char *ref, const char *ip, const char *ip6,
			   json_t **ret, struct hull_err **err);

/*
 * network_check_aliases() - what create checks of --network-alias @aliases on
 * network @netmode (moby daemon/container_operations.go, runconfig
 * ErrUnsupportedNetworkAndAlias): -EINVAL "network-scoped alias is supported
 * only for containers in user defined networks" on bridge, host or none, and
 * -EINVAL for an alias that is not a name of docker's grammar
 * ([a-zA-Z0-9][a-zA-Z0-9_.-]*; docker takes any string, but these go into
 * other containers' /etc/hosts).
 */
int network_check_aliases(const char *netmode, char **aliases, struct hull_err **err);

/*
 * network_check_more() - the --network values after the first (@refs) of a
 * container whose first is @netmode (a name): each must be a user network
 * (docker: "conflicting options: cannot attach both user-defined and
 * non-user-defined network-modes"), found (-ENOENT "network X not found") and
 * given once. *@ret: their EndpointSettings keyed by name (new object; the
 * first network's --ip and --network-alias are not theirs).
 */
int network_check_more(struct store *s, const char *netmode, char **refs, json_t **ret,
		       struct hull_err **err);

/*
 * network_endpoint_new() - docker's EndpointSettings of a container on the user
 * network @net_id before its start: IPAMConfig.IPv4Address @ip (NULL: none),
 * Aliases @aliases (NULL: null), the address fields empty. New reference.
 */
json_t *network_endpoint_new(const char *net_id, const char *ip, char **aliases);
/*
 * network_endpoint_set_ip6() - docker's IPAMConfig.IPv6Address of endpoint @ep (--ip6 @ip6;
 * NULL or "": nothing). Borrowed @ep is changed in place.
 */
void network_endpoint_set_ip6(json_t *ep, const char *ip6);

/*
 * network_endpoint_fill() - the fields of EndpointSettings @ep once attached to
 * @b at @ip: NetworkID, a new EndpointID, Gateway ("" on an internal network),
 * IPAddress, IPPrefixLen, MacAddress (@mac, canonical, or when NULL or empty
 * 02:42 and the address, as src/net makes it) and DNSNames @names. With @ip6 (not NULL nor
 * ""): GlobalIPv6Address, GlobalIPv6PrefixLen and IPv6Gateway ("" on an internal network), as
 * moby's buildEndpointInfo fills them.
 */
void network_endpoint_fill(json_t *ep, const struct net_bridge *b, const char *ip, const char *ip6,
			   const char *mac, char **names);

/*
 * network_endpoint_mac() - the MAC docker gives container @rec's endpoint on network @net_name
 * (moby daemon/network.go buildCreateEndpointOptions): its Config.MacAddress (--mac-address),
 * canonical, on the network of its HostConfig.NetworkMode; "" (derive it from the address)
 * elsewhere or without one. Writes @ret.
 */
void network_endpoint_mac(json_t *rec, const char *net_name, char ret[18]);

/*
 * network_endpoint_up() - attach the running container @c (process @pid, its
 * monitor @monitor) to the user network @net_name of its record's
 * NetworkSettings.Networks that is not its first (a connected one, or a
 * --network after the first): network_join(), the endpoint's fields in
 * @c->rec (not saved), net_attach_extra(), network_hosts_join(). On failure
 * everything is undone (network_endpoint_down()).
 */
int network_endpoint_up(struct store *s, struct container *c, const char *net_name, pid_t pid,
			pid_t monitor, struct hull_err **err);

/*
 * network_endpoint_down() - release what network_endpoint_up() took for
 * @net_name: the hosts entry and names, the veth, the address; the endpoint's
 * fields in @c->rec are emptied (not saved).
 */
void network_endpoint_down(struct container *c, const char *net_name);

/*
 * network_connect() - docker network connect [--ip @ip] [--ip6 @ip6] [--alias @aliases] @ref
 * CONTAINER (moby daemon/container_operations.go ConnectToNetwork): the
 * endpoint goes into @c's record; a running container is attached at once
 * (network_endpoint_up()), a stopped one at its next start. Errors: as
 * network_check_endpoint() and network_check_aliases(); -EEXIST "endpoint with
 * name C already exists in network N"; -EPERM docker's messages for host and
 * none. The predefined bridge may be connected too (an address of hull0, no
 * names, as docker's default bridge). Serialised per container by <dir>/network.lock; the record is
 * saved under the container's lock, never while a networks lock is held.
 */
int network_connect(struct store *s, struct container *c, const char *ref, const char *ip,
		    const char *ip6, char **aliases, struct hull_err **err);

/*
 * network_disconnect() - docker network disconnect [-f] @ref CONTAINER: a
 * running container loses the interface, address and names at once; the
 * endpoint leaves the record. -ENOENT "container ID is not connected to
 * network N" (0 with @force); -EOPNOTSUPP for the default bridge of a
 * container created on it (hull cannot leave it yet). Leaving the user network
 * a container was created with (its NetworkMode) also removes its published
 * ports and empties NetworkSettings.Ports; it starts without it from then on.
 */
int network_disconnect(struct store *s, struct container *c, const char *ref, bool force,
		       struct hull_err **err);

/*
 * Name resolution on user networks (docs/networking.md "Name resolution"): each container
 * of a user network has a resolver at 127.0.0.11 (its proxy, net/net.h struct net_dns), as
 * docker's embedded DNS server, that answers from the members of its networks. Membership is
 * one file per container, NET_STATE_DIR/networks/<network id>/hosts/<container id>: the
 * monitor's pid and start time, then "IP\tNAMES" ("IP,IP6\tNAMES" with IPv6); an entry
 * whose monitor is gone is not answered. Names are indexed in
 * NET_STATE_DIR/networks/<network id>/names/<name in lower case>/<container id> (empty
 * files), so that a lookup reads one small directory. Every change holds the flock of the
 * hosts directory and touches the container's own files only. No container or network lock
 * is taken under it.
 */

/*
 * network_hosts_names() - the names a container is known by on a network, as
 * docker's DNSNames (moby daemon/network.go buildEndpointDNSNames): its name,
 * @aliases, its short id (12 characters of @ctr_id). @name may start with '/'.
 * New strv, without duplicates.
 */
char **network_hosts_names(const char *name, const char *ctr_id, json_t *aliases);

/*
 * network_hosts_join() - add (or replace) the entry of container @ctr_id on the user network
 * @net_id (named @net_name: its name is recorded for the resolver once): address @ip (and @ip6 on a
 * network with IPv6; NULL or "": none), @names, watched by the monitor @monitor (its start time is
 * recorded); and its names in the index. Costs the same whatever the number of members. Errors:
 * -errno of the entry's write.
 */
int network_hosts_join(const char *net_id, const char *net_name, const char *ctr_id, const char *ip,
		       const char *ip6, char **names, pid_t monitor, struct hull_err **err);

/*
 * network_hosts_rename() - give the entry of @ctr_id on @net_id, if it has a live one, the
 * names @names (docker rename), in the index too.
 */
void network_hosts_rename(const char *net_id, const char *ctr_id, char **names);

/*
 * network_hosts_leave() - remove the entry of @ctr_id from the user network @net_id, and its
 * names from the index. Nothing to do when the network has no entries.
 */
void network_hosts_leave(const char *net_id, const char *ctr_id);

/*
 * network_hosts_own_text() - @old (an /etc/hosts of @len bytes) with the container's own
 * line "@old_ip<TAB>@hostname" (outside hull blocks; NULL @old_ip: none to remove) replaced
 * by "@new_ip<TAB>@hostname" (NULL: removed; added after docker's default lines, the
 * "ff02::2 ip6-allrouters" one, when there was no old line). Pure. New string.
 */
char *network_hosts_own_text(const char *old, size_t len, const char *hostname, const char *old_ip,
			     const char *new_ip);
/*
 * network_hosts_own() - network_hosts_own_text() on the file at @hosts_path, in place
 * (the container sees the inode through its bind mount), as docker's sandbox adds and
 * deletes the hostname record of an endpoint (moby libnetwork sandbox updateHostsFile,
 * deleteHostsEntries) when the first network is left or joined again on a running
 * container. Failures are ignored (a file the container removed or made too big).
 */
void network_hosts_own(const char *hosts_path, const char *hostname, const char *old_ip,
		       const char *new_ip);

#endif
