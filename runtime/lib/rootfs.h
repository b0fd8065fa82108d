/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The container's filesystem, set up by the container init inside its new mount namespace:
 *   rootfs_setup_mounts()  before pivot_root: root propagation, rootfs bind, spec mounts, devices,
 *                          /dev symlinks, /dev/console
 *   (createContainer hooks run here)
 *   rootfs_pivot()         pivot_root (or chroot-like MS_MOVE with --no-pivot)
 *   sysctl_apply()         linux.sysctl through the container's /proc/sys
 *   rootfs_finalize()      masked paths, readonly paths, readonly root, rootfsPropagation
 */
#pragma once

#include <limits.h>

#include <stdbool.h>

#include "error.h"
#include "spec.h"

struct rootfs_opts {
        bool in_userns;        /* a new user namespace: devices are bind-mounted, not created with mknod */
        bool no_pivot;         /* --no-pivot */
        int console_slave_fd;  /* >= 0: bind it onto /dev/console */
        bool new_cgroupns;     /* cgroup mounts: cgroup2 of the container's namespace */
        char rootfs[PATH_MAX]; /* root.path with symlinks resolved: set by rootfs_setup_mounts */
};

int rootfs_setup_mounts(const struct spec *spec, struct rootfs_opts *o, berth_error **err);
int rootfs_pivot(const struct spec *spec, const struct rootfs_opts *o, berth_error **err);
int rootfs_finalize(const struct spec *spec, const struct rootfs_opts *o, berth_error **err);
int sysctl_apply(const struct spec *spec, berth_error **err);
/* Checks sysctl keys against the namespaces the config creates (runc's rules), for validation. */
int sysctl_validate(const struct spec *spec, berth_error **err);
