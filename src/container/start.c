/* SPDX-License-Identifier: MIT */
/*
 * Starting a container and watching it: the monitor (conmon's role). In the
 * foreground the `hull run` process is the monitor; detached, a forked
 * process in its own session is. The monitor owns the container's stdio,
 * writes the json-file log (moby daemon/logger/jsonfilelog), forwards
 * signals (docker run's sig-proxy), records the exit code and cleans up the
 * network and, with --rm, the container.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include "container/attach.h"
#include "container/relay.h"
#include "container/container.h"
#include "container/internal.h"
#include "container/dnsnames.h"
#include "container/network.h"
#include "container/security.h"
#include "container/volume.h"
#include "runtime/bundle.h"
#include "runtime/runtime.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/strv.h"

struct monitor {
	struct store *s;
	const char *runroot;
	struct container *c;
	const struct run_opts *o;
	struct relay r; /* stdio, log, attach clients, the process */
	char ip[INET_ADDRSTRLEN];
	char ip6[INET6_ADDRSTRLEN]; /* on a user network with IPv6, else "" */
	bool user_net;		    /* ip is on the user network br, not on hull0 */
	struct net_bridge br;	    /* the user network's (container/network.h) */
	struct port_map *ports;
	size_t n_ports;
	int *port_fds; /* the host ports' reservations */
	size_t n_port_fds;
	bool ports_added;
	bool resolver; /* it has a user network: its resolver at 127.0.0.11 (resolver_start()) */
	char **dns_up; /* where the resolver forwards other names (NULL: nowhere) */
	char **resolver_argv;	 /* its command (@r.resolver_argv) */
	char **cg_dirs;		 /* the container's cgroup directories */
	struct rt_mount *mounts; /* container_rt_mounts() */
	size_t n_mounts;
	bool oom_killed;	    /* the last run ended by the OOM killer (State.OOMKilled) */
	struct health_timer health; /* the probes of a run kept in this process (relay_run()) */
	char **health_argv;	    /* their command, `hull ... container-health ID` */
	/* moby's network events: connect at each start (before "start"), disconnect at each
	 * teardown (after "die": monitor_finish() holds them in disconnects until then) */
	bool connected; /* the connect events of this run are written */
	bool hold_disconnects;
	json_t *disconnects; /* network_attached() */
};

/*
 * The container's resolv.conf from the host's @host_text (moby libnetwork
 * sandbox_dns_unix.go setupDNS, 20.10): without --dns, --dns-search and
 * --dns-option, the host's file without the loopback resolvers a container
 * cannot reach (@filter; FilterResolvDNS), Google's when none is left; with
 * any of them, moby's resolvconf.Build: "search" (none for "."), the
 * nameservers, "options", each list the flag's or else the host's. Loopback
 * resolvers of the host are dropped there too (moby keeps them, and they
 * answer nothing from the container's own network namespace).
 *
 * With @ret_upstreams (a container with a resolver: rebuildDNS), the file names
 * the resolver alone, "nameserver 127.0.0.11", with "options ndots:0" added when
 * no ndots is given, and the nameservers it would have named go to
 * *@ret_upstreams: the resolver forwards to them from the host's network
 * namespace, so the host's loopback resolvers are kept (as docker 26 does).
 */
/* "@prefix WORD WORD...\n" into @sb. */
static void resolv_words(struct strbuf *sb, const char *prefix, char *const *words)
{
	(void) strbuf_adds(sb, prefix);
	for (char *const *w = words; *w; w++)
		(void) strbuf_addf(sb, " %s", *w);
	(void) strbuf_adds(sb, "\n");
}

static char *resolv_conf_build(char *host_text, bool filter, json_t *hc, char ***ret_upstreams)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	_cleanup_strv_ char **ns = strv_new(), **search = strv_new(), **opts = strv_new();
	_cleanup_strv_ char **f_ns = NULL, **f_search = NULL, **f_opts = NULL;
	bool custom, host_ns = false;

	(void) json_to_strv(json_object_get(hc, "Dns"), &f_ns);
	(void) json_to_strv(json_object_get(hc, "DnsSearch"), &f_search);
	(void) json_to_strv(json_object_get(hc, "DnsOptions"), &f_opts);
	custom = (f_ns && f_ns[0]) || (f_search && f_search[0]) || (f_opts && f_opts[0]) ||
		 ret_upstreams;
	if (ret_upstreams)
		filter = false;
	for (char *save = NULL, *l = strtok_r(host_text, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		_cleanup_free_ char *copy = xstrdup(l);
		_cleanup_strv_ char **w = strv_new();

		/* moby resolvconf getLines(): a comment runs from '#' or ';' to the end */
		copy[strcspn(copy, "#;")] = '\0';
		for (char *s2 = NULL, *t = strtok_r(copy, " \t", &s2); t;
		     t = strtok_r(NULL, " \t", &s2))
			strv_push(&w, t);
		if (w[0] && w[1] && streq(w[0], "nameserver")) {
			if (filter && (startswith(w[1], "127.") || streq(w[1], "::1")))
				continue;
			host_ns = true;
			strv_push(&ns, w[1]);
		} else if (w[0] && (streq(w[0], "search") || streq(w[0], "domain"))) {
			/* the last search or domain line wins (resolv.conf(5)) */
			strv_free(search);
			search = strv_copy(w + 1);
		} else if (w[0] && streq(w[0], "options")) {
			STRV_FOREACH (o, w + 1)
				strv_push(&opts, *o);
		}
		if (!custom)
			(void) strbuf_addf(&sb, "%s\n", l);
	}
	if (!custom) {
		if (!host_ns)
			(void) strbuf_adds(&sb, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
		return strbuf_detach(&sb, NULL);
	}
	if (f_search && f_search[0]) {
		strv_free(search);
		search = TAKE_PTR(f_search);
	}
	if (f_ns && f_ns[0]) {
		strv_free(ns);
		ns = TAKE_PTR(f_ns);
	}
	if (f_opts && f_opts[0]) {
		strv_free(opts);
		opts = TAKE_PTR(f_opts);
	}
	if (!ns[0]) {
		/* the host had loopback resolvers only: docker's defaults, as FilterResolvDNS */
		strv_push(&ns, "8.8.8.8");
		strv_push(&ns, "8.8.4.4");
	}
	if (search[0] && !(streq(search[0], ".") && !search[1]))
		resolv_words(&sb, "search", search);
	if (ret_upstreams) {
		bool ndots = false;

		STRV_FOREACH (o, opts)
			ndots = ndots || startswith(*o, "ndots:");
		if (!ndots)
			strv_push(&opts, "ndots:0");
		(void) strbuf_adds(&sb, "nameserver " NET_DNS_ADDRESS "\n");
		*ret_upstreams = TAKE_PTR(ns);
	} else {
		STRV_FOREACH (n, ns)
			(void) strbuf_addf(&sb, "nameserver %s\n", *n);
	}
	if (opts[0])
		resolv_words(&sb, "options", opts);
	return strbuf_detach(&sb, NULL);
}

char *container_resolver_conf(json_t *hc, char ***ret_upstreams)
{
	_cleanup_free_ char *host = NULL;

	if (read_file("/etc/resolv.conf", 1 << 20, &host, NULL, NULL) < 0)
		host = xstrdup("");
	return resolv_conf_build(host, false, hc, ret_upstreams);
}

/* NetworkSettings.Networks of @rec (borrowed; NULL without user networks). */
static json_t *record_networks(json_t *rec)
{
	return json_object_get(json_object_get(rec, "NetworkSettings"), "Networks");
}

/*
 * Whether @rec's container has a network namespace of its own on a user network (its first
 * or a connected one): docker's embedded DNS server then answers in it.
 */
static bool wants_resolver(json_t *rec)
{
	enum container_net_kind kind = container_net_mode(rec).kind;
	const char *k;
	json_t *ep;

	if (kind != CONTAINER_NET_USER && kind != CONTAINER_NET_BRIDGE)
		return false;
	json_object_foreach (record_networks(rec), k, ep)
		if (!streq(k, "bridge") && !streq(k, "host") && !streq(k, "none"))
			return true;
	return false;
}

static int write_etc_files(struct monitor *m, const char *hostname, struct hull_err **err)
{
	_cleanup_free_ char *hosts = NULL, *hn = xasprintf("%s\n", hostname);
	_cleanup_free_ char *resolv = NULL;
	enum container_net_kind kind = container_net_mode(m->c->rec).kind;
	int (*wr)(const char *, const void *, size_t, mode_t, struct hull_err **);
	int r;

	if (kind == CONTAINER_NET_HOST) {
		if (read_file("/etc/hosts", 1 << 20, &hosts, NULL, NULL) < 0)
			hosts = xstrdup("127.0.0.1\tlocalhost\n");
		free(hn);
		{
			char h[256] = "";
			(void) gethostname(h, sizeof(h) - 1);
			hn = xasprintf("%s\n", h);
		}
	} else {
		hosts = xasprintf(
			"127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
			"fe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\n"
			"ff02::2\tip6-allrouters\n%s%s%s%s%s%s",
			*m->ip ? m->ip : "", *m->ip ? "\t" : "", *m->ip ? hn : "",
			/* its IPv6 address too, as docker's sandbox writes both */
			*m->ip6 ? m->ip6 : "", *m->ip6 ? "\t" : "", *m->ip6 ? hn : "");
	}
	{
		/* --add-host host:ip, ip may be "host-gateway" (moby daemon/container_operations)
		 */
		size_t i;
		json_t *v;
		json_array_foreach (
			json_object_get(json_object_get(m->c->rec, "HostConfig"), "ExtraHosts"), i,
			v) {
			const char *h = json_string_value(v), *sep;
			char *old = hosts;
			if (!h || !(sep = strchr(h, ':')))
				continue;
			hosts = xasprintf("%s%s\t%.*s\n", old,
					  streq(sep + 1, "host-gateway") ? NET_GATEWAY : sep + 1,
					  (int) (sep - h), h);
			free(old);
		}
	}
	{
		_cleanup_free_ char *host = NULL;
		if (read_file("/etc/resolv.conf", 1 << 20, &host, NULL, NULL) < 0)
			host = xstrdup("");
		m->dns_up = strv_free(m->dns_up);
		m->resolver = wants_resolver(m->c->rec);
		resolv = resolv_conf_build(host, kind != CONTAINER_NET_HOST,
					   json_object_get(m->c->rec, "HostConfig"),
					   m->resolver ? &m->dns_up : NULL);
		/* docker forwards nothing from an internal network */
		if (m->resolver && m->user_net && m->br.internal)
			m->dns_up = strv_free(m->dns_up);
	}
	/* a build step's or a --rm container dies with its build or its process: not
	 * worth an fsync */
	wr = container_is_disposable(m->c) ? write_file_replace : write_file_atomic;
	r = wr(json_get_str(m->c->rec, "HostsPath"), hosts, strlen(hosts), 0644, err);
	if (r == 0)
		r = wr(json_get_str(m->c->rec, "HostnamePath"), hn, strlen(hn), 0644, err);
	if (r == 0)
		r = wr(json_get_str(m->c->rec, "ResolvConfPath"), resolv, strlen(resolv), 0644,
		       err);
	return r;
}

/*
 * -P (moby daemon/network.go): every port of Config.ExposedPorts that no -p
 * publishes gets a free host port on every address, chosen at each start.
 */
static void publish_all(json_t *exposed, struct port_map **ports, size_t *n)
{
	const char *key;
	json_t *v;

	json_object_foreach (exposed, key, v) {
		uint16_t port;
		int pn;
		bool bound = false;

		if (*n > CONTAINER_PORTS_MAX)
			return; /* too many already: the caller refuses the start */
		if (port_key_parse(key, &port, &pn) < 0)
			continue; /* not a port docker publishes */
		for (size_t i = 0; i < *n && !bound; i++)
			bound = (*ports)[i].ctr_port == port && (*ports)[i].proto == pn;
		if (bound)
			continue;
		*ports = xrealloc(*ports, (*n + 1) * sizeof(**ports));
		(*ports)[(*n)++] = (struct port_map){.ctr_port = port, .proto = pn};
	}
}

/*
 * The proxy of @m's ports that the kernel cannot DNAT (net_port_proxied(): [::1], and the IPv6
 * ones of a container without an IPv6 address), one process for all of them, to the
 * container's IPv6 address where it has one, else its IPv4 one; it serves until the process
 * @pid ends, then holds the ports until our teardown ends it (or we are gone). It holds the
 * reservations of the DNATed ports too, so that every port of the container is its (not the
 * monitor's): `network disconnect` frees them all by ending it, a killed monitor frees none
 * while the container runs. Listed in the record's Hull.Proxies for container_proxies_stop(); the
 * monitor reaps it (@m->r.reap).
 */
static int ports_proxy_start(struct monitor *m, pid_t pid, struct hull_err **err)
{
	json_t *hull = json_object_get(m->c->rec, "Hull");
	json_t *list = json_array();
	_cleanup_free_ struct net_proxy_port *pp = NULL;
	size_t n = 0;
	pid_t proxy;

	json_object_set_new(hull, "Proxies", list);
	for (size_t i = 0; i < m->n_ports && i < m->n_port_fds; i++) {
		struct port_map *p = &m->ports[i];

		if (m->port_fds[i] < 0)
			continue;
		pp = xrealloc(pp, (n + 1) * sizeof(*pp));
		pp[n++] = (struct net_proxy_port){
			.fd = m->port_fds[i],
			.proto = p->proto,
			.backend_port = net_port_proxied(p, *m->ip6) ? p->ctr_port : 0};
	}
	if (n == 0)
		return 0;
	proxy = net_proxy_spawn(pp, n, *m->ip6 ? m->ip6 : m->ip, pid, true, err);
	if (proxy < 0)
		return (int) proxy;
	json_array_append_new(
		list, json_pack("[I,I]", (json_int_t) proxy, (json_int_t) proc_start_time(proxy)));
	m->r.reap = proxy;
	/* the proxy's sockets are the ports' reservations now */
	for (size_t i = 0; i < m->n_port_fds; i++)
		if (m->port_fds[i] >= 0) {
			close(m->port_fds[i]);
			m->port_fds[i] = -1;
		}
	return 0;
}

/*
 * The container's resolver (docker's embedded DNS server, moby libnetwork/resolver.go), for a
 * container that has a user network: hull-resolver, with the sockets at 127.0.0.11:53 that
 * the monitor makes in the container's network namespace before the start
 * (resolver_sockets()). The relay starts it at the first query on them (relay.h): a
 * container that never asks costs no process. It answers from the entries of the
 * container's networks (network_dns_lookup()) and forwards other names to @m->dns_up from
 * the host's namespace, until the process ends; the relay then reaps it.
 */
/* The command of the resolver of @ctr_id forwarding to @upstreams: a new strv, NULL without
 * hull-resolver. */
static char **resolver_argv(const char *ctr_id, char *const *upstreams)
{
	const char *helper = container_helper_path("hull-resolver");
	char **argv;

	if (!helper)
		return NULL;
	argv = strv_new();
	strv_push(&argv, helper);
	strv_push(&argv, "--ctr");
	strv_push(&argv, ctr_id);
	for (char *const *up = upstreams; up && *up; up++) {
		strv_push(&argv, "--up");
		strv_push(&argv, *up);
	}
	return argv;
}

pid_t container_resolver_spawn(const char *ctr_id, pid_t pid, char *const *upstreams,
			       struct hull_err **err)
{
	_cleanup_close_ int udp = -1, tcp = -1;
	_cleanup_strv_ char **argv = resolver_argv(ctr_id, upstreams);
	pid_t rp;
	int r;

	if (!argv)
		return err_setx(err, ENOENT, "hull-resolver not found next to hull or in libexec");
	r = net_dns_sockets(pid, &udp, &tcp, err);
	if (r < 0)
		return r;
	rp = relay_resolver_spawn(argv, pid, udp, tcp);
	return rp < 0 ? err_set(err, (int) -rp, "spawn %s", argv[0]) : rp;
}

/*
 * The resolver's sockets in the namespace of @pid, before its process runs (queries wait in
 * them), handed to the relay with the resolver's command.
 */
static int resolver_sockets(struct monitor *m, pid_t pid, struct hull_err **err)
{
	m->resolver_argv = strv_free(m->resolver_argv);
	if (!m->resolver)
		return 0;
	m->resolver_argv = resolver_argv(m->c->id, m->dns_up);
	if (!m->resolver_argv)
		return err_setx(err, ENOENT, "hull-resolver not found next to hull or in libexec");
	m->r.resolver_argv = m->resolver_argv;
	return net_dns_sockets(pid, &m->r.dns_fd[0], &m->r.dns_fd[1], err);
}

/* The sockets of a start that failed, or that the relay did not take. */
static void resolver_sockets_close(struct monitor *m)
{
	for (int i = 0; i < 2; i++)
		if (m->r.dns_fd[i] >= 0) {
			close(m->r.dns_fd[i]);
			m->r.dns_fd[i] = -1;
		}
}

/*
 * On a host with IPv6, docker publishes "-p 8080:80" on [::] too: the twins of the
 * every-address maps, with the host ports reserved for them (net_ports_dual()), DNATed to the
 * container's IPv6 address where it has one, else served by the proxy (ports_proxy_start()).
 * @specs: the maps as given (before net_ports_reserve() picked their ports): a twin whose
 * port is taken on [::] moves its map to another port of its range, or another ephemeral
 * one, rather than fail while the range has ports free on both (moby's allocator takes one
 * port for both families).
 */
static int ports_reserve_dual(struct monitor *m, const struct port_map *specs,
			      struct hull_err **err)
{
	size_t k = m->n_ports;

	if (!net_host_ipv6())
		return 0;
	for (size_t i = 0; i < k; i++) {
		struct port_map *twins = NULL;
		size_t n = 0;
		int tries = 0, r;

		for (;;) {
			struct port_map again = specs[i];
			_cleanup_free_ int *fd6 = NULL, *fd4 = NULL;
			struct hull_err *e = NULL;

			free(twins);
			twins = xmalloc(sizeof(*twins));
			twins[0] = m->ports[i];
			n = 1;
			net_ports_dual(&twins, &n);
			if (n == 1) { /* not on every address: no twin */
				free(twins);
				break;
			}
			r = net_ports_reserve(twins + 1, 1, *m->ip6, &fd6, &e);
			if (r == 0) {
				m->ports = xrealloc(m->ports, (m->n_ports + 1) * sizeof(*m->ports));
				m->ports[m->n_ports] = twins[1];
				m->port_fds = xrealloc(m->port_fds,
						       (m->n_ports + 1) * sizeof(*m->port_fds));
				m->port_fds[m->n_ports++] = fd6[0];
				m->n_port_fds = m->n_ports;
				free(twins);
				break;
			}
			free(twins);
			twins = NULL;
			/* a fixed port, or tried enough: the twin's own message */
			if (r != -EADDRINUSE || (specs[i].host_port && !specs[i].host_port_end) ||
			    ++tries > 32 ||
			    (specs[i].host_port_end &&
			     m->ports[i].host_port >= specs[i].host_port_end)) {
				if (err)
					*err = e;
				else
					err_free(e);
				return r;
			}
			err_free(e);
			/* the next port of the range, or another ephemeral one */
			if (specs[i].host_port_end)
				again.host_port = (uint16_t) (m->ports[i].host_port + 1);
			close(m->port_fds[i]);
			m->port_fds[i] = -1;
			r = net_ports_reserve(&again, 1, *m->ip6, &fd4, err);
			if (r < 0)
				return r;
			m->ports[i] = again;
			m->port_fds[i] = fd4[0];
		}
	}
	return 0;
}

/* The entry and names of @m's container on its first user network @net. */
static int monitor_hosts_join(struct monitor *m, const char *net, struct hull_err **err)
{
	json_t *ep = json_object_get(record_networks(m->c->rec), net);
	_cleanup_strv_ char **names = network_hosts_names(json_get_str(m->c->rec, "Name"), m->c->id,
							  json_object_get(ep, "Aliases"));

	return network_hosts_join(m->br.id, net, m->c->id, m->ip, m->ip6, names, getpid(), err);
}

static void monitor_net_cleanup(struct monitor *m)
{
	const char *net = container_net_mode(m->c->rec).name;
	const char *k;
	json_t *ep;

	/* the names first: others stop finding it before its address is free */
	json_object_foreach (record_networks(m->c->rec), k, ep) {
		if (streq(k, net))
			network_hosts_leave(json_get_str(ep, "NetworkID"), m->c->id);
		else
			network_endpoint_down(m->c, k); /* the connected ones */
	}
	/*
	 * `network disconnect` of the first network released its address and ports
	 * already (the record, read again at the exit, has no endpoint for it any
	 * more): freeing them again could free another container's.
	 */
	if (m->user_net && !json_object_get(record_networks(m->c->rec), net)) {
		m->ports_added = false;
		m->ip[0] = '\0';
		m->ip6[0] = '\0';
	}
	if (m->ports_added)
		net_ports_remove(m->ip, m->ip6, m->ports, m->n_ports);
	m->ports_added = false;
	/* before the sockets close: a restart binds the ports again at once */
	container_proxies_stop(json_object_get(m->c->rec, "Hull"), true);
	resolver_sockets_close(m); /* (the relay's, unless it did not run) */
	m->r.reap = 0;		   /* reaped: a pid no longer ours */
	json_object_set_new(json_object_get(m->c->rec, "Hull"), "Proxies", json_array());
	for (size_t i = 0; m->port_fds && i < m->n_port_fds; i++)
		if (m->port_fds[i] >= 0)
			close(m->port_fds[i]);
	m->port_fds = (free(m->port_fds), NULL);
	m->n_port_fds = 0;
	if (*m->ip) {
		/* No net_detach(): the veth pair dies with the container's network
		 * namespace, and deleting it here would wait ~20 ms for the kernel's
		 * RCU grace period on every container exit. */
		if (m->user_net)
			net_network_ip_release(m->br.id, m->ip);
		else
			net_ip_release(NET_STATE_DIR, m->ip);
		m->ip[0] = '\0';
	}
	if (*m->ip6) {
		net_network_ip6_release(m->br.id, m->ip6);
		m->ip6[0] = '\0';
	}
	/* docker shows a stopped container's endpoint without its address, and
	 * the default bridge's top-level fields empty */
	json_object_foreach (record_networks(m->c->rec), k, ep)
		container_endpoint_clear(ep);
	{
		json_t *ns = json_object_get(m->c->rec, "NetworkSettings");

		if (json_is_object(ns) && !isempty(json_get_str(ns, "IPAddress"))) {
			json_object_set_new(ns, "IPAddress", json_string(""));
			json_object_set_new(ns, "Gateway", json_string(""));
			json_object_set_new(ns, "IPPrefixLen", json_integer(0));
			json_object_set_new(ns, "MacAddress", json_string(""));
		}
	}
	m->user_net = false;
}

/* The first user network's endpoint in the record once attached (docker's EndpointSettings). */
static void record_endpoint(struct monitor *m, const char *net)
{
	json_t *ep = json_object_get(record_networks(m->c->rec), net);
	_cleanup_strv_ char **names = network_hosts_names(json_get_str(m->c->rec, "Name"), m->c->id,
							  json_object_get(ep, "Aliases"));

	char mac[18];

	network_endpoint_mac(m->c->rec, net, mac);
	if (ep)
		network_endpoint_fill(ep, &m->br, m->ip, m->ip6, mac, names);
}

/* Every user network of the record but the first (@net): connected ones. */
static int monitor_join_extra(struct monitor *m, const char *net, pid_t pid, struct hull_err **err)
{
	_cleanup_strv_ char **names = NULL;
	const char *k;
	json_t *ep;
	int r;

	json_object_foreach (record_networks(m->c->rec), k, ep)
		if (!streq(k, net))
			strv_push(&names, k);
	STRV_FOREACH (n, names) {
		r = network_endpoint_up(m->s, m->c, *n, pid, getpid(), err);
		if (r < 0)
			return r;
	}
	return 0;
}

static void record_state(struct monitor *m, enum container_status status, int exit_code,
			 const char *error)
{
	struct container_state *st = &m->c->state;
	bool running = status == CONTAINER_RUNNING;
	int64_t now = container_time_now();

	st->status = status;
	st->pid = running ? m->r.pid : 0;
	st->exit_code = exit_code;
	st->oom_killed = !running && m->oom_killed;
	container_state_set_error(st, error);
	if (running)
		st->started_at = now;
	else if (status == CONTAINER_EXITED)
		st->finished_at = now;
	if (running)
		container_health_started(m->c->rec);
	else
		container_health_stopped(m->c->rec);
	json_object_set_new(json_object_get(m->c->rec, "Hull"), "MonitorPid",
			    json_integer(running ? getpid() : 0));
	/* the start time tells the container's pid from a later reuse of it */
	json_object_set_new(json_object_get(m->c->rec, "Hull"), "PidStart",
			    json_integer(running ? (json_int_t) proc_start_time(m->r.pid) : 0));
	(void) container_save(m->c, NULL);
	if (running) {
		_cleanup_json_ json_t *nets = network_attached(m->s, m->c->rec, true);

		network_attached_events(m->s, m->c->id, nets, "connect");
		m->connected = true;
		container_event(m->c, "start", NULL);
	} else if (status == CONTAINER_EXITED) {
		_cleanup_free_ char *code = xasprintf("%d", exit_code);

		if (m->oom_killed)
			container_event(m->c, "oom", NULL);
		container_event(m->c, "die", "exitCode", code, NULL);
	}
}

/*
 * --network container:NAME (moby daemon/container_operations.go
 * getNetworkedContainer, initializeNetworking): the other container, running,
 * lends its network namespace (the path of it into *@ret_netns) and its hosts,
 * hostname and resolv.conf files, which this record then names, with its
 * hostname. Nothing of the network is this container's to set up or free.
 */
static int join_container_network(struct monitor *m, const char *ref, char **ret_netns,
				  struct hull_err **err)
{
	struct container *nc = NULL;
	int r = container_load(m->s, ref, &nc, err);

	if (r < 0)
		return r;
	if (streq(nc->id, m->c->id))
		r = err_setx(err, EINVAL, "cannot join own network");
	else if (!container_is_running(nc))
		r = err_setx(err, EBUSY, "cannot join network of a non running container: %s", ref);
	if (r == 0) {
		static const char *const files[] = {"HostsPath", "HostnamePath", "ResolvConfPath"};
		json_t *cfg = json_object_get(m->c->rec, "Config");

		for (size_t i = 0; i < ARRAY_SIZE(files); i++)
			json_object_set_new(m->c->rec, files[i],
					    json_string(json_get_str(nc->rec, files[i]) ?: ""));
		json_object_set_new(
			cfg, "Hostname",
			json_string(json_get_str(json_object_get(nc->rec, "Config"), "Hostname")
					    ?: ""));
		*ret_netns = xasprintf("/proc/%d/ns/net", (int) nc->state.pid);
	}
	container_free(nc);
	return r;
}

/* The arguments of cgroup_join(). */
struct cgroup_join {
	struct monitor *m;
	const struct rt_resources *res; /* the spec's linux.resources, as the runtime read them */
	const struct rt_device_rule *rules; /* and its device rules, runc's defaults appended */
	size_t n_rules;
};

/*
 * rt_config.on_clone: put the new process (it waits for GO until its exec) in
 * its cgroups, while it mounts its root.
 */
static int cgroup_join(pid_t pid, void *arg, struct hull_err **err)
{
	struct cgroup_join *j = arg;
	struct monitor *m = j->m;
	/* without limits never fatal: a container runs without cgroups, it only cannot be
	 * paused; limits the user asked for are applied or the start fails */
	struct hull_err *ce = NULL;
	json_t *hull = json_object_get(m->c->rec, "Hull");
	bool limited = rt_resources_any(j->res);
	int r = 0, k;

	k = rt_cgroup_create(m->c->id, pid, limited ? j->res : NULL, &m->cg_dirs, &ce);
	if (k == 0) {
		json_object_del(hull, "CgroupError");
	} else if (limited) {
		r = err_setx(err, -k, "set resource limits: %s", ce->msg);
		err_free(ce);
	} else {
		json_object_set_new(hull, "CgroupError", json_string(ce->msg));
		err_free(ce);
	}
	/* the device rules are: no container runs without them where the host can
	 * enforce them (the process still waits for GO, so they hold from its exec) */
	if (r == 0)
		r = rt_cgroup_devices_create(m->c->id, pid, j->rules, j->n_rules, &m->cg_dirs, err);
	json_object_set_new(hull, "Cgroups",
			    m->cg_dirs ? json_from_strv(m->cg_dirs) : json_array());
	return r;
}

/* Set up everything and start the process; on failure nothing is left running. */
static int monitor_launch(struct monitor *m, struct hull_err **err)
{
	_cleanup_free_ char *netns = NULL;
	_cleanup_(image_freep) struct image *img = NULL;
	_cleanup_strv_ char **lower = NULL, **env = NULL, **args = NULL;
	_cleanup_free_ gid_t *groups = NULL;
	_cleanup_free_ char *home = NULL, *upper = NULL, *work = NULL, *rootfs = NULL;
	_cleanup_strv_ char **tmpfs = NULL, **sysctls = NULL;
	_cleanup_free_ char *shm_path = NULL;
	_cleanup_free_ struct rt_throttle *throttle = NULL;
	_cleanup_free_ struct rt_mount *all_mounts = NULL;
	_cleanup_free_ struct port_map *specs = NULL;
	struct rt_resources res;
	json_t *cfg = json_object_get(m->c->rec, "Config");
	json_t *hc = json_object_get(m->c->rec, "HostConfig");
	struct container_net_mode mode = container_net_mode(m->c->rec);
	const char *net = mode.name;
	_cleanup_(container_security_release) struct container_security sec = {0};
	struct container_oci_spec spec = {0};
	struct rt_config rc;
	_cleanup_(rt_bundle_freep) struct rt_bundle *bundle = NULL;
	_cleanup_json_ json_t *process = NULL, *oci = NULL, *rlimits = NULL;
	bool terminal = false;
	int stdio[3];
	_cleanup_(container_devices_release) struct container_devices devs = {0};
	struct rt_process *p = NULL;
	struct cgroup_join cj;
	int pipes[3][2] = {{-1, -1}, {-1, -1}, {-1, -1}};
	int slave = -1;
	char mac[18]; /* --mac-address of the first network, "" for 02:42:IP */
	uid_t uid;
	gid_t gid;
	size_t n_groups = 0;
	int r;

	/* capabilities and the seccomp filter (cached: container/security.h) */
	r = container_security_load(m->runroot, hc, &sec, err);
	if (r < 0)
		return r;
	container_security_apply(&sec, &spec);
	spec.host_net = mode.kind == CONTAINER_NET_HOST;
	r = container_namespaces_apply(m->s, hc, m->c->dir, &spec, &sysctls, &shm_path, err);
	if (r < 0)
		return r;
	if (streq(json_get_str(hc, "IpcMode") ? json_get_str(hc, "IpcMode") : "", "shareable")) {
		/* docker's shareable IPC: a /dev/shm on the host side that others can join */
		r = container_shm_mount(shm_path, spec.shm_size, err);
		if (r < 0)
			return r;
	}
	r = store_image_get(m->s, json_get_str(m->c->rec, "Image"), &img, err);
	if (r < 0)
		return r;
	lower = store_image_lowerdirs(m->s, img);
	upper = path_join(m->c->dir, "upper");
	work = path_join(m->c->dir, "work");
	rootfs = path_join(m->c->dir, "rootfs");
	r = container_rt_resources(hc, &res, &throttle, err);
	if (r < 0)
		return r;
	r = image_user_resolve(lower, upper, json_get_str(cfg, "User"), &uid, &gid, &groups,
			       &n_groups, &home, err);
	if (r < 0)
		return r;
	r = group_add_resolve(lower, upper, json_object_get(hc, "GroupAdd"), &groups, &n_groups,
			      err);
	if (r < 0)
		return r;
	(void) json_to_strv(json_object_get(cfg, "Env"), &env);
	STRV_FOREACH (e, m->o->extra_env)
		strv_env_set(&env, *e);
	{
		_cleanup_free_ char *hn = xasprintf("HOSTNAME=%s", json_get_str(cfg, "Hostname"));
		if (!strv_env_get(env, "HOSTNAME"))
			strv_env_set(&env, hn);
		if (!strv_env_get(env, "HOME")) {
			_cleanup_free_ char *h = xasprintf("HOME=%s", home);
			strv_env_set(&env, h);
		}
	}
	strv_push(&args, json_get_str(m->c->rec, "Path"));
	{
		size_t i;
		json_t *a;
		json_array_foreach (json_object_get(m->c->rec, "Args"), i, a)
			strv_push(&args, json_string_value(a));
	}

	if (mode.kind == CONTAINER_NET_CONTAINER) {
		r = join_container_network(m, mode.container, &netns, err);
		if (r < 0)
			return r;
	}
	/* Network first: ports must be free before anything starts. */
	m->ports = (free(m->ports), NULL);
	ports_from_json(json_object_get(hc, "PortBindings"), &m->ports, &m->n_ports);
	if (json_is_true(json_object_get(hc, "PublishAllPorts")))
		publish_all(json_object_get(json_object_get(m->c->rec, "Config"), "ExposedPorts"),
			    &m->ports, &m->n_ports);
	if (m->n_ports) {
		specs = xcalloc(m->n_ports, sizeof(*specs));
		memcpy(specs, m->ports, m->n_ports * sizeof(*specs));
	}
	if (m->n_ports > CONTAINER_PORTS_MAX && mode.kind != CONTAINER_NET_HOST &&
	    mode.kind != CONTAINER_NET_NONE)
		/* each is a host socket the proxy holds, and libnftables cannot take an fd
		 * past FD_SETSIZE */
		return err_setx(err, E2BIG,
				"too many published ports: hull publishes at most %d ports of a "
				"container",
				CONTAINER_PORTS_MAX);
	if (netns) {
		m->n_ports = 0; /* refused at create: the other container's ports are its own */
	} else if (mode.kind == CONTAINER_NET_USER &&
		   json_object_get(record_networks(m->c->rec), net)) {
		/* a user network: the address under its lock, so that `network rm` waits
		 * (not one the container was disconnected from: then it has no first one) */
		json_t *ep = json_object_get(record_networks(m->c->rec), net);
		const char *want = json_get_str(json_object_get(ep, "IPAMConfig"), "IPv4Address");
		const char *want6 = json_get_str(json_object_get(ep, "IPAMConfig"), "IPv6Address");
		r = network_join(m->s, net, m->c->id, isempty(want) ? NULL : want, want6, &m->br,
				 m->ip, m->ip6, err);
		if (r < 0)
			return r;
		m->user_net = true;
		if (m->br.internal)
			m->n_ports = 0; /* docker publishes nothing from an internal network */
		if (m->n_ports) {
			r = net_ports_reserve(m->ports, m->n_ports, *m->ip6, &m->port_fds, err);
			if (r < 0)
				goto fail;
			m->n_port_fds = m->n_ports;
			r = ports_reserve_dual(m, specs, err);
			if (r < 0)
				goto fail;
		}
	} else if (mode.kind == CONTAINER_NET_BRIDGE) {
		r = net_bridge_setup(err);
		if (r < 0)
			return r;
		r = net_ip_alloc(NET_STATE_DIR, m->c->id, m->ip, err);
		if (r < 0)
			return network_ip_exhausted(m->s, "bridge", r, err);
		if (m->n_ports) {
			r = net_ports_reserve(m->ports, m->n_ports, false, &m->port_fds, err);
			if (r < 0)
				goto fail;
			m->n_port_fds = m->n_ports;
			r = ports_reserve_dual(m, specs, err);
			if (r < 0)
				goto fail;
		}
	} else if (m->n_ports) {
		/* docker ignores -p with --network host/none, with a warning */
		m->n_ports = 0;
	}
	/* the other container's files, as they are, when its network is joined */
	r = netns ? 0 : write_etc_files(m, json_get_str(cfg, "Hostname"), err);
	if (r == 0 && m->user_net)
		r = monitor_hosts_join(m, net, err);
	if (r < 0)
		goto fail;

	/* stdio */
	if (m->o->tty) {
		m->r.pty_master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (m->r.pty_master < 0 || grantpt(m->r.pty_master) < 0 ||
		    unlockpt(m->r.pty_master) < 0) {
			r = err_set(err, errno, "allocate a pseudo-terminal");
			goto fail;
		}
		slave = open(ptsname(m->r.pty_master), O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (slave < 0) {
			r = err_set(err, errno, "open the pseudo-terminal");
			goto fail;
		}
		if (isatty(STDIN_FILENO) && !m->o->detach) {
			struct winsize ws;
			if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
				(void) ioctl(m->r.pty_master, TIOCSWINSZ, &ws);
		} else if (m->o->tty_rows && m->o->tty_cols) {
			struct winsize ws = {.ws_row = m->o->tty_rows, .ws_col = m->o->tty_cols};
			(void) ioctl(m->r.pty_master, TIOCSWINSZ, &ws);
		}
		terminal = true;
		stdio[0] = stdio[1] = stdio[2] = slave;
	} else {
		for (int i = 0; i < 3; i++) {
			if (i == 0 && !m->o->interactive)
				continue;
			if (pipe2(pipes[i], O_CLOEXEC) < 0) {
				r = err_set(err, errno, "create pipe");
				goto fail;
			}
		}
		stdio[0] = pipes[0][0]; /* -1 without -i: /dev/null (runtime.h) */
		stdio[1] = pipes[1][1];
		stdio[2] = pipes[2][1];
	}

	/*
	 * The container in the OCI runtime spec's words, parsed by the runtime as a
	 * bundle's config.json is (docs/internals/runtime.md "OCI bundles").
	 */
	spec.rootfs = rootfs;
	spec.lowerdirs = lower;
	spec.upperdir = upper;
	spec.workdir = work;
	spec.overlay_volatile = container_is_disposable(m->c);
	spec.readonly_rootfs = json_is_true(json_object_get(hc, "ReadonlyRootfs"));
	spec.hostname = json_get_str(cfg, "Hostname");
	spec.netns_path = netns; /* --network container:NAME */
	spec.hosts_path = json_get_str(m->c->rec, "HostsPath");
	spec.hostname_path = json_get_str(m->c->rec, "HostnamePath");
	spec.resolv_path = json_get_str(m->c->rec, "ResolvConfPath");
	if (json_is_true(json_object_get(hc, "Init"))) {
		spec.init_path = container_init_path(); /* static storage */
		if (!spec.init_path) {
			r = err_setx(
				err, ENOENT,
				"--init: the init binary 'hull-init' was not found next to hull");
			goto fail;
		}
		/* moby WithInit: the init runs the command; Path and Args stay the user's */
		char **wrapped = strv_new();

		strv_push(&wrapped, CONTAINER_INIT_TARGET);
		strv_push(&wrapped, "--");
		STRV_FOREACH (a, args)
			strv_push(&wrapped, *a);
		strv_free(args);
		args = wrapped;
	}
	spec.tmpfs = json_object_get(hc, "Tmpfs");
	r = container_rt_mounts(m->s, m->c, &m->mounts, &m->n_mounts, err);
	if (r < 0)
		goto fail;
	spec.mounts = m->mounts;
	spec.n_mounts = m->n_mounts;
	if (m->o->n_extra_mounts) {
		/* a build step's mounts, after the image's volumes they may sit in */
		all_mounts = xcalloc(m->n_mounts + m->o->n_extra_mounts, sizeof(*all_mounts));
		if (m->n_mounts)
			memcpy(all_mounts, m->mounts, m->n_mounts * sizeof(*all_mounts));
		memcpy(all_mounts + m->n_mounts, m->o->extra_mounts,
		       m->o->n_extra_mounts * sizeof(*all_mounts));
		spec.mounts = all_mounts;
		spec.n_mounts = m->n_mounts + m->o->n_extra_mounts;
	}
	r = container_devices_resolve(hc, &devs, err);
	if (r < 0)
		goto fail;
	spec.devices = devs.devices;
	spec.n_devices = devs.n_devices;
	spec.device_rules = devs.rules;
	spec.n_device_rules = devs.n_rules;
	spec.resources = &res;
	spec.sysctls = sysctls;
	rlimits = container_oci_rlimits(hc);
	{
		struct container_oci_process op = {
			.args = args,
			.env = env,
			.cwd = json_get_str(cfg, "WorkingDir") && *json_get_str(cfg, "WorkingDir")
				       ? json_get_str(cfg, "WorkingDir")
				       : "/",
			.uid = uid,
			.gid = gid,
			.groups = groups,
			.n_groups = n_groups,
			.terminal = terminal,
			.caps = sec.caps,
			.no_new_privs = sec.no_new_privs,
			.rlimits = rlimits,
		};
		process = container_oci_process(&op);
	}
	spec.process = process;
	oci = container_oci_spec(&spec);
	r = rt_bundle_from_spec(oci, m->c->dir, &bundle, err);
	if (r < 0)
		goto fail;
	rc = bundle->config;
	memcpy(rc.stdio, stdio, sizeof(stdio));
	/* linux.seccomp's filter, compiled once per profile (container/security.h) */
	rc.seccomp = sec.seccomp;
	cj = (struct cgroup_join){.m = m,
				  .res = &bundle->resources,
				  .rules = bundle->device_rules,
				  .n_rules = bundle->n_device_rules};
	rc.on_clone = cgroup_join;
	rc.on_clone_arg = &cj;
	r = rt_create(&rc, &p, err);
	if (r < 0) {
		if (m->cg_dirs) {
			rt_cgroup_remove(m->cg_dirs);
			m->cg_dirs = strv_free(m->cg_dirs);
		}
		json_object_set_new(json_object_get(m->c->rec, "Hull"), "Cgroups", json_array());
		goto fail;
	}
	m->r.pid = p->pid;
	r = 0;
	if (r == 0 && json_integer_value(json_object_get(hc, "OomScoreAdj"))) {
		/* inherited by everything the process starts (runc writes it before exec too) */
		_cleanup_free_ char *path = xasprintf("/proc/%d/oom_score_adj", (int) p->pid);
		_cleanup_free_ char *v = xasprintf(
			"%d", (int) json_integer_value(json_object_get(hc, "OomScoreAdj")));
		_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, v, strlen(v)) < 0)
			r = err_set(err, errno, "set oom_score_adj %s", v);
	}
	network_endpoint_mac(m->c->rec, net ?: "bridge", mac);
	if (r < 0) {
		/* same clean-up as a failed start below */
	} else if (m->user_net) {
		r = net_attach_bridge(p->pid, m->c->id, m->ip, m->ip6, mac, &m->br, err);
		if (r == 0 && m->n_ports) {
			r = net_ports_add(m->ip, m->ip6, m->ports, m->n_ports, err);
			m->ports_added = r == 0;
			if (r == 0)
				r = ports_proxy_start(m, p->pid, err);
		}
	} else if (streq(net, "bridge")) {
		r = net_attach(p->pid, m->c->id, m->ip, mac, err);
		if (r == 0 && m->n_ports) {
			r = net_ports_add(m->ip, NULL, m->ports, m->n_ports, err);
			m->ports_added = r == 0;
			if (r == 0)
				r = ports_proxy_start(m, p->pid, err);
		}
	} else if (r == 0 && !streq(net, "host")) {
		/* none, or a first network the container was disconnected from */
		r = net_loopback_up(p->pid, err);
	}
	if (r == 0)
		r = monitor_join_extra(m, net, p->pid, err);
	if (r == 0)
		r = resolver_sockets(m, p->pid, err);
	if (r == 0)
		r = rt_start(p, err);
	if (r < 0) {
		resolver_sockets_close(m);
		int status;
		(void) kill(p->pid, SIGKILL);
		(void) waitpid(p->pid, &status, 0);
		m->r.pid = 0;
		if (m->cg_dirs) {
			rt_cgroup_remove(m->cg_dirs);
			m->cg_dirs = strv_free(m->cg_dirs);
		}
		json_object_set_new(json_object_get(m->c->rec, "Hull"), "Cgroups", json_array());
		goto fail;
	}
	p = rt_process_free(p);

	/* keep the read ends only */
	if (slave >= 0)
		close(slave);
	for (int i = 1; i < 3; i++)
		if (pipes[i][1] >= 0)
			close(pipes[i][1]);
	if (pipes[0][0] >= 0)
		close(pipes[0][0]);
	if (m->o->tty) {
		m->r.st[0].fd = m->r.pty_master;
	} else {
		m->r.st[0].fd = pipes[1][0];
		m->r.st[1].fd = pipes[2][0];
	}
	m->r.in_dst = m->o->tty ? m->r.pty_master : pipes[0][1];
	{
		json_t *ns = json_object_get(m->c->rec, "NetworkSettings");
		/* docker shows the top-level address of the default bridge only */
		bool dflt = *m->ip && !m->user_net;
		json_object_set_new(ns, "IPAddress", json_string(dflt ? m->ip : ""));
		json_object_set_new(ns, "Gateway", json_string(dflt ? NET_GATEWAY : ""));
		json_object_set_new(ns, "IPPrefixLen", json_integer(dflt ? NET_PREFIXLEN : 0));
		if (dflt && !*mac)
			net_mac_from_ip(m->ip, mac);
		json_object_set_new(ns, "MacAddress", json_string(dflt ? mac : ""));
		if (m->user_net)
			record_endpoint(m, net);
		json_object_set_new(ns, "Ports", port_bindings_json(m->ports, m->n_ports, true));
	}
	return 0;

fail:
	rt_process_free(p);
	if (slave >= 0)
		close(slave);
	for (int i = 0; i < 3; i++)
		for (int k = 0; k < 2; k++)
			if (pipes[i][k] >= 0)
				close(pipes[i][k]);
	monitor_net_cleanup(m);
	rt_mounts_free(m->mounts, m->n_mounts);
	m->mounts = NULL;
	m->n_mounts = 0;
	return r;
}

/*
 * After the process exited: take from the file what `hull update` changed
 * while it ran, HostConfig and the cgroups it added (cpu, cpuset), so that
 * the record saved next does not undo the update and every cgroup is freed.
 */
static void monitor_sync_update(struct monitor *m)
{
	_cleanup_free_ char *p = path_join(m->c->dir, "config.json");
	_cleanup_json_ json_t *disk = NULL;
	_cleanup_strv_ char **cg = NULL;

	if (json_load_path(p, 16 << 20, &disk, NULL) < 0)
		return;
	if (json_is_object(json_object_get(disk, "HostConfig")))
		json_object_set(m->c->rec, "HostConfig", json_object_get(disk, "HostConfig"));
	/* and the networks `network connect|disconnect` changed: all are released */
	if (json_is_object(record_networks(disk)))
		json_object_set(json_object_get(m->c->rec, "NetworkSettings"), "Networks",
				record_networks(disk));
	/* and the health checks' results, written by the probes (container/health.c) */
	if (json_is_object(json_object_get(json_object_get(disk, "State"), "Health")))
		json_object_set(json_object_get(m->c->rec, "State"), "Health",
				json_object_get(json_object_get(disk, "State"), "Health"));
	(void) json_to_strv(json_object_get(json_object_get(disk, "Hull"), "Cgroups"), &cg);
	STRV_FOREACH (d, cg)
		if (!strv_contains(m->cg_dirs, *d))
			strv_push(&m->cg_dirs, *d);
}

/* Free what one run of the process held: network, cgroups, mounts, its stdin. */
static void monitor_teardown(struct monitor *m)
{
	if (m->connected) {
		/* what the container is on now: `network connect|disconnect` may have changed it */
		json_t *nets = network_attached(m->s, m->c->rec, true);

		m->connected = false;
		if (m->hold_disconnects) {
			json_decref(m->disconnects);
			m->disconnects = nets;
		} else {
			network_attached_events(m->s, m->c->id, nets, "disconnect");
			json_decref(nets);
		}
	}
	monitor_net_cleanup(m);
	container_shm_unmount(m->c->dir);
	if (m->cg_dirs) {
		rt_cgroup_remove(m->cg_dirs);
		m->cg_dirs = strv_free(m->cg_dirs);
	}
	rt_mounts_free(m->mounts, m->n_mounts);
	m->mounts = NULL;
	m->n_mounts = 0;
	if (m->r.in_dst >= 0 && m->r.in_dst != m->r.pty_master)
		close(m->r.in_dst);
	m->r.in_dst = -1;
}

static void monitor_finish(struct monitor *m, int exit_code)
{
	/* the runtime state (the attach socket) goes with the process */
	if (json_get_str(json_object_get(m->c->rec, "Hull"), "RunDir"))
		(void) rm_rf(json_get_str(json_object_get(m->c->rec, "Hull"), "RunDir"), NULL);
	int32_t ec = exit_code;

	/* the OOM killer's SIGKILL (moby's State.OOMKilled); the cgroup still exists here */
	m->oom_killed =
		exit_code == 128 + SIGKILL && m->cg_dirs && rt_cgroup_oom_kills(m->cg_dirs) > 0;
	monitor_sync_update(m);
	m->hold_disconnects = true;
	monitor_teardown(m);
	m->hold_disconnects = false;
	log_file_release(&m->r.log);
	if (json_is_true(json_object_get(json_object_get(m->c->rec, "HostConfig"), "AutoRemove"))) {
		_cleanup_free_ char *code = xasprintf("%d", exit_code);

		if (m->oom_killed)
			container_event(m->c, "oom", NULL);
		container_event(m->c, "die", "exitCode", code, NULL);
		network_attached_events(m->s, m->c->id, m->disconnects, "disconnect");
		container_event(m->c, "destroy", NULL);
		(void) container_dir_remove(m->s, m->runroot, m->c, NULL);
		container_volumes_remove(m->s, m->c); /* --rm also removes anonymous volumes */
	} else {
		record_state(m, CONTAINER_EXITED, exit_code, NULL);
		network_attached_events(m->s, m->c->id, m->disconnects, "disconnect");
	}
	json_decref(m->disconnects);
	m->disconnects = NULL;
	/* clients learn the exit once it is recorded, as docker run returns after it */
	attach_server_broadcast(&m->r.as, ATTACH_EXIT, &ec, sizeof(ec));
	attach_server_close(&m->r.as);
}

/* Report protocol from a detached monitor: int exit code (0 = started) + message. */
static void report(int fd, int code, const char *msg)
{
	size_t n = msg ? strlen(msg) : 0;
	char buf[sizeof(int) + 4096];

	if (n > 4096)
		n = 4096;
	memcpy(buf, &code, sizeof(int));
	if (n)
		memcpy(buf + sizeof(int), msg, n);
	(void) write_all(fd, buf, sizeof(int) + n);
}

/* fds handed on to hull-monitor, cleared of FD_CLOEXEC until the exec */
struct keep_fds {
	int *fd;
	size_t n;
};

/* "FLAG FD" onto @argv when @fd is open; the fd will stay open across exec */
static void push_fd(char ***argv, struct keep_fds *k, const char *flag, int fd)
{
	if (fd < 0)
		return;
	strv_push(argv, flag);
	strv_consume(argv, xasprintf("%d", fd));
	k->fd = xrealloc(k->fd, (k->n + 1) * sizeof(int));
	k->fd[k->n++] = fd;
	(void) fcntl(fd, F_SETFD, 0);
}

/* after a failed exec: the fds are ours again, closed at any later exec */
static void keep_fds_undo(struct keep_fds *k)
{
	for (size_t i = 0; i < k->n; i++)
		(void) fcntl(k->fd[i], F_SETFD, FD_CLOEXEC);
	free(k->fd);
	k->fd = NULL;
	k->n = 0;
}

/* hull-monitor's flags for the rotation of @lf (src/monitor/monitor.c) */
static void push_log_flags(char ***argv, const struct log_file *lf)
{
	if (lf->format == LOG_FORMAT_LOCAL) {
		strv_push(argv, "--log-format");
		strv_push(argv, "local");
	}
	if (lf->attrs) {
		strv_push(argv, "--log-attrs");
		strv_push(argv, lf->attrs);
	}
	if (!lf->path || lf->max_size < 0)
		return;
	strv_push(argv, "--log-path");
	strv_push(argv, lf->path);
	strv_push(argv, "--log-max-size");
	strv_consume(argv, xasprintf("%lld", (long long) lf->max_size));
	strv_push(argv, "--log-max-file");
	strv_consume(argv, xasprintf("%d", lf->max_file));
	if (lf->compress)
		strv_push(argv, "--log-compress");
}

/*
 * hull-monitor's path, and this hull's (@self) for it to exec afterwards;
 * NULL when the monitor stays in this process (no hull-monitor, or
 * HULL_NO_MONITOR_EXEC set).
 */
static const char *monitor_helper(char self[PATH_MAX])
{
	const char *helper = container_helper_path("hull-monitor");
	const char *exe = rt_exe_path(); /* the file on disk: it seals itself again */

	if (!helper || !exe || getenv("HULL_NO_MONITOR_EXEC"))
		return NULL;
	(void) snprintf(self, PATH_MAX, "%s", exe);
	return helper;
}

/* `SELF --root R --runroot RR container-health ID`: one health probe (container_health_probe()). */
static char **health_cmd(struct monitor *m, const char *self)
{
	char **argv = strv_new();

	strv_push(&argv, self);
	strv_push(&argv, "--root");
	strv_push(&argv, m->s->root);
	strv_push(&argv, "--runroot");
	strv_push(&argv, m->runroot);
	strv_push(&argv, "container-health");
	strv_push(&argv, m->c->id);
	return argv;
}

/*
 * The health checks of the run that starts, when the container has a probe:
 * hull-monitor's flags (@argv non-NULL: --health-first MS --health-delay MS
 * --health-arg ARG...), or else the timer that relay_run() keeps in this process.
 */
static void monitor_health_setup(struct monitor *m, char ***argv, const char *self)
{
	int first, delay;

	m->r.health = NULL;
	m->health_argv = strv_free(m->health_argv);
	if (!self || !container_health_schedule(m->c->rec, m->c->state.started_at, &first, &delay))
		return;
	m->health_argv = health_cmd(m, self);
	if (argv) {
		strv_push(argv, "--health-first");
		strv_consume(argv, xasprintf("%d", first));
		strv_push(argv, "--health-delay");
		strv_consume(argv, xasprintf("%d", delay));
		STRV_FOREACH (a, m->health_argv) {
			strv_push(argv, "--health-arg");
			strv_push(argv, *a);
		}
		return;
	}
	health_timer_init(&m->health, m->health_argv, first, delay);
	m->r.health = &m->health;
}

/*
 * `SELF --root R --runroot RR container-monitor ID --log FD --listen FD
 * --port FD...`: the command that takes the container over from hull-monitor
 * (container_monitor_resume()); the caller adds the rest.
 */
static void push_resume_cmd(struct monitor *m, char ***argv, struct keep_fds *k, const char *self)
{
	strv_push(argv, "--");
	strv_push(argv, self);
	strv_push(argv, "--root");
	strv_push(argv, m->s->root);
	strv_push(argv, "--runroot");
	strv_push(argv, m->runroot);
	strv_push(argv, "container-monitor");
	strv_push(argv, m->c->id);
	push_fd(argv, k, "--log", m->r.log.fd);
	push_fd(argv, k, "--listen", m->r.as.listen_fd);
	/* no --port: the reservations are the proxy's (ports_proxy_start()) */
}

/*
 * Hand the watching of the started container to hull-monitor, a small static
 * program, by exec: the pid stays, so the container remains our child, and the
 * fds it needs stay open. When the container exits, hull-monitor execs
 * `hull container-monitor` (monitor_resume()) to restart or finish it. The
 * command line is documented in src/monitor/monitor.c. Returns only when
 * hull-monitor cannot be run: then this process goes on watching.
 */
static void monitor_exec(struct monitor *m, int delay)
{
	char self[PATH_MAX];
	const char *helper = monitor_helper(self);
	_cleanup_strv_ char **argv = strv_new();
	struct keep_fds k = {.n = 0};
	siginfo_t si = {0};

	if (!helper)
		return;
	/* already exited (`run -t IMAGE true`): finishing here saves two execs */
	if (waitid(P_PID, (id_t) m->r.pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
	    si.si_pid == m->r.pid)
		return;
	strv_push(&argv, helper);
	strv_push(&argv, "--pid");
	strv_consume(&argv, xasprintf("%d", (int) m->r.pid));
	push_fd(&argv, &k, "--log", m->r.log.fd);
	if (m->r.log.fd >= 0)
		push_log_flags(&argv, &m->r.log);
	if (m->r.st[0].fd != m->r.pty_master)
		push_fd(&argv, &k, "--stdout", m->r.st[0].fd);
	push_fd(&argv, &k, "--stderr", m->r.st[1].fd);
	push_fd(&argv, &k, "--stdin", m->r.in_dst != m->r.pty_master ? m->r.in_dst : -1);
	push_fd(&argv, &k, "--pty", m->r.pty_master);
	push_fd(&argv, &k, "--listen", m->r.as.listen_fd);
	for (size_t i = 0; i < ATTACH_CLIENTS; i++)
		push_fd(&argv, &k, "--client", m->r.as.cl[i].fd);
	if (m->r.reap > 0) {
		strv_push(&argv, "--reap");
		strv_consume(&argv, xasprintf("%d", (int) m->r.reap));
	}
	if (m->r.dns_fd[0] >= 0 && m->r.resolver_argv) {
		push_fd(&argv, &k, "--dns-udp", m->r.dns_fd[0]);
		push_fd(&argv, &k, "--dns-tcp", m->r.dns_fd[1]);
		STRV_FOREACH (a, m->r.resolver_argv) {
			strv_push(&argv, "--resolver-arg");
			strv_push(&argv, *a);
		}
	}
	monitor_health_setup(m, &argv, self);
	/* what stays the same until the exit: hull-monitor appends --exit-code, --stdin, --client
	 */
	push_resume_cmd(m, &argv, &k, self);
	push_fd(&argv, &k, "--pty", m->r.pty_master);
	strv_push(&argv, "--delay");
	strv_consume(&argv, xasprintf("%d", delay));
	/* nothing of ours is needed any more: the record is saved, the rest is in argv */
	(void) execv(helper, argv);
	keep_fds_undo(&k);
}

/*
 * The restart back-off of a detached container, slept in hull-monitor rather
 * than in this (much larger) process: exec `hull-monitor --sleep @delay
 * --stop-marker PATH -- HULL ... container-monitor ID ... --exit-code @code
 * --restart-now`. hull-monitor sleeps, cut short by the stop marker, then
 * execs that hull, which relaunches (or, marked stopped, finishes). The
 * network, cgroups and port reservations stay as they are meanwhile; attach
 * clients stay connected (and hear nothing) until the next run. Returns only
 * when hull-monitor cannot be run: the caller then sleeps itself.
 */
static void monitor_exec_sleep(struct monitor *m, int code, int delay)
{
	char self[PATH_MAX];
	const char *helper = monitor_helper(self);
	_cleanup_strv_ char **argv = strv_new();
	struct keep_fds k = {.n = 0};

	if (!helper)
		return;
	strv_push(&argv, helper);
	strv_push(&argv, "--sleep");
	strv_consume(&argv, xasprintf("%d", delay));
	strv_push(&argv, "--stop-marker");
	strv_consume(&argv, container_stop_marker(m->c));
	push_resume_cmd(m, &argv, &k, self);
	for (size_t i = 0; i < ATTACH_CLIENTS; i++)
		push_fd(&argv, &k, "--client", m->r.as.cl[i].fd);
	strv_push(&argv, "--delay");
	strv_consume(&argv, xasprintf("%d", delay));
	strv_push(&argv, "--exit-code");
	strv_consume(&argv, xasprintf("%d", code));
	strv_push(&argv, "--restart-now");
	(void) execv(helper, argv);
	keep_fds_undo(&k);
}

/*
 * Watch the container until it exits for good: relay (in the foreground) or
 * hand over to hull-monitor (detached), and restart it as its policy says.
 * @running: the process is up; else it exited with @code. @delay: the
 * restart back-off so far (restart.c). @restart_now: the back-off after that
 * exit is already slept (hull-monitor --sleep): restart unless marked
 * stopped. Returns the final exit code.
 */
static int monitor_supervise(struct monitor *m, int sfd, bool running, int code, int delay,
			     bool restart_now)
{
	for (;;) {
		if (running) {
			if (m->o->detach)
				monitor_exec(m, delay);
			/* in this process (foreground, or no hull-monitor): the probes too */
			monitor_health_setup(m, NULL, rt_exe_path());
			code = relay_run(&m->r, sfd);
			m->r.health = NULL;
			/* what others wrote meanwhile (update, the probes' results) */
			monitor_sync_update(m);
		}
		if (restart_now) {
			restart_now = false;
			if (!container_restart_resume(m->c, 0))
				return code;
		} else {
			if (!m->o->detach || !container_restart_decide(m->c, code, &delay))
				return code;
			monitor_exec_sleep(m, code, delay);
			if (!container_restart_resume(m->c, delay))
				return code;
		}
		/* the restart policy: the same container again, from the network up */
		monitor_sync_update(m);
		monitor_teardown(m);
		if (m->r.pty_master >= 0)
			close(m->r.pty_master);
		m->r.pty_master = -1;
		if (monitor_launch(m, NULL) < 0)
			return code;
		record_state(m, CONTAINER_RUNNING, 0, NULL);
		running = true;
	}
}

/* What monitor_finish() leaves: the pty master and the port list. */
static void monitor_release(struct monitor *m)
{
	if (m->r.pty_master >= 0)
		close(m->r.pty_master);
	m->r.pty_master = -1;
	free(m->ports);
	m->ports = NULL;
	m->health_argv = strv_free(m->health_argv);
	m->dns_up = strv_free(m->dns_up);
	m->resolver_argv = strv_free(m->resolver_argv);
	m->r.resolver_argv = NULL;
	json_decref(m->disconnects);
	m->disconnects = NULL;
}

static int monitor_run(struct store *s, const char *runroot, struct container *c,
		       const struct run_opts *o, int report_fd, int listen_fd, int *ret_exit_code,
		       struct hull_err **err)
{
	struct monitor m = {.s = s, .runroot = runroot, .c = c, .o = o};
	sigset_t mask, old;
	struct termios saved;
	bool raw = false;
	int sfd, r, code;

	if (listen_fd < 0 && attach_listen(container_run_dir(runroot, c), &listen_fd, NULL) < 0)
		listen_fd = -1; /* attach is a convenience: run without it */
	relay_init(&m.r, listen_fd);
	if (!o->detach) {
		/* -a: a stream not attached is only logged */
		unsigned a = run_attached(o);
		if (a & RUN_ATTACH_STDOUT)
			m.r.st[0].out_fd = o->out_fd >= 0 ? o->out_fd : STDOUT_FILENO;
		if (a & RUN_ATTACH_STDERR)
			m.r.st[1].out_fd = o->out_fd >= 0 ? o->out_fd : STDERR_FILENO;
		if (o->interactive)
			m.r.in_src = STDIN_FILENO;
	}
	container_mark_stopped(c, false);
	if (!o->auto_remove || o->detach) {
		(void) container_log_open(c, &m.r.log); /* logging is no reason to fail */
	}

	relay_sigmask(&mask);
	sigprocmask(SIG_BLOCK, &mask, &old);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		r = err_set(err, errno, "signalfd");
		sigprocmask(SIG_SETMASK, &old, NULL);
		return r;
	}

	if (!o->detach)
		container_event(c, "attach", NULL); /* the caller's streams: docker run's attach */
	r = monitor_launch(&m, err);
	if (r < 0) {
		/* docker leaves a container that failed to start in "created" with the error */
		int ec = (err && *err && (*err)->exit_code) ? (*err)->exit_code : 125;
		c->state.exit_code = ec == 125 ? 128 : ec;
		container_state_set_error(&c->state, err && *err ? (*err)->msg : NULL);
		log_file_release(&m.r.log);
		if (o->auto_remove)
			(void) container_dir_remove(s, runroot, c, NULL);
		else
			(void) container_save(c, NULL);
		close(sfd);
		sigprocmask(SIG_SETMASK, &old, NULL);
		attach_server_close(&m.r.as);
		free(m.ports);
		return r;
	}
	record_state(&m, CONTAINER_RUNNING, 0, NULL);
	/* clients that connected before the start see all of the output */
	attach_server_accept(&m.r.as);
	if (report_fd >= 0) {
		report(report_fd, 0, NULL);
		close(report_fd);
	}
	if (o->tty && !o->detach)
		raw = relay_tty_raw(STDIN_FILENO, &saved);
	code = monitor_supervise(&m, sfd, true, 0, 0, false);
	if (raw)
		relay_tty_restore(STDIN_FILENO, &saved);
	monitor_finish(&m, code);
	monitor_release(&m);
	close(sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	*ret_exit_code = code;
	return 0;
}

/* The fd number of @arg (a flag's value); -1 when it is not one of ours. */
static int fd_arg(const char *arg)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (*arg < '0' || *arg > '9' || *end || v < 3 || v > INT_MAX || fcntl((int) v, F_GETFD) < 0)
		return -1;
	/* the container process of a restart must not get it */
	(void) fcntl((int) v, F_SETFD, FD_CLOEXEC);
	return (int) v;
}

int container_monitor_resume(struct store *s, const char *runroot, int argc, char **argv,
			     struct hull_err **err)
{
	struct container *c = NULL;
	struct run_opts o;
	struct monitor m = {.s = s, .runroot = runroot, .o = &o};
	json_t *ns, *hull;
	sigset_t mask;
	int code = -1, delay = 0, sfd, r;
	bool restart_now = false;

	if (argc < 2)
		return err_setx(err, EINVAL, "container-monitor: no container given");
	r = container_load(s, argv[1], &c, err);
	if (r < 0)
		return r;
	hull = json_object_get(c->rec, "Hull");
	if (json_integer_value(json_object_get(hull, "MonitorPid")) != getpid()) {
		container_free(c);
		return err_setx(
			err, EPERM,
			"container-monitor: only the monitor of %s runs this (hull-monitor)",
			argv[1]);
	}
	container_run_opts(c, &o);
	m.c = c;
	relay_init(&m.r, -1);
	for (int i = 2; i < argc; i++) {
		if (streq(argv[i], "--restart-now")) {
			restart_now = true; /* hull-monitor --sleep slept the back-off */
			continue;
		}
		const char *f = argv[i], *v = i + 1 < argc ? argv[++i] : "";
		int fd = fd_arg(v);
		if (streq(f, "--exit-code")) {
			code = (int) strtol(v, NULL, 10);
		} else if (streq(f, "--delay")) {
			delay = (int) strtol(v, NULL, 10);
		} else if (fd < 0) {
			/* go on: what is left of the container must still be cleaned up */
			(void) err_setx(err, EINVAL, "container-monitor: %s: bad fd '%s'", f, v);
			r = -EINVAL;
		} else if (streq(f, "--log")) {
			container_log_settings(c, &m.r.log);
			log_file_adopt(&m.r.log, fd);
		} else if (streq(f, "--pty")) {
			m.r.pty_master = fd;
		} else if (streq(f, "--stdin")) {
			m.r.in_dst = fd;
		} else if (streq(f, "--listen")) {
			m.r.as.listen_fd = fd;
		} else if (streq(f, "--client")) {
			(void) attach_server_adopt(&m.r.as, fd);
		} else if (streq(f, "--port")) {
			/* a monitor started by an older hull, which held the reservations */
			m.port_fds = xrealloc(m.port_fds, (m.n_port_fds + 1) * sizeof(int));
			m.port_fds[m.n_port_fds++] = fd;
		} else if (r == 0) {
			r = err_setx(err, EINVAL, "container-monitor: unknown flag '%s'", f);
		}
	}
	if (m.r.pty_master >= 0 && m.r.in_dst < 0)
		m.r.in_dst = m.r.pty_master; /* as monitor_launch() has it */
	/* what monitor_launch() set up, from the record */
	m.connected = true; /* its connect events were written with "start" */
	ns = json_object_get(c->rec, "NetworkSettings");
	snprintf(m.ip, sizeof(m.ip), "%s", json_get_str(ns, "IPAddress") ?: "");
	{
		/* or the address on a user network: record_endpoint() */
		const char *k;
		json_t *ep;
		json_object_foreach (json_object_get(ns, "Networks"), k, ep) {
			const char *nid = json_get_str(ep, "NetworkID");
			/* the first network's: the others are found in the record at the end */
			if (!streq(k, container_net_mode(c->rec).name) ||
			    isempty(json_get_str(ep, "IPAddress")) || !nid ||
			    strlen(nid) >= sizeof(m.br.id))
				continue;
			snprintf(m.ip, sizeof(m.ip), "%s", json_get_str(ep, "IPAddress"));
			snprintf(m.ip6, sizeof(m.ip6), "%s",
				 json_get_str(ep, "GlobalIPv6Address") ?: "");
			memcpy(m.br.id, nid, strlen(nid) + 1);
			m.user_net = true;
		}
	}
	(void) ports_from_json(json_object_get(ns, "Ports"), &m.ports, &m.n_ports);
	m.ports_added = *m.ip && m.n_ports;
	(void) json_to_strv(json_object_get(hull, "Cgroups"), &m.cg_dirs);
	if (m.cg_dirs && !*m.cg_dirs)
		m.cg_dirs = strv_free(m.cg_dirs);

	relay_sigmask(&mask);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0 && r == 0)
		r = err_set(err, errno, "signalfd");
	if (r == 0)
		code = monitor_supervise(&m, sfd, false, code, delay, restart_now);
	monitor_finish(&m, code);
	monitor_release(&m);
	if (sfd >= 0)
		close(sfd);
	container_free(c);
	return r;
}

/*
 * Close the fds >= 3 the detached monitor inherited from our caller: ours all
 * have FD_CLOEXEC (STYLE.md), the caller's lack it (they survived its exec).
 * The monitor outlives the caller, and must not keep its pipes or files open
 * (a caller waiting for EOF on a pipe would wait for the container's end).
 */
static void close_inherited_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		int fd = (int) strtol(de->d_name, NULL, 10);
		int fl;
		if (fd < 3 || fd == dirfd(d) || !isdigit((unsigned char) de->d_name[0]))
			continue;
		fl = fcntl(fd, F_GETFD);
		if (fl >= 0 && !(fl & FD_CLOEXEC))
			(void) close(fd);
	}
	closedir(d);
}

/*
 * One start at a time: an flock of <dir>/start.lock from the check that @c is
 * not running until its monitor has recorded it running (or failed), so two
 * concurrent `start`s launch it once (docker's daemon checks and starts under
 * container.Lock()). Not the record's lock: the monitor saves under that one
 * meanwhile. 1 with the fd in *@ret_fd to go on; 0 when it runs already.
 */
static int start_claim(struct container *c, int *ret_fd, struct hull_err **err)
{
	_cleanup_free_ char *p = path_join(c->dir, "start.lock");
	_cleanup_free_ char *rec = path_join(c->dir, "config.json");
	_cleanup_json_ json_t *now = NULL;
	_cleanup_close_ int fd = -1;
	struct container_state st;
	bool running;

	fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 && errno == ENOENT)
		return err_setx(err, ENOENT, "No such container: %s", c->id);
	if (fd < 0)
		return err_set(err, errno, "open '%s'", p);
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return err_set(err, errno, "lock '%s'", p);
	/* the record as another start may have left it: @c keeps what its caller changed */
	if (json_load_path(rec, 16 << 20, &now, NULL) < 0)
		return err_setx(err, ENOENT, "No such container: %s", c->id);
	if (container_state_parse(json_object_get(now, "State"), &st, err) < 0)
		return -EINVAL;
	running = container_state_running(&st) &&
		  (st.status == CONTAINER_RESTARTING || container_pid_alive(st.pid));
	container_state_release(&st);
	if (running)
		return 0;
	*ret_fd = TAKE_FD(fd);
	return 1;
}

/* Fork the detached monitor; with @ret_sock, connect an attach client before it starts. 1: it
 * was running already (another start won), nothing done. */
static int start_detached(struct store *s, const char *runroot, struct container *c,
			  const struct run_opts *o, int *ret_sock, struct hull_err **err)
{
	_cleanup_close_ int listen_fd = -1, sock = -1, claim = -1;
	int pfd[2];
	pid_t pid;
	char buf[sizeof(int) + 4097];
	size_t got = 0;
	int code, r;

	r = start_claim(c, &claim, err);
	if (r <= 0)
		return r < 0 ? r : 1;
	r = attach_listen(container_run_dir(runroot, c), &listen_fd, ret_sock ? err : NULL);
	if (r < 0 && ret_sock)
		return r;
	if (ret_sock) {
		r = attach_connect(container_run_dir(runroot, c), &sock, err);
		if (r < 0)
			return r;
		/* docker run and start -a attach before the start (moby's event order) */
		container_event(c, "attach", NULL);
	}
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return err_set(err, errno, "create pipe");
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return err_set(err, errno, "fork the monitor");
	}
	if (pid == 0) {
		/* The monitor: its own session, no terminal, outlives `hull run -d`. */
		struct hull_err *e = NULL;
		int devnull = open("/dev/null", O_RDWR);
		int ec = 0;

		close(pfd[0]);
		if (sock >= 0)
			close(sock);
		close(claim); /* the caller holds it until the report */
		if (setsid() < 0)
			_exit(1);
		/* a second fork so the monitor is not a session leader and is reparented */
		pid = fork();
		if (pid < 0)
			_exit(1);
		if (pid > 0)
			_exit(0);
		/* it outlives us: it must not keep our caller's terminal or files open */
		if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0 ||
		    dup2(devnull, 2) < 0) {
			report(pfd[1], 125, "monitor: cannot put its stdio on /dev/null");
			_exit(125);
		}
		if (devnull > 2)
			close(devnull);
		close_inherited_fds();
		signal(SIGPIPE, SIG_IGN);
		if (monitor_run(s, runroot, c, o, pfd[1], listen_fd, &ec, &e) < 0) {
			report(pfd[1], e && e->exit_code ? e->exit_code : 125,
			       e ? e->msg : "start failed");
			_exit(125);
		}
		_exit(0);
	}
	close(pfd[1]);
	listen_fd = (close(listen_fd), -1);
	(void) waitpid(pid, NULL, 0);
	for (;;) {
		ssize_t n = read(pfd[0], buf + got, sizeof(buf) - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t) n;
	}
	close(pfd[0]);
	if (got < sizeof(int))
		return err_setx(err, EIO,
				"the container monitor exited before the container started");
	memcpy(&code, buf, sizeof(int));
	buf[got] = '\0';
	if (code != 0) {
		err_setx(err, EIO, "%s", buf + sizeof(int));
		err_set_exit(err, code);
		return -EIO;
	}
	/* reload: the monitor wrote the running state */
	(void) container_reload(c, NULL);
	if (ret_sock)
		*ret_sock = TAKE_FD(sock);
	return 0;
}

int container_start(struct store *s, const char *runroot, struct container *c,
		    const struct run_opts *o, int *ret_exit_code, struct hull_err **err)
{
	if (!o->detach)
		return monitor_run(s, runroot, c, o, -1, -1, ret_exit_code, err);
	*ret_exit_code = 0;
	return start_detached(s, runroot, c, o, NULL, err);
}

int container_start_attach(struct store *s, const char *runroot, struct container *c,
			   const struct run_opts *o, int *ret_sock, struct hull_err **err)
{
	struct run_opts d = *o;
	int r;

	d.detach = true;
	r = start_detached(s, runroot, c, &d, ret_sock, err);
	if (r > 0)
		return err_setx(err, EBUSY, "container %s was started by another start meanwhile",
				c->id);
	return r;
}
