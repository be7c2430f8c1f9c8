/* SPDX-License-Identifier: MIT */
/*
 * docker's resource flags, daemon checks and defaults on HostConfig, and the
 * runtime limits made from them (container/resources.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <cmocka.h>

#include "container/container.h"
#include "runtime/bundle.h"
#include "runtime/runtime.h"
#include "util/strv.h"

static int64_t ram(const char *s)
{
	int64_t v = -42;

	return container_ram_parse(s, &v) < 0 ? -42 : v;
}

static void test_ram(void **state)
{
	(void) state;
	assert_int_equal(ram("100"), 100);
	assert_int_equal(ram("64m"), 64LL << 20);
	assert_int_equal(ram("64M"), 64LL << 20);
	assert_int_equal(ram("64mb"), 64LL << 20);
	assert_int_equal(ram("64MiB"), 64LL << 20);
	assert_int_equal(ram("1.5g"), 3LL << 29);
	assert_int_equal(ram("2 GB"), 2LL << 30);
	assert_int_equal(ram("10k"), 10240);
	assert_int_equal(ram("7b"), 7);
	assert_int_equal(ram(""), -42);
	assert_int_equal(ram("m"), -42);
	assert_int_equal(ram("64x"), -42);
	assert_int_equal(ram("-1"), -42);
	assert_int_equal(ram("64mm"), -42);
}

/* Parse one flag into a fresh object; the error message (or NULL) in *msg. */
static json_t *flag(const char *f, const char *v, char **msg)
{
	json_t *o = json_object();
	struct hull_err *e = NULL;

	*msg = NULL;
	if (container_resource_flag(o, f, v, &e) < 0) {
		*msg = xstrdup(e->msg);
		err_free(e);
	}
	return o;
}

static void test_flags(void **state)
{
	char *m;
	json_t *o;

	(void) state;
	o = flag("memory", "64x", &m);
	assert_string_equal(m, "invalid argument \"64x\" for \"-m, --memory\" flag: invalid size: "
			       "'64x'");
	free(m);
	json_decref(o);
	o = flag("cpus", "1.5", &m);
	assert_null(m);
	assert_int_equal(json_integer_value(json_object_get(o, "NanoCpus")), 1500000000);
	json_decref(o);
	o = flag("cpus", "0.0000000001", &m);
	assert_string_equal(m, "invalid argument \"0.0000000001\" for \"--cpus\" flag: value is "
			       "too precise");
	free(m);
	json_decref(o);
	o = flag("cpus", "abc", &m);
	assert_string_equal(m, "invalid argument \"abc\" for \"--cpus\" flag: failed to parse abc "
			       "as a rational number");
	free(m);
	json_decref(o);
	o = flag("memory-swap", "-1", &m);
	assert_null(m);
	assert_int_equal(json_integer_value(json_object_get(o, "MemorySwap")), -1);
	json_decref(o);
	o = flag("pids-limit", "x", &m);
	assert_non_null(strstr(m, "--pids-limit"));
	free(m);
	json_decref(o);
	o = flag("blkio-weight", "70000", &m);
	assert_non_null(strstr(m, "value out of range"));
	free(m);
	json_decref(o);
	o = flag("device-read-bps", "sda:1mb", &m);
	assert_string_equal(m,
			    "invalid argument \"sda:1mb\" for \"--device-read-bps\" flag: sda is "
			    "not an absolute path");
	free(m);
	json_decref(o);
	o = flag("device-write-iops", "/dev/vda:1mb", &m);
	assert_non_null(strstr(m, "invalid rate for device: /dev/vda:1mb"));
	free(m);
	json_decref(o);
	o = flag("device-read-bps", "/dev/vda:1mb", &m);
	assert_null(m);
	assert_int_equal(
		json_integer_value(json_object_get(
			json_array_get(json_object_get(o, "BlkioDeviceReadBps"), 0), "Rate")),
		1048576);
	json_decref(o);
}

static void test_ulimit(void **state)
{
	json_t *o = json_object(), *u;
	struct hull_err *e = NULL;

	(void) state;
	assert_int_equal(container_resource_flag(o, "ulimit", "nofile=100:200", &e), 0);
	assert_int_equal(container_resource_flag(o, "ulimit", "nproc=50", &e), 0);
	assert_int_equal(container_resource_flag(o, "ulimit", "nofile=300", &e), 0);
	u = json_object_get(o, "Ulimits");
	assert_int_equal(json_array_size(u), 2); /* the last nofile replaced the first */
	assert_string_equal(json_string_value(json_object_get(json_array_get(u, 0), "Name")),
			    "nofile");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(u, 0), "Soft")), 300);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(u, 0), "Hard")), 300);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(u, 1), "Hard")), 50);
	{
		/* the OCI process's rlimits, as the runtime reads them back */
		json_t *hc = json_pack("{s:O}", "Ulimits", u);
		json_t *rl = container_oci_rlimits(hc);
		json_t *proc =
			json_pack("{s:[s],s:s,s:O}", "args", "true", "cwd", "/", "rlimits", rl);
		struct rt_bundle *b = NULL;

		assert_int_equal(json_array_size(rl), 2);
		assert_string_equal(
			json_string_value(json_object_get(json_array_get(rl, 0), "type")),
			"RLIMIT_NOFILE");
		assert_int_equal(rt_bundle_from_process(proc, &b, &e), 0);
		assert_int_equal(b->config.n_rlimits, 2);
		assert_int_equal(b->config.rlimits[0].resource, RLIMIT_NOFILE);
		assert_int_equal(b->config.rlimits[0].soft, 300);
		assert_int_equal(b->config.rlimits[1].resource, RLIMIT_NPROC);
		assert_string_equal(b->config.rlimits[1].name, "nproc"); /* docker's, in messages */
		rt_bundle_free(b);
		json_decref(proc);
		json_decref(rl);
		json_decref(hc);
	}
	assert_int_equal(container_resource_flag(o, "ulimit", "nofile=300:200", &e), -EINVAL);
	assert_non_null(strstr(e->msg, "ulimit soft limit must be less than or equal to hard "
				       "limit: 300 > 200"));
	e = err_free(e);
	assert_int_equal(container_resource_flag(o, "ulimit", "bogus=1", &e), -EINVAL);
	assert_non_null(strstr(e->msg, "invalid ulimit type: bogus"));
	e = err_free(e);
	assert_int_equal(container_resource_flag(o, "ulimit", "nofile", &e), -EINVAL);
	assert_non_null(strstr(e->msg, "invalid ulimit argument: nofile"));
	e = err_free(e);
	json_decref(o);
}

/* verify a HostConfig given as JSON text; returns the error message or NULL */
static char *verify(const char *text, json_t **ret_hc)
{
	json_t *hc = json_loads(text, 0, NULL);
	_cleanup_strv_ char **warn = NULL;
	struct hull_err *e = NULL;
	char *m = NULL;

	assert_non_null(hc);
	container_resources_defaults(hc);
	if (container_resources_verify(hc, false, &warn, &e) < 0) {
		m = xstrdup(e->msg);
		err_free(e);
	}
	if (ret_hc)
		*ret_hc = hc;
	else
		json_decref(hc);
	return m;
}

static void expect_err(const char *text, const char *want)
{
	_cleanup_free_ char *m = verify(text, NULL);

	if (!m || !strstr(m, want))
		fail_msg("%s: got '%s', want '%s'", text, m ? m : "(no error)", want);
}

static void test_verify(void **state)
{
	json_t *hc = NULL;

	(void) state;
	expect_err("{\"Memory\": 4194304}", "Minimum memory limit allowed is 6MB");
	expect_err("{\"Memory\": 67108864, \"MemorySwap\": 33554432}",
		   "Minimum memoryswap limit should be larger than memory limit");
	expect_err("{\"MemorySwap\": 67108864}",
		   "You should always set the Memory limit when using Memoryswap limit");
	expect_err("{\"MemoryReservation\": 1000}", "Minimum memory reservation allowed is 6MB");
	expect_err("{\"Memory\": 67108864, \"MemoryReservation\": 134217728}",
		   "Minimum memory limit can not be less than memory reservation limit");
	expect_err("{\"NanoCpus\": 1000000000, \"CpuPeriod\": 100000}",
		   "Conflicting options: Nano CPUs and CPU Period cannot both be set");
	expect_err("{\"NanoCpus\": 1000000000, \"CpuQuota\": 100000}",
		   "Conflicting options: Nano CPUs and CPU Quota cannot both be set");
	expect_err("{\"NanoCpus\": 999000000000}", "Range of CPUs is from 0.01 to");
	expect_err("{\"CpuPeriod\": 999}", "CPU cfs period can not be less than 1ms");
	expect_err("{\"CpuQuota\": 999}", "CPU cfs quota can not be less than 1ms");
	expect_err("{\"CpusetCpus\": \"1000\"}", "Requested CPUs are not available - requested "
						 "1000");
	expect_err("{\"CpusetCpus\": \"a-b\"}", "Invalid value a-b for cpuset cpus");
	expect_err("{\"BlkioWeight\": 5}", "Range of blkio weight is from 10 to 1000");
	expect_err("{\"OomScoreAdj\": 1001}",
		   "Invalid value 1001, range for oom score adj is [-1000, 1000]");
	expect_err("{\"BlkioDeviceReadBps\": [{\"Path\": \"/nonexistent\", \"Rate\": 1}]}",
		   "stat /nonexistent");

	/* docker's defaults: swap twice the memory, shares clamped, pids <= 0 unlimited */
	assert_null(verify("{\"Memory\": 67108864, \"CpuShares\": 1, \"PidsLimit\": -1}", &hc));
	assert_int_equal(json_integer_value(json_object_get(hc, "MemorySwap")), 134217728);
	assert_int_equal(json_integer_value(json_object_get(hc, "CpuShares")), 2);
	assert_true(json_is_null(json_object_get(hc, "PidsLimit")));
	assert_true(json_is_null(json_object_get(hc, "Ulimits")));
	assert_int_equal(json_array_size(json_object_get(hc, "BlkioDeviceReadBps")), 0);
	assert_true(json_is_false(json_object_get(hc, "OomKillDisable")));
	json_decref(hc);
}

static void test_rt_resources(void **state)
{
	json_t *hc = json_pack("{s:I,s:I,s:I,s:I,s:s}", "Memory", (json_int_t) 64 << 20,
			       "MemorySwap", (json_int_t) -1, "NanoCpus", (json_int_t) 1500000000,
			       "PidsLimit", (json_int_t) 0, "CpusetCpus", "0");
	struct rt_resources r;
	struct rt_throttle *t = NULL;

	(void) state;
	assert_int_equal(container_rt_resources(hc, &r, &t, NULL), 0);
	assert_int_equal(r.memory, 64 << 20);
	assert_int_equal(r.memory_swap, -1);
	/* --cpus 1.5: 150 ms per 100 ms period (moby daemon/oci_linux.go) */
	assert_int_equal(r.cpu_period, 100000);
	assert_int_equal(r.cpu_quota, 150000);
	assert_int_equal(r.pids_limit, -1);
	assert_string_equal(r.cpuset_cpus, "0");
	assert_true(rt_resources_any(&r));
	free(t);
	json_decref(hc);
	hc = json_object();
	container_resources_defaults(hc);
	assert_int_equal(container_rt_resources(hc, &r, &t, NULL), 0);
	assert_false(rt_resources_any(&r));
	free(t);
	json_decref(hc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ram),	     cmocka_unit_test(test_flags),
		cmocka_unit_test(test_ulimit),	     cmocka_unit_test(test_verify),
		cmocka_unit_test(test_rt_resources),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
