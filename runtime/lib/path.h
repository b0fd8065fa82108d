/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Resolving paths inside a container rootfs without ever escaping it: every lookup goes through
 * openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) relative to an fd of the rootfs, so a symlink in the
 * bundle that points at /etc resolves to <rootfs>/etc, never to the host's /etc.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

/* Opens path (absolute or relative, interpreted inside root) with flags (O_CLOEXEC is always added).
 * -errno on failure. */
int path_open_in_root(int rootfd, const char *path, int flags, mode_t mode);
/* Makes sure path exists inside root: missing parent directories are created (mode 0755), and the last
 * component as a directory (dir) or an empty regular file (!dir). Returns an O_PATH|O_CLOEXEC fd of the
 * target, to mount onto through /proc/self/fd/N. Errors name the path. */
int path_mkdir_in_root(int rootfd, const char *path, bool dir, berth_error **err);
/* "/proc/self/fd/<fd>" into buf (at least 32 bytes). */
const char *path_fd_path(int fd, char *buf, size_t size);
