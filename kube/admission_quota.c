/* ResourceQuota admission and usage (kube/admission.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/mem.h"
#include "kube/admission_internal.h"
#include "kube/meta.h"
#include "kube/obj.h"
#include "kube/status.h"

#define SC_SUFFIX ".storageclass.storage.k8s.io/"

enum family { F_POD, F_SERVICE, F_PVC, F_GENERIC };

struct target {
    enum family family;
    char count[300];  /* "count/pods", "count/deployments.apps" */
    const char *legacy; /* "configmaps", ... or NULL */
    char list_name[300]; /* the lister's resource name */
};

static const char *const legacy_names[] = { "configmaps", "secrets", "replicationcontrollers",
                                            "resourcequotas", NULL };

static void target_of(const char *group, const char *resource, struct target *t)
{
    memset(t, 0, sizeof(*t));
    bool core = !group || !*group;
    if (core)
        snprintf(t->list_name, sizeof(t->list_name), "%s", resource);
    else
        snprintf(t->list_name, sizeof(t->list_name), "%s.%s", resource, group);
    snprintf(t->count, sizeof(t->count), "count/%s", t->list_name);
    t->family = F_GENERIC;
    if (core && strcmp(resource, "pods") == 0)
        t->family = F_POD;
    else if (core && strcmp(resource, "services") == 0)
        t->family = F_SERVICE;
    else if (core && strcmp(resource, "persistentvolumeclaims") == 0)
        t->family = F_PVC;
    else if (core)
        for (const char *const *l = legacy_names; *l; l++)
            if (strcmp(*l, resource) == 0)
                t->legacy = *l;
}

static bool starts(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

static bool ends(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Whether a quota resource name is counted for objects of this target. */
static bool tracks(const struct target *t, const char *key)
{
    if (strcmp(key, t->count) == 0)
        return true;
    switch (t->family) {
    case F_POD: {
        static const char *const names[] = { "pods", "cpu", "memory", "ephemeral-storage", NULL };
        for (const char *const *n = names; *n; n++)
            if (strcmp(key, *n) == 0)
                return true;
        if (strcmp(key, "requests.storage") == 0 || strstr(key, SC_SUFFIX))
            return false; /* claims' */
        return starts(key, "requests.") || starts(key, "limits.") || starts(key, "hugepages-");
    }
    case F_SERVICE:
        return strcmp(key, "services") == 0 || strcmp(key, "services.loadbalancers") == 0 ||
               strcmp(key, "services.nodeports") == 0;
    case F_PVC:
        return strcmp(key, "persistentvolumeclaims") == 0 ||
               strcmp(key, "requests.storage") == 0 ||
               (strstr(key, SC_SUFFIX) &&
                (ends(key, "/requests.storage") || ends(key, "/persistentvolumeclaims")));
    case F_GENERIC:
        return t->legacy && strcmp(key, t->legacy) == 0;
    }
    return false;
}

static void put_int(json_t *u, const char *key, int64_t v)
{
    struct gt_kq q;
    gt_kq_from_int(v, 0, GT_KQ_DECIMAL_SI, &q);
    gt_kres_add(u, key, &q);
}

static bool pod_terminal(const json_t *pod, int64_t now)
{
    const char *phase = gt_kobj_str(pod, "status.phase", "");
    if (strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0)
        return true;
    const char *dt = gt_kobj_str(pod, "metadata.deletionTimestamp", NULL);
    json_t *grace = gt_kobj_get(pod, "metadata.deletionGracePeriodSeconds");
    struct timespec ts;
    return dt && json_is_integer(grace) && gt_kmeta_time_parse(dt, &ts, NULL) == 0 &&
           now > ts.tv_sec + json_integer_value(grace);
}

static void pod_compute(json_t *u, const json_t *requests, const json_t *limits)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)requests, k, v) {
        struct gt_kq q;
        if (gt_kq_from_json(v, &q, NULL) != 0)
            continue;
        char key[300];
        if (strcmp(k, "cpu") == 0 || strcmp(k, "memory") == 0 ||
            strcmp(k, "ephemeral-storage") == 0 || starts(k, "hugepages-"))
            gt_kres_add(u, k, &q);
        snprintf(key, sizeof key, "requests.%s", k);
        gt_kres_add(u, key, &q);
    }
    json_object_foreach((json_t *)limits, k, v) {
        struct gt_kq q;
        if (gt_kq_from_json(v, &q, NULL) != 0)
            continue;
        if (strcmp(k, "cpu") != 0 && strcmp(k, "memory") != 0 &&
            strcmp(k, "ephemeral-storage") != 0)
            continue;
        char key[300];
        snprintf(key, sizeof key, "limits.%s", k);
        gt_kres_add(u, key, &q);
    }
}

/* The quota usage of one object (a new resource list). */
static json_t *usage(const struct target *t, const json_t *obj, int64_t now)
{
    json_t *u = json_object();
    put_int(u, t->count, 1);
    switch (t->family) {
    case F_POD:
        if (!pod_terminal(obj, now)) {
            put_int(u, "pods", 1);
            json_t *spec = gt_kobj_obj(obj, "spec");
            json_t *reqs = gt_kres_pod_requests(spec), *lims = gt_kres_pod_limits(spec);
            pod_compute(u, reqs, lims);
            json_decref(reqs);
            json_decref(lims);
        }
        break;
    case F_SERVICE: {
        put_int(u, "services", 1);
        const char *type = gt_kobj_str(obj, "spec.type", "ClusterIP");
        size_t ports = gt_kobj_len(obj, "spec.ports");
        if (strcmp(type, "LoadBalancer") == 0) {
            put_int(u, "services.loadbalancers", 1);
            if (!json_is_false(gt_kobj_get(obj, "spec.allocateLoadBalancerNodePorts")))
                put_int(u, "services.nodeports", (int64_t)ports);
        } else if (strcmp(type, "NodePort") == 0)
            put_int(u, "services.nodeports", (int64_t)ports);
        break;
    }
    case F_PVC: {
        put_int(u, "persistentvolumeclaims", 1);
        struct gt_kq q;
        bool has = gt_kres_get(gt_kobj_obj(obj, "spec.resources.requests"), "storage", &q);
        if (has)
            gt_kres_add(u, "requests.storage", &q);
        const char *sc = gt_kobj_str(obj, "spec.storageClassName", "");
        if (*sc) {
            char key[600];
            snprintf(key, sizeof key, "%s" SC_SUFFIX "persistentvolumeclaims", sc);
            put_int(u, key, 1);
            if (has) {
                snprintf(key, sizeof key, "%s" SC_SUFFIX "requests.storage", sc);
                gt_kres_add(u, key, &q);
            }
        }
        break;
    }
    case F_GENERIC:
        if (t->legacy)
            put_int(u, t->legacy, 1);
        break;
    }
    return u;
}

/* ---- scopes ---- */

static bool best_effort(const json_t *spec)
{
    static const char *const lists[] = { "containers", "initContainers" };
    for (int l = 0; l < 2; l++) {
        size_t i;
        json_t *c;
        json_array_foreach(gt_kobj_arr(spec, lists[l]), i, c) {
            static const char *const which[] = { "resources.requests", "resources.limits" };
            for (int w = 0; w < 2; w++) {
                json_t *rl = gt_kobj_obj(c, which[w]);
                if (json_object_get(rl, "cpu") || json_object_get(rl, "memory"))
                    return false;
            }
        }
    }
    return true;
}

static bool scope_matches(const char *scope, const char *op, const json_t *values,
                          const json_t *pod)
{
    json_t *spec = gt_kobj_obj(pod, "spec");
    bool v;
    if (strcmp(scope, "Terminating") == 0 || strcmp(scope, "NotTerminating") == 0) {
        json_t *ads = gt_kobj_get(spec, "activeDeadlineSeconds");
        v = json_is_integer(ads) && json_integer_value(ads) >= 0;
        if (scope[0] == 'N')
            v = !v;
    } else if (strcmp(scope, "BestEffort") == 0 || strcmp(scope, "NotBestEffort") == 0) {
        v = best_effort(spec);
        if (scope[0] == 'N')
            v = !v;
    } else if (strcmp(scope, "PriorityClass") == 0) {
        const char *pc = gt_kobj_str(spec, "priorityClassName", "");
        bool in = false;
        size_t i;
        json_t *e;
        json_array_foreach(values, i, e) in |= json_is_string(e) &&
                                               strcmp(json_string_value(e), pc) == 0;
        if (!op || strcmp(op, "Exists") == 0)
            return *pc != 0;
        if (strcmp(op, "DoesNotExist") == 0)
            return *pc == 0;
        if (strcmp(op, "In") == 0)
            return in;
        if (strcmp(op, "NotIn") == 0)
            return !in;
        return false;
    } else
        return false; /* CrossNamespacePodAffinity and unknown scopes */
    if (op && strcmp(op, "DoesNotExist") == 0)
        return !v;
    return v;
}

static bool scopes_match(const json_t *quota, const struct target *t, const json_t *obj)
{
    json_t *scopes = gt_kobj_arr(quota, "spec.scopes");
    json_t *exprs = gt_kobj_arr(quota, "spec.scopeSelector.matchExpressions");
    if (!json_array_size(scopes) && !json_array_size(exprs))
        return true;
    if (t->family != F_POD)
        return false;
    size_t i;
    json_t *s;
    json_array_foreach(scopes, i, s) if (!json_is_string(s) ||
                                         !scope_matches(json_string_value(s), NULL, NULL, obj))
        return false;
    json_array_foreach(exprs, i, s) if (!scope_matches(gt_kobj_str(s, "scopeName", ""),
                                                       gt_kobj_str(s, "operator", "Exists"),
                                                       gt_kobj_arr(s, "values"), obj))
        return false;
    return true;
}

/* ---- usage from scratch ---- */

/* Adds the usage of every object of t in ns that the quota selects. */
static bool sum_usage(json_t *total, const json_t *quota, const struct target *t,
                      const struct gt_klister *l, const char *ns, int64_t now)
{
    json_t *objs = gt_klister_list(l, t->list_name, ns);
    if (!objs)
        return false;
    size_t i;
    json_t *o;
    json_array_foreach(objs, i, o) {
        if (!json_is_object(o) || strcmp(gt_kobj_namespace(o), ns) != 0 ||
            !scopes_match(quota, t, o))
            continue;
        json_t *u = usage(t, o, now);
        const char *k;
        json_t *v;
        json_object_foreach(u, k, v) {
            struct gt_kq q;
            if (gt_kq_from_json(v, &q, NULL) == 0)
                gt_kres_add(total, k, &q);
        }
        json_decref(u);
    }
    json_decref(objs);
    return true;
}

/* The target a quota key is counted on ("pods" for cpu, ...). */
static bool target_of_key(const char *key, struct target *t)
{
    if (starts(key, "count/")) {
        const char *r = key + 6;
        const char *dot = strchr(r, '.');
        char res[256], grp[256];
        snprintf(res, sizeof res, "%.*s", dot ? (int)(dot - r) : (int)strlen(r), r);
        snprintf(grp, sizeof grp, "%s", dot ? dot + 1 : "");
        if (!*res)
            return false;
        target_of(grp, res, t);
        return true;
    }
    static const char *const fams[] = { "pods", "services", "persistentvolumeclaims" };
    for (int f = 0; f < 3; f++) {
        target_of("", fams[f], t);
        if (tracks(t, key))
            return true;
    }
    for (const char *const *n = legacy_names; *n; n++)
        if (strcmp(key, *n) == 0) {
            target_of("", *n, t);
            return true;
        }
    return false;
}

json_t *gt_kquota_usage(const json_t *quota, const struct gt_klister *l, int64_t now)
{
    const char *ns = gt_kobj_namespace(quota);
    json_t *hard = gt_kobj_obj(quota, "spec.hard");
    json_t *all = json_object(); /* list name -> usage of that target */
    json_t *out = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(hard, k, v) {
        struct target t;
        struct gt_kq q;
        gt_kq_from_int(0, 0, GT_KQ_DECIMAL_SI, &q);
        if (target_of_key(k, &t)) {
            json_t *u = json_object_get(all, t.list_name);
            if (!u) {
                u = json_object();
                if (!sum_usage(u, quota, &t, l, ns, now)) {
                    json_decref(u);
                    json_decref(all);
                    json_decref(out);
                    return NULL;
                }
                json_object_set_new(all, t.list_name, u);
            }
            gt_kres_get(u, k, &q);
        }
        gt_kres_set(out, k, &q);
    }
    json_decref(all);
    return out;
}

/* ---- admission ---- */

static const char *const compute_names[] = { "cpu", "memory", "requests.cpu", "requests.memory",
                                             "limits.cpu", "limits.memory", NULL };

/* Every container must state the cpu/memory resources that a quota
 * limits: "must specify limits.cpu for: a,b; memory for: a". NULL if fine. */
static char *pod_constraints(const json_t *spec, const json_t *hard)
{
    json_t *missing = json_object(); /* resource -> {container: true} */
    static const char *const lists[] = { "containers", "initContainers" };
    for (int l = 0; l < 2; l++) {
        size_t i;
        json_t *c;
        json_array_foreach(gt_kobj_arr(spec, lists[l]), i, c) {
            json_t *cu = json_object();
            pod_compute(cu, gt_kobj_obj(c, "resources.requests"),
                        gt_kobj_obj(c, "resources.limits"));
            for (const char *const *n = compute_names; *n; n++) {
                if (!json_object_get(hard, *n) || json_object_get(cu, *n))
                    continue;
                json_t *set = json_object_get(missing, *n);
                if (!set) {
                    set = json_object();
                    json_object_set_new(missing, *n, set);
                }
                json_object_set_new(set, gt_kobj_str(c, "name", ""), json_true());
            }
            json_decref(cu);
        }
    }
    char *msg = NULL;
    if (json_object_size(missing)) {
        size_t len = 32;
        cleanup_strv char **res = gt_kres_sorted_keys(missing);
        for (char **r = res; *r; r++) {
            cleanup_strv char **names = gt_kres_sorted_keys(json_object_get(missing, *r));
            len += strlen(*r) + 8;
            for (char **n = names; *n; n++)
                len += strlen(*n) + 1;
        }
        char *w = msg = gt_xmalloc(len);
        w += sprintf(w, "must specify ");
        for (char **r = res; *r; r++) {
            w += sprintf(w, "%s%s for: ", r == res ? "" : "; ", *r);
            cleanup_strv char **names = gt_kres_sorted_keys(json_object_get(missing, *r));
            for (char **n = names; *n; n++)
                w += sprintf(w, "%s%s", n == names ? "" : ",", *n);
        }
    }
    json_decref(missing);
    return msg;
}

/* "a=1,b=2" of the keys of `keys` taken from list (sorted). */
static char *pretty(const json_t *list, const json_t *keys)
{
    cleanup_strv char **ks = gt_kres_sorted_keys(keys);
    size_t len = 1;
    for (char **k = ks; *k; k++)
        len += strlen(*k) + GT_KQ_STR_MAX + 2;
    char *s = gt_xmalloc(len), *w = s;
    *w = 0;
    for (char **k = ks; *k; k++) {
        struct gt_kq q;
        if (!gt_kres_get(list, *k, &q))
            continue;
        char b[GT_KQ_STR_MAX];
        w += sprintf(w, "%s%s=%s", w == s ? "" : ",", *k, gt_kq_format(&q, b));
    }
    return s;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(gt_kobj_name(*(json_t *const *)a), gt_kobj_name(*(json_t *const *)b));
}

static int quota_validate(const struct gt_kadm_plugin *p, const struct gt_kadm_attrs *a,
                          struct gt_kadm_result *r)
{
    (void)p;
    if (!gt_kadm_main(a) || !a->namespace || !*a->namespace || !json_is_object(a->obj))
        return 0;
    struct target t;
    target_of(a->group, a->resource, &t);
    bool update = a->op == GT_KADM_UPDATE;
    if (a->op != GT_KADM_CREATE && !(update && (t.family == F_SERVICE || t.family == F_PVC)))
        return 0;
    json_t *quotas = gt_klister_list(a->lister, "resourcequotas", a->namespace);
    if (!quotas) {
        r->status = gt_kadm_forbidden(a, "resource quota evaluation failed: the quotas of the "
                                         "namespace cannot be listed");
        return -EIO;
    }
    /* a stable order: the first exceeded quota by name is the one reported */
    size_t nq = json_array_size(quotas);
    json_t **qv = gt_xcalloc(nq + 1, sizeof(*qv));
    size_t n = 0;
    for (size_t i = 0; i < nq; i++) {
        json_t *q = json_array_get(quotas, i);
        if (json_is_object(q) && strcmp(gt_kobj_namespace(q), a->namespace) == 0)
            qv[n++] = q;
    }
    qsort(qv, n, sizeof(*qv), by_name);

    int rc = 0;
    json_t *interesting = json_array();
    for (size_t i = 0; i < n && rc == 0; i++) {
        json_t *hard = gt_kobj_obj(qv[i], "spec.hard");
        bool any = false;
        const char *k;
        json_t *v;
        json_object_foreach(hard, k, v) any |= tracks(&t, k);
        if (!any || !scopes_match(qv[i], &t, a->obj))
            continue;
        if (t.family == F_POD) {
            cleanup_free char *c = pod_constraints(gt_kobj_obj(a->obj, "spec"), hard);
            if (c) {
                cleanup_free char *msg = gt_xasprintf("failed quota: %s: %s", gt_kobj_name(qv[i]),
                                                      c);
                r->status = gt_kadm_forbidden(a, msg);
                rc = -EACCES;
                break;
            }
        }
        json_array_append(interesting, qv[i]);
    }
    json_t *delta = NULL, *updates = json_array();
    if (rc == 0 && json_array_size(interesting)) {
        delta = usage(&t, a->obj, a->now);
        if (update && a->old) {
            json_t *prev = usage(&t, a->old, a->now);
            const char *k;
            json_t *v;
            void *tmp;
            json_object_foreach_safe(delta, tmp, k, v) {
                struct gt_kq cur, old, d;
                if (gt_kres_get(delta, k, &cur) && gt_kres_get(prev, k, &old) &&
                    gt_kq_sub(&cur, &old, &d) == 0) {
                    if (gt_kq_sign(&d) <= 0)
                        json_object_del(delta, k);
                    else
                        gt_kres_set(delta, k, &d);
                }
            }
            json_decref(prev);
        }
        const char *k;
        json_t *v;
        void *tmp;
        json_object_foreach_safe(delta, tmp, k, v) {
            struct gt_kq q;
            if (!gt_kres_get(delta, k, &q) || gt_kq_is_zero(&q))
                json_object_del(delta, k);
        }
    }
    size_t i;
    json_t *q;
    json_array_foreach(interesting, i, q) {
        if (rc != 0 || !json_object_size(delta))
            break;
        json_t *hard = gt_kobj_obj(q, "spec.hard");
        json_t *requested = json_object();
        const char *k;
        json_t *v;
        json_object_foreach(delta, k, v) if (json_object_get(hard, k))
            json_object_set(requested, k, v);
        if (!json_object_size(requested)) {
            json_decref(requested);
            continue;
        }
        json_t *su = gt_kobj_obj(q, "status.used");
        json_t *used = su ? json_deep_copy(su) : json_object();
        bool complete = true;
        json_object_foreach(requested, k, v) complete &= json_object_get(used, k) != NULL;
        if (!complete) {
            json_t *fresh = gt_kquota_usage(q, a->lister, a->now);
            if (!fresh) {
                json_decref(requested);
                json_decref(used);
                r->status = gt_kadm_forbidden(a, "resource quota evaluation failed: the usage "
                                                 "cannot be computed");
                rc = -EIO;
                break;
            }
            json_object_foreach(fresh, k, v) if (!json_object_get(used, k))
                json_object_set(used, k, v);
            json_decref(fresh);
        }
        json_t *newused = json_deep_copy(used);
        json_t *exceeded = json_object();
        json_object_foreach(requested, k, v) {
            struct gt_kq req, h, nu;
            if (!gt_kres_get(requested, k, &req))
                continue;
            gt_kres_add(newused, k, &req);
            if (gt_kres_get(hard, k, &h) && gt_kres_get(newused, k, &nu) && gt_kq_cmp(&nu, &h) > 0)
                json_object_set_new(exceeded, k, json_true());
        }
        if (json_object_size(exceeded)) {
            cleanup_free char *rq = pretty(requested, exceeded);
            cleanup_free char *us = pretty(used, exceeded);
            cleanup_free char *hd = pretty(hard, exceeded);
            cleanup_free char *msg = gt_xasprintf(
                "exceeded quota: %s, requested: %s, used: %s, limited: %s", gt_kobj_name(q), rq,
                us, hd);
            r->status = gt_kadm_forbidden(a, msg);
            rc = -EACCES;
        } else {
            json_t *copy = json_deep_copy(q);
            json_t *st = gt_kobj_ensure(copy, "status");
            json_object_set(st, "hard", hard);
            json_object_set(st, "used", newused);
            json_array_append_new(updates, copy);
        }
        json_decref(exceeded);
        json_decref(newused);
        json_decref(used);
        json_decref(requested);
    }
    if (rc == 0 && !a->dry_run)
        json_array_extend(r->quota, updates);
    json_decref(updates);
    if (delta)
        json_decref(delta);
    json_decref(interesting);
    free(qv);
    json_decref(quotas);
    return rc;
}

const struct gt_kadm_plugin gt_kadm_resource_quota = {
    .name = "ResourceQuota",
    .validate = quota_validate,
};
