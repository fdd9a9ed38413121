/* The bytes under an HTTP connection: a socket, or a TLS session over it.
 * One reader and one writer may work at once (GnuTLS allows a send and a
 * receive in two threads on one session); writers are serialised here. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/internal.h"

void gt_http_transport_init(struct gt_http_transport *t, int fd)
{
    memset(t, 0, sizeof *t);
    t->fd = fd;
    pthread_mutex_init(&t->wlock, NULL);
}

void gt_http_transport_release(struct gt_http_transport *t)
{
    if (t->tls) {
        gnutls_deinit(t->tls);
        t->tls = NULL;
    }
    if (t->fd >= 0)
        close(t->fd);
    t->fd = -1;
    pthread_mutex_destroy(&t->wlock);
}

ssize_t gt_http_transport_recv(struct gt_http_transport *t, void *buf, size_t len)
{
    for (;;) {
        if (!t->tls) {
            ssize_t n = recv(t->fd, buf, len, 0);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                return -ETIMEDOUT;
            return n < 0 ? -errno : n;
        }
        ssize_t n = gnutls_record_recv(t->tls, buf, len);
        if (n >= 0)
            return n;
        if (n == GNUTLS_E_INTERRUPTED)
            continue;
        if (n == GNUTLS_E_AGAIN)
            return -ETIMEDOUT;
        /* a peer that closes without close_notify: EOF, as on a socket */
        if (n == GNUTLS_E_PREMATURE_TERMINATION)
            return 0;
        if (n == GNUTLS_E_REHANDSHAKE)
            continue; /* refused by not answering; keep reading */
        return -EIO;
    }
}

int gt_http_poll_fd(int fd, short events, int timeout_ms, int wake_fd)
{
    struct pollfd p[2] = { { .fd = fd, .events = events }, { .fd = wake_fd, .events = POLLIN } };
    for (;;) {
        int r = poll(p, wake_fd >= 0 ? 2 : 1, timeout_ms);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -errno;
        if (r == 0 || (wake_fd >= 0 && p[1].revents))
            return 0;
        return 1;
    }
}

int gt_http_transport_wait(struct gt_http_transport *t, int timeout_ms, int wake_fd)
{
    if (t->tls && gnutls_record_check_pending(t->tls) > 0)
        return 1;
    return gt_http_poll_fd(t->fd, POLLIN, timeout_ms, wake_fd);
}

static int send_plain(int fd, const struct iovec *iov_in, int n)
{
    struct iovec iov[16];
    if (n > 16)
        return -EINVAL;
    memcpy(iov, iov_in, n * sizeof *iov);
    struct iovec *v = iov;
    while (n > 0) {
        struct msghdr m = { .msg_iov = v, .msg_iovlen = n };
        ssize_t w = sendmsg(fd, &m, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            /* SO_SNDTIMEO ran out: a client that stopped reading */
            return (errno == EAGAIN || errno == EWOULDBLOCK) ? -ETIMEDOUT : -errno;
        }
        while (n > 0 && (size_t)w >= v->iov_len) {
            w -= v->iov_len;
            v++, n--;
        }
        if (n > 0) {
            v->iov_base = (char *)v->iov_base + w;
            v->iov_len -= w;
        }
    }
    return 0;
}

static int send_tls(gnutls_session_t s, const struct iovec *iov, int n)
{
    gnutls_record_cork(s);
    for (int i = 0; i < n; i++) {
        size_t off = 0;
        while (off < iov[i].iov_len) {
            ssize_t w = gnutls_record_send(s, (char *)iov[i].iov_base + off, iov[i].iov_len - off);
            if (w == GNUTLS_E_INTERRUPTED || w == GNUTLS_E_AGAIN)
                continue;
            if (w < 0) {
                gnutls_record_uncork(s, 0);
                return -EPIPE;
            }
            off += w;
        }
    }
    int r;
    do
        r = gnutls_record_uncork(s, GNUTLS_RECORD_WAIT);
    while (r == GNUTLS_E_INTERRUPTED);
    return r < 0 ? -EPIPE : 0;
}

int gt_http_transport_sendv(struct gt_http_transport *t, const struct iovec *iov, int n)
{
    pthread_mutex_lock(&t->wlock);
    int r = t->wr_shut ? -EPIPE : t->tls ? send_tls(t->tls, iov, n) : send_plain(t->fd, iov, n);
    pthread_mutex_unlock(&t->wlock);
    return r;
}

int gt_http_transport_shutdown_write(struct gt_http_transport *t)
{
    pthread_mutex_lock(&t->wlock);
    int r = 0;
    if (!t->wr_shut) {
        t->wr_shut = true;
        if (t->tls)
            gnutls_bye(t->tls, GNUTLS_SHUT_WR);
        if (shutdown(t->fd, SHUT_WR) < 0)
            r = -errno;
    }
    pthread_mutex_unlock(&t->wlock);
    return r;
}
