/* docker cp: /containers/{id}/archive (HEAD: the stat of a path, in the
 * X-Docker-Container-Path-Stat header; GET: a tar of it, with the same
 * header; PUT: a tar extracted into a directory), and docker diff:
 * /containers/{id}/changes. */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "base/base64.h"
#include "base/cleanup.h"
#include "base/json.h"
#include "docker/internal.h"

#define ENGINE(ctx) (((struct gt_docker *)(ctx))->engine)
#define REF(req) gt_http_req_param(req, "id")

/* The PathStat header: base64 of the compact JSON. */
static void add_stat_header(struct gt_http_req *req, const json_t *stat)
{
    cleanup_free char *s = json_dumps(stat, JSON_COMPACT);
    if (!s)
        return;
    cleanup_free char *b = gt_base64_encode(s, strlen(s));
    gt_http_add_header(req, "X-Docker-Container-Path-Stat", b);
}

struct archive_job {
    struct gt_engine *e;
    const char *ref, *path;
    struct gt_http_req *req;
};

static void on_stat(void *ctx, const json_t *stat)
{
    /* before the first byte reaches the handler, which then begins the
     * answer with the headers added so far */
    struct archive_job *j = ctx;
    add_stat_header(j->req, stat);
}

static int archive_to(void *ctx, int fd, struct gt_error *err)
{
    struct archive_job *j = ctx;
    return gt_engine_container_archive(j->e, j->ref, j->path, on_stat, j, fd, err);
}

/* GET, and HEAD (the route table's GET row answers both) */
GT_DOCKER_HANDLER(gt_docker_h_container_archive)
{
    const char *path = gt_http_req_query(req, "path");
    struct gt_error err;
    if (!strcmp(gt_http_req_method(req), "HEAD")) {
        cleanup_json json_t *stat = NULL;
        int r = gt_engine_container_stat_path(ENGINE(ctx), REF(req), path, &stat, &err);
        if (r < 0) {
            gt_docker_fail(req, r, &err);
            return;
        }
        add_stat_header(req, stat);
        gt_http_respond(req, 200, NULL, NULL, 0);
        return;
    }
    struct archive_job j = { ENGINE(ctx), REF(req), path, req };
    gt_docker_stream_from(req, "application/x-tar", archive_to, &j);
}

/* dockerd's httputils.BoolValue: anything but "", "0", "no", "false" and
 * "none" is true. */
static bool form_bool(const struct gt_http_req *req, const char *key)
{
    const char *v = gt_http_req_query(req, key);
    if (!v)
        return false;
    while (*v == ' ' || *v == '\t')
        v++;
    static const char *const no[] = { "", "0", "no", "false", "none" };
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (!strncasecmp(v, no[i], strlen(no[i])) && !v[strlen(no[i])])
            return false;
    return true;
}

struct extract_job {
    struct gt_engine *e;
    const char *ref, *path;
    struct gt_extract_options o;
};

static int extract_from(void *ctx, int fd, struct gt_docker_body *body, struct gt_error *err)
{
    struct extract_job *j = ctx;
    int r = gt_engine_container_extract(j->e, j->ref, j->path, &j->o, fd, err);
    /* a tar cut at an entry's end reads as complete: the body says */
    if (r == 0)
        r = gt_docker_body_complete(body, err);
    return r;
}

GT_DOCKER_HANDLER(gt_docker_h_container_extract)
{
    struct extract_job j = {
        ENGINE(ctx),
        REF(req),
        gt_http_req_query(req, "path"),
        { .no_overwrite_dir_non_dir = form_bool(req, "noOverwriteDirNonDir"),
          .copy_uid_gid = form_bool(req, "copyUIDGID") },
    };
    struct gt_error err;
    int r = gt_docker_body_to(req, extract_from, &j, &err);
    if (r == -EFBIG || r == -EBADMSG)
        return; /* the layer answered */
    if (r < 0) {
        /* take the rest of the archive, so that the client reads our
         * answer rather than a broken pipe */
        char buf[16384];
        while (gt_http_req_read(req, buf, sizeof buf) > 0)
            ;
        gt_docker_fail(req, r, &err);
        return;
    }
    gt_http_respond(req, 200, NULL, NULL, 0);
}

GT_DOCKER_HANDLER(gt_docker_h_container_changes)
{
    struct gt_error err;
    cleanup_json json_t *out = NULL;
    int r = gt_engine_container_changes(ENGINE(ctx), REF(req), &out, &err);
    if (r < 0)
        gt_docker_fail(req, r, &err);
    else
        gt_http_respond_json(req, 200, out);
}
