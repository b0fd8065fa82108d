/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli.h"

static int freeze_cmd(struct cli *cli, int argc, char **argv, bool pause)
{
        const char *cmd = pause ? "pause" : "resume";
        static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {}};
        int c;
        while ((c = getopt_long(argc, argv, "+h", opts, NULL)) >= 0) {
                if (c == 'h') {
                        printf("Usage: berth %s ID\n", cmd);
                        return 0;
                }
                return cli_usage(cmd, "unknown option \"%s\"", argv[optind - 1]);
        }
        int r = cli_need_args(cmd, argc - optind, argv + optind, 1, "one container ID");
        if (r)
                return r;
        berth_error *err = NULL;
        r = pause ? berth_pause(&cli->rt, argv[optind], &err) : berth_resume(&cli->rt, argv[optind], &err);
        return r < 0 ? cli_fail(cmd, argv[optind], err) : 0;
}

int cmd_pause(struct cli *cli, int argc, char **argv)
{
        return freeze_cmd(cli, argc, argv, true);
}

int cmd_resume(struct cli *cli, int argc, char **argv)
{
        return freeze_cmd(cli, argc, argv, false);
}
