/* net/nft.h - Gantry's nftables rules: NAT, port mappings, isolation.
 *
 * Everything lives in one table, `table ip gantry` (IPv4 only for now), of
 * the network namespace the caller is in when gt_nft_new() runs (the
 * netlink socket libnftables opens stays there).  Each change is one nft
 * transaction (one batch through nft_run_cmd_from_buffer): it applies
 * whole or not at all.
 *
 *   prerouting, output (nat)   fib daddr type local jump ports
 *   ports                      one DNAT rule per published port, tagged
 *                              with a comment "ctr:<id>:<ifname> ..."
 *   postrouting (nat)          loopback sources to a bridge: masquerade
 *                              (with route_localnet on the bridge, this
 *                              makes 127.0.0.1:<hostport> work);
 *                              iifname vmap @bridge_post;
 *                              oifname vmap @bridge_hairpin
 *   forward (filter)           iifname vmap @bridge_fwd
 *   net-<bridge>-post          outbound masquerade of the subnet
 *   net-<bridge>-hairpin       DNATed traffic from the subnet back into
 *                              it: masquerade (containers reaching a
 *                              published port of their own network, or
 *                              their own; with bridge-nf-call-iptables the
 *                              bridge does that NAT without an input
 *                              interface, hence a map keyed by output)
 *   net-<bridge>-fwd           DNATed traffic passes; to any other Gantry
 *                              bridge: drop (isolation between networks)
 *
 * Base chains and a network's chains are flushed and refilled in the same
 * transaction that (re)creates them, so setup is idempotent and concurrent
 * setups converge.  A container's rules are found by their comment, so
 * teardown removes exactly that container's rules and nothing else.
 * Policies stay "accept": other tables' rules keep their meaning. */
#ifndef GT_NET_NFT_H
#define GT_NET_NFT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "net/ip.h"

#define GT_NFT_TABLE "gantry"

struct gt_nft;

/* lock_path (may be NULL): a file flock'ed around each change, so that
 * read-check-write sequences (port conflicts) of concurrent processes do
 * not interleave. */
int gt_nft_new(const char *lock_path, struct gt_nft **out, struct gt_error *err);
void gt_nft_free(struct gt_nft *nft);

/* Runs nft commands (nft's own syntax, one per line) as one transaction.
 * The message of a failure carries nft's first error line. */
int gt_nft_run(struct gt_nft *nft, const char *batch, struct gt_error *err);
/* Runs a list command with JSON and handle output; *out is the parsed
 * {"nftables": [...]} document.  A missing table or chain gives -ENOENT. */
int gt_nft_list_json(struct gt_nft *nft, const char *cmd, json_t **out, struct gt_error *err);

struct gt_nft_network {
    const char *bridge;      /* letters, digits, '_', '.', '-' */
    struct gt_prefix subnet; /* IPv4 */
    bool masquerade;         /* outbound NAT for the subnet */
};

/* Creates the table, base chains and this network's chains (idempotent). */
int gt_nft_network_setup(struct gt_nft *nft, const struct gt_nft_network *net,
                         struct gt_error *err);
/* Removes this network's chains and map elements; the table and base
 * chains stay (shared).  Nothing to remove is not an error. */
int gt_nft_network_teardown(struct gt_nft *nft, const char *bridge, struct gt_error *err);

struct gt_nft_port {
    int proto;            /* IPPROTO_TCP or IPPROTO_UDP */
    uint16_t host_port;
    uint16_t container_port;
    struct gt_ip host_ip; /* family 0: every local address */
};

/* Publishes ports of a container at `ip`.  Replaces the container's
 * previous mappings (a repeated ADD).  A host port (and protocol, and
 * overlapping host address) that another container holds: -EADDRINUSE
 * naming the holder; nothing changes then. */
int gt_nft_container_add(struct gt_nft *nft, const char *id, const char *ifname,
                         const struct gt_ip *ip, const struct gt_nft_port *ports, size_t n,
                         struct gt_error *err);
/* Removes every rule tagged with id/ifname; returns how many (0: none). */
int gt_nft_container_del(struct gt_nft *nft, const char *id, const char *ifname,
                         struct gt_error *err);

/* "tcp" / "udp" <-> IPPROTO_*; -EINVAL for others. */
int gt_nft_proto_parse(const char *s);
const char *gt_nft_proto_name(int proto);

#endif
