/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli.h"

int cmd_delete(struct cli *cli, int argc, char **argv)
{
        static const struct option opts[] = {
            {"force", no_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {}};
        bool force = false;
        int c;
        while ((c = getopt_long(argc, argv, "+fh", opts, NULL)) >= 0) {
                if (c == 'f')
                        force = true;
                else if (c == 'h') {
                        printf("Usage: berth delete [-f|--force] ID\n");
                        return 0;
                } else
                        return cli_usage("delete", "unknown option \"%s\"", argv[optind - 1]);
        }
        int r = cli_need_args("delete", argc - optind, argv + optind, 1, "one container ID");
        if (r)
                return r;
        berth_error *err = NULL;
        return berth_delete(&cli->rt, argv[optind], force, &err) < 0 ? cli_fail("delete", argv[optind], err)
                                                                     : 0;
}
