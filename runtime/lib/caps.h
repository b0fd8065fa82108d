/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Capability names and applying the five capability sets to the current process. */
#pragma once

#include <stdint.h>

#include "error.h"
#include "spec.h"

/* "CAP_SYS_ADMIN" -> 21; -1 if unknown (name must carry the CAP_ prefix, as the spec writes them). */
int cap_from_name(const char *name);
/* 21 -> "CAP_SYS_ADMIN"; NULL when out of range. */
const char *cap_to_name(int cap);
/* Highest capability this table knows (CAP_CHECKPOINT_RESTORE = 40). */
int cap_last_known(void);
/* Highest capability the running kernel supports (/proc/sys/kernel/cap_last_cap). */
int cap_last_supported(void);

/* Applies the sets to the calling process. Call after setresuid/setresgid were done with
 * PR_SET_KEEPCAPS set (see proc_set_user), with CAP_SETPCAP still effective. Order: bounding set drop,
 * capset(effective, permitted, inheritable), ambient raise. Capabilities the kernel lacks are ignored
 * (with a debug log), as runc and crun do. */
int caps_apply(const struct spec_capabilities *caps, berth_error **err);
