/* image/registry_blob.c - blob downloads: a ranged GET streamed into a
 * writer, and into the content store with resume (from an earlier
 * interrupted ingest, and after a transfer that broke half-way). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/cleanup.h"
#include "base/log.h"
#include "base/mem.h"
#include "image/registry_int.h"

int reg_fetch_blob(struct reg_conn *conn, const char *digest, int64_t size, int64_t offset,
                   gt_registry_write_fn write, void *arg, void (*on_bytes)(void *, int64_t),
                   void *bytes_arg, int64_t *received, struct gt_error *err)
{
    struct reg_session *s = conn->s;
    if (received)
        *received = 0;
    if (size >= 0 && offset >= size)
        return 0;
    cleanup_free char *path = gt_xasprintf("/v2/%s/blobs/%s", s->repo, digest);
    struct reg_req req = {
        .method = "GET",
        .path = path,
        .body_fd = -1,
        .write = write,
        .write_arg = arg,
        .range_from = offset,
        .max_bytes = size >= 0 ? size - offset : -1,
        .on_bytes = on_bytes,
        .bytes_arg = bytes_arg,
    };
    struct reg_resp resp = { 0 };
    int r = reg_do(conn, &req, &resp, err);
    if (received)
        *received = resp.received;
    if (r == 0 && resp.status != 200 && resp.status != 206)
        r = reg_http_error(&resp, err, NULL);
    if (r == 0 && size >= 0 && offset + resp.received < size)
        r = gt_err(err, ECONNRESET, "the connection ended after %lld of %lld bytes",
                   (long long)(offset + resp.received), (long long)size);
    reg_resp_release(&resp);
    return r;
}

struct store_sink {
    struct gt_content_writer *w;
    struct reg_session *s;
    const char *id;
    int64_t base;  /* bytes ingested before this transfer */
    int64_t total;
};

static int sink_write(void *arg, const void *buf, size_t len, struct gt_error *err)
{
    struct store_sink *k = arg;
    return gt_content_writer_write(k->w, buf, len, err);
}

static void sink_bytes(void *arg, int64_t bytes)
{
    struct store_sink *k = arg;
    if (k->id)
        reg_progress_bytes(k->s->progress, k->id, "Downloading", k->base + bytes, k->total);
}

static void backoff(int attempt)
{
    struct timespec ts = { .tv_sec = 0, .tv_nsec = 250000000L * attempt };
    while (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    nanosleep(&ts, NULL);
}

int reg_fetch_to_store(struct reg_conn *conn, struct reg_blob_job *job, bool report,
                       struct gt_error *err)
{
    struct reg_session *s = conn->s;
    const struct gt_descriptor *d = job->desc;
    const char *id = report ? job->id : NULL;
    int retries = s->c->retries;
    bool fresh_retry_done = false;
    int r;

    job->fetched = false;
    if (gt_content_has(job->cs, d->digest))
        return 0;
again:;
    struct gt_content_writer *w = NULL;
    int64_t offset = 0;
    r = gt_content_writer_open(job->cs, d->digest, d->size, &w, &offset, err);
    if (r < 0)
        return r;
    if (offset > d->size || offset < 0) {
        /* Longer than the blob can be: that partial ingest is garbage. */
        gt_content_writer_abort(w, false);
        r = gt_content_writer_open(job->cs, d->digest, d->size, &w, &offset, err);
        if (r < 0)
            return r;
    }
    bool resumed = offset > 0;
    if (resumed)
        gt_debug("registry: resuming %s at %lld of %lld bytes", d->digest, (long long)offset,
                 (long long)d->size);
    struct store_sink sink = { .w = w, .s = s, .id = id, .total = d->size };
    for (int attempt = 0;; attempt++) {
        int64_t got = 0;
        sink.base = offset;
        r = reg_fetch_blob(conn, d->digest, d->size, offset, sink_write, &sink, sink_bytes, &sink,
                           &got, err);
        offset += got;
        job->fetched |= got > 0;
        if (r == 0)
            break;
        if (reg_retryable(r) && attempt < retries && !reg_session_cancelled(s)) {
            gt_debug("registry: %s broke at %lld bytes (%s); resuming", d->digest,
                     (long long)offset, err ? err->msg : "");
            resumed = true;
            backoff(attempt + 1);
            continue;
        }
        /* An interrupted transfer keeps what arrived, for the next pull to
         * resume from; one stopped by bad content elsewhere leaves nothing. */
        gt_content_writer_abort(w, offset > 0 && reg_session_keeps_partial(s, r));
        return r;
    }
    if (id)
        reg_progress_layer(s->progress, id, "Verifying Checksum");
    r = gt_content_writer_commit(w, NULL, err);
    if (r < 0) {
        /* A resumed ingest may have kept bad bytes from before: one fresh
         * download decides. */
        if (resumed && !fresh_retry_done && r != -ECANCELED) {
            gt_info("registry: %s did not verify after a resume (%s); downloading it again",
                    d->digest, err ? err->msg : "");
            fresh_retry_done = true;
            goto again;
        }
        return r;
    }
    if (id)
        reg_progress_layer(s->progress, id, "Download complete");
    return 0;
}

/* ------------------------------------------------------------------ */
/* Public entry points                                                 */

int gt_registry_fetch_blob(struct gt_registry_client *c, const struct gt_ref *ref,
                           const struct gt_registry_auth *auth, const char *digest,
                           int64_t size, int64_t offset, gt_registry_write_fn write, void *arg,
                           int64_t *received, struct gt_error *err)
{
    if (received)
        *received = 0;
    if (!reg_digest_valid(digest))
        return gt_err(err, EINVAL, "invalid digest \"%s\"", digest ? digest : "(null)");
    struct reg_endpoint *eps = NULL;
    size_t n = reg_endpoints(c, ref, true, &eps);
    int r = -EINVAL;
    for (size_t i = 0; i < n; i++) {
        struct reg_session s;
        struct reg_conn conn;
        int64_t got = 0;
        reg_session_init(&s, c, eps[i].host, eps[i].scheme, ref->path, eps[i].cred_key, auth,
                         "pull");
        r = reg_conn_init(&conn, &s, err);
        if (r == 0)
            r = reg_fetch_blob(&conn, digest, size, offset, write, arg, NULL, NULL, &got, err);
        reg_conn_release(&conn);
        reg_session_release(&s);
        if (received)
            *received = got;
        /* Another endpoint only while nothing was handed over. */
        if (r == 0 || got > 0 || r == -ECANCELED)
            break;
    }
    reg_endpoints_free(eps, n);
    if (r < 0) {
        cleanup_free char *name = gt_ref_name(ref);
        return gt_err_prefix(err, "fetch %s@%s", name, digest);
    }
    return 0;
}

int gt_registry_fetch_blob_to_store(struct gt_registry_client *c,
                                    const struct gt_ref *ref,
                                    const struct gt_registry_auth *auth,
                                    const struct gt_descriptor *desc, struct gt_content *cs,
                                    const struct gt_progress *progress, struct gt_error *err)
{
    if (!reg_digest_valid(desc->digest))
        return gt_err(err, EINVAL, "invalid digest \"%s\"", desc->digest ? desc->digest : "(null)");
    struct reg_progress rp;
    reg_progress_init(&rp, progress);
    struct reg_endpoint *eps = NULL;
    size_t n = reg_endpoints(c, ref, true, &eps);
    int r = -EINVAL;
    for (size_t i = 0; i < n; i++) {
        struct reg_session s;
        struct reg_conn conn;
        reg_session_init(&s, c, eps[i].host, eps[i].scheme, ref->path, eps[i].cred_key, auth,
                         "pull");
        s.progress = &rp;
        struct reg_blob_job job = { .desc = desc, .cs = cs };
        gt_progress_short_id(desc->digest, job.id, sizeof job.id);
        r = reg_conn_init(&conn, &s, err);
        if (r == 0)
            r = reg_fetch_to_store(&conn, &job, progress != NULL, err);
        reg_conn_release(&conn);
        reg_session_release(&s);
        if (r == 0 || r == -ECANCELED)
            break;
    }
    reg_endpoints_free(eps, n);
    reg_progress_release(&rp);
    if (r < 0) {
        cleanup_free char *name = gt_ref_name(ref);
        return gt_err_prefix(err, "fetch %s@%s", name, desc->digest);
    }
    return 0;
}
