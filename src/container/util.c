/* SPDX-License-Identifier: MIT */
/* Small helpers of the container layer: times, signals, ids, names. */
#include <ctype.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include "container/container.h"
#include "container/internal.h"
#include "container/logline.h"
#include "util/fs.h"
#include "util/json.h"

char *now_rfc3339(void)
{
	struct timespec ts;
	char buf[LOG_TIME_SIZE];

	clock_gettime(CLOCK_REALTIME, &ts);
	log_time_rfc3339(&ts, buf);
	return xstrdup(buf);
}

double time_parse_rfc3339(const char *s)
{
	struct tm tm = {0};
	const char *p;
	double frac = 0;

	if (!s)
		return 0;
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return 0;
	if (*p == '.') {
		double scale = 0.1;
		for (p++; isdigit((unsigned char) *p); p++, scale /= 10)
			frac += (*p - '0') * scale;
	}
	return (double) timegm(&tm) + frac;
}

static const struct {
	const char *name;
	int sig;
} signals[] = {
	{"HUP", SIGHUP},       {"INT", SIGINT},	  {"QUIT", SIGQUIT},	 {"ILL", SIGILL},
	{"TRAP", SIGTRAP},     {"ABRT", SIGABRT}, {"IOT", SIGIOT},	 {"BUS", SIGBUS},
	{"FPE", SIGFPE},       {"KILL", SIGKILL}, {"USR1", SIGUSR1},	 {"SEGV", SIGSEGV},
	{"USR2", SIGUSR2},     {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},	 {"TERM", SIGTERM},
	{"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},	 {"STOP", SIGSTOP},
	{"TSTP", SIGTSTP},     {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},	 {"URG", SIGURG},
	{"XCPU", SIGXCPU},     {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
	{"WINCH", SIGWINCH},   {"IO", SIGIO},	  {"POLL", SIGPOLL},	 {"PWR", SIGPWR},
	{"SYS", SIGSYS},
};

int signal_parse(const char *s)
{
	char *end;
	long n;

	if (isempty(s))
		return -EINVAL;
	if (isdigit((unsigned char) *s)) {
		n = strtol(s, &end, 10);
		if (*end || n <= 0 || n >= NSIG)
			return -EINVAL;
		return (int) n;
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < ARRAY_SIZE(signals); i++)
		if (strcasecmp(s, signals[i].name) == 0)
			return signals[i].sig;
	if (strncasecmp(s, "RTMIN", 5) == 0 || strncasecmp(s, "RTMAX", 5) == 0) {
		bool min = toupper((unsigned char) s[3]) == 'I';
		int base = min ? SIGRTMIN : SIGRTMAX;
		if (!s[5])
			return base;
		n = strtol(s + 5, &end, 10);
		if (*end || (min && n <= 0) || (!min && n >= 0))
			return -EINVAL;
		n = base + n;
		if (n < SIGRTMIN || n > SIGRTMAX)
			return -EINVAL;
		return (int) n;
	}
	return -EINVAL;
}

void container_proxies_stop(json_t *hull, bool reap)
{
	size_t i;
	json_t *v;

	json_array_foreach (json_object_get(hull, "Proxies"), i, v) {
		pid_t pid = (pid_t) json_integer_value(json_array_get(v, 0));
		unsigned long long start =
			(unsigned long long) json_integer_value(json_array_get(v, 1));
		int fd;

		if (pid <= 0)
			continue;
		/* the start time, again once the pidfd holds the pid: not a later process */
		if (proc_start_time(pid) == start &&
		    (fd = (int) syscall(SYS_pidfd_open, pid, 0)) >= 0) {
			if (proc_start_time(pid) == start &&
			    syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0) == 0) {
				struct pollfd p = {fd, POLLIN, 0};
				(void) poll(&p, 1, 2000);
			}
			close(fd);
		}
		if (reap)
			(void) waitpid(pid, NULL, WNOHANG);
	}
}

void random_hex(char *out, size_t nbytes)
{
	unsigned char b[64];
	static const char hex[] = "0123456789abcdef";

	if (nbytes > sizeof(b))
		nbytes = sizeof(b);
	if (getrandom(b, nbytes, 0) != (ssize_t) nbytes)
		abort();
	for (size_t i = 0; i < nbytes; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[2 * nbytes] = '\0';
}

/* Docker-like generated names (moby's namesgenerator idea, our own word lists). */
static const char *const left[] = {
	"admiring", "bold",   "brave",	 "busy",    "calm",	"clever",  "cool",    "eager",
	"elated",   "epic",   "festive", "focused", "friendly", "gallant", "gifted",  "happy",
	"hopeful",  "jolly",  "keen",	 "kind",    "lucid",	"modest",  "nice",    "quirky",
	"relaxed",  "serene", "sharp",	 "stoic",   "sweet",	"tender",  "vibrant", "zealous",
};
static const char *const right[] = {
	"babbage",  "bohr",    "curie",	 "darwin",  "dijkstra", "einstein", "euler",	"fermi",
	"feynman",  "galileo", "gauss",	 "hopper",  "hypatia",	"kepler",   "knuth",	"lamarr",
	"lovelace", "meitner", "newton", "noether", "pascal",	"planck",   "ritchie",	"shannon",
	"thompson", "turing",  "volta",	 "wozniak", "yalow",	"zuse",	    "torvalds", "lamport",
};

char *random_name(void)
{
	unsigned char b[3];

	if (getrandom(b, sizeof(b), 0) != (ssize_t) sizeof(b))
		abort();
	return xasprintf("%s_%s", left[b[0] % ARRAY_SIZE(left)], right[b[1] % ARRAY_SIZE(right)]);
}

bool name_valid(const char *n)
{
	/* moby: ^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$ */
	if (*n == '/')
		n++;
	if (!isalnum((unsigned char) n[0]) || !n[1])
		return false;
	for (const char *p = n + 1; *p; p++)
		if (!isalnum((unsigned char) *p) && !strchr("_.-", *p))
			return false;
	return true;
}

void container_size(struct store *s, struct container *c, int64_t *ret_rw, int64_t *ret_rootfs)
{
	_cleanup_free_ char *upper = path_join(c->dir, "upper");
	struct image *img = NULL;
	int64_t rw = dir_size(upper);

	if (rw < 0)
		rw = 0;
	*ret_rw = rw;
	*ret_rootfs = rw;
	if (store_image_get(s, json_get_str(c->rec, "Image"), &img, NULL) == 0) {
		*ret_rootfs += img->size;
		image_free(img);
	}
}
