/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * /dev of the container (private to rootfs.c and devices.c): device nodes, the standard symlinks and
 * /dev/console. All paths are resolved inside the rootfs fd, before pivot_root (the host's /dev and /proc
 * are still reachable, which the user-namespace bind mounts rely on).
 */
#pragma once

#include "error.h"
#include "rootfs.h"
#include "spec.h"

/* The default devices (null, zero, full, random, urandom, tty) not overridden by linux.devices, then
 * linux.devices; mknod, or bind mounts of the host's nodes when o->in_userns. */
int devices_create(int rootfd, const struct spec *spec, const struct rootfs_opts *o, berth_error **err);
/* /dev/fd, /dev/stdin, /dev/stdout, /dev/stderr, /dev/core (when the host has /proc/kcore), /dev/ptmx. */
int devices_symlinks(int rootfd, berth_error **err);
/* Creates /dev/console and bind-mounts the pty slave fd onto it. */
int devices_console(int rootfd, int slave_fd, berth_error **err);
