/* SPDX-License-Identifier: MIT */
/*
 * Published ports: the -p grammar (docker/go-connections nat.ParsePortSpec)
 * and the host sockets that reserve a published port for a container's life.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "net/net-internal.h"
#include "net/net.h"

/* A decimal port 0..65535, digits only (Go's ParseUint(s, 10, 16)). */
static int parse_port(const char *s, size_t len, uint16_t *ret)
{
	unsigned long v = 0;

	if (len == 0 || len > 5)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char) s[i]))
			return -EINVAL;
		v = v * 10 + (unsigned long) (s[i] - '0');
	}
	if (v > 65535)
		return -EINVAL;
	*ret = (uint16_t) v;
	return 0;
}

/* "a" or "a-b" with a <= b (nat.ParsePortRange). */
static int parse_range(const char *s, uint16_t *ret_start, uint16_t *ret_end)
{
	const char *dash = strchr(s, '-');
	uint16_t a, b;

	if (!dash) {
		if (parse_port(s, strlen(s), &a) < 0)
			return -EINVAL;
		*ret_start = *ret_end = a;
		return 0;
	}
	if (parse_port(s, (size_t) (dash - s), &a) < 0 ||
	    parse_port(dash + 1, strlen(dash + 1), &b) < 0 || b < a)
		return -EINVAL;
	*ret_start = a;
	*ret_end = b;
	return 0;
}

int net_port_parse(const char *spec, struct port_map **maps, size_t *n, struct hull_err **err)
{
	_cleanup_free_ char *buf = xstrdup(spec);
	char *ip = NULL, *host = NULL, *ctr, *proto, *p;
	uint16_t cs, ce, hs = 0, he = 0;
	int protonum = IPPROTO_TCP;
	struct in6_addr addr6;
	struct in_addr addr;
	bool v6 = false;

	/*
	 * Split as splitParts(): the last field is the container port, the one
	 * before it the host port, everything before that the address.
	 */
	ctr = strrchr(buf, ':');
	if (ctr) {
		*ctr++ = '\0';
		p = strrchr(buf, ':');
		if (p) {
			*p++ = '\0';
			ip = buf;
			host = p;
		} else {
			host = buf;
		}
	} else {
		ctr = buf;
	}

	/* SplitProtoPort(): "80/udp"; an empty protocol means tcp. */
	proto = strchr(ctr, '/');
	if (proto) {
		*proto++ = '\0';
		if (strchr(proto, '/'))
			return err_setx(err, EINVAL,
					"invalid port specification \"%s\": invalid proto: %s",
					spec, proto);
		if (isempty(proto) || strcasecmp(proto, "tcp") == 0)
			protonum = IPPROTO_TCP;
		else if (strcasecmp(proto, "udp") == 0)
			protonum = IPPROTO_UDP;
		else if (strcasecmp(proto, "sctp") == 0)
			protonum = IPPROTO_SCTP;
		else
			return err_setx(err, EINVAL,
					"invalid port specification \"%s\": invalid proto: %s",
					spec, proto);
	}

	if (ip && ip[0] == '[') {
		/* docker's "[v6]": splitParts() took the last two fields, the rest is the address
		 */
		size_t len = strlen(ip);

		if (len < 3 || ip[len - 1] != ']')
			return err_setx(err, EINVAL,
					"invalid port specification \"%s\": invalid IP address: %s",
					spec, ip);
		ip[len - 1] = '\0';
		ip++;
		if (inet_pton(AF_INET6, ip, &addr6) != 1)
			return err_setx(err, EINVAL,
					"invalid port specification \"%s\": invalid IP address: %s",
					spec, ip);
		v6 = true;
	}
	if (ip && !isempty(ip) && !v6 && inet_pton(AF_INET, ip, &addr) != 1)
		return err_setx(err, EINVAL,
				"invalid port specification \"%s\": invalid IP address: %s", spec,
				ip);
	if (isempty(ctr))
		return err_setx(err, EINVAL, "invalid port specification \"%s\": no port specified",
				spec);
	if (parse_range(ctr, &cs, &ce) < 0 || cs == 0)
		return err_setx(err, EINVAL,
				"invalid port specification \"%s\": invalid containerPort: %s",
				spec, ctr);
	if (!isempty(host) && parse_range(host, &hs, &he) < 0)
		return err_setx(err, EINVAL,
				"invalid port specification \"%s\": invalid hostPort: %s", spec,
				host);
	if (!isempty(host) && (ce - cs) != (he - hs)) {
		if (ce != cs)
			return err_setx(err, EINVAL,
					"invalid port specification \"%s\": invalid ranges "
					"specified for container and host Ports: %s and %s",
					spec, ctr, host);
		/* "8000-8010:80": the first free port of the range (net_ports_reserve()) */
	}
	if (!isempty(host) && hs == 0 && he != 0)
		return err_setx(err, EINVAL,
				"invalid port specification \"%s\": invalid hostPort: %s", spec,
				host);

	*maps = xrealloc(*maps, (*n + (size_t) (ce - cs) + 1) * sizeof(**maps));
	for (unsigned i = 0; i <= (unsigned) (ce - cs); i++) {
		struct port_map *m = &(*maps)[(*n)++];

		memset(m, 0, sizeof(*m));
		if (v6)
			inet_ntop(AF_INET6, &addr6, m->host_ip, sizeof(m->host_ip));
		else if (ip && !isempty(ip))
			inet_ntop(AF_INET, &addr, m->host_ip, sizeof(m->host_ip));
		m->host_port = isempty(host) || hs == 0 ? 0 : (uint16_t) (hs + i);
		if (!isempty(host) && hs != 0 && ce == cs && he > hs)
			m->host_port_end = he;
		m->ctr_port = (uint16_t) (cs + i);
		m->proto = protonum;
	}
	return 0;
}

const char *net_proto_name(int proto)
{
	return proto == IPPROTO_UDP ? "udp" : proto == IPPROTO_SCTP ? "sctp" : "tcp";
}

bool net_host_ip_is_any(const char *host_ip)
{
	return isempty(host_ip) || streq(host_ip, "0.0.0.0");
}

static bool host_ip_is_loopback6(const char *host_ip)
{
	struct in6_addr a;

	return net_host_ip_is6(host_ip) && inet_pton(AF_INET6, host_ip, &a) == 1 &&
	       IN6_IS_ADDR_LOOPBACK(&a);
}

static bool host_ip_is_any6(const char *host_ip)
{
	struct in6_addr a;

	return net_host_ip_is6(host_ip) && inet_pton(AF_INET6, host_ip, &a) == 1 &&
	       IN6_IS_ADDR_UNSPECIFIED(&a);
}

bool net_port_proxied(const struct port_map *m, bool ctr_ip6)
{
	if (!net_host_ip_is6(m->host_ip) || m->proto == IPPROTO_SCTP)
		return false;
	return !ctr_ip6 || host_ip_is_loopback6(m->host_ip) || host_ip_is_any6(m->host_ip);
}

bool net_port_nat(const struct port_map *m, bool ctr_ip6)
{
	if (!net_host_ip_is6(m->host_ip))
		return true;
	return ctr_ip6 && !host_ip_is_loopback6(m->host_ip);
}

/* What the kernel cannot DNAT and hull's proxy cannot relay: SCTP on [::1], or on an IPv6
 * address into a container without one. */
static bool sctp_unreachable(const struct port_map *m, bool ctr_ip6)
{
	return m->proto == IPPROTO_SCTP && !net_port_nat(m, ctr_ip6);
}

bool net_host_ipv6(void)
{
	char buf[8] = "";
	int fd = open("/proc/sys/net/ipv6/conf/all/disable_ipv6", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false; /* no IPv6 in this kernel, or not in this network namespace */
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 && buf[0] == '0';
}

bool net_host_ip_is6(const char *host_ip)
{
	return host_ip && strchr(host_ip, ':');
}

void net_ports_dual(struct port_map **maps, size_t *n)
{
	size_t k = *n;

	for (size_t i = 0; i < k; i++) {
		struct port_map m = (*maps)[i];

		/* no SCTP twin: a container without IPv6 would need the proxy for it, which has no
		 * SCTP (net_ports_reserve() refuses that) */
		if (!net_host_ip_is_any(m.host_ip) || m.proto == IPPROTO_SCTP)
			continue;
		snprintf(m.host_ip, sizeof(m.host_ip), "::");
		m.host_port_end = 0;
		*maps = xrealloc(*maps, (*n + 1) * sizeof(**maps));
		(*maps)[(*n)++] = m;
	}
}

/*
 * An SCTP port's reservation on a kernel without SCTP (no socket can be made, so no program
 * of the host can hold the port: only another container's mapping can), in *@ret_fd: an
 * open file description of NET_STATE_DIR/sctp-ports (sctp-ports6 for IPv6) with an OFD write
 * lock on a byte range of its own: port P owns [P << 33, (P + 1) << 33), every address the
 * whole of it, one address the byte 1 + the IPv4 address (IPv6: 1 + 32 bits of its hash).
 * So, as with sockets, "every address" conflicts with each address and two addresses do not.
 * The file stays empty (locks need no data) and is the only one, whatever the ports used. The
 * lock goes with the last fd (the proxy's, as a socket's), so a dead container frees the
 * port. 0 or a positive errno (EADDRINUSE: taken).
 */
static int sctp_lock(const struct sockaddr *sa, int *ret_fd)
{
	const struct sockaddr_in *in = (const void *) sa;
	const struct sockaddr_in6 *in6 = (const void *) sa;
	bool is6 = sa->sa_family == AF_INET6;
	uint16_t port = ntohs(is6 ? in6->sin6_port : in->sin_port);
	const char *path = is6 ? NET_STATE_DIR "/sctp-ports6" : NET_STATE_DIR "/sctp-ports";
	struct flock fl = {.l_type = F_WRLCK,
			   .l_whence = SEEK_SET,
			   .l_start = (off_t) port << 33,
			   .l_len = (off_t) 1 << 33};
	int fd, e;

	if (port == 0)
		return EINVAL;
	if (mkdir(NET_STATE_DIR, 0755) < 0 && errno != EEXIST)
		return errno;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return errno;
	if (is6 && !IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr)) {
		uint32_t h = 2166136261u; /* FNV-1a */

		for (size_t i = 0; i < sizeof(in6->sin6_addr); i++)
			h = (h ^ in6->sin6_addr.s6_addr[i]) * 16777619u;
		fl.l_start += 1 + (off_t) h;
		fl.l_len = 1;
	} else if (!is6 && in->sin_addr.s_addr != htonl(INADDR_ANY)) {
		fl.l_start += 1 + (off_t) ntohl(in->sin_addr.s_addr);
		fl.l_len = 1;
	}
	if (fcntl(fd, F_OFD_SETLK, &fl) < 0) {
		e = errno == EAGAIN || errno == EACCES ? EADDRINUSE : errno;
		close(fd);
		return e;
	}
	*ret_fd = fd;
	return 0;
}

/* sctp_lock() at a port of the ephemeral range (the kernel's, ip_local_port_range), from a
 * random one on; writes the port into @sa. */
static int sctp_lock_any_port(struct sockaddr *sa, int *ret_fd)
{
	unsigned lo = 32768, hi = 60999, start;
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "re");
	struct sockaddr_in *in = (void *) sa;
	struct sockaddr_in6 *in6 = (void *) sa;

	if (f) {
		if (fscanf(f, "%u %u", &lo, &hi) != 2 || lo == 0 || hi > 65535 || lo > hi) {
			lo = 32768;
			hi = 60999;
		}
		fclose(f);
	}
	if (getrandom(&start, sizeof(start), GRND_NONBLOCK) != (ssize_t) sizeof(start))
		start = (unsigned) getpid() ^ (unsigned) time(NULL);
	for (unsigned i = 0; i <= hi - lo; i++) {
		uint16_t p = (uint16_t) (lo + (start + i) % (hi - lo + 1));
		int e;

		if (sa->sa_family == AF_INET6)
			in6->sin6_port = htons(p);
		else
			in->sin_port = htons(p);
		e = sctp_lock(sa, ret_fd);
		if (e != EADDRINUSE)
			return e;
	}
	return EADDRINUSE;
}

/*
 * A socket of @m's family and protocol bound at @sa, in *@ret_fd; 0 or a positive errno
 * (nothing left open). No SO_REUSEADDR: Linux lets two non-listening sockets that both set
 * it bind the same port, which would let two containers publish one port. Not listening: a
 * packet that somehow escapes DNAT gets a RST, not a silent backlog. Except a proxied TCP
 * port (the IPv6 loopback), which listens, as docker-proxy's: the proxy's own closes leave
 * connections in TIME_WAIT, which SO_REUSEADDR lets a restart bind over, and its listening
 * keeps a second socket off the port all the same.
 */
static int reserve_at(const struct port_map *m, bool ctr_ip6, struct sockaddr *sa, socklen_t salen,
		      int *ret_fd)
{
	bool is6 = net_host_ip_is6(m->host_ip);
	bool proxied = net_port_proxied(m, ctr_ip6);
	bool listens = proxied && m->proto == IPPROTO_TCP;
	int fd, one = 1, e = 0, mark = NET_PROXY_MARK;

	if (m->proto == IPPROTO_SCTP) {
		/* one-to-one style, bound and not listening, as TCP's */
		fd = socket(is6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_SCTP);
		if (fd < 0 && (errno == EPROTONOSUPPORT || errno == ESOCKTNOSUPPORT))
			return m->host_port ? sctp_lock(sa, ret_fd)
					    : sctp_lock_any_port(sa, ret_fd);
	} else {
		fd = socket(is6 ? AF_INET6 : AF_INET,
			    (m->proto == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
	}
	if (fd < 0)
		return errno;
	/* "::" is the IPv6 addresses only: 0.0.0.0 has a socket of its own */
	if ((is6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) ||
	    (proxied && setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) < 0) ||
	    (listens && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0) ||
	    bind(fd, sa, salen) < 0 || (listens && listen(fd, SOMAXCONN) < 0))
		e = errno;
	if (e) {
		close(fd);
		return e;
	}
	*ret_fd = fd;
	return 0;
}

int net_ports_reserve(struct port_map *maps, size_t n, bool ctr_ip6, int **ret_fds,
		      struct hull_err **err)
{
	_cleanup_free_ int *fds = NULL;
	size_t i;
	int r;

	if (n > 0)
		fds = xmalloc(n * sizeof(*fds));
	for (i = 0; i < n; i++) {
		struct port_map *m = &maps[i];
		const char *shown = net_host_ip_is_any(m->host_ip) ? "0.0.0.0" : m->host_ip;
		bool is6 = net_host_ip_is6(m->host_ip);
		union {
			struct sockaddr sa;
			struct sockaddr_in in;
			struct sockaddr_in6 in6;
		} u = {0};
		socklen_t salen = is6 ? sizeof(u.in6) : sizeof(u.in);

		if (sctp_unreachable(m, ctr_ip6)) {
			r = err_setx(err, EPROTONOSUPPORT,
				     "cannot publish %u/sctp on [%s]: hull's userland proxy, which "
				     "that address needs, relays TCP and UDP only",
				     m->ctr_port, m->host_ip);
			goto fail;
		}
		u.in.sin_family = is6 ? AF_INET6 : AF_INET;
		if (is6 ? inet_pton(AF_INET6, m->host_ip, &u.in6.sin6_addr) != 1
			: !net_host_ip_is_any(m->host_ip) &&
				    inet_pton(AF_INET, m->host_ip, &u.in.sin_addr) != 1) {
			r = err_setx(err, EINVAL, "invalid host IP address '%s'", m->host_ip);
			goto fail;
		}
		/* a host range for one container port: its first free port (moby's
		 * portallocator RequestPortInRange) */
		for (uint32_t p = m->host_port;; p++) {
			int e;

			/* sin_port and sin6_port are at the same offset */
			u.in.sin_port = htons((uint16_t) p);
			e = reserve_at(m, ctr_ip6, &u.sa, salen, &fds[i]);
			if (e == 0) {
				if (m->host_port_end) {
					m->host_port = (uint16_t) p;
					m->host_port_end = 0;
				}
				break;
			}
			if (e == EADDRINUSE && p < m->host_port_end)
				continue;
			if (e == EADDRINUSE && m->host_port_end)
				r = err_setx(err, e,
					     "Bind for %s:%u-%u failed: port is already allocated",
					     shown, m->host_port, m->host_port_end);
			else if (e == EADDRINUSE)
				r = err_setx(err, e,
					     "Bind for %s:%u failed: port is already allocated",
					     shown, m->host_port);
			else
				r = err_set(err, e, "bind %s:%u/%s", shown, (unsigned) p,
					    net_proto_name(m->proto));
			goto fail;
		}
		if (m->host_port == 0) {
			/* an SCTP port's lock (sctp_lock_any_port()) wrote it into u already */
			if (getsockname(fds[i], &u.sa, &salen) < 0 && errno != ENOTSOCK) {
				i++;
				r = err_set(err, errno, "getsockname");
				goto fail;
			}
			m->host_port = ntohs(u.in.sin_port);
		}
	}
	*ret_fds = TAKE_PTR(fds);
	return 0;
fail:
	while (i > 0)
		(void) close(fds[--i]);
	return r;
}
