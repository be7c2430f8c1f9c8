/* SPDX-License-Identifier: MIT */
/*
 * docker run --device and --device-cgroup-rule, and the device rules of
 * every container: the flags' syntax as the docker CLI checks it (docker/cli
 * cli/command/container/opts.go validateLinuxPath, parseLinuxDevice,
 * validateDeviceCgroupRule), the HostConfig entries, and at each start the
 * nodes and rules for the runtime as moby builds the spec (oci/defaults.go
 * deny-all, daemon/oci_linux.go WithDevices, oci/devices_linux.go
 * DevicesFromPath) and runc completes it (specconv AllowedDevices).
 */
#include <ctype.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "container/container.h"
#include "container/internal.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strv.h"

/* docker/cli validDeviceMode: one to three of r, w, m, none twice. */
static bool mode_valid(const char *m)
{
	bool seen[3] = {false, false, false};

	if (!*m)
		return false;
	for (; *m; m++) {
		int i = *m == 'r' ? 0 : *m == 'w' ? 1 : *m == 'm' ? 2 : -1;
		if (i < 0 || seen[i])
			return false;
		seen[i] = true;
	}
	return true;
}

/* Go's path.Clean for an absolute or relative path: no "//", ".", "..", trailing "/". */
static char *path_clean(const char *p)
{
	_cleanup_strv_ char **parts = strv_new();
	bool abs = p[0] == '/';
	_cleanup_free_ char *copy = xstrdup(p);
	char *save = NULL;
	size_t n = 0, len = 0;
	char *out;

	for (char *w = strtok_r(copy, "/", &save); w; w = strtok_r(NULL, "/", &save)) {
		n = strv_length(parts);
		if (streq(w, "."))
			continue;
		if (streq(w, "..")) {
			if (n && !streq(parts[n - 1], "..")) {
				free(parts[n - 1]);
				parts[n - 1] = NULL;
				continue;
			}
			if (abs)
				continue;
		}
		strv_push(&parts, w);
	}
	STRV_FOREACH (w, parts)
		len += strlen(*w) + 1;
	out = xmalloc(len + 2);
	out[0] = '\0';
	len = 0;
	if (abs)
		out[len++] = '/';
	STRV_FOREACH (w, parts) {
		size_t l = strlen(*w);
		if (w != parts)
			out[len++] = '/';
		memcpy(out + len, *w, l);
		len += l;
	}
	if (!len)
		out[len++] = '.';
	out[len] = '\0';
	return out;
}

int container_device_parse(const char *spec, char **ret_host, char **ret_ctr, char **ret_perms,
			   struct hull_err **err)
{
	_cleanup_strv_ char **part = strv_new();
	_cleanup_free_ char *host = NULL, *ctr = NULL, *perms = NULL, *ctr_path = NULL;
	size_t n = 0;

	for (const char *p = spec, *c;; p = c + 1) {
		c = strchr(p, ':');
		strv_consume(&part, c ? xstrndup(p, (size_t) (c - p)) : xstrdup(p));
		if (!c)
			break;
	}
	n = strv_length(part);
	/* validateLinuxPath: HOST[:CONTAINER][:MODE], the container path absolute */
	if (n > 3 || !*part[0])
		return err_setx(err, EINVAL, "bad format for path: %s", spec);
	if (n == 3 && !mode_valid(part[2]))
		return err_setx(err, EINVAL, "bad mode specified: %s", part[2]);
	ctr_path = xstrdup(n == 1 || (n == 2 && mode_valid(part[1])) ? part[0] : part[1]);
	if (ctr_path[0] != '/')
		return err_setx(err, EINVAL, "%s is not an absolute path", ctr_path);
	/* parseLinuxDevice, on the value as validateLinuxPath rewrote it: the path
	 * it checked is cleaned, except with three parts */
	if (n == 3) {
		host = xstrdup(part[0]);
		ctr = xstrdup(part[1]);
		perms = xstrdup(part[2]);
	} else if (n == 2 && !mode_valid(part[1])) {
		host = xstrdup(part[0]);
		ctr = path_clean(part[1]);
		perms = xstrdup("rwm");
	} else {
		host = path_clean(part[0]);
		ctr = xstrdup(host);
		perms = xstrdup(n == 2 ? part[1] : "rwm");
	}
	*ret_host = TAKE_PTR(host);
	*ret_ctr = TAKE_PTR(ctr);
	*ret_perms = TAKE_PTR(perms);
	return 0;
}

/* @rule (syntax checked) with its access letters once each, in "rwm" order. */
static char *rule_normalize(const char *rule)
{
	char *t = xstrdup(rule);
	char *acc = strrchr(t, ' ');
	size_t k = 0;
	char out[4];

	if (!acc)
		return t;
	acc++;
	for (const char *c = "rwm"; *c; c++)
		if (strchr(acc, *c))
			out[k++] = *c;
	out[k] = '\0';
	memcpy(acc, out, k + 1);
	return t;
}

/* Check @rule as the docker CLI does and parse it into *@ret. */
static int rule_parse(const char *rule, struct rt_device_rule *ret, struct hull_err **err)
{
	/* the CLI's ^[acb] ([0-9]+|\*):([0-9]+|\*) [rwm]{1,3}$: a letter may repeat */
	bool ok = rule && (rule[0] == 'a' || rule[0] == 'b' || rule[0] == 'c') && rule[1] == ' ';
	const char *p = ok ? rule + 2 : NULL;
	_cleanup_free_ char *norm = NULL;
	int e;

	for (int k = 0; ok && k < 2; k++) {
		if (*p == '*')
			p++;
		else if (*p >= '0' && *p <= '9')
			while (*p >= '0' && *p <= '9')
				p++;
		else
			ok = false;
		if (ok && *p != (k ? ' ' : ':'))
			ok = false;
		if (ok)
			p++;
	}
	if (ok) {
		size_t l = strspn(p, "rwm");
		ok = l >= 1 && l <= 3 && !p[l];
	}
	if (!ok)
		return err_setx(err, EINVAL, "invalid device cgroup format '%s'", rule ? rule : "");
	norm = rule_normalize(rule);
	e = rt_device_rule_parse(norm, ret);
	/* numbers beyond the kernel's 12 and 20 bits */
	if (e == -ERANGE)
		return err_setx(err, ERANGE,
				"invalid device cgroup rule '%s': device number out of range",
				rule);
	if (e < 0)
		return err_setx(err, EINVAL, "invalid device cgroup format '%s'", rule);
	return 0;
}

int container_device_cgroup_rule_check(const char *rule, struct hull_err **err)
{
	struct rt_device_rule r;

	return rule_parse(rule, &r, err);
}

void container_devices_release(struct container_devices *d)
{
	for (size_t i = 0; i < d->n_devices; i++)
		free((char *) d->devices[i].path);
	free(d->devices);
	free(d->rules);
	*d = (struct container_devices){0};
}

static void add_rule(struct container_devices *d, struct rt_device_rule r)
{
	d->rules = xrealloc(d->rules, (d->n_rules + 1) * sizeof(*d->rules));
	d->rules[d->n_rules++] = r;
}

/* runc devices.DeviceFromPath: a block or character device at @path (not followed). */
static int device_from_path(const char *path, const char *ctr, unsigned access,
			    struct container_devices *d)
{
	struct stat st;
	struct rt_device *dev;

	if (lstat(path, &st) < 0)
		return -errno;
	if (!S_ISBLK(st.st_mode) && !S_ISCHR(st.st_mode))
		return -ENODEV;
	d->devices = xrealloc(d->devices, (d->n_devices + 1) * sizeof(*d->devices));
	dev = &d->devices[d->n_devices++];
	*dev = (struct rt_device){.path = xstrdup(ctr),
				  .type = S_ISBLK(st.st_mode) ? 'b' : 'c',
				  .major = major(st.st_rdev),
				  .minor = minor(st.st_rdev),
				  .mode = st.st_mode & 0777,
				  .uid = st.st_uid,
				  .gid = st.st_gid};
	add_rule(d, (struct rt_device_rule){.type = dev->type,
					    .major = dev->major,
					    .minor = dev->minor,
					    .access = access,
					    .allow = true});
	return 0;
}

/* moby DevicesFromPath for a directory: every device below @dir, at the same place below @ctr. */
static void devices_from_dir(const char *dir, const char *ctr, unsigned access,
			     struct container_devices *d, int depth)
{
	DIR *dp;
	struct dirent *de;

	if (depth > 32 || !(dp = opendir(dir)))
		return;
	while ((de = readdir(dp))) {
		_cleanup_free_ char *p = NULL, *c = NULL;
		struct stat st;

		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		p = path_join(dir, de->d_name);
		c = path_join(ctr, de->d_name);
		if (lstat(p, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			devices_from_dir(p, c, access, d, depth + 1);
		else
			(void) device_from_path(p, c, access, d); /* not a device: ignored */
	}
	closedir(dp);
}

static unsigned access_bits(const char *perms)
{
	unsigned a = 0;

	for (; perms && *perms; perms++)
		a |= *perms == 'r'   ? RT_DEV_READ
		     : *perms == 'w' ? RT_DEV_WRITE
		     : *perms == 'm' ? RT_DEV_MKNOD
				     : 0;
	return a;
}

/*
 * --privileged: every device node of the host's /dev, at the same path, as
 * runc's devices.HostDevices() (which moby uses), less what a container has
 * of its own: pts, shm, mqueue, fd and console.
 */
static void host_devices(struct container_devices *d)
{
	static const char *const skip[] = {"pts",  "shm",	  "fd",	   "mqueue",
					   ".lxc", ".lxd-mounts", ".udev", "console"};
	DIR *dp = opendir("/dev");
	struct dirent *de;

	if (!dp)
		return;
	while ((de = readdir(dp))) {
		_cleanup_free_ char *p = NULL;
		bool skipped = streq(de->d_name, ".") || streq(de->d_name, "..");
		struct stat st;

		for (size_t i = 0; i < ARRAY_SIZE(skip) && !skipped; i++)
			skipped = streq(de->d_name, skip[i]);
		if (skipped)
			continue;
		p = path_join("/dev", de->d_name);
		if (lstat(p, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			devices_from_dir(p, p, RT_DEV_RWM, d, 1);
		else
			(void) device_from_path(p, p, RT_DEV_RWM, d);
	}
	closedir(dp);
}

int container_devices_resolve(json_t *hc, struct container_devices *ret, struct hull_err **err)
{
	struct container_devices d = {0};
	size_t i;
	json_t *v;

	/* moby oci/defaults.go: the spec starts by denying every device */
	add_rule(&d, (struct rt_device_rule){
			     .type = 'a', .major = -1, .minor = -1, .access = RT_DEV_RWM});
	/* moby WithDevices: a privileged container has the host's devices, and all are allowed */
	if (json_is_true(json_object_get(hc, "Privileged"))) {
		host_devices(&d);
		add_rule(&d, (struct rt_device_rule){.type = 'a',
						     .major = -1,
						     .minor = -1,
						     .access = RT_DEV_RWM,
						     .allow = true});
	}
	json_array_foreach (json_object_get(hc, "Devices"), i, v) {
		const char *host = json_get_str(v, "PathOnHost");
		const char *ctr = json_get_str(v, "PathInContainer");
		const char *perms = json_get_str(v, "CgroupPermissions");
		_cleanup_free_ char *resolved = NULL;
		unsigned access = access_bits(isempty(perms) ? "rwm" : perms);
		size_t before = d.n_devices;
		struct stat st;
		int r;

		if (isempty(host))
			continue;
		if (isempty(ctr))
			ctr = host;
		/* a symlink (/dev/disk/by-id/...) stands for its target */
		if (lstat(host, &st) == 0 && S_ISLNK(st.st_mode))
			resolved = realpath(host, NULL);
		r = device_from_path(resolved ? resolved : host, ctr, access, &d);
		if (r == -ENODEV && stat(resolved ? resolved : host, &st) == 0 &&
		    S_ISDIR(st.st_mode)) {
			devices_from_dir(resolved ? resolved : host, ctr, access, &d, 0);
			if (d.n_devices > before)
				r = 0;
		}
		if (r < 0) {
			container_devices_release(&d);
			/* Go's error strings: "not a device node", "no such file or directory" */
			{
				_cleanup_free_ char *why =
					xstrdup(r == -ENODEV ? "not a device node" : strerror(-r));
				why[0] = (char) tolower((unsigned char) why[0]);
				return err_setx(err, -r,
						"error gathering device information while adding "
						"custom device \"%s\": %s",
						host, why);
			}
		}
	}
	json_array_foreach (json_object_get(hc, "DeviceCgroupRules"), i, v) {
		struct rt_device_rule r;
		if (rule_parse(json_string_value(v), &r, err) < 0) {
			container_devices_release(&d);
			return -EINVAL;
		}
		add_rule(&d, r);
	}
	/* runc's AllowedDevices are not the spec's: the runtime appends them */
	*ret = d;
	return 0;
}
