/* SPDX-License-Identifier: MIT */
/*
 * `hull container-monitor ID FLAGS...`: not a docker command. hull-monitor
 * execs it in its own process when the container it watches exits, to
 * restart it or clean up (container_monitor_resume(), src/monitor/monitor.c).
 * `hull container-log-compress FILE`: neither; a monitor runs it to gzip a
 * rotated log (container/logfile.h).
 * `hull container-health ID`: not one either; the container's monitor runs
 * it for each health probe (container_health_probe()).
 */
#include "cli/cli.h"
#include "container/container.h"

int cmd_container_monitor(struct cli *c, int argc, char **argv)
{
	struct hull_err *e = NULL;
	struct store *s;

	if (cli_store(c, &s, &e) < 0 || container_monitor_resume(s, c->runroot, argc, argv, &e) < 0)
		return cli_fail(e);
	return 0;
}

/* `hull container-log-compress FILE`: run by a container's monitor at each rotation */
int cmd_container_log_compress(struct cli *c, int argc, char **argv)
{
	struct hull_err *e = NULL;

	(void) c;
	if (argc != 2)
		return cli_usage_error("container-log-compress", "usage: FILE");
	if (container_log_compress(argv[1], &e) < 0)
		return cli_fail(e);
	return 0;
}

/*
 * Prints the milliseconds until the next probe (-1: none) on stdout, which is
 * the monitor's pipe (container/health-timer.h); errors go to stderr, which
 * the monitor points at /dev/null.
 */
int cmd_container_health(struct cli *c, int argc, char **argv)
{
	struct hull_err *e = NULL;
	struct store *s;
	int next = -1, r;

	if (argc != 2)
		return cli_usage_error("container-health", "usage: container-health ID");
	r = cli_store(c, &s, &e);
	if (r >= 0)
		r = container_health_probe(s, c->runroot, argv[1], &next, &e);
	printf("%d\n", next);
	fflush(stdout);
	return r < 0 ? cli_fail(e) : 0;
}
