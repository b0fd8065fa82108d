/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The table of OCI mount options ("ro", "nosuid", "rbind", "rprivate", "rro", ...). */
#pragma once

#include <stdbool.h>

#include "error.h"
#include "spec.h"

/* Fills m->flags, clear, propagation, bind, recursive_attr_set/clr (+ recursive_ro), tmpcopyup and data from
 * m->options. Unknown options are passed to the filesystem as data (as runc does). Unsupported ones (idmap,
 * ridmap) are errors. */
int mount_opts_parse(struct spec_mount *m, berth_error **err);
/* rootfsPropagation string -> MS_* flags; -EINVAL unknown. */
int mount_propagation_from_string(const char *s, unsigned long *ret);
/* Every option string this build knows, for `berth features` (NULL-terminated). */
const char *const *mount_opts_known(void);
