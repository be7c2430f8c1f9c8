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

int network_dns_lookup(void *ctx, const char *name, int family, void *addrs, size_t max)
{
	const char *ctr_id = ctx;
	_cleanup_free_ char *key = dns_name_key(name);
	_cleanup_free_ char *top = xasprintf("%s/networks", NET_STATE_DIR);
	struct dirent *de;
	size_t n = 0;
	bool found = false;
	DIR *nets;

	if (!key || strchr(ctr_id, '/') || !(nets = opendir(top)))
		return -ENOENT;
	/* every network @ctr_id is on: it has an entry there */
	while ((de = readdir(nets))) {
		_cleanup_free_ char *mine = NULL, *hosts = NULL, *dir = NULL;
		_cleanup_close_ int hfd = -1;
		struct dirent *m;
		DIR *d;

		if (de->d_name[0] == '.')
			continue;
		mine = xasprintf("%s/hosts/%s", de->d_name, ctr_id);
		if (faccessat(dirfd(nets), mine, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		dir = xasprintf("%s/%s/names/%s", top, de->d_name, key);
		hosts = xasprintf("%s/%s/hosts", top, de->d_name);
		hfd = open(hosts, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (hfd < 0 || !(d = opendir(dir)))
			continue;
		while ((m = readdir(d))) {
			struct dns_entry e;

			if (m->d_name[0] == '.' || dns_entry_read(hfd, m->d_name, false, &e) <= 0)
				continue; /* gone: a container killed with its monitor */
			found = true;
			entry_address(e.line, family, addrs, &n, max);
			free(e.line);
		}
		closedir(d);
	}
	closedir(nets);
	return found ? (int) n : -ENOENT;
}
