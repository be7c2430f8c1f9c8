/* SPDX-License-Identifier: MIT */
/* ps --filter: parse once, match each container (container/filter.h). */
#include <stdio.h>
#include <stdlib.h>
#include "container/filter.h"
#include "container/network.h"
#include "util/filter.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/strv.h"

/* the keys as typed, in enum container_filter_key's order */
static const char *const filter_keys[_CONTAINER_FILTER_MAX] = {
	[CONTAINER_FILTER_STATUS] = "status",
	[CONTAINER_FILTER_NAME] = "name",
	[CONTAINER_FILTER_ANCESTOR] = "ancestor",
	[CONTAINER_FILTER_LABEL] = "label",
	[CONTAINER_FILTER_ID] = "id",
	[CONTAINER_FILTER_EXITED] = "exited",
	[CONTAINER_FILTER_HEALTH] = "health",
	[CONTAINER_FILTER_VOLUME] = "volume",
	[CONTAINER_FILTER_NETWORK] = "network",
	[CONTAINER_FILTER_PUBLISH] = "publish",
	[CONTAINER_FILTER_EXPOSE] = "expose",
	[CONTAINER_FILTER_IS_TASK] = "is-task",
	[CONTAINER_FILTER_ISOLATION] = "isolation",
	[CONTAINER_FILTER_BEFORE] = "before",
	[CONTAINER_FILTER_SINCE] = "since",
};

static bool one_of(const char *v, const char *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (streq(v, set[i]))
			return true;
	return false;
}

/* Go's strconv.ParseUint(s, 10, 16), with its error text in @why (size 128) */
static int parse_u16(const char *s, size_t len, uint16_t *ret, char *why)
{
	unsigned long v = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9') {
			snprintf(why, 128, "strconv.ParseUint: parsing \"%.*s\": invalid syntax",
				 (int) len, s);
			return -EINVAL;
		}
		if (v <= 65535)
			v = v * 10 + (unsigned long) (s[i] - '0');
	}
	if (len == 0) {
		snprintf(why, 128, "strconv.ParseUint: parsing \"\": invalid syntax");
		return -EINVAL;
	}
	if (v > 65535) {
		snprintf(why, 128, "strconv.ParseUint: parsing \"%.*s\": value out of range",
			 (int) len, s);
		return -EINVAL;
	}
	*ret = (uint16_t) v;
	return 0;
}

/*
 * A publish= or expose= value (moby daemon/list.go portOp with go-connections
 * nat.SplitProtoPort and ParsePortRange): "PORT[/PROTO]" or
 * "START-END[/PROTO]", tcp without a protocol. @why (size 128): the reason.
 */
static int port_filter_parse(const char *v, uint16_t *start, uint16_t *end, char proto[8],
			     char *why)
{
	const char *slash = strchr(v, '/'), *dash;
	size_t len = slash ? (size_t) (slash - v) : strlen(v);

	snprintf(proto, 8, "%s", slash && slash[1] ? slash + 1 : "tcp");
	if (len == 0) {
		snprintf(why, 128, "empty string specified for ports");
		return -EINVAL;
	}
	dash = memchr(v, '-', len);
	if (!dash) {
		if (parse_u16(v, len, start, why) < 0)
			return -EINVAL;
		*end = *start;
		return 0;
	}
	if (parse_u16(v, (size_t) (dash - v), start, why) < 0 ||
	    parse_u16(dash + 1, len - (size_t) (dash - v) - 1, end, why) < 0)
		return -EINVAL;
	if (*end < *start) {
		snprintf(why, 128, "invalid range specified for port: %.*s", (int) len, v);
		return -EINVAL;
	}
	return 0;
}

int container_filter_add(struct container_filter *f, const char *arg, struct hull_err **err)
{
	static const char *const statuses[] = {"created", "restarting", "running", "removing",
					       "paused",  "exited",	"dead"};
	static const char *const healths[] = {"starting", "healthy", "unhealthy", "none"};
	size_t klen = strcspn(arg, "=");
	const char *v = arg + klen + 1;
	int k;

	for (k = 0; k < _CONTAINER_FILTER_MAX; k++)
		if (arg[klen] == '=' && strlen(filter_keys[k]) == klen &&
		    strncmp(arg, filter_keys[k], klen) == 0)
			break;
	if (k == _CONTAINER_FILTER_MAX)
		return err_setx(err, EINVAL, "invalid filter '%.*s'", (int) klen, arg);
	if (k == CONTAINER_FILTER_STATUS && !one_of(v, statuses, ARRAY_SIZE(statuses)))
		return err_setx(err, EINVAL,
				"invalid filter 'status=%s': must be one of created, restarting, "
				"running, removing, paused, exited, dead",
				v);
	/* moby daemon/list.go */
	if (k == CONTAINER_FILTER_HEALTH && !one_of(v, healths, ARRAY_SIZE(healths)))
		return err_setx(err, EINVAL, "Unrecognised filter value for health: %s", v);
	if (k == CONTAINER_FILTER_PUBLISH || k == CONTAINER_FILTER_EXPOSE) {
		char why[128], proto[8];
		uint16_t a, b;
		if (strchr(v, ':'))
			return err_setx(err, EINVAL, "filter for '%s' should not contain ':': %s",
					filter_keys[k], v);
		if (port_filter_parse(v, &a, &b, proto, why) < 0)
			return err_setx(err, EINVAL, "error while looking up for %s %s: %s",
					filter_keys[k], v, why);
	}
	if (k == CONTAINER_FILTER_IS_TASK && !streq(v, "true") && !streq(v, "false"))
		return err_setx(err, EINVAL, "invalid filter 'is-task=%s'", v);
	strv_push(&f->values[k], v);
	return 0;
}

bool container_filter_all(const struct container_filter *f)
{
	return f->values[CONTAINER_FILTER_STATUS] != NULL;
}

/* @name_or_id among @list, as container_load() finds it in the store */
static int find_in(struct container *const *list, const char *name_or_id, struct container **ret,
		   struct hull_err **err)
{
	const char *want = name_or_id[0] == '/' ? name_or_id + 1 : name_or_id;
	struct container *match = NULL;

	for (size_t i = 0; list[i]; i++)
		if (streq(list[i]->id, want)) {
			*ret = list[i];
			return 0;
		}
	for (size_t i = 0; list[i]; i++) {
		const char *name = json_get_str(list[i]->rec, "Name");
		if (name && streq(name + (name[0] == '/'), want)) {
			*ret = list[i];
			return 0;
		}
	}
	if (*want)
		for (size_t i = 0; list[i]; i++) {
			if (!startswith(list[i]->id, want))
				continue;
			if (match)
				return err_setx(err, EINVAL,
						"multiple IDs found with provided prefix: %s",
						want);
			match = list[i];
		}
	if (!match)
		return err_setx(err, ENOENT, "No such container: %s", name_or_id);
	*ret = match;
	return 0;
}

int container_filter_resolve(struct container_filter *f, struct container *const *list,
			     struct hull_err **err)
{
	static const enum container_filter_key keys[] = {CONTAINER_FILTER_BEFORE,
							 CONTAINER_FILTER_SINCE};
	double t[2] = {0, 0};

	for (size_t k = 0; k < ARRAY_SIZE(keys); k++)
		STRV_FOREACH (v, f->values[keys[k]]) {
			struct container *c = NULL;
			int r = find_in(list, *v, &c, err);
			if (r < 0)
				return r;
			t[k] = time_parse_rfc3339(json_get_str(c->rec, "Created"));
		}
	f->has_before = f->values[CONTAINER_FILTER_BEFORE] != NULL;
	f->before = t[0];
	f->has_since = f->values[CONTAINER_FILTER_SINCE] != NULL;
	f->since = t[1];
	return 0;
}

const char *container_ps_state(struct container *c)
{
	enum container_status status = c->state.status;

	if (status == CONTAINER_RESTARTING)
		return "restarting";
	/* an exit its monitor has not recorded yet: still up, as in docker's daemon */
	if (container_is_running(c) || container_exit_pending(c))
		return "running";
	/* a recorded exit, or a process gone without one (paused too: its process died) */
	if (status == CONTAINER_EXITED || container_state_running(&c->state))
		return "exited";
	return "created";
}

/* whether a port of @c (container_ports()) is in the range of the publish= or expose= value @v */
static bool match_port(const char *v, struct container *c, const char *state, bool publish)
{
	_cleanup_free_ struct container_port *p = NULL;
	uint16_t a, b;
	char proto[8], why[128];
	size_t n;

	if (port_filter_parse(v, &a, &b, proto, why) < 0)
		return false;
	container_ports(c, state, &p, &n);
	for (size_t i = 0; i < n; i++) {
		uint16_t port = publish ? p[i].public_port : p[i].private_port;
		if (port && port >= a && port <= b && streq(p[i].type, proto))
			return true;
	}
	return false;
}

/* network=: a network of the record (by name, or id prefix), or the predefined one of its mode */
static bool match_network(const char *v, struct store *s, struct container *c)
{
	struct container_net_mode m = container_net_mode(c->rec);
	const char *mode = m.name;
	json_t *eps = json_object_get(json_object_get(c->rec, "NetworkSettings"), "Networks");
	const char *k;
	json_t *ep;

	if (m.kind == CONTAINER_NET_BRIDGE || m.kind == CONTAINER_NET_HOST ||
	    m.kind == CONTAINER_NET_NONE) {
		_cleanup_json_ json_t *net = NULL;
		if (streq(mode, v))
			return true;
		if (s && network_find(s, mode, &net, NULL) == 0 &&
		    startswith(json_get_str(net, "Id") ?: "", v))
			return true;
	}
	json_object_foreach (eps, k, ep)
		if (streq(k, v) || startswith(json_get_str(ep, "NetworkID") ?: "", v))
			return true;
	return false;
}

/* volume=: a mount's destination, or its volume name (a bind mount's source) */
static bool match_volume(const char *v, struct container *c)
{
	json_t *m;
	size_t i;

	json_array_foreach (json_object_get(c->rec, "Mounts"), i, m) {
		const char *name = json_get_str(m, "Name");
		if (streq(json_get_str(m, "Destination") ?: "", v) ||
		    streq((isempty(name) ? json_get_str(m, "Source") : name) ?: "", v))
			return true;
	}
	return false;
}

static bool match_value(enum container_filter_key k, const char *v, struct store *s,
			struct container *c, const char *state)
{
	json_t *cfg = json_object_get(c->rec, "Config");

	switch (k) {
	case CONTAINER_FILTER_STATUS:
		return streq(state, v);
	case CONTAINER_FILTER_NAME:
		return strstr(json_get_str(c->rec, "Name") ?: "", v) != NULL;
	case CONTAINER_FILTER_ANCESTOR: {
		_cleanup_image_ struct image *img = NULL, *mine = NULL;
		if (streq(json_get_str(cfg, "Image"), v))
			return true;
		if (!s || store_image_get(s, v, &img, NULL) < 0)
			return false;
		if (streq(img->id, json_get_str(c->rec, "Image") ?: ""))
			return true;
		/* or an image built on it (moby walks the classic builder's parents) */
		return store_image_get(s, json_get_str(c->rec, "Image") ?: "", &mine, NULL) == 0 &&
		       image_is_ancestor(img, mine);
	}
	case CONTAINER_FILTER_LABEL: {
		char *const want[] = {(char *) v, NULL};
		return labels_match(want, json_object_get(cfg, "Labels"));
	}
	case CONTAINER_FILTER_ID:
		return startswith(c->id, v);
	case CONTAINER_FILTER_EXITED: {
		char buf[32];
		snprintf(buf, sizeof(buf), "%d", c->state.exit_code);
		return streq(buf, v) && streq(state, "exited");
	}
	case CONTAINER_FILTER_HEALTH:
		/* moby's snapshot: the health status, "none" without a check */
		return streq(container_health_status(c->rec) ?: "none", v);
	case CONTAINER_FILTER_VOLUME:
		return match_volume(v, c);
	case CONTAINER_FILTER_NETWORK:
		return match_network(v, s, c);
	case CONTAINER_FILTER_PUBLISH:
	case CONTAINER_FILTER_EXPOSE:
		return match_port(v, c, state, k == CONTAINER_FILTER_PUBLISH);
	case CONTAINER_FILTER_IS_TASK:
		return streq(v, "false");
	case CONTAINER_FILTER_ISOLATION: /* moby list_unix.go excludeByIsolation */
		return true;
	default:
		return false;
	}
}

bool container_filter_match(const struct container_filter *f, struct store *s, struct container *c,
			    const char *state)
{
	double created;

	if (!state)
		state = container_ps_state(c);
	for (int k = 0; k < CONTAINER_FILTER_BEFORE; k++) {
		bool ok = false;
		STRV_FOREACH (v, f->values[k])
			if (match_value(k, *v, s, c, state)) {
				ok = true;
				break;
			}
		if (f->values[k] && !ok)
			return false;
	}
	if (!f->has_before && !f->has_since)
		return true;
	created = time_parse_rfc3339(json_get_str(c->rec, "Created"));
	if (created <= 0)
		return false;
	if (f->has_before && !(created < f->before))
		return false;
	if (f->has_since && !(created > f->since))
		return false;
	return true;
}

/* append one port to *@ret; @key is a NetworkSettings.Ports or ExposedPorts key ("80/tcp") */
static void port_add(struct container_port **ret, size_t *n, const char *key, const char *ip,
		     const char *host_port)
{
	const char *slash = strchr(key, '/');
	struct container_port p = {0};
	char why[128];

	if (parse_u16(key, slash ? (size_t) (slash - key) : strlen(key), &p.private_port, why) < 0)
		return;
	snprintf(p.type, sizeof(p.type), "%s", slash && slash[1] ? slash + 1 : "tcp");
	snprintf(p.ip, sizeof(p.ip), "%s", ip ?: "");
	p.public_port = (uint16_t) (host_port ? strtoul(host_port, NULL, 10) : 0);
	*ret = xrealloc(*ret, (*n + 1) * sizeof(**ret));
	(*ret)[(*n)++] = p;
}

void container_ports(struct container *c, const char *state, struct container_port **ret, size_t *n)
{
	enum container_net_kind kind = container_net_mode(c->rec).kind;
	json_t *ports = json_object_get(json_object_get(c->rec, "NetworkSettings"), "Ports");
	json_t *exposed = json_object_get(json_object_get(c->rec, "Config"), "ExposedPorts");
	const char *k;
	json_t *v;

	*ret = NULL;
	*n = 0;
	if (!streq(state ?: container_ps_state(c), "running") || kind == CONTAINER_NET_HOST ||
	    kind == CONTAINER_NET_NONE || kind == CONTAINER_NET_CONTAINER)
		return;
	json_object_foreach (ports, k, v) {
		size_t i;
		json_t *b;
		if (json_array_size(v) == 0)
			port_add(ret, n, k, NULL, NULL);
		json_array_foreach (v, i, b)
			port_add(ret, n, k, json_get_str(b, "HostIp"), json_get_str(b, "HostPort"));
	}
	json_object_foreach (exposed, k, v)
		if (!json_object_get(ports, k))
			port_add(ret, n, k, NULL, NULL);
}

static int port_cmp(const void *x, const void *y)
{
	const struct container_port *a = x, *b = y;
	int r;

	if (a->private_port != b->private_port)
		return a->private_port < b->private_port ? -1 : 1;
	if ((r = strcmp(a->ip, b->ip)))
		return r;
	if (a->public_port != b->public_port)
		return a->public_port < b->public_port ? -1 : 1;
	return strcmp(a->type, b->type);
}

/* "IP:PORT", with brackets round an IPv6 address (Go's net.JoinHostPort) */
static void add_host_port(struct strbuf *sb, const char *ip, const char *port)
{
	(void) strbuf_addf(sb, strchr(ip, ':') ? "[%s]:%s" : "%s:%s", ip, port);
}

/* a group of docker's DisplayablePorts: "80/tcp", "8000-8002/tcp", "IP:80-82->80-82/tcp" */
static void add_group(struct strbuf *sb, const struct container_port *g, uint16_t last)
{
	char range[16];

	if (sb->len)
		(void) strbuf_adds(sb, ", ");
	if (last != g->private_port)
		snprintf(range, sizeof(range), "%u-%u", g->private_port, last);
	else
		snprintf(range, sizeof(range), "%u", g->private_port);
	if (!isempty(g->ip)) {
		add_host_port(sb, g->ip, range);
		(void) strbuf_addf(sb, "->%s", range);
	} else {
		(void) strbuf_adds(sb, range);
	}
	(void) strbuf_addf(sb, "/%s", g->type);
}

char *container_ports_display(struct container_port *ports, size_t n)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT, maps = STRBUF_INIT;
	/* the groups, in the order their key (address and type) first came */
	struct group {
		const struct container_port *first;
		uint16_t last;
	} *groups = xcalloc(n + 1, sizeof(*groups));
	size_t n_groups = 0;

	if (n)
		qsort(ports, n, sizeof(*ports), port_cmp);
	for (size_t i = 0; i < n; i++) {
		const struct container_port *p = &ports[i];
		struct group *g = NULL;
		if (!isempty(p->ip) && p->public_port != p->private_port) {
			char port[8];
			snprintf(port, sizeof(port), "%u", p->public_port);
			if (maps.len)
				(void) strbuf_adds(&maps, ", ");
			add_host_port(&maps, p->ip, port);
			(void) strbuf_addf(&maps, "->%u/%s", p->private_port, p->type);
			continue;
		}
		for (size_t j = 0; j < n_groups && !g; j++)
			if (streq(groups[j].first->ip, p->ip) &&
			    streq(groups[j].first->type, p->type))
				g = &groups[j];
		if (!g) {
			groups[n_groups++] = (struct group){p, p->private_port};
			continue;
		}
		if (p->private_port == g->last + 1) {
			g->last = p->private_port;
			continue;
		}
		/* a gap: this group is done, a new one of the same key starts */
		add_group(&sb, g->first, g->last);
		*g = (struct group){p, p->private_port};
	}
	for (size_t j = 0; j < n_groups; j++)
		add_group(&sb, groups[j].first, groups[j].last);
	free(groups);
	if (maps.len) {
		if (sb.len)
			(void) strbuf_adds(&sb, ", ");
		(void) strbuf_adds(&sb, maps.buf);
	}
	return strbuf_detach(&sb, NULL) ?: xstrdup("");
}

void container_filter_release(struct container_filter *f)
{
	if (!f)
		return;
	for (size_t k = 0; k < _CONTAINER_FILTER_MAX; k++)
		f->values[k] = strv_free(f->values[k]);
}
