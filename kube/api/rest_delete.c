/* Deletion: DeleteOptions, preconditions, graceful deletion, finalizers,
 * and the propagation policies (the garbage collector in ctrl.c finishes
 * what they start).
 *
 * An object leaves the store at once unless something holds it:
 * - finalizers (its own, or "orphan" / "foregroundDeletion" added for the
 *   Orphan and Foreground policies): it gets metadata.deletionTimestamp and
 *   stays until the last finalizer is removed;
 * - a namespace's spec.finalizers ("kubernetes"): it turns Terminating and
 *   the namespace controller empties it;
 * - a pod bound to a node, deleted with a grace period: deletionTimestamp
 *   is set (now + grace) and the node's agent deletes it when its
 *   containers are gone; a pod not bound to a node, or already finished,
 *   goes at once. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/mem.h"
#include "kube/api/internal.h"
#include "kube/api/registry.h"
#include "kube/meta.h"
#include "kube/obj.h"

static bool has_str(const json_t *arr, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
        if (json_is_string(v) && !strcmp(json_string_value(v), s))
            return true;
    return false;
}

static int64_t pod_grace(const json_t *pod, int64_t asked)
{
    const char *node = gt_kobj_str(pod, "spec.nodeName", "");
    const char *phase = gt_kobj_str(pod, "status.phase", "");
    if (!node[0] || !strcmp(phase, "Succeeded") || !strcmp(phase, "Failed"))
        return 0;
    if (asked >= 0)
        return asked;
    return gt_kobj_int(pod, "spec.terminationGracePeriodSeconds", 30);
}

int kapi_delete_object(struct gt_kapi *api, const struct gt_kind *k, const char *ns,
                       const char *name, const struct kapi_delete_opts *o, int64_t now,
                       json_t **result, bool *gone, json_t **st)
{
    *gone = false;
    for (int attempt = 0; attempt < 16; attempt++) {
        json_t *cur = NULL;
        int64_t rev;
        if (gt_kreg_get(api->store, k, ns, name, 0, &cur, &rev, st) < 0)
            return -1;
        if (o->uid_pre && o->uid_pre[0] && strcmp(o->uid_pre, gt_kobj_uid(cur)) != 0) {
            json_t *s = gt_kst_new(409, "Conflict",
                                   "Precondition failed: UID in precondition: %s, UID in object "
                                   "meta: %s",
                                   o->uid_pre, gt_kobj_uid(cur));
            json_decref(cur);
            json_decref(*st);
            *st = s;
            return -1;
        }
        if (o->rv_pre && o->rv_pre[0] &&
            strcmp(o->rv_pre, gt_kobj_str(cur, "metadata.resourceVersion", "")) != 0) {
            json_t *s = gt_kst_new(409, "Conflict",
                                   "Precondition failed: ResourceVersion in precondition: %s, "
                                   "ResourceVersion in object meta: %s",
                                   o->rv_pre, gt_kobj_str(cur, "metadata.resourceVersion", ""));
            json_decref(cur);
            json_decref(*st);
            *st = s;
            return -1;
        }
        json_t *fin = json_deep_copy(gt_kobj_arr(cur, "metadata.finalizers"));
        if (!fin)
            fin = json_array();
        const char *prop = o->propagation;
        const char *want = NULL;
        if (prop && !strcmp(prop, "Orphan"))
            want = "orphan";
        else if (prop && !strcmp(prop, "Foreground"))
            want = "foregroundDeletion";
        bool fin_changed = false;
        if (want && !has_str(fin, want)) {
            json_array_append_new(fin, json_string(want));
            fin_changed = true;
        }
        if (prop && !strcmp(prop, "Background")) {
            /* Background asked after Orphan or Foreground: drop theirs */
            for (size_t i = json_array_size(fin); i-- > 0;) {
                const char *f = json_string_value(json_array_get(fin, i));
                if (f && (!strcmp(f, "orphan") || !strcmp(f, "foregroundDeletion"))) {
                    json_array_remove(fin, i);
                    fin_changed = true;
                }
            }
        }
        bool is_pod = !strcmp(k->kind, "Pod") && !k->group[0];
        bool is_ns = !strcmp(k->kind, "Namespace") && !k->group[0];
        int64_t grace = is_pod ? pod_grace(cur, o->grace) : 0;
        bool held = json_array_size(fin) > 0 || grace > 0 ||
                    (is_ns && gt_kobj_len(cur, "spec.finalizers") > 0);
        if (o->dry_run) {
            json_decref(fin);
            *result = cur;
            return 0;
        }
        if (!held) {
            json_decref(fin);
            json_t *deleted = NULL;
            if (gt_kreg_delete(api->store, k, ns, name, rev, &deleted, st) == 0) {
                json_decref(cur);
                const struct kapi_hooks *h = kapi_hooks_of(k);
                if (h)
                    h->release(api, deleted);
                *result = deleted;
                *gone = true;
                gt_kctrl_kick(api->ctrl);
                return 0;
            }
            json_decref(cur);
            if (json_integer_value(json_object_get(*st, "code")) != 409)
                return -1;
            continue;
        }
        json_t *meta = gt_kobj_ensure(cur, "metadata");
        bool already = json_object_get(meta, "deletionTimestamp") != NULL;
        int64_t cur_grace = gt_kobj_int(meta, "deletionGracePeriodSeconds", 0);
        bool change = fin_changed || !already || (grace < cur_grace);
        if (!change) {
            json_decref(fin);
            *result = cur;
            return 0;
        }
        if (!already || grace < cur_grace) {
            char ts[32];
            gt_kmeta_time_format((time_t)(now + grace), ts);
            json_object_set_new(meta, "deletionTimestamp", json_string(ts));
            json_object_set_new(meta, "deletionGracePeriodSeconds", json_integer(grace));
        }
        if (json_array_size(fin))
            json_object_set_new(meta, "finalizers", fin);
        else {
            json_object_del(meta, "finalizers");
            json_decref(fin);
        }
        if (is_ns)
            gt_kobj_set_new(cur, "status.phase", json_string("Terminating"));
        if (kapi_kind_has_generation(k) && !already)
            json_object_set_new(meta, "generation",
                                json_integer(gt_kobj_int(meta, "generation", 0) + 1));
        if (gt_kreg_update(api->store, k, cur, rev, st) == 0) {
            *result = cur;
            gt_kctrl_kick(api->ctrl);
            return 0;
        }
        json_decref(cur);
        if (json_integer_value(json_object_get(*st, "code")) != 409)
            return -1;
    }
    return gt_kst_fail(st, 409, "Conflict", "%s \"%s\": too many conflicting writes",
                       k->resource, name);
}

/* DeleteOptions from the body (JSON) and the query; strings borrowed
 * from *holder and the request. */
static int delete_options(struct kreq *r, struct kapi_delete_opts *o, json_t **holder,
                          json_t **st)
{
    *o = (struct kapi_delete_opts){ .grace = -1 };
    *holder = NULL;
    cleanup_free char *body = NULL;
    size_t len = 0;
    struct gt_error err = { 0 };
    if (gt_http_req_body(r->http, &body, &len, &err) < 0)
        return gt_kst_fail(st, 400, NULL, "reading the request body: %s", err.msg);
    bool orphan_set = false, orphan = false;
    if (len > 0) {
        const char *ct = gt_http_req_header(r->http, "Content-Type");
        if (ct && !strncmp(ct, "application/vnd.kubernetes.protobuf", 35))
            return gt_kst_fail(st, 415, NULL, "DeleteOptions in protobuf are not supported: "
                                              "send them as application/json");
        json_error_t je;
        json_t *j = json_loadb(body, len, 0, &je);
        if (!j || !json_is_object(j)) {
            json_decref(j);
            return gt_kst_fail(st, 400, NULL, "DeleteOptions: %s",
                               j ? "expected an object" : je.text);
        }
        *holder = j;
        json_t *g = json_object_get(j, "gracePeriodSeconds");
        if (json_is_integer(g))
            o->grace = json_integer_value(g);
        const char *p = gt_kobj_str(j, "propagationPolicy", NULL);
        if (p)
            o->propagation = p;
        json_t *od = json_object_get(j, "orphanDependents");
        if (json_is_boolean(od)) {
            orphan_set = true;
            orphan = json_is_true(od);
        }
        o->uid_pre = gt_kobj_str(j, "preconditions.uid", NULL);
        o->rv_pre = gt_kobj_str(j, "preconditions.resourceVersion", NULL);
        json_t *dr = json_object_get(j, "dryRun");
        if (json_is_array(dr) && json_array_size(dr) > 0)
            o->dry_run = true;
    }
    const char *q = gt_http_req_query(r->http, "gracePeriodSeconds");
    if (q && q[0]) {
        char *end;
        long long g = strtoll(q, &end, 10);
        if (*end)
            return gt_kst_fail(st, 400, NULL, "invalid gracePeriodSeconds \"%s\"", q);
        o->grace = g;
    }
    q = gt_http_req_query(r->http, "propagationPolicy");
    if (q && q[0])
        o->propagation = q;
    q = gt_http_req_query(r->http, "orphanDependents");
    if (q && q[0]) {
        orphan_set = true;
        orphan = gt_http_req_query_bool(r->http, "orphanDependents", false);
    }
    q = gt_http_req_query(r->http, "dryRun");
    if (q && !strcmp(q, "All"))
        o->dry_run = true;
    if (orphan_set && o->propagation)
        return gt_kst_fail(st, 422, "Invalid", "DeleteOptions: propagationPolicy: Invalid value: "
                                               "orphanDependents and deletionPropagation cannot "
                                               "be both set");
    if (orphan_set)
        o->propagation = orphan ? "Orphan" : "Background";
    if (o->propagation && strcmp(o->propagation, "Orphan") != 0 &&
        strcmp(o->propagation, "Background") != 0 && strcmp(o->propagation, "Foreground") != 0)
        return gt_kst_fail(st, 422, "Invalid",
                           "DeleteOptions: propagationPolicy: Unsupported value: \"%s\": "
                           "supported values: \"Foreground\", \"Background\", \"Orphan\"",
                           o->propagation);
    if (o->grace < -1)
        o->grace = 0;
    return 0;
}

void kapi_delete(struct kreq *r)
{
    json_t *st = NULL, *holder = NULL, *result = NULL;
    struct kapi_delete_opts o;
    /* admission of the delete (NamespaceLifecycle keeps the system
     * namespaces) */
    json_t *cur = NULL;
    if (gt_kreg_get(r->api->store, r->kind, r->ri.namespace_, r->ri.name, 0, &cur, NULL, &st) <
            0 ||
        kapi_admission_delete(r, r->kind, cur, &st) < 0) {
        json_decref(cur);
        kapi_respond_status(r, st);
        return;
    }
    json_decref(cur);
    if (delete_options(r, &o, &holder, &st) < 0) {
        json_decref(holder);
        kapi_respond_status(r, st);
        return;
    }
    bool gone;
    int rc = kapi_delete_object(r->api, r->kind, r->ri.namespace_, r->ri.name, &o, r->now,
                                &result, &gone, &st);
    json_decref(holder);
    if (rc < 0) {
        kapi_respond_status(r, st);
        return;
    }
    /* 200 with the object, deleted or now pending; 202 would also do for
     * pending, but kubectl waits either way */
    kapi_respond_obj(r, 200, result);
    json_decref(result);
}

void kapi_deletecollection(struct kreq *r)
{
    json_t *st = NULL, *holder = NULL;
    struct kapi_delete_opts o;
    if (delete_options(r, &o, &holder, &st) < 0) {
        json_decref(holder);
        kapi_respond_status(r, st);
        return;
    }
    struct gt_klsel *ls = NULL;
    struct gt_kfsel *fs = NULL;
    struct gt_error err = { 0 };
    const char *l = gt_http_req_query(r->http, "labelSelector");
    const char *f = gt_http_req_query(r->http, "fieldSelector");
    if ((l && l[0] && gt_klsel_parse(l, &ls, &err) < 0) ||
        (f && f[0] && (gt_kfsel_parse(f, &fs, &err) < 0 ||
                       gt_kfsel_check(fs, r->kind->fields, &err) < 0))) {
        gt_klsel_free(ls);
        gt_kfsel_free(fs);
        json_decref(holder);
        kapi_respond_status(r, gt_kst_new(400, NULL, "%s", err.msg));
        return;
    }
    struct gt_kreg_list_opts lo = { .ns = r->ri.namespace_, .lsel = ls, .fsel = fs };
    struct gt_kreg_list_result res;
    if (gt_kreg_list(r->api->store, r->kind, &lo, &res, &st) < 0) {
        gt_klsel_free(ls);
        gt_kfsel_free(fs);
        json_decref(holder);
        kapi_respond_status(r, st);
        return;
    }
    json_t *out = json_array();
    size_t i;
    json_t *it;
    json_array_foreach(res.items, i, it) {
        json_t *result = NULL, *est = NULL;
        bool gone;
        if (kapi_delete_object(r->api, r->kind, gt_kobj_namespace(it), gt_kobj_name(it), &o,
                               r->now, &result, &gone, &est) == 0)
            json_array_append_new(out, result);
        else if (json_integer_value(json_object_get(est, "code")) != 404) {
            json_decref(out);
            gt_kreg_list_result_release(&res);
            gt_klsel_free(ls);
            gt_kfsel_free(fs);
            json_decref(holder);
            kapi_respond_status(r, est);
            return;
        }
        json_decref(est);
    }
    char av[64], lk[96];
    snprintf(lk, sizeof lk, "%sList", r->kind->kind);
    char rvs[24];
    snprintf(rvs, sizeof rvs, "%" PRId64, res.revision);
    json_t *list = json_pack("{s:s,s:s,s:{s:s},s:o}", "kind", lk, "apiVersion",
                             kapi_api_version(r->kind, av), "metadata", "resourceVersion", rvs,
                             "items", out);
    kapi_respond_obj(r, 200, list);
    json_decref(list);
    gt_kreg_list_result_release(&res);
    gt_klsel_free(ls);
    gt_kfsel_free(fs);
    json_decref(holder);
}
