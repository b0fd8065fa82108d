/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libberth: the runtime library under the `berth` command line. One call per OCI operation; each returns 0
 * (or a non-negative value) on success and -errno on failure, filling *err with a message that says what
 * failed and where (without the "berth: <command> <id>: " prefix, which the CLI adds).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "error.h"

struct berth_runtime {
        const char *root;        /* state root, default /run/berth */
        int cgroup_manager;      /* enum cgroup_manager_type; used by create/run only */
        bool cgroup_manager_set; /* given explicitly on the command line */
        char **hooks_dirs;       /* --hooks-dir: oci-hooks(5) directories applied at create */
};

struct berth_create_opts {
        const char *bundle; /* default: current directory */
        const char *pid_file;
        const char *console_socket;
        bool no_pivot;
        bool no_new_keyring;
        unsigned preserve_fds; /* fds 3 .. 3+N-1 are passed to the container */
};

int berth_create(const struct berth_runtime *rt, const char *id, const struct berth_create_opts *o,
                 berth_error **err);
int berth_start(const struct berth_runtime *rt, const char *id, berth_error **err);
/* create + start. Foreground (detach false): waits for the container, deletes it and stores its exit status
 * (128+signal when killed) in *exit_status. */
int berth_run(const struct berth_runtime *rt, const char *id, const struct berth_create_opts *o, bool detach,
              int *exit_status, berth_error **err);
/* The OCI state JSON. */
int berth_state(const struct berth_runtime *rt, const char *id, char **ret_json, berth_error **err);
int berth_kill(const struct berth_runtime *rt, const char *id, int sig, bool all, berth_error **err);
int berth_delete(const struct berth_runtime *rt, const char *id, bool force, berth_error **err);
int berth_pause(const struct berth_runtime *rt, const char *id, berth_error **err);
int berth_resume(const struct berth_runtime *rt, const char *id, berth_error **err);

struct berth_container_info {
        char *id;
        pid_t pid; /* 0 when stopped */
        char *status;
        char *bundle;
        char *created; /* RFC 3339 */
        char *owner;
};
int berth_list(const struct berth_runtime *rt, struct berth_container_info **ret, size_t *n,
               berth_error **err);
void berth_container_info_free(struct berth_container_info *c, size_t n);
int berth_ps(const struct berth_runtime *rt, const char *id, pid_t **ret, size_t *n, berth_error **err);

/* update: a linux.resources object and/or runc's single-value options, applied live to the container's cgroup
 * (systemd manager: unit properties through SetUnitProperties, then what only cgroup files express). Options
 * are strings as given on the command line (NULL: not given); they override the same member of the JSON. */
struct berth_update_opts {
        const char *resources_json; /* a linux.resources JSON object (--resources), NULL for none */
        size_t resources_len;
        const char *resources_name; /* where it was read from, for messages ("r.json", "stdin") */
        const char *memory, *memory_reservation, *memory_swap; /* sizes: "100m", "1g", "-1" */
        const char *pids_limit;                                /* "-1" or <= 0: no limit */
        const char *cpu_quota, *cpu_period, *cpu_shares, *cpu_rt_period, *cpu_rt_runtime;
        const char *cpuset_cpus, *cpuset_mems;
        const char *blkio_weight;
};
int berth_update(const struct berth_runtime *rt, const char *id, const struct berth_update_opts *o,
                 berth_error **err);

/* events: runc's JSON events, one object per line on out: {"type":"stats","id":ID,"data":{...}} read from
 * the cgroup files, and {"type":"oom","id":ID} when the kernel OOM-kills in the container's cgroup. */
struct berth_events_opts {
        bool stats_once;        /* --stats: one stats event, then return */
        uint64_t interval_usec; /* between stats events (0: 5 s) */
};
/* Returns 0 once the container has stopped (or after one stats event with stats_once). */
int berth_events(const struct berth_runtime *rt, const char *id, const struct berth_events_opts *o, FILE *out,
                 berth_error **err);

struct berth_exec_opts {
        const char *process_file; /* --process: a process JSON object */
        bool detach;
        bool tty;
        const char *console_socket;
        const char *pid_file;
        const char *cwd;
        char **env;       /* K=V, added to / overriding the process env */
        const char *user; /* "UID[:GID]" */
        char **caps;      /* added capabilities */
        bool no_new_privs;
        unsigned preserve_fds;
        char **args; /* when no --process */
};
int berth_exec(const struct berth_runtime *rt, const char *id, const struct berth_exec_opts *o,
               int *exit_status, berth_error **err);

/* Containers IDs: [A-Za-z0-9][A-Za-z0-9_.+-]*, at most 1024 bytes, never "." or ".." or containing "/". */
int berth_id_validate(const char *id, berth_error **err);
