/* Query parameters as the CLI and the SDK send them: integers, unix times
 * with a fraction, `filters` as JSON (current and legacy shapes), and the
 * X-Registry-Auth header. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <nettle/base64.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/mem.h"
#include "docker/internal.h"

int gt_docker_query_int(const struct gt_http_req *req, const char *key, int64_t def,
                        int64_t min, int64_t max, int64_t *out, struct gt_error *err)
{
    const char *v = gt_http_req_query(req, key);
    if (!v || !*v) {
        *out = def;
        return 0;
    }
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno || *end || end == v || n < min || n > max)
        return gt_err(err, EINVAL, "invalid value for %s: \"%s\" is not an integer in [%" PRId64
                      ", %" PRId64 "]", key, v, min, max);
    *out = n;
    return 0;
}

int gt_docker_parse_unix_time(const char *s, int64_t *ns, struct gt_error *err)
{
    *ns = 0;
    if (!s || !*s)
        return 0;
    const char *p = s;
    bool neg = *p == '-';
    if (neg)
        p++;
    size_t nd = strspn(p, "0123456789");
    if (nd == 0 || nd > 11)
        goto bad;
    int64_t sec = strtoll(p, NULL, 10);
    p += nd;
    int64_t frac = 0;
    if (*p == '.') {
        p++;
        size_t nf = strspn(p, "0123456789");
        if (nf == 0 || nf > 9 || p[nf])
            goto bad;
        for (size_t i = 0; i < 9; i++)
            frac = frac * 10 + (i < nf ? p[i] - '0' : 0);
        p += nf;
    }
    if (*p)
        goto bad;
    *ns = (neg ? -1 : 1) * (sec * 1000000000LL + frac);
    return 0;
bad:
    return gt_err(err, EINVAL, "invalid time \"%s\": expected unix seconds, as 1700000000 or "
                  "1700000000.000000001", s);
}

int gt_docker_filters_parse(const char *s, json_t **out, struct gt_error *err)
{
    *out = NULL;
    if (!s || !*s)
        return 0;
    cleanup_json json_t *in = NULL;
    int r = gt_json_load_buf(s, strlen(s), "filters", &in, err);
    if (r < 0)
        return gt_err_prefix(err, "invalid filters");
    if (!json_is_object(in))
        return gt_err(err, EINVAL, "invalid filters: expected a JSON object, got %s",
                      gt_json_type_name(in));
    cleanup_json json_t *norm = json_object();
    const char *key;
    json_t *val;
    json_object_foreach(in, key, val) {
        json_t *set = json_object();
        json_object_set_new(norm, key, set);
        if (json_is_object(val)) {
            const char *v;
            json_t *b;
            json_object_foreach(val, v, b) {
                if (!json_is_boolean(b))
                    return gt_err(err, EINVAL, "invalid filters: %s.%s: expected a boolean, got %s",
                                  key, v, gt_json_type_name(b));
                json_object_set_new(set, v, json_true());
            }
        } else if (json_is_array(val)) { /* the shape of API < 1.22, still sent by docker-py */
            size_t i;
            json_t *e;
            json_array_foreach(val, i, e) {
                if (!json_is_string(e))
                    return gt_err(err, EINVAL, "invalid filters: %s[%zu]: expected a string, got %s",
                                  key, i, gt_json_type_name(e));
                json_object_set_new(set, json_string_value(e), json_true());
            }
        } else {
            return gt_err(err, EINVAL, "invalid filters: %s: expected an object or an array, got %s",
                          key, gt_json_type_name(val));
        }
    }
    if (json_object_size(norm) > 0)
        *out = steal_pointer(&norm);
    return 0;
}

int gt_docker_query_filters(const struct gt_http_req *req, json_t **out, struct gt_error *err)
{
    return gt_docker_filters_parse(gt_http_req_query(req, "filters"), out, err);
}

bool gt_docker_filters_has(const json_t *filters, const char *key)
{
    return filters && json_object_get(filters, key);
}

int gt_docker_filters_check(const json_t *filters, const char *const *known,
                            struct gt_error *err)
{
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)filters, key, val) {
        const char *const *k = known;
        while (*k && strcmp(*k, key) != 0)
            k++;
        if (!*k)
            return gt_err(err, EINVAL, "invalid filter '%s'", key);
    }
    return 0;
}

json_t *gt_docker_decode_auth(const char *header)
{
    if (!header || !*header)
        return NULL;
    size_t n = strlen(header);
    if (n > 64 * 1024)
        return NULL;
    /* base64url (the CLI, docker-py) or standard, padding optional */
    cleanup_free char *b = gt_xmalloc(n + 4);
    for (size_t i = 0; i < n; i++)
        b[i] = header[i] == '-' ? '+' : header[i] == '_' ? '/' : header[i];
    while (n % 4)
        b[n++] = '=';
    b[n] = '\0';
    cleanup_free uint8_t *dst = gt_xmalloc(BASE64_DECODE_LENGTH(n) + 1);
    struct base64_decode_ctx ctx;
    base64_decode_init(&ctx);
    size_t dlen = BASE64_DECODE_LENGTH(n);
    if (!base64_decode_update(&ctx, &dlen, dst, n, b) || !base64_decode_final(&ctx))
        return NULL;
    json_t *j = json_loadb((const char *)dst, dlen, 0, NULL);
    if (j && (!json_is_object(j) || json_object_size(j) == 0)) {
        json_decref(j);
        return NULL;
    }
    return j;
}
