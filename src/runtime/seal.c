/* SPDX-License-Identifier: MIT */
/*
 * The sealed-binary guard against the CVE-2019-5736 class (runc
 * libcontainer/nsenter/cloned_binary.c and exeseal/, crun's
 * ensure_cloned_binary in src/libcrun/cloned_binary.c): a hull process that
 * enters a container's PID namespace is visible there, and a process in the
 * container that reaches its /proc/PID/exe must find nothing it can write.
 *
 * rt_exe_seal() copies the binary into a memfd with every F_SEAL_* set, so
 * that it can be read but never written, grown or shrunk, and makes that copy
 * the process's executable. runc and crun re-execute themselves from the
 * copy; an exec costs about 1.9 ms of CPU on our 2-core machines (as much as
 * hull's whole start-up), so hull first tries to do the same in place: each
 * mapping of the binary is replaced, at the same address and with the same
 * contents, by a private mapping of the copy (mremap over it, one call per
 * mapping, so no code ever runs from a half-made mapping), and then
 * prctl(PR_SET_MM_EXE_FILE) points /proc/self/exe at the copy; the kernel
 * refuses that while any mapping of the old file is left. Where the prctl is
 * refused (no CAP_SYS_RESOURCE) hull re-executes from the copy as runc does.
 * Either way the copy is made once per command, only by the commands that
 * enter containers (cli/main.c). The processes that enter a container are
 * also made non-dumpable until they exec the container's program
 * (runtime.c, exec.c), so that without CAP_SYS_PTRACE a container cannot even
 * open the copy. docs/security.md has the whole argument.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>

#include "runtime/runtime.h"
#include "util/fs.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

/* What a sealed copy has: nothing can change its contents, nor its seals. */
#define RT_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

/* The environment variable that carries the original path across the re-exec. */
#define RT_EXE_ENV "HULL_EXE_PATH"

static char *exe_path;

bool rt_exe_is_sealed(void)
{
	_cleanup_close_ int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	int seals;

	if (fd < 0)
		return false;
	seals = fcntl(fd, F_GET_SEALS);
	return seals >= 0 && (seals & RT_SEALS) == RT_SEALS;
}

const char *rt_exe_path(void)
{
	char buf[PATH_MAX];
	const char *env;
	ssize_t n;
	char *deleted;

	if (exe_path)
		return exe_path;
	env = getenv(RT_EXE_ENV);
	if (!isempty(env) && env[0] == '/' && rt_exe_is_sealed()) {
		exe_path = xstrdup(env);
		return exe_path;
	}
	n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	/* an upgraded hull: the new binary at the same path takes over */
	deleted = strstr(buf, " (deleted)");
	if (deleted && !deleted[10])
		*deleted = '\0';
	if (buf[0] != '/' || startswith(buf, "/memfd:"))
		return NULL;
	exe_path = xstrdup(buf);
	return exe_path;
}

/* A sealed memfd holding a copy of /proc/self/exe; *ret_fd is CLOEXEC. */
static int sealed_copy(int *ret_fd, struct hull_err **err)
{
	_cleanup_close_ int src = -1, mfd = -1;
	struct stat st;
	off_t off = 0;

	src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (src < 0)
		return err_set(err, errno, "open /proc/self/exe");
	if (fstat(src, &st) < 0)
		return err_set(err, errno, "stat /proc/self/exe");
	/* kernels >= 6.3 with vm.memfd_noexec want the executable bit asked for */
	mfd = memfd_create("hull", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (mfd < 0 && errno == EINVAL)
		mfd = memfd_create("hull", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		return err_set(err, errno, "create a memfd for a sealed copy of hull");
	while (off < st.st_size) {
		ssize_t n = sendfile(mfd, src, &off, (size_t) (st.st_size - off));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_set(err, errno, "copy hull into a memfd");
		if (n == 0)
			return err_setx(err, EIO, "copy hull into a memfd: short read");
	}
	if (fchmod(mfd, 0555) < 0)
		return err_set(err, errno, "chmod the sealed copy of hull");
	/*
	 * F_SEAL_WRITE fails with EBUSY while the kernel still holds a pin on
	 * a page of the file (memfd_wait_for_pins gives up after ~150 ms); the
	 * pages were only just written, and on a loaded machine it happens
	 * (once in ~1000 starts in make check): try again a few times.
	 */
	for (int tries = 0;; tries++) {
		if (fcntl(mfd, F_ADD_SEALS, RT_SEALS) == 0)
			break;
		if (errno != EBUSY || tries == 20)
			return err_set(err, errno, "seal the copy of hull");
		(void) usleep(10 * 1000);
	}
	*ret_fd = TAKE_FD(mfd);
	return 0;
}

/*
 * Whether @n words at @a and @b are equal. The binary's own mappings hold
 * sanitizer redzones between its globals, so no memcmp(): a plain loop, not
 * instrumented (and not one a compiler turns into memcmp, which has an early
 * exit of its own). The copy itself goes through /proc/self/mem for the same
 * reason.
 */
__attribute__((no_sanitize("address"))) static bool same_words(const unsigned long *a,
							       const unsigned long *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

/*
 * Move every mapping of the file (@dev, @ino) in this process onto the same
 * range of @mfd, keeping each one's contents and protection.
 * Returns 0, or a negative errno once a mapping could not be moved (those
 * moved already are equivalent, so the process goes on safely either way).
 */
static int remap_onto(int mfd, dev_t dev, ino_t ino)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/maps", "re");
	char line[512];
	struct {
		uintptr_t start, end;
		off_t off;
		int prot;
	} maps[16];
	size_t n = 0, page = (size_t) sysconf(_SC_PAGESIZE);
	_cleanup_close_ int mem = -1;

	if (!f)
		return -errno;
	/* read them all first: the file changes as we remap */
	while (fgets(line, sizeof(line), f)) {
		unsigned long start, end, off, ino_l;
		unsigned int maj, min;
		char perms[5];

		if (sscanf(line, "%lx-%lx %4s %lx %x:%x %lu", &start, &end, perms, &off, &maj, &min,
			   &ino_l) != 7)
			continue;
		if (ino_l != (unsigned long) ino || makedev(maj, min) != dev)
			continue;
		if (n == ARRAY_SIZE(maps))
			return -E2BIG;
		maps[n].start = start;
		maps[n].end = end;
		maps[n].off = (off_t) off;
		maps[n].prot = (perms[0] == 'r' ? PROT_READ : 0) |
			       (perms[1] == 'w' ? PROT_WRITE : 0) |
			       (perms[2] == 'x' ? PROT_EXEC : 0);
		n++;
	}
	if (n == 0)
		return -ENOENT;
	for (size_t i = 0; i < n; i++) {
		size_t len = maps[i].end - maps[i].start;
		void *old = (void *) maps[i].start;
		void *tmp = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, mfd, maps[i].off);

		if (tmp == MAP_FAILED)
			return -errno;
		/*
		 * Relocated data (GOT, .data) differs from the file: carry it over,
		 * the pages that differ only, so that the copy's other pages stay
		 * shared with the page cache (the sanitized build's 4 MB of .data is
		 * almost all as in the file: a whole copy was a tenth of its `hull
		 * run`). Code is never written (hull is PIE, without text
		 * relocations), and reading it all would fault in pages that
		 * start-up never touched.
		 */
		if ((maps[i].prot & PROT_READ) && !(maps[i].prot & PROT_EXEC)) {
			size_t words = page / sizeof(unsigned long);

			for (size_t p = 0, q; p < len; p = q) {
				q = p + page;
				if (same_words((unsigned long *) ((char *) tmp + p),
					       (unsigned long *) ((char *) old + p), words))
					continue;
				/* a run of differing pages, read in one call */
				while (q < len &&
				       !same_words((unsigned long *) ((char *) tmp + q),
						   (unsigned long *) ((char *) old + q), words))
					q += page;
				if (mem < 0)
					mem = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
				if (mem < 0 ||
				    pread(mem, (char *) tmp + p, q - p,
					  (off_t) (maps[i].start + p)) != (ssize_t) (q - p)) {
					int r = mem < 0 ? -errno : -EIO;
					(void) munmap(tmp, len);
					return r;
				}
			}
		}
		if (mprotect(tmp, len, maps[i].prot) < 0 ||
		    mremap(tmp, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, old) == MAP_FAILED) {
			int r = -errno;
			(void) munmap(tmp, len);
			return r;
		}
	}
	return 0;
}

/*
 * Point /proc/self/exe at @mfd. PR_SET_MM_EXE_FILE needs CAP_SYS_RESOURCE;
 * PR_SET_MM_MAP (CRIU's call) needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE
 * and the process's memory layout, which it sets again: give it the current
 * one, from /proc/self/stat (proc(5) fields 26-28 and 45-51) and brk(0).
 */
static int set_exe_file(int mfd)
{
	_cleanup_fclose_ FILE *f = NULL;
	struct prctl_mm_map m = {.exe_fd = (uint32_t) mfd};
	unsigned long long v[52] = {0};
	char buf[1024], *p;
	size_t len;

	if (prctl(PR_SET_MM, PR_SET_MM_EXE_FILE, (unsigned long) mfd, 0, 0) == 0)
		return 0;
	f = fopen("/proc/self/stat", "re");
	if (!f)
		return -errno;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	buf[len] = '\0';
	p = strrchr(buf, ')'); /* the command name may hold anything */
	if (!p)
		return -EBADMSG;
	p += 2; /* field 3 */
	for (int i = 3; i <= 51 && *p; i++) {
		char *end;
		v[i] = strtoull(p, &end, 10);
		p = *end ? end + 1 : end;
		if (*end && *end != ' ' && *end != '\n')
			v[i] = 0; /* field 3 is a letter */
	}
	m.start_code = v[26];
	m.end_code = v[27];
	m.start_stack = v[28];
	m.start_data = v[45];
	m.end_data = v[46];
	m.start_brk = v[47];
	m.arg_start = v[48];
	m.arg_end = v[49];
	m.env_start = v[50];
	m.env_end = v[51];
	m.brk = (uint64_t) syscall(SYS_brk, 0UL);
	if (prctl(PR_SET_MM, PR_SET_MM_MAP, (unsigned long) &m, sizeof(m), 0) < 0)
		return -errno;
	return 0;
}

int rt_exe_seal(char **argv, struct hull_err **err)
{
	extern char **environ;
	_cleanup_close_ int mfd = -1;
	const char *path;
	int r;

	if (rt_exe_is_sealed()) {
		/* read the original path once, and keep it from the processes we start */
		(void) rt_exe_path();
		(void) unsetenv(RT_EXE_ENV);
		return 0;
	}
	path = rt_exe_path();
	if (!path)
		return err_setx(err, ENOENT, "cannot find the path of the hull binary");
	r = sealed_copy(&mfd, err);
	if (r < 0)
		return r;
	{
		struct stat st;
		if (stat("/proc/self/exe", &st) == 0 &&
		    remap_onto(mfd, st.st_dev, st.st_ino) == 0 && set_exe_file(mfd) == 0)
			return 0;
	}
	if (setenv(RT_EXE_ENV, path, 1) < 0)
		return err_set(err, errno, "set %s", RT_EXE_ENV);
	(void) syscall(SYS_execveat, mfd, "", argv, environ, AT_EMPTY_PATH);
	r = err_set(err, errno, "execute the sealed copy of hull");
	(void) unsetenv(RT_EXE_ENV);
	return r;
}
