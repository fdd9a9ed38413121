/* http/conn.h - a raw byte connection in both directions: what an HTTP
 * connection becomes after an upgrade (Docker's attach/exec hijack, a
 * WebSocket), on the server (gt_http_upgrade) and on the client
 * (gt_http_client_upgrade), over a plain socket or over TLS alike.
 *
 * What a caller may rely on:
 * - Bytes the peer sent right behind the upgrade request or response are
 *   not lost: the first reads return them.
 * - One thread may read while another writes; writes from several threads
 *   are serialised (each gt_http_conn_write goes out whole, not interleaved).
 * - Writes never raise SIGPIPE; a peer that went away gives -EPIPE (or
 *   another negative errno).
 * - gt_http_conn_shutdown_write half-closes: the peer reads EOF, and this
 *   side can still read what the peer sends (over TLS: close_notify, then
 *   the TCP half-close).
 */
#ifndef GT_HTTP_CONN_H
#define GT_HTTP_CONN_H

#include <stddef.h>
#include <sys/types.h>

struct gt_http_conn;

/* Implementations (server side, client side) fill this table. */
struct gt_http_conn_ops {
    ssize_t (*read)(struct gt_http_conn *c, void *buf, size_t len);
    int (*write)(struct gt_http_conn *c, const void *buf, size_t len);
    int (*shutdown_write)(struct gt_http_conn *c);
    /* 1 when a read would not block (data or EOF), 0 on timeout, -errno */
    int (*wait_readable)(struct gt_http_conn *c, int timeout_ms);
};

struct gt_http_conn {
    const struct gt_http_conn_ops *ops;
};

/* Up to len bytes: > 0 read, 0 at EOF (the peer closed or half-closed),
 * negative errno on failure.  Blocks until something arrives. */
static inline ssize_t gt_http_conn_read(struct gt_http_conn *c, void *buf, size_t len)
{
    return c->ops->read(c, buf, len);
}
/* Writes all of buf, flushed; 0 or negative errno. */
static inline int gt_http_conn_write(struct gt_http_conn *c, const void *buf, size_t len)
{
    return c->ops->write(c, buf, len);
}
/* Half-close: the peer sees EOF; reading goes on.  0 or negative errno. */
static inline int gt_http_conn_shutdown_write(struct gt_http_conn *c)
{
    return c->ops->shutdown_write(c);
}
/* timeout_ms < 0 waits for ever.  1 readable (data or EOF), 0 timeout, -errno. */
static inline int gt_http_conn_wait_readable(struct gt_http_conn *c, int timeout_ms)
{
    return c->ops->wait_readable(c, timeout_ms);
}

#endif
