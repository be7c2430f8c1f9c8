/* SPDX-License-Identifier: MIT */
/*
 * nftables: the "ip hull" table and the DNAT map elements of published
 * ports, written as nft text and run through libnftables.
 */
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <nftables/libnftables.h>

#include "net/net-internal.h"
#include "net/net.h"
#include "util/dlopen.h"
#include "util/strbuf.h"

/*
 * libnftables (with libnftnl, libxtables and libgmp) costs about a millisecond
 * to load; only commands that publish ports or create the bridge's table need
 * it, so it is loaded on first use (DESIGN.md "Start-up cost").
 */
static struct {
	void *handle;
	struct nft_ctx *(*ctx_new)(uint32_t flags);
	void (*ctx_free)(struct nft_ctx *ctx);
	int (*ctx_buffer_output)(struct nft_ctx *ctx);
	int (*ctx_buffer_error)(struct nft_ctx *ctx);
	const char *(*ctx_get_error_buffer)(struct nft_ctx *ctx);
	const char *(*ctx_get_output_buffer)(struct nft_ctx *ctx);
	int (*run_cmd_from_buffer)(struct nft_ctx *nft, const char *buf);
} nft;

static int nft_load(struct hull_err **err)
{
	static const char *const sonames[] = {"libnftables.so.1", NULL};
	const struct dl_sym syms[] = {
		{"nft_ctx_new", (void **) &nft.ctx_new},
		{"nft_ctx_free", (void **) &nft.ctx_free},
		{"nft_ctx_buffer_output", (void **) &nft.ctx_buffer_output},
		{"nft_ctx_buffer_error", (void **) &nft.ctx_buffer_error},
		{"nft_ctx_get_error_buffer", (void **) &nft.ctx_get_error_buffer},
		{"nft_ctx_get_output_buffer", (void **) &nft.ctx_get_output_buffer},
		{"nft_run_cmd_from_buffer", (void **) &nft.run_cmd_from_buffer},
	};
	struct hull_err *e = NULL;
	int r;

	if (nft.handle)
		return 0;
	r = dl_open_table(sonames, syms, ARRAY_SIZE(syms), "libnftables", &nft.handle, &e);
	if (r < 0) {
		r = err_setx(err, ENOENT, "%s (apt-get install libnftables1)", e->msg);
		err_free(e);
	}
	return r;
}

static void nft_ctx_freep(struct nft_ctx **ctx)
{
	if (*ctx)
		nft.ctx_free(*ctx);
}

/* nft_exec() - run @cmds; with @ret_out, what nft printed (a new string) */
static int nft_exec(const char *cmds, char **ret_out, struct hull_err **err)
{
	_cleanup_(nft_ctx_freep) struct nft_ctx *ctx = NULL;
	_cleanup_free_ char *msg = NULL;
	const char *out;
	size_t len;
	int r;

	r = nft_load(err);
	if (r < 0)
		return r;
	ctx = nft.ctx_new(NFT_CTX_DEFAULT);
	if (!ctx)
		return err_setx(err, ENOMEM, "create nftables context");
	if (nft.ctx_buffer_output(ctx) < 0 || nft.ctx_buffer_error(ctx) < 0)
		return err_setx(err, ENOMEM, "buffer nftables output");
	if (nft.run_cmd_from_buffer(ctx, cmds) == 0) {
		if (ret_out) {
			out = nft.ctx_get_output_buffer(ctx);
			*ret_out = xstrdup(out ? out : "");
		}
		return 0;
	}
	out = nft.ctx_get_error_buffer(ctx);
	msg = xstrdup(out ? out : "");
	/* nft's message is multi-line (the command, a caret line); keep the first line. */
	len = strcspn(msg, "\n");
	msg[len] = '\0';
	return err_setx(err, EIO, "nft: %s", isempty(msg) ? "command failed" : msg);
}

int nft_run(const char *cmds, struct hull_err **err)
{
	return nft_exec(cmds, NULL, err);
}

int nft_list(const char *cmd, char **ret_out, struct hull_err **err)
{
	return nft_exec(cmd, ret_out, err);
}

/* clang-format off */
/*
 * One transaction, and "create table" fails if the table already exists, so
 * two hull processes setting up at once cannot both append the rules.
 * Maps: "any" entries are keyed by port, "addr" entries by host address and
 * port; the address ones are tried first so a specific binding wins.
 */
/*
 * hull0 has route_localnet (so that 127.0.0.1:port can be DNATed into a
 * container), which would let a container send to the host's loopback
 * services through the gateway (CVE-2020-8558): only replies to connections
 * the host made may arrive on hull0 for 127.0.0.0/8 (kube-proxy's fix).
 */
#define LOOPBACK_HOOK "type filter hook input priority filter; policy accept;"
#define LOOPBACK_RULE "iifname \"hull0\" ip daddr 127.0.0.0/8 ct state != { established, related } drop"
#define LOOPBACK_CHAIN "	chain loopback {\n		" LOOPBACK_HOOK "\n		" LOOPBACK_RULE "\n	}\n"

static const char nft_table[] =
	"create table ip hull\n"
	"table ip hull {\n"
	"	map tcp_any { type inet_service : ipv4_addr . inet_service; }\n"
	"	map udp_any { type inet_service : ipv4_addr . inet_service; }\n"
	"	map tcp_addr { type ipv4_addr . inet_service : ipv4_addr . inet_service; }\n"
	"	map udp_addr { type ipv4_addr . inet_service : ipv4_addr . inet_service; }\n"
	"	chain ports {\n"
	"		dnat to ip daddr . tcp dport map @tcp_addr\n"
	"		dnat to ip daddr . udp dport map @udp_addr\n"
	"		dnat to tcp dport map @tcp_any\n"
	"		dnat to udp dport map @udp_any\n"
	"	}\n"
	"	chain prerouting {\n"
	"		type nat hook prerouting priority dstnat; policy accept;\n"
	"		fib daddr type local jump ports\n"
	"	}\n"
	"	chain output {\n"
	"		type nat hook output priority -100; policy accept;\n"
	"		fib daddr type local jump ports\n"
	"	}\n"
	"	chain postrouting {\n"
	"		type nat hook postrouting priority srcnat; policy accept;\n"
	"		ip saddr 10.89.0.0/16 oifname != \"hull0\" masquerade\n"
	/* 127.0.0.1:port DNATed into hull0: the container cannot answer 127.0.0.1 */
	"		oifname \"hull0\" fib saddr type local masquerade\n"
	/* hairpin: a container reaching a published port of another via a host address */
	"		oifname \"hull0\" ip saddr 10.89.0.0/16 ct status dnat masquerade\n"
	"	}\n"
	LOOPBACK_CHAIN
	"	chain forward {\n"
	"		type filter hook forward priority filter; policy accept;\n"
	"		iifname \"hull0\" accept\n"
	"		oifname \"hull0\" ct state established,related accept\n"
	"		oifname \"hull0\" ct status dnat accept\n"
	"	}\n"
	"}\n";
/* clang-format on */

int net_nft_table_create(struct hull_err **err)
{
	return nft_run(nft_table, err);
}

int net_nft_loopback_guard(struct hull_err **err)
{
	/* one transaction: a chain that exists already fails it whole */
	return nft_run("create chain ip hull loopback { " LOOPBACK_HOOK " }\n"
		       "add rule ip hull loopback " LOOPBACK_RULE "\n",
		       err);
}

int net_nft_sctp_ensure(struct nl *nf, bool v6, const char *table, struct hull_err **err)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	const char *fam = v6 ? "ip6" : "ip", *addr = v6 ? "ipv6_addr" : "ipv4_addr";
	int r;

	r = v6 ? nl_nft6_chain_exists(nf, table, "sctp_ports")
	       : nl_nft_chain_exists(nf, table, "sctp_ports");
	if (r != 0)
		return r < 0 ? err_set(err, -r, "look up nftables chain '%s %s sctp_ports'", fam,
				       table)
			     : 0;
	/* one transaction: "create chain" fails it whole for a second hull doing the same */
	strbuf_addf(&sb, "create chain %s %s sctp_ports\n", fam, table);
	strbuf_addf(&sb, "add map %s %s sctp_any { type inet_service : %s . inet_service; }\n", fam,
		    table, addr);
	strbuf_addf(&sb,
		    "add map %s %s sctp_addr { type %s . inet_service : %s . inet_service; }\n",
		    fam, table, addr, addr);
	strbuf_addf(&sb, "add rule %s %s sctp_ports dnat to %s daddr . sctp dport map @sctp_addr\n",
		    fam, table, fam);
	strbuf_addf(&sb, "add rule %s %s sctp_ports dnat to sctp dport map @sctp_any\n", fam,
		    table);
	strbuf_addf(&sb, "add rule %s %s ports meta l4proto sctp jump sctp_ports\n", fam, table);
	r = nft_run(strbuf_cstr(&sb), err);
	if (r < 0 && (v6 ? nl_nft6_chain_exists(nf, table, "sctp_ports")
			 : nl_nft_chain_exists(nf, table, "sctp_ports")) > 0) {
		if (err)
			*err = err_free(*err);
		r = 0;
	}
	return r < 0 ? err_wrap(err, "add the SCTP maps to nftables table '%s %s'", fam, table) : 0;
}

static void element(struct strbuf *sb, const char *verb, const char *ctr_ip,
		    const struct port_map *m, bool with_value)
{
	const char *proto = net_proto_name(m->proto);

	if (net_host_ip_is6(m->host_ip)) {
		/* the ip6 table of user networks (network.c) */
		if (streq(m->host_ip, "::"))
			strbuf_addf(sb, "%s element ip6 hullnet %s_any { %u", verb, proto,
				    m->host_port);
		else
			strbuf_addf(sb, "%s element ip6 hullnet %s_addr { %s . %u", verb, proto,
				    m->host_ip, m->host_port);
		if (with_value)
			strbuf_addf(sb, " : %s . %u", ctr_ip, m->ctr_port);
		strbuf_adds(sb, " }\n");
		return;
	}

	if (net_host_ip_is_any(m->host_ip))
		strbuf_addf(sb, "%s element ip hull %s_any { %u", verb, proto, m->host_port);
	else
		strbuf_addf(sb, "%s element ip hull %s_addr { %s . %u", verb, proto, m->host_ip,
			    m->host_port);
	if (with_value)
		strbuf_addf(sb, " : %s . %u", ctr_ip, m->ctr_port);
	strbuf_adds(sb, " }\n");
}

static int check_maps(const char *ctr_ip, const struct port_map *maps, size_t n,
		      struct hull_err **err)
{
	struct in6_addr a6;
	struct in_addr a;

	if (inet_pton(AF_INET, ctr_ip, &a) != 1)
		return err_setx(err, EINVAL, "invalid container IP address '%s'", ctr_ip);
	for (size_t i = 0; i < n; i++) {
		if (net_host_ip_is6(maps[i].host_ip)) {
			if (inet_pton(AF_INET6, maps[i].host_ip, &a6) != 1)
				return err_setx(err, EINVAL, "invalid host IP address '%s'",
						maps[i].host_ip);
		} else if (!net_host_ip_is_any(maps[i].host_ip) &&
			   inet_pton(AF_INET, maps[i].host_ip, &a) != 1) {
			return err_setx(err, EINVAL, "invalid host IP address '%s'",
					maps[i].host_ip);
		}
		if (maps[i].host_port == 0 || maps[i].ctr_port == 0)
			return err_setx(err, EINVAL, "port 0 cannot be published");
	}
	return 0;
}

static void ports_remove(const char *ctr_ip, const char *ctr_ip6, const struct port_map *maps,
			 size_t n, bool any_owner);

/*
 * After DNAT elements of @maps were added: the conntrack entries of their UDP and SCTP host
 * ports forgotten (nl_ct_delete_dport()), so that a client already sending to the port (to
 * the host, or to a container that had it before) reaches this container now, not after its
 * entry times out. TCP needs none: a new connection is a new entry. Best effort.
 */
static void forget_flows(const struct port_map *maps, size_t n, bool has6)
{
	_cleanup_nl_ struct nl nf = {NULL, 0, 0};

	for (size_t i = 0; i < n; i++) {
		const struct port_map *m = &maps[i];
		bool dup = false;

		if ((m->proto != IPPROTO_UDP && m->proto != IPPROTO_SCTP) || !net_port_nat(m, has6))
			continue;
		for (size_t j = 0; j < i && !dup; j++)
			dup = maps[j].proto == m->proto && maps[j].host_port == m->host_port &&
			      net_host_ip_is6(maps[j].host_ip) == net_host_ip_is6(m->host_ip) &&
			      net_port_nat(&maps[j], has6);
		if (dup || (!nf.sk && nl_open(&nf, NETLINK_NETFILTER, NULL) < 0))
			continue;
		(void) nl_ct_delete_dport(&nf, net_host_ip_is6(m->host_ip) ? AF_INET6 : AF_INET,
					  (uint8_t) m->proto, m->host_port);
	}
}

int net_ports_add(const char *ctr_ip, const char *ctr_ip6, const struct port_map *maps, size_t n,
		  struct hull_err **err)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	struct in6_addr a6;
	bool has6 = !isempty(ctr_ip6);
	int r;

	if (n == 0)
		return 0;
	r = check_maps(ctr_ip, maps, n, err);
	if (r < 0)
		return r;
	if (has6 && inet_pton(AF_INET6, ctr_ip6, &a6) != 1)
		return err_setx(err, EINVAL, "invalid container IPv6 address '%s'", ctr_ip6);
	for (size_t i = 0; i < n; i++)
		if (net_port_nat(&maps[i], has6))
			element(&sb, "add", net_host_ip_is6(maps[i].host_ip) ? ctr_ip6 : ctr_ip,
				&maps[i], true);
	if (sb.len == 0)
		return 0;
	if (nft_run(strbuf_cstr(&sb), NULL) == 0) {
		forget_flows(maps, n, has6);
		return 0;
	}
	/*
	 * No table yet (no container of the default bridge has run on this host
	 * since it booted), or an entry for the same host port is left over from
	 * a container whose monitor was killed: the host port itself is ours
	 * (net_ports_reserve() bound it), so the stale entry is replaced.
	 */
	r = net_nft_table_ensure(err);
	if (r < 0)
		return err_wrap(err, "publish ports of %s", ctr_ip);
	ports_remove(ctr_ip, ctr_ip6, maps, n, true);
	r = nft_run(strbuf_cstr(&sb), err);
	if (r < 0)
		return err_wrap(err, "publish ports of %s", ctr_ip);
	forget_flows(maps, n, has6);
	return 0;
}

/* What is between the first "elements = {" of nft's listing @text and its "}" (a new string),
 * NULL when there is none. */
static char *elements_of(const char *text)
{
	const char *p = strstr(text, "elements = {"), *end;

	if (!p)
		return NULL;
	p += strlen("elements = {");
	end = strchr(p, '}');
	return end ? xstrndup(p, (size_t) (end - p)) : NULL;
}

int net_nft_map_value(const char *listing, const char *map, const char *key, char *ret, size_t size)
{
	_cleanup_free_ char *head = xasprintf("map %s {", map), *copy = NULL;
	_cleanup_free_ char *elems = NULL;
	const char *p = strstr(listing, head), *end;

	if (!p)
		return 0;
	/* this map's own elements: before the next map's header */
	end = strstr(p + 1, "\tmap ");
	copy = end ? xstrndup(p, (size_t) (end - p)) : xstrdup(p);
	elems = elements_of(copy);
	if (!elems)
		return 0;
	for (char *save = NULL, *e = strtok_r(elems, ",", &save); e;
	     e = strtok_r(NULL, ",", &save)) {
		char *k = e + strspn(e, " \t\n"), *sep = strstr(k, " : "), *v;

		if (!sep)
			continue;
		*sep = '\0';
		if (!streq(k, key))
			continue;
		v = sep + 3;
		v += strspn(v, " \t\n");
		v[strcspn(v, " \t\n")] = '\0'; /* the address, before " . port" */
		snprintf(ret, size, "%s", v);
		return 1;
	}
	return 0;
}

/*
 * Delete the elements of @maps that still lead to @ctr_ip (@ctr_ip6 for an IPv6 map): an
 * element another container took over for the same host port (its reservation freed when this
 * container's proxy died) is that container's and stays. @any_owner: delete by key whatever
 * the element leads to (net_ports_add() replacing a stale one for a port it holds).
 */
static void ports_remove(const char *ctr_ip, const char *ctr_ip6, const struct port_map *maps,
			 size_t n, bool any_owner)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	_cleanup_free_ char *list4 = NULL, *list6 = NULL;
	bool has6 = !isempty(ctr_ip6);

	if (n == 0 || check_maps(ctr_ip, maps, n, NULL) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		const struct port_map *m = &maps[i];
		bool is6 = net_host_ip_is6(m->host_ip);
		bool any = is6 ? streq(m->host_ip, "::") : net_host_ip_is_any(m->host_ip);
		_cleanup_free_ char *map = NULL, *key = NULL;
		char owner[INET6_ADDRSTRLEN];
		char **list = is6 ? &list6 : &list4;

		if (!net_port_nat(m, has6))
			continue;
		if (!any_owner) {
			if (!*list &&
			    nft_list(is6 ? "list table ip6 hullnet" : "list table ip hull", list,
				     NULL) < 0)
				continue; /* no table: no element */
			map = xasprintf("%s_%s", net_proto_name(m->proto), any ? "any" : "addr");
			key = any ? xasprintf("%u", m->host_port)
				  : xasprintf("%s . %u", m->host_ip, m->host_port);
			if (!net_nft_map_value(*list, map, key, owner, sizeof(owner)) ||
			    !streq(owner, is6 ? ctr_ip6 : ctr_ip))
				continue;
		}
		element(&sb, "delete", ctr_ip, m, false);
	}
	/*
	 * One transaction is all or nothing: if an element is already gone
	 * the batch fails, so retry one by one and ignore the missing ones.
	 * NEEDSWORK: "destroy element" (nft >= 1.0.8) would do this at once.
	 */
	if (sb.len == 0 || nft_run(strbuf_cstr(&sb), NULL) == 0)
		return;
	net_nft_run_each(strbuf_cstr(&sb));
}

void net_ports_remove(const char *ctr_ip, const char *ctr_ip6, const struct port_map *maps,
		      size_t n)
{
	ports_remove(ctr_ip, ctr_ip6, maps, n, false);
}

void net_nft_run_each(const char *cmds)
{
	_cleanup_free_ char *copy = xstrdup(cmds);

	for (char *save = NULL, *l = strtok_r(copy, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save))
		(void) nft_run(l, NULL);
}

int net_nft_map_jumps(const char *text, const char *prefix,
		      int (*fn)(const char *key, const char *id, void *arg), void *arg)
{
	_cleanup_free_ char *copy = elements_of(text);

	if (!copy)
		return 0;
	for (char *save = NULL, *e = strtok_r(copy, ",", &save); e;
	     e = strtok_r(NULL, ",", &save)) {
		char *key = e + strspn(e, " \t\n"), *sep = strstr(key, " : jump "), *id, *k;
		size_t klen;
		int r;

		if (!sep)
			continue;
		id = sep + strlen(" : jump ");
		if (!startswith(id, prefix))
			continue;
		id += strlen(prefix);
		id[strcspn(id, " \t\n")] = '\0';
		if (strlen(id) != 12 || id[strspn(id, "0123456789abcdef")])
			continue;
		*sep = '\0';
		klen = strlen(key);
		k = key;
		if (klen >= 2 && key[0] == '"' && key[klen - 1] == '"') {
			key[klen - 1] = '\0';
			k = key + 1;
		}
		if (!*k)
			continue;
		r = fn(k, id, arg);
		if (r)
			return r;
	}
	return 0;
}
