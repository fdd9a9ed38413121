/* autoscaling/v2: horizontalpodautoscalers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "kube/kinds_internal.h"
#include "kube/quantity.h"

/* Scale-down's stabilization window stays unset: the controller's flag
 * (300 s by default) decides it, as in Kubernetes. */
static void scaling_rules_defaults(json_t *r, bool up)
{
    if (!r)
        return;
    if (up)
        gt_kd_int(r, "stabilizationWindowSeconds", 0);
    gt_kd_str(r, "selectPolicy", "Max");
    if (!gt_kobj_has(r, "policies")) {
        json_t *p = json_array();
        if (up)
            json_array_append_new(p, json_pack("{s:s,s:i,s:i}", "type", "Pods", "value", 4,
                                               "periodSeconds", 15));
        json_array_append_new(p, json_pack("{s:s,s:i,s:i}", "type", "Percent", "value", 100,
                                           "periodSeconds", 15));
        json_object_set_new(r, "policies", p);
    }
}

static void hpa_defaults(json_t *hpa)
{
    json_t *spec = gt_kobj_ensure(hpa, "spec");
    if (!spec)
        return;
    gt_kd_int(spec, "minReplicas", 1);
    json_t *metrics = gt_kobj_arr(spec, "metrics");
    if (!metrics || json_array_size(metrics) == 0)
        gt_kobj_set_new(spec, "metrics",
                        json_pack("[{s:s,s:{s:s,s:{s:s,s:i}}}]", "type", "Resource", "resource",
                                  "name", "cpu", "target", "type", "Utilization",
                                  "averageUtilization", 80));
    json_t *b = gt_kobj_obj(spec, "behavior");
    if (b) {
        scaling_rules_defaults(gt_kobj_ensure(b, "scaleUp"), true);
        scaling_rules_defaults(gt_kobj_ensure(b, "scaleDown"), false);
    }
}

static void check_target(struct gt_kfe_list *e, const char *path, const json_t *t)
{
    static const char *const types[] = { "Utilization", "Value", "AverageValue", NULL };
    const char *type = gt_kv_enum(e, path, t, "type", types, true);
    if (!type)
        return;
    if (strcmp(type, "Utilization") == 0)
        gt_kv_int(e, path, t, "averageUtilization", 1, INT32_MAX, true, 0);
    const char *field = strcmp(type, "Value") == 0          ? "value"
                        : strcmp(type, "AverageValue") == 0 ? "averageValue"
                                                            : NULL;
    if (field) {
        json_t *v = json_object_get(t, field);
        char *p = gt_kp_join(path, field);
        struct gt_kq q;
        struct gt_error err;
        if (!v)
            gt_kfe_required(e, p, "");
        else if (gt_kq_from_json(v, &q, &err) < 0)
            gt_kfe_invalid(e, p, v, err.msg);
        else if (gt_kq_sign(&q) <= 0)
            gt_kfe_invalid(e, p, v, "must be positive");
        free(p);
    }
}

static void hpa_validate(const json_t *hpa, const json_t *old, struct gt_kfe_list *e)
{
    const json_t *spec = gt_kv_obj(e, "", hpa, "spec", true);
    if (!spec)
        return;
    const json_t *ref = gt_kv_obj(e, "spec", spec, "scaleTargetRef", true);
    if (ref) {
        gt_kv_str(e, "spec.scaleTargetRef", ref, "kind", true);
        const char *name = gt_kv_str(e, "spec.scaleTargetRef", ref, "name", true);
        if (name && name[0])
            gt_kmeta_check_name(e, "spec.scaleTargetRef.name", name, GT_KNAME_PATH_SEGMENT, false);
    }
    int64_t min = gt_kv_int(e, "spec", spec, "minReplicas", 1, INT32_MAX, false, 1);
    json_t *maxv = gt_kobj_get(spec, "maxReplicas");
    int64_t max = gt_kv_int(e, "spec", spec, "maxReplicas", 1, INT32_MAX, true, 0);
    if (max && max < min)
        gt_kfe_invalid(e, "spec.maxReplicas", maxv,
                       "must be greater than or equal to `minReplicas`");
    const json_t *metrics = gt_kv_arr(e, "spec", spec, "metrics", false);
    size_t i;
    json_t *m;
    json_array_foreach(metrics, i, m) {
        char *p = gt_kp_index("spec.metrics", i);
        static const char *const types[] = { "Object", "Pods", "Resource", "ContainerResource",
                                             "External", NULL };
        const char *type = gt_kv_enum(e, p, m, "type", types, true);
        if (type) {
            char src[32];
            snprintf(src, sizeof src, "%s", type);
            src[0] = (char)(src[0] - 'A' + 'a'); /* "Resource" -> "resource" */
            if (strcmp(type, "ContainerResource") == 0)
                snprintf(src, sizeof src, "containerResource");
            const json_t *s = gt_kv_obj(e, p, m, src, true);
            if (s) {
                char *sp = gt_kp_join(p, src);
                if (strcmp(type, "Resource") == 0 || strcmp(type, "ContainerResource") == 0)
                    gt_kv_str(e, sp, s, "name", true);
                if (strcmp(type, "ContainerResource") == 0)
                    gt_kv_str(e, sp, s, "container", true);
                if (strcmp(type, "Pods") == 0 || strcmp(type, "Object") == 0 ||
                    strcmp(type, "External") == 0)
                    gt_kv_str(e, sp, gt_kobj_get(s, "metric"), "name", true);
                char *tp = gt_kp_join(sp, "target");
                const json_t *t = gt_kv_obj(e, sp, s, "target", true);
                if (t)
                    check_target(e, tp, t);
                free(tp);
                free(sp);
            }
        }
        free(p);
    }
    (void)old;
}

static const struct gt_kcolumn hpa_columns[] = {
    GT_KCOL_NAME,
    { "Reference", "string", "", "The target resource being scaled.", 0 },
    { "Targets", "string", "", "The metrics used to calculate the desired replica count.", 0 },
    { "MinPods", "string", "", "The lower limit for the number of replicas.", 0 },
    { "MaxPods", "string", "", "The upper limit for the number of replicas.", 0 },
    { "Replicas", "string", "", "Current number of replicas of pods managed by this "
                                "autoscaler.", 0 },
    GT_KCOL_AGE,
    { 0 },
};

static const char *qty(const json_t *v, char out[GT_KQ_STR_MAX])
{
    struct gt_kq q;
    if (!v || gt_kq_from_json(v, &q, NULL) < 0)
        return NULL;
    return gt_kq_format(&q, out);
}

/* One "current/target" entry of the Targets column. */
static void metric_entry(FILE *f, const json_t *spec, const json_t *status)
{
    const char *type = gt_kobj_str(spec, "type", "");
    char c[GT_KQ_STR_MAX], t[GT_KQ_STR_MAX];
    const char *cur;
    if (strcmp(type, "External") == 0 || strcmp(type, "Object") == 0) {
        const char *src = type[0] == 'E' ? "external" : "object";
        char path[64];
        snprintf(path, sizeof path, "%s.target.averageValue", src);
        const json_t *avg = gt_kobj_get(spec, path);
        snprintf(path, sizeof path, "%s.current.%s", src, avg ? "averageValue" : "value");
        cur = qty(gt_kobj_get(status, path), c);
        snprintf(path, sizeof path, "%s.target.%s", src, avg ? "averageValue" : "value");
        fprintf(f, "%s/%s%s", cur ? cur : "<unknown>", qty(gt_kobj_get(spec, path), t) ?: "",
                avg ? " (avg)" : "");
    } else if (strcmp(type, "Pods") == 0) {
        cur = qty(gt_kobj_get(status, "pods.current.averageValue"), c);
        fprintf(f, "%s/%s", cur ? cur : "<unknown>",
                qty(gt_kobj_get(spec, "pods.target.averageValue"), t) ?: "");
    } else if (strcmp(type, "Resource") == 0 || strcmp(type, "ContainerResource") == 0) {
        const char *src = type[0] == 'R' ? "resource" : "containerResource";
        char path[96];
        snprintf(path, sizeof path, "%s.name", src);
        const char *name = gt_kobj_str(spec, path, "");
        snprintf(path, sizeof path, "%s.target.averageValue", src);
        const json_t *avg = gt_kobj_get(spec, path);
        if (avg) {
            snprintf(path, sizeof path, "%s.current.averageValue", src);
            cur = qty(gt_kobj_get(status, path), c);
            fprintf(f, "%s: %s/%s", name, cur ? cur : "<unknown>", qty(avg, t) ?: "");
        } else {
            snprintf(path, sizeof path, "%s.current.averageUtilization", src);
            json_t *cu = gt_kobj_get(status, path);
            snprintf(path, sizeof path, "%s.target.averageUtilization", src);
            json_t *tu = gt_kobj_get(spec, path);
            fprintf(f, "%s: ", name);
            if (json_is_integer(cu))
                fprintf(f, "%lld%%/", (long long)json_integer_value(cu));
            else
                fprintf(f, "<unknown>/");
            if (json_is_integer(tu))
                fprintf(f, "%lld%%", (long long)json_integer_value(tu));
            else
                fprintf(f, "<auto>");
        }
    } else {
        fprintf(f, "<unknown type>");
    }
}

static void hpa_cells(const json_t *hpa, int64_t now, json_t *cells)
{
    gt_kc_name(cells, hpa);
    gt_kc_fmt(cells, "%s/%s", gt_kobj_str(hpa, "spec.scaleTargetRef.kind", ""),
              gt_kobj_str(hpa, "spec.scaleTargetRef.name", ""));
    json_t *specs = gt_kobj_arr(hpa, "spec.metrics");
    json_t *statuses = gt_kobj_arr(hpa, "status.currentMetrics");
    size_t n = json_array_size(specs);
    if (n == 0) {
        gt_kc_str(cells, "<none>");
    } else {
        char *out = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&out, &len);
        for (size_t i = 0; f && i < n && i < 2; i++) {
            if (i)
                fputs(", ", f);
            metric_entry(f, json_array_get(specs, i), json_array_get(statuses, i));
        }
        if (f && n > 2)
            fprintf(f, " + %zu more...", n - 2);
        if (f)
            fclose(f);
        gt_kc_str(cells, out ? out : "");
        free(out);
    }
    json_t *min = gt_kobj_get(hpa, "spec.minReplicas");
    if (json_is_integer(min))
        gt_kc_fmt(cells, "%lld", (long long)json_integer_value(min));
    else
        gt_kc_str(cells, "<unset>");
    gt_kc_int(cells, gt_kobj_int(hpa, "spec.maxReplicas", 0));
    gt_kc_int(cells, gt_kobj_int(hpa, "status.currentReplicas", 0));
    gt_kc_age(cells, hpa, now);
}

static const char *const hpa_short[] = { "hpa", NULL };
static const struct gt_ktype hpa_status = GT_KSTRUCT({ "conditions", &gt_ktype_conditions });
static const struct gt_ktype hpa_schema =
    GT_KSTRUCT({ "metadata", &gt_ktype_object_meta }, { "status", &hpa_status });

const struct gt_kind gt_kind_hpa = {
    .group = "autoscaling", .version = "v2", .kind = "HorizontalPodAutoscaler",
    .resource = "horizontalpodautoscalers", .singular = "horizontalpodautoscaler",
    .namespaced = true, .short_names = hpa_short, .categories = gt_kcat_all,
    .verbs = GT_KVERBS_ALL, .subresources = gt_ksubs_status, .name_rule = GT_KNAME_SUBDOMAIN,
    .flags = GT_KIND_STATUS, .schema = &hpa_schema, .defaults = hpa_defaults,
    .validate = hpa_validate, .columns = hpa_columns, .cells = hpa_cells,
    .shape = &gt_kshape_hpa,
};
