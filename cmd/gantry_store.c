/* gantry store-tool - a hidden subcommand over the store (store/store.h),
 * for tests, benchmarks and looking at a store by hand.
 *
 *   gantry store-tool [--backend sqlite|etcd] [--data-dir DIR] [--endpoints URLS]
 *                     [--sync full|normal] [--max-batch N] COMMAND [ARGS]
 *
 *   put KEY VALUE | get KEY [REV] | del KEY | list PREFIX [LIMIT] | compact REV
 *   status | watch PREFIX [FROM_REV [COUNT]]
 *   dump [PREFIX]                 every key: "KEY MOD_REV VALUE"
 *   check [PREFIX]                replays all retained history and checks it
 *   writers THREADS COUNT [PREFIX]
 *                                 THREADS threads each put COUNT new keys and
 *                                 print "KEY REV VALUE" once a put is
 *                                 acknowledged (the durability test)
 *   bench put|get|watch THREADS OPS [VALUE_SIZE]
 *                                 latency p50/p99 and throughput (bench/store.sh)
 */
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/mem.h"
#include "cmd/gantry.h"
#include "store/store.h"

struct tool {
    struct gt_store *s;
    struct gt_error err;
};

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int fail(struct gt_error *err)
{
    fprintf(stderr, "gantry store-tool: %s\n", err->msg);
    return 1;
}

static int64_t arg_int(const char *s, const char *what)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < 0) {
        fprintf(stderr, "gantry store-tool: %s: \"%s\" is not a number\n", what, s);
        exit(2);
    }
    return v;
}

/* ---- small commands ---- */

static int cmd_put(struct tool *t, int argc, char **argv)
{
    if (argc != 3)
        return 2;
    int64_t rev;
    if (gt_store_put(t->s, argv[1], argv[2], strlen(argv[2]), &rev, &t->err) < 0)
        return fail(&t->err);
    printf("%" PRId64 "\n", rev);
    return 0;
}

static void print_kv(const struct gt_kv *kv)
{
    printf("%s %" PRId64 " ", kv->key, kv->mod_rev);
    if (kv->value)
        fwrite(kv->value, 1, kv->value_len, stdout);
    putchar('\n');
}

static int cmd_get(struct tool *t, int argc, char **argv)
{
    if (argc < 2 || argc > 3)
        return 2;
    struct gt_kv kv;
    if (gt_store_get(t->s, argv[1], argc > 2 ? arg_int(argv[2], "revision") : 0, &kv,
                     &t->err) < 0)
        return fail(&t->err);
    print_kv(&kv);
    gt_kv_release(&kv);
    return 0;
}

static int cmd_del(struct tool *t, int argc, char **argv)
{
    if (argc != 2)
        return 2;
    int64_t rev;
    if (gt_store_delete(t->s, argv[1], 0, &rev, NULL, &t->err) < 0)
        return fail(&t->err);
    printf("%" PRId64 "\n", rev);
    return 0;
}

static int cmd_compact(struct tool *t, int argc, char **argv)
{
    if (argc != 2)
        return 2;
    if (gt_store_compact(t->s, arg_int(argv[1], "revision"), &t->err) < 0)
        return fail(&t->err);
    return 0;
}

static int cmd_status(struct tool *t, int argc, char **argv)
{
    struct gt_store_status st;
    if (gt_store_status(t->s, &st, &t->err) < 0)
        return fail(&t->err);
    printf("backend %s\nrevision %" PRId64 "\ncompact_revision %" PRId64 "\ndb_size %" PRId64 "\n",
           gt_store_backend_name(t->s), st.revision, st.compact_revision, st.db_size);
    return 0;
}

/* list and dump: every key under the prefix, a page at a time */
static int list_keys(struct tool *t, const char *prefix, int64_t limit)
{
    struct gt_store_range r = { .key = prefix, .prefix = true, .limit = 1000 };
    cleanup_free char *after = NULL;
    int64_t shown = 0;
    for (;;) {
        struct gt_store_range_result res;
        r.after = after;
        if (gt_store_range(t->s, &r, &res, &t->err) < 0)
            return fail(&t->err);
        r.revision = res.revision; /* every page at the first one's revision */
        for (size_t i = 0; i < res.n && (!limit || shown < limit); i++, shown++)
            print_kv(&res.kvs[i]);
        bool more = res.more && res.n > 0 && (!limit || shown < limit);
        if (more) {
            free(after);
            after = gt_xstrdup(res.kvs[res.n - 1].key);
        }
        gt_store_range_result_release(&res);
        if (!more)
            return 0;
    }
}

static int cmd_list(struct tool *t, int argc, char **argv)
{
    if (argc < 2 || argc > 3)
        return 2;
    return list_keys(t, argv[1], argc > 2 ? arg_int(argv[2], "limit") : 0);
}

static int cmd_dump(struct tool *t, int argc, char **argv)
{
    return list_keys(t, argc > 1 ? argv[1] : "", 0);
}

static int cmd_watch(struct tool *t, int argc, char **argv)
{
    if (argc < 2 || argc > 4)
        return 2;
    struct gt_store_watch_opts o = { .key = argv[1], .prefix = true, .prev_kv = true };
    if (argc > 2)
        o.start_revision = arg_int(argv[2], "revision");
    int64_t count = argc > 3 ? arg_int(argv[3], "count") : 0, seen = 0;
    struct gt_store_watch *w;
    if (gt_store_watch(t->s, &o, &w, &t->err) < 0)
        return fail(&t->err);
    int rc = 0;
    while (!count || seen < count) {
        struct gt_store_watch_batch b;
        int r = gt_store_watch_next(w, -1, &b, &t->err);
        if (r < 0) {
            rc = fail(&t->err);
            break;
        }
        for (size_t i = 0; i < b.n; i++, seen++) {
            printf("%s ", b.events[i].type == GT_STORE_EVENT_PUT ? "PUT" : "DELETE");
            print_kv(&b.events[i].kv);
        }
        fflush(stdout);
        gt_store_watch_batch_release(&b);
    }
    gt_store_watch_free(w);
    return rc;
}

/* ---- check: replay the retained history and test its invariants ---- */

struct key_state {
    char *key;
    int64_t create_rev, mod_rev, version;
    char *value;
    size_t value_len;
    bool live;
};

struct ks_map {
    struct key_state *slots;
    size_t cap, n;
};

static size_t hash_str(const char *s)
{
    size_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static struct key_state *map_get(struct ks_map *m, const char *key)
{
    if ((m->n + 1) * 2 > m->cap) {
        struct ks_map n = { .cap = m->cap ? m->cap * 2 : 1024 };
        n.slots = gt_xcalloc(n.cap, sizeof *n.slots);
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->slots[i].key)
                continue;
            size_t j = hash_str(m->slots[i].key) & (n.cap - 1);
            while (n.slots[j].key)
                j = (j + 1) & (n.cap - 1);
            n.slots[j] = m->slots[i];
        }
        n.n = m->n;
        free(m->slots);
        *m = n;
    }
    size_t j = hash_str(key) & (m->cap - 1);
    while (m->slots[j].key && strcmp(m->slots[j].key, key) != 0)
        j = (j + 1) & (m->cap - 1);
    if (!m->slots[j].key) {
        m->slots[j].key = gt_xstrdup(key);
        m->n++;
    }
    return &m->slots[j];
}

static int cmd_check(struct tool *t, int argc, char **argv)
{
    const char *prefix = argc > 1 ? argv[1] : "";
    struct gt_store_status st;
    if (gt_store_status(t->s, &st, &t->err) < 0)
        return fail(&t->err);
    int64_t from = st.compact_revision > 0 ? st.compact_revision : 1, to = st.revision;
    /* the state at the start of the replay, then every change after it */
    struct gt_store_range r = { .key = prefix, .prefix = true, .revision = from > 1 ? from - 1 : 0 };
    struct ks_map m = { 0 };
    int problems = 0;
    if (from > 1) {
        struct gt_store_range_result res;
        if (gt_store_range(t->s, &r, &res, &t->err) < 0)
            return fail(&t->err);
        for (size_t i = 0; i < res.n; i++) {
            struct key_state *k = map_get(&m, res.kvs[i].key);
            k->live = true;
            k->create_rev = res.kvs[i].create_rev;
            k->mod_rev = res.kvs[i].mod_rev;
            k->version = res.kvs[i].version;
        }
        gt_store_range_result_release(&res);
    }
    int64_t events = 0, last_rev = from - 1;
    if (to >= from) {
        struct gt_store_watch_opts o = { .key = prefix, .prefix = true, .start_revision = from };
        struct gt_store_watch *w;
        if (gt_store_watch(t->s, &o, &w, &t->err) < 0)
            return fail(&t->err);
        while (last_rev < to) {
            struct gt_store_watch_batch b;
            int rc = gt_store_watch_next(w, 10000, &b, &t->err);
            if (rc < 0) {
                gt_store_watch_free(w);
                return fail(&t->err);
            }
            for (size_t i = 0; i < b.n; i++, events++) {
                const struct gt_store_event *e = &b.events[i];
                int64_t rev = e->kv.mod_rev;
                if (rev < last_rev) {
                    printf("revision %" PRId64 " after %" PRId64 "\n", rev, last_rev);
                    problems++;
                }
                /* a whole-store check sees every revision: none may be missing
                 * (etcd's revision 1 is its empty start, without a change) */
                if (!prefix[0] && rev > last_rev + 1 &&
                    !(last_rev == 0 && rev == 2 && strcmp(gt_store_backend_name(t->s), "etcd") == 0)) {
                    printf("revisions %" PRId64 "..%" PRId64 " are missing\n", last_rev + 1,
                           rev - 1);
                    problems++;
                }
                last_rev = rev;
                struct key_state *k = map_get(&m, e->kv.key);
                if (e->type == GT_STORE_EVENT_PUT) {
                    int64_t want_v = k->live ? k->version + 1 : 1;
                    int64_t want_c = k->live ? k->create_rev : rev;
                    if (e->kv.version != want_v || e->kv.create_rev != want_c) {
                        printf("%s at %" PRId64 ": version %" PRId64 " create %" PRId64
                               ", expected %" PRId64 " %" PRId64 "\n",
                               e->kv.key, rev, e->kv.version, e->kv.create_rev, want_v, want_c);
                        problems++;
                    }
                    k->live = true;
                    k->version = e->kv.version;
                    k->create_rev = e->kv.create_rev;
                    k->mod_rev = rev;
                    free(k->value);
                    k->value = gt_xstrndup(e->kv.value, e->kv.value_len);
                    k->value_len = e->kv.value_len;
                } else {
                    if (!k->live) {
                        printf("%s deleted at %" PRId64 " while absent\n", e->kv.key, rev);
                        problems++;
                    }
                    k->live = false;
                }
            }
            if (b.progress && b.revision >= to)
                last_rev = to;
            gt_store_watch_batch_release(&b);
        }
        gt_store_watch_free(w);
    }
    /* the replayed state must be what a read at the same revision sees */
    r = (struct gt_store_range){ .key = prefix, .prefix = true, .revision = to ? to : 0 };
    struct gt_store_range_result res;
    if (gt_store_range(t->s, &r, &res, &t->err) < 0)
        return fail(&t->err);
    size_t live = 0;
    for (size_t i = 0; i < m.cap; i++)
        live += m.slots[i].key && m.slots[i].live;
    if (live != res.n) {
        printf("replay gives %zu keys, a read %zu\n", live, res.n);
        problems++;
    }
    for (size_t i = 0; i < res.n; i++) {
        struct key_state *k = map_get(&m, res.kvs[i].key);
        if (!k->live || k->mod_rev != res.kvs[i].mod_rev || k->version != res.kvs[i].version ||
            (from == 1 && (k->value_len != res.kvs[i].value_len ||
                           memcmp(k->value, res.kvs[i].value, k->value_len) != 0))) {
            printf("%s: replay and read disagree\n", res.kvs[i].key);
            problems++;
        }
    }
    gt_store_range_result_release(&res);
    for (size_t i = 0; i < m.cap; i++) {
        free(m.slots[i].key);
        free(m.slots[i].value);
    }
    free(m.slots);
    printf("%s: revisions %" PRId64 "..%" PRId64 ", %" PRId64 " events, %zu keys\n",
           problems ? "INCONSISTENT" : "consistent", from, to, events, live);
    return problems ? 1 : 0;
}

/* ---- writers: the durability test's load ---- */

struct writer {
    struct gt_store *s;
    const char *prefix;
    int id;
    int64_t count;
    pthread_mutex_t *out_lock;
    int failed;
};

static void *writer_main(void *arg)
{
    struct writer *w = arg;
    for (int64_t i = 0; i < w->count; i++) {
        char key[256], val[128], line[512];
        snprintf(key, sizeof key, "%s%d/%" PRId64, w->prefix, w->id, i);
        int vlen = snprintf(val, sizeof val, "value-%d-%" PRId64 "-%08x", w->id, i,
                            (unsigned)(w->id * 2654435761u + (unsigned)i));
        int64_t rev;
        struct gt_error err;
        if (gt_store_put(w->s, key, val, (size_t)vlen, &rev, &err) < 0) {
            fprintf(stderr, "gantry store-tool: %s\n", err.msg);
            w->failed = 1;
            return NULL;
        }
        /* one write(2) per line, so that a kill never leaves half a line
         * claimed in the middle of the output */
        int n = snprintf(line, sizeof line, "%s %" PRId64 " %s\n", key, rev, val);
        pthread_mutex_lock(w->out_lock);
        ssize_t wr = write(STDOUT_FILENO, line, (size_t)n);
        pthread_mutex_unlock(w->out_lock);
        if (wr != n) {
            w->failed = 1;
            return NULL;
        }
    }
    return NULL;
}

static int cmd_writers(struct tool *t, int argc, char **argv)
{
    if (argc < 3 || argc > 4)
        return 2;
    int threads = (int)arg_int(argv[1], "threads");
    int64_t count = arg_int(argv[2], "count");
    const char *prefix = argc > 3 ? argv[3] : "/durability/";
    pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
    struct writer *ws = gt_xcalloc((size_t)threads, sizeof *ws);
    pthread_t *th = gt_xcalloc((size_t)threads, sizeof *th);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    int started = 0, rc = 0;
    for (int i = 0; i < threads; i++) {
        ws[i] = (struct writer){ t->s, prefix, i, count, &out_lock, 0 };
        if (pthread_create(&th[i], &attr, writer_main, &ws[i]) != 0) {
            fprintf(stderr, "gantry store-tool: could start only %d threads\n", i);
            rc = 1;
            break;
        }
        started++;
    }
    for (int i = 0; i < started; i++) {
        pthread_join(th[i], NULL);
        rc |= ws[i].failed;
    }
    pthread_attr_destroy(&attr);
    free(ws);
    free(th);
    return rc;
}

/* ---- bench ---- */

struct bench_thread {
    struct gt_store *s;
    int id;
    int64_t ops;
    size_t value_size;
    bool get;
    int64_t *lat; /* ns per op */
    int failed;
};

static void *bench_main(void *arg)
{
    struct bench_thread *b = arg;
    char *val = gt_xmalloc(b->value_size + 1);
    memset(val, 'x', b->value_size);
    for (int64_t i = 0; i < b->ops; i++) {
        char key[128];
        snprintf(key, sizeof key, "/bench/%d/%" PRId64, b->id, b->get ? i % 100 : i);
        struct gt_error err;
        int64_t t0 = now_ns();
        int r;
        if (b->get) {
            struct gt_kv kv;
            r = gt_store_get(b->s, key, 0, &kv, &err);
            gt_kv_release(&kv);
        } else {
            r = gt_store_put(b->s, key, val, b->value_size, NULL, &err);
        }
        b->lat[i] = now_ns() - t0;
        if (r < 0) {
            fprintf(stderr, "gantry store-tool: %s\n", err.msg);
            b->failed = 1;
            break;
        }
    }
    free(val);
    return NULL;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void print_lat(const char *backend, const char *op, int threads, int64_t *lat, int64_t n,
                      int64_t wall_ns)
{
    qsort(lat, (size_t)n, sizeof *lat, cmp_i64);
    printf("backend=%s op=%s threads=%d ops=%" PRId64 " p50_us=%.1f p99_us=%.1f ops_per_s=%.0f\n",
           backend, op, threads, n, n ? lat[n / 2] / 1e3 : 0.0,
           n ? lat[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1] / 1e3 : 0.0,
           wall_ns ? n * 1e9 / wall_ns : 0.0);
}

struct fan_watcher {
    struct gt_store_watch *w;
    int64_t expect;
    int64_t *lat;
    int64_t got;
};

static void *fan_main(void *arg)
{
    struct fan_watcher *f = arg;
    while (f->got < f->expect) {
        struct gt_store_watch_batch b;
        struct gt_error err;
        if (gt_store_watch_next(f->w, 30000, &b, &err) < 0)
            break;
        int64_t now = now_ns();
        for (size_t i = 0; i < b.n && f->got < f->expect; i++)
            f->lat[f->got++] = now - strtoll(b.events[i].kv.value, NULL, 10);
        gt_store_watch_batch_release(&b);
    }
    return NULL;
}

/* One writer puts OPS values holding the time of the put; THREADS watchers
 * note when each arrives. */
static int bench_watch(struct tool *t, int watchers, int64_t ops)
{
    struct fan_watcher *fw = gt_xcalloc((size_t)watchers, sizeof *fw);
    pthread_t *th = gt_xcalloc((size_t)watchers, sizeof *th);
    int rc = 0;
    for (int i = 0; i < watchers; i++) {
        struct gt_store_watch_opts o = { .key = "/fanout/", .prefix = true };
        if (gt_store_watch(t->s, &o, &fw[i].w, &t->err) < 0)
            return fail(&t->err);
        fw[i].expect = ops;
        fw[i].lat = gt_xcalloc((size_t)ops, sizeof *fw[i].lat);
        pthread_create(&th[i], NULL, fan_main, &fw[i]);
    }
    for (int64_t i = 0; i < ops && rc == 0; i++) {
        char val[32];
        int n = snprintf(val, sizeof val, "%" PRId64, now_ns());
        if (gt_store_put(t->s, "/fanout/k", val, (size_t)n, NULL, &t->err) < 0)
            rc = fail(&t->err);
        usleep(1000); /* spread out: this measures latency, not throughput */
    }
    int64_t *all = gt_xcalloc((size_t)(ops * watchers), sizeof *all), n = 0;
    for (int i = 0; i < watchers; i++) {
        if (rc)
            gt_store_watch_cancel(fw[i].w);
        pthread_join(th[i], NULL);
        memcpy(all + n, fw[i].lat, (size_t)fw[i].got * sizeof *all);
        n += fw[i].got;
        gt_store_watch_free(fw[i].w);
        free(fw[i].lat);
    }
    if (n != ops * watchers) {
        fprintf(stderr, "gantry store-tool: watchers saw %" PRId64 " of %" PRId64 " events\n", n,
                ops * watchers);
        rc = 1;
    }
    print_lat(gt_store_backend_name(t->s), "watch", watchers, all, n, 0);
    free(all);
    free(fw);
    free(th);
    return rc;
}

static int cmd_bench(struct tool *t, int argc, char **argv)
{
    if (argc < 4 || argc > 5)
        return 2;
    const char *op = argv[1];
    int threads = (int)arg_int(argv[2], "threads");
    int64_t ops = arg_int(argv[3], "ops");
    size_t vsize = argc > 4 ? (size_t)arg_int(argv[4], "value size") : 256;
    if (threads < 1 || ops < threads) {
        fprintf(stderr, "gantry store-tool: bench needs threads >= 1 and ops >= threads\n");
        return 2;
    }
    if (!strcmp(op, "watch"))
        return bench_watch(t, threads, ops);
    bool get = !strcmp(op, "get");
    if (!get && strcmp(op, "put") != 0)
        return 2;
    if (get) { /* the keys the readers read */
        for (int i = 0; i < threads; i++)
            for (int k = 0; k < 100; k++) {
                char key[128];
                snprintf(key, sizeof key, "/bench/%d/%d", i, k);
                if (gt_store_put(t->s, key, "value", 5, NULL, &t->err) < 0)
                    return fail(&t->err);
            }
    }
    struct bench_thread *bt = gt_xcalloc((size_t)threads, sizeof *bt);
    pthread_t *th = gt_xcalloc((size_t)threads, sizeof *th);
    int64_t per = ops / threads;
    int64_t *lat = gt_xcalloc((size_t)(per * threads), sizeof *lat);
    int64_t t0 = now_ns();
    for (int i = 0; i < threads; i++) {
        bt[i] = (struct bench_thread){ t->s, i, per, vsize, get, lat + i * per, 0 };
        pthread_create(&th[i], NULL, bench_main, &bt[i]);
    }
    int rc = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(th[i], NULL);
        rc |= bt[i].failed;
    }
    int64_t wall = now_ns() - t0;
    if (rc == 0)
        print_lat(gt_store_backend_name(t->s), op, threads, lat, per * threads, wall);
    free(lat);
    free(bt);
    free(th);
    return rc;
}

/* ---- main ---- */

static const struct {
    const char *name;
    int (*run)(struct tool *t, int argc, char **argv);
} tool_commands[] = {
    { "put", cmd_put },         { "get", cmd_get },       { "del", cmd_del },
    { "list", cmd_list },       { "dump", cmd_dump },     { "compact", cmd_compact },
    { "status", cmd_status },   { "watch", cmd_watch },   { "check", cmd_check },
    { "writers", cmd_writers }, { "bench", cmd_bench },
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: gantry store-tool [--backend sqlite|etcd] [--data-dir DIR] [--endpoints URLS]\n"
            "                         [--sync full|normal] [--max-batch N] COMMAND [ARGS]\n"
            "commands: put KEY VALUE | get KEY [REV] | del KEY | list PREFIX [LIMIT] |\n"
            "  dump [PREFIX] | compact REV | status | watch PREFIX [FROM [COUNT]] |\n"
            "  check [PREFIX] | writers THREADS COUNT [PREFIX] |\n"
            "  bench put|get|watch THREADS OPS [VALUE_SIZE]\n");
}

int gantry_cmd_store_tool(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "backend", required_argument, NULL, 'b' },
        { "data-dir", required_argument, NULL, 'd' },
        { "endpoints", required_argument, NULL, 'e' },
        { "sync", required_argument, NULL, 's' },
        { "max-batch", required_argument, NULL, 'm' },
        { "help", no_argument, NULL, 'h' },
        { 0 },
    };
    struct gt_store_options o = { .backend = getenv("GANTRY_STORE_BACKEND"),
                                  .data_dir = getenv("GANTRY_STORE_DIR"),
                                  .endpoints = getenv("GANTRY_ETCD_ENDPOINTS") };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
        switch (c) {
        case 'b':
            o.backend = optarg;
            break;
        case 'd':
            o.data_dir = optarg;
            break;
        case 'e':
            o.endpoints = optarg;
            break;
        case 's':
            if (!strcmp(optarg, "normal"))
                o.sync = GT_STORE_SYNC_NORMAL;
            else if (strcmp(optarg, "full") != 0) {
                fprintf(stderr, "gantry store-tool: --sync: expected full or normal\n");
                return 2;
            }
            break;
        case 'm':
            o.max_batch = (int)arg_int(optarg, "--max-batch");
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return 2;
    }
    const char *name = argv[optind];
    for (size_t i = 0; i < sizeof tool_commands / sizeof tool_commands[0]; i++) {
        if (strcmp(name, tool_commands[i].name) != 0)
            continue;
        struct tool t = { 0 };
        if (gt_store_open(&o, &t.s, &t.err) < 0)
            return fail(&t.err);
        int rc = tool_commands[i].run(&t, argc - optind, argv + optind);
        gt_store_free(t.s);
        if (rc == 2)
            usage(stderr);
        return rc;
    }
    fprintf(stderr, "gantry store-tool: unknown command \"%s\"\n", name);
    usage(stderr);
    return 2;
}
