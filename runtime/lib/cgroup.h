/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup managers behind one interface. The runtime picks one at create time and records its name and the
 * cgroup path in the container state, so later commands (which may be called without --systemd-cgroup)
 * reopen the same manager: cgroup_open().
 *
 *   cgroupfs: cgroup v2 (unified) files written directly. On a hybrid host the v2 hierarchy at
 *             /sys/fs/cgroup/unified has no controllers: processes are tracked there, and a container
 *             that asks for limits fails with a clear message.
 *   disabled: no cgroup at all.
 *   systemd:  transient scope over D-Bus (the systemd issue).
 *   unit:     berth runs as the main process of a delegated unit (berth@.service): the container gets the
 *             sub-cgroup "container" of the unit's own cgroup, berth moves itself to "supervisor".
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "spec.h"

enum cgroup_manager_type {
        CGROUP_MANAGER_DISABLED = 0,
        CGROUP_MANAGER_CGROUPFS,
        CGROUP_MANAGER_SYSTEMD,
        CGROUP_MANAGER_UNIT,
        _CGROUP_MANAGER_MAX,
};
int cgroup_manager_from_string(const char *s); /* "systemd", "cgroupfs", "disabled", "unit"; -1 unknown */
const char *cgroup_manager_to_string(enum cgroup_manager_type t);

struct cgroup;

struct cgroup_ops {
        const char *name;
        /* Create the container's cgroup and move pid into it, then apply spec->linux->resources. On failure
         * nothing is left behind. pid <= 0: create it and apply the limits only (see open_fd). */
        int (*create)(struct cgroup *cg, const struct spec *spec, pid_t pid, berth_error **err);
        /* Optional: an O_DIRECTORY fd of the created cgroup, so the init is cloned straight into it
         * (clone3 CLONE_INTO_CGROUP) instead of being moved there, which costs an RCU grace period. */
        int (*open_fd)(struct cgroup *cg);
        /* Move another process (exec) into the container's cgroup. */
        int (*enter)(struct cgroup *cg, pid_t pid, berth_error **err);
        /* Remove the cgroup (processes must be gone; waits briefly for the kernel to release it). */
        int (*destroy)(struct cgroup *cg, berth_error **err);
        int (*freeze)(struct cgroup *cg, bool frozen, berth_error **err);
        /* 1 frozen, 0 not, -errno */
        int (*is_frozen)(struct cgroup *cg);
        /* Signal every process in the cgroup. */
        int (*kill_all)(struct cgroup *cg, int sig, berth_error **err);
        /* PIDs in the cgroup (recursively). */
        int (*pids)(struct cgroup *cg, pid_t **ret, size_t *n, berth_error **err);
        int (*update)(struct cgroup *cg, const struct spec_resources *r, berth_error **err);
        /* Optional (systemd): create() that returns before pid is in the cgroup, so the container's init
         * sets itself up meanwhile; settle() completes it (no-op when nothing is pending). settle() must run
         * before the process unshares a cgroup namespace, forks, runs hooks or execs, and before the
         * container is reported created. On a settle() failure nothing of the cgroup is left. */
        int (*create_async)(struct cgroup *cg, const struct spec *spec, pid_t pid, berth_error **err);
        int (*settle)(struct cgroup *cg, berth_error **err);
};

struct cgroup {
        enum cgroup_manager_type type;
        const struct cgroup_ops *ops;
        char *path;       /* cgroup path relative to the v2 mount, "/berth/c1"; NULL when disabled */
        char *mountpoint; /* "/sys/fs/cgroup" or "/sys/fs/cgroup/unified" (hybrid) */
        char *unit;       /* systemd: the scope unit name */
        char *id;         /* container id */
};

/* Builds a manager for a new container: resolves cgroupsPath by the manager's rules. */
int cgroup_new(enum cgroup_manager_type type, const char *id, const struct spec *spec, struct cgroup **ret,
               berth_error **err);
/* Rebuilds a manager from what the state recorded. */
int cgroup_open(enum cgroup_manager_type type, const char *id, const char *path, const char *unit,
                struct cgroup **ret, berth_error **err);
void cgroup_free(struct cgroup *cg);
static inline void cgroup_freep(struct cgroup **cg)
{
        cgroup_free(*cg);
}
#define _cleanup_cgroup_ _cleanup_(cgroup_freep)

/* The default manager for this host: systemd where PID 1 is systemd (once that manager exists),
 * else cgroupfs. */
enum cgroup_manager_type cgroup_default_manager(void);
/* True when resources ask for something a cgroup controller must enforce (memory, pids, cpu, cpuset, io,
 * hugetlb, unified). devices are not counted. */
bool cgroup_resources_requested(const struct spec_resources *r);

/* Pure helpers, unit-tested: */
/* cgroupfs cgroupsPath rules: "" -> "/berth/<id>"; "/a/b" -> "/a/b"; "a/b" -> "/a/b"; ".." components or
 * "slice:prefix:name" forms are errors. */
int cgroupfs_resolve_path(const char *cgroups_path, const char *id, char **ret, berth_error **err);
/* OCI cpu.shares (2..262144) -> cgroup v2 cpu.weight (1..10000), as runc and crun convert. */
uint64_t cgroup_cpu_shares_to_weight(uint64_t shares);
/* OCI blockIO.weight (10..1000) -> io.weight (1..10000) */
uint64_t cgroup_blkio_weight_to_io_weight(uint64_t weight);
