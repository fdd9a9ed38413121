/* image/registry_push.c - push: blobs the registry lacks (checked with
 * HEAD), mounted from sibling repositories when possible, uploaded in one
 * PUT or in PATCH chunks; then the manifests (an index's children first). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/cleanup.h"
#include "base/log.h"
#include "base/mem.h"
#include "image/registry_int.h"

struct push_blob {
    struct gt_descriptor desc;
    bool layer; /* reported by progress (configs are not, as in docker) */
    char id[16];
};

struct push {
    struct gt_registry_client *c;
    struct gt_content *cs;
    struct push_blob *blobs;
    size_t n;
    const char *const *mount_from;
};

static void add_blob(struct push *p, const struct gt_descriptor *d, bool layer)
{
    for (size_t i = 0; i < p->n; i++) {
        if (!strcmp(p->blobs[i].desc.digest, d->digest)) {
            p->blobs[i].layer |= layer;
            return;
        }
    }
    p->blobs = gt_xrealloc(p->blobs, (p->n + 1) * sizeof *p->blobs);
    struct push_blob *b = &p->blobs[p->n++];
    memset(b, 0, sizeof *b);
    reg_descriptor_copy(&b->desc, d);
    b->layer = layer;
    gt_progress_short_id(d->digest, b->id, sizeof b->id);
}

static int blob_exists(struct reg_conn *conn, const char *digest, bool *exists,
                       struct gt_error *err)
{
    cleanup_free char *path = gt_xasprintf("/v2/%s/blobs/%s", conn->s->repo, digest);
    struct reg_req req = { .method = "HEAD", .path = path, .body_fd = -1, .max_bytes = -1 };
    struct reg_resp resp = { 0 };
    int r = reg_do(conn, &req, &resp, err);
    if (r == 0) {
        if (resp.status == 200)
            *exists = true;
        else if (resp.status == 404)
            *exists = false;
        else
            r = reg_http_error(&resp, err, "check blob");
    }
    reg_resp_release(&resp);
    return r;
}

/* POST an upload (or a mount when from is set).  *location gets the
 * upload URL (202), or stays NULL when the mount succeeded (201). */
static int start_upload(struct reg_conn *conn, const char *digest, const char *from,
                        char **location, struct gt_error *err)
{
    *location = NULL;
    cleanup_free char *path = NULL;
    if (from) {
        char *d = curl_easy_escape(conn->curl, digest, 0);
        char *f = curl_easy_escape(conn->curl, from, 0);
        path = gt_xasprintf("/v2/%s/blobs/uploads/?mount=%s&from=%s", conn->s->repo, d, f);
        curl_free(d);
        curl_free(f);
    } else {
        path = gt_xasprintf("/v2/%s/blobs/uploads/", conn->s->repo);
    }
    struct reg_req req = { .method = "POST", .path = path, .body_fd = -1, .max_bytes = -1 };
    struct reg_resp resp = { 0 };
    int r = reg_do(conn, &req, &resp, err);
    if (r == 0) {
        if (from && resp.status == 201) {
            /* mounted */
        } else if (resp.status == 202 && resp.location) {
            *location = reg_url_resolve(resp.url, resp.location);
            if (!*location)
                r = gt_err(err, EPROTO, "invalid upload location \"%s\"", resp.location);
        } else if (resp.status == 202) {
            r = gt_err(err, EPROTO, "the registry started an upload without a Location");
        } else {
            r = reg_http_error(&resp, err, "start upload");
        }
    }
    reg_resp_release(&resp);
    return r;
}

struct push_bytes {
    struct reg_session *s;
    const struct push_blob *b;
    int64_t base;
};

static void push_on_bytes(void *arg, int64_t bytes)
{
    struct push_bytes *pb = arg;
    if (pb->b->layer)
        reg_progress_bytes(pb->s->progress, pb->b->id, "Pushing", pb->base + bytes,
                           pb->b->desc.size);
}

static char *with_digest(CURL *curl, const char *location, const char *digest)
{
    char *d = curl_easy_escape(curl, digest, 0);
    char *u = gt_xasprintf("%s%sdigest=%s", location, strchr(location, '?') ? "&" : "?", d);
    curl_free(d);
    return u;
}

static int upload(struct reg_conn *conn, const struct push_blob *b, const char *location0,
                  int fd, struct gt_error *err)
{
    struct reg_session *s = conn->s;
    int64_t size = b->desc.size;
    int64_t chunk = s->c->chunk_size;
    cleanup_free char *location = gt_xstrdup(location0);
    struct push_bytes pb = { .s = s, .b = b };
    int r;

    if (chunk > 0 && size > chunk) {
        for (int64_t off = 0; off < size; off += chunk) {
            int64_t n = size - off < chunk ? size - off : chunk;
            char range[64];
            snprintf(range, sizeof range, "Content-Range: %lld-%lld", (long long)off,
                     (long long)(off + n - 1));
            const char *headers[] = { range, NULL };
            pb.base = off;
            struct reg_req req = {
                .method = "PATCH",
                .url = location,
                .headers = headers,
                .body_fd = fd,
                .body_off = off,
                .body_size = n,
                .max_bytes = -1,
                .on_bytes = push_on_bytes,
                .bytes_arg = &pb,
            };
            struct reg_resp resp = { 0 };
            r = reg_do(conn, &req, &resp, err);
            if (r == 0 && resp.status != 202)
                r = reg_http_error(&resp, err, "upload chunk at %lld", (long long)off);
            if (r == 0 && resp.location) {
                char *next = reg_url_resolve(resp.url, resp.location);
                if (next) {
                    free(location);
                    location = next;
                }
            }
            reg_resp_release(&resp);
            if (r < 0)
                return r;
        }
        cleanup_free char *url = with_digest(conn->curl, location, b->desc.digest);
        struct reg_req req = { .method = "PUT", .url = url, .body_fd = -1, .max_bytes = -1 };
        struct reg_resp resp = { 0 };
        r = reg_do(conn, &req, &resp, err);
        if (r == 0 && resp.status != 201)
            r = reg_http_error(&resp, err, "finish upload");
        reg_resp_release(&resp);
        return r;
    }

    cleanup_free char *url = with_digest(conn->curl, location, b->desc.digest);
    struct reg_req req = {
        .method = "PUT",
        .url = url,
        .body_fd = fd,
        .body_off = 0,
        .body_size = size,
        .max_bytes = -1,
        .on_bytes = push_on_bytes,
        .bytes_arg = &pb,
    };
    struct reg_resp resp = { 0 };
    r = reg_do(conn, &req, &resp, err);
    if (r == 0 && resp.status != 201)
        r = reg_http_error(&resp, err, "upload");
    reg_resp_release(&resp);
    return r;
}

static int push_blob(struct reg_conn *conn, size_t i, void *arg, struct gt_error *err)
{
    struct push *p = arg;
    struct reg_session *s = conn->s;
    const struct push_blob *b = &p->blobs[i];
    const char *what = b->layer ? "layer" : "config";
    bool exists = false;
    int r = blob_exists(conn, b->desc.digest, &exists, err);
    if (r < 0)
        return gt_err_prefix(err, "%s %s", what, b->desc.digest);
    if (exists) {
        if (b->layer)
            reg_progress_layer(s->progress, b->id, "Layer already exists");
        return 0;
    }
    cleanup_free char *location = NULL;
    for (const char *const *from = p->mount_from; from && *from && !location; from++) {
        if (!strcmp(*from, s->repo))
            continue;
        r = start_upload(conn, b->desc.digest, *from, &location, err);
        if (r < 0)
            return gt_err_prefix(err, "%s %s: mount from %s", what, b->desc.digest, *from);
        if (!location) {
            if (b->layer) {
                cleanup_free char *status = gt_xasprintf("Mounted from %s", *from);
                reg_progress_layer(s->progress, b->id, status);
            }
            return 0;
        }
    }
    if (!location) {
        r = start_upload(conn, b->desc.digest, NULL, &location, err);
        if (r < 0)
            return gt_err_prefix(err, "%s %s", what, b->desc.digest);
    }

    cleanup_free char *path = NULL;
    r = gt_content_path(p->cs, b->desc.digest, &path, err);
    if (r < 0)
        return gt_err_prefix(err, "%s %s", what, b->desc.digest);
    cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return gt_err_sys(err, errno, "%s %s: open %s", what, b->desc.digest, path);
    struct stat st;
    if (fstat(fd, &st) < 0)
        return gt_err_sys(err, errno, "%s %s: stat %s", what, b->desc.digest, path);
    if (st.st_size != b->desc.size)
        return gt_err(err, EPROTO, "%s %s: the store holds %lld bytes, the manifest says %lld",
                      what, b->desc.digest, (long long)st.st_size, (long long)b->desc.size);
    if (b->layer)
        reg_progress_bytes(s->progress, b->id, "Pushing", 0, b->desc.size);
    r = upload(conn, b, location, fd, err);
    if (r < 0)
        return gt_err_prefix(err, "%s %s", what, b->desc.digest);
    if (b->layer)
        reg_progress_layer(s->progress, b->id, "Pushed");
    return 0;
}

static int put_manifest(struct reg_conn *conn, const char *reference, const char *data,
                        size_t len, const char *media_type, char **digest_out,
                        struct gt_error *err)
{
    cleanup_free char *path = gt_xasprintf("/v2/%s/manifests/%s", conn->s->repo, reference);
    cleanup_free char *ctype = gt_xasprintf("Content-Type: %s", media_type);
    const char *headers[] = { ctype, NULL };
    struct reg_req req = {
        .method = "PUT",
        .path = path,
        .headers = headers,
        .body = data,
        .body_len = len,
        .body_fd = -1,
        .max_bytes = -1,
    };
    struct reg_resp resp = { 0 };
    int r = reg_do(conn, &req, &resp, err);
    if (r == 0 && resp.status != 201 && resp.status != 200)
        r = reg_http_error(&resp, err, "put manifest %s", reference);
    if (r == 0 && digest_out && resp.docker_digest)
        *digest_out = gt_xstrdup(resp.docker_digest);
    reg_resp_release(&resp);
    return r;
}

static const char *doc_media_type(const char *data, size_t len, const char *given)
{
    if (given && *given)
        return given;
    return reg_doc_media_type(NULL, data, len);
}

/* Collects the blobs of one image manifest. */
static int collect_manifest(struct push *p, const char *data, size_t len, const char *mt,
                            struct gt_error *err)
{
    struct gt_manifest m;
    int r = gt_manifest_parse(data, len, &m, err);
    if (r < 0)
        return r;
    for (size_t i = 0; i < m.n_layers; i++)
        add_blob(p, &m.layers[i], true);
    add_blob(p, &m.config, false);
    gt_manifest_release(&m);
    return 0;
}

struct child {
    char *digest;
    char *media_type;
    char *data;
    size_t len;
};

static int push_all(struct gt_registry_client *c, const struct gt_ref *ref,
                    struct gt_content *cs, const char *digest,
                    const struct gt_registry_push_opts *opts, struct reg_progress *rp,
                    char **digest_out, struct gt_error *err)
{
    if (!reg_digest_valid(digest))
        return gt_err(err, EINVAL, "invalid digest \"%s\"", digest ? digest : "(null)");
    cleanup_free char *data = NULL;
    size_t len = 0;
    int r = gt_content_read(cs, digest, REG_MANIFEST_MAX, &data, &len, err);
    if (r < 0)
        return gt_err_prefix(err, "manifest %s", digest);
    const char *mt = doc_media_type(data, len, opts->media_type);
    enum gt_doc_kind kind = gt_doc_kind(mt, NULL);
    if (kind == GT_DOC_UNKNOWN)
        return gt_err(err, EINVAL, "%s is not a manifest or an index (media type \"%s\")",
                      digest, mt ? mt : "unknown");

    struct push p = { .c = c, .cs = cs, .mount_from = opts->mount_from };
    struct child *children = NULL;
    size_t n_children = 0;
    if (kind == GT_DOC_INDEX) {
        struct gt_index ix;
        r = gt_index_parse(data, len, &ix, err);
        for (size_t i = 0; r == 0 && i < ix.n_manifests; i++) {
            const struct gt_descriptor *d = &ix.manifests[i];
            struct child ch = { 0 };
            r = gt_content_read(cs, d->digest, REG_MANIFEST_MAX, &ch.data, &ch.len, err);
            if (r < 0) {
                gt_err_prefix(err, "manifest %s of the index", d->digest);
                break;
            }
            const char *cmt = doc_media_type(ch.data, ch.len, *d->media_type ? d->media_type : NULL);
            ch.digest = gt_xstrdup(d->digest);
            ch.media_type = gt_xstrdup(cmt ? cmt : "");
            children = gt_xrealloc(children, (n_children + 1) * sizeof *children);
            children[n_children++] = ch;
            r = collect_manifest(&p, ch.data, ch.len, cmt, err);
            if (r < 0)
                gt_err_prefix(err, "manifest %s", d->digest);
        }
        gt_index_release(&ix);
    } else {
        r = collect_manifest(&p, data, len, mt, err);
    }

    struct reg_session s;
    bool hub = !strcmp(ref->domain, GT_REF_DEFAULT_DOMAIN);
    reg_session_init(&s, c, hub ? REG_DOCKER_IO_HOST : ref->domain,
                     hub ? REG_SCHEME_HTTPS : REG_SCHEME_UNKNOWN, ref->path, ref->domain,
                     opts->auth, "pull,push");
    s.progress = rp;
    for (const char *const *f = opts->mount_from; f && *f; f++) {
        cleanup_free char *scope = gt_xasprintf("repository:%s:pull", *f);
        reg_session_add_scope(&s, scope);
    }
    struct reg_conn conn = { 0 };
    if (r == 0)
        r = reg_conn_init(&conn, &s, err);

    if (r == 0) {
        cleanup_free char *name = gt_ref_name(ref);
        reg_progress_status(rp, NULL, "The push refers to repository [%s]", name);
        size_t layers = 0;
        for (size_t i = 0; i < p.n; i++)
            if (p.blobs[i].layer)
                reg_progress_layer(rp, p.blobs[i].id, "Preparing");
        for (size_t i = 0; i < p.n; i++)
            if (p.blobs[i].layer && layers++ >= (size_t)c->parallel)
                reg_progress_layer(rp, p.blobs[i].id, "Waiting");
        /* Establish auth on this connection before the workers start, so
         * that they find a token cached rather than each fetching one. */
        bool ignored;
        if (p.n)
            r = blob_exists(&conn, p.blobs[0].desc.digest, &ignored, err);
        static const struct reg_pool_ops ops = { .run = push_blob };
        if (r == 0)
            r = reg_pool_run(&s, p.n, c->parallel, &ops, &p, err);
    }
    for (size_t i = 0; r == 0 && i < n_children; i++) {
        r = put_manifest(&conn, children[i].digest, children[i].data, children[i].len,
                         children[i].media_type, NULL, err);
    }
    const char *target = ref->tag ? ref->tag : ref->digest ? ref->digest : digest;
    if (r == 0 && ref->digest && strcmp(ref->digest, digest) != 0)
        r = gt_err(err, EINVAL, "the reference names %s, the manifest is %s", ref->digest, digest);
    cleanup_free char *reported = NULL;
    if (r == 0)
        r = put_manifest(&conn, target, data, len, mt, &reported, err);
    if (r == 0 && reported && strcmp(reported, digest) != 0)
        r = gt_err(err, EPROTO, "the registry stored the manifest as %s, expected %s", reported,
                   digest);
    if (r == 0) {
        json_t *aux = json_pack("{s:s,s:s,s:I}", "Tag", ref->tag ? ref->tag : "", "Digest",
                                digest, "Size", (json_int_t)len);
        char status[256];
        if (ref->tag)
            snprintf(status, sizeof status, "%s: digest: %s size: %zu", ref->tag, digest, len);
        else
            snprintf(status, sizeof status, "digest: %s size: %zu", digest, len);
        struct gt_progress_event ev = { .status = status };
        reg_progress_emit(rp, &ev);
        struct gt_progress_event aux_ev = { .aux = aux };
        reg_progress_emit(rp, &aux_ev);
        json_decref(aux);
        if (digest_out)
            *digest_out = gt_xstrdup(digest);
    }

    reg_conn_release(&conn);
    reg_session_release(&s);
    for (size_t i = 0; i < n_children; i++) {
        free(children[i].digest);
        free(children[i].media_type);
        free(children[i].data);
    }
    free(children);
    for (size_t i = 0; i < p.n; i++)
        gt_descriptor_release(&p.blobs[i].desc);
    free(p.blobs);
    return r;
}

int gt_registry_push(struct gt_registry_client *c, const struct gt_ref *ref,
                     struct gt_content *cs, const char *digest,
                     const struct gt_registry_push_opts *opts, char **digest_out,
                     struct gt_error *err)
{
    static const struct gt_registry_push_opts none = { 0 };
    if (!opts)
        opts = &none;
    if (digest_out)
        *digest_out = NULL;
    cleanup_free char *name = gt_ref_string(ref);
    struct reg_progress rp;
    reg_progress_init(&rp, opts->progress);
    int r = push_all(c, ref, cs, digest, opts, &rp, digest_out, err);
    bool cancelled = atomic_load(&rp.cancel);
    reg_progress_release(&rp);
    if (r < 0) {
        if (cancelled)
            gt_err(err, ECANCELED, "cancelled");
        return gt_err_prefix(err, "push %s", name);
    }
    return 0;
}
