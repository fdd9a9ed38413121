/* net/net.h - container networking, the contract the engine and the node
 * agent call.
 *
 * A network is a CNI configuration list in <data>/net/conf.d, found by its
 * name.  gt_net_network_create() writes one that uses Gantry's own plugin
 * (gantry-cni-bridge: a bridge, host-local-style IPAM, outbound NAT, port
 * mappings); any other conflist dropped there (the reference bridge,
 * host-local, portmap, firewall plugins, ...) works the same way.
 *
 * Attaching a container = CNI ADD of its network namespace to a network:
 * lo is brought up, the network's plugins run, the result is cached
 * (<data>/net/cache) and summarised (address, gateway, MAC).  Detaching =
 * CNI DEL: veth, address and port rules go; a failed attach is detached
 * before it returns, so it leaves nothing.  A network (its bridge, rules
 * and IPAM state) is removed only when no container is attached to it.
 *
 * Everything here runs plugins as child processes and may block for as
 * long as they run; it is safe to call from several threads and processes
 * at once (the plugins lock what they share).  No function changes the
 * calling thread's network namespace. */
#ifndef GT_NET_NET_H
#define GT_NET_NET_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "net/ip.h"

#define GT_NET_DEFAULT_DATA_DIR "/var/lib/gantry"
/* where the plugins are looked for after the directory of the running
 * binary (where gantry-cni-bridge is installed beside gantry) */
#define GT_NET_DEFAULT_CNI_PATH "/usr/lib/cni:/opt/cni/bin"

struct gt_net {
    char *conf_dir;    /* <data>/net/conf.d: the networks */
    char *cache_dir;   /* <data>/net/cache: CNI results */
    char *ipam_dir;    /* <data>/net/ipam: addresses of the networks we create */
    char *plugin_path; /* ':'-separated directories */
    int timeout_ms;    /* per plugin run; 0: 60 s */
};

/* data_dir NULL: $GANTRY_DATA_DIR, else GT_NET_DEFAULT_DATA_DIR.
 * plugin_path NULL: $GANTRY_CNI_PATH, else the running binary's directory
 * followed by GT_NET_DEFAULT_CNI_PATH.  Creates the directories. */
int gt_net_init(struct gt_net *net, const char *data_dir, const char *plugin_path,
                struct gt_error *err);
void gt_net_release(struct gt_net *net);

/* ---- networks ---- */

struct gt_net_network_spec {
    const char *name;     /* [A-Za-z0-9][A-Za-z0-9_.-]* */
    const char *subnet;   /* IPv4 CIDR; NULL: the first free 10.89.N.0/24 */
    const char *gateway;  /* NULL: the subnet's first address */
    const char *ip_range; /* CIDR inside subnet to allocate from; NULL: all */
    const char *bridge;   /* NULL: "gt-<name>" (or a hash if too long) */
    unsigned mtu;         /* 0: the kernel's default */
    bool internal;        /* no outbound masquerade */
};

/* Writes the conflist.  EEXIST when the name is taken; EADDRINUSE when the
 * subnet overlaps another network's or the bridge name is taken. */
int gt_net_network_create(const struct gt_net *net, const struct gt_net_network_spec *spec,
                          struct gt_error *err);
/* EBUSY while containers are attached; ENOENT for an unknown name. */
int gt_net_network_remove(const struct gt_net *net, const char *name, struct gt_error *err);

/* ---- containers ---- */

struct gt_net_port {
    int proto;                    /* IPPROTO_TCP or IPPROTO_UDP */
    uint16_t host_port;
    uint16_t container_port;
    char host_ip[GT_IP_STRLEN];   /* "" for every address */
};

/* "[HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|/udp]", as docker run -p. */
int gt_net_port_parse(const char *s, struct gt_net_port *out, struct gt_error *err);

struct gt_net_attach_req {
    const char *container_id; /* [A-Za-z0-9][A-Za-z0-9_.-]* */
    const char *netns;        /* e.g. /proc/<pid>/ns/net or /run/netns/<name> */
    const char *network;
    const char *ifname;       /* NULL: "eth0" */
    const struct gt_net_port *ports;
    size_t nports;
    const char *ip;           /* a requested address, or NULL */
};

struct gt_net_attachment {
    char ifname[16];
    char mac[18];             /* "" if the plugins did not say */
    char ip[GT_IP_STRLEN];    /* first IPv4 address, "" if none */
    int prefix_len;
    char gateway[GT_IP_STRLEN];
    char ip6[GT_IP_STRLEN];   /* first IPv6 address, "" if none */
    int prefix_len6;
    char gateway6[GT_IP_STRLEN];
    json_t *result;           /* the whole CNI result (owned) */
};

int gt_net_attach(const struct gt_net *net, const struct gt_net_attach_req *req,
                  struct gt_net_attachment *out, struct gt_error *err);
/* netns may be NULL when the namespace is gone (the plugins then clean up
 * the host side).  Detaching what is not attached succeeds. */
int gt_net_detach(const struct gt_net *net, const char *container_id, const char *netns,
                  const char *network, const char *ifname, struct gt_error *err);
/* CNI CHECK of an attachment. */
int gt_net_check(const struct gt_net *net, const char *container_id, const char *netns,
                 const char *network, const char *ifname, struct gt_error *err);
/* The attachment as cached at attach time; -ENOENT if not attached. */
int gt_net_inspect(const struct gt_net *net, const char *container_id, const char *network,
                   const char *ifname, struct gt_net_attachment *out, struct gt_error *err);
void gt_net_attachment_release(struct gt_net_attachment *a);

/* Brings lo up in a namespace: all a container with no network gets. */
int gt_net_loopback_up(const char *netns, struct gt_error *err);

/* Fills the summary fields of a from a CNI result (for interface ifname). */
void gt_net_attachment_from_result(json_t *result, const char *ifname,
                                   struct gt_net_attachment *a);

#endif
