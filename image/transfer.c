/* image/transfer.c - what the import formats share: undoable imports (see transfer.h). */
#include "image/transfer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/mem.h"
#include "image/ref.h"

int gt_import_begin(struct gt_import_txn *tx, struct gt_image_store *st, struct gt_error *err)
{
    memset(tx, 0, sizeof *tx);
    tx->st = st;
    int r = gt_content_lease_begin(st->cs, err);
    if (r < 0)
        return r;
    tx->leased = true;
    return 0;
}

int gt_import_blob_fd(struct gt_import_txn *tx, int fd, const char *expected_digest,
                      int64_t expected_size, char **digest_out, struct gt_error *err)
{
    bool had = false;
    cleanup_free char *d = NULL;
    int r = gt_image_store_ingest_fd(tx->st->cs, fd, expected_digest, expected_size, &d, &had, err);
    if (r < 0)
        return r;
    if (!had) {
        bool listed = false;
        for (char **b = tx->new_blobs; b && *b; b++)
            if (!strcmp(*b, d))
                listed = true;
        if (!listed)
            gt_strv_push(&tx->new_blobs, d);
    }
    if (digest_out)
        *digest_out = steal_pointer(&d);
    return 0;
}

int gt_import_blob_writer(struct gt_import_txn *tx, struct gt_content_writer *w,
                          char **digest_out, struct gt_error *err)
{
    cleanup_free char *dg = gt_content_writer_digest(w);
    bool had = gt_content_has(tx->st->cs, dg);
    cleanup_free char *d = NULL;
    int r = gt_content_writer_commit(w, &d, err);
    if (r < 0)
        return r;
    if (!had)
        gt_strv_push(&tx->new_blobs, d);
    if (digest_out)
        *digest_out = steal_pointer(&d);
    return 0;
}

int gt_import_blob_buf(struct gt_import_txn *tx, const void *data, size_t len,
                       const char *expected_digest, char **digest_out, struct gt_error *err)
{
    cleanup_free char *dg = gt_digest_of(data, len);
    bool had = gt_content_has(tx->st->cs, dg);
    int r = gt_content_put(tx->st->cs, data, len, expected_digest, NULL, err);
    if (r < 0)
        return r;
    if (!had)
        gt_strv_push(&tx->new_blobs, dg);
    if (digest_out)
        *digest_out = steal_pointer(&dg);
    return 0;
}

int gt_import_image(struct gt_import_txn *tx, const char *target, char *const *refs,
                    const struct gt_import_opts *opts, struct gt_error *err)
{
    struct gt_image_store *st = tx->st;
    struct gt_image img;
    int r = gt_image_load(st->cs, target, &st->platform, &img, err);
    if (r < 0)
        return r;
    size_t n = img.config.n_diff_ids;
    cleanup_strv char **chain = gt_chain_ids(img.config.diff_ids, n);
    bool *had = gt_xcalloc(n + 1, sizeof *had);
    for (size_t i = 0; i < n; i++) {
        had[i] = gt_snapshot_layer_exists(st->ss, chain[i]);
        if (!gt_content_has(st->cs, img.manifest.layers[i].digest)) {
            r = gt_err(err, ENOENT, "layer %s is missing", img.manifest.layers[i].digest);
            goto out;
        }
    }
    if (!opts || !opts->no_unpack) {
        r = gt_snapshots_prepare_image(st->ss, &img, opts ? opts->unpack : NULL, NULL, err);
        if (r < 0)
            goto out;
    }
    struct gt_image_record rec;
    if ((r = gt_image_store_add_image(st, target, refs, &rec, err)) < 0)
        goto out;
    if (rec.refs[0]) {
        for (char *const *p = refs; p && *p; p++) {
            struct gt_ref ref;
            if (gt_ref_parse(*p, &ref, NULL) == 0) {
                cleanup_free char *fam = gt_ref_familiar(&ref);
                gt_strv_pushf(&tx->loaded, "Loaded image: %s", fam);
                gt_ref_release(&ref);
            }
        }
    } else {
        gt_strv_pushf(&tx->loaded, "Loaded image ID: %s", rec.config);
    }
    gt_image_record_release(&rec);
out:
    if (r < 0) {
        for (size_t i = 0; i < n; i++)
            if (!had[i])
                gt_snapshot_layer_remove(st->ss, chain[i], NULL);
    }
    free(had);
    gt_image_release(&img);
    return r;
}

void gt_import_end(struct gt_import_txn *tx, bool failed, char ***loaded)
{
    if (failed)
        for (char **b = tx->new_blobs; b && *b; b++)
            gt_content_delete(tx->st->cs, *b, NULL);
    if (tx->leased)
        gt_content_lease_end(tx->st->cs);
    gt_strv_free(tx->new_blobs);
    if (loaded && !failed)
        *loaded = tx->loaded;
    else
        gt_strv_free(tx->loaded);
    memset(tx, 0, sizeof *tx);
}

const char *gt_layer_media_type_of(struct gt_content *cs, const char *digest)
{
    cleanup_close int fd = -1;
    if (gt_content_open_blob(cs, digest, &fd, NULL) < 0)
        return GT_MT_OCI_LAYER;
    unsigned char m[4] = { 0 };
    if (pread(fd, m, sizeof m, 0) < 2)
        return GT_MT_OCI_LAYER;
    if (m[0] == 0x1f && m[1] == 0x8b)
        return GT_MT_OCI_LAYER_GZIP;
    if (m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
        return GT_MT_OCI_LAYER_ZSTD;
    return GT_MT_OCI_LAYER;
}
