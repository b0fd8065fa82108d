/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli.h"
#include "fs-util.h"

/* The command line of pid, NULs turned into spaces. */
static char *proc_cmdline(pid_t pid)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
        char *buf = NULL;
        size_t len = 0;
        if (read_file(path, 65536, &buf, &len) < 0)
                return xstrdup("?");
        for (size_t i = 0; i + 1 < len; i++)
                if (buf[i] == 0)
                        buf[i] = ' ';
        return buf;
}

int cmd_ps(struct cli *cli, int argc, char **argv)
{
        static const struct option opts[] = {
            {"format", required_argument, NULL, 'f'},
            {"help", no_argument, NULL, 'h'},
            {},
        };
        bool json = false;
        int c;
        while ((c = getopt_long(argc, argv, "+f:h", opts, NULL)) >= 0) {
                if (c == 'f') {
                        if (STREQ(optarg, "json"))
                                json = true;
                        else if (!STREQ(optarg, "table"))
                                return cli_usage("ps", "--format: unknown format \"%s\" (table or json)",
                                                 optarg);
                } else if (c == 'h') {
                        printf("Usage: berth ps [--format table|json] ID\n");
                        return 0;
                } else
                        return cli_usage("ps", "unknown option \"%s\"", argv[optind - 1]);
        }
        if (argc - optind < 1)
                return cli_usage("ps", "expected a container ID");
        const char *id = argv[optind];
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        berth_error *err = NULL;
        if (berth_ps(&cli->rt, id, &pids, &n, &err) < 0)
                return cli_fail("ps", id, err);
        if (json) {
                printf("[");
                for (size_t i = 0; i < n; i++)
                        printf("%s%d", i ? "," : "", pids[i]);
                printf("]\n");
                return 0;
        }
        printf("%-8s %s\n", "PID", "CMD");
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *cmdline = proc_cmdline(pids[i]);
                printf("%-8d %s\n", pids[i], cmdline);
        }
        return 0;
}
