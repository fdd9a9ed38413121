/* The DNS server answers real queries over UDP and TCP on loopback. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/mem.h"
#include "net/dns.h"
#include "net/netlink.h"
#include "tests/unit/unit.h"

struct answer {
    int rcode;
    int ancount;
    int truncated;
    char addrs[8][64]; /* A/AAAA as text, PTR as a name */
};

static size_t build_query(uint8_t *b, uint16_t id, const char *name, uint16_t type)
{
    size_t n = 0;
    b[n++] = (uint8_t)(id >> 8);
    b[n++] = (uint8_t)id;
    b[n++] = 0x01; /* RD */
    b[n++] = 0;
    b[n++] = 0;
    b[n++] = 1; /* one question */
    memset(b + n, 0, 6);
    n += 6;
    const char *p = name;
    while (*p) {
        size_t l = strcspn(p, ".");
        b[n++] = (uint8_t)l;
        memcpy(b + n, p, l);
        n += l;
        p += l;
        if (*p == '.')
            p++;
    }
    b[n++] = 0;
    b[n++] = (uint8_t)(type >> 8);
    b[n++] = (uint8_t)type;
    b[n++] = 0;
    b[n++] = 1;
    return n;
}

/* Skips a (possibly compressed) name at off; returns the offset after it. */
static size_t skip_name(const uint8_t *m, size_t len, size_t off)
{
    while (off < len) {
        if ((m[off] & 0xc0) == 0xc0)
            return off + 2;
        if (m[off] == 0)
            return off + 1;
        off += 1 + m[off];
    }
    return len;
}

static void read_name(const uint8_t *m, size_t len, size_t off, char *out, size_t outlen)
{
    size_t n = 0;
    while (off < len && m[off] && n + 1 < outlen) {
        if ((m[off] & 0xc0) == 0xc0) {
            off = (size_t)((m[off] & 0x3f) << 8 | m[off + 1]);
            continue;
        }
        uint8_t l = m[off++];
        if (n)
            out[n++] = '.';
        for (uint8_t i = 0; i < l && n + 1 < outlen; i++)
            out[n++] = (char)m[off + i];
        off += l;
    }
    out[n] = '\0';
}

static int parse_answer(const uint8_t *m, size_t len, uint16_t id, struct answer *a)
{
    memset(a, 0, sizeof *a);
    if (len < 12 || (m[0] << 8 | m[1]) != id || !(m[2] & 0x80))
        return -1;
    a->rcode = m[3] & 0x0f;
    a->truncated = !!(m[2] & 0x02);
    a->ancount = m[6] << 8 | m[7];
    size_t off = 12;
    int qd = m[4] << 8 | m[5];
    for (int i = 0; i < qd; i++)
        off = skip_name(m, len, off) + 4;
    for (int i = 0; i < a->ancount && i < 8 && off < len; i++) {
        size_t name_end = skip_name(m, len, off);
        uint16_t type = (uint16_t)(m[name_end] << 8 | m[name_end + 1]);
        uint16_t rdlen = (uint16_t)(m[name_end + 8] << 8 | m[name_end + 9]);
        size_t rd = name_end + 10;
        if (type == 1 && rdlen == 4)
            inet_ntop(AF_INET, m + rd, a->addrs[i], sizeof a->addrs[i]);
        else if (type == 28 && rdlen == 16)
            inet_ntop(AF_INET6, m + rd, a->addrs[i], sizeof a->addrs[i]);
        else if (type == 12)
            read_name(m, len, rd, a->addrs[i], sizeof a->addrs[i]);
        off = rd + rdlen;
    }
    return 0;
}

static int query_udp(uint16_t port, const char *name, uint16_t type, struct answer *a)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    uint8_t q[512], r[1500];
    uint16_t id = (uint16_t)(rand() & 0xffff);
    size_t n = build_query(q, id, name, type);
    sendto(fd, q, n, 0, (struct sockaddr *)&sa, sizeof sa);
    struct pollfd p = { fd, POLLIN, 0 };
    int rc = -ETIMEDOUT;
    if (poll(&p, 1, 5000) == 1) {
        ssize_t m = recv(fd, r, sizeof r, 0);
        rc = m > 0 ? parse_answer(r, (size_t)m, id, a) : -EIO;
    }
    close(fd);
    return rc;
}

static int query_tcp(uint16_t port, const char *name, uint16_t type, struct answer *a)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        close(fd);
        return -errno;
    }
    uint8_t q[514], r[4096];
    size_t n = build_query(q + 2, 0x4242, name, type);
    q[0] = (uint8_t)(n >> 8);
    q[1] = (uint8_t)n;
    gt_write_all(fd, q, n + 2);
    struct timeval tv = { 5, 0 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ssize_t m = gt_read_all(fd, r, 2);
    int rc = -EIO;
    if (m == 2) {
        size_t ml = (size_t)(r[0] << 8 | r[1]);
        if (ml <= sizeof r - 2 && gt_read_all(fd, r + 2, ml) == (ssize_t)ml)
            rc = parse_answer(r + 2, ml, 0x4242, a);
    }
    close(fd);
    return rc;
}

static struct gt_dns_server *start(const char *const *upstreams)
{
    static const char *const listen[] = { "127.0.0.1:0", NULL };
    struct gt_dns_config cfg = { .listen = listen, .upstreams = upstreams, .timeout_ms = 300 };
    static const char *const none[] = { NULL };
    if (!upstreams)
        cfg.upstreams = none;
    struct gt_dns_server *s;
    struct gt_error err;
    if (gt_dns_server_start(&cfg, &s, &err) < 0) {
        unit_fail(__FILE__, __LINE__, "start: %s", err.msg);
        exit(1);
    }
    return s;
}

TEST(dns_answers_names_of_the_table_over_udp_and_tcp)
{
    struct gt_dns_server *s = start(NULL);
    struct gt_error err;
    uint16_t port = gt_dns_server_port(s, 0);
    CHECK(port != 0);
    REQUIRE(gt_dns_server_add(s, "web", "10.88.0.5", "c1", &err) == 0);
    REQUIRE(gt_dns_server_add(s, "www.Alias", "10.88.0.5", "c1", &err) == 0);
    REQUIRE(gt_dns_server_add(s, "web", "fd00:88::5", "c1", &err) == 0);
    REQUIRE(gt_dns_server_add(s, "db", "10.88.0.6", "c2", &err) == 0);
    struct answer a;
    REQUIRE(query_udp(port, "web", 1, &a) == 0);
    CHECK_INT_EQ(a.rcode, 0);
    CHECK_INT_EQ(a.ancount, 1);
    CHECK_STR_EQ(a.addrs[0], "10.88.0.5");
    REQUIRE(query_udp(port, "WWW.alias.", 1, &a) == 0);
    CHECK_STR_EQ(a.addrs[0], "10.88.0.5");
    REQUIRE(query_udp(port, "web", 28, &a) == 0);
    CHECK_INT_EQ(a.ancount, 1);
    CHECK_STR_EQ(a.addrs[0], "fd00:88::5");
    /* ours, but no AAAA: an empty answer, not a forward */
    REQUIRE(query_udp(port, "db", 28, &a) == 0);
    CHECK_INT_EQ(a.rcode, 0);
    CHECK_INT_EQ(a.ancount, 0);
    REQUIRE(query_udp(port, "6.0.88.10.in-addr.arpa", 12, &a) == 0);
    CHECK_INT_EQ(a.ancount, 1);
    CHECK_STR_EQ(a.addrs[0], "db");
    REQUIRE(query_tcp(port, "db", 1, &a) == 0);
    CHECK_STR_EQ(a.addrs[0], "10.88.0.6");
    /* a container's names go with it */
    CHECK_INT_EQ(gt_dns_server_remove_owner(s, "c1"), 3);
    /* with no upstream, what is not ours fails */
    REQUIRE(query_udp(port, "web", 1, &a) == 0);
    CHECK_INT_EQ(a.rcode, 2);
    CHECK(gt_dns_server_add(s, "bad name!", "10.0.0.1", "x", &err) < 0);
    CHECK(gt_dns_server_add(s, "ok", "10.0.0.300", "x", &err) < 0);
    gt_dns_server_stop(s);
}

TEST(dns_forwards_other_names_upstream)
{
    /* the upstream is a second server with its own table */
    struct gt_dns_server *up = start(NULL);
    struct gt_error err;
    REQUIRE(gt_dns_server_add(up, "example.test", "192.0.2.7", "u", &err) == 0);
    char upstream[64];
    snprintf(upstream, sizeof upstream, "127.0.0.1:%u", gt_dns_server_port(up, 0));
    const char *ups[] = { "127.0.0.1:1", upstream, NULL }; /* the first one is dead */
    struct gt_dns_server *s = start(ups);
    REQUIRE(gt_dns_server_add(s, "web", "10.88.0.5", "c1", &err) == 0);
    uint16_t port = gt_dns_server_port(s, 0);
    struct answer a;
    REQUIRE(query_udp(port, "example.test", 1, &a) == 0);
    CHECK_INT_EQ(a.rcode, 0);
    CHECK_STR_EQ(a.addrs[0], "192.0.2.7");
    REQUIRE(query_tcp(port, "example.test", 1, &a) == 0);
    CHECK_STR_EQ(a.addrs[0], "192.0.2.7");
    REQUIRE(query_udp(port, "web", 1, &a) == 0);
    CHECK_STR_EQ(a.addrs[0], "10.88.0.5");
    gt_dns_server_stop(s);
    gt_dns_server_stop(up);
}

TEST(dns_upstreams_come_from_resolv_conf)
{
    /* port 53 of 127.0.0.2 in a namespace of our own */
    if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0)
        unit_skip("needs root to unshare a network namespace");
    struct gt_error err;
    struct gt_nl nl;
    struct gt_nl_link lo;
    REQUIRE(gt_nl_open(&nl, &err) == 0);
    REQUIRE(gt_nl_link_get(&nl, "lo", &lo, &err) == 0);
    REQUIRE(gt_nl_link_set_up(&nl, lo.index, true, &err) == 0);
    gt_nl_close(&nl);
    static const char *const up_listen[] = { "127.0.0.2:53", NULL };
    static const char *const none[] = { NULL };
    struct gt_dns_config ucfg = { .listen = up_listen, .upstreams = none };
    struct gt_dns_server *up;
    REQUIRE(gt_dns_server_start(&ucfg, &up, &err) == 0);
    REQUIRE(gt_dns_server_add(up, "far.test", "192.0.2.9", "u", &err) == 0);

    cleanup_free char *rc = gt_path_join(unit_tmpdir(), "resolv.conf");
    const char *text = "# test\nsearch a.test\nnameserver 127.0.0.2\noptions ndots:2\n";
    REQUIRE(gt_write_file(rc, text, strlen(text), 0644, &err) == 0);
    static const char *const listen[] = { "127.0.0.1:0", NULL };
    struct gt_dns_config cfg = { .listen = listen, .resolv_conf = rc };
    struct gt_dns_server *s;
    REQUIRE(gt_dns_server_start(&cfg, &s, &err) == 0);
    struct answer a;
    REQUIRE(query_udp(gt_dns_server_port(s, 0), "far.test", 1, &a) == 0);
    CHECK_INT_EQ(a.rcode, 0);
    CHECK_STR_EQ(a.addrs[0], "192.0.2.9");
    gt_dns_server_stop(s);
    gt_dns_server_stop(up);
}

TEST(resolv_conf_and_hosts_for_containers)
{
    const char *host = "nameserver 127.0.0.53\nnameserver 192.0.2.1\n"
                       "search corp.test lab.test\noptions edns0 ndots:1\n";
    cleanup_free char *a = gt_resolv_conf_for_container(host, NULL);
    CHECK(!strstr(a, "127.0.0.53"));
    CHECK_STR_CONTAINS(a, "nameserver 192.0.2.1\n");
    CHECK_STR_CONTAINS(a, "search corp.test lab.test\n");
    CHECK_STR_CONTAINS(a, "options edns0 ndots:1\n");
    cleanup_free char *b = gt_resolv_conf_for_container(host, "10.88.0.1");
    CHECK_STR_CONTAINS(b, "nameserver 10.88.0.1\n");
    CHECK(!strstr(b, "192.0.2.1"));
    struct gt_hosts_entry extra[] = { { "10.88.0.6", "db db.alias" } };
    cleanup_free char *h = gt_hosts_for_container("web", "10.88.0.5", extra, 1);
    CHECK_STR_CONTAINS(h, "127.0.0.1\tlocalhost\n");
    CHECK_STR_CONTAINS(h, "10.88.0.5\tweb\n");
    CHECK_STR_CONTAINS(h, "10.88.0.6\tdb db.alias\n");
}
