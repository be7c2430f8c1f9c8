/* SPDX-License-Identifier: MIT */
/*
 * net_proxy_spawn(): the userland proxy of [::1] ports, on loopback only. A TCP exchange
 * larger than its buffers with a half-close each way, a refused backend, UDP replies to the
 * right client, and the end of the proxy with the watched process. The proxy never spins:
 * not on a side that hung up while the other does not read, not out of fds.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net/net.h"

#define BIG (3 * 1024 * 1024 + 17)

/* A socket of @type bound to 127.0.0.1 on a free port (in *@port); listening for TCP. */
static int bound(int type, uint16_t *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *) &a, sizeof(a)), 0);
	if (type == SOCK_STREAM)
		assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *) &a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static int connect_to(int type, uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *) &a, sizeof(a)), 0);
	return fd;
}

/* The watched "container": a child that sleeps until killed. */
static pid_t sleeper(void)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	return pid;
}

/* Kill @watched: the proxy @proxy must end by itself, and at once. */
static void end_both(pid_t watched, pid_t proxy)
{
	int status = -1;

	kill(watched, SIGKILL);
	assert_int_equal(waitpid(watched, NULL, 0), watched);
	for (int i = 0; i < 200 && waitpid(proxy, &status, WNOHANG) == 0; i++)
		usleep(10000);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static ssize_t write_all(int fd, const char *p, size_t n)
{
	size_t done = 0;

	while (done < n) {
		ssize_t w = write(fd, p + done, n - done);
		if (w <= 0)
			return -1;
		done += (size_t) w;
	}
	return (ssize_t) done;
}

/* Read until end of file; the count. */
static size_t read_all(int fd, char *p, size_t max)
{
	size_t got = 0;
	ssize_t r;

	while (got < max && (r = read(fd, p + got, max - got)) > 0)
		got += (size_t) r;
	return got;
}

/* The proxy @pid runs as nobody with CAP_NET_ADMIN alone, bounding set included, and
 * no_new_privs (once it has dropped the rest, which it does before it relays anything). */
static void assert_unprivileged(pid_t pid)
{
	static const char *const want[] = {
		"Uid:\t65534\t65534\t65534\t65534",
		"Gid:\t65534\t65534\t65534\t65534",
		"CapPrm:\t0000000000001000",
		"CapEff:\t0000000000001000",
		"CapBnd:\t0000000000001000",
		"CapAmb:\t0000000000000000",
		"NoNewPrivs:\t1",
	};
	char path[64], buf[4096];
	size_t got = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", (int) pid);
	for (int i = 0; i < 200; i++) {
		FILE *f = fopen(path, "re");
		size_t n;

		assert_non_null(f);
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		got = 0;
		for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++)
			got += strstr(buf, want[k]) != NULL;
		if (got == sizeof(want) / sizeof(want[0]))
			return;
		usleep(10000);
	}
	fail_msg("the proxy keeps privileges:\n%s", buf);
}

static void test_tcp(void **state)
{
	/* the sleeper first: it must hold none of the sockets */
	pid_t watched = sleeper(), proxy, server;
	uint16_t bport, pport;
	int backend = bound(SOCK_STREAM, &bport), listen_fd = bound(SOCK_STREAM, &pport);
	char *out = malloc(BIG), *in = malloc(BIG);
	struct hull_err *err = NULL;
	int c;

	(void) state;
	for (size_t i = 0; i < BIG; i++)
		out[i] = (char) (i * 7 + i / 251);
	/* the container's server: read to the client's end, answer it reversed, then close */
	server = fork();
	assert_true(server >= 0);
	if (server == 0) {
		int s = accept(backend, NULL, NULL);
		size_t n = read_all(s, in, BIG);
		for (size_t i = 0; i < n / 2; i++) {
			char t = in[i];
			in[i] = in[n - 1 - i];
			in[n - 1 - i] = t;
		}
		_exit(write_all(s, in, n) == (ssize_t) n ? 0 : 1);
	}
	proxy = net_proxy_spawn(&(struct net_proxy_port){.fd = listen_fd,
							 .proto = IPPROTO_TCP,
							 .backend_port = bport},
				1, "127.0.0.1", watched, false, &err);
	assert_true(proxy > 0);
	assert_null(err);
	assert_unprivileged(proxy);
	close(listen_fd); /* the proxy's now (as the monitor keeps only a reservation) */

	c = connect_to(SOCK_STREAM, pport);
	/* the whole request, then a half-close: the server sees its end of file through the
	 * proxy and still answers on the open half */
	assert_int_equal(write_all(c, out, BIG), BIG);
	assert_int_equal(shutdown(c, SHUT_WR), 0);
	assert_int_equal(read_all(c, in, BIG), BIG);
	for (size_t i = 0; i < BIG; i++)
		if (in[i] != out[BIG - 1 - i])
			fail_msg("byte %zu differs", i);
	close(c);
	assert_int_equal(waitpid(server, &c, 0), server);
	assert_int_equal(c, 0);

	/* nothing listens at the backend any more: the client's connection just closes */
	close(backend);
	c = connect_to(SOCK_STREAM, pport);
	assert_int_equal(read_all(c, in, 16), 0);
	close(c);

	end_both(watched, proxy);
	free(in);
	free(out);
}

/* Two published UDP ports in one proxy: each client's answer leaves by the port it wrote to. */
static void test_udp(void **state)
{
	pid_t watched = sleeper(), proxy, server;
	uint16_t bport, pport, pport2;
	int backend = bound(SOCK_DGRAM, &bport), listen_fd = bound(SOCK_DGRAM, &pport);
	int listen_fd2 = bound(SOCK_DGRAM, &pport2);
	struct hull_err *err = NULL;
	char buf[64];
	int a, b;

	(void) state;
	/* the container's server: each datagram back, prefixed, to whoever sent it */
	server = fork();
	assert_true(server >= 0);
	if (server == 0) {
		for (int i = 0; i < 2; i++) {
			struct sockaddr_in from;
			socklen_t len = sizeof(from);
			ssize_t n = recvfrom(backend, buf + 3, sizeof(buf) - 3, 0,
					     (struct sockaddr *) &from, &len);
			memcpy(buf, "re:", 3);
			(void) sendto(backend, buf, (size_t) n + 3, 0, (struct sockaddr *) &from,
				      len);
		}
		_exit(0);
	}
	proxy = net_proxy_spawn(
		(struct net_proxy_port[]){
			{.fd = listen_fd, .proto = IPPROTO_UDP, .backend_port = bport},
			{.fd = listen_fd2, .proto = IPPROTO_UDP, .backend_port = bport},
		},
		2, "127.0.0.1", watched, false, &err);
	assert_true(proxy > 0);
	close(listen_fd);
	close(listen_fd2);

	/* two clients, each gets its own answer (a connected UDP socket takes only what comes
	 * from the port it sent to) */
	a = connect_to(SOCK_DGRAM, pport);
	b = connect_to(SOCK_DGRAM, pport2);
	assert_int_equal(send(a, "one", 3, 0), 3);
	assert_int_equal(recv(a, buf, sizeof(buf), 0), 6);
	assert_memory_equal(buf, "re:one", 6);
	assert_int_equal(send(b, "two", 3, 0), 3);
	assert_int_equal(recv(b, buf, sizeof(buf), 0), 6);
	assert_memory_equal(buf, "re:two", 6);
	close(a);
	close(b);
	assert_int_equal(waitpid(server, NULL, 0), server);
	close(backend);
	end_both(watched, proxy);
}

static void test_bad_backend(void **state)
{
	pid_t watched = sleeper(), proxy;
	uint16_t pport;
	int listen_fd = bound(SOCK_STREAM, &pport);
	int status = -1;

	(void) state;
	/* not an address: the proxy ends at once with a failure */
	proxy = net_proxy_spawn(
		&(struct net_proxy_port){.fd = listen_fd, .proto = IPPROTO_TCP, .backend_port = 80},
		1, "not-an-ip", watched, false, NULL);
	assert_true(proxy > 0);
	assert_int_equal(waitpid(proxy, &status, 0), proxy);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 1);
	kill(watched, SIGKILL);
	waitpid(watched, NULL, 0);
	close(listen_fd);
}

/* CPU time of @pid so far, in clock ticks (utime + stime of /proc/PID/stat). */
static long cpu_ticks(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut = 0, st = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
	f = fopen(path, "re");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	p = strrchr(buf, ')');
	assert_non_null(p);
	/* after the comm: state ppid pgrp session tty tpgid flags minflt cminflt majflt
	 * cmajflt utime stime */
	assert_int_equal(
		sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st), 2);
	return (long) (ut + st);
}

/* The proxy @proxy, given a second, uses a small part of it: it waits, it does not spin. */
static void assert_idle(pid_t proxy)
{
	long before = cpu_ticks(proxy), hz = sysconf(_SC_CLK_TCK);

	sleep(1);
	if (cpu_ticks(proxy) - before > hz / 2)
		fail_msg("the proxy used %ld of %ld ticks in a second", cpu_ticks(proxy) - before,
			 hz);
}

/*
 * Bytes waiting in the receive queue of the proxy's socket of the connection from local port
 * @client to @port (/proc/net/tcp's rx_queue; established, or FIN_WAIT2 once the proxy passed
 * on the container's end of file), or -1 when it is not listed.
 */
static long proxy_rx_queue(uint16_t port, uint16_t client)
{
	char line[512];
	FILE *f = fopen("/proc/net/tcp", "re");
	long q = -1;

	assert_non_null(f);
	while (q < 0 && fgets(line, sizeof(line), f)) {
		unsigned lp, rp, st;
		unsigned long tx, rx;

		if (sscanf(line, " %*u: %*x:%x %*x:%x %x %lx:%lx", &lp, &rp, &st, &tx, &rx) == 5 &&
		    lp == port && rp == client && st != 0x0a /* TCP_LISTEN */)
			q = (long) rx;
	}
	fclose(f);
	return q;
}

/*
 * A side that hung up (shut both ways) while the proxy holds its data for the other side,
 * which does not read: epoll reports the hang-up whatever is asked, so the proxy must stop
 * watching it rather than wake up again and again. The container shuts its writing at once
 * (which the proxy passes on to the client) and never reads; the client sends until the proxy
 * has stopped reading it (its buffer full: bytes wait in its socket), every byte acknowledged,
 * then half-closes: the proxy's socket of the client has hung up, with data it cannot pass on.
 */
static void test_no_spin_after_hangup(void **state)
{
	pid_t watched = sleeper(), proxy, server;
	uint16_t bport, pport, cport;
	int backend = bound(SOCK_STREAM, &bport), listen_fd = bound(SOCK_STREAM, &pport), c;
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	static char chunk[8192];
	size_t sent = 0;
	int waiting = 0;

	(void) state;
	server = fork();
	assert_true(server >= 0);
	if (server == 0) {
		int s = accept(backend, NULL, NULL);
		shutdown(s, SHUT_WR);
		pause(); /* never reads */
		_exit(0);
	}
	proxy = net_proxy_spawn(&(struct net_proxy_port){.fd = listen_fd,
							 .proto = IPPROTO_TCP,
							 .backend_port = bport},
				1, "127.0.0.1", watched, false, NULL);
	assert_true(proxy > 0);
	close(listen_fd);
	c = connect_to(SOCK_STREAM, pport);
	assert_int_equal(getsockname(c, (struct sockaddr *) &a, &alen), 0);
	cport = ntohs(a.sin_port);
	/* the container's end of file, passed on */
	assert_int_equal(read(c, chunk, 1), 0);
	while (waiting < 5) {
		int queued = 1;

		if (sent > (64u << 20))
			fail_msg("64 MiB sent and the proxy still reads them all");
		assert_int_equal(write(c, chunk, sizeof(chunk)), (ssize_t) sizeof(chunk));
		sent += sizeof(chunk);
		for (int i = 0; i < 500 && queued; i++) {
			assert_int_equal(ioctl(c, SIOCOUTQ, &queued), 0);
			if (queued)
				usleep(1000);
		}
		if (queued)
			fail_msg("after %zu bytes the proxy's socket took no more", sent);
		/* the proxy leaves bytes in its socket only while its buffer is full */
		waiting = 0;
		for (int i = 0; i < 5 && proxy_rx_queue(pport, cport) > 0; i++, waiting++)
			usleep(20000);
	}
	assert_int_equal(shutdown(c, SHUT_WR), 0);
	usleep(200000);
	assert_idle(proxy);
	close(c);
	kill(server, SIGKILL);
	waitpid(server, NULL, 0);
	close(backend);
	end_both(watched, proxy);
}

/*
 * Out of fds (a hard limit the proxy cannot raise): accept4() fails with EMFILE while the
 * listening socket stays readable; the proxy stops watching it instead of spinning, and takes
 * connections again once one ends. The limit is set in a process between this one and the
 * proxy, which inherits it: a prlimit() of the proxy itself fails once it runs as nobody
 * where this root lacks CAP_SYS_RESOURCE (it did, in a loaded make check, on such a host).
 * That process ends with the proxy's exit status.
 */
static void test_out_of_fds(void **state)
{
	pid_t watched = sleeper(), proxy, mid;
	uint16_t bport, pport;
	int backend = bound(SOCK_STREAM, &bport), listen_fd = bound(SOCK_STREAM, &pport);
	int clients[40], s, pipefd[2];
	char buf[8];

	(void) state;
	assert_int_equal(listen(backend, 128), 0);
	assert_int_equal(listen(listen_fd, 128), 0);
	assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
	mid = fork();
	assert_true(mid >= 0);
	if (mid == 0) {
		struct rlimit low = {.rlim_cur = 40, .rlim_max = 40};
		pid_t p = -1;
		int st = 0;

		if (setrlimit(RLIMIT_NOFILE, &low) == 0)
			p = net_proxy_spawn(&(struct net_proxy_port){.fd = listen_fd,
								     .proto = IPPROTO_TCP,
								     .backend_port = bport},
					    1, "127.0.0.1", watched, false, NULL);
		if (write(pipefd[1], &p, sizeof(p)) != sizeof(p) || p <= 0 ||
		    waitpid(p, &st, 0) != p)
			_exit(99);
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 98);
	}
	assert_int_equal(read(pipefd[0], &proxy, sizeof(proxy)), sizeof(proxy));
	assert_true(proxy > 0);
	close(pipefd[0]);
	close(pipefd[1]);
	close(listen_fd);
	/* more connections than 40 fds can relay (two each) */
	for (int i = 0; i < 40; i++)
		clients[i] = connect_to(SOCK_STREAM, pport);
	usleep(300000);
	assert_idle(proxy);
	/* the relayed ones end: a new client is relayed again */
	assert_int_equal(fcntl(backend, F_SETFL, fcntl(backend, F_GETFL) | O_NONBLOCK), 0);
	for (int i = 0; i < 40; i++)
		close(clients[i]);
	for (int round = 0; round < 2; round++) {
		int a;

		usleep(300000); /* the queued ones the proxy takes now, and drops */
		while ((a = accept(backend, NULL, NULL)) >= 0)
			close(a);
	}
	clients[0] = connect_to(SOCK_STREAM, pport);
	assert_int_equal(write(clients[0], "ping", 4), 4);
	s = -1;
	for (int i = 0; i < 100 && s < 0; i++) {
		struct pollfd p = {backend, POLLIN, 0};

		assert_int_equal(poll(&p, 1, 5000), 1);
		s = accept(backend, NULL, NULL);
		assert_true(s >= 0);
		assert_int_equal(fcntl(s, F_SETFL, fcntl(s, F_GETFL) & ~O_NONBLOCK), 0);
		if (read(s, buf, sizeof(buf)) != 4) {
			close(s); /* one of the first round, passed on at last */
			s = -1;
		}
	}
	assert_true(s >= 0);
	assert_memory_equal(buf, "ping", 4);
	close(s);
	close(clients[0]);
	close(backend);
	/* the process between ends with the proxy's exit status */
	end_both(watched, mid);
}

/*
 * Each published port has its own cap: datagrams from more client ports than one port's flows
 * may hold do not shut the container's other ports (they shared one cap of 1024, so that a UDP
 * flood locked TCP clients out for the 90 s of a flow).
 */
static void test_caps_per_port(void **state)
{
	pid_t watched = sleeper(), proxy;
	uint16_t uport, tport, pu, pt;
	int ub = bound(SOCK_DGRAM, &uport), tb = bound(SOCK_STREAM, &tport);
	int lu = bound(SOCK_DGRAM, &pu), lt = bound(SOCK_STREAM, &pt), c, s;
	char buf[8];

	(void) state;
	proxy = net_proxy_spawn(
		(struct net_proxy_port[]){
			{.fd = lu, .proto = IPPROTO_UDP, .backend_port = uport},
			{.fd = lt, .proto = IPPROTO_TCP, .backend_port = tport},
		},
		2, "127.0.0.1", watched, false, NULL);
	assert_true(proxy > 0);
	close(lu);
	close(lt);
	for (int i = 0; i < 1100; i++) {
		int u = connect_to(SOCK_DGRAM, pu);
		assert_int_equal(send(u, "x", 1, 0), 1);
		close(u);
		if (i % 50 == 49)
			usleep(20000); /* within what the published socket's buffer holds */
	}
	usleep(300000);
	c = connect_to(SOCK_STREAM, pt);
	assert_int_equal(write(c, "ping", 4), 4);
	assert_int_equal(poll(&(struct pollfd){tb, POLLIN, 0}, 1, 5000), 1);
	s = accept(tb, NULL, NULL);
	assert_true(s >= 0);
	assert_int_equal(read(s, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "ping", 4);
	close(s);
	close(c);
	close(ub);
	close(tb);
	end_both(watched, proxy);
}

/* bind() of 127.0.0.1:@port with @type: 0 or the errno */
static int try_bind(int type, uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0), r;

	assert_true(fd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	r = bind(fd, (struct sockaddr *) &a, sizeof(a)) == 0 ? 0 : errno;
	close(fd);
	return r;
}

/* The receive queue (/proc/net/udp's rx_queue, in memory units) of the UDP socket on @port. */
static long udp_rx_queue(uint16_t port)
{
	char line[512];
	FILE *f = fopen("/proc/net/udp", "re");
	long q = -1;

	assert_non_null(f);
	while (q < 0 && fgets(line, sizeof(line), f)) {
		unsigned lp;
		unsigned long tx, rx;

		if (sscanf(line, " %*u: %*x:%x %*x:%*x %*x %lx:%lx", &lp, &tx, &rx) == 3 &&
		    lp == port)
			q = (long) rx;
	}
	fclose(f);
	return q;
}

/* Whether the process of @pidfd has ended, waiting up to @ms for it. */
static bool ended_within(int pidfd, int ms)
{
	struct pollfd p = {pidfd, POLLIN, 0};

	return poll(&p, 1, ms) == 1;
}

/*
 * Ports the kernel DNATs (backend_port 0) are held, not served: the ports stay taken while
 * the proxy runs, with nothing read from them. With hold, they stay taken after the
 * container ended too (a restart's back-off), until the caller (the monitor) ends; then
 * they are free (the caller's copies closed), so that ending the proxy frees every port.
 */
static void test_held_ports(void **state)
{
	pid_t watched = sleeper(), proxy, monitor;
	uint16_t bport, tport, uport, sport;
	int backend = bound(SOCK_DGRAM, &bport);
	int tcp = bound(SOCK_STREAM, &tport), udp = bound(SOCK_DGRAM, &uport);
	int served = bound(SOCK_DGRAM, &sport);
	int pipefd[2], pfd;
	char buf[16];
	int c;

	(void) state;
	/* the monitor: the proxy's parent, which spawns it and then waits to be killed */
	assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
	monitor = fork();
	assert_true(monitor >= 0);
	if (monitor == 0) {
		pid_t p = net_proxy_spawn(
			(struct net_proxy_port[]){
				{.fd = tcp, .proto = IPPROTO_TCP, .backend_port = 0},
				{.fd = udp, .proto = IPPROTO_UDP, .backend_port = 0},
				{.fd = served, .proto = IPPROTO_UDP, .backend_port = bport},
			},
			3, "127.0.0.1", watched, true, NULL);
		if (write(pipefd[1], &p, sizeof(p)) != sizeof(p))
			_exit(1);
		for (;;)
			pause();
	}
	assert_int_equal(read(pipefd[0], &proxy, sizeof(proxy)), sizeof(proxy));
	assert_true(proxy > 0);
	pfd = (int) syscall(SYS_pidfd_open, proxy, 0);
	assert_true(pfd >= 0);
	close(tcp);
	close(udp);
	close(served);
	/* the served port relays (so the proxy runs its loop) */
	c = connect_to(SOCK_DGRAM, sport);
	assert_int_equal(send(c, "x", 1, 0), 1);
	assert_int_equal(recv(backend, buf, sizeof(buf), 0), 1);
	close(c);
	/* a datagram to the held port stays unread in its queue; the ports stay taken */
	c = connect_to(SOCK_DGRAM, uport);
	assert_int_equal(send(c, "held", 4, 0), 4);
	close(c);
	usleep(100 * 1000);
	assert_true(udp_rx_queue(uport) > 0);
	assert_int_equal(try_bind(SOCK_STREAM, tport), EADDRINUSE);
	assert_int_equal(try_bind(SOCK_DGRAM, uport), EADDRINUSE);
	/* the container ends: the proxy serves no more but keeps every port for its monitor */
	kill(watched, SIGKILL);
	assert_int_equal(waitpid(watched, NULL, 0), watched);
	assert_false(ended_within(pfd, 300));
	assert_int_equal(try_bind(SOCK_STREAM, tport), EADDRINUSE);
	assert_int_equal(try_bind(SOCK_DGRAM, sport), EADDRINUSE);
	/* the monitor gone: so is the proxy, at once, and the ports are free */
	kill(monitor, SIGKILL);
	assert_int_equal(waitpid(monitor, NULL, 0), monitor);
	assert_true(ended_within(pfd, 2000));
	assert_int_equal(try_bind(SOCK_STREAM, tport), 0);
	assert_int_equal(try_bind(SOCK_DGRAM, uport), 0);
	assert_int_equal(try_bind(SOCK_DGRAM, sport), 0);
	close(pfd);
	close(pipefd[0]);
	close(pipefd[1]);
	close(backend);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp),	    cmocka_unit_test(test_udp),
		cmocka_unit_test(test_bad_backend), cmocka_unit_test(test_no_spin_after_hangup),
		cmocka_unit_test(test_out_of_fds),  cmocka_unit_test(test_caps_per_port),
		cmocka_unit_test(test_held_ports),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
