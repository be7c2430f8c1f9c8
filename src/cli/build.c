/* SPDX-License-Identifier: MIT */
/* build and debug (docker/cli cli/command/image/build.go). */
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include "build/build.h"
#include "build/copy.h"
#include "build/gitsrc.h"
#include "cli/cli.h"
#include "dockerfile/dockerfile.h"
#include "image/reference.h"
#include "registry/manifest.h"
#include "util/fs.h"
#include "util/hostpath.h"
#include "util/json.h"
#include "util/strv.h"
#include "util/units.h"

/* The process umask: docker writes --iidfile with os.WriteFile(0666), umask applied. */
static mode_t umask_get(void)
{
	mode_t m = umask(0);

	umask(m);
	return m;
}

/*
 * docker build - (docker/cli build.go, ReadArchive / DetectArchiveReader):
 * standard input is a build context as a tar (plain, gzip, bzip2, xz or
 * zstd), or else a Dockerfile with an empty context. It is spooled under
 * the store's tmp/, then extracted (or written as ./Dockerfile) into a
 * fresh directory there; *@ret_dir is that directory, which the caller
 * removes.
 */
static int context_from_stdin(struct store *s, char **ret_dir, struct hull_err **err)
{
	_cleanup_free_ char *dir = NULL, *tmp = NULL;
	_cleanup_close_ int spool = -1, dfd = -1, out = -1;
	char buf[65536];
	ssize_t n;
	int r;

	tmp = path_join(s->root, "tmp");
	spool = open(tmp, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (spool < 0)
		return err_set(err, errno, "read the build context from stdin");
	while ((n = read(STDIN_FILENO, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_set(err, errno, "read the build context from stdin");
		r = write_all(spool, buf, (size_t) n);
		if (r < 0)
			return err_set(err, -r, "spool the build context");
	}
	r = store_tmpdir(s, "context", &dir, err);
	if (r < 0)
		return r;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || lseek(spool, 0, SEEK_SET) < 0) {
		r = err_set(err, errno, "prepare the build context");
		goto fail;
	}
	r = archive_extract_fd(spool, dfd, err);
	if (r == 0) { /* not an archive: a Dockerfile */
		out = openat(dfd, "Dockerfile", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (out < 0 || lseek(spool, 0, SEEK_SET) < 0) {
			r = err_set(err, errno, "write the Dockerfile from stdin");
			goto fail;
		}
		while ((n = read(spool, buf, sizeof(buf))) > 0 &&
		       (r = write_all(out, buf, (size_t) n)) == 0)
			;
		if (n < 0 || r < 0) {
			r = err_set(err, n < 0 ? errno : -r, "write the Dockerfile from stdin");
			goto fail;
		}
	} else if (r < 0) {
		err_wrap(err, "read the build context from stdin");
		goto fail;
	}
	*ret_dir = TAKE_PTR(dir);
	return 0;
fail:
	(void) rm_rf(dir, NULL);
	return r;
}

/*
 * A git URL as the build context (buildx: a local directory first, then a
 * git URL as BuildKit's ParseGitRef tells one; dockerui's git context): the
 * repository is checked out under the store's tmp/ (*@ret_tmp, which the
 * caller removes) and *@ret_ctx is the context in it (a subdirectory for
 * "#ref:dir"). A relative -f names a file of that context, read inside it
 * (build_opts.dockerfile_in_context) as BuildKit reads it from the checkout;
 * an absolute one, or -, is read here. Returns 0 when @url is no git URL.
 */
static int context_from_git(struct store *s, const char *url, char **build_args, char **ret_tmp,
			    char **ret_ctx, struct hull_err **err)
{
	_cleanup_(gitsrc_release) struct gitsrc g = {0};
	const char *keep = NULL;
	int r;

	r = gitsrc_parse(url, &g, err);
	if (r < 0)
		return err_wrap(err, "unable to prepare context");
	if (r == 0 && (startswith(url, "http://") || startswith(url, "https://"))) {
		_cleanup_free_ char *shown = gitsrc_redact(url);
		return err_setx(
			err, ENOTSUP,
			"unable to prepare context: a URL context that is no git repository "
			"(a tarball or a Dockerfile) is not supported yet: %s",
			shown);
	}
	if (r == 0)
		return 0;
	/* dockerui's context-keep-git-dir, set by this build-arg */
	STRV_FOREACH (a, build_args)
		if (streq(*a, "BUILDKIT_CONTEXT_KEEP_GIT_DIR"))
			keep = getenv(*a);
		else if (startswith(*a, "BUILDKIT_CONTEXT_KEEP_GIT_DIR="))
			keep = *a + strlen("BUILDKIT_CONTEXT_KEEP_GIT_DIR=");
	r = gitsrc_context(s, &g,
			   keep && (streq(keep, "1") || strcasecmp(keep, "true") == 0 ||
				    streq(keep, "t") || streq(keep, "T")),
			   ret_tmp, ret_ctx, err);
	if (r < 0)
		return r;
	return 1;
}

/* The sources of RUN's secret and ssh mounts, as the options gave them. */
struct build_sources {
	struct build_secret_src *secrets;
	size_t n_secrets;
	struct build_ssh_src *ssh;
	size_t n_ssh;
};

static void build_sources_release(struct build_sources *x)
{
	for (size_t i = 0; i < x->n_secrets; i++)
		build_secret_src_release(&x->secrets[i]);
	for (size_t i = 0; i < x->n_ssh; i++)
		build_ssh_src_release(&x->ssh[i]);
	free(x->secrets);
	free(x->ssh);
}

/*
 * --secret id=ID[,src=FILE|,env=VAR]: where its bytes come from, checked now
 * (buildx stats the files before it builds). A bare id is the variable of
 * that name when it is set, else the file of that name (BuildKit's store).
 */
static int secret_opt(const char *arg, struct build_secret_src **v, size_t *n)
{
	struct build_secret_src s;
	struct hull_err *e = NULL;
	struct stat st;

	if (build_secret_src_parse(arg, &s, &e) < 0) {
		int r = cli_flag_error("build", "--secret", arg, "%s", e->msg);
		err_free(e);
		return r;
	}
	if (!s.file && !s.env) {
		if (getenv(s.id))
			s.env = xstrdup(s.id);
		else
			s.file = xstrdup(s.id);
	}
	if (s.file) {
		char real[PATH_MAX];
		if (stat(s.file, &st) < 0 || !realpath(s.file, real)) {
			int r = cli_flag_error("build", "--secret", arg, "read %s: %s", s.file,
					       strerror(errno));
			build_secret_src_release(&s);
			return r;
		}
		if (st.st_size > 500 * 1024) {
			build_secret_src_release(&s);
			return cli_flag_error("build", "--secret", arg,
					      "secret %s is larger than 500 KiB", s.id);
		}
		free(s.file);
		s.file = xstrdup(real);
	}
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = s;
	return 0;
}

/*
 * --ssh default|ID[=SOCKET]: an ssh agent's socket (default: $SSH_AUTH_SOCK),
 * bind-mounted into the steps that ask for it; key files are not supported.
 */
static int ssh_opt(const char *arg, struct build_ssh_src **v, size_t *n)
{
	struct build_ssh_src s;
	struct hull_err *e = NULL;
	char real[PATH_MAX];
	struct stat st;

	if (build_ssh_src_parse(arg, &s, &e) < 0) {
		int r = cli_flag_error("build", "--ssh", arg, "%s", e->msg);
		err_free(e);
		return r;
	}
	if (!s.paths) {
		const char *sock = getenv("SSH_AUTH_SOCK");
		if (isempty(sock)) {
			build_ssh_src_release(&s);
			return cli_flag_error("build", "--ssh", arg,
					      "no agent socket: SSH_AUTH_SOCK is not set");
		}
		strv_push(&s.paths, sock);
	}
	if (s.paths[1]) {
		build_ssh_src_release(&s);
		return cli_flag_error("build", "--ssh", arg, "one agent socket per id");
	}
	if (stat(s.paths[0], &st) < 0 || !S_ISSOCK(st.st_mode) || !realpath(s.paths[0], real)) {
		int r = cli_flag_error("build", "--ssh", arg,
				       "%s is not an ssh agent socket (hull forwards a socket, "
				       "not key files)",
				       s.paths[0]);
		build_ssh_src_release(&s);
		return r;
	}
	free(s.paths[0]);
	s.paths[0] = xstrdup(real);
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = s;
	return 0;
}

enum {
	OPT_BUILD_ARG = 256,
	OPT_NO_CACHE,
	OPT_PROGRESS,
	OPT_TARGET,
	OPT_NO_CACHE_FILTER,
	OPT_LABEL,
	OPT_IIDFILE,
	OPT_ALLOW,
	OPT_PULL,
	OPT_NETWORK,
	OPT_ADD_HOST,
	OPT_SHM_SIZE,
	OPT_PLATFORM,
	OPT_SECRET,
	OPT_SSH
};

static const struct cli_option build_options[] = {
	CLI_LIST_ID(0, "add-host", OPT_ADD_HOST, NULL, "Add a custom host-to-IP mapping (host:ip)"),
	CLI_LIST_ID(0, "allow", OPT_ALLOW, NULL,
		    "Allow extra privileged entitlement (network.host, security.insecure)"),
	CLI_LIST_ID(0, "build-arg", OPT_BUILD_ARG, NULL, "Set build-time variables"),
	CLI_STRING_ID('f', "file", 'f', NULL,
		      "Name of the Dockerfile (default: \"PATH/Dockerfile\")"),
	CLI_STRING_ID(0, "iidfile", OPT_IIDFILE, NULL, "Write the image ID to the file"),
	CLI_LIST_ID(0, "label", OPT_LABEL, NULL, "Set metadata for an image"),
	CLI_STRING_ID(0, "network", OPT_NETWORK, NULL,
		      "Set the networking mode for the RUN instructions during build (default, "
		      "bridge, host, none)"),
	CLI_BOOL_ID(0, "no-cache", OPT_NO_CACHE, "Do not use cache when building the image"),
	CLI_LIST_ID(0, "no-cache-filter", OPT_NO_CACHE_FILTER, "strings",
		    "Do not cache specified stages"),
	CLI_STRING_ID(0, "platform", OPT_PLATFORM, NULL, "Set platform (this machine's only)"),
	CLI_STRING_ID(0, "progress", OPT_PROGRESS, NULL,
		      "Set type of progress output (auto, plain, tty); plain prints the same step "
		      "lines"),
	CLI_BOOL_ID(0, "pull", OPT_PULL, "Always attempt to pull a newer version of the image"),
	CLI_BOOL_ID('q', "quiet", 'q', "Suppress the build output and print image ID on success"),
	CLI_LIST_ID(0, "secret", OPT_SECRET, "stringArray",
		    "Secret to expose to the build (format: \"id=mysecret[,src=/local/secret]\" or "
		    "\"id=mysecret,env=VAR\")"),
	CLI_STRING_ID(0, "shm-size", OPT_SHM_SIZE, "bytes", "Size of /dev/shm"),
	CLI_LIST_ID(0, "ssh", OPT_SSH, "stringArray",
		    "SSH agent socket or keys to expose to the build (format: "
		    "\"default|<id>[=<socket>|<key>[,<key>]]\")"),
	CLI_LIST_ID('t', "tag", 't', NULL, "Name and optionally a tag in the \"name:tag\" format"),
	CLI_STRING_ID(0, "target", OPT_TARGET, NULL, "Set the target build stage to build"),
	CLI_LIST_ID(0, "ulimit", CLI_RES_VAL(18), "ulimit", "Ulimit options (default [])"),
	CLI_OPT_END,
};
const struct cli_command cli_build_command = {
	.name = "build",
	.usage = "[OPTIONS] PATH | URL | -",
	.description = "Build an image from a Dockerfile",
	.aliases = "hull image build, hull builder build, hull build",
	.min_args = 1,
	.max_args = 1,
	.options = build_options,
};

int cmd_build(struct cli *cl, int argc, char **argv)
{
	_cleanup_strv_ char **tags = NULL, **args = NULL, **filters = NULL, **labels = NULL;
	_cleanup_free_ char *id = NULL;
	struct hostpath_output iid = HOSTPATH_OUTPUT_INIT;
	_cleanup_(reg_config_freep) struct reg_config *registry = NULL;
	_cleanup_free_ char *stdin_ctx = NULL, *git_tmp = NULL, *git_ctx = NULL;
	_cleanup_strv_ char **hosts = NULL;
	_cleanup_json_ json_t *resources = NULL;
	struct build_opts bo = {.out = stdout};
	_cleanup_(build_sources_release) struct build_sources src = {0};
	const char *iidfile = NULL;
	struct hull_err *e = NULL;
	struct store *s;
	int o, r;
	struct cli_parse p;

	cli_parse_init(&p, &cli_build_command, argc, argv);
	while ((o = cli_parse_next(&p)) > 0) {
		const char *optarg = p.arg;

		switch (o) {
		case 't': {
			struct image_ref r;
			if (ref_parse(optarg, &r, &e) < 0) {
				fprintf(stderr,
					"hull: invalid argument \"%s\" for \"-t, --tag\" flag: "
					"%s\n",
					optarg, e->msg);
				err_free(e);
				return 125;
			}
			ref_release(&r);
			strv_push(&tags, optarg);
			break;
		}
		case 'f':
			bo.dockerfile = optarg;
			break;
		case OPT_BUILD_ARG:
			strv_push(&args, optarg);
			break;
		case OPT_PULL:
			bo.pull = true;
			break;
		case OPT_NETWORK:
			/* the legacy builder's modes for RUN; user-defined networks are issue 10's
			 */
			if (!streq(optarg, "default") && !streq(optarg, "bridge") &&
			    !streq(optarg, "host") && !streq(optarg, "none"))
				return cli_usage_error(
					"build",
					"network %s not found: only default, bridge, "
					"host and none are supported",
					optarg);
			bo.network = streq(optarg, "default") ? "bridge" : optarg;
			break;
		case OPT_ADD_HOST:
			if (cli_add_host_check("build", optarg))
				return 125;
			strv_push(&hosts, optarg);
			break;
		case OPT_SHM_SIZE:
			if (units_ram_in_bytes(optarg, &bo.shm_size) < 0 || bo.shm_size == 0)
				return cli_flag_error("build", "--shm-size", optarg,
						      "invalid size: '%s'", optarg);
			break;
		case OPT_PLATFORM: {
			/* only this machine's platform: hull runs no emulator */
			struct platform want = {0}, host = {0};
			_cleanup_free_ char *w = NULL, *h = NULL;
			if (platform_parse(optarg, &want, &e) < 0)
				return cli_fail(e);
			platform_host(&host);
			w = platform_string(&want);
			h = platform_string(&host);
			platform_release(&want);
			platform_release(&host);
			if (!streq(w, h))
				return cli_usage_error(
					"build",
					"platform %s is not supported: hull builds for "
					"this machine's platform, %s",
					w, h);
			break;
		}
		case OPT_NO_CACHE:
			bo.no_cache = true;
			break;
		case OPT_TARGET:
			bo.target = optarg;
			break;
		case OPT_NO_CACHE_FILTER: {
			/* a comma-separated list, and the flag repeats */
			_cleanup_free_ char *copy = xstrdup(optarg);
			char *save = NULL;
			for (char *t = strtok_r(copy, ",", &save); t;
			     t = strtok_r(NULL, ",", &save))
				strv_push(&filters, t);
			break;
		}
		case OPT_LABEL:
			strv_push(&labels, optarg);
			break;
		case OPT_IIDFILE:
			iidfile = *optarg ? optarg : NULL;
			break;
		case OPT_ALLOW: {
			/* BuildKit's entitlements, a comma-separated list (buildx) */
			_cleanup_free_ char *copy = xstrdup(optarg);
			char *save = NULL;
			for (char *t = strtok_r(copy, ",", &save); t;
			     t = strtok_r(NULL, ",", &save)) {
				if (streq(t, "network.host")) {
					bo.allow_network_host = true;
				} else if (streq(t, "security.insecure")) {
					bo.allow_security_insecure = true;
				} else {
					return cli_usage_error("build",
							       "invalid --allow value: %s "
							       "(network.host, security.insecure)",
							       t);
				}
			}
			break;
		}
		case OPT_SECRET:
			r = secret_opt(optarg, &src.secrets, &src.n_secrets);
			if (r)
				return r;
			break;
		case OPT_SSH:
			r = ssh_opt(optarg, &src.ssh, &src.n_ssh);
			if (r)
				return r;
			break;
		case 'q':
			bo.quiet = true;
			break;
		case CLI_RES_VAL(18):
			r = cli_resource_opt("build", &resources, o, optarg);
			if (r >= 0)
				return r ? r : 125;
			break;
		case OPT_PROGRESS:
			if (!streq(optarg, "plain") && !streq(optarg, "auto") &&
			    !streq(optarg, "tty"))
				return cli_usage_error("build", "invalid --progress value: %s",
						       optarg);
			break;
		}
	}
	if (o == CLI_PARSE_EXIT)
		return p.exit_code;
	if (streq(argv[p.ind], "-") && bo.dockerfile && streq(bo.dockerfile, "-"))
		return cli_usage_error("build", "invalid argument: can't use stdin for both build "
						"context and dockerfile");
	if (streq(argv[p.ind], "-")) {
		r = cli_store(cl, &s, &e);
		if (r == 0)
			r = context_from_stdin(s, &stdin_ctx, &e);
		if (r < 0)
			return cli_fail(e);
	}
	if (!stdin_ctx) {
		struct stat st;
		if (stat(argv[p.ind], &st) < 0 || !S_ISDIR(st.st_mode)) {
			r = cli_store(cl, &s, &e);
			if (r == 0)
				r = context_from_git(s, argv[p.ind], args, &git_tmp, &git_ctx, &e);
			if (r < 0) {
				err_set_exit(&e, 1);
				return cli_fail(e);
			}
		}
	}
	bo.context = stdin_ctx ? stdin_ctx : git_ctx ? git_ctx : argv[p.ind];
	/* a relative -f names a file of a context read from stdin (docker's
	 * ReadArchive path) or of a checkout (BuildKit reads it there), resolved
	 * inside it: its links are not the user's */
	bo.dockerfile_in_context =
		(stdin_ctx || git_ctx) &&
		(!bo.dockerfile || (bo.dockerfile[0] != '/' && !streq(bo.dockerfile, "-")));
	bo.secrets = src.secrets;
	bo.n_secrets = src.n_secrets;
	bo.ssh = src.ssh;
	bo.n_ssh = src.n_ssh;
	bo.add_hosts = hosts;
	bo.resources = resources;
	bo.tags = tags;
	bo.build_args = args;
	bo.no_cache_filter = filters;
	bo.labels = labels;
	/*
	 * --iidfile is checked before building (a device, FIFO or symlink there
	 * is refused, issue 14) and replaced only once the build succeeded.
	 * docker/cli's legacy builder removes a stale file before building
	 * instead; here a failed build leaves it as it was, like export -o.
	 */
	if (iidfile && hostpath_output_open(iidfile, 0666 & ~umask_get(), &iid, &e) < 0) {
		err_wrap(&e, "failed to write image ID file");
		return cli_fail(e);
	}
	r = reg_config_load(&registry, &e);
	bo.registry = registry;
	if (r == 0)
		r = cli_store(cl, &s, &e);
	if (r == 0)
		r = build_run(s, cl->runroot, &bo, &id, &e);
	if (r == 0 && iidfile) {
		/* "sha256:<hex>" without a newline, as docker writes it */
		r = write_all(iid.fd, id, strlen(id));
		if (r < 0)
			err_set(&e, -r, "write %s", iidfile);
		else
			r = hostpath_output_commit(&iid, &e);
		if (r < 0)
			err_wrap(&e, "failed to write image ID file");
	}
	hostpath_output_release(&iid);
	if (stdin_ctx)
		(void) rm_rf(stdin_ctx, NULL);
	if (git_tmp)
		(void) rm_rf(git_tmp, NULL);
	if (r < 0)
		return cli_fail(e);
	if (bo.quiet)
		printf("%s\n", id);
	return 0;
}

static const struct cli_command debug_parse_dockerfile_command = {
	.name = "debug parse-dockerfile",
	.usage = "FILE",
	.description = "Print the parse of a Dockerfile in BuildKit's Node.Dump() format",
	.min_args = 1,
	.max_args = 1,
};

static int debug_parse_dockerfile(struct cli *cl, int argc, char **argv)
{
	_cleanup_free_ char *data = NULL, *dump = NULL;
	struct dockerfile *df = NULL;
	struct hull_err *e = NULL;
	const char *file;
	size_t len;
	int r, ind;

	(void) cl;
	r = cli_parse(&debug_parse_dockerfile_command, NULL, argc, argv, &ind);
	if (r >= 0)
		return r;
	file = argv[ind];
	if (read_file(file, 16 << 20, &data, &len, &e) < 0)
		return cli_fail(e);
	if (df_parse(data, len, strrchr(file, '/') ? strrchr(file, '/') + 1 : file, &df, &e) < 0) {
		cli_fail(e);
		return 1;
	}
	dump = df_dump(df);
	fputs(dump, stdout);
	df_free(df);
	return 0;
}

static const struct cli_subcommand debug_subcommands[] = {
	{"import-layers", &cli_debug_import_layers_command, cmd_debug_import_layers, false},
	{"layer-tar", &cli_debug_layer_tar_command, cmd_debug_layer_tar, false},
	{"parse-dockerfile", &debug_parse_dockerfile_command, debug_parse_dockerfile, false},
	{"seccomp", &cli_debug_seccomp_command, cmd_debug_seccomp, false},
	{NULL, NULL, NULL, false},
};

const struct cli_command cli_debug_command = {
	.name = "debug",
	.usage = "COMMAND",
	.description = "Debugging helpers of hull's own (no docker counterpart)",
	.subcommands = debug_subcommands,
};

int cmd_debug(struct cli *cl, int argc, char **argv)
{
	return cli_run_subcommand(&cli_debug_command, cl, argc, argv);
}
