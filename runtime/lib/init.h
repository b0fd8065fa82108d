/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container init: the child `berth create` forks. It never returns; it ends in execve or _exit. */
#pragma once

#include <stdbool.h>

#include "namespaces.h"
#include "plugins.h"
#include "spec.h"

struct init_args {
        const struct spec *spec;
        const struct ns_plan *plan;
        int sync_fd;      /* child end of the sync channel */
        int fifo_fd;      /* O_PATH fd of <state>/exec.fifo; -1: `run`, released on the channel */
        bool wait_parent; /* wait for SYNC_PARENT_READY (else the parent has nothing to do first) */
        bool wait_start;  /* `run`: wait for SYNC_START (else exec right after SYNC_CREATED) */
        bool forked_ns;   /* the namespaces were not created by clone: unshare them here (see container.c) */
        bool no_pivot;
        bool no_new_keyring;
        unsigned n_fds; /* fds 3 .. 3+n_fds-1 are passed to the process (--preserve-fds + LISTEN_FDS) */
        char **env;     /* the process environment (process.env + LISTEN_FDS/LISTEN_PID) */
        const char *id;
        pid_t host_pid;             /* the init's pid on the host, for the hooks' state (set once known) */
        struct plugin_set *plugins; /* selected plugins (NULL: none) */
        const struct plugin_container *plugin_c; /* what they see of the container */
};

_noreturn_ void container_init(struct init_args *a);

/* Shared with exec. The order is: init_apply_attrs (rlimits, oom_score_adj, scheduler, io priority,
 * personality, session keyring), then seccomp if it must load early (no noNewPrivileges: loading needs
 * CAP_SYS_ADMIN; or a listener: its fd goes to the parent), then init_apply_identity (user, capabilities,
 * no_new_privs, LSM), then seccomp if late (just before execve). */
int init_apply_attrs(const struct spec_process *p, const struct spec_linux *l, bool no_new_keyring,
                     berth_error **err);
int init_apply_identity(const struct spec_process *p, berth_error **err);
/* Whether seccomp loads before the identity switch (see above). */
bool init_seccomp_early(const struct spec_process *p, const struct spec_seccomp *sc);
/* Finds args[0] along PATH of env (inside the current root); "exec: \"foo\": executable file not found in
 * $PATH" when missing. */
int init_find_executable(const char *arg0, char **env, char **ret, berth_error **err);
/* Marks fds 3 .. 3+n-1 inheritable and every fd above close-on-exec. */
int init_pass_fds(unsigned n, berth_error **err);
