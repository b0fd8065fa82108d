/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli.h"

/* run = create + start; in the foreground it exits with the container's exit status. */
int cmd_run(struct cli *cli, int argc, char **argv)
{
        return cli_create_or_run(cli, argc, argv, true);
}
