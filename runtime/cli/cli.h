/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The command line: main.c parses the global options and dispatches to one cmd-*.c per command. */
#pragma once

#include <getopt.h>

#include "berth/berth.h"
#include "macro.h"

struct cli {
        struct berth_runtime rt;
};

typedef int (*cli_command_fn)(struct cli *cli, int argc, char **argv);

/* Reports err as "berth: <cmd>[ <id>]: <message>" and returns the exit status 1. */
int cli_fail(const char *cmd, const char *id, berth_error *err);
/* Usage error for a command: "berth: <cmd>: <message>" plus a hint; exit status 2. */
int cli_usage(const char *cmd, const char *fmt, ...) _printf_(2, 3);
/* Exactly n positional arguments expected after the options. */
int cli_need_args(const char *cmd, int argc, char **argv, int n, const char *what);
/* Parses --preserve-fds. */
int cli_parse_uint(const char *cmd, const char *opt, const char *s, unsigned *ret);

int cmd_create(struct cli *cli, int argc, char **argv);
int cmd_start(struct cli *cli, int argc, char **argv);
int cmd_run(struct cli *cli, int argc, char **argv);
int cmd_state(struct cli *cli, int argc, char **argv);
int cmd_kill(struct cli *cli, int argc, char **argv);
int cmd_delete(struct cli *cli, int argc, char **argv);
int cmd_list(struct cli *cli, int argc, char **argv);
int cmd_ps(struct cli *cli, int argc, char **argv);
int cmd_exec(struct cli *cli, int argc, char **argv);
int cmd_spec(struct cli *cli, int argc, char **argv);
int cmd_features(struct cli *cli, int argc, char **argv);
int cmd_pause(struct cli *cli, int argc, char **argv);
int cmd_resume(struct cli *cli, int argc, char **argv);
int cmd_update(struct cli *cli, int argc, char **argv);
int cmd_events(struct cli *cli, int argc, char **argv);

/* create and run share their options. */
enum { CREATE_OPT_NONE = 0, CREATE_OPT_RUN = 1 };
int cli_create_or_run(struct cli *cli, int argc, char **argv, bool run);
