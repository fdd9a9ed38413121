/* The store's contract (store/store.h), every case run against both
 * backends: the SQLite store in a temporary directory, and the etcd backend
 * against an etcd (/usr/bin/etcd) that the case starts on free loopback
 * ports with a temporary data dir, and kills by pid at its end. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/clock.h"
#include "base/fs.h"
#include "base/mem.h"
#include "store/store.h"
#include "tests/unit/unit.h"

#define ETCD_BIN "/usr/bin/etcd"

struct fixture {
    const char *backend;
    struct gt_store_options opts;
    struct gt_store *s;
    pid_t etcd_pid;
    char endpoint[64];
    char dir[512];
};

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return ntohs(a.sin_port);
}

static void etcd_stop(struct fixture *f)
{
    if (f->etcd_pid > 0) {
        kill(f->etcd_pid, SIGKILL);
        waitpid(f->etcd_pid, NULL, 0);
        f->etcd_pid = 0;
    }
}

/* Starts etcd on free ports; 0, or -1 if it did not come up. */
static int etcd_start(struct fixture *f)
{
    for (int attempt = 0; attempt < 3; attempt++) {
        int cport = free_port(), pport = free_port();
        if (cport < 0 || pport < 0 || cport == pport)
            continue;
        snprintf(f->endpoint, sizeof f->endpoint, "http://127.0.0.1:%d", cport);
        cleanup_free char *curl = gt_xasprintf("http://127.0.0.1:%d", cport);
        cleanup_free char *purl = gt_xasprintf("http://127.0.0.1:%d", pport);
        cleanup_free char *cluster = gt_xasprintf("default=%s", purl);
        cleanup_free char *data = gt_xasprintf("%s/etcd-%d", f->dir, attempt);
        cleanup_free char *log = gt_xasprintf("%s/etcd-%d.log", f->dir, attempt);
        pid_t pid = fork();
        if (pid == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the test */
            int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
            if (fd >= 0) {
                dup2(fd, 1);
                dup2(fd, 2);
            }
            execl(ETCD_BIN, ETCD_BIN, "--name", "default", "--data-dir", data,
                  "--listen-client-urls", curl, "--advertise-client-urls", curl,
                  "--listen-peer-urls", purl, "--initial-advertise-peer-urls", purl,
                  "--initial-cluster", cluster, "--logger", "zap", "--log-level", "error",
                  (char *)NULL);
            _exit(127);
        }
        if (pid < 0)
            return -1;
        f->etcd_pid = pid;
        struct gt_store_options o = { .backend = "etcd", .endpoints = f->endpoint,
                                      .timeout_ms = 2000 };
        for (int i = 0; i < 200; i++) {
            struct gt_store *s = NULL;
            if (gt_store_open(&o, &s, NULL) == 0) {
                gt_store_free(s);
                return 0;
            }
            if (waitpid(pid, NULL, WNOHANG) == pid) {
                f->etcd_pid = 0;
                break; /* a port was taken meanwhile: try others */
            }
            usleep(50000);
        }
        etcd_stop(f);
    }
    return -1;
}

static struct gt_store *fx_open(struct fixture *f)
{
    struct gt_error err;
    struct gt_store *s = NULL;
    if (gt_store_open(&f->opts, &s, &err) < 0) {
        unit_fail(__FILE__, __LINE__, "open %s store: %s", f->backend, err.msg);
        return NULL;
    }
    return s;
}

typedef void (*case_fn)(struct fixture *f);

static void run_case(const char *backend, case_fn fn)
{
    struct fixture f = { .backend = backend };
    snprintf(f.dir, sizeof f.dir, "%s", unit_tmpdir());
    f.opts.backend = backend;
    if (!strcmp(backend, "etcd")) {
        if (access(ETCD_BIN, X_OK) != 0)
            unit_skip("%s is missing (Debian package etcd-server)", ETCD_BIN);
        if (etcd_start(&f) < 0) {
            unit_fail(__FILE__, __LINE__, "etcd did not start (logs in %s)", f.dir);
            return;
        }
        f.opts.endpoints = f.endpoint;
    } else {
        snprintf(f.dir + strlen(f.dir), sizeof f.dir - strlen(f.dir), "/store");
        f.opts.data_dir = f.dir;
    }
    f.s = fx_open(&f);
    if (f.s)
        fn(&f);
    gt_store_free(f.s);
    etcd_stop(&f);
}

#define BOTH(name) \
    static void case_##name(struct fixture *f); \
    TEST(sqlite_##name) { run_case("sqlite", case_##name); } \
    TEST(etcd_##name) { run_case("etcd", case_##name); } \
    static void case_##name(struct fixture *f)

/* ---- helpers ---- */

static int64_t current_rev(struct gt_store *s)
{
    struct gt_store_status st;
    struct gt_error err;
    if (gt_store_status(s, &st, &err) < 0) {
        unit_fail(__FILE__, __LINE__, "status: %s", err.msg);
        return -1;
    }
    return st.revision;
}

static int64_t put(struct gt_store *s, const char *key, const char *value)
{
    int64_t rev = -1;
    struct gt_error err;
    if (gt_store_put(s, key, value, strlen(value), &rev, &err) < 0)
        unit_fail(__FILE__, __LINE__, "put %s: %s", key, err.msg);
    return rev;
}

struct rec {
    enum gt_store_event_type type;
    char key[64];
    char value[64];
    char prev[64];
    bool has_prev;
    int64_t mod_rev, create_rev, version;
};

/* Collects n events (skipping progress notifications) or fails after
 * timeout_ms; returns how many came. */
static size_t collect(struct gt_store_watch *w, struct rec *out, size_t n, int timeout_ms)
{
    size_t got = 0;
    int64_t deadline = gt_clock_ms() + timeout_ms;
    while (got < n) {
        int left = gt_clock_left_ms(deadline);
        if (left <= 0)
            break;
        struct gt_store_watch_batch b;
        struct gt_error err;
        int r = gt_store_watch_next(w, left, &b, &err);
        if (r == -EAGAIN)
            break;
        if (r < 0) {
            unit_fail(__FILE__, __LINE__, "watch next: %s", err.msg);
            break;
        }
        for (size_t i = 0; i < b.n && got < n; i++, got++) {
            struct gt_store_event *e = &b.events[i];
            struct rec *o = &out[got];
            memset(o, 0, sizeof *o);
            o->type = e->type;
            snprintf(o->key, sizeof o->key, "%s", e->kv.key);
            if (e->kv.value)
                snprintf(o->value, sizeof o->value, "%s", e->kv.value);
            o->has_prev = e->has_prev;
            if (e->has_prev)
                snprintf(o->prev, sizeof o->prev, "%s", e->prev.value);
            o->mod_rev = e->kv.mod_rev;
            o->create_rev = e->kv.create_rev;
            o->version = e->kv.version;
        }
        gt_store_watch_batch_release(&b);
    }
    return got;
}

/* ---- cases ---- */

BOTH(revisions_and_versions_are_exact)
{
    struct gt_store *s = f->s;
    struct gt_error err;
    int64_t r0 = current_rev(s);
    if (!strcmp(f->backend, "sqlite"))
        CHECK_INT_EQ(r0, 0); /* a fresh store; its first write is revision 1 */
    CHECK_INT_EQ(put(s, "/a", "1"), r0 + 1);
    CHECK_INT_EQ(put(s, "/a", "2"), r0 + 2);
    CHECK_INT_EQ(put(s, "/b", "x"), r0 + 3);
    struct gt_kv kv;
    REQUIRE(gt_store_get(s, "/a", 0, &kv, &err) == 0);
    CHECK_STR_EQ(kv.value, "2");
    CHECK_INT_EQ(kv.value_len, 1);
    CHECK_INT_EQ(kv.create_rev, r0 + 1);
    CHECK_INT_EQ(kv.mod_rev, r0 + 2);
    CHECK_INT_EQ(kv.version, 2);
    gt_kv_release(&kv);

    int64_t rev = 0;
    struct gt_kv prev;
    REQUIRE(gt_store_delete(s, "/a", 0, &rev, &prev, &err) == 0);
    CHECK_INT_EQ(rev, r0 + 4);
    CHECK_STR_EQ(prev.value, "2");
    CHECK_INT_EQ(prev.mod_rev, r0 + 2);
    gt_kv_release(&prev);
    CHECK_INT_EQ(gt_store_get(s, "/a", 0, NULL, &err), -ENOENT);
    CHECK_STR_CONTAINS(err.msg, "/a: not found");

    /* changing nothing leaves the revision alone */
    CHECK_INT_EQ(gt_store_delete(s, "/a", 0, NULL, NULL, &err), -ENOENT);
    CHECK_INT_EQ(gt_store_delete_prefix(s, "/nothing/", NULL, NULL, &err), 0);
    CHECK_INT_EQ(gt_store_create(s, "/b", "y", 1, NULL, &err), -EEXIST);
    CHECK_INT_EQ(current_rev(s), r0 + 4);

    /* recreated: a new life at version 1 */
    CHECK_INT_EQ(put(s, "/a", "3"), r0 + 5);
    REQUIRE(gt_store_get(s, "/a", 0, &kv, &err) == 0);
    CHECK_INT_EQ(kv.create_rev, r0 + 5);
    CHECK_INT_EQ(kv.version, 1);
    gt_kv_release(&kv);

    /* a transaction of several writes takes one revision */
    struct gt_store_op ops[] = {
        { GT_STORE_OP_PUT, "/c", "c", 1 },
        { GT_STORE_OP_PUT, "/d", "d", 1 },
        { .type = GT_STORE_OP_DELETE, .key = "/b" },
    };
    struct gt_store_txn txn = { .then_ops = ops, .nthen = 3 };
    struct gt_store_txn_result res;
    REQUIRE(gt_store_txn(s, &txn, &res, &err) == 0);
    CHECK(res.succeeded);
    CHECK_INT_EQ(res.revision, r0 + 6);
    CHECK_INT_EQ(res.n, 3);
    CHECK_INT_EQ(res.results[2].deleted, 1);
    gt_store_txn_result_release(&res);
    REQUIRE(gt_store_get(s, "/d", 0, &kv, &err) == 0);
    CHECK_INT_EQ(kv.mod_rev, r0 + 6);
    gt_kv_release(&kv);

    /* reading at an older revision sees the older value */
    REQUIRE(gt_store_get(s, "/b", r0 + 3, &kv, &err) == 0);
    CHECK_STR_EQ(kv.value, "x");
    gt_kv_release(&kv);
    CHECK_INT_EQ(gt_store_get(s, "/b", r0 + 6, NULL, &err), -ENOENT);
    CHECK_INT_EQ(gt_store_get(s, "/a", r0 + 4, NULL, &err), -ENOENT);
}

BOTH(range_by_prefix_with_limit_continuation_and_count)
{
    struct gt_store *s = f->s;
    struct gt_error err;
    const char *keys[] = { "/p/a", "/p/b", "/p/c", "/p/d", "/p/e", "/pq", "/q/a", "/p" };
    for (size_t i = 0; i < 8; i++)
        put(s, keys[i], keys[i]);
    struct gt_store_range r = { .key = "/p/", .prefix = true, .limit = 2 };
    struct gt_store_range_result res;
    REQUIRE(gt_store_range(s, &r, &res, &err) == 0);
    REQUIRE(res.n == 2);
    CHECK_STR_EQ(res.kvs[0].key, "/p/a");
    CHECK_STR_EQ(res.kvs[1].key, "/p/b");
    CHECK_STR_EQ(res.kvs[1].value, "/p/b");
    CHECK(res.more);
    CHECK_INT_EQ(res.count, 5);
    int64_t listed_at = res.revision;
    CHECK_INT_EQ(listed_at, current_rev(s));
    gt_store_range_result_release(&res);

    /* the next page, at the revision of the first (as paginated lists do),
     * although the store moved on */
    put(s, "/p/c", "changed");
    put(s, "/p/bb", "new");
    r.after = "/p/b";
    r.revision = listed_at;
    REQUIRE(gt_store_range(s, &r, &res, &err) == 0);
    REQUIRE(res.n == 2);
    CHECK_STR_EQ(res.kvs[0].key, "/p/c");
    CHECK_STR_EQ(res.kvs[0].value, "/p/c");
    CHECK_STR_EQ(res.kvs[1].key, "/p/d");
    CHECK(res.more);
    CHECK_INT_EQ(res.count, 3);
    CHECK_INT_EQ(res.revision, listed_at);
    gt_store_range_result_release(&res);
    r.after = "/p/d";
    REQUIRE(gt_store_range(s, &r, &res, &err) == 0);
    REQUIRE(res.n == 1);
    CHECK_STR_EQ(res.kvs[0].key, "/p/e");
    CHECK(!res.more);
    CHECK_INT_EQ(res.count, 1);
    gt_store_range_result_release(&res);

    /* current: sees the new key and the new value; keys only; count only */
    r = (struct gt_store_range){ .key = "/p/", .prefix = true, .keys_only = true };
    REQUIRE(gt_store_range(s, &r, &res, &err) == 0);
    REQUIRE(res.n == 6);
    CHECK_STR_EQ(res.kvs[2].key, "/p/bb");
    CHECK(res.kvs[2].value == NULL);
    CHECK_INT_EQ(res.count, 6);
    CHECK(!res.more);
    gt_store_range_result_release(&res);
    r = (struct gt_store_range){ .key = "/p/", .prefix = true, .count_only = true };
    REQUIRE(gt_store_range(s, &r, &res, &err) == 0);
    CHECK_INT_EQ(res.n, 0);
    CHECK_INT_EQ(res.count, 6);
    gt_store_range_result_release(&res);

    /* the empty prefix is every key; a single key ignores its neighbours */
    r = (struct gt_store_range){ .key = "", .prefix = true, .count_only = true };
    REQUIRE(gt_store_range(s, &r, &res, &err) == 0);
    CHECK_INT_EQ(res.count, 9);
    gt_store_range_result_release(&res);
    r = (struct gt_store_range){ .key = "/p" };
    REQUIRE(gt_store_range(s, &r, &res, &err) == 0);
    CHECK_INT_EQ(res.n, 1);
    CHECK_INT_EQ(res.count, 1);
    gt_store_range_result_release(&res);
    r.after = "/p";
    REQUIRE(gt_store_range(s, &r, &res, &err) == 0);
    CHECK_INT_EQ(res.n, 0);
    gt_store_range_result_release(&res);

    /* a revision not reached yet */
    r = (struct gt_store_range){ .key = "/p/", .prefix = true, .revision = current_rev(s) + 5 };
    CHECK_INT_EQ(gt_store_range(s, &r, &res, &err), -GT_STORE_EFUTURE);
    CHECK_STR_CONTAINS(err.msg, "future");
}

BOTH(txn_compare_and_swap)
{
    struct gt_store *s = f->s;
    struct gt_error err;
    int64_t rev1 = 0, rev2 = 0;
    REQUIRE(gt_store_create(s, "/obj", "v1", 2, &rev1, &err) == 0);
    CHECK_INT_EQ(gt_store_create(s, "/obj", "v1", 2, NULL, &err), -EEXIST);
    CHECK_STR_CONTAINS(err.msg, "/obj: already exists");

    struct gt_kv cur;
    REQUIRE(gt_store_update(s, "/obj", "v2", 2, rev1, &rev2, &cur, &err) == 0);
    CHECK(rev2 > rev1);
    CHECK_STR_EQ(cur.value, "v2");
    CHECK_INT_EQ(cur.mod_rev, rev2);
    CHECK_INT_EQ(cur.create_rev, rev1);
    CHECK_INT_EQ(cur.version, 2);
    gt_kv_release(&cur);

    /* a stale revision: refused, and the current kv comes back */
    CHECK_INT_EQ(gt_store_update(s, "/obj", "v3", 2, rev1, NULL, &cur, &err),
                 -GT_STORE_ECONFLICT);
    CHECK_STR_EQ(cur.value, "v2");
    CHECK_INT_EQ(cur.mod_rev, rev2);
    gt_kv_release(&cur);
    CHECK_INT_EQ(gt_store_delete(s, "/obj", rev1, NULL, &cur, &err), -GT_STORE_ECONFLICT);
    gt_kv_release(&cur);
    CHECK_INT_EQ(gt_store_update(s, "/gone", "x", 1, rev1, NULL, NULL, &err), -ENOENT);

    /* compares on value, version and create revision; the else branch */
    struct gt_store_cmp cmps[] = {
        { .key = "/obj", .target = GT_STORE_CMP_VALUE, .value = "v2", .value_len = 2 },
        { .key = "/obj", .target = GT_STORE_CMP_VERSION, .rev = 2 },
        { .key = "/obj", .target = GT_STORE_CMP_CREATE_REV, .rev = rev1 },
        { .key = "/other", .target = GT_STORE_CMP_ABSENT },
    };
    struct gt_store_op then[] = { { GT_STORE_OP_PUT, "/obj", "v3", 2 } };
    struct gt_store_op els[] = { { .type = GT_STORE_OP_GET, .key = "/obj" } };
    struct gt_store_txn txn = { cmps, 4, then, 1, els, 1 };
    struct gt_store_txn_result res;
    REQUIRE(gt_store_txn(s, &txn, &res, &err) == 0);
    CHECK(res.succeeded);
    REQUIRE(res.n == 1 && res.results[0].n == 1); /* the previous kv */
    CHECK_STR_EQ(res.results[0].kvs[0].value, "v2");
    int64_t rev3 = res.revision;
    gt_store_txn_result_release(&res);
    REQUIRE(gt_store_txn(s, &txn, &res, &err) == 0); /* value is v3 now */
    CHECK(!res.succeeded);
    CHECK_INT_EQ(res.revision, rev3);
    REQUIRE(res.n == 1 && res.results[0].n == 1);
    CHECK_STR_EQ(res.results[0].kvs[0].value, "v3");
    gt_store_txn_result_release(&res);

    /* a branch that writes one key twice is refused */
    struct gt_store_op twice[] = { { GT_STORE_OP_PUT, "/t/a", "1", 1 },
                                   { .type = GT_STORE_OP_DELETE_PREFIX, .key = "/t/" } };
    txn = (struct gt_store_txn){ .then_ops = twice, .nthen = 2 };
    CHECK_INT_EQ(gt_store_txn(s, &txn, &res, &err), -EINVAL);
    CHECK_STR_CONTAINS(err.msg, "both write");

    REQUIRE(gt_store_delete(s, "/obj", rev3, NULL, NULL, &err) == 0);
}

struct racer {
    struct gt_store *s;
    pthread_barrier_t *bar;
    int rounds;
    int *wins; /* per round */
    pthread_mutex_t *lock;
    int failures;
};

static void *racer_main(void *arg)
{
    struct racer *r = arg;
    for (int round = 0; round < r->rounds; round++) {
        struct gt_kv kv;
        struct gt_error err;
        pthread_barrier_wait(r->bar);
        int rc = gt_store_get(r->s, "/race", 0, &kv, &err);
        pthread_barrier_wait(r->bar);
        if (rc < 0) {
            r->failures++;
            continue;
        }
        char v[32];
        int n = snprintf(v, sizeof v, "%d", round);
        rc = gt_store_update(r->s, "/race", v, (size_t)n, kv.mod_rev, NULL, NULL, &err);
        gt_kv_release(&kv);
        if (rc == 0) {
            pthread_mutex_lock(r->lock);
            r->wins[round]++;
            pthread_mutex_unlock(r->lock);
        } else if (rc != -GT_STORE_ECONFLICT) {
            r->failures++;
        }
    }
    return NULL;
}

BOTH(concurrent_updaters_exactly_one_wins_each_round)
{
    enum { THREADS = 8, ROUNDS = 20 };
    put(f->s, "/race", "start");
    pthread_barrier_t bar;
    pthread_barrier_init(&bar, NULL, THREADS);
    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    int wins[ROUNDS] = { 0 };
    struct racer rs[THREADS];
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++) {
        rs[i] = (struct racer){ f->s, &bar, ROUNDS, wins, &lock, 0 };
        pthread_create(&th[i], NULL, racer_main, &rs[i]);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        CHECK_INT_EQ(rs[i].failures, 0);
    }
    for (int round = 0; round < ROUNDS; round++)
        CHECK_INT_EQ(wins[round], 1);
    struct gt_kv kv;
    struct gt_error err;
    REQUIRE(gt_store_get(f->s, "/race", 0, &kv, &err) == 0);
    CHECK_INT_EQ(kv.version, ROUNDS + 1);
    gt_kv_release(&kv);
    pthread_barrier_destroy(&bar);
}

BOTH(delete_and_delete_prefix_make_events)
{
    struct gt_store *s = f->s;
    struct gt_error err;
    struct gt_store_watch_opts o = { .key = "/d/", .prefix = true, .prev_kv = true };
    struct gt_store_watch *w;
    REQUIRE(gt_store_watch(s, &o, &w, &err) == 0);
    int64_t r1 = put(s, "/d/a", "A");
    put(s, "/d/b", "B");
    put(s, "/d/c", "C");
    put(s, "/e", "not watched");
    int64_t rdel = 0;
    REQUIRE(gt_store_delete(s, "/d/a", 0, &rdel, NULL, &err) == 0);
    int64_t deleted = 0, rpre = 0;
    REQUIRE(gt_store_delete_prefix(s, "/d/", &deleted, &rpre, &err) == 0);
    CHECK_INT_EQ(deleted, 2);
    CHECK_INT_EQ(rpre, rdel + 1);
    struct rec ev[6];
    REQUIRE(collect(w, ev, 6, 5000) == 6);
    CHECK_INT_EQ(ev[0].type, GT_STORE_EVENT_PUT);
    CHECK_STR_EQ(ev[0].key, "/d/a");
    CHECK_INT_EQ(ev[0].mod_rev, r1);
    CHECK(!ev[0].has_prev);
    CHECK_INT_EQ(ev[3].type, GT_STORE_EVENT_DELETE);
    CHECK_STR_EQ(ev[3].key, "/d/a");
    CHECK_INT_EQ(ev[3].mod_rev, rdel);
    CHECK(ev[3].has_prev);
    CHECK_STR_EQ(ev[3].prev, "A");
    CHECK_INT_EQ(ev[4].type, GT_STORE_EVENT_DELETE);
    CHECK_STR_EQ(ev[4].key, "/d/b");
    CHECK_STR_EQ(ev[4].prev, "B");
    CHECK_INT_EQ(ev[5].type, GT_STORE_EVENT_DELETE);
    CHECK_STR_EQ(ev[5].key, "/d/c");
    CHECK_INT_EQ(ev[4].mod_rev, rpre);
    CHECK_INT_EQ(ev[5].mod_rev, rpre);
    /* nothing else */
    struct gt_store_watch_batch b;
    CHECK_INT_EQ(gt_store_watch_next(w, 200, &b, &err), -EAGAIN);
    gt_store_watch_free(w);
}

BOTH(watch_from_old_revision_replays_in_order_then_goes_live)
{
    struct gt_store *s = f->s;
    struct gt_error err;
    int64_t revs[5];
    for (int i = 0; i < 5; i++) {
        char v[8];
        snprintf(v, sizeof v, "v%d", i);
        revs[i] = put(s, i % 2 ? "/w/odd" : "/w/even", v);
    }
    put(s, "/x", "elsewhere");
    struct gt_store_watch_opts o = { .key = "/w/", .prefix = true, .start_revision = revs[1],
                                     .prev_kv = true };
    struct gt_store_watch *w;
    REQUIRE(gt_store_watch(s, &o, &w, &err) == 0);
    struct rec ev[6];
    REQUIRE(collect(w, ev, 4, 5000) == 4);
    for (int i = 0; i < 4; i++) {
        CHECK_INT_EQ(ev[i].mod_rev, revs[i + 1]);
        char v[8];
        snprintf(v, sizeof v, "v%d", i + 1);
        CHECK_STR_EQ(ev[i].value, v);
    }
    CHECK(!ev[0].has_prev); /* /w/odd was created at revs[1] */
    CHECK(ev[2].has_prev);
    CHECK_STR_EQ(ev[2].prev, "v1");
    CHECK_INT_EQ(ev[2].version, 2);
    /* live */
    int64_t r6 = put(s, "/w/odd", "v5");
    REQUIRE(collect(w, ev, 1, 5000) == 1);
    CHECK_INT_EQ(ev[0].mod_rev, r6);
    CHECK_STR_EQ(ev[0].value, "v5");
    CHECK_STR_EQ(ev[0].prev, "v3");
    gt_store_watch_free(w);

    /* a single key, from a revision between its changes */
    struct gt_store_watch_opts o2 = { .key = "/w/even", .start_revision = revs[0] + 1 };
    REQUIRE(gt_store_watch(s, &o2, &w, &err) == 0);
    REQUIRE(collect(w, ev, 2, 5000) == 2);
    CHECK_INT_EQ(ev[0].mod_rev, revs[2]);
    CHECK_INT_EQ(ev[1].mod_rev, revs[4]);
    CHECK(!ev[0].has_prev); /* not asked for */
    gt_store_watch_free(w);
}

BOTH(compacted_revisions_fail_distinctly)
{
    struct gt_store *s = f->s;
    struct gt_error err;
    int64_t r1 = put(s, "/c/a", "1");
    put(s, "/c/a", "2");
    int64_t r3 = put(s, "/c/b", "3");
    put(s, "/c/a", "4");
    REQUIRE(gt_store_compact(s, r3, &err) == 0);

    struct gt_kv kv;
    CHECK_INT_EQ(gt_store_get(s, "/c/a", r1, &kv, &err), -GT_STORE_ECOMPACTED);
    CHECK_STR_CONTAINS(err.msg, "compacted");
    /* the compaction point itself is still readable, and the present */
    REQUIRE(gt_store_get(s, "/c/a", r3, &kv, &err) == 0);
    CHECK_STR_EQ(kv.value, "2");
    gt_kv_release(&kv);
    REQUIRE(gt_store_get(s, "/c/a", 0, &kv, &err) == 0);
    CHECK_STR_EQ(kv.value, "4");
    gt_kv_release(&kv);
    CHECK_INT_EQ(gt_store_compact(s, r1, &err), -GT_STORE_ECOMPACTED);
    CHECK_INT_EQ(gt_store_compact(s, current_rev(s) + 10, &err), -GT_STORE_EFUTURE);

    /* a watch from before the compaction fails, at creation or first next */
    struct gt_store_watch_opts o = { .key = "/c/", .prefix = true, .start_revision = r1 };
    struct gt_store_watch *w = NULL;
    int rc = gt_store_watch(s, &o, &w, &err);
    if (rc == 0) {
        struct gt_store_watch_batch b;
        rc = gt_store_watch_next(w, 5000, &b, &err);
        if (rc == 0)
            gt_store_watch_batch_release(&b);
        gt_store_watch_free(w);
    }
    CHECK_INT_EQ(rc, -GT_STORE_ECOMPACTED);
    CHECK_STR_CONTAINS(err.msg, "compacted");

    /* from the compaction point on, the watch works */
    o.start_revision = r3;
    REQUIRE(gt_store_watch(s, &o, &w, &err) == 0);
    struct rec ev[2];
    REQUIRE(collect(w, ev, 2, 5000) == 2);
    CHECK_INT_EQ(ev[0].mod_rev, r3);
    CHECK_STR_EQ(ev[1].value, "4");
    gt_store_watch_free(w);
}

struct writer_arg {
    struct gt_store *s;
    int id, count;
};

static void *writer_main(void *arg)
{
    struct writer_arg *a = arg;
    for (int i = 0; i < a->count; i++) {
        char key[64], val[32];
        snprintf(key, sizeof key, "/m/%d/%d", a->id, i);
        int n = snprintf(val, sizeof val, "%d", i);
        struct gt_error err;
        if (gt_store_put(a->s, key, val, (size_t)n, NULL, &err) < 0)
            unit_fail(__FILE__, __LINE__, "put %s: %s", key, err.msg);
    }
    return NULL;
}

BOTH(many_watchers_each_see_every_event_in_order)
{
    enum { WATCHERS = 16, WRITERS = 4, PER = 40, TOTAL = WRITERS * PER };
    struct gt_store *s = f->s;
    struct gt_error err;
    struct gt_store_watch *w[WATCHERS];
    for (int i = 0; i < WATCHERS; i++) {
        struct gt_store_watch_opts o = { .key = "/m/", .prefix = true };
        REQUIRE(gt_store_watch(s, &o, &w[i], &err) == 0);
    }
    pthread_t th[WRITERS];
    struct writer_arg wa[WRITERS];
    for (int i = 0; i < WRITERS; i++) {
        wa[i] = (struct writer_arg){ s, i, PER };
        pthread_create(&th[i], NULL, writer_main, &wa[i]);
    }
    for (int i = 0; i < WRITERS; i++)
        pthread_join(th[i], NULL);
    static struct rec first[TOTAL], ev[TOTAL];
    for (int i = 0; i < WATCHERS; i++) {
        struct rec *out = i == 0 ? first : ev;
        size_t got = collect(w[i], out, TOTAL, 10000);
        CHECK_INT_EQ(got, TOTAL);
        int64_t last = 0;
        int next_of[WRITERS] = { 0 };
        for (size_t k = 0; k < got; k++) {
            CHECK(out[k].mod_rev > last); /* one put per revision, in order */
            last = out[k].mod_rev;
            int wid, seq;
            REQUIRE(sscanf(out[k].key, "/m/%d/%d", &wid, &seq) == 2);
            CHECK_INT_EQ(seq, next_of[wid]++); /* each writer's order kept */
            if (i > 0) {
                CHECK_STR_EQ(out[k].key, first[k].key);
                CHECK_INT_EQ(out[k].mod_rev, first[k].mod_rev);
            }
        }
        gt_store_watch_free(w[i]);
    }
}

BOTH(binary_values_round_trip)
{
    struct gt_store *s = f->s;
    struct gt_error err;
    char val[512];
    for (int i = 0; i < 512; i++)
        val[i] = (char)(i * 7 + 3);
    val[0] = '\0';
    val[100] = '\0';
    struct gt_store_watch_opts o = { .key = "/bin" };
    struct gt_store_watch *w;
    REQUIRE(gt_store_watch(s, &o, &w, &err) == 0);
    int64_t rev;
    REQUIRE(gt_store_put(s, "/bin", val, sizeof val, &rev, &err) == 0);
    struct gt_kv kv;
    REQUIRE(gt_store_get(s, "/bin", 0, &kv, &err) == 0);
    CHECK_INT_EQ(kv.value_len, sizeof val);
    CHECK(memcmp(kv.value, val, sizeof val) == 0);
    CHECK_INT_EQ(kv.value[kv.value_len], 0);
    gt_kv_release(&kv);
    struct gt_store_watch_batch b;
    REQUIRE(gt_store_watch_next(w, 5000, &b, &err) == 0);
    REQUIRE(b.n == 1);
    CHECK_INT_EQ(b.events[0].kv.value_len, sizeof val);
    CHECK(memcmp(b.events[0].kv.value, val, sizeof val) == 0);
    gt_store_watch_batch_release(&b);
    gt_store_watch_free(w);
    /* compare on the binary value */
    struct gt_store_cmp cmp = { .key = "/bin", .target = GT_STORE_CMP_VALUE, .value = val,
                                .value_len = sizeof val };
    struct gt_store_op del = { .type = GT_STORE_OP_DELETE, .key = "/bin" };
    struct gt_store_txn txn = { .cmps = &cmp, .ncmps = 1, .then_ops = &del, .nthen = 1 };
    struct gt_store_txn_result res;
    REQUIRE(gt_store_txn(s, &txn, &res, &err) == 0);
    CHECK(res.succeeded);
    CHECK_INT_EQ(res.results[0].deleted, 1);
    gt_store_txn_result_release(&res);
    /* an empty value is a value */
    REQUIRE(gt_store_put(s, "/empty", "", 0, NULL, &err) == 0);
    REQUIRE(gt_store_get(s, "/empty", 0, &kv, &err) == 0);
    CHECK_INT_EQ(kv.value_len, 0);
    CHECK(kv.value != NULL);
    gt_kv_release(&kv);
}

BOTH(progress_notifications_on_request_and_when_idle)
{
    struct gt_store *s = f->s;
    struct gt_error err;
    put(s, "/other", "1");
    struct gt_store_watch_opts o = { .key = "/prog/", .prefix = true, .progress_notify = true,
                                     .progress_interval_ms = 300 };
    struct gt_store_watch *w;
    REQUIRE(gt_store_watch(s, &o, &w, &err) == 0);
    int64_t r = put(s, "/other", "2");
    REQUIRE(gt_store_watch_request_progress(w, &err) == 0);
    struct gt_store_watch_batch b;
    REQUIRE(gt_store_watch_next(w, 5000, &b, &err) == 0);
    CHECK(b.progress);
    CHECK_INT_EQ(b.n, 0);
    CHECK(b.revision >= r);
    gt_store_watch_batch_release(&b);
    /* idle: another one comes by itself */
    REQUIRE(gt_store_watch_next(w, 5000, &b, &err) == 0);
    CHECK(b.progress);
    CHECK(b.revision >= r);
    gt_store_watch_batch_release(&b);
    /* an event still arrives as an event */
    int64_t r2 = put(s, "/prog/x", "1");
    struct rec ev[1];
    REQUIRE(collect(w, ev, 1, 5000) == 1);
    CHECK_INT_EQ(ev[0].mod_rev, r2);
    gt_store_watch_free(w);
}

struct canceller {
    struct gt_store_watch *w;
};

static void *cancel_main(void *arg)
{
    usleep(200000);
    gt_store_watch_cancel(((struct canceller *)arg)->w);
    return NULL;
}

BOTH(watch_cancel_wakes_a_waiting_next_and_fd_polls)
{
    struct gt_store *s = f->s;
    struct gt_error err;
    struct gt_store_watch_opts o = { .key = "/k" };
    struct gt_store_watch *w;
    REQUIRE(gt_store_watch(s, &o, &w, &err) == 0);
    /* the fd polls readable once there is an event */
    int fd = gt_store_watch_fd(w);
    REQUIRE(fd >= 0);
    struct gt_store_watch_batch b;
    while (gt_store_watch_next(w, 0, &b, &err) == 0)
        gt_store_watch_batch_release(&b);
    put(s, "/k", "v");
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    CHECK_INT_EQ(poll(&pfd, 1, 5000), 1);
    REQUIRE(gt_store_watch_next(w, 1000, &b, &err) == 0);
    CHECK_INT_EQ(b.n, 1);
    gt_store_watch_batch_release(&b);

    struct canceller c = { w };
    pthread_t th;
    pthread_create(&th, NULL, cancel_main, &c);
    CHECK_INT_EQ(gt_store_watch_next(w, 10000, &b, &err), -ECANCELED);
    pthread_join(th, NULL);
    gt_store_watch_free(w);
}

BOTH(second_store_on_the_same_data)
{
    struct gt_error err;
    struct gt_store *t = NULL;
    int r = gt_store_open(&f->opts, &t, &err);
    if (!strcmp(f->backend, "sqlite")) {
        /* one owner per data dir */
        CHECK_INT_EQ(r, -EBUSY);
        CHECK_STR_CONTAINS(err.msg, "in use");
        return;
    }
    /* etcd: two API servers on one etcd see each other's writes and events */
    REQUIRE(r == 0);
    struct gt_store_watch_opts o = { .key = "/ha/", .prefix = true };
    struct gt_store_watch *w;
    REQUIRE(gt_store_watch(t, &o, &w, &err) == 0);
    int64_t rev = put(f->s, "/ha/x", "from-one");
    struct gt_kv kv;
    REQUIRE(gt_store_get(t, "/ha/x", 0, &kv, &err) == 0);
    CHECK_STR_EQ(kv.value, "from-one");
    CHECK_INT_EQ(kv.mod_rev, rev);
    gt_kv_release(&kv);
    struct rec ev[1];
    REQUIRE(collect(w, ev, 1, 5000) == 1);
    CHECK_INT_EQ(ev[0].mod_rev, rev);
    gt_store_watch_free(w);
    gt_store_free(t);
}

BOTH(reopened_store_keeps_data_and_revision)
{
    struct gt_error err;
    int64_t r1 = put(f->s, "/keep", "1");
    gt_store_free(f->s);
    f->s = fx_open(f);
    REQUIRE(f->s);
    CHECK_INT_EQ(current_rev(f->s), r1);
    struct gt_kv kv;
    REQUIRE(gt_store_get(f->s, "/keep", 0, &kv, &err) == 0);
    CHECK_STR_EQ(kv.value, "1");
    gt_kv_release(&kv);
    CHECK_INT_EQ(put(f->s, "/keep", "2"), r1 + 1);
    /* a watch from history after the reopen */
    struct gt_store_watch_opts o = { .key = "/keep", .start_revision = r1 };
    struct gt_store_watch *w;
    REQUIRE(gt_store_watch(f->s, &o, &w, &err) == 0);
    struct rec ev[2];
    REQUIRE(collect(w, ev, 2, 5000) == 2);
    CHECK_STR_EQ(ev[0].value, "1");
    CHECK_STR_EQ(ev[1].value, "2");
    gt_store_watch_free(w);
}

BOTH(bad_requests_are_refused_with_reasons)
{
    struct gt_store *s = f->s;
    struct gt_error err;
    struct gt_store_range_result res;
    struct gt_store_range r = { .key = "" };
    CHECK_INT_EQ(gt_store_range(s, &r, &res, &err), -EINVAL);
    CHECK_STR_CONTAINS(err.msg, "empty key");
    CHECK_INT_EQ(gt_store_put(s, "", "x", 1, NULL, &err), -EINVAL);
    CHECK_STR_CONTAINS(err.msg, "no key");
    struct gt_store_op many[129];
    char keys[129][16];
    for (int i = 0; i < 129; i++) {
        snprintf(keys[i], sizeof keys[i], "/many/%d", i);
        many[i] = (struct gt_store_op){ GT_STORE_OP_PUT, keys[i], "x", 1 };
    }
    struct gt_store_txn txn = { .then_ops = many, .nthen = 129 };
    struct gt_store_txn_result tr;
    CHECK_INT_EQ(gt_store_txn(s, &txn, &tr, &err), -E2BIG);
    CHECK_INT_EQ(gt_store_compact(s, 0, &err), -EINVAL);
    CHECK_INT_EQ(gt_store_update(s, "/u", "x", 1, 0, NULL, NULL, &err), -EINVAL);
    struct gt_store_watch *w;
    struct gt_store_watch_opts o = { .key = "" };
    CHECK_INT_EQ(gt_store_watch(s, &o, &w, &err), -EINVAL);
}

TEST(open_refuses_bad_options_and_leaves_nothing)
{
    struct gt_error err;
    struct gt_store *s = NULL;
    cleanup_free char *dir = gt_path_join(unit_tmpdir(), "never");
    struct gt_store_options o = { .backend = "redis", .data_dir = dir };
    CHECK_INT_EQ(gt_store_open(&o, &s, &err), -EINVAL);
    CHECK_STR_CONTAINS(err.msg, "unknown store backend \"redis\"");
    CHECK(!gt_path_exists(dir));
    o = (struct gt_store_options){ .backend = "sqlite" };
    CHECK_INT_EQ(gt_store_open(&o, &s, &err), -EINVAL);
    CHECK_STR_CONTAINS(err.msg, "no data directory");
    o = (struct gt_store_options){ .backend = "etcd", .endpoints = "ftp://x" };
    CHECK_INT_EQ(gt_store_open(&o, &s, &err), -EINVAL);
    CHECK_STR_CONTAINS(err.msg, "expected http:// or https://");
    int port = free_port();
    cleanup_free char *ep = gt_xasprintf("http://127.0.0.1:%d", port);
    o = (struct gt_store_options){ .backend = "etcd", .endpoints = ep, .timeout_ms = 2000 };
    CHECK_INT_EQ(gt_store_open(&o, &s, &err), -ECONNREFUSED);
    CHECK_STR_CONTAINS(err.msg, "open etcd store: etcd http://127.0.0.1:");
    /* a file where the data dir should be */
    cleanup_free char *file = gt_path_join(unit_tmpdir(), "file");
    REQUIRE(gt_write_file(file, "x", 1, 0600, &err) == 0);
    o = (struct gt_store_options){ .data_dir = file };
    CHECK(gt_store_open(&o, &s, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, file);
}

BOTH(large_values_and_the_request_limit)
{
    struct gt_store *s = f->s;
    struct gt_error err;
    size_t big = 1 << 20;
    cleanup_free char *val = gt_xmalloc(2 * big);
    for (size_t i = 0; i < 2 * big; i++)
        val[i] = (char)('a' + i % 26);
    struct gt_store_watch_opts o = { .key = "/big" };
    struct gt_store_watch *w;
    REQUIRE(gt_store_watch(s, &o, &w, &err) == 0);
    REQUIRE(gt_store_put(s, "/big", val, big, NULL, &err) == 0);
    struct gt_kv kv;
    REQUIRE(gt_store_get(s, "/big", 0, &kv, &err) == 0);
    CHECK_INT_EQ(kv.value_len, big);
    CHECK(memcmp(kv.value, val, big) == 0);
    gt_kv_release(&kv);
    struct gt_store_watch_batch b;
    REQUIRE(gt_store_watch_next(w, 5000, &b, &err) == 0);
    REQUIRE(b.n == 1);
    CHECK_INT_EQ(b.events[0].kv.value_len, big);
    gt_store_watch_batch_release(&b);
    gt_store_watch_free(w);
    /* etcd refuses requests over its --max-request-bytes (1.5 MiB), its
     * gateway over 2 MiB */
    int r = gt_store_put(s, "/bigger", val, big * 8 / 5, NULL, &err);
    if (!strcmp(f->backend, "etcd")) {
        CHECK_INT_EQ(r, -EMSGSIZE);
        CHECK_STR_CONTAINS(err.msg, "too large");
    } else {
        CHECK_INT_EQ(r, 0);
    }
    r = gt_store_put(s, "/bigger", val, 2 * big, NULL, &err);
    if (!strcmp(f->backend, "etcd")) {
        CHECK_INT_EQ(r, -EMSGSIZE);
        CHECK_STR_CONTAINS(err.msg, "larger than max");
    } else {
        CHECK_INT_EQ(r, 0);
    }
}
