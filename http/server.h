/* http/server.h - the HTTP/1.1 server under both of Gantry's APIs (Docker
 * Engine API on a unix socket, Kubernetes API over TLS).
 *
 * Model: one thread per connection.  A handler runs in its connection's
 * thread and may block as long as it likes (waiting for a container to
 * exit, for a watch event); other connections are not held up.  Requests
 * on one connection are handled one after the other, in order (pipelining
 * is safe).  The request (struct gt_http_req) and everything it hands out
 * stay valid until the handler returns; other threads may write to the
 * request's stream or upgraded connection meanwhile, and must be done with
 * them before the handler returns.
 *
 * Every handler answers in exactly one of these ways:
 *   gt_http_respond*()       a whole response (Content-Length);
 *   gt_http_stream_begin()   status and headers go out AT ONCE, flushed,
 *                            before any body; then gt_http_stream_write()
 *                            from any thread, each write flushed as one
 *                            chunk; gt_http_stream_end() finishes;
 *   gt_http_upgrade()        a status line (101 ...) and headers, then the
 *                            connection is a raw byte pipe (http/conn.h);
 *   gt_ws_accept()           (http/websocket.h) a WebSocket.
 * A handler that returns without answering gets a 500 (logged).
 *
 * What the layer does by itself: HEAD is answered as GET without a body;
 * Expect: 100-continue is answered when the handler first reads the body;
 * chunked request bodies are decoded; a body over the limit is answered 413;
 * malformed requests get 400 and the connection is closed; unknown paths
 * 404, known paths with another method 405 (with Allow).  Every error the
 * layer produces goes through the server's error_fn, so each API keeps its
 * own error shape.
 */
#ifndef GT_HTTP_SERVER_H
#define GT_HTTP_SERVER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"
#include "http/conn.h"

struct gt_http_server;
struct gt_http_req;

typedef void (*gt_http_handler_fn)(struct gt_http_req *req, void *ctx);

/* A route: method ("GET", "POST", ...; "*" for any) and a path pattern.
 * Patterns are literal text with named segments:
 *   {id}      one path segment (no '/'), at least one character
 *   {name:.+} greedy: one or more characters, slashes included; the rest of
 *             the pattern still has to match ("/images/{name:.+}/json"
 *             matches "/images/localhost:5000/a/b:1/json")
 * Captured values are percent-decoded (gt_http_req_param).  The first
 * matching route wins.  A GET route also answers HEAD. */
struct gt_http_route {
    const char *method;
    const char *pattern;
    gt_http_handler_fn handler;
    /* request body limit for this route: 0 = the server's max_body,
     * SIZE_MAX = no limit (docker build streams a whole context) */
    size_t max_body;
};

/* Produces an error response in the API's shape (Docker: {"message":..}
 * as exactly application/json; Kubernetes: a Status object).  Must answer
 * with gt_http_respond*().  The default writes {"message":"..."}. */
typedef void (*gt_http_error_fn)(struct gt_http_req *req, int status, const char *message,
                                 void *ctx);

/* Called before routing with the raw path (no query).  Returns how many
 * leading bytes to strip before matching (Docker: "/v1.50" -> 6), or a
 * negative value after answering the request itself (e.g. 400 "client
 * version 1.99 is too new").  May record a version with
 * gt_http_req_set_api_version(). */
typedef int (*gt_http_path_hook_fn)(struct gt_http_req *req, const char *path, void *ctx);

struct gt_http_server_opts {
    const struct gt_http_route *routes; /* table, not copied: keep it alive */
    size_t nroutes;
    void *ctx;                          /* passed to handlers and hooks */
    gt_http_error_fn error_fn;          /* NULL: {"message":...} */
    gt_http_path_hook_fn path_hook;     /* NULL: none */
    /* "Name: value" lines added to every response (Docker: "Api-Version:
     * 1.50", "Ostype: linux"); NULL-terminated, not copied. */
    const char *const *headers;
    size_t max_body;        /* default 16 MiB */
    size_t max_head;        /* request line + headers; default 64 KiB (431 beyond) */
    int idle_timeout_ms;    /* keep-alive wait for the next request; default 300 s */
    int read_timeout_ms;    /* inside a request head or body; default 60 s */
    int write_timeout_ms;   /* a client that stops reading; default 60 s */
    unsigned max_conns;     /* default 8192; beyond, new connections get 503 */
};

enum gt_http_listen_kind { GT_HTTP_UNIX, GT_HTTP_TCP, GT_HTTP_TLS };
enum gt_http_client_cert {
    GT_HTTP_CERT_NONE,     /* no client certificate asked for */
    GT_HTTP_CERT_OPTIONAL, /* asked for; if given it must verify against client_ca */
    GT_HTTP_CERT_REQUIRED, /* connections without a valid one are refused */
};

struct gt_http_listen_opts {
    enum gt_http_listen_kind kind;
    /* GT_HTTP_UNIX: socket path (a stale socket is replaced, a live one is
     * an error), its mode (0 = 0660) and group (0 or -1 = unchanged).  The path
     * is removed when the server stops. */
    const char *path;
    mode_t mode;
    gid_t gid;
    /* GT_HTTP_TCP / GT_HTTP_TLS: "127.0.0.1:8080", "[::1]:0", ":6443" (all
     * addresses, IPv6 and IPv4).  Port 0 picks a free port: see
     * gt_http_server_port(). */
    const char *address;
    /* GT_HTTP_TLS: PEM files.  ALPN offers http/1.1 only. */
    const char *cert_file, *key_file;
    const char *client_ca_file;          /* needed for client certificates */
    enum gt_http_client_cert client_cert;
};

/* The server does not accept anything until a listener is added. */
int gt_http_server_new(const struct gt_http_server_opts *opts, struct gt_http_server **out,
                       struct gt_error *err);
/* Binds and starts accepting at once; returns the listener's index (>= 0).
 * Several listeners may serve one server. */
int gt_http_server_listen(struct gt_http_server *srv, const struct gt_http_listen_opts *opts,
                          struct gt_error *err);
/* The bound port of a TCP/TLS listener (useful after port 0), or -1. */
int gt_http_server_port(struct gt_http_server *srv, int listener);
/* Graceful stop: listeners close (unix paths removed), idle keep-alive
 * connections close, running handlers see gt_http_req_wait() return
 * -ESHUTDOWN; after grace_ms the remaining connections are shut down
 * (their reads and writes fail) and stop waits for their handlers to
 * return.  Safe to call twice; not from a handler (it would wait for
 * itself). */
void gt_http_server_stop(struct gt_http_server *srv, int grace_ms);
/* Stops (if still running, with a 5 s grace) and frees. */
void gt_http_server_free(struct gt_http_server *srv);

/* ---- the request ---- */

const char *gt_http_req_method(const struct gt_http_req *req); /* "GET"; "HEAD" stays "HEAD" */
/* Path without query, raw (not decoded), after the path hook's strip. */
const char *gt_http_req_path(const struct gt_http_req *req);
/* The request target as sent ("/v1.50/containers/json?all=1"). */
const char *gt_http_req_target(const struct gt_http_req *req);
/* Case-insensitive; first occurrence; NULL when absent. */
const char *gt_http_req_header(const struct gt_http_req *req, const char *name);
/* Every occurrence of a repeated header (case-insensitive name), in order,
 * each value as sent (a comma inside one is not split); returns the count
 * and sets *values (borrowed, NULL-terminated, valid until the next call
 * or until the handler returns). */
size_t gt_http_req_header_all(struct gt_http_req *req, const char *name,
                              const char *const **values);
/* The i-th header line as sent (0-based): false past the last.  For
 * headers named by a prefix (Impersonate-Extra-<key>). */
bool gt_http_req_header_at(const struct gt_http_req *req, size_t i, const char **name,
                           const char **value);
/* A named segment of the matched pattern, decoded; NULL when absent. */
const char *gt_http_req_param(const struct gt_http_req *req, const char *name);
/* Query values, decoded (%XX and '+'): the first for key, or NULL. */
const char *gt_http_req_query(const struct gt_http_req *req, const char *key);
/* Every value for a repeated key ("t=a&t=b"), in order; returns the count
 * and sets *values (borrowed array, valid until the handler returns). */
size_t gt_http_req_query_all(struct gt_http_req *req, const char *key, const char *const **values);
/* "1", "true", "True", "yes" are true; "0", "false", "" false; absent or
 * anything else gives def. */
bool gt_http_req_query_bool(const struct gt_http_req *req, const char *key, bool def);
/* 0 for HTTP/1.0, 1 for HTTP/1.1. */
int gt_http_req_http_minor(const struct gt_http_req *req);
void gt_http_req_set_api_version(struct gt_http_req *req, const char *version);
const char *gt_http_req_api_version(const struct gt_http_req *req); /* "" when unset */

/* Who is on the other end. */
struct gt_http_peer {
    enum gt_http_listen_kind kind;
    bool has_cred;        /* unix: SO_PEERCRED */
    pid_t pid;
    uid_t uid;
    gid_t gid;
    char addr[64];        /* TCP/TLS: "127.0.0.1", "::1" */
    int port;
    bool cert_verified;   /* TLS: a client certificate was given and verified */
    char *cert_cn;        /* its subject CN (Kubernetes: the user), or NULL */
    char **cert_orgs;     /* its subject O values (Kubernetes: groups),
                             NULL-terminated, or NULL */
};
const struct gt_http_peer *gt_http_req_peer(const struct gt_http_req *req);

/* ---- the request body ---- */

/* The body as it arrives, chunked encoding removed: > 0 bytes, 0 at the
 * end, negative errno.  -EFBIG: over the route's limit, and the layer has
 * already answered 413 (the handler just returns); -EBADMSG: malformed
 * chunked framing, already answered 400. */
ssize_t gt_http_req_read(struct gt_http_req *req, void *buf, size_t len);
/* The whole body, NUL-terminated (*out, caller frees; *len may be NULL),
 * within the route's limit (-EFBIG as above). */
int gt_http_req_body(struct gt_http_req *req, char **out, size_t *len, struct gt_error *err);
/* The body parsed as JSON (an empty body is an error: -EINVAL, err says
 * so; the handler answers 400 from err). */
int gt_http_req_body_json(struct gt_http_req *req, json_t **out, struct gt_error *err);

/* ---- answering ---- */

/* Adds a response header (copied) for the answer that follows. */
void gt_http_add_header(struct gt_http_req *req, const char *name, const char *value);
/* content_type may be NULL (no Content-Type); body may be NULL with len 0.
 * 0, or a negative errno when the client is gone or the request already
 * answered (-EALREADY). */
int gt_http_respond(struct gt_http_req *req, int status, const char *content_type,
                    const void *body, size_t len);
/* Compact JSON, Content-Type exactly "application/json"; j is borrowed. */
int gt_http_respond_json(struct gt_http_req *req, int status, const json_t *j);
/* Through the server's error_fn (the API's error shape). */
int gt_http_respond_error(struct gt_http_req *req, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Sends the status line and headers now, flushed, with no body yet.  The
 * body is chunked for HTTP/1.1 clients and close-delimited for HTTP/1.0
 * ones (or when close_delimited is set: the connection then closes at the
 * end).  0 or negative errno. */
int gt_http_stream_begin(struct gt_http_req *req, int status, const char *content_type,
                         bool close_delimited);
/* One chunk, flushed.  Safe from any thread.  -EPIPE once the client is
 * gone (the writer should stop), -ESHUTDOWN when the stream was ended. */
int gt_http_stream_write(struct gt_http_req *req, const void *data, size_t len);
int gt_http_stream_printf(struct gt_http_req *req, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Ends the body (the final chunk) and wakes gt_http_req_wait().  Safe from
 * any thread; later writes get -ESHUTDOWN. */
int gt_http_stream_end(struct gt_http_req *req);

/* Waits until one of these happens, and says which:
 *   GT_HTTP_WAKE_FD       fd (the caller's; -1 for none) is readable
 *   GT_HTTP_WAKE_TIMEOUT  timeout_ms passed (< 0: no timeout)
 *   GT_HTTP_WAKE_NUDGE    gt_http_req_wake() or gt_http_stream_end() was called
 *   -EPIPE                the client went away (closed its side)
 *   -ESHUTDOWN            the server is stopping
 * This is how a watch or a log follow notices that nobody listens any more
 * even while it has nothing to send. */
enum { GT_HTTP_WAKE_TIMEOUT = 0, GT_HTTP_WAKE_FD = 1, GT_HTTP_WAKE_NUDGE = 2 };
int gt_http_req_wait(struct gt_http_req *req, int fd, int timeout_ms);
/* Wakes gt_http_req_wait() from any thread. */
void gt_http_req_wake(struct gt_http_req *req);
/* Non-blocking: true once the client closed its side or the server stops. */
bool gt_http_req_gone(struct gt_http_req *req);
/* The connection's socket, for poll() only: it turns readable (POLLIN,
 * POLLRDHUP) when the client closes its side, which is how the engine's
 * blocking calls take it as their cancel_fd; on a unix socket POLLHUP means
 * the client closed both directions.  Never read, write or close it. */
int gt_http_req_fd(const struct gt_http_req *req);

/* Sends "HTTP/1.1 <status> <reason>" and the headers added so far, then
 * hands over the raw connection (valid until the handler returns; the layer
 * closes it afterwards).  Docker: gt_http_add_header() "Content-Type",
 * "Connection: Upgrade", "Upgrade: tcp", then gt_http_upgrade(req, 101,
 * "UPGRADED").  NULL with err filled when the client is gone. */
struct gt_http_conn *gt_http_upgrade(struct gt_http_req *req, int status, const char *reason,
                                     struct gt_error *err);

/* "Not Found" for 404 ... ; "Unknown" for codes it does not know. */
const char *gt_http_reason(int status);

#endif
