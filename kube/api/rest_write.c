/* Writes: create (POST), update (PUT), and the pipeline every write goes
 * through: system metadata, defaulting, admission, validation, then a
 * compare-and-swap on the object's resource version.
 *
 * What a write to the main resource may not change, for a kind with a
 * status subresource: status (kept from the stored object).  What a write
 * to /status may change: status only (spec and metadata are kept), as
 * Kubernetes' status strategies do.  metadata.generation starts at 1 and
 * moves on every change outside metadata and status, for the kinds that
 * keep it (the workload kinds outside the core group). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/mem.h"
#include "kube/api/alloc.h"
#include "kube/api/internal.h"
#include "kube/status.h"
#include "kube/api/registry.h"
#include "kube/meta.h"
#include "kube/obj.h"

bool kapi_kind_has_generation(const struct gt_kind *k)
{
    return (k->flags & GT_KIND_STATUS) && k->group[0];
}

void kapi_prepare_create(const struct gt_kind *k, json_t *obj, int64_t now)
{
    json_t *meta = gt_kobj_ensure(obj, "metadata");
    const char *name = gt_kobj_str(meta, "name", "");
    const char *gen = gt_kobj_str(meta, "generateName", "");
    if (!name[0] && gen[0]) {
        char buf[64];
        gt_kmeta_generate_name(gen, buf);
        json_object_set_new(meta, "name", json_string(buf));
    }
    char uid[37], ts[32];
    gt_kmeta_uid(uid);
    gt_kmeta_time_format((time_t)now, ts);
    json_object_set_new(meta, "uid", json_string(uid));
    json_object_set_new(meta, "creationTimestamp", json_string(ts));
    json_object_del(meta, "deletionTimestamp");
    json_object_del(meta, "deletionGracePeriodSeconds");
    json_object_del(meta, "resourceVersion");
    json_object_del(meta, "selfLink");
    if (kapi_kind_has_generation(k))
        json_object_set_new(meta, "generation", json_integer(1));
    else
        json_object_del(meta, "generation");
    /* status is the controllers' to write (Nodes excepted: the kubelet
     * registers a Node with its status) */
    if ((k->flags & GT_KIND_STATUS) && strcmp(k->kind, "Node") != 0)
        json_object_del(obj, "status");
    if (!strcmp(k->kind, "Job"))
        gt_kind_job_generate_selector(obj);
}

/* Equal apart from metadata and status: the spec did not change. */
static bool same_spec(const json_t *a, const json_t *b)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)a, key, v) {
        if (!strcmp(key, "metadata") || !strcmp(key, "status"))
            continue;
        if (!json_equal(v, json_object_get(b, key)))
            return false;
    }
    json_object_foreach((json_t *)b, key, v) {
        if (!strcmp(key, "metadata") || !strcmp(key, "status"))
            continue;
        if (!json_object_get(a, key))
            return false;
    }
    return true;
}

static void keep_meta(json_t *meta, const json_t *old_meta, const char *key)
{
    json_t *v = json_object_get(old_meta, key);
    if (v)
        json_object_set(meta, key, v);
    else
        json_object_del(meta, key);
}

void kapi_prepare_update(const struct gt_kind *k, const char *subresource, json_t *obj,
                         const json_t *old)
{
    json_t *old_meta = json_object_get(old, "metadata");
    bool status_kind = (k->flags & GT_KIND_STATUS) != 0;
    if (subresource && !strcmp(subresource, "status")) {
        /* only status changes: everything else comes from the stored object */
        json_t *status = json_incref(json_object_get(obj, "status"));
        json_t *mf = json_incref(gt_kobj_get(obj, "metadata.managedFields"));
        json_object_clear(obj);
        json_object_update(obj, (json_t *)old);
        json_object_set_new(obj, "metadata", json_deep_copy(old_meta));
        if (status)
            json_object_set_new(obj, "status", status);
        else
            json_object_del(obj, "status");
        if (mf)
            json_object_set_new(json_object_get(obj, "metadata"), "managedFields", mf);
        return;
    }
    json_t *meta = gt_kobj_ensure(obj, "metadata");
    if (!gt_kobj_str(meta, "uid", "")[0])
        keep_meta(meta, old_meta, "uid");
    keep_meta(meta, old_meta, "creationTimestamp");
    keep_meta(meta, old_meta, "deletionTimestamp");
    keep_meta(meta, old_meta, "deletionGracePeriodSeconds");
    keep_meta(meta, old_meta, "generation");
    json_object_del(meta, "selfLink");
    if (!json_object_get(meta, "managedFields"))
        keep_meta(meta, old_meta, "managedFields");
    if (status_kind && !subresource) {
        json_t *st = json_object_get(old, "status");
        if (st)
            json_object_set(obj, "status", st);
        else
            json_object_del(obj, "status");
    }
}

void kapi_bump_generation(const struct gt_kind *k, json_t *obj, const json_t *old)
{
    if (kapi_kind_has_generation(k) && !same_spec(obj, old)) {
        int64_t g = gt_kobj_int(old, "metadata.generation", 0);
        json_object_set_new(gt_kobj_ensure(obj, "metadata"), "generation", json_integer(g + 1));
    }
}

int kapi_admit(struct kreq *r, const struct gt_kind *k, enum kapi_op op, json_t *obj,
               const json_t *old, json_t **st)
{
    gt_kind_default(k, obj);
    return kapi_admission(r, k, op, obj, old, st);
}

/* ---- shared checks of a request body ---- */

int kapi_check_type(struct kreq *r, const struct gt_kind *k, json_t *obj, json_t **st)
{
    if (!json_is_object(obj))
        return gt_kst_fail(st, 400, NULL, "the object provided is unrecognized (must be of type "
                                          "%s): expected a JSON object",
                           k->kind);
    char av[64];
    kapi_api_version(k, av);
    json_t *a = json_object_get(obj, "apiVersion");
    json_t *kd = json_object_get(obj, "kind");
    if (a && !json_is_string(a))
        return gt_kst_fail(st, 400, NULL, "apiVersion: expected a string");
    if (kd && !json_is_string(kd))
        return gt_kst_fail(st, 400, NULL, "kind: expected a string");
    if (a && json_string_value(a)[0] && strcmp(json_string_value(a), av) != 0)
        return gt_kst_fail(st, 400, NULL,
                           "the API version in the data (%s) does not match the expected API "
                           "version (%s)",
                           json_string_value(a), av);
    if (kd && json_string_value(kd)[0] && strcmp(json_string_value(kd), k->kind) != 0)
        return gt_kst_fail(st, 400, NULL,
                           "the kind in the data (%s) does not match the expected kind (%s)",
                           json_string_value(kd), k->kind);
    json_object_set_new(obj, "apiVersion", json_string(av));
    json_object_set_new(obj, "kind", json_string(k->kind));
    json_t *meta = json_object_get(obj, "metadata");
    if (meta && !json_is_object(meta))
        return gt_kst_fail(st, 400, NULL, "metadata: expected an object");
    return 0;
}

/* The object's namespace against the URL's. */
int kapi_check_namespace(struct kreq *r, const struct gt_kind *k, json_t *obj, json_t **st)
{
    json_t *meta = gt_kobj_ensure(obj, "metadata");
    json_t *ns = json_object_get(meta, "namespace");
    if (ns && !json_is_string(ns))
        return gt_kst_fail(st, 400, NULL, "metadata.namespace: expected a string");
    if (!k->namespaced) {
        json_object_del(meta, "namespace");
        return 0;
    }
    const char *want = r->ri.namespace_;
    if (ns && json_string_value(ns)[0] && strcmp(json_string_value(ns), want) != 0)
        return gt_kst_fail(st, 400, NULL,
                           "the namespace of the provided object does not match the namespace "
                           "sent on the request");
    json_object_set_new(meta, "namespace", json_string(want));
    return 0;
}

static bool strv_has(char *const *v, const char *s)
{
    for (; v && *v; v++)
        if (!strcmp(*v, s))
            return true;
    return false;
}

/* The unknown fields of obj (not counting those old has as well) per
 * ?fieldValidation: Strict fails (400, with the strict decoder's message:
 * a create or update "cannot be handled as" the kind, a patch just says
 * so), Warn adds a warning each, Ignore says nothing.  Objects are stored
 * as sent: the fields are not pruned. */
int kapi_check_fields(struct kreq *r, const struct gt_kind *k, const json_t *obj,
                      const json_t *old, bool patch, json_t **st)
{
    const char *mode = kapi_field_validation(r);
    if (!strcmp(mode, "Ignore"))
        return 0;
    cleanup_strv char **unknown = NULL, **before = NULL;
    if (gt_kshape_unknown(k->shape, obj, &unknown) == 0)
        return 0;
    if (old)
        gt_kshape_unknown(k->shape, old, &before);
    char *msg = NULL;
    size_t n = 0;
    for (char **u = unknown; *u; u++) {
        if (strv_has(before, *u))
            continue;
        if (strcmp(mode, "Strict") != 0) {
            kapi_warn(r, "unknown field \"%s\"", *u);
            continue;
        }
        char *m = gt_xasprintf("%s%sunknown field \"%s\"", msg ? msg : "", n ? ", " : "", *u);
        free(msg);
        msg = m;
        n++;
    }
    if (!msg)
        return 0;
    json_t *s = patch ? gt_kst_new(400, NULL, "strict decoding error: %s", msg)
                      : gt_kst_new(400, NULL, "%s in version \"%s\" cannot be handled as a %s: "
                                              "strict decoding error: %s",
                                   k->kind, k->version, k->kind, msg);
    free(msg);
    json_decref(*st);
    *st = s;
    return -1;
}

/* Kinds whose objects hold something outside themselves (Services: their
 * cluster IP and node ports). */
static const struct kapi_hooks hooks[] = {
    { "", "services", gt_kalloc_service_create, gt_kalloc_service_update,
      gt_kalloc_service_release },
};

const struct kapi_hooks *kapi_hooks_of(const struct gt_kind *k)
{
    for (size_t i = 0; i < sizeof hooks / sizeof hooks[0]; i++)
        if (!strcmp(hooks[i].group, k->group) && !strcmp(hooks[i].resource, k->resource))
            return &hooks[i];
    return NULL;
}

static bool dry_run(struct kreq *r)
{
    const char *d = gt_http_req_query(r->http, "dryRun");
    return d && !strcmp(d, "All");
}

/* ---- create ---- */

int kapi_create_object(struct kreq *r, const struct gt_kind *k, json_t *obj, json_t **st)
{
    kapi_prepare_create(k, obj, r->now);
    if (!gt_kobj_name(obj)[0]) {
        struct gt_kfe_list errs;
        gt_kfe_list_init(&errs);
        gt_kfe_required(&errs, "metadata.name", "name or generateName is required");
        json_decref(*st);
        *st = gt_kfe_status(&errs, k->group, k->kind, "");
        gt_kfe_list_release(&errs);
        return -1;
    }
    /* a quota that moved under us runs admission again on the object as
     * it was before admission changed it */
    json_t *pristine = json_deep_copy(obj);
    int rc;
    for (int attempt = 0;; attempt++) {
        rc = kapi_admit(r, k, KOP_CREATE, obj, NULL, st);
        if (rc != KAPI_RETRY || attempt == 16)
            break;
        json_object_clear(obj);
        json_object_update(obj, pristine);
    }
    json_decref(pristine);
    if (rc == KAPI_RETRY)
        return gt_kst_fail(st, 409, "Conflict", "resource quotas of namespace %s kept changing",
                           gt_kobj_namespace(obj));
    if (rc < 0)
        return -1;
    kapi_track_fields(r, k, NULL, obj, NULL);
    if (dry_run(r))
        return 0;
    const struct kapi_hooks *h = kapi_hooks_of(k);
    if (h && h->create(r->api, obj, st) < 0)
        return -1;
    if (gt_kreg_create(r->api->store, k, obj, st) < 0) {
        if (h)
            h->release(r->api, obj);
        return -1;
    }
    return 0;
}

void kapi_create(struct kreq *r)
{
    json_t *st = NULL, *obj = NULL;
    const struct gt_kind *k = r->kind;
    if (kapi_read_body(r, &obj, &st) < 0 || kapi_check_type(r, k, obj, &st) < 0) {
        json_decref(obj);
        kapi_respond_status(r, st);
        return;
    }
    if (k->flags & GT_KIND_CREATE_ONLY) {
        if (kapi_check_namespace(r, k, obj, &st) < 0 || kapi_check_fields(r, k, obj, NULL, false, &st) < 0)
            kapi_respond_status(r, st);
        else
            kapi_review(r, obj);
        json_decref(obj);
        return;
    }
    if (r->ri.name[0]) {
        json_decref(obj);
        kapi_respond_status(r, gt_kst_new(405, NULL, "the server does not allow this method on "
                                                     "the requested resource"));
        return;
    }
    if (kapi_check_namespace(r, k, obj, &st) < 0 || kapi_check_fields(r, k, obj, NULL, false, &st) < 0 ||
        kapi_create_object(r, k, obj, &st) < 0) {
        json_decref(obj);
        kapi_respond_status(r, st);
        return;
    }
    kapi_respond_obj(r, 201, obj);
    json_decref(obj);
}

/* ---- updates ---- */

/* Encoded forms equal, resourceVersion aside: nothing to write. */
static bool unchanged(const json_t *a, const json_t *b)
{
    size_t la, lb;
    char *sa = gt_kreg_encode(a, &la), *sb = gt_kreg_encode(b, &lb);
    bool eq = la == lb && !memcmp(sa, sb, la);
    free(sa);
    free(sb);
    return eq;
}

int kapi_update_loop(struct kreq *r, const struct gt_kind *k, const char *ns, const char *name,
                     const char *sub, kapi_mutate_fn fn, void *ctx, json_t **result, int *code,
                     json_t **st)
{
    *code = 200;
    for (int attempt = 0; attempt < 16; attempt++) {
        json_t *cur = NULL;
        int64_t rev = 0;
        int rc = gt_kreg_get(r->api->store, k, ns, name, 0, &cur, &rev, st);
        if (rc < 0) {
            int c = (int)json_integer_value(json_object_get(*st, "code"));
            if (c != 404 || !fn)
                return -1;
            /* the mutator may create (server-side apply) */
        }
        json_t *next = NULL;
        bool precondition = false;
        int m = fn(r, cur, &next, &precondition, ctx, st);
        if (m < 0) {
            json_decref(cur);
            return -1;
        }
        if (!cur) {
            json_decref(*st);
            *st = NULL;
            if (kapi_create_object(r, k, next, st) < 0) {
                json_decref(next);
                int c = (int)json_integer_value(json_object_get(*st, "code"));
                if (c == 409 && !precondition && attempt < 15)
                    continue;
                return -1;
            }
            *code = 201;
            *result = next;
            return 0;
        }
        kapi_prepare_update(k, sub, next, cur);
        enum kapi_op op = KOP_UPDATE;
        /* a binding sets what validation forbids updates to change
         * (spec.nodeName): it is the scheduler's write, checked by its
         * own rules (rest_sub.c) */
        bool trusted = sub && !strcmp(sub, "binding");
        int adm = trusted ? 0 : kapi_admit(r, k, op, next, cur, st);
        if (adm == KAPI_RETRY) {
            json_decref(next);
            json_decref(cur);
            continue;
        }
        if (adm < 0) {
            json_decref(next);
            json_decref(cur);
            return -1;
        }
        const struct kapi_hooks *h = kapi_hooks_of(k);
        if (h && !dry_run(r) && h->update(r->api, next, cur, st) < 0) {
            json_decref(next);
            json_decref(cur);
            return -1;
        }
        kapi_bump_generation(k, next, cur);
        kapi_track_fields(r, k, cur, next, sub);
        /* the last finalizer of an object being deleted is gone: delete it */
        if (gt_kobj_has(next, "metadata.deletionTimestamp") &&
            gt_kobj_len(next, "metadata.finalizers") == 0 &&
            !(strcmp(k->kind, "Namespace") == 0 && gt_kobj_len(next, "spec.finalizers") > 0) &&
            !(strcmp(k->kind, "Pod") == 0 && gt_kobj_int(next, "metadata.deletionGracePeriodSeconds", 0) > 0)) {
            json_t *deleted = NULL;
            if (dry_run(r)) {
                *result = next;
                json_decref(cur);
                return 0;
            }
            rc = gt_kreg_delete(r->api->store, k, ns, name, rev, &deleted, st);
            json_decref(cur);
            if (rc == 0) {
                json_decref(next);
                if (h)
                    h->release(r->api, deleted);
                *result = deleted;
                gt_kctrl_kick(r->api->ctrl);
                return 0;
            }
            json_decref(next);
            if (json_integer_value(json_object_get(*st, "code")) == 409 && !precondition)
                continue;
            return -1;
        }
        if (dry_run(r)) {
            /* what the write would store (kubectl diff compares it with
             * the live object), at the live resource version */
            json_decref(cur);
            gt_kreg_set_rv(next, rev);
            *result = next;
            return 0;
        }
        if (unchanged(next, cur)) {
            json_decref(next);
            *result = cur;
            return 0;
        }
        json_decref(cur);
        if (gt_kreg_update(r->api->store, k, next, rev, st) == 0) {
            *result = next;
            return 0;
        }
        json_decref(next);
        if (json_integer_value(json_object_get(*st, "code")) != 409 || precondition)
            return -1;
        json_decref(*st);
        *st = NULL;
    }
    return gt_kst_fail(st, 409, "Conflict", "%s \"%s\": too many conflicting writes",
                       k->resource, name);
}

/* PUT: the body replaces the object. */
struct put_ctx {
    const struct gt_kind *k;
    json_t *body;
};

static int put_mutate(struct kreq *r, json_t *cur, json_t **next, bool *precondition, void *ctx,
                      json_t **st)
{
    struct put_ctx *p = ctx;
    if (!cur)
        return -1; /* *st holds the 404 */
    int64_t want = gt_kreg_rv_of(p->body);
    if (want < 0)
        return gt_kst_fail(st, 400, NULL, "metadata.resourceVersion: Invalid value: must be a "
                                          "number");
    int64_t have = gt_kreg_rv_of(cur);
    if (want > 0) {
        *precondition = true;
        if (want != have) {
            json_decref(*st);
            *st = gt_kstatus_conflict(p->k->group, p->k->resource, gt_kobj_name(cur),
                                  "the object has been modified; please apply your changes to "
                                  "the latest version and try again");
            return -1;
        }
    }
    const char *uid = gt_kobj_str(p->body, "metadata.uid", "");
    if (uid[0] && strcmp(uid, gt_kobj_uid(cur)) != 0)
        return gt_kst_fail(st, 409, "Conflict",
                           "Precondition failed: UID in precondition: %s, UID in object meta: %s",
                           uid, gt_kobj_uid(cur));
    *next = json_deep_copy(p->body);
    return 0;
}

void kapi_update_with(struct kreq *r, const char *sub)
{
    json_t *st = NULL, *obj = NULL, *result = NULL;
    const struct gt_kind *k = r->kind;
    if (kapi_read_body(r, &obj, &st) < 0 || kapi_check_type(r, k, obj, &st) < 0 ||
        kapi_check_namespace(r, k, obj, &st) < 0) {
        json_decref(obj);
        kapi_respond_status(r, st);
        return;
    }
    const char *name = gt_kobj_str(obj, "metadata.name", "");
    if (!name[0]) {
        json_object_set_new(gt_kobj_ensure(obj, "metadata"), "name", json_string(r->ri.name));
    } else if (strcmp(name, r->ri.name) != 0) {
        st = gt_kst_new(400, NULL,
                        "the name of the object (%s) does not match the name on the URL (%s)",
                        name, r->ri.name);
        json_decref(obj);
        kapi_respond_status(r, st);
        return;
    }
    if (kapi_check_fields(r, k, obj, NULL, false, &st) < 0) {
        json_decref(obj);
        kapi_respond_status(r, st);
        return;
    }
    struct put_ctx pc = { k, obj };
    int code;
    int rc = kapi_update_loop(r, k, r->ri.namespace_, r->ri.name, sub, put_mutate, &pc, &result,
                              &code, &st);
    json_decref(obj);
    if (rc < 0) {
        kapi_respond_status(r, st);
        return;
    }
    kapi_respond_obj(r, code, result);
    json_decref(result);
}

void kapi_update(struct kreq *r)
{
    kapi_update_with(r, NULL);
}
