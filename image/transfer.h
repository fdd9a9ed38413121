/* image/transfer.h - images in and out of files: the OCI image layout (as
 * skopeo and umoci write it) and the docker-archive (as `docker save`
 * writes it: manifest.json, repositories, <id>.json configs, layer tars).
 *
 * Import copies the blobs an image needs into the content store (each
 * checked against its digest and size), records the image under its
 * references, and unpacks its layers -- all under a lease, so the
 * collector cannot interleave.  If anything fails (a missing or corrupt
 * blob, a hostile layer), the import is undone: the blobs it added and the
 * snapshots it made are removed, and no record is written.
 *
 * OCI layout, names: a manifest's "io.containerd.image.name" annotation
 * (a full reference), else "org.opencontainers.image.ref.name" when it is a
 * full reference ("busybox:1", "quay.io/x/y:2"); a bare tag ("latest", as
 * skopeo and umoci write) needs opts->ref to name the repository.  With
 * opts->ref, a layout of several images imports the one whose tag matches.
 * An index entry that is itself an index is resolved to the store's
 * platform.  Export writes OCI media types (Docker ones are converted:
 * the manifest changes digest, config and layers do not), tags the entry
 * with ref.name = tag and io.containerd.image.name = full name, and adds
 * to an existing layout.
 *
 * docker-archive: import reads plain or compressed tars (docker save,
 * skopeo, Docker 25+ archives with blobs/sha256/); layers keep their bytes
 * (a layer's media type follows its compression).  Export writes docker
 * save's layout with uncompressed layers <diff-id>/layer.tar. */
#ifndef GT_IMAGE_TRANSFER_H
#define GT_IMAGE_TRANSFER_H

#include <jansson.h>
#include <stdbool.h>

#include "base/error.h"
#include "image/store.h"
#include "image/unpack.h"

struct gt_import_opts {
    const char *ref;                   /* name the imported image (OCI layout) */
    bool no_unpack;                    /* record only; layers unpacked later */
    const struct gt_unpack_opts *unpack;
};

/* *loaded (may be NULL) gets one line per image: "Loaded image: busybox:latest"
 * or "Loaded image ID: sha256:..." (caller frees). */
int gt_oci_layout_import(struct gt_image_store *st, const char *dir, const struct gt_import_opts *opts,
                         char ***loaded, struct gt_error *err);
int gt_oci_layout_export(struct gt_image_store *st, char *const *names, const char *dir,
                         struct gt_error *err);

/* path "-" is standard input / output. */
int gt_docker_archive_import(struct gt_image_store *st, const char *path,
                             const struct gt_import_opts *opts, char ***loaded,
                             struct gt_error *err);
int gt_docker_archive_export(struct gt_image_store *st, char *const *names, const char *path,
                             struct gt_error *err);

/* docker import: a root filesystem tarball (plain, gzip, zstd, bzip2 or
 * xz), read from fd to its end, made into an image of one layer -- gzip
 * and zstd input stored as it came, other input gzip-compressed -- with a
 * config naming the platform, created now, opts->config as its "config"
 * (docker's container config fields; image/changes.h makes them), one
 * history entry with the comment, and an OCI manifest.  The layer is
 * unpacked (a hostile one is refused as unpack.h says) and the image
 * recorded, under opts->ref when given (a dangling image otherwise).  On
 * failure nothing stays: no blob, snapshot or record.  *image_id (may be
 * NULL) gets the config digest, docker's image id (caller frees). */
struct gt_rootfs_import_opts {
    const char *ref;                     /* NULL: no reference */
    const json_t *config;                /* copied; NULL: {} */
    const char *comment;                 /* NULL or "": none */
    const struct gt_platform *platform;  /* NULL: the store's (amd64 without its
                                            variant, which is the CPU's level) */
    const struct gt_unpack_opts *unpack; /* NULL: the defaults */
    /* Called once fd gave its end, before anything is recorded: a failure
     * (the input was cut short) undoes the import.  May be NULL. */
    int (*input_done)(void *arg, struct gt_error *err);
    void *input_arg;
};
int gt_rootfs_tar_import(struct gt_image_store *st, int fd,
                         const struct gt_rootfs_import_opts *opts, char **image_id,
                         struct gt_error *err);

/* ---- shared by the format modules ---- */

/* What an import added, to undo it on failure. */
struct gt_import_txn {
    struct gt_image_store *st;
    char **new_blobs; /* blobs this import committed */
    char **loaded;
    bool leased;
};
int gt_import_begin(struct gt_import_txn *tx, struct gt_image_store *st, struct gt_error *err);
/* Ingests fd as a blob, noting it when it is new. */
int gt_import_blob_fd(struct gt_import_txn *tx, int fd, const char *expected_digest,
                      int64_t expected_size, char **digest_out, struct gt_error *err);
/* Commits a writer (content.h) whose data the caller wrote, noting the
 * blob when it is new; the writer is freed either way. */
int gt_import_blob_writer(struct gt_import_txn *tx, struct gt_content_writer *w,
                          char **digest_out, struct gt_error *err);
int gt_import_blob_buf(struct gt_import_txn *tx, const void *data, size_t len,
                       const char *expected_digest, char **digest_out, struct gt_error *err);
/* Unpacks (unless opts say not to) and records target under refs;
 * snapshots made for a failed unpack are removed. */
int gt_import_image(struct gt_import_txn *tx, const char *target, char *const *refs,
                    const struct gt_import_opts *opts, struct gt_error *err);
/* Ends the import: on failure (failed = true) removes what it added. */
void gt_import_end(struct gt_import_txn *tx, bool failed, char ***loaded);

/* The layer media type that a blob's first bytes call for (OCI types). */
const char *gt_layer_media_type_of(struct gt_content *cs, const char *digest);

#endif
