/* store/websocket.h - a WebSocket (RFC 6455) client over a libcurl
 * connection, for etcd's watch stream.
 *
 * etcd's JSON gateway answers a plain POST /v3/watch only once the request
 * body has ended, so a stream that must carry requests after the first
 * (progress requests, cancels) needs the WebSocket form of the same
 * endpoint.  Debian's libcurl 7.88 is built without WebSocket support, so
 * libcurl makes the connection (CONNECT_ONLY: TCP, and TLS for https) and
 * this module does the upgrade handshake and the framing: text messages,
 * fragmented or not, client frames masked, pings answered.
 *
 * One thread at a time per connection. */
#ifndef GT_STORE_WEBSOCKET_H
#define GT_STORE_WEBSOCKET_H

#include <curl/curl.h>
#include <stddef.h>

#include "base/error.h"

struct gt_etcd_ws;

/* Connects to url (http:// or https://, with the path to upgrade), calling
 * setup(handle, arg) first so that the caller can add TLS options. */
int gt_etcd_ws_connect(const char *url, void (*setup)(CURL *h, void *arg), void *arg,
                  int timeout_ms, struct gt_etcd_ws **out, struct gt_error *err);
/* Sends one text message. */
int gt_etcd_ws_send_text(struct gt_etcd_ws *ws, const char *data, size_t len, struct gt_error *err);
/* Waits up to timeout_ms (-1: without limit) for the next complete message.
 * 1: *msg and *len hold it (owned by ws, valid until the next call); 0: the time
 * ran out, or wake_fd (if >= 0) became readable; < 0: the connection failed
 * or was closed. */
int gt_etcd_ws_recv(struct gt_etcd_ws *ws, int timeout_ms, int wake_fd, char **msg, size_t *len,
               struct gt_error *err);
/* The socket, for poll(). */
int gt_etcd_ws_fd(struct gt_etcd_ws *ws);
void gt_etcd_ws_free(struct gt_etcd_ws *ws);

#endif
