/* Containers on networks: the checks at create, the network namespace the
 * engine makes at each start and the attachments to it, published ports,
 * /etc/hosts and /etc/resolv.conf, the DNS records, teardown at exit and
 * removal, reconciliation when the engine reopens, connect and disconnect,
 * and what inspect and ps show of it.
 *
 * Why the engine makes the namespace (bind-mounted at
 * <exec_root>/netns/<id>, given to the runtime by path) rather than
 * attaching the runtime's own after `create`: the attachments are done,
 * and a failure undone, before any process of the container exists; the
 * address is known when /etc/hosts is written; and the namespace outlives
 * the container's processes, so that teardown (CNI DEL) finds the veth
 * where it was, also after a crash of the engine. */
#include <errno.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <dirent.h>
#include <unistd.h>
#include <ctype.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "engine/internal.h"
#include "net/dns.h"
#include "net/netlink.h"
#include "net/netns.h"
#include "net/nft.h"

#define PORT_MIN 32768 /* docker's range for ports it picks */
#define PORT_MAX 60999

const char *eng_net_mode(struct gt_engine *e, struct container *c)
{
    const char *m = json_string_value(json_object_get(c->host, "NetworkMode"));
    if (!m || !*m || !strcmp(m, "default"))
        return e->default_network;
    return m;
}

static bool mode_is_own_ns(const char *mode)
{
    return strcmp(mode, "host") && strncmp(mode, "container:", 10);
}

/* ---- records in state.json ---- */

json_t *eng_net_state_json(struct container *c)
{
    json_t *j = json_object();
    if (c->netns)
        json_object_set_new(j, "NetNS", json_string(c->netns));
    if (json_object_size(c->endpoints))
        json_object_set(j, "Endpoints", c->endpoints);
    if (json_array_size(c->ports))
        json_object_set(j, "Ports", c->ports);
    return j;
}

void eng_net_state_load(struct container *c, json_t *state)
{
    json_t *n = json_object_get(state, "Network");
    const char *ns = json_string_value(json_object_get(n, "NetNS"));
    json_t *eps = json_object_get(n, "Endpoints");
    json_t *ports = json_object_get(n, "Ports");
    c->netns = ns ? gt_xstrdup(ns) : NULL;
    c->endpoints = json_is_object(eps) ? json_incref(eps) : NULL;
    c->ports = json_is_array(ports) ? json_incref(ports) : NULL;
}

static void save_state(struct container *c)
{
    struct gt_error err = { 0 };
    if (eng_ctr_save_state(c, &err) < 0)
        gt_warn("container %s: %s", c->id, err.msg);
}

/* ---- published ports ---- */

struct binding {
    int proto;
    uint16_t cport;
    char host_ip[GT_IP_STRLEN]; /* "" for every address */
    unsigned lo, hi;            /* host ports to choose from (lo == hi: that one; 0: any) */
};

/* "80", "80/tcp", "53/udp"; a range "8000-8001" gives n > 1 */
static int parse_port_key(const char *key, unsigned *lo, unsigned *hi, int *proto,
                          struct gt_error *err)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%s", key);
    *proto = IPPROTO_TCP;
    char *slash = strchr(buf, '/');
    if (slash) {
        *slash = '\0';
        if ((*proto = gt_nft_proto_parse(slash + 1)) < 0)
            return gt_err(err, EINVAL, "invalid proto '%s' in port %s: tcp or udp (sctp is not "
                          "supported)", slash + 1, key);
    }
    char *dash = strchr(buf, '-');
    char *end;
    unsigned long a = strtoul(buf, &end, 10), b = a;
    if (end == buf || (dash ? end != dash : *end != '\0'))
        return gt_err(err, EINVAL, "invalid containerPort: %s", buf);
    if (dash) {
        b = strtoul(dash + 1, &end, 10);
        if (end == dash + 1 || *end)
            return gt_err(err, EINVAL, "invalid containerPort: %s", buf);
    }
    if (a == 0 || a > 65535 || b < a || b > 65535)
        return gt_err(err, EINVAL, "invalid port specification: \"%s\"", key);
    *lo = (unsigned)a;
    *hi = (unsigned)b;
    return 0;
}

/* HostPort "", "8080" or "8000-8010" */
static int parse_host_port(const char *s, unsigned *lo, unsigned *hi, struct gt_error *err)
{
    *lo = *hi = 0;
    if (!s || !*s)
        return 0;
    char *end;
    unsigned long a = strtoul(s, &end, 10), b = a;
    if (end == s)
        return gt_err(err, EINVAL, "invalid hostPort: %s", s);
    if (*end == '-') {
        const char *x = end + 1;
        b = strtoul(x, &end, 10);
        if (end == x)
            return gt_err(err, EINVAL, "invalid hostPort: %s", s);
    }
    if (*end || a == 0 || a > 65535 || b < a || b > 65535)
        return gt_err(err, EINVAL, "invalid hostPort: %s", s);
    *lo = (unsigned)a;
    *hi = (unsigned)b;
    return 0;
}

/* The bindings of HostConfig.PortBindings and, with PublishAllPorts, one
 * for each exposed port without one.  IPv6 host addresses are skipped
 * (the networks are IPv4). */
static int bindings_of(json_t *host, json_t *config, struct binding **out, size_t *n,
                       struct gt_error *err)
{
    *out = NULL;
    *n = 0;
    struct binding *v = NULL;
    size_t cnt = 0, cap = 0;
    const char *key;
    json_t *list;
    json_t *pb = json_object_get(host, "PortBindings");
    if (pb && !json_is_null(pb) && !json_is_object(pb))
        return gt_err(err, EINVAL, "HostConfig.PortBindings: expected an object");
    json_object_foreach(pb, key, list) {
        unsigned clo, chi;
        int proto;
        int r = parse_port_key(key, &clo, &chi, &proto, err);
        if (r < 0) {
            free(v);
            return r;
        }
        size_t i;
        json_t *b;
        json_array_foreach(list, i, b) {
            const char *hip = json_string_value(json_object_get(b, "HostIp"));
            const char *hp = json_string_value(json_object_get(b, "HostPort"));
            unsigned hlo, hhi;
            if ((r = parse_host_port(hp, &hlo, &hhi, err)) < 0) {
                free(v);
                return r;
            }
            if (hip && *hip) {
                struct gt_ip ip;
                if (gt_ip_parse(hip, &ip, NULL) < 0) {
                    free(v);
                    return gt_err(err, EINVAL, "invalid host IP address: %s", hip);
                }
                if (ip.family == AF_INET6)
                    continue;
                if (!strcmp(hip, "0.0.0.0"))
                    hip = "";
            }
            for (unsigned p = clo; p <= chi; p++) {
                if (cnt == cap) {
                    cap = cap ? cap * 2 : 8;
                    v = gt_xrealloc(v, cap * sizeof *v);
                }
                struct binding *x = &v[cnt++];
                memset(x, 0, sizeof *x);
                x->proto = proto;
                x->cport = (uint16_t)p;
                snprintf(x->host_ip, sizeof x->host_ip, "%s", hip ? hip : "");
                /* a host range for a container range: port for port */
                if (chi > clo && hlo && hhi - hlo == chi - clo)
                    x->lo = x->hi = hlo + (p - clo);
                else {
                    x->lo = hlo;
                    x->hi = hhi;
                }
            }
        }
    }
    if (json_is_true(json_object_get(host, "PublishAllPorts"))) {
        json_t *ign;
        json_object_foreach(json_object_get(config, "ExposedPorts"), key, ign) {
            if (json_object_get(pb, key))
                continue;
            unsigned clo, chi;
            int proto;
            if (parse_port_key(key, &clo, &chi, &proto, NULL) < 0)
                continue;
            for (unsigned p = clo; p <= chi; p++) {
                if (cnt == cap) {
                    cap = cap ? cap * 2 : 8;
                    v = gt_xrealloc(v, cap * sizeof *v);
                }
                v[cnt++] = (struct binding){ .proto = proto, .cport = (uint16_t)p };
            }
        }
    }
    *out = v;
    *n = cnt;
    return 0;
}

static bool ips_overlap(const char *a, const char *b)
{
    return !*a || !*b || !strcmp(a, b);
}

/* Whether a host port is taken by a published port of another container
 * (names it) or by a socket of this host. */
static const struct container *port_holder(struct gt_engine *e, struct container *self, int proto,
                                           const char *hip, unsigned port, json_t **held)
{
    for (size_t i = 0; i < e->n_ctrs; i++) {
        struct container *o = e->ctrs[i];
        if (o == self)
            continue;
        pthread_mutex_lock(&o->lock);
        size_t k;
        json_t *p;
        json_array_foreach(o->ports, k, p) {
            const char *pp = json_string_value(json_object_get(p, "Proto"));
            const char *pip = json_string_value(json_object_get(p, "HostIp"));
            if ((unsigned)json_integer_value(json_object_get(p, "HostPort")) == port && pp &&
                gt_nft_proto_parse(pp) == proto && ips_overlap(pip ? pip : "", hip)) {
                pthread_mutex_unlock(&o->lock);
                *held = p;
                return o;
            }
        }
        pthread_mutex_unlock(&o->lock);
    }
    return NULL;
}

static bool bindable(int proto, const char *hip, unsigned port)
{
    int fd = socket(AF_INET, (proto == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return true;
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    struct gt_ip ip;
    if (*hip && gt_ip_parse(hip, &ip, NULL) == 0)
        memcpy(&sa.sin_addr, ip.a, 4);
    bool ok = bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    close(fd);
    return ok;
}

/* Chooses the host ports and records them as the container's (they are
 * reserved from then on); docker's message for a port another holds. */
static int reserve_ports(struct gt_engine *e, struct container *c, struct binding *b, size_t n,
                         struct gt_error *err)
{
    json_t *ports = json_array();
    int r = 0;
    pthread_mutex_lock(&e->net_lock);
    pthread_mutex_lock(&e->lock);
    for (size_t i = 0; i < n && r == 0; i++) {
        unsigned lo = b[i].lo, hi = b[i].hi, pick = 0;
        json_t *held = NULL;
        const char *hip = b[i].host_ip;
        if (lo && lo == hi) {
            const struct container *o = port_holder(e, c, b[i].proto, hip, lo, &held);
            /* the same container asking twice for one host port */
            for (size_t k = 0; k < json_array_size(ports) && !o; k++) {
                json_t *p = json_array_get(ports, k);
                if ((unsigned)json_integer_value(json_object_get(p, "HostPort")) == lo &&
                    gt_nft_proto_parse(json_string_value(json_object_get(p, "Proto"))) == b[i].proto)
                    o = c;
            }
            if (o) {
                r = gt_err(err, EADDRINUSE, "driver failed programming external connectivity on "
                           "endpoint %s: Bind for %s:%u failed: port is already allocated",
                           c->name, *hip ? hip : "0.0.0.0", lo);
                break;
            }
            pick = lo;
        } else {
            bool ranged = lo != 0;
            unsigned from = ranged ? lo : PORT_MIN, to = ranged ? hi : PORT_MAX;
            unsigned span = to - from + 1, start = 0;
            if (!ranged && getrandom(&start, sizeof start, 0) != sizeof start)
                start = (unsigned)eng_now_ns();
            for (unsigned k = 0; k < span && !pick; k++) {
                unsigned p = from + (start + k) % span;
                bool mine = false;
                for (size_t q = 0; q < json_array_size(ports) && !mine; q++) {
                    json_t *x = json_array_get(ports, q);
                    mine = (unsigned)json_integer_value(json_object_get(x, "HostPort")) == p;
                }
                if (!mine && !port_holder(e, c, b[i].proto, hip, p, &held) &&
                    bindable(b[i].proto, hip, p))
                    pick = p;
            }
            if (!pick) {
                r = gt_err(err, EADDRINUSE, "driver failed programming external connectivity on "
                           "endpoint %s: all ports are allocated%s", c->name,
                           ranged ? " in the requested range" : "");
                break;
            }
        }
        json_array_append_new(ports, json_pack("{s:s,s:s,s:i,s:i}", "Proto",
                                               gt_nft_proto_name(b[i].proto), "HostIp", hip,
                                               "HostPort", (int)pick, "ContainerPort",
                                               (int)b[i].cport));
    }
    pthread_mutex_unlock(&e->lock);
    pthread_mutex_lock(&c->lock);
    json_decref(c->ports);
    c->ports = r == 0 && json_array_size(ports) ? json_incref(ports) : NULL;
    pthread_mutex_unlock(&c->lock);
    pthread_mutex_unlock(&e->net_lock);
    json_decref(ports);
    return r;
}

/* ---- checks at create ---- */

static json_t *eps_config(struct container *c)
{
    return json_object_get(c->netcfg, "EndpointsConfig");
}

static int parse_mac(const char *s, uint8_t out[6])
{
    unsigned v[6];
    char tail;
    if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
               &tail) != 6 || strlen(s) != 17)
        return -EINVAL;
    for (int i = 0; i < 6; i++)
        out[i] = (uint8_t)v[i];
    return out[0] & 1 ? -EINVAL : 0; /* a multicast address is no interface's */
}

static int check_endpoint(const struct eng_network *n, json_t *ep, struct gt_error *err)
{
    json_t *ipam = json_object_get(ep, "IPAMConfig");
    const char *ip = json_string_value(json_object_get(ipam, "IPv4Address"));
    const char *ip6 = json_string_value(json_object_get(ipam, "IPv6Address"));
    if ((ip && *ip) || (ip6 && *ip6)) {
        if (n->predefined)
            return gt_err(err, EINVAL, "user specified IP address is supported on user defined "
                          "networks only");
        struct gt_ip a;
        if (ip6 && *ip6)
            return gt_err(err, EOPNOTSUPP, "IPv6 addresses are not supported yet: %s", ip6);
        if (gt_ip_parse(ip, &a, NULL) < 0 || a.family != AF_INET)
            return gt_err(err, EINVAL, "invalid IPv4 address: %s", ip);
    }
    if (json_array_size(json_object_get(ep, "Aliases")) && n->predefined)
        return gt_err(err, EINVAL, "network-scoped alias is supported only for containers in "
                      "user defined networks");
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(ep, "Aliases"), i, a)
        if (!json_is_string(a))
            return gt_err(err, EINVAL, "Aliases: expected strings");
    const char *mac = json_string_value(json_object_get(ep, "MacAddress"));
    uint8_t m[6];
    if (mac && *mac && parse_mac(mac, m) < 0)
        return gt_err(err, EINVAL, "invalid MAC address: %s", mac);
    return 0;
}

int eng_net_validate(struct gt_engine *e, json_t *host, json_t *config, json_t **netcfg,
                     json_t *warnings, struct gt_error *err)
{
    const char *nm = json_string_value(json_object_get(host, "NetworkMode"));
    if (!nm || !*nm)
        json_object_set_new(host, "NetworkMode", json_string(nm = "default"));
    const char *eff = !strcmp(nm, "default") ? e->default_network : nm;
    json_t *given = json_object_get(*netcfg, "EndpointsConfig");
    if (given && !json_is_null(given) && !json_is_object(given))
        return gt_err(err, EINVAL, "NetworkingConfig.EndpointsConfig: expected an object");
    struct binding *b = NULL;
    size_t nb = 0;
    int r = bindings_of(host, config, &b, &nb, err);
    free(b);
    if (r < 0)
        return r;
    const char *cmac = json_string_value(json_object_get(config, "MacAddress"));
    uint8_t m[6];
    if (cmac && *cmac && parse_mac(cmac, m) < 0)
        return gt_err(err, EINVAL, "invalid MAC address: %s", cmac);
    json_t *pb = json_object_get(host, "PortBindings");
    bool publishes = json_object_size(pb) > 0 ||
                     json_is_true(json_object_get(host, "PublishAllPorts"));
    cleanup_json json_t *eps = json_object();
    if (!strncmp(eff, "container:", 10)) {
        struct container *o;
        if ((r = eng_ctr_find(e, eff + 10, &o, err)) < 0)
            return gt_err_prefix(err, "HostConfig.NetworkMode");
        eng_ctr_unref(o);
        if (json_object_size(pb))
            return gt_err(err, EINVAL, "conflicting options: port publishing and the container "
                          "type network mode");
        if (json_array_size(json_object_get(host, "Dns")))
            return gt_err(err, EINVAL, "conflicting options: dns and the network mode");
        if (json_array_size(json_object_get(host, "ExtraHosts")))
            return gt_err(err, EINVAL, "conflicting options: custom host-to-IP mapping and the "
                          "network mode");
    } else if (!strcmp(eff, "host") || !strcmp(eff, "none")) {
        if (publishes && !strcmp(eff, "host") && warnings)
            json_array_append_new(warnings, json_string("Published ports are discarded when "
                                                        "using host network mode"));
        struct eng_network n;
        if ((r = eng_net_find(e, eff, &n, err)) < 0)
            return r;
        json_t *ep = json_object_get(given, eff);
        json_t *copy = json_is_object(ep) ? json_deep_copy(ep) : json_object();
        json_object_set_new(copy, "NetworkID", json_string(n.id));
        json_object_set_new(eps, eff, copy);
        eng_network_release(&n);
        const char *k;
        json_object_foreach(given, k, ep)
            if (strcmp(k, eff) && strcmp(k, nm))
                return gt_err(err, EINVAL, "container cannot be connected to network %s in %s "
                              "network mode", k, eff);
    } else {
        /* the mode's network first, then the others asked for */
        json_t *mine = json_object_get(given, nm);
        if (!mine)
            mine = json_object_get(given, eff);
        cleanup_json json_t *order = json_pack("{s:O}", eff, mine ? mine : json_null());
        const char *k;
        json_t *ep;
        json_object_foreach(given, k, ep)
            if (strcmp(k, nm) && strcmp(k, eff))
                json_object_set(order, k, ep);
        json_object_foreach(order, k, ep) {
            struct eng_network n;
            if ((r = eng_net_find(e, k, &n, err)) < 0)
                return r;
            if (!strcmp(n.name, "host") || !strcmp(n.name, "none")) {
                eng_network_release(&n);
                return gt_err(err, EINVAL, "container cannot be connected to the %s network "
                              "and another one", k);
            }
            if (json_object_get(eps, n.name)) { /* named twice (by name and id) */
                eng_network_release(&n);
                continue;
            }
            json_t *copy = json_is_object(ep) ? json_deep_copy(ep) : json_object();
            if ((r = check_endpoint(&n, copy, err)) < 0) {
                json_decref(copy);
                eng_network_release(&n);
                return r;
            }
            json_object_set_new(copy, "NetworkID", json_string(n.id));
            json_object_set_new(eps, n.name, copy);
            eng_network_release(&n);
        }
    }
    if (!*netcfg)
        *netcfg = json_object();
    json_object_set(*netcfg, "EndpointsConfig", eps);
    return 0;
}

/* ---- /etc/hosts and /etc/resolv.conf ---- */

/* The embedded DNS server of the first endpoint that has one (c->lock
 * held): on a user-defined network, names resolve whichever interface the
 * container has first. */
static const char *dns_server(struct container *c)
{
    const char *k;
    json_t *ep;
    json_object_foreach(c->endpoints, k, ep) {
        const char *d = json_string_value(json_object_get(ep, "Dns"));
        if (d && *d)
            return d;
    }
    return NULL;
}

/* The default bridge's gateway, for --add-host NAME:host-gateway. */
static char *host_gateway(struct gt_engine *e)
{
    struct eng_network n;
    struct gt_error ignored;
    if (!e->bridge_dev || eng_net_find(e, "bridge", &n, &ignored) < 0)
        return NULL;
    const char *gw = json_string_value(json_object_get(json_array_get(n.ipam, 0), "Gateway"));
    char *out = gw ? gt_xstrdup(gw) : NULL;
    eng_network_release(&n);
    return out;
}

static void append(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void append(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (*len + (size_t)n + 1 > *cap) {
        *cap = (*len + (size_t)n + 1) * 2;
        *buf = gt_xrealloc(*buf, *cap);
    }
    va_start(ap, fmt);
    vsnprintf(*buf + *len, *cap - *len, fmt, ap);
    va_end(ap);
    *len += (size_t)n;
}

static char *hosts_text(struct gt_engine *e, struct container *c, bool host_net)
{
    size_t len = 0, cap = 0;
    char *out = NULL;
    cleanup_free char *base = NULL;
    if (host_net && gt_read_file("/etc/hosts", 1 << 20, &base, NULL, NULL) == 0)
        append(&out, &len, &cap, "%s%s", base, *base && base[strlen(base) - 1] != '\n' ? "\n" : "");
    else
        append(&out, &len, &cap, "127.0.0.1\tlocalhost\n"
                                 "::1\tlocalhost ip6-localhost ip6-loopback\n"
                                 "fe00::0\tip6-localnet\n"
                                 "ff00::0\tip6-mcastprefix\n"
                                 "ff02::1\tip6-allnodes\n"
                                 "ff02::2\tip6-allrouters\n");
    size_t i;
    json_t *v;
    cleanup_free char *hgw = NULL;
    json_array_foreach(json_object_get(c->host, "ExtraHosts"), i, v) {
        const char *s = json_string_value(v);
        /* "name:ip" (docker's), or "name=ip" */
        const char *sep = s ? strpbrk(s, ":=") : NULL;
        if (!sep)
            continue;
        const char *ip = sep + 1;
        if (!strcmp(ip, "host-gateway")) {
            if (!hgw)
                hgw = host_gateway(e);
            if (!hgw)
                continue;
            ip = hgw;
        }
        append(&out, &len, &cap, "%s\t%.*s\n", ip, (int)(sep - s), s);
    }
    if (!host_net) {
        const char *hn = json_string_value(json_object_get(c->config, "Hostname"));
        const char *dn = json_string_value(json_object_get(c->config, "Domainname"));
        const char *k;
        json_t *ep;
        pthread_mutex_lock(&c->lock);
        json_object_foreach(c->endpoints, k, ep) {
            const char *ip = json_string_value(json_object_get(ep, "IPAddress"));
            if (!ip || !*ip || !hn || !*hn)
                continue;
            if (dn && *dn)
                append(&out, &len, &cap, "%s\t%s.%s %s\n", ip, hn, dn, hn);
            else
                append(&out, &len, &cap, "%s\t%s\n", ip, hn);
        }
        pthread_mutex_unlock(&c->lock);
    }
    return out;
}

static char *resolv_text(struct container *c, bool host_net)
{
    pthread_mutex_lock(&c->lock);
    const char *dns = dns_server(c);
    cleanup_free char *dns_copy = dns ? gt_xstrdup(dns) : NULL;
    pthread_mutex_unlock(&c->lock);
    cleanup_free char *host_resolv = NULL;
    gt_read_file("/etc/resolv.conf", 1 << 20, &host_resolv, NULL, NULL);
    json_t *dnsl = json_object_get(c->host, "Dns");
    json_t *search = json_object_get(c->host, "DnsSearch");
    json_t *opts = json_object_get(c->host, "DnsOptions");
    size_t len = 0, cap = 0, i;
    char *out = NULL;
    json_t *v;
    bool have_ns = false;
    /* the embedded server answers the network's names and forwards the
     * rest to the host's resolvers */
    if (dns_copy) {
        append(&out, &len, &cap, "nameserver %s\n", dns_copy);
        have_ns = true;
    }
    json_array_foreach(dnsl, i, v) {
        append(&out, &len, &cap, "nameserver %s\n", json_string_value(v) ?: "");
        have_ns = true;
    }
    char *sv = NULL;
    for (char *line = host_resolv ? strtok_r(host_resolv, "\n", &sv) : NULL; line;
         line = strtok_r(NULL, "\n", &sv)) {
        while (isspace((unsigned char)*line))
            line++;
        if (!strncmp(line, "nameserver", 10)) {
            if (json_array_size(dnsl) || dns_copy)
                continue;
            const char *addr = line + 10;
            while (isspace((unsigned char)*addr))
                addr++;
            /* loopback resolvers of the host are not reachable from a
             * namespace of its own */
            if (!host_net && (!strncmp(addr, "127.", 4) || !strcmp(addr, "::1")))
                continue;
            have_ns = true;
        } else if (!strncmp(line, "search", 6) || !strncmp(line, "domain", 6)) {
            if (json_array_size(search))
                continue;
        } else if (!strncmp(line, "options", 7)) {
            if (json_array_size(opts))
                continue;
        } else {
            continue;
        }
        append(&out, &len, &cap, "%s\n", line);
    }
    if (!have_ns && !host_net)
        append(&out, &len, &cap, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
    if (json_array_size(search)) {
        append(&out, &len, &cap, "search");
        json_array_foreach(search, i, v)
            append(&out, &len, &cap, " %s", json_string_value(v) ?: "");
        append(&out, &len, &cap, "\n");
    }
    if (json_array_size(opts)) {
        append(&out, &len, &cap, "options");
        json_array_foreach(opts, i, v)
            append(&out, &len, &cap, " %s", json_string_value(v) ?: "");
        append(&out, &len, &cap, "\n");
    }
    if (!out)
        append(&out, &len, &cap, "%s", "");
    return out;
}

/* Written in place: once the runtime has bind-mounted a file, a new inode
 * (an atomic rename) would not be seen by the container. */
static int write_in_place(const char *path, const char *text, struct gt_error *err)
{
    return gt_write_file(path, text, strlen(text), 0644, err);
}

int eng_net_write_etc(struct gt_engine *e, struct container *c, bool host_net,
                      struct gt_error *err)
{
    cleanup_free char *hp = gt_path_join(c->dir, "hosts");
    cleanup_free char *rp = gt_path_join(c->dir, "resolv.conf");
    const char *mode = eng_net_mode(e, c);
    if (!strncmp(mode, "container:", 10)) {
        /* the owner's files: one network namespace, one view of names */
        struct container *o;
        int r = eng_ctr_find(e, mode + 10, &o, err);
        if (r < 0)
            return r;
        cleanup_free char *oh = gt_path_join(o->dir, "hosts");
        cleanup_free char *orc = gt_path_join(o->dir, "resolv.conf");
        eng_ctr_unref(o);
        cleanup_free char *h = NULL, *rc = NULL;
        if (gt_read_file(oh, 1 << 20, &h, NULL, NULL) == 0 &&
            gt_read_file(orc, 1 << 20, &rc, NULL, NULL) == 0) {
            if ((r = write_in_place(hp, h, err)) < 0)
                return r;
            return write_in_place(rp, rc, err);
        }
    }
    cleanup_free char *hosts = hosts_text(e, c, host_net);
    int r = write_in_place(hp, hosts, err);
    if (r < 0)
        return r;
    cleanup_free char *resolv = resolv_text(c, host_net);
    return write_in_place(rp, resolv, err);
}

/* ---- attach and detach ---- */

static char *netns_path(struct gt_engine *e, const char *id)
{
    return gt_xasprintf("%s/netns/%s", e->exec_root, id);
}

/* eth0, eth1, ...: the first the container's endpoints do not use */
static void free_ifname(struct container *c, char buf[16])
{
    for (int i = 0;; i++) {
        snprintf(buf, 16, "eth%d", i);
        bool used = false;
        const char *k;
        json_t *ep;
        json_object_foreach(c->endpoints, k, ep) {
            const char *n = json_string_value(json_object_get(ep, "IfName"));
            used = used || (n && !strcmp(n, buf));
        }
        if (!used)
            return;
    }
}

/* After the plugins: the MAC address asked for (veth takes a new one while
 * up), and no default route on an internal network (docker's: no way out). */
static int tune_iface(const char *netns, const char *ifname, const char *mac,
                      const char *internal_gw, struct gt_error *err)
{
    cleanup_close int nsfd = gt_netns_open(netns, err);
    if (nsfd < 0)
        return nsfd;
    struct gt_nl nl;
    int r = gt_nl_open_netns(&nl, nsfd, err);
    if (r < 0)
        return r;
    struct gt_nl_link link;
    if ((r = gt_nl_link_get(&nl, ifname, &link, err)) == 0 && mac) {
        uint8_t m[6];
        parse_mac(mac, m);
        r = gt_nl_link_set_mac(&nl, link.index, m, err);
    }
    if (r == 0 && internal_gw) {
        struct gt_nl_route def = { .oif = link.index };
        gt_prefix_parse("0.0.0.0/0", &def.dst, NULL);
        gt_ip_parse(internal_gw, &def.gw, NULL);
        r = gt_nl_route_del(&nl, &def, err);
        if (r == -ESRCH || r == -ENOENT)
            r = 0;
    }
    gt_nl_close(&nl);
    return r;
}

/* Attaches c (its namespace made) to network n; records the endpoint.
 * Ports only with ports. */
static int attach_one(struct gt_engine *e, struct container *c, const struct eng_network *n,
                      json_t *epcfg, bool ports, struct gt_error *err)
{
    if (!strcmp(n->name, "host") || !strcmp(n->name, "none"))
        return gt_err(err, EINVAL, "container cannot be connected to the %s network and another "
                      "one", n->name);
    struct gt_net_port *pv = NULL;
    size_t np = 0;
    char ifname[16];
    pthread_mutex_lock(&c->lock);
    free_ifname(c, ifname);
    if (ports) {
        np = json_array_size(c->ports);
        pv = gt_xcalloc(np + 1, sizeof *pv);
        for (size_t i = 0; i < np; i++) {
            json_t *p = json_array_get(c->ports, i);
            pv[i].proto = gt_nft_proto_parse(json_string_value(json_object_get(p, "Proto")));
            pv[i].host_port = (uint16_t)json_integer_value(json_object_get(p, "HostPort"));
            pv[i].container_port = (uint16_t)json_integer_value(json_object_get(p, "ContainerPort"));
            snprintf(pv[i].host_ip, sizeof pv[i].host_ip, "%s",
                     json_string_value(json_object_get(p, "HostIp")) ?: "");
        }
    }
    pthread_mutex_unlock(&c->lock);
    const char *want = json_string_value(json_object_get(json_object_get(epcfg, "IPAMConfig"),
                                                         "IPv4Address"));
    if (want && !*want)
        want = NULL;
    struct gt_net_attach_req req = { .container_id = c->id, .netns = c->netns,
                                     .network = n->name, .ifname = ifname, .ports = pv,
                                     .nports = np, .ip = want };
    struct gt_net_attachment att;
    int r = gt_net_attach(&e->net, &req, &att, err);
    free(pv);
    if (r < 0)
        return r;
    if (want && strcmp(att.ip, want)) {
        struct gt_error ignored;
        gt_net_detach(&e->net, c->id, c->netns, n->name, ifname, &ignored);
        gt_net_attachment_release(&att);
        return gt_err(err, EINVAL, "network %s did not give the requested address %s (its "
                      "plugins may not take one)", n->name, want);
    }
    const char *mac = json_string_value(json_object_get(epcfg, "MacAddress"));
    if ((!mac || !*mac) && ports) /* the API before 1.44 had it in Config */
        mac = json_string_value(json_object_get(c->config, "MacAddress"));
    if ((mac && *mac) || (n->internal && att.gateway[0])) {
        if ((r = tune_iface(c->netns, ifname, mac && *mac ? mac : NULL,
                            n->internal ? att.gateway : NULL, err)) < 0) {
            struct gt_error ignored;
            gt_net_detach(&e->net, c->id, c->netns, n->name, ifname, &ignored);
            gt_net_attachment_release(&att);
            return gt_err_prefix(err, "network %s", n->name);
        }
        if (mac && *mac)
            snprintf(att.mac, sizeof att.mac, "%s", mac);
    }
    cleanup_free char *epid = eng_random_id();
    json_t *ep = json_pack("{s:s,s:s,s:s,s:s,s:i,s:s,s:s,s:s,s:s}", "IfName", ifname,
                           "NetworkID", n->id, "EndpointID", epid, "IPAddress", att.ip,
                           "IPPrefixLen", att.prefix_len, "Gateway", att.gateway, "MacAddress",
                           att.mac, "Dns", "", "Driver", n->driver);
    pthread_mutex_lock(&c->lock);
    if (!c->endpoints)
        c->endpoints = json_object();
    json_object_set_new(c->endpoints, n->name, ep);
    pthread_mutex_unlock(&c->lock);
    /* docker resolves names on user-defined networks only */
    if (n->user_defined && att.gateway[0] && att.ip[0]) {
        struct gt_error derr = { 0 };
        if (eng_dns_add(e, n->name, att.gateway, c, json_object_get(epcfg, "Aliases"), att.ip,
                        &derr) == 0) {
            pthread_mutex_lock(&c->lock);
            json_object_set_new(ep, "Dns", json_string(att.gateway));
            pthread_mutex_unlock(&c->lock);
        } else {
            gt_warn("container %s: names on network %s will not resolve: %s", c->id, n->name,
                    derr.msg);
        }
    }
    gt_net_attachment_release(&att);
    eng_event_emit(e, "network", "connect", n->id, NULL,
                   json_pack("{s:s,s:s,s:s}", "container", c->id, "name", n->name, "type",
                             n->driver));
    return 0;
}

static void detach_one(struct gt_engine *e, const char *id, const char *netns, const char *network,
                       json_t *ep)
{
    const char *ifname = json_string_value(json_object_get(ep, "IfName"));
    eng_dns_remove(e, network, id);
    struct gt_error err = { 0 };
    if (gt_net_detach(&e->net, id, netns, network, ifname ? ifname : "eth0", &err) < 0)
        gt_warn("container %s: %s", id, err.msg);
    const char *nid = json_string_value(json_object_get(ep, "NetworkID"));
    const char *drv = json_string_value(json_object_get(ep, "Driver"));
    eng_event_emit(e, "network", "disconnect", nid ? nid : "", NULL,
                   json_pack("{s:s,s:s,s:s}", "container", id, "name", network, "type",
                             drv ? drv : "bridge"));
}

int eng_net_setup(struct gt_engine *e, struct container *c, struct gt_error *err)
{
    const char *mode = eng_net_mode(e, c);
    if (!mode_is_own_ns(mode))
        return 0;
    cleanup_free char *path = netns_path(e, c->id);
    struct gt_error ignored;
    gt_netns_remove(path, &ignored); /* a leftover of a crash */
    int r = gt_netns_create(path, err);
    if (r < 0)
        return gt_err_prefix(err, "failed to set up container networking");
    pthread_mutex_lock(&c->lock);
    free(c->netns);
    c->netns = gt_xstrdup(path);
    save_state(c); /* from now on, a crash leaves something to reconcile */
    pthread_mutex_unlock(&c->lock);
    json_t *eps = eps_config(c);
    if (!eps && strcmp(mode, "none")) {
        /* a record from before networking: the mode's network */
        pthread_mutex_lock(&c->lock);
        if (!c->netcfg)
            c->netcfg = json_object();
        eps = json_object();
        json_object_set_new(c->netcfg, "EndpointsConfig", eps);
        json_object_set_new(eps, mode, json_object());
        pthread_mutex_unlock(&c->lock);
    }
    if (!eps || !strcmp(mode, "none") || !json_object_size(eps)) {
        /* no network: lo only (an attachment brings it up otherwise) */
        if ((r = gt_net_loopback_up(path, err)) < 0)
            goto fail;
        return 0;
    }
    struct binding *b = NULL;
    size_t nb = 0;
    if ((r = bindings_of(c->host, c->config, &b, &nb, err)) < 0)
        goto fail;
    r = reserve_ports(e, c, b, nb, err);
    free(b);
    if (r < 0)
        goto fail_plain;
    pthread_rwlock_rdlock(&e->net_rw);
    const char *name;
    json_t *epcfg;
    bool first = true;
    json_object_foreach(eps, name, epcfg) {
        if (!strcmp(name, "none") || !strcmp(name, "host"))
            continue;
        struct eng_network n;
        if ((r = eng_net_find(e, name, &n, err)) == 0) {
            r = attach_one(e, c, &n, epcfg, first, err);
            eng_network_release(&n);
        }
        if (r < 0)
            break;
        first = false;
    }
    pthread_rwlock_unlock(&e->net_rw);
    if (r < 0)
        goto fail;
    pthread_mutex_lock(&c->lock);
    save_state(c);
    pthread_mutex_unlock(&c->lock);
    return 0;
fail:
    gt_err_prefix(err, "failed to set up container networking");
fail_plain:
    eng_net_teardown(e, c);
    return r;
}

void eng_net_teardown(struct gt_engine *e, struct container *c)
{
    pthread_mutex_lock(&c->lock);
    char *netns = steal_pointer(&c->netns);
    json_t *eps = steal_pointer(&c->endpoints);
    bool had = netns || eps || c->ports;
    json_decref(c->ports);
    c->ports = NULL;
    pthread_mutex_unlock(&c->lock);
    if (!had)
        return;
    pthread_rwlock_rdlock(&e->net_rw);
    const char *name;
    json_t *ep;
    json_object_foreach(eps, name, ep)
        detach_one(e, c->id, netns, name, ep);
    pthread_rwlock_unlock(&e->net_rw);
    if (netns) {
        struct gt_error err = { 0 };
        if (gt_netns_remove(netns, &err) < 0)
            gt_warn("container %s: %s", c->id, err.msg);
    }
    json_decref(eps);
    free(netns);
    pthread_mutex_lock(&c->lock);
    if (!c->removed)
        save_state(c);
    pthread_mutex_unlock(&c->lock);
}

void eng_net_adopt(struct gt_engine *e, struct container *c)
{
    pthread_mutex_lock(&c->lock);
    json_t *eps = json_incref(c->endpoints);
    pthread_mutex_unlock(&c->lock);
    const char *name;
    json_t *ep;
    json_object_foreach(eps, name, ep) {
        const char *dns = json_string_value(json_object_get(ep, "Dns"));
        const char *ip = json_string_value(json_object_get(ep, "IPAddress"));
        if (!dns || !*dns || !ip || !*ip)
            continue;
        json_t *aliases = json_object_get(json_object_get(eps_config(c), name), "Aliases");
        eng_dns_remove(e, name, c->id);
        struct gt_error err = { 0 };
        if (eng_dns_add(e, name, dns, c, aliases, ip, &err) < 0)
            gt_warn("container %s: names on network %s will not resolve: %s", c->id, name,
                    err.msg);
    }
    json_decref(eps);
}

static struct container *find_known(struct gt_engine *e, const char *id)
{
    struct container *c = NULL;
    pthread_mutex_lock(&e->lock);
    for (size_t i = 0; i < e->n_ctrs && !c; i++)
        if (!strcmp(e->ctrs[i]->id, id)) {
            c = e->ctrs[i];
            c->refs++;
        }
    pthread_mutex_unlock(&e->lock);
    return c;
}

static bool runs(struct container *c)
{
    pthread_mutex_lock(&c->lock);
    bool r = eng_ctr_is_running(c);
    pthread_mutex_unlock(&c->lock);
    return r;
}

void eng_net_reconcile(struct gt_engine *e)
{
    /* containers that no longer run but still hold networking: detached */
    size_t n;
    struct container **list = eng_ctr_list(e, &n);
    for (size_t i = 0; i < n; i++) {
        struct container *c = list[i];
        pthread_mutex_lock(&c->op);
        if (!runs(c))
            eng_net_teardown(e, c);
        pthread_mutex_unlock(&c->op);
        eng_ctr_unref(c);
    }
    free(list);
    /* attachments that no record names (a crash in the middle of a start):
     * those of known containers that do not run */
    struct gt_net_cached *cached = NULL;
    size_t nc = 0;
    struct gt_error err = { 0 };
    if (gt_net_cached_list(&e->net, &cached, &nc, &err) < 0)
        gt_warn("reconcile networking: %s", err.msg);
    for (size_t i = 0; i < nc; i++) {
        /* a known container's op lock: not while it starts (a restart) */
        struct container *c = find_known(e, cached[i].container_id);
        cleanup_free char *ns = netns_path(e, cached[i].container_id);
        if (c)
            pthread_mutex_lock(&c->op);
        bool stale = c ? !runs(c) : gt_path_exists(ns);
        if (stale) {
            gt_info("reconcile: detaching %s from network %s", cached[i].container_id,
                    cached[i].network);
            if (gt_net_detach(&e->net, cached[i].container_id, gt_path_exists(ns) ? ns : NULL,
                              cached[i].network, cached[i].ifname, &err) < 0)
                gt_warn("reconcile networking: %s", err.msg);
        }
        if (c) {
            pthread_mutex_unlock(&c->op);
            eng_ctr_unref(c);
        }
    }
    gt_net_cached_free(cached, nc);
    /* namespaces of containers that do not run */
    cleanup_free char *dir = gt_path_join(e->exec_root, "netns");
    cleanup_dir DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        struct container *c = find_known(e, de->d_name);
        if (c)
            pthread_mutex_lock(&c->op);
        if (!c || !runs(c)) {
            cleanup_free char *p = gt_path_join(dir, de->d_name);
            if (gt_netns_remove(p, &err) < 0)
                gt_warn("reconcile networking: %s", err.msg);
        }
        if (c) {
            pthread_mutex_unlock(&c->op);
            eng_ctr_unref(c);
        }
    }
}

/* ---- what inspect and ps show ---- */

static json_t *endpoint_json(struct container *c, const char *name, json_t *cfg, json_t *ep,
                             bool user_defined)
{
    json_t *ipam = json_object_get(cfg, "IPAMConfig");
    json_t *aliases = json_object_get(cfg, "Aliases");
    json_t *j = json_pack(
        "{s:O,s:n,s:O,s:s,s:n,s:i,s:s,s:s,s:s,s:s,s:i,s:s,s:s,s:i,s:n}", "IPAMConfig",
        json_is_object(ipam) ? ipam : json_null(), "Links", "Aliases",
        json_array_size(aliases) ? aliases : json_null(), "MacAddress",
        json_string_value(json_object_get(ep, "MacAddress")) ?: "", "DriverOpts", "GwPriority", 0,
        "NetworkID", json_string_value(json_object_get(ep, "NetworkID")) ?:
                         json_string_value(json_object_get(cfg, "NetworkID")) ?: "",
        "EndpointID", json_string_value(json_object_get(ep, "EndpointID")) ?: "", "Gateway",
        json_string_value(json_object_get(ep, "Gateway")) ?: "", "IPAddress",
        json_string_value(json_object_get(ep, "IPAddress")) ?: "", "IPPrefixLen",
        (int)json_integer_value(json_object_get(ep, "IPPrefixLen")), "IPv6Gateway", "",
        "GlobalIPv6Address", "", "GlobalIPv6PrefixLen", 0, "DNSNames");
    if (ep && user_defined) {
        json_t *names = json_pack("[s,s%]", c->name, c->id, (size_t)12);
        size_t i;
        json_t *a;
        json_array_foreach(aliases, i, a)
            json_array_append(names, a);
        json_object_set_new(j, "DNSNames", names);
    }
    (void)name;
    return j;
}

json_t *eng_net_networks_json(struct gt_engine *e, struct container *c)
{
    json_t *nets = json_object();
    json_t *eps = eps_config(c);
    if (!eps) { /* a record from before networking: the mode's network */
        const char *m = eng_net_mode(e, c);
        if (strncmp(m, "container:", 10))
            json_object_set_new(nets, m, endpoint_json(c, m, NULL, NULL, false));
        return nets;
    }
    const char *name;
    json_t *cfg;
    json_object_foreach(eps, name, cfg) {
        json_t *ep = json_object_get(c->endpoints, name);
        bool user = strcmp(name, "bridge") || !e->bridge_dev;
        user = user && strcmp(name, "host") && strcmp(name, "none");
        json_object_set_new(nets, name, endpoint_json(c, name, cfg, ep, user));
    }
    return nets;
}

static json_t *ports_map(struct container *c)
{
    json_t *m = json_object();
    if (!eng_ctr_is_running(c))
        return m;
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(c->config, "ExposedPorts"), k, v) {
        cleanup_free char *key = strchr(k, '/') ? gt_xstrdup(k) : gt_xasprintf("%s/tcp", k);
        json_object_set_new(m, key, json_null());
    }
    size_t i;
    json_t *p;
    json_array_foreach(c->ports, i, p) {
        cleanup_free char *key = gt_xasprintf(
            "%d/%s", (int)json_integer_value(json_object_get(p, "ContainerPort")),
            json_string_value(json_object_get(p, "Proto")));
        json_t *list = json_object_get(m, key);
        if (!json_is_array(list)) {
            list = json_array();
            json_object_set_new(m, key, list);
        }
        const char *hip = json_string_value(json_object_get(p, "HostIp"));
        json_array_append_new(list, json_pack("{s:s,s:o}", "HostIp", hip && *hip ? hip : "0.0.0.0",
                                              "HostPort",
                                              json_sprintf("%d", (int)json_integer_value(
                                                                     json_object_get(p, "HostPort")))));
    }
    return m;
}

json_t *eng_net_settings_json(struct gt_engine *e, struct container *c)
{
    bool running = eng_ctr_is_running(c);
    json_t *ns = json_pack("{s:s,s:s,s:s,s:o,s:b,s:s,s:i,s:n,s:n,s:s,s:s,s:s,s:i,s:s,s:s,s:i,"
                           "s:s}",
                           "Bridge", "", "SandboxID", "", "SandboxKey", "", "Ports", ports_map(c),
                           "HairpinMode", false, "LinkLocalIPv6Address", "",
                           "LinkLocalIPv6PrefixLen", 0, "SecondaryIPAddresses",
                           "SecondaryIPv6Addresses", "EndpointID", "", "Gateway", "",
                           "GlobalIPv6Address", "", "GlobalIPv6PrefixLen", 0, "IPAddress", "",
                           "IPv6Gateway", "", "IPPrefixLen", 0, "MacAddress", "");
    if (running && c->netns) {
        json_object_set_new(ns, "SandboxKey", json_string(c->netns));
        json_object_set_new(ns, "SandboxID", json_string(c->id));
    } else if (running && c->pid > 0) {
        json_object_set_new(ns, "SandboxKey", json_sprintf("/proc/%d/ns/net", (int)c->pid));
    }
    /* the legacy top-level fields describe the default bridge's endpoint */
    json_t *def = e->bridge_dev ? json_object_get(c->endpoints, "bridge") : NULL;
    if (def) {
        static const char *const keys[] = { "EndpointID", "Gateway", "IPAddress", "MacAddress",
                                            NULL };
        for (const char *const *k = keys; *k; k++)
            json_object_set(ns, *k, json_object_get(def, *k));
        json_object_set(ns, "IPPrefixLen", json_object_get(def, "IPPrefixLen"));
    }
    json_object_set_new(ns, "Networks", eng_net_networks_json(e, c));
    return ns;
}

json_t *eng_net_ports_summary(struct container *c)
{
    json_t *out = json_array();
    if (!eng_ctr_is_running(c))
        return out;
    size_t i;
    json_t *p;
    json_array_foreach(c->ports, i, p) {
        const char *hip = json_string_value(json_object_get(p, "HostIp"));
        json_array_append_new(out, json_pack("{s:s,s:O,s:O,s:O}", "IP", hip && *hip ? hip : "0.0.0.0",
                                             "PrivatePort", json_object_get(p, "ContainerPort"),
                                             "PublicPort", json_object_get(p, "HostPort"), "Type",
                                             json_object_get(p, "Proto")));
    }
    const char *k;
    json_t *v;
    if (!c->netns) /* host or another container's network: nothing of its own */
        return out;
    json_object_foreach(json_object_get(c->config, "ExposedPorts"), k, v) {
        unsigned lo, hi;
        int proto;
        if (parse_port_key(k, &lo, &hi, &proto, NULL) < 0)
            continue;
        for (unsigned port = lo; port <= hi; port++) {
            bool bound = false;
            json_array_foreach(c->ports, i, p)
                bound = bound || ((unsigned)json_integer_value(json_object_get(p, "ContainerPort")) == port &&
                                  gt_nft_proto_parse(json_string_value(json_object_get(p, "Proto"))) == proto);
            if (!bound)
                json_array_append_new(out, json_pack("{s:i,s:s}", "PrivatePort", (int)port, "Type",
                                                     gt_nft_proto_name(proto)));
        }
    }
    return out;
}

bool eng_net_ctr_on(struct container *c, const char *network)
{
    const char *name;
    json_t *cfg;
    size_t l = strlen(network);
    json_object_foreach(eps_config(c), name, cfg) {
        const char *id = json_string_value(json_object_get(cfg, "NetworkID"));
        if (!strcmp(name, network) || (id && l && !strncmp(id, network, l)))
            return true;
    }
    return !eps_config(c) && !strcmp(eng_net_mode(c->e, c), network);
}

/* ---- connect and disconnect ---- */

static int refuse_mode(const char *mode, struct gt_error *err)
{
    if (!strcmp(mode, "host"))
        return gt_err(err, EPERM, "container cannot be disconnected from host network or "
                      "connected to host network");
    if (!strncmp(mode, "container:", 10))
        return gt_err(err, EPERM, "container sharing network namespace with another container "
                      "or host cannot be connected to any other network");
    if (!strcmp(mode, "none"))
        return gt_err(err, EPERM, "container cannot be connected to multiple networks with one "
                      "of the networks in private (none) mode");
    return 0;
}

static void refresh_etc(struct gt_engine *e, struct container *c)
{
    struct gt_error err = { 0 };
    if (eng_net_write_etc(e, c, false, &err) < 0)
        gt_warn("container %s: %s", c->id, err.msg);
}

int gt_engine_network_connect(struct gt_engine *e, const char *net_ref, const char *ctr_ref,
                              const json_t *endpoint, struct gt_error *err)
{
    struct eng_network n;
    int r = eng_net_find(e, net_ref, &n, err);
    if (r < 0)
        return r;
    struct container *c;
    if ((r = eng_ctr_find(e, ctr_ref, &c, err)) < 0) {
        eng_network_release(&n);
        return r;
    }
    pthread_mutex_lock(&c->op);
    bool live = false;
    const char *mode = eng_net_mode(e, c);
    cleanup_json json_t *cfg = json_is_object(endpoint) ? json_deep_copy(endpoint) : json_object();
    if (!strcmp(n.name, "host") || !strcmp(n.name, "none"))
        r = refuse_mode(n.name, err);
    else
        r = refuse_mode(mode, err);
    if (r == 0 && json_object_get(eps_config(c), n.name))
        r = gt_err(err, EPERM, "endpoint with name %s already exists in network %s", c->name,
                   n.name);
    if (r == 0)
        r = check_endpoint(&n, cfg, err);
    if (r == 0) {
        json_object_set_new(cfg, "NetworkID", json_string(n.id));
        pthread_mutex_lock(&c->lock);
        live = eng_ctr_is_running(c) && c->netns;
        pthread_mutex_unlock(&c->lock);
        if (live) {
            pthread_rwlock_rdlock(&e->net_rw);
            r = attach_one(e, c, &n, cfg, false, err);
            pthread_rwlock_unlock(&e->net_rw);
        }
        if (r == 0) {
            pthread_mutex_lock(&c->lock);
            if (!c->netcfg)
                c->netcfg = json_object();
            json_t *eps = eps_config(c);
            if (!json_is_object(eps)) {
                eps = json_object();
                json_object_set_new(c->netcfg, "EndpointsConfig", eps);
            }
            json_object_set(eps, n.name, cfg);
            save_state(c);
            pthread_mutex_unlock(&c->lock);
            if ((r = eng_ctr_save_config(c, err)) == 0 && live)
                refresh_etc(e, c);
        }
    }
    pthread_mutex_unlock(&c->op);
    if (r == 0 && !live) /* a live one's came with the attachment */
        eng_event_emit(e, "network", "connect", n.id, NULL,
                       json_pack("{s:s,s:s,s:s}", "container", c->id, "name", n.name, "type",
                                 n.driver));
    eng_ctr_unref(c);
    eng_network_release(&n);
    return r;
}

int gt_engine_network_disconnect(struct gt_engine *e, const char *net_ref, const char *ctr_ref,
                                 bool force, struct gt_error *err)
{
    struct eng_network n;
    int r = eng_net_find(e, net_ref, &n, err);
    if (r < 0)
        return r;
    struct container *c;
    if ((r = eng_ctr_find(e, ctr_ref, &c, err)) < 0) {
        eng_network_release(&n);
        return r;
    }
    pthread_mutex_lock(&c->op);
    if (!strcmp(n.name, "host"))
        r = refuse_mode("host", err);
    pthread_mutex_lock(&c->lock);
    json_t *ep = json_incref(json_object_get(c->endpoints, n.name));
    bool configured = json_object_get(eps_config(c), n.name) != NULL;
    char *netns = c->netns ? gt_xstrdup(c->netns) : NULL;
    pthread_mutex_unlock(&c->lock);
    if (r == 0 && !ep && !configured)
        r = gt_err(err, EPERM, "container %s is not connected to network %s", c->id, n.name);
    if (r == 0) {
        if (ep) {
            pthread_rwlock_rdlock(&e->net_rw);
            detach_one(e, c->id, netns, n.name, ep);
            pthread_rwlock_unlock(&e->net_rw);
        }
        pthread_mutex_lock(&c->lock);
        json_object_del(c->endpoints, n.name);
        json_object_del(eps_config(c), n.name);
        save_state(c);
        pthread_mutex_unlock(&c->lock);
        r = eng_ctr_save_config(c, err);
        if (ep)
            refresh_etc(e, c);
    }
    pthread_mutex_unlock(&c->op);
    (void)force;
    if (r == 0 && !ep)
        eng_event_emit(e, "network", "disconnect", n.id, NULL,
                       json_pack("{s:s,s:s,s:s}", "container", c->id, "name", n.name, "type",
                                 n.driver));
    json_decref(ep);
    free(netns);
    eng_ctr_unref(c);
    eng_network_release(&n);
    return r;
}
