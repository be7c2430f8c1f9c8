/* SPDX-License-Identifier: MIT */
/*
 * The mapping of struct rt_resources to cgroup v1 and v2 files
 * (rt_resources_write()), against a temporary tree of empty files standing in
 * for the hierarchies: the v2 mapping is checked on any host.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "runtime/runtime.h"
#include "util/fs.h"

static char base[] = "/tmp/hull-limits-XXXXXX";
static int seq;

static const char *const v1_files[] = {
	"memory/memory.limit_in_bytes",
	"memory/memory.memsw.limit_in_bytes",
	"memory/memory.soft_limit_in_bytes",
	"memory/memory.kmem.limit_in_bytes",
	"memory/memory.oom_control",
	"cpu/cpu.shares",
	"cpu/cpu.cfs_period_us",
	"cpu/cpu.cfs_quota_us",
	"cpuset/cpuset.cpus",
	"cpuset/cpuset.mems",
	"pids/pids.max",
	"blkio/blkio.bfq.weight",
	"blkio/blkio.throttle.read_bps_device",
	"blkio/blkio.throttle.write_bps_device",
	"blkio/blkio.throttle.read_iops_device",
	"blkio/blkio.throttle.write_iops_device",
};

static const char *const v2_files[] = {
	"memory.max",  "memory.swap.max", "memory.low", "cpu.weight", "cpu.max",
	"cpuset.cpus", "cpuset.mems",	  "pids.max",	"io.weight",  "io.max",
};

static void touch(const char *dir, const char *file)
{
	_cleanup_free_ char *p = path_join(dir, file);
	int fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	close(fd);
}

/* A fresh tree: v1 (one directory per controller) or v2 (one directory). */
static char *tree(bool v2)
{
	char *root = xasprintf("%s/t%d", base, seq++);

	assert_int_equal(mkdir(root, 0755), 0);
	if (v2) {
		for (size_t i = 0; i < ARRAY_SIZE(v2_files); i++)
			touch(root, v2_files[i]);
		return root;
	}
	for (const char *const *c =
		     (const char *const[]){"memory", "cpu", "cpuset", "pids", "blkio", NULL};
	     *c; c++) {
		_cleanup_free_ char *d = path_join(root, *c);
		assert_int_equal(mkdir(d, 0755), 0);
	}
	for (size_t i = 0; i < ARRAY_SIZE(v1_files); i++)
		touch(root, v1_files[i]);
	return root;
}

static struct rt_cgroup_dirs v1_dirs(const char *root, char *buf[5])
{
	buf[0] = path_join(root, "memory");
	buf[1] = path_join(root, "cpu");
	buf[2] = path_join(root, "cpuset");
	buf[3] = path_join(root, "pids");
	buf[4] = path_join(root, "blkio");
	return (struct rt_cgroup_dirs){
		.memory = buf[0], .cpu = buf[1], .cpuset = buf[2], .pids = buf[3], .blkio = buf[4]};
}

static void free5(char *buf[5])
{
	for (int i = 0; i < 5; i++)
		free(buf[i]);
}

static void expect(const char *root, const char *file, const char *want)
{
	_cleanup_free_ char *p = path_join(root, file), *got = NULL;

	assert_int_equal(read_file(p, 4096, &got, NULL, NULL), 0);
	if (strcmp(got, want) != 0)
		fail_msg("%s: got '%s', want '%s'", file, got, want);
}

static void test_any(void **state)
{
	struct rt_resources r = {0};

	(void) state;
	assert_false(rt_resources_any(NULL));
	assert_false(rt_resources_any(&r));
	r.pids_limit = -1;
	assert_true(rt_resources_any(&r));
	r = (struct rt_resources){.cpuset_cpus = ""};
	assert_false(rt_resources_any(&r));
}

static void test_v1_memory(void **state)
{
	_cleanup_free_ char *root = tree(false);
	char *b[5];
	struct rt_cgroup_dirs d = v1_dirs(root, b);
	struct rt_resources r = {.memory = 64 << 20,
				 .memory_swap = 128 << 20,
				 .memory_reservation = 32 << 20,
				 .kernel_memory = 16 << 20,
				 .oom_kill_disable = true};

	(void) state;
	assert_int_equal(rt_resources_write(&d, &r, NULL), 0);
	expect(root, "memory/memory.limit_in_bytes", "67108864");
	expect(root, "memory/memory.memsw.limit_in_bytes", "134217728");
	expect(root, "memory/memory.soft_limit_in_bytes", "33554432");
	expect(root, "memory/memory.kmem.limit_in_bytes", "16777216");
	expect(root, "memory/memory.oom_control", "1");
	/* unlimited swap is -1 in v1 */
	{
		_cleanup_free_ char *root2 = tree(false);
		char *b2[5];
		struct rt_cgroup_dirs d2 = v1_dirs(root2, b2);
		r = (struct rt_resources){.memory = 64 << 20, .memory_swap = -1};
		assert_int_equal(rt_resources_write(&d2, &r, NULL), 0);
		expect(root2, "memory/memory.memsw.limit_in_bytes", "-1");
		expect(root2, "memory/memory.soft_limit_in_bytes", "");
		free5(b2);
	}
	free5(b);
}

static void test_v1_cpu_pids_cpuset(void **state)
{
	_cleanup_free_ char *root = tree(false);
	char *b[5];
	struct rt_cgroup_dirs d = v1_dirs(root, b);
	struct rt_resources r = {.cpu_shares = 512,
				 .cpu_period = 100000,
				 .cpu_quota = 150000,
				 .cpuset_cpus = "0-1",
				 .cpuset_mems = "0",
				 .pids_limit = 50};

	(void) state;
	assert_int_equal(rt_resources_write(&d, &r, NULL), 0);
	expect(root, "cpu/cpu.shares", "512");
	expect(root, "cpu/cpu.cfs_period_us", "100000");
	expect(root, "cpu/cpu.cfs_quota_us", "150000");
	expect(root, "cpuset/cpuset.cpus", "0-1");
	expect(root, "cpuset/cpuset.mems", "0");
	expect(root, "pids/pids.max", "50");
	r = (struct rt_resources){.pids_limit = -1};
	{
		_cleanup_free_ char *root2 = tree(false);
		char *b2[5];
		struct rt_cgroup_dirs d2 = v1_dirs(root2, b2);
		assert_int_equal(rt_resources_write(&d2, &r, NULL), 0);
		expect(root2, "pids/pids.max", "max");
		free5(b2);
	}
	free5(b);
}

static void test_v1_blkio(void **state)
{
	_cleanup_free_ char *root = tree(false);
	char *b[5];
	struct rt_cgroup_dirs d = v1_dirs(root, b);
	const struct rt_throttle t[] = {{RT_THROTTLE_READ_BPS, 254, 0, 1048576},
					{RT_THROTTLE_WRITE_BPS, 254, 0, 2097152},
					{RT_THROTTLE_READ_IOPS, 8, 16, 100},
					{RT_THROTTLE_WRITE_IOPS, 8, 16, 200}};
	struct rt_resources r = {.blkio_weight = 300, .throttle = t, .n_throttle = 4};

	(void) state;
	/* no CFQ blkio.weight here: BFQ's file takes the weight */
	assert_int_equal(rt_resources_write(&d, &r, NULL), 0);
	expect(root, "blkio/blkio.bfq.weight", "300");
	expect(root, "blkio/blkio.throttle.read_bps_device", "254:0 1048576");
	expect(root, "blkio/blkio.throttle.write_bps_device", "254:0 2097152");
	expect(root, "blkio/blkio.throttle.read_iops_device", "8:16 100");
	expect(root, "blkio/blkio.throttle.write_iops_device", "8:16 200");
	free5(b);
}

static void test_v1_missing_controller(void **state)
{
	_cleanup_free_ char *root = tree(false);
	char *b[5];
	struct rt_cgroup_dirs d = v1_dirs(root, b);
	struct rt_resources r = {.pids_limit = 10};
	struct hull_err *e = NULL;

	(void) state;
	d.pids = NULL;
	assert_int_equal(rt_resources_write(&d, &r, &e), -ENOTSUP);
	assert_non_null(strstr(e->msg, "--pids-limit"));
	err_free(e);
	free5(b);
}

static void test_v2_memory(void **state)
{
	_cleanup_free_ char *root = tree(true);
	struct rt_cgroup_dirs d = {.unified = root};
	struct rt_resources r = {
		.memory = 64 << 20, .memory_swap = 96 << 20, .memory_reservation = 32 << 20};
	struct hull_err *e = NULL;

	(void) state;
	assert_int_equal(rt_resources_write(&d, &r, NULL), 0);
	expect(root, "memory.max", "67108864");
	/* v2 limits swap alone: memory+swap - memory */
	expect(root, "memory.swap.max", "33554432");
	expect(root, "memory.low", "33554432");

	{
		_cleanup_free_ char *root2 = tree(true);
		struct rt_cgroup_dirs d2 = {.unified = root2};
		r = (struct rt_resources){.memory = -1, .memory_swap = -1};
		assert_int_equal(rt_resources_write(&d2, &r, NULL), 0);
		expect(root2, "memory.max", "max");
		expect(root2, "memory.swap.max", "max");
	}
	r = (struct rt_resources){.memory = 64 << 20, .memory_swap = 32 << 20};
	assert_int_equal(rt_resources_write(&d, &r, &e), -EINVAL);
	e = err_free(e);
	r = (struct rt_resources){.memory_swap = 32 << 20};
	assert_int_equal(rt_resources_write(&d, &r, &e), -EINVAL);
	e = err_free(e);
	r = (struct rt_resources){.kernel_memory = 32 << 20};
	assert_int_equal(rt_resources_write(&d, &r, &e), -EOPNOTSUPP);
	assert_non_null(strstr(e->msg, "--kernel-memory"));
	e = err_free(e);
	r = (struct rt_resources){.oom_kill_disable = true};
	assert_int_equal(rt_resources_write(&d, &r, &e), -EOPNOTSUPP);
	e = err_free(e);
}

static void test_v2_cpu(void **state)
{
	struct rt_resources r = {.cpu_shares = 1024, .cpu_period = 100000, .cpu_quota = 150000};

	(void) state;
	{
		_cleanup_free_ char *root = tree(true);
		struct rt_cgroup_dirs d = {.unified = root};
		assert_int_equal(rt_resources_write(&d, &r, NULL), 0);
		/* runc ConvertCPUSharesToCgroupV2Value: 1 + (1024-2)*9999/262142 */
		expect(root, "cpu.weight", "39");
		expect(root, "cpu.max", "150000 100000");
	}
	{
		_cleanup_free_ char *root = tree(true);
		struct rt_cgroup_dirs d = {.unified = root};
		r = (struct rt_resources){.cpu_shares = 2, .cpu_quota = 50000};
		assert_int_equal(rt_resources_write(&d, &r, NULL), 0);
		expect(root, "cpu.weight", "1");
		expect(root, "cpu.max", "50000 100000"); /* the default period */
	}
	{
		_cleanup_free_ char *root = tree(true);
		struct rt_cgroup_dirs d = {.unified = root};
		r = (struct rt_resources){.cpu_shares = 262144, .cpu_period = 50000};
		assert_int_equal(rt_resources_write(&d, &r, NULL), 0);
		expect(root, "cpu.weight", "10000");
		expect(root, "cpu.max", "max 50000");
	}
	{
		_cleanup_free_ char *root = tree(true);
		struct rt_cgroup_dirs d = {.unified = root};
		r = (struct rt_resources){.cpuset_cpus = "1", .cpuset_mems = "0", .pids_limit = -1};
		assert_int_equal(rt_resources_write(&d, &r, NULL), 0);
		expect(root, "cpuset.cpus", "1");
		expect(root, "cpuset.mems", "0");
		expect(root, "pids.max", "max");
	}
}

static void test_v2_io(void **state)
{
	const struct rt_throttle rb = {RT_THROTTLE_READ_BPS, 254, 0, 1048576};
	const struct rt_throttle wi = {RT_THROTTLE_WRITE_IOPS, 8, 0, 30};
	struct rt_resources r = {.blkio_weight = 500, .throttle = &rb, .n_throttle = 1};

	(void) state;
	{
		_cleanup_free_ char *root = tree(true);
		struct rt_cgroup_dirs d = {.unified = root};
		assert_int_equal(rt_resources_write(&d, &r, NULL), 0);
		/* runc ConvertBlkIOToIOWeightValue: 1 + (500-10)*9999/990 */
		expect(root, "io.weight", "default 4950");
		expect(root, "io.max", "254:0 rbps=1048576");
	}
	{
		/* with BFQ, io.bfq.weight takes the blkio weight as it is */
		_cleanup_free_ char *root = tree(true);
		struct rt_cgroup_dirs d = {.unified = root};
		touch(root, "io.bfq.weight");
		r = (struct rt_resources){.blkio_weight = 500, .throttle = &wi, .n_throttle = 1};
		assert_int_equal(rt_resources_write(&d, &r, NULL), 0);
		expect(root, "io.bfq.weight", "500");
		expect(root, "io.weight", "");
		expect(root, "io.max", "8:0 wiops=30");
	}
}

static void test_kernel_error_names_file(void **state)
{
	_cleanup_free_ char *root = tree(true);
	_cleanup_free_ char *p = path_join(root, "pids.max");
	struct rt_cgroup_dirs d = {.unified = root};
	struct rt_resources r = {.pids_limit = 7};
	struct hull_err *e = NULL;

	(void) state;
	assert_int_equal(unlink(p), 0);
	assert_int_equal(rt_resources_write(&d, &r, &e), -ENOENT);
	assert_non_null(strstr(e->msg, "pids.max"));
	assert_non_null(strstr(e->msg, "'7'"));
	err_free(e);
}

static int setup(void **state)
{
	(void) state;
	return mkdtemp(base) ? 0 : -1;
}

static int teardown(void **state)
{
	(void) state;
	return rm_rf(base, NULL) < 0 ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_any),
		cmocka_unit_test(test_v1_memory),
		cmocka_unit_test(test_v1_cpu_pids_cpuset),
		cmocka_unit_test(test_v1_blkio),
		cmocka_unit_test(test_v1_missing_controller),
		cmocka_unit_test(test_v2_memory),
		cmocka_unit_test(test_v2_cpu),
		cmocka_unit_test(test_v2_io),
		cmocka_unit_test(test_kernel_error_names_file),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
