/* SPDX-License-Identifier: MIT */
/*
 * Container records changed by several processes: json_rebase(), the
 * per-container lock (an flock of the record's directory) and
 * container_save()'s re-read under it, the names lock, and removal by
 * rename (docs/internals/container.md "Locks"). The races between real
 * commands: tests/system/145-record-races.bats.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "container/container.h"
#include "container/internal.h"
#include "util/fs.h"
#include "util/json.h"

#define ID1 "1111111111111111111111111111111111111111111111111111111111111111"
#define ID2 "2222222222222222222222222222222222222222222222222222222222222222"

static json_t *J(const char *text)
{
	json_t *j = json_loads(text, 0, NULL);

	assert_non_null(j);
	return j;
}

static void assert_json(const json_t *got, const char *want)
{
	_cleanup_free_ char *s = json_dump_str(got, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, want);
}

static void rebase(const char *base, const char *mine, const char *theirs, const char *want)
{
	_cleanup_json_ json_t *b = base ? J(base) : NULL, *m = J(mine), *t = J(theirs);

	json_rebase(m, b, t);
	assert_json(m, want);
}

static void test_rebase(void **state)
{
	(void) state;
	/* each side's change stays */
	rebase("{\"a\":1,\"b\":1}", "{\"a\":2,\"b\":1}", "{\"a\":1,\"b\":3}", "{\"a\":2,\"b\":3}");
	/* member by member inside objects, theirs' additions too */
	rebase("{\"S\":{\"x\":1,\"y\":1}}", "{\"S\":{\"x\":2,\"y\":1}}",
	       "{\"S\":{\"x\":1,\"y\":3,\"z\":4}}", "{\"S\":{\"x\":2,\"y\":3,\"z\":4}}");
	/* removals on either side */
	rebase("{\"a\":1,\"b\":1}", "{\"b\":1}", "{\"a\":1}", "{}");
	/* a member both changed is ours */
	rebase("{\"k\":0}", "{\"k\":1}", "{\"k\":2}", "{\"k\":1}");
	rebase(NULL, "{\"k\":1}", "{\"k\":2,\"o\":3}", "{\"k\":1,\"o\":3}");
	/* arrays are values: ours if we changed it, else theirs */
	rebase("{\"l\":[1]}", "{\"l\":[1,2]}", "{\"l\":[1,3]}", "{\"l\":[1,2]}");
	rebase("{\"l\":[1]}", "{\"l\":[1]}", "{\"l\":[1,3]}", "{\"l\":[1,3]}");
	/* an object theirs made a scalar, where ours changed nothing */
	rebase("{\"o\":{\"a\":1}}", "{\"o\":{\"a\":1}}", "{\"o\":null}", "{\"o\":null}");
	/* ours made it a scalar: ours */
	rebase("{\"o\":{\"a\":1}}", "{\"o\":5}", "{\"o\":{\"a\":2}}", "{\"o\":5}");
}

static void test_rebase_keeps_objects(void **state)
{
	_cleanup_json_ json_t *b = J("{\"State\":{\"Status\":\"running\"},\"Name\":\"/a\"}");
	_cleanup_json_ json_t *m = J("{\"State\":{\"Status\":\"exited\"},\"Name\":\"/a\"}");
	_cleanup_json_ json_t *t =
		J("{\"State\":{\"Status\":\"running\",\"Health\":{}},\"Name\":\"/b\"}");
	json_t *st = json_object_get(m, "State");

	(void) state;
	json_rebase(m, b, t);
	/* a pointer the caller borrowed into its record stays good */
	assert_ptr_equal(json_object_get(m, "State"), st);
	assert_json(m, "{\"Name\":\"/b\",\"State\":{\"Health\":{},\"Status\":\"exited\"}}");
}

struct fixture {
	char root[64];
	struct store s;
};

static void write_record(struct fixture *f, const char *id, const char *name)
{
	_cleanup_free_ char *dir = xasprintf("%s/containers/%s", f->root, id);
	_cleanup_free_ char *p = path_join(dir, "config.json");
	_cleanup_json_ json_t *rec =
		json_pack("{s:s,s:s,s:{s:s,s:b},s:{},s:{}}", "Id", id, "Name", name, "State",
			  "Status", "created", "Running", 0, "HostConfig", "Hull");

	assert_int_equal(mkdir_p(dir, 0700, NULL), 0);
	assert_int_equal(json_dump_path(rec, p, NULL), 0);
}

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	_cleanup_free_ char *cdir = NULL;

	snprintf(f->root, sizeof(f->root), "/tmp/hull-record-XXXXXX");
	assert_non_null(mkdtemp(f->root));
	cdir = path_join(f->root, "containers");
	assert_int_equal(mkdir(cdir, 0700), 0);
	f->s.root = f->root;
	f->s.lock_fd = -1;
	write_record(f, ID1, "/one");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	(void) rm_rf(f->root, NULL);
	free(f);
	return 0;
}

static struct container *load(struct fixture *f, const char *name)
{
	struct container *c = NULL;
	struct hull_err *e = NULL;

	assert_int_equal(container_load(&f->s, name, &c, &e), 0);
	assert_null(e);
	return c;
}

static void test_save_keeps_other_writers(void **state)
{
	struct fixture *f = *state;
	struct container *a = load(f, ID1), *b = load(f, ID1), *c;
	struct hull_err *e = NULL;

	/* two processes' copies of one record: a rename and the monitor's exit */
	json_object_set_new(a->rec, "Name", json_string("/renamed"));
	assert_int_equal(container_save(a, &e), 0);
	b->state.status = CONTAINER_EXITED;
	b->state.exit_code = 3;
	assert_int_equal(container_save(b, &e), 0);
	assert_null(e);
	/* what b wrote is b's record now: the rename included */
	assert_string_equal(json_get_str(b->rec, "Name"), "/renamed");
	c = load(f, "renamed");
	assert_int_equal(c->state.status, CONTAINER_EXITED);
	assert_int_equal(c->state.exit_code, 3);
	assert_string_equal(json_get_str(json_object_get(c->rec, "State"), "Status"), "exited");
	/* and a's next change keeps b's */
	json_object_set_new(json_object_get(a->rec, "HostConfig"), "Memory", json_integer(1));
	assert_int_equal(container_save(a, &e), 0);
	c = container_free(c);
	c = load(f, ID1);
	/* a's state is what the record says after its save: b's exit */
	assert_int_equal(a->state.status, CONTAINER_EXITED);
	assert_json(c->rec,
		    "{\"HostConfig\":{\"Memory\":1},\"Hull\":{},\"Id\":\"" ID1
		    "\",\"Name\":\"/renamed\",\"State\":{\"Dead\":false,\"Error\":\"\","
		    "\"ExitCode\":3,\"FinishedAt\":\"0001-01-01T00:00:00Z\",\"OOMKilled\":false,"
		    "\"Paused\":false,\"Pid\":0,\"Restarting\":false,\"Running\":false,"
		    "\"StartedAt\":\"0001-01-01T00:00:00Z\",\"Status\":\"exited\"}}");
	container_free(a);
	container_free(b);
	container_free(c);
}

/* Whether another process could take the flock of @path now (it forks: a flock is per open
 * file, and a child's own open is another one). */
static bool lock_free(const char *path)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		_exit(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void test_lock(void **state)
{
	struct fixture *f = *state;
	struct container *c = load(f, ID1), *other = load(f, ID1);
	_cleanup_free_ char *dir = xasprintf("%s/containers/" ID1, f->root);
	int p[2], status;
	char byte;
	pid_t pid;

	assert_true(lock_free(dir));
	assert_int_equal(container_lock(c, NULL), 0);
	assert_false(lock_free(dir));
	/* nested: the flock stays until the last unlock */
	assert_int_equal(container_lock(c, NULL), 0);
	container_unlock(c);
	assert_false(lock_free(dir));
	/* the holder's own save goes through */
	json_object_set_new(c->rec, "Name", json_string("/locked"));
	assert_int_equal(container_save(c, NULL), 0);
	container_unlock(c);
	assert_true(lock_free(dir));

	/* container_lock() reads the record again */
	assert_string_equal(json_get_str(other->rec, "Name"), "/one");
	assert_int_equal(container_lock(other, NULL), 0);
	assert_string_equal(json_get_str(other->rec, "Name"), "/locked");
	container_unlock(other);

	/* a holder killed with SIGKILL leaves no lock behind */
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (container_lock(c, NULL) < 0)
			_exit(1);
		(void) write(p[1], "x", 1);
		for (;;)
			pause();
	}
	assert_int_equal(read(p[0], &byte, 1), 1);
	assert_false(lock_free(dir));
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(lock_free(dir));
	close(p[0]);
	close(p[1]);
	container_free(c);
	container_free(other);
}

static void test_names_lock(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *p = xasprintf("%s/containers/names.lock", f->root);
	int fd = container_names_lock(&f->s, NULL);

	assert_true(fd >= 0);
	assert_false(lock_free(p));
	close(fd);
	assert_true(lock_free(p));
}

static void test_remove(void **state)
{
	struct fixture *f = *state;
	struct container *c = load(f, ID1), *other = load(f, ID1);
	_cleanup_free_ char *dir = xasprintf("%s/containers/" ID1, f->root);
	_cleanup_free_ char *gone = xasprintf("%s/containers/.rm-" ID1, f->root);
	struct container **l = NULL;
	struct hull_err *e = NULL;

	assert_int_equal(container_dir_remove(&f->s, NULL, c, NULL), 0);
	assert_int_equal(access(dir, F_OK), -1);
	assert_int_equal(access(gone, F_OK), -1);
	/* a writer that loaded it before: "No such container", nothing written */
	assert_int_equal(container_lock(other, &e), -ENOENT);
	assert_string_equal(e->msg, "No such container: " ID1);
	e = err_free(e);
	json_object_set_new(other->rec, "Name", json_string("/late"));
	assert_int_equal(container_save(other, &e), -ENOENT);
	e = err_free(e);
	assert_int_equal(access(dir, F_OK), -1);
	container_free(c);
	container_free(other);

	/* the leftover of a removal that was killed goes at the next listing... */
	write_record(f, ID2, "/two");
	{
		_cleanup_free_ char *d2 = xasprintf("%s/containers/" ID2, f->root);
		_cleanup_free_ char *g2 = xasprintf("%s/containers/.rm-" ID2, f->root);
		_cleanup_free_ char *up = xasprintf("%s/upper/etc", g2);
		int fd;

		assert_int_equal(rename(d2, g2), 0);
		assert_int_equal(mkdir_p(up, 0755, NULL), 0);
		/* ...unless its remover still holds it */
		fd = open(g2, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		assert_true(fd >= 0);
		assert_int_equal(flock(fd, LOCK_EX), 0);
		assert_int_equal(container_list(&f->s, &l, NULL), 0);
		assert_null(l[0]);
		container_list_free(l);
		assert_int_equal(access(up, F_OK), 0);
		close(fd);
		assert_int_equal(container_list(&f->s, &l, NULL), 0);
		assert_null(l[0]);
		container_list_free(l);
		assert_int_equal(access(g2, F_OK), -1);
	}
}

/* container_state_parse() refuses the State @text with the message @msg. */
static void state_refused(const char *text, const char *msg)
{
	_cleanup_json_ json_t *obj = J(text);
	struct container_state st = {0};
	struct hull_err *e = NULL;

	assert_int_equal(container_state_parse(obj, &st, &e), -EINVAL);
	assert_non_null(e);
	assert_string_equal(e->msg, msg);
	assert_null(st.error);
	err_free(e);
}

/* The typed state and the record's State: docker's flags derived from the status, times to
 * the nanosecond, the zero time as 0, Health kept, bad input refused with its field named. */
static void test_state(void **state)
{
	struct container_state st = {0};
	struct hull_err *e = NULL;
	_cleanup_json_ json_t *obj = NULL, *out = NULL;
	enum container_status s;

	(void) state;
	obj = J("{\"Status\":\"paused\",\"Running\":true,\"Paused\":true,\"Pid\":42,"
		"\"ExitCode\":0,\"Error\":\"\",\"Removing\":false,\"Health\":{\"Status\":"
		"\"healthy\"},"
		"\"StartedAt\":\"2026-12-06T18:23:54.000000001Z\","
		"\"FinishedAt\":\"0001-01-01T00:00:00Z\"}");
	assert_int_equal(container_state_parse(obj, &st, &e), 0);
	assert_int_equal(st.status, CONTAINER_PAUSED);
	assert_int_equal(st.pid, 42);
	assert_true(container_state_running(&st));
	assert_true(st.started_at == INT64_C(1796581434000000001));
	assert_true(st.finished_at == 0);
	assert_null(st.error);
	st.status = CONTAINER_RESTARTING;
	container_state_set_error(&st, "boom");
	container_state_store(&st, obj);
	assert_json(obj,
		    "{\"Dead\":false,\"Error\":\"boom\",\"ExitCode\":0,"
		    "\"FinishedAt\":\"0001-01-01T00:00:00Z\",\"Health\":{\"Status\":\"healthy\"},"
		    "\"OOMKilled\":false,\"Paused\":false,\"Pid\":42,\"Restarting\":true,"
		    "\"Running\":true,\"StartedAt\":\"2026-12-06T18:23:54.000000001Z\","
		    "\"Status\":\"restarting\"}");
	container_state_release(&st);
	/* an offset and fewer digits; the same instant */
	out = J("{\"Status\":\"exited\",\"StartedAt\":\"2026-12-06T19:23:54.5+01:00\"}");
	assert_int_equal(container_state_parse(out, &st, &e), 0);
	assert_true(st.started_at == INT64_C(1796581434500000000));
	assert_false(container_state_running(&st));
	container_state_release(&st);
	/* docker's names, both ways */
	for (int i = CONTAINER_CREATED; i <= CONTAINER_DEAD; i++) {
		assert_int_equal(container_status_parse(container_status_name(i), &s), 0);
		assert_int_equal(s, i);
	}
	assert_int_equal(container_status_parse("Running", &s), -EINVAL);
	/* bad records: one line naming the field */
	state_refused("{\"Status\":\"sleeping\"}", "container record: bad State.Status 'sleeping'");
	state_refused("{\"Status\":\"exited\",\"FinishedAt\":\"yesterday\"}",
		      "container record: bad State.FinishedAt 'yesterday'");
	state_refused("[]", "container record: State is not an object");
}

/* HostConfig.NetworkMode, typed */
static void test_net_mode(void **state)
{
	struct container_net_mode m;

	(void) state;
	m = container_net_mode_parse(NULL);
	assert_int_equal(m.kind, CONTAINER_NET_BRIDGE);
	assert_string_equal(m.name, "bridge");
	m = container_net_mode_parse("default");
	assert_int_equal(m.kind, CONTAINER_NET_BRIDGE);
	assert_string_equal(m.name, "bridge");
	assert_int_equal(container_net_mode_parse("host").kind, CONTAINER_NET_HOST);
	assert_int_equal(container_net_mode_parse("none").kind, CONTAINER_NET_NONE);
	m = container_net_mode_parse("container:web");
	assert_int_equal(m.kind, CONTAINER_NET_CONTAINER);
	assert_string_equal(m.name, "container:web");
	assert_string_equal(m.container, "web");
	m = container_net_mode_parse("front");
	assert_int_equal(m.kind, CONTAINER_NET_USER);
	assert_string_equal(m.name, "front");
	assert_null(m.container);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rebase),
		cmocka_unit_test(test_rebase_keeps_objects),
		cmocka_unit_test(test_state),
		cmocka_unit_test(test_net_mode),
		cmocka_unit_test_setup_teardown(test_save_keeps_other_writers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
