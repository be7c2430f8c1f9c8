/* SPDX-License-Identifier: MIT */
/*
 * hull-resolver: a container's resolver at 127.0.0.11:53, docker's embedded DNS
 * server (docs/networking.md "Name resolution"). The monitor makes its sockets in
 * the container's network namespace and spawns this program (posix_spawn: no copy
 * of the monitor's memory); it answers from the entries of the container's user
 * networks (container/dnsnames.h) and forwards other names (net/net.h struct
 * net_dns), as uid 65534, until the container's process ends. Static, with nothing
 * but libc, so that it starts in a fraction of a millisecond.
 *
 *   hull-resolver --ctr ID [--up IP]...
 *
 *   fd 3       the UDP socket, fd 4 the listening TCP socket (both at 127.0.0.11:53
 *              in the container's network namespace), fd 5 a pidfd of the
 *              container's process; stdio on /dev/null, in a session of its own
 *   --ctr      the container's id: its names and networks
 *   --up       a server other names are forwarded to, in order (the first 3 that are
 *              addresses, as a resolver reads resolv.conf's MAXNS; a scoped
 *              fe80::1%eth0 is skipped); none: SERVFAIL for them (an internal network)
 *
 * Exit status: 0 once the container's process ended, 1 on an error, 2 on bad usage.
 */
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "container/dnsnames.h"
#include "net/net.h"

#define UPSTREAMS_MAX 8 /* given; the first 3 that are addresses are asked (net_proxy_run()) */

int main(int argc, char **argv)
{
	char *up[UPSTREAMS_MAX + 1] = {NULL};
	const char *ctr = NULL;
	struct net_dns dns;
	size_t n_up = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--ctr") == 0 && i + 1 < argc)
			ctr = argv[++i];
		else if (strcmp(argv[i], "--up") == 0 && i + 1 < argc) {
			if (n_up < UPSTREAMS_MAX)
				up[n_up++] = argv[i + 1];
			i++;
		} else
			return 2;
	}
	if (!ctr || strchr(ctr, '/'))
		return 2;
	/* nothing of the monitor's but the three fds */
	(void) syscall(SYS_close_range, 6U, ~0U, 0U);
	(void) signal(SIGPIPE, SIG_IGN);
	dns = (struct net_dns){.udp_fd = 3,
			       .tcp_fd = 4,
			       .upstreams = up,
			       .lookup = network_dns_lookup,
			       .reverse = network_dns_reverse,
			       .ctx = (void *) ctr};
	return net_proxy_serve(NULL, 0, NULL, &dns, 5) < 0 ? 1 : 0;
}
