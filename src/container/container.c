/* SPDX-License-Identifier: MIT */
/*
 * Container records and lifecycle. The record is docker-inspect shaped so
 * that `inspect` is mostly a dump of it (moby daemon/inspect.go).
 */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include "container/argv.h"
#include "container/container.h"
#include "container/internal.h"
#include "container/network.h"
#include "container/security.h"
#include "container/volume.h"
#include "runtime/runtime.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strv.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define RECORD_MAX   (16 << 20)

struct container *container_free(struct container *c)
{
	if (c) {
		free(c->id);
		free(c->dir);
		if (c->rec)
			json_decref(c->rec);
		container_state_release(&c->state);
		free(c->saved);
		if (c->lock_fd >= 0)
			(void) close(c->lock_fd); /* drops the flock */
		free(c);
	}
	return NULL;
}

static struct container *container_new(const char *id, char *dir)
{
	struct container *c = xcalloc(1, sizeof(*c));

	c->id = xstrdup(id);
	c->dir = dir;
	c->lock_fd = -1;
	return c;
}

void container_list_free(struct container **l)
{
	for (size_t i = 0; l && l[i]; i++)
		container_free(l[i]);
	free(l);
}

/* The record in @dir: its bytes and their parse. A missing one is "No such container". */
static int record_read(const char *dir, const char *id, char **ret_text, json_t **ret,
		       struct hull_err **err)
{
	_cleanup_free_ char *p = path_join(dir, "config.json");
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r;

	r = read_file(p, RECORD_MAX, &text, &len, NULL);
	if (r == -ENOENT || r == -ENOTDIR)
		return err_setx(err, ENOENT, "No such container: %s", id);
	if (r < 0)
		return err_set(err, -r, "read '%s'", p);
	r = json_load_buf(text, len, p, ret, err);
	if (r < 0)
		return r;
	*ret_text = TAKE_PTR(text);
	return 0;
}

/* Make @rec (taken) and its @text (taken) @c's record and @c->state its State. */
static int record_adopt(struct container *c, json_t *rec, char *text, struct hull_err **err)
{
	struct container_state st;
	int r;

	r = container_state_parse(json_object_get(rec, "State"), &st, err);
	if (r < 0) {
		json_decref(rec);
		free(text);
		return r;
	}
	container_state_release(&c->state);
	c->state = st;
	json_decref(c->rec);
	c->rec = rec;
	free(c->saved);
	c->saved = text;
	return 0;
}

/* The flock of @c's directory, without reading the record again. */
static int lock_take(struct container *c, struct hull_err **err)
{
	_cleanup_close_ int fd = -1;
	struct stat held, now;

	fd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
		return err_setx(err, ENOENT, "No such container: %s", c->id);
	if (fd < 0)
		return err_set(err, errno, "open '%s'", c->dir);
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return err_set(err, errno, "lock '%s'", c->dir);
	/* a removal renames the directory under the lock: then the name is gone or another's */
	if (fstat(fd, &held) < 0 || stat(c->dir, &now) < 0 || held.st_ino != now.st_ino ||
	    held.st_dev != now.st_dev)
		return err_setx(err, ENOENT, "No such container: %s", c->id);
	c->lock_fd = TAKE_FD(fd);
	return 0;
}

static void lock_drop(struct container *c)
{
	if (c->lock_fd >= 0)
		(void) close(c->lock_fd);
	c->lock_fd = -1;
}

int container_lock(struct container *c, struct hull_err **err)
{
	int r;

	if (c->lock_depth > 0) {
		c->lock_depth++;
		return 0;
	}
	r = lock_take(c, err);
	if (r < 0)
		return r;
	r = container_reload(c, err);
	if (r < 0) {
		lock_drop(c);
		return r;
	}
	c->lock_depth = 1;
	return 0;
}

void container_unlock(struct container *c)
{
	if (c->lock_depth == 0)
		return;
	if (--c->lock_depth == 0)
		lock_drop(c);
}

int container_reload(struct container *c, struct hull_err **err)
{
	_cleanup_free_ char *text = NULL;
	json_t *rec;
	int r;

	r = record_read(c->dir, c->id, &text, &rec, err);
	if (r < 0)
		return r;
	return record_adopt(c, rec, TAKE_PTR(text), err);
}

int container_save(struct container *c, struct hull_err **err)
{
	_cleanup_free_ char *p = path_join(c->dir, "config.json");
	_cleanup_free_ char *text = NULL;
	bool took = false;
	int r = 0;

	json_t *st_obj = json_object_get(c->rec, "State");

	if (!json_is_object(st_obj)) {
		st_obj = json_object();
		json_object_set_new(c->rec, "State", st_obj);
	}
	container_state_store(&c->state, st_obj);
	if (c->saved) {
		_cleanup_free_ char *disk_text = NULL;
		_cleanup_json_ json_t *disk = NULL, *base = NULL;

		if (c->lock_depth == 0) {
			r = lock_take(c, err);
			if (r < 0)
				return r;
			took = true;
		}
		r = record_read(c->dir, c->id, &disk_text, &disk, err);
		/* someone else wrote since we read: keep theirs where we changed nothing */
		if (r == 0 && !streq(disk_text, c->saved)) {
			r = json_load_buf(c->saved, strlen(c->saved), p, &base, err);
			if (r == 0)
				json_rebase(c->rec, base, disk);
		}
	}
	if (r == 0) {
		/* what was rebased onto another writer's record is the state now */
		struct container_state st;
		r = container_state_parse(json_object_get(c->rec, "State"), &st, err);
		if (r == 0) {
			container_state_release(&c->state);
			c->state = st;
		}
	}
	if (r == 0) {
		text = json_dump_str(c->rec, JSON_COMPACT | JSON_SORT_KEYS);
		/* a build step's or a --rm container dies with its build or its process:
		 * not worth an fsync */
		r = (container_is_disposable(c) ? write_file_replace : write_file_atomic)(
			p, text, strlen(text), 0644, err);
	}
	if (r == 0) {
		free(c->saved);
		c->saved = TAKE_PTR(text);
	}
	if (took)
		lock_drop(c);
	return r;
}

int container_names_lock(struct store *s, struct hull_err **err)
{
	_cleanup_free_ char *p = xasprintf("%s/containers/names.lock", s->root);
	_cleanup_close_ int fd = -1;

	fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_set(err, errno, "open '%s'", p);
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return err_set(err, errno, "lock '%s'", p);
	return TAKE_FD(fd);
}

/*
 * The names index, <root>/containers/.names/NAME@ID: an empty file for each container that
 * has (or had, when its remover was killed) the name NAME ('@' is not in names), so that
 * finding a container by name (every `run`, which checks that its name is free, and every
 * command given a name) reads one directory, not every record. Empty files in one
 * directory: nothing per container owns a disk block, whose freeing at `rm` would cost a
 * discard on a file system mounted with it. The index is the names' only when it exists:
 * name_reserve() makes it whole from the records, under the names lock, the first time.
 * An entry is made, under the names lock, before the record has the name, and removed
 * after the record no longer has it (rename) or is gone (rm), so every container's name has
 * its entry; one left behind by a killed hull names a container that does not have the name
 * (or does not exist) and is skipped, since the record is read to check it.
 */
#define NAMES_DIR      "containers/.names"
#define NAME_INDEX_MAX 180 /* a longer name (a file name has 255 bytes) is found by a scan */

/* Whether @name can be a directory of the index: a valid name of NAME_INDEX_MAX at most. */
static bool name_indexable(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && n <= NAME_INDEX_MAX && !strchr(name, '/') && !strchr(name, '@') &&
	       name[0] != '.';
}

/* Add @id under @name to the index at @names_dir. Caller holds the names lock. */
static int name_index_add_at(const char *names_dir, const char *name, const char *id)
{
	_cleanup_free_ char *f = NULL;
	int fd;

	if (!name_indexable(name))
		return 0;
	f = xasprintf("%s/%s@%s", names_dir, name, id);
	fd = open(f, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

int container_name_index_add(struct store *s, const char *name, const char *id)
{
	_cleanup_free_ char *dir = path_join(s->root, NAMES_DIR);

	if (access(dir, F_OK) < 0)
		return 0; /* no index yet: name_reserve() makes it */
	return name_index_add_at(dir, name, id);
}

/* Remove @id's entry under @name (with or without its '/'). */
void container_name_index_remove(struct store *s, const char *name, const char *id)
{
	_cleanup_free_ char *f = NULL;

	if (!name)
		return;
	name += name[0] == '/';
	if (!name_indexable(name))
		return;
	f = xasprintf("%s/" NAMES_DIR "/%s@%s", s->root, name, id);
	(void) unlink(f);
}

int container_dir_remove(struct store *s, const char *runroot, struct container *c,
			 struct hull_err **err)
{
	const char *slash = strrchr(c->dir, '/');
	const char *run_dir =
		c->rec ? json_get_str(json_object_get(c->rec, "Hull"), "RunDir") : NULL;
	_cleanup_free_ char *gone =
		xasprintf("%.*s.rm-%s", (int) (slash ? slash + 1 - c->dir : 0), c->dir, c->id);
	bool took = false;
	int r;

	/* its runtime state first (the record may not name it yet): then only the directory */
	if (run_dir)
		(void) rm_rf(run_dir, NULL);
	if (runroot) {
		_cleanup_free_ char *p = xasprintf("%s/containers/%s", runroot, c->id);
		(void) rm_rf(p, NULL);
	}
	/* the lock alone: a record that cannot be read must still go */
	if (c->lock_depth == 0) {
		r = lock_take(c, err);
		if (r == -ENOENT && access(c->dir, F_OK) < 0) {
			/* gone already (a concurrent removal): fine */
			err_free(err ? *err : NULL);
			if (err)
				*err = NULL;
			return 0;
		}
		if (r < 0)
			return r;
		took = true;
	}
	if (rename(c->dir, gone) < 0) {
		r = err_set(err, errno, "rename '%s' to '%s'", c->dir, gone);
	} else {
		free(c->dir);
		c->dir = TAKE_PTR(gone);
		/* gone for readers: its name is free */
		if (c->rec)
			container_name_index_remove(s, json_get_str(c->rec, "Name"), c->id);
		/* still locked: a listing that finds .rm-<id> leaves it to us */
		r = rm_rf(c->dir, err);
	}
	if (took)
		lock_drop(c);
	return r;
}

/* A zombie is dead too: a killed monitor may wait a while for its reaper. */
static int pid_alive(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;

	if (pid <= 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
	f = fopen(path, "re");
	if (!f)
		return errno != ENOENT;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	p = p ? strrchr(buf, ')') : NULL;
	return !p || (p[1] == ' ' && p[2] != 'Z' && p[2] != 'X');
}

static int container_read(struct store *s, const char *id, struct container **ret,
			  struct hull_err **err)
{
	_cleanup_free_ char *dir = xasprintf("%s/containers/%s", s->root, id);
	_cleanup_free_ char *text = NULL;
	struct container *c;
	json_t *rec;
	int r;

	r = record_read(dir, id, &text, &rec, err);
	if (r < 0)
		return r;
	c = container_new(id, TAKE_PTR(dir));
	r = record_adopt(c, rec, TAKE_PTR(text), err);
	if (r < 0) {
		container_free(c);
		return r;
	}
	container_reconcile(c);
	*ret = c;
	return 0;
}

void container_endpoint_clear(json_t *ep)
{
	json_object_set_new(ep, "EndpointID", json_string(""));
	json_object_set_new(ep, "Gateway", json_string(""));
	json_object_set_new(ep, "IPAddress", json_string(""));
	json_object_set_new(ep, "IPPrefixLen", json_integer(0));
	json_object_set_new(ep, "MacAddress", json_string(""));
	json_object_set_new(ep, "IPv6Gateway", json_string(""));
	json_object_set_new(ep, "GlobalIPv6Address", json_string(""));
	json_object_set_new(ep, "GlobalIPv6PrefixLen", json_integer(0));
	json_object_set_new(ep, "DNSNames", json_null());
}

bool container_pid_alive(pid_t pid)
{
	return pid_alive(pid);
}

/* The record says running, but no monitor watches the container. */
static bool monitor_lost(struct container *c)
{
	pid_t mon = (pid_t) json_integer_value(
		json_object_get(json_object_get(c->rec, "Hull"), "MonitorPid"));

	return container_state_running(&c->state) && !pid_alive(mon);
}

static void reconcile_locked(struct container *c)
{
	json_t *ns = json_object_get(c->rec, "NetworkSettings");
	pid_t pid = c->state.pid;
	_cleanup_free_ struct port_map *ports = NULL;
	const char *ip = json_get_str(ns, "IPAddress");
	size_t n = 0;

	/*
	 * Nothing watches the container any more: it cannot be attached to,
	 * logged or reaped, so it is killed (PR_SET_PDEATHSIG cannot do this at
	 * the monitor's death: execve clears it on these kernels).
	 */
	if (pid_alive(pid) &&
	    proc_start_time(pid) == (unsigned long long) json_integer_value(json_object_get(
					    json_object_get(c->rec, "Hull"), "PidStart"))) {
		int fd = (int) syscall(SYS_pidfd_open, pid, 0);
		(void) kill(pid, SIGKILL);
		if (fd >= 0) {
			struct pollfd p = {fd, POLLIN, 0};
			(void) poll(&p, 1, 2000);
			close(fd);
		}
	}
	{
		/* the cgroups (and the device rules) went with the monitor's teardown */
		_cleanup_strv_ char **cg = NULL;
		json_t *hull = json_object_get(c->rec, "Hull");
		(void) json_to_strv(json_object_get(hull, "Cgroups"), &cg);
		if (cg && cg[0])
			rt_cgroup_remove(cg);
		json_object_set_new(hull, "Cgroups", json_array());
	}
	/* the proxies end with the container's process; a dead monitor left them unreaped */
	container_proxies_stop(json_object_get(c->rec, "Hull"), false);
	json_object_set_new(json_object_get(c->rec, "Hull"), "Proxies", json_array());
	if (!isempty(ip)) {
		(void) ports_from_json(json_object_get(ns, "Ports"), &ports, &n);
		net_ports_remove(ip, NULL, ports, n);
		net_ip_release(NET_STATE_DIR, ip);
	}
	{
		/* a user network's address (container/start.c) */
		const char *k;
		json_t *ep;
		json_object_foreach (json_object_get(ns, "Networks"), k, ep) {
			const char *eip = json_get_str(ep, "IPAddress");
			if (isempty(eip))
				continue;
			free(ports);
			ports = NULL;
			n = 0;
			(void) ports_from_json(json_object_get(ns, "Ports"), &ports, &n);
			net_ports_remove(eip, json_get_str(ep, "GlobalIPv6Address"), ports, n);
			network_hosts_leave(json_get_str(ep, "NetworkID"), c->id);
			network_ip_release(k, json_get_str(ep, "NetworkID"), eip);
			net_network_ip6_release(json_get_str(ep, "NetworkID"),
						json_get_str(ep, "GlobalIPv6Address"));
			container_endpoint_clear(ep);
		}
	}
	c->state.status = CONTAINER_EXITED;
	c->state.pid = 0;
	c->state.exit_code = 137;
	container_state_set_error(&c->state, "the container's monitor died");
	json_object_set_new(json_object_get(c->rec, "Hull"), "MonitorPid", json_integer(0));
	c->state.finished_at = container_time_now();
	container_health_stopped(c->rec);
	(void) container_save(c, NULL);
	container_event(c, "die", "exitCode", "137", NULL);
}

void container_reconcile(struct container *c)
{
	if (!monitor_lost(c))
		return;
	/* once, by one process: the address and ports freed twice could be another's by then */
	if (container_lock(c, NULL) < 0)
		return;
	if (monitor_lost(c))
		reconcile_locked(c);
	container_unlock(c);
}

/*
 * A removal's leftover <root>/containers/.rm-<id> (its hull was killed): delete
 * it unless its remover still works on it (and holds its lock).
 */
static void finish_removal(int containers_fd, const char *name)
{
	_cleanup_close_ int fd = openat(containers_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *self = NULL;

	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0)
		return;
	/* a shareable /dev/shm its monitor left mounted: rm_tree_at() stops at mounts */
	self = xasprintf("/proc/self/fd/%d", fd);
	container_shm_unmount(self);
	(void) rm_tree_at(containers_fd, name, true, NULL);
}

static int container_ids(struct store *s, char ***ret, struct hull_err **err)
{
	_cleanup_free_ char *p = path_join(s->root, "containers");
	_cleanup_strv_ char **ids = strv_new();
	DIR *d = opendir(p);
	struct dirent *de;

	if (!d) {
		if (errno == ENOENT) {
			*ret = TAKE_PTR(ids);
			return 0;
		}
		return err_set(err, errno, "open '%s'", p);
	}
	while ((de = readdir(d))) {
		if (strlen(de->d_name) == 64)
			strv_push(&ids, de->d_name);
		else if (startswith(de->d_name, ".rm-"))
			finish_removal(dirfd(d), de->d_name);
	}
	closedir(d);
	*ret = TAKE_PTR(ids);
	return 0;
}

int container_list(struct store *s, struct container ***ret, struct hull_err **err)
{
	_cleanup_strv_ char **ids = NULL;
	struct container **l;
	size_t n = 0;
	int r;

	r = container_ids(s, &ids, err);
	if (r < 0)
		return r;
	l = xcalloc(strv_length(ids) + 1, sizeof(*l));
	STRV_FOREACH (id, ids) {
		struct container *c = NULL;
		if (container_read(s, *id, &c, NULL) < 0)
			continue; /* being removed, or half-created */
		if (container_is_hidden(c)) {
			container_free(c);
			continue;
		}
		l[n++] = c;
	}
	*ret = l;
	return 0;
}

const char *container_run_dir(const char *runroot, struct container *c)
{
	json_t *h = json_object_get(c->rec, "Hull");
	_cleanup_free_ char *d = NULL;

	if (json_get_str(h, "RunDir")) {
		/* the monitor removes it when the container exits: a new start makes it again */
		(void) mkdir_p(json_get_str(h, "RunDir"), 0700, NULL);
		return json_get_str(h, "RunDir");
	}
	d = xasprintf("%s/containers/%s", runroot, c->id);
	(void) mkdir_p(d, 0700, NULL);
	json_object_set_new(h, "RunDir", json_string(d));
	return json_get_str(h, "RunDir");
}

/*
 * Whether the build that made the hidden container @c still runs: its step
 * has exited, but the build has yet to commit the step's upper directory
 * (issue 12: 30 parallel builds removed each other's steps).
 */
static bool owner_alive(const struct container *c)
{
	json_t *h = json_object_get(c->rec, "Hull");
	json_int_t pid = json_integer_value(json_object_get(h, "OwnerPid"));
	json_int_t start = json_integer_value(json_object_get(h, "OwnerStart"));

	return pid > 0 && start > 0 && proc_start_time((pid_t) pid) == (unsigned long long) start;
}

void container_remove_dead_hidden(struct store *s, const char *runroot)
{
	_cleanup_strv_ char **ids = NULL;

	if (container_ids(s, &ids, NULL) < 0)
		return;
	STRV_FOREACH (id, ids) {
		struct container *c = NULL;
		if (container_read(s, *id, &c, NULL) < 0)
			continue;
		/* "created" too: the build was killed before it started the step */
		if (container_is_hidden(c) && !container_state_running(&c->state) &&
		    !owner_alive(c))
			(void) container_dir_remove(s, runroot, c, NULL);
		container_free(c);
	}
}

/*
 * 1 and *@ret: the container named @want, found through the index; 0: no container has that
 * name; -1: no index (or a name too long for it): the caller reads the records.
 */
static int name_index_find(struct store *s, const char *want, struct container **ret)
{
	_cleanup_free_ char *dir = path_join(s->root, NAMES_DIR);
	size_t wl = strlen(want);
	struct dirent *de;
	int found = 0;
	DIR *dd;

	if (!*want || strchr(want, '/') || strchr(want, '@') || want[0] == '.')
		return 0; /* not a name: [a-zA-Z0-9][a-zA-Z0-9_.-]* */
	if (!name_indexable(want))
		return -1;
	dd = opendir(dir);
	if (!dd)
		return -1;
	/* a few getdents for the whole store: no record is read but those of @want */
	while (!found && (de = readdir(dd))) {
		struct container *c = NULL;
		const char *name;

		if (strlen(de->d_name) != wl + 1 + 64 || de->d_name[wl] != '@' ||
		    memcmp(de->d_name, want, wl) != 0 ||
		    container_read(s, de->d_name + wl + 1, &c, NULL) < 0)
			continue; /* removed: its entry was left by a killed hull */
		name = json_get_str(c->rec, "Name");
		if (name && streq(name + (name[0] == '/'), want)) {
			*ret = c;
			found = 1;
		} else {
			container_free(c);
		}
	}
	closedir(dd);
	return found;
}

/*
 * Under the names lock: make the names index from the records when there is none (a store
 * of an older hull), in a directory renamed into place once whole.
 */
static void name_index_ensure(struct store *s)
{
	_cleanup_free_ char *dir = path_join(s->root, NAMES_DIR), *tmp = NULL;
	_cleanup_strv_ char **ids = NULL;
	bool ok = true;

	/* built under tmp/ (the same file system), which store_open() clears of a killed
	 * hull's directories */
	if (access(dir, F_OK) == 0 || store_tmpdir(s, "names", &tmp, NULL) < 0)
		return;
	if (container_ids(s, &ids, NULL) < 0)
		ok = false;
	STRV_FOREACH (id, ok ? ids : NULL) {
		struct container *c = NULL;
		const char *name;
		int r = container_read(s, *id, &c, NULL);

		/* removed meanwhile, or a record no one can load: no name to keep; any other
		 * failure (out of fds or memory) would leave a name out: no index then */
		if (r == -ENOENT || r == -EINVAL || r == -EBADMSG)
			continue;
		if (r < 0) {
			ok = false;
			break;
		}
		name = json_get_str(c->rec, "Name");
		if (name && name_index_add_at(tmp, name + (name[0] == '/'), *id) < 0)
			ok = false;
		container_free(c);
		if (!ok)
			break;
	}
	if (!ok || rename(tmp, dir) < 0)
		(void) rm_rf(tmp, NULL);
}

int container_load(struct store *s, const char *name_or_id, struct container **ret,
		   struct hull_err **err)
{
	_cleanup_strv_ char **ids = NULL;
	const char *want = name_or_id[0] == '/' ? name_or_id + 1 : name_or_id;
	const char *match = NULL;
	int r;

	r = container_ids(s, &ids, err);
	if (r < 0)
		return r;
	/* Exact id, then exact name, then unique id prefix (moby daemon.GetContainer). */
	STRV_FOREACH (id, ids)
		if (streq(*id, want))
			return container_read(s, *id, ret, err);
	r = name_index_find(s, want, ret);
	if (r > 0)
		return 0;
	STRV_FOREACH (id, r == 0 ? NULL : ids) {
		struct container *c = NULL;
		const char *name;
		if (container_read(s, *id, &c, NULL) < 0)
			continue;
		name = json_get_str(c->rec, "Name");
		if (name && streq(name + (name[0] == '/'), want)) {
			*ret = c;
			return 0;
		}
		container_free(c);
	}
	if (*want) {
		STRV_FOREACH (id, ids) {
			if (!startswith(*id, want))
				continue;
			if (match)
				return err_setx(err, EINVAL,
						"multiple IDs found with provided prefix: %s",
						want);
			match = *id;
		}
	}
	if (match)
		return container_read(s, match, ret, err);
	return err_setx(err, ENOENT, "No such container: %s", name_or_id);
}

bool container_is_running(struct container *c)
{
	return container_state_running(&c->state) && pid_alive(c->state.pid);
}

json_t *port_bindings_json(const struct port_map *ports, size_t n, bool resolved)
{
	json_t *o = json_object();

	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *key =
			xasprintf("%u/%s", ports[i].ctr_port, net_proto_name(ports[i].proto));
		_cleanup_free_ char *hp =
			ports[i].host_port_end
				? xasprintf("%u-%u", ports[i].host_port, ports[i].host_port_end)
				: xasprintf("%u", ports[i].host_port);
		json_t *arr = json_object_get(o, key);
		const char *ip = ports[i].host_ip;

		if (!arr) {
			arr = json_array();
			json_object_set_new(o, key, arr);
		}
		json_array_append_new(arr,
				      json_pack("{s:s,s:s}", "HostIp",
						(resolved && !*ip) ? "0.0.0.0" : ip, "HostPort",
						(!resolved && ports[i].host_port == 0) ? "" : hp));
	}
	return o;
}

int port_key_parse(const char *key, uint16_t *ret_port, int *ret_proto)
{
	const char *slash = strchr(key, '/');
	const char *proto = slash && slash[1] ? slash + 1 : "tcp";
	size_t digits = slash ? (size_t) (slash - key) : strlen(key);
	unsigned long port = 0;

	/* digits only, 1..65535: "4294967376/tcp" must not wrap round to 80 */
	if (digits == 0 || digits > 5 || strspn(key, "0123456789") != digits)
		return -EINVAL;
	for (size_t i = 0; i < digits; i++)
		port = port * 10 + (unsigned long) (key[i] - '0');
	if (port == 0 || port > 65535 ||
	    (!streq(proto, "tcp") && !streq(proto, "udp") && !streq(proto, "sctp")))
		return -EINVAL;
	*ret_port = (uint16_t) port;
	*ret_proto = streq(proto, "udp")    ? IPPROTO_UDP
		     : streq(proto, "sctp") ? IPPROTO_SCTP
					    : IPPROTO_TCP;
	return 0;
}

int ports_from_json(json_t *bindings, struct port_map **ret, size_t *n)
{
	const char *key;
	json_t *arr;

	*ret = NULL;
	*n = 0;
	json_object_foreach (bindings, key, arr) {
		uint16_t cport;
		int proto;
		size_t i;
		json_t *b;

		if (port_key_parse(key, &cport, &proto) < 0)
			continue;
		json_array_foreach (arr, i, b) {
			struct port_map pm = {0};
			const char *hp = json_get_str(b, "HostPort");
			const char *hip = json_get_str(b, "HostIp");
			pm.ctr_port = cport;
			char *end = NULL;
			pm.host_port = (uint16_t) (hp && *hp ? strtoul(hp, &end, 10) : 0);
			if (end && *end == '-') /* "8000-8010": a host range (net_port_parse()) */
				pm.host_port_end = (uint16_t) strtoul(end + 1, NULL, 10);
			pm.proto = proto;
			snprintf(pm.host_ip, sizeof(pm.host_ip), "%s", hip ? hip : "");
			*ret = xrealloc(*ret, (*n + 1) * sizeof(**ret));
			(*ret)[(*n)++] = pm;
		}
	}
	return 0;
}

int run_attach_parse(const char *s)
{
	if (strcasecmp(s, "stdin") == 0)
		return RUN_ATTACH_STDIN;
	if (strcasecmp(s, "stdout") == 0)
		return RUN_ATTACH_STDOUT;
	if (strcasecmp(s, "stderr") == 0)
		return RUN_ATTACH_STDERR;
	return -EINVAL;
}

unsigned run_attached(const struct run_opts *o)
{
	unsigned a;

	if (o->detach)
		return 0; /* run -d: docker/cli run.go clears them all */
	a = o->attach ? o->attach : RUN_ATTACH_STDOUT | RUN_ATTACH_STDERR;
	if (o->interactive)
		a |= RUN_ATTACH_STDIN;
	return a;
}

static bool name_in_use(struct store *s, const char *name, char **ret_id)
{
	struct container *c = NULL;

	if (container_load(s, name, &c, NULL) < 0)
		return false;
	/* container_load() also matches id prefixes; only a name counts here. */
	if (!streq(json_get_str(c->rec, "Name"), name) &&
	    !streq(json_get_str(c->rec, "Name") + 1, name)) {
		container_free(c);
		return false;
	}
	*ret_id = xstrdup(c->id);
	container_free(c);
	return true;
}

/* Under the names lock: @want (NULL: a generated name) if no container has it. */
static int name_reserve(struct store *s, const char *want, char **ret, struct hull_err **err)
{
	_cleanup_free_ char *name = NULL, *other = NULL;

	name_index_ensure(s);
	if (want) {
		name = xstrdup(want[0] == '/' ? want + 1 : want);
		if (name_in_use(s, name, &other))
			return err_setx(err, EEXIST, NAME_CONFLICT_FMT, name, other);
	} else {
		for (int i = 0; i < 16; i++) {
			free(name);
			name = random_name();
			if (!name_in_use(s, name, &other))
				break;
			other = (free(other), NULL);
		}
	}
	*ret = TAKE_PTR(name);
	return 0;
}

/* The flags that --network container:NAME takes from the other container (moby runconfig). */
static int net_container_mode_check(const struct run_opts *o, struct hull_err **err)
{
	const char *what = NULL;

	if (!o->network[strlen("container:")])
		what = "invalid container format container:<name|id>";
	else if (o->hostname)
		what = "conflicting options: hostname and the network mode";
	else if (o->dns || o->dns_search || o->dns_options)
		what = "conflicting options: dns and the network mode";
	else if (o->add_hosts)
		what = "conflicting options: custom host-to-IP mapping and the network mode";
	else if (o->n_ports || o->publish_all)
		what = "conflicting options: port publishing and the container type network mode";
	else if (o->expose)
		what = "conflicting options: port exposing and the container type network mode";
	else if (o->mac_address)
		what = "conflicting options: mac-address and the network mode";
	else if (o->ip || o->ip6)
		what = "user specified IP address is supported on user defined networks only";
	else if (o->aliases)
		what = "network-scoped alias is supported only for containers in user defined "
		       "networks";
	else if (o->networks)
		what = "conflicting options: the container type network mode and other networks";
	return what ? err_setx(err, EINVAL, "%s", what) : 0;
}

int container_create(struct store *s, const char *runroot, const struct image *img,
		     const char *image_name, const struct run_opts *o, struct container **ret,
		     struct hull_err **err)
{
	json_t *icfg = json_object_get(img->config, "config");
	_cleanup_strv_ char **img_ep = NULL, **img_cmd = NULL, **env = NULL;
	_cleanup_free_ char *name = NULL, *dir = NULL, *created = NULL, *stage = NULL;
	_cleanup_close_ int names_fd = -1;
	struct cmd_decision d = {0};
	char id[65], hostname[256] = "";
	json_t *rec, *cfg, *exposed, *labels;
	_cleanup_json_ json_t *devices = json_array();
	_cleanup_json_ json_t *log_cfg = NULL;
	struct container *c;
	const char *wd;
	unsigned attached = run_attached(o);
	_cleanup_json_ json_t *net = NULL, *more = NULL;
	const char *netmode = o->network ? o->network : "bridge";
	int r;

	(void) runroot;
	if (startswith(netmode, "container:")) {
		/* moby runconfig validateNetContainerMode; the container is looked up at start */
		r = net_container_mode_check(o, err);
		if (r < 0)
			return r;
	} else {
		/* the network first, as docker's create (moby daemon/create.go
		 * verifyNetworkingConfig) */
		r = network_check_endpoint(s, netmode, o->ip, o->ip6, &net, err);
		if (r < 0)
			return r;
		/* moby runconfig validateNetMode: a MAC needs a network of the container's own */
		if (o->mac_address && streq(netmode, "host"))
			return err_setx(err, EINVAL,
					"conflicting options: mac-address and the network mode");
	}
	/* --network ID or an id prefix: the record keeps the name, the key of Networks */
	if (net)
		netmode = json_get_str(net, "Name");
	r = network_check_aliases(netmode, o->aliases, err);
	if (r < 0)
		return r;
	r = network_check_more(s, netmode, o->networks, &more, err);
	if (r < 0)
		return r;
	(void) json_to_strv(json_object_get(icfg, "Entrypoint"), &img_ep);
	(void) json_to_strv(json_object_get(icfg, "Cmd"), &img_cmd);
	r = cmd_resolve(img_ep, img_cmd, o->entrypoint, o->cmd, &d, err);
	if (r < 0)
		return r;

	if (o->name && !name_valid(o->name)) {
		cmd_decision_release(&d);
		return err_setx(
			err, EINVAL,
			"Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
			o->name);
	}
	wd = o->workdir ? o->workdir : json_get_str(icfg, "WorkingDir");
	if (isempty(wd))
		wd = "/";
	if (wd[0] != '/') {
		cmd_decision_release(&d);
		return err_setx(err, EINVAL,
				"the working directory '%s' is invalid, it needs to be an absolute "
				"path",
				wd);
	}

	/* --log-driver and --log-opt: docker checks them at create and at start; hull at once */
	r = container_log_config(o->log_driver, o->log_opts, &log_cfg, err);
	if (r < 0) {
		cmd_decision_release(&d);
		return r;
	}

	/* --device and --device-cgroup-rule, as the docker CLI checks them */
	STRV_FOREACH (dv, o->devices) {
		_cleanup_free_ char *host = NULL, *ctr = NULL, *perms = NULL;
		r = container_device_parse(*dv, &host, &ctr, &perms, err);
		if (r < 0) {
			cmd_decision_release(&d);
			return r;
		}
		json_array_append_new(devices, json_pack("{s:s,s:s,s:s}", "PathOnHost", host,
							 "PathInContainer", ctr,
							 "CgroupPermissions", perms));
	}
	STRV_FOREACH (rule, o->device_cgroup_rules) {
		r = container_device_cgroup_rule_check(*rule, err);
		if (r < 0) {
			cmd_decision_release(&d);
			return r;
		}
	}

	/* Environment: the image's, then -e (moby daemon/create.go,
	 * container.CreateDaemonEnvironment). */
	(void) json_to_strv(json_object_get(icfg, "Env"), &env);
	if (!env)
		env = strv_new();
	STRV_FOREACH (e, o->env) {
		if (strchr(*e, '=')) {
			strv_env_set(&env, *e);
		} else {
			const char *v = getenv(*e);
			if (v) {
				_cleanup_free_ char *kv = xasprintf("%s=%s", *e, v);
				strv_env_set(&env, kv);
			}
		}
	}
	if (!strv_env_get(env, "PATH"))
		strv_env_set(&env, "PATH=" DEFAULT_PATH);
	if (o->tty && !strv_env_get(env, "TERM"))
		strv_env_set(&env, "TERM=xterm");

	random_hex(id, 32);
	dir = xasprintf("%s/containers/%s", s->root, id);
	created = now_rfc3339();

	/* the hostname is --hostname, the short id, or the host's with --network host (moby) */
	if (o->hostname)
		snprintf(hostname, sizeof(hostname), "%s", o->hostname);
	else if (o->network && streq(o->network, "host"))
		(void) gethostname(hostname, sizeof(hostname) - 1);
	else
		snprintf(hostname, sizeof(hostname), "%.12s", id);
	/* docker/cli opts.go: stdin closes at the client's EOF when -i is attached */
	/* text that is not UTF-8 becomes U+FFFD, as docker's API carries it */
	cfg = json_pack("{s:o,s:s,s:o,s:b,s:b,s:b,s:b,s:b,s:b,s:o,s:o,s:o,s:s,s:o}", "Hostname",
			json_string_lossy(hostname), "Domainname", "", "User",
			json_string_lossy(o->user ? o->user : (json_get_str(icfg, "User") ?: "")),
			"AttachStdin", !!(attached & RUN_ATTACH_STDIN), "AttachStdout",
			!!(attached & RUN_ATTACH_STDOUT), "AttachStderr",
			!!(attached & RUN_ATTACH_STDERR), "Tty", o->tty, "OpenStdin",
			o->interactive, "StdinOnce",
			o->interactive && (attached & RUN_ATTACH_STDIN), "Env", json_from_strv(env),
			"Cmd", json_from_strv(d.cmd), "Entrypoint", json_from_strv(d.entrypoint),
			"Image", image_name, "WorkingDir",
			json_string_lossy(o->workdir ? o->workdir
						     : (json_get_str(icfg, "WorkingDir") ?: "")));
	exposed = json_deep_copy(json_object_get(icfg, "ExposedPorts"));
	if (!exposed)
		exposed = json_object();
	STRV_FOREACH (x, o->expose)
		json_object_set_new(exposed, *x, json_object());
	for (size_t i = 0; i < o->n_ports; i++) {
		_cleanup_free_ char *k =
			xasprintf("%u/%s", o->ports[i].ctr_port, net_proto_name(o->ports[i].proto));
		json_object_set_new(exposed, k, json_object());
	}
	if (json_object_size(exposed))
		json_object_set_new(cfg, "ExposedPorts", exposed);
	else
		json_decref(exposed);
	/* as given (docker's Config.MacAddress, omitted when empty); start.c applies it */
	if (o->mac_address)
		json_object_set_new(cfg, "MacAddress", json_string(o->mac_address));
	/* the image's labels, then the run's, which win (moby daemon/create.go merge) */
	labels = json_is_object(json_object_get(icfg, "Labels"))
			 ? json_deep_copy(json_object_get(icfg, "Labels"))
			 : json_object();
	STRV_FOREACH (l, o->labels) {
		const char *eq = strchr(*l, '=');
		_cleanup_free_ char *k = eq ? xstrndup(*l, (size_t) (eq - *l)) : xstrdup(*l);
		json_object_set_new(labels, k, json_string(eq ? eq + 1 : ""));
	}
	json_object_set_new(cfg, "Labels", labels);
	if (o->stop_signal)
		json_object_set_new(cfg, "StopSignal", json_string(o->stop_signal));
	else if (json_object_get(icfg, "StopSignal"))
		json_object_set(cfg, "StopSignal", json_object_get(icfg, "StopSignal"));
	if (o->stop_timeout >= 0)
		json_object_set_new(cfg, "StopTimeout", json_integer(o->stop_timeout));
	if (json_object_get(icfg, "Shell"))
		json_object_set(cfg, "Shell", json_object_get(icfg, "Shell"));
	if (!o->hidden) {
		/* a build step's container is no service: BuildKit runs no health check there */
		json_t *hc = NULL;
		r = container_healthcheck_config(json_object_get(icfg, "Healthcheck"),
						 o->healthcheck, &hc, err);
		if (r < 0) {
			json_decref(cfg);
			cmd_decision_release(&d);
			return r;
		}
		if (hc)
			json_object_set_new(cfg, "Healthcheck", hc);
	}

	rec = json_pack("{s:s,s:s,s:s,s:o,s:{s:s,s:b,s:b,s:b,s:b,s:b,s:i,s:i,s:s,s:s,s:s},s:s,"
			"s:s,s:s,s:s,"
			"s:s,s:s,s:s,s:i,s:{s:s,s:o,s:b},s:o,s:{s:s,s:s,s:i,s:s,s:o},s:{s:b,s:s}}",
			"Id", id, "Created", created, "Path", d.argv[0], "Args",
			json_from_strv(d.argv + 1), "State", "Status", "created", "Running", 0,
			"Paused", 0, "Restarting", 0, "OOMKilled", 0, "Dead", 0, "Pid", 0,
			"ExitCode", 0, "Error", "", "StartedAt", "0001-01-01T00:00:00Z",
			"FinishedAt", "0001-01-01T00:00:00Z", "Image", img->id, "ResolvConfPath",
			"", "HostnamePath", "", "HostsPath", "", "LogPath", "", "Name", "",
			"Driver", "overlay2", "RestartCount", 0, "HostConfig", "NetworkMode",
			netmode, "PortBindings", port_bindings_json(o->ports, o->n_ports, false),
			"AutoRemove", o->auto_remove, "Config", cfg, "NetworkSettings", "IPAddress",
			"", "Gateway", "", "IPPrefixLen", 0, "MacAddress", "", "Ports",
			json_object(), "Hull", "Hidden", o->hidden, "Why", d.why);
	if (!rec)
		abort();
	{
		/* docker's top-level IPv6 fields: filled for the default bridge only, which has no
		 * IPv6 in hull (docs/networking.md "IPv6"); a user network's are in Networks */
		json_t *ns = json_object_get(rec, "NetworkSettings");
		json_object_set_new(ns, "GlobalIPv6Address", json_string(""));
		json_object_set_new(ns, "GlobalIPv6PrefixLen", json_integer(0));
		json_object_set_new(ns, "IPv6Gateway", json_string(""));
	}
	if (o->hidden) {
		/* a build step's: it is its build's until that process is gone */
		json_t *h = json_object_get(rec, "Hull");
		json_object_set_new(h, "OwnerPid", json_integer(getpid()));
		json_object_set_new(h, "OwnerStart",
				    json_integer((json_int_t) proc_start_time(getpid())));
	}
	{
		_cleanup_free_ char *p1 = path_join(dir, "resolv.conf");
		_cleanup_free_ char *p2 = path_join(dir, "hostname");
		_cleanup_free_ char *p3 = path_join(dir, "hosts");
		/* local and none: docker shows no LogPath */
		_cleanup_free_ char *p4 = streq(json_get_str(log_cfg, "Type"), "json-file")
						  ? xasprintf("%s/%s-json.log", dir, id)
						  : xstrdup("");
		json_object_set_new(rec, "ResolvConfPath", json_string(p1));
		json_object_set_new(rec, "HostnamePath", json_string(p2));
		json_object_set_new(rec, "HostsPath", json_string(p3));
		json_object_set_new(rec, "LogPath", json_string(p4));
	}
	cmd_decision_release(&d);
	if (net && !network_is_predefined(json_get_str(net, "Name"))) {
		/* docker's EndpointSettings, filled at start (container/start.c) */
		json_t *eps = json_object();
		json_t *ep = network_endpoint_new(json_get_str(net, "Id"), o->ip, o->aliases);

		network_endpoint_set_ip6(ep, o->ip6);
		json_object_set_new(eps, json_get_str(net, "Name"), ep);
		json_object_set_new(json_object_get(rec, "NetworkSettings"), "Networks", eps);
		json_object_update(eps, more);
		if (o->n_ports && json_is_true(json_object_get(net, "Internal")) && o->warnings)
			strv_push(o->warnings, "Published ports are discarded when using an "
					       "internal network");
	}
	{
		json_t *hc = json_object_get(rec, "HostConfig");
		json_t *tmpfs = json_object();
		json_object_set_new(hc, "LogConfig", TAKE_PTR(log_cfg));
		json_object_set_new(hc, "Init", o->init ? json_true() : json_null());
		json_object_set_new(hc, "ReadonlyRootfs", json_boolean(o->read_only));
		json_object_set_new(hc, "PublishAllPorts", json_boolean(o->publish_all));
		json_object_set_new(hc, "VolumesFrom",
				    o->volumes_from ? json_from_strv(o->volumes_from)
						    : json_null());
		json_object_set_new(hc, "GroupAdd",
				    o->group_add ? json_from_strv(o->group_add) : json_null());
		json_object_set_new(hc, "ExtraHosts",
				    o->add_hosts ? json_from_strv(o->add_hosts) : json_null());
		/* docker/cli sends them as lists, empty when not given */
		json_object_set_new(hc, "Dns", o->dns ? json_from_strv(o->dns) : json_array());
		json_object_set_new(hc, "DnsOptions",
				    o->dns_options ? json_from_strv(o->dns_options) : json_array());
		json_object_set_new(hc, "DnsSearch",
				    o->dns_search ? json_from_strv(o->dns_search) : json_array());
		json_object_set_new(hc, "Privileged", json_boolean(o->privileged));
		json_object_set_new(hc, "CapAdd",
				    o->cap_add ? json_from_strv(o->cap_add) : json_null());
		json_object_set_new(hc, "CapDrop",
				    o->cap_drop ? json_from_strv(o->cap_drop) : json_null());
		json_object_set_new(hc, "SecurityOpt",
				    o->security_opt ? json_from_strv(o->security_opt)
						    : json_null());
		/* docker 20.10 on a cgroup v1 host: private IPC, host cgroup namespace */
		json_object_set_new(hc, "PidMode", json_string(o->pid_mode ? o->pid_mode : ""));
		json_object_set_new(
			hc, "IpcMode",
			json_string(o->ipc_mode && *o->ipc_mode ? o->ipc_mode : "private"));
		json_object_set_new(hc, "UTSMode", json_string(o->uts_mode ? o->uts_mode : ""));
		json_object_set_new(hc, "CgroupnsMode",
				    json_string(o->cgroupns_mode ? o->cgroupns_mode : "host"));
		json_object_set_new(
			hc, "ShmSize",
			json_integer((json_int_t) (o->shm_size ? o->shm_size : 64 << 20)));
		if (o->sysctls) {
			json_t *sc = json_object();
			STRV_FOREACH (kv, o->sysctls) {
				const char *eq = strchr(*kv, '=');
				_cleanup_free_ char *k = xstrndup(*kv, (size_t) (eq - *kv));
				json_object_set_new(sc, k, json_string(eq + 1));
			}
			json_object_set_new(hc, "Sysctls", sc);
		}
		STRV_FOREACH (t, o->tmpfs) {
			const char *colon = strchr(*t, ':');
			_cleanup_free_ char *dest =
				colon ? xstrndup(*t, (size_t) (colon - *t)) : xstrdup(*t);
			json_object_set_new(tmpfs, dest, json_string(colon ? colon + 1 : ""));
		}
		if (json_object_size(tmpfs))
			json_object_set_new(hc, "Tmpfs", tmpfs);
		else
			json_decref(tmpfs);
		/* as docker shows them: [] and null when none were given */
		json_object_set(hc, "Devices", devices);
		json_object_set_new(hc, "DeviceCgroupRules",
				    o->device_cgroup_rules ? json_from_strv(o->device_cgroup_rules)
							   : json_null());
		json_object_set_new(hc, "DeviceRequests", json_null());
	}
	{
		/* resource limits: the flags, then docker's defaults and checks */
		json_t *hc = json_object_get(rec, "HostConfig");
		_cleanup_strv_ char **warn = NULL;
		const char *k;
		json_t *v;
		json_object_foreach (o->resources, k, v)
			json_object_set(hc, k, v);
		container_resources_defaults(hc);
		r = container_resources_verify(hc, false, &warn, err);
		if (r < 0) {
			json_decref(rec);
			return r;
		}
		STRV_FOREACH (w, warn)
			if (o->warnings)
				strv_push(o->warnings, *w);
	}

	/*
	 * The name is checked and taken under the names lock, held until the
	 * record is written (moby reserveName, after the settings' checks).
	 */
	names_fd = container_names_lock(s, err);
	if (names_fd < 0) {
		json_decref(rec);
		return names_fd;
	}
	r = name_reserve(s, o->name, &name, err);
	if (r < 0) {
		json_decref(rec);
		return r;
	}
	{
		_cleanup_free_ char *slash = xasprintf("/%s", name);
		json_object_set_new(rec, "Name", json_string(slash));
	}
	/*
	 * The directory is made whole under tmp/ and renamed into containers/,
	 * so that a process killed meanwhile leaves no container without a
	 * record, only a stage the next store_open() removes.
	 */
	r = store_tmpdir(s, "create", &stage, err);
	if (r < 0) {
		json_decref(rec);
		return r;
	}
	c = container_new(id, TAKE_PTR(stage));
	c->rec = rec;
	{
		const char *sub[] = {"/upper", "/work", "/rootfs"};
		(void) chmod(c->dir, 0700);
		for (size_t i = 0; i < ARRAY_SIZE(sub); i++) {
			_cleanup_free_ char *p = xasprintf("%s%s", c->dir, sub[i]);
			/* upper/ becomes the container's "/": docker's root is 0755 */
			if (mkdir(p, i == 0 ? 0755 : 0700) < 0 && errno != EEXIST) {
				r = err_set(err, errno, "create '%s'", p);
				(void) rm_rf(c->dir, NULL);
				container_free(c);
				return r;
			}
			if (i == 0)
				(void) chmod(p, 0755); /* whatever the umask */
		}
	}
	r = container_mounts_add(s, c, img, o->volumes, o->mounts, o->volumes_from, err);
	if (r == 0)
		r = container_restart_policy_set(c, o->restart, err);
	if (r == 0)
		r = container_save(c, err);
	/* the name's index entry before the record can be found */
	if (r == 0 && (r = container_name_index_add(s, name, id)) < 0)
		r = err_set(err, -r, "index the name '%s'", name);
	if (r == 0 && rename(c->dir, dir) < 0) {
		r = err_set(err, errno, "create '%s'", dir);
		container_name_index_remove(s, name, id);
	}
	if (r < 0) {
		(void) rm_rf(c->dir, NULL);
		container_free(c);
		return r;
	}
	free(c->dir);
	c->dir = TAKE_PTR(dir);
	container_event(c, "create", NULL);
	*ret = c;
	return 0;
}

/* One container's record, rootfs directories and image (container_check()). */
static int check_one(struct store *s, const char *runroot, const char *id, bool repair,
		     store_check_fn report, void *arg)
{
	_cleanup_free_ char *obj = xasprintf("container %s", id);
	_cleanup_image_ struct image *img = NULL;
	struct container *c = NULL;
	struct hull_err *e = NULL;
	const char *image;
	int left = 0;

	if (container_read(s, id, &c, &e) < 0) {
		/* creation and removal go through tmp/: a directory without a record is debris */
		struct container gone = {.id = (char *) id, .lock_fd = -1};
		bool removed;
		gone.dir = xasprintf("%s/containers/%s", s->root, id);
		removed = repair && container_dir_remove(s, runroot, &gone, NULL) == 0;
		free(gone.dir); /* container_dir_remove() moved it to the .rm- name */
		report(arg, obj, e->msg, removed);
		err_free(e);
		return removed ? 0 : 1;
	}
	if (container_is_hidden(c) && !container_state_running(&c->state) && !owner_alive(c)) {
		/* what container_remove_dead_hidden() removes at the next build */
		bool removed = repair && container_dir_remove(s, runroot, c, NULL) == 0;
		report(arg, obj, "a build step's container whose build is gone", removed);
		container_free(c);
		return removed ? 0 : 1;
	}
	for (const char *const *sub = (const char *const[]){"upper", "work", NULL}; *sub; sub++) {
		_cleanup_free_ char *p = path_join(c->dir, *sub);
		struct stat st;
		if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode)) {
			_cleanup_free_ char *what =
				xasprintf("its rootfs directory %s/ is missing", *sub);
			report(arg, obj, what, false);
			left++;
		}
	}
	image = json_get_str(c->rec, "Image");
	if (!image || store_image_get(s, image, &img, &e) < 0) {
		_cleanup_free_ char *what = xasprintf("its image %s: %s", image ?: "(none)",
						      e ? e->msg : "not recorded");
		report(arg, obj, what, false);
		err_free(e);
		left++;
	} else {
		STRV_FOREACH (ch, img->chain_ids) {
			if (store_layer_exists(s, *ch))
				continue;
			_cleanup_free_ char *what =
				xasprintf("layer %s of its image %s is missing", *ch, img->id);
			report(arg, obj, what, false);
			left++;
		}
	}
	container_free(c);
	return left;
}

int container_check(struct store *s, const char *runroot, bool repair, store_check_fn report,
		    void *arg, struct hull_err **err)
{
	_cleanup_free_ char *dir = path_join(s->root, "containers");
	_cleanup_free_ char *rdir = path_join(runroot, "containers");
	_cleanup_strv_ char **ids = NULL;
	struct dirent *de;
	int left = 0, r;
	DIR *d;

	r = container_ids(s, &ids, err);
	if (r < 0)
		return r;
	STRV_FOREACH (id, ids)
		left += check_one(s, runroot, *id, repair, report, arg);
	/* what is not a container's directory */
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		_cleanup_free_ char *obj = xasprintf("containers/%s", de->d_name);
		bool removed;
		/* names.lock is the names lock, .names its index; a .rm- directory is a removal
		 * under way (container_ids() above finished those whose remover is gone) */
		if (streq(de->d_name, ".") || streq(de->d_name, "..") || strlen(de->d_name) == 64 ||
		    streq(de->d_name, "names.lock") || startswith(de->d_name, ".rm-") ||
		    streq(de->d_name, ".names"))
			continue;
		removed = repair && rm_tree_at(dirfd(d), de->d_name, true, NULL) == 0;
		report(arg, obj, "not a container", removed);
		left += !removed;
	}
	if (d)
		closedir(d);
	/* runtime state of containers that no longer exist */
	d = opendir(rdir);
	while (d && (de = readdir(d))) {
		_cleanup_free_ char *obj = NULL;
		bool removed;
		if (streq(de->d_name, ".") || streq(de->d_name, "..") ||
		    strv_contains(ids, de->d_name))
			continue;
		obj = xasprintf("runroot entry %s/%s", rdir, de->d_name);
		removed = repair && rm_tree_at(dirfd(d), de->d_name, true, NULL) == 0;
		report(arg, obj, "no such container", removed);
		left += !removed;
	}
	if (d)
		closedir(d);
	return left;
}
