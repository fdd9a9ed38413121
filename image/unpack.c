/* image/unpack.c - layer tarball to overlay-form snapshot (see unpack.h).
 *
 * Two libarchive readers are chained: the outer one only decompresses
 * (format "raw" with the compression filters), and hashes the uncompressed
 * stream for the diff id as the inner one, a tar reader, pulls it.  One
 * pass over the blob gives both the tree and the diff id. */
#include "image/unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/mem.h"
#include "image/tree.h"

#define READ_BLOCK (256 * 1024)
#define WH_PREFIX ".wh."
#define WH_META_PREFIX ".wh..wh."
#define WH_OPAQUE ".wh..wh..opq"

/* ---- the decompressing outer reader ---- */

struct source {
    struct archive *a;
    struct sha256_ctx hash;
    int64_t n;
    uint8_t *buf;
    bool eof;
};

static void hash_hex(struct sha256_ctx *h, char out[80])
{
    uint8_t raw[SHA256_DIGEST_SIZE];
    sha256_digest(h, sizeof raw, raw);
    char *p = out + sprintf(out, "sha256:");
    for (size_t i = 0; i < sizeof raw; i++)
        p += sprintf(p, "%02x", raw[i]);
}

static void source_close(struct source *s)
{
    if (s->a)
        archive_read_free(s->a);
    free(s->buf);
    memset(s, 0, sizeof *s);
}

static int source_open(struct source *s, int fd, struct gt_error *err)
{
    memset(s, 0, sizeof *s);
    sha256_init(&s->hash);
    s->buf = gt_xmalloc(READ_BLOCK);
    s->a = archive_read_new();
    if (!s->a)
        return gt_err(err, ENOMEM, "libarchive: out of memory");
    /* Only filters that libarchive runs itself: no external programs are
     * started on behalf of a layer. */
    archive_read_support_filter_gzip(s->a);
    archive_read_support_filter_zstd(s->a);
    archive_read_support_filter_bzip2(s->a);
    archive_read_support_filter_xz(s->a);
    archive_read_support_format_raw(s->a);
    struct archive_entry *e;
    if (archive_read_open_fd(s->a, fd, READ_BLOCK) != ARCHIVE_OK ||
        archive_read_next_header(s->a, &e) != ARCHIVE_OK) {
        int r = gt_err(err, EINVAL, "read layer: %s",
                       archive_error_string(s->a) ? archive_error_string(s->a)
                                                  : "empty or unreadable stream");
        source_close(s);
        return r;
    }
    return 0;
}

/* Next uncompressed block: bytes, 0 at the end, or -1 with a message. */
static la_ssize_t source_read(struct source *s, const char **msg)
{
    if (s->eof)
        return 0;
    la_ssize_t n;
    do
        n = archive_read_data(s->a, s->buf, READ_BLOCK);
    while (n == ARCHIVE_RETRY);
    if (n < 0) {
        *msg = archive_error_string(s->a) ? archive_error_string(s->a) : "decompression failed";
        return -1;
    }
    if (n == 0) {
        s->eof = true;
        return 0;
    }
    sha256_update(&s->hash, (size_t)n, s->buf);
    s->n += n;
    return n;
}

static la_ssize_t tar_read_cb(struct archive *b, void *ud, const void **out)
{
    struct source *s = ud;
    const char *msg = NULL;
    la_ssize_t n = source_read(s, &msg);
    if (n < 0) {
        archive_set_error(b, EIO, "%s", msg);
        return -1;
    }
    *out = s->buf;
    return n;
}

/* Reads what the tar reader left (the padding after the end marker), so
 * that the diff id covers the whole stream. */
static int source_drain(struct source *s, struct gt_error *err)
{
    const char *msg = NULL;
    la_ssize_t n;
    while ((n = source_read(s, &msg)) > 0)
        ;
    if (n < 0)
        return gt_err(err, EIO, "read layer: %s", msg);
    return 0;
}

int gt_layer_decompress(int src_fd, int out_fd, char diff_id[80], struct gt_error *err)
{
    struct source s;
    int r = source_open(&s, src_fd, err);
    if (r < 0)
        return r;
    const char *msg = NULL;
    la_ssize_t n;
    while ((n = source_read(&s, &msg)) > 0) {
        if ((r = gt_write_all(out_fd, s.buf, (size_t)n)) < 0) {
            source_close(&s);
            return gt_err_sys(err, -r, "write uncompressed layer");
        }
    }
    if (n < 0) {
        r = gt_err(err, EIO, "read layer: %s", msg);
        source_close(&s);
        return r;
    }
    hash_hex(&s.hash, diff_id);
    source_close(&s);
    return 0;
}

/* ---- applying entries ---- */

struct dir_time {
    char *path;
    struct timespec ts[2];
    size_t seq; /* later records of one directory win */
};

struct unpacker {
    int root;
    const struct gt_unpack_opts *opts;
    struct gt_unpack_stats *stats;
    int64_t max_entry;
    struct archive *tar;
    /* the last parent directory opened, as tars come sorted by directory */
    char *cached_dir;
    int cached_fd;
    struct dir_time *dirs;
    size_t n_dirs, cap_dirs;
};

static int openat2_beneath(int dirfd, const char *path, int flags)
{
    struct open_how how = {
        .flags = (uint64_t)(flags | O_CLOEXEC),
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
    };
    int fd;
    do
        fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    while (fd < 0 && errno == EAGAIN);
    return fd;
}

/* Normalises an entry name: drops "." and empty components; refuses
 * absolute names and "..".  "" is the root. */
static int clean_name(const char *raw, const char *what, char **out, struct gt_error *err)
{
    if (!raw)
        return gt_err(err, EINVAL, "%s: entry without a name", what);
    if (raw[0] == '/')
        return gt_err(err, EPERM, "%s \"%s\": absolute path refused", what, raw);
    size_t len = strlen(raw);
    if (len >= PATH_MAX)
        return gt_err(err, ENAMETOOLONG, "%s \"%.64s...\": name too long", what, raw);
    char *res = gt_xmalloc(len + 1);
    size_t o = 0;
    const char *p = raw;
    while (*p) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (n == 2 && p[0] == '.' && p[1] == '.') {
            free(res);
            return gt_err(err, EPERM, "%s \"%s\": path with \"..\" refused (it could escape the root)",
                          what, raw);
        }
        if (n > NAME_MAX) {
            free(res);
            return gt_err(err, ENAMETOOLONG, "%s \"%s\": component too long", what, raw);
        }
        if (n > 0 && !(n == 1 && p[0] == '.')) {
            if (o)
                res[o++] = '/';
            memcpy(res + o, p, n);
            o += n;
        }
        p += n;
        if (*p == '/')
            p++;
    }
    res[o] = '\0';
    *out = res;
    return 0;
}

static bool skip_xattr_name(const char *name)
{
    return !strncmp(name, "trusted.overlay.", 16) || !strncmp(name, "user.overlay.", 13);
}

static void drop_cache(struct unpacker *u)
{
    if (u->cached_fd >= 0)
        close(u->cached_fd);
    u->cached_fd = -1;
    free(u->cached_dir);
    u->cached_dir = NULL;
}

/* Whether a lower tree hides what lies below it at path: an ancestor (or
 * the path) that is a whiteout, not a directory, or an opaque directory. */
static bool lower_hides(int lower, const char *path)
{
    cleanup_free char *buf = gt_xstrdup(path);
    for (char *slash = buf;; slash++) {
        slash = strchr(slash, '/');
        if (slash)
            *slash = '\0';
        cleanup_close int fd = openat2_beneath(lower, buf, O_PATH | O_NOFOLLOW);
        if (fd < 0)
            return false; /* nothing there, nothing below */
        struct stat st;
        if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode))
            return true;
        cleanup_free char *proc = gt_xasprintf("/proc/self/fd/%d", fd);
        char v[2];
        if (getxattr(proc, GT_OVERLAY_OPAQUE_XATTR, v, sizeof v) == 1 && v[0] == 'y')
            return true;
        if (!slash)
            return false;
        *slash = '/';
    }
}

static void record_dir_time(struct unpacker *u, const char *path, const struct timespec ts[2]);

/* Gives a directory that the layer only implies the metadata it has in
 * the layers below (the closest one that has it). */
static void inherit_dir(struct unpacker *u, int pfd, const char *name, const char *path)
{
    for (size_t i = 0; i < u->opts->n_lowers; i++) {
        int lower = u->opts->lowers[i];
        cleanup_close int fd = openat2_beneath(lower, path, O_PATH | O_NOFOLLOW);
        if (fd < 0) {
            if (lower_hides(lower, path))
                return;
            continue;
        }
        struct stat st;
        if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode))
            return; /* a whiteout or a file: nothing to inherit */
        if (fchownat(pfd, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) == 0)
            fchmodat(pfd, name, st.st_mode & 07777, 0);
        cleanup_free char *src = gt_xasprintf("/proc/self/fd/%d", fd);
        char names[4096];
        ssize_t n = listxattr(src, names, sizeof names);
        cleanup_close int dfd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        for (char *x = names; dfd >= 0 && n > 0 && x < names + n; x += strlen(x) + 1) {
            if (skip_xattr_name(x))
                continue;
            char val[4096];
            ssize_t vl = getxattr(src, x, val, sizeof val);
            if (vl >= 0)
                fsetxattr(dfd, x, val, (size_t)vl, 0);
        }
        struct timespec ts[2] = { st.st_atim, st.st_mtim };
        record_dir_time(u, path, ts);
        return;
    }
}

/* Creates the missing directories of dir, one component at a time, never
 * following a symbolic link.  Returns an fd. */
static int make_parents(struct unpacker *u, const char *dir, const char *entry,
                        struct gt_error *err)
{
    cleanup_close int cur = dup(u->root);
    if (cur < 0)
        return gt_err_sys(err, errno, "dup");
    cleanup_free char *buf = gt_xstrdup(dir);
    for (char *save = NULL, *c = strtok_r(buf, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
        int next = openat(cur, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0 && errno == ENOENT) {
            if (mkdirat(cur, c, 0755) < 0 && errno != EEXIST)
                return gt_err_sys(err, errno, "entry \"%s\": create parent directory %s", entry,
                                  c);
            /* the path so far: buf up to the end of this component */
            cleanup_free char *sofar = gt_xstrndup(dir, (size_t)(c - buf) + strlen(c));
            inherit_dir(u, cur, c, sofar);
            next = openat(cur, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
        if (next < 0) {
            if (errno == ELOOP || errno == ENOTDIR) {
                struct stat st;
                if (fstatat(cur, c, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
                    return gt_err(err, EPERM,
                                  "entry \"%s\": refusing to write through the symbolic link "
                                  "\"%s\"",
                                  entry, c);
                return gt_err(err, ENOTDIR, "entry \"%s\": parent \"%s\" is not a directory",
                              entry, c);
            }
            return gt_err_sys(err, errno, "entry \"%s\": open parent directory %s", entry, c);
        }
        close(cur);
        cur = next;
    }
    return get_and_reset(&cur);
}

/* The parent directory of an entry, opened beneath the root (borrowed fd). */
static int parent_fd(struct unpacker *u, const char *dir, const char *entry, struct gt_error *err)
{
    if (!*dir)
        return u->root;
    if (u->cached_dir && !strcmp(u->cached_dir, dir))
        return u->cached_fd;
    drop_cache(u);
    int fd = openat2_beneath(u->root, dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0) {
        if (errno == ELOOP)
            return gt_err(err, EPERM,
                          "entry \"%s\": refusing to write through a symbolic link in \"%s\"",
                          entry, dir);
        if (errno == EXDEV)
            return gt_err(err, EPERM, "entry \"%s\": path escapes the layer root", entry);
        if (errno == ENOTDIR)
            return gt_err(err, ENOTDIR, "entry \"%s\": a parent of it is not a directory", entry);
        if (errno != ENOENT && errno != ENOSYS)
            return gt_err_sys(err, errno, "entry \"%s\": open %s", entry, dir);
        fd = make_parents(u, dir, entry, err);
        if (fd < 0)
            return fd;
    }
    u->cached_dir = gt_xstrdup(dir);
    u->cached_fd = fd;
    return fd;
}

/* Splits "a/b/c" into "a/b" and "c" (in place). */
static const char *split(char *path, const char **base)
{
    char *slash = strrchr(path, '/');
    if (!slash) {
        *base = path;
        return "";
    }
    *slash = '\0';
    *base = slash + 1;
    return path;
}

/* Clears the way for a new entry; keeps an existing directory when the new
 * entry is one too (*kept = true). */
static int make_room(struct unpacker *u, int pfd, const char *base, bool want_dir, bool *kept,
                     const char *entry, struct gt_error *err)
{
    struct stat st;
    *kept = false;
    if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno == ENOENT)
            return 0;
        return gt_err_sys(err, errno, "entry \"%s\": stat", entry);
    }
    if (want_dir && S_ISDIR(st.st_mode)) {
        *kept = true;
        return 0;
    }
    if (S_ISDIR(st.st_mode))
        drop_cache(u); /* the cached parent may lie below it */
    int r = gt_tree_remove_at(pfd, base, err);
    if (r < 0)
        return gt_err_prefix(err, "entry \"%s\": replace", entry);
    return 0;
}

static int set_xattrs(struct archive_entry *e, int fd, bool via_proc, const char *entry,
                      struct gt_error *err)
{
    const char *name;
    const void *value;
    size_t size;
    if (archive_entry_xattr_reset(e) == 0)
        return 0;
    cleanup_free char *proc = via_proc ? gt_xasprintf("/proc/self/fd/%d", fd) : NULL;
    while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
        if (!name || skip_xattr_name(name))
            continue;
        int r = via_proc ? setxattr(proc, name, value, size, 0) : fsetxattr(fd, name, value, size, 0);
        if (r < 0) {
            /* a file system without xattrs, or user.* on a symlink */
            if (errno == ENOTSUP || (errno == EPERM && !strncmp(name, "user.", 5)))
                continue;
            return gt_err_sys(err, errno, "entry \"%s\": set xattr %s", entry, name);
        }
    }
    return 0;
}

static void entry_times(struct archive_entry *e, struct timespec ts[2])
{
    ts[1].tv_sec = archive_entry_mtime(e);
    ts[1].tv_nsec = archive_entry_mtime_nsec(e);
    if (archive_entry_atime_is_set(e)) {
        ts[0].tv_sec = archive_entry_atime(e);
        ts[0].tv_nsec = archive_entry_atime_nsec(e);
    } else {
        ts[0] = ts[1];
    }
}

static void record_dir_time(struct unpacker *u, const char *path, const struct timespec ts[2])
{
    if (u->n_dirs == u->cap_dirs) {
        u->cap_dirs = u->cap_dirs * 2 + 64;
        u->dirs = gt_xrealloc(u->dirs, u->cap_dirs * sizeof *u->dirs);
    }
    u->dirs[u->n_dirs].path = gt_xstrdup(path);
    u->dirs[u->n_dirs].ts[0] = ts[0];
    u->dirs[u->n_dirs].ts[1] = ts[1];
    u->dirs[u->n_dirs].seq = u->n_dirs;
    u->n_dirs++;
}

/* Owner, mode, xattrs and (except for directories) times of a new entry.
 * fd is an open fd of the entry (regular files, directories) or -1. */
static int set_meta(struct unpacker *u, struct archive_entry *e, int pfd, const char *base,
                    int fd, const char *entry, const char *path, struct gt_error *err)
{
    mode_t type = archive_entry_filetype(e);
    la_int64_t uid = archive_entry_uid(e), gid = archive_entry_gid(e);
    if (uid < 0 || uid > 0xfffffffeLL || gid < 0 || gid > 0xfffffffeLL)
        return gt_err(err, EINVAL, "entry \"%s\": owner %lld:%lld out of range", entry,
                      (long long)uid, (long long)gid);
    int r = fd >= 0 ? fchown(fd, (uid_t)uid, (gid_t)gid)
                    : fchownat(pfd, base, (uid_t)uid, (gid_t)gid, AT_SYMLINK_NOFOLLOW);
    if (r < 0)
        return gt_err_sys(err, errno, "entry \"%s\": chown %lld:%lld", entry, (long long)uid,
                          (long long)gid);
    mode_t mode = archive_entry_perm(e) & 07777;
    if (type != AE_IFLNK) {
        r = fd >= 0 ? fchmod(fd, mode) : fchmodat(pfd, base, mode, 0);
        if (r < 0)
            return gt_err_sys(err, errno, "entry \"%s\": chmod %o", entry, mode);
    }
    if (fd >= 0) {
        if ((r = set_xattrs(e, fd, false, entry, err)) < 0)
            return r;
    } else {
        cleanup_close int pf = openat(pfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (pf < 0)
            return gt_err_sys(err, errno, "entry \"%s\": open", entry);
        if ((r = set_xattrs(e, pf, true, entry, err)) < 0)
            return r;
    }
    struct timespec ts[2];
    entry_times(e, ts);
    if (type == AE_IFDIR) {
        record_dir_time(u, path, ts);
        return 0;
    }
    r = fd >= 0 ? futimens(fd, ts) : utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW);
    if (r < 0)
        return gt_err_sys(err, errno, "entry \"%s\": set times", entry);
    return 0;
}

static int write_data(struct unpacker *u, struct archive_entry *e, int fd, const char *entry,
                      struct gt_error *err)
{
    int64_t end = 0;
    for (;;) {
        const void *buf;
        size_t size;
        la_int64_t off;
        int r = archive_read_data_block(u->tar, &buf, &size, &off);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN)
            return gt_err(err, EIO, "entry \"%s\": %s", entry, archive_error_string(u->tar));
        if (off < 0 || (int64_t)size > u->max_entry || off > u->max_entry - (int64_t)size)
            return gt_err(err, EFBIG, "entry \"%s\": larger than the limit of %lld bytes", entry,
                          (long long)u->max_entry);
        const char *p = buf;
        size_t left = size;
        int64_t at = off;
        while (left > 0) {
            ssize_t w = pwrite(fd, p, left, at);
            if (w < 0) {
                if (errno == EINTR)
                    continue;
                return gt_err_sys(err, errno, "entry \"%s\": write", entry);
            }
            p += w;
            at += w;
            left -= (size_t)w;
        }
        if (at > end)
            end = at;
    }
    int64_t size = archive_entry_size(e);
    if (archive_entry_size_is_set(e) && size > end && ftruncate(fd, size) < 0)
        return gt_err_sys(err, errno, "entry \"%s\": extend to %lld bytes", entry,
                          (long long)size);
    return 0;
}

static int apply_entry(struct unpacker *u, struct archive_entry *e, struct gt_error *err)
{
    const char *raw = archive_entry_pathname(e);
    cleanup_free char *path = NULL;
    int r = clean_name(raw, "entry", &path, err);
    if (r < 0)
        return r;
    mode_t type = archive_entry_filetype(e);
    const char *hardlink = archive_entry_hardlink(e);
    u->stats->entries++;

    if (!*path) { /* the root itself: keep its metadata */
        if (hardlink || type != AE_IFDIR)
            return gt_err(err, EINVAL, "entry \"%s\": the root must be a directory", raw);
        return set_meta(u, e, -1, ".", u->root, raw, "", err);
    }

    cleanup_free char *dirbuf = gt_xstrdup(path);
    const char *base;
    const char *dir = split(dirbuf, &base);
    int pfd = parent_fd(u, dir, raw, err);
    if (pfd < 0)
        return pfd;

    /* whiteouts */
    if (!strncmp(base, WH_PREFIX, strlen(WH_PREFIX))) {
        if (!strcmp(base, WH_OPAQUE)) {
            if (fsetxattr(pfd, GT_OVERLAY_OPAQUE_XATTR, "y", 1, 0) < 0)
                return gt_err_sys(err, errno, "entry \"%s\": mark directory opaque", raw);
            return 0;
        }
        if (!strncmp(base, WH_META_PREFIX, strlen(WH_META_PREFIX)))
            return 0;
        const char *victim = base + strlen(WH_PREFIX);
        if (!*victim || !strcmp(victim, ".") || !strcmp(victim, ".."))
            return gt_err(err, EINVAL, "entry \"%s\": invalid whiteout", raw);
        bool kept;
        if ((r = make_room(u, pfd, victim, false, &kept, raw, err)) < 0)
            return r;
        pfd = parent_fd(u, dir, raw, err);
        if (pfd < 0)
            return pfd;
        if (mknodat(pfd, victim, S_IFCHR | 0, makedev(0, 0)) < 0)
            return gt_err_sys(err, errno, "entry \"%s\": create whiteout", raw);
        return 0;
    }

    if (hardlink) {
        cleanup_free char *target = NULL;
        if ((r = clean_name(hardlink, "hardlink target", &target, err)) < 0)
            return gt_err_prefix(err, "entry \"%s\"", raw);
        if (!*target)
            return gt_err(err, EPERM, "entry \"%s\": hardlink to the root refused", raw);
        if (!strcmp(target, path))
            return 0;
        cleanup_free char *tbuf = gt_xstrdup(target);
        const char *tbase;
        const char *tdir = split(tbuf, &tbase);
        cleanup_close int tfd = *tdir ? openat2_beneath(u->root, tdir, O_PATH | O_DIRECTORY)
                                      : dup(u->root);
        struct stat st;
        if (tfd < 0 || fstatat(tfd, tbase, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            if (errno == ELOOP || errno == EXDEV)
                return gt_err(err, EPERM,
                              "entry \"%s\": hardlink target \"%s\" goes through a symbolic link",
                              raw, hardlink);
            return gt_err(err, ENOENT,
                          "entry \"%s\": hardlink target \"%s\" is not in the layer", raw,
                          hardlink);
        }
        if (S_ISDIR(st.st_mode))
            return gt_err(err, EPERM, "entry \"%s\": hardlink to a directory refused", raw);
        bool kept;
        if ((r = make_room(u, pfd, base, false, &kept, raw, err)) < 0)
            return r;
        pfd = parent_fd(u, dir, raw, err);
        if (pfd < 0)
            return pfd;
        if (linkat(tfd, tbase, pfd, base, 0) < 0)
            return gt_err_sys(err, errno, "entry \"%s\": link to \"%s\"", raw, hardlink);
        return 0;
    }

    if ((type == AE_IFCHR || type == AE_IFBLK) && u->opts->no_devices)
        return gt_err(err, EPERM, "entry \"%s\": device nodes are not allowed", raw);
    if (type == AE_IFSOCK)
        return 0; /* sockets are made by their servers, not by layers */
    if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK && type != AE_IFCHR &&
        type != AE_IFBLK && type != AE_IFIFO)
        return gt_err(err, EINVAL, "entry \"%s\": unsupported file type 0%o", raw, type);

    if (type == AE_IFREG) {
        int64_t size = archive_entry_size(e);
        if (size > u->max_entry)
            return gt_err(err, EFBIG, "entry \"%s\": %lld bytes is larger than the limit of %lld",
                          raw, (long long)size, (long long)u->max_entry);
        if (u->opts->max_total_size > 0 && u->stats->bytes + size > u->opts->max_total_size)
            return gt_err(err, EFBIG, "entry \"%s\": the layer is larger than the limit of %lld bytes",
                          raw, (long long)u->opts->max_total_size);
    }

    bool kept;
    if ((r = make_room(u, pfd, base, type == AE_IFDIR, &kept, raw, err)) < 0)
        return r;
    pfd = parent_fd(u, dir, raw, err);
    if (pfd < 0)
        return pfd;

    switch (type) {
    case AE_IFREG: {
        cleanup_close int fd =
            openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
            return gt_err_sys(err, errno, "entry \"%s\": create", raw);
        if ((r = write_data(u, e, fd, raw, err)) < 0)
            return r;
        u->stats->bytes += archive_entry_size(e);
        return set_meta(u, e, pfd, base, fd, raw, path, err);
    }
    case AE_IFDIR: {
        if (!kept && mkdirat(pfd, base, 0700) < 0)
            return gt_err_sys(err, errno, "entry \"%s\": mkdir", raw);
        cleanup_close int fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            return gt_err_sys(err, errno, "entry \"%s\": open", raw);
        return set_meta(u, e, pfd, base, fd, raw, path, err);
    }
    case AE_IFLNK: {
        const char *target = archive_entry_symlink(e);
        if (!target || !*target)
            return gt_err(err, EINVAL, "entry \"%s\": symbolic link without a target", raw);
        if (symlinkat(target, pfd, base) < 0)
            return gt_err_sys(err, errno, "entry \"%s\": symlink", raw);
        return set_meta(u, e, pfd, base, -1, raw, path, err);
    }
    default: {
        dev_t dev = (type == AE_IFCHR || type == AE_IFBLK)
                        ? makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e))
                        : 0;
        if (mknodat(pfd, base, type | 0600, dev) < 0)
            return gt_err_sys(err, errno, "entry \"%s\": mknod", raw);
        return set_meta(u, e, pfd, base, -1, raw, path, err);
    }
    }
}

static int depth_desc(const void *a, const void *b)
{
    const struct dir_time *x = a, *y = b;
    size_t dx = 0, dy = 0;
    for (const char *p = x->path; *p; p++)
        dx += *p == '/';
    for (const char *p = y->path; *p; p++)
        dy += *p == '/';
    if (*x->path)
        dx++;
    if (*y->path)
        dy++;
    if (dx != dy)
        return dx < dy ? 1 : -1;
    return x->seq < y->seq ? -1 : x->seq > y->seq ? 1 : 0;
}

/* Directory times last: creating their entries changed them. */
static int apply_dir_times(struct unpacker *u, struct gt_error *err)
{
    if (u->n_dirs)
        qsort(u->dirs, u->n_dirs, sizeof *u->dirs, depth_desc);
    for (size_t i = 0; i < u->n_dirs; i++) {
        const char *p = u->dirs[i].path;
        cleanup_close int fd = *p ? openat2_beneath(u->root, p, O_RDONLY | O_DIRECTORY) : -1;
        int target = *p ? fd : u->root;
        if (target < 0)
            continue; /* replaced later in the layer */
        if (futimens(target, u->dirs[i].ts) < 0)
            return gt_err_sys(err, errno, "set times of directory \"%s\"", p);
    }
    return 0;
}

int gt_layer_unpack(int src_fd, int root_fd, const struct gt_unpack_opts *opts,
                    struct gt_unpack_stats *stats, struct gt_error *err)
{
    static const struct gt_unpack_opts defaults;
    struct gt_unpack_stats local;
    if (!opts)
        opts = &defaults;
    if (!stats)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    struct unpacker u = {
        .root = root_fd,
        .opts = opts,
        .stats = stats,
        .max_entry = opts->max_entry_size > 0 ? opts->max_entry_size : GT_UNPACK_DEFAULT_MAX_ENTRY,
        .cached_fd = -1,
    };
    struct source s;
    int r = source_open(&s, src_fd, err);
    if (r < 0)
        return r;
    char *last = NULL;
    u.tar = archive_read_new();
    archive_read_support_format_tar(u.tar);
    if (archive_read_open(u.tar, &s, NULL, tar_read_cb, NULL) != ARCHIVE_OK) {
        r = gt_err(err, EINVAL, "read layer: %s", archive_error_string(u.tar));
        goto out;
    }
    for (;;) {
        struct archive_entry *e;
        int ar = archive_read_next_header(u.tar, &e);
        if (ar == ARCHIVE_EOF)
            break;
        if (ar < ARCHIVE_WARN) {
            const char *msg = archive_error_string(u.tar);
            if (last)
                r = gt_err(err, EINVAL, "read layer after entry \"%s\": %s", last,
                           msg ? msg : "corrupt tar");
            else
                r = gt_err(err, EINVAL, "read layer: %s (is it a tar archive?)",
                           msg ? msg : "not a tar archive");
            goto out;
        }
        free(last);
        last = gt_xstrdup(archive_entry_pathname(e) ? archive_entry_pathname(e) : "");
        if ((r = apply_entry(&u, e, err)) < 0)
            goto out;
    }
    if ((r = source_drain(&s, err)) < 0) {
        gt_err_prefix(err, "after the end of the tar");
        goto out;
    }
    if ((r = apply_dir_times(&u, err)) < 0)
        goto out;
    hash_hex(&s.hash, stats->diff_id);
    stats->tar_bytes = s.n;
    if (opts->expected_diff_id && strcmp(opts->expected_diff_id, stats->diff_id) != 0) {
        r = gt_err(err, EBADMSG, "layer content does not match its diff id: expected %s, got %s",
                   opts->expected_diff_id, stats->diff_id);
        goto out;
    }
    r = 0;
out:
    free(last);
    drop_cache(&u);
    for (size_t i = 0; i < u.n_dirs; i++)
        free(u.dirs[i].path);
    free(u.dirs);
    archive_read_free(u.tar);
    source_close(&s);
    return r;
}
