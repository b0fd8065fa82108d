/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A command's D-Bus connection to systemd, shared by the systemd cgroup manager and the machined
 * registration: the system bus (a call that dbus-daemon passes on costs less than a new private connection,
 * for which systemd sets up its whole API: about 0.3 ms against 1.2 ms for a connection and one call, systemd
 * 252), else systemd's private socket (root only), or the address in BERTH_SYSTEMD_ADDRESS (tests).
 *
 * Opened once per command, ahead of need where that pays (systemd_bus_prepare: `create` and `run` open it
 * before they load the config, so its authentication and Hello overlap with that), and closed when the
 * command is done with it (systemd_bus_release). It is not kept while a container runs: the signals it
 * matched would queue up for a connection nobody reads (and on the private socket, systemd sends every
 * signal to every connection). A forked child never uses its parent's connection.
 *
 * BERTH_SYSTEMD_TIMEOUT_MS: the time allowed for each D-Bus call and job (default 10000).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "sd-lazy.h"

/* BERTH_SYSTEMD_TIMEOUT_MS, or the default. */
uint64_t systemd_timeout_ms(void);
/* CLOCK_MONOTONIC in microseconds. */
uint64_t systemd_now_usec(void);

/* Loads libsystemd and opens the connection; a failure is only logged (the first real use reports it). */
void systemd_bus_prepare(void);
/* The connection, opened now if need be. what names the operation in errors ("berth-c1.scope"). */
int systemd_bus_get(const char *what, sd_bus **ret, berth_error **err);
/* The open connection when it is on the system bus (which also reaches machined), else NULL. */
sd_bus *systemd_bus_current_system(void);
/* Closes the connection (idempotent). */
void systemd_bus_release(void);
static inline void systemd_bus_release_unless(bool *keep)
{
        if (!*keep)
                systemd_bus_release();
}
/* Handles what arrived, or waits for more until deadline (systemd_now_usec() scale): 0 (progress or not),
 * -ETIMEDOUT, or a bus error. */
int systemd_bus_step(sd_bus *bus, uint64_t deadline);
