/* apps/v1: deployments, replicasets, statefulsets, daemonsets,
 * controllerrevisions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "kube/kinds_internal.h"

static const char *const restart_always[] = { "Always", NULL };

/* The checks every workload shares: a non-empty selector that matches the
 * template's labels, the template (restartPolicy Always), replicas and
 * the history/readiness numbers, and an immutable selector. */
static void check_workload(struct gt_kfe_list *e, const json_t *obj, const json_t *old,
                           const char *kind_word, bool replicas)
{
    const json_t *spec = gt_kv_obj(e, "", obj, "spec", true);
    if (!spec)
        return;
    const json_t *sel = gt_kv_obj(e, "spec", spec, "selector", true);
    gt_kv_template_selector(e, "spec.selector", sel, "spec.template", gt_kobj_get(spec, "template"),
                            kind_word);
    const json_t *tmpl = gt_kobj_get(spec, "template");
    /* a StatefulSet's containers also mount the volumes of its claim
     * templates (one PVC per pod, named after the template) */
    json_t *with_claims = NULL;
    const json_t *claims = gt_kobj_arr(spec, "volumeClaimTemplates");
    if (json_array_size(claims) && json_is_object(gt_kobj_get(tmpl, "spec"))) {
        with_claims = json_deep_copy(tmpl);
        json_t *tspec = gt_kobj_obj(with_claims, "spec");
        json_t *vols = gt_kobj_arr(tspec, "volumes");
        if (!vols) {
            vols = json_array();
            json_object_set_new(tspec, "volumes", vols);
        }
        size_t i;
        json_t *c;
        json_array_foreach(claims, i, c) {
            const char *cn = gt_kobj_str(c, "metadata.name", "");
            if (cn[0])
                json_array_append_new(vols, json_pack("{s:s,s:{s:s}}", "name", cn,
                                                      "persistentVolumeClaim", "claimName", cn));
        }
        tmpl = with_claims;
    }
    gt_kpod_validate_template(e, "spec.template", tmpl, restart_always);
    json_decref(with_claims);
    if (replicas)
        gt_kv_int(e, "spec", spec, "replicas", 0, INT32_MAX, false, 0);
    gt_kv_int(e, "spec", spec, "minReadySeconds", 0, INT32_MAX, false, 0);
    gt_kv_int(e, "spec", spec, "revisionHistoryLimit", 0, INT32_MAX, false, 0);
    if (old)
        gt_kv_immutable(e, "spec.selector", gt_kobj_get(spec, "selector"),
                        gt_kobj_get(old, "spec.selector"));
}

static void default_template(json_t *obj)
{
    json_t *t = gt_kobj_obj(obj, "spec.template");
    if (t)
        gt_kpod_default_template(t);
}

static const struct gt_ktype workload_status = GT_KSTRUCT({ "conditions", &gt_ktype_conditions });

/* ---- deployments ---- */

static void deployment_defaults(json_t *d)
{
    json_t *spec = gt_kobj_ensure(d, "spec");
    if (!spec)
        return;
    gt_kd_int(spec, "replicas", 1);
    gt_kd_str(spec, "strategy.type", "RollingUpdate");
    if (strcmp(gt_kobj_str(spec, "strategy.type", ""), "RollingUpdate") == 0) {
        gt_kd_str(spec, "strategy.rollingUpdate.maxUnavailable", "25%");
        gt_kd_str(spec, "strategy.rollingUpdate.maxSurge", "25%");
    }
    gt_kd_int(spec, "revisionHistoryLimit", 10);
    gt_kd_int(spec, "progressDeadlineSeconds", 600);
    default_template(d);
}

static bool is_zero(const json_t *v)
{
    return (json_is_integer(v) && json_integer_value(v) == 0) ||
           (json_is_string(v) && (strcmp(json_string_value(v), "0%") == 0 ||
                                  strcmp(json_string_value(v), "0") == 0));
}

static void deployment_validate(const json_t *d, const json_t *old, struct gt_kfe_list *e)
{
    check_workload(e, d, old, "deployment", true);
    const json_t *spec = gt_kobj_obj(d, "spec");
    const json_t *strategy = gt_kv_obj(e, "spec", spec, "strategy", false);
    static const char *const types[] = { "Recreate", "RollingUpdate", NULL };
    const char *type = gt_kv_enum(e, "spec.strategy", strategy, "type", types, false);
    const json_t *ru = gt_kv_obj(e, "spec.strategy", strategy, "rollingUpdate", false);
    if (ru && type && strcmp(type, "Recreate") == 0)
        gt_kfe_forbidden(e, "spec.strategy.rollingUpdate",
                         "may not be specified when strategy `type` is 'Recreate'");
    if (ru) {
        json_t *mu = json_object_get(ru, "maxUnavailable");
        json_t *ms = json_object_get(ru, "maxSurge");
        gt_kv_int_or_percent(e, "spec.strategy.rollingUpdate.maxUnavailable", mu);
        gt_kv_int_or_percent(e, "spec.strategy.rollingUpdate.maxSurge", ms);
        if (json_is_string(mu) && atoi(json_string_value(mu)) > 100)
            gt_kfe_invalid(e, "spec.strategy.rollingUpdate.maxUnavailable", mu,
                           "must not be greater than 100%");
        if (mu && ms && is_zero(mu) && is_zero(ms))
            gt_kfe_invalid(e, "spec.strategy.rollingUpdate.maxUnavailable", mu,
                           "may not be 0 when `maxSurge` is 0");
    }
    int64_t pds = gt_kv_int(e, "spec", spec, "progressDeadlineSeconds", 1, INT32_MAX, false, 0);
    int64_t mrs = gt_kobj_int(spec, "minReadySeconds", 0);
    if (pds && pds <= mrs)
        gt_kfe_invalid(e, "spec.progressDeadlineSeconds", gt_kobj_get(spec, "progressDeadlineSeconds"),
                       "must be greater than minReadySeconds");
    gt_kv_bool(e, "spec", spec, "paused");
}

static const struct gt_kcolumn deployment_columns[] = {
    GT_KCOL_NAME,
    { "Ready", "string", "", "Number of the pod with ready state", 0 },
    { "Up-to-date", "string", "", "Total number of non-terminated pods targeted by this "
                                  "deployment that have the desired template spec.", 0 },
    { "Available", "string", "", "Total number of available pods (ready for at least "
                                 "minReadySeconds) targeted by this deployment.", 0 },
    GT_KCOL_AGE,
    GT_KCOL_CONTAINERS,
    GT_KCOL_IMAGES,
    GT_KCOL_SELECTOR,
    { 0 },
};

static void selector_string_cell(json_t *cells, const json_t *obj)
{
    struct gt_klsel *ls;
    if (gt_klsel_from_json(gt_kobj_get(obj, "spec.selector"), &ls, NULL) < 0) {
        gt_kc_str(cells, "<invalid>");
        return;
    }
    char *s = gt_klsel_string(ls);
    gt_kc_str(cells, s);
    free(s);
    gt_klsel_free(ls);
}

static void deployment_cells(const json_t *d, int64_t now, json_t *cells)
{
    gt_kc_name(cells, d);
    gt_kc_fmt(cells, "%lld/%lld", (long long)gt_kobj_int(d, "status.readyReplicas", 0),
              (long long)gt_kobj_int(d, "spec.replicas", 0));
    gt_kc_int(cells, gt_kobj_int(d, "status.updatedReplicas", 0));
    gt_kc_int(cells, gt_kobj_int(d, "status.availableReplicas", 0));
    gt_kc_age(cells, d, now);
    gt_kpod_container_cells(cells, gt_kobj_obj(d, "spec.template.spec"));
    selector_string_cell(cells, d);
}

static const char *const deployment_short[] = { "deploy", NULL };
static const struct gt_ksubresource scale_status[] = { GT_KSUB_SCALE, GT_KSUB_STATUS, { 0 } };
static const struct gt_ktype deployment_spec = {
    .kind = GT_KT_STRUCT,
    .fields = (const struct gt_kfield[]){ { "selector", &gt_ktype_label_selector },
                                          { "template", &gt_ktype_pod_template },
                                          { "strategy", NULL, GT_KF_RETAIN_KEYS },
                                          { 0 } },
};
static const struct gt_ktype deployment_schema =
    GT_KSTRUCT({ "metadata", &gt_ktype_object_meta }, { "spec", &deployment_spec },
               { "status", &workload_status });

const struct gt_kind gt_kind_deployment = {
    .group = "apps", .version = "v1", .kind = "Deployment", .resource = "deployments",
    .singular = "deployment", .namespaced = true, .short_names = deployment_short,
    .categories = gt_kcat_all, .verbs = GT_KVERBS_ALL, .subresources = scale_status,
    .name_rule = GT_KNAME_SUBDOMAIN, .flags = GT_KIND_STATUS | GT_KIND_SCALE,
    .schema = &deployment_schema, .defaults = deployment_defaults,
    .validate = deployment_validate, .columns = deployment_columns, .cells = deployment_cells,
    .shape = &gt_kshape_deployment,
};

/* ---- replicasets ---- */

static void replicaset_defaults(json_t *rs)
{
    gt_kd_int(rs, "spec.replicas", 1);
    default_template(rs);
}

static void replicaset_validate(const json_t *rs, const json_t *old, struct gt_kfe_list *e)
{
    check_workload(e, rs, old, "replicaset", true);
}

static const struct gt_kcolumn replicaset_columns[] = {
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

static void replicaset_cells(const json_t *rs, int64_t now, json_t *cells)
{
    gt_kc_name(cells, rs);
    gt_kc_int(cells, gt_kobj_int(rs, "spec.replicas", 0));
    gt_kc_int(cells, gt_kobj_int(rs, "status.replicas", 0));
    gt_kc_int(cells, gt_kobj_int(rs, "status.readyReplicas", 0));
    gt_kc_age(cells, rs, now);
    gt_kpod_container_cells(cells, gt_kobj_obj(rs, "spec.template.spec"));
    gt_kc_selector(cells, rs, "spec.selector");
}

static const char *const replicaset_short[] = { "rs", NULL };
static const struct gt_ktype workload_spec = GT_KSTRUCT(
    { "selector", &gt_ktype_label_selector }, { "template", &gt_ktype_pod_template });
static const struct gt_ktype workload_schema =
    GT_KSTRUCT({ "metadata", &gt_ktype_object_meta }, { "spec", &workload_spec },
               { "status", &workload_status });
static const struct gt_kfsel_field replicaset_fields[] = { { "status.replicas", NULL }, { 0 } };

const struct gt_kind gt_kind_replicaset = {
    .group = "apps", .version = "v1", .kind = "ReplicaSet", .resource = "replicasets",
    .singular = "replicaset", .namespaced = true, .short_names = replicaset_short,
    .categories = gt_kcat_all, .verbs = GT_KVERBS_ALL, .subresources = scale_status,
    .name_rule = GT_KNAME_SUBDOMAIN, .flags = GT_KIND_STATUS | GT_KIND_SCALE,
    .schema = &workload_schema, .defaults = replicaset_defaults,
    .validate = replicaset_validate, .columns = replicaset_columns, .cells = replicaset_cells,
    .fields = replicaset_fields,
    .shape = &gt_kshape_replicaset,
};

/* ---- statefulsets ---- */

static void statefulset_defaults(json_t *ss)
{
    json_t *spec = gt_kobj_ensure(ss, "spec");
    if (!spec)
        return;
    gt_kd_int(spec, "replicas", 1);
    gt_kd_str(spec, "podManagementPolicy", "OrderedReady");
    /* rollingUpdate appears only with a defaulted type; one given gets
     * its partition */
    if (!gt_kobj_str(spec, "updateStrategy.type", "")[0]) {
        gt_kobj_set_new(spec, "updateStrategy.type", json_string("RollingUpdate"));
        gt_kobj_ensure(spec, "updateStrategy.rollingUpdate");
    }
    if (strcmp(gt_kobj_str(spec, "updateStrategy.type", ""), "RollingUpdate") == 0 &&
        gt_kobj_obj(spec, "updateStrategy.rollingUpdate"))
        gt_kd_int(spec, "updateStrategy.rollingUpdate.partition", 0);
    gt_kd_int(spec, "revisionHistoryLimit", 10);
    gt_kd_str(spec, "persistentVolumeClaimRetentionPolicy.whenDeleted", "Retain");
    gt_kd_str(spec, "persistentVolumeClaimRetentionPolicy.whenScaled", "Retain");
    json_t *vct = gt_kobj_arr(spec, "volumeClaimTemplates");
    size_t i;
    json_t *t;
    json_array_foreach(vct, i, t) {
        if (json_is_object(t)) {
            gt_kd_str(t, "spec.volumeMode", "Filesystem");
            gt_kd_str(t, "status.phase", "Pending");
        }
    }
    default_template(ss);
}

static void statefulset_validate(const json_t *ss, const json_t *old, struct gt_kfe_list *e)
{
    check_workload(e, ss, old, "statefulset", true);
    const json_t *spec = gt_kobj_obj(ss, "spec");
    static const char *const pmp[] = { "OrderedReady", "Parallel", NULL };
    gt_kv_enum(e, "spec", spec, "podManagementPolicy", pmp, false);
    static const char *const ust[] = { "RollingUpdate", "OnDelete", NULL };
    const json_t *us = gt_kv_obj(e, "spec", spec, "updateStrategy", false);
    gt_kv_enum(e, "spec.updateStrategy", us, "type", ust, false);
    gt_kv_int(e, "spec.updateStrategy.rollingUpdate", gt_kobj_get(us, "rollingUpdate"),
              "partition", 0, INT32_MAX, false, 0);
    const char *svc = gt_kv_str(e, "spec", spec, "serviceName", false);
    if (svc && svc[0])
        gt_kmeta_check_dns1123_label(e, "spec.serviceName", svc);
    if (!old)
        return;
    json_t *a = json_deep_copy(spec), *b = json_deep_copy(gt_kobj_obj(old, "spec"));
    static const char *const mutable_fields[] = { "replicas", "ordinals", "template",
                                                  "updateStrategy", "revisionHistoryLimit",
                                                  "persistentVolumeClaimRetentionPolicy",
                                                  "minReadySeconds" };
    for (size_t i = 0; a && b && i < sizeof mutable_fields / sizeof mutable_fields[0]; i++) {
        json_object_del(a, mutable_fields[i]);
        json_object_del(b, mutable_fields[i]);
    }
    if (a && b && !json_equal(a, b))
        gt_kfe_forbidden(e, "spec", "updates to statefulset spec for fields other than "
                                    "'replicas', 'ordinals', 'template', 'updateStrategy', "
                                    "'revisionHistoryLimit', "
                                    "'persistentVolumeClaimRetentionPolicy' and "
                                    "'minReadySeconds' are forbidden");
    json_decref(a);
    json_decref(b);
}

static const struct gt_kcolumn statefulset_columns[] = {
    GT_KCOL_NAME,
    { "Ready", "string", "", "Number of the pod with ready state", 0 },
    GT_KCOL_AGE,
    GT_KCOL_CONTAINERS,
    GT_KCOL_IMAGES,
    { 0 },
};

static void statefulset_cells(const json_t *ss, int64_t now, json_t *cells)
{
    gt_kc_name(cells, ss);
    gt_kc_fmt(cells, "%lld/%lld", (long long)gt_kobj_int(ss, "status.readyReplicas", 0),
              (long long)gt_kobj_int(ss, "spec.replicas", 0));
    gt_kc_age(cells, ss, now);
    gt_kpod_container_cells(cells, gt_kobj_obj(ss, "spec.template.spec"));
}

static const char *const statefulset_short[] = { "sts", NULL };

const struct gt_kind gt_kind_statefulset = {
    .group = "apps", .version = "v1", .kind = "StatefulSet", .resource = "statefulsets",
    .singular = "statefulset", .namespaced = true, .short_names = statefulset_short,
    .categories = gt_kcat_all, .verbs = GT_KVERBS_ALL, .subresources = scale_status,
    .name_rule = GT_KNAME_SUBDOMAIN, .flags = GT_KIND_STATUS | GT_KIND_SCALE,
    .schema = &workload_schema, .defaults = statefulset_defaults,
    .validate = statefulset_validate, .columns = statefulset_columns,
    .cells = statefulset_cells,
    .shape = &gt_kshape_statefulset,
};

/* ---- daemonsets ---- */

static void daemonset_defaults(json_t *ds)
{
    json_t *spec = gt_kobj_ensure(ds, "spec");
    if (!spec)
        return;
    gt_kd_str(spec, "updateStrategy.type", "RollingUpdate");
    if (strcmp(gt_kobj_str(spec, "updateStrategy.type", ""), "RollingUpdate") == 0) {
        gt_kd_int(spec, "updateStrategy.rollingUpdate.maxUnavailable", 1);
        gt_kd_int(spec, "updateStrategy.rollingUpdate.maxSurge", 0);
    }
    gt_kd_int(spec, "revisionHistoryLimit", 10);
    default_template(ds);
}

static void daemonset_validate(const json_t *ds, const json_t *old, struct gt_kfe_list *e)
{
    check_workload(e, ds, old, "daemonset", false);
    const json_t *us = gt_kv_obj(e, "spec", gt_kobj_get(ds, "spec"), "updateStrategy", false);
    static const char *const ust[] = { "RollingUpdate", "OnDelete", NULL };
    gt_kv_enum(e, "spec.updateStrategy", us, "type", ust, false);
    const json_t *ru = gt_kobj_obj(us, "rollingUpdate");
    if (ru) {
        gt_kv_int_or_percent(e, "spec.updateStrategy.rollingUpdate.maxUnavailable",
                             json_object_get(ru, "maxUnavailable"));
        gt_kv_int_or_percent(e, "spec.updateStrategy.rollingUpdate.maxSurge",
                             json_object_get(ru, "maxSurge"));
    }
}

static const struct gt_kcolumn daemonset_columns[] = {
    GT_KCOL_NAME,
    { "Desired", "integer", "", "The total number of nodes that should be running the daemon "
                                "pod.", 0 },
    { "Current", "integer", "", "The number of nodes running at least one daemon pod.", 0 },
    { "Ready", "integer", "", "The number of nodes running a ready daemon pod.", 0 },
    { "Up-to-date", "integer", "", "The number of nodes running the updated daemon pod.", 0 },
    { "Available", "integer", "", "The number of nodes with an available daemon pod.", 0 },
    { "Node Selector", "string", "", "The pod template's node selector.", 0 },
    GT_KCOL_AGE,
    GT_KCOL_CONTAINERS,
    GT_KCOL_IMAGES,
    GT_KCOL_SELECTOR,
    { 0 },
};

static void daemonset_cells(const json_t *ds, int64_t now, json_t *cells)
{
    gt_kc_name(cells, ds);
    static const char *const nums[] = { "status.desiredNumberScheduled",
                                        "status.currentNumberScheduled", "status.numberReady",
                                        "status.updatedNumberScheduled",
                                        "status.numberAvailable" };
    for (size_t i = 0; i < 5; i++)
        gt_kc_int(cells, gt_kobj_int(ds, nums[i], 0));
    char *ns = gt_klabels_format(gt_kobj_obj(ds, "spec.template.spec.nodeSelector"));
    gt_kc_str(cells, ns);
    free(ns);
    gt_kc_age(cells, ds, now);
    gt_kpod_container_cells(cells, gt_kobj_obj(ds, "spec.template.spec"));
    gt_kc_selector(cells, ds, "spec.selector");
}

static const char *const daemonset_short[] = { "ds", NULL };

const struct gt_kind gt_kind_daemonset = {
    .group = "apps", .version = "v1", .kind = "DaemonSet", .resource = "daemonsets",
    .singular = "daemonset", .namespaced = true, .short_names = daemonset_short,
    .categories = gt_kcat_all, .verbs = GT_KVERBS_ALL, .subresources = gt_ksubs_status,
    .name_rule = GT_KNAME_SUBDOMAIN, .flags = GT_KIND_STATUS, .schema = &workload_schema,
    .defaults = daemonset_defaults, .validate = daemonset_validate,
    .columns = daemonset_columns, .cells = daemonset_cells,
    .shape = &gt_kshape_daemonset,
};

/* ---- controllerrevisions ---- */

static void controllerrevision_validate(const json_t *cr, const json_t *old,
                                        struct gt_kfe_list *e)
{
    gt_kv_int(e, "", cr, "revision", 0, INT64_MAX, false, 0);
    if (old) {
        gt_kv_immutable(e, "data", gt_kobj_get(cr, "data"), gt_kobj_get(old, "data"));
    }
}

static const struct gt_kcolumn controllerrevision_columns[] = {
    GT_KCOL_NAME,
    { "Controller", "string", "", "Controller of the object", 0 },
    { "Revision", "string", "", "Revision indicates the revision of the state represented by "
                                "Data.", 0 },
    GT_KCOL_AGE,
    { 0 },
};

static void controllerrevision_cells(const json_t *cr, int64_t now, json_t *cells)
{
    gt_kc_name(cells, cr);
    json_t *ref = gt_kmeta_controller_of(cr);
    if (ref) {
        const char *av = gt_kobj_str(ref, "apiVersion", "");
        const char *slash = strchr(av, '/');
        char *kind = gt_xstrdup(gt_kobj_str(ref, "kind", ""));
        for (char *p = kind; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
        if (slash)
            gt_kc_fmt(cells, "%s.%.*s/%s", kind, (int)(slash - av), av,
                      gt_kobj_str(ref, "name", ""));
        else
            gt_kc_fmt(cells, "%s/%s", kind, gt_kobj_str(ref, "name", ""));
        free(kind);
    } else {
        gt_kc_str(cells, "<none>");
    }
    gt_kc_int(cells, gt_kobj_int(cr, "revision", 0));
    gt_kc_age(cells, cr, now);
}


const struct gt_kind gt_kind_controllerrevision = {
    .group = "apps", .version = "v1", .kind = "ControllerRevision",
    .resource = "controllerrevisions", .singular = "controllerrevision", .namespaced = true,
    .verbs = GT_KVERBS_ALL, .name_rule = GT_KNAME_SUBDOMAIN, .schema = &gt_ktype_plain,
    .validate = controllerrevision_validate, .columns = controllerrevision_columns,
    .cells = controllerrevision_cells,
    .shape = &gt_kshape_controllerrevision,
};
