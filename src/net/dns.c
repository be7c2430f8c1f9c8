/* SPDX-License-Identifier: MIT */
/*
 * The DNS messages of a container's resolver at 127.0.0.11 (net/net.h
 * net_dns_question(), net_dns_reply()): the question of a query, and the
 * answer to it from a network's names, as docker's embedded DNS server gives
 * them (moby libnetwork/resolver.go). Names are decoded with the C library's
 * dn_expand() (resolv.h); the few bytes of an answer are written here. And
 * the resolver's sockets, made in the container's network namespace.
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <resolv.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/net.h"
#include "util/macros.h"

#define HDR_LEN 12
#define DNS_TTL 600 /* docker's respTTL */

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t) ((p[0] << 8) | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t) (v >> 8);
	p[1] = (uint8_t) v;
}

int net_dns_question(const uint8_t *msg, size_t len, struct net_dns_question *q)
{
	char name[NS_MAXDNAME];
	int n;

	memset(q, 0, sizeof(*q));
	if (len < HDR_LEN)
		return -EBADMSG;
	q->id = get16(msg);
	q->flags = get16(msg + 2);
	if (q->flags & 0x8000)
		return -EBADMSG; /* a response: nothing to answer */
	if (((q->flags >> 11) & 0xf) != 0 || get16(msg + 4) != 1) {
		q->end = HDR_LEN;   /* answered with the header alone */
		return -EOPNOTSUPP; /* not a standard query of one question: NOTIMP */
	}
	n = dn_expand(msg, msg + len, msg + HDR_LEN, name, sizeof(name));
	if (n < 0 || (size_t) n + HDR_LEN + 4 > len)
		return -EBADMSG;
	q->end = HDR_LEN + (size_t) n + 4;
	q->qtype = get16(msg + HDR_LEN + n);
	q->qclass = get16(msg + HDR_LEN + n + 2);
	/* one name for every spelling: lower case, no final dot (dn_expand() leaves none) */
	for (size_t i = 0; name[i]; i++)
		q->name[i] =
			(char) (name[i] >= 'A' && name[i] <= 'Z' ? name[i] - 'A' + 'a' : name[i]);
	return 0;
}

size_t net_dns_reply(const uint8_t *query, const struct net_dns_question *q, int rcode, int family,
		     const void *addrs, size_t n, uint8_t *out, size_t max)
{
	size_t alen = family == AF_INET6 ? 16 : 4, rr = 12 + alen, len, fit;
	bool tc;

	if (q->end < HDR_LEN || q->end > max)
		return 0;
	/* the query's header and question as they came */
	memcpy(out, query, q->end);
	len = q->end;
	fit = (max - len) / rr;
	tc = n > fit;
	if (tc)
		n = fit;
	/* QR, the opcode and RD as asked, RA; TC when the answers do not all fit (UDP's 512
	 * bytes: the client asks again over TCP) */
	put16(out + 2, (uint16_t) (0x8000 | (q->flags & 0x7900) | (tc ? 0x0200 : 0) | 0x0080 |
				   (rcode & 0xf)));
	if (q->end == HDR_LEN)
		put16(out + 4, 0); /* no question */
	put16(out + 6, (uint16_t) n);
	put16(out + 8, 0);
	put16(out + 10, 0);
	for (size_t i = 0; i < n; i++) {
		uint8_t *p = out + len;

		put16(p, 0xc000 | HDR_LEN); /* the question's name */
		put16(p + 2, family == AF_INET6 ? ns_t_aaaa : ns_t_a);
		put16(p + 4, ns_c_in);
		put16(p + 6, (uint16_t) (DNS_TTL >> 16));
		put16(p + 8, (uint16_t) DNS_TTL);
		put16(p + 10, (uint16_t) alen);
		memcpy(p + 12, (const uint8_t *) addrs + i * alen, alen);
		len += rr;
	}
	return len;
}

int net_dns_sockets(pid_t pid, int *ret_udp, int *ret_tcp, struct hull_err **err)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(53)};
	_cleanup_close_ int self = -1, target = -1, udp = -1, tcp = -1;
	char path[64];
	int r = 0;

	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return err_set(err, errno, "open '/proc/thread-self/ns/net'");
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int) pid);
	target = open(path, O_RDONLY | O_CLOEXEC);
	if (target < 0)
		return err_set(err, errno, "open '%s'", path);
	if (setns(target, CLONE_NEWNET) < 0)
		return err_set(err, errno, "enter network namespace of pid %d", (int) pid);
	(void) inet_pton(AF_INET, NET_DNS_ADDRESS, &a.sin_addr);
	udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (udp < 0 || tcp < 0)
		r = err_set(err, errno, "resolver: socket");
	/* loopback may not be up yet: the address needs no interface to be bound */
	else if (setsockopt(udp, IPPROTO_IP, IP_FREEBIND, &(int){1}, sizeof(int)) < 0 ||
		 setsockopt(tcp, IPPROTO_IP, IP_FREEBIND, &(int){1}, sizeof(int)) < 0 ||
		 setsockopt(tcp, SOL_SOCKET, SO_REUSEADDR, &(int){1}, sizeof(int)) < 0)
		r = err_set(err, errno, "resolver: setsockopt");
	else if (bind(udp, (struct sockaddr *) &a, sizeof(a)) < 0 ||
		 bind(tcp, (struct sockaddr *) &a, sizeof(a)) < 0 || listen(tcp, 64) < 0)
		r = err_set(err, errno, "resolver: bind %s:53 in the container", NET_DNS_ADDRESS);
	/* staying in the container's namespace would misdirect every later socket */
	if (setns(self, CLONE_NEWNET) < 0)
		abort();
	if (r < 0)
		return r;
	*ret_udp = TAKE_FD(udp);
	*ret_tcp = TAKE_FD(tcp);
	return 0;
}
