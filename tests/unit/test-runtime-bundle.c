/* SPDX-License-Identifier: MIT */
/*
 * rt_bundle_parse(): OCI runtime-spec 1.1 config.json into the runtime's
 * structures, and the refusals of what hull cannot honour.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <cmocka.h>

#include "runtime/bundle.h"
#include "util/strbuf.h"
#include "util/strv.h"

/* A containerd-like spec (containerd oci/spec.go populateDefaultUnixSpec, plus extras). */
static const char good[] =
	"{\"ociVersion\":\"1.1.0\","
	"\"process\":{\"terminal\":false,\"user\":{\"uid\":1000,\"gid\":100,\"umask\":2,"
	"\"additionalGids\":[10,11]},\"args\":[\"sh\",\"-c\",\"echo hi\"],"
	"\"env\":[\"PATH=/usr/bin:/bin\",\"A=b\"],\"cwd\":\"/work\","
	"\"capabilities\":{\"bounding\":[\"CAP_CHOWN\",\"CAP_KILL\"],"
	"\"effective\":[\"CAP_KILL\"],\"permitted\":[\"CAP_KILL\",\"CAP_CHOWN\"],"
	"\"inheritable\":[\"CAP_KILL\"],\"ambient\":[\"cap_kill\"]},"
	"\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1024,\"soft\":512},"
	"{\"type\":\"RLIMIT_CORE\",\"hard\":18446744073709551615,\"soft\":18446744073709551615}],"
	"\"noNewPrivileges\":true,\"oomScoreAdj\":100},"
	"\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
	"\"hostname\":\"box\","
	"\"mounts\":["
	"{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
	"{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
	"\"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
	"{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\"},"
	"{\"destination\":\"/dev/shm\",\"type\":\"tmpfs\",\"source\":\"shm\","
	"\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"mode=1777\",\"size=1m\"]},"
	"{\"destination\":\"/dev/mqueue\",\"type\":\"mqueue\",\"source\":\"mqueue\"},"
	"{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\","
	"\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"ro\"]},"
	"{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\",\"source\":\"cgroup\","
	"\"options\":[\"ro\",\"nosuid\"]},"
	"{\"destination\":\"/run\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
	"\"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
	"{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"/srv/data\","
	"\"options\":[\"rbind\",\"ro\"]}],"
	"\"hooks\":{\"prestart\":[{\"path\":\"/bin/true\",\"args\":[\"true\",\"x\"],"
	"\"timeout\":5}],\"poststop\":[{\"path\":\"/bin/echo\"}]},"
	"\"annotations\":{\"a\":\"b\"},"
	"\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"ipc\",\"path\":\"/proc/7/ns/"
	"ipc\"},"
	"{\"type\":\"uts\"},"
	"{\"type\":\"mount\"},{\"type\":\"network\",\"path\":\"/var/run/netns/x\"}],"
	"\"devices\":[{\"path\":\"/dev/fuse\",\"type\":\"c\",\"major\":10,\"minor\":229,"
	"\"fileMode\":438,\"uid\":0,\"gid\":0},"
	"{\"path\":\"/dev/fifo\",\"type\":\"p\",\"fileMode\":432}],"
	"\"resources\":{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
	"{\"allow\":true,\"type\":\"c\",\"major\":10,\"minor\":229,\"access\":\"rw\"}],"
	"\"memory\":{\"limit\":67108864,\"swap\":134217728},"
	"\"cpu\":{\"shares\":512,\"quota\":50000,\"period\":100000,\"cpus\":\"0\"},"
	"\"pids\":{\"limit\":64},"
	"\"blockIO\":{\"weight\":300,\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,"
	"\"rate\":1048576}]}},"
	"\"cgroupsPath\":\"/default/c1\","
	"\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[]},"
	"\"sysctl\":{\"net.ipv4.ip_forward\":\"1\"},"
	"\"maskedPaths\":[\"/proc/kcore\"],\"readonlyPaths\":[\"/proc/sys\"]},"
	"\"unknownProperty\":{\"ignored\":true}}";

static void test_good(void **state)
{
	struct rt_bundle *b = NULL;
	struct hull_err *e = NULL;
	const struct rt_config *c;
	size_t n_def;

	(void) state;
	(void) rt_device_rules_default(&n_def);
	assert_int_equal(rt_bundle_parse(good, sizeof(good) - 1, "/b", &b, &e), 0);
	assert_null(e);
	c = &b->config;
	assert_string_equal(b->oci_version, "1.1.0");
	assert_string_equal(c->rootfs, "/b/rootfs");
	assert_null(c->lowerdirs);
	assert_true(c->readonly_rootfs);
	assert_string_equal(c->args[2], "echo hi");
	assert_string_equal(strv_env_get(c->env, "A"), "b");
	assert_string_equal(c->cwd, "/work");
	assert_int_equal(c->uid, 1000);
	assert_int_equal(c->gid, 100);
	assert_true(c->has_umask);
	assert_int_equal(c->umask, 02);
	assert_int_equal(c->n_additional_gids, 2);
	assert_int_equal(c->additional_gids[1], 11);
	assert_false(c->terminal);
	assert_true(c->no_new_privs);
	assert_non_null(c->capsets);
	assert_int_equal(c->capsets->bounding, (1ULL << 0) | (1ULL << 5)); /* CHOWN, KILL */
	/* the five sets apart, as given */
	assert_ptr_equal(c->capsets, &b->caps);
	assert_int_equal(c->capsets->bounding, (1ULL << 0) | (1ULL << 5));
	assert_int_equal(c->capsets->effective, 1ULL << 5);
	assert_int_equal(c->capsets->permitted, (1ULL << 0) | (1ULL << 5));
	assert_int_equal(c->capsets->inheritable, 1ULL << 5);
	assert_int_equal(c->capsets->ambient, 1ULL << 5);
	assert_int_equal(c->n_rlimits, 2);
	assert_true(c->rlimits[1].hard == RLIM_INFINITY && c->rlimits[1].soft == RLIM_INFINITY);
	assert_int_equal(c->rlimits[0].resource, RLIMIT_NOFILE);
	assert_int_equal(c->rlimits[0].soft, 512);
	assert_true(b->has_oom_score_adj);
	assert_int_equal(b->oom_score_adj, 100);
	assert_string_equal(c->hostname, "box");
	/* namespaces */
	assert_int_equal(c->pid_ns, 0);
	assert_null(c->pid_ns_path);
	assert_int_equal(c->ipc_ns, -1);
	assert_string_equal(c->ipc_ns_path, "/proc/7/ns/ipc");
	assert_false(c->host_uts);
	assert_false(c->new_netns);
	assert_string_equal(c->netns_path, "/var/run/netns/x");
	assert_false(c->cgroup_ns);
	/* mounts: the standard ones are hull's own, /run and /data are made */
	assert_false(c->no_shm);
	assert_int_equal(c->shm_size, 1 << 20);
	assert_false(c->privileged_paths);
	assert_true(c->cgroup_mount);
	assert_false(c->cgroup_mount_rw);
	assert_int_equal(c->n_mounts, 2);
	assert_string_equal(c->mounts[0].target, "/run");
	assert_string_equal(c->mounts[0].type, "tmpfs");
	assert_string_equal(c->mounts[0].options, "nosuid,strictatime,mode=755,size=65536k");
	assert_string_equal(c->mounts[1].type, "bind");
	assert_string_equal(c->mounts[1].source, "/srv/data");
	assert_string_equal(c->mounts[1].options, "rbind,ro");
	/* devices and rules: the spec's, then runc's defaults */
	assert_int_equal(c->n_devices, 2);
	assert_int_equal(c->devices[0].major, 10);
	assert_int_equal(c->devices[0].mode, 0666);
	/* a FIFO: no numbers needed */
	assert_int_equal(c->devices[1].type, 'p');
	assert_int_equal(c->devices[1].mode, 0660);
	assert_int_equal(b->n_device_rules, 2 + n_def);
	assert_int_equal(b->device_rules[0].type, 'a');
	assert_false(b->device_rules[0].allow);
	assert_int_equal(b->device_rules[0].access, RT_DEV_RWM);
	assert_int_equal(b->device_rules[1].minor, 229);
	assert_int_equal(b->device_rules[1].access, RT_DEV_READ | RT_DEV_WRITE);
	/* resources */
	assert_true(b->has_resources);
	assert_int_equal(b->resources.memory, 64 << 20);
	assert_int_equal(b->resources.memory_swap, 128 << 20);
	assert_int_equal(b->resources.cpu_shares, 512);
	assert_int_equal(b->resources.cpu_quota, 50000);
	assert_int_equal(b->resources.cpu_period, 100000);
	assert_string_equal(b->resources.cpuset_cpus, "0");
	assert_int_equal(b->resources.pids_limit, 64);
	assert_int_equal(b->resources.blkio_weight, 300);
	assert_int_equal(b->resources.n_throttle, 1);
	assert_int_equal(b->resources.throttle[0].rate, 1048576);
	assert_string_equal(b->cgroups_path, "/default/c1");
	assert_non_null(b->seccomp);
	assert_string_equal(c->sysctls[0], "net.ipv4.ip_forward=1");
	assert_string_equal(c->masked_paths[0], "/proc/kcore");
	assert_string_equal(c->readonly_paths[0], "/proc/sys");
	/* hooks and annotations */
	assert_int_equal(b->n_hooks[RT_HOOK_PRESTART], 1);
	assert_string_equal(b->hooks[RT_HOOK_PRESTART][0].args[1], "x");
	assert_int_equal(b->hooks[RT_HOOK_PRESTART][0].timeout, 5);
	assert_int_equal(b->n_hooks[RT_HOOK_POSTSTOP], 1);
	assert_int_equal(b->n_hooks[RT_HOOK_CREATE_RUNTIME], 0);
	assert_string_equal(json_string_value(json_object_get(b->annotations, "a")), "b");
	rt_bundle_free(b);
}

/* The smallest spec: no capabilities means none, absent namespaces the host's. */
static void test_minimal(void **state)
{
	static const char min[] = "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"true\"],"
				  "\"cwd\":\"/\"},\"root\":{\"path\":\"/r\"},"
				  "\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]}}";
	struct rt_bundle *b = NULL;
	struct hull_err *e = NULL;

	(void) state;
	assert_int_equal(rt_bundle_parse(min, sizeof(min) - 1, "/b", &b, &e), 0);
	assert_string_equal(b->config.rootfs, "/r");
	assert_int_equal(b->config.capsets->bounding, 0);
	assert_int_equal(b->config.pid_ns, -1);
	assert_int_equal(b->config.ipc_ns, -1);
	assert_true(b->config.host_uts);
	assert_false(b->config.new_netns);
	assert_true(b->config.no_shm);
	assert_false(b->has_resources);
	assert_null(b->cgroups_path);
	assert_int_equal(json_object_size(b->annotations), 0);
	rt_bundle_free(b);

	/* a bind where the runtime makes a file system of its own goes over it, as with
	 * runc (-v /sys:/sys:ro); on /proc it is refused when mounted, with runc's message */
	{
		static const char binds[] =
			"{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[\"true\"],"
			"\"cwd\":\"/\"},\"root\":{\"path\":\"/r\"},\"mounts\":["
			"{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\","
			"\"options\":[\"ro\"]},"
			"{\"destination\":\"/sys\",\"type\":\"bind\",\"source\":\"/sys\","
			"\"options\":[\"rbind\",\"ro\"]},"
			"{\"destination\":\"/proc\",\"type\":\"bind\",\"source\":\"/d\"}],"
			"\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]}}";

		assert_int_equal(rt_bundle_parse(binds, sizeof(binds) - 1, "/b", &b, &e), 0);
		assert_false(b->config.privileged_paths);
		assert_int_equal(b->config.n_mounts, 2);
		assert_string_equal(b->config.mounts[0].target, "/sys");
		assert_string_equal(b->config.mounts[0].type, "bind");
		assert_string_equal(b->config.mounts[1].target, "/proc");
		rt_bundle_free(b);
	}
}

/* Each bad input fails with one message naming the field. */
static void test_bad(void **state)
{
	static const struct {
		const char *json;
		int code;
		const char *msg;
	} cases[] = {
		{"[]", EINVAL, "config.json: must be an object"},
		{"{\"ociVersion\":\"2.0\"}", EINVAL, "ociVersion"},
		{"{\"ociVersion\":\"1.1.0\"}", EINVAL, "process: is required"},
		{"{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[],\"cwd\":\"/\"}}", EINVAL,
		 "process.args"},
		{"{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[\"a\"],\"cwd\":\"x\"}}", EINVAL,
		 "process.cwd"},
		{"{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\"}}", EINVAL,
		 "root.path: is required"},
		{"{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\","
		 "\"terminal\":\"yes\"},\"root\":{\"path\":\"r\"}}",
		 EINVAL, "process.terminal: must be a boolean"},
		{"{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\","
		 "\"capabilities\":{\"bounding\":[\"CAP_NOPE\"]}},\"root\":{\"path\":\"r\"}}",
		 EINVAL, "process.capabilities.bounding: unknown capability \"CAP_NOPE\""},
		{"{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\","
		 "\"capabilities\":{\"ambient\":[\"KILL\"]}},\"root\":{\"path\":\"r\"}}",
		 EINVAL, "process.capabilities.ambient: unknown capability \"KILL\""},
		{"{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\","
		 "\"rlimits\":[{\"type\":\"RLIMIT_FOO\",\"soft\":1,\"hard\":1}]},"
		 "\"root\":{\"path\":\"r\"}}",
		 EINVAL, "process.rlimits[0].type: unknown limit \"RLIMIT_FOO\""},
		{"{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\","
		 "\"apparmorProfile\":\"docker-default\"},\"root\":{\"path\":\"r\"}}",
		 EOPNOTSUPP, "process.apparmorProfile: AppArmor is not supported"},
		{"{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\"},"
		 "\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{"
		 "\"type\":\"user\"}]}}",
		 EINVAL, "linux.uidMappings: a new user namespace needs uid mappings"},
		{"{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\"},"
		 "\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{"
		 "\"type\":\"user\"}],\"uidMappings\":[{\"containerID\":0,\"hostID\":100000,"
		 "\"size\":65536}]}}",
		 EINVAL, "linux.gidMappings: a new user namespace needs gid mappings"},
		{"{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\"},"
		 "\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],"
		 "\"uidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}]}}",
		 EINVAL, "linux.uidMappings: id mappings need a user namespace"},
		{"{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\"},"
		 "\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{"
		 "\"type\":\"user\","
		 "\"path\":\"/proc/9/ns/user\"}],"
		 "\"uidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}]}}",
		 EINVAL,
		 "linux.uidMappings: not allowed with a user namespace joined by path "
		 "('/proc/9/ns/user'"},
		{"{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\"},"
		 "\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{"
		 "\"type\":\"user\"}],"
		 "\"gidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}],"
		 "\"uidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":0}]}}",
		 EINVAL, "linux.uidMappings[0].size: must be at least 1"},
		{"{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\"},"
		 "\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{"
		 "\"type\":\"user\"}],"
		 "\"gidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}],"
		 "\"uidMappings\":[{\"containerID\":0,\"hostID\":4294967295,"
		 "\"size\":1}]}}",
		 EINVAL, "linux.uidMappings[0]: hostID 4294967295 + size 1 goes past the last id"},
		{"{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\"},"
		 "\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{"
		 "\"type\":\"user\"}],"
		 "\"gidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}],"
		 "\"uidMappings\":[{\"containerID\":4294967290,\"hostID\":1,"
		 "\"size\":6}]}}",
		 EINVAL, "linux.uidMappings[0]: containerID 4294967290 + size 6 goes past"},
		{"{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\"},"
		 "\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{"
		 "\"type\":\"user\"}],"
		 "\"gidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}],"
		 "\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":10},"
		 "{\"containerID\":5,\"hostID\":2000,\"size\":1}]}}",
		 EINVAL,
		 "linux.uidMappings[1]: its containerIDs overlap those of linux.uidMappings[0]"},
		{"{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\"},"
		 "\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{"
		 "\"type\":\"user\"}],"
		 "\"uidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}],"
		 "\"gidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":10},"
		 "{\"containerID\":10,\"hostID\":1009,\"size\":1}]}}",
		 EINVAL, "linux.gidMappings[1]: its hostIDs overlap those of linux.gidMappings[0]"},
		{"{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\"},"
		 "\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{"
		 "\"type\":\"user\"}],"
		 "\"gidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}],"
		 "\"uidMappings\":[{\"containerID\":1,\"hostID\":1000,\"size\":10}]}}",
		 EINVAL, "linux.uidMappings: containerID 0 must be mapped"},
		{"{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\"},"
		 "\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{"
		 "\"type\":\"user\"}],"
		 "\"gidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}],"
		 "\"uidMappings\":[{\"containerID\":0,\"hostID\":1000}]}}",
		 EINVAL, "linux.uidMappings[0]: containerID, hostID and size are required"},
		{"{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\"},"
		 "\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],"
		 "\"rootfsPropagation\":\"sideways\"}}",
		 EINVAL, "linux.rootfsPropagation: unknown propagation 'sideways'"},
		{"{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\"},"
		 "\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],"
		 "\"mountLabel\":7}}",
		 EINVAL, "linux.mountLabel: must be a string"},
		{"{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\"},"
		 "\"root\":{\"path\":\"r\"},\"mounts\":[{\"destination\":\"/cg\","
		 "\"type\":\"cgroup\",\"source\":\"cgroup\"}],"
		 "\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]}}",
		 EOPNOTSUPP, "mounts[0]: a mount of type 'cgroup' on '/cg'"},
		{"{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\"},"
		 "\"root\":{\"path\":\"r\"},\"mounts\":[{\"destination\":\"/x\","
		 "\"type\":\"bind\",\"source\":\"/y\",\"options\":[\"rbind\",\"rro\"]}],"
		 "\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]}}",
		 EOPNOTSUPP, "mounts[0].options: 'rro' is not supported"},
		{"{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\"},"
		 "\"root\":{\"path\":\"r\"},\"mounts\":[{\"destination\":\"x\"}],"
		 "\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]}}",
		 EINVAL, "mounts[0].destination"},
		{"{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\"},"
		 "\"root\":{\"path\":\"r\"},\"mounts\":[{\"destination\":\"/"
		 "\",\"type\":\"overlay\",\"source\":\"overlay\"}]}",
		 EINVAL, "mounts[0].options: an overlay needs lowerdir="},
		{"{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\"},"
		 "\"root\":{\"path\":\"r\"},\"mounts\":[{\"destination\":\"/"
		 "\",\"type\":\"overlay\",\"options\":[\"lowerdir=/l\",\"upperdir=/u\"]}]}",
		 EINVAL, "mounts[0].options: upperdir= and workdir= go together"},
		{"{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\"},"
		 "\"root\":{\"path\":\"r\"},\"mounts\":[{\"destination\":\"/"
		 "\",\"type\":\"overlay\",\"options\":[\"lowerdir=/l:rel\"]}]}",
		 EINVAL, "mounts[0].options: layer 'rel' is not absolute"},
		{"{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\"},"
		 "\"root\":{\"path\":\"r\"},\"mounts\":[{\"destination\":\"/"
		 "\",\"type\":\"overlay\",\"options\":[\"lowerdir=/l\"]},{\"destination\":\"/"
		 "\",\"type\":\"overlay\",\"options\":[\"lowerdir=/m\"]}]}",
		 EINVAL, "mounts[1]: a second overlay at '/'"},
		{"{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\"},"
		 "\"root\":{\"path\":\"r\"},\"mounts\":[{\"destination\":\"/"
		 "x\",\"type\":\"bind\",\"source\":\"/y\",\"options\":[\"x-hull.subpath=/etc\"]}]}",
		 EINVAL, "mounts[0].options: x-hull.subpath must be a relative path"},
		{"{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\"},"
		 "\"root\":{\"path\":\"r\"},\"mounts\":[{\"destination\":\"/"
		 "x\",\"type\":\"bind\",\"source\":\"/y\",\"options\":[\"x-hull.nope=1\"]}]}",
		 EINVAL, "mounts[0].options: unknown option 'x-hull.nope=1'"},
		{"{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\"},"
		 "\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],"
		 "\"resources\":{\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":1}]}}}",
		 EOPNOTSUPP, "linux.resources.hugepageLimits"},
		{"{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\"},"
		 "\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],"
		 "\"resources\":{\"memory\":{\"limit\":\"1g\"}}}}",
		 EINVAL, "linux.resources.memory.limit: must be an integer"},
		{"{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\"},"
		 "\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],"
		 "\"resources\":{\"devices\":[{\"allow\":true,\"access\":\"rx\"}]}}}",
		 EINVAL, "linux.resources.devices[0].access"},
		{"{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\"},"
		 "\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],"
		 "\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\","
		 "\"listenerPath\":\"/run/x.sock\"}}}",
		 EOPNOTSUPP, "linux.seccomp.listenerPath"},
		{"{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\"},"
		 "\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],"
		 "\"cgroupsPath\":\"system.slice:hull:x\"}}",
		 EINVAL, "linux.cgroupsPath"},
		{"{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\"},"
		 "\"root\":{\"path\":\"r\"},\"hooks\":{\"prestart\":[{\"path\":\"rel\"}]},"
		 "\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]}}",
		 EINVAL, "hooks.prestart[0].path"},
		{"{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\"},"
		 "\"root\":{\"path\":\"r\"},\"hostname\":\"h\","
		 "\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]}}",
		 EINVAL, "hostname: needs a uts namespace"},
		{"{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\"},"
		 "\"root\":{\"path\":\"r\"},\"windows\":{\"layerFolders\":[\"c\"]}}",
		 EOPNOTSUPP, "windows: only Linux containers"},
	};

	(void) state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rt_bundle *b = NULL;
		struct hull_err *e = NULL;
		int r = rt_bundle_parse(cases[i].json, strlen(cases[i].json), "/b", &b, &e);

		if (r != -cases[i].code || !e || !strstr(e->msg, cases[i].msg))
			fail_msg("case %zu: r=%d msg=%s", i, r, e ? e->msg : "(none)");
		assert_null(b);
		err_free(e);
	}
}

/* A spec with a new user namespace and @maps (the "linux" members) spliced in. */
static int parse_userns(const char *user, const char *maps, struct rt_bundle **ret,
			struct hull_err **err)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;

	(void) strbuf_addf(&sb,
			   "{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\","
			   "\"user\":%s},\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":["
			   "{\"type\":\"mount\"},{\"type\":\"user\"}],%s}}",
			   user, maps);
	return rt_bundle_parse(sb.buf, sb.len, "/b", ret, err);
}

/* @n ranges of one id each, @step apart from @base, as a JSON array of mappings. */
static char *many_ranges(size_t n, size_t base, size_t step)
{
	struct strbuf sb = STRBUF_INIT;

	(void) strbuf_adds(&sb, "[");
	for (size_t i = 0; i < n; i++)
		(void) strbuf_addf(&sb, "%s{\"containerID\":%zu,\"hostID\":%zu,\"size\":1}",
				   i ? "," : "", base + i * step, base + i * step);
	(void) strbuf_adds(&sb, "]");
	return strbuf_detach(&sb, NULL);
}

static void test_userns(void **state)
{
	static const char gmap[] =
		"\"gidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}]";
	struct rt_bundle *b = NULL;
	struct hull_err *e = NULL;
	_cleanup_free_ char *maps = NULL, *r340 = NULL, *r341 = NULL, *rbig = NULL;

	(void) state;
	/* several ranges, in any order */
	assert_int_equal(
		parse_userns("{\"uid\":1000,\"gid\":0}",
			     "\"uidMappings\":[{\"containerID\":1000,\"hostID\":300000,"
			     "\"size\":1},{\"containerID\":0,\"hostID\":200000,\"size\":1000}],"
			     "\"gidMappings\":[{\"containerID\":0,\"hostID\":200000,"
			     "\"size\":65536}]",
			     &b, &e),
		0);
	assert_true(b->config.new_userns);
	assert_null(b->config.user_ns_path);
	assert_int_equal(b->config.n_uid_map, 2);
	assert_int_equal(b->config.uid_map[0].container_id, 1000);
	assert_int_equal(b->config.uid_map[0].host_id, 300000);
	assert_int_equal(b->config.uid_map[1].size, 1000);
	assert_int_equal(b->config.n_gid_map, 1);
	assert_int_equal(b->config.gid_map[0].size, 65536);
	b = rt_bundle_free(b);

	/* the process's user must be mapped */
	assert_int_equal(parse_userns("{\"uid\":70000,\"gid\":0}",
				      "\"uidMappings\":[{\"containerID\":0,\"hostID\":100000,"
				      "\"size\":65536}],"
				      "\"gidMappings\":[{\"containerID\":0,\"hostID\":100000,"
				      "\"size\":65536}]",
				      &b, &e),
			 -EINVAL);
	assert_string_equal(e->msg, "process.user.uid: 70000 is not mapped by linux.uidMappings");
	e = err_free(e);

	/* the kernel's 340 ranges, and its one page */
	r340 = many_ranges(340, 0, 2);
	maps = xasprintf("\"uidMappings\":%s,%s", r340, gmap);
	assert_int_equal(parse_userns("{\"uid\":0,\"gid\":0}", maps, &b, &e), 0);
	assert_int_equal(b->config.n_uid_map, 340);
	b = rt_bundle_free(b);
	free(maps);
	r341 = many_ranges(341, 0, 2);
	maps = xasprintf("\"uidMappings\":%s,%s", r341, gmap);
	assert_int_equal(parse_userns("{\"uid\":0,\"gid\":0}", maps, &b, &e), -EINVAL);
	assert_string_equal(e->msg, "linux.uidMappings: 341 ranges, more than the kernel's 340");
	e = err_free(e);
	free(maps);
	rbig = many_ranges(300, 1000000000, 1000);
	maps = xasprintf("\"uidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":1},%s,%s",
			 rbig + 1, gmap);
	assert_int_equal(parse_userns("{\"uid\":0,\"gid\":0}", maps, &b, &e), -EINVAL);
	assert_non_null(strstr(e->msg, "more than the kernel reads (4095)"));
	e = err_free(e);
	assert_null(b);

	/* joined by path: no mappings needed */
	{
		static const char j[] =
			"{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\"},"
			"\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":[{\"type\":\"mount\"},"
			"{\"type\":\"user\",\"path\":\"/proc/9/ns/user\"}]}}";

		assert_int_equal(rt_bundle_parse(j, strlen(j), "/b", &b, &e), 0);
		assert_false(b->config.new_userns);
		assert_string_equal(b->config.user_ns_path, "/proc/9/ns/user");
		b = rt_bundle_free(b);
	}
}

static void test_process(void **state)
{
	static const char p[] = "{\"args\":[\"ps\"],\"cwd\":\"/\",\"terminal\":true,"
				"\"env\":[\"TERM=xterm\"],\"user\":{\"uid\":5,\"gid\":6}}";
	struct rt_bundle *b = NULL;
	struct hull_err *e = NULL;

	(void) state;
	assert_int_equal(rt_bundle_parse_process(p, sizeof(p) - 1, &b, &e), 0);
	assert_string_equal(b->config.args[0], "ps");
	assert_true(b->config.terminal);
	assert_int_equal(b->config.uid, 5);
	rt_bundle_free(b);
	assert_int_equal(rt_bundle_parse_process("{\"cwd\":\"/\"}", 11, &b, &e), -EINVAL);
	assert_non_null(strstr(e->msg, "process.args"));
	err_free(e);
}

static void test_resources(void **state)
{
	static const char res[] = "{\"memory\":{\"limit\":1048576},\"pids\":{\"limit\":-1}}";
	struct rt_bundle *b = NULL;
	struct hull_err *e = NULL;

	(void) state;
	assert_int_equal(rt_bundle_parse_resources(res, sizeof(res) - 1, &b, &e), 0);
	assert_true(b->has_resources);
	assert_int_equal(b->resources.memory, 1 << 20);
	assert_int_equal(b->resources.pids_limit, -1);
	assert_int_equal(b->resources.cpu_shares, 0);
	rt_bundle_free(b);
	assert_int_equal(rt_bundle_parse_resources("{\"unified\":{\"a\":\"b\"}}", 21, &b, &e),
			 -EOPNOTSUPP);
	assert_non_null(strstr(e->msg, "linux.resources.unified"));
	err_free(e);
	e = NULL;
	/* dockerd's specs carry "weight": 0, which runc takes as not set; 1-9 stay refused */
	static const char w0[] = "{\"blockIO\":{\"weight\":0}}";
	assert_int_equal(rt_bundle_parse_resources(w0, sizeof(w0) - 1, &b, &e), 0);
	assert_int_equal(b->resources.blkio_weight, 0);
	rt_bundle_free(b);
	static const char w5[] = "{\"blockIO\":{\"weight\":5}}";
	assert_int_equal(rt_bundle_parse_resources(w5, sizeof(w5) - 1, &b, &e), -EINVAL);
	assert_non_null(strstr(e->msg, "linux.resources.blockIO.weight: 5 is out of range"));
	err_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),	  cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_bad),	  cmocka_unit_test(test_process),
		cmocka_unit_test(test_resources), cmocka_unit_test(test_userns),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
