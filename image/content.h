/* image/content.h - the content-addressed blob store.
 *
 * Blobs live under <data-root>/content/blobs/sha256/<hex>, written through a
 * writer: data goes to a temporary file under <data-root>/content/ingest/,
 * is hashed as it is written, and is renamed into place only when its
 * digest (and size, when known) matches what the caller expected.  A blob
 * path, once present, never changes.  Two writers of the same digest may
 * run at once (two pulls): both succeed, one rename wins.  An ingest that
 * was interrupted can be resumed from the size already written (a registry
 * Range request continues it).  Removal is by garbage collection from the
 * roots (image records) -- see gt_content_gc in the image store.
 *
 * Digests are "sha256:<64 lowercase hex>"; anything else is refused. */
#ifndef GT_IMAGE_CONTENT_H
#define GT_IMAGE_CONTENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"

struct gt_content;        /* a store, opened on a data root */
struct gt_content_writer; /* one blob being written */

int gt_content_open(const char *data_root, struct gt_content **out, struct gt_error *err);
void gt_content_free(struct gt_content *cs);

/* Checks the form "sha256:<64 hex>". */
int gt_digest_validate(const char *digest, struct gt_error *err);

/* Path of a present blob (caller frees), or -ENOENT. */
int gt_content_path(struct gt_content *cs, const char *digest, char **path,
                    struct gt_error *err);
bool gt_content_has(struct gt_content *cs, const char *digest);
/* Size of a present blob. */
int gt_content_size(struct gt_content *cs, const char *digest, int64_t *size,
                    struct gt_error *err);
/* Reads a whole (small: manifests, configs) blob; caller frees *data. */
int gt_content_read(struct gt_content *cs, const char *digest, size_t max, char **data,
                    size_t *len, struct gt_error *err);

/* Starts (or resumes) writing a blob.  expected_digest may be NULL (the
 * digest is then whatever the data hashes to); expected_size < 0 if
 * unknown.  *offset gets the number of bytes already ingested by an
 * earlier, interrupted writer of the same expected digest (0 otherwise):
 * the caller continues from there. */
int gt_content_writer_open(struct gt_content *cs, const char *expected_digest,
                           int64_t expected_size, struct gt_content_writer **out,
                           int64_t *offset, struct gt_error *err);
int gt_content_writer_write(struct gt_content_writer *w, const void *buf, size_t len,
                            struct gt_error *err);
/* Verifies digest and size, then moves the blob into place.  *digest_out
 * (may be NULL) gets the digest (caller frees).  Frees w. */
int gt_content_writer_commit(struct gt_content_writer *w, char **digest_out,
                             struct gt_error *err);
/* Keeps the partial data for a later resume (keep=true) or deletes it.
 * Frees w. */
void gt_content_writer_abort(struct gt_content_writer *w, bool keep);

/* The digest of what was written so far (caller frees); w stays usable. */
char *gt_content_writer_digest(struct gt_content_writer *w);

/* Stores a buffer in one call (manifests, configs). */
int gt_content_put(struct gt_content *cs, const void *data, size_t len,
                   const char *expected_digest, char **digest_out, struct gt_error *err);
/* Removes a blob (the image store's garbage collector calls this). */
int gt_content_delete(struct gt_content *cs, const char *digest, struct gt_error *err);

/* ---- Extensions (beyond the first contract; additive). ---- */

/* The data root the store was opened on (borrowed). */
const char *gt_content_root(struct gt_content *cs);

/* "sha256:<hex>" of a buffer (caller frees). */
char *gt_digest_of(const void *data, size_t len);
/* The 64 hex characters of a valid digest (borrowed from digest). */
const char *gt_digest_hex(const char *digest);

/* Streams a present blob into a new file descriptor (read-only). */
int gt_content_open_blob(struct gt_content *cs, const char *digest, int *fd,
                         struct gt_error *err);

/* Re-hashes a present blob: -EBADMSG (message names the blob) when its
 * content no longer matches its name. */
int gt_content_verify(struct gt_content *cs, const char *digest, struct gt_error *err);

/* Calls fn for every present blob (digest string valid during the call); a
 * non-zero return from fn stops the walk and is returned. */
int gt_content_walk(struct gt_content *cs,
                    int (*fn)(const char *digest, void *ctx), void *ctx,
                    struct gt_error *err);

/* Leases keep the garbage collector away while a pull or an import writes
 * blobs and then the record that references them: the collector
 * (gt_content_gc_lock) waits until no lease is held, in this process or in
 * any other process using the same data root.  Leases nest and may be held
 * by several threads at once. */
int gt_content_lease_begin(struct gt_content *cs, struct gt_error *err);
void gt_content_lease_end(struct gt_content *cs);
/* Exclusive side, for the collector: blocks until every lease has ended. */
int gt_content_gc_lock(struct gt_content *cs, struct gt_error *err);
void gt_content_gc_unlock(struct gt_content *cs);
/* Removes ingest files that no live writer holds (interrupted pulls);
 * call with the gc lock held.  *removed (may be NULL) gets their count. */
int gt_content_ingest_clean(struct gt_content *cs, unsigned *removed, struct gt_error *err);

#endif
