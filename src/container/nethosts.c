/* SPDX-License-Identifier: MIT */
/*
 * Name resolution on user networks through each member's /etc/hosts
 * (container/network.h, docs/networking.md "Name resolution"): what docker's
 * embedded DNS server answers for a network's containers (moby
 * libnetwork/resolver.go, sandbox_dns_unix.go), written into the files
 * instead, so that no process has to run for it.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include "container/container.h"
#include "container/internal.h"
#include "container/network.h"
#include "util/fs.h"
#include "util/strbuf.h"
#include "util/strv.h"

#define HOSTS_MAX (1 << 20) /* a larger /etc/hosts (the container's doing) is left alone */
#define ENTRY_MAX 4096

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

static int casecmp_p(const void *a, const void *b)
{
	return strcasecmp(*(char *const *) a, *(char *const *) b);
}

/*
 * The names that lines of @old outside every hull block give an address: the localhost
 * lines, the container's own line, its --add-host lines and what it wrote itself. Sorted
 * for casecmp_p (a hosts lookup ignores case).
 */
static char **static_names(const char *old, size_t len)
{
	char **names = strv_new();
	const char *p = old, *end = old + len;
	bool in_block = false;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t) (end - p));
		const char *eol = nl ? nl : end;
		size_t n = (size_t) (eol - p);
		_cleanup_free_ char *line = NULL;
		char *c, *save = NULL, *w;

		if (n >= 15 && memcmp(p, "# hull network ", 15) == 0) {
			in_block = !(n >= 4 && memcmp(eol - 4, " end", 4) == 0);
			p = nl ? nl + 1 : end;
			continue;
		}
		if (in_block) { /* the members' lines: as many as the network has */
			p = nl ? nl + 1 : end;
			continue;
		}
		line = xstrndup(p, n);
		p = nl ? nl + 1 : end;
		if ((c = strchr(line, '#')))
			*c = '\0';
		/* the first word is the address */
		w = strtok_r(line, " \t\r", &save);
		while (w && (w = strtok_r(NULL, " \t\r", &save)))
			strv_push(&names, w);
	}
	qsort(names, strv_length(names), sizeof(*names), casecmp_p);
	return names;
}

/*
 * A block ("IP NAMES" lines) read once for all the members' files it goes into: its lines in
 * the form they are written ("IP\tNAME NAME\n", lines without names left out), and every
 * name with its line, sorted for casecmp_p. A member's file then costs a few lookups of its
 * own names and a copy, not a parse of the block (at 200 members, 40,000 lines a refresh).
 */
struct block_index {
	char *text;	  /* the lines */
	size_t *line_off; /* where line i starts in @text; line_off[n_lines] = its length */
	size_t n_lines;
	char **names;	   /* NUL-terminated copies, sorted */
	size_t *name_line; /* the line of names[i] */
	size_t n_names;
};

static void block_index_release(struct block_index *x)
{
	free(x->text);
	free(x->line_off);
	for (size_t i = 0; i < x->n_names; i++)
		free(x->names[i]);
	free(x->names);
	free(x->name_line);
	*x = (struct block_index){0};
}

static int name_ref_cmp(const void *a, const void *b, void *ud)
{
	const struct block_index *x = ud;
	size_t i = *(const size_t *) a, j = *(const size_t *) b;
	int c = strcasecmp(x->names[i], x->names[j]);

	return c ? c : (i > j) - (i < j);
}

static void block_index_build(const char *block, struct block_index *x)
{
	struct strbuf sb = STRBUF_INIT;
	_cleanup_free_ size_t *order = NULL;
	char **names = NULL;
	size_t *lines = NULL, n = 0;
	const char *p = block;

	*x = (struct block_index){0};
	x->line_off = xmalloc(sizeof(size_t));
	while (*p) {
		size_t len = strcspn(p, "\n");
		_cleanup_free_ char *line = xstrndup(p, len);
		char *save = NULL, *ip, *w;
		size_t start = sb.len;
		bool any = false;

		p += len + (p[len] == '\n');
		ip = strtok_r(line, " \t", &save);
		if (!ip)
			continue;
		while ((w = strtok_r(NULL, " \t", &save))) {
			if (!any)
				(void) strbuf_addf(&sb, "%s\t", ip);
			(void) strbuf_addf(&sb, "%s%s", any ? " " : "", w);
			any = true;
			names = xrealloc(names, (n + 1) * sizeof(*names));
			lines = xrealloc(lines, (n + 1) * sizeof(*lines));
			names[n] = xstrdup(w);
			lines[n++] = x->n_lines;
		}
		if (!any)
			continue;
		(void) strbuf_adds(&sb, "\n");
		x->line_off = xrealloc(x->line_off, (x->n_lines + 2) * sizeof(size_t));
		x->line_off[x->n_lines++] = start;
	}
	x->line_off[x->n_lines] = sb.len;
	x->text = strbuf_detach(&sb, NULL);
	/* sorted by name, then by line */
	x->names = names;
	x->n_names = n;
	order = xcalloc(n ? n : 1, sizeof(*order));
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	qsort_r(order, n, sizeof(*order), name_ref_cmp, x);
	x->names = xcalloc(n ? n : 1, sizeof(*x->names));
	x->name_line = xcalloc(n ? n : 1, sizeof(*x->name_line));
	for (size_t i = 0; i < n; i++) {
		x->names[i] = names[order[i]];
		x->name_line[i] = lines[order[i]];
	}
	free(names);
	free(lines);
}

/* The first index of a name equal to @w (case ignored) in @x->names, or @x->n_names. */
static size_t block_index_find(const struct block_index *x, const char *w)
{
	size_t lo = 0, hi = x->n_names;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcasecmp(x->names[mid], w) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < x->n_names && strcasecmp(x->names[lo], w) == 0 ? lo : x->n_names;
}

/* @x's lines without the names in @taken (sorted): a line left without names goes. */
static char *block_filter(const struct block_index *x, char **taken)
{
	struct strbuf sb = STRBUF_INIT;
	size_t nt = strv_length(taken), copied = 0;
	_cleanup_free_ bool *hit = NULL;
	bool any = false;

	/* the lines that have one of @taken: usually the member's own (its short id) */
	STRV_FOREACH (t, taken)
		for (size_t i = block_index_find(x, *t);
		     i < x->n_names && strcasecmp(x->names[i], *t) == 0; i++) {
			if (!hit)
				hit = xcalloc(x->n_lines, sizeof(*hit));
			hit[x->name_line[i]] = any = true;
		}
	if (!any)
		return xstrdup(x->text);
	for (size_t l = 0; l < x->n_lines; l++) {
		const char *line = x->text + x->line_off[l];
		size_t len = x->line_off[l + 1] - x->line_off[l];
		_cleanup_free_ char *copy = NULL;
		_cleanup_strbuf_ struct strbuf keep = STRBUF_INIT;
		char *save = NULL, *ip, *w;

		if (!hit[l])
			continue;
		(void) strbuf_add(&sb, x->text + copied, x->line_off[l] - copied);
		copied = x->line_off[l + 1];
		copy = xstrndup(line, len - 1);
		ip = strtok_r(copy, "\t", &save);
		while ((w = strtok_r(NULL, " ", &save)))
			if (!nt || !bsearch(&w, taken, nt, sizeof(*taken), casecmp_p))
				(void) strbuf_addf(&keep, "%s%s", keep.len ? " " : "", w);
		if (keep.len)
			(void) strbuf_addf(&sb, "%s\t%s\n", ip, strbuf_cstr(&keep));
	}
	(void) strbuf_add(&sb, x->text + copied, x->line_off[x->n_lines] - copied);
	return strbuf_detach(&sb, NULL);
}

/* network_hosts_text() with the block read already (NULL: the block removed). */
static char *hosts_text_indexed(const char *old, size_t len, const char *net_name,
				const struct block_index *x)
{
	_cleanup_strv_ char **taken = x ? static_names(old, len) : NULL;
	_cleanup_free_ char *block = x ? block_filter(x, taken) : NULL;
	_cleanup_free_ char *begin = xasprintf("# hull network %s", net_name);
	_cleanup_free_ char *end = xasprintf("# hull network %s end", net_name);
	struct strbuf sb = STRBUF_INIT;
	const char *b = find_line(old, len, begin);

	if (!b) {
		(void) strbuf_add(&sb, old, len);
		if (len && old[len - 1] != '\n' && block)
			(void) strbuf_adds(&sb, "\n");
	} else {
		const char *rest = old + len;
		const char *e = find_line(b, (size_t) (old + len - b), end);
		if (e) {
			const char *nl = memchr(e, '\n', (size_t) (old + len - e));
			rest = nl ? nl + 1 : old + len;
		}
		(void) strbuf_add(&sb, old, (size_t) (b - old));
		(void) strbuf_add(&sb, rest, (size_t) (old + len - rest));
	}
	if (block)
		(void) strbuf_addf(&sb, "%s\n%s%s\n", begin, block, end);
	return strbuf_detach(&sb, NULL);
}

char *network_hosts_text(const char *old, size_t len, const char *net_name, const char *block_in)
{
	struct block_index x;
	char *text;

	if (!block_in)
		return hosts_text_indexed(old, len, net_name, NULL);
	block_index_build(block_in, &x);
	text = hosts_text_indexed(old, len, net_name, &x);
	block_index_release(&x);
	return text;
}

/* NET_STATE_DIR/networks/<id>/hosts */
static char *entries_dir(const char *net_id)
{
	return xasprintf("%s/networks/%s/hosts", NET_STATE_DIR, net_id);
}

/* Open and flock the entries directory of @net_id (@create: made if missing); -ENOENT if not. */
static int entries_lock(const char *net_id, bool create, struct hull_err **err)
{
	_cleanup_free_ char *dir = entries_dir(net_id);
	int fd, r;

	if (create) {
		r = mkdir_p(dir, 0755, err);
		if (r < 0)
			return r;
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

struct entry {
	char *head;	  /* "PID START\nHOSTSPATH" */
	char *hosts_path; /* within head */
	char *line;	  /* "IP\tNAMES" */
};

static void entry_release(struct entry *e)
{
	free(e->head);
	free(e->line);
}

/*
 * Parse the entry file @name of @dfd: "PID START\nHOSTSPATH\nIP NAMES\n". 1 and
 * *@ret when its monitor lives, 0 when it is gone (the caller drops it), -errno.
 */
static int entry_read(int dfd, const char *name, struct entry *ret)
{
	_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char data[ENTRY_MAX + 1], *path, *line, *end;
	unsigned long long start;
	ssize_t len;
	int pid;

	if (fd < 0)
		return -errno;
	/* one read: a member's entry is read at every change of the network */
	len = read(fd, data, ENTRY_MAX);
	if (len <= 0 || len == ENTRY_MAX)
		return -EBADMSG;
	data[len] = '\0';
	if (strlen(data) != (size_t) len)
		return -EBADMSG;
	if (sscanf(data, "%d %llu", &pid, &start) != 2 || !(path = strchr(data, '\n')) ||
	    !(line = strchr(++path, '\n')) || !(end = strchr(++line, '\n')) || end[1])
		return -EBADMSG;
	/* 0 for a zombie too: a killed monitor may wait a while to be reaped by init */
	if (pid <= 0 || proc_start_time(pid) != start)
		return 0;
	line[-1] = '\0';
	*end = '\0';
	ret->head = xstrdup(data);
	ret->hosts_path = ret->head + (path - data);
	ret->line = xstrdup(line);
	return 1;
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

/* A change of an /etc/hosts: a network's block, or the container's own line. */
struct hosts_change {
	const char *net_name, *block;		/* a network's block */
	const struct block_index *idx;		/* or that block, read already */
	const char *hostname, *old_ip, *new_ip; /* or, with hostname, the own line */
};

/* Make the change @ch to the /etc/hosts at @path, in place. */
static void hosts_rewrite_change(const char *path, const struct hosts_change *ch)
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
	if (ch->hostname)
		text = network_hosts_own_text(old, len, ch->hostname, ch->old_ip, ch->new_ip);
	else if (ch->idx)
		text = hosts_text_indexed(old, len, ch->net_name, ch->idx);
	else
		text = network_hosts_text(old, len, ch->net_name, ch->block);
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

/* Replace @net_name's block of the /etc/hosts at @path with @block, in place. */
static void hosts_rewrite(const char *path, const char *net_name, const char *block)
{
	struct hosts_change ch = {.net_name = net_name, .block = block};

	hosts_rewrite_change(path, &ch);
}

void network_hosts_own(const char *hosts_path, const char *hostname, const char *old_ip,
		       const char *new_ip)
{
	struct hosts_change ch = {.hostname = hostname, .old_ip = old_ip, .new_ip = new_ip};

	if (isempty(hosts_path) || isempty(hostname))
		return;
	hosts_rewrite_change(hosts_path, &ch);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/*
 * The lines of entry line @line ("IP\tNAMES", or "IP,IP6\tNAMES" on a network with IPv6)
 * in a block: one per address, the names on each, as docker's resolver answers both A and
 * AAAA queries for a member of an IPv6 network.
 */
static void block_add(struct strbuf *block, const char *line)
{
	size_t iplen = strcspn(line, "\t");
	const char *comma = memchr(line, ',', iplen);

	if (!comma) {
		(void) strbuf_addf(block, "%s\n", line);
		return;
	}
	(void) strbuf_addf(block, "%.*s%s\n", (int) (comma - line), line, line + iplen);
	(void) strbuf_addf(block, "%.*s%s\n", (int) (line + iplen - comma - 1), comma + 1,
			   line + iplen);
}

/* Under the lock @dfd: drop dead entries and rewrite every member's block. */
static void hosts_refresh_locked(int dfd, const char *net_name)
{
	_cleanup_strbuf_ struct strbuf block = STRBUF_INIT;
	_cleanup_strv_ char **names = strv_new();
	struct block_index x;
	struct entry *v = NULL;
	size_t n = 0;
	struct dirent *de;
	DIR *d;
	int dup_fd = dup(dfd);

	if (dup_fd < 0 || !(d = fdopendir(dup_fd))) {
		if (dup_fd >= 0)
			close(dup_fd);
		return;
	}
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			strv_push(&names, de->d_name);
	closedir(d);
	qsort(names, strv_length(names), sizeof(*names), str_cmp);
	STRV_FOREACH (name, names) {
		struct entry e;
		int r = entry_read(dfd, *name, &e);
		if (r == 0 || r == -EBADMSG) {
			(void) unlinkat(dfd, *name, 0); /* its monitor is gone: so is it */
			continue;
		}
		if (r < 0)
			continue;
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n++] = e;
		block_add(&block, e.line);
	}
	block_index_build(strbuf_cstr(&block), &x);
	for (size_t i = 0; i < n; i++) {
		struct hosts_change ch = {.net_name = net_name, .idx = &x};

		hosts_rewrite_change(v[i].hosts_path, &ch);
		entry_release(&v[i]);
	}
	block_index_release(&x);
	free(v);
}

/*
 * Write the entry @ctr_id into @dfd, its network's directory (caller locks): a temp
 * file renamed over it, without fsync (the state dir may be on disk, and is worth
 * nothing after a crash: every entry's monitor is gone then).
 */
static int entry_write(int dfd, const char *ctr_id, const char *head, const char *ip, char **names,
		       struct hull_err **err)
{
	_cleanup_free_ char *entry = NULL, *tmp = xasprintf(".%s.tmp", ctr_id);
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	_cleanup_close_ int fd = -1;
	int r;

	STRV_FOREACH (n, names)
		(void) strbuf_addf(&sb, "%s%s", n == names ? "" : " ", *n);
	entry = xasprintf("%s%s\t%s\n", head, ip, strbuf_cstr(&sb));
	(void) unlinkat(dfd, tmp, 0); /* a killed writer's */
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return err_set(err, errno, "create the hosts entry of %s", ctr_id);
	r = write_all(fd, entry, strlen(entry));
	if (r == 0 && renameat(dfd, tmp, dfd, ctr_id) < 0)
		r = -errno;
	if (r < 0) {
		(void) unlinkat(dfd, tmp, 0);
		return err_set(err, -r, "write the hosts entry of %s", ctr_id);
	}
	return 0;
}

int network_hosts_join(const char *net_id, const char *net_name, const char *ctr_id, const char *ip,
		       const char *ip6, char **names, const char *hosts_path, pid_t monitor,
		       struct hull_err **err)
{
	_cleanup_close_ int dfd = -1;
	_cleanup_free_ char *head = NULL;
	_cleanup_free_ char *both = isempty(ip6) ? NULL : xasprintf("%s,%s", ip, ip6);
	int r;

	dfd = entries_lock(net_id, true, err);
	if (dfd < 0)
		return dfd;
	head = xasprintf("%d %llu\n%s\n", (int) monitor, proc_start_time(monitor), hosts_path);
	r = entry_write(dfd, ctr_id, head, both ? both : ip, names, err);
	if (r < 0)
		return r;
	hosts_refresh_locked(dfd, net_name);
	return 0;
}

void network_hosts_rename(const char *net_id, const char *net_name, const char *ctr_id,
			  char **names)
{
	_cleanup_close_ int dfd = -1;
	_cleanup_free_ char *head = NULL, *ip = NULL;
	struct entry e;

	if (isempty(net_id) || strchr(net_id, '/'))
		return;
	dfd = entries_lock(net_id, false, NULL);
	if (dfd < 0 || entry_read(dfd, ctr_id, &e) <= 0)
		return;
	/* "PID START\nHOSTSPATH\n" stays; "IP\tNAMES" changes */
	head = xasprintf("%s\n", e.head);
	ip = xstrndup(e.line, strcspn(e.line, "\t"));
	if (entry_write(dfd, ctr_id, head, ip, names, NULL) == 0)
		hosts_refresh_locked(dfd, net_name);
	entry_release(&e);
}

void network_hosts_leave(const char *net_id, const char *net_name, const char *ctr_id,
			 const char *hosts_path)
{
	_cleanup_close_ int dfd = -1;

	if (isempty(net_id) || strchr(net_id, '/') || !ctr_id)
		return;
	dfd = entries_lock(net_id, false, NULL);
	if (dfd < 0)
		return;
	(void) unlinkat(dfd, ctr_id, 0);
	if (hosts_path)
		hosts_rewrite(hosts_path, net_name, NULL);
	hosts_refresh_locked(dfd, net_name);
}
