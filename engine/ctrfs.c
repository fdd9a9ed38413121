/* The files of a container, for docker cp and docker diff: a view of its
 * root filesystem with its mounts, path resolution inside that root, and
 * the changes of its writable layer.
 *
 * A running (or paused) container is seen through its own mount namespace:
 * /proc/<pid>/root, so that its volumes, bind mounts and tmpfs mounts are
 * what it sees.  Any other is given a private mount namespace of the
 * engine's, made by a short-lived thread: its snapshot mounted on its
 * rootfs directory, its volumes and bind mounts on their destinations;
 * nothing of that is visible outside, and it all goes when the namespace's
 * last reference (an fd of the view) is closed.  c->op is held meanwhile,
 * so the container cannot start on the same upper directory.
 *
 * Every path from a client is resolved with openat2(RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS) from the root: a symbolic link of the container,
 * absolute or with "..", stays inside it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/log.h"
#include "base/mem.h"
#include "engine/internal.h"
#include "image/fsdiff.h"
#include "image/snapshot.h"

int eng_ctrfs_openat(int root, const char *path, int flags)
{
    struct open_how how = {
        .flags = (uint64_t)(flags | O_CLOEXEC),
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };
    int fd;
    do
        fd = (int)syscall(SYS_openat2, root, *path ? path : ".", &how, sizeof how);
    while (fd < 0 && errno == EAGAIN);
    return fd < 0 ? -errno : fd;
}

/* ---- resolving symbolic links in the container's scope ---- */

/* Components still to walk, as a stack: the next one is the last. */
struct comps {
    char **v;
    size_t n, cap;
};

/* Puts the components of path in front of those still to walk. */
static void comps_push_path(struct comps *q, const char *path)
{
    cleanup_strv char **parts = NULL;
    cleanup_free char *copy = gt_xstrdup(path);
    for (char *save = NULL, *p = strtok_r(copy, "/", &save); p; p = strtok_r(NULL, "/", &save))
        gt_strv_push(&parts, p);
    size_t k = gt_strv_len(parts);
    if (q->n + k > q->cap) {
        q->cap = q->n + k + 8;
        q->v = gt_xrealloc(q->v, q->cap * sizeof *q->v);
    }
    for (size_t i = k; i-- > 0;)
        q->v[q->n++] = gt_xstrdup(parts[i]);
}

int eng_ctrfs_resolve(int root, const char *path, char **out, struct gt_error *err)
{
    struct comps q = { 0 };
    comps_push_path(&q, path);
    char *res = gt_xstrdup("");
    int links = 0, r = 0;
    while (q.n > 0) {
        char *c = q.v[--q.n];
        if (!strcmp(c, ".")) {
            free(c);
            continue;
        }
        if (!strcmp(c, "..")) {
            char *slash = strrchr(res, '/');
            if (slash)
                *slash = '\0';
            free(c);
            continue;
        }
        char *next = gt_xasprintf("%s/%s", res, c);
        free(c);
        int fd = eng_ctrfs_openat(root, next, O_PATH | O_NOFOLLOW);
        struct stat st;
        if (fd >= 0 && fstat(fd, &st) == 0 && S_ISLNK(st.st_mode)) {
            char target[PATH_MAX];
            ssize_t n = readlinkat(fd, "", target, sizeof target - 1);
            close(fd);
            free(next);
            if (n < 0) {
                r = gt_err_sys(err, errno, "readlink %s", path);
                break;
            }
            if (++links > 255) {
                r = gt_err(err, ELOOP, "%s: too many levels of symbolic links", path);
                break;
            }
            target[n] = '\0';
            if (target[0] == '/')
                res[0] = '\0';
            comps_push_path(&q, target);
            continue;
        }
        if (fd >= 0)
            close(fd);
        /* a missing component stays as it is written, like the rest */
        free(res);
        res = next;
    }
    for (size_t i = 0; i < q.n; i++)
        free(q.v[i]);
    free(q.v);
    if (r < 0) {
        free(res);
        return r;
    }
    if (!*res) {
        free(res);
        res = gt_xstrdup("/");
    }
    *out = res;
    return 0;
}

/* ---- the view of a stopped container ---- */

struct view_job {
    struct container *c;
    int root, ns;
    int rc;
    struct gt_error err;
};

static int depth_of(const char *p)
{
    int d = 0;
    for (; *p; p++)
        d += *p == '/';
    return d;
}

static int mount_depth_cmp(const void *a, const void *b)
{
    const char *x = json_string_value(json_object_get(*(json_t *const *)a, "Destination"));
    const char *y = json_string_value(json_object_get(*(json_t *const *)b, "Destination"));
    return depth_of(x ? x : "") - depth_of(y ? y : "");
}

/* The mount point dest (no symbolic links left in it) inside the root,
 * made when missing as docker does (a directory, or a file for a file
 * source); an O_PATH fd. */
static int mount_point(int root, const char *dest, bool dir, struct gt_error *err)
{
    cleanup_free char *copy = gt_xstrdup(dest);
    cleanup_close int cur = eng_ctrfs_openat(root, "/", O_PATH | O_DIRECTORY);
    if (cur < 0)
        return gt_err_sys(err, -cur, "open the container's root");
    char *save = NULL;
    for (char *p = strtok_r(copy, "/", &save); p;) {
        char *next_name = strtok_r(NULL, "/", &save);
        bool last = !next_name;
        int fd = openat(cur, p, O_PATH | O_NOFOLLOW | O_CLOEXEC | (last ? 0 : O_DIRECTORY));
        if (fd < 0 && errno == ENOENT) {
            if (!last || dir) {
                if (mkdirat(cur, p, 0755) < 0 && errno != EEXIST)
                    return gt_err_sys(err, errno, "create mount point %s", dest);
            } else {
                int f = openat(cur, p, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0755);
                if (f < 0)
                    return gt_err_sys(err, errno, "create mount point %s", dest);
                close(f);
            }
            fd = openat(cur, p, O_PATH | O_NOFOLLOW | O_CLOEXEC | (last ? 0 : O_DIRECTORY));
        }
        if (fd < 0)
            return gt_err_sys(err, errno, "mount point %s", dest);
        close(cur);
        cur = fd;
        p = next_name;
    }
    return get_and_reset(&cur);
}

/* Binds source on the mount point (recursively; read-only unless rw). */
static int bind_at(int root, const char *source, const char *dest, bool rw, struct gt_error *err)
{
    struct stat st;
    if (stat(source, &st) < 0) {
        gt_debug("view of a container: %s for %s: %s", source, dest, strerror(errno));
        return 0; /* a source gone: the start would fail, reading need not */
    }
    cleanup_free char *where = NULL;
    int r = eng_ctrfs_resolve(root, dest, &where, err);
    if (r < 0)
        return r;
    cleanup_close int target = mount_point(root, where, S_ISDIR(st.st_mode), err);
    if (target < 0)
        return target;
    cleanup_close int tree =
        (int)open_tree(AT_FDCWD, source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
    if (tree < 0)
        return gt_err_sys(err, errno, "mount %s on %s", source, dest);
    if (!rw) {
        struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
        if (mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
            return gt_err_sys(err, errno, "mount %s on %s read-only", source, dest);
    }
    if (move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return gt_err_sys(err, errno, "mount %s on %s", source, dest);
    return 0;
}

static int view_setup(struct view_job *j)
{
    struct container *c = j->c;
    struct gt_error *err = &j->err;
    if (unshare(CLONE_NEWNS) < 0)
        return gt_err_sys(err, errno, "unshare the mount namespace");
    /* what is mounted here must not propagate back */
    if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
        return gt_err_sys(err, errno, "make the mounts of the view private");
    cleanup_free char *target = gt_path_join(c->xdir, "rootfs");
    int r = gt_mkdir_p(c->xdir, 0711, err); /* as a start makes it */
    if (r == 0)
        r = gt_mkdir_p(target, 0755, err);
    if (r < 0)
        return r;
    /* mounted already in the engine's namespace: this one has a copy */
    if (!c->mounted && (r = gt_snapshot_mount(c->e->store->ss, c->id, target, err)) < 0)
        return gt_err_prefix(err, "mount the container's root filesystem");
    j->root = open(target, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (j->root < 0)
        return gt_err_sys(err, errno, "open %s", target);
    /* volumes and bind mounts, parents first; tmpfs mounts are empty
     * while the container is not running */
    size_t n = json_array_size(c->mounts);
    json_t **sorted = gt_xcalloc(n + 1, sizeof *sorted);
    for (size_t i = 0; i < n; i++)
        sorted[i] = json_array_get(c->mounts, i);
    qsort(sorted, n, sizeof *sorted, mount_depth_cmp);
    for (size_t i = 0; i < n && r == 0; i++) {
        const char *type = json_string_value(json_object_get(sorted[i], "Type"));
        const char *src = json_string_value(json_object_get(sorted[i], "Source"));
        const char *dst = json_string_value(json_object_get(sorted[i], "Destination"));
        if (!type || !src || !dst || (strcmp(type, "volume") && strcmp(type, "bind")))
            continue;
        r = bind_at(j->root, src, dst, !json_is_false(json_object_get(sorted[i], "RW")), err);
    }
    free(sorted);
    if (r < 0)
        return r;
    j->ns = open("/proc/thread-self/ns/mnt", O_RDONLY | O_CLOEXEC);
    if (j->ns < 0)
        return gt_err_sys(err, errno, "open the view's mount namespace");
    return 0;
}

static void *view_main(void *arg)
{
    struct view_job *j = arg;
    j->rc = view_setup(j);
    /* the thread ends, and with it its hold on the namespace: j->ns and
     * j->root keep it (and its mounts) for as long as the view is open */
    return NULL;
}

static int view_open(struct container *c, struct ctr_fs *fs, struct gt_error *err)
{
    struct view_job j = { .c = c, .root = -1, .ns = -1 };
    pthread_t th;
    int r = pthread_create(&th, NULL, view_main, &j);
    if (r)
        return gt_err_sys(err, r, "start a thread");
    pthread_join(th, NULL);
    if (j.rc < 0) {
        if (j.root >= 0)
            close(j.root);
        if (j.ns >= 0)
            close(j.ns);
        *err = j.err;
        return gt_err_prefix(err, "container %s", c->id);
    }
    fs->root = j.root;
    fs->ns = j.ns;
    return 0;
}

/* ---- opening and closing ---- */

/* A running container's root, through its init process (c->lock held). */
static int open_running(struct container *c, struct ctr_fs *fs, struct gt_error *err)
{
    char p[64];
    snprintf(p, sizeof p, "/proc/%d/root", (int)c->pid);
    fs->root = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fs->root < 0)
        return gt_err_sys(err, errno, "open the root of container %s", c->id);
    fs->running = true;
    return 0;
}

int eng_ctrfs_open(struct container *c, struct ctr_fs *fs, struct gt_error *err)
{
    memset(fs, 0, sizeof *fs);
    fs->c = c;
    fs->root = fs->ns = -1;
    pthread_mutex_lock(&c->lock);
    if (eng_ctr_is_running(c) && c->pid > 0) {
        int r = open_running(c, fs, err);
        pthread_mutex_unlock(&c->lock);
        return r;
    }
    pthread_mutex_unlock(&c->lock);
    /* not running: hold off starts while the view is open */
    pthread_mutex_lock(&c->op);
    pthread_mutex_lock(&c->lock);
    int r = 0;
    bool started = eng_ctr_is_running(c) && c->pid > 0; /* meanwhile */
    if (c->removed)
        r = gt_err(err, ENOENT, "No such container: %s", c->id);
    else if (started)
        r = open_running(c, fs, err);
    pthread_mutex_unlock(&c->lock);
    if (r == 0 && !started && (r = view_open(c, fs, err)) == 0) {
        fs->op_held = true;
        return 0;
    }
    pthread_mutex_unlock(&c->op);
    return r;
}

void eng_ctrfs_close(struct ctr_fs *fs)
{
    if (fs->root >= 0)
        close(fs->root);
    if (fs->ns >= 0)
        close(fs->ns); /* the last reference: the view's mounts go */
    if (fs->op_held)
        pthread_mutex_unlock(&fs->c->op);
    fs->root = fs->ns = -1;
    fs->op_held = false;
}

int eng_ctrfs_open_ref(struct gt_engine *e, const char *ref, const char *path,
                       struct ctr_fs *fs, struct gt_error *err)
{
    if (!path || !*path)
        return gt_err(err, EINVAL, "bad parameter: path cannot be empty");
    struct container *c;
    int r = eng_ctr_find(e, ref, &c, err);
    if (r < 0)
        return r;
    if ((r = eng_ctrfs_open(c, fs, err)) < 0)
        eng_ctr_unref(c);
    return r;
}

void eng_ctrfs_done(struct ctr_fs *fs, const char *event)
{
    struct container *c = fs->c;
    eng_ctrfs_close(fs);
    if (event)
        eng_event_emit(c->e, "container", event, c->id, c, NULL);
    eng_ctr_unref(c);
}

/* ---- docker diff ---- */

/* What the engine and the runtime place in every container: left out of
 * its changes (docker keeps them in its "init" layer). */
static char *const made_by_engine[] = {
    "/proc", "/sys", "/dev", "/etc/hosts", "/etc/hostname", "/etc/resolv.conf",
    "/sbin/gantry-init", NULL,
};

int gt_engine_container_changes(struct gt_engine *e, const char *ref, json_t **out,
                                struct gt_error *err)
{
    struct container *c;
    int r = eng_ctr_find(e, ref, &c, err);
    if (r < 0)
        return r;
    cleanup_free char *driver = NULL, *writable = NULL;
    cleanup_strv char **lowers = NULL;
    r = gt_snapshot_trees(e->store->ss, c->id, &driver, &writable, &lowers, err);
    eng_ctr_unref(c);
    if (r < 0)
        return gt_err_prefix(err, "changes of container %s", ref);
    /* the container: its upper directory over the layers, or its copy */
    bool overlay = !strcmp(driver, "overlay");
    size_t n = gt_strv_len(lowers);
    int *fds = gt_xmalloc((n + 2) * sizeof *fds);
    for (size_t i = 0; i < n + 2; i++)
        fds[i] = -1;
    fds[0] = open(writable, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fds[0] < 0)
        r = gt_err_sys(err, errno, "changes of container %s: open %s", ref, writable);
    for (size_t i = 0; i < n && r == 0; i++) {
        fds[i + 1] = open(lowers[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fds[i + 1] < 0)
            r = gt_err_sys(err, errno, "changes of container %s: open %s", ref, lowers[i]);
    }
    struct gt_fsdiff ch = { 0 };
    if (r == 0 && (r = gt_fsdiff_compute(fds, overlay ? n + 1 : 1, fds + 1, n, made_by_engine,
                                          &ch, err)) < 0)
        gt_err_prefix(err, "changes of container %s", ref);
    for (size_t i = 0; i < n + 1; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    free(fds);
    if (r < 0)
        return r;
    json_t *arr = json_array();
    for (size_t i = 0; i < ch.n; i++)
        json_array_append_new(arr, json_pack("{s:o,s:i}", "Path",
                                             json_stringn_nocheck(ch.v[i].path,
                                                                  strlen(ch.v[i].path)),
                                             "Kind", (int)ch.v[i].kind));
    gt_fsdiff_release(&ch);
    *out = arr;
    return 0;
}
