/* SPDX-License-Identifier: MIT */
/*
 * The Dockerfile parser: a transcription of BuildKit's
 * frontend/dockerfile/parser (parser.go, line_parsers.go, split_command.go,
 * directives.go). Function names in comments name the Go function each part
 * reproduces, so the two can be compared when BuildKit changes.
 */
#include <ctype.h>
#include <jansson.h>

#include "util/strv.h"
#include "util/json.h"
#include "df-internal.h"

static const char *const cmd_names[_DF_CMD_MAX] = {
	[DF_CMD_ADD] = "add",
	[DF_CMD_ARG] = "arg",
	[DF_CMD_CMD] = "cmd",
	[DF_CMD_COPY] = "copy",
	[DF_CMD_ENTRYPOINT] = "entrypoint",
	[DF_CMD_ENV] = "env",
	[DF_CMD_EXPOSE] = "expose",
	[DF_CMD_FROM] = "from",
	[DF_CMD_HEALTHCHECK] = "healthcheck",
	[DF_CMD_LABEL] = "label",
	[DF_CMD_MAINTAINER] = "maintainer",
	[DF_CMD_ONBUILD] = "onbuild",
	[DF_CMD_RUN] = "run",
	[DF_CMD_SHELL] = "shell",
	[DF_CMD_STOPSIGNAL] = "stopsignal",
	[DF_CMD_USER] = "user",
	[DF_CMD_VOLUME] = "volume",
	[DF_CMD_WORKDIR] = "workdir",
};

enum df_cmd df_cmd_from_string(const char *s)
{
	for (int i = 0; i < _DF_CMD_MAX; i++)
		if (strcasecmp(s, cmd_names[i]) == 0)
			return (enum df_cmd) i;
	return _DF_CMD_INVALID;
}

const char *df_cmd_to_string(enum df_cmd c)
{
	if (c < 0 || c >= _DF_CMD_MAX)
		return NULL;
	return cmd_names[c];
}

/* ---- tree ---------------------------------------------------------------- */

static void instr_release(struct df_instr *in)
{
	if (!in)
		return;
	free(in->keyword);
	free(in->cmd);
	strv_free(in->flags);
	strv_free(in->args);
	free(in->arg_lens);
	for (size_t i = 0; i < in->n_heredocs; i++) {
		free(in->heredocs[i].name);
		free(in->heredocs[i].content);
	}
	free(in->heredocs);
	free(in->original);
	if (in->sub) {
		instr_release(in->sub);
		free(in->sub);
	}
	memset(in, 0, sizeof(*in));
}

struct dockerfile *df_free(struct dockerfile *df)
{
	if (!df)
		return NULL;
	for (size_t i = 0; i < df->n_instrs; i++)
		instr_release(&df->instrs[i]);
	free(df->instrs);
	free(df->syntax);
	free(df->check);
	free(df);
	return NULL;
}

static void instr_add_arg(struct df_instr *in, const char *s, size_t len)
{
	char *c = xmalloc(len + 1);

	memcpy(c, s, len);
	c[len] = '\0';
	in->args = xrealloc(in->args, (in->n_args + 2) * sizeof(char *));
	in->arg_lens = xrealloc(in->arg_lens, (in->n_args + 1) * sizeof(size_t));
	in->args[in->n_args] = c;
	in->args[in->n_args + 1] = NULL;
	in->arg_lens[in->n_args] = len;
	in->n_args++;
}

static void instr_add_args(struct df_instr *in, const char *s)
{
	instr_add_arg(in, s, strlen(s));
}

/* ---- small Go equivalents ------------------------------------------------ */

/* reWhitespace = [\t\v\f\r ]+ */
static bool is_re_ws(char c)
{
	return c == '\t' || c == '\v' || c == '\f' || c == '\r' || c == ' ';
}

/* bytes.TrimLeftFunc(s, unicode.IsSpace) */
static size_t skip_space(const char *s, size_t n)
{
	size_t i = 0, w;

	while (i < n) {
		int32_t r = df_utf8_decode(s + i, n - i, &w);
		if (!df_is_space(r))
			break;
		i += w;
	}
	return i;
}

/* isComment() */
static bool is_comment(const char *s, size_t n)
{
	size_t i = skip_space(s, n);
	return i < n && s[i] == '#';
}

/* trimNewline(): bytes.TrimRight(src, "\r\n") */
static size_t trim_newline(const char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	return n;
}

/* ---- directives (directives.go DirectiveParser) ---------------------------- */

struct parser {
	const char *filename;
	char escape;
	bool directives_done;
	bool seen_syntax, seen_escape, seen_check;
	char *syntax, *check;
	struct hull_err **err;
};

static int fail(struct parser *p, unsigned line, const char *fmt, ...) _printf_(3, 4);
static int fail(struct parser *p, unsigned line, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	return err_setx(p->err, EINVAL, "%s:%u: %s", p->filename, line ? line : 1, msg);
}

/*
 * A NUL byte in a line the parser keeps. BuildKit keeps it in the word, but
 * here words and heredoc bodies are C strings: it would cut the line short
 * without a word, so the file is refused instead (in an argument a NUL could
 * not reach an argv, an environment or a path anyway; only a COPY heredoc
 * body could carry one into a file). Comment lines are dropped whole and may
 * hold one.
 */
static int check_nul(struct parser *p, const char *s, size_t n, unsigned line)
{
	if (n && memchr(s, '\0', n))
		return fail(p, line, "NUL byte in line: not supported");
	return 0;
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alnum(char c)
{
	return is_alpha(c) || (c >= '0' && c <= '9');
}

/* \s in Go's RE2 syntax: [\t\n\f\r ] */
static bool is_re_s(char c)
{
	return c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' ';
}

/* DirectiveParser.ParseLine() plus possibleParserDirective(): 1 if @s is a directive. */
static int parse_directive(struct parser *p, const char *s, size_t n, unsigned line)
{
	_cleanup_free_ char *v = NULL;
	char key[16];
	size_t i, ks, ke, vs, ve;
	bool *seen;

	if (p->directives_done)
		return 0;
	if (n == 0 || s[0] != '#') {
		p->directives_done = true;
		return 0;
	}
	i = 1 + skip_space(s + 1, n - 1);
	/* ^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$ */
	ks = i;
	if (i >= n || !is_alpha(s[i]))
		goto not_directive;
	while (i < n && is_alnum(s[i]))
		i++;
	ke = i;
	while (i < n && is_re_s(s[i]))
		i++;
	if (i >= n || s[i] != '=')
		goto not_directive;
	i++;
	while (i < n && is_re_s(s[i]))
		i++;
	vs = i;
	ve = n;
	while (ve > vs && is_re_s(s[ve - 1]))
		ve--;
	if (ve == vs || memchr(s + vs, '\n', ve - vs))
		goto not_directive;
	if (ke - ks >= sizeof(key))
		goto not_directive;
	for (size_t k = 0; k < ke - ks; k++)
		key[k] = (char) tolower((unsigned char) s[ks + k]);
	key[ke - ks] = '\0';

	if (streq(key, "syntax"))
		seen = &p->seen_syntax;
	else if (streq(key, "escape"))
		seen = &p->seen_escape;
	else if (streq(key, "check"))
		seen = &p->seen_check;
	else
		goto not_directive;
	if (*seen)
		return fail(p, line, "only one %s parser directive can be used", key);
	*seen = true;

	if (check_nul(p, s + vs, ve - vs, line) < 0)
		return -EINVAL;
	v = xstrndup(s + vs, ve - vs);
	if (streq(key, "escape")) {
		if (!streq(v, "`") && !streq(v, "\\"))
			return fail(p, line, "invalid escape token '%s' does not match ` or \\", v);
		p->escape = v[0];
	} else if (streq(key, "syntax")) {
		p->syntax = TAKE_PTR(v);
	} else {
		p->check = TAKE_PTR(v);
	}
	return 1;

not_directive:
	p->directives_done = true;
	return 0;
}

/*
 * trimContinuationCharacter(): the regexp ([^E])E[ \t]*$|^E[ \t]*$. Returns
 * the new length, and whether the line continues.
 */
static size_t trim_continuation(const struct parser *p, const char *s, size_t n, bool *ret_cont)
{
	size_t e = n;

	while (e > 0 && (s[e - 1] == ' ' || s[e - 1] == '\t'))
		e--;
	if (e > 0 && s[e - 1] == p->escape && (e == 1 || s[e - 2] != p->escape)) {
		*ret_cont = true;
		return e - 1;
	}
	*ret_cont = false;
	return n;
}

/* ---- line parsers (line_parsers.go) ------------------------------------- */

/* parseWords(): split at unquoted unicode spaces, keeping quotes and escapes. */
static char **parse_words(const struct parser *p, const char *rest)
{
	enum { IN_SPACES, IN_WORD, IN_QUOTE } phase = IN_SPACES;
	size_t len = strlen(rest), pos, w = 0;
	struct strbuf sb = STRBUF_INIT;
	char **words = strv_new();
	int32_t quote = 0, ch = 0;
	bool blank_ok = false;

	for (pos = 0; pos <= len; pos += w) {
		if (pos != len)
			ch = df_utf8_decode(rest + pos, len - pos, &w);
		if (phase == IN_SPACES) {
			if (pos == len)
				break;
			if (df_is_space(ch))
				continue;
			phase = IN_WORD;
		}
		if ((phase == IN_WORD || phase == IN_QUOTE) && pos == len) {
			if (blank_ok || sb.len > 0)
				strv_push(&words, strbuf_cstr(&sb));
			break;
		}
		if (phase == IN_WORD) {
			if (df_is_space(ch)) {
				phase = IN_SPACES;
				if (blank_ok || sb.len > 0)
					strv_push(&words, strbuf_cstr(&sb));
				strbuf_reset(&sb);
				blank_ok = false;
				continue;
			}
			if (ch == '\'' || ch == '"') {
				quote = ch;
				blank_ok = true;
				phase = IN_QUOTE;
			}
			if (ch == p->escape) {
				if (pos + w == len)
					continue;
				df_utf8_append(&sb, ch);
				pos += w;
				ch = df_utf8_decode(rest + pos, len - pos, &w);
			}
			df_utf8_append(&sb, ch);
			continue;
		}
		if (phase == IN_QUOTE) {
			if (ch == quote)
				phase = IN_WORD;
			if (ch == p->escape && quote != '\'') {
				if (pos + w == len) {
					phase = IN_WORD;
					continue;
				}
				pos += w;
				df_utf8_append(&sb, ch);
				ch = df_utf8_decode(rest + pos, len - pos, &w);
			}
			df_utf8_append(&sb, ch);
		}
	}
	strbuf_release(&sb);
	return words;
}

/* reWhitespace.SplitN(s, 2): the first field and the rest (NULL if no separator). */
static void split_ws2(const char *s, char **ret_first, const char **ret_rest)
{
	size_t i = 0;

	while (s[i] && !is_re_ws(s[i]))
		i++;
	*ret_first = xstrndup(s, i);
	if (!s[i]) {
		*ret_rest = NULL;
		return;
	}
	while (s[i] && is_re_ws(s[i]))
		i++;
	*ret_rest = s + i;
}

/* parseNameVal() for ENV and LABEL. */
static int parse_name_val(struct parser *p, struct df_instr *in, const char *rest, const char *key,
			  unsigned line)
{
	_cleanup_strv_ char **words = parse_words(p, rest);

	if (!words[0])
		return 0;
	if (!strchr(words[0], '=')) {
		_cleanup_free_ char *first = NULL;
		const char *second;
		split_ws2(rest, &first, &second);
		if (!second)
			return fail(p, line, "%s must have two arguments", key);
		instr_add_args(in, first);
		instr_add_args(in, second);
		instr_add_args(in, "");
		return 0;
	}
	STRV_FOREACH (w, words) {
		const char *eq = strchr(*w, '=');
		if (!eq) {
			struct strbuf q = STRBUF_INIT;
			int r;
			df_go_quote(&q, *w, strlen(*w));
			r = fail(p, line,
				 "Syntax error - can't find = in %s. Must be of the form: "
				 "name=value",
				 strbuf_cstr(&q));
			strbuf_release(&q);
			return r;
		}
		instr_add_arg(in, *w, (size_t) (eq - *w));
		instr_add_args(in, eq + 1);
		instr_add_args(in, "=");
	}
	return 0;
}

/* parseStringsWhitespaceDelimited() */
static void parse_ws_delimited(struct df_instr *in, const char *rest)
{
	size_t i = 0, start;

	if (!*rest)
		return;
	for (;;) {
		start = i;
		while (rest[i] && !is_re_ws(rest[i]))
			i++;
		instr_add_arg(in, rest + start, i - start);
		if (!rest[i])
			break;
		while (rest[i] && is_re_ws(rest[i]))
			i++;
	}
}

/* Replace invalid UTF-8 with U+FFFD, as Go's JSON decoder does inside strings. */
static char *utf8_sanitize(const char *s, size_t n, size_t *ret_len)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i = 0, w;

	while (i < n) {
		int32_t r = df_utf8_decode(s + i, n - i, &w);
		if (r == DF_RUNE_ERROR && w == 1)
			df_utf8_append(&sb, r);
		else
			(void) strbuf_add(&sb, s + i, w);
		i += w;
	}
	return strbuf_detach(&sb, ret_len);
}

enum { JSON_OK = 0, JSON_NOT_ARRAY = 1, JSON_INVALID = 2 };

/*
 * parseJSON(): 0 and the elements added to @in, JSON_NOT_ARRAY / JSON_INVALID
 * when the text is not JSON (the caller falls back), or -EINVAL when it is a
 * JSON array of something other than strings.
 */
static int parse_json(struct parser *p, struct df_instr *in, const char *rest, unsigned line)
{
	_cleanup_json_ json_t *j = NULL;
	_cleanup_free_ char *clean = NULL;
	size_t off = skip_space(rest, strlen(rest)), clen, idx;
	json_error_t jerr;
	json_t *v;

	if (rest[off] != '[')
		return JSON_NOT_ARRAY;
	/* NEEDSWORK: Go turns a lone surrogate escape into U+FFFD; jansson rejects it. */
	clean = utf8_sanitize(rest + off, strlen(rest + off), &clen);
	j = json_loadb(clean, clen, JSON_ALLOW_NUL, &jerr);
	if (!j || !json_is_array(j))
		return JSON_INVALID;
	json_array_foreach (j, idx, v) {
		if (!json_is_string(v))
			return fail(p, line,
				    "when using JSON array syntax, arrays must be comprised of "
				    "strings only");
	}
	json_array_foreach (j, idx, v) {
		instr_add_arg(in, json_string_value(v), json_string_length(v));
	}
	in->json = true;
	return JSON_OK;
}

/* parseMaybeJSON() */
static int parse_maybe_json(struct parser *p, struct df_instr *in, const char *rest, unsigned line)
{
	int r;

	if (!*rest)
		return 0;
	r = parse_json(p, in, rest, line);
	if (r <= 0)
		return r;
	instr_add_args(in, rest);
	return 0;
}

/* parseMaybeJSONToList() */
static int parse_maybe_json_to_list(struct parser *p, struct df_instr *in, const char *rest,
				    unsigned line)
{
	int r = parse_json(p, in, rest, line);

	if (r <= 0)
		return r;
	parse_ws_delimited(in, rest);
	return 0;
}

/* parseHealthConfig(): the type word, then as parseMaybeJSON(). */
static int parse_health(struct parser *p, struct df_instr *in, const char *rest, unsigned line)
{
	size_t sep = 0, nxt;

	/* upstream tests unicode.IsSpace(rune(byte)), so 0x85 and 0xa0 bytes split too */
	while (rest[sep] && !df_is_space((unsigned char) rest[sep]))
		sep++;
	nxt = sep;
	while (rest[nxt] && df_is_space((unsigned char) rest[nxt]))
		nxt++;
	if (sep == 0)
		return 0;
	instr_add_arg(in, rest, sep);
	return parse_maybe_json(p, in, rest + nxt, line);
}

/* ---- splitCommand() / extractBuilderFlags() -------------------------------- */

static void extract_builder_flags(const struct parser *p, const char *line, char ***flags,
				  const char **ret_rest)
{
	enum { IN_SPACES, IN_WORD, IN_QUOTE } phase = IN_SPACES;
	size_t len = strlen(line);
	struct strbuf sb = STRBUF_INIT;
	bool blank_ok = false;
	char quote = 0, ch = 0;

	for (size_t pos = 0; pos <= len; pos++) {
		if (pos != len)
			ch = line[pos];
		if (phase == IN_SPACES) {
			if (pos == len)
				break;
			if (df_is_space((unsigned char) ch))
				continue;
			if (ch != '-' || pos + 1 == len || line[pos + 1] != '-') {
				*ret_rest = line + pos;
				strbuf_release(&sb);
				return;
			}
			phase = IN_WORD;
		}
		if ((phase == IN_WORD || phase == IN_QUOTE) && pos == len) {
			if (!streq(strbuf_cstr(&sb), "--") && (blank_ok || sb.len > 0))
				strv_push(flags, strbuf_cstr(&sb));
			break;
		}
		if (phase == IN_WORD) {
			if (df_is_space((unsigned char) ch)) {
				phase = IN_SPACES;
				if (streq(strbuf_cstr(&sb), "--")) {
					*ret_rest = line + pos;
					strbuf_release(&sb);
					return;
				}
				if (blank_ok || sb.len > 0)
					strv_push(flags, strbuf_cstr(&sb));
				strbuf_reset(&sb);
				blank_ok = false;
				continue;
			}
			if (ch == '\'' || ch == '"') {
				quote = ch;
				blank_ok = true;
				phase = IN_QUOTE;
				continue;
			}
			if (ch == p->escape) {
				if (pos + 1 == len)
					continue;
				pos++;
				ch = line[pos];
			}
			/* Go writes rune(byte): bytes >= 0x80 become two-byte runes */
			df_utf8_append(&sb, (unsigned char) ch);
			continue;
		}
		if (phase == IN_QUOTE) {
			if (ch == quote) {
				phase = IN_WORD;
				continue;
			}
			if (ch == p->escape) {
				if (pos + 1 == len) {
					phase = IN_WORD;
					continue;
				}
				pos++;
				ch = line[pos];
			}
			df_utf8_append(&sb, (unsigned char) ch);
		}
	}
	strbuf_release(&sb);
	*ret_rest = "";
}

/* newNodeFromLine(): split, dispatch and check one logical line. */
static int node_from_line(struct parser *p, const char *line, unsigned start, unsigned depth,
			  struct df_instr *in)
{
	_cleanup_free_ char *trimmed = df_trim_space(line, strlen(line));
	_cleanup_free_ char *args = NULL;
	const char *rest = NULL;
	int r = 0;

	in->flags = strv_new();
	in->args = strv_new();
	in->original = xstrdup(line);
	split_ws2(trimmed, &in->cmd, &rest);
	if (rest) {
		const char *a;
		extract_builder_flags(p, rest, &in->flags, &a);
		args = df_trim_space(a, strlen(a));
	} else {
		args = xstrdup("");
	}
	in->kind = df_cmd_from_string(in->cmd);
	if (in->kind < 0)
		/* the parser ignores it; instructions.ParseInstruction() rejects it */
		return fail(p, start, "unknown instruction: %s", in->cmd);
	in->keyword = xstrdup(cmd_names[in->kind]);

	switch (in->kind) {
	case DF_CMD_ADD:
	case DF_CMD_COPY:
	case DF_CMD_VOLUME:
		r = parse_maybe_json_to_list(p, in, args, start);
		break;
	case DF_CMD_ARG: {
		_cleanup_strv_ char **w = parse_words(p, args);
		STRV_FOREACH (s, w)
			instr_add_args(in, *s);
		break;
	}
	case DF_CMD_CMD:
	case DF_CMD_ENTRYPOINT:
	case DF_CMD_RUN:
	case DF_CMD_SHELL:
		r = parse_maybe_json(p, in, args, start);
		break;
	case DF_CMD_ENV:
		r = parse_name_val(p, in, args, "ENV", start);
		break;
	case DF_CMD_LABEL:
		r = parse_name_val(p, in, args, "LABEL", start);
		break;
	case DF_CMD_EXPOSE:
	case DF_CMD_FROM:
		parse_ws_delimited(in, args);
		break;
	case DF_CMD_HEALTHCHECK:
		r = parse_health(p, in, args, start);
		break;
	case DF_CMD_MAINTAINER:
	case DF_CMD_STOPSIGNAL:
	case DF_CMD_USER:
	case DF_CMD_WORKDIR:
		if (*args)
			instr_add_args(in, args);
		break;
	case DF_CMD_ONBUILD:
		/* parseSubCommand(): the trigger is parsed as a line of its own */
		if (!*args)
			break;
		if (depth + 1 >= DF_NESTING_MAX)
			return fail(p, start, "ONBUILD nested too deeply");
		in->sub = xcalloc(1, sizeof(*in->sub));
		r = node_from_line(p, args, start, depth + 1, in->sub);
		break;
	default:
		break;
	}
	return r;
}

/* canContainHeredoc() */
static bool can_contain_heredoc(const struct df_instr *in)
{
	if (in->kind == DF_CMD_ONBUILD && in->sub)
		in = in->sub;
	if (in->kind != DF_CMD_ADD && in->kind != DF_CMD_COPY && in->kind != DF_CMD_RUN)
		return false;
	return !in->json;
}

/*
 * ParseHeredoc(): match ^(\d*)<<(-?)\s*([^<]*)$ and decide from the quoting
 * of the delimiter whether the body is expanded. 1 with *@ret filled, 0 when
 * the word is not a heredoc, <0 on a lexer error.
 */
static int heredoc_from_word(struct parser *p, const char *word, unsigned line,
			     struct df_heredoc *ret)
{
	struct df_lex_opts o = {.escape = '\\', .skip_unset_env = true};
	_cleanup_strv_ char **words = NULL;
	_cleanup_strv_ char **raw = NULL;
	_cleanup_free_ char *msg = NULL;
	const char *s = word, *rest;
	unsigned long fd = 0;
	bool chomp = false;
	int r;

	while (*s >= '0' && *s <= '9') {
		if (fd < 0xffffffffUL)
			fd = fd * 10 + (unsigned long) (*s - '0');
		s++;
	}
	if (!startswith(s, "<<"))
		return 0;
	s += 2;
	if (*s == '-') {
		chomp = true;
		s++;
	}
	while (is_re_s(*s))
		s++;
	rest = s;
	if (strchr(rest, '<') || !*rest)
		return 0;
	if (fd > 0xffffffffUL)
		fd = 0;

	r = df_lex_process(&o, rest, NULL, NULL, &words, &msg);
	if (r < 0) {
		struct strbuf q = STRBUF_INIT;
		df_go_quote(&q, rest, strlen(rest));
		r = fail(p, line, "failed to process %s: %s", strbuf_cstr(&q), msg);
		strbuf_release(&q);
		return r;
	}
	if (strv_length(words) != 1)
		return 0;
	o.raw_quotes = true;
	free(msg);
	msg = NULL;
	r = df_lex_process(&o, rest, NULL, NULL, &raw, &msg);
	if (r < 0)
		return fail(p, line, "failed to process heredoc word: %s", msg);
	if (strv_length(raw) != 1)
		return fail(p, line, "internal lexing of heredoc produced inconsistent results: %s",
			    rest);

	size_t q1 = 0, q2 = 0;
	for (const char *c = words[0]; *c; c++)
		q1 += *c == '\'' || *c == '"';
	for (const char *c = raw[0]; *c; c++)
		q2 += *c == '\'' || *c == '"';
	ret->name = xstrdup(words[0]);
	ret->fd = (unsigned) fd;
	ret->chomp = chomp;
	ret->expand = q1 == q2;
	return 1;
}

/* ---- Parse() ------------------------------------------------------------- */

struct scanner {
	const char *data;
	size_t len, pos;
	const char *line; /* current line with its "\n" */
	size_t line_len;
	bool too_long;
};

/* bufio.Scanner with scanLines (keeps the line ending) and a 64 KiB token limit. */
static bool scan(struct scanner *sc)
{
	const char *nl;
	size_t n;

	if (sc->pos >= sc->len || sc->too_long)
		return false;
	nl = memchr(sc->data + sc->pos, '\n', sc->len - sc->pos);
	n = nl ? (size_t) (nl - (sc->data + sc->pos)) + 1 : sc->len - sc->pos;
	if (n > DF_LINE_MAX + 1) {
		sc->too_long = true;
		return false;
	}
	sc->line = sc->data + sc->pos;
	sc->line_len = n;
	sc->pos += n;
	return true;
}

static int read_heredocs(struct parser *p, struct scanner *sc, struct df_instr *in, unsigned *line)
{
	struct df_lex_opts o = {
		.escape = '\\', .raw_quotes = true, .raw_escapes = true, .skip_unset_env = true};
	_cleanup_strv_ char **words = NULL;
	_cleanup_free_ char *msg = NULL;
	int r;

	/* heredocsFromLine(): the lexer's errors are ignored there */
	if (df_lex_process(&o, in->original, NULL, NULL, &words, &msg) < 0)
		return 0;
	STRV_FOREACH (w, words) {
		struct df_heredoc h = {0};
		struct strbuf content = STRBUF_INIT;
		bool terminated = false;

		r = heredoc_from_word(p, *w, in->start_line, &h);
		if (r < 0)
			return r;
		if (r == 0)
			continue;
		while (scan(sc)) {
			const char *t = sc->line;
			size_t tn = trim_newline(sc->line, sc->line_len);
			(*line)++;
			if (h.chomp)
				while (tn > 0 && *t == '\t') {
					t++;
					tn--;
				}
			if (tn == strlen(h.name) && memcmp(t, h.name, tn) == 0) {
				terminated = true;
				break;
			}
			r = check_nul(p, sc->line, sc->line_len, *line);
			if (r < 0)
				break;
			(void) strbuf_add(&content, sc->line, sc->line_len);
		}
		h.content = strbuf_detach(&content, NULL);
		in->heredocs = xrealloc(in->heredocs, (in->n_heredocs + 1) * sizeof(h));
		in->heredocs[in->n_heredocs++] = h;
		if (r < 0)
			return r;
		if (sc->too_long)
			return fail(p, *line + 1,
				    "dockerfile line greater than max allowed size of %d",
				    DF_LINE_MAX);
		if (!terminated)
			return fail(p, in->start_line, "unterminated heredoc");
	}
	return 0;
}

static void df_add_instr(struct dockerfile *df, struct df_instr *in)
{
	if (df->n_instrs == 0)
		df->start_line = in->start_line;
	df->end_line = in->end_line;
	df->instrs = xrealloc(df->instrs, (df->n_instrs + 1) * sizeof(*in));
	df->instrs[df->n_instrs++] = *in;
	memset(in, 0, sizeof(*in));
}

int df_parse(const char *data, size_t len, const char *filename, struct dockerfile **ret,
	     struct hull_err **err)
{
	struct parser p = {
		.filename = filename ? filename : "Dockerfile", .escape = '\\', .err = err};
	struct scanner sc = {.data = data, .len = len};
	struct dockerfile *df = xcalloc(1, sizeof(*df));
	struct strbuf buf = STRBUF_INIT;
	struct df_instr in = {0};
	unsigned line = 0;
	int r;

	if (!data)
		sc.len = 0;
	while (scan(&sc)) {
		const char *s = sc.line;
		size_t n = sc.line_len;
		bool cont;

		if (line == 0 && n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
			s += 3;
			n -= 3;
		}
		/* processLine(..., true) */
		n = trim_newline(s, n);
		{
			size_t sp = skip_space(s, n);
			s += sp;
			n -= sp;
		}
		r = parse_directive(&p, s, n, line + 1);
		if (r < 0)
			goto fail;
		if (is_comment(s, n))
			n = 0;
		line++;
		r = check_nul(&p, s, n, line);
		if (r < 0)
			goto fail;

		unsigned start = line;
		n = trim_continuation(&p, s, n, &cont);
		if (!cont && n == 0)
			continue;
		strbuf_reset(&buf);
		(void) strbuf_add(&buf, s, n);

		while (cont && scan(&sc)) {
			const char *c = sc.line;
			size_t cn = trim_newline(sc.line, sc.line_len);
			line++;
			if (is_comment(sc.line, sc.line_len))
				continue;
			if (skip_space(c, cn) == cn)
				continue; /* empty continuation line (BuildKit warns) */
			r = check_nul(&p, c, cn, line);
			if (r < 0)
				goto fail;
			cn = trim_continuation(&p, c, cn, &cont);
			(void) strbuf_add(&buf, c, cn);
		}
		if (sc.too_long)
			break;

		in.start_line = start;
		r = node_from_line(&p, strbuf_cstr(&buf), start, 0, &in);
		if (r < 0)
			goto fail;
		if (can_contain_heredoc(&in) && strstr(in.original, "<<")) {
			r = read_heredocs(&p, &sc, &in, &line);
			if (r < 0)
				goto fail;
		}
		in.start_line = start;
		in.end_line = line;
		if (in.sub) {
			in.sub->start_line = start;
			in.sub->end_line = line;
		}
		df_add_instr(df, &in);
	}
	if (sc.too_long) {
		r = fail(&p, line + 1, "dockerfile line greater than max allowed size of %d",
			 DF_LINE_MAX);
		goto fail;
	}
	if (df->n_instrs == 0) {
		r = fail(&p, line, "file with no instructions");
		goto fail;
	}
	strbuf_release(&buf);
	df->escape = p.escape;
	df->syntax = p.syntax;
	df->check = p.check;
	*ret = df;
	return 0;

fail:
	strbuf_release(&buf);
	instr_release(&in);
	free(p.syntax);
	free(p.check);
	df_free(df);
	return r;
}

char *df_heredoc_chomp(const char *src)
{
	struct strbuf sb = STRBUF_INIT;
	bool bol = true;

	for (const char *c = src; *c; c++) {
		if (bol && *c == '\t')
			continue;
		bol = *c == '\n';
		(void) strbuf_addch(&sb, *c);
	}
	return strbuf_detach(&sb, NULL);
}

/* ---- builder flags (instructions/bflag.go) ------------------------------- */

enum { FL_BOOL, FL_STRING, FL_STRINGS };
struct flagdef {
	enum df_cmd cmd;
	const char *name;
	int type;
};

static const struct flagdef flagdefs[] = {
	{DF_CMD_FROM, "platform", FL_STRING},
	{DF_CMD_RUN, "mount", FL_STRINGS},
	{DF_CMD_RUN, "network", FL_STRING},
	{DF_CMD_RUN, "security", FL_STRING},
	{DF_CMD_RUN, "device", FL_STRINGS},
	{DF_CMD_COPY, "chown", FL_STRING},
	{DF_CMD_COPY, "from", FL_STRING},
	{DF_CMD_COPY, "chmod", FL_STRING},
	{DF_CMD_COPY, "link", FL_BOOL},
	{DF_CMD_COPY, "exclude", FL_STRINGS},
	{DF_CMD_COPY, "parents", FL_BOOL},
	{DF_CMD_ADD, "chown", FL_STRING},
	{DF_CMD_ADD, "chmod", FL_STRING},
	{DF_CMD_ADD, "link", FL_BOOL},
	{DF_CMD_ADD, "keep-git-dir", FL_BOOL},
	{DF_CMD_ADD, "checksum", FL_STRING},
	{DF_CMD_ADD, "unpack", FL_BOOL},
	{DF_CMD_ADD, "exclude", FL_STRINGS},
	{DF_CMD_HEALTHCHECK, "interval", FL_STRING},
	{DF_CMD_HEALTHCHECK, "timeout", FL_STRING},
	{DF_CMD_HEALTHCHECK, "start-period", FL_STRING},
	{DF_CMD_HEALTHCHECK, "start-interval", FL_STRING},
	{DF_CMD_HEALTHCHECK, "retries", FL_STRING},
};

int df_check_flags(const struct df_instr *in, struct hull_err **err)
{
	bool used[ARRAY_SIZE(flagdefs)] = {false};

	STRV_FOREACH (f, in->flags) {
		const char *a = *f, *eq;
		_cleanup_free_ char *name = NULL;
		const struct flagdef *d = NULL;
		size_t di = 0;

		if (streq(a, "--"))
			return 0;
		if (!startswith(a, "--"))
			return err_setx(err, EINVAL, "arg should start with -- : %s", a);
		eq = strchr(a, '=');
		name = eq ? xstrndup(a, (size_t) (eq - a)) : xstrdup(a);
		for (di = 0; di < ARRAY_SIZE(flagdefs); di++)
			if (flagdefs[di].cmd == in->kind && streq(flagdefs[di].name, name + 2)) {
				d = &flagdefs[di];
				break;
			}
		if (!d)
			return err_setx(err, EINVAL, "unknown flag: %s", name + 2);
		if (used[di] && d->type != FL_STRINGS)
			return err_setx(err, EINVAL, "duplicate flag specified: %s", name + 2);
		used[di] = true;
		if (d->type == FL_BOOL) {
			if (eq && !eq[1])
				return err_setx(err, EINVAL, "missing a value on flag: %s",
						name + 2);
			if (eq && strcasecmp(eq + 1, "true") != 0 &&
			    strcasecmp(eq + 1, "false") != 0)
				return err_setx(err, EINVAL,
						"expecting boolean value for flag %s, not: %s",
						name + 2, eq + 1);
		} else if (!eq) {
			return err_setx(err, EINVAL, "missing a value on flag: %s", name + 2);
		}
	}
	return 0;
}
