/* SPDX-License-Identifier: MIT */
#include "build/cmdline.h"
#include "container/container.h"
#include "util/json.h"

json_t *build_shell_wrap(const json_t *config, const char *text)
{
	json_t *a = json_array(), *sh = json_object_get(config, "Shell");

	if (json_array_size(sh)) {
		json_array_extend(a, sh);
	} else {
		json_array_append_new(a, json_string("/bin/sh"));
		json_array_append_new(a, json_string("-c"));
	}
	json_array_append_new(a, json_string(text));
	return a;
}

/* The exec-form elements of @in; JSON decoding already made them UTF-8. */
static json_t *exec_array(const struct df_instr *in)
{
	json_t *a = json_array();

	for (size_t i = 0; i < in->n_args; i++)
		json_array_append_new(a, json_stringn_nocheck(in->args[i], in->arg_lens[i]));
	return a;
}

json_t *build_command_json(const json_t *config, const struct df_instr *in)
{
	if (in->json)
		return exec_array(in);
	return build_shell_wrap(config, in->n_args ? in->args[0] : "");
}

int build_cmd_apply(json_t *config, const struct df_instr *in, bool *cmd_set, struct hull_err **err)
{
	json_t *v;

	switch (in->kind) {
	case DF_CMD_SHELL:
		if (!in->json)
			return err_setx(err, EINVAL,
					"SHELL requires the arguments to be in JSON form");
		if (in->n_args == 0)
			return err_setx(err, EINVAL, "SHELL requires at least one argument");
		json_object_set_new(config, "Shell", exec_array(in));
		return 0;
	case DF_CMD_CMD:
	case DF_CMD_ENTRYPOINT:
		break;
	default:
		return err_setx(err, EINVAL,
				"build_cmd_apply: not a CMD, ENTRYPOINT or SHELL line");
	}

	v = build_command_json(config, in);
	/* "CMD []" and "ENTRYPOINT []" store null (spec 3.5); [""] is kept */
	if (json_array_size(v) == 0) {
		json_decref(v);
		v = json_null();
	}
	if (in->kind == DF_CMD_CMD) {
		json_object_set_new(config, "Cmd", v);
		*cmd_set = true;
		return 0;
	}
	json_object_set_new(config, "Entrypoint", v);
	/* ENTRYPOINT resets an inherited CMD unless this stage set one (spec 3.1) */
	if (!*cmd_set)
		json_object_set_new(config, "Cmd", json_null());
	return 0;
}

int build_stopsignal_apply(json_t *config, const char *value, struct hull_err **err)
{
	if (signal_parse(value) < 0)
		return err_setx(err, EINVAL, "Invalid signal: %s", value);
	json_object_set_new(config, "StopSignal", json_string(value));
	return 0;
}
