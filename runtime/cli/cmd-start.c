/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli.h"

int cmd_start(struct cli *cli, int argc, char **argv)
{
        static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {}};
        int c;
        while ((c = getopt_long(argc, argv, "+h", opts, NULL)) >= 0) {
                if (c == 'h') {
                        printf("Usage: berth start ID\n");
                        return 0;
                }
                return cli_usage("start", "unknown option \"%s\"", argv[optind - 1]);
        }
        int r = cli_need_args("start", argc - optind, argv + optind, 1, "one container ID");
        if (r)
                return r;
        berth_error *err = NULL;
        return berth_start(&cli->rt, argv[optind], &err) < 0 ? cli_fail("start", argv[optind], err) : 0;
}
