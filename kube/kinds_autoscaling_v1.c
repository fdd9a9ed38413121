/* autoscaling/v1 HorizontalPodAutoscaler, served from the stored v2
 * objects (kubectl autoscale creates v1).
 *
 * v1 has one target, spec.targetCPUUtilizationPercentage, which is v2's
 * Resource metric "cpu" with a Utilization target; status
 * .currentCPUUtilizationPercentage is that metric's current utilization.
 * What v1 cannot say travels, as Kubernetes does it, in annotations of the
 * v1 object, as JSON, so that a v1 client that writes back what it read
 * loses nothing: autoscaling.alpha.kubernetes.io/metrics (the other
 * metrics), /current-metrics, /behavior and /conditions. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "kube/kinds_internal.h"
#include "kube/obj.h"

#define ANN "autoscaling.alpha.kubernetes.io/"

static const char *const carried[] = { ANN "metrics", ANN "current-metrics", ANN "behavior",
                                       ANN "conditions" };

/* a copy of obj's apiVersion, kind and metadata */
static json_t *shell(const json_t *obj, const char *api_version)
{
    json_t *out = json_pack("{s:s,s:s}", "apiVersion", api_version, "kind",
                            "HorizontalPodAutoscaler");
    json_t *meta = json_object_get(obj, "metadata");
    if (json_is_object(meta))
        json_object_set_new(out, "metadata", json_deep_copy(meta));
    return out;
}

static void copy_fields(json_t *to, const json_t *from, const char *const *names)
{
    for (; *names; names++) {
        json_t *v = json_object_get(from, *names);
        if (v)
            json_object_set_new(to, *names, json_deep_copy(v));
    }
}

static const char *const spec_common[] = { "scaleTargetRef", "minReplicas", "maxReplicas", NULL };
static const char *const status_common[] = { "observedGeneration", "lastScaleTime",
                                              "currentReplicas", "desiredReplicas", NULL };

/* Is m the Resource "cpu" metric; its spec target (target) or status
 * (current) is a utilization. */
static json_t *cpu_utilization(const json_t *m, const char *which)
{
    if (strcmp(gt_kobj_str(m, "type", ""), "Resource") != 0 ||
        strcmp(gt_kobj_str(m, "resource.name", ""), "cpu") != 0)
        return NULL;
    json_t *t = gt_kobj_obj(m, strcmp(which, "target") ? "resource.current"
                                                       : "resource.target");
    if (!strcmp(which, "target") && strcmp(gt_kobj_str(t, "type", ""), "Utilization") != 0)
        return NULL;
    json_t *u = json_object_get(t, "averageUtilization");
    return json_is_integer(u) ? u : NULL;
}

static void annotate(json_t *obj, const char *key, const json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    json_t *meta = gt_kobj_ensure(obj, "metadata");
    json_t *ann = json_object_get(meta, "annotations");
    if (!json_is_object(ann)) {
        ann = json_object();
        json_object_set_new(meta, "annotations", ann);
    }
    json_object_set_new(ann, key, json_string(s));
    free(s);
}

/* v2 metrics (spec: targets; status: current values) -> the v1 field
 * and the annotation of the rest */
static void metrics_to_v1(json_t *out, json_t *part, const json_t *metrics, const char *which,
                          const char *field, const char *ann)
{
    json_t *rest = json_array();
    bool found = false;
    size_t i;
    json_t *m;
    json_array_foreach(metrics, i, m) {
        json_t *u = found ? NULL : cpu_utilization(m, which);
        if (u) {
            json_object_set(part, field, u);
            found = true;
        } else {
            json_array_append(rest, m);
        }
    }
    if (json_array_size(rest))
        annotate(out, ann, rest);
    json_decref(rest);
}

static json_t *hpa_from_v2(const json_t *obj)
{
    json_t *out = shell(obj, "autoscaling/v1");
    const json_t *spec = gt_kobj_obj(obj, "spec");
    json_t *s1 = json_object();
    copy_fields(s1, spec, spec_common);
    metrics_to_v1(out, s1, json_object_get(spec, "metrics"), "target",
                  "targetCPUUtilizationPercentage", ANN "metrics");
    if (json_object_get(spec, "behavior"))
        annotate(out, ANN "behavior", json_object_get(spec, "behavior"));
    json_object_set_new(out, "spec", s1);
    const json_t *status = gt_kobj_obj(obj, "status");
    if (status) {
        json_t *st1 = json_object();
        copy_fields(st1, status, status_common);
        metrics_to_v1(out, st1, json_object_get(status, "currentMetrics"), "current",
                      "currentCPUUtilizationPercentage", ANN "current-metrics");
        if (json_object_get(status, "conditions"))
            annotate(out, ANN "conditions", json_object_get(status, "conditions"));
        json_object_set_new(out, "status", st1);
    }
    return out;
}

/* the annotation key of the v1 object, parsed (NULL when absent or not
 * JSON); removed from the stored object */
static json_t *take_annotation(json_t *out, const char *key)
{
    json_t *ann = gt_kobj_obj(out, "metadata.annotations");
    const char *s = json_string_value(json_object_get(ann, key));
    json_t *v = s ? json_loads(s, JSON_DECODE_ANY, NULL) : NULL;
    json_object_del(ann, key);
    return v;
}

static json_t *hpa_to_v2(const json_t *obj)
{
    json_t *out = shell(obj, "autoscaling/v2");
    json_t *extra[4];
    for (size_t i = 0; i < 4; i++)
        extra[i] = take_annotation(out, carried[i]);
    json_t *ann = gt_kobj_obj(out, "metadata.annotations");
    if (ann && json_object_size(ann) == 0)
        json_object_del(json_object_get(out, "metadata"), "annotations");

    const json_t *spec = gt_kobj_obj(obj, "spec");
    json_t *s2 = json_object();
    copy_fields(s2, spec, spec_common);
    json_t *metrics = json_array();
    json_t *cpu = json_object_get(spec, "targetCPUUtilizationPercentage");
    if (cpu)
        json_array_append_new(metrics,
                              json_pack("{s:s,s:{s:s,s:{s:s,s:O}}}", "type", "Resource",
                                        "resource", "name", "cpu", "target", "type",
                                        "Utilization", "averageUtilization", cpu));
    if (json_is_array(extra[0]))
        json_array_extend(metrics, extra[0]);
    if (json_array_size(metrics))
        json_object_set(s2, "metrics", metrics);
    json_decref(metrics);
    if (json_is_object(extra[2]))
        json_object_set(s2, "behavior", extra[2]);
    json_object_set_new(out, "spec", s2);

    const json_t *status = gt_kobj_obj(obj, "status");
    if (status) {
        json_t *st2 = json_object();
        copy_fields(st2, status, status_common);
        json_t *cur = json_array();
        json_t *cu = json_object_get(status, "currentCPUUtilizationPercentage");
        if (cu)
            json_array_append_new(cur, json_pack("{s:s,s:{s:s,s:{s:O}}}", "type", "Resource",
                                                 "resource", "name", "cpu", "current",
                                                 "averageUtilization", cu));
        if (json_is_array(extra[1]))
            json_array_extend(cur, extra[1]);
        if (json_array_size(cur))
            json_object_set(st2, "currentMetrics", cur);
        json_decref(cur);
        if (json_is_array(extra[3]))
            json_object_set(st2, "conditions", extra[3]);
        json_object_set_new(out, "status", st2);
    }
    for (size_t i = 0; i < 4; i++)
        json_decref(extra[i]);
    return out;
}

static const char *const hpa_short[] = { "hpa", NULL };
static const struct gt_ktype hpa_v1_schema = GT_KSTRUCT({ "metadata", &gt_ktype_object_meta });

const struct gt_kind gt_kind_hpa_v1 = {
    .group = "autoscaling", .version = "v1", .kind = "HorizontalPodAutoscaler",
    .resource = "horizontalpodautoscalers", .singular = "horizontalpodautoscaler",
    .namespaced = true, .short_names = hpa_short, .categories = gt_kcat_all,
    .verbs = GT_KVERBS_ALL, .subresources = gt_ksubs_status, .name_rule = GT_KNAME_SUBDOMAIN,
    .flags = GT_KIND_STATUS, .schema = &hpa_v1_schema, .shape = &gt_kshape_hpa_v1,
    .storage = &gt_kind_hpa, .to_storage = hpa_to_v2, .from_storage = hpa_from_v2,
};
