/* SPDX-License-Identifier: MIT */
/*
 * docker's client credentials: config.json's "auths" (docker/cli
 * cli/config/configfile, credentials/file_store.go) and the credential
 * helpers (credentials/native_store.go, docker-credential-helpers client).
 */
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "registry/creds.h"
#include "registry/reg-internal.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strbuf.h"

#define INDEX_SERVER	  "https://index.docker.io/v1/"
#define CONFIG_MAX	  (16u << 20)
#define HELPER_OUT_MAX	  (1u << 20)
#define HELPER_NOT_FOUND  "credentials not found in native keychain"
#define HELPER_TOKEN_USER "<token>"
#define HELPER_PREFIX	  "docker-credential-"

extern char **environ;

/* docker/cli credentials.ConvertToHostname: "https://h:5000/v2/" -> "h:5000" */
static char *convert_to_hostname(const char *s)
{
	const char *p = strstr(s, "://");

	if (p)
		s = p + 3;
	return xstrndup(s, strcspn(s, "/"));
}

char *creds_key(const char *host)
{
	_cleanup_free_ char *h = NULL;

	if (streq(host, INDEX_SERVER))
		return xstrdup(INDEX_SERVER);
	h = convert_to_hostname(host);
	/* configfile getAuthConfigKey, and the host docker.io's endpoint has */
	if (streq(h, "docker.io") || streq(h, "index.docker.io") ||
	    streq(h, "registry-1.docker.io"))
		return xstrdup(INDEX_SERVER);
	return TAKE_PTR(h);
}

char *creds_config_path(void)
{
	const char *dir = getenv("DOCKER_CONFIG"), *home;
	struct passwd *pw;

	if (!isempty(dir))
		return path_join(dir, "config.json");
	home = getenv("HOME");
	if (isempty(home)) {
		pw = getpwuid(getuid());
		home = pw && pw->pw_dir ? pw->pw_dir : "/";
	}
	return xasprintf("%s/.docker/config.json", streq(home, "/") ? "" : home);
}

/* config.json as a JSON object: a missing or empty file is {} */
static int config_load(const char *path, json_t **ret, struct hull_err **err)
{
	_cleanup_free_ char *data = NULL;
	struct hull_err *e = NULL;
	json_error_t je;
	struct stat st;
	size_t len = 0;
	json_t *j;
	int r;

	/* a FIFO (or a device) there would block the open or the read for ever */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return err_setx(err, EINVAL,
				"read docker configuration: '%s' is not a regular file", path);
	r = read_file(path, CONFIG_MAX, &data, &len, &e);
	if (r == -ENOENT || (r >= 0 && strspn(data, " \t\r\n") == len)) {
		err_free(e);
		*ret = json_object();
		return 0;
	}
	if (r < 0) {
		r = err_setx(err, -r, "read docker configuration: %s", e->msg);
		err_free(e);
		return r;
	}
	j = json_loadb(data, len, 0, &je);
	if (!j || !json_is_object(j)) {
		json_decref(j);
		return err_setx(err, EINVAL, "parse '%s': line %d: %s", path, j ? 1 : je.line,
				j ? "not a JSON object" : je.text);
	}
	*ret = j;
	return 0;
}

/* write config.json atomically, mode 0600, through a symlink as docker does */
static int config_save(const char *path, json_t *j, struct hull_err **err)
{
	_cleanup_free_ char *dir = xstrdup(path), *real = realpath(path, NULL), *data = NULL;
	char *slash = strrchr(dir, '/');
	int r;

	if (slash && slash != dir) {
		*slash = '\0';
		r = mkdir_p(dir, 0700, err);
		if (r < 0)
			return r;
	}
	data = json_dumps(j, JSON_INDENT(1));
	if (!data)
		return err_setx(err, ENOMEM, "encode '%s'", path);
	return write_file_atomic(real ? real : path, data, strlen(data), 0600, err);
}

/* the credential helper configured for @key (borrowed), or NULL (configfile
 * getConfiguredCredentialStore) */
static const char *helper_for(json_t *cfg, const char *key)
{
	const char *h = json_get_str(json_object_get(cfg, "credHelpers"), key);

	if (!isempty(h))
		return h;
	h = json_get_str(cfg, "credsStore");
	return isempty(h) ? NULL : h;
}

struct helper_run {
	int status; /* exit status, or -1 when killed by a signal */
	char *out;  /* stdout, NUL-terminated */
};

static void helper_run_release(struct helper_run *h)
{
	free(h->out);
}

/* read all of @fd into *@ret (at most HELPER_OUT_MAX bytes, the rest is drained) */
static void read_all(int fd, char **ret)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	ssize_t n;

	strbuf_init_max(&sb, HELPER_OUT_MAX);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		(void) strbuf_add(&sb, buf, (size_t) n);
	}
	*ret = strbuf_detach(&sb, NULL);
}

static int spawn_helper(const char *prog, const char *action, int in_fd, int out_fd, pid_t *ret)
{
	char *argv[] = {(char *) prog, (char *) action, NULL};
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	int r;

	sigemptyset(&none);
	sigfillset(&all);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in_fd, STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, out_fd, STDOUT_FILENO);
	posix_spawnattr_init(&attr);
	/* default signal dispositions and mask, whatever ours are (hull ignores SIGPIPE) */
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	r = posix_spawnp(ret, prog, &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	return -r;
}

/* wait for @pid; its exit status, or -1 when a signal killed it */
static int wait_exit(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * Run docker-credential-@name @action with @input on its stdin, as
 * docker-credential-helpers' client.Shell does (stderr is the helper's
 * own, as docker leaves it). -errno only when the helper cannot be started.
 */
static int helper_run(const char *name, const char *action, const char *input,
		      struct helper_run *ret)
{
	_cleanup_free_ char *prog = xasprintf(HELPER_PREFIX "%s", name);
	_cleanup_close_ int in_parent = -1, out_parent = -1;
	int sv[2], pv[2];
	pid_t pid;
	int r;

	/* a name, not a path: "../x" would run docker-credential-../x from the working directory */
	if (strchr(name, '/'))
		return -EINVAL;
	/* a socket for stdin, so that a helper that exits early cannot SIGPIPE us */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	if (pipe2(pv, O_CLOEXEC) < 0) {
		r = -errno;
		(void) close(sv[0]);
		(void) close(sv[1]);
		return r;
	}
	in_parent = sv[0];
	out_parent = pv[0];
	r = spawn_helper(prog, action, sv[1], pv[1], &pid);
	(void) close(sv[1]);
	(void) close(pv[1]);
	if (r < 0)
		return r;
	(void) !send(in_parent, input, strlen(input), MSG_NOSIGNAL);
	(void) shutdown(in_parent, SHUT_WR);
	read_all(out_parent, &ret->out);
	ret->status = wait_exit(pid);
	return 0;
}

/* @out without surrounding white space, on one line (caller frees) */
static char *trimmed(const char *out)
{
	size_t n;

	out += strspn(out, " \t\r\n");
	n = strlen(out);
	while (n > 0 && strchr(" \t\r\n", out[n - 1]))
		n--;
	_cleanup_free_ char *t = xstrndup(out, n);
	return reg_one_line(t, 512);
}

/* docker-credential-helpers client's error wording, naming the helper */
static int helper_error(struct hull_err **err, const char *name, const char *verb, int r,
			const struct helper_run *run)
{
	_cleanup_free_ char *out = NULL;

	if (r < 0)
		return err_setx(err, EINVAL,
				"credential helper '" HELPER_PREFIX "%s': error %s credentials - "
				"err: exec: \"" HELPER_PREFIX "%s\": %s, out: ``",
				name, verb, name,
				r == -ENOENT   ? "executable file not found in $PATH"
				: r == -EINVAL ? "a helper's name may not hold '/'"
					       : strerror(-r));
	out = trimmed(run->out ? run->out : "");
	if (run->status < 0)
		return err_setx(err, EINVAL,
				"credential helper '" HELPER_PREFIX "%s': error %s credentials - "
				"err: killed by a signal, out: `%s`",
				name, verb, out);
	return err_setx(err, EINVAL,
			"credential helper '" HELPER_PREFIX "%s': error %s credentials - err: "
			"exit status %d, out: `%s`",
			name, verb, run->status, out);
}

static bool helper_not_found(const struct helper_run *run)
{
	_cleanup_free_ char *out = trimmed(run->out ? run->out : "");
	return streq(out, HELPER_NOT_FOUND);
}

/* native_store.go getCredentialsFromStore */
static int helper_get(const char *name, const char *key, char **ret_user, char **ret_password,
		      struct hull_err **err)
{
	_cleanup_(helper_run_release) struct helper_run run = {0};
	_cleanup_json_ json_t *j = NULL;
	const char *user, *secret;
	int r;

	r = helper_run(name, "get", key, &run);
	if (r < 0 || run.status != 0) {
		if (r == 0 && helper_not_found(&run))
			return -ENOENT;
		return helper_error(err, name, "getting", r, &run);
	}
	j = json_loads(run.out, 0, NULL);
	user = json_get_str(j, "Username");
	secret = json_get_str(j, "Secret");
	if (!j || !user || !secret)
		return err_setx(err, EINVAL,
				"credential helper '" HELPER_PREFIX
				"%s': error getting credentials "
				"- err: unreadable answer",
				name);
	if (isempty(secret))
		return -ENOENT;
	*ret_user = xstrdup(user);
	*ret_password = xstrdup(secret);
	return 0;
}

/* configfile decodeAuth: base64("user:password"); the user may not be empty */
static int decode_auth(const char *path, const char *key, const char *auth, char **ret_user,
		       char **ret_password, struct hull_err **err)
{
	_cleanup_free_ char *dec = NULL;
	char *colon;
	size_t n;

	if (reg_base64_decode(auth, &dec, &n) < 0 || strlen(dec) != n ||
	    !(colon = strchr(dec, ':')) || colon == dec)
		return err_setx(err, EINVAL, "'%s': invalid auth configuration for '%s'", path,
				key);
	*colon = '\0';
	*ret_user = xstrdup(dec);
	*ret_password = xstrdup(colon + 1);
	return 0;
}

/* the "auths" entry for @key, or one whose key has the same host name (file_store.go Get) */
static json_t *auths_entry(json_t *cfg, const char *key)
{
	json_t *auths = json_object_get(cfg, "auths"), *v;
	const char *k;

	v = json_object_get(auths, key);
	if (v)
		return v;
	json_object_foreach (auths, k, v) {
		_cleanup_free_ char *h = convert_to_hostname(k);
		if (streq(h, key))
			return v;
	}
	return NULL;
}

static int file_get(const char *path, json_t *cfg, const char *key, char **ret_user,
		    char **ret_password, struct hull_err **err)
{
	json_t *e = auths_entry(cfg, key);
	const char *auth = json_get_str(e, "auth"), *user = json_get_str(e, "username"),
		   *password = json_get_str(e, "password"),
		   *token = json_get_str(e, "identitytoken");

	if (!isempty(auth))
		return decode_auth(path, key, auth, ret_user, ret_password, err);
	if (!isempty(user) && !isempty(password)) {
		*ret_user = xstrdup(user);
		*ret_password = xstrdup(password);
		return 0;
	}
	if (!isempty(token)) {
		*ret_user = xstrdup(HELPER_TOKEN_USER);
		*ret_password = xstrdup(token);
		return 0;
	}
	return -ENOENT;
}

int creds_get(const char *host, char **ret_user, char **ret_password, struct hull_err **err)
{
	_cleanup_free_ char *path = creds_config_path(), *key = creds_key(host);
	_cleanup_json_ json_t *cfg = NULL;
	const char *helper;
	int r;

	r = config_load(path, &cfg, err);
	if (r < 0)
		return r;
	helper = helper_for(cfg, key);
	if (helper)
		return helper_get(helper, key, ret_user, ret_password, err);
	return file_get(path, cfg, key, ret_user, ret_password, err);
}

/* native_store.go storeCredentialsInStore: {"ServerURL":..,"Username":..,"Secret":..} */
static int helper_store(const char *name, const char *key, const char *user, const char *password,
			struct hull_err **err)
{
	_cleanup_(helper_run_release) struct helper_run run = {0};
	_cleanup_json_ json_t *j =
		json_pack("{s:s,s:s,s:s}", "ServerURL", key, "Username", user, "Secret", password);
	_cleanup_free_ char *input = NULL;
	int r;

	if (!j)
		return err_setx(err, EINVAL, "encode credentials for '%s'", key);
	input = json_dumps(j, JSON_COMPACT);
	if (!input)
		return err_setx(err, ENOMEM, "encode credentials for '%s'", key);
	r = helper_run(name, "store", input, &run);
	explicit_bzero(input, strlen(input));
	if (r < 0 || run.status != 0)
		return helper_error(err, name, "storing", r, &run);
	return 0;
}

static json_t *auths_object(json_t *cfg)
{
	json_t *auths = json_object_get(cfg, "auths");

	if (!json_is_object(auths)) {
		auths = json_object();
		json_object_set_new(cfg, "auths", auths);
	}
	return auths;
}

int creds_store(const char *host, const char *user, const char *password, struct hull_err **err)
{
	_cleanup_free_ char *path = creds_config_path(), *key = creds_key(host), *up = NULL,
			    *auth = NULL;
	_cleanup_json_ json_t *cfg = NULL;
	const char *helper;
	int r;

	if (isempty(user) || !password)
		return err_setx(err, EINVAL, "store credentials for '%s': no user name", key);
	r = config_load(path, &cfg, err);
	if (r < 0)
		return r;
	helper = helper_for(cfg, key);
	if (helper) {
		r = helper_store(helper, key, user, password, err);
		if (r < 0)
			return r;
		/* native_store.go Store: the file keeps an empty entry */
		json_object_set_new(auths_object(cfg), key, json_object());
	} else {
		_cleanup_json_ json_t *entry = NULL;

		up = xasprintf("%s:%s", user, password);
		auth = reg_base64_encode(up, strlen(up));
		explicit_bzero(up, strlen(up));
		entry = json_pack("{s:s}", "auth", auth);
		explicit_bzero(auth, strlen(auth));
		/* file_store.go Store: unchanged credentials leave the file (and the warning) alone
		 */
		if (json_equal(json_object_get(auths_object(cfg), key), entry))
			return 0;
		json_object_set(auths_object(cfg), key, entry);
	}
	r = config_save(path, cfg, err);
	if (r < 0)
		return err_wrap(err, "save credentials for '%s'", key);
	return helper ? 0 : 1;
}

static int helper_erase(const char *name, const char *key, struct hull_err **err)
{
	_cleanup_(helper_run_release) struct helper_run run = {0};
	int r;

	r = helper_run(name, "erase", key, &run);
	if (r == 0 && run.status != 0 && helper_not_found(&run))
		return -ENOENT;
	if (r < 0 || run.status != 0)
		return helper_error(err, name, "erasing", r, &run);
	return 0;
}

/* remove @key and the forms older docker versions stored (logout.go regsToLogout) */
static bool file_erase(json_t *cfg, const char *key)
{
	json_t *auths = json_object_get(cfg, "auths");
	bool found = false;

	if (json_object_del(auths, key) == 0)
		found = true;
	if (!streq(key, INDEX_SERVER)) {
		_cleanup_free_ char *h = xasprintf("http://%s", key),
				    *s = xasprintf("https://%s", key);
		found = (json_object_del(auths, h) == 0) | found;
		found = (json_object_del(auths, s) == 0) | found;
	}
	return found;
}

int creds_erase(const char *host, struct hull_err **err)
{
	_cleanup_free_ char *path = creds_config_path(), *key = creds_key(host);
	_cleanup_json_ json_t *cfg = NULL;
	const char *helper;
	bool found = false;
	int r;

	r = config_load(path, &cfg, err);
	if (r < 0)
		return r;
	helper = helper_for(cfg, key);
	if (helper) {
		r = helper_erase(helper, key, err);
		if (r < 0 && r != -ENOENT)
			return r;
		found = r == 0;
	}
	if (file_erase(cfg, key)) {
		found = true;
		r = config_save(path, cfg, err);
		if (r < 0)
			return err_wrap(err, "erase credentials for '%s'", key);
	}
	return found ? 0 : -ENOENT;
}
