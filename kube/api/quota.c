/* ResourceQuota: usage of a namespace's objects and the admission check
 * (see quota.h).  The check reads status.used of each quota and moves it
 * with a compare-and-swap before the object is stored, as Kubernetes'
 * quota admission does; the control loop recomputes used from the objects
 * themselves, which corrects what a failed create left counted. */
#include "kube/api/quota.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "kube/api/admission.h"
#include "kube/api/registry.h"
#include "kube/obj.h"
#include "kube/quantity.h"

/* Legacy object-count names of the core group. */
static const struct {
    const char *resource, *quota;
} counts[] = {
    { "pods", "pods" },
    { "services", "services" },
    { "configmaps", "configmaps" },
    { "secrets", "secrets" },
    { "persistentvolumeclaims", "persistentvolumeclaims" },
    { "resourcequotas", "resourcequotas" },
    { "replicationcontrollers", "replicationcontrollers" },
};

static bool pod_terminal(const json_t *pod)
{
    const char *p = gt_kobj_str(pod, "status.phase", "");
    return !strcmp(p, "Succeeded") || !strcmp(p, "Failed");
}

/* Adds q (a quantity JSON value) into sum[name]. */
static void add_q(json_t *sum, const char *name, const json_t *v)
{
    struct gt_kq q, cur, out;
    if (gt_kq_from_json(v, &q, NULL) < 0)
        return;
    json_t *have = json_object_get(sum, name);
    if (!have || gt_kq_from_json(have, &cur, NULL) < 0)
        gt_kq_from_int(0, 0, q.format, &cur);
    if (gt_kq_add(&cur, &q, &out) < 0)
        return;
    char buf[GT_KQ_STR_MAX];
    json_object_set_new(sum, name, json_string(gt_kq_format(&out, buf)));
}

/* max(a, b) into a (quantities). */
static void max_q(json_t *dst, const char *name, const json_t *v)
{
    struct gt_kq q, cur;
    if (gt_kq_from_json(v, &q, NULL) < 0)
        return;
    json_t *have = json_object_get(dst, name);
    if (have && gt_kq_from_json(have, &cur, NULL) == 0 && gt_kq_cmp(&cur, &q) >= 0)
        return;
    char buf[GT_KQ_STR_MAX];
    json_object_set_new(dst, name, json_string(gt_kq_format(&q, buf)));
}

/* The pod's effective requests and limits: the sum over containers, or
 * the largest init container when that is larger.  Keys "requests.cpu",
 * "limits.memory", ... */
static json_t *pod_compute(const json_t *pod)
{
    json_t *sum = json_object(), *init = json_object();
    static const char *const kinds[] = { "requests", "limits" };
    size_t i;
    json_t *c;
    json_array_foreach(gt_kobj_arr(pod, "spec.containers"), i, c) {
        for (size_t k = 0; k < 2; k++) {
            const char *res;
            json_t *v;
            json_object_foreach(gt_kobj_obj(c, kinds[k] == kinds[0] ? "resources.requests"
                                                                     : "resources.limits"),
                                res, v) {
                char name[128];
                snprintf(name, sizeof name, "%s.%s", kinds[k], res);
                add_q(sum, name, v);
            }
        }
    }
    json_array_foreach(gt_kobj_arr(pod, "spec.initContainers"), i, c) {
        for (size_t k = 0; k < 2; k++) {
            const char *res;
            json_t *v;
            json_object_foreach(gt_kobj_obj(c, k == 0 ? "resources.requests" : "resources.limits"),
                                res, v) {
                char name[128];
                snprintf(name, sizeof name, "%s.%s", kinds[k], res);
                max_q(init, name, v);
            }
        }
    }
    const char *key;
    json_t *v;
    json_object_foreach(init, key, v)
        max_q(sum, key, v);
    json_decref(init);
    return sum;
}

/* What one object adds to each quota'd resource. */
static json_t *usage_of(const struct gt_kind *k, const json_t *obj)
{
    json_t *u = json_object();
    char name[200];
    if (k->group[0])
        snprintf(name, sizeof name, "count/%s.%s", k->resource, k->group);
    else
        snprintf(name, sizeof name, "count/%s", k->resource);
    json_object_set_new(u, name, json_string("1"));
    if (!k->group[0])
        for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
            if (!strcmp(counts[i].resource, k->resource))
                json_object_set_new(u, counts[i].quota, json_string("1"));
    if (kadm_is_pod(k)) {
        json_t *c = pod_compute(obj);
        const char *key;
        json_t *v;
        json_object_foreach(c, key, v) {
            json_object_set(u, key, v);
            /* "cpu" and "memory" mean their requests */
            if (!strncmp(key, "requests.", 9))
                json_object_set(u, key + 9, v);
        }
        json_decref(c);
    }
    if (!k->group[0] && !strcmp(k->resource, "services")) {
        const char *t = gt_kobj_str(obj, "spec.type", "ClusterIP");
        size_t nports = gt_kobj_len(obj, "spec.ports");
        if (!strcmp(t, "LoadBalancer")) {
            json_object_set_new(u, "services.loadbalancers", json_string("1"));
            snprintf(name, sizeof name, "%zu", nports);
            json_object_set_new(u, "services.nodeports", json_string(name));
        } else if (!strcmp(t, "NodePort")) {
            snprintf(name, sizeof name, "%zu", nports);
            json_object_set_new(u, "services.nodeports", json_string(name));
        }
    }
    return u;
}

static bool counts_for_quota(const struct gt_kind *k, const json_t *obj)
{
    return !(kadm_is_pod(k) && pod_terminal(obj));
}

struct usage_acc {
    const struct gt_kind *k;
    json_t *hard, *used;
};

static void accumulate(const json_t *obj, void *ctx)
{
    struct usage_acc *a = ctx;
    if (!counts_for_quota(a->k, obj))
        return;
    json_t *u = usage_of(a->k, obj);
    const char *key;
    json_t *v;
    json_object_foreach(u, key, v)
        if (json_object_get(a->hard, key))
            add_q(a->used, key, v);
    json_decref(u);
}

json_t *kquota_status(struct gt_kapi *api, const json_t *quota)
{
    json_t *hard = gt_kobj_obj(quota, "spec.hard");
    json_t *used = json_object();
    const char *ns = gt_kobj_namespace(quota);
    const char *key;
    json_t *v;
    json_object_foreach(hard, key, v)
        json_object_set_new(used, key, json_string("0"));
    size_t n;
    const struct gt_kind *const *all = gt_kinds(&n);
    for (size_t i = 0; i < n; i++) {
        if (!all[i]->namespaced || (all[i]->flags & GT_KIND_CREATE_ONLY))
            continue;
        struct usage_acc a = { all[i], hard, used };
        gt_kwc_foreach(api->cache, all[i], ns, accumulate, &a);
    }
    return json_pack("{s:o,s:o}", "hard", hard ? json_deep_copy(hard) : json_object(), "used",
                     used);
}

/* ---- admission ---- */

struct charge {
    const json_t *delta;
    char *failure; /* set when over */
    const char *quota_name;
};

static int charge_mutate(json_t *cur, json_t **out, void *ctx, json_t **st)
{
    struct charge *ch = ctx;
    json_t *hard = gt_kobj_obj(cur, "status.hard");
    if (!hard)
        hard = gt_kobj_obj(cur, "spec.hard");
    json_t *used = gt_kobj_obj(cur, "status.used");
    json_t *new_used = used ? json_deep_copy(used) : json_object();
    char *req = gt_xstrdup(""), *usd = gt_xstrdup(""), *lim = gt_xstrdup("");
    bool over = false, touched = false;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)ch->delta, key, v) {
        json_t *h = json_object_get(hard, key);
        if (!h)
            continue;
        touched = true;
        json_t *u0 = json_object_get(new_used, key);
        struct gt_kq hq, uq, dq, sum;
        if (gt_kq_from_json(h, &hq, NULL) < 0 || gt_kq_from_json(v, &dq, NULL) < 0)
            continue;
        if (!u0 || gt_kq_from_json(u0, &uq, NULL) < 0)
            gt_kq_from_int(0, 0, dq.format, &uq);
        if (gt_kq_add(&uq, &dq, &sum) < 0)
            continue;
        char b1[GT_KQ_STR_MAX], b2[GT_KQ_STR_MAX], b3[GT_KQ_STR_MAX];
        if (gt_kq_cmp(&sum, &hq) > 0) {
            over = true;
            char *n1 = gt_xasprintf("%s%s%s=%s", req, req[0] ? "," : "", key,
                                    gt_kq_format(&dq, b1));
            char *n2 = gt_xasprintf("%s%s%s=%s", usd, usd[0] ? "," : "", key,
                                    gt_kq_format(&uq, b2));
            char *n3 = gt_xasprintf("%s%s%s=%s", lim, lim[0] ? "," : "", key,
                                    gt_kq_format(&hq, b3));
            free(req);
            free(usd);
            free(lim);
            req = n1;
            usd = n2;
            lim = n3;
        }
        json_object_set_new(new_used, key, json_string(gt_kq_format(&sum, b1)));
    }
    int rc;
    if (over) {
        ch->failure = gt_xasprintf("exceeded quota: %s, requested: %s, used: %s, limited: %s",
                                   gt_kobj_name(cur), req, usd, lim);
        rc = gt_kst_fail(st, 403, NULL, "%s", ch->failure);
    } else if (!touched) {
        rc = 1;
    } else {
        json_t *status = gt_kobj_ensure(cur, "status");
        json_object_set(status, "hard", hard ? hard : json_object());
        json_object_set_new(status, "used", new_used);
        new_used = NULL;
        rc = 0;
    }
    json_decref(new_used);
    free(req);
    free(usd);
    free(lim);
    return rc;
}

struct quota_list {
    char **names;
};

static void collect_quota(const json_t *q, void *ctx)
{
    struct quota_list *l = ctx;
    gt_strv_push(&l->names, gt_kobj_name(q));
}

int kadm_quota_validate(struct kreq *r, const struct gt_kind *k, enum kapi_op op,
                        const json_t *obj, const json_t *old, json_t **st)
{
    if (op != KOP_CREATE || !k->namespaced || (k->flags & GT_KIND_CREATE_ONLY))
        return 0;
    if (gt_http_req_query(r->http, "dryRun"))
        return 0;
    const struct gt_kind *qk = kapi_kind_named("", "resourcequotas");
    const char *ns = gt_kobj_namespace(obj);
    struct quota_list l = { 0 };
    gt_kwc_foreach(r->api->cache, qk, ns, collect_quota, &l);
    if (!l.names)
        return 0;
    json_t *delta = usage_of(k, obj);
    int rc = 0;
    for (char **n = l.names; *n && rc == 0; n++) {
        /* a quota on compute resources needs them specified */
        if (kadm_is_pod(k)) {
            json_t *q = gt_kwc_get(r->api->cache, qk, ns, *n);
            json_t *hard = gt_kobj_obj(q, "spec.hard");
            const char *key;
            json_t *v;
            json_object_foreach(hard, key, v) {
                bool compute = !strncmp(key, "requests.", 9) || !strncmp(key, "limits.", 7) ||
                               !strcmp(key, "cpu") || !strcmp(key, "memory");
                if (compute && !json_object_get(delta, key)) {
                    rc = gt_kst_fail(st, 403, NULL,
                                     "pods \"%s\" is forbidden: failed quota: %s: must specify "
                                     "%s",
                                     gt_kobj_name(obj), *n, key);
                    break;
                }
            }
            json_decref(q);
            if (rc < 0)
                break;
        }
        struct charge ch = { delta, NULL, *n };
        json_t *res = NULL, *qst = NULL;
        if (gt_kreg_guaranteed_update(r->api->store, qk, ns, *n, charge_mutate, &ch, &res,
                                      &qst) < 0) {
            if (ch.failure) {
                char q[160];
                rc = gt_kst_fail(st, 403, NULL, "%s \"%s\" is forbidden: %s",
                                 gt_kst_qualified(k->group, k->resource, q), gt_kobj_name(obj),
                                 ch.failure);
                gt_kst_details(*st, gt_kobj_name(obj), k->group, k->resource);
            } else if (json_integer_value(json_object_get(qst, "code")) != 404) {
                rc = -1;
                json_decref(*st);
                *st = json_incref(qst);
            }
        }
        free(ch.failure);
        json_decref(qst);
        json_decref(res);
    }
    json_decref(delta);
    gt_strv_free(l.names);
    return rc;
}
