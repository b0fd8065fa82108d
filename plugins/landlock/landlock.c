/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * landlock: confines the container's processes with Landlock (unprivileged, stackable kernel sandboxing) to
 * the filesystem hierarchies, TCP ports and scopes its annotations allow:
 *
 *   berth.plugin.landlock.ro=/usr:/etc          read files and list directories beneath
 *   berth.plugin.landlock.exec=/bin:/usr/bin    the same, and execute files
 *   berth.plugin.landlock.rw=/tmp:/dev          read, write, create, remove, rename, truncate (no execute, no
 *                                               device nodes)
 *   berth.plugin.landlock.tcp-bind=8080         TCP ports it may bind (empty: none; Landlock ABI 4)
 *   berth.plugin.landlock.tcp-connect=53:443    TCP ports it may connect to (empty: none; Landlock ABI 4)
 *   berth.plugin.landlock.scope=signal,abstract-unix-socket
 *                                               no signals to / abstract sockets of processes outside (ABI 6)
 *
 * Everything of the filesystem that the rules do not allow is denied (every access right the kernel knows is
 * handled). The ruleset is applied in the container init just before the user process, with container paths,
 * and is inherited by every process of the container: it cannot be lifted.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "berth/plugin.h"

/* Access rights newer than the build host's <linux/landlock.h> (values are ABI) */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14) /* ABI 3 */
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15) /* ABI 5 */
#endif
#define LL_RULE_NET_PORT       2           /* LANDLOCK_RULE_NET_PORT, ABI 4 */
#define LL_ACCESS_NET_BIND_TCP (1ULL << 0) /* ABI 4 */
#define LL_ACCESS_NET_CONN_TCP (1ULL << 1) /* ABI 4 */
#define LL_SCOPE_ABSTRACT_UNIX (1ULL << 0) /* ABI 6 */
#define LL_SCOPE_SIGNAL        (1ULL << 1) /* ABI 6 */

/* struct landlock_ruleset_attr of ABI 6; the kernel takes a prefix of it */
struct ll_ruleset_attr {
        uint64_t handled_access_fs;
        uint64_t handled_access_net;
        uint64_t scoped;
};

struct ll_net_port_attr {
        uint64_t allowed_access;
        uint64_t port;
};

#define FS_READ (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define FS_EXEC (FS_READ | LANDLOCK_ACCESS_FS_EXECUTE)
#define FS_RW                                                                                                \
        (FS_READ | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |                           \
         LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |        \
         LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_SYM |         \
         LANDLOCK_ACCESS_FS_REFER | LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV)
/* the rights that apply to a file (not a directory) */
#define FS_FILE                                                                                              \
        (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE |         \
         LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV)

static const struct berth_host *host;

static const struct path_rule {
        const char *key;
        uint64_t access;
} path_rules[] = {
    {"ro", FS_READ},
    {"exec", FS_EXEC},
    {"rw", FS_RW},
};

static const struct port_rule {
        const char *key;
        uint64_t access;
} port_rules[] = {
    {"tcp-bind", LL_ACCESS_NET_BIND_TCP},
    {"tcp-connect", LL_ACCESS_NET_CONN_TCP},
};

/* The file system rights each Landlock ABI version handles. */
static uint64_t fs_rights(int abi)
{
        uint64_t r = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1; /* ABI 1: EXECUTE ... MAKE_SYM */
        if (abi >= 2)
                r |= LANDLOCK_ACCESS_FS_REFER;
        if (abi >= 3)
                r |= LANDLOCK_ACCESS_FS_TRUNCATE;
        if (abi >= 5)
                r |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
        return r;
}

/* The kernel's Landlock ABI version (>= 1), or a negative errno after host->error(). */
static int landlock_abi(berth_container *c)
{
        long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
        if (abi >= 1)
                return (int)abi;
        if (errno == ENOSYS)
                return host->error(c, ENOSYS,
                                   "the kernel has no Landlock (Linux 5.13 or later built with "
                                   "CONFIG_SECURITY_LANDLOCK is needed)");
        if (errno == EOPNOTSUPP)
                return host->error(c, EOPNOTSUPP,
                                   "Landlock is disabled in this kernel (add \"landlock\" to the "
                                   "lsm= kernel command line parameter)");
        return host->error(c, errno, "landlock_create_ruleset: %s", strerror(errno));
}

/* The scope option's flags, or a negative errno after host->error(). */
static int64_t parse_scope(berth_container *c, const char *s)
{
        int64_t flags = 0;
        char *copy = strdup(s), *save = NULL;
        if (!copy)
                return host->error(c, ENOMEM, "out of memory");
        for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
                if (strcmp(w, "signal") == 0)
                        flags |= LL_SCOPE_SIGNAL;
                else if (strcmp(w, "abstract-unix-socket") == 0)
                        flags |= LL_SCOPE_ABSTRACT_UNIX;
                else {
                        int r = host->error(c, EINVAL,
                                            "berth.plugin.landlock.scope: unknown scope \"%s\" (signal, "
                                            "abstract-unix-socket)",
                                            w);
                        free(copy);
                        return r;
                }
        }
        free(copy);
        return flags;
}

/* Checks the syntax of a port list ("80:443"; empty: none). */
static int check_ports(berth_container *c, const char *key, const char *list)
{
        for (const char *p = list; *p;) {
                char *end;
                errno = 0;
                unsigned long v = strtoul(p, &end, 10);
                if (end == p || errno || v > 65535 || (*end && *end != ':'))
                        return host->error(c, EINVAL,
                                           "berth.plugin.landlock.%s: \"%s\" is not a list of TCP ports "
                                           "separated by ':'",
                                           key, list);
                p = *end ? end + 1 : end;
        }
        return 0;
}

/* Checks a path list ("/a:/b"): absolute paths, none empty. */
static int check_paths(berth_container *c, const char *key, const char *list)
{
        if (!*list)
                return host->error(c, EINVAL, "berth.plugin.landlock.%s: empty path list", key);
        for (const char *p = list; p;) {
                const char *end = strchr(p, ':');
                size_t n = end ? (size_t)(end - p) : strlen(p);
                if (n == 0 || p[0] != '/')
                        return host->error(c, EINVAL,
                                           "berth.plugin.landlock.%s: \"%.*s\" is not an absolute path", key,
                                           (int)n, p);
                p = end ? end + 1 : NULL;
        }
        return 0;
}

static int landlock_validate(berth_container *c)
{
        const char *value, *key;
        bool any_path = false, net = false;
        for (size_t i = 0; (key = host->option_at(c, i, &value)); i++) {
                bool known = false;
                for (size_t k = 0; k < sizeof(path_rules) / sizeof(path_rules[0]); k++)
                        if (strcmp(key, path_rules[k].key) == 0) {
                                int r = check_paths(c, key, value);
                                if (r < 0)
                                        return r;
                                known = any_path = true;
                        }
                for (size_t k = 0; k < sizeof(port_rules) / sizeof(port_rules[0]); k++)
                        if (strcmp(key, port_rules[k].key) == 0) {
                                int r = check_ports(c, key, value);
                                if (r < 0)
                                        return r;
                                known = net = true;
                        }
                if (strcmp(key, "scope") == 0) {
                        int64_t s = parse_scope(c, value);
                        if (s < 0)
                                return (int)s;
                        known = true;
                }
                if (!known)
                        return host->error(c, EINVAL,
                                           "unknown option berth.plugin.landlock.%s (ro, exec, rw, tcp-bind, "
                                           "tcp-connect, scope)",
                                           key);
        }
        if (!any_path)
                return host->error(
                    c, EINVAL,
                    "no filesystem rule: set berth.plugin.landlock.ro, .exec or .rw (at least the "
                    "process's executable must be allowed)");
        /* the container runs on this kernel: say now, not when it starts, that it cannot be confined */
        int abi = landlock_abi(c);
        if (abi < 0)
                return abi;
        if (net && abi < 4)
                return host->error(c, EOPNOTSUPP,
                                   "TCP port rules need Landlock ABI 4 (Linux 6.7), the kernel has %d", abi);
        if (host->option(c, "scope") && abi < 6)
                return host->error(c, EOPNOTSUPP,
                                   "scope needs Landlock ABI 6 (Linux 6.12), the kernel has %d", abi);
        return 0;
}

static int add_path_rules(berth_container *c, int ruleset, const char *key, const char *list, uint64_t access,
                          uint64_t handled)
{
        char *copy = strdup(list), *save = NULL;
        if (!copy)
                return host->error(c, ENOMEM, "out of memory");
        int r = 0;
        for (char *p = strtok_r(copy, ":", &save); p && r == 0; p = strtok_r(NULL, ":", &save)) {
                int fd = open(p, O_PATH | O_CLOEXEC);
                struct stat st;
                if (fd < 0 || fstat(fd, &st) < 0) {
                        r = host->error(c, errno, "berth.plugin.landlock.%s: %s: %s", key, p,
                                        strerror(errno));
                        if (fd >= 0)
                                close(fd);
                        break;
                }
                struct landlock_path_beneath_attr attr = {
                    .allowed_access = access & handled & (S_ISDIR(st.st_mode) ? ~0ULL : FS_FILE),
                    .parent_fd = fd,
                };
                if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &attr, 0) < 0)
                        r = host->error(c, errno, "berth.plugin.landlock.%s: %s: landlock_add_rule: %s", key,
                                        p, strerror(errno));
                close(fd);
        }
        free(copy);
        return r;
}

static int add_port_rules(berth_container *c, int ruleset, const char *key, const char *list, uint64_t access)
{
        for (const char *p = list; *p;) {
                char *end;
                struct ll_net_port_attr attr = {.allowed_access = access, .port = strtoul(p, &end, 10)};
                if (syscall(SYS_landlock_add_rule, ruleset, LL_RULE_NET_PORT, &attr, 0) < 0)
                        return host->error(c, errno,
                                           "berth.plugin.landlock.%s: port %llu: landlock_add_rule: %s", key,
                                           (unsigned long long)attr.port, strerror(errno));
                p = *end ? end + 1 : end;
        }
        return 0;
}

/* In the container init, after pivot_root, as the container's user, just before the user process. */
static int landlock_setup(berth_container *c)
{
        int abi = landlock_abi(c);
        if (abi < 0)
                return abi;
        struct ll_ruleset_attr attr = {.handled_access_fs = fs_rights(abi)};
        size_t attr_size = sizeof(attr.handled_access_fs);
        for (size_t k = 0; k < sizeof(port_rules) / sizeof(port_rules[0]); k++)
                if (host->option(c, port_rules[k].key)) {
                        attr.handled_access_net |= port_rules[k].access;
                        attr_size = offsetof(struct ll_ruleset_attr, scoped);
                }
        const char *scope = host->option(c, "scope");
        if (scope) {
                int64_t s = parse_scope(c, scope);
                if (s < 0)
                        return (int)s;
                attr.scoped = (uint64_t)s;
                attr_size = sizeof(attr);
        }
        int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, attr_size, 0);
        if (ruleset < 0)
                return host->error(c, errno, "landlock_create_ruleset: %s", strerror(errno));
        int r = 0;
        for (size_t k = 0; k < sizeof(path_rules) / sizeof(path_rules[0]) && r == 0; k++) {
                const char *list = host->option(c, path_rules[k].key);
                if (list)
                        r = add_path_rules(c, ruleset, path_rules[k].key, list, path_rules[k].access,
                                           attr.handled_access_fs);
        }
        for (size_t k = 0; k < sizeof(port_rules) / sizeof(port_rules[0]) && r == 0; k++) {
                const char *list = host->option(c, port_rules[k].key);
                if (list)
                        r = add_port_rules(c, ruleset, port_rules[k].key, list, port_rules[k].access);
        }
        if (r == 0 && syscall(SYS_landlock_restrict_self, ruleset, 0) < 0) {
                if (errno == EPERM && prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
                        r = host->error(c, EPERM,
                                        "Landlock needs process.noNewPrivileges set to true in "
                                        "config.json (or CAP_SYS_ADMIN)");
                else
                        r = host->error(c, errno, "landlock_restrict_self: %s", strerror(errno));
        }
        close(ruleset);
        if (r == 0)
                host->log(c, BERTH_LOG_DEBUG, "confined (Landlock ABI %d)", abi);
        return r;
}

static const struct berth_plugin landlock = {
    .abi_version = BERTH_PLUGIN_ABI_VERSION,
    .struct_size = sizeof(struct berth_plugin),
    .name = "landlock",
    .description = "confines the container's file system access, TCP ports and scopes with Landlock",
    .validate = landlock_validate,
    .setup_container = landlock_setup,
};

const struct berth_plugin *berth_plugin_entry(const struct berth_host *h)
{
        host = h;
        return &landlock;
}
