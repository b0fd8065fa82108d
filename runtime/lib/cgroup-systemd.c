/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The systemd cgroup manager: every container is a transient scope unit that systemd creates over D-Bus
 * (sd-bus), with Delegate=yes so that the container owns the cgroup below it.
 *
 * One connection per command (systemd-bus.c), opened when the container is prepared. The scope is started
 * while the container's init sets itself up (create_async, then settle); jobs are waited for through the
 * JobRemoved signal, matched before the call, with a timeout, and only when their end matters.
 * File-level work on the scope's cgroup (what unit properties cannot express, freezer state, process lists,
 * SIGKILL) goes through the cgroupfs manager on the same cgroup path.
 *
 * Also here: the value model of unit properties (shared with cgroup-systemd-props.c) and the unit naming
 * rules of linux.cgroupsPath (pure, unit-tested).
 *
 * Knobs, for tests and debugging (environment):
 *   BERTH_SYSTEMD_ADDRESS      a D-Bus address to use instead of the system bus and the private socket
 *   BERTH_SYSTEMD_TIMEOUT_MS   the time allowed for each D-Bus call and job (default 10000)
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <time.h>

#include "cgroup-systemd.h"
#include "fs-util.h"
#include "sd-lazy.h"
#include "systemd-bus.h"
#include "log.h"
#include "proc-util.h"

#define SD_DEST            "org.freedesktop.systemd1"
#define SD_PATH            "/org/freedesktop/systemd1"
#define SD_MANAGER         "org.freedesktop.systemd1.Manager"
#define SD_UNIT_PATH       "/org/freedesktop/systemd1/unit"
#define CLEANUP_TIMEOUT_MS 5000

#define ERR_UNIT_EXISTS  "org.freedesktop.systemd1.UnitExists"
#define ERR_NO_SUCH_UNIT "org.freedesktop.systemd1.NoSuchUnit"

/* ---- values ---- */

void unit_value_done(struct unit_value *v)
{
        if (!v)
                return;
        free(v->sig);
        free(v->s);
        for (size_t i = 0; i < v->n_items; i++)
                unit_value_done(&v->items[i]);
        free(v->items);
        *v = (struct unit_value){};
}

void unit_value_copy(struct unit_value *dst, const struct unit_value *src)
{
        *dst = *src;
        dst->sig = xstrdup(src->sig);
        dst->s = src->s ? xstrdup(src->s) : NULL;
        dst->items = src->n_items ? xmalloc0(src->n_items * sizeof(*dst->items)) : NULL;
        for (size_t i = 0; i < src->n_items; i++)
                unit_value_copy(&dst->items[i], &src->items[i]);
}

struct unit_value unit_value_u64(uint64_t u)
{
        return (struct unit_value){.sig = xstrdup("t"), .u = u};
}

struct unit_value unit_value_string(const char *s)
{
        return (struct unit_value){.sig = xstrdup("s"), .s = xstrdup(s)};
}

/* An empty array of elem_sig. */
struct unit_value unit_value_array(const char *elem_sig)
{
        return (struct unit_value){.sig = xasprintf("a%s", elem_sig)};
}

/* Takes over *item. */
void unit_value_push(struct unit_value *v, struct unit_value *item)
{
        v->items = xrealloc(v->items, (v->n_items + 1) * sizeof(*v->items));
        v->items[v->n_items++] = *item;
        *item = (struct unit_value){};
}

/* A (st) or (ss) pair. */
struct unit_value unit_value_pair(const char *s, const struct unit_value *second)
{
        struct unit_value v = {.sig = xasprintf("(s%s)", second->sig)};
        struct unit_value first = unit_value_string(s), copy;
        unit_value_copy(&copy, second);
        unit_value_push(&v, &first);
        unit_value_push(&v, &copy);
        return v;
}

static void value_format(FILE *f, const struct unit_value *v)
{
        char t = v->sig[0];
        if (t == 'b')
                fputs(v->b ? "true" : "false", f);
        else if (strchr("yqut", t))
                fprintf(f, "%" PRIu64, v->u);
        else if (strchr("nix", t))
                fprintf(f, "%" PRId64, v->i);
        else if (t == 'd')
                fprintf(f, "%g", v->d);
        else if (t == 's') {
                fputc('\'', f);
                for (const char *c = v->s; *c; c++)
                        fprintf(f, "%s%c", *c == '\'' || *c == '\\' ? "\\" : "", *c);
                fputc('\'', f);
        } else if (t == 'a' || t == '(') {
                fputc(t == 'a' ? '[' : '(', f);
                for (size_t i = 0; i < v->n_items; i++) {
                        fputs(i > 0 ? ", " : "", f);
                        value_format(f, &v->items[i]);
                }
                fputc(t == 'a' ? ']' : ')', f);
        } else
                fputc('?', f);
}

char *unit_value_to_string(const struct unit_value *v)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (!f)
                abort();
        value_format(f, v);
        if (fclose(f) != 0)
                abort();
        return buf;
}

/* ---- property lists ---- */

void unit_props_done(struct unit_props *p)
{
        if (!p)
                return;
        for (size_t i = 0; i < p->n; i++) {
                free(p->v[i].name);
                unit_value_done(&p->v[i].value);
        }
        free(p->v);
        *p = (struct unit_props){};
}

const struct unit_prop *unit_props_find(const struct unit_props *p, const char *name)
{
        for (size_t i = p->n; i > 0; i--)
                if (STREQ(p->v[i - 1].name, name))
                        return &p->v[i - 1];
        return NULL;
}

char *unit_props_describe(const struct unit_props *p, const char *name)
{
        const struct unit_prop *prop = unit_props_find(p, name);
        if (!prop)
                return NULL;
        _cleanup_free_ char *text = unit_value_to_string(&prop->value);
        return xasprintf("%s %s", prop->value.sig, text);
}

void unit_props_add_value(struct unit_props *p, const char *name, struct unit_value *v)
{
        p->v = xrealloc(p->v, (p->n + 1) * sizeof(*p->v));
        p->v[p->n++] = (struct unit_prop){.name = xstrdup(name), .value = *v};
        *v = (struct unit_value){};
}

void unit_props_add_u64(struct unit_props *p, const char *name, uint64_t u)
{
        struct unit_value v = unit_value_u64(u);
        unit_props_add_value(p, name, &v);
}

void unit_props_add_bool(struct unit_props *p, const char *name, bool b)
{
        struct unit_value v = {.sig = xstrdup("b"), .b = b};
        unit_props_add_value(p, name, &v);
}

void unit_props_add_string(struct unit_props *p, const char *name, const char *s)
{
        struct unit_value v = unit_value_string(s);
        unit_props_add_value(p, name, &v);
}

void unit_props_add_strv(struct unit_props *p, const char *name, char *const *strv)
{
        struct unit_value v = unit_value_array("s");
        for (char *const *s = strv; s && *s; s++) {
                struct unit_value item = unit_value_string(*s);
                unit_value_push(&v, &item);
        }
        unit_props_add_value(p, name, &v);
}

void unit_props_extend(struct unit_props *p, const struct unit_props *src)
{
        for (size_t i = 0; i < src->n; i++) {
                struct unit_value v;
                unit_value_copy(&v, &src->v[i].value);
                unit_props_add_value(p, src->v[i].name, &v);
        }
}

/* ---- names ---- */

static bool unit_char_valid(char c)
{
        return isascii((unsigned char)c) && (isalnum((unsigned char)c) || strchr(":_.\\-", c));
}

bool systemd_unit_name_valid(const char *name, const char *suffix)
{
        if (!name || !endswith(name, suffix) || strlen(name) > 255 || strlen(name) == strlen(suffix))
                return false;
        if (name[0] == '.')
                return false;
        for (const char *c = name; *c; c++)
                if (!unit_char_valid(*c))
                        return false;
        return true;
}

int systemd_slice_path(const char *slice, char **ret, berth_error **err)
{
        if (!systemd_unit_name_valid(slice, ".slice"))
                return berth_err_plain(err, EINVAL, "invalid slice name \"%s\"", slice ? slice : "");
        if (STREQ(slice, "-.slice")) {
                *ret = xstrdup("");
                return 0;
        }
        size_t stem = strlen(slice) - strlen(".slice");
        _cleanup_free_ char *path = xstrdup("");
        for (size_t at = 0; at <= stem;) {
                size_t len = strcspn(slice + at, "-");
                if (at + len > stem)
                        len = stem - at;
                if (len == 0) /* "-a.slice", "a--b.slice", "a-.slice" */
                        return berth_err_plain(
                            err, EINVAL, "invalid slice name \"%s\": empty component between dashes", slice);
                char *next = xasprintf("%s/%.*s.slice", path, (int)(at + len), slice);
                free(path);
                path = next;
                at += len + 1;
        }
        *ret = TAKE_PTR(path);
        return 0;
}

int systemd_resolve_cgroups_path(const char *cgroups_path, const char *id, char **ret_slice, char **ret_unit,
                                 char **ret_path, berth_error **err)
{
        _cleanup_free_ char *slice = NULL, *unit = NULL, *slice_path = NULL;
        const char *what = "linux.cgroupsPath";
        bool unit_is_slice = false;

        if (!cgroups_path || !*cgroups_path) {
                slice = xstrdup(SYSTEMD_DEFAULT_SLICE);
                unit = xasprintf("%s-%s.scope", SYSTEMD_DEFAULT_PREFIX, id ? id : "");
                if (!systemd_unit_name_valid(unit, ".scope"))
                        return berth_err_plain(
                            err, EINVAL,
                            "cgroup: the container id \"%s\" does not make a valid systemd "
                            "unit name (\"%s\")",
                            id ? id : "", unit);
        } else {
                const char *c1 = strchr(cgroups_path, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
                if (!c2 || strchr(c2 + 1, ':'))
                        return berth_err_plain(
                            err, EINVAL,
                            "%s: \"%s\" is not of the form slice:prefix:name that the systemd "
                            "cgroup manager takes (e.g. \"machine.slice:berth:%s\")",
                            what, cgroups_path, id ? id : "NAME");
                _cleanup_free_ char *part_slice = xstrndup(cgroups_path, (size_t)(c1 - cgroups_path)),
                                    *prefix = xstrndup(c1 + 1, (size_t)(c2 - c1 - 1));
                const char *name = c2 + 1;
                slice = *part_slice ? TAKE_PTR(part_slice) : xstrdup(SYSTEMD_EMPTY_SLICE_DEFAULT);
                if (!systemd_unit_name_valid(slice, ".slice"))
                        return berth_err_plain(err, EINVAL,
                                               "%s: \"%s\": \"%s\" is not a valid slice name (such as "
                                               "\"machine.slice\")",
                                               what, cgroups_path, slice);
                if (!*name)
                        return berth_err_plain(err, EINVAL, "%s: \"%s\": the name part is empty", what,
                                               cgroups_path);
                if (endswith(name, ".slice")) {
                        unit = xstrdup(name);
                        unit_is_slice = true;
                } else if (!*prefix)
                        unit = endswith(name, ".scope") ? xstrdup(name) : xasprintf("%s.scope", name);
                else
                        unit = endswith(name, ".scope") ? xasprintf("%s-%s", prefix, name)
                                                        : xasprintf("%s-%s.scope", prefix, name);
                if (!systemd_unit_name_valid(unit, unit_is_slice ? ".slice" : ".scope"))
                        return berth_err_plain(
                            err, EINVAL,
                            "%s: \"%s\": \"%s\" is not a valid systemd unit name (letters, "
                            "digits and \":_.-\\\" only, at most 255 characters)",
                            what, cgroups_path, unit);
        }

        /* A slice's place in the tree follows from its name; a scope sits in its slice. */
        int r = systemd_slice_path(unit_is_slice ? unit : slice, &slice_path, err);
        if (r < 0)
                return berth_err_prefix(err, "%s: \"%s\"", what, cgroups_path ? cgroups_path : "");
        *ret_path = unit_is_slice ? TAKE_PTR(slice_path) : xasprintf("%s/%s", slice_path, unit);
        *ret_slice = TAKE_PTR(slice);
        *ret_unit = TAKE_PTR(unit);
        return 0;
}

/* ---- D-Bus plumbing ---- */

/* "what: org.freedesktop.systemd1.NoSuchUnit: Unit x.scope not found." (or the errno text). */
static int bus_error(berth_error **err, const char *what, const sd_bus_error *e, int r)
{
        if (e && sd_bus_error_is_set(e))
                return berth_err_plain(err, sd_bus_error_get_errno(e) ?: -r, "%s: %s: %s", what, e->name,
                                       e->message ? e->message : "");
        return berth_err(err, -r, "%s", what);
}

/* The reply to an asynchronous call: its error, or the job path of a reply that names one. */
struct reply {
        bool done;
        sd_bus_error error;
        char *job;
        sd_bus_slot *slot;
};

static void reply_done(struct reply *p)
{
        sd_lazy_error_free(&p->error);
        free(p->job);
        if (p->slot)
                sd_bus_slot_unref(p->slot);
        *p = (struct reply){.error = SD_BUS_ERROR_NULL};
}

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct reply *p = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);
        const char *job;
        p->done = true;
        if (e)
                sd_bus_error_copy(&p->error, e);
        else if (sd_bus_message_read(m, "o", &job) > 0)
                p->job = xstrdup(job);
        return 0;
}

/* A Manager method with a simple argument list: waits for the reply (its error in *e), or with async, only
 * sends the call, and the reply lands in *async. */
static int method_callv(sd_bus *bus, struct reply *async, sd_bus_error *e, const char *method,
                        const char *types, va_list ap)
{
        _cleanup_(sd_lazy_message_unrefp) sd_bus_message *m = NULL;
        int r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER, method);
        if (r >= 0)
                r = sd_bus_message_appendv(m, types, ap);
        if (r < 0)
                return r;
        return async ? sd_bus_call_async(bus, &async->slot, m, on_reply, async, 0)
                     : sd_bus_call(bus, m, 0, e, NULL);
}

static int method_call(sd_bus *bus, struct reply *async, sd_bus_error *e, const char *method,
                       const char *types, ...)
{
        va_list ap;
        va_start(ap, types);
        int r = method_callv(bus, async, e, method, types, ap);
        va_end(ap);
        return r;
}

static int append_value(sd_bus_message *m, const struct unit_value *v)
{
        /* varargs: the small types travel as int, as sd_bus_message_append() reads them */
        switch (v->sig[0]) {
        case 'b':
                return sd_bus_message_append(m, "b", (int)v->b);
        case 'y':
        case 'q':
        case 'u':
                return sd_bus_message_append(m, v->sig, (unsigned)v->u);
        case 'n':
        case 'i':
                return sd_bus_message_append(m, v->sig, (int)v->i);
        case 'x':
                return sd_bus_message_append(m, "x", v->i);
        case 't':
                return sd_bus_message_append(m, "t", v->u);
        case 'd':
                return sd_bus_message_append(m, "d", v->d);
        case 's':
                return sd_bus_message_append(m, "s", v->s);
        case 'a':
        case '(': {
                bool a = v->sig[0] == 'a';
                _cleanup_free_ char *contents =
                    a ? xstrdup(v->sig + 1) : xstrndup(v->sig + 1, strlen(v->sig) - 2);
                int r = sd_bus_message_open_container(m, a ? 'a' : 'r', contents);
                for (size_t i = 0; r >= 0 && i < v->n_items; i++)
                        r = append_value(m, &v->items[i]);
                return r < 0 ? r : sd_bus_message_close_container(m);
        }
        }
        return -EINVAL;
}

/* a(sv) */
static int append_props(sd_bus_message *m, const char *unit, const struct unit_props *p)
{
        int r = sd_bus_message_open_container(m, 'a', "(sv)");
        for (size_t i = 0; r >= 0 && i < p->n; i++) {
                if (log_get_level() >= LOG_LVL_DEBUG) {
                        _cleanup_free_ char *text = unit_value_to_string(&p->v[i].value);
                        log_debug("systemd: %s: %s=%s %s", unit, p->v[i].name, p->v[i].value.sig, text);
                }
                r = sd_bus_message_open_container(m, 'r', "sv");
                if (r >= 0)
                        r = sd_bus_message_append_basic(m, 's', p->v[i].name);
                if (r >= 0)
                        r = sd_bus_message_open_container(m, 'v', p->v[i].value.sig);
                if (r >= 0)
                        r = append_value(m, &p->v[i].value);
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
        }
        return r < 0 ? r : sd_bus_message_close_container(m);
}

/* ---- calls in flight, jobs ---- */

/* The JobRemoved signal of one job. */
struct job_wait {
        const struct reply *call; /* the call whose reply names the job */
        char *result;
        sd_bus_slot *slot;
};

static void job_wait_done(struct job_wait *w)
{
        free(w->result);
        if (w->slot)
                sd_bus_slot_unref(w->slot);
        *w = (struct job_wait){};
}

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct job_wait *w = userdata;
        uint32_t id;
        const char *path, *unit, *result;
        /* Signals are handled in order: the reply naming the job comes before its JobRemoved. */
        if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) > 0 && w->call->job && !w->result &&
            STREQ(path, w->call->job))
                w->result = xstrdup(result);
        return 0;
}

/*
 * Matches JobRemoved before the call, so the signal cannot be missed; a direct connection has no sender
 * names. No Subscribe(): systemd sends a job's JobRemoved to the bus when the job's requester is still
 * connected (it tracks the sender of StartUnit/StopUnit), and a subscription would make it broadcast every
 * unit and job change while the connection lasts, which costs systemd (and dbus-daemon) more than the whole
 * start.
 */
static int job_subscribe(sd_bus *bus, struct job_wait *w, const struct reply *call)
{
        bool client = sd_bus_is_bus_client(bus) > 0;
        w->call = call;
        /* No round trip: dbus-daemon handles our messages in order, so the match is in place before the call
         * that follows makes a job. */
        return sd_bus_match_signal_async(bus, &w->slot, client ? SD_DEST : NULL, SD_PATH, SD_MANAGER,
                                         "JobRemoved", on_job_removed, NULL, w);
}

/* "failed" and friends, for messages. */
static const char *job_result_hint(const char *result)
{
        return STREQ(result, "dependency") ? " (a unit it depends on failed)"
               : STREQ(result, "timeout")  ? " (systemd timed it out)"
               : STREQ(result, "canceled") ? " (another job replaced it)"
                                           : "";
}

/* ---- the manager ---- */

/* 1 when the cgroup at path has processes, 0 when it has none, -ENOENT when it does not exist. */
static int cgroup_populated_at(const char *mountpoint, const char *path)
{
        _cleanup_free_ char *file = xasprintf("%s%s/cgroup.events", mountpoint, path), *buf = NULL;
        int r = read_file(file, 0, &buf, NULL);
        if (r < 0)
                return r;
        const char *p = strstr(buf, "populated ");
        return p && p[strlen("populated ")] == '1';
}

static int cgroup_populated(const struct cgroup *cg)
{
        return cgroup_populated_at(cg->mountpoint, cg->path);
}

/*
 * StopUnit, then ResetFailedUnit. The stop job is waited for only when wait is set or processes are left in
 * the cgroup (systemd must kill them first): stopping an empty unit has nothing to wait for, and systemd
 * removes its cgroup and collects it (CollectMode=inactive-or-failed) on its own.
 */
static int stop_unit(sd_bus *bus, const struct cgroup *cg, bool wait, uint64_t deadline, berth_error **err)
{
        struct reply stop = {.error = SD_BUS_ERROR_NULL}, reset = {.error = SD_BUS_ERROR_NULL};
        struct job_wait w = {};
        _cleanup_free_ char *what = xasprintf("systemd: stop unit %s", cg->unit);
        wait = wait || cgroup_populated(cg) > 0;
        int r = wait ? job_subscribe(bus, &w, &stop) : 0;
        if (r >= 0)
                r = method_call(bus, &stop, NULL, "StopUnit", "ss", cg->unit, "replace");
        if (r >= 0)
                r = method_call(bus, &reset, NULL, "ResetFailedUnit", "s", cg->unit);
        while (r >= 0 && (!stop.done || !reset.done))
                r = systemd_bus_step(bus, deadline);
        bool gone = sd_bus_error_has_name(&stop.error, ERR_NO_SUCH_UNIT);
        if (r >= 0 && sd_bus_error_is_set(&stop.error) && !gone)
                r = bus_error(err, what, &stop.error, -EIO);
        else if (r >= 0 && wait && !gone) {
                while (r >= 0 && !w.result)
                        r = systemd_bus_step(bus, deadline);
                if (r >= 0 && !STREQ(w.result, "done"))
                        log_debug("%s: job %s finished with result \"%s\"", what, stop.job, w.result);
                if (r >= 0 && (r = method_call(bus, NULL, NULL, "ResetFailedUnit", "s", cg->unit)) < 0) {
                        log_debug("%s: ResetFailedUnit: %s", what, strerror(-r));
                        r = 0;
                }
        }
        if (r == -ETIMEDOUT)
                r = berth_err_plain(err, ETIMEDOUT, "%s: not stopped in time (BERTH_SYSTEMD_TIMEOUT_MS)",
                                    what);
        else if (r < 0 && !(err && *err))
                r = bus_error(err, what, NULL, r);
        if (gone)
                log_debug("systemd: %s is gone already", cg->unit);
        reply_done(&stop);
        reply_done(&reset);
        job_wait_done(&w);
        return r < 0 ? r : 0;
}

/*
 * The unit start in flight between create_async() and settle(): one per process (a command creates one
 * container). The slots point into it, so it is static.
 */
static struct {
        const struct cgroup *cg;
        struct reply call;
        struct job_wait job;
        bool retried;
        uint64_t deadline;
        pid_t pid;
        struct unit_props props; /* kept for the one retry */
        struct systemd_resources res;
} start;

static void start_done(void)
{
        reply_done(&start.call);
        job_wait_done(&start.job);
        unit_props_done(&start.props);
        systemd_resources_done(&start.res);
        start.cg = NULL;
}

static int start_send(sd_bus *bus, const char *unit)
{
        _cleanup_(sd_lazy_message_unrefp) sd_bus_message *m = NULL;
        reply_done(&start.call);
        int r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "StartTransientUnit");
        if (r >= 0)
                r = sd_bus_message_append(m, "ss", unit, "fail");
        if (r >= 0)
                r = append_props(m, unit, &start.props);
        if (r >= 0)
                r = sd_bus_message_append(m, "a(sa(sv))", 0);
        if (r >= 0)
                r = sd_bus_call_async(bus, &start.call.slot, m, on_reply, &start.call, 0);
        /* On its way before the caller goes on (after the authentication, on a new connection). */
        uint64_t queued = 0;
        while (r >= 0 && (r = sd_bus_get_n_queued_write(bus, &queued)) >= 0 && queued > 0)
                r = systemd_bus_step(bus, start.deadline);
        return r;
}

/*
 * UnitExists: most likely a leftover of an earlier container of the same name (failed, not collected yet,
 * or still stopping). A unit that is up with processes in its cgroup belongs to someone else: left alone.
 */
static int clear_stale_unit(sd_bus *bus, const struct cgroup *cg, berth_error **err)
{
        _cleanup_free_ char *path = NULL, *state = NULL, *cgroup = NULL;
        int r = sd_bus_path_encode(SD_UNIT_PATH, cg->unit, &path);
        if (r >= 0)
                r = sd_bus_get_property_string(bus, SD_DEST, path, "org.freedesktop.systemd1.Unit",
                                               "ActiveState", NULL, &state);
        if (r < 0)
                return berth_err(err, -r, "systemd: unit %s exists already: read its state", cg->unit);
        bool up = STREQ(state, "active") || STREQ(state, "activating") || STREQ(state, "reloading");
        if (up && endswith(cg->unit, ".scope"))
                (void)sd_bus_get_property_string(bus, SD_DEST, path, "org.freedesktop.systemd1.Scope",
                                                 "ControlGroup", NULL, &cgroup);
        /* Up but empty: its processes are gone and systemd has not noticed yet. */
        if (up && (!cgroup || !*cgroup || cgroup_populated_at(cg->mountpoint, cgroup) != 0))
                return berth_err_plain(
                    err, EEXIST,
                    "systemd: unit %s exists already (%s) and is in use: another container "
                    "of that name? (berth delete it, or systemctl stop %s)",
                    cg->unit, state, cg->unit);
        log_debug("systemd: %s exists (%s): stop, reset-failed and retry once", cg->unit, state);
        return stop_unit(bus, cg, true, start.deadline, err);
}

/* Waits for the start (retrying once over a stale unit), then applies what only cgroup files can express. On
 * failure the unit and its processes are gone (the caller reaps the process). */
static int start_finish(struct cgroup *cg, berth_error **err)
{
        sd_bus *bus = NULL;
        (void)systemd_bus_get(cg->unit, &bus, NULL); /* open since create_async */
        _cleanup_free_ char *what = xasprintf("systemd: start transient unit %s", cg->unit);
        int r = 0;
        for (;;) {
                while (r >= 0 && !start.call.done)
                        r = systemd_bus_step(bus, start.deadline);
                if (r < 0 || !sd_bus_error_has_name(&start.call.error, ERR_UNIT_EXISTS) || start.retried)
                        break;
                start.retried = true;
                if ((r = clear_stale_unit(bus, cg, err)) < 0 || (r = start_send(bus, cg->unit)) < 0)
                        break;
        }
        bool created = r >= 0 && start.call.done && !sd_bus_error_is_set(&start.call.error);
        while (r >= 0 && created && !start.job.result)
                r = systemd_bus_step(bus, start.deadline);
        if (r == -ETIMEDOUT)
                r = berth_err_plain(err, ETIMEDOUT, "%s: %s within %" PRIu64 " ms", what,
                                    created ? "its job did not finish" : "no reply", systemd_timeout_ms());
        else if (r < 0)
                r = bus_error(err, what, NULL, r);
        else if (!created)
                r = bus_error(err, what, &start.call.error, -EIO);
        else if (!STREQ(start.job.result, "done"))
                r = berth_err_plain(err, EIO, "%s: job %s finished with result \"%s\"%s (journalctl -u %s)",
                                    what, start.call.job, start.job.result, job_result_hint(start.job.result),
                                    cg->unit);
        struct cgroup fs = cgroup_fs_view(cg);
        /* A slice takes no PIDs= property: the process joins through the cgroup file. */
        if (r >= 0 && endswith(cg->unit, ".slice") && start.pid > 0)
                r = fs.ops->enter(&fs, start.pid, err);
        /* What only cgroup files can express, once the delegated cgroup exists. */
        if (r >= 0 && start.res.has_left)
                r = fs.ops->update(&fs, &start.res.left, err);
        if (r < 0 && (created || r == -ETIMEDOUT)) {
                _cleanup_error_ berth_error *e = NULL;
                if (cgroup_populated(cg) > 0)
                        (void)method_call(bus, NULL, NULL, "KillUnit", "ssi", cg->unit, "all", SIGKILL);
                if (stop_unit(bus, cg, false, systemd_now_usec() + CLEANUP_TIMEOUT_MS * 1000, &e) < 0)
                        log_warn("%s", e->msg);
        }
        start_done();
        /* the connection stays for the rest of the create (machined); container_create releases it */
        return r;
}

/* What every berth unit has, before the resources and the annotations. */
static void base_props(struct unit_props *p, const struct cgroup *cg, const struct spec *spec,
                       const char *slice, pid_t pid)
{
        bool is_slice = endswith(cg->unit, ".slice");
        _cleanup_free_ char *desc =
            xasprintf("berth container %s (bundle %s)", cg->id, spec && spec->bundle ? spec->bundle : "?");
        unit_props_add_string(p, "Description", desc);
        if (is_slice) {
                /* A slice's parent follows from its name; Wants= keeps the given one started (as runc). */
                char *const wants[] = {(char *)slice, NULL};
                unit_props_add_strv(p, "Wants", wants);
        } else {
                unit_props_add_string(p, "Slice", slice);
                unit_props_add_bool(p, "Delegate", true);
                /* `systemctl stop`: SIGTERM, then SIGKILL after this long (docker's and podman's grace
                 * period; systemd's default of 90 s would hold a container whose PID 1 ignores SIGTERM). */
                unit_props_add_u64(p, "TimeoutStopUSec", SYSTEMD_STOP_TIMEOUT_USEC);
                if (pid > 0) {
                        struct unit_value pids = unit_value_array("u"),
                                          one = {.sig = xstrdup("u"), .u = (uint32_t)pid};
                        unit_value_push(&pids, &one);
                        unit_props_add_value(p, "PIDs", &pids);
                }
        }
        unit_props_add_string(p, "CollectMode", "inactive-or-failed");
        unit_props_add_bool(p, "DefaultDependencies", false);
        /* All accounting on: the container gets its controllers, as with the cgroupfs manager. */
        static const char *const accounting[] = {"MemoryAccounting", "TasksAccounting", "CPUAccounting",
                                                 "IOAccounting"};
        for (size_t i = 0; i < ELEMENTSOF(accounting); i++)
                unit_props_add_bool(p, accounting[i], true);
}

static int sd_create_async(struct cgroup *cg, const struct spec *spec, pid_t pid, berth_error **err)
{
        const struct spec_linux *l = spec ? spec->linux : NULL;
        _cleanup_free_ char *slice = NULL, *unit = NULL, *path = NULL;
        int r = systemd_resolve_cgroups_path(l ? l->cgroups_path : NULL, cg->id, &slice, &unit, &path, err);
        if (r < 0)
                return r;
        if (start.cg)
                return berth_err_plain(err, EBUSY, "systemd: %s: the start of %s is still in progress",
                                       cg->unit, start.cg->unit);

        /* Everything that can fail without systemd fails first. */
        _cleanup_(systemd_resources_done) struct systemd_resources res = {};
        if ((r = systemd_resources_to_props(l ? &l->resources : NULL, NULL, &res, err)) < 0)
                return r;
        _cleanup_(unit_props_done) struct unit_props props = {};
        base_props(&props, cg, spec, slice, pid);
        unit_props_extend(&props, &res.props);
        if (spec &&
            (r = systemd_annotations_to_props(spec->annotations, spec->n_annotations, &props, err)) < 0)
                return r;

        sd_bus *bus;
        if ((r = systemd_bus_get(cg->unit, &bus, err)) < 0)
                return r;
        start.cg = cg;
        start.retried = false;
        start.deadline = systemd_now_usec() + systemd_timeout_ms() * 1000;
        start.pid = pid;
        start.props = props;
        props = (struct unit_props){};
        start.res = res;
        res = (struct systemd_resources){};
        if ((r = job_subscribe(bus, &start.job, &start.call)) < 0 || (r = start_send(bus, cg->unit)) < 0) {
                start_done();
                systemd_bus_release();
                return berth_err(err, -r, "systemd: %s: send StartTransientUnit", cg->unit);
        }
        /* A new cgroup namespace is rooted where the init is when it unshares it: it must be in place. */
        bool cgroupns = false;
        for (size_t i = 0; l && i < l->n_namespaces; i++)
                cgroupns |= l->namespaces[i].type == NS_CGROUP && !l->namespaces[i].path;
        return cgroupns ? start_finish(cg, err) : 0;
}

static int sd_settle(struct cgroup *cg, berth_error **err)
{
        return start.cg == cg ? start_finish(cg, err) : 0;
}

static int sd_create(struct cgroup *cg, const struct spec *spec, pid_t pid, berth_error **err)
{
        int r = sd_create_async(cg, spec, pid, err);
        return r < 0 ? r : sd_settle(cg, err);
}

/* For exec when the scope's own cgroup cannot take processes (cgroup v2: a cgroup that hands controllers
 * down holds none, once the container made sub-cgroups, as systemd in a container does): the cgroup of
 * the container's oldest process (its init, as a rule), as crun does. */
static int enter_leaf(struct cgroup *cg, pid_t pid, berth_error **err)
{
        struct cgroup fs = cgroup_fs_view(cg);
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        int r = fs.ops->pids(&fs, &pids, &n, err);
        if (r < 0)
                return r;
        pid_t first = 0;
        for (size_t i = 0; i < n; i++)
                if (pids[i] != pid && (first == 0 || pids[i] < first))
                        first = pids[i];
        _cleanup_free_ char *file = xasprintf("/proc/%d/cgroup", (int)first), *buf = NULL;
        const char *line = first > 0 && read_file(file, 0, &buf, NULL) >= 0 ? strstr(buf, "0::/") : NULL;
        if (line && (line == buf || line[-1] == '\n')) {
                _cleanup_free_ char *leaf = xstrndup(line + 3, strcspn(line + 3, "\n"));
                size_t len = strlen(cg->path);
                if (strncmp(leaf, cg->path, len) == 0 && leaf[len] == '/') {
                        fs.path = leaf;
                        log_debug("systemd: %s has sub-cgroups: process %d joins %s", cg->unit, (int)pid,
                                  leaf);
                        return fs.ops->enter(&fs, pid, err);
                }
        }
        return berth_err_plain(err, EBUSY,
                               "cgroup: %s%s takes no processes (it has sub-cgroups with controllers) and no "
                               "process of the container is in one of them to join",
                               cg->mountpoint, cg->path);
}

static int sd_enter(struct cgroup *cg, pid_t pid, berth_error **err)
{
        /* The scope is delegated: the cgroup file is enough, and needs no round trip. */
        struct cgroup fs = cgroup_fs_view(cg);
        _cleanup_error_ berth_error *busy = NULL;
        int r = fs.ops->enter(&fs, pid, &busy);
        if (r == -EBUSY)
                return enter_leaf(cg, pid, err);
        if (r < 0 && err)
                *err = TAKE_PTR(busy);
        return r;
}

static int sd_destroy(struct cgroup *cg, berth_error **err)
{
        /* A start that was never settled (a failed create): the unit may exist before its cgroup does. */
        bool pending = start.cg == cg;
        if (pending)
                start_done();
        /* systemd has stopped the unit (its cgroup is gone) and collects it: nothing to ask. Otherwise the
         * stop is asked for, and waited for only while processes are left (stop_unit()). */
        if (!pending && cgroup_populated(cg) == -ENOENT) {
                log_debug("systemd: %s has stopped", cg->unit);
                return 0;
        }
        sd_bus *bus;
        int r = systemd_bus_get(cg->unit, &bus, err);
        if (r >= 0)
                r = stop_unit(bus, cg, false, systemd_now_usec() + systemd_timeout_ms() * 1000, err);
        /* the connection stays for the caller's other calls (machined); it releases it */
        return r;
}

/* One Manager call on the command's connection, which is closed then. */
static int unit_call(struct cgroup *cg, sd_bus_error *e, berth_error **err, const char *method,
                     const char *types, ...)
{
        sd_bus *bus;
        int r = systemd_bus_get(cg->unit, &bus, err);
        if (r < 0)
                return r;
        va_list ap;
        va_start(ap, types);
        r = method_callv(bus, NULL, e, method, types, ap);
        va_end(ap);
        systemd_bus_release();
        if (r < 0) {
                _cleanup_free_ char *what = xasprintf("systemd: %s %s", method, cg->unit);
                return bus_error(err, what, e, r);
        }
        return 0;
}

static int sd_freeze(struct cgroup *cg, bool frozen, berth_error **err)
{
        _cleanup_(sd_lazy_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_error_ berth_error *ue = NULL;
        /* The reply comes once the unit is frozen (thawed). */
        int r = unit_call(cg, &e, &ue, frozen ? "FreezeUnit" : "ThawUnit", "s", cg->unit);
        if (r >= 0 || !sd_bus_error_has_names(&e, SD_BUS_ERROR_UNKNOWN_METHOD, SD_BUS_ERROR_NOT_SUPPORTED)) {
                if (r < 0 && err)
                        *err = TAKE_PTR(ue);
                return r;
        }
        /* systemd before 246 (or a unit that cannot freeze): the cgroup v2 freezer directly. */
        log_debug("%s: using cgroup.freeze", ue->msg);
        struct cgroup fs = cgroup_fs_view(cg);
        return fs.ops->freeze(&fs, frozen, err);
}

/* systemd freezes through cgroup.freeze: the kernel's word says frozen, whoever froze the unit (berth
 * pause, systemctl freeze, a frozen parent slice), and costs no round trip (state, list). */
static int sd_is_frozen(struct cgroup *cg)
{
        struct cgroup fs = cgroup_fs_view(cg);
        return fs.ops->is_frozen(&fs);
}

static int sd_kill_all(struct cgroup *cg, int sig, berth_error **err)
{
        struct cgroup fs = cgroup_fs_view(cg);
        /* SIGKILL: the kernel kills the whole cgroup at once (cgroup.kill), faster than a round trip. */
        if (sig == SIGKILL)
                return fs.ops->kill_all(&fs, sig, err);
        _cleanup_(sd_lazy_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_error_ berth_error *ue = NULL;
        int r = unit_call(cg, &e, &ue, "KillUnit", "ssi", cg->unit, "all", (int32_t)sig);
        if (r >= 0 || !sd_bus_error_has_name(&e, ERR_NO_SUCH_UNIT)) {
                if (r < 0 && err)
                        *err = TAKE_PTR(ue);
                return r;
        }
        /* The unit is gone (collected): whatever is left in the cgroup, if it still exists. */
        return fs.ops->kill_all(&fs, sig, err);
}

static int sd_pids(struct cgroup *cg, pid_t **ret, size_t *n, berth_error **err)
{
        struct cgroup fs = cgroup_fs_view(cg);
        return fs.ops->pids(&fs, ret, n, err);
}

static int sd_update(struct cgroup *cg, const struct spec_resources *resources, berth_error **err)
{
        _cleanup_(systemd_resources_done) struct systemd_resources res = {};
        int r = systemd_resources_to_props(resources, NULL, &res, err);
        if (r < 0)
                return r;
        if (res.props.n > 0) {
                sd_bus *bus;
                _cleanup_(sd_lazy_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                _cleanup_(sd_lazy_message_unrefp) sd_bus_message *m = NULL;
                if ((r = systemd_bus_get(cg->unit, &bus, err)) < 0)
                        return r;
                r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER,
                                                   "SetUnitProperties");
                if (r >= 0)
                        r = sd_bus_message_append(m, "sb", cg->unit, 1);
                if (r >= 0)
                        r = append_props(m, cg->unit, &res.props);
                if (r >= 0)
                        r = sd_bus_call(bus, m, 0, &e, NULL);
                systemd_bus_release();
                if (r < 0) {
                        _cleanup_free_ char *what = xasprintf("systemd: SetUnitProperties %s", cg->unit);
                        return bus_error(err, what, &e, r);
                }
        }
        if (!res.has_left)
                return 0;
        struct cgroup fs = cgroup_fs_view(cg);
        return fs.ops->update(&fs, &res.left, err);
}

static int sd_init_new(struct cgroup *cg, const struct spec *spec, berth_error **err)
{
        const char *cgroups_path = spec && spec->linux ? spec->linux->cgroups_path : NULL;
        _cleanup_free_ char *slice = NULL;
        /* systemd puts a unit at its slice's path: the cgroup follows from the name, no round trip needed. */
        int r = systemd_resolve_cgroups_path(cgroups_path, cg->id, &slice, &cg->unit, &cg->path, err);
        if (r < 0 || (r = cgroupfs_find_mountpoint(&cg->mountpoint, NULL, err)) < 0)
                return r;
        /* Connect now: systemd sets the connection up while the container is prepared (create_async() says
         * why when it cannot be reached). */
        _cleanup_error_ berth_error *e = NULL;
        sd_bus *bus;
        if (systemd_bus_get(cg->unit, &bus, &e) < 0)
                log_debug("%s", e->msg);
        return 0;
}

static int sd_init_open(struct cgroup *cg, const char *path, const char *unit, berth_error **err)
{
        if (!path || path[0] != '/' || strstr(path, "/../") || endswith(path, "/.."))
                return berth_err_plain(err, EINVAL, "cgroup: the state records no valid cgroup path (\"%s\")",
                                       path ? path : "");
        if (!systemd_unit_name_valid(unit, ".scope") && !systemd_unit_name_valid(unit, ".slice"))
                return berth_err_plain(err, EINVAL,
                                       "cgroup: the state records no valid systemd unit (\"%s\")",
                                       unit ? unit : "");
        cg->path = xstrdup(path);
        cg->unit = xstrdup(unit);
        return cgroupfs_find_mountpoint(&cg->mountpoint, NULL, err);
}

static const struct cgroup_ops sd_ops = {
    .name = "systemd",
    .create = sd_create,
    .enter = sd_enter,
    .destroy = sd_destroy,
    .freeze = sd_freeze,
    .is_frozen = sd_is_frozen,
    .kill_all = sd_kill_all,
    .pids = sd_pids,
    .update = sd_update,
    .create_async = sd_create_async,
    .settle = sd_settle,
};

const struct cgroup_manager_impl cgroup_manager_systemd = {
    .ops = &sd_ops,
    .init_new = sd_init_new,
    .init_open = sd_init_open,
};
