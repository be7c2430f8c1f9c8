/* SPDX-License-Identifier: MIT */
/*
 * container_oci_process(): the OCI process object of a container's process, read back by the
 * runtime's parser (rt_bundle_from_process()) into what rt_create() and rt_exec() take.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
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

/* A whole spec as hull's run lays it out, read back by the runtime's parser. */
static void test_spec_round_trip(void **state)
{
	char *args[] = {"true", NULL};
	char *lowers[] = {"/s/layers/b:c/diff", "/s/layers/a\\b/diff", NULL};
	char *sysctls[] = {"net.ipv4.ip_forward=1", NULL};
	char *masked[] = {"/proc/kcore", NULL};
	char *ro[] = {"/proc/sys", NULL};
	char *vol_lowers[] = {"/s/layers/v/diff", NULL};
	struct container_oci_process p = {.args = args, .cwd = "/"};
	struct rt_mount mounts[] = {
		{.type = "bind",
		 .source = "/host/vol",
		 .target = "/data",
		 .options = "ro",
		 .subpath = "/sub/dir"},
		{.type = "overlay", .target = "/img", .lowerdirs = vol_lowers},
	};
	struct rt_device devs[] = {
		{.path = "/dev/mynull", .type = 'c', .major = 1, .minor = 3, .mode = 0666}};
	struct rt_device_rule rules[] = {
		{.type = 'a', .major = -1, .minor = -1, .access = RT_DEV_RWM, .allow = false},
		{.type = 'c', .major = 1, .minor = 3, .access = RT_DEV_READ, .allow = true},
	};
	struct rt_resources res = {.memory = 64 << 20,
				   .memory_swap = -1,
				   .memory_reservation = -1,
				   .kernel_memory = -1,
				   .kernel_tcp = -1,
				   .cpu_quota = -1,
				   .pids_limit = 100};
	json_t *tmpfs = json_pack("{s:s}", "/run", "size=1m,mode=700");
	struct container_oci_spec sp = {
		.rootfs = "/s/containers/x/merged",
		.lowerdirs = lowers,
		.upperdir = "/s/containers/x/upper",
		.workdir = "/s/containers/x/work",
		.overlay_volatile = true,
		.hostname = "abc",
		.pid_ns = 4242,
		.ipc_ns = -1,
		.netns_path = "/run/netns/n1",
		.cgroup_ns = true,
		.shm_size = 64 << 20,
		.hosts_path = "/s/containers/x/hosts",
		.init_path = "/usr/lib/hull/hull-init",
		.tmpfs = tmpfs,
		.mounts = mounts,
		.n_mounts = ARRAY_SIZE(mounts),
		.devices = devs,
		.n_devices = ARRAY_SIZE(devs),
		.device_rules = rules,
		.n_device_rules = ARRAY_SIZE(rules),
		.resources = &res,
		.sysctls = sysctls,
		.masked_paths = masked,
		.readonly_paths = ro,
	};
	struct rt_bundle *b = NULL;
	struct hull_err *err = NULL;
	const struct rt_config *c;
	size_t n_dflt;
	json_t *o;

	(void) state;
	sp.process = container_oci_process(&p);
	o = container_oci_spec(&sp);
	json_decref(sp.process);
	json_decref(tmpfs);
	if (rt_bundle_from_spec(o, "/s/containers/x", &b, &err) < 0)
		fail_msg("%s", err->msg);
	json_decref(o);
	c = &b->config;
	assert_string_equal(c->rootfs, "/s/containers/x/merged");
	/* the layers' ':' and '\' survive lowerdir='s escaping */
	assert_non_null(c->lowerdirs);
	assert_string_equal(c->lowerdirs[0], "/s/layers/b:c/diff");
	assert_string_equal(c->lowerdirs[1], "/s/layers/a\\b/diff");
	assert_null(c->lowerdirs[2]);
	assert_string_equal(c->upperdir, "/s/containers/x/upper");
	assert_string_equal(c->workdir, "/s/containers/x/work");
	assert_true(c->overlay_volatile);
	assert_false(c->readonly_rootfs);
	assert_string_equal(c->hostname, "abc");
	assert_string_equal(c->pid_ns_path, "/proc/4242/ns/pid");
	assert_int_equal(c->ipc_ns, -1);
	assert_null(c->ipc_ns_path);
	assert_false(c->host_uts);
	assert_false(c->new_netns); /* joined, not made */
	assert_string_equal(c->netns_path, "/run/netns/n1");
	assert_true(c->cgroup_ns);
	assert_false(c->no_shm);
	assert_int_equal(c->shm_size, 64 << 20);
	assert_false(c->privileged_paths);
	/* /etc/hosts, the init, the tmpfs, then the volumes, in moby's order */
	assert_int_equal(c->n_mounts, 5);
	assert_string_equal(c->mounts[0].target, "/etc/hosts");
	assert_string_equal(c->mounts[0].source, "/s/containers/x/hosts");
	assert_string_equal(c->mounts[1].target, CONTAINER_INIT_TARGET);
	assert_non_null(strstr(c->mounts[1].options, "ro"));
	assert_string_equal(c->mounts[2].type, "tmpfs");
	assert_string_equal(c->mounts[2].target, "/run");
	assert_non_null(strstr(c->mounts[2].options, "size=1m"));
	assert_non_null(strstr(c->mounts[2].options, "noexec"));
	assert_string_equal(c->mounts[3].type, "bind");
	assert_string_equal(c->mounts[3].target, "/data");
	/* a build's "source=/out" is below the source's root too */
	assert_string_equal(c->mounts[3].subpath, "sub/dir");
	assert_string_equal(c->mounts[4].type, "overlay");
	assert_string_equal(c->mounts[4].lowerdirs[0], "/s/layers/v/diff");
	assert_null(c->mounts[4].upperdir);
	assert_int_equal(c->n_devices, 1);
	assert_string_equal(c->devices[0].path, "/dev/mynull");
	assert_int_equal(c->devices[0].minor, 3);
	/* the spec's rules, then runc's defaults */
	rt_device_rules_default(&n_dflt);
	assert_int_equal(b->n_device_rules, 2 + n_dflt);
	assert_false(b->device_rules[0].allow);
	assert_int_equal(b->device_rules[1].access, RT_DEV_READ);
	assert_true(b->has_resources);
	assert_int_equal(b->resources.memory, 64 << 20);
	assert_int_equal(b->resources.pids_limit, 100);
	assert_int_equal(b->resources.cpu_quota, -1);
	assert_string_equal(c->sysctls[0], "net.ipv4.ip_forward=1");
	assert_string_equal(c->masked_paths[0], "/proc/kcore");
	assert_string_equal(c->readonly_paths[0], "/proc/sys");
	rt_bundle_free(b);

	/* --network host, --uts host, --ipc none, --read-only, --privileged, no layer upper */
	sp = (struct container_oci_spec){.rootfs = "/r",
					 .lowerdirs = lowers,
					 .readonly_rootfs = true,
					 .host_net = true,
					 .host_uts = true,
					 .hostname = "ignored",
					 .pid_ns = 0,
					 .ipc_ns = 0,
					 .no_shm = true,
					 .privileged = true};
	sp.process = container_oci_process(&p);
	o = container_oci_spec(&sp);
	json_decref(sp.process);
	assert_null(json_object_get(o, "hostname"));
	if (rt_bundle_from_spec(o, "/", &b, &err) < 0)
		fail_msg("%s", err->msg);
	json_decref(o);
	c = &b->config;
	assert_true(c->readonly_rootfs);
	assert_null(c->upperdir);
	assert_false(c->new_netns);
	assert_true(c->host_uts);
	assert_int_equal(c->pid_ns, 0);
	assert_int_equal(c->ipc_ns, 0);
	assert_true(c->no_shm);
	assert_true(c->privileged_paths);
	assert_false(b->has_resources);
	assert_int_equal(c->n_mounts, 0);
	rt_bundle_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_spec_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
