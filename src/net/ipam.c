/* SPDX-License-Identifier: MIT */
/*
 * Address allocation in 10.89.0.0/16: RUNROOT/net/ips/<ip> holds the id of
 * the container that owns <ip>, created with O_EXCL so that a file is an
 * allocation. RUNROOT/net/lock is flock'd while allocating and holds the
 * offset of the last address handed out, so addresses rotate through the
 * range instead of being reused at once (conntrack and ARP entries of the
 * previous owner age out meanwhile). The runroot is a tmpfs: a reboot,
 * which also kills every network namespace, frees everything.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>

#include "net/net-internal.h"
#include "net/net.h"
#include "util/fs.h"
#include "util/strv.h"

/* A range of addresses: base is the network address, hosts are base+first..base+last. */
struct ipam_range {
	uint32_t base, first, last;
	uint32_t gateway; /* offset never handed out (the bridge's) */
};

static void offset_to_ip(const struct ipam_range *rg, uint32_t off, char ip[INET_ADDRSTRLEN])
{
	struct in_addr a = {.s_addr = htonl(rg->base + off)};

	inet_ntop(AF_INET, &a, ip, INET_ADDRSTRLEN);
}

/* Record @ip as @ctr_id's in @dfd: 1 if it was free, 0 if taken, or a negative errno. */
static int ipam_claim(int dfd, const char *dir, const char *ip, const char *ctr_id,
		      struct hull_err **err)
{
	_cleanup_close_ int fd = -1;
	size_t idlen = strlen(ctr_id);
	int r;

	fd = openat(dfd, ip, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		if (errno == EEXIST)
			return 0;
		return err_set(err, errno, "create '%s/%s'", dir, ip);
	}
	if (write(fd, ctr_id, idlen) != (ssize_t) idlen) {
		r = err_set(err, errno ? errno : EIO, "write '%s/%s'", dir, ip);
		(void) unlinkat(dfd, ip, 0);
		return r;
	}
	return 1;
}

/*
 * Open the address directory @dir (made if missing) into *@ret_dfd and take the
 * exclusive flock of @lockpath, whose fd goes to *@ret_lfd (closing it unlocks).
 */
static int ipam_open_locked(const char *dir, const char *lockpath, int *ret_dfd, int *ret_lfd,
			    struct hull_err **err)
{
	int r;

	r = mkdir_p(dir, 0755, err);
	if (r < 0)
		return r;
	*ret_dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*ret_dfd < 0)
		return err_set(err, errno, "open '%s'", dir);
	*ret_lfd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (*ret_lfd < 0)
		return err_set(err, errno, "open '%s'", lockpath);
	if (flock(*ret_lfd, LOCK_EX) < 0)
		return err_set(err, errno, "lock '%s'", lockpath);
	return 0;
}

/*
 * Allocate in @rg under @state (holding ips/ and lock): @want_off if not 0,
 * else the next free offset after the last one handed out.
 */
static int ipam_alloc(const char *state, const struct ipam_range *rg, uint32_t want_off,
		      const char *ctr_id, char ret_ip[INET_ADDRSTRLEN], struct hull_err **err)
{
	_cleanup_free_ char *dir = path_join(state, "ips");
	_cleanup_free_ char *lockpath = path_join(state, "lock");
	_cleanup_close_ int dfd = -1, lfd = -1;
	char hint[16] = "", ip[INET_ADDRSTRLEN];
	uint32_t last = rg->first - 1, off;
	ssize_t len;
	int r;

	r = ipam_open_locked(dir, lockpath, &dfd, &lfd, err);
	if (r < 0)
		return err_wrap(err, "allocate IP address");

	if (want_off) {
		offset_to_ip(rg, want_off, ip);
		r = ipam_claim(dfd, dir, ip, ctr_id, err);
		if (r < 0)
			return r;
		if (r == 0)
			return err_setx(err, EADDRINUSE, "Address already in use");
		memcpy(ret_ip, ip, sizeof(ip));
		return 0;
	}

	/* A torn or garbage hint only means starting from the beginning. */
	len = pread(lfd, hint, sizeof(hint) - 1, 0);
	if (len > 0) {
		unsigned long v;
		char *end;

		hint[len] = '\0';
		errno = 0;
		v = strtoul(hint, &end, 10);
		if (errno == 0 && end != hint && v >= rg->first && v <= rg->last)
			last = (uint32_t) v;
	}

	off = last;
	for (uint32_t tries = 0; tries <= rg->last - rg->first; tries++) {
		off = off >= rg->last ? rg->first : off + 1;
		if (off == rg->gateway)
			continue;
		offset_to_ip(rg, off, ip);
		r = ipam_claim(dfd, dir, ip, ctr_id, err);
		if (r < 0)
			return r;
		if (r == 0)
			continue;
		len = snprintf(hint, sizeof(hint), "%u\n", off);
		/* The hint is an optimisation: failing to store it is harmless. */
		if (pwrite(lfd, hint, (size_t) len, 0) == len && ftruncate(lfd, len) < 0)
			errno = 0;
		memcpy(ret_ip, ip, sizeof(ip));
		return 0;
	}
	{
		struct in_addr a = {.s_addr = htonl(rg->base)};
		char net[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &a, net, sizeof(net));
		return err_setx(err, ENOSPC, "no free IP address left in %s", net);
	}
}

int net_ip_alloc(const char *runroot, const char *ctr_id, char ret_ip[INET_ADDRSTRLEN],
		 struct hull_err **err)
{
	_cleanup_free_ char *state = path_join(runroot, "net");
	struct ipam_range rg;
	struct in_addr a;

	/* in the /16: .0.0 is the network, .0.1 the gateway, .255.255 broadcast */
	inet_pton(AF_INET, NET_GATEWAY, &a);
	rg.base = ntohl(a.s_addr) & ~((1u << (32 - NET_PREFIXLEN)) - 1);
	rg.first = 2;
	rg.last = (1u << (32 - NET_PREFIXLEN)) - 2;
	rg.gateway = 1;
	return ipam_alloc(state, &rg, 0, ctr_id, ret_ip, err);
}

static char *network_state(const char *net_id)
{
	return xasprintf("%s/networks/%s", NET_STATE_DIR, net_id);
}

/* Only a network id (hex) or a dotted quad can name a file of ours (no "../"). */
static bool is_hex_id(const char *s)
{
	return !isempty(s) && strspn(s, "0123456789abcdef") == strlen(s) && strlen(s) <= 64;
}

int net_network_ip_alloc(const struct net_bridge *b, const char *want, const char *ctr_id,
			 char ret_ip[INET_ADDRSTRLEN], struct hull_err **err)
{
	_cleanup_free_ char *state = NULL;
	uint32_t size = b->prefixlen >= 32 ? 1 : 1u << (32 - b->prefixlen);
	struct ipam_range rg;
	uint32_t want_off = 0;
	struct in_addr a;

	if (!is_hex_id(b->id) || b->prefixlen > 30)
		return err_setx(err, EINVAL, "invalid network '%s'", b->id);
	rg.base = ntohl(b->subnet.s_addr);
	rg.first = 1;
	rg.last = size - 2;
	rg.gateway = ntohl(b->gateway.s_addr) - rg.base;
	if (want) {
		uint32_t w;

		if (inet_pton(AF_INET, want, &a) != 1)
			return err_setx(err, EINVAL, "invalid IPv4 address: %s", want);
		w = ntohl(a.s_addr);
		/* moby libnetwork/ipams/defaultipam: a requested address must be a host of the pool
		 */
		if (w - rg.base < rg.first || w - rg.base > rg.last || w - rg.base == rg.gateway ||
		    w < rg.base)
			return err_setx(err, EINVAL,
					"Invalid address %s: It does not belong to any of this "
					"network's subnets",
					want);
		want_off = w - rg.base;
	} else if (b->range_prefixlen) {
		uint32_t lo = ntohl(b->range.s_addr) - rg.base;
		uint32_t hi =
			lo + (b->range_prefixlen >= 32 ? 0 : (1u << (32 - b->range_prefixlen)) - 1);

		if (b->range_prefixlen < b->prefixlen || ntohl(b->range.s_addr) < rg.base ||
		    lo > rg.last + 1)
			return err_setx(err, EINVAL, "invalid ip-range of network '%s'", b->id);
		/* the subnet's network and broadcast addresses stay out */
		rg.first = lo > rg.first ? lo : rg.first;
		rg.last = hi < rg.last ? hi : rg.last;
		if (rg.first > rg.last)
			return err_setx(err, ENOSPC, "no free IP address left in the ip-range");
	}
	state = network_state(b->id);
	return ipam_alloc(state, &rg, want_off, ctr_id, ret_ip, err);
}

void net_network_ip_release(const char *net_id, const char *ip)
{
	_cleanup_free_ char *path = NULL;
	struct in_addr a;

	if (!is_hex_id(net_id) || isempty(ip) || inet_pton(AF_INET, ip, &a) != 1)
		return;
	path = xasprintf("%s/networks/%s/ips/%s", NET_STATE_DIR, net_id, ip);
	(void) unlink(path);
}

int net_network_endpoints(const char *net_id, char ***ret_ids, char ***ret_ips,
			  struct hull_err **err)
{
	_cleanup_strv_ char **ids = strv_new(), **ips = strv_new();
	_cleanup_free_ char *dir = NULL;
	struct dirent *de;
	DIR *d;

	if (net_id && !is_hex_id(net_id))
		return err_setx(err, EINVAL, "invalid network id '%s'", net_id);
	dir = net_id ? xasprintf("%s/networks/%s/ips", NET_STATE_DIR, net_id)
		     : xasprintf("%s/net/ips", NET_STATE_DIR);
	d = opendir(dir);
	if (!d && errno != ENOENT)
		return err_set(err, errno, "open '%s'", dir);
	while (d && (de = readdir(d))) {
		_cleanup_free_ char *path = NULL, *id = NULL;
		struct in_addr a;

		if (inet_pton(AF_INET, de->d_name, &a) != 1)
			continue;
		path = path_join(dir, de->d_name);
		if (read_file(path, 128, &id, NULL, NULL) < 0)
			continue; /* released meanwhile */
		strv_push(&ids, id);
		strv_push(&ips, de->d_name);
	}
	if (d)
		closedir(d);
	*ret_ids = TAKE_PTR(ids);
	*ret_ips = TAKE_PTR(ips);
	return 0;
}

void net_network_state_remove(const char *net_id)
{
	_cleanup_free_ char *state = NULL;

	if (!is_hex_id(net_id))
		return;
	state = network_state(net_id);
	(void) rm_rf(state, NULL);
}

void net_ip_release(const char *runroot, const char *ip)
{
	_cleanup_free_ char *path = NULL;
	struct in_addr a;

	/* Only a dotted quad can name a file of ours (no "../"). */
	if (isempty(ip) || inet_pton(AF_INET, ip, &a) != 1)
		return;
	path = xasprintf("%s/net/ips/%s", runroot, ip);
	(void) unlink(path);
}

/*
 * IPv6: offsets from the subnet's address as 128-bit numbers (a /64 has 2^64 of them); the
 * files are NET_STATE_DIR/networks/<id>/ips6/<address>, the hint (hex) in lock6.
 */
typedef unsigned __int128 u128;

static u128 in6_to_u128(const struct in6_addr *a)
{
	u128 v = 0;

	for (unsigned i = 0; i < 16; i++)
		v = v << 8 | a->s6_addr[i];
	return v;
}

static void u128_to_in6(u128 v, struct in6_addr *a)
{
	for (int i = 15; i >= 0; i--, v >>= 8)
		a->s6_addr[i] = (uint8_t) (v & 0xff);
}

/* A whole scan of a /64 is out of reach: give up after this many taken addresses. */
#define IPAM6_TRIES 65536u

int net_network_ip6_alloc(const struct net_bridge *b, const char *want, const char *ctr_id,
			  char ret_ip[INET6_ADDRSTRLEN], struct hull_err **err)
{
	_cleanup_free_ char *state = NULL, *dir = NULL, *lockpath = NULL;
	_cleanup_close_ int dfd = -1, lfd = -1;
	char ip[INET6_ADDRSTRLEN], hint[40] = "";
	u128 base, first = 1, last, gw, off, cur;
	struct in6_addr a;
	ssize_t len;
	int r;

	if (!is_hex_id(b->id) || !b->ipv6 || b->prefixlen6 < 48 || b->prefixlen6 > 126)
		return err_setx(err, EINVAL, "invalid IPv6 network '%s'", b->id);
	base = in6_to_u128(&b->subnet6);
	last = (((u128) 1) << (128 - b->prefixlen6)) - 1;
	gw = in6_to_u128(&b->gateway6) - base;
	if (want) {
		u128 w;

		if (!strchr(want, ':') || inet_pton(AF_INET6, want, &a) != 1)
			return err_setx(err, EINVAL, "invalid IPv6 address: %s", want);
		w = in6_to_u128(&a);
		if (w < base || w - base < first || w - base > last || w - base == gw)
			return err_setx(err, EINVAL,
					"Invalid address %s: It does not belong to any of this "
					"network's subnets",
					want);
	} else if (b->range6_prefixlen) {
		u128 lo = in6_to_u128(&b->range6) - base;
		u128 hi = lo + ((((u128) 1) << (128 - b->range6_prefixlen)) - 1);

		if (b->range6_prefixlen < b->prefixlen6 || lo > last)
			return err_setx(err, EINVAL, "invalid IPv6 ip-range of network '%s'",
					b->id);
		first = lo > first ? lo : first;
		last = hi < last ? hi : last;
	}
	state = network_state(b->id);
	dir = path_join(state, "ips6");
	lockpath = path_join(state, "lock6");
	r = ipam_open_locked(dir, lockpath, &dfd, &lfd, err);
	if (r < 0)
		return err_wrap(err, "allocate IPv6 address");

	if (want) {
		inet_ntop(AF_INET6, &a, ip, sizeof(ip));
		r = ipam_claim(dfd, dir, ip, ctr_id, err);
		if (r < 0)
			return r;
		if (r == 0)
			return err_setx(err, EADDRINUSE, "Address already in use");
		memcpy(ret_ip, ip, sizeof(ip));
		return 0;
	}

	/* the hint: the last offset handed out, 32 hex digits (garbage: from the start) */
	cur = first - 1;
	len = pread(lfd, hint, sizeof(hint) - 1, 0);
	if (len >= 32) {
		u128 v = 0;
		bool ok = true;

		for (int i = 0; i < 32 && ok; i++) {
			int d = isxdigit((unsigned char) hint[i])
					? (isdigit((unsigned char) hint[i])
						   ? hint[i] - '0'
						   : (hint[i] | 0x20) - 'a' + 10)
					: -1;
			ok = d >= 0;
			v = v << 4 | (u128) (d < 0 ? 0 : d);
		}
		if (ok && v >= first && v <= last)
			cur = v;
	}
	off = cur;
	for (uint32_t tries = 0; tries < IPAM6_TRIES && (u128) tries <= last - first; tries++) {
		off = off >= last ? first : off + 1;
		if (off == gw)
			continue;
		u128_to_in6(base + off, &a);
		inet_ntop(AF_INET6, &a, ip, sizeof(ip));
		r = ipam_claim(dfd, dir, ip, ctr_id, err);
		if (r < 0)
			return r;
		if (r == 0)
			continue;
		for (int i = 31; i >= 0; i--)
			hint[31 - i] = "0123456789abcdef"[(unsigned) (off >> (4 * i)) & 0xf];
		hint[32] = '\n';
		/* an optimisation: failing to store it is harmless */
		if (pwrite(lfd, hint, 33, 0) == 33 && ftruncate(lfd, 33) < 0)
			errno = 0;
		memcpy(ret_ip, ip, sizeof(ip));
		return 0;
	}
	inet_ntop(AF_INET6, &b->subnet6, ip, sizeof(ip));
	return err_setx(err, ENOSPC, "no free IPv6 address left in %s", ip);
}

void net_network_ip6_release(const char *net_id, const char *ip)
{
	_cleanup_free_ char *path = NULL;
	struct in6_addr a;

	/* only an IPv6 address can name a file of ours (no "../") */
	if (!is_hex_id(net_id) || isempty(ip) || inet_pton(AF_INET6, ip, &a) != 1)
		return;
	path = xasprintf("%s/networks/%s/ips6/%s", NET_STATE_DIR, net_id, ip);
	(void) unlink(path);
}
