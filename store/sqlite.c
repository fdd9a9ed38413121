/* store/sqlite.c - the embedded store: one SQLite file, WAL mode.
 *
 * Schema.  Every change is a row of `kv` (history rows): the key, the
 * revision that wrote it (rev), the key's create revision and version, the
 * value, whether it is a deletion (a tombstone), and succ, the revision of
 * the key's next row (NULL while it is the latest).  A key at revision R is
 * the row with rev <= R < succ that is not a tombstone; at the current
 * revision it is the row with succ NULL, found through the partial index
 * kv_live, so that current reads cost what a plain table would.  The row id
 * is assigned in commit order, so (rev, id) is the order of the changes,
 * which watches replay.  meta holds the current and the compacted revision.
 *
 * Writes.  One thread (the writer) owns the one writing connection.  Callers
 * queue their transaction and wait; the writer takes every queued
 * transaction (up to max_batch), applies each inside its own savepoint (a
 * failing one is rolled back alone), commits once, and only then wakes the
 * callers and publishes the events.  synchronous=FULL in WAL mode makes that
 * commit an fsync of the WAL: acknowledged writes survive a SIGKILL of the
 * process and a power loss alike.  (NORMAL would already survive the
 * process being killed, since the WAL is written before COMMIT returns, but
 * not a power loss; with group commit, FULL costs one fsync per batch, not
 * per write.)
 *
 * Checkpoints (copying the WAL back into the database file, with an fsync
 * of it) would stall the commit that triggers them; a checkpointer thread
 * runs them instead, on its own connection, while the writer goes on (a
 * passive checkpoint takes no lock that a writer needs).
 *
 * Reads run on a pool of reading connections, each read inside one SQLite
 * read transaction so that its rows and its revision agree; WAL lets them
 * run while the writer commits.
 *
 * Watches.  The writer publishes each committed batch's events into a ring
 * of recent events (shared, reference-counted) and wakes the watchers
 * through a condition variable (and an eventfd for those who poll).  A
 * watcher behind the ring's oldest revision reads history rows from the
 * database, a window of revisions at a time, until it reaches the ring. */
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/mem.h"
#include "store/store.h"

#define SQ_DEFAULT_BATCH 256
#define SQ_RING_EVENTS 8192           /* recent events kept for watchers */
#define SQ_RING_BYTES (64u << 20)     /* ... and at most this many value bytes */
#define SQ_WATCH_BATCH 512            /* events per watch batch (whole revisions) */
#define SQ_CATCHUP_WINDOW 1000        /* revisions per history read of a watcher */
#define SQ_PROGRESS_MS 10000

/* ---- statements ---- */

enum sq_stmt {
    ST_BEGIN,
    ST_BEGIN_IMMEDIATE,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_SAVEPOINT,
    ST_RELEASE,
    ST_ROLLBACK_TO,
    ST_META_GET,
    ST_META_SET_REV,
    ST_META_SET_COMPACT,
    ST_LATEST,
    ST_INSERT,
    ST_SET_SUCC,
    ST_LIVE_RANGE,
    ST_LIVE_RANGE_OPEN,
    ST_LIVE_COUNT,
    ST_LIVE_COUNT_OPEN,
    ST_HIST_RANGE,
    ST_HIST_RANGE_OPEN,
    ST_HIST_COUNT,
    ST_HIST_COUNT_OPEN,
    ST_EVENTS,
    ST_PREV,
    ST_COMPACT,
    ST_COUNT
};

/* ?1 start key, ?2 end key (the _OPEN forms have none), ?3 limit (-1: none),
 * ?4 revision */
#define LIVE_COLS "SELECT key, create_rev, rev, version, value FROM kv "
#define LIVE_WHERE "succ IS NULL AND deleted = 0"
#define HIST_WHERE "rev <= ?4 AND deleted = 0 AND (succ IS NULL OR succ > ?4)"
static const char *const sql_text[ST_COUNT] = {
    [ST_BEGIN] = "BEGIN",
    [ST_BEGIN_IMMEDIATE] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_SAVEPOINT] = "SAVEPOINT req",
    [ST_RELEASE] = "RELEASE req",
    [ST_ROLLBACK_TO] = "ROLLBACK TO req",
    [ST_META_GET] = "SELECT (SELECT value FROM meta WHERE name = 'revision'),"
                    " (SELECT value FROM meta WHERE name = 'compact')",
    [ST_META_SET_REV] = "UPDATE meta SET value = ?1 WHERE name = 'revision'",
    [ST_META_SET_COMPACT] = "UPDATE meta SET value = ?1 WHERE name = 'compact'",
    [ST_LATEST] = "SELECT rev, create_rev, version, deleted, value FROM kv"
                  " WHERE key = ?1 ORDER BY rev DESC LIMIT 1",
    [ST_INSERT] = "INSERT INTO kv (id, key, rev, create_rev, version, deleted, value)"
                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [ST_SET_SUCC] = "UPDATE kv SET succ = ?1 WHERE key = ?2 AND rev = ?3",
    [ST_LIVE_RANGE] = LIVE_COLS "WHERE key >= ?1 AND key < ?2 AND " LIVE_WHERE
                                " ORDER BY key LIMIT ?3",
    [ST_LIVE_RANGE_OPEN] = LIVE_COLS "WHERE key >= ?1 AND " LIVE_WHERE " ORDER BY key LIMIT ?3",
    [ST_LIVE_COUNT] = "SELECT count(*) FROM kv WHERE key >= ?1 AND key < ?2 AND " LIVE_WHERE,
    [ST_LIVE_COUNT_OPEN] = "SELECT count(*) FROM kv WHERE key >= ?1 AND " LIVE_WHERE,
    [ST_HIST_RANGE] = LIVE_COLS "WHERE key >= ?1 AND key < ?2 AND " HIST_WHERE
                                " ORDER BY key LIMIT ?3",
    [ST_HIST_RANGE_OPEN] = LIVE_COLS "WHERE key >= ?1 AND " HIST_WHERE " ORDER BY key LIMIT ?3",
    [ST_HIST_COUNT] = "SELECT count(*) FROM kv WHERE key >= ?1 AND key < ?2 AND " HIST_WHERE,
    [ST_HIST_COUNT_OPEN] = "SELECT count(*) FROM kv WHERE key >= ?1 AND " HIST_WHERE,
    [ST_EVENTS] = "SELECT key, rev, create_rev, version, deleted, value FROM kv"
                  " WHERE rev >= ?1 AND rev <= ?2 ORDER BY rev, id",
    [ST_PREV] = "SELECT rev, create_rev, version, deleted, value FROM kv"
                " WHERE key = ?1 AND rev < ?2 ORDER BY rev DESC LIMIT 1",
    [ST_COMPACT] = "DELETE FROM kv WHERE succ < ?1 OR (deleted = 1 AND rev < ?1)",
};

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);"
    "INSERT OR IGNORE INTO meta VALUES ('schema', 1), ('revision', 0), ('compact', 0);"
    "CREATE TABLE IF NOT EXISTS kv ("
    " id INTEGER PRIMARY KEY,"
    " key BLOB NOT NULL,"
    " rev INTEGER NOT NULL,"
    " create_rev INTEGER NOT NULL,"
    " version INTEGER NOT NULL,"
    " deleted INTEGER NOT NULL,"
    " succ INTEGER,"
    " value BLOB);"
    "CREATE UNIQUE INDEX IF NOT EXISTS kv_key_rev ON kv (key, rev);"
    "CREATE INDEX IF NOT EXISTS kv_rev ON kv (rev);"
    "CREATE INDEX IF NOT EXISTS kv_live ON kv (key) WHERE " LIVE_WHERE ";";

struct sq_conn {
    sqlite3 *db;
    sqlite3_stmt *st[ST_COUNT];
    struct sq_conn *next;
};

/* ---- events shared by the ring and the batches handed to watchers ---- */

struct sq_event {
    struct gt_store_event ev; /* owns its strings; has_prev when there was one */
    size_t bytes;
    atomic_int refs;
};

static void sq_event_unref(struct sq_event *e)
{
    if (e && atomic_fetch_sub(&e->refs, 1) == 1) {
        gt_kv_release(&e->ev.kv);
        gt_kv_release(&e->ev.prev);
        free(e);
    }
}

/* ---- the store ---- */

enum sq_req_kind { REQ_TXN, REQ_COMPACT };

struct sq_req {
    enum sq_req_kind kind;
    const struct gt_store_txn *txn;
    struct gt_store_txn_result *res;
    int64_t compact_rev;
    int rc;
    struct gt_error err;
    bool done;
    struct sq_event **evs; /* produced, published after the commit */
    size_t nevs, evcap;
    struct sq_req *next;
};

struct sq_watch;

struct sq_store {
    struct gt_store base;
    char *path;
    int lock_fd;
    int max_batch;
    enum gt_store_sync sync;

    pthread_mutex_t pool_lock;
    struct sq_conn *pool;

    /* writer */
    struct sq_conn *wconn;
    pthread_t writer;
    bool writer_running;
    pthread_mutex_t wlock;
    pthread_cond_t wcond;    /* queue not empty, or stopping */
    pthread_cond_t donecond; /* some requests done */
    struct sq_req *qhead, *qtail;
    bool stopping;
    /* owned by the writer thread */
    int64_t rev, compact_rev, next_id;

    /* checkpointer: copies the WAL into the database off the commit path */
    pthread_t checkpointer;
    bool checkpointer_running;
    pthread_mutex_t ck_lock;
    pthread_cond_t ck_cond;
    bool ck_wanted, ck_stopping;

    /* watch hub */
    pthread_mutex_t hub_lock;
    pthread_cond_t hub_cond;
    struct sq_event **ring; /* circular */
    size_t ring_cap, ring_head, ring_len, ring_bytes;
    int64_t ring_first_rev; /* every event with rev >= this is in the ring */
    int64_t hub_rev;        /* last published revision */
    int64_t hub_compact;
    struct sq_watch *watchers;
    bool closing;
};

struct sq_watch {
    struct gt_store_watch base;
    struct sq_store *s;
    char *key;
    size_t keylen;
    bool prefix, prev_kv, progress_notify;
    int interval_ms;
    int64_t cursor; /* next revision to deliver */
    bool progress_requested, canceled;
    int efd;
    struct timespec last_sent;
    struct sq_watch *next, *prev;
};

struct sq_batch_priv {
    struct sq_event **refs;
    size_t n;
};

static int sq_errno(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_FULL:
        return ENOSPC;
    case SQLITE_NOMEM:
        return ENOMEM;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return EBUSY;
    case SQLITE_READONLY:
    case SQLITE_PERM:
        return EACCES;
    case SQLITE_TOOBIG:
        return EMSGSIZE;
    case SQLITE_CANTOPEN:
        return ENOENT;
    default:
        return EIO;
    }
}

static int sq_err(struct gt_error *err, sqlite3 *db, int rc, const char *what)
{
    return gt_err(err, sq_errno(rc), "%s: %s", what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
}

static int blob_dup(const void *p, size_t n, char **out, struct gt_error *err)
{
    *out = malloc(n + 1);
    if (!*out)
        return gt_err(err, ENOMEM, "copy a value of %zu bytes", n);
    if (n)
        memcpy(*out, p, n);
    (*out)[n] = '\0';
    return 0;
}

static sqlite3_stmt *stmt(struct sq_conn *c, enum sq_stmt id, struct gt_error *err)
{
    if (!c->st[id]) {
        int rc = sqlite3_prepare_v3(c->db, sql_text[id], -1, SQLITE_PREPARE_PERSISTENT,
                                    &c->st[id], NULL);
        if (rc != SQLITE_OK) {
            sq_err(err, c->db, rc, "prepare statement");
            return NULL;
        }
    } else {
        sqlite3_reset(c->st[id]);
        sqlite3_clear_bindings(c->st[id]);
    }
    return c->st[id];
}

/* Runs a statement that returns no rows. */
static int exec_stmt(struct sq_conn *c, enum sq_stmt id, struct gt_error *err)
{
    sqlite3_stmt *st = stmt(c, id, err);
    if (!st)
        return -EIO;
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return sq_err(err, c->db, rc, sql_text[id]);
    return 0;
}

static void conn_close(struct sq_conn *c)
{
    if (!c)
        return;
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(c->st[i]);
    sqlite3_close(c->db);
    free(c);
}

static int conn_open(struct sq_store *s, bool writer, struct sq_conn **out, struct gt_error *err)
{
    struct sq_conn *c = gt_xcalloc(1, sizeof *c);
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (writer ? SQLITE_OPEN_CREATE : 0);
    int rc = sqlite3_open_v2(s->path, &c->db, flags, NULL);
    if (rc != SQLITE_OK) {
        int r = sq_err(err, c->db, rc, s->path);
        conn_close(c);
        return r;
    }
    sqlite3_extended_result_codes(c->db, 1);
    /* The writer is the only writer (the data dir is locked), so waiting on
     * a lock means a checkpoint or a reader's WAL recovery: short. */
    sqlite3_busy_timeout(c->db, 10000);
    char *msg = NULL;
    const char *pragmas = writer ? (s->sync == GT_STORE_SYNC_NORMAL
                                        ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                                        : "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;")
                                 : "PRAGMA query_only=1;";
    rc = sqlite3_exec(c->db, pragmas, NULL, NULL, &msg);
    if (rc == SQLITE_OK && writer)
        rc = sqlite3_exec(c->db, schema_sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        int r = gt_err(err, sq_errno(rc), "%s: %s", s->path, msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        conn_close(c);
        return r;
    }
    *out = c;
    return 0;
}

static int pool_get(struct sq_store *s, struct sq_conn **out, struct gt_error *err)
{
    pthread_mutex_lock(&s->pool_lock);
    struct sq_conn *c = s->pool;
    if (c)
        s->pool = c->next;
    pthread_mutex_unlock(&s->pool_lock);
    if (c) {
        *out = c;
        return 0;
    }
    return conn_open(s, false, out, err);
}

static void pool_put(struct sq_store *s, struct sq_conn *c)
{
    pthread_mutex_lock(&s->pool_lock);
    c->next = s->pool;
    s->pool = c;
    pthread_mutex_unlock(&s->pool_lock);
}

static int read_meta(struct sq_conn *c, int64_t *rev, int64_t *compact, struct gt_error *err)
{
    sqlite3_stmt *st = stmt(c, ST_META_GET, err);
    if (!st)
        return -EIO;
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return sq_err(err, c->db, rc, "read the store's revision");
    }
    *rev = sqlite3_column_int64(st, 0);
    *compact = sqlite3_column_int64(st, 1);
    sqlite3_reset(st);
    return 0;
}

/* ---- key ranges ---- */

struct key_range {
    const char *start;
    size_t start_len;
    char *end; /* NULL: unbounded */
    size_t end_len;
    char *buf; /* holds a start we made */
};

static void key_range_release(struct key_range *kr)
{
    free(kr->end);
    free(kr->buf);
}

/* The byte string s + "\0": the first key after s. */
static char *key_succ(const char *s, size_t *len)
{
    size_t n = strlen(s);
    char *b = gt_xmalloc(n + 1);
    memcpy(b, s, n);
    b[n] = '\0';
    *len = n + 1;
    return b;
}

static int blobcmp(const char *a, size_t alen, const char *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    return c ? c : (alen > blen) - (alen < blen);
}

static void key_range_init(struct key_range *kr, const char *key, bool prefix, const char *after)
{
    memset(kr, 0, sizeof *kr);
    kr->start = key;
    kr->start_len = strlen(key);
    if (prefix)
        kr->end = gt_store_prefix_end(key, &kr->end_len);
    else
        kr->end = key_succ(key, &kr->end_len);
    if (after) {
        size_t alen;
        char *a = key_succ(after, &alen);
        if (blobcmp(a, alen, kr->start, kr->start_len) > 0) {
            kr->buf = a;
            kr->start = a;
            kr->start_len = alen;
        } else {
            free(a);
        }
    }
}

static void bind_range(sqlite3_stmt *st, const struct key_range *kr)
{
    sqlite3_bind_blob(st, 1, kr->start, (int)kr->start_len, SQLITE_STATIC);
    if (kr->end)
        sqlite3_bind_blob(st, 2, kr->end, (int)kr->end_len, SQLITE_STATIC);
}

/* Copies the key of column col into a C string. */
static int col_key(sqlite3_stmt *st, int col, char **out, struct gt_error *err)
{
    return blob_dup(sqlite3_column_blob(st, col), (size_t)sqlite3_column_bytes(st, col), out, err);
}

/* ---- reads ---- */

static int range_rows(struct sq_conn *c, const struct key_range *kr, int64_t rev, bool hist,
                      const struct gt_store_range *r, struct gt_store_range_result *res,
                      struct gt_error *err)
{
    enum sq_stmt id = hist ? (kr->end ? ST_HIST_RANGE : ST_HIST_RANGE_OPEN)
                           : (kr->end ? ST_LIVE_RANGE : ST_LIVE_RANGE_OPEN);
    sqlite3_stmt *st = stmt(c, id, err);
    if (!st)
        return -EIO;
    bind_range(st, kr);
    sqlite3_bind_int64(st, 3, r->limit ? r->limit : -1);
    if (hist)
        sqlite3_bind_int64(st, 4, rev);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (res->n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            struct gt_kv *kvs = realloc(res->kvs, ncap * sizeof *kvs);
            if (!kvs) {
                sqlite3_reset(st);
                return gt_err(err, ENOMEM, "list of %zu keys", ncap);
            }
            res->kvs = kvs;
            cap = ncap;
        }
        struct gt_kv *kv = &res->kvs[res->n];
        memset(kv, 0, sizeof *kv);
        int e = col_key(st, 0, &kv->key, err);
        if (e == 0 && !r->keys_only) {
            kv->value_len = (size_t)sqlite3_column_bytes(st, 4);
            e = blob_dup(sqlite3_column_blob(st, 4), kv->value_len, &kv->value, err);
        }
        if (e < 0) {
            gt_kv_release(kv);
            sqlite3_reset(st);
            return e;
        }
        kv->create_rev = sqlite3_column_int64(st, 1);
        kv->mod_rev = sqlite3_column_int64(st, 2);
        kv->version = sqlite3_column_int64(st, 3);
        res->n++;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return sq_err(err, c->db, rc, "read keys");
    return 0;
}

static int range_count(struct sq_conn *c, const struct key_range *kr, int64_t rev, bool hist,
                       int64_t *count, struct gt_error *err)
{
    enum sq_stmt id = hist ? (kr->end ? ST_HIST_COUNT : ST_HIST_COUNT_OPEN)
                           : (kr->end ? ST_LIVE_COUNT : ST_LIVE_COUNT_OPEN);
    sqlite3_stmt *st = stmt(c, id, err);
    if (!st)
        return -EIO;
    bind_range(st, kr);
    if (hist)
        sqlite3_bind_int64(st, 4, rev);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *count = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (rc != SQLITE_ROW)
        return sq_err(err, c->db, rc, "count keys");
    return 0;
}

static int check_rev(int64_t want, int64_t cur, int64_t compact, struct gt_error *err)
{
    if (want > cur)
        return gt_err(err, GT_STORE_EFUTURE, "revision %" PRId64 " is in the future (current %" PRId64 ")",
                      want, cur);
    if (want && want < compact)
        return gt_err(err, GT_STORE_ECOMPACTED,
                      "revision %" PRId64 " has been compacted (oldest kept: %" PRId64 ")", want,
                      compact);
    return 0;
}

static int sq_range(struct gt_store *gs, const struct gt_store_range *r,
                    struct gt_store_range_result *res, struct gt_error *err)
{
    struct sq_store *s = (struct sq_store *)gs;
    struct sq_conn *c;
    int rc = pool_get(s, &c, err);
    if (rc < 0)
        return rc;
    struct key_range kr;
    key_range_init(&kr, r->key, r->prefix, r->after);
    int64_t cur = 0, compact = 0;
    rc = exec_stmt(c, ST_BEGIN, err);
    if (rc == 0)
        rc = read_meta(c, &cur, &compact, err);
    if (rc == 0)
        rc = check_rev(r->revision, cur, compact, err);
    int64_t rev = r->revision ? r->revision : cur;
    bool hist = rev < cur;
    if (rc == 0 && !r->count_only)
        rc = range_rows(c, &kr, rev, hist, r, res, err);
    if (rc == 0) {
        if (r->count_only || (r->limit && res->n == (size_t)r->limit))
            rc = range_count(c, &kr, rev, hist, &res->count, err);
        else
            res->count = (int64_t)res->n;
    }
    exec_stmt(c, ST_COMMIT, NULL);
    pool_put(s, c);
    key_range_release(&kr);
    if (rc < 0) {
        gt_store_range_result_release(res);
        return gt_err_prefix(err, "read %s%s", r->key, r->prefix ? "*" : "");
    }
    res->more = !r->count_only && res->count > (int64_t)res->n;
    res->revision = rev;
    return 0;
}

static int sq_status(struct gt_store *gs, struct gt_store_status *st, struct gt_error *err)
{
    struct sq_store *s = (struct sq_store *)gs;
    struct sq_conn *c;
    int rc = pool_get(s, &c, err);
    if (rc < 0)
        return rc;
    rc = exec_stmt(c, ST_BEGIN, err);
    if (rc == 0)
        rc = read_meta(c, &st->revision, &st->compact_revision, err);
    exec_stmt(c, ST_COMMIT, NULL);
    pool_put(s, c);
    if (rc < 0)
        return rc;
    struct stat sb;
    cleanup_free char *wal = gt_xasprintf("%s-wal", s->path);
    if (stat(s->path, &sb) == 0)
        st->db_size = sb.st_size;
    if (stat(wal, &sb) == 0)
        st->db_size += sb.st_size;
    return 0;
}

/* ---- the writer ---- */

/* The latest row of a key (a tombstone too), with its value. */
struct row {
    bool exists, live;
    int64_t rev, create_rev, version;
    char *value;
    size_t value_len;
};

static int latest_row(struct sq_conn *c, const char *key, struct row *row, struct gt_error *err)
{
    memset(row, 0, sizeof *row);
    sqlite3_stmt *st = stmt(c, ST_LATEST, err);
    if (!st)
        return -EIO;
    sqlite3_bind_blob(st, 1, key, (int)strlen(key), SQLITE_STATIC);
    int rc = sqlite3_step(st), r = 0;
    if (rc == SQLITE_ROW) {
        row->exists = true;
        row->rev = sqlite3_column_int64(st, 0);
        row->create_rev = sqlite3_column_int64(st, 1);
        row->version = sqlite3_column_int64(st, 2);
        row->live = sqlite3_column_int(st, 3) == 0;
        row->value_len = (size_t)sqlite3_column_bytes(st, 4);
        r = blob_dup(sqlite3_column_blob(st, 4), row->value_len, &row->value, err);
    } else if (rc != SQLITE_DONE) {
        r = sq_err(err, c->db, rc, "read key");
    }
    sqlite3_reset(st);
    return r;
}

/* A kv from a live row (copies). */
static int row_kv(const char *key, const struct row *row, struct gt_kv *kv, struct gt_error *err)
{
    memset(kv, 0, sizeof *kv);
    int r = blob_dup(row->value, row->value_len, &kv->value, err);
    if (r < 0)
        return r;
    kv->key = gt_xstrdup(key);
    kv->value_len = row->value_len;
    kv->create_rev = row->create_rev;
    kv->mod_rev = row->rev;
    kv->version = row->version;
    return 0;
}

static int insert_row(struct sq_store *s, const char *key, int64_t rev, int64_t create_rev,
                      int64_t version, bool deleted, const void *value, size_t len,
                      const struct row *prev, struct gt_error *err)
{
    struct sq_conn *c = s->wconn;
    sqlite3_stmt *st = stmt(c, ST_INSERT, err);
    if (!st)
        return -EIO;
    sqlite3_bind_int64(st, 1, s->next_id);
    sqlite3_bind_blob(st, 2, key, (int)strlen(key), SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, rev);
    sqlite3_bind_int64(st, 4, create_rev);
    sqlite3_bind_int64(st, 5, version);
    sqlite3_bind_int(st, 6, deleted);
    if (deleted)
        sqlite3_bind_null(st, 7);
    else if (len > INT_MAX)
        return gt_err(err, EMSGSIZE, "value of %s: %zu bytes is too large", key, len);
    else
        sqlite3_bind_blob(st, 7, len ? value : "", (int)len, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return sq_err(err, c->db, rc, "write key");
    s->next_id++;
    if (prev->exists) {
        st = stmt(c, ST_SET_SUCC, err);
        if (!st)
            return -EIO;
        sqlite3_bind_int64(st, 1, rev);
        sqlite3_bind_blob(st, 2, key, (int)strlen(key), SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, prev->rev);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            return sq_err(err, c->db, rc, "write key");
    }
    return 0;
}

static void req_add_event(struct sq_req *q, struct sq_event *e)
{
    if (q->nevs == q->evcap) {
        q->evcap = q->evcap ? q->evcap * 2 : 4;
        q->evs = gt_xrealloc(q->evs, q->evcap * sizeof *q->evs);
    }
    q->evs[q->nevs++] = e;
}

static void req_drop_events(struct sq_req *q)
{
    for (size_t i = 0; i < q->nevs; i++)
        sq_event_unref(q->evs[i]);
    free(q->evs);
    q->evs = NULL;
    q->nevs = q->evcap = 0;
}

/* Records the change of key at rev as a new event (copies). */
static int make_event(struct sq_req *q, enum gt_store_event_type type, const char *key,
                      int64_t rev, int64_t create_rev, int64_t version, const void *value,
                      size_t len, const struct row *prev, struct gt_error *err)
{
    struct sq_event *e = gt_xcalloc(1, sizeof *e);
    atomic_init(&e->refs, 1);
    e->ev.type = type;
    e->ev.kv.key = gt_xstrdup(key);
    e->ev.kv.mod_rev = rev;
    int r = 0;
    if (type == GT_STORE_EVENT_PUT) {
        e->ev.kv.create_rev = create_rev;
        e->ev.kv.version = version;
        e->ev.kv.value_len = len;
        r = blob_dup(value, len, &e->ev.kv.value, err);
    }
    if (r == 0 && prev->live) {
        e->ev.has_prev = true;
        r = row_kv(key, prev, &e->ev.prev, err);
    }
    if (r < 0) {
        sq_event_unref(e);
        return r;
    }
    e->bytes = sizeof *e + len + prev->value_len + 2 * strlen(key);
    req_add_event(q, e);
    return 0;
}

static bool cmp_holds(const struct gt_store_cmp *c, const struct row *row)
{
    switch (c->target) {
    case GT_STORE_CMP_MOD_REV:
        return (row->live ? row->rev : 0) == c->rev;
    case GT_STORE_CMP_CREATE_REV:
        return (row->live ? row->create_rev : 0) == c->rev;
    case GT_STORE_CMP_VERSION:
        return (row->live ? row->version : 0) == c->rev;
    case GT_STORE_CMP_VALUE:
        return row->live && row->value_len == c->value_len &&
               (c->value_len == 0 || memcmp(row->value, c->value, c->value_len) == 0);
    case GT_STORE_CMP_ABSENT:
        return !row->live;
    }
    return false;
}

static void row_release(struct row *row)
{
    free(row->value);
    row->value = NULL;
}

/* Deletes one live key (row) at rev; fills the op result and the event. */
static int delete_row(struct sq_store *s, struct sq_req *q, const char *key, struct row *row,
                      int64_t rev, struct gt_store_op_result *out, struct gt_error *err)
{
    int r = insert_row(s, key, rev, 0, 0, true, NULL, 0, row, err);
    if (r == 0)
        r = make_event(q, GT_STORE_EVENT_DELETE, key, rev, 0, 0, NULL, 0, row, err);
    if (r < 0)
        return r;
    struct gt_kv *kvs = realloc(out->kvs, (out->n + 1) * sizeof *kvs);
    if (!kvs)
        return gt_err(err, ENOMEM, "list of deleted keys");
    out->kvs = kvs;
    r = row_kv(key, row, &out->kvs[out->n], err);
    if (r < 0)
        return r;
    out->n++;
    out->deleted++;
    return 0;
}

static int delete_prefix(struct sq_store *s, struct sq_req *q, const char *prefix, int64_t rev,
                         struct gt_store_op_result *out, struct gt_error *err)
{
    struct key_range kr;
    key_range_init(&kr, prefix, true, NULL);
    struct gt_store_range r = { .key = prefix, .prefix = true };
    struct gt_store_range_result keys = { 0 };
    int rc = range_rows(s->wconn, &kr, 0, false, &r, &keys, err);
    key_range_release(&kr);
    for (size_t i = 0; rc == 0 && i < keys.n; i++) {
        struct gt_kv *kv = &keys.kvs[i];
        struct row row = { .exists = true, .live = true, .rev = kv->mod_rev,
                           .create_rev = kv->create_rev, .version = kv->version,
                           .value = kv->value, .value_len = kv->value_len };
        rc = delete_row(s, q, kv->key, &row, rev, out, err);
    }
    gt_store_range_result_release(&keys);
    return rc;
}

static int apply_op(struct sq_store *s, struct sq_req *q, const struct gt_store_op *op,
                    int64_t rev, bool *changed, struct gt_store_op_result *out,
                    struct gt_error *err)
{
    if (op->type == GT_STORE_OP_DELETE_PREFIX) {
        int r = delete_prefix(s, q, op->key, rev, out, err);
        if (r == 0 && out->deleted)
            *changed = true;
        return r;
    }
    struct row row;
    int r = latest_row(s->wconn, op->key, &row, err);
    if (r < 0)
        return r;
    switch (op->type) {
    case GT_STORE_OP_GET:
        if (row.live) {
            out->kvs = gt_xcalloc(1, sizeof *out->kvs);
            r = row_kv(op->key, &row, &out->kvs[0], err);
            if (r == 0)
                out->n = 1;
        }
        break;
    case GT_STORE_OP_PUT: {
        int64_t create = row.live ? row.create_rev : rev;
        int64_t version = row.live ? row.version + 1 : 1;
        r = insert_row(s, op->key, rev, create, version, false, op->value, op->value_len, &row,
                       err);
        if (r == 0)
            r = make_event(q, GT_STORE_EVENT_PUT, op->key, rev, create, version, op->value,
                           op->value_len, &row, err);
        if (r == 0 && row.live) {
            out->kvs = gt_xcalloc(1, sizeof *out->kvs);
            r = row_kv(op->key, &row, &out->kvs[0], err);
            if (r == 0)
                out->n = 1;
        }
        *changed = true;
        break;
    }
    case GT_STORE_OP_DELETE:
        if (row.live) {
            r = delete_row(s, q, op->key, &row, rev, out, err);
            *changed = true;
        }
        break;
    case GT_STORE_OP_DELETE_PREFIX:
        break;
    }
    row_release(&row);
    return r;
}

static int apply_txn(struct sq_store *s, struct sq_req *q, struct gt_error *err)
{
    const struct gt_store_txn *t = q->txn;
    struct gt_store_txn_result *res = q->res;
    bool ok = true;
    for (size_t i = 0; ok && i < t->ncmps; i++) {
        struct row row;
        int r = latest_row(s->wconn, t->cmps[i].key, &row, err);
        if (r < 0)
            return r;
        ok = cmp_holds(&t->cmps[i], &row);
        row_release(&row);
    }
    const struct gt_store_op *ops = ok ? t->then_ops : t->else_ops;
    size_t n = ok ? t->nthen : t->nelse;
    res->succeeded = ok;
    res->results = n ? gt_xcalloc(n, sizeof *res->results) : NULL;
    res->n = n;
    int64_t rev = s->rev + 1;
    bool changed = false;
    for (size_t i = 0; i < n; i++) {
        int r = apply_op(s, q, &ops[i], rev, &changed, &res->results[i], err);
        if (r < 0)
            return r;
    }
    if (changed)
        s->rev = rev;
    res->revision = s->rev;
    return 0;
}

static int apply_compact(struct sq_store *s, struct sq_req *q, struct gt_error *err)
{
    if (q->compact_rev <= s->compact_rev)
        return gt_err(err, GT_STORE_ECOMPACTED,
                      "compact at %" PRId64 ": revision has been compacted (oldest kept: %" PRId64 ")",
                      q->compact_rev, s->compact_rev);
    if (q->compact_rev > s->rev)
        return gt_err(err, GT_STORE_EFUTURE,
                      "compact at %" PRId64 ": revision is in the future (current %" PRId64 ")",
                      q->compact_rev, s->rev);
    sqlite3_stmt *st = stmt(s->wconn, ST_COMPACT, err);
    if (!st)
        return -EIO;
    sqlite3_bind_int64(st, 1, q->compact_rev);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return sq_err(err, s->wconn->db, rc, "compact");
    st = stmt(s->wconn, ST_META_SET_COMPACT, err);
    if (!st)
        return -EIO;
    sqlite3_bind_int64(st, 1, q->compact_rev);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return sq_err(err, s->wconn->db, rc, "compact");
    s->compact_rev = q->compact_rev;
    return 0;
}

/* Runs one request inside its savepoint; a failure undoes it alone. */
static void apply_req(struct sq_store *s, struct sq_req *q)
{
    int64_t rev0 = s->rev, compact0 = s->compact_rev, id0 = s->next_id;
    int r = exec_stmt(s->wconn, ST_SAVEPOINT, &q->err);
    if (r == 0)
        r = q->kind == REQ_TXN ? apply_txn(s, q, &q->err) : apply_compact(s, q, &q->err);
    if (r < 0) {
        exec_stmt(s->wconn, ST_ROLLBACK_TO, NULL);
        s->rev = rev0;
        s->compact_rev = compact0;
        s->next_id = id0;
        req_drop_events(q);
        if (q->res)
            gt_store_txn_result_release(q->res);
    }
    exec_stmt(s->wconn, ST_RELEASE, NULL);
    q->rc = r;
}

static void ring_evict(struct sq_store *s)
{
    while (s->ring_len > 0 && (s->ring_len > SQ_RING_EVENTS || s->ring_bytes > SQ_RING_BYTES)) {
        struct sq_event *old = s->ring[s->ring_head];
        int64_t rev = old->ev.kv.mod_rev;
        if (rev == s->hub_rev)
            break; /* keep the newest revision whole */
        /* drop the oldest revision whole, so the ring starts at a boundary */
        while (s->ring_len > 0 && s->ring[s->ring_head]->ev.kv.mod_rev == rev) {
            struct sq_event *e = s->ring[s->ring_head];
            s->ring_bytes -= e->bytes;
            sq_event_unref(e);
            s->ring_head = (s->ring_head + 1) % s->ring_cap;
            s->ring_len--;
        }
        s->ring_first_rev = rev + 1;
    }
}

static void ring_push(struct sq_store *s, struct sq_event *e)
{
    if (s->ring_len == s->ring_cap) {
        size_t ncap = s->ring_cap ? s->ring_cap * 2 : 1024;
        struct sq_event **n = gt_xmalloc(ncap * sizeof *n);
        for (size_t i = 0; i < s->ring_len; i++)
            n[i] = s->ring[(s->ring_head + i) % s->ring_cap];
        free(s->ring);
        s->ring = n;
        s->ring_cap = ncap;
        s->ring_head = 0;
    }
    s->ring[(s->ring_head + s->ring_len) % s->ring_cap] = e;
    s->ring_len++;
    s->ring_bytes += e->bytes;
}

/* Hands the committed batch's events to the watchers. */
static void publish(struct sq_store *s, struct sq_req **batch, size_t n)
{
    pthread_mutex_lock(&s->hub_lock);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < batch[i]->nevs; j++)
            ring_push(s, batch[i]->evs[j]);
        batch[i]->nevs = 0; /* the ring holds their reference now */
    }
    s->hub_rev = s->rev;
    s->hub_compact = s->compact_rev;
    ring_evict(s);
    pthread_cond_broadcast(&s->hub_cond);
    for (struct sq_watch *w = s->watchers; w; w = w->next)
        if (w->efd >= 0)
            eventfd_write(w->efd, 1);
    pthread_mutex_unlock(&s->hub_lock);
}

static void run_batch(struct sq_store *s, struct sq_req **batch, size_t n)
{
    int64_t rev0 = s->rev, compact0 = s->compact_rev, id0 = s->next_id;
    struct gt_error err;
    int r = exec_stmt(s->wconn, ST_BEGIN_IMMEDIATE, &err);
    if (r == 0) {
        for (size_t i = 0; i < n; i++)
            apply_req(s, batch[i]);
        if (s->rev != rev0) {
            sqlite3_stmt *st = stmt(s->wconn, ST_META_SET_REV, &err);
            if (!st) {
                r = -EIO;
            } else {
                sqlite3_bind_int64(st, 1, s->rev);
                int rc = sqlite3_step(st);
                sqlite3_reset(st);
                if (rc != SQLITE_DONE)
                    r = sq_err(&err, s->wconn->db, rc, "write the store's revision");
            }
        }
        if (r == 0)
            r = exec_stmt(s->wconn, ST_COMMIT, &err);
        if (r < 0)
            exec_stmt(s->wconn, ST_ROLLBACK, NULL);
    }
    if (r < 0) {
        /* nothing of this batch is durable: fail every request of it */
        s->rev = rev0;
        s->compact_rev = compact0;
        s->next_id = id0;
        gt_err_prefix(&err, "commit");
        for (size_t i = 0; i < n; i++) {
            if (batch[i]->rc == 0) {
                batch[i]->rc = r;
                batch[i]->err = err;
                req_drop_events(batch[i]);
                if (batch[i]->res)
                    gt_store_txn_result_release(batch[i]->res);
            }
        }
        return;
    }
    publish(s, batch, n);
}

#define SQ_CHECKPOINT_PAGES 1000 /* SQLite's own autocheckpoint threshold */

/* Called by SQLite after each commit of the writer connection. */
static int wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
    struct sq_store *s = arg;
    if (pages >= SQ_CHECKPOINT_PAGES) {
        pthread_mutex_lock(&s->ck_lock);
        s->ck_wanted = true;
        pthread_cond_signal(&s->ck_cond);
        pthread_mutex_unlock(&s->ck_lock);
    }
    return SQLITE_OK;
}

static void *checkpointer_main(void *arg)
{
    struct sq_store *s = arg;
    struct sq_conn *c = NULL;
    pthread_mutex_lock(&s->ck_lock);
    for (;;) {
        while (!s->ck_wanted && !s->ck_stopping)
            pthread_cond_wait(&s->ck_cond, &s->ck_lock);
        if (s->ck_stopping)
            break;
        s->ck_wanted = false;
        pthread_mutex_unlock(&s->ck_lock);
        if (!c && conn_open(s, false, &c, NULL) == 0)
            sqlite3_exec(c->db, "PRAGMA query_only=0; PRAGMA synchronous=FULL;", NULL, NULL, NULL);
        if (c)
            sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        pthread_mutex_lock(&s->ck_lock);
    }
    pthread_mutex_unlock(&s->ck_lock);
    conn_close(c);
    return NULL;
}

static void *writer_main(void *arg)
{
    struct sq_store *s = arg;
    struct sq_req **batch = gt_xmalloc((size_t)s->max_batch * sizeof *batch);
    pthread_mutex_lock(&s->wlock);
    for (;;) {
        while (!s->qhead && !s->stopping)
            pthread_cond_wait(&s->wcond, &s->wlock);
        if (!s->qhead)
            break;
        size_t n = 0;
        while (s->qhead && n < (size_t)s->max_batch) {
            batch[n++] = s->qhead;
            s->qhead = s->qhead->next;
        }
        if (!s->qhead)
            s->qtail = NULL;
        pthread_mutex_unlock(&s->wlock);
        run_batch(s, batch, n);
        pthread_mutex_lock(&s->wlock);
        for (size_t i = 0; i < n; i++)
            batch[i]->done = true;
        pthread_cond_broadcast(&s->donecond);
    }
    pthread_mutex_unlock(&s->wlock);
    free(batch);
    return NULL;
}

/* Queues a request and waits until the writer has committed (or failed) it. */
static int submit(struct sq_store *s, struct sq_req *q, struct gt_error *err)
{
    pthread_mutex_lock(&s->wlock);
    if (s->stopping) {
        pthread_mutex_unlock(&s->wlock);
        return gt_err(err, ECANCELED, "the store is closing");
    }
    if (s->qtail)
        s->qtail->next = q;
    else
        s->qhead = q;
    s->qtail = q;
    pthread_cond_signal(&s->wcond);
    while (!q->done)
        pthread_cond_wait(&s->donecond, &s->wlock);
    pthread_mutex_unlock(&s->wlock);
    free(q->evs);
    if (q->rc < 0) {
        if (err)
            *err = q->err;
        return q->rc;
    }
    return 0;
}

static int sq_txn(struct gt_store *gs, const struct gt_store_txn *txn,
                  struct gt_store_txn_result *res, struct gt_error *err)
{
    struct sq_req q = { .kind = REQ_TXN, .txn = txn, .res = res };
    return submit((struct sq_store *)gs, &q, err);
}

static int sq_compact(struct gt_store *gs, int64_t revision, struct gt_error *err)
{
    struct sq_req q = { .kind = REQ_COMPACT, .compact_rev = revision };
    return submit((struct sq_store *)gs, &q, err);
}

/* ---- open and close ---- */

static void sq_free(struct gt_store *gs)
{
    struct sq_store *s = (struct sq_store *)gs;
    if (s->writer_running) {
        pthread_mutex_lock(&s->wlock);
        s->stopping = true;
        pthread_cond_signal(&s->wcond);
        pthread_mutex_unlock(&s->wlock);
        pthread_join(s->writer, NULL);
    }
    if (s->checkpointer_running) {
        pthread_mutex_lock(&s->ck_lock);
        s->ck_stopping = true;
        pthread_cond_signal(&s->ck_cond);
        pthread_mutex_unlock(&s->ck_lock);
        pthread_join(s->checkpointer, NULL);
    }
    pthread_mutex_lock(&s->hub_lock);
    s->closing = true;
    pthread_cond_broadcast(&s->hub_cond);
    pthread_mutex_unlock(&s->hub_lock);
    for (size_t i = 0; i < s->ring_len; i++)
        sq_event_unref(s->ring[(s->ring_head + i) % s->ring_cap]);
    free(s->ring);
    while (s->pool) {
        struct sq_conn *c = s->pool;
        s->pool = c->next;
        conn_close(c);
    }
    conn_close(s->wconn);
    if (s->lock_fd >= 0)
        close(s->lock_fd);
    pthread_mutex_destroy(&s->pool_lock);
    pthread_mutex_destroy(&s->wlock);
    pthread_cond_destroy(&s->wcond);
    pthread_cond_destroy(&s->donecond);
    pthread_mutex_destroy(&s->hub_lock);
    pthread_cond_destroy(&s->hub_cond);
    pthread_mutex_destroy(&s->ck_lock);
    pthread_cond_destroy(&s->ck_cond);
    free(s->path);
    free(s);
}

static int load_state(struct sq_store *s, struct gt_error *err)
{
    int r = read_meta(s->wconn, &s->rev, &s->compact_rev, err);
    if (r < 0)
        return r;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->wconn->db, "SELECT coalesce(max(id), 0) FROM kv", -1, &st,
                                NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        s->next_id = sqlite3_column_int64(st, 0) + 1;
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW)
        return sq_err(err, s->wconn->db, rc, "read the store's state");
    return 0;
}

static int sq_open(const struct gt_store_options *opts, struct gt_store **out,
                   struct gt_error *err)
{
    if (!opts->data_dir || !opts->data_dir[0])
        return gt_err(err, EINVAL, "no data directory");
    int r = gt_mkdir_p(opts->data_dir, 0700, err);
    if (r < 0)
        return r;
    struct sq_store *s = gt_xcalloc(1, sizeof *s);
    s->lock_fd = -1;
    s->sync = opts->sync;
    s->max_batch = opts->max_batch > 0 ? opts->max_batch : SQ_DEFAULT_BATCH;
    s->path = gt_path_join(opts->data_dir, "store.db");
    pthread_mutex_init(&s->pool_lock, NULL);
    pthread_mutex_init(&s->wlock, NULL);
    pthread_cond_init(&s->wcond, NULL);
    pthread_cond_init(&s->donecond, NULL);
    pthread_mutex_init(&s->hub_lock, NULL);
    pthread_mutex_init(&s->ck_lock, NULL);
    pthread_cond_init(&s->ck_cond, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->hub_cond, &ca);
    pthread_condattr_destroy(&ca);

    /* One owner per data dir: a second process writing the same file would
     * bypass the writer's revision counter and the watchers. */
    cleanup_free char *lock = gt_path_join(opts->data_dir, "store.lock");
    s->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (s->lock_fd < 0) {
        r = gt_err_sys(err, errno, "open %s", lock);
        goto fail;
    }
    if (flock(s->lock_fd, LOCK_EX | LOCK_NB) < 0) {
        r = errno == EWOULDBLOCK ? gt_err(err, EBUSY, "%s is in use by another store", opts->data_dir)
                                 : gt_err_sys(err, errno, "lock %s", lock);
        goto fail;
    }
    r = conn_open(s, true, &s->wconn, err);
    if (r < 0)
        goto fail;
    r = load_state(s, err);
    if (r < 0)
        goto fail;
    s->hub_rev = s->rev;
    s->hub_compact = s->compact_rev;
    s->ring_first_rev = s->rev + 1;
    sqlite3_wal_hook(s->wconn->db, wal_hook, s); /* replaces the autocheckpoint */
    r = pthread_create(&s->checkpointer, NULL, checkpointer_main, s);
    if (r != 0) {
        r = gt_err_sys(err, r, "start the store's checkpointer thread");
        goto fail;
    }
    s->checkpointer_running = true;
    r = pthread_create(&s->writer, NULL, writer_main, s);
    if (r != 0) {
        r = gt_err_sys(err, r, "start the store's writer thread");
        goto fail;
    }
    s->writer_running = true;
    *out = &s->base;
    return 0;
fail:
    sq_free(&s->base);
    return r;
}

/* ---- watches ---- */

static void now_mono(struct timespec *ts)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
}

static int64_t ms_since(const struct timespec *t)
{
    struct timespec n;
    now_mono(&n);
    return (int64_t)(n.tv_sec - t->tv_sec) * 1000 + (n.tv_nsec - t->tv_nsec) / 1000000;
}

static void ts_add_ms(struct timespec *ts, int64_t ms)
{
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (ms % 1000) * 1000000;
    if (ts->tv_nsec >= 1000000000) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000;
    }
}

static bool ts_before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static bool watch_matches(const struct sq_watch *w, const char *key)
{
    return w->prefix ? strncmp(key, w->key, w->keylen) == 0 : strcmp(key, w->key) == 0;
}

struct batch_builder {
    struct gt_store_event *events;
    struct sq_event **refs;
    size_t n, cap;
};

static void bb_add(struct batch_builder *bb, struct sq_event *e, bool prev_kv)
{
    if (bb->n == bb->cap) {
        bb->cap = bb->cap ? bb->cap * 2 : 16;
        bb->events = gt_xrealloc(bb->events, bb->cap * sizeof *bb->events);
        bb->refs = gt_xrealloc(bb->refs, bb->cap * sizeof *bb->refs);
    }
    atomic_fetch_add(&e->refs, 1);
    bb->refs[bb->n] = e;
    bb->events[bb->n] = e->ev;
    if (!prev_kv) {
        memset(&bb->events[bb->n].prev, 0, sizeof bb->events[bb->n].prev);
        bb->events[bb->n].has_prev = false;
    }
    bb->n++;
}

static void bb_release(struct batch_builder *bb)
{
    for (size_t i = 0; i < bb->n; i++)
        sq_event_unref(bb->refs[i]);
    free(bb->refs);
    free(bb->events);
    memset(bb, 0, sizeof *bb);
}

static void bb_to_batch(struct batch_builder *bb, struct gt_store_watch_batch *b, int64_t rev)
{
    struct sq_batch_priv *p = gt_xmalloc(sizeof *p);
    p->refs = bb->refs;
    p->n = bb->n;
    b->events = bb->events;
    b->n = bb->n;
    b->priv = p;
    b->revision = rev;
    memset(bb, 0, sizeof *bb);
}

static void sq_batch_release(struct gt_store_watch_batch *b)
{
    struct sq_batch_priv *p = b->priv;
    if (p) {
        for (size_t i = 0; i < p->n; i++)
            sq_event_unref(p->refs[i]);
        free(p->refs);
        free(p);
    }
    free(b->events);
}

/* Index in the ring of the first event with revision >= rev (hub locked). */
static size_t ring_find(struct sq_store *s, int64_t rev)
{
    size_t lo = 0, hi = s->ring_len;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (s->ring[(s->ring_head + mid) % s->ring_cap]->ev.kv.mod_rev < rev)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Collects the watcher's events from the ring (hub locked); moves the cursor
 * past what it looked at, stopping at a revision boundary when full. */
static void from_ring(struct sq_watch *w, struct batch_builder *bb)
{
    struct sq_store *s = w->s;
    for (size_t i = ring_find(s, w->cursor); i < s->ring_len; i++) {
        struct sq_event *e = s->ring[(s->ring_head + i) % s->ring_cap];
        int64_t rev = e->ev.kv.mod_rev;
        if (bb->n >= SQ_WATCH_BATCH && rev != w->cursor - 1) {
            w->cursor = rev;
            return;
        }
        if (watch_matches(w, e->ev.kv.key))
            bb_add(bb, e, w->prev_kv);
        w->cursor = rev + 1;
    }
    w->cursor = s->hub_rev + 1;
}

/* Reads the watcher's events of revisions [from, from + window) from the
 * history rows (hub unlocked); *next gets the revision after those read. */
static int from_history(struct sq_watch *w, int64_t from, struct batch_builder *bb,
                        int64_t *next, struct gt_error *err)
{
    struct sq_store *s = w->s;
    struct sq_conn *c;
    int r = pool_get(s, &c, err);
    if (r < 0)
        return r;
    int64_t cur = 0, compact = 0;
    r = exec_stmt(c, ST_BEGIN, err);
    if (r == 0)
        r = read_meta(c, &cur, &compact, err);
    if (r == 0 && from < compact)
        r = gt_err(err, GT_STORE_ECOMPACTED,
                   "revision %" PRId64 " has been compacted (oldest kept: %" PRId64 ")", from,
                   compact);
    int64_t to = from + SQ_CATCHUP_WINDOW - 1 < cur ? from + SQ_CATCHUP_WINDOW - 1 : cur;
    sqlite3_stmt *st = r == 0 ? stmt(c, ST_EVENTS, err) : NULL;
    if (r == 0 && !st)
        r = -EIO;
    if (r == 0) {
        sqlite3_bind_int64(st, 1, from);
        sqlite3_bind_int64(st, 2, to);
        int rc;
        while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
            const char *key = sqlite3_column_blob(st, 0);
            size_t klen = (size_t)sqlite3_column_bytes(st, 0);
            if (w->prefix ? klen < w->keylen || memcmp(key, w->key, w->keylen) != 0
                          : klen != w->keylen || memcmp(key, w->key, klen) != 0)
                continue;
            struct sq_event *e = gt_xcalloc(1, sizeof *e);
            atomic_init(&e->refs, 1);
            bool del = sqlite3_column_int(st, 4) != 0;
            e->ev.type = del ? GT_STORE_EVENT_DELETE : GT_STORE_EVENT_PUT;
            r = col_key(st, 0, &e->ev.kv.key, err);
            e->ev.kv.mod_rev = sqlite3_column_int64(st, 1);
            if (r == 0 && !del) {
                e->ev.kv.create_rev = sqlite3_column_int64(st, 2);
                e->ev.kv.version = sqlite3_column_int64(st, 3);
                e->ev.kv.value_len = (size_t)sqlite3_column_bytes(st, 5);
                r = blob_dup(sqlite3_column_blob(st, 5), e->ev.kv.value_len, &e->ev.kv.value,
                             err);
            }
            if (r == 0 && w->prev_kv) {
                struct row prev = { 0 };
                sqlite3_stmt *ps = stmt(c, ST_PREV, err);
                if (!ps) {
                    r = -EIO;
                } else {
                    sqlite3_bind_blob(ps, 1, e->ev.kv.key, (int)klen, SQLITE_STATIC);
                    sqlite3_bind_int64(ps, 2, e->ev.kv.mod_rev);
                    if (sqlite3_step(ps) == SQLITE_ROW && sqlite3_column_int(ps, 3) == 0) {
                        prev.exists = prev.live = true;
                        prev.rev = sqlite3_column_int64(ps, 0);
                        prev.create_rev = sqlite3_column_int64(ps, 1);
                        prev.version = sqlite3_column_int64(ps, 2);
                        prev.value = (char *)sqlite3_column_blob(ps, 4);
                        prev.value_len = (size_t)sqlite3_column_bytes(ps, 4);
                        e->ev.has_prev = true;
                        r = row_kv(e->ev.kv.key, &prev, &e->ev.prev, err);
                    }
                    sqlite3_reset(ps);
                }
            }
            if (r == 0)
                bb_add(bb, e, w->prev_kv);
            sq_event_unref(e);
        }
        if (r == 0 && rc != SQLITE_DONE)
            r = sq_err(err, c->db, rc, "read history");
        sqlite3_reset(st);
    }
    exec_stmt(c, ST_COMMIT, NULL);
    pool_put(s, c);
    if (r < 0)
        return r;
    *next = to + 1;
    return 0;
}

static int sq_watch_next(struct gt_store_watch *gw, int timeout_ms,
                         struct gt_store_watch_batch *b, struct gt_error *err)
{
    struct sq_watch *w = (struct sq_watch *)gw;
    struct sq_store *s = w->s;
    struct timespec deadline;
    now_mono(&deadline);
    ts_add_ms(&deadline, timeout_ms < 0 ? 0 : timeout_ms);
    if (w->efd >= 0) {
        eventfd_t v;
        eventfd_read(w->efd, &v);
    }
    struct batch_builder bb = { 0 };
    pthread_mutex_lock(&s->hub_lock);
    for (;;) {
        if (w->canceled || s->closing) {
            pthread_mutex_unlock(&s->hub_lock);
            bb_release(&bb);
            return gt_err(err, ECANCELED, "watch cancelled");
        }
        if (w->cursor < s->hub_compact) {
            int64_t c = s->hub_compact;
            pthread_mutex_unlock(&s->hub_lock);
            bb_release(&bb);
            return gt_err(err, GT_STORE_ECOMPACTED,
                          "revision %" PRId64 " has been compacted (oldest kept: %" PRId64 ")",
                          w->cursor, c);
        }
        if (w->cursor <= s->hub_rev) {
            if (w->cursor >= s->ring_first_rev) {
                from_ring(w, &bb);
            } else {
                int64_t from = w->cursor, next = 0;
                pthread_mutex_unlock(&s->hub_lock);
                int r = from_history(w, from, &bb, &next, err);
                pthread_mutex_lock(&s->hub_lock);
                if (r < 0) {
                    pthread_mutex_unlock(&s->hub_lock);
                    bb_release(&bb);
                    return r;
                }
                w->cursor = next;
            }
            if (bb.n > 0) {
                bb_to_batch(&bb, b, s->hub_rev);
                pthread_mutex_unlock(&s->hub_lock);
                now_mono(&w->last_sent);
                return 0;
            }
            continue;
        }
        /* caught up with every published revision */
        if (w->progress_requested ||
            (w->progress_notify && ms_since(&w->last_sent) >= w->interval_ms)) {
            w->progress_requested = false;
            b->progress = true;
            b->revision = w->cursor - 1;
            pthread_mutex_unlock(&s->hub_lock);
            now_mono(&w->last_sent);
            return 0;
        }
        struct timespec now, until = deadline;
        now_mono(&now);
        if (timeout_ms == 0 || (timeout_ms > 0 && !ts_before(&now, &deadline))) {
            pthread_mutex_unlock(&s->hub_lock);
            return -EAGAIN;
        }
        bool timed = timeout_ms > 0;
        if (w->progress_notify) {
            struct timespec p = w->last_sent;
            ts_add_ms(&p, w->interval_ms);
            if (!timed || ts_before(&p, &until))
                until = p;
            timed = true;
        }
        if (timed)
            pthread_cond_timedwait(&s->hub_cond, &s->hub_lock, &until);
        else
            pthread_cond_wait(&s->hub_cond, &s->hub_lock);
    }
}

static int sq_watch(struct gt_store *gs, const struct gt_store_watch_opts *o,
                    struct gt_store_watch **out, struct gt_error *err)
{
    struct sq_store *s = (struct sq_store *)gs;
    struct sq_watch *w = gt_xcalloc(1, sizeof *w);
    w->s = s;
    w->key = gt_xstrdup(o->key);
    w->keylen = strlen(o->key);
    w->prefix = o->prefix;
    w->prev_kv = o->prev_kv;
    w->progress_notify = o->progress_notify;
    w->interval_ms = o->progress_interval_ms ? o->progress_interval_ms : SQ_PROGRESS_MS;
    w->efd = -1;
    now_mono(&w->last_sent);
    pthread_mutex_lock(&s->hub_lock);
    w->cursor = o->start_revision ? o->start_revision : s->hub_rev + 1;
    if (w->cursor < s->hub_compact) {
        int64_t c = s->hub_compact;
        pthread_mutex_unlock(&s->hub_lock);
        free(w->key);
        free(w);
        return gt_err(err, GT_STORE_ECOMPACTED,
                      "revision %" PRId64 " has been compacted (oldest kept: %" PRId64 ")",
                      o->start_revision, c);
    }
    w->next = s->watchers;
    if (s->watchers)
        s->watchers->prev = w;
    s->watchers = w;
    pthread_mutex_unlock(&s->hub_lock);
    *out = &w->base;
    return 0;
}

static int sq_watch_request_progress(struct gt_store_watch *gw, struct gt_error *err)
{
    struct sq_watch *w = (struct sq_watch *)gw;
    pthread_mutex_lock(&w->s->hub_lock);
    w->progress_requested = true;
    pthread_cond_broadcast(&w->s->hub_cond);
    if (w->efd >= 0)
        eventfd_write(w->efd, 1);
    pthread_mutex_unlock(&w->s->hub_lock);
    return 0;
}

static int sq_watch_fd(struct gt_store_watch *gw)
{
    struct sq_watch *w = (struct sq_watch *)gw;
    pthread_mutex_lock(&w->s->hub_lock);
    if (w->efd < 0) {
        w->efd = eventfd(1, EFD_NONBLOCK | EFD_CLOEXEC); /* readable: check at once */
    }
    int fd = w->efd;
    pthread_mutex_unlock(&w->s->hub_lock);
    return fd;
}

static void sq_watch_cancel(struct gt_store_watch *gw)
{
    struct sq_watch *w = (struct sq_watch *)gw;
    pthread_mutex_lock(&w->s->hub_lock);
    w->canceled = true;
    pthread_cond_broadcast(&w->s->hub_cond);
    if (w->efd >= 0)
        eventfd_write(w->efd, 1);
    pthread_mutex_unlock(&w->s->hub_lock);
}

static void sq_watch_free(struct gt_store_watch *gw)
{
    struct sq_watch *w = (struct sq_watch *)gw;
    struct sq_store *s = w->s;
    pthread_mutex_lock(&s->hub_lock);
    if (w->prev)
        w->prev->next = w->next;
    else
        s->watchers = w->next;
    if (w->next)
        w->next->prev = w->prev;
    pthread_mutex_unlock(&s->hub_lock);
    if (w->efd >= 0)
        close(w->efd);
    free(w->key);
    free(w);
}

const struct gt_store_backend gt_store_sqlite_backend = {
    .name = "sqlite",
    .open = sq_open,
    .free = sq_free,
    .status = sq_status,
    .range = sq_range,
    .txn = sq_txn,
    .compact = sq_compact,
    .watch = sq_watch,
    .watch_next = sq_watch_next,
    .watch_batch_release = sq_batch_release,
    .watch_request_progress = sq_watch_request_progress,
    .watch_fd = sq_watch_fd,
    .watch_cancel = sq_watch_cancel,
    .watch_free = sq_watch_free,
};
