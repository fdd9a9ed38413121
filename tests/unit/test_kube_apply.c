#include <errno.h>
#include <stdlib.h>

#include "base/cleanup.h"
#include "kube/kinds.h"
#include "kube/obj.h"
#include "kube/patch.h"
#include "tests/unit/kube_test.h"
#include "tests/unit/unit.h"

/* the nginx Deployment of the server-side apply documentation */
#define DEPLOY(replicas, extra) \
    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"nginx\"," \
    "\"namespace\":\"default\",\"labels\":{\"app\":\"nginx\"}},\"spec\":{\"replicas\":" replicas \
    ",\"selector\":{\"matchLabels\":{\"app\":\"nginx\"}},\"template\":{\"metadata\":{\"labels\":" \
    "{\"app\":\"nginx\"}},\"spec\":{\"containers\":[{\"name\":\"nginx\",\"image\":" \
    "\"nginx:1.14.2\"" extra "}]}}}}"
#define PORTS ",\"ports\":[{\"containerPort\":80}]"

static struct gt_kssa_opts opts(const char *manager, const char *now)
{
    const struct gt_kind *k = gt_kind_find("deployments");
    return (struct gt_kssa_opts){ .schema = k->schema, .manager = manager,
                                  .api_version = "apps/v1", .status_subresource = true,
                                  .now = now };
}

static json_t *entry(const json_t *obj, const char *manager, const char *op)
{
    size_t i;
    json_t *e;
    json_array_foreach(gt_kobj_arr(obj, "metadata.managedFields"), i, e) {
        if (strcmp(gt_kobj_str(e, "manager", ""), manager) == 0 &&
            strcmp(gt_kobj_str(e, "operation", ""), op) == 0)
            return e;
    }
    return NULL;
}

static json_t *apply(const json_t *live, const char *cfg, struct gt_kssa_opts o, int *rc,
                     json_t **conflict)
{
    json_t *a = J(cfg), *out = NULL;
    struct gt_error err;
    *rc = gt_kssa_apply(live, a, &o, &out, conflict, &err);
    json_decref(a);
    return out;
}

TEST(apply_creates_and_records_fields)
{
    int rc;
    json_t *obj = apply(NULL, DEPLOY("3", PORTS), opts("kubectl", "2024-05-01T10:00:00Z"), &rc,
                        NULL);
    REQUIRE(rc == 0);
    CHECK_INT_EQ(gt_kobj_int(obj, "spec.replicas", 0), 3);
    CHECK_INT_EQ(gt_kobj_len(obj, "metadata.managedFields"), 1);
    json_t *e = entry(obj, "kubectl", "Apply");
    REQUIRE(e);
    CHECK_STR_EQ(gt_kobj_str(e, "apiVersion", ""), "apps/v1");
    CHECK_STR_EQ(gt_kobj_str(e, "time", ""), "2024-05-01T10:00:00Z");
    CHECK_STR_EQ(gt_kobj_str(e, "fieldsType", ""), "FieldsV1");
    CHECK_JSON(gt_kobj_get(e, "fieldsV1"),
               "{\"f:metadata\":{\"f:labels\":{\"f:app\":{}}},\"f:spec\":{\"f:replicas\":{},"
               "\"f:selector\":{},\"f:template\":{\"f:metadata\":{\"f:labels\":{\"f:app\":{}}},"
               "\"f:spec\":{\"f:containers\":{\"k:{\\\"name\\\":\\\"nginx\\\"}\":{\".\":{},"
               "\"f:image\":{},\"f:name\":{},\"f:ports\":{\"k:{\\\"containerPort\\\":80,"
               "\\\"protocol\\\":\\\"TCP\\\"}\":{\".\":{},\"f:containerPort\":{}}}}}}}}}");
    /* "." comes first inside an entry, as Kubernetes writes it */
    json_t *ctr = gt_kobj_get(e, "fieldsV1.f:spec.f:template.f:spec.f:containers");
    const char *first = json_object_iter_key(json_object_iter(json_object_iter_value(json_object_iter(ctr))));
    CHECK_STR_EQ(first, ".");
    json_decref(obj);
}

TEST(apply_conflicts_and_force)
{
    int rc;
    json_t *live = apply(NULL, DEPLOY("3", PORTS), opts("kubectl", "2024-05-01T10:00:00Z"), &rc,
                         NULL);
    REQUIRE(rc == 0);
    /* another applier wants a different replica count */
    json_t *conflict = NULL;
    json_t *out = apply(live,
                        "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":"
                        "\"nginx\"},\"spec\":{\"replicas\":5}}",
                        opts("hpa", "2024-05-01T10:01:00Z"), &rc, &conflict);
    CHECK_INT_EQ(rc, -EBUSY);
    CHECK(out == NULL);
    REQUIRE(conflict);
    CHECK_INT_EQ(gt_kobj_int(conflict, "code", 0), 409);
    CHECK_STR_EQ(gt_kobj_str(conflict, "reason", ""), "Conflict");
    CHECK_STR_EQ(gt_kobj_str(conflict, "message", ""),
                 "Apply failed with 1 conflict: conflict with \"kubectl\": .spec.replicas");
    json_t *cause = json_array_get(gt_kobj_arr(conflict, "details.causes"), 0);
    CHECK_STR_EQ(gt_kobj_str(cause, "reason", ""), "FieldManagerConflict");
    CHECK_STR_EQ(gt_kobj_str(cause, "field", ""), ".spec.replicas");
    CHECK_STR_EQ(gt_kobj_str(cause, "message", ""), "conflict with \"kubectl\"");
    json_decref(conflict);

    /* the same value is shared ownership, not a conflict */
    out = apply(live, "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":"
                      "\"nginx\"},\"spec\":{\"replicas\":3}}",
                opts("hpa", "2024-05-01T10:01:00Z"), &rc, NULL);
    REQUIRE(rc == 0);
    CHECK(gt_kobj_has(entry(out, "kubectl", "Apply"), "fieldsV1.f:spec.f:replicas"));
    CHECK(gt_kobj_has(entry(out, "hpa", "Apply"), "fieldsV1.f:spec.f:replicas"));
    json_decref(out);

    /* force: the field changes and moves to the new manager */
    struct gt_kssa_opts o = opts("hpa", "2024-05-01T10:02:00Z");
    o.force = true;
    out = apply(live, "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":"
                      "\"nginx\"},\"spec\":{\"replicas\":5}}",
                o, &rc, NULL);
    REQUIRE(rc == 0);
    CHECK_INT_EQ(gt_kobj_int(out, "spec.replicas", 0), 5);
    CHECK(!gt_kobj_has(entry(out, "kubectl", "Apply"), "fieldsV1.f:spec.f:replicas"));
    CHECK(gt_kobj_has(entry(out, "hpa", "Apply"), "fieldsV1.f:spec.f:replicas"));
    CHECK_INT_EQ(gt_kobj_len(out, "spec.template.spec.containers"), 1);
    /* managers sorted: Apply entries by time */
    CHECK_STR_EQ(gt_kobj_str(json_array_get(gt_kobj_arr(out, "metadata.managedFields"), 0),
                             "manager", ""),
                 "kubectl");
    json_decref(out);
    json_decref(live);
}

TEST(apply_removes_fields_a_manager_stopped_applying)
{
    int rc;
    json_t *live = apply(NULL, DEPLOY("3", PORTS), opts("kubectl", "2024-05-01T10:00:00Z"), &rc,
                         NULL);
    REQUIRE(rc == 0);
    json_t *out = apply(live, DEPLOY("3", ""), opts("kubectl", "2024-05-01T10:05:00Z"), &rc, NULL);
    REQUIRE(rc == 0);
    json_t *c = json_array_get(gt_kobj_arr(out, "spec.template.spec.containers"), 0);
    CHECK(!gt_kobj_has(c, "ports"));
    CHECK_STR_EQ(gt_kobj_str(c, "image", ""), "nginx:1.14.2");
    CHECK(!gt_kobj_has(entry(out, "kubectl", "Apply"),
                       "fieldsV1.f:spec.f:template.f:spec.f:containers.k:{\"name\":\"nginx\"}.f:ports"));
    CHECK_STR_EQ(gt_kobj_str(entry(out, "kubectl", "Apply"), "time", ""), "2024-05-01T10:05:00Z");
    json_decref(out);

    /* a field another manager also owns stays */
    json_t *l2 = apply(NULL, "{\"metadata\":{\"name\":\"x\",\"labels\":{\"a\":\"1\",\"b\":\"2\"}}}",
                       opts("one", "t1"), &rc, NULL);
    json_t *l3 = apply(l2, "{\"metadata\":{\"name\":\"x\",\"labels\":{\"b\":\"2\"}}}",
                       opts("two", "t2"), &rc, NULL);
    REQUIRE(rc == 0);
    out = apply(l3, "{\"metadata\":{\"name\":\"x\",\"labels\":{\"c\":\"3\"}}}", opts("one", "t3"),
                &rc, NULL);
    REQUIRE(rc == 0);
    CHECK_JSON(gt_kobj_get(out, "metadata.labels"), "{\"b\":\"2\",\"c\":\"3\"}");
    json_decref(out);
    /* dropping the last label leaves no empty map behind */
    out = apply(l2, "{\"metadata\":{\"name\":\"x\"}}", opts("one", "t4"), &rc, NULL);
    REQUIRE(rc == 0);
    CHECK(!gt_kobj_has(out, "metadata.labels"));
    CHECK(!gt_kobj_has(out, "metadata.managedFields"));
    json_decref(out);
    json_decref(l2);
    json_decref(l3);
    /* null in the configuration clears the field */
    out = apply(live, DEPLOY("null", PORTS), opts("kubectl", "t5"), &rc, NULL);
    REQUIRE(rc == 0);
    CHECK(!gt_kobj_has(out, "spec.replicas"));
    json_decref(out);
    json_decref(live);
}

TEST(updates_take_ownership)
{
    int rc;
    json_t *live = apply(NULL, DEPLOY("3", PORTS), opts("kubectl", "2024-05-01T10:00:00Z"), &rc,
                         NULL);
    REQUIRE(rc == 0);
    /* kubectl scale: an update of spec.replicas by another manager */
    json_t *obj = json_deep_copy(live);
    gt_kobj_set_new(obj, "spec.replicas", json_integer(4));
    struct gt_kssa_opts o = opts("kubectl-scale", "2024-05-01T10:03:00Z");
    REQUIRE(gt_kssa_update(live, obj, &o, NULL) == 0);
    json_t *e = entry(obj, "kubectl-scale", "Update");
    REQUIRE(e);
    CHECK_JSON(gt_kobj_get(e, "fieldsV1"), "{\"f:spec\":{\"f:replicas\":{}}}");
    CHECK(!gt_kobj_has(entry(obj, "kubectl", "Apply"), "fieldsV1.f:spec.f:replicas"));
    /* Update entries come after Apply ones */
    CHECK_STR_EQ(gt_kobj_str(json_array_get(gt_kobj_arr(obj, "metadata.managedFields"), 1),
                             "operation", ""),
                 "Update");
    /* applying the old count now conflicts with the updater */
    json_t *conflict = NULL;
    json_t *out = apply(obj, DEPLOY("3", PORTS), opts("kubectl", "2024-05-01T10:04:00Z"), &rc,
                        &conflict);
    CHECK_INT_EQ(rc, -EBUSY);
    CHECK_STR_EQ(gt_kobj_str(conflict, "message", ""),
                 "Apply failed with 1 conflict: conflict with \"kubectl-scale\" using apps/v1 at "
                 "2024-05-01T10:03:00Z: .spec.replicas");
    json_decref(conflict);
    CHECK(out == NULL);
    json_decref(obj);

    /* two conflicting fields: the multi-line message */
    obj = json_deep_copy(live);
    gt_kobj_set_new(obj, "spec.replicas", json_integer(4));
    gt_kobj_set_new(json_array_get(gt_kobj_arr(obj, "spec.template.spec.containers"), 0), "image",
                    json_string("nginx:1.27"));
    o.manager = "kubectl-edit";
    REQUIRE(gt_kssa_update(live, obj, &o, NULL) == 0);
    out = apply(obj, DEPLOY("3", PORTS), opts("kubectl", "2024-05-01T10:04:00Z"), &rc, &conflict);
    CHECK_INT_EQ(rc, -EBUSY);
    CHECK_STR_EQ(gt_kobj_str(conflict, "message", ""),
                 "Apply failed with 2 conflicts: conflicts with \"kubectl-edit\" using apps/v1 at "
                 "2024-05-01T10:03:00Z:\n- .spec.replicas\n- "
                 ".spec.template.spec.containers[name=\"nginx\"].image");
    CHECK_INT_EQ(gt_kobj_len(conflict, "details.causes"), 2);
    json_decref(conflict);
    json_decref(obj);
    json_decref(live);
}

TEST(update_on_create_and_status)
{
    const struct gt_kind *cm = gt_kind_find("configmaps");
    struct gt_kssa_opts o = { .schema = cm->schema, .manager = "kubectl-create",
                              .api_version = "v1", .now = "2024-05-01T10:00:00Z" };
    json_t *obj = J("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cfg\","
                    "\"namespace\":\"default\",\"uid\":\"u\",\"resourceVersion\":\"1\","
                    "\"creationTimestamp\":\"2024-05-01T10:00:00Z\"},\"data\":{\"a\":\"1\"}}");
    REQUIRE(gt_kssa_update(NULL, obj, &o, NULL) == 0);
    json_t *e = entry(obj, "kubectl-create", "Update");
    REQUIRE(e);
    /* what Kubernetes shows for kubectl create configmap */
    CHECK_JSON(gt_kobj_get(e, "fieldsV1"), "{\"f:data\":{\".\":{},\"f:a\":{}}}");
    CHECK_STR_EQ(gt_kobj_str(e, "apiVersion", ""), "v1");
    /* an update that changes nothing adds no manager */
    json_t *same = json_deep_copy(obj);
    o.manager = "other";
    REQUIRE(gt_kssa_update(obj, same, &o, NULL) == 0);
    CHECK_INT_EQ(gt_kobj_len(same, "metadata.managedFields"), 1);
    json_decref(same);
    /* the client may clear managedFields */
    json_t *cleared = json_deep_copy(obj);
    gt_kobj_set_new(cleared, "metadata.managedFields", json_array());
    REQUIRE(gt_kssa_update(obj, cleared, &o, NULL) == 0);
    CHECK(!gt_kobj_has(cleared, "metadata.managedFields"));
    json_decref(cleared);
    json_decref(obj);

    /* status belongs to the status subresource only */
    int rc;
    json_t *live = apply(NULL, DEPLOY("3", ""), opts("kubectl", "t1"), &rc, NULL);
    json_t *st = json_deep_copy(live);
    gt_kobj_set_new(st, "status", J("{\"replicas\":3,\"readyReplicas\":3}"));
    struct gt_kssa_opts so = opts("kube-controller-manager", "t2");
    so.subresource = "status";
    REQUIRE(gt_kssa_update(live, st, &so, NULL) == 0);
    e = entry(st, "kube-controller-manager", "Update");
    REQUIRE(e);
    CHECK_STR_EQ(gt_kobj_str(e, "subresource", ""), "status");
    CHECK_JSON(gt_kobj_get(e, "fieldsV1"),
               "{\"f:status\":{\"f:readyReplicas\":{},\"f:replicas\":{}}}");
    json_t *fs = gt_kssa_fieldset(st, &(struct gt_kssa_opts){ .schema = so.schema,
                                                              .status_subresource = true });
    CHECK(!gt_kobj_has(fs, "f:status"));
    CHECK(!gt_kobj_has(fs, "f:metadata.f:name"));
    json_decref(fs);
    json_decref(st);
    json_decref(live);
}

TEST(apply_rejects_bad_input)
{
    int rc;
    json_t *conflict = NULL;
    json_t *out = apply(NULL, "[1]", opts("m", "t"), &rc, &conflict);
    CHECK_INT_EQ(rc, -EBADMSG);
    out = apply(NULL, "{\"metadata\":{\"managedFields\":[]}}", opts("m", "t"), &rc, &conflict);
    CHECK_INT_EQ(rc, -EBADMSG);
    struct gt_kssa_opts o = opts("", "t");
    out = apply(NULL, "{}", o, &rc, &conflict);
    CHECK_INT_EQ(rc, -EBADMSG);
    /* garbage managedFields on the live object are ignored */
    json_t *live = J("{\"metadata\":{\"name\":\"x\",\"managedFields\":[1,{\"manager\":\"a\","
                     "\"fieldsV1\":[]},{\"manager\":\"b\",\"fieldsType\":\"Other\"},{\"manager\":"
                     "\"c\",\"operation\":\"Apply\",\"fieldsV1\":{\"f:spec\":\"x\"}}]},\"spec\":"
                     "{\"replicas\":1}}");
    out = apply(live, DEPLOY("2", ""), opts("m", "t"), &rc, &conflict);
    CHECK(rc == 0 || rc == -EBUSY);
    json_decref(out);
    json_decref(conflict);
    json_t *obj = json_deep_copy(live);
    gt_kobj_set_new(obj, "metadata.managedFields", json_string("nonsense"));
    CHECK(gt_kssa_update(live, obj, &o, NULL) < 0); /* no manager */
    o.manager = "m";
    CHECK(gt_kssa_update(live, obj, &o, NULL) == 0);
    json_decref(obj);
    json_decref(live);
    /* list elements without their keys, arrays where objects are expected */
    out = apply(NULL, "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"image\":\"x\"},1,"
                      "[2]],\"volumes\":{}}},\"selector\":[]}}",
                opts("m", "t"), &rc, NULL);
    CHECK_INT_EQ(rc, 0);
    json_t *again = apply(out, "{\"spec\":{\"template\":{\"spec\":{\"containers\":[]}}}}",
                          opts("m", "t2"), &rc, NULL);
    CHECK_INT_EQ(rc, 0);
    json_decref(again);
    json_decref(out);
}

/* Random type changes in the configuration and the live object: results
 * or errors, never crashes (the sanitizer build checks memory). */
TEST(apply_survives_garbage)
{
    static const char *const atoms[] = { "null", "1", "\"x\"", "[]", "{}", "[1]", "[{}]",
                                         "{\"name\":1}", "true" };
    static const char *const paths[] = { "spec", "spec.replicas", "spec.template",
                                         "spec.template.spec", "spec.template.spec.containers",
                                         "metadata", "metadata.labels", "spec.selector",
                                         "metadata.managedFields" };
    unsigned seed = 5;
    int rc;
    json_t *base = apply(NULL, DEPLOY("3", PORTS), opts("kubectl", "t0"), &rc, NULL);
    REQUIRE(rc == 0);
    for (int round = 0; round < 400; round++) {
        json_t *cfg = J(DEPLOY("3", PORTS));
        json_t *live = json_deep_copy(base);
        for (int m = 0; m < 2; m++) {
            seed = seed * 1103515245 + 12345;
            json_t *target = (seed >> 3) & 1 ? cfg : live;
            const char *path = paths[(seed >> 8) % 9];
            json_t *atom = J(atoms[(seed >> 16) % 9]);
            gt_kobj_set_new(target, path, atom);
        }
        json_t *out = NULL, *conflict = NULL;
        struct gt_kssa_opts o = opts((seed >> 5) & 1 ? "kubectl" : "other", "t1");
        o.force = (seed >> 6) & 1;
        rc = gt_kssa_apply(live, cfg, &o, &out, &conflict, NULL);
        CHECK(rc == 0 || rc == -EBUSY || rc == -EBADMSG);
        json_decref(out);
        json_decref(conflict);
        json_t *upd = json_deep_copy(cfg);
        gt_kssa_update(live, upd, &o, NULL);
        json_decref(upd);
        json_decref(cfg);
        json_decref(live);
    }
    json_decref(base);
}
