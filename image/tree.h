/* image/tree.h - directory trees of snapshots, handled through fds.
 *
 * Every function here walks with openat(O_NOFOLLOW) from a directory fd:
 * a symbolic link inside a tree is an entry of the tree, never a way out
 * of it.  Mount points are not crossed. */
#ifndef GT_IMAGE_TREE_H
#define GT_IMAGE_TREE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"

/* overlayfs' markers, which the layer snapshots use as they are. */
#define GT_OVERLAY_OPAQUE_XATTR "trusted.overlay.opaque"

/* Removes dirfd/name, recursively; a missing name is fine. */
int gt_tree_remove_at(int dirfd, const char *name, struct gt_error *err);
/* Removes everything inside the directory dirfd (not the directory). */
int gt_tree_clear(int dirfd, struct gt_error *err);

/* Applies a layer snapshot (its tree with overlay whiteouts: 0/0 character
 * devices and opaque directories) on top of the flattened tree at dst_fd,
 * the way overlayfs would show it: whiteouts delete, opaque directories
 * hide what was below, everything else is copied with owner, mode,
 * xattrs (but overlay's own), times, and hard links within the layer. */
int gt_tree_apply_layer(int src_fd, int dst_fd, struct gt_error *err);

/* Counts entries and bytes of regular files below dirfd (for checks). */
int gt_tree_usage(int dirfd, int64_t *entries, int64_t *bytes, struct gt_error *err);

/* True for overlay's whiteout: a character device 0/0. */
struct stat;
bool gt_tree_is_whiteout(const struct stat *st);

#endif
