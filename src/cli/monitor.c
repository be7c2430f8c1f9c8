/* SPDX-License-Identifier: MIT */
/*
 * `hull container-monitor ID FLAGS...`: not a docker command. hull-monitor
 * execs it in its own process when the container it watches exits, to
 * restart it or clean up (container_monitor_resume(), src/monitor/monitor.c).
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
