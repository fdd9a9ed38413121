/* image/unpack.h - unpacking one layer tarball into an empty directory.
 *
 * The source is an uncompressed, gzip, zstd, bzip2 or xz tar stream (told
 * apart by its bytes).  The result is the layer's own snapshot in overlayfs
 * form: ".wh.<name>" becomes a 0/0 character device <name>, ".wh..wh..opq"
 * marks its directory opaque (trusted.overlay.opaque=y), other ".wh..wh."
 * entries (aufs bookkeeping) are dropped.  Owners, modes, xattrs (except
 * overlay's own), hard links, devices, fifos and times are kept.
 *
 * The destination is handled only through its directory fd: every parent
 * directory is opened with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS),
 * so nothing is ever written through a symbolic link or outside the root.
 * Refused, with a message naming the entry: absolute names and names with
 * "..", writing through a symbolic link (one that the layer itself made),
 * hard links whose target is absolute, has "..", or is not in the layer,
 * entries larger than max_entry_size, a layer larger in total than
 * max_total_size, device nodes when no_devices is set, a stream that is
 * not a tar or is truncated or corrupt, and a diff id that does not match.
 * Symbolic links themselves may point anywhere: they are resolved later
 * inside the container's root, never by us.
 *
 * On failure the destination holds a partial tree: the caller unpacks into
 * a temporary directory and removes it (snapshot.h does). */
#ifndef GT_IMAGE_UNPACK_H
#define GT_IMAGE_UNPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

#define GT_UNPACK_DEFAULT_MAX_ENTRY ((int64_t)64 << 30)

struct gt_unpack_opts {
    int64_t max_entry_size;       /* 0: GT_UNPACK_DEFAULT_MAX_ENTRY */
    int64_t max_total_size;       /* 0: no limit */
    bool no_devices;              /* refuse character and block devices */
    const char *expected_diff_id; /* sha256 of the uncompressed tar; NULL: not checked */
    /* The trees of the layers below, top first.  A directory that the
     * layer implies (an entry under it, but no entry for it) takes its
     * owner, mode, xattrs and times from there, as overlayfs' copy-up
     * would have; without one it is root's and 0755. */
    const int *lowers;
    size_t n_lowers;
};

struct gt_unpack_stats {
    int64_t entries;   /* entries of the tar (whiteouts included) */
    int64_t bytes;     /* bytes of regular files written */
    int64_t tar_bytes; /* size of the uncompressed tar stream */
    char diff_id[80];  /* "sha256:..." of the uncompressed tar stream */
};

/* Unpacks the tar stream read from src_fd into the directory root_fd. */
int gt_layer_unpack(int src_fd, int root_fd, const struct gt_unpack_opts *opts,
                    struct gt_unpack_stats *stats, struct gt_error *err);

/* Copies the uncompressed tar stream of src_fd to out_fd, and gives its
 * diff id (for docker-archive export). */
int gt_layer_decompress(int src_fd, int out_fd, char diff_id[80], struct gt_error *err);

#endif
