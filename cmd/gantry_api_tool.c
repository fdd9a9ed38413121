/* gantry api-tool - a hidden load generator for the Kubernetes API, over
 * http/client.h, for the durability test and bench/api.sh.
 *
 *   gantry api-tool [--server URL] [--ca F --cert F --key F | --token T]
 *                   [--namespace NS] COMMAND ...
 *
 *   create-configmaps CLIENTS COUNT PREFIX
 *        CLIENTS threads create COUNT ConfigMaps PREFIX-<i> between them
 *        and print "NAME RESOURCEVERSION" (flushed) for each one answered
 *        201 Created: the durability test's record of acknowledged writes.
 *   bench create|get|list|watch CLIENTS OPS
 *        latency p50/p99 (ms) and throughput of OPS operations spread over
 *        CLIENTS threads, one connection each.  get reads one of the
 *        objects "create" made; list lists the namespace (limit=500);
 *        watch measures the time from a write being sent to its event
 *        arriving on CLIENTS watches (OPS writes, one at a time).
 *   watchers WATCHERS EVENTS
 *        WATCHERS watches of the namespace's ConfigMaps, EVENTS writes;
 *        event delivery latency (from the create request being sent, so
 *        the write itself is included) p50/p99 over every (watch, event),
 *        and the time until the last watch had each event.
 * Output lines are "key value" pairs that bench/api.sh reads. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/mem.h"
#include "cmd/gantry.h"
#include "http/client.h"

struct tool {
    struct gt_http_client_opts copts;
    const char *ns;
};

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static struct gt_http_client *client(struct tool *t)
{
    struct gt_http_client *c;
    struct gt_error err = { 0 };
    if (gt_http_client_new(&t->copts, &c, &err) < 0) {
        fprintf(stderr, "gantry api-tool: %s\n", err.msg);
        exit(1);
    }
    return c;
}

static int post_cm(struct gt_http_client *c, const char *ns, const char *name, int *status,
                   char *rv, size_t rvlen)
{
    char path[512], body[512];
    snprintf(path, sizeof path, "/api/v1/namespaces/%s/configmaps", ns);
    int n = snprintf(body, sizeof body,
                     "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"%s\"},"
                     "\"data\":{\"k\":\"v\"}}",
                     name);
    static const char *const hdrs[] = { "Content-Type: application/json",
                                        "Accept: application/json", NULL };
    struct gt_http_response resp = { 0 };
    struct gt_error err = { 0 };
    int rc = gt_http_client_request(c, "POST", path, hdrs, body, (size_t)n, &resp, &err);
    if (rc < 0)
        return rc;
    *status = resp.status;
    if (rv) {
        rv[0] = 0;
        const char *p = resp.body ? strstr(resp.body, "\"resourceVersion\":\"") : NULL;
        if (p) {
            p += 19;
            size_t l = strcspn(p, "\"");
            if (l < rvlen) {
                memcpy(rv, p, l);
                rv[l] = 0;
            }
        }
    }
    gt_http_response_release(&resp);
    return 0;
}

/* ---- create-configmaps ---- */

struct creator {
    struct tool *t;
    const char *prefix;
    int from, to;
    pthread_mutex_t *out;
};

static void *create_worker(void *arg)
{
    struct creator *w = arg;
    struct gt_http_client *c = client(w->t);
    for (int i = w->from; i < w->to; i++) {
        char name[256], rv[32];
        snprintf(name, sizeof name, "%s-%d", w->prefix, i);
        int status = 0;
        if (post_cm(c, w->t->ns, name, &status, rv, sizeof rv) == 0 && status == 201) {
            pthread_mutex_lock(w->out);
            printf("%s %s\n", name, rv);
            fflush(stdout);
            pthread_mutex_unlock(w->out);
        }
    }
    gt_http_client_free(c);
    return NULL;
}

static int cmd_create(struct tool *t, int clients, int count, const char *prefix)
{
    pthread_t *th = gt_xcalloc((size_t)clients, sizeof *th);
    struct creator *w = gt_xcalloc((size_t)clients, sizeof *w);
    pthread_mutex_t out = PTHREAD_MUTEX_INITIALIZER;
    for (int i = 0; i < clients; i++) {
        w[i] = (struct creator){ t, prefix, count * i / clients, count * (i + 1) / clients, &out };
        pthread_create(&th[i], NULL, create_worker, &w[i]);
    }
    for (int i = 0; i < clients; i++)
        pthread_join(th[i], NULL);
    free(th);
    free(w);
    return 0;
}

/* ---- latency statistics ---- */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void report(const char *what, int64_t *lat, size_t n, int64_t wall_ns)
{
    if (!n) {
        printf("%s ops 0\n", what);
        return;
    }
    qsort(lat, n, sizeof *lat, cmp_i64);
    double p50 = lat[n / 2] / 1e6, p99 = lat[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1] / 1e6;
    printf("%s ops %zu p50_ms %.3f p99_ms %.3f max_ms %.3f throughput_per_s %.0f\n", what, n, p50,
           p99, lat[n - 1] / 1e6, wall_ns > 0 ? n / (wall_ns / 1e9) : 0.0);
}

/* ---- bench ---- */

struct bench {
    struct tool *t;
    const char *op;
    int id, ops;
    int64_t *lat;
    atomic_int *errors;
};

static void *bench_worker(void *arg)
{
    struct bench *b = arg;
    struct gt_http_client *c = client(b->t);
    static const char *const hdrs[] = { "Accept: application/json", NULL };
    for (int i = 0; i < b->ops; i++) {
        char path[512], name[128];
        snprintf(name, sizeof name, "bench-%d-%d", b->id, i);
        int64_t t0 = now_ns();
        int status = 0;
        int rc;
        if (!strcmp(b->op, "create")) {
            rc = post_cm(c, b->t->ns, name, &status, NULL, 0);
            if (rc == 0 && status != 201)
                rc = -1;
        } else {
            if (!strcmp(b->op, "get"))
                snprintf(path, sizeof path, "/api/v1/namespaces/%s/configmaps/bench-%d-%d",
                         b->t->ns, b->id, i);
            else
                snprintf(path, sizeof path, "/api/v1/namespaces/%s/configmaps?limit=500",
                         b->t->ns);
            struct gt_http_response resp = { 0 };
            struct gt_error err = { 0 };
            rc = gt_http_client_request(c, "GET", path, hdrs, NULL, 0, &resp, &err);
            if (rc == 0 && resp.status != 200)
                rc = -1;
            gt_http_response_release(&resp);
        }
        b->lat[i] = now_ns() - t0;
        if (rc < 0)
            atomic_fetch_add(b->errors, 1);
    }
    gt_http_client_free(c);
    return NULL;
}

/* ---- watch delivery ---- */

struct wctx {
    struct tool *t;
    int events;
    const char *prefix;
    int64_t *sent;      /* per event, the time its write was acknowledged */
    int64_t *lat;       /* per event, this watch's delivery latency */
    atomic_int *ready;
    atomic_int seen;
    char rv[32];
};

static int on_line(const char *data, size_t len, void *ctx)
{
    struct wctx *w = ctx;
    /* the name is all we need: "name":"<prefix>-<i>" */
    char needle[160];
    int n = snprintf(needle, sizeof needle, "\"name\":\"%s-", w->prefix);
    const char *p = memmem(data, len, needle, (size_t)n);
    if (!p)
        return 0;
    int idx = atoi(p + n);
    if (idx < 0 || idx >= w->events)
        return 0;
    int64_t t = now_ns();
    int64_t s = __atomic_load_n(&w->sent[idx], __ATOMIC_ACQUIRE);
    w->lat[idx] = s && t > s ? t - s : 1;
    if (atomic_fetch_add(&w->seen, 1) + 1 >= w->events)
        return 1;
    return 0;
}

static void *watch_worker(void *arg)
{
    struct wctx *w = arg;
    struct gt_http_client_opts o = w->t->copts;
    o.timeout_ms = -1;
    struct gt_http_client *c;
    struct gt_error err = { 0 };
    if (gt_http_client_new(&o, &c, &err) < 0) {
        fprintf(stderr, "gantry api-tool: %s\n", err.msg);
        atomic_fetch_add(w->ready, 1);
        return NULL;
    }
    char path[512];
    snprintf(path, sizeof path, "/api/v1/namespaces/%s/configmaps?watch=true&resourceVersion=%s",
             w->t->ns, w->rv);
    static const char *const hdrs[] = { "Accept: application/json", NULL };
    struct gt_http_response resp = { 0 };
    atomic_fetch_add(w->ready, 1);
    gt_http_client_stream(c, "GET", path, hdrs, NULL, 0, GT_HTTP_LINES, 60000, on_line, w, &resp,
                          &err);
    gt_http_response_release(&resp);
    gt_http_client_free(c);
    return NULL;
}

/* The current resourceVersion of the namespace's ConfigMap list. */
static void list_rv(struct tool *t, char rv[32])
{
    struct gt_http_client *c = client(t);
    char path[512];
    snprintf(path, sizeof path, "/api/v1/namespaces/%s/configmaps?limit=1", t->ns);
    struct gt_http_response resp = { 0 };
    struct gt_error err = { 0 };
    rv[0] = 0;
    if (gt_http_client_request(c, "GET", path, NULL, NULL, 0, &resp, &err) == 0 && resp.body) {
        const char *p = strstr(resp.body, "\"resourceVersion\":\"");
        if (p) {
            p += 19;
            size_t l = strcspn(p, "\"");
            if (l < 32) {
                memcpy(rv, p, l);
                rv[l] = 0;
            }
        }
    }
    gt_http_response_release(&resp);
    gt_http_client_free(c);
}

static int watch_delivery(struct tool *t, int watchers, int events, const char *what)
{
    char prefix[64];
    snprintf(prefix, sizeof prefix, "w%lld", (long long)(now_ns() % 1000000000));
    int64_t *sent = gt_xcalloc((size_t)events, sizeof *sent);
    struct wctx *w = gt_xcalloc((size_t)watchers, sizeof *w);
    pthread_t *th = gt_xcalloc((size_t)watchers, sizeof *th);
    atomic_int ready = 0;
    char rv[32];
    list_rv(t, rv);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    for (int i = 0; i < watchers; i++) {
        w[i] = (struct wctx){ .t = t, .events = events, .prefix = prefix, .sent = sent,
                              .ready = &ready };
        w[i].lat = gt_xcalloc((size_t)events, sizeof *w[i].lat);
        snprintf(w[i].rv, sizeof w[i].rv, "%s", rv);
        pthread_create(&th[i], &attr, watch_worker, &w[i]);
    }
    pthread_attr_destroy(&attr);
    while (atomic_load(&ready) < watchers)
        usleep(1000);
    usleep(300000); /* let the watches reach the server */
    struct gt_http_client *c = client(t);
    int64_t t0 = now_ns();
    for (int i = 0; i < events; i++) {
        char name[160];
        snprintf(name, sizeof name, "%s-%d", prefix, i);
        int status;
        __atomic_store_n(&sent[i], now_ns(), __ATOMIC_RELEASE);
        if (post_cm(c, t->ns, name, &status, NULL, 0) < 0 || status != 201)
            fprintf(stderr, "gantry api-tool: create %s failed\n", name);
        usleep(events > 1 ? 20000 : 0); /* one event at a time, not a burst */
    }
    for (int i = 0; i < watchers; i++)
        pthread_join(th[i], NULL);
    int64_t wall = now_ns() - t0;
    gt_http_client_free(c);
    size_t n = 0, missing = 0;
    int64_t *all = gt_xmalloc((size_t)watchers * (size_t)events * sizeof *all);
    int64_t *last = gt_xcalloc((size_t)events, sizeof *last);
    for (int i = 0; i < watchers; i++)
        for (int e = 0; e < events; e++) {
            if (w[i].lat[e] > 0) {
                all[n++] = w[i].lat[e];
                if (w[i].lat[e] > last[e])
                    last[e] = w[i].lat[e];
            } else {
                missing++;
            }
        }
    char label[64];
    snprintf(label, sizeof label, "%s", what);
    report(label, all, n, wall);
    snprintf(label, sizeof label, "%s_last_watcher", what);
    report(label, last, (size_t)events, wall);
    printf("%s missing %zu\n", what, missing);
    for (int i = 0; i < watchers; i++)
        free(w[i].lat);
    free(all);
    free(last);
    free(w);
    free(th);
    free(sent);
    return missing ? 1 : 0;
}

static int cmd_bench(struct tool *t, const char *op, int clients, int ops)
{
    if (!strcmp(op, "watch")) {
        char label[32];
        snprintf(label, sizeof label, "watch_c%d", clients);
        return watch_delivery(t, clients, ops, label);
    }
    pthread_t *th = gt_xcalloc((size_t)clients, sizeof *th);
    struct bench *b = gt_xcalloc((size_t)clients, sizeof *b);
    atomic_int errors = 0;
    int per = ops / clients;
    if (per < 1)
        per = 1;
    int64_t t0 = now_ns();
    for (int i = 0; i < clients; i++) {
        b[i] = (struct bench){ t, op, i, per, gt_xcalloc((size_t)per, sizeof(int64_t)), &errors };
        pthread_create(&th[i], NULL, bench_worker, &b[i]);
    }
    for (int i = 0; i < clients; i++)
        pthread_join(th[i], NULL);
    int64_t wall = now_ns() - t0;
    int64_t *all = gt_xmalloc((size_t)clients * (size_t)per * sizeof *all);
    size_t n = 0;
    for (int i = 0; i < clients; i++) {
        memcpy(all + n, b[i].lat, (size_t)per * sizeof *all);
        n += (size_t)per;
        free(b[i].lat);
    }
    char label[64];
    snprintf(label, sizeof label, "%s_c%d", op, clients);
    report(label, all, n, wall);
    if (atomic_load(&errors))
        printf("%s errors %d\n", label, atomic_load(&errors));
    free(all);
    free(b);
    free(th);
    return atomic_load(&errors) ? 1 : 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: gantry api-tool [--server URL] [--ca F --cert F --key F | --token T] "
                    "[--namespace NS]\n"
                    "       create-configmaps CLIENTS COUNT PREFIX | bench OP CLIENTS OPS | "
                    "watchers WATCHERS EVENTS\n");
    return 2;
}

int gantry_cmd_api_tool(int argc, char **argv)
{
    static const struct option opts[] = {
        { "server", required_argument, NULL, 's' },   { "ca", required_argument, NULL, 'a' },
        { "cert", required_argument, NULL, 'c' },     { "key", required_argument, NULL, 'k' },
        { "token", required_argument, NULL, 't' },    { "namespace", required_argument, NULL, 'n' },
        { 0 },
    };
    struct tool t = { .copts = { .url = "http://127.0.0.1:8080", .timeout_ms = 30000 },
                      .ns = "default" };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        switch (c) {
        case 's': t.copts.url = optarg; break;
        case 'a': t.copts.ca_file = optarg; break;
        case 'c': t.copts.cert_file = optarg; break;
        case 'k': t.copts.key_file = optarg; break;
        case 't': t.copts.bearer_token = optarg; break;
        case 'n': t.ns = optarg; break;
        default: return usage();
        }
    }
    argc -= optind;
    argv += optind;
    if (argc < 1)
        return usage();
    if (!strcmp(argv[0], "create-configmaps") && argc == 4)
        return cmd_create(&t, atoi(argv[1]), atoi(argv[2]), argv[3]);
    if (!strcmp(argv[0], "bench") && argc == 4)
        return cmd_bench(&t, argv[1], atoi(argv[2]), atoi(argv[3]));
    if (!strcmp(argv[0], "watchers") && argc == 3) {
        char label[32];
        snprintf(label, sizeof label, "delivery_%d", atoi(argv[1]));
        return watch_delivery(&t, atoi(argv[1]), atoi(argv[2]), label);
    }
    return usage();
}
