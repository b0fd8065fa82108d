/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A small rtnetlink client for the networking plugins: links (bridge, veth pair with one end in another
 * network namespace, up, alias, delete), IPv4 addresses and the default route. No external tool is run.
 *
 * Every function returns 0 (or a value >= 0 as documented) or a negative errno. When the kernel explained a
 * refusal (extended ack), the explanation is in nl->msg until the next request ("" otherwise).
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#define NL_IFNAMSIZ  16  /* IFNAMSIZ: names have at most 15 bytes */
#define NL_ALIASSIZ  256 /* IFALIASZ */
#define NL_KINDSIZ   32
#define NL_EXTACKSIZ 256

struct nl {
        int fd;
        uint32_t seq;
        char msg[NL_EXTACKSIZ];
};

struct nl_link {
        int index;
        unsigned flags;          /* IFF_* */
        int master;              /* index of the bridge this link is a port of, 0 if none */
        char kind[NL_KINDSIZ];   /* "bridge", "veth"...; "" for a device without link info */
        char alias[NL_ALIASSIZ]; /* "" without alias */
};

/* Opens a route netlink socket in the network namespace at netns_path ("/proc/PID/ns/net"), or in the
 * caller's own when netns_path is NULL. The caller never changes namespace (a forked child makes the socket).
 */
int nl_open(struct nl *nl, const char *netns_path);
void nl_close(struct nl *nl);

/* The link called name: -ENODEV when there is none. */
int nl_link_get(struct nl *nl, const char *name, struct nl_link *ret);
/* How many links are ports of the bridge with index master. */
int nl_link_count_ports(struct nl *nl, int master);

/* mac (6 bytes, or NULL): an address of its own; without one, a bridge takes the lowest address of its ports
 * and changes it when ports come and go (the neighbours' ARP caches then point nowhere for a while). */
int nl_link_add_bridge(struct nl *nl, const char *name, const uint8_t *mac);
/* A veth pair: name here (a port of master when master > 0), peer_name in the namespace of peer_netns_fd.
 * -EEXIST when either name is taken. */
int nl_link_add_veth(struct nl *nl, const char *name, int master, const char *peer_name, int peer_netns_fd);
/* Sets the link up, and its alias when alias is not NULL. */
int nl_link_set_up(struct nl *nl, int index, const char *alias);
int nl_link_del(struct nl *nl, int index);

/* -EEXIST when the link has that address already. */
int nl_addr_add(struct nl *nl, int index, struct in_addr addr, unsigned prefixlen);
/* The default route via gateway on the link. -EEXIST when there is a default route already. */
int nl_route_add_default(struct nl *nl, int index, struct in_addr gateway);
