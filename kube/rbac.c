/* The RBAC authorizer, Forbidden messages, access and rules reviews,
 * ClusterRole aggregation (kube/rbac.h). */
#include "kube/rbac.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/mem.h"
#include "kube/fielderr.h"
#include "kube/obj.h"
#include "kube/selector.h"
#include "kube/status.h"

static const char *nz(const char *s)
{
    return s ? s : "";
}

/* ---- rules ---- */

static bool member_or_star(const json_t *arr, const char *v)
{
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) {
        const char *s = json_string_value(e);
        if (s && (strcmp(s, "*") == 0 || strcmp(s, v) == 0))
            return true;
    }
    return false;
}

static bool resource_matches(const json_t *arr, const char *combined, const char *sub)
{
    size_t i, sl = strlen(sub);
    json_t *e;
    json_array_foreach(arr, i, e) {
        const char *s = json_string_value(e);
        if (!s)
            continue;
        if (strcmp(s, "*") == 0 || strcmp(s, combined) == 0)
            return true;
        if (sl && strlen(s) == sl + 2 && strncmp(s, "*/", 2) == 0 && strcmp(s + 2, sub) == 0)
            return true;
    }
    return false;
}

static bool name_matches(const json_t *arr, const char *name)
{
    if (json_array_size(arr) == 0)
        return true;
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) {
        const char *s = json_string_value(e);
        if (s && *name && strcmp(s, name) == 0)
            return true;
    }
    return false;
}

static bool url_matches(const json_t *arr, const char *path)
{
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) {
        const char *s = json_string_value(e);
        if (!s)
            continue;
        if (strcmp(s, "*") == 0 || strcmp(s, path) == 0)
            return true;
        size_t n = strlen(s);
        if (n && s[n - 1] == '*') {
            while (n && s[n - 1] == '*')
                n--;
            if (strncmp(path, s, n) == 0)
                return true;
        }
    }
    return false;
}

bool gt_krbac_rule_allows(const json_t *rule, const struct gt_kauthz_attrs *a)
{
    if (!json_is_object(rule) || !member_or_star(gt_kobj_arr(rule, "verbs"), nz(a->verb)))
        return false;
    if (!a->resource_request)
        return url_matches(gt_kobj_arr(rule, "nonResourceURLs"), nz(a->path));
    const char *sub = nz(a->subresource);
    cleanup_free char *combined =
        *sub ? gt_xasprintf("%s/%s", nz(a->resource), sub) : gt_xstrdup(nz(a->resource));
    return member_or_star(gt_kobj_arr(rule, "apiGroups"), nz(a->api_group)) &&
           resource_matches(gt_kobj_arr(rule, "resources"), combined, sub) &&
           name_matches(gt_kobj_arr(rule, "resourceNames"), nz(a->name));
}

bool gt_krbac_subject_matches(const json_t *s, const struct gt_kuser *u, const char *binding_ns)
{
    const char *kind = gt_kobj_str(s, "kind", "");
    const char *name = gt_kobj_str(s, "name", "");
    if (!*name)
        return false;
    if (strcmp(kind, "User") == 0)
        return strcmp(u->name, name) == 0;
    if (strcmp(kind, "Group") == 0)
        return gt_kuser_in_group(u, name);
    if (strcmp(kind, "ServiceAccount") == 0) {
        const char *ns = gt_kobj_str(s, "namespace", "");
        if (!*ns)
            ns = nz(binding_ns);
        if (!*ns)
            return false;
        char uns[254], uname[254];
        return gt_kuser_sa_parts(u->name, uns, uname) && strcmp(uns, ns) == 0 &&
               strcmp(uname, name) == 0;
    }
    return false;
}

/* ---- visiting the bindings ---- */

struct visitor {
    const struct gt_kauthz_attrs *a; /* NULL: collect rules only */
    const struct gt_kuser *user;
    json_t *errors;   /* array of strings, unique */
    char *allowed_by; /* set when a rule allowed the request */
    json_t *rules;    /* collected rules (rules review), or NULL */
};

static void add_error(struct visitor *v, const char *msg)
{
    size_t i;
    json_t *e;
    json_array_foreach(v->errors, i, e) if (strcmp(json_string_value(e), msg) == 0) return;
    json_array_append_new(v->errors, json_string(msg));
}

static char *describe_subject(const json_t *s, const char *binding_ns)
{
    const char *kind = gt_kobj_str(s, "kind", "");
    const char *name = gt_kobj_str(s, "name", "");
    if (strcmp(kind, "ServiceAccount") == 0) {
        const char *ns = gt_kobj_str(s, "namespace", "");
        return gt_xasprintf("%s \"%s/%s\"", kind, name, *ns ? ns : nz(binding_ns));
    }
    return gt_xasprintf("%s \"%s\"", kind, name);
}

/* Visits one binding; returns true when the visit may stop (allowed). */
static bool visit_binding(struct visitor *v, const struct gt_klister *l, const json_t *b,
                          const char *binding_ns)
{
    const json_t *subject = NULL;
    size_t i;
    json_t *s;
    json_array_foreach(gt_kobj_arr(b, "subjects"), i, s) {
        if (gt_krbac_subject_matches(s, v->user, binding_ns)) {
            subject = s;
            break;
        }
    }
    if (!subject)
        return false;
    const char *rkind = gt_kobj_str(b, "roleRef.kind", "");
    const char *rname = gt_kobj_str(b, "roleRef.name", "");
    json_t *role = NULL;
    if (strcmp(rkind, "ClusterRole") == 0) {
        role = gt_klister_get(l, "clusterroles", "", rname);
        if (!role) {
            cleanup_free char *m =
                gt_xasprintf("clusterrole.rbac.authorization.k8s.io \"%s\" not found", rname);
            add_error(v, m);
            return false;
        }
    } else if (strcmp(rkind, "Role") == 0 && *binding_ns) {
        role = gt_klister_get(l, "roles", binding_ns, rname);
        if (!role) {
            cleanup_free char *m =
                gt_xasprintf("role.rbac.authorization.k8s.io \"%s\" not found", rname);
            add_error(v, m);
            return false;
        }
    } else {
        cleanup_free char *m = gt_xasprintf("unsupported role reference kind: \"%s\"", rkind);
        add_error(v, m);
        return false;
    }
    bool done = false;
    json_t *r;
    json_array_foreach(gt_kobj_arr(role, "rules"), i, r) {
        if (v->rules) {
            json_array_append(v->rules, r);
            continue;
        }
        if (gt_krbac_rule_allows(r, v->a)) {
            cleanup_free char *subj = describe_subject(subject, binding_ns);
            if (*binding_ns)
                v->allowed_by = gt_xasprintf("RoleBinding \"%s/%s\" of %s \"%s\" to %s",
                                             gt_kobj_name(b), binding_ns, rkind, rname, subj);
            else
                v->allowed_by = gt_xasprintf("ClusterRoleBinding \"%s\" of %s \"%s\" to %s",
                                             gt_kobj_name(b), rkind, rname, subj);
            done = true;
            break;
        }
    }
    json_decref(role);
    return done;
}

/* false when a list could not be had (fail closed). */
static bool visit_all(struct visitor *v, const struct gt_klister *l, const char *ns)
{
    json_t *crbs = gt_klister_list(l, "clusterrolebindings", "");
    if (!crbs) {
        add_error(v, "unable to list clusterrolebindings");
        return false;
    }
    size_t i;
    json_t *b;
    json_array_foreach(crbs, i, b) {
        if (visit_binding(v, l, b, "")) {
            json_decref(crbs);
            return true;
        }
    }
    json_decref(crbs);
    if (!ns || !*ns)
        return true;
    json_t *rbs = gt_klister_list(l, "rolebindings", ns);
    if (!rbs) {
        add_error(v, "unable to list rolebindings");
        return false;
    }
    json_array_foreach(rbs, i, b) {
        /* a lister may hand over more than the namespace asked for */
        const char *bns = gt_kobj_namespace(b);
        if (strcmp(bns, ns) != 0)
            continue;
        if (visit_binding(v, l, b, bns))
            break;
    }
    json_decref(rbs);
    return true;
}

static char *errors_reason(const json_t *errors)
{
    size_t n = json_array_size(errors);
    if (n == 0)
        return gt_xstrdup("");
    if (n == 1)
        return gt_xasprintf("RBAC: %s", json_string_value(json_array_get(errors, 0)));
    size_t len = 16;
    for (size_t i = 0; i < n; i++)
        len += strlen(json_string_value(json_array_get(errors, i))) + 2;
    char *s = gt_xmalloc(len), *w = s;
    w += sprintf(w, "RBAC: [");
    for (size_t i = 0; i < n; i++)
        w += sprintf(w, "%s%s", i ? ", " : "", json_string_value(json_array_get(errors, i)));
    sprintf(w, "]");
    return s;
}

enum gt_kauthz_decision gt_krbac_authorize(const struct gt_klister *l,
                                           const struct gt_kauthz_attrs *a, char **reason)
{
    if (reason)
        *reason = NULL;
    if (!a->user) {
        if (reason)
            *reason = gt_xstrdup("no user");
        return GT_KAUTHZ_DENY;
    }
    if (gt_kuser_in_group(a->user, GT_KGROUP_MASTERS)) {
        if (reason)
            *reason = gt_xstrdup("");
        return GT_KAUTHZ_ALLOW;
    }
    struct visitor v = { .a = a, .user = a->user, .errors = json_array() };
    visit_all(&v, l, a->resource_request ? a->namespace : NULL);
    enum gt_kauthz_decision d = v.allowed_by ? GT_KAUTHZ_ALLOW : GT_KAUTHZ_DENY;
    if (reason)
        *reason = v.allowed_by ? gt_xasprintf("RBAC: allowed by %s", v.allowed_by)
                               : errors_reason(v.errors);
    free(v.allowed_by);
    json_decref(v.errors);
    return d;
}

/* ---- Forbidden ---- */

char *gt_krbac_forbidden_message(const struct gt_kauthz_attrs *a)
{
    const char *user = a->user ? a->user->name : "";
    if (!a->resource_request)
        return gt_xasprintf("User \"%s\" cannot %s path \"%s\"", user, nz(a->verb), nz(a->path));
    cleanup_free char *res = a->subresource && *a->subresource
                                 ? gt_xasprintf("%s/%s", nz(a->resource), a->subresource)
                                 : gt_xstrdup(nz(a->resource));
    if (a->namespace && *a->namespace)
        return gt_xasprintf("User \"%s\" cannot %s resource \"%s\" in API group \"%s\" in the "
                            "namespace \"%s\"",
                            user, nz(a->verb), res, nz(a->api_group), a->namespace);
    return gt_xasprintf("User \"%s\" cannot %s resource \"%s\" in API group \"%s\" at the "
                        "cluster scope",
                        user, nz(a->verb), res, nz(a->api_group));
}

json_t *gt_krbac_forbidden_status(const struct gt_kauthz_attrs *a, const char *reason)
{
    cleanup_free char *m = gt_krbac_forbidden_message(a);
    cleanup_free char *msg = reason && *reason ? gt_xasprintf("%s: %s", m, reason) : gt_xstrdup(m);
    if (!a->resource_request)
        return gt_kstatus_forbidden(NULL, NULL, NULL, msg);
    return gt_kstatus_forbidden(a->api_group, a->resource, a->name, msg);
}

/* ---- reviews ---- */

static json_t *review_copy(const json_t *review)
{
    json_t *out = json_is_object(review) ? json_deep_copy(review) : json_object();
    json_t *md = json_object_get(out, "metadata");
    if (!json_is_object(md)) {
        md = json_object();
        json_object_set_new(out, "metadata", md);
    }
    json_object_set_new(md, "creationTimestamp", json_null());
    return out;
}

json_t *gt_krbac_access_review(const struct gt_klister *l, const json_t *review,
                               const struct gt_kuser *self, const char *local_ns, bool *ok)
{
    const char *kind = self ? "SelfSubjectAccessReview"
                            : local_ns ? "LocalSubjectAccessReview" : "SubjectAccessReview";
    const char *name = gt_kobj_name(review);
    json_t *spec = gt_kobj_obj(review, "spec");
    json_t *ra = gt_kobj_obj(spec, "resourceAttributes");
    json_t *nra = gt_kobj_obj(spec, "nonResourceAttributes");
    struct gt_kfe_list errs;
    gt_kfe_list_init(&errs);
    if (!spec)
        gt_kfe_required(&errs, "spec", "");
    else if (ra && nra)
        gt_kfe_invalid(&errs, "spec.nonResourceAttributes", nra,
                       "cannot be specified in combination with resourceAttributes");
    else if (!ra && !nra)
        gt_kfe_invalid(&errs, "spec.resourceAttributes", json_null(),
                       "exactly one of nonResourceAttributes or resourceAttributes must be "
                       "specified");
    if (local_ns && ra && strcmp(gt_kobj_str(ra, "namespace", ""), local_ns) != 0)
        gt_kfe_invalid_str(&errs, "spec.resourceAttributes.namespace",
                           gt_kobj_str(ra, "namespace", ""), "must match metadata.namespace");
    if (local_ns && nra)
        gt_kfe_invalid(&errs, "spec.nonResourceAttributes", nra,
                       "disallowed on this kind of request");
    struct gt_kuser subject;
    if (self)
        gt_kuser_copy(&subject, self);
    else
        gt_kuser_init(&subject, gt_kobj_str(spec, "user", ""), gt_kobj_str(spec, "uid", ""));
    if (!self && spec) {
        size_t i;
        json_t *g;
        json_array_foreach(gt_kobj_arr(spec, "groups"), i, g) if (json_is_string(g))
            gt_kuser_add_group(&subject, json_string_value(g));
        json_t *extra = gt_kobj_obj(spec, "extra");
        if (extra)
            subject.extra = json_deep_copy(extra);
        if (!*subject.name && !subject.groups)
            gt_kfe_invalid_str(&errs, "spec.user", "",
                               "at least one of user or group must be specified");
    }
    if (errs.n) {
        json_t *st = gt_kfe_status(&errs, "authorization.k8s.io", kind, name);
        gt_kfe_list_release(&errs);
        gt_kuser_release(&subject);
        if (ok)
            *ok = false;
        return st;
    }
    gt_kfe_list_release(&errs);
    struct gt_kauthz_attrs a = { .user = &subject };
    if (ra) {
        a.resource_request = true;
        a.verb = gt_kobj_str(ra, "verb", "");
        a.api_group = gt_kobj_str(ra, "group", "");
        a.resource = gt_kobj_str(ra, "resource", "");
        a.subresource = gt_kobj_str(ra, "subresource", "");
        a.namespace = gt_kobj_str(ra, "namespace", "");
        a.name = gt_kobj_str(ra, "name", "");
    } else {
        a.verb = gt_kobj_str(nra, "verb", "");
        a.path = gt_kobj_str(nra, "path", "");
    }
    char *reason = NULL;
    enum gt_kauthz_decision d = gt_krbac_authorize(l, &a, &reason);
    json_t *out = review_copy(review);
    json_t *status = json_pack("{s:b}", "allowed", d == GT_KAUTHZ_ALLOW);
    if (reason && *reason)
        json_object_set_new(status, "reason", json_string(reason));
    free(reason);
    json_object_set_new(out, "status", status);
    gt_kuser_release(&subject);
    if (ok)
        *ok = true;
    return out;
}

static void copy_list(json_t *dst, const char *key, const json_t *rule)
{
    json_t *v = gt_kobj_arr(rule, key);
    if (json_array_size(v))
        json_object_set_new(dst, key, json_deep_copy(v));
}

json_t *gt_krbac_rules_review(const struct gt_klister *l, const json_t *review,
                              const struct gt_kuser *self)
{
    const char *ns = gt_kobj_str(review, "spec.namespace", "");
    json_t *res = json_array(), *nonres = json_array();
    struct visitor v = { .user = self, .errors = json_array(), .rules = json_array() };
    if (gt_kuser_in_group(self, GT_KGROUP_MASTERS)) {
        json_array_append_new(v.rules, json_pack("{s:[s],s:[s],s:[s]}", "verbs", "*", "apiGroups",
                                                 "*", "resources", "*"));
        json_array_append_new(v.rules,
                              json_pack("{s:[s],s:[s]}", "verbs", "*", "nonResourceURLs", "*"));
    }
    visit_all(&v, l, ns);
    size_t i;
    json_t *r;
    json_array_foreach(v.rules, i, r) {
        if (gt_kobj_len(r, "resources")) {
            json_t *o = json_object();
            json_object_set_new(o, "verbs", json_deep_copy(gt_kobj_arr(r, "verbs")
                                                               ? gt_kobj_arr(r, "verbs")
                                                               : json_array()));
            copy_list(o, "apiGroups", r);
            copy_list(o, "resources", r);
            copy_list(o, "resourceNames", r);
            json_array_append_new(res, o);
        }
        if (gt_kobj_len(r, "nonResourceURLs")) {
            json_t *o = json_object();
            json_object_set_new(o, "verbs", json_deep_copy(gt_kobj_arr(r, "verbs")
                                                               ? gt_kobj_arr(r, "verbs")
                                                               : json_array()));
            copy_list(o, "nonResourceURLs", r);
            json_array_append_new(nonres, o);
        }
    }
    json_t *out = review_copy(review);
    json_t *status = json_pack("{s:o,s:o,s:b}", "resourceRules", res, "nonResourceRules", nonres,
                               "incomplete", json_array_size(v.errors) > 0);
    if (json_array_size(v.errors)) {
        char *reason = errors_reason(v.errors);
        json_object_set_new(status, "evaluationError", json_string(reason));
        free(reason);
    }
    json_object_set_new(out, "status", status);
    json_decref(v.rules);
    json_decref(v.errors);
    return out;
}

/* ---- aggregation ---- */

static int by_name(const void *a, const void *b)
{
    return strcmp(gt_kobj_name(*(json_t *const *)a), gt_kobj_name(*(json_t *const *)b));
}

static bool rule_exists(const json_t *rules, const json_t *r)
{
    size_t i;
    json_t *e;
    json_array_foreach(rules, i, e) if (json_equal(e, r)) return true;
    return false;
}

json_t *gt_krbac_aggregate(const json_t *role, const json_t *clusterroles)
{
    json_t *agg = gt_kobj_obj(role, "aggregationRule");
    if (!agg)
        return NULL;
    size_t n = json_array_size(clusterroles);
    json_t **sorted = gt_xcalloc(n + 1, sizeof(*sorted));
    for (size_t i = 0; i < n; i++)
        sorted[i] = json_array_get(clusterroles, i);
    qsort(sorted, n, sizeof(*sorted), by_name);
    json_t *rules = json_array();
    size_t i;
    json_t *selj;
    json_array_foreach(gt_kobj_arr(agg, "clusterRoleSelectors"), i, selj) {
        struct gt_klsel *sel = NULL;
        if (gt_klsel_from_json(selj, &sel, NULL) < 0)
            continue; /* the controller skips what it cannot parse, too */
        for (size_t k = 0; k < n; k++) {
            if (!json_is_object(sorted[k]) ||
                strcmp(gt_kobj_name(sorted[k]), gt_kobj_name(role)) == 0 ||
                !gt_klsel_matches(sel, gt_kobj_obj(sorted[k], "metadata.labels")))
                continue;
            size_t j;
            json_t *r;
            json_array_foreach(gt_kobj_arr(sorted[k], "rules"), j, r) if (!rule_exists(rules, r))
                json_array_append(rules, r);
        }
        gt_klsel_free(sel);
    }
    free(sorted);
    return rules;
}

size_t gt_krbac_aggregate_all(json_t *clusterroles)
{
    size_t changed = 0, n = json_array_size(clusterroles);
    /* each pass propagates one level of nesting; n passes bound any chain */
    for (size_t pass = 0; pass <= n; pass++) {
        bool any = false;
        for (size_t i = 0; i < n; i++) {
            json_t *role = json_array_get(clusterroles, i);
            json_t *rules = gt_krbac_aggregate(role, clusterroles);
            if (!rules)
                continue;
            json_t *cur = json_object_get(role, "rules");
            if (!cur || !json_equal(cur, rules)) {
                json_object_set_new(role, "rules", rules);
                changed++;
                any = true;
            } else
                json_decref(rules);
        }
        if (!any)
            break;
    }
    return changed;
}

/* ---- impersonation ---- */

static int may_impersonate(const struct gt_klister *l, const struct gt_kuser *u,
                           const char *group, const char *resource, const char *sub,
                           const char *ns, const char *name, json_t **status)
{
    struct gt_kauthz_attrs a = { .user = u, .verb = "impersonate", .resource_request = true,
                                 .api_group = group, .resource = resource, .subresource = sub,
                                 .namespace = ns, .name = name };
    char *reason = NULL;
    enum gt_kauthz_decision d = gt_krbac_authorize(l, &a, &reason);
    if (d != GT_KAUTHZ_ALLOW)
        *status = gt_krbac_forbidden_status(&a, reason);
    free(reason);
    return d == GT_KAUTHZ_ALLOW ? 0 : -EACCES;
}

int gt_krbac_impersonate(const struct gt_klister *l, const struct gt_kuser *requester,
                         const struct gt_kimpersonate *imp, struct gt_kuser *out,
                         json_t **status)
{
    *status = NULL;
    bool others = (imp->groups && imp->groups[0]) || (imp->uid && *imp->uid) ||
                  json_object_size(imp->extra);
    if (!imp->user || !*imp->user) {
        if (others) {
            *status = gt_kstatus_bad_request("impersonating groups, uid or extra requires "
                                             "impersonating a user");
            return -EINVAL;
        }
        gt_kuser_copy(out, requester);
        return 0;
    }
    char ns[254], sa[254];
    bool is_sa = gt_kuser_sa_parts(imp->user, ns, sa);
    int rc = is_sa ? may_impersonate(l, requester, "", "serviceaccounts", "", ns, sa, status)
                   : may_impersonate(l, requester, "", "users", "", "", imp->user, status);
    for (const char *const *g = imp->groups; rc == 0 && g && *g; g++)
        rc = may_impersonate(l, requester, "", "groups", "", "", *g, status);
    if (rc == 0 && imp->uid && *imp->uid)
        rc = may_impersonate(l, requester, "authentication.k8s.io", "uids", "", "", imp->uid,
                             status);
    const char *k;
    json_t *vals;
    if (rc == 0 && json_is_object(imp->extra))
        json_object_foreach((json_t *)imp->extra, k, vals) {
            size_t i;
            json_t *v;
            json_array_foreach(vals, i, v) {
                if (rc == 0 && json_is_string(v))
                    rc = may_impersonate(l, requester, "authentication.k8s.io", "userextras", k,
                                         "", json_string_value(v), status);
            }
        }
    if (rc < 0)
        return rc;
    gt_kuser_init(out, imp->user, imp->uid);
    for (const char *const *g = imp->groups; g && *g; g++)
        gt_kuser_add_group(out, *g);
    if (is_sa) {
        char grp[300];
        snprintf(grp, sizeof grp, GT_KGROUP_SERVICEACCOUNTS ":%s", ns);
        gt_kuser_add_group(out, GT_KGROUP_SERVICEACCOUNTS);
        gt_kuser_add_group(out, grp);
    }
    if (strcmp(imp->user, GT_KUSER_ANONYMOUS) == 0)
        gt_kuser_add_group(out, GT_KGROUP_UNAUTHENTICATED);
    else
        gt_kuser_add_group(out, GT_KGROUP_AUTHENTICATED);
    if (json_is_object(imp->extra) && json_object_size(imp->extra))
        json_object_foreach((json_t *)imp->extra, k, vals) {
            size_t i;
            json_t *v;
            json_array_foreach(vals, i, v) if (json_is_string(v))
                gt_kuser_add_extra(out, k, json_string_value(v));
        }
    return 0;
}
