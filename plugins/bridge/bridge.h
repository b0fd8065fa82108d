/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The bridge plugin's pure parts: its options, IPv4 arithmetic, and the locked lease store.
 *
 * Lease store, under berth's state root (a name no container id can have, so `berth list` skips it):
 *   <root>/.plugins/bridge/.lock               flock()ed while the store or a bridge is changed
 *   <root>/.plugins/bridge/<bridge>/network    "subnet=", "gateway=", "owned=" (1: this plugin made the
 * bridge) <root>/.plugins/bridge/<bridge>/<a.b.c.d>  one lease: the container id, created with O_EXCL
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <unistd.h>

#define BRIDGE_DEFAULT_NAME   "berth0"
#define BRIDGE_DEFAULT_SUBNET "10.77.0.0/16"
#define BRIDGE_DEFAULT_IFNAME "eth0"
#define BRIDGE_IFNAMSIZ       16

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void closep(int *fd)
{
        if (*fd >= 0)
                close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

/* Reads a small file into buf (NUL-terminated): its length or -errno. */
int bfile_read_at(int dfd, const char *name, char *buf, size_t size);
/* Replaces name in dfd with content (a temporary file renamed over it): 0 or -errno. */
int bfile_write_at(int dfd, const char *name, const char *content);
/* The value of "key=value" among the lines of text, copied to out; NULL when absent or too long. */
const char *kv_get(const char *text, const char *key, char *out, size_t n);

/* An error message for the plugin to hand to host->error(). */
struct bmsg {
        char s[512];
};
/* Formats the message (plus ": strerror(errnum)" when errnum > 0 and with_errno) and returns -errnum. */
int bmsg_set(struct bmsg *m, int errnum, bool with_errno, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

struct bridge_conf {
        char name[BRIDGE_IFNAMSIZ];   /* the host bridge */
        char ifname[BRIDGE_IFNAMSIZ]; /* the interface in the container */
        struct in_addr net;           /* network address of the subnet */
        unsigned prefix;              /* 8..30 */
        struct in_addr gateway;       /* the bridge's address, the containers' default route */
};

/* Options (NULL: the default); errors name the annotation "berth.plugin.bridge.<key>". */
int bridge_conf_parse(const char *name, const char *ifname, const char *subnet, const char *gateway,
                      struct bridge_conf *ret, struct bmsg *m);
/* "a.b.c.d/len" to address and prefix length (0..32). */
int ipv4_parse_cidr(const char *s, struct in_addr *ret_addr, unsigned *ret_prefix);
struct in_addr ipv4_network(struct in_addr a, unsigned prefix);
bool ipv4_in_subnet(struct in_addr a, struct in_addr net, unsigned prefix);
/* The n-th address of the subnet (n = 0: the network address). */
struct in_addr ipv4_nth(struct in_addr net, unsigned n);
bool valid_ifname(const char *s);

struct lease_store {
        int lock_fd; /* .lock, flock()ed */
        int base_fd; /* <root>/.plugins/bridge */
        int root_fd; /* <root>: is a lease's owner still there? */
};
#define LEASE_STORE_INIT                                                                                     \
        {                                                                                                    \
                .lock_fd = -1, .base_fd = -1, .root_fd = -1                                                  \
        }

/* Creates the store if needed and takes its lock (blocking). */
int lease_store_lock(const char *root, struct lease_store *s, struct bmsg *m);
void lease_store_unlock(struct lease_store *s);

struct lease_network {
        bool present; /* a store for this bridge exists */
        struct in_addr net, gateway;
        unsigned prefix;
        bool owned; /* the plugin created the bridge device */
};
int lease_network_read(struct lease_store *s, const char *bridge, struct lease_network *ret, struct bmsg *m);
int lease_network_write(struct lease_store *s, const struct bridge_conf *conf, bool owned, struct bmsg *m);
/* Removes the bridge's store (once it holds no lease). */
int lease_network_remove(struct lease_store *s, const char *bridge, struct bmsg *m);

/* A free address of the subnet for container id. Free: no lease file, or (when the subnet is full) a lease
 * whose owner's state directory is gone or that this id held before. -ENOSPC when none is left. */
int lease_acquire(struct lease_store *s, const struct bridge_conf *conf, const char *id, struct in_addr *ret,
                  struct bmsg *m);
/* Releases the lease of addr on bridge if id holds it: 1 released, 0 not held by id. */
int lease_release(struct lease_store *s, const char *bridge, struct in_addr addr, const char *id,
                  struct bmsg *m);
/* Releases every lease id holds, on any bridge: how many. */
int lease_release_all(struct lease_store *s, const char *id, struct bmsg *m);
/* The number of leases on bridge. */
int lease_count(struct lease_store *s, const char *bridge, struct bmsg *m);
/* The bridges that have a store, as a NULL-terminated array (free with lease_names_free). */
int lease_bridges(struct lease_store *s, char ***ret, struct bmsg *m);
void lease_names_free(char **v);
