/* The bootstrap RBAC policy of kube-apiserver (kube/rbac.h): the roles and
 * bindings it creates at its first start, limited to what a cluster of
 * users needs (no controller or node roles: Gantry's components run with
 * their own privileged identities). */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "kube/obj.h"
#include "kube/rbac.h"

#define RW "create delete deletecollection patch update"
#define RO "get list watch"

/* A space-separated word list as a JSON array; "-" is the core group "". */
static json_t *words(const char *s)
{
    json_t *arr = json_array();
    char *copy = gt_xstrdup(s), *save = NULL;
    for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
        json_array_append_new(arr, json_string(strcmp(w, "-") == 0 ? "" : w));
    free(copy);
    return arr;
}

static int cmp_json_str(const void *a, const void *b)
{
    return strcmp(json_string_value(*(json_t *const *)a), json_string_value(*(json_t *const *)b));
}

/* Kubernetes lists resources and verbs of its bootstrap rules sorted. */
static json_t *sorted_words(const char *s)
{
    json_t *arr = words(s);
    size_t n = json_array_size(arr);
    json_t **v = gt_xcalloc(n + 1, sizeof(*v));
    for (size_t i = 0; i < n; i++)
        v[i] = json_incref(json_array_get(arr, i));
    qsort(v, n, sizeof(*v), cmp_json_str);
    json_array_clear(arr);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, v[i]);
    free(v);
    return arr;
}

static json_t *rule(const char *groups, const char *resources, const char *verbs)
{
    return json_pack("{s:o,s:o,s:o}", "apiGroups", words(groups), "resources",
                     sorted_words(resources), "verbs", sorted_words(verbs));
}

static json_t *url_rule(const char *urls, const char *verbs)
{
    return json_pack("{s:o,s:o}", "nonResourceURLs", words(urls), "verbs", words(verbs));
}

static json_t *meta(const char *name)
{
    return json_pack("{s:s,s:{s:s},s:{s:s}}", "name", name, "labels",
                     "kubernetes.io/bootstrapping", "rbac-defaults", "annotations",
                     "rbac.authorization.kubernetes.io/autoupdate", "true");
}

static json_t *role(const char *name, json_t *rules)
{
    return json_pack("{s:s,s:s,s:o,s:o}", "apiVersion", GT_KRBAC_GROUP "/v1", "kind",
                     "ClusterRole", "metadata", meta(name), "rules", rules);
}

static void label(json_t *r, const char *key)
{
    json_object_set_new(gt_kobj_obj(r, "metadata.labels"), key, json_string("true"));
}

static json_t *aggregated(const char *name, const char *selector_label)
{
    json_t *r = role(name, json_array());
    json_object_set_new(r, "aggregationRule",
                        json_pack("{s:[{s:{s:s}}]}", "clusterRoleSelectors", "matchLabels",
                                  selector_label, "true"));
    return r;
}

#define AGG_ADMIN "rbac.authorization.k8s.io/aggregate-to-admin"
#define AGG_EDIT "rbac.authorization.k8s.io/aggregate-to-edit"
#define AGG_VIEW "rbac.authorization.k8s.io/aggregate-to-view"

json_t *gt_krbac_bootstrap_clusterroles(void)
{
    json_t *roles = json_array();

    json_array_append_new(roles, aggregated("admin", AGG_ADMIN));
    json_array_append_new(roles, role("cluster-admin", json_pack("[o,o]", rule("*", "*", "*"),
                                                                 url_rule("*", "*"))));
    json_t *edit = aggregated("edit", AGG_EDIT);
    label(edit, AGG_ADMIN);
    json_array_append_new(roles, edit);

    json_t *to_admin = role("system:aggregate-to-admin",
                            json_pack("[o,o]",
                                      rule("authorization.k8s.io", "localsubjectaccessreviews",
                                           "create"),
                                      rule(GT_KRBAC_GROUP, "rolebindings roles", RW " get list watch")));
    label(to_admin, AGG_ADMIN);
    json_array_append_new(roles, to_admin);

    json_t *edit_rules = json_array();
    json_array_append_new(edit_rules,
                          rule("-", "pods/attach pods/exec pods/portforward pods/proxy secrets "
                                    "services/proxy",
                               RO));
    json_array_append_new(edit_rules, rule("-", "serviceaccounts", "impersonate"));
    json_array_append_new(edit_rules,
                          rule("-", "pods pods/attach pods/exec pods/portforward pods/proxy", RW));
    json_array_append_new(edit_rules, rule("-", "pods/eviction", "create"));
    json_array_append_new(edit_rules,
                          rule("-", "configmaps events persistentvolumeclaims "
                                    "replicationcontrollers replicationcontrollers/scale secrets "
                                    "serviceaccounts services services/proxy",
                               RW));
    json_array_append_new(edit_rules, rule("-", "serviceaccounts/token", "create"));
    json_array_append_new(edit_rules,
                          rule("apps", "daemonsets deployments deployments/rollback "
                                       "deployments/scale replicasets replicasets/scale "
                                       "statefulsets statefulsets/scale",
                               RW));
    json_array_append_new(edit_rules, rule("autoscaling", "horizontalpodautoscalers", RW));
    json_array_append_new(edit_rules, rule("batch", "cronjobs jobs", RW));
    json_array_append_new(edit_rules,
                          rule("extensions", "daemonsets deployments deployments/rollback "
                                             "deployments/scale ingresses networkpolicies "
                                             "replicasets replicasets/scale "
                                             "replicationcontrollers/scale",
                               RW));
    json_array_append_new(edit_rules, rule("policy", "poddisruptionbudgets", RW));
    json_array_append_new(edit_rules, rule("networking.k8s.io", "ingresses networkpolicies", RW));
    json_array_append_new(edit_rules,
                          rule("coordination.k8s.io", "leases", RW " get list watch"));
    json_t *to_edit = role("system:aggregate-to-edit", edit_rules);
    label(to_edit, AGG_EDIT);
    json_array_append_new(roles, to_edit);

    json_t *view_rules = json_array();
    json_array_append_new(view_rules,
                          rule("-", "configmaps endpoints persistentvolumeclaims "
                                    "persistentvolumeclaims/status pods replicationcontrollers "
                                    "replicationcontrollers/scale serviceaccounts services "
                                    "services/status",
                               RO));
    json_array_append_new(view_rules,
                          rule("-", "bindings events limitranges namespaces/status pods/log "
                                    "pods/status replicationcontrollers/status resourcequotas "
                                    "resourcequotas/status",
                               RO));
    json_array_append_new(view_rules, rule("-", "namespaces", RO));
    json_array_append_new(view_rules, rule("discovery.k8s.io", "endpointslices", RO));
    json_array_append_new(view_rules,
                          rule("apps", "controllerrevisions daemonsets daemonsets/status "
                                       "deployments deployments/scale deployments/status "
                                       "replicasets replicasets/scale replicasets/status "
                                       "statefulsets statefulsets/scale statefulsets/status",
                               RO));
    json_array_append_new(view_rules, rule("autoscaling",
                                           "horizontalpodautoscalers "
                                           "horizontalpodautoscalers/status",
                                           RO));
    json_array_append_new(view_rules,
                          rule("batch", "cronjobs cronjobs/status jobs jobs/status", RO));
    json_array_append_new(view_rules,
                          rule("extensions", "daemonsets daemonsets/status deployments "
                                             "deployments/scale deployments/status ingresses "
                                             "ingresses/status networkpolicies replicasets "
                                             "replicasets/scale replicasets/status "
                                             "replicationcontrollers/scale",
                               RO));
    json_array_append_new(view_rules, rule("policy",
                                           "poddisruptionbudgets poddisruptionbudgets/status",
                                           RO));
    json_array_append_new(view_rules, rule("networking.k8s.io",
                                           "ingresses ingresses/status networkpolicies", RO));
    json_t *to_view = role("system:aggregate-to-view", view_rules);
    label(to_view, AGG_VIEW);
    json_array_append_new(roles, to_view);

    json_array_append_new(roles, role("system:auth-delegator",
                                      json_pack("[o,o]",
                                                rule("authentication.k8s.io", "tokenreviews",
                                                     "create"),
                                                rule("authorization.k8s.io",
                                                     "subjectaccessreviews", "create"))));
    json_array_append_new(
        roles, role("system:basic-user",
                    json_pack("[o,o]",
                              rule("authorization.k8s.io",
                                   "selfsubjectaccessreviews selfsubjectrulesreviews", "create"),
                              rule("authentication.k8s.io", "selfsubjectreviews", "create"))));
    json_array_append_new(
        roles, role("system:discovery",
                    json_pack("[o]", url_rule("/api /api/* /apis /apis/* /healthz /livez "
                                              "/openapi /openapi/* /readyz /version /version/",
                                              "get"))));
    json_array_append_new(
        roles, role("system:public-info-viewer",
                    json_pack("[o]", url_rule("/healthz /livez /readyz /version /version/",
                                              "get"))));
    json_t *view = aggregated("view", AGG_VIEW);
    label(view, AGG_EDIT);
    json_array_append_new(roles, view);

    gt_krbac_aggregate_all(roles);
    return roles;
}

static json_t *binding(const char *name, const char *role_name, const char *groups)
{
    json_t *subjects = json_array();
    json_t *g = words(groups);
    size_t i;
    json_t *v;
    json_array_foreach(g, i, v) json_array_append_new(
        subjects, json_pack("{s:s,s:s,s:O}", "apiGroup", GT_KRBAC_GROUP, "kind", "Group", "name", v));
    json_decref(g);
    return json_pack("{s:s,s:s,s:o,s:{s:s,s:s,s:s},s:o}", "apiVersion", GT_KRBAC_GROUP "/v1",
                     "kind", "ClusterRoleBinding", "metadata", meta(name), "roleRef", "apiGroup",
                     GT_KRBAC_GROUP, "kind", "ClusterRole", "name", role_name, "subjects",
                     subjects);
}

json_t *gt_krbac_bootstrap_clusterrolebindings(void)
{
    return json_pack("[o,o,o,o]", binding("cluster-admin", "cluster-admin", GT_KGROUP_MASTERS),
                     binding("system:basic-user", "system:basic-user", GT_KGROUP_AUTHENTICATED),
                     binding("system:discovery", "system:discovery", GT_KGROUP_AUTHENTICATED),
                     binding("system:public-info-viewer", "system:public-info-viewer",
                             GT_KGROUP_AUTHENTICATED " " GT_KGROUP_UNAUTHENTICATED));
}
