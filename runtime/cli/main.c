/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <unistd.h>

#include "cgroup.h"
#include "cli.h"
#include "config.h"
#include "log.h"

static const struct {
        const char *name;
        cli_command_fn fn;
        const char *summary;
} commands[] = {
    {"create", cmd_create, "create a container from a bundle"},
    {"start", cmd_start, "start the user process of a created container"},
    {"run", cmd_run, "create and start a container"},
    {"state", cmd_state, "print the state of a container"},
    {"kill", cmd_kill, "send a signal to a container"},
    {"delete", cmd_delete, "delete a container"},
    {"list", cmd_list, "list containers"},
    {"ps", cmd_ps, "list the processes of a container"},
    {"exec", cmd_exec, "run a new process in a container"},
    {"pause", cmd_pause, "freeze every process of a container"},
    {"resume", cmd_resume, "thaw a paused container"},
    {"update", cmd_update, "change the resource limits of a container"},
    {"events", cmd_events, "print resource statistics and OOM events"},
    {"spec", cmd_spec, "write a default config.json"},
    {"features", cmd_features, "print the features this runtime supports"},
};

int cli_fail(const char *cmd, const char *id, berth_error *err)
{
        const char *msg = err && err->msg ? err->msg : "failed";
        if (id)
                log_error("%s %s: %s", cmd, id, msg);
        else
                log_error("%s: %s", cmd, msg);
        berth_error_free(err);
        return 1;
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
        va_list ap;
        char *msg = NULL;
        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) < 0)
                msg = NULL;
        va_end(ap);
        log_error("%s: %s (see berth %s --help or man berth-%s)", cmd, msg ? msg : "usage error", cmd, cmd);
        free(msg);
        return 2;
}

int cli_need_args(const char *cmd, int argc, char **argv, int n, const char *what)
{
        (void)argv;
        if (argc != n)
                return cli_usage(cmd, "expected %s", what);
        return 0;
}

int cli_parse_uint(const char *cmd, const char *opt, const char *s, unsigned *ret)
{
        char *end;
        errno = 0;
        unsigned long v = strtoul(s, &end, 10);
        if (errno || end == s || *end || v > 1000000)
                return cli_usage(cmd, "%s: \"%s\" is not a number", opt, s);
        *ret = (unsigned)v;
        return 0;
}

static void usage(FILE *f)
{
        fprintf(f, "Usage: berth [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]\n\n"
                   "An OCI runtime where every container is a systemd unit.\n\nCommands:\n");
        for (size_t i = 0; i < ELEMENTSOF(commands); i++)
                fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
        fprintf(f,
                "\nGlobal options:\n"
                "  --root DIR             state directory (default %s)\n"
                "  --log FILE             write log messages to FILE\n"
                "  --log-format FORMAT    text or json\n"
                "  --log-level LEVEL      error, warn, info or debug\n"
                "  --debug                same as --log-level debug\n"
                "  --cgroup-manager MGR   systemd, cgroupfs, unit or disabled\n"
                "  --systemd-cgroup       same as --cgroup-manager systemd\n"
                "  --rootless VALUE       accepted for compatibility\n"
                "  --hooks-dir DIR        apply the oci-hooks(5) files of DIR (repeatable)\n"
                "  -v, --version          print the version\n"
                "  -h, --help             print this help\n\nSee berth(8).\n",
                BERTH_DEFAULT_ROOT);
}

enum {
        OPT_ROOT = 256,
        OPT_LOG,
        OPT_LOG_FORMAT,
        OPT_LOG_LEVEL,
        OPT_DEBUG,
        OPT_CGROUP_MANAGER,
        OPT_SYSTEMD_CGROUP,
        OPT_ROOTLESS,
        OPT_HOOKS_DIR,
};

int main(int argc, char **argv)
{
        static const struct option opts[] = {
            {"root", required_argument, NULL, OPT_ROOT},
            {"log", required_argument, NULL, OPT_LOG},
            {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
            {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
            {"debug", no_argument, NULL, OPT_DEBUG},
            {"cgroup-manager", required_argument, NULL, OPT_CGROUP_MANAGER},
            {"systemd-cgroup", no_argument, NULL, OPT_SYSTEMD_CGROUP},
            {"rootless", optional_argument, NULL, OPT_ROOTLESS},
            {"hooks-dir", required_argument, NULL, OPT_HOOKS_DIR},
            {"version", no_argument, NULL, 'v'},
            {"help", no_argument, NULL, 'h'},
            {},
        };
        struct cli cli = {.rt = {.root = BERTH_DEFAULT_ROOT, .cgroup_manager = cgroup_default_manager()}};
        const char *log_path = NULL;
        enum log_format fmt = LOG_FMT_TEXT;
        enum log_level level = LOG_LVL_WARNING;
        int c, m;

        opterr = 0;
        while ((c = getopt_long(argc, argv, "+vh", opts, NULL)) >= 0) {
                switch (c) {
                case OPT_ROOT:
                        cli.rt.root = optarg;
                        break;
                case OPT_LOG:
                        log_path = optarg;
                        break;
                case OPT_LOG_FORMAT:
                        if (STREQ(optarg, "json"))
                                fmt = LOG_FMT_JSON;
                        else if (STREQ(optarg, "text"))
                                fmt = LOG_FMT_TEXT;
                        else
                                return cli_usage(
                                    "berth", "--log-format: unknown format \"%s\" (text or json)", optarg);
                        break;
                case OPT_LOG_LEVEL:
                        if ((m = log_level_from_string(optarg)) < 0)
                                return cli_usage("berth", "--log-level: unknown level \"%s\"", optarg);
                        level = (enum log_level)m;
                        break;
                case OPT_DEBUG:
                        level = LOG_LVL_DEBUG;
                        break;
                case OPT_CGROUP_MANAGER:
                        if ((m = cgroup_manager_from_string(optarg)) < 0)
                                return cli_usage("berth", "--cgroup-manager: unknown manager \"%s\"", optarg);
                        cli.rt.cgroup_manager = m;
                        cli.rt.cgroup_manager_set = true;
                        break;
                case OPT_SYSTEMD_CGROUP:
                        cli.rt.cgroup_manager = CGROUP_MANAGER_SYSTEMD;
                        cli.rt.cgroup_manager_set = true;
                        break;
                case OPT_HOOKS_DIR:
                        cli.rt.hooks_dirs = strv_append(cli.rt.hooks_dirs, optarg);
                        break;
                case OPT_ROOTLESS:
                        /* runc takes "--rootless VALUE" too: swallow a following true/false/auto. */
                        if (!optarg && optind < argc &&
                            (STREQ(argv[optind], "true") || STREQ(argv[optind], "false") ||
                             STREQ(argv[optind], "auto")))
                                optind++;
                        break;
                case 'v':
                        printf("berth version %s\nspec: 1.3.0\n", BERTH_VERSION);
                        return 0;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        return cli_usage("berth", "unknown global option \"%s\"", argv[optind - 1]);
                }
        }
        int r = log_open(log_path, fmt, level);
        if (r < 0) {
                fprintf(stderr, "berth: --log %s: %s\n", log_path, strerror(-r));
                return 1;
        }
        log_debug("berth %s", optind < argc ? argv[optind] : "");
        if (optind >= argc) {
                usage(stderr);
                return 2;
        }
        int at = optind;
        const char *cmd = argv[at];
        for (size_t i = 0; i < ELEMENTSOF(commands); i++)
                if (STREQ(cmd, commands[i].name)) {
                        optind = 0; /* reinitialise getopt: the command parses its own options */
                        {
                                int rc = commands[i].fn(&cli, argc - at, argv + at);
                                /* Nothing is left for exit() to do but run the destructors of the libraries
                                 * under json-glib (GLib, GObject, GIO...), which only touch memory the kernel
                                 * is about to free: ~25 page faults per command. Everything berth opened is
                                 * closed or flushed. */
                                fflush(NULL);
                                _exit(rc);
                        }
                }
        return cli_usage("berth", "unknown command \"%s\"", cmd);
}
