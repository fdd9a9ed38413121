/* core/v1: persistentvolumes, persistentvolumeclaims, resourcequotas,
 * limitranges. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "kube/kinds_internal.h"
#include "kube/quantity.h"

static const char *const access_modes[] = { "ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany",
                                            "ReadWriteOncePod", NULL };
static const char *const volume_modes[] = { "Block", "Filesystem", NULL };

static void check_access_modes(struct gt_kfe_list *e, const char *base, const json_t *spec)
{
    const json_t *am = gt_kv_arr(e, base, spec, "accessModes", true);
    char *p = gt_kp_join(base, "accessModes");
    size_t i;
    json_t *m;
    json_array_foreach(am, i, m) {
        bool ok = false;
        for (size_t k = 0; json_is_string(m) && access_modes[k]; k++)
            if (strcmp(json_string_value(m), access_modes[k]) == 0)
                ok = true;
        if (!ok)
            gt_kfe_not_supported(e, p, m, access_modes);
        else if (strcmp(json_string_value(m), "ReadWriteOncePod") == 0 && json_array_size(am) > 1)
            gt_kfe_forbidden(e, p, "may not use ReadWriteOncePod with other access modes");
    }
    free(p);
}

static void cell_access_modes(json_t *cells, const json_t *modes)
{
    static const struct {
        const char *mode, *abbr;
    } abbr[] = { { "ReadWriteOnce", "RWO" }, { "ReadOnlyMany", "ROX" },
                 { "ReadWriteMany", "RWX" }, { "ReadWriteOncePod", "RWOP" } };
    char buf[64] = "";
    for (size_t a = 0; a < sizeof abbr / sizeof abbr[0]; a++) {
        size_t i;
        json_t *m;
        json_array_foreach(modes, i, m) {
            if (json_is_string(m) && strcmp(json_string_value(m), abbr[a].mode) == 0) {
                if (buf[0])
                    strncat(buf, ",", sizeof buf - strlen(buf) - 1);
                strncat(buf, abbr[a].abbr, sizeof buf - strlen(buf) - 1);
                break;
            }
        }
    }
    gt_kc_str(cells, buf);
}

static void cell_quantity(json_t *cells, const json_t *v)
{
    struct gt_kq q;
    char out[GT_KQ_STR_MAX];
    if (v && gt_kq_from_json(v, &q, NULL) == 0)
        gt_kc_str(cells, gt_kq_format(&q, out));
    else
        gt_kc_str(cells, "0");
}

/* ---- persistentvolumes ---- */

static const char *const pv_sources[] = {
    "gcePersistentDisk", "awsElasticBlockStore", "hostPath", "glusterfs", "nfs", "rbd", "iscsi",
    "cinder", "cephfs", "fc", "flocker", "flexVolume", "azureFile", "vsphereVolume", "quobyte",
    "azureDisk", "photonPersistentDisk", "portworxVolume", "scaleIO", "local", "storageos", "csi",
    NULL,
};

static void pv_defaults(json_t *pv)
{
    json_t *spec = gt_kobj_ensure(pv, "spec");
    gt_kd_str(spec, "persistentVolumeReclaimPolicy", "Retain");
    gt_kd_str(spec, "volumeMode", "Filesystem");
    gt_kd_str(pv, "status.phase", "Pending");
}

static void pv_validate(const json_t *pv, const json_t *old, struct gt_kfe_list *e)
{
    const json_t *spec = gt_kv_obj(e, "", pv, "spec", true);
    if (!spec)
        return;
    const json_t *cap = gt_kv_quantities(e, "spec", spec, "capacity");
    if (!cap || json_object_size(cap) == 0) {
        gt_kfe_required(e, "spec.capacity", "");
    } else if (!json_object_get(cap, "storage") || json_object_size(cap) > 1) {
        static const char *const only[] = { "storage", NULL };
        gt_kfe_not_supported(e, "spec.capacity", cap, only);
    }
    check_access_modes(e, "spec", spec);
    static const char *const reclaim[] = { "Recycle", "Delete", "Retain", NULL };
    gt_kv_enum(e, "spec", spec, "persistentVolumeReclaimPolicy", reclaim, false);
    gt_kv_enum(e, "spec", spec, "volumeMode", volume_modes, false);
    int n = 0;
    for (size_t i = 0; pv_sources[i]; i++) {
        if (!json_object_get(spec, pv_sources[i]))
            continue;
        if (n++) {
            char *p = gt_kp_join("spec", pv_sources[i]);
            gt_kfe_forbidden(e, p, "may not specify more than 1 volume type");
            free(p);
        }
    }
    if (!n)
        gt_kfe_required(e, "spec", "must specify a volume type");
    const json_t *hp = gt_kobj_obj(spec, "hostPath");
    if (hp)
        gt_kv_str(e, "spec.hostPath", hp, "path", true);
    const json_t *local = gt_kobj_obj(spec, "local");
    if (local)
        gt_kv_str(e, "spec.local", local, "path", true);
    (void)old;
}

static const struct gt_kcolumn pv_columns[] = {
    GT_KCOL_NAME,
    { "Capacity", "string", "", "The capacity of the persistent volume.", 0 },
    { "Access Modes", "string", "", "All ways the volume can be mounted.", 0 },
    { "Reclaim Policy", "string", "", "What happens to a persistent volume when released.", 0 },
    { "Status", "string", "", "Phase of the persistent volume.", 0 },
    { "Claim", "string", "", "The claim bound to this volume.", 0 },
    { "StorageClass", "string", "", "StorageClass of the pv", 0 },
    { "VolumeAttributesClass", "string", "", "VolumeAttributesClass of the pv", 0 },
    { "Reason", "string", "", "Why the volume is in its phase.", 0 },
    GT_KCOL_AGE,
    { "VolumeMode", "string", "", "How the volume is consumed.", 1 },
    { 0 },
};

static void pv_cells(const json_t *pv, int64_t now, json_t *cells)
{
    const json_t *spec = gt_kobj_obj(pv, "spec");
    gt_kc_name(cells, pv);
    cell_quantity(cells, json_object_get(gt_kobj_obj(spec, "capacity"), "storage"));
    cell_access_modes(cells, gt_kobj_arr(spec, "accessModes"));
    gt_kc_str(cells, gt_kobj_str(spec, "persistentVolumeReclaimPolicy", ""));
    gt_kc_str(cells, gt_kobj_has(pv, "metadata.deletionTimestamp")
                         ? "Terminating"
                         : gt_kobj_str(pv, "status.phase", ""));
    if (gt_kobj_obj(spec, "claimRef"))
        gt_kc_fmt(cells, "%s/%s", gt_kobj_str(spec, "claimRef.namespace", ""),
                  gt_kobj_str(spec, "claimRef.name", ""));
    else
        gt_kc_str(cells, "");
    gt_kc_str(cells, gt_kobj_str(spec, "storageClassName", ""));
    gt_kc_str(cells, gt_kobj_str(spec, "volumeAttributesClassName", "<unset>"));
    gt_kc_str(cells, gt_kobj_str(pv, "status.reason", ""));
    gt_kc_age(cells, pv, now);
    gt_kc_str(cells, gt_kobj_str(spec, "volumeMode", "<unset>"));
}

static const char *const pv_short[] = { "pv", NULL };

const struct gt_kind gt_kind_pv = {
    .group = "", .version = "v1", .kind = "PersistentVolume", .resource = "persistentvolumes",
    .singular = "persistentvolume", .namespaced = false, .short_names = pv_short,
    .verbs = GT_KVERBS_ALL, .subresources = gt_ksubs_status, .name_rule = GT_KNAME_SUBDOMAIN,
    .flags = GT_KIND_STATUS, .schema = &gt_ktype_plain, .defaults = pv_defaults,
    .validate = pv_validate, .columns = pv_columns, .cells = pv_cells,
    .shape = &gt_kshape_pv,
};

/* ---- persistentvolumeclaims ---- */

static void pvc_defaults(json_t *pvc)
{
    json_t *spec = gt_kobj_ensure(pvc, "spec");
    gt_kd_str(spec, "volumeMode", "Filesystem");
    gt_kd_str(pvc, "status.phase", "Pending");
}

static void pvc_validate(const json_t *pvc, const json_t *old, struct gt_kfe_list *e)
{
    const json_t *spec = gt_kv_obj(e, "", pvc, "spec", true);
    if (!spec)
        return;
    check_access_modes(e, "spec", spec);
    gt_kv_enum(e, "spec", spec, "volumeMode", volume_modes, false);
    const json_t *res = gt_kv_obj(e, "spec", spec, "resources", false);
    const json_t *req = gt_kv_quantities(e, "spec.resources", res, "requests");
    json_t *storage = req ? json_object_get(req, "storage") : NULL;
    struct gt_kq q;
    if (!storage)
        gt_kfe_required(e, "spec.resources[storage]", "");
    else if (gt_kq_from_json(storage, &q, NULL) == 0 && gt_kq_sign(&q) <= 0)
        gt_kfe_invalid(e, "spec.resources[storage]", storage, "must be greater than zero");
    gt_kv_quantities(e, "spec.resources", res, "limits");
    if (!old)
        return;
    json_t *a = json_deep_copy(spec), *b = json_deep_copy(gt_kobj_obj(old, "spec"));
    if (a && b) {
        json_object_del(gt_kobj_obj(a, "resources"), "requests");
        json_object_del(gt_kobj_obj(b, "resources"), "requests");
        json_object_del(a, "volumeAttributesClassName");
        json_object_del(b, "volumeAttributesClassName");
        if (!gt_kobj_str(b, "volumeName", "")[0]) { /* binding sets it */
            json_object_del(a, "volumeName");
            json_object_del(b, "volumeName");
        }
        if (!json_equal(a, b))
            gt_kfe_forbidden(e, "spec", "spec is immutable after creation except "
                                        "resources.requests and volumeAttributesClassName for "
                                        "bound claims");
    }
    json_decref(a);
    json_decref(b);
    json_t *os = gt_kobj_get(old, "spec.resources.requests.storage");
    struct gt_kq qo;
    if (storage && os && gt_kq_from_json(storage, &q, NULL) == 0 &&
        gt_kq_from_json(os, &qo, NULL) == 0 && gt_kq_cmp(&q, &qo) < 0)
        gt_kfe_forbidden(e, "spec.resources.requests.storage", "field can not be less than "
                                                               "previous value");
}

static const struct gt_kcolumn pvc_columns[] = {
    GT_KCOL_NAME,
    { "Status", "string", "", "Phase of the claim.", 0 },
    { "Volume", "string", "", "The volume bound to this claim.", 0 },
    { "Capacity", "string", "", "The capacity of the bound volume.", 0 },
    { "Access Modes", "string", "", "The access modes of the bound volume.", 0 },
    { "StorageClass", "string", "", "StorageClass of the pvc", 0 },
    { "VolumeAttributesClass", "string", "", "VolumeAttributesClass of the pvc", 0 },
    GT_KCOL_AGE,
    { "VolumeMode", "string", "", "How the volume is consumed.", 1 },
    { 0 },
};

static void pvc_cells(const json_t *pvc, int64_t now, json_t *cells)
{
    const json_t *spec = gt_kobj_obj(pvc, "spec");
    gt_kc_name(cells, pvc);
    gt_kc_str(cells, gt_kobj_has(pvc, "metadata.deletionTimestamp")
                         ? "Terminating"
                         : gt_kobj_str(pvc, "status.phase", ""));
    const char *vol = gt_kobj_str(spec, "volumeName", "");
    gt_kc_str(cells, vol);
    if (vol[0]) {
        cell_quantity(cells, gt_kobj_get(pvc, "status.capacity.storage"));
        cell_access_modes(cells, gt_kobj_arr(pvc, "status.accessModes"));
    } else {
        gt_kc_str(cells, "");
        gt_kc_str(cells, "");
    }
    gt_kc_str(cells, gt_kobj_str(spec, "storageClassName", ""));
    gt_kc_str(cells, gt_kobj_str(spec, "volumeAttributesClassName", "<unset>"));
    gt_kc_age(cells, pvc, now);
    gt_kc_str(cells, gt_kobj_str(spec, "volumeMode", "<unset>"));
}

static const char *const pvc_short[] = { "pvc", NULL };

const struct gt_kind gt_kind_pvc = {
    .group = "", .version = "v1", .kind = "PersistentVolumeClaim",
    .resource = "persistentvolumeclaims", .singular = "persistentvolumeclaim",
    .namespaced = true, .short_names = pvc_short, .verbs = GT_KVERBS_ALL,
    .subresources = gt_ksubs_status, .name_rule = GT_KNAME_SUBDOMAIN, .flags = GT_KIND_STATUS,
    .schema = &gt_ktype_plain, .defaults = pvc_defaults, .validate = pvc_validate,
    .columns = pvc_columns, .cells = pvc_cells,
    .shape = &gt_kshape_pvc,
};

/* ---- resourcequotas ---- */

static void quota_validate(const json_t *rq, const json_t *old, struct gt_kfe_list *e)
{
    const json_t *spec = gt_kv_obj(e, "", rq, "spec", false);
    const json_t *hard = gt_kv_quantities(e, "spec", spec, "hard");
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)hard, k, v) {
        char *p = gt_kp_key("spec.hard", k);
        gt_kmeta_check_qualified_name(e, p, k);
        free(p);
    }
    static const char *const scopes[] = { "Terminating", "NotTerminating", "BestEffort",
                                          "NotBestEffort", "PriorityClass",
                                          "CrossNamespacePodAffinity", NULL };
    const json_t *sa = gt_kv_arr(e, "spec", spec, "scopes", false);
    size_t i;
    json_t *s;
    json_array_foreach(sa, i, s) {
        bool ok = false;
        for (size_t k2 = 0; json_is_string(s) && scopes[k2]; k2++)
            if (strcmp(json_string_value(s), scopes[k2]) == 0)
                ok = true;
        if (!ok)
            gt_kfe_not_supported(e, "spec.scopes", s, scopes);
    }
    const json_t *me = gt_kobj_arr(spec, "scopeSelector.matchExpressions");
    json_array_foreach(me, i, s) {
        char *p = gt_kp_index("spec.scopeSelector.matchExpressions", i);
        static const char *const ops[] = { "In", "NotIn", "Exists", "DoesNotExist", NULL };
        gt_kv_enum(e, p, s, "scopeName", scopes, true);
        gt_kv_enum(e, p, s, "operator", ops, true);
        free(p);
    }
    (void)old;
}

static const struct gt_kcolumn quota_columns[] = {
    GT_KCOL_NAME,
    { "Request", "string", "", "Request represents a minimum amount of cpu/memory that a "
                               "container may consume.", 0 },
    { "Limit", "string", "", "Limits control the maximum amount of cpu/memory that a container "
                             "may use independent of contention on the node.", 0 },
    GT_KCOL_AGE,
    { 0 },
};

static void quota_cells(const json_t *rq, int64_t now, json_t *cells)
{
    gt_kc_name(cells, rq);
    const json_t *hard = gt_kobj_obj(rq, "status.hard");
    const json_t *used = gt_kobj_obj(rq, "status.used");
    char **names = NULL;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)hard, k, v)
        gt_strv_push(&names, k);
    size_t n = gt_strv_len(names);
    if (n > 1)
        qsort(names, n, sizeof *names, gt_kstrcmp);
    char *req = NULL, *lim = NULL;
    size_t rl = 0, ll = 0;
    FILE *fr = open_memstream(&req, &rl), *fl = open_memstream(&lim, &ll);
    for (size_t i = 0; i < n && fr && fl; i++) {
        FILE *f = strncmp(names[i], "limits.", 7) == 0 ? fl : fr;
        char hb[GT_KQ_STR_MAX], ub[GT_KQ_STR_MAX];
        struct gt_kq hq, uq;
        const char *hs = "0", *us = "0";
        if (gt_kq_from_json(json_object_get(hard, names[i]), &hq, NULL) == 0)
            hs = gt_kq_format(&hq, hb);
        json_t *u = used ? json_object_get(used, names[i]) : NULL;
        if (u && gt_kq_from_json(u, &uq, NULL) == 0)
            us = gt_kq_format(&uq, ub);
        fprintf(f, "%s%s: %s/%s", ftell(f) ? ", " : "", names[i], us, hs);
    }
    if (fr)
        fclose(fr);
    if (fl)
        fclose(fl);
    gt_kc_str(cells, req ? req : "");
    gt_kc_str(cells, lim ? lim : "");
    free(req);
    free(lim);
    gt_strv_free(names);
    gt_kc_age(cells, rq, now);
}

static const char *const quota_short[] = { "quota", NULL };

const struct gt_kind gt_kind_resourcequota = {
    .group = "", .version = "v1", .kind = "ResourceQuota", .resource = "resourcequotas",
    .singular = "resourcequota", .namespaced = true, .short_names = quota_short,
    .verbs = GT_KVERBS_ALL, .subresources = gt_ksubs_status, .name_rule = GT_KNAME_SUBDOMAIN,
    .flags = GT_KIND_STATUS, .schema = &gt_ktype_plain, .validate = quota_validate,
    .columns = quota_columns, .cells = quota_cells,
    .shape = &gt_kshape_resourcequota,
};

/* ---- limitranges ---- */

static void copy_missing(json_t *to, const json_t *from)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)from, k, v) {
        if (!json_object_get(to, k))
            json_object_set(to, k, v);
    }
}

static void limitrange_defaults(json_t *lr)
{
    json_t *limits = gt_kobj_arr(lr, "spec.limits");
    size_t i;
    json_t *it;
    json_array_foreach(limits, i, it) {
        if (strcmp(gt_kobj_str(it, "type", ""), "Container") != 0)
            continue;
        json_t *def = gt_kobj_ensure(it, "default");
        json_t *req = gt_kobj_ensure(it, "defaultRequest");
        copy_missing(def, gt_kobj_obj(it, "max"));
        copy_missing(req, def);
        copy_missing(req, gt_kobj_obj(it, "min"));
    }
}

/* Reports path[key] when a > b: "<an> value X is greater than <bn> value Y". */
static void check_order(struct gt_kfe_list *e, const char *path, const json_t *lo,
                        const char *lo_name, const json_t *hi, const char *hi_name, bool at_lo)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)lo, k, v) {
        json_t *h = json_object_get(hi, k);
        struct gt_kq a, b;
        if (!h || gt_kq_from_json(v, &a, NULL) < 0 || gt_kq_from_json(h, &b, NULL) < 0)
            continue;
        if (gt_kq_cmp(&a, &b) > 0) {
            char as[GT_KQ_STR_MAX], bs[GT_KQ_STR_MAX];
            char *p = gt_kp_key(path, k);
            char *msg = gt_xasprintf("%s value %s is greater than %s value %s", lo_name,
                                     gt_kq_format(&a, as), hi_name, gt_kq_format(&b, bs));
            gt_kfe_invalid(e, p, at_lo ? v : h, msg);
            free(msg);
            free(p);
        }
    }
}

static void limitrange_validate(const json_t *lr, const json_t *old, struct gt_kfe_list *e)
{
    const json_t *spec = gt_kv_obj(e, "", lr, "spec", true);
    const json_t *limits = gt_kv_arr(e, "spec", spec, "limits", true);
    size_t i;
    json_t *it;
    json_array_foreach(limits, i, it) {
        char *p = gt_kp_index("spec.limits", i);
        static const char *const types[] = { "Pod", "Container", "PersistentVolumeClaim", NULL };
        const char *type = gt_kv_enum(e, p, it, "type", types, true);
        const json_t *max = gt_kv_quantities(e, p, it, "max");
        const json_t *min = gt_kv_quantities(e, p, it, "min");
        const json_t *def = gt_kv_quantities(e, p, it, "default");
        const json_t *dreq = gt_kv_quantities(e, p, it, "defaultRequest");
        gt_kv_quantities(e, p, it, "maxLimitRequestRatio");
        if (type && strcmp(type, "Pod") == 0) {
            if (def && json_object_size(def)) {
                char *dp = gt_kp_join(p, "default");
                gt_kfe_forbidden(e, dp, "may not be specified when `type` is 'Pod'");
                free(dp);
            }
            if (dreq && json_object_size(dreq)) {
                char *dp = gt_kp_join(p, "defaultRequest");
                gt_kfe_forbidden(e, dp, "may not be specified when `type` is 'Pod'");
                free(dp);
            }
        }
        char *minp = gt_kp_join(p, "min"), *defp = gt_kp_join(p, "default"),
             *dreqp = gt_kp_join(p, "defaultRequest");
        check_order(e, minp, min, "min", max, "max", true);
        check_order(e, defp, def, "default", max, "max", true);
        check_order(e, defp, min, "min", def, "default", false);
        check_order(e, dreqp, dreq, "default request", def, "default limit", true);
        check_order(e, dreqp, min, "min", dreq, "default request", false);
        check_order(e, dreqp, dreq, "default request", max, "max", true);
        free(minp);
        free(defp);
        free(dreqp);
        free(p);
    }
    (void)old;
}

static const char *const limitrange_short[] = { "limits", NULL };

const struct gt_kind gt_kind_limitrange = {
    .group = "", .version = "v1", .kind = "LimitRange", .resource = "limitranges",
    .singular = "limitrange", .namespaced = true, .short_names = limitrange_short,
    .verbs = GT_KVERBS_ALL, .name_rule = GT_KNAME_SUBDOMAIN, .schema = &gt_ktype_plain,
    .defaults = limitrange_defaults, .validate = limitrange_validate,
    .shape = &gt_kshape_limitrange,
};
