/* SPDX-License-Identifier: MIT */
/*
 * --format for every command: docker/cli's formatter (cli/command/formatter)
 * and inspect (cli/command/inspect) around the Go template engine of
 * util/template.c, and the Go types of the data docker formats, so that
 * maps, nil slices and type names come out as docker prints them
 * (docs/internals/template.md).
 */
#include "cli/cli.h"
#include "util/json.h"
#include "util/strbuf.h"

/* ---- the types docker's templates see ---- */

#define SLICE(n)                            \
	static const struct tmpl_type n = { \
		.kind = TMPL_SLICE,         \
	}
#define MAP(n)                              \
	static const struct tmpl_type n = { \
		.kind = TMPL_MAP,           \
	}

SLICE(t_slice);
MAP(t_map);

/* nat.PortMap: map[Port][]PortBinding */
static const struct tmpl_type t_portmap = {.kind = TMPL_MAP, .elem = &t_slice};

/* container.Config (the image's and the container's) */
static const struct tmpl_field healthconfig_fields[] = {{"Test", &t_slice}, {NULL, NULL}};
static const struct tmpl_type t_healthconfig = {.kind = TMPL_STRUCT,
						.name = "*container.HealthConfig",
						.fields = healthconfig_fields,
						.pointer = true};
static const struct tmpl_field config_fields[] = {
	{"ExposedPorts", &t_map},
	{"Env", &t_slice},
	{"Cmd", &t_slice},
	{"Volumes", &t_map},
	{"Entrypoint", &t_slice},
	{"OnBuild", &t_slice},
	{"Labels", &t_map},
	{"Shell", &t_slice},
	{"Healthcheck", &t_healthconfig},
	{NULL, NULL},
};
static const struct tmpl_type t_config = {
	.kind = TMPL_STRUCT, .name = "*container.Config", .fields = config_fields, .pointer = true};

static const struct tmpl_field health_fields[] = {{"Log", &t_slice}, {NULL, NULL}};
static const struct tmpl_type t_health = {
	.kind = TMPL_STRUCT, .name = "*container.Health", .fields = health_fields, .pointer = true};
static const struct tmpl_field state_fields[] = {{"Health", &t_health}, {NULL, NULL}};
static const struct tmpl_type t_state = {
	.kind = TMPL_STRUCT, .name = "*container.State", .fields = state_fields, .pointer = true};

static const struct tmpl_field logconfig_fields[] = {{"Config", &t_map}, {NULL, NULL}};
static const struct tmpl_type t_logconfig = {
	.kind = TMPL_STRUCT, .name = "container.LogConfig", .fields = logconfig_fields};

static const struct tmpl_field hostconfig_fields[] = {
	{"Binds", &t_slice},
	{"LogConfig", &t_logconfig},
	{"PortBindings", &t_portmap},
	{"VolumesFrom", &t_slice},
	{"ConsoleSize", &t_slice},
	{"Annotations", &t_map},
	{"CapAdd", &t_slice},
	{"CapDrop", &t_slice},
	{"Dns", &t_slice},
	{"DnsOptions", &t_slice},
	{"DnsSearch", &t_slice},
	{"ExtraHosts", &t_slice},
	{"GroupAdd", &t_slice},
	{"Links", &t_slice},
	{"SecurityOpt", &t_slice},
	{"StorageOpt", &t_map},
	{"Tmpfs", &t_map},
	{"Sysctls", &t_map},
	{"BlkioWeightDevice", &t_slice},
	{"BlkioDeviceReadBps", &t_slice},
	{"BlkioDeviceWriteBps", &t_slice},
	{"BlkioDeviceReadIOps", &t_slice},
	{"BlkioDeviceWriteIOps", &t_slice},
	{"Devices", &t_slice},
	{"DeviceCgroupRules", &t_slice},
	{"DeviceRequests", &t_slice},
	{"Ulimits", &t_slice},
	{"Mounts", &t_slice},
	{"MaskedPaths", &t_slice},
	{"ReadonlyPaths", &t_slice},
	{NULL, NULL},
};
static const struct tmpl_type t_hostconfig = {.kind = TMPL_STRUCT,
					      .name = "*container.HostConfig",
					      .fields = hostconfig_fields,
					      .pointer = true};

static const struct tmpl_field endpoint_fields[] = {
	{"Links", &t_slice},	{"Aliases", &t_slice}, {"DriverOpts", &t_map},
	{"DNSNames", &t_slice}, {NULL, NULL},
};
static const struct tmpl_type t_endpoint = {.kind = TMPL_STRUCT,
					    .name = "*network.EndpointSettings",
					    .fields = endpoint_fields,
					    .pointer = true};
static const struct tmpl_type t_networks = {.kind = TMPL_MAP, .elem = &t_endpoint};
static const struct tmpl_field netsettings_fields[] = {
	{"Ports", &t_portmap},
	{"Networks", &t_networks},
	{"SecondaryIPAddresses", &t_slice},
	{"SecondaryIPv6Addresses", &t_slice},
	{NULL, NULL},
};
static const struct tmpl_type t_netsettings = {.kind = TMPL_STRUCT,
					       .name = "*container.NetworkSettings",
					       .fields = netsettings_fields,
					       .pointer = true};

static const struct tmpl_field graphdriver_fields[] = {{"Data", &t_map}, {NULL, NULL}};
static const struct tmpl_type t_graphdriver = {
	.kind = TMPL_STRUCT, .name = "storage.DriverData", .fields = graphdriver_fields};

static const struct tmpl_field container_fields[] = {
	{"Args", &t_slice},
	{"State", &t_state},
	{"ExecIDs", &t_slice},
	{"HostConfig", &t_hostconfig},
	{"GraphDriver", &t_graphdriver},
	{"Mounts", &t_slice},
	{"Config", &t_config},
	{"NetworkSettings", &t_netsettings},
	{NULL, NULL},
};
/* *int64, omitempty: nil (null) unless inspect --size */
static const struct tmpl_json_tag container_json_tags[] = {
	{"SizeRw", "SizeRw,omitempty"}, {"SizeRootFs", "SizeRootFs,omitempty"}, {NULL, NULL}};
const struct tmpl_type fmt_container_inspect = {.kind = TMPL_STRUCT,
						.name = "container.InspectResponse",
						.fields = container_fields,
						.json_tags = container_json_tags};

static const struct tmpl_field rootfs_fields[] = {{"Layers", &t_slice}, {NULL, NULL}};
static const struct tmpl_type t_rootfs = {
	.kind = TMPL_STRUCT, .name = "image.RootFS", .fields = rootfs_fields};
static const struct tmpl_field image_fields[] = {
	{"RepoTags", &t_slice}, {"RepoDigests", &t_slice},
	{"Config", &t_config},	{"GraphDriver", &t_graphdriver},
	{"RootFS", &t_rootfs},	{"ContainerConfig", &t_config},
	{NULL, NULL},
};
const struct tmpl_type fmt_image_inspect = {
	.kind = TMPL_STRUCT, .name = "image.InspectResponse", .fields = image_fields};

static const struct tmpl_field volume_fields[] = {
	{"Labels", &t_map}, {"Options", &t_map}, {"Status", &t_map}, {NULL, NULL}};
const struct tmpl_type fmt_volume_inspect = {
	.kind = TMPL_STRUCT, .name = "volume.Volume", .fields = volume_fields};

static const struct tmpl_field ipam_config_fields[] = {{NULL, NULL}};
static const struct tmpl_type t_ipam_config = {
	.kind = TMPL_STRUCT, .name = "network.IPAMConfig", .fields = ipam_config_fields};
static const struct tmpl_type t_ipam_configs = {.kind = TMPL_SLICE, .elem = &t_ipam_config};
static const struct tmpl_field ipam_fields[] = {
	{"Options", &t_map}, {"Config", &t_ipam_configs}, {NULL, NULL}};
static const struct tmpl_type t_ipam = {
	.kind = TMPL_STRUCT, .name = "network.IPAM", .fields = ipam_fields};
static const struct tmpl_type t_endpoint_resource = {.kind = TMPL_STRUCT,
						     .name = "network.EndpointResource"};
static const struct tmpl_type t_net_containers = {.kind = TMPL_MAP, .elem = &t_endpoint_resource};
static const struct tmpl_field network_fields[] = {{"IPAM", &t_ipam},
						   {"Containers", &t_net_containers},
						   {"Options", &t_map},
						   {"Labels", &t_map},
						   {NULL, NULL}};
const struct tmpl_type fmt_network_inspect = {
	.kind = TMPL_STRUCT, .name = "network.Inspect", .fields = network_fields};

/* {{.Label "key"}} of ps and volume ls: udata is the object whose Labels (or Config.Labels) */
static char *method_label(void *udata, json_t *recv, const char *const *args)
{
	json_t *o = udata, *labels = json_object_get(o, "Labels");

	(void) recv;
	if (!labels)
		labels = json_object_get(json_object_get(o, "Config"), "Labels");
	return xstrdup(json_get_str(labels, args[0]) ?: "");
}

static const struct tmpl_method label_method[] = {{"Label", 1, method_label}, {NULL, 0, NULL}};

const struct tmpl_type fmt_ps_row = {.kind = TMPL_STRUCT,
				     .name = "*formatter.ContainerContext",
				     .methods = true,
				     .json_sorted = true,
				     .fns = label_method};
const struct tmpl_type fmt_image_row = {.kind = TMPL_STRUCT,
					.name = "*formatter.imageContext",
					.methods = true,
					.json_sorted = true};
const struct tmpl_type fmt_volume_row = {.kind = TMPL_STRUCT,
					 .name = "*formatter.volumeContext",
					 .methods = true,
					 .json_sorted = true,
					 .fns = label_method};
const struct tmpl_type fmt_network_row = {.kind = TMPL_STRUCT,
					  .name = "*formatter.networkContext",
					  .methods = true,
					  .json_sorted = true,
					  .fns = label_method};
const struct tmpl_type fmt_history_row = {
	.kind = TMPL_STRUCT, .name = "*image.historyContext", .methods = true, .json_sorted = true};

#define DF_ROW(n, go)                \
	const struct tmpl_type n = { \
		.kind = TMPL_STRUCT, \
		.name = go,          \
		.methods = true,     \
		.json_sorted = true, \
	}
DF_ROW(fmt_df_images_row, "*formatter.diskUsageImagesContext");
DF_ROW(fmt_df_containers_row, "*formatter.diskUsageContainersContext");
DF_ROW(fmt_df_volumes_row, "*formatter.diskUsageVolumesContext");
DF_ROW(fmt_df_cache_row, "*formatter.diskUsageBuilderContext");

/* the header row of a table is a map[string]string: an unknown column is <no value> */
static const struct tmpl_type t_header = {.kind = TMPL_MAP};

/* ---- inspect ---- */

char *format_template(const char *tmpl, json_t *data, const struct tmpl_type *type,
		      bool raw_fallback, struct hull_err **err)
{
	_cleanup_tmpl_ struct tmpl *t = NULL;
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT;
	struct hull_err *e = NULL;

	if (tmpl_parse(tmpl, &t, &e) < 0)
		goto fail;
	if (tmpl_execute(t, data, type, 0, NULL, &out, &e) < 0) {
		if (!raw_fallback)
			goto fail;
		/*
		 * docker's inspect runs the template again on the JSON decoded
		 * into map[string]interface{} (missingkey=error), and reports
		 * that run's result or error
		 */
		e = err_free(e);
		strbuf_reset(&out);
		if (tmpl_execute(t, data, NULL, TMPL_RAW, NULL, &out, &e) < 0)
			goto fail;
	}
	return strbuf_detach(&out, NULL);
fail:
	err_setx(err, e->code, "template parsing error: %s", e->msg);
	err_free(e);
	return NULL;
}

/* ---- lists ---- */

int format_list_init(struct format_list *fl, const char *arg, const char *table_default,
		     const struct tmpl_type *type, bool ps, struct hull_err **err)
{
	_cleanup_free_ char *text = NULL;
	struct hull_err *e = NULL;
	const char *f = arg;
	size_t n;

	*fl = (struct format_list){.type = type, .ps = ps};
	strbuf_init(&fl->out);
	/* docker's Format.IsTable() and preFormat() */
	if (startswith(f, "table")) {
		fl->table = true;
		f += strlen("table");
		while (*f == ' ')
			f++;
		if (!*f && table_default)
			f = table_default + strlen("table");
	} else if (streq(f, "json")) {
		f = "{{json .}}";
	}
	while (*f == ' ')
		f++;
	n = strlen(f);
	while (n && f[n - 1] == ' ')
		n--;
	{
		_cleanup_free_ char *trimmed = xstrndup(f, n);
		text = format_unescape(trimmed);
	}
	if (tmpl_parse(text, &fl->t, &e) < 0) {
		err_setx(err, e->code, "%s%s",
			 ps ? "failed to parse template: " : "template parsing error: ", e->msg);
		err_free(e);
		return -EINVAL;
	}
	return 0;
}

int format_row(struct format_list *fl, json_t *row, void *udata, struct hull_err **err)
{
	struct hull_err *e = NULL;
	int r;

	r = tmpl_execute(fl->t, row, fl->type, 0, udata, &fl->out, &e);
	if (r < 0) {
		err_setx(err, e->code, "%s%s",
			 fl->ps ? "failed to execute template: " : "template parsing error: ",
			 e->msg);
		err_free(e);
		return r;
	}
	(void) strbuf_addch(&fl->out, '\n');
	return 0;
}

void format_list_print(struct format_list *fl, const char *const (*titles)[2])
{
	_cleanup_strbuf_ struct strbuf text = STRBUF_INIT, out = STRBUF_INIT;

	if (!fl->table) {
		fputs(strbuf_cstr(&fl->out), stdout);
		return;
	}
	{
		/* the header: the template on the titles, with docker's HeaderFunctions;
		 * an error only ends it */
		_cleanup_json_ json_t *hdr = json_object();
		struct hull_err *e = NULL;

		for (size_t i = 0; titles && titles[i][0]; i++)
			json_object_set_new(hdr, titles[i][0], json_string(titles[i][1]));
		(void) tmpl_execute(fl->t, hdr, &t_header, TMPL_HEADER, NULL, &text, &e);
		err_free(e);
	}
	(void) strbuf_addch(&text, '\n');
	(void) strbuf_add(&text, fl->out.buf ? fl->out.buf : "", fl->out.len);
	tmpl_tabwrite(&out, text.buf, text.len);
	fputs(strbuf_cstr(&out), stdout);
}

void format_list_release(struct format_list *fl)
{
	fl->t = tmpl_free(fl->t);
	strbuf_release(&fl->out);
}

char *format_unescape(const char *fmt)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;

	for (const char *p = fmt; *p; p++) {
		if (p[0] == '\\' && (p[1] == 't' || p[1] == 'n')) {
			(void) strbuf_addch(&sb, p[1] == 't' ? '\t' : '\n');
			p++;
		} else {
			(void) strbuf_addch(&sb, *p);
		}
	}
	return strbuf_detach(&sb, NULL);
}

/* Print tab-separated lines aligned as docker's tabwriter (padding 3, min width 10). */
void print_tabbed(char **lines)
{
	_cleanup_strbuf_ struct strbuf text = STRBUF_INIT, out = STRBUF_INIT;

	for (char **l = lines; l && *l; l++) {
		(void) strbuf_adds(&text, *l);
		(void) strbuf_addch(&text, '\n');
	}
	tmpl_tabwrite(&out, text.buf ? text.buf : "", text.len);
	fputs(strbuf_cstr(&out), stdout);
}
