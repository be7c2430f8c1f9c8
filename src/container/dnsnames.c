/* SPDX-License-Identifier: MIT */
/*
 * The members of user networks and their names as the resolver reads them
 * (container/dnsnames.h): no jansson and no stdio, so that the static
 * hull-resolver links it. container/nethosts.c writes them.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "container/dnsnames.h"
#include "net/net.h"
#include "util/fs.h"
#include "util/macros.h"

int dns_entry_read(int dfd, const char *name, bool any, struct dns_entry *ret)
{
	_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char data[DNS_ENTRY_MAX + 1], *line, *end;
	unsigned long long start;
	ssize_t len;
	int pid;

	if (fd < 0)
		return -errno;
	len = read(fd, data, DNS_ENTRY_MAX);
	if (len <= 0 || len == DNS_ENTRY_MAX)
		return -EBADMSG;
	data[len] = '\0';
	if (strlen(data) != (size_t) len)
		return -EBADMSG;
	if (sscanf(data, "%d %llu", &pid, &start) != 2 || !(line = strchr(data, '\n')) ||
	    !(end = strchr(++line, '\n')) || end[1])
		return -EBADMSG;
	/* 0 for a zombie too: a killed monitor may wait a while to be reaped by init */
	if (!any && (pid <= 0 || proc_start_time(pid) != start))
		return 0;
	*end = '\0';
	ret->pid = pid;
	ret->start = start;
	ret->line = xstrdup(line);
	return 1;
}

char *dns_name_key(const char *name)
{
	size_t n = strlen(name);
	char *k;

	if (n == 0 || n > NAME_MAX || strchr(name, '/') || streq(name, ".") || streq(name, ".."))
		return NULL;
	k = xstrdup(name);
	for (char *p = k; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char) (*p - 'A' + 'a');
	return k;
}

/* Add the address of @family in entry line @line to @addrs (@n of @max so far). */
static void entry_address(const char *line, int family, void *addrs, size_t *n, size_t max)
{
	size_t iplen = strcspn(line, "\t"), comma = strcspn(line, ",");
	_cleanup_free_ char *ip = NULL;
	size_t alen = family == AF_INET ? sizeof(struct in_addr) : sizeof(struct in6_addr);

	if (*n >= max)
		return;
	if (family == AF_INET)
		ip = xstrndup(line, comma < iplen ? comma : iplen);
	else if (comma < iplen)
		ip = xstrndup(line + comma + 1, iplen - comma - 1);
	if (ip && inet_pton(family, ip, (char *) addrs + *n * alen) == 1)
		(*n)++;
}

#define NETS_MAX 64 /* the networks of a container the resolver looks at */

/* The ids of the networks @ctr_id has an entry on, below @top (at most NETS_MAX): their number. */
static size_t my_networks(int top, const char *ctr_id, char (*ids)[NAME_MAX + 1])
{
	int fd = dup(top);
	DIR *nets = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;
	size_t n = 0;

	if (!nets) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	while ((de = readdir(nets)) && n < NETS_MAX) {
		_cleanup_free_ char *mine = NULL;

		if (de->d_name[0] == '.')
			continue;
		mine = xasprintf("%s/hosts/%s", de->d_name, ctr_id);
		if (faccessat(top, mine, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
			snprintf(ids[n++], NAME_MAX + 1, "%s", de->d_name);
	}
	closedir(nets);
	return n;
}

/* The name of network @net_id (its "name" file), in lower case, into @buf; false if none. */
static bool net_name(int top, const char *net_id, char *buf, size_t size)
{
	_cleanup_free_ char *path = xasprintf("%s/name", net_id);
	_cleanup_close_ int fd = openat(top, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n;

	if (fd < 0 || (n = read(fd, buf, size - 1)) <= 0)
		return false;
	buf[n] = '\0';
	for (char *p = buf; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char) (*p - 'A' + 'a');
	return !strchr(buf, '/') && !strchr(buf, '\n');
}

/* The live members of @net_id named @key: their addresses of @family added; whether any. */
static bool lookup_on(int top, const char *net_id, const char *key, int family, void *addrs,
		      size_t *n, size_t max)
{
	_cleanup_free_ char *dir = xasprintf("%s/names/%s", net_id, key);
	_cleanup_free_ char *hosts = xasprintf("%s/hosts", net_id);
	_cleanup_close_ int hfd = openat(top, hosts, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int dfd = hfd < 0 ? -1 : openat(top, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	struct dirent *m;
	bool found = false;

	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return false;
	}
	while ((m = readdir(d))) {
		struct dns_entry e;

		if (m->d_name[0] == '.' || dns_entry_read(hfd, m->d_name, false, &e) <= 0)
			continue; /* gone: a container killed with its monitor */
		found = true;
		entry_address(e.line, family, addrs, n, max);
		free(e.line);
	}
	closedir(d);
	return found;
}

int network_dns_lookup(void *ctx, const char *name, int family, void *addrs, size_t max)
{
	const char *ctr_id = ctx;
	_cleanup_free_ char *key = dns_name_key(name);
	_cleanup_close_ int top =
		open(NET_STATE_DIR "/networks", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char ids[NETS_MAX][NAME_MAX + 1];
	size_t n = 0, k;
	bool found = false;

	if (!key || top < 0 || strchr(ctr_id, '/'))
		return -ENOENT;
	k = my_networks(top, ctr_id, ids);
	for (size_t i = 0; i < k; i++)
		found |= lookup_on(top, ids[i], key, family, addrs, &n, max);
	/* "NAME.NETWORK": NAME on that network only, as docker's resolver answers */
	for (size_t i = 0; !found && i < k; i++) {
		char nn[NAME_MAX + 1];
		size_t kl = strlen(key), nl;

		if (!net_name(top, ids[i], nn, sizeof(nn)))
			continue;
		nl = strlen(nn);
		if (kl > nl + 1 && key[kl - nl - 1] == '.' && streq(key + kl - nl, nn)) {
			key[kl - nl - 1] = '\0';
			found = lookup_on(top, ids[i], key, family, addrs, &n, max);
			key[kl - nl - 1] = '.';
		}
	}
	return found ? (int) n : -ENOENT;
}

int network_dns_reverse(void *ctx, int family, const void *addr, char *name, size_t size)
{
	const char *ctr_id = ctx;
	_cleanup_close_ int top =
		open(NET_STATE_DIR "/networks", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char ids[NETS_MAX][NAME_MAX + 1], ip[INET6_ADDRSTRLEN];
	size_t k;

	if (top < 0 || strchr(ctr_id, '/') || !inet_ntop(family, addr, ip, sizeof(ip)))
		return -ENOENT;
	k = my_networks(top, ctr_id, ids);
	for (size_t i = 0; i < k; i++) {
		_cleanup_free_ char *path =
			xasprintf("%s/%s/%s", ids[i], family == AF_INET ? "ips" : "ips6", ip);
		_cleanup_free_ char *hosts = xasprintf("%s/hosts", ids[i]);
		_cleanup_close_ int fd = openat(top, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		_cleanup_close_ int hfd = -1;
		char owner[NAME_MAX + 1], nn[NAME_MAX + 1];
		struct dns_entry e;
		ssize_t len;
		size_t w;

		if (fd < 0 || (len = read(fd, owner, sizeof(owner) - 1)) <= 0)
			continue;
		owner[len] = '\0';
		owner[strcspn(owner, "\n")] = '\0';
		hfd = openat(top, hosts, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (hfd < 0 || strchr(owner, '/') || !net_name(top, ids[i], nn, sizeof(nn)) ||
		    dns_entry_read(hfd, owner, false, &e) <= 0)
			continue;
		/* its first name (the container's), as docker's "NAME.NETWORK" */
		w = strcspn(strchr(e.line, '\t') ? strchr(e.line, '\t') + 1 : "", " ");
		if (w && strchr(e.line, '\t') &&
		    (size_t) snprintf(name, size, "%.*s.%s", (int) w, strchr(e.line, '\t') + 1,
				      nn) < size) {
			free(e.line);
			return 0;
		}
		free(e.line);
	}
	return -ENOENT;
}
