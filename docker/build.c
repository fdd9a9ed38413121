/* POST /build: docker build through the legacy builder (engine.h,
 * gt_engine_build).  The body is the context as a tar (the CLI sends it
 * uncompressed and chunked); it is unpacked into a temporary directory
 * (image/unpack: nothing outside it, no devices), built, and removed.
 * The answer is a JSON message stream: the steps' {"stream":..}, then
 * {"aux":{"ID":..}} and "Successfully built/tagged"; with q=1 only the
 * ID, as the CLI takes every quiet-mode stream text for it.  A failure is
 * {"errorDetail":{"code":N,"message":..},"error":..} with N the failed
 * RUN's exit status (1 otherwise), which the CLI exits with. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/mem.h"
#include "docker/internal.h"
#include "image/unpack.h"

struct ctx_in {
    int dir;
    bool mend; /* the tar may lack its end (below) */
};

/* A Dockerfile from outside the context is added to the tar by the CLI
 * (as ".dockerfile.<random>") through a rewrite that loses the tar's end:
 * the last entry's padding and the two zero blocks.  dockerd's reader
 * takes the end of the stream for the end of the tar; libarchive calls it
 * truncated.  Such a body is spooled and given its end (extra zero blocks
 * after a complete tar are ignored). */
static int mended(int fd, int *out, struct gt_error *err)
{
    int t = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (t < 0)
        return gt_err_sys(err, errno, "make a temporary file");
    static __thread char buf[65536];
    ssize_t n;
    off_t size = 0;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        if (gt_write_all(t, buf, (size_t)n) < 0) {
            close(t);
            return gt_err_sys(err, errno, "spool the build context");
        }
        size += n;
    }
    memset(buf, 0, 1536);
    if (n < 0 || gt_write_all(t, buf, (size_t)((512 - size % 512) % 512 + 1024)) < 0) {
        close(t);
        return gt_err_sys(err, errno, "spool the build context");
    }
    lseek(t, 0, SEEK_SET);
    *out = t;
    return 0;
}

static int unpack_context(void *ctx, int fd, struct gt_docker_body *body, struct gt_error *err)
{
    struct ctx_in *ci = ctx;
    struct gt_unpack_opts uo = { .no_devices = true };
    struct gt_unpack_stats st;
    cleanup_close int spooled = -1;
    int r = ci->mend ? mended(fd, &spooled, err) : 0;
    if (r == 0 && ci->mend)
        r = gt_docker_body_complete(body, err);
    if (r < 0)
        return r;
    r = gt_layer_unpack(ci->mend ? spooled : fd, ci->dir, &uo, &st, err);
    if (r < 0)
        return gt_err_prefix(err, "unpack the build context");
    return gt_docker_body_complete(body, err);
}

/* A JSON object query parameter ({"K":"v"}); values that are null are
 * left out (an ARG without value given). */
static int query_object(struct gt_http_req *req, const char *key, json_t **out,
                        struct gt_error *err)
{
    const char *s = gt_http_req_query(req, key);
    *out = NULL;
    if (!s || !*s)
        return 0;
    json_t *j = json_loads(s, 0, NULL);
    if (!json_is_object(j)) {
        json_decref(j);
        return gt_err(err, EINVAL, "%s: expected a JSON object of strings", key);
    }
    const char *k;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(j, tmp, k, v) {
        if (json_is_null(v))
            json_object_del(j, k);
        else if (!json_is_string(v)) {
            json_decref(j);
            return gt_err(err, EINVAL, "%s: the value of %s is not a string", key, k);
        }
    }
    *out = j;
    return 0;
}

static void drain(struct gt_http_req *req)
{
    char buf[16384];
    while (gt_http_req_read(req, buf, sizeof buf) > 0)
        ;
}

GT_DOCKER_HANDLER(gt_docker_h_build)
{
    struct gt_docker *d = ctx;
    struct gt_error err = { 0 };
    const char *remote = gt_http_req_query(req, "remote");
    if (remote && *remote) {
        drain(req);
        gt_http_respond_error(req, 501, "docker build from a remote context (%s) is not "
                              "implemented yet", remote);
        return;
    }
    cleanup_json json_t *buildargs = NULL, *labels = NULL;
    int r = query_object(req, "buildargs", &buildargs, &err);
    if (r == 0)
        r = query_object(req, "labels", &labels, &err);
    if (r < 0) {
        drain(req);
        gt_docker_fail(req, r, &err);
        return;
    }
    const char *const *t;
    size_t nt = gt_http_req_query_all(req, "t", &t);
    cleanup_free char **tags = gt_xcalloc(nt + 1, sizeof *tags);
    for (size_t i = 0; i < nt; i++)
        tags[i] = (char *)t[i];
    char tmpl[] = "/tmp/gantry-build-XXXXXX";
    if (!mkdtemp(tmpl)) {
        drain(req);
        gt_http_respond_error(req, 500, "make the build context directory: %s", strerror(errno));
        return;
    }
    const char *dfname = gt_http_req_query(req, "dockerfile");
    struct ctx_in ci = { .dir = open(tmpl, O_RDONLY | O_DIRECTORY | O_CLOEXEC),
                         .mend = dfname && !strncmp(dfname, ".dockerfile.", 12) };
    r = ci.dir < 0 ? gt_err_sys(&err, errno, "open %s", tmpl)
                   : gt_docker_body_to(req, unpack_context, &ci, &err);
    if (ci.dir >= 0)
        close(ci.dir);
    if (r < 0) {
        drain(req);
        struct gt_error e2 = { 0 };
        gt_rm_rf(tmpl, &e2);
        gt_docker_fail(req, r, &err);
        return;
    }
    struct gt_build_options o = {
        .context_dir = tmpl,
        .dockerfile = gt_http_req_query(req, "dockerfile"),
        .tags = tags,
        .buildargs = buildargs,
        .labels = labels,
        .target = gt_http_req_query(req, "target"),
        .network_mode = gt_http_req_query(req, "networkmode"),
        .platform = gt_http_req_query(req, "platform"),
        .nocache = gt_http_req_query_bool(req, "nocache", false),
        .pull = gt_http_req_query_bool(req, "pull", false),
        .quiet = gt_http_req_query_bool(req, "q", false),
        .rm = gt_http_req_query_bool(req, "rm", true),
        .forcerm = gt_http_req_query_bool(req, "forcerm", false),
        .drop_ignored = true,
    };
    if (o.platform && !*o.platform)
        o.platform = NULL;
    struct gt_docker_jstream js;
    gt_docker_jstream_init(&js, req, "\r\n");
    cleanup_free char *id = NULL;
    r = gt_engine_build(d->engine, &o, gt_docker_jstream_emit, &js, gt_http_req_fd(req), &id,
                        &err);
    struct gt_error e2 = { 0 };
    gt_rm_rf(tmpl, &e2);
    if (r < 0) {
        const char *m = err.msg[0] ? err.msg : "the build failed";
        cleanup_json json_t *msg = json_pack("{s:{s:i,s:s},s:s}", "errorDetail", "code",
                                             o.exit_code ? o.exit_code : 1, "message", m,
                                             "error", m);
        gt_docker_jstream_emit(&js, msg);
        gt_docker_jstream_finish(&js, 0, NULL);
        return;
    }
    const char *hex = !strncmp(id, "sha256:", 7) ? id + 7 : id;
    cleanup_json json_t *aux = json_pack("{s:{s:s}}", "aux", "ID", id);
    if (o.quiet) {
        cleanup_json json_t *m = json_pack("{s:s+}", "stream", id, "\n");
        gt_docker_jstream_emit(&js, m);
    } else {
        gt_docker_jstream_emit(&js, aux);
        cleanup_json json_t *m = json_object();
        json_object_set_new(m, "stream", json_sprintf("Successfully built %.12s\n", hex));
        gt_docker_jstream_emit(&js, m);
        for (size_t i = 0; i < nt; i++) {
            cleanup_json json_t *tm = json_pack("{s:s++}", "stream", "Successfully tagged ",
                                                t[i], "\n");
            gt_docker_jstream_emit(&js, tm);
        }
    }
    gt_docker_jstream_finish(&js, 0, NULL);
}
