/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>

#include "cli.h"
#include "spec.h"

int cmd_spec(struct cli *cli, int argc, char **argv)
{
        static const struct option opts[] = {
            {"rootless", no_argument, NULL, 'r'},
            {"bundle", required_argument, NULL, 'b'},
            {"help", no_argument, NULL, 'h'},
            {},
        };
        bool rootless = false;
        const char *bundle = ".";
        int c;
        while ((c = getopt_long(argc, argv, "+b:h", opts, NULL)) >= 0) {
                if (c == 'r')
                        rootless = true;
                else if (c == 'b')
                        bundle = optarg;
                else if (c == 'h') {
                        printf("Usage: berth spec [--rootless] [-b|--bundle DIR]\n");
                        return 0;
                } else
                        return cli_usage("spec", "unknown option \"%s\"", argv[optind - 1]);
        }
        if (argc != optind)
                return cli_usage("spec", "takes no arguments");
        berth_error *err = NULL;
        _cleanup_free_ char *path = xasprintf("%s/config.json", bundle);
        _cleanup_free_ char *json = spec_default_json(rootless);
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0) {
                berth_err(&err, errno, "%s", path);
                return cli_fail("spec", NULL, err);
        }
        size_t len = strlen(json);
        if (write(fd, json, len) != (ssize_t)len || write(fd, "\n", 1) != 1) {
                berth_err(&err, errno, "write %s", path);
                return cli_fail("spec", NULL, err);
        }
        (void)cli;
        return 0;
}
