/* Objects in the store: keys, encoding, CAS writes, paginated lists. */
#include "kube/api/registry.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base64.h"
#include "base/cleanup.h"
#include "base/mem.h"
#include "kube/api/status.h"
#include "kube/status.h"
#include "kube/obj.h"

static const char *group_dir(const struct gt_kind *k)
{
    return k->group[0] ? k->group : "core";
}

char *gt_kreg_key(const struct gt_kind *k, const char *ns, const char *name)
{
    if (k->namespaced)
        return gt_xasprintf(GT_KREG_ROOT "%s/%s/%s/%s", group_dir(k), k->resource, ns ? ns : "",
                            name);
    return gt_xasprintf(GT_KREG_ROOT "%s/%s/%s", group_dir(k), k->resource, name);
}

char *gt_kreg_prefix(const struct gt_kind *k, const char *ns)
{
    if (k->namespaced && ns && ns[0])
        return gt_xasprintf(GT_KREG_ROOT "%s/%s/%s/", group_dir(k), k->resource, ns);
    return gt_xasprintf(GT_KREG_ROOT "%s/%s/", group_dir(k), k->resource);
}

const struct gt_kind *gt_kreg_parse_key(const char *key, char **ns, char **name)
{
    size_t rl = strlen(GT_KREG_ROOT);
    if (strncmp(key, GT_KREG_ROOT, rl) != 0)
        return NULL;
    const char *p = key + rl;
    const char *s1 = strchr(p, '/');
    if (!s1)
        return NULL;
    const char *s2 = strchr(s1 + 1, '/');
    if (!s2)
        return NULL;
    char group[128], resource[128];
    size_t gl = (size_t)(s1 - p), rsl = (size_t)(s2 - s1 - 1);
    if (gl >= sizeof group || rsl >= sizeof resource)
        return NULL;
    memcpy(group, p, gl);
    group[gl] = 0;
    memcpy(resource, s1 + 1, rsl);
    resource[rsl] = 0;
    size_t n;
    const struct gt_kind *const *all = gt_kinds(&n);
    const struct gt_kind *k = NULL;
    const char *g = strcmp(group, "core") ? group : "";
    for (size_t i = 0; i < n; i++)
        if (!strcmp(all[i]->group, g) && !strcmp(all[i]->resource, resource)) {
            k = all[i];
            break;
        }
    if (!k)
        return NULL;
    const char *rest = s2 + 1;
    if (k->namespaced) {
        const char *s3 = strchr(rest, '/');
        if (!s3 || !s3[1])
            return NULL;
        *ns = gt_xstrndup(rest, (size_t)(s3 - rest));
        *name = gt_xstrdup(s3 + 1);
    } else {
        if (!rest[0] || strchr(rest, '/'))
            return NULL;
        *ns = gt_xstrdup("");
        *name = gt_xstrdup(rest);
    }
    return k;
}

void gt_kreg_set_rv(json_t *obj, int64_t rev)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%" PRId64, rev);
    json_t *meta = gt_kobj_ensure(obj, "metadata");
    json_object_set_new(meta, "resourceVersion", json_string(buf));
}

int64_t gt_kreg_rv_of(const json_t *obj)
{
    json_t *v = gt_kobj_get(obj, "metadata.resourceVersion");
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return -1;
    const char *s = json_string_value(v);
    if (!s[0])
        return 0;
    char *end;
    errno = 0;
    long long r = strtoll(s, &end, 10);
    if (*end || r < 0 || errno)
        return -1;
    return r;
}

json_t *gt_kreg_decode(const char *value, size_t len, int64_t mod_rev)
{
    json_t *obj = json_loadb(value, len, 0, NULL);
    if (!obj || !json_is_object(obj)) {
        json_decref(obj);
        return NULL;
    }
    gt_kreg_set_rv(obj, mod_rev);
    return obj;
}

char *gt_kreg_encode(const json_t *obj, size_t *len)
{
    /* drop resourceVersion without copying the whole object: take it out,
     * dump, and put it back */
    json_t *meta = json_object_get(obj, "metadata");
    json_t *rv = meta ? json_object_get(meta, "resourceVersion") : NULL;
    if (rv) {
        json_incref(rv);
        json_object_del(meta, "resourceVersion");
    }
    char *s = json_dumps(obj, JSON_COMPACT);
    if (rv)
        json_object_set_new(meta, "resourceVersion", rv);
    if (!s)
        abort();
    *len = strlen(s);
    return s;
}

static json_t *store_failure(const struct gt_error *err)
{
    return gt_kst_from_error(err);
}

int gt_kreg_get(struct gt_store *s, const struct gt_kind *k, const char *ns, const char *name,
                int64_t revision, json_t **obj, int64_t *rev, json_t **st)
{
    cleanup_free char *key = gt_kreg_key(k, ns, name);
    struct gt_kv kv = { 0 };
    struct gt_error err = { 0 };
    int r = gt_store_get(s, key, revision, &kv, &err);
    if (r == -ENOENT) {
        json_decref(*st);
        *st = gt_kstatus_not_found(k->group, k->resource, name);
        return -1;
    }
    if (r < 0) {
        json_decref(*st);
        *st = store_failure(&err);
        return -1;
    }
    json_t *o = gt_kreg_decode(kv.value, kv.value_len, kv.mod_rev);
    if (rev)
        *rev = kv.mod_rev;
    gt_kv_release(&kv);
    if (!o)
        return gt_kst_fail(st, 500, NULL, "stored object %s is not valid JSON", key);
    *obj = o;
    return 0;
}

int gt_kreg_create(struct gt_store *s, const struct gt_kind *k, json_t *obj, json_t **st)
{
    const char *name = gt_kobj_name(obj);
    cleanup_free char *key = gt_kreg_key(k, gt_kobj_namespace(obj), name);
    size_t len;
    cleanup_free char *val = gt_kreg_encode(obj, &len);
    struct gt_error err = { 0 };
    int64_t rev;
    int r = gt_store_create(s, key, val, len, &rev, &err);
    if (r == -EEXIST) {
        json_decref(*st);
        *st = gt_kst_already_exists(k->group, k->resource, name);
        return -1;
    }
    if (r < 0) {
        json_decref(*st);
        *st = store_failure(&err);
        return -1;
    }
    gt_kreg_set_rv(obj, rev);
    return 0;
}

static const char modified_msg[] =
    "the object has been modified; please apply your changes to the latest version and try again";

int gt_kreg_update(struct gt_store *s, const struct gt_kind *k, json_t *obj, int64_t expected,
                   json_t **st)
{
    const char *name = gt_kobj_name(obj);
    cleanup_free char *key = gt_kreg_key(k, gt_kobj_namespace(obj), name);
    size_t len;
    cleanup_free char *val = gt_kreg_encode(obj, &len);
    struct gt_error err = { 0 };
    int64_t rev;
    int r;
    if (expected > 0) {
        r = gt_store_update(s, key, val, len, expected, &rev, NULL, &err);
    } else {
        /* unconditional, but only while the object exists */
        struct gt_store_cmp cmp = { .key = key, .target = GT_STORE_CMP_ABSENT };
        struct gt_store_op op = { .type = GT_STORE_OP_PUT, .key = key, .value = val,
                                  .value_len = len };
        struct gt_store_txn txn = { .cmps = &cmp, .ncmps = 1, .else_ops = &op, .nelse = 1 };
        struct gt_store_txn_result res = { 0 };
        r = gt_store_txn(s, &txn, &res, &err);
        if (r == 0) {
            if (res.succeeded)
                r = -ENOENT;
            rev = res.revision;
            gt_store_txn_result_release(&res);
        }
    }
    if (r == -ENOENT) {
        json_decref(*st);
        *st = gt_kstatus_not_found(k->group, k->resource, name);
        return -1;
    }
    if (r == -GT_STORE_ECONFLICT) {
        json_decref(*st);
        *st = gt_kstatus_conflict(k->group, k->resource, name, modified_msg);
        return -1;
    }
    if (r < 0) {
        json_decref(*st);
        *st = store_failure(&err);
        return -1;
    }
    gt_kreg_set_rv(obj, rev);
    return 0;
}

int gt_kreg_delete(struct gt_store *s, const struct gt_kind *k, const char *ns, const char *name,
                   int64_t expected, json_t **deleted, json_t **st)
{
    cleanup_free char *key = gt_kreg_key(k, ns, name);
    struct gt_kv prev = { 0 };
    struct gt_error err = { 0 };
    int64_t rev;
    int r = gt_store_delete(s, key, expected, &rev, &prev, &err);
    if (r == -ENOENT) {
        json_decref(*st);
        *st = gt_kstatus_not_found(k->group, k->resource, name);
        return -1;
    }
    if (r == -GT_STORE_ECONFLICT) {
        gt_kv_release(&prev);
        json_decref(*st);
        *st = gt_kstatus_conflict(k->group, k->resource, name, modified_msg);
        return -1;
    }
    if (r < 0) {
        json_decref(*st);
        *st = store_failure(&err);
        return -1;
    }
    if (deleted) {
        *deleted = prev.value ? gt_kreg_decode(prev.value, prev.value_len, rev) : NULL;
        if (!*deleted)
            *deleted = json_object();
    }
    gt_kv_release(&prev);
    return 0;
}

int gt_kreg_guaranteed_update(struct gt_store *s, const struct gt_kind *k, const char *ns,
                              const char *name, gt_kreg_update_fn fn, void *ctx,
                              json_t **result, json_t **st)
{
    for (int attempt = 0; attempt < 32; attempt++) {
        json_t *cur = NULL;
        int64_t rev;
        if (gt_kreg_get(s, k, ns, name, 0, &cur, &rev, st) < 0)
            return -1;
        json_t *out = NULL;
        int r = fn(cur, &out, ctx, st);
        if (r < 0) {
            json_decref(out);
            json_decref(cur);
            return -1;
        }
        json_t *next = out ? out : cur;
        if (out)
            json_decref(cur);
        if (r == 1) {
            gt_kreg_set_rv(next, rev);
            *result = next;
            return 0;
        }
        json_t *tmp = NULL;
        if (gt_kreg_update(s, k, next, rev, &tmp) == 0) {
            *result = next;
            return 0;
        }
        json_decref(next);
        if (json_integer_value(json_object_get(tmp, "code")) != 409) {
            json_decref(*st);
            *st = tmp;
            return -1;
        }
        json_decref(tmp);
    }
    return gt_kst_fail(st, 409, "Conflict", "%s \"%s\": too many conflicting writes", k->resource,
                       name);
}

bool gt_kreg_matches(const struct gt_kind *k, const json_t *obj, const struct gt_klsel *lsel,
                     const struct gt_kfsel *fsel)
{
    if (lsel && !gt_klsel_matches(lsel, gt_kobj_obj(obj, "metadata.labels")))
        return false;
    if (fsel && !gt_kfsel_matches(fsel, obj, k->fields))
        return false;
    return true;
}

/* Continue tokens: base64 of {"v":"meta.k8s.io/v1","rv":R,"start":KEY},
 * KEY the last key returned, relative to the list's prefix. */
static char *make_continue(int64_t rev, const char *last_rel)
{
    json_t *j = json_pack("{s:s,s:I,s:s}", "v", "meta.k8s.io/v1", "rv", (json_int_t)rev, "start",
                          last_rel);
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    char *b = gt_base64_encode(s, strlen(s));
    free(s);
    return b;
}

static int parse_continue(const char *tok, int64_t *rev, char **start, json_t **st)
{
    unsigned char *raw = NULL;
    size_t n;
    if (gt_base64_decode(tok, strlen(tok), &raw, &n) < 0)
        return gt_kst_fail(st, 400, NULL, "continue key is not valid: illegal base64 data");
    json_t *j = json_loadb((const char *)raw, n, 0, NULL);
    free(raw);
    json_t *rv = json_object_get(j, "rv");
    json_t *s = json_object_get(j, "start");
    if (!json_is_integer(rv) || !json_is_string(s) || json_integer_value(rv) <= 0 ||
        strstr(json_string_value(s), "..")) {
        json_decref(j);
        return gt_kst_fail(st, 400, NULL, "continue key is not valid: incorrect encoded start "
                                          "resourceVersion (version meta.k8s.io/v1)");
    }
    *rev = json_integer_value(rv);
    *start = gt_xstrdup(json_string_value(s));
    json_decref(j);
    return 0;
}

int gt_kreg_list(struct gt_store *s, const struct gt_kind *k, const struct gt_kreg_list_opts *o,
                 struct gt_kreg_list_result *res, json_t **st)
{
    memset(res, 0, sizeof *res);
    res->remaining = -1;
    cleanup_free char *prefix = gt_kreg_prefix(k, o->ns);
    size_t plen = strlen(prefix);
    cleanup_free char *after = NULL;
    int64_t revision = o->revision;
    if (o->cont && o->cont[0]) {
        cleanup_free char *start = NULL;
        if (parse_continue(o->cont, &revision, &start, st) < 0)
            return -1;
        after = gt_xasprintf("%s%s", prefix, start);
    }
    bool filtered = (o->lsel && !gt_klsel_empty(o->lsel)) || (o->fsel && !gt_kfsel_empty(o->fsel));
    res->items = json_array();
    int64_t want = o->limit;
    for (;;) {
        struct gt_store_range r = {
            .key = prefix, .prefix = true, .after = after, .revision = revision,
            /* a filtered page reads ahead: most objects may not match */
            .limit = want > 0 ? (filtered ? (want < 64 ? 64 : want) : want) : 0,
        };
        struct gt_store_range_result rr = { 0 };
        struct gt_error err = { 0 };
        int rc = gt_store_range(s, &r, &rr, &err);
        if (rc < 0) {
            json_decref(res->items);
            res->items = NULL;
            if (rc == -GT_STORE_ECOMPACTED && o->cont)
                return gt_kst_fail(st, 410, "Expired",
                                   "The provided continue parameter is too old to display a "
                                   "consistent list result. You can start a new list without the "
                                   "continue parameter.");
            if (rc == -GT_STORE_ECOMPACTED)
                return gt_kst_fail(st, 410, "Expired", "too old resource version: %" PRId64,
                                   revision);
            if (rc == -GT_STORE_EFUTURE)
                return gt_kst_fail(st, 504, "Timeout",
                                   "Too large resource version: %" PRId64 ", current: %" PRId64,
                                   revision, rr.revision);
            json_decref(*st);
            *st = gt_kst_from_error(&err);
            return -1;
        }
        revision = rr.revision;
        res->revision = rr.revision;
        size_t i;
        const char *last = NULL;
        bool full = false;
        for (i = 0; i < rr.n; i++) {
            struct gt_kv *kv = &rr.kvs[i];
            last = kv->key;
            json_t *obj = gt_kreg_decode(kv->value, kv->value_len, kv->mod_rev);
            if (!obj)
                continue;
            if (filtered && !gt_kreg_matches(k, obj, o->lsel, o->fsel)) {
                json_decref(obj);
                continue;
            }
            json_array_append_new(res->items, obj);
            if (want > 0 && (int64_t)json_array_size(res->items) >= want) {
                full = true;
                i++;
                break;
            }
        }
        bool more = rr.more || i < rr.n;
        if (last) {
            free(after);
            after = gt_xstrdup(last);
        }
        if (full || !more || want == 0) {
            if (more && want > 0) {
                res->cont = make_continue(revision, after + plen);
                if (!filtered)
                    res->remaining = rr.count - (int64_t)i;
            }
            gt_store_range_result_release(&rr);
            return 0;
        }
        gt_store_range_result_release(&rr);
    }
}

void gt_kreg_list_result_release(struct gt_kreg_list_result *res)
{
    json_decref(res->items);
    free(res->cont);
    memset(res, 0, sizeof *res);
}
