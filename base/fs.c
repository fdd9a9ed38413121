#include "base/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/mem.h"

int gt_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

ssize_t gt_read_all(int fd, void *buf, size_t len)
{
    char *p = buf;
    size_t got = 0;
    while (got < len) {
        ssize_t r = read(fd, p + got, len - got);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

int gt_read_file_at(int dirfd, const char *path, size_t max, char **out, size_t *len,
                    struct gt_error *err)
{
    cleanup_close int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return gt_err_sys(err, errno, "open %s", path);
    size_t cap = 4096, n = 0;
    cleanup_free char *buf = gt_xmalloc(cap);
    for (;;) {
        if (n + 1 >= cap) {
            cap *= 2;
            buf = gt_xrealloc(buf, cap);
        }
        ssize_t r = read(fd, buf + n, cap - n - 1);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return gt_err_sys(err, errno, "read %s", path);
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (max && n > max)
            return gt_err(err, EFBIG, "read %s: larger than %zu bytes", path, max);
    }
    buf[n] = '\0';
    if (len)
        *len = n;
    *out = steal_pointer(&buf);
    return 0;
}

int gt_read_file(const char *path, size_t max, char **out, size_t *len, struct gt_error *err)
{
    return gt_read_file_at(AT_FDCWD, path, max, out, len, err);
}

int gt_write_file(const char *path, const void *data, size_t len, mode_t mode,
                  struct gt_error *err)
{
    cleanup_close int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        return gt_err_sys(err, errno, "open %s", path);
    int r = gt_write_all(fd, data, len);
    if (r < 0)
        return gt_err_sys(err, -r, "write %s", path);
    return 0;
}

int gt_write_str_at(int dirfd, const char *path, const char *s, struct gt_error *err)
{
    cleanup_close int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return gt_err_sys(err, errno, "open %s", path);
    size_t len = strlen(s);
    ssize_t w;
    do
        w = write(fd, s, len);
    while (w < 0 && errno == EINTR);
    if (w < 0)
        return gt_err_sys(err, errno, "write \"%s\" to %s", s, path);
    return 0;
}

int gt_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
                         bool durable, struct gt_error *err)
{
    cleanup_free char *tmp = gt_xasprintf("%s.tmp.%d", path, (int)getpid());
    cleanup_close int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        return gt_err_sys(err, errno, "create %s", tmp);
    int r = gt_write_all(fd, data, len);
    if (r == 0 && durable && fsync(fd) < 0)
        r = -errno;
    if (r < 0) {
        unlink(tmp);
        return gt_err_sys(err, -r, "write %s", tmp);
    }
    if (rename(tmp, path) < 0) {
        int e = errno;
        unlink(tmp);
        return gt_err_sys(err, e, "rename %s to %s", tmp, path);
    }
    if (durable) {
        cleanup_free char *dir = gt_xstrdup(path);
        cleanup_close int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0)
            fsync(dfd);
    }
    return 0;
}

int gt_mkdir_p(const char *path, mode_t mode, struct gt_error *err)
{
    cleanup_free char *p = gt_xstrdup(path);
    size_t len = strlen(p);
    while (len > 1 && p[len - 1] == '/')
        p[--len] = '\0';
    for (char *s = p + 1; ; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(p, mode) < 0 && errno != EEXIST)
                return gt_err_sys(err, errno, "mkdir %s", p);
            *s = c;
            if (!c)
                break;
        }
    }
    struct stat st;
    if (stat(p, &st) < 0)
        return gt_err_sys(err, errno, "stat %s", p);
    if (!S_ISDIR(st.st_mode))
        return gt_err(err, ENOTDIR, "mkdir %s: exists and is not a directory", p);
    return 0;
}

static int rm_rf_at(int parent, const char *name, dev_t dev, struct gt_error *err)
{
    struct stat st;
    if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : gt_err_sys(err, errno, "stat %s", name);
    if (S_ISDIR(st.st_mode)) {
        if (st.st_dev != dev)
            return gt_err(err, EBUSY, "remove %s: a mount point is in the way", name);
        int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            return gt_err_sys(err, errno, "open %s", name);
        cleanup_dir DIR *d = fdopendir(fd);
        if (!d) {
            close(fd);
            return gt_err_sys(err, errno, "opendir %s", name);
        }
        struct dirent *de;
        while ((de = readdir(d))) {
            if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                continue;
            int r = rm_rf_at(dirfd(d), de->d_name, dev, err);
            if (r < 0)
                return gt_err_prefix(err, "%s", name);
        }
        if (unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
            return gt_err_sys(err, errno, "rmdir %s", name);
        return 0;
    }
    if (unlinkat(parent, name, 0) < 0 && errno != ENOENT)
        return gt_err_sys(err, errno, "unlink %s", name);
    return 0;
}

int gt_rm_rf(const char *path, struct gt_error *err)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return errno == ENOENT ? 0 : gt_err_sys(err, errno, "stat %s", path);
    return rm_rf_at(AT_FDCWD, path, st.st_dev, err);
}

char *gt_path_join(const char *a, const char *b)
{
    size_t la = strlen(a);
    while (la > 0 && a[la - 1] == '/')
        la--;
    while (*b == '/')
        b++;
    return gt_xasprintf("%.*s/%s", (int)la, a, b);
}

bool gt_path_exists(const char *path)
{
    return access(path, F_OK) == 0;
}

int gt_mkdir_p_open(const char *path, mode_t mode, struct gt_error *err)
{
    int r = gt_mkdir_p(path, mode, err);
    if (r < 0)
        return r;
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return fd < 0 ? gt_err_sys(err, errno, "open %s", path) : fd;
}

int gt_list_dir_at(int dirfd, char ***names, struct gt_error *err)
{
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return gt_err_sys(err, errno, "open directory");
    cleanup_dir DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return gt_err_sys(err, errno, "open directory");
    }
    char **v = gt_xcalloc(1, sizeof *v);
    size_t n = 0, cap = 1;
    struct dirent *de;
    errno = 0;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (n + 1 >= cap) {
            cap = cap * 2 + 8;
            v = gt_xrealloc(v, cap * sizeof *v);
        }
        v[n++] = gt_xstrdup(de->d_name);
        v[n] = NULL;
    }
    if (errno) {
        int e = errno;
        gt_strv_free(v);
        return gt_err_sys(err, e, "read directory");
    }
    *names = v;
    return 0;
}
