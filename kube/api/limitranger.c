/* LimitRanger admission, for pods: the namespace's LimitRanges give
 * containers their default limits (default) and requests
 * (defaultRequest) when they have none, and bound them:
 *   type Container  min (requests), max (limits), maxLimitRequestRatio,
 *                   per container and init container;
 *   type Pod        min on the sum of requests, max on the sum of limits.
 * Messages follow Kubernetes' ("minimum cpu usage per Container is 100m,
 * but request is 50m"), several joined as "[a, b]", in a 403. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "kube/api/admission.h"
#include "kube/obj.h"
#include "kube/quantity.h"

struct ranges {
    json_t *items; /* array of spec.limits items of every LimitRange */
};

static void collect(const json_t *lr, void *ctx)
{
    struct ranges *r = ctx;
    size_t i;
    json_t *it;
    json_array_foreach(gt_kobj_arr(lr, "spec.limits"), i, it)
        json_array_append(r->items, it);
}

static json_t *limit_items(struct gt_kapi *api, const char *ns)
{
    struct ranges r = { json_array() };
    gt_kwc_foreach(api->cache, kapi_kind_named("", "limitranges"), ns, collect, &r);
    return r.items;
}

static void default_map(json_t *container, const char *path, const json_t *defaults)
{
    if (!json_object_size((json_t *)defaults))
        return;
    json_t *m = gt_kobj_ensure(container, path);
    const char *res;
    json_t *v;
    json_object_foreach((json_t *)defaults, res, v)
        if (!json_object_get(m, res))
            json_object_set(m, res, v);
}

int kadm_limitranger_mutate(struct kreq *r, const struct gt_kind *k, enum kapi_op op,
                            json_t *obj, const json_t *old, json_t **st)
{
    if (op != KOP_CREATE || !kadm_is_pod(k))
        return 0;
    json_t *items = limit_items(r->api, gt_kobj_namespace(obj));
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
        if (strcmp(gt_kobj_str(it, "type", ""), "Container") != 0)
            continue;
        static const char *const lists[] = { "spec.containers", "spec.initContainers" };
        for (size_t l = 0; l < 2; l++) {
            size_t j;
            json_t *c;
            json_array_foreach(gt_kobj_arr(obj, lists[l]), j, c) {
                default_map(c, "resources.limits", gt_kobj_obj(it, "default"));
                default_map(c, "resources.requests", gt_kobj_obj(it, "defaultRequest"));
                /* a limit without a request: the request is the limit */
                json_t *lim = gt_kobj_obj(c, "resources.limits");
                if (json_object_size(lim)) {
                    json_t *req = gt_kobj_ensure(c, "resources.requests");
                    const char *res;
                    json_t *v;
                    json_object_foreach(lim, res, v)
                        if (!json_object_get(req, res))
                            json_object_set(req, res, v);
                }
            }
        }
    }
    json_decref(items);
    return 0;
}

struct msgs {
    char **v;
};

static void addf(struct msgs *m, const char *fmt, const char *a, const char *b, const char *c,
                 const char *d)
{
    char *s = gt_xasprintf(fmt, a, b, c, d);
    gt_strv_push(&m->v, s);
    free(s);
}

static bool q_of(const json_t *v, struct gt_kq *q)
{
    return v && gt_kq_from_json(v, q, NULL) == 0;
}

/* Checks one container's (or the pod's summed) requests and limits. */
static void check(struct msgs *m, const char *what, const json_t *item, const json_t *req,
                  const json_t *lim)
{
    const char *res;
    json_t *v;
    char b1[GT_KQ_STR_MAX], b2[GT_KQ_STR_MAX];
    json_object_foreach(gt_kobj_obj(item, "min"), res, v) {
        struct gt_kq min, have;
        if (!q_of(v, &min))
            continue;
        if (!q_of(json_object_get((json_t *)req, res), &have))
            addf(m, "minimum %s usage per %s is %s.  No request is specified", res, what,
                 gt_kq_format(&min, b1), "");
        else if (gt_kq_cmp(&have, &min) < 0)
            addf(m, "minimum %s usage per %s is %s, but request is %s", res, what,
                 gt_kq_format(&min, b1), gt_kq_format(&have, b2));
    }
    json_object_foreach(gt_kobj_obj(item, "max"), res, v) {
        struct gt_kq max, have;
        if (!q_of(v, &max))
            continue;
        if (!q_of(json_object_get((json_t *)lim, res), &have))
            addf(m, "maximum %s usage per %s is %s.  No limit is specified", res, what,
                 gt_kq_format(&max, b1), "");
        else if (gt_kq_cmp(&have, &max) > 0)
            addf(m, "maximum %s usage per %s is %s, but limit is %s", res, what,
                 gt_kq_format(&max, b1), gt_kq_format(&have, b2));
    }
    json_object_foreach(gt_kobj_obj(item, "maxLimitRequestRatio"), res, v) {
        struct gt_kq ratio, l, rq;
        if (!q_of(v, &ratio) || !q_of(json_object_get((json_t *)lim, res), &l) ||
            !q_of(json_object_get((json_t *)req, res), &rq) || gt_kq_is_zero(&rq))
            continue;
        /* limit/request > ratio  <=>  limit > ratio*request (milli precision) */
        __int128 lhs = (__int128)gt_kq_milli_value(&l) * 1000;
        __int128 rhs = (__int128)gt_kq_milli_value(&ratio) * gt_kq_milli_value(&rq);
        if (lhs > rhs) {
            char r1[64];
            snprintf(r1, sizeof r1, "%.6g",
                     (double)gt_kq_milli_value(&l) / (double)gt_kq_milli_value(&rq));
            addf(m, "%s max limit to request ratio per %s is %s, but provided ratio is %s", res,
                 what, gt_kq_format(&ratio, b1), r1);
        }
    }
}

static void sum_into(json_t *sum, const json_t *m)
{
    const char *res;
    json_t *v;
    json_object_foreach((json_t *)m, res, v) {
        struct gt_kq a, b, out;
        if (!q_of(v, &b))
            continue;
        if (!q_of(json_object_get(sum, res), &a))
            gt_kq_from_int(0, 0, b.format, &a);
        if (gt_kq_add(&a, &b, &out) == 0) {
            char buf[GT_KQ_STR_MAX];
            json_object_set_new(sum, res, json_string(gt_kq_format(&out, buf)));
        }
    }
}

int kadm_limitranger_validate(struct kreq *r, const struct gt_kind *k, enum kapi_op op,
                              const json_t *obj, const json_t *old, json_t **st)
{
    if (op != KOP_CREATE || !kadm_is_pod(k))
        return 0;
    json_t *items = limit_items(r->api, gt_kobj_namespace(obj));
    struct msgs m = { 0 };
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
        const char *type = gt_kobj_str(it, "type", "");
        static const char *const lists[] = { "spec.containers", "spec.initContainers" };
        if (!strcmp(type, "Container")) {
            for (size_t l = 0; l < 2; l++) {
                size_t j;
                json_t *c;
                json_array_foreach(gt_kobj_arr(obj, lists[l]), j, c)
                    check(&m, "Container", it, gt_kobj_obj(c, "resources.requests"),
                          gt_kobj_obj(c, "resources.limits"));
            }
        } else if (!strcmp(type, "Pod")) {
            json_t *req = json_object(), *lim = json_object();
            size_t j;
            json_t *c;
            json_array_foreach(gt_kobj_arr(obj, "spec.containers"), j, c) {
                sum_into(req, gt_kobj_obj(c, "resources.requests"));
                sum_into(lim, gt_kobj_obj(c, "resources.limits"));
            }
            check(&m, "Pod", it, req, lim);
            json_decref(req);
            json_decref(lim);
        }
    }
    json_decref(items);
    if (!m.v)
        return 0;
    size_t n = gt_strv_len(m.v);
    char *all = gt_xstrdup("");
    for (size_t j = 0; j < n; j++) {
        char *s = gt_xasprintf("%s%s%s", all, j ? ", " : "", m.v[j]);
        free(all);
        all = s;
    }
    int rc = gt_kst_fail(st, 403, NULL, "pods \"%s\" is forbidden: %s%s%s", gt_kobj_name(obj),
                         n > 1 ? "[" : "", all, n > 1 ? "]" : "");
    gt_kst_details(*st, gt_kobj_name(obj), "", "pods");
    free(all);
    gt_strv_free(m.v);
    return rc;
}
