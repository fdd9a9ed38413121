/* Authentication: users, static tokens, service-account JWTs (RS256 with
 * GnuTLS). */
#include "kube/api/authn.h"

#include <errno.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <inttypes.h>
#include <nettle/base64.h>
#include <nettle/sha2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/log.h"
#include "base/mem.h"

/* ---- users ---- */

void gt_kuser_init(struct gt_kuser *u, const char *name, const char *uid)
{
    memset(u, 0, sizeof *u);
    u->name = gt_xstrdup(name);
    u->uid = gt_xstrdup(uid ? uid : "");
}

void gt_kuser_add_group(struct gt_kuser *u, const char *g)
{
    if (!gt_kuser_in_group(u, g))
        gt_strv_push(&u->groups, g);
}

bool gt_kuser_in_group(const struct gt_kuser *u, const char *g)
{
    for (char **p = u->groups; p && *p; p++)
        if (!strcmp(*p, g))
            return true;
    return false;
}

void gt_kuser_release(struct gt_kuser *u)
{
    free(u->name);
    free(u->uid);
    gt_strv_free(u->groups);
    memset(u, 0, sizeof *u);
}

json_t *gt_kuser_json(const struct gt_kuser *u)
{
    json_t *g = json_array();
    for (char **p = u->groups; p && *p; p++)
        json_array_append_new(g, json_string(*p));
    json_t *j = json_pack("{s:s,s:o}", "username", u->name ? u->name : "", "groups", g);
    if (u->uid && u->uid[0])
        json_object_set_new(j, "uid", json_string(u->uid));
    return j;
}

/* ---- the authenticator ---- */

struct static_token {
    char *token, *user, *uid;
    char **groups;
};

struct gt_kauthn {
    struct static_token *tokens;
    size_t ntokens;
    gnutls_privkey_t priv;
    gnutls_pubkey_t pub;
    char kid[44];
    gt_kauthn_sa_lookup_fn lookup;
    void *lookup_ctx;
};

/* One CSV field, with "..." quoting ("" for a quote).  Advances *p. */
static char *csv_field(const char **p)
{
    const char *s = *p;
    char *out = gt_xmalloc(strlen(s) + 1), *o = out;
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s == '"') {
        s++;
        while (*s) {
            if (*s == '"' && s[1] == '"') {
                *o++ = '"';
                s += 2;
            } else if (*s == '"') {
                s++;
                break;
            } else {
                *o++ = *s++;
            }
        }
        while (*s && *s != ',')
            s++;
    } else {
        while (*s && *s != ',')
            *o++ = *s++;
        while (o > out && (o[-1] == ' ' || o[-1] == '\t'))
            o--;
    }
    *o = 0;
    if (*s == ',')
        s++;
    *p = s;
    return out;
}

static int load_tokens(struct gt_kauthn *a, const char *path, struct gt_error *err)
{
    cleanup_free char *buf = NULL;
    int rc = gt_read_file(path, 16 << 20, &buf, NULL, err);
    if (rc < 0)
        return gt_err_prefix(err, "token file");
    int lineno = 0;
    char *save = NULL;
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        size_t n = strlen(line);
        if (n && line[n - 1] == '\r')
            line[--n] = 0;
        if (!n || line[0] == '#')
            continue;
        const char *p = line;
        struct static_token t = { 0 };
        t.token = csv_field(&p);
        t.user = csv_field(&p);
        t.uid = csv_field(&p);
        char *groups = *p ? csv_field(&p) : gt_xstrdup("");
        if (!t.token[0] || !t.user[0]) {
            free(t.token);
            free(t.user);
            free(t.uid);
            free(groups);
            return gt_err(err, EINVAL, "token file %s: line %d: expected token,user,uid[,\"groups\"]",
                          path, lineno);
        }
        char *gs = NULL;
        for (char *g = strtok_r(groups, ",", &gs); g; g = strtok_r(NULL, ",", &gs)) {
            while (*g == ' ')
                g++;
            if (*g)
                gt_strv_push(&t.groups, g);
        }
        free(groups);
        a->tokens = gt_xrealloc(a->tokens, (a->ntokens + 1) * sizeof *a->tokens);
        a->tokens[a->ntokens++] = t;
    }
    return 0;
}

static void b64url(const void *data, size_t len, char **out)
{
    struct base64_encode_ctx ctx;
    base64url_encode_init(&ctx);
    char *buf = gt_xmalloc(BASE64_ENCODE_LENGTH(len) + BASE64_ENCODE_FINAL_LENGTH + 1);
    size_t n = base64_encode_update(&ctx, buf, len, data);
    n += base64_encode_final(&ctx, buf + n);
    while (n && buf[n - 1] == '=')
        n--;
    buf[n] = 0;
    *out = buf;
}

/* JWTs leave out the padding, which nettle's decoder wants back. */
static int b64url_decode(const char *s, size_t len, unsigned char **out, size_t *outlen)
{
    if (len % 4 == 1)
        return -EINVAL;
    size_t plen = (len + 3) / 4 * 4;
    char *padded = gt_xmalloc(plen + 1);
    memcpy(padded, s, len);
    memset(padded + len, '=', plen - len);
    struct base64_decode_ctx ctx;
    base64url_decode_init(&ctx);
    unsigned char *buf = gt_xmalloc(BASE64_DECODE_LENGTH(plen) + 1);
    size_t n = BASE64_DECODE_LENGTH(plen);
    bool ok = base64_decode_update(&ctx, &n, buf, plen, padded) && base64_decode_final(&ctx);
    free(padded);
    if (!ok) {
        free(buf);
        return -EINVAL;
    }
    buf[n] = 0;
    *out = buf;
    *outlen = n;
    return 0;
}

static int load_sa_key(struct gt_kauthn *a, const char *path, struct gt_error *err)
{
    char *pem;
    size_t len;
    int rc = gt_read_file(path, 1 << 20, &pem, &len, err);
    if (rc < 0)
        return gt_err_prefix(err, "service-account key");
    gnutls_datum_t d = { (unsigned char *)pem, (unsigned)len };
    int r = gnutls_privkey_init(&a->priv);
    if (r >= 0)
        r = gnutls_privkey_import_x509_raw(a->priv, &d, GNUTLS_X509_FMT_PEM, NULL, 0);
    free(pem);
    if (r >= 0)
        r = gnutls_pubkey_init(&a->pub);
    if (r >= 0)
        r = gnutls_pubkey_import_privkey(a->pub, a->priv, 0, 0);
    if (r < 0)
        return gt_err(err, EINVAL, "service-account key %s: %s", path, gnutls_strerror(r));
    /* kid: base64url of the SHA-256 of the public key, as Kubernetes does */
    unsigned char der[4096];
    size_t dlen = sizeof der;
    if (gnutls_pubkey_export(a->pub, GNUTLS_X509_FMT_DER, der, &dlen) == 0) {
        uint8_t h[SHA256_DIGEST_SIZE];
        struct sha256_ctx c;
        sha256_init(&c);
        sha256_update(&c, dlen, der);
        sha256_digest(&c, sizeof h, h);
        char *k;
        b64url(h, sizeof h, &k);
        snprintf(a->kid, sizeof a->kid, "%s", k);
        free(k);
    }
    return 0;
}

int gt_kauthn_new(const char *token_file, const char *sa_key_file, struct gt_kauthn **out,
                  struct gt_error *err)
{
    struct gt_kauthn *a = gt_xcalloc(1, sizeof *a);
    int rc = 0;
    if (token_file)
        rc = load_tokens(a, token_file, err);
    if (rc == 0 && sa_key_file)
        rc = load_sa_key(a, sa_key_file, err);
    if (rc < 0) {
        gt_kauthn_free(a);
        return rc;
    }
    *out = a;
    return 0;
}

void gt_kauthn_free(struct gt_kauthn *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->ntokens; i++) {
        free(a->tokens[i].token);
        free(a->tokens[i].user);
        free(a->tokens[i].uid);
        gt_strv_free(a->tokens[i].groups);
    }
    free(a->tokens);
    if (a->pub)
        gnutls_pubkey_deinit(a->pub);
    if (a->priv)
        gnutls_privkey_deinit(a->priv);
    free(a);
}

void gt_kauthn_set_sa_lookup(struct gt_kauthn *a, gt_kauthn_sa_lookup_fn fn, void *ctx)
{
    a->lookup = fn;
    a->lookup_ctx = ctx;
}

/* Constant-time comparison of secrets of possibly different lengths. */
static bool secret_eq(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char d = (unsigned char)(la != lb);
    for (size_t i = 0; i < la; i++)
        d |= (unsigned char)(a[i] ^ b[i % (lb ? lb : 1)]);
    return d == 0;
}

char *gt_kauthn_issue_sa_token(struct gt_kauthn *a, const char *ns, const char *name,
                               const char *uid, int64_t expiry, const char *const *audiences,
                               int64_t *exp, struct gt_error *err)
{
    if (!a->priv) {
        gt_err(err, ENOKEY, "no service-account signing key");
        return NULL;
    }
    int64_t now = time(NULL);
    if (expiry <= 0)
        expiry = 3600;
    json_t *aud = json_array();
    for (size_t i = 0; audiences && audiences[i]; i++)
        json_array_append_new(aud, json_string(audiences[i]));
    if (!json_array_size(aud))
        json_array_append_new(aud, json_string(GT_KSA_ISSUER));
    char *sub = gt_xasprintf("system:serviceaccount:%s:%s", ns, name);
    json_t *claims = json_pack("{s:o,s:I,s:I,s:s,s:{s:s,s:{s:s,s:s}},s:I,s:s}", "aud", aud,
                               "exp", (json_int_t)(now + expiry), "iat", (json_int_t)now, "iss",
                               GT_KSA_ISSUER, "kubernetes.io", "namespace", ns, "serviceaccount",
                               "name", name, "uid", uid ? uid : "", "nbf", (json_int_t)now, "sub",
                               sub);
    free(sub);
    json_t *hdr = json_pack("{s:s,s:s}", "alg", "RS256", "kid", a->kid);
    char *hs = json_dumps(hdr, JSON_COMPACT), *cs = json_dumps(claims, JSON_COMPACT);
    json_decref(hdr);
    json_decref(claims);
    char *h64, *c64;
    b64url(hs, strlen(hs), &h64);
    b64url(cs, strlen(cs), &c64);
    free(hs);
    free(cs);
    char *signing = gt_xasprintf("%s.%s", h64, c64);
    free(h64);
    free(c64);
    gnutls_datum_t data = { (unsigned char *)signing, (unsigned)strlen(signing) }, sig = { 0 };
    int r = gnutls_privkey_sign_data2(a->priv, GNUTLS_SIGN_RSA_SHA256, 0, &data, &sig);
    if (r < 0) {
        free(signing);
        gt_err(err, EIO, "sign a service-account token: %s", gnutls_strerror(r));
        return NULL;
    }
    char *s64;
    b64url(sig.data, sig.size, &s64);
    gnutls_free(sig.data);
    char *tok = gt_xasprintf("%s.%s", signing, s64);
    free(signing);
    free(s64);
    if (exp)
        *exp = now + expiry;
    return tok;
}

static int verify_jwt(struct gt_kauthn *a, const char *tok, struct gt_kuser *u,
                      struct gt_error *err)
{
    const char *d1 = strchr(tok, '.');
    const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    if (!d1 || !d2 || strchr(d2 + 1, '.'))
        return gt_err(err, EPERM, "not a JWT");
    if (!a->pub)
        return gt_err(err, EPERM, "no service-account key to verify tokens");
    unsigned char *hdr = NULL, *claims_raw = NULL, *sig = NULL;
    size_t hl, cl, sl;
    int rc = 0;
    if (b64url_decode(tok, (size_t)(d1 - tok), &hdr, &hl) < 0 ||
        b64url_decode(d1 + 1, (size_t)(d2 - d1 - 1), &claims_raw, &cl) < 0 ||
        b64url_decode(d2 + 1, strlen(d2 + 1), &sig, &sl) < 0) {
        rc = gt_err(err, EPERM, "malformed JWT");
        goto out;
    }
    json_t *h = json_loadb((char *)hdr, hl, 0, NULL);
    const char *alg = json_string_value(json_object_get(h, "alg"));
    bool rs256 = alg && !strcmp(alg, "RS256");
    json_decref(h);
    if (!rs256) {
        rc = gt_err(err, EPERM, "JWT: unsupported algorithm");
        goto out;
    }
    gnutls_datum_t data = { (unsigned char *)tok, (unsigned)(d2 - tok) };
    gnutls_datum_t sd = { sig, (unsigned)sl };
    if (gnutls_pubkey_verify_data2(a->pub, GNUTLS_SIGN_RSA_SHA256, 0, &data, &sd) < 0) {
        rc = gt_err(err, EPERM, "JWT: invalid signature");
        goto out;
    }
    json_t *c = json_loadb((char *)claims_raw, cl, 0, NULL);
    if (!c) {
        rc = gt_err(err, EPERM, "JWT: claims are not JSON");
        goto out;
    }
    const char *iss = json_string_value(json_object_get(c, "iss"));
    json_t *expj = json_object_get(c, "exp");
    json_t *kio = json_object_get(c, "kubernetes.io");
    const char *ns = json_string_value(json_object_get(kio, "namespace"));
    json_t *saj = json_object_get(kio, "serviceaccount");
    const char *name = json_string_value(json_object_get(saj, "name"));
    const char *uid = json_string_value(json_object_get(saj, "uid"));
    int64_t now = time(NULL);
    if (!iss || strcmp(iss, GT_KSA_ISSUER) != 0)
        rc = gt_err(err, EPERM, "JWT: unknown issuer");
    else if (json_is_integer(expj) && json_integer_value(expj) < now)
        rc = gt_err(err, EPERM, "JWT: token has expired");
    else if (!ns || !name)
        rc = gt_err(err, EPERM, "JWT: not a service-account token");
    if (rc == 0 && a->lookup) {
        char *have = NULL;
        if (a->lookup(ns, name, &have, a->lookup_ctx) < 0)
            rc = gt_err(err, EPERM, "service account %s/%s has been deleted", ns, name);
        else if (uid && uid[0] && strcmp(uid, have) != 0)
            rc = gt_err(err, EPERM, "service account %s/%s: uid %s does not match the token's "
                                    "(%s): it was deleted and created again",
                        ns, name, have, uid);
        free(have);
    }
    if (rc == 0) {
        char *user = gt_xasprintf("system:serviceaccount:%s:%s", ns, name);
        gt_kuser_init(u, user, uid ? uid : "");
        free(user);
        char *g = gt_xasprintf("system:serviceaccounts:%s", ns);
        gt_kuser_add_group(u, "system:serviceaccounts");
        gt_kuser_add_group(u, g);
        gt_kuser_add_group(u, "system:authenticated");
        free(g);
    }
    json_decref(c);
out:
    free(hdr);
    free(claims_raw);
    free(sig);
    return rc;
}

int gt_kauthn_token(struct gt_kauthn *a, const char *token, struct gt_kuser *u,
                    struct gt_error *err)
{
    for (size_t i = 0; i < a->ntokens; i++) {
        struct static_token *t = &a->tokens[i];
        if (!secret_eq(t->token, token))
            continue;
        gt_kuser_init(u, t->user, t->uid);
        for (char **g = t->groups; g && *g; g++)
            gt_kuser_add_group(u, *g);
        gt_kuser_add_group(u, "system:authenticated");
        return 0;
    }
    if (strchr(token, '.'))
        return verify_jwt(a, token, u, err);
    return gt_err(err, EPERM, "invalid bearer token");
}
