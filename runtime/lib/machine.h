/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * systemd-machined registration: `machinectl list` and `machinectl status <id>` show berth containers.
 * Only for containers in a systemd scope (the systemd cgroup manager); the annotation
 * "io.github.berth.machined": "false" turns it off per container. A host without machined is skipped (debug
 * log).
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "cgroup.h"
#include "error.h"
#include "spec.h"

/* A call to machined in flight: sent now, its answer collected by machine_call_finish, which frees it (NULL:
 * returns 0). It uses the command's systemd connection when it has one: finish it before that is released.
 * RegisterMachine(name = id, class "container", leader, root_directory = rootfs, service "berth"): 1 with
 * *ret when sent, 0 when skipped, -errno (with *err); finish: 1 registered, 0 skipped (machined missing),
 * -errno. */
struct machine_call;
int machine_register_start(const struct spec *spec, const char *id, pid_t leader, const struct cgroup *cg,
                           struct machine_call **ret, berth_error **err);
/* UnregisterMachine, for a machine of ours (machined's record names cg's unit); finish: 0 or -errno. */
int machine_unregister_start(const char *id, const struct cgroup *cg, struct machine_call **ret,
                             berth_error **err);
int machine_call_finish(struct machine_call *reg, berth_error **err);
/* Unregisters (without killing anything: the caller stops the container itself). Missing is fine. */
int machine_unregister(const char *id, const struct cgroup *cg, berth_error **err);
/* A name machined accepts: a hostname (dot-separated labels of letters, digits and inner hyphens) of at most
 * 64 characters, not ".host". Container ids that are not are skipped (debug log). */
bool machine_name_valid(const char *name);
