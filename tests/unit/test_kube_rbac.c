#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/mem.h"
#include "kube/authn.h"
#include "kube/obj.h"
#include "kube/rbac.h"
#include "tests/unit/kube_lister_test.h"
#include "tests/unit/kube_test.h"
#include "tests/unit/unit.h"

static struct gt_kuser user(const char *name, const char *groups)
{
    struct gt_kuser u;
    gt_kuser_init(&u, name, NULL);
    if (groups) {
        char *g = gt_xstrdup(groups), *save = NULL;
        for (char *w = strtok_r(g, ",", &save); w; w = strtok_r(NULL, ",", &save))
            gt_kuser_add_group(&u, w);
        free(g);
    }
    return u;
}

/* can(l, "jane", NULL, "list", "", "pods", "", "default", "") */
static bool can(const struct gt_klister *l, const char *name, const char *groups,
                const char *verb, const char *group, const char *resource, const char *sub,
                const char *ns, const char *objname, char **reason)
{
    struct gt_kuser u = user(name, groups);
    struct gt_kauthz_attrs a = { .user = &u, .verb = verb, .resource_request = true,
                                 .api_group = group, .resource = resource, .subresource = sub,
                                 .namespace = ns, .name = objname };
    char *r = NULL;
    bool ok = gt_krbac_authorize(l, &a, &r) == GT_KAUTHZ_ALLOW;
    if (reason)
        *reason = r;
    else
        free(r);
    gt_kuser_release(&u);
    return ok;
}

static bool can_path(const struct gt_klister *l, const char *name, const char *groups,
                     const char *verb, const char *path)
{
    struct gt_kuser u = user(name, groups);
    struct gt_kauthz_attrs a = { .user = &u, .verb = verb, .path = path };
    bool ok = gt_krbac_authorize(l, &a, NULL) == GT_KAUTHZ_ALLOW;
    gt_kuser_release(&u);
    return ok;
}

/* The examples of the Kubernetes RBAC documentation. */
static void docs_policy(struct test_store *s, struct gt_klister *l)
{
    ts_init(s, l);
    ts_put(s, "roles", J("{\"metadata\":{\"namespace\":\"default\",\"name\":\"pod-reader\"},"
                         "\"rules\":[{\"apiGroups\":[\"\"],\"resources\":[\"pods\"],"
                         "\"verbs\":[\"get\",\"watch\",\"list\"]}]}"));
    ts_put(s, "rolebindings",
           J("{\"metadata\":{\"name\":\"read-pods\",\"namespace\":\"default\"},"
             "\"subjects\":[{\"kind\":\"User\",\"name\":\"jane\",\"apiGroup\":"
             "\"rbac.authorization.k8s.io\"}],\"roleRef\":{\"kind\":\"Role\",\"name\":"
             "\"pod-reader\",\"apiGroup\":\"rbac.authorization.k8s.io\"}}"));
    ts_put(s, "clusterroles", J("{\"metadata\":{\"name\":\"secret-reader\"},\"rules\":[{"
                                "\"apiGroups\":[\"\"],\"resources\":[\"secrets\"],"
                                "\"verbs\":[\"get\",\"watch\",\"list\"]}]}"));
    ts_put(s, "rolebindings",
           J("{\"metadata\":{\"name\":\"read-secrets\",\"namespace\":\"development\"},"
             "\"subjects\":[{\"kind\":\"User\",\"name\":\"dave\"}],\"roleRef\":{\"kind\":"
             "\"ClusterRole\",\"name\":\"secret-reader\"}}"));
    ts_put(s, "clusterrolebindings",
           J("{\"metadata\":{\"name\":\"read-secrets-global\"},\"subjects\":[{\"kind\":"
             "\"Group\",\"name\":\"manager\"}],\"roleRef\":{\"kind\":\"ClusterRole\",\"name\":"
             "\"secret-reader\"}}"));
    ts_put(s, "roles", J("{\"metadata\":{\"namespace\":\"default\",\"name\":\"pod-and-pod-logs-"
                         "reader\"},\"rules\":[{\"apiGroups\":[\"\"],\"resources\":[\"pods\","
                         "\"pods/log\"],\"verbs\":[\"get\",\"list\"]}]}"));
    ts_put(s, "roles", J("{\"metadata\":{\"namespace\":\"default\",\"name\":\"configmap-updater\"},"
                         "\"rules\":[{\"apiGroups\":[\"\"],\"resources\":[\"configmaps\"],"
                         "\"resourceNames\":[\"my-configmap\"],\"verbs\":[\"update\",\"get\"]}]}"));
    ts_put(s, "rolebindings",
           J("{\"metadata\":{\"name\":\"logs\",\"namespace\":\"default\"},\"subjects\":[{\"kind\":"
             "\"User\",\"name\":\"lou\"},{\"kind\":\"ServiceAccount\",\"name\":\"log-shipper\"}],"
             "\"roleRef\":{\"kind\":\"Role\",\"name\":\"pod-and-pod-logs-reader\"}}"));
    ts_put(s, "rolebindings",
           J("{\"metadata\":{\"name\":\"cm\",\"namespace\":\"default\"},\"subjects\":[{\"kind\":"
             "\"Group\",\"name\":\"cm-editors\"}],\"roleRef\":{\"kind\":\"Role\",\"name\":"
             "\"configmap-updater\"}}"));
    ts_put(s, "clusterroles", J("{\"metadata\":{\"name\":\"health\"},\"rules\":[{"
                                "\"nonResourceURLs\":[\"/healthz\",\"/healthz/*\"],"
                                "\"verbs\":[\"get\",\"post\"]}]}"));
    ts_put(s, "clusterroles", J("{\"metadata\":{\"name\":\"exec-anything\"},\"rules\":[{"
                                "\"apiGroups\":[\"\"],\"resources\":[\"*/exec\"],"
                                "\"verbs\":[\"create\"]}]}"));
    ts_put(s, "clusterrolebindings",
           J("{\"metadata\":{\"name\":\"health\"},\"subjects\":[{\"kind\":\"Group\",\"name\":"
             "\"monitoring\"}],\"roleRef\":{\"kind\":\"ClusterRole\",\"name\":\"health\"}}"));
    ts_put(s, "clusterrolebindings",
           J("{\"metadata\":{\"name\":\"exec\"},\"subjects\":[{\"kind\":\"ServiceAccount\","
             "\"name\":\"debugger\",\"namespace\":\"tools\"}],\"roleRef\":{\"kind\":"
             "\"ClusterRole\",\"name\":\"exec-anything\"}}"));
}

TEST(role_and_rolebinding_from_the_docs)
{
    struct test_store s;
    struct gt_klister l;
    docs_policy(&s, &l);
    char *reason = NULL;
    CHECK(can(&l, "jane", NULL, "list", "", "pods", "", "default", "", &reason));
    CHECK_STR_EQ(reason, "RBAC: allowed by RoleBinding \"read-pods/default\" of Role "
                         "\"pod-reader\" to User \"jane\"");
    free(reason);
    CHECK(can(&l, "jane", NULL, "get", "", "pods", "", "default", "web", NULL));
    CHECK(!can(&l, "jane", NULL, "create", "", "pods", "", "default", "", NULL));
    CHECK(!can(&l, "jane", NULL, "list", "", "pods", "", "kube-system", "", NULL));
    CHECK(!can(&l, "jane", NULL, "list", "", "pods", "", "", "", NULL)); /* cluster scope */
    CHECK(!can(&l, "jane", NULL, "list", "apps", "pods", "", "default", "", NULL));
    CHECK(!can(&l, "jane", NULL, "get", "", "pods", "log", "default", "web", NULL));
    CHECK(!can(&l, "janet", NULL, "list", "", "pods", "", "default", "", NULL));
    ts_release(&s);
}

TEST(clusterrole_bound_in_a_namespace_and_cluster_wide)
{
    struct test_store s;
    struct gt_klister l;
    docs_policy(&s, &l);
    CHECK(can(&l, "dave", NULL, "get", "", "secrets", "", "development", "db", NULL));
    CHECK(!can(&l, "dave", NULL, "get", "", "secrets", "", "default", "db", NULL));
    CHECK(!can(&l, "dave", NULL, "list", "", "secrets", "", "", "", NULL));
    char *reason = NULL;
    CHECK(can(&l, "mia", "manager", "list", "", "secrets", "", "", "", &reason));
    CHECK_STR_EQ(reason, "RBAC: allowed by ClusterRoleBinding \"read-secrets-global\" of "
                         "ClusterRole \"secret-reader\" to Group \"manager\"");
    free(reason);
    CHECK(can(&l, "mia", "x,manager", "watch", "", "secrets", "", "anywhere", "", NULL));
    CHECK(!can(&l, "mia", "managers", "list", "", "secrets", "", "", "", NULL));
    ts_release(&s);
}

TEST(subresources_resource_names_and_service_accounts)
{
    struct test_store s;
    struct gt_klister l;
    docs_policy(&s, &l);
    CHECK(can(&l, "lou", NULL, "get", "", "pods", "log", "default", "web", NULL));
    CHECK(!can(&l, "lou", NULL, "get", "", "pods", "exec", "default", "web", NULL));
    /* a ServiceAccount subject without namespace: the RoleBinding's */
    char *reason = NULL;
    CHECK(can(&l, "system:serviceaccount:default:log-shipper", NULL, "list", "", "pods", "",
              "default", "", &reason));
    CHECK_STR_EQ(reason, "RBAC: allowed by RoleBinding \"logs/default\" of Role "
                         "\"pod-and-pod-logs-reader\" to ServiceAccount \"log-shipper/default\"");
    free(reason);
    CHECK(!can(&l, "system:serviceaccount:other:log-shipper", NULL, "list", "", "pods", "",
               "default", "", NULL));
    /* resourceNames: only that object, and never list/create */
    CHECK(can(&l, "x", "cm-editors", "update", "", "configmaps", "", "default", "my-configmap",
              NULL));
    CHECK(!can(&l, "x", "cm-editors", "update", "", "configmaps", "", "default", "other", NULL));
    CHECK(!can(&l, "x", "cm-editors", "list", "", "configmaps", "", "default", "", NULL));
    /* "*" + "/exec" for every resource's exec, for a ServiceAccount with a namespace */
    CHECK(can(&l, "system:serviceaccount:tools:debugger", NULL, "create", "", "pods", "exec",
              "default", "web", NULL));
    CHECK(!can(&l, "system:serviceaccount:tools:debugger", NULL, "create", "", "pods", "",
               "default", "web", NULL));
    CHECK(!can(&l, "system:serviceaccount:tools:debugger", NULL, "create", "", "pods", "attach",
               "default", "web", NULL));
    ts_release(&s);
}

TEST(non_resource_urls)
{
    struct test_store s;
    struct gt_klister l;
    docs_policy(&s, &l);
    CHECK(can_path(&l, "m", "monitoring", "get", "/healthz"));
    CHECK(can_path(&l, "m", "monitoring", "get", "/healthz/etcd"));
    CHECK(can_path(&l, "m", "monitoring", "post", "/healthz/"));
    CHECK(!can_path(&l, "m", "monitoring", "get", "/healthzz"));
    CHECK(!can_path(&l, "m", "monitoring", "get", "/metrics"));
    CHECK(!can_path(&l, "m", "monitoring", "delete", "/healthz"));
    CHECK(!can_path(&l, "m", NULL, "get", "/healthz"));
    ts_release(&s);
}

TEST(system_masters_always_and_missing_roles_reported)
{
    struct test_store s;
    struct gt_klister l;
    ts_init(&s, &l);
    char *reason = NULL;
    CHECK(can(&l, "root", "system:masters", "delete", "", "nodes", "", "", "n1", &reason));
    CHECK_STR_EQ(reason, "");
    free(reason);
    CHECK(can_path(&l, "root", "system:masters", "get", "/anything"));
    ts_put(&s, "clusterrolebindings",
           J("{\"metadata\":{\"name\":\"b1\"},\"subjects\":[{\"kind\":\"User\",\"name\":\"bob\"}],"
             "\"roleRef\":{\"kind\":\"ClusterRole\",\"name\":\"gone\"}}"));
    ts_put(&s, "rolebindings",
           J("{\"metadata\":{\"name\":\"b2\",\"namespace\":\"ns\"},\"subjects\":[{\"kind\":"
             "\"User\",\"name\":\"bob\"}],\"roleRef\":{\"kind\":\"Role\",\"name\":\"lost\"}}"));
    CHECK(!can(&l, "bob", NULL, "get", "", "pods", "", "ns", "p", &reason));
    CHECK_STR_EQ(reason, "RBAC: [clusterrole.rbac.authorization.k8s.io \"gone\" not found, "
                         "role.rbac.authorization.k8s.io \"lost\" not found]");
    free(reason);
    CHECK(!can(&l, "bob", NULL, "get", "", "pods", "", "", "", &reason));
    CHECK_STR_EQ(reason, "RBAC: clusterrole.rbac.authorization.k8s.io \"gone\" not found");
    free(reason);
    CHECK(!can(&l, "carol", NULL, "get", "", "pods", "", "ns", "", &reason));
    CHECK_STR_EQ(reason, "");
    free(reason);
    /* a lister that cannot list: denied, fail closed */
    s.broken = true;
    ts_put(&s, "clusterroles", J("{\"metadata\":{\"name\":\"gone\"},\"rules\":[{\"apiGroups\":"
                                 "[\"*\"],\"resources\":[\"*\"],\"verbs\":[\"*\"]}]}"));
    CHECK(!can(&l, "bob", NULL, "get", "", "pods", "", "", "", &reason));
    CHECK_STR_EQ(reason, "RBAC: unable to list clusterrolebindings");
    free(reason);
    s.broken = false;
    CHECK(can(&l, "bob", NULL, "get", "", "pods", "", "", "", NULL));
    ts_release(&s);
}

TEST(forbidden_messages_word_for_word)
{
    struct gt_kuser bob = user("bob", NULL);
    struct gt_kauthz_attrs a = { .user = &bob, .verb = "list", .resource_request = true,
                                 .api_group = "", .resource = "pods", .namespace = "default" };
    cleanup_free char *m1 = gt_krbac_forbidden_message(&a);
    CHECK_STR_EQ(m1, "User \"bob\" cannot list resource \"pods\" in API group \"\" in the "
                     "namespace \"default\"");
    json_t *st = gt_krbac_forbidden_status(&a, "");
    CHECK_JSON(st, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":"
                   "\"Failure\",\"message\":\"pods is forbidden: User \\\"bob\\\" cannot list "
                   "resource \\\"pods\\\" in API group \\\"\\\" in the namespace \\\"default\\\"\","
                   "\"reason\":\"Forbidden\",\"details\":{\"kind\":\"pods\"},\"code\":403}");
    json_decref(st);

    struct gt_kauthz_attrs b = { .user = &bob, .verb = "get", .resource_request = true,
                                 .api_group = "apps", .resource = "deployments",
                                 .subresource = "scale", .name = "web" };
    cleanup_free char *m2 = gt_krbac_forbidden_message(&b);
    CHECK_STR_EQ(m2, "User \"bob\" cannot get resource \"deployments/scale\" in API group "
                     "\"apps\" at the cluster scope");
    st = gt_krbac_forbidden_status(&b, "RBAC: role.rbac.authorization.k8s.io \"x\" not found");
    CHECK_STR_EQ(gt_kobj_str(st, "message", ""),
                 "deployments.apps \"web\" is forbidden: User \"bob\" cannot get resource "
                 "\"deployments/scale\" in API group \"apps\" at the cluster scope: RBAC: "
                 "role.rbac.authorization.k8s.io \"x\" not found");
    CHECK_JSON(gt_kobj_get(st, "details"),
               "{\"name\":\"web\",\"group\":\"apps\",\"kind\":\"deployments\"}");
    json_decref(st);

    struct gt_kauthz_attrs c = { .user = &bob, .verb = "get", .path = "/metrics" };
    cleanup_free char *m3 = gt_krbac_forbidden_message(&c);
    CHECK_STR_EQ(m3, "User \"bob\" cannot get path \"/metrics\"");
    st = gt_krbac_forbidden_status(&c, NULL);
    CHECK_STR_EQ(gt_kobj_str(st, "message", ""),
                 "forbidden: User \"bob\" cannot get path \"/metrics\"");
    CHECK(!gt_kobj_get(st, "details"));
    json_decref(st);
    gt_kuser_release(&bob);
}

/* ---- bootstrap policy and aggregation ---- */

static void bootstrap(struct test_store *s, struct gt_klister *l)
{
    ts_init(s, l);
    json_t *roles = gt_krbac_bootstrap_clusterroles();
    json_t *bindings = gt_krbac_bootstrap_clusterrolebindings();
    size_t i;
    json_t *v;
    json_array_foreach(roles, i, v) ts_put(s, "clusterroles", json_incref(v));
    json_array_foreach(bindings, i, v) ts_put(s, "clusterrolebindings", json_incref(v));
    json_decref(roles);
    json_decref(bindings);
}

static json_t *find_role(const json_t *roles, const char *name)
{
    size_t i;
    json_t *v;
    json_array_foreach(roles, i, v) if (strcmp(gt_kobj_name(v), name) == 0) return v;
    return NULL;
}

TEST(bootstrap_policy_shapes)
{
    json_t *roles = gt_krbac_bootstrap_clusterroles();
    json_t *ca = find_role(roles, "cluster-admin");
    REQUIRE(ca);
    CHECK_JSON(gt_kobj_get(ca, "rules"),
               "[{\"apiGroups\":[\"*\"],\"resources\":[\"*\"],\"verbs\":[\"*\"]},"
               "{\"nonResourceURLs\":[\"*\"],\"verbs\":[\"*\"]}]");
    CHECK_STR_EQ(json_string_value(json_object_get(gt_kobj_obj(ca, "metadata.labels"),
                                                   "kubernetes.io/bootstrapping")),
                 "rbac-defaults");
    json_t *edit = find_role(roles, "edit");
    REQUIRE(edit);
    CHECK_STR_EQ(json_string_value(json_object_get(gt_kobj_obj(edit, "metadata.labels"),
                                                   "rbac.authorization.k8s.io/aggregate-to-admin")),
                 "true");
    CHECK_JSON(gt_kobj_get(edit, "aggregationRule"),
               "{\"clusterRoleSelectors\":[{\"matchLabels\":{\"rbac.authorization.k8s.io/"
               "aggregate-to-edit\":\"true\"}}]}");
    json_t *basic = find_role(roles, "system:basic-user");
    REQUIRE(basic);
    CHECK_JSON(json_array_get(gt_kobj_arr(basic, "rules"), 0),
               "{\"apiGroups\":[\"authorization.k8s.io\"],\"resources\":["
               "\"selfsubjectaccessreviews\",\"selfsubjectrulesreviews\"],\"verbs\":[\"create\"]}");
    /* view holds exactly the aggregate-to-view rules; edit holds view's plus its own */
    json_t *view = find_role(roles, "view");
    json_t *to_view = find_role(roles, "system:aggregate-to-view");
    REQUIRE(view && to_view);
    CHECK(json_equal(gt_kobj_get(view, "rules"), gt_kobj_get(to_view, "rules")));
    CHECK_INT_EQ(gt_kobj_len(edit, "rules"),
                 gt_kobj_len(to_view, "rules") +
                     gt_kobj_len(find_role(roles, "system:aggregate-to-edit"), "rules"));
    CHECK_INT_EQ(gt_kobj_len(find_role(roles, "admin"), "rules"),
                 gt_kobj_len(edit, "rules") +
                     gt_kobj_len(find_role(roles, "system:aggregate-to-admin"), "rules"));
    /* aggregating again changes nothing */
    CHECK_INT_EQ(gt_krbac_aggregate_all(roles), 0);
    json_decref(roles);

    json_t *b = gt_krbac_bootstrap_clusterrolebindings();
    CHECK_INT_EQ(json_array_size(b), 4);
    CHECK_JSON(gt_kobj_get(json_array_get(b, 3), "subjects"),
               "[{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"Group\",\"name\":"
               "\"system:authenticated\"},{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":"
               "\"Group\",\"name\":\"system:unauthenticated\"}]");
    json_decref(b);
}

TEST(bootstrap_policy_grants_what_kubernetes_grants)
{
    struct test_store s;
    struct gt_klister l;
    bootstrap(&s, &l);
    const char *authd = "system:authenticated";
    CHECK(can(&l, "kubernetes-admin", "system:masters,system:authenticated", "delete", "",
              "namespaces", "", "", "kube-system", NULL));
    CHECK(can(&l, "bob", authd, "create", "authorization.k8s.io", "selfsubjectaccessreviews", "",
              "", "", NULL));
    CHECK(can(&l, "bob", authd, "create", "authorization.k8s.io", "selfsubjectrulesreviews", "",
              "", "", NULL));
    CHECK(!can(&l, "bob", authd, "create", "authorization.k8s.io", "subjectaccessreviews", "", "",
               "", NULL));
    CHECK(!can(&l, "bob", authd, "list", "", "pods", "", "default", "", NULL));
    CHECK(can_path(&l, "bob", authd, "get", "/api"));
    CHECK(can_path(&l, "bob", authd, "get", "/apis/apps/v1"));
    CHECK(can_path(&l, "bob", authd, "get", "/version"));
    CHECK(!can_path(&l, "bob", authd, "get", "/metrics"));
    CHECK(can_path(&l, "system:anonymous", "system:unauthenticated", "get", "/healthz"));
    CHECK(can_path(&l, "system:anonymous", "system:unauthenticated", "get", "/version"));
    CHECK(!can_path(&l, "system:anonymous", "system:unauthenticated", "get", "/api"));

    /* the user-facing roles, bound in a namespace */
    const char *rb = "{\"metadata\":{\"name\":\"%s\",\"namespace\":\"team\"},\"subjects\":[{"
                     "\"kind\":\"User\",\"name\":\"%s\"}],\"roleRef\":{\"kind\":\"ClusterRole\","
                     "\"name\":\"%s\"}}";
    const char *r3[] = { "view", "edit", "admin" };
    for (int i = 0; i < 3; i++) {
        char buf[512];
        snprintf(buf, sizeof buf, rb, r3[i], r3[i], r3[i]);
        ts_put(&s, "rolebindings", J(buf));
    }
    CHECK(can(&l, "view", authd, "list", "", "pods", "", "team", "", NULL));
    CHECK(can(&l, "view", authd, "get", "apps", "deployments", "", "team", "web", NULL));
    CHECK(!can(&l, "view", authd, "get", "", "secrets", "", "team", "s", NULL));
    CHECK(!can(&l, "view", authd, "create", "", "pods", "", "team", "", NULL));
    CHECK(!can(&l, "view", authd, "list", "", "pods", "", "other", "", NULL));
    CHECK(can(&l, "edit", authd, "create", "apps", "deployments", "", "team", "", NULL));
    CHECK(can(&l, "edit", authd, "get", "", "secrets", "", "team", "s", NULL));
    CHECK(can(&l, "edit", authd, "create", "", "pods", "exec", "team", "p", NULL));
    CHECK(can(&l, "edit", authd, "list", "", "pods", "", "team", "", NULL)); /* via view */
    CHECK(!can(&l, "edit", authd, "create", "rbac.authorization.k8s.io", "roles", "", "team", "",
               NULL));
    CHECK(can(&l, "admin", authd, "create", "rbac.authorization.k8s.io", "rolebindings", "",
              "team", "", NULL));
    CHECK(can(&l, "admin", authd, "delete", "", "pods", "", "team", "p", NULL));
    CHECK(!can(&l, "admin", authd, "delete", "", "namespaces", "", "", "team", NULL));
    ts_release(&s);
}

TEST(aggregation_picks_up_labelled_roles_sorted_by_name)
{
    json_t *roles = gt_krbac_bootstrap_clusterroles();
    json_array_append_new(
        roles, J("{\"metadata\":{\"name\":\"zz-crontabs-view\",\"labels\":{"
                 "\"rbac.authorization.k8s.io/aggregate-to-view\":\"true\"}},\"rules\":[{"
                 "\"apiGroups\":[\"stable.example.com\"],\"resources\":[\"crontabs\"],"
                 "\"verbs\":[\"get\",\"list\",\"watch\"]}]}"));
    json_array_append_new(
        roles, J("{\"metadata\":{\"name\":\"aa-dup\",\"labels\":{"
                 "\"rbac.authorization.k8s.io/aggregate-to-view\":\"true\"}},\"rules\":[{"
                 "\"apiGroups\":[\"stable.example.com\"],\"resources\":[\"crontabs\"],"
                 "\"verbs\":[\"get\",\"list\",\"watch\"]}]}"));
    json_t *view = find_role(roles, "view");
    json_t *rules = gt_krbac_aggregate(view, roles);
    REQUIRE(rules);
    /* aa-dup comes first (sorted by name); zz's identical rule is dropped */
    CHECK_INT_EQ(json_array_size(rules),
                 gt_kobj_len(find_role(roles, "system:aggregate-to-view"), "rules") + 1);
    CHECK_JSON(gt_kobj_get(json_array_get(rules, 0), "resources"), "[\"crontabs\"]");
    json_decref(rules);
    /* propagated through view to edit and admin */
    CHECK_INT_EQ(gt_krbac_aggregate_all(roles), 3);
    struct gt_kuser u = user("u", NULL);
    struct gt_kauthz_attrs a = { .user = &u, .verb = "list", .resource_request = true,
                                 .api_group = "stable.example.com", .resource = "crontabs" };
    const char *names[] = { "view", "edit", "admin" };
    for (int i = 0; i < 3; i++) {
        bool found = false;
        size_t k;
        json_t *r;
        json_array_foreach(gt_kobj_arr(find_role(roles, names[i]), "rules"), k, r) found |=
            gt_krbac_rule_allows(r, &a);
        CHECK(found);
    }
    gt_kuser_release(&u);
    CHECK(gt_krbac_aggregate(find_role(roles, "cluster-admin"), roles) == NULL);
    json_decref(roles);
}

/* ---- reviews ---- */

TEST(access_reviews)
{
    struct test_store s;
    struct gt_klister l;
    docs_policy(&s, &l);
    struct gt_kuser jane = user("jane", "system:authenticated");
    json_t *req = J("{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":"
                    "\"SelfSubjectAccessReview\",\"metadata\":{},\"spec\":{\"resourceAttributes\":"
                    "{\"namespace\":\"default\",\"verb\":\"list\",\"resource\":\"pods\"}}}");
    bool ok = false;
    json_t *res = gt_krbac_access_review(&l, req, &jane, NULL, &ok);
    CHECK(ok);
    CHECK_JSON(gt_kobj_get(res, "status"),
               "{\"allowed\":true,\"reason\":\"RBAC: allowed by RoleBinding "
               "\\\"read-pods/default\\\" of Role \\\"pod-reader\\\" to User \\\"jane\\\"\"}");
    CHECK_STR_EQ(gt_kobj_str(res, "kind", ""), "SelfSubjectAccessReview");
    json_decref(res);
    json_decref(req);

    req = J("{\"spec\":{\"resourceAttributes\":{\"namespace\":\"default\",\"verb\":\"delete\","
            "\"resource\":\"pods\"}}}");
    res = gt_krbac_access_review(&l, req, &jane, NULL, &ok);
    CHECK_JSON(gt_kobj_get(res, "status"), "{\"allowed\":false}");
    json_decref(res);
    json_decref(req);

    /* SubjectAccessReview for someone else */
    req = J("{\"spec\":{\"user\":\"mia\",\"groups\":[\"manager\"],\"resourceAttributes\":{"
            "\"verb\":\"get\",\"resource\":\"secrets\",\"namespace\":\"x\"}}}");
    res = gt_krbac_access_review(&l, req, NULL, NULL, &ok);
    CHECK(ok && json_is_true(gt_kobj_get(res, "status.allowed")));
    json_decref(res);
    json_decref(req);
    req = J("{\"spec\":{\"nonResourceAttributes\":{\"path\":\"/healthz\",\"verb\":\"get\"},"
            "\"groups\":[\"monitoring\"]}}");
    res = gt_krbac_access_review(&l, req, NULL, NULL, &ok);
    CHECK(ok && json_is_true(gt_kobj_get(res, "status.allowed")));
    json_decref(res);
    json_decref(req);

    /* invalid: neither attributes; both; no user; local namespace mismatch */
    req = J("{\"spec\":{}}");
    res = gt_krbac_access_review(&l, req, &jane, NULL, &ok);
    CHECK(!ok);
    CHECK_INT_EQ(gt_kobj_int(res, "code", 0), 422);
    CHECK_STR_CONTAINS(gt_kobj_str(res, "message", ""),
                       "exactly one of nonResourceAttributes or resourceAttributes");
    json_decref(res);
    json_decref(req);
    req = J("{\"spec\":{\"resourceAttributes\":{},\"nonResourceAttributes\":{}}}");
    res = gt_krbac_access_review(&l, req, NULL, NULL, &ok);
    CHECK(!ok);
    CHECK_STR_CONTAINS(gt_kobj_str(res, "message", ""), "at least one of user or group");
    json_decref(res);
    json_decref(req);
    req = J("{\"metadata\":{\"namespace\":\"a\"},\"spec\":{\"user\":\"jane\","
            "\"resourceAttributes\":{\"namespace\":\"b\",\"verb\":\"get\",\"resource\":\"pods\"}}}");
    res = gt_krbac_access_review(&l, req, NULL, "a", &ok);
    CHECK(!ok);
    CHECK_STR_EQ(gt_kobj_str(res, "message", ""),
                 "LocalSubjectAccessReview.authorization.k8s.io \"\" is invalid: "
                 "spec.resourceAttributes.namespace: Invalid value: \"b\": must match "
                 "metadata.namespace");
    json_decref(res);
    json_decref(req);
    gt_kuser_release(&jane);
    ts_release(&s);
}

TEST(rules_review_lists_what_can_i_list_prints)
{
    struct test_store s;
    struct gt_klister l;
    docs_policy(&s, &l);
    struct gt_kuser lou = user("lou", "monitoring");
    json_t *req = J("{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":"
                    "\"SelfSubjectRulesReview\",\"spec\":{\"namespace\":\"default\"}}");
    json_t *res = gt_krbac_rules_review(&l, req, &lou);
    CHECK_JSON(gt_kobj_get(res, "status"),
               "{\"resourceRules\":[{\"verbs\":[\"get\",\"list\"],\"apiGroups\":[\"\"],"
               "\"resources\":[\"pods\",\"pods/log\"]}],\"nonResourceRules\":[{\"verbs\":"
               "[\"get\",\"post\"],\"nonResourceURLs\":[\"/healthz\",\"/healthz/*\"]}],"
               "\"incomplete\":false}");
    json_decref(res);
    gt_kuser_release(&lou);
    struct gt_kuser root = user("root", "system:masters");
    res = gt_krbac_rules_review(&l, req, &root);
    CHECK_JSON(json_array_get(gt_kobj_arr(res, "status.resourceRules"), 0),
               "{\"verbs\":[\"*\"],\"apiGroups\":[\"*\"],\"resources\":[\"*\"]}");
    json_decref(res);
    gt_kuser_release(&root);
    ts_put(&s, "rolebindings",
           J("{\"metadata\":{\"name\":\"b\",\"namespace\":\"default\"},\"subjects\":[{\"kind\":"
             "\"User\",\"name\":\"z\"}],\"roleRef\":{\"kind\":\"Role\",\"name\":\"none\"}}"));
    struct gt_kuser z = user("z", NULL);
    res = gt_krbac_rules_review(&l, req, &z);
    CHECK(json_is_true(gt_kobj_get(res, "status.incomplete")));
    CHECK_STR_EQ(gt_kobj_str(res, "status.evaluationError", ""),
                 "RBAC: role.rbac.authorization.k8s.io \"none\" not found");
    json_decref(res);
    gt_kuser_release(&z);
    json_decref(req);
    ts_release(&s);
}

/* Random type changes in stored RBAC objects and in reviews never crash. */
static void scramble(json_t *j, unsigned *seed)
{
    if (json_is_object(j)) {
        const char *k;
        json_t *v;
        void *tmp;
        json_object_foreach_safe(j, tmp, k, v) {
            int r = rand_r(seed) % 12;
            if (r == 0)
                json_object_set_new(j, k, json_integer(7));
            else if (r == 1)
                json_object_set_new(j, k, json_null());
            else if (r == 2)
                json_object_set_new(j, k, json_string("*"));
            else if (r == 3)
                json_object_set_new(j, k, json_array());
            else
                scramble(v, seed);
        }
    } else if (json_is_array(j)) {
        for (size_t i = 0; i < json_array_size(j); i++) {
            int r = rand_r(seed) % 10;
            if (r == 0)
                json_array_set_new(j, i, json_integer(1));
            else if (r == 1)
                json_array_set_new(j, i, json_object());
            else
                scramble(json_array_get(j, i), seed);
        }
    }
}

TEST(malformed_policy_and_reviews_never_crash)
{
    unsigned seed = 42;
    for (int round = 0; round < 200; round++) {
        struct test_store s;
        struct gt_klister l;
        docs_policy(&s, &l);
        scramble(s.objs, &seed);
        (void)can(&l, "nobody", NULL, "get", "", "pods", "", "default", "x", NULL);
        (void)can(&l, "jane", "manager", "list", "", "secrets", "log", "default", "", NULL);
        (void)can_path(&l, "m", "monitoring", "get", "/healthz/x");
        struct gt_kuser u = user("jane", "monitoring");
        json_t *req = J("{\"metadata\":{\"name\":\"r\"},\"spec\":{\"namespace\":\"default\","
                        "\"user\":\"jane\",\"groups\":[\"g\"],\"extra\":{\"a\":[\"b\"]},"
                        "\"resourceAttributes\":{\"verb\":\"get\",\"resource\":\"pods\","
                        "\"namespace\":\"default\"}}}");
        scramble(req, &seed);
        bool ok;
        json_t *r1 = gt_krbac_access_review(&l, req, round % 2 ? &u : NULL, NULL, &ok);
        json_t *r2 = gt_krbac_rules_review(&l, req, &u);
        CHECK(r1 && r2);
        json_decref(r1);
        json_decref(r2);
        json_t *roles = json_array();
        const char *k;
        json_t *v;
        json_object_foreach(s.objs, k, v) json_array_append(roles, v);
        json_array_append_new(roles, gt_krbac_bootstrap_clusterroles());
        scramble(roles, &seed);
        gt_krbac_aggregate_all(roles);
        json_decref(roles);
        json_decref(req);
        gt_kuser_release(&u);
        ts_release(&s);
    }
}

/* ---- escalation prevention ---- */

static int escalate(const struct gt_klister *l, const char *name, const char *groups,
                    const char *resource, const char *obj_json, json_t **st)
{
    struct gt_kuser u = user(name, groups);
    json_t *obj = J(obj_json);
    int rc = gt_krbac_check_escalation(l, &u, resource, obj, st);
    json_decref(obj);
    gt_kuser_release(&u);
    return rc;
}

TEST(writers_cannot_grant_what_they_do_not_hold)
{
    struct test_store s;
    struct gt_klister l;
    bootstrap(&s, &l);
    ts_put(&s, "roles", J("{\"metadata\":{\"namespace\":\"dev\",\"name\":\"pod-reader\"},"
                          "\"rules\":[{\"apiGroups\":[\"\"],\"resources\":[\"pods\"],"
                          "\"verbs\":[\"get\",\"watch\",\"list\"]}]}"));
    ts_put(&s, "rolebindings",
           J("{\"metadata\":{\"name\":\"b\",\"namespace\":\"dev\"},\"subjects\":[{\"kind\":"
             "\"User\",\"name\":\"bob\"}],\"roleRef\":{\"kind\":\"Role\",\"name\":"
             "\"pod-reader\"}}"));
    ts_put(&s, "rolebindings",
           J("{\"metadata\":{\"name\":\"a\",\"namespace\":\"dev\"},\"subjects\":[{\"kind\":"
             "\"User\",\"name\":\"ann\"}],\"roleRef\":{\"kind\":\"ClusterRole\",\"name\":"
             "\"admin\"}}"));
    ts_put(&s, "rolebindings",
           J("{\"metadata\":{\"name\":\"e\",\"namespace\":\"dev\"},\"subjects\":[{\"kind\":"
             "\"User\",\"name\":\"ed\"}],\"roleRef\":{\"kind\":\"ClusterRole\",\"name\":"
             "\"edit\"}}"));
    const char *authd = "system:authenticated";
    json_t *st = NULL;

    /* a Role within what bob holds; then one beyond it */
    CHECK_INT_EQ(escalate(&l, "bob", authd, "roles",
                          "{\"metadata\":{\"name\":\"r\",\"namespace\":\"dev\"},\"rules\":[{"
                          "\"apiGroups\":[\"\"],\"resources\":[\"pods\"],\"verbs\":[\"get\"],"
                          "\"resourceNames\":[\"web\"]}]}",
                          &st),
                 0);
    CHECK_INT_EQ(escalate(&l, "bob", authd, "roles",
                          "{\"metadata\":{\"name\":\"r\",\"namespace\":\"dev\"},\"rules\":[{"
                          "\"apiGroups\":[\"\"],\"resources\":[\"pods\",\"pods/log\"],\"verbs\":"
                          "[\"get\",\"create\",\"delete\"]}]}",
                          &st),
                 -EACCES);
    CHECK_STR_EQ(gt_kobj_str(st, "message", ""),
                 "roles.rbac.authorization.k8s.io \"r\" is forbidden: user \"bob\" "
                 "(groups=[\"system:authenticated\"]) is attempting to grant RBAC permissions not "
                 "currently held:\n"
                 "{APIGroups:[\"\"], Resources:[\"pods\"], Verbs:[\"create\" \"delete\"]}\n"
                 "{APIGroups:[\"\"], Resources:[\"pods/log\"], Verbs:[\"get\" \"create\" "
                 "\"delete\"]}");
    CHECK_INT_EQ(gt_kobj_int(st, "code", 0), 403);
    json_decref(st);
    /* in another namespace bob holds nothing */
    CHECK_INT_EQ(escalate(&l, "bob", authd, "roles",
                          "{\"metadata\":{\"name\":\"r\",\"namespace\":\"prod\"},\"rules\":[{"
                          "\"apiGroups\":[\"\"],\"resources\":[\"pods\"],\"verbs\":[\"get\"]}]}",
                          &st),
                 -EACCES);
    json_decref(st);

    /* bindings: ann (admin in dev) may bind view and edit there, ed (edit) may not bind admin */
    const char *bind_view = "{\"metadata\":{\"name\":\"v\",\"namespace\":\"dev\"},\"subjects\":[{"
                            "\"kind\":\"User\",\"name\":\"x\"}],\"roleRef\":{\"kind\":"
                            "\"ClusterRole\",\"name\":\"view\"}}";
    CHECK_INT_EQ(escalate(&l, "ann", authd, "rolebindings", bind_view, &st), 0);
    const char *bind_admin = "{\"metadata\":{\"name\":\"adm\",\"namespace\":\"dev\"},\"subjects\":"
                             "[{\"kind\":\"User\",\"name\":\"x\"}],\"roleRef\":{\"kind\":"
                             "\"ClusterRole\",\"name\":\"admin\"}}";
    CHECK_INT_EQ(escalate(&l, "ann", authd, "rolebindings", bind_admin, &st), 0);
    CHECK_INT_EQ(escalate(&l, "ed", authd, "rolebindings", bind_admin, &st), -EACCES);
    CHECK_STR_CONTAINS(gt_kobj_str(st, "message", ""),
                       "rolebindings.rbac.authorization.k8s.io \"adm\" is forbidden: user \"ed\"");
    CHECK_STR_CONTAINS(gt_kobj_str(st, "message", ""),
                       "{APIGroups:[\"rbac.authorization.k8s.io\"], Resources:[\"rolebindings\"], "
                       "Verbs:[");
    json_decref(st);
    /* cluster-wide, ann holds nothing */
    CHECK_INT_EQ(escalate(&l, "ann", authd, "clusterrolebindings",
                          "{\"metadata\":{\"name\":\"v\"},\"subjects\":[],\"roleRef\":{\"kind\":"
                          "\"ClusterRole\",\"name\":\"view\"}}",
                          &st),
                 -EACCES);
    json_decref(st);
    /* a role that does not exist */
    CHECK_INT_EQ(escalate(&l, "ann", authd, "rolebindings",
                          "{\"metadata\":{\"name\":\"g\",\"namespace\":\"dev\"},\"roleRef\":{"
                          "\"kind\":\"Role\",\"name\":\"ghost\"}}",
                          &st),
                 -ENOENT);
    CHECK_STR_EQ(gt_kobj_str(st, "message", ""),
                 "roles.rbac.authorization.k8s.io \"ghost\" not found");
    json_decref(st);

    /* the bind and escalate verbs, and system:masters */
    ts_put(&s, "clusterroles", J("{\"metadata\":{\"name\":\"binder\"},\"rules\":[{\"apiGroups\":"
                                 "[\"rbac.authorization.k8s.io\"],\"resources\":[\"clusterroles\"],"
                                 "\"verbs\":[\"bind\",\"escalate\"],\"resourceNames\":[\"admin\","
                                 "\"custom\"]}]}"));
    ts_put(&s, "rolebindings",
           J("{\"metadata\":{\"name\":\"bb\",\"namespace\":\"dev\"},\"subjects\":[{\"kind\":"
             "\"User\",\"name\":\"ed\"}],\"roleRef\":{\"kind\":\"ClusterRole\",\"name\":"
             "\"binder\"}}"));
    CHECK_INT_EQ(escalate(&l, "ed", authd, "rolebindings", bind_admin, &st), 0);
    CHECK_INT_EQ(escalate(&l, "ed", authd, "clusterroles",
                          "{\"metadata\":{\"name\":\"custom\"},\"rules\":[{\"apiGroups\":[\"*\"],"
                          "\"resources\":[\"*\"],\"verbs\":[\"*\"]}]}",
                          &st),
                 -EACCES); /* escalate on a ClusterRole is checked cluster-wide */
    json_decref(st);
    CHECK_INT_EQ(escalate(&l, "root", "system:masters", "clusterroles",
                          "{\"metadata\":{\"name\":\"x\"},\"aggregationRule\":{}}", &st),
                 0);
    CHECK_INT_EQ(escalate(&l, "ann", authd, "clusterroles",
                          "{\"metadata\":{\"name\":\"x\"},\"aggregationRule\":{}}", &st),
                 -EACCES);
    CHECK_STR_EQ(gt_kobj_str(st, "message", ""),
                 "clusterroles.rbac.authorization.k8s.io \"x\" is forbidden: must have "
                 "cluster-admin privileges to use the aggregationRule");
    json_decref(st);
    ts_release(&s);
}

static bool covers_txt(const json_t *owner, const char *servant, json_t **missing)
{
    json_t *sv = J(servant);
    bool ok = gt_krbac_covers(owner, sv, missing);
    json_decref(sv);
    return ok;
}

TEST(covers_is_rbacs)
{
    json_t *owner = J("[{\"apiGroups\":[\"\"],\"resources\":[\"*/scale\",\"pods\"],\"verbs\":"
                      "[\"get\"]},{\"nonResourceURLs\":[\"/logs/*\"],\"verbs\":[\"*\"]},"
                      "{\"apiGroups\":[\"apps\"],\"resources\":[\"deployments\"],\"verbs\":"
                      "[\"update\"],\"resourceNames\":[\"web\"]}]");
    CHECK(covers_txt(owner, ("[{\"apiGroups\":[\"\"],\"resources\":[\"pods\","
                                   "\"replicasets/scale\"],\"verbs\":[\"get\"]}]"), NULL));
    CHECK(covers_txt(owner, ("[{\"nonResourceURLs\":[\"/logs/a\",\"/logs/\"],\"verbs\":"
                                   "[\"get\",\"post\"]}]"), NULL));
    CHECK(covers_txt(owner, ("[{\"apiGroups\":[\"apps\"],\"resources\":[\"deployments\"],"
                                   "\"verbs\":[\"update\"],\"resourceNames\":[\"web\"]}]"), NULL));
    json_t *missing = NULL;
    CHECK(!covers_txt(owner, ("[{\"apiGroups\":[\"apps\"],\"resources\":[\"deployments\"],"
                                    "\"verbs\":[\"update\"]},{\"nonResourceURLs\":[\"/metrics\"],"
                                    "\"verbs\":[\"get\"]}]"), &missing));
    CHECK_JSON(missing, "[{\"apiGroups\":[\"apps\"],\"resources\":[\"deployments\"],\"verbs\":"
                        "[\"update\"]},{\"nonResourceURLs\":[\"/metrics\"],\"verbs\":[\"get\"]}]");
    json_decref(missing);
    json_decref(owner);
}

/* ---- impersonation ---- */

TEST(impersonation_needs_the_impersonate_verb)
{
    struct test_store s;
    struct gt_klister l;
    bootstrap(&s, &l);
    ts_put(&s, "clusterroles", J("{\"metadata\":{\"name\":\"imp\"},\"rules\":[{\"apiGroups\":"
                                 "[\"\"],\"resources\":[\"users\"],\"verbs\":[\"impersonate\"],"
                                 "\"resourceNames\":[\"bob\"]},{\"apiGroups\":[\"\"],\"resources\":"
                                 "[\"groups\"],\"verbs\":[\"impersonate\"]}]}"));
    ts_put(&s, "clusterrolebindings",
           J("{\"metadata\":{\"name\":\"imp\"},\"subjects\":[{\"kind\":\"User\",\"name\":"
             "\"alice\"}],\"roleRef\":{\"kind\":\"ClusterRole\",\"name\":\"imp\"}}"));
    struct gt_kuser alice = user("alice", "system:authenticated");
    struct gt_kuser out;
    json_t *st = NULL;
    const char *groups[] = { "dev", NULL };
    struct gt_kimpersonate imp = { .user = "bob", .groups = groups };
    REQUIRE(gt_krbac_impersonate(&l, &alice, &imp, &out, &st) == 0);
    CHECK_STR_EQ(out.name, "bob");
    CHECK(gt_kuser_in_group(&out, "dev"));
    CHECK(gt_kuser_in_group(&out, "system:authenticated"));
    CHECK(!gt_kuser_in_group(&out, "system:masters"));
    gt_kuser_release(&out);

    imp.user = "carol";
    CHECK_INT_EQ(gt_krbac_impersonate(&l, &alice, &imp, &out, &st), -EACCES);
    CHECK_STR_EQ(gt_kobj_str(st, "message", ""),
                 "users \"carol\" is forbidden: User \"alice\" cannot impersonate resource "
                 "\"users\" in API group \"\" at the cluster scope");
    json_decref(st);
    imp.user = "system:serviceaccount:ci:builder";
    CHECK_INT_EQ(gt_krbac_impersonate(&l, &alice, &imp, &out, &st), -EACCES);
    CHECK_STR_EQ(gt_kobj_str(st, "message", ""),
                 "serviceaccounts \"builder\" is forbidden: User \"alice\" cannot impersonate "
                 "resource \"serviceaccounts\" in API group \"\" in the namespace \"ci\"");
    json_decref(st);
    imp.user = NULL;
    CHECK_INT_EQ(gt_krbac_impersonate(&l, &alice, &imp, &out, &st), -EINVAL);
    CHECK_INT_EQ(gt_kobj_int(st, "code", 0), 400);
    json_decref(st);
    imp.groups = NULL;
    REQUIRE(gt_krbac_impersonate(&l, &alice, &imp, &out, &st) == 0);
    CHECK_STR_EQ(out.name, "alice");
    gt_kuser_release(&out);

    /* cluster admins impersonate anyone, service accounts get their groups */
    struct gt_kuser root = user("root", "system:masters");
    imp.user = "system:serviceaccount:ci:builder";
    json_t *extra = J("{\"scopes\":[\"a\"]}");
    imp.extra = extra;
    REQUIRE(gt_krbac_impersonate(&l, &root, &imp, &out, &st) == 0);
    CHECK(gt_kuser_in_group(&out, "system:serviceaccounts:ci"));
    CHECK(gt_kuser_in_group(&out, "system:serviceaccounts"));
    CHECK_JSON(out.extra, "{\"scopes\":[\"a\"]}");
    gt_kuser_release(&out);
    json_decref(extra);
    gt_kuser_release(&root);
    gt_kuser_release(&alice);
    ts_release(&s);
}
