/* net/ipam.h - host-local-style address management.
 *
 * The configuration is host-local's "ipam" object: "ranges" is a list of
 * range sets, each a list of ranges {subnet, rangeStart, rangeEnd,
 * gateway}; a container gets one address from each range set (say one IPv4
 * and one IPv6).  The older flat form (subnet, rangeStart, ... at the top)
 * is accepted too.  Defaults follow host-local: the range is the subnet
 * without its network and (IPv4) broadcast addresses, the gateway is the
 * first address, and the gateway is never handed out.
 *
 * State lives in <dataDir>/<network>/, laid out as host-local lays it out
 * (so either can read it): one file per allocated address, named by the
 * address and holding "<container id>\r\n<ifname>"; last_reserved_ip.<N>
 * per range set; a `lock` file.  A struct gt_ipam holds that lock (flock)
 * from gt_ipam_open() to gt_ipam_close(), so concurrent processes (one per
 * CNI call) see a consistent store; everything survives restarts.
 *
 * Allocation goes round-robin from the address after the last one reserved,
 * so a just-released address is not reused at once.  Allocating twice for
 * the same container and interface returns the addresses already held.
 * Release frees exactly the addresses held by that container and
 * interface; releasing again, or for someone else, changes nothing. */
#ifndef GT_NET_IPAM_H
#define GT_NET_IPAM_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "net/ip.h"

#define GT_IPAM_MAX_SETS 4
#define GT_IPAM_DEFAULT_DATA_DIR "/var/lib/cni/networks"

struct gt_ipam_range {
    struct gt_prefix subnet; /* host bits cleared */
    struct gt_ip start, end; /* inclusive */
    struct gt_ip gateway;    /* family 0: none */
};

struct gt_ipam_rangeset {
    struct gt_ipam_range *ranges;
    size_t n;
};

struct gt_ipam_config {
    char *network;  /* the CNI network name: the state directory's name */
    char *data_dir; /* default GT_IPAM_DEFAULT_DATA_DIR */
    struct gt_ipam_rangeset sets[GT_IPAM_MAX_SETS];
    size_t nsets;
};

/* Parses an "ipam" object for network `network`.  Unknown members are
 * left alone (they belong to the plugin: "type", "routes", ...). */
int gt_ipam_config_parse(const json_t *ipam, const char *network, struct gt_ipam_config *out,
                         struct gt_error *err);
/* One range set with one range: subnet, optional start/end/gateway (NULL:
 * the defaults). */
int gt_ipam_config_simple(const char *network, const char *data_dir, const char *subnet,
                          const char *start, const char *end, const char *gateway,
                          struct gt_ipam_config *out, struct gt_error *err);
void gt_ipam_config_release(struct gt_ipam_config *cfg);

struct gt_ipam_lease {
    struct gt_prefix addr; /* the address with the subnet's prefix length */
    struct gt_ip gateway;  /* of its range; family 0: none */
};

struct gt_ipam {
    const struct gt_ipam_config *cfg; /* borrowed */
    int dirfd;
    int lockfd;
};

/* Creates the state directory if needed and takes its lock (waits). */
int gt_ipam_open(struct gt_ipam *ipam, const struct gt_ipam_config *cfg, struct gt_error *err);
void gt_ipam_close(struct gt_ipam *ipam);

/* One lease per range set, in the order of the sets: out[0..nsets).
 * requested (NULL or family 0 for "any") asks for a specific address in
 * the set that contains it; it fails with EADDRINUSE if someone else holds
 * it.  No free address: ENOSPC, naming the network and the range. */
int gt_ipam_allocate(struct gt_ipam *ipam, const char *id, const char *ifname,
                     const struct gt_ip *requested, struct gt_ipam_lease *out,
                     struct gt_error *err);
/* Releases what id/ifname holds; returns how many addresses were freed. */
int gt_ipam_release(struct gt_ipam *ipam, const char *id, const char *ifname,
                    struct gt_error *err);
/* The leases id/ifname holds (like gt_ipam_allocate, without allocating);
 * returns how many were found (0: none). */
int gt_ipam_find(struct gt_ipam *ipam, const char *id, const char *ifname,
                 struct gt_ipam_lease *out, struct gt_error *err);
/* Number of addresses allocated in this network. */
int gt_ipam_count(struct gt_ipam *ipam, struct gt_error *err);

/* Names the CNI spec allows for containers and networks:
 * [A-Za-z0-9][A-Za-z0-9_.-]*, at most 255 characters ("what" names the
 * thing in the message). */
int gt_ipam_check_name(const char *what, const char *name, struct gt_error *err);

#endif
