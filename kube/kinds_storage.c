/* storage.k8s.io/v1: storageclasses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "kube/kinds_internal.h"

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
    .name_rule = GT_KNAME_SUBDOMAIN, .schema = &gt_ktype_plain, .defaults = storageclass_defaults,
    .validate = storageclass_validate, .columns = storageclass_columns,
    .cells = storageclass_cells,
    .shape = &gt_kshape_storageclass,
};
