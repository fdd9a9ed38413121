/* docker/ over a fake engine (docker_fake_engine.h), checked with raw
 * sockets where the CLI cannot show a detail, and with the real docker
 * CLI and the Python SDK for the flows they drive (run's attach/wait/start
 * order, exec exit codes, pull progress, inspect's walk, the 501s). */
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "base/base64.h"
#include "base/cleanup.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "docker/docker.h"
#include "http/server.h"
#include "tests/unit/docker_fake_engine.h"
#include "tests/unit/test_http_util.h"
#include "tests/unit/unit.h"

static char g_sock[256];
static struct gt_http_server *g_srv;
static struct gt_docker *g_docker;

static void start(void)
{
    signal(SIGPIPE, SIG_IGN);
    gt_log_set_level(GT_LOG_ERROR); /* the failures provoked here log warnings */
    fk_init();
    struct gt_error err;
    struct gt_docker_config cfg = { .engine = (struct gt_engine *)&fk, .version = "0.1.0-test",
                                    .git_commit = "abc1234" };
    if (gt_docker_new(&cfg, &g_docker, &err) < 0)
        abort();
    struct gt_http_server_opts o;
    gt_docker_server_opts(g_docker, &o);
    if (gt_http_server_new(&o, &g_srv, &err) < 0)
        abort();
    snprintf(g_sock, sizeof g_sock, "%s/docker.sock", unit_tmpdir());
    if (gt_http_server_listen(g_srv, &(struct gt_http_listen_opts){ .kind = GT_HTTP_UNIX, .path = g_sock, .gid = -1 }, &err) < 0)
        abort();
}

static void stop(void)
{
    gt_http_server_free(g_srv);
    gt_docker_free(g_docker);
}

static const char *docker(void)
{
    static const char *const where[] = { "/usr/local/bin/docker", "/usr/bin/docker", NULL };
    for (const char *const *w = where; *w; w++)
        if (access(*w, X_OK) == 0)
            return *w;
    return NULL;
}

/* runs a shell command with DOCKER_HOST set; output (stdout+stderr) in out */
static int sh(const char *cmdline, char *out, size_t outsz)
{
    cleanup_free char *cmd = gt_xasprintf("export DOCKER_CONFIG=%s/cfg HOME=%s DOCKER_HOST=unix://%s "
                                          "DOCKER_CLI_HINTS=false; {\n%s\n} 2>&1",
                                          unit_tmpdir(), unit_tmpdir(), g_sock, cmdline);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    size_t n = fread(out, 1, outsz - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

#define NEED_DOCKER() \
    do { \
        if (!docker()) \
            unit_skip("docker CLI not installed"); \
    } while (0)

static bool request(const char *raw, struct th_resp *r, bool head)
{
    int fd = th_connect_unix(g_sock);
    if (fd < 0)
        return false;
    bool ok = th_sends(fd, raw) && th_read_resp(fd, r, head);
    close(fd);
    return ok;
}

/* ---- raw protocol ---- */

TEST(ping_head_has_no_body_and_the_version_headers)
{
    start();
    struct th_resp r;
    REQUIRE(request("HEAD /_ping HTTP/1.1\r\nHost: api.moby.localhost\r\n\r\n", &r, true));
    CHECK_INT_EQ(r.status, 200);
    char v[128];
    CHECK_STR_EQ(th_header(&r, "Api-Version", v, sizeof v), "1.50");
    CHECK_STR_EQ(th_header(&r, "Ostype", v, sizeof v), "linux");
    CHECK_STR_EQ(th_header(&r, "Swarm", v, sizeof v), "inactive");
    CHECK_STR_EQ(th_header(&r, "Builder-Version", v, sizeof v), "1");
    CHECK_STR_EQ(th_header(&r, "Content-Length", v, sizeof v), "2");
    th_resp_free(&r);
    /* and nothing follows the head on the connection */
    int fd = th_connect_unix(g_sock);
    th_sends(fd, "HEAD /_ping HTTP/1.1\r\nHost: x\r\n\r\nGET /v1.41/_ping HTTP/1.1\r\nHost: x\r\n\r\n");
    REQUIRE(th_read_resp(fd, &r, true));
    th_resp_free(&r);
    REQUIRE(th_read_resp(fd, &r, false));
    CHECK_INT_EQ(r.status, 200);
    CHECK_STR_EQ(r.body, "OK");
    CHECK_STR_EQ(th_header(&r, "Content-Type", v, sizeof v), "text/plain; charset=utf-8");
    th_resp_free(&r);
    close(fd);
    stop();
}

TEST(versions_outside_the_range_are_400_in_dockerds_words)
{
    start();
    struct th_resp r;
    char v[128];
    REQUIRE(request("GET /v1.51/version HTTP/1.1\r\nHost: x\r\n\r\n", &r, false));
    CHECK_INT_EQ(r.status, 400);
    CHECK_STR_EQ(th_header(&r, "Content-Type", v, sizeof v), "application/json");
    CHECK_STR_EQ(r.body, "{\"message\":\"client version 1.51 is too new. Maximum supported API version is 1.50\"}\n");
    th_resp_free(&r);
    REQUIRE(request("GET /v1.12/version HTTP/1.1\r\nHost: x\r\n\r\n", &r, false));
    CHECK_INT_EQ(r.status, 400);
    CHECK_STR_CONTAINS(r.body, "client version 1.12 is too old. Minimum supported API version is 1.24");
    th_resp_free(&r);
    /* in range, and without a prefix */
    REQUIRE(request("GET /v1.24/version HTTP/1.1\r\nHost: x\r\n\r\n", &r, false));
    CHECK_INT_EQ(r.status, 200);
    th_resp_free(&r);
    REQUIRE(request("GET /version HTTP/1.1\r\nHost: x\r\n\r\n", &r, false));
    CHECK_INT_EQ(r.status, 200);
    CHECK_STR_CONTAINS(r.body, "\"ApiVersion\":\"1.50\"");
    th_resp_free(&r);
    stop();
}

TEST(errors_are_json_with_the_mapped_status)
{
    start();
    struct th_resp r;
    char v[128];
    REQUIRE(request("GET /v1.50/containers/nosuch/json HTTP/1.1\r\nHost: x\r\n\r\n", &r, false));
    CHECK_INT_EQ(r.status, 404);
    CHECK_STR_EQ(th_header(&r, "Content-Type", v, sizeof v), "application/json");
    CHECK_STR_EQ(r.body, "{\"message\":\"No such container: nosuch\"}\n");
    th_resp_free(&r);
    REQUIRE(request("GET /v1.50/containers/json?filters=%7Bbad HTTP/1.1\r\nHost: x\r\n\r\n", &r, false));
    CHECK_INT_EQ(r.status, 400);
    CHECK_STR_CONTAINS(r.body, "invalid filters");
    th_resp_free(&r);
    REQUIRE(request("GET /v1.50/containers/json?filters=%7B%22nosuch%22%3A%7B%22x%22%3Atrue%7D%7D HTTP/1.1\r\nHost: x\r\n\r\n", &r, false));
    CHECK_INT_EQ(r.status, 400);
    CHECK_STR_CONTAINS(r.body, "invalid filter 'nosuch'");
    th_resp_free(&r);
    REQUIRE(request("GET /v1.50/nosuch/path HTTP/1.1\r\nHost: x\r\n\r\n", &r, false));
    CHECK_INT_EQ(r.status, 404);
    CHECK_STR_EQ(r.body, "{\"message\":\"page not found\"}\n");
    th_resp_free(&r);
    REQUIRE(request("POST /v1.50/containers/create HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", &r, false));
    CHECK_INT_EQ(r.status, 400);
    CHECK_STR_CONTAINS(r.body, "config cannot be empty");
    th_resp_free(&r);
    REQUIRE(request("POST /v1.50/containers/create?name=bad/name HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}", &r, false));
    CHECK_INT_EQ(r.status, 400);
    CHECK_STR_CONTAINS(r.body, "Invalid container name (bad/name)");
    th_resp_free(&r);
    /* an image name with slashes and a port, raw in the path */
    REQUIRE(request("GET /v1.50/images/127.0.0.1:5000/a/b:1/json HTTP/1.1\r\nHost: x\r\n\r\n", &r, false));
    CHECK_INT_EQ(r.status, 404);
    CHECK_STR_EQ(r.body, "{\"message\":\"No such image: 127.0.0.1:5000/a/b:1\"}\n");
    th_resp_free(&r);
    stop();
}

static bool create(const char *name, const char *body_json, char id[65])
{
    cleanup_free char *raw = gt_xasprintf(
        "POST /v1.50/containers/create?name=%s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: %zu\r\n\r\n%s", name, strlen(body_json), body_json);
    struct th_resp r;
    if (!request(raw, &r, false) || r.status != 201) {
        th_resp_free(&r);
        return false;
    }
    cleanup_json json_t *j = json_loads(r.body, 0, NULL);
    snprintf(id, 65, "%s", json_string_value(json_object_get(j, "Id")));
    bool ok = json_is_array(json_object_get(j, "Warnings"));
    th_resp_free(&r);
    return ok;
}

TEST(wait_headers_come_before_the_container_starts)
{
    start();
    char id[65];
    REQUIRE(create("w1", "{\"Image\":\"busybox\",\"Cmd\":[\"sh\",\"-c\",\"exit 3\"]}", id));
    int fd = th_connect_unix(g_sock);
    cleanup_free char *raw = gt_xasprintf("POST /v1.50/containers/%s/wait?condition=next-exit HTTP/1.1\r\n"
                                          "Host: x\r\nContent-Length: 0\r\n\r\n", id);
    th_sends(fd, raw);
    struct th_resp r;
    /* docker run sends start only after this head arrives */
    REQUIRE(th_read_head(fd, &r));
    CHECK_INT_EQ(r.status, 200);
    char v[64];
    CHECK_STR_EQ(th_header(&r, "Content-Type", v, sizeof v), "application/json");
    CHECK_STR_EQ(th_header(&r, "Transfer-Encoding", v, sizeof v), "chunked");
    struct th_resp s;
    cleanup_free char *st = gt_xasprintf("POST /v1.50/containers/%s/start HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", id);
    REQUIRE(request(st, &s, false));
    CHECK_INT_EQ(s.status, 204);
    th_resp_free(&s);
    char line[256];
    REQUIRE(th_read_line(fd, line, sizeof line)); /* chunk size */
    REQUIRE(th_read_line(fd, line, sizeof line));
    CHECK_STR_EQ(line, "{\"StatusCode\":3,\"Error\":null}");
    close(fd);
    /* start again of a running... it has exited: start is fine; stop of a
     * stopped one is 304 without a body */
    REQUIRE(request(st, &s, false));
    CHECK_INT_EQ(s.status, 204);
    th_resp_free(&s);
    usleep(100000);
    cleanup_free char *sp = gt_xasprintf("POST /v1.50/containers/%s/stop HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", id);
    REQUIRE(request(sp, &s, false));
    CHECK_INT_EQ(s.status, 304);
    CHECK_INT_EQ(s.len, 0);
    CHECK(!th_header(&s, "Content-Type", v, sizeof v));
    th_resp_free(&s);
    stop();
}

TEST(an_abandoned_wait_ends_when_the_client_closes)
{
    start();
    char id[65];
    REQUIRE(create("w2", "{\"Image\":\"busybox\",\"Cmd\":[\"sleep\",\"100\"]}", id));
    int fd = th_connect_unix(g_sock);
    cleanup_free char *raw = gt_xasprintf("POST /v1.50/containers/w2/wait?condition=removed HTTP/1.1\r\n"
                                          "Host: x\r\nContent-Length: 0\r\n\r\n");
    th_sends(fd, raw);
    struct th_resp r;
    REQUIRE(th_read_head(fd, &r));
    CHECK_INT_EQ(fk.waits_cancelled, 0);
    close(fd); /* docker run -d exits */
    for (int i = 0; i < 100 && fk.waits_cancelled == 0; i++)
        usleep(20000);
    CHECK_INT_EQ(fk.waits_cancelled, 1);
    /* a missing container: a plain 404, not a stream */
    REQUIRE(request("POST /v1.50/containers/nosuch/wait HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", &r, false));
    CHECK_INT_EQ(r.status, 404);
    th_resp_free(&r);
    REQUIRE(request("POST /v1.50/containers/w2/wait?condition=bogus HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", &r, false));
    CHECK_INT_EQ(r.status, 400);
    th_resp_free(&r);
    stop();
}

TEST(attach_answers_101_with_the_stream_type)
{
    start();
    char id[65];
    REQUIRE(create("a1", "{\"Image\":\"busybox\",\"Cmd\":[\"echo\",\"hi\"]}", id));
    int fd = th_connect_unix(g_sock);
    th_sends(fd, "POST /v1.50/containers/a1/attach?stderr=1&stdout=1&stream=1 HTTP/1.1\r\nHost: x\r\n"
                 "Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n");
    struct th_resp r;
    REQUIRE(th_read_head(fd, &r));
    CHECK(!strncmp(r.head, "HTTP/1.1 101 UPGRADED\r\n", 23));
    char v[128];
    CHECK_STR_EQ(th_header(&r, "Content-Type", v, sizeof v), "application/vnd.docker.multiplexed-stream");
    CHECK_STR_EQ(th_header(&r, "Upgrade", v, sizeof v), "tcp");
    CHECK_STR_EQ(th_header(&r, "Connection", v, sizeof v), "Upgrade");
    struct th_resp s;
    REQUIRE(request("POST /v1.50/containers/a1/start HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", &s, false));
    th_resp_free(&s);
    unsigned char frame[8 + 3];
    REQUIRE(th_read_n(fd, (char *)frame, sizeof frame));
    static const unsigned char want[] = { 1, 0, 0, 0, 0, 0, 0, 3, 'h', 'i', '\n' };
    CHECK(!memcmp(frame, want, sizeof want));
    char c;
    CHECK_INT_EQ(recv(fd, &c, 1, 0), 0); /* closed once the container ended */
    close(fd);
    /* a missing container: a plain 404 before any upgrade */
    REQUIRE(request("POST /v1.50/containers/nosuch/attach?stdout=1&stream=1 HTTP/1.1\r\nHost: x\r\n"
                    "Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n", &r, false));
    CHECK_INT_EQ(r.status, 404);
    th_resp_free(&r);
    /* API 1.41: the raw-stream type (clients below 1.42 ignore it) */
    REQUIRE(create("a2", "{\"Image\":\"busybox\",\"Cmd\":[\"sleep\",\"1\"]}", id));
    fd = th_connect_unix(g_sock);
    th_sends(fd, "POST /v1.41/containers/a2/attach?stdout=1&stream=1 HTTP/1.1\r\nHost: x\r\n"
                 "Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n");
    REQUIRE(th_read_head(fd, &r));
    CHECK_STR_EQ(th_header(&r, "Content-Type", v, sizeof v), "application/vnd.docker.raw-stream");
    /* a client that hangs up ends the attach */
    close(fd);
    for (int i = 0; i < 100 && fk.attaches_cancelled == 0; i++)
        usleep(20000);
    CHECK_INT_EQ(fk.attaches_cancelled, 1);
    stop();
}

TEST(logs_are_framed_unless_tty)
{
    start();
    char id[65];
    REQUIRE(create("l1", "{\"Image\":\"busybox\",\"Cmd\":[\"err\",\"oops\"]}", id));
    struct th_resp r;
    REQUIRE(request("POST /v1.50/containers/l1/start HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", &r, false));
    th_resp_free(&r);
    usleep(100000);
    REQUIRE(request("GET /v1.50/containers/l1/logs?stderr=1&stdout=1&timestamps=1 HTTP/1.1\r\nHost: x\r\n\r\n", &r, false));
    CHECK_INT_EQ(r.status, 200);
    REQUIRE(r.len > 8);
    CHECK_INT_EQ(r.body[0], 2);
    CHECK_INT_EQ((unsigned char)r.body[7], r.len - 8);
    CHECK(r.body[8 + 4] == '-' && r.body[8 + 10] == 'T');
    CHECK(!memcmp(r.body + r.len - 6, " oops\n", 6));
    th_resp_free(&r);
    REQUIRE(request("GET /v1.50/containers/l1/logs HTTP/1.1\r\nHost: x\r\n\r\n", &r, false));
    CHECK_INT_EQ(r.status, 400);
    CHECK_STR_CONTAINS(r.body, "at least one stream");
    th_resp_free(&r);
    REQUIRE(create("l2", "{\"Image\":\"busybox\",\"Tty\":true,\"Cmd\":[\"echo\",\"tty\"]}", id));
    REQUIRE(request("POST /v1.50/containers/l2/start HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", &r, false));
    th_resp_free(&r);
    usleep(100000);
    REQUIRE(request("GET /v1.50/containers/l2/logs?stdout=1 HTTP/1.1\r\nHost: x\r\n\r\n", &r, false));
    char v[128];
    CHECK_STR_EQ(th_header(&r, "Content-Type", v, sizeof v), "application/vnd.docker.raw-stream");
    CHECK_STR_EQ(r.body, "tty\n");
    th_resp_free(&r);
    stop();
}

TEST(streamed_json_begins_with_its_first_message)
{
    start();
    struct th_resp r;
    /* an error before any progress is a plain status */
    REQUIRE(request("POST /v1.50/images/create?fromImage=x%2Fnosuch&tag=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", &r, false));
    CHECK_INT_EQ(r.status, 404);
    CHECK_STR_CONTAINS(r.body, "pull access denied for x/nosuch:1");
    th_resp_free(&r);
    /* after: an errorDetail message */
    REQUIRE(request("POST /v1.50/images/create?fromImage=midfail&tag=latest HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", &r, false));
    CHECK_INT_EQ(r.status, 200);
    CHECK_STR_CONTAINS(r.body, "{\"status\":\"Pulling from fake\",\"id\":\"latest\"}\r\n");
    CHECK_STR_CONTAINS(r.body, "{\"errorDetail\":{\"message\":\"read layer: connection reset by peer\"},\"error\":\"read layer: connection reset by peer\"}\r\n");
    th_resp_free(&r);
    /* a digest travels in tag */
    REQUIRE(request("POST /v1.50/images/create?fromImage=localhost%3A5000%2Ffoo&tag=sha256%3Aabc HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", &r, false));
    CHECK_INT_EQ(r.status, 200);
    th_resp_free(&r);
    REQUIRE(request("GET /v1.50/images/localhost:5000/foo@sha256:abc/json HTTP/1.1\r\nHost: x\r\n\r\n", &r, false));
    CHECK_INT_EQ(r.status, 200);
    th_resp_free(&r);
    stop();
}

TEST(export_failing_midway_cuts_the_connection)
{
    start();
    char id[65];
    REQUIRE(create("exportfail", "{\"Image\":\"busybox\",\"Cmd\":[\"true\"]}", id));
    REQUIRE(create("exportok", "{\"Image\":\"busybox\",\"Cmd\":[\"true\"]}", id));
    struct th_resp r;
    REQUIRE(request("GET /v1.50/containers/exportok/export HTTP/1.1\r\nHost: x\r\n\r\n", &r, false));
    CHECK_INT_EQ(r.status, 200);
    CHECK_INT_EQ(r.len, 4 * 65536);
    th_resp_free(&r);
    /* th_read_resp fails: no final chunk */
    int fd = th_connect_unix(g_sock);
    th_sends(fd, "GET /v1.50/containers/exportfail/export HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(!th_read_resp(fd, &r, false));
    th_resp_free(&r);
    close(fd);
    REQUIRE(request("GET /v1.50/containers/nosuch/export HTTP/1.1\r\nHost: x\r\n\r\n", &r, false));
    CHECK_INT_EQ(r.status, 404);
    th_resp_free(&r);
    stop();
}

TEST(cp_stat_header_tar_put_options_and_changes)
{
    start();
    char id[65], v[512];
    REQUIRE(create("cp1", "{\"Image\":\"busybox\",\"Cmd\":[\"true\"]}", id));
    struct th_resp r;
    /* HEAD: the stat as base64 JSON in a header, no body */
    REQUIRE(request("HEAD /v1.50/containers/cp1/archive?path=%2Fetc%2Fhostname HTTP/1.1\r\n"
                    "Host: x\r\n\r\n", &r, true));
    CHECK_INT_EQ(r.status, 200);
    REQUIRE(th_header(&r, "X-Docker-Container-Path-Stat", v, sizeof v));
    unsigned char *dec = NULL;
    size_t dlen = 0;
    REQUIRE(gt_base64_decode(v, strlen(v), &dec, &dlen) == 0);
    CHECK_STR_CONTAINS((char *)dec, "\"name\":\"hostname\"");
    free(dec);
    th_resp_free(&r);
    /* GET: the same header, a tar body */
    REQUIRE(request("GET /v1.50/containers/cp1/archive?path=/etc/hostname HTTP/1.1\r\n"
                    "Host: x\r\n\r\n", &r, false));
    CHECK_INT_EQ(r.status, 200);
    CHECK(th_header(&r, "X-Docker-Container-Path-Stat", v, sizeof v) != NULL);
    CHECK_STR_EQ(th_header(&r, "Content-Type", v, sizeof v), "application/x-tar");
    CHECK_STR_EQ(r.body, "fake\n");
    th_resp_free(&r);
    /* a missing path: 404 with dockerd's words */
    REQUIRE(request("GET /v1.50/containers/cp1/archive?path=/nope HTTP/1.1\r\nHost: x\r\n\r\n",
                    &r, false));
    CHECK_INT_EQ(r.status, 404);
    CHECK_STR_CONTAINS(r.body, "Could not find the file /nope in container cp1");
    th_resp_free(&r);
    /* PUT: the body and the options reach the engine */
    REQUIRE(request("PUT /v1.50/containers/cp1/archive?path=%2Ftmp&noOverwriteDirNonDir=true"
                    "&copyUIDGID=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nabcdef",
                    &r, false));
    CHECK_INT_EQ(r.status, 200);
    CHECK_INT_EQ(fk_extracted.bytes, 6);
    CHECK_STR_EQ(fk_extracted.path, "/tmp");
    CHECK(fk_extracted.no_overwrite && fk_extracted.copy_uid_gid);
    th_resp_free(&r);
    REQUIRE(request("PUT /v1.50/containers/cp1/archive?path=%2Ftmp&noOverwriteDirNonDir=false "
                    "HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", &r, false));
    CHECK_INT_EQ(r.status, 200);
    CHECK(!fk_extracted.no_overwrite && !fk_extracted.copy_uid_gid);
    th_resp_free(&r);
    REQUIRE(request("GET /v1.50/containers/cp1/changes HTTP/1.1\r\nHost: x\r\n\r\n", &r,
                    false));
    CHECK_INT_EQ(r.status, 200);
    CHECK_STR_EQ(r.body, "[{\"Path\":\"/etc\",\"Kind\":0},{\"Path\":\"/etc/new\",\"Kind\":1}]\n");
    th_resp_free(&r);
    stop();
}

TEST(load_takes_a_chunked_body)
{
    start();
    struct th_resp r;
    REQUIRE(request("POST /v1.50/images/load HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                    "Content-Type: application/x-tar\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", &r, false));
    CHECK_INT_EQ(r.status, 200);
    char v[64];
    CHECK_STR_EQ(th_header(&r, "Content-Type", v, sizeof v), "application/json");
    CHECK_STR_EQ(r.body, "{\"stream\":\"Loaded image: fake:11\\n\"}\n");
    th_resp_free(&r);
    REQUIRE(request("POST /v1.50/images/load HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", &r, false));
    CHECK_INT_EQ(r.status, 400);
    CHECK_STR_CONTAINS(r.body, "the archive is empty");
    th_resp_free(&r);
    stop();
}

TEST(auth_refusal_is_401_and_success_has_dockerds_shape)
{
    start();
    struct th_resp r;
    REQUIRE(request("POST /v1.50/auth HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    "Content-Length: 58\r\n\r\n"
                    "{\"username\":\"alice\",\"password\":\"no\",\"serveraddress\":\"r:5\"}",
                    &r, false));
    CHECK_INT_EQ(r.status, 401);
    CHECK_STR_CONTAINS(r.body, "login attempt to http://r:5/v2/ failed with status: 401");
    th_resp_free(&r);
    REQUIRE(request("POST /v1.50/auth HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    "Content-Length: 62\r\n\r\n"
                    "{\"username\":\"alice\",\"password\":\"s3cret\",\"serveraddress\":\"r:5\"}",
                    &r, false));
    CHECK_INT_EQ(r.status, 200);
    CHECK_STR_EQ(r.body, "{\"Status\":\"Login Succeeded\",\"IdentityToken\":\"\"}\n");
    th_resp_free(&r);
    REQUIRE(request("POST /v1.50/auth HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n[]",
                    &r, false));
    CHECK_INT_EQ(r.status, 400);
    th_resp_free(&r);
    stop();
}

TEST(import_streams_the_id_and_refuses_what_it_cannot_do)
{
    start();
    struct th_resp r;
    REQUIRE(request("POST /v1.50/images/create?fromSrc=-&repo=x&changes=CMD+a&changes=ENV+b%3Dc"
                    "&message=m HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", &r, false));
    CHECK_INT_EQ(r.status, 200);
    CHECK_STR_EQ(r.body, "{\"status\":\"sha256:00000000000000000000000000000000000000000000000000"
                         "0000000000000b\"}\r\n");
    th_resp_free(&r);
    CHECK_STR_EQ(fk_import.changes, "CMD a|ENV b=c|");
    CHECK_STR_EQ(fk_import.message, "m");
    /* a bad change is answered although the body is still coming */
    REQUIRE(request("POST /v1.50/images/create?fromSrc=-&changes=RUN+x HTTP/1.1\r\nHost: x\r\n"
                    "Content-Length: 5\r\n\r\nhello", &r, false));
    CHECK_INT_EQ(r.status, 400);
    CHECK_STR_CONTAINS(r.body, "run is not a valid change command");
    th_resp_free(&r);
    REQUIRE(request("POST /v1.50/images/create?fromSrc=http://h/x.tar HTTP/1.1\r\nHost: x\r\n"
                    "Content-Length: 0\r\n\r\n", &r, false));
    CHECK_INT_EQ(r.status, 501);
    CHECK_STR_CONTAINS(r.body, "docker import from a URL (http://h/x.tar) is not implemented yet");
    th_resp_free(&r);
    stop();
}

TEST(import_of_a_body_cut_short_is_not_kept)
{
    start();
    int before = fk_import.done;
    int fd = th_connect_unix(g_sock);
    REQUIRE(fd >= 0);
    th_sends(fd, "POST /v1.50/images/create?fromSrc=- HTTP/1.1\r\nHost: x\r\n"
                 "Content-Length: 100000\r\n\r\nonly this much");
    close(fd);
    for (int i = 0; i < 200 && fk_import.done == before; i++)
        usleep(10000);
    pthread_mutex_lock(&fk_import.lock);
    CHECK_INT_EQ(fk_import.done, before + 1);
    CHECK(fk_import.cut);
    CHECK_INT_EQ(fk_import.bytes, 14);
    pthread_mutex_unlock(&fk_import.lock);
    stop();
}

TEST(load_of_a_body_cut_short_is_not_kept)
{
    start();
    int before = fk_load.done;
    int fd = th_connect_unix(g_sock);
    REQUIRE(fd >= 0);
    th_sends(fd, "POST /v1.50/images/load HTTP/1.1\r\nHost: x\r\n"
                 "Content-Type: application/x-tar\r\nContent-Length: 100000\r\n\r\npart");
    close(fd);
    for (int i = 0; i < 200 && fk_load.done == before; i++)
        usleep(10000);
    pthread_mutex_lock(&fk_load.lock);
    CHECK_INT_EQ(fk_load.done, before + 1);
    CHECK(fk_load.cut);
    pthread_mutex_unlock(&fk_load.lock);
    stop();
}

TEST(networks_routes)
{
    start();
    struct th_resp r;
    REQUIRE(request("GET /v1.50/networks HTTP/1.1\r\nHost: x\r\n\r\n", &r, false));
    CHECK_INT_EQ(r.status, 200);
    CHECK_STR_CONTAINS(r.body, "\"Name\":\"none\"");
    CHECK_STR_CONTAINS(r.body, "\"Name\":\"host\"");
    th_resp_free(&r);
    REQUIRE(request("GET /v1.50/networks?filters=%7B%22colour%22%3A%5B%22x%22%5D%7D HTTP/1.1\r\nHost: x\r\n\r\n", &r, false));
    CHECK_INT_EQ(r.status, 400);
    CHECK_STR_CONTAINS(r.body, "invalid filter 'colour'");
    th_resp_free(&r);
    REQUIRE(request("POST /v1.50/networks/create HTTP/1.1\r\nHost: x\r\nContent-Length: 15\r\n\r\n{\"Name\":\"net1\"}", &r, false));
    CHECK_INT_EQ(r.status, 201);
    CHECK_STR_CONTAINS(r.body, "\"Id\":\"3333\"");
    th_resp_free(&r);
    REQUIRE(request("POST /v1.50/networks/create HTTP/1.1\r\nHost: x\r\nContent-Length: 15\r\n\r\n{\"Name\":\"net1\"}", &r, false));
    CHECK_INT_EQ(r.status, 409);
    th_resp_free(&r);
    REQUIRE(request("POST /v1.50/networks/create HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n[]", &r, false));
    CHECK_INT_EQ(r.status, 400);
    th_resp_free(&r);
    REQUIRE(request("POST /v1.50/networks/net1/connect HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}", &r, false));
    CHECK_INT_EQ(r.status, 400);
    CHECK_STR_CONTAINS(r.body, "Container is required");
    th_resp_free(&r);
    REQUIRE(request("POST /v1.50/networks/net1/disconnect HTTP/1.1\r\nHost: x\r\nContent-Length: 22\r\n\r\n{\"Container\":\"nosuch\"}", &r, false));
    CHECK_INT_EQ(r.status, 404);
    CHECK_STR_CONTAINS(r.body, "No such container: nosuch");
    th_resp_free(&r);
    REQUIRE(request("DELETE /v1.50/networks/host HTTP/1.1\r\nHost: x\r\n\r\n", &r, false));
    CHECK_INT_EQ(r.status, 403);
    th_resp_free(&r);
    REQUIRE(request("DELETE /v1.50/networks/net1 HTTP/1.1\r\nHost: x\r\n\r\n", &r, false));
    CHECK_INT_EQ(r.status, 204);
    th_resp_free(&r);
    REQUIRE(request("GET /v1.50/networks/nosuch HTTP/1.1\r\nHost: x\r\n\r\n", &r, false));
    CHECK_INT_EQ(r.status, 404);
    th_resp_free(&r);
    REQUIRE(request("GET /v1.50/plugins/nosuch/json HTTP/1.1\r\nHost: x\r\n\r\n", &r, false));
    CHECK_INT_EQ(r.status, 404);
    th_resp_free(&r);
    stop();
}

/* ---- the real CLI ---- */

TEST(cli_run_attached_exit_status_and_stdin)
{
    NEED_DOCKER();
    start();
    static char out[16384];
    CHECK_INT_EQ(sh("docker run --rm busybox echo hello there", out, sizeof out), 0);
    CHECK_STR_EQ(out, "hello there\n");
    CHECK_INT_EQ(sh("docker run --rm busybox sh -c 'exit 3'", out, sizeof out), 3);
    CHECK_STR_EQ(out, "");
    CHECK_INT_EQ(sh("docker run --name e1 busybox err bad", out, sizeof out), 1);
    CHECK_STR_EQ(out, "bad\n");
    CHECK_INT_EQ(sh("echo piped | docker run --rm -i busybox cat", out, sizeof out), 0);
    CHECK_STR_EQ(out, "piped\n");
    /* -d: prints the id, abandons its wait */
    CHECK_INT_EQ(sh("docker run -d --name d1 busybox sleep 100", out, sizeof out), 0);
    CHECK_INT_EQ(strlen(out), 65);
    for (int i = 0; i < 100 && fk.waits_cancelled == 0; i++)
        usleep(20000);
    CHECK_INT_EQ(fk.waits_cancelled, 1);
    /* start of a running container and stop of a stopped one: 304, success */
    CHECK_INT_EQ(sh("docker start d1", out, sizeof out), 0);
    CHECK_STR_EQ(out, "d1\n");
    CHECK_INT_EQ(sh("docker stop d1 && docker stop d1", out, sizeof out), 0);
    CHECK_STR_EQ(out, "d1\nd1\n");
    CHECK_INT_EQ(sh("docker wait d1", out, sizeof out), 0);
    CHECK_STR_EQ(out, "143\n");
    CHECK_INT_EQ(sh("docker kill d1", out, sizeof out), 1);
    CHECK_STR_CONTAINS(out, "Error response from daemon: Cannot kill container: d1");
    stop();
}

TEST(cli_run_works_with_an_engine_that_never_says_registered)
{
    NEED_DOCKER();
    start();
    fk.attach_never_registers = true;
    static char out[16384];
    CHECK_INT_EQ(sh("docker run --rm busybox echo late", out, sizeof out), 0);
    CHECK_STR_EQ(out, "late\n");
    stop();
}

TEST(cli_run_pulls_a_missing_image)
{
    NEED_DOCKER();
    start();
    static char out[16384];
    CHECK_INT_EQ(sh("docker run --rm example.com/other:2 echo pulled", out, sizeof out), 0);
    CHECK_STR_CONTAINS(out, "Unable to find image 'example.com/other:2' locally");
    CHECK_STR_CONTAINS(out, "Pull complete");
    CHECK_STR_CONTAINS(out, "pulled\n");
    CHECK_INT_EQ(sh("docker pull example.com/nosuch:1", out, sizeof out), 1);
    CHECK_STR_CONTAINS(out, "Error response from daemon: pull access denied for example.com/nosuch:1");
    CHECK_INT_EQ(sh("docker pull example.com/midfail:1", out, sizeof out), 1);
    CHECK_STR_CONTAINS(out, "connection reset by peer");
    stop();
}

TEST(cli_exec_exit_code_and_output)
{
    NEED_DOCKER();
    start();
    static char out[16384];
    REQUIRE(sh("docker run -d --name x1 busybox sleep 100", out, sizeof out) == 0);
    CHECK_INT_EQ(sh("docker exec x1 echo 42", out, sizeof out), 0);
    CHECK_STR_EQ(out, "42\n");
    CHECK_INT_EQ(sh("docker exec x1 sh -c 'exit 5'", out, sizeof out), 5);
    CHECK_INT_EQ(sh("docker exec x1 nosuch", out, sizeof out), 127);
    CHECK_STR_CONTAINS(out, "executable file not found");
    CHECK_INT_EQ(sh("docker exec -d x1 sh -c 'exit 5'", out, sizeof out), 0);
    /* the stats messages carry the name docker stats prints */
    CHECK_INT_EQ(sh("docker stats --no-stream --format '{{.Name}}' x1", out, sizeof out), 0);
    CHECK_STR_EQ(out, "x1\n");
    CHECK_INT_EQ(sh("docker stop x1 >/dev/null; docker exec x1 echo no", out, sizeof out), 1);
    CHECK_STR_CONTAINS(out, "is not running");
    stop();
}

TEST(cli_update_and_commit_reach_the_engine)
{
    NEED_DOCKER();
    start();
    static char out[16384];
    REQUIRE(sh("docker run -d --name up1 busybox sleep 100", out, sizeof out) == 0);
    CHECK_INT_EQ(sh("docker update --memory 64m --memory-swap 128m --pids-limit 9 up1", out,
                    sizeof out), 0);
    CHECK_STR_EQ(out, "up1\n");
    CHECK_INT_EQ(sh("docker inspect -f '{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}}' up1",
                    out, sizeof out), 0);
    CHECK_STR_EQ(out, "67108864 9\n");
    CHECK_INT_EQ(sh("docker update --memory 64m nosuch", out, sizeof out), 1);
    CHECK_STR_CONTAINS(out, "No such container: nosuch");
    /* the CLI splits repo and tag, repeats changes, and says pause=0 only for --pause=false */
    CHECK_INT_EQ(sh("docker commit -m note -c 'CMD x' -c 'ENV a=b' up1 repo/x:v2", out,
                    sizeof out), 0);
    CHECK_STR_EQ(out, "sha256:docker.io/repo/x:v2:note:2:1\n");
    CHECK_INT_EQ(sh("docker commit --pause=false up1", out, sizeof out), 0);
    CHECK_STR_EQ(out, "sha256::::0:0\n");
    CHECK_INT_EQ(sh("docker commit nosuch", out, sizeof out), 1);
    CHECK_STR_CONTAINS(out, "No such container: nosuch");
    stop();
}

TEST(cli_logs_follow_and_timestamps)
{
    NEED_DOCKER();
    start();
    static char out[65536];
    REQUIRE(sh("docker run -d --name t1 busybox ticker", out, sizeof out) == 0);
    usleep(300000);
    CHECK_INT_EQ(sh("docker logs --tail 2 t1 | wc -l", out, sizeof out), 0);
    CHECK_STR_EQ(out, "2\n");
    CHECK_INT_EQ(sh("docker logs -t t1 | head -1", out, sizeof out), 0);
    CHECK(out[4] == '-' && out[10] == 'T' && strstr(out, "Z tick 0\n"));
    CHECK_INT_EQ(sh("(sleep 0.5; docker stop t1 >/dev/null) & docker logs -f t1 | tail -1", out, sizeof out), 0);
    CHECK_STR_CONTAINS(out, "tick ");
    stop();
}

TEST(cli_inspect_walks_every_kind)
{
    NEED_DOCKER();
    start();
    static char out[16384];
    CHECK_INT_EQ(sh("docker inspect nosuch", out, sizeof out), 1);
    CHECK_STR_CONTAINS(out, "No such object: nosuch");
    CHECK_INT_EQ(sh("docker inspect -f '{{.Id}}' busybox", out, sizeof out), 0);
    CHECK_STR_EQ(out, "sha256:0123456789abcdef\n");
    CHECK_INT_EQ(sh("docker inspect -f '{{.Name}}' none", out, sizeof out), 0);
    CHECK_STR_EQ(out, "none\n");
    stop();
}

TEST(cli_what_is_not_there_says_so)
{
    NEED_DOCKER();
    start();
    static char out[16384];
    CHECK_INT_EQ(sh("docker network ls --format '{{.Name}} {{.Driver}}'", out, sizeof out), 0);
    CHECK_STR_EQ(out, "host host\nnone null\n");
    CHECK_INT_EQ(sh("docker network create -d overlay n1", out, sizeof out), 1);
    CHECK_STR_CONTAINS(out, "Error response from daemon: the fake engine makes only net1");
    cleanup_free char *ctx = gt_xasprintf("%s/ctx", unit_tmpdir());
    mkdir(ctx, 0755);
    cleanup_free char *cmd = gt_xasprintf("cd %s && echo 'FROM busybox' > Dockerfile && "
                                          "DOCKER_BUILDKIT=0 docker build -t x .", ctx);
    /* the build's error comes in the stream, its code is the exit status */
    CHECK_INT_EQ(sh(cmd, out, sizeof out), 3);
    CHECK_STR_CONTAINS(out, "Step 1/1 : FROM busybox");
    CHECK_STR_CONTAINS(out, "the fake engine builds nothing (x)");
    CHECK_INT_EQ(sh("docker search busybox", out, sizeof out), 1);
    CHECK_STR_CONTAINS(out, "docker search is not implemented yet");
    stop();
}

TEST(cli_login_stores_what_the_engine_accepted)
{
    NEED_DOCKER();
    start();
    static char out[16384];
    CHECK_INT_EQ(sh("echo wrong | docker login 127.0.0.1:5999 -u alice --password-stdin", out,
                    sizeof out), 1);
    CHECK_STR_CONTAINS(out, "Error response from daemon: login attempt to http://127.0.0.1:5999"
                            "/v2/ failed with status: 401 Unauthorized");
    CHECK_INT_EQ(sh("echo s3cret | docker login 127.0.0.1:5999 -u alice --password-stdin", out,
                    sizeof out), 0);
    CHECK_STR_CONTAINS(out, "Login Succeeded");
    CHECK_INT_EQ(sh("grep -c '127.0.0.1:5999' $DOCKER_CONFIG/config.json", out, sizeof out), 0);
    CHECK_INT_EQ(sh("docker logout 127.0.0.1:5999 && grep -c 5999 $DOCKER_CONFIG/config.json",
                    out, sizeof out), 1);
    stop();
}

TEST(cli_import_from_a_file_and_stdin)
{
    NEED_DOCKER();
    start();
    static char out[16384];
    CHECK_INT_EQ(sh("head -c 3000 /dev/zero > $HOME/rootfs.tar && docker import -m 'first one' "
                    "-c 'CMD [\"/bin/sh\"]' -c 'ENV A=b' $HOME/rootfs.tar fake/img:v1", out,
                    sizeof out), 0);
    CHECK_STR_EQ(out, "sha256:0000000000000000000000000000000000000000000000000000000000000bb8\n");
    CHECK_STR_EQ(fk_import.repo, "fake/img:v1");
    CHECK_STR_EQ(fk_import.message, "first one");
    CHECK_STR_EQ(fk_import.changes, "CMD [\"/bin/sh\"]|ENV A=b|");
    CHECK_INT_EQ(sh("head -c 10 /dev/zero | docker import - r2", out, sizeof out), 0);
    CHECK_STR_EQ(fk_import.repo, "r2");
    CHECK_INT_EQ(fk_import.bytes, 10);
    CHECK_INT_EQ(sh("docker import -c 'RUN x' $HOME/rootfs.tar", out, sizeof out), 1);
    CHECK_STR_CONTAINS(out, "Error response from daemon: run is not a valid change command");
    stop();
}

TEST(cli_version_negotiates_down)
{
    NEED_DOCKER();
    start();
    static char out[16384];
    CHECK_INT_EQ(sh("docker version --format '{{.Server.APIVersion}} {{.Server.Version}}'", out, sizeof out), 0);
    CHECK_STR_EQ(out, "1.50 0.1.0-test\n");
    CHECK_INT_EQ(sh("DOCKER_API_VERSION=1.41 docker version --format '{{.Client.APIVersion}}'", out, sizeof out), 0);
    CHECK_STR_EQ(out, "1.41\n");
    CHECK_INT_EQ(sh("docker info --format '{{.DockerRootDir}} {{.OSType}} {{.Swarm.LocalNodeState}}'", out, sizeof out), 0);
    CHECK_STR_EQ(out, "/fake/data linux inactive\n");
    stop();
}

TEST(cli_save_and_load)
{
    NEED_DOCKER();
    start();
    static char out[16384];
    cleanup_free char *cmd = gt_xasprintf("docker save -o %s/s.tar busybox && cat %s/s.tar && "
                                          "docker load -i %s/s.tar", unit_tmpdir(), unit_tmpdir(),
                                          unit_tmpdir());
    CHECK_INT_EQ(sh(cmd, out, sizeof out), 0);
    CHECK_STR_CONTAINS(out, "archive of busybox");
    CHECK_STR_CONTAINS(out, "Loaded image: fake:");
    CHECK_INT_EQ(sh("docker save nosuch > /dev/null", out, sizeof out), 1);
    CHECK_STR_CONTAINS(out, "No such image: nosuch");
    stop();
}

TEST(python_sdk_run_exec_logs)
{
    if (access("/usr/bin/python3", X_OK) != 0 || system("/usr/bin/python3 -c 'import docker' 2>/dev/null") != 0)
        unit_skip("python3-docker not installed");
    start();
    static char out[16384];
    cleanup_free char *cmd = gt_xasprintf(
        "/usr/bin/python3 - <<'PY'\n"
        "import docker\n"
        "c = docker.DockerClient(base_url='unix://%s')\n"
        "assert c.ping()\n"
        "assert c.containers.run('busybox', ['echo', 'sdk'], remove=True) == b'sdk\\n'\n"
        "k = c.containers.run('busybox', ['sleep', '100'], detach=True, name='p1')\n"
        "assert k.status == 'created' or k.status == 'running', k.status\n"
        "rc, o = k.exec_run(['echo', 'in'])\n"
        "assert (rc, o) == (0, b'in\\n'), (rc, o)\n"
        "rc, o = k.exec_run(['sh', '-c', 'exit 4'])\n"
        "assert rc == 4, rc\n"
        "assert [x.name for x in c.containers.list(filters={'name': 'p1'})] == ['p1']\n"
        "assert k.stats(stream=False)['memory_stats']['limit'] == 64 * 1024 * 1024\n"
        "k.stop(timeout=1)\n"
        "assert k.wait()['StatusCode'] == 143\n"
        "try:\n"
        "    c.containers.get('nosuch')\n"
        "    raise SystemExit('found nosuch')\n"
        "except docker.errors.NotFound:\n"
        "    pass\n"
        "print('sdk ok')\n"
        "PY", g_sock);
    int rc = sh(cmd, out, sizeof out);
    if (rc != 0)
        printf("%s\n", out);
    CHECK_INT_EQ(rc, 0);
    CHECK_STR_CONTAINS(out, "sdk ok");
    stop();
}
