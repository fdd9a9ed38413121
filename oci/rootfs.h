/* oci/rootfs.h - the container's filesystem view, built by its init inside
 * its new mount namespace.
 *
 *   gt_rootfs_prepare()  before pivot_root: the propagation of "/", the
 *                        rootfs bound onto itself, every entry of "mounts"
 *                        (bind, rbind, proc, sysfs, tmpfs, devpts, mqueue,
 *                        cgroup, ...), the devices and /dev symlinks
 *   gt_rootfs_pivot()    pivot_root (or MS_MOVE + chroot with no_pivot)
 *   gt_rootfs_finish()   after pivot_root: masked and read-only paths, the
 *                        read-only root, the rootfs propagation
 *
 * Mount destinations come from the config and are resolved inside the
 * rootfs (openat2 with RESOLVE_IN_ROOT), missing directories and files
 * created there, and mounted through the resulting fd: a symlink in the
 * image cannot send a mount outside the rootfs.  Messages name the entry:
 *   "mounts[3]: mount tmpfs on /dev/shm: Invalid argument". */
#ifndef GT_OCI_ROOTFS_H
#define GT_OCI_ROOTFS_H

#include <stdbool.h>

#include "base/error.h"
#include "oci/spec.h"

/* The container's cgroup directories on the host, read by the init before
 * it enters a new cgroup namespace, for "cgroup" mounts. */
struct gt_cgroup_mount {
    char *name;     /* directory under the mount's destination: "cpu", "cpu,cpuacct", "unified"; "" for v2 alone */
    char *host_dir; /* the container's cgroup in that hierarchy */
    bool v2;
};

struct gt_rootfs_ro; /* internal */

struct gt_rootfs {
    const struct gt_spec *spec;
    bool in_userns;  /* mknod and some mounts are not allowed; flags may be locked */
    bool cgroupns;   /* the init has (or will have) a cgroup namespace of its own */
    bool no_pivot;
    struct gt_cgroup_mount *cgroups; /* owned */
    size_t n_cgroups;
    int rootfd;      /* O_PATH of the bound rootfs, during prepare */
    struct gt_rootfs_ro *ro_later; /* mounted read-write for setup, made read-only in finish */
    size_t n_ro_later;
};

void gt_rootfs_init(struct gt_rootfs *rf, const struct gt_spec *spec);
void gt_rootfs_release(struct gt_rootfs *rf);
/* Reads the host cgroup mounts and the calling process's cgroups (only when
 * the spec has a "cgroup" mount). */
int gt_rootfs_read_cgroups(struct gt_rootfs *rf, struct gt_error *err);
int gt_rootfs_prepare(struct gt_rootfs *rf, struct gt_error *err);
int gt_rootfs_pivot(struct gt_rootfs *rf, struct gt_error *err);
int gt_rootfs_finish(struct gt_rootfs *rf, struct gt_error *err);

/* Bind-mounts a pty slave onto /dev/console (after pivot_root). */
int gt_rootfs_mount_console(const char *slave, struct gt_error *err);

/* Writes linux.sysctl under /proc/sys (after pivot_root). */
int gt_rootfs_apply_sysctl(const struct gt_spec *spec, struct gt_error *err);

/* Opens `path` inside the directory rootfd (as if rootfd were "/"),
 * creating missing directories, and the last component as a directory or
 * (file) an empty file.  Returns an O_PATH fd or a negative code. */
int gt_open_in_root(int rootfd, const char *path, bool create, bool file, struct gt_error *err);

#endif
