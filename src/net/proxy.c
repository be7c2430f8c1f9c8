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

#define PROXY_BUF	 (32 * 1024) /* per direction of a connection, as docker-proxy's */
#define PROXY_CONNS_MAX	 1024	     /* connections or datagram flows at once, per published port */
#define UDP_IDLE_SECONDS 90	     /* docker-proxy's UDPConnTrackTimeout */

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
	size_t n;    /* its connections or flows, PROXY_CONNS_MAX at most */
	bool paused; /* not watched: out of fds (accept4's EMFILE) until a connection ends */
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
	struct conn *next;
};

/* One datagram flow: a client address and its own socket connected to the container. */
struct flow {
	union addr client;
	socklen_t client_len;
	int fd;
	struct listener *l; /* the published port the client wrote to: replies go out of it */
	time_t last;
	struct flow *next;
};

/*
 * epoll tags: small numbers for the pidfd and the listeners (TAG_LISTEN + index), else a
 * heap pointer (malloc aligns to 16) with bit 0 the side of a conn, or bit 1 set for a flow.
 */
#define TAG_PIDFD    ((uint64_t) 1)
#define TAG_LISTEN   ((uint64_t) 16)
#define TAG_SPECIALS ((uint64_t) 65536)
#define TAG_FLOW     ((uint64_t) 2)

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

		/* the container refused: the client sees its connection close */
		if (getsockopt(c->fd[1], SOL_SOCKET, SO_ERROR, &e, &el) < 0 || e != 0)
			return false;
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
	free(f);
}

/* A datagram from a client: to the container through the client's flow, made if new. */
static void udp_from_client(int ep, struct listener *l, struct flow **head, char *buf)
{
	const union addr *backend = &l->backend;
	socklen_t blen = l->blen;

	for (;;) {
		union addr a;
		socklen_t alen = sizeof(a);
		ssize_t len = recvfrom(l->fd, buf, PROXY_BUF, MSG_DONTWAIT, &a.sa, &alen);
		struct flow *f;

		if (len < 0)
			return;
		f = flow_find(*head, l, &a, alen);
		if (!f) {
			struct epoll_event ev = {.events = EPOLLIN};
			int fd;

			if (l->n >= PROXY_CONNS_MAX)
				continue;
			fd = socket(backend->sa.sa_family,
				    SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
			if (fd < 0)
				continue;
			if (connect(fd, &backend->sa, blen) < 0) {
				close(fd);
				continue;
			}
			f = xcalloc(1, sizeof(*f));
			f->client = a;
			f->client_len = alen;
			f->fd = fd;
			f->l = l;
			ev.data.u64 = (uint64_t) (uintptr_t) f | TAG_FLOW;
			(void) epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
			f->next = *head;
			*head = f;
			l->n++;
		}
		f->last = now_seconds();
		(void) send(f->fd, buf, (size_t) len, MSG_DONTWAIT);
	}
}

/* Replies of the container on flow @f: back to its client from the published address. */
static void udp_from_container(struct flow *f, char *buf)
{
	for (;;) {
		ssize_t len = recv(f->fd, buf, PROXY_BUF, MSG_DONTWAIT);

		if (len < 0)
			return;
		f->last = now_seconds();
		(void) sendto(f->l->fd, buf, (size_t) len, MSG_DONTWAIT, &f->client.sa,
			      f->client_len);
	}
}

int net_proxy_run(const struct net_proxy_port *ports, size_t n_ports, const char *backend_ip,
		  int pidfd)
{
	_cleanup_free_ struct listener *ls = NULL;
	struct epoll_event ev;
	struct conn *conns = NULL;
	struct flow *flows = NULL;
	_cleanup_free_ char *buf = NULL;
	_cleanup_close_ int ep = -1;
	int r = 0;

	if (n_ports == 0 || n_ports > TAG_SPECIALS - TAG_LISTEN)
		return -EINVAL;
	ls = xcalloc(n_ports, sizeof(*ls));
	for (size_t i = 0; i < n_ports; i++) {
		union addr *b = &ls[i].backend;

		ls[i].fd = ports[i].fd;
		ls[i].proto = ports[i].proto;
		if (inet_pton(AF_INET6, backend_ip, &b->in6.sin6_addr) == 1) {
			b->in6.sin6_family = AF_INET6;
			b->in6.sin6_port = htons(ports[i].backend_port);
			ls[i].blen = sizeof(b->in6);
		} else if (inet_pton(AF_INET, backend_ip, &b->in.sin_addr) == 1) {
			b->in.sin_family = AF_INET;
			b->in.sin_port = htons(ports[i].backend_port);
			ls[i].blen = sizeof(b->in);
		} else {
			return -EINVAL;
		}
	}
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		return -errno;
	for (size_t i = 0; i < n_ports; i++) {
		if (ports[i].backend_port == 0)
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
		int k = epoll_wait(ep, evs, ARRAY_SIZE(evs), flows ? 5000 : -1);

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

				if (l->proto == IPPROTO_UDP)
					udp_from_client(ep, l, &flows, buf);
				else
					tcp_accept(ep, l, t, &conns);
			} else if (t & TAG_FLOW) {
				udp_from_container((struct flow *) (uintptr_t) (t & ~TAG_FLOW),
						   buf);
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
		if (flows) {
			time_t now = now_seconds();

			for (struct flow *f = flows, *next; f; f = next) {
				next = f->next;
				if (now - f->last >= UDP_IDLE_SECONDS) {
					flow_free(ep, &flows, f);
					freed = true;
				}
			}
		}
		if (freed)
			listeners_resume(ep, ls, n_ports);
	}
	while (conns) {
		struct conn *c = conns;

		conns = c->next;
		conn_end(ep, c);
		conn_free(c);
	}
	while (flows)
		flow_free(ep, &flows, flows);
	return r;
}

/*
 * What the proxy keeps of root once its sockets are open: the uid and gid 65534 (nobody: it
 * owns no file of the host), CAP_NET_ADMIN alone (for the mark it clears on each connection,
 * NET_PROXY_MARK), every other one out of the bounding set too, and no_new_privs. Best effort:
 * a step the kernel refuses leaves the proxy as it was, working.
 */
static void proxy_drop_privileges(void)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct d[2] = {{0}};

	/* the bounding set first: dropping needs CAP_SETPCAP, which the uid change ends */
	for (int cap = 0; cap < 64; cap++) {
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0)
			break;
		if (cap != CAP_NET_ADMIN)
			(void) prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
	}
	(void) prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (setgroups(0, NULL) == 0 && setresgid(65534, 65534, 65534) == 0 &&
	    prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == 0)
		(void) setresuid(65534, 65534, 65534);
	(void) prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	d[0].effective = d[0].permitted = 1u << CAP_NET_ADMIN;
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
		struct rlimit rl;
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
		/* two fds a connection: as many as the hard limit allows (1024 is the usual soft
		 * one); past them it stops accepting until one ends */
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			(void) setrlimit(RLIMIT_NOFILE, &rl);
		}
		if (hold) {
			/* the caller, if it is still our parent (not reparented: gone already) */
			caller_fd = (int) syscall(SYS_pidfd_open, caller, 0);
			if (caller_fd >= 0 && getppid() != caller)
				caller_fd = (close(caller_fd), -1);
		}
		proxy_drop_privileges();
		r = net_proxy_run(ports, n, backend_ip, pidfd);
		/* the container ended: a restart's back-off keeps its ports, until the monitor's
		 * teardown ends this process (or the monitor is gone) */
		if (r == 0 && caller_fd >= 0)
			wait_for_pidfd(caller_fd);
		_exit(r < 0 ? 1 : 0);
	}
	return pid;
}
