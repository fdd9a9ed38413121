/* image/registry_auth.c - registry authentication: WWW-Authenticate
 * challenges, basic credentials (explicit or from a docker config.json),
 * and bearer tokens fetched from the challenge's realm, cached per host,
 * scope set and credentials until they expire. */
#include <ctype.h>
#include <errno.h>
#include <nettle/base64.h>
#include <nettle/sha2.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "image/registry_int.h"

#define TOKEN_MIN_LIFETIME 60 /* seconds, as the token spec says */
#define TOKEN_MARGIN 10

void reg_challenge_release(struct reg_challenge *ch)
{
    free(ch->realm);
    free(ch->service);
    free(ch->scope);
    free(ch->error);
    memset(ch, 0, sizeof *ch);
}

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

static bool is_token_char(char c)
{
    return c && (isalnum((unsigned char)c) || strchr("!#$%&'*+-.^_`|~", c));
}

/* auth-param = token "=" ( token / quoted-string ), RFC 7235. */
int reg_challenge_parse(const char *value, struct reg_challenge *ch, struct gt_error *err)
{
    memset(ch, 0, sizeof *ch);
    const char *p = skip_ws(value);
    const char *scheme = p;
    while (is_token_char(*p))
        p++;
    size_t slen = (size_t)(p - scheme);
    if (slen == 6 && !strncasecmp(scheme, "Bearer", 6))
        ch->kind = REG_AUTH_BEARER;
    else if (slen == 5 && !strncasecmp(scheme, "Basic", 5))
        ch->kind = REG_AUTH_BASIC;
    else
        return 0;

    for (;;) {
        p = skip_ws(p);
        while (*p == ',')
            p = skip_ws(p + 1);
        if (!*p)
            break;
        const char *name = p;
        while (is_token_char(*p))
            p++;
        size_t nlen = (size_t)(p - name);
        p = skip_ws(p);
        if (nlen == 0 || *p != '=') {
            reg_challenge_release(ch);
            return gt_err(err, EPROTO, "malformed WWW-Authenticate header \"%s\"", value);
        }
        p = skip_ws(p + 1);
        cleanup_free char *val = NULL;
        if (*p == '"') {
            p++;
            size_t cap = strlen(p) + 1, n = 0;
            val = gt_xmalloc(cap);
            while (*p && *p != '"') {
                if (*p == '\\' && p[1])
                    p++;
                val[n++] = *p++;
            }
            val[n] = '\0';
            if (*p != '"') {
                reg_challenge_release(ch);
                return gt_err(err, EPROTO,
                              "malformed WWW-Authenticate header \"%s\": unterminated quote",
                              value);
            }
            p++;
        } else {
            const char *v = p;
            while (is_token_char(*p) || *p == '/' || *p == ':')
                p++;
            val = gt_xstrndup(v, (size_t)(p - v));
        }
        char **slot = NULL;
        if (nlen == 5 && !strncasecmp(name, "realm", 5))
            slot = &ch->realm;
        else if (nlen == 7 && !strncasecmp(name, "service", 7))
            slot = &ch->service;
        else if (nlen == 5 && !strncasecmp(name, "scope", 5))
            slot = &ch->scope;
        else if (nlen == 5 && !strncasecmp(name, "error", 5))
            slot = &ch->error;
        if (slot) {
            free(*slot);
            *slot = steal_pointer(&val);
        }
    }
    if (ch->kind == REG_AUTH_BEARER && (!ch->realm || !*ch->realm)) {
        reg_challenge_release(ch);
        return gt_err(err, EPROTO, "bearer challenge without a realm: \"%s\"", value);
    }
    return 0;
}

char *reg_basic_encode(const char *user, const char *pass)
{
    cleanup_free char *plain = gt_xasprintf("%s:%s", user ? user : "", pass ? pass : "");
    size_t n = strlen(plain);
    char *out = gt_xmalloc(BASE64_ENCODE_RAW_LENGTH(n) + 1);
    base64_encode_raw(out, n, (const uint8_t *)plain);
    out[BASE64_ENCODE_RAW_LENGTH(n)] = '\0';
    return out;
}

int reg_basic_decode(const char *b64, char **user, char **pass, struct gt_error *err)
{
    *user = *pass = NULL;
    size_t n = strlen(b64);
    cleanup_free uint8_t *buf = gt_xmalloc(BASE64_DECODE_LENGTH(n) + 1);
    struct base64_decode_ctx ctx;
    size_t out_len = BASE64_DECODE_LENGTH(n);
    base64_decode_init(&ctx);
    if (!base64_decode_update(&ctx, &out_len, buf, n, b64) || !base64_decode_final(&ctx))
        return gt_err(err, EINVAL, "auth is not valid base64");
    buf[out_len] = '\0';
    if (memchr(buf, '\0', out_len))
        return gt_err(err, EINVAL, "auth holds a NUL byte");
    char *colon = strchr((char *)buf, ':');
    if (!colon)
        return gt_err(err, EINVAL, "auth is not of the form user:password");
    *colon = '\0';
    *user = gt_xstrdup((char *)buf);
    *pass = gt_xstrdup(colon + 1);
    return 0;
}

/* "https://host:port/v1/" -> "host:port" */
static char *auth_key_host(const char *key)
{
    const char *p = key;
    if (!strncasecmp(p, "https://", 8))
        p += 8;
    else if (!strncasecmp(p, "http://", 7))
        p += 7;
    size_t n = strcspn(p, "/");
    char *h = gt_xstrndup(p, n);
    for (char *c = h; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    return h;
}

static bool is_docker_io(const char *h)
{
    return !strcmp(h, "docker.io") || !strcmp(h, "index.docker.io") ||
           !strcmp(h, REG_DOCKER_IO_HOST);
}

int reg_auths_lookup(const json_t *auths, const char *key, char **user, char **pass,
                     struct gt_error *err)
{
    *user = *pass = NULL;
    if (!auths || !json_is_object(auths))
        return 0;
    cleanup_free char *want = auth_key_host(key);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)auths, k, v)
    {
        cleanup_free char *h = auth_key_host(k);
        if (strcmp(h, want) != 0 && !(is_docker_io(h) && is_docker_io(want)))
            continue;
        if (!json_is_object(v))
            continue;
        const char *a = json_string_value(json_object_get(v, "auth"));
        if (a && *a) {
            int r = reg_basic_decode(a, user, pass, err);
            if (r < 0)
                return gt_err_prefix(err, "auths[\"%s\"]", k);
            return 1;
        }
        const char *u = json_string_value(json_object_get(v, "username"));
        const char *pw = json_string_value(json_object_get(v, "password"));
        if (u && pw) {
            *user = gt_xstrdup(u);
            *pass = gt_xstrdup(pw);
            return 1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Tokens                                                              */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void reg_scope_add(char ***v, const char *scope)
{
    const char *last = strrchr(scope, ':');
    if (!last || last == scope) {
        for (char **p = *v; p && *p; p++)
            if (!strcmp(*p, scope))
                return;
        gt_strv_push(v, scope);
        return;
    }
    size_t rlen = (size_t)(last - scope); /* "type:name" */
    for (char **p = *v; p && *p; p++) {
        const char *plast = strrchr(*p, ':');
        if (!plast || (size_t)(plast - *p) != rlen || strncmp(*p, scope, rlen) != 0)
            continue;
        cleanup_free char *merged = gt_xstrdup(*p);
        cleanup_free char *add = gt_xstrdup(last + 1);
        char *save = NULL;
        for (char *a = strtok_r(add, ",", &save); a; a = strtok_r(NULL, ",", &save)) {
            bool have = false;
            cleanup_free char *cur = gt_xstrdup(strrchr(merged, ':') + 1);
            char *s2 = NULL;
            for (char *b = strtok_r(cur, ",", &s2); b; b = strtok_r(NULL, ",", &s2))
                have |= !strcmp(a, b);
            if (!have) {
                char *n = gt_xasprintf("%s,%s", merged, a);
                free(merged);
                merged = n;
            }
        }
        free(*p);
        *p = steal_pointer(&merged);
        return;
    }
    gt_strv_push(v, scope);
}

/* The scopes to ask for: the session's plus the challenge's, merged per
 * resource and sorted (so that the cache key does not depend on order). */
static char **token_scopes(const struct reg_session *s, const char *challenge_scope)
{
    char **v = NULL;
    for (char **p = s->scopes; p && *p; p++)
        reg_scope_add(&v, *p);
    if (challenge_scope) {
        cleanup_free char *copy = gt_xstrdup(challenge_scope);
        char *save = NULL;
        for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save))
            reg_scope_add(&v, t);
    }
    if (v)
        qsort(v, gt_strv_len(v), sizeof *v, cmp_str);
    return v;
}

static char *token_key(const struct reg_session *s, const char *realm, const char *service)
{
    /* The credentials are part of the key (hashed): a daemon serving
     * several users must not hand one user's token to another. */
    char hex[2 * SHA256_DIGEST_SIZE + 1] = "anonymous";
    if (s->username) {
        struct sha256_ctx ctx;
        uint8_t d[SHA256_DIGEST_SIZE];
        sha256_init(&ctx);
        sha256_update(&ctx, strlen(s->username), (const uint8_t *)s->username);
        sha256_update(&ctx, 1, (const uint8_t *)"\n");
        if (s->password)
            sha256_update(&ctx, strlen(s->password), (const uint8_t *)s->password);
        sha256_digest(&ctx, sizeof d, d);
        for (size_t i = 0; i < sizeof d; i++)
            sprintf(hex + 2 * i, "%02x", d[i]);
    }
    cleanup_strv char **scopes = token_scopes(s, NULL);
    size_t len = strlen(s->host) + strlen(realm) + strlen(service ? service : "") + strlen(hex) + 8;
    for (char **p = scopes; p && *p; p++)
        len += strlen(*p) + 1;
    char *key = gt_xmalloc(len);
    int n = snprintf(key, len, "%s|%s|%s|%s|", s->host, realm, service ? service : "", hex);
    for (char **p = scopes; p && *p; p++)
        n += snprintf(key + n, len - (size_t)n, "%s ", *p);
    return key;
}

/* A valid cached token (new string), or NULL. */
static char *token_cache_get(struct gt_registry_client *c, const char *key)
{
    char *tok = NULL;
    time_t now = time(NULL);
    pthread_mutex_lock(&c->lock);
    for (struct reg_token *t = c->tokens; t; t = t->next) {
        if (!strcmp(t->key, key) && t->expires > now) {
            tok = gt_xstrdup(t->token);
            break;
        }
    }
    pthread_mutex_unlock(&c->lock);
    return tok;
}

static void token_cache_put(struct gt_registry_client *c, const char *key, const char *token,
                            time_t expires)
{
    pthread_mutex_lock(&c->lock);
    struct reg_token **pp = &c->tokens;
    time_t now = time(NULL);
    while (*pp) {
        struct reg_token *t = *pp;
        if (!strcmp(t->key, key) || t->expires <= now) {
            *pp = t->next;
            free(t->key);
            free(t->token);
            free(t);
            continue;
        }
        pp = &t->next;
    }
    struct reg_token *t = gt_xcalloc(1, sizeof *t);
    t->key = gt_xstrdup(key);
    t->token = gt_xstrdup(token);
    t->expires = expires;
    t->next = c->tokens;
    c->tokens = t;
    pthread_mutex_unlock(&c->lock);
}

static void append_param(char **url, CURL *curl, const char *name, const char *value)
{
    char *esc = curl_easy_escape(curl, value, 0);
    char *n = gt_xasprintf("%s%s%s=%s", *url, strchr(*url, '?') ? "&" : "?", name,
                           esc ? esc : "");
    curl_free(esc);
    free(*url);
    *url = n;
}

/* GET <realm>?service=..&scope=.. with basic credentials when known. */
static int token_fetch(struct reg_conn *conn, const char *realm, const char *service,
                       char *const *scopes, char **token, time_t *expires, struct gt_error *err)
{
    struct reg_session *s = conn->s;
    if (strncasecmp(realm, "https://", 8) != 0 && strncasecmp(realm, "http://", 7) != 0)
        return gt_err(err, EPROTO, "token realm \"%s\" is not an http(s) URL", realm);
    cleanup_free char *url = gt_xstrdup(realm);
    if (service && *service)
        append_param(&url, conn->curl, "service", service);
    for (char *const *p = scopes; p && *p; p++)
        append_param(&url, conn->curl, "scope", *p);
    cleanup_free char *authz = NULL;
    if (s->username) {
        cleanup_free char *b = reg_basic_encode(s->username, s->password);
        authz = gt_xasprintf("Basic %s", b);
    }
    struct reg_req req = {
        .method = "GET",
        .url = url,
        .body_fd = -1,
        .max_body = REG_TOKEN_BODY_MAX,
        .max_bytes = -1,
        .no_auth = true,
        .authorization = authz,
    };
    struct reg_resp resp = { 0 };
    int r = reg_do(conn, &req, &resp, err);
    if (r < 0) {
        reg_resp_release(&resp);
        return gt_err_prefix(err, "fetch token from %s", realm);
    }
    if (resp.status != 200) {
        r = reg_http_error(&resp, err, "fetch token from %s", realm);
        reg_resp_release(&resp);
        return r;
    }
    cleanup_json json_t *j = NULL;
    r = gt_json_load_buf(resp.body ? resp.body : "", resp.body_len, "token response", &j, err);
    reg_resp_release(&resp);
    if (r < 0)
        return gt_err_prefix(err, "fetch token from %s", realm);
    const char *t = json_string_value(json_object_get(j, "token"));
    if (!t || !*t)
        t = json_string_value(json_object_get(j, "access_token"));
    if (!t || !*t)
        return gt_err(err, EPROTO, "fetch token from %s: the answer holds no token", realm);
    json_int_t life = json_integer_value(json_object_get(j, "expires_in"));
    if (life < TOKEN_MIN_LIFETIME)
        life = TOKEN_MIN_LIFETIME;
    *token = gt_xstrdup(t);
    *expires = time(NULL) + (time_t)life - TOKEN_MARGIN;
    return 0;
}

int reg_auth_header(struct reg_conn *conn, const struct reg_challenge *ch, const char *sent,
                    char **out, struct gt_error *err)
{
    struct reg_session *s = conn->s;
    struct gt_registry_client *c = s->c;
    struct reg_host *h = reg_client_host(c, s->host);
    *out = NULL;

    pthread_mutex_lock(&c->lock);
    if (ch && ch->kind != REG_AUTH_NONE) {
        h->auth_kind = ch->kind;
        if (ch->kind == REG_AUTH_BEARER) {
            free(h->realm);
            free(h->service);
            h->realm = gt_xstrdup(ch->realm);
            h->service = ch->service ? gt_xstrdup(ch->service) : NULL;
        }
    }
    enum reg_auth_kind kind = h->auth_kind;
    cleanup_free char *realm = h->realm ? gt_xstrdup(h->realm) : NULL;
    cleanup_free char *service = h->service ? gt_xstrdup(h->service) : NULL;
    pthread_mutex_unlock(&c->lock);

    if (kind == REG_AUTH_BASIC) {
        if (!s->username)
            return 0;
        cleanup_free char *b = reg_basic_encode(s->username, s->password);
        *out = gt_xasprintf("Basic %s", b);
        return 0;
    }
    if (kind != REG_AUTH_BEARER || !realm)
        return 0;

    cleanup_free char *key = token_key(s, realm, service);
    cleanup_free char *tok = token_cache_get(c, key);
    /* A cached token other than the one just refused was fetched by
     * another thread meanwhile: use it.  Else fetch one (one fetch at a
     * time, re-checking the cache once the lock is ours). */
    if (tok && !(ch && sent && !strncmp(sent, "Bearer ", 7) && !strcmp(sent + 7, tok))) {
        *out = gt_xasprintf("Bearer %s", tok);
        return 0;
    }
    pthread_mutex_lock(&c->token_lock);
    free(tok);
    tok = token_cache_get(c, key);
    if (tok && !(sent && !strncmp(sent, "Bearer ", 7) && !strcmp(sent + 7, tok))) {
        pthread_mutex_unlock(&c->token_lock);
        *out = gt_xasprintf("Bearer %s", tok);
        return 0;
    }
    free(tok);
    tok = NULL;
    cleanup_strv char **scopes = token_scopes(s, ch ? ch->scope : NULL);
    time_t expires = 0;
    int r = token_fetch(conn, realm, service, scopes, &tok, &expires, err);
    if (r == 0)
        token_cache_put(c, key, tok, expires);
    pthread_mutex_unlock(&c->token_lock);
    if (r < 0)
        return r;
    gt_debug("registry: new token for %s (%s)", s->host, key);
    *out = gt_xasprintf("Bearer %s", tok);
    return 0;
}
