/* Admission as the server runs it, over kube/admission.h: the default
 * chain's mutating steps, the kind's validation (kube/kinds.h), RBAC
 * escalation prevention for RBAC objects (kube/rbac.h), the validating
 * steps; then the ResourceQuota status updates the chain computed are
 * stored, each with a compare-and-swap on the quota's resourceVersion,
 * before the object itself (a conflict runs the whole write again, so
 * that two writers never both take the last unit of a quota). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/mem.h"
#include "kube/api/internal.h"
#include "kube/api/registry.h"
#include "kube/obj.h"
#include "kube/status.h"

static const enum gt_kadm_op ops[] = {
    [KOP_CREATE] = GT_KADM_CREATE,
    [KOP_UPDATE] = GT_KADM_UPDATE,
    [KOP_DELETE] = GT_KADM_DELETE,
    [KOP_CONNECT] = GT_KADM_CONNECT,
};

static bool dry_run(struct kreq *r)
{
    const char *d = gt_http_req_query(r->http, "dryRun");
    return d && !strcmp(d, "All");
}

static void fill(struct gt_kadm_attrs *a, struct kreq *r, const struct gt_kind *k,
                 enum kapi_op op, json_t *obj, const json_t *old)
{
    const json_t *any = obj ? obj : old;
    *a = (struct gt_kadm_attrs){
        .op = ops[op], .group = k->group, .version = k->version, .kind = k->kind,
        .resource = k->resource, .subresource = r->kind == k ? r->ri.subresource : "",
        .namespace = k->namespaced ? gt_kobj_namespace(any) : "",
        .name = gt_kobj_name(any), .obj = obj, .old = old, .user = &r->user,
        .dry_run = dry_run(r), .lister = &r->api->lister, .now = r->now,
    };
}

/* A namespace created a moment ago gets its "default" ServiceAccount from
 * the control loop within milliseconds; a pod created right after it
 * waits for that (up to 2 s) instead of failing its ServiceAccount
 * admission. */
static void wait_default_sa(struct kreq *r, const struct gt_kind *k, const json_t *obj)
{
    if (k->group[0] || strcmp(k->resource, "pods") != 0)
        return;
    const char *sa = gt_kobj_str(obj, "spec.serviceAccountName", "");
    if (sa[0] && strcmp(sa, "default") != 0)
        return;
    const char *ns = gt_kobj_namespace(obj);
    json_t *n = gt_klister_get(&r->api->lister, "namespaces", "", ns);
    bool active = n && !gt_kobj_has(n, "metadata.deletionTimestamp");
    json_decref(n);
    for (int i = 0; active && i < 40; i++) {
        json_t *o = gt_klister_get(&r->api->lister, "serviceaccounts", ns, "default");
        if (o) {
            json_decref(o);
            return;
        }
        gt_kctrl_kick(r->api->ctrl);
        struct timespec ts = { 0, 50 * 1000000 };
        nanosleep(&ts, NULL);
    }
}

static bool rbac_kind(const struct gt_kind *k)
{
    return !strcmp(k->group, GT_KRBAC_GROUP);
}

static int refuse(struct gt_kadm_result *res, json_t **st)
{
    json_decref(*st);
    *st = res->status ? res->status : gt_kstatus_internal("admission refused the request");
    res->status = NULL;
    gt_kadm_result_release(res);
    return -1;
}

int kapi_admission(struct kreq *r, const struct gt_kind *k, enum kapi_op op, json_t *obj,
                   const json_t *old, json_t **st)
{
    const struct gt_kadm_chain *chain = gt_kadm_default_chain();
    struct gt_kadm_attrs a;
    struct gt_kadm_result res;
    if (op == KOP_CREATE)
        wait_default_sa(r, k, obj);
    fill(&a, r, k, op, obj, old);
    gt_kadm_result_init(&res);
    if (gt_kadm_mutate(chain, &a, &res) < 0)
        return refuse(&res, st);
    struct gt_kfe_list errs;
    gt_kfe_list_init(&errs);
    if (gt_kind_validate(k, obj, old, &errs) > 0) {
        json_decref(*st);
        *st = gt_kfe_status(&errs, k->group, k->kind, gt_kobj_name(obj));
        gt_kfe_list_release(&errs);
        gt_kadm_result_release(&res);
        return -1;
    }
    gt_kfe_list_release(&errs);
    if (rbac_kind(k) && (op == KOP_CREATE || op == KOP_UPDATE)) {
        json_t *es = NULL;
        if (gt_krbac_check_escalation(&r->api->lister, &r->user, k->resource, obj, &es) < 0) {
            gt_kadm_result_release(&res);
            json_decref(*st);
            *st = es ? es : gt_kstatus_internal("RBAC escalation check failed");
            return -1;
        }
    }
    if (gt_kadm_validate(chain, &a, &res) < 0)
        return refuse(&res, st);
    size_t i;
    json_t *w;
    json_array_foreach(res.warnings, i, w)
        if (json_is_string(w))
            kapi_warn(r, "%s", json_string_value(w));
    const struct gt_kind *qk = kapi_kind_named("", "resourcequotas");
    json_t *q;
    json_array_foreach(res.quota, i, q) {
        json_t *qst = NULL;
        int64_t rv = gt_kreg_rv_of(q);
        if (gt_kreg_update(r->api->store, qk, q, rv, &qst) == 0)
            continue;
        int code = (int)json_integer_value(json_object_get(qst, "code"));
        if (code == 409 || code == 404) {
            json_decref(qst);
            gt_kadm_result_release(&res);
            return KAPI_RETRY;
        }
        json_decref(*st);
        *st = qst;
        gt_kadm_result_release(&res);
        return -1;
    }
    gt_kadm_result_release(&res);
    return 0;
}

int kapi_admission_delete(struct kreq *r, const struct gt_kind *k, const json_t *old,
                          json_t **st)
{
    struct gt_kadm_attrs a;
    struct gt_kadm_result res;
    fill(&a, r, k, KOP_DELETE, NULL, old);
    gt_kadm_result_init(&res);
    /* NamespaceLifecycle decides in the mutating phase, as in Kubernetes */
    if (gt_kadm_mutate(gt_kadm_default_chain(), &a, &res) < 0 ||
        gt_kadm_validate(gt_kadm_default_chain(), &a, &res) < 0)
        return refuse(&res, st);
    gt_kadm_result_release(&res);
    return 0;
}
