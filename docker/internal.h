/* docker/internal.h - pieces shared by the files of docker/ (not a public
 * contract; the unit tests use the pure ones): version negotiation, error
 * mapping, query parsing, filters, stream framing, JSON shapes, hijacked
 * sessions, and the handlers that the route table (routes.c) lists. */
#ifndef GT_DOCKER_INTERNAL_H
#define GT_DOCKER_INTERNAL_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "docker/docker.h"
#include "engine/engine.h"
#include "http/server.h"
#include "http/websocket.h"

struct gt_docker {
    struct gt_engine *engine;
    char *version;
    char *git_commit;
    bool debug;
    char *server_header; /* "Server: Gantry/0.1.0 (linux)" */
    const char *headers[4];
};

/* ---- version.c: API versions ---- */

/* Compares dotted versions numerically ("1.9" < "1.10"); a missing
 * component counts as 0.  <0, 0, >0. */
int gt_docker_version_cmp(const char *a, const char *b);
/* Splits a "/v1.NN/rest" path: returns the length of the prefix to strip
 * (0 when the path has none) and copies "1.NN" into ver (ver[0] = 0 when
 * none).  A prefix is "/v" and digits and dots, then "/" or the end. */
size_t gt_docker_path_version(const char *path, char *ver, size_t versz);
/* 0 when ver is served, else -EINVAL with dockerd's message in err
 * ("client version 1.51 is too new. Maximum supported API version is 1.50"). */
int gt_docker_version_check(const char *ver, struct gt_error *err);
/* True when the request's API version is at least v. */
bool gt_docker_api_at_least(const struct gt_http_req *req, const char *v);

/* ---- errors.c ---- */

/* The HTTP status for an engine error code (negative or positive errno). */
int gt_docker_status_of(int code);
/* Answers a failed call: status from code, message from err (or a
 * generic one when err has none). */
void gt_docker_fail(struct gt_http_req *req, int code, const struct gt_error *err);
/* The server's error_fn: {"message":...} as application/json; 304 bare. */
void gt_docker_error_fn(struct gt_http_req *req, int status, const char *message, void *ctx);

/* ---- query.c: query parameters ---- */

/* An integer parameter; absent or "" gives def.  -EINVAL (err names the
 * parameter) when it is not an integer within [min, max]. */
int gt_docker_query_int(const struct gt_http_req *req, const char *key, int64_t def,
                        int64_t min, int64_t max, int64_t *out, struct gt_error *err);
/* A unix time as the CLI sends it ("1700000000", "1700000000.5",
 * "1700000000.000000001") in nanoseconds; "" or absent gives 0. */
int gt_docker_parse_unix_time(const char *s, int64_t *ns, struct gt_error *err);
/* Parses a `filters` value: {"k":{"v":true}} (any boolean counts), or the
 * legacy {"k":["v"]}; "" and "{}" give NULL.  *out: {"k":{"v":true}}. */
int gt_docker_filters_parse(const char *s, json_t **out, struct gt_error *err);
/* The `filters` query parameter, parsed as above. */
int gt_docker_query_filters(const struct gt_http_req *req, json_t **out, struct gt_error *err);
/* Whether filters has key. */
bool gt_docker_filters_has(const json_t *filters, const char *key);
/* Rejects keys outside the NULL-terminated list: "invalid filter 'x'". */
int gt_docker_filters_check(const json_t *filters, const char *const *known,
                            struct gt_error *err);
/* Decodes X-Registry-Auth (base64url or base64 of JSON, padded or not);
 * NULL when absent, empty or undecodable. */
json_t *gt_docker_decode_auth(const char *header);

/* ---- stream.c: output framing and streamed answers ---- */

/* The 8-byte header of a multiplexed-stream frame. */
void gt_docker_frame_header(unsigned char hdr[8], int stream, uint32_t len);
/* "2006-01-02T15:04:05.000000000Z" (RFC 3339 with 9 digits, UTC) into
 * buf (>= 31 bytes); returns the length. */
size_t gt_docker_format_time(int64_t ns, char *buf, size_t bufsz);
/* Media types of hijacked and log streams. */
#define GT_DOCKER_RAW_STREAM "application/vnd.docker.raw-stream"
#define GT_DOCKER_MUX_STREAM "application/vnd.docker.multiplexed-stream"
/* The Content-Type dockerd gives a stream: multiplexed for a non-TTY
 * stream at API >= 1.42, else raw. */
const char *gt_docker_stream_type(const struct gt_http_req *req, bool tty);

/* Where framed output goes: an HTTP stream (logs) or a hijacked connection. */
typedef int (*gt_docker_write_fn)(void *sink, const void *data, size_t len);
struct gt_docker_out {
    gt_docker_write_fn write;
    void *sink;
    bool tty;        /* raw bytes, no frame headers */
    bool timestamps; /* each record prefixed with its time and a space */
};
/* A gt_engine_emit_fn over a struct gt_docker_out (ctx): one write per
 * record, header and payload together. */
int gt_docker_out_emit(void *ctx, int stream, const void *data, size_t len, int64_t ts_ns);
/* Sinks. */
int gt_docker_sink_http(void *req, const void *data, size_t len);
int gt_docker_sink_conn(void *conn, const void *data, size_t len);

/* A streamed JSON answer that begins with its first message, so that an
 * engine call failing before any output gets a plain error status, and one
 * failing after gets an {"errorDetail":..} message (pull, push, load). */
struct gt_docker_jstream {
    struct gt_http_req *req;
    const char *sep; /* after each message: "\r\n" (progress) or "\n" */
    pthread_mutex_t lock;
    bool begun;
    bool failed; /* a write failed: the client left */
};
void gt_docker_jstream_init(struct gt_docker_jstream *js, struct gt_http_req *req,
                            const char *sep);
/* A gt_engine_emit_json_fn (ctx: the jstream). */
int gt_docker_jstream_emit(void *ctx, const json_t *msg);
/* Ends the answer after the engine call returned rc (err filled when < 0). */
void gt_docker_jstream_finish(struct gt_docker_jstream *js, int rc, const struct gt_error *err);

/* {"errorDetail":{"message":m},"error":m} */
json_t *gt_docker_error_message(const char *msg);

/* Runs fn(ctx, fd) in a thread while the handler streams what it writes
 * to fd as the body (export, save): a plain error status when fn fails
 * before writing anything, the connection cut when it fails after. */
typedef int (*gt_docker_writer_fn)(void *ctx, int fd, struct gt_error *err);
void gt_docker_stream_from(struct gt_http_req *req, const char *content_type,
                           gt_docker_writer_fn fn, void *ctx);
/* The request body fed through a pipe to fn(ctx, fd, body) (load, import).
 * fd's end is also what a client that left mid-body looks like: a reader
 * that must not act on part of a body asks gt_docker_body_complete(body)
 * once fd gave its end -- 0, or the error that cut it short. */
struct gt_docker_body;
typedef int (*gt_docker_reader_fn)(void *ctx, int fd, struct gt_docker_body *body,
                                   struct gt_error *err);
int gt_docker_body_to(struct gt_http_req *req, gt_docker_reader_fn fn, void *ctx,
                      struct gt_error *err);
int gt_docker_body_complete(struct gt_docker_body *body, struct gt_error *err);

/* ---- hijack.c: attach and exec sessions ---- */

struct gt_docker_hijack {
    struct gt_http_req *req;
    struct gt_http_conn *conn;
    int in_pipe[2];  /* client -> engine stdin; in_pipe[0] is the engine's in_fd */
    int cancel_fd;   /* eventfd: readable once the client hung up */
    int stop_fd;     /* eventfd: tells the pump to end */
    bool want_stdin;
    bool pump_started;
    pthread_t pump;
    struct gt_ws *ws; /* attach over a WebSocket: the session's framing */
    int ws_opcode;    /* what output goes as: GT_WS_BINARY (API >= 1.28) or GT_WS_TEXT */
};
/* Opens what a session needs (the stdin pipe, the eventfds); answers
 * nothing.  On failure everything is closed again. */
int gt_docker_hijack_init(struct gt_docker_hijack *h, struct gt_http_req *req, bool want_stdin,
                          struct gt_error *err);
/* Answers 101 UPGRADED (Upgrade: tcp) or, for a client that did not ask
 * to upgrade, 200 OK, with content_type; then h->conn is the raw
 * connection, and a thread copies the client's bytes to in_pipe
 * (want_stdin) or drops them, closes in_pipe[1] at the client's EOF, and
 * fires cancel_fd once the client has hung up entirely.  On failure the
 * client is gone (h->conn may be NULL). */
int gt_docker_hijack_answer(struct gt_docker_hijack *h, const char *content_type,
                            struct gt_error *err);
/* The same over a WebSocket (GET .../attach/ws): accepts the handshake
 * (a bad one is answered 400 or 426 here), then h->ws carries the session:
 * each client message goes to in_pipe (or is dropped); the client's close,
 * or a broken connection, closes in_pipe[1] and fires cancel_fd, since a
 * WebSocket has no half-close and no data may follow the close we answer.
 * Output goes through gt_docker_sink_ws(h), one message of ws_opcode per
 * write.  On failure cancel_fd fires too. */
int gt_docker_hijack_answer_ws(struct gt_docker_hijack *h, int opcode, struct gt_error *err);
int gt_docker_sink_ws(void *h, const void *data, size_t len);
/* Stops the pump and closes what begin opened (not the connection); a
 * WebSocket is closed (1000, unless a close went already) and given a
 * moment for the client's close, so that nothing unread resets the
 * connection under the output. */
void gt_docker_hijack_end(struct gt_docker_hijack *h);
/* in_fd for the engine: -1 without stdin. */
static inline int gt_docker_hijack_in_fd(const struct gt_docker_hijack *h)
{
    return h->want_stdin ? h->in_pipe[0] : -1;
}

/* ---- shapes.c: JSON that this layer builds or completes ---- */

/* GET /version */
json_t *gt_docker_version_json(const struct gt_docker *d, const char *kernel);
/* Fills what the engine left out of Info (set-if-absent). */
void gt_docker_info_defaults(const struct gt_docker *d, json_t *info, const char *kernel);
/* Completes a ContainerJSON / a container summary with the members the CLI
 * and the SDK read unconditionally (set-if-absent). */
void gt_docker_container_json_defaults(json_t *c);
void gt_docker_container_summary_defaults(json_t *c);
/* {"StatusCode":code,"Error":null} or with {"Message":msg} */
json_t *gt_docker_wait_body(int code, const char *msg);
/* Container name rule of dockerd: [a-zA-Z0-9][a-zA-Z0-9_.-]+, a leading
 * "/" allowed. */
bool gt_docker_valid_name(const char *name);

/* ---- handlers (routes.c lists them) ---- */

#define GT_DOCKER_HANDLER(name) void name(struct gt_http_req *req, void *ctx)

/* system.c */
GT_DOCKER_HANDLER(gt_docker_h_ping);
GT_DOCKER_HANDLER(gt_docker_h_version);
GT_DOCKER_HANDLER(gt_docker_h_info);
GT_DOCKER_HANDLER(gt_docker_h_events);
GT_DOCKER_HANDLER(gt_docker_h_df);
GT_DOCKER_HANDLER(gt_docker_h_not_implemented);
GT_DOCKER_HANDLER(gt_docker_h_build);
GT_DOCKER_HANDLER(gt_docker_h_plugin_inspect);
GT_DOCKER_HANDLER(gt_docker_h_auth);
/* containers.c */
GT_DOCKER_HANDLER(gt_docker_h_container_list);
GT_DOCKER_HANDLER(gt_docker_h_container_create);
GT_DOCKER_HANDLER(gt_docker_h_container_inspect);
GT_DOCKER_HANDLER(gt_docker_h_container_start);
GT_DOCKER_HANDLER(gt_docker_h_container_stop);
GT_DOCKER_HANDLER(gt_docker_h_container_restart);
GT_DOCKER_HANDLER(gt_docker_h_container_kill);
GT_DOCKER_HANDLER(gt_docker_h_container_pause);
GT_DOCKER_HANDLER(gt_docker_h_container_unpause);
GT_DOCKER_HANDLER(gt_docker_h_container_delete);
GT_DOCKER_HANDLER(gt_docker_h_container_rename);
GT_DOCKER_HANDLER(gt_docker_h_container_wait);
GT_DOCKER_HANDLER(gt_docker_h_container_logs);
GT_DOCKER_HANDLER(gt_docker_h_container_attach);
GT_DOCKER_HANDLER(gt_docker_h_container_attach_ws);
GT_DOCKER_HANDLER(gt_docker_h_container_resize);
GT_DOCKER_HANDLER(gt_docker_h_container_top);
GT_DOCKER_HANDLER(gt_docker_h_container_stats);
GT_DOCKER_HANDLER(gt_docker_h_container_export);
GT_DOCKER_HANDLER(gt_docker_h_container_update);
GT_DOCKER_HANDLER(gt_docker_h_commit);
GT_DOCKER_HANDLER(gt_docker_h_container_prune);
/* archive.c */
GT_DOCKER_HANDLER(gt_docker_h_container_archive);
GT_DOCKER_HANDLER(gt_docker_h_container_extract);
GT_DOCKER_HANDLER(gt_docker_h_container_changes);
/* exec.c */
GT_DOCKER_HANDLER(gt_docker_h_exec_create);
GT_DOCKER_HANDLER(gt_docker_h_exec_start);
GT_DOCKER_HANDLER(gt_docker_h_exec_inspect);
GT_DOCKER_HANDLER(gt_docker_h_exec_resize);
/* images.c */
GT_DOCKER_HANDLER(gt_docker_h_image_list);
GT_DOCKER_HANDLER(gt_docker_h_image_create);
GT_DOCKER_HANDLER(gt_docker_h_image_push);
GT_DOCKER_HANDLER(gt_docker_h_image_inspect);
GT_DOCKER_HANDLER(gt_docker_h_image_tag);
GT_DOCKER_HANDLER(gt_docker_h_image_delete);
GT_DOCKER_HANDLER(gt_docker_h_image_history);
GT_DOCKER_HANDLER(gt_docker_h_image_prune);
GT_DOCKER_HANDLER(gt_docker_h_image_load);
GT_DOCKER_HANDLER(gt_docker_h_image_get);
GT_DOCKER_HANDLER(gt_docker_h_images_get);
/* volumes.c */
GT_DOCKER_HANDLER(gt_docker_h_volume_list);
GT_DOCKER_HANDLER(gt_docker_h_volume_create);
GT_DOCKER_HANDLER(gt_docker_h_volume_inspect);
GT_DOCKER_HANDLER(gt_docker_h_volume_delete);
GT_DOCKER_HANDLER(gt_docker_h_volume_prune);
/* networks.c */
GT_DOCKER_HANDLER(gt_docker_h_network_list);
GT_DOCKER_HANDLER(gt_docker_h_network_inspect);
GT_DOCKER_HANDLER(gt_docker_h_network_create);
GT_DOCKER_HANDLER(gt_docker_h_network_connect);
GT_DOCKER_HANDLER(gt_docker_h_network_disconnect);
GT_DOCKER_HANDLER(gt_docker_h_network_delete);
GT_DOCKER_HANDLER(gt_docker_h_network_prune);

/* routes.c */
extern const struct gt_http_route gt_docker_routes[];
extern const size_t gt_docker_nroutes;
/* api.c: the path hook */
int gt_docker_path_hook(struct gt_http_req *req, const char *path, void *ctx);

#endif
