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
