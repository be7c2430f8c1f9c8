/* SPDX-License-Identifier: MIT */
/* net_ip_alloc() / net_ip_release(): files under a throwaway runroot, no privileges. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <sys/stat.h>

#include "net/net-internal.h"
#include "net/net.h"
#include "util/fs.h"

static int setup(void **state)
{
	char tmpl[] = "/tmp/test-net-ipam.XXXXXX";

	if (!mkdtemp(tmpl))
		return -1;
	*state = xstrdup(tmpl);
	return 0;
}

static int teardown(void **state)
{
	struct hull_err *err = NULL;

	(void) rm_rf(*state, &err);
	err_free(err);
	free(*state);
	return 0;
}

static void test_alloc_release(void **state)
{
	const char *runroot = *state;
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], c[INET_ADDRSTRLEN];
	struct hull_err *err = NULL;
	_cleanup_free_ char *path = NULL, *owner = NULL;

	assert_int_equal(net_ip_alloc(runroot, "aaaa", a, &err), 0);
	assert_string_equal(a, "10.89.0.2");
	assert_int_equal(net_ip_alloc(runroot, "bbbb", b, &err), 0);
	assert_string_equal(b, "10.89.0.3");

	path = xasprintf("%s/net/ips/%s", runroot, b);
	assert_int_equal(read_file(path, 4096, &owner, NULL, &err), 0);
	assert_string_equal(owner, "bbbb");

	/* A released address is not handed out again at once. */
	net_ip_release(runroot, a);
	assert_int_equal(net_ip_alloc(runroot, "cccc", c, &err), 0);
	assert_string_equal(c, "10.89.0.4");
	net_ip_release(runroot, b);
	assert_int_equal(access(path, F_OK), -1);
	net_ip_release(runroot, b);	      /* absent is fine */
	net_ip_release(runroot, "../../etc"); /* not an address: ignored */
	net_ip_release(runroot, "");
	assert_null(err);
}

static void test_wraps_and_skips_reserved(void **state)
{
	const char *runroot = *state;
	_cleanup_free_ char *dir = xasprintf("%s/net", runroot);
	_cleanup_free_ char *lock = xasprintf("%s/net/lock", runroot);
	char ip[INET_ADDRSTRLEN];
	struct hull_err *err = NULL;

	/* Pretend the last one handed out was 10.89.255.253. */
	assert_int_equal(mkdir_p(dir, 0755, &err), 0);
	assert_int_equal(write_file_atomic(lock, "65533\n", 6, 0644, &err), 0);
	assert_int_equal(net_ip_alloc(runroot, "x", ip, &err), 0);
	assert_string_equal(ip, "10.89.255.254");
	/* Next wraps past .255.255, .0.0 and the gateway .0.1. */
	assert_int_equal(net_ip_alloc(runroot, "y", ip, &err), 0);
	assert_string_equal(ip, "10.89.0.2");

	/* Garbage in the hint just restarts at the beginning. */
	assert_int_equal(write_file_atomic(lock, "zz", 2, 0644, &err), 0);
	assert_int_equal(net_ip_alloc(runroot, "z", ip, &err), 0);
	assert_string_equal(ip, "10.89.0.3");
	assert_null(err);
}

static void test_bad_runroot(void **state)
{
	char ip[INET_ADDRSTRLEN];
	struct hull_err *err = NULL;
	_cleanup_free_ char *file = xasprintf("%s/file", (char *) *state);

	assert_int_equal(write_file_atomic(file, "", 0, 0644, &err), 0);
	assert_true(net_ip_alloc(file, "x", ip, &err) < 0);
	assert_non_null(err);
	err_free(err);
}

/* net_cidr_parse() and net_subnets_overlap(): the checks of `network create --subnet`. */
static void test_cidr_and_overlap(void **state)
{
	struct in_addr a, b;
	unsigned pa, pb;

	(void) state;
	assert_int_equal(net_cidr_parse("172.18.0.0/16", &a, &pa), 0);
	assert_int_equal(pa, 16);
	assert_int_equal(ntohl(a.s_addr), 0xac120000u);
	assert_int_equal(net_cidr_parse("10.0.0.1/32", &b, &pb), 0);
	assert_int_equal(pb, 32);
	assert_int_equal(net_cidr_parse("10.0.0.0", &b, &pb), -EINVAL);
	assert_int_equal(net_cidr_parse("10.0.0.0/33", &b, &pb), -EINVAL);
	assert_int_equal(net_cidr_parse("10.0.0.0/", &b, &pb), -EINVAL);
	assert_int_equal(net_cidr_parse("10.0.0.0/1a", &b, &pb), -EINVAL);
	assert_int_equal(net_cidr_parse("10.0.0/8", &b, &pb), -EINVAL);
	assert_int_equal(net_cidr_parse("::1/64", &b, &pb), -EINVAL);

	/* a /24 inside the /16 overlaps it, either way round; the next /16 does not */
	assert_int_equal(net_cidr_parse("172.18.5.0/24", &b, &pb), 0);
	assert_true(net_subnets_overlap(a, pa, b, pb));
	assert_true(net_subnets_overlap(b, pb, a, pa));
	assert_int_equal(net_cidr_parse("172.19.0.0/16", &b, &pb), 0);
	assert_false(net_subnets_overlap(a, pa, b, pb));
	assert_int_equal(net_cidr_parse("0.0.0.0/0", &b, &pb), 0);
	assert_true(net_subnets_overlap(a, pa, b, pb));
}

static void test_cidr6_and_overlap(void **state)
{
	struct in6_addr a, b;
	unsigned pa, pb;
	char s[INET6_ADDRSTRLEN];

	(void) state;
	assert_int_equal(net_cidr6_parse("fd00:198:a::/64", &a, &pa), 0);
	assert_int_equal(pa, 64);
	inet_ntop(AF_INET6, &a, s, sizeof(s));
	assert_string_equal(s, "fd00:198:a::");
	assert_int_equal(net_cidr6_parse("::/0", &b, &pb), 0);
	assert_int_equal(net_cidr6_parse("fd00::1/128", &b, &pb), 0);
	assert_int_equal(pb, 128);
	assert_int_equal(net_cidr6_parse("fd00::/129", &b, &pb), -EINVAL);
	assert_int_equal(net_cidr6_parse("fd00::", &b, &pb), -EINVAL);
	assert_int_equal(net_cidr6_parse("fd00::/", &b, &pb), -EINVAL);
	assert_int_equal(net_cidr6_parse("fd00::/6x", &b, &pb), -EINVAL);
	assert_int_equal(net_cidr6_parse("fd00:::1/64", &b, &pb), -EINVAL);
	assert_int_equal(net_cidr6_parse("10.0.0.0/8", &b, &pb), -EINVAL);

	/* a /80 inside the /64 overlaps it, either way round; the next /64 does not */
	assert_int_equal(net_cidr6_parse("fd00:198:a:0:1::/80", &b, &pb), 0);
	assert_true(net_subnets6_overlap(&a, pa, &b, pb));
	assert_true(net_subnets6_overlap(&b, pb, &a, pa));
	assert_int_equal(net_cidr6_parse("fd00:198:b::/64", &b, &pb), 0);
	assert_false(net_subnets6_overlap(&a, pa, &b, pb));
	/* a prefix that ends inside a byte */
	assert_int_equal(net_cidr6_parse("fd00:198:a:0:8000::/65", &b, &pb), 0);
	assert_true(net_subnets6_overlap(&a, pa, &b, pb));
	assert_int_equal(net_cidr6_parse("fd00:198:a::/65", &a, &pa), 0);
	assert_false(net_subnets6_overlap(&a, pa, &b, pb));
	assert_int_equal(net_cidr6_parse("::/0", &b, &pb), 0);
	assert_true(net_subnets6_overlap(&a, pa, &b, pb));

	/* host bits past the prefix */
	assert_int_equal(net_cidr6_parse("fd00:198:a::1/64", &a, &pa), 0);
	assert_true(net_in6_host_bits(&a, pa));
	assert_false(net_in6_host_bits(&a, 128));
	assert_int_equal(net_cidr6_parse("fd00:198:a:0:8000::/65", &a, &pa), 0);
	assert_false(net_in6_host_bits(&a, 65));
	assert_true(net_in6_host_bits(&a, 64));
}

/* Refusals of net_network_ip6_alloc() come before it touches any state. */
static void test_ip6_alloc_checks(void **state)
{
	struct net_bridge b = {.id = "0123456789abcdef", .ipv6 = true};
	char ip[INET6_ADDRSTRLEN];
	struct hull_err *err = NULL;

	(void) state;
	assert_int_equal(net_cidr6_parse("fd00:198:a::/64", &b.subnet6, &b.prefixlen6), 0);
	assert_int_equal(inet_pton(AF_INET6, "fd00:198:a::1", &b.gateway6), 1);
	assert_int_equal(net_network_ip6_alloc(&b, "fd00:198:b::5", "c", ip, &err), -EINVAL);
	assert_non_null(strstr(err->msg, "It does not belong to any of this network's subnets"));
	err = err_free(err);
	/* the subnet-router anycast address and the gateway are never handed out */
	assert_int_equal(net_network_ip6_alloc(&b, "fd00:198:a::", "c", ip, &err), -EINVAL);
	err = err_free(err);
	assert_int_equal(net_network_ip6_alloc(&b, "fd00:198:a::1", "c", ip, &err), -EINVAL);
	err = err_free(err);
	assert_int_equal(net_network_ip6_alloc(&b, "10.0.0.1", "c", ip, &err), -EINVAL);
	assert_non_null(strstr(err->msg, "invalid IPv6 address: 10.0.0.1"));
	err = err_free(err);
	/* a network without IPv6, or an id that could name another path */
	b.ipv6 = false;
	assert_int_equal(net_network_ip6_alloc(&b, NULL, "c", ip, &err), -EINVAL);
	err = err_free(err);
	b.ipv6 = true;
	memcpy(b.id, "../../etc", 10);
	assert_int_equal(net_network_ip6_alloc(&b, NULL, "c", ip, &err), -EINVAL);
	err = err_free(err);
	/* release ignores what is not an IPv6 address */
	net_network_ip6_release("0123456789abcdef", "../../etc/passwd");
	net_network_ip6_release("0123456789abcdef", "10.0.0.1");
	net_network_ip6_release("0123456789abcdef", NULL);
}

struct jumps {
	char seen[256];
	int stop_at, n;
};

static int collect(const char *key, const char *id, void *arg)
{
	struct jumps *j = arg;
	size_t len = strlen(j->seen);

	snprintf(j->seen + len, sizeof(j->seen) - len, "%s=%s;", key, id);
	return ++j->n == j->stop_at ? 7 : 0;
}

/* nft's listing of a verdict map, as 1.0.6 prints it (wrapped, quoted names) */
static void test_map_jumps(void **state)
{
	static const char nat_src[] =
		"table ip hullnet {\n\tmap nat_src {\n\t\ttype ipv4_addr : verdict\n"
		"\t\tflags interval\n\t\telements = { 172.18.0.0/16 : jump m_f2440a97fb79,"
		" 172.29.41.0/24 : jump m_2cd633ef878d,\n\t\t\t     10.1.0.0/16 : jump "
		"m_short, 10.2.0.0/16 : accept, 10.3.0.0/16 : jump x_2cd633ef878d }\n\t}\n}\n";
	static const char fwd_in[] =
		"\tmap fwd_in {\n\t\telements = { \"br-f2440a97fb79\" : jump f_f2440a97fb79,\n"
		"\t\t\t     \"mybr\" : jump f_2cd633ef878d, \"\" : jump f_2cd633ef878d }\n";
	struct jumps j = {.stop_at = 0};

	(void) state;
	assert_int_equal(net_nft_map_jumps(nat_src, "m_", collect, &j), 0);
	assert_string_equal(j.seen, "172.18.0.0/16=f2440a97fb79;172.29.41.0/24=2cd633ef878d;");
	memset(&j, 0, sizeof(j));
	assert_int_equal(net_nft_map_jumps(fwd_in, "f_", collect, &j), 0);
	assert_string_equal(j.seen, "br-f2440a97fb79=f2440a97fb79;mybr=2cd633ef878d;");
	/* the callback's non-zero ends the walk and is returned */
	memset(&j, 0, sizeof(j));
	j.stop_at = 1;
	assert_int_equal(net_nft_map_jumps(fwd_in, "f_", collect, &j), 7);
	assert_string_equal(j.seen, "br-f2440a97fb79=f2440a97fb79;");
	/* an empty map, and text that is not a listing */
	memset(&j, 0, sizeof(j));
	assert_int_equal(net_nft_map_jumps("\tmap nat_src {\n\t}\n", "m_", collect, &j), 0);
	assert_int_equal(net_nft_map_jumps("elements = { 1.2.3.0/24 : jump m_", "m_", collect, &j),
			 0);
	assert_int_equal(j.n, 0);
}

/* nft's listing of "ip hull", as 1.0.6 prints it: each map's own elements */
static void test_map_value(void **state)
{
	static const char listing[] =
		"table ip hull {\n\tmap tcp_any {\n\t\ttype inet_service : ipv4_addr . "
		"inet_service\n"
		"\t\telements = { 8080 : 10.89.0.2 . 80, 18555 : 10.89.3.75 . 80 }\n\t}\n\n"
		"\tmap udp_any {\n\t\ttype inet_service : ipv4_addr . inet_service\n\t}\n\n"
		"\tmap tcp_addr {\n\t\ttype ipv4_addr . inet_service : ipv4_addr . inet_service\n"
		"\t\telements = { 127.0.0.1 . 18777 : 10.89.3.103 . 80,\n\t\t\t     "
		"127.0.0.2 . 80 : 10.89.0.9 . 8080 }\n\t}\n}\n";
	char v[64];

	(void) state;
	assert_int_equal(net_nft_map_value(listing, "tcp_any", "18555", v, sizeof(v)), 1);
	assert_string_equal(v, "10.89.3.75");
	assert_int_equal(net_nft_map_value(listing, "tcp_addr", "127.0.0.2 . 80", v, sizeof(v)), 1);
	assert_string_equal(v, "10.89.0.9");
	/* not another map's element, nor a key that is only a prefix */
	assert_int_equal(net_nft_map_value(listing, "udp_any", "8080", v, sizeof(v)), 0);
	assert_int_equal(net_nft_map_value(listing, "tcp_any", "808", v, sizeof(v)), 0);
	assert_int_equal(net_nft_map_value(listing, "sctp_any", "8080", v, sizeof(v)), 0);
	assert_int_equal(net_nft_map_value("", "tcp_any", "8080", v, sizeof(v)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_alloc_release, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wraps_and_skips_reserved, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_runroot, setup, teardown),
		cmocka_unit_test(test_cidr_and_overlap),
		cmocka_unit_test(test_cidr6_and_overlap),
		cmocka_unit_test(test_ip6_alloc_checks),
		cmocka_unit_test(test_map_jumps),
		cmocka_unit_test(test_map_value),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
