/* store/store.h - the revisioned key-value store with watch (etcd's data model).
 *
 * What a caller may rely on, whichever backend serves it:
 *
 * Keys and values.  Keys are NUL-terminated strings compared bytewise
 * (memcmp order); values are any bytes (value_len of them).  A value handed
 * back by the store is always followed by a NUL that value_len does not
 * count, so a JSON document can be parsed in place.
 *
 * Revisions.  The store has one global revision, an int64 that every write
 * transaction which changes something moves forward by exactly one; all the
 * changes of that transaction carry it.  A transaction that changes nothing
 * (its compare failed and its other branch only reads, or it deletes keys
 * that are absent) leaves the revision alone.  Numbering is the backend's:
 * the SQLite backend starts at 0 and gives the first write revision 1; etcd
 * gives a fresh cluster's first write revision 2.  Callers rely on order
 * only.  Per key: create_rev (the revision that created it), mod_rev (the
 * last one that wrote it) and version (1 at creation, +1 per put).  A
 * deletion ends the key's life; a later put creates it again at version 1.
 *
 * Reads.  gt_store_range() reads one key or all keys under a prefix, at the
 * current revision or at an older one still retained, in key order, with a
 * limit, a continuation (keys after a given one) and the number of keys in
 * the whole range.  Reading at a revision newer than the current one fails
 * with GT_STORE_EFUTURE; older than the compaction point with
 * GT_STORE_ECOMPACTED.  A read sees every write acknowledged before it
 * started (reads are linearizable on both backends).
 *
 * Transactions.  gt_store_txn(): if every compare holds, the `then` ops run,
 * else the `else` ops, all atomically.  Compares test equality of a key's
 * mod revision, create revision, version or value, or its absence; this is
 * enough for create-if-absent, update-if-unchanged and delete-if-unchanged
 * (the helpers below).  A branch may not touch the same key twice.
 *
 * Watches.  gt_store_watch() follows one key or a prefix from a start
 * revision: every change with revision >= start is delivered once, in
 * (revision, order within the transaction) order, first the retained history
 * and then live changes.  Events arrive in batches from
 * gt_store_watch_next().  A watch whose start revision is (or whose reading
 * position falls) behind the compaction point fails with
 * GT_STORE_ECOMPACTED, at creation or at a later next(); the caller re-lists
 * and watches again (the API server answers 410 Gone).  Progress
 * notifications (bookmarks) carry a revision up to which everything has been
 * delivered: on request (gt_store_watch_request_progress) and, with
 * progress_notify, periodically while the watch is idle.
 *
 * Compaction.  gt_store_compact(rev) drops the history older than rev:
 * reads at revisions < rev and watches from them fail afterwards.
 *
 * Durability (SQLite).  A write is acknowledged only after its transaction
 * is committed with synchronous=FULL in WAL mode: it survives the process
 * being killed and the machine losing power.  Concurrent writers share
 * commits (group commit): each transaction still gets its own revision.
 *
 * Concurrency.  A struct gt_store serves any number of threads at once.  A
 * watch is used by one thread at a time, except gt_store_watch_cancel(),
 * which any thread may call to wake and end a waiting next().
 *
 * Errors: 0 or a negative errno-style code with err filled, as everywhere.
 * Beyond the codes below: -ENOENT (a key the helpers needed is absent),
 * -EEXIST (create of a present key), -EMSGSIZE (a request larger than the
 * backend takes), -EINVAL (a malformed request), -EAGAIN (the backend is
 * temporarily unable: no etcd leader, timeout), -ECONNREFUSED / -EIO (etcd
 * unreachable or answering nonsense), -ECANCELED (a cancelled watch). */
#ifndef GT_STORE_STORE_H
#define GT_STORE_STORE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

/* The revision asked for has been compacted away (HTTP 410 Gone). */
#define GT_STORE_ECOMPACTED ENODATA
/* The revision asked for is newer than the store's current one. */
#define GT_STORE_EFUTURE ERANGE
/* An update or delete conditioned on a mod revision found another one: the
 * caller's copy is stale (HTTP 409 Conflict).  Only the helpers return it;
 * gt_store_txn() reports a failed compare as succeeded == false. */
#define GT_STORE_ECONFLICT ESTALE

struct gt_store;
struct gt_store_watch;

struct gt_kv {
    char *key;
    char *value; /* value_len bytes, then a NUL; NULL for keys_only reads and
                    DELETE events */
    size_t value_len;
    int64_t create_rev;
    int64_t mod_rev;
    int64_t version;
};

/* Frees the strings of kv (not kv itself) and zeroes it. */
void gt_kv_release(struct gt_kv *kv);
/* Releases n kvs and the array. */
void gt_kvs_free(struct gt_kv *kvs, size_t n);

/* ---- opening ---- */

enum gt_store_sync {
    GT_STORE_SYNC_FULL = 0, /* fsync at every commit: survives power loss */
    GT_STORE_SYNC_NORMAL,   /* WAL synced at checkpoints: survives a process
                               crash, not a power loss (for tests) */
};

struct gt_store_options {
    const char *backend;  /* "sqlite" (NULL means sqlite) or "etcd" */
    /* sqlite: the directory holding store.db (created if missing).  One
     * gt_store at a time may own it (it is locked; a second open of the same
     * directory fails with -EBUSY). */
    const char *data_dir;
    enum gt_store_sync sync;
    /* sqlite: most write transactions that share one commit (0: 256;
     * 1: no group commit, one commit per transaction). */
    int max_batch;
    /* etcd: comma-separated client URLs ("http://127.0.0.1:2379,...");
     * requests go to the first that answers. */
    const char *endpoints;
    /* etcd over https: CA bundle to verify the server, and a client
     * certificate and key when etcd asks for one; NULL when unused. */
    const char *ca_file;
    const char *cert_file;
    const char *key_file;
    int timeout_ms; /* etcd: per request (0: 10000) */
};

int gt_store_open(const struct gt_store_options *opts, struct gt_store **out,
                  struct gt_error *err);
/* Waits for writes in flight and closes.  Every watch of s must have been
 * freed before (cancel them first if other threads wait in them). */
void gt_store_free(struct gt_store *s);
/* "sqlite" or "etcd" */
const char *gt_store_backend_name(const struct gt_store *s);

struct gt_store_status {
    int64_t revision;         /* current revision */
    int64_t compact_revision; /* oldest readable revision; -1 if unknown (etcd) */
    int64_t db_size;          /* bytes on disk */
};
int gt_store_status(struct gt_store *s, struct gt_store_status *st, struct gt_error *err);

/* ---- reads ---- */

struct gt_store_range {
    const char *key;    /* the key, or the prefix when prefix is set */
    bool prefix;        /* every key starting with `key` ("" = all keys) */
    const char *after;  /* continuation: only keys > after (NULL: none) */
    int64_t limit;      /* at most this many kvs (0: no limit) */
    int64_t revision;   /* read at this revision (0: the current one) */
    bool count_only;    /* no kvs, only count */
    bool keys_only;     /* kvs without values */
};

struct gt_store_range_result {
    struct gt_kv *kvs;
    size_t n;
    int64_t count;    /* keys in the range (after `after`), ignoring limit */
    bool more;        /* the limit left keys out */
    int64_t revision; /* the revision the read saw */
};

int gt_store_range(struct gt_store *s, const struct gt_store_range *r,
                   struct gt_store_range_result *res, struct gt_error *err);
void gt_store_range_result_release(struct gt_store_range_result *res);

/* Drops the history older than revision (which must not be newer than the
 * current one, nor older than an earlier compaction: GT_STORE_EFUTURE,
 * GT_STORE_ECOMPACTED).  Reads and watches at revision itself still work. */
int gt_store_compact(struct gt_store *s, int64_t revision, struct gt_error *err);

/* ---- transactions ---- */

enum gt_store_cmp_target {
    GT_STORE_CMP_MOD_REV,    /* key's mod revision == rev (0 when absent) */
    GT_STORE_CMP_CREATE_REV, /* key's create revision == rev (0 when absent) */
    GT_STORE_CMP_VERSION,    /* key's version == rev (0 when absent) */
    GT_STORE_CMP_VALUE,      /* key present and its value == value */
    GT_STORE_CMP_ABSENT,     /* key absent */
};

struct gt_store_cmp {
    const char *key;
    enum gt_store_cmp_target target;
    int64_t rev;       /* MOD_REV, CREATE_REV, VERSION */
    const void *value; /* VALUE */
    size_t value_len;
};

enum gt_store_op_type {
    GT_STORE_OP_PUT,           /* key = value */
    GT_STORE_OP_DELETE,        /* key */
    GT_STORE_OP_DELETE_PREFIX, /* every key under the prefix `key` */
    GT_STORE_OP_GET,           /* read key (sees earlier ops of the branch) */
};

struct gt_store_op {
    enum gt_store_op_type type;
    const char *key;
    const void *value; /* PUT */
    size_t value_len;
};

struct gt_store_txn {
    const struct gt_store_cmp *cmps;
    size_t ncmps;
    const struct gt_store_op *then_ops;
    size_t nthen;
    const struct gt_store_op *else_ops;
    size_t nelse;
};

struct gt_store_op_result {
    /* GET: the kv (n = 0 when absent).  PUT: the previous kv (n = 0 when the
     * put created the key).  DELETE, DELETE_PREFIX: the deleted kvs. */
    struct gt_kv *kvs;
    size_t n;
    int64_t deleted; /* DELETE, DELETE_PREFIX: keys deleted */
};

struct gt_store_txn_result {
    bool succeeded;   /* the compares held: the `then` branch ran */
    int64_t revision; /* the revision after the transaction: its own when it
                         wrote, else the current one */
    struct gt_store_op_result *results; /* one per op of the branch that ran */
    size_t n;
};

int gt_store_txn(struct gt_store *s, const struct gt_store_txn *txn,
                 struct gt_store_txn_result *res, struct gt_error *err);
void gt_store_txn_result_release(struct gt_store_txn_result *res);

/* ---- helpers over range and txn ----
 * kv outputs may be NULL; when given, they are filled on success (and on
 * GT_STORE_ECONFLICT with the current kv, so that the caller can retry
 * without another read) and must be released with gt_kv_release(). */

/* The current kv of key, or -ENOENT.  revision 0: current. */
int gt_store_get(struct gt_store *s, const char *key, int64_t revision, struct gt_kv *kv,
                 struct gt_error *err);
/* Unconditional put; *rev (may be NULL) gets its revision. */
int gt_store_put(struct gt_store *s, const char *key, const void *value, size_t len,
                 int64_t *rev, struct gt_error *err);
/* Put only if key is absent, else -EEXIST. */
int gt_store_create(struct gt_store *s, const char *key, const void *value, size_t len,
                    int64_t *rev, struct gt_error *err);
/* Put only if key's mod revision is still expected_rev.  -ENOENT if the key
 * is gone, GT_STORE_ECONFLICT (with *cur = the current kv) if it changed.
 * *rev gets the new revision. */
int gt_store_update(struct gt_store *s, const char *key, const void *value, size_t len,
                    int64_t expected_rev, int64_t *rev, struct gt_kv *cur,
                    struct gt_error *err);
/* Delete key, only if its mod revision is expected_rev (0: whatever it is).
 * -ENOENT if absent, GT_STORE_ECONFLICT (with *prev = the current kv) if it
 * changed; on success *prev gets the deleted kv and *rev the revision. */
int gt_store_delete(struct gt_store *s, const char *key, int64_t expected_rev, int64_t *rev,
                    struct gt_kv *prev, struct gt_error *err);
/* Delete every key under prefix; *deleted (may be NULL) gets how many. */
int gt_store_delete_prefix(struct gt_store *s, const char *prefix, int64_t *deleted,
                           int64_t *rev, struct gt_error *err);

/* ---- watches ---- */

struct gt_store_watch_opts {
    const char *key; /* the key, or the prefix when prefix is set */
    bool prefix;
    /* Deliver changes with revision >= start_revision (0: only changes after
     * the current revision).  A future revision is fine: the watch waits. */
    int64_t start_revision;
    bool prev_kv;         /* events carry the previous kv of the key */
    bool progress_notify; /* periodic progress notifications when idle */
    int progress_interval_ms; /* their period (0: 10000) */
};

enum gt_store_event_type { GT_STORE_EVENT_PUT, GT_STORE_EVENT_DELETE };

struct gt_store_event {
    enum gt_store_event_type type;
    /* PUT: the new kv.  DELETE: key and mod_rev (the deletion's revision),
     * other fields zero, value NULL. */
    struct gt_kv kv;
    /* With prev_kv: the kv before this change (PUT of an existing key,
     * DELETE); has_prev tells.  Absent when history had been compacted. */
    struct gt_kv prev;
    bool has_prev;
};

struct gt_store_watch_batch {
    struct gt_store_event *events; /* owned by the batch */
    size_t n;
    /* progress: a notification (n == 0): every change up to and including
     * revision has been delivered.  Otherwise the store's revision when the
     * batch was made (not a bookmark: more history may follow). */
    bool progress;
    int64_t revision;
    /* the backend's, for the release */
    const struct gt_store_backend *ops;
    void *priv;
};

int gt_store_watch(struct gt_store *s, const struct gt_store_watch_opts *opts,
                   struct gt_store_watch **out, struct gt_error *err);
/* Waits up to timeout_ms (-1: without limit) for the next batch.  0 with a
 * batch of events or a progress notification (release it with
 * gt_store_watch_batch_release); -EAGAIN if the time ran out; -ECANCELED
 * after gt_store_watch_cancel(); GT_STORE_ECOMPACTED if the history to
 * deliver was compacted.  After any error but -EAGAIN the watch is over. */
int gt_store_watch_next(struct gt_store_watch *w, int timeout_ms,
                        struct gt_store_watch_batch *batch, struct gt_error *err);
void gt_store_watch_batch_release(struct gt_store_watch_batch *batch);
/* Asks for a progress notification, which a later next() delivers once the
 * watch has delivered everything up to the store's current revision.  The
 * etcd backend relays it to etcd, which (3.4) ignores it while the watch is
 * still replaying history: treat it as a hint. */
int gt_store_watch_request_progress(struct gt_store_watch *w, struct gt_error *err);
/* A descriptor that polls readable when next() may have something; drain
 * with next(timeout 0) until -EAGAIN before polling again.  Periodic
 * progress notifications are made inside next(): a caller that polls
 * calls next() at least once per progress interval. */
int gt_store_watch_fd(struct gt_store_watch *w);
/* Thread-safe: a waiting or later next() returns -ECANCELED. */
void gt_store_watch_cancel(struct gt_store_watch *w);
void gt_store_watch_free(struct gt_store_watch *w);

/* ---- backends ----
 * A backend is a table of these operations.  Its store and watch structs
 * begin with struct gt_store / struct gt_store_watch, which the generic
 * layer (store.c) fills; the generic layer checks arguments, so a backend
 * sees well-formed requests only. */

struct gt_store_backend {
    const char *name;
    int (*open)(const struct gt_store_options *opts, struct gt_store **out,
                struct gt_error *err);
    void (*free)(struct gt_store *s);
    int (*status)(struct gt_store *s, struct gt_store_status *st, struct gt_error *err);
    int (*range)(struct gt_store *s, const struct gt_store_range *r,
                 struct gt_store_range_result *res, struct gt_error *err);
    int (*txn)(struct gt_store *s, const struct gt_store_txn *txn,
               struct gt_store_txn_result *res, struct gt_error *err);
    int (*compact)(struct gt_store *s, int64_t revision, struct gt_error *err);
    int (*watch)(struct gt_store *s, const struct gt_store_watch_opts *opts,
                 struct gt_store_watch **out, struct gt_error *err);
    int (*watch_next)(struct gt_store_watch *w, int timeout_ms,
                      struct gt_store_watch_batch *batch, struct gt_error *err);
    void (*watch_batch_release)(struct gt_store_watch_batch *batch);
    int (*watch_request_progress)(struct gt_store_watch *w, struct gt_error *err);
    int (*watch_fd)(struct gt_store_watch *w);
    void (*watch_cancel)(struct gt_store_watch *w);
    void (*watch_free)(struct gt_store_watch *w);
};

struct gt_store {
    const struct gt_store_backend *ops;
};

struct gt_store_watch {
    const struct gt_store_backend *ops;
    struct gt_store *store;
};

extern const struct gt_store_backend gt_store_sqlite_backend;
extern const struct gt_store_backend gt_store_etcd_backend;

/* Helpers for backends and callers. */

/* The first key after every key that starts with prefix: prefix with its
 * last byte below 0xff incremented (the rest dropped); NULL when there is
 * none (empty prefix, or all 0xff): the range is then unbounded.  Caller
 * frees.  *len gets the length. */
char *gt_store_prefix_end(const char *prefix, size_t *len);

#endif
