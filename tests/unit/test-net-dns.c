/* SPDX-License-Identifier: MIT */
/*
 * The DNS messages of a container's resolver (net/net.h net_dns_question(),
 * net_dns_reply()): questions read as docker's server reads them, bad ones
 * refused without reading past the message, answers built to fit. The
 * resolver's sockets and forwarding: tests/system/196-network-dns.bats.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "net/net.h"

/* A query of id 0x1234, RD set, for @name (dotted) of @qtype, into @out: its length. */
static size_t query(const char *name, uint16_t qtype, uint8_t *out)
{
	static const uint8_t hdr[12] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
	size_t len = sizeof(hdr);
	const char *p = name;

	memcpy(out, hdr, sizeof(hdr));
	while (*p) {
		size_t n = strcspn(p, ".");
		out[len++] = (uint8_t) n;
		memcpy(out + len, p, n);
		len += n;
		p += n + (p[n] == '.');
	}
	out[len++] = 0;
	out[len++] = (uint8_t) (qtype >> 8);
	out[len++] = (uint8_t) qtype;
	out[len++] = 0;
	out[len++] = 1;
	return len;
}

static void test_question(void **state)
{
	struct net_dns_question q;
	uint8_t m[512];
	size_t n = query("Web.Net1", 1, m);

	(void) state;
	assert_int_equal(net_dns_question(m, n, &q), 0);
	assert_string_equal(q.name, "web.net1");
	assert_int_equal(q.id, 0x1234);
	assert_int_equal(q.qtype, 1);
	assert_int_equal(q.qclass, 1);
	assert_int_equal(q.end, n);
	/* every cut short of its end is refused, never read past */
	for (size_t k = 0; k < n; k++) {
		uint8_t *cut = malloc(k ? k : 1);
		memcpy(cut, m, k);
		assert_int_equal(net_dns_question(cut, k, &q), -EBADMSG);
		free(cut);
	}
	/* a response; a pointer to itself; an inverse query and two questions: NOTIMP */
	m[2] |= 0x80;
	assert_int_equal(net_dns_question(m, n, &q), -EBADMSG);
	m[2] &= 0x7f;
	{
		uint8_t loop[] = {0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1};
		assert_int_equal(net_dns_question(loop, sizeof(loop), &q), -EBADMSG);
	}
	m[2] = 0x09; /* opcode 1 */
	assert_int_equal(net_dns_question(m, n, &q), -EOPNOTSUPP);
	assert_int_equal(q.end, 12);
	m[2] = 0x01;
	m[5] = 2;
	assert_int_equal(net_dns_question(m, n, &q), -EOPNOTSUPP);
}

static void test_reply(void **state)
{
	struct net_dns_question q;
	uint8_t m[512], out[600];
	struct in_addr a[40];
	size_t n = query("web", 1, m), len;

	(void) state;
	for (int i = 0; i < 40; i++)
		a[i].s_addr = htonl(0xac1d1500u + (uint32_t) i);
	assert_int_equal(net_dns_question(m, n, &q), 0);
	len = net_dns_reply(m, &q, 0, AF_INET, a, 2, out, 512);
	assert_int_equal(len, n + 2 * 16);
	assert_int_equal(out[0], 0x12);
	assert_int_equal(out[2], 0x81); /* QR, RD */
	assert_int_equal(out[3], 0x80); /* RA, NOERROR */
	assert_int_equal(out[7], 2);	/* ANCOUNT */
	assert_memory_equal(out + 12, m + 12, n - 12);
	/* the first answer: a pointer to the question's name, A, IN, TTL 600, 4 bytes */
	{
		static const uint8_t rr[] = {0xc0, 12,	 0, 1, 0,   1,	0,  0,
					     0x02, 0x58, 0, 4, 172, 29, 21, 0};
		assert_memory_equal(out + n, rr, sizeof(rr));
	}
	/* 40 do not fit in 512 bytes: as many as fit, TC set */
	len = net_dns_reply(m, &q, 0, AF_INET, a, 40, out, 512);
	assert_true(len <= 512);
	assert_int_equal(out[7], (512 - n) / 16);
	assert_true(out[2] & 0x02);
	/* NXDOMAIN, SERVFAIL: no answers */
	len = net_dns_reply(m, &q, 3, AF_INET, NULL, 0, out, 512);
	assert_int_equal(len, n);
	assert_int_equal(out[3] & 0x0f, 3);
	assert_int_equal(out[7], 0);
	/* AAAA */
	{
		struct in6_addr six;
		inet_pton(AF_INET6, "fd00::2", &six);
		n = query("web", 28, m);
		assert_int_equal(net_dns_question(m, n, &q), 0);
		len = net_dns_reply(m, &q, 0, AF_INET6, &six, 1, out, 512);
		assert_int_equal(len, n + 28);
		assert_int_equal(out[n + 3], 28);
		assert_memory_equal(out + n + 12, &six, 16);
	}
	/* NOTIMP: the header alone, no question */
	m[2] = 0x09;
	assert_int_equal(net_dns_question(m, n, &q), -EOPNOTSUPP);
	len = net_dns_reply(m, &q, 4, AF_INET, NULL, 0, out, 512);
	assert_int_equal(len, 12);
	assert_int_equal(out[3] & 0x0f, 4);
	assert_int_equal(out[5], 0);
	/* too small for the question: nothing */
	assert_int_equal(net_dns_reply(m, &(struct net_dns_question){.end = 40}, 0, AF_INET, NULL,
				       0, out, 20),
			 0);
}

static void test_ptr(void **state)
{
	struct net_dns_question q;
	uint8_t a[16], want6[16], m[512], out[600];
	int fam = 0;
	size_t n, len;

	(void) state;
	assert_int_equal(net_dns_ptr_addr("5.41.29.172.in-addr.arpa", &fam, a), 0);
	assert_int_equal(fam, AF_INET);
	assert_memory_equal(a, ((uint8_t[]){172, 29, 41, 5}), 4);
	inet_pton(AF_INET6, "2001:db8::567:89ab", want6);
	assert_int_equal(
		net_dns_ptr_addr(
			"b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
			&fam, a),
		0);
	assert_int_equal(fam, AF_INET6);
	assert_memory_equal(a, want6, 16);
	/* not an address: forwarded */
	static const char *const bad[] = {
		"in-addr.arpa",
		"41.29.172.in-addr.arpa",
		"1.5.41.29.172.in-addr.arpa",
		"05.41.29.172.in-addr.arpa",
		"256.41.29.172.in-addr.arpa",
		"a.41.29.172.in-addr.arpa",
		"5.41.29.172.in-addr.arpa.x",
		"web",
		"",
		"ip6.arpa",
		"b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.ip6.arpa",
		"g.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
		"ba.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_int_equal(net_dns_ptr_addr(bad[i], &fam, a), -EINVAL);
	/* the answer: one PTR record whose data is the name as labels */
	n = query("5.41.29.172.in-addr.arpa", 12, m);
	assert_int_equal(net_dns_question(m, n, &q), 0);
	len = net_dns_reply_name(m, &q, "web.net1", out, 512);
	assert_int_equal(len, n + 12 + 10);
	assert_int_equal(out[7], 1);
	assert_int_equal(out[n + 3], 12);
	assert_int_equal(out[n + 11], 10);
	assert_memory_equal(out + n + 12, "\3web\4net1\0", 10);
	/* a label too long, an empty label: nothing */
	assert_int_equal(net_dns_reply_name(m, &q, "a..b", out, 512), 0);
	{
		char longl[70];
		memset(longl, 'x', 64);
		longl[64] = '\0';
		assert_int_equal(net_dns_reply_name(m, &q, longl, out, 512), 0);
	}
	/* too small a buffer: nothing */
	assert_int_equal(net_dns_reply_name(m, &q, "web.net1", out, n + 10), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_question),
		cmocka_unit_test(test_reply),
		cmocka_unit_test(test_ptr),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
