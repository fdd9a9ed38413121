/* image/store.h - the image store: records, references, collection, checks.
 *
 * A data root (default /var/lib/gantry, or $GANTRY_DATA_ROOT, or a flag)
 * holds the content store (content.h), the snapshots (snapshot.h) and the
 * image records in <data-root>/images.json:
 *
 *   {"version":1,
 *    "images":{"<target digest>":{"mediaType","manifest","config","size",
 *                                 "created","added"}},
 *    "refs":{"docker.io/library/busybox:latest":"<target digest>"}}
 *
 * An image is identified by its target (the manifest or index a pull or an
 * import named) and shown by its config digest (docker's image id).  A
 * reference names one image; an image may have none ("dangling", from an
 * import without a name).  Records are read under a shared flock of
 * <data-root>/images.lock and changed under an exclusive one, and written
 * atomically (temporary file, fsync, rename), so a daemon and the CLI on
 * the same data root stay consistent.
 *
 * Collection (gt_image_store_prune) keeps what the records reach: target,
 * manifest, config and layer blobs, and the layer snapshots of their chain
 * ids (and those below containers' snapshots); the rest goes.  It runs
 * under the content store's gc lock, which pulls and imports hold shared
 * (a lease) from their first blob to their record. */
#ifndef GT_IMAGE_STORE_H
#define GT_IMAGE_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "image/content.h"
#include "image/manifest.h"
#include "image/snapshot.h"

#define GT_DATA_ROOT_DEFAULT "/var/lib/gantry"

/* flag if set, else $GANTRY_DATA_ROOT if set, else the default (borrowed). */
const char *gt_data_root(const char *flag);

struct gt_image_store {
    char *root;
    struct gt_content *cs;
    struct gt_snapshots *ss;
    struct gt_platform platform; /* the platform chosen from indexes */
};

int gt_image_store_open(const char *data_root, struct gt_image_store **out, struct gt_error *err);
void gt_image_store_free(struct gt_image_store *st);

struct gt_image_record {
    char *target;
    char *media_type;
    char *manifest; /* the platform's manifest */
    char *config;   /* the image id */
    int64_t size;   /* manifest, config and layer blobs */
    char *created;  /* from the config, RFC 3339, or NULL */
    int64_t added;  /* seconds since the epoch */
    char **refs;    /* NULL-terminated, sorted */
};
void gt_image_record_release(struct gt_image_record *rec);
void gt_image_records_free(struct gt_image_record *recs, size_t n);

/* Records an image whose blobs are in the content store (they are loaded
 * and checked) and points refs (may be NULL) at it; each ref is moved from
 * any image it named before (an image left with no reference stays, as a
 * dangling one).  Call under a lease. */
int gt_image_store_add_image(struct gt_image_store *st, const char *target, char *const *refs,
                       struct gt_image_record *out, struct gt_error *err);

/* Finds an image by reference ("busybox", normalised), by target or
 * config digest, or by a unique prefix (12+ hex digits) of the config
 * digest's hex. */
int gt_image_store_lookup(struct gt_image_store *st, const char *name, struct gt_image_record *out,
                    struct gt_error *err);
int gt_image_store_list(struct gt_image_store *st, struct gt_image_record **out, size_t *n,
                  struct gt_error *err);
/* Points ref at the image that name finds. */
int gt_image_store_tag(struct gt_image_store *st, const char *name, const char *ref, struct gt_error *err);

/* docker rmi: a reference is removed, and its image with it when no other
 * reference names it; an id removes the image only if at most one
 * reference names it, unless force.  *removed gets one line per change
 * ("Untagged: ...", "Deleted: sha256:..."); caller frees. */
int gt_image_store_remove(struct gt_image_store *st, const char *name, bool force, char ***removed,
                    struct gt_error *err);

/* Loads a recorded image (its manifest and config) for the store's platform. */
int gt_image_store_load_image(struct gt_image_store *st, const struct gt_image_record *rec,
                        struct gt_image *img, struct gt_error *err);
/* Both steps: gt_image_store_lookup(name), then gt_image_store_load_image. */
int gt_image_store_load_named(struct gt_image_store *st, const char *name, struct gt_image *img,
                              struct gt_error *err);
/* Unpacks an image's layers that are not unpacked yet; *top as in
 * gt_snapshots_prepare_image. */
int gt_image_store_unpack(struct gt_image_store *st, const struct gt_image_record *rec,
                    const struct gt_unpack_opts *opts, char **top, struct gt_error *err);

struct gt_prune_report {
    unsigned images;    /* dangling image records removed (with dangling=true) */
    unsigned blobs;
    int64_t blob_bytes;
    unsigned snapshots;
    unsigned ingests;   /* interrupted downloads */
};
/* Collects what no record reaches; with dangling, also removes the
 * records of images without a reference first. */
int gt_image_store_prune(struct gt_image_store *st, bool dangling, struct gt_prune_report *rep,
                   struct gt_error *err);

/* Checks the store: every blob re-hashed, every image's blobs present and
 * readable, its layers unpacked, every snapshot consistent (snapshot.h).
 * report is called per problem; returns the number of problems or < 0. */
int gt_image_store_verify(struct gt_image_store *st,
                    void (*report)(const char *what, const char *problem, void *ctx), void *ctx,
                    struct gt_error *err);

/* Copies a file (or fd) into the content store, checking digest and size
 * (expected_size < 0: unknown).  *digest_out (may be NULL) as in content.h;
 * *existed (may be NULL) tells whether the blob was there already. */
int gt_image_store_ingest_fd(struct gt_content *cs, int fd, const char *expected_digest,
                       int64_t expected_size, char **digest_out, bool *existed,
                       struct gt_error *err);

#endif
