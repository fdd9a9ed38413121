#include <stdlib.h>

#include "base/cleanup.h"
#include "kube/kinds.h"
#include "kube/obj.h"
#include "tests/unit/kube_test.h"
#include "tests/unit/unit.h"

/* Defaults then validates obj (create); returns the errors as one string
 * ("" when valid). */
static char *check(const char *kind, json_t *obj, const json_t *old)
{
    const struct gt_kind *k = gt_kind_find(kind);
    if (!k)
        return strdup("no such kind");
    gt_kind_default(k, obj);
    struct gt_kfe_list l;
    gt_kfe_list_init(&l);
    gt_kind_validate(k, obj, old, &l);
    char *s = l.n ? gt_kfe_list_string(&l) : strdup("");
    gt_kfe_list_release(&l);
    return s;
}

/* the time the fixtures are created at, and "now" 200 s later */
#define T0 "2024-05-01T10:00:00Z"
#define NOW (1714557600 + 200)

TEST(kinds_lookup)
{
    CHECK_STR_EQ(gt_kind_find("deploy")->kind, "Deployment");
    CHECK_STR_EQ(gt_kind_find("deployments.apps")->kind, "Deployment");
    CHECK_STR_EQ(gt_kind_find("po")->resource, "pods");
    CHECK_STR_EQ(gt_kind_find("Pod")->resource, "pods");
    CHECK_STR_EQ(gt_kind_find("svc")->kind, "Service");
    CHECK_STR_EQ(gt_kind_find("hpa")->group, "autoscaling");
    CHECK_STR_EQ(gt_kind_find("netpol")->group, "networking.k8s.io");
    CHECK(gt_kind_find("deployments.batch") == NULL);
    CHECK(gt_kind_find("nope") == NULL);
    const struct gt_kind *k = gt_kind_by_resource("apps", "v1", "statefulsets");
    REQUIRE(k);
    CHECK_STR_EQ(k->kind, "StatefulSet");
    CHECK(gt_kind_by_resource("", "v1", "deployments") == NULL);
    json_t *o = J("{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"ClusterRole\"}");
    CHECK(gt_kind_of(o) == gt_kind_find("clusterroles"));
    json_decref(o);
    o = J("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\"}");
    CHECK(gt_kind_of(o) == gt_kind_find("cm"));
    json_decref(o);
    char av[64];
    CHECK_STR_EQ(gt_kind_api_version(gt_kind_find("cronjobs"), av), "batch/v1");
    CHECK_STR_EQ(gt_kind_api_version(gt_kind_find("ns"), av), "v1");
    CHECK(!gt_kind_find("namespaces")->namespaced);
    CHECK(gt_kind_subresource(gt_kind_find("pods"), "log") != NULL);
    CHECK(gt_kind_subresource(gt_kind_find("deployments"), "scale") != NULL);
    CHECK(gt_kind_subresource(gt_kind_find("configmaps"), "status") == NULL);
    size_t n;
    const struct gt_kind *const *all = gt_kinds(&n);
    CHECK_INT_EQ(n, 39);
    /* the reviews kubectl auth whoami, can-i --list and can-i -n post */
    CHECK(gt_kind_by_resource("authentication.k8s.io", "v1", "selfsubjectreviews") != NULL);
    CHECK(gt_kind_by_resource("authorization.k8s.io", "v1", "selfsubjectrulesreviews") != NULL);
    CHECK(gt_kind_by_resource("authorization.k8s.io", "v1", "localsubjectaccessreviews")
              ->namespaced);
    /* every kind has its plural and singular, and validation never crashes on {} */
    for (size_t i = 0; i < n; i++) {
        CHECK(all[i]->resource[0] && all[i]->singular[0]);
        json_t *empty = json_object();
        cleanup_free char *s = check(all[i]->resource, empty, NULL);
        json_decref(empty);
        json_t *junk = J("{\"metadata\":[],\"spec\":\"x\",\"status\":1,\"data\":[1]}");
        cleanup_free char *s2 = check(all[i]->resource, junk, NULL);
        CHECK(s2[0] != 0);
        json_decref(junk);
    }
}

TEST(pod_defaults_follow_the_api)
{
    /* the nginx example of the Pods concept page */
    json_t *pod = J("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"nginx\","
                    "\"namespace\":\"default\"},\"spec\":{\"containers\":[{\"name\":\"nginx\","
                    "\"image\":\"nginx:1.14.2\",\"ports\":[{\"containerPort\":80}]},"
                    "{\"name\":\"latest\",\"image\":\"nginx\"},{\"name\":\"tagged-latest\","
                    "\"image\":\"localhost:5000/nginx:latest\"},{\"name\":\"registry\","
                    "\"image\":\"localhost:5000/nginx\"},{\"name\":\"digest\",\"image\":"
                    "\"nginx@sha256:0000000000000000000000000000000000000000000000000000000000000000\"}]}}");
    cleanup_free char *errs = check("pods", pod, NULL);
    CHECK_STR_EQ(errs, "");
    CHECK_STR_EQ(gt_kobj_str(pod, "spec.restartPolicy", ""), "Always");
    CHECK_STR_EQ(gt_kobj_str(pod, "spec.dnsPolicy", ""), "ClusterFirst");
    CHECK_INT_EQ(gt_kobj_int(pod, "spec.terminationGracePeriodSeconds", 0), 30);
    CHECK_STR_EQ(gt_kobj_str(pod, "spec.schedulerName", ""), "default-scheduler");
    CHECK_STR_EQ(gt_kobj_str(pod, "spec.serviceAccountName", ""), "default");
    CHECK(gt_kobj_obj(pod, "spec.securityContext") != NULL);
    CHECK(gt_kobj_bool(pod, "spec.enableServiceLinks", false));
    CHECK_INT_EQ(gt_kobj_len(pod, "spec.tolerations"), 2);
    json_t *cs = gt_kobj_arr(pod, "spec.containers");
    static const char *const pull[] = { "IfNotPresent", "Always", "Always", "Always",
                                        "IfNotPresent" };
    for (size_t i = 0; i < 5; i++)
        CHECK_STR_EQ(gt_kobj_str(json_array_get(cs, i), "imagePullPolicy", ""), pull[i]);
    json_t *c0 = json_array_get(cs, 0);
    CHECK_STR_EQ(gt_kobj_str(c0, "terminationMessagePath", ""), "/dev/termination-log");
    CHECK_STR_EQ(gt_kobj_str(c0, "terminationMessagePolicy", ""), "File");
    CHECK_STR_EQ(gt_kobj_str(json_array_get(gt_kobj_arr(c0, "ports"), 0), "protocol", ""), "TCP");
    CHECK(gt_kobj_obj(c0, "resources") != NULL);
    CHECK_STR_EQ(gt_kobj_str(pod, "status.phase", ""), "Pending");
    CHECK_STR_EQ(gt_kobj_str(pod, "status.qosClass", ""), "BestEffort");
    /* defaulting twice changes nothing */
    json_t *copy = json_deep_copy(pod);
    gt_kind_default(gt_kind_find("pods"), pod);
    CHECK(json_equal(copy, pod));
    json_decref(copy);
    json_decref(pod);

    /* limits without requests: requests copied, Guaranteed; probes defaulted */
    pod = J("{\"metadata\":{\"name\":\"g\",\"namespace\":\"default\"},\"spec\":{\"containers\":"
            "[{\"name\":\"app\",\"image\":\"busybox:1.36\",\"resources\":{\"limits\":{\"cpu\":"
            "\"500m\",\"memory\":\"128Mi\"}},\"livenessProbe\":{\"httpGet\":{\"port\":8080}}}]}}");
    cleanup_free char *errs2 = check("pods", pod, NULL);
    CHECK_STR_EQ(errs2, "");
    json_t *c = json_array_get(gt_kobj_arr(pod, "spec.containers"), 0);
    CHECK_STR_EQ(gt_kobj_str(c, "resources.requests.cpu", ""), "500m");
    CHECK_STR_EQ(gt_kobj_str(pod, "status.qosClass", ""), "Guaranteed");
    CHECK_INT_EQ(gt_kobj_int(c, "livenessProbe.periodSeconds", 0), 10);
    CHECK_INT_EQ(gt_kobj_int(c, "livenessProbe.failureThreshold", 0), 3);
    CHECK_STR_EQ(gt_kobj_str(c, "livenessProbe.httpGet.path", ""), "/");
    CHECK_STR_EQ(gt_kobj_str(c, "livenessProbe.httpGet.scheme", ""), "HTTP");
    json_decref(pod);
}

TEST(pod_validation_errors)
{
    /* the error of the compatibility notes: kubectl prints
     * The Pod "err-422" is invalid: spec.containers[0].image: Required value */
    json_t *pod = J("{\"metadata\":{\"name\":\"err-422\",\"namespace\":\"default\"},"
                    "\"spec\":{\"containers\":[{\"name\":\"c\"}]}}");
    const struct gt_kind *k = gt_kind_find("pods");
    gt_kind_default(k, pod);
    struct gt_kfe_list l;
    gt_kfe_list_init(&l);
    CHECK_INT_EQ(gt_kind_validate(k, pod, NULL, &l), 1);
    json_t *st = gt_kfe_status(&l, k->group, k->kind, "err-422");
    CHECK_STR_EQ(gt_kobj_str(st, "message", ""),
                 "Pod \"err-422\" is invalid: spec.containers[0].image: Required value");
    CHECK_STR_EQ(gt_kobj_str(json_array_get(gt_kobj_arr(st, "details.causes"), 0), "field", ""),
                 "spec.containers[0].image");
    json_decref(st);
    gt_kfe_list_release(&l);
    json_decref(pod);

    pod = J("{\"metadata\":{\"name\":\"p\",\"namespace\":\"d\"},\"spec\":{\"restartPolicy\":"
            "\"Sometimes\",\"volumes\":[{\"name\":\"a\",\"emptyDir\":{},\"hostPath\":{\"path\":"
            "\"/x\"}}],\"containers\":[{\"name\":\"Web_1\",\"image\":\"x\",\"imagePullPolicy\":"
            "\"Maybe\",\"ports\":[{\"containerPort\":70000,\"protocol\":\"ICMP\"}],\"volumeMounts\":"
            "[{\"name\":\"data\",\"mountPath\":\"/d\"}],\"resources\":{\"requests\":{\"cpu\":\"2\"},"
            "\"limits\":{\"cpu\":\"1\"}},\"env\":[{\"name\":\"A=B\",\"value\":\"x\"}]},"
            "{\"name\":\"Web_1\",\"image\":\"y\"}]}}");
    cleanup_free char *s = check("pods", pod, NULL);
    CHECK_STR_CONTAINS(s, "spec.restartPolicy: Unsupported value: \"Sometimes\": supported "
                          "values: \"Always\", \"OnFailure\", \"Never\"");
    CHECK_STR_CONTAINS(s, "spec.volumes[0].hostPath: Forbidden: may not specify more than 1 "
                          "volume type");
    CHECK_STR_CONTAINS(s, "spec.containers[0].name: Invalid value: \"Web_1\": a lowercase RFC "
                          "1123 label");
    CHECK_STR_CONTAINS(s, "spec.containers[0].imagePullPolicy: Unsupported value: \"Maybe\"");
    CHECK_STR_CONTAINS(s, "spec.containers[0].ports[0].containerPort: Invalid value: 70000: "
                          "must be between 1 and 65535, inclusive");
    CHECK_STR_CONTAINS(s, "spec.containers[0].ports[0].protocol: Unsupported value: \"ICMP\"");
    CHECK_STR_CONTAINS(s, "spec.containers[0].volumeMounts[0].name: Not found: \"data\"");
    CHECK_STR_CONTAINS(s, "spec.containers[0].resources.requests: Invalid value: \"2\": must be "
                          "less than or equal to cpu limit of 1");
    CHECK_STR_CONTAINS(s, "spec.containers[0].env[0].name: Invalid value: \"A=B\"");
    CHECK_STR_CONTAINS(s, "spec.containers[1].name: Duplicate value: \"Web_1\"");
    json_decref(pod);

    /* extended resources with long names compare too */
    pod = J("{\"metadata\":{\"name\":\"p\",\"namespace\":\"d\"},\"spec\":{\"containers\":[{\"name\":"
            "\"c\",\"image\":\"x\",\"resources\":{\"requests\":{\"example.com/a-rather-long-extended-"
            "resource-name\":\"2\"},\"limits\":{\"example.com/a-rather-long-extended-resource-name\":"
            "\"1\"}}}]}}");
    cleanup_free char *s1 = check("pods", pod, NULL);
    CHECK_STR_EQ(s1, "spec.containers[0].resources.requests: Invalid value: \"2\": must be less "
                     "than or equal to example.com/a-rather-long-extended-resource-name limit of 1");
    json_decref(pod);

    /* no containers at all */
    pod = J("{\"metadata\":{\"name\":\"p\",\"namespace\":\"d\"},\"spec\":{}}");
    cleanup_free char *s2 = check("pods", pod, NULL);
    CHECK_STR_EQ(s2, "spec.containers: Required value");
    json_decref(pod);

    /* updates: only images (and a few fields) may change */
    json_t *old = J("{\"metadata\":{\"name\":\"p\",\"namespace\":\"d\"},\"spec\":{\"containers\":"
                    "[{\"name\":\"c\",\"image\":\"nginx:1\"}]}}");
    gt_kind_default(k, old);
    pod = json_deep_copy(old);
    gt_kobj_set_new(json_array_get(gt_kobj_arr(pod, "spec.containers"), 0), "image",
                    json_string("nginx:2"));
    cleanup_free char *s3 = check("pods", pod, old);
    CHECK_STR_EQ(s3, "");
    gt_kobj_set_new(pod, "spec.restartPolicy", json_string("Never"));
    cleanup_free char *s4 = check("pods", pod, old);
    CHECK_STR_CONTAINS(s4, "spec: Forbidden: pod updates may not change fields other than");
    json_decref(pod);
    json_decref(old);
}

TEST(workload_defaults)
{
    json_t *d = J("{\"metadata\":{\"name\":\"web\",\"namespace\":\"default\"},\"spec\":"
                  "{\"selector\":{\"matchLabels\":{\"app\":\"web\"}},\"template\":{\"metadata\":"
                  "{\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":[{\"name\":\"nginx\","
                  "\"image\":\"nginx:1.27\"}]}}}}");
    cleanup_free char *s = check("deployments", d, NULL);
    CHECK_STR_EQ(s, "");
    CHECK_INT_EQ(gt_kobj_int(d, "spec.replicas", 0), 1);
    CHECK_STR_EQ(gt_kobj_str(d, "spec.strategy.type", ""), "RollingUpdate");
    CHECK_STR_EQ(gt_kobj_str(d, "spec.strategy.rollingUpdate.maxUnavailable", ""), "25%");
    CHECK_STR_EQ(gt_kobj_str(d, "spec.strategy.rollingUpdate.maxSurge", ""), "25%");
    CHECK_INT_EQ(gt_kobj_int(d, "spec.revisionHistoryLimit", 0), 10);
    CHECK_INT_EQ(gt_kobj_int(d, "spec.progressDeadlineSeconds", 0), 600);
    CHECK_STR_EQ(gt_kobj_str(d, "spec.template.spec.restartPolicy", ""), "Always");
    CHECK(!gt_kobj_has(d, "spec.template.spec.serviceAccountName")); /* pods only */
    CHECK_STR_EQ(gt_kobj_str(json_array_get(gt_kobj_arr(d, "spec.template.spec.containers"), 0),
                             "imagePullPolicy", ""),
                 "IfNotPresent");
    json_decref(d);

    json_t *svc = J("{\"metadata\":{\"name\":\"web\",\"namespace\":\"default\"},\"spec\":"
                    "{\"selector\":{\"app\":\"web\"},\"ports\":[{\"port\":80}]}}");
    cleanup_free char *s2 = check("services", svc, NULL);
    CHECK_STR_EQ(s2, "");
    CHECK_STR_EQ(gt_kobj_str(svc, "spec.type", ""), "ClusterIP");
    CHECK_STR_EQ(gt_kobj_str(svc, "spec.sessionAffinity", ""), "None");
    json_t *p0 = json_array_get(gt_kobj_arr(svc, "spec.ports"), 0);
    CHECK_STR_EQ(gt_kobj_str(p0, "protocol", ""), "TCP");
    CHECK_INT_EQ(gt_kobj_int(p0, "targetPort", 0), 80);
    json_decref(svc);

    json_t *job = J("{\"metadata\":{\"name\":\"pi\",\"namespace\":\"default\",\"uid\":\"u-1\"},"
                    "\"spec\":{\"template\":{\"spec\":{\"restartPolicy\":\"Never\",\"containers\":"
                    "[{\"name\":\"pi\",\"image\":\"perl:5.34.0\",\"command\":[\"perl\",\"-Mbignum=bpi\","
                    "\"-wle\",\"print bpi(2000)\"]}]}}}}");
    cleanup_free char *s3 = check("jobs", job, NULL);
    CHECK_STR_EQ(s3, "");
    CHECK_INT_EQ(gt_kobj_int(job, "spec.completions", 0), 1);
    CHECK_INT_EQ(gt_kobj_int(job, "spec.parallelism", 0), 1);
    CHECK_INT_EQ(gt_kobj_int(job, "spec.backoffLimit", 0), 6);
    CHECK_STR_EQ(gt_kobj_str(job, "spec.completionMode", ""), "NonIndexed");
    CHECK(!gt_kobj_bool(job, "spec.suspend", true));
    json_t *ml = gt_kobj_obj(job, "spec.selector.matchLabels");
    CHECK_STR_EQ(json_string_value(json_object_get(ml, "batch.kubernetes.io/controller-uid")),
                 "u-1");
    json_t *tl = gt_kobj_obj(job, "spec.template.metadata.labels");
    CHECK_STR_EQ(json_string_value(json_object_get(tl, "job-name")), "pi");
    CHECK(json_object_get(gt_kobj_obj(job, "metadata.labels"), "controller-uid") != NULL);
    json_decref(job);

    json_t *cj = J("{\"metadata\":{\"name\":\"hello\",\"namespace\":\"default\"},\"spec\":"
                   "{\"schedule\":\"* * * * *\",\"jobTemplate\":{\"spec\":{\"template\":{\"spec\":"
                   "{\"restartPolicy\":\"OnFailure\",\"containers\":[{\"name\":\"hello\",\"image\":"
                   "\"busybox:1.28\"}]}}}}}}");
    cleanup_free char *s4 = check("cronjobs", cj, NULL);
    CHECK_STR_EQ(s4, "");
    CHECK_STR_EQ(gt_kobj_str(cj, "spec.concurrencyPolicy", ""), "Allow");
    CHECK_INT_EQ(gt_kobj_int(cj, "spec.successfulJobsHistoryLimit", 0), 3);
    CHECK_INT_EQ(gt_kobj_int(cj, "spec.failedJobsHistoryLimit", 0), 1);
    CHECK(!gt_kobj_bool(cj, "spec.suspend", true));
    json_decref(cj);

    json_t *ss = J("{\"metadata\":{\"name\":\"web\",\"namespace\":\"d\"},\"spec\":{\"serviceName\":"
                   "\"nginx\",\"selector\":{\"matchLabels\":{\"app\":\"nginx\"}},\"template\":"
                   "{\"metadata\":{\"labels\":{\"app\":\"nginx\"}},\"spec\":{\"containers\":[{\"name\":"
                   "\"nginx\",\"image\":\"registry.k8s.io/nginx-slim:0.24\"}]}}}}");
    cleanup_free char *s5 = check("sts", ss, NULL);
    CHECK_STR_EQ(s5, "");
    CHECK_STR_EQ(gt_kobj_str(ss, "spec.podManagementPolicy", ""), "OrderedReady");
    CHECK_INT_EQ(gt_kobj_int(ss, "spec.updateStrategy.rollingUpdate.partition", -1), 0);
    json_decref(ss);

    json_t *ns = J("{\"metadata\":{\"name\":\"team-a\"}}");
    cleanup_free char *s6 = check("ns", ns, NULL);
    CHECK_STR_EQ(s6, "");
    CHECK_STR_EQ(gt_kobj_str(ns, "status.phase", ""), "Active");
    CHECK_STR_EQ(json_string_value(json_object_get(gt_kobj_obj(ns, "metadata.labels"),
                                                   "kubernetes.io/metadata.name")),
                 "team-a");
    json_decref(ns);

    json_t *sec = J("{\"metadata\":{\"name\":\"s\",\"namespace\":\"d\"},\"stringData\":"
                    "{\"user\":\"admin\"},\"data\":{\"pw\":\"cEBzcw==\"}}");
    cleanup_free char *s7 = check("secrets", sec, NULL);
    CHECK_STR_EQ(s7, "");
    CHECK_STR_EQ(gt_kobj_str(sec, "type", ""), "Opaque");
    CHECK_STR_EQ(gt_kobj_str(sec, "data.user", ""), "YWRtaW4=");
    CHECK(!gt_kobj_has(sec, "stringData"));
    json_decref(sec);

    json_t *hpa = J("{\"metadata\":{\"name\":\"h\",\"namespace\":\"d\"},\"spec\":{\"scaleTargetRef\":"
                    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"name\":\"web\"},"
                    "\"maxReplicas\":5}}");
    cleanup_free char *s8 = check("hpa", hpa, NULL);
    CHECK_STR_EQ(s8, "");
    CHECK_INT_EQ(gt_kobj_int(hpa, "spec.minReplicas", 0), 1);
    CHECK_INT_EQ(gt_kobj_int(json_array_get(gt_kobj_arr(hpa, "spec.metrics"), 0),
                             "resource.target.averageUtilization", 0),
                 80);
    json_decref(hpa);

    json_t *lr = J("{\"metadata\":{\"name\":\"l\",\"namespace\":\"d\"},\"spec\":{\"limits\":"
                   "[{\"type\":\"Container\",\"max\":{\"cpu\":\"1\"},\"min\":{\"memory\":\"10Mi\"}}]}}");
    cleanup_free char *s9 = check("limits", lr, NULL);
    CHECK_STR_EQ(s9, "");
    json_t *item = json_array_get(gt_kobj_arr(lr, "spec.limits"), 0);
    CHECK_STR_EQ(gt_kobj_str(item, "default.cpu", ""), "1");
    CHECK_STR_EQ(gt_kobj_str(item, "defaultRequest.cpu", ""), "1");
    CHECK_STR_EQ(gt_kobj_str(item, "defaultRequest.memory", ""), "10Mi");
    json_decref(lr);
}

TEST(workload_validation_errors)
{
    json_t *d = J("{\"metadata\":{\"name\":\"web\",\"namespace\":\"default\"},\"spec\":"
                  "{\"replicas\":-1,\"selector\":{\"matchLabels\":{\"app\":\"db\"}},\"strategy\":"
                  "{\"type\":\"Recreate\",\"rollingUpdate\":{\"maxSurge\":1}},\"template\":"
                  "{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{\"restartPolicy\":\"Never\","
                  "\"containers\":[{\"name\":\"nginx\",\"image\":\"nginx\"}]}}}}");
    cleanup_free char *s = check("deployments", d, NULL);
    CHECK_STR_CONTAINS(s, "spec.template.metadata.labels: Invalid value: {\"app\":\"web\"}: "
                          "`selector` does not match template `labels`");
    CHECK_STR_CONTAINS(s, "spec.template.spec.restartPolicy: Unsupported value: \"Never\": "
                          "supported values: \"Always\"");
    CHECK_STR_CONTAINS(s, "spec.replicas: Invalid value: -1: must be greater than or equal to 0");
    CHECK_STR_CONTAINS(s, "spec.strategy.rollingUpdate: Forbidden: may not be specified when "
                          "strategy `type` is 'Recreate'");
    json_decref(d);

    json_t *old = J("{\"metadata\":{\"name\":\"web\",\"namespace\":\"default\"},\"spec\":"
                    "{\"selector\":{\"matchLabels\":{\"app\":\"web\"}},\"template\":{\"metadata\":"
                    "{\"labels\":{\"app\":\"web\",\"v\":\"2\"}},\"spec\":{\"containers\":[{\"name\":"
                    "\"nginx\",\"image\":\"nginx\"}]}}}}");
    d = json_deep_copy(old);
    gt_kobj_set_new(d, "spec.selector", J("{\"matchLabels\":{\"v\":\"2\"}}"));
    cleanup_free char *s2 = check("deployments", d, old);
    CHECK_STR_EQ(s2, "spec.selector: Invalid value: {\"matchLabels\":{\"v\":\"2\"}}: field is "
                     "immutable");
    json_decref(d);
    json_decref(old);

    json_t *job = J("{\"metadata\":{\"name\":\"j\",\"namespace\":\"d\"},\"spec\":{\"template\":"
                    "{\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}}}");
    cleanup_free char *s3 = check("jobs", job, NULL);
    CHECK_STR_EQ(s3, "spec.template.spec.restartPolicy: Unsupported value: \"Always\": supported "
                     "values: \"OnFailure\", \"Never\"");
    json_decref(job);

    json_t *cj = J("{\"metadata\":{\"name\":\"c\",\"namespace\":\"d\"},\"spec\":{\"schedule\":"
                   "\"61 * * * *\",\"concurrencyPolicy\":\"Sometimes\",\"jobTemplate\":{\"spec\":"
                   "{\"template\":{\"spec\":{\"restartPolicy\":\"Never\",\"containers\":[{\"name\":"
                   "\"c\",\"image\":\"x\"}]}}}}}}");
    cleanup_free char *s4 = check("cronjobs", cj, NULL);
    CHECK_STR_CONTAINS(s4, "spec.schedule: Invalid value: \"61 * * * *\"");
    CHECK_STR_CONTAINS(s4, "spec.concurrencyPolicy: Unsupported value: \"Sometimes\"");
    json_decref(cj);
    static const char *const good[] = { "*/5 * * * *", "0 0 1 JAN-MAR MON,FRI", "@hourly",
                                        "0 9-17 * * 1-5", "30 2 * * 0" };
    static const char *const bad[] = { "* * * *", "@sometimes", "TZ=UTC * * * * *",
                                       "0 24 * * *", "5-1 * * * *" };
    for (size_t i = 0; i < 5; i++) {
        cj = J("{\"metadata\":{\"name\":\"c\",\"namespace\":\"d\"},\"spec\":{\"jobTemplate\":"
               "{\"spec\":{\"template\":{\"spec\":{\"restartPolicy\":\"Never\",\"containers\":"
               "[{\"name\":\"c\",\"image\":\"x\"}]}}}}}}");
        gt_kobj_set_new(cj, "spec.schedule", json_string(good[i]));
        cleanup_free char *g = check("cronjobs", cj, NULL);
        CHECK_STR_EQ(g, "");
        gt_kobj_set_new(cj, "spec.schedule", json_string(bad[i]));
        cleanup_free char *b = check("cronjobs", cj, NULL);
        CHECK_STR_CONTAINS(b, "spec.schedule: Invalid value");
        json_decref(cj);
    }
}

TEST(service_and_config_validation)
{
    json_t *svc = J("{\"metadata\":{\"name\":\"web\",\"namespace\":\"d\"},\"spec\":{\"ports\":"
                    "[{\"port\":80,\"nodePort\":30080},{\"port\":443,\"targetPort\":\"https\"}]}}");
    cleanup_free char *s = check("svc", svc, NULL);
    CHECK_STR_CONTAINS(s, "spec.ports[0].name: Required value");
    CHECK_STR_CONTAINS(s, "spec.ports[0].nodePort: Forbidden: may not be used when `type` is "
                          "'ClusterIP'");
    json_decref(svc);
    svc = J("{\"metadata\":{\"name\":\"1web\",\"namespace\":\"d\"},\"spec\":{\"type\":"
            "\"ExternalName\"}}");
    cleanup_free char *s2 = check("svc", svc, NULL);
    CHECK_STR_CONTAINS(s2, "metadata.name: Invalid value: \"1web\": a DNS-1035 label");
    CHECK_STR_CONTAINS(s2, "spec.externalName: Required value");
    json_decref(svc);
    svc = J("{\"metadata\":{\"name\":\"web\",\"namespace\":\"d\"},\"spec\":{}}");
    cleanup_free char *s3 = check("svc", svc, NULL);
    CHECK_STR_EQ(s3, "spec.ports: Required value");
    json_decref(svc);
    json_t *old = J("{\"metadata\":{\"name\":\"web\",\"namespace\":\"d\"},\"spec\":{\"clusterIP\":"
                    "\"10.96.0.10\",\"ports\":[{\"port\":53}]}}");
    svc = json_deep_copy(old);
    gt_kobj_set_new(svc, "spec.clusterIP", json_string("10.96.0.11"));
    gt_kobj_del(svc, "spec.clusterIPs");
    cleanup_free char *s4 = check("svc", svc, old);
    CHECK_STR_CONTAINS(s4, "spec.clusterIPs[0]: Invalid value: \"10.96.0.11\": may not change "
                           "once set");
    json_decref(svc);
    json_decref(old);

    json_t *cm = J("{\"metadata\":{\"name\":\"c\",\"namespace\":\"d\"},\"data\":{\"a b\":\"x\","
                   "\"ok\":\"1\"},\"binaryData\":{\"ok\":\"AAEC\",\"bin\":\"!!\"}}");
    cleanup_free char *s5 = check("cm", cm, NULL);
    CHECK_STR_CONTAINS(s5, "data[a b]: Invalid value: \"a b\": a valid config key must consist");
    CHECK_STR_CONTAINS(s5, "binaryData[ok]: Invalid value: \"ok\": duplicate of key present in data");
    CHECK_STR_CONTAINS(s5, "binaryData[bin]: Invalid value: \"!!\": illegal base64 data");
    json_decref(cm);
    old = J("{\"metadata\":{\"name\":\"c\",\"namespace\":\"d\"},\"immutable\":true,\"data\":"
            "{\"a\":\"1\"}}");
    cm = json_deep_copy(old);
    gt_kobj_set_new(cm, "data.a", json_string("2"));
    cleanup_free char *s6 = check("cm", cm, old);
    CHECK_STR_EQ(s6, "data: Forbidden: field is immutable when `immutable` is set");
    json_decref(cm);
    json_decref(old);

    json_t *sec = J("{\"metadata\":{\"name\":\"t\",\"namespace\":\"d\"},\"type\":"
                    "\"kubernetes.io/tls\",\"data\":{\"tls.crt\":\"eA==\"}}");
    cleanup_free char *s7 = check("secrets", sec, NULL);
    CHECK_STR_EQ(s7, "data[tls.key]: Required value");
    json_decref(sec);
}

TEST(rbac_validation)
{
    json_t *r = J("{\"metadata\":{\"name\":\"pod-reader\",\"namespace\":\"default\"},\"rules\":"
                  "[{\"apiGroups\":[\"\"],\"resources\":[\"pods\"],\"verbs\":[\"get\",\"watch\","
                  "\"list\"]}]}");
    cleanup_free char *s = check("roles", r, NULL);
    CHECK_STR_EQ(s, "");
    json_decref(r);
    r = J("{\"metadata\":{\"name\":\"x\",\"namespace\":\"default\"},\"rules\":[{\"resources\":"
          "[\"pods\"]},{\"nonResourceURLs\":[\"/healthz\"],\"verbs\":[\"get\"]}]}");
    cleanup_free char *s2 = check("roles", r, NULL);
    CHECK_STR_CONTAINS(s2, "rules[0].verbs: Required value: verbs must contain at least one value");
    CHECK_STR_CONTAINS(s2, "rules[0].apiGroups: Required value: resource rules must supply at "
                           "least one api group");
    CHECK_STR_CONTAINS(s2, "rules[1].nonResourceURLs: Invalid value: [\"/healthz\"]: namespaced "
                           "rules cannot apply to non-resource URLs");
    json_decref(r);
    r = J("{\"metadata\":{\"name\":\"system:node:x\"},\"rules\":[{\"nonResourceURLs\":"
          "[\"/healthz\"],\"verbs\":[\"get\"]}]}");
    cleanup_free char *s3 = check("clusterroles", r, NULL);
    CHECK_STR_EQ(s3, ""); /* path-segment names allow ':' */
    json_decref(r);

    json_t *old = J("{\"metadata\":{\"name\":\"read-pods\",\"namespace\":\"default\"},"
                    "\"subjects\":[{\"kind\":\"User\",\"name\":\"jane\"},{\"kind\":\"ServiceAccount\","
                    "\"name\":\"sa1\",\"namespace\":\"default\"}],\"roleRef\":{\"kind\":\"Role\","
                    "\"name\":\"pod-reader\",\"apiGroup\":\"rbac.authorization.k8s.io\"}}");
    cleanup_free char *s4 = check("rolebindings", old, NULL);
    CHECK_STR_EQ(s4, "");
    CHECK_STR_EQ(gt_kobj_str(json_array_get(gt_kobj_arr(old, "subjects"), 0), "apiGroup", ""),
                 "rbac.authorization.k8s.io");
    /* a service account's group is "": omitted, as Kubernetes encodes it */
    CHECK(!json_object_get(json_array_get(gt_kobj_arr(old, "subjects"), 1), "apiGroup"));
    json_t *b = json_deep_copy(old);
    gt_kobj_set_new(b, "roleRef.name", json_string("other"));
    cleanup_free char *s5 = check("rolebindings", b, old);
    CHECK_STR_CONTAINS(s5, "roleRef: Invalid value: ");
    CHECK_STR_CONTAINS(s5, ": cannot change roleRef");
    json_decref(b);
    json_decref(old);
    b = J("{\"metadata\":{\"name\":\"x\"},\"subjects\":[{\"kind\":\"ServiceAccount\",\"name\":"
          "\"sa\"}],\"roleRef\":{\"kind\":\"Role\",\"name\":\"r\",\"apiGroup\":"
          "\"rbac.authorization.k8s.io\"}}");
    cleanup_free char *s6 = check("clusterrolebindings", b, NULL);
    CHECK_STR_CONTAINS(s6, "roleRef.kind: Unsupported value: \"Role\": supported values: "
                           "\"ClusterRole\"");
    CHECK_STR_CONTAINS(s6, "subjects[0].namespace: Required value");
    json_decref(b);

    json_t *ssar = J("{\"spec\":{}}");
    cleanup_free char *s7 = check("selfsubjectaccessreviews", ssar, NULL);
    CHECK_STR_EQ(s7, "spec.resourceAttributes: Invalid value: null: exactly one of "
                     "nonResourceAttributes or resourceAttributes must be specified");
    json_decref(ssar);
}

static json_t *row_cells(const char *kind, const char *obj)
{
    json_t *o = J(obj);
    json_t *row = gt_kind_table_row(gt_kind_find(kind), o, NOW);
    json_t *cells = json_incref(json_object_get(row, "cells"));
    json_decref(row);
    json_decref(o);
    return cells;
}

static const char *cell(json_t *cells, size_t i)
{
    static char buf[64];
    json_t *c = json_array_get(cells, i);
    if (json_is_integer(c)) {
        snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(c));
        return buf;
    }
    if (json_is_boolean(c))
        return json_is_true(c) ? "true" : "false";
    return json_string_value(c) ? json_string_value(c) : "(not a string)";
}

TEST(table_cells_like_kubectl)
{
    json_t *c = row_cells("pods",
        "{\"metadata\":{\"name\":\"web-1\",\"creationTimestamp\":\"" T0 "\"},\"spec\":"
        "{\"nodeName\":\"node1\",\"containers\":[{\"name\":\"nginx\"},{\"name\":\"sidecar\"}]},"
        "\"status\":{\"phase\":\"Running\",\"podIPs\":[{\"ip\":\"10.244.0.5\"}],"
        "\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}],\"containerStatuses\":"
        "[{\"name\":\"nginx\",\"ready\":true,\"restartCount\":1,\"state\":{\"running\":{}},"
        "\"lastState\":{\"terminated\":{\"finishedAt\":\"2024-05-01T10:02:00Z\"}}},{\"name\":"
        "\"sidecar\",\"ready\":true,\"restartCount\":0,\"state\":{\"running\":{}}}]}}");
    REQUIRE(json_array_size(c) == 9);
    CHECK_STR_EQ(cell(c, 0), "web-1");
    CHECK_STR_EQ(cell(c, 1), "2/2");
    CHECK_STR_EQ(cell(c, 2), "Running");
    CHECK_STR_EQ(cell(c, 3), "1 (80s ago)");
    CHECK_STR_EQ(cell(c, 4), "3m20s");
    CHECK_STR_EQ(cell(c, 5), "10.244.0.5");
    CHECK_STR_EQ(cell(c, 6), "node1");
    CHECK_STR_EQ(cell(c, 7), "<none>");
    CHECK_STR_EQ(cell(c, 8), "<none>");
    json_decref(c);

    c = row_cells("pods",
        "{\"metadata\":{\"name\":\"p\",\"creationTimestamp\":\"" T0 "\"},\"spec\":{\"containers\":"
        "[{\"name\":\"c\"}]},\"status\":{\"phase\":\"Pending\",\"containerStatuses\":[{\"name\":"
        "\"c\",\"ready\":false,\"restartCount\":0,\"state\":{\"waiting\":{\"reason\":"
        "\"ImagePullBackOff\"}}}]}}");
    CHECK_STR_EQ(cell(c, 1), "0/1");
    CHECK_STR_EQ(cell(c, 2), "ImagePullBackOff");
    CHECK_STR_EQ(cell(c, 3), "0");
    json_decref(c);

    c = row_cells("pods",
        "{\"metadata\":{\"name\":\"p\",\"deletionTimestamp\":\"" T0 "\"},\"spec\":{\"initContainers\":"
        "[{\"name\":\"i\"}],\"containers\":[{\"name\":\"c\"}]},\"status\":{\"phase\":\"Running\"}}");
    CHECK_STR_EQ(cell(c, 2), "Terminating");
    CHECK_STR_EQ(cell(c, 4), "<unknown>");
    json_decref(c);

    c = row_cells("pods",
        "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"initContainers\":[{\"name\":\"i\"}],"
        "\"containers\":[{\"name\":\"c\"}]},\"status\":{\"phase\":\"Pending\","
        "\"initContainerStatuses\":[{\"name\":\"i\",\"state\":{\"running\":{}}}]}}");
    CHECK_STR_EQ(cell(c, 2), "Init:0/1");
    json_decref(c);

    c = row_cells("pods",
        "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"name\":\"c\"}]},\"status\":"
        "{\"phase\":\"Failed\",\"containerStatuses\":[{\"name\":\"c\",\"state\":{\"terminated\":"
        "{\"exitCode\":3}}}]}}");
    CHECK_STR_EQ(cell(c, 2), "ExitCode:3");
    json_decref(c);

    c = row_cells("deployments",
        "{\"metadata\":{\"name\":\"web\",\"creationTimestamp\":\"" T0 "\"},\"spec\":{\"replicas\":3,"
        "\"selector\":{\"matchLabels\":{\"app\":\"web\"}},\"template\":{\"spec\":{\"containers\":"
        "[{\"name\":\"nginx\",\"image\":\"nginx:1.27\"},{\"name\":\"log\",\"image\":\"busybox\"}]}}},"
        "\"status\":{\"readyReplicas\":2,\"updatedReplicas\":3,\"availableReplicas\":2}}");
    REQUIRE(json_array_size(c) == 8);
    CHECK_STR_EQ(cell(c, 1), "2/3");
    CHECK_STR_EQ(cell(c, 2), "3");
    CHECK(json_is_integer(json_array_get(c, 2)));
    CHECK_STR_EQ(cell(c, 3), "2");
    CHECK_STR_EQ(cell(c, 4), "3m20s");
    CHECK_STR_EQ(cell(c, 5), "nginx,log");
    CHECK_STR_EQ(cell(c, 6), "nginx:1.27,busybox");
    CHECK_STR_EQ(cell(c, 7), "app=web");
    json_decref(c);

    c = row_cells("services",
        "{\"metadata\":{\"name\":\"web\"},\"spec\":{\"type\":\"NodePort\",\"clusterIPs\":"
        "[\"10.96.0.1\"],\"selector\":{\"app\":\"web\"},\"ports\":[{\"port\":80,\"protocol\":\"TCP\"},"
        "{\"port\":443,\"nodePort\":30443,\"protocol\":\"TCP\"}]}}");
    CHECK_STR_EQ(cell(c, 1), "NodePort");
    CHECK_STR_EQ(cell(c, 2), "10.96.0.1");
    CHECK_STR_EQ(cell(c, 3), "<none>");
    CHECK_STR_EQ(cell(c, 4), "80/TCP,443:30443/TCP");
    CHECK_STR_EQ(cell(c, 6), "app=web");
    json_decref(c);
    c = row_cells("services", "{\"metadata\":{\"name\":\"lb\"},\"spec\":{\"type\":\"LoadBalancer\","
                              "\"clusterIP\":\"10.96.0.2\"}}");
    CHECK_STR_EQ(cell(c, 3), "<pending>");
    CHECK_STR_EQ(cell(c, 4), "<none>");
    CHECK_STR_EQ(cell(c, 6), "<none>");
    json_decref(c);

    c = row_cells("nodes",
        "{\"metadata\":{\"name\":\"node1\",\"labels\":{\"node-role.kubernetes.io/control-plane\":"
        "\"\",\"kubernetes.io/role\":\"worker\"}},\"spec\":{\"unschedulable\":true},\"status\":"
        "{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}],\"addresses\":[{\"type\":"
        "\"InternalIP\",\"address\":\"10.0.0.1\"}],\"nodeInfo\":{\"kubeletVersion\":\"v1.32.0\"}}}");
    CHECK_STR_EQ(cell(c, 1), "Ready,SchedulingDisabled");
    CHECK_STR_EQ(cell(c, 2), "control-plane,worker");
    CHECK_STR_EQ(cell(c, 4), "v1.32.0");
    CHECK_STR_EQ(cell(c, 5), "10.0.0.1");
    CHECK_STR_EQ(cell(c, 6), "<none>");
    CHECK_STR_EQ(cell(c, 7), "<unknown>");
    json_decref(c);

    c = row_cells("events",
        "{\"metadata\":{\"name\":\"web-1.17\"},\"type\":\"Normal\",\"reason\":\"Scheduled\","
        "\"message\":\"Successfully assigned default/web-1 to node1\\n\",\"involvedObject\":"
        "{\"kind\":\"Pod\",\"name\":\"web-1\"},\"source\":{\"component\":\"default-scheduler\"},"
        "\"firstTimestamp\":\"2024-05-01T10:01:00Z\",\"lastTimestamp\":\"2024-05-01T10:02:00Z\","
        "\"count\":2}");
    CHECK_STR_EQ(cell(c, 0), "80s");
    CHECK_STR_EQ(cell(c, 3), "pod/web-1");
    CHECK_STR_EQ(cell(c, 5), "default-scheduler");
    CHECK_STR_EQ(cell(c, 6), "Successfully assigned default/web-1 to node1");
    CHECK_STR_EQ(cell(c, 7), "2m20s");
    CHECK_STR_EQ(cell(c, 8), "2");
    json_decref(c);

    c = row_cells("jobs",
        "{\"metadata\":{\"name\":\"pi\"},\"spec\":{\"completions\":1},\"status\":{\"succeeded\":1,"
        "\"startTime\":\"2024-05-01T10:00:00Z\",\"completionTime\":\"2024-05-01T10:00:42Z\","
        "\"conditions\":[{\"type\":\"Complete\",\"status\":\"True\"}]}}");
    CHECK_STR_EQ(cell(c, 1), "Complete");
    CHECK_STR_EQ(cell(c, 2), "1/1");
    CHECK_STR_EQ(cell(c, 3), "42s");
    json_decref(c);

    c = row_cells("cronjobs", "{\"metadata\":{\"name\":\"c\"},\"spec\":{\"schedule\":\"*/1 * * * *\","
                              "\"suspend\":false}}");
    CHECK_STR_EQ(cell(c, 2), "<none>");
    CHECK_STR_EQ(cell(c, 3), "False");
    CHECK_STR_EQ(cell(c, 5), "<none>");
    json_decref(c);

    c = row_cells("rolebindings",
        "{\"metadata\":{\"name\":\"rb\"},\"roleRef\":{\"kind\":\"Role\",\"name\":\"r1\"},"
        "\"subjects\":[{\"kind\":\"User\",\"name\":\"alice\"},{\"kind\":\"ServiceAccount\","
        "\"name\":\"sa1\",\"namespace\":\"default\"},{\"kind\":\"Group\",\"name\":\"g1\"}]}");
    CHECK_STR_EQ(cell(c, 1), "Role/r1");
    CHECK_STR_EQ(cell(c, 3), "alice");
    CHECK_STR_EQ(cell(c, 4), "g1");
    CHECK_STR_EQ(cell(c, 5), "default/sa1");
    json_decref(c);

    c = row_cells("roles", "{\"metadata\":{\"name\":\"r\",\"creationTimestamp\":\"" T0 "\"}}");
    CHECK_STR_EQ(cell(c, 1), T0);
    json_decref(c);

    c = row_cells("resourcequotas",
        "{\"metadata\":{\"name\":\"q\"},\"status\":{\"hard\":{\"pods\":\"10\",\"limits.cpu\":\"2\","
        "\"requests.memory\":\"1Gi\"},\"used\":{\"pods\":\"3\",\"limits.cpu\":\"500m\"}}}");
    CHECK_STR_EQ(cell(c, 1), "pods: 3/10, requests.memory: 0/1Gi");
    CHECK_STR_EQ(cell(c, 2), "limits.cpu: 500m/2");
    json_decref(c);

    c = row_cells("hpa",
        "{\"metadata\":{\"name\":\"h\"},\"spec\":{\"scaleTargetRef\":{\"kind\":\"Deployment\","
        "\"name\":\"web\"},\"minReplicas\":1,\"maxReplicas\":10,\"metrics\":[{\"type\":\"Resource\","
        "\"resource\":{\"name\":\"cpu\",\"target\":{\"type\":\"Utilization\",\"averageUtilization\":"
        "50}}}]},\"status\":{\"currentReplicas\":2,\"currentMetrics\":[{\"type\":\"Resource\","
        "\"resource\":{\"name\":\"cpu\",\"current\":{\"averageUtilization\":20}}}]}}");
    CHECK_STR_EQ(cell(c, 1), "Deployment/web");
    CHECK_STR_EQ(cell(c, 2), "cpu: 20%/50%");
    CHECK_STR_EQ(cell(c, 3), "1");
    CHECK_STR_EQ(cell(c, 4), "10");
    json_decref(c);

    c = row_cells("endpoints",
        "{\"metadata\":{\"name\":\"e\"},\"subsets\":[{\"addresses\":[{\"ip\":\"10.0.0.1\"},{\"ip\":"
        "\"10.0.0.2\"},{\"ip\":\"10.0.0.3\"},{\"ip\":\"10.0.0.4\"}],\"ports\":[{\"port\":80}]}]}");
    CHECK_STR_EQ(cell(c, 1), "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 1 more...");
    json_decref(c);

    c = row_cells("storageclasses",
        "{\"metadata\":{\"name\":\"standard\",\"annotations\":{\"storageclass.kubernetes.io/"
        "is-default-class\":\"true\"}},\"provisioner\":\"rancher.io/local-path\"}");
    CHECK_STR_EQ(cell(c, 0), "standard (default)");
    CHECK_STR_EQ(cell(c, 2), "Delete");
    CHECK_STR_EQ(cell(c, 4), "false");
    json_decref(c);
}

TEST(tables_carry_columns_and_partial_metadata)
{
    json_t *items = J("[{\"metadata\":{\"name\":\"a\",\"namespace\":\"default\",\"labels\":"
                      "{\"app\":\"x\"},\"managedFields\":[{}]}},{\"metadata\":{\"name\":\"b\"}}]");
    json_t *t = gt_kind_table(gt_kind_find("pods"), items, NOW, true, "1004");
    CHECK_STR_EQ(gt_kobj_str(t, "kind", ""), "Table");
    CHECK_STR_EQ(gt_kobj_str(t, "apiVersion", ""), "meta.k8s.io/v1");
    CHECK_STR_EQ(gt_kobj_str(t, "metadata.resourceVersion", ""), "1004");
    json_t *cols = gt_kobj_arr(t, "columnDefinitions");
    REQUIRE(json_array_size(cols) == 9);
    CHECK_STR_EQ(gt_kobj_str(json_array_get(cols, 0), "format", ""), "name");
    CHECK_INT_EQ(gt_kobj_int(json_array_get(cols, 4), "priority", -1), 0);
    CHECK_STR_EQ(gt_kobj_str(json_array_get(cols, 5), "name", ""), "IP");
    CHECK_INT_EQ(gt_kobj_int(json_array_get(cols, 5), "priority", -1), 1);
    json_t *rows = gt_kobj_arr(t, "rows");
    REQUIRE(json_array_size(rows) == 2);
    json_t *obj = json_object_get(json_array_get(rows, 0), "object");
    CHECK_STR_EQ(gt_kobj_str(obj, "kind", ""), "PartialObjectMetadata");
    CHECK_STR_EQ(gt_kobj_str(obj, "metadata.namespace", ""), "default");
    CHECK(!gt_kobj_has(obj, "metadata.managedFields"));
    CHECK(gt_kobj_has(obj, "metadata.labels"));
    json_decref(t);
    t = gt_kind_table(gt_kind_find("pods"), items, NOW, false, NULL);
    CHECK_INT_EQ(gt_kobj_len(t, "columnDefinitions"), 0);
    json_decref(t);
    json_decref(items);
    /* every kind's cells line up with its columns */
    size_t n;
    const struct gt_kind *const *all = gt_kinds(&n);
    json_t *o = J("{\"metadata\":{\"name\":\"x\"}}");
    for (size_t i = 0; i < n; i++) {
        json_t *cd = gt_kind_table_columns(all[i]);
        json_t *row = gt_kind_table_row(all[i], o, NOW);
        if (json_array_size(cd) != gt_kobj_len(row, "cells"))
            unit_fail(__FILE__, __LINE__, "%s: %zu columns, %zu cells", all[i]->resource,
                      json_array_size(cd), gt_kobj_len(row, "cells"));
        json_decref(cd);
        json_decref(row);
    }
    json_decref(o);
}

static json_t *find_resource(json_t *list, const char *group, const char *resource)
{
    size_t i, k;
    json_t *g, *r;
    json_array_foreach(gt_kobj_arr(list, "items"), i, g) {
        if (strcmp(gt_kobj_str(g, "metadata.name", ""), group) != 0)
            continue;
        json_t *v = json_array_get(gt_kobj_arr(g, "versions"), 0);
        json_array_foreach(gt_kobj_arr(v, "resources"), k, r) {
            if (strcmp(gt_kobj_str(r, "resource", ""), resource) == 0)
                return r;
        }
    }
    return NULL;
}

TEST(discovery_documents)
{
    json_t *core = gt_kinds_discovery(true);
    CHECK_STR_EQ(gt_kobj_str(core, "kind", ""), "APIGroupDiscoveryList");
    CHECK_STR_EQ(gt_kobj_str(core, "apiVersion", ""), "apidiscovery.k8s.io/v2");
    CHECK_INT_EQ(gt_kobj_len(core, "items"), 1);
    json_t *pods = find_resource(core, "", "pods");
    REQUIRE(pods);
    CHECK_STR_EQ(gt_kobj_str(pods, "scope", ""), "Namespaced");
    CHECK_STR_EQ(gt_kobj_str(pods, "singularResource", ""), "pod");
    CHECK_STR_EQ(gt_kobj_str(pods, "responseKind.kind", ""), "Pod");
    CHECK_STR_EQ(json_string_value(json_array_get(gt_kobj_arr(pods, "shortNames"), 0)), "po");
    CHECK_STR_EQ(json_string_value(json_array_get(gt_kobj_arr(pods, "categories"), 0)), "all");
    CHECK_INT_EQ(gt_kobj_len(pods, "verbs"), 8);
    CHECK_STR_EQ(json_string_value(json_array_get(gt_kobj_arr(pods, "verbs"), 0)), "create");
    json_t *ns = find_resource(core, "", "namespaces");
    REQUIRE(ns);
    CHECK_STR_EQ(gt_kobj_str(ns, "scope", ""), "Cluster");
    json_decref(core);

    json_t *apis = gt_kinds_discovery(false);
    json_t *dep = find_resource(apis, "apps", "deployments");
    REQUIRE(dep);
    json_t *sub = json_array_get(gt_kobj_arr(dep, "subresources"), 0);
    CHECK_STR_EQ(gt_kobj_str(sub, "subresource", ""), "scale");
    CHECK_STR_EQ(gt_kobj_str(sub, "responseKind.group", ""), "autoscaling");
    CHECK_STR_EQ(gt_kobj_str(sub, "responseKind.kind", ""), "Scale");
    CHECK_INT_EQ(gt_kobj_len(sub, "verbs"), 3);
    json_t *ssar = find_resource(apis, "authorization.k8s.io", "selfsubjectaccessreviews");
    REQUIRE(ssar);
    CHECK_INT_EQ(gt_kobj_len(ssar, "verbs"), 1);
    CHECK(find_resource(apis, "", "pods") == NULL);
    json_decref(apis);

    json_t *rl = gt_kinds_resource_list("apps", "v1");
    REQUIRE(rl);
    CHECK_STR_EQ(gt_kobj_str(rl, "groupVersion", ""), "apps/v1");
    bool scale = false;
    size_t i;
    json_t *r;
    json_array_foreach(gt_kobj_arr(rl, "resources"), i, r) {
        if (strcmp(gt_kobj_str(r, "name", ""), "deployments/scale") == 0) {
            scale = true;
            CHECK_STR_EQ(gt_kobj_str(r, "group", ""), "autoscaling");
        }
    }
    CHECK(scale);
    json_decref(rl);
    CHECK(gt_kinds_resource_list("apps", "v2") == NULL);
    rl = gt_kinds_resource_list("", "v1");
    REQUIRE(rl);
    CHECK_STR_EQ(gt_kobj_str(rl, "groupVersion", ""), "v1");
    json_decref(rl);
    json_t *gl = gt_kinds_group_list();
    CHECK_STR_EQ(gt_kobj_str(json_array_get(gt_kobj_arr(gl, "groups"), 0), "name", ""), "apps");
    CHECK_STR_EQ(gt_kobj_str(json_array_get(gt_kobj_arr(gl, "groups"), 0), "preferredVersion.groupVersion", ""),
                 "apps/v1");
    json_decref(gl);
}

TEST(scale_subresource)
{
    const struct gt_kind *k = gt_kind_find("deployments");
    json_t *d = J("{\"metadata\":{\"name\":\"web\",\"namespace\":\"default\",\"uid\":\"u\","
                  "\"resourceVersion\":\"7\"},\"spec\":{\"replicas\":3,\"selector\":{\"matchLabels\":"
                  "{\"app\":\"web\"}}},\"status\":{\"replicas\":2}}");
    json_t *s = gt_kind_scale(k, d);
    CHECK_STR_EQ(gt_kobj_str(s, "kind", ""), "Scale");
    CHECK_STR_EQ(gt_kobj_str(s, "apiVersion", ""), "autoscaling/v1");
    CHECK_INT_EQ(gt_kobj_int(s, "spec.replicas", 0), 3);
    CHECK_INT_EQ(gt_kobj_int(s, "status.replicas", 0), 2);
    CHECK_STR_EQ(gt_kobj_str(s, "status.selector", ""), "app=web");
    CHECK_STR_EQ(gt_kobj_str(s, "metadata.resourceVersion", ""), "7");
    json_decref(s);
    json_t *patch = J("{\"spec\":{\"replicas\":4}}");
    REQUIRE(gt_kind_apply_scale(k, d, patch, NULL) == 0);
    CHECK_INT_EQ(gt_kobj_int(d, "spec.replicas", 0), 4);
    json_decref(patch);
    patch = J("{\"spec\":{\"replicas\":-1}}");
    struct gt_error err;
    CHECK(gt_kind_apply_scale(k, d, patch, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "must be greater than or equal to 0");
    json_decref(patch);
    CHECK(gt_kind_apply_scale(gt_kind_find("cm"), d, patch, &err) < 0);
    json_decref(d);
}

TEST(field_selector_tables)
{
    const struct gt_kind *k = gt_kind_find("secrets");
    struct gt_kfsel *sel;
    REQUIRE(gt_kfsel_parse("type=kubernetes.io/tls", &sel, NULL) == 0);
    CHECK(gt_kfsel_check(sel, k->fields, NULL) == 0);
    json_t *s = J("{\"metadata\":{\"name\":\"t\"},\"type\":\"kubernetes.io/tls\"}");
    CHECK(gt_kfsel_matches(sel, s, k->fields));
    json_decref(s);
    gt_kfsel_free(sel);
    REQUIRE(gt_kfsel_parse("status.successful=1", &sel, NULL) == 0);
    CHECK(gt_kfsel_check(sel, gt_kind_find("jobs")->fields, NULL) == 0);
    CHECK(gt_kfsel_check(sel, gt_kind_find("pods")->fields, NULL) < 0);
    s = J("{\"status\":{\"succeeded\":1}}");
    CHECK(gt_kfsel_matches(sel, s, gt_kind_find("jobs")->fields));
    json_decref(s);
    gt_kfsel_free(sel);
}

/* Replaces a random node of v (depth-first index pick) with atom. */
static void mutate(json_t *v, unsigned *seed, json_t *atom)
{
    for (int depth = 0; depth < 8; depth++) {
        *seed = *seed * 1103515245 + 12345;
        size_t n = json_is_object(v) ? json_object_size(v) : json_is_array(v) ? json_array_size(v) : 0;
        if (!n)
            break;
        size_t pick = (*seed >> 8) % n;
        bool stop = ((*seed >> 4) & 3) == 0;
        if (json_is_object(v)) {
            void *it = json_object_iter(v);
            while (pick-- && it)
                it = json_object_iter_next(v, it);
            json_t *c = json_object_iter_value(it);
            if (stop || (!json_is_object(c) && !json_is_array(c))) {
                json_object_iter_set(v, it, atom);
                return;
            }
            v = c;
        } else {
            json_t *c = json_array_get(v, pick);
            if (stop || (!json_is_object(c) && !json_is_array(c))) {
                json_array_set(v, pick, atom);
                return;
            }
            v = c;
        }
    }
}

/* Client input reaches defaulting, validation, tables and field sets: wrong
 * types anywhere must give errors, never crashes (checked by the sanitizer
 * build). */
TEST(kinds_survive_garbage)
{
    static const char *const samples[] = {
        "{\"metadata\":{\"name\":\"p\",\"namespace\":\"d\",\"labels\":{\"a\":\"b\"},"
        "\"ownerReferences\":[{\"uid\":\"u\",\"controller\":true}]},\"spec\":{\"containers\":"
        "[{\"name\":\"c\",\"image\":\"x\",\"ports\":[{\"containerPort\":80}],\"env\":[{\"name\":\"A\","
        "\"valueFrom\":{\"fieldRef\":{}}}],\"resources\":{\"limits\":{\"cpu\":\"1\"}},"
        "\"livenessProbe\":{\"httpGet\":{\"port\":80}},\"volumeMounts\":[{\"name\":\"v\","
        "\"mountPath\":\"/v\"}]}],\"volumes\":[{\"name\":\"v\",\"secret\":{}}],\"tolerations\":"
        "[{\"key\":\"k\"}]},\"status\":{\"phase\":\"Running\",\"containerStatuses\":[{\"state\":"
        "{\"waiting\":{\"reason\":\"x\"}}}],\"conditions\":[{\"type\":\"Ready\"}]}}",
        "{\"metadata\":{\"name\":\"d\",\"namespace\":\"d\"},\"spec\":{\"replicas\":1,\"selector\":"
        "{\"matchLabels\":{\"a\":\"b\"},\"matchExpressions\":[{\"key\":\"k\",\"operator\":\"In\","
        "\"values\":[\"v\"]}]},\"strategy\":{\"rollingUpdate\":{\"maxSurge\":\"10%\"}},\"template\":"
        "{\"metadata\":{\"labels\":{\"a\":\"b\"}},\"spec\":{\"containers\":[{\"name\":\"c\"}]}},"
        "\"jobTemplate\":{\"spec\":{\"template\":{}}},\"schedule\":\"* * * * *\",\"ports\":[{\"port\":"
        "80,\"targetPort\":\"x\"}],\"scaleTargetRef\":{\"name\":\"x\"},\"metrics\":[{\"type\":"
        "\"Resource\",\"resource\":{\"target\":{\"type\":\"Utilization\"}}}],\"rules\":[{\"http\":"
        "{\"paths\":[{\"backend\":{\"service\":{\"port\":{}}}}]}}],\"limits\":[{\"type\":"
        "\"Container\",\"max\":{\"cpu\":\"1\"}}],\"hard\":{\"pods\":\"1\"},\"accessModes\":[\"x\"],"
        "\"capacity\":{\"storage\":\"1Gi\"},\"podSelector\":{},\"ingress\":[{\"from\":[{\"ipBlock\":"
        "{\"cidr\":\"x\"}}],\"ports\":[{\"port\":1}]}]},\"status\":{\"hard\":{\"a\":\"1\"},"
        "\"loadBalancer\":{\"ingress\":[{\"ip\":\"1.2.3.4\"}]},\"conditions\":[{}],\"currentMetrics\":"
        "[{}]},\"rules\":[{\"verbs\":[\"get\"]}],\"roleRef\":{},\"subjects\":[{\"kind\":"
        "\"ServiceAccount\"}],\"data\":{\"a\":\"b\"},\"subsets\":[{\"addresses\":[{\"ip\":\"1\"}],"
        "\"ports\":[{\"port\":1}]}],\"endpoints\":[{\"addresses\":[\"1.2.3.4\"]}],\"involvedObject\":"
        "{\"kind\":\"Pod\"},\"type\":\"Warning\",\"provisioner\":\"p\"}",
    };
    static const char *const atoms[] = { "null", "1", "-1", "\"\"", "\"x\"", "[]", "{}",
                                         "[null]", "[1,\"a\"]", "{\"a\":[]}", "true", "1.5" };
    size_t n;
    const struct gt_kind *const *all = gt_kinds(&n);
    unsigned seed = 99;
    for (size_t s = 0; s < 2; s++) {
        for (int round = 0; round < 150; round++) {
            json_t *doc = J(samples[s]);
            for (int m = 0; m < 3; m++) {
                json_t *atom = J(atoms[(seed >> 10) % 12]);
                mutate(doc, &seed, atom);
                json_decref(atom);
            }
            for (size_t i = 0; i < n; i++) {
                json_t *copy = json_deep_copy(doc);
                gt_kind_default(all[i], copy);
                struct gt_kfe_list l;
                gt_kfe_list_init(&l);
                gt_kind_validate(all[i], copy, doc, &l);
                gt_kind_validate(all[i], copy, NULL, &l);
                json_t *st = gt_kfe_status(&l, all[i]->group, all[i]->kind, "x");
                json_decref(st);
                gt_kfe_list_release(&l);
                json_t *row = gt_kind_table_row(all[i], copy, NOW);
                json_decref(row);
                if (all[i]->flags & GT_KIND_SCALE) {
                    json_t *sc = gt_kind_scale(all[i], copy);
                    json_decref(sc);
                }
                json_decref(copy);
            }
            json_decref(doc);
        }
    }
}
