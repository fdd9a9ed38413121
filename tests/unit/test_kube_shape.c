/* kube/shape: the unknown fields of objects, at any depth, with the paths
 * Kubernetes' strict decoder reports. */
#include <stdlib.h>

#include "base/cleanup.h"
#include "base/mem.h"
#include "kube/kinds.h"
#include "kube/shape.h"
#include "tests/unit/kube_test.h"
#include "tests/unit/unit.h"

/* The unknown paths of obj (a kind's object) joined by spaces. */
static char *unknown_of(const char *resource, const char *text)
{
    const struct gt_kind *k = gt_kind_find(resource);
    json_t *o = J(text);
    char **paths = NULL;
    size_t n = gt_kshape_unknown(k->shape, o, &paths);
    char *s = gt_xstrdup("");
    for (size_t i = 0; i < n; i++) {
        char *t = gt_xasprintf("%s%s%s", s, i ? " " : "", paths[i]);
        free(s);
        s = t;
    }
    gt_strv_free(paths);
    json_decref(o);
    return s;
}

TEST(shape_top_level_and_metadata)
{
    cleanup_free char *s = unknown_of(
        "configmaps", "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":"
                      "\"a\",\"labelz\":{}},\"data\":{},\"spec\":{}}");
    CHECK_STR_EQ(s, "metadata.labelz spec");
    cleanup_free char *s2 = unknown_of(
        "deployments", "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{"
                       "\"name\":\"a\",\"ownerReferences\":[{\"uid\":\"x\",\"kind\":\"y\","
                       "\"owner\":1}]},\"spec\":{},\"status\":{}}");
    CHECK_STR_EQ(s2, "metadata.ownerReferences[0].owner");
}

TEST(shape_finds_typos_deep_in_pod_templates)
{
    cleanup_free char *s = unknown_of(
        "deployments",
        "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"w\"},"
        "\"spec\":{\"replicas\":2,\"selector\":{\"matchLabels\":{\"a\":\"b\"},"
        "\"matchExpressions\":[{\"key\":\"k\",\"operator\":\"In\",\"value\":[\"v\"]}]},"
        "\"template\":{\"metadata\":{\"labels\":{\"a\":\"b\"}},\"spec\":{"
        "\"containers\":[{\"name\":\"a\",\"image\":\"x\"},{\"name\":\"b\",\"image\":\"y\","
        "\"imagePullPolcy\":\"Always\",\"livenessProbe\":{\"httpGet\":{\"port\":80,"
        "\"pth\":\"/\"},\"periodSeconds\":5},\"env\":[{\"name\":\"A\",\"valueFrom\":{"
        "\"secretKeyRef\":{\"name\":\"s\",\"key\":\"k\",\"optinal\":true}}}],"
        "\"securityContext\":{\"capabilities\":{\"drop\":[\"ALL\"]},\"runAsUsr\":1}}],"
        "\"volumes\":[{\"name\":\"v\",\"configMap\":{\"name\":\"c\",\"itmes\":[]}},"
        "{\"name\":\"e\",\"emptyDir\":{}}],"
        "\"affinity\":{\"podAntiAffinity\":{\"preferredDuringSchedulingIgnoredDuringExecution\":"
        "[{\"weight\":1,\"podAffinityTerm\":{\"topologyKey\":\"h\",\"labelSelecter\":{}}}]}},"
        "\"tolerations\":[{\"key\":\"k\",\"operator\":\"Exists\",\"efect\":\"NoSchedule\"}]},"
        "\"extra\":1},\"strategy\":{\"type\":\"RollingUpdate\",\"rollingUpdate\":{"
        "\"maxSurge\":1}}}}");
    CHECK_STR_EQ(s, "spec.selector.matchExpressions[0].value "
                    "spec.template.spec.containers[1].imagePullPolcy "
                    "spec.template.spec.containers[1].livenessProbe.httpGet.pth "
                    "spec.template.spec.containers[1].env[0].valueFrom.secretKeyRef.optinal "
                    "spec.template.spec.containers[1].securityContext.runAsUsr "
                    "spec.template.spec.volumes[0].configMap.itmes "
                    "spec.template.spec.affinity.podAntiAffinity."
                    "preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm."
                    "labelSelecter "
                    "spec.template.spec.tolerations[0].efect spec.template.extra");
}

TEST(shape_inlined_types_and_other_kinds)
{
    /* Volume inlines VolumeSource, Probe its handler, key selectors the
     * reference's name, IngressRule its value */
    cleanup_free char *s = unknown_of(
        "pods", "{\"spec\":{\"volumes\":[{\"name\":\"v\",\"projected\":{\"sources\":[{"
                "\"serviceAccountToken\":{\"path\":\"t\",\"audence\":\"a\"}}]}}],"
                "\"containers\":[{\"name\":\"c\",\"readinessProbe\":{\"exec\":{\"command\":[]},"
                "\"grpc\":{\"port\":1}},\"envFrom\":[{\"configMapRef\":{\"name\":\"x\"}}]}]},"
                "\"status\":{\"containerStatuses\":[{\"name\":\"c\",\"state\":{\"running\":{"
                "\"startedAt\":null,\"pid\":1}}}]}}");
    CHECK_STR_EQ(s, "spec.volumes[0].projected.sources[0].serviceAccountToken.audence "
                    "status.containerStatuses[0].state.running.pid");
    cleanup_free char *s2 = unknown_of(
        "ingresses", "{\"spec\":{\"rules\":[{\"host\":\"h\",\"http\":{\"paths\":[{\"path\":"
                     "\"/\",\"pathType\":\"Prefix\",\"backend\":{\"service\":{\"name\":\"s\","
                     "\"port\":{\"numbr\":80}}}}]}}]}}");
    CHECK_STR_EQ(s2, "spec.rules[0].http.paths[0].backend.service.port.numbr");
    cleanup_free char *s3 = unknown_of(
        "cronjobs", "{\"spec\":{\"schedule\":\"* * * * *\",\"jobTemplate\":{\"spec\":{"
                    "\"template\":{\"spec\":{\"restartPolicy\":\"Never\",\"containers\":[{"
                    "\"name\":\"c\",\"comand\":[]}]}}}}}}");
    CHECK_STR_EQ(s3, "spec.jobTemplate.spec.template.spec.containers[0].comand");
    cleanup_free char *s4 = unknown_of(
        "statefulsets", "{\"spec\":{\"volumeClaimTemplates\":[{\"metadata\":{\"name\":\"d\"},"
                        "\"spec\":{\"resources\":{\"requests\":{\"storage\":\"1Gi\"}},"
                        "\"acessModes\":[]}}]}}");
    CHECK_STR_EQ(s4, "spec.volumeClaimTemplates[0].spec.acessModes");
    cleanup_free char *s5 = unknown_of(
        "horizontalpodautoscalers",
        "{\"spec\":{\"metrics\":[{\"type\":\"Resource\",\"resource\":{\"name\":\"cpu\","
        "\"target\":{\"type\":\"Utilization\",\"averageUtilisation\":50}}}]}}");
    CHECK_STR_EQ(s5, "spec.metrics[0].resource.target.averageUtilisation");
    cleanup_free char *s6 = unknown_of(
        "rolebindings", "{\"subjects\":[{\"kind\":\"User\",\"name\":\"u\",\"namespce\":\"x\"}],"
                        "\"roleRef\":{\"kind\":\"Role\",\"name\":\"r\",\"apiGroup\":\"g\"}}");
    CHECK_STR_EQ(s6, "subjects[0].namespce");
}

TEST(shape_values_are_not_looked_into)
{
    /* maps of strings, quantities, IntOrStrings, raw extensions: anything;
     * a wrong JSON type where an object is declared: left to validation */
    cleanup_free char *s = unknown_of(
        "pods", "{\"metadata\":{\"labels\":{\"any\":\"x\"},\"annotations\":{\"y\":\"z\"}},"
                "\"spec\":{\"nodeSelector\":{\"k\":\"v\"},\"containers\":\"nope\","
                "\"volumes\":[1,null,{\"name\":\"a\",\"hostPath\":{\"path\":\"/\"}}],"
                "\"overhead\":{\"cpu\":\"1\"},\"securityContext\":null}}");
    CHECK_STR_EQ(s, "");
    cleanup_free char *s2 = unknown_of(
        "controllerrevisions", "{\"data\":{\"spec\":{\"whatever\":1}},\"revision\":1}");
    CHECK_STR_EQ(s2, "");
}

TEST(shape_every_kind_has_one)
{
    size_t n;
    const struct gt_kind *const *all = gt_kinds(&n);
    for (size_t i = 0; i < n; i++) {
        const struct gt_kshape *s = all[i]->shape;
        CHECK(s != NULL);
        if (!s)
            continue;
        /* named after the kind, with the type and object metadata */
        CHECK_STR_EQ(s->name, all[i]->kind);
        CHECK(gt_kshape_field(s, "apiVersion") && gt_kshape_field(s, "kind") &&
              gt_kshape_field(s, "metadata"));
        CHECK(gt_kshape_field(s, "nope") == NULL);
    }
}
