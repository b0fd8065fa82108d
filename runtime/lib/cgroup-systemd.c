/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The systemd cgroup manager: every container is a transient scope unit that systemd creates over D-Bus
 * (sd-bus), with Delegate=yes so that the container owns the cgroup below it.
 *
 * Connection: as root, systemd's private socket /run/systemd/private (no bus daemon in between), else the
 * system bus. Jobs (start, stop) are waited for through the JobRemoved signal, subscribed to before the call,
 * with a timeout. File-level work on the scope's cgroup (what unit properties cannot express, freezer
 * fallback, process lists) goes through the cgroupfs manager on the same cgroup path.
 *
 * Also here: the value model of unit properties (shared with cgroup-systemd-props.c) and the unit naming
 * rules of linux.cgroupsPath (pure, unit-tested).
 *
 * Knobs, for tests and debugging (environment):
 *   BERTH_SYSTEMD_ADDRESS      a D-Bus address to use instead of the private socket and the system bus
 *   BERTH_SYSTEMD_TIMEOUT_MS   the time allowed for each D-Bus call and job (default 10000)
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <time.h>

#include "cgroup-systemd.h"
#include "sd-lazy.h"
#include "log.h"

#define SD_DEST            "org.freedesktop.systemd1"
#define SD_PATH            "/org/freedesktop/systemd1"
#define SD_MANAGER         "org.freedesktop.systemd1.Manager"
#define SD_UNIT_PATH       "/org/freedesktop/systemd1/unit"
#define PRIVATE_ADDRESS    "unix:path=/run/systemd/private"
#define DEFAULT_TIMEOUT_MS 10000
#define CLEANUP_TIMEOUT_MS 5000

#define ERR_UNIT_EXISTS  "org.freedesktop.systemd1.UnitExists"
#define ERR_NO_SUCH_UNIT "org.freedesktop.systemd1.NoSuchUnit"

static uint64_t timeout_ms(void)
{
        const char *s = secure_getenv("BERTH_SYSTEMD_TIMEOUT_MS");
        if (s && *s) {
                char *end;
                errno = 0;
                unsigned long long v = strtoull(s, &end, 10);
                if (!errno && !*end && v > 0)
                        return v;
                log_warn("BERTH_SYSTEMD_TIMEOUT_MS=\"%s\" is not a number of milliseconds: using %d", s,
                         DEFAULT_TIMEOUT_MS);
        }
        return DEFAULT_TIMEOUT_MS;
}

static uint64_t now_usec(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static bool endswith(const char *s, const char *suffix)
{
        size_t a = strlen(s), b = strlen(suffix);
        return a >= b && STREQ(s + a - b, suffix);
}

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

static void append(char **buf, const char *fmt, ...) _printf_(2, 3);
static void append(char **buf, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        char *piece = NULL;
        if (vasprintf(&piece, fmt, ap) < 0)
                abort();
        va_end(ap);
        char *joined = xasprintf("%s%s", *buf ? *buf : "", piece);
        free(piece);
        free(*buf);
        *buf = joined;
}

static void value_format(char **buf, const struct unit_value *v)
{
        switch (v->sig[0]) {
        case 'b':
                append(buf, "%s", v->b ? "true" : "false");
                break;
        case 'y':
        case 'q':
        case 'u':
        case 't':
                append(buf, "%" PRIu64, v->u);
                break;
        case 'n':
        case 'i':
        case 'x':
                append(buf, "%" PRId64, v->i);
                break;
        case 'd':
                append(buf, "%g", v->d);
                break;
        case 's':
                append(buf, "'");
                for (const char *c = v->s; *c; c++)
                        append(buf, "%s%c", *c == '\'' || *c == '\\' ? "\\" : "", *c);
                append(buf, "'");
                break;
        case 'a':
        case '(':
                append(buf, "%c", v->sig[0] == 'a' ? '[' : '(');
                for (size_t i = 0; i < v->n_items; i++) {
                        if (i > 0)
                                append(buf, ", ");
                        value_format(buf, &v->items[i]);
                }
                append(buf, "%c", v->sig[0] == 'a' ? ']' : ')');
                break;
        default:
                append(buf, "?");
        }
}

char *unit_value_to_string(const struct unit_value *v)
{
        char *buf = NULL;
        value_format(&buf, v);
        return buf ? buf : xstrdup("");
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

static int bus_connect_address(const char *address, uint64_t timeout, sd_bus **ret)
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

static int bus_connect(sd_bus **ret, berth_error **err)
{
        int lr = sd_lazy_load(err);
        if (lr < 0)
                return lr;
        uint64_t timeout = timeout_ms();
        const char *address = secure_getenv("BERTH_SYSTEMD_ADDRESS");
        if (address && *address) {
                int r = bus_connect_address(address, timeout, ret);
                if (r < 0)
                        return berth_err(err, -r,
                                         "systemd cgroup manager: connect to systemd at %s "
                                         "(BERTH_SYSTEMD_ADDRESS)",
                                         address);
                return 0;
        }
        int rp = -EPERM;
        if (geteuid() == 0) {
                rp = bus_connect_address(PRIVATE_ADDRESS, timeout, ret);
                if (rp >= 0)
                        return 0;
                log_debug("systemd: private socket %s: %s (trying the system bus)", PRIVATE_ADDRESS,
                          strerror(-rp));
        }
        _cleanup_(sd_lazy_bus_unrefp) sd_bus *bus = NULL;
        int r = sd_bus_open_system(&bus);
        if (r >= 0)
                r = sd_bus_set_method_call_timeout(bus, timeout * 1000);
        if (r < 0)
                return berth_err_plain(err, -r,
                                       "systemd cgroup manager: cannot reach systemd (private socket %s: %s; "
                                       "system bus: %s): is PID 1 systemd? (--cgroup-manager=cgroupfs "
                                       "does without it)",
                                       PRIVATE_ADDRESS, rp == -EPERM ? "not root" : strerror(-rp),
                                       strerror(-r));
        *ret = TAKE_PTR(bus);
        return 0;
}

static int append_value(sd_bus_message *m, const struct unit_value *v)
{
        char t = v->sig[0];
        switch (t) {
        case 'b': {
                int b = v->b;
                return sd_bus_message_append_basic(m, t, &b);
        }
        case 'y': {
                uint8_t x = (uint8_t)v->u;
                return sd_bus_message_append_basic(m, t, &x);
        }
        case 'n': {
                int16_t x = (int16_t)v->i;
                return sd_bus_message_append_basic(m, t, &x);
        }
        case 'q': {
                uint16_t x = (uint16_t)v->u;
                return sd_bus_message_append_basic(m, t, &x);
        }
        case 'i': {
                int32_t x = (int32_t)v->i;
                return sd_bus_message_append_basic(m, t, &x);
        }
        case 'u': {
                uint32_t x = (uint32_t)v->u;
                return sd_bus_message_append_basic(m, t, &x);
        }
        case 'x':
                return sd_bus_message_append_basic(m, t, &v->i);
        case 't':
                return sd_bus_message_append_basic(m, t, &v->u);
        case 'd':
                return sd_bus_message_append_basic(m, t, &v->d);
        case 's':
                return sd_bus_message_append_basic(m, t, v->s);
        case 'a':
        case '(': {
                _cleanup_free_ char *contents =
                    t == 'a' ? xstrdup(v->sig + 1) : xstrndup(v->sig + 1, strlen(v->sig) - 2);
                int r = sd_bus_message_open_container(m, t == 'a' ? 'a' : 'r', contents);
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

/* A Manager method with a simple argument list. */
static int manager_call(sd_bus *bus, const char *method, sd_bus_error *e, sd_bus_message **reply,
                        const char *types, ...)
{
        _cleanup_(sd_lazy_message_unrefp) sd_bus_message *m = NULL;
        int r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER, method);
        if (r < 0)
                return r;
        va_list ap;
        va_start(ap, types);
        r = sd_bus_message_appendv(m, types, ap);
        va_end(ap);
        if (r < 0)
                return r;
        return sd_bus_call(bus, m, 0, e, reply);
}

/* ---- jobs ---- */

struct job_wait {
        char *job; /* the job path waited for */
        char *result;
};

static void job_wait_done(struct job_wait *w)
{
        free(w->job);
        free(w->result);
        *w = (struct job_wait){};
}

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct job_wait *w = userdata;
        uint32_t id;
        const char *path, *unit, *result;
        if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0)
                return 0;
        /* sd_bus_call() queues signals without dispatching them: the job path is known by now. */
        if (w->job && !w->result && STREQ(path, w->job))
                w->result = xstrdup(result);
        return 0;
}

/* Subscribes w to JobRemoved; a direct connection (private socket) has no sender names. */
static int job_subscribe(sd_bus *bus, struct job_wait *w, sd_bus_slot **ret)
{
        return sd_bus_match_signal(bus, ret, sd_bus_is_bus_client(bus) > 0 ? SD_DEST : NULL, SD_PATH,
                                   SD_MANAGER, "JobRemoved", on_job_removed, w);
}

/* Takes the job path from a reply "o". */
static int job_from_reply(sd_bus_message *reply, struct job_wait *w)
{
        const char *job;
        int r = sd_bus_message_read(reply, "o", &job);
        if (r < 0)
                return r;
        w->job = xstrdup(job);
        return 0;
}

/* 0 when the job finished (its result in w->result), -ETIMEDOUT, or a bus error. */
static int job_wait(sd_bus *bus, struct job_wait *w, uint64_t timeout)
{
        uint64_t deadline = now_usec() + timeout * 1000;
        while (!w->result) {
                int r = sd_bus_process(bus, NULL);
                if (r < 0)
                        return r;
                if (r > 0)
                        continue;
                uint64_t now = now_usec();
                if (now >= deadline)
                        return -ETIMEDOUT;
                r = sd_bus_wait(bus, deadline - now);
                if (r < 0 && r != -EINTR)
                        return r;
        }
        return 0;
}

static void reset_failed(sd_bus *bus, const char *unit)
{
        _cleanup_(sd_lazy_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        int r = manager_call(bus, "ResetFailedUnit", &e, NULL, "s", unit);
        if (r < 0 && !sd_bus_error_has_name(&e, ERR_NO_SUCH_UNIT))
                log_debug("systemd: ResetFailedUnit %s: %s", unit, e.message ? e.message : strerror(-r));
}

/*
 * StopUnit(unit, "replace") and wait for the job, then ResetFailedUnit. A unit that is not loaded (gone:
 * CollectMode=inactive-or-failed collects it once its processes are gone) needs no job: that is fast.
 */
static int stop_unit(sd_bus *bus, const char *unit, uint64_t timeout, berth_error **err)
{
        struct job_wait w = {};
        _cleanup_(sd_lazy_slot_unrefp) sd_bus_slot *slot = NULL;
        _cleanup_(sd_lazy_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_lazy_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *what = xasprintf("systemd: stop unit %s", unit);
        int r = job_subscribe(bus, &w, &slot);
        if (r < 0)
                return berth_err(err, -r, "systemd: subscribe to JobRemoved");
        r = manager_call(bus, "StopUnit", &e, &reply, "ss", unit, "replace");
        if (r < 0) {
                if (sd_bus_error_has_name(&e, ERR_NO_SUCH_UNIT)) {
                        log_debug("systemd: %s is gone already", unit);
                        return 0;
                }
                return bus_error(err, what, &e, r);
        }
        r = job_from_reply(reply, &w);
        if (r >= 0)
                r = job_wait(bus, &w, timeout);
        if (r == -ETIMEDOUT)
                r = berth_err_plain(err, ETIMEDOUT, "%s: job %s did not finish within %" PRIu64 " ms", what,
                                    w.job, timeout);
        else if (r < 0)
                r = bus_error(err, what, NULL, r);
        else if (!STREQ(w.result, "done"))
                log_debug("%s: job %s finished with result \"%s\"", what, w.job, w.result);
        job_wait_done(&w);
        if (r >= 0)
                reset_failed(bus, unit);
        return r < 0 ? r : 0;
}

/* The unit's cgroup as systemd reports it ("/machine.slice/berth-c1.scope"). */
static int unit_control_group(sd_bus *bus, const char *unit, char **ret)
{
        _cleanup_free_ char *path = NULL;
        _cleanup_(sd_lazy_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        int r = sd_bus_path_encode(SD_UNIT_PATH, unit, &path);
        if (r < 0)
                return r;
        const char *iface =
            endswith(unit, ".slice") ? "org.freedesktop.systemd1.Slice" : "org.freedesktop.systemd1.Scope";
        return sd_bus_get_property_string(bus, SD_DEST, path, iface, "ControlGroup", &e, ret);
}

/* ---- the manager ---- */

/* The same cgroup seen by the cgroupfs manager, for file-level work. */
static struct cgroup fs_view(const struct cgroup *cg)
{
        return (struct cgroup){
            .type = CGROUP_MANAGER_CGROUPFS,
            .ops = cgroup_manager_cgroupfs.ops,
            .path = cg->path,
            .mountpoint = cg->mountpoint,
            .id = cg->id,
        };
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

static int start_transient(sd_bus *bus, const char *unit, const struct unit_props *props, struct job_wait *w,
                           sd_bus_error *e)
{
        _cleanup_(sd_lazy_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        int r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "StartTransientUnit");
        if (r >= 0)
                r = sd_bus_message_append(m, "ss", unit, "fail");
        if (r >= 0)
                r = append_props(m, unit, props);
        if (r >= 0)
                r = sd_bus_message_append(m, "a(sa(sv))", 0);
        if (r >= 0)
                r = sd_bus_call(bus, m, 0, e, &reply);
        if (r >= 0)
                r = job_from_reply(reply, w);
        return r;
}

/* Starts the unit and waits for its job. *ret_created tells whether the unit exists because of us. */
static int start_unit(sd_bus *bus, const char *unit, const struct unit_props *props, bool *ret_created,
                      berth_error **err)
{
        uint64_t timeout = timeout_ms();
        struct job_wait w = {};
        _cleanup_(sd_lazy_slot_unrefp) sd_bus_slot *slot = NULL;
        _cleanup_free_ char *what = xasprintf("systemd: start transient unit %s", unit);
        *ret_created = false;
        int r = job_subscribe(bus, &w, &slot);
        if (r < 0)
                return berth_err(err, -r, "systemd: subscribe to JobRemoved");
        for (int attempt = 0;; attempt++) {
                _cleanup_(sd_lazy_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                r = start_transient(bus, unit, props, &w, &e);
                if (r >= 0)
                        break;
                if (attempt == 0 && sd_bus_error_has_name(&e, ERR_UNIT_EXISTS)) {
                        /* Most likely a failed leftover of an earlier container of that name. */
                        log_debug("systemd: %s exists: ResetFailedUnit and retry once", unit);
                        reset_failed(bus, unit);
                        continue;
                }
                return bus_error(err, what, &e, r);
        }
        *ret_created = true;
        r = job_wait(bus, &w, timeout);
        if (r == -ETIMEDOUT)
                r = berth_err_plain(err, ETIMEDOUT, "%s: job %s did not finish within %" PRIu64 " ms", what,
                                    w.job, timeout);
        else if (r < 0)
                r = bus_error(err, what, NULL, r);
        else if (!STREQ(w.result, "done"))
                r = berth_err_plain(err, EIO, "%s: job %s finished with result \"%s\"", what, w.job,
                                    w.result);
        job_wait_done(&w);
        return r;
}

/* After a failure: nothing is left behind (the unit stopped and its failed state reset). */
static void undo_unit(sd_bus *bus, const char *unit)
{
        _cleanup_error_ berth_error *e = NULL;
        if (stop_unit(bus, unit, MIN(timeout_ms(), (uint64_t)CLEANUP_TIMEOUT_MS), &e) < 0)
                log_warn("%s", e->msg);
        reset_failed(bus, unit);
}

static int sd_create(struct cgroup *cg, const struct spec *spec, pid_t pid, berth_error **err)
{
        const struct spec_linux *l = spec ? spec->linux : NULL;
        _cleanup_free_ char *slice = NULL, *unit = NULL, *path = NULL;
        int r = systemd_resolve_cgroups_path(l ? l->cgroups_path : NULL, cg->id, &slice, &unit, &path, err);
        if (r < 0)
                return r;

        /* Everything that can fail without systemd fails first. */
        _cleanup_(systemd_resources_done) struct systemd_resources res = {};
        r = systemd_resources_to_props(l ? &l->resources : NULL, NULL, &res, err);
        if (r < 0)
                return r;
        _cleanup_(unit_props_done) struct unit_props props = {};
        base_props(&props, cg, spec, slice, pid);
        unit_props_extend(&props, &res.props);
        if (spec &&
            (r = systemd_annotations_to_props(spec->annotations, spec->n_annotations, &props, err)) < 0)
                return r;

        _cleanup_(sd_lazy_bus_unrefp) sd_bus *bus = NULL;
        if ((r = bus_connect(&bus, err)) < 0)
                return r;
        bool created;
        r = start_unit(bus, cg->unit, &props, &created, err);
        if (r >= 0) {
                _cleanup_free_ char *cgpath = NULL;
                int k = unit_control_group(bus, cg->unit, &cgpath);
                if (k >= 0 && cgpath[0] == '/' && !STREQ(cgpath, cg->path)) {
                        log_debug("systemd: %s is at %s (not %s)", cg->unit, cgpath, cg->path);
                        free(cg->path);
                        cg->path = TAKE_PTR(cgpath);
                } else if (k < 0)
                        log_debug("systemd: read ControlGroup of %s: %s", cg->unit, strerror(-k));
        }
        struct cgroup fs = fs_view(cg);
        /* A slice takes no PIDs= property: the process joins through the cgroup file. */
        if (r >= 0 && endswith(cg->unit, ".slice") && pid > 0)
                r = fs.ops->enter(&fs, pid, err);
        if (r >= 0 && res.has_left)
                r = fs.ops->update(&fs, &res.left, err);
        if (r < 0 && created)
                undo_unit(bus, cg->unit);
        return r;
}

static int sd_enter(struct cgroup *cg, pid_t pid, berth_error **err)
{
        /* The scope is delegated: the cgroup file is enough, and needs no round trip. */
        struct cgroup fs = fs_view(cg);
        _cleanup_error_ berth_error *fserr = NULL;
        if (fs.ops->enter(&fs, pid, &fserr) >= 0)
                return 0;
        _cleanup_(sd_lazy_bus_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_lazy_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_error_ berth_error *cerr = NULL;
        int r = bus_connect(&bus, &cerr);
        if (r < 0)
                return berth_err_plain(err, -r, "%s; %s", fserr->msg, cerr->msg);
        r = manager_call(bus, "AttachProcessesToUnit", &e, NULL, "ssau", cg->unit, "", 1, (uint32_t)pid);
        if (r < 0) {
                _cleanup_free_ char *what =
                    xasprintf("%s; systemd: AttachProcessesToUnit %s %d", fserr->msg, cg->unit, (int)pid);
                return bus_error(err, what, &e, r);
        }
        return 0;
}

static int sd_destroy(struct cgroup *cg, berth_error **err)
{
        _cleanup_(sd_lazy_bus_unrefp) sd_bus *bus = NULL;
        int r = bus_connect(&bus, err);
        if (r >= 0)
                r = stop_unit(bus, cg->unit, timeout_ms(), err);
        if (r < 0)
                return r;
        /* systemd removes the cgroup with the unit; sub-cgroups the container made are trimmed by it too. */
        _cleanup_free_ char *dir = xasprintf("%s%s", cg->mountpoint, cg->path);
        if (access(dir, F_OK) == 0) {
                struct cgroup fs = fs_view(cg);
                return fs.ops->destroy(&fs, err);
        }
        return 0;
}

static bool method_unknown(const sd_bus_error *e)
{
        return sd_bus_error_has_names(e, SD_BUS_ERROR_UNKNOWN_METHOD, SD_BUS_ERROR_NOT_SUPPORTED);
}

static int sd_freeze(struct cgroup *cg, bool frozen, berth_error **err)
{
        _cleanup_(sd_lazy_bus_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_lazy_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        const char *method = frozen ? "FreezeUnit" : "ThawUnit";
        int r = bus_connect(&bus, err);
        if (r < 0)
                return r;
        /* The reply comes once the unit is frozen (thawed). */
        r = manager_call(bus, method, &e, NULL, "s", cg->unit);
        if (r >= 0)
                return 0;
        if (method_unknown(&e)) {
                /* systemd before 246 (or a unit that cannot freeze): the cgroup v2 freezer directly. */
                log_debug("systemd: %s %s: %s: using cgroup.freeze", method, cg->unit, e.message);
                struct cgroup fs = fs_view(cg);
                return fs.ops->freeze(&fs, frozen, err);
        }
        _cleanup_free_ char *what = xasprintf("systemd: %s %s", method, cg->unit);
        return bus_error(err, what, &e, r);
}

static int sd_is_frozen(struct cgroup *cg)
{
        _cleanup_(sd_lazy_bus_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_lazy_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *path = NULL, *state = NULL;
        if (bus_connect(&bus, NULL) >= 0 && sd_bus_path_encode(SD_UNIT_PATH, cg->unit, &path) >= 0 &&
            sd_bus_get_property_string(bus, SD_DEST, path, "org.freedesktop.systemd1.Unit", "FreezerState",
                                       &e, &state) >= 0 &&
            STREQ(state, "frozen"))
                return 1;
        /* Not frozen by systemd; the kernel's word covers a freeze through the cgroup.freeze fallback. */
        struct cgroup fs = fs_view(cg);
        return fs.ops->is_frozen(&fs);
}

static int sd_kill_all(struct cgroup *cg, int sig, berth_error **err)
{
        _cleanup_(sd_lazy_bus_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_lazy_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        int r = bus_connect(&bus, err);
        if (r < 0)
                return r;
        r = manager_call(bus, "KillUnit", &e, NULL, "ssi", cg->unit, "all", (int32_t)sig);
        if (r >= 0)
                return 0;
        if (sd_bus_error_has_name(&e, ERR_NO_SUCH_UNIT)) {
                /* The unit is gone (collected): whatever is left in the cgroup, if it still exists. */
                struct cgroup fs = fs_view(cg);
                return fs.ops->kill_all(&fs, sig, err);
        }
        _cleanup_free_ char *what = xasprintf("systemd: KillUnit %s signal %d", cg->unit, sig);
        return bus_error(err, what, &e, r);
}

static int sd_pids(struct cgroup *cg, pid_t **ret, size_t *n, berth_error **err)
{
        struct cgroup fs = fs_view(cg);
        return fs.ops->pids(&fs, ret, n, err);
}

static int sd_update(struct cgroup *cg, const struct spec_resources *resources, berth_error **err)
{
        _cleanup_(systemd_resources_done) struct systemd_resources res = {};
        int r = systemd_resources_to_props(resources, NULL, &res, err);
        if (r < 0)
                return r;
        if (res.props.n > 0) {
                _cleanup_(sd_lazy_bus_unrefp) sd_bus *bus = NULL;
                _cleanup_(sd_lazy_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                _cleanup_(sd_lazy_message_unrefp) sd_bus_message *m = NULL;
                if ((r = bus_connect(&bus, err)) < 0)
                        return r;
                r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER,
                                                   "SetUnitProperties");
                if (r >= 0)
                        r = sd_bus_message_append(m, "sb", cg->unit, 1);
                if (r >= 0)
                        r = append_props(m, cg->unit, &res.props);
                if (r >= 0)
                        r = sd_bus_call(bus, m, 0, &e, NULL);
                if (r < 0) {
                        _cleanup_free_ char *what = xasprintf("systemd: SetUnitProperties %s", cg->unit);
                        return bus_error(err, what, &e, r);
                }
        }
        if (!res.has_left)
                return 0;
        struct cgroup fs = fs_view(cg);
        return fs.ops->update(&fs, &res.left, err);
}

static int sd_init_new(struct cgroup *cg, const struct spec *spec, berth_error **err)
{
        const char *cgroups_path = spec && spec->linux ? spec->linux->cgroups_path : NULL;
        _cleanup_free_ char *slice = NULL;
        int r = systemd_resolve_cgroups_path(cgroups_path, cg->id, &slice, &cg->unit, &cg->path, err);
        if (r < 0)
                return r;
        return cgroupfs_find_mountpoint(&cg->mountpoint, NULL, err);
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
};

const struct cgroup_manager_impl cgroup_manager_systemd = {
    .ops = &sd_ops,
    .init_new = sd_init_new,
    .init_open = sd_init_open,
};
