/* SPDX-License-Identifier: MIT */
/*
 * container_oci_process(): the OCI process object of a container's process, read back by the
 * runtime's parser (rt_bundle_from_process()) into what rt_create() and rt_exec() take.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <linux/capability.h>

#include "container/internal.h"
#include "runtime/bundle.h"
#include "util/json.h"

static void test_round_trip(void **state)
{
	char *args[] = {"sh", "-c", "echo hi", NULL};
	char *env[] = {"PATH=/bin", "A=b=c", NULL};
	gid_t groups[] = {10, 65534};
	uint64_t caps = 1ULL << CAP_CHOWN | 1ULL << CAP_NET_BIND_SERVICE | 1ULL << CAP_SYS_ADMIN;
	struct container_oci_process p = {
		.args = args,
		.env = env,
		.cwd = "/work dir",
		.uid = 1000,
		.gid = 100,
		.groups = groups,
		.n_groups = 2,
		.terminal = true,
		.caps = caps,
		.no_new_privs = true,
	};
	struct rt_bundle *b = NULL;
	struct hull_err *err = NULL;
	json_t *o = container_oci_process(&p);
	const struct rt_config *c;

	(void) state;
	/* the spec's names, upper case */
	assert_string_equal(
		json_string_value(json_array_get(
			json_object_get(json_object_get(o, "capabilities"), "bounding"), 0)),
		"CAP_CHOWN");
	assert_int_equal(
		json_array_size(json_object_get(json_object_get(o, "capabilities"), "inheritable")),
		0);
	assert_int_equal(rt_bundle_from_process(o, &b, &err), 0);
	json_decref(o); /* the bundle holds its own reference */
	c = &b->config;
	assert_string_equal(c->args[2], "echo hi");
	assert_null(c->args[3]);
	assert_string_equal(c->env[1], "A=b=c");
	assert_string_equal(c->cwd, "/work dir");
	assert_int_equal(c->uid, 1000);
	assert_int_equal(c->gid, 100);
	assert_int_equal(c->n_additional_gids, 2);
	assert_int_equal(c->additional_gids[1], 65534);
	assert_true(c->terminal);
	assert_true(c->no_new_privs);
	assert_non_null(c->capsets);
	assert_true(c->capsets->bounding == caps && c->capsets->effective == caps &&
		    c->capsets->permitted == caps);
	assert_true(c->capsets->inheritable == 0 && c->capsets->ambient == 0);
	{
		/* into a config that has the rest: the process fields only */
		struct rt_config rc = {.hostname = "h", .rootfs = "/r", .stdio = {4, 5, 6}};

		rt_config_take_process(&rc, c);
		assert_ptr_equal(rc.args, c->args);
		assert_ptr_equal(rc.capsets, c->capsets);
		assert_int_equal(rc.uid, 1000);
		assert_true(rc.terminal && rc.no_new_privs);
		assert_string_equal(rc.hostname, "h");
		assert_string_equal(rc.rootfs, "/r");
		assert_int_equal(rc.stdio[2], 6);
	}
	rt_bundle_free(b);

	/* no environment, no groups, no capability: still a process the parser takes */
	p.env = NULL;
	p.n_groups = 0;
	p.caps = 0;
	p.terminal = false;
	o = container_oci_process(&p);
	assert_int_equal(rt_bundle_from_process(o, &b, &err), 0);
	assert_true(b->config.env == NULL || b->config.env[0] == NULL);
	assert_int_equal(b->config.n_additional_gids, 0);
	assert_true(b->config.capsets->bounding == 0);
	assert_false(b->config.terminal);
	rt_bundle_free(b);
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
