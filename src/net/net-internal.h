/* SPDX-License-Identifier: MIT */
/*
 * Internals of src/net shared between its files: a tiny rtnetlink /
 * nfnetlink client over libmnl and nft helpers. Not for other modules.
 * Functions return 0 or a negative errno; those taking err set it.
 */
#ifndef HULL_NET_NET_INTERNAL_H
#define HULL_NET_NET_INTERNAL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "util/err.h"

struct mnl_socket;

struct nl {
	struct mnl_socket *sk;
	unsigned seq;
	unsigned portid;
};

/* nl_open() - open and bind a netlink socket of @bus (NETLINK_ROUTE...) in the current netns. */
int nl_open(struct nl *nl, int bus, struct hull_err **err);
void nl_close(struct nl *nl);
/*
 * nl_open_netns() - like nl_open(NETLINK_ROUTE) but the socket lives in the
 * network namespace of @pid: the calling thread enters it only to create the
 * socket and returns to its own namespace before this returns.
 */
int nl_open_netns(struct nl *nl, pid_t pid, struct hull_err **err);

/* What nl_link_query() tells of a link. */
struct nl_link {
	unsigned index, flags; /* ifindex, IFF_* */
	char kind[16];	       /* IFLA_INFO_KIND ("bridge", "veth"...), "" for none (lo, a NIC) */
	char alias[256];       /* IFLA_IFALIAS (`ip link set X alias A`), "" if none */
};
/* nl_link_query() - what link @name is (struct nl_link); -ENODEV if absent. */
int nl_link_query(struct nl *nl, const char *name, struct nl_link *ret);
/* nl_link_set_alias() - set the alias (IFLA_IFALIAS) of link @index. */
int nl_link_set_alias(struct nl *nl, unsigned index, const char *alias);
/* nl_link_del_index() - delete link @index; -ENODEV if absent. */
int nl_link_del_index(struct nl *nl, unsigned index);
/* nl_link_get() - index and IFF_* flags of link @name; -ENODEV if absent. */
int nl_link_get(struct nl *nl, const char *name, unsigned *ret_index, unsigned *ret_flags);
/* nl_link_set_up() - set IFF_UP on link @index. */
int nl_link_set_up(struct nl *nl, unsigned index);
/* nl_link_del() - delete link @name; -ENODEV if absent. */
int nl_link_del(struct nl *nl, const char *name);
/* nl_bridge_create() - create bridge @name, up, with a random stable MAC and MTU @mtu (0: the
 * kernel's). */
int nl_bridge_create(struct nl *nl, const char *name, unsigned mtu);
/*
 * nl_veth_create() - create veth @host_name (master @master, up) whose peer
 * @peer_name (down: veth cannot bring the peer up at creation; MAC @peer_mac) is created directly
 * in the netns @peer_ns_fd (borrowed); both ends with MTU @mtu (0: the kernel's).
 */
int nl_veth_create(struct nl *nl, const char *host_name, unsigned master, const char *peer_name,
		   int peer_ns_fd, const uint8_t peer_mac[6], unsigned mtu);
/*
 * nl_bridge_port_hairpin() - let bridge port @index send frames back out of
 * itself, so a container reaches its own published port via a host address.
 */
int nl_bridge_port_hairpin(struct nl *nl, unsigned index);
/* nl_addr_has() - 1 if link @index has IPv4 address @addr, 0 if not. */
int nl_addr_has(struct nl *nl, unsigned index, struct in_addr addr);
/* nl_addr_add() - add @addr/@prefixlen (with broadcast) to link @index; -EEXIST if there. */
int nl_addr_add(struct nl *nl, unsigned index, struct in_addr addr, unsigned prefixlen);
/* nl_route_add_default() - default route via @gw out of link @index, with MTU @mtu (0: the
 * link's). */
int nl_route_add_default(struct nl *nl, unsigned index, struct in_addr gw, unsigned mtu);
/* nl_addr6_has() - 1 if link @index has IPv6 address @addr, 0 if not. */
int nl_addr6_has(struct nl *nl, unsigned index, const struct in6_addr *addr);
/* nl_addr6_add() - add @addr/@prefixlen to link @index with IFA_F_NODAD; -EEXIST if there. */
int nl_addr6_add(struct nl *nl, unsigned index, const struct in6_addr *addr, unsigned prefixlen);
/* nl_route6_add_default() - default IPv6 route via @gw out of link @index, with MTU @mtu (0:
 * the link's). */
int nl_route6_add_default(struct nl *nl, unsigned index, const struct in6_addr *gw, unsigned mtu);
/*
 * nl_ct_delete_dport() - delete the conntrack entries of family @family (AF_INET, AF_INET6)
 * whose original direction is protocol @proto to port @port (host order), whatever their
 * addresses (as CNI's hostport plugin and netavark do for a UDP port they map): a flow that
 * met the host before a port was published, or a container that held it before, keeps its
 * entry, and with it its old destination, as long as its client keeps sending (UDP and SCTP
 * have no handshake that would end it). One dump of the table, then one delete per entry,
 * each by its original tuple (never a request without one, which would flush the table).
 * Returns how many were deleted, or -errno if the dump failed. @nl: NETLINK_NETFILTER.
 */
int nl_ct_delete_dport(struct nl *nl, int family, uint8_t proto, uint16_t port);
/* nl_nft6_table_exists(), nl_nft6_chain_exists() - as the ip ones, for family ip6. */
int nl_nft6_table_exists(struct nl *nl, const char *name);
int nl_nft6_chain_exists(struct nl *nl, const char *table, const char *chain);
/* nl_nft_table_exists() - 1 if nftables table @name of family ip exists, 0 if not. */
int nl_nft_table_exists(struct nl *nl, const char *name);
/* nl_nft_chain_exists() - 1 if chain @chain of table @table (family ip) exists, 0 if not. */
int nl_nft_chain_exists(struct nl *nl, const char *table, const char *chain);
/*
 * net_nft_loopback_guard() - add the "loopback" input chain to a table made
 * by an older hull (net_nft_table_create() makes it with the table); a
 * concurrent hull adding it too is not an error.
 */
int net_nft_loopback_guard(struct hull_err **err);

/* nft_run() - run nft text commands as one transaction; errors carry nft's message. */
int nft_run(const char *cmds, struct hull_err **err);
/* nft_list() - run the nft command @cmd ("list map ip hullnet nat_src"); *@ret_out: what it
 * printed, nft's text (a new string). Errors as nft_run(). */
int nft_list(const char *cmd, char **ret_out, struct hull_err **err);
/*
 * net_nft_map_jumps() - parse nft's listing @text of a verdict map for its elements "KEY :
 * jump PREFIXID" (PREFIX the chain prefix @prefix, "m_"; ID 12 hex digits), calling @fn with the
 * key as nft printed it (a quoted name unquoted) and the id, until @fn returns non-zero (then
 * returned). Pure. Unparsable pieces are skipped.
 */
int net_nft_map_jumps(const char *text, const char *prefix,
		      int (*fn)(const char *key, const char *id, void *arg), void *arg);
/* net_nft_table_create() - create the whole "ip hull" table; fails if it exists. */
/*
 * net_nft_table_ensure() - idempotently make the "ip hull" table (its port maps,
 * NAT chains and loopback guard), or add the guard to an older hull's table. Safe
 * against another hull doing the same at once. net_bridge_setup() calls it, and
 * net_ports_add() when its first try fails: a user network's container may publish
 * before any container of the default bridge was started on this host.
 */
int net_nft_table_ensure(struct hull_err **err);
/*
 * net_nft_sctp_ensure() - idempotently give table @table of family ip (ip6 if @v6) the maps
 * of published SCTP ports (sctp_any, sctp_addr: as tcp_any and tcp_addr) and the chain
 * sctp_ports that DNATs through them, jumped to from the end of its "ports" chain; a table
 * made before hull published SCTP gets them at its next set-up. One lookup when they exist.
 * Safe against another hull doing the same at once. @nf: an open NETLINK_NETFILTER socket.
 */
int net_nft_sctp_ensure(struct nl *nf, bool v6, const char *table, struct hull_err **err);
int net_nft_table_create(struct hull_err **err);

/* net_network_state_remove() - delete NET_STATE_DIR/networks/@net_id (its addresses). */
void net_network_state_remove(const char *net_id);
/*
 * net_bridge_no_ipv6() - no IPv6 on the bridge @name (disable_ipv6, unless the kernel has no
 * IPv6): a container of a network without --ipv6 has no IPv6 path to the host, hence none to the
 * sockets of the userland proxy (docs/networking.md "IPv6").
 */
int net_bridge_no_ipv6(const char *name, struct hull_err **err);
/* net_sysctl_enable() - write "1" to the sysctl file @path unless it reads 1 already. */
int net_sysctl_enable(const char *path, struct hull_err **err);
/* net_sysctl_set() - write @value ("0", "1") to the sysctl file @path unless it reads so. */
int net_sysctl_set(const char *path, const char *value, struct hull_err **err);
/* nl_closep() - cleanup helper closing a struct nl. */
void nl_closep(struct nl *nl);
#define _cleanup_nl_ _cleanup_(nl_closep)
/*
 * net_nft_map_value() - in nft's listing @listing of a table, the element of map @map whose
 * key reads @key as nft prints it ("8080", "127.0.0.1 . 8080"): the first word of its value
 * (the address of "10.89.0.2 . 80") into @ret (@size bytes). 1 found, 0 not. Pure.
 */
int net_nft_map_value(const char *listing, const char *map, const char *key, char *ret,
		      size_t size);
/* net_nft_run_each() - run each line of @cmds as its own transaction, ignoring failures. */
void net_nft_run_each(const char *cmds);

/* net_host_ip_is_any() - "" and "0.0.0.0" both mean every host address. */
bool net_host_ip_is_any(const char *host_ip);

#endif
