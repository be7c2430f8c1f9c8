/* SPDX-License-Identifier: MIT */
/*
 * Integration test of the bridge network: a child in a new network namespace
 * is attached to hull0 and serves TCP and UDP; the host reaches it through
 * published ports on 127.0.0.1 and directly, and it reaches the gateway.
 * Needs root and nf_tables (else exit 77). Touches only loopback, hull0's
 * addresses and the namespace it creates.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "net/net.h"
#include "util/fs.h"

#define CTR_TCP_PORT 8080
#define CTR_UDP_PORT 8081
#define GREETING     "hello from the container\n"

static char runroot[] = "/tmp/test-net-bridge.XXXXXX";

/* What a failed assertion would leave behind; undone by cleanup(). */
static struct {
	pid_t pid;
	char id[32];
	char ip[INET_ADDRSTRLEN];
	struct port_map *maps;
	size_t n;
	bool ports_added;
} live;

static int cleanup(void **state)
{
	(void) state;
	if (live.ports_added)
		net_ports_remove(live.ip, NULL, live.maps, live.n);
	if (live.pid > 0) {
		kill(live.pid, SIGKILL);
		(void) waitpid(live.pid, NULL, 0);
	}
	if (live.id[0])
		net_detach(live.id);
	if (live.ip[0])
		net_ip_release(runroot, live.ip);
	free(live.maps);
	memset(&live, 0, sizeof(live));
	return 0;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

static int read_full(int fd, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t k = read(fd, (char *) buf + done, len - done);
		if (k <= 0)
			return -1;
		done += (size_t) k;
	}
	return 0;
}

static void set_timeout(int fd)
{
	struct timeval tv = {.tv_sec = 5};

	(void) setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void) setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int listen_on(int type, uint16_t port, const char *ip)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	int one = 1, fd;

	inet_pton(AF_INET, ip, &sa.sin_addr);
	fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	(void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 16) < 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Connect to @ip:@port; returns the fd or -errno. */
static int connect_to(int type, const char *ip, uint16_t port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	int fd, e;

	inet_pton(AF_INET, ip, &sa.sin_addr);
	fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	set_timeout(fd);
	if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
		e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

/*
 * The container: unshare the network namespace, say 'R', wait for 'G' and
 * the gateway server's port, check the gateway, listen, say 'L' (or 'E'),
 * then serve until killed, and on 'H' + port try a hairpin connection.
 */
static _noreturn_ void child_main(int tx, int rx)
{
	uint16_t gwport;
	char c, buf[8];
	int tcp, udp, fd;

	alarm(60);
	(void) prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (unshare(CLONE_NEWNET) < 0)
		_exit(1);
	if (write(tx, "R", 1) != 1 || read(rx, &c, 1) != 1 || c != 'G' ||
	    read_full(rx, &gwport, sizeof(gwport)) < 0)
		_exit(1);

	fd = connect_to(SOCK_STREAM, NET_GATEWAY, gwport);
	tcp = listen_on(SOCK_STREAM, CTR_TCP_PORT, "0.0.0.0");
	udp = listen_on(SOCK_DGRAM, CTR_UDP_PORT, "0.0.0.0");
	c = fd >= 0 && write(fd, "ping", 4) == 4 && tcp >= 0 && udp >= 0 ? 'L' : 'E';
	if (write(tx, &c, 1) != 1)
		_exit(1);

	(void) signal(SIGCHLD, SIG_IGN);
	for (;;) {
		struct pollfd p[3] = {{.fd = tcp, .events = POLLIN},
				      {.fd = udp, .events = POLLIN},
				      {.fd = rx, .events = POLLIN}};
		struct sockaddr_in from;
		socklen_t fromlen = sizeof(from);
		ssize_t k;

		if (poll(p, 3, -1) < 0)
			_exit(1);
		/* 'H' + port: a client in the container connects to the gateway at port. */
		if (p[2].revents & (POLLIN | POLLHUP)) {
			if (read(rx, &c, 1) != 1 || c != 'H' || read_full(rx, &gwport, 2) < 0)
				_exit(0);
			if (fork() == 0) {
				char g[sizeof(GREETING)] = "";

				fd = connect_to(SOCK_STREAM, NET_GATEWAY, gwport);
				c = fd >= 0 && read_full(fd, g, strlen(GREETING)) == 0 &&
						    streq(g, GREETING)
					    ? 'h'
					    : 'e';
				_exit(write(tx, &c, 1) == 1 ? 0 : 1);
			}
		}
		if (p[0].revents & POLLIN) {
			int conn = accept4(tcp, NULL, NULL, SOCK_CLOEXEC);
			if (conn >= 0) {
				(void) !write(conn, GREETING, strlen(GREETING));
				close(conn);
			}
		}
		if (p[1].revents & POLLIN) {
			k = recvfrom(udp, buf, sizeof(buf), 0, (struct sockaddr *) &from, &fromlen);
			if (k > 0)
				(void) sendto(udp, buf, (size_t) k, 0, (struct sockaddr *) &from,
					      fromlen);
		}
	}
}

static void expect_greeting(const char *ip, uint16_t port)
{
	char buf[sizeof(GREETING)] = "";
	int fd = connect_to(SOCK_STREAM, ip, port);

	if (fd < 0)
		fail_msg("connect %s:%u: %s", ip, port, strerror(-fd));
	if (read_full(fd, buf, strlen(GREETING)) < 0)
		fail_msg("no greeting from %s:%u", ip, port);
	assert_string_equal(buf, GREETING);
	close(fd);
}

static void expect_udp_echo(const char *ip, uint16_t port)
{
	char buf[8] = "";
	int fd = connect_to(SOCK_DGRAM, ip, port);

	assert_true(fd >= 0);
	/* UDP may race the child's first poll; a few tries. */
	for (int i = 0; i < 5; i++) {
		struct pollfd p = {.fd = fd, .events = POLLIN};

		assert_int_equal(write(fd, "echo", 4), 4);
		if (poll(&p, 1, 1000) == 1 && read(fd, buf, sizeof(buf) - 1) == 4)
			break;
	}
	assert_string_equal(buf, "echo");
	close(fd);
}

static void test_bridge(void **state)
{
	char *id = live.id;
	_cleanup_free_ char *ipfile = NULL;
	_cleanup_free_ int *fds = NULL, *fds2 = NULL;
	struct port_map *dup = NULL;
	struct hull_err *err = NULL;
	char *ip = live.ip, veth[IFNAMSIZ], c;
	int to_child[2], from_child[2], gw, conn, status;
	size_t ndup = 0;
	double t0, t_setup, t_attach, t_ports;
	uint16_t gwport;
	pid_t pid;
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);

	(void) state;
	snprintf(live.id, sizeof(live.id), "nettest%05d00000000", (int) getpid() % 100000);
	assert_int_equal(pipe2(to_child, O_CLOEXEC), 0);
	assert_int_equal(pipe2(from_child, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		child_main(from_child[1], to_child[0]);
	live.pid = pid;
	assert_int_equal(read(from_child[0], &c, 1), 1);
	assert_int_equal(c, 'R');

	if (net_bridge_setup(&err) < 0)
		fail_msg("net_bridge_setup: %s", err->msg);
	t0 = now_ms();
	if (net_bridge_setup(&err) < 0)
		fail_msg("net_bridge_setup again: %s", err->msg);
	t_setup = now_ms() - t0;
	assert_true(if_nametoindex(NET_BRIDGE_NAME) > 0);

	if (net_ip_alloc(runroot, id, live.ip, &err) < 0)
		fail_msg("net_ip_alloc: %s", err->msg);
	t0 = now_ms();
	if (net_attach(pid, id, ip, NULL, &err) < 0)
		fail_msg("net_attach: %s", err->msg);
	t_attach = now_ms() - t0;
	snprintf(veth, sizeof(veth), "hv%.10s", id);
	assert_true(if_nametoindex(veth) > 0);

	/* The container reaches a server on the gateway address, unNATed. */
	gw = listen_on(SOCK_STREAM, 0, NET_GATEWAY);
	assert_true(gw >= 0);
	assert_int_equal(getsockname(gw, (struct sockaddr *) &sa, &salen), 0);
	gwport = ntohs(sa.sin_port);
	assert_int_equal(write(to_child[1], "G", 1), 1);
	assert_int_equal(write(to_child[1], &gwport, sizeof(gwport)), (ssize_t) sizeof(gwport));
	assert_int_equal(read(from_child[0], &c, 1), 1);
	assert_int_equal(c, 'L');
	salen = sizeof(sa);
	conn = accept4(gw, (struct sockaddr *) &sa, &salen, SOCK_CLOEXEC);
	assert_true(conn >= 0);
	assert_string_equal(inet_ntoa(sa.sin_addr), ip);
	close(conn);
	close(gw);

	/* Direct to the container address. */
	expect_greeting(ip, CTR_TCP_PORT);

	/* Published: any address (picked port), one address, and UDP. */
	assert_int_equal(net_port_parse("8080", &live.maps, &live.n, &err), 0);
	assert_int_equal(net_port_parse("127.0.0.1::8080", &live.maps, &live.n, &err), 0);
	assert_int_equal(net_port_parse("0:8081/udp", &live.maps, &live.n, &err), 0);
	if (net_ports_reserve(live.maps, live.n, false, &fds, &err) < 0)
		fail_msg("net_ports_reserve: %s", err->msg);
	for (size_t i = 0; i < live.n; i++)
		assert_true(live.maps[i].host_port > 0);
	t0 = now_ms();
	if (net_ports_add(ip, NULL, live.maps, live.n, &err) < 0)
		fail_msg("net_ports_add: %s", err->msg);
	live.ports_added = true;
	t_ports = now_ms() - t0;

	/* The reserving sockets are bound, not listening, and stay open meanwhile. */
	expect_greeting("127.0.0.1", live.maps[0].host_port);
	expect_greeting(NET_GATEWAY, live.maps[0].host_port);
	expect_greeting("127.0.0.1", live.maps[1].host_port);
	expect_udp_echo("127.0.0.1", live.maps[2].host_port);

	/* Hairpin: the container reaches its own published port via a host address. */
	assert_int_equal(write(to_child[1], "H", 1), 1);
	assert_int_equal(write(to_child[1], &live.maps[0].host_port, 2), 2);
	assert_int_equal(read(from_child[0], &c, 1), 1);
	assert_int_equal(c, 'h');

	/* The same host port again: docker's message. */
	dup = xmalloc(sizeof(*dup));
	ndup = 1;
	*dup = live.maps[0];
	assert_int_equal(net_ports_reserve(dup, ndup, false, &fds2, &err), -EADDRINUSE);
	assert_non_null(strstr(err->msg, "failed: port is already allocated"));
	assert_non_null(strstr(err->msg, "0.0.0.0:"));
	err = err_free(err);

	/* Removed ports are no longer forwarded; removing twice is fine. */
	net_ports_remove(ip, NULL, live.maps, live.n);
	net_ports_remove(ip, NULL, live.maps, live.n);
	live.ports_added = false;
	assert_int_equal(connect_to(SOCK_STREAM, "127.0.0.1", live.maps[0].host_port),
			 -ECONNREFUSED);
	for (size_t i = 0; i < live.n; i++)
		close(fds[i]);

	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	live.pid = 0;
	net_detach(id);
	assert_int_equal(if_nametoindex(veth), 0);
	net_detach(id);
	ipfile = xasprintf("%s/net/ips/%s", runroot, ip);
	assert_int_equal(access(ipfile, F_OK), 0);
	net_ip_release(runroot, ip);
	assert_int_equal(access(ipfile, F_OK), -1);
	live.ip[0] = '\0';

	print_message("net_bridge_setup (existing) %.3f ms, net_attach %.3f ms, "
		      "net_ports_add (3) %.3f ms\n",
		      t_setup, t_attach, t_ports);
	free(dup);
	close(to_child[1]);
	close(from_child[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_bridge, cleanup),
	};
	struct hull_err *err = NULL;
	int r;

	if (geteuid() != 0) {
		fprintf(stderr, "skip: needs root\n");
		return 77;
	}
	/* No CAP_NET_ADMIN (an unprivileged container) or no nf_tables: skip. */
	r = net_bridge_setup(&err);
	if (r == -EPERM || r == -EPROTONOSUPPORT || r == -EAFNOSUPPORT || r == -EOPNOTSUPP) {
		fprintf(stderr, "skip: %s\n", err->msg);
		return 77;
	}
	err = err_free(err);
	if (!mkdtemp(runroot))
		return 1;
	r = cmocka_run_group_tests(tests, NULL, NULL);
	(void) rm_rf(runroot, &err);
	err_free(err);
	return r;
}
