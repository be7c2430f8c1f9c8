/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the -p/--publish value parser (net/port.c,
 * net_port_parse(), docker/go-connections nat.ParsePortSpec). The input is
 * the value (a C string: it comes from argv). Every call must either append
 * one map per container port of the range, each well formed, or fail with a
 * message and leave the list as it was (-EINVAL). A map written back
 * as "[IP:]HOST:CTR/PROTO" (an IPv6 IP in brackets) must parse to the same map.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "net/net.h"
#include "fuzz-check.h"

#define FUZZ_INPUT_MAX 4096

/* "[IP:]HOST:CTR/PROTO" parses back to @m alone */
static void check_round_trip(const struct port_map *m)
{
	_cleanup_free_ char *spec = NULL;
	struct port_map *again = NULL;
	struct hull_err *e = NULL;
	size_t n = 0;

	bool is6 = strchr(m->host_ip, ':') != NULL;

	spec = xasprintf("%s%s%s%s%u:%u/%s", is6 ? "[" : "", m->host_ip, is6 ? "]" : "",
			 *m->host_ip ? ":" : "", m->host_port, m->ctr_port,
			 net_proto_name(m->proto));
	FUZZ_CHECK(net_port_parse(spec, &again, &n, &e) == 0);
	FUZZ_CHECK(n == 1);
	FUZZ_CHECK(streq(again[0].host_ip, m->host_ip));
	FUZZ_CHECK(again[0].host_port == m->host_port);
	FUZZ_CHECK(again[0].ctr_port == m->ctr_port);
	FUZZ_CHECK(again[0].proto == m->proto);
	free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *spec = NULL;
	struct port_map *maps = NULL;
	struct hull_err *e = NULL;
	size_t n, before;
	int r;

	if (size > FUZZ_INPUT_MAX)
		return 0;
	spec = xstrndup((const char *) data, size);
	/* one map already there: the parser appends */
	n = 0;
	FUZZ_CHECK(net_port_parse("1:2/udp", &maps, &n, &e) == 0 && n == 1);
	before = n;
	r = net_port_parse(spec, &maps, &n, &e);
	if (r < 0) {
		FUZZ_CHECK(r == -EINVAL && e && e->msg && n == before);
		e = err_free(e);
	} else {
		FUZZ_CHECK(r == 0 && !e && n > before && n - before <= 65535);
		for (size_t i = before; i < n; i++) {
			const struct port_map *m = &maps[i];
			struct in6_addr a6;
			struct in_addr a;

			FUZZ_CHECK(m->ctr_port != 0);
			FUZZ_CHECK(m->proto == IPPROTO_TCP || m->proto == IPPROTO_UDP ||
				   m->proto == IPPROTO_SCTP);
			FUZZ_CHECK(m->proto == maps[before].proto);
			FUZZ_CHECK(streq(m->host_ip, maps[before].host_ip));
			FUZZ_CHECK(!*m->host_ip || inet_pton(AF_INET, m->host_ip, &a) == 1 ||
				   inet_pton(AF_INET6, m->host_ip, &a6) == 1);
			/* a range maps port by port, in order */
			FUZZ_CHECK(m->ctr_port == maps[before].ctr_port + (i - before));
			FUZZ_CHECK(maps[before].host_port == 0 ||
				   m->host_port == maps[before].host_port + (i - before));
			FUZZ_CHECK(maps[before].host_port != 0 || m->host_port == 0);
			/* a long range: its ends and a few maps are enough */
			if (i < before + 4 || i + 4 >= n)
				check_round_trip(m);
		}
	}
	/* the map that was there stays as it was */
	FUZZ_CHECK(maps[0].host_port == 1 && maps[0].ctr_port == 2 && maps[0].proto == IPPROTO_UDP);
	free(maps);
	return 0;
}
