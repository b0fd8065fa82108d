/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Per-process attributes applied by the container init (and by exec) just before execve. */
#pragma once

#include "error.h"
#include "spec.h"

/* setrlimit for each of process.rlimits. */
int proc_apply_rlimits(const struct spec_process *p, berth_error **err);
/* /proc/self/oom_score_adj */
int proc_apply_oom_score_adj(const struct spec_process *p, berth_error **err);
/* sched_setattr from process.scheduler */
int proc_apply_scheduler(const struct spec_process *p, berth_error **err);
/* ioprio_set from process.ioPriority */
int proc_apply_io_priority(const struct spec_process *p, berth_error **err);
/* personality(2) from linux.personality */
int proc_apply_personality(const struct spec_personality *p, berth_error **err);
/* setgroups(additionalGids), setresgid, setresuid, umask, keeping capabilities (PR_SET_KEEPCAPS) so
 * caps_apply can set the configured sets afterwards. in_userns: setgroups may be denied there. */
int proc_set_user(const struct spec_user *u, berth_error **err);
/* AppArmor profile / SELinux label for the next execve, where that LSM is enabled; otherwise a debug log
 * and success (as crun does). */
int proc_apply_lsm(const struct spec_process *p, berth_error **err);
bool lsm_apparmor_enabled(void);
bool lsm_selinux_enabled(void);
/* Looks up "RLIMIT_NOFILE" -> RLIMIT_NOFILE; -1 unknown. */
int rlimit_from_string(const char *s);
/* "SCHED_OTHER" ... -> policy; -1 unknown */
int sched_policy_from_string(const char *s);
/* "IOPRIO_CLASS_BE" -> 2; -1 unknown */
int ioprio_class_from_string(const char *s);
