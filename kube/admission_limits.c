/* LimitRanger (kube/admission.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/mem.h"
#include "kube/admission_internal.h"
#include "kube/obj.h"

#define ANNOTATION "kubernetes.io/limit-ranger"

static int by_name(const void *a, const void *b)
{
    return strcmp(gt_kobj_name(*(json_t *const *)a), gt_kobj_name(*(json_t *const *)b));
}

/* The namespace's LimitRanges sorted by name (a new array), or NULL. */
static json_t *limit_ranges(const struct gt_kadm_attrs *a)
{
    json_t *l = gt_klister_list(a->lister, "limitranges", a->namespace);
    if (!l)
        return NULL;
    size_t n = json_array_size(l);
    json_t **v = gt_xcalloc(n + 1, sizeof(*v));
    for (size_t i = 0; i < n; i++)
        v[i] = json_incref(json_array_get(l, i));
    qsort(v, n, sizeof(*v), by_name);
    json_array_clear(l);
    for (size_t i = 0; i < n; i++)
        if (json_is_object(v[i]) && strcmp(gt_kobj_namespace(v[i]), a->namespace) == 0)
            json_array_append_new(l, v[i]);
        else
            json_decref(v[i]);
    free(v);
    return l;
}

/* A copy of a LimitRange item with the API's defaults for Container items
 * (SetDefaults_LimitRangeItem): default from max, defaultRequest from
 * default, then from min. */
static json_t *item_defaults(const json_t *item)
{
    json_t *it = json_deep_copy(item);
    if (strcmp(gt_kobj_str(it, "type", ""), "Container") != 0)
        return it;
    json_t *def = gt_kobj_ensure(it, "default");
    json_t *req = gt_kobj_ensure(it, "defaultRequest");
    static const char *const from[] = { "max", "default", "min" };
    json_t *const to[] = { def, req, req };
    for (int i = 0; i < 3; i++) {
        const char *k;
        json_t *v;
        json_object_foreach(gt_kobj_obj(it, from[i]), k, v) if (!json_object_get(to[i], k))
            json_object_set(to[i], k, v);
    }
    return it;
}

/* ---- defaults (mutate) ---- */

static void merge_defaults(json_t *c, const json_t *def_req, const json_t *def_lim,
                           const char *ctype, json_t *notes)
{
    json_t *res = gt_kobj_ensure(c, "resources");
    json_t *lims = gt_kobj_ensure(res, "limits");
    json_t *reqs = gt_kobj_ensure(res, "requests");
    cleanup_strv char **set_lim = NULL, **set_req = NULL;
    cleanup_strv char **lk = gt_kres_sorted_keys(def_lim);
    for (char **k = lk; *k; k++)
        if (!json_object_get(lims, *k)) {
            json_object_set(lims, *k, json_object_get(def_lim, *k));
            gt_strv_push(&set_lim, *k);
        }
    cleanup_strv char **rk = gt_kres_sorted_keys(def_req);
    for (char **k = rk; *k; k++)
        if (!json_object_get(reqs, *k)) {
            json_object_set(reqs, *k, json_object_get(def_req, *k));
            gt_strv_push(&set_req, *k);
        }
    if (!json_object_size(lims))
        json_object_del(res, "limits");
    if (!json_object_size(reqs))
        json_object_del(res, "requests");
    char **lists[] = { set_req, set_lim };
    const char *what[] = { "request", "limit" };
    for (int l = 0; l < 2; l++) {
        if (!lists[l])
            continue;
        size_t len = 64 + strlen(ctype) + strlen(gt_kobj_str(c, "name", ""));
        for (char **k = lists[l]; *k; k++)
            len += strlen(*k) + 2;
        char *s = gt_xmalloc(len), *w = s;
        for (char **k = lists[l]; *k; k++)
            w += sprintf(w, "%s%s", k == lists[l] ? "" : ", ", *k);
        sprintf(w, " %s for %s %s", what[l], ctype, gt_kobj_str(c, "name", ""));
        json_array_append_new(notes, json_string(s));
        free(s);
    }
}

static bool handles(const struct gt_kadm_attrs *a, bool pvc)
{
    if (!gt_kadm_main(a) || !json_is_object(a->obj) || !a->namespace || !*a->namespace)
        return false;
    if (gt_kadm_core(a, "pods"))
        return a->op == GT_KADM_CREATE;
    return pvc && gt_kadm_core(a, "persistentvolumeclaims") &&
           (a->op == GT_KADM_CREATE || a->op == GT_KADM_UPDATE);
}

static int lr_mutate(const struct gt_kadm_plugin *p, struct gt_kadm_attrs *a,
                     struct gt_kadm_result *r)
{
    if (!handles(a, false))
        return 0;
    json_t *lrs = limit_ranges(a);
    size_t i;
    json_t *lr;
    json_array_foreach(lrs, i, lr) {
        json_t *def_req = json_object(), *def_lim = json_object();
        size_t j;
        json_t *item;
        json_array_foreach(gt_kobj_arr(lr, "spec.limits"), j, item) {
            if (!json_is_object(item) || strcmp(gt_kobj_str(item, "type", ""), "Container") != 0)
                continue;
            json_t *it = item_defaults(item);
            json_object_update(def_req, gt_kobj_obj(it, "defaultRequest"));
            json_object_update(def_lim, gt_kobj_obj(it, "default"));
            json_decref(it);
        }
        json_t *notes = json_array();
        static const char *const lists[] = { "containers", "initContainers" };
        static const char *const ctypes[] = { "container", "init container" };
        json_t *spec = gt_kobj_obj(a->obj, "spec");
        for (int l = 0; l < 2; l++) {
            size_t k;
            json_t *c;
            json_array_foreach(gt_kobj_arr(spec, lists[l]), k, c) if (json_is_object(c))
                merge_defaults(c, def_req, def_lim, ctypes[l], notes);
        }
        if (json_array_size(notes)) {
            size_t len = 32;
            json_t *n;
            json_array_foreach(notes, j, n) len += json_string_length(n) + 2;
            char *s = gt_xmalloc(len), *w = s;
            w += sprintf(w, "LimitRanger plugin set: ");
            json_array_foreach(notes, j, n) w += sprintf(w, "%s%s", j ? "; " : "",
                                                         json_string_value(n));
            json_object_set_new(gt_kobj_ensure(a->obj, "metadata.annotations"), ANNOTATION,
                                json_string(s));
            free(s);
        }
        json_decref(notes);
        json_decref(def_req);
        json_decref(def_lim);
    }
    if (lrs)
        json_decref(lrs);
    (void)p;
    (void)r;
    return 0;
}

/* ---- constraints (validate) ---- */

/* Kubernetes compares milli-values when all three fit, else values. */
static void values(const struct gt_kq *req, const struct gt_kq *lim, const struct gt_kq *enf,
                   int64_t *rv, int64_t *lv, int64_t *ev)
{
    const int64_t max_milli = INT64_MAX / 1000;
    *rv = req ? gt_kq_value(req) : 0;
    *lv = lim ? gt_kq_value(lim) : 0;
    *ev = gt_kq_value(enf);
    if (*rv <= max_milli && *lv <= max_milli && *ev <= max_milli) {
        *rv = req ? gt_kq_milli_value(req) : 0;
        *lv = lim ? gt_kq_milli_value(lim) : 0;
        *ev = gt_kq_milli_value(enf);
    }
}

static void add_msg(json_t *errs, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_msg(json_t *errs, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        abort();
    va_end(ap);
    json_array_append_new(errs, json_string(s));
    free(s);
}

enum kind { MIN, MAX, MAX_REQUEST, RATIO };

static void constrain(json_t *errs, enum kind kind, const char *type, const char *res,
                      const json_t *enforced, const json_t *requests, const json_t *limits)
{
    struct gt_kq enf, req, lim;
    if (gt_kq_from_json(enforced, &enf, NULL) != 0)
        return;
    bool has_req = gt_kres_get(requests, res, &req);
    bool has_lim = gt_kres_get(limits, res, &lim);
    int64_t rv, lv, ev;
    values(has_req ? &req : NULL, has_lim ? &lim : NULL, &enf, &rv, &lv, &ev);
    char es[GT_KQ_STR_MAX], rs[GT_KQ_STR_MAX], ls[GT_KQ_STR_MAX];
    gt_kq_format(&enf, es);
    if (has_req)
        gt_kq_format(&req, rs);
    if (has_lim)
        gt_kq_format(&lim, ls);
    switch (kind) {
    case MIN:
        if (!has_req)
            add_msg(errs, "minimum %s usage per %s is %s.  No request is specified", res, type, es);
        else if (rv < ev)
            add_msg(errs, "minimum %s usage per %s is %s, but request is %s", res, type, es, rs);
        else if (has_lim && lv < ev)
            add_msg(errs, "minimum %s usage per %s is %s, but limit is %s", res, type, es, ls);
        break;
    case MAX:
        if (!has_lim)
            add_msg(errs, "maximum %s usage per %s is %s.  No limit is specified", res, type, es);
        else if (lv > ev)
            add_msg(errs, "maximum %s usage per %s is %s, but limit is %s", res, type, es, ls);
        else if (has_req && rv > ev)
            add_msg(errs, "maximum %s usage per %s is %s, but request is %s", res, type, es, rs);
        break;
    case MAX_REQUEST:
        if (!has_req)
            add_msg(errs, "maximum %s usage per %s is %s.  No request is specified", res, type,
                    es);
        else if (rv > ev)
            add_msg(errs, "maximum %s usage per %s is %s, but request is %s", res, type, es, rs);
        break;
    case RATIO: {
        if (!has_req || rv == 0) {
            add_msg(errs,
                    "%s max limit to request ratio per %s is %s, but no request is specified or "
                    "request is 0",
                    res, type, es);
            break;
        }
        if (!has_lim || lv == 0) {
            add_msg(errs,
                    "%s max limit to request ratio per %s is %s, but no limit is specified or "
                    "limit is 0",
                    res, type, es);
            break;
        }
        double ratio = (double)lv / (double)rv, shown = ratio;
        double max = (double)gt_kq_value(&enf);
        if (gt_kq_value(&enf) <= INT64_MAX / 1000) {
            ratio *= 1000;
            max = (double)gt_kq_milli_value(&enf);
        }
        if (ratio > max)
            add_msg(errs, "%s max limit to request ratio per %s is %s, but provided ratio is %f",
                    res, type, es, shown);
        break;
    }
    }
}

static void constrain_all(json_t *errs, const json_t *item, const char *type,
                          const json_t *requests, const json_t *limits, bool pvc)
{
    static const char *const keys[] = { "min", "max", "maxLimitRequestRatio" };
    for (int k = 0; k < 3; k++) {
        if (pvc && k == 2)
            break;
        json_t *m = gt_kobj_obj(item, keys[k]);
        cleanup_strv char **names = gt_kres_sorted_keys(m);
        for (char **n = names; *n; n++) {
            enum kind kind = k == 0 ? MIN : k == 1 ? (pvc ? MAX_REQUEST : MAX) : RATIO;
            constrain(errs, kind, type, *n, json_object_get(m, *n), requests, limits);
        }
    }
}

static int lr_validate(const struct gt_kadm_plugin *p, const struct gt_kadm_attrs *a,
                       struct gt_kadm_result *r)
{
    if (!handles(a, true))
        return 0;
    bool pod = gt_kadm_core(a, "pods");
    json_t *lrs = limit_ranges(a);
    json_t *errs = json_array();
    json_t *spec = gt_kobj_obj(a->obj, "spec");
    size_t i;
    json_t *lr;
    json_array_foreach(lrs, i, lr) {
        size_t j;
        json_t *item;
        json_array_foreach(gt_kobj_arr(lr, "spec.limits"), j, item) {
            if (!json_is_object(item))
                continue;
            const char *type = gt_kobj_str(item, "type", "");
            if (!pod) {
                if (strcmp(type, "PersistentVolumeClaim") == 0)
                    constrain_all(errs, item, type, gt_kobj_obj(spec, "resources.requests"), NULL,
                                  true);
                continue;
            }
            if (strcmp(type, "Container") == 0) {
                static const char *const lists[] = { "containers", "initContainers" };
                for (int l = 0; l < 2; l++) {
                    size_t k;
                    json_t *c;
                    json_array_foreach(gt_kobj_arr(spec, lists[l]), k, c)
                        constrain_all(errs, item, type, gt_kobj_obj(c, "resources.requests"),
                                      gt_kobj_obj(c, "resources.limits"), false);
                }
            } else if (strcmp(type, "Pod") == 0) {
                json_t *reqs = gt_kres_pod_requests(spec);
                json_t *lims = gt_kres_pod_limits(spec);
                constrain_all(errs, item, type, reqs, lims, false);
                json_decref(reqs);
                json_decref(lims);
            }
        }
    }
    if (lrs)
        json_decref(lrs);
    cleanup_free char *msg = gt_kres_aggregate(errs);
    json_decref(errs);
    (void)p;
    if (!msg)
        return 0;
    r->status = gt_kadm_forbidden(a, msg);
    return -EACCES;
}

const struct gt_kadm_plugin gt_kadm_limit_ranger = {
    .name = "LimitRanger",
    .mutate = lr_mutate,
    .validate = lr_validate,
};
