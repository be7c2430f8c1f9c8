/* SPDX-License-Identifier: MIT */
/*
 * A small rtnetlink / nfnetlink client over libmnl: exactly the requests
 * src/net needs, one round trip each.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sched.h>
#include <sys/random.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "net/net-internal.h"
#include "net/net.h"

#define NL_BUF_SIZE 16384

int nl_open(struct nl *nl, int bus, struct hull_err **err)
{
	nl->sk = mnl_socket_open2(bus, SOCK_CLOEXEC);
	if (!nl->sk)
		return err_set(err, errno, "open netlink socket");
	if (mnl_socket_bind(nl->sk, 0, MNL_SOCKET_AUTOPID) < 0) {
		int r = err_set(err, errno, "bind netlink socket");
		nl_close(nl);
		return r;
	}
	nl->portid = mnl_socket_get_portid(nl->sk);
	nl->seq = (unsigned) time(NULL);
	return 0;
}

void nl_close(struct nl *nl)
{
	if (nl->sk)
		mnl_socket_close(nl->sk);
	nl->sk = NULL;
}

/*
 * Run @fn(@ctx, @err) in the network namespace of @pid, then come back: the sockets it makes
 * are that namespace's. Returns what @fn returns, or -errno with @err set.
 */
static int in_netns(pid_t pid, int (*fn)(void *ctx, struct hull_err **err), void *ctx,
		    struct hull_err **err)
{
	_cleanup_close_ int self = -1, target = -1;
	char path[64];
	int r;

	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return err_set(err, errno, "open '/proc/thread-self/ns/net'");
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int) pid);
	target = open(path, O_RDONLY | O_CLOEXEC);
	if (target < 0)
		return err_set(err, errno, "open '%s'", path);
	if (setns(target, CLONE_NEWNET) < 0)
		return err_set(err, errno, "enter network namespace of pid %d", (int) pid);
	r = fn(ctx, err);
	/*
	 * Staying in the container's namespace would silently misdirect every
	 * later socket of this process: that is a bug we cannot report.
	 */
	if (setns(self, CLONE_NEWNET) < 0)
		abort();
	return r;
}

static int open_route(void *ctx, struct hull_err **err)
{
	return nl_open(ctx, NETLINK_ROUTE, err);
}

int nl_open_netns(struct nl *nl, pid_t pid, struct hull_err **err)
{
	return in_netns(pid, open_route, nl, err);
}

/* net_dns_sockets(), in the container's namespace: @ctx is the int[2] for them. */
static int dns_sockets(void *ctx, struct hull_err **err)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(53)};
	_cleanup_close_ int udp = -1, tcp = -1;
	int *ret = ctx;

	(void) inet_pton(AF_INET, NET_DNS_ADDRESS, &a.sin_addr);
	udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (udp < 0 || tcp < 0)
		return err_set(err, errno, "resolver: socket");
	/* loopback may not be up yet: the address needs no interface to be bound */
	if (setsockopt(udp, IPPROTO_IP, IP_FREEBIND, &(int){1}, sizeof(int)) < 0 ||
	    setsockopt(tcp, IPPROTO_IP, IP_FREEBIND, &(int){1}, sizeof(int)) < 0 ||
	    setsockopt(tcp, SOL_SOCKET, SO_REUSEADDR, &(int){1}, sizeof(int)) < 0)
		return err_set(err, errno, "resolver: setsockopt");
	if (bind(udp, (struct sockaddr *) &a, sizeof(a)) < 0 ||
	    bind(tcp, (struct sockaddr *) &a, sizeof(a)) < 0 || listen(tcp, 64) < 0)
		return err_set(err, errno, "resolver: bind %s:53 in the container",
			       NET_DNS_ADDRESS);
	ret[0] = TAKE_FD(udp);
	ret[1] = TAKE_FD(tcp);
	return 0;
}

int net_dns_sockets(pid_t pid, int *ret_udp, int *ret_tcp, struct hull_err **err)
{
	int fds[2] = {-1, -1};
	int r = in_netns(pid, dns_sockets, fds, err);

	if (r < 0)
		return r;
	*ret_udp = fds[0];
	*ret_tcp = fds[1];
	return 0;
}

/* Send @nlh and run @cb over replies until the ACK / DONE. */
static int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	char buf[NL_BUF_SIZE];
	ssize_t len;
	int r;

	nlh->nlmsg_seq = ++nl->seq;
	if (mnl_socket_sendto(nl->sk, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		len = mnl_socket_recvfrom(nl->sk, buf, sizeof(buf));
		if (len < 0)
			return -errno;
		r = mnl_cb_run(buf, (size_t) len, nlh->nlmsg_seq, nl->portid, cb, data);
		if (r < 0)
			return errno > 0 ? -errno : -EPROTO;
		if (r == MNL_CB_STOP)
			return 0;
	}
}

static struct nlmsghdr *msg_new(char *buf, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	return nlh;
}

static int linkinfo_attr_cb(const struct nlattr *attr, void *data)
{
	struct nl_link *li = data;

	if (mnl_attr_get_type(attr) == IFLA_INFO_KIND &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
		snprintf(li->kind, sizeof(li->kind), "%s", mnl_attr_get_str(attr));
	return MNL_CB_OK;
}

static int link_attr_cb(const struct nlattr *attr, void *data)
{
	struct nl_link *li = data;

	switch (mnl_attr_get_type(attr)) {
	case IFLA_LINKINFO:
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) == 0)
			(void) mnl_attr_parse_nested(attr, linkinfo_attr_cb, li);
		break;
	case IFLA_IFALIAS:
		/* the kernel sends it without a NUL at times: copy by length */
		snprintf(li->alias, sizeof(li->alias), "%.*s", (int) mnl_attr_get_payload_len(attr),
			 (const char *) mnl_attr_get_payload(attr));
		li->alias[strcspn(li->alias, "\n")] = '\0';
		break;
	}
	return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	struct nl_link *li = data;

	if (nlh->nlmsg_type == RTM_NEWLINK) {
		li->index = (unsigned) ifm->ifi_index;
		li->flags = ifm->ifi_flags;
		(void) mnl_attr_parse(nlh, sizeof(*ifm), link_attr_cb, li);
	}
	return MNL_CB_OK;
}

int nl_link_query(struct nl *nl, const char *name, struct nl_link *ret)
{
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh = msg_new(buf, RTM_GETLINK, NLM_F_ACK);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	struct nl_link li = {0};
	int r;

	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	/* Skip stats and VF info: they dominate the reply size. */
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	r = nl_talk(nl, nlh, link_cb, &li);
	if (r < 0)
		return r;
	if (li.index == 0)
		return -ENODEV;
	*ret = li;
	return 0;
}

int nl_link_get(struct nl *nl, const char *name, unsigned *ret_index, unsigned *ret_flags)
{
	struct nl_link li;
	int r = nl_link_query(nl, name, &li);

	if (r < 0)
		return r;
	if (ret_index)
		*ret_index = li.index;
	if (ret_flags)
		*ret_flags = li.flags;
	return 0;
}

int nl_link_set_alias(struct nl *nl, unsigned index, const char *alias)
{
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh = msg_new(buf, RTM_NEWLINK, NLM_F_ACK);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));

	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = (int) index;
	mnl_attr_put_strz(nlh, IFLA_IFALIAS, alias);
	return nl_talk(nl, nlh, NULL, NULL);
}

int nl_link_del_index(struct nl *nl, unsigned index)
{
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh = msg_new(buf, RTM_DELLINK, NLM_F_ACK);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));

	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = (int) index;
	return nl_talk(nl, nlh, NULL, NULL);
}

int nl_link_set_up(struct nl *nl, unsigned index)
{
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh = msg_new(buf, RTM_NEWLINK, NLM_F_ACK);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));

	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = (int) index;
	ifm->ifi_flags = IFF_UP;
	ifm->ifi_change = IFF_UP;
	return nl_talk(nl, nlh, NULL, NULL);
}

int nl_link_del(struct nl *nl, const char *name)
{
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh = msg_new(buf, RTM_DELLINK, NLM_F_ACK);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));

	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return nl_talk(nl, nlh, NULL, NULL);
}

int nl_bridge_create(struct nl *nl, const char *name, unsigned mtu)
{
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh = msg_new(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	struct nlattr *linkinfo;
	uint8_t mac[6];

	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_flags = IFF_UP;
	ifm->ifi_change = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	/*
	 * A bridge without an explicit MAC takes the lowest MAC of its ports,
	 * so it would change as containers come and go, and neighbours'
	 * ARP caches would go stale (docker sets one too).
	 */
	if (getrandom(mac, sizeof(mac), 0) == (ssize_t) sizeof(mac)) {
		mac[0] = (uint8_t) ((mac[0] & 0xfe) | 0x02);
		mnl_attr_put(nlh, IFLA_ADDRESS, sizeof(mac), mac);
	}
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(nlh, linkinfo);
	return nl_talk(nl, nlh, NULL, NULL);
}

int nl_veth_create(struct nl *nl, const char *host_name, unsigned master, const char *peer_name,
		   int peer_ns_fd, const uint8_t peer_mac[6], unsigned mtu)
{
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh = msg_new(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	struct ifinfomsg *peer;
	struct nlattr *linkinfo, *data, *peerinfo;

	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_flags = IFF_UP;
	ifm->ifi_change = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, host_name);
	mnl_attr_put_u32(nlh, IFLA_MASTER, master);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	peerinfo = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	peer = mnl_nlmsg_put_extra_header(nlh, sizeof(*peer));
	/*
	 * No IFF_UP here: veth_newlink() configures the peer before the pair
	 * is linked, and opening a veth without its peer fails with ENOTCONN.
	 */
	peer->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer_name);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t) peer_ns_fd);
	if (peer_mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, peer_mac);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	mnl_attr_nest_end(nlh, peerinfo);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, linkinfo);
	return nl_talk(nl, nlh, NULL, NULL);
}

int nl_bridge_port_hairpin(struct nl *nl, unsigned index)
{
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh = msg_new(buf, RTM_SETLINK, NLM_F_ACK);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	struct nlattr *protinfo;

	ifm->ifi_family = AF_BRIDGE;
	ifm->ifi_index = (int) index;
	protinfo = mnl_attr_nest_start(nlh, IFLA_PROTINFO);
	mnl_attr_put_u8(nlh, IFLA_BRPORT_MODE, 1);
	mnl_attr_nest_end(nlh, protinfo);
	return nl_talk(nl, nlh, NULL, NULL);
}

struct addr_query {
	unsigned index;
	struct in_addr addr;
	bool found;
};

static int addr_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (type == IFA_LOCAL && mnl_attr_validate(attr, MNL_TYPE_U32) >= 0)
		tb[type] = attr;
	return MNL_CB_OK;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFA_MAX + 1] = {NULL};
	struct addr_query *q = data;

	if (nlh->nlmsg_type != RTM_NEWADDR || ifa->ifa_index != q->index)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*ifa), addr_attr_cb, tb);
	if (tb[IFA_LOCAL] && mnl_attr_get_u32(tb[IFA_LOCAL]) == q->addr.s_addr)
		q->found = true;
	return MNL_CB_OK;
}

int nl_addr_has(struct nl *nl, unsigned index, struct in_addr addr)
{
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh = msg_new(buf, RTM_GETADDR, NLM_F_DUMP);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	struct addr_query q = {index, addr, false};
	int r;

	ifa->ifa_family = AF_INET;
	r = nl_talk(nl, nlh, addr_cb, &q);
	if (r < 0)
		return r;
	return q.found ? 1 : 0;
}

int nl_addr_add(struct nl *nl, unsigned index, struct in_addr addr, unsigned prefixlen)
{
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh = msg_new(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	uint32_t mask = prefixlen ? htonl(~0u << (32 - prefixlen)) : 0;
	uint32_t brd = addr.s_addr | ~mask;

	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (unsigned char) prefixlen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = index;
	mnl_attr_put_u32(nlh, IFA_LOCAL, addr.s_addr);
	mnl_attr_put_u32(nlh, IFA_ADDRESS, addr.s_addr);
	mnl_attr_put_u32(nlh, IFA_BROADCAST, brd);
	return nl_talk(nl, nlh, NULL, NULL);
}

/* RTA_METRICS { RTAX_MTU @mtu } of a route (`ip route add ... mtu N`); nothing for 0 */
static void route_mtu(struct nlmsghdr *nlh, unsigned mtu)
{
	struct nlattr *metrics;

	if (!mtu)
		return;
	metrics = mnl_attr_nest_start(nlh, RTA_METRICS);
	mnl_attr_put_u32(nlh, RTAX_MTU, mtu);
	mnl_attr_nest_end(nlh, metrics);
}

int nl_route_add_default(struct nl *nl, unsigned index, struct in_addr gw, unsigned mtu)
{
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh = msg_new(buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = 0;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(nlh, RTA_GATEWAY, gw.s_addr);
	mnl_attr_put_u32(nlh, RTA_OIF, index);
	route_mtu(nlh, mtu);
	return nl_talk(nl, nlh, NULL, NULL);
}

struct addr6_query {
	unsigned index;
	struct in6_addr addr;
	bool found;
};

static int addr6_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if ((type == IFA_ADDRESS || type == IFA_LOCAL) &&
	    mnl_attr_get_payload_len(attr) == sizeof(struct in6_addr))
		tb[type] = attr;
	return MNL_CB_OK;
}

static int addr6_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFA_MAX + 1] = {NULL};
	struct addr6_query *q = data;
	const struct nlattr *a;

	if (nlh->nlmsg_type != RTM_NEWADDR || ifa->ifa_index != q->index ||
	    ifa->ifa_family != AF_INET6)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*ifa), addr6_attr_cb, tb);
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (a && memcmp(mnl_attr_get_payload(a), &q->addr, sizeof(q->addr)) == 0)
		q->found = true;
	return MNL_CB_OK;
}

int nl_addr6_has(struct nl *nl, unsigned index, const struct in6_addr *addr)
{
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh = msg_new(buf, RTM_GETADDR, NLM_F_DUMP);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	struct addr6_query q = {index, *addr, false};
	int r;

	ifa->ifa_family = AF_INET6;
	r = nl_talk(nl, nlh, addr6_cb, &q);
	if (r < 0)
		return r;
	return q.found ? 1 : 0;
}

int nl_addr6_add(struct nl *nl, unsigned index, const struct in6_addr *addr, unsigned prefixlen)
{
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh = msg_new(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));

	ifa->ifa_family = AF_INET6;
	ifa->ifa_prefixlen = (unsigned char) prefixlen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = index;
	/* no duplicate address detection: usable at once, as docker's `nodad` */
	ifa->ifa_flags = IFA_F_NODAD;
	mnl_attr_put(nlh, IFA_LOCAL, sizeof(*addr), addr);
	mnl_attr_put(nlh, IFA_ADDRESS, sizeof(*addr), addr);
	mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	return nl_talk(nl, nlh, NULL, NULL);
}

int nl_route6_add_default(struct nl *nl, unsigned index, const struct in6_addr *gw, unsigned mtu)
{
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh = msg_new(buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

	rtm->rtm_family = AF_INET6;
	rtm->rtm_dst_len = 0;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put(nlh, RTA_GATEWAY, sizeof(*gw), gw);
	mnl_attr_put_u32(nlh, RTA_OIF, index);
	route_mtu(nlh, mtu);
	return nl_talk(nl, nlh, NULL, NULL);
}

struct nft_lookup {
	int want; /* NFT_MSG_NEWTABLE or NFT_MSG_NEWCHAIN */
	bool found;
};

static int lookup_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nft_lookup *l = data;

	if ((nlh->nlmsg_type & 0xff) == l->want)
		l->found = true;
	return MNL_CB_OK;
}

/* Whether a table of @family (@chain NULL) or a chain of it exists: 1, 0, or -errno. */
static int nft_exists(struct nl *nl, int family, const char *table, const char *chain)
{
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh = msg_new(
		buf, (NFNL_SUBSYS_NFTABLES << 8) | (chain ? NFT_MSG_GETCHAIN : NFT_MSG_GETTABLE),
		NLM_F_ACK);
	struct nfgenmsg *nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	struct nft_lookup l = {.want = chain ? NFT_MSG_NEWCHAIN : NFT_MSG_NEWTABLE};
	int r;

	/* AF_INET and AF_INET6 are NFPROTO_IPV4 and NFPROTO_IPV6 (linux/netfilter.h clashes
	 * with netinet/in.h) */
	nfg->nfgen_family = (uint8_t) family;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	if (chain) {
		mnl_attr_put_strz(nlh, NFTA_CHAIN_TABLE, table);
		mnl_attr_put_strz(nlh, NFTA_CHAIN_NAME, chain);
	} else {
		mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, table);
	}
	r = nl_talk(nl, nlh, lookup_cb, &l);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	return l.found ? 1 : 0;
}

int nl_nft_chain_exists(struct nl *nl, const char *table, const char *chain)
{
	return nft_exists(nl, AF_INET, table, chain);
}

int nl_nft_table_exists(struct nl *nl, const char *name)
{
	return nft_exists(nl, AF_INET, name, NULL);
}

int nl_nft6_chain_exists(struct nl *nl, const char *table, const char *chain)
{
	return nft_exists(nl, AF_INET6, table, chain);
}

int nl_nft6_table_exists(struct nl *nl, const char *name)
{
	return nft_exists(nl, AF_INET6, name, NULL);
}

/* What a conntrack dump keeps: the original tuples (and zones) of the entries to delete. */
struct ct_match {
	uint8_t proto;
	uint16_t port; /* network order */
	char *found;   /* each entry: its CTA_TUPLE_ORIG then CTA_ZONE attribute, as received */
	size_t len, n;
};

static int ct_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type < CTA_MAX + 1)
		tb[type] = attr;
	return MNL_CB_OK;
}

static int ct_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ct_match *m = data;
	const struct nlattr *tb[CTA_MAX + 1] = {NULL}, *tt[CTA_TUPLE_MAX + 1] = {NULL};
	const struct nlattr *tp[CTA_PROTO_MAX + 1] = {NULL};
	size_t need;

	if (mnl_attr_parse(nlh, sizeof(struct nfgenmsg), ct_attr_cb, tb) < 0 ||
	    !tb[CTA_TUPLE_ORIG] || mnl_attr_parse_nested(tb[CTA_TUPLE_ORIG], ct_attr_cb, tt) < 0 ||
	    !tt[CTA_TUPLE_PROTO] ||
	    mnl_attr_parse_nested(tt[CTA_TUPLE_PROTO], ct_attr_cb, tp) < 0 || !tp[CTA_PROTO_NUM] ||
	    mnl_attr_get_payload_len(tp[CTA_PROTO_NUM]) < 1 || !tp[CTA_PROTO_DST_PORT] ||
	    mnl_attr_get_payload_len(tp[CTA_PROTO_DST_PORT]) < 2)
		return MNL_CB_OK;
	if (mnl_attr_get_u8(tp[CTA_PROTO_NUM]) != m->proto ||
	    mnl_attr_get_u16(tp[CTA_PROTO_DST_PORT]) != m->port)
		return MNL_CB_OK;
	need = MNL_ALIGN(tb[CTA_TUPLE_ORIG]->nla_len) +
	       (tb[CTA_ZONE] ? MNL_ALIGN(tb[CTA_ZONE]->nla_len) : 0);
	if (need > 1024 || m->n >= 4096)
		return MNL_CB_OK; /* not an entry of ours to send back; enough for one call */
	m->found = xrealloc(m->found, m->len + sizeof(uint16_t) + need);
	memcpy(m->found + m->len, &(uint16_t){(uint16_t) need}, sizeof(uint16_t));
	memcpy(m->found + m->len + sizeof(uint16_t), tb[CTA_TUPLE_ORIG],
	       tb[CTA_TUPLE_ORIG]->nla_len);
	if (tb[CTA_ZONE])
		memcpy(m->found + m->len + sizeof(uint16_t) +
			       MNL_ALIGN(tb[CTA_TUPLE_ORIG]->nla_len),
		       tb[CTA_ZONE], tb[CTA_ZONE]->nla_len);
	m->len += sizeof(uint16_t) + need;
	m->n++;
	return MNL_CB_OK;
}

int nl_ct_delete_dport(struct nl *nl, int family, uint8_t proto, uint16_t port)
{
	struct ct_match m = {.proto = proto, .port = htons(port)};
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfg;
	size_t off = 0;
	int r, deleted = 0;

	nlh = msg_new(buf, (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET, NLM_F_DUMP);
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = (uint8_t) family;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	r = nl_talk(nl, nlh, ct_cb, &m);
	if (r < 0) {
		free(m.found);
		return r;
	}
	while (off < m.len) {
		uint16_t need;

		memcpy(&need, m.found + off, sizeof(need));
		off += sizeof(need);
		nlh = msg_new(buf, (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_DELETE, NLM_F_ACK);
		nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
		nfg->nfgen_family = (uint8_t) family;
		nfg->version = NFNETLINK_V0;
		nfg->res_id = 0;
		/* the attributes as the dump gave them: a tuple, so never a flush of the table */
		memcpy((char *) nlh + nlh->nlmsg_len, m.found + off, need);
		nlh->nlmsg_len += need;
		off += need;
		r = nl_talk(nl, nlh, NULL, NULL);
		if (r == 0)
			deleted++;
	}
	free(m.found);
	return deleted;
}
