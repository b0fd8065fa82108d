/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* events: cgroup file parsing, runc's JSON event format, --interval; update: sizes and the resources an
 * update asks for; machined: machine names. */
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>

#include "events.h"
#include "fs-util.h"
#include "machine.h"
#include "unit.h"
#include "update.h"

TEST(test_kv_get)
{
        const char *cpu = "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 7\n";
        uint64_t v = 0;
        CHECK_INTEQ(events_kv_get(cpu, "usage_usec", &v), 0);
        CHECK_INTEQ(v, 1500);
        CHECK_INTEQ(events_kv_get(cpu, "system_usec", &v), 0);
        CHECK_INTEQ(v, 500);
        CHECK_INTEQ(events_kv_get(cpu, "nr_periods", &v), 0);
        CHECK_INTEQ(v, 7);
        /* a prefix of a key is not the key */
        CHECK_INTEQ(events_kv_get(cpu, "usage", &v), -ENOENT);
        CHECK_INTEQ(events_kv_get(cpu, "nr_throttled", &v), -ENOENT);
        CHECK_INTEQ(events_kv_get("", "x", &v), -ENOENT);
        CHECK_INTEQ(events_kv_get("x y\n", "x", &v), -EINVAL);
        /* last line without newline */
        CHECK_INTEQ(events_kv_get("low 0\noom_kill 3", "oom_kill", &v), 0);
        CHECK_INTEQ(v, 3);
}

TEST(test_parse_limit)
{
        uint64_t v = 0;
        CHECK_INTEQ(events_parse_limit("max\n", &v), 0);
        CHECK(v == UINT64_MAX);
        CHECK_INTEQ(events_parse_limit("max", &v), 0);
        CHECK_INTEQ(events_parse_limit("20971520\n", &v), 0);
        CHECK_INTEQ(v, 20971520);
        CHECK_INTEQ(events_parse_limit("0", &v), 0);
        CHECK_INTEQ(v, 0);
        CHECK_INTEQ(events_parse_limit("maxi", &v), -EINVAL);
        CHECK_INTEQ(events_parse_limit("-1", &v), -EINVAL);
        CHECK_INTEQ(events_parse_limit("12 34", &v), -EINVAL);
        CHECK_INTEQ(events_parse_limit("", &v), -EINVAL);
        CHECK_INTEQ(events_parse_limit(NULL, &v), -EINVAL);
}

TEST(test_interval)
{
        uint64_t us = 0;
        CHECK_INTEQ(events_parse_interval("5s", &us), 0);
        CHECK_INTEQ(us, 5000000);
        CHECK_INTEQ(events_parse_interval("1m30s", &us), 0);
        CHECK_INTEQ(us, 90000000);
        CHECK_INTEQ(events_parse_interval("250ms", &us), 0);
        CHECK_INTEQ(us, 250000);
        CHECK_INTEQ(events_parse_interval("1.5h", &us), 0);
        CHECK_INTEQ(us, 5400000000LL);
        CHECK_INTEQ(events_parse_interval("100us", &us), 0);
        CHECK_INTEQ(us, 100);
        CHECK_INTEQ(events_parse_interval("100\xc2\xb5s", &us), 0);
        CHECK_INTEQ(us, 100);
        CHECK_INTEQ(events_parse_interval("2000000ns", &us), 0);
        CHECK_INTEQ(us, 2000);
        CHECK_INTEQ(events_parse_interval(".5s", &us), 0);
        CHECK_INTEQ(us, 500000);
        CHECK_INTEQ(events_parse_interval("1h2m3s4ms", &us), 0);
        CHECK_INTEQ(us, 3723004000LL);
        /* a bare number is seconds */
        CHECK_INTEQ(events_parse_interval("2", &us), 0);
        CHECK_INTEQ(us, 2000000);
        CHECK_INTEQ(events_parse_interval("", &us), -EINVAL);
        CHECK_INTEQ(events_parse_interval(NULL, &us), -EINVAL);
        CHECK_INTEQ(events_parse_interval("5x", &us), -EINVAL);
        CHECK_INTEQ(events_parse_interval("1m30", &us), -EINVAL);
        CHECK_INTEQ(events_parse_interval("-1s", &us), -EINVAL);
        CHECK_INTEQ(events_parse_interval("0s", &us), -EINVAL);
        CHECK_INTEQ(events_parse_interval("1e3s", &us), -EINVAL);
        CHECK_INTEQ(events_parse_interval("1..5s", &us), -EINVAL);
        CHECK_INTEQ(events_parse_interval(".s", &us), -EINVAL);
        CHECK_INTEQ(events_parse_interval("s", &us), -EINVAL);
        CHECK_INTEQ(events_parse_interval("1ns", &us), -EINVAL); /* below a microsecond */
}

TEST(test_stats_json_full)
{
        struct events_hugetlb h = {.size = (char *)"2MB",
                                   .current = (char *)"0\n",
                                   .max = (char *)"max\n",
                                   .events = (char *)"max 2\n"};
        struct events_files f = {
            .cpu_stat = (char *)"usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 10\n"
                                "nr_throttled 4\nthrottled_usec 2000\n",
            .memory_current = (char *)"4096\n",
            .memory_max = (char *)"20971520\n",
            .memory_peak = (char *)"8192\n",
            .memory_stat = (char *)"anon 1024\nfile 2048\n",
            .memory_events = (char *)"low 0\nhigh 0\nmax 5\noom 1\noom_kill 1\n",
            .memory_swap_current = (char *)"100\n",
            .memory_swap_max = (char *)"1000\n",
            .pids_current = (char *)"3\n",
            .pids_max = (char *)"max\n",
            .io_stat = (char *)"8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n",
            .hugetlb = &h,
            .n_hugetlb = 1,
        };
        _cleanup_free_ char *j = events_stats_json("c1", &f);
        CHECK_STREQ(j, "{\"type\":\"stats\",\"id\":\"c1\",\"data\":{"
                       "\"cpu\":{\"usage\":{\"total\":1500000,\"kernel\":500000,\"user\":1000000},"
                       "\"throttling\":{\"periods\":10,\"throttledPeriods\":4,\"throttledTime\":2000000}},"
                       "\"memory\":{\"cache\":2048,"
                       "\"usage\":{\"limit\":20971520,\"usage\":4096,\"max\":8192,\"failcnt\":5},"
                       "\"swap\":{\"limit\":20972520,\"usage\":4196,\"failcnt\":0},"
                       "\"raw\":{\"anon\":1024,\"file\":2048}},"
                       "\"pids\":{\"current\":3,\"limit\":0},"
                       "\"blkio\":{\"ioServiceBytesRecursive\":[{\"major\":8,\"minor\":0,\"op\":\"Read\","
                       "\"value\":4096},{\"major\":8,\"minor\":0,\"op\":\"Write\",\"value\":8192}],"
                       "\"ioServicedRecursive\":[{\"major\":8,\"minor\":0,\"op\":\"Read\",\"value\":1},"
                       "{\"major\":8,\"minor\":0,\"op\":\"Write\",\"value\":2}]},"
                       "\"hugetlb\":{\"2MB\":{\"usage\":0,\"max\":18446744073709551615,\"failcnt\":2}}}}");
}

TEST(test_stats_json_partial)
{
        /* No controllers (the nspawn host): cpu.stat has only the usage, pids.current is counted. */
        struct events_files f = {
            .cpu_stat = (char *)"usage_usec 7\nuser_usec 5\nsystem_usec 2\n",
            .pids_current = (char *)"1\n",
        };
        _cleanup_free_ char *j = events_stats_json("c2", &f);
        CHECK_STREQ(j, "{\"type\":\"stats\",\"id\":\"c2\",\"data\":{\"cpu\":{\"usage\":{\"total\":7000,"
                       "\"kernel\":2000,\"user\":5000}},\"pids\":{\"current\":1}}}");

        /* unlimited memory and swap: "max" is UINT64_MAX, and so is memory+swap */
        struct events_files m = {
            .memory_current = (char *)"10\n",
            .memory_max = (char *)"max\n",
            .memory_swap_current = (char *)"0\n",
            .memory_swap_max = (char *)"max\n",
            .pids_current = (char *)"2\n",
            .pids_max = (char *)"64\n",
        };
        _cleanup_free_ char *jm = events_stats_json("c3", &m);
        CHECK_STREQ(jm, "{\"type\":\"stats\",\"id\":\"c3\",\"data\":{\"memory\":{\"usage\":{\"limit\":"
                        "18446744073709551615,\"usage\":10,\"failcnt\":0},\"swap\":{\"limit\":"
                        "18446744073709551615,\"usage\":10,\"failcnt\":0}},\"pids\":{\"current\":2,"
                        "\"limit\":64}}}");

        /* nothing readable at all: an empty data object, never invalid JSON */
        struct events_files none = {.cpu_stat = (char *)"garbage\n", .pids_current = (char *)"x\n"};
        _cleanup_free_ char *jn = events_stats_json("c4", &none);
        CHECK_STREQ(jn, "{\"type\":\"stats\",\"id\":\"c4\",\"data\":{}}");
}

TEST(test_oom_json_and_escaping)
{
        _cleanup_free_ char *o = events_oom_json("web-1");
        CHECK_STREQ(o, "{\"type\":\"oom\",\"id\":\"web-1\"}");
        _cleanup_free_ char *e = events_oom_json("a\"b\\c\n\x01");
        /* the escaping shared with the JSON log: \n as Go's encoding/json (runc) writes it, others as \u00XX
         */
        CHECK_STREQ(e, "{\"type\":\"oom\",\"id\":\"a\\\"b\\\\c\\n\\u0001\"}");
}

static void put(const char *dir, const char *name, const char *data)
{
        _cleanup_free_ char *p = xasprintf("%s/%s", dir, name);
        int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        CHECK(fd >= 0);
        if (fd < 0)
                return;
        CHECK(write(fd, data, strlen(data)) == (ssize_t)strlen(data));
        close(fd);
}

TEST(test_files_read)
{
        char tmpl[] = "/tmp/test-events.XXXXXX";
        char *dir = mkdtemp(tmpl);
        CHECK(dir != NULL);
        if (!dir)
                return;
        /* a cgroup without the pids controller: tasks counted in cgroup.threads, descendants included */
        put(dir, "cpu.stat", "usage_usec 1\nuser_usec 1\nsystem_usec 0\n");
        put(dir, "cgroup.threads", "10\n11\n");
        put(dir, "hugetlb.2MB.current", "0\n");
        put(dir, "hugetlb.2MB.max", "max\n");
        put(dir, "hugetlb.2MB.rsvd.current", "0\n");
        _cleanup_free_ char *sub = xasprintf("%s/leaf", dir);
        CHECK(mkdir(sub, 0755) == 0);
        put(sub, "cgroup.threads", "12\n");

        struct events_files f;
        CHECK_INTEQ(events_files_read(dir, &f, NULL), 0);
        CHECK_STREQ(f.cpu_stat, "usage_usec 1\nuser_usec 1\nsystem_usec 0\n");
        CHECK_STREQ(f.pids_current, "3\n");
        CHECK(f.memory_current == NULL);
        CHECK(f.pids_max == NULL);
        CHECK_INTEQ(f.n_hugetlb, 1);
        if (f.n_hugetlb == 1) {
                CHECK_STREQ(f.hugetlb[0].size, "2MB");
                CHECK_STREQ(f.hugetlb[0].max, "max\n");
                CHECK(f.hugetlb[0].events == NULL);
        }
        events_files_done(&f);

        /* with the pids controller, its own count wins */
        put(dir, "pids.current", "9\n");
        CHECK_INTEQ(events_files_read(dir, &f, NULL), 0);
        CHECK_STREQ(f.pids_current, "9\n");
        events_files_done(&f);

        _cleanup_error_ berth_error *err = NULL;
        _cleanup_free_ char *missing = xasprintf("%s/nonexistent", dir);
        CHECK_INTEQ(events_files_read(missing, &f, &err), -ENOENT);
        CHECK_CONTAINS(err ? err->msg : NULL, "nonexistent");

        rm_rf_at(AT_FDCWD, dir);
}

TEST(test_update_size)
{
        int64_t v = 0;
        CHECK_INTEQ(update_parse_size("1048576", &v), 0);
        CHECK_INTEQ(v, 1048576);
        CHECK_INTEQ(update_parse_size("100m", &v), 0);
        CHECK_INTEQ(v, 104857600);
        CHECK_INTEQ(update_parse_size("100M", &v), 0);
        CHECK_INTEQ(v, 104857600);
        CHECK_INTEQ(update_parse_size("1.5g", &v), 0);
        CHECK_INTEQ(v, 1610612736);
        CHECK_INTEQ(update_parse_size("512KiB", &v), 0);
        CHECK_INTEQ(v, 524288);
        CHECK_INTEQ(update_parse_size("20 mb", &v), 0);
        CHECK_INTEQ(v, 20971520);
        CHECK_INTEQ(update_parse_size("64b", &v), 0);
        CHECK_INTEQ(v, 64);
        CHECK_INTEQ(update_parse_size("-1", &v), 0);
        CHECK_INTEQ(v, -1);
        CHECK_INTEQ(update_parse_size("1t", &v), 0);
        CHECK_INTEQ(v, 1099511627776LL);
        CHECK_INTEQ(update_parse_size("", &v), -EINVAL);
        CHECK_INTEQ(update_parse_size("abc", &v), -EINVAL);
        CHECK_INTEQ(update_parse_size("10x", &v), -EINVAL);
        CHECK_INTEQ(update_parse_size("-2", &v), -EINVAL);
        CHECK_INTEQ(update_parse_size("1.", &v), -EINVAL);
        CHECK_INTEQ(update_parse_size("99999999999999999999", &v), -EINVAL);
        CHECK_INTEQ(update_parse_size("16777216p", &v), -EINVAL); /* above INT64_MAX */
}

TEST(test_update_build)
{
        struct spec_resources r;
        _cleanup_error_ berth_error *err = NULL;

        struct berth_update_opts o = {.memory = "100m", .pids_limit = "50", .cpu_quota = "50000"};
        CHECK_INTEQ(update_build_resources(&o, &r, NULL), 0);
        CHECK(r.memory.has_limit && r.memory.limit == 104857600);
        CHECK(r.pids.has_limit && r.pids.limit == 50);
        CHECK(r.cpu.has_quota && r.cpu.quota == 50000);
        CHECK(!r.cpu.has_period && !r.memory.has_swap);
        spec_resources_done(&r);

        /* --resources, with an option on top of the same member */
        const char *json =
            "{\"memory\": {\"limit\": 1000, \"reservation\": 500}, \"cpu\": {\"cpus\": \"0-1\"}}";
        struct berth_update_opts j = {.resources_json = json,
                                      .resources_len = strlen(json),
                                      .resources_name = "r.json",
                                      .memory = "2k"};
        CHECK_INTEQ(update_build_resources(&j, &r, NULL), 0);
        CHECK(r.memory.has_limit && r.memory.limit == 2048);
        CHECK(r.memory.has_reservation && r.memory.reservation == 500);
        CHECK_STREQ(r.cpu.cpus, "0-1");
        spec_resources_done(&r);

        const char *bad = "{\"memory\": {\"limit\": \"lots\"}}";
        struct berth_update_opts b = {
            .resources_json = bad, .resources_len = strlen(bad), .resources_name = "-"};
        CHECK(update_build_resources(&b, &r, &err) < 0);
        CHECK_CONTAINS(err ? err->msg : NULL, "--resources -: memory.limit");
        berth_error_freep(&err);

        const char *notjson = "{\"pids\": ";
        struct berth_update_opts nj = {
            .resources_json = notjson, .resources_len = strlen(notjson), .resources_name = "r.json"};
        CHECK(update_build_resources(&nj, &r, &err) < 0);
        CHECK_CONTAINS(err ? err->msg : NULL, "--resources r.json: invalid JSON");
        berth_error_freep(&err);

        struct berth_update_opts arr = {.resources_json = "[]", .resources_len = 2, .resources_name = "a"};
        CHECK(update_build_resources(&arr, &r, &err) < 0);
        CHECK_CONTAINS(err ? err->msg : NULL, "linux.resources object");
        berth_error_freep(&err);

        struct berth_update_opts p = {.pids_limit = "many"};
        CHECK(update_build_resources(&p, &r, &err) < 0);
        CHECK_CONTAINS(err ? err->msg : NULL, "--pids-limit: \"many\" is not an integer");
        berth_error_freep(&err);

        struct berth_update_opts m = {.memory = "lots"};
        CHECK(update_build_resources(&m, &r, &err) < 0);
        CHECK_CONTAINS(err ? err->msg : NULL, "--memory: \"lots\" is not a size");
        berth_error_freep(&err);

        struct berth_update_opts w = {.blkio_weight = "70000"};
        CHECK(update_build_resources(&w, &r, &err) < 0);
        CHECK_CONTAINS(err ? err->msg : NULL, "--blkio-weight");
        berth_error_freep(&err);

        struct berth_update_opts none = {};
        CHECK_INTEQ(update_build_resources(&none, &r, &err), -EINVAL);
        CHECK_CONTAINS(err ? err->msg : NULL, "nothing to update");
}

TEST(test_machine_names)
{
        CHECK(machine_name_valid("c1"));
        CHECK(machine_name_valid("web-1.example"));
        CHECK(
            machine_name_valid("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")); /* 64 */
        CHECK(!machine_name_valid("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0"));
        CHECK(!machine_name_valid(""));
        CHECK(!machine_name_valid(NULL));
        CHECK(!machine_name_valid(".host"));
        CHECK(!machine_name_valid("a_b"));
        CHECK(!machine_name_valid("a+b"));
        CHECK(!machine_name_valid("-a"));
        CHECK(!machine_name_valid("a-"));
        CHECK(!machine_name_valid("a.-b"));
        CHECK(!machine_name_valid("a-.b"));
        CHECK(!machine_name_valid("a..b"));
        CHECK(!machine_name_valid("a."));
        CHECK(!machine_name_valid(".a"));
}

UNIT_MAIN(UNIT_CASE(test_kv_get), UNIT_CASE(test_parse_limit), UNIT_CASE(test_interval),
          UNIT_CASE(test_stats_json_full), UNIT_CASE(test_stats_json_partial),
          UNIT_CASE(test_oom_json_and_escaping), UNIT_CASE(test_files_read), UNIT_CASE(test_update_size),
          UNIT_CASE(test_update_build), UNIT_CASE(test_machine_names))
