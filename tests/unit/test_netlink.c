/* Each test runs in its own process: it unshares a fresh network namespace
 * (the "host") and makes another one (the "container"), so nothing here
 * touches the machine's networking. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "net/ip.h"
#include "net/netlink.h"
#include "net/netns.h"
#include "tests/unit/unit.h"

/* Enters a new "host" namespace and returns an fd of a new "container"
 * namespace, staying in the host one. */
static int make_namespaces(void)
{
    if (geteuid() != 0)
        unit_skip("needs root");
    if (unshare(CLONE_NEWNET) < 0)
        unit_skip("unshare(CLONE_NEWNET): %s", strerror(errno));
    int host = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (unshare(CLONE_NEWNET) < 0)
        abort();
    int ctr = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (host < 0 || ctr < 0 || setns(host, CLONE_NEWNET) < 0)
        abort();
    close(host);
    return ctr;
}

TEST(netlink_veth_into_namespace_bridge_addresses_routes)
{
    int ctr = make_namespaces();
    struct gt_error err;
    struct gt_nl nl, cnl;
    REQUIRE(gt_nl_open(&nl, &err) == 0);
    REQUIRE(gt_nl_open_netns(&cnl, ctr, &err) == 0);

    REQUIRE(gt_nl_bridge_add(&nl, "tbr0", 1400, &err) == 0);
    CHECK_INT_EQ(gt_nl_bridge_add(&nl, "tbr0", 0, &err), -EEXIST);
    CHECK_STR_CONTAINS(err.msg, "add bridge tbr0: File exists");
    struct gt_nl_link br, host, peer;
    REQUIRE(gt_nl_link_get(&nl, "tbr0", &br, &err) == 0);
    CHECK_STR_EQ(br.kind, "bridge");
    CHECK_INT_EQ(br.mtu, 1400);

    REQUIRE(gt_nl_veth_add(&nl, "tveth0", "eth0", ctr, 1400, &err) == 0);
    REQUIRE(gt_nl_link_get(&nl, "tveth0", &host, &err) == 0);
    CHECK_STR_EQ(host.kind, "veth");
    /* the peer exists only in the container's namespace */
    CHECK_INT_EQ(gt_nl_link_get(&nl, "eth0", &peer, &err), -ENODEV);
    REQUIRE(gt_nl_link_get(&cnl, "eth0", &peer, &err) == 0);
    CHECK_INT_EQ(peer.mtu, 1400);

    REQUIRE(gt_nl_link_set_master(&nl, host.index, br.index, &err) == 0);
    REQUIRE(gt_nl_link_set_up(&nl, host.index, true, &err) == 0);
    REQUIRE(gt_nl_link_set_up(&nl, br.index, true, &err) == 0);
    REQUIRE(gt_nl_bridge_port_set_hairpin(&nl, host.index, true, &err) == 0);
    REQUIRE(gt_nl_link_get(&nl, "tveth0", &host, &err) == 0);
    CHECK_INT_EQ(host.master, br.index);
    CHECK(host.flags & IFF_UP);

    uint8_t mac[6] = { 0x02, 0x42, 0xac, 0x11, 0x00, 0x05 };
    REQUIRE(gt_nl_link_set_mac(&cnl, peer.index, mac, &err) == 0);
    REQUIRE(gt_nl_link_set_up(&cnl, peer.index, true, &err) == 0);
    REQUIRE(gt_nl_link_get_index(&cnl, peer.index, &peer, &err) == 0);
    char m[18];
    CHECK_STR_EQ(gt_mac_format(peer.mac, m), "02:42:ac:11:00:05");

    struct gt_prefix gw, a6;
    gt_prefix_parse("10.77.0.1/24", &gw, &err);
    REQUIRE(gt_nl_addr_add(&nl, br.index, &gw, &err) == 0);
    CHECK_INT_EQ(gt_nl_addr_add(&nl, br.index, &gw, &err), -EEXIST);
    struct gt_prefix a;
    gt_prefix_parse("10.77.0.5/24", &a, &err);
    REQUIRE(gt_nl_addr_add(&cnl, peer.index, &a, &err) == 0);
    gt_prefix_parse("fd00:77::5/64", &a6, &err);
    REQUIRE(gt_nl_addr_add(&cnl, peer.index, &a6, &err) == 0);
    struct gt_nl_addr *addrs = NULL;
    size_t n = 0;
    REQUIRE(gt_nl_addr_list(&cnl, peer.index, AF_INET, &addrs, &n, &err) == 0);
    CHECK_INT_EQ(n, 1);
    char s[GT_IP_STRLEN];
    if (n == 1)
        CHECK_STR_EQ(gt_prefix_format(&addrs[0].prefix, s, sizeof s), "10.77.0.5/24");
    free(addrs);

    struct gt_nl_route def = { 0 };
    gt_prefix_parse("0.0.0.0/0", &def.dst, &err);
    gt_ip_parse("10.77.0.1", &def.gw, &err);
    REQUIRE(gt_nl_route_add(&cnl, &def, &err) == 0);
    struct gt_nl_route *routes = NULL;
    REQUIRE(gt_nl_route_list(&cnl, AF_INET, &routes, &n, &err) == 0);
    int found = 0;
    for (size_t i = 0; i < n; i++)
        if (routes[i].dst.len == 0 && routes[i].gw.family == AF_INET &&
            !strcmp(gt_ip_format(&routes[i].gw, s, sizeof s), "10.77.0.1"))
            found++;
    CHECK_INT_EQ(found, 1);
    free(routes);

    /* deleting the host end removes the pair */
    REQUIRE(gt_nl_link_del(&nl, host.index, &err) == 0);
    CHECK_INT_EQ(gt_nl_link_get(&cnl, "eth0", &peer, &err), -ENODEV);
    CHECK_INT_EQ(gt_nl_link_del(&nl, host.index, &err), -ENODEV);
    struct gt_nl_link *links = NULL;
    REQUIRE(gt_nl_link_list(&nl, &links, &n, &err) == 0);
    CHECK_INT_EQ(n, 2); /* lo and tbr0 */
    free(links);
    gt_nl_close(&nl);
    gt_nl_close(&cnl);
    close(ctr);
}

TEST(netlink_move_link_and_rename)
{
    int ctr = make_namespaces();
    struct gt_error err;
    struct gt_nl nl, cnl;
    REQUIRE(gt_nl_open(&nl, &err) == 0);
    REQUIRE(gt_nl_open_netns(&cnl, ctr, &err) == 0);
    REQUIRE(gt_nl_veth_add(&nl, "ta", "tb", -1, 0, &err) == 0);
    struct gt_nl_link b;
    REQUIRE(gt_nl_link_get(&nl, "tb", &b, &err) == 0);
    REQUIRE(gt_nl_link_set_netns(&nl, b.index, ctr, &err) == 0);
    CHECK_INT_EQ(gt_nl_link_get(&nl, "tb", &b, &err), -ENODEV);
    REQUIRE(gt_nl_link_get(&cnl, "tb", &b, &err) == 0);
    REQUIRE(gt_nl_link_set_name(&cnl, b.index, "eth1", &err) == 0);
    REQUIRE(gt_nl_link_set_mtu(&cnl, b.index, 1300, &err) == 0);
    REQUIRE(gt_nl_link_get(&cnl, "eth1", &b, &err) == 0);
    CHECK_INT_EQ(b.mtu, 1300);
    CHECK(gt_nl_link_set_name(&cnl, b.index, "a/b", &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "invalid interface name");
    gt_nl_close(&nl);
    gt_nl_close(&cnl);
    close(ctr);
}

TEST(netns_sysctl_is_written_in_the_target_namespace)
{
    int ctr = make_namespaces();
    struct gt_error err;
    char v[16];
    REQUIRE(gt_netns_sysctl_write(ctr, "net/ipv4/ip_forward", "1", &err) == 0);
    REQUIRE(gt_netns_sysctl_read(ctr, "net/ipv4/ip_forward", v, sizeof v, &err) == 0);
    CHECK_STR_EQ(v, "1");
    /* our own namespace is untouched */
    REQUIRE(gt_netns_sysctl_read(-1, "net/ipv4/ip_forward", v, sizeof v, &err) == 0);
    CHECK_STR_EQ(v, "0");
    CHECK(gt_netns_sysctl_write(ctr, "../../etc/passwd", "x", &err) < 0);
    CHECK(gt_netns_open("/etc/hostname", &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "not a namespace file");
    int fd = gt_netns_open("/proc/self/ns/net", &err);
    CHECK(fd >= 0);
    if (fd >= 0)
        close(fd);
    CHECK(gt_netns_open("/proc/self/ns/uts", &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "not a network namespace");
    close(ctr);
}
