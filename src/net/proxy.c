/* SPDX-License-Identifier: MIT */
/*
 * The userland proxy of a container's ports published on IPv6 addresses that
 * the kernel cannot DNAT into it (docker-proxy's role, moby cmd/docker-proxy):
 * the IPv6 loopback (IPv6 has no route_localnet), and every IPv6 address of a
 * container that has no IPv6 address of its own. One process per container
 * accepts on all of them and relays each connection or datagram flow to the
 * container's address, and holds the sockets of the container's other
 * published ports (their reservations). It watches the container's process
 * through a pidfd and serves until it ends, so it outlives a killed monitor;
 * then it keeps the sockets until the monitor ends it or is gone, so that a
 * restart's back-off keeps the ports (docs/networking.md "IPv6").
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "net/net.h"
#include "util/macros.h"

#define PROXY_BUF	  (32 * 1024) /* per direction of a connection, as docker-proxy's */
#define PROXY_CONNS_MAX	  1024 /* connections or datagram flows at once, per published port */
#define UDP_IDLE_SECONDS  90   /* docker-proxy's UDPConnTrackTimeout */
#define DNS_UPSTREAMS_MAX 3    /* resolv.conf's MAXNS */
#define DNS_RETRY_SECONDS 2    /* an upstream server that has not answered: the next one */
#define DNS_TCP_MAX	  4096 /* a query over TCP, its length included */
#define DNS_TCP_SECONDS	  10   /* to send it */
#define DNS_UDP_MAX	  512  /* an answer over UDP (RFC 1035; no EDNS) */
#define DNS_ANSWERS_MAX	  256
#define DNS_QUERY_MAX	  4096 /* a larger UDP query is dropped (EDNS's usual 1232 fits) */
#define DNS_PENDING_BYTES                                                              \
	(256 * 1024)	    /* of all of them: past it, SERVFAIL rather than keep more \
			     */
#define DNS_IDLE_SECONDS 10 /* a client's flow to the servers, idle */
/* queries of a client awaiting an answer (glibc sends A and AAAA at once) */
#define DNS_PENDING_MAX 16

union addr {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
	struct sockaddr_storage ss;
};

/* One published port: its socket and where its connections go. */
struct listener {
	int fd;
	int proto;
	union addr backend;
	socklen_t blen;
	size_t n;	   /* its connections or flows, PROXY_CONNS_MAX at most */
	bool paused;	   /* not watched: out of fds (accept4's EMFILE) until a connection ends */
	bool dns;	   /* the resolver's: @backend is the first upstream server */
	size_t pend_bytes; /* the resolver's: the forwarded queries of its flows kept to resend */
};

/* One relayed TCP connection: side 0 the client, side 1 the container. */
struct conn {
	int fd[2];
	char *buf[2];	 /* buf[d]: read from fd[d], to be written to fd[1 - d] */
	size_t len[2];	 /* bytes in buf[d] */
	size_t off[2];	 /* of them already written */
	bool eof[2];	 /* fd[d] has no more to read */
	bool hup[2];	 /* fd[d] reported a hang-up: epoll reports it whatever is asked */
	bool watched[2]; /* fd[d] is in the epoll set */
	bool connecting; /* fd[1]'s connect() is in progress */
	bool dead;	 /* ended (conn_end()), to be freed */
	struct listener *l;
	struct dns_state *dns; /* a query forwarded by the resolver: fd[1] to its upstream @up */
	size_t up;
	struct conn *next;
};

/* One datagram flow: a client address and its own socket connected to the container. */
struct flow {
	union addr client;
	socklen_t client_len;
	int fd;
	struct listener *l; /* the published port the client wrote to: replies go out of it */
	time_t last;
	/* a flow of the resolver's: the upstream server it goes to (an index of
	 * dns_state.up) and its queries not answered yet */
	size_t up;
	struct pending *pend;
	size_t n_pend;
	struct flow *next;
};

/* A query forwarded over UDP, not answered yet: sent again to the next server if need be. */
struct pending {
	char *msg;
	size_t len;
	time_t sent;
};

/* A DNS query over TCP being read (the resolver's), until it is answered or forwarded. */
struct dnsconn {
	int fd;
	uint8_t buf[DNS_TCP_MAX];
	size_t len;
	time_t start;
	struct dnsconn *next;
};

/* The resolver's (struct net_dns): its listeners, the upstream servers and its TCP queries. */
struct dns_state {
	const struct net_dns *cfg;
	struct listener *udp, *tcp;
	union addr up[DNS_UPSTREAMS_MAX];
	socklen_t up_len[DNS_UPSTREAMS_MAX];
	size_t n_up;
	unsigned turn; /* the rotation of answers of several addresses (docker shuffles them) */
	struct dnsconn *conns;
};

/*
 * epoll tags: small numbers for the pidfd and the listeners (TAG_LISTEN + index), else a
 * heap pointer (malloc aligns to 16) with bit 0 the side of a conn, or bit 1 set for a flow.
 */
#define TAG_PIDFD    ((uint64_t) 1)
#define TAG_LISTEN   ((uint64_t) 16)
#define TAG_SPECIALS ((uint64_t) 65536)
#define TAG_FLOW     ((uint64_t) 2)
#define TAG_DNSTCP   ((uint64_t) 4)

static uint64_t tag(void *p, int side)
{
	return (uint64_t) (uintptr_t) p | (uint64_t) side;
}

static time_t now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* The end of @c: its sockets closed; freed (conn_free()) once the batch of events is done. */
static void conn_end(int ep, struct conn *c)
{
	if (c->dead)
		return;
	for (int d = 0; d < 2; d++) {
		if (c->watched[d])
			(void) epoll_ctl(ep, EPOLL_CTL_DEL, c->fd[d], NULL);
		if (c->fd[d] >= 0)
			close(c->fd[d]);
		c->fd[d] = -1;
		c->watched[d] = false;
	}
	c->l->n--;
	c->dead = true;
}

static void conn_free(struct conn *c)
{
	free(c->buf[0]);
	free(c->buf[1]);
	free(c);
}

/*
 * What fd[d] waits for: reading while its buffer is empty, writing while the other's has data.
 * One-shot, armed again after each event of the connection. A hang-up is reported whatever is
 * asked: a side that hung up and has nothing to wait for (its buffer full, waiting for the
 * other side to take it) leaves the epoll set until it has, or it would wake us at once, again
 * and again, for as long as the other side does not read.
 */
static void conn_arm(int ep, struct conn *c)
{
	for (int d = 0; d < 2; d++) {
		struct epoll_event ev = {.events = EPOLLONESHOT, .data.u64 = tag(c, d)};
		int op;

		if (d == 1 && c->connecting) {
			ev.events |= EPOLLOUT;
		} else {
			if (!c->eof[d] && c->len[d] == 0)
				ev.events |= EPOLLIN;
			if (c->len[1 - d] > c->off[1 - d])
				ev.events |= EPOLLOUT;
		}
		if (c->hup[d] && !(ev.events & (EPOLLIN | EPOLLOUT))) {
			if (c->watched[d])
				(void) epoll_ctl(ep, EPOLL_CTL_DEL, c->fd[d], NULL);
			c->watched[d] = false;
			continue;
		}
		op = c->watched[d] ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
		c->watched[d] = epoll_ctl(ep, op, c->fd[d], &ev) == 0;
	}
}

static bool conn_next_upstream(struct conn *c);

/* Write what buf[@from] holds to the other side; false on an error of the connection. */
static bool conn_flush(struct conn *c, int from)
{
	ssize_t n;

	if (c->len[from] == c->off[from])
		return true;
	n = send(c->fd[1 - from], c->buf[from] + c->off[from], c->len[from] - c->off[from],
		 MSG_NOSIGNAL);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	c->off[from] += (size_t) n;
	if (c->off[from] == c->len[from])
		c->len[from] = c->off[from] = 0;
	return true;
}

/*
 * Move what can be moved for side @d's readiness @events: read into buf[d], write buf[1 - d]
 * out. Returns false when the connection is over (both ways done, or an error).
 */
static bool conn_step(struct conn *c, int d, uint32_t events)
{
	int o = 1 - d;

	if (d == 1 && c->connecting) {
		int e = 0;
		socklen_t el = sizeof(e);

		/* the container refused: the client sees its connection close (the resolver's
		 * query goes to the next server) */
		if (getsockopt(c->fd[1], SOL_SOCKET, SO_ERROR, &e, &el) < 0 || e != 0)
			return c->dns && conn_next_upstream(c);
		c->connecting = false;
		/* a client that closed before the connection was made: its end, passed on now */
		if (c->eof[0] && c->len[0] == 0)
			(void) shutdown(c->fd[1], SHUT_WR);
		return true;
	}
	if (events & EPOLLERR)
		return false;
	if (events & EPOLLHUP)
		c->hup[d] = true;
	if ((events & (EPOLLIN | EPOLLHUP)) && !c->eof[d] && c->len[d] == 0) {
		ssize_t n = read(c->fd[d], c->buf[d], PROXY_BUF);

		if (n > 0) {
			c->len[d] = (size_t) n;
			c->off[d] = 0;
		} else if (n == 0) {
			c->eof[d] = true;
			if (!(o == 1 && c->connecting))
				(void) shutdown(c->fd[o], SHUT_WR);
		} else if (errno != EAGAIN && errno != EINTR) {
			return false;
		}
	}
	/* what the other side sent, to this one; what this side sent, to the other at once (not
	 * while the container's connects) */
	if (!conn_flush(c, o) || (!(o == 1 && c->connecting) && !conn_flush(c, d)))
		return false;
	if (c->eof[0] && c->eof[1] && c->len[0] == 0 && c->len[1] == 0)
		return false;
	/*
	 * A hang-up of a side already at its end of file: it was reset, or closed both ways
	 * while the other side still sends (a half-close gives EPOLLIN, not EPOLLHUP).
	 */
	if ((events & EPOLLHUP) && c->eof[d])
		return false;
	return true;
}

/* Stop watching @l: out of fds, accept4() would fail again at once, level-triggered. */
static void listener_pause(int ep, struct listener *l, uint64_t t)
{
	struct epoll_event ev = {.events = 0, .data.u64 = t};

	if (!l->paused && epoll_ctl(ep, EPOLL_CTL_MOD, l->fd, &ev) == 0)
		l->paused = true;
}

/* Watch every paused listener again: a connection or flow ended, an fd is free. */
static void listeners_resume(int ep, struct listener *ls, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct epoll_event ev = {.events = EPOLLIN, .data.u64 = TAG_LISTEN + i};

		if (ls[i].paused && epoll_ctl(ep, EPOLL_CTL_MOD, ls[i].fd, &ev) == 0)
			ls[i].paused = false;
	}
}

static void tcp_accept(int ep, struct listener *l, uint64_t t, struct conn **head)
{
	const union addr *backend = &l->backend;
	socklen_t blen = l->blen;

	for (;;) {
		int cfd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct conn *c;

		if (cfd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM)
				listener_pause(ep, l, t);
			return;
		}
		if (l->n >= PROXY_CONNS_MAX) {
			close(cfd);
			continue;
		}
		/* the listener's mark is for the input guard (NET_PROXY_MARK), not its packets */
		(void) setsockopt(cfd, SOL_SOCKET, SO_MARK, &(int){0}, sizeof(int));
		c = xcalloc(1, sizeof(*c));
		c->fd[0] = cfd;
		c->fd[1] = socket(backend->sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
				  0);
		if (c->fd[1] < 0) {
			close(cfd);
			free(c);
			listener_pause(ep, l, t);
			return;
		}
		if (connect(c->fd[1], &backend->sa, blen) < 0) {
			if (errno != EINPROGRESS) {
				close(c->fd[0]);
				close(c->fd[1]);
				free(c);
				continue;
			}
			c->connecting = true;
		}
		c->buf[0] = xmalloc(PROXY_BUF);
		c->buf[1] = xmalloc(PROXY_BUF);
		c->l = l;
		l->n++;
		c->next = *head;
		*head = c;
		conn_arm(ep, c);
	}
}

static struct flow *flow_find(struct flow *head, const struct listener *l, const union addr *a,
			      socklen_t len)
{
	for (struct flow *f = head; f; f = f->next)
		if (f->l == l && f->client_len == len && memcmp(&f->client, a, len) == 0)
			return f;
	return NULL;
}

static void pending_drop(struct flow *f, size_t i)
{
	f->l->pend_bytes -= f->pend[i].len;
	free(f->pend[i].msg);
	f->pend[i] = f->pend[--f->n_pend];
}

static void flow_free(int ep, struct flow **head, struct flow *f)
{
	for (struct flow **p = head; *p; p = &(*p)->next)
		if (*p == f) {
			*p = f->next;
			break;
		}
	(void) epoll_ctl(ep, EPOLL_CTL_DEL, f->fd, NULL);
	close(f->fd);
	f->l->n--;
	while (f->n_pend)
		pending_drop(f, f->n_pend - 1);
	free(f->pend);
	free(f);
}

/* A socket of @f's to @to (@len): its own, connected; false when none can be made. */
static bool flow_connect(int ep, struct flow *f, const union addr *to, socklen_t len)
{
	struct epoll_event ev = {.events = EPOLLIN,
				 .data.u64 = (uint64_t) (uintptr_t) f | TAG_FLOW};
	int fd = socket(to->sa.sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return false;
	if (connect(fd, &to->sa, len) < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		close(fd);
		return false;
	}
	if (f->fd >= 0) {
		(void) epoll_ctl(ep, EPOLL_CTL_DEL, f->fd, NULL);
		close(f->fd);
	}
	f->fd = fd;
	return true;
}

/* The flow of client @a (@alen) on @l, made (to @l's backend) if new; NULL when it cannot be. */
static struct flow *flow_get(int ep, struct listener *l, struct flow **head, const union addr *a,
			     socklen_t alen)
{
	struct flow *f = flow_find(*head, l, a, alen);

	if (f)
		return f;
	if (l->n >= PROXY_CONNS_MAX)
		return NULL;
	f = xcalloc(1, sizeof(*f));
	f->fd = -1;
	if (!flow_connect(ep, f, &l->backend, l->blen)) {
		free(f);
		return NULL;
	}
	f->client = *a;
	f->client_len = alen;
	f->l = l;
	f->next = *head;
	*head = f;
	l->n++;
	return f;
}

/* A datagram from a client: to the container through the client's flow, made if new. */
static void udp_from_client(int ep, struct listener *l, struct flow **head, char *buf)
{
	for (;;) {
		union addr a;
		socklen_t alen = sizeof(a);
		ssize_t len = recvfrom(l->fd, buf, PROXY_BUF, MSG_DONTWAIT, &a.sa, &alen);
		struct flow *f;

		if (len < 0)
			return;
		f = flow_get(ep, l, head, &a, alen);
		if (!f)
			continue;
		f->last = now_seconds();
		(void) send(f->fd, buf, (size_t) len, MSG_DONTWAIT);
	}
}

struct dns_state;
static void dns_refused(int ep, struct dns_state *st, struct flow *f);

/* The answer @msg (@len bytes) from an upstream server: its query (by id) is no longer pending. */
static void pending_answered(struct flow *f, const char *msg, size_t len)
{
	for (size_t i = 0; len >= 2 && i < f->n_pend; i++)
		if (memcmp(f->pend[i].msg, msg, 2) == 0) {
			pending_drop(f, i);
			return;
		}
}

/* Every pending query of @f, to the next upstream server (false: there is none). */
static bool pending_next_server(int ep, struct dns_state *st, struct flow *f);

/*
 * Replies of the container on flow @f: back to its client from the published address. For
 * the resolver's (@st), an upstream server that refused (ICMP port unreachable: nothing
 * listens there) is given up at once.
 */
static void udp_from_container(int ep, struct dns_state *st, struct flow *f, char *buf)
{
	for (;;) {
		ssize_t len = recv(f->fd, buf, PROXY_BUF, MSG_DONTWAIT);

		if (len < 0 && errno == ECONNREFUSED && f->l->dns) {
			dns_refused(ep, st, f);
			continue;
		}
		if (len < 0)
			return;
		f->last = now_seconds();
		if (f->l->dns)
			pending_answered(f, buf, (size_t) len);
		(void) sendto(f->l->fd, buf, (size_t) len, MSG_DONTWAIT, &f->client.sa,
			      f->client_len);
	}
}

/* ---- the resolver (struct net_dns) ---- */

static void put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t) (v >> 8);
	p[1] = (uint8_t) v;
}

/*
 * The answer to the query @msg (its question @q) into @out (@max bytes): from the names of the
 * container's networks, NOTIMP for @r -EOPNOTSUPP, SERVFAIL for another name when there is no
 * server to forward it to; 0 when it is to be forwarded.
 */
static size_t dns_answer(struct dns_state *st, const uint8_t *msg, const struct net_dns_question *q,
			 int r, uint8_t *out, size_t max)
{
	uint8_t addrs[DNS_ANSWERS_MAX * sizeof(struct in6_addr)];
	uint8_t turned[sizeof(addrs)];
	int fam, k;
	size_t alen;

	if (r == -EOPNOTSUPP)
		return net_dns_reply(msg, q, ns_r_notimpl, AF_INET, NULL, 0, out, max);
	/* zone transfers are no container's business, and would go out of a TCP relay */
	if (q->qtype == ns_t_axfr || q->qtype == ns_t_ixfr)
		return net_dns_reply(msg, q, ns_r_refused, AF_INET, NULL, 0, out, max);
	if (q->qclass == ns_c_in && (q->qtype == ns_t_a || q->qtype == ns_t_aaaa)) {
		fam = q->qtype == ns_t_a ? AF_INET : AF_INET6;
		alen = fam == AF_INET ? sizeof(struct in_addr) : sizeof(struct in6_addr);
		k = st->cfg->lookup(st->cfg->ctx, q->name, fam, addrs, DNS_ANSWERS_MAX);
		if (k >= 0) {
			size_t n = (size_t) k > DNS_ANSWERS_MAX ? DNS_ANSWERS_MAX : (size_t) k;
			size_t first = n ? st->turn++ % n : 0;

			/* each answer starts at another address: a client taking the first one
			 * spreads over an alias's containers */
			memcpy(turned, addrs + first * alen, (n - first) * alen);
			memcpy(turned + (n - first) * alen, addrs, first * alen);
			return net_dns_reply(msg, q, ns_r_noerror, fam, turned, n, out, max);
		}
	}
	if (q->qclass == ns_c_in && q->qtype == ns_t_ptr && st->cfg->reverse) {
		uint8_t a[16];
		char name[NS_MAXDNAME];
		int fam;

		if (net_dns_ptr_addr(q->name, &fam, a) == 0 &&
		    st->cfg->reverse(st->cfg->ctx, fam, a, name, sizeof(name)) == 0) {
			size_t n = net_dns_reply_name(msg, q, name, out, max);
			if (n)
				return n;
		}
	}
	if (st->n_up == 0)
		return net_dns_reply(msg, q, ns_r_servfail, AF_INET, NULL, 0, out, max);
	return 0;
}

/* Queries over UDP: answered, or forwarded through the client's flow to an upstream server. */
static void dns_udp(int ep, struct dns_state *st, struct flow **head, char *buf)
{
	struct listener *l = st->udp;

	for (;;) {
		union addr a;
		socklen_t alen = sizeof(a);
		ssize_t len = recvfrom(l->fd, buf, PROXY_BUF, MSG_DONTWAIT, &a.sa, &alen);
		uint8_t out[DNS_UDP_MAX];
		struct net_dns_question q;
		struct flow *f;
		size_t n;
		int r;

		if (len < 0)
			return;
		r = net_dns_question((const uint8_t *) buf, (size_t) len, &q);
		if (r == -EBADMSG || len > DNS_QUERY_MAX)
			continue;
		n = dns_answer(st, (const uint8_t *) buf, &q, r, out, sizeof(out));
		/* what is kept to resend is bounded: a flood gets SERVFAIL */
		if (!n && l->pend_bytes + (size_t) len > DNS_PENDING_BYTES)
			n = net_dns_reply((const uint8_t *) buf, &q, ns_r_servfail, AF_INET, NULL,
					  0, out, sizeof(out));
		if (n) {
			(void) sendto(l->fd, out, n, MSG_DONTWAIT, &a.sa, alen);
			continue;
		}
		f = flow_get(ep, l, head, &a, alen);
		if (!f)
			continue;
		/* each query starts at the first server, as the client's resolver would */
		if (f->n_pend == 0 && f->up != 0) {
			if (!flow_connect(ep, f, &st->up[0], st->up_len[0]))
				continue;
			f->up = 0;
		}
		if (f->n_pend == DNS_PENDING_MAX)
			pending_drop(f, 0);
		f->pend = xrealloc(f->pend, (f->n_pend + 1) * sizeof(*f->pend));
		f->pend[f->n_pend++] =
			(struct pending){.msg = memcpy(xmalloc((size_t) len), buf, (size_t) len),
					 .len = (size_t) len,
					 .sent = now_seconds()};
		l->pend_bytes += (size_t) len;
		f->last = now_seconds();
		/* the refusal of an earlier query may come back here, and this one is not sent */
		if (send(f->fd, buf, (size_t) len, MSG_DONTWAIT) < 0 && errno == ECONNREFUSED)
			dns_refused(ep, st, f);
	}
}

static bool pending_next_server(int ep, struct dns_state *st, struct flow *f)
{
	time_t now = now_seconds();

	if (f->up + 1 >= st->n_up ||
	    !flow_connect(ep, f, &st->up[f->up + 1], st->up_len[f->up + 1]))
		return false;
	f->up++;
	for (size_t i = 0; i < f->n_pend; i++) {
		f->pend[i].sent = now;
		if (send(f->fd, f->pend[i].msg, f->pend[i].len, MSG_DONTWAIT) < 0 &&
		    errno == ECONNREFUSED)
			return pending_next_server(ep, st, f);
	}
	return true;
}

/*
 * Forwarded queries without an answer for DNS_RETRY_SECONDS: to the next server, if any; at
 * the last one, no longer pending (the client asks again, or gives up).
 */
static void dns_retry(int ep, struct dns_state *st, struct flow *flows, time_t now)
{
	for (struct flow *f = flows; f; f = f->next) {
		bool late = false;

		if (f->l != st->udp)
			continue;
		for (size_t i = 0; i < f->n_pend; i++)
			late = late || now - f->pend[i].sent >= DNS_RETRY_SECONDS;
		if (!late || pending_next_server(ep, st, f))
			continue;
		for (size_t i = 0; i < f->n_pend;)
			if (now - f->pend[i].sent >= DNS_RETRY_SECONDS)
				pending_drop(f, i);
			else
				i++;
	}
}

/*
 * The upstream server of @f refused (ICMP port unreachable: nothing listens there): its
 * pending queries go to the next one, or get SERVFAIL at once rather than wait for the
 * client's timeout.
 */
static void dns_refused(int ep, struct dns_state *st, struct flow *f)
{
	if (f->n_pend == 0 || pending_next_server(ep, st, f))
		return;
	while (f->n_pend) {
		struct pending *p = &f->pend[f->n_pend - 1];
		struct net_dns_question q;
		uint8_t out[DNS_UDP_MAX];
		size_t n;

		if (net_dns_question((const uint8_t *) p->msg, p->len, &q) == 0 &&
		    (n = net_dns_reply((const uint8_t *) p->msg, &q, ns_r_servfail, AF_INET, NULL,
				       0, out, sizeof(out))))
			(void) sendto(f->l->fd, out, n, MSG_DONTWAIT, &f->client.sa, f->client_len);
		pending_drop(f, f->n_pend - 1);
	}
}

static void dnsconn_end(int ep, struct dns_state *st, struct dnsconn *d, bool close_fd)
{
	for (struct dnsconn **p = &st->conns; *p; p = &(*p)->next)
		if (*p == d) {
			*p = d->next;
			break;
		}
	(void) epoll_ctl(ep, EPOLL_CTL_DEL, d->fd, NULL);
	if (close_fd) {
		close(d->fd);
		st->tcp->n--;
	}
	free(d);
}

static void dns_tcp_accept(int ep, struct dns_state *st, uint64_t t)
{
	for (;;) {
		int fd = accept4(st->tcp->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct epoll_event ev = {.events = EPOLLIN};
		struct dnsconn *d;

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM)
				listener_pause(ep, st->tcp, t);
			return;
		}
		if (st->tcp->n >= PROXY_CONNS_MAX) {
			close(fd);
			continue;
		}
		d = xcalloc(1, sizeof(*d));
		d->fd = fd;
		d->start = now_seconds();
		ev.data.u64 = (uint64_t) (uintptr_t) d | TAG_DNSTCP;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			free(d);
			continue;
		}
		d->next = st->conns;
		st->conns = d;
		st->tcp->n++;
	}
}

/*
 * More of the TCP query @d: once whole, answered and the connection closed, or the connection
 * handed to a relay (struct conn) to the first upstream server, the query sent first.
 */
static void dns_tcp_read(int ep, struct dns_state *st, struct dnsconn *d, struct conn **conns)
{
	static uint8_t out[2 + 65535];
	struct net_dns_question q;
	ssize_t k = read(d->fd, d->buf + d->len, sizeof(d->buf) - d->len);
	size_t mlen, n;
	struct conn *c;
	int r;

	if (k < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (k <= 0) {
		dnsconn_end(ep, st, d, true);
		return;
	}
	d->len += (size_t) k;
	if (d->len < 2)
		return;
	mlen = (size_t) (d->buf[0] << 8 | d->buf[1]);
	if (2 + mlen > sizeof(d->buf)) {
		dnsconn_end(ep, st, d, true);
		return;
	}
	if (d->len < 2 + mlen)
		return;
	r = net_dns_question(d->buf + 2, mlen, &q);
	n = r == -EBADMSG ? 0 : dns_answer(st, d->buf + 2, &q, r, out + 2, sizeof(out) - 2);
	if (r == -EBADMSG || n) {
		if (n) {
			put16(out, n);
			(void) send(d->fd, out, n + 2, MSG_NOSIGNAL | MSG_DONTWAIT);
		}
		dnsconn_end(ep, st, d, true);
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->fd[0] = d->fd;
	c->dns = st;
	c->fd[1] = socket(st->up[0].sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd[1] < 0 || (connect(c->fd[1], &st->up[0].sa, st->up_len[0]) < 0 &&
			     errno != EINPROGRESS && !conn_next_upstream(c))) {
		if (c->fd[1] >= 0)
			close(c->fd[1]);
		free(c);
		dnsconn_end(ep, st, d, true);
		return;
	}
	c->connecting = true;
	c->buf[0] = xmalloc(PROXY_BUF);
	c->buf[1] = xmalloc(PROXY_BUF);
	/* the query alone, and nothing more from the client: the relay would pass any bytes on
	 * to the server, past what is checked here (NOTIMP, zone transfers) */
	memcpy(c->buf[0], d->buf, 2 + mlen);
	c->len[0] = 2 + mlen;
	c->eof[0] = true;
	c->l = st->tcp; /* counted there already */
	c->next = *conns;
	*conns = c;
	dnsconn_end(ep, st, d, false);
	conn_arm(ep, c);
}

/*
 * The resolver's TCP query @c, whose server refused the connection: to the next server, the
 * query still in buf[0] (nothing of it was sent). False when there is none.
 */
/* The resolver's TCP query @c that no server took: SERVFAIL to its client, at once. */
static void conn_servfail(struct conn *c)
{
	struct net_dns_question q;
	uint8_t out[2 + DNS_UDP_MAX];
	size_t n, mlen = c->len[0] >= 2
				 ? (size_t) ((uint8_t) c->buf[0][0] << 8 | (uint8_t) c->buf[0][1])
				 : 0;

	if (mlen + 2 > c->len[0] ||
	    net_dns_question((const uint8_t *) c->buf[0] + 2, mlen, &q) < 0 ||
	    !(n = net_dns_reply((const uint8_t *) c->buf[0] + 2, &q, ns_r_servfail, AF_INET, NULL,
				0, out + 2, sizeof(out) - 2)))
		return;
	out[0] = (uint8_t) (n >> 8);
	out[1] = (uint8_t) n;
	(void) send(c->fd[0], out, n + 2, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static bool conn_next_upstream(struct conn *c)
{
	struct dns_state *st = c->dns;
	int fd;

	while (c->up + 1 < st->n_up) {
		c->up++;
		fd = socket(st->up[c->up].sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			    0);
		if (fd < 0)
			return false;
		if (connect(fd, &st->up[c->up].sa, st->up_len[c->up]) < 0 && errno != EINPROGRESS) {
			close(fd);
			continue;
		}
		close(c->fd[1]); /* (which takes it out of the epoll set) */
		c->fd[1] = fd;
		c->watched[1] = false;
		c->hup[1] = false;
		c->connecting = true;
		return true;
	}
	conn_servfail(c);
	return false;
}

/*
 * Read @dns into @st, with its listeners @udp and @tcp (borrowed): the first
 * DNS_UPSTREAMS_MAX upstreams that are addresses (others are skipped).
 */
static void dns_state_init(struct dns_state *st, const struct net_dns *dns, struct listener *udp,
			   struct listener *tcp)
{
	*st = (struct dns_state){.cfg = dns, .udp = udp, .tcp = tcp};
	for (char *const *u = dns->upstreams; u && *u && st->n_up < DNS_UPSTREAMS_MAX; u++) {
		union addr *a = &st->up[st->n_up];

		if (inet_pton(AF_INET, *u, &a->in.sin_addr) == 1) {
			a->in.sin_family = AF_INET;
			a->in.sin_port = htons(53);
			st->up_len[st->n_up++] = sizeof(a->in);
		} else if (inet_pton(AF_INET6, *u, &a->in6.sin6_addr) == 1) {
			a->in6.sin6_family = AF_INET6;
			a->in6.sin6_port = htons(53);
			st->up_len[st->n_up++] = sizeof(a->in6);
		}
		/* another (a scoped fe80::1%eth0): not one to forward to */
	}
	udp->fd = dns->udp_fd;
	udp->proto = IPPROTO_UDP;
	tcp->fd = dns->tcp_fd;
	tcp->proto = IPPROTO_TCP;
	udp->dns = tcp->dns = true;
	/* the flows of forwarded queries go to the first server first */
	if (st->n_up) {
		udp->backend = st->up[0];
		udp->blen = st->up_len[0];
	}
}

int net_proxy_run(const struct net_proxy_port *ports, size_t n_ports, const char *backend_ip,
		  const struct net_dns *dns, int pidfd)
{
	_cleanup_free_ struct listener *ls = NULL;
	struct epoll_event ev;
	struct conn *conns = NULL;
	struct flow *flows = NULL;
	struct dns_state st = {0};
	_cleanup_free_ char *buf = NULL;
	_cleanup_close_ int ep = -1;
	size_t n_ls = n_ports + (dns ? 2 : 0);
	int r = 0;

	if (n_ls == 0 || n_ls > TAG_SPECIALS - TAG_LISTEN)
		return -EINVAL;
	ls = xcalloc(n_ls, sizeof(*ls));
	for (size_t i = 0; i < n_ports; i++) {
		union addr *b = &ls[i].backend;

		ls[i].fd = ports[i].fd;
		ls[i].proto = ports[i].proto;
		if (backend_ip && inet_pton(AF_INET6, backend_ip, &b->in6.sin6_addr) == 1) {
			b->in6.sin6_family = AF_INET6;
			b->in6.sin6_port = htons(ports[i].backend_port);
			ls[i].blen = sizeof(b->in6);
		} else if (backend_ip && inet_pton(AF_INET, backend_ip, &b->in.sin_addr) == 1) {
			b->in.sin_family = AF_INET;
			b->in.sin_port = htons(ports[i].backend_port);
			ls[i].blen = sizeof(b->in);
		} else {
			return -EINVAL;
		}
	}
	if (dns)
		dns_state_init(&st, dns, &ls[n_ports], &ls[n_ports + 1]);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		return -errno;
	for (size_t i = 0; i < n_ls; i++) {
		if (i < n_ports && ports[i].backend_port == 0)
			continue; /* held: a DNATed port's reservation */
		if (fcntl(ls[i].fd, F_SETFL, fcntl(ls[i].fd, F_GETFL) | O_NONBLOCK) < 0)
			return -errno;
		ev = (struct epoll_event){.events = EPOLLIN, .data.u64 = TAG_LISTEN + i};
		if (epoll_ctl(ep, EPOLL_CTL_ADD, ls[i].fd, &ev) < 0)
			return -errno;
		if (ls[i].proto == IPPROTO_UDP && !buf)
			buf = xmalloc(PROXY_BUF);
	}
	ev = (struct epoll_event){.events = EPOLLIN, .data.u64 = TAG_PIDFD};
	if (epoll_ctl(ep, EPOLL_CTL_ADD, pidfd, &ev) < 0)
		return -errno;

	for (bool done = false, freed; !done;) {
		struct epoll_event evs[64];
		/* a second for the resolver's retries and stalled TCP queries, 5 for idle flows */
		int timeout = st.conns || (dns && flows) ? 1000 : flows ? 5000 : -1;
		int k = epoll_wait(ep, evs, ARRAY_SIZE(evs), timeout);

		if (k < 0 && errno != EINTR) {
			r = -errno;
			break;
		}
		for (int i = 0; i < k; i++) {
			uint64_t t = evs[i].data.u64;

			if (t == TAG_PIDFD) {
				done = true; /* the container's process ended */
			} else if (t < TAG_SPECIALS) {
				struct listener *l = &ls[t - TAG_LISTEN];

				if (l->dns && l->proto == IPPROTO_UDP)
					dns_udp(ep, &st, &flows, buf);
				else if (l->dns)
					dns_tcp_accept(ep, &st, t);
				else if (l->proto == IPPROTO_UDP)
					udp_from_client(ep, l, &flows, buf);
				else
					tcp_accept(ep, l, t, &conns);
			} else if (t & TAG_FLOW) {
				udp_from_container(
					ep, &st, (struct flow *) (uintptr_t) (t & ~TAG_FLOW), buf);
			} else if (t & TAG_DNSTCP) {
				dns_tcp_read(ep, &st,
					     (struct dnsconn *) (uintptr_t) (t & ~TAG_DNSTCP),
					     &conns);
			} else {
				struct conn *c = (struct conn *) (uintptr_t) (t & ~(uint64_t) 1);
				int d = (int) (t & 1);

				/* one that ended at an earlier event of this batch: freed after it
				 */
				if (c->dead)
					continue;
				if (conn_step(c, d, evs[i].events))
					conn_arm(ep, c);
				else
					conn_end(ep, c);
			}
		}
		freed = false;
		for (struct conn **p = &conns; *p;) {
			struct conn *c = *p;

			if (!c->dead) {
				p = &c->next;
				continue;
			}
			*p = c->next;
			conn_free(c);
			freed = true;
		}
		if (flows || st.conns) {
			time_t now = now_seconds();

			if (dns)
				dns_retry(ep, &st, flows, now);
			for (struct flow *f = flows, *next; f; f = next) {
				next = f->next;
				if (now - f->last >=
				    (f->l->dns ? DNS_IDLE_SECONDS : UDP_IDLE_SECONDS)) {
					flow_free(ep, &flows, f);
					freed = true;
				}
			}
			for (struct dnsconn *d = st.conns, *next; d; d = next) {
				next = d->next;
				if (now - d->start >= DNS_TCP_SECONDS) {
					dnsconn_end(ep, &st, d, true);
					freed = true;
				}
			}
		}
		if (freed)
			listeners_resume(ep, ls, n_ls);
	}
	while (conns) {
		struct conn *c = conns;

		conns = c->next;
		conn_end(ep, c);
		conn_free(c);
	}
	while (flows)
		flow_free(ep, &flows, flows);
	while (st.conns)
		dnsconn_end(ep, &st, st.conns, true);
	return r;
}

/*
 * What the proxy keeps of root once its sockets are open: the uid and gid 65534 (nobody: it
 * owns no file of the host), CAP_NET_ADMIN alone with @net_admin (for the mark it clears on
 * each connection, NET_PROXY_MARK: the resolver alone needs none), every other one out of
 * the bounding set too, and no_new_privs. Best effort: a step the kernel refuses leaves the
 * proxy as it was, working.
 */
static void proxy_drop_privileges(bool net_admin)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct d[2] = {{0}};

	/* the bounding set first: dropping needs CAP_SETPCAP, which the uid change ends */
	for (int cap = 0; cap < 64; cap++) {
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0)
			break;
		if (cap != CAP_NET_ADMIN || !net_admin)
			(void) prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
	}
	(void) prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (setgroups(0, NULL) == 0 && setresgid(65534, 65534, 65534) == 0 &&
	    prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == 0)
		(void) setresuid(65534, 65534, 65534);
	(void) prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	d[0].effective = d[0].permitted = net_admin ? 1u << CAP_NET_ADMIN : 0;
	(void) syscall(SYS_capset, &h, d);
	(void) prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

static int fd_cmp(const void *a, const void *b)
{
	int x = *(const int *) a, y = *(const int *) b;

	return (x > y) - (x < y);
}

/* Wait, serving nothing, until the process of @pidfd ends (or a signal ends this one). */
static void wait_for_pidfd(int pidfd)
{
	struct pollfd p = {pidfd, POLLIN, 0};

	while (pidfd >= 0 && poll(&p, 1, -1) < 0 && errno == EINTR)
		;
}

int net_proxy_serve(const struct net_proxy_port *ports, size_t n, const char *backend_ip,
		    const struct net_dns *dns, int pidfd)
{
	struct rlimit rl;

	/* two fds a connection: as many as the hard limit allows (1024 is the usual soft one);
	 * past them it stops accepting until one ends */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void) setrlimit(RLIMIT_NOFILE, &rl);
	}
	proxy_drop_privileges(n > 0);
	return net_proxy_run(ports, n, backend_ip, dns, pidfd);
}

pid_t net_proxy_spawn(const struct net_proxy_port *ports, size_t n, const char *backend_ip,
		      pid_t watch_pid, bool hold, struct hull_err **err)
{
	_cleanup_close_ int pidfd = -1;
	_cleanup_free_ int *keep = NULL;
	pid_t pid, caller;

	if (n == 0 || n > TAG_SPECIALS - TAG_LISTEN)
		return err_setx(err, EINVAL, "port proxy: %zu ports", n);
	pidfd = (int) syscall(SYS_pidfd_open, watch_pid, 0);
	if (pidfd < 0)
		return err_set(err, errno, "pidfd_open %d", (int) watch_pid);
	/* the fds the proxy keeps, in order, for the gaps between them to be closed */
	keep = xcalloc(n + 1, sizeof(*keep));
	for (size_t i = 0; i < n; i++)
		keep[i] = ports[i].fd;
	keep[n] = pidfd;
	qsort(keep, n + 1, sizeof(*keep), fd_cmp);
	if (keep[0] <= STDERR_FILENO)
		return err_setx(err, EINVAL, "port proxy: fd %d is a standard stream", keep[0]);
	caller = getpid();
	pid = fork();
	if (pid < 0)
		return err_set(err, errno, "fork the port proxy");
	if (pid == 0) {
		sigset_t all;
		int devnull, caller_fd = -1, r;
		unsigned from = 3;

		devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0 ||
		    dup2(devnull, 2) < 0)
			_exit(1);
		/* nothing of the monitor's: its pipes, log, attach and other sockets */
		for (size_t i = 0; i <= n; i++) {
			if ((unsigned) keep[i] > from)
				(void) syscall(SYS_close_range, from, (unsigned) keep[i] - 1, 0U);
			from = (unsigned) keep[i] + 1;
		}
		(void) syscall(SYS_close_range, from, ~0U, 0U);
		/* out of the terminal's process group: a ^C for `hull run` is the container's */
		(void) setsid();
		(void) prctl(PR_SET_NAME, "hull-proxy", 0, 0, 0);
		sigfillset(&all);
		(void) sigprocmask(SIG_UNBLOCK, &all, NULL);
		(void) signal(SIGPIPE, SIG_IGN);
		if (hold) {
			/* the caller, if it is still our parent (not reparented: gone already) */
			caller_fd = (int) syscall(SYS_pidfd_open, caller, 0);
			if (caller_fd >= 0 && getppid() != caller)
				caller_fd = (close(caller_fd), -1);
		}
		r = net_proxy_serve(ports, n, backend_ip, NULL, pidfd);
		/* the container ended: a restart's back-off keeps its ports, until the monitor's
		 * teardown ends this process (or the monitor is gone) */
		if (r == 0 && caller_fd >= 0)
			wait_for_pidfd(caller_fd);
		_exit(r < 0 ? 1 : 0);
	}
	return pid;
}
