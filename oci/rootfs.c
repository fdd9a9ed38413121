#include "oci/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/mem.h"

struct gt_rootfs_ro {
    char *path;
    unsigned long flags;
};

void gt_rootfs_init(struct gt_rootfs *rf, const struct gt_spec *spec)
{
    memset(rf, 0, sizeof *rf);
    rf->spec = spec;
    rf->rootfd = -1;
}

void gt_rootfs_release(struct gt_rootfs *rf)
{
    for (size_t i = 0; i < rf->n_cgroups; i++) {
        free(rf->cgroups[i].name);
        free(rf->cgroups[i].host_dir);
    }
    free(rf->cgroups);
    for (size_t i = 0; i < rf->n_ro_later; i++)
        free(rf->ro_later[i].path);
    free(rf->ro_later);
    if (rf->rootfd >= 0)
        close(rf->rootfd);
    rf->rootfd = -1;
}

static void ro_later_push(struct gt_rootfs *rf, const char *path, unsigned long flags)
{
    rf->ro_later = gt_xrealloc(rf->ro_later, (rf->n_ro_later + 1) * sizeof *rf->ro_later);
    rf->ro_later[rf->n_ro_later++] = (struct gt_rootfs_ro){ gt_xstrdup(path), flags };
}

static int openat2_in_root(int rootfd, const char *path, int flags)
{
    struct open_how how = {
        .flags = (uint64_t)(flags | O_CLOEXEC),
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };
    while (*path == '/')
        path++;
    if (!*path)
        path = ".";
    long r;
    do
        r = syscall(SYS_openat2, rootfd, path, &how, sizeof how);
    while (r < 0 && errno == EAGAIN);
    return (int)r;
}

int gt_open_in_root(int rootfd, const char *path, bool create, bool file, struct gt_error *err)
{
    int fd = openat2_in_root(rootfd, path, O_PATH);
    if (fd >= 0 || errno != ENOENT || !create) {
        if (fd < 0)
            return gt_err_sys(err, errno, "open %s in the rootfs", path);
        return fd;
    }
    /* create the missing components one at a time, each resolved in the root */
    cleanup_free char *buf = gt_xstrdup(path);
    char *p = buf;
    while (*p == '/')
        p++;
    int parent = openat2_in_root(rootfd, ".", O_PATH);
    if (parent < 0)
        return gt_err_sys(err, errno, "open the rootfs");
    while (*p) {
        char *end = strchrnul(p, '/');
        bool last = true;
        for (char *q = end; *q; q++)
            if (*q != '/') {
                last = false;
                break;
            }
        char saved = *end;
        *end = '\0';
        int next = openat2_in_root(rootfd, buf, O_PATH);
        if (next < 0 && errno == ENOENT) {
            int r;
            if (last && file) {
                r = openat(parent, p, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
                if (r >= 0)
                    close(r);
            } else {
                r = mkdirat(parent, p, 0755);
            }
            if (r < 0 && errno != EEXIST) {
                int e = errno;
                close(parent);
                return gt_err_sys(err, e, "create %s in the rootfs", buf);
            }
            next = openat2_in_root(rootfd, buf, O_PATH);
        }
        if (next < 0) {
            int e = errno;
            close(parent);
            return gt_err_sys(err, e, "open %s in the rootfs", buf);
        }
        close(parent);
        parent = next;
        *end = saved;
        p = end;
        while (*p == '/')
            p++;
    }
    return parent;
}

#define FD_PATH(buf, fd) (snprintf(buf, sizeof buf, "/proc/self/fd/%d", fd), buf)

/* Per-mount flags that a user namespace cannot clear on a bind remount. */
static unsigned long locked_flags(const char *path)
{
    struct statvfs sv;
    if (statvfs(path, &sv) < 0)
        return 0;
    unsigned long f = 0;
    if (sv.f_flag & ST_NOSUID)
        f |= MS_NOSUID;
    if (sv.f_flag & ST_NODEV)
        f |= MS_NODEV;
    if (sv.f_flag & ST_NOEXEC)
        f |= MS_NOEXEC;
    if (sv.f_flag & ST_NOATIME)
        f |= MS_NOATIME;
    if (sv.f_flag & ST_NODIRATIME)
        f |= MS_NODIRATIME;
    if (sv.f_flag & ST_RELATIME)
        f |= MS_RELATIME;
    return f;
}

#define REMOUNT_FLAGS \
    (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME | \
     MS_STRICTATIME | MS_SYNCHRONOUS | MS_DIRSYNC | MS_MANDLOCK | MS_LAZYTIME | 256 /* nosymfollow */)

/* After a mount at dest: bind remount flags, propagation, recursive attributes. */
static int mount_finish(struct gt_rootfs *rf, size_t i, const char *dest, bool bind,
                        unsigned long remount_flags, struct gt_error *err)
{
    const struct gt_mount_opts *o = &rf->spec->mounts[i].opts;
    if (!(bind && remount_flags) && !o->propagation && !o->attr_set && !o->attr_clr)
        return 0;
    /* reopen: the fd used to mount is the directory under the new mount */
    cleanup_close int fd = gt_open_in_root(rf->rootfd, dest, false, false, err);
    if (fd < 0)
        return fd;
    char fdp[64];
    FD_PATH(fdp, fd);
    if (bind && remount_flags) {
        unsigned long f = MS_BIND | MS_REMOUNT | remount_flags;
        if (rf->in_userns)
            f |= locked_flags(fdp) & ~o->clear;
        if (mount(NULL, fdp, NULL, f, NULL) < 0)
            return gt_err_sys(err, errno, "remount %s", dest);
    }
    if (o->propagation && mount(NULL, fdp, NULL, o->propagation, NULL) < 0)
        return gt_err_sys(err, errno, "set propagation of %s", dest);
    if (o->attr_set || o->attr_clr) {
        struct mount_attr attr = { .attr_set = o->attr_set, .attr_clr = o->attr_clr };
        if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr,
                    sizeof attr) < 0)
            return gt_err_sys(err, errno, "set recursive attributes of %s", dest);
    }
    return 0;
}

static int mount_bind(struct gt_rootfs *rf, size_t i, struct gt_error *err)
{
    const struct gt_mount *m = &rf->spec->mounts[i];
    struct stat st;
    if (stat(m->source, &st) < 0)
        return gt_err_sys(err, errno, "source %s", m->source);
    cleanup_close int fd = gt_open_in_root(rf->rootfd, m->destination, true,
                                           !S_ISDIR(st.st_mode), err);
    if (fd < 0)
        return fd;
    char fdp[64];
    if (mount(m->source, FD_PATH(fdp, fd), NULL, MS_BIND | (m->opts.flags & MS_REC), NULL) < 0)
        return gt_err_sys(err, errno, "bind %s on %s", m->source, m->destination);
    return mount_finish(rf, i, m->destination, true, m->opts.flags & REMOUNT_FLAGS, err);
}

/* Copies a directory tree (tmpcopyup): the image's content of a tmpfs
 * destination stays visible on the fresh tmpfs. */
static int copy_tree(int src, int dst, struct gt_error *err)
{
    int dupfd = openat(src, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dupfd < 0)
        return gt_err_sys(err, errno, "tmpcopyup: open");
    cleanup_dir DIR *d = fdopendir(dupfd);
    if (!d) {
        close(dupfd);
        return gt_err_sys(err, errno, "tmpcopyup: opendir");
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *n = de->d_name;
        if (!strcmp(n, ".") || !strcmp(n, ".."))
            continue;
        struct stat st;
        if (fstatat(src, n, &st, AT_SYMLINK_NOFOLLOW) < 0)
            return gt_err_sys(err, errno, "tmpcopyup: stat %s", n);
        if (S_ISDIR(st.st_mode)) {
            if (mkdirat(dst, n, st.st_mode & 07777) < 0 && errno != EEXIST)
                return gt_err_sys(err, errno, "tmpcopyup: mkdir %s", n);
            cleanup_close int s2 = openat(src, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            cleanup_close int d2 = openat(dst, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (s2 < 0 || d2 < 0)
                return gt_err_sys(err, errno, "tmpcopyup: open %s", n);
            int r = copy_tree(s2, d2, err);
            if (r < 0)
                return r;
        } else if (S_ISLNK(st.st_mode)) {
            char target[PATH_MAX];
            ssize_t l = readlinkat(src, n, target, sizeof target - 1);
            if (l < 0)
                return gt_err_sys(err, errno, "tmpcopyup: readlink %s", n);
            target[l] = '\0';
            if (symlinkat(target, dst, n) < 0 && errno != EEXIST)
                return gt_err_sys(err, errno, "tmpcopyup: symlink %s", n);
        } else if (S_ISREG(st.st_mode)) {
            cleanup_close int in = openat(src, n, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
            cleanup_close int out = openat(dst, n, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                                           st.st_mode & 07777);
            if (in < 0 || out < 0)
                return gt_err_sys(err, errno, "tmpcopyup: copy %s", n);
            bool plain = false; /* copy_file_range across filesystems: EXDEV */
            for (;;) {
                ssize_t c;
                if (!plain) {
                    c = copy_file_range(in, NULL, out, NULL, 1 << 20, 0);
                    if (c < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS ||
                                  errno == EOPNOTSUPP)) {
                        plain = true;
                        continue;
                    }
                } else {
                    char buf[65536];
                    c = read(in, buf, sizeof buf);
                    if (c > 0 && gt_write_all(out, buf, (size_t)c) < 0)
                        c = -1;
                }
                if (c < 0)
                    return gt_err_sys(err, errno, "tmpcopyup: copy %s", n);
                if (c == 0)
                    break;
            }
        } else {
            if (mknodat(dst, n, st.st_mode, st.st_rdev) < 0 && errno != EEXIST)
                return gt_err_sys(err, errno, "tmpcopyup: mknod %s", n);
        }
        fchownat(dst, n, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
        if (!S_ISLNK(st.st_mode))
            fchmodat(dst, n, st.st_mode & 07777, 0);
    }
    return 0;
}

static int mount_fs(struct gt_rootfs *rf, size_t i, struct gt_error *err)
{
    const struct gt_mount *m = &rf->spec->mounts[i];
    cleanup_close int fd = gt_open_in_root(rf->rootfd, m->destination, true, false, err);
    if (fd < 0)
        return fd;
    unsigned long flags = m->opts.flags;
    bool tmpfs = strcmp(m->type, "tmpfs") == 0;
    cleanup_close int copysrc = -1;
    if (tmpfs && m->opts.tmpcopyup)
        copysrc = openat2_in_root(rf->rootfd, m->destination, O_RDONLY | O_DIRECTORY);
    /* devices and copied files go in before a read-only tmpfs becomes so */
    if (tmpfs && (flags & MS_RDONLY)) {
        flags &= ~MS_RDONLY;
        ro_later_push(rf, m->destination, flags & REMOUNT_FLAGS);
    }
    char fdp[64];
    FD_PATH(fdp, fd);
    const char *src = m->source && m->source[0] ? m->source : m->type;
    if (mount(src, fdp, m->type, flags, m->opts.data) < 0) {
        int e = errno;
        /* in a user namespace without its own network (sysfs) or ipc
         * (mqueue) namespace these cannot be mounted: bind the host's */
        const char *host = NULL;
        if (e == EPERM && strcmp(m->type, "sysfs") == 0)
            host = "/sys";
        else if (e == EPERM && strcmp(m->type, "mqueue") == 0)
            host = "/dev/mqueue";
        if (!host)
            return gt_err_sys(err, e, "mount %s on %s", m->type, m->destination);
        if (mount(host, fdp, NULL, MS_BIND | MS_REC, NULL) < 0)
            return gt_err_sys(err, errno, "mount %s on %s (bind of %s)", m->type,
                              m->destination, host);
        return mount_finish(rf, i, m->destination, true, flags & REMOUNT_FLAGS, err);
    }
    if (copysrc >= 0) {
        cleanup_close int dst = openat2_in_root(rf->rootfd, m->destination, O_RDONLY | O_DIRECTORY);
        if (dst < 0)
            return gt_err_sys(err, errno, "open %s", m->destination);
        int r = copy_tree(copysrc, dst, err);
        if (r < 0)
            return gt_err_prefix(err, "%s", m->destination);
    }
    return mount_finish(rf, i, m->destination, false, 0, err);
}

/* "cgroup": a tmpfs with each v1 hierarchy of the container bound into it,
 * or the v2 hierarchy itself. */
static int mount_cgroup(struct gt_rootfs *rf, size_t i, struct gt_error *err)
{
    const struct gt_mount *m = &rf->spec->mounts[i];
    unsigned long flags = m->opts.flags & REMOUNT_FLAGS;
    char fdp[64];
    if (rf->n_cgroups == 0)
        return gt_err(err, ENOENT, "no cgroup hierarchy found on the host");
    if (rf->n_cgroups == 1 && rf->cgroups[0].v2 && !rf->cgroups[0].name[0]) {
        cleanup_close int fd = gt_open_in_root(rf->rootfd, m->destination, true, false, err);
        if (fd < 0)
            return fd;
        if (rf->cgroupns && mount("cgroup2", FD_PATH(fdp, fd), "cgroup2", flags, NULL) == 0)
            return mount_finish(rf, i, m->destination, false, 0, err);
        if (mount(rf->cgroups[0].host_dir, FD_PATH(fdp, fd), NULL, MS_BIND | MS_REC, NULL) < 0)
            return gt_err_sys(err, errno, "bind %s on %s", rf->cgroups[0].host_dir,
                              m->destination);
        return mount_finish(rf, i, m->destination, true, flags, err);
    }
    {
        cleanup_close int fd = gt_open_in_root(rf->rootfd, m->destination, true, false, err);
        if (fd < 0)
            return fd;
        if (mount("tmpfs", FD_PATH(fdp, fd), "tmpfs", flags & ~MS_RDONLY, "mode=755") < 0)
            return gt_err_sys(err, errno, "mount tmpfs on %s", m->destination);
    }
    cleanup_close int dfd = gt_open_in_root(rf->rootfd, m->destination, false, false, err);
    if (dfd < 0)
        return dfd;
    for (size_t k = 0; k < rf->n_cgroups; k++) {
        const struct gt_cgroup_mount *c = &rf->cgroups[k];
        if (mkdirat(dfd, c->name, 0755) < 0 && errno != EEXIST)
            return gt_err_sys(err, errno, "mkdir %s/%s", m->destination, c->name);
        cleanup_close int sub = openat(dfd, c->name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0)
            return gt_err_sys(err, errno, "open %s/%s", m->destination, c->name);
        if (mount(c->host_dir, FD_PATH(fdp, sub), NULL, MS_BIND | MS_REC, NULL) < 0)
            return gt_err_sys(err, errno, "bind %s on %s/%s", c->host_dir, m->destination,
                              c->name);
        cleanup_close int sub2 = openat(dfd, c->name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub2 < 0)
            return gt_err_sys(err, errno, "open %s/%s", m->destination, c->name);
        FD_PATH(fdp, sub2);
        unsigned long f = MS_BIND | MS_REMOUNT | flags | MS_NOSUID | MS_NODEV | MS_NOEXEC;
        if (rf->in_userns)
            f |= locked_flags(fdp);
        if (mount(NULL, fdp, NULL, f, NULL) < 0)
            return gt_err_sys(err, errno, "remount %s/%s", m->destination, c->name);
        /* co-mounted controllers: "cpu,cpuacct" is also reachable as "cpu" and "cpuacct" */
        if (strchr(c->name, ',')) {
            cleanup_free char *names = gt_xstrdup(c->name);
            char *save = NULL;
            for (char *t = strtok_r(names, ",", &save); t; t = strtok_r(NULL, ",", &save))
                if (symlinkat(c->name, dfd, t) < 0 && errno != EEXIST)
                    return gt_err_sys(err, errno, "symlink %s/%s", m->destination, t);
        }
    }
    if (m->opts.flags & MS_RDONLY)
        ro_later_push(rf, m->destination, flags);
    return mount_finish(rf, i, m->destination, false, 0, err);
}

int gt_rootfs_read_cgroups(struct gt_rootfs *rf, struct gt_error *err)
{
    bool wanted = false;
    for (size_t i = 0; i < rf->spec->n_mounts; i++)
        if (rf->spec->mounts[i].type && strcmp(rf->spec->mounts[i].type, "cgroup") == 0)
            wanted = true;
    if (!wanted)
        return 0;
    cleanup_free char *cg = NULL, *mi = NULL;
    if (gt_read_file("/proc/self/cgroup", 0, &cg, NULL, err) < 0 ||
        gt_read_file("/proc/self/mountinfo", 0, &mi, NULL, err) < 0)
        return gt_err_prefix(err, "cgroup mount");
    bool any_v1 = false;
    for (char *line = mi; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        /* id parent maj:min root mountpoint opts [optional...] - fstype source superopts */
        char *f[6] = { 0 };
        char *save = NULL, *tok = strtok_r(line, " ", &save);
        int n = 0;
        while (tok && n < 6) {
            f[n++] = tok;
            tok = strtok_r(NULL, " ", &save);
        }
        char *sep = tok;
        while (sep && strcmp(sep, "-") != 0)
            sep = strtok_r(NULL, " ", &save);
        char *fstype = sep ? strtok_r(NULL, " ", &save) : NULL;
        char *source = fstype ? strtok_r(NULL, " ", &save) : NULL;
        char *super = source ? strtok_r(NULL, " ", &save) : NULL;
        line = nl ? nl + 1 : NULL;
        if (n < 5 || !super)
            continue;
        bool v2 = strcmp(fstype, "cgroup2") == 0;
        if (!v2 && strcmp(fstype, "cgroup") != 0)
            continue;
        const char *root = f[3], *mnt = f[4];
        /* find this hierarchy's line in /proc/self/cgroup */
        const char *path = NULL;
        size_t plen = 0;
        for (const char *c = cg; c && *c;) {
            const char *cnl = strchrnul(c, '\n');
            const char *c1 = memchr(c, ':', (size_t)(cnl - c));
            const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(cnl - c1 - 1)) : NULL;
            if (c2) {
                size_t cl = (size_t)(c2 - c1 - 1);
                bool match = false;
                if (v2) {
                    match = cl == 0;
                } else if (cl > 0) {
                    /* every controller of the line appears in the superblock options */
                    match = true;
                    const char *s = c1 + 1;
                    while (s < c2) {
                        const char *e = memchr(s, ',', (size_t)(c2 - s));
                        if (!e)
                            e = c2;
                        size_t tl = (size_t)(e - s);
                        bool found = false;
                        for (const char *o = super; *o;) {
                            const char *oe = strchrnul(o, ',');
                            if ((size_t)(oe - o) == tl && memcmp(o, s, tl) == 0)
                                found = true;
                            o = *oe ? oe + 1 : oe;
                        }
                        if (!found)
                            match = false;
                        s = e + 1;
                    }
                }
                if (match) {
                    path = c2 + 1;
                    plen = (size_t)(cnl - path);
                    break;
                }
            }
            c = *cnl ? cnl + 1 : cnl;
        }
        if (!path)
            continue;
        size_t rl = strlen(root);
        if (strcmp(root, "/") == 0)
            rl = 0;
        if (plen < rl || strncmp(path, root, rl) != 0)
            continue; /* this mount shows another part of the hierarchy */
        const char *base = strrchr(mnt, '/');
        base = base ? base + 1 : mnt;
        bool dup = false;
        for (size_t k = 0; k < rf->n_cgroups; k++)
            if (strcmp(rf->cgroups[k].name, base) == 0)
                dup = true;
        if (dup)
            continue;
        any_v1 |= !v2;
        rf->cgroups = gt_xrealloc(rf->cgroups, (rf->n_cgroups + 1) * sizeof *rf->cgroups);
        rf->cgroups[rf->n_cgroups++] = (struct gt_cgroup_mount){
            .name = gt_xstrdup(base),
            .host_dir = gt_xasprintf("%s%.*s", mnt, (int)(plen - rl), path + rl),
            .v2 = v2,
        };
    }
    if (!any_v1 && rf->n_cgroups == 1 && rf->cgroups[0].v2)
        rf->cgroups[0].name[0] = '\0'; /* a pure v2 host: the hierarchy is the mount itself */
    return 0;
}

static const struct gt_device default_devices[] = {
    { 'c', "/dev/null", 1, 3, true, 0666, false, false, 0, 0 },
    { 'c', "/dev/zero", 1, 5, true, 0666, false, false, 0, 0 },
    { 'c', "/dev/full", 1, 7, true, 0666, false, false, 0, 0 },
    { 'c', "/dev/random", 1, 8, true, 0666, false, false, 0, 0 },
    { 'c', "/dev/urandom", 1, 9, true, 0666, false, false, 0, 0 },
    { 'c', "/dev/tty", 5, 0, true, 0666, false, false, 0, 0 },
};

static int create_device(struct gt_rootfs *rf, const struct gt_device *d, struct gt_error *err)
{
    cleanup_free char *dir = gt_xstrdup(d->path);
    char *slash = strrchr(dir, '/');
    const char *name = d->path + (slash - dir) + 1;
    *slash = '\0';
    cleanup_close int parent = gt_open_in_root(rf->rootfd, dir[0] ? dir : "/", true, false, err);
    if (parent < 0)
        return parent;
    if (rf->in_userns) {
        /* no mknod in a user namespace: bind the host's node */
        int f = openat(parent, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0000);
        if (f < 0 && errno != EEXIST)
            return gt_err_sys(err, errno, "create %s", d->path);
        if (f >= 0)
            close(f);
        cleanup_close int t = openat(parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        char fdp[64];
        if (t < 0 || mount(d->path, FD_PATH(fdp, t), NULL, MS_BIND, NULL) < 0)
            return gt_err_sys(err, errno, "bind %s", d->path);
        return 0;
    }
    mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
    mode_t mode = (d->has_mode ? d->file_mode : 0666) & 07777;
    mode_t old = umask(0);
    int r = mknodat(parent, name, type | mode,
                    makedev((unsigned)d->major, (unsigned)d->minor));
    umask(old);
    if (r < 0) {
        if (errno == EEXIST)
            return 0;
        return gt_err_sys(err, errno, "mknod %s", d->path);
    }
    if (fchownat(parent, name, d->has_uid ? d->uid : 0, d->has_gid ? d->gid : 0,
                 AT_SYMLINK_NOFOLLOW) < 0)
        return gt_err_sys(err, errno, "chown %s", d->path);
    return 0;
}

static int setup_dev(struct gt_rootfs *rf, struct gt_error *err)
{
    const struct gt_spec *s = rf->spec;
    for (size_t i = 0; i < sizeof default_devices / sizeof default_devices[0]; i++) {
        bool overridden = false;
        for (size_t k = 0; k < s->n_devices; k++)
            if (strcmp(s->devices[k].path, default_devices[i].path) == 0)
                overridden = true;
        if (overridden)
            continue;
        int r = create_device(rf, &default_devices[i], err);
        if (r < 0)
            return gt_err_prefix(err, "default device");
    }
    for (size_t k = 0; k < s->n_devices; k++) {
        int r = create_device(rf, &s->devices[k], err);
        if (r < 0)
            return gt_err_prefix(err, "linux.devices[%zu]", k);
    }
    cleanup_close int dev = gt_open_in_root(rf->rootfd, "/dev", true, false, err);
    if (dev < 0)
        return dev;
    static const char *const links[][2] = {
        { "/proc/self/fd", "fd" },
        { "/proc/self/fd/0", "stdin" },
        { "/proc/self/fd/1", "stdout" },
        { "/proc/self/fd/2", "stderr" },
    };
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
        if (symlinkat(links[i][0], dev, links[i][1]) < 0 && errno != EEXIST)
            return gt_err_sys(err, errno, "symlink /dev/%s", links[i][1]);
    if (access("/proc/kcore", F_OK) == 0 && symlinkat("/proc/kcore", dev, "core") < 0 &&
        errno != EEXIST)
        return gt_err_sys(err, errno, "symlink /dev/core");
    /* the ptmx of the container's devpts instance */
    if (unlinkat(dev, "ptmx", 0) < 0 && errno != ENOENT)
        return gt_err_sys(err, errno, "remove /dev/ptmx");
    if (symlinkat("pts/ptmx", dev, "ptmx") < 0)
        return gt_err_sys(err, errno, "symlink /dev/ptmx");
    return 0;
}

/* The mount that holds `path`, made private: pivot_root refuses a shared parent. */
static int make_parent_private(const char *path, struct gt_error *err)
{
    cleanup_free char *mi = NULL;
    if (gt_read_file("/proc/self/mountinfo", 0, &mi, NULL, err) < 0)
        return -err->code;
    const char *best = NULL;
    size_t best_len = 0;
    char bestbuf[PATH_MAX];
    for (char *line = mi; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        char *save = NULL, *f = strtok_r(line, " ", &save);
        for (int k = 0; f && k < 4; k++)
            f = strtok_r(NULL, " ", &save);
        if (f) {
            size_t l = strlen(f);
            bool prefix = strcmp(f, "/") == 0 ||
                          (strncmp(path, f, l) == 0 && (path[l] == '/' || path[l] == '\0'));
            if (prefix && (l >= best_len || !best) && l < sizeof bestbuf) {
                memcpy(bestbuf, f, l + 1);
                best = bestbuf;
                best_len = l;
            }
        }
        line = nl ? nl + 1 : NULL;
    }
    if (best && mount(NULL, best, NULL, MS_PRIVATE, NULL) < 0)
        return gt_err_sys(err, errno, "make %s private", best);
    return 0;
}

int gt_rootfs_prepare(struct gt_rootfs *rf, struct gt_error *err)
{
    const struct gt_spec *s = rf->spec;
    unsigned long prop = s->rootfs_propagation ? s->rootfs_propagation : MS_SLAVE | MS_REC;
    /* nothing mounted from here on reaches the host's namespace */
    if (mount(NULL, "/", NULL, prop, NULL) < 0)
        return gt_err_sys(err, errno, "set propagation of /");
    if ((prop & MS_SHARED) && make_parent_private(s->root_path, err) < 0)
        return gt_err_prefix(err, "rootfs");
    if (mount(s->root_path, s->root_path, NULL, MS_BIND | MS_REC, NULL) < 0)
        return gt_err_sys(err, errno, "root.path: bind %s", s->root_path);
    rf->rootfd = open(s->root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rf->rootfd < 0)
        return gt_err_sys(err, errno, "root.path: open %s", s->root_path);
    bool dev_bound = false;
    for (size_t i = 0; i < s->n_mounts; i++) {
        const struct gt_mount *m = &s->mounts[i];
        int r;
        if (m->type && strcmp(m->type, "cgroup") == 0)
            r = mount_cgroup(rf, i, err);
        else if (m->opts.bind)
            r = mount_bind(rf, i, err);
        else
            r = mount_fs(rf, i, err);
        if (r < 0)
            return gt_err_prefix(err, "mounts[%zu]", i);
        if (m->opts.bind && strcmp(m->destination, "/dev") == 0)
            dev_bound = true;
    }
    if (!dev_bound) {
        int r = setup_dev(rf, err);
        if (r < 0)
            return r;
    }
    /* the working directory exists, as runc makes it */
    if (s->process && s->process->cwd) {
        int fd = gt_open_in_root(rf->rootfd, s->process->cwd, true, false, err);
        if (fd < 0)
            return gt_err_prefix(err, "process.cwd");
        close(fd);
    }
    return 0;
}

int gt_rootfs_pivot(struct gt_rootfs *rf, struct gt_error *err)
{
    const char *root = rf->spec->root_path;
    if (rf->rootfd >= 0) {
        close(rf->rootfd);
        rf->rootfd = -1;
    }
    if (rf->no_pivot) {
        if (chdir(root) < 0)
            return gt_err_sys(err, errno, "chdir to %s", root);
        if (mount(root, "/", NULL, MS_MOVE, NULL) < 0)
            return gt_err_sys(err, errno, "move %s to /", root);
        if (chroot(".") < 0)
            return gt_err_sys(err, errno, "chroot");
        if (chdir("/") < 0)
            return gt_err_sys(err, errno, "chdir /");
        return 0;
    }
    cleanup_close int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    cleanup_close int newroot = open(root, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (oldroot < 0 || newroot < 0)
        return gt_err_sys(err, errno, "open %s", oldroot < 0 ? "/" : root);
    if (fchdir(newroot) < 0)
        return gt_err_sys(err, errno, "chdir to %s", root);
    /* new and old root on the same directory: no put_old to create */
    if (syscall(SYS_pivot_root, ".", ".") < 0)
        return gt_err_sys(err, errno, "pivot_root to %s", root);
    if (fchdir(oldroot) < 0)
        return gt_err_sys(err, errno, "chdir to the old root");
    /* its unmount must not propagate to the host */
    if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
        return gt_err_sys(err, errno, "make the old root a slave");
    if (umount2(".", MNT_DETACH) < 0)
        return gt_err_sys(err, errno, "unmount the old root");
    if (chdir("/") < 0)
        return gt_err_sys(err, errno, "chdir /");
    return 0;
}

int gt_rootfs_mount_console(const char *slave, struct gt_error *err)
{
    int fd = open("/dev/console", O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0 && errno != EEXIST)
        return gt_err_sys(err, errno, "create /dev/console");
    if (fd >= 0)
        close(fd);
    if (mount(slave, "/dev/console", NULL, MS_BIND, NULL) < 0)
        return gt_err_sys(err, errno, "bind %s on /dev/console", slave);
    return 0;
}

int gt_rootfs_apply_sysctl(const struct gt_spec *spec, struct gt_error *err)
{
    for (size_t i = 0; i < spec->n_sysctl; i++) {
        char path[512];
        int n = snprintf(path, sizeof path, "/proc/sys/%s", spec->sysctl[i].key);
        for (int k = 10; k < n; k++)
            if (path[k] == '.')
                path[k] = '/';
        int r = gt_write_str_at(AT_FDCWD, path, spec->sysctl[i].value, err);
        if (r < 0)
            return gt_err_prefix(err, "linux.sysctl.%s", spec->sysctl[i].key);
    }
    return 0;
}

int gt_rootfs_finish(struct gt_rootfs *rf, struct gt_error *err)
{
    const struct gt_spec *s = rf->spec;
    for (size_t i = 0; s->readonly_paths && s->readonly_paths[i]; i++) {
        const char *p = s->readonly_paths[i];
        if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0) {
            if (errno == ENOENT)
                continue;
            return gt_err_sys(err, errno, "linux.readonlyPaths[%zu]: bind %s", i, p);
        }
        if (mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC | locked_flags(p),
                  NULL) < 0)
            return gt_err_sys(err, errno, "linux.readonlyPaths[%zu]: remount %s read-only", i, p);
    }
    for (size_t i = 0; s->masked_paths && s->masked_paths[i]; i++) {
        const char *p = s->masked_paths[i];
        struct stat st;
        if (stat(p, &st) < 0) {
            if (errno == ENOENT)
                continue;
            return gt_err_sys(err, errno, "linux.maskedPaths[%zu]: stat %s", i, p);
        }
        int r = S_ISDIR(st.st_mode) ? mount("tmpfs", p, "tmpfs", MS_RDONLY, "size=0")
                                    : mount("/dev/null", p, NULL, MS_BIND, NULL);
        if (r < 0)
            return gt_err_sys(err, errno, "linux.maskedPaths[%zu]: mask %s", i, p);
    }
    for (size_t i = 0; i < rf->n_ro_later; i++) {
        const struct gt_rootfs_ro *l = &rf->ro_later[i];
        if (mount(NULL, l->path, NULL, MS_REMOUNT | MS_RDONLY | l->flags, NULL) < 0)
            return gt_err_sys(err, errno, "remount %s read-only", l->path);
    }
    if (s->root_readonly &&
        mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | locked_flags("/"), NULL) < 0)
        return gt_err_sys(err, errno, "root.readonly: remount / read-only");
    if (s->rootfs_propagation && mount(NULL, "/", NULL, s->rootfs_propagation, NULL) < 0)
        return gt_err_sys(err, errno, "linux.rootfsPropagation: set propagation of /");
    return 0;
}
