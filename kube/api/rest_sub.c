/* Subresources with behaviour of their own, dispatched by a table:
 *   status     get, update, patch: status only (rest_write.c rules)
 *   scale      get, update, patch: autoscaling/v1 Scale over spec.replicas
 *   binding    create: sets a pod's spec.nodeName (once)
 *   eviction   create: deletes the pod (policy/v1 Eviction)
 *   token      create: a TokenRequest for a service account (review.c)
 *   finalize   update: a namespace's spec.finalizers
 * The streaming ones (log, exec, attach, portforward, proxy) belong to the
 * node agent, which is not part of the server yet: 503 until then. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "kube/api/internal.h"
#include "kube/status.h"
#include "kube/api/registry.h"
#include "kube/obj.h"

static void not_allowed(struct kreq *r)
{
    kapi_respond_status(r, gt_kst_new(405, NULL, "the server does not allow this method on the "
                                                 "requested resource"));
}

/* The body of a request to a subresource that takes only verb; NULL when
 * the request was answered (405, or the body's error). */
static json_t *sub_body(struct kreq *r, const char *verb)
{
    if (strcmp(r->ri.verb, verb) != 0) {
        not_allowed(r);
        return NULL;
    }
    json_t *st = NULL, *body = NULL;
    if (kapi_read_body(r, &body, &st) < 0) {
        kapi_respond_status(r, st);
        return NULL;
    }
    return body;
}

/* ---- status ---- */

static void status_sub(struct kreq *r)
{
    const char *v = r->ri.verb;
    if (!strcmp(v, "get"))
        kapi_get(r);
    else if (!strcmp(v, "update"))
        kapi_update_with(r, "status");
    else if (!strcmp(v, "patch"))
        kapi_patch_sub(r, "status");
    else
        not_allowed(r);
}

/* ---- scale ---- */

struct scale_ctx {
    const json_t *scale;
};

static int scale_mutate(struct kreq *r, json_t *cur, json_t **next, bool *precondition,
                        void *ctx, json_t **st)
{
    struct scale_ctx *s = ctx;
    if (!cur)
        return -1;
    const char *want = gt_kobj_str(s->scale, "metadata.resourceVersion", "");
    if (want[0]) {
        *precondition = true;
        if (strcmp(want, gt_kobj_str(cur, "metadata.resourceVersion", "")) != 0) {
            json_decref(*st);
            *st = gt_kstatus_conflict(r->kind->group, r->kind->resource, gt_kobj_name(cur),
                                  "the object has been modified; please apply your changes to "
                                  "the latest version and try again");
            return -1;
        }
    }
    json_t *n = json_deep_copy(cur);
    struct gt_error err = { 0 };
    if (gt_kind_apply_scale(r->kind, n, s->scale, &err) < 0) {
        json_decref(n);
        json_t *e = gt_kst_new(422, "Invalid", "Scale.autoscaling \"%s\" is invalid: %s",
                               gt_kobj_name(cur), err.msg);
        gt_kst_details(e, gt_kobj_name(cur), "autoscaling", "Scale");
        json_decref(*st);
        *st = e;
        return -1;
    }
    *next = n;
    return 0;
}

void kapi_scale_write(struct kreq *r, const json_t *scale)
{
    json_t *st = NULL, *result = NULL;
    struct scale_ctx sc = { scale };
    int code;
    if (kapi_update_loop(r, r->kind, r->ri.namespace_, r->ri.name, "scale", scale_mutate, &sc,
                         &result, &code, &st) < 0) {
        kapi_respond_status(r, st);
        return;
    }
    json_t *out = gt_kind_scale(r->kind, result);
    kapi_respond_obj(r, 200, out);
    json_decref(out);
    json_decref(result);
}

static void scale_sub(struct kreq *r)
{
    const char *v = r->ri.verb;
    json_t *st = NULL;
    if (!strcmp(v, "get")) {
        json_t *obj = NULL;
        if (gt_kreg_get(r->api->store, r->kind, r->ri.namespace_, r->ri.name, 0, &obj, NULL,
                        &st) < 0) {
            kapi_respond_status(r, st);
            return;
        }
        json_t *s = gt_kind_scale(r->kind, obj);
        kapi_respond_obj(r, 200, s);
        json_decref(s);
        json_decref(obj);
    } else if (!strcmp(v, "update")) {
        json_t *body = NULL;
        if (kapi_read_body(r, &body, &st) < 0) {
            kapi_respond_status(r, st);
            return;
        }
        const char *kd = gt_kobj_str(body, "kind", "Scale");
        if (!json_is_object(body) || strcmp(kd, "Scale") != 0) {
            json_decref(body);
            kapi_respond_status(r, gt_kst_new(400, NULL, "the body must be an autoscaling/v1 "
                                                         "Scale"));
            return;
        }
        kapi_scale_write(r, body);
        json_decref(body);
    } else if (!strcmp(v, "patch")) {
        kapi_patch_sub(r, "scale");
    } else {
        not_allowed(r);
    }
}

/* ---- binding ---- */

struct bind_ctx {
    const char *node;
};

static int bind_mutate(struct kreq *r, json_t *cur, json_t **next, bool *precondition, void *ctx,
                       json_t **st)
{
    struct bind_ctx *b = ctx;
    if (!cur)
        return -1;
    const char *name = gt_kobj_name(cur);
    if (gt_kobj_has(cur, "metadata.deletionTimestamp"))
        return gt_kst_fail(st, 409, "Conflict",
                           "Operation cannot be fulfilled on pods/binding \"%s\": pod %s is being "
                           "deleted, cannot be assigned to a host",
                           name, name);
    const char *have = gt_kobj_str(cur, "spec.nodeName", "");
    if (have[0])
        return gt_kst_fail(st, 409, "Conflict",
                           "Operation cannot be fulfilled on pods/binding \"%s\": pod %s is "
                           "already assigned to node \"%s\"",
                           name, name, have);
    json_t *n = json_deep_copy(cur);
    gt_kobj_set_new(n, "spec.nodeName", json_string(b->node));
    json_t *conds = gt_kobj_arr(n, "status.conditions");
    if (!conds) {
        conds = json_array();
        gt_kobj_set_new(n, "status.conditions", conds);
    }
    char *now = kapi_now_rfc3339();
    json_array_append_new(conds, json_pack("{s:s,s:s,s:n,s:s}", "type", "PodScheduled", "status",
                                           "True", "lastProbeTime", "lastTransitionTime", now));
    free(now);
    *next = n;
    return 0;
}

static void binding_sub(struct kreq *r)
{
    json_t *st = NULL, *result = NULL;
    json_t *body = sub_body(r, "create");
    if (!body)
        return;
    const char *node = gt_kobj_str(body, "target.name", "");
    const char *tkind = gt_kobj_str(body, "target.kind", "Node");
    if (!node[0] || (tkind[0] && strcmp(tkind, "Node") != 0)) {
        json_decref(body);
        kapi_respond_status(r, gt_kst_new(422, "Invalid", "Binding.core \"%s\" is invalid: "
                                                          "target: Invalid value: must name a "
                                                          "Node",
                                          r->ri.name));
        return;
    }
    struct bind_ctx bc = { node };
    int code;
    int rc = kapi_update_loop(r, r->kind, r->ri.namespace_, r->ri.name, "binding", bind_mutate,
                              &bc, &result, &code, &st);
    json_decref(body);
    if (rc < 0) {
        kapi_respond_status(r, st);
        return;
    }
    json_decref(result);
    json_t *ok = gt_kst_success();
    json_object_set_new(ok, "code", json_integer(201));
    kapi_respond_obj(r, 201, ok);
    json_decref(ok);
}

/* ---- eviction ---- */

static void eviction_sub(struct kreq *r)
{
    json_t *st = NULL, *result = NULL;
    json_t *body = sub_body(r, "create");
    if (!body)
        return;
    const char *name = gt_kobj_str(body, "metadata.name", r->ri.name);
    if (strcmp(name, r->ri.name) != 0) {
        json_decref(body);
        kapi_respond_status(r, gt_kst_new(400, NULL, "name in URL does not match name in Eviction "
                                                     "object"));
        return;
    }
    struct kapi_delete_opts o = { .grace = -1 };
    json_t *g = gt_kobj_get(body, "deleteOptions.gracePeriodSeconds");
    if (json_is_integer(g))
        o.grace = json_integer_value(g);
    o.uid_pre = gt_kobj_str(body, "deleteOptions.preconditions.uid", NULL);
    o.rv_pre = gt_kobj_str(body, "deleteOptions.preconditions.resourceVersion", NULL);
    bool gone;
    int rc = kapi_delete_object(r->api, r->kind, r->ri.namespace_, r->ri.name, &o, r->now,
                                &result, &gone, &st);
    json_decref(body);
    if (rc < 0) {
        kapi_respond_status(r, st);
        return;
    }
    json_decref(result);
    json_t *ok = gt_kst_success();
    json_object_set_new(ok, "code", json_integer(201));
    kapi_respond_obj(r, 201, ok);
    json_decref(ok);
}

/* ---- finalize ---- */

struct fin_ctx {
    const json_t *body;
};

static int finalize_mutate(struct kreq *r, json_t *cur, json_t **next, bool *precondition,
                           void *ctx, json_t **st)
{
    struct fin_ctx *f = ctx;
    if (!cur)
        return -1;
    json_t *n = json_deep_copy(cur);
    json_t *fin = gt_kobj_get(f->body, "spec.finalizers");
    if (fin)
        gt_kobj_set(n, "spec.finalizers", fin);
    else
        gt_kobj_del(n, "spec.finalizers");
    *next = n;
    return 0;
}

static void finalize_sub(struct kreq *r)
{
    json_t *st = NULL, *result = NULL;
    json_t *body = sub_body(r, "update");
    if (!body)
        return;
    struct fin_ctx fc = { body };
    int code;
    int rc = kapi_update_loop(r, r->kind, "", r->ri.name, "finalize", finalize_mutate, &fc,
                              &result, &code, &st);
    json_decref(body);
    if (rc < 0) {
        kapi_respond_status(r, st);
        return;
    }
    kapi_respond_obj(r, 200, result);
    json_decref(result);
}

static void token_sub(struct kreq *r)
{
    if (strcmp(r->ri.verb, "create") != 0) {
        not_allowed(r);
        return;
    }
    kapi_token_request(r);
}

static void node_agent_sub(struct kreq *r)
{
    kapi_respond_status(r, gt_kst_new(503, NULL,
                                      "%s/%s needs a node agent, and this server runs none yet",
                                      r->kind->resource, r->ri.subresource));
}

static const struct {
    const char *name;
    void (*fn)(struct kreq *r);
} subs[] = {
    { "status", status_sub },     { "scale", scale_sub },       { "binding", binding_sub },
    { "eviction", eviction_sub }, { "finalize", finalize_sub }, { "token", token_sub },
};

void kapi_subresource(struct kreq *r)
{
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
        if (!strcmp(subs[i].name, r->ri.subresource)) {
            subs[i].fn(r);
            return;
        }
    node_agent_sub(r);
}
