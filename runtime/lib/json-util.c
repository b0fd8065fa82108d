/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "json-util.h"
#include "macro.h"

char *json_node_to_text(JsonNode *root, bool pretty)
{
        g_autoptr(JsonGenerator) g = json_generator_new();
        if (pretty) {
                json_generator_set_pretty(g, TRUE);
                json_generator_set_indent(g, 2);
        }
        json_generator_set_root(g, root);
        g_autofree gchar *txt = json_generator_to_data(g, NULL);
        return xstrdup(txt);
}
