/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The bridge plugin: a veth pair from a host bridge into the container's network namespace, an IPv4 address
 * from a subnet (leases in a locked store under the state root), the default route via the bridge.
 *
 * Options ("berth.plugin.bridge.<key>" annotations): name (the bridge, default berth0), subnet (default
 * 10.77.0.0/16), gateway (default the subnet's first address: the bridge's own), ifname (default eth0).
 *
 * What a container got is recorded in its plugin state directory ("lease") before the devices are made, so
 * destroy finds it after a crash; without that record it goes by the lease files and the host interface name,
 * which is derived from the state root and the container id. The bridge is shared: it is removed only when
 * this plugin made it, its last lease is released and nothing else is attached to it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "berth/plugin.h"
#include "bridge.h"
#include "netlink.h"

#define RECORD_FILE "lease"

static const struct berth_host *host;

static void nl_closep(struct nl *nl)
{
        nl_close(nl);
}

static void lease_store_unlockp(struct lease_store *s)
{
        lease_store_unlock(s);
}

/* "what: strerror (kernel's explanation)" */
static int nl_fail(berth_container *c, const struct nl *nl, int r, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int nl_fail(berth_container *c, const struct nl *nl, int r, const char *fmt, ...)
{
        char what[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof(what), fmt, ap);
        va_end(ap);
        if (nl && nl->msg[0])
                return host->error(c, -r, "%s: %s (%s)", what, strerror(-r), nl->msg);
        return host->error(c, -r, "%s: %s", what, strerror(-r));
}

static int load_conf(berth_container *c, struct bridge_conf *conf)
{
        struct bmsg m;
        int r = bridge_conf_parse(host->option(c, "name"), host->option(c, "ifname"),
                                  host->option(c, "subnet"), host->option(c, "gateway"), conf, &m);
        return r < 0 ? host->error(c, -r, "%s", m.s) : 0;
}

/* The host end: "bv" and 48 bits of a hash of the state root and the id (FNV-1a), 14 bytes. */
static void veth_name(berth_container *c, char out[BRIDGE_IFNAMSIZ])
{
        uint64_t h = 0xcbf29ce484222325ULL;
        const char *parts[] = {host->state_root(c), host->id(c)};
        for (size_t i = 0; i < 2; i++) {
                for (const char *p = parts[i] ? parts[i] : ""; *p; p++)
                        h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
                h = (h ^ 0xff) * 0x100000001b3ULL; /* separator */
        }
        snprintf(out, BRIDGE_IFNAMSIZ, "bv%012llx", (unsigned long long)(h & 0xffffffffffffULL));
}

/* Marks the host end as this container's (shown by `ip link`; destroy deletes no interface of another). */
static void veth_alias(berth_container *c, char out[256])
{
        snprintf(out, 256, "berth container %s", host->id(c));
}

struct record {
        char bridge[BRIDGE_IFNAMSIZ];
        char veth[BRIDGE_IFNAMSIZ];
        struct in_addr address;
};

static int open_state_dir(berth_container *c)
{
        const char *dir = host->state_dir(c);
        if (!dir)
                return -ENOENT;
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

/* The record of what create made; -ENOENT without one. */
static int record_read(int sdfd, struct record *rec)
{
        char text[512], addr[64], *slash;
        int r = bfile_read_at(sdfd, RECORD_FILE, text, sizeof(text));
        if (r < 0)
                return r;
        if (!kv_get(text, "bridge", rec->bridge, sizeof(rec->bridge)) ||
            !kv_get(text, "veth", rec->veth, sizeof(rec->veth)) ||
            !kv_get(text, "address", addr, sizeof(addr)))
                return -EBADMSG;
        if ((slash = strchr(addr, '/')))
                *slash = 0;
        return inet_pton(AF_INET, addr, &rec->address) == 1 ? 0 : -EBADMSG;
}

/* The bridge exists, is up and has the gateway address: its index. */
static int ensure_bridge(berth_container *c, struct nl *hn, struct lease_store *st,
                         const struct bridge_conf *conf)
{
        struct bmsg m;
        struct lease_network net;
        char want_net[INET_ADDRSTRLEN], want_gw[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &conf->net, want_net, sizeof(want_net));
        inet_ntop(AF_INET, &conf->gateway, want_gw, sizeof(want_gw));
        int r = lease_network_read(st, conf->name, &net, &m);
        if (r < 0)
                return host->error(c, -r, "%s", m.s);
        if (net.present && (net.net.s_addr != conf->net.s_addr || net.prefix != conf->prefix ||
                            net.gateway.s_addr != conf->gateway.s_addr)) {
                char have_net[INET_ADDRSTRLEN], have_gw[INET_ADDRSTRLEN];
                inet_ntop(AF_INET, &net.net, have_net, sizeof(have_net));
                inet_ntop(AF_INET, &net.gateway, have_gw, sizeof(have_gw));
                return host->error(
                    c, EEXIST,
                    "bridge %s is in use with subnet %s/%u and gateway %s, not %s/%u and gateway %s",
                    conf->name, have_net, net.prefix, have_gw, want_net, conf->prefix, want_gw);
        }
        struct nl_link l;
        r = nl_link_get(hn, conf->name, &l);
        if (r == -ENODEV) {
                /* recorded as ours before it exists: a crash in between leaves nothing unaccounted for */
                if ((r = lease_network_write(st, conf, true, &m)) < 0)
                        return host->error(c, -r, "%s", m.s);
                /* a fixed address: random, locally administered, unicast */
                uint8_t mac[6];
                if (getrandom(mac, sizeof(mac), 0) != (ssize_t)sizeof(mac))
                        return host->error(c, errno ? errno : EIO, "getrandom: %s",
                                           strerror(errno ? errno : EIO));
                mac[0] = (uint8_t)((mac[0] & 0xfe) | 0x02);
                r = nl_link_add_bridge(hn, conf->name, mac);
                if (r < 0 && r != -EEXIST)
                        return nl_fail(c, hn, r, "create bridge %s", conf->name);
                r = nl_link_get(hn, conf->name, &l);
                host->log(c, BERTH_LOG_INFO, "created bridge %s", conf->name);
        } else if (r >= 0 && !net.present && (r = lease_network_write(st, conf, false, &m)) < 0)
                return host->error(c, -r, "%s", m.s);
        if (r < 0)
                return nl_fail(c, hn, r, "bridge %s", conf->name);
        if (strcmp(l.kind, "bridge"))
                return host->error(c, EEXIST, "interface %s exists and is not a bridge (%s)", conf->name,
                                   l.kind[0] ? l.kind : "no link kind");
        r = nl_addr_add(hn, l.index, conf->gateway, conf->prefix);
        if (r < 0 && r != -EEXIST)
                return nl_fail(c, hn, r, "add %s/%u to bridge %s", want_gw, conf->prefix, conf->name);
        if ((r = nl_link_set_up(hn, l.index, NULL)) < 0)
                return nl_fail(c, hn, r, "set bridge %s up", conf->name);
        return l.index;
}

static int bridge_validate(berth_container *c)
{
        static const char *const known[] = {"name", "subnet", "gateway", "ifname"};
        const char *key, *value;
        for (size_t i = 0; BERTH_HOST_HAS(host, option_at) && (key = host->option_at(c, i, &value)); i++) {
                bool ok = false;
                for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
                        ok |= !strcmp(key, known[k]);
                if (!ok)
                        return host->error(
                            c, EINVAL,
                            "berth.plugin.bridge.%s: unknown option (known: name, subnet, gateway, "
                            "ifname)",
                            key);
        }
        struct bridge_conf conf;
        return load_conf(c, &conf);
}

/* lo and the container's end: up, address, default route. */
static int setup_inside(berth_container *c, const char *ns, const struct bridge_conf *conf,
                        struct in_addr addr)
{
        struct nl cn _cleanup_(nl_closep) = {.fd = -1};
        int r = nl_open(&cn, ns);
        if (r < 0)
                return nl_fail(c, NULL, r, "netlink socket in %s", ns);
        struct nl_link lo, eth;
        if ((r = nl_link_get(&cn, "lo", &lo)) < 0 || (r = nl_link_set_up(&cn, lo.index, NULL)) < 0)
                return nl_fail(c, &cn, r, "set lo up in the container");
        if ((r = nl_link_get(&cn, conf->ifname, &eth)) < 0)
                return nl_fail(c, &cn, r, "%s in the container", conf->ifname);
        char a[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &addr, a, sizeof(a));
        inet_ntop(AF_INET, &conf->gateway, gw, sizeof(gw));
        if ((r = nl_addr_add(&cn, eth.index, addr, conf->prefix)) < 0)
                return nl_fail(c, &cn, r, "add %s/%u to %s in the container", a, conf->prefix, conf->ifname);
        if ((r = nl_link_set_up(&cn, eth.index, NULL)) < 0)
                return nl_fail(c, &cn, r, "set %s up in the container", conf->ifname);
        if ((r = nl_route_add_default(&cn, eth.index, conf->gateway)) < 0)
                return nl_fail(c, &cn, r, "default route via %s in the container", gw);
        host->log(c, BERTH_LOG_INFO, "%s %s/%u via %s on bridge %s", conf->ifname, a, conf->prefix, gw,
                  conf->name);
        return 0;
}

static int bridge_create(berth_container *c)
{
        struct bridge_conf conf;
        int r = load_conf(c, &conf);
        if (r < 0)
                return r;
        const char *ns = host->ns_path(c, "net");
        if (!ns)
                return host->error(
                    c, EINVAL,
                    "the container has no network namespace of its own (linux.namespaces needs "
                    "{\"type\": \"network\"})");
        _cleanup_close_ int sdfd = open_state_dir(c);
        if (sdfd < 0)
                return host->error(c, -sdfd, "plugin state directory: %s", strerror(-sdfd));
        _cleanup_close_ int nsfd = open(ns, O_RDONLY | O_CLOEXEC);
        if (nsfd < 0)
                return host->error(c, errno, "open %s: %s", ns, strerror(errno));
        struct nl hn _cleanup_(nl_closep) = {.fd = -1};
        if ((r = nl_open(&hn, NULL)) < 0)
                return nl_fail(c, NULL, r, "netlink socket");

        struct bmsg m;
        struct lease_store st _cleanup_(lease_store_unlockp) = LEASE_STORE_INIT;
        if ((r = lease_store_lock(host->state_root(c), &st, &m)) < 0)
                return host->error(c, -r, "%s", m.s);
        int br = ensure_bridge(c, &hn, &st, &conf);
        if (br < 0)
                return br;
        struct in_addr addr;
        if ((r = lease_acquire(&st, &conf, host->id(c), &addr, &m)) < 0)
                return host->error(c, -r, "%s", m.s);

        char veth[BRIDGE_IFNAMSIZ], alias[256], a[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN], text[512];
        veth_name(c, veth);
        veth_alias(c, alias);
        inet_ntop(AF_INET, &addr, a, sizeof(a));
        inet_ntop(AF_INET, &conf.gateway, gw, sizeof(gw));
        /* the record before the devices: destroy must find them whatever happens next */
        snprintf(text, sizeof(text), "bridge=%s\nveth=%s\nifname=%s\naddress=%s/%u\ngateway=%s\n", conf.name,
                 veth, conf.ifname, a, conf.prefix, gw);
        if ((r = bfile_write_at(sdfd, RECORD_FILE, text)) < 0)
                return host->error(c, -r, "write %s/" RECORD_FILE ": %s", host->state_dir(c), strerror(-r));

        r = nl_link_add_veth(&hn, veth, br, conf.ifname, nsfd);
        if (r == -EEXIST)
                return nl_fail(c, &hn, r, "create veth pair %s (host) / %s (container): a name is taken",
                               veth, conf.ifname);
        if (r < 0)
                return nl_fail(c, &hn, r, "create veth pair %s / %s", veth, conf.ifname);
        lease_store_unlock(&st); /* the lease is held and the bridge has a port: nothing removes it now */
        struct nl_link l;
        if ((r = nl_link_get(&hn, veth, &l)) < 0 || (r = nl_link_set_up(&hn, l.index, alias)) < 0)
                return nl_fail(c, &hn, r, "set %s up", veth);
        return setup_inside(c, ns, &conf, addr);
}

/* Deletes the host end (and so the pair) unless it belongs to another container. */
static int delete_veth(berth_container *c, struct nl *hn, const char *veth)
{
        char alias[256];
        veth_alias(c, alias);
        struct nl_link l;
        int r = nl_link_get(hn, veth, &l);
        if (r == -ENODEV)
                return 0; /* gone with the container's network namespace, or never made */
        if (r < 0)
                return nl_fail(c, hn, r, "interface %s", veth);
        /* no alias: made, then a crash before it was set */
        if (l.alias[0] && strcmp(l.alias, alias)) {
                host->log(c, BERTH_LOG_WARNING, "not deleting %s: it belongs to \"%s\"", veth, l.alias);
                return 0;
        }
        r = nl_link_del(hn, l.index);
        if (r < 0 && r != -ENODEV)
                return nl_fail(c, hn, r, "delete %s", veth);
        return 0;
}

/* Bridges without leases: their store goes, and the bridge too when this plugin made it and nothing is
 * attached to it any more. Called with the store locked. */
static int collect_bridges(berth_container *c, struct nl *hn, struct lease_store *st)
{
        struct bmsg m;
        char **bridges = NULL;
        int r = lease_bridges(st, &bridges, &m);
        if (r < 0)
                return host->error(c, -r, "%s", m.s);
        for (char **b = bridges; *b; b++) {
                int n = lease_count(st, *b, &m);
                if (n != 0) {
                        if (n < 0) {
                                r = host->error(c, -n, "%s", m.s);
                                break;
                        }
                        continue;
                }
                struct lease_network net;
                if ((r = lease_network_read(st, *b, &net, &m)) < 0) {
                        r = host->error(c, -r, "%s", m.s);
                        break;
                }
                struct nl_link l;
                if (net.present && net.owned && nl_link_get(hn, *b, &l) >= 0 && !strcmp(l.kind, "bridge")) {
                        if (nl_link_count_ports(hn, l.index) != 0)
                                continue; /* someone else's ports (or we cannot tell): bridge and store stay
                                           */
                        if ((r = nl_link_del(hn, l.index)) < 0 && r != -ENODEV) {
                                r = nl_fail(c, hn, r, "delete bridge %s", *b);
                                break;
                        }
                        host->log(c, BERTH_LOG_INFO, "deleted bridge %s (its last lease was released)", *b);
                }
                if ((r = lease_network_remove(st, *b, &m)) < 0) {
                        r = host->error(c, -r, "%s", m.s);
                        break;
                }
        }
        lease_names_free(bridges);
        return r < 0 ? r : 0;
}

static int bridge_destroy(berth_container *c)
{
        _cleanup_close_ int sdfd = open_state_dir(c);
        struct record rec;
        int have = sdfd >= 0 ? record_read(sdfd, &rec) : sdfd;
        if (have < 0 && have != -ENOENT)
                host->log(c, BERTH_LOG_WARNING,
                          "unreadable " RECORD_FILE " record (%s): going by the lease files",
                          strerror(-have));
        char veth[BRIDGE_IFNAMSIZ];
        if (have >= 0)
                snprintf(veth, sizeof(veth), "%s", rec.veth);
        else
                veth_name(c, veth);

        struct nl hn _cleanup_(nl_closep) = {.fd = -1};
        int r = nl_open(&hn, NULL);
        if (r < 0)
                return nl_fail(c, NULL, r, "netlink socket");
        if ((r = delete_veth(c, &hn, veth)) < 0)
                return r;

        struct bmsg m;
        struct lease_store st _cleanup_(lease_store_unlockp) = LEASE_STORE_INIT;
        if ((r = lease_store_lock(host->state_root(c), &st, &m)) < 0)
                return host->error(c, -r, "%s", m.s);
        r = have >= 0 ? lease_release(&st, rec.bridge, rec.address, host->id(c), &m)
                      : lease_release_all(&st, host->id(c), &m);
        if (r < 0)
                return host->error(c, -r, "%s", m.s);
        if (r > 0)
                host->log(c, BERTH_LOG_DEBUG, "released %d lease(s)", r);
        if ((r = collect_bridges(c, &hn, &st)) < 0)
                return r;
        if (sdfd >= 0 && unlinkat(sdfd, RECORD_FILE, 0) < 0 && errno != ENOENT)
                return host->error(c, errno, "remove %s/" RECORD_FILE ": %s", host->state_dir(c),
                                   strerror(errno));
        return 0;
}

static const struct berth_plugin plugin = {
    .abi_version = BERTH_PLUGIN_ABI_VERSION,
    .struct_size = sizeof(struct berth_plugin),
    .name = "bridge",
    .description = "veth pair into a host bridge, IPv4 address from a locked lease store, default route",
    .validate = bridge_validate,
    .create = bridge_create,
    .destroy = bridge_destroy,
};

__attribute__((visibility("default"))) const struct berth_plugin *
berth_plugin_entry(const struct berth_host *h)
{
        if (!h || h->abi_version != BERTH_PLUGIN_ABI_VERSION ||
            h->struct_size < offsetof(struct berth_host, log) + sizeof(h->log))
                return NULL;
        host = h;
        return &plugin;
}
