/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "netlink.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

/* One request under construction. The requests here are small and of fixed shape: 1 KiB is plenty. */
struct msg {
        union {
                struct nlmsghdr h;
                char buf[1024];
        } u;
        bool overflow;
};

static void *msg_put(struct msg *m, size_t len)
{
        size_t at = NLMSG_ALIGN(m->u.h.nlmsg_len);
        if (at + NLMSG_ALIGN(len) > sizeof(m->u.buf)) {
                m->overflow = true;
                return NULL;
        }
        void *p = m->u.buf + at;
        memset(p, 0, NLMSG_ALIGN(len));
        m->u.h.nlmsg_len = at + NLMSG_ALIGN(len);
        return p;
}

static void msg_init(struct msg *m, uint16_t type, uint16_t flags)
{
        memset(m, 0, sizeof(*m));
        m->u.h.nlmsg_len = NLMSG_HDRLEN;
        m->u.h.nlmsg_type = type;
        m->u.h.nlmsg_flags = NLM_F_REQUEST | flags;
}

static void attr_put(struct msg *m, uint16_t type, const void *data, size_t len)
{
        struct rtattr *a = msg_put(m, RTA_LENGTH(len));
        if (!a)
                return;
        a->rta_type = type;
        a->rta_len = RTA_LENGTH(len);
        memcpy(RTA_DATA(a), data, len);
}

static void attr_put_str(struct msg *m, uint16_t type, const char *s)
{
        attr_put(m, type, s, strlen(s) + 1);
}

static void attr_put_u32(struct msg *m, uint16_t type, uint32_t v)
{
        attr_put(m, type, &v, sizeof(v));
}

/* Nested attributes: begin returns the offset of the nest, end fixes its length. */
static size_t nest_begin(struct msg *m, uint16_t type)
{
        struct rtattr *a = msg_put(m, RTA_LENGTH(0));
        if (!a)
                return 0;
        a->rta_type = type;
        return (size_t)((char *)a - m->u.buf);
}

static void nest_end(struct msg *m, size_t at)
{
        if (m->overflow || at == 0)
                return;
        struct rtattr *a = (struct rtattr *)(m->u.buf + at);
        a->rta_len = (unsigned short)(m->u.h.nlmsg_len - at);
}

static int netlink_socket(void)
{
        int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        if (fd < 0)
                return -errno;
        int one = 1;
        (void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
        (void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
        return fd;
}

/* In a forked child: join the namespace, make the socket there (a socket stays in the namespace it was made
 * in) and send it back. The runtime itself never changes namespace. */
static void socket_in_child(int chan, const char *netns_path)
{
        int e = 0, fd = -1;
        int nsfd = open(netns_path, O_RDONLY | O_CLOEXEC);
        if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) < 0)
                e = errno;
        else if ((fd = netlink_socket()) < 0)
                e = -fd;
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int))];
        } cm;
        struct iovec iov = {.iov_base = &e, .iov_len = sizeof(e)};
        struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
        if (fd >= 0) {
                memset(&cm, 0, sizeof(cm));
                mh.msg_control = cm.buf;
                mh.msg_controllen = sizeof(cm.buf);
                struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(c), &fd, sizeof(int));
        }
        _exit(sendmsg(chan, &mh, MSG_NOSIGNAL) < 0 ? 1 : 0);
}

static int socket_in_netns(const char *netns_path)
{
        int chan[2];
        if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, chan) < 0)
                return -errno;
        pid_t pid = fork();
        if (pid < 0) {
                int e = errno;
                close(chan[0]);
                close(chan[1]);
                return -e;
        }
        if (pid == 0) {
                close(chan[0]);
                socket_in_child(chan[1], netns_path);
        }
        close(chan[1]);
        int e = 0, fd = -1;
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int))];
        } cm;
        struct iovec iov = {.iov_base = &e, .iov_len = sizeof(e)};
        struct msghdr mh = {
            .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.buf, .msg_controllen = sizeof(cm.buf)};
        ssize_t n;
        do
                n = recvmsg(chan[0], &mh, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        int r = n < 0 ? -errno : n != (ssize_t)sizeof(e) ? -EPROTO : e > 0 ? -e : 0;
        struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL;
        if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
                memcpy(&fd, CMSG_DATA(c), sizeof(int));
        close(chan[0]);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
        if (r == 0 && fd < 0)
                r = -EPROTO;
        if (r < 0 && fd >= 0)
                close(fd);
        return r < 0 ? r : fd;
}

int nl_open(struct nl *nl, const char *netns_path)
{
        *nl = (struct nl){.fd = -1};
        int fd = netns_path ? socket_in_netns(netns_path) : netlink_socket();
        if (fd < 0)
                return fd;
        nl->fd = fd;
        return 0;
}

void nl_close(struct nl *nl)
{
        if (nl->fd >= 0)
                close(nl->fd);
        nl->fd = -1;
}

/* The kernel's explanation of an error (NLMSGERR_ATTR_MSG), if it sent one. */
static void save_extack(struct nl *nl, const struct nlmsghdr *h)
{
        if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
                return;
        const struct nlmsgerr *e = NLMSG_DATA(h);
        size_t off = sizeof(*e);
        if (!(h->nlmsg_flags & NLM_F_CAPPED))
                off += e->msg.nlmsg_len - NLMSG_HDRLEN;
        off = NLMSG_ALIGN(off);
        if (NLMSG_HDRLEN + off >= h->nlmsg_len)
                return;
        const struct rtattr *a = (const struct rtattr *)((const char *)e + off);
        int len = (int)(h->nlmsg_len - NLMSG_HDRLEN - off);
        for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
                if (a->rta_type == NLMSGERR_ATTR_MSG && RTA_PAYLOAD(a) > 0)
                        snprintf(nl->msg, sizeof(nl->msg), "%.*s", (int)RTA_PAYLOAD(a),
                                 (const char *)RTA_DATA(a));
}

typedef int (*reply_fn)(const struct nlmsghdr *h, void *userdata);

/* Sends m and reads the answer: the replies go to fn (may be NULL), until the ack (or, for a dump, the end).
 */
static int request(struct nl *nl, struct msg *m, reply_fn fn, void *userdata)
{
        if (m->overflow)
                return -EMSGSIZE;
        nl->msg[0] = 0;
        /* NLM_F_DUMP is two bits, one of them NLM_F_EXCL's value */
        bool dump = (m->u.h.nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
        if (!dump)
                m->u.h.nlmsg_flags |= NLM_F_ACK;
        m->u.h.nlmsg_seq = ++nl->seq;
        struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
        if (sendto(nl->fd, m->u.buf, m->u.h.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
                return -errno;
        /* 32 KiB: the most the kernel puts in one dump datagram */
        union {
                struct nlmsghdr h;
                char buf[32768];
        } rx;
        int result = 0;
        for (;;) {
                ssize_t n = recv(nl->fd, rx.buf, sizeof(rx.buf), MSG_TRUNC);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if ((size_t)n > sizeof(rx.buf))
                        return -EMSGSIZE;
                int len = (int)n;
                for (struct nlmsghdr *h = &rx.h; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
                        if (h->nlmsg_seq != nl->seq)
                                continue;
                        if (h->nlmsg_type == NLMSG_ERROR) {
                                if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
                                        return -EBADMSG;
                                const struct nlmsgerr *e = NLMSG_DATA(h);
                                if (e->error != 0)
                                        save_extack(nl, h);
                                return e->error != 0 ? e->error : result;
                        }
                        if (h->nlmsg_type == NLMSG_DONE)
                                return result;
                        if (fn && result >= 0) {
                                int r = fn(h, userdata);
                                if (r < 0)
                                        result = r; /* read on to the end all the same */
                        }
                }
        }
}

/* ---- links ---- */

struct link_query {
        struct nl_link *link;
        int master;  /* count_ports */
        int n_ports; /* count_ports */
};

static void parse_link(const struct nlmsghdr *h, struct nl_link *l)
{
        const struct ifinfomsg *ifi = NLMSG_DATA(h);
        *l = (struct nl_link){.index = ifi->ifi_index, .flags = ifi->ifi_flags};
        int len = (int)IFLA_PAYLOAD(h);
        for (const struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
                switch (a->rta_type) {
                case IFLA_MASTER:
                        if (RTA_PAYLOAD(a) >= sizeof(uint32_t))
                                l->master = (int)*(const uint32_t *)RTA_DATA(a);
                        break;
                case IFLA_IFALIAS:
                        snprintf(l->alias, sizeof(l->alias), "%.*s", (int)RTA_PAYLOAD(a),
                                 (const char *)RTA_DATA(a));
                        break;
                case IFLA_LINKINFO: {
                        int ilen = (int)RTA_PAYLOAD(a);
                        for (const struct rtattr *i = RTA_DATA(a); RTA_OK(i, ilen); i = RTA_NEXT(i, ilen))
                                if (i->rta_type == IFLA_INFO_KIND)
                                        snprintf(l->kind, sizeof(l->kind), "%.*s", (int)RTA_PAYLOAD(i),
                                                 (const char *)RTA_DATA(i));
                        break;
                }
                }
        }
}

static int on_link(const struct nlmsghdr *h, void *userdata)
{
        struct link_query *q = userdata;
        if (h->nlmsg_type != RTM_NEWLINK || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg)))
                return 0;
        struct nl_link l;
        parse_link(h, &l);
        if (q->link)
                *q->link = l;
        else if (q->master > 0 && l.master == q->master)
                q->n_ports++;
        return 0;
}

static bool valid_ifname(const char *name)
{
        return name && *name && strlen(name) < NL_IFNAMSIZ;
}

int nl_link_get(struct nl *nl, const char *name, struct nl_link *ret)
{
        if (!valid_ifname(name))
                return -EINVAL;
        struct msg m;
        msg_init(&m, RTM_GETLINK, 0);
        struct ifinfomsg *ifi = msg_put(&m, sizeof(*ifi));
        ifi->ifi_family = AF_UNSPEC;
        attr_put_str(&m, IFLA_IFNAME, name);
        struct nl_link l = {.index = 0};
        struct link_query q = {.link = &l};
        int r = request(nl, &m, on_link, &q);
        if (r < 0)
                return r;
        if (l.index <= 0)
                return -ENODEV;
        *ret = l;
        return 0;
}

int nl_link_count_ports(struct nl *nl, int master)
{
        struct msg m;
        msg_init(&m, RTM_GETLINK, NLM_F_DUMP);
        struct ifinfomsg *ifi = msg_put(&m, sizeof(*ifi));
        ifi->ifi_family = AF_UNSPEC;
        attr_put_u32(&m, IFLA_MASTER, (uint32_t)master); /* the kernel filters the dump by it */
        struct link_query q = {.master = master};
        int r = request(nl, &m, on_link, &q);
        return r < 0 ? r : q.n_ports;
}

int nl_link_add_bridge(struct nl *nl, const char *name, const uint8_t *mac)
{
        if (!valid_ifname(name))
                return -EINVAL;
        struct msg m;
        msg_init(&m, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
        struct ifinfomsg *ifi = msg_put(&m, sizeof(*ifi));
        ifi->ifi_family = AF_UNSPEC;
        attr_put_str(&m, IFLA_IFNAME, name);
        if (mac)
                attr_put(&m, IFLA_ADDRESS, mac, 6);
        size_t info = nest_begin(&m, IFLA_LINKINFO);
        attr_put_str(&m, IFLA_INFO_KIND, "bridge");
        nest_end(&m, info);
        return request(nl, &m, NULL, NULL);
}

int nl_link_add_veth(struct nl *nl, const char *name, int master, const char *peer_name, int peer_netns_fd)
{
        if (!valid_ifname(name) || !valid_ifname(peer_name))
                return -EINVAL;
        struct msg m;
        msg_init(&m, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
        struct ifinfomsg *ifi = msg_put(&m, sizeof(*ifi));
        ifi->ifi_family = AF_UNSPEC;
        attr_put_str(&m, IFLA_IFNAME, name);
        if (master > 0)
                attr_put_u32(&m, IFLA_MASTER, (uint32_t)master);
        size_t info = nest_begin(&m, IFLA_LINKINFO);
        attr_put_str(&m, IFLA_INFO_KIND, "veth");
        size_t data = nest_begin(&m, IFLA_INFO_DATA);
        size_t peer = nest_begin(&m, VETH_INFO_PEER);
        struct ifinfomsg *pifi = msg_put(&m, sizeof(*pifi)); /* the peer's own link message */
        if (pifi)
                pifi->ifi_family = AF_UNSPEC;
        attr_put_str(&m, IFLA_IFNAME, peer_name);
        if (peer_netns_fd >= 0)
                attr_put_u32(&m, IFLA_NET_NS_FD, (uint32_t)peer_netns_fd);
        nest_end(&m, peer);
        nest_end(&m, data);
        nest_end(&m, info);
        return request(nl, &m, NULL, NULL);
}

int nl_link_set_up(struct nl *nl, int index, const char *alias)
{
        struct msg m;
        msg_init(&m, RTM_NEWLINK, 0);
        struct ifinfomsg *ifi = msg_put(&m, sizeof(*ifi));
        ifi->ifi_family = AF_UNSPEC;
        ifi->ifi_index = index;
        ifi->ifi_flags = IFF_UP;
        ifi->ifi_change = IFF_UP;
        if (alias)
                attr_put(&m, IFLA_IFALIAS, alias, strnlen(alias, NL_ALIASSIZ - 1));
        return request(nl, &m, NULL, NULL);
}

int nl_link_del(struct nl *nl, int index)
{
        struct msg m;
        msg_init(&m, RTM_DELLINK, 0);
        struct ifinfomsg *ifi = msg_put(&m, sizeof(*ifi));
        ifi->ifi_family = AF_UNSPEC;
        ifi->ifi_index = index;
        return request(nl, &m, NULL, NULL);
}

/* ---- addresses and routes ---- */

int nl_addr_add(struct nl *nl, int index, struct in_addr addr, unsigned prefixlen)
{
        if (prefixlen > 32)
                return -EINVAL;
        struct msg m;
        msg_init(&m, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
        struct ifaddrmsg *ifa = msg_put(&m, sizeof(*ifa));
        ifa->ifa_family = AF_INET;
        ifa->ifa_prefixlen = (unsigned char)prefixlen;
        ifa->ifa_scope = RT_SCOPE_UNIVERSE;
        ifa->ifa_index = (unsigned)index;
        attr_put(&m, IFA_LOCAL, &addr, sizeof(addr));
        attr_put(&m, IFA_ADDRESS, &addr, sizeof(addr));
        if (prefixlen < 31) {
                uint32_t mask = prefixlen == 0 ? 0 : htonl(~0u << (32 - prefixlen));
                struct in_addr brd = {.s_addr = addr.s_addr | ~mask};
                attr_put(&m, IFA_BROADCAST, &brd, sizeof(brd));
        }
        return request(nl, &m, NULL, NULL);
}

int nl_route_add_default(struct nl *nl, int index, struct in_addr gateway)
{
        struct msg m;
        msg_init(&m, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
        struct rtmsg *rt = msg_put(&m, sizeof(*rt));
        rt->rtm_family = AF_INET;
        rt->rtm_table = RT_TABLE_MAIN;
        rt->rtm_protocol = RTPROT_BOOT;
        rt->rtm_scope = RT_SCOPE_UNIVERSE;
        rt->rtm_type = RTN_UNICAST;
        attr_put(&m, RTA_GATEWAY, &gateway, sizeof(gateway));
        attr_put_u32(&m, RTA_OIF, (uint32_t)index);
        return request(nl, &m, NULL, NULL);
}
