#include "net/netlink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/cleanup.h"
#include "base/mem.h"
#include "net/netns.h"

/* Dumps of many links need room; 32 KiB is what the kernel sends at most
 * per recvmsg for rtnetlink dumps unless asked otherwise. */
#define NL_BUF 32768
/* Requests are small: a few attributes. */
#define NL_REQ 4096

static int nl_open_here(void *p, struct gt_error *err)
{
    struct gt_nl *nl = p;
    nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
    if (!nl->sock)
        return gt_err_sys(err, errno, "open rtnetlink socket");
    if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
        int e = errno;
        mnl_socket_close(nl->sock);
        nl->sock = NULL;
        return gt_err_sys(err, e, "bind rtnetlink socket");
    }
    int on = 1;
    /* the kernel then explains most EINVALs in words */
    mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &on, sizeof on);
    nl->portid = mnl_socket_get_portid(nl->sock);
    nl->seq = (unsigned)time(NULL);
    return 0;
}

int gt_nl_open(struct gt_nl *nl, struct gt_error *err)
{
    memset(nl, 0, sizeof *nl);
    return nl_open_here(nl, err);
}

int gt_nl_open_netns(struct gt_nl *nl, int nsfd, struct gt_error *err)
{
    memset(nl, 0, sizeof *nl);
    return gt_netns_run(nsfd, nl_open_here, nl, err);
}

void gt_nl_close(struct gt_nl *nl)
{
    if (nl->sock)
        mnl_socket_close(nl->sock);
    nl->sock = NULL;
}

const char *gt_mac_format(const uint8_t mac[6], char buf[18])
{
    snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
             mac[5]);
    return buf;
}

/* ---- request/response ---- */

struct nl_ctx {
    mnl_cb_t cb;
    void *data;
    char ext_msg[256]; /* the kernel's extended ack text, if any */
};

static int error_cb(const struct nlmsghdr *nlh, void *data)
{
    struct nl_ctx *c = data;
    const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
    if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof *e)) {
        errno = EBADMSG;
        return MNL_CB_ERROR;
    }
    if (e->error == 0)
        return MNL_CB_STOP;
    if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
        /* TLVs follow the echoed request (its header only, if capped) */
        unsigned off = sizeof *e;
        if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
            off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
        const struct nlattr *a;
        mnl_attr_for_each(a, nlh, off) {
            if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
                mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
                snprintf(c->ext_msg, sizeof c->ext_msg, "%s", mnl_attr_get_str(a));
        }
    }
    errno = -e->error;
    return MNL_CB_ERROR;
}

static int done_cb(const struct nlmsghdr *nlh, void *data)
{
    /* a dump that failed half-way says so in NLMSG_DONE */
    if (nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(int))) {
        int e = *(const int *)mnl_nlmsg_get_payload(nlh);
        if (e < 0) {
            errno = -e;
            return MNL_CB_ERROR;
        }
    }
    return MNL_CB_STOP;
}

static int data_cb(const struct nlmsghdr *nlh, void *data)
{
    struct nl_ctx *c = data;
    return c->cb ? c->cb(nlh, c->data) : MNL_CB_OK;
}

/* Sends nlh and reads until the ack (or the end of a dump).  On failure
 * returns -errno with err = "<what>: <strerror>[ (<kernel text>)]". */
static int nl_talk(struct gt_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
                   struct gt_error *err, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Sends nlh and runs the replies through c until the ack or the end of the
 * dump; returns 0 or a positive errno. */
static int nl_exchange(struct gt_nl *nl, struct nlmsghdr *nlh, struct nl_ctx *c)
{
    if (!nl->sock)
        return EBADF;
    if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
        return errno;
    cleanup_free char *buf = gt_xmalloc(NL_BUF);
    mnl_cb_t ctl[NLMSG_MIN_TYPE] = { 0 };
    ctl[NLMSG_ERROR] = error_cb;
    ctl[NLMSG_DONE] = done_cb;
    for (;;) {
        ssize_t n = mnl_socket_recvfrom(nl->sock, buf, NL_BUF);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        errno = 0;
        int r = mnl_cb_run2(buf, (size_t)n, nlh->nlmsg_seq, nl->portid, data_cb, c, ctl,
                            NLMSG_MIN_TYPE);
        if (r == MNL_CB_STOP)
            return 0;
        if (r < 0)
            return errno ? errno : EIO;
    }
}

static int nl_talk(struct gt_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
                   struct gt_error *err, const char *fmt, ...)
{
    struct nl_ctx c = { .cb = cb, .data = data };
    nlh->nlmsg_seq = ++nl->seq;
    /* a dump ends with NLMSG_DONE; an ack would be one message too many */
    bool dump = (nlh->nlmsg_type & 3) == 2 && /* RTM_GET* */
                (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
    if (!dump)
        nlh->nlmsg_flags |= NLM_F_ACK;
    int e = nl_exchange(nl, nlh, &c);
    if (!e)
        return 0;
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (c.ext_msg[0])
        return gt_err(err, e, "%s: %s (%s)", what, strerror(e), c.ext_msg);
    return gt_err(err, e, "%s: %s", what, strerror(e));
}

/* ---- links ---- */

static struct nlmsghdr *link_msg(char *buf, uint16_t type, uint16_t flags, int index)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = NLM_F_REQUEST | flags;
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = index;
    return nlh;
}

static int check_name(const char *name, struct gt_error *err)
{
    if (!name || !*name || strlen(name) >= IF_NAMESIZE || strchr(name, '/') ||
        strpbrk(name, " \t\n:"))
        return gt_err(err, EINVAL, "invalid interface name \"%s\" (1 to %d characters, no "
                      "'/', ':' or spaces)", name ? name : "", IF_NAMESIZE - 1);
    return 0;
}

/* What a dump collects: entries of `size` bytes. */
struct nl_vec {
    void *v;
    size_t n, cap, size;
};

/* A new, zeroed entry at the end. */
static void *nl_vec_push(struct nl_vec *vec)
{
    if (vec->n == vec->cap) {
        vec->cap = vec->cap ? vec->cap * 2 : 16;
        vec->v = gt_xrealloc(vec->v, vec->cap * vec->size);
    }
    void *x = (char *)vec->v + vec->n++ * vec->size;
    memset(x, 0, vec->size);
    return x;
}

/* Attributes by type, for mnl_attr_parse: tb has max + 1 slots. */
struct attr_table {
    const struct nlattr **tb;
    unsigned max;
};

static int attr_table_cb(const struct nlattr *a, void *data)
{
    const struct attr_table *t = data;
    unsigned type = mnl_attr_get_type(a);
    if (type <= t->max)
        t->tb[type] = a;
    return MNL_CB_OK;
}

static int linkinfo_attr_cb(const struct nlattr *a, void *data)
{
    struct gt_nl_link *l = data;
    if (mnl_attr_get_type(a) == IFLA_INFO_KIND && mnl_attr_validate(a, MNL_TYPE_STRING) == 0)
        snprintf(l->kind, sizeof l->kind, "%.*s", (int)mnl_attr_get_payload_len(a),
                 (const char *)mnl_attr_get_payload(a));
    return MNL_CB_OK;
}

static int link_attr_cb(const struct nlattr *a, void *data)
{
    struct gt_nl_link *l = data;
    switch (mnl_attr_get_type(a)) {
    case IFLA_IFNAME:
        if (mnl_attr_validate(a, MNL_TYPE_STRING) == 0)
            snprintf(l->name, sizeof l->name, "%s", mnl_attr_get_str(a));
        break;
    case IFLA_MTU:
        if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
            l->mtu = mnl_attr_get_u32(a);
        break;
    case IFLA_MASTER:
        if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
            l->master = (int)mnl_attr_get_u32(a);
        break;
    case IFLA_ADDRESS:
        if (mnl_attr_get_payload_len(a) == 6) {
            memcpy(l->mac, mnl_attr_get_payload(a), 6);
            l->has_mac = true;
        }
        break;
    case IFLA_LINKINFO:
        mnl_attr_parse_nested(a, linkinfo_attr_cb, l);
        break;
    }
    return MNL_CB_OK;
}

static void parse_link(const struct nlmsghdr *nlh, struct gt_nl_link *l)
{
    const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    memset(l, 0, sizeof *l);
    l->index = ifi->ifi_index;
    l->flags = ifi->ifi_flags;
    mnl_attr_parse(nlh, sizeof *ifi, link_attr_cb, l);
}

static int link_one_cb(const struct nlmsghdr *nlh, void *data)
{
    if (nlh->nlmsg_type == RTM_NEWLINK)
        parse_link(nlh, data);
    return MNL_CB_OK;
}

int gt_nl_link_get(struct gt_nl *nl, const char *name, struct gt_nl_link *out,
                   struct gt_error *err)
{
    int r = check_name(name, err);
    if (r < 0)
        return r;
    char buf[NL_REQ];
    struct nlmsghdr *nlh = link_msg(buf, RTM_GETLINK, 0, 0);
    mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    memset(out, 0, sizeof *out);
    return nl_talk(nl, nlh, link_one_cb, out, err, "get link %s", name);
}

int gt_nl_link_get_index(struct gt_nl *nl, int index, struct gt_nl_link *out,
                         struct gt_error *err)
{
    char buf[NL_REQ];
    struct nlmsghdr *nlh = link_msg(buf, RTM_GETLINK, 0, index);
    memset(out, 0, sizeof *out);
    return nl_talk(nl, nlh, link_one_cb, out, err, "get link #%d", index);
}

static int link_dump_cb(const struct nlmsghdr *nlh, void *data)
{
    if (nlh->nlmsg_type == RTM_NEWLINK)
        parse_link(nlh, nl_vec_push(data));
    return MNL_CB_OK;
}

int gt_nl_link_list(struct gt_nl *nl, struct gt_nl_link **out, size_t *n, struct gt_error *err)
{
    char buf[NL_REQ];
    struct nlmsghdr *nlh = link_msg(buf, RTM_GETLINK, NLM_F_DUMP, 0);
    struct nl_vec lv = { .size = sizeof **out };
    int r = nl_talk(nl, nlh, link_dump_cb, &lv, err, "list links");
    if (r < 0) {
        free(lv.v);
        return r;
    }
    *out = lv.v;
    *n = lv.n;
    return 0;
}

/* A request that creates link name of kind (mtu 0: the kernel's); its
 * IFLA_LINKINFO nest is left open in *info for the kind's data. */
static struct nlmsghdr *new_link_msg(char *buf, const char *name, unsigned mtu, const char *kind,
                                     struct nlattr **info)
{
    struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
    mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    if (mtu)
        mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
    *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
    return nlh;
}

int gt_nl_bridge_add(struct gt_nl *nl, const char *name, unsigned mtu, struct gt_error *err)
{
    int r = check_name(name, err);
    if (r < 0)
        return r;
    char buf[NL_REQ];
    struct nlattr *info;
    struct nlmsghdr *nlh = new_link_msg(buf, name, mtu, "bridge", &info);
    mnl_attr_nest_end(nlh, info);
    return nl_talk(nl, nlh, NULL, NULL, err, "add bridge %s", name);
}

int gt_nl_veth_add(struct gt_nl *nl, const char *name, const char *peer, int peer_nsfd,
                   unsigned mtu, struct gt_error *err)
{
    int r = check_name(name, err);
    if (r < 0 || (r = check_name(peer, err)) < 0)
        return r;
    char buf[NL_REQ];
    struct nlattr *info;
    struct nlmsghdr *nlh = new_link_msg(buf, name, mtu, "veth", &info);
    struct nlattr *idata = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
    struct nlattr *p = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
    /* the peer is a full ifinfomsg followed by its own attributes */
    struct ifinfomsg *pifi = mnl_nlmsg_put_extra_header(nlh, sizeof *pifi);
    pifi->ifi_family = AF_UNSPEC;
    mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
    if (mtu)
        mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
    if (peer_nsfd >= 0)
        mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)peer_nsfd);
    mnl_attr_nest_end(nlh, p);
    mnl_attr_nest_end(nlh, idata);
    mnl_attr_nest_end(nlh, info);
    return nl_talk(nl, nlh, NULL, NULL, err, "add veth %s (peer %s)", name, peer);
}

int gt_nl_link_del(struct gt_nl *nl, int index, struct gt_error *err)
{
    char buf[NL_REQ];
    struct nlmsghdr *nlh = link_msg(buf, RTM_DELLINK, 0, index);
    return nl_talk(nl, nlh, NULL, NULL, err, "delete link #%d", index);
}

int gt_nl_link_set_up(struct gt_nl *nl, int index, bool up, struct gt_error *err)
{
    char buf[NL_REQ];
    struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 0, index);
    struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    ifi->ifi_change = IFF_UP;
    ifi->ifi_flags = up ? IFF_UP : 0;
    return nl_talk(nl, nlh, NULL, NULL, err, "set link #%d %s", index, up ? "up" : "down");
}

int gt_nl_link_set_mtu(struct gt_nl *nl, int index, unsigned mtu, struct gt_error *err)
{
    char buf[NL_REQ];
    struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 0, index);
    mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
    return nl_talk(nl, nlh, NULL, NULL, err, "set mtu %u on link #%d", mtu, index);
}

int gt_nl_link_set_mac(struct gt_nl *nl, int index, const uint8_t mac[6], struct gt_error *err)
{
    char buf[NL_REQ], m[18];
    struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 0, index);
    mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
    return nl_talk(nl, nlh, NULL, NULL, err, "set mac %s on link #%d", gt_mac_format(mac, m),
                   index);
}

int gt_nl_link_set_master(struct gt_nl *nl, int index, int master, struct gt_error *err)
{
    char buf[NL_REQ];
    struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 0, index);
    mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master);
    return nl_talk(nl, nlh, NULL, NULL, err, "set master of link #%d to #%d", index, master);
}

int gt_nl_link_set_netns(struct gt_nl *nl, int index, int nsfd, struct gt_error *err)
{
    char buf[NL_REQ];
    struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 0, index);
    mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)nsfd);
    return nl_talk(nl, nlh, NULL, NULL, err, "move link #%d to another namespace", index);
}

int gt_nl_link_set_name(struct gt_nl *nl, int index, const char *name, struct gt_error *err)
{
    int r = check_name(name, err);
    if (r < 0)
        return r;
    char buf[NL_REQ];
    struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 0, index);
    mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    return nl_talk(nl, nlh, NULL, NULL, err, "rename link #%d to %s", index, name);
}

int gt_nl_bridge_port_set_hairpin(struct gt_nl *nl, int index, bool on, struct gt_error *err)
{
    char buf[NL_REQ];
    struct nlmsghdr *nlh = link_msg(buf, RTM_SETLINK, 0, index);
    struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    ifi->ifi_family = AF_BRIDGE;
    struct nlattr *pi = mnl_attr_nest_start(nlh, IFLA_PROTINFO);
    mnl_attr_put_u8(nlh, IFLA_BRPORT_MODE, on ? 1 : 0);
    mnl_attr_nest_end(nlh, pi);
    return nl_talk(nl, nlh, NULL, NULL, err, "set hairpin mode of bridge port #%d", index);
}

/* ---- addresses ---- */

static struct nlmsghdr *addr_msg(char *buf, uint16_t type, uint16_t flags, int index,
                                 const struct gt_prefix *p)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = NLM_F_REQUEST | flags;
    struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof *ifa);
    ifa->ifa_family = (uint8_t)p->ip.family;
    ifa->ifa_prefixlen = (uint8_t)p->len;
    ifa->ifa_index = (unsigned)index;
    ifa->ifa_scope = RT_SCOPE_UNIVERSE;
    mnl_attr_put(nlh, IFA_LOCAL, (size_t)gt_ip_len(&p->ip), p->ip.a);
    mnl_attr_put(nlh, IFA_ADDRESS, (size_t)gt_ip_len(&p->ip), p->ip.a);
    return nlh;
}

int gt_nl_addr_add(struct gt_nl *nl, int index, const struct gt_prefix *addr,
                   struct gt_error *err)
{
    char buf[NL_REQ], s[GT_IP_STRLEN];
    struct nlmsghdr *nlh = addr_msg(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, index, addr);
    if (addr->ip.family == AF_INET) {
        struct gt_ip bcast = gt_prefix_last(addr);
        if (addr->len < 31)
            mnl_attr_put(nlh, IFA_BROADCAST, 4, bcast.a);
    } else {
        struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
        ifa->ifa_flags = IFA_F_NODAD;
    }
    return nl_talk(nl, nlh, NULL, NULL, err, "add address %s to link #%d",
                   gt_prefix_format(addr, s, sizeof s), index);
}

int gt_nl_addr_del(struct gt_nl *nl, int index, const struct gt_prefix *addr,
                   struct gt_error *err)
{
    char buf[NL_REQ], s[GT_IP_STRLEN];
    struct nlmsghdr *nlh = addr_msg(buf, RTM_DELADDR, 0, index, addr);
    return nl_talk(nl, nlh, NULL, NULL, err, "delete address %s from link #%d",
                   gt_prefix_format(addr, s, sizeof s), index);
}

/* An address or route dump: what it keeps (index 0, family 0: any). */
struct nl_dump {
    int index, family;
    struct nl_vec vec;
};

static int addr_dump_cb(const struct nlmsghdr *nlh, void *data)
{
    struct nl_dump *av = data;
    if (nlh->nlmsg_type != RTM_NEWADDR)
        return MNL_CB_OK;
    const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
    if ((av->index && (int)ifa->ifa_index != av->index) ||
        (av->family && ifa->ifa_family != av->family))
        return MNL_CB_OK;
    if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
        return MNL_CB_OK;
    const struct nlattr *tb[IFA_MAX + 1] = { 0 };
    mnl_attr_parse(nlh, sizeof *ifa, attr_table_cb, &(struct attr_table){ tb, IFA_MAX });
    /* IFA_LOCAL is the interface's own address on point-to-point links */
    const struct nlattr *a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
    size_t alen = ifa->ifa_family == AF_INET ? 4 : 16;
    if (!a || mnl_attr_get_payload_len(a) != alen)
        return MNL_CB_OK;
    struct gt_nl_addr *x = nl_vec_push(&av->vec);
    x->index = (int)ifa->ifa_index;
    x->prefix.ip.family = ifa->ifa_family;
    memcpy(x->prefix.ip.a, mnl_attr_get_payload(a), alen);
    x->prefix.len = ifa->ifa_prefixlen;
    return MNL_CB_OK;
}

int gt_nl_addr_list(struct gt_nl *nl, int index, int family, struct gt_nl_addr **out, size_t *n,
                    struct gt_error *err)
{
    char buf[NL_REQ];
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_GETADDR;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof *ifa);
    ifa->ifa_family = (uint8_t)family;
    struct nl_dump av = { .index = index, .family = family, .vec.size = sizeof **out };
    int r = nl_talk(nl, nlh, addr_dump_cb, &av, err, "list addresses");
    if (r < 0) {
        free(av.vec.v);
        return r;
    }
    *out = av.vec.v;
    *n = av.vec.n;
    return 0;
}

/* ---- routes ---- */

static struct nlmsghdr *route_msg(char *buf, uint16_t type, uint16_t flags,
                                  const struct gt_nl_route *r)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = NLM_F_REQUEST | flags;
    struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof *rtm);
    rtm->rtm_family = (uint8_t)r->dst.ip.family;
    rtm->rtm_dst_len = (uint8_t)r->dst.len;
    rtm->rtm_table = RT_TABLE_MAIN;
    rtm->rtm_protocol = RTPROT_BOOT;
    rtm->rtm_scope = r->gw.family ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
    rtm->rtm_type = RTN_UNICAST;
    if (r->dst.len > 0) {
        struct gt_ip net = gt_prefix_network(&r->dst);
        mnl_attr_put(nlh, RTA_DST, (size_t)gt_ip_len(&net), net.a);
    }
    if (r->gw.family)
        mnl_attr_put(nlh, RTA_GATEWAY, (size_t)gt_ip_len(&r->gw), r->gw.a);
    if (r->oif)
        mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)r->oif);
    return nlh;
}

static const char *route_str(const struct gt_nl_route *r, char *buf, size_t len)
{
    char d[GT_IP_STRLEN], g[GT_IP_STRLEN];
    gt_prefix_format(&r->dst, d, sizeof d);
    if (r->gw.family)
        snprintf(buf, len, "%s via %s", d, gt_ip_format(&r->gw, g, sizeof g));
    else
        snprintf(buf, len, "%s dev #%d", d, r->oif);
    return buf;
}

int gt_nl_route_add(struct gt_nl *nl, const struct gt_nl_route *r, struct gt_error *err)
{
    if (r->gw.family && r->gw.family != r->dst.ip.family)
        return gt_err(err, EINVAL, "route: gateway and destination of different families");
    char buf[NL_REQ], s[160];
    struct nlmsghdr *nlh = route_msg(buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, r);
    return nl_talk(nl, nlh, NULL, NULL, err, "add route %s", route_str(r, s, sizeof s));
}

int gt_nl_route_del(struct gt_nl *nl, const struct gt_nl_route *r, struct gt_error *err)
{
    char buf[NL_REQ], s[160];
    struct nlmsghdr *nlh = route_msg(buf, RTM_DELROUTE, 0, r);
    return nl_talk(nl, nlh, NULL, NULL, err, "delete route %s", route_str(r, s, sizeof s));
}

static int route_dump_cb(const struct nlmsghdr *nlh, void *data)
{
    struct nl_dump *rv = data;
    if (nlh->nlmsg_type != RTM_NEWROUTE)
        return MNL_CB_OK;
    const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
    if (rtm->rtm_family != rv->family || rtm->rtm_type != RTN_UNICAST)
        return MNL_CB_OK;
    const struct nlattr *tb[RTA_MAX + 1] = { 0 };
    mnl_attr_parse(nlh, sizeof *rtm, attr_table_cb, &(struct attr_table){ tb, RTA_MAX });
    unsigned table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
    if (table != RT_TABLE_MAIN)
        return MNL_CB_OK;
    size_t alen = rv->family == AF_INET ? 4 : 16;
    struct gt_nl_route *x = nl_vec_push(&rv->vec);
    x->dst.ip.family = rv->family;
    x->dst.len = rtm->rtm_dst_len;
    if (tb[RTA_DST] && mnl_attr_get_payload_len(tb[RTA_DST]) == alen)
        memcpy(x->dst.ip.a, mnl_attr_get_payload(tb[RTA_DST]), alen);
    if (tb[RTA_GATEWAY] && mnl_attr_get_payload_len(tb[RTA_GATEWAY]) == alen) {
        x->gw.family = rv->family;
        memcpy(x->gw.a, mnl_attr_get_payload(tb[RTA_GATEWAY]), alen);
    }
    if (tb[RTA_OIF])
        x->oif = (int)mnl_attr_get_u32(tb[RTA_OIF]);
    return MNL_CB_OK;
}

int gt_nl_route_list(struct gt_nl *nl, int family, struct gt_nl_route **out, size_t *n,
                     struct gt_error *err)
{
    char buf[NL_REQ];
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_GETROUTE;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof *rtm);
    rtm->rtm_family = (uint8_t)family;
    struct nl_dump rv = { .family = family, .vec.size = sizeof **out };
    int r = nl_talk(nl, nlh, route_dump_cb, &rv, err, "list routes");
    if (r < 0) {
        free(rv.vec.v);
        return r;
    }
    *out = rv.vec.v;
    *n = rv.vec.n;
    return 0;
}
