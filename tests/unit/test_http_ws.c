/* WebSocket (RFC 6455) on the server: handshake, subprotocol, frames in
 * and out, masking, fragmentation, ping/pong, close. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/mem.h"
#include "http/client.h"
#include "http/server.h"
#include "http/websocket.h"
#include "tests/unit/test_http_util.h"
#include "tests/unit/unit.h"

static const char *const protos[] = { "v5.channel.k8s.io", "v4.channel.k8s.io", NULL };
static int g_last_close;

/* echo, as an exec session would pump; "\x03bye" ends it the way kubectl
 * exec expects: a status on channel 3, then a close */
static void h_ws(struct gt_http_req *req, void *ctx)
{
    struct gt_error err;
    struct gt_ws *ws = gt_ws_accept(req, protos, &err);
    if (!ws)
        return;
    for (;;) {
        char *m;
        size_t n;
        int op = gt_ws_recv(ws, &m, &n);
        if (op <= 0) {
            g_last_close = op == 0 ? gt_ws_close_code(ws) : op;
            break;
        }
        if (n == 4 && !memcmp(m, "\x03" "bye", 4)) {
            static const char st[] = "\x03{\"metadata\":{},\"status\":\"Success\"}";
            gt_ws_send(ws, GT_WS_BINARY, st, sizeof st - 1);
            gt_ws_close(ws, 1000, NULL);
        } else {
            gt_ws_send(ws, op, m, n);
        }
        free(m);
    }
    gt_ws_free(ws);
}

static const struct gt_http_route routes[] = {
    { "GET", "/api/v1/namespaces/{ns}/pods/{name}/exec", h_ws },
};

static struct gt_http_server *start(int *port)
{
    struct gt_http_server *srv;
    struct gt_error err;
    if (gt_http_server_new(&(struct gt_http_server_opts){ .routes = routes, .nroutes = 1 }, &srv, &err) < 0)
        abort();
    int l = gt_http_server_listen(srv, &(struct gt_http_listen_opts){ .kind = GT_HTTP_TCP, .address = "127.0.0.1:0" }, &err);
    if (l < 0)
        abort();
    *port = gt_http_server_port(srv, l);
    return srv;
}

/* The server, and a client of it (*c NULL if it could not be made). */
static struct gt_http_server *start_with_client(struct gt_http_client **c)
{
    int port;
    struct gt_http_server *srv = start(&port);
    cleanup_free char *url = gt_xasprintf("http://127.0.0.1:%d", port);
    if (gt_http_client_new(&(struct gt_http_client_opts){ .url = url }, c, NULL) < 0)
        *c = NULL;
    return srv;
}

#define HANDSHAKE(extra) \
    "GET /api/v1/namespaces/default/pods/web-1/exec?command=sh&stdout=true HTTP/1.1\r\n" \
    "Host: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" extra "\r\n"
#define GOOD "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"

/* a masked client frame */
static void send_frame(int fd, int op, bool fin, const char *p, size_t n, bool mask)
{
    unsigned char h[14] = { (unsigned char)((fin ? 0x80 : 0) | op), (unsigned char)((mask ? 0x80 : 0) | n) };
    unsigned char key[4] = { 1, 2, 3, 4 };
    th_send(fd, (char *)h, 2);
    if (mask)
        th_send(fd, (char *)key, 4);
    char buf[256];
    for (size_t i = 0; i < n; i++)
        buf[i] = mask ? p[i] ^ key[i & 3] : p[i];
    th_send(fd, buf, n);
}

/* a server frame: opcode, payload */
static int read_frame(int fd, char *p, size_t *n)
{
    unsigned char h[2];
    if (!th_read_n(fd, (char *)h, 2))
        return -1;
    if (h[1] & 0x80)
        return -2; /* servers must not mask */
    *n = h[1] & 0x7f;
    if (*n >= 126)
        return -3;
    if (!th_read_n(fd, p, *n))
        return -1;
    p[*n] = '\0';
    return h[0];
}

TEST(ws_accept_key_matches_rfc6455_example)
{
    char out[29];
    gt_ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", out);
    CHECK_STR_EQ(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(ws_handshake_subprotocol_frames_ping)
{
    int port;
    struct gt_http_server *srv = start(&port);
    int fd = th_connect_tcp("127.0.0.1", port);
    struct th_resp r;
    REQUIRE(th_sends(fd, HANDSHAKE(GOOD "Sec-WebSocket-Protocol: v5.channel.k8s.io\r\n")));
    REQUIRE(th_read_head(fd, &r));
    CHECK_INT_EQ(r.status, 101);
    char v[64];
    CHECK_STR_EQ(th_header(&r, "Sec-WebSocket-Accept", v, sizeof v), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    CHECK_STR_EQ(th_header(&r, "Sec-WebSocket-Protocol", v, sizeof v), "v5.channel.k8s.io");
    CHECK_STR_EQ(th_header(&r, "Upgrade", v, sizeof v), "websocket");
    CHECK_STR_EQ(th_header(&r, "Connection", v, sizeof v), "Upgrade");
    /* a binary message, as kubectl sends stdin: channel 0 + bytes */
    send_frame(fd, 2, true, "\x00line1\n", 7, true);
    char p[256];
    size_t n;
    CHECK_INT_EQ(read_frame(fd, p, &n), 0x82);
    CHECK_INT_EQ(n, 7);
    CHECK(!memcmp(p, "\x00line1\n", 7));
    /* a ping between the fragments of a message: pong at once, then the
     * reassembled message */
    send_frame(fd, 2, false, "\x01he", 3, true);
    send_frame(fd, 9, true, "hb", 2, true);
    send_frame(fd, 0, true, "llo", 3, true);
    CHECK_INT_EQ(read_frame(fd, p, &n), 0x8A);
    CHECK_STR_EQ(p, "hb");
    CHECK_INT_EQ(read_frame(fd, p, &n), 0x82);
    CHECK_INT_EQ(n, 6);
    CHECK(!memcmp(p, "\x01hello", 6));
    /* the end of an exec: status on channel 3, close 1000, answered */
    send_frame(fd, 2, true, "\x03" "bye", 4, true);
    CHECK_INT_EQ(read_frame(fd, p, &n), 0x82);
    CHECK_STR_EQ(p + 1, "{\"metadata\":{},\"status\":\"Success\"}");
    CHECK_INT_EQ(read_frame(fd, p, &n), 0x88);
    CHECK_INT_EQ(n, 2);
    CHECK_INT_EQ(((unsigned char)p[0] << 8) | (unsigned char)p[1], 1000);
    send_frame(fd, 8, true, "\x03\xe8", 2, true);
    char c;
    CHECK_INT_EQ(recv(fd, &c, 1, 0), 0); /* closed after the handshake */
    close(fd);
    gt_http_server_free(srv);
    CHECK_INT_EQ(g_last_close, 1000);
}

TEST(ws_unmasked_client_frame_is_a_protocol_error)
{
    int port;
    struct gt_http_server *srv = start(&port);
    int fd = th_connect_tcp("127.0.0.1", port);
    struct th_resp r;
    REQUIRE(th_sends(fd, HANDSHAKE(GOOD)));
    REQUIRE(th_read_head(fd, &r));
    CHECK_INT_EQ(r.status, 101);
    char v[64];
    CHECK(th_header(&r, "Sec-WebSocket-Protocol", v, sizeof v) == NULL); /* none offered */
    send_frame(fd, 2, true, "abc", 3, false);
    char p[256];
    size_t n;
    CHECK_INT_EQ(read_frame(fd, p, &n), 0x88);
    CHECK_INT_EQ(((unsigned char)p[0] << 8) | (unsigned char)p[1], 1002);
    close(fd);
    gt_http_server_free(srv);
    CHECK_INT_EQ(g_last_close, -EBADMSG);
}

TEST(ws_bad_handshakes_are_refused)
{
    int port;
    struct gt_http_server *srv = start(&port);
    static const struct {
        const char *req;
        int status;
    } bad[] = {
        { HANDSHAKE("Sec-WebSocket-Version: 13\r\n"), 400 },
        { HANDSHAKE("Sec-WebSocket-Version: 8\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"), 426 },
        { HANDSHAKE(GOOD "Sec-WebSocket-Protocol: SPDY/3.1+portforward.k8s.io\r\n"), 400 },
        { "GET /api/v1/namespaces/default/pods/web-1/exec HTTP/1.1\r\nHost: x\r\n" GOOD "\r\n", 400 },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int fd = th_connect_tcp("127.0.0.1", port);
        struct th_resp r;
        REQUIRE(th_sends(fd, bad[i].req) && th_read_resp(fd, &r, false));
        if (r.status != bad[i].status)
            unit_fail(__FILE__, __LINE__, "handshake %zu: %d, expected %d", i, r.status, bad[i].status);
        if (bad[i].status == 426) {
            char v[16];
            CHECK_STR_EQ(th_header(&r, "Sec-WebSocket-Version", v, sizeof v), "13");
        }
        th_resp_free(&r);
        close(fd);
    }
    gt_http_server_free(srv);
}

TEST(ws_client_role_large_messages)
{
    struct gt_http_client *c;
    struct gt_http_server *srv = start_with_client(&c);
    REQUIRE(c);
    struct gt_error err;
    static const char *const hs[] = { "Connection: Upgrade", "Upgrade: websocket", "Sec-WebSocket-Version: 13",
                                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
                                      "Sec-WebSocket-Protocol: v4.channel.k8s.io, v5.channel.k8s.io", NULL };
    struct gt_http_response resp;
    struct gt_http_client_conn *cc;
    REQUIRE(gt_http_client_upgrade(c, "GET", "/api/v1/namespaces/default/pods/p/exec", hs, NULL, 0, &resp, &cc, &err) == 0);
    CHECK_INT_EQ(resp.status, 101);
    /* the server's preference wins */
    CHECK_STR_EQ(gt_http_response_header(&resp, "Sec-WebSocket-Protocol"), "v5.channel.k8s.io");
    REQUIRE(cc);
    struct gt_ws *ws = gt_ws_client(gt_http_client_conn_conn(cc));
    /* 16-bit and 64-bit lengths */
    size_t sizes[] = { 125, 126, 65535, 70000 };
    for (size_t i = 0; i < 4; i++) {
        cleanup_free char *big = gt_xmalloc(sizes[i]);
        for (size_t k = 0; k < sizes[i]; k++)
            big[k] = (char)(k * 7);
        CHECK_INT_EQ(gt_ws_send(ws, GT_WS_BINARY, big, sizes[i]), 0);
        char *m = NULL;
        size_t n = 0;
        CHECK_INT_EQ(gt_ws_recv(ws, &m, &n), GT_WS_BINARY);
        CHECK_INT_EQ(n, sizes[i]);
        CHECK(m && !memcmp(m, big, n));
        free(m);
    }
    CHECK_INT_EQ(gt_ws_close(ws, 1000, "done"), 0);
    char *m;
    size_t n;
    CHECK_INT_EQ(gt_ws_recv(ws, &m, &n), 0);
    CHECK_INT_EQ(gt_ws_close_code(ws), 1000);
    gt_ws_free(ws);
    gt_http_client_conn_free(cc);
    gt_http_response_release(&resp);
    gt_http_client_free(c);
    gt_http_server_free(srv);
}

TEST(ws_connect_handshake_timeout_wake_and_fd)
{
    struct gt_http_client *c;
    struct gt_http_server *srv = start_with_client(&c);
    REQUIRE(c);
    struct gt_error err;
    /* a path without a WebSocket behind it: refused, saying so */
    struct gt_ws *ws = NULL;
    CHECK_INT_EQ(gt_ws_connect(c, "/nowhere", NULL, &ws, &err), -EPROTO);
    CHECK_STR_CONTAINS(err.msg, "upgrade refused: HTTP 404");
    CHECK(ws == NULL);

    static const char *const offer[] = { "v4.channel.k8s.io", "v5.channel.k8s.io", NULL };
    int r = gt_ws_connect(c, "/api/v1/namespaces/default/pods/p/exec", offer, &ws, &err);
    if (r < 0)
        unit_fail(__FILE__, __LINE__, "%s", err.msg);
    REQUIRE(r == 0 && ws);
    CHECK_STR_EQ(gt_ws_protocol(ws), "v5.channel.k8s.io");
    int fd = gt_http_conn_fd(gt_ws_conn(ws));
    CHECK(fd >= 0);

    /* nothing sent: the time runs out, and a wake fd cuts the wait short */
    char *m = NULL;
    size_t n = 0;
    CHECK_INT_EQ(gt_ws_recv_timeout(ws, 50, -1, &m, &n), -EAGAIN);
    int pfd[2];
    REQUIRE(pipe(pfd) == 0);
    REQUIRE(write(pfd[1], "x", 1) == 1);
    CHECK_INT_EQ(gt_ws_recv_timeout(ws, 10000, pfd[0], &m, &n), -EAGAIN);
    close(pfd[0]);
    close(pfd[1]);

    /* the echo arrives within the time, and the socket polled readable */
    CHECK_INT_EQ(gt_ws_send(ws, GT_WS_TEXT, "hello", 5), 0);
    struct pollfd p = { .fd = fd, .events = POLLIN };
    CHECK_INT_EQ(poll(&p, 1, 5000), 1);
    CHECK_INT_EQ(gt_ws_recv_timeout(ws, 5000, -1, &m, &n), GT_WS_TEXT);
    CHECK(n == 5 && m && !memcmp(m, "hello", 5));
    free(m);
    CHECK_INT_EQ(gt_ws_close(ws, 1000, NULL), 0);
    CHECK_INT_EQ(gt_ws_recv(ws, &m, &n), 0);
    gt_ws_free(ws); /* closes the connection it made */
    gt_http_client_free(c);
    gt_http_server_free(srv);
}
