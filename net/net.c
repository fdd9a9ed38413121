#include "net/net.h"

#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/mem.h"
#include "net/cni.h"
#include "net/cni_bridge.h"
#include "net/ipam.h"
#include "net/netlink.h"
#include "net/netns.h"
#include "net/nft.h"

int gt_net_init(struct gt_net *net, const char *data_dir, const char *plugin_path,
                struct gt_error *err)
{
    memset(net, 0, sizeof *net);
    if (!data_dir)
        data_dir = getenv("GANTRY_DATA_DIR");
    if (!data_dir || !*data_dir)
        data_dir = GT_NET_DEFAULT_DATA_DIR;
    if (!plugin_path)
        plugin_path = getenv("GANTRY_CNI_PATH");
    if (plugin_path && *plugin_path) {
        net->plugin_path = gt_xstrdup(plugin_path);
    } else {
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n > 0) {
            self[n] = '\0';
            net->plugin_path = gt_xasprintf("%s:%s", dirname(self), GT_NET_DEFAULT_CNI_PATH);
        } else {
            net->plugin_path = gt_xstrdup(GT_NET_DEFAULT_CNI_PATH);
        }
    }
    net->conf_dir = gt_xasprintf("%s/net/conf.d", data_dir);
    net->cache_dir = gt_xasprintf("%s/net/cache", data_dir);
    net->ipam_dir = gt_xasprintf("%s/net/ipam", data_dir);
    int r;
    if ((r = gt_mkdir_p(net->conf_dir, 0755, err)) < 0 ||
        (r = gt_mkdir_p(net->cache_dir, 0700, err)) < 0 ||
        (r = gt_mkdir_p(net->ipam_dir, 0755, err)) < 0) {
        gt_net_release(net);
        return gt_err_prefix(err, "network state directories");
    }
    return 0;
}

void gt_net_release(struct gt_net *net)
{
    free(net->conf_dir);
    free(net->cache_dir);
    free(net->ipam_dir);
    free(net->plugin_path);
    memset(net, 0, sizeof *net);
}

static struct gt_cni cni_of(const struct gt_net *net)
{
    return (struct gt_cni){ .plugin_path = net->plugin_path, .cache_dir = net->cache_dir,
                            .timeout_ms = net->timeout_ms };
}

/* ---- networks ---- */

static bool ours(const struct gt_cni_netconf *nc)
{
    const char *t = json_string_value(json_object_get(json_array_get(nc->plugins, 0), "type"));
    return t && !strcmp(t, GT_CNI_BRIDGE_TYPE);
}

static json_t *our_plugin(const struct gt_cni_netconf *nc)
{
    return ours(nc) ? json_array_get(nc->plugins, 0) : NULL;
}

/* First subnet of a network, if it is one of ours or any bridge/host-local
 * config we can read. */
static bool network_subnet(const struct gt_cni_netconf *nc, struct gt_prefix *out)
{
    size_t i;
    json_t *p;
    json_array_foreach(nc->plugins, i, p) {
        json_t *ipam = json_object_get(p, "ipam");
        json_t *r0 = json_array_get(json_array_get(json_object_get(ipam, "ranges"), 0), 0);
        const char *s = json_string_value(json_object_get(r0 ? r0 : ipam, "subnet"));
        if (s && gt_prefix_parse(s, out, NULL) == 0) {
            out->ip = gt_prefix_network(out);
            return true;
        }
    }
    return false;
}

static bool prefixes_overlap(const struct gt_prefix *a, const struct gt_prefix *b)
{
    if (a->ip.family != b->ip.family)
        return false;
    return gt_prefix_contains(a, &b->ip) || gt_prefix_contains(b, &a->ip);
}

static void default_bridge(const char *name, char buf[16])
{
    bool ok = strlen(name) <= 12 && isalpha((unsigned char)name[0]);
    for (const char *p = name; ok && *p; p++)
        ok = isalnum((unsigned char)*p) || *p == '-' || *p == '_';
    if (ok) {
        snprintf(buf, 16, "gt-%s", name);
        return;
    }
    uint64_t h = 1469598103934665603ULL;
    for (const char *p = name; *p; p++)
        h = (h ^ (uint8_t)*p) * 1099511628211ULL;
    snprintf(buf, 16, "gt-%012llx", (unsigned long long)(h & 0xffffffffffffULL));
}

static int write_conflist(const struct gt_net *net, const struct gt_net_network_spec *spec,
                          const char *bridge, const char *subnet, const char *start,
                          const char *end, struct gt_error *err)
{
    json_t *range = json_pack("{s:s}", "subnet", subnet);
    if (start)
        json_object_set_new(range, "rangeStart", json_string(start));
    if (end)
        json_object_set_new(range, "rangeEnd", json_string(end));
    if (spec->gateway)
        json_object_set_new(range, "gateway", json_string(spec->gateway));
    json_t *plugin = json_pack("{s:s, s:s, s:b, s:{s:[[o]], s:s}, s:{s:b, s:b}}", "type",
                               GT_CNI_BRIDGE_TYPE, "bridge", bridge, "ipMasq", !spec->internal,
                               "ipam", "ranges", range, "dataDir", net->ipam_dir,
                               "capabilities", "portMappings", 1, "ips", 1);
    if (spec->mtu)
        json_object_set_new(plugin, "mtu", json_integer(spec->mtu));
    cleanup_json json_t *list = json_pack("{s:s, s:s, s:[o]}", "cniVersion", GT_CNI_VERSION,
                                          "name", spec->name, "plugins", plugin);
    cleanup_free char *path = gt_xasprintf("%s/%s.conflist", net->conf_dir, spec->name);
    return gt_json_dump_file(path, list, true, err);
}

int gt_net_network_create(const struct gt_net *net, const struct gt_net_network_spec *spec,
                          struct gt_error *err)
{
    int r = gt_ipam_check_name("network name", spec->name, err);
    if (r < 0)
        return r;
    struct gt_cni_netconf *all = NULL;
    size_t n = 0;
    if ((r = gt_cni_conf_list(net->conf_dir, &all, &n, err)) < 0)
        return r;
    char bridge[16];
    if (spec->bridge)
        snprintf(bridge, sizeof bridge, "%s", spec->bridge);
    else
        default_bridge(spec->name, bridge);
    bool bridge_ok = isalpha((unsigned char)bridge[0]) &&
                     (!spec->bridge || strlen(spec->bridge) < sizeof bridge);
    for (const char *c = bridge; bridge_ok && *c; c++)
        bridge_ok = isalnum((unsigned char)*c) || strchr("_.-", *c);
    if (!bridge_ok) {
        r = gt_err(err, EINVAL, "invalid bridge name \"%s\": a letter, then letters, digits, "
                   "'_', '.', '-', at most 15 characters", spec->bridge);
        goto out;
    }
    struct gt_prefix sub;
    if (spec->subnet) {
        if ((r = gt_prefix_parse(spec->subnet, &sub, err)) < 0)
            goto out;
        sub.ip = gt_prefix_network(&sub);
        if (sub.ip.family != AF_INET) {
            r = gt_err(err, EINVAL, "subnet %s: only IPv4 networks are supported", spec->subnet);
            goto out;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(all[i].name, spec->name)) {
            r = gt_err(err, EEXIST, "network %s already exists", spec->name);
            goto out;
        }
        json_t *p = our_plugin(&all[i]);
        const char *b = p ? json_string_value(json_object_get(p, "bridge")) : NULL;
        if (b && !strcmp(b, bridge)) {
            r = gt_err(err, EADDRINUSE, "bridge %s is already used by network %s", bridge,
                       all[i].name);
            goto out;
        }
    }
    /* the subnet: as given, or the first free 10.89.N.0/24 */
    for (int k = 0; k < 256; k++) {
        if (!spec->subnet) {
            char s[32];
            snprintf(s, sizeof s, "10.89.%d.0/24", k);
            gt_prefix_parse(s, &sub, NULL);
        }
        bool clash = false;
        for (size_t i = 0; i < n && !clash; i++) {
            struct gt_prefix other;
            if (network_subnet(&all[i], &other) && prefixes_overlap(&sub, &other)) {
                clash = true;
                if (spec->subnet) {
                    char a[GT_IP_STRLEN];
                    r = gt_err(err, EADDRINUSE, "subnet %s overlaps network %s (%s)",
                               spec->subnet, all[i].name,
                               gt_prefix_format(&other, a, sizeof a));
                    goto out;
                }
            }
        }
        if (!clash)
            break;
        if (k == 255) {
            r = gt_err(err, ENOSPC, "no free subnet left in 10.89.0.0/16; give one");
            goto out;
        }
    }
    char subnet[GT_IP_STRLEN];
    gt_prefix_format(&sub, subnet, sizeof subnet);
    const char *start = NULL, *end = NULL;
    char sbuf[GT_IP_STRLEN], ebuf[GT_IP_STRLEN];
    if (spec->ip_range) {
        struct gt_prefix rg;
        if ((r = gt_prefix_parse(spec->ip_range, &rg, err)) < 0)
            goto out;
        struct gt_ip a = gt_prefix_network(&rg), b = gt_prefix_last(&rg);
        if (!gt_prefix_contains(&sub, &a) || !gt_prefix_contains(&sub, &b)) {
            r = gt_err(err, EINVAL, "ip range %s is not inside subnet %s", spec->ip_range, subnet);
            goto out;
        }
        /* keep clear of the subnet's network and broadcast addresses */
        struct gt_ip first = sub.ip, last = gt_prefix_last(&sub);
        if (gt_ip_equal(&a, &first))
            gt_ip_next(&a);
        if (gt_ip_equal(&b, &last))
            b.a[3]--;
        start = gt_ip_format(&a, sbuf, sizeof sbuf);
        end = gt_ip_format(&b, ebuf, sizeof ebuf);
    }
    /* validate the whole IPAM part the way the plugin will read it */
    struct gt_ipam_config check;
    if ((r = gt_ipam_config_simple(spec->name, net->ipam_dir, subnet, start, end, spec->gateway,
                                   &check, err)) < 0)
        goto out;
    gt_ipam_config_release(&check);

    r = write_conflist(net, spec, bridge, subnet, start, end, err);
out:
    for (size_t i = 0; i < n; i++)
        gt_cni_conf_release(&all[i]);
    free(all);
    if (r < 0)
        return gt_err_prefix(err, "create network %s", spec->name);
    return 0;
}

/* Removes the bridge, rules and IPAM state of one of our networks. */
static int remove_ours(const struct gt_cni_netconf *nc, struct gt_error *err)
{
    json_t *p = our_plugin(nc);
    const char *bridge = json_string_value(json_object_get(p, "bridge"));
    if (!bridge)
        bridge = GT_CNI_BRIDGE_DEFAULT;
    int r = 0;
    struct gt_ipam_config cfg;
    json_t *ipam = json_object_get(p, "ipam");
    bool have_ipam = json_is_object(ipam) && gt_ipam_config_parse(ipam, nc->name, &cfg, NULL) == 0;
    if (have_ipam) {
        struct gt_ipam st;
        if (gt_ipam_open(&st, &cfg, NULL) == 0) {
            int used = gt_ipam_count(&st, NULL);
            gt_ipam_close(&st);
            if (used > 0)
                r = gt_err(err, EBUSY, "%d addresses are still allocated", used);
        }
        if (r < 0) {
            gt_ipam_config_release(&cfg);
            return r;
        }
    }
    struct gt_nl nl;
    r = gt_nl_open(&nl, err);
    if (r < 0)
        return r;
    struct gt_nl_link br;
    r = gt_nl_link_get(&nl, bridge, &br, err);
    if (r == 0) {
        /* a port left means a container still uses it */
        struct gt_nl_link *links = NULL;
        size_t n = 0;
        if ((r = gt_nl_link_list(&nl, &links, &n, err)) == 0) {
            for (size_t i = 0; i < n && r == 0; i++)
                if (links[i].master == br.index)
                    r = gt_err(err, EBUSY, "bridge %s still has port %s", bridge, links[i].name);
            free(links);
        }
        if (r == 0 && strcmp(br.kind, "bridge") == 0)
            r = gt_nl_link_del(&nl, br.index, err);
    } else if (r == -ENODEV) {
        r = 0;
    }
    gt_nl_close(&nl);
    struct gt_nft *nft = NULL;
    if (r == 0 && (r = gt_nft_new(NULL, &nft, err)) == 0) {
        r = gt_nft_network_teardown(nft, bridge, err);
        gt_nft_free(nft);
    }
    if (r == 0 && have_ipam) {
        cleanup_free char *dir = gt_path_join(cfg.data_dir, cfg.network);
        r = gt_rm_rf(dir, err);
    }
    if (have_ipam)
        gt_ipam_config_release(&cfg);
    return r;
}

int gt_net_network_remove(const struct gt_net *net, const char *name, struct gt_error *err)
{
    struct gt_cni_netconf nc;
    int r = gt_cni_conf_find(net->conf_dir, name, &nc, err);
    if (r < 0)
        return r;
    struct gt_cni cni = cni_of(net);
    int attached = gt_cni_cached_count(&cni, name, err);
    if (attached < 0) {
        r = attached;
        goto out;
    }
    if (attached > 0) {
        r = gt_err(err, EBUSY, "%d container interface(s) still attached", attached);
        goto out;
    }
    if (ours(&nc) && (r = remove_ours(&nc, err)) < 0)
        goto out;
    if (nc.path && unlink(nc.path) < 0 && errno != ENOENT)
        r = gt_err_sys(err, errno, "remove %s", nc.path);
out:
    gt_cni_conf_release(&nc);
    if (r < 0)
        return gt_err_prefix(err, "remove network %s", name);
    return 0;
}

/* ---- containers ---- */

int gt_net_port_parse(const char *s, struct gt_net_port *out, struct gt_error *err)
{
    memset(out, 0, sizeof *out);
    out->proto = IPPROTO_TCP;
    if (!s || !*s)
        return gt_err(err, EINVAL, "empty port mapping");
    char buf[128];
    snprintf(buf, sizeof buf, "%s", s);
    char *slash = strchr(buf, '/');
    if (slash) {
        *slash = '\0';
        out->proto = gt_nft_proto_parse(slash + 1);
        if (out->proto < 0)
            return gt_err(err, EINVAL, "port mapping \"%s\": protocol \"%s\" is not tcp or udp",
                          s, slash + 1);
    }
    /* the host address may be IPv6 in brackets; ports are the last two */
    char *cport = strrchr(buf, ':');
    if (!cport)
        return gt_err(err, EINVAL, "port mapping \"%s\": expected [HOSTIP:]HOSTPORT:PORT", s);
    *cport++ = '\0';
    char *hport = strrchr(buf, ':');
    char *hip = NULL;
    if (hport) {
        *hport++ = '\0';
        hip = buf;
    } else {
        hport = buf;
    }
    unsigned long v[2];
    const char *txt[2] = { hport, cport };
    for (int i = 0; i < 2; i++) {
        char *end;
        errno = 0;
        v[i] = strtoul(txt[i], &end, 10);
        if (!*txt[i] || *end || errno || v[i] == 0 || v[i] > 65535)
            return gt_err(err, EINVAL, "port mapping \"%s\": \"%s\" is not a port (1-65535)", s,
                          txt[i]);
    }
    out->host_port = (uint16_t)v[0];
    out->container_port = (uint16_t)v[1];
    if (hip && *hip) {
        size_t l = strlen(hip);
        if (hip[0] == '[' && hip[l - 1] == ']') {
            hip[l - 1] = '\0';
            hip++;
        }
        struct gt_ip ip;
        if (gt_ip_parse(hip, &ip, err) < 0)
            return gt_err_prefix(err, "port mapping \"%s\"", s);
        snprintf(out->host_ip, sizeof out->host_ip, "%s", hip);
    }
    return 0;
}

static json_t *capability_args(const struct gt_net_attach_req *req)
{
    json_t *cap = json_object();
    if (req->nports) {
        json_t *pm = json_array();
        for (size_t i = 0; i < req->nports; i++) {
            const struct gt_net_port *p = &req->ports[i];
            json_t *o = json_pack("{s:i, s:i, s:s}", "hostPort", p->host_port, "containerPort",
                                  p->container_port, "protocol", gt_nft_proto_name(p->proto));
            if (p->host_ip[0])
                json_object_set_new(o, "hostIP", json_string(p->host_ip));
            json_array_append_new(pm, o);
        }
        json_object_set_new(cap, "portMappings", pm);
    }
    if (req->ip && *req->ip)
        json_object_set_new(cap, "ips", json_pack("[s]", req->ip));
    return cap;
}

void gt_net_attachment_from_result(json_t *result, const char *ifname,
                                   struct gt_net_attachment *a)
{
    snprintf(a->ifname, sizeof a->ifname, "%s", ifname);
    json_t *ifs = json_object_get(result, "interfaces"), *ips = json_object_get(result, "ips");
    size_t i;
    json_t *it;
    /* the container's interface: in a sandbox, with our ifname */
    json_array_foreach(ifs, i, it) {
        const char *name = json_string_value(json_object_get(it, "name"));
        const char *mac = json_string_value(json_object_get(it, "mac"));
        if (json_object_get(it, "sandbox") && name && !strcmp(name, ifname) && mac)
            snprintf(a->mac, sizeof a->mac, "%s", mac);
    }
    json_array_foreach(ips, i, it) {
        json_t *idx = json_object_get(it, "interface");
        if (json_is_integer(idx)) {
            json_t *iface = json_array_get(ifs, (size_t)json_integer_value(idx));
            if (!iface || !json_object_get(iface, "sandbox"))
                continue;
        }
        const char *addr = json_string_value(json_object_get(it, "address"));
        const char *gw = json_string_value(json_object_get(it, "gateway"));
        struct gt_prefix p;
        if (!addr || gt_prefix_parse(addr, &p, NULL) < 0)
            continue;
        bool v4 = p.ip.family == AF_INET;
        char *ip = v4 ? a->ip : a->ip6;
        if (*ip)
            continue;
        gt_ip_format(&p.ip, ip, GT_IP_STRLEN);
        *(v4 ? &a->prefix_len : &a->prefix_len6) = p.len;
        if (gw)
            snprintf(v4 ? a->gateway : a->gateway6, GT_IP_STRLEN, "%s", gw);
    }
}

void gt_net_attachment_release(struct gt_net_attachment *a)
{
    if (a->result)
        json_decref(a->result);
    memset(a, 0, sizeof *a);
}

static int lo_up_here(void *unused, struct gt_error *err)
{
    struct gt_nl nl;
    int r = gt_nl_open(&nl, err);
    if (r < 0)
        return r;
    struct gt_nl_link lo;
    if ((r = gt_nl_link_get(&nl, "lo", &lo, err)) == 0)
        r = gt_nl_link_set_up(&nl, lo.index, true, err);
    gt_nl_close(&nl);
    return r;
}

int gt_net_loopback_up(const char *netns, struct gt_error *err)
{
    cleanup_close int fd = gt_netns_open(netns, err);
    if (fd < 0)
        return fd;
    return gt_netns_run(fd, lo_up_here, NULL, err);
}

int gt_net_attach(const struct gt_net *net, const struct gt_net_attach_req *req,
                  struct gt_net_attachment *out, struct gt_error *err)
{
    memset(out, 0, sizeof *out);
    int r = gt_ipam_check_name("container id", req->container_id, err);
    if (r < 0)
        return r;
    if (!req->network || !*req->network)
        return gt_err(err, EINVAL, "no network given");
    const char *ifname = req->ifname ? req->ifname : "eth0";
    cleanup_json json_t *cap = capability_args(req);
    struct gt_cni_netconf nc;
    if ((r = gt_cni_conf_find(net->conf_dir, req->network, &nc, err)) < 0)
        return gt_err_prefix(err, "attach %s", req->container_id);
    if ((r = gt_net_loopback_up(req->netns, err)) < 0)
        goto out;
    struct gt_cni cni = cni_of(net);
    struct gt_cni_runtime rt = { .container_id = req->container_id, .netns = req->netns,
                                 .ifname = ifname, .capability_args = cap };
    json_t *result = NULL;
    r = gt_cni_add(&cni, &nc, &rt, &result, err);
    if (r < 0) {
        /* the plugins that did run may have left state: undo it */
        gt_cni_del(&cni, &nc, &rt, NULL);
        goto out;
    }
    out->result = result;
    gt_net_attachment_from_result(result, ifname, out);
out:
    gt_cni_conf_release(&nc);
    if (r < 0)
        return gt_err_prefix(err, "attach %s to network %s", req->container_id, req->network);
    return 0;
}

int gt_net_detach(const struct gt_net *net, const char *container_id, const char *netns,
                  const char *network, const char *ifname, struct gt_error *err)
{
    struct gt_cni_netconf nc;
    int r = gt_cni_conf_find(net->conf_dir, network, &nc, err);
    if (r < 0)
        return gt_err_prefix(err, "detach %s", container_id);
    struct gt_cni cni = cni_of(net);
    /* a namespace path that is gone is no namespace: the plugins clean up
     * the host side from the cached result */
    if (netns && !gt_path_exists(netns))
        netns = NULL;
    struct gt_cni_runtime rt = { .container_id = container_id, .netns = netns,
                                 .ifname = ifname ? ifname : "eth0" };
    r = gt_cni_del(&cni, &nc, &rt, err);
    gt_cni_conf_release(&nc);
    if (r < 0)
        return gt_err_prefix(err, "detach %s from network %s", container_id, network);
    return 0;
}

int gt_net_check(const struct gt_net *net, const char *container_id, const char *netns,
                 const char *network, const char *ifname, struct gt_error *err)
{
    struct gt_cni_netconf nc;
    int r = gt_cni_conf_find(net->conf_dir, network, &nc, err);
    if (r < 0)
        return r;
    struct gt_cni cni = cni_of(net);
    struct gt_cni_runtime rt = { .container_id = container_id, .netns = netns,
                                 .ifname = ifname ? ifname : "eth0" };
    r = gt_cni_check(&cni, &nc, &rt, err);
    gt_cni_conf_release(&nc);
    return r;
}

int gt_net_inspect(const struct gt_net *net, const char *container_id, const char *network,
                   const char *ifname, struct gt_net_attachment *out, struct gt_error *err)
{
    memset(out, 0, sizeof *out);
    struct gt_cni cni = cni_of(net);
    const char *ifn = ifname ? ifname : "eth0";
    json_t *res;
    int r = gt_cni_cached_result(&cni, network, container_id, ifn, &res, err);
    if (r < 0)
        return r;
    out->result = res;
    gt_net_attachment_from_result(res, ifn, out);
    return 0;
}
