/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the Go template engine of every --format
 * (util/template.c): the first byte picks how the data is seen (typed,
 * docker's raw inspect fallback, a table's header, untyped), the rest is the
 * template, run on a container-like document. Parsing and execution end
 * with an output or one error, within the engine's bounds; the output then
 * goes through the tabwriter as a table's rows would.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "util/template.h"

#define FUZZ_INPUT_MAX	4096
#define FUZZ_OUTPUT_MAX (1u << 20)
#define FUZZ_STEPS_MAX	100000

static const char DATA[] =
	"{\"Id\":\"2d8a49007ce4\",\"Name\":\"/"
	"c1\",\"Args\":[],\"Created\":\"2024-01-01T00:00:00Z\","
	"\"State\":{\"Status\":\"running\",\"Running\":true,\"Pid\":42,\"Health\":null},"
	"\"Config\":{\"Cmd\":[\"sh\",\"-c\",\"echo hi\"],\"Env\":null,\"Labels\":{\"a\":\"1\","
	"\"b.c\":\"\\u00e9\"},\"ExposedPorts\":{\"80/tcp\":{}},\"Entrypoint\":null},"
	"\"Mounts\":[{\"Name\":\"v\",\"RW\":true,\"Size\":1.5e3}],\"Size\":-7,\"Ratio\":0.25,"
	"\"Nested\":[[1,2],[\"x\",null,{\"k\":[true,false]}]]}";

static const struct tmpl_type t_slice = {.kind = TMPL_SLICE};
static const struct tmpl_type t_map = {.kind = TMPL_MAP};
static const struct tmpl_field config_fields[] = {
	{"Cmd", &t_slice},	  {"Env", &t_slice},	    {"Labels", &t_map},
	{"ExposedPorts", &t_map}, {"Entrypoint", &t_slice}, {NULL, NULL}};
static const struct tmpl_type t_config = {
	.kind = TMPL_STRUCT, .name = "*container.Config", .fields = config_fields, .pointer = true};
static const struct tmpl_field fields[] = {
	{"Args", &t_slice}, {"Config", &t_config}, {"Mounts", &t_slice}, {NULL, NULL}};

static char *label(void *udata, json_t *recv, const char *const *args)
{
	(void) udata;
	(void) recv;
	return strdup(args[0]);
}
static const struct tmpl_method methods[] = {{"Label", 1, label}, {NULL, 0, NULL}};
static const struct tmpl_type t_root = {.kind = TMPL_STRUCT,
					.name = "container.InspectResponse",
					.fields = fields,
					.fns = methods,
					.json_sorted = true};
static const struct tmpl_type t_header = {.kind = TMPL_MAP};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static json_t *doc;
	struct tmpl *t = NULL;
	struct hull_err *e = NULL;
	struct strbuf out = STRBUF_INIT, table = STRBUF_INIT;
	const struct tmpl_type *type = NULL;
	unsigned flags = 0;
	char *text;
	int r;

	if (size < 1 || size > FUZZ_INPUT_MAX)
		return 0;
	if (!doc) {
		doc = json_loads(DATA, 0, NULL);
		assert(doc);
	}
	switch (data[0] & 3) {
	case 0:
		type = &t_root;
		break;
	case 1:
		flags = TMPL_RAW;
		break;
	case 2:
		type = &t_header;
		flags = TMPL_HEADER;
		break;
	}
	text = xstrndup((const char *) data + 1, size - 1);
	r = tmpl_parse(text, &t, &e);
	if (r < 0) {
		assert(r == -EINVAL && !t && e && e->msg);
		e = err_free(e);
	} else {
		/* small bounds, so that an input runs in milliseconds */
		tmpl_set_limits(t, FUZZ_OUTPUT_MAX, FUZZ_STEPS_MAX);
		r = tmpl_execute(t, doc, type, flags, NULL, &out, &e);
		assert(r == 0 ? !e : (e && e->msg && (r == -EINVAL || r == -E2BIG)));
		assert(out.len <= FUZZ_OUTPUT_MAX);
		e = err_free(e);
		tmpl_tabwrite(&table, strbuf_cstr(&out), out.len);
		/* alignment only adds spaces */
		assert(table.len >= out.len);
		t = tmpl_free(t);
	}
	/* the template's bytes as a string of the data, through json */
	{
		json_t *s = json_stringn_nocheck(text, strlen(text));
		struct strbuf j = STRBUF_INIT;
		tmpl_json(&j, s, NULL);
		assert(j.len >= 2 && j.buf[0] == '"' && j.buf[j.len - 1] == '"');
		strbuf_release(&j);
		json_decref(s);
	}
	strbuf_release(&out);
	strbuf_release(&table);
	free(text);
	return 0;
}
