/* SPDX-License-Identifier: MIT */
/*
 * A container's own line of its /etc/hosts and its names on a user network
 * (container/network.h network_hosts_own_text(), network_hosts_names()). The
 * entries, the names index and the resolver: tests/system/196-network-dns.bats.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include "container/network.h"
#include "util/json.h"
#include "util/strv.h"

#define BASE "127.0.0.1\tlocalhost\n172.18.0.2\tabc\n"

static void own(const char *old, const char *old_ip, const char *new_ip, const char *want)
{
	_cleanup_free_ char *got = network_hosts_own_text(old, strlen(old), "abc", old_ip, new_ip);

	assert_string_equal(got, want);
}

static void test_own_line(void **state)
{
#define dflt "127.0.0.1\tlocalhost\nff02::2\tip6-allrouters\n"
#define blk  "# hull network n1\n1.1.1.4\tabc\n# hull network n1 end\n"
	(void) state;
	/* removed (only the line with that address, never a block's) */
	own(BASE, "172.18.0.2", NULL, "127.0.0.1\tlocalhost\n");
	own(BASE "9.9.9.9\tabc\n", "172.18.0.2", NULL, "127.0.0.1\tlocalhost\n9.9.9.9\tabc\n");
	own(dflt "# hull network n1\n1.1.1.4\tabc\n# hull network n1 end\n", "1.1.1.4", NULL,
	    dflt "# hull network n1\n1.1.1.4\tabc\n# hull network n1 end\n");
	/* replaced in its place */
	own(BASE "10.0.0.1\tdb\n", "172.18.0.2", "172.18.0.9",
	    "127.0.0.1\tlocalhost\n172.18.0.9\tabc\n10.0.0.1\tdb\n");
	/* added after docker's default lines, or first without them */
	own(dflt "10.0.0.1\tdb\n", NULL, "1.1.1.5", dflt "1.1.1.5\tabc\n10.0.0.1\tdb\n");
	own(dflt, NULL, "1.1.1.5", dflt "1.1.1.5\tabc\n");
	own("10.0.0.1\tdb", NULL, "1.1.1.5", "1.1.1.5\tabc\n10.0.0.1\tdb\n");
	own(blk, NULL, "1.1.1.5", "1.1.1.5\tabc\n" blk);
#undef dflt
#undef blk
}

static void test_names(void **state)
{
	json_t *aliases = json_pack("[s,s,s]", "web", "c1", "web");
	_cleanup_strv_ char **n = NULL;

	(void) state;
	n = network_hosts_names("/c1", "0123456789abcdef", aliases);
	assert_int_equal(strv_length(n), 3);
	assert_string_equal(n[0], "c1");
	assert_string_equal(n[1], "web");
	assert_string_equal(n[2], "0123456789ab");
	strv_free(n);
	n = network_hosts_names("c2", "0123456789abcdef", NULL);
	assert_int_equal(strv_length(n), 2);
	assert_string_equal(n[0], "c2");
	json_decref(aliases);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_own_line),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
