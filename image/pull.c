/* image/pull.c - pulls into the store, with layers unpacked as they
 * arrive, and pushes out of it (see pull.h). */
#include "image/pull.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/mem.h"
#include "image/ref.h"

/* Registry events and ours come from different threads: one lock keeps
 * the caller's callback entered once at a time. */
struct locked_progress {
    pthread_mutex_t mu;
    const struct gt_progress *inner;
    struct gt_progress outer;
};

static int locked_emit(void *arg, const struct gt_progress_event *ev)
{
    struct locked_progress *lp = arg;
    pthread_mutex_lock(&lp->mu);
    int r = gt_progress_emit(lp->inner, ev);
    pthread_mutex_unlock(&lp->mu);
    return r;
}

/* The unpacking thread's state. */
struct early {
    struct gt_image_store *st;
    const struct gt_unpack_opts *unpack;
    const struct gt_progress *progress;
    /* what the resolve said the image is */
    struct gt_manifest m;
    bool have_manifest;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t ready;    /* layers [0, ready) are in the store */
    bool finished;   /* the download is over (ready will not grow) */
    bool mismatch;   /* the pull fetched another manifest than resolved */
    size_t unpacked; /* layers [0, unpacked) are snapshots */
    int failed;
    struct gt_error err;
};

/* Reads the manifest a reference names for this platform, without its
 * layers: the resolve, and for an index the platform's manifest. */
static int resolve_manifest(struct gt_image_store *st, struct gt_registry_client *c,
                            const struct gt_ref *ref, const struct gt_registry_auth *auth,
                            struct gt_manifest *m, struct gt_error *err)
{
    struct gt_registry_manifest top;
    int r = gt_registry_resolve(c, ref, auth, &top, err);
    if (r < 0)
        return r;
    if (gt_doc_kind(top.media_type, NULL) == GT_DOC_INDEX) {
        struct gt_index ix;
        size_t pos;
        r = gt_index_parse(top.data, top.len, &ix, err);
        if (r == 0 && (r = gt_index_select(&ix, &st->platform, &pos, err)) == 0) {
            struct gt_ref child = *ref;
            child.tag = NULL;
            child.digest = ix.manifests[pos].digest;
            struct gt_registry_manifest mb;
            r = gt_registry_resolve(c, &child, auth, &mb, err);
            if (r == 0) {
                r = gt_manifest_parse(mb.data, mb.len, m, err);
                gt_registry_manifest_bytes_release(&mb);
            }
        }
        if (ix.manifests || ix.json)
            gt_index_release(&ix);
    } else {
        r = gt_manifest_parse(top.data, top.len, m, err);
    }
    gt_registry_manifest_bytes_release(&top);
    return r;
}

static int unpack_one(struct early *e, size_t i, char *const *chain, char *const *diff_ids,
                      struct gt_error *err)
{
    struct gt_snapshots *ss = e->st->ss;
    char id[16];
    gt_progress_short_id(e->m.layers[i].digest, id, sizeof id);
    if (gt_snapshot_layer_exists(ss, chain[i])) {
        return 0;
    }
    gt_progress_layer(e->progress, id, "Extracting");
    cleanup_close int fd = -1;
    int r = gt_content_open_blob(e->st->cs, e->m.layers[i].digest, &fd, err);
    if (r < 0)
        return r;
    struct gt_unpack_opts o = e->unpack ? *e->unpack : (struct gt_unpack_opts){ 0 };
    o.expected_diff_id = diff_ids[i];
    r = gt_snapshot_unpack_layer(ss, chain[i], i ? chain[i - 1] : NULL, fd, &o, err);
    if (r < 0)
        return gt_err_prefix(err, "unpack layer %s", e->m.layers[i].digest);
    gt_progress_layer(e->progress, id, "Pull complete");
    return 0;
}

static void *early_main(void *arg)
{
    struct early *e = arg;
    struct gt_image_config cfg = { 0 };
    char **chain = NULL;
    for (size_t i = 0; i < e->m.n_layers; i++) {
        pthread_mutex_lock(&e->mu);
        while (e->ready <= i && !e->finished && !e->mismatch)
            pthread_cond_wait(&e->cv, &e->mu);
        bool go = e->ready > i && !e->mismatch;
        pthread_mutex_unlock(&e->mu);
        if (!go)
            break;
        struct gt_error err;
        int r = 0;
        if (!cfg.json) {
            /* the config arrived before the first layer */
            cleanup_free char *data = NULL;
            size_t len;
            r = gt_content_read(e->st->cs, e->m.config.digest, GT_CONFIG_MAX, &data, &len, &err);
            if (r == 0)
                r = gt_image_config_parse(data, len, &cfg, &err);
            if (r == 0 && cfg.n_diff_ids != e->m.n_layers)
                r = gt_err(&err, EINVAL, "the manifest has %zu layers but the config %zu diff ids",
                           e->m.n_layers, cfg.n_diff_ids);
            if (r == 0)
                chain = gt_chain_ids(cfg.diff_ids, cfg.n_diff_ids);
        }
        if (r == 0)
            r = unpack_one(e, i, chain, cfg.diff_ids, &err);
        pthread_mutex_lock(&e->mu);
        if (r < 0) {
            e->failed = r;
            e->err = err;
        } else {
            e->unpacked = i + 1;
        }
        pthread_mutex_unlock(&e->mu);
        if (r < 0)
            break;
    }
    gt_strv_free(chain);
    gt_image_config_release(&cfg);
    return NULL;
}

static int layer_ready(void *arg, size_t i, const struct gt_descriptor *layer,
                       struct gt_error *err)
{
    struct early *e = arg;
    pthread_mutex_lock(&e->mu);
    if (i >= e->m.n_layers || strcmp(layer->digest, e->m.layers[i].digest) != 0)
        e->mismatch = true; /* the tag moved: unpack after the download */
    else if (i + 1 > e->ready)
        e->ready = i + 1;
    int failed = e->failed;
    struct gt_error copy = e->err;
    pthread_cond_broadcast(&e->cv);
    pthread_mutex_unlock(&e->mu);
    if (failed) {
        if (err)
            *err = copy;
        return failed; /* a bad layer stops the download */
    }
    return 0;
}

int gt_image_store_pull(struct gt_image_store *st, struct gt_registry_client *c, const char *name,
                  const struct gt_image_store_pull_opts *opts, struct gt_image_record *out,
                  struct gt_error *err)
{
    static const struct gt_image_store_pull_opts none;
    if (!opts)
        opts = &none;
    struct gt_ref ref;
    int r = gt_ref_parse(name, &ref, err);
    if (r < 0)
        return r;
    cleanup_free char *full = gt_ref_string(&ref);
    cleanup_free char *familiar = gt_ref_familiar(&ref);

    struct locked_progress lp = { .inner = opts->progress };
    pthread_mutex_init(&lp.mu, NULL);
    lp.outer = (struct gt_progress){ locked_emit, &lp };

    struct early e = { .st = st, .unpack = opts->unpack, .progress = &lp.outer };
    pthread_mutex_init(&e.mu, NULL);
    pthread_cond_init(&e.cv, NULL);
    pthread_t thread;
    bool threaded = false;
    struct gt_registry_pull_result res = { 0 };
    bool have_res = false;

    if ((r = gt_content_lease_begin(st->cs, err)) < 0)
        goto out_nolease;
    if (!opts->no_unpack) {
        struct gt_error rerr;
        /* a failed resolve fails the pull too, with the pull's message */
        if (resolve_manifest(st, c, &ref, opts->auth, &e.m, &rerr) == 0) {
            e.have_manifest = true;
            threaded = pthread_create(&thread, NULL, early_main, &e) == 0;
        }
    }
    struct gt_registry_pull_opts po = {
        .platform = &st->platform,
        .auth = opts->auth,
        .progress = &lp.outer,
        .layer_ready = threaded ? layer_ready : NULL,
        .layer_arg = &e,
    };
    r = gt_registry_pull(c, &ref, st->cs, &po, &res, err);
    have_res = r == 0;
    if (threaded) {
        pthread_mutex_lock(&e.mu);
        e.finished = true;
        pthread_cond_broadcast(&e.cv);
        pthread_mutex_unlock(&e.mu);
        pthread_join(thread, NULL);
    }
    if (r < 0)
        goto out;
    if (e.failed) {
        *err = e.err;
        r = e.failed;
        gt_err_prefix(err, "pull %s", full);
        goto out;
    }
    if (!opts->no_unpack && (!threaded || e.unpacked < res.n_layers)) {
        /* the rest (or all) after the download */
        struct gt_image img;
        if ((r = gt_image_load(st->cs, res.digest, &st->platform, &img, err)) < 0)
            goto out;
        r = gt_snapshots_prepare_image(st->ss, &img, opts->unpack, NULL, err);
        gt_image_release(&img);
        if (r < 0) {
            gt_err_prefix(err, "pull %s", full);
            goto out;
        }
    }
    char *refs[] = { full, NULL };
    if ((r = gt_image_store_add_image(st, res.digest, refs, out, err)) < 0)
        goto out;
    gt_progress_status(&lp.outer, NULL, "Digest: %s", res.digest);
    gt_progress_status(&lp.outer, NULL, "Status: %s for %s",
                       res.downloaded ? "Downloaded newer image" : "Image is up to date", familiar);
out:
    gt_content_lease_end(st->cs);
out_nolease:
    if (have_res)
        gt_registry_pull_result_release(&res);
    if (e.have_manifest)
        gt_manifest_release(&e.m);
    pthread_mutex_destroy(&e.mu);
    pthread_cond_destroy(&e.cv);
    pthread_mutex_destroy(&lp.mu);
    gt_ref_release(&ref);
    return r;
}

/* Whether every manifest an index lists is in the store. */
static bool index_complete(struct gt_content *cs, const char *digest)
{
    cleanup_free char *data = NULL;
    size_t len;
    if (gt_content_read(cs, digest, GT_MANIFEST_MAX, &data, &len, NULL) < 0)
        return false;
    struct gt_index ix;
    if (gt_index_parse(data, len, &ix, NULL) < 0)
        return false;
    bool all = true;
    for (size_t i = 0; i < ix.n_manifests; i++)
        if (!gt_content_has(cs, ix.manifests[i].digest))
            all = false;
    gt_index_release(&ix);
    return all;
}

int gt_image_store_push(struct gt_image_store *st, struct gt_registry_client *c, const char *name,
                  const char *dest, const struct gt_image_store_push_opts *opts, char **digest_out,
                  struct gt_error *err)
{
    static const struct gt_image_store_push_opts none;
    if (!opts)
        opts = &none;
    struct gt_image_record rec;
    int r = gt_image_store_lookup(st, name, &rec, err);
    if (r < 0)
        return r;
    struct gt_ref ref;
    if ((r = gt_ref_parse(dest ? dest : name, &ref, err)) < 0) {
        gt_image_record_release(&rec);
        return r;
    }
    const char *digest = rec.target;
    if (gt_doc_kind(rec.media_type, NULL) == GT_DOC_INDEX && !index_complete(st->cs, rec.target))
        digest = rec.manifest;
    struct gt_registry_push_opts po = {
        .auth = opts->auth,
        .progress = opts->progress,
        .mount_from = opts->mount_from,
    };
    /* blobs must stay while they are read */
    if ((r = gt_content_lease_begin(st->cs, err)) == 0) {
        r = gt_registry_push(c, &ref, st->cs, digest, &po, digest_out, err);
        gt_content_lease_end(st->cs);
    }
    gt_ref_release(&ref);
    gt_image_record_release(&rec);
    return r;
}
