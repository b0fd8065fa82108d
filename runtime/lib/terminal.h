/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* process.terminal: a pty from the container's own devpts, its master handed to the --console-socket. */
#pragma once

#include "error.h"
#include "spec.h"

/* Opens <root>/dev/pts/ptmx (resolved inside rootfd) and its peer. Sets the console size if given. */
int terminal_open(int rootfd, const struct spec_process *p, int *ret_master, int *ret_slave,
                  berth_error **err);
/* Binds the pty slave onto <root>/dev/console. */
int terminal_bind_console(int rootfd, int slave, berth_error **err);
/* New session, slave as controlling terminal and as fds 0, 1, 2. */
int terminal_make_stdio(int slave, berth_error **err);
/* Connects to the console socket (a unix stream socket path). Returns the connected fd. */
int console_socket_connect(const char *path, berth_error **err);
/* Sends the pty master over a connected console socket (SCM_RIGHTS, as runc and crun do). */
int console_socket_send(int sock, int master, berth_error **err);
