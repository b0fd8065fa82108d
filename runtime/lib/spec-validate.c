/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Checks on a parsed config that span several fields (or that the typed parser cannot express), run by
 * spec_parse() before anything is created. Every message names the JSON path, e.g.
 *   "linux.namespaces[3].type: duplicate namespace \"pid\"".
 */
#include <inttypes.h>

#include "spec-internal.h"
#include "spec.h"

#define BERTH_SCHED_FIFO     1
#define BERTH_SCHED_RR       2
#define BERTH_SCHED_DEADLINE 6

/* Parses one decimal version component; returns the character after it, or NULL. */
static const char *parse_component(const char *s, unsigned long *ret)
{
        if (*s < '0' || *s > '9')
                return NULL;
        unsigned long v = 0;
        for (; *s >= '0' && *s <= '9'; s++) {
                if (v > 100000)
                        return NULL;
                v = v * 10 + (unsigned long)(*s - '0');
        }
        *ret = v;
        return s;
}

int spec_check_oci_version(const char *v, berth_error **err)
{
        if (!v)
                return sj_missing(err, "", "ociVersion");
        unsigned long major, minor, patch;
        const char *p = parse_component(v, &major);
        if (p && *p == '.')
                p = parse_component(p + 1, &minor);
        else
                p = NULL;
        if (p && *p == '.')
                p = parse_component(p + 1, &patch);
        else
                p = NULL;
        /* SemVer pre-release ("-rc.1", "-dev") and build ("+dev") suffixes */
        if (!p || (*p && ((*p != '-' && *p != '+') || !p[1])))
                return berth_err(err, 0, "ociVersion: \"%s\" is not a valid version (MAJOR.MINOR.PATCH)", v);
        if (major != 1 || minor > 3)
                return berth_err(err, 0,
                                 "ociVersion: \"%s\" is not supported (berth supports 1.0.0 to 1.3.x)", v);
        return 0;
}

static bool path_has_dotdot(const char *p)
{
        for (const char *c = p; *c;) {
                const char *end = strchrnul(c, '/');
                if (end - c == 2 && c[0] == '.' && c[1] == '.')
                        return true;
                c = *end ? end + 1 : end;
        }
        return false;
}

/* ---- process ----------------------------------------------------------------------------------------- */

static int validate_scheduler(const struct spec_scheduler *s, const char *ppath, berth_error **err)
{
        _cleanup_free_ char *path = sj_path(ppath, "scheduler");
        if (s->nice < -20 || s->nice > 19)
                return berth_err(err, 0, "%s.nice: %" PRIi32 " is out of range (-20 to 19)", path, s->nice);
        bool rt = s->policy_value == BERTH_SCHED_FIFO || s->policy_value == BERTH_SCHED_RR;
        if (rt && (s->priority < 1 || s->priority > 99))
                return berth_err(err, 0, "%s.priority: %" PRIi32 " is out of range for %s (1 to 99)", path,
                                 s->priority, s->policy);
        if (!rt && s->priority != 0)
                return berth_err(err, 0, "%s.priority: only SCHED_FIFO and SCHED_RR take a priority, not %s",
                                 path, s->policy);
        if (s->policy_value != BERTH_SCHED_DEADLINE) {
                if (s->runtime || s->deadline || s->period)
                        return berth_err(
                            err, 0, "%s: runtime, deadline and period only apply to SCHED_DEADLINE", path);
        } else {
                if (s->deadline == 0)
                        return berth_err(err, 0, "%s.deadline: SCHED_DEADLINE needs a deadline", path);
                if (s->runtime > s->deadline)
                        return berth_err(err, 0, "%s.runtime: must not exceed deadline", path);
                if (s->period != 0 && s->deadline > s->period)
                        return berth_err(err, 0, "%s.deadline: must not exceed period", path);
        }
        return 0;
}

static int validate_rlimits(const struct spec_process *p, const char *ppath, berth_error **err)
{
        _cleanup_free_ char *base = sj_path(ppath, "rlimits");
        for (size_t i = 0; i < p->n_rlimits; i++) {
                const struct spec_rlimit *rl = &p->rlimits[i];
                for (size_t j = 0; j < i; j++)
                        if (p->rlimits[j].resource == rl->resource)
                                return berth_err(err, 0, "%s[%zu].type: duplicate rlimit \"%s\"", base, i,
                                                 rl->type);
                if (rl->soft > rl->hard)
                        return berth_err(
                            err, 0, "%s[%zu]: soft limit %" PRIu64 " is greater than hard limit %" PRIu64,
                            base, i, rl->soft, rl->hard);
        }
        return 0;
}

int spec_validate_process(const struct spec_process *p, const char *path, berth_error **err)
{
        int r;
        if (strv_length(p->args) == 0) {
                _cleanup_free_ char *a = sj_path(path, "args");
                return berth_err(err, 0, "%s: must be a non-empty array of strings", a);
        }
        if (p->command_line) {
                _cleanup_free_ char *c = sj_path(path, "commandLine");
                return berth_err(err, 0, "%s: only supported on Windows (use args)", c);
        }
        if (!p->cwd)
                return sj_missing(err, path, "cwd");
        if (p->cwd[0] != '/') {
                _cleanup_free_ char *c = sj_path(path, "cwd");
                return berth_err(err, 0, "%s: must be an absolute path (got \"%s\")", c, p->cwd);
        }
        for (size_t i = 0; p->env && p->env[i]; i++) {
                const char *eq = strchr(p->env[i], '=');
                if (!eq || eq == p->env[i]) {
                        _cleanup_free_ char *e = sj_path(path, "env");
                        return berth_err(err, 0, "%s[%zu]: \"%s\" is not of the form KEY=VALUE", e, i,
                                         p->env[i]);
                }
        }
        if ((r = validate_rlimits(p, path, err)) < 0)
                return r;
        if (p->has_scheduler && (r = validate_scheduler(&p->scheduler, path, err)) < 0)
                return r;
        if (p->has_io_priority && (p->io_priority.priority < 0 || p->io_priority.priority > 7)) {
                _cleanup_free_ char *io = sj_path(path, "ioPriority");
                return berth_err(err, 0, "%s.priority: %d is out of range (0 to 7)", io,
                                 p->io_priority.priority);
        }
        return 0;
}

/* ---- mounts and hooks -------------------------------------------------------------------------------- */

static int validate_mounts(const struct spec *s, berth_error **err)
{
        for (size_t i = 0; i < s->n_mounts; i++) {
                const struct spec_mount *m = &s->mounts[i];
                if (m->destination[0] != '/')
                        return berth_err(err, 0,
                                         "mounts[%zu].destination: must be an absolute path (got \"%s\")", i,
                                         m->destination);
                if (path_has_dotdot(m->destination))
                        return berth_err(err, 0,
                                         "mounts[%zu].destination: must not contain \"..\" (got \"%s\")", i,
                                         m->destination);
                if (m->uid_mappings || m->gid_mappings)
                        return berth_err_plain(err, EOPNOTSUPP,
                                               "mounts[%zu]: idmapped mounts are not supported", i);
        }
        return 0;
}

static int validate_hooks(const struct spec *s, berth_error **err)
{
        for (enum hook_stage st = 0; st < _HOOK_STAGE_MAX; st++)
                for (size_t i = 0; i < s->hooks.n_hooks[st]; i++) {
                        const struct spec_hook *h = &s->hooks.hooks[st][i];
                        const char *name = hook_stage_to_string(st);
                        if (h->path[0] != '/')
                                return berth_err(err, 0,
                                                 "hooks.%s[%zu].path: must be an absolute path (got \"%s\")",
                                                 name, i, h->path);
                        if (h->has_timeout && h->timeout <= 0)
                                return berth_err(err, 0, "hooks.%s[%zu].timeout: must be greater than 0",
                                                 name, i);
                }
        return 0;
}

/* ---- linux ------------------------------------------------------------------------------------------- */

static int validate_mappings(const struct spec_id_mapping *maps, size_t n, const char *key, berth_error **err)
{
        for (size_t i = 0; i < n; i++) {
                if (maps[i].size == 0)
                        return berth_err(err, 0, "linux.%s[%zu].size: must be greater than 0", key, i);
                if ((uint64_t)maps[i].container_id + maps[i].size > UINT64_C(1) << 32 ||
                    (uint64_t)maps[i].host_id + maps[i].size > UINT64_C(1) << 32)
                        return berth_err(err, 0, "linux.%s[%zu]: the range goes beyond 4294967295", key, i);
        }
        return 0;
}

static int validate_namespaces(const struct spec *s, berth_error **err)
{
        const struct spec_linux *l = s->linux;
        size_t n = l ? l->n_namespaces : 0;
        for (size_t i = 0; i < n; i++) {
                const struct spec_namespace *ns = &l->namespaces[i];
                for (size_t j = 0; j < i; j++)
                        if (l->namespaces[j].type == ns->type)
                                return berth_err(err, 0,
                                                 "linux.namespaces[%zu].type: duplicate namespace \"%s\"", i,
                                                 ns_type_to_string(ns->type));
                if (ns->path && ns->path[0] != '/')
                        return berth_err(err, 0,
                                         "linux.namespaces[%zu].path: must be an absolute path (got \"%s\")",
                                         i, ns->path);
                if (ns->type == NS_USER && !ns->path && l->n_uid_mappings == 0 && l->n_gid_mappings == 0)
                        return berth_err(
                            err, 0,
                            "linux.namespaces[%zu]: a new user namespace needs linux.uidMappings and "
                            "linux.gidMappings (or a path to join)",
                            i);
        }

        const struct spec_namespace *user = spec_namespace(s, NS_USER);
        if (l && !user && l->n_uid_mappings > 0)
                return berth_err(err, 0, "linux.uidMappings: needs a user namespace in linux.namespaces");
        if (l && !user && l->n_gid_mappings > 0)
                return berth_err(err, 0, "linux.gidMappings: needs a user namespace in linux.namespaces");

        const struct spec_namespace *time_ns = spec_namespace(s, NS_TIME);
        if (l && l->has_time_offsets && (!time_ns || time_ns->path))
                return berth_err(err, 0, "linux.timeOffsets: needs a new time namespace in linux.namespaces");

        /* runc's rule: a uts namespace entry, created or joined, so the host's name is never changed. */
        const struct spec_namespace *uts = spec_namespace(s, NS_UTS);
        if (s->hostname && *s->hostname && !uts)
                return berth_err(err, 0, "hostname: needs a uts namespace in linux.namespaces");
        if (s->domainname && *s->domainname && !uts)
                return berth_err(err, 0, "domainname: needs a uts namespace in linux.namespaces");

        if (l && (strv_length(l->masked_paths) > 0 || strv_length(l->readonly_paths) > 0) &&
            !spec_namespace(s, NS_MOUNT))
                return berth_err(err, 0, "linux.%s: needs a mount namespace in linux.namespaces",
                                 strv_length(l->masked_paths) > 0 ? "maskedPaths" : "readonlyPaths");
        return 0;
}

static int validate_devices(const struct spec_linux *l, berth_error **err)
{
        for (size_t i = 0; i < l->n_devices; i++) {
                const char *p = l->devices[i].path;
                if (!startswith(p, "/dev/") || !p[5] || path_has_dotdot(p))
                        return berth_err(
                            err, 0,
                            "linux.devices[%zu].path: must be an absolute path under /dev (got \"%s\")", i,
                            p);
        }
        return 0;
}

static bool action_takes_errno(enum seccomp_action a)
{
        return a == SECCOMP_ACT_ERRNO || a == SECCOMP_ACT_TRACE;
}

static int validate_seccomp(const struct spec_seccomp *sc, berth_error **err)
{
        if (sc->default_action == SECCOMP_ACT_NOTIFY)
                return berth_err(err, 0,
                                 "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
        if (sc->has_default_errno_ret && !action_takes_errno(sc->default_action))
                return berth_err(
                    err, 0,
                    "linux.seccomp.defaultErrnoRet: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
        if (sc->listener_path && sc->listener_path[0] != '/')
                return berth_err(err, 0, "linux.seccomp.listenerPath: must be an absolute path (got \"%s\")",
                                 sc->listener_path);
        for (size_t i = 0; i < sc->n_syscalls; i++) {
                const struct spec_seccomp_syscall *s = &sc->syscalls[i];
                if (strv_length(s->names) == 0)
                        return berth_err(
                            err, 0, "linux.seccomp.syscalls[%zu].names: must be a non-empty array of strings",
                            i);
                for (size_t j = 0; s->names[j]; j++)
                        if (!*s->names[j])
                                return berth_err(err, 0,
                                                 "linux.seccomp.syscalls[%zu].names[%zu]: must not be empty",
                                                 i, j);
                if (s->has_errno_ret && !action_takes_errno(s->action))
                        return berth_err(
                            err, 0,
                            "linux.seccomp.syscalls[%zu].errnoRet: only valid with SCMP_ACT_ERRNO or "
                            "SCMP_ACT_TRACE",
                            i);
        }
        return 0;
}

static int validate_linux(const struct spec *s, berth_error **err)
{
        const struct spec_linux *l = s->linux;
        int r;
        if ((r = validate_namespaces(s, err)) < 0)
                return r;
        if (!l)
                return 0;
        if ((r = validate_mappings(l->uid_mappings, l->n_uid_mappings, "uidMappings", err)) < 0 ||
            (r = validate_mappings(l->gid_mappings, l->n_gid_mappings, "gidMappings", err)) < 0 ||
            (r = validate_devices(l, err)) < 0)
                return r;
        if (l->seccomp && (r = validate_seccomp(l->seccomp, err)) < 0)
                return r;
        if (l->has_intel_rdt)
                return berth_err_plain(err, EOPNOTSUPP, "linux.intelRdt: not supported by berth");
        return 0;
}

int spec_validate(const struct spec *s, berth_error **err)
{
        int r;
        if ((r = spec_check_oci_version(s->oci_version, err)) < 0)
                return r;
        if (!s->root_path)
                return sj_missing(err, "root", "path");
        if (!*s->root_path)
                return berth_err(err, 0, "root.path: must not be empty");
        if (!s->process)
                return sj_missing(err, "", "process");
        if ((r = spec_validate_process(s->process, "process", err)) < 0 ||
            (r = validate_mounts(s, err)) < 0 || (r = validate_hooks(s, err)) < 0 ||
            (r = validate_linux(s, err)) < 0)
                return r;
        return 0;
}
