/* /images/...: list, pull and import (create), push, inspect, tag, delete,
 * history, prune, load and save. */
#include <errno.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/mem.h"
#include "docker/internal.h"

#define ENGINE(ctx) (((struct gt_docker *)(ctx))->engine)
#define NAME(req) gt_http_req_param(req, "name")

/* Whether a reference already names a tag or a digest: a ':' or '@' in
 * its last path component ("host:5000/a" has none). */
static bool has_tag_or_digest(const char *ref)
{
    const char *last = strrchr(ref, '/');
    last = last ? last + 1 : ref;
    return strchr(last, ':') || strchr(ref, '@');
}

/* fromImage + tag as the CLI splits them: a digest travels in tag
 * ("sha256:..."); no tag means latest. */
static char *join_ref(const char *name, const char *tag)
{
    if (tag && *tag && !strchr(name, '@')) {
        if (!strncmp(tag, "sha256:", 7))
            return gt_xasprintf("%s@%s", name, tag);
        if (!has_tag_or_digest(name))
            return gt_xasprintf("%s:%s", name, tag);
    }
    if (has_tag_or_digest(name))
        return gt_xstrdup(name);
    return gt_xasprintf("%s:latest", name);
}

GT_DOCKER_HANDLER(gt_docker_h_image_list)
{
    struct gt_error err;
    cleanup_json json_t *filters = NULL, *out = NULL;
    int r = gt_docker_query_filters(req, &filters, &err);
    /* API < 1.25 sent a reference as `filter` */
    const char *legacy = gt_http_req_query(req, "filter");
    if (r == 0 && legacy && *legacy) {
        if (!filters)
            filters = json_object();
        json_t *set = json_object_get(filters, "reference");
        if (!set) {
            set = json_object();
            json_object_set_new(filters, "reference", set);
        }
        json_object_set_new(set, legacy, json_true());
    }
    if (r == 0)
        r = gt_engine_image_list(ENGINE(ctx), gt_http_req_query_bool(req, "all", false), filters,
                                 &out, &err);
    if (r < 0)
        gt_docker_fail(req, r, &err);
    else
        gt_http_respond_json(req, 200, out);
}

struct import_ctx {
    struct gt_engine *e;
    struct gt_engine_import_opts opts;
    struct gt_docker_body *body;
    char *id;
};

static int body_done(void *arg, struct gt_error *err)
{
    struct import_ctx *ic = arg;
    return gt_docker_body_complete(ic->body, err);
}

static int import_from(void *ctx, int fd, struct gt_docker_body *body, struct gt_error *err)
{
    struct import_ctx *ic = ctx;
    ic->body = body;
    ic->opts.input_done = body_done;
    ic->opts.input_arg = ic;
    return gt_engine_image_import(ic->e, fd, &ic->opts, &ic->id, err);
}

/* docker import: the tarball is the body (fromSrc=-). */
static void image_import(struct gt_http_req *req, struct gt_engine *e, const char *src)
{
    struct gt_error err;
    if (strcmp(src, "-") != 0) {
        gt_http_respond_error(req, 501, "docker import from a URL (%s) is not implemented yet: "
                              "download it and import the file", src);
        return;
    }
    const char *const *changes;
    size_t n = gt_http_req_query_all(req, "changes", &changes);
    cleanup_free char **cv = gt_xcalloc(n + 1, sizeof *cv);
    for (size_t i = 0; i < n; i++)
        cv[i] = (char *)changes[i];
    struct import_ctx ic = {
        .e = e,
        .opts = { .repo = gt_http_req_query(req, "repo"),
                  .tag = gt_http_req_query(req, "tag"),
                  .message = gt_http_req_query(req, "message"),
                  .platform = gt_http_req_query(req, "platform"),
                  .changes = cv },
    };
    int r = gt_docker_body_to(req, import_from, &ic, &err);
    if (r < 0) {
        /* take the rest of the tarball, so that the client reads our
         * answer rather than a broken pipe */
        char buf[16384];
        while (gt_http_req_read(req, buf, sizeof buf) > 0)
            ;
        gt_docker_fail(req, r, &err);
        return;
    }
    struct gt_docker_jstream js;
    gt_docker_jstream_init(&js, req, "\r\n");
    cleanup_json json_t *msg = json_pack("{s:s}", "status", ic.id);
    gt_docker_jstream_emit(&js, msg);
    gt_docker_jstream_finish(&js, 0, NULL);
    free(ic.id);
}

GT_DOCKER_HANDLER(gt_docker_h_image_create)
{
    struct gt_error err;
    const char *from = gt_http_req_query(req, "fromImage");
    const char *src = gt_http_req_query(req, "fromSrc");
    if (src && *src) {
        image_import(req, ENGINE(ctx), src);
        return;
    }
    if (!from || !*from) {
        gt_http_respond_error(req, 400, "fromImage is missing: the image to pull");
        return;
    }
    cleanup_free char *ref = join_ref(from, gt_http_req_query(req, "tag"));
    cleanup_json json_t *auth = gt_docker_decode_auth(gt_http_req_header(req, "X-Registry-Auth"));
    const char *platform = gt_http_req_query(req, "platform");
    struct gt_docker_jstream js;
    gt_docker_jstream_init(&js, req, "\r\n");
    int r = gt_engine_image_pull(ENGINE(ctx), ref, platform && *platform ? platform : NULL, auth,
                                 gt_docker_jstream_emit, &js, gt_http_req_fd(req), &err);
    gt_docker_jstream_finish(&js, r, &err);
}

GT_DOCKER_HANDLER(gt_docker_h_image_push)
{
    struct gt_error err;
    const char *tag = gt_http_req_query(req, "tag");
    cleanup_free char *ref = tag && *tag ? join_ref(NAME(req), tag) : gt_xstrdup(NAME(req));
    cleanup_json json_t *auth = gt_docker_decode_auth(gt_http_req_header(req, "X-Registry-Auth"));
    struct gt_docker_jstream js;
    gt_docker_jstream_init(&js, req, "\r\n");
    int r = gt_engine_image_push(ENGINE(ctx), ref, auth, gt_docker_jstream_emit, &js,
                                 gt_http_req_fd(req), &err);
    gt_docker_jstream_finish(&js, r, &err);
}

GT_DOCKER_HANDLER(gt_docker_h_image_inspect)
{
    struct gt_error err;
    cleanup_json json_t *out = NULL;
    int r = gt_engine_image_inspect(ENGINE(ctx), NAME(req), &out, &err);
    if (r < 0)
        gt_docker_fail(req, r, &err);
    else
        gt_http_respond_json(req, 200, out);
}

GT_DOCKER_HANDLER(gt_docker_h_image_tag)
{
    struct gt_error err;
    const char *repo = gt_http_req_query(req, "repo");
    const char *tag = gt_http_req_query(req, "tag");
    if (!repo || !*repo) {
        gt_http_respond_error(req, 400, "repo is missing: the repository to tag into");
        return;
    }
    if (!tag || !*tag)
        tag = has_tag_or_digest(repo) ? NULL : "latest";
    int r = gt_engine_image_tag(ENGINE(ctx), NAME(req), repo, tag, &err);
    if (r < 0)
        gt_docker_fail(req, r, &err);
    else
        gt_http_respond(req, 201, NULL, NULL, 0);
}

GT_DOCKER_HANDLER(gt_docker_h_image_delete)
{
    struct gt_error err;
    cleanup_json json_t *out = NULL;
    int r = gt_engine_image_remove(ENGINE(ctx), NAME(req),
                                   gt_http_req_query_bool(req, "force", false),
                                   gt_http_req_query_bool(req, "noprune", false), &out, &err);
    if (r < 0)
        gt_docker_fail(req, r, &err);
    else
        gt_http_respond_json(req, 200, out);
}

GT_DOCKER_HANDLER(gt_docker_h_image_history)
{
    struct gt_error err;
    cleanup_json json_t *out = NULL;
    int r = gt_engine_image_history(ENGINE(ctx), NAME(req), &out, &err);
    if (r < 0)
        gt_docker_fail(req, r, &err);
    else
        gt_http_respond_json(req, 200, out);
}

GT_DOCKER_HANDLER(gt_docker_h_image_prune)
{
    struct gt_error err;
    cleanup_json json_t *filters = NULL, *out = NULL;
    int r = gt_docker_query_filters(req, &filters, &err);
    if (r == 0)
        r = gt_engine_image_prune(ENGINE(ctx), filters, &out, &err);
    if (r < 0)
        gt_docker_fail(req, r, &err);
    else
        gt_http_respond_json(req, 200, out);
}

struct load_ctx {
    struct gt_engine *e;
    struct gt_docker_jstream *js;
};

static int load_from(void *ctx, int fd, struct gt_docker_body *body, struct gt_error *err)
{
    struct load_ctx *l = ctx;
    return gt_engine_image_load(l->e, fd, gt_docker_jstream_emit, l->js, err);
}

GT_DOCKER_HANDLER(gt_docker_h_image_load)
{
    struct gt_error err;
    struct gt_docker_jstream js;
    gt_docker_jstream_init(&js, req, "\n");
    struct load_ctx l = { ENGINE(ctx), &js };
    int r = gt_docker_body_to(req, load_from, &l, &err);
    gt_docker_jstream_finish(&js, r, &err);
}

struct save_ctx {
    struct gt_engine *e;
    char **refs;
};

static int save_to(void *ctx, int fd, struct gt_error *err)
{
    struct save_ctx *s = ctx;
    return gt_engine_image_save(s->e, s->refs, fd, err);
}

GT_DOCKER_HANDLER(gt_docker_h_image_get)
{
    char *refs[] = { (char *)NAME(req), NULL };
    struct save_ctx s = { ENGINE(ctx), refs };
    gt_docker_stream_from(req, "application/x-tar", save_to, &s);
}

GT_DOCKER_HANDLER(gt_docker_h_images_get)
{
    const char *const *names;
    size_t n = gt_http_req_query_all(req, "names", &names);
    if (n == 0) {
        gt_http_respond_error(req, 400, "no image to save: give one or more names=");
        return;
    }
    cleanup_free char **refs = gt_xcalloc(n + 1, sizeof *refs);
    for (size_t i = 0; i < n; i++)
        refs[i] = (char *)names[i];
    struct save_ctx s = { ENGINE(ctx), refs };
    gt_docker_stream_from(req, "application/x-tar", save_to, &s);
}
