/* coordination.k8s.io/v1: leases. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "kube/kinds_internal.h"

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
    .name_rule = GT_KNAME_SUBDOMAIN, .schema = &gt_ktype_plain, .validate = lease_validate,
    .columns = lease_columns, .cells = lease_cells,
    .shape = &gt_kshape_lease,
};
