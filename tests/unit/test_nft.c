/* Each test unshares its own network namespace: the rules never reach the
 * machine's. */
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "net/ip.h"
#include "net/nft.h"
#include "tests/unit/unit.h"

static struct gt_nft *fresh(void)
{
    if (geteuid() != 0)
        unit_skip("needs root");
    if (unshare(CLONE_NEWNET) < 0)
        unit_skip("unshare(CLONE_NEWNET): %s", strerror(errno));
    struct gt_nft *nft;
    struct gt_error err;
    if (gt_nft_new(NULL, &nft, &err) < 0) {
        unit_fail(__FILE__, __LINE__, "%s", err.msg);
        exit(1);
    }
    return nft;
}

/* Number of rules in the table, and how many carry `needle` in their
 * comment (needle may be NULL). */
static int count_rules(struct gt_nft *nft, const char *needle, int *matching)
{
    struct gt_error err;
    cleanup_json json_t *doc = NULL;
    if (gt_nft_list_json(nft, "list table ip gantry", &doc, &err) < 0)
        return -1;
    json_t *arr = json_object_get(doc, "nftables"), *it;
    size_t i;
    int n = 0;
    *matching = 0;
    json_array_foreach(arr, i, it) {
        json_t *r = json_object_get(it, "rule");
        if (!r)
            continue;
        n++;
        json_t *c = json_object_get(r, "comment");
        if (needle && json_is_string(c) && strstr(json_string_value(c), needle))
            (*matching)++;
    }
    return n;
}

static struct gt_nft_network net(const char *bridge, const char *subnet)
{
    struct gt_nft_network n = { .bridge = bridge, .masquerade = true };
    gt_prefix_parse(subnet, &n.subnet, NULL);
    return n;
}

TEST(nft_network_setup_is_idempotent_and_teardown_complete)
{
    struct gt_nft *nft = fresh();
    struct gt_error err;
    struct gt_nft_network a = net("gtbr-a", "10.50.0.0/24"), b = net("gtbr-b", "10.51.0.0/24");
    REQUIRE(gt_nft_network_setup(nft, &a, &err) == 0);
    int m;
    int base_plus_a = count_rules(nft, NULL, &m);
    REQUIRE(gt_nft_network_setup(nft, &a, &err) == 0);
    CHECK_INT_EQ(count_rules(nft, NULL, &m), base_plus_a);
    REQUIRE(gt_nft_network_setup(nft, &b, &err) == 0);
    CHECK(count_rules(nft, NULL, &m) > base_plus_a);
    REQUIRE(gt_nft_network_teardown(nft, "gtbr-b", &err) == 0);
    CHECK_INT_EQ(count_rules(nft, NULL, &m), base_plus_a);
    REQUIRE(gt_nft_network_teardown(nft, "gtbr-b", &err) == 0); /* nothing left: fine */
    cleanup_json json_t *doc = NULL;
    REQUIRE(gt_nft_list_json(nft, "list map ip gantry bridge_fwd", &doc, &err) == 0);
    cleanup_free char *text = json_dumps(doc, 0);
    CHECK_STR_CONTAINS(text, "net-gtbr-a-fwd");
    CHECK(!strstr(text, "gtbr-b"));
    /* the last network takes the table with it */
    REQUIRE(gt_nft_network_teardown(nft, "gtbr-a", &err) == 0);
    CHECK_INT_EQ(count_rules(nft, NULL, &m), -1);
    CHECK(gt_nft_network_setup(nft, &(struct gt_nft_network){ .bridge = "bad name" }, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "invalid bridge name");
    gt_nft_free(nft);
}

TEST(nft_port_rules_are_found_and_removed_by_container)
{
    struct gt_nft *nft = fresh();
    struct gt_error err;
    struct gt_nft_network a = net("gtbr-a", "10.50.0.0/24");
    REQUIRE(gt_nft_network_setup(nft, &a, &err) == 0);
    struct gt_ip ip1, ip2;
    gt_ip_parse("10.50.0.2", &ip1, &err);
    gt_ip_parse("10.50.0.3", &ip2, &err);
    struct gt_nft_port p1[] = {
        { .proto = IPPROTO_TCP, .host_port = 8080, .container_port = 80 },
        { .proto = IPPROTO_UDP, .host_port = 8080, .container_port = 53 },
    };
    REQUIRE(gt_nft_container_add(nft, "c1", "eth0", &ip1, p1, 2, &err) == 0);
    int m;
    count_rules(nft, "ctr:c1:eth0", &m);
    CHECK_INT_EQ(m, 2);
    /* a repeated ADD replaces, not duplicates */
    REQUIRE(gt_nft_container_add(nft, "c1", "eth0", &ip1, p1, 2, &err) == 0);
    count_rules(nft, "ctr:c1:eth0", &m);
    CHECK_INT_EQ(m, 2);

    /* conflicts name the holder and change nothing */
    struct gt_nft_port p2[] = { { .proto = IPPROTO_TCP, .host_port = 9090, .container_port = 80 },
                                { .proto = IPPROTO_TCP, .host_port = 8080, .container_port = 80 } };
    gt_ip_parse("127.0.0.1", &p2[1].host_ip, &err);
    CHECK_INT_EQ(gt_nft_container_add(nft, "c2", "eth0", &ip2, p2, 2, &err), -EADDRINUSE);
    CHECK_STR_CONTAINS(err.msg, "host port 8080/tcp is already published by c1:eth0");
    count_rules(nft, "ctr:c2:", &m);
    CHECK_INT_EQ(m, 0);
    p2[1].proto = IPPROTO_UDP;
    p2[1].host_port = 5353;
    REQUIRE(gt_nft_container_add(nft, "c2", "eth0", &ip2, p2, 2, &err) == 0);
    /* a prefix of another id must not match it */
    REQUIRE(gt_nft_container_add(nft, "c", "eth0", &ip2,
                                 &(struct gt_nft_port){ IPPROTO_TCP, 7000, 70, { 0 } }, 1,
                                 &err) == 0);

    CHECK_INT_EQ(gt_nft_container_del(nft, "c1", "eth0", &err), 2);
    CHECK_INT_EQ(gt_nft_container_del(nft, "c1", "eth0", &err), 0);
    count_rules(nft, "ctr:c2:eth0", &m);
    CHECK_INT_EQ(m, 2);
    count_rules(nft, "ctr:c:eth0", &m);
    CHECK_INT_EQ(m, 1);
    CHECK_INT_EQ(gt_nft_container_del(nft, "c2", "eth0", &err), 2);
    CHECK_INT_EQ(gt_nft_container_del(nft, "c", "eth0", &err), 1);
    count_rules(nft, "ctr:", &m);
    CHECK_INT_EQ(m, 0);

    struct gt_nft_port dup[] = { { .proto = IPPROTO_TCP, .host_port = 1, .container_port = 1 },
                                 { .proto = IPPROTO_TCP, .host_port = 1, .container_port = 2 } };
    CHECK_INT_EQ(gt_nft_container_add(nft, "d", "eth0", &ip1, dup, 2, &err), -EADDRINUSE);
    CHECK_STR_CONTAINS(err.msg, "published twice");
    gt_nft_free(nft);
}

TEST(nft_errors_carry_nft_text)
{
    struct gt_nft *nft = fresh();
    struct gt_error err;
    CHECK(gt_nft_run(nft, "add rule ip nope nope accept\n", &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "nftables: Error:");
    CHECK_INT_EQ(gt_nft_container_del(nft, "x", "eth0", &err), 0); /* no table: nothing */
    gt_nft_free(nft);
}
