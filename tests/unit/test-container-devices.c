/* SPDX-License-Identifier: MIT */
/*
 * docker run --device and --device-cgroup-rule as the docker CLI checks and
 * splits them, and the rule list of a start (moby's deny-all, the devices,
 * the rules, runc's defaults).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "container/container.h"
#include "container/internal.h"

static void check_device(const char *spec, const char *host, const char *ctr, const char *perms)
{
	char *h = NULL, *c = NULL, *p = NULL;
	struct hull_err *e = NULL;

	if (container_device_parse(spec, &h, &c, &p, &e) < 0)
		fail_msg("'%s': %s", spec, e->msg);
	assert_string_equal(h, host);
	assert_string_equal(c, ctr);
	assert_string_equal(p, perms);
	free(h);
	free(c);
	free(p);
}

static void check_device_error(const char *spec, const char *msg)
{
	char *h = NULL, *c = NULL, *p = NULL;
	struct hull_err *e = NULL;

	assert_int_equal(container_device_parse(spec, &h, &c, &p, &e), -EINVAL);
	assert_string_equal(e->msg, msg);
	assert_null(h);
	err_free(e);
}

static void test_device_parse(void **state)
{
	(void) state;
	check_device("/dev/loop0", "/dev/loop0", "/dev/loop0", "rwm");
	check_device("/dev//loop0/", "/dev/loop0", "/dev/loop0", "rwm");
	check_device("/dev/loop0:r", "/dev/loop0", "/dev/loop0", "r");
	check_device("/dev/loop0:/dev/x", "/dev/loop0", "/dev/x", "rwm");
	check_device("/dev/loop0:/dev/./x/", "/dev/loop0", "/dev/x", "rwm");
	check_device("/dev/loop0:/dev/x:mw", "/dev/loop0", "/dev/x", "mw");
	/* the host path of HOST:CONTAINER is not checked by the CLI */
	check_device("loop0:/dev/x", "loop0", "/dev/x", "rwm");

	check_device_error("/a:/b:r:w", "bad format for path: /a:/b:r:w");
	check_device_error(":/b", "bad format for path: :/b");
	check_device_error("", "bad format for path: ");
	check_device_error("/a:/b:rr", "bad mode specified: rr");
	check_device_error("/a:/b:", "bad mode specified: ");
	check_device_error("/a:b", "b is not an absolute path");
	check_device_error("/a:rwx", "rwx is not an absolute path");
	check_device_error("a", "a is not an absolute path");
	check_device_error("/a:rw:r", "rw is not an absolute path");
}

static void test_cgroup_rule_check(void **state)
{
	static const char *const good[] = {"c 1:3 rwm", "b *:* m",  "a *:* rwm",
					   "c 1:3 rrr", "b 7:* wr", "c 4095:1048575 r"};
	static const char *const bad[] = {"a",	      "c 1:3",	  "x 1:3 r",  "c 1:3 rwmr",
					  "c 1 3 r",  "c  1:3 r", "c 1:3 r ", "c 1:3 q",
					  "c -1:3 r", ""};
	struct hull_err *e = NULL;

	(void) state;
	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		if (container_device_cgroup_rule_check(good[i], &e) < 0)
			fail_msg("'%s': %s", good[i], e->msg);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		_cleanup_free_ char *want = xasprintf("invalid device cgroup format '%s'", bad[i]);
		assert_int_equal(container_device_cgroup_rule_check(bad[i], &e), -EINVAL);
		assert_string_equal(e->msg, want);
		e = err_free(e);
	}
	assert_int_equal(container_device_cgroup_rule_check("c 4096:1 r", &e), -ERANGE);
	e = err_free(e);
}

static void test_resolve(void **state)
{
	json_t *hc =
		json_pack("{s:[{s:s,s:s,s:s},{s:s,s:s,s:s}],s:[s,s]}", "Devices", "PathOnHost",
			  "/dev/null", "PathInContainer", "/dev/mynull", "CgroupPermissions", "r",
			  "PathOnHost", "/dev/zero", "PathInContainer", "/z", "CgroupPermissions",
			  "rwm", "DeviceCgroupRules", "b 7:* rrw", "a *:* m");
	struct container_devices d = {0};
	struct hull_err *e = NULL;
	(void) state;
	if (container_devices_resolve(hc, &d, &e) < 0)
		fail_msg("%s", e->msg);
	assert_int_equal(d.n_devices, 2);
	assert_string_equal(d.devices[0].path, "/dev/mynull");
	assert_int_equal(d.devices[0].type, 'c');
	assert_int_equal(d.devices[0].major, 1);
	assert_int_equal(d.devices[0].minor, 3);
	assert_int_equal(d.devices[0].mode, 0666);
	assert_string_equal(d.devices[1].path, "/z");
	assert_int_equal(d.devices[1].minor, 5);
	assert_int_equal(d.n_rules, 1 + 2 + 2);
	{
		static const char *const want[] = {"a", "c 1:3 r", "c 1:5 rwm", "b 7:* rw", "a"};
		for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
			_cleanup_free_ char *t = rt_device_rule_format(&d.rules[i]);
			assert_string_equal(t, want[i]);
		}
	}
	assert_false(d.rules[0].allow);
	assert_true(d.rules[4].allow);
	container_devices_release(&d);

	/* none given: deny all; runc's defaults are the runtime's to add */
	json_decref(hc);
	hc = json_pack("{s:[],s:n}", "Devices", "DeviceCgroupRules");
	assert_int_equal(container_devices_resolve(hc, &d, &e), 0);
	assert_int_equal(d.n_devices, 0);
	assert_int_equal(d.n_rules, 1);
	container_devices_release(&d);

	json_decref(hc);
	hc = json_pack("{s:[{s:s}]}", "Devices", "PathOnHost", "/etc/passwd");
	assert_int_equal(container_devices_resolve(hc, &d, &e), -ENODEV);
	assert_string_equal(e->msg, "error gathering device information while adding custom "
				    "device \"/etc/passwd\": not a device node");
	e = err_free(e);
	json_decref(hc);
	hc = json_pack("{s:[{s:s}]}", "Devices", "PathOnHost", "/nonexistent/dev");
	assert_int_equal(container_devices_resolve(hc, &d, &e), -ENOENT);
	assert_string_equal(e->msg, "error gathering device information while adding custom "
				    "device \"/nonexistent/dev\": no such file or directory");
	e = err_free(e);
	json_decref(hc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_device_parse),
		cmocka_unit_test(test_cgroup_rule_check),
		cmocka_unit_test(test_resolve),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
