/* core/v1: services and endpoints. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "kube/kinds_internal.h"

static const char *const protocols[] = { "TCP", "UDP", "SCTP", NULL };

/* ---- services ---- */

static void service_defaults(json_t *svc)
{
    json_t *spec = gt_kobj_ensure(svc, "spec");
    if (!spec)
        return;
    gt_kd_str(spec, "type", "ClusterIP");
    gt_kd_str(spec, "sessionAffinity", "None");
    const char *type = gt_kobj_str(spec, "type", "");
    json_t *ports = gt_kobj_arr(spec, "ports");
    size_t i;
    json_t *p;
    json_array_foreach(ports, i, p) {
        if (!json_is_object(p))
            continue;
        gt_kd_str(p, "protocol", "TCP");
        json_t *port = json_object_get(p, "port");
        json_t *tp = json_object_get(p, "targetPort");
        if (json_is_integer(port) &&
            (!tp || json_is_null(tp) || (json_is_integer(tp) && json_integer_value(tp) == 0) ||
             (json_is_string(tp) && !json_string_length(tp))))
            json_object_set(p, "targetPort", port);
    }
    if (strcmp(type, "ExternalName") != 0) {
        gt_kd_str(spec, "internalTrafficPolicy", "Cluster");
        gt_kd_str(spec, "ipFamilyPolicy", "SingleStack");
        if (!gt_kobj_has(spec, "ipFamilies"))
            gt_kobj_set_new(spec, "ipFamilies", json_pack("[s]", "IPv4"));
        const char *cip = gt_kobj_str(spec, "clusterIP", "");
        if (cip[0] && !gt_kobj_has(spec, "clusterIPs"))
            gt_kobj_set_new(spec, "clusterIPs", json_pack("[s]", cip));
    }
    if (strcmp(type, "NodePort") == 0 || strcmp(type, "LoadBalancer") == 0)
        gt_kd_str(spec, "externalTrafficPolicy", "Cluster");
    if (strcmp(type, "LoadBalancer") == 0)
        gt_kd_bool(spec, "allocateLoadBalancerNodePorts", true);
    if (strcmp(gt_kobj_str(spec, "sessionAffinity", ""), "ClientIP") == 0)
        gt_kd_int(spec, "sessionAffinityConfig.clientIP.timeoutSeconds", 10800);
    else if (strcmp(gt_kobj_str(spec, "sessionAffinity", ""), "None") == 0)
        json_object_del(spec, "sessionAffinityConfig");
    if (!gt_kobj_has(svc, "status"))
        gt_kobj_set_new(svc, "status", json_pack("{s:{}}", "loadBalancer"));
}

static void service_validate(const json_t *svc, const json_t *old, struct gt_kfe_list *e)
{
    const json_t *spec = gt_kv_obj(e, "", svc, "spec", true);
    if (!spec)
        return;
    static const char *const types[] = { "ClusterIP", "NodePort", "LoadBalancer", "ExternalName",
                                         NULL };
    const char *type = gt_kv_enum(e, "spec", spec, "type", types, false);
    type = type ? type : "ClusterIP";
    bool external = strcmp(type, "ExternalName") == 0;
    const char *cip = gt_kv_str(e, "spec", spec, "clusterIP", false);
    bool headless = cip && strcmp(cip, "None") == 0;
    if (cip && cip[0] && !headless && !gt_kv_is_ip(cip))
        gt_kfe_invalid_str(e, "spec.clusterIPs[0]", cip,
                           "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)");
    if (external) {
        const char *en = gt_kv_str(e, "spec", spec, "externalName", true);
        if (en && en[0]) {
            /* a trailing dot is allowed: an absolute name */
            char *copy = gt_xstrdup(en);
            size_t n = strlen(copy);
            if (n > 1 && copy[n - 1] == '.')
                copy[n - 1] = 0;
            if (!gt_kmeta_is_dns1123_subdomain(copy))
                gt_kmeta_check_dns1123_subdomain(e, "spec.externalName", en);
            free(copy);
        }
        if (cip && cip[0])
            gt_kfe_forbidden(e, "spec.clusterIPs", "may not be set for ExternalName services");
    }
    const json_t *ports = gt_kv_arr(e, "spec", spec, "ports", false);
    if (json_array_size(ports) == 0 && !headless && !external)
        gt_kfe_required(e, "spec.ports", "");
    json_t *names = json_object(), *keys = json_object();
    size_t i;
    json_t *p;
    json_array_foreach(ports, i, p) {
        char *pp = gt_kp_index("spec.ports", i);
        const char *name = gt_kv_str(e, pp, p, "name", json_array_size(ports) > 1);
        if (name && name[0]) {
            char *np = gt_kp_join(pp, "name");
            gt_kmeta_check_dns1123_label(e, np, name);
            if (json_object_get(names, name))
                gt_kfe_duplicate(e, np, json_object_get(p, "name"));
            json_object_set_new(names, name, json_true());
            free(np);
        }
        int64_t port = gt_kv_int(e, pp, p, "port", 1, 65535, true, 0);
        const char *proto = gt_kv_enum(e, pp, p, "protocol", protocols, false);
        char key[48];
        snprintf(key, sizeof key, "%lld/%s", (long long)port, proto ? proto : "TCP");
        if (port && json_object_get(keys, key))
            gt_kfe_duplicate(e, pp, p);
        json_object_set_new(keys, key, json_true());
        char *tp = gt_kp_join(pp, "targetPort");
        json_t *target = json_object_get(p, "targetPort");
        if (!(json_is_integer(target) && json_integer_value(target) == 0))
            gt_kv_int_or_port_name(e, tp, target, false);
        free(tp);
        int64_t node_port = gt_kv_int(e, pp, p, "nodePort", 0, 65535, false, 0);
        if (node_port) {
            char *np = gt_kp_join(pp, "nodePort");
            if (strcmp(type, "ClusterIP") == 0 || external) {
                char *msg = gt_xasprintf("may not be used when `type` is '%s'", type);
                gt_kfe_forbidden(e, np, msg);
                free(msg);
            } else if (node_port < 30000 || node_port > 32767) {
                gt_kfe_invalid_int(e, np, node_port,
                                   "provided port is not in the valid range. The range of valid "
                                   "ports is 30000-32767");
            }
            free(np);
        }
        free(pp);
    }
    json_decref(names);
    json_decref(keys);
    static const char *const affinity[] = { "None", "ClientIP", NULL };
    const char *aff = gt_kv_enum(e, "spec", spec, "sessionAffinity", affinity, false);
    if (aff && strcmp(aff, "ClientIP") == 0) {
        const json_t *cfg = gt_kobj_obj(spec, "sessionAffinityConfig.clientIP");
        gt_kv_int(e, "spec.sessionAffinityConfig.clientIP", cfg, "timeoutSeconds", 1, 86400,
                  false, 0);
    }
    static const char *const policies[] = { "Cluster", "Local", NULL };
    gt_kv_enum(e, "spec", spec, "externalTrafficPolicy", policies, false);
    gt_kv_enum(e, "spec", spec, "internalTrafficPolicy", policies, false);
    const json_t *sel = gt_kv_obj(e, "spec", spec, "selector", false);
    if (sel)
        gt_kmeta_check_labels(e, "spec.selector", sel);
    if (old) {
        const char *ocip = gt_kobj_str(old, "spec.clusterIP", "");
        const char *otype = gt_kobj_str(old, "spec.type", "ClusterIP");
        if (ocip[0] && strcmp(otype, "ExternalName") != 0 && !external &&
            strcmp(ocip, cip ? cip : "") != 0)
            gt_kfe_invalid_str(e, "spec.clusterIPs[0]", cip ? cip : "",
                               "may not change once set");
    }
}

static const struct gt_kcolumn service_columns[] = {
    GT_KCOL_NAME,
    { "Type", "string", "", "How the Service is exposed.", 0 },
    { "Cluster-IP", "string", "", "The IP address of the service.", 0 },
    { "External-IP", "string", "", "IP addresses for which nodes also accept traffic.", 0 },
    { "Port(s)", "string", "", "The ports exposed by this service.", 0 },
    GT_KCOL_AGE,
    { "Selector", "string", "", "Route service traffic to pods with these labels.", 1 },
    { 0 },
};

static void join_ingress(FILE *f, const json_t *ingress, bool *first)
{
    size_t i;
    json_t *x;
    json_array_foreach(ingress, i, x) {
        const char *ip = gt_kobj_str(x, "ip", "");
        const char *host = gt_kobj_str(x, "hostname", "");
        const char *v = ip[0] ? ip : host;
        if (!v[0])
            continue;
        fprintf(f, "%s%s", *first ? "" : ",", v);
        *first = false;
    }
}

static void service_cells(const json_t *svc, int64_t now, json_t *cells)
{
    const json_t *spec = gt_kobj_obj(svc, "spec");
    const char *type = gt_kobj_str(spec, "type", "");
    gt_kc_name(cells, svc);
    gt_kc_str(cells, type);
    const char *ip = NULL;
    json_t *ips = gt_kobj_arr(spec, "clusterIPs");
    if (json_array_size(ips) && json_is_string(json_array_get(ips, 0)))
        ip = json_string_value(json_array_get(ips, 0));
    else if (gt_kobj_str(spec, "clusterIP", "")[0])
        ip = gt_kobj_str(spec, "clusterIP", "");
    gt_kc_str(cells, ip ? ip : "<none>");
    /* External-IP */
    char *ext = NULL;
    size_t elen = 0;
    FILE *f = open_memstream(&ext, &elen);
    bool first = true;
    json_t *eips = gt_kobj_arr(spec, "externalIPs");
    if (f && strcmp(type, "LoadBalancer") == 0)
        join_ingress(f, gt_kobj_arr(svc, "status.loadBalancer.ingress"), &first);
    size_t i;
    json_t *x;
    if (f && strcmp(type, "ExternalName") != 0) {
        json_array_foreach(eips, i, x) {
            fprintf(f, "%s%s", first ? "" : ",", json_string_value(x) ? json_string_value(x) : "");
            first = false;
        }
    }
    if (f)
        fclose(f);
    if (strcmp(type, "ExternalName") == 0)
        gt_kc_str(cells, gt_kobj_str(spec, "externalName", ""));
    else if (ext && ext[0])
        gt_kc_str(cells, ext);
    else
        gt_kc_str(cells, strcmp(type, "LoadBalancer") == 0 ? "<pending>"
                         : strcmp(type, "ClusterIP") == 0 || strcmp(type, "NodePort") == 0
                             ? "<none>"
                             : "<unknown>");
    free(ext);
    /* Port(s) */
    char *ports = NULL;
    size_t plen = 0;
    f = open_memstream(&ports, &plen);
    json_array_foreach(gt_kobj_arr(spec, "ports"), i, x) {
        if (!f)
            break;
        int64_t np = gt_kobj_int(x, "nodePort", 0);
        if (np > 0)
            fprintf(f, "%s%lld:%lld/%s", i ? "," : "", (long long)gt_kobj_int(x, "port", 0),
                    (long long)np, gt_kobj_str(x, "protocol", ""));
        else
            fprintf(f, "%s%lld/%s", i ? "," : "", (long long)gt_kobj_int(x, "port", 0),
                    gt_kobj_str(x, "protocol", ""));
    }
    if (f)
        fclose(f);
    gt_kc_str(cells, ports && ports[0] ? ports : "<none>");
    free(ports);
    gt_kc_age(cells, svc, now);
    char *sel = gt_klabels_format(gt_kobj_obj(spec, "selector"));
    gt_kc_str(cells, sel);
    free(sel);
}

static const char *const service_short[] = { "svc", NULL };
static const struct gt_ksubresource service_subs[] = {
    { "proxy", NULL, NULL, "ServiceProxyOptions",
      GT_KVERB_CREATE | GT_KVERB_DELETE | GT_KVERB_GET | GT_KVERB_PATCH | GT_KVERB_UPDATE },
    GT_KSUB_STATUS,
    { 0 },
};
static const struct gt_kfsel_field service_fields[] = {
    { "spec.clusterIP", NULL }, { "spec.type", NULL }, { NULL, NULL }
};
static const struct gt_ktype service_ports = {
    .kind = GT_KT_LIST, .list = GT_KLIST_MAP, .smp_merge = true,
    .keys = { "port", "protocol" }, .key_defaults = { NULL, "TCP" },
};
static const struct gt_ktype service_spec =
    GT_KSTRUCT({ "ports", &service_ports }, { "selector", &gt_ktype_atomic_map });
static const struct gt_ktype service_status = GT_KSTRUCT({ "conditions", &gt_ktype_conditions });
static const struct gt_ktype service_schema =
    GT_KSTRUCT({ "metadata", &gt_ktype_object_meta }, { "spec", &service_spec },
               { "status", &service_status });

const struct gt_kind gt_kind_service = {
    .group = "", .version = "v1", .kind = "Service", .resource = "services",
    .singular = "service", .namespaced = true, .short_names = service_short,
    .categories = gt_kcat_all, .verbs = GT_KVERBS_ALL, .subresources = service_subs,
    .name_rule = GT_KNAME_DNS1035, .flags = GT_KIND_STATUS, .schema = &service_schema,
    .defaults = service_defaults, .validate = service_validate, .columns = service_columns,
    .cells = service_cells, .fields = service_fields,
    .shape = &gt_kshape_service,
};

/* ---- endpoints ---- */

static void endpoints_defaults(json_t *ep)
{
    json_t *subsets = gt_kobj_arr(ep, "subsets");
    size_t i;
    json_t *s;
    json_array_foreach(subsets, i, s)
        gt_kd_each_str(s, "ports", "protocol", "TCP");
}

static void endpoints_validate(const json_t *ep, const json_t *old, struct gt_kfe_list *e)
{
    const json_t *subsets = gt_kv_arr(e, "", ep, "subsets", false);
    size_t i;
    json_t *s;
    json_array_foreach(subsets, i, s) {
        char *sp = gt_kp_index("subsets", i);
        static const char *const lists[] = { "addresses", "notReadyAddresses" };
        for (size_t l = 0; l < 2; l++) {
            const json_t *a = gt_kv_arr(e, sp, s, lists[l], false);
            char *lp = gt_kp_join(sp, lists[l]);
            size_t k;
            json_t *addr;
            json_array_foreach(a, k, addr) {
                char *ap = gt_kp_index(lp, k);
                const char *ip = gt_kv_str(e, ap, addr, "ip", true);
                if (ip && ip[0] && !gt_kv_is_ip(ip)) {
                    char *ipp = gt_kp_join(ap, "ip");
                    gt_kfe_invalid_str(e, ipp, ip, "must be a valid IP address");
                    free(ipp);
                }
                free(ap);
            }
            free(lp);
        }
        const json_t *ports = gt_kv_arr(e, sp, s, "ports", false);
        char *pp = gt_kp_join(sp, "ports");
        size_t k;
        json_t *p;
        json_array_foreach(ports, k, p) {
            char *ip = gt_kp_index(pp, k);
            const char *name = gt_kv_str(e, ip, p, "name", json_array_size(ports) > 1);
            if (name && name[0]) {
                char *np = gt_kp_join(ip, "name");
                gt_kmeta_check_dns1123_label(e, np, name);
                free(np);
            }
            gt_kv_int(e, ip, p, "port", 1, 65535, true, 0);
            gt_kv_enum(e, ip, p, "protocol", protocols, false);
            free(ip);
        }
        free(pp);
        free(sp);
    }
    (void)old;
}

static const struct gt_kcolumn endpoints_columns[] = {
    GT_KCOL_NAME,
    { "Endpoints", "string", "", "The set of all endpoints is the union of all subsets.", 0 },
    GT_KCOL_AGE,
    { 0 },
};

static void endpoints_cells(const json_t *ep, int64_t now, json_t *cells)
{
    gt_kc_name(cells, ep);
    json_t *subsets = gt_kobj_arr(ep, "subsets");
    if (!json_array_size(subsets)) {
        gt_kc_str(cells, "<none>");
        gt_kc_age(cells, ep, now);
        return;
    }
    char *out = NULL;
    size_t olen = 0;
    FILE *f = open_memstream(&out, &olen);
    int shown = 0, count = 0;
    const int max = 3;
    size_t i;
    json_t *s;
    json_array_foreach(subsets, i, s) {
        json_t *addrs = gt_kobj_arr(s, "addresses");
        json_t *ports = gt_kobj_arr(s, "ports");
        size_t k;
        json_t *a;
        if (!json_array_size(ports)) {
            count += (int)json_array_size(addrs);
            json_array_foreach(addrs, k, a) {
                if (shown == max)
                    break;
                if (f)
                    fprintf(f, "%s%s", shown ? "," : "", gt_kobj_str(a, "ip", ""));
                shown++;
            }
            continue;
        }
        size_t pi;
        json_t *p;
        json_array_foreach(ports, pi, p) {
            count += (int)json_array_size(addrs);
            json_array_foreach(addrs, k, a) {
                if (shown == max)
                    break;
                const char *ip = gt_kobj_str(a, "ip", "");
                bool v6 = strchr(ip, ':') != NULL;
                if (f)
                    fprintf(f, "%s%s%s%s:%lld", shown ? "," : "", v6 ? "[" : "", ip, v6 ? "]" : "",
                            (long long)gt_kobj_int(p, "port", 0));
                shown++;
            }
        }
    }
    if (f)
        fclose(f);
    if (count > max)
        gt_kc_fmt(cells, "%s + %d more...", out ? out : "", count - max);
    else
        gt_kc_str(cells, out ? out : "");
    free(out);
    gt_kc_age(cells, ep, now);
}

static const char *const endpoints_short[] = { "ep", NULL };

const struct gt_kind gt_kind_endpoints = {
    .group = "", .version = "v1", .kind = "Endpoints", .resource = "endpoints",
    .singular = "endpoints", .namespaced = true, .short_names = endpoints_short,
    .verbs = GT_KVERBS_ALL, .name_rule = GT_KNAME_SUBDOMAIN, .schema = &gt_ktype_plain,
    .defaults = endpoints_defaults, .validate = endpoints_validate,
    .columns = endpoints_columns, .cells = endpoints_cells,
    .shape = &gt_kshape_endpoints,
};
