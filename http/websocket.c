/* WebSocket framing and the server handshake (RFC 6455). */
#include <errno.h>
#include <nettle/base64.h>
#include <nettle/sha1.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "base/cleanup.h"
#include "base/clock.h"
#include "base/mem.h"
#include "http/internal.h"
#include "http/websocket.h"

struct gt_ws {
    struct gt_http_conn *conn;
    struct gt_http_client_conn *own; /* gt_ws_connect's connection */
    bool server;
    char *protocol;
    size_t max_message;
    pthread_mutex_t wlock;
    bool close_sent;
    uint16_t peer_close;
};

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

void gt_ws_accept_key(const char *key, char out[29])
{
    struct sha1_ctx ctx;
    uint8_t digest[SHA1_DIGEST_SIZE];
    sha1_init(&ctx);
    sha1_update(&ctx, strlen(key), (const uint8_t *)key);
    sha1_update(&ctx, strlen(WS_GUID), (const uint8_t *)WS_GUID);
    sha1_digest(&ctx, sizeof digest, digest);
    base64_encode_raw(out, sizeof digest, digest);
    out[BASE64_ENCODE_RAW_LENGTH(SHA1_DIGEST_SIZE)] = '\0';
}

static struct gt_ws *ws_new(struct gt_http_conn *conn, bool server)
{
    struct gt_ws *ws = gt_xcalloc(1, sizeof *ws);
    ws->conn = conn;
    ws->server = server;
    ws->max_message = 16 << 20;
    pthread_mutex_init(&ws->wlock, NULL);
    return ws;
}

struct gt_ws *gt_ws_client(struct gt_http_conn *conn)
{
    return ws_new(conn, false);
}

void gt_ws_free(struct gt_ws *ws)
{
    if (!ws)
        return;
    pthread_mutex_destroy(&ws->wlock);
    gt_http_client_conn_free(ws->own);
    free(ws->protocol);
    free(ws);
}

struct gt_http_conn *gt_ws_conn(const struct gt_ws *ws)
{
    return ws->conn;
}

const char *gt_ws_protocol(const struct gt_ws *ws)
{
    return ws->protocol;
}

void gt_ws_set_max_message(struct gt_ws *ws, size_t max)
{
    ws->max_message = max;
}

uint16_t gt_ws_close_code(const struct gt_ws *ws)
{
    return ws->peer_close;
}

/* The first of ours that the client offered; "" when it offered none. */
static const char *pick_protocol(const char *offered, const char *const *ours)
{
    if (!offered || !*offered)
        return "";
    for (const char *const *p = ours; p && *p; p++)
        if (gt_http_has_token(offered, *p))
            return *p;
    return NULL;
}

struct gt_ws *gt_ws_accept(struct gt_http_req *req, const char *const *protocols,
                           struct gt_error *err)
{
    const char *up = gt_http_req_header(req, "Upgrade");
    const char *conn = gt_http_req_header(req, "Connection");
    const char *ver = gt_http_req_header(req, "Sec-WebSocket-Version");
    const char *key = gt_http_req_header(req, "Sec-WebSocket-Key");
    const char *why = NULL;
    if (strcmp(gt_http_req_method(req), "GET") != 0)
        why = "a WebSocket handshake must be a GET";
    else if (!up || !gt_http_has_token(up, "websocket"))
        why = "missing \"Upgrade: websocket\"";
    else if (!conn || !gt_http_has_token(conn, "upgrade"))
        why = "missing \"Connection: Upgrade\"";
    else if (!key || strlen(key) != 24)
        why = "missing or malformed Sec-WebSocket-Key";
    if (why) {
        gt_http_respond_error(req, 400, "%s", why);
        gt_err(err, EPROTO, "%s", why);
        return NULL;
    }
    if (!ver || strcmp(ver, "13") != 0) {
        gt_http_add_header(req, "Sec-WebSocket-Version", "13");
        gt_http_respond_error(req, 426, "unsupported WebSocket version %s", ver ? ver : "(none)");
        gt_err(err, EPROTO, "unsupported WebSocket version %s", ver ? ver : "(none)");
        return NULL;
    }
    const char *offered = gt_http_req_header(req, "Sec-WebSocket-Protocol");
    const char *proto = pick_protocol(offered, protocols);
    if (!proto) {
        gt_http_respond_error(req, 400, "none of the offered WebSocket subprotocols (%s) is supported",
                              offered);
        gt_err(err, EPROTO, "no supported subprotocol in \"%s\"", offered);
        return NULL;
    }
    char accept[29];
    gt_ws_accept_key(key, accept);
    gt_http_add_header(req, "Upgrade", "websocket");
    gt_http_add_header(req, "Connection", "Upgrade");
    gt_http_add_header(req, "Sec-WebSocket-Accept", accept);
    if (*proto)
        gt_http_add_header(req, "Sec-WebSocket-Protocol", proto);
    struct gt_http_conn *c = gt_http_upgrade(req, 101, "Switching Protocols", err);
    if (!c)
        return NULL;
    struct gt_ws *ws = ws_new(c, true);
    if (*proto)
        ws->protocol = gt_xstrdup(proto);
    return ws;
}

static bool offered(const char *const *protocols, const char *proto)
{
    for (const char *const *p = protocols; p && *p; p++)
        if (strcmp(*p, proto) == 0)
            return true;
    return false;
}

int gt_ws_connect(struct gt_http_client *c, const char *path, const char *const *protocols,
                  struct gt_ws **out, struct gt_error *err)
{
    uint8_t nonce[16];
    if (getrandom(nonce, sizeof nonce, 0) != sizeof nonce)
        return gt_err_sys(err, errno, "WebSocket %s: getrandom", path);
    char key[BASE64_ENCODE_RAW_LENGTH(sizeof nonce) + 1];
    base64_encode_raw(key, sizeof nonce, nonce);
    key[sizeof key - 1] = '\0';
    cleanup_free char *key_hdr = gt_xasprintf("Sec-WebSocket-Key: %s", key);
    cleanup_free char *proto_hdr = NULL;
    for (const char *const *p = protocols; p && *p; p++) {
        char *h = gt_xasprintf("%s%s%s", proto_hdr ? proto_hdr : "Sec-WebSocket-Protocol: ",
                               proto_hdr ? ", " : "", *p);
        free(proto_hdr);
        proto_hdr = h;
    }
    const char *const hs[] = { "Connection: Upgrade", "Upgrade: websocket",
                               "Sec-WebSocket-Version: 13", key_hdr, proto_hdr, NULL };
    struct gt_http_response resp;
    struct gt_http_client_conn *cc = NULL;
    int r = gt_http_client_upgrade(c, "GET", path, hs, NULL, 0, &resp, &cc, err);
    if (r < 0)
        return r;
    char want[29];
    gt_ws_accept_key(key, want);
    const char *accept = gt_http_response_header(&resp, "Sec-WebSocket-Accept");
    const char *proto = gt_http_response_header(&resp, "Sec-WebSocket-Protocol");
    if (resp.status != 101)
        r = gt_err(err, EPROTO, "WebSocket %s: upgrade refused: HTTP %d%s%.200s", path,
                   resp.status, resp.body ? ": " : "", resp.body ? resp.body : "");
    else if (!accept || strcmp(accept, want) != 0)
        r = gt_err(err, EPROTO, "WebSocket %s: bad Sec-WebSocket-Accept", path);
    else if (proto && !offered(protocols, proto))
        r = gt_err(err, EPROTO, "WebSocket %s: the server chose subprotocol \"%s\", not offered",
                   path, proto);
    if (r == 0) {
        struct gt_ws *ws = ws_new(gt_http_client_conn_conn(cc), false);
        ws->own = cc;
        if (proto)
            ws->protocol = gt_xstrdup(proto);
        *out = ws;
    } else {
        gt_http_client_conn_free(cc);
    }
    gt_http_response_release(&resp);
    return r;
}

/* ---- frames ---- */

static int read_full(struct gt_http_conn *c, void *buf, size_t len)
{
    size_t off = 0;
    while (off < len) {
        ssize_t n = gt_http_conn_read(c, (char *)buf + off, len - off);
        if (n < 0)
            return (int)n;
        if (n == 0)
            return -ECONNRESET;
        off += n;
    }
    return 0;
}

int gt_ws_send_frame(struct gt_ws *ws, int opcode, bool fin, const void *data, size_t len)
{
    uint8_t h[14];
    size_t hl = 2;
    h[0] = (fin ? 0x80 : 0) | (opcode & 0x0f);
    uint8_t maskbit = ws->server ? 0 : 0x80;
    if (len < 126) {
        h[1] = maskbit | (uint8_t)len;
    } else if (len <= 0xffff) {
        h[1] = maskbit | 126;
        h[2] = len >> 8;
        h[3] = len & 0xff;
        hl = 4;
    } else {
        h[1] = maskbit | 127;
        for (int i = 0; i < 8; i++)
            h[2 + i] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
        hl = 10;
    }
    cleanup_free uint8_t *masked = NULL;
    if (!ws->server) {
        uint8_t *key = h + hl;
        if (getrandom(key, 4, 0) != 4)
            memset(key, 0x5a, 4);
        hl += 4;
        masked = gt_xmalloc(len ? len : 1);
        for (size_t i = 0; i < len; i++)
            masked[i] = ((const uint8_t *)data)[i] ^ key[i & 3];
        data = masked;
    }
    pthread_mutex_lock(&ws->wlock);
    int r = gt_http_conn_write(ws->conn, h, hl);
    if (r == 0 && len)
        r = gt_http_conn_write(ws->conn, data, len);
    pthread_mutex_unlock(&ws->wlock);
    return r;
}

int gt_ws_send(struct gt_ws *ws, int opcode, const void *data, size_t len)
{
    if (opcode != GT_WS_TEXT && opcode != GT_WS_BINARY)
        return -EINVAL;
    return gt_ws_send_frame(ws, opcode, true, data, len);
}

int gt_ws_close(struct gt_ws *ws, uint16_t code, const char *reason)
{
    pthread_mutex_lock(&ws->wlock);
    bool sent = ws->close_sent;
    ws->close_sent = true;
    pthread_mutex_unlock(&ws->wlock);
    if (sent)
        return 0;
    uint8_t p[125];
    size_t rl = reason ? strlen(reason) : 0;
    if (rl > sizeof p - 2)
        rl = sizeof p - 2;
    p[0] = code >> 8;
    p[1] = code & 0xff;
    if (rl)
        memcpy(p + 2, reason, rl);
    return gt_ws_send_frame(ws, GT_WS_CLOSE, true, p, 2 + rl);
}

static int fail(struct gt_ws *ws, int code, uint16_t close_code)
{
    gt_ws_close(ws, close_code, NULL);
    return code;
}

int gt_ws_recv(struct gt_ws *ws, char **data, size_t *len)
{
    return gt_ws_recv_timeout(ws, -1, -1, data, len);
}

int gt_ws_recv_timeout(struct gt_ws *ws, int timeout_ms, int wake_fd, char **data, size_t *len)
{
    cleanup_free char *msg = NULL;
    size_t mlen = 0;
    int mop = -1; /* opcode of the message being assembled */
    int64_t deadline = timeout_ms < 0 ? -1 : gt_clock_ms() + timeout_ms;
    *data = NULL;
    *len = 0;
    for (;;) {
        uint8_t h[2];
        int r;
        /* between messages (control frames come there too) */
        if (mop < 0 && (timeout_ms >= 0 || wake_fd >= 0)) {
            r = gt_http_conn_wait_woken(ws->conn, gt_clock_left_ms(deadline), wake_fd);
            if (r <= 0)
                return r < 0 ? r : -EAGAIN;
        }
        r = read_full(ws->conn, h, 2);
        if (r < 0)
            return r;
        bool fin = h[0] & 0x80;
        int op = h[0] & 0x0f;
        bool masked = h[1] & 0x80;
        uint64_t plen = h[1] & 0x7f;
        if (h[0] & 0x70)
            return fail(ws, -EBADMSG, 1002); /* no extension negotiated */
        if (masked != ws->server)
            return fail(ws, -EBADMSG, 1002);
        bool control = op & 0x08;
        if (control && (!fin || plen > 125))
            return fail(ws, -EBADMSG, 1002);
        if (plen == 126) {
            uint8_t e[2];
            if ((r = read_full(ws->conn, e, 2)) < 0)
                return r;
            plen = (uint64_t)e[0] << 8 | e[1];
        } else if (plen == 127) {
            uint8_t e[8];
            if ((r = read_full(ws->conn, e, 8)) < 0)
                return r;
            plen = 0;
            for (int i = 0; i < 8; i++)
                plen = plen << 8 | e[i];
        }
        uint8_t key[4] = { 0 };
        if (masked && (r = read_full(ws->conn, key, 4)) < 0)
            return r;
        if (control) {
            uint8_t p[126];
            if ((r = read_full(ws->conn, p, plen)) < 0)
                return r;
            for (uint64_t i = 0; i < plen; i++)
                p[i] ^= key[i & 3];
            if (op == GT_WS_PING) {
                r = gt_ws_send_frame(ws, GT_WS_PONG, true, p, plen);
                if (r < 0)
                    return r;
            } else if (op == GT_WS_CLOSE) {
                ws->peer_close = plen >= 2 ? (uint16_t)(p[0] << 8 | p[1]) : 1005;
                gt_ws_close(ws, plen >= 2 ? ws->peer_close : 1000, NULL);
                return 0;
            } else if (op != GT_WS_PONG) {
                return fail(ws, -EBADMSG, 1002);
            }
            continue;
        }
        if (op == GT_WS_CONT ? mop < 0 : (mop >= 0 || (op != GT_WS_TEXT && op != GT_WS_BINARY)))
            return fail(ws, -EBADMSG, 1002);
        if (op != GT_WS_CONT)
            mop = op;
        if (plen > ws->max_message || mlen + plen > ws->max_message)
            return fail(ws, -EMSGSIZE, 1009);
        char *nm = realloc(msg, mlen + plen + 1); /* the peer picks the size */
        if (!nm)
            return fail(ws, -ENOMEM, 1009);
        msg = nm;
        if ((r = read_full(ws->conn, msg + mlen, plen)) < 0)
            return r;
        for (uint64_t i = 0; i < plen; i++)
            msg[mlen + i] ^= key[i & 3];
        mlen += plen;
        msg[mlen] = '\0';
        if (fin) {
            *data = steal_pointer(&msg);
            *len = mlen;
            return mop;
        }
    }
}
