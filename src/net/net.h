/* SPDX-License-Identifier: MIT */
/*
 * Container networking (docs/networking.md): the default "bridge" network is
 * a Linux bridge hull0 (10.89.0.1/16) with a veth pair per container,
 * masquerade for outbound traffic and DNAT for published ports, done with
 * netlink (libmnl) and nftables (libnftables), as docker's bridge driver
 * does with iptables. Functions return 0 or a negative errno with *err set.
 */
#ifndef HULL_NET_NET_H
#define HULL_NET_NET_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "util/err.h"

#define NET_BRIDGE_NAME "hull0"
#define NET_GATEWAY	"10.89.0.1"
#define NET_PREFIXLEN	16
/*
 * A container's link on a network without -o com.docker.network.driver.mtu: the bridge and
 * both ends of the veth are as wide as loopback, so that the host's connections to a
 * published port (DNATed across the bridge) and to containers move 64 KiB frames; the
 * default route keeps docker's 1500, so that what leaves the host is sized as docker's
 * (docs/networking.md "MTU").
 */
#define NET_LINK_MTU  65535
#define NET_ROUTE_MTU 1500
/*
 * The socket mark of the ports the userland proxy serves (net_port_proxied()): the input
 * chain of "ip6 hullnet" drops what a hull bridge sends to them, so that a container of an
 * IPv6 network cannot reach through the proxy what IPv4 isolation keeps from it (a published
 * port of another network's container). The proxy clears it on the connections it accepts.
 */
#define NET_PROXY_MARK 0x68756c6c
/*
 * Where addresses on hull0 are recorded (the engine's @state_dir for
 * net_ip_alloc()): one directory for the whole host, because the bridge and
 * its subnet are shared by every store and runroot on the host. A tmpfs, like
 * the addresses themselves, it does not survive a reboot.
 */
#define NET_STATE_DIR "/run/hull-net"

struct port_map {
	/* "" means every IPv4 address (0.0.0.0); an IPv6 one ("::": every IPv6 address) is
	 * published into the container's IPv6 address (docs/networking.md "IPv6") */
	char host_ip[INET6_ADDRSTRLEN];
	uint16_t host_port;	/* 0 before allocation means "pick a free port" */
	uint16_t host_port_end; /* "8000-8010:80": the last host port to try (0: host_port only) */
	uint16_t ctr_port;
	int proto; /* IPPROTO_TCP, IPPROTO_UDP or IPPROTO_SCTP */
};

/* net_proto_name() - "tcp", "udp" or "sctp" for IPPROTO_TCP, _UDP, _SCTP ("tcp" otherwise). */
const char *net_proto_name(int proto);

/*
 * net_port_parse() - parse one -p value as docker does
 * (docker/go-connections nat.ParsePortSpec): "[ip:][hostPort:]containerPort[/tcp|udp|sctp]",
 * where ports may be ranges "a-b" of equal length, or a host range for one
 * container port ("8000-8010:80": the first free one, host_port_end set). An IPv6 ip is
 * written in brackets ("[::]:8080:80", "[fd00::1]::80") and kept in its inet_ntop form.
 * Appends to *@maps (realloc'd) and *@n. Bad input: -EINVAL with a message naming @spec;
 * the IPv6 loopback ("[::1]"): -EOPNOTSUPP with the reason (hull has no userland proxy, and the
 * kernel drops the answers of a connection from ::1 DNATed into a container: IPv6 has no
 * route_localnet). Pure.
 */
int net_port_parse(const char *spec, struct port_map **maps, size_t *n, struct hull_err **err);

/*
 * net_bridge_setup() - idempotently create and bring up hull0 with the
 * gateway address, enable IPv4 forwarding and route_localnet on hull0, and
 * install the nftables table "ip hull" (masquerade for 10.89.0.0/16 leaving
 * by another interface and for loopback-sourced traffic into hull0; DNAT maps
 * for published ports in prerouting and output; forward accept).
 */
int net_bridge_setup(struct hull_err **err);

/*
 * net_ip_alloc() - reserve a free address in 10.89.0.0/16 for container
 * @ctr_id, recorded under @state_dir/net/ (flock'd; the engine passes NET_STATE_DIR); writes the
 * dotted quad to
 * @ret_ip. -ENOSPC when the range is full.
 */
int net_ip_alloc(const char *state_dir, const char *ctr_id, char ret_ip[INET_ADDRSTRLEN],
		 struct hull_err **err);
/* net_ip_release() - free an address reserved by net_ip_alloc(); absent is fine. */
void net_ip_release(const char *state_dir, const char *ip);

/*
 * net_attach() - create the veth pair "hv<first 10 chars of @ctr_id>" on the
 * host, attached to hull0 and up; move its peer into the network namespace of
 * @pid, name it eth0, give it @ip/16, bring it and lo up, and add the default
 * route via the gateway. eth0's MAC is @mac (a canonical "xx:xx:xx:xx:xx:xx",
 * docker's --mac-address) or, when NULL or empty, 02:42 and the four bytes of
 * @ip, as docker's bridge driver derives it (moby 20.10 netutils.GenerateMACFromIP);
 * -EINVAL for an unparsable @mac, the kernel's error for one it refuses
 * (multicast). The host side is in hairpin mode. On failure the
 * veth is deleted again. The calling thread enters the namespace only to open
 * a netlink socket there and is back in its own before this returns.
 */
int net_attach(pid_t pid, const char *ctr_id, const char *ip, const char *mac,
	       struct hull_err **err);
/*
 * net_mac_parse() - parse a 48-bit MAC in one of the forms of Go's net.ParseMAC, which docker
 * uses for --mac-address: "00:1a:2b:3c:4d:5e", "00-1A-2B-3C-4D-5E" or "001a.2b3c.4d5e" (hex
 * digits of either case), and write it to @ret as "xx:xx:xx:xx:xx:xx" (lower case). Pure;
 * -EINVAL for anything else (hull takes no 64-bit or 20-byte InfiniBand forms: a veth has 6).
 */
int net_mac_parse(const char *s, char ret[18]);
/* net_mac_from_ip() - docker's MAC for address @ip: "02:42:" and its four bytes in hex. */
void net_mac_from_ip(const char *ip, char ret[18]);

/* net_detach() - delete the host veth of @ctr_id if it still exists (the netns dying removes it
 * too). */
void net_detach(const char *ctr_id);
/* net_loopback_up() - bring lo up in the network namespace of @pid (--network none). */
int net_loopback_up(pid_t pid, struct hull_err **err);

/*
 * net_port_proxied() - whether the host port of @m is served by the userland proxy
 * (net_proxy_spawn()) rather than by a DNAT element alone; @ctr_ip6: the container has an
 * IPv6 address. An IPv6 host address of a container without one (docker-proxy relays such
 * a port into the container's IPv4 address; the kernel cannot), and, for a container with
 * one, the IPv6 loopback "::1" (IPv6 has no route_localnet: a DNATed reply would fail the
 * route check of a loopback address) and every IPv6 address "::" (whose DNAT element skips
 * ::1, which then reaches the proxy). The TCP socket of a proxied port listens. Never an SCTP
 * map: the proxy relays TCP and UDP alone (net_ports_reserve() refuses an SCTP map that would
 * need it). Pure.
 */
bool net_port_proxied(const struct port_map *m, bool ctr_ip6);
/*
 * net_port_nat() - whether @m gets a DNAT element from net_ports_add(): an IPv4 map, or an
 * IPv6 one other than "::1" of a container with an IPv6 address (@ctr_ip6). Pure.
 */
bool net_port_nat(const struct port_map *m, bool ctr_ip6);
/*
 * net_host_ipv6() - whether this host takes IPv6 connections: IPv6 sockets exist and
 * /proc/sys/net/ipv6/conf/all/disable_ipv6 is 0 (where it is 1 or absent docker publishes
 * on IPv4 alone, and so does hull: no "::" twins, net_ports_dual()).
 */
bool net_host_ipv6(void);

/*
 * net_ports_reserve() - bind each map's host address and port on the host
 * (so a port in use fails as docker's "port is already allocated"), picking
 * a free port where host_port is 0 and writing it back. Returns the bound
 * sockets in *@ret_fds (n of them, caller closes); they must stay open for
 * the life of the container. On failure every socket opened so far is
 * closed (host ports already picked may have been written back). Sockets are
 * bound, never listening, and without SO_REUSEADDR (docs/networking.md), but for a TCP
 * port served by the proxy (net_port_proxied(@ctr_ip6)), which listens for it, with
 * SO_REUSEADDR. An SCTP port is bound with an SCTP socket; on a kernel without SCTP, where
 * nothing on the host can hold one, it is reserved with an OFD lock on a byte range of
 * NET_STATE_DIR/sctp-ports instead (an fd all the same; a port 0 becomes one of the ephemeral
 * range that no other container holds). SCTP is never proxied: a map the kernel cannot DNAT
 * (net_port_nat(): [::1], an IPv6 address of a container without one) fails with
 * -EPROTONOSUPPORT naming it.
 */
int net_ports_reserve(struct port_map *maps, size_t n, bool ctr_ip6, int **ret_fds,
		      struct hull_err **err);
/*
 * net_ports_add() - add DNAT entries sending each map's host port to @ctr_ip:ctr_port, or for
 * a map whose host_ip is IPv6, to [@ctr_ip6]:ctr_port (in the "ip6 hullnet" table); maps that
 * net_port_nat() leaves to the proxy (every IPv6 one when @ctr_ip6 is NULL or "") get none.
 * One nft transaction.
 */
int net_ports_add(const char *ctr_ip, const char *ctr_ip6, const struct port_map *maps, size_t n,
		  struct hull_err **err);
/*
 * net_ports_remove() - remove the entries net_ports_add(@ctr_ip, @ctr_ip6) added, those that
 * still lead to @ctr_ip (@ctr_ip6 for an IPv6 map): one another container took over for the
 * same host port stays (nft's listing of the table is read first). Missing ones are ignored.
 */
void net_ports_remove(const char *ctr_ip, const char *ctr_ip6, const struct port_map *maps,
		      size_t n);
/*
 * One published port of a proxy: its socket and the container's port it relays to; with
 * @backend_port 0, a port the kernel DNATs, whose socket the proxy only holds (the port's
 * reservation: no other program binds it while the container publishes it) and never reads.
 */
struct net_proxy_port {
	int fd;	   /* bound by net_ports_reserve(), listening for TCP; stays the caller's */
	int proto; /* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t backend_port;
};
/*
 * A container's DNS resolver, docker's embedded DNS server (moby libnetwork/resolver.go),
 * served by net_proxy_run() (the hull-resolver program) for the names of its user networks.
 */
struct net_dns {
	int udp_fd; /* bound to 127.0.0.11:53 in the container's network namespace */
	int tcp_fd; /* the same address, listening */
	/* where other names go (IP text, port 53; the first 3 that are addresses), asked from
	 * the host's network namespace in turn when one does not answer in 2 s; NULL or empty:
	 * none (an internal network), so other names get SERVFAIL */
	char *const *upstreams;
	/*
	 * The addresses of the container's networks' members named @name (lower case, no final
	 * dot) of @family (AF_INET: struct in_addr, AF_INET6: struct in6_addr), at most @max
	 * into @addrs: their number, 0 for a member name without an address of @family, or
	 * -ENOENT for no member name (the query is forwarded). Called in the proxy, as uid 65534.
	 */
	int (*lookup)(void *ctx, const char *name, int family, void *addrs, size_t max);
	/*
	 * The name of the member whose address of @family is @addr (PTR queries), into @name
	 * (@size bytes): 0, or -ENOENT (the query is forwarded). NULL: none answered.
	 */
	int (*reverse)(void *ctx, int family, const void *addr, char *name, size_t size);
	void *ctx;
};
/* Where the resolver listens in a container, as docker's embedded DNS server. */
#define NET_DNS_ADDRESS "127.0.0.11"
/*
 * net_dns_sockets() - the resolver's sockets in the network namespace of the process @pid:
 * a UDP one bound to NET_DNS_ADDRESS:53 and a TCP one listening there (IP_FREEBIND: its
 * loopback need not be up yet), into *@ret_udp and *@ret_tcp (the caller's, O_CLOEXEC). The
 * calling thread enters that namespace and comes back (abort() if it cannot: its later
 * sockets would be the container's). 0 or -errno with @err set.
 */
int net_dns_sockets(pid_t pid, int *ret_udp, int *ret_tcp, struct hull_err **err);
/* The question of a DNS query (net_dns_question()). */
struct net_dns_question {
	uint16_t id, flags;
	char name[1025]; /* lower case, no final dot; "" for the root */
	uint16_t qtype, qclass;
	size_t end; /* the length of the header and question */
};
/*
 * net_dns_question() - read the header and question of the DNS query @msg[0..@len) into *@q.
 * 0; -EBADMSG for what is not a query or cannot be read (dropped, as docker's server does);
 * -EOPNOTSUPP for a query that is not a standard one of one question (answered NOTIMP with
 * the header alone, @q->end 12). Pure.
 */
int net_dns_question(const uint8_t *msg, size_t len, struct net_dns_question *q);
/*
 * net_dns_reply() - the answer to the query @query (its question @q) into @out[0..@max): its
 * header and question, rcode @rcode (0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, 4 NOTIMP), and one
 * A (@family AF_INET) or AAAA record of TTL 600 (docker's) for each of the @n addresses at
 * @addrs, as many as fit (TC set when some do not: 512 bytes for UDP, as RFC 1035). Returns
 * its length, 0 when even the question does not fit. Pure.
 */
size_t net_dns_reply(const uint8_t *query, const struct net_dns_question *q, int rcode, int family,
		     const void *addrs, size_t n, uint8_t *out, size_t max);
/*
 * net_dns_ptr_addr() - the address a PTR query's name asks for: "D.C.B.A.in-addr.arpa" (four
 * decimal labels, no leading zeros) or the 32 one-nibble labels of "....ip6.arpa" (lower case:
 * net_dns_question() folds it), into *@family and @addr (4 or 16 bytes). 0, or -EINVAL for
 * any other name. Pure.
 */
int net_dns_ptr_addr(const char *name, int *family, void *addr);
/*
 * net_dns_reply_name() - the answer to @query (its question @q, a PTR one) with one record of
 * @q's type whose data is the name @name (dotted, no final dot), TTL 600, into
 * @out[0..@max). Its length, or 0 when it does not fit or @name is not a valid name. Pure.
 */
size_t net_dns_reply_name(const uint8_t *query, const struct net_dns_question *q, const char *name,
			  uint8_t *out, size_t max);
/*
 * net_proxy_spawn() - start the userland proxy of a container's proxied ports (docker-proxy's
 * role, one process per container where docker has one per port): a child process, named
 * "hull-proxy", in a session of its own with stdio on /dev/null and no fd of the caller's but
 * the @n sockets of @ports (net_ports_reserve() bound them, and made TCP ones listen, so that
 * connections queue before the proxy runs), that relays each TCP connection (half-closes
 * included) or UDP flow (per client address and port, dropped after 90 s idle, as
 * docker-proxy) to @backend_ip (IPv4 or IPv6 text):backend_port, and holds those with
 * backend_port 0 without serving them (so that ending the proxy frees every port of the
 * container, `network disconnect`; at least one port must be served or held). It serves until
 * the process @watch_pid ends (a pidfd, opened here, so @watch_pid must be the caller's
 * unreaped child or otherwise alive) or a signal ends it; not when the caller ends, so a
 * killed monitor leaves the ports answering. Once @watch_pid has ended it serves no more, and
 * ends at once without @hold; with @hold it keeps the sockets (the ports stay reserved, as
 * through a restart's back-off) until the caller ends too (a pidfd of the caller, opened in
 * the proxy) or a signal ends it (the monitor's teardown). Before it relays anything it
 * becomes uid and gid 65534 with CAP_NET_ADMIN alone (the bounding set too) and
 * no_new_privs. Returns the proxy's pid (the caller's child: reap it) or a negative errno
 * with @err set (-EINVAL: no ports, or one on fd 0 to 2). Not thread-safe (fork).
 */
pid_t net_proxy_spawn(const struct net_proxy_port *ports, size_t n, const char *backend_ip,
		      pid_t watch_pid, bool hold, struct hull_err **err);
/*
 * net_proxy_run() - the proxy's loop, run in the calling process (net_proxy_spawn()'s child,
 * hull-resolver, tests): relays as described there, and with @dns (NULL: none) answers or
 * forwards the queries on its sockets (struct net_dns), until @pidfd becomes readable. The
 * sockets are set non-blocking. Returns 0 when @pidfd fired, -EINVAL for a bad @backend_ip
 * or neither ports nor @dns, or a negative errno from epoll. Fds stay the caller's.
 */
int net_proxy_run(const struct net_proxy_port *ports, size_t n, const char *backend_ip,
		  const struct net_dns *dns, int pidfd);
/*
 * net_proxy_serve() - what the proxy does once its fds are in place (net_proxy_spawn()'s
 * child, and the hull-resolver program): raises its fd limit to the hard one, drops its
 * privileges (uid and gid 65534, CAP_NET_ADMIN alone when it serves ports, none for the
 * resolver alone, no_new_privs) and runs net_proxy_run(). Returns what that returns.
 */
int net_proxy_serve(const struct net_proxy_port *ports, size_t n, const char *backend_ip,
		    const struct net_dns *dns, int pidfd);
/* net_host_ip_is6() - whether a port map's host_ip is an IPv6 address ("::" included). Pure. */
bool net_host_ip_is6(const char *host_ip);
/*
 * net_ports_dual() - docker's publishing on a host with IPv6 (net_host_ipv6()): each map of
 * @maps[0..@n) on every IPv4 address ("" or 0.0.0.0) gets a twin on every IPv6 address ("::")
 * with the same, already reserved, host port, appended to *@maps (realloc'd; *@n grows), as
 * docker lists "0.0.0.0:8080->80/tcp, [::]:8080->80/tcp"; SCTP maps get none (the twin's
 * ::1 part would need the proxy, which has no SCTP). Pure.
 */
void net_ports_dual(struct port_map **maps, size_t *n);

/*
 * User-defined bridge networks (docs/networking.md "User networks"), as
 * docker's bridge driver builds them (moby libnetwork/drivers/bridge): one
 * Linux bridge per network with the gateway address, masquerade for the
 * subnet unless internal, and isolation from every other hull bridge in the
 * nftables table "ip hullnet". The network's record is container/network.h's;
 * src/net only sees this description of it.
 */
struct net_bridge {
	char id[65];		/* the network's id (64 hex): names its nft chains and state */
	char name[16];		/* the Linux bridge: "br-<first 12 of id>" or -o ...bridge.name */
	struct in_addr subnet;	/* network address */
	unsigned prefixlen;	/* 8..30 */
	struct in_addr gateway; /* the bridge's address */
	bool internal;		/* --internal: no masquerade, no forwarding off the bridge */
	struct in_addr
		range; /* --ip-range: network address of the sub-range (if range_prefixlen) */
	unsigned range_prefixlen; /* its prefix length, >= prefixlen; 0: no --ip-range */
	/* --ipv6 (docs/networking.md "IPv6"): the second subnet, all zero without it */
	bool ipv6;
	struct in6_addr subnet6;   /* network address */
	unsigned prefixlen6;	   /* 48..126 */
	struct in6_addr gateway6;  /* the bridge's IPv6 address */
	struct in6_addr range6;	   /* --ip-range of the IPv6 subnet (if range6_prefixlen) */
	unsigned range6_prefixlen; /* 0: none */
	/* -o com.docker.network.driver.mtu: the MTU of the bridge and of each veth on it, both
	 * ends; 0: the kernel's (1500), as docker's default */
	unsigned mtu;
};

/*
 * net_cidr6_parse() - parse IPv6 "addr/n" (n 0..128) into its address and prefix length.
 * Pure; -EINVAL for anything else (an IPv4 CIDR included).
 */
int net_cidr6_parse(const char *s, struct in6_addr *ret_addr, unsigned *ret_prefixlen);
/* net_subnets6_overlap() - whether a/pa and b/pb share an IPv6 address. Pure. */
bool net_subnets6_overlap(const struct in6_addr *a, unsigned pa, const struct in6_addr *b,
			  unsigned pb);
/* net_in6_host_bits() - whether @a has bits set past @prefixlen (not a network address). Pure. */
bool net_in6_host_bits(const struct in6_addr *a, unsigned prefixlen);
/*
 * net_host_routes6_overlap() - 1 if a route of the host's IPv6 tables (/proc/net/ipv6_route)
 * other than a default, link-local, multicast or loopback one overlaps @subnet/@prefixlen, 0 if
 * none does, or a negative errno. The IPv6 twin of net_host_routes_overlap(): the bridges of
 * other stores and of docker are found by their connected routes.
 */
int net_host_routes6_overlap(const struct in6_addr *subnet, unsigned prefixlen);

/*
 * net_cidr_parse() - parse IPv4 "a.b.c.d/n" (n 0..32) into its address and
 * prefix length. Pure; -EINVAL for anything else.
 */
int net_cidr_parse(const char *s, struct in_addr *ret_addr, unsigned *ret_prefixlen);
/* net_subnets_overlap() - whether a/pa and b/pb share an address. Pure. */
bool net_subnets_overlap(struct in_addr a, unsigned pa, struct in_addr b, unsigned pb);
/*
 * net_host_routes_overlap() - 1 if a route of the host's main IPv4 table
 * other than a default route (/proc/net/route) overlaps @subnet/@prefixlen,
 * 0 if none does, or a negative errno. Docker's auto pools skip such subnets
 * (moby libnetwork/netutils CheckRouteOverlaps).
 */
int net_host_routes_overlap(struct in_addr subnet, unsigned prefixlen);

/*
 * net_network_setup() - idempotently create the bridge of @b (up, with the
 * gateway/prefix address), enable IPv4 forwarding and route_localnet on it,
 * the "ip hullnet" table and @b's chains and map elements in it. Cheap when
 * everything exists (a link, an address and a chain lookup), so it runs
 * before each container start too (after a reboot the bridge is gone).
 * With @b->ipv6, as docker's bridge driver sets up an IPv6 network: the IPv6
 * gateway address (nodad, accept_dad=0), IPv6 forwarding on the host, and
 * @b's chains and elements in the "ip6 hullnet" table (isolation, no outbound
 * NAT: docker 20.10 writes no ip6tables rules). It also makes the "ip hull"
 * table of the DNAT maps when hull0 never did. Safe against another hull doing
 * the same at once (a lost race to create a table or chain is not an error).
 */
int net_network_setup(const struct net_bridge *b, struct hull_err **err);
/*
 * net_network_teardown() - delete @b's bridge, its nft chains and elements
 * (those of "ip6 hullnet" too with @b->ipv6) and its address state (IPv4 and
 * IPv6); missing pieces are ignored, so it can run twice.
 */
void net_network_teardown(const struct net_bridge *b);
/*
 * net_network_ip_alloc() - reserve an address of @b for @ctr_id, recorded
 * under NET_STATE_DIR/networks/<id>/ as net_ip_alloc() records hull0's:
 * @want if not NULL (docker's --ip: -EINVAL "Invalid address X: It does not
 * belong to any of this network's subnets" outside the subnet or on its
 * network, broadcast or gateway address, -EADDRINUSE "Address already in
 * use" when taken; anywhere in the subnet even with an --ip-range, as docker
 * allows), else the next free one of @b's --ip-range if it has one, else of
 * the subnet (-ENOSPC when full). As moby's allocator, a sub-range's own
 * network and broadcast addresses are handed out; only the subnet's are not.
 */
int net_network_ip_alloc(const struct net_bridge *b, const char *want, const char *ctr_id,
			 char ret_ip[INET_ADDRSTRLEN], struct hull_err **err);
/* net_network_ip_release() - free an address net_network_ip_alloc() reserved; absent is fine. */
void net_network_ip_release(const char *net_id, const char *ip);
/*
 * net_network_ip6_alloc() - reserve an IPv6 address of @b (which must have ipv6) for @ctr_id,
 * recorded as one file NET_STATE_DIR/networks/<id>/ips6/<address> (flock'd by lock6 there, the
 * offset of the last one handed out kept in it so that addresses rotate, as for IPv4). @want
 * (docker's
 * --ip6): any host address of the IPv6 subnet but its first (the subnet-router anycast address,
 * which moby's allocator never hands out either) and the gateway: else -EINVAL "Invalid
 * address X: It does not belong to any of this network's subnets", -EADDRINUSE "Address
 * already in use" when taken. Without @want: the next free address of the IPv6 --ip-range, or
 * of the subnet (moby hands out the last address of an IPv6 subnet too: there is no broadcast);
 * -ENOSPC when none is found. @ret_ip gets the canonical text (inet_ntop). Safe against other
 * processes allocating at once (the flock); no threads.
 */
int net_network_ip6_alloc(const struct net_bridge *b, const char *want, const char *ctr_id,
			  char ret_ip[INET6_ADDRSTRLEN], struct hull_err **err);
/*
 * net_network_ip6_release() - free an address net_network_ip6_alloc() reserved (NULL, empty,
 * absent or not an IPv6 address: nothing to do). Never fails.
 */
void net_network_ip6_release(const char *net_id, const char *ip);
/*
 * net_network_endpoints() - the containers holding an address on network
 * @net_id (NULL: hull0, whose addresses every store shares): *@ret_ids and *@ret_ips (strv, same
 * order; caller frees). None is not an error.
 */
int net_network_endpoints(const char *net_id, char ***ret_ids, char ***ret_ips,
			  struct hull_err **err);

/*
 * net_attach_bridge() - net_attach() onto @b's bridge: eth0 gets @ip/prefix, @mac as there
 * and, unless @b is internal, the default route via its gateway (docker
 * programs no gateway for an internal network's endpoint). @ip6 (NULL or "" for none; only on a
 * network with ipv6): eth0 also gets @ip6/prefixlen6 without duplicate address detection
 * (IFA_F_NODAD and accept_dad=0, as docker's bridge driver, so that nothing waits for it) and,
 * unless @b is internal, the default IPv6 route via @b's IPv6 gateway. -EINVAL for an address
 * that does not parse.
 */
int net_attach_bridge(pid_t pid, const char *ctr_id, const char *ip, const char *ip6,
		      const char *mac, const struct net_bridge *b, struct hull_err **err);

/*
 * net_attach_extra() - attach the container of @pid to one more bridge network
 * @b (docker network connect, or a --network after the first): the veth
 * "hx<first 7 of @ctr_id><first 6 of @b->id>" on the host, on the container's
 * side the first of eth0, eth1... that it lacks (eth0 is the first network's), with @ip/prefix and
 * no route but the subnet's (the first network keeps the default route), @mac as net_attach()'s,
 * @ip6 as net_attach_bridge()'s but without a default route either.
 * On failure the veth is
 * deleted again. Same netns handling as net_attach().
 */
int net_attach_extra(pid_t pid, const char *ctr_id, const char *ip, const char *ip6,
		     const char *mac, const struct net_bridge *b, struct hull_err **err);
/* net_detach_extra() - delete the veth net_attach_extra() made for @ctr_id on @net_id, if any. */
void net_detach_extra(const char *ctr_id, const char *net_id);

#endif
