/* SPDX-License-Identifier: MIT */
/* net_port_parse(): docker's -p grammar, valid and invalid specs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "net/net.h"

struct ok_case {
	const char *spec;
	size_t n;
	const char *host_ip; /* of every map */
	uint16_t host_port;  /* of the first map */
	uint16_t ctr_port;   /* of the first map */
	int proto;
};

static const struct ok_case ok_cases[] = {
	{"80", 1, "", 0, 80, IPPROTO_TCP},
	{"80/tcp", 1, "", 0, 80, IPPROTO_TCP},
	{"80/", 1, "", 0, 80, IPPROTO_TCP},
	{"53/udp", 1, "", 0, 53, IPPROTO_UDP},
	{"53/UDP", 1, "", 0, 53, IPPROTO_UDP},
	{"80/sctp", 1, "", 0, 80, IPPROTO_SCTP},
	{"127.0.0.1:9000-9001:80-81/SCTP", 2, "127.0.0.1", 9000, 80, IPPROTO_SCTP},
	{"8080:80", 1, "", 8080, 80, IPPROTO_TCP},
	{":80", 1, "", 0, 80, IPPROTO_TCP},
	{"::80", 1, "", 0, 80, IPPROTO_TCP},
	{"127.0.0.1:8080:80", 1, "127.0.0.1", 8080, 80, IPPROTO_TCP},
	{"127.0.0.1::80", 1, "127.0.0.1", 0, 80, IPPROTO_TCP},
	{"0.0.0.0:5000:5000/udp", 1, "0.0.0.0", 5000, 5000, IPPROTO_UDP},
	{"8000-8010:9000-9010", 11, "", 8000, 9000, IPPROTO_TCP},
	{"7000-7002", 3, "", 0, 7000, IPPROTO_TCP},
	{"10.89.0.1:1-2:3-4/udp", 2, "10.89.0.1", 1, 3, IPPROTO_UDP},
	{"65535:65535", 1, "", 65535, 65535, IPPROTO_TCP},
	{"0:80", 1, "", 0, 80, IPPROTO_TCP},
	/* IPv6 host addresses in brackets, kept in inet_ntop's form */
	{"[::]:8080:80", 1, "::", 8080, 80, IPPROTO_TCP},
	{"[fd00::1]::80/udp", 1, "fd00::1", 0, 80, IPPROTO_UDP},
	{"[FD00:0:0::0:1]:7000-7001:80-81", 2, "fd00::1", 7000, 80, IPPROTO_TCP},
};

static void test_ok(void **state)
{
	(void) state;
	for (size_t i = 0; i < ARRAY_SIZE(ok_cases); i++) {
		const struct ok_case *c = &ok_cases[i];
		struct port_map *maps = NULL;
		struct hull_err *err = NULL;
		size_t n = 0;
		int r;

		r = net_port_parse(c->spec, &maps, &n, &err);
		if (r < 0)
			fail_msg("'%s': %s", c->spec, err->msg);
		assert_null(err);
		assert_int_equal(n, c->n);
		for (size_t j = 0; j < n; j++) {
			assert_string_equal(maps[j].host_ip, c->host_ip);
			assert_int_equal(maps[j].host_port, c->host_port ? c->host_port + j : 0);
			assert_int_equal(maps[j].ctr_port, c->ctr_port + j);
			assert_int_equal(maps[j].proto, c->proto);
		}
		free(maps);
	}
}

static void test_appends(void **state)
{
	struct port_map *maps = NULL;
	struct hull_err *err = NULL;
	size_t n = 0;

	(void) state;
	assert_int_equal(net_port_parse("1:2", &maps, &n, &err), 0);
	assert_int_equal(net_port_parse("3-4:5-6/udp", &maps, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_int_equal(maps[0].host_port, 1);
	assert_int_equal(maps[2].host_port, 4);
	assert_int_equal(maps[2].ctr_port, 6);
	assert_int_equal(maps[2].proto, IPPROTO_UDP);
	free(maps);
}

struct bad_case {
	const char *spec;
	const char *msg_part;
};

static const struct bad_case bad_cases[] = {
	{"", "no port specified"},
	{"8080:", "no port specified"},
	{"abc", "invalid containerPort: abc"},
	{"0", "invalid containerPort: 0"},
	{"65536", "invalid containerPort: 65536"},
	{"-80", "invalid containerPort"},
	{"80-", "invalid containerPort"},
	{"90-80", "invalid containerPort: 90-80"},
	{"x:80", "invalid hostPort: x"},
	{"1.2.3:80:80", "invalid IP address: 1.2.3"},
	{"localhost:80:80", "invalid IP address: localhost"},
	{"[fd00::1:80:80", "invalid IP address: [fd00::1"},
	{"[1.2.3.4]:80:80", "invalid IP address: 1.2.3.4"},
	{"[]:80:80", "invalid IP address: []"},
	{"[fd00::zz]:80:80", "invalid IP address: fd00::zz"},
	{"1:2:3:80", "invalid IP address: 1:2"},
	{"80/icmp", "invalid proto: icmp"},
	{"80/tcp/udp", "invalid proto"},
	{"8000-8001:80-82", "invalid ranges"},
	{"+80", "invalid containerPort"},
	{" 80", "invalid containerPort"},
};

static void test_bad(void **state)
{
	(void) state;
	for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct port_map *maps = NULL;
		struct hull_err *err = NULL;
		size_t n = 0;
		_cleanup_free_ char *quoted = xasprintf("\"%s\"", c->spec);
		int r;

		r = net_port_parse(c->spec, &maps, &n, &err);
		if (r != -EINVAL)
			fail_msg("'%s' gave %d", c->spec, r);
		assert_non_null(err);
		if (!strstr(err->msg, c->msg_part) || !strstr(err->msg, quoted))
			fail_msg("'%s': unexpected message '%s'", c->spec, err->msg);
		assert_int_equal(n, 0);
		assert_null(maps);
		err_free(err);
	}
}

/*
 * [::1] parses as any IPv6 address; it alone is served by a proxy (the kernel cannot DNAT it
 * into a container), and its maps need no IPv6 address of the container.
 */
static void test_ipv6_loopback(void **state)
{
	static const char *const specs[] = {"[::1]:80:80", "[0:0::1]::80/udp"};

	(void) state;
	for (size_t i = 0; i < ARRAY_SIZE(specs); i++) {
		_cleanup_free_ struct port_map *maps = NULL;
		struct hull_err *err = NULL;
		size_t n = 0;

		assert_int_equal(net_port_parse(specs[i], &maps, &n, &err), 0);
		assert_null(err);
		assert_int_equal(n, 1);
		assert_string_equal(maps[0].host_ip, "::1");
		/* proxied and never DNATed, whether the container has IPv6 or not */
		assert_true(net_port_proxied(&maps[0], true));
		assert_true(net_port_proxied(&maps[0], false));
		assert_false(net_port_nat(&maps[0], true));
		assert_false(net_port_nat(&maps[0], false));
		assert_true(net_host_ip_is6(maps[0].host_ip));
	}
}

/*
 * Who serves which host address: DNAT for IPv4, and for IPv6 into a container with an IPv6
 * address; the proxy for IPv6 into one without (docker-proxy's relay to IPv4), for ::1, and
 * for [::] (its ::1 part, which its DNAT element skips).
 */
static void test_proxied(void **state)
{
	static const struct {
		const char *host_ip;
		bool ip6; /* the container has an IPv6 address */
		bool proxied, nat;
	} cases[] = {
		{"", false, false, true},	 {"", true, false, true},
		{"0.0.0.0", false, false, true}, {"127.0.0.1", true, false, true},
		{"::", false, true, false},	 {"::", true, true, true},
		{"fd00::1", false, true, false}, {"fd00::1", true, false, true},
		{"::1", false, true, false},	 {"::1", true, true, false},
		{"0:0::0", true, true, true},
	};

	(void) state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct port_map m = {.host_port = 80, .ctr_port = 80, .proto = IPPROTO_TCP};

		snprintf(m.host_ip, sizeof(m.host_ip), "%s", cases[i].host_ip);
		if (net_port_proxied(&m, cases[i].ip6) != cases[i].proxied)
			fail_msg("net_port_proxied('%s', %d)", m.host_ip, cases[i].ip6);
		if (net_port_nat(&m, cases[i].ip6) != cases[i].nat)
			fail_msg("net_port_nat('%s', %d)", m.host_ip, cases[i].ip6);
		/* SCTP: never the proxy's (it relays TCP and UDP), DNATed where TCP would be */
		m.proto = IPPROTO_SCTP;
		if (net_port_proxied(&m, cases[i].ip6))
			fail_msg("net_port_proxied('%s', %d) of SCTP", m.host_ip, cases[i].ip6);
		if (net_port_nat(&m, cases[i].ip6) != cases[i].nat)
			fail_msg("net_port_nat('%s', %d) of SCTP", m.host_ip, cases[i].ip6);
	}
}

/* docker's dual stack: every 0.0.0.0 map gets a [::] twin with the same host port */
static void test_dual(void **state)
{
	struct port_map *maps = NULL;
	struct hull_err *err = NULL;
	size_t n = 0;

	(void) state;
	assert_int_equal(net_port_parse("8080:80", &maps, &n, &err), 0);
	assert_int_equal(net_port_parse("127.0.0.1:9090:90/udp", &maps, &n, &err), 0);
	assert_int_equal(net_port_parse("[fd00::1]:7070:70", &maps, &n, &err), 0);
	assert_int_equal(net_port_parse("0.0.0.0:8000-8010:81", &maps, &n, &err), 0);
	maps[3].host_port = 8004; /* as net_ports_reserve() leaves a host range */
	maps[3].host_port_end = 0;
	/* no twin for SCTP: its "::" would need the proxy */
	assert_int_equal(net_port_parse("8181:81/sctp", &maps, &n, &err), 0);
	net_ports_dual(&maps, &n);
	assert_int_equal(n, 7);
	memmove(&maps[4], &maps[5], 2 * sizeof(maps[0]));
	n = 6;
	assert_string_equal(maps[4].host_ip, "::");
	assert_int_equal(maps[4].host_port, 8080);
	assert_int_equal(maps[4].ctr_port, 80);
	assert_int_equal(maps[4].proto, IPPROTO_TCP);
	assert_string_equal(maps[5].host_ip, "::");
	assert_int_equal(maps[5].host_port, 8004);
	assert_int_equal(maps[5].host_port_end, 0);
	assert_int_equal(maps[5].ctr_port, 81);
	assert_true(net_host_ip_is6(maps[2].host_ip));
	assert_false(net_host_ip_is6(maps[1].host_ip));
	assert_false(net_host_ip_is6(maps[0].host_ip));
	/* nothing to twin: nothing added */
	n = 3;
	memcpy(&maps[0], &maps[1], sizeof(maps[0]));
	net_ports_dual(&maps, &n);
	assert_int_equal(n, 3);
	free(maps);
}

/* "8000-8010:80": one map, the first free host port of the range (docker's portallocator) */
static void test_host_range(void **state)
{
	struct port_map *maps = NULL;
	struct hull_err *err = NULL;
	size_t n = 0;

	(void) state;
	assert_int_equal(net_port_parse("127.0.0.1:8000-8010:80/udp", &maps, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(maps[0].host_port, 8000);
	assert_int_equal(maps[0].host_port_end, 8010);
	assert_int_equal(maps[0].ctr_port, 80);
	assert_int_equal(maps[0].proto, IPPROTO_UDP);
	free(maps);
	maps = NULL;
	n = 0;
	/* equal lengths stay one to one */
	assert_int_equal(net_port_parse("8000-8001:80-81", &maps, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(maps[0].host_port_end, 0);
	assert_int_equal(maps[1].host_port, 8001);
	free(maps);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ok),	   cmocka_unit_test(test_ipv6_loopback),
		cmocka_unit_test(test_proxied),	   cmocka_unit_test(test_dual),
		cmocka_unit_test(test_appends),	   cmocka_unit_test(test_bad),
		cmocka_unit_test(test_host_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
