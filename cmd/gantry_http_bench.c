/* gantry http-bench-server: a tiny server on http/ for bench/http.sh (not
 * for users).
 *   GET /json    a small JSON answer, as /_ping or /version would be
 *   GET /stream  headers at once, then nothing until the client leaves
 * Prints "port N" once listening; runs until SIGINT or SIGTERM. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "base/json.h"
#include "cmd/gantry.h"
#include "http/server.h"

static void h_json(struct gt_http_req *req, void *ctx)
{
    static const char body[] = "{\"ApiVersion\":\"1.50\",\"Os\":\"linux\",\"Arch\":\"amd64\"}\n";
    gt_http_respond(req, 200, "application/json", body, sizeof body - 1);
}

static void h_stream(struct gt_http_req *req, void *ctx)
{
    gt_http_stream_begin(req, 200, "application/json", false);
    while (gt_http_req_wait(req, -1, -1) >= 0)
        ;
}

static const struct gt_http_route routes[] = {
    { "GET", "/json", h_json },
    { "GET", "/stream", h_stream },
};

int gantry_cmd_http_bench_server(int argc, char **argv)
{
    const char *addr = argc > 1 ? argv[1] : "127.0.0.1:0";
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* threads inherit it; sigwait below */
    signal(SIGPIPE, SIG_IGN);
    struct gt_error err;
    struct gt_http_server *srv;
    struct gt_http_server_opts o = { .routes = routes, .nroutes = 2 };
    if (gt_http_server_new(&o, &srv, &err) < 0) {
        fprintf(stderr, "gantry http-bench-server: %s\n", err.msg);
        return 1;
    }
    int l = gt_http_server_listen(srv, &(struct gt_http_listen_opts){ .kind = GT_HTTP_TCP, .address = addr }, &err);
    if (l < 0) {
        fprintf(stderr, "gantry http-bench-server: %s\n", err.msg);
        gt_http_server_free(srv);
        return 1;
    }
    printf("port %d\n", gt_http_server_port(srv, l));
    fflush(stdout);
    int sig;
    sigwait(&set, &sig);
    gt_http_server_stop(srv, 1000);
    gt_http_server_free(srv);
    return 0;
}
