/* Hijacked sessions (attach, exec start): the answer that turns the
 * connection into a raw pipe, or a WebSocket (attach/ws), and a pump
 * thread for the client's side.
 *
 * The pump owns reading: the client's bytes go to the engine's stdin pipe
 * (or are dropped); at the client's EOF (the CLI half-closes when its stdin
 * ends) the pipe's write end is closed, so the engine sees EOF.  A client
 * that hung up entirely (POLLHUP on a unix socket: both directions shut)
 * fires cancel_fd, which the engine call takes as its cancel_fd: a
 * half-close must not cancel, since the CLI still reads the output. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "http/conn.h"
#include "docker/internal.h"

static void fire(int efd)
{
    uint64_t one = 1;
    if (write(efd, &one, sizeof one) < 0) {
        /* an eventfd counter does not overflow here */
    }
}

static bool stopped(int stop_fd, int sock, int timeout_ms, short events, short *revents)
{
    struct pollfd p[2] = { { .fd = stop_fd, .events = POLLIN }, { .fd = sock, .events = events } };
    int r;
    do
        r = poll(p, 2, timeout_ms);
    while (r < 0 && errno == EINTR);
    *revents = r > 0 ? p[1].revents : 0;
    return r > 0 && p[0].revents;
}

/* Copies to the engine's stdin; false when told to stop meanwhile. */
static bool feed(struct gt_docker_hijack *h, const char *buf, size_t n)
{
    size_t off = 0;
    while (off < n && h->in_pipe[1] >= 0) {
        ssize_t w = send(h->in_pipe[1], buf + off, n - off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno == EAGAIN) {
            /* the engine is not reading (yet): wait, but stay stoppable */
            short rev;
            if (stopped(h->stop_fd, h->in_pipe[1], -1, POLLOUT, &rev))
                return false;
            continue;
        }
        if (w <= 0) { /* the engine closed stdin: drop the rest */
            close(h->in_pipe[1]);
            h->in_pipe[1] = -1;
            break;
        }
        off += w;
    }
    return true;
}

static void end_stdin(struct gt_docker_hijack *h)
{
    if (h->in_pipe[1] >= 0) {
        close(h->in_pipe[1]);
        h->in_pipe[1] = -1;
    }
}

static void *pump_main(void *arg)
{
    struct gt_docker_hijack *h = arg;
    int sock = gt_http_req_fd(h->req);
    char *buf = gt_xmalloc(32 * 1024);
    short rev;
    for (;;) {
        /* bytes already buffered (behind the request head, or inside TLS)
         * are not seen by poll on the socket */
        if (gt_http_conn_wait_readable(h->conn, 0) != 1 &&
            stopped(h->stop_fd, sock, -1, POLLIN | POLLRDHUP, &rev))
            goto out;
        ssize_t n = gt_http_conn_read(h->conn, buf, 32 * 1024);
        if (n <= 0)
            break;
        if (h->want_stdin && !feed(h, buf, n))
            goto out;
    }
    /* EOF: the client half-closed (its stdin ended) or left */
    end_stdin(h);
    /* no events asked: poll reports only a hang-up or an error */
    if (!stopped(h->stop_fd, sock, -1, 0, &rev) && (rev & (POLLHUP | POLLERR | POLLNVAL)))
        fire(h->cancel_fd);
out:
    free(buf);
    return NULL;
}

static void *ws_pump_main(void *arg)
{
    struct gt_docker_hijack *h = arg;
    for (;;) {
        char *data;
        size_t len;
        int r = gt_ws_recv_timeout(h->ws, -1, h->stop_fd, &data, &len);
        if (r == -EAGAIN)
            return NULL; /* told to stop */
        if (r <= 0)
            break; /* the client's close (answered), or a broken connection */
        bool go_on = !h->want_stdin || feed(h, data, len);
        free(data);
        if (!go_on)
            return NULL;
    }
    end_stdin(h);
    fire(h->cancel_fd);
    return NULL;
}

int gt_docker_hijack_answer_ws(struct gt_docker_hijack *h, int opcode, struct gt_error *err)
{
    h->ws = gt_ws_accept(h->req, NULL, err);
    if (!h->ws) { /* answered; no session, so the engine must not wait for one */
        fire(h->cancel_fd);
        return -EPROTO;
    }
    h->ws_opcode = opcode;
    h->conn = gt_ws_conn(h->ws);
    int r = pthread_create(&h->pump, NULL, ws_pump_main, h);
    if (r) {
        fire(h->cancel_fd);
        return gt_err_sys(err, r, "start a thread");
    }
    h->pump_started = true;
    return 0;
}

int gt_docker_sink_ws(void *hp, const void *data, size_t len)
{
    struct gt_docker_hijack *h = hp;
    return gt_ws_send(h->ws, h->ws_opcode, data, len);
}

/* After our close: the client's close, or at most a moment. */
static void ws_finish(struct gt_ws *ws)
{
    gt_ws_close(ws, 1000, NULL);
    int64_t deadline = gt_clock_ms() + 2000;
    while (!gt_ws_close_code(ws)) {
        char *data;
        size_t len;
        int r = gt_ws_recv_timeout(ws, (int)gt_clock_left_ms(deadline), -1, &data, &len);
        free(data);
        if (r <= 0)
            break;
    }
}

int gt_docker_hijack_init(struct gt_docker_hijack *h, struct gt_http_req *req, bool want_stdin,
                          struct gt_error *err)
{
    *h = (struct gt_docker_hijack){ .req = req, .in_pipe = { -1, -1 }, .cancel_fd = -1,
                                    .stop_fd = -1, .want_stdin = want_stdin };
    h->cancel_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    h->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (h->cancel_fd < 0 || h->stop_fd < 0) {
        int e = errno;
        gt_docker_hijack_end(h);
        return gt_err_sys(err, e, "eventfd");
    }
    /* a socket pair, so that writing after the engine stopped reading
     * gives EPIPE rather than SIGPIPE */
    if (want_stdin && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, h->in_pipe) < 0) {
        int e = errno;
        gt_docker_hijack_end(h);
        return gt_err_sys(err, e, "socketpair");
    }
    if (want_stdin)
        shutdown(h->in_pipe[0], SHUT_WR); /* the engine's end only reads */
    return 0;
}

int gt_docker_hijack_answer(struct gt_docker_hijack *h, const char *content_type,
                            struct gt_error *err)
{
    struct gt_http_req *req = h->req;
    const char *up = gt_http_req_header(req, "Upgrade");
    bool upgrade = up && !strcasecmp(up, "tcp");
    gt_http_add_header(req, "Content-Type", content_type);
    if (upgrade) {
        gt_http_add_header(req, "Connection", "Upgrade");
        gt_http_add_header(req, "Upgrade", "tcp");
    }
    /* a client that did not ask to upgrade gets the raw stream anyway, as
     * from dockerd, behind a 200 */
    h->conn = gt_http_upgrade(req, upgrade ? 101 : 200, upgrade ? "UPGRADED" : "OK", err);
    if (!h->conn)
        return -EPIPE;
    int r = pthread_create(&h->pump, NULL, pump_main, h);
    if (r)
        return gt_err_sys(err, r, "start a thread");
    h->pump_started = true;
    return 0;
}

void gt_docker_hijack_end(struct gt_docker_hijack *h)
{
    if (h->pump_started) {
        fire(h->stop_fd);
        pthread_join(h->pump, NULL);
        h->pump_started = false;
    }
    if (h->ws) {
        ws_finish(h->ws);
        gt_ws_free(h->ws);
        h->ws = NULL;
    }
    int *fds[] = { &h->in_pipe[0], &h->in_pipe[1], &h->cancel_fd, &h->stop_fd };
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        if (*fds[i] >= 0) {
            close(*fds[i]);
            *fds[i] = -1;
        }
}
