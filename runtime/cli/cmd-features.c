/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli.h"
#include "oci-features.h"

int cmd_features(struct cli *cli, int argc, char **argv)
{
        (void)cli;
        if (argc > 1 && (STREQ(argv[1], "-h") || STREQ(argv[1], "--help"))) {
                printf("Usage: berth features\n");
                return 0;
        }
        if (argc > 1)
                return cli_usage("features", "takes no arguments");
        _cleanup_free_ char *json = features_json();
        printf("%s\n", json);
        return 0;
}
