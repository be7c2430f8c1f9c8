/* SPDX-License-Identifier: MIT */
/*
 * login and logout (docker/cli cli/command/registry/login.go, logout.go,
 * cli/command/registry.go PromptUserForCredentials), done client-side as
 * docker does when no daemon answers: ping the registry with the
 * credentials (registry/registry.h reg_ping), then store them in docker's
 * config.json or credential helper (registry/creds.h).
 */
#include <signal.h>
#include <termios.h>
#include "cli/cli.h"
#include "registry/config.h"
#include "registry/creds.h"
#include "registry/registry.h"
#include "util/strbuf.h"

#define INDEX_SERVER "https://index.docker.io/v1/"
#define PASSWORD_MAX (1u << 20)
#define REGISTER_SUGGEST                                                                        \
	"Log in with your Docker ID or email address to push and pull images from Docker Hub. " \
	"If you don't have a Docker ID, head over to https://hub.docker.com/ to create one."
#define PAT_SUGGEST                                                                         \
	"You can log in with your password or a Personal Access Token (PAT). Using a "      \
	"limited-scope PAT grants better security and is required for organizations using " \
	"SSO. Learn more at https://docs.docker.com/go/access-tokens/"
#define PAT_NOTE                                                            \
	"\n Info -> A Personal Access Token (PAT) can be used instead.\n"   \
	"         To create a PAT, visit https://app.docker.com/settings\n" \
	"         \n         \n"
#define UNENCRYPTED_WARNING                                             \
	"\nWARNING! Your credentials are stored unencrypted in '%s'.\n" \
	"Configure a credential helper to remove this warning. See\n"   \
	"https://docs.docker.com/go/credential-store/\n\n"

const struct cli_command cli_login_command = {
	.name = "login",
	.usage = "[OPTIONS] [SERVER]",
	.description =
		"Authenticate to a registry.\nDefaults to Docker Hub if no server is specified.",
	.max_args = 1,
};

const struct cli_command cli_logout_command = {
	.name = "logout",
	.usage = "[SERVER]",
	.description =
		"Log out from a registry.\nIf no server is specified, the default is Docker Hub.",
	.max_args = 1,
};

struct login_opts {
	const char *server; /* as given, NULL for Docker Hub */
	char *user;
	char *password;
	bool user_set, password_set, password_stdin;
};

static void login_opts_release(struct login_opts *o)
{
	free(o->user);
	if (o->password)
		explicit_bzero(o->password, strlen(o->password));
	free(o->password);
}

/* print "hull: MSG" and return 1, as docker/cli reports a command's error */
static int fail_msg(const char *fmt, ...) _printf_(1, 2);
static int fail_msg(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("hull: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

/* docker/cli credentials.ConvertToHostname: "https://h:5000/v2/" -> "h:5000"; caller frees */
static char *server_hostname(const char *server)
{
	const char *p = strstr(server, "://");

	if (p)
		server = p + 3;
	return xstrndup(server, strcspn(server, "/"));
}

/* the registry domain of the server address, as registry/config.h wants it */
static char *server_domain(const char *server)
{
	return streq(server, INDEX_SERVER) ? xstrdup("docker.io") : server_hostname(server);
}

/* ---- reading secrets ---- */

static struct termios saved_tty;
static volatile sig_atomic_t echo_off;

static void restore_echo(void)
{
	if (echo_off) {
		(void) tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
		echo_off = 0;
	}
}

/* a signal while the password is typed: give the terminal its echo back, then die of it */
static void on_signal(int sig)
{
	restore_echo();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void disable_echo(void)
{
	struct termios t;

	if (tcgetattr(STDIN_FILENO, &saved_tty) < 0)
		return;
	t = saved_tty;
	t.c_lflag &= ~(tcflag_t) ECHO;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	if (tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0)
		echo_off = 1;
}

/* docker's prompt.ReadInput: print @msg, read one line, trim white space */
static char *read_input(const char *msg)
{
	char *line = NULL, *s, *e;
	size_t n = 0;

	fputs(msg, stdout);
	fflush(stdout);
	if (getline(&line, &n, stdin) < 0) {
		free(line);
		return xstrdup("");
	}
	for (s = line; *s && strchr(" \t\r\n\v\f", *s); s++)
		;
	e = s + strlen(s);
	while (e > s && strchr(" \t\r\n\v\f", e[-1]))
		e--;
	s = xstrndup(s, (size_t) (e - s));
	explicit_bzero(line, n);
	free(line);
	return s;
}

/* readSecretFromStdin: all of stdin, less one final line ending (LF, CRLF or CR) */
static int read_stdin_secret(char **ret)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	ssize_t n;

	strbuf_init_max(&sb, PASSWORD_MAX);
	while ((n = read(STDIN_FILENO, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail_msg("read password from stdin: %s", strerror(errno));
		if (strbuf_add(&sb, buf, (size_t) n) < 0)
			return fail_msg("read password from stdin: more than 1 MiB");
	}
	explicit_bzero(buf, sizeof(buf));
	if (sb.len && sb.buf[sb.len - 1] == '\n')
		sb.buf[--sb.len] = '\0';
	if (sb.len && sb.buf[sb.len - 1] == '\r')
		sb.buf[--sb.len] = '\0';
	*ret = strbuf_detach(&sb, NULL);
	return 0;
}

static bool blank(const char *s)
{
	return !s || !s[strspn(s, " \t\r\n\v\f")];
}

/* ---- login ---- */

/* verifyLoginFlags and verifyLoginOptions: 0, or the exit code of a refusal */
static int login_verify(struct login_opts *o)
{
	if (o->password_stdin || (o->password && streq(o->password, "-"))) {
		if (o->password_set && !streq(o->password, "-"))
			return fail_msg("conflicting options: cannot specify both --password and "
					"--password-stdin");
		if (!o->user_set)
			return fail_msg(
				"the --password-stdin option requires --username to be set");
	}
	if (o->user_set && isempty(o->user))
		return fail_msg("username is empty");
	if (o->password_set && isempty(o->password))
		return fail_msg("password is empty");
	if (o->password && streq(o->password, "-")) {
		free(o->password);
		o->password = NULL;
		o->password_stdin = true;
	}
	if (o->password)
		fputs("WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n",
		      stderr);
	if (o->password_stdin) {
		int r = read_stdin_secret(&o->password);
		if (r)
			return r;
		if (blank(o->password))
			return fail_msg("password is empty");
	}
	return 0;
}

/* the registry endpoint for @domain (never a mirror) and a client for it */
static int login_client(const char *domain, struct reg_client **ret, struct hull_err **err)
{
	struct reg_config *cfg = NULL;
	struct reg_endpoint **eps = NULL;
	int r;

	r = reg_config_load(&cfg, err);
	if (r >= 0)
		r = reg_endpoints(cfg, domain, true, &eps, err);
	if (r >= 0)
		r = reg_client_new(eps[0], "", false, ret, err);
	reg_endpoints_free(eps);
	reg_config_free(cfg);
	return r;
}

/* ping the registry with @user/@password: 0, or -errno with *err */
static int login_try(const char *domain, const char *user, const char *password,
		     struct hull_err **err)
{
	struct reg_client *c = NULL;
	int r;

	r = login_client(domain, &c, err);
	if (r >= 0)
		r = reg_ping(c, user, password, err);
	reg_client_free(c);
	return r;
}

/* storeCredentials, and the file store's warning */
static int login_store(const char *domain, const char *user, const char *password)
{
	struct hull_err *e = NULL;
	int r;

	r = creds_store(domain, user, password, &e);
	if (r < 0) {
		r = fail_msg("error saving credentials: %s", e->msg);
		err_free(e);
		return r;
	}
	if (r == 1) {
		_cleanup_free_ char *path = creds_config_path();
		fprintf(stderr, UNENCRYPTED_WARNING, path);
	}
	puts("Login Succeeded");
	return 0;
}

/* loginWithStoredCredentials: 0 logged in, 1 not (the user is prompted next) */
static int login_stored(const char *domain, const char *user, const char *password)
{
	struct hull_err *e = NULL;
	int r;

	fprintf(stderr, "Authenticating with existing credentials... [Username: %s]\n", user);
	fprintf(stderr, "\n Info -> To login with a different account, run 'hull logout' followed "
			"by 'hull login'\n\n\n");
	r = login_try(domain, user, password, &e);
	if (r == -EACCES)
		fputs("Stored credentials invalid or expired\n", stderr);
	else if (r < 0)
		fprintf(stderr, "Login did not succeed, error: %s\n", e->msg);
	err_free(e);
	if (r < 0)
		return 1;
	return login_store(domain, user, password) ? 1 : 0;
}

/* PromptUserForCredentials: fill in the user and password that were not given */
static int login_prompt(struct login_opts *o, const char *server, const char *default_user)
{
	if (isempty(o->user)) {
		_cleanup_free_ char *msg = NULL;

		if (streq(server, INDEX_SERVER)) {
			const char *hints = getenv("DOCKER_CLI_HINTS");
			puts(REGISTER_SUGGEST);
			if (!hints || !streq(hints, "false"))
				printf("%s\n\n", PAT_SUGGEST);
		}
		msg = isempty(default_user) ? xstrdup("Username: ")
					    : xasprintf("Username (%s): ", default_user);
		free(o->user);
		o->user = read_input(msg);
		if (!*o->user && !isempty(default_user)) {
			free(o->user);
			o->user = xstrdup(default_user);
		}
		if (!*o->user)
			return fail_msg("error: username is required");
	}
	if (blank(o->password)) {
		free(o->password);
		disable_echo();
		if (streq(server, INDEX_SERVER))
			fputs(PAT_NOTE, stderr);
		o->password = read_input("Password: ");
		restore_echo();
		putchar('\n');
		if (!*o->password)
			return fail_msg("error: password is required");
	}
	return 0;
}

static int login_run(struct login_opts *o)
{
	const char *server = o->server && !streq(o->server, "docker.io") ? o->server : INDEX_SERVER;
	_cleanup_free_ char *domain = server_domain(server), *su = NULL, *sp = NULL;
	struct hull_err *e = NULL;
	int r;

	/* the stored credentials first, when none were given */
	if (isempty(o->user) && isempty(o->password)) {
		r = creds_get(domain, &su, &sp, &e);
		if (r < 0 && r != -ENOENT)
			e = err_free(e); /* as docker: an unreadable store means "prompt" */
		if (r >= 0 && !isempty(su) && !isempty(sp) && login_stored(domain, su, sp) == 0)
			return 0;
	}
	if ((isempty(o->user) || isempty(o->password)) && !isatty(STDIN_FILENO))
		return fail_msg("error: cannot perform an interactive login from a non-TTY device");
	r = login_prompt(o, server, su);
	if (r)
		return r;
	r = login_try(domain, o->user, o->password, &e);
	if (r < 0)
		return cli_fail(e);
	return login_store(domain, o->user, o->password);
}

int cmd_login(struct cli *cl, int argc, char **argv)
{
	const char *user = NULL, *password = NULL;
	struct login_opts o = {0};
	const struct cli_option options[] = {
		CLI_STRING('p', "password", &password, NULL,
			   "Password or Personal Access Token (PAT), or \"-\" to read from stdin"),
		CLI_BOOL(0, "password-stdin", &o.password_stdin,
			 "Take the Password or Personal Access Token (PAT) from stdin"),
		CLI_STRING('u', "username", &user, NULL, "Username"),
		CLI_OPT_END,
	};
	int r, ind;

	(void) cl;
	r = cli_parse(&cli_login_command, options, argc, argv, &ind);
	if (r >= 0)
		return r;
	if (user) {
		o.user = xstrdup(user);
		o.user_set = true;
	}
	if (password) {
		o.password = xstrdup(password);
		o.password_set = true;
	}
	o.server = ind < argc ? argv[ind] : NULL;
	r = login_verify(&o);
	if (r == 0)
		r = login_run(&o);
	login_opts_release(&o);
	return r;
}

/* ---- logout ---- */

int cmd_logout(struct cli *cl, int argc, char **argv)
{
	_cleanup_free_ char *host = NULL;
	struct hull_err *e = NULL;
	int r, ind;

	(void) cl;
	r = cli_parse(&cli_logout_command, NULL, argc, argv, &ind);
	if (r >= 0)
		return r;
	/* runLogout: Docker Hub by its key, any other registry by its host name */
	host = ind < argc ? server_hostname(argv[ind]) : xstrdup(INDEX_SERVER);
	printf("Removing login credentials for %s\n", host);
	r = creds_erase(streq(host, INDEX_SERVER) ? "docker.io" : host, &e);
	if (r < 0 && r != -ENOENT) {
		fflush(stdout);
		fprintf(stderr, "WARNING: could not erase credentials:\n%s: %s\n", host, e->msg);
	}
	err_free(e);
	return 0;
}
