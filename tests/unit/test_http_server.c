/* The HTTP server driven in-process over a unix socket and 127.0.0.1:0,
 * with raw sockets (to see the exact bytes) and with http/client.h. */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/mem.h"
#include "http/client.h"
#include "http/server.h"
#include "tests/unit/test_http_util.h"
#include "tests/unit/unit.h"

/* ---- handlers ---- */

static int g_pipe[2] = { -1, -1 };  /* the test tells a handler to go on */
static atomic_int g_wait_result = 99;
static atomic_int g_done;

static void h_echo(struct gt_http_req *req, void *ctx)
{
    const char *const *ts;
    size_t nt = gt_http_req_query_all(req, "t", &ts);
    json_t *t = json_array();
    for (size_t i = 0; i < nt; i++)
        json_array_append_new(t, json_string(ts[i]));
    const char *id = gt_http_req_param(req, "id"), *name = gt_http_req_param(req, "name");
    const char *q = gt_http_req_query(req, "q");
    cleanup_json json_t *j = json_pack(
        "{s:s, s:s, s:s?, s:s?, s:s, s:o, s:s?, s:b, s:s?}", "method", gt_http_req_method(req),
        "path", gt_http_req_path(req), "id", id, "name", name, "api",
        gt_http_req_api_version(req), "t", t, "q", q, "all", gt_http_req_query_bool(req, "all", false),
        "ua", gt_http_req_header(req, "user-agent"));
    gt_http_respond_json(req, 200, j);
}

/* every value of X-Group, and the names of the X-Extra-* headers */
static void h_headers(struct gt_http_req *req, void *ctx)
{
    const char *const *vs;
    size_t n = gt_http_req_header_all(req, "x-group", &vs);
    json_t *groups = json_array(), *extra = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(groups, json_string(vs[i]));
    const char *name, *value;
    for (size_t i = 0; gt_http_req_header_at(req, i, &name, &value); i++)
        if (!strncasecmp(name, "X-Extra-", 8))
            json_array_append_new(extra, json_pack("[ss]", name + 8, value));
    n = gt_http_req_header_all(req, "x-none", &vs);
    cleanup_json json_t *j = json_pack("{s:o,s:o,s:i,s:b}", "groups", groups, "extra", extra,
                                       "none", (int)n, "terminated", vs[n] == NULL);
    gt_http_respond_json(req, 200, j);
}

static void h_body(struct gt_http_req *req, void *ctx)
{
    cleanup_free char *b = NULL;
    size_t n = 0;
    struct gt_error err;
    int r = gt_http_req_body(req, &b, &n, &err);
    if (r == -EFBIG)
        return; /* answered 413 by the layer */
    if (r < 0) {
        gt_http_respond_error(req, 400, "%s", err.msg);
        return;
    }
    cleanup_json json_t *j = json_pack("{s:i, s:s%}", "len", (int)n, "body", b, n < 64 ? n : 64);
    gt_http_respond_json(req, 200, j);
}

static void h_ping(struct gt_http_req *req, void *ctx)
{
    gt_http_add_header(req, "Api-Version", "1.50");
    gt_http_respond(req, 200, "text/plain; charset=utf-8", "OK", 2);
}

static void h_wait(struct gt_http_req *req, void *ctx)
{
    gt_http_stream_begin(req, 200, "application/json", false);
    /* blocks, as a wait for a container's exit would */
    int r = gt_http_req_wait(req, g_pipe[0], 5000);
    if (r == GT_HTTP_WAKE_FD)
        gt_http_stream_printf(req, "{\"StatusCode\":0}\n");
}

static void *writer_main(void *arg)
{
    struct gt_http_req *req = arg;
    for (int i = 0; i < 5; i++) {
        usleep(20000);
        gt_http_stream_printf(req, "{\"event\":%d}\n", i);
    }
    gt_http_stream_end(req);
    return NULL;
}

static void h_thread(struct gt_http_req *req, void *ctx)
{
    gt_http_stream_begin(req, 200, "application/json", false);
    pthread_t th;
    pthread_create(&th, NULL, writer_main, req);
    int r;
    while ((r = gt_http_req_wait(req, -1, 5000)) != GT_HTTP_WAKE_NUDGE && r > 0)
        ;
    pthread_join(th, NULL);
}

static void h_gone(struct gt_http_req *req, void *ctx)
{
    gt_http_stream_begin(req, 200, "application/json", false);
    g_wait_result = gt_http_req_wait(req, -1, 10000);
    /* writes after the client left fail instead of blocking or crashing */
    int w = 0;
    for (int i = 0; i < 50 && w == 0; i++)
        w = gt_http_stream_printf(req, "{\"late\":%d}\n", i);
    g_done = w;
}

static void h_attach(struct gt_http_req *req, void *ctx)
{
    struct gt_error err;
    gt_http_add_header(req, "Content-Type", "application/vnd.docker.raw-stream");
    gt_http_add_header(req, "Connection", "Upgrade");
    gt_http_add_header(req, "Upgrade", "tcp");
    struct gt_http_conn *c = gt_http_upgrade(req, 101, "UPGRADED", &err);
    if (!c)
        return;
    char buf[256] = "got:";
    size_t n = 4;
    ssize_t m;
    /* stdin until the client half-closes */
    while (n < sizeof buf - 1 && (m = gt_http_conn_read(c, buf + n, sizeof buf - 1 - n)) > 0)
        n += m;
    gt_http_conn_write(c, buf, n);
    gt_http_conn_write(c, "|bye", 4);
}

static void h_silent(struct gt_http_req *req, void *ctx)
{
}

static int docker_hook(struct gt_http_req *req, const char *path, void *ctx)
{
    if (strncmp(path, "/v", 2) != 0 || !strchr(path + 1, '/'))
        return 0;
    const char *end = strchr(path + 1, '/');
    char ver[16];
    size_t n = end - path - 2;
    if (n == 0 || n >= sizeof ver)
        return 0;
    memcpy(ver, path + 2, n);
    ver[n] = '\0';
    if (strspn(ver, "0123456789.") != n)
        return 0;
    if (strcmp(ver, "1.50") > 0 && strlen(ver) >= 4) {
        gt_http_respond_error(req, 400, "client version %s is too new. Maximum supported API version is 1.50", ver);
        return -1;
    }
    gt_http_req_set_api_version(req, ver);
    return (int)(end - path);
}

static const struct gt_http_route routes[] = {
    { "HEAD", "/_ping", h_ping },
    { "GET", "/_ping", h_ping },
    { "GET", "/containers/{id}/json", h_echo },
    { "GET", "/images/{name:.+}/json", h_echo },
    { "DELETE", "/images/{name:.+}", h_echo },
    { "POST", "/images/{name:.+}/tag", h_echo },
    { "GET", "/echo", h_echo },
    { "GET", "/headers", h_headers },
    { "POST", "/body", h_body },
    { "POST", "/build", h_body, 100000 },
    { "PUT", "/small", h_body, 10 },
    { "POST", "/containers/{id}/wait", h_wait },
    { "GET", "/events", h_thread },
    { "GET", "/watch", h_gone },
    { "POST", "/containers/{id}/attach", h_attach },
    { "GET", "/silent", h_silent },
};

struct fixture {
    struct gt_http_server *srv;
    char sock[256];
    int port;
};

static void start(struct fixture *f)
{
    struct gt_error err;
    static const char *const hdrs[] = { "Server: gantry-test", NULL };
    struct gt_http_server_opts o = {
        .routes = routes,
        .nroutes = sizeof routes / sizeof routes[0],
        .path_hook = docker_hook,
        .headers = hdrs,
        .max_body = 1000,
        .max_head = 4096,
    };
    if (gt_http_server_new(&o, &f->srv, &err) < 0) {
        unit_fail(__FILE__, __LINE__, "%s", err.msg);
        abort();
    }
    snprintf(f->sock, sizeof f->sock, "%s/api.sock", unit_tmpdir());
    struct gt_http_listen_opts u = { .kind = GT_HTTP_UNIX, .path = f->sock, .mode = 0600, .gid = -1 };
    struct gt_http_listen_opts t = { .kind = GT_HTTP_TCP, .address = "127.0.0.1:0" };
    int a = gt_http_server_listen(f->srv, &u, &err), b = -1;
    if (a >= 0)
        b = gt_http_server_listen(f->srv, &t, &err);
    if (a < 0 || b < 0) {
        unit_fail(__FILE__, __LINE__, "listen: %s", err.msg);
        abort();
    }
    f->port = gt_http_server_port(f->srv, b);
    if (pipe(g_pipe) < 0)
        abort();
}

static void stop(struct fixture *f)
{
    gt_http_server_free(f->srv);
}

/* one request on a fresh connection, the whole response */
static bool ask(int fd, const char *req, struct th_resp *r)
{
    return th_sends(fd, req) && th_read_resp(fd, r, !strncmp(req, "HEAD ", 5));
}

/* ---- tests ---- */

TEST(http_routes_named_and_greedy_segments)
{
    struct fixture f;
    start(&f);
    int fd = th_connect_unix(f.sock);
    REQUIRE(fd >= 0);
    struct th_resp r;
    REQUIRE(ask(fd, "GET /containers/c1/json HTTP/1.1\r\nHost: x\r\n\r\n", &r));
    CHECK_INT_EQ(r.status, 200);
    CHECK_STR_CONTAINS(r.body, "\"id\":\"c1\"");
    th_resp_free(&r);
    REQUIRE(ask(fd, "GET /images/localhost:5000/a/b:1/json HTTP/1.1\r\nHost: x\r\n\r\n", &r));
    CHECK_STR_CONTAINS(r.body, "\"name\":\"localhost:5000/a/b:1\"");
    th_resp_free(&r);
    REQUIRE(ask(fd, "DELETE /images/localhost:5000/newimg:v1 HTTP/1.1\r\nHost: x\r\n\r\n", &r));
    CHECK_STR_CONTAINS(r.body, "\"name\":\"localhost:5000/newimg:v1\"");
    th_resp_free(&r);
    /* percent-encoded segments are decoded after matching */
    REQUIRE(ask(fd, "POST /images/a%2Fb/tag?repo=x HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", &r));
    CHECK_STR_CONTAINS(r.body, "\"name\":\"a/b\"");
    th_resp_free(&r);
    /* a named segment does not take a slash */
    REQUIRE(ask(fd, "GET /containers/a/b/json HTTP/1.1\r\nHost: x\r\n\r\n", &r));
    CHECK_INT_EQ(r.status, 404);
    th_resp_free(&r);
    close(fd);
    stop(&f);
}

TEST(http_version_prefix_hook)
{
    struct fixture f;
    start(&f);
    int fd = th_connect_unix(f.sock);
    struct th_resp r;
    REQUIRE(ask(fd, "GET /v1.45/containers/x/json HTTP/1.1\r\nHost: x\r\n\r\n", &r));
    CHECK_INT_EQ(r.status, 200);
    CHECK_STR_CONTAINS(r.body, "\"api\":\"1.45\"");
    CHECK_STR_CONTAINS(r.body, "\"path\":\"/containers/x/json\"");
    th_resp_free(&r);
    REQUIRE(ask(fd, "GET /containers/x/json HTTP/1.1\r\nHost: x\r\n\r\n", &r));
    CHECK_STR_CONTAINS(r.body, "\"api\":\"\"");
    th_resp_free(&r);
    REQUIRE(ask(fd, "GET /v1.99/containers/x/json HTTP/1.1\r\nHost: x\r\n\r\n", &r));
    CHECK_INT_EQ(r.status, 400);
    CHECK_STR_EQ(r.body, "{\"message\":\"client version 1.99 is too new. Maximum supported API version is 1.50\"}\n");
    th_resp_free(&r);
    close(fd);
    stop(&f);
}

TEST(http_404_405_in_the_api_shape)
{
    struct fixture f;
    start(&f);
    int fd = th_connect_tcp("127.0.0.1", f.port);
    REQUIRE(fd >= 0);
    struct th_resp r;
    char v[128];
    REQUIRE(ask(fd, "GET /nosuch HTTP/1.1\r\nHost: x\r\n\r\n", &r));
    CHECK_INT_EQ(r.status, 404);
    CHECK_STR_EQ(th_header(&r, "Content-Type", v, sizeof v), "application/json");
    CHECK_STR_EQ(r.body, "{\"message\":\"page not found\"}\n");
    CHECK_STR_EQ(th_header(&r, "Server", v, sizeof v), "gantry-test");
    th_resp_free(&r);
    REQUIRE(ask(fd, "PATCH /_ping HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", &r));
    CHECK_INT_EQ(r.status, 405);
    CHECK_STR_EQ(th_header(&r, "Allow", v, sizeof v), "HEAD, GET");
    th_resp_free(&r);
    /* a handler that does not answer: 500, and the connection goes on */
    REQUIRE(ask(fd, "GET /silent HTTP/1.1\r\nHost: x\r\n\r\n", &r));
    CHECK_INT_EQ(r.status, 500);
    th_resp_free(&r);
    REQUIRE(ask(fd, "GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n", &r));
    CHECK_INT_EQ(r.status, 200);
    th_resp_free(&r);
    close(fd);
    stop(&f);
}

TEST(http_query_parsing)
{
    struct fixture f;
    start(&f);
    int fd = th_connect_unix(f.sock);
    struct th_resp r;
    REQUIRE(ask(fd,
                "GET /echo?t=myimg:1&t=myimg%3Alatest&q=a+b%20c%2B&all=1&filters=%7B%22a%22%7D "
                "HTTP/1.1\r\nhost: x\r\nUSER-AGENT: Docker-Client/28.2.2 (linux)\r\n\r\n",
                &r));
    CHECK_STR_CONTAINS(r.body, "\"t\":[\"myimg:1\",\"myimg:latest\"]");
    CHECK_STR_CONTAINS(r.body, "\"q\":\"a b c+\"");
    CHECK_STR_CONTAINS(r.body, "\"all\":true");
    /* header names are case-insensitive */
    CHECK_STR_CONTAINS(r.body, "\"ua\":\"Docker-Client/28.2.2 (linux)\"");
    th_resp_free(&r);
    close(fd);
    stop(&f);
}

TEST(http_repeated_headers_all_values)
{
    struct fixture f;
    start(&f);
    int fd = th_connect_unix(f.sock);
    struct th_resp r;
    REQUIRE(ask(fd,
                "GET /headers HTTP/1.1\r\nhost: x\r\nX-Group: a\r\nx-extra-Reason: test\r\n"
                "x-group: b, c\r\nX-GROUP: d\r\nX-Extra-Scopes: s1\r\n\r\n",
                &r));
    /* in order, any case, a comma inside a value kept */
    CHECK_STR_CONTAINS(r.body, "\"groups\":[\"a\",\"b, c\",\"d\"]");
    CHECK_STR_CONTAINS(r.body, "\"extra\":[[\"Reason\",\"test\"],[\"Scopes\",\"s1\"]]");
    CHECK_STR_CONTAINS(r.body, "\"none\":0");
    CHECK_STR_CONTAINS(r.body, "\"terminated\":true");
    th_resp_free(&r);
    close(fd);
    stop(&f);
}

TEST(http_keepalive_and_pipelining)
{
    struct fixture f;
    start(&f);
    int fd = th_connect_tcp("127.0.0.1", f.port);
    struct th_resp r;
    /* three requests in one write, one with a body: answered in order */
    REQUIRE(th_sends(fd, "GET /containers/one/json HTTP/1.1\r\nHost: x\r\n\r\n"
                         "POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                         "GET /containers/three/json HTTP/1.1\r\nHost: x\r\n\r\n"));
    REQUIRE(th_read_resp(fd, &r, false));
    CHECK_STR_CONTAINS(r.body, "\"id\":\"one\"");
    th_resp_free(&r);
    REQUIRE(th_read_resp(fd, &r, false));
    CHECK_STR_CONTAINS(r.body, "\"body\":\"hello\"");
    th_resp_free(&r);
    REQUIRE(th_read_resp(fd, &r, false));
    CHECK_STR_CONTAINS(r.body, "\"id\":\"three\"");
    th_resp_free(&r);
    /* a body the handler ignores is skipped, the connection stays usable */
    REQUIRE(ask(fd, "GET /containers/four/json HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc", &r));
    CHECK_STR_CONTAINS(r.body, "\"id\":\"four\"");
    th_resp_free(&r);
    REQUIRE(ask(fd, "GET /containers/five/json HTTP/1.1\r\nHost: x\r\n\r\n", &r));
    CHECK_STR_CONTAINS(r.body, "\"id\":\"five\"");
    th_resp_free(&r);
    /* Connection: close is honoured */
    REQUIRE(ask(fd, "GET /_ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &r));
    char v[32];
    CHECK_STR_EQ(th_header(&r, "Connection", v, sizeof v), "close");
    char c;
    CHECK_INT_EQ(recv(fd, &c, 1, 0), 0);
    th_resp_free(&r);
    close(fd);
    /* HTTP/1.0 without keep-alive closes */
    fd = th_connect_unix(f.sock);
    REQUIRE(th_sends(fd, "GET /_ping HTTP/1.0\r\n\r\n"));
    REQUIRE(th_read_resp(fd, &r, false));
    CHECK_STR_EQ(r.body, "OK");
    CHECK_INT_EQ(recv(fd, &c, 1, 0), 0);
    th_resp_free(&r);
    close(fd);
    stop(&f);
}

TEST(http_chunked_upload_and_100_continue)
{
    struct fixture f;
    start(&f);
    int fd = th_connect_unix(f.sock);
    struct th_resp r;
    REQUIRE(ask(fd,
                "POST /build HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nTrailer: x\r\n\r\n",
                &r));
    CHECK_INT_EQ(r.status, 200);
    CHECK_STR_CONTAINS(r.body, "\"len\":12");
    CHECK_STR_CONTAINS(r.body, "\"body\":\"hello, world\"");
    th_resp_free(&r);
    /* Expect: 100-continue: the interim answer comes when the handler reads */
    REQUIRE(th_sends(fd, "POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                         "Expect: 100-continue\r\n\r\n"));
    char line[64];
    REQUIRE(th_read_line(fd, line, sizeof line));
    CHECK_STR_EQ(line, "HTTP/1.1 100 Continue");
    REQUIRE(th_read_line(fd, line, sizeof line));
    CHECK_STR_EQ(line, "");
    REQUIRE(th_sends(fd, "abcd"));
    REQUIRE(th_read_resp(fd, &r, false));
    CHECK_STR_CONTAINS(r.body, "\"body\":\"abcd\"");
    th_resp_free(&r);
    close(fd);
    /* the client API sends a chunked body when asked to */
    stop(&f);
}

TEST(http_body_limits_answer_413)
{
    struct fixture f;
    start(&f);
    struct th_resp r;
    char v[64];
    /* Content-Length over the route's limit: 413 before reading, no 100 */
    int fd = th_connect_unix(f.sock);
    REQUIRE(ask(fd, "PUT /small HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n"
                    "Expect: 100-continue\r\n\r\n", &r));
    CHECK_INT_EQ(r.status, 413);
    CHECK_STR_EQ(th_header(&r, "Content-Type", v, sizeof v), "application/json");
    CHECK_STR_EQ(r.body, "{\"message\":\"request body too large (limit 10 bytes)\"}\n");
    th_resp_free(&r);
    close(fd);
    /* chunked over the limit: 413 once the limit is crossed */
    fd = th_connect_unix(f.sock);
    REQUIRE(ask(fd, "PUT /small HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n", &r));
    CHECK_INT_EQ(r.status, 413);
    th_resp_free(&r);
    close(fd);
    /* the server-wide default (1000 here) */
    fd = th_connect_unix(f.sock);
    cleanup_free char *big = gt_xmalloc(1200);
    memset(big, 'a', 1100);
    big[1100] = '\0';
    cleanup_free char *req = gt_xasprintf("POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 1100\r\n\r\n%s", big);
    REQUIRE(ask(fd, req, &r));
    CHECK_INT_EQ(r.status, 413);
    th_resp_free(&r);
    close(fd);
    /* within the limit */
    fd = th_connect_unix(f.sock);
    REQUIRE(ask(fd, "PUT /small HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789", &r));
    CHECK_INT_EQ(r.status, 200);
    th_resp_free(&r);
    close(fd);
    stop(&f);
}

TEST(http_head_has_no_body)
{
    struct fixture f;
    start(&f);
    int fd = th_connect_unix(f.sock);
    struct th_resp r;
    char v[32];
    /* HEAD then GET on one connection: had the HEAD carried a body, the
     * GET's answer would not start with a status line */
    REQUIRE(th_sends(fd, "HEAD /_ping HTTP/1.1\r\nHost: x\r\n\r\nGET /containers/x/json HTTP/1.1\r\nHost: x\r\n\r\n"));
    REQUIRE(th_read_resp(fd, &r, true));
    CHECK_INT_EQ(r.status, 200);
    CHECK_STR_EQ(th_header(&r, "Api-Version", v, sizeof v), "1.50");
    CHECK_STR_EQ(th_header(&r, "Content-Length", v, sizeof v), "2");
    th_resp_free(&r);
    REQUIRE(th_read_resp(fd, &r, false));
    CHECK_INT_EQ(r.status, 200);
    th_resp_free(&r);
    /* a GET route answers HEAD too, without its body */
    REQUIRE(th_sends(fd, "HEAD /containers/x/json HTTP/1.1\r\nHost: x\r\n\r\nGET /_ping HTTP/1.1\r\nHost: x\r\n\r\n"));
    REQUIRE(th_read_resp(fd, &r, true));
    CHECK_INT_EQ(r.status, 200);
    th_resp_free(&r);
    REQUIRE(th_read_resp(fd, &r, false));
    CHECK_STR_EQ(r.body, "OK");
    th_resp_free(&r);
    close(fd);
    stop(&f);
}

TEST(http_stream_headers_flushed_before_any_body)
{
    struct fixture f;
    start(&f);
    int fd = th_connect_unix(f.sock);
    struct th_resp r;
    /* the handler is blocked (waiting for our go) and has written no body:
     * the head must be here already, as docker run needs for /wait */
    REQUIRE(th_sends(fd, "POST /v1.50/containers/abc/wait?condition=next-exit HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"));
    th_timeouts(fd, 2000);
    REQUIRE(th_read_head(fd, &r));
    CHECK_INT_EQ(r.status, 200);
    CHECK_STR_CONTAINS(r.head, "Transfer-Encoding: chunked\r\n");
    char line[64];
    REQUIRE(write(g_pipe[1], "x", 1) == 1);
    REQUIRE(th_read_line(fd, line, sizeof line));
    CHECK_STR_EQ(line, "11");
    REQUIRE(th_read_line(fd, line, sizeof line));
    CHECK_STR_EQ(line, "{\"StatusCode\":0}");
    REQUIRE(th_read_line(fd, line, sizeof line)); /* chunk end */
    REQUIRE(th_read_line(fd, line, sizeof line));
    CHECK_STR_EQ(line, "0");
    close(fd);
    stop(&f);
}

static int collect(const char *data, size_t len, void *ctx)
{
    char ***lines = ctx;
    cleanup_free char *s = gt_xstrndup(data, len);
    gt_strv_push(lines, s);
    return 0;
}

TEST(http_stream_written_from_another_thread)
{
    struct fixture f;
    start(&f);
    struct gt_error err;
    struct gt_http_client *c;
    cleanup_free char *url = gt_xasprintf("unix://%s", f.sock);
    REQUIRE(gt_http_client_new(&(struct gt_http_client_opts){ .url = url }, &c, &err) == 0);
    cleanup_strv char **lines = NULL;
    struct gt_http_response resp;
    int r = gt_http_client_stream(c, "GET", "/events", NULL, NULL, 0, GT_HTTP_LINES, 5000, collect,
                                  &lines, &resp, &err);
    CHECK_INT_EQ(r, 0);
    CHECK_INT_EQ(resp.status, 200);
    REQUIRE(gt_strv_len(lines) == 5);
    CHECK_STR_EQ(lines[0], "{\"event\":0}");
    CHECK_STR_EQ(lines[4], "{\"event\":4}");
    gt_http_response_release(&resp);
    gt_http_client_free(c);
    stop(&f);
}

TEST(http_client_gone_is_noticed_while_idle)
{
    struct fixture f;
    start(&f);
    int fd = th_connect_tcp("127.0.0.1", f.port);
    struct th_resp r;
    REQUIRE(th_sends(fd, "GET /watch HTTP/1.1\r\nHost: x\r\n\r\n"));
    REQUIRE(th_read_head(fd, &r));
    double t0 = th_now();
    close(fd);
    while (g_wait_result == 99 && th_now() - t0 < 5)
        usleep(10000);
    CHECK_INT_EQ(g_wait_result, -EPIPE);
    CHECK(th_now() - t0 < 2);
    while (g_done == 0 && th_now() - t0 < 5)
        usleep(10000);
    CHECK_INT_EQ(g_done, -EPIPE);
    stop(&f);
}

TEST(http_hijack_101_bidirectional_half_close)
{
    struct fixture f;
    start(&f);
    int fd = th_connect_unix(f.sock);
    struct th_resp r;
    REQUIRE(th_sends(fd, "POST /v1.50/containers/abc/attach?stderr=1&stdin=1&stdout=1&stream=1 HTTP/1.1\r\n"
                         "Host: api.moby.localhost\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n"
                         "Content-Type: text/plain\r\nContent-Length: 0\r\n\r\n"));
    REQUIRE(th_read_head(fd, &r));
    CHECK_STR_EQ(r.head, "HTTP/1.1 101 UPGRADED\r\nServer: gantry-test\r\n"
                         "Content-Type: application/vnd.docker.raw-stream\r\n"
                         "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n");
    REQUIRE(th_sends(fd, "hello "));
    usleep(20000);
    REQUIRE(th_sends(fd, "world"));
    shutdown(fd, SHUT_WR); /* stdin EOF, as docker does */
    char buf[128] = "";
    REQUIRE(th_read_n(fd, buf, 19));
    CHECK_STR_EQ(buf, "got:hello world|bye");
    CHECK_INT_EQ(recv(fd, buf, 1, 0), 0); /* then the server closes */
    close(fd);

    /* the same through the client's raw upgrade */
    struct gt_error err;
    struct gt_http_client *c;
    cleanup_free char *url = gt_xasprintf("unix://%s", f.sock);
    REQUIRE(gt_http_client_new(&(struct gt_http_client_opts){ .url = url }, &c, &err) == 0);
    static const char *const up[] = { "Connection: Upgrade", "Upgrade: tcp", NULL };
    struct gt_http_response resp;
    struct gt_http_client_conn *cc = NULL;
    REQUIRE(gt_http_client_upgrade(c, "POST", "/containers/abc/attach", up, NULL, 0, &resp, &cc, &err) == 0);
    CHECK_INT_EQ(resp.status, 101);
    CHECK_STR_EQ(gt_http_response_header(&resp, "Upgrade"), "tcp");
    REQUIRE(cc);
    struct gt_http_conn *conn = gt_http_client_conn_conn(cc);
    CHECK_INT_EQ(gt_http_conn_write(conn, "abc", 3), 0);
    CHECK_INT_EQ(gt_http_conn_shutdown_write(conn), 0);
    size_t n = 0;
    ssize_t m;
    while ((m = gt_http_conn_read(conn, buf + n, sizeof buf - 1 - n)) > 0)
        n += m;
    buf[n] = '\0';
    CHECK_STR_EQ(buf, "got:abc|bye");
    gt_http_client_conn_free(cc);
    gt_http_response_release(&resp);
    gt_http_client_free(c);
    stop(&f);
}

TEST(http_malformed_requests_get_400)
{
    struct fixture f;
    start(&f);
    static const struct {
        const char *req;
        int status;
    } bad[] = {
        { "GARBAGE\r\n\r\n", 400 },
        { "GET\r\n\r\n", 400 },
        { "GET / HTTP/1.1 extra\r\n\r\n", 400 },
        { "GET / HTTP/9.9\r\n\r\n", 505 },
        { "GET / FTP/1.1\r\n\r\n", 400 },
        { "GET http://x/ HTTP/1.1\r\n\r\n", 400 },
        { "G@T / HTTP/1.1\r\n\r\n", 400 },
        { "GET / HTTP/1.1\r\nNoColon\r\n\r\n", 400 },
        { "GET / HTTP/1.1\r\nName : v\r\n\r\n", 400 },
        { "GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", 400 },
        { "GET / HTTP/1.1\r\nA: b\x01\r\n\r\n", 400 },
        { "POST /body HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400 },
        { "POST /body HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400 },
        { "POST /body HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400 },
        { "POST /body HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", 400 },
        { "POST /body HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 400 },
        { "POST /body HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400 },
        { "POST /body HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcXX0\r\n\r\n", 400 },
        { "POST /body HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n", 400 },
        { "POST /body HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400 },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int fd = th_connect_unix(f.sock);
        REQUIRE(fd >= 0);
        struct th_resp r;
        bool ok = th_sends(fd, bad[i].req) && th_read_resp(fd, &r, false);
        if (!ok || r.status != bad[i].status)
            unit_fail(__FILE__, __LINE__, "request %zu: got %d, expected %d", i, ok ? r.status : -1,
                      bad[i].status);
        if (ok)
            th_resp_free(&r);
        close(fd);
    }
    /* a head larger than max_head: 431 */
    int fd = th_connect_unix(f.sock);
    cleanup_free char *huge = gt_xmalloc(9000);
    memset(huge, 'a', 8999);
    huge[8999] = '\0';
    cleanup_free char *req = gt_xasprintf("GET / HTTP/1.1\r\nX: %s\r\n\r\n", huge);
    struct th_resp r;
    th_sends(fd, req);
    REQUIRE(th_read_resp(fd, &r, false));
    CHECK_INT_EQ(r.status, 431);
    th_resp_free(&r);
    close(fd);
    /* random bytes do not crash it */
    unsigned seed = 42;
    for (int i = 0; i < 200; i++) {
        fd = th_connect_unix(f.sock);
        char junk[256];
        size_t n = 1 + rand_r(&seed) % sizeof junk;
        for (size_t k = 0; k < n; k++)
            junk[k] = (char)rand_r(&seed);
        th_timeouts(fd, 200);
        th_send(fd, "POST /body HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", i % 2 ? 0 : 52);
        th_send(fd, junk, n);
        th_send(fd, "\r\n\r\n", 4);
        char sink[512];
        while (recv(fd, sink, sizeof sink, 0) > 0)
            ;
        close(fd);
    }
    /* and the server still answers */
    fd = th_connect_tcp("127.0.0.1", f.port);
    REQUIRE(ask(fd, "GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n", &r));
    CHECK_INT_EQ(r.status, 200);
    th_resp_free(&r);
    close(fd);
    stop(&f);
}

TEST(http_client_json_over_tcp)
{
    struct fixture f;
    start(&f);
    struct gt_error err;
    struct gt_http_client *c;
    cleanup_free char *url = gt_xasprintf("http://127.0.0.1:%d", f.port);
    REQUIRE(gt_http_client_new(&(struct gt_http_client_opts){ .url = url }, &c, &err) == 0);
    int status = 0;
    cleanup_json json_t *out = NULL;
    REQUIRE(gt_http_client_json(c, "GET", "/containers/c9/json", NULL, &status, &out, &err) == 0);
    CHECK_INT_EQ(status, 200);
    CHECK_STR_EQ(json_string_value(json_object_get(out, "id")), "c9");
    cleanup_json json_t *in = json_pack("{s:s}", "Image", "busybox");
    json_t *o2 = NULL;
    REQUIRE(gt_http_client_json(c, "POST", "/body", in, &status, &o2, &err) == 0);
    CHECK_STR_EQ(json_string_value(json_object_get(o2, "body")), "{\"Image\":\"busybox\"}");
    json_decref(o2);
    /* an HTTP error is a status, not a failure */
    json_t *o3 = NULL;
    REQUIRE(gt_http_client_json(c, "GET", "/nosuch", NULL, &status, &o3, &err) == 0);
    CHECK_INT_EQ(status, 404);
    CHECK_STR_EQ(json_string_value(json_object_get(o3, "message")), "page not found");
    json_decref(o3);
    /* HEAD through the client */
    struct gt_http_response resp;
    REQUIRE(gt_http_client_request(c, "HEAD", "/_ping", NULL, NULL, 0, &resp, &err) == 0);
    CHECK_INT_EQ(resp.status, 200);
    CHECK_STR_EQ(gt_http_response_header(&resp, "Api-Version"), "1.50");
    CHECK(resp.body == NULL);
    gt_http_response_release(&resp);
    gt_http_client_free(c);
    /* nothing listening: a clear error */
    stop(&f);
    REQUIRE(gt_http_client_new(&(struct gt_http_client_opts){ .url = url }, &c, &err) == 0);
    CHECK(gt_http_client_json(c, "GET", "/x", NULL, &status, NULL, &err) == -ECONNREFUSED);
    CHECK_STR_CONTAINS(err.msg, "GET http://127.0.0.1:");
    gt_http_client_free(c);
}

TEST(http_unix_socket_mode_peer_and_removal)
{
    struct fixture f;
    start(&f);
    struct stat st;
    REQUIRE(stat(f.sock, &st) == 0);
    CHECK(S_ISSOCK(st.st_mode));
    CHECK_INT_EQ(st.st_mode & 0777, 0600);
    /* a second server on the same live path is refused */
    struct gt_http_server *s2;
    struct gt_error err;
    REQUIRE(gt_http_server_new(&(struct gt_http_server_opts){ .routes = routes, .nroutes = 1 }, &s2, &err) == 0);
    CHECK(gt_http_server_listen(s2, &(struct gt_http_listen_opts){ .kind = GT_HTTP_UNIX, .path = f.sock }, &err) == -EADDRINUSE);
    CHECK_STR_CONTAINS(err.msg, "another server is listening");
    gt_http_server_free(s2);
    stop(&f);
    CHECK(stat(f.sock, &st) < 0 && errno == ENOENT);
}

static struct gt_http_peer g_peer;
static void h_peer(struct gt_http_req *req, void *ctx)
{
    g_peer = *gt_http_req_peer(req);
    gt_http_respond(req, 204, NULL, NULL, 0);
}

TEST(http_peer_credentials_and_addresses)
{
    static const struct gt_http_route rt[] = { { "GET", "/peer", h_peer } };
    struct gt_http_server *srv;
    struct gt_error err;
    REQUIRE(gt_http_server_new(&(struct gt_http_server_opts){ .routes = rt, .nroutes = 1 }, &srv, &err) == 0);
    cleanup_free char *sock = gt_xasprintf("%s/peer.sock", unit_tmpdir());
    REQUIRE(gt_http_server_listen(srv, &(struct gt_http_listen_opts){ .kind = GT_HTTP_UNIX, .path = sock, .gid = -1 }, &err) >= 0);
    int l4 = gt_http_server_listen(srv, &(struct gt_http_listen_opts){ .kind = GT_HTTP_TCP, .address = "127.0.0.1:0" }, &err);
    REQUIRE(l4 >= 0);
    int fd = th_connect_unix(sock);
    struct th_resp r;
    REQUIRE(ask(fd, "GET /peer HTTP/1.1\r\n\r\n", &r));
    CHECK_INT_EQ(r.status, 204);
    CHECK(g_peer.has_cred);
    CHECK_INT_EQ(g_peer.pid, getpid());
    CHECK_INT_EQ(g_peer.uid, getuid());
    th_resp_free(&r);
    close(fd);
    fd = th_connect_tcp("127.0.0.1", gt_http_server_port(srv, l4));
    REQUIRE(ask(fd, "GET /peer HTTP/1.1\r\n\r\n", &r));
    CHECK_STR_EQ(g_peer.addr, "127.0.0.1");
    CHECK(g_peer.port > 0);
    CHECK(!g_peer.has_cred);
    th_resp_free(&r);
    close(fd);
    int l6 = gt_http_server_listen(srv, &(struct gt_http_listen_opts){ .kind = GT_HTTP_TCP, .address = "[::1]:0" }, &err);
    if (l6 >= 0) {
        fd = th_connect_tcp("::1", gt_http_server_port(srv, l6));
        REQUIRE(fd >= 0);
        REQUIRE(ask(fd, "GET /peer HTTP/1.1\r\n\r\n", &r));
        CHECK_STR_EQ(g_peer.addr, "::1");
        th_resp_free(&r);
        close(fd);
    } else {
        printf("# no IPv6 loopback here: %s\n", err.msg);
    }
    /* bad addresses are named in the error */
    CHECK(gt_http_server_listen(srv, &(struct gt_http_listen_opts){ .kind = GT_HTTP_TCP, .address = "nonsense" }, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "nonsense");
    gt_http_server_free(srv);
}

TEST(http_graceful_stop_wakes_streams)
{
    struct fixture f;
    start(&f);
    int fd = th_connect_unix(f.sock);
    struct th_resp r;
    REQUIRE(th_sends(fd, "GET /watch HTTP/1.1\r\nHost: x\r\n\r\n"));
    REQUIRE(th_read_head(fd, &r));
    int idle = th_connect_unix(f.sock); /* an idle keep-alive connection */
    REQUIRE(idle >= 0);
    double t0 = th_now();
    gt_http_server_stop(f.srv, 3000);
    CHECK(th_now() - t0 < 2);
    CHECK_INT_EQ(g_wait_result, -ESHUTDOWN);
    char c;
    CHECK(recv(idle, &c, 1, 0) <= 0);
    CHECK(th_connect_unix(f.sock) < 0);
    close(fd);
    close(idle);
    stop(&f);
}

TEST(http_many_concurrent_streams)
{
    struct fixture f;
    start(&f);
    enum { N = 300 };
    static int fds[N];
    for (int i = 0; i < N; i++) {
        fds[i] = th_connect_unix(f.sock);
        REQUIRE(fds[i] >= 0);
        REQUIRE(th_sends(fds[i], "POST /containers/x/wait HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"));
    }
    int ok = 0;
    for (int i = 0; i < N; i++) {
        struct th_resp r;
        if (th_read_head(fds[i], &r) && r.status == 200)
            ok++;
    }
    CHECK_INT_EQ(ok, N);
    /* release them all: every one gets its body */
    char go[N];
    memset(go, 'x', N);
    REQUIRE(write(g_pipe[1], go, N) == N);
    int bodies = 0;
    for (int i = 0; i < N; i++) {
        char line[64];
        if (th_read_line(fds[i], line, sizeof line) && !strcmp(line, "11"))
            bodies++;
        close(fds[i]);
    }
    CHECK_INT_EQ(bodies, N);
    stop(&f);
}

static int stop_after_two(const char *data, size_t len, void *ctx)
{
    int *n = ctx;
    return ++*n == 2;
}

TEST(http_client_timeouts_and_cancel)
{
    struct fixture f;
    start(&f);
    struct gt_error err;
    struct gt_http_client *c;
    cleanup_free char *url = gt_xasprintf("unix://%s", f.sock);
    REQUIRE(gt_http_client_new(&(struct gt_http_client_opts){ .url = url, .timeout_ms = 300 }, &c, &err) == 0);
    struct gt_http_response resp;
    double t0 = th_now();
    /* the wait handler holds its body for 5 s */
    CHECK_INT_EQ(gt_http_client_request(c, "POST", "/containers/x/wait", NULL, NULL, 0, &resp, &err), -ETIMEDOUT);
    CHECK(th_now() - t0 < 2);
    CHECK_STR_CONTAINS(err.msg, "POST ");
    /* a stream with nothing arriving: the idle timeout */
    t0 = th_now();
    CHECK_INT_EQ(gt_http_client_stream(c, "GET", "/watch", NULL, NULL, 0, GT_HTTP_LINES, 1000,
                                       stop_after_two, &(int){ 0 }, &resp, &err), -ETIMEDOUT);
    CHECK(th_now() - t0 < 4);
    gt_http_response_release(&resp);
    /* the reader stops a stream */
    int n = 0;
    CHECK_INT_EQ(gt_http_client_stream(c, "GET", "/events", NULL, NULL, 0, GT_HTTP_LINES, 5000,
                                       stop_after_two, &n, &resp, &err), -ECANCELED);
    CHECK_INT_EQ(n, 2);
    gt_http_response_release(&resp);
    gt_http_client_free(c);
    stop(&f);
}
