/* docker cp out of a container: the stat of a path (HEAD .../archive) and
 * a tar of it (GET .../archive), as dockerd answers them.
 *
 * dockerd's names: a directory "d" is archived as "d/", "d/a", "d/sub/"
 * (a path ending in "/." as "./", "./a"; "/" as "/", "/bin/"), anything
 * else by its base name; a symbolic link is archived as a link unless the
 * path ends in "/".  Entries are in name order, a directory before what
 * it holds; hard links within the archive are kept; owners, modes and
 * modification times (whole seconds) are kept, names of owners are not;
 * of the extended attributes only security.capability; sockets are left
 * out.  The walk never follows a symbolic link, stays in the container's
 * root, and does not descend into proc or sysfs mounts. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "engine/internal.h"
#include "engine/jsonlog.h"

/* ---- paths as Go's filepath has them ---- */

char *eng_path_base(const char *p)
{
    size_t n = strlen(p);
    if (n == 0)
        return gt_xstrdup(".");
    while (n > 0 && p[n - 1] == '/')
        n--;
    if (n == 0)
        return gt_xstrdup("/");
    size_t b = n;
    while (b > 0 && p[b - 1] != '/')
        b--;
    return gt_xstrndup(p + b, n - b);
}

char *eng_path_clean_abs(const char *p)
{
    size_t len = strlen(p);
    char *out = gt_xmalloc(len + 2);
    size_t o = 0;
    for (const char *s = p; *s;) {
        while (*s == '/')
            s++;
        const char *e = strchrnul(s, '/');
        size_t n = (size_t)(e - s);
        if (n == 2 && s[0] == '.' && s[1] == '.') {
            while (o > 0 && out[o - 1] != '/')
                o--;
            if (o > 0)
                o--; /* the slash before it */
        } else if (n > 0 && !(n == 1 && s[0] == '.')) {
            out[o++] = '/';
            memcpy(out + o, s, n);
            o += n;
        }
        s = e;
    }
    if (o == 0)
        out[o++] = '/';
    out[o] = '\0';
    return out;
}

/* dockerd's PreserveTrailingDotOrSeparator: the cleaned path keeps a
 * trailing "/." or "/" of the original. */
static char *preserve_trailing(const char *cleaned, const char *orig)
{
    cleanup_free char *cb = eng_path_base(cleaned), *ob = eng_path_base(orig);
    size_t n = strlen(cleaned);
    char *out = gt_xmalloc(n + 4);
    memcpy(out, cleaned, n + 1);
    if (strcmp(cb, ".") && !strcmp(ob, ".")) {
        if (out[n - 1] != '/')
            out[n++] = '/';
        out[n++] = '.';
        out[n] = '\0';
    }
    size_t on = strlen(orig);
    if (out[n - 1] != '/' && on > 0 && orig[on - 1] == '/') {
        out[n++] = '/';
        out[n] = '\0';
    }
    return out;
}

/* Go's os.FileMode of a stat mode: permission bits, its type and
 * setuid/setgid/sticky as Go numbers them. */
static uint32_t go_mode(mode_t m)
{
    uint32_t g = m & 0777;
    switch (m & S_IFMT) {
    case S_IFDIR: g |= 1u << 31; break;
    case S_IFLNK: g |= 1u << 27; break;
    case S_IFBLK: g |= 1u << 26; break;
    case S_IFCHR: g |= (1u << 26) | (1u << 21); break;
    case S_IFIFO: g |= 1u << 25; break;
    case S_IFSOCK: g |= 1u << 24; break;
    default: break;
    }
    if (m & S_ISUID)
        g |= 1u << 23;
    if (m & S_ISGID)
        g |= 1u << 22;
    if (m & S_ISVTX)
        g |= 1u << 20;
    return g;
}

int eng_not_found(struct gt_error *err, int code, const char *path, const char *ref)
{
    if (code == ENOENT)
        return gt_err(err, ENOENT, "Could not find the file %s in container %s", path, ref);
    return gt_err_sys(err, code, "lstat %s", path);
}

/* Opens path in the container (not following a final symbolic link but
 * for a trailing "/"), and its PathStat.  *fd: O_PATH. */
static int stat_path(struct ctr_fs *fs, const char *path, const char *asked, const char *ref,
                     int *fd, json_t **out, struct gt_error *err)
{
    int f = eng_ctrfs_openat(fs->root, path, O_PATH | O_NOFOLLOW);
    if (f < 0)
        return eng_not_found(err, -f, asked, ref);
    cleanup_close int fdc = f;
    struct stat st;
    if (fstat(f, &st) < 0)
        return gt_err_sys(err, errno, "lstat %s", asked);
    cleanup_free char *target = NULL;
    if (S_ISLNK(st.st_mode)) {
        int r = eng_ctrfs_resolve(fs->root, path, &target, err);
        if (r < 0)
            return r;
    }
    cleanup_free char *name = eng_path_base(path);
    /* not eng_format_time, which takes 0 for "never": a file of 1970 is one */
    char mtime[40];
    gt_jsonlog_time((int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec, mtime);
    /* names are bytes: kept as they are (Go's decoder takes what is not
     * UTF-8 as U+FFFD) */
    json_t *j = json_object();
    json_object_set_new(j, "name", json_stringn_nocheck(name, strlen(name)));
    json_object_set_new(j, "size", json_integer(st.st_size));
    json_object_set_new(j, "mode", json_integer(go_mode(st.st_mode)));
    json_object_set_new(j, "mtime", json_string(mtime));
    json_object_set_new(j, "linkTarget",
                        json_stringn_nocheck(target ? target : "", target ? strlen(target) : 0));
    *out = j;
    *fd = get_and_reset(&fdc);
    return 0;
}

int gt_engine_container_stat_path(struct gt_engine *e, const char *ref, const char *path,
                                  json_t **out, struct gt_error *err)
{
    struct ctr_fs fs;
    int r = eng_ctrfs_open_ref(e, ref, path, &fs, err);
    if (r < 0)
        return r;
    int fd = -1;
    r = stat_path(&fs, path, path, ref, &fd, out, err);
    if (fd >= 0)
        close(fd);
    eng_ctrfs_done(&fs, NULL);
    return r;
}

/* ---- the tar ---- */

struct tar_out {
    struct archive *w;
    json_t *seen; /* "dev:ino" of files with several links -> the first name */
    struct gt_error *err;
};

/* Opens dirfd/name (name "": dirfd itself, an O_PATH fd), never following
 * a symbolic link. */
static int open_entry(int dirfd, const char *name, int flags)
{
    if (*name)
        return openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC);
    char p[64];
    snprintf(p, sizeof p, "/proc/self/fd/%d", dirfd);
    return open(p, flags | O_CLOEXEC);
}

static int tar_fail(struct tar_out *t, const char *name)
{
    return gt_err(t->err, EIO, "archive %s: %s", name, archive_error_string(t->w));
}

static void add_capability(struct archive_entry *ent, int fd)
{
    unsigned char cap[64];
    ssize_t n = fgetxattr(fd, "security.capability", cap, sizeof cap);
    if (n <= 0)
        return;
    /* version 3 names a root uid of a user namespace: as version 2, as
     * dockerd writes it */
    if (n > 20 && cap[3] == 3) {
        cap[3] = 2;
        n = 20;
    }
    archive_entry_xattr_add_entry(ent, "security.capability", cap, (size_t)n);
}

static int copy_data(struct tar_out *t, int fd, int64_t size, const char *name)
{
    char buf[65536];
    while (size > 0) {
        ssize_t n = read(fd, buf, size < (int64_t)sizeof buf ? (size_t)size : sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return gt_err_sys(t->err, errno, "read %s", name);
        if (n == 0)
            break; /* it shrank: the archive pads the entry */
        if (archive_write_data(t->w, buf, (size_t)n) < 0)
            return tar_fail(t, name);
        size -= n;
    }
    return 0;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Archives dirfd/name as tarname, and what it holds. */
static int emit(struct tar_out *t, int dirfd, const char *name, const char *tarname)
{
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) < 0)
        return errno == ENOENT ? 0 : gt_err_sys(t->err, errno, "lstat %s", tarname);
    if (S_ISSOCK(st.st_mode))
        return 0;
    cleanup_close int fd = -1;
    if (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)) {
        fd = open_entry(dirfd, name,
                        S_ISDIR(st.st_mode) ? O_RDONLY | O_DIRECTORY
                                            : O_RDONLY | O_NONBLOCK | O_NOCTTY);
        struct stat now;
        if (fd < 0 || fstat(fd, &now) < 0 || (now.st_mode & S_IFMT) != (st.st_mode & S_IFMT)) {
            gt_debug("archive %s: changed while read, left out", tarname);
            return 0;
        }
        st = now;
    }
    cleanup_free char *path =
        S_ISDIR(st.st_mode) ? gt_xasprintf("%s/", tarname) : gt_xstrdup(tarname);
    struct archive_entry *ent = archive_entry_new();
    archive_entry_set_pathname(ent, path);
    archive_entry_set_mode(ent, st.st_mode & (S_IFMT | 07777));
    archive_entry_set_uid(ent, st.st_uid);
    archive_entry_set_gid(ent, st.st_gid);
    archive_entry_set_mtime(ent, st.st_mtim.tv_sec, 0);
    bool data = false;
    if (S_ISREG(st.st_mode)) {
        archive_entry_set_size(ent, st.st_size);
        data = st.st_size > 0;
        if (st.st_nlink > 1) {
            char key[64];
            snprintf(key, sizeof key, "%llu:%llu", (unsigned long long)st.st_dev,
                     (unsigned long long)st.st_ino);
            const char *first = json_string_value(json_object_get(t->seen, key));
            if (first) {
                archive_entry_set_hardlink(ent, first);
                archive_entry_set_size(ent, 0);
                data = false;
            } else {
                json_object_set_new(t->seen, key, json_stringn_nocheck(path, strlen(path)));
            }
        }
    } else if (S_ISLNK(st.st_mode)) {
        char target[PATH_MAX];
        ssize_t n = readlinkat(dirfd, name, target, sizeof target - 1);
        if (n < 0) {
            archive_entry_free(ent);
            return errno == ENOENT ? 0 : gt_err_sys(t->err, errno, "readlink %s", tarname);
        }
        target[n] = '\0';
        archive_entry_set_symlink(ent, target);
    } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
        archive_entry_set_rdev(ent, st.st_rdev);
    }
    if (fd >= 0)
        add_capability(ent, fd);
    int r = 0;
    if (archive_write_header(t->w, ent) != ARCHIVE_OK)
        r = tar_fail(t, tarname);
    archive_entry_free(ent);
    if (r == 0 && data)
        r = copy_data(t, fd, st.st_size, tarname);
    if (r < 0 || !S_ISDIR(st.st_mode))
        return r;

    /* what the directory holds, unless it is the kernel's */
    struct statfs sf;
    if (fstatfs(fd, &sf) == 0 && (sf.f_type == PROC_SUPER_MAGIC || sf.f_type == SYSFS_MAGIC))
        return 0;
    cleanup_strv char **names = NULL;
    if ((r = gt_list_dir_at(fd, &names, t->err)) < 0)
        return gt_err_prefix(t->err, "archive %s", tarname);
    qsort(names, gt_strv_len(names), sizeof *names, name_cmp);
    for (char **n = names; *n && r == 0; n++) {
        cleanup_free char *child = gt_xasprintf("%s/%s", tarname, *n);
        r = emit(t, fd, *n, child);
    }
    return r;
}

int gt_engine_container_archive(struct gt_engine *e, const char *ref, const char *path,
                                void (*on_stat)(void *ctx, const json_t *stat), void *ctx,
                                int fd, struct gt_error *err)
{
    struct ctr_fs fs;
    int r = eng_ctrfs_open_ref(e, ref, path, &fs, err);
    if (r < 0)
        return r;
    cleanup_free char *clean = eng_path_clean_abs(path);
    cleanup_free char *abs = preserve_trailing(clean, path);
    cleanup_json json_t *pstat = NULL;
    int top = -1;
    if ((r = stat_path(&fs, abs, path, ref, &top, &pstat, err)) == 0) {
        if (on_stat)
            on_stat(ctx, pstat);
        cleanup_free char *base = eng_path_base(abs);
        struct tar_out t = { .w = archive_write_new(), .seen = json_object(), .err = err };
        archive_write_set_format_pax_restricted(t.w);
        archive_write_set_bytes_in_last_block(t.w, 1);
        if (archive_write_open_fd(t.w, fd) != ARCHIVE_OK)
            r = tar_fail(&t, path);
        if (r == 0)
            r = emit(&t, top, "", strcmp(base, "/") ? base : "");
        if (r == 0 && archive_write_close(t.w) != ARCHIVE_OK)
            r = tar_fail(&t, path);
        archive_write_free(t.w);
        json_decref(t.seen);
        close(top);
    }
    eng_ctrfs_done(&fs, r == 0 ? "archive-path" : NULL);
    return r;
}
