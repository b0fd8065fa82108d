/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>

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

void json_escape(FILE *f, const char *s)
{
        for (; *s; s++) {
                unsigned char c = (unsigned char)*s;
                switch (c) {
                case '"':
                        fputs("\\\"", f);
                        break;
                case '\\':
                        fputs("\\\\", f);
                        break;
                case '\n':
                        fputs("\\n", f);
                        break;
                case '\t':
                        fputs("\\t", f);
                        break;
                case '\r':
                        fputs("\\r", f);
                        break;
                default:
                        if (c < 0x20)
                                fprintf(f, "\\u%04x", c);
                        else
                                fputc(c, f);
                }
        }
}

char *json_quote(const char *s)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (!f)
                abort();
        fputc('"', f);
        json_escape(f, s);
        fputc('"', f);
        fclose(f);
        return buf;
}
