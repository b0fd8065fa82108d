/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to the cgroup modules (cgroup.c, cgroup-fs.c, cgroup-devices.c, cgroup-systemd*.c, cgroup-unit.c)
 * and their unit tests.
 */
#pragma once

#include <linux/bpf.h>
#include <stddef.h>

#include "cgroup.h"

/*
 * One manager implementation. cgroup.c keeps a table indexed by enum cgroup_manager_type; a manager that is
 * not built has a NULL entry. init_new resolves cgroupsPath by the manager's own rules for a new container;
 * init_open rebuilds the object from what the state recorded.
 */
struct cgroup_manager_impl {
        const struct cgroup_ops *ops;
        int (*init_new)(struct cgroup *cg, const struct spec *spec, berth_error **err);
        int (*init_open)(struct cgroup *cg, const char *path, const char *unit, berth_error **err);
};

extern const struct cgroup_manager_impl cgroup_manager_disabled;
extern const struct cgroup_manager_impl cgroup_manager_cgroupfs;
extern const struct cgroup_manager_impl cgroup_manager_systemd;
extern const struct cgroup_manager_impl cgroup_manager_unit;

/* The same cgroup seen by the cgroupfs manager: the systemd-backed managers do their file-level work
 * (limits, pids, kill, stats) through it. */
static inline struct cgroup cgroup_fs_view(const struct cgroup *cg)
{
        return (struct cgroup){
            .type = CGROUP_MANAGER_CGROUPFS,
            .ops = cgroup_manager_cgroupfs.ops,
            .path = cg->path,
            .mountpoint = cg->mountpoint,
            .id = cg->id,
        };
}

/*
 * One cgroup v2 interface file write derived from linux.resources. The mapping is pure (no filesystem) so it
 * is unit-tested; cgroup-fs.c checks the controllers and performs the writes in order.
 */
struct cgroup_write {
        const char *what;       /* the JSON path for messages: "linux.resources.memory" */
        const char *controller; /* v2 controller the file belongs to, NULL for core "cgroup.*" files */
        char *file;             /* "memory.max" */
        char *value;            /* "1048576" */
        char *alt_file;         /* when this file exists in the cgroup, write alt_value there instead */
        char *alt_value;        /* (io.bfq.weight takes the OCI blkio weight unconverted) */
};

void cgroup_writes_free(struct cgroup_write *w, size_t n);
/* linux.resources -> the ordered list of writes (unified last, so it overrides). Errors name the JSON path.
 */
int cgroup_resources_to_writes(const struct spec_resources *r, struct cgroup_write **ret, size_t *ret_n,
                               berth_error **err);
/* OCI memory.swap (memory+swap) -> memory.swap.max value: -1 max, 0 unset, else swap - limit. */
int cgroup_memory_swap_to_v2(int64_t swap, int64_t limit, int64_t *ret, berth_error **err);

/* cgroup-unit.c, pure parts: the cgroup v2 path of the "0::/path" line of /proc/self/cgroup text. */
int cgroup_unit_parse_proc_cgroup(const char *text, char **ret, berth_error **err);
/* berth's own cgroup -> the unit's cgroup and the unit's name: "/system.slice/berth@a.service" (or its
 * ".../supervisor" child, where berth moves itself) -> that cgroup and "berth@a.service". A cgroup that is
 * not a .service or .scope unit's, or a ".control" sub-cgroup, is an error saying why. */
int cgroup_unit_split(const char *own, char **ret_base, char **ret_unit, berth_error **err);

/* cgroup-fs.c: finds the cgroup v2 mount. hybrid is set when it is /sys/fs/cgroup/unified. */
int cgroupfs_find_mountpoint(char **ret, bool *ret_hybrid, berth_error **err);

/*
 * cgroup-devices.c: linux.resources.devices as a BPF_PROG_TYPE_CGROUP_DEVICE program.
 *
 * Build: pure. Rules are evaluated like runc/crun: the last matching rule decides; a rule that matches every
 * device and access ends the evaluation (so a leading deny-all makes the default deny); with no matching rule
 * the access is allowed (a new cgroup inherits "allow all", as in cgroup v1).
 */
int cgroup_devices_build_program(const struct spec_device_cgroup *rules, size_t n, struct bpf_insn **ret,
                                 size_t *ret_n, berth_error **err);
/* Loads a program with bpf(2); returns the program fd. */
int cgroup_devices_load_program(const struct bpf_insn *insns, size_t n, berth_error **err);
/* Builds, loads and attaches the program to the cgroup directory fd (BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI),
 * then detaches the device programs attached there before (an update replaces them). */
/* True when the rules end in an allow-all rule: no device filter is needed. */
bool cgroup_devices_allow_all(const struct spec_device_cgroup *rules, size_t n);
int cgroup_devices_apply(int cgroup_fd, const char *cgroup_dir, const struct spec_device_cgroup *rules,
                         size_t n, berth_error **err);
