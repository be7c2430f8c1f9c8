/* SPDX-License-Identifier: MIT */
/*
 * Log drivers of a container (--log-driver, --log-opt: moby daemon/logger
 * jsonfilelog, local and loggerutils) and `logs` (moby daemon/logs.go):
 * the configuration checked at create, the file the monitor opens, and the
 * reader that walks the rotated files and the current one.
 */
#include <ctype.h>
#include <fcntl.h>
#include <poll.h>
#include <regex.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include "container/container.h"
#include "container/internal.h"
#include "container/logread.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/strv.h"
#include "util/units.h"

/* what HostConfig.LogConfig says, with the driver's defaults */
struct log_settings {
	const char *driver; /* "json-file", "local", "none" */
	int64_t max_size;   /* -1: no rotation */
	int max_file;
	bool compress;
};

static const char *const json_file_keys[] = {"max-file",  "max-size",	  "compress",
					     "labels",	  "labels-regex", "env",
					     "env-regex", "tag",	  NULL};
static const char *const local_keys[] = {"max-file", "max-size", "compress", NULL};

/* drivers docker has that hull does not */
static const char *const other_drivers[] = {"syslog",	  "journald", "gelf",	 "fluentd",
					    "awslogs",	  "splunk",   "etwlogs", "gcplogs",
					    "logentries", NULL};

/* Go's strconv.Atoi on @s: 0, or -EINVAL/-ERANGE */
static int go_atoi(const char *s, long long *ret)
{
	char *end;
	long long v;

	if (!*s || isspace((unsigned char) *s))
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE)
		return -ERANGE;
	*ret = v;
	return 0;
}

/* Go's strconv.ParseBool: 1 (true), 0 (false) or -EINVAL */
static int go_parse_bool(const char *s)
{
	static const char *const t[] = {"1", "t", "T", "TRUE", "true", "True", NULL};
	static const char *const f[] = {"0", "f", "F", "FALSE", "false", "False", NULL};

	if (strv_contains((char **) t, s))
		return 1;
	if (strv_contains((char **) f, s))
		return 0;
	return -EINVAL;
}

static const char *go_num_error(int r)
{
	return r == -ERANGE ? "value out of range" : "invalid syntax";
}

/*
 * The settings of a json-file or local LogConfig.Config @cfg, checked as the
 * drivers' New() checks them; errors in docker's words without the
 * "failed to initialize logging driver: " prefix.
 */
static int log_settings_parse(const char *driver, json_t *cfg, struct log_settings *ret,
			      struct hull_err **err)
{
	bool local = streq(driver, "local");
	const char *ms = json_get_str(cfg, "max-size"), *mf = json_get_str(cfg, "max-file");
	const char *cz = json_get_str(cfg, "compress");
	struct log_settings s = {driver, -1, 1, false};
	long long n;
	uint64_t size;
	int r;

	if (local)
		s = (struct log_settings){driver, 20 * 1000 * 1000, 5, true};
	if (streq(driver, "none")) {
		*ret = s;
		return 0;
	}
	if (ms) {
		r = units_from_human_size(ms, &size);
		if (r < 0 && local)
			return err_setx(err, EINVAL,
					"invalid value for max-size: %s: invalid size: '%s'", ms,
					ms);
		if (r < 0)
			return err_setx(err, EINVAL, "invalid size: '%s'", ms);
		if (!local && size == 0)
			return err_setx(err, EINVAL, "max-size must be a positive number");
		s.max_size = (int64_t) size;
	}
	if (mf) {
		r = go_atoi(mf, &n);
		if (r < 0 && local)
			return err_setx(
				err, EINVAL,
				"invalid value for max-file: %s: strconv.Atoi: parsing \"%s\": %s",
				mf, mf, go_num_error(r));
		if (r < 0)
			return err_setx(err, EINVAL, "strconv.Atoi: parsing \"%s\": %s", mf,
					go_num_error(r));
		if (local && n < 0)
			return err_setx(err, EINVAL, "max file count cannot be less than 0");
		if (!local && n < 1)
			return err_setx(err, EINVAL, "max-file cannot be less than 1");
		if (n > 100000)
			return err_setx(err, EINVAL,
					"max-file %lld: hull keeps at most 100000 files", n);
		s.max_file = (int) n;
	}
	if (cz) {
		r = go_parse_bool(cz);
		if (r < 0 && local)
			return err_setx(
				err, EINVAL,
				"error reading compress log option: strconv.ParseBool: parsing "
				"\"%s\": invalid syntax",
				cz);
		if (r < 0)
			return err_setx(err, EINVAL,
					"strconv.ParseBool: parsing \"%s\": invalid syntax", cz);
		s.compress = r;
	}
	if (local && s.compress && s.max_file <= 1)
		return err_setx(err, EINVAL,
				"compression cannot be enabled when max file count is 1");
	if (!local && s.compress && (s.max_file == 1 || s.max_size < 0))
		return err_setx(
			err, EINVAL,
			"compress cannot be true when max-file is less than 2 or max-size is "
			"not set");
	*ret = s;
	return 0;
}

/*
 * docker's log tag (loggerutils.ParseLogTag): @tmpl with {{.ID}},
 * {{.FullID}}, {{.Name}}, {{.ImageID}}, {{.ImageFullID}}, {{.ImageName}} and
 * {{.DaemonName}} replaced by @c's into *@ret; with @c NULL only checked.
 * The rest of Go's templates is refused (NEEDSWORK: the engine of --format).
 */
static int log_tag_render(const char *tmpl, struct container *c, char **ret, struct hull_err **err)
{
	const char *image_id = c ? json_get_str(c->rec, "Image") : NULL;
	const char *name = c ? json_get_str(c->rec, "Name") : NULL;
	struct strbuf sb = STRBUF_INIT;
	const char *p = tmpl;

	if (image_id && strchr(image_id, ':'))
		image_id = strchr(image_id, ':') + 1;
	while (*p) {
		static const char *const fields[] = {
			".ID",		".FullID",    ".Name",	     ".ImageID",
			".ImageFullID", ".ImageName", ".DaemonName", NULL};
		const char *open = strstr(p, "{{"), *close, *a, *b, *v = "";
		size_t k, f;
		if (!open) {
			(void) strbuf_adds(&sb, p);
			break;
		}
		(void) strbuf_add(&sb, p, (size_t) (open - p));
		close = strstr(open + 2, "}}");
		if (!close) {
			strbuf_release(&sb);
			return err_setx(err, EINVAL, "template: log-tag:1: unclosed action");
		}
		for (a = open + 2; a < close && *a == ' '; a++)
			;
		for (b = close; b > a && b[-1] == ' '; b--)
			;
		k = (size_t) (b - a);
		for (f = 0; fields[f]; f++)
			if (strlen(fields[f]) == k && memcmp(a, fields[f], k) == 0)
				break;
		if (!fields[f]) {
			strbuf_release(&sb);
			return err_setx(err, EINVAL,
					"template: log-tag: %.*s: hull's log tags take {{.ID}}, "
					"{{.FullID}}, {{.Name}}, {{.ImageID}}, {{.ImageFullID}}, "
					"{{.ImageName}} and {{.DaemonName}} only",
					(int) (close + 2 - open), open);
		}
		if (c && (f == 0 || f == 1))
			v = c->id;
		else if (c && f == 2)
			v = name ? (*name == '/' ? name + 1 : name) : "";
		else if (c && f == 3)
			v = image_id ? image_id : "";
		else if (c && f == 4)
			v = json_get_str(c->rec, "Image") ?: "";
		else if (c && f == 5)
			v = json_get_str(json_object_get(c->rec, "Config"), "Image") ?: "";
		else if (f == 6)
			v = "docker"; /* docker's, for the pipelines that match on it */
		/* .ID and .ImageID are docker's short ids */
		(void) strbuf_add(&sb, v, (f == 0 || f == 3) && strlen(v) > 12 ? 12 : strlen(v));
		p = close + 2;
	}
	if (ret)
		*ret = strbuf_detach(&sb, NULL);
	else
		strbuf_release(&sb);
	return 0;
}

/* a labels-regex or env-regex: POSIX extended, which takes Go's usual patterns */
static int log_regex_compile(const char *re, regex_t *ret, struct hull_err **err)
{
	int r = regcomp(ret, re, REG_EXTENDED | REG_NOSUB);

	if (r != 0) {
		char msg[256];
		regerror(r, ret, msg, sizeof(msg));
		return err_setx(err, EINVAL, "error parsing regexp: %s: `%s`", msg, re);
	}
	return 0;
}

/* copy to @attrs the members of @from named in the comma-separated @names */
static void attrs_pick(json_t *attrs, json_t *from, const char *names)
{
	_cleanup_free_ char *copy = xstrdup(names);
	char *save = NULL;

	for (char *n = strtok_r(copy, ",", &save); n; n = strtok_r(NULL, ",", &save))
		if (json_is_string(json_object_get(from, n)))
			json_object_set(attrs, n, json_object_get(from, n));
}

/* copy to @attrs the members of @from whose key matches @re */
static void attrs_match(json_t *attrs, json_t *from, const char *re)
{
	regex_t rx;
	const char *k;
	json_t *v;

	if (log_regex_compile(re, &rx, NULL) < 0)
		return;
	json_object_foreach (from, k, v)
		if (json_is_string(v) && regexec(&rx, k, 0, NULL, 0) == 0)
			json_object_set(attrs, k, v);
	regfree(&rx);
}

/*
 * The "attrs" of @c's json-file records as a JSON object's text, keys
 * sorted (docker's Info.ExtraAttributes and tag): the labels named by
 * labels or matching labels-regex, the environment variables named by env
 * or matching env-regex, the tag; NULL when there are none.
 */
static char *log_attrs_of(struct container *c, json_t *opts)
{
	json_t *cfg = json_object_get(c->rec, "Config"), *labels = json_object_get(cfg, "Labels");
	_cleanup_json_ json_t *attrs = json_object(), *env = json_object();
	const char *v;
	json_t *jv;
	size_t i;

	if ((v = json_get_str(opts, "labels")) && *v)
		attrs_pick(attrs, labels, v);
	if ((v = json_get_str(opts, "labels-regex")) && *v)
		attrs_match(attrs, labels, v);
	json_array_foreach (json_object_get(cfg, "Env"), i, jv) {
		const char *e = json_string_value(jv), *eq = e ? strchr(e, '=') : NULL;
		if (eq) {
			_cleanup_free_ char *name = xstrndup(e, (size_t) (eq - e));
			json_object_set_new(env, name, json_string(eq + 1));
		}
	}
	if ((v = json_get_str(opts, "env")) && *v)
		attrs_pick(attrs, env, v);
	if ((v = json_get_str(opts, "env-regex")) && *v)
		attrs_match(attrs, env, v);
	if ((v = json_get_str(opts, "tag")) && *v) {
		_cleanup_free_ char *tag = NULL;
		if (log_tag_render(v, c, &tag, NULL) == 0 && *tag)
			json_object_set_new(attrs, "tag", json_string(tag));
	}
	if (!json_object_size(attrs))
		return NULL;
	return json_dumps(attrs, JSON_COMPACT | JSON_SORT_KEYS);
}

int container_log_config(const char *driver, char *const *opts, json_t **ret, struct hull_err **err)
{
	_cleanup_json_ json_t *cfg = json_object();
	const char *const *keys;
	struct log_settings s;
	int r;

	if (isempty(driver))
		driver = "json-file"; /* the daemon's default */
	for (char *const *o = opts; o && *o; o++) {
		const char *eq = strchr(*o, '=');
		_cleanup_free_ char *k = eq ? xstrndup(*o, (size_t) (eq - *o)) : xstrdup(*o);
		json_object_set_new(cfg, k, json_string(eq ? eq + 1 : ""));
	}
	if (streq(driver, "none")) {
		if (json_object_size(cfg))
			return err_setx(err, EINVAL, "invalid logging opts for driver none");
	} else if (streq(driver, "json-file") || streq(driver, "local")) {
		const char *k;
		json_t *v;
		keys = streq(driver, "local") ? local_keys : json_file_keys;
		json_object_foreach (cfg, k, v) {
			if (strv_contains((char **) keys, k))
				continue;
			if (streq(driver, "local"))
				return err_setx(err, EINVAL,
						"unknown log opt '%s' for log driver local", k);
			return err_setx(err, EINVAL,
					"unknown log opt '%s' for json-file log driver", k);
		}
		r = log_settings_parse(driver, cfg, &s, err);
		for (const char *const *rk =
			     (const char *const[]){"labels-regex", "env-regex", NULL};
		     r == 0 && *rk; rk++) {
			regex_t re;
			const char *v = json_get_str(cfg, *rk);
			if (v && *v && (r = log_regex_compile(v, &re, err)) == 0)
				regfree(&re);
		}
		if (r == 0 && json_get_str(cfg, "tag"))
			r = log_tag_render(json_get_str(cfg, "tag"), NULL, NULL, err);
		if (r < 0)
			return err_wrap(err, "failed to initialize logging driver");
	} else if (strv_contains((char **) other_drivers, driver)) {
		return err_setx(
			err, EOPNOTSUPP,
			"logging driver \"%s\" is not supported by hull: use json-file, local "
			"or none",
			driver);
	} else {
		return err_setx(err, EINVAL,
				"error looking up logging plugin %s: plugin \"%s\" not found",
				driver, driver);
	}
	*ret = json_pack("{s:s,s:O}", "Type", driver, "Config", cfg);
	return 0;
}

/* @c's driver and rotation; a record without LogConfig (older hull) is json-file's default */
static void log_settings_of(struct container *c, struct log_settings *ret)
{
	json_t *lc = json_object_get(json_object_get(c->rec, "HostConfig"), "LogConfig");
	const char *driver = json_get_str(lc, "Type");

	if (!driver || (!streq(driver, "local") && !streq(driver, "none")))
		driver = "json-file";
	if (log_settings_parse(driver, json_object_get(lc, "Config"), ret, NULL) < 0)
		*ret = (struct log_settings){driver, -1, 1, false};
}

/* the current log file of @c (NULL: driver none); caller frees */
static char *log_path_of(struct container *c, const struct log_settings *s)
{
	const char *p = json_get_str(c->rec, "LogPath");

	if (streq(s->driver, "none"))
		return NULL;
	if (streq(s->driver, "local"))
		return xasprintf("%s/local-logs/container.log", c->dir);
	return p && *p ? xstrdup(p) : xasprintf("%s/%s-json.log", c->dir, c->id);
}

void container_log_settings(struct container *c, struct log_file *lf)
{
	struct log_settings s;
	const char *exe = rt_exe_path();

	log_settings_of(c, &s);
	lf->format = streq(s.driver, "local") ? LOG_FORMAT_LOCAL : LOG_FORMAT_JSON;
	free(lf->path);
	lf->path = log_path_of(c, &s);
	lf->max_size = s.max_size;
	lf->max_file = s.max_file;
	lf->compress = s.compress;
	free(lf->compressor);
	lf->compressor = s.compress && exe ? xstrdup(exe) : NULL;
	free(lf->attrs);
	lf->attrs =
		lf->format == LOG_FORMAT_JSON
			? log_attrs_of(
				  c, json_object_get(
					     json_object_get(json_object_get(c->rec, "HostConfig"),
							     "LogConfig"),
					     "Config"))
			: NULL;
}

int container_log_open(struct container *c, struct log_file *lf)
{
	int fd;

	container_log_settings(c, lf);
	if (!lf->path)
		return 0; /* --log-driver none */
	if (lf->format == LOG_FORMAT_LOCAL) {
		_cleanup_free_ char *d = path_join(c->dir, "local-logs");
		if (mkdir(d, 0700) < 0 && errno != EEXIST)
			return -errno;
	}
	fd = open(lf->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	log_file_adopt(lf, fd);
	return 0;
}

int container_log_compress(const char *path, struct hull_err **err)
{
	return log_compress_file(path, err);
}

/* Output in blocks of about 64 KiB, flushed whenever the stream changes, so the order holds. */
struct log_out {
	int fd[2]; /* stdout, stderr */
	int cur;   /* the fd the buffer is for */
	struct strbuf sb;
};

static int out_flush(struct log_out *w)
{
	int r = 0;

	if (w->sb.len)
		r = write_all(w->cur, w->sb.buf, w->sb.len);
	strbuf_reset(&w->sb);
	return r;
}

/* One record as the options say: 0, 1 when it is past --until (stop there), or -errno. */
static int emit(struct log_out *w, const struct log_entry *e, const struct logs_opts *o)
{
	int fd = streq(e->stream, "stderr") ? w->fd[1] : w->fd[0];
	double when = (double) e->time_ns / 1e9;
	int r;

	if (o->since > 0 && when < o->since)
		return 0;
	if (o->until > 0 && when > o->until)
		return 1; /* docker's reader stops at the first record after --until */
	if (fd != w->cur) {
		r = out_flush(w);
		if (r < 0)
			return r;
		w->cur = fd;
	}
	if (o->timestamps) {
		(void) strbuf_adds(&w->sb, e->time);
		(void) strbuf_addch(&w->sb, ' ');
	}
	if (o->details) {
		(void) strbuf_adds(&w->sb, e->attrs ? e->attrs : "");
		(void) strbuf_addch(&w->sb, ' ');
	}
	(void) strbuf_add(&w->sb, e->line, e->len);
	return w->sb.len >= 65536 ? out_flush(w) : 0;
}

/* A log file to read: the current one or a rotated one. */
struct log_src {
	int fd;
	bool gz;
	int64_t start; /* the first byte to read (plain files) */
	uint64_t skip; /* records to pass over first (counted forwards) */
};

/* how many records @fd holds (up to @end for a plain file); -errno */
static int64_t count_records(int fd, enum log_format format, bool gz, int64_t end,
			     struct hull_err **err)
{
	struct log_reader lr;
	struct log_entry e;
	int64_t n = 0;
	int r;

	r = log_reader_open(&lr, format, fd, gz, 0, end, err);
	while (r >= 0 && (r = log_reader_next(&lr, &e, err)) > 0)
		n++;
	log_reader_release(&lr);
	return r < 0 ? r : n;
}

/*
 * Print the records of @src (from its start, past its skip) up to @limit
 * (-1: as far as there are any); *@stopped when one was past --until.
 * With @keep the reader stays open in it for following.
 */
static int print_src(struct log_src *src, enum log_format format, int64_t limit,
		     const struct logs_opts *o, struct log_out *w, struct log_reader *keep,
		     bool *stopped, struct hull_err **err)
{
	struct log_reader lr;
	struct log_entry e;
	uint64_t skip = src->skip;
	int r;

	r = log_reader_open(&lr, format, src->fd, src->gz, src->start, limit, err);
	while (r >= 0 && (r = log_reader_next(&lr, &e, err)) > 0) {
		if (skip) {
			skip--;
			continue;
		}
		r = emit(w, &e, o);
		if (r < 0)
			r = err_set(err, -r, "write logs");
		if (r != 0) {
			*stopped = r > 0;
			break;
		}
	}
	if (keep && r >= 0)
		*keep = lr;
	else
		log_reader_release(&lr);
	return r < 0 ? r : 0;
}

/*
 * Where the last @need records of @src (its first @end bytes, -1: all)
 * begin: set its start or skip and return how many it holds of them (all it
 * has when fewer).
 */
static int64_t tail_src(struct log_src *src, enum log_format format, uint64_t need, int64_t end,
			struct hull_err **err)
{
	int64_t found, stop, count;
	struct stat st;

	if (end < 0)
		end = fstat(src->fd, &st) == 0 ? st.st_size : 0;
	if (!src->gz) {
		found = log_tail_scan(src->fd, format, end, need, 0, &src->start, &stop);
		if (found != -EBADMSG)
			return found < 0 ? err_set(err, (int) -found, "read log") : found;
	}
	/* a gzipped file, or local records that cannot be walked back: count forwards */
	src->start = 0;
	count = count_records(src->fd, format, src->gz, src->gz ? -1 : end, err);
	if (count < 0)
		return count;
	src->skip = (uint64_t) count > need ? (uint64_t) count - need : 0;
	return (int64_t) ((uint64_t) count - src->skip);
}

static bool same_file(int fd, const struct stat *a)
{
	struct stat b;

	return fstat(fd, &b) == 0 && a->st_dev == b.st_dev && a->st_ino == b.st_ino;
}

/* The rotated files of @path, newest first, opened now; those already open (rotated meanwhile) are
 * left out. */
static void open_rotated(const char *path, int max_file, int cur_fd, struct log_src **ret,
			 size_t *n)
{
	char name[4096];

	for (int i = 1; i < max_file; i++) {
		struct stat st;
		int fd = -1;
		bool gz = false, dup = false;

		if (log_file_rotated_name(name, sizeof(name), path, i, false))
			fd = open(name, O_RDONLY | O_CLOEXEC);
		if (fd < 0 && log_file_rotated_name(name, sizeof(name), path, i, true)) {
			fd = open(name, O_RDONLY | O_CLOEXEC);
			gz = true;
		}
		if (fd < 0)
			continue;
		if (fstat(fd, &st) == 0) {
			dup = cur_fd >= 0 && same_file(cur_fd, &st);
			for (size_t k = 0; k < *n && !dup; k++)
				dup = same_file((*ret)[k].fd, &st);
		}
		if (dup) {
			close(fd);
			continue;
		}
		*ret = xrealloc(*ret, (*n + 1) * sizeof(**ret));
		(*ret)[(*n)++] = (struct log_src){fd, gz, 0, 0};
	}
}

/* Print what @lr has now: 0, 1 when a record was past --until, or -errno with *@err set. */
static int drain(struct log_reader *lr, struct log_out *w, const struct logs_opts *o,
		 struct hull_err **err)
{
	struct log_entry e;
	int r;

	while ((r = log_reader_next(lr, &e, err)) > 0) {
		r = emit(w, &e, o);
		if (r < 0)
			return err_set(err, -r, "write logs");
		if (r > 0)
			return 1;
	}
	return r;
}

/* PATH.@i (uncompressed) is the file of @fd */
static bool rotated_is(const char *path, int i, int fd)
{
	char name[4096];
	struct stat st;

	if (i == 0)
		return stat(path, &st) == 0 && same_file(fd, &st);
	return log_file_rotated_name(name, sizeof(name), path, i, false) && stat(name, &st) == 0 &&
	       same_file(fd, &st);
}

/*
 * After a rotation seen late, under the directory's lock: open the rotated
 * files between @old_fd's, which became PATH.K, and @new_fd's (the current
 * file): PATH.K-1 ... PATH.1, which the follower would otherwise skip, into
 * *@ret (oldest first; *@n of them). Files are known by their inode, so
 * only uncompressed ones: with compress, what lies between is not found, as
 * with docker's follower.
 */
static void open_between(const char *path, int max_file, int old_fd, int **ret, size_t *n)
{
	char name[4096];
	int k = 0;

	*n = 0;
	for (int i = 2; i < max_file && !k; i++)
		if (rotated_is(path, i, old_fd))
			k = i;
	if (k < 2)
		return;
	*ret = xrealloc(*ret, (size_t) (k - 1) * sizeof(**ret));
	for (int i = k - 1; i >= 1; i--) {
		int fd = -1;
		if (log_file_rotated_name(name, sizeof(name), path, i, false))
			fd = open(name, O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			(*ret)[(*n)++] = fd;
	}
}

/*
 * Whether more may be logged: the container runs (or restarts), or its
 * monitor is still at work. The process alone is not enough: once it has
 * exited, its monitor still drains the pipes into the log (and rotates it),
 * and records the exit only then.
 */
static bool still_running(struct container *c)
{
	json_t *hull;

	if (container_reload(c, NULL) < 0)
		return false;
	hull = json_object_get(c->rec, "Hull");
	if (c->state.status == CONTAINER_RESTARTING || container_is_running(c))
		return true;
	return container_state_running(&c->state) &&
	       container_pid_alive((pid_t) json_integer_value(json_object_get(hull, "MonitorPid")));
}

int container_logs(struct container *c, bool follow, int out_fd, int err_fd, struct hull_err **err)
{
	struct logs_opts o = {.follow = follow, .tail = -1};
	return container_logs_ex(c, &o, out_fd, err_fd, err);
}

int container_logs_ex(struct container *c, const struct logs_opts *o, int out_fd, int err_fd,
		      struct hull_err **err)
{
	struct log_settings s;
	_cleanup_free_ char *path = NULL;
	_cleanup_free_ struct log_src *rot = NULL;
	struct log_src cur = {-1, false, 0, 0};
	struct log_out w = {{out_fd, err_fd}, out_fd, STRBUF_INIT};
	struct log_reader lr = {.buf = NULL};
	size_t n_rot = 0, used = 0;
	bool stopped = false, have_reader = false, running = true;
	int64_t cur_end = 0, checked_ms = 0;
	enum log_format format;
	int r = 0, ifd = -1;

	log_settings_of(c, &s);
	path = log_path_of(c, &s);
	if (!path)
		return err_setx(err, EOPNOTSUPP,
				"configured logging driver does not support reading");
	format = streq(s.driver, "local") ? LOG_FORMAT_LOCAL : LOG_FORMAT_JSON;

	{
		/* the current file and the rotated ones as one rotation left them */
		int dfd = log_file_lock_dir(path, false), e;
		cur.fd = open(path, O_RDONLY | O_CLOEXEC);
		e = errno;
		if (o->tail != 0)
			open_rotated(path, s.max_file, cur.fd, &rot, &n_rot);
		log_file_unlock_dir(dfd);
		if (cur.fd < 0 && e != ENOENT)
			return err_set(err, e, "open log '%s'", path);
	}
	if (cur.fd >= 0) {
		struct stat st;
		if (fstat(cur.fd, &st) == 0)
			cur_end = st.st_size;
	}
	used = n_rot;
	if (o->tail > 0) {
		/* newest first, until the files hold N records: docker's tail, then the filters */
		uint64_t need = (uint64_t) o->tail;
		int64_t found = 0;
		if (cur.fd >= 0) {
			found = tail_src(&cur, format, need, cur_end, err);
			if (found < 0) {
				r = (int) found;
				goto out;
			}
		}
		need -= (uint64_t) found;
		for (used = 0; used < n_rot && need; used++) {
			found = tail_src(&rot[used], format, need, -1, err);
			if (found < 0) {
				r = (int) found;
				goto out;
			}
			need -= (uint64_t) found;
		}
	} else if (o->tail == 0 && cur.fd >= 0) {
		/* only what comes next (-f), from the end of the last complete record */
		int64_t stop;
		r = (int) log_tail_scan(cur.fd, format, cur_end, 0, 0, &cur.start, &stop);
		if (r < 0)
			cur.start = cur_end; /* local records being written: from the end */
		r = 0;
	}
	/* oldest first */
	for (size_t i = used; i-- > 0 && !stopped;) {
		r = print_src(&rot[i], format, -1, o, &w, NULL, &stopped, err);
		if (r < 0)
			goto out;
	}
	if (cur.fd >= 0 && !stopped) {
		r = print_src(&cur, format, -1, o, &w, &lr, &stopped, err);
		if (r < 0)
			goto out;
		have_reader = true;
	}
	if (o->follow) {
		/* woken by the writes (and renames) in the log's directory, not only by a timer */
		_cleanup_free_ char *dir = xstrdup(path);
		*strrchr(dir, '/') = '\0';
		ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (ifd >= 0 && inotify_add_watch(ifd, dir,
						  IN_MODIFY | IN_CREATE | IN_MOVED_FROM |
							  IN_MOVED_TO | IN_DELETE) < 0) {
			close(ifd);
			ifd = -1;
		}
	}
	while (o->follow && !stopped) {
		struct timespec now;
		struct stat st;
		int64_t ms;

		r = out_flush(&w);
		if (r < 0) {
			r = err_set(err, -r, "write logs");
			goto out;
		}
		clock_gettime(CLOCK_REALTIME, &now);
		if (o->until > 0 && (double) now.tv_sec > o->until)
			break;
		/* whether it runs, known before the last read, so nothing logged before the exit is
		 * missed; at most every 50 ms, as a busy writer wakes us at every record */
		clock_gettime(CLOCK_MONOTONIC, &now);
		ms = (int64_t) now.tv_sec * 1000 + now.tv_nsec / 1000000;
		if (ms - checked_ms >= 50) {
			running = still_running(c);
			checked_ms = ms;
		}
		if (stat(path, &st) == 0 && (cur.fd < 0 || !same_file(cur.fd, &st))) {
			/* rotated (or created): what the old file got before the rename, the
			 * files in between if it rotated more than once meanwhile, then the new
			 * one from its start, as docker's follower does */
			_cleanup_free_ int *between = NULL;
			size_t n_between = 0;
			int dfd = log_file_lock_dir(path, false), fd;
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd >= 0 && cur.fd >= 0)
				open_between(path, s.max_file, cur.fd, &between, &n_between);
			log_file_unlock_dir(dfd);
			if (fd < 0) {
				r = 0;
				goto wait;
			}
			if (have_reader) {
				r = drain(&lr, &w, o, err);
				log_reader_release(&lr);
				have_reader = false;
			}
			for (size_t i = 0; i < n_between; i++) {
				struct log_src src = {between[i], false, 0, 0};
				if (r == 0 && !stopped)
					r = print_src(&src, format, -1, o, &w, NULL, &stopped, err);
				close(between[i]);
			}
			if (r != 0 || stopped) {
				close(fd);
				break;
			}
			if (cur.fd >= 0)
				close(cur.fd);
			cur = (struct log_src){fd, false, 0, 0};
			r = log_reader_open(&lr, format, cur.fd, false, 0, -1, err);
			if (r < 0)
				goto out;
			have_reader = true;
		} else if (have_reader && fstat(cur.fd, &st) == 0 &&
			   st.st_size < lr.pos + (int64_t) lr.len) {
			log_reader_restart(&lr); /* truncated: max-file 1 */
		}
		r = have_reader ? drain(&lr, &w, o, err) : 0;
		if (r != 0)
			break;
		if (!running) {
			/* done, unless the writer rotated again: the files after this one first */
			if (stat(path, &st) == 0 && !same_file(cur.fd, &st))
				continue;
			break;
		}
	wait:
		r = out_flush(&w);
		if (r < 0) {
			r = err_set(err, -r, "write logs");
			goto out;
		}
		if (ifd >= 0) {
			char ev[4096];
			struct pollfd pfd = {ifd, POLLIN, 0};
			if (poll(&pfd, 1, 50) > 0)
				while (read(ifd, ev, sizeof(ev)) > 0)
					;
		} else {
			nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
		}
	}
	if (r < 0)
		goto out;
	r = out_flush(&w);
	if (r < 0)
		r = err_set(err, -r, "write logs");
out:
	if (ifd >= 0)
		close(ifd);
	if (have_reader)
		log_reader_release(&lr);
	if (cur.fd >= 0)
		close(cur.fd);
	for (size_t i = 0; i < n_rot; i++)
		close(rot[i].fd);
	strbuf_release(&w.sb);
	if (r == -EPIPE) {
		/* `hull logs c | head`: the reader is gone, which is no error */
		if (err)
			*err = err_free(*err);
		return 0;
	}
	return r < 0 ? r : 0;
}
