/* http/client.h - the HTTP client (libcurl, GnuTLS flavour) used by the
 * node agents, the controllers, the tools and the tests: JSON requests,
 * streamed responses (a watch, docker events), and raw upgrades.
 *
 * Endpoints: "http://host:port", "https://host:port" (CA file, client
 * certificate and key, bearer token), "unix:///path/to.sock".  A path given
 * to a call ("/api/v1/pods?watch=true") is appended to the endpoint as is:
 * the caller escapes it.
 *
 * What a caller may rely on:
 * - A client is safe to use from several threads at once; connections are
 *   kept alive and reused between calls.
 * - An HTTP error status is not a failure of the call: the call returns 0
 *   and the status; failures (negative errno, err filled with the method,
 *   the URL and the reason) are about the transport: refused, timed out,
 *   TLS, a cancelled stream.
 * - A streamed response is handed to the callback as it arrives: line by
 *   line (without the '\n') or chunk by chunk as read; the callback
 *   returning non-zero ends the call with -ECANCELED.
 */
#ifndef GT_HTTP_CLIENT_H
#define GT_HTTP_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "http/conn.h"

struct gt_http_client;

struct gt_http_client_opts {
    const char *url;          /* endpoint, see above */
    const char *ca_file;      /* https: CA bundle for the server (NULL: system CAs) */
    const char *cert_file;    /* https: client certificate (PEM) */
    const char *key_file;     /* and its key */
    const char *bearer_token; /* "Authorization: Bearer <token>" on every request */
    bool insecure;            /* https: do not verify the server (tests only) */
    int timeout_ms;           /* whole request, not streams; 0 = 30 s, < 0 none */
    int connect_timeout_ms;   /* 0 = 10 s */
    size_t max_response;      /* buffered bodies; 0 = 64 MiB */
};

int gt_http_client_new(const struct gt_http_client_opts *opts, struct gt_http_client **out,
                       struct gt_error *err);
void gt_http_client_free(struct gt_http_client *c);

struct gt_http_response {
    int status;
    char **headers; /* "Name: value", NULL-terminated */
    char *body;     /* NUL-terminated; NULL when empty */
    size_t len;
};
/* Case-insensitive; the last occurrence; NULL when absent. */
const char *gt_http_response_header(const struct gt_http_response *r, const char *name);
void gt_http_response_release(struct gt_http_response *r);

/* headers: NULL-terminated "Name: value" lines, or NULL.  body may be
 * NULL.  HEAD gets no body.  resp is filled on 0 (release it). */
int gt_http_client_request(struct gt_http_client *c, const char *method, const char *path,
                           const char *const *headers, const void *body, size_t len,
                           struct gt_http_response *resp, struct gt_error *err);

/* JSON in, JSON out: body (borrowed, NULL for none) sent as
 * application/json; *out (may be NULL) gets the parsed answer, NULL when
 * its body was empty.  A body that is not JSON fails with -EBADMSG. */
int gt_http_client_json(struct gt_http_client *c, const char *method, const char *path,
                        const json_t *body, int *status, json_t **out, struct gt_error *err);

enum gt_http_stream_mode { GT_HTTP_LINES, GT_HTTP_CHUNKS };
/* Returns non-zero to stop the stream. */
typedef int (*gt_http_stream_fn)(const char *data, size_t len, void *ctx);

/* Streams the answer to fn (only for a 2xx status; otherwise the body is
 * buffered in resp).  resp gets status and headers; release it.
 * idle_timeout_ms > 0 ends the call with -ETIMEDOUT when nothing arrived
 * for that long; there is no total timeout. */
int gt_http_client_stream(struct gt_http_client *c, const char *method, const char *path,
                          const char *const *headers, const void *body, size_t len,
                          enum gt_http_stream_mode mode, int idle_timeout_ms, gt_http_stream_fn fn,
                          void *ctx, struct gt_http_response *resp, struct gt_error *err);

/* Sends one request on a fresh connection and reads the response head;
 * when the status is 101 (or any 2xx: Docker's legacy hijack) the
 * connection becomes raw (*out; free with gt_http_client_conn_free).
 * resp gets status and headers (and nothing else).  Half-close works over
 * plain sockets; over TLS shutdown_write gives -ENOTSUP. */
struct gt_http_client_conn;
int gt_http_client_upgrade(struct gt_http_client *c, const char *method, const char *path,
                           const char *const *headers, const void *body, size_t len,
                           struct gt_http_response *resp, struct gt_http_client_conn **out,
                           struct gt_error *err);
struct gt_http_conn *gt_http_client_conn_conn(struct gt_http_client_conn *cc);
void gt_http_client_conn_free(struct gt_http_client_conn *cc);

#endif
