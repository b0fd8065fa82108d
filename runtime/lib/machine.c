/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * systemd-machined registration over the system bus: the connection the systemd cgroup manager opened for the
 * command (systemd-bus.c) when it is on the system bus, else one of its own.
 *
 * `create` sends RegisterMachine as soon as the scope is up (machine_register_start) and collects the answer
 * last (machine_call_finish), so machined's work overlaps with the state write and, for `run`, with the
 * init's exec.
 *
 * RegisterMachine() ties the machine to the unit of its leader (the container's scope): machined drops it by
 * itself when the scope goes away, and UnregisterMachine() drops it earlier without touching any process.
 * Before connecting, unregister checks machined's state file /run/systemd/machines/<name>: a container that
 * was never registered (or a host without machined) costs `delete` nothing, and a machine of the same name
 * that belongs to another unit is left alone.
 *
 * Knob (tests): BERTH_MACHINED_TIMEOUT_MS, the time allowed for each call (default 10000, which covers
 * machined's D-Bus activation).
 */
#include <ctype.h>
#include <stdarg.h>

#include "fs-util.h"
#include "log.h"
#include "proc-util.h"
#include "machine.h"
#include "sd-lazy.h"
#include "systemd-bus.h"

#define MACHINED_DEST       "org.freedesktop.machine1"
#define MACHINED_PATH       "/org/freedesktop/machine1"
#define MACHINED_MANAGER    "org.freedesktop.machine1.Manager"
#define MACHINED_STATE_DIR  "/run/systemd/machines"
#define MACHINED_ANNOTATION "io.github.berth.machined"
#define MACHINED_SERVICE    "berth"
#define DEFAULT_TIMEOUT_MS  10000
#define ERR_NO_SUCH_MACHINE "org.freedesktop.machine1.NoSuchMachine"
#define ERR_SPAWN_NOT_FOUND "org.freedesktop.DBus.Error.Spawn.ServiceNotFound"
#define ERR_SPAWN_NOT_VALID "org.freedesktop.DBus.Error.Spawn.ServiceNotValid"
/* D-Bus activation through systemd: systemd-machined.service masked or not installed */
#define ERR_UNIT_MASKED  "org.freedesktop.systemd1.UnitMasked"
#define ERR_NO_SUCH_UNIT "org.freedesktop.systemd1.NoSuchUnit"

bool machine_name_valid(const char *name)
{
        /* What machined accepts (a hostname): dot-separated labels of letters, digits and inner hyphens,
         * at most 64 characters; ".host" is the host itself. */
        if (!name || !*name || strlen(name) > 64 || STREQ(name, ".host"))
                return false;
        bool label_start = true;
        char prev = 0;
        for (const char *p = name; *p; prev = *p++) {
                char c = *p;
                if (c == '.') {
                        if (label_start || prev == '-')
                                return false;
                        label_start = true;
                } else if (c == '-') {
                        if (label_start)
                                return false;
                } else if (isascii((unsigned char)c) && isalnum((unsigned char)c)) {
                        label_start = false;
                } else
                        return false;
        }
        return !label_start && prev != '-';
}

static uint64_t timeout_ms(void)
{
        return env_timeout_ms("BERTH_MACHINED_TIMEOUT_MS", DEFAULT_TIMEOUT_MS);
}

/* The system bus, or 0 with *ret NULL when there is none (no bus daemon: no machined either). *ret_own: the
 * caller closes it (it is not the command's shared connection). */
static int bus_open(const char *what, const struct cgroup *cg, sd_bus **ret, bool *ret_own, berth_error **err)
{
        /* the systemd manager's connection: the one the command has, or will use next */
        sd_bus *shared = NULL;
        _cleanup_error_ berth_error *e = NULL;
        if (cg->type == CGROUP_MANAGER_SYSTEMD && systemd_bus_get(cg->unit, &shared, &e) < 0)
                log_debug("machined: %s", e->msg);
        *ret = systemd_bus_current_system();
        *ret_own = false;
        if (*ret)
                return 0;
        int r = sd_lazy_load(err);
        if (r < 0)
                return r;
        _cleanup_(sd_lazy_bus_unrefp) sd_bus *bus = NULL;
        r = sd_bus_open_system(&bus);
        if (r >= 0)
                r = sd_bus_set_method_call_timeout(bus, timeout_ms() * 1000);
        if (r < 0) {
                log_debug("machined: %s: no system bus (%s): skipped", what, strerror(-r));
                return 0;
        }
        *ret = TAKE_PTR(bus);
        *ret_own = true;
        return 0;
}

static void bus_close(sd_bus *bus, bool own)
{
        if (bus && own)
                sd_bus_flush_close_unref(bus);
}

/* machined is not installed, or masked, on this host. */
static bool machined_missing(const sd_bus_error *e)
{
        return sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER,
                                      ERR_SPAWN_NOT_FOUND, ERR_SPAWN_NOT_VALID, ERR_UNIT_MASKED,
                                      ERR_NO_SUCH_UNIT);
}

/* 1 when machined's state file says the machine id runs in unit (so it is ours), 0 otherwise. */
static int machine_is_ours(const char *id, const char *unit)
{
        _cleanup_free_ char *path = xasprintf("%s/%s", MACHINED_STATE_DIR, id), *data = NULL;
        size_t len = 0;
        if (read_file(path, 65536, &data, &len) < 0)
                return 0;
        /* systemd 252 writes SCOPE=; accept UNIT= too, in case a later version renames it */
        _cleanup_free_ char *want_scope = xasprintf("SCOPE=%s", unit),
                            *want_unit = xasprintf("UNIT=%s", unit);
        for (char *line = data, *next; line && *line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                if (STREQ(line, want_scope) || STREQ(line, want_unit))
                        return 1;
        }
        return 0;
}

/* A machined call in flight: register or unregister. */
struct machine_call {
        bool unregister;
        char *id;
        sd_bus *bus;
        bool own_bus;
        sd_bus_slot *slot;
        bool done;
        sd_bus_error error;
        uint64_t deadline;
};

static void machine_call_free(struct machine_call *reg)
{
        if (!reg)
                return;
        if (reg->slot)
                sd_bus_slot_unref(reg->slot);
        sd_lazy_error_free(&reg->error);
        bus_close(reg->bus, reg->own_bus);
        free(reg->id);
        free(reg);
}

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct machine_call *reg = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);
        reg->done = true;
        if (e)
                sd_bus_error_copy(&reg->error, e);
        return 0;
}

/* Sends method(id...) to machined and flushes it (machined works while we go on). 1 with *ret, 0 when there
 * is no system bus, -errno. */
static int call_start(const struct cgroup *cg, bool unregister, const char *id, const char *method,
                      const char *types, struct machine_call **ret, berth_error **err, ...)
{
        *ret = NULL;
        struct machine_call *reg = xmalloc0(sizeof(*reg));
        reg->error = SD_BUS_ERROR_NULL;
        reg->unregister = unregister;
        reg->id = xstrdup(id);
        int r = bus_open(unregister ? "unregister" : "register", cg, &reg->bus, &reg->own_bus, err);
        if (r < 0 || !reg->bus) {
                machine_call_free(reg);
                return r;
        }
        _cleanup_(sd_lazy_message_unrefp) sd_bus_message *m = NULL;
        r = sd_bus_message_new_method_call(reg->bus, &m, MACHINED_DEST, MACHINED_PATH, MACHINED_MANAGER,
                                           method);
        if (r >= 0) {
                va_list ap;
                va_start(ap, err);
                r = sd_bus_message_appendv(m, types, ap);
                va_end(ap);
        }
        reg->deadline = systemd_now_usec() + timeout_ms() * 1000;
        if (r >= 0)
                r = sd_bus_call_async(reg->bus, &reg->slot, m, on_reply, reg, timeout_ms() * 1000);
        uint64_t queued = 0;
        while (r >= 0 && (r = sd_bus_get_n_queued_write(reg->bus, &queued)) >= 0 && queued > 0)
                r = systemd_bus_step(reg->bus, reg->deadline);
        if (r < 0) {
                machine_call_free(reg);
                return berth_err(err, -r, "%s machine %s %s systemd-machined",
                                 unregister ? "unregister" : "register", id, unregister ? "from" : "with");
        }
        *ret = reg;
        return 1;
}

int machine_register_start(const struct spec *spec, const char *id, pid_t leader, const struct cgroup *cg,
                           struct machine_call **ret, berth_error **err)
{
        *ret = NULL;
        /* checked whatever the manager, so a bundle is valid or not everywhere */
        const char *a = spec_annotation(spec, MACHINED_ANNOTATION);
        if (a && !STREQ(a, "true") && !STREQ(a, "false"))
                return berth_err_plain(err, EINVAL,
                                       "config.json: annotations.%s: \"%s\" must be \"true\" or \"false\"",
                                       MACHINED_ANNOTATION, a);
        if (!cg || (cg->type != CGROUP_MANAGER_SYSTEMD && cg->type != CGROUP_MANAGER_UNIT))
                return 0;
        if (a && STREQ(a, "false")) {
                log_debug("machined: %s: off (annotation %s=false)", id, MACHINED_ANNOTATION);
                return 0;
        }
        if (!machine_name_valid(id)) {
                log_debug("machined: container id \"%s\" is not a valid machine name (a hostname of at "
                          "most 64 characters): not registered",
                          id);
                return 0;
        }
        if (cg->unit && endswith(cg->unit, ".slice")) {
                /* cgroupsPath "slice:prefix:name.slice": machined takes the leaders of scopes and services */
                log_debug("machined: %s: its unit %s is a slice: not registered", id, cg->unit);
                return 0;
        }
        const char *root = spec && spec->rootfs ? spec->rootfs : "";
        log_debug("machined: registering %s (leader %d, root %s)", id, (int)leader, root);
        /* name, id (16 bytes or none), service, class, leader, root directory */
        return call_start(cg, false, id, "RegisterMachine", "sayssus", ret, err, id, 0, MACHINED_SERVICE,
                          "container", (uint32_t)leader, root);
}

int machine_unregister_start(const char *id, const struct cgroup *cg, struct machine_call **ret,
                             berth_error **err)
{
        *ret = NULL;
        if (!cg || (cg->type != CGROUP_MANAGER_SYSTEMD && cg->type != CGROUP_MANAGER_UNIT) || !cg->unit ||
            !machine_name_valid(id))
                return 0;
        if (!machine_is_ours(id, cg->unit))
                return 0;
        return call_start(cg, true, id, "UnregisterMachine", "s", ret, err, id);
}

int machine_call_finish(struct machine_call *reg, berth_error **err)
{
        if (!reg)
                return 0;
        int r = 0;
        while (r >= 0 && !reg->done)
                r = systemd_bus_step(reg->bus, reg->deadline);
        const sd_bus_error *e = &reg->error;
        const char *what = reg->unregister ? "unregister" : "register";
        if (r < 0)
                r = berth_err(err, -r, "%s machine %s %s systemd-machined", what, reg->id,
                              reg->unregister ? "from" : "with");
        else if (!sd_bus_error_is_set(e)) {
                log_debug("machined: %sed %s", what, reg->id);
                r = reg->unregister ? 0 : 1;
        } else if (machined_missing(e) ||
                   (reg->unregister &&
                    sd_bus_error_has_names(e, ERR_NO_SUCH_MACHINE, SD_BUS_ERROR_UNKNOWN_METHOD))) {
                /* unregister: gone already (machined drops a machine with its unit), or a machined without
                 * UnregisterMachine (it then drops the machine when the scope stops). Never TerminateMachine:
                 * that would kill. */
                if (reg->unregister)
                        log_debug("machined: unregister %s: %s: ignored", reg->id, e->name);
                else
                        log_debug("machined: %s: %s: not registered", e->name, e->message ? e->message : "");
                r = 0;
        } else if (reg->unregister)
                r = berth_err_plain(err, sd_bus_error_get_errno(e) ?: EIO,
                                    "unregister machine %s from systemd-machined: %s: %s", reg->id, e->name,
                                    e->message ? e->message : "");
        else
                r = berth_err_plain(err, sd_bus_error_get_errno(e) ?: EIO,
                                    "register machine %s with systemd-machined: %s: %s (annotation "
                                    "%s=false turns registration off)",
                                    reg->id, e->name, e->message ? e->message : "", MACHINED_ANNOTATION);
        machine_call_free(reg);
        return r;
}

int machine_unregister(const char *id, const struct cgroup *cg, berth_error **err)
{
        struct machine_call *reg = NULL;
        int r = machine_unregister_start(id, cg, &reg, err);
        return r <= 0 ? r : machine_call_finish(reg, err);
}
