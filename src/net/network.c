/* SPDX-License-Identifier: MIT */
/*
 * User-defined bridge networks: a bridge per network and its pieces in the
 * nftables table "ip hullnet" (docs/networking.md "User networks"), as
 * docker's bridge driver builds them with iptables (moby
 * libnetwork/drivers/bridge setup_ip_tables_linux.go: masquerade of the
 * subnet, DOCKER-ISOLATION-STAGE-1/2 between bridges, internal networks).
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/netlink.h>
#include <stdio.h>

#include "net/net-internal.h"
#include "net/net.h"
#include "util/strbuf.h"

#define TABLE "hullnet"

/* clang-format off */
/*
 * Made once per host, in its own transaction: an interval map cannot take
 * elements in the transaction that creates it. hull0 is in "bridges" so that
 * user networks are isolated from the default one too. Each network adds a
 * chain per hook and an element per map (network_pieces()), so adding and
 * removing a network never edits a rule of this table.
 */
static const char hullnet_table[] =
	"create table ip " TABLE "\n"
	"table ip " TABLE " {\n"
	"	set bridges { type ifname; elements = { \"" NET_BRIDGE_NAME "\" }; }\n"
	"	map fwd_in { type ifname : verdict; }\n"
	"	map nat_out { type ifname : verdict; }\n"
	"	map nat_src { type ipv4_addr : verdict; flags interval; }\n"
	"	chain forward {\n"
	"		type filter hook forward priority filter; policy accept;\n"
	"		iifname vmap @fwd_in\n"
	"		oifname vmap @fwd_in\n"
	"	}\n"
	"	chain postrouting {\n"
	"		type nat hook postrouting priority srcnat; policy accept;\n"
	"		oifname vmap @nat_out\n"
	"		ip saddr vmap @nat_src\n"
	"	}\n"
	/* route_localnet on every bridge: the CVE-2020-8558 guard of nft.c for each */
	"	chain input {\n"
	"		type filter hook input priority filter; policy accept;\n"
	"		iifname @bridges ip daddr 127.0.0.0/8 ct state != { established, related } drop\n"
	"	}\n"
	"}\n";
/*
 * The IPv6 twin of the table above, for networks made with --ipv6 (docs/networking.md
 * "IPv6"): the same isolation (a drop in f_X is final whatever other tables accept), and
 * masquerade only into a bridge (a host address's port DNATed to a container, hairpin): docker
 * 20.10 does no outbound NAT for IPv6 (no ip6tables rules by default), nor does hull.
 */
/*
 * The ports of the userland proxy (NET_PROXY_MARK) take nothing from a hull bridge: IPv4
 * isolation drops a container's connection to another network's published port in the forward
 * hook, after its DNAT; one the proxy serves is the host's own socket, reached in the input
 * hook (hull0 and the bridges of networks without --ipv6 have no IPv6 at all, bridge.c).
 */
#define GUARD6_HOOK "type filter hook input priority filter; policy accept;"
#define GUARD6_RULE "iifname @bridges meta l4proto { tcp, udp } socket mark 0x68756c6c drop"
_Static_assert(NET_PROXY_MARK == 0x68756c6c, "GUARD6_RULE spells NET_PROXY_MARK");
#define GUARD6_CHAIN "	chain input {\n		" GUARD6_HOOK "\n		" GUARD6_RULE "\n	}\n"
static const char hullnet6_table[] =
	"create table ip6 " TABLE "\n"
	"table ip6 " TABLE " {\n"
	"	set bridges { type ifname; elements = { \"" NET_BRIDGE_NAME "\" }; }\n"
	"	map fwd_in { type ifname : verdict; }\n"
	"	map nat_out { type ifname : verdict; }\n"
	/* published ports, as the maps of "ip hull" (nft.c) */
	"	map tcp_any { type inet_service : ipv6_addr . inet_service; }\n"
	"	map udp_any { type inet_service : ipv6_addr . inet_service; }\n"
	"	map tcp_addr { type ipv6_addr . inet_service : ipv6_addr . inet_service; }\n"
	"	map udp_addr { type ipv6_addr . inet_service : ipv6_addr . inet_service; }\n"
	"	chain ports {\n"
	"		dnat to ip6 daddr . tcp dport map @tcp_addr\n"
	"		dnat to ip6 daddr . udp dport map @udp_addr\n"
	"		dnat to tcp dport map @tcp_any\n"
	"		dnat to udp dport map @udp_any\n"
	"	}\n"
	"	chain prerouting {\n"
	"		type nat hook prerouting priority dstnat; policy accept;\n"
	"		fib daddr type local jump ports\n"
	"	}\n"
	/* not ::1: its answers could never come back (no route_localnet for IPv6), so a
	 * connection to [::1]:PORT meets the reserving socket and is refused at once */
	"	chain output {\n"
	"		type nat hook output priority -100; policy accept;\n"
	"		ip6 daddr != ::1 fib daddr type local jump ports\n"
	"	}\n"
	"	chain forward {\n"
	"		type filter hook forward priority filter; policy accept;\n"
	"		iifname vmap @fwd_in\n"
	"		oifname vmap @fwd_in\n"
	"	}\n"
	"	chain postrouting {\n"
	"		type nat hook postrouting priority srcnat; policy accept;\n"
	"		oifname vmap @nat_out\n"
	"	}\n"
	GUARD6_CHAIN
	"}\n";
/* clang-format on */

bool net_subnets6_overlap(const struct in6_addr *a, unsigned pa, const struct in6_addr *b,
			  unsigned pb)
{
	unsigned p = pa < pb ? pa : pb;

	for (unsigned i = 0; i < 16 && p > 0; i++, p = p >= 8 ? p - 8 : 0) {
		uint8_t m = (uint8_t) (p >= 8 ? 0xff : 0xff << (8 - p));
		if ((a->s6_addr[i] & m) != (b->s6_addr[i] & m))
			return false;
	}
	return true;
}

bool net_in6_host_bits(const struct in6_addr *a, unsigned prefixlen)
{
	for (unsigned i = 0; i < 16; i++) {
		unsigned p = prefixlen > i * 8 ? prefixlen - i * 8 : 0;
		uint8_t host = (uint8_t) (p >= 8 ? 0 : 0xff >> p);
		if (a->s6_addr[i] & host)
			return true;
	}
	return false;
}

int net_host_routes6_overlap(const struct in6_addr *subnet, unsigned prefixlen)
{
	char line[512];
	FILE *f = fopen("/proc/net/ipv6_route", "re");
	int found = 0;

	if (!f)
		return errno == ENOENT ? 0 : -errno; /* IPv6 off: no routes */
	/* "DEST DESTLEN SRC SRCLEN NEXTHOP METRIC REFCNT USE FLAGS IFACE", hex */
	while (!found && fgets(line, sizeof(line), f)) {
		char hex[33];
		unsigned plen;
		struct in6_addr d;

		if (sscanf(line, "%32s %x", hex, &plen) != 2 || strlen(hex) != 32 || plen == 0 ||
		    plen > 128)
			continue;
		for (unsigned i = 0; i < 16; i++) {
			unsigned v;
			char byte[3] = {hex[2 * i], hex[2 * i + 1], '\0'};
			if (sscanf(byte, "%2x", &v) != 1)
				v = 0;
			d.s6_addr[i] = (uint8_t) v;
		}
		/* link-local (fe80::/10), multicast (ff00::/8), loopback: every host has them */
		if ((d.s6_addr[0] == 0xfe && (d.s6_addr[1] & 0xc0) == 0x80) ||
		    d.s6_addr[0] == 0xff || IN6_IS_ADDR_LOOPBACK(&d))
			continue;
		found = net_subnets6_overlap(&d, plen, subnet, prefixlen);
	}
	fclose(f);
	return found;
}

/*
 * ADDR/N of family @af (AF_INET or AF_INET6, whose ADDR must hold a ':') into
 * *@ret_addr (a struct in_addr or in6_addr) and *@ret_prefixlen: 0 or -EINVAL.
 */
static int cidr_parse(int af, const char *s, void *ret_addr, unsigned *ret_prefixlen)
{
	char buf[INET6_ADDRSTRLEN + 4];
	const char *slash = strchr(s, '/');
	size_t addrmax = af == AF_INET6 ? INET6_ADDRSTRLEN : INET_ADDRSTRLEN;
	unsigned long n = 0, max = af == AF_INET6 ? 128 : 32;
	size_t len;

	if (!slash || (size_t) (slash - s) >= addrmax)
		return -EINVAL;
	len = strlen(slash + 1);
	if (len == 0 || len > 3 || strspn(slash + 1, "0123456789") != len)
		return -EINVAL;
	for (size_t i = 0; i < len; i++)
		n = n * 10 + (unsigned long) (slash[1 + i] - '0');
	if (n > max)
		return -EINVAL;
	memcpy(buf, s, (size_t) (slash - s));
	buf[slash - s] = '\0';
	if ((af == AF_INET6 && !strchr(buf, ':')) || inet_pton(af, buf, ret_addr) != 1)
		return -EINVAL;
	*ret_prefixlen = (unsigned) n;
	return 0;
}

int net_cidr_parse(const char *s, struct in_addr *ret_addr, unsigned *ret_prefixlen)
{
	return cidr_parse(AF_INET, s, ret_addr, ret_prefixlen);
}

int net_cidr6_parse(const char *s, struct in6_addr *ret_addr, unsigned *ret_prefixlen)
{
	return cidr_parse(AF_INET6, s, ret_addr, ret_prefixlen);
}

static uint32_t mask_of(unsigned prefixlen)
{
	return prefixlen == 0 ? 0 : ~0u << (32 - prefixlen);
}

bool net_subnets_overlap(struct in_addr a, unsigned pa, struct in_addr b, unsigned pb)
{
	uint32_t m = mask_of(pa < pb ? pa : pb);

	return (ntohl(a.s_addr) & m) == (ntohl(b.s_addr) & m);
}

int net_host_routes_overlap(struct in_addr subnet, unsigned prefixlen)
{
	char line[512];
	FILE *f = fopen("/proc/net/route", "re");
	int found = 0;

	if (!f)
		return -errno;
	/* "Iface Destination Gateway Flags RefCnt Use Metric Mask ...", hex in host order */
	while (!found && fgets(line, sizeof(line), f)) {
		char ifname[IFNAMSIZ + 1];
		unsigned dst, gw, flags, mask;
		struct in_addr d;

		if (sscanf(line, "%16s %x %x %x %*d %*d %*d %x", ifname, &dst, &gw, &flags,
			   &mask) != 5 ||
		    mask == 0)
			continue;
		d.s_addr = dst; /* /proc shows the address as stored: network order */
		found = net_subnets_overlap(d, (unsigned) __builtin_popcount(mask), subnet,
					    prefixlen);
	}
	fclose(f);
	return found;
}

/*
 * The nft commands adding (@add) or deleting @b's pieces in table TABLE of family ip, or
 * ip6 if @v6; its chains are named after the first 12 characters of its id. Deleting,
 * @elements: the map and set elements of its bridge's name too; @nat_src: its subnet's
 * element of nat_src (keyed by the subnet, which a failed create shares with the network
 * that holds it). The ip6 table has no outbound masquerade (docker 20.10 has no IPv6 NAT
 * out), so no m_ chain or nat_src.
 */
static void network_pieces(struct strbuf *sb, const struct net_bridge *b, bool v6, bool add,
			   bool elements, bool nat_src)
{
	char net[INET6_ADDRSTRLEN];
	const char *br = b->name, *id = b->id;
	const char *fam = v6 ? "ip6" : "ip";
	unsigned prefixlen = v6 ? b->prefixlen6 : b->prefixlen;
	bool masq = !v6 && !b->internal;

	inet_ntop(v6 ? AF_INET6 : AF_INET, v6 ? (const void *) &b->subnet6 : &b->subnet, net,
		  sizeof(net));
	if (!add) {
		/* elements first: a chain a map still jumps to cannot go */
		if (elements) {
			strbuf_addf(sb, "delete element %s " TABLE " bridges { \"%s\" }\n", fam,
				    br);
			strbuf_addf(sb, "delete element %s " TABLE " fwd_in { \"%s\" }\n", fam, br);
			strbuf_addf(sb, "delete element %s " TABLE " nat_out { \"%s\" }\n", fam,
				    br);
		}
		if (masq && nat_src)
			strbuf_addf(sb, "delete element ip " TABLE " nat_src { %s/%u }\n", net,
				    prefixlen);
		strbuf_addf(sb, "delete chain %s " TABLE " f_%.12s\n", fam, id);
		strbuf_addf(sb, "delete chain %s " TABLE " o_%.12s\n", fam, id);
		if (!v6)
			strbuf_addf(sb, "delete chain ip " TABLE " m_%.12s\n", id);
		return;
	}
	/* forward: within the bridge yes, to or from another hull bridge never
	 * (DOCKER-ISOLATION-STAGE-1/2), internal: nowhere else either */
	strbuf_addf(sb, "add chain %s " TABLE " f_%.12s\n", fam, id);
	strbuf_addf(sb, "add rule %s " TABLE " f_%.12s iifname \"%s\" oifname \"%s\" accept\n", fam,
		    id, br, br);
	strbuf_addf(sb, "add rule %s " TABLE " f_%.12s iifname \"%s\" oifname @bridges drop\n", fam,
		    id, br);
	strbuf_addf(sb, "add rule %s " TABLE " f_%.12s oifname \"%s\" iifname @bridges drop\n", fam,
		    id, br);
	if (b->internal)
		strbuf_addf(sb, "add rule %s " TABLE " f_%.12s drop\n", fam, id);
	/* into the bridge: 127.0.0.1:port DNATed (route_localnet), and hairpin */
	strbuf_addf(sb, "add chain %s " TABLE " o_%.12s\n", fam, id);
	strbuf_addf(sb, "add rule %s " TABLE " o_%.12s fib saddr type local masquerade\n", fam, id);
	strbuf_addf(sb, "add rule %s " TABLE " o_%.12s %s saddr %s/%u ct status dnat masquerade\n",
		    fam, id, fam, net, prefixlen);
	/* from the subnet out of another interface: masquerade unless internal */
	if (!v6) {
		strbuf_addf(sb, "add chain ip " TABLE " m_%.12s\n", id);
		if (masq)
			strbuf_addf(sb,
				    "add rule ip " TABLE " m_%.12s oifname != \"%s\" masquerade\n",
				    id, br);
	}
	strbuf_addf(sb, "add element %s " TABLE " bridges { \"%s\" }\n", fam, br);
	strbuf_addf(sb, "add element %s " TABLE " fwd_in { \"%s\" : jump f_%.12s }\n", fam, br, id);
	strbuf_addf(sb, "add element %s " TABLE " nat_out { \"%s\" : jump o_%.12s }\n", fam, br,
		    id);
	if (masq)
		strbuf_addf(sb, "add element ip " TABLE " nat_src { %s/%u : jump m_%.12s }\n", net,
			    prefixlen, id);
}

static int nft_exists(struct nl *nf, bool v6, const char *chain)
{
	return v6 ? (chain ? nl_nft6_chain_exists(nf, TABLE, chain)
			   : nl_nft6_table_exists(nf, TABLE))
		  : (chain ? nl_nft_chain_exists(nf, TABLE, chain)
			   : nl_nft_table_exists(nf, TABLE));
}

struct claim_find {
	const struct net_bridge *b;
	char id[13];	       /* the owner of an overlapping subnet ("" none) */
	struct in_addr subnet; /* its subnet */
	unsigned prefixlen;
	char bridge[IFNAMSIZ]; /* its bridge (fwd_in), "" unknown */
};

static int claim_overlap(const char *key, const char *id, void *arg)
{
	struct claim_find *c = arg;
	struct in_addr a;
	unsigned p;

	if (strncmp(id, c->b->id, 12) == 0 || net_cidr_parse(key, &a, &p) < 0 ||
	    !net_subnets_overlap(a, p, c->b->subnet, c->b->prefixlen))
		return 0;
	snprintf(c->id, sizeof(c->id), "%s", id);
	c->subnet = a;
	c->prefixlen = p;
	return 1;
}

static int claim_bridge(const char *key, const char *id, void *arg)
{
	struct claim_find *c = arg;

	if (!streq(id, c->id) || strlen(key) >= sizeof(c->bridge))
		return 0;
	snprintf(c->bridge, sizeof(c->bridge), "%s", key);
	return 1;
}

/*
 * After adding @b's pieces to "ip hullnet" failed: whether another network holds an
 * overlapping subnet in its nat_src map. A holder whose bridge is gone is a leftover (its store
 * was deleted, then its links, or the host lost its links but kept its tables): its pieces are
 * deleted and 1 returned, to try again. A holder whose bridge is there fails with docker's
 * message. 0: no holder (the failure is another one).
 */
static int nat_src_reclaim(const struct net_bridge *b, char last[13], struct hull_err **err)
{
	_cleanup_free_ char *src = NULL, *fwd = NULL;
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	_cleanup_nl_ struct nl rt = {NULL, 0, 0};
	struct claim_find c = {.b = b};
	struct net_bridge old = {.prefixlen = 0};
	struct nl_link li;

	if (nft_list("list map ip " TABLE " nat_src", &src, NULL) < 0 ||
	    net_nft_map_jumps(src, "m_", claim_overlap, &c) == 0)
		return 0;
	/* the same holder as the last round: its deletion did not take, stop */
	if (streq(c.id, last))
		return 0;
	snprintf(last, 13, "%s", c.id);
	if (nft_list("list map ip " TABLE " fwd_in", &fwd, NULL) == 0)
		(void) net_nft_map_jumps(fwd, "f_", claim_bridge, &c);
	/* whether its bridge is there; when that cannot be known, it is not a leftover */
	if (c.bridge[0] && nl_open(&rt, NETLINK_ROUTE, NULL) < 0)
		return 0;
	if (c.bridge[0] && nl_link_query(&rt, c.bridge, &li) != -ENODEV)
		return err_setx(err, EEXIST,
				"Pool overlaps with other one on this address space (bridge '%s' "
				"of network %s)",
				c.bridge, c.id);
	snprintf(old.id, sizeof(old.id), "%s", c.id);
	snprintf(old.name, sizeof(old.name), "%s", c.bridge);
	old.subnet = c.subnet;
	old.prefixlen = c.prefixlen;
	/* the elements keyed by the bridge's name only when it is known; each line alone, as
	 * some pieces may be gone; its "ip6 hullnet" pieces too, if it had any */
	network_pieces(&sb, &old, false, false, c.bridge[0] != '\0', true);
	network_pieces(&sb, &old, true, false, c.bridge[0] != '\0', false);
	net_nft_run_each(strbuf_cstr(&sb));
	return 1;
}

/*
 * @b's pieces in table TABLE of family ip, or ip6 if @v6, made once (the chain f_X
 * tells), with the table itself if it is missing. A race lost to another hull that made
 * them first is no error: they are there, which is all we want.
 */
static int nft_family_setup(const struct net_bridge *b, bool v6, struct hull_err **err)
{
	_cleanup_nl_ struct nl nf = {NULL, 0, 0};
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	_cleanup_free_ char *chain = xasprintf("f_%.12s", b->id);
	const char *family = v6 ? "ip6" : "ip";
	int r;

	r = nl_open(&nf, NETLINK_NETFILTER, err);
	if (r < 0)
		return err_wrap(err, "set up nftables");
	r = nft_exists(&nf, v6, NULL);
	if (r < 0)
		return err_set(err, -r, "look up nftables table '%s " TABLE "'", family);
	if (r == 0) {
		r = nft_run(v6 ? hullnet6_table : hullnet_table, err);
		if (r < 0 && nft_exists(&nf, v6, NULL) > 0) {
			if (err)
				*err = err_free(*err);
			r = 0;
		}
		if (r < 0)
			return err_wrap(err, "create nftables table '%s " TABLE "'", family);
	}
	/*
	 * The DNAT maps of published ports are in "ip hull" (nft.c), which only hull0's
	 * set-up made: a host whose first container with -p is on a user network lacked it.
	 */
	r = v6 ? 0 : net_nft_table_ensure(err);
	if (r < 0)
		return r;
	if (v6 && nft_exists(&nf, true, "input") == 0) {
		/* a table of an older hull: its guard now (one transaction, as nft.c's) */
		r = nft_run("create chain ip6 " TABLE " input { " GUARD6_HOOK " }\n"
			    "add rule ip6 " TABLE " input " GUARD6_RULE "\n",
			    NULL);
		if (r < 0 && nft_exists(&nf, true, "input") <= 0)
			return err_setx(err, EIO,
					"add the input chain to nftables table 'ip6 " TABLE "'");
	}
	if (v6) {
		r = net_nft_sctp_ensure(&nf, true, TABLE, err);
		if (r < 0)
			return r;
	}
	r = nft_exists(&nf, v6, chain);
	if (r < 0)
		return err_set(err, -r, "look up nftables chain '%s " TABLE " %s'", family, chain);
	if (r > 0)
		return 0;
	network_pieces(&sb, b, v6, true, true, true);
	r = nft_run(strbuf_cstr(&sb), err);
	if (r < 0 && nft_exists(&nf, v6, chain) > 0) {
		if (err)
			*err = err_free(*err);
		r = 0;
	}
	/* another network's subnet in nat_src ("File exists"): a leftover, or not; a subnet may
	 * cover several leftovers, each reclaimed in turn */
	char last[13] = "";
	for (int tries = 0; r < 0 && !v6 && !b->internal && tries < 256; tries++) {
		struct hull_err *e = NULL;
		int k = nat_src_reclaim(b, last, &e);

		if (k == 0)
			break;
		if (err)
			*err = err_free(*err);
		if (k < 0) {
			if (err)
				*err = e;
			else
				err_free(e);
			return k;
		}
		r = nft_run(strbuf_cstr(&sb), err);
	}
	return r < 0 ? err_wrap(err, "add network '%s' to nftables table '%s " TABLE "'", b->name,
				family)
		     : 0;
}

/*
 * The alias hull gives the bridges it makes (`ip link show` prints it), so that a
 * link of the same name that something else made is never configured or deleted.
 */
static char *bridge_mark(const struct net_bridge *b)
{
	return xasprintf("hull network %s", b->id);
}

/*
 * Whether link @li, named as @b's bridge, is @b's: a bridge with our mark, or an
 * unmarked bridge with the name hull generates (made by a hull before the mark).
 */
static bool bridge_is_ours(const struct net_bridge *b, const struct nl_link *li)
{
	_cleanup_free_ char *mark = bridge_mark(b);
	_cleanup_free_ char *generated = xasprintf("br-%.12s", b->id);

	if (!streq(li->kind, "bridge"))
		return false;
	return streq(li->alias, mark) || (!*li->alias && streq(b->name, generated));
}

/*
 * The IPv6 side of @b's bridge (link @index): no DAD, IPv6 on, the gateway address, and
 * forwarding, as docker's bridge driver sets up an --ipv6 network (setupIPv6Forwarding).
 */
static int network_setup6(struct nl *rt, const struct net_bridge *b, unsigned index,
			  struct hull_err **err)
{
	_cleanup_free_ char *dad = xasprintf("/proc/sys/net/ipv6/conf/%s/accept_dad", b->name);
	_cleanup_free_ char *off = xasprintf("/proc/sys/net/ipv6/conf/%s/disable_ipv6", b->name);
	int r;

	r = net_sysctl_set(dad, "0", err);
	if (r == 0)
		r = net_sysctl_set(off, "0", err);
	if (r < 0)
		return err_wrap(err, "enable IPv6 on '%s'", b->name);
	r = nl_addr6_has(rt, index, &b->gateway6);
	if (r == 0) {
		r = nl_addr6_add(rt, index, &b->gateway6, b->prefixlen6);
		if (r == -EEXIST)
			r = 0;
	}
	if (r < 0) {
		char gw[INET6_ADDRSTRLEN];

		inet_ntop(AF_INET6, &b->gateway6, gw, sizeof(gw));
		return err_set(err, -r, "add address %s/%u to '%s'", gw, b->prefixlen6, b->name);
	}
	r = net_sysctl_enable("/proc/sys/net/ipv6/conf/all/forwarding", err);
	if (r == 0)
		r = net_sysctl_enable("/proc/sys/net/ipv6/conf/default/forwarding", err);
	return r;
}

/* net_network_setup() with the netlink socket @rt; *@made: whether it made the bridge. */
static int network_setup_at(struct nl *rt, const struct net_bridge *b, bool *made,
			    struct hull_err **err)
{
	_cleanup_free_ char *localnet = NULL, *mark = bridge_mark(b);
	struct nl_link li;
	int r;

	r = nl_link_query(rt, b->name, &li);
	if (r == -ENODEV) {
		r = nl_bridge_create(rt, b->name, b->mtu);
		if (r < 0 && r != -EEXIST)
			return err_set(err, -r, "create bridge '%s'", b->name);
		/* EEXIST: made meanwhile, by us or not: the checks below tell */
		*made = r == 0;
		if (r == 0) {
			r = nl_link_query(rt, b->name, &li);
			if (r == 0 && !*li.alias)
				r = nl_link_set_alias(rt, li.index, mark);
			if (r == 0)
				snprintf(li.alias, sizeof(li.alias), "%s", mark);
		} else {
			r = nl_link_query(rt, b->name, &li);
		}
	}
	if (r < 0)
		return err_set(err, -r, "look up link '%s'", b->name);
	if (!streq(li.kind, "bridge"))
		return err_setx(err, EEXIST,
				"link '%s' of the host is not a bridge: refusing to use it for "
				"network %.12s",
				b->name, b->id);
	if (!bridge_is_ours(b, &li))
		return err_setx(err, EEXIST,
				"bridge '%s' of the host was not made by hull for network %.12s: "
				"refusing to use it",
				b->name, b->id);
	if (!*li.alias) {
		/* an older hull's: marked from now on */
		r = nl_link_set_alias(rt, li.index, mark);
		if (r < 0)
			return err_set(err, -r, "set the alias of '%s'", b->name);
	}
	r = nl_addr_has(rt, li.index, b->gateway);
	if (r == 0) {
		r = nl_addr_add(rt, li.index, b->gateway, b->prefixlen);
		if (r == -EEXIST)
			r = 0;
	}
	if (r < 0) {
		char gw[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &b->gateway, gw, sizeof(gw));
		return err_set(err, -r, "add address %s/%u to '%s'", gw, b->prefixlen, b->name);
	}
	if (!(li.flags & IFF_UP)) {
		r = nl_link_set_up(rt, li.index);
		if (r < 0)
			return err_set(err, -r, "bring up '%s'", b->name);
	}
	r = net_sysctl_enable("/proc/sys/net/ipv4/ip_forward", err);
	if (r < 0)
		return r;
	/* 127.0.0.1:port into this bridge, as on hull0 (bridge.c) */
	localnet = xasprintf("/proc/sys/net/ipv4/conf/%s/route_localnet", b->name);
	r = net_sysctl_enable(localnet, err);
	if (r < 0)
		return r;
	r = b->ipv6 ? network_setup6(rt, b, li.index, err) : net_bridge_no_ipv6(b->name, err);
	if (r < 0)
		return r;
	r = nft_family_setup(b, false, err);
	if (r == 0 && b->ipv6)
		r = nft_family_setup(b, true, err);
	return r;
}

int net_network_setup(const struct net_bridge *b, struct hull_err **err)
{
	_cleanup_nl_ struct nl rt = {NULL, 0, 0};
	bool made = false;
	int r;

	r = nl_open(&rt, NETLINK_ROUTE, err);
	if (r < 0)
		return err_wrap(err, "set up bridge '%s'", b->name);
	r = network_setup_at(&rt, b, &made, err);
	/*
	 * A bridge made here for a set-up that failed goes: with its address, its route would
	 * take the traffic of the network that holds the subnet now (a store whose bridge was
	 * lost, and whose subnet another store's network took meanwhile: "Pool overlaps").
	 */
	if (r < 0 && made)
		(void) nl_link_del(&rt, b->name);
	return r;
}

static int claim_is(const char *key, const char *id, void *arg)
{
	const struct net_bridge *b = arg;
	char net[INET_ADDRSTRLEN + 4];

	inet_ntop(AF_INET, &b->subnet, net, INET_ADDRSTRLEN);
	snprintf(net + strlen(net), 5, "/%u", b->prefixlen);
	return streq(key, net) && strncmp(id, b->id, 12) == 0;
}

/* Whether nat_src's element of @b's subnet is @b's (not that of another network holding it). */
static bool nat_src_is_ours(const struct net_bridge *b)
{
	_cleanup_free_ char *src = NULL;

	return !b->internal && nft_list("list map ip " TABLE " nat_src", &src, NULL) == 0 &&
	       net_nft_map_jumps(src, "m_", claim_is, (void *) b) > 0;
}

void net_network_teardown(const struct net_bridge *b)
{
	_cleanup_nl_ struct nl rt = {NULL, 0, 0};
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	struct nl_link li;
	bool link_ours = true;

	if (nl_open(&rt, NETLINK_ROUTE, NULL) == 0 && nl_link_query(&rt, b->name, &li) == 0) {
		link_ours = bridge_is_ours(b, &li);
		if (link_ours)
			(void) nl_link_del_index(&rt, li.index);
	}
	/*
	 * The elements named after the bridge are ours when our chains exist (they are
	 * added together) or the link is ours; else (a create that met a foreign link)
	 * they may be another network's and stay.
	 */
	if (!link_ours) {
		_cleanup_nl_ struct nl nf = {NULL, 0, 0};
		_cleanup_free_ char *chain = xasprintf("f_%.12s", b->id);
		link_ours = nl_open(&nf, NETLINK_NETFILTER, NULL) == 0 &&
			    nl_nft_chain_exists(&nf, TABLE, chain) > 0;
	}
	network_pieces(&sb, b, false, false, link_ours, link_ours && nat_src_is_ours(b));
	/* one transaction, or each piece alone when some are gone already */
	if (nft_run(strbuf_cstr(&sb), NULL) < 0)
		net_nft_run_each(strbuf_cstr(&sb));
	if (b->ipv6) {
		strbuf_reset(&sb);
		network_pieces(&sb, b, true, false, link_ours, false);
		if (nft_run(strbuf_cstr(&sb), NULL) < 0)
			net_nft_run_each(strbuf_cstr(&sb));
	}
	net_network_state_remove(b->id);
}
