/* Output of streamed answers: multiplexed frames (8-byte header) or raw
 * bytes, JSON message streams that begin with their first message, and
 * pumps between an engine call working on an fd and the HTTP body. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "http/conn.h"
#include "docker/internal.h"

void gt_docker_frame_header(unsigned char hdr[8], int stream, uint32_t len)
{
    hdr[0] = (unsigned char)stream;
    hdr[1] = hdr[2] = hdr[3] = 0;
    hdr[4] = (unsigned char)(len >> 24);
    hdr[5] = (unsigned char)(len >> 16);
    hdr[6] = (unsigned char)(len >> 8);
    hdr[7] = (unsigned char)len;
}

size_t gt_docker_format_time(int64_t ns, char *buf, size_t bufsz)
{
    time_t sec = (time_t)(ns / 1000000000LL);
    long frac = (long)(ns % 1000000000LL);
    if (frac < 0) {
        frac += 1000000000L;
        sec--;
    }
    struct tm tm;
    gmtime_r(&sec, &tm);
    int n = snprintf(buf, bufsz, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
    return n < 0 ? 0 : (size_t)n < bufsz ? (size_t)n : bufsz - 1;
}

const char *gt_docker_stream_type(const struct gt_http_req *req, bool tty)
{
    return !tty && gt_docker_api_at_least(req, "1.42") ? GT_DOCKER_MUX_STREAM
                                                        : GT_DOCKER_RAW_STREAM;
}

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int gt_docker_out_emit(void *ctx, int stream, const void *data, size_t len, int64_t ts_ns)
{
    struct gt_docker_out *o = ctx;
    char ts[48];
    size_t tl = 0;
    if (o->timestamps) {
        tl = gt_docker_format_time(ts_ns ? ts_ns : now_ns(), ts, sizeof ts - 1);
        ts[tl++] = ' ';
    }
    const char *p = data;
    do {
        /* a frame's length is 32 bits: split anything larger */
        size_t n = len > 0x7fffffffU ? 0x7fffffffU : len;
        size_t hl = o->tty ? 0 : 8;
        size_t total = hl + tl + n;
        char small[8192];
        char *buf = total <= sizeof small ? small : malloc(total);
        if (!buf)
            return -1;
        if (hl)
            gt_docker_frame_header((unsigned char *)buf, stream, (uint32_t)(tl + n));
        memcpy(buf + hl, ts, tl);
        memcpy(buf + hl + tl, p, n);
        int r = o->write(o->sink, buf, total);
        if (buf != small)
            free(buf);
        if (r < 0)
            return -1;
        p += n;
        len -= n;
        tl = 0; /* the time goes on the first piece only */
    } while (len > 0);
    return 0;
}

int gt_docker_sink_http(void *req, const void *data, size_t len)
{
    return gt_http_stream_write(req, data, len);
}

int gt_docker_sink_conn(void *conn, const void *data, size_t len)
{
    return gt_http_conn_write(conn, data, len);
}

/* ---- JSON message streams ---- */

json_t *gt_docker_error_message(const char *msg)
{
    return json_pack("{s:{s:s}, s:s}", "errorDetail", "message", msg, "error", msg);
}

void gt_docker_jstream_init(struct gt_docker_jstream *js, struct gt_http_req *req,
                            const char *sep)
{
    *js = (struct gt_docker_jstream){ .req = req, .sep = sep };
    pthread_mutex_init(&js->lock, NULL);
}

/* under js->lock */
static int js_write(struct gt_docker_jstream *js, const json_t *msg)
{
    if (!js->begun) {
        js->begun = true;
        if (gt_http_stream_begin(js->req, 200, "application/json", false) < 0) {
            js->failed = true;
            return -1;
        }
    }
    cleanup_free char *s = json_dumps(msg, JSON_COMPACT);
    if (!s)
        return 0;
    cleanup_free char *line = gt_xasprintf("%s%s", s, js->sep);
    if (gt_http_stream_write(js->req, line, strlen(line)) < 0) {
        js->failed = true;
        return -1;
    }
    return 0;
}

int gt_docker_jstream_emit(void *ctx, const json_t *msg)
{
    struct gt_docker_jstream *js = ctx;
    pthread_mutex_lock(&js->lock);
    int r = js->failed ? -1 : js_write(js, msg);
    pthread_mutex_unlock(&js->lock);
    return r;
}

void gt_docker_jstream_finish(struct gt_docker_jstream *js, int rc, const struct gt_error *err)
{
    pthread_mutex_lock(&js->lock);
    if (rc < 0 && !js->begun) {
        js->begun = true; /* late emits from stray threads stay out */
        pthread_mutex_unlock(&js->lock);
        gt_docker_fail(js->req, rc, err);
        pthread_mutex_destroy(&js->lock);
        return;
    }
    if (rc < 0 && !js->failed && rc != -ECANCELED) {
        cleanup_json json_t *m = gt_docker_error_message(err && err->msg[0] ? err->msg : "failed");
        js_write(js, m);
    } else if (!js->begun) {
        js->begun = true;
        gt_http_stream_begin(js->req, 200, "application/json", false);
    }
    gt_http_stream_end(js->req);
    pthread_mutex_unlock(&js->lock);
    pthread_mutex_destroy(&js->lock);
}

/* ---- fd pumps ---- */

struct writer_job {
    gt_docker_writer_fn fn;
    void *ctx;
    int fd;
    int rc;
    struct gt_error err;
};

static void *writer_main(void *arg)
{
    struct writer_job *j = arg;
    gt_err_clear(&j->err);
    j->rc = j->fn(j->ctx, j->fd, &j->err);
    close(j->fd); /* EOF for the reader */
    return NULL;
}

void gt_docker_stream_from(struct gt_http_req *req, const char *content_type,
                           gt_docker_writer_fn fn, void *ctx)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        struct gt_error err;
        gt_err_sys(&err, errno, "pipe");
        gt_docker_fail(req, -errno, &err);
        return;
    }
    struct writer_job j = { .fn = fn, .ctx = ctx, .fd = p[1] };
    pthread_t th;
    int r = pthread_create(&th, NULL, writer_main, &j);
    if (r) {
        close(p[0]);
        close(p[1]);
        struct gt_error err;
        gt_err_sys(&err, r, "start a thread");
        gt_docker_fail(req, -r, &err);
        return;
    }
    bool begun = false, client_gone = false;
    char *buf = gt_xmalloc(64 * 1024);
    for (;;) {
        ssize_t n = read(p[0], buf, 64 * 1024);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (client_gone)
            continue; /* drain, so the writer finishes */
        if (!begun) {
            begun = true;
            if (gt_http_stream_begin(req, 200, content_type, false) < 0)
                client_gone = true;
        }
        if (!client_gone && gt_http_stream_write(req, buf, n) < 0)
            client_gone = true;
        if (client_gone) {
            /* the writer gets EPIPE on its next write */
            close(p[0]);
            p[0] = -1;
            break;
        }
    }
    free(buf);
    pthread_join(th, NULL);
    if (p[0] >= 0)
        close(p[0]);
    if (j.rc < 0 && !begun) {
        gt_docker_fail(req, j.rc, &j.err);
        return;
    }
    if (j.rc < 0) {
        /* a truncated archive must not look complete: cut the connection
         * instead of ending the chunked body */
        gt_warn("%s %s: %s (after the answer began)", gt_http_req_method(req),
                gt_http_req_path(req), j.err.msg);
        shutdown(gt_http_req_fd(req), SHUT_RDWR);
        return;
    }
    if (!begun)
        gt_http_stream_begin(req, 200, content_type, false);
    gt_http_stream_end(req);
}

struct gt_docker_body {
    struct gt_http_req *req;
    int fd;
    atomic_int rc; /* set before fd is closed */
};

static void *body_pump_main(void *arg)
{
    struct gt_docker_body *p = arg;
    char *buf = gt_xmalloc(64 * 1024);
    for (;;) {
        ssize_t n = gt_http_req_read(p->req, buf, 64 * 1024);
        if (n <= 0) {
            p->rc = (int)n;
            break;
        }
        ssize_t off = 0;
        while (off < n) {
            ssize_t w = send(p->fd, buf + off, n - off, MSG_NOSIGNAL);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                break;
            off += w;
        }
        if (off < n) { /* the reader stopped: drop the rest (the layer drains it) */
            p->rc = 0;
            break;
        }
    }
    free(buf);
    close(p->fd);
    return NULL;
}

int gt_docker_body_to(struct gt_http_req *req, gt_docker_reader_fn fn, void *ctx,
                      struct gt_error *err)
{
    int p[2]; /* a socket pair, so that a reader that stops gives EPIPE, not SIGPIPE */
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) < 0)
        return gt_err_sys(err, errno, "socketpair");
    struct gt_docker_body pump = { .req = req, .fd = p[1] };
    pthread_t th;
    int r = pthread_create(&th, NULL, body_pump_main, &pump);
    if (r) {
        close(p[0]);
        close(p[1]);
        return gt_err_sys(err, r, "start a thread");
    }
    r = fn(ctx, p[0], &pump, err);
    close(p[0]); /* a pump still writing gets EPIPE and ends */
    pthread_join(th, NULL);
    if (r >= 0 && pump.rc < 0)
        r = gt_err_sys(err, -pump.rc, "read the request body");
    return r;
}

int gt_docker_body_complete(struct gt_docker_body *body, struct gt_error *err)
{
    int rc = atomic_load(&body->rc);
    if (rc < 0)
        return gt_err_sys(err, -rc, "the request body was cut short");
    return 0;
}
