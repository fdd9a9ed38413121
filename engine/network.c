/* Networks as docker shows them: the CNI conflists of <data_root>/net/conf.d
 * (net/net.h) with docker's metadata beside them, the predefined host and
 * none, the default bridge made at open, the embedded DNS servers of the
 * user-defined networks, and network create, list, inspect, remove and
 * prune.  Containers on networks are in network_ctr.c. */
#include <errno.h>
#include <regex.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "engine/internal.h"
#include "net/cni.h"
#include "net/cni_bridge.h"
#include "net/dns.h"
#include "net/netlink.h"

#define DEFAULT_NET "bridge"

/* ---- identity ---- */

/* Stable across restarts, derived from the name (the predefined networks
 * and conflists a user dropped in; docker/shapes.c derives the same). */
static void stable_id(const char *name, char out[65])
{
    struct sha256_ctx h;
    uint8_t dig[SHA256_DIGEST_SIZE];
    sha256_init(&h);
    static const char salt[] = "gantry network ";
    sha256_update(&h, sizeof salt - 1, (const uint8_t *)salt);
    sha256_update(&h, strlen(name), (const uint8_t *)name);
    sha256_digest(&h, sizeof dig, dig);
    for (size_t i = 0; i < sizeof dig; i++)
        snprintf(out + 2 * i, 3, "%02x", dig[i]);
}

static char *meta_path(struct gt_engine *e, const char *name)
{
    return gt_xasprintf("%s/networks/%s.json", e->data_root, name);
}

void eng_network_release(struct eng_network *n)
{
    free(n->name);
    free(n->driver);
    json_decref(n->labels);
    json_decref(n->options);
    json_decref(n->ipam);
    memset(n, 0, sizeof *n);
}

static bool is_predefined_name(struct gt_engine *e, const char *name)
{
    return !strcmp(name, "host") || !strcmp(name, "none") ||
           (e->bridge_dev && !strcmp(name, DEFAULT_NET));
}

static void builtin(const char *name, const char *driver, struct eng_network *out)
{
    memset(out, 0, sizeof *out);
    out->name = gt_xstrdup(name);
    stable_id(name, out->id);
    out->driver = gt_xstrdup(driver);
    out->predefined = true;
    out->labels = json_object();
    out->options = json_object();
    out->ipam = json_array();
}

/* IPAM.Config from a conflist: each range's subnet and gateway (the
 * subnet's first address when the range names none, as host-local and our
 * plugin do). */
static json_t *ipam_of(const struct gt_cni_netconf *nc)
{
    json_t *cfg = json_array();
    size_t i;
    json_t *p;
    json_array_foreach(nc->plugins, i, p) {
        json_t *ipam = json_object_get(p, "ipam");
        if (!json_is_object(ipam))
            continue;
        json_t *ranges = json_object_get(ipam, "ranges");
        json_t *single = json_pack("[[O]]", ipam);
        size_t j, k;
        json_t *set, *r;
        json_array_foreach(json_is_array(ranges) ? ranges : single, j, set) {
            json_array_foreach(set, k, r) {
                const char *sub = json_string_value(json_object_get(r, "subnet"));
                const char *gw = json_string_value(json_object_get(r, "gateway"));
                struct gt_prefix pfx;
                if (!sub || gt_prefix_parse(sub, &pfx, NULL) < 0)
                    continue;
                char gbuf[GT_IP_STRLEN] = "", nbuf[GT_IP_STRLEN];
                pfx.ip = gt_prefix_network(&pfx);
                if (!gw) {
                    struct gt_ip g = pfx.ip;
                    gt_ip_next(&g);
                    gw = gt_ip_format(&g, gbuf, sizeof gbuf);
                }
                json_array_append_new(cfg, json_pack("{s:s,s:s}", "Subnet",
                                                     gt_prefix_format(&pfx, nbuf, sizeof nbuf),
                                                     "Gateway", gw));
            }
        }
        json_decref(single);
        break;
    }
    return cfg;
}

static void from_conf(struct gt_engine *e, const struct gt_cni_netconf *nc, struct eng_network *out)
{
    memset(out, 0, sizeof *out);
    out->name = gt_xstrdup(nc->name);
    const char *type = json_string_value(json_object_get(json_array_get(nc->plugins, 0), "type"));
    bool gantry = type && !strcmp(type, GT_CNI_BRIDGE_TYPE);
    out->driver = gt_xstrdup(gantry || !type ? "bridge" : type);
    out->predefined = is_predefined_name(e, nc->name);
    out->user_defined = !out->predefined;
    out->ipam = ipam_of(nc);
    cleanup_free char *mp = meta_path(e, nc->name);
    cleanup_json json_t *meta = NULL;
    struct gt_error ignored;
    if (gantry && gt_path_exists(mp) && gt_json_load_file(mp, &meta, &ignored) == 0 &&
        json_is_string(json_object_get(meta, "Id"))) {
        out->ours = true;
        snprintf(out->id, sizeof out->id, "%s", json_string_value(json_object_get(meta, "Id")));
        out->created_ns = json_integer_value(json_object_get(meta, "Created"));
        out->internal = json_is_true(json_object_get(meta, "Internal"));
        json_t *l = json_object_get(meta, "Labels"), *o = json_object_get(meta, "Options");
        out->labels = json_is_object(l) ? json_incref(l) : json_object();
        out->options = json_is_object(o) ? json_incref(o) : json_object();
        const char *range = json_string_value(json_object_get(meta, "IPRange"));
        if (range && json_array_size(out->ipam))
            json_object_set_new(json_array_get(out->ipam, 0), "IPRange", json_string(range));
        return;
    }
    stable_id(nc->name, out->id);
    struct stat st;
    if (nc->path && stat(nc->path, &st) == 0)
        out->created_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
    out->labels = json_object();
    out->options = json_object();
}

static bool valid_name(const char *s)
{
    if (!s || !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9') || *s == '_' || *s == '.' || *s == '-'))
            return false;
    return true;
}

/* Every network: the predefined ones, then the conflists in file order. */
static int net_all(struct gt_engine *e, struct eng_network **out, size_t *n, struct gt_error *err)
{
    struct gt_cni_netconf *confs = NULL;
    size_t nc = 0;
    int r = gt_cni_conf_list(e->net.conf_dir, &confs, &nc, err);
    if (r < 0)
        return r;
    struct eng_network *v = gt_xcalloc(nc + 2, sizeof *v);
    size_t k = 0;
    builtin("host", "host", &v[k++]);
    builtin("none", "null", &v[k++]);
    for (size_t i = 0; i < nc; i++) {
        /* host and none are predefined; a name unfit for paths and DNS is skipped */
        bool dup = !strcmp(confs[i].name, "host") || !strcmp(confs[i].name, "none") ||
                   !valid_name(confs[i].name);
        for (size_t j = 2; j < k && !dup; j++)
            dup = !strcmp(v[j].name, confs[i].name);
        if (!dup) /* shadowed: the first file of a name wins, as in net/cni */
            from_conf(e, &confs[i], &v[k++]);
        gt_cni_conf_release(&confs[i]);
    }
    free(confs);
    *out = v;
    *n = k;
    return 0;
}

static void net_all_free(struct eng_network *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        eng_network_release(&v[i]);
    free(v);
}

int eng_net_find(struct gt_engine *e, const char *ref, struct eng_network *out,
                 struct gt_error *err)
{
    memset(out, 0, sizeof *out);
    if (!ref || !*ref)
        return gt_err(err, ENOENT, "network  not found");
    struct eng_network *all;
    size_t n;
    int r = net_all(e, &all, &n, err);
    if (r < 0)
        return r;
    /* docker's order: a full id, a name, then a unique id prefix */
    ssize_t hit = -1;
    for (size_t i = 0; i < n && hit < 0; i++)
        if (!strcmp(all[i].id, ref))
            hit = (ssize_t)i;
    for (size_t i = 0; i < n && hit < 0; i++)
        if (!strcmp(all[i].name, ref))
            hit = (ssize_t)i;
    size_t rl = strlen(ref);
    bool ambiguous = false;
    if (hit < 0 && rl < 64) {
        for (size_t i = 0; i < n; i++)
            if (!strncmp(all[i].id, ref, rl)) {
                ambiguous = hit >= 0;
                hit = (ssize_t)i;
            }
    }
    if (hit < 0 || ambiguous) {
        net_all_free(all, n);
        if (ambiguous)
            return gt_err(err, EINVAL, "network %s is ambiguous", ref);
        return gt_err(err, ENOENT, "network %s not found", ref);
    }
    *out = all[hit];
    memset(&all[hit], 0, sizeof all[hit]);
    net_all_free(all, n);
    return 0;
}

/* ---- the shape docker gives a network ---- */

static json_t *containers_of(struct gt_engine *e, const char *name)
{
    json_t *out = json_object();
    size_t n;
    struct container **list = eng_ctr_list(e, &n);
    for (size_t i = 0; i < n; i++) {
        struct container *c = list[i];
        pthread_mutex_lock(&c->lock);
        json_t *ep = json_object_get(c->endpoints, name);
        if (ep && !c->removed) {
            const char *ip = json_string_value(json_object_get(ep, "IPAddress"));
            int len = (int)json_integer_value(json_object_get(ep, "IPPrefixLen"));
            json_t *v4 = ip && *ip ? json_sprintf("%s/%d", ip, len) : json_string("");
            json_object_set_new(
                out, c->id,
                json_pack("{s:s,s:O,s:O,s:o,s:s}", "Name", c->name, "EndpointID",
                          json_object_get(ep, "EndpointID"), "MacAddress",
                          json_object_get(ep, "MacAddress"), "IPv4Address", v4, "IPv6Address",
                          ""));
        }
        pthread_mutex_unlock(&c->lock);
        eng_ctr_unref(c);
    }
    free(list);
    return out;
}

static json_t *network_json(struct gt_engine *e, const struct eng_network *n, bool containers)
{
    cleanup_free char *created = eng_format_time(n->created_ns);
    json_t *j = json_pack(
        "{s:s,s:s,s:s,s:s,s:s,s:b,s:b,s:{s:s,s:n,s:O},s:b,s:b,s:b,s:{s:s},s:b,s:o,s:O,s:O}",
        "Name", n->name, "Id", n->id, "Created", created, "Scope", "local", "Driver", n->driver,
        "EnableIPv4", 1, "EnableIPv6", 0, "IPAM", "Driver", "default", "Options", "Config",
        n->ipam, "Internal", n->internal, "Attachable", 0, "Ingress", 0, "ConfigFrom", "Network",
        "", "ConfigOnly", 0, "Containers", containers ? containers_of(e, n->name) : json_object(),
        "Options", n->options, "Labels", n->labels);
    return j;
}

/* dockerd's Args.Match: equal, or a match of the value as a regex */
static bool match_any(const json_t *set, const char *s)
{
    const char *v;
    json_t *b;
    json_object_foreach((json_t *)set, v, b) {
        if (!strcmp(v, s))
            return true;
        regex_t re;
        if (regcomp(&re, v, REG_EXTENDED | REG_NOSUB) == 0) {
            bool m = regexec(&re, s, 0, NULL, 0) == 0;
            regfree(&re);
            if (m)
                return true;
        }
    }
    return false;
}

static int check_filters(const json_t *filters, const char *const *known, struct gt_error *err)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)filters, k, v) {
        const char *const *p = known;
        while (*p && strcmp(*p, k))
            p++;
        if (!*p)
            return gt_err(err, EINVAL, "invalid filter '%s'", k);
    }
    return 0;
}

/* "k" (present) or "k=v" (equal) against labels */
static bool label_match(const json_t *labels, const char *want)
{
    const char *eq = strchr(want, '=');
    if (!eq)
        return json_object_get(labels, want) != NULL;
    cleanup_free char *k = gt_xstrndup(want, (size_t)(eq - want));
    const char *v = json_string_value(json_object_get(labels, k));
    return v && !strcmp(v, eq + 1);
}

static bool has_containers(struct gt_engine *e, const char *name)
{
    cleanup_json json_t *c = containers_of(e, name);
    return json_object_size(c) > 0;
}

int gt_engine_network_list(struct gt_engine *e, const json_t *filters, json_t **out,
                           struct gt_error *err)
{
    static const char *const known[] = { "dangling", "driver", "id", "label", "name",
                                         "scope", "type", NULL };
    if (check_filters(filters, known, err) < 0)
        return -EINVAL;
    const json_t *type = json_object_get(filters, "type");
    const char *v;
    json_t *b;
    json_object_foreach((json_t *)type, v, b)
        if (strcmp(v, "builtin") && strcmp(v, "custom"))
            return gt_err(err, EINVAL, "invalid filter: 'type'='%s'", v);
    const json_t *dangling = json_object_get(filters, "dangling");
    json_object_foreach((json_t *)dangling, v, b)
        if (strcmp(v, "true") && strcmp(v, "false") && strcmp(v, "1") && strcmp(v, "0"))
            return gt_err(err, EINVAL, "invalid filter 'dangling=%s'", v);
    struct eng_network *all;
    size_t n;
    int r = net_all(e, &all, &n, err);
    if (r < 0)
        return r;
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        const struct eng_network *x = &all[i];
        const json_t *f;
        if ((f = json_object_get(filters, "name")) && !match_any(f, x->name))
            continue;
        if ((f = json_object_get(filters, "id")) && !match_any(f, x->id))
            continue;
        if ((f = json_object_get(filters, "driver")) && !json_object_get(f, x->driver))
            continue;
        if ((f = json_object_get(filters, "scope")) && !json_object_get(f, "local"))
            continue;
        if (type && !json_object_get(type, x->predefined ? "builtin" : "custom"))
            continue;
        bool keep = true;
        json_object_foreach(json_object_get(filters, "label"), v, b)
            keep = keep && label_match(x->labels, v);
        if (!keep)
            continue;
        if (dangling) {
            bool want = json_object_get(dangling, "true") || json_object_get(dangling, "1");
            bool is = !x->predefined && !has_containers(e, x->name);
            if (want != is)
                continue;
        }
        json_array_append_new(list, network_json(e, x, false));
    }
    net_all_free(all, n);
    *out = list;
    return 0;
}

int gt_engine_network_inspect(struct gt_engine *e, const char *ref, json_t **out,
                              struct gt_error *err)
{
    struct eng_network n;
    int r = eng_net_find(e, ref, &n, err);
    if (r < 0)
        return r;
    *out = network_json(e, &n, true);
    eng_network_release(&n);
    return 0;
}

/* ---- subnets ---- */

/* Prefixes this host already routes or has addresses in. */
static void host_prefixes(struct gt_prefix **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    struct gt_nl nl;
    struct gt_error err;
    if (gt_nl_open(&nl, &err) < 0)
        return;
    struct gt_nl_addr *addrs = NULL;
    struct gt_nl_route *routes = NULL;
    size_t na = 0, nr = 0;
    gt_nl_addr_list(&nl, 0, AF_INET, &addrs, &na, &err);
    gt_nl_route_list(&nl, AF_INET, &routes, &nr, &err);
    gt_nl_close(&nl);
    struct gt_prefix *v = gt_xcalloc(na + nr + 1, sizeof *v);
    size_t k = 0;
    for (size_t i = 0; i < na; i++) {
        if (addrs[i].prefix.ip.a[0] == 127)
            continue;
        v[k] = addrs[i].prefix;
        v[k].ip = gt_prefix_network(&v[k]);
        k++;
    }
    for (size_t i = 0; i < nr; i++)
        if (routes[i].dst.len > 0)
            v[k++] = routes[i].dst;
    free(addrs);
    free(routes);
    *out = v;
    *n = k;
}

static bool overlaps(const struct gt_prefix *a, const struct gt_prefix *b)
{
    if (a->ip.family != b->ip.family)
        return false;
    return gt_prefix_contains(a, &b->ip) || gt_prefix_contains(b, &a->ip);
}

/* The i-th subnet of docker's default pools: 172.17-31.0.0/16, then
 * 192.168.0-240.0/20; false past the end. */
static bool pool_subnet(int i, char buf[32])
{
    if (i < 15)
        snprintf(buf, 32, "172.%d.0.0/16", 17 + i);
    else if (i < 15 + 16)
        snprintf(buf, 32, "192.168.%d.0/20", (i - 15) * 16);
    else
        return false;
    return true;
}

/* Creates the conflist of spec, with a free subnet of the pools when spec
 * names none (one that no host route or address overlaps; other networks
 * are net/'s to check). */
static int create_conf(struct gt_engine *e, struct gt_net_network_spec *spec, int first,
                       struct gt_error *err)
{
    if (spec->subnet)
        return gt_net_network_create(&e->net, spec, err);
    struct gt_prefix *host;
    size_t nh;
    host_prefixes(&host, &nh);
    int r = -ENOSPC;
    char sub[32];
    for (int i = first; pool_subnet(i, sub); i++) {
        struct gt_prefix p;
        gt_prefix_parse(sub, &p, NULL);
        bool clash = false;
        for (size_t k = 0; k < nh && !clash; k++)
            clash = overlaps(&p, &host[k]);
        if (clash)
            continue;
        spec->subnet = sub;
        struct gt_error cerr = { 0 };
        r = gt_net_network_create(&e->net, spec, &cerr);
        spec->subnet = NULL;
        if (r == -EADDRINUSE && strstr(cerr.msg, "overlaps"))
            continue; /* another network has it: the next one */
        if (r < 0)
            gt_err(err, -r, "%s", cerr.msg);
        break;
    }
    free(host);
    if (r == -ENOSPC)
        return gt_err(err, ENOSPC, "could not find an available, non-overlapping IPv4 address "
                                   "pool among the defaults to assign to the network");
    return r;
}

static int write_meta(struct gt_engine *e, const char *name, const char *id, json_t *labels,
                      json_t *options, bool internal, const char *ip_range, struct gt_error *err)
{
    cleanup_json json_t *m = json_pack("{s:s,s:s,s:I,s:s,s:O,s:O,s:b}", "Id", id, "Name", name,
                                       "Created", (json_int_t)eng_now_ns(), "Driver", "bridge",
                                       "Labels", labels, "Options", options, "Internal",
                                       internal);
    if (ip_range)
        json_object_set_new(m, "IPRange", json_string(ip_range));
    cleanup_free char *p = meta_path(e, name);
    return gt_json_dump_file(p, m, true, err);
}

/* ---- the default bridge ---- */

static int write_default_meta(struct gt_engine *e, struct gt_error *err)
{
    cleanup_free char *id = eng_random_id();
    cleanup_json json_t *opts = json_pack(
        "{s:s,s:s,s:s,s:s,s:s}", "com.docker.network.bridge.default_bridge", "true",
        "com.docker.network.bridge.enable_icc", "true",
        "com.docker.network.bridge.enable_ip_masquerade", "true",
        "com.docker.network.bridge.host_binding_ipv4", "0.0.0.0",
        "com.docker.network.bridge.name", e->bridge_dev);
    cleanup_json json_t *labels = json_object();
    return write_meta(e, DEFAULT_NET, id, labels, opts, false, NULL, err);
}

/* The conflist of the default bridge as the flags want it: kept when it
 * matches, made again when they changed and no container uses it. */
static int ensure_default(struct gt_engine *e, struct gt_error *err)
{
    char subnet[GT_IP_STRLEN] = "", gw[GT_IP_STRLEN] = "";
    if (e->bridge_ip) {
        struct gt_prefix bip;
        if (gt_prefix_parse(e->bridge_ip, &bip, NULL) < 0 || bip.ip.family != AF_INET ||
            bip.len < 1 || bip.len > 30)
            return gt_err(err, EINVAL, "--bip %s: expected an IPv4 address with its prefix "
                          "length (172.17.0.1/16)", e->bridge_ip);
        gt_ip_format(&bip.ip, gw, sizeof gw);
        struct gt_prefix net = bip;
        net.ip = gt_prefix_network(&bip);
        gt_prefix_format(&net, subnet, sizeof subnet);
    }
    cleanup_free char *mp = meta_path(e, DEFAULT_NET);
    struct gt_cni_netconf nc;
    struct gt_error ferr = { 0 };
    int r = gt_cni_conf_find(e->net.conf_dir, DEFAULT_NET, &nc, &ferr);
    if (r < 0 && r != -ENOENT)
        return gt_err(err, -r, "the default bridge network: %s", ferr.msg);
    if (r == 0) {
        json_t *p0 = json_array_get(nc.plugins, 0);
        const char *type = json_string_value(json_object_get(p0, "type"));
        const char *dev = json_string_value(json_object_get(p0, "bridge"));
        cleanup_json json_t *ipam = ipam_of(&nc);
        json_t *c0 = json_array_get(ipam, 0);
        const char *have_sub = json_string_value(json_object_get(c0, "Subnet"));
        const char *have_gw = json_string_value(json_object_get(c0, "Gateway"));
        bool same = type && !strcmp(type, GT_CNI_BRIDGE_TYPE) && dev &&
                    !strcmp(dev, e->bridge_dev) &&
                    (!*subnet || (have_sub && !strcmp(have_sub, subnet) && have_gw &&
                                  !strcmp(have_gw, gw)));
        gt_cni_conf_release(&nc);
        if (same)
            return gt_path_exists(mp) ? 0 : write_default_meta(e, err);
        struct gt_error rerr = { 0 };
        if (gt_net_network_remove(&e->net, DEFAULT_NET, &rerr) < 0) {
            gt_warn("the default bridge network keeps its old settings: %s", rerr.msg);
            return gt_path_exists(mp) ? 0 : write_default_meta(e, err);
        }
        gt_info("the default bridge network is made again for the new -b/--bip");
    }
    struct gt_net_network_spec spec = { .name = DEFAULT_NET, .bridge = e->bridge_dev,
                                        .subnet = *subnet ? subnet : NULL,
                                        .gateway = *gw ? gw : NULL };
    if ((r = create_conf(e, &spec, 0, err)) < 0)
        return gt_err_prefix(err, "the default bridge network");
    return write_default_meta(e, err);
}

/* -b none after a run with a default bridge: that network goes (when no
 * container holds it), as docker has no "bridge" then. */
static void drop_default(struct gt_engine *e)
{
    cleanup_free char *mp = meta_path(e, DEFAULT_NET);
    cleanup_json json_t *meta = NULL;
    struct gt_error err = { 0 };
    if (!gt_path_exists(mp) || gt_json_load_file(mp, &meta, &err) < 0)
        return;
    const char *def = json_string_value(json_object_get(json_object_get(meta, "Options"),
                                                        "com.docker.network.bridge.default_bridge"));
    if (!def || strcmp(def, "true"))
        return;
    if (gt_net_network_remove(&e->net, DEFAULT_NET, &err) < 0 && err.code != ENOENT) {
        gt_warn("-b none: the default bridge network of an earlier run stays: %s", err.msg);
        return;
    }
    unlink(mp);
}

int eng_net_open(struct gt_engine *e, const struct gt_engine_config *cfg, struct gt_error *err)
{
    pthread_rwlock_init(&e->net_rw, NULL);
    pthread_mutex_init(&e->net_lock, NULL);
    if (cfg->bridge && *cfg->bridge && strcmp(cfg->bridge, "none"))
        e->bridge_dev = gt_xstrdup(cfg->bridge);
    if (cfg->bridge_ip && *cfg->bridge_ip)
        e->bridge_ip = gt_xstrdup(cfg->bridge_ip);
    if (e->bridge_ip && !e->bridge_dev)
        return gt_err(err, EINVAL, "--bip needs a bridge: it cannot go with -b none");
    int r = gt_net_init(&e->net, e->data_root, cfg->cni_path, err);
    if (r < 0)
        return r;
    e->net_ready = true;
    cleanup_free char *meta = gt_path_join(e->data_root, "networks");
    cleanup_free char *ns = gt_path_join(e->exec_root, "netns");
    if ((r = gt_mkdir_p(meta, 0700, err)) < 0 || (r = gt_mkdir_p(ns, 0711, err)) < 0)
        return r;
    if (e->bridge_dev && (r = ensure_default(e, err)) < 0)
        return r;
    if (!e->bridge_dev)
        drop_default(e);
    return 0;
}

void eng_net_close(struct gt_engine *e)
{
    for (size_t i = 0; i < e->n_dns; i++) {
        gt_dns_server_stop(e->dns[i].srv);
        free(e->dns[i].network);
        free(e->dns[i].listen);
    }
    free(e->dns);
    e->dns = NULL;
    e->n_dns = 0;
    if (e->net_ready)
        gt_net_release(&e->net);
    e->net_ready = false;
    free(e->bridge_dev);
    free(e->bridge_ip);
    pthread_rwlock_destroy(&e->net_rw);
    pthread_mutex_destroy(&e->net_lock);
}

/* ---- the embedded DNS ---- */

static struct eng_dns *dns_find(struct gt_engine *e, const char *network)
{
    for (size_t i = 0; i < e->n_dns; i++)
        if (!strcmp(e->dns[i].network, network))
            return &e->dns[i];
    return NULL;
}

static void dns_stop(struct gt_engine *e, const char *network)
{
    pthread_mutex_lock(&e->net_lock);
    struct eng_dns *d = dns_find(e, network);
    if (d) {
        gt_dns_server_stop(d->srv);
        free(d->network);
        free(d->listen);
        *d = e->dns[--e->n_dns];
    }
    pthread_mutex_unlock(&e->net_lock);
}

int eng_dns_add(struct gt_engine *e, const char *network, const char *listen,
                struct container *c, json_t *aliases, const char *ip, struct gt_error *err)
{
    int r = 0;
    pthread_mutex_lock(&e->net_lock);
    struct eng_dns *d = dns_find(e, network);
    if (d && strcmp(d->listen, listen)) { /* the network was made again elsewhere */
        gt_dns_server_stop(d->srv);
        free(d->network);
        free(d->listen);
        *d = e->dns[--e->n_dns];
        d = NULL;
    }
    if (!d) {
        cleanup_free char *addr = gt_xasprintf("%s:53", listen);
        const char *lst[] = { addr, NULL };
        struct gt_dns_config cfg = { .listen = lst };
        struct gt_dns_server *srv;
        if ((r = gt_dns_server_start(&cfg, &srv, err)) < 0) {
            pthread_mutex_unlock(&e->net_lock);
            return gt_err_prefix(err, "the DNS server of network %s", network);
        }
        e->dns = gt_xrealloc(e->dns, (e->n_dns + 1) * sizeof *e->dns);
        d = &e->dns[e->n_dns++];
        *d = (struct eng_dns){ gt_xstrdup(network), gt_xstrdup(listen), srv };
        gt_debug("network %s: DNS on %s", network, addr);
    }
    char shortid[13];
    snprintf(shortid, sizeof shortid, "%.12s", c->id);
    if ((r = gt_dns_server_add(d->srv, c->name, ip, c->id, err)) == 0)
        r = gt_dns_server_add(d->srv, shortid, ip, c->id, err);
    size_t i;
    json_t *a;
    json_array_foreach(aliases, i, a)
        if (r == 0 && json_string_length(a))
            r = gt_dns_server_add(d->srv, json_string_value(a), ip, c->id, err);
    if (r < 0)
        gt_dns_server_remove_owner(d->srv, c->id);
    pthread_mutex_unlock(&e->net_lock);
    return r;
}

void eng_dns_remove(struct gt_engine *e, const char *network, const char *ctr_id)
{
    pthread_mutex_lock(&e->net_lock);
    struct eng_dns *d = dns_find(e, network);
    if (d)
        gt_dns_server_remove_owner(d->srv, ctr_id);
    pthread_mutex_unlock(&e->net_lock);
}

/* ---- create, remove, prune ---- */

int gt_engine_network_create(struct gt_engine *e, const json_t *req, json_t **out,
                             struct gt_error *err)
{
    if (!json_is_object(req))
        return gt_err(err, EINVAL, "network create: expected a JSON object");
    const char *name = json_string_value(json_object_get(req, "Name"));
    if (!name || !*name)
        return gt_err(err, EINVAL, "network name is required");
    if (!valid_name(name) || strlen(name) > 128)
        return gt_err(err, EINVAL, "invalid network name \"%s\": only [a-zA-Z0-9][a-zA-Z0-9_.-] "
                      "are allowed", name);
    const char *driver = json_string_value(json_object_get(req, "Driver"));
    if (!driver || !*driver)
        driver = "bridge";
    if (!strcmp(driver, "host") || !strcmp(driver, "null"))
        return gt_err(err, EPERM, "only one instance of \"%s\" network is allowed", driver);
    if (!strcmp(driver, "macvlan") || !strcmp(driver, "ipvlan") || !strcmp(driver, "overlay"))
        return gt_err(err, EOPNOTSUPP, "the %s driver is not supported: only bridge networks "
                      "(or a CNI conflist dropped in the data root's net/conf.d)", driver);
    if (strcmp(driver, "bridge"))
        return gt_err(err, ENOENT, "plugin \"%s\" not found", driver);
    if (json_is_true(json_object_get(req, "EnableIPv6")))
        return gt_err(err, EOPNOTSUPP, "IPv6 networks are not supported yet");
    if (json_is_true(json_object_get(req, "ConfigOnly")) ||
        json_string_length(json_object_get(json_object_get(req, "ConfigFrom"), "Network")))
        return gt_err(err, EOPNOTSUPP, "config-only networks are not supported");
    json_t *ipam = json_object_get(req, "IPAM");
    const char *ipam_driver = json_string_value(json_object_get(ipam, "Driver"));
    if (ipam_driver && *ipam_driver && strcmp(ipam_driver, "default"))
        return gt_err(err, ENOENT, "plugin \"%s\" not found", ipam_driver);
    json_t *cfgs = json_object_get(ipam, "Config");
    const char *subnet = NULL, *gateway = NULL, *range = NULL;
    size_t i;
    json_t *c;
    json_array_foreach(cfgs, i, c) {
        const char *s = json_string_value(json_object_get(c, "Subnet"));
        if (s && strchr(s, ':'))
            return gt_err(err, EOPNOTSUPP, "IPv6 subnets are not supported yet: %s", s);
        if (subnet)
            return gt_err(err, EOPNOTSUPP, "one IPv4 subnet per network is supported");
        subnet = s && *s ? s : NULL;
        const char *g = json_string_value(json_object_get(c, "Gateway"));
        const char *r = json_string_value(json_object_get(c, "IPRange"));
        gateway = g && *g ? g : NULL;
        range = r && *r ? r : NULL;
        if ((gateway || range) && !subnet)
            return gt_err(err, EINVAL, "invalid pool request: a gateway or IP range needs a "
                          "subnet");
    }
    json_t *opts = json_object_get(req, "Options");
    json_t *labels = json_object_get(req, "Labels");
    if (opts && !json_is_null(opts) && !json_is_object(opts))
        return gt_err(err, EINVAL, "Options: expected an object");
    if (labels && !json_is_null(labels) && !json_is_object(labels))
        return gt_err(err, EINVAL, "Labels: expected an object");
    bool internal = json_is_true(json_object_get(req, "Internal"));
    struct gt_net_network_spec spec = { .name = name, .subnet = subnet, .gateway = gateway,
                                        .ip_range = range, .internal = internal };
    const char *k;
    json_t *v;
    json_object_foreach(opts, k, v) {
        const char *s = json_string_value(v);
        if (!s)
            return gt_err(err, EINVAL, "option %s: expected a string", k);
        if (!strcmp(k, "com.docker.network.bridge.name")) {
            spec.bridge = s;
        } else if (!strcmp(k, "com.docker.network.driver.mtu")) {
            char *end;
            long m = strtol(s, &end, 10);
            if (*end || m < 68 || m > 65535)
                return gt_err(err, EINVAL, "invalid MTU \"%s\"", s);
            spec.mtu = (unsigned)m;
        } else if (!strcmp(k, "com.docker.network.bridge.enable_ip_masquerade")) {
            if (!strcmp(s, "false"))
                spec.internal = true;
        }
    }
    if (is_predefined_name(e, name))
        return gt_err(err, EEXIST, "network with name %s already exists", name);
    pthread_rwlock_wrlock(&e->net_rw);
    struct eng_network have;
    struct gt_error ferr;
    if (eng_net_find(e, name, &have, &ferr) == 0 && !strcmp(have.name, name)) {
        eng_network_release(&have);
        pthread_rwlock_unlock(&e->net_rw);
        return gt_err(err, EEXIST, "network with name %s already exists", name);
    }
    eng_network_release(&have);
    int r = create_conf(e, &spec, 1, err);
    if (r == -EEXIST) {
        gt_err(err, EEXIST, "network with name %s already exists", name);
    } else if (r == -EADDRINUSE) {
        gt_err(err, EPERM, "invalid pool request: Pool overlaps with other one on this address "
               "space (%s)", err->msg);
        r = -EPERM;
    }
    cleanup_free char *id = NULL;
    if (r == 0) {
        id = eng_random_id();
        cleanup_json json_t *l = json_is_object(labels) ? json_incref(labels) : json_object();
        cleanup_json json_t *o = json_is_object(opts) ? json_incref(opts) : json_object();
        if ((r = write_meta(e, name, id, l, o, internal, range, err)) < 0) {
            struct gt_error ignored;
            gt_net_network_remove(&e->net, name, &ignored);
        }
    }
    pthread_rwlock_unlock(&e->net_rw);
    if (r < 0)
        return r;
    eng_event_emit(e, "network", "create", id, NULL, json_pack("{s:s,s:s}", "name", name, "type",
                                                               "bridge"));
    *out = json_pack("{s:s,s:s}", "Id", id, "Warning", "");
    return 0;
}

/* docker's refusal while endpoints remain, naming them */
static int in_use(struct gt_engine *e, const struct eng_network *n, struct gt_error *err)
{
    cleanup_json json_t *ctrs = containers_of(e, n->name);
    if (!json_object_size(ctrs))
        return 0;
    size_t len = 64;
    const char *id;
    json_t *v;
    json_object_foreach(ctrs, id, v)
        len += strlen(json_string_value(json_object_get(v, "Name"))) + 40;
    cleanup_free char *list = gt_xmalloc(len);
    size_t o = 0;
    json_object_foreach(ctrs, id, v)
        o += (size_t)snprintf(list + o, len - o, "%sname:\"%s\" id:\"%.12s\"", o ? ", " : "",
                              json_string_value(json_object_get(v, "Name")), id);
    return gt_err(err, EPERM, "error while removing network: network %s has active endpoints (%s)",
                  n->name, list);
}

static int remove_network(struct gt_engine *e, struct eng_network *n, struct gt_error *err)
{
    if (n->predefined)
        return gt_err(err, EPERM, "%s is a pre-defined network and cannot be removed", n->name);
    pthread_rwlock_wrlock(&e->net_rw);
    int r = in_use(e, n, err);
    if (r == 0 && (r = gt_net_network_remove(&e->net, n->name, err)) == -EBUSY) {
        gt_err(err, EPERM, "error while removing network: network %s has active endpoints (%s)",
               n->name, err->msg);
        r = -EPERM;
    }
    if (r == 0) {
        cleanup_free char *mp = meta_path(e, n->name);
        unlink(mp);
    }
    pthread_rwlock_unlock(&e->net_rw);
    if (r < 0)
        return r;
    dns_stop(e, n->name);
    eng_event_emit(e, "network", "destroy", n->id, NULL,
                   json_pack("{s:s,s:s}", "name", n->name, "type", n->driver));
    return 0;
}

int gt_engine_network_remove(struct gt_engine *e, const char *ref, struct gt_error *err)
{
    struct eng_network n;
    int r = eng_net_find(e, ref, &n, err);
    if (r < 0)
        return r;
    r = remove_network(e, &n, err);
    eng_network_release(&n);
    return r;
}

int gt_engine_network_prune(struct gt_engine *e, const json_t *filters, json_t **out,
                            struct gt_error *err)
{
    static const char *const known[] = { "label", "label!", "until", NULL };
    if (check_filters(filters, known, err) < 0)
        return -EINVAL;
    int64_t until = 0;
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(filters, "until"), k, v) {
        char *end;
        double secs = strtod(k, &end);
        until = *end ? eng_parse_time_ns(k) : (int64_t)(secs * 1e9);
    }
    struct eng_network *all;
    size_t n;
    int r = net_all(e, &all, &n, err);
    if (r < 0)
        return r;
    json_t *deleted = json_array();
    for (size_t i = 0; i < n; i++) {
        struct eng_network *x = &all[i];
        /* only what the engine made: a conflist a user dropped in is theirs */
        if (x->predefined || !x->ours)
            continue;
        bool keep = false;
        json_object_foreach(json_object_get(filters, "label"), k, v)
            keep = keep || !label_match(x->labels, k);
        json_object_foreach(json_object_get(filters, "label!"), k, v)
            keep = keep || label_match(x->labels, k);
        if (until && x->created_ns >= until)
            keep = true;
        struct gt_error rerr;
        if (!keep && remove_network(e, x, &rerr) == 0)
            json_array_append_new(deleted, json_string(x->name));
    }
    net_all_free(all, n);
    *out = json_pack("{s:o}", "NetworksDeleted", deleted);
    return 0;
}
