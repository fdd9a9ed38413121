/* http/websocket.h - WebSocket (RFC 6455) over a gt_http_conn: the server
 * side of the handshake (kubectl exec: v5.channel.k8s.io), the client side
 * over gt_http_client (the etcd watch, tests and tools), and framing in
 * both roles.
 *
 * What a caller may rely on:
 * - gt_ws_recv() returns whole messages (fragments joined); pings are
 *   answered with pongs inside it, pongs are swallowed, so a reader loop
 *   keeps the peer's heartbeat alive (kubectl needs a pong within 61 s).
 * - A close from the peer is answered (same code) and gt_ws_recv() returns
 *   0; gt_ws_close_code() then tells the peer's code.
 * - gt_ws_send() is safe from several threads (frames never interleave),
 *   also while another thread sits in gt_ws_recv().
 * - Frames from a client must be masked, frames from a server must not;
 *   a violation, a reserved bit, or a bad control frame is -EBADMSG (and a
 *   close 1002 is sent).  Messages over the limit (default 16 MiB) give
 *   -EMSGSIZE (close 1009).
 * - gt_ws_free() does not close the underlying connection: on the server
 *   the request owns it and closes it when the handler returns; only the
 *   connection that gt_ws_connect() made is the WebSocket's own.
 */
#ifndef GT_HTTP_WEBSOCKET_H
#define GT_HTTP_WEBSOCKET_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "http/client.h"
#include "http/conn.h"
#include "http/server.h"

enum gt_ws_opcode {
    GT_WS_CONT = 0,
    GT_WS_TEXT = 1,
    GT_WS_BINARY = 2,
    GT_WS_CLOSE = 8,
    GT_WS_PING = 9,
    GT_WS_PONG = 10,
};

struct gt_ws;

/* Server: checks the handshake (GET, Upgrade: websocket, Connection:
 * upgrade, Sec-WebSocket-Version: 13, a key), picks the first of
 * `protocols` (NULL-terminated, server's preference, may be NULL) that the
 * client offered, and answers 101 with Sec-WebSocket-Accept.  When the
 * handshake is invalid, or the client offered protocols but none of ours,
 * the request is answered (400, or 426 for another version) and NULL is
 * returned with err saying why. */
struct gt_ws *gt_ws_accept(struct gt_http_req *req, const char *const *protocols,
                           struct gt_error *err);
/* Client: framing over an upgraded connection (masks what it sends). */
struct gt_ws *gt_ws_client(struct gt_http_conn *conn);
/* Client: the handshake too.  GET path on a fresh connection of c with a
 * random Sec-WebSocket-Key, offering `protocols` (NULL-terminated, may be
 * NULL); the answer must be 101 with the matching Sec-WebSocket-Accept
 * (and a protocol we offered, if any), else -EPROTO saying what came.
 * *out owns the connection (gt_ws_free closes it). */
int gt_ws_connect(struct gt_http_client *c, const char *path, const char *const *protocols,
                  struct gt_ws **out, struct gt_error *err);
void gt_ws_free(struct gt_ws *ws);

/* The connection beneath (for gt_http_conn_fd, say). */
struct gt_http_conn *gt_ws_conn(const struct gt_ws *ws);

/* The chosen subprotocol, or NULL. */
const char *gt_ws_protocol(const struct gt_ws *ws);
void gt_ws_set_max_message(struct gt_ws *ws, size_t max);

/* One message: returns GT_WS_TEXT or GT_WS_BINARY with *data (NUL-
 * terminated, caller frees) and *len; 0 when the peer closed; negative
 * errno on failure. */
int gt_ws_recv(struct gt_ws *ws, char **data, size_t *len);
/* The same, giving up with -EAGAIN when no message has begun within
 * timeout_ms (-1: no limit) or once wake_fd (if >= 0) polls readable: how
 * another thread cancels a reader.  A message that has begun is read to
 * its end. */
int gt_ws_recv_timeout(struct gt_ws *ws, int timeout_ms, int wake_fd, char **data, size_t *len);
/* One unfragmented message (GT_WS_TEXT or GT_WS_BINARY). */
int gt_ws_send(struct gt_ws *ws, int opcode, const void *data, size_t len);
/* Sends a frame as is (any opcode, fin or not): for pings and for tests of
 * fragmentation. */
int gt_ws_send_frame(struct gt_ws *ws, int opcode, bool fin, const void *data, size_t len);
/* Sends a close frame once (later calls do nothing); code 1000 = normal. */
int gt_ws_close(struct gt_ws *ws, uint16_t code, const char *reason);
/* The peer's close code (1005 when its close frame had none), 0 before. */
uint16_t gt_ws_close_code(const struct gt_ws *ws);

/* The Sec-WebSocket-Accept value for a Sec-WebSocket-Key (28 chars + NUL). */
void gt_ws_accept_key(const char *key, char out[29]);

#endif
