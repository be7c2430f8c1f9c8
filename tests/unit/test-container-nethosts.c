/* SPDX-License-Identifier: MIT */
/*
 * The /etc/hosts text of name resolution on user networks (container/network.h
 * network_hosts_text(), network_hosts_names()): one network's block replaced,
 * removed or added, the rest of the file kept. The files, locks and processes:
 * tests/system/196-network-dns.bats.
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

static void check(const char *old, const char *net, const char *block, const char *want)
{
	_cleanup_free_ char *got = network_hosts_text(old, strlen(old), net, block);

	assert_string_equal(got, want);
}

static void test_add_replace_remove(void **state)
{
	const char *one = BASE "# hull network n1\n172.18.0.2\ta\n# hull network n1 end\n";
	const char *two = BASE "# hull network n1\n172.18.0.2\ta\n172.18.0.3\tb\n"
			       "# hull network n1 end\n";
	(void) state;
	check(BASE, "n1", "172.18.0.2\ta\n", one);
	check(one, "n1", "172.18.0.2\ta\n", one);
	check(one, "n1", "172.18.0.2\ta\n172.18.0.3\tb\n", two);
	check(two, "n1", NULL, BASE);
	check(BASE, "n1", NULL, BASE);
	check(one, "n1", "", BASE "# hull network n1\n# hull network n1 end\n");
}

static void test_other_networks_and_lines_kept(void **state)
{
	const char *both = BASE "# hull network n1\n1.1.1.1\ta\n# hull network n1 end\n"
				"10.0.0.9\tmine\n"
				"# hull network n2\n2.2.2.2\tb\n# hull network n2 end\n";
	(void) state;
	/* n1's block moves to the end; n2's and the container's own line stay */
	check(both, "n1", "1.1.1.2\ta\n",
	      BASE "10.0.0.9\tmine\n# hull network n2\n2.2.2.2\tb\n# hull network n2 end\n"
		   "# hull network n1\n1.1.1.2\ta\n# hull network n1 end\n");
	check(both, "n2", NULL,
	      BASE "# hull network n1\n1.1.1.1\ta\n# hull network n1 end\n10.0.0.9\tmine\n");
	/* a network whose name begins another's is another network */
	check(both, "n", NULL, both);
}

static void test_damaged_files(void **state)
{
	(void) state;
	/* no final newline: the block starts on a line of its own */
	check("127.0.0.1\tlocalhost", "n1", "1.1.1.1\ta\n",
	      "127.0.0.1\tlocalhost\n# hull network n1\n1.1.1.1\ta\n# hull network n1 end\n");
	/* a begin without an end (cut by the container): all of it goes */
	check(BASE "# hull network n1\n1.1.1.1\ta\n", "n1", NULL, BASE);
	check(BASE "# hull network n1 end\n", "n1", NULL, BASE "# hull network n1 end\n");
	check("", "n1", "1.1.1.1\ta\n", "# hull network n1\n1.1.1.1\ta\n# hull network n1 end\n");
}

static void test_own_lines_win(void **state)
{
	const char *own = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n"
			  "172.18.0.4\tabc\n10.1.2.3\tDB # --add-host\n";
	(void) state;
	/* a member named like an --add-host name (any case), localhost or the own hostname
	 * loses that name in this file; a line left without names goes */
	check(own, "n1", "172.18.0.2\tdb f0936a483388\n172.18.0.3\tlocalhost\n172.18.0.4\tc abc\n",
	      "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n172.18.0.4\tabc\n"
	      "10.1.2.3\tDB # --add-host\n# hull network n1\n172.18.0.2\tf0936a483388\n"
	      "172.18.0.4\tc\n# hull network n1 end\n");
	/* names of other networks' blocks are not the container's own: kept */
	check(BASE "# hull network n2\n2.2.2.2\tb\n# hull network n2 end\n", "n1", "1.1.1.1\tb\n",
	      BASE "# hull network n2\n2.2.2.2\tb\n# hull network n2 end\n"
		   "# hull network n1\n1.1.1.1\tb\n# hull network n1 end\n");
	/* nor are the names of the block being replaced */
	check(BASE "# hull network n1\n1.1.1.1\tb\n# hull network n1 end\n", "n1", "1.1.1.2\tb\n",
	      BASE "# hull network n1\n1.1.1.2\tb\n# hull network n1 end\n");
}

/*
 * The block is read once for every member's file (an index of its names): lines written in
 * one form whatever their spacing, a nameless line dropped, a name on several lines (an
 * alias two containers share; an address and its IPv6 twin) filtered on each, the lines
 * without a taken name copied as they are.
 */
static void test_block_forms(void **state)
{
	const char *own = "127.0.0.1\tlocalhost\n172.18.0.4\tabc\n";
	(void) state;
	check(own, "n1", "172.18.0.2   a  b\n172.18.0.3\n\n 172.18.0.5\tc\t d \n",
	      "127.0.0.1\tlocalhost\n172.18.0.4\tabc\n# hull network n1\n"
	      "172.18.0.2\ta b\n172.18.0.5\tc d\n# hull network n1 end\n");
	check(own, "n1",
	      "172.18.0.2\tweb x\n172.18.0.3\tWEB abc\nfd00::3\tWEB abc\n172.18.0.4\tabc\n"
	      "fd00::4\tabc\n172.18.0.9\tlast\n",
	      "127.0.0.1\tlocalhost\n172.18.0.4\tabc\n# hull network n1\n"
	      "172.18.0.2\tweb x\n172.18.0.3\tWEB\nfd00::3\tWEB\n172.18.0.9\tlast\n"
	      "# hull network n1 end\n");
	/* only taken names: every line goes, the block stays (empty) */
	check(own, "n1", "1.1.1.1\tLOCALHOST abc\n",
	      "127.0.0.1\tlocalhost\n172.18.0.4\tabc\n# hull network n1\n"
	      "# hull network n1 end\n");
}

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
		cmocka_unit_test(test_add_replace_remove),
		cmocka_unit_test(test_other_networks_and_lines_kept),
		cmocka_unit_test(test_damaged_files),
		cmocka_unit_test(test_own_lines_win),
		cmocka_unit_test(test_block_forms),
		cmocka_unit_test(test_own_line),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
