/* discovery.k8s.io/v1: endpointslices. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "kube/kinds_internal.h"

/* ---- endpointslices ---- */

static void endpointslice_defaults(json_t *es)
{
    gt_kd_each_str(es, "ports", "protocol", "TCP");
}

static void endpointslice_validate(const json_t *es, const json_t *old, struct gt_kfe_list *e)
{
    static const char *const types[] = { "IPv4", "IPv6", "FQDN", NULL };
    const char *type = gt_kv_enum(e, "", es, "addressType", types, true);
    const json_t *eps = gt_kv_arr(e, "", es, "endpoints", false);
    size_t i;
    json_t *ep;
    json_array_foreach(eps, i, ep) {
        char *p = gt_kp_index("endpoints", i);
        const json_t *addrs = gt_kv_arr(e, p, ep, "addresses", true);
        if (json_array_size(addrs) > 100) {
            char *ap = gt_kp_join(p, "addresses");
            gt_kfe_add(e, GT_KFE_TOO_MANY, ap, NULL, "must have at most 100 items");
            free(ap);
        }
        size_t k;
        json_t *a;
        json_array_foreach(addrs, k, a) {
            char *ap0 = gt_kp_join(p, "addresses");
            char *ap = gt_kp_index(ap0, k);
            const char *s = json_string_value(a);
            bool ok = s != NULL;
            if (ok && type && strcmp(type, "FQDN") == 0)
                ok = gt_kmeta_is_dns1123_subdomain(s);
            else if (ok && type)
                ok = gt_kv_is_ip(s) && (strchr(s, ':') != NULL) == (strcmp(type, "IPv6") == 0);
            if (!ok)
                gt_kfe_invalid(e, ap, a, type && strcmp(type, "FQDN") == 0
                                             ? "must be a valid DNS subdomain"
                                             : "must be a valid IP address of the addressType");
            free(ap);
            free(ap0);
        }
        const json_t *cond = gt_kv_obj(e, p, ep, "conditions", false);
        char *cp = gt_kp_join(p, "conditions");
        gt_kv_bool(e, cp, cond, "ready");
        gt_kv_bool(e, cp, cond, "serving");
        gt_kv_bool(e, cp, cond, "terminating");
        free(cp);
        free(p);
    }
    const json_t *ports = gt_kv_arr(e, "", es, "ports", false);
    json_t *port;
    json_array_foreach(ports, i, port) {
        char *p = gt_kp_index("ports", i);
        const char *name = gt_kv_str(e, p, port, "name", false);
        if (name && name[0]) {
            char *np = gt_kp_join(p, "name");
            gt_kmeta_check_dns1123_label(e, np, name);
            free(np);
        }
        gt_kv_int(e, p, port, "port", 0, 65535, false, 0);
        static const char *const protocols[] = { "TCP", "UDP", "SCTP", NULL };
        gt_kv_enum(e, p, port, "protocol", protocols, false);
        free(p);
    }
    if (old)
        gt_kv_immutable(e, "addressType", gt_kobj_get(es, "addressType"),
                        gt_kobj_get(old, "addressType"));
}

static const struct gt_kcolumn endpointslice_columns[] = {
    GT_KCOL_NAME,
    { "AddressType", "string", "", "The type of address carried by this EndpointSlice.", 0 },
    { "Ports", "string", "", "The network ports exposed by each endpoint.", 0 },
    { "Endpoints", "string", "", "The unique endpoints in this slice.", 0 },
    GT_KCOL_AGE,
    { 0 },
};

static void list_with_more(json_t *cells, char **items, int count)
{
    const int max = 3;
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    for (int i = 0; f && items && items[i] && i < max; i++)
        fprintf(f, "%s%s", i ? "," : "", items[i]);
    if (f)
        fclose(f);
    if (count > max)
        gt_kc_fmt(cells, "%s + %d more...", out ? out : "", count - max);
    else if (!out || !out[0])
        gt_kc_str(cells, "<unset>");
    else
        gt_kc_str(cells, out);
    free(out);
}

static void endpointslice_cells(const json_t *es, int64_t now, json_t *cells)
{
    gt_kc_name(cells, es);
    gt_kc_str(cells, gt_kobj_str(es, "addressType", ""));
    char **items = NULL;
    int count = 0;
    size_t i;
    json_t *p;
    json_array_foreach(gt_kobj_arr(es, "ports"), i, p) {
        char buf[32];
        json_t *port = json_object_get(p, "port");
        if (json_is_integer(port))
            snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(port));
        else if (gt_kobj_str(p, "name", NULL))
            snprintf(buf, sizeof buf, "%s", gt_kobj_str(p, "name", ""));
        else
            snprintf(buf, sizeof buf, "*");
        gt_strv_push(&items, buf);
        count++;
    }
    list_with_more(cells, items, count);
    gt_strv_free(items);
    items = NULL;
    count = 0;
    json_t *ep;
    json_array_foreach(gt_kobj_arr(es, "endpoints"), i, ep) {
        size_t k;
        json_t *a;
        json_array_foreach(gt_kobj_arr(ep, "addresses"), k, a) {
            if (json_is_string(a))
                gt_strv_push(&items, json_string_value(a));
            count++;
        }
    }
    list_with_more(cells, items, count);
    gt_strv_free(items);
    gt_kc_age(cells, es, now);
}


const struct gt_kind gt_kind_endpointslice = {
    .group = "discovery.k8s.io", .version = "v1", .kind = "EndpointSlice",
    .resource = "endpointslices", .singular = "endpointslice", .namespaced = true,
    .verbs = GT_KVERBS_ALL, .name_rule = GT_KNAME_SUBDOMAIN, .schema = &gt_ktype_plain,
    .defaults = endpointslice_defaults, .validate = endpointslice_validate,
    .columns = endpointslice_columns, .cells = endpointslice_cells,
    .shape = &gt_kshape_endpointslice,
};
