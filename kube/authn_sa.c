/* Service-account tokens: the RSA signing key (GnuTLS), JWT issue and
 * verification, TokenRequest (kube/authn.h). */
#include <errno.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <inttypes.h>
#include <nettle/base64.h>
#include <nettle/sha2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/mem.h"
#include "kube/authn.h"
#include "kube/fielderr.h"
#include "kube/meta.h"
#include "kube/obj.h"
#include "kube/status.h"

#define JWT_MAX (64u * 1024)
#define LEEWAY 60 /* seconds, go-jose's DefaultLeeway that Kubernetes uses */
#define EXTRA_PREFIX "authentication.kubernetes.io/"

struct gt_ksa_key {
    pthread_mutex_t lock;  /* around GnuTLS operations on the key */
    gnutls_privkey_t priv; /* NULL: verify only */
    gnutls_pubkey_t pub;
    char *priv_pem;        /* PKCS#8 */
    char kid[64];
};

/* ---- base64url without padding (RFC 7515 section 2) ---- */

static char *b64url_encode(const void *data, size_t len)
{
    struct base64_encode_ctx ctx;
    char *out = gt_xmalloc(BASE64_ENCODE_LENGTH(len) + BASE64_ENCODE_FINAL_LENGTH + 1);
    base64url_encode_init(&ctx);
    size_t n = base64_encode_update(&ctx, out, len, data);
    n += base64_encode_final(&ctx, out + n);
    while (n && out[n - 1] == '=')
        n--;
    out[n] = 0;
    return out;
}

/* -EINVAL for characters outside the alphabet, padding, or a length that
 * no encoding has. */
static int b64url_decode(const char *s, size_t len, unsigned char **out, size_t *outlen)
{
    if (len % 4 == 1)
        return -EINVAL;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return -EINVAL;
    }
    char *padded = gt_xmalloc(len + 4);
    memcpy(padded, s, len);
    size_t plen = len;
    while (plen % 4)
        padded[plen++] = '=';
    struct base64_decode_ctx ctx;
    unsigned char *buf = gt_xmalloc(BASE64_DECODE_LENGTH(plen) + 1);
    size_t n = BASE64_DECODE_LENGTH(plen);
    base64url_decode_init(&ctx);
    int ok = base64_decode_update(&ctx, &n, buf, plen, padded) && base64_decode_final(&ctx);
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

/* ---- keys ---- */

static struct gt_ksa_key *key_new(void)
{
    struct gt_ksa_key *k = gt_xcalloc(1, sizeof(*k));
    pthread_mutex_init(&k->lock, NULL);
    return k;
}

void gt_ksa_key_free(struct gt_ksa_key *k)
{
    if (!k)
        return;
    pthread_mutex_destroy(&k->lock);
    if (k->priv)
        gnutls_privkey_deinit(k->priv);
    if (k->pub)
        gnutls_pubkey_deinit(k->pub);
    free(k->priv_pem);
    free(k);
}

static int key_finish(struct gt_ksa_key *k, struct gt_error *err)
{
    unsigned bits = 0;
    int alg = gnutls_pubkey_get_pk_algorithm(k->pub, &bits);
    if (alg != GNUTLS_PK_RSA)
        return gt_err(err, EINVAL, "service-account key: not an RSA key (%s)",
                      gnutls_pk_algorithm_get_name(alg) ? gnutls_pk_algorithm_get_name(alg) : "?");
    if (bits < 2048)
        return gt_err(err, EINVAL, "service-account key: RSA key of %u bits, need at least 2048",
                      bits);
    gnutls_datum_t der = { 0 };
    int r = gnutls_pubkey_export2(k->pub, GNUTLS_X509_FMT_DER, &der);
    if (r < 0)
        return gt_err(err, EINVAL, "service-account key: export public key: %s",
                      gnutls_strerror(r));
    uint8_t digest[SHA256_DIGEST_SIZE];
    struct sha256_ctx sc;
    sha256_init(&sc);
    sha256_update(&sc, der.size, der.data);
    sha256_digest(&sc, sizeof(digest), digest);
    gnutls_free(der.data);
    char *kid = b64url_encode(digest, sizeof(digest));
    snprintf(k->kid, sizeof(k->kid), "%s", kid);
    free(kid);
    return 0;
}

/* Takes ownership of x. */
static int key_from_x509(gnutls_x509_privkey_t x, struct gt_ksa_key **out, struct gt_error *err)
{
    if (gnutls_x509_privkey_get_pk_algorithm(x) != GNUTLS_PK_RSA) {
        gnutls_x509_privkey_deinit(x);
        return gt_err(err, EINVAL, "service-account key: not an RSA private key");
    }
    struct gt_ksa_key *k = key_new();
    gnutls_datum_t pem = { 0 };
    int r = gnutls_x509_privkey_export2_pkcs8(x, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN,
                                              &pem);
    if (r < 0) {
        gnutls_x509_privkey_deinit(x);
        gt_ksa_key_free(k);
        return gt_err(err, EINVAL, "service-account key: export: %s", gnutls_strerror(r));
    }
    k->priv_pem = gt_xstrndup((const char *)pem.data, pem.size);
    gnutls_free(pem.data);
    if (gnutls_privkey_init(&k->priv) < 0 || gnutls_pubkey_init(&k->pub) < 0)
        abort(); /* allocation */
    r = gnutls_privkey_import_x509(k->priv, x, GNUTLS_PRIVKEY_IMPORT_AUTO_RELEASE);
    if (r < 0) {
        gnutls_x509_privkey_deinit(x);
        gt_ksa_key_free(k);
        return gt_err(err, EINVAL, "service-account key: %s", gnutls_strerror(r));
    }
    r = gnutls_pubkey_import_privkey(k->pub, k->priv, 0, 0);
    if (r < 0) {
        gt_ksa_key_free(k);
        return gt_err(err, EINVAL, "service-account key: public part: %s", gnutls_strerror(r));
    }
    if ((r = key_finish(k, err)) < 0) {
        gt_ksa_key_free(k);
        return r;
    }
    *out = k;
    return 0;
}

int gt_ksa_key_generate(unsigned bits, struct gt_ksa_key **out, struct gt_error *err)
{
    if (bits == 0)
        bits = 2048;
    if (bits < 2048 || bits > 8192)
        return gt_err(err, EINVAL, "service-account key: %u bits: need 2048 to 8192", bits);
    gnutls_x509_privkey_t x;
    if (gnutls_x509_privkey_init(&x) < 0)
        abort();
    int r = gnutls_x509_privkey_generate(x, GNUTLS_PK_RSA, bits, 0);
    if (r < 0) {
        gnutls_x509_privkey_deinit(x);
        return gt_err(err, EIO, "generate RSA key: %s", gnutls_strerror(r));
    }
    return key_from_x509(x, out, err);
}

int gt_ksa_key_from_pem(const char *pem, size_t len, struct gt_ksa_key **out,
                        struct gt_error *err)
{
    if (!pem || len == 0 || len > (1u << 20))
        return gt_err(err, EINVAL, "service-account key: empty or oversized PEM");
    gnutls_datum_t d = { (unsigned char *)pem, (unsigned)len };
    if (memmem(pem, len, "-----BEGIN PUBLIC KEY-----", 26)) {
        struct gt_ksa_key *k = key_new();
        if (gnutls_pubkey_init(&k->pub) < 0)
            abort();
        int r = gnutls_pubkey_import(k->pub, &d, GNUTLS_X509_FMT_PEM);
        if (r < 0) {
            gt_ksa_key_free(k);
            return gt_err(err, EINVAL, "service-account key: public key: %s",
                          gnutls_strerror(r));
        }
        if ((r = key_finish(k, err)) < 0) {
            gt_ksa_key_free(k);
            return r;
        }
        *out = k;
        return 0;
    }
    gnutls_x509_privkey_t x;
    if (gnutls_x509_privkey_init(&x) < 0)
        abort();
    int r = gnutls_x509_privkey_import2(x, &d, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN);
    if (r < 0) {
        gnutls_x509_privkey_deinit(x);
        return gt_err(err, EINVAL, "service-account key: not a PEM RSA key: %s",
                      gnutls_strerror(r));
    }
    return key_from_x509(x, out, err);
}

int gt_ksa_key_load(const char *path, struct gt_ksa_key **out, struct gt_error *err)
{
    cleanup_free char *buf = NULL;
    size_t len;
    int r = gt_read_file(path, 1u << 20, &buf, &len, err);
    if (r < 0)
        return r;
    r = gt_ksa_key_from_pem(buf, len, out, err);
    return r < 0 ? gt_err_prefix(err, "%s", path) : 0;
}

int gt_ksa_key_save(const struct gt_ksa_key *k, const char *path, struct gt_error *err)
{
    if (!k->priv_pem)
        return gt_err(err, EINVAL, "service-account key: no private part to save");
    return gt_write_file_atomic(path, k->priv_pem, strlen(k->priv_pem), 0600, true, err);
}

int gt_ksa_key_load_or_create(const char *path, struct gt_ksa_key **out, bool *created,
                              struct gt_error *err)
{
    if (created)
        *created = false;
    struct stat st;
    if (stat(path, &st) == 0)
        return gt_ksa_key_load(path, out, err);
    if (errno != ENOENT)
        return gt_err_sys(err, errno, "stat %s", path);
    struct gt_ksa_key *k;
    int r = gt_ksa_key_generate(0, &k, err);
    if (r < 0)
        return r;
    if ((r = gt_ksa_key_save(k, path, err)) < 0) {
        gt_ksa_key_free(k);
        return r;
    }
    if (created)
        *created = true;
    *out = k;
    return 0;
}

char *gt_ksa_key_private_pem(const struct gt_ksa_key *k)
{
    return k->priv_pem ? gt_xstrdup(k->priv_pem) : NULL;
}

char *gt_ksa_key_public_pem(const struct gt_ksa_key *k)
{
    gnutls_datum_t pem = { 0 };
    pthread_mutex_lock((pthread_mutex_t *)&k->lock);
    int r = gnutls_pubkey_export2(k->pub, GNUTLS_X509_FMT_PEM, &pem);
    pthread_mutex_unlock((pthread_mutex_t *)&k->lock);
    if (r < 0)
        return NULL;
    char *s = gt_xstrndup((const char *)pem.data, pem.size);
    gnutls_free(pem.data);
    return s;
}

const char *gt_ksa_key_id(const struct gt_ksa_key *k)
{
    return k->kid;
}

bool gt_ksa_key_can_sign(const struct gt_ksa_key *k)
{
    return k && k->priv;
}

/* base64url of an unsigned big-endian integer without leading zeros */
static json_t *b64url_uint(const gnutls_datum_t *d)
{
    size_t off = 0;
    while (off + 1 < d->size && d->data[off] == 0)
        off++;
    char *s = b64url_encode(d->data + off, d->size - off);
    json_t *j = json_string(s);
    free(s);
    return j;
}

json_t *gt_ksa_key_jwks(const struct gt_ksa_key *k)
{
    gnutls_datum_t m = { 0 }, e = { 0 };
    pthread_mutex_lock((pthread_mutex_t *)&k->lock);
    int r = gnutls_pubkey_export_rsa_raw2(k->pub, &m, &e, 0);
    pthread_mutex_unlock((pthread_mutex_t *)&k->lock);
    json_t *keys = json_array();
    if (r == 0)
        json_array_append_new(keys, json_pack("{s:s,s:s,s:s,s:s,s:o,s:o}", "use", "sig", "kty",
                                              "RSA", "kid", k->kid, "alg", "RS256", "n",
                                              b64url_uint(&m), "e", b64url_uint(&e)));
    gnutls_free(m.data);
    gnutls_free(e.data);
    return json_pack("{s:o}", "keys", keys);
}

json_t *gt_ksa_openid_config(const char *issuer)
{
    cleanup_free char *jwks = gt_xasprintf("%s/openid/v1/jwks", issuer);
    return json_pack("{s:s,s:s,s:[s],s:[s],s:[s]}", "issuer", issuer, "jwks_uri", jwks,
                     "response_types_supported", "id_token", "subject_types_supported", "public",
                     "id_token_signing_alg_values_supported", "RS256");
}

/* ---- issuing ---- */

static char *b64url_json(const json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    if (!s)
        abort();
    char *e = b64url_encode(s, strlen(s));
    free(s);
    return e;
}

static json_t *ref(const char *name, const char *uid)
{
    return json_pack("{s:s,s:s}", "name", name ? name : "", "uid", uid ? uid : "");
}

int gt_ksa_token_issue(const struct gt_ksa_key *k, const struct gt_ksa_token_opts *o,
                       char **token, int64_t *exp, struct gt_error *err)
{
    if (!gt_ksa_key_can_sign(k))
        return gt_err(err, EINVAL, "issue token: the key has no private part");
    if (!o->issuer || !*o->issuer || !o->audiences || !o->audiences[0] || !o->namespace ||
        !*o->namespace || !o->name || !*o->name || o->expiration_seconds <= 0)
        return gt_err(err, EINVAL, "issue token: issuer, audiences, service account and a "
                                   "positive expiry are required");
    char jti[37];
    gt_kmeta_uid(jti);
    int64_t e = o->now + o->expiration_seconds;
    json_t *aud = json_array();
    for (const char *const *a = o->audiences; *a; a++)
        json_array_append_new(aud, json_string(*a));
    json_t *kube = json_pack("{s:s,s:o}", "namespace", o->namespace, "serviceaccount",
                             ref(o->name, o->uid));
    if (o->bound_kind && strcmp(o->bound_kind, "Pod") == 0) {
        json_object_set_new(kube, "pod", ref(o->bound_name, o->bound_uid));
        if (o->node_name && *o->node_name)
            json_object_set_new(kube, "node", ref(o->node_name, o->node_uid));
    } else if (o->bound_kind && strcmp(o->bound_kind, "Secret") == 0) {
        json_object_set_new(kube, "secret", ref(o->bound_name, o->bound_uid));
    } else if (o->bound_kind && strcmp(o->bound_kind, "Node") == 0) {
        json_object_set_new(kube, "node", ref(o->bound_name, o->bound_uid));
    } else if (o->bound_kind) {
        json_decref(kube);
        json_decref(aud);
        return gt_err(err, EINVAL, "issue token: cannot bind to a %s", o->bound_kind);
    }
    cleanup_free char *sub = gt_xasprintf(GT_KSA_PREFIX "%s:%s", o->namespace, o->name);
    json_t *claims = json_pack("{s:o,s:I,s:I,s:s,s:s,s:o,s:I,s:s}", "aud", aud, "exp",
                               (json_int_t)e, "iat", (json_int_t)o->now, "iss", o->issuer, "jti",
                               jti, "kubernetes.io", kube, "nbf", (json_int_t)o->now, "sub", sub);
    json_t *hdr = json_pack("{s:s,s:s}", "alg", "RS256", "kid", k->kid);
    cleanup_free char *h64 = b64url_json(hdr);
    cleanup_free char *c64 = b64url_json(claims);
    json_decref(hdr);
    json_decref(claims);
    cleanup_free char *input = gt_xasprintf("%s.%s", h64, c64);
    gnutls_datum_t data = { (unsigned char *)input, (unsigned)strlen(input) };
    gnutls_datum_t sig = { 0 };
    pthread_mutex_lock((pthread_mutex_t *)&k->lock);
    int r = gnutls_privkey_sign_data2(k->priv, GNUTLS_SIGN_RSA_SHA256, 0, &data, &sig);
    pthread_mutex_unlock((pthread_mutex_t *)&k->lock);
    if (r < 0)
        return gt_err(err, EIO, "sign token: %s", gnutls_strerror(r));
    char *s64 = b64url_encode(sig.data, sig.size);
    gnutls_free(sig.data);
    *token = gt_xasprintf("%s.%s", input, s64);
    free(s64);
    if (exp)
        *exp = e;
    return 0;
}

/* ---- verification ---- */

/* Go's %q of a []string: ["a" "b"] */
static char *quote_list(const char *const *v)
{
    size_t cap = 3;
    for (const char *const *p = v; p && *p; p++)
        cap += strlen(*p) * 2 + 3;
    char *s = gt_xmalloc(cap), *w = s;
    *w++ = '[';
    for (const char *const *p = v; p && *p; p++) {
        if (p != v)
            *w++ = ' ';
        *w++ = '"';
        for (const char *c = *p; *c; c++) {
            if (*c == '"' || *c == '\\')
                *w++ = '\\';
            *w++ = *c;
        }
        *w++ = '"';
    }
    *w++ = ']';
    *w = 0;
    return s;
}

static int decode_part(const char *s, size_t len, json_t **out)
{
    unsigned char *buf;
    size_t n;
    if (b64url_decode(s, len, &buf, &n) < 0)
        return -EINVAL;
    json_error_t je;
    json_t *j = json_loadb((const char *)buf, n, JSON_REJECT_DUPLICATES, &je);
    free(buf);
    if (!json_is_object(j)) {
        if (j)
            json_decref(j);
        return -EINVAL;
    }
    *out = j;
    return 0;
}

/* A NumericDate: an integer or a number (seconds). */
static bool claim_time(const json_t *claims, const char *key, int64_t *out)
{
    json_t *v = json_object_get(claims, key);
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return true;
    }
    if (json_is_real(v) && json_real_value(v) > -9e15 && json_real_value(v) < 9e15) {
        *out = (int64_t)json_real_value(v);
        return true;
    }
    return false;
}

/* The object from the lister is gone, or deleted longer ago than the leeway. */
static bool gone(const json_t *obj, int64_t now)
{
    if (!obj)
        return true;
    const char *dt = gt_kobj_str(obj, "metadata.deletionTimestamp", NULL);
    struct timespec ts;
    return dt && gt_kmeta_time_parse(dt, &ts, NULL) == 0 && ts.tv_sec < now - LEEWAY;
}

static int check_ref(const struct gt_klister *l, const char *resource, const char *ns,
                     const json_t *refc, const char *what, int64_t now, struct gt_error *err)
{
    const char *name = gt_kobj_str(refc, "name", "");
    const char *uid = gt_kobj_str(refc, "uid", "");
    json_t *obj = gt_klister_get(l, resource, ns, name);
    if (gone(obj, now)) {
        if (obj)
            json_decref(obj);
        return gt_err(err, EACCES, "service account token has been invalidated");
    }
    const char *have = gt_kobj_uid(obj);
    int r = 0;
    if (strcmp(have, uid) != 0)
        r = gt_err(err, EACCES, "%s UID (%s) does not match service account %s ref claim (%s)",
                   what, have, what, uid);
    json_decref(obj);
    return r;
}

int gt_ksa_token_verify(const struct gt_ksa_key *k, const char *token,
                        const struct gt_ksa_verify_opts *o, struct gt_kuser *user,
                        char ***matched, struct gt_error *err)
{
    if (!token)
        return 1;
    size_t len = strnlen(token, JWT_MAX + 1);
    if (len > JWT_MAX)
        return gt_err(err, EACCES, "token is too long");
    const char *d1 = memchr(token, '.', len);
    const char *d2 = d1 ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - token)) : NULL;
    if (!d1 || !d2 || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - token)))
        return 1; /* not a JWS compact serialisation */
    json_t *hdr = NULL, *claims = NULL;
    if (decode_part(token, (size_t)(d1 - token), &hdr) < 0)
        return 1;
    json_t *kept = hdr;
    if (decode_part(d1 + 1, (size_t)(d2 - d1 - 1), &claims) < 0) {
        json_decref(kept);
        return 1;
    }
    int r = 0;
    cleanup_strv char **taud = NULL;
    cleanup_strv char **hit = NULL;
    cleanup_free char *name = NULL;
    cleanup_free char *nsgroup = NULL;
    const char *iss = gt_kobj_str(claims, "iss", "");
    const char *alg = gt_kobj_str(hdr, "alg", "");
    cleanup_free unsigned char *sig = NULL;
    size_t siglen = 0;
    if (strcmp(iss, o->issuer ? o->issuer : "") != 0) {
        r = 1; /* another issuer's token: not ours to judge */
        goto out;
    }
    if (strcmp(alg, "RS256") != 0) {
        r = gt_err(err, EACCES, "token signing algorithm \"%s\" is not accepted (RS256 only)",
                   alg);
        goto out;
    }
    if (json_object_get(hdr, "crit")) {
        r = gt_err(err, EACCES, "token header has critical extensions");
        goto out;
    }
    if (b64url_decode(d2 + 1, len - (size_t)(d2 + 1 - token), &sig, &siglen) < 0 || !siglen) {
        r = gt_err(err, EACCES, "token signature is not base64url");
        goto out;
    }
    gnutls_datum_t data = { (unsigned char *)token, (unsigned)(d2 - token) };
    gnutls_datum_t sd = { sig, (unsigned)siglen };
    pthread_mutex_lock((pthread_mutex_t *)&k->lock);
    int vr = gnutls_pubkey_verify_data2(k->pub, GNUTLS_SIGN_RSA_SHA256, 0, &data, &sd);
    pthread_mutex_unlock((pthread_mutex_t *)&k->lock);
    if (vr < 0) {
        r = gt_err(err, EACCES, "token signature is invalid");
        goto out;
    }

    /* audiences */
    const char *self[] = { o->issuer, NULL };
    const char *const *accepted = o->audiences ? o->audiences : self;
    json_t *aud = json_object_get(claims, "aud");
    if (json_is_string(aud))
        gt_strv_push(&taud, json_string_value(aud));
    size_t i;
    json_t *v;
    if (json_is_array(aud))
        json_array_foreach(aud, i, v) if (json_is_string(v))
            gt_strv_push(&taud, json_string_value(v));
    for (char **t = taud; t && *t; t++)
        for (const char *const *a = accepted; *a; a++)
            if (strcmp(*t, *a) == 0) {
                gt_strv_push(&hit, *t);
                break;
            }
    if (!hit) {
        cleanup_free char *tq = quote_list((const char *const *)taud);
        cleanup_free char *aq = quote_list(accepted);
        r = gt_err(err, EACCES, "token audiences %s is invalid for the target audiences %s", tq,
                   aq);
        goto out;
    }

    /* times */
    int64_t exp, nbf, iat;
    if (!claim_time(claims, "exp", &exp)) {
        r = gt_err(err, EACCES, "service account token has no expiry");
        goto out;
    }
    if (o->now > exp + LEEWAY) {
        r = gt_err(err, EACCES, "service account token has expired");
        goto out;
    }
    if (claim_time(claims, "nbf", &nbf) && o->now + LEEWAY < nbf) {
        r = gt_err(err, EACCES, "service account token is not valid yet");
        goto out;
    }
    if (claim_time(claims, "iat", &iat) && o->now + LEEWAY < iat) {
        r = gt_err(err, EACCES, "service account token was issued in the future");
        goto out;
    }

    /* subject and the kubernetes.io claims */
    json_t *kube = json_object_get(claims, "kubernetes.io");
    if (!json_is_object(kube))
        kube = NULL;
    const char *ns = gt_kobj_str(kube, "namespace", "");
    json_t *saref = gt_kobj_obj(kube, "serviceaccount");
    const char *sa = gt_kobj_str(saref, "name", "");
    const char *sauid = gt_kobj_str(saref, "uid", "");
    char sns[254], sname[254];
    if (!*ns || !*sa || !gt_kuser_sa_parts(gt_kobj_str(claims, "sub", ""), sns, sname) ||
        strcmp(sns, ns) != 0 || strcmp(sname, sa) != 0) {
        r = gt_err(err, EACCES, "service account token claims do not name a service account");
        goto out;
    }
    json_t *podref = gt_kobj_obj(kube, "pod");
    json_t *secref = gt_kobj_obj(kube, "secret");
    json_t *noderef = gt_kobj_obj(kube, "node");
    if (o->lister) {
        json_t *obj = gt_klister_get(o->lister, "serviceaccounts", ns, sa);
        if (!obj) {
            r = gt_err(err, EACCES, "serviceaccounts \"%s\" not found", sa);
            goto out;
        }
        bool deleted = gone(obj, o->now);
        cleanup_free char *have = gt_xstrdup(gt_kobj_uid(obj));
        json_decref(obj);
        if (deleted) {
            r = gt_err(err, EACCES, "service account %s/%s has been deleted", ns, sa);
            goto out;
        }
        if (strcmp(have, sauid) != 0) {
            r = gt_err(err, EACCES, "service account UID (%s) does not match claim (%s)", have,
                       sauid);
            goto out;
        }
        if (secref && (r = check_ref(o->lister, "secrets", ns, secref, "secret", o->now, err)) < 0)
            goto out;
        if (podref && (r = check_ref(o->lister, "pods", ns, podref, "pod", o->now, err)) < 0)
            goto out;
        if (noderef && !podref &&
            (r = check_ref(o->lister, "nodes", "", noderef, "node", o->now, err)) < 0)
            goto out;
    }

    name = gt_xasprintf(GT_KSA_PREFIX "%s:%s", ns, sa);
    gt_kuser_init(user, name, sauid);
    nsgroup = gt_xasprintf(GT_KGROUP_SERVICEACCOUNTS ":%s", ns);
    gt_kuser_add_group(user, GT_KGROUP_SERVICEACCOUNTS);
    gt_kuser_add_group(user, nsgroup);
    gt_kuser_add_group(user, GT_KGROUP_AUTHENTICATED);
    if (podref) {
        gt_kuser_add_extra(user, EXTRA_PREFIX "pod-name", gt_kobj_str(podref, "name", ""));
        gt_kuser_add_extra(user, EXTRA_PREFIX "pod-uid", gt_kobj_str(podref, "uid", ""));
    }
    if (noderef) {
        gt_kuser_add_extra(user, EXTRA_PREFIX "node-name", gt_kobj_str(noderef, "name", ""));
        gt_kuser_add_extra(user, EXTRA_PREFIX "node-uid", gt_kobj_str(noderef, "uid", ""));
    }
    const char *jti = gt_kobj_str(claims, "jti", "");
    if (*jti) {
        cleanup_free char *cred = gt_xasprintf("JTI=%s", jti);
        gt_kuser_add_extra(user, EXTRA_PREFIX "credential-id", cred);
    }
    if (matched)
        *matched = steal_pointer(&hit);
    r = 0;
out:
    json_decref(kept);
    json_decref(claims);
    return r;
}

/* ---- TokenRequest ---- */

static json_t *invalid(struct gt_kfe_list *errs, const char *name)
{
    json_t *st = gt_kfe_status(errs, "authentication.k8s.io", "TokenRequest", name);
    gt_kfe_list_release(errs);
    return st;
}

int gt_ksa_token_request(const struct gt_ksa_key *k, const struct gt_ksa_request_opts *o,
                         const json_t *sa, const json_t *req, json_t **out)
{
    const char *ns = gt_kobj_namespace(sa), *name = gt_kobj_name(sa);
    struct gt_kfe_list errs;
    gt_kfe_list_init(&errs);
    if (!json_is_object(req)) {
        gt_kfe_invalid(&errs, "", req, "must be a TokenRequest object");
        *out = invalid(&errs, name);
        return -EINVAL;
    }
    json_t *spec = json_object_get(req, "spec");
    if (spec && !json_is_object(spec) && !json_is_null(spec))
        gt_kfe_add(&errs, GT_KFE_TYPE_INVALID, "spec", spec, "expected an object");
    if (!json_is_object(spec))
        spec = NULL;

    int64_t expsec = 3600;
    json_t *ev = spec ? json_object_get(spec, "expirationSeconds") : NULL;
    if (ev && !json_is_null(ev)) {
        if (!json_is_integer(ev))
            gt_kfe_add(&errs, GT_KFE_TYPE_INVALID, "spec.expirationSeconds", ev,
                       "expected an integer");
        else {
            expsec = json_integer_value(ev);
            if (expsec < 600)
                gt_kfe_invalid_int(&errs, "spec.expirationSeconds", expsec,
                                   "may not specify a duration less than 10 minutes");
            else if (expsec > ((int64_t)1 << 32))
                gt_kfe_invalid_int(&errs, "spec.expirationSeconds", expsec,
                                   "may not specify a duration larger than 2^32 seconds");
        }
    }
    cleanup_strv char **aud = NULL;
    json_t *av = spec ? json_object_get(spec, "audiences") : NULL;
    size_t i;
    json_t *v;
    if (av && !json_is_null(av) && !json_is_array(av))
        gt_kfe_add(&errs, GT_KFE_TYPE_INVALID, "spec.audiences", av, "expected an array");
    json_array_foreach(av, i, v) {
        if (!json_is_string(v) || !*json_string_value(v)) {
            char path[48];
            snprintf(path, sizeof(path), "spec.audiences[%zu]", i);
            gt_kfe_invalid(&errs, path, v, "must be a non-empty string");
        } else
            gt_strv_push(&aud, json_string_value(v));
    }
    if (!aud) {
        const char *self[] = { o->issuer, NULL };
        for (const char *const *a = o->audiences ? o->audiences : self; *a; a++)
            gt_strv_push(&aud, *a);
    }
    json_t *bref = spec ? json_object_get(spec, "boundObjectRef") : NULL;
    if (bref && !json_is_object(bref) && !json_is_null(bref))
        gt_kfe_add(&errs, GT_KFE_TYPE_INVALID, "spec.boundObjectRef", bref, "expected an object");
    if (!json_is_object(bref))
        bref = NULL;
    if (errs.n) {
        *out = invalid(&errs, name);
        return -EINVAL;
    }
    gt_kfe_list_release(&errs);

    struct gt_ksa_token_opts to = {
        .issuer = o->issuer,
        .audiences = (const char *const *)aud,
        .namespace = ns,
        .name = name,
        .uid = gt_kobj_uid(sa),
        .now = o->now,
        .expiration_seconds = expsec,
    };
    json_t *bound = NULL, *node = NULL;
    if (bref) {
        const char *kind = gt_kobj_str(bref, "kind", "");
        const char *apiv = gt_kobj_str(bref, "apiVersion", "");
        const char *bname = gt_kobj_str(bref, "name", "");
        const char *buid = gt_kobj_str(bref, "uid", "");
        const char *slash = strchr(apiv, '/');
        bool core = !slash;
        const char *res = NULL;
        if (core && strcmp(kind, "Pod") == 0)
            res = "pods";
        else if (core && strcmp(kind, "Secret") == 0)
            res = "secrets";
        else if (core && strcmp(kind, "Node") == 0)
            res = "nodes";
        if (!res) {
            cleanup_free char *msg = gt_xasprintf(
                "cannot bind token to object of type %.*s/%s, Kind=%s", slash ? (int)(slash - apiv) : 0,
                apiv, slash ? slash + 1 : apiv, kind);
            *out = gt_kstatus_bad_request(msg);
            return -EINVAL;
        }
        bound = gt_klister_get(o->lister, res, strcmp(res, "nodes") == 0 ? "" : ns, bname);
        if (!bound) {
            *out = gt_kstatus_not_found("", res, bname);
            return -ENOENT;
        }
        if (strcmp(res, "pods") == 0 &&
            strcmp(gt_kobj_str(bound, "spec.serviceAccountName", "default"), name) != 0) {
            cleanup_free char *msg = gt_xasprintf(
                "cannot bind token for serviceaccount \"%s\" to pod running with different "
                "serviceaccount name.",
                name);
            json_decref(bound);
            *out = gt_kstatus_bad_request(msg);
            return -EINVAL;
        }
        if (*buid && strcmp(buid, gt_kobj_uid(bound)) != 0) {
            cleanup_free char *msg = gt_xasprintf(
                "the UID in the bound object reference (%s) does not match the UID in record. "
                "The object might have been deleted and then recreated",
                buid);
            json_decref(bound);
            *out = gt_kstatus_conflict("", kind, bname, msg);
            return -EEXIST;
        }
        to.bound_kind = kind;
        to.bound_name = bname;
        to.bound_uid = gt_kobj_uid(bound);
        if (strcmp(res, "pods") == 0) {
            const char *nn = gt_kobj_str(bound, "spec.nodeName", "");
            if (*nn) {
                node = gt_klister_get(o->lister, "nodes", "", nn);
                to.node_name = nn;
                to.node_uid = node ? gt_kobj_uid(node) : "";
            }
        }
    }
    struct gt_error e = { 0 };
    cleanup_free char *tok = NULL;
    int64_t exp;
    int r = gt_ksa_token_issue(k, &to, &tok, &exp, &e);
    json_t *respec = json_pack("{s:[],s:I}", "audiences", "expirationSeconds", (json_int_t)expsec);
    for (char **a = aud; *a; a++)
        json_array_append_new(json_object_get(respec, "audiences"), json_string(*a));
    if (bref) {
        json_t *b = json_deep_copy(bref);
        json_object_set_new(b, "uid", json_string(to.bound_uid));
        json_object_set_new(respec, "boundObjectRef", b);
    }
    if (bound)
        json_decref(bound);
    if (node)
        json_decref(node);
    if (r < 0) {
        json_decref(respec);
        *out = gt_kstatus_internal(e.msg);
        return r;
    }
    char ts[32];
    gt_kmeta_time_format((time_t)exp, ts);
    *out = json_pack("{s:s,s:s,s:{s:s,s:s,s:n},s:o,s:{s:s,s:s}}", "kind", "TokenRequest",
                     "apiVersion", "authentication.k8s.io/v1", "metadata", "name", name,
                     "namespace", ns, "creationTimestamp", "spec", respec, "status", "token",
                     tok, "expirationTimestamp", ts);
    return 0;
}
