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
 * - A reader can be woken from another thread: gt_http_conn_wait_woken()
 *   returns when a descriptor of the caller's (an eventfd, a pipe) polls
 *   readable.
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
    /* 1 when a read would not block (data or EOF), 0 on timeout or when
     * wake_fd (if >= 0) polls readable, -errno */
    int (*wait_readable)(struct gt_http_conn *c, int timeout_ms, int wake_fd);
    /* the socket beneath */
    int (*fd)(struct gt_http_conn *c);
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
    return c->ops->wait_readable(c, timeout_ms, -1);
}
/* The same, but also 0 once wake_fd (if >= 0) polls readable while nothing
 * is buffered to read; wake_fd is not drained. */
static inline int gt_http_conn_wait_woken(struct gt_http_conn *c, int timeout_ms, int wake_fd)
{
    return c->ops->wait_readable(c, timeout_ms, wake_fd);
}
/* The socket under the connection, for a caller's poll() beside its other
 * descriptors.  It polls readable when the peer has sent something, but
 * bytes already received may wait in a buffer (the upgrade's, TLS's) where
 * poll() cannot see them: call gt_http_conn_wait_readable(c, 0) before
 * sleeping on the socket. */
static inline int gt_http_conn_fd(struct gt_http_conn *c)
{
    return c->ops->fd(c);
}

#endif
