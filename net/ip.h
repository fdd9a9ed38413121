/* net/ip.h - IPv4 and IPv6 addresses and prefixes as values.
 *
 * A struct gt_ip holds either family in network byte order (IPv4 in the
 * first four bytes of a[]).  Parsers reject what inet_pton rejects and say
 * which text was wrong; formatters always NUL-terminate.  Arithmetic
 * (next, compare, contains) never crosses families. */
#ifndef GT_NET_IP_H
#define GT_NET_IP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "base/error.h"

/* Large enough for "ffff:...:ffff/128". */
#define GT_IP_STRLEN 64

struct gt_ip {
    int family; /* AF_INET or AF_INET6; 0 means "no address" */
    uint8_t a[16];
};

struct gt_prefix {
    struct gt_ip ip;
    int len; /* 0..32 or 0..128 */
};

static inline int gt_ip_len(const struct gt_ip *ip)
{
    return ip->family == AF_INET6 ? 16 : 4;
}
static inline int gt_ip_bits(const struct gt_ip *ip)
{
    return gt_ip_len(ip) * 8;
}

/* "10.0.0.1" or "fd00::1". */
int gt_ip_parse(const char *s, struct gt_ip *out, struct gt_error *err);
/* "10.0.0.0/24"; host bits may be set (ip keeps them: "10.0.0.5/24" is an
 * interface address); use gt_prefix_network() for the network. */
int gt_prefix_parse(const char *s, struct gt_prefix *out, struct gt_error *err);
const char *gt_ip_format(const struct gt_ip *ip, char *buf, size_t len);
/* "10.0.0.5/24" */
const char *gt_prefix_format(const struct gt_prefix *p, char *buf, size_t len);

bool gt_ip_equal(const struct gt_ip *a, const struct gt_ip *b);
/* <0, 0, >0 as memcmp over same-family addresses; families order v4 < v6. */
int gt_ip_cmp(const struct gt_ip *a, const struct gt_ip *b);
/* ip + 1 (wraps around to all-zeros). */
void gt_ip_next(struct gt_ip *ip);
/* The network address (host bits cleared) and the last address of p. */
struct gt_ip gt_prefix_network(const struct gt_prefix *p);
struct gt_ip gt_prefix_last(const struct gt_prefix *p);
bool gt_prefix_contains(const struct gt_prefix *p, const struct gt_ip *ip);

#endif
