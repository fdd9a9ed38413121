/* store/etcd_watch.c - watches of the etcd backend.
 *
 * Each watch is one etcd watch stream: the WebSocket form of the gateway's
 * /v3/watch, carrying our create request, then etcd's responses (events,
 * progress notifications, cancellation), and our progress requests.  The
 * WebSocket form because the gateway answers a plain POST /v3/watch only
 * once the request body has ended, so a stream that must carry requests
 * after the first needs it; libcurl (Debian's 7.88 has no WebSocket
 * support) only makes the connection, through http/'s client upgrade, and
 * http/websocket.h does the handshake and the framing.  Periodic progress notifications are asked for by us
 * when the watch has been idle for the interval, rather than left to
 * etcd's server-wide --experimental-watch-progress-notify-interval. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/clock.h"
#include "base/json.h"
#include "base/mem.h"
#include "http/websocket.h"
#include "store/etcd_client.h"

#define ETCD_PROGRESS_MS 10000
/* Largest message accepted: a watch response replaying history can be big,
 * but not this big. */
#define ETCD_WATCH_MAX_MESSAGE (256u << 20)

struct etcd_watch {
    struct gt_store_watch base;
    struct etcd_store *s;
    struct gt_ws *ws;
    int wake_fd;
    atomic_bool canceled;
    bool progress_notify;
    int interval_ms;
    int64_t last_ms; /* last batch handed out, or progress asked for */
    int dead;        /* the error that ended the watch */
    struct gt_error dead_err;
};

static int send_json(struct etcd_watch *w, json_t *msg, struct gt_error *err)
{
    cleanup_free char *text = json_dumps(msg, JSON_COMPACT);
    if (!text)
        return gt_err(err, ENOMEM, "encode a watch request");
    int r = gt_ws_send(w->ws, GT_WS_TEXT, text, strlen(text));
    return r < 0 ? gt_err_sys(err, -r, "send a watch request") : 0;
}

/* The next message of the stream: 1 with *text (caller frees), 0 when
 * timeout_ms ran out or wake_fd (if >= 0) woke us, negative on failure. */
static int recv_message(struct etcd_watch *w, int timeout_ms, int wake_fd, char **text,
                        size_t *len, struct gt_error *err)
{
    int r = gt_ws_recv_timeout(w->ws, timeout_ms, wake_fd, text, len);
    if (r == -EAGAIN)
        return 0;
    if (r == 0)
        return gt_err(err, ECONNRESET, "the server closed the stream");
    return r < 0 ? gt_err_sys(err, -r, "receive from the stream") : 1;
}

/* What one message of the stream says. */
enum msg_kind { MSG_CREATED, MSG_EVENTS, MSG_PROGRESS, MSG_OTHER };

static int parse_events(const json_t *arr, struct gt_store_watch_batch *b, struct gt_error *err)
{
    size_t n = json_array_size(arr);
    struct gt_store_event *evs = calloc(n, sizeof *evs);
    if (!evs)
        return gt_err(err, ENOMEM, "watch batch of %zu events", n);
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(arr, i);
        const json_t *type = json_object_get(e, "type");
        bool del = (json_is_string(type) && strcmp(json_string_value(type), "DELETE") == 0) ||
                   (json_is_integer(type) && json_integer_value(type) == 1);
        evs[i].type = del ? GT_STORE_EVENT_DELETE : GT_STORE_EVENT_PUT;
        int r = etcd_parse_kv(json_object_get(e, "kv"), &evs[i].kv, err);
        const json_t *prev = json_object_get(e, "prev_kv");
        if (r == 0 && prev) {
            r = etcd_parse_kv(prev, &evs[i].prev, err);
            evs[i].has_prev = r == 0;
        }
        if (r < 0) {
            for (size_t k = 0; k <= i; k++) {
                gt_kv_release(&evs[k].kv);
                gt_kv_release(&evs[k].prev);
            }
            free(evs);
            return r;
        }
    }
    b->events = evs;
    b->n = n;
    return 0;
}

static int handle_message(struct etcd_watch *w, const char *text, size_t len,
                          struct gt_store_watch_batch *b, enum msg_kind *kind,
                          struct gt_error *err)
{
    *kind = MSG_OTHER;
    json_error_t jerr;
    cleanup_json json_t *j = json_loadb(text, len, 0, &jerr);
    if (!json_is_object(j))
        return gt_err(err, EIO, "etcd watch: not a JSON message: %s", jerr.text);
    const json_t *e = json_object_get(j, "error");
    if (e) {
        const json_t *m = json_object_get(e, "message");
        if (!json_is_string(m))
            m = e;
        return etcd_error(json_is_string(m) ? json_string_value(m) : "unknown error",
                          (int)etcd_int(e, "grpc_code"), err);
    }
    const json_t *res = json_object_get(j, "result");
    if (!json_is_object(res))
        return gt_err(err, EIO, "etcd watch: a message without result");
    int64_t rev = etcd_int(json_object_get(res, "header"), "revision");
    if (json_is_true(json_object_get(res, "canceled"))) {
        int64_t compact = etcd_int(res, "compact_revision");
        if (compact > 0)
            return gt_err(err, GT_STORE_ECOMPACTED,
                          "history has been compacted (oldest kept: %" PRId64 ")", compact);
        const json_t *why = json_object_get(res, "cancel_reason");
        return gt_err(err, ECANCELED, "etcd cancelled the watch%s%s",
                      json_is_string(why) ? ": " : "",
                      json_is_string(why) ? json_string_value(why) : "");
    }
    if (json_is_true(json_object_get(res, "created"))) {
        *kind = MSG_CREATED;
        return 0;
    }
    const json_t *events = json_object_get(res, "events");
    b->revision = rev;
    if (json_array_size(events) > 0) {
        *kind = MSG_EVENTS;
        return parse_events(events, b, err);
    }
    *kind = MSG_PROGRESS;
    b->progress = true;
    return 0;
}

static void watch_destroy(struct etcd_watch *w)
{
    gt_ws_free(w->ws);
    if (w->wake_fd >= 0)
        close(w->wake_fd);
    free(w);
}

int etcd_watch(struct gt_store *gs, const struct gt_store_watch_opts *o,
               struct gt_store_watch **out, struct gt_error *err)
{
    struct etcd_store *s = (struct etcd_store *)gs;
    struct etcd_watch *w = gt_xcalloc(1, sizeof *w);
    w->s = s;
    w->progress_notify = o->progress_notify;
    w->interval_ms = o->progress_interval_ms ? o->progress_interval_ms : ETCD_PROGRESS_MS;
    w->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (w->wake_fd < 0) {
        int r = gt_err_sys(err, errno, "eventfd");
        free(w);
        return r;
    }
    int r = -ECONNREFUSED;
    size_t first = atomic_load(&s->current);
    for (size_t i = 0; i < s->nendpoints && r == -ECONNREFUSED; i++)
        r = gt_ws_connect(s->http[(first + i) % s->nendpoints], "/v3/watch", NULL, &w->ws, err);
    if (r < 0) {
        watch_destroy(w);
        return r;
    }
    gt_ws_set_max_message(w->ws, ETCD_WATCH_MAX_MESSAGE);

    cleanup_json json_t *create = json_object();
    json_object_set_new(create, "key", etcd_b64(o->key[0] ? o->key : "", o->key[0] ? strlen(o->key) : 1));
    if (o->prefix) {
        size_t elen;
        cleanup_free char *end = gt_store_prefix_end(o->key, &elen);
        json_object_set_new(create, "range_end", end ? etcd_b64(end, elen) : etcd_b64("", 1));
    }
    if (o->start_revision)
        json_object_set_new(create, "start_revision", json_integer(o->start_revision));
    if (o->prev_kv)
        json_object_set_new(create, "prev_kv", json_true());
    cleanup_json json_t *msg = json_pack("{s:O}", "create_request", create);
    r = send_json(w, msg, err);

    /* wait for "created", so that a caller's write after this returns is
     * seen by the watch */
    int64_t deadline = gt_clock_ms() + s->timeout_ms;
    while (r == 0) {
        cleanup_free char *text = NULL;
        size_t len;
        r = recv_message(w, gt_clock_left_ms(deadline), -1, &text, &len, err);
        if (r == 0) {
            r = gt_err(err, ETIMEDOUT, "etcd did not confirm the watch");
            break;
        }
        if (r < 0) {
            gt_err_prefix(err, "etcd watch");
            break;
        }
        struct gt_store_watch_batch b = { 0 };
        enum msg_kind kind;
        r = handle_message(w, text, len, &b, &kind, err);
        if (r == 0 && kind == MSG_CREATED)
            break;
        if (r == 0)
            r = gt_err(err, EIO, "etcd watch: answered before confirming the watch");
        free(b.events);
    }
    if (r < 0) {
        watch_destroy(w);
        return r;
    }
    w->last_ms = gt_clock_ms();
    *out = &w->base;
    return 0;
}

int etcd_watch_next(struct gt_store_watch *gw, int timeout_ms, struct gt_store_watch_batch *b,
                    struct gt_error *err)
{
    struct etcd_watch *w = (struct etcd_watch *)gw;
    int64_t deadline = timeout_ms < 0 ? -1 : gt_clock_ms() + timeout_ms;
    for (;;) {
        if (atomic_load(&w->canceled))
            return gt_err(err, ECANCELED, "watch cancelled");
        if (w->dead) {
            if (err)
                *err = w->dead_err;
            return w->dead;
        }
        int64_t now = gt_clock_ms();
        int64_t due = w->progress_notify ? w->last_ms + w->interval_ms : -1;
        if (due >= 0 && now >= due) {
            cleanup_json json_t *req = json_pack("{s:{}}", "progress_request");
            int r = send_json(w, req, &w->dead_err);
            if (r < 0) {
                w->dead = r;
                continue;
            }
            w->last_ms = now;
            continue;
        }
        int64_t until = deadline;
        if (due >= 0 && (until < 0 || due < until))
            until = due;
        cleanup_free char *text = NULL;
        size_t len;
        int r = recv_message(w, until < 0 ? -1 : (int)(until > now ? until - now : 0), w->wake_fd,
                             &text, &len, &w->dead_err);
        if (r < 0) {
            gt_err_prefix(&w->dead_err, "etcd watch");
            w->dead = r;
            continue;
        }
        if (r == 0) {
            if (deadline >= 0 && gt_clock_ms() >= deadline && !atomic_load(&w->canceled))
                return -EAGAIN;
            continue;
        }
        enum msg_kind kind;
        r = handle_message(w, text, len, b, &kind, &w->dead_err);
        if (r < 0) {
            w->dead = r;
            continue;
        }
        if (kind == MSG_EVENTS || kind == MSG_PROGRESS) {
            w->last_ms = gt_clock_ms();
            return 0;
        }
    }
}

void etcd_watch_batch_release(struct gt_store_watch_batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        gt_kv_release(&b->events[i].kv);
        gt_kv_release(&b->events[i].prev);
    }
    free(b->events);
}

int etcd_watch_request_progress(struct gt_store_watch *gw, struct gt_error *err)
{
    struct etcd_watch *w = (struct etcd_watch *)gw;
    if (w->dead) {
        if (err)
            *err = w->dead_err;
        return w->dead;
    }
    cleanup_json json_t *req = json_pack("{s:{}}", "progress_request");
    return send_json(w, req, err);
}

int etcd_watch_fd(struct gt_store_watch *gw)
{
    return gt_http_conn_fd(gt_ws_conn(((struct etcd_watch *)gw)->ws));
}

void etcd_watch_cancel(struct gt_store_watch *gw)
{
    struct etcd_watch *w = (struct etcd_watch *)gw;
    atomic_store(&w->canceled, true);
    eventfd_write(w->wake_fd, 1);
}

void etcd_watch_free(struct gt_store_watch *gw)
{
    watch_destroy((struct etcd_watch *)gw);
}
