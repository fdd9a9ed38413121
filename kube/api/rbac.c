/* RBAC authorization over the watch cache, and the default roles.
 *
 * A request is allowed when the user is in system:masters, or when a rule
 * of a role bound to the user allows it: ClusterRoleBindings grant their
 * ClusterRole everywhere; RoleBindings grant their Role or ClusterRole in
 * their own namespace.  Subjects match by user name, group, or service
 * account (namespace and name).  A rule matches a resource request on verb,
 * API group, resource ("pods", "pods/log", "*", or "*" then "/scale") and
 * resourceNames; a non-resource request on verb and nonResourceURLs (exact,
 * or a prefix ending in '*').  Roles are read from the cache, so a change
 * to RBAC objects applies from the next request on.  Aggregated
 * ClusterRoles get their rules from the aggregation loop (ctrl.c), which
 * writes them into the role as Kubernetes' controller does. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/mem.h"
#include "kube/api/internal.h"
#include "kube/api/registry.h"
#include "kube/obj.h"

struct attrs {
    const char *verb, *group, *resource, *subresource, *ns, *name, *path;
    bool resource_request;
};

static bool list_has(const json_t *arr, const char *v)
{
    size_t i;
    json_t *x;
    json_array_foreach(arr, i, x) {
        const char *s = json_string_value(x);
        if (s && (!strcmp(s, "*") || !strcmp(s, v)))
            return true;
    }
    return false;
}

static bool resource_matches(const json_t *resources, const char *res, const char *sub)
{
    char combined[256];
    if (sub && sub[0])
        snprintf(combined, sizeof combined, "%s/%s", res, sub);
    else
        snprintf(combined, sizeof combined, "%s", res);
    size_t i;
    json_t *x;
    json_array_foreach(resources, i, x) {
        const char *s = json_string_value(x);
        if (!s)
            continue;
        if (!strcmp(s, "*") || !strcmp(s, combined))
            return true;
        if (sub && sub[0] && !strncmp(s, "*/", 2) && !strcmp(s + 2, sub))
            return true;
    }
    return false;
}

static bool rule_allows(const json_t *rule, const struct attrs *a)
{
    if (!list_has(json_object_get(rule, "verbs"), a->verb))
        return false;
    if (!a->resource_request) {
        json_t *urls = json_object_get(rule, "nonResourceURLs");
        size_t i;
        json_t *x;
        json_array_foreach(urls, i, x) {
            const char *u = json_string_value(x);
            if (!u)
                continue;
            size_t n = strlen(u);
            if (!strcmp(u, "*") || !strcmp(u, a->path))
                return true;
            if (n && u[n - 1] == '*' && !strncmp(u, a->path, n - 1))
                return true;
        }
        return false;
    }
    if (!list_has(json_object_get(rule, "apiGroups"), a->group))
        return false;
    if (!resource_matches(json_object_get(rule, "resources"), a->resource, a->subresource))
        return false;
    json_t *names = json_object_get(rule, "resourceNames");
    if (json_array_size(names) == 0)
        return true;
    return a->name && a->name[0] && list_has(names, a->name);
}

static bool subject_matches(const json_t *subj, const struct gt_kuser *u, const char *binding_ns)
{
    const char *kind = gt_kobj_str(subj, "kind", "");
    const char *name = gt_kobj_str(subj, "name", "");
    if (!strcmp(kind, "User"))
        return !strcmp(name, u->name);
    if (!strcmp(kind, "Group"))
        return gt_kuser_in_group(u, name);
    if (!strcmp(kind, "ServiceAccount")) {
        const char *ns = gt_kobj_str(subj, "namespace", binding_ns ? binding_ns : "");
        char want[600];
        snprintf(want, sizeof want, "system:serviceaccount:%s:%s", ns, name);
        return !strcmp(want, u->name);
    }
    return false;
}

/* Role references collected from the bindings that name the user. */
struct refs {
    const struct gt_kuser *u;
    const char *ns; /* RoleBindings: the namespace of the request */
    struct ref {
        char *kind, *name, *ns, *binding;
    } *v;
    size_t n;
};

static void collect(const json_t *b, void *ctx)
{
    struct refs *r = ctx;
    const char *bns = gt_kobj_namespace(b);
    json_t *subjects = gt_kobj_arr(b, "subjects");
    size_t i;
    json_t *s;
    json_array_foreach(subjects, i, s) {
        if (!subject_matches(s, r->u, bns))
            continue;
        r->v = gt_xrealloc(r->v, (r->n + 1) * sizeof *r->v);
        r->v[r->n++] = (struct ref){ gt_xstrdup(gt_kobj_str(b, "roleRef.kind", "")),
                                     gt_xstrdup(gt_kobj_str(b, "roleRef.name", "")),
                                     gt_xstrdup(bns), gt_xstrdup(gt_kobj_name(b)) };
        break;
    }
}

static void refs_release(struct refs *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->v[i].kind);
        free(r->v[i].name);
        free(r->v[i].ns);
        free(r->v[i].binding);
    }
    free(r->v);
}

static bool role_allows(struct gt_kapi *api, const struct ref *ref, const struct attrs *a)
{
    const struct gt_kind *k = !strcmp(ref->kind, "ClusterRole")
                                  ? kapi_kind_named("rbac.authorization.k8s.io", "clusterroles")
                                  : kapi_kind_named("rbac.authorization.k8s.io", "roles");
    if (!k)
        return false;
    json_t *role = gt_kwc_get(api->cache, k, ref->ns, ref->name);
    if (!role)
        return false;
    bool ok = false;
    size_t i;
    json_t *rule;
    json_array_foreach(gt_kobj_arr(role, "rules"), i, rule) {
        if (rule_allows(rule, a)) {
            ok = true;
            break;
        }
    }
    json_decref(role);
    return ok;
}

static bool allows(struct gt_kapi *api, const struct gt_kuser *u, const struct attrs *a,
                   char **reason)
{
    if (gt_kuser_in_group(u, GT_KUSER_MASTERS)) {
        if (reason)
            *reason = gt_xstrdup("user is in group system:masters");
        return true;
    }
    const struct gt_kind *crb = kapi_kind_named("rbac.authorization.k8s.io",
                                                "clusterrolebindings");
    const struct gt_kind *rb = kapi_kind_named("rbac.authorization.k8s.io", "rolebindings");
    struct refs refs = { .u = u };
    gt_kwc_foreach(api->cache, crb, NULL, collect, &refs);
    size_t cluster_refs = refs.n;
    if (a->ns && a->ns[0])
        gt_kwc_foreach(api->cache, rb, a->ns, collect, &refs);
    bool ok = false;
    for (size_t i = 0; i < refs.n && !ok; i++) {
        if (i >= cluster_refs && !a->resource_request)
            break; /* RoleBindings never grant non-resource URLs */
        if (role_allows(api, &refs.v[i], a)) {
            ok = true;
            if (reason)
                *reason = gt_xasprintf(
                    "RBAC: allowed by %s \"%s\" of %s \"%s\" to %s \"%s\"",
                    i < cluster_refs ? "ClusterRoleBinding" : "RoleBinding", refs.v[i].binding,
                    refs.v[i].kind, refs.v[i].name, !strncmp(u->name, "system:serviceaccount:", 22)
                                                        ? "ServiceAccount"
                                                        : "User",
                    u->name);
        }
    }
    refs_release(&refs);
    if (!ok && reason)
        *reason = gt_xstrdup("");
    return ok;
}

bool kapi_rbac_allows(struct gt_kapi *api, const struct gt_kuser *u, const char *verb,
                      const char *group, const char *resource, const char *subresource,
                      const char *ns, const char *name, const char *path, char **reason)
{
    struct attrs a = { .verb = verb, .group = group ? group : "", .resource = resource,
                       .subresource = subresource, .ns = ns, .name = name, .path = path,
                       .resource_request = resource != NULL };
    return allows(api, u, &a, reason);
}

int kapi_authorize(struct gt_kapi *api, const struct gt_kuser *u, const struct gt_kreqinfo *ri,
                   json_t **st)
{
    struct attrs a = { .verb = ri->verb, .group = ri->group, .resource = ri->resource,
                       .subresource = ri->subresource, .ns = ri->namespace_, .name = ri->name,
                       .path = ri->path, .resource_request = ri->resource_request };
    /* the public paths anonymous users may read (system:public-info-viewer
     * is bound to them too, but a request without credentials on TLS was
     * already refused elsewhere) */
    if (allows(api, u, &a, NULL))
        return 0;
    if (!ri->resource_request)
        return gt_kst_fail(st, 403, NULL, "forbidden: User \"%s\" cannot %s path \"%s\"", u->name,
                           ri->verb, ri->path);
    char q[160], res[200], scope[300];
    gt_kst_qualified(ri->group, ri->resource, q);
    if (ri->subresource[0])
        snprintf(res, sizeof res, "%s/%s", ri->resource, ri->subresource);
    else
        snprintf(res, sizeof res, "%s", ri->resource);
    if (ri->namespace_[0])
        snprintf(scope, sizeof scope, "in the namespace \"%s\"", ri->namespace_);
    else
        snprintf(scope, sizeof scope, "at the cluster scope");
    json_t *s;
    if (ri->name[0])
        s = gt_kst_new(403, NULL,
                       "%s \"%s\" is forbidden: User \"%s\" cannot %s resource \"%s\" in API "
                       "group \"%s\" %s",
                       q, ri->name, u->name, ri->verb, res, ri->group, scope);
    else
        s = gt_kst_new(403, NULL,
                       "%s is forbidden: User \"%s\" cannot %s resource \"%s\" in API group "
                       "\"%s\" %s",
                       q, u->name, ri->verb, res, ri->group, scope);
    gt_kst_details(s, ri->name, ri->group, ri->resource);
    json_decref(*st);
    *st = s;
    return -1;
}

/* ---- default roles ---- */

#define RO "\"get\",\"list\",\"watch\""
#define RW "\"create\",\"delete\",\"deletecollection\",\"patch\",\"update\""
#define ALL_VERBS RO "," RW

/* Each entry: name, labels (JSON object or NULL), aggregation selector
 * label (NULL: none), rules (JSON array). */
static const struct {
    const char *name;
    const char *labels;
    const char *aggregate_from;
    const char *rules;
} cluster_roles[] = {
    { "cluster-admin", NULL, NULL,
      "[{\"apiGroups\":[\"*\"],\"resources\":[\"*\"],\"verbs\":[\"*\"]},"
      "{\"nonResourceURLs\":[\"*\"],\"verbs\":[\"*\"]}]" },
    { "admin", NULL, "rbac.authorization.k8s.io/aggregate-to-admin", "[]" },
    { "edit", "{\"rbac.authorization.k8s.io/aggregate-to-admin\":\"true\"}",
      "rbac.authorization.k8s.io/aggregate-to-edit", "[]" },
    { "view", "{\"rbac.authorization.k8s.io/aggregate-to-edit\":\"true\"}",
      "rbac.authorization.k8s.io/aggregate-to-view", "[]" },
    { "system:aggregate-to-admin", "{\"rbac.authorization.k8s.io/aggregate-to-admin\":\"true\"}",
      NULL,
      "[{\"apiGroups\":[\"authorization.k8s.io\"],\"resources\":[\"localsubjectaccessreviews\"],"
      "\"verbs\":[\"create\"]},"
      "{\"apiGroups\":[\"rbac.authorization.k8s.io\"],\"resources\":[\"rolebindings\",\"roles\"],"
      "\"verbs\":[" ALL_VERBS "]}]" },
    { "system:aggregate-to-edit", "{\"rbac.authorization.k8s.io/aggregate-to-edit\":\"true\"}",
      NULL,
      "[{\"apiGroups\":[\"\"],\"resources\":[\"pods/attach\",\"pods/exec\",\"pods/portforward\","
      "\"pods/proxy\",\"secrets\",\"services/proxy\"],\"verbs\":[" RO "]},"
      "{\"apiGroups\":[\"\"],\"resources\":[\"serviceaccounts\"],\"verbs\":[\"impersonate\"]},"
      "{\"apiGroups\":[\"\"],\"resources\":[\"pods\",\"pods/attach\",\"pods/exec\","
      "\"pods/portforward\",\"pods/proxy\"],\"verbs\":[" RW "]},"
      "{\"apiGroups\":[\"\"],\"resources\":[\"pods/eviction\"],\"verbs\":[\"create\"]},"
      "{\"apiGroups\":[\"\"],\"resources\":[\"configmaps\",\"events\",\"persistentvolumeclaims\","
      "\"replicationcontrollers\",\"replicationcontrollers/scale\",\"secrets\","
      "\"serviceaccounts\",\"services\",\"services/proxy\"],\"verbs\":[" RW "]},"
      "{\"apiGroups\":[\"\"],\"resources\":[\"serviceaccounts/token\"],\"verbs\":[\"create\"]},"
      "{\"apiGroups\":[\"apps\"],\"resources\":[\"daemonsets\",\"deployments\","
      "\"deployments/rollback\",\"deployments/scale\",\"replicasets\",\"replicasets/scale\","
      "\"statefulsets\",\"statefulsets/scale\"],\"verbs\":[" RW "]},"
      "{\"apiGroups\":[\"autoscaling\"],\"resources\":[\"horizontalpodautoscalers\"],"
      "\"verbs\":[" RW "]},"
      "{\"apiGroups\":[\"batch\"],\"resources\":[\"cronjobs\",\"jobs\"],\"verbs\":[" RW "]},"
      "{\"apiGroups\":[\"networking.k8s.io\"],\"resources\":[\"ingresses\",\"networkpolicies\"],"
      "\"verbs\":[" RW "]},"
      "{\"apiGroups\":[\"policy\"],\"resources\":[\"poddisruptionbudgets\"],\"verbs\":[" RW "]},"
      "{\"apiGroups\":[\"discovery.k8s.io\"],\"resources\":[\"endpointslices\"],"
      "\"verbs\":[" RW "]},"
      "{\"apiGroups\":[\"coordination.k8s.io\"],\"resources\":[\"leases\"],"
      "\"verbs\":[" ALL_VERBS "]}]" },
    { "system:aggregate-to-view", "{\"rbac.authorization.k8s.io/aggregate-to-view\":\"true\"}",
      NULL,
      "[{\"apiGroups\":[\"\"],\"resources\":[\"configmaps\",\"endpoints\","
      "\"persistentvolumeclaims\",\"persistentvolumeclaims/status\",\"pods\",\"pods/log\","
      "\"pods/status\",\"replicationcontrollers\",\"replicationcontrollers/scale\","
      "\"replicationcontrollers/status\",\"serviceaccounts\",\"services\",\"services/status\","
      "\"bindings\",\"events\",\"limitranges\",\"namespaces/status\",\"pods/log\","
      "\"resourcequotas\",\"resourcequotas/status\",\"namespaces\"],\"verbs\":[" RO "]},"
      "{\"apiGroups\":[\"apps\"],\"resources\":[\"controllerrevisions\",\"daemonsets\","
      "\"daemonsets/status\",\"deployments\",\"deployments/scale\",\"deployments/status\","
      "\"replicasets\",\"replicasets/scale\",\"replicasets/status\",\"statefulsets\","
      "\"statefulsets/scale\",\"statefulsets/status\"],\"verbs\":[" RO "]},"
      "{\"apiGroups\":[\"autoscaling\"],\"resources\":[\"horizontalpodautoscalers\","
      "\"horizontalpodautoscalers/status\"],\"verbs\":[" RO "]},"
      "{\"apiGroups\":[\"batch\"],\"resources\":[\"cronjobs\",\"cronjobs/status\",\"jobs\","
      "\"jobs/status\"],\"verbs\":[" RO "]},"
      "{\"apiGroups\":[\"discovery.k8s.io\"],\"resources\":[\"endpointslices\"],"
      "\"verbs\":[" RO "]},"
      "{\"apiGroups\":[\"networking.k8s.io\"],\"resources\":[\"ingresses\","
      "\"ingresses/status\",\"networkpolicies\"],\"verbs\":[" RO "]},"
      "{\"apiGroups\":[\"policy\"],\"resources\":[\"poddisruptionbudgets\","
      "\"poddisruptionbudgets/status\"],\"verbs\":[" RO "]}]" },
    { "system:discovery", NULL, NULL,
      "[{\"nonResourceURLs\":[\"/api\",\"/api/*\",\"/apis\",\"/apis/*\",\"/healthz\","
      "\"/livez\",\"/openapi\",\"/openapi/*\",\"/readyz\",\"/version\",\"/version/\"],"
      "\"verbs\":[\"get\"]}]" },
    { "system:basic-user", NULL, NULL,
      "[{\"apiGroups\":[\"authorization.k8s.io\"],\"resources\":[\"selfsubjectaccessreviews\","
      "\"selfsubjectrulesreviews\"],\"verbs\":[\"create\"]},"
      "{\"apiGroups\":[\"authentication.k8s.io\"],\"resources\":[\"selfsubjectreviews\"],"
      "\"verbs\":[\"create\"]}]" },
    { "system:public-info-viewer", NULL, NULL,
      "[{\"nonResourceURLs\":[\"/healthz\",\"/livez\",\"/readyz\",\"/version\",\"/version/\"],"
      "\"verbs\":[\"get\"]}]" },
};

static const struct {
    const char *name, *role, *subjects;
} cluster_bindings[] = {
    { "cluster-admin", "cluster-admin",
      "[{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"Group\",\"name\":\"system:masters\"}]" },
    { "system:discovery", "system:discovery",
      "[{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"Group\","
      "\"name\":\"system:authenticated\"}]" },
    { "system:basic-user", "system:basic-user",
      "[{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"Group\","
      "\"name\":\"system:authenticated\"}]" },
    { "system:public-info-viewer", "system:public-info-viewer",
      "[{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"Group\","
      "\"name\":\"system:authenticated\"},{\"apiGroup\":\"rbac.authorization.k8s.io\","
      "\"kind\":\"Group\",\"name\":\"system:unauthenticated\"}]" },
};

/* Creates obj unless an object of that name exists; 0 either way. */
static int create_absent(struct gt_kapi *api, const struct gt_kind *k, json_t *obj,
                         struct gt_error *err)
{
    kapi_prepare_create(k, obj, time(NULL));
    json_t *st = NULL;
    if (gt_kreg_create(api->store, k, obj, &st) == 0)
        return 0;
    int code = (int)json_integer_value(json_object_get(st, "code"));
    const char *msg = gt_kobj_str(st, "message", "");
    int rc = code == 409 ? 0 : gt_err(err, EIO, "bootstrap %s %s: %s", k->kind,
                                      gt_kobj_name(obj), msg);
    json_decref(st);
    return rc;
}

int kapi_rbac_bootstrap(struct gt_kapi *api, struct gt_error *err)
{
    const struct gt_kind *cr = kapi_kind_named("rbac.authorization.k8s.io", "clusterroles");
    const struct gt_kind *crb = kapi_kind_named("rbac.authorization.k8s.io",
                                                "clusterrolebindings");
    for (size_t i = 0; i < sizeof cluster_roles / sizeof cluster_roles[0]; i++) {
        json_t *labels = cluster_roles[i].labels ? json_loads(cluster_roles[i].labels, 0, NULL)
                                                 : json_object();
        json_object_set_new(labels, "kubernetes.io/bootstrapping", json_string("rbac-defaults"));
        json_t *rules = json_loads(cluster_roles[i].rules, 0, NULL);
        if (!rules || !labels)
            abort(); /* the table above is ours: a typo is a bug */
        json_t *o = json_pack("{s:s,s:s,s:{s:s,s:o,s:{s:s}},s:o}", "apiVersion",
                              "rbac.authorization.k8s.io/v1", "kind", "ClusterRole", "metadata",
                              "name", cluster_roles[i].name, "labels", labels, "annotations",
                              "rbac.authorization.kubernetes.io/autoupdate", "true", "rules",
                              rules);
        if (cluster_roles[i].aggregate_from)
            json_object_set_new(o, "aggregationRule",
                                json_pack("{s:[{s:{s:s}}]}", "clusterRoleSelectors",
                                          "matchLabels", cluster_roles[i].aggregate_from,
                                          "true"));
        int rc = create_absent(api, cr, o, err);
        json_decref(o);
        if (rc < 0)
            return rc;
    }
    for (size_t i = 0; i < sizeof cluster_bindings / sizeof cluster_bindings[0]; i++) {
        json_t *subjects = json_loads(cluster_bindings[i].subjects, 0, NULL);
        if (!subjects)
            abort();
        json_t *o = json_pack(
            "{s:s,s:s,s:{s:s,s:{s:s},s:{s:s}},s:{s:s,s:s,s:s},s:o}", "apiVersion",
            "rbac.authorization.k8s.io/v1", "kind", "ClusterRoleBinding", "metadata", "name",
            cluster_bindings[i].name, "labels", "kubernetes.io/bootstrapping", "rbac-defaults",
            "annotations", "rbac.authorization.kubernetes.io/autoupdate", "true", "roleRef",
            "apiGroup", "rbac.authorization.k8s.io", "kind", "ClusterRole", "name",
            cluster_bindings[i].role, "subjects", subjects);
        int rc = create_absent(api, crb, o, err);
        json_decref(o);
        if (rc < 0)
            return rc;
    }
    return 0;
}
