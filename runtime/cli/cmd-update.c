/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>

#include "cli.h"
#include "fs-util.h"
#include "log.h"

#define RESOURCES_MAX (1 << 20)

static int read_stdin(char **ret, size_t *ret_len)
{
        size_t cap = 4096, len = 0;
        _cleanup_free_ char *buf = xmalloc0(cap + 1);
        for (;;) {
                if (len == cap) {
                        if (cap >= RESOURCES_MAX)
                                return -EFBIG;
                        cap *= 2;
                        buf = xrealloc(buf, cap + 1);
                }
                ssize_t n = read(STDIN_FILENO, buf + len, cap - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        buf[len] = 0;
        *ret_len = len;
        *ret = TAKE_PTR(buf);
        return 0;
}

static void help(void)
{
        printf("Usage: berth update [OPTIONS] ID\n\n"
               "Change the resource limits of a running container.\n\n"
               "  -r, --resources FILE         a linux.resources JSON object (\"-\": standard input)\n"
               "  --memory SIZE                memory limit (e.g. 100m; -1: none)\n"
               "  --memory-reservation SIZE    memory soft limit (memory.low)\n"
               "  --memory-swap SIZE           memory+swap limit\n"
               "  --pids-limit N               maximum number of tasks (<= 0: none)\n"
               "  --cpu-quota N                CPU time in microseconds per period (-1: none)\n"
               "  --cpu-period N               CPU period in microseconds\n"
               "  --cpu-share N, --cpu-shares N   CPU shares (relative weight)\n"
               "  --cpu-rt-period N, --cpu-rt-runtime N   realtime scheduling (cgroup v1 only)\n"
               "  --cpuset-cpus LIST           CPUs allowed (0-3,8)\n"
               "  --cpuset-mems LIST           memory nodes allowed\n"
               "  --blkio-weight N             block IO weight (10-1000)\n\n"
               "Options override the same member of --resources. See berth-update(8).\n");
}

enum {
        OPT_MEMORY = 256,
        OPT_MEMORY_RESERVATION,
        OPT_MEMORY_SWAP,
        OPT_KERNEL_MEMORY,
        OPT_KERNEL_MEMORY_TCP,
        OPT_PIDS_LIMIT,
        OPT_CPU_QUOTA,
        OPT_CPU_PERIOD,
        OPT_CPU_SHARES,
        OPT_CPU_RT_PERIOD,
        OPT_CPU_RT_RUNTIME,
        OPT_CPUSET_CPUS,
        OPT_CPUSET_MEMS,
        OPT_BLKIO_WEIGHT,
        OPT_L3_CACHE_SCHEMA,
        OPT_MEM_BW_SCHEMA,
};

int cmd_update(struct cli *cli, int argc, char **argv)
{
        static const struct option opts[] = {
            {"resources", required_argument, NULL, 'r'},
            {"memory", required_argument, NULL, OPT_MEMORY},
            {"memory-reservation", required_argument, NULL, OPT_MEMORY_RESERVATION},
            {"memory-swap", required_argument, NULL, OPT_MEMORY_SWAP},
            {"kernel-memory", required_argument, NULL, OPT_KERNEL_MEMORY},
            {"kernel-memory-tcp", required_argument, NULL, OPT_KERNEL_MEMORY_TCP},
            {"pids-limit", required_argument, NULL, OPT_PIDS_LIMIT},
            {"cpu-quota", required_argument, NULL, OPT_CPU_QUOTA},
            {"cpu-period", required_argument, NULL, OPT_CPU_PERIOD},
            {"cpu-share", required_argument, NULL, OPT_CPU_SHARES},
            {"cpu-shares", required_argument, NULL, OPT_CPU_SHARES},
            {"cpu-rt-period", required_argument, NULL, OPT_CPU_RT_PERIOD},
            {"cpu-rt-runtime", required_argument, NULL, OPT_CPU_RT_RUNTIME},
            {"cpuset-cpus", required_argument, NULL, OPT_CPUSET_CPUS},
            {"cpuset-mems", required_argument, NULL, OPT_CPUSET_MEMS},
            {"blkio-weight", required_argument, NULL, OPT_BLKIO_WEIGHT},
            {"l3-cache-schema", required_argument, NULL, OPT_L3_CACHE_SCHEMA},
            {"mem-bw-schema", required_argument, NULL, OPT_MEM_BW_SCHEMA},
            {"help", no_argument, NULL, 'h'},
            {},
        };
        struct berth_update_opts o = {};
        const char *resources = NULL;
        int c;
        while ((c = getopt_long(argc, argv, "+r:h", opts, NULL)) >= 0) {
                switch (c) {
                case 'r':
                        resources = optarg;
                        break;
                case OPT_MEMORY:
                        o.memory = optarg;
                        break;
                case OPT_MEMORY_RESERVATION:
                        o.memory_reservation = optarg;
                        break;
                case OPT_MEMORY_SWAP:
                        o.memory_swap = optarg;
                        break;
                case OPT_KERNEL_MEMORY:
                case OPT_KERNEL_MEMORY_TCP:
                        /* as runc: accepted, without effect (cgroup v2 has no kernel memory limit) */
                        log_warn("update: %s is ignored: cgroup v2 has no separate kernel memory limit",
                                 argv[optind - 1]);
                        break;
                case OPT_PIDS_LIMIT:
                        o.pids_limit = optarg;
                        break;
                case OPT_CPU_QUOTA:
                        o.cpu_quota = optarg;
                        break;
                case OPT_CPU_PERIOD:
                        o.cpu_period = optarg;
                        break;
                case OPT_CPU_SHARES:
                        o.cpu_shares = optarg;
                        break;
                case OPT_CPU_RT_PERIOD:
                        o.cpu_rt_period = optarg;
                        break;
                case OPT_CPU_RT_RUNTIME:
                        o.cpu_rt_runtime = optarg;
                        break;
                case OPT_CPUSET_CPUS:
                        o.cpuset_cpus = optarg;
                        break;
                case OPT_CPUSET_MEMS:
                        o.cpuset_mems = optarg;
                        break;
                case OPT_BLKIO_WEIGHT:
                        o.blkio_weight = optarg;
                        break;
                case OPT_L3_CACHE_SCHEMA:
                case OPT_MEM_BW_SCHEMA:
                        return cli_usage("update", "%s: Intel RDT is not supported by berth",
                                         argv[optind - 1]);
                case 'h':
                        help();
                        return 0;
                default:
                        return cli_usage("update", "unknown option or missing value \"%s\"",
                                         argv[optind - 1]);
                }
        }
        int r = cli_need_args("update", argc - optind, argv + optind, 1, "one container ID");
        if (r)
                return r;
        const char *id = argv[optind];
        _cleanup_free_ char *json = NULL;
        berth_error *err = NULL;
        if (resources) {
                bool is_stdin = STREQ(resources, "-");
                r = is_stdin ? read_stdin(&json, &o.resources_len)
                             : read_file(resources, RESOURCES_MAX, &json, &o.resources_len);
                if (r < 0) {
                        berth_err(&err, -r, "--resources %s", is_stdin ? "-" : resources);
                        return cli_fail("update", id, err);
                }
                o.resources_json = json;
                o.resources_name = is_stdin ? "(stdin)" : resources;
        }
        return berth_update(&cli->rt, id, &o, &err) < 0 ? cli_fail("update", id, err) : 0;
}
