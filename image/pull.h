/* image/pull.h - pulling images into the store and pushing them out.
 *
 * The registry client (registry.h) moves the bytes; this module makes a
 * pulled image an image of the store: its layers are unpacked while the
 * rest still downloads (in layer order, on a thread of its own, as each
 * layer and those below it are in), it is recorded under its reference,
 * and the docker-style progress is completed ("Extracting", "Pull
 * complete", "Digest: ...", "Status: ...").  The whole pull holds a lease,
 * so the collector cannot take its blobs before the record is written.
 *
 * The platform is the store's (st->platform).  Early unpacking needs the
 * manifest before the layers arrive: it is resolved first (one small
 * request, two for an index); if the reference moved in between, the
 * layers are unpacked after the download instead.
 *
 * A pull that fails or is killed leaves only complete blobs and complete
 * snapshots (and resumable partial downloads): the next pull of the same
 * image reuses them. */
#ifndef GT_IMAGE_PULL_H
#define GT_IMAGE_PULL_H

#include <stdbool.h>

#include "base/error.h"
#include "image/progress.h"
#include "image/registry.h"
#include "image/store.h"
#include "image/unpack.h"

struct gt_image_store_pull_opts {
    const struct gt_registry_auth *auth;  /* NULL: the client's */
    const struct gt_progress *progress;   /* NULL: none */
    const struct gt_unpack_opts *unpack;  /* limits; NULL: defaults */
    bool no_unpack;
};

/* Pulls name ("busybox", "localhost:5000/x@sha256:...") and records it.
 * out (may be NULL) gets the record. */
int gt_image_store_pull(struct gt_image_store *st, struct gt_registry_client *c, const char *name,
                  const struct gt_image_store_pull_opts *opts, struct gt_image_record *out,
                  struct gt_error *err);

struct gt_image_store_push_opts {
    const struct gt_registry_auth *auth;
    const struct gt_progress *progress;
    const char *const *mount_from;
};

/* Pushes the local image name to dest (NULL: to name itself, which then
 * must be a reference).  An index whose other platforms were not pulled is
 * pushed as the platform manifest alone.  *digest_out (may be NULL) gets
 * the pushed digest. */
int gt_image_store_push(struct gt_image_store *st, struct gt_registry_client *c, const char *name,
                  const char *dest, const struct gt_image_store_push_opts *opts, char **digest_out,
                  struct gt_error *err);

#endif
