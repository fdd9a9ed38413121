/* image/changes.h - what a container's writable layer changed against its
 * image, as `docker diff` reports it.
 *
 * The writable tree is in overlay form (an overlay upper directory:
 * whiteouts are 0/0 character devices, opaque directories carry
 * trusted.overlay.opaque=y); the trees below are the image's layer
 * snapshots (snapshot.h), top first.  The result is that of docker's
 * overlay2 driver, in its order: a walk of the writable tree, names in
 * byte order, each directory before what it holds.  For each entry:
 *   - a whiteout: its path was deleted; an opaque directory: deleted too
 *     (what it holds in the writable tree is then reported entry by entry);
 *   - else modified when the path exists in some tree below (a whiteout
 *     there counts), else added; a directory that exists below with the
 *     same mode, size and modification time is not reported by itself;
 *   - the directory of an added or deleted entry is reported modified,
 *     once, just before it, unless it already was (or is "/").
 * Paths are looked up below without following any symbolic link (docker
 * follows a final one, on the host; here nothing leaves the trees).
 *
 * `ignore` names what the caller itself placed in the writable tree (the
 * mount points a runtime made: "/etc/hosts", "/proc"): such a path, when
 * no tree below has it, is left out with all it holds, and the directory
 * it was made in does not count as changed for its sake (docker keeps
 * these in an "init" layer between the image and the container). */
#ifndef GT_IMAGE_CHANGES_H
#define GT_IMAGE_CHANGES_H

#include <stddef.h>

#include "base/error.h"

enum gt_change_kind {
    GT_CHANGE_MODIFIED = 0,
    GT_CHANGE_ADDED = 1,
    GT_CHANGE_DELETED = 2,
};

struct gt_change {
    char *path; /* absolute: "/etc/motd" */
    enum gt_change_kind kind;
};

struct gt_changes {
    struct gt_change *v;
    size_t n, cap;
};

void gt_changes_release(struct gt_changes *c);

/* Fills out (empty at the call) with the changes of the tree upper_fd over
 * the trees lowers[0..n_lowers) (top first).  ignore: absolute paths,
 * NULL-terminated, or NULL.  On failure out is released. */
int gt_changes_overlay(int upper_fd, const int *lowers, size_t n_lowers, char *const *ignore,
                       struct gt_changes *out, struct gt_error *err);

#endif
