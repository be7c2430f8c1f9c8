/* SPDX-License-Identifier: MIT */
/*
 * The attach socket: the monitor's server side and the `hull attach` /
 * `hull run -t` / `hull start -a` client (docker/cli container/attach.go and
 * hijack.go; moby/term's escape-key proxy for the detach keys).
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include "container/attach.h"
#include "container/container.h"
#include "container/relay.h"
#include "util/fs.h"
#include "util/json.h"

char *attach_sock_path(int dirfd)
{
	return xasprintf("/proc/self/fd/%d/attach", dirfd);
}

static int sock_addr(int dirfd, struct sockaddr_un *sa)
{
	_cleanup_free_ char *p = attach_sock_path(dirfd);

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(p) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	memcpy(sa->sun_path, p, strlen(p) + 1);
	return 0;
}

int attach_listen(const char *dir, int *ret_fd, struct hull_err **err)
{
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int fd = -1;
	struct sockaddr_un sa;

	if (dfd < 0)
		return err_set(err, errno, "open '%s'", dir);
	(void) unlinkat(dfd, "attach", 0);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || sock_addr(dfd, &sa) < 0)
		return err_set(err, fd < 0 ? errno : ENAMETOOLONG, "create attach socket");
	if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 || listen(fd, 16) < 0)
		return err_set(err, errno, "listen on '%s/attach'", dir);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int attach_connect(const char *dir, int *ret_fd, struct hull_err **err)
{
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int fd = -1;
	struct sockaddr_un sa;

	if (dfd < 0)
		return err_set(err, errno, "open '%s'", dir);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || sock_addr(dfd, &sa) < 0)
		return err_set(err, fd < 0 ? errno : ENAMETOOLONG, "create attach socket");
	if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
		return err_set(err, errno, "connect to the container's monitor");
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/* ---- client ---- */

int detach_keys_parse(const char *s, char **ret, size_t *ret_len)
{
	_cleanup_free_ char *copy = xstrdup(s ? s : "ctrl-p,ctrl-q");
	_cleanup_free_ char *keys = xmalloc(strlen(copy) + 1);
	char *save = NULL;
	size_t n = 0;

	/* moby/term ToBytes: "a", "ctrl-a".."ctrl-z", "ctrl-@", "ctrl-[", "ctrl-\\", "ctrl-]",
	 * "ctrl-^", "ctrl-_" */
	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		if (strlen(w) == 1) {
			keys[n++] = *w;
		} else if (strncasecmp(w, "ctrl-", 5) == 0 && strlen(w) == 6) {
			char c = w[5];
			if (c >= 'a' && c <= 'z')
				keys[n++] = (char) (c - 'a' + 1);
			else if (c >= 'A' && c <= 'Z')
				keys[n++] = (char) (c - 'A' + 1);
			else if (c == '@' || c == '[' || c == '\\' || c == ']' || c == '^' ||
				 c == '_')
				keys[n++] = (char) (c - '@');
			else
				return -EINVAL;
		} else {
			return -EINVAL;
		}
	}
	if (n == 0)
		return -EINVAL;
	*ret = TAKE_PTR(keys);
	*ret_len = n;
	return 0;
}

static void send_winsize(int sock, int tty_fd)
{
	struct winsize ws;
	uint16_t rc[2];

	if (ioctl(tty_fd, TIOCGWINSZ, &ws) < 0)
		return;
	rc[0] = ws.ws_row;
	rc[1] = ws.ws_col;
	(void) attach_frame_send(sock, ATTACH_RESIZE, rc, sizeof(rc));
}

static const int proxied[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

/* The detach-key matcher on our stdin (detach_keys_filter()), then frames to the monitor;
 * true once the whole sequence was typed. */
static bool stdin_filter(int sock, const char *keys, size_t nkeys, size_t *matched, const char *in,
			 size_t len)
{
	_cleanup_free_ char *out = xmalloc(len + nkeys);
	size_t o = 0;
	bool done = detach_keys_filter(keys, nkeys, matched, in, len, out, &o);

	for (size_t i = 0; i < o; i += ATTACH_FRAME_MAX)
		(void) attach_frame_send(sock, ATTACH_STDIN, out + i,
					 o - i < ATTACH_FRAME_MAX ? o - i : ATTACH_FRAME_MAX);
	return done;
}

int container_attach_fd(struct container *c, int sock, const struct attach_opts *o,
			int *ret_exit_code, bool *ret_detached, struct hull_err **err)
{
	_cleanup_free_ char *keys = NULL;
	_cleanup_free_ uint8_t *buf = xmalloc(ATTACH_HEADER_LEN + 65536);
	struct termios saved;
	sigset_t mask, old;
	size_t nkeys = 0, matched = 0, have = 0;
	bool raw = false, in_open = o->stdin || o->until_stdin_eof, detached = false,
	     got_exit = false;
	int sfd, code = 0, r = 0;
	bool tty_in = o->tty && isatty(STDIN_FILENO);

	if (detach_keys_parse(o->detach_keys, &keys, &nkeys) < 0)
		return err_setx(err, EINVAL, "invalid detach keys (%s) provided", o->detach_keys);
	sigemptyset(&mask);
	sigaddset(&mask, SIGWINCH);
	if (o->sig_proxy)
		for (size_t i = 0; i < ARRAY_SIZE(proxied); i++)
			sigaddset(&mask, proxied[i]);
	sigprocmask(SIG_BLOCK, &mask, &old);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		return err_set(err, errno, "signalfd");
	}
	if (tty_in) {
		send_winsize(sock, STDIN_FILENO);
		if (o->stdin)
			raw = relay_tty_raw(STDIN_FILENO, &saved);
	}

	for (;;) {
		struct pollfd pfd[3] = {{sock, POLLIN, 0}, {sfd, POLLIN, 0}, {-1, POLLIN, 0}};
		ssize_t n;

		if (in_open)
			pfd[2].fd = STDIN_FILENO;
		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			r = err_set(err, errno, "poll");
			break;
		}
		if (pfd[1].revents) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == (ssize_t) sizeof(si)) {
				if (si.ssi_signo == SIGWINCH) {
					if (tty_in)
						send_winsize(sock, STDIN_FILENO);
				} else if (o->pid > 0) {
					(void) kill(o->pid, (int) si.ssi_signo);
				}
			}
		}
		if (pfd[2].revents) {
			char in[4096];
			n = read(STDIN_FILENO, in, sizeof(in));
			if (n > 0 && !o->stdin) {
				/* docker's daemon drops the input of a container without -i */
			} else if (n > 0) {
				if (o->tty &&
				    stdin_filter(sock, keys, nkeys, &matched, in, (size_t) n)) {
					detached = true;
					break;
				}
				if (!o->tty)
					(void) attach_frame_send(sock, ATTACH_STDIN, in,
								 (size_t) n);
			} else if (n == 0 || errno != EINTR) {
				in_open = false;
				if (o->stdin)
					(void) attach_frame_send(sock, ATTACH_STDIN_EOF, NULL, 0);
				if (o->until_stdin_eof)
					break;
			}
		}
		if (pfd[0].revents) {
			n = read(sock, buf + have, ATTACH_HEADER_LEN + 65536 - have);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			have += (size_t) n;
			while (have >= ATTACH_HEADER_LEN) {
				uint32_t l;
				memcpy(&l, buf + 1, sizeof(l));
				if (l > 65536) {
					have = 0;
					break;
				}
				if (have < ATTACH_HEADER_LEN + l)
					break;
				if (buf[0] == ATTACH_STDOUT && o->out_fd >= 0)
					(void) write_all(o->out_fd, buf + ATTACH_HEADER_LEN, l);
				else if (buf[0] == ATTACH_STDERR && o->err_fd >= 0)
					(void) write_all(o->err_fd, buf + ATTACH_HEADER_LEN, l);
				else if (buf[0] == ATTACH_EXIT && l >= sizeof(int32_t)) {
					int32_t ec;
					memcpy(&ec, buf + ATTACH_HEADER_LEN, sizeof(ec));
					code = ec;
					got_exit = true;
				}
				memmove(buf, buf + ATTACH_HEADER_LEN + l,
					have - ATTACH_HEADER_LEN - l);
				have -= ATTACH_HEADER_LEN + l;
			}
		}
	}
	if (raw)
		relay_tty_restore(STDIN_FILENO, &saved);
	close(sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (r < 0)
		return r;
	if (!detached && !got_exit) {
		/* the monitor went away without a word: take the recorded state */
		_cleanup_free_ char *p = path_join(c->dir, "config.json");
		json_t *rec = NULL;
		struct container_state st;
		if (json_load_path(p, 16 << 20, &rec, NULL) == 0) {
			if (container_state_parse(json_object_get(rec, "State"), &st, NULL) == 0) {
				code = st.exit_code;
				container_state_release(&st);
			}
			json_decref(rec);
		}
	}
	*ret_exit_code = code;
	*ret_detached = detached;
	return 0;
}

int container_attach(struct container *c, const struct attach_opts *o, int *ret_exit_code,
		     bool *ret_detached, struct hull_err **err)
{
	_cleanup_close_ int sock = -1;
	int r;

	if (!container_is_running(c))
		return err_setx(err, EINVAL,
				"You cannot attach to a stopped container, start it "
				"first");
	if (c->state.status == CONTAINER_PAUSED)
		return err_setx(err, EINVAL,
				"You cannot attach to a paused container, unpause it first");
	r = attach_connect(json_get_str(json_object_get(c->rec, "Hull"), "RunDir") ?: c->dir, &sock,
			   err);
	if (r < 0)
		return r;
	container_event(c, "attach", NULL); /* moby's ContainerAttach */
	return container_attach_fd(c, sock, o, ret_exit_code, ret_detached, err);
}
