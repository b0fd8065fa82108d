/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internal pieces shared by the lifecycle operations (container.c, container-ops.c, exec.c). */
#pragma once

#include "berth/berth.h"
#include "cgroup.h"
#include "machine.h"
#include "plugins.h"
#include "state.h"

/* An existing container, its state directory locked. */
struct container {
        int dirfd;
        struct container_state *state;
        struct cgroup *cgroup;
        enum container_status status;
};
void container_close(struct container *c);
#define _cleanup_container_ _cleanup_(container_close)

/* Opens, locks and reads the container; status derived fresh. */
int container_load(const struct berth_runtime *rt, const char *id, struct container *c, berth_error **err);
/* container_load for a container this command created and kept: its state directory dirfd (open, unlocked)
 * is locked again and the state s is not read back. c takes both over, also on failure; -ENOENT when a
 * concurrent delete removed the container meanwhile (another with the same id may exist by now). */
int container_relock(int dirfd, struct container_state *s, struct container *c, berth_error **err);
/* Stops every process of the container (SIGKILL), waits for the init to be gone, removes the cgroup and the
 * state directory. The caller holds the lock (c->dirfd). force: a plugin that cannot be loaded or fails to
 * destroy is a warning instead of an error that keeps the container. */
int container_destroy(const struct berth_runtime *rt, struct container *c, bool force, berth_error **err);
/* Signals the init through a pidfd (never a reused pid). -ESRCH when it is gone. */
int container_signal_init(const struct container_state *s, int sig, berth_error **err);

/* `run`: no exec fifo; the init is released (SYNC_START) as soon as it is created. The caller gets the sync
 * channel, which reaches EOF when the user process runs (SYNC_ERROR: it could not be started), and the
 * sd_notify proxy's socket (-1 when not in use), and the machined registration in flight (NULL when none), on
 * the command's systemd connection, which stays open for it (systemd_bus_release when done). */
struct run_release {
        int sync_fd;
        int notify_fd;
        struct machine_call *machine; /* machined's answer, still to collect (machine_call_finish) */
};
/* Creates the container; on success *ret_pid is the init's host pid and *ret_dirfd the still-locked state
 * directory (the caller closes it). run: NULL for `create`. */
int container_create(const struct berth_runtime *rt, const char *id, const struct berth_create_opts *o,
                     struct run_release *run, pid_t *ret_pid, int *ret_dirfd, berth_error **err);
/* Waits for pid (a child of ours, or an orphan we reap as subreaper), forwarding the usual signals to it and,
 * when notify_fd >= 0, the container's sd_notify messages to systemd. */
int container_wait_forward(pid_t pid, int notify_fd, int *exit_status, berth_error **err);
/* The hooks saved at create time (hooks.json), into a spec that has only what hooks need; NULL when the
 * container has none. */
int container_saved_hooks(int dirfd, const struct container_state *s, struct spec **ret, berth_error **err);
/* Opens the plugins a container selected (its recorded annotations) and fills what they see of it; *ret is
 * NULL when it selected none. pc's strings point into s, state_dir, root and *ret_config (caller frees). */
int container_plugins_open(int dirfd, const struct container_state *s, const char *root,
                           const char *state_dir, struct plugin_set **ret, struct plugin_container *pc,
                           char **ret_config, berth_error **err);
