/* The HTTP/1.1 server: listeners, one thread per connection, the request
 * loop (keep-alive, pipelining), bodies, answers, streams, upgrades.
 *
 * Why not libmicrohttpd (0.9.75, measured): it sends a response's headers
 * only after the access handler returns, so a handler that blocks in its
 * own thread (docker's /wait) cannot get its headers out first; and an
 * idle streaming response does not notice that its client left until it
 * writes.  Both are the core of the Docker and Kubernetes APIs. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/clock.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/strbuf.h"
#include "http/internal.h"

#define MAX_LISTENERS 16
#define CONN_STACK (1024 * 1024)
#define DRAIN_MAX (1024 * 1024)

struct listener {
    struct gt_http_server *srv;
    enum gt_http_listen_kind kind;
    int fd;
    char *path; /* unix */
    dev_t dev;
    ino_t ino;
    int port;
    struct gt_http_tls_server *tls;
    pthread_t thread;
};

struct conn {
    struct gt_http_conn base; /* the raw connection after an upgrade */
    struct gt_http_server *srv;
    struct listener *ls;
    struct gt_http_transport tr;
    struct gt_http_peer peer;
    int wake_fd;
    char *buf;
    size_t cap, start, end; /* unread bytes: buf[start, end) */
    bool busy;
    bool linger; /* unread input may follow: drain before closing */
    struct conn *prev, *next;
};

struct gt_http_server {
    struct gt_http_server_opts o;
    struct listener ls[MAX_LISTENERS];
    int nls;
    int stop_fd; /* eventfd, readable for ever once stopping */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct conn *conns;
    unsigned nconns;
    bool stopping, stopped;
};

enum resp_state { R_NONE, R_DONE, R_STREAM, R_ENDED, R_UPGRADED };

struct query_pair {
    char *k, *v;
};

struct gt_http_req {
    struct conn *c;
    char *head;
    struct gt_http_head h;
    char *path; /* raw path without query, after the hook's strip */
    const char *query;
    struct query_pair *q;
    size_t nq;
    bool q_parsed;
    const char **qall;
    const char **hall;
    struct gt_http_capture caps[GT_HTTP_MAX_PARAMS];
    char *params[GT_HTTP_MAX_PARAMS];
    size_t ncaps;
    char api_version[32];
    bool is_head, keep_alive;
    /* body */
    bool chunked, body_done, chunk_crlf, expect_continue, continue_sent;
    int body_error;
    uint64_t remaining; /* Content-Length left, or the current chunk's */
    uint64_t body_read;
    size_t max_body;
    /* answer */
    pthread_mutex_t lock;
    enum resp_state state;
    bool stream_chunked, write_failed;
    char **rh; /* "Name: value" */
};

/* ---- reasons ---- */

static const struct {
    int code;
    const char *text;
} reasons[] = {
    { 100, "Continue" },
    { 101, "Switching Protocols" },
    { 200, "OK" },
    { 201, "Created" },
    { 202, "Accepted" },
    { 204, "No Content" },
    { 206, "Partial Content" },
    { 301, "Moved Permanently" },
    { 302, "Found" },
    { 304, "Not Modified" },
    { 400, "Bad Request" },
    { 401, "Unauthorized" },
    { 403, "Forbidden" },
    { 404, "Not Found" },
    { 405, "Method Not Allowed" },
    { 406, "Not Acceptable" },
    { 408, "Request Timeout" },
    { 409, "Conflict" },
    { 410, "Gone" },
    { 411, "Length Required" },
    { 412, "Precondition Failed" },
    { 413, "Content Too Large" },
    { 415, "Unsupported Media Type" },
    { 422, "Unprocessable Entity" },
    { 429, "Too Many Requests" },
    { 431, "Request Header Fields Too Large" },
    { 500, "Internal Server Error" },
    { 501, "Not Implemented" },
    { 502, "Bad Gateway" },
    { 503, "Service Unavailable" },
    { 504, "Gateway Timeout" },
    { 505, "HTTP Version Not Supported" },
};

const char *gt_http_reason(int status)
{
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
        if (reasons[i].code == status)
            return reasons[i].text;
    return "Unknown";
}

/* ---- reading from the connection ---- */

/* Reads more bytes into the buffer; 0 on success, -ECONNRESET at EOF,
 * -ETIMEDOUT, -ENOBUFS when the buffer may not grow past limit. */
static int conn_fill(struct conn *c, int timeout_ms, size_t limit)
{
    if (c->start == c->end)
        c->start = c->end = 0;
    if (c->end == c->cap && c->start > 0) {
        memmove(c->buf, c->buf + c->start, c->end - c->start);
        c->end -= c->start;
        c->start = 0;
    }
    if (c->end == c->cap) {
        if (c->cap >= limit)
            return -ENOBUFS;
        c->cap = c->cap * 2 > limit ? limit : c->cap * 2;
        c->buf = gt_xrealloc(c->buf, c->cap);
    }
    int w = gt_http_transport_wait(&c->tr, timeout_ms, -1);
    if (w < 0)
        return w;
    if (w == 0)
        return -ETIMEDOUT;
    ssize_t n = gt_http_transport_recv(&c->tr, c->buf + c->end, c->cap - c->end);
    if (n < 0)
        return (int)n;
    if (n == 0)
        return -ECONNRESET;
    c->end += n;
    return 0;
}

/* Up to len bytes of what follows: from the buffer first. */
static ssize_t conn_read_some(struct conn *c, void *buf, size_t len, int timeout_ms)
{
    if (c->start == c->end) {
        if (len >= 4096) {
            int w = gt_http_transport_wait(&c->tr, timeout_ms, -1);
            if (w <= 0)
                return w < 0 ? w : -ETIMEDOUT;
            ssize_t n = gt_http_transport_recv(&c->tr, buf, len);
            return n == 0 ? -ECONNRESET : n;
        }
        int r = conn_fill(c, timeout_ms, c->cap);
        if (r < 0)
            return r;
    }
    size_t n = c->end - c->start;
    if (n > len)
        n = len;
    memcpy(buf, c->buf + c->start, n);
    c->start += n;
    return (ssize_t)n;
}

/* One line (LF or CRLF ended, ending removed) into out. */
static int conn_read_line(struct conn *c, char *out, size_t max, int timeout_ms)
{
    for (;;) {
        char *nl = memchr(c->buf + c->start, '\n', c->end - c->start);
        if (nl) {
            size_t n = nl - (c->buf + c->start);
            size_t m = (n > 0 && nl[-1] == '\r') ? n - 1 : n;
            if (m >= max)
                return -EBADMSG;
            memcpy(out, c->buf + c->start, m);
            out[m] = '\0';
            c->start += n + 1;
            return 0;
        }
        if (c->end - c->start >= max)
            return -EBADMSG;
        int r = conn_fill(c, timeout_ms, c->cap + max);
        if (r < 0)
            return r;
    }
}

/* ---- writing answers ---- */

static int send_parts(struct gt_http_req *req, const void *a, size_t alen, const void *b,
                      size_t blen)
{
    struct iovec iov[2] = { { (void *)a, alen }, { (void *)b, blen } };
    int r = gt_http_transport_sendv(&req->c->tr, iov, blen ? 2 : 1);
    if (r < 0)
        req->write_failed = true;
    return r;
}

enum body_mode { B_LENGTH, B_CHUNKED, B_CLOSE, B_NONE };

static void build_head(struct gt_http_req *req, struct gt_strbuf *b, int status, const char *reason,
                       const char *content_type, enum body_mode mode, size_t len)
{
    struct gt_http_server *srv = req->c->srv;
    gt_strbuf_printf(b, "HTTP/1.1 %d %s\r\n", status, reason ? reason : gt_http_reason(status));
    for (const char *const *h = srv->o.headers; h && *h; h++)
        gt_strbuf_printf(b, "%s\r\n", *h);
    for (char **h = req->rh; h && *h; h++)
        gt_strbuf_printf(b, "%s\r\n", *h);
    if (content_type)
        gt_strbuf_printf(b, "Content-Type: %s\r\n", content_type);
    bool no_body = status < 200 || status == 204 || status == 304;
    if (mode == B_LENGTH && !no_body)
        gt_strbuf_printf(b, "Content-Length: %zu\r\n", len);
    else if (mode == B_CHUNKED)
        gt_strbuf_add(b, "Transfer-Encoding: chunked\r\n", 28);
    if (mode != B_NONE) {
        if (!req->keep_alive)
            gt_strbuf_add(b, "Connection: close\r\n", 19);
        else if (req->h.minor == 0)
            gt_strbuf_add(b, "Connection: keep-alive\r\n", 24);
    }
    gt_strbuf_add(b, "\r\n", 2);
}

int gt_http_respond(struct gt_http_req *req, int status, const char *content_type,
                    const void *body, size_t len)
{
    pthread_mutex_lock(&req->lock);
    if (req->state != R_NONE) {
        pthread_mutex_unlock(&req->lock);
        return -EALREADY;
    }
    req->state = R_DONE;
    if (req->c->srv->stopping)
        req->keep_alive = false;
    struct gt_strbuf b = { 0 };
    build_head(req, &b, status, NULL, content_type, B_LENGTH, len);
    bool no_body = req->is_head || status < 200 || status == 204 || status == 304;
    int r = send_parts(req, b.s, b.len, body, no_body ? 0 : len);
    free(b.s);
    pthread_mutex_unlock(&req->lock);
    return r;
}

int gt_http_respond_json(struct gt_http_req *req, int status, const json_t *j)
{
    cleanup_free char *s = j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    if (!s) {
        static const char msg[] = "internal error: cannot encode the answer as JSON\n";
        return gt_http_respond(req, 500, "text/plain", msg, sizeof msg - 1);
    }
    size_t n = strlen(s);
    /* a trailing newline, as dockerd and kube-apiserver send */
    s = gt_xrealloc(steal_pointer(&s), n + 2);
    s[n++] = '\n';
    s[n] = '\0';
    return gt_http_respond(req, status, "application/json", s, n);
}

static void default_error(struct gt_http_req *req, int status, const char *message, void *ctx)
{
    /* nocheck: a message may quote bytes of the request that are not UTF-8 */
    cleanup_json json_t *j = json_object();
    json_object_set_new(j, "message", json_string_nocheck(message));
    gt_http_respond_json(req, status, j);
}

int gt_http_respond_error(struct gt_http_req *req, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cleanup_free char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0)
        abort();
    va_end(ap);
    if (req->state != R_NONE)
        return -EALREADY;
    struct gt_http_server *srv = req->c->srv;
    gt_http_error_fn fn = srv->o.error_fn ? srv->o.error_fn : default_error;
    fn(req, status, msg, srv->o.ctx);
    return req->write_failed ? -EPIPE : 0;
}

void gt_http_add_header(struct gt_http_req *req, const char *name, const char *value)
{
    cleanup_free char *line = gt_xasprintf("%s: %s", name, value);
    /* no header injection through a value */
    for (char *p = line; *p; p++)
        if (*p == '\r' || *p == '\n')
            *p = ' ';
    gt_strv_push(&req->rh, line);
}

int gt_http_stream_begin(struct gt_http_req *req, int status, const char *content_type,
                         bool close_delimited)
{
    pthread_mutex_lock(&req->lock);
    if (req->state != R_NONE) {
        pthread_mutex_unlock(&req->lock);
        return -EALREADY;
    }
    req->state = R_STREAM;
    enum body_mode mode = B_CHUNKED;
    if (close_delimited || req->h.minor == 0) {
        mode = B_CLOSE;
        req->keep_alive = false;
    }
    req->stream_chunked = mode == B_CHUNKED;
    struct gt_strbuf b = { 0 };
    build_head(req, &b, status, NULL, content_type, mode, 0);
    int r = send_parts(req, b.s, b.len, NULL, 0);
    free(b.s);
    pthread_mutex_unlock(&req->lock);
    return r;
}

int gt_http_stream_write(struct gt_http_req *req, const void *data, size_t len)
{
    pthread_mutex_lock(&req->lock);
    int r = 0;
    if (req->state != R_STREAM)
        r = -ESHUTDOWN;
    else if (req->write_failed)
        r = -EPIPE;
    else if (len == 0 || req->is_head)
        r = 0; /* an empty chunk would end the body */
    else if (req->stream_chunked) {
        char pre[24];
        int n = snprintf(pre, sizeof pre, "%zx\r\n", len);
        struct iovec iov[3] = { { pre, n }, { (void *)data, len }, { "\r\n", 2 } };
        r = gt_http_transport_sendv(&req->c->tr, iov, 3);
    } else {
        struct iovec iov = { (void *)data, len };
        r = gt_http_transport_sendv(&req->c->tr, &iov, 1);
    }
    if (r < 0 && r != -ESHUTDOWN) {
        req->write_failed = true;
        r = -EPIPE;
    }
    pthread_mutex_unlock(&req->lock);
    return r;
}

int gt_http_stream_printf(struct gt_http_req *req, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cleanup_free char *s = gt_xvasprintf(fmt, ap);
    va_end(ap);
    return gt_http_stream_write(req, s, strlen(s));
}

int gt_http_stream_end(struct gt_http_req *req)
{
    pthread_mutex_lock(&req->lock);
    int r = 0;
    if (req->state == R_STREAM) {
        req->state = R_ENDED;
        if (req->stream_chunked && !req->is_head && !req->write_failed)
            r = send_parts(req, "0\r\n\r\n", 5, NULL, 0);
    } else {
        r = -EALREADY;
    }
    pthread_mutex_unlock(&req->lock);
    gt_http_req_wake(req);
    return r;
}

void gt_http_req_wake(struct gt_http_req *req)
{
    uint64_t one = 1;
    if (write(req->c->wake_fd, &one, sizeof one) < 0) {
        /* the counter cannot overflow in practice; nothing to do */
    }
}

int gt_http_req_wait(struct gt_http_req *req, int fd, int timeout_ms)
{
    struct conn *c = req->c;
    struct pollfd p[4] = {
        { .fd = c->tr.fd, .events = POLLRDHUP },
        { .fd = c->wake_fd, .events = POLLIN },
        { .fd = c->srv->stop_fd, .events = POLLIN },
        { .fd = fd, .events = POLLIN },
    };
    for (;;) {
        int r = poll(p, fd >= 0 ? 4 : 3, timeout_ms);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -errno;
        if (r == 0)
            return GT_HTTP_WAKE_TIMEOUT;
        if (p[2].revents)
            return -ESHUTDOWN;
        if (p[0].revents & (POLLRDHUP | POLLHUP | POLLERR))
            return -EPIPE;
        if (p[1].revents) {
            uint64_t v;
            if (read(c->wake_fd, &v, sizeof v) < 0) {
                /* another waiter took it; still a nudge */
            }
            return GT_HTTP_WAKE_NUDGE;
        }
        if (fd >= 0 && p[3].revents)
            return GT_HTTP_WAKE_FD;
    }
}

bool gt_http_req_gone(struct gt_http_req *req)
{
    struct pollfd p[2] = {
        { .fd = req->c->tr.fd, .events = POLLRDHUP },
        { .fd = req->c->srv->stop_fd, .events = POLLIN },
    };
    if (req->write_failed)
        return true;
    return poll(p, 2, 0) > 0;
}

int gt_http_req_fd(const struct gt_http_req *req)
{
    return req->c->tr.fd;
}

/* ---- the raw connection after an upgrade ---- */

static struct conn *conn_of(struct gt_http_conn *gc)
{
    return (struct conn *)((char *)gc - offsetof(struct conn, base));
}

static ssize_t up_read(struct gt_http_conn *gc, void *buf, size_t len)
{
    struct conn *c = conn_of(gc);
    if (c->start < c->end) {
        size_t n = c->end - c->start < len ? c->end - c->start : len;
        memcpy(buf, c->buf + c->start, n);
        c->start += n;
        return (ssize_t)n;
    }
    ssize_t n = gt_http_transport_recv(&c->tr, buf, len);
    /* a reset after the peer has finished is its way of closing */
    return n == -ECONNRESET ? 0 : n;
}

static int up_write(struct gt_http_conn *gc, const void *buf, size_t len)
{
    struct iovec iov = { (void *)buf, len };
    return gt_http_transport_sendv(&conn_of(gc)->tr, &iov, 1);
}

static int up_shutdown_write(struct gt_http_conn *gc)
{
    return gt_http_transport_shutdown_write(&conn_of(gc)->tr);
}

static int up_wait(struct gt_http_conn *gc, int timeout_ms, int wake_fd)
{
    struct conn *c = conn_of(gc);
    if (c->start < c->end)
        return 1;
    return gt_http_transport_wait(&c->tr, timeout_ms, wake_fd);
}

static int up_fd(struct gt_http_conn *gc)
{
    return conn_of(gc)->tr.fd;
}

static const struct gt_http_conn_ops upgraded_ops = {
    .read = up_read,
    .write = up_write,
    .shutdown_write = up_shutdown_write,
    .wait_readable = up_wait,
    .fd = up_fd,
};

struct gt_http_conn *gt_http_upgrade(struct gt_http_req *req, int status, const char *reason,
                                     struct gt_error *err)
{
    pthread_mutex_lock(&req->lock);
    if (req->state != R_NONE) {
        pthread_mutex_unlock(&req->lock);
        gt_err(err, EALREADY, "upgrade: the request was already answered");
        return NULL;
    }
    req->state = R_UPGRADED;
    req->keep_alive = false;
    struct gt_strbuf b = { 0 };
    build_head(req, &b, status, reason, NULL, B_NONE, 0);
    int r = send_parts(req, b.s, b.len, NULL, 0);
    free(b.s);
    pthread_mutex_unlock(&req->lock);
    if (r < 0) {
        gt_err_sys(err, -r, "upgrade: send the %d response", status);
        return NULL;
    }
    req->c->base.ops = &upgraded_ops;
    return &req->c->base;
}

/* ---- request accessors ---- */

const char *gt_http_req_method(const struct gt_http_req *req)
{
    return req->h.method;
}
const char *gt_http_req_path(const struct gt_http_req *req)
{
    return req->path;
}
const char *gt_http_req_target(const struct gt_http_req *req)
{
    return req->h.target;
}
const char *gt_http_req_header(const struct gt_http_req *req, const char *name)
{
    return gt_http_head_get(&req->h, name);
}
size_t gt_http_req_header_all(struct gt_http_req *req, const char *name,
                              const char *const **values)
{
    free(req->hall);
    req->hall = gt_xcalloc(req->h.nhdrs + 1, sizeof *req->hall);
    size_t n = 0;
    for (size_t i = 0; i < req->h.nhdrs; i++)
        if (!strcasecmp(req->h.hdrs[i].name, name))
            req->hall[n++] = req->h.hdrs[i].value;
    *values = req->hall;
    return n;
}
bool gt_http_req_header_at(const struct gt_http_req *req, size_t i, const char **name,
                           const char **value)
{
    if (i >= req->h.nhdrs)
        return false;
    *name = req->h.hdrs[i].name;
    *value = req->h.hdrs[i].value;
    return true;
}
int gt_http_req_http_minor(const struct gt_http_req *req)
{
    return req->h.minor;
}
const struct gt_http_peer *gt_http_req_peer(const struct gt_http_req *req)
{
    return &req->c->peer;
}
void gt_http_req_set_api_version(struct gt_http_req *req, const char *version)
{
    snprintf(req->api_version, sizeof req->api_version, "%s", version);
}
const char *gt_http_req_api_version(const struct gt_http_req *req)
{
    return req->api_version;
}

const char *gt_http_req_param(const struct gt_http_req *req, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < req->ncaps; i++)
        if (req->caps[i].name_len == n && !memcmp(req->caps[i].name, name, n))
            return req->params[i];
    return NULL;
}

static void parse_query(struct gt_http_req *req)
{
    struct gt_http_req *r = (struct gt_http_req *)req;
    if (r->q_parsed)
        return;
    r->q_parsed = true;
    const char *s = r->query;
    while (s && *s) {
        size_t n = strcspn(s, "&");
        if (n > 0) {
            const char *eq = memchr(s, '=', n);
            size_t kl = eq ? (size_t)(eq - s) : n;
            r->q = gt_xrealloc(r->q, (r->nq + 1) * sizeof *r->q);
            r->q[r->nq].k = gt_http_pct_decode(s, kl, true);
            r->q[r->nq].v = eq ? gt_http_pct_decode(eq + 1, n - kl - 1, true) : gt_xstrdup("");
            r->nq++;
        }
        s += n;
        if (*s == '&')
            s++;
    }
}

const char *gt_http_req_query(const struct gt_http_req *req, const char *key)
{
    parse_query((struct gt_http_req *)req);
    for (size_t i = 0; i < req->nq; i++)
        if (!strcmp(req->q[i].k, key))
            return req->q[i].v;
    return NULL;
}

size_t gt_http_req_query_all(struct gt_http_req *req, const char *key, const char *const **values)
{
    parse_query(req);
    free(req->qall);
    req->qall = gt_xcalloc(req->nq + 1, sizeof *req->qall);
    size_t n = 0;
    for (size_t i = 0; i < req->nq; i++)
        if (!strcmp(req->q[i].k, key))
            req->qall[n++] = req->q[i].v;
    *values = req->qall;
    return n;
}

bool gt_http_req_query_bool(const struct gt_http_req *req, const char *key, bool def)
{
    const char *v = gt_http_req_query(req, key);
    if (!v)
        return def;
    if (!strcmp(v, "1") || !strcasecmp(v, "true") || !strcasecmp(v, "yes"))
        return true;
    if (!strcmp(v, "0") || !strcasecmp(v, "false") || !strcasecmp(v, "no") || !*v)
        return false;
    return def;
}

/* ---- request bodies ---- */

static int body_fail(struct gt_http_req *req, int code, int status, const char *msg)
{
    req->body_error = code;
    req->keep_alive = false;
    req->c->linger = true;
    if (req->state == R_NONE)
        gt_http_respond_error(req, status, "%s", msg);
    return code;
}

static int too_large(struct gt_http_req *req)
{
    char msg[128];
    snprintf(msg, sizeof msg, "request body too large (limit %zu bytes)", req->max_body);
    return body_fail(req, -EFBIG, 413, msg);
}

/* Up to len bytes of what remains of the body (fixed length) or of the
 * chunk (chunked). */
static ssize_t read_remaining(struct gt_http_req *req, void *buf, size_t len, int tmo)
{
    ssize_t n = conn_read_some(req->c, buf, len < req->remaining ? len : req->remaining, tmo);
    if (n < 0) {
        req->keep_alive = false;
        return req->body_error = (int)n;
    }
    req->remaining -= n;
    req->body_read += n;
    return n;
}

ssize_t gt_http_req_read(struct gt_http_req *req, void *buf, size_t len)
{
    struct conn *c = req->c;
    int tmo = c->srv->o.read_timeout_ms;
    if (req->body_error)
        return req->body_error;
    if (req->body_done || len == 0)
        return 0;
    if (req->expect_continue && !req->continue_sent) {
        req->continue_sent = true;
        if (req->state == R_NONE && send_parts(req, "HTTP/1.1 100 Continue\r\n\r\n", 25, NULL, 0) < 0)
            return req->body_error = -EPIPE;
    }
    if (!req->chunked) {
        if (req->remaining == 0) {
            req->body_done = true;
            return 0;
        }
        ssize_t n = read_remaining(req, buf, len, tmo);
        if (req->remaining == 0)
            req->body_done = true;
        return n;
    }
    if (req->remaining == 0) {
        char line[1024];
        int r;
        if (req->chunk_crlf) {
            r = conn_read_line(c, line, sizeof line, tmo);
            if (r == 0 && line[0])
                r = -EBADMSG;
            if (r < 0)
                goto bad;
            req->chunk_crlf = false;
        }
        r = conn_read_line(c, line, sizeof line, tmo);
        if (r < 0)
            goto bad;
        char *end;
        errno = 0;
        unsigned long long size = strtoull(line, &end, 16);
        if (end == line || errno || (*end && *end != ';' && *end != ' ' && *end != '\t') ||
            line[0] == '-' || line[0] == '+' || line[0] == ' ')
            return body_fail(req, -EBADMSG, 400, "malformed chunked request body");
        if (size == 0) {
            do /* trailer fields, ignored */
                r = conn_read_line(c, line, sizeof line, tmo);
            while (r == 0 && line[0]);
            if (r < 0)
                goto bad;
            req->body_done = true;
            return 0;
        }
        if (req->max_body != SIZE_MAX && req->body_read + size > req->max_body)
            return too_large(req);
        req->remaining = size;
    }
    ssize_t n = read_remaining(req, buf, len, tmo);
    if (req->remaining == 0)
        req->chunk_crlf = true;
    return n;
bad:
    return body_fail(req, -EBADMSG, 400, "malformed chunked request body");
}

int gt_http_req_body(struct gt_http_req *req, char **out, size_t *len, struct gt_error *err)
{
    size_t cap = req->chunked ? 4096 : (size_t)req->remaining + 1, n = 0;
    /* the client picks the size: no abort on failure */
    cleanup_free char *b = malloc(cap);
    if (!b)
        return gt_err(err, ENOMEM, "request body of %zu bytes: out of memory", cap);
    for (;;) {
        if (cap - n < 2) {
            char *nb = realloc(b, cap * 2);
            if (!nb)
                return gt_err(err, ENOMEM, "request body of %zu bytes: out of memory", cap * 2);
            b = nb;
            cap *= 2;
        }
        ssize_t r = gt_http_req_read(req, b + n, cap - n - 1);
        if (r == -EFBIG)
            return gt_err(err, EFBIG, "request body too large (limit %zu bytes)", req->max_body);
        if (r < 0)
            return gt_err_sys(err, (int)-r, "read request body");
        if (r == 0)
            break;
        n += r;
    }
    b[n] = '\0';
    if (len)
        *len = n;
    *out = steal_pointer(&b);
    return 0;
}

int gt_http_req_body_json(struct gt_http_req *req, json_t **out, struct gt_error *err)
{
    cleanup_free char *b = NULL;
    size_t n;
    int r = gt_http_req_body(req, &b, &n, err);
    if (r < 0)
        return r;
    if (n == 0)
        return gt_err(err, EINVAL, "request body is empty, expected JSON");
    return gt_json_load_buf(b, n, "request body", out, err);
}

/* ---- the request loop ---- */

static void req_release(struct gt_http_req *req)
{
    free(req->head);
    free(req->path);
    for (size_t i = 0; i < req->nq; i++) {
        free(req->q[i].k);
        free(req->q[i].v);
    }
    free(req->q);
    free(req->qall);
    free(req->hall);
    for (size_t i = 0; i < req->ncaps; i++)
        free(req->params[i]);
    gt_strv_free(req->rh);
    pthread_mutex_destroy(&req->lock);
}

/* Framing headers; -EBADMSG when they are contradictory (smuggling). */
static int read_framing(struct gt_http_req *req)
{
    const char *te = NULL, *cl = NULL;
    for (size_t i = 0; i < req->h.nhdrs; i++) {
        const struct gt_http_hdr *h = &req->h.hdrs[i];
        if (!strcasecmp(h->name, "Transfer-Encoding")) {
            if (te)
                return -EBADMSG;
            te = h->value;
        } else if (!strcasecmp(h->name, "Content-Length")) {
            if (cl && strcmp(cl, h->value) != 0)
                return -EBADMSG;
            cl = h->value;
        }
    }
    if (te) {
        if (cl || req->h.minor == 0 || strcasecmp(te, "chunked") != 0)
            return -EBADMSG;
        req->chunked = true;
    } else if (cl) {
        if (!*cl || strspn(cl, "0123456789") != strlen(cl) || strlen(cl) > 18)
            return -EBADMSG;
        req->remaining = strtoull(cl, NULL, 10);
        req->body_done = req->remaining == 0;
    } else {
        req->body_done = true;
    }
    const char *conn = gt_http_head_get(&req->h, "Connection");
    req->keep_alive = req->h.minor >= 1 ? !(conn && gt_http_has_token(conn, "close"))
                                        : (conn && gt_http_has_token(conn, "keep-alive"));
    const char *expect = gt_http_head_get(&req->h, "Expect");
    req->expect_continue = req->h.minor >= 1 && expect && !strcasecmp(expect, "100-continue") &&
                           !req->body_done;
    return 0;
}

static void route(struct gt_http_req *req)
{
    struct gt_http_server *srv = req->c->srv;
    const char *target = req->h.target;
    size_t plen = strcspn(target, "?");
    req->query = target[plen] ? target + plen + 1 : "";
    cleanup_free char *raw = gt_xstrndup(target, plen);
    if (raw[0] != '/') {
        gt_http_respond_error(req, 400, "invalid request target");
        return;
    }
    size_t strip = 0;
    req->path = gt_xstrdup(raw);
    if (srv->o.path_hook) {
        int r = srv->o.path_hook(req, raw, srv->o.ctx);
        if (r < 0) {
            if (req->state == R_NONE)
                gt_http_respond_error(req, 400, "invalid request path");
            return;
        }
        strip = (size_t)r < plen ? (size_t)r : plen;
    }
    free(req->path);
    req->path = gt_xstrdup(raw[strip] ? raw + strip : "/");

    const char *method = req->h.method;
    const struct gt_http_route *found = NULL;
    struct gt_strbuf allow = { 0 };
    for (size_t i = 0; i < srv->o.nroutes && !found; i++) {
        const struct gt_http_route *rt = &srv->o.routes[i];
        size_t nc;
        if (!gt_http_match(rt->pattern, req->path, req->caps, &nc))
            continue;
        if (!strcmp(rt->method, "*") || !strcmp(rt->method, method) ||
            (req->is_head && !strcmp(rt->method, "GET"))) {
            found = rt;
            req->ncaps = nc;
        } else if (!allow.s || !strstr(allow.s, rt->method)) {
            if (allow.len)
                gt_strbuf_add(&allow, ", ", 2);
            gt_strbuf_add(&allow, rt->method, strlen(rt->method));
        }
    }
    if (!found) {
        if (allow.s) {
            gt_http_add_header(req, "Allow", allow.s);
            gt_http_respond_error(req, 405, "method %s not allowed for %s", method, req->path);
        } else {
            gt_http_respond_error(req, 404, "page not found");
        }
        free(allow.s);
        return;
    }
    free(allow.s);
    for (size_t i = 0; i < req->ncaps; i++)
        req->params[i] = gt_http_pct_decode(req->caps[i].val, req->caps[i].val_len, false);
    req->max_body = found->max_body ? found->max_body : srv->o.max_body;
    if (!req->chunked && req->max_body != SIZE_MAX && req->remaining > req->max_body) {
        too_large(req); /* without reading it, and without 100 Continue */
        return;
    }
    found->handler(req, srv->o.ctx);
    if (req->state == R_NONE) {
        gt_error("http: handler for %s %s returned without answering", method, req->path);
        gt_http_respond_error(req, 500, "internal error: the handler did not answer");
    } else if (req->state == R_STREAM) {
        gt_http_stream_end(req);
    }
}

/* After the answer: the unread rest of the body, so the next request
 * starts at the right byte (or the connection closes). */
static void finish_body(struct gt_http_req *req)
{
    if (req->body_done || req->body_error || !req->keep_alive)
        return;
    if (req->expect_continue && !req->continue_sent) {
        req->keep_alive = false; /* the client may never send it */
        req->c->linger = true;
        return;
    }
    req->max_body = SIZE_MAX;
    char sink[8192];
    uint64_t drained = 0;
    ssize_t n;
    while ((n = gt_http_req_read(req, sink, sizeof sink)) > 0) {
        drained += n;
        if (drained > DRAIN_MAX) {
            req->keep_alive = false;
            req->c->linger = true;
            return;
        }
    }
    if (n < 0)
        req->keep_alive = false;
}

static void conn_error(struct conn *c, int status, const char *msg)
{
    struct gt_http_req req = { .c = c };
    static struct gt_http_head empty = { .method = "GET", .target = "/", .minor = 1 };
    req.h = empty;
    pthread_mutex_init(&req.lock, NULL);
    req.keep_alive = false;
    gt_http_respond_error(&req, status, "%s", msg);
    req_release(&req);
}

static bool set_busy(struct conn *c, bool busy)
{
    pthread_mutex_lock(&c->srv->lock);
    bool ok = !c->srv->stopping;
    c->busy = busy;
    pthread_mutex_unlock(&c->srv->lock);
    return ok;
}

/* Serves requests until the connection closes. */
static void conn_serve(struct conn *c)
{
    struct gt_http_server *srv = c->srv;
    for (;;) {
        size_t hl;
        for (;;) {
            hl = gt_http_head_len(c->buf + c->start, c->end - c->start);
            if (hl)
                break;
            int tmo = c->start == c->end ? srv->o.idle_timeout_ms : srv->o.read_timeout_ms;
            int r = conn_fill(c, tmo, srv->o.max_head);
            if (r == -ENOBUFS) {
                conn_error(c, 431, "request head too large");
                return;
            }
            if (r == -ETIMEDOUT && c->start != c->end) {
                conn_error(c, 408, "timed out reading the request");
                return;
            }
            if (r < 0)
                return; /* EOF, idle timeout, reset, or stop */
        }
        if (!set_busy(c, true))
            return;
        uint64_t stale; /* a nudge left over from the last request */
        if (read(c->wake_fd, &stale, sizeof stale) < 0) {
            /* EAGAIN: none */
        }
        struct gt_http_req req = { .c = c };
        pthread_mutex_init(&req.lock, NULL);
        req.head = gt_xmalloc(hl + 1);
        memcpy(req.head, c->buf + c->start, hl);
        req.head[hl] = '\0';
        c->start += hl;
        int r = gt_http_parse_head(req.head, hl, &req.h);
        if (r == 0)
            r = read_framing(&req);
        if (r < 0) {
            static struct gt_http_head empty = { .method = "GET", .target = "/", .minor = 1 };
            req.h = empty;
            req.keep_alive = false;
            c->linger = true;
            if (r == -E2BIG)
                gt_http_respond_error(&req, 431, "too many request header fields");
            else if (r == -EPROTONOSUPPORT)
                gt_http_respond_error(&req, 505, "HTTP version not supported");
            else
                gt_http_respond_error(&req, 400, "malformed HTTP request");
            req_release(&req);
            return;
        }
        req.is_head = !strcmp(req.h.method, "HEAD");
        route(&req);
        finish_body(&req);
        bool again = req.keep_alive && req.state != R_UPGRADED && !req.write_failed;
        req_release(&req);
        if (!again || !set_busy(c, false))
            return;
    }
}

static void conn_free(struct conn *c)
{
    struct gt_http_server *srv = c->srv;
    gt_http_transport_release(&c->tr);
    if (c->wake_fd >= 0)
        close(c->wake_fd);
    free(c->buf);
    free(c->peer.cert_cn);
    gt_strv_free(c->peer.cert_orgs);
    pthread_mutex_lock(&srv->lock);
    if (c->prev)
        c->prev->next = c->next;
    else
        srv->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    srv->nconns--;
    pthread_cond_broadcast(&srv->cond);
    pthread_mutex_unlock(&srv->lock);
    free(c);
}

/* Before closing with unread input (a body we refused), let the client
 * read our answer: a close with unread data sends a reset, which may
 * destroy the answer in flight.  Half-close, then drain briefly. */
static void linger_close(struct conn *c)
{
    gt_http_transport_shutdown_write(&c->tr);
    char sink[16384];
    size_t total = 0;
    int64_t deadline = gt_clock_ms() + 1000;
    while (total < DRAIN_MAX) {
        int left = gt_clock_left_ms(deadline);
        if (left <= 0 || gt_http_transport_wait(&c->tr, left, -1) <= 0)
            break;
        ssize_t n = recv(c->tr.fd, sink, sizeof sink, 0);
        if (n <= 0)
            break;
        total += n;
    }
}

static void *conn_main(void *arg)
{
    struct conn *c = arg;
    if (c->ls->kind == GT_HTTP_TLS) {
        struct gt_error err;
        if (gt_http_tls_accept(c->ls->tls, &c->tr, c->srv->o.read_timeout_ms, &c->peer, &err) < 0) {
            gt_debug("http: %s from %s", err.msg, c->peer.addr);
            conn_free(c);
            return NULL;
        }
    }
    conn_serve(c);
    if (c->linger)
        linger_close(c);
    conn_free(c);
    return NULL;
}

static void peer_fill(struct conn *c, const struct sockaddr_storage *sa)
{
    c->peer.kind = c->ls->kind;
    if (c->ls->kind == GT_HTTP_UNIX) {
        struct ucred cr;
        socklen_t l = sizeof cr;
        if (getsockopt(c->tr.fd, SOL_SOCKET, SO_PEERCRED, &cr, &l) == 0) {
            c->peer.has_cred = true;
            c->peer.pid = cr.pid;
            c->peer.uid = cr.uid;
            c->peer.gid = cr.gid;
        }
        return;
    }
    if (sa->ss_family == AF_INET) {
        const struct sockaddr_in *in = (const void *)sa;
        inet_ntop(AF_INET, &in->sin_addr, c->peer.addr, sizeof c->peer.addr);
        c->peer.port = ntohs(in->sin_port);
    } else if (sa->ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const void *)sa;
        inet_ntop(AF_INET6, &in6->sin6_addr, c->peer.addr, sizeof c->peer.addr);
        /* an IPv4 client on a dual-stack socket: show it as IPv4 */
        if (!strncmp(c->peer.addr, "::ffff:", 7) && strchr(c->peer.addr, '.'))
            memmove(c->peer.addr, c->peer.addr + 7, strlen(c->peer.addr + 7) + 1);
        c->peer.port = ntohs(in6->sin6_port);
    }
}

static void accept_one(struct listener *ls, int fd, const struct sockaddr_storage *sa)
{
    struct gt_http_server *srv = ls->srv;
    struct conn *c = gt_xcalloc(1, sizeof *c);
    c->srv = srv;
    c->ls = ls;
    gt_http_transport_init(&c->tr, fd);
    c->cap = 4096;
    c->buf = gt_xmalloc(c->cap);
    c->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    peer_fill(c, sa);
    struct timeval tv = { srv->o.write_timeout_ms / 1000, (srv->o.write_timeout_ms % 1000) * 1000 };
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (ls->kind != GT_HTTP_UNIX) {
        int one = 1; /* small streamed chunks go out at once */
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }

    pthread_mutex_lock(&srv->lock);
    bool refuse = srv->stopping || srv->nconns >= srv->o.max_conns || c->wake_fd < 0;
    if (!refuse) {
        c->next = srv->conns;
        if (srv->conns)
            srv->conns->prev = c;
        srv->conns = c;
        srv->nconns++;
    }
    pthread_mutex_unlock(&srv->lock);
    if (refuse) {
        if (ls->kind != GT_HTTP_TLS) {
            static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
                                       "Connection: close\r\n\r\n";
            if (send(fd, busy, sizeof busy - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
                /* best effort */
            }
        }
        gt_http_transport_release(&c->tr);
        if (c->wake_fd >= 0)
            close(c->wake_fd);
        free(c->buf);
        free(c);
        return;
    }
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, CONN_STACK);
    pthread_t th;
    int r = pthread_create(&th, &attr, conn_main, c);
    pthread_attr_destroy(&attr);
    if (r != 0) {
        gt_warn("http: no thread for a new connection: %s", strerror(r));
        conn_free(c);
    }
}

static void *accept_main(void *arg)
{
    struct listener *ls = arg;
    struct pollfd p[2] = { { .fd = ls->fd, .events = POLLIN }, { .fd = ls->srv->stop_fd, .events = POLLIN } };
    for (;;) {
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (p[1].revents)
            break;
        struct sockaddr_storage sa = { 0 };
        socklen_t sl = sizeof sa;
        int fd = accept4(ls->fd, (struct sockaddr *)&sa, &sl, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                gt_warn("http: accept: %s", strerror(errno));
                poll(NULL, 0, 100); /* let connections close */
            }
            continue;
        }
        accept_one(ls, fd, &sa);
    }
    return NULL;
}

/* ---- listeners ---- */

static int listen_unix(struct listener *ls, const struct gt_http_listen_opts *o,
                       struct gt_error *err)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (!o->path || !*o->path || strlen(o->path) >= sizeof sa.sun_path)
        return gt_err(err, EINVAL, "unix socket path \"%s\" is empty or too long",
                      o->path ? o->path : "");
    strcpy(sa.sun_path, o->path);
    cleanup_close int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return gt_err_sys(err, errno, "socket");
    struct stat st;
    if (lstat(o->path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            return gt_err(err, EEXIST, "listen on %s: exists and is not a socket", o->path);
        int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int live = probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof sa) == 0;
        if (probe >= 0)
            close(probe);
        if (live)
            return gt_err(err, EADDRINUSE, "listen on %s: another server is listening there",
                          o->path);
        unlink(o->path); /* stale, from a server that died */
    }
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
        return gt_err_sys(err, errno, "bind %s", o->path);
    if (chmod(o->path, o->mode ? o->mode : 0660) < 0 ||
        (o->gid != (gid_t)-1 && o->gid != 0 && chown(o->path, (uid_t)-1, o->gid) < 0)) {
        int e = errno;
        unlink(o->path);
        return gt_err_sys(err, e, "set mode and group of %s", o->path);
    }
    if (listen(fd, 1024) < 0) {
        int e = errno;
        unlink(o->path);
        return gt_err_sys(err, e, "listen on %s", o->path);
    }
    if (stat(o->path, &st) == 0) {
        ls->dev = st.st_dev;
        ls->ino = st.st_ino;
    }
    ls->path = gt_xstrdup(o->path);
    ls->fd = get_and_reset(&fd);
    return 0;
}

static int listen_tcp(struct listener *ls, const struct gt_http_listen_opts *o,
                      struct gt_error *err)
{
    if (!o->address)
        return gt_err(err, EINVAL, "TCP listener without an address");
    const char *a = o->address;
    const char *colon = strrchr(a, ':');
    if (!colon)
        return gt_err(err, EINVAL, "address \"%s\": expected host:port", a);
    cleanup_free char *host = gt_xstrndup(a, colon - a);
    if (host[0] == '[') { /* [::1] */
        size_t n = strlen(host);
        if (n < 2 || host[n - 1] != ']')
            return gt_err(err, EINVAL, "address \"%s\": unbalanced brackets", a);
        memmove(host, host + 1, n - 2);
        host[n - 2] = '\0';
    }
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
    struct addrinfo *res = NULL;
    int r = getaddrinfo(*host ? host : NULL, colon + 1, &hints, &res);
    if (r != 0)
        return gt_err(err, EINVAL, "address \"%s\": %s", a, gai_strerror(r));
    /* with no host, prefer the IPv6 wildcard: it takes IPv4 too */
    struct addrinfo *pick = res;
    for (struct addrinfo *ai = res; ai && !*host; ai = ai->ai_next)
        if (ai->ai_family == AF_INET6)
            pick = ai;
    cleanup_close int fd = socket(pick->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        freeaddrinfo(res);
        return gt_err_sys(err, errno, "socket for %s", a);
    }
    int one = 1, zero = 0;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (pick->ai_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, *host ? &one : &zero, sizeof one);
    r = bind(fd, pick->ai_addr, pick->ai_addrlen);
    freeaddrinfo(res);
    if (r < 0)
        return gt_err_sys(err, errno, "bind %s", a);
    if (listen(fd, 1024) < 0)
        return gt_err_sys(err, errno, "listen on %s", a);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
        ls->port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                                 : ((struct sockaddr_in6 *)&ss)->sin6_port);
    ls->fd = get_and_reset(&fd);
    return 0;
}

int gt_http_server_new(const struct gt_http_server_opts *opts, struct gt_http_server **out,
                       struct gt_error *err)
{
    struct gt_http_server *srv = gt_xcalloc(1, sizeof *srv);
    srv->o = *opts;
    if (!srv->o.max_body)
        srv->o.max_body = 16 << 20;
    if (!srv->o.max_head)
        srv->o.max_head = 64 << 10;
    if (srv->o.max_head < 1024)
        srv->o.max_head = 1024;
    if (!srv->o.idle_timeout_ms)
        srv->o.idle_timeout_ms = 300000;
    if (!srv->o.read_timeout_ms)
        srv->o.read_timeout_ms = 60000;
    if (!srv->o.write_timeout_ms)
        srv->o.write_timeout_ms = 60000;
    if (!srv->o.max_conns)
        srv->o.max_conns = 8192;
    srv->stop_fd = eventfd(0, EFD_CLOEXEC);
    if (srv->stop_fd < 0) {
        int e = errno;
        free(srv);
        return gt_err_sys(err, e, "eventfd");
    }
    pthread_mutex_init(&srv->lock, NULL);
    pthread_cond_init(&srv->cond, NULL);
    *out = srv;
    return 0;
}

int gt_http_server_listen(struct gt_http_server *srv, const struct gt_http_listen_opts *o,
                          struct gt_error *err)
{
    pthread_mutex_lock(&srv->lock);
    bool full = srv->nls == MAX_LISTENERS, stopping = srv->stopping;
    pthread_mutex_unlock(&srv->lock);
    if (full)
        return gt_err(err, ENOSPC, "too many listeners (at most %d)", MAX_LISTENERS);
    if (stopping)
        return gt_err(err, ESHUTDOWN, "the server is stopping");
    struct listener *ls = &srv->ls[srv->nls];
    memset(ls, 0, sizeof *ls);
    ls->srv = srv;
    ls->kind = o->kind;
    ls->fd = -1;
    ls->port = -1;
    int r;
    if (o->kind == GT_HTTP_TLS) {
        r = gt_http_tls_server_new(o, &ls->tls, err);
        if (r < 0)
            return gt_err_prefix(err, "TLS listener %s", o->address ? o->address : "");
    }
    r = o->kind == GT_HTTP_UNIX ? listen_unix(ls, o, err) : listen_tcp(ls, o, err);
    if (r == 0 && (r = pthread_create(&ls->thread, NULL, accept_main, ls)) != 0)
        r = gt_err(err, r, "start the accept thread: %s", strerror(r));
    if (r < 0) {
        if (ls->fd >= 0)
            close(ls->fd);
        if (ls->path)
            unlink(ls->path);
        free(ls->path);
        gt_http_tls_server_free(ls->tls);
        return r;
    }
    return srv->nls++;
}

int gt_http_server_port(struct gt_http_server *srv, int listener)
{
    if (listener < 0 || listener >= srv->nls)
        return -1;
    return srv->ls[listener].port;
}

static void shutdown_conns(struct gt_http_server *srv, bool busy_too)
{
    for (struct conn *c = srv->conns; c; c = c->next)
        if (busy_too || !c->busy)
            shutdown(c->tr.fd, SHUT_RDWR);
}

void gt_http_server_stop(struct gt_http_server *srv, int grace_ms)
{
    pthread_mutex_lock(&srv->lock);
    if (srv->stopping) {
        while (srv->nconns > 0 || !srv->stopped)
            pthread_cond_wait(&srv->cond, &srv->lock);
        pthread_mutex_unlock(&srv->lock);
        return;
    }
    srv->stopping = true;
    pthread_mutex_unlock(&srv->lock);
    uint64_t one = 1;
    if (write(srv->stop_fd, &one, sizeof one) < 0)
        gt_warn("http: wake the server's threads: %s", strerror(errno));
    for (int i = 0; i < srv->nls; i++) {
        struct listener *ls = &srv->ls[i];
        pthread_join(ls->thread, NULL);
        close(ls->fd);
        ls->fd = -1;
        struct stat st;
        /* only our own socket: another server may have taken the path */
        if (ls->path && stat(ls->path, &st) == 0 && st.st_dev == ls->dev && st.st_ino == ls->ino)
            unlink(ls->path);
    }
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += grace_ms / 1000;
    until.tv_nsec += (long)(grace_ms % 1000) * 1000000;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&srv->lock);
    shutdown_conns(srv, false);
    while (srv->nconns > 0)
        if (pthread_cond_timedwait(&srv->cond, &srv->lock, &until) == ETIMEDOUT)
            break;
    if (srv->nconns > 0)
        shutdown_conns(srv, true);
    while (srv->nconns > 0)
        pthread_cond_wait(&srv->cond, &srv->lock);
    srv->stopped = true;
    pthread_cond_broadcast(&srv->cond);
    pthread_mutex_unlock(&srv->lock);
}

void gt_http_server_free(struct gt_http_server *srv)
{
    if (!srv)
        return;
    gt_http_server_stop(srv, 5000);
    for (int i = 0; i < srv->nls; i++) {
        free(srv->ls[i].path);
        gt_http_tls_server_free(srv->ls[i].tls);
    }
    close(srv->stop_fd);
    pthread_mutex_destroy(&srv->lock);
    pthread_cond_destroy(&srv->cond);
    free(srv);
}
