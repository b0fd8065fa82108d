/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "systemd-bus.h"

#include <time.h>
#include <unistd.h>

#include "log.h"
#include "proc-util.h"

#define PRIVATE_ADDRESS    "unix:path=/run/systemd/private"
#define DEFAULT_TIMEOUT_MS 10000

static sd_bus *cached_bus;
static pid_t cached_pid;

uint64_t systemd_timeout_ms(void)
{
        return env_timeout_ms("BERTH_SYSTEMD_TIMEOUT_MS", DEFAULT_TIMEOUT_MS);
}

uint64_t systemd_now_usec(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static int bus_open_address(const char *address, uint64_t timeout, sd_bus **ret)
{
        _cleanup_(sd_lazy_bus_unrefp) sd_bus *bus = NULL;
        int r = sd_bus_new(&bus);
        if (r >= 0)
                r = sd_bus_set_address(bus, address);
        if (r >= 0)
                r = sd_bus_set_method_call_timeout(bus, timeout * 1000);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(bus);
        return 0;
}

static int bus_open_system(uint64_t timeout, sd_bus **ret)
{
        _cleanup_(sd_lazy_bus_unrefp) sd_bus *bus = NULL;
        int r = sd_bus_open_system(&bus);
        if (r >= 0)
                r = sd_bus_set_method_call_timeout(bus, timeout * 1000);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(bus);
        return 0;
}

static int bus_open(const char *what, sd_bus **ret, berth_error **err)
{
        uint64_t timeout = systemd_timeout_ms();
        const char *address = secure_getenv("BERTH_SYSTEMD_ADDRESS");
        if (address && *address) {
                int r = bus_open_address(address, timeout, ret);
                if (r < 0)
                        return berth_err(
                            err, -r, "systemd: %s: cannot connect to systemd at %s (BERTH_SYSTEMD_ADDRESS)",
                            what, address);
                return 0;
        }
        int rs = bus_open_system(timeout, ret), rp = -EPERM;
        if (rs >= 0)
                return 0;
        log_debug("systemd: system bus: %s (trying the private socket)", strerror(-rs));
        if (geteuid() == 0 && (rp = bus_open_address(PRIVATE_ADDRESS, timeout, ret)) >= 0)
                return 0;
        return berth_err_plain(
            err, -rs,
            "systemd: %s: cannot reach systemd (system bus: %s; private socket %s: %s): is "
            "PID 1 systemd? (--cgroup-manager=cgroupfs does without it)",
            what, strerror(-rs), PRIVATE_ADDRESS, rp == -EPERM ? "not root" : strerror(-rp));
}

int systemd_bus_get(const char *what, sd_bus **ret, berth_error **err)
{
        if (cached_bus && cached_pid == getpid()) {
                *ret = cached_bus;
                return 0;
        }
        cached_bus = NULL; /* inherited across fork(): the parent's to close */
        int r = sd_lazy_load(err);
        if (r < 0)
                return r;
        _cleanup_(sd_lazy_bus_unrefp) sd_bus *bus = NULL;
        if ((r = bus_open(what, &bus, err)) < 0)
                return r;
        *ret = cached_bus = TAKE_PTR(bus);
        cached_pid = getpid();
        return 0;
}

void systemd_bus_prepare(void)
{
        sd_bus *bus;
        _cleanup_error_ berth_error *e = NULL;
        if (systemd_bus_get("connect", &bus, &e) < 0)
                log_debug("%s (at the first use it is an error)", e ? e->msg : "systemd: no connection");
}

sd_bus *systemd_bus_current_system(void)
{
        if (!cached_bus || cached_pid != getpid() || sd_bus_is_bus_client(cached_bus) <= 0)
                return NULL;
        return cached_bus;
}

void systemd_bus_release(void)
{
        if (cached_bus && cached_pid == getpid())
                sd_bus_flush_close_unref(cached_bus);
        cached_bus = NULL;
}

int systemd_bus_step(sd_bus *bus, uint64_t deadline)
{
        int r = sd_bus_process(bus, NULL);
        if (r != 0)
                return r < 0 ? r : 0;
        uint64_t now = systemd_now_usec();
        if (now >= deadline)
                return -ETIMEDOUT;
        r = sd_bus_wait(bus, deadline - now);
        return r < 0 && r != -EINTR ? r : 0;
}
