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

	r = mkdir_p(dir, 0755, err);
	if (r < 0)
		return err_wrap(err, "allocate IP address");
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_set(err, errno, "open '%s'", dir);
	lfd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lfd < 0)
		return err_set(err, errno, "open '%s'", lockpath);
	if (flock(lfd, LOCK_EX) < 0)
		return err_set(err, errno, "lock '%s'", lockpath);

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
