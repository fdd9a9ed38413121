/* store/websocket.c - WebSocket client framing over a libcurl connection
 * (see websocket.h for why). */
#include "store/websocket.h"

#include <errno.h>
#include <nettle/base64.h>
#include <nettle/sha1.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "base/mem.h"

/* Largest message accepted: a watch response replaying history can be big,
 * but not this big. */
#define WS_MAX_MESSAGE (256u << 20)
#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

struct gt_etcd_ws {
    CURL *h;
    curl_socket_t sock;
    char *in; /* bytes received, not yet framed: in[off, len) */
    size_t off, len, cap;
    char *msg; /* the message being assembled */
    size_t mlen, mcap;
    bool msg_ready; /* msg holds a complete message the caller has */
};

enum {
    OP_CONT = 0x0,
    OP_TEXT = 0x1,
    OP_BINARY = 0x2,
    OP_CLOSE = 0x8,
    OP_PING = 0x9,
    OP_PONG = 0xa,
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left before deadline (-1: none). */
static int left_ms(int64_t deadline)
{
    if (deadline < 0)
        return -1;
    int64_t l = deadline - now_ms();
    return l < 0 ? 0 : (int)l;
}

static int send_all(struct gt_etcd_ws *ws, const void *buf, size_t len, struct gt_error *err)
{
    const char *p = buf;
    int64_t deadline = now_ms() + 30000;
    while (len > 0) {
        size_t n = 0;
        CURLcode rc = curl_easy_send(ws->h, p, len, &n);
        if (rc == CURLE_AGAIN) {
            struct pollfd pfd = { .fd = ws->sock, .events = POLLOUT };
            int l = left_ms(deadline);
            if (l == 0 || poll(&pfd, 1, l) == 0)
                return gt_err(err, ETIMEDOUT, "websocket send: timed out");
            continue;
        }
        if (rc != CURLE_OK)
            return gt_err(err, EIO, "websocket send: %s", curl_easy_strerror(rc));
        p += n;
        len -= n;
    }
    return 0;
}

/* Reads what the socket has; 1 if something came, 0 on timeout or wake,
 * < 0 on error or end of stream. */
static int fill(struct gt_etcd_ws *ws, int64_t deadline, int wake_fd, struct gt_error *err)
{
    for (;;) {
        if (ws->off > 0 && ws->off == ws->len)
            ws->off = ws->len = 0;
        if (ws->cap - ws->len < 16384) {
            if (ws->off > 0) {
                memmove(ws->in, ws->in + ws->off, ws->len - ws->off);
                ws->len -= ws->off;
                ws->off = 0;
            }
            if (ws->cap - ws->len < 16384) {
                ws->cap = ws->cap ? ws->cap * 2 : 65536;
                ws->in = gt_xrealloc(ws->in, ws->cap);
            }
        }
        size_t n = 0;
        CURLcode rc = curl_easy_recv(ws->h, ws->in + ws->len, ws->cap - ws->len, &n);
        if (rc == CURLE_OK) {
            if (n == 0)
                return gt_err(err, ECONNRESET, "websocket: the server closed the connection");
            ws->len += n;
            return 1;
        }
        if (rc != CURLE_AGAIN)
            return gt_err(err, EIO, "websocket receive: %s", curl_easy_strerror(rc));
        struct pollfd pfd[2] = { { .fd = ws->sock, .events = POLLIN },
                                 { .fd = wake_fd, .events = POLLIN } };
        int r = poll(pfd, wake_fd >= 0 ? 2 : 1, left_ms(deadline));
        if (r < 0 && errno != EINTR)
            return gt_err_sys(err, errno, "websocket: poll");
        if (r == 0 || (wake_fd >= 0 && (pfd[1].revents & POLLIN)))
            return 0;
    }
}

static int send_frame(struct gt_etcd_ws *ws, int op, const char *data, size_t len,
                      struct gt_error *err)
{
    uint8_t hdr[14];
    size_t h = 0;
    hdr[h++] = (uint8_t)(0x80 | op);
    if (len < 126) {
        hdr[h++] = (uint8_t)(0x80 | len);
    } else if (len <= 0xffff) {
        hdr[h++] = 0x80 | 126;
        hdr[h++] = (uint8_t)(len >> 8);
        hdr[h++] = (uint8_t)len;
    } else {
        hdr[h++] = 0x80 | 127;
        for (int i = 7; i >= 0; i--)
            hdr[h++] = (uint8_t)((uint64_t)len >> (8 * i));
    }
    uint8_t mask[4];
    if (getrandom(mask, sizeof mask, 0) != sizeof mask)
        return gt_err_sys(err, errno, "websocket: getrandom");
    memcpy(hdr + h, mask, 4);
    h += 4;
    char *frame = malloc(h + len);
    if (!frame)
        return gt_err(err, ENOMEM, "websocket frame of %zu bytes", len);
    memcpy(frame, hdr, h);
    for (size_t i = 0; i < len; i++)
        frame[h + i] = (char)(data[i] ^ mask[i & 3]);
    int r = send_all(ws, frame, h + len, err);
    free(frame);
    return r;
}

int gt_etcd_ws_send_text(struct gt_etcd_ws *ws, const char *data, size_t len, struct gt_error *err)
{
    return send_frame(ws, OP_TEXT, data, len, err);
}

/* Takes one frame out of the input buffer.  1: a message is complete;
 * 0: need more bytes (or the frame was a control frame, handled); < 0:
 * error. */
static int take_frame(struct gt_etcd_ws *ws, bool *progress, struct gt_error *err)
{
    *progress = false;
    const uint8_t *p = (const uint8_t *)ws->in + ws->off;
    size_t avail = ws->len - ws->off;
    if (avail < 2)
        return 0;
    bool fin = p[0] & 0x80, masked = p[1] & 0x80;
    int op = p[0] & 0x0f;
    uint64_t plen = p[1] & 0x7f;
    size_t h = 2;
    if (plen == 126) {
        if (avail < 4)
            return 0;
        plen = (uint64_t)p[2] << 8 | p[3];
        h = 4;
    } else if (plen == 127) {
        if (avail < 10)
            return 0;
        plen = 0;
        for (int i = 0; i < 8; i++)
            plen = plen << 8 | p[2 + i];
        h = 10;
    }
    if (plen > WS_MAX_MESSAGE || ws->mlen + plen > WS_MAX_MESSAGE)
        return gt_err(err, EMSGSIZE, "websocket: message over %u bytes", WS_MAX_MESSAGE);
    size_t mh = masked ? 4 : 0;
    if (avail < h + mh + plen)
        return 0;
    const uint8_t *mask = p + h;
    char *payload = (char *)p + h + mh;
    if (masked)
        for (size_t i = 0; i < plen; i++)
            payload[i] = (char)(payload[i] ^ mask[i & 3]);
    ws->off += h + mh + plen;
    *progress = true;
    switch (op) {
    case OP_PING:
        return send_frame(ws, OP_PONG, payload, plen, err) < 0 ? -EIO : 0;
    case OP_PONG:
        return 0;
    case OP_CLOSE:
        return gt_err(err, ECONNRESET, "websocket: the server closed the stream");
    case OP_TEXT:
    case OP_BINARY:
    case OP_CONT:
        if (ws->mlen + plen + 1 > ws->mcap) {
            size_t ncap = (ws->mlen + plen + 1) * 2;
            char *m = realloc(ws->msg, ncap);
            if (!m)
                return gt_err(err, ENOMEM, "websocket message of %zu bytes",
                              (size_t)(ws->mlen + plen));
            ws->msg = m;
            ws->mcap = ncap;
        }
        memcpy(ws->msg + ws->mlen, payload, plen);
        ws->mlen += plen;
        ws->msg[ws->mlen] = '\0';
        return fin ? 1 : 0;
    default:
        return gt_err(err, EPROTO, "websocket: unknown opcode %d", op);
    }
}

int gt_etcd_ws_recv(struct gt_etcd_ws *ws, int timeout_ms, int wake_fd, char **msg, size_t *len,
               struct gt_error *err)
{
    if (ws->msg_ready) {
        ws->mlen = 0;
        ws->msg_ready = false;
    }
    int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
    for (;;) {
        bool progress;
        int r;
        while ((r = take_frame(ws, &progress, err)) == 0 && progress)
            ;
        if (r < 0)
            return r;
        if (r == 1) {
            ws->msg_ready = true;
            *msg = ws->msg;
            *len = ws->mlen;
            return 1;
        }
        r = fill(ws, deadline, wake_fd, err);
        if (r <= 0)
            return r;
    }
}

int gt_etcd_ws_fd(struct gt_etcd_ws *ws)
{
    return (int)ws->sock;
}

void gt_etcd_ws_free(struct gt_etcd_ws *ws)
{
    if (!ws)
        return;
    if (ws->h)
        curl_easy_cleanup(ws->h);
    free(ws->in);
    free(ws->msg);
    free(ws);
}

/* base64(sha1(key + GUID)), what the server must answer. */
static void expected_accept(const char *key, char out[29])
{
    struct sha1_ctx ctx;
    uint8_t d[SHA1_DIGEST_SIZE];
    sha1_init(&ctx);
    sha1_update(&ctx, strlen(key), (const uint8_t *)key);
    sha1_update(&ctx, strlen(WS_GUID), (const uint8_t *)WS_GUID);
    sha1_digest(&ctx, sizeof d, d);
    base64_encode_raw(out, sizeof d, d);
    out[28] = '\0';
}

/* The value of header name in the response head (NUL-terminated copy in
 * out), or false. */
static bool header_value(const char *head, const char *name, char *out, size_t outsz)
{
    size_t nlen = strlen(name);
    for (const char *l = strstr(head, "\r\n"); l; l = strstr(l, "\r\n")) {
        l += 2;
        if (strncasecmp(l, name, nlen) == 0 && l[nlen] == ':') {
            const char *v = l + nlen + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            size_t n = strcspn(v, "\r\n");
            while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
                n--;
            if (n >= outsz)
                n = outsz - 1;
            memcpy(out, v, n);
            out[n] = '\0';
            return true;
        }
    }
    return false;
}

static int handshake(struct gt_etcd_ws *ws, const char *url, int timeout_ms, struct gt_error *err)
{
    CURLU *u = curl_url();
    char *host = NULL, *port = NULL, *path = NULL;
    int r = 0;
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK)
        r = gt_err(err, EINVAL, "websocket: bad URL %s", url);
    curl_url_get(u, CURLUPART_PORT, &port, 0);
    uint8_t nonce[16];
    char key[25];
    if (r == 0 && getrandom(nonce, sizeof nonce, 0) != sizeof nonce)
        r = gt_err_sys(err, errno, "websocket: getrandom");
    char *req = NULL;
    if (r == 0) {
        base64_encode_raw(key, sizeof nonce, nonce);
        key[24] = '\0';
        req = gt_xasprintf("GET %s HTTP/1.1\r\nHost: %s%s%s\r\nUpgrade: websocket\r\n"
                           "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n",
                           path, host, port ? ":" : "", port ? port : "", key);
        r = send_all(ws, req, strlen(req), err);
    }
    free(req);
    curl_free(host);
    curl_free(port);
    curl_free(path);
    curl_url_cleanup(u);
    if (r < 0)
        return r;

    /* the response head; what follows it is the first frames */
    int64_t deadline = now_ms() + timeout_ms;
    char *end;
    for (;;) {
        end = ws->len ? memmem(ws->in, ws->len, "\r\n\r\n", 4) : NULL;
        if (end)
            break;
        if (ws->len > 65536)
            return gt_err(err, EPROTO, "websocket %s: response head too long", url);
        r = fill(ws, deadline, -1, err);
        if (r < 0)
            return gt_err_prefix(err, "websocket %s", url);
        if (r == 0)
            return gt_err(err, ETIMEDOUT, "websocket %s: no answer to the upgrade", url);
    }
    size_t hlen = (size_t)(end - ws->in) + 4;
    char *head = gt_xstrndup(ws->in, hlen);
    ws->off = hlen;
    char accept[64], want[29];
    expected_accept(key, want);
    if (strncmp(head, "HTTP/1.1 101", 12) != 0) {
        head[strcspn(head, "\r\n")] = '\0';
        r = gt_err(err, EPROTO, "websocket %s: upgrade refused: %s", url, head);
    } else if (!header_value(head, "Sec-WebSocket-Accept", accept, sizeof accept) ||
               strcmp(accept, want) != 0) {
        r = gt_err(err, EPROTO, "websocket %s: bad Sec-WebSocket-Accept", url);
    }
    free(head);
    return r;
}

int gt_etcd_ws_connect(const char *url, void (*setup)(CURL *h, void *arg), void *arg,
                  int timeout_ms, struct gt_etcd_ws **out, struct gt_error *err)
{
    struct gt_etcd_ws *ws = gt_xcalloc(1, sizeof *ws);
    ws->h = curl_easy_init();
    if (!ws->h) {
        free(ws);
        return gt_err(err, ENOMEM, "websocket: curl_easy_init failed");
    }
    curl_easy_setopt(ws->h, CURLOPT_URL, url);
    curl_easy_setopt(ws->h, CURLOPT_CONNECT_ONLY, 1L);
    curl_easy_setopt(ws->h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(ws->h, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms);
    if (setup)
        setup(ws->h, arg);
    CURLcode rc = curl_easy_perform(ws->h);
    int r = 0;
    if (rc != CURLE_OK) {
        r = gt_err(err, rc == CURLE_COULDNT_CONNECT ? ECONNREFUSED : EIO, "connect to %s: %s",
                   url, curl_easy_strerror(rc));
    } else {
        rc = curl_easy_getinfo(ws->h, CURLINFO_ACTIVESOCKET, &ws->sock);
        if (rc != CURLE_OK || ws->sock == CURL_SOCKET_BAD)
            r = gt_err(err, EIO, "connect to %s: no socket", url);
    }
    if (r == 0)
        r = handshake(ws, url, timeout_ms, err);
    if (r < 0) {
        gt_etcd_ws_free(ws);
        return r;
    }
    *out = ws;
    return 0;
}
