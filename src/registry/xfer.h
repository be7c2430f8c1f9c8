/* SPDX-License-Identifier: MIT */
/* Progress reports shared by pull and push (registry/pull.h); internal to registry/. */
#ifndef HULL_REGISTRY_XFER_H
#define HULL_REGISTRY_XFER_H

#include <pthread.h>
#include "registry/pull.h"
#include "util/strbuf.h"

struct xfer_report {
	xfer_progress_fn fn; /* NULL: nothing is reported */
	void *arg;
	pthread_mutex_t lock; /* held while @fn runs: reports never overlap */
};

/*
 * xfer_progress() - report @state of layer @id; XFER_PROGRESS and
 * XFER_EXTRACTING reports are sent at most every 100 ms per caller thread,
 * plus the first (@done 0) and the last (@done == @total).
 */
void xfer_progress(struct xfer_report *rep, const char *id, enum xfer_state state, int64_t done,
		   int64_t total);
/* xfer_message() - report a line of text. */
void xfer_message(struct xfer_report *rep, const char *fmt, ...) _printf_(2, 3);
/*
 * xfer_order() - fill @order (@n entries, caller's) with the indexes of
 * @sizes (@n byte counts, or NULL for index order) largest first, ties in
 * index order: the order xfer_pool_run() starts its jobs in.
 */
void xfer_order(size_t n, const int64_t *sizes, size_t *order);
/*
 * xfer_pool_run() - call @fn(@arg, i, err) for every i in [0, @n) by up to
 * @threads threads (docker's concurrent downloads and uploads). @sizes, if
 * not NULL, holds @n byte counts, and the jobs start largest first (ties in
 * index order): the biggest blob, which bounds the whole transfer, never
 * waits for a free thread behind small ones, whatever order the manifest
 * lists them in. NULL: in index order. After the first failure no more jobs
 * start; the running ones finish. 0, or the first failure's negative errno
 * with its message in *@err. @fn must be safe to run in several threads at
 * once.
 */
int xfer_pool_run(size_t threads, size_t n, const int64_t *sizes,
		  int (*fn)(void *arg, size_t i, struct hull_err **err), void *arg,
		  struct hull_err **err);
/* xfer_strbuf_sink() - a reg_sink_fn that appends to the struct strbuf @arg (its max applies). */
int xfer_strbuf_sink(void *arg, const void *data, size_t len);

#endif
