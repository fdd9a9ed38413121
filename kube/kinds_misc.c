/* The small groups: storage.k8s.io/v1 storageclasses,
 * coordination.k8s.io/v1 leases, discovery.k8s.io/v1 endpointslices,
 * authorization.k8s.io/v1 (self)subjectaccessreviews and
 * authentication.k8s.io/v1 tokenreviews. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "kube/kinds_internal.h"

static const struct gt_ktype plain_schema = GT_KSTRUCT({ "metadata", &gt_ktype_object_meta });

/* ---- storageclasses ---- */

static void storageclass_defaults(json_t *sc)
{
    gt_kd_str(sc, "reclaimPolicy", "Delete");
    gt_kd_str(sc, "volumeBindingMode", "Immediate");
}

static void storageclass_validate(const json_t *sc, const json_t *old, struct gt_kfe_list *e)
{
    const char *prov = gt_kv_str(e, "", sc, "provisioner", true);
    if (prov && prov[0])
        gt_kmeta_check_qualified_name(e, "provisioner", prov);
    static const char *const reclaim[] = { "Delete", "Retain", NULL };
    gt_kv_enum(e, "", sc, "reclaimPolicy", reclaim, false);
    static const char *const modes[] = { "Immediate", "WaitForFirstConsumer", NULL };
    gt_kv_enum(e, "", sc, "volumeBindingMode", modes, false);
    const json_t *params = gt_kv_obj(e, "", sc, "parameters", false);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)params, k, v) {
        if (!json_is_string(v)) {
            char *p = gt_kp_key("parameters", k);
            gt_kfe_invalid(e, p, v, "must be a string");
            free(p);
        }
    }
    gt_kv_bool(e, "", sc, "allowVolumeExpansion");
    if (!old)
        return;
    static const char *const frozen[] = { "parameters", "provisioner", "reclaimPolicy" };
    for (size_t i = 0; i < 3; i++) {
        json_t *a = gt_kobj_get(sc, frozen[i]), *b = gt_kobj_get(old, frozen[i]);
        bool ea = !a || (json_is_object(a) && !json_object_size(a));
        bool eb = !b || (json_is_object(b) && !json_object_size(b));
        if (ea != eb || (!ea && !json_equal(a, b))) {
            char *msg = gt_xasprintf("updates to %s are forbidden.", frozen[i]);
            gt_kfe_forbidden(e, frozen[i], msg);
            free(msg);
        }
    }
    gt_kv_immutable(e, "volumeBindingMode", gt_kobj_get(sc, "volumeBindingMode"),
                    gt_kobj_get(old, "volumeBindingMode"));
}

static const struct gt_kcolumn storageclass_columns[] = {
    GT_KCOL_NAME,
    { "Provisioner", "string", "", "Provisioner indicates the type of the provisioner.", 0 },
    { "ReclaimPolicy", "string", "", "What happens to volumes of this class when released.", 0 },
    { "VolumeBindingMode", "string", "", "When volumes are provisioned and bound.", 0 },
    { "AllowVolumeExpansion", "string", "", "Whether volumes of this class can be expanded.", 0 },
    GT_KCOL_AGE,
    { 0 },
};

static void storageclass_cells(const json_t *sc, int64_t now, json_t *cells)
{
    json_t *ann = gt_kobj_obj(sc, "metadata.annotations");
    const char *def = json_string_value(json_object_get(ann, "storageclass.kubernetes.io/"
                                                             "is-default-class"));
    const char *beta = json_string_value(json_object_get(ann, "storageclass.beta.kubernetes.io/"
                                                              "is-default-class"));
    if ((def && strcmp(def, "true") == 0) || (beta && strcmp(beta, "true") == 0))
        gt_kc_fmt(cells, "%s (default)", gt_kobj_name(sc));
    else
        gt_kc_name(cells, sc);
    gt_kc_str(cells, gt_kobj_str(sc, "provisioner", ""));
    gt_kc_str(cells, gt_kobj_str(sc, "reclaimPolicy", "Delete"));
    gt_kc_str(cells, gt_kobj_str(sc, "volumeBindingMode", "Immediate"));
    gt_kc_bool(cells, gt_kobj_bool(sc, "allowVolumeExpansion", false));
    gt_kc_age(cells, sc, now);
}

static const char *const storageclass_short[] = { "sc", NULL };

const struct gt_kind gt_kind_storageclass = {
    .group = "storage.k8s.io", .version = "v1", .kind = "StorageClass",
    .resource = "storageclasses", .singular = "storageclass", .namespaced = false,
    .short_names = storageclass_short, .verbs = GT_KVERBS_ALL,
    .name_rule = GT_KNAME_SUBDOMAIN, .schema = &plain_schema, .defaults = storageclass_defaults,
    .validate = storageclass_validate, .columns = storageclass_columns,
    .cells = storageclass_cells,
};

/* ---- leases ---- */

static void lease_validate(const json_t *l, const json_t *old, struct gt_kfe_list *e)
{
    const json_t *spec = gt_kv_obj(e, "", l, "spec", false);
    gt_kv_int(e, "spec", spec, "leaseDurationSeconds", 1, INT32_MAX, false, 0);
    gt_kv_int(e, "spec", spec, "leaseTransitions", 0, INT32_MAX, false, 0);
    gt_kv_str(e, "spec", spec, "holderIdentity", false);
    static const char *const times[] = { "acquireTime", "renewTime" };
    for (size_t i = 0; i < 2; i++) {
        const char *t = gt_kv_str(e, "spec", spec, times[i], false);
        struct timespec ts;
        if (t && gt_kmeta_time_parse(t, &ts, NULL) < 0) {
            char *p = gt_kp_join("spec", times[i]);
            gt_kfe_invalid_str(e, p, t, "must be an RFC 3339 time");
            free(p);
        }
    }
    (void)old;
}

static const struct gt_kcolumn lease_columns[] = {
    GT_KCOL_NAME,
    { "Holder", "string", "", "The identity of the holder of the lease.", 0 },
    GT_KCOL_AGE,
    { 0 },
};

static void lease_cells(const json_t *l, int64_t now, json_t *cells)
{
    gt_kc_name(cells, l);
    gt_kc_str(cells, gt_kobj_str(l, "spec.holderIdentity", ""));
    gt_kc_age(cells, l, now);
}

const struct gt_kind gt_kind_lease = {
    .group = "coordination.k8s.io", .version = "v1", .kind = "Lease", .resource = "leases",
    .singular = "lease", .namespaced = true, .verbs = GT_KVERBS_ALL,
    .name_rule = GT_KNAME_SUBDOMAIN, .schema = &plain_schema, .validate = lease_validate,
    .columns = lease_columns, .cells = lease_cells,
};

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

static const struct gt_ktype endpointslice_schema = GT_KSTRUCT({ "metadata", &gt_ktype_object_meta });

const struct gt_kind gt_kind_endpointslice = {
    .group = "discovery.k8s.io", .version = "v1", .kind = "EndpointSlice",
    .resource = "endpointslices", .singular = "endpointslice", .namespaced = true,
    .verbs = GT_KVERBS_ALL, .name_rule = GT_KNAME_SUBDOMAIN, .schema = &endpointslice_schema,
    .defaults = endpointslice_defaults, .validate = endpointslice_validate,
    .columns = endpointslice_columns, .cells = endpointslice_cells,
};

/* ---- access reviews and token reviews (create-only) ---- */

static void check_review_spec(struct gt_kfe_list *e, const json_t *obj)
{
    const json_t *spec = gt_kv_obj(e, "", obj, "spec", true);
    if (!spec)
        return;
    const json_t *ra = gt_kv_obj(e, "spec", spec, "resourceAttributes", false);
    const json_t *nra = gt_kv_obj(e, "spec", spec, "nonResourceAttributes", false);
    if (ra && nra)
        gt_kfe_invalid(e, "spec.nonResourceAttributes", nra,
                       "cannot be specified in combination with resourceAttributes");
    else if (!ra && !nra)
        gt_kfe_invalid(e, "spec.resourceAttributes", json_null(),
                       "exactly one of nonResourceAttributes or resourceAttributes must be "
                       "specified");
}

static void ssar_validate(const json_t *r, const json_t *old, struct gt_kfe_list *e)
{
    check_review_spec(e, r);
    (void)old;
}

static void sar_validate(const json_t *r, const json_t *old, struct gt_kfe_list *e)
{
    check_review_spec(e, r);
    const json_t *spec = gt_kobj_obj(r, "spec");
    if (spec && !gt_kobj_str(spec, "user", "")[0] && gt_kobj_len(spec, "groups") == 0)
        gt_kfe_invalid_str(e, "spec.user", "", "at least one of user or group must be specified");
    (void)old;
}

static void tokenreview_validate(const json_t *r, const json_t *old, struct gt_kfe_list *e)
{
    const json_t *spec = gt_kv_obj(e, "", r, "spec", false);
    gt_kv_str(e, "spec", spec, "token", false);
    gt_kv_arr(e, "spec", spec, "audiences", false);
    (void)old;
}

const struct gt_kind gt_kind_ssar = {
    .group = "authorization.k8s.io", .version = "v1", .kind = "SelfSubjectAccessReview",
    .resource = "selfsubjectaccessreviews", .singular = "selfsubjectaccessreview",
    .namespaced = false, .verbs = GT_KVERB_CREATE, .name_rule = GT_KNAME_SUBDOMAIN,
    .flags = GT_KIND_CREATE_ONLY, .validate = ssar_validate,
};

const struct gt_kind gt_kind_sar = {
    .group = "authorization.k8s.io", .version = "v1", .kind = "SubjectAccessReview",
    .resource = "subjectaccessreviews", .singular = "subjectaccessreview", .namespaced = false,
    .verbs = GT_KVERB_CREATE, .name_rule = GT_KNAME_SUBDOMAIN, .flags = GT_KIND_CREATE_ONLY,
    .validate = sar_validate,
};

const struct gt_kind gt_kind_tokenreview = {
    .group = "authentication.k8s.io", .version = "v1", .kind = "TokenReview",
    .resource = "tokenreviews", .singular = "tokenreview", .namespaced = false,
    .verbs = GT_KVERB_CREATE, .name_rule = GT_KNAME_SUBDOMAIN, .flags = GT_KIND_CREATE_ONLY,
    .validate = tokenreview_validate,
};
