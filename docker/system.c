/* System endpoints (ping, version, info, events, df, auth) and the answers
 * for what Gantry does not have yet. */
#include <errno.h>
#include <string.h>
#include <sys/utsname.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "docker/internal.h"

static const char *kernel_release(struct utsname *u)
{
    uname(u);
    return u->release;
}

GT_DOCKER_HANDLER(gt_docker_h_ping)
{
    gt_http_add_header(req, "Cache-Control", "no-cache, no-store, must-revalidate");
    gt_http_add_header(req, "Pragma", "no-cache");
    gt_http_add_header(req, "Builder-Version", "1");
    gt_http_add_header(req, "Docker-Experimental", "false");
    gt_http_add_header(req, "Swarm", "inactive");
    gt_http_respond(req, 200, "text/plain; charset=utf-8", "OK", 2);
}

GT_DOCKER_HANDLER(gt_docker_h_version)
{
    struct gt_docker *d = ctx;
    struct utsname u;
    cleanup_json json_t *j = gt_docker_version_json(d, kernel_release(&u));
    gt_http_respond_json(req, 200, j);
}

GT_DOCKER_HANDLER(gt_docker_h_info)
{
    struct gt_docker *d = ctx;
    struct gt_error err;
    cleanup_json json_t *info = NULL;
    int r = gt_engine_info(d->engine, &info, &err);
    if (r < 0) {
        gt_docker_fail(req, r, &err);
        return;
    }
    struct utsname u;
    gt_docker_info_defaults(d, info, kernel_release(&u));
    gt_http_respond_json(req, 200, info);
}

GT_DOCKER_HANDLER(gt_docker_h_df)
{
    struct gt_docker *d = ctx;
    struct gt_error err;
    cleanup_json json_t *out = NULL;
    int r = gt_engine_df(d->engine, &out, &err);
    if (r < 0)
        gt_docker_fail(req, r, &err);
    else
        gt_http_respond_json(req, 200, out);
}

static int event_emit(void *ctx, const json_t *msg)
{
    struct gt_http_req *req = ctx;
    cleanup_free char *s = json_dumps(msg, JSON_COMPACT);
    if (!s)
        return 0;
    size_t n = strlen(s);
    s[n] = '\n'; /* replaces the NUL: written with its length */
    return gt_http_stream_write(req, s, n + 1) < 0 ? -1 : 0;
}

GT_DOCKER_HANDLER(gt_docker_h_events)
{
    struct gt_docker *d = ctx;
    struct gt_error err;
    int64_t since = 0, until = 0;
    cleanup_json json_t *filters = NULL;
    static const char *const known[] = { "config", "container", "daemon", "event", "image",
                                         "label", "network", "node", "plugin", "scope",
                                         "secret", "service", "type", "volume", NULL };
    int r = gt_docker_parse_unix_time(gt_http_req_query(req, "since"), &since, &err);
    if (r == 0)
        r = gt_docker_parse_unix_time(gt_http_req_query(req, "until"), &until, &err);
    if (r == 0)
        r = gt_docker_query_filters(req, &filters, &err);
    if (r == 0)
        r = gt_docker_filters_check(filters, known, &err);
    if (r < 0) {
        gt_docker_fail(req, r, &err);
        return;
    }
    /* headers at once: docker-py's events() returns only once they came */
    if (gt_http_stream_begin(req, 200, "application/json", false) < 0)
        return;
    r = gt_engine_events(d->engine, since, until, filters, event_emit, req,
                         gt_http_req_fd(req), &err);
    if (r < 0 && r != -ECANCELED)
        gt_docker_fail(req, r, &err); /* logs it; the answer has begun */
    gt_http_stream_end(req);
}

/* docker login: the engine checks the credentials with the registry; the
 * CLI keeps them.  A refusal is 401 (dockerd's Unauthorized), which the
 * CLI prints as it came. */
GT_DOCKER_HANDLER(gt_docker_h_auth)
{
    struct gt_docker *d = ctx;
    struct gt_error err;
    cleanup_json json_t *body = NULL;
    int r = gt_http_req_body_json(req, &body, &err);
    if (r == -EFBIG || r == -EBADMSG)
        return; /* answered by the layer */
    if (r == 0 && !json_is_object(body))
        r = gt_err(&err, EINVAL, "the body must be a JSON object: {\"username\",\"password\","
                                 "\"serveraddress\"}");
    if (r == 0)
        r = gt_engine_registry_login(d->engine, body, &err);
    if (r == -EACCES) {
        gt_http_respond_error(req, 401, "%s", err.msg);
        return;
    }
    if (r < 0) {
        gt_docker_fail(req, r, &err);
        return;
    }
    cleanup_json json_t *ok = json_pack("{s:s,s:s}", "Status", "Login Succeeded",
                                        "IdentityToken", "");
    gt_http_respond_json(req, 200, ok);
}

GT_DOCKER_HANDLER(gt_docker_h_plugin_inspect)
{
    gt_http_respond_error(req, 404, "plugin \"%s\" not found", gt_http_req_param(req, "name"));
}

/* ---- not implemented yet: one message per path ---- */

static const struct {
    const char *prefix, *suffix, *what;
} missing[] = {
    { "/images/search", "", "docker search" },
};

static bool has_suffix(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcmp(s + a - b, suf);
}

GT_DOCKER_HANDLER(gt_docker_h_not_implemented)
{
    const char *path = gt_http_req_path(req);
    const char *what = "this endpoint";
    for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++)
        if (!strncmp(path, missing[i].prefix, strlen(missing[i].prefix)) &&
            has_suffix(path, missing[i].suffix)) {
            what = missing[i].what;
            break;
        }
    gt_http_respond_error(req, 501, "%s is not implemented yet", what);
}
