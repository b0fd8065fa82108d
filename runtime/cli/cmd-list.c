/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <json-glib/json-glib.h>

#include "cli.h"
#include "json-util.h"

static void print_json(const struct berth_container_info *v, size_t n)
{
        g_autoptr(JsonBuilder) b = json_builder_new();
        json_builder_begin_array(b);
        for (size_t i = 0; i < n; i++) {
                json_builder_begin_object(b);
                json_builder_set_member_name(b, "ociVersion");
                json_builder_add_string_value(b, "1.3.0");
                json_builder_set_member_name(b, "id");
                json_builder_add_string_value(b, v[i].id);
                json_builder_set_member_name(b, "pid");
                json_builder_add_int_value(b, v[i].pid);
                json_builder_set_member_name(b, "status");
                json_builder_add_string_value(b, v[i].status);
                json_builder_set_member_name(b, "bundle");
                json_builder_add_string_value(b, v[i].bundle);
                json_builder_set_member_name(b, "created");
                json_builder_add_string_value(b, v[i].created);
                json_builder_set_member_name(b, "owner");
                json_builder_add_string_value(b, v[i].owner);
                json_builder_end_object(b);
        }
        json_builder_end_array(b);
        g_autoptr(JsonNode) root = json_builder_get_root(b);
        _cleanup_free_ char *txt = json_node_to_text(root, false);
        printf("%s\n", txt);
}

int cmd_list(struct cli *cli, int argc, char **argv)
{
        static const struct option opts[] = {
            {"quiet", no_argument, NULL, 'q'},
            {"format", required_argument, NULL, 'f'},
            {"help", no_argument, NULL, 'h'},
            {},
        };
        bool quiet = false, json = false;
        int c;
        while ((c = getopt_long(argc, argv, "+qf:h", opts, NULL)) >= 0) {
                if (c == 'q')
                        quiet = true;
                else if (c == 'f') {
                        if (STREQ(optarg, "json"))
                                json = true;
                        else if (!STREQ(optarg, "table"))
                                return cli_usage("list", "--format: unknown format \"%s\" (table or json)",
                                                 optarg);
                } else if (c == 'h') {
                        printf("Usage: berth list [-q|--quiet] [--format table|json]\n");
                        return 0;
                } else
                        return cli_usage("list", "unknown option \"%s\"", argv[optind - 1]);
        }
        if (argc != optind)
                return cli_usage("list", "takes no arguments");
        struct berth_container_info *v = NULL;
        size_t n = 0;
        berth_error *err = NULL;
        if (berth_list(&cli->rt, &v, &n, &err) < 0)
                return cli_fail("list", NULL, err);
        if (json)
                print_json(v, n);
        else if (quiet)
                for (size_t i = 0; i < n; i++)
                        printf("%s\n", v[i].id);
        else {
                printf("%-20s %-8s %-10s %-40s %-32s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED",
                       "OWNER");
                for (size_t i = 0; i < n; i++)
                        printf("%-20s %-8d %-10s %-40s %-32s %s\n", v[i].id, v[i].pid, v[i].status,
                               v[i].bundle, v[i].created, v[i].owner);
        }
        berth_container_info_free(v, n);
        return 0;
}
