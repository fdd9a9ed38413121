/* image/fsdiff.h - what a container's root filesystem changed against its
 * image, as `docker diff` reports it.
 *
 * Both sides are views: stacks of trees in overlay form (top first; a
 * whiteout, a 0/0 character device, hides what lies below at its path; an
 * opaque directory, trusted.overlay.opaque=y, hides the directories below
 * it), read as overlayfs would merge them but without a mount.  The
 * container's view is its overlay upper directory over the image's layer
 * snapshots (or, for the copy snapshotter, its whole root alone); the
 * image's view is the layer snapshots.
 *
 * The comparison is dockerd's (ChangesDirs, which its overlay2 and
 * containerd stores use): an entry only in the container is added, one
 * only in the image deleted (not what it held), one in both modified when
 * mode, owner, device number or security.capability differ, or, for what
 * is not a directory, size or modification time (equal seconds where one
 * side has no nanoseconds count as equal).  Entries that are the same
 * inode on both sides are unchanged with all they hold.  A directory that
 * holds changes and is not itself reported comes just before them as
 * modified ("/" never).  Order: dockerd walks a map; here a directory's
 * entries come in byte order of their names, each followed by what it
 * holds, and the deletions last.
 *
 * `ignore` names what the caller itself placed in the container's tree
 * (mount points that a runtime made: "/etc/hosts", "/proc"): such a path,
 * when the image has nothing there, is left out with all it holds (docker
 * keeps these in an "init" layer between the image and the container). */
#ifndef GT_IMAGE_FSDIFF_H
#define GT_IMAGE_FSDIFF_H

#include <stddef.h>

#include "base/error.h"

enum gt_fsdiff_kind {
    GT_FSDIFF_MODIFIED = 0,
    GT_FSDIFF_ADDED = 1,
    GT_FSDIFF_DELETED = 2,
};

struct gt_fsdiff_change {
    char *path; /* absolute: "/etc/motd" */
    enum gt_fsdiff_kind kind;
};

struct gt_fsdiff {
    struct gt_fsdiff_change *v;
    size_t n, cap;
};

void gt_fsdiff_release(struct gt_fsdiff *c);

/* Fills out (empty at the call) with the changes of the view of the trees
 * ctr[0..n_ctr) over the view of img[0..n_img) (directory fds, top first).
 * ignore: absolute paths, NULL-terminated, or NULL.  On failure out is
 * released. */
int gt_fsdiff_compute(const int *ctr, size_t n_ctr, const int *img, size_t n_img,
                       char *const *ignore, struct gt_fsdiff *out, struct gt_error *err);

#endif
