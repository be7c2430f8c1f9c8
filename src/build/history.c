/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include "build/history.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/strv.h"

/* Go's %v of a []string: "[a b c]" */
static void add_go_list(struct strbuf *sb, char *const *v)
{
	(void) strbuf_addch(sb, '[');
	for (size_t i = 0; v && v[i]; i++)
		(void) strbuf_addf(sb, "%s%s", i ? " " : "", v[i]);
	(void) strbuf_addch(sb, ']');
}

static char **config_strv(const json_t *config, const char *key)
{
	char **v = NULL;

	(void) json_to_strv(json_object_get(config, key), &v);
	return v;
}

/* dispatchExpose(): each word expanded, then "[ip:][host:]port[-end][/proto]" -> "port/proto"... */
static int expose_ports(const struct df_instr *in, char *const *env, char escape, char ***ret)
{
	_cleanup_strv_ char **out = strv_new();

	for (size_t i = 0; i < in->n_args; i++) {
		_cleanup_strv_ char **words = NULL;
		if (df_expand_words(in->args[i], env, escape, &words, NULL) < 0)
			return -EINVAL;
		STRV_FOREACH (w, words) {
			const char *port = strrchr(*w, ':') ? strrchr(*w, ':') + 1 : *w;
			const char *slash = strchr(port, '/');
			_cleanup_free_ char *proto = xstrdup(slash && slash[1] ? slash + 1 : "tcp");
			unsigned long lo, hi;
			char *end;

			for (char *p = proto; *p; p++)
				*p = (char) tolower((unsigned char) *p);
			lo = strtoul(port, &end, 10);
			if (end == port || lo > 65535)
				return -EINVAL;
			hi = lo;
			if (*end == '-') {
				const char *h = end + 1;
				hi = strtoul(h, &end, 10);
				if (end == h || hi < lo || hi > 65535)
					return -EINVAL;
			}
			if (*end && *end != '/')
				return -EINVAL;
			for (unsigned long p = lo; p <= hi; p++)
				strv_consume(&out, xasprintf("%lu/%s", p, proto));
		}
	}
	*ret = TAKE_PTR(out);
	return 0;
}

char *build_created_by_meta(const struct df_instr *in, const json_t *config, char *const *env,
			    char *const *args, char escape)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	_cleanup_strv_ char **words = NULL;
	_cleanup_free_ char *v = NULL;

	switch (in->kind) {
	case DF_CMD_ARG:
		(void) strbuf_adds(&sb, "ARG");
		for (size_t i = 0; i < in->n_args; i++) {
			_cleanup_free_ char *name =
				xstrndup(in->args[i], strcspn(in->args[i], "="));
			const char *value = strv_env_get(args, name);
			(void) strbuf_addf(&sb, " %s%s%s", name, value ? "=" : "", value ?: "");
		}
		return strbuf_detach(&sb, NULL);
	case DF_CMD_ENV:
	case DF_CMD_LABEL:
		/* "ENV k=v k2=v2": the (key, value, sep) triples expanded */
		(void) strbuf_adds(&sb, in->kind == DF_CMD_ENV ? "ENV" : "LABEL");
		for (size_t i = 0; i + 1 < in->n_args; i += 3) {
			_cleanup_free_ char *k = NULL, *val = NULL;
			if (df_expand_word(in->args[i], env, escape, &k, NULL) < 0 ||
			    df_expand_word(in->args[i + 1], env, escape, &val, NULL) < 0)
				return NULL;
			(void) strbuf_addf(&sb, " %s=%s", k, val);
		}
		return strbuf_detach(&sb, NULL);
	case DF_CMD_CMD:
	case DF_CMD_ENTRYPOINT:
		/* the value set, shell form already wrapped in SHELL; "CMD []" when emptied */
		words = config_strv(config, in->kind == DF_CMD_CMD ? "Cmd" : "Entrypoint");
		v = df_quote_strv(words);
		return xasprintf("%s %s", in->kind == DF_CMD_CMD ? "CMD" : "ENTRYPOINT", v);
	case DF_CMD_SHELL:
		words = strv_new();
		for (size_t i = 0; i < in->n_args; i++)
			strv_push(&words, in->args[i]);
		(void) strbuf_adds(&sb, "SHELL ");
		add_go_list(&sb, words);
		return strbuf_detach(&sb, NULL);
	case DF_CMD_VOLUME:
		words = strv_new();
		for (size_t i = 0; i < in->n_args; i++) {
			_cleanup_strv_ char **w = NULL;
			if (df_expand_words(in->args[i], env, escape, &w, NULL) < 0)
				return NULL;
			STRV_FOREACH (p, w)
				strv_push(&words, *p);
		}
		(void) strbuf_adds(&sb, "VOLUME ");
		add_go_list(&sb, words);
		return strbuf_detach(&sb, NULL);
	case DF_CMD_EXPOSE:
		if (expose_ports(in, env, escape, &words) < 0)
			return NULL;
		(void) strbuf_adds(&sb, "EXPOSE ");
		add_go_list(&sb, words);
		return strbuf_detach(&sb, NULL);
	case DF_CMD_USER:
		return xasprintf("USER %s", json_get_str(config, "User") ?: "");
	case DF_CMD_STOPSIGNAL:
		return xasprintf("STOPSIGNAL %s", json_get_str(config, "StopSignal") ?: "");
	case DF_CMD_MAINTAINER:
		return xasprintf("MAINTAINER %s", in->n_args ? in->args[0] : "");
	default:
		/* ONBUILD and the rest: the instruction as written */
		return xstrdup(in->original);
	}
}

char *build_created_by_run(char *const *argv, char *const *args, const json_t *config)
{
	_cleanup_strv_ char **env = config_strv(config, "Env");
	struct strbuf sb = STRBUF_INIT;
	size_t n = strv_length(args);

	(void) strbuf_adds(&sb, "RUN");
	if (n)
		(void) strbuf_addf(&sb, " |%zu", n);
	STRV_FOREACH (a, (char **) args) {
		_cleanup_free_ char *name = xstrndup(*a, strcspn(*a, "="));
		const char *set = strv_env_get(env, name);
		if (set)
			(void) strbuf_addf(&sb, " %s=%s", name, set);
		else
			(void) strbuf_addf(&sb, " %s", *a);
	}
	STRV_FOREACH (a, (char **) argv)
		(void) strbuf_addf(&sb, " %s", *a);
	(void) strbuf_adds(&sb, " # buildkit");
	return strbuf_detach(&sb, NULL);
}
