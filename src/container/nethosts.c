/* SPDX-License-Identifier: MIT */
/*
 * Name resolution on user networks (container/network.h, docs/networking.md
 * "Name resolution"): the members of each network and their names, which each
 * container's resolver at 127.0.0.11 answers from (net/net.h struct net_dns),
 * as docker's embedded DNS server answers for a network's containers (moby
 * libnetwork/resolver.go); and the container's own line of its /etc/hosts.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <limits.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include "container/container.h"
#include "container/dnsnames.h"
#include "container/internal.h"
#include "container/network.h"
#include "util/fs.h"
#include "util/strbuf.h"
#include "util/strv.h"

#define HOSTS_MAX (1 << 20) /* a larger /etc/hosts (the container's doing) is left alone */

char **network_hosts_names(const char *name, const char *ctr_id, json_t *aliases)
{
	char **names = strv_new();
	char shortid[13];
	size_t i;
	json_t *a;

	if (name && *name == '/')
		name++;
	if (!isempty(name))
		strv_push(&names, name);
	json_array_foreach (aliases, i, a)
		if (json_string_value(a) && !strv_contains(names, json_string_value(a)))
			strv_push(&names, json_string_value(a));
	snprintf(shortid, sizeof(shortid), "%.12s", ctr_id);
	if (!strv_contains(names, shortid))
		strv_push(&names, shortid);
	return names;
}

/* The first line of @s[0..@len) equal to @line (without its newline), or NULL. */
static const char *find_line(const char *s, size_t len, const char *line)
{
	size_t n = strlen(line);
	const char *p = s, *end = s + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t) (end - p));
		const char *eol = nl ? nl : end;
		if ((size_t) (eol - p) == n && memcmp(p, line, n) == 0)
			return p;
		p = nl ? nl + 1 : end;
	}
	return NULL;
}

/* NET_STATE_DIR/networks/<id>/hosts */
static char *entries_dir(const char *net_id)
{
	return xasprintf("%s/networks/%s/hosts", NET_STATE_DIR, net_id);
}

/* Open and flock the entries directory of @net_id (@create: made if missing); -ENOENT if not. */
/*
 * Make the directories down to @dir searchable and readable by all (the resolver reads them
 * as uid 65534), whatever the umask they were made under.
 */
static void dirs_readable(const char *dir)
{
	_cleanup_free_ char *p = xstrdup(dir);
	size_t top = strlen(NET_STATE_DIR);

	for (char *slash = p + top;; slash = strchr(slash + 1, '/')) {
		struct stat st;
		char c = slash ? *slash : '\0';

		if (slash)
			*slash = '\0';
		if (stat(p, &st) == 0 && (st.st_mode & 055) != 055)
			(void) chmod(p, (st.st_mode & 07777) | 055);
		if (!slash)
			return;
		*slash = c;
	}
}

static int entries_lock(const char *net_id, bool create, struct hull_err **err)
{
	_cleanup_free_ char *dir = entries_dir(net_id);
	int fd, r;

	if (create) {
		r = mkdir_p(dir, 0755, err);
		if (r < 0)
			return r;
		dirs_readable(dir);
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT && !create ? -ENOENT : err_set(err, errno, "open '%s'", dir);
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			r = err_set(err, errno, "lock '%s'", dir);
			close(fd);
			return r;
		}
	return fd;
}

/* The names of entry line @line ("IP\tNAME NAME"), as a new strv. */
static char **entry_names(const char *line)
{
	const char *tab = strchr(line, '\t');
	_cleanup_free_ char *copy = xstrdup(tab ? tab + 1 : "");
	char **names = strv_new(), *save = NULL;

	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
		strv_push(&names, w);
	return names;
}

/*
 * The names index of a network, NET_STATE_DIR/networks/<id>/names/<name>/<container id>
 * (empty files), for @ctr_id's @names: added (@add) or removed, under the lock of the
 * entries directory @dfd (so that a name's directory is not removed while another member
 * is added to it).
 */
static void names_index(int dfd, const char *ctr_id, char **names, bool add)
{
	_cleanup_close_ int nfd = -1;

	mode_t mask;

	if (add)
		(void) mkdirat(dfd, "../names", 0755);
	nfd = openat(dfd, "../names", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (nfd < 0)
		return;
	/* readable by the resolver (uid 65534) whatever the caller's umask */
	mask = umask(022);
	(void) fchmod(nfd, 0755);
	STRV_FOREACH (n, names) {
		_cleanup_free_ char *k = dns_name_key(*n);
		_cleanup_close_ int kfd = -1;

		if (!k)
			continue;
		if (add)
			(void) mkdirat(nfd, k, 0755);
		kfd = openat(nfd, k, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (kfd < 0)
			continue;
		if (add) {
			int fd = openat(kfd, ctr_id, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
					0644);
			if (fd >= 0)
				close(fd);
		} else {
			(void) unlinkat(kfd, ctr_id, 0);
			(void) unlinkat(nfd, k, AT_REMOVEDIR); /* when no other member has it */
		}
	}
	umask(mask);
}

/*
 * Write the entry @ctr_id into @dfd, its network's directory (caller locks): a temp
 * file renamed over it, without fsync (the state dir may be on disk, and is worth
 * nothing after a crash: every entry's monitor is gone then).
 */
static int entry_write(int dfd, const char *ctr_id, pid_t monitor, unsigned long long start,
		       const char *ip, char **names, struct hull_err **err)
{
	_cleanup_free_ char *entry = NULL, *tmp = xasprintf(".%s.tmp", ctr_id);
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	_cleanup_close_ int fd = -1;
	int r;

	STRV_FOREACH (n, names)
		(void) strbuf_addf(&sb, "%s%s", n == names ? "" : " ", *n);
	entry = xasprintf("%d %llu\n%s\t%s\n", (int) monitor, start, ip, strbuf_cstr(&sb));
	(void) unlinkat(dfd, tmp, 0); /* a killed writer's */
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return err_set(err, errno, "create the hosts entry of %s", ctr_id);
	(void) fchmod(fd, 0644); /* the resolver reads it as uid 65534, whatever the umask */
	r = write_all(fd, entry, strlen(entry));
	if (r == 0 && renameat(dfd, tmp, dfd, ctr_id) < 0)
		r = -errno;
	if (r < 0) {
		(void) unlinkat(dfd, tmp, 0);
		return err_set(err, -r, "write the hosts entry of %s", ctr_id);
	}
	return 0;
}

/* Remove @ctr_id's entry from @dfd (locked) and its names from the index. */
static void entry_remove(int dfd, const char *ctr_id)
{
	struct dns_entry e;

	if (dns_entry_read(dfd, ctr_id, true, &e) > 0) {
		_cleanup_strv_ char **names = entry_names(e.line);

		names_index(dfd, ctr_id, names, false);
		free(e.line);
	}
	(void) unlinkat(dfd, ctr_id, 0);
}

/*
 * The network's name, NET_STATE_DIR/networks/<id>/name, for the resolver's "NAME.NETWORK"
 * and reverse answers: written once (a network keeps its name), under the lock @dfd.
 */
static void net_name_write(int dfd, const char *net_name)
{
	_cleanup_close_ int fd = -1;

	if (isempty(net_name) || faccessat(dfd, "../name", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return;
	fd = openat(dfd, "../name.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		    0644);
	if (fd < 0)
		return;
	(void) fchmod(fd, 0644);
	if (write_all(fd, net_name, strlen(net_name)) == 0)
		(void) renameat(dfd, "../name.tmp", dfd, "../name");
	else
		(void) unlinkat(dfd, "../name.tmp", 0);
}

int network_hosts_join(const char *net_id, const char *net_name, const char *ctr_id, const char *ip,
		       const char *ip6, char **names, pid_t monitor, struct hull_err **err)
{
	_cleanup_close_ int dfd = -1;
	_cleanup_free_ char *both = isempty(ip6) ? NULL : xasprintf("%s,%s", ip, ip6);
	int r;

	dfd = entries_lock(net_id, true, err);
	if (dfd < 0)
		return dfd;
	net_name_write(dfd, net_name);
	entry_remove(dfd, ctr_id); /* a start again after a killed monitor: its old names */
	r = entry_write(dfd, ctr_id, monitor, proc_start_time(monitor), both ? both : ip, names,
			err);
	if (r == 0)
		names_index(dfd, ctr_id, names, true);
	return r;
}

void network_hosts_rename(const char *net_id, const char *ctr_id, char **names)
{
	_cleanup_close_ int dfd = -1;
	_cleanup_free_ char *ip = NULL;
	_cleanup_strv_ char **old = NULL;
	struct dns_entry e;

	if (isempty(net_id) || strchr(net_id, '/'))
		return;
	dfd = entries_lock(net_id, false, NULL);
	if (dfd < 0 || dns_entry_read(dfd, ctr_id, false, &e) <= 0)
		return;
	ip = xstrndup(e.line, strcspn(e.line, "\t"));
	old = entry_names(e.line);
	if (entry_write(dfd, ctr_id, e.pid, e.start, ip, names, NULL) == 0) {
		names_index(dfd, ctr_id, old, false);
		names_index(dfd, ctr_id, names, true);
	}
	free(e.line);
}

void network_hosts_leave(const char *net_id, const char *ctr_id)
{
	_cleanup_close_ int dfd = -1;

	if (isempty(net_id) || strchr(net_id, '/') || !ctr_id)
		return;
	dfd = entries_lock(net_id, false, NULL);
	if (dfd < 0)
		return;
	entry_remove(dfd, ctr_id);
}

/* The line @line of @old outside the hull blocks, or NULL (also for a NULL @line). */
static const char *own_line_at(const char *old, size_t len, const char *line)
{
	const char *p = old, *end = old + len;
	bool in_block = false;

	while (line && p < end) {
		const char *nl = memchr(p, '\n', (size_t) (end - p));
		size_t n = (size_t) ((nl ? nl : end) - p);

		if (n > 15 && memcmp(p, "# hull network ", 15) == 0)
			in_block = !(n >= 4 && memcmp(p + n - 4, " end", 4) == 0);
		else if (!in_block && n == strlen(line) && memcmp(p, line, n) == 0)
			return p;
		p = nl ? nl + 1 : end;
	}
	return NULL;
}

char *network_hosts_own_text(const char *old, size_t len, const char *hostname, const char *old_ip,
			     const char *new_ip)
{
	_cleanup_free_ char *was = old_ip ? xasprintf("%s\t%s", old_ip, hostname) : NULL;
	_cleanup_free_ char *now = new_ip ? xasprintf("%s\t%s\n", new_ip, hostname) : NULL;
	struct strbuf sb = STRBUF_INIT;
	const char *p = old, *end = old + len, *at = NULL;
	bool in_block = false, placed = false;

	/* where the own line goes when there is none: after docker's default lines */
	if (now && !own_line_at(old, len, was)) {
		const char *d = find_line(old, len, "ff02::2\tip6-allrouters");
		if (d) {
			const char *nl = memchr(d, '\n', (size_t) (end - d));
			at = nl ? nl + 1 : end;
		} else {
			at = old;
		}
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t) (end - p));
		const char *next = nl ? nl + 1 : end;
		size_t n = (size_t) ((nl ? nl : end) - p);
		bool own;

		if (p == at && now && !placed && !in_block) {
			(void) strbuf_adds(&sb, now);
			placed = true;
		}
		if (n > 15 && memcmp(p, "# hull network ", 15) == 0)
			in_block = !(n >= 4 && memcmp(p + n - 4, " end", 4) == 0);
		own = !in_block && was && n == strlen(was) && memcmp(p, was, n) == 0;
		if (own && now && !placed) {
			(void) strbuf_adds(&sb, now); /* in its place */
			placed = true;
		} else if (!own) {
			(void) strbuf_add(&sb, p, (size_t) (next - p));
			if (!nl && next == end && n)
				(void) strbuf_adds(&sb, "\n");
		}
		p = next;
	}
	if (now && !placed)
		(void) strbuf_adds(&sb, now);
	return strbuf_detach(&sb, NULL);
}

/* Replace the own line of the /etc/hosts at @path (network_hosts_own_text()), in place. */
static void hosts_rewrite_own(const char *path, const char *hostname, const char *old_ip,
			      const char *new_ip)
{
	_cleanup_close_ int fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_free_ char *old = NULL, *text = NULL;
	struct stat st;
	ssize_t got;
	size_t len, n;

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size >= HOSTS_MAX)
		return;
	/* one read of the size fstat gave (and a byte more: it may have grown meanwhile) */
	old = xmalloc((size_t) st.st_size + 2);
	got = pread(fd, old, (size_t) st.st_size + 1, 0);
	if (got < 0 || got > st.st_size)
		return; /* written meanwhile by the container: the next change rewrites it */
	len = (size_t) got;
	old[len] = '\0';
	text = network_hosts_own_text(old, len, hostname, old_ip, new_ip);
	n = strlen(text);
	if (n == len && memcmp(text, old, len) == 0)
		return;
	/*
	 * In place, not a new file renamed over it: the container sees this inode
	 * through its bind mount. One write over the old length, the new text padded
	 * with newlines, then the cut: a reader meanwhile sees the old text or the new
	 * one followed by empty lines, never the new text with a tail of old lines (a
	 * line cut in its middle may read as another address, "1.3 c2" as 1.0.0.3).
	 */
	if (n < len) {
		text = xrealloc(text, len);
		memset(text + n, '\n', len - n);
	}
	if (pwrite(fd, text, n > len ? n : len, 0) == (ssize_t) (n > len ? n : len) && n < len)
		(void) ftruncate(fd, (off_t) n);
}

void network_hosts_own(const char *hosts_path, const char *hostname, const char *old_ip,
		       const char *new_ip)
{
	if (isempty(hosts_path) || isempty(hostname))
		return;
	hosts_rewrite_own(hosts_path, hostname, old_ip, new_ip);
}
