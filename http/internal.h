/* http/internal.h - pieces shared by the files of http/ (not a public
 * contract): request-head parsing, percent-decoding, route matching, the
 * socket/TLS transport and the server's TLS setup. */
#ifndef GT_HTTP_INTERNAL_H
#define GT_HTTP_INTERNAL_H

#include <gnutls/gnutls.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "base/error.h"
#include "http/server.h"

/* ---- parse.c ---- */

struct gt_http_hdr {
    const char *name;
    const char *value;
};

#define GT_HTTP_MAX_HEADERS 128

struct gt_http_head {
    const char *method;
    const char *target;
    int minor; /* HTTP/1.<minor> */
    struct gt_http_hdr hdrs[GT_HTTP_MAX_HEADERS];
    size_t nhdrs;
};

/* Length of the request head at the start of buf (request line, headers,
 * the empty line), leading empty lines included; 0 when incomplete. */
size_t gt_http_head_len(const char *buf, size_t len);
/* Parses a complete head in place (writes NULs into buf; the head keeps
 * pointing into buf).  0, -EBADMSG (400), -E2BIG (431: too many headers),
 * -EPROTONOSUPPORT (505). */
int gt_http_parse_head(char *buf, size_t len, struct gt_http_head *h);
/* Case-insensitive lookup; NULL when absent. */
const char *gt_http_head_get(const struct gt_http_head *h, const char *name);
/* Whether a comma-separated header value contains token (case-insensitive). */
bool gt_http_has_token(const char *value, const char *token);
/* New NUL-terminated string with %XX decoded (invalid escapes kept as they
 * are) and, if plus, '+' as space. */
char *gt_http_pct_decode(const char *s, size_t n, bool plus);

/* ---- router.c ---- */

#define GT_HTTP_MAX_PARAMS 8

struct gt_http_capture {
    const char *name; /* points into the pattern */
    size_t name_len;
    const char *val;  /* points into the path */
    size_t val_len;
};

/* Whether path matches pattern; captures filled (up to GT_HTTP_MAX_PARAMS). */
bool gt_http_match(const char *pattern, const char *path, struct gt_http_capture *caps,
                   size_t *ncaps);

/* ---- transport.c: a plain socket or a TLS session over it ---- */

struct gt_http_transport {
    int fd;
    gnutls_session_t tls; /* NULL for plain */
    pthread_mutex_t wlock;
    bool wr_shut;
};

void gt_http_transport_init(struct gt_http_transport *t, int fd);
/* Closes the fd and frees the TLS session. */
void gt_http_transport_release(struct gt_http_transport *t);
/* > 0, 0 at EOF, negative errno; blocks. */
ssize_t gt_http_transport_recv(struct gt_http_transport *t, void *buf, size_t len);
/* 1 readable, 0 timeout (or wake_fd, if >= 0, readable), negative errno. */
int gt_http_transport_wait(struct gt_http_transport *t, int timeout_ms, int wake_fd);
/* poll() of fd for events, retrying on EINTR: 1 ready (or an error or
 * hang-up to report), 0 on timeout or when wake_fd (if >= 0) polls
 * readable, negative errno.  Shared by the server and client sides. */
int gt_http_poll_fd(int fd, short events, int timeout_ms, int wake_fd);
/* Writes every iovec, in order, as one unit (under the write lock). */
int gt_http_transport_sendv(struct gt_http_transport *t, const struct iovec *iov, int n);
int gt_http_transport_shutdown_write(struct gt_http_transport *t);

/* ---- tls.c ---- */

struct gt_http_tls_server;
int gt_http_tls_server_new(const struct gt_http_listen_opts *o, struct gt_http_tls_server **out,
                           struct gt_error *err);
void gt_http_tls_server_free(struct gt_http_tls_server *ts);
/* Handshake on t->fd (sets t->tls); fills the peer's certificate identity.
 * Fails (negative) when the client's certificate is missing but required,
 * or does not verify. */
int gt_http_tls_accept(struct gt_http_tls_server *ts, struct gt_http_transport *t,
                       int timeout_ms, struct gt_http_peer *peer, struct gt_error *err);
/* Installs the MSG_NOSIGNAL push function (shared with the client side). */
void gt_http_tls_set_transport(gnutls_session_t s, int fd);

#endif
