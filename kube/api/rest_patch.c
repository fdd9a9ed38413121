/* PATCH in its four content types, and managedFields for every write.
 *
 *   application/json-patch+json            RFC 6902
 *   application/merge-patch+json           RFC 7386
 *   application/strategic-merge-patch+json strategic merge (the kind's schema)
 *   application/apply-patch+yaml           server-side apply (?fieldManager
 *                                          required, ?force), creating the
 *                                          object when it does not exist
 * The patch is applied to the stored object inside the update loop, so a
 * concurrent write makes it apply again to the newer object, unless the
 * patch itself names a resourceVersion (then 409 Conflict).  A patch of
 * /scale applies to the Scale and writes back spec.replicas; a patch of
 * /status keeps everything but status.  The body of an apply patch must be
 * JSON (kubectl sends JSON; YAML is not parsed here). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/cleanup.h"
#include "base/mem.h"
#include "kube/api/internal.h"
#include "kube/status.h"
#include "kube/api/registry.h"
#include "kube/meta.h"
#include "kube/obj.h"
#include "kube/patch.h"

enum patch_type { PT_JSON, PT_MERGE, PT_STRATEGIC, PT_APPLY };

static const struct {
    const char *media;
    enum patch_type type;
} types[] = {
    { "application/json-patch+json", PT_JSON },
    { "application/merge-patch+json", PT_MERGE },
    { "application/strategic-merge-patch+json", PT_STRATEGIC },
    { "application/apply-patch+yaml", PT_APPLY },
    { "application/apply-patch+json", PT_APPLY },
};

/* The field manager of a write: ?fieldManager, else the client's name
 * from its User-Agent ("kubectl/v1.32.4 ..." gives "kubectl"), as
 * Kubernetes defaults it. */
static const char *field_manager(struct kreq *r, char buf[128])
{
    const char *m = gt_http_req_query(r->http, "fieldManager");
    if (m && m[0])
        return m;
    const char *ua = gt_http_req_header(r->http, "User-Agent");
    if (!ua || !ua[0])
        return "unknown";
    size_t n = strcspn(ua, "/ ");
    if (n >= 128)
        n = 127;
    memcpy(buf, ua, n);
    buf[n] = 0;
    return buf;
}

void kapi_track_fields(struct kreq *r, const struct gt_kind *k, const json_t *old, json_t *obj,
                       const char *sub)
{
    if (r->applied)
        return;
    char mb[128], av[64], now[32];
    gt_kmeta_time_format((time_t)r->now, now);
    struct gt_kssa_opts o = { .schema = k->schema, .manager = field_manager(r, mb),
                              .api_version = kapi_api_version(k, av),
                              .subresource = sub && !strcmp(sub, "status") ? "status" : NULL,
                              .status_subresource = (k->flags & GT_KIND_STATUS) != 0,
                              .now = now };
    struct gt_error err = { 0 };
    if (gt_kssa_update(old, obj, &o, &err) < 0)
        kapi_warn(r, "managedFields not updated: %s", err.msg);
}

struct patch_ctx {
    enum patch_type type;
    json_t *patch;
    const char *sub; /* NULL, "status", "scale" */
    bool fields_checked; /* once, not again when a conflict retries */
};

static int patch_error(struct patch_ctx *p, int rc, const struct gt_error *err, json_t **st)
{
    if (rc == -EBADMSG)
        return gt_kst_fail(st, 400, NULL, "%s", err->msg);
    if (rc == -EINVAL && p->type == PT_JSON)
        return gt_kst_fail(st, 422, "Invalid",
                           "the server rejected our request due to an error in our request: %s",
                           err->msg);
    return gt_kst_fail(st, rc == -EINVAL ? 400 : 500, NULL, "%s", err->msg);
}

static int patch_mutate(struct kreq *r, json_t *cur, json_t **next, bool *precondition,
                        void *ctx, json_t **st)
{
    struct patch_ctx *p = ctx;
    const struct gt_kind *k = r->kind;
    struct gt_error err = { 0 };
    json_t *out = NULL;
    if (!cur && p->type != PT_APPLY)
        return -1; /* *st: 404 */
    if (!cur && p->sub)
        return -1;
    json_t *base = cur;
    json_t *scale = NULL;
    /* pk: the kind the patch is written against (the URL's version) */
    const struct gt_kind *pk = k;
    if (p->sub && !strcmp(p->sub, "scale")) {
        scale = gt_kind_scale(k, cur);
        base = scale;
    } else if (r->view) {
        pk = r->view;
        /* the patch applies to the object as that version shows it; held
         * by scale's reference, released with it */
        if (cur)
            base = scale = pk->from_storage(cur);
    }
    bool to_scale = scale && base != cur && pk == k;
    int rc = 0;
    switch (p->type) {
    case PT_JSON:
        rc = gt_kpatch_json(base, p->patch, &out, &err);
        break;
    case PT_MERGE:
        rc = gt_kpatch_merge(base, p->patch, &out, &err);
        break;
    case PT_STRATEGIC:
        rc = gt_kpatch_strategic(base, p->patch, to_scale ? NULL : pk->schema, &out, &err);
        break;
    case PT_APPLY: {
        char av[64], now[32];
        gt_kmeta_time_format((time_t)r->now, now);
        struct gt_kssa_opts o = { .schema = to_scale ? NULL : pk->schema,
                                  .manager = gt_http_req_query(r->http, "fieldManager"),
                                  .api_version = to_scale ? "autoscaling/v1"
                                                          : kapi_api_version(pk, av),
                                  .subresource = p->sub,
                                  .status_subresource = (k->flags & GT_KIND_STATUS) != 0,
                                  .now = now,
                                  .force = gt_http_req_query_bool(r->http, "force", false) };
        json_t *conflict = NULL;
        rc = gt_kssa_apply(base, p->patch, &o, &out, &conflict, &err);
        if (rc == -EBUSY) {
            json_decref(scale);
            json_decref(*st);
            *st = conflict ? conflict : gt_kst_new(409, "Conflict", "%s", err.msg);
            return -1;
        }
        json_decref(conflict);
        r->applied = true;
        break;
    }
    }
    if (rc < 0) {
        json_decref(scale);
        return patch_error(p, rc, &err, st);
    }
    if (!json_is_object(out)) {
        json_decref(out);
        json_decref(scale);
        return gt_kst_fail(st, 422, "Invalid", "the patch made the object something other than a "
                                               "JSON object");
    }
    /* a resourceVersion in the patch is a precondition */
    const char *want = gt_kobj_str(p->patch, "metadata.resourceVersion", NULL);
    if (p->type == PT_JSON)
        want = NULL;
    if (cur && (want || p->type == PT_JSON)) {
        const char *got = gt_kobj_str(out, "metadata.resourceVersion", "");
        const char *have = gt_kobj_str(base, "metadata.resourceVersion", "");
        if (got[0] && strcmp(got, have) != 0) {
            *precondition = true;
            json_decref(out);
            json_decref(scale);
            json_decref(*st);
            *st = gt_kstatus_conflict(k->group, k->resource, r->ri.name,
                                  "the object has been modified; please apply your changes to "
                                  "the latest version and try again");
            return -1;
        }
        if (want && want[0])
            *precondition = true;
    }
    if (to_scale) {
        json_t *n = json_deep_copy(cur);
        if (gt_kind_apply_scale(k, n, out, &err) < 0) {
            json_decref(n);
            json_decref(out);
            json_decref(scale);
            return gt_kst_fail(st, 422, "Invalid", "Scale.autoscaling \"%s\" is invalid: %s",
                               r->ri.name, err.msg);
        }
        json_decref(out);
        json_decref(scale);
        *next = n;
        return 0;
    }
    /* unknown fields of the patched object, those it held before aside
     * (of any patch type: what the object becomes is what Kubernetes'
     * strict decoder reads) */
    if (!p->fields_checked) {
        p->fields_checked = true;
        if (kapi_check_fields(r, pk, out, base, cur != NULL, st) < 0) {
            json_decref(out);
            json_decref(scale);
            return -1;
        }
    }
    json_decref(scale);
    if (pk != k) {
        json_t *st2 = NULL;
        if (kapi_check_type(r, pk, out, &st2) < 0) {
            json_decref(out);
            json_decref(*st);
            *st = st2;
            return -1;
        }
        json_t *stored = pk->to_storage(out);
        json_decref(out);
        out = stored;
    }
    if (!cur) {
        /* apply creates: the object takes its coordinates from the URL */
        json_t *st2 = NULL;
        if (kapi_check_type(r, k, out, &st2) < 0 || kapi_check_namespace(r, k, out, &st2) < 0) {
            json_decref(out);
            json_decref(*st);
            *st = st2;
            return -1;
        }
        const char *name = gt_kobj_str(out, "metadata.name", "");
        if (name[0] && strcmp(name, r->ri.name) != 0) {
            json_decref(out);
            return gt_kst_fail(st, 400, NULL,
                               "the name of the object (%s) does not match the name on the URL "
                               "(%s)",
                               name, r->ri.name);
        }
        json_object_set_new(gt_kobj_ensure(out, "metadata"), "name", json_string(r->ri.name));
    }
    *next = out;
    return 0;
}

static void patch_with(struct kreq *r, const char *sub)
{
    json_t *st = NULL;
    const char *ct = gt_http_req_header(r->http, "Content-Type");
    char media[128] = "";
    if (ct) {
        size_t n = strcspn(ct, "; ");
        if (n >= sizeof media)
            n = sizeof media - 1;
        memcpy(media, ct, n);
        media[n] = 0;
    }
    struct patch_ctx p = { .sub = sub };
    bool known = false;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (!strcasecmp(media, types[i].media)) {
            p.type = types[i].type;
            known = true;
        }
    if (!known) {
        kapi_respond_status(r, gt_kst_new(415, NULL,
                                          "the body of the request was in an unknown format - "
                                          "accepted media types include: "
                                          "application/json-patch+json, "
                                          "application/merge-patch+json, "
                                          "application/apply-patch+yaml, "
                                          "application/strategic-merge-patch+json"));
        return;
    }
    if (p.type == PT_APPLY) {
        const char *m = gt_http_req_query(r->http, "fieldManager");
        if (!m || !m[0]) {
            kapi_respond_status(r, gt_kst_new(422, "Invalid",
                                              "PatchOptions.meta.k8s.io \"\" is invalid: "
                                              "fieldManager: Required value: is required for "
                                              "apply patch"));
            return;
        }
    }
    cleanup_free char *body = NULL;
    size_t len = 0;
    struct gt_error err = { 0 };
    int rc = gt_http_req_body(r->http, &body, &len, &err);
    if (rc == -EFBIG) {
        kapi_respond_status(r, gt_kst_new(413, NULL, "the request body is too large"));
        return;
    }
    if (rc < 0) {
        kapi_respond_status(r, gt_kst_new(400, NULL, "reading the request body: %s", err.msg));
        return;
    }
    json_error_t je;
    bool strict = !strcmp(kapi_field_validation(r), "Strict");
    p.patch = json_loadb(body, len, strict ? JSON_REJECT_DUPLICATES : 0, &je);
    if (!p.patch) {
        kapi_respond_status(r, gt_kst_new(400, NULL, "the patch could not be parsed as JSON: line "
                                                     "%d column %d: %s%s",
                                          je.line, je.column, je.text,
                                          p.type == PT_APPLY ? " (apply patches are read as JSON)"
                                                             : ""));
        return;
    }
    if (p.type != PT_JSON && !json_is_object(p.patch)) {
        json_decref(p.patch);
        kapi_respond_status(r, gt_kst_new(400, NULL, "the patch must be a JSON object"));
        return;
    }
    json_t *result = NULL;
    int code;
    rc = kapi_update_loop(r, r->kind, r->ri.namespace_, r->ri.name, sub, patch_mutate, &p,
                          &result, &code, &st);
    json_decref(p.patch);
    if (rc < 0) {
        kapi_respond_status(r, st);
        return;
    }
    if (sub && !strcmp(sub, "scale")) {
        json_t *s = gt_kind_scale(r->kind, result);
        kapi_respond_obj(r, 200, s);
        json_decref(s);
    } else {
        kapi_respond_obj(r, code, result);
    }
    json_decref(result);
}

void kapi_patch(struct kreq *r)
{
    patch_with(r, NULL);
}

void kapi_patch_sub(struct kreq *r, const char *sub)
{
    patch_with(r, sub);
}
