/* SPDX-License-Identifier: MIT */
/*
 * -u / USER resolution against the image's /etc/passwd and /etc/group, as
 * moby's pkg/user GetExecUser (via runc's libcontainer/user).
 */
#include <fcntl.h>
#include <ctype.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "container/container.h"
#include "util/fs.h"
#include "util/inroot.h"
#include "util/strv.h"

/*
 * Read @rel (a regular file of at most 4 MiB) from a stack of layers, top
 * first, into *@ret; -ENOENT if absent or whited out. Each layer is searched
 * as a root of its own (util/inroot.h): a symlink in the image, "etc ->
 * /var/tmp/x" say, resolves inside the layer or the container's root, never on
 * the host, and a FIFO or device there is neither opened nor read.
 */
static int layers_read(char *const *lowerdirs, const char *upper, const char *rel, char **ret)
{
	_cleanup_strv_ char **dirs = strv_new();
	struct stat st;

	if (upper)
		strv_push(&dirs, upper);
	STRV_FOREACH (d, (char **) lowerdirs)
		strv_push(&dirs, *d);
	STRV_FOREACH (d, dirs) {
		_cleanup_close_ int root = open(*d, O_PATH | O_DIRECTORY | O_CLOEXEC);
		_cleanup_close_ int fd = -1;
		_cleanup_free_ char *buf = NULL;
		ssize_t n;
		size_t len = 0;

		if (root < 0)
			continue;
		fd = inroot_open(root, rel, O_PATH | O_NOFOLLOW, 0);
		if (fd < 0 || fstat(fd, &st) < 0)
			continue;
		if (S_ISCHR(st.st_mode) && major(st.st_rdev) == 0 && minor(st.st_rdev) == 0)
			return -ENOENT; /* overlay whiteout */
		if (!S_ISREG(st.st_mode) || st.st_size > (4 << 20))
			return -ENOENT;
		(void) close(TAKE_FD(fd));
		fd = inroot_open(root, rel, O_RDONLY | O_NOFOLLOW | O_NONBLOCK, 0);
		if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
			return -ENOENT;
		buf = xmalloc((size_t) st.st_size + 1);
		while (len < (size_t) st.st_size &&
		       (n = read(fd, buf + len, (size_t) st.st_size - len)) > 0)
			len += (size_t) n;
		buf[len] = '\0';
		*ret = TAKE_PTR(buf);
		return 0;
	}
	return -ENOENT;
}

static bool parse_id(const char *s, unsigned long *ret)
{
	char *end;

	if (!isdigit((unsigned char) *s))
		return false;
	errno = 0;
	*ret = strtoul(s, &end, 10);
	return !*end && errno == 0 && *ret < 0xffffffffUL;
}

/* Split a colon-separated line into at most @max fields (in place). */
static size_t split_fields(char *line, char **f, size_t max)
{
	size_t n = 0;

	f[n++] = line;
	for (char *p = line; *p && n < max; p++)
		if (*p == ':') {
			*p = '\0';
			f[n++] = p + 1;
		}
	return n;
}

int image_user_resolve(char *const *lowerdirs, const char *upper, const char *spec, uid_t *ret_uid,
		       gid_t *ret_gid, gid_t **ret_groups, size_t *ret_n_groups, char **ret_home,
		       struct hull_err **err)
{
	_cleanup_free_ char *user = NULL, *group = NULL, *home = xstrdup("/"), *uname = NULL;
	_cleanup_free_ char *pw = NULL, *gr = NULL;
	_cleanup_free_ gid_t *groups = NULL;
	size_t n_groups = 0;
	unsigned long uid = 0, gid = 0, num;
	bool uid_found = false, user_numeric;
	const char *colon;

	/* no user: uid 0, also without /etc/passwd (runc GetExecUser's defaults) */
	if (isempty(spec))
		spec = "0";
	colon = strchr(spec, ':');
	user = colon ? xstrndup(spec, (size_t) (colon - spec)) : xstrdup(spec);
	group = colon ? xstrdup(colon + 1) : NULL;
	if (isempty(user))
		user = (free(user), xstrdup("0"));
	user_numeric = parse_id(user, &num);
	if (user_numeric)
		uid = num;
	if (layers_read(lowerdirs, upper, "etc/passwd", &pw) == 0) {
		char *save = NULL;
		for (char *line = strtok_r(pw, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			char *f[7];
			unsigned long u, g;
			if (split_fields(line, f, 7) < 7 || !parse_id(f[2], &u) ||
			    !parse_id(f[3], &g))
				continue;
			if (user_numeric ? u == uid : streq(f[0], user)) {
				uid = u;
				gid = g;
				free(home);
				home = xstrdup(f[5]);
				uname = xstrdup(f[0]);
				uid_found = true;
				break;
			}
		}
	}
	if (!uid_found && !user_numeric)
		return err_setx(err, ENOENT,
				"unable to find user %s: no matching entries in passwd file", user);
	if (gr || layers_read(lowerdirs, upper, "etc/group", &gr) == 0) {
		bool group_found = !group;
		bool group_numeric = group && parse_id(group, &num);
		char *save = NULL;

		if (group_numeric) {
			gid = num;
			group_found = true;
		}
		for (char *line = strtok_r(gr, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			char *f[4];
			unsigned long g;
			if (split_fields(line, f, 4) < 4 || !parse_id(f[2], &g))
				continue;
			if (group && !group_numeric && streq(f[0], group)) {
				gid = g;
				group_found = true;
			}
			/* Supplementary groups: where the user is listed as a member. */
			if (uname && !group) {
				char *msave = NULL;
				for (char *m = strtok_r(f[3], ",", &msave); m;
				     m = strtok_r(NULL, ",", &msave))
					if (streq(m, uname) && g != gid) {
						groups = xrealloc(groups,
								  (n_groups + 1) * sizeof(gid_t));
						groups[n_groups++] = (gid_t) g;
					}
			}
		}
		if (!group_found)
			return err_setx(
				err, ENOENT,
				"unable to find group %s: no matching entries in group file",
				group);
	} else if (group) {
		if (!parse_id(group, &num))
			return err_setx(
				err, ENOENT,
				"unable to find group %s: no matching entries in group file",
				group);
		gid = num;
	}
	*ret_uid = (uid_t) uid;
	*ret_gid = (gid_t) gid;
	*ret_groups = TAKE_PTR(groups);
	*ret_n_groups = n_groups;
	if (ret_home)
		*ret_home = TAKE_PTR(home);
	return 0;
}

int group_add_resolve(char *const *lowerdirs, const char *upper, json_t *names, gid_t **groups,
		      size_t *n_groups, struct hull_err **err)
{
	_cleanup_free_ char *gr = NULL;
	bool group_read = false;
	size_t i;
	json_t *v;

	json_array_foreach (names, i, v) {
		const char *name = json_string_value(v);
		unsigned long g = 0;
		bool found = false;

		if (isempty(name))
			continue;
		if (parse_id(name, &g)) {
			found = true;
		} else {
			char *copy, *save = NULL;
			if (!group_read)
				(void) layers_read(lowerdirs, upper, "etc/group", &gr);
			group_read = true;
			copy = xstrdup(gr ? gr : "");
			for (char *line = strtok_r(copy, "\n", &save); line && !found;
			     line = strtok_r(NULL, "\n", &save)) {
				char *f[4];
				unsigned long id;
				if (split_fields(line, f, 4) >= 3 && parse_id(f[2], &id) &&
				    streq(f[0], name)) {
					g = id;
					found = true;
				}
			}
			free(copy);
		}
		if (!found)
			return err_setx(
				err, ENOENT,
				"Unable to find group %s: no matching entries in group file", name);
		*groups = xrealloc(*groups, (*n_groups + 1) * sizeof(gid_t));
		(*groups)[(*n_groups)++] = (gid_t) g;
	}
	return 0;
}
