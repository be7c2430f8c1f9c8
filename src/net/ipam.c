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

#include "net/net.h"
#include "util/fs.h"

/* Host offsets inside the /16: .0.0 is the network, .0.1 the gateway, .255.255 broadcast. */
#define HOST_FIRST 2u
#define HOST_LAST  0xfffeu

static uint32_t net_base(void)
{
	struct in_addr a;

	inet_pton(AF_INET, NET_GATEWAY, &a);
	return ntohl(a.s_addr) & ~((1u << (32 - NET_PREFIXLEN)) - 1);
}

static void offset_to_ip(uint32_t off, char ip[INET_ADDRSTRLEN])
{
	struct in_addr a = {.s_addr = htonl(net_base() + off)};

	inet_ntop(AF_INET, &a, ip, INET_ADDRSTRLEN);
}

int net_ip_alloc(const char *runroot, const char *ctr_id, char ret_ip[INET_ADDRSTRLEN],
		 struct hull_err **err)
{
	_cleanup_free_ char *dir = path_join(runroot, "net/ips");
	_cleanup_free_ char *lockpath = path_join(runroot, "net/lock");
	_cleanup_close_ int dfd = -1, lfd = -1;
	char hint[16] = "", ip[INET_ADDRSTRLEN];
	uint32_t last = HOST_FIRST - 1, off;
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

	/* A torn or garbage hint only means starting from the beginning. */
	len = pread(lfd, hint, sizeof(hint) - 1, 0);
	if (len > 0) {
		unsigned long v;
		char *end;

		hint[len] = '\0';
		errno = 0;
		v = strtoul(hint, &end, 10);
		if (errno == 0 && end != hint && v >= HOST_FIRST && v <= HOST_LAST)
			last = (uint32_t) v;
	}

	off = last;
	for (uint32_t tries = 0; tries <= HOST_LAST - HOST_FIRST; tries++) {
		_cleanup_close_ int fd = -1;
		size_t idlen = strlen(ctr_id);

		off = off >= HOST_LAST ? HOST_FIRST : off + 1;
		offset_to_ip(off, ip);
		fd = openat(dfd, ip, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0) {
			if (errno == EEXIST)
				continue;
			return err_set(err, errno, "create '%s/%s'", dir, ip);
		}
		if (write(fd, ctr_id, idlen) != (ssize_t) idlen) {
			r = err_set(err, errno ? errno : EIO, "write '%s/%s'", dir, ip);
			(void) unlinkat(dfd, ip, 0);
			return r;
		}
		len = snprintf(hint, sizeof(hint), "%u\n", off);
		/* The hint is an optimisation: failing to store it is harmless. */
		if (pwrite(lfd, hint, (size_t) len, 0) == len && ftruncate(lfd, len) < 0)
			errno = 0;
		memcpy(ret_ip, ip, sizeof(ip));
		return 0;
	}
	return err_setx(err, ENOSPC, "no free IP address left in %s/%d", NET_GATEWAY,
			NET_PREFIXLEN);
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
