/* The real docker CLI against a tiny server built on http/: proves the
 * transport quirks of client-compat part A (HEAD /_ping without a body,
 * Api-Version negotiation, version prefixes, errors as {"message"} with
 * Content-Type exactly application/json). */
#include <pthread.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/mem.h"
#include "http/server.h"
#include "tests/unit/test_http_util.h"
#include "tests/unit/unit.h"

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static char g_log[4096]; /* "METHOD target\n" per request */

static void logreq(struct gt_http_req *req)
{
    pthread_mutex_lock(&g_lock);
    snprintf(g_log + strlen(g_log), sizeof g_log - strlen(g_log), "%s %s\n", gt_http_req_method(req),
             gt_http_req_target(req));
    pthread_mutex_unlock(&g_lock);
}

static void h_ping(struct gt_http_req *req, void *ctx)
{
    logreq(req);
    gt_http_add_header(req, "Cache-Control", "no-cache, no-store, must-revalidate");
    gt_http_add_header(req, "Pragma", "no-cache");
    gt_http_add_header(req, "Builder-Version", "1");
    gt_http_add_header(req, "Swarm", "inactive");
    gt_http_add_header(req, "Docker-Experimental", "false");
    gt_http_respond(req, 200, "text/plain; charset=utf-8", "OK", 2);
}

static void h_version(struct gt_http_req *req, void *ctx)
{
    logreq(req);
    cleanup_json json_t *j = json_pack(
        "{s:{s:s}, s:[{s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}}], s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
        "Platform", "Name", "Gantry Test Engine", "Components", "Name", "Engine", "Version", "0.1.0",
        "Details", "ApiVersion", "1.50", "MinAPIVersion", "1.24", "GitCommit", "abc1234", "GoVersion",
        "none (C)", "Os", "linux", "Arch", "amd64", "KernelVersion", "6.1", "Experimental", "false",
        "BuildTime", "2026-11-23T00:00:00Z", "Version", "0.1.0", "ApiVersion", "1.50", "MinAPIVersion",
        "1.24", "GitCommit", "abc1234", "GoVersion", "none (C)", "Os", "linux", "Arch", "amd64",
        "KernelVersion", "6.1", "BuildTime", "2026-11-23T00:00:00Z");
    gt_http_respond_json(req, 200, j);
}

static void h_rm(struct gt_http_req *req, void *ctx)
{
    logreq(req);
    gt_http_respond_error(req, 404, "No such container: %s", gt_http_req_param(req, "id"));
}

static void not_found_logged(struct gt_http_req *req, int status, const char *message, void *ctx)
{
    cleanup_json json_t *j = json_object();
    json_object_set_new(j, "message", json_string_nocheck(message));
    gt_http_respond_json(req, status, j);
}

static int version_prefix(struct gt_http_req *req, const char *path, void *ctx)
{
    if (strncmp(path, "/v1.", 4) != 0)
        return 0;
    const char *end = strchr(path + 1, '/');
    if (!end)
        return 0;
    char ver[16];
    snprintf(ver, sizeof ver, "%.*s", (int)(end - path - 2), path + 2);
    gt_http_req_set_api_version(req, ver);
    return (int)(end - path);
}

static const struct gt_http_route routes[] = {
    { "GET", "/_ping", h_ping }, /* answers HEAD too */
    { "GET", "/version", h_version },
    { "DELETE", "/containers/{id}", h_rm },
};

static const char *docker(void)
{
    static const char *const where[] = { "/usr/local/bin/docker", "/usr/bin/docker", NULL };
    for (const char *const *w = where; *w; w++)
        if (access(*w, X_OK) == 0)
            return *w;
    return NULL;
}

/* runs the CLI; returns its exit status, output (stdout+stderr) in out */
static int run_docker(const char *sock, const char *args, char *out, size_t outsz)
{
    cleanup_free char *cmd = gt_xasprintf("DOCKER_CONFIG=%s/cfg HOME=%s DOCKER_HOST=unix://%s %s %s 2>&1",
                                          unit_tmpdir(), unit_tmpdir(), sock, docker(), args);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    size_t n = fread(out, 1, outsz - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static struct gt_http_server *start(char *sock, size_t sz)
{
    static const char *const hdrs[] = { "Api-Version: 1.50", "Ostype: linux", "Server: Docker/0.1.0 (linux)", NULL };
    struct gt_http_server_opts o = {
        .routes = routes, .nroutes = 3, .headers = hdrs, .path_hook = version_prefix,
        .error_fn = not_found_logged,
    };
    struct gt_http_server *srv;
    struct gt_error err;
    if (gt_http_server_new(&o, &srv, &err) < 0)
        abort();
    snprintf(sock, sz, "%s/docker.sock", unit_tmpdir());
    if (gt_http_server_listen(srv, &(struct gt_http_listen_opts){ .kind = GT_HTTP_UNIX, .path = sock, .gid = -1 }, &err) < 0)
        abort();
    return srv;
}

TEST(docker_cli_version_through_our_server)
{
    if (!docker())
        unit_skip("docker CLI not installed");
    char sock[256];
    struct gt_http_server *srv = start(sock, sizeof sock);
    static char out[16384];
    int rc = run_docker(sock, "version", out, sizeof out);
    if (rc != 0)
        printf("%s\n", out);
    CHECK_INT_EQ(rc, 0);
    CHECK_STR_CONTAINS(out, "Server: Gantry Test Engine");
    CHECK_STR_CONTAINS(out, " Engine:\n  Version:          0.1.0\n  API version:      1.50 (minimum version 1.24)");
    CHECK_STR_CONTAINS(out, "  Git commit:       abc1234");
    CHECK(!strstr(out, "Unsolicited response"));
    CHECK(!strstr(out, "downgraded"));
    pthread_mutex_lock(&g_lock);
    CHECK_STR_EQ(g_log, "HEAD /_ping\nGET /v1.50/version\n");
    pthread_mutex_unlock(&g_lock);
    gt_http_server_free(srv);
}

TEST(docker_cli_reads_our_json_errors)
{
    if (!docker())
        unit_skip("docker CLI not installed");
    char sock[256];
    struct gt_http_server *srv = start(sock, sizeof sock);
    static char out[16384];
    int rc = run_docker(sock, "rm nosuch", out, sizeof out);
    CHECK_INT_EQ(rc, 1);
    /* parsed as JSON: the message alone, not the raw body */
    CHECK_STR_EQ(out, "Error response from daemon: No such container: nosuch\n");
    CHECK(!strstr(out, "Unsolicited response"));
    gt_http_server_free(srv);
}
