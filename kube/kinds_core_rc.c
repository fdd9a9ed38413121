/* core/v1: replicationcontrollers, the workload kind before ReplicaSets
 * (kubectl apply --prune lists them among the kinds it prunes).  Their
 * selector is a plain map of labels. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "kube/kinds_internal.h"

static const char *const restart_always[] = { "Always", NULL };

/* the selector and the labels default to the template's */
static void rc_defaults(json_t *rc)
{
    json_t *spec = gt_kobj_ensure(rc, "spec");
    if (!spec)
        return;
    gt_kd_int(spec, "replicas", 1);
    json_t *tmpl = gt_kobj_obj(spec, "template");
    json_t *labels = gt_kobj_obj(tmpl, "metadata.labels");
    if (labels) {
        if (gt_kobj_len(spec, "selector") == 0)
            json_object_set_new(spec, "selector", json_deep_copy(labels));
        if (gt_kobj_len(rc, "metadata.labels") == 0)
            gt_kobj_set_new(rc, "metadata.labels", json_deep_copy(labels));
    }
    if (tmpl)
        gt_kpod_default_template(tmpl);
}

static void rc_validate(const json_t *rc, const json_t *old, struct gt_kfe_list *e)
{
    const json_t *spec = gt_kv_obj(e, "", rc, "spec", true);
    if (!spec)
        return;
    gt_kv_int(e, "spec", spec, "replicas", 0, INT32_MAX, false, 0);
    gt_kv_int(e, "spec", spec, "minReadySeconds", 0, INT32_MAX, false, 0);
    const json_t *sel = gt_kv_obj(e, "spec", spec, "selector", false);
    if (json_object_size(sel) == 0) {
        gt_kfe_required(e, "spec.selector", "");
    } else {
        gt_kmeta_check_labels(e, "spec.selector", sel);
        const json_t *labels = gt_kobj_get(spec, "template.metadata.labels");
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)sel, k, v) {
            json_t *have = json_object_get(labels, k);
            if (!have || !json_equal(have, v)) {
                gt_kfe_invalid(e, "spec.template.metadata.labels", labels ? labels : json_null(),
                               "`selector` does not match template `labels`");
                break;
            }
        }
    }
    gt_kpod_validate_template(e, "spec.template", gt_kobj_get(spec, "template"), restart_always);
    (void)old;
}

static const struct gt_kcolumn rc_columns[] = {
    GT_KCOL_NAME,
    { "Desired", "integer", "", "Number of desired pods.", 0 },
    { "Current", "integer", "", "The most recently observed number of replicas.", 0 },
    { "Ready", "integer", "", "The number of ready replicas.", 0 },
    GT_KCOL_AGE,
    GT_KCOL_CONTAINERS,
    GT_KCOL_IMAGES,
    GT_KCOL_SELECTOR,
    { 0 },
};

static void rc_cells(const json_t *rc, int64_t now, json_t *cells)
{
    gt_kc_name(cells, rc);
    gt_kc_int(cells, gt_kobj_int(rc, "spec.replicas", 0));
    gt_kc_int(cells, gt_kobj_int(rc, "status.replicas", 0));
    gt_kc_int(cells, gt_kobj_int(rc, "status.readyReplicas", 0));
    gt_kc_age(cells, rc, now);
    gt_kpod_container_cells(cells, gt_kobj_obj(rc, "spec.template.spec"));
    /* a map: "app=web,tier=front" */
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    const char *k;
    json_t *v;
    int n = 0;
    json_object_foreach(gt_kobj_obj(rc, "spec.selector"), k, v)
        if (f && json_is_string(v))
            fprintf(f, "%s%s=%s", n++ ? "," : "", k, json_string_value(v));
    if (f)
        fclose(f);
    gt_kc_str(cells, out && out[0] ? out : "<none>");
    free(out);
}

static const char *const rc_short[] = { "rc", NULL };
static const struct gt_ksubresource rc_subs[] = {
    GT_KSUB_SCALE,
    GT_KSUB_STATUS,
    { 0 },
};
static const struct gt_ktype rc_spec = GT_KSTRUCT({ "selector", &gt_ktype_atomic_map },
                                                  { "template", &gt_ktype_pod_template });
static const struct gt_ktype rc_status = GT_KSTRUCT({ "conditions", &gt_ktype_conditions });
static const struct gt_ktype rc_schema =
    GT_KSTRUCT({ "metadata", &gt_ktype_object_meta }, { "spec", &rc_spec },
               { "status", &rc_status });

const struct gt_kind gt_kind_replicationcontroller = {
    .group = "", .version = "v1", .kind = "ReplicationController",
    .resource = "replicationcontrollers", .singular = "replicationcontroller",
    .namespaced = true, .short_names = rc_short, .categories = gt_kcat_all,
    .verbs = GT_KVERBS_ALL, .subresources = rc_subs, .name_rule = GT_KNAME_SUBDOMAIN,
    .flags = GT_KIND_STATUS | GT_KIND_SCALE, .schema = &rc_schema, .defaults = rc_defaults,
    .validate = rc_validate, .columns = rc_columns, .cells = rc_cells,
    .shape = &gt_kshape_replicationcontroller,
};
