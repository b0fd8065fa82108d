/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* File helpers on the host side (never used for paths inside a container rootfs: see path.h). */
#pragma once

#include <sys/types.h>

#include "error.h"

/* Reads a whole file (at most max bytes, 0 = 16 MiB) into a NUL-terminated buffer. -errno on failure. */
int read_file(const char *path, size_t max, char **ret, size_t *ret_len);
int read_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len);
/* Writes s to an existing file (no O_CREAT, O_TRUNC): for /proc and cgroup files. */
int write_file(const char *path, const char *s);
int write_file_at(int dirfd, const char *path, const char *s);
/* Writes data to dirfd/name atomically (temp file + fsync-less rename), mode 0600. */
int write_file_atomic_at(int dirfd, const char *name, const char *data, size_t len);
/* mkdir -p with mode; existing directories are fine. */
int mkdir_p(const char *path, mode_t mode);
/* Removes a directory tree below dirfd/name without crossing mount points. Missing is fine. */
int rm_rf_at(int dirfd, const char *name);
/* Strips trailing newlines in place. */
void strip_newline(char *s);
