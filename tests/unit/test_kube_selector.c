#include <stdlib.h>

#include "base/cleanup.h"
#include "kube/selector.h"
#include "tests/unit/kube_test.h"
#include "tests/unit/unit.h"

/* parse s and match against labels given as JSON */
static int lmatch(const char *s, const char *labels)
{
    struct gt_klsel *sel;
    if (gt_klsel_parse(s, &sel, NULL) < 0)
        return -1;
    json_t *l = J(labels);
    int r = gt_klsel_matches(sel, l);
    json_decref(l);
    gt_klsel_free(sel);
    return r;
}

TEST(label_selector_operators)
{
    const char *web = "{\"app\":\"web\",\"tier\":\"frontend\",\"replicas\":\"3\"}";
    CHECK_INT_EQ(lmatch("app=web", web), 1);
    CHECK_INT_EQ(lmatch("app==web", web), 1);
    CHECK_INT_EQ(lmatch("app=db", web), 0);
    CHECK_INT_EQ(lmatch("app!=db", web), 1);
    CHECK_INT_EQ(lmatch("env!=prod", web), 1); /* != matches a missing label */
    CHECK_INT_EQ(lmatch("tier in (frontend, backend)", web), 1);
    CHECK_INT_EQ(lmatch("tier notin (frontend,backend)", web), 0);
    CHECK_INT_EQ(lmatch("env notin (prod)", web), 1);
    CHECK_INT_EQ(lmatch("app", web), 1);
    CHECK_INT_EQ(lmatch("!app", web), 0);
    CHECK_INT_EQ(lmatch("!env", web), 1);
    CHECK_INT_EQ(lmatch("replicas>2", web), 1);
    CHECK_INT_EQ(lmatch("replicas<2", web), 0);
    CHECK_INT_EQ(lmatch("app>2", web), 0); /* not an integer */
    CHECK_INT_EQ(lmatch("app=web,tier=frontend", web), 1);
    CHECK_INT_EQ(lmatch("app=web,tier=backend", web), 0);
    CHECK_INT_EQ(lmatch("", web), 1);
    CHECK_INT_EQ(lmatch("  app = web , ! env ", web), 1);
    CHECK_INT_EQ(lmatch("example.com/role=x", "{\"example.com/role\":\"x\"}"), 1);
    CHECK_INT_EQ(lmatch("app=", "{\"app\":\"\"}"), 1);
    CHECK_INT_EQ(lmatch("app=", web), 0);
    /* keywords are plain values after an operator */
    CHECK_INT_EQ(lmatch("k in (in,notin)", "{\"k\":\"notin\"}"), 1);
}

TEST(label_selector_errors)
{
    struct gt_klsel *sel;
    struct gt_error err;
    CHECK(gt_klsel_parse("app in ()", &sel, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "values set can't be empty");
    CHECK(gt_klsel_parse("-app=x", &sel, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "invalid label key \"-app\"");
    CHECK(gt_klsel_parse("app=x y", &sel, &err) < 0);
    CHECK(gt_klsel_parse("app=a/b", &sel, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "invalid label value");
    CHECK(gt_klsel_parse("app in (a", &sel, &err) < 0);
    CHECK(gt_klsel_parse("app>x", &sel, &err) < 0);
    CHECK(gt_klsel_parse("=x", &sel, &err) < 0);
    CHECK(gt_klsel_parse("a,,b", &sel, &err) < 0);
    CHECK(gt_klsel_parse("!a=b", &sel, &err) < 0);
    CHECK(gt_klsel_parse("app notin", &sel, &err) < 0);
}

TEST(label_selector_canonical_string)
{
    struct gt_klsel *sel;
    REQUIRE(gt_klsel_parse("tier in (b,a),app=web,!old,env", &sel, NULL) == 0);
    cleanup_free char *s = gt_klsel_string(sel);
    CHECK_STR_EQ(s, "app=web,env,!old,tier in (a,b)");
    gt_klsel_free(sel);
}

TEST(label_selector_object_form)
{
    json_t *j = J("{\"matchLabels\":{\"app\":\"web\"},\"matchExpressions\":[{\"key\":\"tier\","
                  "\"operator\":\"In\",\"values\":[\"frontend\",\"api\"]},{\"key\":\"canary\","
                  "\"operator\":\"DoesNotExist\"}]}");
    struct gt_klsel *sel;
    REQUIRE(gt_klsel_from_json(j, &sel, NULL) == 0);
    json_t *l1 = J("{\"app\":\"web\",\"tier\":\"api\"}");
    json_t *l2 = J("{\"app\":\"web\",\"tier\":\"api\",\"canary\":\"1\"}");
    CHECK(gt_klsel_matches(sel, l1));
    CHECK(!gt_klsel_matches(sel, l2));
    CHECK(!gt_klsel_matches(sel, NULL));
    cleanup_free char *s = gt_klsel_string(sel);
    CHECK_STR_EQ(s, "app=web,!canary,tier in (api,frontend)");
    gt_klsel_free(sel);
    json_decref(j);

    /* {} selects everything, a missing selector nothing */
    j = J("{}");
    REQUIRE(gt_klsel_from_json(j, &sel, NULL) == 0);
    CHECK(gt_klsel_empty(sel));
    CHECK(gt_klsel_matches(sel, l1));
    gt_klsel_free(sel);
    json_decref(j);
    REQUIRE(gt_klsel_from_json(NULL, &sel, NULL) == 0);
    CHECK(gt_klsel_nothing(sel));
    CHECK(!gt_klsel_matches(sel, l1));
    gt_klsel_free(sel);

    struct gt_error err;
    j = J("{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"Equals\"}]}");
    CHECK(gt_klsel_from_json(j, &sel, &err) < 0);
    CHECK_STR_EQ(err.msg, "\"Equals\" is not a valid label selector operator");
    json_decref(j);
    j = J("{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"Exists\",\"values\":[\"x\"]}]}");
    CHECK(gt_klsel_from_json(j, &sel, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "values set must be empty");
    json_decref(j);
    j = J("[1]");
    CHECK(gt_klsel_from_json(j, &sel, &err) < 0);
    json_decref(j);

    j = J("{\"matchLabels\":{\"app\":\"web\"}}");
    cleanup_free char *f1 = gt_klsel_format_json(j);
    CHECK_STR_EQ(f1, "app=web");
    json_decref(j);
    j = J("{}");
    cleanup_free char *f2 = gt_klsel_format_json(j);
    CHECK_STR_EQ(f2, "<none>");
    json_decref(j);
    j = J("{\"b\":\"2\",\"a\":\"1\"}");
    cleanup_free char *f3 = gt_klabels_format(j);
    CHECK_STR_EQ(f3, "a=1,b=2");
    json_decref(j);
    json_decref(l1);
    json_decref(l2);
}

static const struct gt_kfsel_field pod_fields[] = {
    { "spec.nodeName", NULL },
    { "status.phase", NULL },
    { "spec.hostNetwork", NULL },
    { NULL, NULL },
};

static const struct gt_kfsel_field event_fields[] = {
    { "involvedObject.name", NULL },
    { "involvedObject.namespace", NULL },
    { "involvedObject.uid", NULL },
    { "involvedObject.kind", NULL },
    { "source", "source.component" },
    { NULL, NULL },
};

TEST(field_selectors)
{
    json_t *pod = J("{\"metadata\":{\"name\":\"web-1\",\"namespace\":\"default\"},"
                    "\"spec\":{\"nodeName\":\"node1\",\"hostNetwork\":false},"
                    "\"status\":{\"phase\":\"Running\"}}");
    struct gt_kfsel *sel;
    REQUIRE(gt_kfsel_parse("metadata.name=web-1", &sel, NULL) == 0);
    CHECK(gt_kfsel_check(sel, pod_fields, NULL) == 0);
    CHECK(gt_kfsel_matches(sel, pod, pod_fields));
    CHECK_STR_EQ(gt_kfsel_exact(sel, "metadata.name"), "web-1");
    gt_kfsel_free(sel);
    REQUIRE(gt_kfsel_parse("spec.nodeName=node1,status.phase!=Pending", &sel, NULL) == 0);
    CHECK(gt_kfsel_matches(sel, pod, pod_fields));
    gt_kfsel_free(sel);
    REQUIRE(gt_kfsel_parse("spec.nodeName==node2", &sel, NULL) == 0);
    CHECK(!gt_kfsel_matches(sel, pod, pod_fields));
    gt_kfsel_free(sel);
    REQUIRE(gt_kfsel_parse("spec.hostNetwork=false", &sel, NULL) == 0);
    CHECK(gt_kfsel_matches(sel, pod, pod_fields));
    gt_kfsel_free(sel);
    /* unscheduled pods: an empty value matches a missing field */
    json_t *pending = J("{\"metadata\":{\"name\":\"p\"},\"spec\":{}}");
    REQUIRE(gt_kfsel_parse("spec.nodeName=", &sel, NULL) == 0);
    CHECK(gt_kfsel_matches(sel, pending, pod_fields));
    CHECK(!gt_kfsel_matches(sel, pod, pod_fields));
    gt_kfsel_free(sel);

    struct gt_error err;
    REQUIRE(gt_kfsel_parse("spec.foo=bar", &sel, NULL) == 0);
    CHECK(gt_kfsel_check(sel, pod_fields, &err) < 0);
    CHECK_STR_EQ(err.msg, "field label not supported: spec.foo");
    gt_kfsel_free(sel);
    CHECK(gt_kfsel_parse("spec.nodeName", &sel, &err) < 0);
    CHECK_STR_EQ(err.msg, "invalid selector: 'spec.nodeName'; can't understand 'spec.nodeName'");
    CHECK(gt_kfsel_parse("a=b\\x", &sel, &err) < 0);
    CHECK(gt_kfsel_parse("a=b=c", &sel, &err) < 0);

    /* escapes in values, and the canonical string */
    REQUIRE(gt_kfsel_parse("metadata.name=a\\,b\\=c", &sel, NULL) == 0);
    CHECK_STR_EQ(gt_kfsel_exact(sel, "metadata.name"), "a,b=c");
    cleanup_free char *s = gt_kfsel_string(sel);
    CHECK_STR_EQ(s, "metadata.name=a\\,b\\=c");
    gt_kfsel_free(sel);

    /* what kubectl describe sends for events */
    json_t *ev = J("{\"metadata\":{\"name\":\"e\",\"namespace\":\"default\"},\"involvedObject\":"
                   "{\"kind\":\"Pod\",\"name\":\"web-1\",\"namespace\":\"default\",\"uid\":\"u1\"},"
                   "\"source\":{\"component\":\"default-scheduler\"}}");
    REQUIRE(gt_kfsel_parse("involvedObject.name=web-1,involvedObject.namespace=default,"
                           "involvedObject.uid=u1",
                           &sel, NULL) == 0);
    CHECK(gt_kfsel_check(sel, event_fields, NULL) == 0);
    CHECK(gt_kfsel_matches(sel, ev, event_fields));
    gt_kfsel_free(sel);
    REQUIRE(gt_kfsel_parse("source=default-scheduler", &sel, NULL) == 0);
    CHECK(gt_kfsel_matches(sel, ev, event_fields));
    gt_kfsel_free(sel);
    REQUIRE(gt_kfsel_parse("", &sel, NULL) == 0);
    CHECK(gt_kfsel_empty(sel));
    CHECK(gt_kfsel_matches(sel, ev, event_fields));
    gt_kfsel_free(sel);
    json_decref(ev);
    json_decref(pod);
    json_decref(pending);
}
