/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bridge.h"

#define STORE_DIR     ".plugins"
#define STORE_SUBDIR  "bridge"
#define NETWORK_FILE  "network"
#define MAX_OWNER_LEN 1100

static void closedirp(DIR **d)
{
        if (*d)
                closedir(*d);
}

int bfile_read_at(int dfd, const char *name, char *buf, size_t size)
{
        _cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        size_t n = 0;
        while (n < size - 1) {
                ssize_t k = read(fd, buf + n, size - 1 - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        break;
                n += (size_t)k;
        }
        buf[n] = 0;
        return (int)n;
}

static int write_all(int fd, const char *s)
{
        size_t len = strlen(s);
        while (len > 0) {
                ssize_t k = write(fd, s, len);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                s += k;
                len -= (size_t)k;
        }
        return 0;
}

int bfile_write_at(int dfd, const char *name, const char *content)
{
        char tmp[64];
        snprintf(tmp, sizeof(tmp), ".tmp-%s", name);
        _cleanup_close_ int fd =
            openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return -errno;
        int r = write_all(fd, content);
        if (r >= 0 && renameat(dfd, tmp, dfd, name) < 0)
                r = -errno;
        if (r < 0)
                unlinkat(dfd, tmp, 0);
        return r;
}

static int open_dir_at(int dfd, const char *name, bool create)
{
        if (create && mkdirat(dfd, name, 0700) < 0 && errno != EEXIST)
                return -errno;
        int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        return fd < 0 ? -errno : fd;
}

int lease_store_lock(const char *root, struct lease_store *s, struct bmsg *m)
{
        *s = (struct lease_store)LEASE_STORE_INIT;
        int r;
        s->root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (s->root_fd < 0)
                return bmsg_set(m, errno, true, "state root %s", root);
        _cleanup_close_ int plugins_fd = open_dir_at(s->root_fd, STORE_DIR, true);
        if (plugins_fd < 0) {
                r = bmsg_set(m, -plugins_fd, true, "lease store %s/" STORE_DIR, root);
                goto fail;
        }
        s->base_fd = open_dir_at(plugins_fd, STORE_SUBDIR, true);
        if (s->base_fd < 0) {
                r = bmsg_set(m, -s->base_fd, true, "lease store %s/" STORE_DIR "/" STORE_SUBDIR, root);
                goto fail;
        }
        s->lock_fd = openat(s->base_fd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (s->lock_fd < 0) {
                r = bmsg_set(m, errno, true, "lease store lock %s/" STORE_DIR "/" STORE_SUBDIR "/.lock",
                             root);
                goto fail;
        }
        while (flock(s->lock_fd, LOCK_EX) < 0)
                if (errno != EINTR) {
                        r = bmsg_set(m, errno, true, "lock the lease store %s/" STORE_DIR "/" STORE_SUBDIR,
                                     root);
                        goto fail;
                }
        return 0;
fail:
        lease_store_unlock(s);
        return r;
}

void lease_store_unlock(struct lease_store *s)
{
        closep(&s->lock_fd); /* releases the flock */
        closep(&s->base_fd);
        closep(&s->root_fd);
        *s = (struct lease_store)LEASE_STORE_INIT;
}

const char *kv_get(const char *text, const char *key, char *out, size_t n)
{
        size_t klen = strlen(key);
        for (const char *line = text; line && *line;
             line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
                if (strncmp(line, key, klen) || line[klen] != '=')
                        continue;
                const char *v = line + klen + 1;
                size_t len = strcspn(v, "\n");
                if (len >= n)
                        return NULL;
                memcpy(out, v, len);
                out[len] = 0;
                return out;
        }
        return NULL;
}

int lease_network_read(struct lease_store *s, const char *bridge, struct lease_network *ret, struct bmsg *m)
{
        *ret = (struct lease_network){.present = false};
        _cleanup_close_ int dfd = open_dir_at(s->base_fd, bridge, false);
        if (dfd == -ENOENT)
                return 0;
        if (dfd < 0)
                return bmsg_set(m, -dfd, true, "lease store of bridge %s", bridge);
        char text[512], subnet[64], gw[64], owned[8];
        int r = bfile_read_at(dfd, NETWORK_FILE, text, sizeof(text));
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return bmsg_set(m, -r, true, "lease store of bridge %s: read " NETWORK_FILE, bridge);
        if (!kv_get(text, "subnet", subnet, sizeof(subnet)) || !kv_get(text, "gateway", gw, sizeof(gw)) ||
            !kv_get(text, "owned", owned, sizeof(owned)) ||
            ipv4_parse_cidr(subnet, &ret->net, &ret->prefix) < 0 ||
            inet_pton(AF_INET, gw, &ret->gateway) != 1)
                return bmsg_set(m, EBADMSG, false, "lease store of bridge %s: " NETWORK_FILE " is corrupt",
                                bridge);
        ret->owned = !strcmp(owned, "1");
        ret->present = true;
        return 0;
}

int lease_network_write(struct lease_store *s, const struct bridge_conf *conf, bool owned, struct bmsg *m)
{
        _cleanup_close_ int dfd = open_dir_at(s->base_fd, conf->name, true);
        if (dfd < 0)
                return bmsg_set(m, -dfd, true, "lease store of bridge %s", conf->name);
        char net[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN], text[256];
        inet_ntop(AF_INET, &conf->net, net, sizeof(net));
        inet_ntop(AF_INET, &conf->gateway, gw, sizeof(gw));
        snprintf(text, sizeof(text), "subnet=%s/%u\ngateway=%s\nowned=%d\n", net, conf->prefix, gw,
                 owned ? 1 : 0);
        int r = bfile_write_at(dfd, NETWORK_FILE, text);
        if (r < 0)
                return bmsg_set(m, -r, true, "lease store of bridge %s: write " NETWORK_FILE, conf->name);
        return 0;
}

int lease_network_remove(struct lease_store *s, const char *bridge, struct bmsg *m)
{
        _cleanup_close_ int dfd = open_dir_at(s->base_fd, bridge, false);
        if (dfd == -ENOENT)
                return 0;
        if (dfd < 0)
                return bmsg_set(m, -dfd, true, "lease store of bridge %s", bridge);
        if (unlinkat(dfd, NETWORK_FILE, 0) < 0 && errno != ENOENT)
                return bmsg_set(m, errno, true, "lease store of bridge %s: remove " NETWORK_FILE, bridge);
        if (unlinkat(s->base_fd, bridge, AT_REMOVEDIR) < 0 && errno != ENOENT)
                return bmsg_set(m, errno, true, "lease store of bridge %s: remove the directory", bridge);
        return 0;
}

/* The owner of a lease file (its first line); -errno. */
static int lease_owner(int dfd, const char *name, char *owner, size_t n)
{
        int r = bfile_read_at(dfd, name, owner, n);
        if (r < 0)
                return r;
        owner[strcspn(owner, "\n")] = 0;
        return 0;
}

/* A lease whose owner's state directory is gone belongs to nobody (a container removed behind berth's back).
 */
static bool owner_gone(struct lease_store *s, const char *owner)
{
        if (!*owner || strchr(owner, '/') || !strcmp(owner, ".") || !strcmp(owner, ".."))
                return false; /* not ours to judge */
        return faccessat(s->root_fd, owner, F_OK, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT;
}

static bool is_lease_name(const char *name)
{
        struct in_addr a;
        return inet_pton(AF_INET, name, &a) == 1;
}

int lease_acquire(struct lease_store *s, const struct bridge_conf *conf, const char *id, struct in_addr *ret,
                  struct bmsg *m)
{
        _cleanup_close_ int dfd = open_dir_at(s->base_fd, conf->name, true);
        if (dfd < 0)
                return bmsg_set(m, -dfd, true, "lease store of bridge %s", conf->name);
        char content[MAX_OWNER_LEN + 2];
        if (strlen(id) > MAX_OWNER_LEN)
                return bmsg_set(m, ENAMETOOLONG, false, "container id too long for a lease");
        snprintf(content, sizeof(content), "%s\n", id);
        unsigned n_hosts = (1u << (32 - conf->prefix)) - 2;
        /* First pass: the first address without a lease. Second: one whose owner is gone, or was us. */
        for (int pass = 0; pass < 2; pass++) {
                for (unsigned h = 1; h <= n_hosts; h++) {
                        struct in_addr a = ipv4_nth(conf->net, h);
                        if (a.s_addr == conf->gateway.s_addr)
                                continue;
                        char name[INET_ADDRSTRLEN];
                        inet_ntop(AF_INET, &a, name, sizeof(name));
                        int r;
                        if (pass == 0) {
                                _cleanup_close_ int fd = openat(
                                    dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
                                if (fd < 0 && errno == EEXIST)
                                        continue;
                                if (fd < 0)
                                        return bmsg_set(m, errno, true, "lease %s on bridge %s", name,
                                                        conf->name);
                                if ((r = write_all(fd, content)) < 0) {
                                        unlinkat(dfd, name, 0);
                                        return bmsg_set(m, -r, true, "lease %s on bridge %s", name,
                                                        conf->name);
                                }
                        } else {
                                char owner[MAX_OWNER_LEN + 2];
                                if (lease_owner(dfd, name, owner, sizeof(owner)) < 0 ||
                                    (strcmp(owner, id) && !owner_gone(s, owner)))
                                        continue;
                                if ((r = bfile_write_at(dfd, name, content)) < 0)
                                        return bmsg_set(m, -r, true, "lease %s on bridge %s", name,
                                                        conf->name);
                        }
                        *ret = a;
                        return 0;
                }
        }
        char net[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &conf->net, net, sizeof(net));
        return bmsg_set(m, ENOSPC, false, "no free address left in %s/%u on bridge %s", net, conf->prefix,
                        conf->name);
}

int lease_release(struct lease_store *s, const char *bridge, struct in_addr addr, const char *id,
                  struct bmsg *m)
{
        _cleanup_close_ int dfd = open_dir_at(s->base_fd, bridge, false);
        if (dfd == -ENOENT)
                return 0;
        if (dfd < 0)
                return bmsg_set(m, -dfd, true, "lease store of bridge %s", bridge);
        char name[INET_ADDRSTRLEN], owner[MAX_OWNER_LEN + 2];
        inet_ntop(AF_INET, &addr, name, sizeof(name));
        int r = lease_owner(dfd, name, owner, sizeof(owner));
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return bmsg_set(m, -r, true, "lease %s on bridge %s", name, bridge);
        if (strcmp(owner, id))
                return 0;
        if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
                return bmsg_set(m, errno, true, "release lease %s on bridge %s", name, bridge);
        return 1;
}

/* Calls fn for every lease file of bridge; stops at fn's error. */
static int for_each_lease(struct lease_store *s, const char *bridge,
                          int (*fn)(int dfd, const char *name, void *u), void *u, struct bmsg *m)
{
        int dfd = open_dir_at(s->base_fd, bridge, false);
        if (dfd == -ENOENT)
                return 0;
        if (dfd < 0)
                return bmsg_set(m, -dfd, true, "lease store of bridge %s", bridge);
        DIR *d _cleanup_(closedirp) = fdopendir(dfd);
        if (!d) {
                int e = errno;
                close(dfd);
                return bmsg_set(m, e, true, "lease store of bridge %s", bridge);
        }
        struct dirent *de;
        while ((errno = 0, de = readdir(d))) {
                if (!is_lease_name(de->d_name))
                        continue;
                int r = fn(dirfd(d), de->d_name, u);
                if (r < 0)
                        return bmsg_set(m, -r, true, "lease %s on bridge %s", de->d_name, bridge);
        }
        if (errno)
                return bmsg_set(m, errno, true, "read the lease store of bridge %s", bridge);
        return 0;
}

static int count_one(int dfd, const char *name, void *u)
{
        (*(int *)u)++;
        return 0;
}

int lease_count(struct lease_store *s, const char *bridge, struct bmsg *m)
{
        int n = 0;
        int r = for_each_lease(s, bridge, count_one, &n, m);
        return r < 0 ? r : n;
}

struct release_ctx {
        const char *id;
        int n;
};

static int release_one(int dfd, const char *name, void *u)
{
        struct release_ctx *x = u;
        char owner[MAX_OWNER_LEN + 2];
        int r = lease_owner(dfd, name, owner, sizeof(owner));
        if (r == -ENOENT || (r >= 0 && strcmp(owner, x->id)))
                return 0;
        if (r < 0)
                return r;
        if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
                return -errno;
        x->n++;
        return 0;
}

int lease_release_all(struct lease_store *s, const char *id, struct bmsg *m)
{
        char **bridges = NULL;
        int r = lease_bridges(s, &bridges, m);
        if (r < 0)
                return r;
        struct release_ctx x = {.id = id};
        for (char **b = bridges; *b && r >= 0; b++)
                r = for_each_lease(s, *b, release_one, &x, m);
        lease_names_free(bridges);
        return r < 0 ? r : x.n;
}

void lease_names_free(char **v)
{
        if (!v)
                return;
        for (char **i = v; *i; i++)
                free(*i);
        free(v);
}

int lease_bridges(struct lease_store *s, char ***ret, struct bmsg *m)
{
        *ret = NULL;
        int dfd = fcntl(s->base_fd, F_DUPFD_CLOEXEC, 3);
        if (dfd < 0)
                return bmsg_set(m, errno, true, "lease store");
        DIR *d _cleanup_(closedirp) = fdopendir(dfd);
        if (!d) {
                int e = errno;
                close(dfd);
                return bmsg_set(m, e, true, "lease store");
        }
        rewinddir(d); /* the dup shares the offset of base_fd */
        size_t n = 0;
        char **v = calloc(1, sizeof(char *));
        if (!v)
                return bmsg_set(m, ENOMEM, true, "lease store");
        struct dirent *de;
        while ((errno = 0, de = readdir(d))) {
                if (de->d_name[0] == '.' || !valid_ifname(de->d_name))
                        continue;
                struct stat st;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
                        continue;
                char **nv = realloc(v, (n + 2) * sizeof(char *));
                char *name = strdup(de->d_name);
                if (!nv || !name) {
                        free(name);
                        lease_names_free(nv ? nv : v);
                        return bmsg_set(m, ENOMEM, true, "lease store");
                }
                v = nv;
                v[n++] = name;
                v[n] = NULL;
        }
        if (errno) {
                int e = errno;
                lease_names_free(v);
                return bmsg_set(m, e, true, "read the lease store");
        }
        *ret = v;
        return 0;
}
