/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* linux.seccomp through libseccomp. */
#pragma once

#include "error.h"
#include "spec.h"

/* Builds the filter and loads it into the calling process. When the profile has listenerPath (or uses
 * SCMP_ACT_NOTIFY), *ret_notify_fd receives the notification fd (O_CLOEXEC), else -1.
 * Unknown syscall names are skipped (debug log), as runc and crun do; unknown architectures, flags or
 * actions are errors naming the field. */
int seccomp_apply(const struct spec_seccomp *sc, int *ret_notify_fd, berth_error **err);
/* Checks the profile can be built (names of archs/flags, action values) without loading it: used by
 * validation before anything is created. */
int seccomp_check(const struct spec_seccomp *sc, berth_error **err);
/* Lists what this build supports, for `berth features`: NULL-terminated static arrays. */
const char *const *seccomp_supported_actions(void);
const char *const *seccomp_supported_operators(void);
const char *const *seccomp_supported_archs(void);
const char *const *seccomp_supported_flags(void);
