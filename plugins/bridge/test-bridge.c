/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of the bridge plugin's pure parts: options, IPv4 arithmetic, the lease store (in a temporary
 * directory standing in for the state root). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bridge.h"
#include "unit.h"

static const char *addr_str(struct in_addr a)
{
        static char buf[4][INET_ADDRSTRLEN];
        static int i;
        i = (i + 1) % 4;
        return inet_ntop(AF_INET, &a, buf[i], sizeof(buf[i]));
}

TEST(test_conf_defaults)
{
        struct bridge_conf c;
        struct bmsg m;
        CHECK_INTEQ(bridge_conf_parse(NULL, NULL, NULL, NULL, &c, &m), 0);
        CHECK_STREQ(c.name, "berth0");
        CHECK_STREQ(c.ifname, "eth0");
        CHECK_STREQ(addr_str(c.net), "10.77.0.0");
        CHECK_INTEQ(c.prefix, 16);
        CHECK_STREQ(addr_str(c.gateway), "10.77.0.1");

        CHECK_INTEQ(bridge_conf_parse("br-x", "net0", "192.168.250.0/24", "192.168.250.254", &c, &m), 0);
        CHECK_STREQ(c.name, "br-x");
        CHECK_STREQ(c.ifname, "net0");
        CHECK_INTEQ(c.prefix, 24);
        CHECK_STREQ(addr_str(c.gateway), "192.168.250.254");
}

TEST(test_conf_errors)
{
        struct bridge_conf c;
        struct bmsg m;
        CHECK_INTEQ(bridge_conf_parse("a-name-longer-than-15", NULL, NULL, NULL, &c, &m), -EINVAL);
        CHECK_CONTAINS(m.s, "berth.plugin.bridge.name: \"a-name-longer-than-15\" is not an interface name");
        CHECK(bridge_conf_parse("a/b", NULL, NULL, NULL, &c, &m) < 0);
        CHECK(bridge_conf_parse(".lock", NULL, NULL, NULL, &c, &m) < 0);
        CHECK(bridge_conf_parse("a b", NULL, NULL, NULL, &c, &m) < 0);
        CHECK(bridge_conf_parse(NULL, "lo", NULL, NULL, &c, &m) < 0);
        CHECK_CONTAINS(m.s, "berth.plugin.bridge.ifname");
        CHECK(bridge_conf_parse(NULL, NULL, "10.1.0.0", NULL, &c, &m) < 0);
        CHECK_CONTAINS(m.s, "berth.plugin.bridge.subnet: \"10.1.0.0\" is not an IPv4 subnet");
        CHECK(bridge_conf_parse(NULL, NULL, "10.1.0.0/33", NULL, &c, &m) < 0);
        CHECK(bridge_conf_parse(NULL, NULL, "10.1.0.0/1x", NULL, &c, &m) < 0);
        CHECK(bridge_conf_parse(NULL, NULL, "10.1.0.0/31", NULL, &c, &m) < 0);
        CHECK_CONTAINS(m.s, "prefix length must be 8 to 30");
        CHECK(bridge_conf_parse(NULL, NULL, "10.1.2.3/16", NULL, &c, &m) < 0);
        CHECK_CONTAINS(m.s, "has host bits set (the subnet is 10.1.0.0/16)");
        CHECK(bridge_conf_parse(NULL, NULL, "10.1.0.0/16", "10.2.0.1", &c, &m) < 0);
        CHECK_CONTAINS(m.s, "berth.plugin.bridge.gateway: 10.2.0.1 is not a host address of the subnet");
        CHECK(bridge_conf_parse(NULL, NULL, "10.1.0.0/16", "10.1.255.255", &c, &m) < 0);
        CHECK(bridge_conf_parse(NULL, NULL, "10.1.0.0/16", "10.1.0.0", &c, &m) < 0);
        CHECK(bridge_conf_parse(NULL, NULL, "10.1.0.0/16", "x", &c, &m) < 0);
        CHECK_CONTAINS(m.s, "is not an IPv4 address");
}

TEST(test_ipv4)
{
        struct in_addr a, net;
        unsigned p;
        CHECK_INTEQ(ipv4_parse_cidr("10.1.2.3/20", &a, &p), 0);
        CHECK_INTEQ(p, 20);
        net = ipv4_network(a, p);
        CHECK_STREQ(addr_str(net), "10.1.0.0");
        CHECK(ipv4_in_subnet(a, net, p));
        CHECK_STREQ(addr_str(ipv4_nth(net, 4095)), "10.1.15.255");
        CHECK(!ipv4_in_subnet(ipv4_nth(net, 4096), net, p));
        CHECK(ipv4_parse_cidr("10.1.2.3/", &a, &p) < 0);
        CHECK(ipv4_parse_cidr("/8", &a, &p) < 0);
        CHECK(ipv4_parse_cidr("10.1.2.3/123", &a, &p) < 0);
        CHECK(ipv4_parse_cidr("::1/64", &a, &p) < 0);
}

/* a state root with the container directories named */
static char *make_root(void)
{
        char *root = strdup("/tmp/test-bridge.XXXXXX");
        if (!root || !mkdtemp(root))
                abort();
        return root;
}

static void add_container(const char *root, const char *id)
{
        char p[512];
        snprintf(p, sizeof(p), "%s/%s", root, id);
        mkdir(p, 0700);
}

static void rm_rf(const char *path)
{
        char cmd[600];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
        if (system(cmd) != 0)
                fprintf(stderr, "# cannot remove %s\n", path);
}

TEST(test_lease_store)
{
        char *root = make_root();
        add_container(root, "a");
        add_container(root, "b");
        add_container(root, "c");
        struct bridge_conf conf;
        struct bmsg m;
        CHECK_INTEQ(bridge_conf_parse("brt", NULL, "10.9.8.0/30", NULL, &conf, &m), 0);
        struct lease_store s = LEASE_STORE_INIT;
        CHECK_INTEQ(lease_store_lock(root, &s, &m), 0);

        struct lease_network net;
        CHECK_INTEQ(lease_network_read(&s, "brt", &net, &m), 0);
        CHECK(!net.present);
        CHECK_INTEQ(lease_network_write(&s, &conf, true, &m), 0);
        CHECK_INTEQ(lease_network_read(&s, "brt", &net, &m), 0);
        CHECK(net.present && net.owned && net.prefix == 30);
        CHECK_STREQ(addr_str(net.gateway), "10.9.8.1");

        /* a /30 has one address besides the gateway */
        struct in_addr a;
        CHECK_INTEQ(lease_acquire(&s, &conf, "a", &a, &m), 0);
        CHECK_STREQ(addr_str(a), "10.9.8.2");
        CHECK_INTEQ(lease_acquire(&s, &conf, "b", &a, &m), -ENOSPC);
        CHECK_CONTAINS(m.s, "no free address left in 10.9.8.0/30 on bridge brt");
        CHECK_INTEQ(lease_count(&s, "brt", &m), 1);

        /* release: only by its holder */
        CHECK_INTEQ(lease_release(&s, "brt", a, "b", &m), 0);
        CHECK_INTEQ(lease_release(&s, "brt", a, "a", &m), 1);
        CHECK_INTEQ(lease_release(&s, "brt", a, "a", &m), 0);
        CHECK_INTEQ(lease_count(&s, "brt", &m), 0);

        /* a lease whose owner's state directory is gone is taken over when the subnet is full */
        CHECK_INTEQ(lease_acquire(&s, &conf, "gone", &a, &m), 0);
        CHECK_INTEQ(lease_acquire(&s, &conf, "c", &a, &m), 0);
        CHECK_STREQ(addr_str(a), "10.9.8.2");
        char p[600], owner[64];
        snprintf(p, sizeof(p), "%s/.plugins/bridge/brt", root);
        int dfd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        CHECK(dfd >= 0);
        CHECK(bfile_read_at(dfd, "10.9.8.2", owner, sizeof(owner)) > 0);
        CHECK_STREQ(owner, "c\n");
        close(dfd);

        /* release_all finds the leases of an id on every bridge */
        struct bridge_conf conf2;
        CHECK_INTEQ(bridge_conf_parse("brt2", NULL, "10.9.9.0/24", NULL, &conf2, &m), 0);
        CHECK_INTEQ(lease_network_write(&s, &conf2, false, &m), 0);
        CHECK_INTEQ(lease_acquire(&s, &conf2, "c", &a, &m), 0);
        CHECK_STREQ(addr_str(a), "10.9.9.2");
        CHECK_INTEQ(lease_acquire(&s, &conf2, "b", &a, &m), 0);
        CHECK_STREQ(addr_str(a), "10.9.9.3");
        char **bridges = NULL;
        CHECK_INTEQ(lease_bridges(&s, &bridges, &m), 0);
        CHECK(bridges && bridges[0] && bridges[1] && !bridges[2]);
        lease_names_free(bridges);
        CHECK_INTEQ(lease_release_all(&s, "c", &m), 2);
        CHECK_INTEQ(lease_count(&s, "brt", &m), 0);
        CHECK_INTEQ(lease_count(&s, "brt2", &m), 1);

        CHECK_INTEQ(lease_network_remove(&s, "brt", &m), 0);
        CHECK_INTEQ(lease_network_read(&s, "brt", &net, &m), 0);
        CHECK(!net.present);
        CHECK(access(p, F_OK) < 0 && errno == ENOENT);
        lease_store_unlock(&s);
        rm_rf(root);
        free(root);
}

TEST(test_kv)
{
        char out[32];
        const char *text = "bridge=berth0\nveth=bv1234\naddress=10.0.0.2/16\n";
        CHECK_STREQ(kv_get(text, "veth", out, sizeof(out)), "bv1234");
        CHECK_STREQ(kv_get(text, "address", out, sizeof(out)), "10.0.0.2/16");
        CHECK(!kv_get(text, "bridg", out, sizeof(out)));
        CHECK(!kv_get(text, "bridge", out, 4));
}

UNIT_MAIN(UNIT_CASE(test_conf_defaults), UNIT_CASE(test_conf_errors), UNIT_CASE(test_ipv4),
          UNIT_CASE(test_lease_store), UNIT_CASE(test_kv))
