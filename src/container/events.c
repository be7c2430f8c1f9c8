/* SPDX-License-Identifier: MIT */
/* Container events for the store's journal (container.h container_event()). */
#include <stdarg.h>
#include "container/container.h"
#include "util/events.h"
#include "util/fs.h"
#include "util/json.h"

void container_event(struct container *c, const char *action, ...)
{
	_cleanup_free_ char *root = NULL;
	json_t *attrs = json_object(), *labels, *v;
	const char *name = json_get_str(c->rec, "Name"), *k, *val;
	char *slash;
	va_list ap;

	/* c->dir is <root>/containers/<id> */
	root = xstrdup(c->dir);
	for (int i = 0; i < 2 && (slash = strrchr(root, '/')); i++)
		*slash = '\0';
	/* moby's container attributes: its labels, then image and name */
	labels = json_object_get(json_object_get(c->rec, "Config"), "Labels");
	json_object_foreach (labels, k, v)
		if (json_is_string(v))
			json_object_set(attrs, k, v);
	if (json_get_str(json_object_get(c->rec, "Config"), "Image"))
		json_object_set_new(
			attrs, "image",
			json_string(json_get_str(json_object_get(c->rec, "Config"), "Image")));
	if (name)
		json_object_set_new(attrs, "name", json_string(name[0] == '/' ? name + 1 : name));
	va_start(ap, action);
	while ((k = va_arg(ap, const char *)) && (val = va_arg(ap, const char *)))
		json_object_set_new(attrs, k, json_string(val));
	va_end(ap);
	events_emit(root, "container", action, c->id, attrs);
}
