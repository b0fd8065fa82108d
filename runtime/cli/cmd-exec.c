/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli.h"

int cmd_exec(struct cli *cli, int argc, char **argv)
{
        enum { OPT_CONSOLE_SOCKET = 256, OPT_PID_FILE, OPT_CWD, OPT_CAP, OPT_NO_NEW_PRIVS, OPT_PRESERVE_FDS };
        static const struct option opts[] = {
            {"process", required_argument, NULL, 'p'},
            {"detach", no_argument, NULL, 'd'},
            {"tty", no_argument, NULL, 't'},
            {"console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET},
            {"pid-file", required_argument, NULL, OPT_PID_FILE},
            {"cwd", required_argument, NULL, OPT_CWD},
            {"env", required_argument, NULL, 'e'},
            {"user", required_argument, NULL, 'u'},
            {"cap", required_argument, NULL, OPT_CAP},
            {"no-new-privs", no_argument, NULL, OPT_NO_NEW_PRIVS},
            {"preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS},
            {"help", no_argument, NULL, 'h'},
            {},
        };
        struct berth_exec_opts o = {0};
        _cleanup_strv_free_ char **env = NULL, **caps = NULL;
        int c;
        while ((c = getopt_long(argc, argv, "+p:dte:u:h", opts, NULL)) >= 0) {
                switch (c) {
                case 'p':
                        o.process_file = optarg;
                        break;
                case 'd':
                        o.detach = true;
                        break;
                case 't':
                        o.tty = true;
                        break;
                case OPT_CONSOLE_SOCKET:
                        o.console_socket = optarg;
                        break;
                case OPT_PID_FILE:
                        o.pid_file = optarg;
                        break;
                case OPT_CWD:
                        o.cwd = optarg;
                        break;
                case 'e':
                        env = strv_append(env, optarg);
                        break;
                case 'u':
                        o.user = optarg;
                        break;
                case OPT_CAP:
                        caps = strv_append(caps, optarg);
                        break;
                case OPT_NO_NEW_PRIVS:
                        o.no_new_privs = true;
                        break;
                case OPT_PRESERVE_FDS:
                        if (cli_parse_uint("exec", "--preserve-fds", optarg, &o.preserve_fds))
                                return 2;
                        break;
                case 'h':
                        printf("Usage: berth exec [--process FILE] [-d] [-t] [--console-socket S] "
                               "[--pid-file F]\n"
                               "       [--cwd D] [-e K=V] [-u UID[:GID]] [--cap C] [--no-new-privs]\n"
                               "       [--preserve-fds N] ID [ARGS...]\n");
                        return 0;
                default:
                        return cli_usage("exec", "unknown option \"%s\"", argv[optind - 1]);
                }
        }
        if (argc - optind < 1)
                return cli_usage("exec", "expected a container ID");
        const char *id = argv[optind];
        if (!o.process_file && argc - optind < 2)
                return cli_usage("exec", "expected a command after the container ID (or --process FILE)");
        o.env = env;
        o.caps = caps;
        o.args = argv + optind + 1;
        berth_error *err = NULL;
        int status = 0;
        if (berth_exec(&cli->rt, id, &o, &status, &err) < 0)
                return cli_fail("exec", id, err);
        return status;
}
