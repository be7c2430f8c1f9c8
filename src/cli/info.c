/* SPDX-License-Identifier: MIT */
/*
 * hull info [--format TEMPLATE]: docker info (docker/cli
 * cli/command/system/info.go over moby api/types system.Info). The fields a
 * daemon has and hull does not (goroutines, swarm, containerd and runc
 * commits) keep docker's names with the values of an engine that has none,
 * so that templates written for docker still evaluate; everything else is
 * read from this host and this store.
 */
#include <sys/statfs.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <dirent.h>
#include <linux/magic.h>
#include <unistd.h>
#include "cli/cli.h"
#include "registry/config.h"
#include "runtime/runtime.h"
#include "util/digest.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/strv.h"

/* ---- the types docker's template sees ---- */

static const struct tmpl_type t_slice = {.kind = TMPL_SLICE};
static const struct tmpl_type t_map = {.kind = TMPL_MAP};
static const struct tmpl_field plugins_fields[] = {
	{"Volume", &t_slice}, {"Network", &t_slice}, {"Authorization", &t_slice},
	{"Log", &t_slice},    {NULL, NULL},
};
static const struct tmpl_type t_plugins = {
	.kind = TMPL_STRUCT, .name = "system.PluginsInfo", .fields = plugins_fields};
static const struct tmpl_field registry_fields[] = {
	{"AllowNondistributableArtifactsCIDRs", &t_slice},
	{"AllowNondistributableArtifactsHostnames", &t_slice},
	{"InsecureRegistryCIDRs", &t_slice},
	{"IndexConfigs", &t_map},
	{"Mirrors", &t_slice},
	{NULL, NULL},
};
static const struct tmpl_type t_registry = {.kind = TMPL_STRUCT,
					    .name = "*registry.ServiceConfig",
					    .fields = registry_fields,
					    .pointer = true};
static const struct tmpl_field swarm_fields[] = {{"RemoteManagers", &t_slice}, {NULL, NULL}};
static const struct tmpl_type t_swarm = {
	.kind = TMPL_STRUCT, .name = "swarm.Info", .fields = swarm_fields};
static const struct tmpl_field client_fields[] = {
	{"Plugins", &t_slice}, {"Warnings", &t_slice}, {NULL, NULL}};
static const struct tmpl_type t_client = {.kind = TMPL_STRUCT,
					  .name = "*system.clientInfo",
					  .fields = client_fields,
					  .pointer = true};
static const struct tmpl_field info_fields[] = {
	{"DriverStatus", &t_slice},
	{"Plugins", &t_plugins},
	{"RegistryConfig", &t_registry},
	{"GenericResources", &t_slice},
	{"Labels", &t_slice},
	{"Runtimes", &t_map},
	{"Swarm", &t_swarm},
	{"SecurityOptions", &t_slice},
	{"Warnings", &t_slice},
	{"ClientInfo", &t_client},
	{"ServerErrors", &t_slice},
	{"ClientErrors", &t_slice},
	{NULL, NULL},
};
static const struct tmpl_type t_info = {
	.kind = TMPL_STRUCT, .name = "system.info", .fields = info_fields};

/* ---- what is read from the host ---- */

static bool exists(const char *p)
{
	return access(p, F_OK) == 0;
}

/* a v1 controller's file, or on cgroup v2 the unified hierarchy's */
static bool cg_has(bool v2, const char *v1, const char *unified)
{
	_cleanup_free_ char *p =
		v2 ? path_join("/sys/fs/cgroup", unified) : path_join("/sys/fs/cgroup", v1);
	return exists(p);
}

static bool sysctl_on(const char *path)
{
	_cleanup_free_ char *v = NULL;

	return read_file(path, 64, &v, NULL, NULL) == 0 && v[0] == '1';
}

/* /etc/os-release's KEY, unquoted; NULL when absent */
static char *os_release(const char *key)
{
	_cleanup_free_ char *text = NULL;
	size_t n = strlen(key);

	if (read_file("/etc/os-release", 65536, &text, NULL, NULL) < 0 &&
	    read_file("/usr/lib/os-release", 65536, &text, NULL, NULL) < 0)
		return NULL;
	for (char *l = text, *next; l && *l; l = next) {
		const char *v = l + n + 1;
		size_t len;

		next = strchr(l, '\n');
		if (next)
			*next++ = '\0';
		if (strncmp(l, key, n) != 0 || l[n] != '=')
			continue;
		len = strlen(v);
		if (len >= 2 && (v[0] == '"' || v[0] == '\'') && v[len - 1] == v[0])
			return xstrndup(v + 1, len - 2);
		return xstrdup(v);
	}
	return NULL;
}

/* moby's graphdriver backing filesystem names (daemon/graphdriver FsNames) */
static const char *fs_name(const char *path)
{
	struct statfs st;

	if (statfs(path, &st) < 0)
		return "unknown";
	switch ((unsigned long) st.f_type) {
	case EXT4_SUPER_MAGIC:
		return "extfs";
	case 0x58465342:
		return "xfs";
	case BTRFS_SUPER_MAGIC:
		return "btrfs";
	case TMPFS_MAGIC:
		return "tmpfs";
	case OVERLAYFS_SUPER_MAGIC:
		return "overlayfs";
	case 0x2fc12fc1:
		return "zfs";
	case NFS_SUPER_MAGIC:
		return "nfs";
	default:
		return "unknown";
	}
}

/* go-units BytesSize: binary units, 4 significant digits ("23.54GiB") */
static char *bytes_size(double size)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	size_t i = 0;

	while (size >= 1024 && i < ARRAY_SIZE(units) - 1) {
		size /= 1024;
		i++;
	}
	return xasprintf("%.4g%s", size, units[i]);
}

/*
 * The engine's ID: docker keeps a random one in its root; hull derives one from
 * the machine's id and the store's path, so that `info` writes nothing and the
 * same store on the same machine always answers the same.
 */
static char *engine_id(const char *root)
{
	_cleanup_free_ char *mid = NULL, *seed = NULL;
	char d[DIGEST_STR_LEN];
	const char *h;

	if (read_file("/etc/machine-id", 256, &mid, NULL, NULL) < 0)
		mid = xstrdup("");
	seed = xasprintf("hull-engine-id\n%s\n%s", mid, root);
	sha256_digest(seed, strlen(seed), d);
	h = d + strlen("sha256:");
	return xasprintf("%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
}

/* docker masks the password of a proxy URL (moby config.MaskCredentials) */
static char *proxy_env(const char *upper, const char *lower)
{
	const char *v = getenv(upper);
	const char *at, *scheme;

	if (!v || !*v)
		v = getenv(lower);
	if (!v)
		return xstrdup("");
	scheme = strstr(v, "://");
	at = strrchr(v, '@');
	if (scheme && at && at > scheme)
		return xasprintf("%.*sxxxxx:xxxxx%s", (int) (scheme + 3 - v), v, at);
	return xstrdup(v);
}

static json_t *strings(const char *const *v)
{
	json_t *a = json_array();

	for (; *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

static json_t *pair(const char *k, const char *v)
{
	json_t *a = json_array();

	json_array_append_new(a, json_string(k));
	json_array_append_new(a, json_string(v));
	return a;
}

/* the system.Info of this host and store, in docker's field order */
static int info_collect(struct cli *cl, json_t **ret, struct hull_err **err)
{
	static const char *const volume_plugins[] = {"local", NULL};
	static const char *const network_plugins[] = {"bridge", "host", "null", NULL};
	static const char *const log_plugins[] = {"json-file", "local", "none", NULL};
	_cleanup_(reg_config_freep) struct reg_config *rc = NULL;
	_cleanup_strv_ char **images = NULL;
	_cleanup_free_ char *os = NULL, *osver = NULL, *id = NULL, *self = NULL, *now = NULL;
	_cleanup_free_ char *hp = proxy_env("HTTP_PROXY", "http_proxy");
	_cleanup_free_ char *hps = proxy_env("HTTPS_PROXY", "https_proxy");
	_cleanup_free_ char *np = proxy_env("NO_PROXY", "no_proxy");
	struct container **l = NULL;
	struct store *s;
	struct utsname u;
	struct sysinfo si;
	char host[256] = "";
	long running = 0, paused = 0, total = 0, nfd = 0;
	bool v2 = rt_cgroup_is_v2();
	json_t *info, *plugins, *ds, *runtimes, *swarm, *commit, *client;
	DIR *d;

	if (cli_store(cl, &s, err) < 0 || container_list(s, &l, err) < 0 ||
	    store_image_list(s, &images, err) < 0) {
		container_list_free(l);
		return -1;
	}
	for (size_t i = 0; l[i]; i++) {
		total++;
		if (l[i]->state.status == CONTAINER_PAUSED)
			paused++;
		else if (container_is_running(l[i]))
			running++;
	}
	container_list_free(l);
	if (reg_config_load(&rc, err) < 0)
		return -1;
	if ((d = opendir("/proc/self/fd"))) {
		struct dirent *de;

		while ((de = readdir(d)))
			nfd += de->d_name[0] != '.';
		closedir(d);
		nfd--; /* the directory's own */
	}
	(void) uname(&u);
	(void) gethostname(host, sizeof(host) - 1);
	(void) sysinfo(&si);
	now = now_rfc3339();
	os = os_release("PRETTY_NAME");
	osver = os_release("VERSION_ID");
	id = engine_id(cl->root);
	self = realpath("/proc/self/exe", NULL);

	info = json_object();
	json_object_set_new(info, "ID", json_string(id));
	json_object_set_new(info, "Containers", json_integer(total));
	json_object_set_new(info, "ContainersRunning", json_integer(running));
	json_object_set_new(info, "ContainersPaused", json_integer(paused));
	json_object_set_new(info, "ContainersStopped", json_integer(total - running - paused));
	json_object_set_new(info, "Images", json_integer((json_int_t) strv_length(images)));
	/* hull's store: overlayfs over layer directories, as docker's overlay2 */
	json_object_set_new(info, "Driver", json_string("overlay2"));
	ds = json_array();
	json_array_append_new(ds, pair("Backing Filesystem", fs_name(cl->root)));
	json_array_append_new(ds, pair("Supports d_type", "true"));
	json_array_append_new(ds, pair("Native Overlay Diff", "true"));
	json_array_append_new(ds, pair("userxattr", "false"));
	json_object_set_new(info, "DriverStatus", ds);
	plugins = json_object();
	json_object_set_new(plugins, "Volume", strings(volume_plugins));
	json_object_set_new(plugins, "Network", strings(network_plugins));
	json_object_set_new(plugins, "Authorization", json_null());
	json_object_set_new(plugins, "Log", strings(log_plugins));
	json_object_set_new(info, "Plugins", plugins);
	json_object_set_new(info, "MemoryLimit",
			    json_boolean(cg_has(v2, "memory/memory.limit_in_bytes", "memory.max") ||
					 cg_has(v2, "memory", "cgroup.controllers")));
	json_object_set_new(
		info, "SwapLimit",
		json_boolean(cg_has(v2, "memory/memory.memsw.limit_in_bytes", "memory.swap.max") ||
			     (v2 && cg_has(v2, "", "cgroup.controllers"))));
	json_object_set_new(
		info, "KernelMemory",
		json_boolean(!v2 && cg_has(v2, "memory/memory.kmem.limit_in_bytes", "")));
	json_object_set_new(
		info, "KernelMemoryTCP",
		json_boolean(!v2 && cg_has(v2, "memory/memory.kmem.tcp.limit_in_bytes", "")));
	json_object_set_new(info, "CpuCfsPeriod",
			    json_boolean(v2 || cg_has(v2, "cpu/cpu.cfs_period_us", "")));
	json_object_set_new(info, "CpuCfsQuota",
			    json_boolean(v2 || cg_has(v2, "cpu/cpu.cfs_quota_us", "")));
	json_object_set_new(info, "CPUShares",
			    json_boolean(v2 || cg_has(v2, "cpu/cpu.shares", "")));
	json_object_set_new(info, "CPUSet",
			    json_boolean(v2 || cg_has(v2, "cpuset/cpuset.cpus", "")));
	json_object_set_new(info, "PidsLimit", json_boolean(v2 || cg_has(v2, "pids", "")));
	json_object_set_new(info, "IPv4Forwarding",
			    json_boolean(sysctl_on("/proc/sys/net/ipv4/ip_forward")));
	json_object_set_new(
		info, "BridgeNfIptables",
		json_boolean(sysctl_on("/proc/sys/net/bridge/bridge-nf-call-iptables")));
	json_object_set_new(
		info, "BridgeNfIp6tables",
		json_boolean(sysctl_on("/proc/sys/net/bridge/bridge-nf-call-ip6tables")));
	json_object_set_new(info, "Debug", json_false());
	json_object_set_new(info, "NFd", json_integer(nfd));
	json_object_set_new(info, "OomKillDisable",
			    json_boolean(!v2 && cg_has(v2, "memory/memory.oom_control", "")));
	/* no daemon: no goroutines, no event listeners */
	json_object_set_new(info, "NGoroutines", json_integer(0));
	json_object_set_new(info, "SystemTime", json_string(now));
	json_object_set_new(info, "LoggingDriver", json_string("json-file"));
	json_object_set_new(info, "CgroupDriver", json_string("cgroupfs"));
	json_object_set_new(info, "CgroupVersion", json_string(v2 ? "2" : "1"));
	json_object_set_new(info, "NEventsListener", json_integer(0));
	json_object_set_new(info, "KernelVersion", json_string(u.release));
	json_object_set_new(info, "OperatingSystem", json_string(os ? os : "Linux"));
	json_object_set_new(info, "OSVersion", json_string(osver ? osver : ""));
	json_object_set_new(info, "OSType", json_string("linux"));
	json_object_set_new(info, "Architecture", json_string(u.machine));
	json_object_set_new(info, "IndexServerAddress", json_string("https://index.docker.io/v1/"));
	json_object_set_new(info, "RegistryConfig", reg_config_describe(rc));
	json_object_set_new(info, "NCPU", json_integer(sysconf(_SC_NPROCESSORS_ONLN)));
	json_object_set_new(info, "MemTotal",
			    json_integer((json_int_t) si.totalram * (json_int_t) si.mem_unit));
	json_object_set_new(info, "GenericResources", json_null());
	json_object_set_new(info, "DockerRootDir", json_string(cl->root));
	json_object_set_new(info, "HttpProxy", json_string(hp));
	json_object_set_new(info, "HttpsProxy", json_string(hps));
	json_object_set_new(info, "NoProxy", json_string(np));
	json_object_set_new(info, "Name", json_string(host));
	json_object_set_new(info, "Labels", json_array());
	json_object_set_new(info, "ExperimentalBuild", json_false());
	json_object_set_new(info, "ServerVersion", json_string(HULL_VERSION));
	runtimes = json_object();
	json_object_set_new(runtimes, "hull", json_pack("{s:s}", "path", self ? self : "hull"));
	json_object_set_new(info, "Runtimes", runtimes);
	json_object_set_new(info, "DefaultRuntime", json_string("hull"));
	swarm = json_pack("{s:s,s:s,s:s,s:b,s:s,s:n}", "NodeID", "", "NodeAddr", "",
			  "LocalNodeState", "inactive", "ControlAvailable", 0, "Error", "",
			  "RemoteManagers");
	json_object_set_new(info, "Swarm", swarm);
	/* each container keeps a monitor of its own: they outlive any hull command */
	json_object_set_new(info, "LiveRestoreEnabled", json_true());
	json_object_set_new(info, "Isolation", json_string(""));
	json_object_set_new(info, "InitBinary", json_string("hull-init"));
	commit = json_pack("{s:s,s:s}", "ID", "", "Expected", "");
	json_object_set_new(info, "ContainerdCommit", json_deep_copy(commit));
	json_object_set_new(info, "RuncCommit", json_deep_copy(commit));
	json_object_set_new(info, "InitCommit", commit);
	json_object_set_new(info, "SecurityOptions",
			    v2 ? json_pack("[s,s]", "name=seccomp,profile=builtin", "name=cgroupns")
			       : json_pack("[s]", "name=seccomp,profile=builtin"));
	json_object_set_new(info, "Warnings", json_null());
	client = json_pack("{s:b,s:s,s:[],s:n}", "Debug", 0, "Context", "default", "Plugins",
			   "Warnings");
	json_object_set_new(info, "ClientInfo", client);
	*ret = info;
	return 0;
}

/* ---- docker's text (prettyPrintInfo) ---- */

static long long jint(json_t *o, const char *key)
{
	return (long long) json_integer_value(json_object_get(o, key));
}

static void print_list(struct strbuf *o, json_t *a, const char *sep)
{
	size_t i;
	json_t *x;

	json_array_foreach (a, i, x)
		(void) strbuf_addf(o, "%s%s", i ? sep : "", json_string_value(x));
}

static void print_info(json_t *in)
{
	_cleanup_strbuf_ struct strbuf o = STRBUF_INIT;
	_cleanup_free_ char *mem = bytes_size((double) jint(in, "MemTotal"));
	json_t *plugins = json_object_get(in, "Plugins"),
	       *reg = json_object_get(in, "RegistryConfig");
	json_t *x, *hub;
	const char *k;
	size_t i;

	(void) strbuf_addf(&o, "Client:\n Context:    default\n Debug Mode: false\n\nServer:\n");
	(void) strbuf_addf(&o,
			   " Containers: %lld\n  Running: %lld\n  Paused: %lld\n  Stopped: %lld\n",
			   jint(in, "Containers"), jint(in, "ContainersRunning"),
			   jint(in, "ContainersPaused"), jint(in, "ContainersStopped"));
	(void) strbuf_addf(&o, " Images: %lld\n Server Version: %s\n Storage Driver: %s\n",
			   jint(in, "Images"), json_get_str(in, "ServerVersion"),
			   json_get_str(in, "Driver"));
	json_array_foreach (json_object_get(in, "DriverStatus"), i, x)
		(void) strbuf_addf(&o, "  %s: %s\n", json_string_value(json_array_get(x, 0)),
				   json_string_value(json_array_get(x, 1)));
	(void) strbuf_addf(&o, " Logging Driver: %s\n Cgroup Driver: %s\n Cgroup Version: %s\n",
			   json_get_str(in, "LoggingDriver"), json_get_str(in, "CgroupDriver"),
			   json_get_str(in, "CgroupVersion"));
	(void) strbuf_addf(&o, " Plugins:\n  Volume: ");
	print_list(&o, json_object_get(plugins, "Volume"), " ");
	(void) strbuf_addf(&o, "\n  Network: ");
	print_list(&o, json_object_get(plugins, "Network"), " ");
	(void) strbuf_addf(&o, "\n  Log: ");
	print_list(&o, json_object_get(plugins, "Log"), " ");
	(void) strbuf_addf(&o, "\n Swarm: inactive\n Runtimes:");
	json_object_foreach (json_object_get(in, "Runtimes"), k, x)
		(void) strbuf_addf(&o, " %s", k);
	(void) strbuf_addf(&o, "\n Default Runtime: %s\n Init Binary: %s\n Security Options:\n",
			   json_get_str(in, "DefaultRuntime"), json_get_str(in, "InitBinary"));
	json_array_foreach (json_object_get(in, "SecurityOptions"), i, x) {
		const char *so = json_string_value(x);

		if (streq(so, "name=seccomp,profile=builtin"))
			(void) strbuf_addf(&o, "  seccomp\n   Profile: builtin\n");
		else if (startswith(so, "name="))
			(void) strbuf_addf(&o, "  %s\n", so + 5);
	}
	(void) strbuf_addf(&o,
			   " Kernel Version: %s\n Operating System: %s\n OSType: %s\n"
			   " Architecture: %s\n CPUs: %lld\n Total Memory: %s\n Name: %s\n ID: %s\n"
			   " Docker Root Dir: %s\n Debug Mode: false\n",
			   json_get_str(in, "KernelVersion"), json_get_str(in, "OperatingSystem"),
			   json_get_str(in, "OSType"), json_get_str(in, "Architecture"),
			   jint(in, "NCPU"), mem, json_get_str(in, "Name"), json_get_str(in, "ID"),
			   json_get_str(in, "DockerRootDir"));
	if (*json_get_str(in, "HttpProxy"))
		(void) strbuf_addf(&o, " HTTP Proxy: %s\n", json_get_str(in, "HttpProxy"));
	if (*json_get_str(in, "HttpsProxy"))
		(void) strbuf_addf(&o, " HTTPS Proxy: %s\n", json_get_str(in, "HttpsProxy"));
	if (*json_get_str(in, "NoProxy"))
		(void) strbuf_addf(&o, " No Proxy: %s\n", json_get_str(in, "NoProxy"));
	(void) strbuf_addf(&o, " Registry: %s\n Labels:\n Experimental: false\n",
			   json_get_str(in, "IndexServerAddress"));
	(void) strbuf_addf(&o, " Insecure Registries:\n");
	json_object_foreach (json_object_get(reg, "IndexConfigs"), k, x)
		if (!json_is_true(json_object_get(x, "Secure")))
			(void) strbuf_addf(&o, "  %s\n", k);
	json_array_foreach (json_object_get(reg, "InsecureRegistryCIDRs"), i, x)
		(void) strbuf_addf(&o, "  %s\n", json_string_value(x));
	hub = json_object_get(reg, "Mirrors");
	if (json_array_size(hub)) {
		(void) strbuf_addf(&o, " Registry Mirrors:\n");
		json_array_foreach (hub, i, x)
			(void) strbuf_addf(&o, "  %s\n", json_string_value(x));
	}
	(void) strbuf_addf(&o, " Live Restore Enabled: %s\n\n",
			   json_is_true(json_object_get(in, "LiveRestoreEnabled")) ? "true"
										   : "false");
	fputs(strbuf_cstr(&o), stdout);
}

const struct cli_command cli_info_command = {
	.name = "info",
	.usage = "[OPTIONS]",
	.description = "Display system-wide information",
	.aliases = "hull system info, hull info",
};

int cmd_info(struct cli *cl, int argc, char **argv)
{
	const char *format = NULL;
	const struct cli_option options[] = {
		CLI_STRING('f', "format", &format, NULL,
			   "Format output using a custom template: 'json', 'TEMPLATE'"),
		CLI_OPT_END,
	};
	_cleanup_json_ json_t *info = NULL;
	_cleanup_tmpl_ struct tmpl *t = NULL;
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT;
	struct hull_err *e = NULL;
	int r, ind;

	r = cli_parse(&cli_info_command, options, argc, argv, &ind);
	if (r >= 0)
		return r;
	if (info_collect(cl, &info, &e) < 0)
		return cli_fail(e);
	if (!format) {
		print_info(info);
		return 0;
	}
	if (streq(format, "json"))
		format = "{{json .}}"; /* docker >= 23's shorthand */
	/* docker info prints the template's error as it is, exit 1 */
	if (tmpl_parse(format, &t, &e) < 0 ||
	    tmpl_execute(t, info, &t_info, 0, NULL, &out, &e) < 0) {
		fprintf(stderr, "%s\n", e->msg);
		err_free(e);
		return 1;
	}
	puts(strbuf_cstr(&out));
	return 0;
}
