/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `berth events`: runc's JSON events from the cgroup v2 files of a container.
 *
 *   {"type":"stats","id":ID,"data":{"cpu":{...},"memory":{...},"pids":{...},"blkio":{...},"hugetlb":{...}}}
 *   {"type":"oom","id":ID}
 *
 * Reading (events_files_read) and formatting (events_stats_json) are separate so the mapping is unit-tested
 * on file contents. The mapping follows runc's cgroup v2 statistics: cpu.stat microseconds become
 * nanoseconds, "max" limits become 18446744073709551615 (pids: 0), swap is reported as memory+swap like
 * cgroup v1, io.stat becomes the blkio Read/Write tables. A file that does not exist leaves its part out.
 */
#pragma once

#include <stdint.h>

#include "error.h"

/* The contents of the cgroup files one stats event is built from; NULL when the file does not exist. */
struct events_hugetlb {
        char *size; /* "2MB" */
        char *current, *max, *events;
};
struct events_files {
        char *cpu_stat;
        char *memory_current, *memory_max, *memory_peak, *memory_stat, *memory_events;
        char *memory_swap_current, *memory_swap_max;
        char *pids_current, *pids_max;
        char *io_stat;
        struct events_hugetlb *hugetlb;
        size_t n_hugetlb;
};
void events_files_done(struct events_files *f);
/*
 * Reads the files of the cgroup directory dir. Without the pids controller (no pids.current), the number of
 * tasks listed in cgroup.threads of dir and its descendants stands in for pids.current. -errno (with *err)
 * only when dir itself cannot be read.
 */
int events_files_read(const char *dir, struct events_files *ret, berth_error **err);

/* The value of key in "key value" lines (cpu.stat, memory.stat, memory.events): 0 found, -ENOENT. */
int events_kv_get(const char *text, const char *key, uint64_t *ret);
/* A cgroup limit file: "max" -> UINT64_MAX, else the number. -EINVAL when it is neither. */
int events_parse_limit(const char *text, uint64_t *ret);

/* One stats event line (no newline) built from f. id is written JSON-escaped. */
char *events_stats_json(const char *id, const struct events_files *f);
/* {"type":"oom","id":ID} */
char *events_oom_json(const char *id);

/* A Go duration as runc's --interval takes it ("5s", "1m30s", "250ms", "1.5h", "100us"), or a bare number of
 * seconds. Must be positive. -EINVAL otherwise. */
int events_parse_interval(const char *s, uint64_t *ret_usec);
