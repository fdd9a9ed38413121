/* net/dns.h - the embedded DNS server of a network, and the resolver files
 * of its containers.
 *
 * A server answers, over UDP and TCP on each of its listen addresses, the
 * names in its table (container names and aliases of one network, kept up
 * to date by the engine): A and AAAA from the table, PTR for the table's
 * addresses (in-addr.arpa / ip6.arpa).  A name in the table with no
 * address of the asked type gets an empty NOERROR answer; every other
 * query is forwarded, unchanged, to the upstream resolvers (by default the
 * nameservers of the host's /etc/resolv.conf) and the answer relayed back;
 * with no upstream answering in time the client gets SERVFAIL.  Names
 * match case-insensitively, with or without the final dot.
 *
 * The server runs in its own thread from gt_dns_server_start() to
 * gt_dns_server_stop(); the record functions may be called from any thread
 * meanwhile.  It binds with IP_FREEBIND, so it can listen on a bridge's
 * gateway address before the bridge exists. */
#ifndef GT_NET_DNS_H
#define GT_NET_DNS_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

struct gt_dns_server;

struct gt_dns_config {
    /* "IP:PORT" or "[IPv6]:PORT"; NULL-terminated; port 0 picks a free one
     * (the same for UDP and TCP; see gt_dns_server_port) */
    const char *const *listen;
    /* "IP" (port 53) or "IP:PORT"/"[IPv6]:PORT"; NULL: the nameservers of
     * resolv_conf */
    const char *const *upstreams;
    const char *resolv_conf; /* NULL: /etc/resolv.conf */
    int ttl;                 /* of our answers; 0: 60 s */
    int timeout_ms;          /* per upstream try; 0: 2000 */
};

int gt_dns_server_start(const struct gt_dns_config *cfg, struct gt_dns_server **out,
                        struct gt_error *err);
/* Stops the thread, closes the sockets, frees the server (NULL is fine). */
void gt_dns_server_stop(struct gt_dns_server *s);
/* The port listen address i is bound to. */
uint16_t gt_dns_server_port(const struct gt_dns_server *s, size_t i);

/* Adds name -> ip (v4 or v6) on behalf of owner (a container id), so that
 * all of a container's names (its name, aliases) go with it. */
int gt_dns_server_add(struct gt_dns_server *s, const char *name, const char *ip,
                      const char *owner, struct gt_error *err);
/* Removes every record of owner; returns how many. */
int gt_dns_server_remove_owner(struct gt_dns_server *s, const char *owner);

/* ---- resolver files of a container ---- */

struct gt_resolv_conf {
    char **nameservers; /* NULL-terminated vectors (gt_strv_free) */
    char **search;
    char **options;
};

/* Parses resolv.conf text (nameserver, search/domain, options lines). */
void gt_resolv_conf_parse(const char *text, struct gt_resolv_conf *out);
void gt_resolv_conf_release(struct gt_resolv_conf *rc);
/* The resolv.conf of a container.  With dns_server (the network's server
 * address) it is the only nameserver; without, the host's nameservers are
 * kept except loopback ones (unreachable from a container's namespace).
 * The host's search domains and options are kept.  Returns new text. */
char *gt_resolv_conf_for_container(const char *host_text, const char *dns_server);

struct gt_hosts_entry {
    const char *ip;
    const char *names; /* space-separated */
};
/* The /etc/hosts of a container: localhost lines, then its own address
 * and hostname (if ip is non-NULL), then extra entries.  Returns new text. */
char *gt_hosts_for_container(const char *hostname, const char *ip,
                             const struct gt_hosts_entry *extra, size_t n);

#endif
