/* image/commit.h - a container's changes as a new image (docker commit).
 *
 * The changes are the overlay upper directory of the container's snapshot
 * (snapshot.h), written as a layer the way docker's overlay driver writes
 * its diffs: a tar (PAX, numeric owners, mtimes to the second, xattrs but
 * overlay's own), where a whiteout (a 0/0 character device) becomes an
 * empty ".wh.<name>" file and an opaque directory gets a ".wh..wh..opq"
 * entry after its own; sockets are left out.  The tar is compressed with
 * gzip into the content store in one pass that also hashes it for the diff
 * id.  The upper directory is read through directory fds only (openat with
 * O_NOFOLLOW), so nothing the container put there leads outside it.
 *
 * The new image is the base image's layers plus that one (an upper
 * directory with nothing in it adds no layer: its history entry says
 * empty_layer, as dockerd does), an OCI manifest, and a config with the
 * base's platform, rootfs and history extended by one entry, and the given
 * container config.  It is recorded and its new layer unpacked under an
 * import (transfer.h): if anything fails, the blobs and the snapshot it
 * added are removed and no record is written. */
#ifndef GT_IMAGE_COMMIT_H
#define GT_IMAGE_COMMIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "image/content.h"
#include "image/store.h"
#include "image/transfer.h"

struct gt_layer_info {
    char *digest;  /* of the compressed blob; NULL for an empty layer */
    char *diff_id; /* of the uncompressed tar */
    int64_t size;  /* of the blob */
    int64_t entries;
};
void gt_layer_info_release(struct gt_layer_info *li);

/* Writes the upper directory upper_fd as a gzip-compressed layer blob,
 * part of the import tx, but the paths in exclude (relative to the root:
 * "etc/hosts"; what is below them goes too; may be NULL).  Nothing to
 * write gives info->digest == NULL and stores nothing. */
int gt_layer_write_upper(struct gt_import_txn *tx, int upper_fd, char *const *exclude,
                         struct gt_layer_info *info, struct gt_error *err);

struct gt_commit_opts {
    const char *base;         /* the base image (id or name); NULL: none */
    const json_t *config;     /* the new image's "config" */
    const char *container;    /* the container's id, or NULL */
    const json_t *container_config; /* its config ("container_config"), or NULL */
    const char *author;       /* may be NULL */
    const char *comment;      /* may be NULL */
    const char *created_by;   /* the history entry's; may be NULL */
    char *const *refs;        /* references to point at it; NULL-terminated, may be NULL */
    char *const *exclude;     /* paths left out of the layer (gt_layer_write_upper) */
};

/* Commits the upper directory upper_fd as a new image; *image_id: its
 * config digest (caller frees). */
int gt_image_commit(struct gt_image_store *st, int upper_fd, const struct gt_commit_opts *o,
                    char **image_id, struct gt_error *err);

#endif
