/* SPDX-License-Identifier: MIT */
/*
 * util/template.c: Go's text/template with docker's functions. The expected
 * outputs and errors are what docker 28 (Go 1.24) prints for the same
 * template (docker inspect -f, docker ps --format).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "util/template.h"

/* a container's inspect data, trimmed */
static const char *const CTR =
	"{\"Id\":\"2d8a49007ce4\",\"Name\":\"/c1\",\"Args\":[],\"State\":{\"Status\":\"created\","
	"\"Running\":false,\"Pid\":0},\"Config\":{\"Cmd\":[\"sh\",\"-c\",\"echo hi\"],\"Env\":null,"
	"\"Labels\":{\"b\":\"2\",\"a\":\"1\"},\"ExposedPorts\":{\"8080/tcp\":{},\"53/udp\":{}},"
	"\"Entrypoint\":null},\"Mounts\":[{\"Name\":\"v1\",\"RW\":true}],\"Size\":1.5}";

static const struct tmpl_type t_slice = {.kind = TMPL_SLICE};
static const struct tmpl_type t_map = {.kind = TMPL_MAP};
static const struct tmpl_field config_fields[] = {
	{"Cmd", &t_slice},	  {"Env", &t_slice},	    {"Labels", &t_map},
	{"ExposedPorts", &t_map}, {"Entrypoint", &t_slice}, {NULL, NULL}};
static const struct tmpl_type t_config = {
	.kind = TMPL_STRUCT, .name = "*container.Config", .fields = config_fields, .pointer = true};
static const struct tmpl_field ctr_fields[] = {
	{"Args", &t_slice}, {"Config", &t_config}, {"Mounts", &t_slice}, {NULL, NULL}};
static const struct tmpl_type t_ctr = {
	.kind = TMPL_STRUCT, .name = "container.InspectResponse", .fields = ctr_fields};

static char *label(void *udata, json_t *recv, const char *const *args)
{
	(void) recv;
	return xasprintf("%s:%s", (const char *) udata, args[0]);
}
static const struct tmpl_method row_methods[] = {{"Label", 1, label}, {NULL, 0, NULL}};
static const struct tmpl_type t_row = {.kind = TMPL_STRUCT,
				       .name = "*formatter.ContainerContext",
				       .methods = true,
				       .json_sorted = true,
				       .fns = row_methods};

/* render; the output, or "ERR: " and the error */
static char *render(const char *tmpl, const char *json, const struct tmpl_type *type,
		    unsigned flags)
{
	struct tmpl *t = NULL;
	struct hull_err *e = NULL;
	struct strbuf sb = STRBUF_INIT;
	json_t *data = NULL;
	char *out;

	if (json) {
		data = json_loads(json, JSON_DECODE_ANY, NULL);
		assert_non_null(data);
	}
	if (tmpl_parse(tmpl, &t, &e) < 0) {
		assert_null(t);
		out = xasprintf("ERR: %s", e->msg);
	} else if (tmpl_execute(t, data, type, flags, (void *) "udata", &sb, &e) < 0) {
		out = xasprintf("ERR: %s", e->msg);
	} else {
		out = xstrdup(strbuf_cstr(&sb));
	}
	err_free(e);
	strbuf_release(&sb);
	tmpl_free(t);
	json_decref(data);
	return out;
}

struct tcase {
	const char *tmpl, *want;
};

static void check(const struct tcase *c, size_t n, const char *json, const struct tmpl_type *type,
		  unsigned flags)
{
	for (size_t i = 0; i < n; i++) {
		char *got = render(c[i].tmpl, json, type, flags);
		if (strcmp(got, c[i].want) != 0)
			fail_msg("%s\n  want: %s\n  got:  %s", c[i].tmpl, c[i].want, got);
		free(got);
	}
}
#define CHECK(cases, json, type, flags) check(cases, ARRAY_SIZE(cases), json, type, flags)

static void test_text_and_fields(void **state)
{
	static const struct tcase c[] = {
		{"plain", "plain"},
		{"", ""},
		{"{{.Id}}", "2d8a49007ce4"},
		{"{{.Config.Cmd}}", "[sh -c echo hi]"},
		{"{{.Config.Labels}}", "map[a:1 b:2]"},
		{"{{.Config.Labels.a}}", "1"},
		{"{{.Config.Labels.nope}}", "<no value>"},
		{"{{.Config.Env}}", "[]"},
		{"{{.Config.Entrypoint}}", "[]"},
		{"{{.State}}", "{created false 0}"},
		{"{{.Mounts}}", "[{v1 true}]"},
		{"{{.Size}}", "1.5"},
		{"{{.}}x",
		 "{2d8a49007ce4 /c1 [] {created false 0} {[sh -c echo hi] [] map[a:1 b:2] "
		 "map[53/udp:{} 8080/tcp:{}] []} [{v1 true}] 1.5}x"},
		{"{{$.Name}} {{$}}",
		 "/c1 {2d8a49007ce4 /c1 [] {created false 0} {[sh -c echo hi] [] "
		 "map[a:1 b:2] map[53/udp:{} 8080/tcp:{}] []} [{v1 true}] 1.5}"},
		{"{{(.State).Status}}", "created"},
		{"{{with .State}}{{.Status}} {{$.Id}}{{end}}", "created 2d8a49007ce4"},
		{"{{.Nope}}",
		 "ERR: template: :1:2: executing \"\" at <.Nope>: can't evaluate field "
		 "Nope in type container.InspectResponse"},
		{"{{.Name.Foo}}", "ERR: template: :1:7: executing \"\" at <.Name.Foo>: can't "
				  "evaluate field Foo in type string"},
		{"{{.State.Nope}}",
		 "ERR: template: :1:8: executing \"\" at <.State.Nope>: map has no "
		 "entry for key \"Nope\""},
		{"{{.Id 1}}", "ERR: template: :1:2: executing \"\" at <.Id>: Id has arguments but "
			      "cannot be invoked as function"},
		{"{{.Config.Labels.a 1}}",
		 "ERR: template: :1:9: executing \"\" at <.Config.Labels.a>: "
		 "a is not a method but has arguments"},
		{"{{.Config.Entrypoint.X}}", "ERR: template: :1:9: executing \"\" at "
					     "<.Config.Entrypoint.X>: can't evaluate field X in "
					     "type []string"},
	};
	(void) state;
	CHECK(c, CTR, &t_ctr, 0);
}

static void test_raw(void **state)
{
	/* docker's inspect fallback: map[string]interface{}, json.Number, missingkey=error */
	static const struct tcase c[] = {
		{"{{.Config.Labels}}", "map[a:1 b:2]"},
		{"{{.Config.Labels.nope}}",
		 "ERR: template: :1:9: executing \"\" at "
		 "<.Config.Labels.nope>: map has no entry for key \"nope\""},
		{"{{.Nope}}",
		 "ERR: template: :1:2: executing \"\" at <.Nope>: map has no entry for key "
		 "\"Nope\""},
		{"{{.State}}", "map[Pid:0 Running:false Status:created]"},
		{"{{range .State}}x{{end}}", "xxx"},
		{"{{.Config.Env}}", "<nil>"},
		{"{{.Config.Env.X}}", "ERR: template: :1:9: executing \"\" at <.Config.Env.X>: nil "
				      "pointer evaluating interface {}.X"},
		{"{{.Config.Cmd.X}}",
		 "ERR: template: :1:9: executing \"\" at <.Config.Cmd.X>: can't "
		 "evaluate field X in type interface {}"},
		{"{{$x := .Config.Cmd}}{{$x.X}}", "ERR: template: :1:25: executing \"\" at <$x.X>: "
						  "can't evaluate field X in type []interface {}"},
		{"{{printf \"%T %T %d\" .State.Pid .Size .State.Pid}}",
		 "json.Number json.Number %!d(json.Number=0)"},
		{"{{eq .State.Pid 0}}", "ERR: template: :1:2: executing \"\" at <eq .State.Pid 0>: "
					"error calling eq: incompatible types for comparison"},
		{"{{upper .Config.Cmd}}",
		 "ERR: template: :1:15: executing \"\" at <.Config.Cmd>: "
		 "wrong type for value; expected string; got []interface {}"},
		{"{{join .Config.Cmd \",\"}}", "ERR: template: :1:14: executing \"\" at "
					       "<.Config.Cmd>: wrong type for value; expected "
					       "[]string; got []interface {}"},
		{"{{join (split \"a b\" \" \") \",\"}}", "a,b"},
		{"{{(split \"a.b\" \".\").X}}", "ERR: template: :1:15: executing \"\" at <\".\">: "
						"can't evaluate field X in type []string"},
		{"{{index .Config.Labels \"x\"}}", "<nil>"},
		{"{{json .Config.ExposedPorts}} {{json .State}}",
		 "{\"53/udp\":{},\"8080/tcp\":{}} "
		 "{\"Pid\":0,\"Running\":false,\"Status\":\"created\"}"},
	};
	(void) state;
	CHECK(c, CTR, NULL, TMPL_RAW);
}

static void test_actions(void **state)
{
	static const struct tcase c[] = {
		{"{{if .Name}}yes{{end}}", "yes"},
		{"{{if .State.Running}}up{{else}}down{{end}}", "down"},
		{"{{if .State.Running}}a{{else if .Name}}b{{else}}c{{end}}", "b"},
		{"{{if not .Name}}a{{else if .State.Running}}b{{else}}c{{end}}", "c"},
		{"{{with .Config.Labels.nope}}y{{else}}n{{end}}", "n"},
		{"{{with .Config.Labels.nope}}y{{else with .Name}}{{.}}{{end}}", "/c1"},
		{"{{range .Config.Cmd}}[{{.}}]{{end}}", "[sh][-c][echo hi]"},
		{"{{range $i, $e := .Config.Cmd}}{{$i}}={{$e}} {{end}}", "0=sh 1=-c 2=echo hi "},
		{"{{range $e := .Config.Cmd}}{{$e}};{{end}}", "sh;-c;echo hi;"},
		{"{{range $k, $v := .Config.Labels}}{{$k}}={{$v}},{{end}}", "a=1,b=2,"},
		{"{{range .Config.Env}}x{{else}}empty{{end}}", "empty"},
		{"{{range .Args}}x{{else}}none{{end}}", "none"},
		{"{{range 3}}{{.}}{{end}}", "012"},
		{"{{range $i := 2}}{{$i}}{{end}}", "01"},
		{"{{range .Config.Cmd}}{{if eq . \"-c\"}}{{break}}{{end}}{{.}}{{end}}", "sh"},
		{"{{range .Config.Cmd}}{{if eq . \"-c\"}}{{continue}}{{end}}{{.}}{{end}}",
		 "shecho hi"},
		{"{{range split \"a,b\" \",\"}}{{range split \"x,y\" \",\"}}{{if eq . \"y\"}}"
		 "{{break}}{{end}}{{.}}{{end}}{{.}};{{end}}",
		 "xa;xb;"},
		{"{{range \"abc\"}}{{end}}",
		 "ERR: template: :1:8: executing \"\" at <\"abc\">: range "
		 "can't iterate over abc"},
		{"{{range $i, $v := 3}}{{end}}",
		 "ERR: template: :1:18: executing \"\" at <3>: can't "
		 "use 3 to iterate over more than one variable"},
		{"{{$x := 1}}{{$x}}", "1"},
		{"{{$x := 1}}{{if true}}{{$x = 2}}{{end}}{{$x}}", "2"},
		{"{{$x := \"o\"}}{{range split \"a,b\" \",\"}}{{$x := .}}{{$x}}{{end}}{{$x}}",
		 "abo"},
		{"{{with $y := .Name}}{{$y}}{{end}}", "/c1"},
		{"{{$x = 2}}",
		 "ERR: template: :1:7: executing \"\" at <2>: undefined variable: $x"},
		{"{{define \"T\"}}[{{.}}]{{end}}{{template \"T\" .Name}}", "[/c1]"},
		{"{{block \"B\" .Name}}<{{.}}>{{end}}", "</c1>"},
		{"{{define \"a\"}}A{{template \"b\" .}}{{end}}{{define \"b\"}}B{{.Name}}{{end}}"
		 "{{template \"a\" .}}",
		 "AB/c1"},
		{"{{template \"nope\"}}", "ERR: template: :1:11: executing \"\" at <{{template "
					  "\"nope\"}}>: template \"nope\" not defined"},
		{"{{define \"x\"}}{{template \"x\" .}}{{end}}{{template \"x\" .}}",
		 "ERR: template: :1:25: executing \"x\" at <{{template \"x\" .}}>: exceeded "
		 "maximum "
		 "template depth (200)"},
		{"{{/* a comment */}}x", "x"},
		{"a  {{- /* c */ -}}  b", "ab"},
		{"a {{- \"b\" -}} c", "abc"},
		{"a\n  {{- \"b\"}}\n", "ab\n"},
		{"{{\"b\" -}}\n\t c", "bc"},
		{"{{-3}} {{- 3}}", "-33"},
		{"{{.Name | printf \"%s!\" | upper}}", "/C1!"},
		{"{{\"x\" | printf \"%s%s\" \"y\"}}", "yx"},
		{"{{.Name | len}}", "3"},
		{"{{.Id\n}}", "2d8a49007ce4"},
	};
	(void) state;
	CHECK(c, CTR, &t_ctr, 0);
}

static void test_literals(void **state)
{
	static const struct tcase c[] = {
		{"{{\"a\\tb\\u00e9\\x41\\101\"}}", "a\tb\xc3\xa9"
						   "AA"},
		{"{{`raw\\n`}}", "raw\\n"},
		{"{{'a'}} {{'\\n'}}", "97 10"},
		{"{{0x1F}} {{1e3}} {{1_000}} {{0o17}} {{0b101}} {{1.50}} {{017}}",
		 "31 1000 1000 15 5 1.5 15"},
		{"{{1e6}} {{1234567.0}} {{123456.0}} {{0.00001}} {{0.0001}} {{1e21}} {{2.0}} "
		 "{{-0.0}}",
		 "1e+06 1.234567e+06 123456 1e-05 0.0001 1e+21 2 -0"},
		{"{{true}} {{false}}", "true false"},
		{"{{nil}}", "ERR: template: :1:2: executing \"\" at <nil>: nil is not a command"},
		{"{{\"a\" \"b\"}}", "ERR: template: :1:2: executing \"\" at <\"a\">: can't give "
				    "argument to non-function \"a\""},
		{"{{1 2}}", "ERR: template: :1:2: executing \"\" at <1>: can't give argument to "
			    "non-function 1"},
		{"{{99999999999999999999}}", "ERR: template: :1: integer overflow: "
					     "\"99999999999999999999\""},
		{"{{1i}}", "ERR: template: :1: illegal number syntax: \"1i\""},
		{"{{1__0}}", "ERR: template: :1: illegal number syntax: \"1__0\""},
		{"{{\"\\q\"}}", "ERR: template: :1: invalid syntax"},
		{"{{'ab'}}", "ERR: template: :1: malformed character constant: 'ab'"},
	};
	(void) state;
	CHECK(c, CTR, &t_ctr, 0);
}

static void test_parse_errors(void **state)
{
	static const struct tcase c[] = {
		{"{{.Id", "ERR: template: :1: unclosed action"},
		{"{{.Id\n\n", "ERR: template: :3: unclosed action started at :1"},
		{"{{if .Id}}\n{{.Id\n", "ERR: template: :3: unclosed action started at :2"},
		{"{{\"a\n", "ERR: template: :1: unterminated quoted string"},
		{"x\n{{.Id }\n", "ERR: template: :2: unexpected \"}\" in operand"},
		{"{{}}", "ERR: template: :1: missing value for command"},
		{"{{end}}", "ERR: template: :1: unexpected {{end}}"},
		{"{{else}}", "ERR: template: :1: unexpected {{else}}"},
		{"{{if .Id}}", "ERR: template: :1: unexpected EOF"},
		{"{{if}}{{end}}", "ERR: template: :1: missing value for if"},
		{"{{range}}{{end}}", "ERR: template: :1: missing value for range"},
		{"{{| .Id}}", "ERR: template: :1: unexpected \"|\" in command"},
		{"{{$x}}", "ERR: template: :1: undefined variable \"$x\""},
		{"{{.Id | \"a\"}}",
		 "ERR: template: :1: non executable command in pipeline stage 2"},
		{"{{\"abc}}", "ERR: template: :1: unterminated quoted string"},
		{"{{`abc}}", "ERR: template: :1: unterminated raw quoted string"},
		{"{{'a}}", "ERR: template: :1: unterminated character constant"},
		{"{{3x}}", "ERR: template: :1: bad number syntax: \"3x\""},
		{"{{.Id@}}", "ERR: template: :1: bad character U+0040 '@'"},
		{"{{(.Id}}", "ERR: template: :1: unclosed left paren"},
		{"{{.Id)}}", "ERR: template: :1: unexpected right paren"},
		{"{{/* c }}", "ERR: template: :1: unclosed comment"},
		{"{{/* c */ }}", "ERR: template: :1: comment ends before closing delimiter"},
		{"a {{-\"b\"}}", "ERR: template: :1: illegal number syntax: \"-\""},
		{"{{.Id.}}", "ERR: template: :1: unexpected <.> in operand"},
		{"{{1.Foo}}", "ERR: template: :1: bad number syntax: \"1.F\""},
		{"{{nil.Foo}}", "ERR: template: :1: unexpected . after term \"nil\""},
		{"{{break}}", "ERR: template: :1: {{break}} outside {{range}}"},
		{"{{continue}}", "ERR: template: :1: {{continue}} outside {{range}}"},
		{"{{range $a, $b, $c := .X}}{{end}}", "ERR: template: :1: too many declarations in "
						      "range"},
		{"{{$a, $b := 1}}", "ERR: template: :1: too many declarations in command"},
		{"{{foo}}", "ERR: template: :1: function \"foo\" not defined"},
		{"{{if 1}}{{else}}{{else}}{{end}}",
		 "ERR: template: :1: expected end; found {{else}}"},
		{"{{define \"a\"}}1{{end}}{{define \"a\"}}2{{end}}",
		 "ERR: template: :1: template: multiple definition of template \"a\""},
		{"{{template .Name}}",
		 "ERR: template: :1: unexpected \".Name\" in template clause"},
		{"x\n{{.A}}\n{{end}}", "ERR: template: :3: unexpected {{end}}"},
		{"{{((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((("
		 "((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((("
		 "("
		 "((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((("
		 "1",
		 "ERR: template: :1: max expression depth exceeded"},
	};
	(void) state;
	CHECK(c, CTR, &t_ctr, 0);
}

static void test_functions(void **state)
{
	static const struct tcase c[] = {
		/* docker's */
		{"{{json .Config.Labels}} {{json .Config.Cmd}} {{json .Config.Env}}",
		 "{\"a\":\"1\",\"b\":\"2\"} [\"sh\",\"-c\",\"echo hi\"] null"},
		{"{{json .State}}", "{\"Status\":\"created\",\"Running\":false,\"Pid\":0}"},
		{"{{json \"a<b>&\\u2028\\x01\"}} {{json 1.5}} {{json nil}}",
		 "\"a<b>&\\u2028\\u0001\" 1.5 null"},
		{"{{join .Config.Cmd \",\"}}", "sh,-c,echo hi"},
		{"{{join .Name \",\"}}",
		 "ERR: template: :1:7: executing \"\" at <.Name>: wrong type "
		 "for value; expected []string; got string"},
		{"{{.Config.Cmd | join \",\"}}", "ERR: template: :1:21: executing \"\" at <\",\">: "
						 "can't handle \",\" for arg of type []string"},
		{"{{split \"a,b,c\" \",\"}} {{len (split \"a,b\" \",\")}} {{split \"abc\" \"\"}}",
		 "[a b c] 2 [a b c]"},
		{"{{split \"\" \",\"}}|{{split \"a,,b,\" \",\"}}", "[]|[a  b ]"},
		{"{{upper \"h\xc3\xa9llo\"}} {{lower \"H\xc3\x89LLO\"}}",
		 "H\xc3\x89LLO h\xc3\xa9llo"},
		{"{{title \"hello wOrld-foo_bar baz.qux\"}}", "Hello WOrld-Foo_bar Baz.Qux"},
		{"{{truncate \"abcdef\" 3}}|{{truncate \"abc\" 5}}", "abc|abc"},
		{"{{truncate \"abc\" -1}}",
		 "ERR: template: :1:2: executing \"\" at <truncate \"abc\" "
		 "-1>: error calling truncate: runtime error: slice "
		 "bounds out of range [:-1]"},
		{"{{pad \"x\" 2 3}}|{{pad \"\" 1 1}}|", "  x   ||"},
		{"{{upper}}",
		 "ERR: template: :1:2: executing \"\" at <upper>: wrong number of args for "
		 "upper: want 1 got 0"},
		{"{{upper 1}}",
		 "ERR: template: :1:8: executing \"\" at <1>: expected string; found 1"},
		{"{{upper \"a\" \"b\"}}", "ERR: template: :1:2: executing \"\" at <upper>: wrong "
					  "number of args for upper: want 1 got 2"},
		/* Go's */
		{"{{len .Name}} {{len .Config.Cmd}} {{len .Config.Labels}} {{len .Config.Env}}",
		 "3 3 2 0"},
		{"{{len 3}}",
		 "ERR: template: :1:2: executing \"\" at <len 3>: error calling len: len "
		 "of type int"},
		{"{{index .Config.Cmd 0}} {{index .Config.Labels \"b\"}} {{index \"abc\" 1}}",
		 "sh 2 98"},
		{"{{index .Config.Labels \"nope\"}}|{{index .Config.Cmd 0 0}}", "|115"},
		{"{{index .Config.Cmd 5}}",
		 "ERR: template: :1:2: executing \"\" at <index .Config.Cmd "
		 "5>: error calling index: index out of range: 5"},
		{"{{index 3 1}}",
		 "ERR: template: :1:2: executing \"\" at <index 3 1>: error calling "
		 "index: can't index item of type int"},
		{"{{index .Config.Cmd \"a\"}}", "ERR: template: :1:2: executing \"\" at <index "
						".Config.Cmd \"a\">: error calling index: cannot "
						"index slice/array with type string"},
		{"{{slice .Name 1}} {{slice .Config.Cmd 1 2}} {{slice \"abcdef\" 1 3}}",
		 "c1 [-c] bc"},
		{"{{slice .Name 3 1}}", "ERR: template: :1:2: executing \"\" at <slice .Name 3 1>: "
					"error calling slice: invalid slice index: 3 > 1"},
		{"{{print \"a\" 1 2 \"b\"}}|{{print 1 nil}}|{{print}}", "a1 2b|1 <nil>|"},
		{"{{println 1 \"a\"}}x", "1 a\nx"},
		{"{{not 0}} {{not .Name}} {{and 1 0 2}} {{and 1 2}} {{or 0 \"\" \"x\"}} {{or 0 "
		 "\"\"}}|",
		 "true false 0 2 x |"},
		{"{{and 0 .Nope}} {{or 1 .Nope}}", "0 1"},
		{"{{and}}",
		 "ERR: template: :1:2: executing \"\" at <and>: wrong number of args for "
		 "and: want at least 1 got 0"},
		{"{{eq .State.Status \"created\"}} {{eq 1 2 1}} {{ne 1 2}} {{eq \"x\" \"a\" "
		 "\"b\"}}",
		 "true true true false"},
		{"{{lt 1 2}} {{le 2 2}} {{gt 2.5 2.4}} {{ge 1 2}} {{lt \"abc\" \"abd\"}}",
		 "true true true false true"},
		{"{{eq .Config.Labels.nope nil}} {{eq .Config.Labels.nope \"x\"}} {{eq nil nil}}",
		 "true false true"},
		{"{{eq .State .State}}", "true"},
		{"{{eq 1}}",
		 "ERR: template: :1:2: executing \"\" at <eq 1>: error calling eq: missing "
		 "argument for comparison"},
		{"{{eq \"a\" 1}}",
		 "ERR: template: :1:2: executing \"\" at <eq \"a\" 1>: error calling "
		 "eq: incompatible types for comparison"},
		{"{{lt 1 2.0}}",
		 "ERR: template: :1:2: executing \"\" at <lt 1 2.0>: error calling lt: "
		 "incompatible types for comparison"},
		{"{{le true false}}",
		 "ERR: template: :1:2: executing \"\" at <le true false>: error "
		 "calling le: invalid type for comparison"},
		{"{{eq .Config.Cmd .Config.Cmd}}", "ERR: template: :1:2: executing \"\" at <eq "
						   ".Config.Cmd .Config.Cmd>: error calling eq: "
						   "non-comparable type [sh -c echo hi]: []string"},
		{"{{html \"<a&b>'\\\"\"}} {{urlquery \"a b&c/~\"}} {{js \"a<\\\"b'\\n=\"}}",
		 "&lt;a&amp;b&gt;&#39;&#34; a+b%26c%2F~ a\\u003C\\\"b\\'\\u000A\\u003D"},
		{"{{call .Name}}",
		 "ERR: template: :1:2: executing \"\" at <call .Name>: error calling "
		 "call: non-function .Name of type string"},
	};
	(void) state;
	CHECK(c, CTR, &t_ctr, 0);
}

static void test_printf(void **state)
{
	static const struct tcase c[] = {
		{"{{printf \"%d|%5s|%-5s|%x|%q|%v|%t\" 42 \"ab\" \"cd\" 255 \"q\\\"\" 1.5 true}}",
		 "42|   ab|cd   |ff|\"q\\\"\"|1.5|true"},
		{"{{printf \"%v|%g|%e|%f|%.2f|%8.3f|%-8.2e|%G|%E\" 1e6 1e6 1e6 1e6 3.14159 3.14159 "
		 "1234.5 1e-7 1e-7}}",
		 "1e+06|1e+06|1.000000e+06|1000000.000000|3.14|   "
		 "3.142|1.23e+03|1E-07|1.000000E-07"},
		{"{{printf \"%5d|%-5d|%05d|%+d|%x|%X|%o|%O|%b|%c|%U|%#x|%#o|% d\" 42 42 42 42 255 "
		 "255 8 "
		 "8 5 65 65 255 8 7}}",
		 "   42|42   |00042|+42|ff|FF|10|0o10|101|A|U+0041|0xff|010| 7"},
		{"{{printf \"%s|%10s|%-10s|%.2s|%q|%x|%X|% x|%v\" \"h\xc3\xa9llo\" \"ab\" \"ab\" "
		 "\"h\xc3\xa9llo\" \"a\\tb\" \"hi\" \"hi\" \"hi\" \"v\"}}",
		 "h\xc3\xa9llo|        ab|ab        |h\xc3\xa9|\"a\\tb\"|6869|6869|68 69|v"},
		{"{{printf \"%t|%v|%s|%d\" true false true true}}",
		 "true|false|%!s(bool=true)|%!d(bool=true)"},
		{"{{printf \"%v|%s|%d|%q\" .Config.Cmd .Config.Cmd .Config.Cmd .Config.Cmd}}",
		 "[sh -c echo hi]|[sh -c echo hi]|[%!d(string=sh) %!d(string=-c) %!d(string=echo "
		 "hi)]|[\"sh\" \"-c\" \"echo hi\"]"},
		{"{{printf \"%v|%d\" .Config.Labels .Config.Labels}}",
		 "map[a:1 b:2]|map[%!d(string=a):%!d(string=1) %!d(string=b):%!d(string=2)]"},
		{"{{printf \"%T|%T|%T|%T|%T|%T\" 1 1.5 \"s\" true .Config.Cmd nil}}",
		 "int|float64|string|bool|[]string|<nil>"},
		{"{{printf \"%v|%+v\" .Config.Env .State}}",
		 "[]|{Status:created Running:false Pid:0}"},
		{"{{printf \"%v\" .Config}}", "&{[sh -c echo hi] [] map[a:1 b:2] map[53/udp:{} "
					      "8080/tcp:{}] []}"},
		{"{{printf \"%d\"}}|{{printf \"%d\" \"s\"}}|{{printf \"x\" 1}}",
		 "%!d(MISSING)|%!d(string=s)|x%!(EXTRA int=1)"},
		{"{{printf \"%!|%z|%\" 1}}", "%!!(int=1)|%!z(MISSING)|%!(NOVERB)"},
		{"{{printf \"%*d|%-*d|%.*f\" 5 1 4 2 2 3.14159}}", "    1|2   |3.14"},
		{"{{printf \"%[2]d %[1]d|%[5]d\" 1 2}}", "2 1|%!d(BADINDEX)"},
		{"{{printf \"%6.2v|%10v|%-10v|\" 3.14159 \"x\" .Config.Cmd}}",
		 "   3.1|         x|[sh         -c         echo hi   ]|"},
		{"{{printf \"%x|%X\" 3.5 -255}}", "0x1.cp+01|-FF"},
		{"{{printf \"%q|%q|%+q|%#q\" 65 \"\xc3\xa9\" \"\xc3\xa9\" \"x\"}}",
		 "'A'|\"\xc3\xa9\"|\"\\u00e9\"|`x`"},
		{"{{printf \"%s %v %d\" nil nil nil}}", "%!s(<nil>) <nil> %!d(<nil>)"},
		{"{{printf \"%08.3f|%+.2e|% .3g|%5.1f\" -3.14159 -0.000123 2.5 3.14159}}",
		 "-003.142|-1.23e-04| 2.5|  3.1"},
		{"{{printf \"%.0f %.1f %g %g\" 0.5 0.25 100000.0 1000000.0}}",
		 "0 0.2 100000 1e+06"},
		{"{{printf \"%c%c\" 72 0x1F600}} {{printf \"%U|%#U\" 0x1F600 65}}",
		 "H\xf0\x9f\x98\x80 U+1F600|U+0041 'A'"},
		{"{{printf \"%05s|%-05d|%%|%5%\" \"ab\" 3}}", "000ab|3    |%|%"},
		{"{{printf 1}}",
		 "ERR: template: :1:9: executing \"\" at <1>: expected string; found 1"},
		{"{{printf}}",
		 "ERR: template: :1:2: executing \"\" at <printf>: wrong number of args "
		 "for printf: want at least 1 got 0"},
	};
	(void) state;
	CHECK(c, CTR, &t_ctr, 0);
}

static void test_rows(void **state)
{
	/* docker's formatter contexts: methods, MarshalJSON, {{.Label}} */
	static const char *const row = "{\"Names\":\"c1\",\"ID\":\"abc\",\"Labels\":\"a=1\"}";
	static const struct tcase c[] = {
		{"{{.Names}}\t{{.ID}}", "c1\tabc"},
		{"{{json .}}", "{\"ID\":\"abc\",\"Labels\":\"a=1\",\"Names\":\"c1\"}"},
		{"{{.Label \"a\"}}", "udata:a"},
		{"{{.Label}}",
		 "ERR: template: :1:2: executing \"\" at <.Label>: wrong number of args "
		 "for Label: want 1 got 0"},
		{"{{.Names 1}}", "ERR: template: :1:2: executing \"\" at <.Names>: wrong number of "
				 "args for Names: want 0 got 1"},
		{"{{.Nope}}",
		 "ERR: template: :1:2: executing \"\" at <.Nope>: can't evaluate field "
		 "Nope in type *formatter.ContainerContext"},
		{"{{range .Names}}x{{end}}",
		 "ERR: template: :1:8: executing \"\" at <.Names>: range "
		 "can't iterate over c1"},
	};
	(void) state;
	CHECK(c, row, &t_row, 0);
}

static void test_header(void **state)
{
	/* a table's header: docker's HeaderFunctions keep the titles */
	static const char *const hdr = "{\"Names\":\"NAMES\",\"Size\":\"SIZE\"}";
	static const struct tcase c[] = {
		{"{{.Names}}\t{{upper .Size}}\t{{json .Size}}\t{{split .Names \",\"}}",
		 "NAMES\tSIZE\tSIZE\tNAMES"},
		{"{{truncate .Names 2}} {{join .Names \",\"}} {{lower .Size}} {{title .Size}}",
		 "NAMES NAMES SIZE SIZE"},
		{"{{pad .Names 1 1}}|{{.Nope}}", " NAMES |<no value>"},
	};
	static const struct tmpl_type t_header = {.kind = TMPL_MAP};
	(void) state;
	CHECK(c, hdr, &t_header, TMPL_HEADER);
}

static void test_tabwriter(void **state)
{
	static const struct tcase c[] = {
		{"a\tb\tc\nlonger name\tx\ty\n", "a             b         c\n"
						 "longer name   x         y\n"},
		/* a line without a tab ends the column blocks */
		{"NAMES\nCONTAINER ID\tx\tIMAGE\nc1\nabc\tx\tbusybox\n",
		 "NAMES\n"
		 "CONTAINER ID   x         "
		 "IMAGE\n"
		 "c1\n"
		 "abc       x         busybox\n"},
		/* the last cell is not in a column; no newline at the end stays so */
		{"x\ty\tzzzzzzzzzzzzzzz\nxx\tyy",
		 "x         y         zzzzzzzzzzzzzzz\nxx        yy"},
		{"h\xc3\xa9\tb\n\xe4\xb8\xad\xe6\x96\x87\tc\n",
		 "h\xc3\xa9        b\n\xe4\xb8\xad\xe6\x96\x87      c\n"},
		{"", ""},
		{"\n\n", "\n\n"},
	};
	(void) state;
	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		struct strbuf sb = STRBUF_INIT;
		tmpl_tabwrite(&sb, c[i].tmpl, strlen(c[i].tmpl));
		if (strcmp(strbuf_cstr(&sb), c[i].want) != 0)
			fail_msg("tabwrite %zu:\n%s\nwant:\n%s", i, strbuf_cstr(&sb), c[i].want);
		strbuf_release(&sb);
	}
}

static void test_bounds(void **state)
{
	char *got;

	(void) state;
	/* work and output are bounded whatever the template */
	got = render("{{range 1000000000}}{{end}}", NULL, NULL, 0);
	assert_string_equal(got, "ERR: template: execution exceeds 5000000 steps");
	free(got);
	got = render("{{range 100000}}{{pad \"x\" 1000 0}}{{end}}", NULL, NULL, 0);
	assert_string_equal(got, "ERR: template: output exceeds 67108864 bytes");
	free(got);
	got = render("{{pad \"x\" 100000000 0}}", NULL, NULL, 0);
	assert_true(strstr(got, "error calling pad") != NULL);
	free(got);
	got = render("{{printf \"%100000000d\" 1}}", NULL, NULL, 0);
	assert_string_equal(got, "%!(NOVERB)%!(EXTRA int=1)");
	free(got);
	/* tmpl_set_limits(): the output, what functions make, the steps */
	{
		static const struct {
			const char *tmpl, *want;
		} lim[] = {
			{"{{range 10}}xxxxxxxxxx{{end}}", "template: output exceeds 50 bytes"},
			{"{{$x := printf \"%s%s\" (printf \"%40s\" \"\") (printf \"%40s\" \"\")}}",
			 "template: output exceeds 50 bytes"},
			{"{{$x := join (split (printf \"%30s\" \"\") \"\") \"abc\"}}",
			 "template: output exceeds 50 bytes"},
			{"{{range 1000}}{{end}}", "template: execution exceeds 100 steps"},
		};
		for (size_t i = 0; i < ARRAY_SIZE(lim); i++) {
			struct tmpl *t = NULL;
			struct hull_err *e = NULL;
			struct strbuf sb = STRBUF_INIT;
			assert_int_equal(tmpl_parse(lim[i].tmpl, &t, &e), 0);
			tmpl_set_limits(t, 50, 100);
			assert_int_equal(tmpl_execute(t, NULL, NULL, 0, NULL, &sb, &e), -E2BIG);
			assert_string_equal(e->msg, lim[i].want);
			err_free(e);
			strbuf_release(&sb);
			tmpl_free(t);
		}
	}
	/* nil data */
	got = render("{{.X}}", NULL, NULL, 0);
	assert_string_equal(got, "<no value>");
	free(got);
	got = render("{{.X}}", NULL, NULL, TMPL_RAW);
	assert_string_equal(got, "ERR: template: :1:2: executing \"\" at <.X>: nil data; no "
				 "entry for key \"X\"");
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_and_fields), cmocka_unit_test(test_raw),
		cmocka_unit_test(test_actions),		cmocka_unit_test(test_literals),
		cmocka_unit_test(test_parse_errors),	cmocka_unit_test(test_functions),
		cmocka_unit_test(test_printf),		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_header),		cmocka_unit_test(test_tabwriter),
		cmocka_unit_test(test_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
