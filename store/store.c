/* store/store.c - the backend-independent part of the store: argument
 * checks, dispatch to the backend table, result release, and the helpers
 * (get, put, create, update, delete) written over range and txn. */
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

/* etcd's default --max-txn-ops; the SQLite backend keeps the same bound so
 * that a request valid on one backend is valid on the other. */
#define GT_STORE_MAX_TXN_OPS 128

static const struct gt_store_backend *const backends[] = {
    &gt_store_sqlite_backend,
    &gt_store_etcd_backend,
};

void gt_kv_release(struct gt_kv *kv)
{
    if (!kv)
        return;
    free(kv->key);
    free(kv->value);
    memset(kv, 0, sizeof *kv);
}

void gt_kvs_free(struct gt_kv *kvs, size_t n)
{
    if (!kvs)
        return;
    for (size_t i = 0; i < n; i++)
        gt_kv_release(&kvs[i]);
    free(kvs);
}

char *gt_store_prefix_end(const char *prefix, size_t *len)
{
    size_t n = strlen(prefix);
    while (n > 0 && (unsigned char)prefix[n - 1] == 0xff)
        n--;
    if (n == 0) {
        *len = 0;
        return NULL;
    }
    char *end = gt_xstrndup(prefix, n);
    end[n - 1] = (char)((unsigned char)end[n - 1] + 1);
    *len = n;
    return end;
}

int gt_store_open(const struct gt_store_options *opts, struct gt_store **out,
                  struct gt_error *err)
{
    const char *name = opts->backend && opts->backend[0] ? opts->backend : "sqlite";
    *out = NULL;
    for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++) {
        if (strcmp(backends[i]->name, name) != 0)
            continue;
        struct gt_store *s = NULL;
        int r = backends[i]->open(opts, &s, err);
        if (r < 0)
            return gt_err_prefix(err, "open %s store", name);
        s->ops = backends[i];
        *out = s;
        return 0;
    }
    return gt_err(err, EINVAL, "unknown store backend \"%s\" (known: sqlite, etcd)", name);
}

void gt_store_free(struct gt_store *s)
{
    if (s)
        s->ops->free(s);
}

const char *gt_store_backend_name(const struct gt_store *s)
{
    return s->ops->name;
}

int gt_store_status(struct gt_store *s, struct gt_store_status *st, struct gt_error *err)
{
    memset(st, 0, sizeof *st);
    return s->ops->status(s, st, err);
}

int gt_store_compact(struct gt_store *s, int64_t revision, struct gt_error *err)
{
    if (revision <= 0)
        return gt_err(err, EINVAL, "compact: revision %lld is not positive", (long long)revision);
    return s->ops->compact(s, revision, err);
}

/* ---- reads ---- */

int gt_store_range(struct gt_store *s, const struct gt_store_range *r,
                   struct gt_store_range_result *res, struct gt_error *err)
{
    memset(res, 0, sizeof *res);
    if (!r->key)
        return gt_err(err, EINVAL, "range: no key");
    if (!r->prefix && !r->key[0])
        return gt_err(err, EINVAL, "range: empty key");
    if (r->limit < 0 || r->revision < 0)
        return gt_err(err, EINVAL, "range %s: negative limit or revision", r->key);
    return s->ops->range(s, r, res, err);
}

void gt_store_range_result_release(struct gt_store_range_result *res)
{
    if (!res)
        return;
    gt_kvs_free(res->kvs, res->n);
    memset(res, 0, sizeof *res);
}

/* ---- transactions ---- */

/* Whether two write ops of one branch touch a common key. */
static bool ops_overlap(const struct gt_store_op *a, const struct gt_store_op *b)
{
    if (a->type == GT_STORE_OP_GET || b->type == GT_STORE_OP_GET)
        return false;
    bool ap = a->type == GT_STORE_OP_DELETE_PREFIX, bp = b->type == GT_STORE_OP_DELETE_PREFIX;
    if (!ap && !bp)
        return strcmp(a->key, b->key) == 0;
    if (ap && bp)
        return strncmp(a->key, b->key, strlen(a->key)) == 0 ||
               strncmp(b->key, a->key, strlen(b->key)) == 0;
    const struct gt_store_op *p = ap ? a : b, *k = ap ? b : a;
    return strncmp(k->key, p->key, strlen(p->key)) == 0;
}

static int check_branch(const struct gt_store_op *ops, size_t n, const char *which,
                        struct gt_error *err)
{
    if (n > GT_STORE_MAX_TXN_OPS)
        return gt_err(err, E2BIG, "txn: %zu ops in the %s branch (at most %d)", n, which,
                      GT_STORE_MAX_TXN_OPS);
    for (size_t i = 0; i < n; i++) {
        const struct gt_store_op *op = &ops[i];
        if (!op->key || (op->type != GT_STORE_OP_DELETE_PREFIX && !op->key[0]))
            return gt_err(err, EINVAL, "txn: op %zu of the %s branch has no key", i, which);
        if (op->type > GT_STORE_OP_GET)
            return gt_err(err, EINVAL, "txn: op %zu of the %s branch: unknown type %d", i,
                          which, (int)op->type);
        if (op->type == GT_STORE_OP_PUT && !op->value && op->value_len)
            return gt_err(err, EINVAL, "txn: put %s: no value", op->key);
        for (size_t j = 0; j < i; j++)
            if (ops_overlap(&ops[j], op))
                return gt_err(err, EINVAL, "txn: ops %zu and %zu of the %s branch both write %s",
                              j, i, which, op->key);
    }
    return 0;
}

int gt_store_txn(struct gt_store *s, const struct gt_store_txn *txn,
                 struct gt_store_txn_result *res, struct gt_error *err)
{
    memset(res, 0, sizeof *res);
    if (txn->ncmps > GT_STORE_MAX_TXN_OPS)
        return gt_err(err, E2BIG, "txn: %zu compares (at most %d)", txn->ncmps,
                      GT_STORE_MAX_TXN_OPS);
    for (size_t i = 0; i < txn->ncmps; i++) {
        const struct gt_store_cmp *c = &txn->cmps[i];
        if (!c->key || !c->key[0])
            return gt_err(err, EINVAL, "txn: compare %zu has no key", i);
        if (c->target > GT_STORE_CMP_ABSENT)
            return gt_err(err, EINVAL, "txn: compare %zu: unknown target %d", i, (int)c->target);
        if (c->target == GT_STORE_CMP_VALUE && !c->value && c->value_len)
            return gt_err(err, EINVAL, "txn: compare %zu: no value", i);
    }
    int r = check_branch(txn->then_ops, txn->nthen, "then", err);
    if (r < 0)
        return r;
    r = check_branch(txn->else_ops, txn->nelse, "else", err);
    if (r < 0)
        return r;
    return s->ops->txn(s, txn, res, err);
}

void gt_store_txn_result_release(struct gt_store_txn_result *res)
{
    if (!res)
        return;
    for (size_t i = 0; i < res->n; i++)
        gt_kvs_free(res->results[i].kvs, res->results[i].n);
    free(res->results);
    memset(res, 0, sizeof *res);
}

/* ---- helpers ---- */

/* Moves kv out of a result (so that releasing the result keeps it). */
static void kv_move(struct gt_kv *dst, struct gt_kv *src)
{
    *dst = *src;
    memset(src, 0, sizeof *src);
}

static int kv_set(struct gt_kv *kv, const char *key, const void *value, size_t len,
                  int64_t create_rev, int64_t mod_rev, int64_t version, struct gt_error *err)
{
    if (!kv)
        return 0;
    memset(kv, 0, sizeof *kv);
    kv->value = malloc(len + 1);
    if (!kv->value)
        return gt_err(err, ENOMEM, "copy value of %s (%zu bytes)", key, len);
    if (len)
        memcpy(kv->value, value, len);
    kv->value[len] = '\0';
    kv->key = gt_xstrdup(key);
    kv->value_len = len;
    kv->create_rev = create_rev;
    kv->mod_rev = mod_rev;
    kv->version = version;
    return 0;
}

int gt_store_get(struct gt_store *s, const char *key, int64_t revision, struct gt_kv *kv,
                 struct gt_error *err)
{
    struct gt_store_range r = { .key = key, .revision = revision };
    struct gt_store_range_result res;
    if (kv)
        memset(kv, 0, sizeof *kv);
    int rc = gt_store_range(s, &r, &res, err);
    if (rc < 0)
        return rc;
    if (res.n == 0) {
        gt_store_range_result_release(&res);
        return gt_err(err, ENOENT, "%s: not found", key);
    }
    if (kv)
        kv_move(kv, &res.kvs[0]);
    gt_store_range_result_release(&res);
    return 0;
}

int gt_store_put(struct gt_store *s, const char *key, const void *value, size_t len,
                 int64_t *rev, struct gt_error *err)
{
    struct gt_store_op op = { GT_STORE_OP_PUT, key, value, len };
    struct gt_store_txn txn = { .then_ops = &op, .nthen = 1 };
    struct gt_store_txn_result res;
    int r = gt_store_txn(s, &txn, &res, err);
    if (r < 0)
        return r;
    if (rev)
        *rev = res.revision;
    gt_store_txn_result_release(&res);
    return 0;
}

int gt_store_create(struct gt_store *s, const char *key, const void *value, size_t len,
                    int64_t *rev, struct gt_error *err)
{
    struct gt_store_cmp cmp = { .key = key, .target = GT_STORE_CMP_ABSENT };
    struct gt_store_op op = { GT_STORE_OP_PUT, key, value, len };
    struct gt_store_txn txn = { .cmps = &cmp, .ncmps = 1, .then_ops = &op, .nthen = 1 };
    struct gt_store_txn_result res;
    int r = gt_store_txn(s, &txn, &res, err);
    if (r < 0)
        return r;
    bool ok = res.succeeded;
    if (rev)
        *rev = res.revision;
    gt_store_txn_result_release(&res);
    return ok ? 0 : gt_err(err, EEXIST, "%s: already exists", key);
}

/* The else branch of a conditional write read the key: ENOENT when absent,
 * else GT_STORE_ECONFLICT with the current kv moved to *cur. */
static int conflict(struct gt_store_txn_result *res, const char *key, int64_t expected,
                    struct gt_kv *cur, struct gt_error *err)
{
    if (res->n < 1 || res->results[0].n == 0)
        return gt_err(err, ENOENT, "%s: not found", key);
    struct gt_kv *kv = &res->results[0].kvs[0];
    int64_t now = kv->mod_rev;
    if (cur)
        kv_move(cur, kv);
    return gt_err(err, GT_STORE_ECONFLICT,
                  "%s: modified at revision %lld since revision %lld", key, (long long)now,
                  (long long)expected);
}

int gt_store_update(struct gt_store *s, const char *key, const void *value, size_t len,
                    int64_t expected_rev, int64_t *rev, struct gt_kv *cur,
                    struct gt_error *err)
{
    struct gt_store_cmp cmp = { .key = key, .target = GT_STORE_CMP_MOD_REV, .rev = expected_rev };
    struct gt_store_op put = { GT_STORE_OP_PUT, key, value, len };
    struct gt_store_op get = { .type = GT_STORE_OP_GET, .key = key };
    struct gt_store_txn txn = { &cmp, 1, &put, 1, &get, 1 };
    struct gt_store_txn_result res;
    if (cur)
        memset(cur, 0, sizeof *cur);
    if (expected_rev <= 0)
        return gt_err(err, EINVAL, "update %s: expected revision %lld is not positive", key,
                      (long long)expected_rev);
    int r = gt_store_txn(s, &txn, &res, err);
    if (r < 0)
        return r;
    if (!res.succeeded) {
        r = conflict(&res, key, expected_rev, cur, err);
        gt_store_txn_result_release(&res);
        return r;
    }
    if (rev)
        *rev = res.revision;
    int64_t create = res.revision, version = 1;
    if (res.n == 1 && res.results[0].n == 1) {
        create = res.results[0].kvs[0].create_rev;
        version = res.results[0].kvs[0].version + 1;
    }
    r = kv_set(cur, key, value, len, create, res.revision, version, err);
    gt_store_txn_result_release(&res);
    return r;
}

int gt_store_delete(struct gt_store *s, const char *key, int64_t expected_rev, int64_t *rev,
                    struct gt_kv *prev, struct gt_error *err)
{
    struct gt_store_cmp cmp = { .key = key, .target = GT_STORE_CMP_MOD_REV, .rev = expected_rev };
    struct gt_store_op del = { .type = GT_STORE_OP_DELETE, .key = key };
    struct gt_store_op get = { .type = GT_STORE_OP_GET, .key = key };
    struct gt_store_txn txn = { &cmp, 1, &del, 1, &get, 1 };
    if (expected_rev <= 0)
        txn = (struct gt_store_txn){ .then_ops = &del, .nthen = 1 };
    struct gt_store_txn_result res;
    if (prev)
        memset(prev, 0, sizeof *prev);
    int r = gt_store_txn(s, &txn, &res, err);
    if (r < 0)
        return r;
    if (!res.succeeded) {
        r = conflict(&res, key, expected_rev, prev, err);
    } else if (res.n < 1 || res.results[0].deleted == 0) {
        r = gt_err(err, ENOENT, "%s: not found", key);
    } else {
        if (rev)
            *rev = res.revision;
        if (prev && res.results[0].n > 0)
            kv_move(prev, &res.results[0].kvs[0]);
    }
    gt_store_txn_result_release(&res);
    return r;
}

int gt_store_delete_prefix(struct gt_store *s, const char *prefix, int64_t *deleted,
                           int64_t *rev, struct gt_error *err)
{
    struct gt_store_op del = { .type = GT_STORE_OP_DELETE_PREFIX, .key = prefix };
    struct gt_store_txn txn = { .then_ops = &del, .nthen = 1 };
    struct gt_store_txn_result res;
    int r = gt_store_txn(s, &txn, &res, err);
    if (r < 0)
        return r;
    if (deleted)
        *deleted = res.n ? res.results[0].deleted : 0;
    if (rev)
        *rev = res.revision;
    gt_store_txn_result_release(&res);
    return 0;
}

/* ---- watches ---- */

int gt_store_watch(struct gt_store *s, const struct gt_store_watch_opts *opts,
                   struct gt_store_watch **out, struct gt_error *err)
{
    *out = NULL;
    if (!opts->key || (!opts->prefix && !opts->key[0]))
        return gt_err(err, EINVAL, "watch: no key");
    if (opts->start_revision < 0 || opts->progress_interval_ms < 0)
        return gt_err(err, EINVAL, "watch %s: negative start revision or interval", opts->key);
    struct gt_store_watch *w = NULL;
    int r = s->ops->watch(s, opts, &w, err);
    if (r < 0)
        return gt_err_prefix(err, "watch %s%s", opts->key, opts->prefix ? "*" : "");
    w->ops = s->ops;
    w->store = s;
    *out = w;
    return 0;
}

int gt_store_watch_next(struct gt_store_watch *w, int timeout_ms,
                        struct gt_store_watch_batch *batch, struct gt_error *err)
{
    memset(batch, 0, sizeof *batch);
    batch->ops = w->ops;
    return w->ops->watch_next(w, timeout_ms, batch, err);
}

void gt_store_watch_batch_release(struct gt_store_watch_batch *batch)
{
    if (!batch)
        return;
    if (batch->ops)
        batch->ops->watch_batch_release(batch);
    memset(batch, 0, sizeof *batch);
}

int gt_store_watch_request_progress(struct gt_store_watch *w, struct gt_error *err)
{
    return w->ops->watch_request_progress(w, err);
}

int gt_store_watch_fd(struct gt_store_watch *w)
{
    return w->ops->watch_fd(w);
}

void gt_store_watch_cancel(struct gt_store_watch *w)
{
    if (w)
        w->ops->watch_cancel(w);
}

void gt_store_watch_free(struct gt_store_watch *w)
{
    if (w)
        w->ops->watch_free(w);
}
