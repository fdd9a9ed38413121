/* Who asks and what they may do: the server's side of kube/authn.h and
 * kube/rbac.h.
 *
 * Authentication: a verified client certificate, a bearer token (static
 * token file, then service-account JWTs), or nothing -- anonymous, which
 * reaches only /version, /healthz, /livez and /readyz (401 elsewhere).
 * The plain-HTTP listener, loopback only and only behind
 * --insecure-http-address, takes a request without a token as
 * system:admin in system:masters (tests).  Impersonate-* headers then
 * switch the user, when RBAC lets the requester impersonate.
 * Authorization: RBAC over the cache; system:masters always passes. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/log.h"
#include "base/mem.h"
#include "kube/api/internal.h"
#include "kube/api/registry.h"
#include "kube/meta.h"
#include "kube/obj.h"
#include "kube/status.h"

/* Service-account issuer discovery: the public key and where to find it,
 * for anyone (Kubernetes binds them to system:serviceaccounts; they hold
 * nothing secret). */
static bool discovery_path(const char *path)
{
    return !strcmp(path, "/openid/v1/jwks") || !strcmp(path, "/.well-known/openid-configuration");
}

static bool public_path(const char *path)
{
    if (discovery_path(path))
        return true;
    static const char *const pub[] = { "/version", "/healthz", "/livez", "/readyz" };
    for (size_t i = 0; i < sizeof pub / sizeof pub[0]; i++) {
        size_t n = strlen(pub[i]);
        if (!strncmp(path, pub[i], n) && (path[n] == 0 || path[n] == '/'))
            return true;
    }
    return false;
}

int kapi_authenticate(struct kreq *r)
{
    const struct gt_http_peer *peer = gt_http_req_peer(r->http);
    const char *auth = gt_http_req_header(r->http, "Authorization");
    if (peer->kind == GT_HTTP_TCP && !auth) {
        /* the explicit, loopback-only plain HTTP listener (tests) */
        gt_kuser_init(&r->user, "system:admin", "");
        gt_kuser_add_group(&r->user, GT_KGROUP_MASTERS);
        gt_kuser_add_group(&r->user, GT_KGROUP_AUTHENTICATED);
        return 0;
    }
    struct gt_kauthn_creds c = { .authorization = auth };
    if (peer->kind == GT_HTTP_TLS && peer->cert_verified) {
        c.cert_cn = peer->cert_cn;
        c.cert_orgs = peer->cert_orgs;
    }
    struct gt_error err = { 0 };
    if (gt_kauthn_request(&r->api->authn, &c, r->now, &r->user, &err) < 0) {
        gt_debug("authentication failed: %s", err.msg);
        gt_kuser_init(&r->user, NULL, NULL);
        kapi_respond_status(r, gt_kstatus_unauthorized());
        return -1;
    }
    if (!strcmp(r->user.name, GT_KUSER_ANONYMOUS) && !public_path(r->ri.path)) {
        kapi_respond_status(r, gt_kstatus_unauthorized());
        return -1;
    }
    return 0;
}

/* The key of an Impersonate-Extra-<key> header: lower case (header names
 * are case-insensitive) and percent-decoded (keys may hold characters a
 * header name cannot), as Kubernetes reads it. */
static char *extra_key(const char *s)
{
    char *out = gt_xmalloc(strlen(s) + 1), *o = out;
    for (; *s; s++) {
        unsigned hi, lo;
        if (s[0] == '%' && sscanf(s + 1, "%1x%1x", &hi, &lo) == 2) {
            *o++ = (char)(hi << 4 | lo);
            s += 2;
        } else {
            *o++ = (char)tolower((unsigned char)*s);
        }
    }
    *o = 0;
    return out;
}

#define EXTRA_PREFIX "Impersonate-Extra-"

int kapi_impersonate(struct kreq *r)
{
    const char *user = gt_http_req_header(r->http, "Impersonate-User");
    const char *uid = gt_http_req_header(r->http, "Impersonate-Uid");
    const char *const *groups = NULL;
    size_t ngroups = gt_http_req_header_all(r->http, "Impersonate-Group", &groups);
    json_t *extra = NULL;
    const char *name, *value;
    for (size_t i = 0; gt_http_req_header_at(r->http, i, &name, &value); i++) {
        if (strncasecmp(name, EXTRA_PREFIX, strlen(EXTRA_PREFIX)) != 0)
            continue;
        char *key = extra_key(name + strlen(EXTRA_PREFIX));
        if (!extra)
            extra = json_object();
        json_t *vals = json_object_get(extra, key);
        if (!vals) {
            vals = json_array();
            json_object_set_new(extra, key, vals);
        }
        json_array_append_new(vals, json_string(value));
        free(key);
    }
    if (!user && !ngroups && !uid && !extra)
        return 0;
    struct gt_kimpersonate imp = { .user = user, .groups = ngroups ? groups : NULL,
                                   .uid = uid, .extra = extra };
    struct gt_kuser as;
    json_t *st = NULL;
    int rc = gt_krbac_impersonate(&r->api->lister, &r->user, &imp, &as, &st);
    json_decref(extra);
    if (rc < 0) {
        kapi_respond_status(r, st ? st : gt_kstatus_internal("impersonation failed"));
        return -1;
    }
    gt_kuser_release(&r->user);
    r->user = as;
    return 0;
}

int kapi_authorize(struct gt_kapi *api, const struct gt_kuser *u, const struct gt_kreqinfo *ri,
                   json_t **st)
{
    struct gt_kauthz_attrs a = { .user = u, .verb = ri->verb,
                                 .resource_request = ri->resource_request,
                                 .api_group = ri->group, .resource = ri->resource,
                                 .subresource = ri->subresource, .namespace = ri->namespace_,
                                 .name = ri->name, .path = ri->path };
    if (!ri->resource_request && discovery_path(ri->path))
        return 0;
    char *reason = NULL;
    if (gt_krbac_authorize(&api->lister, &a, &reason) == GT_KAUTHZ_ALLOW) {
        free(reason);
        return 0;
    }
    json_decref(*st);
    *st = gt_krbac_forbidden_status(&a, reason ? reason : "");
    free(reason);
    return -1;
}

void kapi_issuer_discovery(struct kreq *r)
{
    json_t *doc = !strcmp(r->ri.path, "/openid/v1/jwks")
                      ? gt_ksa_key_jwks(r->api->sa_key)
                      : gt_ksa_openid_config(r->api->authn.issuer);
    kapi_respond_obj(r, 200, doc);
    json_decref(doc);
}

/* ---- reviews: answered from the request, never stored ---- */

static json_t *review_ssar(struct kreq *r, json_t *obj, bool *ok)
{
    return gt_krbac_access_review(&r->api->lister, obj, &r->user, NULL, ok);
}

static json_t *review_sar(struct kreq *r, json_t *obj, bool *ok)
{
    return gt_krbac_access_review(&r->api->lister, obj, NULL, NULL, ok);
}

static json_t *review_lsar(struct kreq *r, json_t *obj, bool *ok)
{
    return gt_krbac_access_review(&r->api->lister, obj, NULL, r->ri.namespace_, ok);
}

static json_t *review_ssrr(struct kreq *r, json_t *obj, bool *ok)
{
    return gt_krbac_rules_review(&r->api->lister, obj, &r->user);
}

static json_t *review_token(struct kreq *r, json_t *obj, bool *ok)
{
    return gt_kauthn_token_review(&r->api->authn, obj, r->now);
}

static json_t *review_self(struct kreq *r, json_t *obj, bool *ok)
{
    return gt_kauthn_self_review(obj, &r->user);
}

static const struct {
    const char *kind;
    json_t *(*answer)(struct kreq *r, json_t *obj, bool *ok);
} reviews[] = {
    { "SelfSubjectAccessReview", review_ssar },
    { "SubjectAccessReview", review_sar },
    { "LocalSubjectAccessReview", review_lsar },
    { "SelfSubjectRulesReview", review_ssrr },
    { "TokenReview", review_token },
    { "SelfSubjectReview", review_self },
};

void kapi_review(struct kreq *r, json_t *obj)
{
    const char *kind = r->kind->kind;
    json_t *out = NULL;
    bool ok = true;
    if (!json_is_object(json_object_get(obj, "metadata")))
        json_object_set_new(obj, "metadata", json_object());
    for (size_t i = 0; i < sizeof reviews / sizeof reviews[0]; i++)
        if (!strcmp(reviews[i].kind, kind))
            out = reviews[i].answer(r, obj, &ok);
    if (!out) {
        kapi_respond_status(r, gt_kst_new(405, NULL, "%s cannot be created here", kind));
        return;
    }
    if (!ok) {
        kapi_respond_status(r, out);
        return;
    }
    kapi_respond_obj(r, 201, out);
    json_decref(out);
}

void kapi_token_request(struct kreq *r)
{
    json_t *st = NULL, *sa = NULL, *body = NULL, *out = NULL;
    if (gt_kreg_get(r->api->store, r->kind, r->ri.namespace_, r->ri.name, 0, &sa, NULL, &st) <
        0) {
        kapi_respond_status(r, st);
        return;
    }
    if (kapi_read_body(r, &body, &st) < 0) {
        json_decref(sa);
        kapi_respond_status(r, st);
        return;
    }
    struct gt_ksa_request_opts o = { .issuer = r->api->authn.issuer,
                                     .audiences = r->api->authn.audiences, .now = r->now,
                                     .lister = &r->api->lister };
    int rc = gt_ksa_token_request(r->api->sa_key, &o, sa, body, &out);
    json_decref(sa);
    json_decref(body);
    if (rc < 0) {
        kapi_respond_status(r, out ? out : gt_kstatus_internal("token request failed"));
        return;
    }
    kapi_respond_obj(r, 201, out);
    json_decref(out);
}

/* Creates every object of arr unless one of that name exists. */
static int create_absent(struct gt_kapi *api, const struct gt_kind *k, json_t *arr,
                         struct gt_error *err)
{
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o) {
        json_t *cur = gt_kwc_get(api->cache, k, "", gt_kobj_name(o));
        if (cur) {
            json_decref(cur);
            continue;
        }
        kapi_prepare_create(k, o, time(NULL));
        json_t *st = NULL;
        if (gt_kreg_create(api->store, k, o, &st) < 0) {
            int code = (int)json_integer_value(json_object_get(st, "code"));
            if (code != 409) {
                gt_err(err, EIO, "bootstrap %s %s: %s", k->kind, gt_kobj_name(o),
                       gt_kobj_str(st, "message", ""));
                json_decref(st);
                return -EIO;
            }
            json_decref(st);
        }
    }
    return 0;
}

int kapi_rbac_bootstrap(struct gt_kapi *api, struct gt_error *err)
{
    json_t *roles = gt_krbac_bootstrap_clusterroles();
    json_t *bindings = gt_krbac_bootstrap_clusterrolebindings();
    int rc = create_absent(api, kapi_kind_named(GT_KRBAC_GROUP, "clusterroles"), roles, err);
    if (rc == 0)
        rc = create_absent(api, kapi_kind_named(GT_KRBAC_GROUP, "clusterrolebindings"),
                           bindings, err);
    json_decref(roles);
    json_decref(bindings);
    return rc;
}
