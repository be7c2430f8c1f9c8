/* SPDX-License-Identifier: MIT */
/*
 * net_proxy_spawn(): the userland proxy of [::1] ports, on loopback only. A TCP exchange
 * larger than its buffers with a half-close each way, a refused backend, UDP replies to the
 * right client, and the end of the proxy with the watched process.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
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
				1, "127.0.0.1", watched, &err);
	assert_true(proxy > 0);
	assert_null(err);
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
		2, "127.0.0.1", watched, &err);
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
		1, "not-an-ip", watched, NULL);
	assert_true(proxy > 0);
	assert_int_equal(waitpid(proxy, &status, 0), proxy);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 1);
	kill(watched, SIGKILL);
	waitpid(watched, NULL, 0);
	close(listen_fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp),
		cmocka_unit_test(test_udp),
		cmocka_unit_test(test_bad_backend),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
