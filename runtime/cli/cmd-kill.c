/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <signal.h>

#include "cli.h"
#include "signals.h"

int cmd_kill(struct cli *cli, int argc, char **argv)
{
        static const struct option opts[] = {
            {"all", no_argument, NULL, 'a'}, {"help", no_argument, NULL, 'h'}, {}};
        bool all = false;
        int c;
        while ((c = getopt_long(argc, argv, "+ah", opts, NULL)) >= 0) {
                if (c == 'a')
                        all = true;
                else if (c == 'h') {
                        printf("Usage: berth kill [-a|--all] ID [SIGNAL]\n");
                        return 0;
                } else
                        return cli_usage("kill", "unknown option \"%s\"", argv[optind - 1]);
        }
        int n = argc - optind;
        if (n < 1 || n > 2)
                return cli_usage("kill", "expected ID [SIGNAL]");
        const char *id = argv[optind];
        int sig = SIGTERM;
        if (n == 2 && (sig = signal_from_string(argv[optind + 1])) < 0) {
                berth_error *err = NULL;
                berth_err_plain(&err, EINVAL, "unknown signal \"%s\"", argv[optind + 1]);
                return cli_fail("kill", id, err);
        }
        berth_error *err = NULL;
        return berth_kill(&cli->rt, id, sig, all, &err) < 0 ? cli_fail("kill", id, err) : 0;
}
