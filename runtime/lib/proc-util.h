/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Process helpers shared by the lifecycle operations. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

int pidfd_open_pid(pid_t pid);
int pidfd_signal(int pidfd, int sig);
/* Waits until the process behind pidfd exits: 1 exited, 0 timeout, -errno. */
int pidfd_wait_exit(int pidfd, int timeout_ms);
/* Writes "<pid>" to path atomically (temp file in the same directory + rename). */
int pid_file_write(const char *path, pid_t pid, berth_error **err);
/* A timeout in milliseconds from the environment variable name (a positive integer), else def (with a
 * warning when the variable is set to something else). */
uint64_t env_timeout_ms(const char *name, uint64_t def);
/* waitpid() result -> exit status as a shell reports it (128+signal when killed). */
int exit_status_from_wait(int wstatus);
