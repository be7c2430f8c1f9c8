/* SPDX-License-Identifier: MIT */
/*
 * The DNS messages of a container's resolver at 127.0.0.11 (net/net.h
 * net_dns_question(), net_dns_reply()): the question of a query, and the
 * answer to it from a network's names, as docker's embedded DNS server gives
 * them (moby libnetwork/resolver.go). Names are decoded with the C library's
 * dn_expand() (resolv.h); the few bytes of an answer are written here. Pure:
 * the static hull-resolver links this (its sockets are made in net/nl.c).
 */
#include <arpa/nameser.h>
#include <errno.h>
#include <netinet/in.h>
#include <resolv.h>
#include <string.h>

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

int net_dns_ptr_addr(const char *name, int *family, void *addr)
{
	static const char v4[] = ".in-addr.arpa", v6[] = ".ip6.arpa";
	size_t len = strlen(name);
	const char *p = name;

	if (len > sizeof(v4) - 1 && strcmp(name + len - (sizeof(v4) - 1), v4) == 0) {
		uint8_t b[4];

		/* "d.c.b.a.in-addr.arpa": four decimal labels, the last byte first */
		for (int i = 3; i >= 0; i--) {
			unsigned v = 0;
			size_t digits = 0;

			while (*p >= '0' && *p <= '9' && digits < 3) {
				v = v * 10 + (unsigned) (*p++ - '0');
				digits++;
			}
			if (!digits || v > 255 || (digits > 1 && p[-(int) digits] == '0') ||
			    *p++ != '.')
				return -EINVAL;
			b[i] = (uint8_t) v;
		}
		/* the four labels end where ".in-addr.arpa" begins (its dot taken by the last) */
		if (p != name + len - (sizeof(v4) - 1) + 1)
			return -EINVAL;
		*family = AF_INET;
		memcpy(addr, b, 4);
		return 0;
	}
	if (len > sizeof(v6) - 1 && strcmp(name + len - (sizeof(v6) - 1), v6) == 0) {
		uint8_t b[16] = {0};

		/* 32 one-nibble labels, the last nibble first */
		if (len != 63 + sizeof(v6) - 1)
			return -EINVAL;
		for (int i = 31; i >= 0; i--, p += 2) {
			int c = *p, v = c >= '0' && c <= '9'   ? c - '0'
					: c >= 'a' && c <= 'f' ? c - 'a' + 10
							       : -1;

			if (v < 0 || p[1] != '.')
				return -EINVAL;
			b[i / 2] |= (uint8_t) (i % 2 ? v : v << 4);
		}
		*family = AF_INET6;
		memcpy(addr, b, 16);
		return 0;
	}
	return -EINVAL;
}

size_t net_dns_reply_name(const uint8_t *query, const struct net_dns_question *q, const char *name,
			  uint8_t *out, size_t max)
{
	uint8_t rdata[256];
	size_t rlen = 0, len;
	const char *p = name;

	/* the name as labels: at most 63 bytes each, 255 in all */
	while (*p) {
		size_t n = strcspn(p, ".");

		if (n == 0 || n > 63 || rlen + n + 2 > sizeof(rdata))
			return 0;
		rdata[rlen++] = (uint8_t) n;
		memcpy(rdata + rlen, p, n);
		rlen += n;
		p += n + (p[n] == '.');
	}
	rdata[rlen++] = 0;
	if (q->end < HDR_LEN || q->end + 12 + rlen > max)
		return 0;
	len = net_dns_reply(query, q, 0, AF_INET, NULL, 0, out, max);
	if (len != q->end)
		return 0;
	put16(out + 6, 1);
	put16(out + len, 0xc000 | HDR_LEN);
	put16(out + len + 2, q->qtype);
	put16(out + len + 4, ns_c_in);
	put16(out + len + 6, (uint16_t) (DNS_TTL >> 16));
	put16(out + len + 8, (uint16_t) DNS_TTL);
	put16(out + len + 10, (uint16_t) rlen);
	memcpy(out + len + 12, rdata, rlen);
	return len + 12 + rlen;
}
