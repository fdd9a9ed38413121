/* docker cp into a container (PUT .../archive): a tar extracted into a
 * directory of the container, as dockerd does it, but for what hostile
 * input could do.
 *
 * The destination is resolved in the container's root (its symbolic links
 * followed, inside it) and must be a directory.  Each entry is then
 * resolved from the destination with openat2(RESOLVE_IN_ROOT): the
 * destination acts as the root of the extraction, so no symbolic link,
 * the container's or the archive's, leads above it.  Refused, with a
 * message naming the entry: absolute names and names with "..", hard links
 * whose target is absolute, has "..", is missing or a directory, writing
 * through a symbolic link that the archive itself made, and device nodes.
 * Existing entries are replaced (a directory by a directory is merged; a
 * directory that is a mount point, as a volume's, is not replaced but an
 * error, where dockerd would empty the volume); with
 * no_overwrite_dir_non_dir, replacing a directory by anything else or the
 * reverse is an error, as in dockerd.  Owners come from the archive,
 * or all are the container's user with copy_uid_gid when it has one;
 * modes, times and extended attributes (but overlay's own) are kept. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/log.h"
#include "base/mem.h"
#include "engine/internal.h"
#include "image/tree.h"

struct dir_time {
    char *path;
    struct timespec ts[2];
};

struct extract {
    int dest;              /* the extraction directory */
    const char *dest_name; /* as the client named it */
    bool no_overwrite;
    bool chown;            /* every owner is uid:gid */
    uid_t uid;
    gid_t gid;
    struct archive *a;
    json_t *links;         /* names of the symbolic links this archive made */
    char *cached_dir;      /* the last parent directory opened */
    int cached_fd;
    struct dir_time *dirs;
    size_t n_dirs, cap_dirs;
    struct gt_error *err;
};

/* Normalises an entry's name: "." and empty components dropped; absolute
 * names and ".." refused.  "" is the destination itself. */
static int clean_name(struct extract *x, const char *raw, const char *what, char **out)
{
    if (!raw || !*raw)
        return gt_err(x->err, EINVAL, "invalid %s: it has no name", what);
    if (raw[0] == '/')
        return gt_err(x->err, EINVAL, "invalid %s \"%s\": absolute paths are refused", what, raw);
    char *res = gt_xmalloc(strlen(raw) + 1);
    size_t o = 0;
    for (const char *p = raw; *p;) {
        const char *e = strchrnul(p, '/');
        size_t n = (size_t)(e - p);
        if (n == 2 && p[0] == '.' && p[1] == '.') {
            free(res);
            return gt_err(x->err, EINVAL,
                          "invalid %s \"%s\": \"..\" is refused (it could lead outside the "
                          "destination)",
                          what, raw);
        }
        if (n > 0 && !(n == 1 && p[0] == '.')) {
            if (o)
                res[o++] = '/';
            memcpy(res + o, p, n);
            o += n;
        }
        p = *e ? e + 1 : e;
    }
    res[o] = '\0';
    *out = res;
    return 0;
}

/* Refuses a path that goes through a symbolic link the archive made. */
static int check_links(struct extract *x, const char *path, const char *raw)
{
    if (!json_object_size(x->links))
        return 0;
    cleanup_free char *buf = gt_xstrdup(path);
    for (char *s = strchr(buf, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        bool made = json_object_get(x->links, buf) != NULL;
        if (made)
            return gt_err(x->err, EINVAL,
                          "entry \"%s\": refusing to write through the symbolic link \"%s\" "
                          "that the archive made",
                          raw, buf);
        *s = '/';
    }
    return 0;
}

static void drop_cache(struct extract *x)
{
    if (x->cached_fd >= 0)
        close(x->cached_fd);
    x->cached_fd = -1;
    free(x->cached_dir);
    x->cached_dir = NULL;
}

/* The directory dir (relative to the destination, "" for it), made with
 * its missing parents (0755, as dockerd makes implied directories).
 * Borrowed fd. */
static int parent_fd(struct extract *x, const char *dir, const char *raw)
{
    if (!*dir)
        return x->dest;
    if (x->cached_dir && !strcmp(x->cached_dir, dir))
        return x->cached_fd;
    drop_cache(x);
    int fd = eng_ctrfs_openat(x->dest, dir, O_PATH | O_DIRECTORY);
    if (fd == -ENOENT) {
        cleanup_free char *buf = gt_xstrdup(dir);
        cleanup_close int cur = dup(x->dest);
        for (char *s = buf;; s++) {
            s = strchr(s, '/');
            if (s)
                *s = '\0';
            int next = eng_ctrfs_openat(x->dest, buf, O_PATH | O_DIRECTORY);
            if (next == -ENOENT) {
                const char *base = strrchr(buf, '/');
                base = base ? base + 1 : buf;
                if (mkdirat(cur, base, 0755) < 0 && errno != EEXIST)
                    return gt_err_sys(x->err, errno, "entry \"%s\": create directory %s", raw,
                                      buf);
                next = eng_ctrfs_openat(x->dest, buf, O_PATH | O_DIRECTORY);
            }
            if (next < 0) {
                fd = next;
                break;
            }
            close(cur);
            cur = next;
            if (!s) {
                fd = get_and_reset(&cur);
                break;
            }
            *s = '/';
        }
    }
    if (fd < 0) {
        if (fd == -ENOTDIR)
            return gt_err(x->err, ENOTDIR, "entry \"%s\": a parent of it is not a directory",
                          raw);
        return gt_err_sys(x->err, -fd, "entry \"%s\": open %s", raw, dir);
    }
    x->cached_dir = gt_xstrdup(dir);
    x->cached_fd = fd;
    return fd;
}

/* Makes way for a new entry: an existing one goes, but a directory that
 * a directory replaces (*kept). */
static int make_room(struct extract *x, int pfd, const char *base, const char *name, bool dir,
                     bool *kept)
{
    struct stat st;
    *kept = false;
    if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : gt_err_sys(x->err, errno, "entry \"%s\": lstat", name);
    bool is_dir = S_ISDIR(st.st_mode);
    if (x->no_overwrite && is_dir && !dir)
        return gt_err(x->err, EINVAL, "cannot overwrite directory \"%s\" with non-directory \"%s\"",
                      name, x->dest_name);
    if (x->no_overwrite && !is_dir && dir)
        return gt_err(x->err, EINVAL, "cannot overwrite non-directory \"%s\" with directory \"%s\"",
                      name, x->dest_name);
    if (is_dir && dir) {
        *kept = true;
        return 0;
    }
    if (is_dir) {
        /* a volume's contents would go before its mount point refused */
        struct statx sx;
        if (statx(pfd, base, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &sx) == 0 &&
            (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
            (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
            return gt_err(x->err, EBUSY, "entry \"%s\": cannot replace the mount point there",
                          name);
        drop_cache(x); /* the cached parent may lie below */
    }
    int r = gt_tree_remove_at(pfd, base, x->err);
    return r < 0 ? gt_err_prefix(x->err, "entry \"%s\": replace", name) : 0;
}

static void owner_of(struct extract *x, struct archive_entry *ent, uid_t *uid, gid_t *gid)
{
    *uid = x->chown ? x->uid : (uid_t)archive_entry_uid(ent);
    *gid = x->chown ? x->gid : (gid_t)archive_entry_gid(ent);
}

static void entry_times(struct archive_entry *ent, struct timespec ts[2])
{
    ts[1].tv_sec = archive_entry_mtime(ent);
    ts[1].tv_nsec = archive_entry_mtime_nsec(ent);
    ts[0] = ts[1];
    if (archive_entry_atime_is_set(ent) && archive_entry_atime(ent) > ts[1].tv_sec) {
        ts[0].tv_sec = archive_entry_atime(ent);
        ts[0].tv_nsec = archive_entry_atime_nsec(ent);
    }
}

/* Owner, mode, extended attributes and times of a regular file or a
 * directory through its fd (times of directories come at the end). */
static int set_meta_fd(struct extract *x, struct archive_entry *ent, int fd, const char *name,
                       const char *path)
{
    uid_t uid;
    gid_t gid;
    owner_of(x, ent, &uid, &gid);
    if (fchown(fd, uid, gid) < 0)
        return gt_err_sys(x->err, errno, "entry \"%s\": chown %u:%u", name, uid, gid);
    const char *xn;
    const void *xv;
    size_t xs;
    archive_entry_xattr_reset(ent);
    while (archive_entry_xattr_next(ent, &xn, &xv, &xs) == ARCHIVE_OK) {
        if (!xn || !strncmp(xn, "trusted.overlay.", 16) || !strncmp(xn, "user.overlay.", 13))
            continue;
        if (fsetxattr(fd, xn, xv, xs, 0) < 0 && errno != ENOTSUP && errno != EPERM)
            return gt_err_sys(x->err, errno, "entry \"%s\": set extended attribute %s", name, xn);
    }
    mode_t mode = archive_entry_perm(ent) & 07777;
    if (fchmod(fd, mode) < 0)
        return gt_err_sys(x->err, errno, "entry \"%s\": chmod %o", name, mode);
    struct timespec ts[2];
    entry_times(ent, ts);
    if (archive_entry_filetype(ent) == AE_IFDIR) {
        if (x->n_dirs == x->cap_dirs) {
            x->cap_dirs = x->cap_dirs * 2 + 32;
            x->dirs = gt_xrealloc(x->dirs, x->cap_dirs * sizeof *x->dirs);
        }
        x->dirs[x->n_dirs].path = gt_xstrdup(path);
        memcpy(x->dirs[x->n_dirs].ts, ts, sizeof ts);
        x->n_dirs++;
        return 0;
    }
    if (futimens(fd, ts) < 0)
        return gt_err_sys(x->err, errno, "entry \"%s\": set times", name);
    return 0;
}

/* The same for what has no fd of its own (links, fifos): by name, never
 * following a symbolic link. */
static int set_meta_at(struct extract *x, struct archive_entry *ent, int pfd, const char *base,
                       const char *name)
{
    uid_t uid;
    gid_t gid;
    owner_of(x, ent, &uid, &gid);
    if (fchownat(pfd, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
        return gt_err_sys(x->err, errno, "entry \"%s\": chown %u:%u", name, uid, gid);
    if (archive_entry_filetype(ent) != AE_IFLNK &&
        fchmodat(pfd, base, archive_entry_perm(ent) & 07777, AT_SYMLINK_NOFOLLOW) < 0)
        return gt_err_sys(x->err, errno, "entry \"%s\": chmod", name);
    struct timespec ts[2];
    entry_times(ent, ts);
    if (utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
        return gt_err_sys(x->err, errno, "entry \"%s\": set times", name);
    return 0;
}

static int write_data(struct extract *x, int fd, const char *name)
{
    for (;;) {
        const void *buf;
        size_t size;
        la_int64_t off;
        int r = archive_read_data_block(x->a, &buf, &size, &off);
        if (r == ARCHIVE_EOF)
            return 0;
        if (r < ARCHIVE_WARN)
            return gt_err(x->err, EIO, "entry \"%s\": %s", name, archive_error_string(x->a));
        const char *p = buf;
        while (size > 0) {
            ssize_t w = pwrite(fd, p, size, off);
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0)
                return gt_err_sys(x->err, errno, "entry \"%s\": write", name);
            p += w;
            off += w;
            size -= (size_t)w;
        }
    }
}

static int hard_link(struct extract *x, struct archive_entry *ent, int pfd, const char *base,
                     const char *raw)
{
    const char *target = archive_entry_hardlink(ent);
    cleanup_free char *t = NULL;
    int r = clean_name(x, target, "hard link target", &t);
    if (r < 0)
        return gt_err_prefix(x->err, "entry \"%s\"", raw);
    if (!*t)
        return gt_err(x->err, EINVAL, "entry \"%s\": a hard link to the destination", raw);
    if ((r = check_links(x, t, raw)) < 0)
        return r;
    char *slash = strrchr(t, '/');
    const char *tbase = slash ? slash + 1 : t;
    if (slash)
        *slash = '\0';
    cleanup_close int tdir = eng_ctrfs_openat(x->dest, slash ? t : "", O_PATH | O_DIRECTORY);
    struct stat st;
    if (tdir < 0 || fstatat(tdir, tbase, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return gt_err(x->err, ENOENT, "entry \"%s\": hard link target \"%s\" does not exist",
                      raw, target);
    if (S_ISDIR(st.st_mode))
        return gt_err(x->err, EINVAL, "entry \"%s\": a hard link to a directory", raw);
    if (linkat(tdir, tbase, pfd, base, 0) < 0)
        return gt_err_sys(x->err, errno, "entry \"%s\": link to \"%s\"", raw, target);
    return 0;
}

static int apply_entry(struct extract *x, struct archive_entry *ent)
{
    const char *raw = archive_entry_pathname(ent);
    cleanup_free char *path = NULL;
    int r = clean_name(x, raw, "entry name", &path);
    if (r < 0)
        return r;
    if (!*path)
        return 0; /* the destination itself */
    mode_t type = archive_entry_filetype(ent);
    bool link = archive_entry_hardlink(ent) != NULL;
    if (!link && (type == AE_IFCHR || type == AE_IFBLK))
        return gt_err(x->err, EINVAL, "entry \"%s\": device nodes are not copied into containers",
                      raw);
    if (!link && type == AE_IFSOCK)
        return 0;
    if (!link && type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK && type != AE_IFIFO)
        return gt_err(x->err, EINVAL, "entry \"%s\": unsupported file type 0%o", raw, type);
    if ((r = check_links(x, path, raw)) < 0)
        return r;
    cleanup_free char *dir = gt_xstrdup(path);
    char *slash = strrchr(dir, '/');
    cleanup_free char *base = gt_xstrdup(slash ? slash + 1 : path);
    if (slash)
        *slash = '\0';
    else
        dir[0] = '\0';
    int pfd = parent_fd(x, dir, raw);
    if (pfd < 0)
        return pfd;
    bool kept;
    if ((r = make_room(x, pfd, base, path, !link && type == AE_IFDIR, &kept)) < 0)
        return r;
    if ((pfd = parent_fd(x, dir, raw)) < 0)
        return pfd;
    json_object_del(x->links, path);

    if (link)
        return hard_link(x, ent, pfd, base, raw);
    switch (type) {
    case AE_IFREG: {
        cleanup_close int fd =
            openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
            return gt_err_sys(x->err, errno, "entry \"%s\": create", raw);
        if ((r = write_data(x, fd, raw)) < 0)
            return r;
        int64_t size = archive_entry_size(ent);
        struct stat st;
        if (fstat(fd, &st) == 0 && st.st_size < size && ftruncate(fd, size) < 0)
            return gt_err_sys(x->err, errno, "entry \"%s\": extend", raw);
        return set_meta_fd(x, ent, fd, raw, path);
    }
    case AE_IFDIR: {
        if (!kept && mkdirat(pfd, base, 0700) < 0)
            return gt_err_sys(x->err, errno, "entry \"%s\": mkdir", raw);
        cleanup_close int fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            return gt_err_sys(x->err, errno, "entry \"%s\": open", raw);
        return set_meta_fd(x, ent, fd, raw, path);
    }
    case AE_IFLNK: {
        const char *target = archive_entry_symlink(ent);
        if (!target || !*target)
            return gt_err(x->err, EINVAL, "entry \"%s\": a symbolic link without a target", raw);
        if (symlinkat(target, pfd, base) < 0)
            return gt_err_sys(x->err, errno, "entry \"%s\": symlink", raw);
        json_object_set_new_nocheck(x->links, path, json_true()); /* any bytes */
        return set_meta_at(x, ent, pfd, base, raw);
    }
    default: /* a fifo */
        if (mknodat(pfd, base, S_IFIFO | 0600, 0) < 0)
            return gt_err_sys(x->err, errno, "entry \"%s\": mkfifo", raw);
        return set_meta_at(x, ent, pfd, base, raw);
    }
}

/* Times of directories last: what was made in them changed them. */
static int apply_dir_times(struct extract *x)
{
    for (size_t i = x->n_dirs; i-- > 0;) {
        int fd = eng_ctrfs_openat(x->dest, x->dirs[i].path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
        if (fd < 0)
            continue; /* replaced later in the archive */
        int r = futimens(fd, x->dirs[i].ts);
        close(fd);
        if (r < 0)
            return gt_err_sys(x->err, errno, "set times of \"%s\"", x->dirs[i].path);
    }
    return 0;
}

static int extract_all(struct extract *x, int in_fd)
{
    archive_read_support_format_tar(x->a);
    /* only filters that libarchive runs itself: no program is started */
    archive_read_support_filter_gzip(x->a);
    archive_read_support_filter_bzip2(x->a);
    archive_read_support_filter_xz(x->a);
    archive_read_support_filter_zstd(x->a);
    archive_read_support_format_empty(x->a);
    if (archive_read_open_fd(x->a, in_fd, 64 * 1024) != ARCHIVE_OK)
        return gt_err(x->err, EINVAL, "read the archive: %s", archive_error_string(x->a));
    const char *last = NULL;
    cleanup_free char *lastbuf = NULL;
    for (;;) {
        struct archive_entry *ent;
        int ar = archive_read_next_header(x->a, &ent);
        if (ar == ARCHIVE_EOF)
            break;
        if (ar < ARCHIVE_WARN) {
            const char *msg = archive_error_string(x->a);
            if (last)
                return gt_err(x->err, EINVAL, "read the archive after entry \"%s\": %s", last,
                              msg ? msg : "corrupt tar");
            return gt_err(x->err, EINVAL, "read the archive: %s (is it a tar archive?)",
                          msg ? msg : "not a tar archive");
        }
        int r = apply_entry(x, ent);
        if (r < 0)
            return r;
        free(lastbuf);
        lastbuf = gt_xstrdup(archive_entry_pathname(ent) ? archive_entry_pathname(ent) : "");
        last = lastbuf;
    }
    return apply_dir_times(x);
}

/* docker's checkWritablePath: the mount that holds path (the deepest), or
 * the root filesystem, must be writable. */
static int check_writable(struct container *c, const char *path, struct gt_error *err)
{
    size_t best = 0;
    json_t *found = NULL, *m;
    size_t i;
    json_array_foreach(c->mounts, i, m) {
        const char *d = json_string_value(json_object_get(m, "Destination"));
        cleanup_free char *dc = d ? eng_path_clean_abs(d) : NULL;
        size_t n = dc ? strlen(dc) : 0;
        if (!dc || (strcmp(dc, "/") && (strncmp(path, dc, n) || (path[n] && path[n] != '/'))))
            continue;
        if (n >= best) {
            best = n;
            found = m;
        }
    }
    if (found)
        return json_is_false(json_object_get(found, "RW"))
                   ? gt_err(err, EINVAL, "mounted volume is marked read-only")
                   : 0;
    if (json_is_true(json_object_get(c->host, "ReadonlyRootfs")))
        return gt_err(err, EINVAL, "container rootfs is marked read-only");
    return 0;
}

static int extract_into(struct ctr_fs *fs, const char *path, const char *ref,
                        const struct gt_extract_options *o, int in_fd, struct gt_error *err)
{
    struct container *c = fs->c;
    cleanup_free char *joined = gt_xasprintf("/%s", path);
    cleanup_free char *resolved = NULL;
    int r = eng_ctrfs_resolve(fs->root, joined, &resolved, err);
    if (r < 0)
        return r;
    cleanup_close int dest = eng_ctrfs_openat(fs->root, resolved, O_PATH);
    if (dest < 0)
        return eng_not_found(err, -dest, path, ref);
    struct stat st;
    if (fstat(dest, &st) < 0)
        return gt_err_sys(err, errno, "lstat %s", path);
    if (!S_ISDIR(st.st_mode))
        return gt_err(err, EINVAL, "extraction point is not a directory");
    if ((r = check_writable(c, resolved, err)) < 0)
        return r;
    struct extract x = {
        .dest = dest,
        .dest_name = resolved,
        .no_overwrite = o && o->no_overwrite_dir_non_dir,
        .a = archive_read_new(),
        .links = json_object(),
        .cached_fd = -1,
        .err = err,
    };
    const char *user = json_string_value(json_object_get(c->config, "User"));
    if (o && o->copy_uid_gid && user && *user) {
        struct ctr_user u;
        if ((r = eng_user_resolve(fs->root, user, &u, err)) < 0) {
            gt_err_prefix(err, "the user of container %s", ref);
            goto out;
        }
        x.chown = true;
        x.uid = u.uid;
        x.gid = u.gid;
    }
    r = extract_all(&x, in_fd);
out:
    drop_cache(&x);
    for (size_t i = 0; i < x.n_dirs; i++)
        free(x.dirs[i].path);
    free(x.dirs);
    json_decref(x.links);
    archive_read_free(x.a);
    return r;
}

int gt_engine_container_extract(struct gt_engine *e, const char *ref, const char *path,
                                const struct gt_extract_options *o, int fd,
                                struct gt_error *err)
{
    struct ctr_fs fs;
    int r = eng_ctrfs_open_ref(e, ref, path, &fs, err);
    if (r < 0)
        return r;
    r = extract_into(&fs, path, ref, o, fd, err);
    eng_ctrfs_done(&fs, r == 0 ? "extract-to-dir" : NULL);
    return r;
}
