#include <errno.h>
#include <stdlib.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "kube/fielderr.h"
#include "kube/meta.h"
#include "kube/obj.h"
#include "tests/unit/kube_test.h"
#include "tests/unit/unit.h"

TEST(names_follow_dns_rules)
{
    CHECK(gt_kmeta_is_dns1123_label("my-name"));
    CHECK(gt_kmeta_is_dns1123_label("123-abc"));
    CHECK(!gt_kmeta_is_dns1123_label("My-name"));
    CHECK(!gt_kmeta_is_dns1123_label("-a"));
    CHECK(!gt_kmeta_is_dns1123_label("a-"));
    CHECK(!gt_kmeta_is_dns1123_label(""));
    CHECK(!gt_kmeta_is_dns1123_label("a.b"));
    CHECK(gt_kmeta_is_dns1123_label("a234567890123456789012345678901234567890123456789012345678901234" + 1));
    CHECK(!gt_kmeta_is_dns1123_label("a234567890123456789012345678901234567890123456789012345678901234"));
    CHECK(gt_kmeta_is_dns1123_subdomain("example.com"));
    CHECK(gt_kmeta_is_dns1123_subdomain("a.b-c.d"));
    CHECK(!gt_kmeta_is_dns1123_subdomain("a..b"));
    CHECK(!gt_kmeta_is_dns1123_subdomain(".a"));
    CHECK(!gt_kmeta_is_dns1123_subdomain("a_b"));
    CHECK(gt_kmeta_is_dns1035_label("my-name"));
    CHECK(!gt_kmeta_is_dns1035_label("1abc"));
}

TEST(name_errors_carry_kubernetes_messages)
{
    struct gt_kfe_list l;
    gt_kfe_list_init(&l);
    gt_kmeta_check_name(&l, "metadata.name", "A_B", GT_KNAME_SUBDOMAIN, false);
    REQUIRE(l.n == 1);
    cleanup_free char *s = gt_kfe_string(&l.v[0]);
    CHECK_STR_EQ(s, "metadata.name: Invalid value: \"A_B\": a lowercase RFC 1123 subdomain must "
                    "consist of lower case alphanumeric characters, '-' or '.', and must start "
                    "and end with an alphanumeric character (e.g. 'example.com', regex used for "
                    "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
    gt_kfe_list_release(&l);
    gt_kfe_list_init(&l);
    /* too long and bad characters: both messages, like apimachinery */
    char longname[80];
    memset(longname, 'A', 70);
    longname[70] = 0;
    gt_kmeta_check_name(&l, "metadata.name", longname, GT_KNAME_LABEL, false);
    CHECK_INT_EQ(l.n, 2);
    cleanup_free char *s2 = gt_kfe_body(&l.v[0]);
    CHECK_STR_CONTAINS(s2, "must be no more than 63 characters");
    gt_kfe_list_release(&l);
    /* a generateName prefix may end in '-' */
    gt_kfe_list_init(&l);
    gt_kmeta_check_name(&l, "metadata.generateName", "web-", GT_KNAME_SUBDOMAIN, true);
    CHECK_INT_EQ(l.n, 0);
    gt_kmeta_check_name(&l, "metadata.name", "web-", GT_KNAME_SUBDOMAIN, false);
    CHECK_INT_EQ(l.n, 1);
    gt_kfe_list_release(&l);
    gt_kfe_list_init(&l);
    gt_kmeta_check_name(&l, "metadata.name", "system:node:a", GT_KNAME_PATH_SEGMENT, false);
    CHECK_INT_EQ(l.n, 0);
    gt_kmeta_check_name(&l, "metadata.name", "a/b%c", GT_KNAME_PATH_SEGMENT, false);
    CHECK_INT_EQ(l.n, 2);
    gt_kmeta_check_name(&l, "metadata.name", "..", GT_KNAME_PATH_SEGMENT, false);
    REQUIRE(l.n == 3);
    CHECK_STR_EQ(l.v[2].detail, "may not be '..'");
    gt_kfe_list_release(&l);
}

TEST(labels_and_annotations_validate)
{
    struct gt_kfe_list l;
    gt_kfe_list_init(&l);
    json_t *labels = J("{\"app\":\"web\",\"example.com/tier\":\"front_end-1\",\"k8s.io/x\":\"\"}");
    gt_kmeta_check_labels(&l, "metadata.labels", labels);
    CHECK_INT_EQ(l.n, 0);
    json_decref(labels);
    labels = J("{\"-bad\":\"ok\",\"good\":\"bad value\",\"a/b/c\":\"x\",\"/x\":\"y\"}");
    gt_kmeta_check_labels(&l, "metadata.labels", labels);
    CHECK_INT_EQ(l.n, 4);
    REQUIRE(l.n == 4);
    CHECK_STR_CONTAINS(l.v[0].detail, "name part must consist of alphanumeric characters");
    CHECK_STR_CONTAINS(l.v[1].detail, "a valid label must be an empty string or consist");
    CHECK_STR_CONTAINS(l.v[2].detail, "a valid label key must consist");
    CHECK_STR_EQ(l.v[3].detail, "prefix part must be non-empty");
    json_decref(labels);
    gt_kfe_list_release(&l);

    gt_kfe_list_init(&l);
    json_t *ann = J("{\"Kubectl.Kubernetes.IO/Last\":\"x\"}");
    gt_kmeta_check_annotations(&l, "metadata.annotations", ann);
    CHECK_INT_EQ(l.n, 0); /* case does not matter for annotation keys */
    json_decref(ann);
    ann = json_object();
    char *big = malloc(200 * 1024);
    memset(big, 'x', 200 * 1024 - 1);
    big[200 * 1024 - 1] = 0;
    json_object_set_new(ann, "a", json_string(big));
    json_object_set_new(ann, "b", json_string(big));
    free(big);
    gt_kmeta_check_annotations(&l, "metadata.annotations", ann);
    REQUIRE(l.n == 1);
    cleanup_free char *s = gt_kfe_string(&l.v[0]);
    CHECK_STR_EQ(s, "metadata.annotations: Too long: may not be more than 262144 bytes");
    json_decref(ann);
    gt_kfe_list_release(&l);
}

TEST(object_meta_validation_and_status)
{
    struct gt_kfe_list l;
    gt_kfe_list_init(&l);
    json_t *meta = J("{\"name\":\"Web\",\"labels\":{\"app\":\"web\"}}");
    gt_kmeta_validate(&l, meta, true, GT_KNAME_SUBDOMAIN);
    CHECK_INT_EQ(l.n, 2); /* bad name, missing namespace */
    json_t *st = gt_kfe_status(&l, "apps", "Deployment", "Web");
    CHECK_INT_EQ(gt_kobj_int(st, "code", 0), 422);
    CHECK_STR_EQ(gt_kobj_str(st, "reason", ""), "Invalid");
    CHECK_STR_CONTAINS(gt_kobj_str(st, "message", ""), "Deployment.apps \"Web\" is invalid: [metadata.name: Invalid value: \"Web\"");
    CHECK_STR_CONTAINS(gt_kobj_str(st, "message", ""), ", metadata.namespace: Required value]");
    json_t *causes = gt_kobj_arr(st, "details.causes");
    REQUIRE(json_array_size(causes) == 2);
    CHECK_STR_EQ(gt_kobj_str(json_array_get(causes, 1), "reason", ""), "FieldValueRequired");
    CHECK_STR_EQ(gt_kobj_str(json_array_get(causes, 1), "field", ""), "metadata.namespace");
    CHECK_STR_EQ(gt_kobj_str(json_array_get(causes, 1), "message", ""), "Required value");
    json_decref(st);
    json_decref(meta);
    gt_kfe_list_release(&l);

    gt_kfe_list_init(&l);
    meta = J("{\"name\":\"x\",\"namespace\":\"default\"}");
    gt_kmeta_validate(&l, meta, false, GT_KNAME_SUBDOMAIN);
    REQUIRE(l.n == 1);
    cleanup_free char *s = gt_kfe_string(&l.v[0]);
    CHECK_STR_EQ(s, "metadata.namespace: Forbidden: not allowed on this type");
    json_decref(meta);
    gt_kfe_list_release(&l);

    gt_kfe_list_init(&l);
    meta = J("{\"name\":\"x\",\"namespace\":\"d\",\"ownerReferences\":[{\"apiVersion\":\"apps/v1\","
             "\"kind\":\"ReplicaSet\",\"name\":\"a\",\"uid\":\"1\",\"controller\":true},"
             "{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"name\":\"b\",\"uid\":\"2\","
             "\"controller\":true},{\"kind\":\"X\"}]}");
    gt_kmeta_validate(&l, meta, true, GT_KNAME_SUBDOMAIN);
    CHECK_INT_EQ(l.n, 4);
    REQUIRE(l.n == 4);
    CHECK_STR_EQ(l.v[0].field, "metadata.ownerReferences");
    CHECK_STR_CONTAINS(l.v[0].detail, "Only one reference can have Controller set to true. "
                                      "Found \"true\" in references for ReplicaSet/a and ReplicaSet/b");
    CHECK_STR_EQ(l.v[1].field, "metadata.ownerReferences[2].apiVersion");
    json_decref(meta);
    gt_kfe_list_release(&l);

    gt_kfe_list_init(&l);
    json_t *old = J("{\"name\":\"x\",\"namespace\":\"d\",\"uid\":\"u1\"}");
    meta = J("{\"name\":\"y\",\"namespace\":\"d\",\"uid\":\"u1\"}");
    gt_kmeta_validate_update(&l, meta, old, true);
    REQUIRE(l.n == 1);
    cleanup_free char *s2 = gt_kfe_string(&l.v[0]);
    CHECK_STR_EQ(s2, "metadata.name: Invalid value: \"y\": field is immutable");
    json_decref(meta);
    json_decref(old);
    gt_kfe_list_release(&l);
}

TEST(generated_names_and_uids)
{
    char name[64];
    gt_kmeta_generate_name("web-", name);
    CHECK_INT_EQ(strlen(name), 9);
    CHECK(strncmp(name, "web-", 4) == 0);
    for (int i = 4; i < 9; i++)
        CHECK(strchr("bcdfghjklmnpqrstvwxz2456789", name[i]) != NULL);
    char longp[100];
    memset(longp, 'a', 99);
    longp[99] = 0;
    gt_kmeta_generate_name(longp, name);
    CHECK_INT_EQ(strlen(name), 63);
    CHECK(gt_kmeta_is_dns1123_label(name));
    char u1[37], u2[37];
    gt_kmeta_uid(u1);
    gt_kmeta_uid(u2);
    CHECK_INT_EQ(strlen(u1), 36);
    CHECK(strcmp(u1, u2) != 0);
    CHECK(u1[14] == '4');
    CHECK(strchr("89ab", u1[19]) != NULL);
    CHECK(u1[8] == '-' && u1[13] == '-' && u1[18] == '-' && u1[23] == '-');
}

TEST(times_format_parse_and_ages)
{
    char out[32];
    gt_kmeta_time_format(1714557600, out);
    CHECK_STR_EQ(out, "2024-05-01T10:00:00Z");
    struct timespec ts = { 1714557600, 123456789 };
    gt_kmeta_microtime_format(&ts, out);
    CHECK_STR_EQ(out, "2024-05-01T10:00:00.123456Z");
    struct timespec p;
    REQUIRE(gt_kmeta_time_parse("2024-05-01T10:00:00Z", &p, NULL) == 0);
    CHECK_INT_EQ(p.tv_sec, 1714557600);
    REQUIRE(gt_kmeta_time_parse("2024-05-01T12:00:00.5+02:00", &p, NULL) == 0);
    CHECK_INT_EQ(p.tv_sec, 1714557600);
    CHECK_INT_EQ(p.tv_nsec, 500000000);
    struct gt_error err;
    CHECK(gt_kmeta_time_parse("2024-05-01 10:00:00", &p, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "invalid time");
    CHECK(gt_kmeta_time_parse("2024-13-01T10:00:00Z", &p, NULL) < 0);
    CHECK(gt_kmeta_time_parse("2024-05-01T10:00:00", &p, NULL) < 0);

    /* kubectl's ages */
    static const struct {
        long long s;
        const char *want;
    } ages[] = {
        { -5, "<invalid>" }, { -1, "0s" }, { 0, "0s" }, { 5, "5s" }, { 119, "119s" },
        { 120, "2m" }, { 200, "3m20s" }, { 599, "9m59s" }, { 600, "10m" }, { 10799, "179m" },
        { 10800, "3h" }, { 5 * 3600 + 30 * 60, "5h30m" }, { 8 * 3600, "8h" }, { 47 * 3600, "47h" },
        { 52 * 3600, "2d4h" }, { 7 * 86400, "7d" }, { 8 * 86400, "8d" }, { 400 * 86400, "400d" },
        { 730 * 86400, "2y" }, { 830 * 86400, "2y100d" }, { 3000 * 86400, "8y" },
    };
    for (size_t i = 0; i < sizeof ages / sizeof ages[0]; i++) {
        gt_kmeta_human_duration(ages[i].s, out);
        CHECK_STR_EQ(out, ages[i].want);
    }
    gt_kmeta_age("2024-05-01T10:00:00Z", 1714557600 + 200, out);
    CHECK_STR_EQ(out, "3m20s");
    gt_kmeta_age(NULL, 0, out);
    CHECK_STR_EQ(out, "<unknown>");
}

TEST(owner_references)
{
    json_t *obj = J("{\"metadata\":{\"name\":\"p\"}}");
    json_t *ref = gt_kmeta_owner_ref("apps/v1", "ReplicaSet", "rs", "u-1", true, true);
    CHECK(gt_kmeta_add_owner_ref(obj, ref));
    CHECK(!gt_kmeta_add_owner_ref(obj, ref));
    json_decref(ref);
    ref = gt_kmeta_owner_ref("v1", "Node", "n", "u-2", false, false);
    CHECK(gt_kmeta_add_owner_ref(obj, ref));
    CHECK(!json_object_get(ref, "controller"));
    json_decref(ref);
    CHECK(gt_kmeta_is_owned_by(obj, "u-2"));
    json_t *c = gt_kmeta_controller_of(obj);
    REQUIRE(c);
    CHECK_STR_EQ(gt_kobj_str(c, "name", ""), "rs");
    CHECK_INT_EQ(gt_kmeta_remove_owner_ref(obj, "u-1"), 1);
    CHECK(gt_kmeta_controller_of(obj) == NULL);
    CHECK_INT_EQ(gt_kobj_len(obj, "metadata.ownerReferences"), 1);
    json_decref(obj);
}

TEST(resource_versions)
{
    uint64_t rv;
    struct gt_error err;
    CHECK(gt_kmeta_parse_rv("", &rv, NULL) == 0 && rv == 0);
    CHECK(gt_kmeta_parse_rv("1004", &rv, NULL) == 0 && rv == 1004);
    CHECK(gt_kmeta_parse_rv("18446744073709551615", &rv, NULL) == 0 && rv == UINT64_MAX);
    CHECK_INT_EQ(gt_kmeta_parse_rv("18446744073709551616", &rv, &err), -EINVAL);
    CHECK_INT_EQ(gt_kmeta_parse_rv("-1", &rv, &err), -EINVAL);
    CHECK_INT_EQ(gt_kmeta_parse_rv("12a", &rv, &err), -EINVAL);
    CHECK_STR_EQ(err.msg, "invalid resource version \"12a\"");
    char out[24];
    gt_kmeta_format_rv(42, out);
    CHECK_STR_EQ(out, "42");
}

TEST(object_paths)
{
    json_t *o = J("{\"spec\":{\"replicas\":3,\"paused\":true,\"selector\":{\"app\":\"x\"}}}");
    CHECK_INT_EQ(gt_kobj_int(o, "spec.replicas", 0), 3);
    CHECK(gt_kobj_bool(o, "spec.paused", false));
    CHECK_STR_EQ(gt_kobj_str(o, "spec.selector.app", ""), "x");
    CHECK(gt_kobj_get(o, "spec.replicas.x") == NULL);
    CHECK(gt_kobj_get(o, "nope.x") == NULL);
    CHECK(gt_kobj_default(o, "spec.strategy.type", json_string("RollingUpdate")));
    CHECK(!gt_kobj_default(o, "spec.replicas", json_integer(1)));
    CHECK_STR_EQ(gt_kobj_str(o, "spec.strategy.type", ""), "RollingUpdate");
    gt_kobj_set_new(o, "spec.replicas.deep", json_true()); /* replaces the number */
    CHECK(gt_kobj_bool(o, "spec.replicas.deep", false));
    gt_kobj_del(o, "spec.replicas");
    CHECK(!gt_kobj_has(o, "spec.replicas"));
    CHECK_INT_EQ(gt_kobj_len(o, "spec"), 3);
    json_decref(o);
}
