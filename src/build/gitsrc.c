/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "build/copy.h"
#include "build/gitsrc.h"
#include "util/fs.h"
#include "util/strbuf.h"
#include "util/strv.h"

#define MASK	     "xxxxx"
#define OUT_MAX	     (4u << 20)	 /* what is kept of git's standard output */
#define ERR_MAX	     (64u << 10) /* and of its standard error */
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define ALNUM	     "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

void gitsrc_release(struct gitsrc *g)
{
	free(g->remote);
	free(g->ref);
	free(g->subdir);
	free(g->checksum);
	free(g->full_ref);
	free(g->commit);
	free(g->peeled);
	*g = (struct gitsrc){0};
}

static void gitsrc_releasep(struct gitsrc *g)
{
	gitsrc_release(g);
}

/* gitutil.IsCommitSHA: a full SHA-1 or SHA-256 object name, lower case. */
static bool is_commit_sha(const char *s)
{
	size_t n = strlen(s);

	return (n == 40 || n == 64) && strspn(s, "0123456789abcdef") == n;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && streq(s + a - b, suffix);
}

static void set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = v && *v ? xstrdup(v) : NULL;
}

/* ---- parsing (pure) ---- */

/* Go's url unescape of @n bytes: "%XX" decoded, '+' a space in a query; NULL for a bad escape. */
static char *unescape(const char *s, size_t n, bool query)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%') {
			int hi, lo;
			if (i + 2 >= n)
				return NULL;
			hi = unhexchar((unsigned char) s[i + 1]);
			lo = unhexchar((unsigned char) s[i + 2]);
			if (hi < 0 || lo < 0)
				return NULL;
			(void) strbuf_addch(&sb, (char) (hi * 16 + lo));
			i += 2;
		} else {
			(void) strbuf_addch(&sb, query && s[i] == '+' ? ' ' : s[i]);
		}
	}
	return sb.buf ? strbuf_detach(&sb, NULL) : xstrdup("");
}

/* strconv.ParseBool: 1, 0 or -1 */
static int parse_bool(const char *s)
{
	static const char *const t[] = {"1", "t", "T", "TRUE", "true", "True"};
	static const char *const f[] = {"0", "f", "F", "FALSE", "false", "False"};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		if (streq(s, t[i]))
			return 1;
		if (streq(s, f[i]))
			return 0;
	}
	return -1;
}

struct query {
	char **keys;  /* in order of first appearance */
	char ***vals; /* the values of each key */
	size_t n;
};

static void query_release(struct query *q)
{
	for (size_t i = 0; i < q->n; i++)
		strv_free(q->vals[i]);
	strv_free(q->keys);
	free(q->vals);
	*q = (struct query){0};
}

/*
 * url.ParseQuery: '&'-separated "key=value" pairs, unescaped. A pair with ';'
 * in its key or a bad escape is dropped; with @strict it makes the whole query
 * bad (the scp-like form takes the error, the URL form ignores it).
 */
static int query_parse(const char *raw, bool strict, struct query *q)
{
	const char *p = raw;

	while (p && *p) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t) (amp - p) : strlen(p);
		_cleanup_free_ char *pair = xstrndup(p, len), *k = NULL, *v = NULL;
		char *eq;
		size_t i;

		p = amp ? amp + 1 : NULL;
		eq = strchr(pair, '=');
		if (memchr(pair, ';', eq ? (size_t) (eq - pair) : strlen(pair))) {
			if (strict)
				return -EINVAL;
			continue;
		}
		if (!*pair)
			continue;
		k = unescape(pair, eq ? (size_t) (eq - pair) : strlen(pair), true);
		v = eq ? unescape(eq + 1, strlen(eq + 1), true) : xstrdup("");
		if (!k || !v) {
			if (strict)
				return -EINVAL;
			continue;
		}
		for (i = 0; i < q->n && !streq(q->keys[i], k); i++)
			;
		if (i == q->n) {
			strv_push(&q->keys, k);
			q->vals = xrealloc(q->vals, (q->n + 1) * sizeof(*q->vals));
			q->vals[q->n++] = NULL;
		}
		strv_push(&q->vals[i], v);
	}
	return 0;
}

/* path.Join("/", s) without its leading '/': "" for the root. */
static char *clean_rel(const char *s)
{
	char *p = xasprintf("/%s", s);

	path_clean(p);
	memmove(p, p + 1, strlen(p));
	return p;
}

/* GitRef.loadQuery */
static int load_query(struct gitsrc *g, const struct query *q, struct hull_err **err)
{
	const char *tag = NULL, *branch = NULL;

	for (size_t i = 0; i < q->n; i++) {
		const char *k = q->keys[i], *v = q->vals[i][0];
		bool is_bool = streq(k, "keep-git-dir") || streq(k, "submodules") ||
			       streq(k, "fetch-by-commit");
		int b = 1;

		if (strv_length(q->vals[i]) > 1)
			return err_setx(err, EINVAL, "query \"%s\" has multiple values", k);
		if (!*v && !is_bool)
			return err_setx(err, EINVAL, "query \"%s\" has no value", k);
		if (is_bool && *v) {
			b = parse_bool(v);
			if (b < 0)
				return err_setx(err, EINVAL, "invalid %s value: \"%s\"", k, v);
		}
		if (streq(k, "ref")) {
			if (g->ref && !streq(g->ref, v))
				return err_setx(err, EINVAL, "ref conflicts: \"%s\" vs \"%s\"",
						g->ref, v);
			set_str(&g->ref, v);
		} else if (streq(k, "tag")) {
			tag = v;
		} else if (streq(k, "branch")) {
			branch = v;
		} else if (streq(k, "subdir")) {
			if (g->subdir && !streq(g->subdir, v))
				return err_setx(err, EINVAL, "subdir conflicts: \"%s\" vs \"%s\"",
						g->subdir, v);
			set_str(&g->subdir, v);
		} else if (streq(k, "checksum") || streq(k, "commit")) {
			set_str(&g->checksum, v);
		} else if (streq(k, "keep-git-dir")) {
			g->keep_git_dir = b;
		} else if (streq(k, "submodules")) {
			g->submodules = b;
		} else if (streq(k, "fetch-by-commit")) {
			g->fetch_by_commit = b;
		} else if (streq(k, "mtime")) {
			if (!streq(v, "checkout") && !streq(v, "commit"))
				return err_setx(
					err, EINVAL,
					"invalid mtime value: \"%s\" (must be \"checkout\" or "
					"\"commit\")",
					v);
			g->mtime_commit = streq(v, "commit");
		} else {
			return err_setx(err, EINVAL, "unexpected query \"%s\"", k);
		}
	}
	if (tag) {
		_cleanup_free_ char *t = startswith(tag, "refs/tags/")
						 ? xstrdup(tag)
						 : xasprintf("refs/tags/%s", tag);
		if (g->ref && !streq(g->ref, t))
			return err_setx(err, EINVAL, "ref conflicts: \"%s\" vs \"%s\"", g->ref, t);
		set_str(&g->ref, t);
	}
	if (branch) {
		_cleanup_free_ char *h = NULL;
		if (tag)
			return err_setx(err, EINVAL, "branch conflicts with tag");
		h = startswith(branch, "refs/heads/") ? xstrdup(branch)
						      : xasprintf("refs/heads/%s", branch);
		if (g->ref && !streq(g->ref, h))
			return err_setx(err, EINVAL, "ref conflicts: \"%s\" vs \"%s\"", g->ref, h);
		set_str(&g->ref, h);
	}
	return 0;
}

static bool has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char) *s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/*
 * @s without its "#fragment" and "?query" (*@ret_before), the fragment
 * unescaped (*@ret_frag, NULL without one), the query into @q. False for a
 * URL Go's url.Parse refuses (a control character, a bad escape).
 */
static bool split_url(const char *s, struct query *q, char **ret_before, char **ret_frag)
{
	const char *hash;
	char *qm;

	*ret_before = *ret_frag = NULL;
	if (has_ctl(s))
		return false;
	hash = strchr(s, '#');
	*ret_before = hash ? xstrndup(s, (size_t) (hash - s)) : xstrdup(s);
	if (hash) {
		*ret_frag = unescape(hash + 1, strlen(hash + 1), false);
		if (!*ret_frag)
			return false;
	}
	qm = strchr(*ret_before, '?');
	if (qm) {
		*qm = '\0';
		(void) query_parse(qm + 1, false, q);
	}
	return true;
}

/*
 * "scheme://[userinfo@]host[:port]/path?query#fragment" as Go's url.Parse
 * takes it (gitutil.ParseURL): 1 when it is a git URL, 0 when not (another
 * scheme, a URL Go refuses, an http(s) path not ending in ".git").
 */
static int parse_url(const char *s, size_t scheme_len, struct gitsrc *g, struct query *q,
		     char **ret_frag)
{
	_cleanup_free_ char *scheme = xstrndup(s, scheme_len), *before = NULL, *frag = NULL,
			    *authority = NULL, *path = NULL;
	const char *host, *slash, *at;

	for (char *c = scheme; *c; c++)
		*c = (char) tolower((unsigned char) *c);
	if (!streq(scheme, "http") && !streq(scheme, "https") && !streq(scheme, "ssh") &&
	    !streq(scheme, "git"))
		return 0;
	if (!split_url(s, q, &before, &frag))
		return 0;
	slash = strchr(before + scheme_len + 3, '/');
	authority = slash ? xstrndup(before + scheme_len + 3,
				     (size_t) (slash - (before + scheme_len + 3)))
			  : xstrdup(before + scheme_len + 3);
	at = strrchr(authority, '@');
	if (at) {
		_cleanup_free_ char *ui = xstrndup(authority, (size_t) (at - authority));
		_cleanup_free_ char *dec = NULL;
		if (strspn(ui, ALNUM "-._:~!$&'()*+,;=%@") != strlen(ui))
			return 0;
		dec = unescape(ui, strlen(ui), false);
		if (!dec)
			return 0;
	}
	host = at ? at + 1 : authority;
	if (*host == '[') {
		const char *end = strchr(host, ']');
		if (!end ||
		    (end[1] && (end[1] != ':' || strspn(end + 2, "0123456789") != strlen(end + 2))))
			return 0;
	} else if (strrchr(host, ':')) {
		const char *port = strrchr(host, ':') + 1;
		if (strspn(port, "0123456789") != strlen(port))
			return 0;
	}
	path = unescape(slash ? slash : "", slash ? strlen(slash) : 0, false);
	if (!path)
		return 0;
	/* an http(s) URL is a git repository only when its path ends in ".git" */
	if ((streq(scheme, "http") || streq(scheme, "https")) && !ends_with(path, ".git"))
		return 0;
	g->remote = xasprintf("%s%s", scheme, before + scheme_len);
	*ret_frag = TAKE_PTR(frag);
	return 1;
}

/* sshutil's scp-like "user@host:path?query#fragment" (user and host of a few characters). */
static int parse_scp(const char *s, struct gitsrc *g, struct query *q, char **ret_frag)
{
	size_t u = strspn(s, ALNUM "-_"), h, p;
	const char *rest, *frag = NULL;

	if (!u || s[u] != '@')
		return 0;
	h = strspn(s + u + 1, ALNUM "-.");
	if (!h || s[u + 1 + h] != ':')
		return 0;
	rest = s + u + 1 + h + 1;
	p = strcspn(rest, "?#");
	if (rest[p] == '?') {
		size_t ql = strcspn(rest + p + 1, "#");
		_cleanup_free_ char *raw = xstrndup(rest + p + 1, ql);
		if (query_parse(raw, true, q) < 0)
			return 0;
		if (rest[p + 1 + ql] == '#')
			frag = rest + p + 1 + ql + 1;
	} else if (rest[p] == '#') {
		frag = rest + p + 1;
	}
	g->remote = xstrndup(s, (size_t) (rest - s) + p);
	*ret_frag = frag ? xstrdup(frag) : NULL;
	return 1;
}

/* "github.com/org/repo": a path to Go's url.Parse, fetched over https. */
static int parse_bare_host(const char *s, struct gitsrc *g, struct query *q, char **ret_frag)
{
	_cleanup_free_ char *before = NULL, *frag = NULL, *path = NULL;

	if (!split_url(s, q, &before, &frag))
		return 0;
	path = unescape(before, strlen(before), false);
	if (!path)
		return 0;
	g->remote = xasprintf("https://%s", before);
	g->bare_host = true;
	*ret_frag = TAKE_PTR(frag);
	return 1;
}

int gitsrc_parse(const char *s, struct gitsrc *ret, struct hull_err **err)
{
	_cleanup_(gitsrc_releasep) struct gitsrc g = {.keep_git_dir = -1, .submodules = -1};
	_cleanup_(query_release) struct query q = {0};
	_cleanup_free_ char *frag = NULL;
	size_t n = strspn(s, ALNUM);
	int r;

	if (startswith(s, "./") || startswith(s, "../"))
		return 0;
	if (n > 0 && startswith(s + n, "://"))
		r = parse_url(s, n, &g, &q, &frag);
	else if (startswith(s, "github.com/"))
		r = parse_bare_host(s, &g, &q, &frag);
	else
		r = parse_scp(s, &g, &q, &frag);
	if (r <= 0)
		return r;
	if (frag && *frag) {
		/* "#ref:subdir" (gitutil parseOpts: the subdirectory is cleaned) */
		const char *colon = strchr(frag, ':');
		_cleanup_free_ char *ref =
			colon ? xstrndup(frag, (size_t) (colon - frag)) : xstrdup(frag);
		_cleanup_free_ char *sub = clean_rel(colon ? colon + 1 : "");
		set_str(&g.ref, ref);
		set_str(&g.subdir, sub);
	}
	r = load_query(&g, &q, err);
	if (r < 0)
		return r;
	if (g.subdir) {
		_cleanup_free_ char *sub = clean_rel(g.subdir);
		set_str(&g.subdir, sub);
	}
	*ret = g;
	g = (struct gitsrc){0};
	return 1;
}

/* The "user:pass" of a "scheme://user:pass@host/" URL (borrowed bounds), or false. */
static bool userinfo(const char *url, const char **ret_start, size_t *ret_len)
{
	const char *p = strstr(url, "://"), *end, *at = NULL;

	if (!p)
		return false;
	p += 3;
	end = p + strcspn(p, "/?#");
	for (const char *c = p; c < end; c++)
		if (*c == '@')
			at = c;
	if (!at)
		return false;
	*ret_start = p;
	*ret_len = (size_t) (at - p);
	return true;
}

/* urlutil.RedactCredentials: user and password masked, each only when present. */
static char *masked_userinfo(const char *ui, size_t len)
{
	const char *colon = memchr(ui, ':', len);
	size_t ulen = colon ? (size_t) (colon - ui) : len;

	if (ulen && colon)
		return xstrdup(MASK ":" MASK);
	if (ulen)
		return xstrdup(MASK);
	if (colon)
		return xstrdup(":" MASK);
	return xstrdup("");
}

char *gitsrc_redact(const char *url)
{
	_cleanup_free_ char *m = NULL;
	const char *ui;
	size_t len;

	if (!userinfo(url, &ui, &len))
		return xstrdup(url);
	m = masked_userinfo(ui, len);
	return xasprintf("%.*s%s%s", (int) (ui - url), url, m, ui + len);
}

/* @text with every occurrence of @what replaced by @with. */
static char *replace_all(const char *text, const char *what, size_t wlen, const char *with)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	const char *p = text, *hit;

	if (!wlen)
		return xstrdup(text);
	while ((hit = memmem(p, strlen(p), what, wlen))) {
		(void) strbuf_add(&sb, p, (size_t) (hit - p));
		(void) strbuf_adds(&sb, with);
		p = hit + wlen;
	}
	(void) strbuf_adds(&sb, p);
	return strbuf_detach(&sb, NULL);
}

/*
 * @text with the credentials of @g's URL masked: "user:pass@" wherever it
 * shows, and the password alone in git's messages (@loose).
 */
static char *mask_creds(const struct gitsrc *g, const char *text, bool loose)
{
	_cleanup_free_ char *raw = NULL, *m = NULL, *with = NULL, *once = NULL;
	const char *ui, *colon;
	size_t len;

	if (!userinfo(g->remote, &ui, &len) || !len)
		return xstrdup(text);
	raw = xasprintf("%.*s@", (int) len, ui);
	m = masked_userinfo(ui, len);
	with = xasprintf("%s@", m);
	once = replace_all(text, raw, strlen(raw), with);
	colon = memchr(ui, ':', len);
	if (loose && colon && (size_t) (ui + len - colon - 1) >= 3)
		return replace_all(once, colon + 1, (size_t) (ui + len - colon - 1), MASK);
	return TAKE_PTR(once);
}

char *gitsrc_mask(const struct gitsrc *g, const char *text)
{
	return mask_creds(g, text, false);
}

/* ---- running git ---- */

/*
 * The environment git runs with (BuildKit's gitutil.GitCLI, for a command
 * run by the user): no system or user configuration (no credential helpers,
 * no url.insteadOf, no hooks path), no terminal prompts, the proxies, and the
 * user's ssh settings (agent, GIT_SSH_COMMAND) for ssh URLs, which get
 * BatchMode when the user set nothing.
 */
static char **git_env(const char *dir)
{
	static const char *const pass[] = {
		"HTTP_PROXY",	 "HTTPS_PROXY",	    "NO_PROXY", "ALL_PROXY",
		"http_proxy",	 "https_proxy",	    "no_proxy", "all_proxy",
		"SSH_AUTH_SOCK", "GIT_SSH_COMMAND", "GIT_SSH",
	};
	char **env = NULL;
	_cleanup_free_ char *ceiling = xstrdup(dir);

	if (strrchr(ceiling, '/'))
		*strrchr(ceiling, '/') = '\0';
	else
		*ceiling = '\0';
	strv_consume(&env, xasprintf("PATH=%s", getenv("PATH") ? getenv("PATH") : DEFAULT_PATH));
	strv_push(&env, "GIT_TERMINAL_PROMPT=0");
	strv_push(&env, "LC_ALL=C");
	strv_push(&env, "GIT_CONFIG_NOSYSTEM=1");
	strv_push(&env, "GIT_CONFIG_GLOBAL=/dev/null");
	strv_push(&env, "HOME=/dev/null");
	/* never a repository above the directory git runs in */
	strv_consume(&env, xasprintf("GIT_CEILING_DIRECTORIES=%s", *ceiling ? ceiling : "/"));
	for (size_t i = 0; i < ARRAY_SIZE(pass); i++)
		if (getenv(pass[i]))
			strv_consume(&env, xasprintf("%s=%s", pass[i], getenv(pass[i])));
	if (!getenv("GIT_SSH_COMMAND") && !getenv("GIT_SSH"))
		strv_push(&env, "GIT_SSH_COMMAND=ssh -o BatchMode=yes");
	return env;
}

/* git's standard error as one line: "fatal: " and the like dropped, hints and warnings left out. */
static char *summarize(const char *text)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	const char *p = text;

	while (*p) {
		size_t len = strcspn(p, "\n");
		_cleanup_free_ char *line = xstrndup(p, len);
		char *l = line, *e;

		p += len + (p[len] == '\n');
		while (isspace((unsigned char) *l))
			l++;
		e = l + strlen(l);
		while (e > l && isspace((unsigned char) e[-1]))
			*--e = '\0';
		if (!*l || startswith(l, "hint:") || startswith(l, "warning:"))
			continue;
		if (startswith(l, "fatal: "))
			l += 7;
		else if (startswith(l, "error: "))
			l += 7;
		/* "unable to connect to host:" goes on with the reason on the next line */
		if (sb.len)
			(void) strbuf_adds(&sb, sb.buf[sb.len - 1] == ':' ? " " : "; ");
		(void) strbuf_adds(&sb, l);
		if (sb.len > 1000)
			break;
	}
	return strbuf_detach(&sb, NULL);
}

static void drain(int *fd, struct strbuf *sb, size_t max)
{
	char buf[8192];
	ssize_t n = read(*fd, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		(void) close(*fd);
		*fd = -1;
		return;
	}
	if (sb->len + (size_t) n <= max)
		(void) strbuf_add(sb, buf, (size_t) n);
}

/*
 * Run `git -c ... @args` in @dir. Standard output in *@ret_out when not NULL
 * (caller frees). A failure is an error whose message is git's (credentials
 * masked).
 */
static int run_git(const struct gitsrc *g, const char *dir, char *const *args, char **ret_out,
		   struct hull_err **err)
{
	static const char *const cfg[] = {
		/* BuildKit's: no submodule from the host's file system */
		"protocol.file.allow=user",
		/* never a hook, whatever a template put in the repository */
		"core.hooksPath=/dev/null",
		"core.fsmonitor=false",
		"init.defaultBranch=master",
		"advice.detachedHead=false",
	};
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT, errb = STRBUF_INIT;
	_cleanup_strv_ char **argv = NULL, **env = git_env(dir);
	_cleanup_free_ char *found = lookup_path(NULL, "git", strv_env_get(env, "PATH")),
			    *bin = NULL;
	_cleanup_close_ int devnull = -1;
	int o[2] = {-1, -1}, e[2] = {-1, -1}, status = 0;
	pid_t pid, parent;

	if (!found)
		return err_set(err, errno, "git sources need the 'git' command");
	/* "./git" from an empty PATH element would not survive the chdir() */
	bin = found[0] == '/' ? xstrdup(found) : realpath(found, NULL);
	if (!bin)
		return err_set(err, errno, "resolve '%s'", found);
	strv_push(&argv, "git");
	for (size_t i = 0; i < ARRAY_SIZE(cfg); i++) {
		strv_push(&argv, "-c");
		strv_push(&argv, cfg[i]);
	}
	for (size_t i = 0; args[i]; i++)
		strv_push(&argv, args[i]);
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0)
		return err_set(err, errno, "open '/dev/null'");
	if (pipe2(o, O_CLOEXEC) < 0)
		return err_set(err, errno, "create pipe");
	if (pipe2(e, O_CLOEXEC) < 0) {
		int saved = errno;
		close(o[0]);
		close(o[1]);
		return err_set(err, saved, "create pipe");
	}
	fflush(NULL);
	parent = getpid();
	pid = fork();
	if (pid == 0) {
		sigset_t none;

		/* in its own session git sees no ^C: it goes when the build goes */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(126);
		sigemptyset(&none);
		(void) sigprocmask(SIG_SETMASK, &none, NULL);
		(void) signal(SIGPIPE, SIG_DFL);
		/* no controlling terminal: nothing (ssh included) can prompt */
		(void) setsid();
		umask(022);
		if (dup2(devnull, 0) < 0 || dup2(o[1], 1) < 0 || dup2(e[1], 2) < 0 ||
		    chdir(dir) < 0)
			_exit(126);
		execve(bin, argv, env);
		_exit(127);
	}
	close(o[1]);
	close(e[1]);
	if (pid < 0) {
		int saved = errno;
		close(o[0]);
		close(e[0]);
		return err_set(err, saved, "fork");
	}
	while (o[0] >= 0 || e[0] >= 0) {
		struct pollfd p[2] = {{.fd = o[0], .events = POLLIN},
				      {.fd = e[0], .events = POLLIN}};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents)
			drain(&o[0], &out, OUT_MAX);
		if (p[1].revents)
			drain(&e[0], &errb, ERR_MAX);
	}
	if (o[0] >= 0)
		close(o[0]);
	if (e[0] >= 0)
		close(e[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return err_set(err, errno, "wait for git");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		_cleanup_free_ char *sum = summarize(strbuf_cstr(&errb));
		_cleanup_free_ char *msg = mask_creds(g, sum, true);
		if (*msg)
			return err_setx(err, EIO, "%s", msg);
		if (WIFEXITED(status))
			return err_setx(err, EIO, "git %s exited with status %d", args[0],
					WEXITSTATUS(status));
		return err_setx(err, EIO, "git %s was killed by signal %d", args[0],
				WTERMSIG(status));
	}
	if (ret_out)
		*ret_out = xstrdup(strbuf_cstr(&out));
	return 0;
}

/* run_git() with the arguments listed, NULL last. */
static int git(const struct gitsrc *g, const char *dir, char **ret_out, struct hull_err **err, ...)
{
	_cleanup_strv_ char **args = NULL;
	va_list ap;
	const char *a;

	va_start(ap, err);
	while ((a = va_arg(ap, const char *)))
		strv_push(&args, a);
	va_end(ap);
	return run_git(g, dir, args, ret_out, err);
}

/* ---- resolving: git ls-remote ---- */

static int resolve(struct gitsrc *g, const char *dir, struct hull_err **err)
{
	_cleanup_free_ char *out = NULL, *ref = NULL, *peel = NULL, *partial = NULL, *head = NULL,
			    *tag = NULL, *annotated = NULL;
	const char *sha = NULL, *used = NULL, *head_sha = NULL, *tag_sha = NULL, *ann_sha = NULL;
	char *line, *save = NULL;
	int r;

	if (g->checksum && strspn(g->checksum, "0123456789abcdefABCDEF") != strlen(g->checksum))
		return err_setx(err, EINVAL,
				"invalid checksum %s for Git URL, expected hex commit hash",
				g->checksum);
	if (g->ref && g->ref[0] == '-')
		return err_setx(err, EINVAL, "invalid git ref \"%s\"", g->ref);
	if (g->ref && is_commit_sha(g->ref)) {
		if (g->checksum && !startswith(g->ref, g->checksum))
			return err_setx(err, EINVAL, "expected checksum to match %s, got %s",
					g->checksum, g->ref);
		set_str(&g->full_ref, g->ref);
		set_str(&g->commit, g->ref);
		return 0;
	}
	if (g->fetch_by_commit) {
		if (!g->checksum)
			return err_setx(err, EINVAL,
					"fetch-by-commit requires a checksum or a commit SHA ref");
		if (!is_commit_sha(g->checksum))
			return err_setx(err, EINVAL,
					"fetch-by-commit requires a full commit SHA checksum, got "
					"\"%s\"",
					g->checksum);
		set_str(&g->commit, g->checksum);
		set_str(&g->full_ref, g->checksum);
		return 0;
	}
	if (g->ref) {
		ref = xstrdup(g->ref);
	} else {
		/* the default branch: what HEAD points to */
		r = git(g, dir, &out, err, "ls-remote", "--symref", "--", g->remote, "HEAD", NULL);
		if (r < 0)
			return r;
		for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			if (startswith(line, "ref: refs/heads/") && !ref) {
				const char *b = line + strlen("ref: refs/heads/");
				ref = xstrndup(b, strcspn(b, " \t"));
			}
		if (!ref || !*ref || ref[0] == '-')
			return err_setx(err, ENOENT, "could not find the default branch");
		free(out);
		out = NULL;
		save = NULL;
	}
	peel = xasprintf("%s^{}", ref);
	r = git(g, dir, &out, err, "ls-remote", "--", g->remote, ref, peel, NULL);
	if (r < 0)
		return r;
	{
		const char *bare = startswith(ref, "refs/") ? ref + 5 : ref;
		partial = xasprintf("refs/%s", bare);
		head = xasprintf("refs/heads/%s", startswith(ref, "refs/heads/") ? ref + 11 : ref);
		tag = xasprintf("refs/tags/%s", startswith(ref, "refs/tags/") ? ref + 10 : ref);
		annotated = xasprintf("%s^{}", tag);
	}
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *tab = strchr(line, '\t');
		if (!tab)
			continue;
		*tab = '\0';
		if (streq(tab + 1, head))
			head_sha = line;
		else if (streq(tab + 1, tag))
			tag_sha = line;
		else if (streq(tab + 1, annotated))
			ann_sha = line;
		else if (streq(tab + 1, partial))
			sha = line, used = partial;
	}
	/* as git checkout: a branch before a tag of the same name */
	if (!sha && head_sha)
		sha = head_sha, used = head;
	if (sha)
		ann_sha = NULL;
	if (!sha && tag_sha)
		sha = tag_sha, used = tag;
	if (!sha)
		return err_setx(err, ENOENT, "repository does not contain ref '%s'", ref);
	if (!is_commit_sha(sha))
		return err_setx(err, EPROTO, "invalid commit sha \"%s\"", sha);
	if (g->checksum && !startswith(sha, g->checksum) &&
	    !(ann_sha && startswith(ann_sha, g->checksum)))
		return err_setx(err, EINVAL, "expected checksum to match %s, got %s%s%s",
				g->checksum, sha, ann_sha ? " or " : "", ann_sha ? ann_sha : "");
	set_str(&g->full_ref, used);
	set_str(&g->commit, sha);
	set_str(&g->peeled, ann_sha);
	return 0;
}

int gitsrc_resolve(struct gitsrc *g, const char *workdir, struct hull_err **err)
{
	int r = resolve(g, workdir, err);

	if (r < 0) {
		_cleanup_free_ char *red = gitsrc_redact(g->remote);
		return err_wrap(err, "fetch '%s'", red);
	}
	return 0;
}

char *gitsrc_cache_key(const struct gitsrc *g)
{
	bool keep = g->keep_git_dir == 1;
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;

	/* an annotated tag: the commit decides the files, unless .git (the tag) is kept */
	(void) strbuf_adds(&sb, g->peeled && !keep ? g->peeled : g->commit);
	if (keep)
		(void) strbuf_addf(&sb, ".git#%s", g->full_ref);
	if (g->subdir)
		(void) strbuf_addf(&sb, ":%s", g->subdir);
	if (g->submodules == 0)
		(void) strbuf_adds(&sb, "(skip-submodules)");
	if (g->mtime_commit)
		(void) strbuf_adds(&sb, "(mtime=commit)");
	return strbuf_detach(&sb, NULL);
}

/* ---- checking out ---- */

/* Remove every ".git" below @path (a submodule's is a file naming a directory that goes). */
static int remove_dot_git(const char *path, struct hull_err **err)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int r = 0;

	if (!d)
		return err_set(err, errno, "open directory '%s'", path);
	while (r == 0 && (de = readdir(d))) {
		_cleanup_free_ char *p = NULL;
		struct stat st;

		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		p = path_join(path, de->d_name);
		if (streq(de->d_name, ".git"))
			r = rm_rf(p, err);
		else if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			r = remove_dot_git(p, err);
	}
	closedir(d);
	return r;
}

/* Give everything below @path, and @path, the time @ts (directories after their entries). */
static int set_times(const char *path, const struct timespec ts[2], struct hull_err **err)
{
	struct stat st;
	int r = 0;

	if (lstat(path, &st) < 0)
		return err_set(err, errno, "stat '%s'", path);
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *de;

		if (!d)
			return err_set(err, errno, "open directory '%s'", path);
		while (r == 0 && (de = readdir(d))) {
			_cleanup_free_ char *p = NULL;
			if (streq(de->d_name, ".") || streq(de->d_name, ".."))
				continue;
			p = path_join(path, de->d_name);
			r = set_times(p, ts, err);
		}
		closedir(d);
		if (r < 0)
			return r;
	}
	if (utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return err_set(err, errno, "set the time of '%s'", path);
	return 0;
}

/* Mask the URL's credentials in the git configuration file @path (kept .git). */
static int scrub_file(const struct gitsrc *g, const char *path, struct hull_err **err)
{
	_cleanup_free_ char *data = NULL, *clean = NULL;
	struct stat st;
	int r;

	if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	r = read_file(path, 16u << 20, &data, NULL, err);
	if (r < 0)
		return r;
	clean = mask_creds(g, data, false);
	if (streq(clean, data))
		return 0;
	return write_file_atomic(path, clean, strlen(clean), st.st_mode & 07777, err);
}

/* Every "config" below @dir (the submodules' repositories under .git/modules). */
static int scrub_tree(const struct gitsrc *g, const char *dir, struct hull_err **err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int r = 0;

	if (!d)
		return errno == ENOENT ? 0 : err_set(err, errno, "open directory '%s'", dir);
	while (r == 0 && (de = readdir(d))) {
		_cleanup_free_ char *p = NULL;
		struct stat st;

		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		p = path_join(dir, de->d_name);
		if (lstat(p, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			r = scrub_tree(g, p, err);
		else if (streq(de->d_name, "config"))
			r = scrub_file(g, p, err);
	}
	closedir(d);
	return r;
}

/* Fetch the commit @sha: alone and shallow when the server allows it, else everything. */
static int fetch_commit(const struct gitsrc *g, const char *dir, const char *sha,
			struct hull_err **err)
{
	_cleanup_free_ char *obj = xasprintf("%s^{commit}", sha);
	struct hull_err *e = NULL;
	int r;

	r = git(g, dir, NULL, &e, "fetch", "-q", "--depth=1", "--no-tags", "--", "origin", sha,
		NULL);
	if (r < 0) {
		/* a server that gives no commit it does not advertise (protocol v0) */
		e = err_free(e);
		r = git(g, dir, NULL, err, "fetch", "-q", "--tags", "--", "origin", NULL);
		if (r < 0)
			return r;
	}
	r = git(g, dir, NULL, &e, "cat-file", "-e", obj, NULL);
	if (r < 0) {
		e = err_free(e);
		return err_setx(err, ENOENT, "repository does not contain commit %s", sha);
	}
	return 0;
}

/* Fetch the ref resolved (depth 1 when the server can) and check it is still the commit. */
static int fetch_ref(const struct gitsrc *g, const char *dir, struct hull_err **err)
{
	_cleanup_free_ char *spec = xasprintf("+%s:%s", g->full_ref, g->full_ref), *out = NULL;
	struct hull_err *e = NULL;
	int r;

	r = git(g, dir, NULL, &e, "fetch", "-q", "-u", "--depth=1", "--no-tags", "--", "origin",
		spec, NULL);
	if (r < 0 && (strstr(e->msg, "shallow") || strstr(e->msg, "--depth"))) {
		/* a dumb http server: no shallow fetch (BuildKit retries the same way) */
		e = err_free(e);
		r = git(g, dir, NULL, &e, "fetch", "-q", "-u", "--no-tags", "--", "origin", spec,
			NULL);
	}
	if (r < 0) {
		err_set(err, e->code, "%s", e->msg);
		err_free(e);
		return r;
	}
	r = git(g, dir, &out, err, "rev-parse", "--verify", "-q", g->full_ref, NULL);
	if (r < 0)
		return r;
	out[strcspn(out, "\n")] = '\0';
	/* the ref moved since it was resolved: the commit resolved is the one taken */
	if (!streq(out, g->commit))
		return fetch_commit(g, dir, g->commit, err);
	return 0;
}

/* BuildKit's validateDirsOnly: every component of the subdirectory is a directory, no link. */
static int check_subdir(const char *dir, const char *sub, struct hull_err **err)
{
	_cleanup_free_ char *p = xstrdup(dir);
	const char *c = sub;

	while (*c) {
		size_t len = strcspn(c, "/");
		char *next = xasprintf("%s/%.*s", p, (int) len, c);
		struct stat st;

		free(p);
		p = next;
		if (lstat(p, &st) < 0)
			return err_set(err, errno, "invalid subdir '%s': '%s'", sub,
				       p + strlen(dir) + 1);
		if (!S_ISDIR(st.st_mode))
			return err_setx(err, ENOTDIR,
					"invalid subdir '%s': '%s' is not a directory", sub,
					p + strlen(dir) + 1);
		c += len;
		while (*c == '/')
			c++;
	}
	return 0;
}

static int checkout(struct gitsrc *g, const char *dir, char **ret_root, struct hull_err **err)
{
	bool keep = g->keep_git_dir == 1 && !g->subdir;
	_cleanup_free_ char *root = NULL, *when = NULL, *obj = NULL, *modules = NULL;
	int r;

	if (strlen(g->commit) == 64)
		r = git(g, dir, NULL, err, "init", "-q", "--object-format=sha256", NULL);
	else
		r = git(g, dir, NULL, err, "init", "-q", NULL);
	if (r == 0)
		r = git(g, dir, NULL, err, "remote", "add", "origin", g->remote, NULL);
	if (r < 0)
		return r;
	if (is_commit_sha(g->full_ref))
		r = fetch_commit(g, dir, g->commit, err);
	else
		r = fetch_ref(g, dir, err);
	if (r == 0)
		r = git(g, dir, NULL, err, "checkout", "-q", "--detach", g->commit, NULL);
	if (r < 0)
		return r;
	modules = path_join(dir, ".gitmodules");
	if (g->submodules != 0 && access(modules, F_OK) == 0) {
		struct hull_err *e = NULL;
		r = git(g, dir, NULL, &e, "submodule", "update", "-q", "--init", "--recursive",
			"--depth=1", NULL);
		if (r < 0 && (strstr(e->msg, "shallow") || strstr(e->msg, "--depth"))) {
			e = err_free(e);
			r = git(g, dir, NULL, &e, "submodule", "update", "-q", "--init",
				"--recursive", NULL);
		}
		if (r < 0) {
			err_setx(err, e->code, "update submodules: %s", e->msg);
			err_free(e);
			return r;
		}
	}
	if (g->mtime_commit) {
		obj = xasprintf("%s^{commit}", g->commit);
		r = git(g, dir, &when, err, "log", "-1", "--format=%ct", obj, NULL);
		if (r < 0)
			return r;
	}
	if (g->subdir) {
		r = check_subdir(dir, g->subdir, err);
		if (r < 0)
			return r;
	}
	root = g->subdir ? path_join(dir, g->subdir) : xstrdup(dir);
	if (keep) {
		/* BuildKit's: the remote as the URL without credentials, no reflog, no FETCH_HEAD
		 */
		_cleanup_free_ char *red = gitsrc_redact(g->remote), *gd = path_join(dir, ".git"),
				    *fh = path_join(gd, "FETCH_HEAD"),
				    *cfg = path_join(gd, "config"),
				    *mods = path_join(gd, "modules");
		r = git(g, dir, NULL, err, "remote", "set-url", "origin", red, NULL);
		if (r == 0)
			r = git(g, dir, NULL, err, "reflog", "expire", "--all", "--expire=now",
				NULL);
		/* and the submodules' URLs, which carry the credentials of a relative URL */
		if (r == 0)
			r = scrub_file(g, cfg, err);
		if (r == 0)
			r = scrub_tree(g, mods, err);
		if (r < 0)
			return r;
		(void) unlink(fh);
	} else {
		r = remove_dot_git(root, err);
		if (r < 0)
			return r;
	}
	if (when) {
		struct timespec ts[2] = {{.tv_sec = (time_t) strtoll(when, NULL, 10)}};
		ts[1] = ts[0];
		r = set_times(root, ts, err);
		if (r < 0)
			return r;
	}
	*ret_root = TAKE_PTR(root);
	return 0;
}

int gitsrc_checkout(struct gitsrc *g, const char *dir, char **ret_root, struct hull_err **err)
{
	int r = checkout(g, dir, ret_root, err);

	if (r < 0) {
		_cleanup_free_ char *red = gitsrc_redact(g->remote);
		return err_wrap(err, "fetch '%s'", red);
	}
	return 0;
}

int gitsrc_context(struct store *s, struct gitsrc *g, bool keep_git_dir, char **ret_tmp,
		   char **ret_root, struct hull_err **err)
{
	_cleanup_free_ char *tmp = NULL, *work = NULL, *root = NULL;
	int r;

	if (keep_git_dir)
		g->keep_git_dir = 1;
	r = store_tmpdir(s, "git-context", &tmp, err);
	if (r < 0)
		return r;
	work = path_join(tmp, "git");
	if (mkdir(work, 0755) < 0)
		r = err_set(err, errno, "create '%s'", work);
	if (r == 0)
		r = gitsrc_resolve(g, tmp, err);
	if (r == 0)
		r = gitsrc_checkout(g, work, &root, err);
	if (r < 0) {
		(void) rm_rf(tmp, NULL);
		return err_wrap(err, "unable to prepare context");
	}
	*ret_tmp = TAKE_PTR(tmp);
	*ret_root = TAKE_PTR(root);
	return 0;
}
