/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include "cli/cli.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/strv.h"

int cli_store(struct cli *c, struct store **ret, struct hull_err **err)
{
	int r;

	if (!c->store) {
		r = store_open(c->root, &c->store, err);
		if (r < 0)
			return r;
	}
	*ret = c->store;
	return 0;
}

bool cli_labels_match(char **want, json_t *labels)
{
	return labels_match(want, labels);
}

/* @key is one of the space-separated words of @list. */
static bool word_in(const char *list, const char *key)
{
	size_t n = strlen(key);

	if (n == 0)
		return false;
	for (const char *p = list; (p = strstr(p, key)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return true;
	return false;
}

static int prune_filter_parse(char **args, const char *accepted, const char *bool_key,
			      int *ret_bool, struct prune_filter *f, struct hull_err **err)
{
	bool until_seen = false;

	if (ret_bool)
		*ret_bool = -1;
	STRV_FOREACH (a, args) {
		_cleanup_free_ char *key = xstrdup(*a);
		char *val = strchr(key, '=');

		if (!val)
			return err_setx(err, EINVAL, "bad format of filter (expected name=value)");
		*val++ = '\0';
		if (!*key || !word_in(accepted, key))
			return err_setx(err, EINVAL, "invalid filter '%s'", key);
		if (streq(key, "until")) {
			if (until_seen)
				return err_setx(err, EINVAL,
						"more than one until filter specified");
			until_seen = true;
			f->has_until = true;
			/* a time before 1970 or none at all is no time: refused, never "no filter"
			 */
			if (!*val || cli_parse_time(val, &f->until) < 0 || !isfinite(f->until) ||
			    (*val == '-' && f->until < 0))
				return err_setx(err, EINVAL,
						"invalid value for 'until' filter: failed to parse "
						"value as time or duration: \"%s\"",
						val);
		} else if (streq(key, "label")) {
			strv_push(&f->labels, val);
		} else if (streq(key, "label!")) {
			strv_push(&f->not_labels, val);
		} else if (bool_key && streq(key, bool_key) && ret_bool) {
			/* moby filters.Args GetBoolOrDefault */
			if (strcasecmp(val, "true") == 0 || streq(val, "1"))
				*ret_bool = 1;
			else if (strcasecmp(val, "false") == 0 || streq(val, "0"))
				*ret_bool = 0;
			else
				return err_setx(err, EINVAL, "invalid filter '%s=[%s]'", key, val);
		}
	}
	return 0;
}

int cli_prune_filter_parse(char **args, const char *accepted, const char *bool_key, int *ret_bool,
			   struct prune_filter *f)
{
	_cleanup_err_ struct hull_err *e = NULL;

	if (prune_filter_parse(args, accepted, bool_key, ret_bool, f, &e) == 0)
		return 0;
	fprintf(stderr, "Error response from daemon: %s\n", e->msg);
	return 1;
}

/* The long option of @longopts that takes no argument and is named exactly as
 * the NAME of "--NAME=...", or NULL. */
static const struct option *bool_flag(const struct option *longopts, const char *arg)
{
	size_t n;

	if (!startswith(arg, "--") || !strchr(arg, '='))
		return NULL;
	arg += 2;
	n = strcspn(arg, "=");
	for (const struct option *o = longopts; o && o->name; o++)
		if (o->has_arg == no_argument && strlen(o->name) == n &&
		    strncmp(o->name, arg, n) == 0)
			return o;
	return NULL;
}

/*
 * pflag takes "--NAME=true|false" for a boolean flag; getopt_long refuses it
 * ('?') since the option takes no argument. For @arg, the argument it refused:
 * 0 when it is not such a flag; 1 with *@ret the option's value when the value
 * is true; 2 when it is false, which leaves the flag at its default (the flags
 * taken without an argument here are docker's that default to false; those that
 * default to true take an optional argument of their own); 3 on a usage error
 * (reported). A false after the flag was given would have to undo it: refused
 * rather than ignored.
 */
/* the options cli_getopt() returned since the parse began (the caller's optind = 0) */
static int seen[128];
static size_t n_seen;

static int bool_flag_value(const char *cmd, const struct option *longopts, const char *arg,
			   int *ret)
{
	const struct option *o = bool_flag(longopts, arg);
	const char *val;
	bool on;

	if (!o)
		return 0;
	val = strchr(arg, '=') + 1;
	if (cli_parse_bool(val, &on) < 0) {
		_cleanup_free_ char *flag = xstrndup(arg, (size_t) (val - 1 - arg));

		cli_flag_error(cmd, flag, val, "strconv.ParseBool: parsing \"%s\": invalid syntax",
			       val);
		return 3;
	}
	if (on) {
		*ret = o->flag ? (*o->flag = o->val, 0) : o->val;
		return 1;
	}
	/* given before in any spelling (-a, --all, --all=true): refused, never ignored
	 * (and when too many flags came before to tell) */
	for (size_t i = 0; i <= n_seen; i++) {
		if (i == ARRAY_SIZE(seen) || (i < n_seen && seen[i] == o->val)) {
			cli_usage_error(cmd, "%s after --%s: give the flag once", arg, o->name);
			return 3;
		}
	}
	return 2;
}

int cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
	       const struct option *longopts, bool stop_at_arg)
{
	_cleanup_free_ char *so = xasprintf("%s:%s", stop_at_arg ? "+" : "", shortopts);
	int optidx = -1, r;

	if (optind == 0)
		n_seen = 0; /* a new parse */
	opterr = 0;
	for (;;) {
		r = getopt_long(argc, argv, so, longopts, &optidx);
		if (r != '?' || optind < 1)
			break;
		switch (bool_flag_value(cmd, longopts, argv[optind - 1], &r)) {
		case 1:
			if (r > 0 && n_seen < ARRAY_SIZE(seen))
				seen[n_seen++] = r;
			return r;
		case 2:
			continue;
		case 3:
			return '?';
		}
		break;
	}
	if (r != -1 && r != '?' && r != ':' && optidx >= 0 && optind >= 1) {
		/* getopt_long takes "--priv" for "--privileged"; docker's pflag does not */
		const char *t = argv[optind - 1];
		size_t n;

		if (!startswith(t, "--") && optind >= 2)
			t = argv[optind - 2];
		if (startswith(t, "--")) {
			t += 2;
			n = strcspn(t, "=");
			if (strlen(longopts[optidx].name) != n ||
			    strncmp(longopts[optidx].name, t, n) != 0) {
				_cleanup_free_ char *flag = xstrndup(t, n);
				cli_usage_error(cmd, "unknown flag: --%s", flag);
				return '?';
			}
		}
	}
	if (r == '?') {
		if (optopt && optopt < 256 && optopt != '?')
			cli_usage_error(cmd, "unknown shorthand flag: '%c' in -%c", optopt, optopt);
		else
			cli_usage_error(cmd, "unknown flag: %s", argv[optind - 1]);
	} else if (r == ':') {
		cli_usage_error(cmd, "flag needs an argument: %s", argv[optind - 1]);
		r = '?';
	} else if (r > 0 && n_seen < ARRAY_SIZE(seen)) {
		seen[n_seen++] = r;
	}
	return r;
}

/* docker/go-units HumanDuration */
char *human_duration(double d)
{
	long s = (long) d;
	long minutes = (long) (d / 60);
	long hours = (long) (d / 3600 + 0.5);

	if (s < 1)
		return xstrdup("Less than a second");
	if (s == 1)
		return xstrdup("1 second");
	if (s < 60)
		return xasprintf("%ld seconds", s);
	if (minutes == 1)
		return xstrdup("About a minute");
	if (minutes < 60)
		return xasprintf("%ld minutes", minutes);
	if (hours == 1)
		return xstrdup("About an hour");
	if (hours < 48)
		return xasprintf("%ld hours", hours);
	if (hours < 24 * 7 * 2)
		return xasprintf("%ld days", hours / 24);
	if (hours < 24 * 30 * 2)
		return xasprintf("%ld weeks", hours / 24 / 7);
	if (hours < 24 * 365 * 2)
		return xasprintf("%ld months", hours / 24 / 30);
	return xasprintf("%ld years", (long) (d / 3600 / 24 / 365));
}

/* docker/go-units HumanSizeWithPrecision(size, @precision): decimal units, %.*g */
char *human_size_prec(double size, int precision)
{
	static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
	size_t i = 0;

	while (size >= 1000 && i < ARRAY_SIZE(units) - 1) {
		size /= 1000;
		i++;
	}
	return xasprintf("%.*g%s", precision, size, units[i]);
}

char *human_size(double size)
{
	return human_size_prec(size, 3);
}

/* docker's --since/--until: RFC 3339 (date or date-time), Unix seconds, or a Go duration ago. */
int cli_parse_time(const char *v, double *ret)
{
	struct timespec now;
	char *end;
	double total = 0;
	const char *p = v;

	clock_gettime(CLOCK_REALTIME, &now);
	if (strchr(v, '-') && strchr(v, 'T')) {
		*ret = time_parse_rfc3339(v);
		return *ret > 0 ? 0 : -EINVAL;
	}
	if (strlen(v) == 10 && v[4] == '-' && v[7] == '-') {
		_cleanup_free_ char *full = xasprintf("%sT00:00:00Z", v);
		*ret = time_parse_rfc3339(full);
		return *ret > 0 ? 0 : -EINVAL;
	}
	*ret = strtod(v, &end);
	if (*v && !*end)
		return 0;
	/* a duration: 1h30m, 10m, 5s, 250ms */
	while (*p) {
		double n = strtod(p, &end);
		if (end == p)
			return -EINVAL;
		if (startswith(end, "ms"))
			n /= 1000, end += 2;
		else if (*end == 'h')
			n *= 3600, end++;
		else if (*end == 'm')
			n *= 60, end++;
		else if (*end == 's')
			end++;
		else
			return -EINVAL;
		total += n;
		p = end;
	}
	*ret = (double) now.tv_sec + now.tv_nsec / 1e9 - total;
	return 0;
}

const char *short_id(const char *id)
{
	static char buf[13];

	if (startswith(id, "sha256:"))
		id += 7;
	snprintf(buf, sizeof(buf), "%s", id);
	return buf;
}

struct table {
	size_t ncols, nrows;
	char **cells;
};

struct table *table_new(size_t ncols)
{
	struct table *t = xcalloc(1, sizeof(*t));
	t->ncols = ncols;
	return t;
}

void table_add(struct table *t, ...)
{
	va_list ap;

	t->cells = xrealloc(t->cells, (t->nrows + 1) * t->ncols * sizeof(char *));
	va_start(ap, t);
	for (size_t i = 0; i < t->ncols; i++) {
		const char *s = va_arg(ap, const char *);
		t->cells[t->nrows * t->ncols + i] = xstrdup(s ? s : "");
	}
	va_end(ap);
	t->nrows++;
}

void table_add_strv(struct table *t, char *const *cells)
{
	size_t n = strv_length(cells);

	t->cells = xrealloc(t->cells, (t->nrows + 1) * t->ncols * sizeof(char *));
	for (size_t i = 0; i < t->ncols; i++)
		t->cells[t->nrows * t->ncols + i] = xstrdup(i < n ? cells[i] : "");
	t->nrows++;
}

/* docker/cli formatter: tabwriter.NewWriter(out, 10, 1, 3, ' ', 0): cells padded by 3, at least 10
 * wide */
/* display width: UTF-8 continuation bytes take no column */
static size_t width(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char) *s & 0xc0) != 0x80)
			n++;
	return n;
}

void table_print(struct table *t, FILE *f)
{
	_cleanup_free_ size_t *w = xcalloc(t->ncols, sizeof(size_t));

	for (size_t r = 0; r < t->nrows; r++)
		for (size_t c = 0; c < t->ncols; c++) {
			size_t l = width(t->cells[r * t->ncols + c]);
			if (l > w[c])
				w[c] = l;
		}
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * t->ncols + c];
			if (c + 1 < t->ncols) {
				size_t pad = (w[c] + 3 < 10 ? 10 : w[c] + 3) - width(s);
				fprintf(f, "%s%*s", s, (int) pad, "");
			} else
				fprintf(f, "%s", s);
		}
		fputc('\n', f);
	}
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

bool cli_ip_valid(const char *s)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

bool cli_dns_search_valid(const char *s)
{
	size_t len = strlen(s), label = 0;
	bool letter = false;

	if (streq(s, "."))
		return true;
	if (len && s[len - 1] == '.')
		len--;
	if (len == 0 || len >= 255)
		return false;
	for (size_t i = 0; i <= len; i++) {
		char c = i < len ? s[i] : '.';

		if (c == '.') {
			/* a label: alphanumerics, hyphens inside only */
			if (label == 0 || s[i - label] == '-' || s[i - 1] == '-')
				return false;
			label = 0;
		} else if (isalnum((unsigned char) c) || c == '-') {
			letter |= isalpha((unsigned char) c);
			label++;
		} else {
			return false;
		}
	}
	return letter;
}

int cli_add_host_check(const char *cmd, const char *arg)
{
	const char *sep = strchr(arg, ':');
	struct in_addr ia;

	if (!sep || sep == arg ||
	    (!streq(sep + 1, "host-gateway") && inet_pton(AF_INET, sep + 1, &ia) != 1))
		return cli_flag_error(cmd, "--add-host", arg, "invalid IP address in add-host");
	return 0;
}
