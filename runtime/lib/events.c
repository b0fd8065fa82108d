/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `berth events`: stats from the cgroup v2 files, oom events from memory.events (see events.h for the
 * format). The loop polls three things: the init's pidfd (the container stopped: return), an inotify watch on
 * memory.events (the kernel modifies it on every OOM kill: report an increase of oom_kill) and the stats
 * interval. The state directory is not kept locked while waiting, so delete and kill proceed meanwhile.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <sys/inotify.h>
#include <time.h>

#include "container.h"
#include "events.h"
#include "fs-util.h"
#include "json-util.h"
#include "log.h"
#include "proc-util.h"

#define DEFAULT_INTERVAL_USEC (5 * 1000000ULL)
#define FILE_MAX              (1024 * 1024)

/* ---- parsing ---- */

int events_kv_get(const char *text, const char *key, uint64_t *ret)
{
        size_t klen = strlen(key);
        for (const char *line = text; line && *line;) {
                const char *end = strchrnul(line, '\n');
                if ((size_t)(end - line) > klen && strncmp(line, key, klen) == 0 && line[klen] == ' ') {
                        char *e;
                        errno = 0;
                        unsigned long long v = strtoull(line + klen + 1, &e, 10);
                        if (errno || e == line + klen + 1)
                                return -EINVAL;
                        *ret = v;
                        return 0;
                }
                line = *end ? end + 1 : end;
        }
        return -ENOENT;
}

int events_parse_limit(const char *text, uint64_t *ret)
{
        if (!text)
                return -EINVAL;
        if (strncmp(text, "max", 3) == 0 && (text[3] == 0 || text[3] == '\n')) {
                *ret = UINT64_MAX;
                return 0;
        }
        char *end;
        errno = 0;
        unsigned long long v = strtoull(text, &end, 10);
        if (errno || end == text || text[0] == '-' || (*end && *end != '\n'))
                return -EINVAL;
        *ret = v;
        return 0;
}

int events_parse_interval(const char *s, uint64_t *ret_usec)
{
        static const struct {
                const char *unit;
                long double usec;
        } units[] = {
            /* "ms" before "m" */
            {"ns", 0.001L}, {"us", 1},   {"\xc2\xb5s", 1}, {"\xce\xbcs", 1},
            {"ms", 1000},   {"s", 1e6L}, {"m", 60e6L},     {"h", 3600e6L},
        };
        if (!s || !*s)
                return -EINVAL;
        const char *p = s;
        long double total = 0;
        bool bare = true;
        while (*p) {
                /* a decimal number: digits with at most one '.' (no sign, exponent or hex) */
                size_t n = strspn(p, "0123456789.");
                _cleanup_free_ char *num = xstrndup(p, n);
                if (n == 0 || strspn(num, ".") == n ||
                    (strchr(num, '.') && strchr(num, '.') != strrchr(num, '.')))
                        return -EINVAL;
                long double v = strtold(num, NULL);
                p += n;
                if (!*p) {
                        if (!bare) /* "1m30": a unit is missing */
                                return -EINVAL;
                        total += v * 1e6L;
                        break;
                }
                bare = false;
                size_t i;
                for (i = 0; i < ELEMENTSOF(units); i++)
                        if (startswith(p, units[i].unit))
                                break;
                if (i == ELEMENTSOF(units))
                        return -EINVAL;
                total += v * units[i].usec;
                p += strlen(units[i].unit);
        }
        if (total < 1 || total > (long double)UINT64_MAX / 2)
                return -EINVAL;
        *ret_usec = (uint64_t)(total + 0.5L); /* to the nearest: 2000000ns is 2000us, not 1999 */
        return 0;
}

/* ---- reading ---- */

void events_files_done(struct events_files *f)
{
        char **all[] = {&f->cpu_stat,
                        &f->memory_current,
                        &f->memory_max,
                        &f->memory_peak,
                        &f->memory_stat,
                        &f->memory_events,
                        &f->memory_swap_current,
                        &f->memory_swap_max,
                        &f->pids_current,
                        &f->pids_max,
                        &f->io_stat};
        for (size_t i = 0; i < ELEMENTSOF(all); i++) {
                free(*all[i]);
                *all[i] = NULL;
        }
        for (size_t i = 0; i < f->n_hugetlb; i++) {
                free(f->hugetlb[i].size);
                free(f->hugetlb[i].current);
                free(f->hugetlb[i].max);
                free(f->hugetlb[i].events);
        }
        free(f->hugetlb);
        f->hugetlb = NULL;
        f->n_hugetlb = 0;
}

static char *read_at(int dfd, const char *name)
{
        char *data = NULL;
        size_t len = 0;
        if (read_file_at(dfd, name, FILE_MAX, &data, &len) < 0)
                return NULL;
        return data;
}

/* Tasks in cgroup.threads of dfd and below. */
static size_t count_threads(int dfd)
{
        size_t n = 0;
        _cleanup_free_ char *threads = read_at(dfd, "cgroup.threads");
        for (const char *p = threads; p && *p; p++)
                if (*p == '\n')
                        n++;
        /* a new open file description: a dup would share (and exhaust) the directory offset */
        int dup_fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dup_fd < 0)
                return n;
        _cleanup_closedir_ DIR *d = fdopendir(dup_fd);
        if (!d) {
                close(dup_fd);
                return n;
        }
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_type != DT_DIR || STREQ(de->d_name, ".") || STREQ(de->d_name, ".."))
                        continue;
                _cleanup_close_ int sub = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (sub >= 0)
                        n += count_threads(sub);
        }
        return n;
}

static void read_hugetlb(int dfd, struct events_files *f)
{
        /* a new open file description: a dup would share (and exhaust) the directory offset */
        int dup_fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dup_fd < 0)
                return;
        _cleanup_closedir_ DIR *d = fdopendir(dup_fd);
        if (!d) {
                close(dup_fd);
                return;
        }
        struct dirent *de;
        while ((de = readdir(d))) {
                /* hugetlb.<size>.current, e.g. hugetlb.2MB.current; skip the .rsvd.* files */
                const char *n = de->d_name;
                size_t len = strlen(n);
                if (!startswith(n, "hugetlb.") || len <= strlen("hugetlb..current") ||
                    !STREQ(n + len - strlen(".current"), ".current"))
                        continue;
                _cleanup_free_ char *size =
                    xstrndup(n + strlen("hugetlb."), len - strlen("hugetlb.current."));
                if (strchr(size, '.'))
                        continue;
                f->hugetlb = xrealloc(f->hugetlb, (f->n_hugetlb + 1) * sizeof(*f->hugetlb));
                struct events_hugetlb *h = &f->hugetlb[f->n_hugetlb++];
                _cleanup_free_ char *max = xasprintf("hugetlb.%s.max", size),
                                    *ev = xasprintf("hugetlb.%s.events", size);
                *h = (struct events_hugetlb){
                    .current = read_at(dfd, n),
                    .max = read_at(dfd, max),
                    .events = read_at(dfd, ev),
                };
                h->size = TAKE_PTR(size);
        }
}

int events_files_read(const char *dir, struct events_files *ret, berth_error **err)
{
        *ret = (struct events_files){};
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return berth_err(err, errno, "cgroup %s", dir);
        struct events_files f = {
            .cpu_stat = read_at(dfd, "cpu.stat"),
            .memory_current = read_at(dfd, "memory.current"),
            .memory_max = read_at(dfd, "memory.max"),
            .memory_peak = read_at(dfd, "memory.peak"),
            .memory_stat = read_at(dfd, "memory.stat"),
            .memory_events = read_at(dfd, "memory.events"),
            .memory_swap_current = read_at(dfd, "memory.swap.current"),
            .memory_swap_max = read_at(dfd, "memory.swap.max"),
            .pids_current = read_at(dfd, "pids.current"),
            .pids_max = read_at(dfd, "pids.max"),
            .io_stat = read_at(dfd, "io.stat"),
        };
        if (!f.pids_current)
                f.pids_current = xasprintf("%zu\n", count_threads(dfd));
        read_hugetlb(dfd, &f);
        *ret = f;
        return 0;
}

/* ---- formatting ---- */

/* A compact JSON writer over a memstream: commas are placed by the nesting level. */
struct jw {
        FILE *f;
        bool need_comma[16];
        unsigned depth;
};

static void jw_string(struct jw *w, const char *s)
{
        fputc('"', w->f);
        json_escape(w->f, s);
        fputc('"', w->f);
}

static void jw_key(struct jw *w, const char *key)
{
        if (w->need_comma[w->depth])
                fputc(',', w->f);
        w->need_comma[w->depth] = true;
        if (key) {
                jw_string(w, key);
                fputc(':', w->f);
        }
}

static void jw_open(struct jw *w, const char *key, char bracket)
{
        jw_key(w, key);
        fputc(bracket, w->f);
        if (w->depth + 1 < ELEMENTSOF(w->need_comma))
                w->depth++;
        w->need_comma[w->depth] = false;
}

static void jw_close(struct jw *w, char bracket)
{
        fputc(bracket, w->f);
        if (w->depth > 0)
                w->depth--;
}

static void jw_u64(struct jw *w, const char *key, uint64_t v)
{
        jw_key(w, key);
        fprintf(w->f, "%" PRIu64, v);
}

static void jw_str(struct jw *w, const char *key, const char *v)
{
        jw_key(w, key);
        jw_string(w, v);
}

static void format_cpu(struct jw *w, const char *cpu_stat)
{
        uint64_t usage = 0, user = 0, sys = 0, periods = 0, throttled = 0, throttled_usec = 0;
        if (!cpu_stat || events_kv_get(cpu_stat, "usage_usec", &usage) < 0)
                return;
        jw_open(w, "cpu", '{');
        jw_open(w, "usage", '{');
        jw_u64(w, "total", usage * 1000);
        if (events_kv_get(cpu_stat, "system_usec", &sys) >= 0)
                jw_u64(w, "kernel", sys * 1000);
        if (events_kv_get(cpu_stat, "user_usec", &user) >= 0)
                jw_u64(w, "user", user * 1000);
        jw_close(w, '}');
        /* nr_periods and the rest exist only with the cpu controller */
        if (events_kv_get(cpu_stat, "nr_periods", &periods) >= 0) {
                jw_open(w, "throttling", '{');
                jw_u64(w, "periods", periods);
                if (events_kv_get(cpu_stat, "nr_throttled", &throttled) >= 0)
                        jw_u64(w, "throttledPeriods", throttled);
                if (events_kv_get(cpu_stat, "throttled_usec", &throttled_usec) >= 0)
                        jw_u64(w, "throttledTime", throttled_usec * 1000);
                jw_close(w, '}');
        }
        jw_close(w, '}');
}

/* "key value" lines into an object of numbers (memory.stat -> raw). */
static void format_kv_object(struct jw *w, const char *key, const char *text)
{
        jw_open(w, key, '{');
        for (const char *line = text; line && *line;) {
                const char *end = strchrnul(line, '\n');
                const char *sp = memchr(line, ' ', (size_t)(end - line));
                if (sp && sp > line) {
                        _cleanup_free_ char *k = xstrndup(line, (size_t)(sp - line));
                        char *e;
                        errno = 0;
                        unsigned long long v = strtoull(sp + 1, &e, 10);
                        if (!errno && e != sp + 1 && e == end)
                                jw_u64(w, k, v);
                }
                line = *end ? end + 1 : end;
        }
        jw_close(w, '}');
}

static void format_memory(struct jw *w, const struct events_files *f)
{
        uint64_t usage = 0, limit = UINT64_MAX, v;
        bool have_usage = f->memory_current && events_parse_limit(f->memory_current, &usage) >= 0;
        if (!have_usage && !f->memory_stat)
                return;
        jw_open(w, "memory", '{');
        if (f->memory_stat && events_kv_get(f->memory_stat, "file", &v) >= 0)
                jw_u64(w, "cache", v);
        if (have_usage) {
                if (f->memory_max)
                        (void)events_parse_limit(f->memory_max, &limit);
                jw_open(w, "usage", '{');
                jw_u64(w, "limit", limit);
                jw_u64(w, "usage", usage);
                if (f->memory_peak && events_parse_limit(f->memory_peak, &v) >= 0)
                        jw_u64(w, "max", v);
                /* cgroup v1's failcnt: how often usage hit the limit */
                jw_u64(w, "failcnt",
                       f->memory_events && events_kv_get(f->memory_events, "max", &v) >= 0 ? v : 0);
                jw_close(w, '}');
        }
        uint64_t swap = 0, swap_limit = UINT64_MAX;
        if (have_usage && f->memory_swap_current && events_parse_limit(f->memory_swap_current, &swap) >= 0) {
                /* As cgroup v1 reported it: memory+swap. */
                if (f->memory_swap_max)
                        (void)events_parse_limit(f->memory_swap_max, &swap_limit);
                if (swap_limit != UINT64_MAX && limit != UINT64_MAX)
                        swap_limit += limit;
                else
                        swap_limit = UINT64_MAX;
                jw_open(w, "swap", '{');
                jw_u64(w, "limit", swap_limit);
                jw_u64(w, "usage", swap + usage);
                jw_u64(w, "failcnt", 0);
                jw_close(w, '}');
        }
        if (f->memory_stat)
                format_kv_object(w, "raw", f->memory_stat);
        jw_close(w, '}');
}

static void format_pids(struct jw *w, const struct events_files *f)
{
        uint64_t current = 0, limit = 0;
        if (!f->pids_current || events_parse_limit(f->pids_current, &current) < 0)
                return;
        jw_open(w, "pids", '{');
        jw_u64(w, "current", current);
        /* "max" is 0, as runc reports no limit */
        if (f->pids_max && events_parse_limit(f->pids_max, &limit) >= 0)
                jw_u64(w, "limit", limit == UINT64_MAX ? 0 : limit);
        jw_close(w, '}');
}

/* io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0" per device. */
static void format_io_table(struct jw *w, const char *key, const char *io_stat, const char *rkey,
                            const char *wkey)
{
        bool opened = false;
        for (const char *line = io_stat; line && *line;) {
                const char *end = strchrnul(line, '\n');
                _cleanup_free_ char *l = xstrndup(line, (size_t)(end - line));
                line = *end ? end + 1 : end;
                unsigned major, minor;
                int n = 0;
                if (sscanf(l, "%u:%u%n", &major, &minor, &n) != 2)
                        continue;
                const char *ops[] = {rkey, wkey};
                const char *names[] = {"Read", "Write"};
                for (size_t i = 0; i < 2; i++) {
                        _cleanup_free_ char *pat = xasprintf(" %s=", ops[i]);
                        const char *at = strstr(l + n, pat);
                        if (!at)
                                continue;
                        unsigned long long v = strtoull(at + strlen(pat), NULL, 10);
                        if (!opened) {
                                jw_open(w, key, '[');
                                opened = true;
                        }
                        jw_open(w, NULL, '{');
                        jw_u64(w, "major", major);
                        jw_u64(w, "minor", minor);
                        jw_str(w, "op", names[i]);
                        jw_u64(w, "value", v);
                        jw_close(w, '}');
                }
        }
        if (opened)
                jw_close(w, ']');
}

static void format_blkio(struct jw *w, const char *io_stat)
{
        if (!io_stat)
                return;
        jw_open(w, "blkio", '{');
        format_io_table(w, "ioServiceBytesRecursive", io_stat, "rbytes", "wbytes");
        format_io_table(w, "ioServicedRecursive", io_stat, "rios", "wios");
        jw_close(w, '}');
}

static void format_hugetlb(struct jw *w, const struct events_files *f)
{
        if (f->n_hugetlb == 0)
                return;
        jw_open(w, "hugetlb", '{');
        for (size_t i = 0; i < f->n_hugetlb; i++) {
                const struct events_hugetlb *h = &f->hugetlb[i];
                uint64_t v = 0;
                jw_open(w, h->size, '{');
                if (h->current && events_parse_limit(h->current, &v) >= 0)
                        jw_u64(w, "usage", v);
                if (h->max && events_parse_limit(h->max, &v) >= 0)
                        jw_u64(w, "max", v);
                jw_u64(w, "failcnt", h->events && events_kv_get(h->events, "max", &v) >= 0 ? v : 0);
                jw_close(w, '}');
        }
        jw_close(w, '}');
}

/* A writer into a growing buffer (open_memstream): jw_finish() closes it and returns the text. */
static void jw_begin(struct jw *w, char **buf, size_t *len)
{
        *w = (struct jw){.f = open_memstream(buf, len)};
        if (!w->f)
                abort();
}

static char *jw_finish(struct jw *w, char **buf)
{
        fclose(w->f);
        return *buf;
}

char *events_stats_json(const char *id, const struct events_files *f)
{
        char *buf = NULL;
        size_t len = 0;
        struct jw w;
        jw_begin(&w, &buf, &len);
        jw_open(&w, NULL, '{');
        jw_str(&w, "type", "stats");
        jw_str(&w, "id", id);
        jw_open(&w, "data", '{');
        format_cpu(&w, f->cpu_stat);
        format_memory(&w, f);
        format_pids(&w, f);
        format_blkio(&w, f->io_stat);
        format_hugetlb(&w, f);
        jw_close(&w, '}');
        jw_close(&w, '}');
        return jw_finish(&w, &buf);
}

char *events_oom_json(const char *id)
{
        char *buf = NULL;
        size_t len = 0;
        struct jw w;
        jw_begin(&w, &buf, &len);
        jw_open(&w, NULL, '{');
        jw_str(&w, "type", "oom");
        jw_str(&w, "id", id);
        jw_close(&w, '}');
        return jw_finish(&w, &buf);
}

/* ---- the loop ---- */

static uint64_t now_usec(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static int emit(FILE *out, char *line, berth_error **err)
{
        _cleanup_free_ char *l = line;
        if (fprintf(out, "%s\n", l) < 0 || fflush(out) != 0)
                return berth_err(err, errno ?: EIO, "write event");
        return 0;
}

static int emit_stats(FILE *out, const char *id, const char *dir, berth_error **err)
{
        struct events_files f;
        int r = events_files_read(dir, &f, err);
        if (r < 0)
                return r;
        r = emit(out, events_stats_json(id, &f), err);
        events_files_done(&f);
        return r;
}

/* oom_kill of memory.events (the cgroup and its descendants); 0 when there is none. */
static uint64_t oom_kills(const char *dir)
{
        _cleanup_free_ char *path = xasprintf("%s/memory.events", dir), *data = NULL;
        size_t len = 0;
        uint64_t v = 0;
        if (read_file(path, FILE_MAX, &data, &len) >= 0)
                (void)events_kv_get(data, "oom_kill", &v);
        return v;
}

static int check_oom(FILE *out, const char *id, const char *dir, uint64_t *last, berth_error **err)
{
        uint64_t v = oom_kills(dir);
        if (v <= *last)
                return 0;
        log_debug("events %s: oom_kill %" PRIu64 " -> %" PRIu64, id, *last, v);
        *last = v;
        return emit(out, events_oom_json(id), err);
}

int berth_events(const struct berth_runtime *rt, const char *id, const struct berth_events_opts *o, FILE *out,
                 berth_error **err)
{
        _cleanup_free_ char *dir = NULL;
        _cleanup_close_ int pidfd = -1;
        {
                _cleanup_container_ struct container c = {.dirfd = -1};
                int r = container_load(rt, id, &c, err);
                if (r < 0)
                        return r;
                if (c.status == STATUS_STOPPED)
                        return berth_err_plain(err, ESRCH, "container is stopped");
                if (!c.cgroup->path || !c.cgroup->mountpoint)
                        return berth_err_plain(err, EOPNOTSUPP,
                                               "the container has no cgroup (cgroup manager \"%s\"): no "
                                               "statistics",
                                               c.cgroup->ops->name);
                dir = xasprintf("%s%s", c.cgroup->mountpoint, c.cgroup->path);
                pidfd = pidfd_open_pid(c.state->pid);
                if (pidfd < 0 || !state_init_alive(c.state))
                        return berth_err_plain(err, ESRCH, "container is stopped");
        } /* unlocked from here on */

        if (o->stats_once)
                return emit_stats(out, id, dir, err);

        uint64_t interval = o->interval_usec ? o->interval_usec : DEFAULT_INTERVAL_USEC;
        _cleanup_free_ char *events_path = xasprintf("%s/memory.events", dir);
        _cleanup_close_ int ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
        if (ino < 0)
                return berth_err(err, errno, "inotify");
        if (inotify_add_watch(ino, events_path, IN_MODIFY) < 0) {
                log_debug("events %s: %s: %s: no oom events", id, events_path, strerror(errno));
                close(ino);
                ino = -1;
        }
        uint64_t last_oom = oom_kills(dir);
        uint64_t next = now_usec();
        int r;
        for (;;) {
                uint64_t now = now_usec();
                if (now >= next) {
                        if ((r = emit_stats(out, id, dir, err)) < 0) {
                                /* the cgroup went away with the container */
                                if (pidfd_wait_exit(pidfd, 1000) > 0)
                                        return 0;
                                return r;
                        }
                        next += interval;
                        if (next <= now)
                                next = now + interval;
                        continue;
                }
                struct pollfd p[2] = {{.fd = pidfd, .events = POLLIN}, {.fd = ino, .events = POLLIN}};
                uint64_t wait_ms = (next - now + 999) / 1000;
                int n = poll(p, ino >= 0 ? 2 : 1, (int)MIN(wait_ms, (uint64_t)INT32_MAX));
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return berth_err(err, errno, "poll");
                }
                if (ino >= 0 && (p[1].revents & POLLIN)) {
                        char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
                        while (read(ino, buf, sizeof(buf)) > 0)
                                ;
                        if ((r = check_oom(out, id, dir, &last_oom, err)) < 0)
                                return r;
                }
                if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
                        /* The init is gone: a last look for an OOM kill that ended it. */
                        if ((r = check_oom(out, id, dir, &last_oom, err)) < 0)
                                return r;
                        log_debug("events %s: the container stopped", id);
                        return 0;
                }
        }
}
