/* SPDX-License-Identifier: MIT */
/*
 * The attach socket of the monitor (conmon's attach socket; docker's
 * container attach stream). See docs/internals/container.md "Attach".
 *
 * A unix stream socket <container dir>/attach. Both directions carry frames:
 * one byte of type, a native-endian uint32 length, then the payload.
 *   monitor -> client: ATTACH_STDOUT, ATTACH_STDERR (data), ATTACH_EXIT
 *                      (int32 exit code, then the monitor closes)
 *   client -> monitor: ATTACH_STDIN (data), ATTACH_RESIZE (uint16 rows,
 *                      uint16 cols), ATTACH_STDIN_EOF
 * Internal to container/.
 */
#ifndef HULL_CONTAINER_ATTACH_H
#define HULL_CONTAINER_ATTACH_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include "util/err.h"

enum {
	ATTACH_STDIN = 0,
	ATTACH_STDOUT = 1,
	ATTACH_STDERR = 2,
	ATTACH_EXIT = 3,
	ATTACH_RESIZE = 4,
	ATTACH_STDIN_EOF = 5,
};

#define ATTACH_FRAME_MAX  4096 /* client frames; the monitor sends up to 32 KiB */
#define ATTACH_CLIENTS	  16
#define ATTACH_HEADER_LEN 5

struct attach_client {
	int fd;
	uint8_t buf[ATTACH_HEADER_LEN + ATTACH_FRAME_MAX];
	size_t len;
};

struct attach_server {
	int listen_fd; /* -1: none */
	struct attach_client cl[ATTACH_CLIENTS];
	/* what to do with a client's frames */
	void (*on_frame)(void *ctx, int type, const uint8_t *data, size_t len);
	void *ctx;
};

/* attach_path_fd() - the socket path of @dir as "/proc/self/fd/N/attach" (short whatever @dir);
 * @dirfd must stay open while it is used. */
char *attach_sock_path(int dirfd);
/* attach_listen() - (re)create the listening socket of container directory @dir. */
int attach_listen(const char *dir, int *ret_fd, struct hull_err **err);
/* attach_connect() - connect to the socket of container directory @dir. -ENOENT/-ECONNREFUSED when
 * no monitor listens. */
int attach_connect(const char *dir, int *ret_fd, struct hull_err **err);
/* attach_frame_send() - write one frame (blocking); negative errno. */
int attach_frame_send(int fd, int type, const void *data, size_t len);

void attach_server_init(struct attach_server *a, int listen_fd);
/* attach_server_accept() - take every pending connection (non-blocking). */
void attach_server_accept(struct attach_server *a);
/* attach_server_adopt() - serve the connected client @fd (taken; closed when there are
 * ATTACH_CLIENTS already: -EMFILE). For a monitor that inherits its clients (hull-monitor). */
int attach_server_adopt(struct attach_server *a, int fd);
/* attach_server_pollfds() - add the listen fd and the clients to @pfd; returns how many. */
size_t attach_server_pollfds(struct attach_server *a, struct pollfd *pfd);
/* attach_server_handle() - after poll: accept, read frames and call on_frame. @pfd/@n as added. */
void attach_server_handle(struct attach_server *a, const struct pollfd *pfd, size_t n);
/* attach_server_broadcast() - a frame to every client; a client that cannot take it is dropped. */
void attach_server_broadcast(struct attach_server *a, int type, const void *data, size_t len);
/* attach_server_close() - close everything, unlink nothing. */
void attach_server_close(struct attach_server *a);

#endif
