/* SPDX-License-Identifier: MIT */
/*
 * Network records and what `hull network` does with them (container/network.h).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <net/if.h>
#include <sys/file.h>
#include <sys/stat.h>
#include "container/container.h"
#include "container/internal.h"
#include "container/network.h"
#include "util/fs.h"
#include "util/events.h"
#include "util/json.h"
#include "util/strv.h"

#define RECORD_MAX    (1 << 20)
#define BRIDGE_OPTION "com.docker.network.bridge.name"
#define MTU_OPTION    "com.docker.network.driver.mtu"

bool network_is_predefined(const char *name)
{
	return streq(name, "bridge") || streq(name, "host") || streq(name, "none");
}

static char *networks_dir(struct store *s)
{
	return path_join(s->root, "networks");
}

/* flock @dir/lock (made if missing) into *@ret_fd. */
static int lock_in(const char *dir, mode_t mode, int *ret_fd, struct hull_err **err)
{
	_cleanup_free_ char *path = path_join(dir, "lock");
	int fd, r;

	r = mkdir_p(dir, mode, err);
	if (r < 0)
		return r;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_set(err, errno, "open '%s'", path);
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			r = err_set(err, errno, "lock '%s'", path);
			close(fd);
			return r;
		}
	}
	*ret_fd = fd;
	return 0;
}

/* The networks lock: serialises record writes, removals and address reservations. */
/* moby's network events: Actor.ID the network's id, attributes its name and type (driver). */
static void network_event(struct store *s, json_t *rec, const char *action)
{
	events_emit(s->root, "network", action, json_get_str(rec, "Id"),
		    json_pack("{s:s,s:s}", "name", json_get_str(rec, "Name") ?: "", "type",
			      json_get_str(rec, "Driver") ?: "bridge"));
}

void network_container_event(struct store *s, const char *action, const char *net_id,
			     const char *net_name, const char *type, const char *ctr_id)
{
	events_emit(
		s->root, "network", action, net_id,
		json_pack("{s:s,s:s,s:s}", "container", ctr_id, "name", net_name, "type", type));
}

json_t *network_attached(struct store *s, json_t *rec, bool first_up)
{
	const char *mode = container_net_mode(rec).name;
	json_t *out = json_array(), *ep;
	const char *k;

	if (first_up && network_is_predefined(mode)) {
		_cleanup_json_ json_t *net = NULL;

		if (network_find(s, mode, &net, NULL) == 0)
			json_array_append_new(out,
					      json_pack("[s,s,s]", json_get_str(net, "Id"), mode,
							json_get_str(net, "Driver") ?: "bridge"));
	}
	json_object_foreach (json_object_get(json_object_get(rec, "NetworkSettings"), "Networks"),
			     k, ep) {
		if (isempty(json_get_str(ep, "NetworkID")) ||
		    isempty(json_get_str(ep, "IPAddress")) || (streq(k, mode) && !first_up))
			continue;
		/* every network an endpoint can have is a bridge network */
		json_array_append_new(
			out, json_pack("[s,s,s]", json_get_str(ep, "NetworkID"), k, "bridge"));
	}
	return out;
}

void network_attached_events(struct store *s, const char *ctr_id, json_t *list, const char *action)
{
	json_t *v;
	size_t i;

	json_array_foreach (list, i, v)
		network_container_event(s, action, json_string_value(json_array_get(v, 0)),
					json_string_value(json_array_get(v, 1)),
					json_string_value(json_array_get(v, 2)), ctr_id);
}

static int networks_lock(struct store *s, int *ret_fd, struct hull_err **err)
{
	_cleanup_free_ char *dir = networks_dir(s);

	return lock_in(dir, 0700, ret_fd, err);
}

static int record_write(struct store *s, json_t *rec, struct hull_err **err)
{
	_cleanup_free_ char *dir = networks_dir(s);
	_cleanup_free_ char *path = xasprintf("%s/%s.json", dir, json_get_str(rec, "Id"));

	return json_dump_path(rec, path, err);
}

static json_t *record_new(const char *name, const char *driver, const char *subnet,
			  const char *gateway, bool internal, json_t *options, json_t *labels,
			  const char *bridge, bool user_subnet)
{
	char id[65];
	_cleanup_free_ char *now = now_rfc3339();
	json_t *config = json_array(), *rec;

	random_hex(id, 32);
	if (subnet)
		json_array_append_new(config,
				      json_pack("{s:s,s:s}", "Subnet", subnet, "Gateway", gateway));
	rec = json_pack("{s:s,s:s,s:s,s:s,s:s,s:b,s:{s:s,s:o,s:o},s:b,s:b,s:b,s:{s:s},s:b,s:o,s:o}",
			"Name", name, "Id", id, "Created", now, "Scope", "local", "Driver", driver,
			"EnableIPv6", 0, "IPAM", "Driver", "default", "Options",
			network_is_predefined(name) ? json_null() : json_object(), "Config", config,
			"Internal", internal, "Attachable", 0, "Ingress", 0, "ConfigFrom",
			"Network", "", "ConfigOnly", 0, "Options",
			options ? options : json_object(), "Labels",
			labels ? labels : json_object());
	if (!rec)
		abort();
	if (bridge)
		json_object_set_new(
			rec, "Hull",
			json_pack("{s:s,s:b}", "Bridge", bridge, "UserSubnet", user_subnet));
	return rec;
}

/* hull0 as docker shows docker0's options (moby daemon/daemon_unix.go initBridgeDriver). */
static json_t *predefined_new(const char *name)
{
	if (streq(name, "bridge")) {
		json_t *opts = json_pack(
			"{s:s,s:s,s:s,s:s,s:s,s:s}", "com.docker.network.bridge.default_bridge",
			"true", "com.docker.network.bridge.enable_icc", "true",
			"com.docker.network.bridge.enable_ip_masquerade", "true",
			"com.docker.network.bridge.host_binding_ipv4", "0.0.0.0", BRIDGE_OPTION,
			NET_BRIDGE_NAME, "com.docker.network.driver.mtu", "1500");
		_cleanup_free_ char *subnet = xasprintf("10.89.0.0/%d", NET_PREFIXLEN);
		return record_new(name, "bridge", subnet, NET_GATEWAY, false, opts, NULL,
				  NET_BRIDGE_NAME, true);
	}
	return record_new(name, streq(name, "host") ? "host" : "null", NULL, NULL, false, NULL,
			  NULL, NULL, false);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(json_get_str(*(json_t *const *) a, "Name"),
		      json_get_str(*(json_t *const *) b, "Name"));
}

/* Every record, sorted by name; the predefined ones are made when missing (caller locks). */
static int load_all(struct store *s, json_t **ret, struct hull_err **err)
{
	static const char *const predefined[] = {"bridge", "host", "none"};
	_cleanup_free_ char *dir = networks_dir(s);
	_cleanup_free_ json_t **v = NULL;
	_cleanup_json_ json_t *arr = json_array();
	bool have[3] = {false, false, false};
	struct dirent *de;
	size_t n = 0;
	DIR *d;
	int r;

	d = opendir(dir);
	if (!d && errno != ENOENT)
		return err_set(err, errno, "open '%s'", dir);
	while (d && (de = readdir(d))) {
		_cleanup_free_ char *path = NULL;
		size_t len = strlen(de->d_name);
		json_t *rec = NULL;

		if (len != 64 + 5 || !streq(de->d_name + 64, ".json"))
			continue;
		path = path_join(dir, de->d_name);
		if (json_load_path(path, RECORD_MAX, &rec, NULL) < 0)
			continue; /* removed meanwhile */
		if (!json_get_str(rec, "Name") || !json_get_str(rec, "Id")) {
			json_decref(rec);
			continue;
		}
		for (size_t i = 0; i < ARRAY_SIZE(predefined); i++)
			have[i] |= streq(json_get_str(rec, "Name"), predefined[i]);
		json_array_append_new(arr, rec);
	}
	if (d)
		closedir(d);
	for (size_t i = 0; i < ARRAY_SIZE(predefined); i++) {
		json_t *rec;

		if (have[i])
			continue;
		rec = predefined_new(predefined[i]);
		r = record_write(s, rec, err);
		if (r < 0) {
			json_decref(rec);
			return r;
		}
		json_array_append_new(arr, rec);
	}
	n = json_array_size(arr);
	v = xcalloc(n ? n : 1, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(arr, i));
	qsort(v, n, sizeof(*v), name_cmp);
	*ret = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(*ret, v[i]);
	return 0;
}

static int list_locked(struct store *s, json_t **ret, struct hull_err **err)
{
	_cleanup_close_ int lfd = -1;
	int r;

	r = networks_lock(s, &lfd, err);
	if (r < 0)
		return r;
	return load_all(s, ret, err);
}

int network_list(struct store *s, json_t **ret, struct hull_err **err)
{
	return list_locked(s, ret, err);
}

/* Find @ref in @all (moby FindNetwork: full id, name, unique id prefix); borrowed or NULL. */
static json_t *find_in(json_t *all, const char *ref, bool *ret_ambiguous)
{
	json_t *v, *hit = NULL;
	size_t i, n = 0;

	*ret_ambiguous = false;
	if (isempty(ref))
		return NULL;
	json_array_foreach (all, i, v)
		if (streq(json_get_str(v, "Id"), ref))
			return v;
	json_array_foreach (all, i, v)
		if (streq(json_get_str(v, "Name"), ref))
			return v;
	json_array_foreach (all, i, v)
		if (startswith(json_get_str(v, "Id"), ref)) {
			hit = v;
			n++;
		}
	*ret_ambiguous = n > 1;
	return n == 1 ? hit : NULL;
}

static int find_locked(struct store *s, const char *ref, json_t **ret, struct hull_err **err)
{
	_cleanup_json_ json_t *all = NULL;
	bool ambiguous;
	json_t *v;
	int r;

	r = load_all(s, &all, err);
	if (r < 0)
		return r;
	v = find_in(all, ref, &ambiguous);
	if (ambiguous)
		return err_setx(err, EINVAL, "network %s is ambiguous", ref);
	if (!v)
		return err_setx(err, ENOENT, "network %s not found", ref);
	*ret = json_incref(v);
	return 0;
}

/* Take the networks lock (*@ret_lfd, caller closes) and find @ref. */
static int lock_find(struct store *s, const char *ref, int *ret_lfd, json_t **ret,
		     struct hull_err **err)
{
	int r;

	r = networks_lock(s, ret_lfd, err);
	if (r < 0)
		return r;
	return find_locked(s, ref, ret, err);
}

int network_find(struct store *s, const char *ref, json_t **ret, struct hull_err **err)
{
	_cleanup_close_ int lfd = -1;

	return lock_find(s, ref, &lfd, ret, err);
}

/* The IPv6 entry of @rec's IPAM.Config (borrowed), NULL if none. */
static json_t *network_config6(json_t *rec)
{
	json_t *c;
	size_t i;

	json_array_foreach (json_object_get(json_object_get(rec, "IPAM"), "Config"), i, c)
		if (strchr(json_get_str(c, "Subnet") ?: "", ':'))
			return c;
	return NULL;
}

int network_bridge(json_t *rec, struct net_bridge *ret)
{
	json_t *cfg = json_array_get(json_object_get(json_object_get(rec, "IPAM"), "Config"), 0);
	const char *id = json_get_str(rec, "Id");
	const char *br = json_get_str(json_object_get(rec, "Hull"), "Bridge");
	const char *subnet = json_get_str(cfg, "Subnet");
	const char *gw = json_get_str(cfg, "Gateway");
	struct net_bridge b = {0};

	if (!id || strlen(id) != 64 || !br || strlen(br) >= sizeof(b.name) || !subnet || !gw ||
	    net_cidr_parse(subnet, &b.subnet, &b.prefixlen) < 0 ||
	    inet_pton(AF_INET, gw, &b.gateway) != 1 || b.prefixlen < 8 || b.prefixlen > 30)
		return -EINVAL;
	if (!isempty(json_get_str(cfg, "IPRange")) &&
	    (net_cidr_parse(json_get_str(cfg, "IPRange"), &b.range, &b.range_prefixlen) < 0 ||
	     b.range_prefixlen < b.prefixlen))
		return -EINVAL;
	memcpy(b.id, id, 65);
	memcpy(b.name, br, strlen(br) + 1);
	b.internal = json_is_true(json_object_get(rec, "Internal"));
	{
		/* validated at create: a bad value in a damaged record is the kernel's default */
		const char *mtu = json_get_str(json_object_get(rec, "Options"), MTU_OPTION);
		long v = mtu ? strtol(mtu, NULL, 10) : 0;

		b.mtu = v >= 68 && v <= 65535 ? (unsigned) v : 0;
	}
	if (json_is_true(json_object_get(rec, "EnableIPv6"))) {
		json_t *c6 = network_config6(rec);
		const char *rg = json_get_str(c6, "IPRange");

		if (!c6 ||
		    net_cidr6_parse(json_get_str(c6, "Subnet") ?: "", &b.subnet6, &b.prefixlen6) <
			    0 ||
		    inet_pton(AF_INET6, json_get_str(c6, "Gateway") ?: "", &b.gateway6) != 1 ||
		    b.prefixlen6 < 48 || b.prefixlen6 > 126)
			return -EINVAL;
		if (!isempty(rg) && (net_cidr6_parse(rg, &b.range6, &b.range6_prefixlen) < 0 ||
				     b.range6_prefixlen < b.prefixlen6))
			return -EINVAL;
		b.ipv6 = true;
	}
	*ret = b;
	return 0;
}

/* Whether @a/@pa overlaps a network of @all (its IPAM subnets). */
static bool overlaps_network(json_t *all, struct in_addr a, unsigned pa)
{
	json_t *v, *c;
	size_t i, k;

	json_array_foreach (all, i, v)
		json_array_foreach (json_object_get(json_object_get(v, "IPAM"), "Config"), k, c) {
			struct in_addr b;
			unsigned pb;
			const char *sn = json_get_str(c, "Subnet");
			if (sn && net_cidr_parse(sn, &b, &pb) == 0 &&
			    net_subnets_overlap(a, pa, b, pb))
				return true;
		}
	return false;
}

/* Whether the IPv6 @a/@pa overlaps an IPv6 subnet of a network of @all. */
static bool overlaps_network6(json_t *all, const struct in6_addr *a, unsigned pa)
{
	json_t *v, *c;
	size_t i, k;

	json_array_foreach (all, i, v)
		json_array_foreach (json_object_get(json_object_get(v, "IPAM"), "Config"), k, c) {
			struct in6_addr b;
			unsigned pb;
			const char *sn = json_get_str(c, "Subnet");
			if (sn && net_cidr6_parse(sn, &b, &pb) == 0 &&
			    net_subnets6_overlap(a, pa, &b, pb))
				return true;
		}
	return false;
}

/*
 * The IPv6 half of create_config(): --subnet (required: hull has no default IPv6 pools, as
 * docker 20.10 has none), --gateway (the subnet's first host address when absent) and
 * --ip-range of that family (caller locks).
 */
static int create_config6(json_t *all, const struct network_opts *o, struct net_bridge *b,
			  struct hull_err **err)
{
	char buf[INET6_ADDRSTRLEN];
	int r;

	if ((o->gateway6 || o->ip_range6) && !o->subnet6)
		return err_setx(err, EINVAL,
				"every ip-range or gateway must have a corresponding subnet");
	if (!o->subnet6)
		/* moby libnetwork/ipam getPredefinedPool, with no IPv6 pool configured */
		return err_setx(err, ENOSPC,
				"could not find an available, non-overlapping IPv6 address pool "
				"among the defaults to assign to the network");
	if (net_cidr6_parse(o->subnet6, &b->subnet6, &b->prefixlen6) < 0)
		return err_setx(err, EINVAL, "invalid CIDR address: %s", o->subnet6);
	if (b->prefixlen6 < 48 || b->prefixlen6 > 126)
		return err_setx(err, EINVAL,
				"invalid subnet %s: hull takes IPv6 prefix lengths 48 to 126",
				o->subnet6);
	if (net_in6_host_bits(&b->subnet6, b->prefixlen6)) {
		struct in6_addr m = b->subnet6;
		for (unsigned i = 0; i < 16; i++) {
			unsigned p = b->prefixlen6 > i * 8 ? b->prefixlen6 - i * 8 : 0;
			m.s6_addr[i] &= (uint8_t) (p >= 8 ? 0xff : ~(0xff >> p));
		}
		inet_ntop(AF_INET6, &m, buf, sizeof(buf));
		return err_setx(err, EINVAL, "invalid subnet %s: it should be %s/%u", o->subnet6,
				buf, b->prefixlen6);
	}
	{
		/* loopback, link-local, multicast: no bridge may take them */
		static const char *const reserved[] = {"::1/128", "fe80::/10", "ff00::/8", "::/96"};
		for (size_t i = 0; i < ARRAY_SIZE(reserved); i++) {
			struct in6_addr ra;
			unsigned rp;
			(void) net_cidr6_parse(reserved[i], &ra, &rp);
			if (net_subnets6_overlap(&b->subnet6, b->prefixlen6, &ra, rp))
				return err_setx(err, EINVAL, "invalid subnet %s: it overlaps %s",
						o->subnet6, reserved[i]);
		}
	}
	r = net_host_routes6_overlap(&b->subnet6, b->prefixlen6);
	if (overlaps_network6(all, &b->subnet6, b->prefixlen6) || r > 0)
		return err_setx(err, EEXIST, "Pool overlaps with other one on this address space");
	if (o->ip_range6) {
		unsigned rp;

		if (net_cidr6_parse(o->ip_range6, &b->range6, &rp) < 0)
			return err_setx(err, EINVAL, "invalid CIDR address: %s", o->ip_range6);
		if (!net_subnets6_overlap(&b->range6, rp > b->prefixlen6 ? rp : b->prefixlen6,
					  &b->subnet6, b->prefixlen6) ||
		    !net_subnets6_overlap(&b->range6, b->prefixlen6, &b->subnet6, b->prefixlen6))
			return err_setx(err, EINVAL, "no matching subnet for range %s",
					o->ip_range6);
		if (rp < b->prefixlen6)
			return err_setx(
				err, EINVAL,
				"invalid network config:\ninvalid ip-range %s: CIDR block is "
				"bigger than its parent subnet %s",
				o->ip_range6, o->subnet6);
		if (net_in6_host_bits(&b->range6, rp))
			return err_setx(err, EINVAL,
					"invalid network config:\ninvalid ip-range %s: it has host "
					"bits set",
					o->ip_range6);
		b->range6_prefixlen = rp;
	}
	if (o->gateway6) {
		if (!strchr(o->gateway6, ':') ||
		    inet_pton(AF_INET6, o->gateway6, &b->gateway6) != 1)
			return err_setx(err, EINVAL, "invalid gateway address %s", o->gateway6);
		if (!net_subnets6_overlap(&b->gateway6, b->prefixlen6, &b->subnet6,
					  b->prefixlen6) ||
		    memcmp(&b->gateway6, &b->subnet6, sizeof(b->subnet6)) == 0)
			return err_setx(err, EINVAL, "no matching subnet for gateway %s",
					o->gateway6);
	} else {
		b->gateway6 = b->subnet6;
		b->gateway6.s6_addr[15] |= 1;
	}
	b->ipv6 = true;
	return 0;
}

/* docker's default local pools (moby libnetwork/ipamutils): 172.17-31/16, then 192.168/20s. */
static int auto_subnet(json_t *all, struct in_addr *ret, unsigned *ret_prefixlen,
		       struct hull_err **err)
{
	for (unsigned i = 0; i < 15 + 16; i++) {
		struct in_addr a;
		unsigned p = i < 15 ? 16 : 20;

		/* 172.17.0.0/16 is docker0's on a host with docker: begin at 172.18 */
		if (i == 0)
			continue;
		a.s_addr = htonl(i < 15 ? (172u << 24 | (17u + i) << 16)
					: (192u << 24 | 168u << 16 | (i - 15) << 12));
		if (overlaps_network(all, a, p) || net_host_routes_overlap(a, p) != 0)
			continue;
		*ret = a;
		*ret_prefixlen = p;
		return 0;
	}
	return err_setx(err, ENOSPC,
			"could not find an available, non-overlapping IPv4 address pool among "
			"the defaults to assign to the network");
}

/* docker's network names: ^[a-zA-Z0-9][a-zA-Z0-9_.-]*$ */
static bool network_name_valid(const char *n)
{
	static const char alnum[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	size_t len = strlen(n);

	return len > 0 && strchr(alnum, n[0]) &&
	       strspn(n + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
		       len - 1;
}

static bool ifname_valid(const char *n)
{
	size_t len = strlen(n);

	return len > 0 && len < IFNAMSIZ &&
	       strspn(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
		       len &&
	       !streq(n, ".") && !streq(n, "..");
}

/*
 * Ranges no bridge may take: "this network", loopback (a container's own, and the
 * host's) and multicast. Docker's driver does not check them; its address pools
 * never contain them.
 */
static int subnet_reserved(const char *text, struct in_addr a, unsigned pa, struct hull_err **err)
{
	static const struct {
		uint32_t net;
		unsigned prefixlen;
		const char *what;
	} reserved[] = {
		{0x00000000u, 8, "0.0.0.0/8 (this network)"},
		{0x7f000000u, 8, "127.0.0.0/8 (loopback)"},
		{0xe0000000u, 4, "224.0.0.0/4 (multicast)"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(reserved); i++) {
		struct in_addr r = {.s_addr = htonl(reserved[i].net)};
		if (net_subnets_overlap(a, pa, r, reserved[i].prefixlen))
			return err_setx(err, EINVAL, "invalid subnet %s: it overlaps %s", text,
					reserved[i].what);
	}
	return 0;
}

/* Subnet, gateway and bridge name of @o, checked against @all and the host (caller locks). */
static int create_config(json_t *all, const struct network_opts *o, const char *id,
			 struct net_bridge *b, json_t *options, struct hull_err **err)
{
	char buf[INET_ADDRSTRLEN];
	const char *brname = NULL;
	json_t *v;
	size_t i;
	int r;

	STRV_FOREACH (kv, o->options) {
		const char *eq = strchr(*kv, '='), *v = eq ? eq + 1 : "";
		_cleanup_free_ char *k = eq ? xstrndup(*kv, (size_t) (eq - *kv)) : xstrdup(*kv);

		if (streq(k, MTU_OPTION)) {
			/* moby's bridge driver: strconv.Atoi, then Validate()'s "invalid MTU
			 * number"; the kernel takes 68 (IPv4's minimum) to 65535 on a veth */
			char *end;
			long mtu;

			errno = 0;
			mtu = strtol(v, &end, 10);
			if (isempty(v) || *end || errno)
				return err_setx(
					err, EINVAL,
					"failed to parse %s value: %s (strconv.Atoi: parsing "
					"\"%s\": invalid syntax)",
					MTU_OPTION, v, v);
			if (mtu < 68 || mtu > 65535)
				return err_setx(err, EINVAL, "invalid MTU number: %ld", mtu);
			b->mtu = (unsigned) mtu;
			json_object_set_new(options, k, json_string(v));
			continue;
		}
		if (!streq(k, BRIDGE_OPTION))
			return err_setx(err, EOPNOTSUPP,
					"network option \"%s\" is not supported (only %s and %s)",
					k, BRIDGE_OPTION, MTU_OPTION);
		brname = v;
		json_object_set_new(options, k, json_string(brname));
	}
	if (brname) {
		_cleanup_free_ char *sys = NULL;
		if (!ifname_valid(brname))
			return err_setx(err, EINVAL, "invalid bridge name \"%s\"", brname);
		if (streq(brname, NET_BRIDGE_NAME))
			return err_setx(err, EEXIST,
					"bridge name %s is the default bridge network's", brname);
		json_array_foreach (all, i, v)
			if (streq(json_get_str(json_object_get(v, "Hull"), "Bridge") ?: "", brname))
				return err_setx(err, EEXIST,
						"bridge name %s is already used by network %s",
						brname, json_get_str(v, "Name"));
		sys = xasprintf("/sys/class/net/%s", brname);
		if (access(sys, F_OK) == 0)
			return err_setx(err, EEXIST,
					"bridge name %s is already used by a link of the host",
					brname);
		snprintf(b->name, sizeof(b->name), "%s", brname);
	} else {
		snprintf(b->name, sizeof(b->name), "br-%.12s", id);
	}

	if ((o->gateway || o->ip_range) && !o->subnet)
		return err_setx(err, EINVAL,
				"every ip-range or gateway must have a corresponding subnet");
	if (o->subnet) {
		if (net_cidr_parse(o->subnet, &b->subnet, &b->prefixlen) < 0)
			return err_setx(err, EINVAL, "invalid CIDR address: %s", o->subnet);
		if (b->prefixlen < 8 || b->prefixlen > 30)
			return err_setx(err, EINVAL,
					"invalid subnet %s: hull takes prefix lengths 8 to 30",
					o->subnet);
		if (ntohl(b->subnet.s_addr) & ~(~0u << (32 - b->prefixlen))) {
			struct in_addr net = {.s_addr = htonl(ntohl(b->subnet.s_addr) &
							      (~0u << (32 - b->prefixlen)))};
			inet_ntop(AF_INET, &net, buf, sizeof(buf));
			return err_setx(err, EINVAL, "invalid subnet %s: it should be %s/%u",
					o->subnet, buf, b->prefixlen);
		}
		r = subnet_reserved(o->subnet, b->subnet, b->prefixlen, err);
		if (r < 0)
			return r;
		if (overlaps_network(all, b->subnet, b->prefixlen) ||
		    net_host_routes_overlap(b->subnet, b->prefixlen) > 0)
			return err_setx(err, EEXIST,
					"Pool overlaps with other one on this address space");
	} else {
		r = auto_subnet(all, &b->subnet, &b->prefixlen, err);
		if (r < 0)
			return r;
	}
	if (o->ip_range) {
		uint32_t base = ntohl(b->subnet.s_addr), r;
		unsigned rp;

		/* docker's CLI (subnetMatches) first, then the daemon's validateIPRange */
		if (net_cidr_parse(o->ip_range, &b->range, &rp) < 0)
			return err_setx(err, EINVAL, "invalid CIDR address: %s", o->ip_range);
		r = ntohl(b->range.s_addr);
		if ((r & (~0u << (32 - b->prefixlen))) != base)
			return err_setx(err, EINVAL, "no matching subnet for range %s",
					o->ip_range);
		if (rp < b->prefixlen)
			return err_setx(
				err, EINVAL,
				"invalid network config:\ninvalid ip-range %s: CIDR block is "
				"bigger than its parent subnet %s",
				o->ip_range, o->subnet);
		if (rp < 32 && (r & ~(~0u << (32 - rp)))) {
			struct in_addr m = {.s_addr = htonl(r & (~0u << (32 - rp)))};
			inet_ntop(AF_INET, &m, buf, sizeof(buf));
			return err_setx(
				err, EINVAL,
				"invalid network config:\ninvalid ip-range %s: it should be "
				"%s/%u",
				o->ip_range, buf, rp);
		}
		b->range_prefixlen = rp;
	}
	if (o->gateway) {
		uint32_t g, base = ntohl(b->subnet.s_addr), size = 1u << (32 - b->prefixlen);
		if (inet_pton(AF_INET, o->gateway, &b->gateway) != 1)
			return err_setx(err, EINVAL, "invalid gateway address %s", o->gateway);
		g = ntohl(b->gateway.s_addr);
		if (g <= base || g >= base + size - 1)
			return err_setx(err, EINVAL, "no matching subnet for gateway %s",
					o->gateway);
	} else {
		b->gateway.s_addr = htonl(ntohl(b->subnet.s_addr) + 1);
	}
	b->internal = o->internal;
	if (o->ipv6)
		return create_config6(all, o, b, err);
	if (o->subnet6 || o->gateway6 || o->ip_range6)
		/* docker's daemon, for an IPv6 --subnet without --ipv6 (hull refuses them all) */
		return err_setx(err, EINVAL,
				"an IPv6 --subnet, --gateway or --ip-range needs --ipv6");
	return 0;
}

int network_create(struct store *s, const struct network_opts *o, json_t **ret,
		   struct hull_err **err)
{
	_cleanup_close_ int lfd = -1, hfd = -1;
	_cleanup_json_ json_t *all = NULL, *rec = NULL;
	json_t *options = json_object(), *labels = json_object();
	char subnet[INET_ADDRSTRLEN + 3], gw[INET_ADDRSTRLEN];
	struct net_bridge b = {0};
	json_t *v;
	size_t i;
	int r;

	if (o->driver && !streq(o->driver, "bridge")) {
		json_decref(options);
		json_decref(labels);
		return err_setx(err, ENOENT, "plugin \"%s\" not found", o->driver);
	}
	if (!network_name_valid(o->name ?: "")) {
		json_decref(options);
		json_decref(labels);
		return err_setx(err, EINVAL,
				"invalid network name \"%s\", only [a-zA-Z0-9][a-zA-Z0-9_.-] are "
				"allowed",
				o->name ?: "");
	}
	STRV_FOREACH (l, o->labels) {
		const char *eq = strchr(*l, '=');
		_cleanup_free_ char *k = eq ? xstrndup(*l, (size_t) (eq - *l)) : xstrdup(*l);
		json_object_set_new(labels, k, json_string(eq ? eq + 1 : ""));
	}
	/* the record owns them from here */
	random_hex(b.id, 32);
	rec = record_new(o->name, "bridge", "", "", o->internal, options, labels, "", true);
	json_object_set_new(rec, "Id", json_string(b.id));
	json_object_set_new(rec, "Attachable", json_boolean(o->attachable));

	r = networks_lock(s, &lfd, err);
	if (r < 0)
		return r;
	/* subnets are the host's: two stores' creates must not both take a free one */
	r = lock_in(NET_STATE_DIR "/networks", 0755, &hfd, err);
	if (r < 0)
		return r;
	r = load_all(s, &all, err);
	if (r < 0)
		return r;
	json_array_foreach (all, i, v)
		if (streq(json_get_str(v, "Name"), o->name))
			return err_setx(err, EEXIST, "network with name %s already exists",
					o->name);
	r = create_config(all, o, b.id, &b, options, err);
	if (r < 0)
		return r;
	inet_ntop(AF_INET, &b.subnet, gw, sizeof(gw));
	snprintf(subnet, sizeof(subnet), "%s/%u", gw, b.prefixlen);
	inet_ntop(AF_INET, &b.gateway, gw, sizeof(gw));
	/* docker's key order (api/types/network.IPAMConfig): Subnet, IPRange, Gateway */
	json_array_set_new(json_object_get(json_object_get(rec, "IPAM"), "Config"), 0,
			   json_pack("{s:s}", "Subnet", subnet));
	if (b.range_prefixlen) {
		char rng[INET_ADDRSTRLEN + 3], ra[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &b.range, ra, sizeof(ra));
		snprintf(rng, sizeof(rng), "%s/%u", ra, b.range_prefixlen);
		json_object_set_new(
			json_array_get(json_object_get(json_object_get(rec, "IPAM"), "Config"), 0),
			"IPRange", json_string(rng));
	}
	json_object_set_new(
		json_array_get(json_object_get(json_object_get(rec, "IPAM"), "Config"), 0),
		"Gateway", json_string(gw));
	json_object_set_new(rec, "Hull",
			    json_pack("{s:s,s:b}", "Bridge", b.name, "UserSubnet", !!o->subnet));
	if (b.ipv6) {
		char sn6[INET6_ADDRSTRLEN + 4], a6[INET6_ADDRSTRLEN];
		json_t *c6;

		inet_ntop(AF_INET6, &b.subnet6, a6, sizeof(a6));
		snprintf(sn6, sizeof(sn6), "%s/%u", a6, b.prefixlen6);
		c6 = json_pack("{s:s}", "Subnet", sn6);
		if (b.range6_prefixlen) {
			inet_ntop(AF_INET6, &b.range6, a6, sizeof(a6));
			snprintf(sn6, sizeof(sn6), "%s/%u", a6, b.range6_prefixlen);
			json_object_set_new(c6, "IPRange", json_string(sn6));
		}
		inet_ntop(AF_INET6, &b.gateway6, a6, sizeof(a6));
		json_object_set_new(c6, "Gateway", json_string(a6));
		/* docker lists the IPv4 pool first, then the IPv6 one */
		json_array_append_new(json_object_get(json_object_get(rec, "IPAM"), "Config"), c6);
		json_object_set_new(rec, "EnableIPv6", json_true());
	}

	/* docker's bridge driver makes the bridge at create: its route then keeps other
	 * stores' auto subnets off this one */
	r = net_network_setup(&b, err);
	if (r == 0)
		r = record_write(s, rec, err);
	if (r < 0) {
		net_network_teardown(&b);
		return err_wrap(err, "create network %s", o->name);
	}
	network_event(s, rec, "create");
	*ret = TAKE_PTR(rec);
	return 0;
}

/* The address files of @rec's network whose container still exists in @s, staled ones freed. */
static int endpoints(struct store *s, json_t *rec, char ***ret_ids, char ***ret_ips,
		     struct hull_err **err)
{
	_cleanup_strv_ char **ids = NULL, **ips = NULL;
	const char *name = json_get_str(rec, "Name");
	bool user = !network_is_predefined(name);
	char **out_ids = strv_new(), **out_ips = strv_new();
	int r;

	if (streq(name, "host") || streq(name, "none")) {
		*ret_ids = out_ids;
		*ret_ips = out_ips;
		return 0;
	}
	r = net_network_endpoints(user ? json_get_str(rec, "Id") : NULL, &ids, &ips, err);
	if (r < 0) {
		strv_free(out_ids);
		strv_free(out_ips);
		return r;
	}
	for (size_t i = 0; ids[i]; i++) {
		struct container *c = NULL;
		_cleanup_free_ char *path =
			user ? xasprintf("%s/networks/%s/ips/%s", NET_STATE_DIR,
					 json_get_str(rec, "Id"), ips[i])
			     : xasprintf("%s/net/ips/%s", NET_STATE_DIR, ips[i]);
		_cleanup_free_ char *cdir = xasprintf("%s/containers/%s", s->root, ids[i]);

		if (access(cdir, F_OK) < 0) {
			/* hull0's addresses are every store's: only ours count */
			if (user)
				net_network_ip_release(json_get_str(rec, "Id"), ips[i]);
			continue;
		}
		/* loading repairs a container whose monitor died, freeing its address */
		if (container_load(s, ids[i], &c, NULL) < 0)
			continue;
		container_free(c);
		if (access(path, F_OK) < 0)
			continue;
		strv_push(&out_ids, ids[i]);
		strv_push(&out_ips, ips[i]);
	}
	*ret_ids = out_ids;
	*ret_ips = out_ips;
	return 0;
}

json_t *network_inspect(struct store *s, json_t *rec)
{
	static const char *const keys[] = {"Name",	 "Id",	       "Created",    "Scope",
					   "Driver",	 "EnableIPv6", "IPAM",	     "Internal",
					   "Attachable", "Ingress",    "ConfigFrom", "ConfigOnly",
					   "Containers", "Options",    "Labels"};
	_cleanup_strv_ char **ids = NULL, **ips = NULL;
	json_t *out = json_object(), *ctrs = json_object();
	const char *name = json_get_str(rec, "Name");
	struct net_bridge b = {.prefixlen = NET_PREFIXLEN};

	(void) network_bridge(rec, &b);
	if (endpoints(s, rec, &ids, &ips, NULL) == 0)
		for (size_t i = 0; ids[i]; i++) {
			struct container *c = NULL;
			json_t *ep;
			_cleanup_free_ char *addr = NULL;

			if (container_load(s, ids[i], &c, NULL) < 0)
				continue;
			ep = json_object_get(
				json_object_get(json_object_get(c->rec, "NetworkSettings"),
						"Networks"),
				name);
			addr = xasprintf("%s/%u", ips[i], b.prefixlen);
			const char *a6 = json_get_str(ep, "GlobalIPv6Address");
			_cleanup_free_ char *addr6 =
				isempty(a6) ? xstrdup("") : xasprintf("%s/%u", a6, b.prefixlen6);
			json_object_set_new(
				ctrs, c->id,
				json_pack("{s:s,s:s,s:s,s:s,s:s}", "Name",
					  json_get_str(c->rec, "Name") + 1, "EndpointID",
					  json_get_str(ep, "EndpointID") ?: "", "MacAddress",
					  json_get_str(ep, "MacAddress") ?: "", "IPv4Address", addr,
					  "IPv6Address", addr6));
			container_free(c);
		}
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		if (streq(keys[i], "Containers")) {
			json_object_set_new(out, keys[i], ctrs);
		} else if (streq(keys[i], "IPAM")) {
			/* docker's order: {Driver, Options, Config: [{Subnet, IPRange, Gateway}]},
			 * IPRange omitted when empty */
			json_t *ipam = json_object_get(rec, "IPAM"), *cfg = json_array(), *c;
			size_t k;
			json_array_foreach (json_object_get(ipam, "Config"), k, c) {
				json_t *o =
					json_pack("{s:O}", "Subnet", json_object_get(c, "Subnet"));
				if (json_object_get(c, "IPRange"))
					json_object_set(o, "IPRange",
							json_object_get(c, "IPRange"));
				json_object_set(o, "Gateway", json_object_get(c, "Gateway"));
				json_array_append_new(cfg, o);
			}
			json_object_set_new(out, "IPAM",
					    json_pack("{s:O,s:O,s:o}", "Driver",
						      json_object_get(ipam, "Driver"), "Options",
						      json_object_get(ipam, "Options"), "Config",
						      cfg));
		} else
			json_object_set(out, keys[i], json_object_get(rec, keys[i]));
	}
	return out;
}

/* Remove the user network @rec if it has no endpoints (caller locks): 0, or -EBUSY. */
static int remove_locked(struct store *s, json_t *rec, struct hull_err **err)
{
	_cleanup_strv_ char **ids = NULL, **ips = NULL;
	_cleanup_free_ char *dir = networks_dir(s);
	_cleanup_free_ char *path = NULL;
	struct net_bridge b;
	int r;

	r = endpoints(s, rec, &ids, &ips, err);
	if (r < 0)
		return r;
	if (ids[0])
		return err_setx(err, EBUSY,
				"error while removing network: network %s id %s has active "
				"endpoints",
				json_get_str(rec, "Name"), json_get_str(rec, "Id"));
	path = xasprintf("%s/%s.json", dir, json_get_str(rec, "Id"));
	if (unlink(path) < 0 && errno != ENOENT)
		return err_set(err, errno, "remove '%s'", path);
	if (network_bridge(rec, &b) == 0)
		net_network_teardown(&b);
	network_event(s, rec, "destroy");
	return 0;
}

int network_remove(struct store *s, const char *ref, char **ret_name, struct hull_err **err)
{
	_cleanup_close_ int lfd = -1;
	_cleanup_json_ json_t *rec = NULL;
	int r;

	r = lock_find(s, ref, &lfd, &rec, err);
	if (r < 0)
		return r;
	if (network_is_predefined(json_get_str(rec, "Name")))
		return err_setx(err, EPERM, "%s is a pre-defined network and cannot be removed",
				json_get_str(rec, "Name"));
	r = remove_locked(s, rec, err);
	if (r < 0)
		return r;
	*ret_name = xstrdup(json_get_str(rec, "Name"));
	return 0;
}

int network_prune(struct store *s, const struct prune_filter *f, char ***ret_names,
		  struct hull_err **err)
{
	_cleanup_close_ int lfd = -1;
	_cleanup_json_ json_t *all = NULL;
	_cleanup_strv_ char **names = strv_new();
	json_t *v;
	size_t i;
	int r;

	r = networks_lock(s, &lfd, err);
	if (r < 0)
		return r;
	r = load_all(s, &all, err);
	if (r < 0)
		return r;
	json_array_foreach (all, i, v) {
		if (network_is_predefined(json_get_str(v, "Name")) ||
		    !prune_filter_match(f, json_object_get(v, "Labels"),
					time_parse_rfc3339(json_get_str(v, "Created"))))
			continue;
		r = remove_locked(s, v, NULL);
		if (r == 0)
			strv_push(&names, json_get_str(v, "Name"));
	}
	*ret_names = TAKE_PTR(names);
	return 0;
}

/* An exhausted address pool (-ENOSPC) in docker's words (libnetwork
 * endpoint.go assignAddress); other errors as they are. */
static int pool_error(int r, const char *name, const char *id, struct hull_err **err)
{
	if (r != -ENOSPC)
		return r;
	if (err)
		*err = err_free(*err);
	return err_setx(err, ENOSPC,
			"no available IPv4 addresses on this network's address pools: %s (%s)",
			name, id);
}

int network_ip_exhausted(struct store *s, const char *name, int r, struct hull_err **err)
{
	_cleanup_json_ json_t *rec = NULL;

	if (r != -ENOSPC || network_find(s, name, &rec, NULL) < 0)
		return r;
	return pool_error(r, name, json_get_str(rec, "Id") ?: "", err);
}

int network_join(struct store *s, const char *ref, const char *ctr_id, const char *want_ip,
		 const char *want_ip6, struct net_bridge *ret_b, char ret_ip[INET_ADDRSTRLEN],
		 char ret_ip6[INET6_ADDRSTRLEN], struct hull_err **err)
{
	_cleanup_close_ int lfd = -1;
	_cleanup_json_ json_t *rec = NULL;
	struct net_bridge b;
	int r;

	r = lock_find(s, ref, &lfd, &rec, err);
	if (r < 0)
		return r;
	if (network_bridge(rec, &b) < 0)
		return err_setx(err, EINVAL, "network %s is not a bridge network", ref);
	if (streq(json_get_str(rec, "Name"), "bridge")) {
		/* hull0 (network connect bridge): its addresses are every store's */
		r = net_bridge_setup(err);
		if (r == 0)
			r = net_ip_alloc(NET_STATE_DIR, ctr_id, ret_ip, err);
	} else {
		r = net_network_setup(&b, err);
		if (r == 0)
			r = net_network_ip_alloc(&b, want_ip, ctr_id, ret_ip, err);
	}
	if (r < 0)
		return pool_error(r, json_get_str(rec, "Name") ?: ref,
				  json_get_str(rec, "Id") ?: "", err);
	ret_ip6[0] = '\0';
	if (b.ipv6) {
		r = net_network_ip6_alloc(&b, isempty(want_ip6) ? NULL : want_ip6, ctr_id, ret_ip6,
					  err);
		if (r < 0) {
			net_network_ip_release(b.id, ret_ip);
			ret_ip[0] = '\0';
			if (r != -ENOSPC)
				return r;
			if (err)
				*err = err_free(*err);
			return err_setx(err, ENOSPC,
					"no available IPv6 addresses on this network's address "
					"pools: %s (%s)",
					json_get_str(rec, "Name") ?: ref,
					json_get_str(rec, "Id") ?: "");
		}
	}
	*ret_b = b;
	return 0;
}

void network_ip_release(const char *net_name, const char *net_id, const char *ip)
{
	if (streq(net_name, "bridge"))
		net_ip_release(NET_STATE_DIR, ip);
	else
		net_network_ip_release(net_id, ip);
}

int network_check_endpoint(struct store *s, const char *ref, const char *ip, const char *ip6,
			   json_t **ret, struct hull_err **err)
{
	_cleanup_json_ json_t *rec = NULL;
	struct in6_addr a6;
	struct in_addr a;
	int r;

	if (ip && inet_pton(AF_INET, ip, &a) != 1)
		return err_setx(err, EINVAL, "invalid IPv4 address: %s", ip);
	if (ip6 && (!strchr(ip6, ':') || inet_pton(AF_INET6, ip6, &a6) != 1))
		return err_setx(err, EINVAL, "invalid IPv6 address: %s", ip6);
	if (network_is_predefined(ref)) {
		if (ip || ip6)
			return err_setx(err, EINVAL,
					"user specified IP address is supported on user defined "
					"networks only");
		*ret = NULL;
		return 0;
	}
	r = network_find(s, ref, &rec, err);
	if (r < 0)
		return r;
	if (network_is_predefined(json_get_str(rec, "Name"))) {
		/* the id of a predefined network: as its name */
		if (ip || ip6)
			return err_setx(err, EINVAL,
					"user specified IP address is supported on user defined "
					"networks only");
	} else if (ip &&
		   !json_is_true(json_object_get(json_object_get(rec, "Hull"), "UserSubnet"))) {
		return err_setx(err, EINVAL,
				"user specified IP address is supported only when connecting to "
				"networks with user configured subnets");
	} else if (ip6 && !network_config6(rec)) {
		/* moby validateNetworkingConfig: --ip6 needs a configured IPv6 subnet */
		return err_setx(err, EINVAL,
				"user specified IP address is supported only when connecting to "
				"networks with user configured subnets");
	}
	*ret = TAKE_PTR(rec);
	return 0;
}

int network_check_aliases(const char *netmode, char **aliases, struct hull_err **err)
{
	if (!aliases || !aliases[0])
		return 0;
	if (network_is_predefined(netmode))
		return err_setx(err, EINVAL,
				"network-scoped alias is supported only for containers in user "
				"defined networks");
	STRV_FOREACH (a, aliases)
		if (!network_name_valid(*a))
			return err_setx(err, EINVAL,
					"invalid network alias \"%s\", only "
					"[a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
					*a);
	return 0;
}

json_t *network_endpoint_new(const char *net_id, const char *ip, char **aliases)
{
	json_t *ep =
		json_pack("{s:o,s:n,s:o,s:s,s:n,s:s,s:s,s:s,s:s,s:i,s:s,s:s,s:i,s:n}", "IPAMConfig",
			  ip ? json_pack("{s:s}", "IPv4Address", ip) : json_null(), "Links",
			  "Aliases", aliases && aliases[0] ? json_from_strv(aliases) : json_null(),
			  "MacAddress", "", "DriverOpts", "NetworkID", net_id, "EndpointID", "",
			  "Gateway", "", "IPAddress", "", "IPPrefixLen", 0, "IPv6Gateway", "",
			  "GlobalIPv6Address", "", "GlobalIPv6PrefixLen", 0, "DNSNames");

	if (!ep)
		abort();
	return ep;
}

void network_endpoint_set_ip6(json_t *ep, const char *ip6)
{
	json_t *ipam = json_object_get(ep, "IPAMConfig");

	if (isempty(ip6))
		return;
	if (!json_is_object(ipam)) {
		ipam = json_object();
		json_object_set_new(ep, "IPAMConfig", ipam);
	}
	json_object_set_new(ipam, "IPv6Address", json_string(ip6));
}

void network_endpoint_mac(json_t *rec, const char *net_name, char ret[18])
{
	const char *mode = container_net_mode(rec).name;
	const char *want = json_get_str(json_object_get(rec, "Config"), "MacAddress");

	ret[0] = '\0';
	if (isempty(want) || !streq(mode, net_name) || net_mac_parse(want, ret) < 0)
		ret[0] = '\0';
}

void network_endpoint_fill(json_t *ep, const struct net_bridge *b, const char *ip, const char *ip6,
			   const char *mac_in, char **names)
{
	char gw[INET_ADDRSTRLEN], mac[18], epid[65];

	inet_ntop(AF_INET, &b->gateway, gw, sizeof(gw));
	/* as src/net makes it: the given one, or 02:42 and the address */
	if (isempty(mac_in))
		net_mac_from_ip(ip, mac);
	else
		snprintf(mac, sizeof(mac), "%s", mac_in);
	random_hex(epid, 32);
	json_object_set_new(ep, "DNSNames", json_from_strv(names));
	json_object_set_new(ep, "NetworkID", json_string(b->id));
	json_object_set_new(ep, "EndpointID", json_string(epid));
	json_object_set_new(ep, "Gateway", json_string(b->internal ? "" : gw));
	json_object_set_new(ep, "IPAddress", json_string(ip));
	json_object_set_new(ep, "IPPrefixLen", json_integer(b->prefixlen));
	json_object_set_new(ep, "MacAddress", json_string(mac));
	if (!isempty(ip6) && b->ipv6) {
		char gw6[INET6_ADDRSTRLEN];

		inet_ntop(AF_INET6, &b->gateway6, gw6, sizeof(gw6));
		json_object_set_new(ep, "IPv6Gateway", json_string(b->internal ? "" : gw6));
		json_object_set_new(ep, "GlobalIPv6Address", json_string(ip6));
		json_object_set_new(ep, "GlobalIPv6PrefixLen", json_integer(b->prefixlen6));
	}
}

static json_t *record_networks(json_t *rec)
{
	return json_object_get(json_object_get(rec, "NetworkSettings"), "Networks");
}

int network_endpoint_up(struct store *s, struct container *c, const char *net_name, pid_t pid,
			pid_t monitor, struct hull_err **err)
{
	json_t *ep = json_object_get(record_networks(c->rec), net_name);
	const char *want = json_get_str(json_object_get(ep, "IPAMConfig"), "IPv4Address");
	const char *want6 = json_get_str(json_object_get(ep, "IPAMConfig"), "IPv6Address");
	_cleanup_strv_ char **names = NULL;
	char ip[INET_ADDRSTRLEN], ip6[INET6_ADDRSTRLEN], mac[18];
	struct net_bridge b;
	int r;

	if (!ep)
		return err_setx(err, ENOENT, "container %s is not connected to network %s", c->id,
				net_name);
	r = network_join(s, net_name, c->id, isempty(want) ? NULL : want, want6, &b, ip, ip6, err);
	if (r < 0)
		return r;
	/* docker's default bridge has no names: DNSNames null */
	if (!streq(net_name, "bridge"))
		names = network_hosts_names(json_get_str(c->rec, "Name"), c->id,
					    json_object_get(ep, "Aliases"));
	network_endpoint_mac(c->rec, net_name, mac);
	/* in the record at once: whoever cleans up after a failure finds the address there */
	network_endpoint_fill(ep, &b, ip, ip6, mac, names);
	r = net_attach_extra(pid, c->id, ip, ip6, mac, &b, err);
	/* docker's default bridge resolves no names */
	if (r == 0 && !streq(net_name, "bridge"))
		r = network_hosts_join(b.id, net_name, c->id, ip, ip6, names, monitor, err);
	if (r < 0) {
		network_endpoint_down(c, net_name);
		return r;
	}
	return 0;
}

void network_endpoint_down(struct container *c, const char *net_name)
{
	json_t *ep = json_object_get(record_networks(c->rec), net_name);
	const char *net_id = json_get_str(ep, "NetworkID");
	const char *ip = json_get_str(ep, "IPAddress");

	if (!ep)
		return;
	network_hosts_leave(net_id, c->id);
	if (!isempty(ip) && net_id) {
		net_detach_extra(c->id, net_id);
		network_ip_release(net_name, net_id, ip);
		net_network_ip6_release(net_id, json_get_str(ep, "GlobalIPv6Address"));
	}
	container_endpoint_clear(ep);
}

/*
 * flock <container dir>/network.lock: one connect or disconnect of @c at a time; then
 * @c's record is read again and *@ret_mode is its NetworkMode (borrowed from it).
 */
static int connect_lock(struct container *c, int *ret_fd, const char **ret_mode,
			struct hull_err **err)
{
	_cleanup_free_ char *p = path_join(c->dir, "network.lock");
	int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600), r;

	if (fd < 0)
		return errno == ENOENT ? err_setx(err, ENOENT, "No such container: %s", c->id)
				       : err_set(err, errno, "open '%s'", p);
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			r = err_set(err, errno, "lock '%s'", p);
			close(fd);
			return r;
		}
	*ret_fd = fd;
	r = container_reload(c, err);
	if (r < 0)
		return r;
	*ret_mode = container_net_mode(c->rec).name;
	return 0;
}

/*
 * @c's record with @net_name's endpoint set to @ep (NULL: removed; with @no_ports,
 * NetworkSettings.Ports emptied too), saved.
 */
static int save_endpoint_ports(struct container *c, const char *net_name, json_t *ep, bool no_ports,
			       struct hull_err **err)
{
	json_t *ns, *eps;
	int r;

	r = container_lock(c, err);
	if (r < 0) {
		json_decref(ep);
		return r;
	}
	ns = json_object_get(c->rec, "NetworkSettings");
	eps = json_object_get(ns, "Networks");
	if (!json_is_object(eps)) {
		eps = json_object();
		json_object_set_new(ns, "Networks", eps);
	}
	if (ep)
		json_object_set_new(eps, net_name, ep);
	else
		(void) json_object_del(eps, net_name);
	if (no_ports)
		json_object_set_new(ns, "Ports", json_object());
	r = container_save(c, err);
	container_unlock(c);
	return r;
}

static int save_endpoint(struct container *c, const char *net_name, json_t *ep,
			 struct hull_err **err)
{
	return save_endpoint_ports(c, net_name, ep, false, err);
}

/*
 * A running container connected to a user network that has no resolver (it started on the
 * default bridge) gets one, and its resolv.conf (rewritten in place: the container sees the
 * inode through its bind mount) names it, as docker's sandbox starts its resolver and
 * rebuilds its DNS when such an endpoint joins; the servers it forwards to are the host's or
 * --dns, as at a start (docker takes those of the container's file, but asks them from the
 * container's namespace). Best effort: the connection is made.
 */
static void resolver_attach(struct container *c)
{
	/* a copy: the record may be read again meanwhile */
	_cleanup_free_ char *path = xstrdup(json_get_str(c->rec, "ResolvConfPath") ?: "");
	_cleanup_free_ char *old = NULL, *text = NULL;
	_cleanup_strv_ char **up = NULL;
	_cleanup_close_ int fd = -1;
	enum container_net_kind kind = container_net_mode(c->rec).kind;
	pid_t rp;

	if ((kind != CONTAINER_NET_BRIDGE && kind != CONTAINER_NET_USER) || isempty(path) ||
	    read_file(path, 1 << 20, &old, NULL, NULL) < 0 ||
	    strstr(old, "nameserver " NET_DNS_ADDRESS "\n"))
		return;
	/* the servers as at a start: the container's file is its own to write */
	text = container_resolver_conf(json_object_get(c->rec, "HostConfig"), &up);
	/* not reaped by us: ours ends first, and it is init's then */
	rp = container_resolver_spawn(c->id, c->state.pid, up, NULL);
	if (rp < 0)
		return;
	fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0 && pwrite(fd, text, strlen(text), 0) == (ssize_t) strlen(text))
		(void) ftruncate(fd, (off_t) strlen(text));
}

/*
 * Take the running @c off its first network @net_name (its NetworkMode): names,
 * eth0, published ports and address, as network_endpoint_down() does for the others.
 */
static void first_endpoint_down(struct container *c, const char *net_name)
{
	json_t *ns = json_object_get(c->rec, "NetworkSettings");
	json_t *ep = json_object_get(record_networks(c->rec), net_name);
	const char *net_id = json_get_str(ep, "NetworkID");
	const char *ip = json_get_str(ep, "IPAddress");
	_cleanup_free_ struct port_map *ports = NULL;
	size_t n = 0;

	network_hosts_leave(net_id, c->id);
	if (isempty(ip))
		return;
	/* docker deletes the endpoint's hostname record too */
	network_hosts_own(json_get_str(c->rec, "HostsPath"),
			  json_get_str(json_object_get(c->rec, "Config"), "Hostname"), ip, NULL);
	if (!isempty(json_get_str(ep, "GlobalIPv6Address")))
		network_hosts_own(json_get_str(c->rec, "HostsPath"),
				  json_get_str(json_object_get(c->rec, "Config"), "Hostname"),
				  json_get_str(ep, "GlobalIPv6Address"), NULL);
	net_detach(c->id);
	(void) ports_from_json(json_object_get(ns, "Ports"), &ports, &n);
	net_ports_remove(ip, json_get_str(ep, "GlobalIPv6Address"), ports, n);
	/* the proxied ports' proxy: the container's monitor reaps them at its end */
	container_proxies_stop(json_object_get(c->rec, "Hull"), false);
	net_network_ip_release(net_id, ip);
	net_network_ip6_release(net_id, json_get_str(ep, "GlobalIPv6Address"));
}

/* The monitor and the container's process of running @c still run as recorded. */
static bool still_running(struct container *c)
{
	json_t *hull = json_object_get(c->rec, "Hull");
	pid_t pid = c->state.pid;
	pid_t mon = (pid_t) json_integer_value(json_object_get(hull, "MonitorPid"));

	return container_pid_alive(pid) && container_pid_alive(mon) &&
	       proc_start_time(pid) ==
		       (unsigned long long) json_integer_value(json_object_get(hull, "PidStart"));
}

int network_connect(struct store *s, struct container *c, const char *ref, const char *ip,
		    const char *ip6, char **aliases, struct hull_err **err)
{
	_cleanup_json_ json_t *net = NULL;
	_cleanup_close_ int lfd = -1;
	const char *mode, *name;
	bool running;
	int r;

	r = network_check_endpoint(s, ref, ip, ip6, &net, err);
	if (r < 0)
		return r;
	name = net ? json_get_str(net, "Name") : ref;
	mode = container_net_mode(c->rec).name;
	/* moby daemon/container_operations.go ConnectToNetwork, runconfig errors */
	if (streq(mode, "host") || streq(name, "host"))
		return err_setx(err, EPERM,
				"container cannot be disconnected from host network or connected "
				"to host network");
	if (streq(mode, "none") || streq(name, "none"))
		return err_setx(err, EPERM,
				"container cannot be connected to multiple networks with one of "
				"the networks in private (none) mode");
	if (!net) {
		/* the predefined bridge by name: its record */
		r = network_find(s, name, &net, err);
		if (r < 0)
			return r;
	}
	r = network_check_aliases(name, aliases, err);
	if (r < 0)
		return r;
	r = connect_lock(c, &lfd, &mode, err);
	if (r < 0)
		return r;
	if ((streq(mode, name) && network_is_predefined(name)) ||
	    json_object_get(record_networks(c->rec), name))
		return err_setx(err, EEXIST, "endpoint with name %s already exists in network %s",
				json_get_str(c->rec, "Name") + 1, name);
	running = container_is_running(c);
	{
		json_t *ep = network_endpoint_new(json_get_str(net, "Id"), ip, aliases);

		network_endpoint_set_ip6(ep, ip6);
		r = save_endpoint(c, name, ep, err);
	}
	if (r < 0 || !running)
		return r; /* a stopped container joins it at its next start */
	r = network_endpoint_up(s, c, name, c->state.pid,
				(pid_t) json_integer_value(json_object_get(
					json_object_get(c->rec, "Hull"), "MonitorPid")),
				err);
	if (r < 0) {
		(void) save_endpoint(c, name, NULL, NULL);
		if (!still_running(c)) {
			/* it exited meanwhile: its namespace is gone ("open
			 * '/proc/N/ns/net'" said nothing a user could act on) */
			if (err)
				*err = err_free(*err);
			r = err_setx(err, EIO, "container %s stopped while it was connected",
				     c->id);
		}
		return r;
	}
	r = save_endpoint(c, name, json_incref(json_object_get(record_networks(c->rec), name)),
			  err);
	/*
	 * The monitor frees the endpoints it finds in the record once the process has
	 * exited: an exit before the save above would miss this one, so undo it then.
	 */
	if (r < 0 || !still_running(c)) {
		network_endpoint_down(c, name);
		(void) save_endpoint(c, name, NULL, NULL);
		if (r == 0)
			r = err_setx(err, EIO, "container %s stopped while it was connected",
				     c->id);
	}
	if (r < 0)
		return r;
	if (!streq(name, "bridge"))
		resolver_attach(c);
	/* moby's ConnectToNetwork of a running container (a stopped one's comes at its start) */
	network_container_event(s, "connect", json_get_str(net, "Id"), name, "bridge", c->id);
	/* (the record was read again by the saves: @mode is gone) */
	if (streq(container_net_mode(c->rec).name, name)) {
		/* back on its first network: its hostname at the new address, as docker's
		 * sandbox adds the endpoint's hostname record */
		json_t *ep = json_object_get(record_networks(c->rec), name);

		network_hosts_own(json_get_str(c->rec, "HostsPath"),
				  json_get_str(json_object_get(c->rec, "Config"), "Hostname"), NULL,
				  json_get_str(ep, "IPAddress"));
		if (!isempty(json_get_str(ep, "GlobalIPv6Address")))
			network_hosts_own(
				json_get_str(c->rec, "HostsPath"),
				json_get_str(json_object_get(c->rec, "Config"), "Hostname"), NULL,
				json_get_str(ep, "GlobalIPv6Address"));
	}
	return r;
}

int network_disconnect(struct store *s, struct container *c, const char *ref, bool force,
		       struct hull_err **err)
{
	_cleanup_json_ json_t *net = NULL;
	_cleanup_close_ int lfd = -1;
	const char *name, *mode;
	bool attached;
	int r;

	r = network_find(s, ref, &net, err);
	if (r < 0)
		return r;
	name = json_get_str(net, "Name");
	r = connect_lock(c, &lfd, &mode, err);
	if (r < 0)
		return r;
	if (streq(mode, "host") || streq(name, "host"))
		return err_setx(err, EPERM,
				"container cannot be disconnected from host network or connected "
				"to host network");
	if (streq(mode, name) && network_is_predefined(name))
		return err_setx(err, EOPNOTSUPP,
				"hull cannot disconnect a container from the default bridge "
				"network yet");
	if (!json_object_get(record_networks(c->rec), name))
		return force ? 0
			     : err_setx(err, ENOENT, "container %s is not connected to network %s",
					c->id, name);
	/* moby writes the event when a running container leaves (a stopped one has no endpoint) */
	attached = !isempty(json_get_str(json_object_get(record_networks(c->rec), name),
					 "IPAddress")) &&
		   container_is_running(c);
	if (streq(mode, name)) {
		/* its first network: it keeps the others, and loopback */
		first_endpoint_down(c, name);
		r = save_endpoint_ports(c, name, NULL, true, err);
	} else {
		network_endpoint_down(c, name);
		r = save_endpoint(c, name, NULL, err);
	}
	if (r == 0 && attached)
		network_container_event(s, "disconnect", json_get_str(net, "Id"), name, "bridge",
					c->id);
	return r;
}

int network_check_more(struct store *s, const char *netmode, char **refs, json_t **ret,
		       struct hull_err **err)
{
	_cleanup_json_ json_t *eps = json_object();

	STRV_FOREACH (ref, refs) {
		_cleanup_json_ json_t *rec = NULL;
		const char *name;
		int r;

		if (network_is_predefined(netmode) || network_is_predefined(*ref))
			return err_setx(err, EINVAL,
					"conflicting options: cannot attach both user-defined and "
					"non-user-defined network-modes");
		r = network_find(s, *ref, &rec, err);
		if (r < 0)
			return r;
		name = json_get_str(rec, "Name");
		if (network_is_predefined(name))
			return err_setx(err, EINVAL,
					"conflicting options: cannot attach both user-defined and "
					"non-user-defined network-modes");
		if (streq(name, netmode) || json_object_get(eps, name))
			return err_setx(err, EINVAL, "network %s is given more than once", name);
		json_object_set_new(eps, name,
				    network_endpoint_new(json_get_str(rec, "Id"), NULL, NULL));
	}
	*ret = TAKE_PTR(eps);
	return 0;
}
