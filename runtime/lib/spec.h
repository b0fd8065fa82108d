/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * config.json as typed C structs (OCI runtime spec v1.3, Linux). Parsed with json-glib and validated up
 * front by spec_load(); every rejection names the JSON path and the reason, e.g.
 *   "config.json: linux.namespaces[2].type: unknown namespace \"foo\"".
 *
 * Conventions: strings are NULL when absent; optional scalars have a has_<name> flag; arrays are a pointer
 * plus n_<name> count; string lists are NULL-terminated strv (NULL when absent).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/* gnu11 predefines the macro `linux` (= 1), which would turn the struct spec member below into a number. */
#undef linux

/* Namespaces, in the order berth creates/joins them. */
enum ns_type {
        NS_USER = 0,
        NS_PID,
        NS_NET,
        NS_IPC,
        NS_UTS,
        NS_MOUNT,
        NS_CGROUP,
        NS_TIME,
        _NS_TYPE_MAX,
};
/* "user" -> NS_USER ...; -1 for unknown. The OCI names are: pid network mount ipc uts user cgroup time. */
int ns_type_from_string(const char *s);
const char *ns_type_to_string(enum ns_type t);
/* CLONE_NEW* flag for the type. */
int ns_type_clone_flag(enum ns_type t);
/* The /proc/PID/ns/<name> file name: "user","pid","net","ipc","uts","mnt","cgroup","time". */
const char *ns_type_proc_name(enum ns_type t);

struct spec_namespace {
        enum ns_type type;
        char *path; /* join this namespace; NULL = create a new one */
};

struct spec_id_mapping {
        uint32_t container_id;
        uint32_t host_id;
        uint32_t size;
};

struct spec_mount {
        char *destination; /* absolute path in the container */
        char *type;        /* may be NULL (bind mounts) */
        char *source;      /* may be NULL; relative paths are relative to the bundle */
        char **options;    /* raw option strings, as given */
        /* Derived from options by spec parsing (see mount-opts.h for the table): */
        unsigned long flags;       /* MS_* flags to set */
        unsigned long clear;       /* MS_* flags to clear (rw, dev, exec, suid, atime...) */
        unsigned long propagation; /* MS_PRIVATE/MS_SHARED/MS_SLAVE/MS_UNBINDABLE (| MS_REC) or 0 */
        bool bind;                 /* bind or rbind */
        /* Recursive attributes ("rro", "rnosuid", "rnoatime"...): MOUNT_ATTR_* values for mount_setattr(2)
         * with AT_RECURSIVE. An atime option puts the whole MOUNT_ATTR__ATIME field in recursive_attr_clr
         * and the chosen value in recursive_attr_set, as the kernel requires. */
        uint64_t recursive_attr_set, recursive_attr_clr;
        bool recursive_ro; /* recursive_attr_set has MOUNT_ATTR_RDONLY ("rro"); for reading only */
        bool tmpcopyup;    /* tmpfs: copy the directory it covers into it (podman's --tmpfs) */
        char *data;        /* remaining options joined with ',' (fs-specific data), or NULL */
        struct spec_id_mapping *uid_mappings, *gid_mappings; /* idmapped mounts (unsupported: rejected) */
        size_t n_uid_mappings, n_gid_mappings;
};

struct spec_rlimit {
        int resource; /* RLIMIT_* */
        char *type;   /* "RLIMIT_NOFILE" as given */
        uint64_t hard, soft;
};

/* Capability sets as 64-bit masks (bit n = capability n). */
struct spec_capabilities {
        uint64_t bounding, effective, inheritable, permitted, ambient;
};

struct spec_user {
        uint32_t uid, gid;
        bool has_umask;
        uint32_t umask;
        uint32_t *additional_gids;
        size_t n_additional_gids;
};

struct spec_console_size {
        unsigned height, width;
};

struct spec_scheduler {
        char *policy; /* SCHED_OTHER ... as given */
        int policy_value;
        int32_t nice;
        int32_t priority;
        uint64_t flags; /* SCHED_FLAG_* */
        uint64_t runtime, deadline, period;
};

struct spec_io_priority {
        char *class_name; /* IOPRIO_CLASS_RT/BE/IDLE */
        int class_value;  /* 1, 2, 3 */
        int priority;
};

struct spec_process {
        bool terminal;
        bool has_console_size;
        struct spec_console_size console_size;
        struct spec_user user;
        char **args;        /* non-empty */
        char *command_line; /* windows only: rejected */
        char **env;
        char *cwd; /* absolute */
        bool has_capabilities;
        struct spec_capabilities capabilities;
        struct spec_rlimit *rlimits;
        size_t n_rlimits;
        bool no_new_privileges;
        char *apparmor_profile;
        bool has_oom_score_adj;
        int oom_score_adj;
        char *selinux_label;
        bool has_scheduler;
        struct spec_scheduler scheduler;
        bool has_io_priority;
        struct spec_io_priority io_priority;
        /* personality is per linux, see spec_linux */
};

struct spec_hook {
        char *path;
        char **args;
        char **env;
        bool has_timeout;
        int timeout; /* seconds, > 0 */
};

enum hook_stage {
        HOOK_PRESTART = 0,
        HOOK_CREATE_RUNTIME,
        HOOK_CREATE_CONTAINER,
        HOOK_START_CONTAINER,
        HOOK_POSTSTART,
        HOOK_POSTSTOP,
        _HOOK_STAGE_MAX,
};
const char *hook_stage_to_string(enum hook_stage s); /* "prestart", "createRuntime", ... */

struct spec_hooks {
        struct spec_hook *hooks[_HOOK_STAGE_MAX];
        size_t n_hooks[_HOOK_STAGE_MAX];
};

struct spec_device {
        char *path;
        char type; /* 'c', 'b', 'u', 'p' */
        int64_t major, minor;
        bool has_file_mode;
        uint32_t file_mode;
        bool has_uid, has_gid;
        uint32_t uid, gid;
};

/* linux.resources */
struct spec_device_cgroup {
        bool allow;
        char type; /* 'a', 'c', 'b' (0 = all) */
        bool has_major, has_minor;
        int64_t major, minor;
        char *access; /* "rwm" subset, NULL = all */
};

struct spec_weight_device {
        int64_t major, minor;
        bool has_weight, has_leaf_weight;
        uint16_t weight, leaf_weight;
};

struct spec_throttle_device {
        int64_t major, minor;
        uint64_t rate;
};

struct spec_hugepage_limit {
        char *page_size; /* "2MB" */
        uint64_t limit;
};

struct spec_kv {
        char *key;
        char *value;
};

struct spec_resources {
        bool present; /* linux.resources given at all */
        struct spec_device_cgroup *devices;
        size_t n_devices;
        struct {
                bool has_limit, has_reservation, has_swap, has_kernel, has_kernel_tcp, has_swappiness,
                    has_disable_oom_killer, has_use_hierarchy, has_check_before_update;
                int64_t limit, reservation, swap, kernel, kernel_tcp;
                uint64_t swappiness;
                bool disable_oom_killer, use_hierarchy, check_before_update;
        } memory;
        struct {
                bool has_shares, has_quota, has_burst, has_period, has_realtime_runtime, has_realtime_period,
                    has_idle;
                uint64_t shares, period, burst, realtime_period;
                int64_t quota, realtime_runtime, idle;
                char *cpus, *mems;
        } cpu;
        struct {
                bool has_limit;
                int64_t limit; /* <= 0: unlimited */
        } pids;
        struct {
                bool has_weight, has_leaf_weight;
                uint16_t weight, leaf_weight;
                struct spec_weight_device *weight_device;
                size_t n_weight_device;
                struct spec_throttle_device *throttle_read_bps, *throttle_write_bps, *throttle_read_iops,
                    *throttle_write_iops;
                size_t n_throttle_read_bps, n_throttle_write_bps, n_throttle_read_iops, n_throttle_write_iops;
        } block_io;
        struct spec_hugepage_limit *hugepage_limits;
        size_t n_hugepage_limits;
        struct {
                bool has_class_id;
                uint32_t class_id;
                bool has_priorities;
        } network;
        struct spec_kv *unified; /* cgroup v2 file -> value */
        size_t n_unified;
};

enum seccomp_action {
        SECCOMP_ACT_KILL = 0, /* SCMP_ACT_KILL (thread) */
        SECCOMP_ACT_KILL_PROCESS,
        SECCOMP_ACT_KILL_THREAD,
        SECCOMP_ACT_TRAP,
        SECCOMP_ACT_ERRNO,
        SECCOMP_ACT_TRACE,
        SECCOMP_ACT_ALLOW,
        SECCOMP_ACT_LOG,
        SECCOMP_ACT_NOTIFY,
        _SECCOMP_ACT_MAX,
};
/* "SCMP_ACT_ERRNO" -> SECCOMP_ACT_ERRNO; -1 unknown. */
int seccomp_action_from_string(const char *s);
const char *seccomp_action_to_string(enum seccomp_action a);

enum seccomp_op {
        SECCOMP_OP_NE = 0,
        SECCOMP_OP_LT,
        SECCOMP_OP_LE,
        SECCOMP_OP_EQ,
        SECCOMP_OP_GE,
        SECCOMP_OP_GT,
        SECCOMP_OP_MASKED_EQ,
        _SECCOMP_OP_MAX,
};
int seccomp_op_from_string(const char *s); /* "SCMP_CMP_EQ" ... */
const char *seccomp_op_to_string(enum seccomp_op o);

struct spec_seccomp_arg {
        unsigned index;
        uint64_t value, value_two;
        enum seccomp_op op;
};

struct spec_seccomp_syscall {
        char **names;
        enum seccomp_action action;
        bool has_errno_ret;
        uint32_t errno_ret;
        struct spec_seccomp_arg *args;
        size_t n_args;
};

struct spec_seccomp {
        enum seccomp_action default_action;
        bool has_default_errno_ret;
        uint32_t default_errno_ret;
        char **architectures; /* "SCMP_ARCH_X86_64" ... */
        char **flags;         /* "SECCOMP_FILTER_FLAG_LOG" ... */
        char *listener_path;
        char *listener_metadata;
        struct spec_seccomp_syscall *syscalls;
        size_t n_syscalls;
};

struct spec_time_offset {
        int64_t secs;
        uint32_t nanosecs;
};

struct spec_personality {
        char *domain; /* "LINUX" or "LINUX32" */
        unsigned long value;
        char **flags;
};

struct spec_linux {
        struct spec_namespace *namespaces;
        size_t n_namespaces;
        struct spec_id_mapping *uid_mappings, *gid_mappings;
        size_t n_uid_mappings, n_gid_mappings;
        bool has_time_offsets;
        struct spec_time_offset time_monotonic, time_boottime;
        struct spec_device *devices;
        size_t n_devices;
        char *cgroups_path;
        struct spec_resources resources;
        char *rootfs_propagation; /* "shared", "slave", "private", "unbindable" (+r variants) */
        unsigned long rootfs_propagation_flags;
        struct spec_kv *sysctl;
        size_t n_sysctl;
        struct spec_seccomp *seccomp; /* NULL = none */
        char **masked_paths;
        char **readonly_paths;
        char *mount_label;
        bool has_personality;
        struct spec_personality personality;
        bool has_intel_rdt; /* unsupported: rejected by validation */
};

struct spec {
        char *oci_version;
        char *root_path; /* root.path as given (relative to the bundle or absolute) */
        bool root_readonly;
        struct spec_process *process; /* NULL allowed by the spec, but berth requires it for create */
        char *hostname;
        char *domainname;
        struct spec_mount *mounts;
        size_t n_mounts;
        struct spec_hooks hooks;
        struct spec_kv *annotations;
        size_t n_annotations;
        struct spec_linux *linux; /* NULL -> treated as empty */

        /* Filled by spec_load from the bundle: */
        char *bundle;      /* absolute bundle path */
        char *rootfs;      /* absolute host path of the rootfs (root.path resolved against bundle) */
        char *config_text; /* config.json exactly as it was read and parsed */
        size_t config_len;
};

/* Parses and validates <bundle>/config.json. Errors are prefixed with "config.json: <json path>: ". */
int spec_load(const char *bundle, struct spec **ret, berth_error **err);
/* Parses JSON text (no bundle checks such as the rootfs existing). For tests and `exec --process`. */
int spec_parse(const char *json, size_t len, struct spec **ret, berth_error **err);
/* Parses a process object (as given to `exec --process FILE`). */
int spec_parse_process(const char *json, size_t len, struct spec_process **ret, berth_error **err);
void spec_free(struct spec *s);
void spec_process_free(struct spec_process *p);
static inline void spec_freep(struct spec **s)
{
        spec_free(*s);
}
#define _cleanup_spec_ _cleanup_(spec_freep)

/* Parses a linux.resources object alone (`update --resources`); messages name members from the object
 * ("memory.limit: must be an integer"). *ret is filled even when empty; free with spec_resources_done(). */
int spec_parse_resources(const char *json, size_t len, struct spec_resources *ret, berth_error **err);
void spec_resources_done(struct spec_resources *r);

/* Finds an annotation's value, or NULL. */
const char *spec_annotation(const struct spec *s, const char *key);
/* The namespace entry of a type, or NULL if the config does not list it. */
const struct spec_namespace *spec_namespace(const struct spec *s, enum ns_type t);

/* The default config.json of `berth spec` (like runc's), as a JSON string. rootless: user namespace with
 * the caller's mapping, no cgroup limits. */
char *spec_default_json(bool rootless);
