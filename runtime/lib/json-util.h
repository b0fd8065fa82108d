/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Small json-glib helpers shared by the modules that write JSON. */
#pragma once

#include <stdbool.h>

#include <json-glib/json-glib.h>

/* The JSON text of root (malloc'ed): compact, or pretty with a 2-space indent. */
char *json_node_to_text(JsonNode *root, bool pretty);
