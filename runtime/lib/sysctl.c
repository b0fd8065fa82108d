/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * linux.sysctl: validated against the namespaces of the container (only namespaced keys may be set, as
 * runc allows), then written through the container's /proc/sys after pivot_root.
 */
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>

#include "rootfs.h"

/* IPC namespace keys besides the fs.mqueue.* prefix. */
static const char *const ipc_keys[] = {
    "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
    "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
};

static const struct spec_namespace *find_namespace(const struct spec *spec, enum ns_type t)
{
        if (!spec->linux)
                return NULL;
        for (size_t i = 0; i < spec->linux->n_namespaces; i++)
                if (spec->linux->namespaces[i].type == t)
                        return &spec->linux->namespaces[i];
        return NULL;
}

/* A key is dot-separated names: no "/", no empty or ".." component. */
static bool sysctl_key_valid(const char *key)
{
        if (!key || !*key || strchr(key, '/') || key[0] == '.' || key[strlen(key) - 1] == '.')
                return false;
        if (strstr(key, "..") || strchr(key, '\n'))
                return false;
        return true;
}

static bool is_ipc_key(const char *key)
{
        if (startswith(key, "fs.mqueue."))
                return true;
        for (size_t i = 0; i < ELEMENTSOF(ipc_keys); i++)
                if (STREQ(key, ipc_keys[i]))
                        return true;
        return false;
}

/* True when the namespace file at path is the caller's own network namespace (joining it would mean the
 * host's). Unreadable paths are left to the namespace code to report. */
static bool is_own_netns(const char *path)
{
        struct stat a, b;
        if (stat(path, &a) < 0 || stat("/proc/self/ns/net", &b) < 0)
                return false;
        return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int sysctl_validate(const struct spec *spec, berth_error **err)
{
        if (!spec->linux)
                return 0;
        for (size_t i = 0; i < spec->linux->n_sysctl; i++) {
                const char *key = spec->linux->sysctl[i].key;
                if (!sysctl_key_valid(key))
                        return berth_err(err, 0, "linux.sysctl: \"%s\" is not a valid sysctl name",
                                         key ? key : "");
                if (!spec->linux->sysctl[i].value)
                        return berth_err(err, 0, "linux.sysctl: \"%s\" has no value", key);

                if (is_ipc_key(key)) {
                        if (!find_namespace(spec, NS_IPC))
                                return berth_err(err, 0,
                                                 "linux.sysctl: \"%s\" needs an ipc namespace, but the "
                                                 "container shares the host's",
                                                 key);
                        continue;
                }
                if (startswith(key, "net.")) {
                        const struct spec_namespace *ns = find_namespace(spec, NS_NET);
                        if (!ns || (ns->path && is_own_netns(ns->path)))
                                return berth_err(err, 0,
                                                 "linux.sysctl: \"%s\" needs a network namespace of the "
                                                 "container, but it uses the host's",
                                                 key);
                        continue;
                }
                if (STREQ(key, "kernel.hostname") || STREQ(key, "kernel.domainname")) {
                        if (!find_namespace(spec, NS_UTS))
                                return berth_err(err, 0,
                                                 "linux.sysctl: \"%s\" needs a uts namespace, but the "
                                                 "container shares the host's",
                                                 key);
                        continue;
                }
                return berth_err(err, 0, "linux.sysctl: \"%s\" is not in a namespace of the container", key);
        }
        return 0;
}

int sysctl_apply(const struct spec *spec, berth_error **err)
{
        if (!spec->linux || spec->linux->n_sysctl == 0)
                return 0;

        _cleanup_close_ int procsys = open("/proc/sys", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (procsys < 0)
                return berth_err(err, errno, "linux.sysctl: open /proc/sys");
        struct statfs sfs;
        if (fstatfs(procsys, &sfs) < 0)
                return berth_err(err, errno, "linux.sysctl: statfs /proc/sys");
        if (sfs.f_type != PROC_SUPER_MAGIC)
                return berth_err(err, 0, "linux.sysctl: /proc/sys of the container is not a procfs");

        for (size_t i = 0; i < spec->linux->n_sysctl; i++) {
                const struct spec_kv *kv = &spec->linux->sysctl[i];
                if (!sysctl_key_valid(kv->key))
                        return berth_err(err, 0, "linux.sysctl: \"%s\" is not a valid sysctl name",
                                         kv->key ? kv->key : "");
                _cleanup_free_ char *rel = xstrdup(kv->key);
                for (char *p = rel; *p; p++)
                        if (*p == '.')
                                *p = '/';

                /* Stay below /proc/sys: no symlinks, no "..", no other mounts. */
                struct open_how how = {
                    .flags = O_WRONLY | O_NOCTTY | O_CLOEXEC,
                    .resolve =
                        RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
                };
                _cleanup_close_ int fd = (int)syscall(SYS_openat2, procsys, rel, &how, sizeof(how));
                if (fd < 0)
                        return berth_err(err, errno, "linux.sysctl: \"%s\": open /proc/sys/%s", kv->key, rel);
                const char *v = kv->value ? kv->value : "";
                size_t len = strlen(v);
                ssize_t n = write(fd, v, len);
                if (n < 0)
                        return berth_err(err, errno, "linux.sysctl: \"%s\": write \"%s\"", kv->key, v);
                if ((size_t)n != len)
                        return berth_err(err, EIO, "linux.sysctl: \"%s\": short write of \"%s\"", kv->key, v);
        }
        return 0;
}
