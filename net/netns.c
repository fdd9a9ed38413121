#include "net/netns.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif
#ifndef NS_GET_NSTYPE
#define NS_GET_NSTYPE _IO(0xb7, 0x3)
#endif

int gt_netns_open(const char *path, struct gt_error *err)
{
    if (!path || !*path)
        return gt_err(err, EINVAL, "no network namespace path given");
    cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return gt_err_sys(err, errno, "open network namespace %s", path);
    struct statfs st;
    if (fstatfs(fd, &st) < 0)
        return gt_err_sys(err, errno, "statfs %s", path);
    /* /proc/PID/ns/net and bind mounts of it both open to an nsfs inode */
    if (st.f_type != NSFS_MAGIC)
        return gt_err(err, EINVAL, "%s is not a namespace file", path);
    int type = ioctl(fd, NS_GET_NSTYPE);
    if (type >= 0 && type != CLONE_NEWNET)
        return gt_err(err, EINVAL, "%s is not a network namespace", path);
    return get_and_reset(&fd);
}

struct run_args {
    int nsfd;
    int (*fn)(void *, struct gt_error *);
    void *arg;
    struct gt_error *err;
    int ret;
};

static void *run_thread(void *p)
{
    struct run_args *a = p;
    if (a->nsfd >= 0 && setns(a->nsfd, CLONE_NEWNET) < 0) {
        a->ret = gt_err_sys(a->err, errno, "join network namespace");
        return NULL;
    }
    a->ret = a->fn(a->arg, a->err);
    return NULL;
}

int gt_netns_run(int nsfd, int (*fn)(void *arg, struct gt_error *err), void *arg,
                 struct gt_error *err)
{
    struct run_args a = { .nsfd = nsfd, .fn = fn, .arg = arg, .err = err, .ret = -EINVAL };
    pthread_t t;
    int r = pthread_create(&t, NULL, run_thread, &a);
    if (r)
        return gt_err_sys(err, r, "start a thread to enter a network namespace");
    pthread_join(t, NULL);
    return a.ret;
}

struct sysctl_args {
    const char *key;
    const char *value; /* write */
    char *buf;         /* read */
    size_t len;
};

/* Opens /proc/sys/<key> (path[len] gets that name): the fd, or negative. */
static int sysctl_open(const char *key, int flags, char *path, size_t len, struct gt_error *err)
{
    if (!key || !*key || strstr(key, "..") || key[0] == '/')
        return gt_err(err, EINVAL, "invalid sysctl key \"%s\"", key ? key : "");
    snprintf(path, len, "/proc/sys/%s", key);
    int fd = open(path, flags | O_CLOEXEC);
    return fd < 0 ? gt_err_sys(err, errno, "sysctl %s", path) : fd;
}

static int sysctl_write_here(void *p, struct gt_error *err)
{
    struct sysctl_args *a = p;
    char path[256];
    cleanup_close int fd = sysctl_open(a->key, O_WRONLY, path, sizeof path, err);
    if (fd < 0)
        return fd;
    int r = gt_write_all(fd, a->value, strlen(a->value));
    if (r < 0)
        return gt_err_sys(err, -r, "sysctl %s=%s", path, a->value);
    return 0;
}

static int sysctl_read_here(void *p, struct gt_error *err)
{
    struct sysctl_args *a = p;
    char path[256];
    cleanup_close int fd = sysctl_open(a->key, O_RDONLY, path, sizeof path, err);
    if (fd < 0)
        return fd;
    ssize_t n = gt_read_all(fd, a->buf, a->len - 1);
    if (n < 0)
        return gt_err_sys(err, (int)-n, "read sysctl %s", path);
    a->buf[n] = '\0';
    a->buf[strcspn(a->buf, "\n")] = '\0';
    return 0;
}

int gt_netns_sysctl_write(int nsfd, const char *key, const char *value, struct gt_error *err)
{
    struct sysctl_args a = { .key = key, .value = value };
    if (nsfd < 0)
        return sysctl_write_here(&a, err);
    return gt_netns_run(nsfd, sysctl_write_here, &a, err);
}

int gt_netns_sysctl_read(int nsfd, const char *key, char *buf, size_t len, struct gt_error *err)
{
    if (len < 2)
        return gt_err(err, EINVAL, "sysctl %s: buffer too small", key);
    struct sysctl_args a = { .key = key, .buf = buf, .len = len };
    if (nsfd < 0)
        return sysctl_read_here(&a, err);
    return gt_netns_run(nsfd, sysctl_read_here, &a, err);
}

/* ---- namespaces kept by a bind mount ---- */

static void *create_thread(void *p)
{
    struct run_args *a = p;
    const char *path = a->arg;
    /* a network namespace is per thread: this one moves, and ends */
    if (unshare(CLONE_NEWNET) < 0) {
        a->ret = gt_err_sys(a->err, errno, "new network namespace");
        return NULL;
    }
    if (mount("/proc/thread-self/ns/net", path, NULL, MS_BIND, NULL) < 0) {
        a->ret = gt_err_sys(a->err, errno, "bind the network namespace on %s", path);
        return NULL;
    }
    a->ret = 0;
    return NULL;
}

int gt_netns_create(const char *path, struct gt_error *err)
{
    int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
    if (fd < 0)
        return gt_err_sys(err, errno, "create %s", path);
    close(fd);
    struct run_args a = { .nsfd = -1, .arg = (void *)path, .err = err, .ret = -EINVAL };
    pthread_t t;
    int r = pthread_create(&t, NULL, create_thread, &a);
    if (r) {
        unlink(path);
        return gt_err_sys(err, r, "start a thread to make a network namespace");
    }
    pthread_join(t, NULL);
    if (a.ret < 0)
        unlink(path);
    return a.ret;
}

int gt_netns_remove(const char *path, struct gt_error *err)
{
    if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
        return gt_err_sys(err, errno, "unmount %s", path);
    if (unlink(path) < 0 && errno != ENOENT)
        return gt_err_sys(err, errno, "remove %s", path);
    return 0;
}
