/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"

int bmsg_set(struct bmsg *m, int errnum, bool with_errno, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(m->s, sizeof(m->s), fmt, ap);
        va_end(ap);
        if (with_errno && errnum > 0 && n >= 0 && (size_t)n < sizeof(m->s))
                snprintf(m->s + n, sizeof(m->s) - (size_t)n, ": %s", strerror(errnum));
        return -(errnum > 0 ? errnum : EINVAL);
}

bool valid_ifname(const char *s)
{
        /* no leading '.' either: the name is also a directory in the lease store */
        if (!s || !*s || *s == '.' || strlen(s) >= BRIDGE_IFNAMSIZ)
                return false;
        for (; *s; s++)
                if (*s == '/' || *s == ':' || *s <= ' ' || *s == 0x7f)
                        return false;
        return true;
}

static uint32_t mask_of(unsigned prefix)
{
        return prefix == 0 ? 0 : ~0u << (32 - prefix);
}

int ipv4_parse_cidr(const char *s, struct in_addr *ret_addr, unsigned *ret_prefix)
{
        const char *slash = strchr(s, '/');
        if (!slash || slash - s >= INET_ADDRSTRLEN || !slash[1] || strlen(slash + 1) > 2)
                return -EINVAL;
        char a[INET_ADDRSTRLEN];
        memcpy(a, s, (size_t)(slash - s));
        a[slash - s] = 0;
        unsigned prefix = 0;
        for (const char *p = slash + 1; *p; p++) {
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                prefix = prefix * 10 + (unsigned)(*p - '0');
        }
        if (prefix > 32 || inet_pton(AF_INET, a, ret_addr) != 1)
                return -EINVAL;
        *ret_prefix = prefix;
        return 0;
}

struct in_addr ipv4_network(struct in_addr a, unsigned prefix)
{
        return (struct in_addr){.s_addr = htonl(ntohl(a.s_addr) & mask_of(prefix))};
}

bool ipv4_in_subnet(struct in_addr a, struct in_addr net, unsigned prefix)
{
        return ipv4_network(a, prefix).s_addr == net.s_addr;
}

struct in_addr ipv4_nth(struct in_addr net, unsigned n)
{
        return (struct in_addr){.s_addr = htonl(ntohl(net.s_addr) + n)};
}

int bridge_conf_parse(const char *name, const char *ifname, const char *subnet, const char *gateway,
                      struct bridge_conf *ret, struct bmsg *m)
{
        struct bridge_conf c = {.prefix = 0};
        if (!name)
                name = BRIDGE_DEFAULT_NAME;
        if (!valid_ifname(name))
                return bmsg_set(
                    m, EINVAL, false,
                    "berth.plugin.bridge.name: \"%s\" is not an interface name (1 to 15 bytes, no "
                    "'/', ':', white space or leading '.')",
                    name);
        strcpy(c.name, name);
        if (!ifname)
                ifname = BRIDGE_DEFAULT_IFNAME;
        if (!valid_ifname(ifname) || !strcmp(ifname, "lo"))
                return bmsg_set(m, EINVAL, false,
                                "berth.plugin.bridge.ifname: \"%s\" is not a usable interface name", ifname);
        strcpy(c.ifname, ifname);

        if (!subnet)
                subnet = BRIDGE_DEFAULT_SUBNET;
        struct in_addr a;
        if (ipv4_parse_cidr(subnet, &a, &c.prefix) < 0)
                return bmsg_set(m, EINVAL, false,
                                "berth.plugin.bridge.subnet: \"%s\" is not an IPv4 subnet (a.b.c.d/len)",
                                subnet);
        if (c.prefix < 8 || c.prefix > 30)
                return bmsg_set(m, EINVAL, false,
                                "berth.plugin.bridge.subnet: \"%s\": prefix length must be 8 to 30", subnet);
        c.net = ipv4_network(a, c.prefix);
        if (c.net.s_addr != a.s_addr) {
                char n[INET_ADDRSTRLEN];
                inet_ntop(AF_INET, &c.net, n, sizeof(n));
                return bmsg_set(m, EINVAL, false,
                                "berth.plugin.bridge.subnet: \"%s\" has host bits set (the subnet is %s/%u)",
                                subnet, n, c.prefix);
        }
        struct in_addr broadcast = ipv4_nth(c.net, (1u << (32 - c.prefix)) - 1);
        if (!gateway)
                c.gateway = ipv4_nth(c.net, 1);
        else if (inet_pton(AF_INET, gateway, &c.gateway) != 1)
                return bmsg_set(m, EINVAL, false,
                                "berth.plugin.bridge.gateway: \"%s\" is not an IPv4 address", gateway);
        else if (!ipv4_in_subnet(c.gateway, c.net, c.prefix) || c.gateway.s_addr == c.net.s_addr ||
                 c.gateway.s_addr == broadcast.s_addr)
                return bmsg_set(m, EINVAL, false,
                                "berth.plugin.bridge.gateway: %s is not a host address of the subnet %s",
                                gateway, subnet);
        *ret = c;
        return 0;
}
