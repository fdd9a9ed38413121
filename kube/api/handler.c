/* The entry of every API request: authentication, authorization, content
 * negotiation, and dispatch to discovery or to the REST verbs. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/cleanup.h"
#include "base/log.h"
#include "base/mem.h"
#include "kube/api/internal.h"
#include "kube/api/pbextra.h"
#include "kube/meta.h"
#include "kube/proto.h"
#include "kube/obj.h"

/* ---- answering ---- */

const struct gt_kind *kapi_url_kind(struct kreq *r)
{
    return r->view ? r->view : r->kind;
}

json_t *kapi_to_view(struct kreq *r, const json_t *obj)
{
    if (!r->view || !r->kind || gt_kind_of(obj) != r->kind)
        return json_incref((json_t *)obj);
    return r->view->from_storage(obj);
}

void kapi_respond_obj(struct kreq *r, int code, const json_t *obj)
{
    json_t *o = kapi_to_view(r, obj);
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!s)
        abort();
    gt_http_respond(r->http, code, "application/json", s, strlen(s));
    free(s);
}

void kapi_respond_status(struct kreq *r, json_t *st)
{
    int code = (int)json_integer_value(json_object_get(st, "code"));
    if (code < 400 || code > 599)
        code = 500;
    kapi_respond_obj(r, code, st);
    json_decref(st);
}

void kapi_warn(struct kreq *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg;
    if (vasprintf(&msg, fmt, ap) < 0)
        abort();
    va_end(ap);
    /* a warning is a quoted string in the header; quotes inside are escaped */
    char *q = gt_xmalloc(strlen(msg) * 2 + 16), *p = q;
    p += sprintf(p, "299 - \"");
    for (const char *s = msg; *s; s++) {
        if (*s == '"' || *s == '\\')
            *p++ = '\\';
        *p++ = (*s == '\n' || *s == '\r') ? ' ' : *s;
    }
    *p++ = '"';
    *p = 0;
    gt_http_add_header(r->http, "Warning", q);
    free(q);
    free(msg);
}

static json_t *partial_of(const json_t *obj, const char *version)
{
    json_t *meta = json_deep_copy(json_object_get(obj, "metadata"));
    if (!meta)
        meta = json_object();
    char av[64];
    snprintf(av, sizeof av, "meta.k8s.io/%s", version);
    return json_pack("{s:s,s:s,s:o}", "kind", "PartialObjectMetadata", "apiVersion", av,
                     "metadata", meta);
}

void kapi_respond_read(struct kreq *r, const json_t *obj)
{
    if (r->out == KOUT_TABLE && r->kind) {
        json_t *items = json_array();
        json_array_append(items, (json_t *)obj);
        json_t *t = gt_kind_table(r->kind, items, r->now, true,
                                  gt_kobj_str(obj, "metadata.resourceVersion", NULL));
        json_decref(items);
        if (!strcmp(r->out_version, "v1beta1"))
            json_object_set_new(t, "apiVersion", json_string("meta.k8s.io/v1beta1"));
        if (!strcmp(gt_http_req_query(r->http, "includeObject") ?: "", "Object")) {
            json_t *row = json_array_get(json_object_get(t, "rows"), 0);
            json_object_set(row, "object", (json_t *)obj);
        }
        kapi_respond_obj(r, 200, t);
        json_decref(t);
        return;
    }
    if (r->out == KOUT_PARTIAL) {
        json_t *p = partial_of(obj, r->out_version);
        kapi_respond_obj(r, 200, p);
        json_decref(p);
        return;
    }
    kapi_respond_obj(r, 200, obj);
}

/* ---- media types ---- */

struct media {
    char type[96];
    char as[64], g[64], v[32];
};

/* Parses one media range ("application/json;as=Table;v=v1;g=meta.k8s.io"). */
static void parse_media(const char *s, size_t n, struct media *m)
{
    memset(m, 0, sizeof *m);
    char buf[512];
    if (n >= sizeof buf)
        n = sizeof buf - 1;
    memcpy(buf, s, n);
    buf[n] = 0;
    char *save = NULL;
    char *tok = strtok_r(buf, ";", &save);
    for (int i = 0; tok; i++, tok = strtok_r(NULL, ";", &save)) {
        while (isspace((unsigned char)*tok))
            tok++;
        char *e = tok + strlen(tok);
        while (e > tok && isspace((unsigned char)e[-1]))
            *--e = 0;
        if (i == 0) {
            snprintf(m->type, sizeof m->type, "%s", tok);
            for (char *p = m->type; *p; p++)
                *p = (char)tolower((unsigned char)*p);
            continue;
        }
        char *eq = strchr(tok, '=');
        if (!eq)
            continue;
        *eq = 0;
        const char *val = eq + 1;
        if (!strcasecmp(tok, "as"))
            snprintf(m->as, sizeof m->as, "%s", val);
        else if (!strcasecmp(tok, "g"))
            snprintf(m->g, sizeof m->g, "%s", val);
        else if (!strcasecmp(tok, "v"))
            snprintf(m->v, sizeof m->v, "%s", val);
    }
}

static bool json_like(const char *type)
{
    return !strcmp(type, "application/json") || !strcmp(type, "*/*") ||
           !strcmp(type, "application/*") || !type[0];
}

/* Chooses the output form from Accept; -1 (406 sent) when nothing fits. */
static int negotiate(struct kreq *r)
{
    r->out = KOUT_JSON;
    r->out_version = "v1";
    const char *acc = gt_http_req_header(r->http, "Accept");
    if (!acc || !acc[0])
        return 0;
    const char *p = acc;
    bool any = false;
    while (*p) {
        size_t n = strcspn(p, ",");
        struct media m;
        parse_media(p, n, &m);
        p += n;
        if (*p == ',')
            p++;
        if (!json_like(m.type))
            continue;
        any = true;
        if (!m.as[0])
            return 0;
        bool meta_group = !strcmp(m.g, "meta.k8s.io");
        bool ver = !strcmp(m.v, "v1") || !strcmp(m.v, "v1beta1");
        if (!meta_group || !ver)
            continue;
        if (!strcmp(m.as, "Table")) {
            r->out = KOUT_TABLE;
            r->out_version = !strcmp(m.v, "v1") ? "v1" : "v1beta1";
            return 0;
        }
        if (!strcmp(m.as, "PartialObjectMetadata") || !strcmp(m.as, "PartialObjectMetadataList")) {
            r->out = KOUT_PARTIAL;
            r->out_version = !strcmp(m.v, "v1") ? "v1" : "v1beta1";
            return 0;
        }
    }
    /* a protobuf-only Accept still gets JSON from the typed clients' point of
     * view only if they listed JSON too; otherwise say what we speak */
    if (!any && !strstr(acc, "protobuf")) {
        kapi_respond_status(r, gt_kst_new(406, NULL,
                                          "only the following media types are accepted: "
                                          "application/json, application/json;as=Table;v=v1;"
                                          "g=meta.k8s.io"));
        return -1;
    }
    return 0;
}

const char *kapi_field_validation(struct kreq *r)
{
    const char *v = gt_http_req_query(r->http, "fieldValidation");
    if (v && !strcasecmp(v, "Strict"))
        return "Strict";
    if (v && !strcasecmp(v, "Ignore"))
        return "Ignore";
    return "Warn";
}

static bool is_protobuf(const char *ct)
{
    return ct && !strncasecmp(ct, "application/vnd.kubernetes.protobuf", 35);
}

/* Is the body an object of the URL's version (r->view), to convert: the
 * resource itself or its status, not another subresource's own kind. */
static bool body_of_view(struct kreq *r)
{
    return r->view && (!r->sub || !strcmp(r->sub->name, "status"));
}

/* A body in the version of the URL (r->view): its type and fields checked
 * as that version's, then converted to the stored one (o is consumed). */
static int to_storage(struct kreq *r, json_t **obj, json_t *o, json_t **st)
{
    if (kapi_check_type(r, r->view, o, st) < 0 ||
        kapi_check_fields(r, r->view, o, NULL, false, st) < 0) {
        json_decref(o);
        return -1;
    }
    *obj = r->view->to_storage(o);
    json_decref(o);
    return 0;
}

int kapi_read_body(struct kreq *r, json_t **obj, json_t **st)
{
    cleanup_free char *body = NULL;
    size_t len = 0;
    struct gt_error err = { 0 };
    int rc = gt_http_req_body(r->http, &body, &len, &err);
    if (rc == -EFBIG)
        return gt_kst_fail(st, 413, NULL, "the request body is too large (over %u bytes)",
                           KAPI_MAX_BODY);
    if (rc < 0)
        return gt_kst_fail(st, 400, NULL, "reading the request body: %s", err.msg);
    const char *ct = gt_http_req_header(r->http, "Content-Type");
    char what[160];
    snprintf(what, sizeof what, "%s", r->kind ? r->kind->kind : "object");
    if (is_protobuf(ct)) {
        json_t *o = NULL;
        int prc = gt_kproto_decode(body, len, &o, &err);
        if (prc == -ENOTSUP) {
            /* subresource bodies kube/proto does not know */
            struct gt_error err2 = { 0 };
            prc = gt_kpbx_decode(body, len, &o, &err2);
            if (prc == -EPROTO)
                err = err2;
        }
        if (prc == -ENOTSUP)
            return gt_kst_fail(st, 415, NULL, "the body of the request was in an unknown format "
                                              "- accepted media types include: application/json "
                                              "(protobuf: %s)",
                               err.msg);
        if (prc < 0)
            return gt_kst_fail(st, 400, NULL, "the body of the request could not be decoded: %s",
                               err.msg);
        if (body_of_view(r))
            return to_storage(r, obj, o, st);
        *obj = o;
        return 0;
    }
    /* a missing Content-Type is JSON (kubectl scale --current-replicas) */
    if (ct && ct[0]) {
        struct media m;
        parse_media(ct, strlen(ct), &m);
        if (strcmp(m.type, "application/json") != 0 && strcmp(m.type, "*/*") != 0 &&
            strcmp(m.type, "application/apply-patch+yaml") != 0 &&
            strcmp(m.type, "application/merge-patch+json") != 0 &&
            strcmp(m.type, "application/strategic-merge-patch+json") != 0 &&
            strcmp(m.type, "application/json-patch+json") != 0 &&
            strcmp(m.type, "application/apply-patch+json") != 0)
            return gt_kst_fail(st, 415, NULL,
                               "the body of the request was in an unknown format - accepted "
                               "media types include: application/json, "
                               "application/vnd.kubernetes.protobuf");
    }
    if (len == 0)
        return gt_kst_fail(st, 400, NULL, "the request body is empty: expected a %s", what);
    bool strict = !strcmp(kapi_field_validation(r), "Strict");
    json_error_t je;
    json_t *o = json_loadb(body, len, strict ? JSON_REJECT_DUPLICATES : 0, &je);
    if (!o) {
        if (strict && strstr(je.text, "duplicate"))
            return gt_kst_fail(st, 400, NULL, "strict decoding error: %s", je.text);
        return gt_kst_fail(st, 400, NULL,
                           "the object provided is unrecognized (must be of type %s): "
                           "couldn't parse JSON at line %d column %d: %s",
                           what, je.line, je.column, je.text);
    }
    if (body_of_view(r))
        return to_storage(r, obj, o, st);
    *obj = o;
    return 0;
}

/* ---- non-resource endpoints ---- */

static void version(struct kreq *r)
{
    json_t *v = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "major", "1", "minor",
                          "32", "gitVersion", KAPI_GIT_VERSION, "gitCommit", "gantry",
                          "gitTreeState", "clean", "buildDate", "2026-11-23T00:00:00Z",
                          "goVersion", "none (C)", "compiler", "gcc", "platform", "linux/amd64",
                          "emulationMajor", "1");
    json_object_set_new(v, "emulationMinor", json_string("32"));
    json_object_set_new(v, "minCompatibilityMajor", json_string("1"));
    json_object_set_new(v, "minCompatibilityMinor", json_string("31"));
    kapi_respond_obj(r, 200, v);
    json_decref(v);
}

static void health(struct kreq *r)
{
    bool ok = atomic_load(&r->api->ready);
    const char *path = r->ri.path;
    if (!ok) {
        gt_http_respond(r->http, 500, "text/plain; charset=utf-8", "not ready\n", 10);
        return;
    }
    if (gt_http_req_query(r->http, "verbose")) {
        char buf[256];
        int n = snprintf(buf, sizeof buf, "[+]ping ok\n[+]etcd ok\n[+]informer-sync ok\n%s check "
                                          "passed\n",
                         path + 1);
        gt_http_respond(r->http, 200, "text/plain; charset=utf-8", buf, (size_t)n);
        return;
    }
    gt_http_respond(r->http, 200, "text/plain; charset=utf-8", "ok", 2);
}

static void not_found(struct kreq *r)
{
    json_t *st = gt_kst_new(404, NULL, "the server could not find the requested resource");
    json_object_set_new(st, "details", json_object());
    kapi_respond_status(r, st);
}

struct nonres_route {
    const char *prefix; /* exact, or a prefix when it ends with '/' */
    void (*fn)(struct kreq *r);
};

static const struct nonres_route nonres[] = {
    { "/version", version },   { "/healthz", health },   { "/livez", health },
    { "/readyz", health },     { "/healthz/", health },  { "/livez/", health },
    { "/readyz/", health },    { "/api", kapi_discovery }, { "/apis", kapi_discovery },
    { "/apis/", kapi_discovery }, { "/openapi/", kapi_openapi },
    { "/openid/v1/jwks", kapi_issuer_discovery },
    { "/.well-known/openid-configuration", kapi_issuer_discovery },
};

static void nonresource(struct kreq *r)
{
    const char *path = r->ri.path;
    for (size_t i = 0; i < sizeof nonres / sizeof nonres[0]; i++) {
        const char *pre = nonres[i].prefix;
        size_t n = strlen(pre);
        bool match = pre[n - 1] == '/' ? !strncmp(path, pre, n) : !strcmp(path, pre);
        if (match) {
            if (strcmp(r->ri.verb, "get") != 0 && strcmp(r->ri.verb, "head") != 0) {
                kapi_respond_status(r, gt_kst_new(405, NULL, "the server does not allow this "
                                                             "method on the requested resource"));
                return;
            }
            nonres[i].fn(r);
            return;
        }
    }
    not_found(r);
}

/* ---- resources ---- */

struct verb_route {
    const char *verb;
    unsigned kverb;
    void (*fn)(struct kreq *r);
};

static const struct verb_route verbs[] = {
    { "get", GT_KVERB_GET, kapi_get },
    { "list", GT_KVERB_LIST, kapi_list },
    { "watch", GT_KVERB_WATCH, kapi_watch },
    { "create", GT_KVERB_CREATE, kapi_create },
    { "update", GT_KVERB_UPDATE, kapi_update },
    { "patch", GT_KVERB_PATCH, kapi_patch },
    { "delete", GT_KVERB_DELETE, kapi_delete },
    { "deletecollection", GT_KVERB_DELETECOLLECTION, kapi_deletecollection },
};

static void method_not_allowed(struct kreq *r)
{
    kapi_respond_status(r, gt_kst_new(405, NULL, "the server does not allow this method on the "
                                                 "requested resource"));
}

static void resource(struct kreq *r)
{
    struct gt_kreqinfo *ri = &r->ri;
    if (ri->nparts == 0) {
        kapi_discovery(r);
        return;
    }
    r->kind = gt_kind_by_resource(ri->group, ri->version, ri->resource);
    if (!r->kind) {
        not_found(r);
        return;
    }
    if (r->kind->storage) {
        r->view = r->kind;
        r->kind = r->kind->storage;
    }
    const struct gt_kind *k = r->kind;
    bool has_ns = ri->namespace_[0] != 0;
    bool ns_kind_itself = !strcmp(k->resource, "namespaces") && !k->group[0];
    if (k->namespaced && !has_ns && ri->name[0] && strcmp(ri->verb, "list") != 0 &&
        strcmp(ri->verb, "watch") != 0) {
        not_found(r);
        return;
    }
    if (!k->namespaced && has_ns && !ns_kind_itself) {
        not_found(r);
        return;
    }
    if (ri->subresource[0]) {
        r->sub = gt_kind_subresource(k, ri->subresource);
        if (!r->sub) {
            not_found(r);
            return;
        }
        if (negotiate(r) < 0)
            return;
        kapi_subresource(r);
        return;
    }
    if (k->namespaced && !has_ns &&
        (!strcmp(ri->verb, "create") || !strcmp(ri->verb, "deletecollection"))) {
        not_found(r);
        return;
    }
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
        if (strcmp(verbs[i].verb, ri->verb) != 0)
            continue;
        if (!(k->verbs & verbs[i].kverb)) {
            method_not_allowed(r);
            return;
        }
        if (negotiate(r) < 0)
            return;
        verbs[i].fn(r);
        return;
    }
    method_not_allowed(r);
}

static void handle(struct gt_http_req *req, void *ctx)
{
    struct kreq r = { .api = ctx, .http = req, .now = time(NULL) };
    const char *method = gt_http_req_method(req);
    bool watch = gt_http_req_query_bool(req, "watch", false);
    const char *fsel = gt_http_req_query(req, "fieldSelector");
    char field_name[256] = "";
    if (fsel) {
        /* metadata.name=X narrows a list to one object (authorization by name) */
        const char *p = strstr(fsel, "metadata.name=");
        if (p && (p == fsel || p[-1] == ',')) {
            p += 14;
            if (*p == '=')
                p++;
            size_t n = strcspn(p, ",");
            if (n < sizeof field_name) {
                memcpy(field_name, p, n);
                field_name[n] = 0;
            }
        }
    }
    struct gt_error err = { 0 };
    if (gt_kreqinfo_parse(&r.ri, method, gt_http_req_path(req), watch, field_name, &err) < 0) {
        kapi_respond_status(&r, gt_kst_new(400, NULL, "%s", err.msg));
        gt_kreqinfo_release(&r.ri);
        return;
    }
    if (kapi_authenticate(&r) == 0 && kapi_impersonate(&r) == 0) {
        json_t *st = NULL;
        if (kapi_authorize(r.api, &r.user, &r.ri, &st) < 0)
            kapi_respond_status(&r, st);
        else if (r.ri.resource_request)
            resource(&r);
        else
            nonresource(&r);
    }
    gt_kuser_release(&r.user);
    gt_kreqinfo_release(&r.ri);
}

static void error_fn(struct gt_http_req *req, int status, const char *message, void *ctx)
{
    json_t *st = gt_kst_new(status, NULL, "%s", message);
    char *s = json_dumps(st, JSON_COMPACT);
    gt_http_respond(req, status, "application/json", s, strlen(s));
    free(s);
    json_decref(st);
}

static const struct gt_http_route routes[] = {
    { "*", "/", handle, KAPI_MAX_BODY },
    { "*", "/{path:.+}", handle, KAPI_MAX_BODY },
};

const struct gt_http_route *kapi_routes(size_t *n, gt_http_error_fn *efn)
{
    *n = sizeof routes / sizeof routes[0];
    *efn = error_fn;
    return routes;
}

/* ---- helpers ---- */

const struct gt_kind *kapi_kind_named(const char *group, const char *resource)
{
    size_t n;
    const struct gt_kind *const *all = gt_kinds(&n);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(all[i]->group, group) && !strcmp(all[i]->resource, resource))
            return all[i];
    return NULL;
}

char *kapi_now_rfc3339(void)
{
    char buf[32];
    gt_kmeta_time_format(time(NULL), buf);
    return gt_xstrdup(buf);
}

const char *kapi_api_version(const struct gt_kind *k, char out[64])
{
    return gt_kind_api_version(k, out);
}
