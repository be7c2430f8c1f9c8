/* SPDX-License-Identifier: MIT */
/*
 * The members of user networks and their names (docs/networking.md "Name resolution"):
 * NET_STATE_DIR/networks/<network id>/hosts/<container id>, "PID START\nIP\tNAMES\n" (the
 * monitor's pid and start time; "IP,IP6" with IPv6), and the names index
 * NET_STATE_DIR/networks/<network id>/names/<name key>/<container id> (empty files).
 * container/nethosts.c writes them under the flock of the hosts directory; the resolver
 * reads them without a lock (each entry is renamed into place whole). No jansson, no stdio:
 * the static hull-resolver links this.
 */
#ifndef HULL_CONTAINER_DNSNAMES_H
#define HULL_CONTAINER_DNSNAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define DNS_ENTRY_MAX 4096

/* A member's entry (dns_entry_read()). */
struct dns_entry {
	pid_t pid;		  /* the monitor's */
	unsigned long long start; /* its start time */
	char *line; /* "IP\tNAMES", "IP,IP6\tNAMES" on a network with IPv6; free() it */
};

/*
 * dns_entry_read() - parse the entry file @name of the hosts directory @dfd. 1 and *@ret
 * when its monitor lives (or, with @any, whether it does or not), 0 when it is gone
 * (its pid is not running with the recorded start time: pid reuse cannot revive it),
 * -EBADMSG for a damaged one, -errno from open.
 */
int dns_entry_read(int dfd, const char *name, bool any, struct dns_entry *ret);

/*
 * dns_name_key() - the directory name of @name in the names index: lower case (a DNS
 * lookup ignores case); NULL for a name that cannot be a file name ("", ".", "..", a '/',
 * longer than NAME_MAX: docker's names and aliases never are). New string.
 */
char *dns_name_key(const char *name);

/*
 * network_dns_lookup() - struct net_dns's lookup for the container whose id is @ctx: the
 * addresses of @family of the live members named @name (case ignored) of every network the
 * container has an entry on (or, when none is, of "NAME.NETWORK": NAME on NETWORK), at most @max
 * into @addrs (struct in_addr or in6_addr); their number, 0 for a member without such an address,
 * -ENOENT for no member of that name. Reads NET_STATE_DIR only (as any user: the resolver runs as
 * uid 65534), without a lock.
 */
int network_dns_lookup(void *ctx, const char *name, int family, void *addrs, size_t max);

/*
 * network_dns_reverse() - struct net_dns's reverse lookup for the container whose id is
 * @ctx: the name of the live member whose address of @family is @addr on one of the
 * container's networks, "NAME.NETWORK" as docker's resolver answers a PTR query, into @name
 * (@size bytes). 0, or -ENOENT (the query is forwarded). Reads NET_STATE_DIR only.
 */
int network_dns_reverse(void *ctx, int family, const void *addr, char *name, size_t size);

#endif
