/* SPDX-License-Identifier: MIT */
/*
 * /etc/hull/registries.json: mirrors and insecure registries, with the
 * validation and the "is this registry secure" rule of moby
 * daemon/pkg/registry/config.go (ValidateMirror, loadInsecureRegistries,
 * isSecureIndex).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include "registry/config.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strv.h"

#define REG_CONFIG_PATH "/etc/hull/registries.json"
#define REG_CONFIG_MAX	(1u << 20)
#define HUB_DOMAIN	"docker.io"
#define HUB_HOST	"registry-1.docker.io"
#define HUB_URL		"https://" HUB_HOST

struct reg_cidr {
	int family; /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	unsigned bits;
};

struct reg_config {
	char *path;
	char **insecure_hosts; /* HOST[:PORT] entries of insecure-registries */
	struct reg_cidr *cidrs;
	size_t n_cidrs;
	json_t *mirrors; /* domain -> array of validated mirror URLs */
};

struct reg_config *reg_config_free(struct reg_config *cfg)
{
	if (cfg) {
		free(cfg->path);
		strv_free(cfg->insecure_hosts);
		free(cfg->cidrs);
		json_decref(cfg->mirrors);
		free(cfg);
	}
	return NULL;
}

/* "index.docker.io" is docker.io (moby normalizeIndexName) */
static const char *normalize_domain(const char *d)
{
	return streq(d, "index.docker.io") ? HUB_DOMAIN : d;
}

/* the authority of "scheme://AUTHORITY/path" (caller frees), or NULL */
static char *url_authority(const char *url)
{
	const char *p = strstr(url, "://");

	if (!p)
		return NULL;
	p += 3;
	return xstrndup(p, strcspn(p, "/?#"));
}

/* moby ValidateMirror; *@ret: the URL without its trailing slashes */
static int validate_mirror(const char *path, const char *url, char **ret, struct hull_err **err)
{
	_cleanup_free_ char *auth = url_authority(url), *u = NULL;
	size_t n;

	if (!auth || strstr(url, "://") == url)
		return err_setx(err, EINVAL,
				"'%s': invalid mirror: no scheme specified for \"%s\": must use "
				"either 'https://' or 'http://'",
				path, url);
	if (!startswith(url, "http://") && !startswith(url, "https://"))
		return err_setx(err, EINVAL,
				"'%s': invalid mirror: unsupported scheme in \"%s\": must use "
				"either 'https://' or 'http://'",
				path, url);
	if (strpbrk(url, "?#"))
		return err_setx(err, EINVAL,
				"'%s': invalid mirror: query or fragment at end of the URI \"%s\"",
				path, url);
	if (strchr(auth, '@'))
		return err_setx(err, EINVAL,
				"'%s': invalid mirror: username/password not allowed in URI", path);
	if (!*auth || strpbrk(auth, " \t\r\n\\"))
		return err_setx(err, EINVAL, "'%s': invalid mirror: \"%s\" is not a valid URI",
				path, url);
	u = xstrdup(url);
	n = strlen(u);
	while (n > 0 && u[n - 1] == '/')
		u[--n] = '\0';
	*ret = TAKE_PTR(u);
	return 0;
}

static int parse_cidr(const char *s, struct reg_cidr *ret)
{
	_cleanup_free_ char *a = xstrdup(s);
	char *slash = strchr(a, '/'), *end;
	unsigned long bits;
	struct reg_cidr c = {0};

	if (!slash)
		return -EINVAL;
	*slash++ = '\0';
	if (inet_pton(AF_INET, a, c.addr) == 1)
		c.family = AF_INET;
	else if (inet_pton(AF_INET6, a, c.addr) == 1)
		c.family = AF_INET6;
	else
		return -EINVAL;
	errno = 0;
	bits = strtoul(slash, &end, 10);
	if (!isdigit((unsigned char) *slash) || *end || errno ||
	    bits > (c.family == AF_INET ? 32u : 128u))
		return -EINVAL;
	c.bits = (unsigned) bits;
	*ret = c;
	return 0;
}

/* one DNS label: letters, digits, inner hyphens (and '_', which docker's resolver allows) */
static bool valid_label(const char *s, size_t n)
{
	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char) s[i]) && s[i] != '-' && s[i] != '_')
			return false;
	return true;
}

static bool valid_port(const char *p)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char) *p))
		return false;
	errno = 0;
	v = strtoul(p, &end, 10);
	return !*end && !errno && v <= 65535;
}

/* HOST[:PORT] as moby validateHostPort: a domain, an IPv4 address, or [IPv6] */
static bool valid_host_port(const char *s)
{
	unsigned char buf[16];
	const char *port = NULL, *p;
	_cleanup_free_ char *host = NULL;

	if (inet_pton(AF_INET6, s, buf) == 1)
		return true; /* a bare IPv6 address (net.ParseIP) */
	if (*s == '[') {
		p = strchr(s, ']');
		if (!p)
			return false;
		host = xstrndup(s + 1, (size_t) (p - s - 1));
		if (inet_pton(AF_INET6, host, buf) != 1)
			return false;
		return !p[1] || (p[1] == ':' && valid_port(p + 2));
	}
	p = strchr(s, ':');
	host = p ? xstrndup(s, (size_t) (p - s)) : xstrdup(s);
	port = p ? p + 1 : NULL;
	if (port && !valid_port(port))
		return false;
	for (const char *l = host;;) {
		size_t n = strcspn(l, ".");
		if (!valid_label(l, n))
			return false;
		if (!l[n])
			return true;
		l += n + 1;
	}
}

static int add_insecure(struct reg_config *cfg, const char *entry, struct hull_err **err)
{
	const char *e = entry, *sep = strstr(entry, "://");
	struct reg_cidr c;

	if (sep) {
		/* docker drops http:// and https:// with a warning, and refuses others */
		if (!startswith(entry, "http://") && !startswith(entry, "https://"))
			return err_setx(err, EINVAL,
					"'%s': insecure registry %s should not contain '://'",
					cfg->path, entry);
		e = sep + 3;
	}
	if (e[0] == '-' || (*e && e[strlen(e) - 1] == '-'))
		return err_setx(err, EINVAL,
				"'%s': invalid index name (%s). Cannot begin or end with a hyphen",
				cfg->path, e);
	if (parse_cidr(e, &c) == 0) {
		cfg->cidrs = xrealloc(cfg->cidrs, (cfg->n_cidrs + 1) * sizeof(c));
		cfg->cidrs[cfg->n_cidrs++] = c;
		return 0;
	}
	if (!valid_host_port(e))
		return err_setx(err, EINVAL,
				"'%s': insecure registry %s is neither HOST[:PORT] nor a CIDR",
				cfg->path, entry);
	strv_push(&cfg->insecure_hosts, normalize_domain(e));
	return 0;
}

/* a JSON array of strings at @key, or -EINVAL naming the file and key */
static int string_array(const struct reg_config *cfg, json_t *v, const char *key,
			struct hull_err **err)
{
	size_t i;
	json_t *e;

	if (!json_is_array(v))
		return err_setx(err, EINVAL, "'%s': \"%s\" must be an array of strings", cfg->path,
				key);
	json_array_foreach (v, i, e)
		if (!json_is_string(e))
			return err_setx(err, EINVAL, "'%s': \"%s\" must be an array of strings",
					cfg->path, key);
	return 0;
}

/* append the validated mirrors of array @v to cfg->mirrors[@domain], without duplicates */
static int add_mirrors(struct reg_config *cfg, const char *domain, json_t *v, const char *key,
		       struct hull_err **err)
{
	json_t *list, *e;
	size_t i;
	int r;

	r = string_array(cfg, v, key, err);
	if (r < 0)
		return r;
	domain = normalize_domain(domain);
	list = json_object_get(cfg->mirrors, domain);
	if (!list) {
		list = json_array();
		json_object_set_new(cfg->mirrors, domain, list);
	}
	json_array_foreach (v, i, e) {
		_cleanup_free_ char *u = NULL;
		bool dup = false;
		size_t k;
		json_t *o;

		r = validate_mirror(cfg->path, json_string_value(e), &u, err);
		if (r < 0)
			return r;
		json_array_foreach (list, k, o)
			dup = dup || streq(json_string_value(o), u);
		if (!dup)
			json_array_append_new(list, json_string(u));
	}
	return 0;
}

static int load_mirrors_object(struct reg_config *cfg, json_t *v, struct hull_err **err)
{
	const char *domain;
	json_t *list;
	int r;

	if (!json_is_object(v))
		return err_setx(err, EINVAL, "'%s': \"mirrors\" must be an object", cfg->path);
	json_object_foreach (v, domain, list) {
		_cleanup_free_ char *key = xasprintf("mirrors.%s", domain);
		if (!valid_host_port(domain))
			return err_setx(err, EINVAL, "'%s': mirrors: invalid registry '%s'",
					cfg->path, domain);
		r = add_mirrors(cfg, domain, list, key, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int load_insecure(struct reg_config *cfg, json_t *v, struct hull_err **err)
{
	size_t i;
	json_t *e;
	int r;

	r = string_array(cfg, v, "insecure-registries", err);
	json_array_foreach (v, i, e) {
		if (r < 0)
			break;
		r = add_insecure(cfg, json_string_value(e), err);
	}
	return r;
}

static int reg_config_parse(struct reg_config *cfg, json_t *j, struct hull_err **err)
{
	const char *key;
	json_t *v;
	int r;

	if (!json_is_object(j))
		return err_setx(err, EINVAL, "'%s': not a JSON object", cfg->path);
	json_object_foreach (j, key, v) {
		if (streq(key, "registry-mirrors"))
			r = add_mirrors(cfg, HUB_DOMAIN, v, key, err);
		else if (streq(key, "insecure-registries"))
			r = load_insecure(cfg, v, err);
		else if (streq(key, "mirrors"))
			r = load_mirrors_object(cfg, v, err);
		else
			r = err_setx(err, EINVAL, "'%s': unknown key \"%s\"", cfg->path, key);
		if (r < 0)
			return r;
	}
	return 0;
}

int reg_config_load(struct reg_config **ret, struct hull_err **err)
{
	_cleanup_(reg_config_freep) struct reg_config *cfg = xcalloc(1, sizeof(*cfg));
	const char *path = getenv("HULL_REGISTRIES_CONFIG");
	_cleanup_free_ char *data = NULL;
	_cleanup_json_ json_t *j = NULL;
	struct hull_err *e = NULL;
	json_error_t je;
	size_t len = 0;
	int r;

	cfg->path = xstrdup(isempty(path) ? REG_CONFIG_PATH : path);
	cfg->mirrors = json_object();
	/* localhost is insecure by default (moby loadInsecureRegistries) */
	r = add_insecure(cfg, "127.0.0.0/8", err);
	if (r >= 0)
		r = add_insecure(cfg, "::1/128", err);
	if (r < 0)
		return r;
	r = read_file(cfg->path, REG_CONFIG_MAX, &data, &len, &e);
	if (r == -ENOENT) {
		err_free(e);
		*ret = TAKE_PTR(cfg);
		return 0;
	}
	if (r < 0) {
		r = err_setx(err, -r, "read registry configuration: %s", e->msg);
		err_free(e);
		return r;
	}
	j = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
	if (!j)
		return err_setx(err, EINVAL, "parse '%s': line %d: %s", cfg->path, je.line,
				je.text);
	r = reg_config_parse(cfg, j, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(cfg);
	return 0;
}

static bool cidr_contains(const struct reg_cidr *c, int family, const unsigned char *addr)
{
	unsigned full = c->bits / 8, rest = c->bits % 8;

	if (c->family != family || memcmp(c->addr, addr, full) != 0)
		return false;
	if (!rest)
		return true;
	return ((c->addr[full] ^ addr[full]) & (0xff00u >> rest) & 0xff) == 0;
}

static bool addr_in_cidrs(const struct reg_config *cfg, const struct sockaddr *sa)
{
	const unsigned char *a;
	int family = sa->sa_family;

	if (family == AF_INET) {
		a = (const unsigned char *) &((const struct sockaddr_in *) sa)->sin_addr;
	} else if (family == AF_INET6) {
		const struct in6_addr *a6 = &((const struct sockaddr_in6 *) sa)->sin6_addr;
		a = (const unsigned char *) a6;
		if (IN6_IS_ADDR_V4MAPPED(a6)) { /* netip.Addr.Unmap() */
			family = AF_INET;
			a += 12;
		}
	} else {
		return false;
	}
	for (size_t i = 0; i < cfg->n_cidrs; i++)
		if (cidr_contains(&cfg->cidrs[i], family, a))
			return true;
	return false;
}

/* the host part of HOST[:PORT] or [IPV6]:PORT; caller frees */
static char *host_only(const char *hostport)
{
	const char *colon;

	if (hostport[0] == '[') {
		const char *end = strchr(hostport, ']');
		return end ? xstrndup(hostport + 1, (size_t) (end - hostport - 1))
			   : xstrdup(hostport);
	}
	colon = strchr(hostport, ':');
	if (colon && strchr(colon + 1, ':'))
		return xstrdup(hostport); /* a bare IPv6 address */
	return colon ? xstrndup(hostport, (size_t) (colon - hostport)) : xstrdup(hostport);
}

/* moby isCIDRMatch: the host's addresses (resolved when it is a name) against the CIDRs */
static bool host_in_cidrs(const struct reg_config *cfg, const char *hostport)
{
	_cleanup_free_ char *host = host_only(hostport);
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	struct addrinfo *res = NULL;
	bool match = false;

	/* a name that does not resolve is secure, as in moby */
	if (getaddrinfo(host, NULL, &hints, &res) != 0)
		return false;
	for (struct addrinfo *ai = res; ai && !match; ai = ai->ai_next)
		match = addr_in_cidrs(cfg, ai->ai_addr);
	freeaddrinfo(res);
	return match;
}

/* moby isSecureIndex */
static bool is_secure(const struct reg_config *cfg, const char *hostport)
{
	if (strv_contains(cfg->insecure_hosts, hostport))
		return false;
	if (streq(hostport, HUB_DOMAIN))
		return true;
	return !host_in_cidrs(cfg, hostport);
}

static struct reg_endpoint *endpoint_new(const char *url, const char *host, bool insecure,
					 bool mirror)
{
	struct reg_endpoint *ep = xcalloc(1, sizeof(*ep));

	ep->url = xstrdup(url);
	ep->host = xstrdup(host);
	ep->insecure = insecure;
	ep->mirror = mirror;
	return ep;
}

void reg_endpoints_free(struct reg_endpoint **eps)
{
	for (size_t i = 0; eps && eps[i]; i++) {
		free(eps[i]->url);
		free(eps[i]->host);
		free(eps[i]);
	}
	free(eps);
}

static void endpoints_push(struct reg_endpoint ***eps, size_t *n, struct reg_endpoint *ep)
{
	*eps = xrealloc(*eps, (*n + 2) * sizeof(**eps));
	(*eps)[(*n)++] = ep;
	(*eps)[*n] = NULL;
}

int reg_endpoints(const struct reg_config *cfg, const char *domain, bool push,
		  struct reg_endpoint ***ret, struct hull_err **err)
{
	struct reg_endpoint **eps = NULL;
	json_t *list, *m;
	size_t n = 0, i;

	if (isempty(domain) || !valid_host_port(domain))
		return err_setx(err, EINVAL, "invalid registry '%s'", domain ? domain : "");
	domain = normalize_domain(domain);
	list = push ? NULL : json_object_get(cfg->mirrors, domain);
	json_array_foreach (list, i, m) {
		const char *u = json_string_value(m);
		_cleanup_free_ char *host = url_authority(u);
		endpoints_push(&eps, &n, endpoint_new(u, host, !is_secure(cfg, host), true));
	}
	if (streq(domain, HUB_DOMAIN)) {
		endpoints_push(&eps, &n, endpoint_new(HUB_URL, HUB_HOST, false, false));
	} else {
		_cleanup_free_ char *u = xasprintf("https://%s", domain);
		endpoints_push(&eps, &n, endpoint_new(u, domain, !is_secure(cfg, domain), false));
	}
	*ret = eps;
	return 0;
}

json_t *reg_config_describe(const struct reg_config *cfg)
{
	json_t *cidrs = json_array(), *index = json_object(), *hub = json_object(),
	       *rc = json_object();
	json_t *hub_mirrors = json_object_get(cfg->mirrors, HUB_DOMAIN);
	const char *domain;
	json_t *list;

	for (size_t i = 0; i < cfg->n_cidrs; i++) {
		char buf[INET6_ADDRSTRLEN];

		if (inet_ntop(cfg->cidrs[i].family, cfg->cidrs[i].addr, buf, sizeof(buf)))
			json_array_append_new(cidrs,
					      json_sprintf("%s/%u", buf, cfg->cidrs[i].bits));
	}
	json_object_set_new(hub, "Name", json_string(HUB_DOMAIN));
	json_object_set_new(hub, "Mirrors", hub_mirrors ? json_copy(hub_mirrors) : json_array());
	json_object_set_new(hub, "Secure", json_true());
	json_object_set_new(hub, "Official", json_true());
	json_object_set_new(index, HUB_DOMAIN, hub);
	json_object_foreach (cfg->mirrors, domain, list) {
		json_t *x;

		if (streq(domain, HUB_DOMAIN))
			continue;
		x = json_object();
		json_object_set_new(x, "Name", json_string(domain));
		json_object_set_new(x, "Mirrors", json_copy(list));
		json_object_set_new(x, "Secure", json_boolean(is_secure(cfg, domain)));
		json_object_set_new(x, "Official", json_false());
		json_object_set_new(index, domain, x);
	}
	STRV_FOREACH (h, cfg->insecure_hosts) {
		json_t *x;

		if (json_object_get(index, *h)) {
			json_object_set_new(json_object_get(index, *h), "Secure", json_false());
			continue;
		}
		x = json_object();
		json_object_set_new(x, "Name", json_string(*h));
		json_object_set_new(x, "Mirrors", json_array());
		json_object_set_new(x, "Secure", json_false());
		json_object_set_new(x, "Official", json_false());
		json_object_set_new(index, *h, x);
	}
	json_object_set_new(rc, "AllowNondistributableArtifactsCIDRs", json_array());
	json_object_set_new(rc, "AllowNondistributableArtifactsHostnames", json_array());
	json_object_set_new(rc, "InsecureRegistryCIDRs", cidrs);
	json_object_set_new(rc, "IndexConfigs", index);
	json_object_set_new(rc, "Mirrors", hub_mirrors ? json_copy(hub_mirrors) : json_array());
	return rc;
}
