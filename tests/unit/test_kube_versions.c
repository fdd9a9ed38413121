/* Versions served from another's objects: autoscaling/v1 over v2. */
#include <stdlib.h>
#include <string.h>

#include "kube/kinds.h"
#include "tests/unit/unit.h"

static const struct gt_kind *v1(void)
{
    return gt_kind_by_resource("autoscaling", "v1", "horizontalpodautoscalers");
}

TEST(versions_lookup)
{
    const struct gt_kind *k = v1();
    REQUIRE(k);
    REQUIRE(k->storage);
    CHECK_STR_EQ(k->storage->version, "v2");
    CHECK(gt_kind_by_gvk("autoscaling", "v1", "HorizontalPodAutoscaler") == k);
    /* not among the stored kinds; among the served ones */
    size_t n, ns;
    const struct gt_kind *const *all = gt_kinds(&n);
    const struct gt_kind *const *served = gt_kinds_served(&ns);
    for (size_t i = 0; i < n; i++)
        CHECK(all[i] != k);
    CHECK(ns == n + 1 && served[n] == k);
    /* kubectl's names find the preferred version */
    CHECK_STR_EQ(gt_kind_find("hpa")->version, "v2");
}

TEST(versions_v1_to_v2_and_back)
{
    const struct gt_kind *k = v1();
    json_t *o1 = json_loads(
        "{\"apiVersion\":\"autoscaling/v1\",\"kind\":\"HorizontalPodAutoscaler\","
        "\"metadata\":{\"name\":\"web\",\"namespace\":\"d\",\"labels\":{\"a\":\"b\"}},"
        "\"spec\":{\"scaleTargetRef\":{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\","
        "\"name\":\"web\"},\"minReplicas\":2,\"maxReplicas\":5,"
        "\"targetCPUUtilizationPercentage\":70},"
        "\"status\":{\"currentReplicas\":3,\"desiredReplicas\":4,"
        "\"currentCPUUtilizationPercentage\":91}}",
        0, NULL);
    REQUIRE(o1);
    json_t *o2 = k->to_storage(o1);
    char *s = json_dumps(o2, JSON_COMPACT | JSON_SORT_KEYS);
    CHECK_STR_EQ(s, "{\"apiVersion\":\"autoscaling/v2\",\"kind\":\"HorizontalPodAutoscaler\","
                    "\"metadata\":{\"labels\":{\"a\":\"b\"},\"name\":\"web\",\"namespace\":\"d\"},"
                    "\"spec\":{\"maxReplicas\":5,\"metrics\":[{\"resource\":{\"name\":\"cpu\","
                    "\"target\":{\"averageUtilization\":70,\"type\":\"Utilization\"}},"
                    "\"type\":\"Resource\"}],\"minReplicas\":2,\"scaleTargetRef\":{"
                    "\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"name\":\"web\"}},"
                    "\"status\":{\"currentMetrics\":[{\"resource\":{\"current\":{"
                    "\"averageUtilization\":91},\"name\":\"cpu\"},\"type\":\"Resource\"}],"
                    "\"currentReplicas\":3,\"desiredReplicas\":4}}");
    free(s);
    json_t *back = k->from_storage(o2);
    CHECK(json_equal(back, o1));
    json_decref(back);
    json_decref(o2);
    json_decref(o1);
}

/* what v1 cannot say travels in annotations: a v2 object read and written
 * back through v1 is unchanged */
TEST(versions_v2_round_trip_keeps_what_v1_cannot_say)
{
    const struct gt_kind *k = v1();
    json_t *o2 = json_loads(
        "{\"apiVersion\":\"autoscaling/v2\",\"kind\":\"HorizontalPodAutoscaler\","
        "\"metadata\":{\"name\":\"web\",\"annotations\":{\"keep\":\"me\"}},"
        "\"spec\":{\"scaleTargetRef\":{\"kind\":\"Deployment\",\"name\":\"web\"},"
        "\"maxReplicas\":5,\"metrics\":["
        "{\"type\":\"Resource\",\"resource\":{\"name\":\"memory\",\"target\":{\"type\":"
        "\"AverageValue\",\"averageValue\":\"100Mi\"}}},"
        "{\"type\":\"Resource\",\"resource\":{\"name\":\"cpu\",\"target\":{\"type\":"
        "\"Utilization\",\"averageUtilization\":60}}}],"
        "\"behavior\":{\"scaleDown\":{\"stabilizationWindowSeconds\":30}}},"
        "\"status\":{\"desiredReplicas\":1,\"currentReplicas\":1,\"conditions\":[{\"type\":"
        "\"AbleToScale\",\"status\":\"True\"}]}}",
        0, NULL);
    REQUIRE(o2);
    json_t *o1 = k->from_storage(o2);
    CHECK_INT_EQ(json_integer_value(json_object_get(json_object_get(o1, "spec"),
                                                    "targetCPUUtilizationPercentage")),
                 60);
    json_t *ann = json_object_get(json_object_get(o1, "metadata"), "annotations");
    CHECK_STR_CONTAINS(json_string_value(json_object_get(ann, "autoscaling.alpha.kubernetes.io/"
                                                              "metrics")),
                       "memory");
    CHECK(json_object_get(ann, "autoscaling.alpha.kubernetes.io/behavior") != NULL);
    CHECK(json_object_get(ann, "autoscaling.alpha.kubernetes.io/conditions") != NULL);
    CHECK_STR_EQ(json_string_value(json_object_get(ann, "keep")), "me");
    /* v1 knows no metrics list */
    CHECK(json_object_get(json_object_get(o1, "spec"), "metrics") == NULL);
    json_t *again = k->to_storage(o1);
    /* the same metrics (cpu first now), behavior, conditions, annotations */
    json_t *m = json_object_get(json_object_get(again, "spec"), "metrics");
    CHECK_INT_EQ(json_array_size(m), 2);
    CHECK(json_equal(json_object_get(json_object_get(again, "spec"), "behavior"),
                     json_object_get(json_object_get(o2, "spec"), "behavior")));
    CHECK(json_equal(json_object_get(json_object_get(again, "status"), "conditions"),
                     json_object_get(json_object_get(o2, "status"), "conditions")));
    CHECK(json_equal(json_object_get(json_object_get(again, "metadata"), "annotations"),
                     json_object_get(json_object_get(o2, "metadata"), "annotations")));
    json_decref(again);
    json_decref(o1);
    json_decref(o2);
}

TEST(versions_discovery_lists_both)
{
    json_t *d = gt_kinds_discovery(false);
    size_t i;
    json_t *g;
    int found = 0;
    json_array_foreach(json_object_get(d, "items"), i, g) {
        json_t *name = json_object_get(json_object_get(g, "metadata"), "name");
        if (strcmp(json_string_value(name), "autoscaling") != 0)
            continue;
        json_t *vs = json_object_get(g, "versions");
        CHECK_INT_EQ(json_array_size(vs), 2);
        CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(vs, 0), "version")), "v2");
        CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(vs, 1), "version")), "v1");
        found++;
    }
    CHECK_INT_EQ(found, 1);
    json_decref(d);
    json_t *l = gt_kinds_resource_list("autoscaling", "v1");
    REQUIRE(l);
    CHECK_STR_EQ(json_string_value(json_object_get(l, "groupVersion")), "autoscaling/v1");
    json_decref(l);
}
