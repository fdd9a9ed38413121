#include "net/cni_bridge.h"

#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/mem.h"
#include "net/ip.h"
#include "net/ipam.h"
#include "net/netlink.h"
#include "net/netns.h"
#include "net/nft.h"

#define MAX_PORTS 256

struct conf {
    const char *name;
    const char *cni_version;
    const char *bridge;
    unsigned mtu;
    bool ip_masq, hairpin;
    struct gt_ipam_config ipam;
    json_t *routes; /* ipam.routes, borrowed; NULL: a default route */
    json_t *dns;    /* borrowed */
    struct gt_nft_port ports[MAX_PORTS];
    size_t nports;
    struct gt_ip requested;
};

static const char *const supported_versions[] = { "0.3.0", "0.3.1", "0.4.0", "1.0.0", NULL };

void gt_cni_bridge_host_ifname(const char *id, const char *ifname, char buf[16])
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (const char *p = id; *p; p++)
        h = (h ^ (uint8_t)*p) * 1099511628211ULL;
    h = (h ^ 0) * 1099511628211ULL;
    for (const char *p = ifname; *p; p++)
        h = (h ^ (uint8_t)*p) * 1099511628211ULL;
    snprintf(buf, 16, "gtv%012llx", (unsigned long long)(h & 0xffffffffffffULL));
}

static int fail(int *code, int c, struct gt_error *err, int r)
{
    *code = c;
    return r;
}

static int parse_ports(json_t *rc, struct conf *c, struct gt_error *err)
{
    json_t *pm = json_object_get(rc, "portMappings"), *p;
    if (!pm)
        return 0;
    if (!json_is_array(pm))
        return gt_err(err, EINVAL, "runtimeConfig.portMappings: expected an array");
    if (json_array_size(pm) > MAX_PORTS)
        return gt_err(err, EINVAL, "runtimeConfig.portMappings: more than %d", MAX_PORTS);
    size_t i;
    json_array_foreach(pm, i, p) {
        char path[64];
        snprintf(path, sizeof path, "runtimeConfig.portMappings[%zu]", i);
        int64_t hp, cp;
        const char *proto = NULL, *hip = NULL;
        int r;
        if ((r = gt_json_get_int_range(p, "hostPort", path, GT_JSON_REQUIRED, 1, 65535, &hp,
                                       err)) < 0 ||
            (r = gt_json_get_int_range(p, "containerPort", path, GT_JSON_REQUIRED, 1, 65535, &cp,
                                       err)) < 0 ||
            (r = gt_json_get_str(p, "protocol", path, GT_JSON_OPTIONAL, &proto, err)) < 0 ||
            (r = gt_json_get_str(p, "hostIP", path, GT_JSON_OPTIONAL, &hip, err)) < 0)
            return r;
        struct gt_nft_port *x = &c->ports[c->nports];
        memset(x, 0, sizeof *x);
        x->proto = proto && *proto ? gt_nft_proto_parse(proto) : IPPROTO_TCP;
        if (x->proto < 0)
            return gt_err(err, EINVAL, "%s.protocol: \"%s\" is not tcp or udp", path, proto);
        x->host_port = (uint16_t)hp;
        x->container_port = (uint16_t)cp;
        if (hip && *hip && strcmp(hip, "0.0.0.0") != 0) {
            if (gt_ip_parse(hip, &x->host_ip, err) < 0)
                return gt_err_prefix(err, "%s.hostIP", path);
            if (x->host_ip.family != AF_INET) {
                /* "::" is how runtimes say "every IPv6 address": not ours yet */
                if (!strcmp(hip, "::"))
                    continue;
                return gt_err(err, EINVAL, "%s.hostIP: IPv6 host addresses are not supported",
                              path);
            }
        }
        c->nports++;
    }
    return 0;
}

/* "IP=10.1.2.3;K=V" and runtimeConfig.ips: a requested address. */
static int parse_requested(const char *args, json_t *rc, struct conf *c, struct gt_error *err)
{
    json_t *ips = json_object_get(rc, "ips");
    if (json_is_array(ips) && json_array_size(ips) > 0) {
        const char *s = json_string_value(json_array_get(ips, 0));
        if (!s)
            return gt_err(err, EINVAL, "runtimeConfig.ips: expected strings");
        char a[GT_IP_STRLEN];
        snprintf(a, sizeof a, "%s", s);
        a[strcspn(a, "/")] = '\0'; /* "10.1.2.3/24" is fine too */
        if (gt_ip_parse(a, &c->requested, err) < 0)
            return gt_err_prefix(err, "runtimeConfig.ips");
    }
    if (!args || !*args)
        return 0;
    cleanup_free char *copy = gt_xstrdup(args);
    char *save = NULL;
    for (char *kv = strtok_r(copy, ";", &save); kv; kv = strtok_r(NULL, ";", &save)) {
        if (!strncmp(kv, "IP=", 3)) {
            if (gt_ip_parse(kv + 3, &c->requested, err) < 0)
                return gt_err_prefix(err, "CNI_ARGS IP");
        }
    }
    return 0;
}

static int parse_conf(json_t *j, const struct gt_cni_bridge_env *env, struct conf *c,
                      int *code, struct gt_error *err)
{
    memset(c, 0, sizeof *c);
    c->bridge = GT_CNI_BRIDGE_DEFAULT;
    c->ip_masq = true;
    /* with bridge-nf-call-iptables (the default once br_netfilter is
     * loaded) a container reaching its own published port is bridged back
     * out of the port it came from */
    c->hairpin = true;
    int r;
    int64_t mtu = 0;
    json_t *ipam = NULL, *rc = NULL;
    if ((r = gt_json_get_str(j, "cniVersion", "", GT_JSON_REQUIRED, &c->cni_version, err)) < 0 ||
        (r = gt_json_get_str(j, "name", "", GT_JSON_REQUIRED, &c->name, err)) < 0 ||
        (r = gt_json_get_str(j, "bridge", "", GT_JSON_OPTIONAL, &c->bridge, err)) < 0 ||
        (r = gt_json_get_int_range(j, "mtu", "", GT_JSON_OPTIONAL, 0, 65535, &mtu, err)) < 0 ||
        (r = gt_json_get_bool(j, "ipMasq", "", GT_JSON_OPTIONAL, &c->ip_masq, err)) < 0 ||
        (r = gt_json_get_bool(j, "hairpinMode", "", GT_JSON_OPTIONAL, &c->hairpin, err)) < 0 ||
        (r = gt_json_get_obj(j, "ipam", "", GT_JSON_REQUIRED, &ipam, err)) < 0 ||
        (r = gt_json_get_obj(j, "runtimeConfig", "", GT_JSON_OPTIONAL, &rc, err)) < 0)
        return fail(code, GT_CNI_ERR_INVALID_CONFIG, err, r);
    bool ok = false;
    for (const char *const *v = supported_versions; *v; v++)
        ok = ok || !strcmp(*v, c->cni_version);
    if (!ok)
        return fail(code, GT_CNI_ERR_VERSION, err,
                    gt_err(err, EINVAL, "cniVersion %s is not supported (1.0.0, 0.4.0, 0.3.x)",
                           c->cni_version));
    c->mtu = (unsigned)mtu;
    const char *itype = json_string_value(json_object_get(ipam, "type"));
    if (itype && *itype && strcmp(itype, "host-local") && strcmp(itype, GT_CNI_BRIDGE_TYPE))
        return fail(code, GT_CNI_ERR_INVALID_CONFIG, err,
                    gt_err(err, EINVAL, "ipam.type \"%s\": %s does its own host-local IPAM; "
                           "leave ipam.type out", itype, GT_CNI_BRIDGE_TYPE));
    json_t *routes = json_object_get(ipam, "routes");
    if (routes && !json_is_array(routes))
        return fail(code, GT_CNI_ERR_INVALID_CONFIG, err,
                    gt_err(err, EINVAL, "ipam.routes: expected an array"));
    c->routes = routes;
    c->dns = json_object_get(j, "dns");
    if ((r = gt_ipam_config_parse(ipam, c->name, &c->ipam, err)) < 0)
        return fail(code, GT_CNI_ERR_INVALID_CONFIG, err, r);
    if (c->ipam.sets[0].ranges[0].subnet.ip.family != AF_INET) {
        gt_ipam_config_release(&c->ipam);
        return fail(code, GT_CNI_ERR_INVALID_CONFIG, err,
                    gt_err(err, EINVAL, "ipam.ranges[0]: the first range set must be IPv4"));
    }
    if ((r = parse_ports(rc, c, err)) < 0 || (r = parse_requested(env->args, rc, c, err)) < 0) {
        gt_ipam_config_release(&c->ipam);
        return fail(code, GT_CNI_ERR_INVALID_CONFIG, err, r);
    }
    return 0;
}

/* ---- the host side ---- */

static int ensure_bridge(struct gt_nl *nl, const struct conf *c, struct gt_nl_link *br,
                         struct gt_error *err)
{
    int r = gt_nl_link_get(nl, c->bridge, br, err);
    if (r == -ENODEV) {
        r = gt_nl_bridge_add(nl, c->bridge, c->mtu, err);
        if (r < 0 && r != -EEXIST)
            return r;
        r = gt_nl_link_get(nl, c->bridge, br, err);
    }
    if (r < 0)
        return r;
    if (strcmp(br->kind, "bridge") != 0)
        return gt_err(err, EEXIST, "%s exists and is not a bridge (it is a %s)", c->bridge,
                      br->kind[0] ? br->kind : "plain device");
    /* the gateway address of each range */
    for (size_t s = 0; s < c->ipam.nsets; s++)
        for (size_t i = 0; i < c->ipam.sets[s].n; i++) {
            const struct gt_ipam_range *rg = &c->ipam.sets[s].ranges[i];
            if (!rg->gateway.family)
                continue;
            struct gt_prefix gw = { rg->gateway, rg->subnet.len };
            r = gt_nl_addr_add(nl, br->index, &gw, err);
            if (r < 0 && r != -EEXIST)
                return r;
        }
    if (!(br->flags & IFF_UP) && (r = gt_nl_link_set_up(nl, br->index, true, err)) < 0)
        return r;
    /* forwarding for the containers' traffic; route_localnet so that
     * 127.0.0.1:<hostPort> can be DNATed out of this bridge */
    char key[96];
    if ((r = gt_netns_sysctl_write(-1, "net/ipv4/ip_forward", "1", err)) < 0)
        return r;
    snprintf(key, sizeof key, "net/ipv4/conf/%s/route_localnet", c->bridge);
    if ((r = gt_netns_sysctl_write(-1, key, "1", err)) < 0)
        return r;
    return 0;
}

struct ctr_setup {
    const struct conf *c;
    const char *ifname;
    const struct gt_ipam_lease *leases;
    struct gt_nl_link link; /* out */
};

static int add_routes(struct gt_nl *nl, const struct ctr_setup *s, int index,
                      struct gt_error *err)
{
    const struct conf *c = s->c;
    if (!c->routes || json_array_size(c->routes) == 0) {
        /* a default route per family, via that family's gateway */
        for (size_t i = 0; i < c->ipam.nsets; i++) {
            if (!s->leases[i].gateway.family)
                continue;
            struct gt_nl_route rt = { .gw = s->leases[i].gateway, .oif = index };
            rt.dst.ip.family = s->leases[i].gateway.family;
            int r = gt_nl_route_add(nl, &rt, err);
            if (r < 0 && r != -EEXIST)
                return r;
        }
        return 0;
    }
    size_t i;
    json_t *o;
    json_array_foreach(c->routes, i, o) {
        struct gt_nl_route rt = { .oif = index };
        const char *dst = json_string_value(json_object_get(o, "dst"));
        const char *gw = json_string_value(json_object_get(o, "gw"));
        if (!dst || gt_prefix_parse(dst, &rt.dst, err) < 0)
            return gt_err(err, EINVAL, "ipam.routes[%zu].dst: expected a CIDR", i);
        if (gw && gt_ip_parse(gw, &rt.gw, err) < 0)
            return gt_err_prefix(err, "ipam.routes[%zu].gw", i);
        if (!gw)
            for (size_t k = 0; k < c->ipam.nsets; k++)
                if (s->leases[k].gateway.family == rt.dst.ip.family)
                    rt.gw = s->leases[k].gateway;
        int r = gt_nl_route_add(nl, &rt, err);
        if (r < 0 && r != -EEXIST)
            return r;
    }
    return 0;
}

static int setup_container_side(struct gt_nl *nl, struct ctr_setup *s, struct gt_error *err)
{
    int r = gt_nl_link_get(nl, s->ifname, &s->link, err);
    if (r < 0)
        return r;
    for (size_t i = 0; i < s->c->ipam.nsets; i++)
        if ((r = gt_nl_addr_add(nl, s->link.index, &s->leases[i].addr, err)) < 0 && r != -EEXIST)
            return r;
    if ((r = gt_nl_link_set_up(nl, s->link.index, true, err)) < 0)
        return r;
    return add_routes(nl, s, s->link.index, err);
}

/* ---- the result ---- */

static json_t *make_result(const struct conf *c, const struct gt_cni_bridge_env *env,
                           const struct gt_nl_link *br, const struct gt_nl_link *host,
                           const struct gt_nl_link *ctr, const struct gt_ipam_lease *leases)
{
    char m1[18], m2[18], m3[18], a[GT_IP_STRLEN], g[GT_IP_STRLEN];
    bool v1 = !strcmp(c->cni_version, "1.0.0");
    json_t *res = json_pack("{s:s, s:[{s:s, s:s}, {s:s, s:s}, {s:s, s:s, s:s}]}", "cniVersion",
                            c->cni_version, "interfaces", "name", br->name, "mac",
                            gt_mac_format(br->mac, m1), "name", host->name, "mac",
                            gt_mac_format(host->mac, m2), "name", env->ifname, "mac",
                            gt_mac_format(ctr->mac, m3), "sandbox", env->netns);
    json_t *ips = json_array(), *routes = json_array();
    for (size_t i = 0; i < c->ipam.nsets; i++) {
        json_t *ip = json_pack("{s:s, s:i}", "address",
                               gt_prefix_format(&leases[i].addr, a, sizeof a), "interface", 2);
        if (leases[i].gateway.family)
            json_object_set_new(ip, "gateway",
                                json_string(gt_ip_format(&leases[i].gateway, g, sizeof g)));
        if (!v1) /* 0.3.x and 0.4.0 results name the family */
            json_object_set_new(ip, "version",
                                json_string(leases[i].addr.ip.family == AF_INET6 ? "6" : "4"));
        json_array_append_new(ips, ip);
    }
    if (c->routes && json_array_size(c->routes)) {
        json_array_extend(routes, c->routes);
    } else {
        for (size_t i = 0; i < c->ipam.nsets; i++)
            if (leases[i].gateway.family)
                json_array_append_new(
                    routes,
                    json_pack("{s:s, s:s}", "dst",
                              leases[i].gateway.family == AF_INET6 ? "::/0" : "0.0.0.0/0", "gw",
                              gt_ip_format(&leases[i].gateway, g, sizeof g)));
    }
    json_object_set_new(res, "ips", ips);
    json_object_set_new(res, "routes", routes);
    json_object_set_new(res, "dns", json_is_object(c->dns) ? json_incref(c->dns) : json_object());
    return res;
}

/* ---- commands ---- */

static int open_nft(const struct conf *c, struct gt_nft **nft, struct gt_error *err)
{
    cleanup_free char *lock = gt_path_join(c->ipam.data_dir, ".nft.lock");
    return gt_nft_new(lock, nft, err);
}

static int cmd_add(const struct gt_cni_bridge_env *env, struct conf *c, char **out, int *code,
                   struct gt_error *err)
{
    if (!env->netns || !*env->netns)
        return fail(code, GT_CNI_ERR_INVALID_ENV, err,
                    gt_err(err, EINVAL, "CNI_NETNS is required for ADD"));
    cleanup_close int nsfd = gt_netns_open(env->netns, err);
    if (nsfd < 0)
        return fail(code, GT_CNI_ERR_INVALID_ENV, err, nsfd);

    struct gt_ipam ipam;
    int r = gt_ipam_open(&ipam, &c->ipam, err);
    if (r < 0)
        return fail(code, GT_CNI_ERR_IO, err, r);
    struct gt_nl nl = { 0 }, cnl = { 0 };
    struct gt_nft *nft = NULL;
    struct gt_ipam_lease leases[GT_IPAM_MAX_SETS], held[GT_IPAM_MAX_SETS];
    bool new_lease = false, veth_made = false, ports_added = false;
    char host_if[16];
    struct gt_nl_link br, host;
    struct ctr_setup s = { .c = c, .ifname = env->ifname, .leases = leases };
    gt_cni_bridge_host_ifname(env->container_id, env->ifname, host_if);

    int had = gt_ipam_find(&ipam, env->container_id, env->ifname, held, err);
    if (had < 0) {
        r = had;
        goto fail;
    }
    if ((r = gt_nl_open(&nl, err)) < 0 || (r = gt_nl_open_netns(&cnl, nsfd, err)) < 0)
        goto fail;
    struct gt_nl_link existing;
    if (gt_nl_link_get(&cnl, env->ifname, &existing, NULL) == 0) {
        r = gt_err(err, EEXIST, "interface %s already exists in %s", env->ifname, env->netns);
        goto fail;
    }
    if ((r = ensure_bridge(&nl, c, &br, err)) < 0) {
        gt_err_prefix(err, "bridge %s", c->bridge);
        goto fail;
    }
    r = gt_ipam_allocate(&ipam, env->container_id, env->ifname,
                         c->requested.family ? &c->requested : NULL, leases, err);
    if (r < 0)
        goto fail;
    new_lease = had == 0;

    r = gt_nl_veth_add(&nl, host_if, env->ifname, nsfd, c->mtu, err);
    if (r == -EEXIST) {
        /* left over from an ADD of this same container that died half-way
         * (the name is derived from its id) */
        struct gt_nl_link stale;
        if (gt_nl_link_get(&nl, host_if, &stale, NULL) == 0)
            gt_nl_link_del(&nl, stale.index, NULL);
        r = gt_nl_veth_add(&nl, host_if, env->ifname, nsfd, c->mtu, err);
    }
    if (r < 0)
        goto fail;
    veth_made = true;
    if ((r = gt_nl_link_get(&nl, host_if, &host, err)) < 0 ||
        (r = gt_nl_link_set_master(&nl, host.index, br.index, err)) < 0 ||
        (c->hairpin && (r = gt_nl_bridge_port_set_hairpin(&nl, host.index, true, err)) < 0) ||
        (r = gt_nl_link_set_up(&nl, host.index, true, err)) < 0)
        goto fail;
    if ((r = setup_container_side(&cnl, &s, err)) < 0) {
        gt_err_prefix(err, "in %s", env->netns);
        goto fail;
    }

    if ((r = open_nft(c, &nft, err)) < 0)
        goto fail;
    struct gt_nft_network nn = { .bridge = c->bridge, .subnet = c->ipam.sets[0].ranges[0].subnet,
                                 .masquerade = c->ip_masq };
    if ((r = gt_nft_network_setup(nft, &nn, err)) < 0)
        goto fail;
    if (c->nports) {
        r = gt_nft_container_add(nft, env->container_id, env->ifname, &leases[0].addr.ip,
                                 c->ports, c->nports, err);
        if (r < 0)
            goto fail;
        ports_added = true;
    }
    /* the bridge's MAC follows its ports: read it after enslaving */
    gt_nl_link_get(&nl, c->bridge, &br, NULL);
    json_t *res = make_result(c, env, &br, &host, &s.link, leases);
    *out = json_dumps(res, JSON_INDENT(2));
    json_decref(res);
    gt_nft_free(nft);
    gt_nl_close(&nl);
    gt_nl_close(&cnl);
    gt_ipam_close(&ipam);
    return 0;

fail:
    *code = r == -ENOSPC ? GT_CNI_ERR_TRY_AGAIN : GT_CNI_ERR_IO;
    if (r == -EINVAL)
        *code = GT_CNI_ERR_INVALID_CONFIG;
    if (ports_added)
        gt_nft_container_del(nft, env->container_id, env->ifname, NULL);
    if (veth_made) {
        struct gt_nl_link l;
        if (gt_nl_link_get(&nl, host_if, &l, NULL) == 0)
            gt_nl_link_del(&nl, l.index, NULL);
    }
    if (new_lease)
        gt_ipam_release(&ipam, env->container_id, env->ifname, NULL);
    gt_nft_free(nft);
    gt_nl_close(&nl);
    gt_nl_close(&cnl);
    gt_ipam_close(&ipam);
    return r;
}

static int cmd_del(const struct gt_cni_bridge_env *env, struct conf *c, int *code,
                   struct gt_error *err)
{
    struct gt_ipam ipam;
    int r = gt_ipam_open(&ipam, &c->ipam, err);
    if (r < 0)
        return fail(code, GT_CNI_ERR_IO, err, r);
    struct gt_nft *nft = NULL;
    struct gt_nl nl = { 0 };
    char host_if[16];
    gt_cni_bridge_host_ifname(env->container_id, env->ifname, host_if);
    if ((r = open_nft(c, &nft, err)) < 0 ||
        (r = gt_nft_container_del(nft, env->container_id, env->ifname, err)) < 0)
        goto out;
    if ((r = gt_nl_open(&nl, err)) < 0)
        goto out;
    struct gt_nl_link l;
    r = gt_nl_link_get(&nl, host_if, &l, err);
    if (r == 0) {
        r = gt_nl_link_del(&nl, l.index, err);
        if (r == -ENODEV)
            r = 0;
    } else if (r == -ENODEV) {
        r = 0;
        /* no host end: the container end may still be there */
        struct gt_error e2;
        int nsfd = env->netns && *env->netns ? gt_netns_open(env->netns, &e2) : -1;
        struct gt_nl cnl;
        if (nsfd >= 0 && gt_nl_open_netns(&cnl, nsfd, &e2) == 0) {
            if (gt_nl_link_get(&cnl, env->ifname, &l, &e2) == 0 && !strcmp(l.kind, "veth"))
                gt_nl_link_del(&cnl, l.index, &e2);
            gt_nl_close(&cnl);
        }
        if (nsfd >= 0)
            close(nsfd);
    }
    if (r < 0)
        goto out;
    r = gt_ipam_release(&ipam, env->container_id, env->ifname, err);
    if (r > 0)
        r = 0;
out:
    if (r < 0)
        *code = GT_CNI_ERR_IO;
    gt_nft_free(nft);
    gt_nl_close(&nl);
    gt_ipam_close(&ipam);
    return r;
}

static int cmd_check(const struct gt_cni_bridge_env *env, struct conf *c, int *code,
                     struct gt_error *err)
{
    *code = GT_CNI_ERR_IO;
    if (!env->netns || !*env->netns)
        return fail(code, GT_CNI_ERR_INVALID_ENV, err,
                    gt_err(err, EINVAL, "CNI_NETNS is required for CHECK"));
    cleanup_close int nsfd = gt_netns_open(env->netns, err);
    if (nsfd < 0)
        return nsfd;
    struct gt_ipam ipam;
    int r = gt_ipam_open(&ipam, &c->ipam, err);
    if (r < 0)
        return r;
    struct gt_ipam_lease leases[GT_IPAM_MAX_SETS];
    int n = gt_ipam_find(&ipam, env->container_id, env->ifname, leases, err);
    gt_ipam_close(&ipam);
    if (n < 0)
        return n;
    if ((size_t)n != c->ipam.nsets)
        return gt_err(err, ENOENT, "container %s holds no address in network %s",
                      env->container_id, c->name);
    struct gt_nl nl, cnl;
    if ((r = gt_nl_open(&nl, err)) < 0)
        return r;
    char host_if[16];
    gt_cni_bridge_host_ifname(env->container_id, env->ifname, host_if);
    struct gt_nl_link host, br, l;
    if ((r = gt_nl_link_get(&nl, host_if, &host, err)) == 0 &&
        (r = gt_nl_link_get(&nl, c->bridge, &br, err)) == 0 && host.master != br.index)
        r = gt_err(err, EINVAL, "%s is not a port of bridge %s", host_if, c->bridge);
    gt_nl_close(&nl);
    if (r < 0)
        return r;
    if ((r = gt_nl_open_netns(&cnl, nsfd, err)) < 0)
        return r;
    struct gt_nl_addr *addrs = NULL;
    size_t na = 0;
    if ((r = gt_nl_link_get(&cnl, env->ifname, &l, err)) == 0 &&
        (r = gt_nl_addr_list(&cnl, l.index, 0, &addrs, &na, err)) == 0) {
        for (size_t i = 0; i < c->ipam.nsets && r == 0; i++) {
            bool found = false;
            for (size_t k = 0; k < na; k++)
                found = found || gt_ip_equal(&addrs[k].prefix.ip, &leases[i].addr.ip);
            if (!found) {
                char a[GT_IP_STRLEN];
                r = gt_err(err, ENOENT, "%s in %s lacks address %s", env->ifname, env->netns,
                           gt_prefix_format(&leases[i].addr, a, sizeof a));
            }
        }
        if (r == 0 && !(l.flags & IFF_UP))
            r = gt_err(err, ENETDOWN, "%s in %s is down", env->ifname, env->netns);
    }
    free(addrs);
    gt_nl_close(&cnl);
    return r;
}

int gt_cni_bridge_run(const struct gt_cni_bridge_env *env, const char *config, char **out,
                      int *cni_code, struct gt_error *err)
{
    *out = NULL;
    *cni_code = 0;
    const char *cmd = env->command;
    if (!cmd || !*cmd)
        return fail(cni_code, GT_CNI_ERR_INVALID_ENV, err,
                    gt_err(err, EINVAL, "CNI_COMMAND is not set"));
    cleanup_json json_t *j = NULL;
    int r = gt_json_load_buf(config ? config : "", config ? strlen(config) : 0, "stdin config",
                             &j, err);
    if (r < 0)
        return fail(cni_code, GT_CNI_ERR_DECODE, err, r);
    if (!strcmp(cmd, "VERSION")) {
        json_t *vs = json_array();
        for (const char *const *v = supported_versions; *v; v++)
            json_array_append_new(vs, json_string(*v));
        const char *cv = json_string_value(json_object_get(j, "cniVersion"));
        cleanup_json json_t *res = json_pack("{s:s, s:o}", "cniVersion", cv ? cv : "1.0.0",
                                             "supportedVersions", vs);
        *out = json_dumps(res, JSON_COMPACT);
        return 0;
    }
    if (strcmp(cmd, "ADD") && strcmp(cmd, "DEL") && strcmp(cmd, "CHECK"))
        return fail(cni_code, GT_CNI_ERR_INVALID_ENV, err,
                    gt_err(err, EINVAL, "CNI_COMMAND \"%s\" is not ADD, DEL, CHECK or VERSION",
                           cmd));
    if ((r = gt_ipam_check_name("CNI_CONTAINERID", env->container_id, err)) < 0)
        return fail(cni_code, GT_CNI_ERR_INVALID_ENV, err, r);
    if (!env->ifname || !*env->ifname || strlen(env->ifname) >= IF_NAMESIZE ||
        strpbrk(env->ifname, "/: \t\n"))
        return fail(cni_code, GT_CNI_ERR_INVALID_ENV, err,
                    gt_err(err, EINVAL, "CNI_IFNAME \"%s\" is not a valid interface name",
                           env->ifname ? env->ifname : ""));
    struct conf c;
    if ((r = parse_conf(j, env, &c, cni_code, err)) < 0)
        return r;
    if (!strcmp(cmd, "ADD"))
        r = cmd_add(env, &c, out, cni_code, err);
    else if (!strcmp(cmd, "DEL"))
        r = cmd_del(env, &c, cni_code, err);
    else
        r = cmd_check(env, &c, cni_code, err);
    gt_ipam_config_release(&c.ipam);
    return r;
}
