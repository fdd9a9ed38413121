#include <errno.h>
#include <stdlib.h>

#include "base/cleanup.h"
#include "kube/kinds.h"
#include "kube/obj.h"
#include "kube/patch.h"
#include "tests/unit/kube_test.h"
#include "tests/unit/unit.h"

static json_t *jp(const char *doc, const char *patch, int *rc, struct gt_error *err)
{
    json_t *d = J(doc), *p = J(patch), *out = NULL;
    *rc = gt_kpatch_json(d, p, &out, err);
    json_decref(d);
    json_decref(p);
    return out;
}

TEST(json_patch_rfc6902_examples)
{
    int rc;
    struct gt_error err;
    json_t *o;
    o = jp("{\"foo\":\"bar\"}", "[{\"op\":\"add\",\"path\":\"/baz\",\"value\":\"qux\"}]", &rc, &err);
    CHECK_JSON(o, "{\"baz\":\"qux\",\"foo\":\"bar\"}");
    json_decref(o);
    o = jp("{\"foo\":[\"bar\",\"baz\"]}", "[{\"op\":\"add\",\"path\":\"/foo/1\",\"value\":\"qux\"}]",
           &rc, &err);
    CHECK_JSON(o, "{\"foo\":[\"bar\",\"qux\",\"baz\"]}");
    json_decref(o);
    o = jp("{\"baz\":\"qux\",\"foo\":\"bar\"}", "[{\"op\":\"remove\",\"path\":\"/baz\"}]", &rc, &err);
    CHECK_JSON(o, "{\"foo\":\"bar\"}");
    json_decref(o);
    o = jp("{\"foo\":[\"bar\",\"qux\",\"baz\"]}", "[{\"op\":\"remove\",\"path\":\"/foo/1\"}]", &rc,
           &err);
    CHECK_JSON(o, "{\"foo\":[\"bar\",\"baz\"]}");
    json_decref(o);
    o = jp("{\"baz\":\"qux\",\"foo\":\"bar\"}",
           "[{\"op\":\"replace\",\"path\":\"/baz\",\"value\":\"boo\"}]", &rc, &err);
    CHECK_JSON(o, "{\"baz\":\"boo\",\"foo\":\"bar\"}");
    json_decref(o);
    o = jp("{\"foo\":{\"bar\":\"baz\",\"waldo\":\"fred\"},\"qux\":{\"corge\":\"grault\"}}",
           "[{\"op\":\"move\",\"from\":\"/foo/waldo\",\"path\":\"/qux/thud\"}]", &rc, &err);
    CHECK_JSON(o, "{\"foo\":{\"bar\":\"baz\"},\"qux\":{\"corge\":\"grault\",\"thud\":\"fred\"}}");
    json_decref(o);
    o = jp("{\"foo\":[\"all\",\"grass\",\"cows\",\"eat\"]}",
           "[{\"op\":\"move\",\"from\":\"/foo/1\",\"path\":\"/foo/3\"}]", &rc, &err);
    CHECK_JSON(o, "{\"foo\":[\"all\",\"cows\",\"eat\",\"grass\"]}");
    json_decref(o);
    o = jp("{\"baz\":\"qux\",\"foo\":[\"a\",2,\"c\"]}",
           "[{\"op\":\"test\",\"path\":\"/baz\",\"value\":\"qux\"},{\"op\":\"test\",\"path\":"
           "\"/foo/1\",\"value\":2.0}]",
           &rc, &err);
    CHECK_INT_EQ(rc, 0);
    json_decref(o);
    o = jp("{\"baz\":\"qux\"}", "[{\"op\":\"test\",\"path\":\"/baz\",\"value\":\"bar\"}]", &rc, &err);
    CHECK_INT_EQ(rc, -EINVAL);
    CHECK(o == NULL);
    CHECK_STR_CONTAINS(err.msg, "operation 0 (test): path \"/baz\": test failed");
    o = jp("{\"foo\":\"bar\"}",
           "[{\"op\":\"add\",\"path\":\"/child\",\"value\":{\"grandchild\":{}}}]", &rc, &err);
    CHECK_JSON(o, "{\"foo\":\"bar\",\"child\":{\"grandchild\":{}}}");
    json_decref(o);
    o = jp("{\"foo\":\"bar\"}", "[{\"op\":\"add\",\"path\":\"/baz\",\"value\":\"qux\",\"xyz\":123}]",
           &rc, &err);
    CHECK_JSON(o, "{\"foo\":\"bar\",\"baz\":\"qux\"}");
    json_decref(o);
    o = jp("{\"foo\":\"bar\"}", "[{\"op\":\"add\",\"path\":\"/baz/bat\",\"value\":\"qux\"}]", &rc,
           &err);
    CHECK_INT_EQ(rc, -EINVAL);
    o = jp("{\"/\":9,\"~1\":10}", "[{\"op\":\"test\",\"path\":\"/~01\",\"value\":10}]", &rc, &err);
    CHECK_INT_EQ(rc, 0);
    json_decref(o);
    o = jp("{\"/\":9,\"~1\":10}", "[{\"op\":\"test\",\"path\":\"/~01\",\"value\":\"10\"}]", &rc, &err);
    CHECK_INT_EQ(rc, -EINVAL);
    o = jp("{\"foo\":[\"bar\"]}", "[{\"op\":\"add\",\"path\":\"/foo/-\",\"value\":[\"abc\",\"def\"]}]",
           &rc, &err);
    CHECK_JSON(o, "{\"foo\":[\"bar\",[\"abc\",\"def\"]]}");
    json_decref(o);
    /* all or nothing: the second op fails, the document is unchanged */
    o = jp("{\"a\":1}", "[{\"op\":\"remove\",\"path\":\"/a\"},{\"op\":\"remove\",\"path\":\"/a\"}]",
           &rc, &err);
    CHECK_INT_EQ(rc, -EINVAL);
    CHECK_STR_CONTAINS(err.msg, "operation 1 (remove)");
    /* what kubectl patch --type=json sends */
    o = jp("{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x\"}]}}}}",
           "[{\"op\":\"replace\",\"path\":\"/spec/template/spec/containers/0/image\",\"value\":"
           "\"y\"}]",
           &rc, &err);
    CHECK_STR_EQ(gt_kobj_str(json_array_get(gt_kobj_arr(o, "spec.template.spec.containers"), 0),
                             "image", ""),
                 "y");
    json_decref(o);
}

TEST(json_patch_rejects_malformed_patches)
{
    int rc;
    struct gt_error err;
    static const char *const bad[] = {
        "{}", "[1]", "[{\"path\":\"/a\"}]", "[{\"op\":\"add\",\"value\":1}]",
        "[{\"op\":\"add\",\"path\":\"a\",\"value\":1}]", "[{\"op\":\"jump\",\"path\":\"/a\"}]",
        "[{\"op\":\"add\",\"path\":\"/a\"}]", "[{\"op\":\"move\",\"path\":\"/a\"}]",
        "[{\"op\":\"add\",\"path\":\"/a~2\",\"value\":1}]", "[{\"op\":5,\"path\":\"/a\"}]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *o = jp("{\"a\":{\"b\":[1,2]}}", bad[i], &rc, &err);
        if (rc != -EBADMSG)
            unit_fail(__FILE__, __LINE__, "%s: rc %d, want -EBADMSG", bad[i], rc);
        CHECK(o == NULL);
    }
    static const char *const inapplicable[] = {
        "[{\"op\":\"remove\",\"path\":\"/a/b/5\"}]", "[{\"op\":\"add\",\"path\":\"/a/b/3\",\"value\":0}]",
        "[{\"op\":\"add\",\"path\":\"/a/b/01\",\"value\":0}]", "[{\"op\":\"replace\",\"path\":\"/x\",\"value\":0}]",
        "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/a/c\"}]", "[{\"op\":\"copy\",\"from\":\"/z\",\"path\":\"/y\"}]",
        "[{\"op\":\"remove\",\"path\":\"\"}]", "[{\"op\":\"add\",\"path\":\"/a/b/-1\",\"value\":0}]",
        "[{\"op\":\"add\",\"path\":\"/a/b/99999999999999999999999\",\"value\":0}]",
    };
    for (size_t i = 0; i < sizeof inapplicable / sizeof inapplicable[0]; i++) {
        json_t *o = jp("{\"a\":{\"b\":[1,2]}}", inapplicable[i], &rc, &err);
        if (rc != -EINVAL)
            unit_fail(__FILE__, __LINE__, "%s: rc %d, want -EINVAL", inapplicable[i], rc);
        CHECK(o == NULL);
    }
    json_t *o = jp("{\"a\":1}", "[{\"op\":\"copy\",\"from\":\"/a\",\"path\":\"/b\"},{\"op\":"
                   "\"replace\",\"path\":\"\",\"value\":[]}]",
                   &rc, &err);
    CHECK_JSON(o, "[]");
    json_decref(o);
}

static json_t *mp(const char *doc, const char *patch)
{
    json_t *d = J(doc), *p = J(patch), *out = NULL;
    gt_kpatch_merge(d, p, &out, NULL);
    json_decref(d);
    json_decref(p);
    return out;
}

TEST(merge_patch_rfc7386_examples)
{
    static const char *const cases[][3] = {
        { "{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"c\"}" },
        { "{\"a\":\"b\"}", "{\"b\":\"c\"}", "{\"a\":\"b\",\"b\":\"c\"}" },
        { "{\"a\":\"b\"}", "{\"a\":null}", "{}" },
        { "{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}", "{\"b\":\"c\"}" },
        { "{\"a\":[\"b\"]}", "{\"a\":\"c\"}", "{\"a\":\"c\"}" },
        { "{\"a\":\"c\"}", "{\"a\":[\"b\"]}", "{\"a\":[\"b\"]}" },
        { "{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}", "{\"a\":{\"b\":\"d\"}}" },
        { "{\"a\":[{\"b\":\"c\"}]}", "{\"a\":[1]}", "{\"a\":[1]}" },
        { "[\"a\",\"b\"]", "[\"c\",\"d\"]", "[\"c\",\"d\"]" },
        { "{\"a\":\"b\"}", "[\"c\"]", "[\"c\"]" },
        { "{\"a\":\"foo\"}", "null", "null" },
        { "{\"a\":\"foo\"}", "\"bar\"", "\"bar\"" },
        { "{\"e\":null}", "{\"a\":1}", "{\"e\":null,\"a\":1}" },
        { "[1,2]", "{\"a\":\"b\",\"c\":null}", "{\"a\":\"b\"}" },
        { "{}", "{\"a\":{\"bb\":{\"ccc\":null}}}", "{\"a\":{\"bb\":{}}}" },
        /* kubectl label pod web-1 tier=front; kubectl label pod web-1 app- */
        { "{\"metadata\":{\"labels\":{\"app\":\"web\"}}}",
          "{\"metadata\":{\"labels\":{\"tier\":\"front\",\"app\":null}}}",
          "{\"metadata\":{\"labels\":{\"tier\":\"front\"}}}" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *o = mp(cases[i][0], cases[i][1]);
        CHECK_JSON(o, cases[i][2]);
        json_decref(o);
    }
}

static json_t *smp(const char *kind, const char *doc, const char *patch, int *rc,
                   struct gt_error *err)
{
    const struct gt_kind *k = kind ? gt_kind_find(kind) : NULL;
    json_t *d = J(doc), *p = J(patch), *out = NULL;
    *rc = gt_kpatch_strategic(d, p, k ? k->schema : NULL, &out, err);
    json_decref(d);
    json_decref(p);
    return out;
}

#define DEMO \
    "{\"spec\":{\"replicas\":2,\"template\":{\"spec\":{\"containers\":[{\"name\":\"patch-demo-ctr\"," \
    "\"image\":\"nginx\",\"ports\":[{\"containerPort\":80,\"protocol\":\"TCP\"}]}],"               \
    "\"tolerations\":[{\"effect\":\"NoSchedule\",\"key\":\"dedicated\",\"value\":\"test-team\"}]}}}}"

TEST(strategic_merge_patch_docs_examples)
{
    int rc;
    struct gt_error err;
    /* "Update API Objects in Place Using kubectl patch": a second container
     * is merged in by name (and lands first, as in the page's output) */
    json_t *o = smp("deployments", DEMO,
                    "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":"
                    "\"patch-demo-ctr-2\",\"image\":\"redis\"}]}}}}",
                    &rc, &err);
    REQUIRE(rc == 0);
    json_t *cs = gt_kobj_arr(o, "spec.template.spec.containers");
    REQUIRE(json_array_size(cs) == 2);
    CHECK_STR_EQ(gt_kobj_str(json_array_get(cs, 0), "name", ""), "patch-demo-ctr-2");
    CHECK_STR_EQ(gt_kobj_str(json_array_get(cs, 1), "image", ""), "nginx");
    CHECK_INT_EQ(gt_kobj_len(json_array_get(cs, 1), "ports"), 1);
    json_decref(o);
    /* tolerations have no patch strategy: replaced */
    o = smp("deployments", DEMO,
            "{\"spec\":{\"template\":{\"spec\":{\"tolerations\":[{\"effect\":\"NoSchedule\","
            "\"key\":\"disktype\",\"value\":\"ssd\"}]}}}}",
            &rc, &err);
    CHECK_JSON(gt_kobj_get(o, "spec.template.spec.tolerations"),
               "[{\"effect\":\"NoSchedule\",\"key\":\"disktype\",\"value\":\"ssd\"}]");
    json_decref(o);
    /* a merge patch would have replaced the list: the same patch as JSON merge */
    json_t *d = J(DEMO), *p = J("{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":"
                                "\"patch-demo-ctr-2\",\"image\":\"redis\"}]}}}}");
    REQUIRE(gt_kpatch_merge(d, p, &o, NULL) == 0);
    CHECK_INT_EQ(gt_kobj_len(o, "spec.template.spec.containers"), 1);
    json_decref(o);
    json_decref(d);
    json_decref(p);

    /* retainKeys: switching the strategy drops rollingUpdate */
    const char *rk = "{\"spec\":{\"strategy\":{\"type\":\"RollingUpdate\",\"rollingUpdate\":"
                     "{\"maxSurge\":\"30%\"}}}}";
    o = smp("deployments", rk, "{\"spec\":{\"strategy\":{\"$retainKeys\":[\"type\"],\"type\":"
                               "\"Recreate\"}}}",
            &rc, &err);
    CHECK_JSON(gt_kobj_get(o, "spec.strategy"), "{\"type\":\"Recreate\"}");
    json_decref(o);
    o = smp("deployments", rk, "{\"spec\":{\"strategy\":{\"type\":\"Recreate\"}}}", &rc, &err);
    CHECK_JSON(gt_kobj_get(o, "spec.strategy"),
               "{\"type\":\"Recreate\",\"rollingUpdate\":{\"maxSurge\":\"30%\"}}");
    json_decref(o);
    o = smp("deployments", rk, "{\"spec\":{\"strategy\":{\"$retainKeys\":[\"type\"],\"type\":"
                               "\"Recreate\",\"rollingUpdate\":{}}}}",
            &rc, &err);
    CHECK_INT_EQ(rc, -EBADMSG); /* rollingUpdate is not in $retainKeys */
}

TEST(strategic_merge_patch_kubectl_apply)
{
    int rc;
    struct gt_error err;
    /* what kubectl apply sent for an image change (client-compat B.5) */
    const char *live =
        "{\"metadata\":{\"name\":\"web\",\"annotations\":{\"a\":\"1\"}},\"spec\":{\"template\":"
        "{\"spec\":{\"containers\":[{\"name\":\"nginx\",\"image\":\"nginx:1.27\",\"ports\":"
        "[{\"containerPort\":80,\"protocol\":\"TCP\"}],\"env\":[{\"name\":\"A\",\"value\":\"1\"},"
        "{\"name\":\"B\",\"value\":\"2\"}]},{\"name\":\"log\",\"image\":\"busybox\"}]}}}}";
    json_t *o = smp("deployments", live,
                    "{\"metadata\":{\"annotations\":{\"kubectl.kubernetes.io/last-applied-"
                    "configuration\":\"{}\\n\"}},\"spec\":{\"template\":{\"spec\":{\"$setElementOrder/"
                    "containers\":[{\"name\":\"nginx\"},{\"name\":\"log\"}],\"containers\":[{\"image\":"
                    "\"nginx:1.28\",\"name\":\"nginx\"}]}}}}",
                    &rc, &err);
    REQUIRE(rc == 0);
    json_t *c0 = json_array_get(gt_kobj_arr(o, "spec.template.spec.containers"), 0);
    CHECK_STR_EQ(gt_kobj_str(c0, "name", ""), "nginx");
    CHECK_STR_EQ(gt_kobj_str(c0, "image", ""), "nginx:1.28");
    CHECK_INT_EQ(gt_kobj_len(c0, "ports"), 1); /* kept: merged by name */
    CHECK_INT_EQ(gt_kobj_len(o, "spec.template.spec.containers"), 2);
    CHECK_INT_EQ(gt_kobj_len(o, "metadata.annotations"), 2);
    json_decref(o);

    /* kubectl set image with $setElementOrder, and a reorder without a list patch */
    o = smp("deployments", live,
            "{\"spec\":{\"template\":{\"spec\":{\"$setElementOrder/containers\":[{\"name\":\"log\"},"
            "{\"name\":\"nginx\"}]}}}}",
            &rc, &err);
    {
        json_t *cs = gt_kobj_arr(o, "spec.template.spec.containers");
        CHECK_STR_EQ(gt_kobj_str(json_array_get(cs, 0), "name", ""), "log");
        CHECK_STR_EQ(gt_kobj_str(json_array_get(cs, 1), "name", ""), "nginx");
    }
    json_decref(o);

    /* env merged by name, delete directive, nested list */
    o = smp("deployments", live,
            "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"nginx\",\"env\":"
            "[{\"name\":\"B\",\"$patch\":\"delete\"},{\"name\":\"C\",\"value\":\"3\"}]}]}}}}",
            &rc, &err);
    REQUIRE(rc == 0);
    c0 = json_array_get(gt_kobj_arr(o, "spec.template.spec.containers"), 0);
    CHECK_JSON(gt_kobj_get(c0, "env"), "[{\"name\":\"C\",\"value\":\"3\"},{\"name\":\"A\",\"value\":\"1\"}]");
    json_decref(o);

    /* $patch: replace on a list element and on a map */
    o = smp("deployments", live,
            "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"only\",\"image\":\"x\"},"
            "{\"$patch\":\"replace\"}]}}}}",
            &rc, &err);
    CHECK_JSON(gt_kobj_get(o, "spec.template.spec.containers"),
               "[{\"name\":\"only\",\"image\":\"x\"}]");
    json_decref(o);
    o = smp("deployments", live,
            "{\"metadata\":{\"annotations\":{\"$patch\":\"replace\",\"b\":\"2\"}}}", &rc, &err);
    CHECK_JSON(gt_kobj_get(o, "metadata.annotations"), "{\"b\":\"2\"}");
    json_decref(o);
    o = smp("deployments", live, "{\"metadata\":{\"annotations\":{\"$patch\":\"delete\"}}}", &rc,
            &err);
    CHECK_JSON(gt_kobj_get(o, "metadata.annotations"), "{}");
    json_decref(o);

    /* ports merged by containerPort: new ones come first, as apimachinery orders them */
    o = smp("pods", "{\"spec\":{\"containers\":[{\"name\":\"c\",\"ports\":[{\"containerPort\":80},"
                    "{\"containerPort\":443}]}]}}",
            "{\"spec\":{\"containers\":[{\"name\":\"c\",\"ports\":[{\"containerPort\":8080}]}]}}", &rc,
            &err);
    CHECK_JSON(gt_kobj_get(json_array_get(gt_kobj_arr(o, "spec.containers"), 0), "ports"),
               "[{\"containerPort\":8080},{\"containerPort\":80},{\"containerPort\":443}]");
    json_decref(o);

    /* Service ports merge on port */
    o = smp("services", "{\"spec\":{\"ports\":[{\"port\":80,\"targetPort\":8080},{\"port\":443}]}}",
            "{\"spec\":{\"ports\":[{\"port\":80,\"targetPort\":9090}]}}", &rc, &err);
    CHECK_JSON(gt_kobj_get(o, "spec.ports"), "[{\"port\":80,\"targetPort\":9090},{\"port\":443}]");
    json_decref(o);

    /* primitive lists with a merge strategy: finalizers */
    const char *fin = "{\"metadata\":{\"finalizers\":[\"a\",\"b\",\"c\"]}}";
    o = smp("pods", fin, "{\"metadata\":{\"$deleteFromPrimitiveList/finalizers\":[\"b\"]}}", &rc,
            &err);
    CHECK_JSON(gt_kobj_get(o, "metadata.finalizers"), "[\"a\",\"c\"]");
    json_decref(o);
    o = smp("pods", fin, "{\"metadata\":{\"finalizers\":[\"d\",\"a\"]}}", &rc, &err);
    CHECK_JSON(gt_kobj_get(o, "metadata.finalizers"), "[\"d\",\"a\",\"b\",\"c\"]");
    json_decref(o);
    /* lists the schema does not merge are replaced: container args */
    o = smp("pods", "{\"spec\":{\"containers\":[{\"name\":\"c\",\"args\":[\"a\",\"b\"]}]}}",
            "{\"spec\":{\"containers\":[{\"name\":\"c\",\"args\":[\"x\"]}]}}", &rc, &err);
    CHECK_JSON(gt_kobj_get(json_array_get(gt_kobj_arr(o, "spec.containers"), 0), "args"), "[\"x\"]");
    json_decref(o);
    /* null deletes; unknown fields merge like a merge patch; no schema at all */
    o = smp(NULL, "{\"a\":{\"b\":1,\"c\":[1]},\"d\":2}", "{\"a\":{\"b\":null,\"c\":[2],\"e\":{\"f\":"
                                                    "null,\"g\":1}},\"d\":null}",
            &rc, &err);
    CHECK_JSON(o, "{\"a\":{\"c\":[2],\"e\":{\"g\":1}}}");
    json_decref(o);
}

TEST(strategic_merge_patch_errors)
{
    int rc;
    struct gt_error err;
    json_t *o;
    o = smp("pods", "{}", "[1]", &rc, &err);
    CHECK_INT_EQ(rc, -EBADMSG);
    o = smp("pods", "{\"spec\":{}}", "{\"spec\":{\"$patch\":\"explode\"}}", &rc, &err);
    CHECK_INT_EQ(rc, -EBADMSG);
    CHECK_STR_CONTAINS(err.msg, "unknown patch type \"explode\"");
    o = smp("pods", "{\"spec\":{\"containers\":[{\"name\":\"a\"}]}}",
            "{\"spec\":{\"containers\":[{\"image\":\"x\"}]}}", &rc, &err);
    CHECK_INT_EQ(rc, -EINVAL);
    CHECK_STR_CONTAINS(err.msg, "spec.containers: map does not contain declared merge key: name");
    o = smp("pods", "{\"spec\":{\"containers\":[{\"name\":\"a\"},{\"name\":\"b\"}]}}",
            "{\"spec\":{\"$setElementOrder/containers\":[{\"name\":\"a\"},{\"name\":\"b\"}],"
            "\"containers\":[{\"name\":\"b\"},{\"name\":\"a\"}]}}",
            &rc, &err);
    CHECK_INT_EQ(rc, -EBADMSG);
    CHECK_STR_CONTAINS(err.msg, "doesn't match the order in the patch");
    o = smp("pods", "{\"spec\":{\"containers\":[{\"name\":\"a\"}]}}",
            "{\"spec\":{\"containers\":[\"x\"]}}", &rc, &err);
    CHECK_INT_EQ(rc, -EBADMSG);
    o = smp("pods", "{\"spec\":{\"containers\":[{\"name\":\"a\"}]}}",
            "{\"spec\":{\"containers\":[{\"name\":\"a\",\"$patch\":\"merge\"}]}}", &rc, &err);
    CHECK_INT_EQ(rc, -EBADMSG);
    o = smp("pods", "{\"metadata\":{\"finalizers\":[\"a\"]}}",
            "{\"metadata\":{\"$deleteFromPrimitiveList/finalizers\":\"a\"}}", &rc, &err);
    CHECK_INT_EQ(rc, -EBADMSG);
    o = smp("pods", "{\"spec\":{}}", "{\"spec\":{\"$retainKeys\":\"x\"}}", &rc, &err);
    CHECK_INT_EQ(rc, -EBADMSG);
    (void)o;
}

/* Random patches against a pod: any result or error, never a crash (the
 * sanitizer build checks memory). */
TEST(patches_survive_garbage)
{
    const struct gt_kind *k = gt_kind_find("pods");
    json_t *doc = J("{\"metadata\":{\"name\":\"p\",\"finalizers\":[\"a\"]},\"spec\":{\"containers\":"
                    "[{\"name\":\"c\",\"image\":\"x\",\"ports\":[{\"containerPort\":80}],\"env\":"
                    "[{\"name\":\"A\"}]}],\"volumes\":[{\"name\":\"v\",\"emptyDir\":{}}]}}");
    static const char *const atoms[] = {
        "null", "1", "\"s\"", "[]", "{}", "[1,\"a\"]", "[{\"name\":\"c\"}]", "[[1]]",
        "{\"$patch\":\"delete\"}", "{\"$patch\":\"replace\"}", "[{\"$patch\":\"replace\"}]",
        "[{\"name\":\"c\",\"$patch\":\"delete\"}]", "[{\"$patch\":\"delete\"}]", "{\"$patch\":7}",
    };
    static const char *const keys[] = { "spec", "containers", "ports", "env", "metadata",
                                        "finalizers", "$setElementOrder/containers",
                                        "$deleteFromPrimitiveList/finalizers", "$retainKeys",
                                        "$patch", "volumes", "x" };
    unsigned seed = 12345;
    for (int iter = 0; iter < 3000; iter++) {
        /* a patch of depth up to 3 built from random keys and atoms */
        json_t *p = json_object();
        json_t *cur = p;
        int depth = 1 + (int)((seed = seed * 1103515245 + 12345) >> 16) % 3;
        for (int d = 0; d < depth; d++) {
            const char *key = keys[((seed = seed * 1103515245 + 12345) >> 16) % 12];
            if (d + 1 == depth) {
                json_object_set_new(cur, key,
                                    J(atoms[((seed = seed * 1103515245 + 12345) >> 16) % 14]));
            } else {
                json_t *n = json_object();
                json_object_set_new(cur, key, n);
                cur = n;
            }
        }
        json_t *out = NULL;
        struct gt_error err;
        int rc = gt_kpatch_strategic(doc, p, k->schema, &out, &err);
        if (rc == 0)
            json_decref(out);
        else
            CHECK(rc == -EBADMSG || rc == -EINVAL);
        out = NULL;
        rc = gt_kpatch_merge(doc, p, &out, &err);
        json_decref(out);
        json_t *arr = json_pack("[o]", json_incref(p));
        out = NULL;
        rc = gt_kpatch_json(doc, arr, &out, &err);
        json_decref(out);
        json_decref(arr);
        json_decref(p);
    }
    json_decref(doc);
}
