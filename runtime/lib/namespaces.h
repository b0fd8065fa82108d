/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Which namespaces a container creates and which it joins by path. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "spec.h"

struct ns_plan {
        bool create[_NS_TYPE_MAX]; /* a new namespace of this type */
        int join_fd[_NS_TYPE_MAX]; /* >= 0: join this namespace (opened O_RDONLY|O_CLOEXEC, type checked) */
};

/* Builds the plan from linux.namespaces: opens and checks (NS_GET_NSTYPE) every path. Errors name the entry:
 * "linux.namespaces[1].path: /run/netns/x: No such file or directory". */
int ns_plan_build(const struct spec *spec, struct ns_plan *p, berth_error **err);
void ns_plan_close(struct ns_plan *p);
/* CLONE_NEW* flags of the namespaces to create, excluding those in mask. */
int ns_plan_clone_flags(const struct ns_plan *p, int mask);
/* setns() into every namespace joined by path whose type is not in skip_mask (a CLONE_NEW* mask). */
int ns_plan_join(const struct ns_plan *p, int skip_mask, berth_error **err);
/* Writes /proc/<pid>/uid_map and gid_map from linux.uidMappings/gidMappings. */
int ns_write_id_maps(pid_t pid, const struct spec_linux *l, berth_error **err);
/* Writes linux.timeOffsets to /proc/self/timens_offsets (after unshare(CLONE_NEWTIME), before any process
 * entered the new time namespace). */
int ns_write_time_offsets(const struct spec_linux *l, berth_error **err);
/* CLONE_NEW* mask of the namespaces in which pid differs from the caller (for exec). */
int ns_differing_mask(pid_t pid, berth_error **err);
