/* image/registry_pull.c - pull: resolve, pick the platform, store the
 * index, manifest and config, then the layers in parallel (see registry.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/log.h"
#include "base/mem.h"
#include "image/registry_int.h"

void gt_registry_pull_result_release(struct gt_registry_pull_result *r)
{
    if (!r)
        return;
    free(r->digest);
    free(r->media_type);
    free(r->manifest_digest);
    free(r->manifest_media_type);
    gt_platform_release(&r->platform);
    gt_descriptor_release(&r->config);
    for (size_t i = 0; i < r->n_layers; i++)
        gt_descriptor_release(&r->layers[i]);
    free(r->layers);
    memset(r, 0, sizeof *r);
}

struct pull {
    struct gt_content *cs;
    const struct gt_manifest *m;
    struct reg_blob_job *jobs;
    bool *present;   /* in the store before the pull */
    bool *duplicate; /* same digest as an earlier layer */
    const struct gt_registry_pull_opts *opts;
};

static int pull_run(struct reg_conn *conn, size_t i, void *arg, struct gt_error *err)
{
    struct pull *p = arg;
    if (p->present[i] || p->duplicate[i])
        return 0;
    int r = reg_fetch_to_store(conn, &p->jobs[i], true, err);
    if (r < 0)
        return gt_err_prefix(err, "layer %s", p->m->layers[i].digest);
    return 0;
}

static int pull_ready(size_t i, void *arg, struct gt_error *err)
{
    struct pull *p = arg;
    if (!p->opts->layer_ready)
        return 0;
    return p->opts->layer_ready(p->opts->layer_arg, i, &p->m->layers[i], err);
}

/* Stores a manifest or index already verified; true in *added when it was
 * not there before. */
static int store_doc(struct gt_content *cs, const char *data, size_t len, const char *digest,
                     bool *added, struct gt_error *err)
{
    *added = false;
    if (gt_content_has(cs, digest))
        return 0;
    int r = gt_content_put(cs, data, len, digest, NULL, err);
    if (r < 0)
        return gt_err_prefix(err, "store %s", digest);
    *added = true;
    return 0;
}

static int pull_image(struct gt_registry_client *c, struct reg_session *s,
                      struct reg_conn *conn, const struct gt_ref *ref,
                      struct gt_registry_manifest *top, struct gt_content *cs,
                      const struct gt_registry_pull_opts *opts, struct gt_registry_pull_result *out,
                      struct gt_error *err)
{
    struct reg_progress *rp = s->progress;
    struct gt_registry_manifest mbytes = { 0 };
    int r;
    bool added = false;

    if (gt_doc_kind(top->media_type, NULL) == GT_DOC_INDEX) {
        struct gt_index ix;
        r = gt_index_parse(top->data, top->len, &ix, err);
        if (r < 0)
            return r;
        struct gt_platform host = { 0 };
        if (!opts->platform)
            gt_platform_default(&host);
        size_t pos = 0;
        r = gt_index_select(&ix, opts->platform ? opts->platform : &host, &pos, err);
        gt_platform_release(&host);
        if (r == 0) {
            const struct gt_descriptor *d = &ix.manifests[pos];
            out->platform.os = d->platform.os ? gt_xstrdup(d->platform.os) : NULL;
            out->platform.arch = d->platform.arch ? gt_xstrdup(d->platform.arch) : NULL;
            out->platform.variant = d->platform.variant ? gt_xstrdup(d->platform.variant) : NULL;
            r = reg_get_manifest(conn, d->digest, &mbytes, err);
            if (r == 0 && (int64_t)mbytes.len != d->size)
                r = gt_err(err, EPROTO, "manifest %s is %zu bytes, the index says %lld",
                           d->digest, mbytes.len, (long long)d->size);
            if (r == 0 && gt_doc_kind(mbytes.media_type, NULL) != GT_DOC_MANIFEST)
                r = gt_err(err, EPROTO, "index entry %s is a %s, not an image manifest",
                           d->digest, mbytes.media_type);
        }
        gt_index_release(&ix);
        if (r == 0)
            r = store_doc(cs, top->data, top->len, top->digest, &added, err);
        if (r < 0) {
            gt_registry_manifest_bytes_release(&mbytes);
            return r;
        }
        out->downloaded += added;
    } else {
        mbytes.data = gt_xmalloc(top->len + 1);
        memcpy(mbytes.data, top->data, top->len);
        mbytes.data[top->len] = '\0';
        mbytes.len = top->len;
        mbytes.media_type = gt_xstrdup(top->media_type);
        mbytes.digest = gt_xstrdup(top->digest);
        if (opts->platform) {
            out->platform.os = gt_xstrdup(opts->platform->os);
            out->platform.arch = gt_xstrdup(opts->platform->arch);
            out->platform.variant =
                opts->platform->variant ? gt_xstrdup(opts->platform->variant) : NULL;
        } else {
            gt_platform_default(&out->platform);
        }
    }

    struct gt_manifest m;
    r = gt_manifest_parse(mbytes.data, mbytes.len, &m, err);
    if (r == 0) {
        r = store_doc(cs, mbytes.data, mbytes.len, mbytes.digest, &added, err);
        if (r < 0)
            gt_manifest_release(&m);
    }
    if (r < 0) {
        gt_registry_manifest_bytes_release(&mbytes);
        return r;
    }
    out->downloaded += added;
    out->manifest_digest = steal_pointer(&mbytes.digest);
    out->manifest_media_type = steal_pointer(&mbytes.media_type);
    gt_registry_manifest_bytes_release(&mbytes);

    /* The config first: it is small, and the caller needs it to make sense
     * of the layers. */
    struct reg_blob_job cfg = { .desc = &m.config, .cs = cs };
    bool cfg_present = gt_content_has(cs, m.config.digest);
    r = reg_fetch_to_store(conn, &cfg, false, err);
    if (r < 0) {
        gt_err_prefix(err, "config %s", m.config.digest);
        gt_manifest_release(&m);
        return r;
    }
    out->downloaded += !cfg_present;

    size_t n = m.n_layers;
    struct pull p = {
        .cs = cs,
        .m = &m,
        .jobs = gt_xcalloc(n ? n : 1, sizeof *p.jobs),
        .present = gt_xcalloc(n ? n : 1, sizeof *p.present),
        .duplicate = gt_xcalloc(n ? n : 1, sizeof *p.duplicate),
        .opts = opts,
    };
    size_t missing = 0;
    for (size_t i = 0; i < n; i++) {
        p.jobs[i].desc = &m.layers[i];
        p.jobs[i].cs = cs;
        gt_progress_short_id(m.layers[i].digest, p.jobs[i].id, sizeof p.jobs[i].id);
        for (size_t k = 0; k < i; k++)
            if (!strcmp(m.layers[k].digest, m.layers[i].digest))
                p.duplicate[i] = true;
        if (p.duplicate[i])
            continue;
        p.present[i] = gt_content_has(cs, m.layers[i].digest);
        reg_progress_layer(rp, p.jobs[i].id, p.present[i] ? "Already exists" : "Pulling fs layer");
    }
    for (size_t i = 0; i < n; i++) {
        if (p.present[i] || p.duplicate[i])
            continue;
        if (missing++ >= (size_t)c->parallel)
            reg_progress_layer(rp, p.jobs[i].id, "Waiting");
    }

    static const struct reg_pool_ops ops = { .run = pull_run, .ready = pull_ready };
    r = reg_pool_run(s, n, c->parallel, &ops, &p, err);
    if (r == 0) {
        for (size_t i = 0; i < n; i++)
            out->downloaded += !p.present[i] && !p.duplicate[i];
        reg_descriptor_copy(&out->config, &m.config);
        out->layers = gt_xcalloc(n ? n : 1, sizeof *out->layers);
        for (size_t i = 0; i < n; i++)
            reg_descriptor_copy(&out->layers[i], &m.layers[i]);
        out->n_layers = n;
    }
    free(p.jobs);
    free(p.present);
    free(p.duplicate);
    gt_manifest_release(&m);
    return r;
}

int gt_registry_pull(struct gt_registry_client *c, const struct gt_ref *ref,
                     struct gt_content *cs, const struct gt_registry_pull_opts *opts,
                     struct gt_registry_pull_result *out, struct gt_error *err)
{
    static const struct gt_registry_pull_opts none = { 0 };
    if (!opts)
        opts = &none;
    memset(out, 0, sizeof *out);
    cleanup_free char *name = gt_ref_string(ref);
    struct reg_progress rp;
    reg_progress_init(&rp, opts->progress);

    /* A lease keeps the collector off the blobs until the caller records
     * them (leases nest: the caller may hold one around this call too). */
    int r = gt_content_lease_begin(cs, err);
    if (r < 0) {
        reg_progress_release(&rp);
        return gt_err_prefix(err, "pull %s", name);
    }
    struct reg_session s;
    struct reg_conn conn;
    struct gt_registry_manifest top = { 0 };
    r = reg_open_resolved(c, ref, opts->auth, &rp, &s, &conn, &top, err);
    if (r == 0) {
        /* After the manifest, as docker does: a pull that cannot start
         * reports nothing before its error (the engine can still answer
         * with an error status instead of a stream). */
        reg_progress_status(&rp, ref->digest ? ref->digest : ref->tag ? ref->tag : "latest",
                            "Pulling from %s", ref->path);
        r = pull_image(c, &s, &conn, ref, &top, cs, opts, out, err);
        if (r == 0) {
            out->digest = steal_pointer(&top.digest);
            out->media_type = steal_pointer(&top.media_type);
        }
        gt_registry_manifest_bytes_release(&top);
        reg_conn_release(&conn);
        reg_session_release(&s);
    }
    gt_content_lease_end(cs);
    bool cancelled = atomic_load(&rp.cancel);
    reg_progress_release(&rp);
    if (r < 0) {
        gt_registry_pull_result_release(out);
        if (cancelled)
            gt_err(err, ECANCELED, "cancelled");
        return gt_err_prefix(err, "pull %s", name);
    }
    return 0;
}
