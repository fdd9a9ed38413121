/* image/registry_login.c - checking credentials against a registry, as
 * `docker login` has the daemon do it (see registry.h). */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "base/cleanup.h"
#include "base/mem.h"
#include "image/registry_int.h"

/* "https://Host:5000/v1/" -> "host:5000"; docker.io's names -> its API host. */
static char *login_host(const char *server, enum reg_scheme *scheme)
{
    const char *p = server ? server : "";
    if (!strncasecmp(p, "https://", 8))
        p += 8;
    else if (!strncasecmp(p, "http://", 7))
        p += 7;
    char *h = gt_xstrndup(p, strcspn(p, "/"));
    for (char *c = h; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    *scheme = REG_SCHEME_UNKNOWN;
    if (!*h || !strcmp(h, "docker.io") || !strcmp(h, "index.docker.io") ||
        !strcmp(h, REG_DOCKER_IO_HOST)) {
        free(h);
        h = gt_xstrdup(REG_DOCKER_IO_HOST);
        *scheme = REG_SCHEME_HTTPS;
    }
    return h;
}

static const char *status_text(long status)
{
    switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
    }
}

/* GET /v2/ on the session's host; anonymous: no credentials sent and no
 * challenge answered. */
static int get_v2(struct reg_conn *conn, bool anonymous, struct reg_resp *resp,
                  struct gt_error *err)
{
    struct reg_req req = {
        .method = "GET",
        .path = "/v2/",
        .body_fd = -1,
        .max_body = REG_ERROR_BODY_MAX,
        .max_bytes = -1,
        .no_auth = anonymous,
    };
    return reg_do(conn, &req, resp, err);
}

int gt_registry_login(struct gt_registry_client *c, const char *server,
                      const struct gt_registry_auth *auth, struct gt_error *err)
{
    enum reg_scheme scheme;
    cleanup_free char *host = login_host(server, &scheme);
    /* the given credentials only: never the client's or the auth file's */
    struct gt_registry_auth given = {
        .username = auth && auth->username ? auth->username : "",
        .password = auth && auth->password ? auth->password : "",
    };
    struct reg_session s;
    reg_session_init(&s, c, host, scheme, NULL, host, &given, NULL);
    struct reg_conn conn;
    struct reg_resp resp = { 0 };
    int r = reg_conn_init(&conn, &s, err);
    if (r < 0) {
        reg_session_release(&s);
        return r;
    }
    /* First without credentials, as docker does: this settles the scheme
     * of an insecure host (so that a refusal below is not followed by a
     * retry over the other one) and says whether any are asked for. */
    r = get_v2(&conn, true, &resp, err);
    if (r < 0) {
        gt_err_prefix(err, "login to %s", host);
        goto out;
    }
    if (resp.status == 401)
        r = get_v2(&conn, false, &resp, err);
    if (r < 0) {
        /* -EACCES: a token server refused the credentials */
        gt_err_prefix(err, r == -EACCES ? "login to %s: unauthorized" : "login to %s", host);
        goto out;
    }
    if (resp.status != 200) {
        bool refused = resp.status == 401 || resp.status == 403;
        r = gt_err(err, refused ? EACCES : EIO, "login attempt to %s failed with status: %ld %s",
                   resp.url ? resp.url : host, resp.status, status_text(resp.status));
    }
out:
    reg_resp_release(&resp);
    reg_conn_release(&conn);
    reg_session_release(&s);
    return r;
}
