#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/mem.h"
#include "kube/admission.h"
#include "kube/obj.h"
#include "tests/unit/kube_lister_test.h"
#include "tests/unit/kube_test.h"
#include "tests/unit/unit.h"

#define NOW 1700000000

static void cluster(struct test_store *s, struct gt_klister *l)
{
    ts_init(s, l);
    ts_put(s, "namespaces", J("{\"metadata\":{\"name\":\"default\"}}"));
    ts_put(s, "namespaces", J("{\"metadata\":{\"name\":\"dev\"}}"));
    ts_put(s, "serviceaccounts", J("{\"metadata\":{\"name\":\"default\",\"namespace\":\"default\"}}"));
    ts_put(s, "serviceaccounts", J("{\"metadata\":{\"name\":\"default\",\"namespace\":\"dev\"}}"));
}

static struct gt_kadm_attrs pod_create(const struct gt_klister *l, const char *ns, json_t *pod)
{
    struct gt_kadm_attrs a = { .op = GT_KADM_CREATE, .group = "", .version = "v1", .kind = "Pod",
                               .resource = "pods", .namespace = ns,
                               .name = gt_kobj_str(pod, "metadata.name", ""), .obj = pod,
                               .lister = l, .now = NOW };
    return a;
}

/* Runs the whole default chain; returns the code, fills r. */
static int admit(struct gt_kadm_attrs *a, struct gt_kadm_result *r)
{
    gt_kadm_result_init(r);
    int rc = gt_kadm_mutate(gt_kadm_default_chain(), a, r);
    if (rc == 0)
        rc = gt_kadm_validate(gt_kadm_default_chain(), a, r);
    return rc;
}

static const char *msg(const struct gt_kadm_result *r)
{
    return gt_kobj_str(r->status, "message", "(no status)");
}

TEST(default_chain_is_kubernetes_order)
{
    const struct gt_kadm_chain *c = gt_kadm_default_chain();
    REQUIRE(c->n == 6);
    const char *names[] = { "NamespaceLifecycle", "LimitRanger", "ServiceAccount", "PodSecurity",
                            "Priority", "ResourceQuota" };
    for (size_t i = 0; i < 6; i++)
        CHECK_STR_EQ(c->plugins[i]->name, names[i]);
    CHECK_STR_EQ(gt_kadm_op_name(GT_KADM_CONNECT), "CONNECT");
}

/* ---- NamespaceLifecycle ---- */

TEST(namespace_lifecycle)
{
    struct test_store s;
    struct gt_klister l;
    cluster(&s, &l);
    struct gt_kadm_result r;
    json_t *pod = J("{\"metadata\":{\"name\":\"web\"},\"spec\":{\"containers\":[{\"name\":\"c\"}]}}");
    struct gt_kadm_attrs a = pod_create(&l, "nope", pod);
    CHECK_INT_EQ(admit(&a, &r), -ENOENT);
    CHECK_STR_EQ(msg(&r), "namespaces \"nope\" not found");
    CHECK_INT_EQ(gt_kobj_int(r.status, "code", 0), 404);
    gt_kadm_result_release(&r);

    ts_put(&s, "namespaces", J("{\"metadata\":{\"name\":\"old\",\"deletionTimestamp\":"
                               "\"2023-11-14T00:00:00Z\"},\"status\":{\"phase\":\"Terminating\"}}"));
    a = pod_create(&l, "old", pod);
    CHECK_INT_EQ(admit(&a, &r), -EACCES);
    CHECK_STR_EQ(msg(&r), "pods \"web\" is forbidden: unable to create new content in namespace "
                          "old because it is being terminated");
    CHECK_JSON(gt_kobj_get(r.status, "details.causes"),
               "[{\"reason\":\"NamespaceTerminating\",\"message\":\"unable to create new content "
               "in namespace old because it is being terminated\",\"field\":"
               "\"metadata.namespace\"}]");
    gt_kadm_result_release(&r);
    /* updates and deletes in a terminating namespace go on */
    a.op = GT_KADM_DELETE;
    CHECK_INT_EQ(admit(&a, &r), 0);
    gt_kadm_result_release(&r);

    struct gt_kadm_attrs del = { .op = GT_KADM_DELETE, .group = "", .resource = "namespaces",
                                 .name = "kube-system", .lister = &l };
    CHECK_INT_EQ(admit(&del, &r), -EACCES);
    CHECK_STR_EQ(msg(&r), "namespaces \"kube-system\" is forbidden: this namespace may not be "
                          "deleted");
    gt_kadm_result_release(&r);
    del.name = "dev";
    CHECK_INT_EQ(admit(&del, &r), 0);
    gt_kadm_result_release(&r);

    /* cluster-scoped objects and namespaces themselves */
    json_t *ns = J("{\"metadata\":{\"name\":\"fresh\"}}");
    struct gt_kadm_attrs nsc = { .op = GT_KADM_CREATE, .group = "", .resource = "namespaces",
                                 .name = "fresh", .obj = ns, .lister = &l };
    CHECK_INT_EQ(admit(&nsc, &r), 0);
    gt_kadm_result_release(&r);
    json_decref(ns);
    json_decref(pod);
    ts_release(&s);
}

/* ---- ServiceAccount ---- */

TEST(service_account_defaults_and_token_volume)
{
    struct test_store s;
    struct gt_klister l;
    cluster(&s, &l);
    json_t *pod = J("{\"metadata\":{\"name\":\"web\"},\"spec\":{\"initContainers\":[{\"name\":"
                    "\"init\"}],\"containers\":[{\"name\":\"a\"},{\"name\":\"b\",\"volumeMounts\":"
                    "[{\"name\":\"own\",\"mountPath\":\"/var/run/secrets/kubernetes.io/"
                    "serviceaccount\"}]}]}}");
    struct gt_kadm_attrs a = pod_create(&l, "default", pod);
    struct gt_kadm_result r;
    REQUIRE(admit(&a, &r) == 0);
    gt_kadm_result_release(&r);
    CHECK_STR_EQ(gt_kobj_str(pod, "spec.serviceAccountName", ""), "default");
    json_t *vol = json_array_get(gt_kobj_arr(pod, "spec.volumes"), 0);
    REQUIRE(vol);
    const char *vname = gt_kobj_str(vol, "name", "");
    CHECK(strncmp(vname, "kube-api-access-", 16) == 0 && strlen(vname) == 21);
    CHECK_JSON(gt_kobj_get(vol, "projected"),
               "{\"defaultMode\":420,\"sources\":[{\"serviceAccountToken\":{\"expirationSeconds\":"
               "3607,\"path\":\"token\"}},{\"configMap\":{\"name\":\"kube-root-ca.crt\","
               "\"items\":[{\"key\":\"ca.crt\",\"path\":\"ca.crt\"}]}},{\"downwardAPI\":{\"items\":"
               "[{\"path\":\"namespace\",\"fieldRef\":{\"apiVersion\":\"v1\",\"fieldPath\":"
               "\"metadata.namespace\"}}]}}]}");
    json_t *c0 = json_array_get(gt_kobj_arr(pod, "spec.containers"), 0);
    json_t *mount = json_array_get(gt_kobj_arr(c0, "volumeMounts"), 0);
    CHECK_STR_EQ(gt_kobj_str(mount, "name", ""), vname);
    CHECK(json_is_true(gt_kobj_get(mount, "readOnly")));
    CHECK_STR_EQ(gt_kobj_str(mount, "mountPath", ""), "/var/run/secrets/kubernetes.io/serviceaccount");
    CHECK_INT_EQ(gt_kobj_len(json_array_get(gt_kobj_arr(pod, "spec.initContainers"), 0),
                             "volumeMounts"), 1);
    /* b mounts its own volume there: left alone */
    json_t *c1 = json_array_get(gt_kobj_arr(pod, "spec.containers"), 1);
    CHECK_INT_EQ(gt_kobj_len(c1, "volumeMounts"), 1);
    CHECK_STR_EQ(gt_kobj_str(json_array_get(gt_kobj_arr(c1, "volumeMounts"), 0), "name", ""), "own");
    json_decref(pod);

    /* automount off on the pod, or on the ServiceAccount */
    pod = J("{\"metadata\":{\"name\":\"p\"},\"spec\":{\"automountServiceAccountToken\":false,"
            "\"containers\":[{\"name\":\"a\"}]}}");
    a = pod_create(&l, "default", pod);
    REQUIRE(admit(&a, &r) == 0);
    gt_kadm_result_release(&r);
    CHECK(!gt_kobj_get(pod, "spec.volumes"));
    json_decref(pod);
    ts_put(&s, "serviceaccounts", J("{\"metadata\":{\"name\":\"quiet\",\"namespace\":\"default\"},"
                                    "\"automountServiceAccountToken\":false}"));
    pod = J("{\"metadata\":{\"name\":\"p\"},\"spec\":{\"serviceAccountName\":\"quiet\","
            "\"containers\":[{\"name\":\"a\"}]}}");
    a = pod_create(&l, "default", pod);
    REQUIRE(admit(&a, &r) == 0);
    gt_kadm_result_release(&r);
    CHECK(!gt_kobj_get(pod, "spec.volumes"));
    json_decref(pod);

    /* a ServiceAccount that does not exist */
    pod = J("{\"metadata\":{\"generateName\":\"job-\"},\"spec\":{\"serviceAccountName\":"
            "\"builder\",\"containers\":[{\"name\":\"a\"}]}}");
    a = pod_create(&l, "default", pod);
    CHECK_INT_EQ(admit(&a, &r), -EACCES);
    CHECK_STR_EQ(msg(&r), "pods \"job-\" is forbidden: service account default/builder was not "
                          "found, retry after the service account is created");
    gt_kadm_result_release(&r);
    json_decref(pod);

    /* the plugin without token volumes */
    const struct gt_kadm_sa_config cfg = { .no_token_volume = true };
    struct gt_kadm_plugin plain = gt_kadm_service_account;
    plain.config = &cfg;
    const struct gt_kadm_plugin *ps[] = { &plain };
    struct gt_kadm_chain chain = { ps, 1 };
    pod = J("{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"name\":\"a\"}]}}");
    a = pod_create(&l, "default", pod);
    gt_kadm_result_init(&r);
    CHECK_INT_EQ(gt_kadm_mutate(&chain, &a, &r), 0);
    gt_kadm_result_release(&r);
    CHECK_STR_EQ(gt_kobj_str(pod, "spec.serviceAccountName", ""), "default");
    CHECK(!gt_kobj_get(pod, "spec.volumes"));
    json_decref(pod);
    ts_release(&s);
}

/* ---- LimitRanger (examples of the Kubernetes documentation) ---- */

/* LimitRanger alone */
static int limit(struct gt_kadm_attrs *a, struct gt_kadm_result *r)
{
    const struct gt_kadm_plugin *ps[] = { &gt_kadm_limit_ranger };
    struct gt_kadm_chain c = { ps, 1 };
    gt_kadm_result_init(r);
    int rc = gt_kadm_mutate(&c, a, r);
    return rc ? rc : gt_kadm_validate(&c, a, r);
}

TEST(limit_ranger_defaults_from_the_docs)
{
    struct test_store s;
    struct gt_klister l;
    cluster(&s, &l);
    ts_put(&s, "limitranges",
           J("{\"metadata\":{\"name\":\"cpu-limit-range\",\"namespace\":\"default\"},\"spec\":{"
             "\"limits\":[{\"default\":{\"cpu\":1},\"defaultRequest\":{\"cpu\":\"0.5\"},"
             "\"type\":\"Container\"}]}}"));
    json_t *pod = J("{\"metadata\":{\"name\":\"default-cpu-demo\"},\"spec\":{\"containers\":["
                    "{\"name\":\"default-cpu-demo-ctr\",\"image\":\"nginx\"},"
                    "{\"name\":\"has\",\"resources\":{\"limits\":{\"cpu\":\"2\"},"
                    "\"requests\":{\"cpu\":\"2\"}}}]}}");
    struct gt_kadm_attrs a = pod_create(&l, "default", pod);
    struct gt_kadm_result r;
    REQUIRE(limit(&a, &r) == 0);
    gt_kadm_result_release(&r);
    json_t *c0 = json_array_get(gt_kobj_arr(pod, "spec.containers"), 0);
    CHECK_JSON(gt_kobj_get(c0, "resources"),
               "{\"limits\":{\"cpu\":1},\"requests\":{\"cpu\":\"0.5\"}}");
    json_t *c1 = json_array_get(gt_kobj_arr(pod, "spec.containers"), 1);
    CHECK_JSON(gt_kobj_get(c1, "resources"), "{\"limits\":{\"cpu\":\"2\"},\"requests\":{\"cpu\":\"2\"}}");
    CHECK_STR_EQ(json_string_value(json_object_get(gt_kobj_obj(pod, "metadata.annotations"),
                                                   "kubernetes.io/limit-ranger")),
                 "LimitRanger plugin set: cpu request for container default-cpu-demo-ctr; cpu "
                 "limit for container default-cpu-demo-ctr");
    json_decref(pod);

    /* a max alone defaults the limit and the request (API defaulting of the item) */
    ts_put(&s, "limitranges",
           J("{\"metadata\":{\"name\":\"mem\",\"namespace\":\"dev\"},\"spec\":{\"limits\":[{"
             "\"max\":{\"memory\":\"1Gi\"},\"min\":{\"memory\":\"500Mi\"},\"type\":\"Container\"}]}}"));
    pod = J("{\"metadata\":{\"name\":\"p\"},\"spec\":{\"initContainers\":[{\"name\":\"i\"}],"
            "\"containers\":[{\"name\":\"c\"}]}}");
    a = pod_create(&l, "dev", pod);
    REQUIRE(limit(&a, &r) == 0);
    gt_kadm_result_release(&r);
    c0 = json_array_get(gt_kobj_arr(pod, "spec.containers"), 0);
    CHECK_JSON(gt_kobj_get(c0, "resources"),
               "{\"limits\":{\"memory\":\"1Gi\"},\"requests\":{\"memory\":\"1Gi\"}}");
    CHECK_STR_CONTAINS(json_string_value(json_object_get(gt_kobj_obj(pod, "metadata.annotations"),
                                                         "kubernetes.io/limit-ranger")),
                       "memory limit for init container i");
    json_decref(pod);
    ts_release(&s);
}

static void expect_limit_error(const struct gt_klister *l, const char *ns, const char *pod_json,
                               const char *want)
{
    json_t *pod = J(pod_json);
    struct gt_kadm_attrs a = pod_create(l, ns, pod);
    struct gt_kadm_result r;
    int rc = limit(&a, &r);
    if (!want) {
        if (rc != 0)
            unit_fail(__FILE__, __LINE__, "refused: %s", msg(&r));
    } else if (rc != -EACCES || strcmp(msg(&r), want) != 0)
        unit_fail(__FILE__, __LINE__, "rc %d \"%s\", expected \"%s\"", rc, msg(&r), want);
    gt_kadm_result_release(&r);
    json_decref(pod);
}

TEST(limit_ranger_min_max_ratio_messages)
{
    struct test_store s;
    struct gt_klister l;
    cluster(&s, &l);
    ts_put(&s, "limitranges",
           J("{\"metadata\":{\"name\":\"cpu-min-max-demo-lr\",\"namespace\":\"default\"},"
             "\"spec\":{\"limits\":[{\"max\":{\"cpu\":\"800m\"},\"min\":{\"cpu\":\"200m\"},"
             "\"type\":\"Container\"}]}}"));
    expect_limit_error(&l, "default",
                       "{\"metadata\":{\"name\":\"constraints-cpu-demo-2\"},\"spec\":{\"containers\":"
                       "[{\"name\":\"c\",\"resources\":{\"limits\":{\"cpu\":\"1.5\"},"
                       "\"requests\":{\"cpu\":\"500m\"}}}]}}",
                       "pods \"constraints-cpu-demo-2\" is forbidden: maximum cpu usage per "
                       "Container is 800m, but limit is 1500m");
    expect_limit_error(&l, "default",
                       "{\"metadata\":{\"name\":\"constraints-cpu-demo-3\"},\"spec\":{\"containers\":"
                       "[{\"name\":\"c\",\"resources\":{\"limits\":{\"cpu\":\"800m\"},"
                       "\"requests\":{\"cpu\":\"100m\"}}}]}}",
                       "pods \"constraints-cpu-demo-3\" is forbidden: minimum cpu usage per "
                       "Container is 200m, but request is 100m");
    expect_limit_error(&l, "default",
                       "{\"metadata\":{\"name\":\"ok\"},\"spec\":{\"containers\":[{\"name\":\"c\","
                       "\"resources\":{\"limits\":{\"cpu\":\"800m\"},\"requests\":{\"cpu\":"
                       "\"0.5\"}}}]}}",
                       NULL);
    /* the max defaulted the limit; the min defaulted the request */
    expect_limit_error(&l, "default",
                       "{\"metadata\":{\"name\":\"bare\"},\"spec\":{\"containers\":[{\"name\":"
                       "\"c\"}]}}",
                       NULL);

    ts_put(&s, "limitranges",
           J("{\"metadata\":{\"name\":\"ratio\",\"namespace\":\"dev\"},\"spec\":{\"limits\":[{"
             "\"maxLimitRequestRatio\":{\"memory\":2},\"type\":\"Container\"},{\"type\":\"Pod\","
             "\"max\":{\"memory\":\"1Gi\"}}]}}"));
    expect_limit_error(&l, "dev",
                       "{\"metadata\":{\"name\":\"r\"},\"spec\":{\"containers\":[{\"name\":\"c\","
                       "\"resources\":{\"limits\":{\"memory\":\"250Mi\"},\"requests\":{\"memory\":"
                       "\"100Mi\"}}}]}}",
                       "pods \"r\" is forbidden: memory max limit to request ratio per Container "
                       "is 2, but provided ratio is 2.500000");
    expect_limit_error(&l, "dev",
                       "{\"metadata\":{\"name\":\"two\"},\"spec\":{\"containers\":[{\"name\":\"a\","
                       "\"resources\":{\"limits\":{\"memory\":\"600Mi\"},\"requests\":{\"memory\":"
                       "\"600Mi\"}}},{\"name\":\"b\",\"resources\":{\"limits\":{\"memory\":"
                       "\"600Mi\"},\"requests\":{\"memory\":\"200Mi\"}}}]}}",
                       "pods \"two\" is forbidden: [memory max limit to request ratio per "
                       "Container is 2, but provided ratio is 3.000000, maximum memory usage per "
                       "Pod is 1Gi, but limit is 1200Mi]");
    expect_limit_error(&l, "dev",
                       "{\"metadata\":{\"name\":\"none\"},\"spec\":{\"containers\":[{\"name\":"
                       "\"a\"}]}}",
                       "pods \"none\" is forbidden: [memory max limit to request ratio per "
                       "Container is 2, but no request is specified or request is 0, maximum "
                       "memory usage per Pod is 1Gi.  No limit is specified]");

    /* claims */
    ts_put(&s, "limitranges",
           J("{\"metadata\":{\"name\":\"storagelimits\",\"namespace\":\"dev\"},\"spec\":{"
             "\"limits\":[{\"type\":\"PersistentVolumeClaim\",\"max\":{\"storage\":\"2Gi\"},"
             "\"min\":{\"storage\":\"1Gi\"}}]}}"));
    json_t *pvc = J("{\"metadata\":{\"name\":\"pvc-limit-greater\"},\"spec\":{\"resources\":{"
                    "\"requests\":{\"storage\":\"5Gi\"}}}}");
    struct gt_kadm_attrs a = { .op = GT_KADM_CREATE, .group = "", .resource = "persistentvolumeclaims",
                               .namespace = "dev", .name = "pvc-limit-greater", .obj = pvc,
                               .lister = &l };
    struct gt_kadm_result r;
    CHECK_INT_EQ(limit(&a, &r), -EACCES);
    CHECK_STR_EQ(msg(&r), "persistentvolumeclaims \"pvc-limit-greater\" is forbidden: maximum "
                          "storage usage per PersistentVolumeClaim is 2Gi, but request is 5Gi");
    gt_kadm_result_release(&r);
    json_object_set_new(gt_kobj_obj(pvc, "spec.resources.requests"), "storage", json_string("500Mi"));
    CHECK_INT_EQ(limit(&a, &r), -EACCES);
    CHECK_STR_EQ(msg(&r), "persistentvolumeclaims \"pvc-limit-greater\" is forbidden: minimum "
                          "storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi");
    gt_kadm_result_release(&r);
    json_decref(pvc);
    ts_release(&s);
}

/* ---- ResourceQuota ---- */

static int quota_only(struct gt_kadm_attrs *a, struct gt_kadm_result *r)
{
    const struct gt_kadm_plugin *ps[] = { &gt_kadm_resource_quota };
    struct gt_kadm_chain c = { ps, 1 };
    gt_kadm_result_init(r);
    return gt_kadm_validate(&c, a, r);
}

static json_t *pod_with(const char *name, const char *cpu_req, const char *mem_lim)
{
    json_t *res = json_object();
    if (cpu_req)
        json_object_set_new(res, "requests", json_pack("{s:s}", "cpu", cpu_req));
    if (mem_lim)
        json_object_set_new(res, "limits", json_pack("{s:s}", "memory", mem_lim));
    return json_pack("{s:{s:s,s:s},s:{s:[{s:s,s:o}]}}", "metadata", "name", name, "namespace",
                     "dev", "spec", "containers", "name", "c", "resources", res);
}

TEST(resource_quota_object_counts)
{
    struct test_store s;
    struct gt_klister l;
    cluster(&s, &l);
    ts_put(&s, "resourcequotas",
           J("{\"metadata\":{\"name\":\"q\",\"namespace\":\"dev\",\"resourceVersion\":\"7\"},"
             "\"spec\":{\"hard\":{\"pods\":\"2\",\"count/configmaps\":\"1\"}},"
             "\"status\":{\"hard\":{\"pods\":\"2\"},\"used\":{\"pods\":\"1\"}}}"));
    json_t *pod = pod_with("p2", NULL, NULL);
    struct gt_kadm_attrs a = pod_create(&l, "dev", pod);
    struct gt_kadm_result r;
    REQUIRE(quota_only(&a, &r) == 0);
    REQUIRE(json_array_size(r.quota) == 1);
    json_t *upd = json_array_get(r.quota, 0);
    CHECK_STR_EQ(gt_kobj_str(upd, "metadata.resourceVersion", ""), "7");
    CHECK_JSON(gt_kobj_get(upd, "status.used"), "{\"pods\":\"2\"}");
    CHECK_JSON(gt_kobj_get(upd, "status.hard"), "{\"pods\":\"2\",\"count/configmaps\":\"1\"}");
    gt_kadm_result_release(&r);

    /* the server stored it: the third pod is refused */
    ts_put(&s, "resourcequotas",
           J("{\"metadata\":{\"name\":\"q\",\"namespace\":\"dev\"},\"spec\":{\"hard\":{\"pods\":"
             "\"2\",\"count/configmaps\":\"1\"}},\"status\":{\"used\":{\"pods\":\"2\"}}}"));
    a.name = "p3";
    CHECK_INT_EQ(quota_only(&a, &r), -EACCES);
    CHECK_STR_EQ(msg(&r), "pods \"p3\" is forbidden: exceeded quota: q, requested: pods=1, used: "
                          "pods=2, limited: pods=2");
    CHECK_INT_EQ(gt_kobj_int(r.status, "code", 0), 403);
    CHECK_INT_EQ(json_array_size(r.quota), 0);
    gt_kadm_result_release(&r);
    json_decref(pod);

    /* count/configmaps with no status yet: usage is computed from the lister */
    ts_put(&s, "configmaps", J("{\"metadata\":{\"name\":\"one\",\"namespace\":\"dev\"}}"));
    json_t *cm = J("{\"metadata\":{\"name\":\"two\"}}");
    struct gt_kadm_attrs ca = { .op = GT_KADM_CREATE, .group = "", .resource = "configmaps",
                                .namespace = "dev", .name = "two", .obj = cm, .lister = &l };
    CHECK_INT_EQ(quota_only(&ca, &r), -EACCES);
    CHECK_STR_EQ(msg(&r), "configmaps \"two\" is forbidden: exceeded quota: q, requested: "
                          "count/configmaps=1, used: count/configmaps=1, limited: "
                          "count/configmaps=1");
    gt_kadm_result_release(&r);
    /* other namespaces and other resources are not counted */
    ca.namespace = "default";
    CHECK_INT_EQ(quota_only(&ca, &r), 0);
    CHECK_INT_EQ(json_array_size(r.quota), 0);
    gt_kadm_result_release(&r);
    ca.namespace = "dev";
    ca.resource = "secrets";
    CHECK_INT_EQ(quota_only(&ca, &r), 0);
    gt_kadm_result_release(&r);
    json_decref(cm);
    ts_release(&s);
}

TEST(resource_quota_compute_resources)
{
    struct test_store s;
    struct gt_klister l;
    cluster(&s, &l);
    ts_put(&s, "resourcequotas",
           J("{\"metadata\":{\"name\":\"compute-resources\",\"namespace\":\"dev\"},\"spec\":{"
             "\"hard\":{\"requests.cpu\":\"2\",\"limits.memory\":\"2Gi\"}},\"status\":{\"used\":{"
             "\"requests.cpu\":\"1500m\",\"limits.memory\":\"1Gi\"}}}"));
    json_t *pod = pod_with("bare", NULL, NULL);
    struct gt_kadm_attrs a = pod_create(&l, "dev", pod);
    struct gt_kadm_result r;
    CHECK_INT_EQ(quota_only(&a, &r), -EACCES);
    CHECK_STR_EQ(msg(&r), "pods \"bare\" is forbidden: failed quota: compute-resources: must "
                          "specify limits.memory for: c; requests.cpu for: c");
    gt_kadm_result_release(&r);
    json_decref(pod);

    pod = pod_with("big", "1", "512Mi");
    a = pod_create(&l, "dev", pod);
    CHECK_INT_EQ(quota_only(&a, &r), -EACCES);
    CHECK_STR_EQ(msg(&r), "pods \"big\" is forbidden: exceeded quota: compute-resources, "
                          "requested: requests.cpu=1, used: requests.cpu=1500m, limited: "
                          "requests.cpu=2");
    gt_kadm_result_release(&r);
    json_decref(pod);

    pod = pod_with("fits", "500m", "1Gi");
    a = pod_create(&l, "dev", pod);
    REQUIRE(quota_only(&a, &r) == 0);
    CHECK_JSON(gt_kobj_get(json_array_get(r.quota, 0), "status.used"),
               "{\"requests.cpu\":\"2\",\"limits.memory\":\"2Gi\"}");
    gt_kadm_result_release(&r);
    /* a dry run checks but leaves nothing to store */
    a.dry_run = true;
    REQUIRE(quota_only(&a, &r) == 0);
    CHECK_INT_EQ(json_array_size(r.quota), 0);
    gt_kadm_result_release(&r);
    json_decref(pod);
    ts_release(&s);
}

TEST(resource_quota_scopes_services_and_usage_from_scratch)
{
    struct test_store s;
    struct gt_klister l;
    cluster(&s, &l);
    ts_put(&s, "resourcequotas",
           J("{\"metadata\":{\"name\":\"besteffort\",\"namespace\":\"dev\"},\"spec\":{\"hard\":{"
             "\"pods\":\"1\"},\"scopes\":[\"BestEffort\"]},\"status\":{\"used\":{\"pods\":\"1\"}}}"));
    json_t *pod = pod_with("burstable", "100m", NULL);
    struct gt_kadm_attrs a = pod_create(&l, "dev", pod);
    struct gt_kadm_result r;
    CHECK_INT_EQ(quota_only(&a, &r), 0); /* not best effort: not counted */
    CHECK_INT_EQ(json_array_size(r.quota), 0);
    gt_kadm_result_release(&r);
    json_decref(pod);
    pod = pod_with("be", NULL, NULL);
    a = pod_create(&l, "dev", pod);
    CHECK_INT_EQ(quota_only(&a, &r), -EACCES);
    CHECK_STR_CONTAINS(msg(&r), "exceeded quota: besteffort");
    gt_kadm_result_release(&r);
    json_decref(pod);

    ts_put(&s, "resourcequotas",
           J("{\"metadata\":{\"name\":\"svc\",\"namespace\":\"dev\"},\"spec\":{\"hard\":{"
             "\"services.nodeports\":\"2\",\"services\":\"10\"}},\"status\":{\"used\":{"
             "\"services.nodeports\":\"1\",\"services\":\"1\"}}}"));
    json_t *svc = J("{\"metadata\":{\"name\":\"np\"},\"spec\":{\"type\":\"NodePort\",\"ports\":"
                    "[{\"port\":80},{\"port\":443}]}}");
    struct gt_kadm_attrs sa = { .op = GT_KADM_CREATE, .group = "", .resource = "services",
                                .namespace = "dev", .name = "np", .obj = svc, .lister = &l };
    CHECK_INT_EQ(quota_only(&sa, &r), -EACCES);
    CHECK_STR_EQ(msg(&r), "services \"np\" is forbidden: exceeded quota: svc, requested: "
                          "services.nodeports=2, used: services.nodeports=1, limited: "
                          "services.nodeports=2");
    gt_kadm_result_release(&r);
    /* an update from ClusterIP to NodePort with one port is charged the difference */
    json_t *old = J("{\"metadata\":{\"name\":\"np\",\"resourceVersion\":\"3\"},\"spec\":{"
                    "\"type\":\"ClusterIP\",\"ports\":[{\"port\":80}]}}");
    json_array_remove(gt_kobj_arr(svc, "spec.ports"), 1);
    sa.op = GT_KADM_UPDATE;
    sa.old = old;
    REQUIRE(quota_only(&sa, &r) == 0);
    CHECK_JSON(gt_kobj_get(json_array_get(r.quota, 0), "status.used"),
               "{\"services.nodeports\":\"2\",\"services\":\"1\"}");
    gt_kadm_result_release(&r);
    json_decref(old);
    json_decref(svc);

    /* from scratch, for the controller */
    ts_put(&s, "pods", J("{\"metadata\":{\"name\":\"a\",\"namespace\":\"dev\"},\"spec\":{"
                         "\"containers\":[{\"name\":\"c\",\"resources\":{\"requests\":{\"cpu\":"
                         "\"250m\",\"memory\":\"64Mi\"},\"limits\":{\"cpu\":\"1\"}}}]}}"));
    ts_put(&s, "pods", J("{\"metadata\":{\"name\":\"b\",\"namespace\":\"dev\"},\"spec\":{"
                         "\"containers\":[{\"name\":\"c\",\"resources\":{\"requests\":{\"cpu\":"
                         "\"0.5\"}}}],\"initContainers\":[{\"name\":\"i\",\"resources\":{"
                         "\"requests\":{\"cpu\":\"2\"}}}]}}"));
    ts_put(&s, "pods", J("{\"metadata\":{\"name\":\"done\",\"namespace\":\"dev\"},\"spec\":{"
                         "\"containers\":[{\"name\":\"c\",\"resources\":{\"requests\":{\"cpu\":"
                         "\"4\"}}}]},\"status\":{\"phase\":\"Succeeded\"}}"));
    ts_put(&s, "pods", J("{\"metadata\":{\"name\":\"elsewhere\",\"namespace\":\"default\"}}"));
    json_t *q = J("{\"metadata\":{\"name\":\"all\",\"namespace\":\"dev\"},\"spec\":{\"hard\":{"
                  "\"pods\":\"10\",\"count/pods\":\"10\",\"requests.cpu\":\"10\",\"cpu\":\"10\","
                  "\"requests.memory\":\"1Gi\",\"limits.cpu\":\"10\",\"configmaps\":\"5\","
                  "\"count/deployments.apps\":\"3\",\"requests.nvidia.com/gpu\":\"1\"}}}");
    ts_put(&s, "deployments.apps", J("{\"metadata\":{\"name\":\"d\",\"namespace\":\"dev\"}}"));
    ts_put(&s, "persistentvolumeclaims",
           J("{\"metadata\":{\"name\":\"data\",\"namespace\":\"dev\"},\"spec\":{"
             "\"storageClassName\":\"fast\",\"resources\":{\"requests\":{\"storage\":\"5Gi\"}}}}"));
    json_object_update_new(gt_kobj_obj(q, "spec.hard"),
                       J("{\"requests.storage\":\"100Gi\",\"persistentvolumeclaims\":\"4\","
                         "\"fast.storageclass.storage.k8s.io/requests.storage\":\"10Gi\"}"));
    json_t *u = gt_kquota_usage(q, &l, NOW);
    CHECK_JSON(u, "{\"pods\":\"2\",\"count/pods\":\"3\",\"requests.cpu\":\"2250m\",\"cpu\":"
                  "\"2250m\",\"requests.memory\":\"64Mi\",\"limits.cpu\":\"1\",\"configmaps\":\"0\","
                  "\"count/deployments.apps\":\"1\",\"requests.nvidia.com/gpu\":\"0\","
                  "\"requests.storage\":\"5Gi\",\"persistentvolumeclaims\":\"1\","
                  "\"fast.storageclass.storage.k8s.io/requests.storage\":\"5Gi\"}");
    json_decref(u);
    s.broken = true;
    CHECK(gt_kquota_usage(q, &l, NOW) == NULL);
    json_decref(q);
    ts_release(&s);
}

/* ---- PodSecurity ---- */

static void psa_ns(struct test_store *s, const char *name, const char *labels)
{
    char buf[512];
    snprintf(buf, sizeof buf, "{\"metadata\":{\"name\":\"%s\",\"labels\":%s}}", name, labels);
    ts_put(s, "namespaces", J(buf));
    snprintf(buf, sizeof buf, "{\"metadata\":{\"name\":\"default\",\"namespace\":\"%s\"}}", name);
    ts_put(s, "serviceaccounts", J(buf));
}

static int psa_only(struct gt_kadm_attrs *a, struct gt_kadm_result *r)
{
    const struct gt_kadm_plugin *ps[] = { &gt_kadm_pod_security };
    struct gt_kadm_chain c = { ps, 1 };
    gt_kadm_result_init(r);
    return gt_kadm_validate(&c, a, r);
}

TEST(pod_security_restricted_message_as_kubectl_shows_it)
{
    struct test_store s;
    struct gt_klister l;
    cluster(&s, &l);
    psa_ns(&s, "secure", "{\"pod-security.kubernetes.io/enforce\":\"restricted\"}");
    json_t *pod = J("{\"metadata\":{\"name\":\"x\"},\"spec\":{\"containers\":[{\"name\":\"c\","
                    "\"image\":\"nginx\"}]}}");
    struct gt_kadm_attrs a = pod_create(&l, "secure", pod);
    struct gt_kadm_result r;
    CHECK_INT_EQ(admit(&a, &r), -EACCES);
    CHECK_STR_EQ(msg(&r),
                 "pods \"x\" is forbidden: violates PodSecurity \"restricted:latest\": "
                 "allowPrivilegeEscalation != false (container \"c\" must set "
                 "securityContext.allowPrivilegeEscalation=false), unrestricted capabilities "
                 "(container \"c\" must set securityContext.capabilities.drop=[\"ALL\"]), "
                 "runAsNonRoot != true (pod or container \"c\" must set "
                 "securityContext.runAsNonRoot=true), seccompProfile (pod or container \"c\" must "
                 "set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")");
    gt_kadm_result_release(&r);
    json_decref(pod);

    /* the compliant pod of the docs */
    pod = J("{\"metadata\":{\"name\":\"ok\"},\"spec\":{\"securityContext\":{\"runAsNonRoot\":true,"
            "\"seccompProfile\":{\"type\":\"RuntimeDefault\"}},\"containers\":[{\"name\":\"c\","
            "\"securityContext\":{\"allowPrivilegeEscalation\":false,\"capabilities\":{\"drop\":"
            "[\"ALL\"],\"add\":[\"NET_BIND_SERVICE\"]}}}]}}");
    a = pod_create(&l, "secure", pod);
    CHECK_INT_EQ(admit(&a, &r), 0);
    gt_kadm_result_release(&r);
    json_decref(pod);
    ts_release(&s);
}

struct psa_case {
    const char *level, *version, *spec, *meta, *want;
};

TEST(pod_security_standards_table)
{
    static const struct psa_case cases[] = {
        /* baseline */
        { "baseline", "latest", "{\"hostNetwork\":true,\"hostIPC\":true,\"hostPID\":true,"
          "\"containers\":[{\"name\":\"c\"}]}", NULL,
          "host namespaces (hostNetwork=true, hostPID=true, hostIPC=true)" },
        { "baseline", "latest", "{\"containers\":[{\"name\":\"a\",\"securityContext\":{"
          "\"privileged\":true}},{\"name\":\"b\",\"securityContext\":{\"privileged\":true}}]}",
          NULL, "privileged (containers \"a\", \"b\" must not set securityContext.privileged=true)" },
        { "baseline", "latest", "{\"containers\":[{\"name\":\"c\",\"securityContext\":{"
          "\"capabilities\":{\"add\":[\"NET_ADMIN\",\"CHOWN\",\"SYS_TIME\"]}}}]}", NULL,
          "non-default capabilities (container \"c\" must not include \"NET_ADMIN\", \"SYS_TIME\" "
          "in securityContext.capabilities.add)" },
        { "baseline", "latest", "{\"containers\":[{\"name\":\"c\",\"securityContext\":{"
          "\"capabilities\":{\"add\":[\"NET_BIND_SERVICE\",\"KILL\"]}}}]}", NULL, NULL },
        { "baseline", "latest", "{\"volumes\":[{\"name\":\"h\",\"hostPath\":{\"path\":\"/\"}},"
          "{\"name\":\"e\",\"emptyDir\":{}}],\"containers\":[{\"name\":\"c\"}]}", NULL,
          "hostPath volumes (volume \"h\")" },
        { "baseline", "latest", "{\"containers\":[{\"name\":\"c\",\"ports\":[{\"containerPort\":80,"
          "\"hostPort\":8080},{\"containerPort\":443,\"hostPort\":443}]}]}", NULL,
          "hostPort (container \"c\" uses hostPorts 443, 8080)" },
        { "baseline", "latest", "{\"containers\":[{\"name\":\"c\"}]}",
          "{\"annotations\":{\"container.apparmor.security.beta.kubernetes.io/c\":\"unconfined\"}}",
          "forbidden AppArmor profile (annotation must not set AppArmor profile type to "
          "\"container.apparmor.security.beta.kubernetes.io/c=\"unconfined\"\")" },
        { "baseline", "latest", "{\"securityContext\":{\"appArmorProfile\":{\"type\":"
          "\"Unconfined\"}},\"containers\":[{\"name\":\"c\",\"securityContext\":{"
          "\"appArmorProfile\":{\"type\":\"Localhost\",\"localhostProfile\":\"p\"}}}]}", NULL,
          "forbidden AppArmor profile (pod must not set AppArmor profile type to \"Unconfined\")" },
        { "baseline", "latest", "{\"containers\":[{\"name\":\"c\",\"securityContext\":{"
          "\"seLinuxOptions\":{\"type\":\"spc_t\",\"user\":\"root\"}}}]}", NULL,
          "seLinuxOptions (container \"c\" set forbidden securityContext.seLinuxOptions: type "
          "\"spc_t\"; user may not be set)" },
        { "baseline", "latest", "{\"securityContext\":{\"seLinuxOptions\":{\"type\":"
          "\"container_t\",\"level\":\"s0:c1\"}},\"containers\":[{\"name\":\"c\"}]}", NULL, NULL },
        { "baseline", "latest", "{\"containers\":[{\"name\":\"c\",\"securityContext\":{"
          "\"procMount\":\"Unmasked\"}}]}", NULL,
          "procMount (container \"c\" must not set securityContext.procMount to \"Unmasked\")" },
        { "baseline", "latest", "{\"securityContext\":{\"seccompProfile\":{\"type\":"
          "\"Unconfined\"}},\"containers\":[{\"name\":\"c\"}]}", NULL,
          "seccompProfile (pod must not set securityContext.seccompProfile.type to "
          "\"Unconfined\")" },
        { "baseline", "latest", "{\"securityContext\":{\"sysctls\":[{\"name\":"
          "\"net.ipv4.ip_local_port_range\",\"value\":\"1 2\"},{\"name\":\"kernel.msgmax\","
          "\"value\":\"1\"},{\"name\":\"net.ipv4.tcp_keepalive_time\",\"value\":\"1\"}]},"
          "\"containers\":[{\"name\":\"c\"}]}", NULL, "forbidden sysctls (kernel.msgmax)" },
        { "baseline", "v1.28", "{\"securityContext\":{\"sysctls\":[{\"name\":"
          "\"net.ipv4.tcp_keepalive_time\",\"value\":\"1\"}]},\"containers\":[{\"name\":\"c\"}]}",
          NULL, "forbidden sysctls (net.ipv4.tcp_keepalive_time)" },
        { "baseline", "latest", "{\"securityContext\":{\"windowsOptions\":{\"hostProcess\":true}},"
          "\"containers\":[{\"name\":\"c\"}]}", NULL,
          "hostProcess (pod must not set securityContext.windowsOptions.hostProcess=true)" },
        /* the order of the checks */
        { "baseline", "latest", "{\"hostNetwork\":true,\"volumes\":[{\"name\":\"h\",\"hostPath\":"
          "{\"path\":\"/\"}}],\"containers\":[{\"name\":\"c\",\"ports\":[{\"hostPort\":80}],"
          "\"securityContext\":{\"privileged\":true,\"capabilities\":{\"add\":[\"SYS_ADMIN\"]}}}]}",
          NULL,
          "host namespaces (hostNetwork=true), hostPort (container \"c\" uses hostPort 80), "
          "privileged (container \"c\" must not set securityContext.privileged=true), non-default "
          "capabilities (container \"c\" must not include \"SYS_ADMIN\" in "
          "securityContext.capabilities.add), hostPath volumes (volume \"h\")" },
        { "privileged", "latest", "{\"hostNetwork\":true,\"containers\":[{\"name\":\"c\"}]}", NULL,
          NULL },
        /* restricted */
        { "restricted", "latest", "{\"securityContext\":{\"runAsNonRoot\":true,\"runAsUser\":0,"
          "\"seccompProfile\":{\"type\":\"Localhost\",\"localhostProfile\":\"p.json\"}},"
          "\"volumes\":[{\"name\":\"n\",\"nfs\":{\"server\":\"s\",\"path\":\"/\"}},{\"name\":\"w\","
          "\"weirdNewType\":{}}],\"containers\":[{\"name\":\"c\",\"securityContext\":{"
          "\"allowPrivilegeEscalation\":false,\"capabilities\":{\"drop\":[\"ALL\"],\"add\":["
          "\"SYS_TIME\"]}}}]}", NULL,
          "unrestricted capabilities (container \"c\" must not include \"SYS_TIME\" in "
          "securityContext.capabilities.add), restricted volume types (volumes \"n\", \"w\" use "
          "restricted volume types \"nfs\", \"unknown\"), runAsUser=0 (pod must not set "
          "runAsUser=0)" },
        { "restricted", "latest", "{\"securityContext\":{\"runAsNonRoot\":false},\"initContainers\":"
          "[{\"name\":\"i\",\"securityContext\":{\"runAsNonRoot\":false,\"allowPrivilegeEscalation\":"
          "false,\"capabilities\":{\"drop\":[\"ALL\"]},\"seccompProfile\":{\"type\":"
          "\"RuntimeDefault\"}}}],\"containers\":[{\"name\":\"c\",\"securityContext\":{"
          "\"runAsNonRoot\":true,\"allowPrivilegeEscalation\":false,\"capabilities\":{\"drop\":"
          "[\"ALL\"]},\"seccompProfile\":{\"type\":\"Unconfined\"}}}]}", NULL,
          "runAsNonRoot != true (pod and container \"i\" must not set "
          "securityContext.runAsNonRoot=false), seccompProfile (container \"c\" must not set "
          "securityContext.seccompProfile.type to \"Unconfined\")" },
        /* versions: drop ALL only from v1.22 */
        { "restricted", "v1.21", "{\"securityContext\":{\"runAsNonRoot\":true,\"seccompProfile\":"
          "{\"type\":\"RuntimeDefault\"}},\"containers\":[{\"name\":\"c\",\"securityContext\":{"
          "\"allowPrivilegeEscalation\":false}}]}", NULL, NULL },
        { "restricted", "v1.22", "{\"securityContext\":{\"runAsNonRoot\":true,\"seccompProfile\":"
          "{\"type\":\"RuntimeDefault\"}},\"containers\":[{\"name\":\"c\",\"securityContext\":{"
          "\"allowPrivilegeEscalation\":false}}]}", NULL,
          "unrestricted capabilities (container \"c\" must set "
          "securityContext.capabilities.drop=[\"ALL\"])" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_t *spec = J(cases[i].spec);
        json_t *meta = cases[i].meta ? J(cases[i].meta) : json_object();
        char *out = NULL;
        int rc = gt_kpsa_evaluate(cases[i].level, cases[i].version, meta, spec, &out);
        if (rc != 0)
            unit_fail(__FILE__, __LINE__, "case %zu: rc %d", i, rc);
        else if (!cases[i].want != !out || (out && strcmp(out, cases[i].want) != 0))
            unit_fail(__FILE__, __LINE__, "case %zu: \"%s\", expected \"%s\"", i,
                      out ? out : "(allowed)", cases[i].want ? cases[i].want : "(allowed)");
        free(out);
        json_decref(spec);
        json_decref(meta);
    }
    char *out;
    json_t *e = json_object();
    CHECK_INT_EQ(gt_kpsa_evaluate("strict", "latest", e, e, &out), -EINVAL);
    CHECK_INT_EQ(gt_kpsa_evaluate("baseline", "1.25", e, e, &out), -EINVAL);
    CHECK_INT_EQ(gt_kpsa_evaluate("baseline", "v1.x", e, e, &out), -EINVAL);
    CHECK_INT_EQ(gt_kpsa_evaluate("baseline", "v1.05", e, e, &out), -EINVAL);
    CHECK_INT_EQ(gt_kpsa_evaluate("baseline", "v1.999999999999", e, e, &out), 0);
    json_decref(e);
}

TEST(pod_security_workloads_warn_and_namespaces)
{
    struct test_store s;
    struct gt_klister l;
    cluster(&s, &l);
    psa_ns(&s, "mixed", "{\"pod-security.kubernetes.io/enforce\":\"baseline\","
                        "\"pod-security.kubernetes.io/warn\":\"restricted\","
                        "\"pod-security.kubernetes.io/warn-version\":\"v1.30\"}");
    /* a pod that passes baseline but not restricted: admitted with a warning */
    json_t *pod = J("{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"name\":\"c\"}]}}");
    struct gt_kadm_attrs a = pod_create(&l, "mixed", pod);
    struct gt_kadm_result r;
    CHECK_INT_EQ(psa_only(&a, &r), 0);
    REQUIRE(json_array_size(r.warnings) == 1);
    CHECK_STR_CONTAINS(json_string_value(json_array_get(r.warnings, 0)),
                       "would violate PodSecurity \"restricted:v1.30\": allowPrivilegeEscalation");
    gt_kadm_result_release(&r);
    /* an update that changes only labels is not evaluated again */
    json_t *old = json_deep_copy(pod);
    json_object_set_new(gt_kobj_obj(pod, "metadata"), "labels", J("{\"a\":\"b\"}"));
    json_object_set_new(json_array_get(gt_kobj_arr(old, "spec.containers"), 0), "securityContext",
                        J("{\"privileged\":true}"));
    json_object_set_new(json_array_get(gt_kobj_arr(pod, "spec.containers"), 0), "securityContext",
                        J("{\"privileged\":true}"));
    a.op = GT_KADM_UPDATE;
    a.old = old;
    CHECK_INT_EQ(psa_only(&a, &r), 0);
    CHECK_INT_EQ(json_array_size(r.warnings), 0);
    gt_kadm_result_release(&r);
    /* a new image is */
    json_object_set_new(json_array_get(gt_kobj_arr(pod, "spec.containers"), 0), "image",
                        json_string("nginx:2"));
    CHECK_INT_EQ(psa_only(&a, &r), -EACCES);
    CHECK_STR_EQ(msg(&r), "pods \"p\" is forbidden: violates PodSecurity \"baseline:latest\": "
                          "privileged (container \"c\" must not set "
                          "securityContext.privileged=true)");
    gt_kadm_result_release(&r);
    json_decref(old);
    json_decref(pod);

    /* workloads: warnings only, for the enforce level too */
    json_t *dep = J("{\"metadata\":{\"name\":\"web\"},\"spec\":{\"template\":{\"metadata\":{},"
                    "\"spec\":{\"hostPID\":true,\"containers\":[{\"name\":\"c\"}]}}}}");
    struct gt_kadm_attrs d = { .op = GT_KADM_CREATE, .group = "apps", .version = "v1",
                               .kind = "Deployment", .resource = "deployments",
                               .namespace = "mixed", .name = "web", .obj = dep, .lister = &l };
    CHECK_INT_EQ(psa_only(&d, &r), 0);
    REQUIRE(json_array_size(r.warnings) == 2);
    CHECK_STR_EQ(json_string_value(json_array_get(r.warnings, 0)),
                 "would violate PodSecurity \"baseline:latest\": host namespaces (hostPID=true)");
    CHECK_STR_CONTAINS(json_string_value(json_array_get(r.warnings, 1)),
                       "would violate PodSecurity \"restricted:v1.30\": host namespaces "
                       "(hostPID=true), allowPrivilegeEscalation != false");
    gt_kadm_result_release(&r);
    json_decref(dep);
    json_t *cj = J("{\"metadata\":{\"name\":\"c\"},\"spec\":{\"jobTemplate\":{\"spec\":{"
                   "\"template\":{\"spec\":{\"hostIPC\":true,\"containers\":[]}}}}}}");
    struct gt_kadm_attrs cja = { .op = GT_KADM_CREATE, .group = "batch", .resource = "cronjobs",
                                 .namespace = "mixed", .name = "c", .obj = cj, .lister = &l };
    CHECK_INT_EQ(psa_only(&cja, &r), 0);
    CHECK_STR_CONTAINS(json_string_value(json_array_get(r.warnings, 0)), "hostIPC=true");
    gt_kadm_result_release(&r);
    json_decref(cj);

    /* namespaces: invalid labels refused, tightening warns about existing pods */
    json_t *ns = J("{\"metadata\":{\"name\":\"typo\",\"labels\":{"
                   "\"pod-security.kubernetes.io/enforce\":\"strict\"}}}");
    struct gt_kadm_attrs na = { .op = GT_KADM_CREATE, .group = "", .resource = "namespaces",
                                .name = "typo", .obj = ns, .lister = &l };
    CHECK_INT_EQ(psa_only(&na, &r), -EINVAL);
    CHECK_STR_EQ(msg(&r), "Namespace \"typo\" is invalid: metadata.labels[pod-security.kubernetes.io/"
                          "enforce]: Invalid value: \"strict\": must be one of privileged, "
                          "baseline, restricted");
    CHECK_INT_EQ(gt_kobj_int(r.status, "code", 0), 422);
    gt_kadm_result_release(&r);
    json_decref(ns);

    ts_put(&s, "pods", J("{\"metadata\":{\"name\":\"nginx\",\"namespace\":\"dev\"},\"spec\":{"
                         "\"containers\":[{\"name\":\"c\"}]}}"));
    json_t *oldns = J("{\"metadata\":{\"name\":\"dev\"}}");
    ns = J("{\"metadata\":{\"name\":\"dev\",\"labels\":{\"pod-security.kubernetes.io/enforce\":"
           "\"restricted\"}}}");
    na = (struct gt_kadm_attrs){ .op = GT_KADM_UPDATE, .group = "", .resource = "namespaces",
                                 .name = "dev", .obj = ns, .old = oldns, .lister = &l };
    CHECK_INT_EQ(psa_only(&na, &r), 0);
    REQUIRE(json_array_size(r.warnings) == 2);
    CHECK_STR_EQ(json_string_value(json_array_get(r.warnings, 0)),
                 "existing pods in namespace \"dev\" violate the new PodSecurity enforce level "
                 "\"restricted:latest\"");
    CHECK_STR_CONTAINS(json_string_value(json_array_get(r.warnings, 1)),
                       "nginx: allowPrivilegeEscalation != false");
    gt_kadm_result_release(&r);
    json_decref(ns);
    json_decref(oldns);

    /* an invalid level already stored is enforced as restricted */
    psa_ns(&s, "broken", "{\"pod-security.kubernetes.io/enforce\":\"nonsense\"}");
    pod = J("{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"name\":\"c\"}]}}");
    a = pod_create(&l, "broken", pod);
    CHECK_INT_EQ(psa_only(&a, &r), -EACCES);
    CHECK_STR_CONTAINS(msg(&r), "violates PodSecurity \"restricted:latest\"");
    gt_kadm_result_release(&r);
    json_decref(pod);
    ts_release(&s);
}

/* ---- robustness ---- */

static void scramble(json_t *j, unsigned *seed)
{
    if (json_is_object(j)) {
        const char *k;
        json_t *v;
        void *tmp;
        json_object_foreach_safe(j, tmp, k, v) {
            int r = rand_r(seed) % 14;
            if (r == 0)
                json_object_set_new(j, k, json_integer(-1));
            else if (r == 1)
                json_object_set_new(j, k, json_null());
            else if (r == 2)
                json_object_set_new(j, k, json_string("1e400"));
            else if (r == 3)
                json_object_set_new(j, k, json_array());
            else if (r == 4)
                json_object_set_new(j, k, json_true());
            else
                scramble(v, seed);
        }
    } else if (json_is_array(j)) {
        for (size_t i = 0; i < json_array_size(j); i++) {
            int r = rand_r(seed) % 10;
            if (r == 0)
                json_array_set_new(j, i, json_string("x"));
            else
                scramble(json_array_get(j, i), seed);
        }
    }
}

TEST(malformed_objects_never_crash_the_chain)
{
    unsigned seed = 1234;
    for (int round = 0; round < 300; round++) {
        struct test_store s;
        struct gt_klister l;
        cluster(&s, &l);
        psa_ns(&s, "dev", "{\"pod-security.kubernetes.io/enforce\":\"restricted\","
                          "\"pod-security.kubernetes.io/warn\":\"baseline\"}");
        ts_put(&s, "limitranges",
               J("{\"metadata\":{\"name\":\"lr\",\"namespace\":\"dev\"},\"spec\":{\"limits\":[{"
                 "\"type\":\"Container\",\"max\":{\"cpu\":\"2\"},\"min\":{\"memory\":\"1Mi\"},"
                 "\"maxLimitRequestRatio\":{\"cpu\":\"4\"}},{\"type\":\"Pod\",\"max\":{\"memory\":"
                 "\"1Gi\"}}]}}"));
        ts_put(&s, "resourcequotas",
               J("{\"metadata\":{\"name\":\"q\",\"namespace\":\"dev\"},\"spec\":{\"hard\":{"
                 "\"pods\":\"5\",\"requests.cpu\":\"4\",\"limits.memory\":\"2Gi\"},\"scopes\":["
                 "\"NotTerminating\"],\"scopeSelector\":{\"matchExpressions\":[{\"scopeName\":"
                 "\"PriorityClass\",\"operator\":\"In\",\"values\":[\"high\"]}]}},\"status\":{"
                 "\"used\":{\"pods\":\"1\"}}}"));
        ts_put(&s, "pods", J("{\"metadata\":{\"name\":\"old\",\"namespace\":\"dev\"},\"spec\":{"
                             "\"containers\":[{\"name\":\"c\",\"resources\":{\"requests\":{"
                             "\"cpu\":\"1\"}}}]}}"));
        scramble(s.objs, &seed);
        json_t *pod = J("{\"metadata\":{\"name\":\"p\",\"annotations\":{"
                        "\"container.apparmor.security.beta.kubernetes.io/c\":\"x\"}},\"spec\":{"
                        "\"priorityClassName\":\"high\",\"securityContext\":{\"runAsUser\":0,"
                        "\"sysctls\":[{\"name\":\"a\"}],\"seLinuxOptions\":{\"type\":\"t\"}},"
                        "\"volumes\":[{\"name\":\"v\",\"hostPath\":{}}],\"initContainers\":[{"
                        "\"name\":\"i\"}],\"containers\":[{\"name\":\"c\",\"ports\":[{\"hostPort\":"
                        "1}],\"resources\":{\"limits\":{\"cpu\":\"8\",\"memory\":\"3Gi\"},"
                        "\"requests\":{\"cpu\":\"1\"}},\"securityContext\":{\"capabilities\":{"
                        "\"add\":[\"X\"],\"drop\":[\"ALL\"]},\"procMount\":\"Unmasked\"}}]}}");
        scramble(pod, &seed);
        struct gt_kadm_attrs a = pod_create(&l, "dev", pod);
        struct gt_kadm_result r;
        int rc = admit(&a, &r);
        CHECK(rc == 0 || r.status != NULL);
        gt_kadm_result_release(&r);
        json_t *u = gt_kquota_usage(json_object_get(s.objs, "resourcequotas/dev/q"), &l, NOW);
        if (u)
            json_decref(u);
        json_decref(pod);
        ts_release(&s);
    }
}

/* ---- Priority ---- */

TEST(priority_from_the_class_or_the_default)
{
    struct test_store s;
    struct gt_klister l;
    cluster(&s, &l);
    ts_put(&s, "priorityclasses.scheduling.k8s.io",
           J("{\"metadata\":{\"name\":\"high\"},\"value\":1000,\"preemptionPolicy\":\"Never\"}"));
    struct gt_kadm_result r;
    /* no class and no default: 0 */
    json_t *pod = J("{\"metadata\":{\"name\":\"a\"},\"spec\":{\"containers\":[{\"name\":\"c\"}]}}");
    struct gt_kadm_attrs a = pod_create(&l, "default", pod);
    CHECK_INT_EQ(admit(&a, &r), 0);
    CHECK_INT_EQ(gt_kobj_int(pod, "spec.priority", -1), 0);
    CHECK_STR_EQ(gt_kobj_str(pod, "spec.preemptionPolicy", ""), "PreemptLowerPriority");
    gt_kadm_result_release(&r);
    json_decref(pod);
    /* a named class */
    pod = J("{\"metadata\":{\"name\":\"b\"},\"spec\":{\"priorityClassName\":\"high\","
            "\"containers\":[{\"name\":\"c\"}]}}");
    a = pod_create(&l, "default", pod);
    CHECK_INT_EQ(admit(&a, &r), 0);
    CHECK_INT_EQ(gt_kobj_int(pod, "spec.priority", -1), 1000);
    CHECK_STR_EQ(gt_kobj_str(pod, "spec.preemptionPolicy", ""), "Never");
    gt_kadm_result_release(&r);
    json_decref(pod);
    /* a missing class, a priority of one's own */
    pod = J("{\"metadata\":{\"name\":\"c\"},\"spec\":{\"priorityClassName\":\"nope\","
            "\"containers\":[{\"name\":\"c\"}]}}");
    a = pod_create(&l, "default", pod);
    CHECK_INT_EQ(admit(&a, &r), -EACCES);
    CHECK_STR_EQ(msg(&r), "pods \"c\" is forbidden: no PriorityClass with name nope was found");
    gt_kadm_result_release(&r);
    json_decref(pod);
    pod = J("{\"metadata\":{\"name\":\"d\"},\"spec\":{\"priorityClassName\":\"high\","
            "\"priority\":5,\"containers\":[{\"name\":\"c\"}]}}");
    a = pod_create(&l, "default", pod);
    CHECK_INT_EQ(admit(&a, &r), -EACCES);
    CHECK_STR_CONTAINS(msg(&r), "the integer value of priority (5) must not be provided in pod "
                                "spec; priority admission controller computed 1000");
    gt_kadm_result_release(&r);
    json_decref(pod);
    /* the global default names itself in the pod; a second default is refused */
    ts_put(&s, "priorityclasses.scheduling.k8s.io",
           J("{\"metadata\":{\"name\":\"std\"},\"value\":10,\"globalDefault\":true}"));
    pod = J("{\"metadata\":{\"name\":\"e\"},\"spec\":{\"containers\":[{\"name\":\"c\"}]}}");
    a = pod_create(&l, "default", pod);
    CHECK_INT_EQ(admit(&a, &r), 0);
    CHECK_STR_EQ(gt_kobj_str(pod, "spec.priorityClassName", ""), "std");
    CHECK_INT_EQ(gt_kobj_int(pod, "spec.priority", -1), 10);
    gt_kadm_result_release(&r);
    json_decref(pod);
    json_t *pc = J("{\"metadata\":{\"name\":\"other\"},\"value\":20,\"globalDefault\":true}");
    struct gt_kadm_attrs pa = { .op = GT_KADM_CREATE, .group = "scheduling.k8s.io",
                                .version = "v1", .kind = "PriorityClass",
                                .resource = "priorityclasses", .namespace = "", .name = "other",
                                .obj = pc, .lister = &l, .now = NOW };
    CHECK_INT_EQ(admit(&pa, &r), -EACCES);
    CHECK_STR_CONTAINS(msg(&r), "PriorityClass std is already marked as default. Only one "
                                "default can exist");
    gt_kadm_result_release(&r);
    json_decref(pc);
    ts_release(&s);
}
