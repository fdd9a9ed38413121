/* User info, client certificates, bearer tokens, the request
 * authenticator and TokenReview (kube/authn.h). */
#include "kube/authn.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/base64.h"
#include "base/cleanup.h"
#include "base/mem.h"
#include "kube/obj.h"

void gt_kuser_init(struct gt_kuser *u, const char *name, const char *uid)
{
    u->name = gt_xstrdup(name ? name : "");
    u->uid = gt_xstrdup(uid ? uid : "");
    u->groups = NULL;
    u->extra = NULL;
}

void gt_kuser_release(struct gt_kuser *u)
{
    free(u->name);
    free(u->uid);
    gt_strv_free(u->groups);
    if (u->extra)
        json_decref(u->extra);
    u->name = u->uid = NULL;
    u->groups = NULL;
    u->extra = NULL;
}

void gt_kuser_set(struct gt_kuser *u, const char *name, const char *uid)
{
    free(u->name);
    free(u->uid);
    u->name = gt_xstrdup(name ? name : "");
    u->uid = gt_xstrdup(uid ? uid : "");
}

bool gt_kuser_in_group(const struct gt_kuser *u, const char *group)
{
    for (char **g = u->groups; g && *g; g++)
        if (strcmp(*g, group) == 0)
            return true;
    return false;
}

void gt_kuser_add_group(struct gt_kuser *u, const char *group)
{
    if (!gt_kuser_in_group(u, group))
        gt_strv_push(&u->groups, group);
}

void gt_kuser_add_extra(struct gt_kuser *u, const char *key, const char *value)
{
    if (!u->extra)
        u->extra = json_object();
    json_t *arr = json_object_get(u->extra, key);
    if (!json_is_array(arr)) {
        arr = json_array();
        json_object_set_new(u->extra, key, arr);
    }
    json_array_append_new(arr, json_string(value));
}

void gt_kuser_copy(struct gt_kuser *dst, const struct gt_kuser *src)
{
    gt_kuser_init(dst, src->name, src->uid);
    for (char **g = src->groups; g && *g; g++)
        gt_strv_push(&dst->groups, *g);
    if (src->extra)
        dst->extra = json_deep_copy(src->extra);
}

json_t *gt_kuser_to_json(const struct gt_kuser *u)
{
    json_t *j = json_object();
    json_object_set_new(j, "username", json_string(u->name ? u->name : ""));
    if (u->uid && *u->uid)
        json_object_set_new(j, "uid", json_string(u->uid));
    if (u->groups && *u->groups) {
        json_t *g = json_array();
        for (char **p = u->groups; *p; p++)
            json_array_append_new(g, json_string(*p));
        json_object_set_new(j, "groups", g);
    }
    if (u->extra && json_object_size(u->extra))
        json_object_set(j, "extra", u->extra);
    return j;
}

bool gt_kuser_sa_parts(const char *username, char ns[254], char name[254])
{
    size_t plen = strlen(GT_KSA_PREFIX);
    if (!username || strncmp(username, GT_KSA_PREFIX, plen) != 0)
        return false;
    const char *rest = username + plen;
    const char *colon = strchr(rest, ':');
    if (!colon || colon == rest || !colon[1] || strchr(colon + 1, ':'))
        return false;
    size_t nl = (size_t)(colon - rest), ml = strlen(colon + 1);
    if (nl > 253 || ml > 253)
        return false;
    memcpy(ns, rest, nl);
    ns[nl] = 0;
    memcpy(name, colon + 1, ml + 1);
    return true;
}

void gt_kauthn_anonymous(struct gt_kuser *out)
{
    gt_kuser_init(out, GT_KUSER_ANONYMOUS, NULL);
    gt_kuser_add_group(out, GT_KGROUP_UNAUTHENTICATED);
}

int gt_kauthn_from_cert(const char *cn, char *const *orgs, struct gt_kuser *out,
                        struct gt_error *err)
{
    if (!cn || !*cn)
        return gt_err(err, EACCES, "client certificate has no common name (the user name)");
    gt_kuser_init(out, cn, NULL);
    for (char *const *o = orgs; o && *o; o++)
        if (**o)
            gt_kuser_add_group(out, *o);
    gt_kuser_add_group(out, GT_KGROUP_AUTHENTICATED);
    return 0;
}

const char *gt_kauthn_bearer(const char *header, size_t *len)
{
    if (!header)
        return NULL;
    const char *p = header;
    while (*p == ' ' || *p == '\t')
        p++;
    if (strncasecmp(p, "bearer", 6) != 0 || (p[6] != ' ' && p[6] != '\t'))
        return NULL;
    p += 6;
    while (*p == ' ' || *p == '\t')
        p++;
    const char *e = p + strlen(p);
    while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    /* kube-apiserver refuses a token with inner spaces */
    for (const char *q = p; q < e; q++)
        if (*q == ' ' || *q == '\t')
            return NULL;
    if (e == p)
        return NULL;
    *len = (size_t)(e - p);
    return p;
}

int gt_kauthn_token(const struct gt_kauthn *a, const char *token, const char *const *audiences,
                    int64_t now, struct gt_kuser *user, char ***matched, struct gt_error *err)
{
    if (!token || !*token)
        return gt_err(err, EACCES, "empty bearer token");
    if (a->tokens && gt_ktokenfile_lookup(a->tokens, token, strlen(token), user)) {
        gt_kuser_add_group(user, GT_KGROUP_AUTHENTICATED);
        if (matched) {
            /* static tokens are valid for the server's own audiences */
            *matched = NULL;
            const char *const *aud = a->audiences;
            const char *self[] = { a->issuer, NULL };
            if (!aud)
                aud = self;
            for (const char *const *p = audiences ? audiences : aud; p && *p; p++)
                for (const char *const *q = aud; *q; q++)
                    if (strcmp(*p, *q) == 0) {
                        gt_strv_push(matched, *p);
                        break;
                    }
            if (audiences && !*matched) {
                gt_kuser_release(user);
                return gt_err(err, EACCES, "token audiences are invalid for the target audiences");
            }
        }
        return 0;
    }
    if (a->sa_key) {
        struct gt_ksa_verify_opts vo = {
            .issuer = a->issuer,
            .audiences = audiences ? audiences : a->audiences,
            .now = now,
            .lister = a->lister,
        };
        int r = gt_ksa_token_verify(a->sa_key, token, &vo, user, matched, err);
        if (r <= 0)
            return r;
    }
    return gt_err(err, EACCES, "invalid bearer token");
}

int gt_kauthn_request(const struct gt_kauthn *a, const struct gt_kauthn_creds *c, int64_t now,
                      struct gt_kuser *user, struct gt_error *err)
{
    if (c->cert_cn)
        return gt_kauthn_from_cert(c->cert_cn, c->cert_orgs, user, err);
    if (c->authorization && *c->authorization) {
        size_t len;
        const char *tok = gt_kauthn_bearer(c->authorization, &len);
        if (!tok)
            return gt_err(err, EACCES, "Authorization header is not a bearer token");
        if (len > 64 * 1024)
            return gt_err(err, EACCES, "bearer token is too long");
        cleanup_free char *t = gt_xstrndup(tok, len);
        return gt_kauthn_token(a, t, NULL, now, user, NULL, err);
    }
    if (!a->anonymous)
        return gt_err(err, EACCES, "no credentials and anonymous requests are disabled");
    gt_kauthn_anonymous(user);
    return 0;
}

json_t *gt_kauthn_token_review(const struct gt_kauthn *a, const json_t *review, int64_t now)
{
    json_t *out = json_is_object(review) ? json_deep_copy(review) : json_object();
    json_object_set_new(out, "apiVersion", json_string("authentication.k8s.io/v1"));
    json_object_set_new(out, "kind", json_string("TokenReview"));
    if (!json_is_object(json_object_get(out, "metadata")))
        json_object_set_new(out, "metadata", json_object());
    json_object_set_new(gt_kobj_obj(out, "metadata"), "creationTimestamp", json_null());
    const char *token = gt_kobj_str(review, "spec.token", "");
    cleanup_strv char **req_aud = NULL;
    json_t *auds = gt_kobj_arr(review, "spec.audiences");
    size_t i;
    json_t *v;
    json_array_foreach(auds, i, v) if (json_is_string(v)) gt_strv_push(&req_aud, json_string_value(v));

    struct gt_kuser user;
    cleanup_strv char **matched = NULL;
    struct gt_error e = { 0 };
    json_t *status = json_object();
    if (gt_kauthn_token(a, token, (const char *const *)req_aud, now, &user, &matched, &e) == 0) {
        json_object_set_new(status, "authenticated", json_true());
        json_object_set_new(status, "user", gt_kuser_to_json(&user));
        json_t *ma = json_array();
        for (char **p = matched; p && *p; p++)
            json_array_append_new(ma, json_string(*p));
        json_object_set_new(status, "audiences", ma);
        gt_kuser_release(&user);
    } else {
        json_object_set_new(status, "user", json_object());
        json_object_set_new(status, "error", json_string(e.msg));
    }
    json_object_set_new(out, "status", status);
    return out;
}

char *gt_kauthn_ws_bearer(const char *protocols)
{
    static const char prefix[] = "base64url.bearer.authorization.k8s.io.";
    const char *p = protocols;
    while (p && *p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        size_t pl = sizeof(prefix) - 1;
        if (n > pl && strncmp(p, prefix, pl) == 0 && n - pl <= 64 * 1024) {
            /* base64url without padding to standard base64 */
            size_t m = n - pl, padded = (m + 3) / 4 * 4;
            if (m % 4 == 1)
                return NULL;
            cleanup_free char *b = gt_xmalloc(padded + 1);
            for (size_t i = 0; i < m; i++) {
                char c = p[pl + i];
                if (c == '+' || c == '/' || c == '=')
                    return NULL;
                b[i] = c == '-' ? '+' : c == '_' ? '/' : c;
            }
            for (size_t i = m; i < padded; i++)
                b[i] = '=';
            b[padded] = 0;
            unsigned char *out;
            size_t outlen;
            if (gt_base64_decode(b, padded, &out, &outlen) < 0)
                return NULL;
            if (!outlen || memchr(out, 0, outlen)) {
                free(out);
                return NULL;
            }
            return (char *)out;
        }
        p = e;
    }
    return NULL;
}

json_t *gt_kauthn_self_review(const json_t *review, const struct gt_kuser *u)
{
    json_t *out = json_is_object(review) ? json_deep_copy(review) : json_object();
    json_object_set_new(out, "apiVersion", json_string("authentication.k8s.io/v1"));
    json_object_set_new(out, "kind", json_string("SelfSubjectReview"));
    if (!json_is_object(json_object_get(out, "metadata")))
        json_object_set_new(out, "metadata", json_object());
    json_object_set_new(gt_kobj_obj(out, "metadata"), "creationTimestamp", json_null());
    json_object_set_new(out, "status", json_pack("{s:o}", "userInfo", gt_kuser_to_json(u)));
    return out;
}
