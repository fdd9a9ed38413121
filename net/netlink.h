/* net/netlink.h - links, addresses and routes through rtnetlink (libmnl).
 *
 * A struct gt_nl is one rtnetlink socket; every call on it acts on the
 * network namespace the socket was opened in (gt_nl_open: the calling
 * thread's; gt_nl_open_netns: another one, entered in a short-lived thread
 * so the caller never moves).  Calls are synchronous: a request, then its
 * acknowledgement or its dump.  Failures carry the kernel's errno and, when
 * the kernel gives one, its extended-ack text: "add veth gtv1 (peer eth0):
 * File exists".  Absent objects give -ENODEV (links) or -EADDRNOTAVAIL
 * (addresses), existing ones -EEXIST, so callers can choose to accept them.
 * A gt_nl is not thread-safe; use one per thread. */
#ifndef GT_NET_NETLINK_H
#define GT_NET_NETLINK_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "net/ip.h"

struct gt_nl {
    struct mnl_socket *sock;
    unsigned portid;
    unsigned seq;
};

int gt_nl_open(struct gt_nl *nl, struct gt_error *err);
/* A socket in the namespace nsfd (see net/netns.h). */
int gt_nl_open_netns(struct gt_nl *nl, int nsfd, struct gt_error *err);
void gt_nl_close(struct gt_nl *nl);

struct gt_nl_link {
    int index;
    char name[IF_NAMESIZE];
    char kind[16]; /* "veth", "bridge", ...; "" for none (lo, physical) */
    unsigned mtu;
    uint8_t mac[6];
    bool has_mac;
    int master; /* index of the bridge it is enslaved to, 0 if none */
    unsigned flags; /* IFF_UP, IFF_LOWER_UP, ... */
};

/* -ENODEV when there is no such link. */
int gt_nl_link_get(struct gt_nl *nl, const char *name, struct gt_nl_link *out,
                   struct gt_error *err);
int gt_nl_link_get_index(struct gt_nl *nl, int index, struct gt_nl_link *out,
                         struct gt_error *err);
/* Every link; *out is a new array the caller frees. */
int gt_nl_link_list(struct gt_nl *nl, struct gt_nl_link **out, size_t *n, struct gt_error *err);

/* New links, created down.  mtu 0 means the kernel's default. */
int gt_nl_bridge_add(struct gt_nl *nl, const char *name, unsigned mtu, struct gt_error *err);
/* A veth pair: `name` here, `peer` created directly in the namespace
 * peer_nsfd (-1: here too).  The peer's name only has to be free there. */
int gt_nl_veth_add(struct gt_nl *nl, const char *name, const char *peer, int peer_nsfd,
                   unsigned mtu, struct gt_error *err);
int gt_nl_link_del(struct gt_nl *nl, int index, struct gt_error *err);

int gt_nl_link_set_up(struct gt_nl *nl, int index, bool up, struct gt_error *err);
int gt_nl_link_set_mtu(struct gt_nl *nl, int index, unsigned mtu, struct gt_error *err);
int gt_nl_link_set_mac(struct gt_nl *nl, int index, const uint8_t mac[6], struct gt_error *err);
/* master 0 releases the link from its bridge. */
int gt_nl_link_set_master(struct gt_nl *nl, int index, int master, struct gt_error *err);
/* Moves the link into namespace nsfd; its index there may differ. */
int gt_nl_link_set_netns(struct gt_nl *nl, int index, int nsfd, struct gt_error *err);
int gt_nl_link_set_name(struct gt_nl *nl, int index, const char *name, struct gt_error *err);
/* Hairpin mode of a bridge port: frames may leave by the port they came in. */
int gt_nl_bridge_port_set_hairpin(struct gt_nl *nl, int index, bool on, struct gt_error *err);

struct gt_nl_addr {
    int index;
    struct gt_prefix prefix; /* the address with its prefix length */
};

/* IPv6 addresses are added without duplicate address detection, so they
 * are usable at once. */
int gt_nl_addr_add(struct gt_nl *nl, int index, const struct gt_prefix *addr,
                   struct gt_error *err);
int gt_nl_addr_del(struct gt_nl *nl, int index, const struct gt_prefix *addr,
                   struct gt_error *err);
/* Addresses of link `index` (0: every link) of `family` (0: both). */
int gt_nl_addr_list(struct gt_nl *nl, int index, int family, struct gt_nl_addr **out, size_t *n,
                    struct gt_error *err);

struct gt_nl_route {
    struct gt_prefix dst; /* 0.0.0.0/0 for a default route */
    struct gt_ip gw;      /* family 0: none (a link-scope route) */
    int oif;              /* 0: let the kernel pick by gateway */
};

int gt_nl_route_add(struct gt_nl *nl, const struct gt_nl_route *r, struct gt_error *err);
int gt_nl_route_del(struct gt_nl *nl, const struct gt_nl_route *r, struct gt_error *err);
/* Routes of the main table of `family`; *out is a new array. */
int gt_nl_route_list(struct gt_nl *nl, int family, struct gt_nl_route **out, size_t *n,
                     struct gt_error *err);

/* "aa:bb:cc:dd:ee:ff" */
const char *gt_mac_format(const uint8_t mac[6], char buf[18]);

#endif
