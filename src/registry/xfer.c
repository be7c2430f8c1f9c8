/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <time.h>
#include "registry/xfer.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void xfer_progress(struct xfer_report *rep, const char *id, enum xfer_state state, int64_t done,
		   int64_t total)
{
	static __thread int64_t last;
	struct xfer_event ev = {.state = state, .id = id, .done = done, .total = total};

	if (!rep->fn)
		return;
	if ((state == XFER_PROGRESS || state == XFER_EXTRACTING) && done && done != total) {
		int64_t t = now_ms();
		if (t - last < 100)
			return;
		last = t;
	}
	pthread_mutex_lock(&rep->lock);
	rep->fn(rep->arg, &ev);
	pthread_mutex_unlock(&rep->lock);
}

void xfer_message(struct xfer_report *rep, const char *fmt, ...)
{
	_cleanup_free_ char *text = NULL;
	struct xfer_event ev = {.state = XFER_MESSAGE};
	va_list ap;

	if (!rep->fn)
		return;
	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	if (!text)
		return;
	ev.text = text;
	pthread_mutex_lock(&rep->lock);
	rep->fn(rep->arg, &ev);
	pthread_mutex_unlock(&rep->lock);
}

int xfer_strbuf_sink(void *arg, const void *data, size_t len)
{
	return strbuf_add(arg, data, len);
}

const char *xfer_state_text(enum xfer_state st, bool push)
{
	switch (st) {
	case XFER_WAITING:
		return push ? "Preparing" : "Pulling fs layer";
	case XFER_QUEUED:
		return "Waiting";
	case XFER_EXISTS:
		return push ? "Layer already exists" : "Already exists";
	case XFER_MOUNTED:
		return "Mounted from";
	case XFER_PROGRESS:
		return push ? "Pushing" : "Downloading";
	case XFER_VERIFYING:
		return "Verifying Checksum";
	case XFER_DOWNLOADED:
		return "Download complete";
	case XFER_EXTRACTING:
		return "Extracting";
	case XFER_COMPLETE:
		return push ? "Pushed" : "Pull complete";
	case XFER_MESSAGE:
		break;
	}
	return "";
}

char *xfer_event_line(const struct xfer_event *ev, bool push)
{
	if (ev->state == XFER_MESSAGE)
		return xstrdup(ev->text);
	if (ev->state == XFER_PROGRESS || ev->state == XFER_EXTRACTING)
		return NULL;
	return xasprintf("%s: %s%s%s", ev->id, xfer_state_text(ev->state, push),
			 ev->text ? " " : "", ev->text ?: "");
}

struct pool {
	int (*fn)(void *arg, size_t i, struct hull_err **err);
	void *arg;
	size_t n, next;
	size_t *order; /* job indexes in start order */
	int failed;
	struct hull_err *err;
	pthread_mutex_t lock;
};

void xfer_order(size_t n, const int64_t *sizes, size_t *order)
{
	/* insertion sort, stable: n is a manifest's layer count */
	for (size_t i = 0; i < n; i++) {
		size_t j = i;
		for (; j > 0 && sizes && sizes[order[j - 1]] < sizes[i]; j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
}

static void *pool_worker(void *arg)
{
	struct pool *p = arg;

	for (;;) {
		struct hull_err *e = NULL;
		size_t i;
		int r;

		pthread_mutex_lock(&p->lock);
		i = p->next;
		if (!p->failed && i < p->n)
			p->next++;
		pthread_mutex_unlock(&p->lock);
		if (p->failed || i >= p->n)
			return NULL;
		r = p->fn(p->arg, p->order[i], &e);
		if (r < 0) {
			pthread_mutex_lock(&p->lock);
			if (!p->failed) {
				p->failed = r;
				p->err = TAKE_PTR(e);
			}
			pthread_mutex_unlock(&p->lock);
			err_free(e);
			return NULL;
		}
	}
}

int xfer_pool_run(size_t threads, size_t n, const int64_t *sizes,
		  int (*fn)(void *arg, size_t i, struct hull_err **err), void *arg,
		  struct hull_err **err)
{
	struct pool p = {.fn = fn, .arg = arg, .n = n};
	_cleanup_free_ pthread_t *th = xcalloc(threads + 1, sizeof(*th));
	_cleanup_free_ size_t *order = xcalloc(n + 1, sizeof(*order));
	size_t started = 0;

	if (n == 0)
		return 0;
	xfer_order(n, sizes, order);
	p.order = order;
	pthread_mutex_init(&p.lock, NULL);
	for (; started < threads && started < n; started++)
		if (pthread_create(&th[started], NULL, pool_worker, &p) != 0)
			break;
	if (started == 0) {
		pthread_mutex_destroy(&p.lock);
		return err_set(err, EAGAIN, "start a transfer thread");
	}
	for (size_t i = 0; i < started; i++)
		(void) pthread_join(th[i], NULL);
	pthread_mutex_destroy(&p.lock);
	if (p.failed) {
		*err = p.err;
		return p.failed;
	}
	return 0;
}
