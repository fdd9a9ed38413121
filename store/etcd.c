/* store/etcd.c - the etcd backend: etcd 3.4's v3 API through its JSON
 * gateway (/v3/kv/range, /v3/kv/txn, /v3/kv/compaction, ...) over libcurl.
 * Keys and values travel base64-encoded, int64 fields as strings.
 * Revisions are etcd's, so several API servers on one etcd see one history
 * (and each other's watch events).  Watches are in etcd_watch.c.
 *
 * Requests go to the endpoint that answered last; when it refuses the
 * connection the next is tried.  Only a refused connection moves on: a
 * request that may have reached etcd is never sent twice. */
#include <inttypes.h>
#include <nettle/base64.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/mem.h"
#include "store/etcd_client.h"

/* Largest answer read: a list of every object of a big cluster. */
#define ETCD_MAX_RESPONSE (1u << 30)

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ---- conversions ---- */

json_t *etcd_b64(const void *p, size_t n)
{
    size_t len = BASE64_ENCODE_RAW_LENGTH(n);
    char *out = gt_xmalloc(len + 1);
    base64_encode_raw(out, n, p);
    out[len] = '\0';
    json_t *j = json_stringn_nocheck(out, len);
    free(out);
    return j;
}

static json_t *b64_str(const char *s)
{
    return etcd_b64(s, strlen(s));
}

int etcd_unb64(const json_t *obj, const char *member, char **out, size_t *len,
               struct gt_error *err)
{
    const json_t *v = json_object_get(obj, member);
    const char *src = json_is_string(v) ? json_string_value(v) : "";
    size_t slen = json_is_string(v) ? json_string_length(v) : 0;
    char *dst = malloc(BASE64_DECODE_LENGTH(slen) + 1);
    if (!dst)
        return gt_err(err, ENOMEM, "decode %s of %zu bytes", member, slen);
    struct base64_decode_ctx ctx;
    size_t n = 0;
    base64_decode_init(&ctx);
    if (!base64_decode_update(&ctx, &n, (uint8_t *)dst, slen, src) ||
        !base64_decode_final(&ctx)) {
        free(dst);
        return gt_err(err, EIO, "etcd sent a %s that is not base64", member);
    }
    dst[n] = '\0';
    *out = dst;
    *len = n;
    return 0;
}

int64_t etcd_int(const json_t *obj, const char *member)
{
    const json_t *v = json_object_get(obj, member);
    if (json_is_integer(v))
        return json_integer_value(v);
    if (json_is_string(v))
        return strtoll(json_string_value(v), NULL, 10);
    return 0;
}

int etcd_parse_kv(const json_t *j, struct gt_kv *kv, struct gt_error *err)
{
    memset(kv, 0, sizeof *kv);
    size_t klen;
    int r = etcd_unb64(j, "key", &kv->key, &klen, err);
    if (r == 0 && json_object_get(j, "value"))
        r = etcd_unb64(j, "value", &kv->value, &kv->value_len, err);
    else if (r == 0 && etcd_int(j, "version") > 0)
        r = etcd_unb64(j, "value", &kv->value, &kv->value_len, err); /* empty value */
    if (r < 0) {
        gt_kv_release(kv);
        return r;
    }
    kv->create_rev = etcd_int(j, "create_revision");
    kv->mod_rev = etcd_int(j, "mod_revision");
    kv->version = etcd_int(j, "version");
    return 0;
}

int etcd_parse_kvs(const json_t *arr, struct gt_kv **out, size_t *n, struct gt_error *err)
{
    *out = NULL;
    *n = 0;
    size_t len = json_is_array(arr) ? json_array_size(arr) : 0;
    if (len == 0)
        return 0;
    struct gt_kv *kvs = calloc(len, sizeof *kvs);
    if (!kvs)
        return gt_err(err, ENOMEM, "list of %zu keys", len);
    for (size_t i = 0; i < len; i++) {
        int r = etcd_parse_kv(json_array_get(arr, i), &kvs[i], err);
        if (r < 0) {
            gt_kvs_free(kvs, i);
            return r;
        }
    }
    *out = kvs;
    *n = len;
    return 0;
}

/* ---- errors ---- */

static const struct {
    const char *needle;
    int code;
} etcd_errors[] = {
    { "required revision has been compacted", GT_STORE_ECOMPACTED },
    { "required revision is a future revision", GT_STORE_EFUTURE },
    { "request is too large", EMSGSIZE },
    { "larger than max", EMSGSIZE }, /* the gateway's own gRPC limit (2 MiB) */
    { "too many operations in txn request", E2BIG },
    { "duplicate key given in txn request", EINVAL },
    { "key is not provided", EINVAL },
    { "database space exceeded", ENOSPC },
    { "permission denied", EACCES },
    { "invalid auth token", EACCES },
    { "no leader", EAGAIN },
    { "leader changed", EAGAIN },
    { "timed out", EAGAIN },
    { "too many requests", EAGAIN },
    { "not capable", EOPNOTSUPP },
};

/* gRPC codes, for messages the table does not know */
static int grpc_errno(int code)
{
    switch (code) {
    case 3: /* InvalidArgument */
    case 9: /* FailedPrecondition */
    case 11: /* OutOfRange */
        return EINVAL;
    case 4: /* DeadlineExceeded */
    case 8: /* ResourceExhausted */
    case 14: /* Unavailable */
        return EAGAIN;
    case 7: /* PermissionDenied */
    case 16: /* Unauthenticated */
        return EACCES;
    case 12: /* Unimplemented */
        return EOPNOTSUPP;
    default:
        return EIO;
    }
}

int etcd_error(const char *msg, int grpc_code, struct gt_error *err)
{
    for (size_t i = 0; i < sizeof etcd_errors / sizeof etcd_errors[0]; i++)
        if (strstr(msg, etcd_errors[i].needle))
            return gt_err(err, etcd_errors[i].code, "%s", msg);
    return gt_err(err, grpc_errno(grpc_code), "%s", msg);
}

/* ---- calls ---- */

struct body {
    char *data;
    size_t len, cap;
    bool too_big;
};

static size_t body_write(char *p, size_t size, size_t nmemb, void *arg)
{
    struct body *b = arg;
    size_t n = size * nmemb;
    if (b->len + n + 1 > ETCD_MAX_RESPONSE) {
        b->too_big = true;
        return 0;
    }
    if (b->len + n + 1 > b->cap) {
        size_t ncap = b->cap ? b->cap : 4096;
        while (ncap < b->len + n + 1)
            ncap *= 2;
        char *d = realloc(b->data, ncap);
        if (!d) {
            b->too_big = true;
            return 0;
        }
        b->data = d;
        b->cap = ncap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

void etcd_curl_setup(CURL *h, void *arg)
{
    struct etcd_store *s = arg;
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    if (s->ca_file)
        curl_easy_setopt(h, CURLOPT_CAINFO, s->ca_file);
    if (s->cert_file)
        curl_easy_setopt(h, CURLOPT_SSLCERT, s->cert_file);
    if (s->key_file)
        curl_easy_setopt(h, CURLOPT_SSLKEY, s->key_file);
}

static CURL *handle_get(struct etcd_store *s)
{
    CURL *h = NULL;
    pthread_mutex_lock(&s->pool_lock);
    if (s->npool > 0)
        h = s->pool[--s->npool];
    pthread_mutex_unlock(&s->pool_lock);
    if (!h) {
        h = curl_easy_init();
        if (h)
            etcd_curl_setup(h, s);
    }
    return h;
}

static void handle_put(struct etcd_store *s, CURL *h)
{
    pthread_mutex_lock(&s->pool_lock);
    if (s->npool == s->pool_cap) {
        s->pool_cap = s->pool_cap ? s->pool_cap * 2 : 8;
        s->pool = gt_xrealloc(s->pool, s->pool_cap * sizeof *s->pool);
    }
    s->pool[s->npool++] = h;
    pthread_mutex_unlock(&s->pool_lock);
}

int etcd_call(struct etcd_store *s, const char *path, json_t *req, json_t **resp,
              struct gt_error *err)
{
    *resp = NULL;
    cleanup_free char *payload = json_dumps(req, JSON_COMPACT);
    if (!payload)
        return gt_err(err, ENOMEM, "encode the request to %s", path);
    CURL *h = handle_get(s);
    if (!h)
        return gt_err(err, ENOMEM, "curl_easy_init failed");
    struct curl_slist hdr = { .data = (char *)"Content-Type: application/json" };
    struct body b = { 0 };
    CURLcode rc = CURLE_OK;
    size_t first = atomic_load(&s->current), idx = first;
    for (size_t i = 0; i < s->nendpoints; i++) {
        idx = (first + i) % s->nendpoints;
        cleanup_free char *url = gt_xasprintf("%s%s", s->endpoints[idx], path);
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, payload);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(payload));
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, &hdr);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, body_write);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)s->timeout_ms);
        b.len = 0;
        rc = curl_easy_perform(h);
        if (rc != CURLE_COULDNT_CONNECT)
            break;
    }
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, NULL);
    int r = 0;
    if (rc != CURLE_OK) {
        if (b.too_big)
            r = gt_err(err, ENOMEM, "etcd %s: answer too large", path);
        else
            r = gt_err(err,
                       rc == CURLE_COULDNT_CONNECT ? ECONNREFUSED
                       : rc == CURLE_OPERATION_TIMEDOUT ? EAGAIN
                                                        : EIO,
                       "etcd %s%s: %s", s->endpoints[idx], path, curl_easy_strerror(rc));
        curl_easy_cleanup(h); /* its connection is in an unknown state */
        free(b.data);
        return r;
    }
    atomic_store(&s->current, idx);
    handle_put(s, h);
    json_error_t jerr;
    json_t *j = b.len ? json_loadb(b.data, b.len, 0, &jerr) : NULL;
    if (status != 200) {
        const char *msg = NULL;
        json_t *m = json_object_get(j, "message");
        if (!json_is_string(m))
            m = json_object_get(j, "error");
        if (json_is_string(m))
            msg = json_string_value(m);
        if (msg) {
            etcd_error(msg, (int)etcd_int(j, "code"), err);
            r = gt_err_prefix(err, "etcd %s", path);
        } else {
            r = gt_err(err, EIO, "etcd %s: HTTP %ld: %.200s", path, status,
                       b.data ? b.data : "");
        }
        json_decref(j);
    } else if (!json_is_object(j)) {
        json_decref(j);
        r = gt_err(err, EIO, "etcd %s: the answer is not a JSON object", path);
    } else {
        *resp = j;
    }
    free(b.data);
    return r;
}

static int64_t header_rev(const json_t *resp)
{
    return etcd_int(json_object_get(resp, "header"), "revision");
}

/* ---- key ranges ---- */

/* [start, end) as etcd wants it; end_len 0 with has_end: unbounded ("\0") */
struct et_range {
    char *start;
    size_t start_len;
    char *end;
    size_t end_len;
    bool has_end;
};

static void et_range_release(struct et_range *r)
{
    free(r->start);
    free(r->end);
}

static void et_range_init(struct et_range *er, const char *key, bool prefix, const char *after)
{
    memset(er, 0, sizeof *er);
    er->start_len = strlen(key);
    er->start = gt_xstrndup(key, er->start_len);
    if (prefix) {
        er->has_end = true;
        er->end = gt_store_prefix_end(key, &er->end_len);
        if (!er->end) { /* everything from start on: etcd spells it "\0" */
            er->end = gt_xcalloc(1, 1);
            er->end_len = 1;
        }
        if (er->start_len == 0) { /* etcd refuses an empty key */
            free(er->start);
            er->start = gt_xcalloc(1, 1);
            er->start_len = 1;
        }
    }
    if (after) {
        size_t alen = strlen(after) + 1; /* after + "\0": the first key past it */
        int c = memcmp(after, er->start, alen < er->start_len ? alen : er->start_len);
        if (c > 0 || (c == 0 && alen > er->start_len)) {
            if (!er->has_end) { /* a single key: the range is [after\0, key\0) */
                er->end_len = strlen(key) + 1;
                er->end = gt_xcalloc(1, er->end_len);
                memcpy(er->end, key, er->end_len - 1);
                er->has_end = true;
            }
            free(er->start);
            er->start = gt_xcalloc(1, alen);
            memcpy(er->start, after, alen - 1);
            er->start_len = alen;
        }
    }
}

/* A bounded range with start >= end holds nothing. */
static bool et_range_empty(const struct et_range *er)
{
    if (!er->has_end || (er->end_len == 1 && er->end[0] == '\0'))
        return false;
    size_t n = er->start_len < er->end_len ? er->start_len : er->end_len;
    int c = memcmp(er->start, er->end, n);
    return c > 0 || (c == 0 && er->start_len >= er->end_len);
}

static void et_range_set(json_t *o, const struct et_range *er)
{
    json_object_set_new(o, "key", etcd_b64(er->start, er->start_len));
    if (er->has_end)
        json_object_set_new(o, "range_end", etcd_b64(er->end, er->end_len));
}

/* ---- the backend ---- */

static int et_range(struct gt_store *gs, const struct gt_store_range *r,
                    struct gt_store_range_result *res, struct gt_error *err)
{
    struct etcd_store *s = (struct etcd_store *)gs;
    struct et_range er;
    et_range_init(&er, r->key, r->prefix, r->after);
    bool empty = et_range_empty(&er);
    cleanup_json json_t *req = json_object();
    if (empty) { /* still ask, for the revision and the revision checks */
        json_object_set_new(req, "key", b64_str(r->key));
        json_object_set_new(req, "count_only", json_true());
    } else {
        et_range_set(req, &er);
        if (r->limit)
            json_object_set_new(req, "limit", json_integer(r->limit));
        if (r->count_only)
            json_object_set_new(req, "count_only", json_true());
        if (r->keys_only)
            json_object_set_new(req, "keys_only", json_true());
    }
    if (r->revision)
        json_object_set_new(req, "revision", json_integer(r->revision));
    et_range_release(&er);
    cleanup_json json_t *resp = NULL;
    int rc = etcd_call(s, "/v3/kv/range", req, &resp, err);
    if (rc < 0)
        return gt_err_prefix(err, "read %s%s", r->key, r->prefix ? "*" : "");
    res->revision = r->revision ? r->revision : header_rev(resp);
    if (empty)
        return 0;
    rc = etcd_parse_kvs(json_object_get(resp, "kvs"), &res->kvs, &res->n, err);
    if (rc < 0)
        return rc;
    if (r->keys_only)
        for (size_t i = 0; i < res->n; i++) {
            free(res->kvs[i].value);
            res->kvs[i].value = NULL;
            res->kvs[i].value_len = 0;
        }
    res->count = etcd_int(resp, "count");
    res->more = json_is_true(json_object_get(resp, "more"));
    return 0;
}

static json_t *cmp_json(const struct gt_store_cmp *c)
{
    static const char *const targets[] = {
        [GT_STORE_CMP_MOD_REV] = "MOD", [GT_STORE_CMP_CREATE_REV] = "CREATE",
        [GT_STORE_CMP_VERSION] = "VERSION", [GT_STORE_CMP_VALUE] = "VALUE",
        [GT_STORE_CMP_ABSENT] = "CREATE",
    };
    static const char *const fields[] = {
        [GT_STORE_CMP_MOD_REV] = "mod_revision", [GT_STORE_CMP_CREATE_REV] = "create_revision",
        [GT_STORE_CMP_VERSION] = "version", [GT_STORE_CMP_VALUE] = "value",
        [GT_STORE_CMP_ABSENT] = "create_revision",
    };
    json_t *o = json_object();
    json_object_set_new(o, "key", b64_str(c->key));
    json_object_set_new(o, "result", json_string("EQUAL"));
    json_object_set_new(o, "target", json_string(targets[c->target]));
    if (c->target == GT_STORE_CMP_VALUE)
        json_object_set_new(o, "value", etcd_b64(c->value ? c->value : "", c->value_len));
    else
        json_object_set_new(o, fields[c->target],
                            json_integer(c->target == GT_STORE_CMP_ABSENT ? 0 : c->rev));
    return o;
}

static json_t *op_json(const struct gt_store_op *op)
{
    json_t *o = json_object(), *inner = json_object();
    switch (op->type) {
    case GT_STORE_OP_PUT:
        json_object_set_new(inner, "key", b64_str(op->key));
        json_object_set_new(inner, "value", etcd_b64(op->value ? op->value : "", op->value_len));
        json_object_set_new(inner, "prev_kv", json_true());
        json_object_set_new(o, "request_put", inner);
        break;
    case GT_STORE_OP_DELETE:
        json_object_set_new(inner, "key", b64_str(op->key));
        json_object_set_new(inner, "prev_kv", json_true());
        json_object_set_new(o, "request_delete_range", inner);
        break;
    case GT_STORE_OP_DELETE_PREFIX: {
        struct et_range er;
        et_range_init(&er, op->key, true, NULL);
        et_range_set(inner, &er);
        et_range_release(&er);
        json_object_set_new(inner, "prev_kv", json_true());
        json_object_set_new(o, "request_delete_range", inner);
        break;
    }
    case GT_STORE_OP_GET:
        json_object_set_new(inner, "key", b64_str(op->key));
        json_object_set_new(o, "request_range", inner);
        break;
    }
    return o;
}

static int parse_op_result(const struct gt_store_op *op, const json_t *j,
                           struct gt_store_op_result *out, struct gt_error *err)
{
    const json_t *inner;
    switch (op->type) {
    case GT_STORE_OP_PUT: {
        inner = json_object_get(j, "response_put");
        const json_t *prev = json_object_get(inner, "prev_kv");
        if (!prev)
            return 0;
        out->kvs = gt_xcalloc(1, sizeof *out->kvs);
        int r = etcd_parse_kv(prev, &out->kvs[0], err);
        if (r == 0)
            out->n = 1;
        return r;
    }
    case GT_STORE_OP_DELETE:
    case GT_STORE_OP_DELETE_PREFIX:
        inner = json_object_get(j, "response_delete_range");
        out->deleted = etcd_int(inner, "deleted");
        return etcd_parse_kvs(json_object_get(inner, "prev_kvs"), &out->kvs, &out->n, err);
    case GT_STORE_OP_GET:
        inner = json_object_get(j, "response_range");
        return etcd_parse_kvs(json_object_get(inner, "kvs"), &out->kvs, &out->n, err);
    }
    return 0;
}

/* A transaction of one unconditional op goes to that op's own endpoint:
 * etcd serves /v3/kv/put a little faster than the same put in /v3/kv/txn. */
static int single_op(struct etcd_store *s, const struct gt_store_op *op,
                     struct gt_store_txn_result *res, struct gt_error *err)
{
    static const struct {
        const char *request, *path, *response;
    } kinds[] = {
        [GT_STORE_OP_PUT] = { "request_put", "/v3/kv/put", "response_put" },
        [GT_STORE_OP_DELETE] = { "request_delete_range", "/v3/kv/deleterange",
                                 "response_delete_range" },
        [GT_STORE_OP_DELETE_PREFIX] = { "request_delete_range", "/v3/kv/deleterange",
                                        "response_delete_range" },
        [GT_STORE_OP_GET] = { "request_range", "/v3/kv/range", "response_range" },
    };
    cleanup_json json_t *req = op_json(op);
    cleanup_json json_t *resp = NULL;
    int r = etcd_call(s, kinds[op->type].path, json_object_get(req, kinds[op->type].request),
                      &resp, err);
    if (r < 0)
        return gt_err_prefix(err, "txn on %s", op->key);
    res->succeeded = true;
    res->revision = header_rev(resp);
    res->results = gt_xcalloc(1, sizeof *res->results);
    res->n = 1;
    cleanup_json json_t *wrapped = json_pack("{s:O}", kinds[op->type].response, resp);
    r = parse_op_result(op, wrapped, &res->results[0], err);
    if (r < 0)
        gt_store_txn_result_release(res);
    return r;
}

static int et_txn(struct gt_store *gs, const struct gt_store_txn *t,
                  struct gt_store_txn_result *res, struct gt_error *err)
{
    struct etcd_store *s = (struct etcd_store *)gs;
    if (t->ncmps == 0 && t->nthen == 1 && t->nelse == 0)
        return single_op(s, &t->then_ops[0], res, err);
    cleanup_json json_t *req = json_object();
    json_t *cmps = json_array(), *then = json_array(), *els = json_array();
    for (size_t i = 0; i < t->ncmps; i++)
        json_array_append_new(cmps, cmp_json(&t->cmps[i]));
    for (size_t i = 0; i < t->nthen; i++)
        json_array_append_new(then, op_json(&t->then_ops[i]));
    for (size_t i = 0; i < t->nelse; i++)
        json_array_append_new(els, op_json(&t->else_ops[i]));
    json_object_set_new(req, "compare", cmps);
    json_object_set_new(req, "success", then);
    json_object_set_new(req, "failure", els);
    cleanup_json json_t *resp = NULL;
    int r = etcd_call(s, "/v3/kv/txn", req, &resp, err);
    if (r < 0)
        return gt_err_prefix(err, "txn on %s",
                             t->nthen ? t->then_ops[0].key : t->ncmps ? t->cmps[0].key : "");
    res->succeeded = json_is_true(json_object_get(resp, "succeeded"));
    res->revision = header_rev(resp);
    const struct gt_store_op *ops = res->succeeded ? t->then_ops : t->else_ops;
    size_t n = res->succeeded ? t->nthen : t->nelse;
    const json_t *answers = json_object_get(resp, "responses");
    if (n && json_array_size(answers) != n)
        return gt_err(err, EIO, "etcd txn: %zu answers to %zu ops", json_array_size(answers), n);
    res->results = n ? gt_xcalloc(n, sizeof *res->results) : NULL;
    res->n = n;
    for (size_t i = 0; i < n; i++) {
        r = parse_op_result(&ops[i], json_array_get(answers, i), &res->results[i], err);
        if (r < 0) {
            gt_store_txn_result_release(res);
            return r;
        }
    }
    return 0;
}

static int et_compact(struct gt_store *gs, int64_t revision, struct gt_error *err)
{
    struct etcd_store *s = (struct etcd_store *)gs;
    cleanup_json json_t *req = json_pack("{s:I}", "revision", (json_int_t)revision);
    cleanup_json json_t *resp = NULL;
    int r = etcd_call(s, "/v3/kv/compaction", req, &resp, err);
    if (r < 0)
        return gt_err_prefix(err, "compact at %" PRId64, revision);
    return 0;
}

static int et_status(struct gt_store *gs, struct gt_store_status *st, struct gt_error *err)
{
    struct etcd_store *s = (struct etcd_store *)gs;
    cleanup_json json_t *req = json_object();
    cleanup_json json_t *resp = NULL;
    int r = etcd_call(s, "/v3/maintenance/status", req, &resp, err);
    if (r < 0)
        return r;
    st->revision = header_rev(resp);
    st->compact_revision = -1;
    st->db_size = etcd_int(resp, "dbSize");
    return 0;
}

static void et_free(struct gt_store *gs)
{
    struct etcd_store *s = (struct etcd_store *)gs;
    for (size_t i = 0; i < s->npool; i++)
        curl_easy_cleanup(s->pool[i]);
    free(s->pool);
    for (size_t i = 0; i < s->nendpoints; i++)
        gt_http_client_free(s->http[i]);
    free(s->http);
    gt_strv_free(s->endpoints);
    free(s->ca_file);
    free(s->cert_file);
    free(s->key_file);
    pthread_mutex_destroy(&s->pool_lock);
    free(s);
}

static int et_open(const struct gt_store_options *opts, struct gt_store **out,
                   struct gt_error *err)
{
    if (!opts->endpoints || !opts->endpoints[0])
        return gt_err(err, EINVAL, "no etcd endpoints");
    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK)
        return gt_err(err, EIO, "curl_global_init: %s", curl_easy_strerror(curl_init_rc));
    struct etcd_store *s = gt_xcalloc(1, sizeof *s);
    pthread_mutex_init(&s->pool_lock, NULL);
    s->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : 10000;
    s->ca_file = opts->ca_file ? gt_xstrdup(opts->ca_file) : NULL;
    s->cert_file = opts->cert_file ? gt_xstrdup(opts->cert_file) : NULL;
    s->key_file = opts->key_file ? gt_xstrdup(opts->key_file) : NULL;
    cleanup_free char *list = gt_xstrdup(opts->endpoints);
    char *save = NULL;
    for (char *e = strtok_r(list, ",", &save); e; e = strtok_r(NULL, ",", &save)) {
        while (*e == ' ')
            e++;
        size_t n = strlen(e);
        while (n > 0 && (e[n - 1] == '/' || e[n - 1] == ' '))
            e[--n] = '\0';
        if (n == 0)
            continue;
        if (strncmp(e, "http://", 7) != 0 && strncmp(e, "https://", 8) != 0) {
            et_free(&s->base);
            return gt_err(err, EINVAL, "etcd endpoint \"%s\": expected http:// or https://", e);
        }
        struct gt_http_client_opts ho = {
            .url = e, .ca_file = s->ca_file, .cert_file = s->cert_file, .key_file = s->key_file,
            .timeout_ms = s->timeout_ms, .connect_timeout_ms = s->timeout_ms,
        };
        struct gt_http_client *hc;
        int r = gt_http_client_new(&ho, &hc, err);
        if (r < 0) {
            et_free(&s->base);
            return r;
        }
        gt_strv_push(&s->endpoints, e);
        s->http = gt_xrealloc(s->http, (s->nendpoints + 1) * sizeof *s->http);
        s->http[s->nendpoints++] = hc;
    }
    if (s->nendpoints == 0) {
        et_free(&s->base);
        return gt_err(err, EINVAL, "no etcd endpoints in \"%s\"", opts->endpoints);
    }
    /* Fail now rather than at the first request when etcd is not there. */
    struct gt_store_status st;
    int r = et_status(&s->base, &st, err);
    if (r < 0) {
        et_free(&s->base);
        return r;
    }
    *out = &s->base;
    return 0;
}

const struct gt_store_backend gt_store_etcd_backend = {
    .name = "etcd",
    .open = et_open,
    .free = et_free,
    .status = et_status,
    .range = et_range,
    .txn = et_txn,
    .compact = et_compact,
    .watch = etcd_watch,
    .watch_next = etcd_watch_next,
    .watch_batch_release = etcd_watch_batch_release,
    .watch_request_progress = etcd_watch_request_progress,
    .watch_fd = etcd_watch_fd,
    .watch_cancel = etcd_watch_cancel,
    .watch_free = etcd_watch_free,
};
