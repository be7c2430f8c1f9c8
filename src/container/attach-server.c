/* SPDX-License-Identifier: MIT */
/*
 * The monitor's side of the attach socket (attach.h): frames, clients,
 * broadcast. No jansson and no stdio, so that the static hull-monitor links
 * it (docs/internals/container.md "Monitor").
 */
#include <sys/socket.h>
#include <sys/time.h>
#include "container/attach.h"
#include "util/fs.h"

int attach_frame_send(int fd, int type, const void *data, size_t len)
{
	uint8_t h[ATTACH_HEADER_LEN];
	uint32_t l = (uint32_t) len;

	h[0] = (uint8_t) type;
	memcpy(h + 1, &l, sizeof(l));
	if (write_all(fd, h, sizeof(h)) < 0)
		return -errno;
	if (len && write_all(fd, data, len) < 0)
		return -errno;
	return 0;
}

/* ---- server (the monitor) ---- */

void attach_server_init(struct attach_server *a, int listen_fd)
{
	a->listen_fd = listen_fd;
	for (size_t i = 0; i < ATTACH_CLIENTS; i++) {
		a->cl[i].fd = -1;
		a->cl[i].len = 0;
	}
}

static void client_drop(struct attach_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->len = 0;
}

int attach_server_adopt(struct attach_server *a, int fd)
{
	size_t i;

	for (i = 0; i < ATTACH_CLIENTS && a->cl[i].fd >= 0; i++)
		;
	if (i == ATTACH_CLIENTS) {
		close(fd);
		return -EMFILE;
	}
	/* a client that stops reading must not stall the container's output */
	(void) setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &(struct timeval){.tv_sec = 2, .tv_usec = 0},
			  sizeof(struct timeval));
	a->cl[i].fd = fd;
	a->cl[i].len = 0;
	return 0;
}

void attach_server_accept(struct attach_server *a)
{
	for (;;) {
		int fd;

		if (a->listen_fd < 0)
			return;
		fd = accept4(a->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			return;
		(void) attach_server_adopt(a, fd);
	}
}

size_t attach_server_pollfds(struct attach_server *a, struct pollfd *pfd)
{
	size_t n = 0;

	if (a->listen_fd >= 0)
		pfd[n++] = (struct pollfd){a->listen_fd, POLLIN, 0};
	for (size_t i = 0; i < ATTACH_CLIENTS; i++)
		if (a->cl[i].fd >= 0)
			pfd[n++] = (struct pollfd){a->cl[i].fd, POLLIN, 0};
	return n;
}

static void client_read(struct attach_server *a, struct attach_client *c)
{
	ssize_t n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);

	if (n < 0 && errno == EINTR)
		return;
	if (n <= 0) {
		client_drop(c);
		return;
	}
	c->len += (size_t) n;
	while (c->len >= ATTACH_HEADER_LEN) {
		uint32_t l;
		memcpy(&l, c->buf + 1, sizeof(l));
		if (l > ATTACH_FRAME_MAX) {
			client_drop(c);
			return;
		}
		if (c->len < ATTACH_HEADER_LEN + l)
			break;
		if (a->on_frame)
			a->on_frame(a->ctx, c->buf[0], c->buf + ATTACH_HEADER_LEN, l);
		memmove(c->buf, c->buf + ATTACH_HEADER_LEN + l, c->len - ATTACH_HEADER_LEN - l);
		c->len -= ATTACH_HEADER_LEN + l;
	}
}

void attach_server_handle(struct attach_server *a, const struct pollfd *pfd, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		if (!pfd[k].revents)
			continue;
		if (pfd[k].fd == a->listen_fd) {
			attach_server_accept(a);
			continue;
		}
		for (size_t i = 0; i < ATTACH_CLIENTS; i++)
			if (a->cl[i].fd == pfd[k].fd) {
				client_read(a, &a->cl[i]);
				break;
			}
	}
}

void attach_server_broadcast(struct attach_server *a, int type, const void *data, size_t len)
{
	for (size_t i = 0; i < ATTACH_CLIENTS; i++)
		if (a->cl[i].fd >= 0 && attach_frame_send(a->cl[i].fd, type, data, len) < 0)
			client_drop(&a->cl[i]);
}

void attach_server_close(struct attach_server *a)
{
	for (size_t i = 0; i < ATTACH_CLIENTS; i++)
		client_drop(&a->cl[i]);
	if (a->listen_fd >= 0)
		close(a->listen_fd);
	a->listen_fd = -1;
}
