/* SPDX-License-Identifier: MIT */
/* The store's event journal (events.h). */
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "util/events.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/macros.h"
#include "util/strbuf.h"

#define JOURNAL	    "events.log"
#define JOURNAL_OLD "events.log.1"

int64_t events_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* the journal for appending: a regular file only (never a link, a FIFO or a device) */
static int journal_open(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK,
		      0600);
	struct stat st;

	if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* rename a full journal away, unless another writer just did */
static int journal_rotate(const char *root, int fd)
{
	_cleanup_free_ char *path = path_join(root, JOURNAL);
	_cleanup_free_ char *old = path_join(root, JOURNAL_OLD);
	struct stat a, b;
	int nfd;

	if (flock(fd, LOCK_EX) < 0)
		return fd;
	if (fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino &&
	    a.st_dev == b.st_dev && a.st_size >= (off_t) EVENTS_MAX_BYTES &&
	    rename(path, old) < 0) {
		/* something that is not the old journal is in the way: the journal starts
		 * again rather than growing without bound */
		(void) unlink(path);
	}
	nfd = journal_open(path);
	(void) flock(fd, LOCK_UN);
	if (nfd < 0)
		return fd;
	close(fd);
	return nfd;
}

void events_emit(const char *root, const char *type, const char *action, const char *id,
		 json_t *attrs)
{
	_cleanup_free_ char *path = path_join(root, JOURNAL);
	_cleanup_free_ char *line = NULL;
	json_t *ev = json_object(), *actor = json_object();
	int64_t ns = events_now_ns();
	bool legacy = streq(type, "container") || streq(type, "image");
	struct stat st;
	int fd;

	if (!attrs)
		attrs = json_object();
	if (legacy) {
		json_object_set_new(ev, "status", json_string(action));
		json_object_set_new(ev, "id", json_string(id));
		if (streq(type, "container") && json_get_str(attrs, "image"))
			json_object_set_new(ev, "from", json_string(json_get_str(attrs, "image")));
	}
	json_object_set_new(ev, "Type", json_string(type));
	json_object_set_new(ev, "Action", json_string(action));
	json_object_set_new(actor, "ID", json_string(id));
	json_object_set_new(actor, "Attributes", attrs);
	json_object_set_new(ev, "Actor", actor);
	json_object_set_new(ev, "scope", json_string("local"));
	json_object_set_new(ev, "time", json_integer(ns / 1000000000));
	json_object_set_new(ev, "timeNano", json_integer(ns));
	line = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(ev);
	if (!line)
		return;
	fd = journal_open(path);
	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 && st.st_size + (off_t) strlen(line) >= (off_t) EVENTS_MAX_BYTES)
		fd = journal_rotate(root, fd);
	{
		/* one write: O_APPEND keeps concurrent writers' lines whole */
		_cleanup_free_ char *nl = xasprintf("%s\n", line);
		(void) write_all(fd, nl, strlen(nl));
	}
	close(fd);
}

struct reader {
	int fd;
	ino_t ino;
	struct strbuf pending; /* a line not yet ended */
};

/* hand every complete line read from r->fd to @fn; 1 when something was read */
static int drain(struct reader *r, int64_t since_ns, int64_t until_ns, int (*fn)(json_t *, void *),
		 void *userdata, bool *ret_read)
{
	char buf[65536];
	ssize_t n;

	*ret_read = false;
	while ((n = read(r->fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		*ret_read = true;
		(void) strbuf_add(&r->pending, buf, (size_t) n);
		for (;;) {
			const char *s = strbuf_cstr(&r->pending);
			const char *eol = memchr(s, '\n', r->pending.len);
			json_t *ev;
			int64_t t;
			int rc = 0;
			size_t used;

			if (!eol)
				break;
			used = (size_t) (eol - s) + 1;
			ev = json_loadb(s, used - 1, 0, NULL);
			if (json_is_object(ev)) {
				t = (int64_t) json_integer_value(json_object_get(ev, "timeNano"));
				if (t >= since_ns && (until_ns <= 0 || t < until_ns))
					rc = fn(ev, userdata);
			}
			json_decref(ev);
			memmove(r->pending.buf, r->pending.buf + used, r->pending.len - used);
			r->pending.len -= used;
			r->pending.buf[r->pending.len] = '\0';
			if (rc)
				return rc;
		}
	}
	return 0;
}

static int reader_open(struct reader *r, const char *path)
{
	struct stat st;

	r->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (r->fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (fstat(r->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		/* not a journal hull wrote: read as empty, never waited on (a FIFO) */
		close(r->fd);
		r->fd = -1;
		return 0;
	}
	r->ino = st.st_ino;
	return 0;
}

int events_for_each(const char *root, int64_t since_ns, int64_t until_ns, bool follow,
		    int (*fn)(json_t *ev, void *userdata), void *userdata)
{
	_cleanup_free_ char *path = path_join(root, JOURNAL);
	_cleanup_free_ char *old = path_join(root, JOURNAL_OLD);
	struct reader r = {.fd = -1, .pending = STRBUF_INIT};
	int ino_fd = -1, rc;
	bool got;

	/* the older file first, unless everything asked for is newer than it */
	rc = reader_open(&r, old);
	if (rc == 0 && r.fd >= 0) {
		rc = drain(&r, since_ns, until_ns, fn, userdata, &got);
		close(r.fd);
		r.fd = -1;
		strbuf_reset(&r.pending);
	}
	if (rc == 0 && follow) {
		ino_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
		if (ino_fd >= 0 &&
		    inotify_add_watch(ino_fd, root, IN_MODIFY | IN_CREATE | IN_MOVED_TO) < 0) {
			close(ino_fd);
			ino_fd = -1;
		}
	}
	if (rc == 0)
		rc = reader_open(&r, path);
	while (rc == 0) {
		struct stat st;
		int64_t now;
		int wait_ms = 200;

		if (r.fd >= 0) {
			rc = drain(&r, since_ns, until_ns, fn, userdata, &got);
			if (rc)
				break;
		}
		if (!follow)
			break;
		/* rotated, or made since: read the new file from its start */
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    (r.fd < 0 || st.st_ino != r.ino)) {
			if (r.fd >= 0) {
				rc = drain(&r, since_ns, until_ns, fn, userdata, &got);
				close(r.fd);
				r.fd = -1;
				strbuf_reset(&r.pending);
				if (rc)
					break;
			}
			rc = reader_open(&r, path);
			continue;
		}
		now = events_now_ns();
		if (until_ns > 0) {
			if (now >= until_ns)
				break;
			if ((until_ns - now) / 1000000 < wait_ms)
				wait_ms = (int) ((until_ns - now) / 1000000) + 1;
		}
		if (ino_fd >= 0) {
			struct pollfd p = {.fd = ino_fd, .events = POLLIN};
			char buf[4096];

			if (poll(&p, 1, wait_ms) > 0)
				while (read(ino_fd, buf, sizeof(buf)) > 0)
					;
		} else {
			struct timespec ts = {0, (long) wait_ms * 1000000};
			nanosleep(&ts, NULL);
		}
	}
	if (r.fd >= 0)
		close(r.fd);
	if (ino_fd >= 0)
		close(ino_fd);
	strbuf_release(&r.pending);
	return rc;
}
