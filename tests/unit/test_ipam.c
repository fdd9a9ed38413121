#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/mem.h"
#include "net/ip.h"
#include "net/ipam.h"
#include "tests/unit/unit.h"

static const char *fmt(const struct gt_ip *ip)
{
    static char buf[4][GT_IP_STRLEN];
    static int i;
    i = (i + 1) % 4;
    return gt_ip_format(ip, buf[i], sizeof buf[i]);
}

TEST(ip_prefix_arithmetic)
{
    struct gt_prefix p;
    struct gt_error err;
    REQUIRE(gt_prefix_parse("10.1.2.77/22", &p, &err) == 0);
    struct gt_ip net = gt_prefix_network(&p), last = gt_prefix_last(&p);
    CHECK_STR_EQ(fmt(&net), "10.1.0.0");
    CHECK_STR_EQ(fmt(&last), "10.1.3.255");
    struct gt_ip ip;
    REQUIRE(gt_ip_parse("10.1.3.255", &ip, &err) == 0);
    gt_ip_next(&ip);
    CHECK_STR_EQ(fmt(&ip), "10.1.4.0");
    CHECK(!gt_prefix_contains(&p, &ip));
    REQUIRE(gt_prefix_parse("fd00:1::/64", &p, &err) == 0);
    last = gt_prefix_last(&p);
    CHECK_STR_EQ(fmt(&last), "fd00:1::ffff:ffff:ffff:ffff");
    CHECK(gt_prefix_parse("10.0.0.0/33", &p, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "bad prefix length");
    CHECK(gt_prefix_parse("10.0.0/8", &p, &err) < 0);
    CHECK(gt_ip_parse("1.2.3.4.5", &ip, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "1.2.3.4.5");
}

static void simple(struct gt_ipam_config *cfg, const char *subnet, const char *start,
                   const char *end)
{
    struct gt_error err;
    cleanup_free char *dd = gt_path_join(unit_tmpdir(), "ipam");
    if (gt_ipam_config_simple("testnet", dd, subnet, start, end, NULL, cfg, &err) < 0)
        unit_fail(__FILE__, __LINE__, "config: %s", err.msg);
}

TEST(ipam_allocates_round_robin_skipping_gateway)
{
    struct gt_ipam_config cfg;
    struct gt_error err;
    simple(&cfg, "10.9.0.0/29", NULL, NULL);
    struct gt_ipam ipam;
    REQUIRE(gt_ipam_open(&ipam, &cfg, &err) == 0);
    struct gt_ipam_lease l;
    REQUIRE(gt_ipam_allocate(&ipam, "c1", "eth0", NULL, &l, &err) == 0);
    /* .1 is the gateway */
    CHECK_STR_EQ(fmt(&l.addr.ip), "10.9.0.2");
    CHECK_INT_EQ(l.addr.len, 29);
    CHECK_STR_EQ(fmt(&l.gateway), "10.9.0.1");
    REQUIRE(gt_ipam_allocate(&ipam, "c2", "eth0", NULL, &l, &err) == 0);
    CHECK_STR_EQ(fmt(&l.addr.ip), "10.9.0.3");
    /* a second ADD of the same container returns what it holds */
    REQUIRE(gt_ipam_allocate(&ipam, "c1", "eth0", NULL, &l, &err) == 0);
    CHECK_STR_EQ(fmt(&l.addr.ip), "10.9.0.2");
    /* c1 on another interface is another lease */
    REQUIRE(gt_ipam_allocate(&ipam, "c1", "eth1", NULL, &l, &err) == 0);
    CHECK_STR_EQ(fmt(&l.addr.ip), "10.9.0.4");
    /* a released address is not reused at once */
    CHECK_INT_EQ(gt_ipam_release(&ipam, "c2", "eth0", &err), 1);
    REQUIRE(gt_ipam_allocate(&ipam, "c3", "eth0", NULL, &l, &err) == 0);
    CHECK_STR_EQ(fmt(&l.addr.ip), "10.9.0.5");
    CHECK_INT_EQ(gt_ipam_count(&ipam, &err), 3);
    gt_ipam_close(&ipam);
    /* the file format is host-local's */
    cleanup_free char *f = gt_xasprintf("%s/ipam/testnet/10.9.0.2", unit_tmpdir());
    cleanup_free char *content = NULL;
    REQUIRE(gt_read_file(f, 0, &content, NULL, &err) == 0);
    CHECK_STR_EQ(content, "c1\r\neth0");
    gt_ipam_config_release(&cfg);
}

TEST(ipam_exhaustion_is_a_clear_error_and_leaves_nothing)
{
    struct gt_ipam_config cfg;
    struct gt_error err;
    simple(&cfg, "10.9.0.0/24", "10.9.0.10", "10.9.0.12");
    struct gt_ipam ipam;
    REQUIRE(gt_ipam_open(&ipam, &cfg, &err) == 0);
    struct gt_ipam_lease l;
    for (int i = 0; i < 3; i++) {
        char id[16];
        snprintf(id, sizeof id, "c%d", i);
        REQUIRE(gt_ipam_allocate(&ipam, id, "eth0", NULL, &l, &err) == 0);
    }
    int r = gt_ipam_allocate(&ipam, "c9", "eth0", NULL, &l, &err);
    CHECK_INT_EQ(r, -ENOSPC);
    CHECK_STR_CONTAINS(err.msg, "no free IP address in network testnet");
    CHECK_STR_CONTAINS(err.msg, "10.9.0.10-10.9.0.12");
    CHECK_INT_EQ(gt_ipam_count(&ipam, &err), 3);
    /* freeing one makes room again */
    CHECK_INT_EQ(gt_ipam_release(&ipam, "c1", "eth0", &err), 1);
    REQUIRE(gt_ipam_allocate(&ipam, "c9", "eth0", NULL, &l, &err) == 0);
    CHECK_STR_EQ(fmt(&l.addr.ip), "10.9.0.11");
    gt_ipam_close(&ipam);
    gt_ipam_config_release(&cfg);
}

TEST(ipam_release_happens_exactly_once_and_only_for_the_holder)
{
    struct gt_ipam_config cfg;
    struct gt_error err;
    simple(&cfg, "10.9.0.0/24", NULL, NULL);
    struct gt_ipam ipam;
    REQUIRE(gt_ipam_open(&ipam, &cfg, &err) == 0);
    struct gt_ipam_lease l;
    REQUIRE(gt_ipam_allocate(&ipam, "owner", "eth0", NULL, &l, &err) == 0);
    CHECK_INT_EQ(gt_ipam_release(&ipam, "other", "eth0", &err), 0);
    CHECK_INT_EQ(gt_ipam_release(&ipam, "owner", "eth1", &err), 0);
    CHECK_INT_EQ(gt_ipam_count(&ipam, &err), 1);
    CHECK_INT_EQ(gt_ipam_release(&ipam, "owner", "eth0", &err), 1);
    CHECK_INT_EQ(gt_ipam_release(&ipam, "owner", "eth0", &err), 0);
    CHECK_INT_EQ(gt_ipam_count(&ipam, &err), 0);
    /* the address is someone else's now: a late second release of the
     * first owner must not free it */
    REQUIRE(gt_ipam_allocate(&ipam, "next", "eth0", &l.addr.ip, &l, &err) == 0);
    CHECK_INT_EQ(gt_ipam_release(&ipam, "owner", "eth0", &err), 0);
    CHECK_INT_EQ(gt_ipam_count(&ipam, &err), 1);
    gt_ipam_close(&ipam);
    gt_ipam_config_release(&cfg);
}

TEST(ipam_state_survives_reopening)
{
    struct gt_ipam_config cfg;
    struct gt_error err;
    simple(&cfg, "10.9.0.0/24", NULL, NULL);
    struct gt_ipam ipam;
    struct gt_ipam_lease l, found;
    REQUIRE(gt_ipam_open(&ipam, &cfg, &err) == 0);
    REQUIRE(gt_ipam_allocate(&ipam, "a", "eth0", NULL, &l, &err) == 0);
    REQUIRE(gt_ipam_allocate(&ipam, "b", "eth0", NULL, &l, &err) == 0);
    gt_ipam_close(&ipam);
    gt_ipam_config_release(&cfg);

    /* a new process would parse the same configuration again */
    simple(&cfg, "10.9.0.0/24", NULL, NULL);
    REQUIRE(gt_ipam_open(&ipam, &cfg, &err) == 0);
    CHECK_INT_EQ(gt_ipam_find(&ipam, "b", "eth0", &found, &err), 1);
    CHECK_STR_EQ(fmt(&found.addr.ip), "10.9.0.3");
    CHECK_INT_EQ(gt_ipam_find(&ipam, "zz", "eth0", &found, &err), 0);
    /* round-robin continues after the last reserved */
    REQUIRE(gt_ipam_allocate(&ipam, "c", "eth0", NULL, &l, &err) == 0);
    CHECK_STR_EQ(fmt(&l.addr.ip), "10.9.0.4");
    gt_ipam_close(&ipam);
    gt_ipam_config_release(&cfg);
}

TEST(ipam_requested_address_and_conflicts)
{
    struct gt_ipam_config cfg;
    struct gt_error err;
    simple(&cfg, "10.9.0.0/24", NULL, NULL);
    struct gt_ipam ipam;
    REQUIRE(gt_ipam_open(&ipam, &cfg, &err) == 0);
    struct gt_ipam_lease l;
    struct gt_ip want;
    gt_ip_parse("10.9.0.77", &want, &err);
    REQUIRE(gt_ipam_allocate(&ipam, "a", "eth0", &want, &l, &err) == 0);
    CHECK_STR_EQ(fmt(&l.addr.ip), "10.9.0.77");
    CHECK_INT_EQ(gt_ipam_allocate(&ipam, "b", "eth0", &want, &l, &err), -EADDRINUSE);
    CHECK_STR_CONTAINS(err.msg, "already in use");
    gt_ip_parse("10.9.0.1", &want, &err);
    CHECK_INT_EQ(gt_ipam_allocate(&ipam, "b", "eth0", &want, &l, &err), -EADDRINUSE);
    CHECK_STR_CONTAINS(err.msg, "gateway");
    gt_ip_parse("10.10.0.1", &want, &err);
    CHECK_INT_EQ(gt_ipam_allocate(&ipam, "b", "eth0", &want, &l, &err), -EINVAL);
    CHECK_STR_CONTAINS(err.msg, "not in any subnet");
    CHECK_INT_EQ(gt_ipam_count(&ipam, &err), 1);
    gt_ipam_close(&ipam);
    gt_ipam_config_release(&cfg);
}

TEST(ipam_parses_host_local_config_with_two_families)
{
    const char *doc = "{\"type\":\"host-local\",\"dataDir\":\"%s\",\"ranges\":["
                      "[{\"subnet\":\"10.20.0.0/16\",\"rangeStart\":\"10.20.1.1\","
                      "\"rangeEnd\":\"10.20.1.2\"},{\"subnet\":\"10.21.0.0/30\"}],"
                      "[{\"subnet\":\"fd00:20::/64\"}]]}";
    cleanup_free char *text = gt_xasprintf(doc, unit_tmpdir());
    struct gt_error err;
    cleanup_json json_t *j = NULL;
    REQUIRE(gt_json_load_buf(text, strlen(text), "ipam", &j, &err) == 0);
    struct gt_ipam_config cfg;
    REQUIRE(gt_ipam_config_parse(j, "dual", &cfg, &err) == 0);
    CHECK_INT_EQ(cfg.nsets, 2);
    struct gt_ipam ipam;
    REQUIRE(gt_ipam_open(&ipam, &cfg, &err) == 0);
    struct gt_ipam_lease l[2];
    const char *want4[] = { "10.20.1.1", "10.20.1.2", "10.21.0.2" };
    for (int i = 0; i < 3; i++) {
        char id[8];
        snprintf(id, sizeof id, "c%d", i);
        REQUIRE(gt_ipam_allocate(&ipam, id, "eth0", NULL, l, &err) == 0);
        CHECK_STR_EQ(fmt(&l[0].addr.ip), want4[i]);
        CHECK_INT_EQ(l[1].addr.ip.family, AF_INET6);
    }
    CHECK_STR_EQ(fmt(&l[1].addr.ip), "fd00:20::4");
    CHECK_STR_EQ(fmt(&l[1].gateway), "fd00:20::1");
    /* the /30 has one usable address besides its gateway: now full, and
     * the failed allocation leaves no IPv6 address behind */
    CHECK_INT_EQ(gt_ipam_allocate(&ipam, "c9", "eth0", NULL, l, &err), -ENOSPC);
    CHECK_INT_EQ(gt_ipam_count(&ipam, &err), 6);
    gt_ipam_close(&ipam);
    gt_ipam_config_release(&cfg);
}

TEST(ipam_rejects_bad_config_and_names)
{
    struct gt_error err;
    struct gt_ipam_config cfg;
    CHECK(gt_ipam_config_simple("n", NULL, "10.0.0.0/24", "10.0.1.5", NULL, NULL, &cfg, &err) <
          0);
    CHECK_STR_CONTAINS(err.msg, "rangeStart");
    CHECK(gt_ipam_config_simple("n", NULL, "10.0.0.0/24", "10.0.0.9", "10.0.0.5", NULL, &cfg,
                                &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "after rangeEnd");
    CHECK(gt_ipam_config_simple("n", NULL, "10.0.0.0/24", NULL, NULL, "10.1.0.1", &cfg, &err) <
          0);
    CHECK_STR_CONTAINS(err.msg, "gateway");
    CHECK(gt_ipam_config_simple("../x", NULL, "10.0.0.0/24", NULL, NULL, NULL, &cfg, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "invalid network name");
    const char *doc = "{\"ranges\":[[{\"subnet\":\"10.0.0.0/24\"},{\"subnet\":\"fd00::/64\"}]]}";
    cleanup_json json_t *j = NULL;
    REQUIRE(gt_json_load_buf(doc, strlen(doc), "ipam", &j, &err) == 0);
    CHECK(gt_ipam_config_parse(j, "n", &cfg, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "mixes IPv4 and IPv6");

    simple(&cfg, "10.9.0.0/24", NULL, NULL);
    struct gt_ipam ipam;
    REQUIRE(gt_ipam_open(&ipam, &cfg, &err) == 0);
    struct gt_ipam_lease l;
    CHECK(gt_ipam_allocate(&ipam, "../../etc", "eth0", NULL, &l, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "invalid container id");
    CHECK_INT_EQ(gt_ipam_count(&ipam, &err), 0);
    gt_ipam_close(&ipam);
    gt_ipam_config_release(&cfg);
}
