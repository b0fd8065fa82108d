/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli.h"
#include "events.h"

int cmd_events(struct cli *cli, int argc, char **argv)
{
        static const struct option opts[] = {
            {"stats", no_argument, NULL, 's'},
            {"interval", required_argument, NULL, 'i'},
            {"help", no_argument, NULL, 'h'},
            {},
        };
        struct berth_events_opts o = {};
        int c;
        while ((c = getopt_long(argc, argv, "+h", opts, NULL)) >= 0) {
                if (c == 's')
                        o.stats_once = true;
                else if (c == 'i') {
                        if (events_parse_interval(optarg, &o.interval_usec) < 0)
                                return cli_usage("events",
                                                 "--interval: \"%s\" is not a positive duration (5s, 500ms, "
                                                 "1m30s...)",
                                                 optarg);
                } else if (c == 'h') {
                        printf("Usage: berth events [--stats] [--interval DURATION] ID\n\n"
                               "Print container events as JSON lines: resource statistics every interval\n"
                               "(default 5s) and OOM kills, until the container stops.\n\n"
                               "  --stats            print one statistics event and exit\n"
                               "  --interval D       time between statistics events (5s, 500ms, 1m...)\n");
                        return 0;
                } else
                        return cli_usage("events", "unknown option or missing value \"%s\"",
                                         argv[optind - 1]);
        }
        int r = cli_need_args("events", argc - optind, argv + optind, 1, "one container ID");
        if (r)
                return r;
        berth_error *err = NULL;
        return berth_events(&cli->rt, argv[optind], &o, stdout, &err) < 0
                   ? cli_fail("events", argv[optind], err)
                   : 0;
}
