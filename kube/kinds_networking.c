/* networking.k8s.io/v1: networkpolicies, ingresses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "kube/kinds_internal.h"


/* ---- networkpolicies ---- */

static void netpol_defaults(json_t *np)
{
    json_t *spec = gt_kobj_ensure(np, "spec");
    if (!spec)
        return;
    static const char *const dirs[] = { "ingress", "egress" };
    for (size_t d = 0; d < 2; d++) {
        json_t *rules = gt_kobj_arr(spec, dirs[d]);
        size_t i;
        json_t *r;
        json_array_foreach(rules, i, r)
            gt_kd_each_str(r, "ports", "protocol", "TCP");
    }
    if (gt_kobj_len(spec, "policyTypes") == 0) {
        json_t *pt = json_pack("[s]", "Ingress");
        if (gt_kobj_len(spec, "egress"))
            json_array_append_new(pt, json_string("Egress"));
        json_object_set_new(spec, "policyTypes", pt);
    }
}

static void check_peers(struct gt_kfe_list *e, const char *path, const json_t *rule,
                        const char *key)
{
    const json_t *peers = gt_kv_arr(e, path, rule, key, false);
    char *pp = gt_kp_join(path, key);
    size_t i;
    json_t *peer;
    json_array_foreach(peers, i, peer) {
        char *ip = gt_kp_index(pp, i);
        const json_t *ps = json_object_get(peer, "podSelector");
        const json_t *ns = json_object_get(peer, "namespaceSelector");
        const json_t *block = json_object_get(peer, "ipBlock");
        if (!ps && !ns && !block)
            gt_kfe_required(e, ip, "must specify a peer");
        else if (block && (ps || ns))
            gt_kfe_forbidden(e, ip, "may not specify more than 1 peer type");
        char *sp = gt_kp_join(ip, "podSelector");
        gt_kv_label_selector(e, sp, ps);
        free(sp);
        sp = gt_kp_join(ip, "namespaceSelector");
        gt_kv_label_selector(e, sp, ns);
        free(sp);
        if (block) {
            char *bp = gt_kp_join(ip, "ipBlock");
            const char *cidr = gt_kv_str(e, bp, block, "cidr", true);
            if (cidr && cidr[0] && !gt_kv_is_cidr(cidr)) {
                char *cp = gt_kp_join(bp, "cidr");
                gt_kfe_invalid_str(e, cp, cidr, "must be a valid CIDR");
                free(cp);
            }
            const json_t *except = gt_kv_arr(e, bp, block, "except", false);
            size_t k;
            json_t *x;
            json_array_foreach(except, k, x) {
                if (!json_is_string(x) || !gt_kv_is_cidr(json_string_value(x))) {
                    char *ep = gt_kp_join(bp, "except");
                    char *xp = gt_kp_index(ep, k);
                    gt_kfe_invalid(e, xp, x, "must be a valid CIDR");
                    free(xp);
                    free(ep);
                }
            }
            free(bp);
        }
        free(ip);
    }
    free(pp);
}

static void netpol_validate(const json_t *np, const json_t *old, struct gt_kfe_list *e)
{
    const json_t *spec = gt_kv_obj(e, "", np, "spec", true);
    if (!spec)
        return;
    gt_kv_label_selector(e, "spec.podSelector", gt_kobj_get(spec, "podSelector"));
    const json_t *pt = gt_kv_arr(e, "spec", spec, "policyTypes", false);
    static const char *const types[] = { "Ingress", "Egress", NULL };
    size_t i;
    json_t *t;
    json_array_foreach(pt, i, t) {
        char *p = gt_kp_index("spec.policyTypes", i);
        bool ok = json_is_string(t) && (strcmp(json_string_value(t), "Ingress") == 0 ||
                                        strcmp(json_string_value(t), "Egress") == 0);
        if (!ok)
            gt_kfe_not_supported(e, p, t, types);
        free(p);
    }
    if (json_array_size(pt) > 2)
        gt_kfe_invalid(e, "spec.policyTypes", pt, "may not specify more than two policyTypes");
    static const char *const dirs[] = { "ingress", "egress" };
    static const char *const peer_key[] = { "from", "to" };
    static const char *const protocols[] = { "TCP", "UDP", "SCTP", NULL };
    for (size_t d = 0; d < 2; d++) {
        const json_t *rules = gt_kv_arr(e, "spec", spec, dirs[d], false);
        char *dp = gt_kp_join("spec", dirs[d]);
        json_t *r;
        json_array_foreach(rules, i, r) {
            char *rp = gt_kp_index(dp, i);
            const json_t *ports = gt_kv_arr(e, rp, r, "ports", false);
            char *pp = gt_kp_join(rp, "ports");
            size_t k;
            json_t *port;
            json_array_foreach(ports, k, port) {
                char *ip = gt_kp_index(pp, k);
                gt_kv_enum(e, ip, port, "protocol", protocols, false);
                char *portp = gt_kp_join(ip, "port");
                gt_kv_int_or_port_name(e, portp, json_object_get(port, "port"), false);
                free(portp);
                int64_t end = gt_kv_int(e, ip, port, "endPort", 1, 65535, false, 0);
                json_t *pv = json_object_get(port, "port");
                if (end && json_is_integer(pv) && end < json_integer_value(pv)) {
                    char *ep = gt_kp_join(ip, "endPort");
                    gt_kfe_invalid_int(e, ep, end, "must be greater than or equal to `port`");
                    free(ep);
                }
                free(ip);
            }
            free(pp);
            check_peers(e, rp, r, peer_key[d]);
            free(rp);
        }
        free(dp);
    }
    (void)old;
}

static const struct gt_kcolumn netpol_columns[] = {
    GT_KCOL_NAME,
    { "Pod-Selector", "string", "", "Selects the pods to which this NetworkPolicy applies.", 0 },
    GT_KCOL_AGE,
    { 0 },
};

static void netpol_cells(const json_t *np, int64_t now, json_t *cells)
{
    gt_kc_name(cells, np);
    json_t *ps = gt_kobj_get(np, "spec.podSelector");
    json_t *empty = NULL;
    if (!ps)
        ps = empty = json_object(); /* a missing podSelector selects every pod */
    char *s = gt_klsel_format_json(ps);
    gt_kc_str(cells, s);
    free(s);
    json_decref(empty);
    gt_kc_age(cells, np, now);
}

static const char *const netpol_short[] = { "netpol", NULL };
static const struct gt_ktype netpol_spec = GT_KSTRUCT({ "podSelector", &gt_ktype_label_selector });
static const struct gt_ktype netpol_schema =
    GT_KSTRUCT({ "metadata", &gt_ktype_object_meta }, { "spec", &netpol_spec });

const struct gt_kind gt_kind_networkpolicy = {
    .group = "networking.k8s.io", .version = "v1", .kind = "NetworkPolicy",
    .resource = "networkpolicies", .singular = "networkpolicy", .namespaced = true,
    .short_names = netpol_short, .verbs = GT_KVERBS_ALL, .name_rule = GT_KNAME_SUBDOMAIN,
    .schema = &netpol_schema, .defaults = netpol_defaults, .validate = netpol_validate,
    .columns = netpol_columns, .cells = netpol_cells,
    .shape = &gt_kshape_networkpolicy,
};

/* ---- ingresses ---- */

static void check_backend(struct gt_kfe_list *e, const char *path, const json_t *b)
{
    const json_t *svc = json_object_get(b, "service");
    const json_t *res = json_object_get(b, "resource");
    if (svc && res) {
        gt_kfe_invalid(e, path, b, "cannot set both service and resource backends");
        return;
    }
    if (!svc && !res) {
        gt_kfe_invalid(e, path, b, "resource or service backend is required");
        return;
    }
    if (!svc)
        return;
    char *sp = gt_kp_join(path, "service");
    const char *name = gt_kv_str(e, sp, svc, "name", true);
    if (name && name[0]) {
        char *np = gt_kp_join(sp, "name");
        gt_kmeta_check_name(e, np, name, GT_KNAME_DNS1035, false);
        free(np);
    }
    const json_t *port = gt_kv_obj(e, sp, svc, "port", true);
    if (port) {
        char *pp = gt_kp_join(sp, "port");
        const char *pn = gt_kobj_str(port, "name", "");
        json_t *num = json_object_get(port, "number");
        if (pn[0] && num)
            gt_kfe_invalid(e, pp, port, "cannot set both port name & port number");
        else if (!pn[0] && !num)
            gt_kfe_invalid(e, pp, port, "port name or number is required");
        else if (num)
            gt_kv_int(e, pp, port, "number", 1, 65535, false, 0);
        else {
            char *np = gt_kp_join(pp, "name");
            gt_kv_port_name(e, np, pn);
            free(np);
        }
        free(pp);
    }
    free(sp);
}

static void check_host(struct gt_kfe_list *e, const char *path, const char *host)
{
    if (gt_kv_is_ip(host)) {
        gt_kfe_invalid_str(e, path, host, "must be a DNS name, not an IP address");
        return;
    }
    if (strncmp(host, "*.", 2) == 0) {
        if (!gt_kmeta_is_dns1123_subdomain(host + 2))
            gt_kfe_invalid_str(e, path, host,
                               "a wildcard DNS-1123 subdomain must start with '*.', followed by "
                               "a valid DNS subdomain, which must consist of lower case "
                               "alphanumeric characters, '-' or '.' and end with an alphanumeric "
                               "character (e.g. '*.example.com', regex used for validation is "
                               "'\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*"
                               "[a-z0-9])?)*')");
        return;
    }
    gt_kmeta_check_dns1123_subdomain(e, path, host);
}

static void ingress_validate(const json_t *ing, const json_t *old, struct gt_kfe_list *e)
{
    const json_t *spec = gt_kv_obj(e, "", ing, "spec", true);
    if (!spec)
        return;
    const json_t *def = gt_kv_obj(e, "spec", spec, "defaultBackend", false);
    const json_t *rules = gt_kv_arr(e, "spec", spec, "rules", false);
    if (!def && json_array_size(rules) == 0)
        gt_kfe_invalid(e, "spec", spec, "either `defaultBackend` or `rules` must be specified");
    if (def)
        check_backend(e, "spec.defaultBackend", def);
    const char *cls = gt_kv_str(e, "spec", spec, "ingressClassName", false);
    if (cls && cls[0])
        gt_kmeta_check_dns1123_subdomain(e, "spec.ingressClassName", cls);
    size_t i;
    json_t *r;
    json_array_foreach(rules, i, r) {
        char *rp = gt_kp_index("spec.rules", i);
        const char *host = gt_kv_str(e, rp, r, "host", false);
        if (host && host[0]) {
            char *hp = gt_kp_join(rp, "host");
            check_host(e, hp, host);
            free(hp);
        }
        const json_t *http = gt_kv_obj(e, rp, r, "http", false);
        if (http) {
            char *hp = gt_kp_join(rp, "http");
            const json_t *paths = gt_kv_arr(e, hp, http, "paths", true);
            char *pp = gt_kp_join(hp, "paths");
            size_t k;
            json_t *p;
            json_array_foreach(paths, k, p) {
                char *ip = gt_kp_index(pp, k);
                static const char *const types[] = { "Exact", "Prefix", "ImplementationSpecific",
                                                     NULL };
                const char *type = gt_kv_enum(e, ip, p, "pathType", types, true);
                const char *path = gt_kv_str(e, ip, p, "path", false);
                if (type && strcmp(type, "ImplementationSpecific") != 0 &&
                    (!path || path[0] != '/')) {
                    char *pathp = gt_kp_join(ip, "path");
                    gt_kfe_invalid_str(e, pathp, path ? path : "", "must be an absolute path");
                    free(pathp);
                }
                char *bp = gt_kp_join(ip, "backend");
                const json_t *b = gt_kv_obj(e, ip, p, "backend", true);
                if (b)
                    check_backend(e, bp, b);
                free(bp);
                free(ip);
            }
            free(pp);
            free(hp);
        }
        free(rp);
    }
    const json_t *tls = gt_kv_arr(e, "spec", spec, "tls", false);
    json_t *t;
    json_array_foreach(tls, i, t) {
        char *tp = gt_kp_index("spec.tls", i);
        const json_t *hosts = gt_kv_arr(e, tp, t, "hosts", false);
        size_t k;
        json_t *h;
        json_array_foreach(hosts, k, h) {
            char *hp0 = gt_kp_join(tp, "hosts");
            char *hp = gt_kp_index(hp0, k);
            if (json_is_string(h))
                check_host(e, hp, json_string_value(h));
            else
                gt_kfe_invalid(e, hp, h, "must be a string");
            free(hp);
            free(hp0);
        }
        free(tp);
    }
    (void)old;
}

static const struct gt_kcolumn ingress_columns[] = {
    GT_KCOL_NAME,
    { "Class", "string", "", "The name of the IngressClass resource that should be used for "
                             "additional configuration", 0 },
    { "Hosts", "string", "", "Hosts that incoming requests are matched against before the "
                             "ingress rule", 0 },
    { "Address", "string", "", "Address is a list containing ingress points for the "
                               "load-balancer", 0 },
    { "Ports", "string", "", "Ports of TLS configurations that open", 0 },
    GT_KCOL_AGE,
    { 0 },
};

static void ingress_cells(const json_t *ing, int64_t now, json_t *cells)
{
    gt_kc_name(cells, ing);
    gt_kc_str(cells, gt_kobj_str(ing, "spec.ingressClassName", "<none>"));
    json_t *rules = gt_kobj_arr(ing, "spec.rules");
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    int listed = 0;
    const int max = 3;
    size_t i;
    json_t *r;
    json_array_foreach(rules, i, r) {
        if (listed == max)
            break;
        const char *h = gt_kobj_str(r, "host", "");
        if (h[0] && f) {
            fprintf(f, "%s%s", listed ? "," : "", h);
            listed++;
        }
    }
    if (f)
        fclose(f);
    if (!listed)
        gt_kc_str(cells, "*");
    else if (json_array_size(rules) > (size_t)max && listed == max)
        gt_kc_fmt(cells, "%s + %zu more...", out, json_array_size(rules) - max);
    else
        gt_kc_str(cells, out);
    free(out);
    /* Address: the load balancer's IPs or hostnames, sorted and unique */
    char **addrs = NULL;
    json_t *lb = gt_kobj_arr(ing, "status.loadBalancer.ingress");
    json_array_foreach(lb, i, r) {
        const char *ip = gt_kobj_str(r, "ip", "");
        const char *host = gt_kobj_str(r, "hostname", "");
        if (ip[0] || host[0])
            gt_strv_push(&addrs, ip[0] ? ip : host);
    }
    size_t n = gt_strv_len(addrs);
    if (n > 1)
        qsort(addrs, n, sizeof *addrs, gt_kstrcmp);
    out = NULL;
    f = open_memstream(&out, &len);
    for (size_t k = 0; f && k < n; k++)
        if (k == 0 || strcmp(addrs[k], addrs[k - 1]) != 0)
            fprintf(f, "%s%s", ftell(f) ? "," : "", addrs[k]);
    if (f)
        fclose(f);
    gt_kc_str(cells, out ? out : "");
    free(out);
    gt_strv_free(addrs);
    gt_kc_str(cells, gt_kobj_len(ing, "spec.tls") ? "80, 443" : "80");
    gt_kc_age(cells, ing, now);
}

static const char *const ingress_short[] = { "ing", NULL };

const struct gt_kind gt_kind_ingress = {
    .group = "networking.k8s.io", .version = "v1", .kind = "Ingress", .resource = "ingresses",
    .singular = "ingress", .namespaced = true, .short_names = ingress_short,
    .verbs = GT_KVERBS_ALL, .subresources = gt_ksubs_status, .name_rule = GT_KNAME_SUBDOMAIN,
    .flags = GT_KIND_STATUS, .schema = &gt_ktype_plain, .validate = ingress_validate,
    .columns = ingress_columns, .cells = ingress_cells,
    .shape = &gt_kshape_ingress,
};
