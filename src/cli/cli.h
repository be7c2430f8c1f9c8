/* SPDX-License-Identifier: MIT */
/*
 * The command-line interface: docker's commands, flags, output shapes and
 * exit codes (docker/cli cli/command/...). Only this layer prints or exits.
 *
 * Each command is a `struct cli_command` with one option table (git's
 * parse-options habit, cli/parse-options.h): the table drives the parsing of
 * its argv, its --help and its usage errors, so the help cannot drift from
 * the flags. A command's cmd_*() parses with cli_parse() (options stored
 * through pointers) or cli_parse_next() (options handed back by id), prints
 * errors with cli_fail_as()/cli_usage_error() and returns its exit code.
 * docs/internals/cli.md has the design.
 */
#ifndef HULL_CLI_CLI_H
#define HULL_CLI_CLI_H

#include <getopt.h>
#include <jansson.h>
#include <stdint.h>
#include <time.h>
#include "container/container.h"
#include "image/store.h"
#include "util/err.h"
#include "util/filter.h"
#include "util/strbuf.h"
#include "util/template.h"
#include "cli/parse-options.h"

struct cli {
	const char *root;    /* --root / HULL_ROOT */
	const char *runroot; /* --runroot / HULL_RUNROOT */
	struct store *store; /* opened on demand by cli_store() */
	char **argv;	     /* main()'s argv, for rt_exe_seal() */
};

/* cli_store() - open the store on first use. */
int cli_store(struct cli *c, struct store **ret, struct hull_err **err);

/*
 * cli_add_host_check() - docker's --add-host HOST:IP check (IPv4 or
 * host-gateway): 0, or the exit code of the usage error it printed.
 */
int cli_add_host_check(const char *cmd, const char *arg);
/* cli_ip_valid() - an IPv4 or IPv6 address, as Go's net.ParseIP (docker/cli
 * opts.ValidateIPAddress). */
bool cli_ip_valid(const char *s);
/*
 * cli_prune_filter_parse() - a prune command's --filter values (@args, "KEY=VALUE") into @f
 * (util/filter.h; release it with prune_filter_release()): until (once; a time or a duration
 * ago, cli_parse_time()), label, label!, and @bool_key ("dangling" for image prune, "all" for
 * volume prune; NULL: none) into *@ret_bool (-1 absent, 0 false, 1 true). A key not in
 * @accepted (space-separated) fails as moby's filters.Validate: "invalid filter 'KEY'".
 * Returns 0, or 1 (docker's exit code) after printing the error as docker/cli
 * prints the daemon's: "Error response from daemon: MSG". On failure @f may hold
 * part of the values: release it either way.
 */
int cli_prune_filter_parse(char **args, const char *accepted, const char *bool_key, int *ret_bool,
			   struct prune_filter *f);
/*
 * cli_dns_search_valid() - docker/cli opts.ValidateDNSSearch: "." (no search
 * domain), or a domain of labels of letters, digits and inner hyphens joined
 * by dots (a trailing dot allowed), with a letter somewhere, under 255 chars.
 */
bool cli_dns_search_valid(const char *s);
/*
 * cli_getopt() - getopt_long with pflag's conventions (no prefix of a long
 * flag, --NAME=true|false for a flag without argument), for `hull runtime`
 * alone (cli/runtime.c), which keeps runc's command line and errors; every
 * docker command parses with its option table (cli/parse-options.h).
 * NEEDSWORK: give hull runtime tables too, with runc's error style.
 */
int cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
	       const struct option *longopts, bool stop_at_arg);
/* cli_labels_match() - moby's filters.MatchKVList: every "key" or "key=value" of @want is in
 * the object of string @labels (borrowed; NULL matches no key). */
bool cli_labels_match(char **want, json_t *labels);

/* Human output as docker's go-units: HumanDuration ("3 minutes") and HumanSizeWithPrecision(3)
 * ("12.3MB"). */
char *human_duration(double seconds);
char *human_size(double bytes);
/* human_size_prec() - go-units HumanSizeWithPrecision; HumanSize is precision 4 ("1.234MB"). */
char *human_size_prec(double bytes, int precision);
/*
 * cli_parse_time() - docker's timestamps of --since/--until and the until
 * filter (moby api/types/time.GetTimestamp): RFC 3339 date or date-time,
 * Unix seconds, or a Go duration ("1h30m") before now. -EINVAL if none.
 */
int cli_parse_time(const char *v, double *ret);
/* short_id() - first 12 hex digits of an id, with or without "sha256:" (borrowed static buffer). */
const char *short_id(const char *id);

/* table output with docker's tabwriter layout (columns padded to the widest cell + 3 spaces). */
struct table;
struct table *table_new(size_t ncols);
void table_add(struct table *t, ...); /* ncols strings */
/* table_add_strv() - add a row from a vector (missing cells are empty, extra ones dropped). */
void table_add_strv(struct table *t, char *const *cells);
void table_print(struct table *t, FILE *f);

/*
 * --format (cli/format.c): Go templates as docker's formatter and inspect
 * run them (util/template.h, docs/internals/template.md). The fmt_* types
 * describe docker's data to the templates: which objects are Go maps, which
 * nulls nil slices, and the type names errors show.
 */
extern const struct tmpl_type fmt_container_inspect, fmt_image_inspect, fmt_volume_inspect,
	fmt_network_inspect, fmt_network_row;
extern const struct tmpl_type fmt_ps_row, fmt_image_row, fmt_volume_row, fmt_history_row;
extern const struct tmpl_type fmt_df_images_row, fmt_df_containers_row, fmt_df_volumes_row,
	fmt_df_cache_row;

/*
 * format_template() - render --format @tmpl of inspect on @data of @type: a
 * new string, or NULL with "template parsing error: ..." in *@err. With
 * @raw_fallback, a template that fails on the typed data runs again on the
 * raw JSON as docker's inspect does, and that run's error is the one
 * reported (docker's volume inspect has no such fallback).
 */
char *format_template(const char *tmpl, json_t *data, const struct tmpl_type *type,
		      bool raw_fallback, struct hull_err **err);

/* --format of a list (ps, images, volume ls, history): the rows rendered so far */
struct format_list {
	struct tmpl *t;
	const struct tmpl_type *type;
	bool table, ps;
	struct strbuf out;
};
/*
 * format_list_init() - parse --format @arg as docker's formatter does:
 * "table" alone is @table_default ("table {{.A}}\t..."), "table TMPL" a
 * table, "json" one JSON object per row, else TMPL; spaces around it are
 * trimmed and the two characters \t and \n are a tab and a newline. Errors
 * read "template parsing error: ..." (@ps: docker's ps words them "failed to
 * parse template: ..."). 0 or -EINVAL; release with format_list_release().
 */
int format_list_init(struct format_list *fl, const char *arg, const char *table_default,
		     const struct tmpl_type *type, bool ps, struct hull_err **err);
/*
 * format_row() - render @row (borrowed) and a newline after the rows before
 * it; @udata goes to the type's methods ({{.Label "k"}}: the object with the
 * labels). 0, or -EINVAL with docker's error; nothing is printed then.
 */
int format_row(struct format_list *fl, json_t *row, void *udata, struct hull_err **err);
/*
 * format_list_print() - print the rows; a table gets its header first (the
 * template on the pairs of field and title in @titles, ending with
 * {NULL, NULL}, with docker's HeaderFunctions) and is aligned as docker's
 * tabwriter aligns it.
 */
void format_list_print(struct format_list *fl, const char *const (*titles)[2]);
void format_list_release(struct format_list *fl);
/* print_tabbed() - print lines of tab-separated cells aligned as docker's tabwriter. */
void print_tabbed(char **lines);
/* format_unescape() - docker's formatter turns the two characters "\t" and "\n" into tab and
 * newline; caller frees. */
char *format_unescape(const char *fmt);

/*
 * The resource-limit flags of run, create and update (cli/update.c), listed
 * once: LIVE(i, short, name, kind, argh, help) for those docker's update
 * changes too, ONCE(...) for those only run and create take. Their option
 * id is CLI_RES_VAL(i). Use CLI_RES_OPTION as LIVE or ONCE for a table
 * entry, and CLI_RES_SKIP to leave one out. cli_resource_opt() parses one
 * into *@res (created on first use): -1 done, 0 not such a flag, else the
 * exit code of a usage error it printed.
 */
/* clang-format off */
#define CLI_RES_FLAGS(LIVE, ONCE)                                                              \
	LIVE(0, 'm', "memory", CLI_KIND_STRING, "bytes", "Memory limit")                       \
	LIVE(1, 0, "memory-swap", CLI_KIND_STRING, "bytes",                                    \
	     "Swap limit equal to memory plus swap: '-1' to enable unlimited swap")            \
	LIVE(2, 0, "memory-reservation", CLI_KIND_STRING, "bytes", "Memory soft limit")        \
	LIVE(3, 0, "kernel-memory", CLI_KIND_STRING, "bytes", "Kernel memory limit")           \
	ONCE(4, 0, "oom-kill-disable", CLI_KIND_BOOL, NULL, "Disable OOM Killer")              \
	ONCE(5, 0, "oom-score-adj", CLI_KIND_STRING, "int",                                    \
	     "Tune host's OOM preferences (-1000 to 1000)")                                    \
	LIVE(6, 0, "cpus", CLI_KIND_STRING, "decimal", "Number of CPUs")                       \
	LIVE(7, 'c', "cpu-shares", CLI_KIND_STRING, "int", "CPU shares (relative weight)")     \
	LIVE(8, 0, "cpu-period", CLI_KIND_STRING, "int",                                       \
	     "Limit CPU CFS (Completely Fair Scheduler) period")                               \
	LIVE(9, 0, "cpu-quota", CLI_KIND_STRING, "int",                                        \
	     "Limit CPU CFS (Completely Fair Scheduler) quota")                                \
	LIVE(10, 0, "cpuset-cpus", CLI_KIND_STRING, NULL,                                      \
	     "CPUs in which to allow execution (0-3, 0,1)")                                    \
	LIVE(11, 0, "cpuset-mems", CLI_KIND_STRING, NULL,                                      \
	     "MEMs in which to allow execution (0-3, 0,1)")                                    \
	LIVE(12, 0, "pids-limit", CLI_KIND_STRING, "int",                                      \
	     "Tune container pids limit (set -1 for unlimited)")                               \
	LIVE(13, 0, "blkio-weight", CLI_KIND_STRING, "uint16",                                 \
	     "Block IO (relative weight), between 10 and 1000, or 0 to disable (default 0)")   \
	ONCE(14, 0, "device-read-bps", CLI_KIND_LIST, NULL,                                    \
	     "Limit read rate (bytes per second) from a device")                               \
	ONCE(15, 0, "device-write-bps", CLI_KIND_LIST, NULL,                                   \
	     "Limit write rate (bytes per second) to a device")                                \
	ONCE(16, 0, "device-read-iops", CLI_KIND_LIST, NULL,                                   \
	     "Limit read rate (IO per second) from a device")                                  \
	ONCE(17, 0, "device-write-iops", CLI_KIND_LIST, NULL,                                  \
	     "Limit write rate (IO per second) to a device")                                   \
	ONCE(18, 0, "ulimit", CLI_KIND_LIST, "ulimit", "Ulimit options (default [])")
#define CLI_RES_OPT			  1000
#define CLI_RES_VAL(i)			  (CLI_RES_OPT + (i))
#define CLI_RES_OPTION(i, s, name, kind, argh, help) {s, name, kind, NULL, CLI_RES_VAL(i), argh, help, 0},
#define CLI_RES_SKIP(i, s, name, kind, argh, help)
/* clang-format on */
int cli_resource_opt(const char *cmd, json_t **res, int o, const char *arg);
int cmd_update(struct cli *c, int argc, char **argv);

/*
 * The commands' tables (parse-options.h), each beside its cmd_*(): main.c
 * lists them in `hull --help` and under the management commands (image,
 * container, system, builder), whose help shows their descriptions.
 */
extern const struct cli_command cli_attach_command, cli_build_command, cli_builder_prune_command,
	cli_commit_command, cli_container_prune_command, cli_cp_command, cli_create_command,
	cli_debug_command, cli_debug_import_layers_command, cli_debug_layer_tar_command,
	cli_debug_seccomp_command, cli_diff_command, cli_events_command, cli_exec_command,
	cli_export_command, cli_history_command, cli_image_prune_command, cli_images_command,
	cli_import_command, cli_info_command, cli_inspect_command, cli_kill_command,
	cli_load_command, cli_login_command, cli_logout_command, cli_logs_command,
	cli_network_command, cli_pause_command, cli_port_command, cli_ps_command, cli_pull_command,
	cli_push_command, cli_rename_command, cli_restart_command, cli_rm_command, cli_rmi_command,
	cli_run_command, cli_save_command, cli_start_command, cli_stats_command, cli_stop_command,
	cli_system_check_command, cli_system_df_command, cli_system_prune_command, cli_tag_command,
	cli_top_command, cli_unpause_command, cli_update_command, cli_volume_command,
	cli_wait_command;

/*
 * cli_parse_stop() - parse @argv against stop's and restart's table (-t,
 * --time, and the hidden --timeout docker still takes): -1 with the seconds
 * in *@ret_timeout (-1: the container's own) and the first container at
 * argv[*@ret_ind], else the exit code to return.
 */
int cli_parse_stop(const struct cli_command *cmd, int argc, char **argv, int *ret_timeout,
		   int *ret_ind);

/* --format's help where it takes docker's four forms (images, ps, history, system df) */
#define CLI_FORMAT_HELP                                                                    \
	"Format output using a custom template:\n"                                         \
	"'table':            Print output in table format with column headers (default)\n" \
	"'table TEMPLATE':   Print output in table format using the given Go template\n"   \
	"'json':             Print in JSON format\n"                                       \
	"'TEMPLATE':         Print output using the given Go template"

/* The commands: each gets argv starting at its name; returns the exit code. */
int cmd_build(struct cli *c, int argc, char **argv);
int cmd_images(struct cli *c, int argc, char **argv);
int cmd_rmi(struct cli *c, int argc, char **argv);
int cmd_tag(struct cli *c, int argc, char **argv);
int cmd_import(struct cli *c, int argc, char **argv);
/* cmd_save() - `hull save [-o FILE] IMAGE...` (cli/images.c, image/save.h). */
int cmd_save(struct cli *c, int argc, char **argv);
/* cmd_load() - `hull load [-i FILE] [-q]` (cli/images.c, image/load.h). */
int cmd_load(struct cli *c, int argc, char **argv);
/* cmd_pull() - `hull pull [-a] [-q] [--platform P] REF` (cli/pull.c, registry/pull.h). */
int cmd_pull(struct cli *c, int argc, char **argv);
/* cmd_push() - `hull push [-a] [-q] REF` (cli/pull.c, registry/pull.h). */
int cmd_push(struct cli *c, int argc, char **argv);
int cmd_inspect(struct cli *c, int argc, char **argv);
int cmd_run(struct cli *c, int argc, char **argv);
int cmd_ps(struct cli *c, int argc, char **argv);
int cmd_logs(struct cli *c, int argc, char **argv);
int cmd_stop(struct cli *c, int argc, char **argv);
int cmd_kill(struct cli *c, int argc, char **argv);
int cmd_rm(struct cli *c, int argc, char **argv);
int cmd_debug(struct cli *c, int argc, char **argv);
/* cmd_debug_layer_tar() - `hull debug layer-tar DIGEST` (cli/debug-layer.c). */
int cmd_debug_layer_tar(struct cli *c, int argc, char **argv);
/* cmd_debug_seccomp() - `hull debug seccomp [OPTIONS]`: the compiled filter (cli/debug-layer.c). */
int cmd_debug_seccomp(struct cli *c, int argc, char **argv);
/*
 * cmd_debug_import_layers() - `hull debug import-layers [--parent C] FILE[=DIFFID]...`:
 * store_layer_import_stream() of each FILE at once, one thread each (cli/debug-layer.c).
 */
int cmd_debug_import_layers(struct cli *c, int argc, char **argv);
int cmd_create(struct cli *c, int argc, char **argv);
int cmd_exec(struct cli *c, int argc, char **argv);
int cmd_attach(struct cli *c, int argc, char **argv);
int cmd_start(struct cli *c, int argc, char **argv);
int cmd_restart(struct cli *c, int argc, char **argv);
int cmd_wait(struct cli *c, int argc, char **argv);
int cmd_pause(struct cli *c, int argc, char **argv);
int cmd_unpause(struct cli *c, int argc, char **argv);
int cmd_rename(struct cli *c, int argc, char **argv);
int cmd_top(struct cli *c, int argc, char **argv);
int cmd_port(struct cli *c, int argc, char **argv);
int cmd_stats(struct cli *c, int argc, char **argv);
/* hidden: run by hull-monitor when the container exits (cli/monitor.c) */
int cmd_container_monitor(struct cli *c, int argc, char **argv);
int cmd_container_log_compress(struct cli *c, int argc, char **argv);
/* hidden: one health probe, run by the container's monitor (cli/monitor.c) */
int cmd_container_health(struct cli *c, int argc, char **argv);
/* runtime.c: runc's command line over OCI bundles (hull runtime, hull-runtime). */
int cmd_runtime(struct cli *c, int argc, char **argv);
int cmd_volume(struct cli *c, int argc, char **argv);
/* cmd_network() - docker network create|ls|inspect|rm|prune (cli/network.c). */
int cmd_network(struct cli *c, int argc, char **argv);
int cmd_cp(struct cli *c, int argc, char **argv);
int cmd_diff(struct cli *c, int argc, char **argv);
int cmd_export(struct cli *c, int argc, char **argv);
int cmd_commit(struct cli *c, int argc, char **argv);
int cmd_container_prune(struct cli *c, int argc, char **argv);
/*
 * cli_container_prune() - remove every container that is not running, restarting
 * or paused (moby ContainersPrune, no filters); appends docker's report
 * ("Deleted Containers:" then one id a line) to @out when any went, and sets
 * *@ret_bytes to the bytes of their writable layers. A container that cannot
 * be removed is skipped, as docker skips it. -1 with *@err when the list
 * cannot be read. Takes each container's own locks (container_remove()).
 */
int cli_container_prune(struct cli *cl, struct store *s, const struct prune_filter *f,
			struct strbuf *out, int64_t *ret_bytes, struct hull_err **err);
/* cmd_events() - docker events over the store's journal (cli/events.c). */
int cmd_events(struct cli *c, int argc, char **argv);
/* cmd_info() - docker info [--format] (cli/info.c). */
int cmd_info(struct cli *c, int argc, char **argv);
/* cmd_system_prune() - docker system prune [-a] [--volumes] [-f] (cli/disk.c). */
int cmd_system_prune(struct cli *c, int argc, char **argv);
/* cmd_builder_prune() - docker builder prune: RUN --mount=type=cache directories, step cache. */
int cmd_builder_prune(struct cli *c, int argc, char **argv);
/* cmd_login() - `hull login [-u USER] [-p PASS|--password-stdin] [SERVER]` (cli/login.c). */
int cmd_login(struct cli *c, int argc, char **argv);
/* cmd_logout() - `hull logout [SERVER]` (cli/login.c). */
int cmd_logout(struct cli *c, int argc, char **argv);

/* cli_confirm() - print @warning and docker's "Are you sure...? [y/N]"; true on y/Y. */
bool cli_confirm(const char *warning);
int cmd_history(struct cli *c, int argc, char **argv);

/*
 * cli_attach_started() - attach to a container started with
 * container_start_attach() (cli/run.c): its exit code, 0 when detached, or
 * @fail_code (125 for run, 1 for start) after printing an error.
 */
int cli_attach_started(struct container *c, int sock, unsigned attached, const char *detach_keys,
		       bool sig_proxy, int fail_code);

/*
 * for_each_container() - the shape of stop, kill, rm, pause...: load each
 * container named from argv[@first] on, call @fn, print the name on success
 * or docker's "Error response from daemon: MSG" on failure. Returns 0, or 1
 * if any failed (the parser checked the argument count).
 */
int for_each_container(struct cli *cl, int argc, char **argv, int first,
		       int (*fn)(struct cli *, struct store *, struct container *, void *,
				 struct hull_err **),
		       void *data);

/*
 * ps_row() - the `ps` formatter fields of @c (ID, Image, Command, RunningFor,
 * Status, Names, Size...) as strings (new reference); with @size (its store,
 * borrowed; NULL: "0B", docker's SizeRw of 0) Size is docker's "RW (virtual
 * ROOTFS)" (container_size(), which reads the whole writable layer) (cli/run.c).
 */
json_t *ps_row(struct container *c, bool no_trunc, struct store *size, const struct timespec *now);
/* cmd_image_prune() - `hull image prune [-a] [-f] [--filter F]` (cli/disk.c). */
int cmd_image_prune(struct cli *c, int argc, char **argv);
/* cmd_system_df() - `hull system df [-v]` (cli/disk.c). */
int cmd_system_df(struct cli *c, int argc, char **argv);
/* cmd_system_check() - `hull system check [--repair]` (cli/disk.c), hull's `git fsck`. */
int cmd_system_check(struct cli *c, int argc, char **argv);

/* image_inspect_json() - docker's image inspect object for @img (new reference). */
json_t *image_inspect_json(struct store *s, const struct image *img);

#endif
