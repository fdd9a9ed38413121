/* RBAC escalation prevention: Covers, and the checks on writes of roles and
 * bindings (kube/rbac.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/mem.h"
#include "kube/obj.h"
#include "kube/rbac.h"
#include "kube/status.h"

static bool has(const json_t *arr, const char *v)
{
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) if (json_is_string(e) && strcmp(json_string_value(e), v) == 0)
        return true;
    return false;
}

static bool has_all(const json_t *set, const json_t *values)
{
    size_t i;
    json_t *e;
    json_array_foreach(values, i, e) if (!json_is_string(e) || !has(set, json_string_value(e)))
        return false;
    return true;
}

static bool resources_cover(const json_t *owner, const json_t *servant)
{
    if (has(owner, "*"))
        return true;
    size_t i;
    json_t *e;
    json_array_foreach(servant, i, e) {
        const char *r = json_string_value(e);
        if (!r)
            return false;
        if (has(owner, r))
            continue;
        const char *slash = strchr(r, '/');
        if (slash) {
            cleanup_free char *star = gt_xasprintf("*%s", slash);
            if (has(owner, star))
                continue;
        }
        return false;
    }
    return true;
}

static bool urls_cover(const json_t *owner, const json_t *servant)
{
    size_t i, j;
    json_t *e, *o;
    json_array_foreach(servant, i, e) {
        const char *v = json_string_value(e);
        bool ok = false;
        json_array_foreach(owner, j, o) {
            const char *s = json_string_value(o);
            if (!s || !v)
                continue;
            size_t n = strlen(s);
            if (strcmp(s, "*") == 0 || strcmp(s, v) == 0) {
                ok = true;
                break;
            }
            if (n && s[n - 1] == '*') {
                while (n && s[n - 1] == '*')
                    n--;
                if (strncmp(v, s, n) == 0) {
                    ok = true;
                    break;
                }
            }
        }
        if (!ok)
            return false;
    }
    return true;
}

static json_t *arr(const json_t *rule, const char *key)
{
    json_t *a = gt_kobj_arr(rule, key);
    return a;
}

static bool rule_covers(const json_t *o, const json_t *s)
{
    bool verbs = has(arr(o, "verbs"), "*") || has_all(arr(o, "verbs"), arr(s, "verbs"));
    bool groups = has(arr(o, "apiGroups"), "*") || has_all(arr(o, "apiGroups"), arr(s, "apiGroups"));
    bool res = resources_cover(arr(o, "resources"), arr(s, "resources"));
    bool urls = urls_cover(arr(o, "nonResourceURLs"), arr(s, "nonResourceURLs"));
    bool names = json_array_size(arr(s, "resourceNames")) == 0
                     ? json_array_size(arr(o, "resourceNames")) == 0
                     : json_array_size(arr(o, "resourceNames")) == 0 ||
                           has_all(arr(o, "resourceNames"), arr(s, "resourceNames"));
    return verbs && groups && res && urls && names;
}

/* BreakdownRule: one group, resource, verb (and resource name) each. */
static void breakdown(const json_t *rule, json_t *out)
{
    size_t gi, ri, vi, ni;
    json_t *g, *r, *v, *n;
    json_array_foreach(arr(rule, "apiGroups"), gi, g) {
        json_array_foreach(arr(rule, "resources"), ri, r) {
            json_array_foreach(arr(rule, "verbs"), vi, v) {
                if (json_array_size(arr(rule, "resourceNames"))) {
                    json_array_foreach(arr(rule, "resourceNames"), ni, n)
                        json_array_append_new(out, json_pack("{s:[O],s:[O],s:[O],s:[O]}",
                                                             "apiGroups", g, "resources", r,
                                                             "verbs", v, "resourceNames", n));
                } else
                    json_array_append_new(out, json_pack("{s:[O],s:[O],s:[O]}", "apiGroups", g,
                                                         "resources", r, "verbs", v));
            }
        }
    }
    json_array_foreach(arr(rule, "nonResourceURLs"), ri, r) {
        json_array_foreach(arr(rule, "verbs"), vi, v)
            json_array_append_new(out, json_pack("{s:[O],s:[O]}", "nonResourceURLs", r, "verbs",
                                                 v));
    }
}

bool gt_krbac_covers(const json_t *owner, const json_t *servant, json_t **missing)
{
    json_t *sub = json_array(), *miss = json_array();
    size_t i, j;
    json_t *r, *o;
    json_array_foreach(servant, i, r) if (json_is_object(r)) breakdown(r, sub);
    json_array_foreach(sub, i, r) {
        bool covered = false;
        json_array_foreach(owner, j, o) if (json_is_object(o) && rule_covers(o, r)) {
            covered = true;
            break;
        }
        if (!covered)
            json_array_append(miss, r);
    }
    json_decref(sub);
    bool ok = json_array_size(miss) == 0;
    if (missing)
        *missing = miss;
    else
        json_decref(miss);
    return ok;
}

/* Go's %q of a []string: ["a" "b"] */
static void quote_list(char **w, const json_t *a)
{
    *w += sprintf(*w, "[");
    size_t i;
    json_t *e;
    json_array_foreach(a, i, e) *w += sprintf(*w, "%s\"%s\"", i ? " " : "",
                                              json_string_value(e) ? json_string_value(e) : "");
}

static size_t list_len(const json_t *a)
{
    size_t n = 3, i;
    json_t *e;
    json_array_foreach(a, i, e) n += json_string_length(e) * 2 + 3;
    return n;
}

/* rbacv1helpers.CompactString */
static char *compact_string(const json_t *rule)
{
    static const char *const keys[] = { "apiGroups", "resources", "nonResourceURLs",
                                        "resourceNames", "verbs" };
    static const char *const names[] = { "APIGroups", "Resources", "NonResourceURLs",
                                         "ResourceNames", "Verbs" };
    size_t len = 8;
    for (int k = 0; k < 5; k++)
        len += 20 + list_len(arr(rule, keys[k]));
    char *s = gt_xmalloc(len), *w = s;
    bool first = true;
    w += sprintf(w, "{");
    for (int k = 0; k < 5; k++) {
        json_t *a = arr(rule, keys[k]);
        if (!json_array_size(a))
            continue;
        w += sprintf(w, "%s%s:", first ? "" : ", ", names[k]);
        quote_list(&w, a);
        w += sprintf(w, "]");
        first = false;
    }
    sprintf(w, "}");
    return s;
}

/* CompactRules: rules of one group and resource (and at most one name)
 * that differ only by verb are merged. */
static json_t *compact(const json_t *rules)
{
    json_t *out = json_array(), *simple = json_object();
    size_t i;
    json_t *r;
    json_array_foreach(rules, i, r) {
        bool is_simple = gt_kobj_len(r, "apiGroups") == 1 && gt_kobj_len(r, "resources") == 1 &&
                         gt_kobj_len(r, "resourceNames") <= 1 && !gt_kobj_len(r, "nonResourceURLs");
        if (!is_simple) {
            json_array_append(out, r);
            continue;
        }
        const char *name = json_string_value(json_array_get(arr(r, "resourceNames"), 0));
        cleanup_free char *key = gt_xasprintf(
            "%s\n%s\n%d%s", json_string_value(json_array_get(arr(r, "apiGroups"), 0)),
            json_string_value(json_array_get(arr(r, "resources"), 0)), name != NULL,
            name ? name : "");
        json_t *cur = json_object_get(simple, key);
        if (cur)
            json_array_extend(json_object_get(cur, "verbs"), arr(r, "verbs"));
        else {
            json_t *c = json_deep_copy(r);
            json_object_set_new(simple, key, c);
            json_array_append(out, c);
        }
    }
    json_decref(simple);
    return out;
}

static int cmpstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The writer's own rules where the object takes effect. */
static json_t *owner_rules(const struct gt_klister *l, const struct gt_kuser *u, const char *ns)
{
    json_t *req = json_pack("{s:{s:s}}", "spec", "namespace", ns ? ns : "");
    json_t *review = gt_krbac_rules_review(l, req, u);
    json_t *rules = json_array();
    json_t *res = gt_kobj_arr(review, "status.resourceRules");
    json_t *non = gt_kobj_arr(review, "status.nonResourceRules");
    if (res)
        json_array_extend(rules, res);
    if (non)
        json_array_extend(rules, non);
    json_decref(review);
    json_decref(req);
    return rules;
}

static bool masters(const struct gt_kuser *u)
{
    return gt_kuser_in_group(u, GT_KGROUP_MASTERS);
}

static bool may(const struct gt_klister *l, const struct gt_kuser *u, const char *verb,
                const char *resource, const char *ns, const char *name)
{
    struct gt_kauthz_attrs a = { .user = u, .verb = verb, .resource_request = true,
                                 .api_group = GT_KRBAC_GROUP, .resource = resource,
                                 .namespace = ns, .name = name };
    return gt_krbac_authorize(l, &a, NULL) == GT_KAUTHZ_ALLOW;
}

static json_t *forbidden(const char *resource, const char *name, const struct gt_kuser *u,
                         const json_t *missing)
{
    json_t *rules = compact(missing);
    size_t n = json_array_size(rules), i;
    char **lines = gt_xcalloc(n + 1, sizeof(*lines));
    size_t len = 256 + strlen(u->name);
    for (i = 0; i < n; i++) {
        lines[i] = compact_string(json_array_get(rules, i));
        len += strlen(lines[i]) + 1;
    }
    qsort(lines, n, sizeof(*lines), cmpstr);
    for (char **g = u->groups; g && *g; g++)
        len += strlen(*g) + 3;
    char *msg = gt_xmalloc(len), *w = msg;
    w += sprintf(w, "user \"%s\" (groups=[", u->name);
    for (char **g = u->groups; g && *g; g++)
        w += sprintf(w, "%s\"%s\"", g == u->groups ? "" : " ", *g);
    w += sprintf(w, "]) is attempting to grant RBAC permissions not currently held:");
    for (i = 0; i < n; i++)
        if (!i || strcmp(lines[i], lines[i - 1]) != 0)
            w += sprintf(w, "\n%s", lines[i]);
    json_t *st = gt_kstatus_forbidden(GT_KRBAC_GROUP, resource, name, msg);
    for (i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
    free(msg);
    json_decref(rules);
    return st;
}

int gt_krbac_check_escalation(const struct gt_klister *l, const struct gt_kuser *u,
                              const char *resource, const json_t *obj, json_t **status)
{
    *status = NULL;
    if (!u || masters(u))
        return 0;
    const char *name = gt_kobj_name(obj);
    bool cluster = strcmp(resource, "clusterroles") == 0 ||
                   strcmp(resource, "clusterrolebindings") == 0;
    const char *ns = cluster ? "" : gt_kobj_namespace(obj);
    json_t *servant = NULL;
    if (strcmp(resource, "roles") == 0 || strcmp(resource, "clusterroles") == 0) {
        if (may(l, u, "escalate", resource, ns, name))
            return 0;
        if (cluster && gt_kobj_obj(obj, "aggregationRule")) {
            json_t *all = json_pack("[{s:[s],s:[s],s:[s]},{s:[s],s:[s]}]", "apiGroups", "*",
                                    "resources", "*", "verbs", "*", "nonResourceURLs", "*",
                                    "verbs", "*");
            json_t *owner = owner_rules(l, u, "");
            bool ok = gt_krbac_covers(owner, all, NULL);
            json_decref(owner);
            json_decref(all);
            if (!ok) {
                *status = gt_kstatus_forbidden(GT_KRBAC_GROUP, resource, name,
                                               "must have cluster-admin privileges to use the "
                                               "aggregationRule");
                return -EACCES;
            }
            return 0;
        }
        json_t *rules = gt_kobj_arr(obj, "rules");
        servant = rules ? json_incref(rules) : json_array();
    } else if (strcmp(resource, "rolebindings") == 0 ||
               strcmp(resource, "clusterrolebindings") == 0) {
        const char *kind = gt_kobj_str(obj, "roleRef.kind", "");
        const char *rname = gt_kobj_str(obj, "roleRef.name", "");
        bool role = strcmp(kind, "Role") == 0;
        if (may(l, u, "bind", role ? "roles" : "clusterroles", ns, rname))
            return 0;
        json_t *r = role ? gt_klister_get(l, "roles", ns, rname)
                         : gt_klister_get(l, "clusterroles", "", rname);
        if (!r) {
            *status = gt_kstatus_not_found(GT_KRBAC_GROUP, role ? "roles" : "clusterroles", rname);
            return -ENOENT;
        }
        json_t *rules = gt_kobj_arr(r, "rules");
        servant = rules ? json_incref(rules) : json_array();
        json_decref(r);
    } else
        return 0;
    json_t *owner = owner_rules(l, u, ns);
    json_t *missing = NULL;
    bool ok = gt_krbac_covers(owner, servant, &missing);
    json_decref(owner);
    json_decref(servant);
    if (!ok)
        *status = forbidden(resource, name, u, missing);
    json_decref(missing);
    return ok ? 0 : -EACCES;
}
