/* SPDX-License-Identifier: MIT */
/*
 * The hull0 bridge, its nftables table, and the veth of each container.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/netlink.h>
#include <sys/stat.h>

#include "net/net-internal.h"
#include "net/net.h"

void nl_closep(struct nl *nl)
{
	nl_close(nl);
}

/* A write is a privileged change: only when needed. */
int net_sysctl_enable(const char *path, struct hull_err **err)
{
	_cleanup_close_ int fd = -1;
	char c = 0;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, errno, "open '%s'", path);
	if (read(fd, &c, 1) == 1 && c == '1')
		return 0;
	if (pwrite(fd, "1\n", 2, 0) != 2)
		return err_set(err, errno, "write '%s'", path);
	return 0;
}

int net_bridge_no_ipv6(const char *name, struct hull_err **err)
{
	_cleanup_free_ char *path = xasprintf("/proc/sys/net/ipv6/conf/%s/disable_ipv6", name);

	if (access(path, F_OK) < 0 && errno == ENOENT)
		return 0; /* a kernel, or a namespace, without IPv6 */
	return net_sysctl_enable(path, err);
}

int net_sysctl_set(const char *path, const char *value, struct hull_err **err)
{
	_cleanup_close_ int fd = -1;
	size_t len = strlen(value);
	char c = 0;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, errno, "open '%s'", path);
	if (read(fd, &c, 1) == 1 && c == value[0])
		return 0;
	if (pwrite(fd, value, len, 0) != (ssize_t) len)
		return err_set(err, errno, "write '%s'", path);
	return 0;
}

int net_bridge_setup(struct hull_err **err)
{
	_cleanup_nl_ struct nl rt = {NULL, 0, 0};
	struct in_addr gw;
	unsigned index, flags;
	int r;

	inet_pton(AF_INET, NET_GATEWAY, &gw);
	r = nl_open(&rt, NETLINK_ROUTE, err);
	if (r < 0)
		return err_wrap(err, "set up bridge '%s'", NET_BRIDGE_NAME);

	r = nl_link_get(&rt, NET_BRIDGE_NAME, &index, &flags);
	if (r == -ENODEV) {
		r = nl_bridge_create(&rt, NET_BRIDGE_NAME, 0);
		if (r < 0 && r != -EEXIST)
			return err_set(err, -r, "create bridge '%s'", NET_BRIDGE_NAME);
		r = nl_link_get(&rt, NET_BRIDGE_NAME, &index, &flags);
	}
	if (r < 0)
		return err_set(err, -r, "look up link '%s'", NET_BRIDGE_NAME);

	r = nl_addr_has(&rt, index, gw);
	if (r == 0) {
		r = nl_addr_add(&rt, index, gw, NET_PREFIXLEN);
		if (r == -EEXIST)
			r = 0;
	}
	if (r < 0)
		return err_set(err, -r, "add address %s/%d to '%s'", NET_GATEWAY, NET_PREFIXLEN,
			       NET_BRIDGE_NAME);
	if (!(flags & IFF_UP)) {
		r = nl_link_set_up(&rt, index);
		if (r < 0)
			return err_set(err, -r, "bring up '%s'", NET_BRIDGE_NAME);
	}

	r = net_sysctl_enable("/proc/sys/net/ipv4/ip_forward", err);
	if (r < 0)
		return r;
	/* Lets 127.0.0.1:hostPort be DNATed out of hull0 (docker does the same with
	 * --userland-proxy=false); the nft "loopback" chain keeps containers from
	 * using it to reach the host's loopback services (CVE-2020-8558). */
	r = net_sysctl_enable("/proc/sys/net/ipv4/conf/" NET_BRIDGE_NAME "/route_localnet", err);
	if (r < 0)
		return r;
	r = net_bridge_no_ipv6(NET_BRIDGE_NAME, err);
	if (r < 0)
		return r;

	return net_nft_table_ensure(err);
}

int net_nft_table_ensure(struct hull_err **err)
{
	_cleanup_nl_ struct nl nf = {NULL, 0, 0};
	int r;

	r = nl_open(&nf, NETLINK_NETFILTER, err);
	if (r < 0)
		return err_wrap(err, "set up nftables");
	r = nl_nft_table_exists(&nf, "hull");
	if (r < 0)
		return err_set(err, -r, "look up nftables table 'ip hull'");
	if (r > 0) {
		/* the newest piece there: the rest is too (one lookup per start) */
		r = nl_nft_chain_exists(&nf, "hull", "sctp_ports");
		if (r > 0)
			return 0;
		/* a table from an older hull lacks the loopback guard: add it */
		r = nl_nft_chain_exists(&nf, "hull", "loopback");
		if (r < 0)
			return err_set(err, -r, "look up nftables chain 'ip hull loopback'");
		if (r == 0) {
			r = net_nft_loopback_guard(err);
			if (r < 0 && nl_nft_chain_exists(&nf, "hull", "loopback") > 0) {
				if (err)
					*err = err_free(*err);
				r = 0;
			}
			if (r < 0)
				return err_wrap(
					err, "add the loopback guard to nftables table 'ip hull'");
		}
		return net_nft_sctp_ensure(&nf, false, "hull", err);
	}
	r = net_nft_table_create(err);
	if (r < 0) {
		/* Lost a race with another hull: the table is there, which is all we want. */
		if (nl_nft_table_exists(&nf, "hull") > 0) {
			if (err)
				*err = err_free(*err);
			return net_nft_sctp_ensure(&nf, false, "hull", err);
		}
		return err_wrap(err, "create nftables table 'ip hull'");
	}
	return net_nft_sctp_ensure(&nf, false, "hull", err);
}

static void veth_name(const char *ctr_id, char name[IFNAMSIZ])
{
	snprintf(name, IFNAMSIZ, "hv%.10s", ctr_id);
}

/* The host side of the veth of container @ctr_id on another network @net_id than its first. */
static void veth_name_extra(const char *ctr_id, const char *net_id, char name[IFNAMSIZ])
{
	snprintf(name, IFNAMSIZ, "hx%.7s%.6s", ctr_id, net_id);
}

/*
 * Attach to bridge @br through the veth @host: the container's side @ifname (NULL: the
 * first ethN, N >= 1, that it lacks) gets @ip/@prefixlen, and the default route via @gw
 * unless @no_route.
 */
static int attach(pid_t pid, const char *ctr_id, const char *host, const char *ifname,
		  const char *ip, const char *macs, const char *br, struct in_addr gw,
		  unsigned prefixlen, bool no_route, const char *ip6, const struct net_bridge *b,
		  struct hull_err **err)
{
	struct in6_addr addr6;
	_cleanup_nl_ struct nl rt = {NULL, 0, 0};
	_cleanup_nl_ struct nl ns = {NULL, 0, 0};
	_cleanup_close_ int nsfd = -1;
	char path[64], name[IFNAMSIZ];
	char gws[INET_ADDRSTRLEN];
	struct in_addr addr;
	unsigned master, eth0, port;
	/* the network's MTU everywhere, or a link as wide as loopback's with docker's 1500 on
	 * the default route (docs/networking.md "MTU") */
	unsigned mtu = b && b->mtu ? b->mtu : NET_LINK_MTU;
	unsigned route_mtu = b && b->mtu ? 0 : NET_ROUTE_MTU;
	uint8_t mac[6];
	int r;

	if (inet_pton(AF_INET, ip, &addr) != 1)
		return err_setx(err, EINVAL, "invalid container IP address '%s'", ip);
	if (!isempty(ip6) && (!b || !b->ipv6 || inet_pton(AF_INET6, ip6, &addr6) != 1))
		return err_setx(err, EINVAL, "invalid container IPv6 address '%s'", ip6);
	if (!isempty(macs)) {
		char canon[18];
		unsigned v[6];

		if (net_mac_parse(macs, canon) < 0 ||
		    sscanf(canon, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) !=
			    6)
			return err_setx(err, EINVAL, "invalid MAC address '%s'", macs);
		for (int i = 0; i < 6; i++)
			mac[i] = (uint8_t) v[i];
	} else {
		/*
		 * MAC derived from the IP as docker does (02:42:a.b.c.d): an address
		 * reused by a new container keeps its MAC, so stale ARP entries on the
		 * bridge stay right.
		 */
		mac[0] = 0x02;
		mac[1] = 0x42;
		memcpy(mac + 2, &addr.s_addr, 4);
	}
	inet_ntop(AF_INET, &gw, gws, sizeof(gws));
	r = nl_open_netns(&ns, pid, err);
	if (r < 0)
		return err_wrap(err, "attach '%s'", ctr_id);
	if (ifname) {
		snprintf(name, sizeof(name), "%s", ifname);
	} else {
		/* docker's eth1, eth2... in the order of connection (eth0 after a
		 * disconnect from the first network) */
		for (int i = 0;; i++) {
			snprintf(name, sizeof(name), "eth%d", i);
			r = nl_link_get(&ns, name, NULL, NULL);
			if (r == -ENODEV)
				break;
			if (r < 0 || i == 999)
				return err_set(err, r < 0 ? -r : ENOSPC,
					       "pick an interface name in the container");
		}
	}

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int) pid);
	nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return err_set(err, errno, "open '%s'", path);
	r = nl_open(&rt, NETLINK_ROUTE, err);
	if (r < 0)
		return err_wrap(err, "attach '%s'", ctr_id);
	r = nl_link_get(&rt, br, &master, NULL);
	if (r < 0)
		return err_set(err, -r, "look up bridge '%s'", br);

	r = nl_veth_create(&rt, host, master, name, nsfd, mac, mtu);
	if (r == -EEXIST) {
		/* this container's previous pair, whose network namespace the kernel is
		 * still tearing down after a quick stop and start: it is ours to delete */
		(void) nl_link_del(&rt, host);
		r = nl_veth_create(&rt, host, master, name, nsfd, mac, mtu);
	}
	if (r < 0)
		return err_set(err, -r, "create veth '%s'%s%s", host,
			       isempty(macs) ? "" : " with MAC ", isempty(macs) ? "" : macs);

	/* Hairpin, as docker without its userland proxy: see docs/networking.md. */
	r = nl_link_get(&rt, host, &port, NULL);
	if (r >= 0)
		r = nl_bridge_port_hairpin(&rt, port);
	if (r < 0) {
		r = err_set(err, -r, "set hairpin mode on '%s'", host);
		goto fail;
	}

	r = nl_link_get(&ns, name, &eth0, NULL);
	if (r < 0) {
		r = err_set(err, -r, "look up '%s' in the container", name);
		goto fail;
	}
	r = nl_link_set_up(&ns, eth0);
	if (r < 0) {
		r = err_set(err, -r, "bring up '%s'", name);
		goto fail;
	}
	r = nl_addr_add(&ns, eth0, addr, prefixlen);
	if (r < 0) {
		r = err_set(err, -r, "add address %s/%u to '%s'", ip, prefixlen, name);
		goto fail;
	}
	/* The loopback device is ifindex 1 in every network namespace. */
	r = nl_link_set_up(&ns, 1);
	if (r < 0) {
		r = err_set(err, -r, "bring up 'lo'");
		goto fail;
	}
	r = no_route ? 0 : nl_route_add_default(&ns, eth0, gw, route_mtu);
	if (r < 0) {
		r = err_set(err, -r, "add default route via %s", gws);
		goto fail;
	}
	if (!isempty(ip6)) {
		/* nodad: the address is usable at once (docker's bridge driver sets it so too) */
		r = nl_addr6_add(&ns, eth0, &addr6, b->prefixlen6);
		if (r < 0) {
			r = err_set(err, -r, "add address %s/%u to '%s'", ip6, b->prefixlen6, name);
			goto fail;
		}
		r = no_route ? 0 : nl_route6_add_default(&ns, eth0, &b->gateway6, route_mtu);
		if (r < 0) {
			char gw6[INET6_ADDRSTRLEN];

			inet_ntop(AF_INET6, &b->gateway6, gw6, sizeof(gw6));
			r = err_set(err, -r, "add default route via %s", gw6);
			goto fail;
		}
	}
	return 0;
fail:
	(void) nl_link_del(&rt, host);
	return err_wrap(err, "attach '%s' to '%s'", ctr_id, br);
}

int net_attach(pid_t pid, const char *ctr_id, const char *ip, const char *mac,
	       struct hull_err **err)
{
	char host[IFNAMSIZ];
	struct in_addr gw;

	inet_pton(AF_INET, NET_GATEWAY, &gw);
	veth_name(ctr_id, host);
	return attach(pid, ctr_id, host, "eth0", ip, mac, NET_BRIDGE_NAME, gw, NET_PREFIXLEN, false,
		      NULL, NULL, err);
}

int net_attach_bridge(pid_t pid, const char *ctr_id, const char *ip, const char *ip6,
		      const char *mac, const struct net_bridge *b, struct hull_err **err)
{
	char host[IFNAMSIZ];

	veth_name(ctr_id, host);
	return attach(pid, ctr_id, host, "eth0", ip, mac, b->name, b->gateway, b->prefixlen,
		      b->internal, ip6, b, err);
}

int net_attach_extra(pid_t pid, const char *ctr_id, const char *ip, const char *ip6,
		     const char *mac, const struct net_bridge *b, struct hull_err **err)
{
	char host[IFNAMSIZ];

	veth_name_extra(ctr_id, b->id, host);
	return attach(pid, ctr_id, host, NULL, ip, mac, b->name, b->gateway, b->prefixlen, true,
		      ip6, b, err);
}

void net_detach(const char *ctr_id)
{
	_cleanup_nl_ struct nl rt = {NULL, 0, 0};
	char host[IFNAMSIZ];

	veth_name(ctr_id, host);
	if (nl_open(&rt, NETLINK_ROUTE, NULL) < 0)
		return;
	(void) nl_link_del(&rt, host);
}

void net_detach_extra(const char *ctr_id, const char *net_id)
{
	_cleanup_nl_ struct nl rt = {NULL, 0, 0};
	char host[IFNAMSIZ];

	veth_name_extra(ctr_id, net_id, host);
	if (nl_open(&rt, NETLINK_ROUTE, NULL) < 0)
		return;
	(void) nl_link_del(&rt, host);
}

int net_loopback_up(pid_t pid, struct hull_err **err)
{
	_cleanup_nl_ struct nl ns = {NULL, 0, 0};
	int r;

	r = nl_open_netns(&ns, pid, err);
	if (r < 0)
		return err_wrap(err, "bring up 'lo'");
	r = nl_link_set_up(&ns, 1);
	if (r < 0)
		return err_set(err, -r, "bring up 'lo' in the network namespace of pid %d",
			       (int) pid);
	return 0;
}

int net_mac_parse(const char *s, char ret[18])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t b[6];
	size_t n = s ? strlen(s) : 0, k = 0;
	char sep;

	/* 17 characters with ':' or '-' after each byte, or 14 with '.' after each 2 bytes */
	if (n == 17 && (s[2] == ':' || s[2] == '-'))
		sep = s[2];
	else if (n == 14 && s[4] == '.')
		sep = '.';
	else
		return -EINVAL;
	for (size_t i = 0; i < n;) {
		int hi, lo;

		if (k == 6)
			return -EINVAL;
		hi = unhexchar((unsigned char) s[i]);
		lo = i + 1 < n ? unhexchar((unsigned char) s[i + 1]) : -1;
		if (hi < 0 || lo < 0)
			return -EINVAL;
		b[k++] = (uint8_t) (hi << 4 | lo);
		i += 2;
		if (i == n)
			break;
		/* '.' only after an even byte (every 4 digits) */
		if (sep == '.' && k % 2)
			continue;
		if (s[i] != sep)
			return -EINVAL;
		i++;
	}
	if (k != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		ret[3 * i] = hex[b[i] >> 4];
		ret[3 * i + 1] = hex[b[i] & 15];
		ret[3 * i + 2] = i == 5 ? '\0' : ':';
	}
	return 0;
}

void net_mac_from_ip(const char *ip, char ret[18])
{
	struct in_addr a = {0};
	const uint8_t *o = (const uint8_t *) &a.s_addr;

	(void) inet_pton(AF_INET, ip, &a);
	snprintf(ret, 18, "02:42:%02x:%02x:%02x:%02x", o[0], o[1], o[2], o[3]);
}
