#include "net/ip.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int gt_ip_parse(const char *s, struct gt_ip *out, struct gt_error *err)
{
    memset(out, 0, sizeof *out);
    if (!s)
        return gt_err(err, EINVAL, "missing IP address");
    if (strchr(s, ':')) {
        if (inet_pton(AF_INET6, s, out->a) != 1)
            return gt_err(err, EINVAL, "invalid IPv6 address \"%s\"", s);
        out->family = AF_INET6;
    } else {
        if (inet_pton(AF_INET, s, out->a) != 1)
            return gt_err(err, EINVAL, "invalid IPv4 address \"%s\"", s);
        out->family = AF_INET;
    }
    return 0;
}

int gt_prefix_parse(const char *s, struct gt_prefix *out, struct gt_error *err)
{
    memset(out, 0, sizeof *out);
    if (!s)
        return gt_err(err, EINVAL, "missing CIDR");
    const char *slash = strchr(s, '/');
    if (!slash || slash == s || slash - s >= GT_IP_STRLEN)
        return gt_err(err, EINVAL, "invalid CIDR \"%s\": expected ADDRESS/LENGTH", s);
    char addr[GT_IP_STRLEN];
    memcpy(addr, s, (size_t)(slash - s));
    addr[slash - s] = '\0';
    if (gt_ip_parse(addr, &out->ip, NULL) < 0)
        return gt_err(err, EINVAL, "invalid CIDR \"%s\": bad address", s);
    char *end;
    errno = 0;
    long len = strtol(slash + 1, &end, 10);
    if (!slash[1] || *end || errno || len < 0 || len > gt_ip_bits(&out->ip))
        return gt_err(err, EINVAL, "invalid CIDR \"%s\": bad prefix length", s);
    out->len = (int)len;
    return 0;
}

const char *gt_ip_format(const struct gt_ip *ip, char *buf, size_t len)
{
    if (!ip->family || !inet_ntop(ip->family, ip->a, buf, (socklen_t)len))
        snprintf(buf, len, "(none)");
    return buf;
}

const char *gt_prefix_format(const struct gt_prefix *p, char *buf, size_t len)
{
    char a[GT_IP_STRLEN];
    snprintf(buf, len, "%s/%d", gt_ip_format(&p->ip, a, sizeof a), p->len);
    return buf;
}

bool gt_ip_equal(const struct gt_ip *a, const struct gt_ip *b)
{
    return gt_ip_cmp(a, b) == 0;
}

int gt_ip_cmp(const struct gt_ip *a, const struct gt_ip *b)
{
    if (a->family != b->family)
        return a->family == AF_INET ? -1 : 1;
    return memcmp(a->a, b->a, (size_t)gt_ip_len(a));
}

void gt_ip_next(struct gt_ip *ip)
{
    for (int i = gt_ip_len(ip) - 1; i >= 0; i--)
        if (++ip->a[i] != 0)
            break;
}

static struct gt_ip masked(const struct gt_prefix *p, bool ones)
{
    struct gt_ip r = p->ip;
    int n = gt_ip_len(&r);
    for (int i = 0; i < n; i++) {
        int bits = p->len - i * 8; /* prefix bits inside this byte */
        uint8_t keep = bits >= 8 ? 0xff : bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
        r.a[i] = ones ? (uint8_t)(r.a[i] | (uint8_t)~keep) : (uint8_t)(r.a[i] & keep);
    }
    return r;
}

struct gt_ip gt_prefix_network(const struct gt_prefix *p)
{
    return masked(p, false);
}

struct gt_ip gt_prefix_last(const struct gt_prefix *p)
{
    return masked(p, true);
}

bool gt_prefix_contains(const struct gt_prefix *p, const struct gt_ip *ip)
{
    if (ip->family != p->ip.family)
        return false;
    struct gt_prefix q = { .ip = *ip, .len = p->len };
    struct gt_ip a = gt_prefix_network(p), b = gt_prefix_network(&q);
    return gt_ip_equal(&a, &b);
}
