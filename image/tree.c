/* image/tree.c - fd-relative tree operations for snapshots (see tree.h). */
#include "image/tree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/mem.h"

bool gt_tree_is_whiteout(const struct stat *st)
{
    return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

static int open_dir_at(int dirfd, const char *name)
{
    return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

static int remove_at(int dirfd, const char *name, dev_t dev, struct gt_error *err);

static int clear_dir(int fd, dev_t dev, struct gt_error *err)
{
    cleanup_strv char **names = NULL;
    int r = gt_list_dir_at(fd, &names, err);
    if (r < 0)
        return r;
    for (char **n = names; *n; n++)
        if ((r = remove_at(fd, *n, dev, err)) < 0)
            return r;
    return 0;
}

static int remove_at(int dirfd, const char *name, dev_t dev, struct gt_error *err)
{
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : gt_err_sys(err, errno, "stat %s", name);
    if (S_ISDIR(st.st_mode)) {
        if (dev && st.st_dev != dev)
            return gt_err(err, EBUSY, "remove %s: a mount point is in the way", name);
        cleanup_close int fd = open_dir_at(dirfd, name);
        if (fd < 0)
            return gt_err_sys(err, errno, "open %s", name);
        int r = clear_dir(fd, st.st_dev, err);
        if (r < 0)
            return gt_err_prefix(err, "%s", name);
        if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
            return gt_err_sys(err, errno, "rmdir %s", name);
        return 0;
    }
    if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
        return gt_err_sys(err, errno, "unlink %s", name);
    return 0;
}

int gt_tree_remove_at(int dirfd, const char *name, struct gt_error *err)
{
    return remove_at(dirfd, name, 0, err);
}

int gt_tree_clear(int dirfd, struct gt_error *err)
{
    struct stat st;
    if (fstat(dirfd, &st) < 0)
        return gt_err_sys(err, errno, "stat directory");
    return clear_dir(dirfd, st.st_dev, err);
}

/* ---- copying metadata ---- */

static char *proc_fd_path(int fd)
{
    return gt_xasprintf("/proc/self/fd/%d", fd);
}

static bool skip_xattr(const char *name)
{
    return !strncmp(name, "trusted.overlay.", 16) || !strncmp(name, "user.overlay.", 13);
}

/* Copies xattrs between two O_PATH (or ordinary) fds through /proc, which
 * also works for symbolic links and devices. */
static int copy_xattrs(int src, int dst, const char *what, struct gt_error *err)
{
    cleanup_free char *sp = proc_fd_path(src);
    cleanup_free char *dp = proc_fd_path(dst);
    ssize_t n = listxattr(sp, NULL, 0);
    if (n < 0)
        return errno == ENOTSUP ? 0 : gt_err_sys(err, errno, "list xattrs of %s", what);
    if (n == 0)
        return 0;
    cleanup_free char *names = gt_xmalloc((size_t)n);
    n = listxattr(sp, names, (size_t)n);
    if (n < 0)
        return gt_err_sys(err, errno, "list xattrs of %s", what);
    for (char *name = names; name < names + n; name += strlen(name) + 1) {
        if (skip_xattr(name))
            continue;
        ssize_t vl = getxattr(sp, name, NULL, 0);
        if (vl < 0)
            return gt_err_sys(err, errno, "read xattr %s of %s", name, what);
        cleanup_free char *val = gt_xmalloc((size_t)vl + 1);
        vl = getxattr(sp, name, val, (size_t)vl);
        if (vl < 0)
            return gt_err_sys(err, errno, "read xattr %s of %s", name, what);
        if (setxattr(dp, name, val, (size_t)vl, 0) < 0 && errno != ENOTSUP)
            return gt_err_sys(err, errno, "set xattr %s of %s", name, what);
    }
    return 0;
}

static int copy_meta(int src_dir, int dst_dir, const char *name, const struct stat *st,
                     struct gt_error *err)
{
    if (fchownat(dst_dir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
        return gt_err_sys(err, errno, "chown %s", name);
    if (!S_ISLNK(st->st_mode) && fchmodat(dst_dir, name, st->st_mode & 07777, 0) < 0)
        return gt_err_sys(err, errno, "chmod %s", name);
    cleanup_close int s = openat(src_dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    cleanup_close int d = openat(dst_dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (s < 0 || d < 0)
        return gt_err_sys(err, errno, "open %s", name);
    int r = copy_xattrs(s, d, name, err);
    if (r < 0)
        return r;
    struct timespec ts[2] = { st->st_atim, st->st_mtim };
    if (utimensat(dst_dir, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
        return gt_err_sys(err, errno, "set times of %s", name);
    return 0;
}

static int copy_data(int in, int out)
{
    if (ioctl(out, FICLONE, in) == 0)
        return 0;
    for (;;) {
        ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)
                break;
            return -errno;
        }
        if (n == 0)
            return 0;
    }
    /* plain copy from where copy_file_range stopped */
    char buf[64 * 1024];
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0)
            return 0;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w < 0) {
                if (errno == EINTR)
                    continue;
                return -errno;
            }
            off += w;
        }
    }
}

/* ---- applying a layer ---- */

struct link_seen {
    dev_t dev;
    ino_t ino;
    char *path; /* relative to the destination root */
};

struct apply_ctx {
    int dst_root;
    struct link_seen *links;
    size_t n_links, cap_links;
};

static const char *link_lookup(struct apply_ctx *c, const struct stat *st)
{
    for (size_t i = 0; i < c->n_links; i++)
        if (c->links[i].dev == st->st_dev && c->links[i].ino == st->st_ino)
            return c->links[i].path;
    return NULL;
}

static void link_remember(struct apply_ctx *c, const struct stat *st, const char *path)
{
    if (c->n_links == c->cap_links) {
        c->cap_links = c->cap_links * 2 + 16;
        c->links = gt_xrealloc(c->links, c->cap_links * sizeof *c->links);
    }
    c->links[c->n_links++] = (struct link_seen){ st->st_dev, st->st_ino, gt_xstrdup(path) };
}

static int create_entry(int src_dir, int dst_dir, const char *name, const struct stat *st,
                        struct gt_error *err)
{
    if (S_ISREG(st->st_mode)) {
        cleanup_close int in = openat(src_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (in < 0)
            return gt_err_sys(err, errno, "open %s", name);
        cleanup_close int out = openat(dst_dir, name,
                                       O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (out < 0)
            return gt_err_sys(err, errno, "create %s", name);
        int r = copy_data(in, out);
        if (r < 0)
            return gt_err_sys(err, -r, "copy %s", name);
        return 0;
    }
    if (S_ISLNK(st->st_mode)) {
        cleanup_free char *target = gt_xmalloc((size_t)st->st_size + 2);
        ssize_t n = readlinkat(src_dir, name, target, (size_t)st->st_size + 1);
        if (n < 0)
            return gt_err_sys(err, errno, "readlink %s", name);
        target[n] = '\0';
        if (symlinkat(target, dst_dir, name) < 0)
            return gt_err_sys(err, errno, "symlink %s", name);
        return 0;
    }
    if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode) || S_ISFIFO(st->st_mode) ||
        S_ISSOCK(st->st_mode)) {
        if (mknodat(dst_dir, name, st->st_mode & (S_IFMT | 07777), st->st_rdev) < 0)
            return gt_err_sys(err, errno, "mknod %s", name);
        return 0;
    }
    return gt_err(err, EINVAL, "%s: unsupported file type", name);
}

static int apply_dir(struct apply_ctx *c, int src, int dst, const char *rel,
                     struct gt_error *err)
{
    cleanup_strv char **names = NULL;
    int r = gt_list_dir_at(src, &names, err);
    if (r < 0)
        return gt_err_prefix(err, "%s", *rel ? rel : "/");
    for (char **n = names; *n; n++) {
        const char *name = *n;
        cleanup_free char *path = *rel ? gt_xasprintf("%s/%s", rel, name) : gt_xstrdup(name);
        struct stat st, dst_st;
        if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            return gt_err_sys(err, errno, "stat %s", path);
        if (gt_tree_is_whiteout(&st)) {
            if ((r = gt_tree_remove_at(dst, name, err)) < 0)
                return gt_err_prefix(err, "%s", rel);
            continue;
        }
        bool have = fstatat(dst, name, &dst_st, AT_SYMLINK_NOFOLLOW) == 0;
        if (S_ISDIR(st.st_mode)) {
            cleanup_close int sfd = open_dir_at(src, name);
            if (sfd < 0)
                return gt_err_sys(err, errno, "open %s", path);
            char v[2];
            bool opaque = fgetxattr(sfd, GT_OVERLAY_OPAQUE_XATTR, v, sizeof v) == 1 && v[0] == 'y';
            if (have && !S_ISDIR(dst_st.st_mode)) {
                if ((r = gt_tree_remove_at(dst, name, err)) < 0)
                    return r;
                have = false;
            }
            if (!have && mkdirat(dst, name, 0700) < 0)
                return gt_err_sys(err, errno, "mkdir %s", path);
            cleanup_close int dfd = open_dir_at(dst, name);
            if (dfd < 0)
                return gt_err_sys(err, errno, "open %s", path);
            if (have && opaque && (r = gt_tree_clear(dfd, err)) < 0)
                return gt_err_prefix(err, "%s", path);
            if ((r = apply_dir(c, sfd, dfd, path, err)) < 0)
                return r;
            if ((r = copy_meta(src, dst, name, &st, err)) < 0)
                return gt_err_prefix(err, "%s", rel);
            continue;
        }
        if (have && (r = gt_tree_remove_at(dst, name, err)) < 0)
            return gt_err_prefix(err, "%s", rel);
        const char *first = st.st_nlink > 1 ? link_lookup(c, &st) : NULL;
        if (first) {
            if (linkat(c->dst_root, first, dst, name, 0) < 0)
                return gt_err_sys(err, errno, "link %s to %s", path, first);
            continue;
        }
        if ((r = create_entry(src, dst, name, &st, err)) < 0 ||
            (r = copy_meta(src, dst, name, &st, err)) < 0)
            return gt_err_prefix(err, "%s", *rel ? rel : "/");
        if (st.st_nlink > 1)
            link_remember(c, &st, path);
    }
    return 0;
}

int gt_tree_apply_layer(int src_fd, int dst_fd, struct gt_error *err)
{
    struct apply_ctx c = { .dst_root = dst_fd };
    int r = apply_dir(&c, src_fd, dst_fd, "", err);
    if (r == 0) {
        /* the root takes the layer root's owner and mode */
        struct stat st;
        if (fstat(src_fd, &st) == 0) {
            if (fchown(dst_fd, st.st_uid, st.st_gid) < 0 || fchmod(dst_fd, st.st_mode & 07777) < 0)
                r = gt_err_sys(err, errno, "set owner and mode of the root");
            struct timespec ts[2] = { st.st_atim, st.st_mtim };
            if (r == 0)
                futimens(dst_fd, ts);
        }
    }
    for (size_t i = 0; i < c.n_links; i++)
        free(c.links[i].path);
    free(c.links);
    return r;
}

static int usage_dir(int fd, int64_t *entries, int64_t *bytes, struct gt_error *err)
{
    cleanup_strv char **names = NULL;
    int r = gt_list_dir_at(fd, &names, err);
    if (r < 0)
        return r;
    for (char **n = names; *n; n++) {
        struct stat st;
        if (fstatat(fd, *n, &st, AT_SYMLINK_NOFOLLOW) < 0)
            return gt_err_sys(err, errno, "stat %s", *n);
        (*entries)++;
        if (S_ISREG(st.st_mode))
            *bytes += st.st_size;
        if (S_ISDIR(st.st_mode)) {
            cleanup_close int sub = open_dir_at(fd, *n);
            if (sub < 0)
                return gt_err_sys(err, errno, "open %s", *n);
            if ((r = usage_dir(sub, entries, bytes, err)) < 0)
                return gt_err_prefix(err, "%s", *n);
        }
    }
    return 0;
}

int gt_tree_usage(int dirfd, int64_t *entries, int64_t *bytes, struct gt_error *err)
{
    *entries = 0;
    *bytes = 0;
    return usage_dir(dirfd, entries, bytes, err);
}
