/* image/snapshot.h - layer snapshots and container root filesystems.
 *
 * Under <data-root>/snapshots:
 *   layers/<chain-id hex>/fs         one layer, unpacked once, read-only,
 *                                    keyed by its chain id (manifest.h)
 *   layers/<chain-id hex>/meta.json  {chainId, diffId, parent, entries, bytes}
 *   active/<key>/                    a container's writable snapshot:
 *                                    upper/ + work/ (overlay) or rootfs/ (copy)
 *   tmp/                             unpacks and creations in progress
 *
 * A layer is unpacked into tmp/, synced, then renamed into layers/: a
 * snapshot under layers/ is always complete, whatever crashed when.  Two
 * processes unpacking the same layer both succeed; one rename wins.
 *
 * Drivers: "overlay" mounts the chain (top layer first) as lowerdirs with
 * the container's upper and work dirs.  Many layers would overflow the
 * one-page option string of mount(2): the new mount API passes each layer
 * apart ("lowerdir+", Linux 6.8); older kernels get relative lowerdirs
 * from a child chdir'ed to layers/ ($GANTRY_OVERLAY_MOUNT=legacy forces
 * that path, for tests).  "copy" flattens the chain into the
 * container's rootfs/ (whiteouts applied as overlayfs would) and bind
 * mounts it: for file systems where overlay cannot be used.  The driver is
 * chosen by gt_snapshots_set_driver (the --snapshotter flag), else by
 * $GANTRY_SNAPSHOTTER, else overlay when a probe mount works, else copy.
 *
 * Snapshots reference the content store only through its leases: creating
 * a container snapshot holds a lease, so the collector cannot remove its
 * layers half-way. */
#ifndef GT_IMAGE_SNAPSHOT_H
#define GT_IMAGE_SNAPSHOT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "image/content.h"
#include "image/manifest.h"
#include "image/unpack.h"

struct gt_snapshots;

/* cs is borrowed and must outlive the returned object. */
int gt_snapshots_open(struct gt_content *cs, struct gt_snapshots **out, struct gt_error *err);
void gt_snapshots_free(struct gt_snapshots *ss);

/* "overlay" or "copy"; NULL chooses as the header says. */
int gt_snapshots_set_driver(struct gt_snapshots *ss, const char *name, struct gt_error *err);
const char *gt_snapshots_driver(struct gt_snapshots *ss);

bool gt_snapshot_layer_exists(struct gt_snapshots *ss, const char *chain_id);
/* The directory holding a layer's tree (caller frees). */
char *gt_snapshot_layer_path(struct gt_snapshots *ss, const char *chain_id);

/* Unpacks one layer (blob_fd: its blob, possibly compressed) as the
 * snapshot chain_id on top of parent (NULL for the first layer), unless
 * that snapshot exists.  opts->expected_diff_id should be set. */
int gt_snapshot_unpack_layer(struct gt_snapshots *ss, const char *chain_id, const char *parent,
                             int blob_fd, const struct gt_unpack_opts *opts,
                             struct gt_error *err);

/* Removes one layer snapshot (to undo a failed import). */
int gt_snapshot_layer_remove(struct gt_snapshots *ss, const char *chain_id, struct gt_error *err);

/* Unpacks every missing layer of an image; *top (may be NULL) gets the
 * top chain id (caller frees; NULL for an image without layers). */
int gt_snapshots_prepare_image(struct gt_snapshots *ss, const struct gt_image *img,
                               const struct gt_unpack_opts *opts, char **top,
                               struct gt_error *err);

/* Container snapshots.  key: [A-Za-z0-9_.-]{1,128}; parent: a chain id
 * (NULL for an empty root). */
int gt_snapshot_create(struct gt_snapshots *ss, const char *key, const char *parent,
                       struct gt_error *err);
/* Mounts the container snapshot at target (an existing directory). */
int gt_snapshot_mount(struct gt_snapshots *ss, const char *key, const char *target,
                      struct gt_error *err);
/* Mounts the read-only view of a chain at target (overlay: lowerdirs only;
 * copy: a flattened tmp copy is not offered, -ENOTSUP). */
int gt_snapshot_mount_view(struct gt_snapshots *ss, const char *chain_id, const char *target,
                           struct gt_error *err);
int gt_snapshot_unmount(const char *target, struct gt_error *err);
/* The changes of a container snapshot: its upper directory, opened
 * (*upper_fd, O_DIRECTORY), and its parent chain id (*parent, caller
 * frees; NULL for an empty root).  -EOPNOTSUPP for a snapshot of the copy
 * driver, which keeps no upper directory apart from the layers. */
int gt_snapshot_open_upper(struct gt_snapshots *ss, const char *key, int *upper_fd,
                           char **parent, struct gt_error *err);
/* The trees of a container snapshot, for reading them without a mount:
 * *driver ("overlay" or "copy"), *writable (overlay: its upper directory,
 * which lies over the layers; copy: its whole root, the layers flattened
 * into it), *lowers (the layer trees of its parent, top first,
 * NULL-terminated).  Caller frees all three. */
int gt_snapshot_trees(struct gt_snapshots *ss, const char *key, char **driver, char **writable,
                      char ***lowers, struct gt_error *err);
/* Removes a container snapshot (unmount it first). */
int gt_snapshot_remove(struct gt_snapshots *ss, const char *key, struct gt_error *err);
/* The chain of a layer, bottom first: NULL-terminated, caller frees. */
int gt_snapshot_chain(struct gt_snapshots *ss, const char *chain_id, char ***chain,
                      struct gt_error *err);

/* Removes the layer snapshots that are neither in keep (chain ids) nor
 * below a container snapshot, and leftovers in tmp/.  Call with the
 * content store's gc lock held. */
int gt_snapshots_gc(struct gt_snapshots *ss, char *const *keep, unsigned *removed,
                    struct gt_error *err);

/* Checks every layer snapshot (metadata, and a walk of the tree against
 * the entry and byte counts recorded when it was unpacked).  report is
 * called once per problem; returns the number of problems, or < 0. */
int gt_snapshots_verify(struct gt_snapshots *ss,
                        void (*report)(const char *what, const char *problem, void *ctx),
                        void *ctx, struct gt_error *err);

#endif
