/* Objects that are answered, not stored: SelfSubjectAccessReview,
 * SubjectAccessReview (kubectl auth can-i), TokenReview, and the
 * TokenRequest of serviceaccounts/<name>/token (kubectl create token). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "kube/api/internal.h"
#include "kube/api/registry.h"
#include "kube/meta.h"
#include "kube/obj.h"

/* Evaluates spec.resourceAttributes / nonResourceAttributes for u and
 * fills status. */
static void access_review(struct kreq *r, const struct gt_kuser *u, json_t *obj)
{
    json_t *ra = gt_kobj_obj(obj, "spec.resourceAttributes");
    json_t *nra = gt_kobj_obj(obj, "spec.nonResourceAttributes");
    char *reason = NULL;
    bool ok;
    if (ra) {
        const char *ns = gt_kobj_str(ra, "namespace", "");
        const char *sub = gt_kobj_str(ra, "subresource", "");
        ok = kapi_rbac_allows(r->api, u, gt_kobj_str(ra, "verb", ""), gt_kobj_str(ra, "group", ""),
                              gt_kobj_str(ra, "resource", ""), sub, ns,
                              gt_kobj_str(ra, "name", ""), NULL, &reason);
    } else {
        ok = kapi_rbac_allows(r->api, u, gt_kobj_str(nra, "verb", ""), NULL, NULL, NULL, NULL,
                              NULL, gt_kobj_str(nra, "path", ""), &reason);
    }
    json_t *status = json_pack("{s:b}", "allowed", ok);
    if (reason && reason[0])
        json_object_set_new(status, "reason", json_string(reason));
    free(reason);
    json_object_set_new(obj, "status", status);
}

static int check_attrs(struct kreq *r, const json_t *obj, json_t **st)
{
    json_t *ra = gt_kobj_obj(obj, "spec.resourceAttributes");
    json_t *nra = gt_kobj_obj(obj, "spec.nonResourceAttributes");
    if ((ra != NULL) == (nra != NULL)) {
        json_t *s = gt_kst_new(422, "Invalid",
                               "%s.authorization.k8s.io \"\" is invalid: spec.resourceAttributes: "
                               "Invalid value: exactly one of nonResourceAttributes or "
                               "resourceAttributes must be specified",
                               r->kind->kind);
        json_decref(*st);
        *st = s;
        return -1;
    }
    return 0;
}

void kapi_review(struct kreq *r, json_t *obj)
{
    json_t *st = NULL;
    const char *kind = r->kind->kind;
    char av[64];
    json_object_set_new(obj, "apiVersion", json_string(kapi_api_version(r->kind, av)));
    json_object_set_new(obj, "kind", json_string(kind));
    if (!json_is_object(json_object_get(obj, "metadata")))
        json_object_set_new(obj, "metadata", json_object());
    if (!strcmp(kind, "SelfSubjectAccessReview")) {
        if (check_attrs(r, obj, &st) < 0) {
            kapi_respond_status(r, st);
            return;
        }
        access_review(r, &r->user, obj);
    } else if (!strcmp(kind, "SubjectAccessReview")) {
        if (check_attrs(r, obj, &st) < 0) {
            kapi_respond_status(r, st);
            return;
        }
        struct gt_kuser u;
        gt_kuser_init(&u, gt_kobj_str(obj, "spec.user", ""), gt_kobj_str(obj, "spec.uid", ""));
        size_t i;
        json_t *g;
        json_array_foreach(gt_kobj_arr(obj, "spec.groups"), i, g)
            if (json_is_string(g))
                gt_kuser_add_group(&u, json_string_value(g));
        access_review(r, &u, obj);
        gt_kuser_release(&u);
    } else if (!strcmp(kind, "TokenReview")) {
        const char *tok = gt_kobj_str(obj, "spec.token", "");
        struct gt_kuser u = { 0 };
        struct gt_error err = { 0 };
        json_t *status;
        if (tok[0] && gt_kauthn_token(r->api->authn, tok, &u, &err) == 0) {
            status = json_pack("{s:b,s:o,s:[s]}", "authenticated", 1, "user", gt_kuser_json(&u),
                               "audiences", GT_KSA_ISSUER);
            gt_kuser_release(&u);
        } else {
            status = json_pack("{s:b,s:s}", "authenticated", 0, "error",
                               tok[0] ? err.msg : "no token given");
        }
        json_object_set_new(obj, "status", status);
    } else {
        kapi_respond_status(r, gt_kst_new(405, NULL, "%s cannot be created here", kind));
        return;
    }
    kapi_respond_obj(r, 201, obj);
}

void kapi_token_request(struct kreq *r)
{
    json_t *st = NULL, *sa = NULL, *body = NULL;
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
    int64_t expiry = gt_kobj_int(body, "spec.expirationSeconds", 3600);
    if (expiry < 600) {
        json_decref(sa);
        json_decref(body);
        kapi_respond_status(r, gt_kst_new(422, "Invalid",
                                          "TokenRequest.authentication.k8s.io \"%s\" is invalid: "
                                          "spec.expirationSeconds: Invalid value: %lld: may not "
                                          "specify a duration less than 10 minutes",
                                          r->ri.name, (long long)expiry));
        return;
    }
    char **auds = NULL;
    size_t i;
    json_t *a;
    json_array_foreach(gt_kobj_arr(body, "spec.audiences"), i, a)
        if (json_is_string(a))
            gt_strv_push(&auds, json_string_value(a));
    int64_t exp = 0;
    struct gt_error err = { 0 };
    char *tok = gt_kauthn_issue_sa_token(r->api->authn, r->ri.namespace_, r->ri.name,
                                         gt_kobj_uid(sa), expiry, (const char *const *)auds,
                                         &exp, &err);
    if (!tok) {
        gt_strv_free(auds);
        json_decref(sa);
        json_decref(body);
        kapi_respond_status(r, gt_kst_new(500, NULL, "%s", err.msg));
        return;
    }
    char exps[32], now[32];
    gt_kmeta_time_format((time_t)exp, exps);
    gt_kmeta_time_format((time_t)r->now, now);
    json_t *aud = json_array();
    for (char **p = auds; p && *p; p++)
        json_array_append_new(aud, json_string(*p));
    if (!json_array_size(aud))
        json_array_append_new(aud, json_string(GT_KSA_ISSUER));
    json_t *out = json_pack("{s:s,s:s,s:{s:s,s:s,s:s},s:{s:o,s:I},s:{s:s,s:s}}", "kind",
                            "TokenRequest", "apiVersion", "authentication.k8s.io/v1", "metadata",
                            "name", r->ri.name, "namespace", r->ri.namespace_,
                            "creationTimestamp", now, "spec", "audiences", aud,
                            "expirationSeconds", (json_int_t)expiry, "status", "token", tok,
                            "expirationTimestamp", exps);
    json_t *bor = gt_kobj_get(body, "spec.boundObjectRef");
    if (bor)
        json_object_set(json_object_get(out, "spec"), "boundObjectRef", bor);
    kapi_respond_obj(r, 201, out);
    json_decref(out);
    free(tok);
    gt_strv_free(auds);
    json_decref(sa);
    json_decref(body);
}
