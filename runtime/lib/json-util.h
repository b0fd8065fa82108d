/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Small helpers shared by the modules that write JSON: with json-glib, or as text (log lines, events). */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include <json-glib/json-glib.h>

/* The JSON text of root (malloc'ed): compact, or pretty with a 2-space indent. */
char *json_node_to_text(JsonNode *root, bool pretty);
/* Writes s as the inside of a JSON string: quotes, backslashes and control characters escaped. */
void json_escape(FILE *f, const char *s);
/* s as a JSON string, quotes included (malloc'ed). */
char *json_quote(const char *s);
