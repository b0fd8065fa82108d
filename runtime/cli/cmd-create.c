/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli.h"

int cli_create_or_run(struct cli *cli, int argc, char **argv, bool run)
{
        enum { OPT_PID_FILE = 256, OPT_CONSOLE_SOCKET, OPT_NO_PIVOT, OPT_NO_NEW_KEYRING, OPT_PRESERVE_FDS };
        static const struct option opts[] = {
            {"bundle", required_argument, NULL, 'b'},
            {"pid-file", required_argument, NULL, OPT_PID_FILE},
            {"console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET},
            {"no-pivot", no_argument, NULL, OPT_NO_PIVOT},
            {"no-new-keyring", no_argument, NULL, OPT_NO_NEW_KEYRING},
            {"preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS},
            {"detach", no_argument, NULL, 'd'},
            {"help", no_argument, NULL, 'h'},
            {},
        };
        const char *cmd = run ? "run" : "create";
        struct berth_create_opts o = {0};
        bool detach = false;
        int c;
        while ((c = getopt_long(argc, argv, run ? "+b:dh" : "+b:h", opts, NULL)) >= 0) {
                switch (c) {
                case 'b':
                        o.bundle = optarg;
                        break;
                case OPT_PID_FILE:
                        o.pid_file = optarg;
                        break;
                case OPT_CONSOLE_SOCKET:
                        o.console_socket = optarg;
                        break;
                case OPT_NO_PIVOT:
                        o.no_pivot = true;
                        break;
                case OPT_NO_NEW_KEYRING:
                        o.no_new_keyring = true;
                        break;
                case OPT_PRESERVE_FDS:
                        if (cli_parse_uint(cmd, "--preserve-fds", optarg, &o.preserve_fds))
                                return 2;
                        break;
                case 'd':
                        if (!run)
                                return cli_usage(cmd, "unknown option -d");
                        detach = true;
                        break;
                case 'h':
                        printf("Usage: berth %s [-b|--bundle DIR] [--pid-file F] [--console-socket S] "
                               "[--no-pivot]\n"
                               "       [--no-new-keyring] [--preserve-fds N]%s ID\n",
                               cmd, run ? " [-d|--detach]" : "");
                        return 0;
                default:
                        return cli_usage(cmd, "unknown option \"%s\"", argv[optind - 1]);
                }
        }
        int r = cli_need_args(cmd, argc - optind, argv + optind, 1, "one container ID");
        if (r)
                return r;
        const char *id = argv[optind];
        berth_error *err = NULL;
        if (!run)
                return berth_create(&cli->rt, id, &o, &err) < 0 ? cli_fail(cmd, id, err) : 0;
        int status = 0;
        if (berth_run(&cli->rt, id, &o, detach, &status, &err) < 0)
                return cli_fail(cmd, id, err);
        return status;
}

int cmd_create(struct cli *cli, int argc, char **argv)
{
        return cli_create_or_run(cli, argc, argv, false);
}
