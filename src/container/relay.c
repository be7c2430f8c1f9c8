/* SPDX-License-Identifier: MIT */
/* The monitor's relay loop (relay.h); no jansson, no stdio: hull-monitor links it statically. */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include "container/relay.h"
#include "runtime/runtime.h"
#include "util/fs.h"

static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

void relay_sigmask(sigset_t *mask)
{
	sigemptyset(mask);
	sigaddset(mask, SIGCHLD);
	sigaddset(mask, SIGWINCH);
	for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++)
		sigaddset(mask, forwarded[i]);
}

/* A frame from an attach client: stdin, a window size or the end of stdin. */
static void relay_on_frame(void *ctx, int type, const uint8_t *data, size_t len)
{
	struct relay *r = ctx;

	if (type == ATTACH_STDIN && r->in_dst >= 0) {
		(void) write_all(r->in_dst, data, len);
	} else if (type == ATTACH_RESIZE && len >= 4 && r->pty_master >= 0) {
		struct winsize ws = {0};
		uint16_t rc[2];
		memcpy(rc, data, sizeof(rc));
		ws.ws_row = rc[0];
		ws.ws_col = rc[1];
		(void) ioctl(r->pty_master, TIOCSWINSZ, &ws);
	} else if (type == ATTACH_STDIN_EOF && r->in_dst >= 0 && r->in_dst != r->pty_master) {
		close(r->in_dst);
		r->in_dst = -1;
	}
}

void relay_init(struct relay *r, int listen_fd)
{
	*r = (struct relay){.in_src = -1, .in_dst = -1, .pty_master = -1, .dns_fd = {-1, -1}};
	log_file_init(&r->log);
	r->st[0] = (struct relay_stream){-1, -1, {"stdout", STRBUF_INIT, "", 0}};
	r->st[1] = (struct relay_stream){-1, -1, {"stderr", STRBUF_INIT, "", 0}};
	attach_server_init(&r->as, listen_fd);
	r->as.on_frame = relay_on_frame;
	r->as.ctx = r;
}

static void stream_close(struct relay *r, struct relay_stream *st)
{
	log_stream_flush(&r->log, &st->log);
	if (st->fd != r->pty_master)
		close(st->fd);
	st->fd = -1;
}

/* One read of @st; @exited: @r->pid is reaped already (never signal it then). */
static void stream_read(struct relay *r, struct relay_stream *st, bool exited)
{
	char buf[32768];
	ssize_t n = read(st->fd, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		stream_close(r, st);
		return;
	}
	if (st->out_fd >= 0 && write_all(st->out_fd, buf, (size_t) n) == -EPIPE) {
		/* nobody reads our end any more (`hull exec c yes | head -1`): let the
		 * container's writer see that, rather than spin on its output forever:
		 * EPIPE on its pipe, or the hangup of its terminal */
		st->out_fd = -1;
		if (st->fd != r->pty_master) {
			stream_close(r, st);
			return;
		}
		if (!exited)
			(void) kill(r->pid, SIGHUP);
	}
	if (r->capture) {
		size_t keep =
			r->capture->len < r->capture_max ? r->capture_max - r->capture->len : 0;
		if (keep > (size_t) n)
			keep = (size_t) n;
		(void) strbuf_add(r->capture, buf, keep);
		r->capture_truncated |= keep < (size_t) n;
	}
	attach_server_broadcast(&r->as, st == &r->st[0] ? ATTACH_STDOUT : ATTACH_STDERR, buf,
				(size_t) n);
	/* exec and run --rm: no log, no line buffering */
	log_stream_feed(&r->log, &st->log, buf, (size_t) n);
}

bool detach_keys_filter(const char *keys, size_t nkeys, size_t *matched, const char *in, size_t len,
			char *out, size_t *ret_len)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		if (in[i] == keys[*matched]) {
			if (++*matched == nkeys) {
				*ret_len = o;
				return true;
			}
			continue;
		}
		if (*matched) {
			memcpy(out + o, keys, *matched);
			o += *matched;
			*matched = 0;
			if (in[i] == keys[0]) {
				*matched = 1;
				continue;
			}
		}
		out[o++] = in[i];
	}
	*ret_len = o;
	return false;
}

bool relay_tty_raw(int fd, struct termios *saved)
{
	struct termios t;

	if (!isatty(fd) || tcgetattr(fd, saved) < 0)
		return false;
	t = *saved;
	cfmakeraw(&t);
	return tcsetattr(fd, TCSANOW, &t) == 0;
}

void relay_tty_restore(int fd, const struct termios *saved)
{
	(void) tcsetattr(fd, TCSANOW, saved);
}

/* Our stdin to the container's; false when the relay must stop (detach keys typed). */
static bool stdin_read(struct relay *r)
{
	char buf[PIPE_BUF], out[PIPE_BUF + 64];
	const char *p = buf;
	size_t len;
	ssize_t k = read(r->in_src, buf, sizeof(buf));

	if (k < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (k > 0) {
		len = (size_t) k;
		if (r->n_detach_keys && r->n_detach_keys <= 64) {
			if (detach_keys_filter(r->detach_keys, r->n_detach_keys, &r->detach_matched,
					       buf, len, out, &len)) {
				r->detached = true;
				return false;
			}
			p = out;
		}
		if (len == 0 || write_all(r->in_dst, p, len) == 0)
			return true;
	}
	/* EOF (or the container closed its stdin): close the pipe, so it sees EOF too */
	r->in_src = -1;
	if (r->in_dst != r->pty_master)
		close(r->in_dst);
	r->in_dst = -1;
	return true;
}

/* The poll timeout while the process runs: the next probe or the kill, whichever is first. */
static int relay_wait_ms(const struct relay *r)
{
	int ms = r->health ? health_timer_wait_ms(r->health) : -1;

	if (r->kill_at > 0) {
		int64_t left = r->kill_at - health_now_ms();
		int k = left <= 0 ? 0 : left > INT32_MAX ? INT32_MAX : (int) left;
		if (ms < 0 || k < ms)
			ms = k;
	}
	return ms;
}

/* What is due while the process runs: a probe, the kill at the timeout. */
static void relay_timers(struct relay *r)
{
	if (r->health)
		health_timer_tick(r->health);
	if (r->kill_at > 0 && health_now_ms() >= r->kill_at) {
		r->kill_at = 0;
		r->timed_out = true;
		(void) kill(r->pid, SIGKILL);
	}
}

pid_t relay_resolver_spawn(char *const *argv, pid_t pid, int udp, int tcp)
{
	int hi[3] = {-1, -1, -1}, pidfd = (int) syscall(SYS_pidfd_open, pid, 0), r = 0;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	pid_t rp = -1;

	if (pidfd < 0)
		return -errno;
	/* above 5, so that each dup2 onto 3, 4, 5 clears close-on-exec */
	hi[0] = fcntl(udp, F_DUPFD_CLOEXEC, 10);
	hi[1] = fcntl(tcp, F_DUPFD_CLOEXEC, 10);
	hi[2] = fcntl(pidfd, F_DUPFD_CLOEXEC, 10);
	close(pidfd);
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	/* a session of its own: a ^C for `hull run` is the container's */
	(void) posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK |
						       POSIX_SPAWN_SETSIGDEF);
	(void) posix_spawnattr_setsigmask(&attr, &none);
	(void) posix_spawnattr_setsigdefault(&attr, &all);
	(void) posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDWR, 0);
	(void) posix_spawn_file_actions_adddup2(&fa, 0, 1);
	(void) posix_spawn_file_actions_adddup2(&fa, 0, 2);
	for (int i = 0; i < 3; i++)
		(void) posix_spawn_file_actions_adddup2(&fa, hi[i], 3 + i);
	if (hi[0] < 0 || hi[1] < 0 || hi[2] < 0)
		r = -errno;
	else if ((r = posix_spawn(&rp, argv[0], &fa, &attr, argv, (char *[]){NULL})) != 0)
		r = -r;
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	for (int i = 0; i < 3; i++)
		if (hi[i] >= 0)
			close(hi[i]);
	return r < 0 ? r : rp;
}

/* The first query on the resolver's sockets: the resolver, which takes them over. */
static void resolver_start(struct relay *r)
{
	pid_t rp = r->resolver_argv ? relay_resolver_spawn(r->resolver_argv, r->pid, r->dns_fd[0],
							   r->dns_fd[1])
				    : -EINVAL;

	/* without it, closed sockets answer at once (port unreachable) rather than never */
	for (int i = 0; i < 2; i++) {
		close(r->dns_fd[i]);
		r->dns_fd[i] = -1;
	}
	if (rp > 0)
		r->resolver = rp;
}

/* The end of the run: the resolver (which ends with the process anyway) gone and reaped. */
static void resolver_end(struct relay *r)
{
	for (int i = 0; i < 2; i++)
		if (r->dns_fd[i] >= 0) {
			close(r->dns_fd[i]);
			r->dns_fd[i] = -1;
		}
	if (r->resolver > 0) {
		(void) kill(r->resolver, SIGKILL);
		(void) waitpid(r->resolver, NULL, 0);
		r->resolver = 0;
	}
}

int relay_run(struct relay *r, int sfd)
{
	int status = 0, exit_code = -1;
	bool exited = false, in_writable = false;

	/* the exit may have come before the signalfd existed (hull-monitor after its exec) */
	if (waitpid(r->pid, &status, WNOHANG) == r->pid) {
		exited = true;
		exit_code = rt_exit_code(status);
	}
	for (;;) {
		struct pollfd pfd[4 + 2 + 1 + ATTACH_CLIENTS];
		int n = 0, idx_sig, idx_in = -1, idx_st[2] = {-1, -1}, idx_as, idx_dns = -1;
		size_t n_as;

		idx_sig = n;
		pfd[n++] = (struct pollfd){sfd, POLLIN, 0};
		for (int i = 0; i < 2; i++)
			if (r->st[i].fd >= 0) {
				idx_st[i] = n;
				pfd[n++] = (struct pollfd){r->st[i].fd, POLLIN, 0};
			}
		if (r->in_src >= 0 && r->in_dst >= 0) {
			/* read stdin only when the container can take it: a full stdin pipe must
			 * not stop the relay of its output (`cat big | hull exec -i c cat`) */
			idx_in = n;
			pfd[n++] = in_writable ? (struct pollfd){r->in_src, POLLIN, 0}
					       : (struct pollfd){r->in_dst, POLLOUT, 0};
		}
		if (exited && idx_st[0] < 0 && idx_st[1] < 0)
			break;
		if (!exited && r->dns_fd[0] >= 0) {
			idx_dns = n;
			for (int i = 0; i < 2; i++)
				pfd[n++] = (struct pollfd){r->dns_fd[i], POLLIN, 0};
		}
		idx_as = n;
		n_as = attach_server_pollfds(&r->as, pfd + n);
		n += (int) n_as;
		/* after exit, drain what is buffered but do not wait on fds held by strays */
		int polled = poll(pfd, (nfds_t) n, exited ? 200 : relay_wait_ms(r));
		if (!exited)
			relay_timers(r);
		if (polled <= 0) {
			if (exited)
				break;
			continue;
		}
		if (pfd[idx_sig].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == (ssize_t) sizeof(si)) {
				if (si.ssi_signo == SIGCHLD) {
					if (r->health)
						(void) health_timer_reap(r->health);
					if (r->reap > 0 &&
					    waitpid(r->reap, NULL, WNOHANG) == r->reap)
						r->reap = 0;
					if (r->resolver > 0 &&
					    waitpid(r->resolver, NULL, WNOHANG) == r->resolver)
						r->resolver = 0;
					if (!exited &&
					    waitpid(r->pid, &status, WNOHANG) == r->pid) {
						exited = true;
						exit_code = rt_exit_code(status);
					}
				} else if (si.ssi_signo == SIGWINCH) {
					struct winsize ws;
					if (r->pty_master >= 0 &&
					    ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
						(void) ioctl(r->pty_master, TIOCSWINSZ, &ws);
				} else if (!exited) {
					(void) kill(r->pid, (int) si.ssi_signo);
				}
			}
		}
		for (int i = 0; i < 2; i++)
			if (idx_st[i] >= 0 && pfd[idx_st[i]].revents)
				stream_read(r, &r->st[i], exited);
		if (idx_dns >= 0 && (pfd[idx_dns].revents || pfd[idx_dns + 1].revents))
			resolver_start(r);
		attach_server_handle(&r->as, pfd + idx_as, n_as);
		if (idx_in >= 0 && pfd[idx_in].revents && r->in_src >= 0 && r->in_dst >= 0) {
			if (!in_writable) {
				in_writable = true; /* or POLLERR: the write will tell */
			} else {
				in_writable = false;
				if (!stdin_read(r))
					return -1; /* detached: the process runs on */
			}
		}
		if (r->pty_master >= 0 && r->st[0].fd < 0 && !exited) {
			/* pty closed (EIO): wait for the exit */
			if (waitpid(r->pid, &status, 0) == r->pid) {
				exited = true;
				exit_code = rt_exit_code(status);
			}
		}
	}
	if (!exited && waitpid(r->pid, &status, 0) == r->pid)
		exit_code = rt_exit_code(status);
	resolver_end(r);
	if (r->health)
		health_timer_stop(r->health);
	for (int i = 0; i < 2; i++)
		if (r->st[i].fd >= 0)
			stream_close(r, &r->st[i]);
	return exit_code;
}
