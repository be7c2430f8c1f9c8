/* SPDX-License-Identifier: MIT */
/*
 * Go text/template over JSON data, with docker/cli's template functions: the
 * one engine behind every --format (docs/internals/template.md).
 *
 * Syntax and semantics are Go's (text/template as of Go 1.24): text and
 * {{actions}}, {{- -}} trim markers, comments, pipelines with `|`, variables
 * ($x := ..., $x = ..., $i, $v := in range), parenthesised pipelines, field
 * chains (.A.B, $x.A, (pipe).A), literals (strings, raw strings, chars,
 * numbers, true, false, nil), {{if}} {{else if}} {{else}} {{end}}, {{with}}
 * {{else with}}, {{range}} over slices, maps (sorted keys) and integers with
 * {{break}} and {{continue}}, {{define}}, {{template}} and {{block}}. The
 * functions are Go's builtins (and, or, not, len, index, slice, print,
 * printf, println, eq, ne, lt, le, gt, ge, html, js, urlquery; call has no
 * function to call here) and docker's (json, join, split, lower, upper,
 * title, pad, truncate). Errors are worded as Go words them
 * ("template: :1:2: executing \"\" at <.Foo>: ...").
 *
 * Data is a JSON value. What Go would know from the Go type of docker's data
 * (a struct or a map, a nil slice or a nil pointer, which fields exist, the
 * type's name) comes from an optional struct tmpl_type description; without
 * one, objects act as structs whose fields are their keys. TMPL_RAW executes
 * as docker's inspect fallback does, on the JSON decoded into Go's
 * map[string]interface{} with json.Number and missingkey=error.
 *
 * Nothing here prints or exits; errors go to a struct hull_err (EINVAL) whose
 * message is Go's, with no prefix. Output is bounded (TMPL_OUTPUT_MAX) and so
 * is the work one execution may do, so any template on any data ends.
 */
#ifndef HULL_UTIL_TEMPLATE_H
#define HULL_UTIL_TEMPLATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include "util/err.h"
#include "util/strbuf.h"

/* bounds of one execution: bytes written, and nodes evaluated */
#define TMPL_OUTPUT_MAX (64u << 20)
#define TMPL_STEPS_MAX	(5u * 1000 * 1000)

struct tmpl;

/* How Go sees a value of the data (borrowed static descriptions). */
enum tmpl_kind {
	TMPL_INFER = 0, /* from the JSON: object = struct, array = slice, null = nil pointer */
	TMPL_STRUCT,
	TMPL_MAP,   /* missing key: <no value>; prints map[k:v]; null is a nil map */
	TMPL_SLICE, /* null is a nil slice: prints [], len 0 */
};

struct tmpl_type;

struct tmpl_field {
	const char *name;
	const struct tmpl_type *type;
};

/* A struct field's Go json tag, when it is not just its name: {"Status", "status,omitempty"}
 * marshals Status as "status" and leaves it out when empty ("", 0, false, null, [], {}). */
struct tmpl_json_tag {
	const char *field;
	const char *tag;
};

/*
 * A method with string arguments returning a string (docker's formatter
 * contexts: ps's {{.Label "com.example"}}); @fn gets the udata given to
 * tmpl_execute(), the receiver and the arguments, and returns a new string.
 */
struct tmpl_method {
	const char *name;
	size_t nargs;
	char *(*fn)(void *udata, json_t *recv, const char *const *args);
};

struct tmpl_type {
	enum tmpl_kind kind;
	/* Go's name of the type, for errors and %T ("*formatter.ContainerContext"); may be NULL */
	const char *name;
	/* TMPL_STRUCT: fields whose type is not inferred ({NULL} ends); a missing field is
	 * "can't evaluate field F in type NAME" */
	const struct tmpl_field *fields;
	/* TMPL_MAP, TMPL_SLICE: the element type (NULL: inferred) */
	const struct tmpl_type *elem;
	/* TMPL_STRUCT: its fields are methods (docker's formatter contexts): {{.F x}} is a wrong
	 * number of arguments, not "has arguments but cannot be invoked" */
	bool methods;
	/* TMPL_STRUCT: json marshals it as a map, keys sorted (the contexts' MarshalJSON) */
	bool json_sorted;
	/* TMPL_STRUCT: methods with arguments, {NULL} ended; may be NULL */
	const struct tmpl_method *fns;
	/* TMPL_STRUCT: Go holds it by pointer, so print and printf write it &{...} */
	bool pointer;
	/* TMPL_STRUCT: json tags of its fields, {NULL} ended; may be NULL */
	const struct tmpl_json_tag *json_tags;
};

enum {
	/* docker's HeaderFunctions: json, split, join, title, lower, upper and truncate
	 * return their first argument, so a table's header keeps its titles */
	TMPL_HEADER = 1 << 0,
	/* docker's inspect fallback: JSON as map[string]interface{} with json.Number,
	 * missingkey=error; the type description is ignored */
	TMPL_RAW = 1 << 1,
};

/*
 * tmpl_parse() - parse @text (NUL-terminated). Returns 0 and a template
 * (free with tmpl_free()), or -EINVAL with Go's parse error in *@err
 * ("template: :1: unclosed action").
 */
int tmpl_parse(const char *text, struct tmpl **ret, struct hull_err **err);

/*
 * tmpl_execute() - render @t on @data (borrowed; NULL is Go's nil data),
 * described by @type (may be NULL), appending to @out. @flags: TMPL_*.
 * @udata is passed to the type's methods. Returns 0, or -EINVAL with
 * Go's execution error in *@err; @out then holds the output written before
 * the error (Go writes as it goes), or -E2BIG past the limits.
 */
int tmpl_execute(const struct tmpl *t, json_t *data, const struct tmpl_type *type, unsigned flags,
		 void *udata, struct strbuf *out, struct hull_err **err);

/*
 * tmpl_set_limits() - bound the executions of @t: bytes of output (and of
 * any string a function makes), and nodes evaluated; TMPL_OUTPUT_MAX and
 * TMPL_STEPS_MAX unless set (the fuzz target sets lower ones).
 */
void tmpl_set_limits(struct tmpl *t, size_t max_output, size_t max_steps);

/* tmpl_free() - free a template; accepts NULL; returns NULL. */
struct tmpl *tmpl_free(struct tmpl *t);

static inline void tmpl_freep(struct tmpl **t)
{
	tmpl_free(*t);
}
#define _cleanup_tmpl_ _cleanup_(tmpl_freep)

/*
 * tmpl_json() - @v as docker's json function writes it (Go's encoding/json
 * without HTML escaping), described by @type (may be NULL): struct fields in
 * their order, map keys sorted. Appends to @out.
 */
void tmpl_json(struct strbuf *out, json_t *v, const struct tmpl_type *type);

/*
 * tmpl_tabwrite() - align @text as docker's formatter does
 * (text/tabwriter.NewWriter(out, 10, 1, 3, ' ', 0)): tab-terminated cells of
 * adjacent lines form a column, padded to its widest cell plus 3, at least 10
 * wide; the last cell of a line is not part of any column. Appends to @out.
 */
void tmpl_tabwrite(struct strbuf *out, const char *text, size_t len);

#endif
