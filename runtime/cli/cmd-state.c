/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli.h"

int cmd_state(struct cli *cli, int argc, char **argv)
{
        static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {}};
        int c;
        while ((c = getopt_long(argc, argv, "+h", opts, NULL)) >= 0) {
                if (c == 'h') {
                        printf("Usage: berth state ID\n");
                        return 0;
                }
                return cli_usage("state", "unknown option \"%s\"", argv[optind - 1]);
        }
        int r = cli_need_args("state", argc - optind, argv + optind, 1, "one container ID");
        if (r)
                return r;
        berth_error *err = NULL;
        _cleanup_free_ char *json = NULL;
        if (berth_state(&cli->rt, argv[optind], &json, &err) < 0)
                return cli_fail("state", argv[optind], err);
        printf("%s\n", json);
        return 0;
}
