/* image/snapshot.c - layer snapshots, overlay and copy drivers (see snapshot.h). */
#include "image/snapshot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/mem.h"
#include "image/tree.h"

/* mount(2) takes one page of options. */
#define MOUNT_DATA_MAX 4095

struct driver;

struct gt_snapshots {
    struct gt_content *cs;
    char *dir;    /* <root>/snapshots */
    char *layers; /* <root>/snapshots/layers */
    char *active; /* <root>/snapshots/active */
    char *tmp;    /* <root>/snapshots/tmp */
    char *empty;  /* <root>/snapshots/empty: the lower of views that need one more */
    int layers_fd, active_fd, tmp_fd;
    const struct driver *driver;
};

/* A driver makes and mounts container snapshots. */
struct driver {
    const char *name;
    /* fills active/<key>/ in its temporary directory tmp_fd */
    int (*create)(struct gt_snapshots *ss, int dir_fd, char *const *chain, struct gt_error *err);
    int (*mount)(struct gt_snapshots *ss, const char *key, char *const *chain,
                 const char *target, struct gt_error *err);
};

static const struct driver overlay_driver, copy_driver;

int gt_snapshots_open(struct gt_content *cs, struct gt_snapshots **out, struct gt_error *err)
{
    struct gt_snapshots *ss = gt_xcalloc(1, sizeof *ss);
    ss->cs = cs;
    ss->layers_fd = ss->active_fd = ss->tmp_fd = -1;
    ss->dir = gt_path_join(gt_content_root(cs), "snapshots");
    ss->layers = gt_path_join(ss->dir, "layers");
    ss->active = gt_path_join(ss->dir, "active");
    ss->tmp = gt_path_join(ss->dir, "tmp");
    ss->empty = gt_path_join(ss->dir, "empty");
    int r;
    if ((r = ss->layers_fd = gt_mkdir_p_open(ss->layers, 0700, err)) < 0 ||
        (r = ss->active_fd = gt_mkdir_p_open(ss->active, 0700, err)) < 0 ||
        (r = ss->tmp_fd = gt_mkdir_p_open(ss->tmp, 0700, err)) < 0 ||
        (r = gt_mkdir_p(ss->empty, 0755, err)) < 0) {
        gt_snapshots_free(ss);
        return gt_err_prefix(err, "open snapshots");
    }
    *out = ss;
    return 0;
}

void gt_snapshots_free(struct gt_snapshots *ss)
{
    if (!ss)
        return;
    if (ss->layers_fd >= 0)
        close(ss->layers_fd);
    if (ss->active_fd >= 0)
        close(ss->active_fd);
    if (ss->tmp_fd >= 0)
        close(ss->tmp_fd);
    free(ss->dir);
    free(ss->layers);
    free(ss->active);
    free(ss->tmp);
    free(ss->empty);
    free(ss);
}

/* ---- layers ---- */

static const char *hex_of(const char *digest)
{
    const char *c = strchr(digest, ':');
    return c ? c + 1 : digest;
}

bool gt_snapshot_layer_exists(struct gt_snapshots *ss, const char *chain_id)
{
    if (gt_digest_validate(chain_id, NULL) < 0)
        return false;
    struct stat st;
    return fstatat(ss->layers_fd, hex_of(chain_id), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
           S_ISDIR(st.st_mode);
}

char *gt_snapshot_layer_path(struct gt_snapshots *ss, const char *chain_id)
{
    return gt_xasprintf("%s/%s/fs", ss->layers, hex_of(chain_id));
}

static int read_meta_at(int dirfd, const char *name, json_t **out, struct gt_error *err)
{
    cleanup_free char *buf = NULL;
    size_t len;
    int r = gt_read_file_at(dirfd, name, 1 << 20, &buf, &len, err);
    if (r < 0)
        return r;
    return gt_json_load_buf(buf, len, name, out, err);
}

static int write_json_at(int dirfd, const char *name, json_t *j, struct gt_error *err)
{
    cleanup_free char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    if (!s)
        return gt_err(err, ENOMEM, "serialise %s", name);
    cleanup_close int fd =
        openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return gt_err_sys(err, errno, "create %s", name);
    int r = gt_write_all(fd, s, strlen(s));
    if (r < 0)
        return gt_err_sys(err, -r, "write %s", name);
    return 0;
}

/* A fresh directory in tmp/; its name goes to *name (caller frees). */
static int make_tmp_dir(struct gt_snapshots *ss, const char *prefix, char **name,
                        struct gt_error *err)
{
    static unsigned seq;
    for (int i = 0; i < 1000; i++) {
        char *n = gt_xasprintf("%.16s.%d.%u", prefix, (int)getpid(), __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED));
        if (mkdirat(ss->tmp_fd, n, 0700) == 0) {
            *name = n;
            return 0;
        }
        int e = errno;
        free(n);
        if (e != EEXIST)
            return gt_err_sys(err, e, "create a directory in %s", ss->tmp);
    }
    return gt_err(err, EEXIST, "create a directory in %s: no free name", ss->tmp);
}

static void remove_tmp(struct gt_snapshots *ss, const char *name)
{
    gt_tree_remove_at(ss->tmp_fd, name, NULL);
}

static int unpack_layer(struct gt_snapshots *ss, const char *chain_id, const char *parent,
                        int blob_fd, const struct gt_unpack_opts *opts, struct gt_error *err);

int gt_snapshot_unpack_layer(struct gt_snapshots *ss, const char *chain_id, const char *parent,
                             int blob_fd, const struct gt_unpack_opts *opts,
                             struct gt_error *err)
{
    int r = gt_digest_validate(chain_id, err);
    if (r < 0)
        return r;
    if (gt_snapshot_layer_exists(ss, chain_id))
        return 0;
    /* the collector clears tmp/: keep it away while we work there */
    if ((r = gt_content_lease_begin(ss->cs, err)) < 0)
        return r;
    r = unpack_layer(ss, chain_id, parent, blob_fd, opts, err);
    gt_content_lease_end(ss->cs);
    return r;
}

static int unpack_layer(struct gt_snapshots *ss, const char *chain_id, const char *parent,
                        int blob_fd, const struct gt_unpack_opts *opts, struct gt_error *err)
{
    int r;
    cleanup_free char *tmp = NULL;
    if ((r = make_tmp_dir(ss, hex_of(chain_id), &tmp, err)) < 0)
        return r;
    cleanup_close int dfd = openat(ss->tmp_fd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    cleanup_close int fsfd = -1;
    if (dfd < 0 || mkdirat(dfd, "fs", 0755) < 0 ||
        (fsfd = openat(dfd, "fs", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        r = gt_err_sys(err, errno, "create %s/%s/fs", ss->tmp, tmp);
        remove_tmp(ss, tmp);
        return r;
    }
    /* the layers below, top first, for the directories this one implies */
    cleanup_strv char **chain = NULL;
    size_t n_lowers = 0;
    int *lowers = NULL;
    if (parent && (r = gt_snapshot_chain(ss, parent, &chain, err)) < 0) {
        remove_tmp(ss, tmp);
        return gt_err_prefix(err, "parent of %s", chain_id);
    }
    n_lowers = gt_strv_len(chain);
    lowers = gt_xcalloc(n_lowers + 1, sizeof *lowers);
    for (size_t i = 0; i < n_lowers; i++) {
        cleanup_free char *name = gt_xasprintf("%s/fs", hex_of(chain[n_lowers - 1 - i]));
        lowers[i] = openat(ss->layers_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    }
    struct gt_unpack_opts o = opts ? *opts : (struct gt_unpack_opts){ 0 };
    o.lowers = lowers;
    o.n_lowers = n_lowers;
    struct gt_unpack_stats st;
    r = gt_layer_unpack(blob_fd, fsfd, &o, &st, err);
    for (size_t i = 0; i < n_lowers; i++)
        if (lowers[i] >= 0)
            close(lowers[i]);
    free(lowers);
    int64_t entries = 0, bytes = 0;
    if (r == 0)
        r = gt_tree_usage(fsfd, &entries, &bytes, err);
    if (r == 0) {
        cleanup_json json_t *meta = json_pack(
            "{s:s, s:s, s:s?, s:I, s:I, s:I}", "chainId", chain_id, "diffId", st.diff_id,
            "parent", parent, "entries", (json_int_t)entries, "bytes", (json_int_t)bytes,
            "tarSize", (json_int_t)st.tar_bytes);
        r = write_json_at(dfd, "meta.json", meta, err);
    }
    /* Everything on disk before the rename makes it visible as complete. */
    if (r == 0 && syncfs(fsfd) < 0)
        r = gt_err_sys(err, errno, "sync %s", ss->tmp);
    if (r == 0 && renameat(ss->tmp_fd, tmp, ss->layers_fd, hex_of(chain_id)) < 0) {
        if (errno == EEXIST || errno == ENOTEMPTY) {
            r = 0; /* another unpacker won the race */
        } else {
            r = gt_err_sys(err, errno, "move snapshot %s into place", chain_id);
        }
        remove_tmp(ss, tmp);
        if (r < 0)
            return r;
        return 0;
    }
    if (r < 0) {
        remove_tmp(ss, tmp);
        return r;
    }
    fsync(ss->layers_fd);
    return 0;
}

int gt_snapshot_layer_remove(struct gt_snapshots *ss, const char *chain_id, struct gt_error *err)
{
    int r = gt_digest_validate(chain_id, err);
    if (r < 0)
        return r;
    cleanup_free char *tmp = gt_xasprintf("rm-%s.%d", hex_of(chain_id), (int)getpid());
    if (renameat(ss->layers_fd, hex_of(chain_id), ss->tmp_fd, tmp) < 0)
        return errno == ENOENT ? 0 : gt_err_sys(err, errno, "remove snapshot %s", chain_id);
    return gt_tree_remove_at(ss->tmp_fd, tmp, err);
}

int gt_snapshots_prepare_image(struct gt_snapshots *ss, const struct gt_image *img,
                               const struct gt_unpack_opts *opts, char **top,
                               struct gt_error *err)
{
    size_t n = img->config.n_diff_ids;
    cleanup_strv char **chain = gt_chain_ids(img->config.diff_ids, n);
    int r = gt_content_lease_begin(ss->cs, err);
    if (r < 0)
        return r;
    for (size_t i = 0; i < n; i++) {
        if (gt_snapshot_layer_exists(ss, chain[i]))
            continue;
        const struct gt_descriptor *d = &img->manifest.layers[i];
        cleanup_close int fd = -1;
        if ((r = gt_content_open_blob(ss->cs, d->digest, &fd, err)) < 0) {
            gt_err_prefix(err, "layer %zu of %s", i + 1, img->target);
            break;
        }
        struct gt_unpack_opts o = opts ? *opts : (struct gt_unpack_opts){ 0 };
        o.expected_diff_id = img->config.diff_ids[i];
        r = gt_snapshot_unpack_layer(ss, chain[i], i ? chain[i - 1] : NULL, fd, &o, err);
        if (r < 0) {
            gt_err_prefix(err, "unpack layer %s", d->digest);
            break;
        }
    }
    gt_content_lease_end(ss->cs);
    if (r < 0)
        return r;
    if (top)
        *top = n ? gt_xstrdup(chain[n - 1]) : NULL;
    return 0;
}

int gt_snapshot_chain(struct gt_snapshots *ss, const char *chain_id, char ***out,
                      struct gt_error *err)
{
    char **rev = NULL;
    cleanup_free char *cur = chain_id ? gt_xstrdup(chain_id) : NULL;
    int r = 0;
    for (int depth = 0; cur; depth++) {
        if (depth > 1000) {
            r = gt_err(err, ELOOP, "snapshot %s: chain too deep", chain_id);
            break;
        }
        if (gt_digest_validate(cur, err) < 0) {
            r = -EINVAL;
            break;
        }
        cleanup_free char *meta_name = gt_xasprintf("%s/meta.json", hex_of(cur));
        cleanup_json json_t *meta = NULL;
        if ((r = read_meta_at(ss->layers_fd, meta_name, &meta, err)) < 0) {
            gt_err_prefix(err, "snapshot %s", cur);
            break;
        }
        gt_strv_push(&rev, cur);
        const char *parent = json_string_value(json_object_get(meta, "parent"));
        free(cur);
        cur = parent ? gt_xstrdup(parent) : NULL;
    }
    if (r < 0) {
        gt_strv_free(rev);
        return r;
    }
    size_t n = gt_strv_len(rev);
    char **chain = gt_xcalloc(n + 1, sizeof *chain);
    for (size_t i = 0; i < n; i++)
        chain[i] = rev[n - 1 - i];
    free(rev);
    *out = chain;
    return 0;
}

/* ---- drivers ---- */

static int overlay_create(struct gt_snapshots *ss, int dir_fd, char *const *chain,
                          struct gt_error *err)
{
    if (mkdirat(dir_fd, "upper", 0755) < 0 || mkdirat(dir_fd, "work", 0700) < 0)
        return gt_err_sys(err, errno, "create upper and work directories");
    return 0;
}

/* Runs mount(2) with lowerdirs relative to layers/: a child changes its
 * working directory so that the parent's stays put. */
static int overlay_mount_relative(struct gt_snapshots *ss, const char *data, const char *target,
                                  struct gt_error *err)
{
    /* the child's working directory changes: make the target absolute */
    cleanup_free char *abs = NULL;
    if (target[0] != '/') {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd))
            return gt_err_sys(err, errno, "getcwd");
        abs = gt_path_join(cwd, target);
    }
    const char *where = abs ? abs : target;
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return gt_err_sys(err, errno, "pipe");
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return gt_err_sys(err, errno, "fork");
    }
    if (pid == 0) {
        int e = 0;
        if (fchdir(ss->layers_fd) < 0 || mount("overlay", where, "overlay", 0, data) < 0)
            e = errno;
        if (write(p[1], &e, sizeof e) != (ssize_t)sizeof e)
            _exit(2);
        _exit(e ? 1 : 0);
    }
    close(p[1]);
    int e = EIO;
    if (read(p[0], &e, sizeof e) != (ssize_t)sizeof e)
        e = EIO;
    close(p[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (e)
        return gt_err_sys(err, e, "mount overlay on %s", target);
    return 0;
}

/* upper may be NULL for a read-only view; lowers are absolute paths, top
 * first. */
static int overlay_mount_dirs(struct gt_snapshots *ss, char *const *chain, const char *upper,
                              const char *work, const char *empty, const char *target,
                              struct gt_error *err)
{
    size_t n = gt_strv_len(chain);
    /* new mount API: one fsconfig call per layer, no length limit */
    const char *how = getenv("GANTRY_OVERLAY_MOUNT");
    int fsfd = how && !strcmp(how, "legacy") ? -1 : fsopen("overlay", FSOPEN_CLOEXEC);
    if (fsfd >= 0) {
        int r = 0;
        for (size_t i = n; i-- > 0 && r == 0;) {
            cleanup_free char *p = gt_snapshot_layer_path(ss, chain[i]);
            r = fsconfig(fsfd, FSCONFIG_SET_STRING, "lowerdir+", p, 0);
        }
        if (r == 0 && n == 0)
            r = fsconfig(fsfd, FSCONFIG_SET_STRING, "lowerdir+", empty, 0);
        if (r == 0 && upper) {
            r = fsconfig(fsfd, FSCONFIG_SET_STRING, "upperdir", upper, 0);
            if (r == 0)
                r = fsconfig(fsfd, FSCONFIG_SET_STRING, "workdir", work, 0);
        } else if (r == 0 && n == 1) {
            /* a read-only overlay needs two lowers */
            r = fsconfig(fsfd, FSCONFIG_SET_STRING, "lowerdir+", empty, 0);
        }
        if (r == 0)
            r = fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0);
        if (r == 0) {
            int mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, upper ? 0 : MOUNT_ATTR_RDONLY);
            if (mfd < 0) {
                r = -1;
            } else {
                r = move_mount(mfd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH);
                int e = errno;
                close(mfd);
                errno = e;
            }
            int e = errno;
            close(fsfd);
            if (r < 0)
                return gt_err_sys(err, e, "mount overlay on %s", target);
            return 0;
        }
        int e = errno;
        close(fsfd);
        /* "lowerdir+" is Linux 6.8; anything else is a real failure */
        if (e != EINVAL)
            return gt_err_sys(err, e, "mount overlay on %s", target);
    }
    /* mount(2) with lowerdirs relative to layers/ */
    size_t cap = 64 + n * 72 + (upper ? strlen(upper) + strlen(work) : 0) + strlen(empty) * 2;
    cleanup_free char *data = gt_xmalloc(cap);
    size_t o = (size_t)snprintf(data, cap, "lowerdir=");
    for (size_t i = n; i-- > 0;)
        o += (size_t)snprintf(data + o, cap - o, "%s%s/fs", i + 1 < n ? ":" : "", hex_of(chain[i]));
    if (n == 0)
        o += (size_t)snprintf(data + o, cap - o, "%s", empty);
    if (upper)
        o += (size_t)snprintf(data + o, cap - o, ",upperdir=%s,workdir=%s", upper, work);
    else if (n == 1)
        o += (size_t)snprintf(data + o, cap - o, ":%s", empty);
    if (o > MOUNT_DATA_MAX)
        return gt_err(err, E2BIG,
                      "mount overlay on %s: %zu layers do not fit in mount options (%zu bytes)",
                      target, n, o);
    return overlay_mount_relative(ss, data, target, err);
}

static int overlay_mount(struct gt_snapshots *ss, const char *key, char *const *chain,
                         const char *target, struct gt_error *err)
{
    cleanup_free char *upper = gt_xasprintf("%s/%s/upper", ss->active, key);
    cleanup_free char *work = gt_xasprintf("%s/%s/work", ss->active, key);
    return overlay_mount_dirs(ss, chain, upper, work, ss->empty, target, err);
}

static int copy_create(struct gt_snapshots *ss, int dir_fd, char *const *chain,
                       struct gt_error *err)
{
    if (mkdirat(dir_fd, "rootfs", 0755) < 0)
        return gt_err_sys(err, errno, "create rootfs");
    cleanup_close int root = openat(dir_fd, "rootfs", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (root < 0)
        return gt_err_sys(err, errno, "open rootfs");
    for (char *const *c = chain; *c; c++) {
        cleanup_free char *name = gt_xasprintf("%s/fs", hex_of(*c));
        cleanup_close int src = openat(ss->layers_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (src < 0)
            return gt_err_sys(err, errno, "open layer %s", *c);
        int r = gt_tree_apply_layer(src, root, err);
        if (r < 0)
            return gt_err_prefix(err, "copy layer %s", *c);
    }
    return 0;
}

static int copy_mount(struct gt_snapshots *ss, const char *key, char *const *chain,
                      const char *target, struct gt_error *err)
{
    cleanup_free char *rootfs = gt_xasprintf("%s/%s/rootfs", ss->active, key);
    if (mount(rootfs, target, NULL, MS_BIND | MS_REC, NULL) < 0)
        return gt_err_sys(err, errno, "bind mount %s on %s", rootfs, target);
    return 0;
}

static const struct driver overlay_driver = { "overlay", overlay_create, overlay_mount };
static const struct driver copy_driver = { "copy", copy_create, copy_mount };
static const struct driver *const drivers[] = { &overlay_driver, &copy_driver, NULL };

/* Whether overlay mounts work on the data root's file system (it will not
 * on an overlay or on some network file systems). */
static bool overlay_works(struct gt_snapshots *ss)
{
    cleanup_free char *name = NULL;
    if (make_tmp_dir(ss, "probe", &name, NULL) < 0)
        return false;
    cleanup_free char *base = gt_path_join(ss->tmp, name);
    cleanup_free char *l = gt_path_join(base, "l");
    cleanup_free char *u = gt_path_join(base, "u");
    cleanup_free char *w = gt_path_join(base, "w");
    cleanup_free char *m = gt_path_join(base, "m");
    bool ok = false;
    if (mkdir(l, 0755) == 0 && mkdir(u, 0755) == 0 && mkdir(w, 0700) == 0 && mkdir(m, 0755) == 0) {
        cleanup_free char *data = gt_xasprintf("lowerdir=%s,upperdir=%s,workdir=%s", l, u, w);
        if (mount("overlay", m, "overlay", 0, data) == 0) {
            ok = true;
            umount2(m, MNT_DETACH);
        }
    }
    remove_tmp(ss, name);
    return ok;
}

int gt_snapshots_set_driver(struct gt_snapshots *ss, const char *name, struct gt_error *err)
{
    if (!name || !*name)
        name = getenv("GANTRY_SNAPSHOTTER");
    if (name && *name) {
        for (const struct driver *const *d = drivers; *d; d++)
            if (!strcmp((*d)->name, name)) {
                ss->driver = *d;
                return 0;
            }
        return gt_err(err, EINVAL, "unknown snapshotter \"%s\" (overlay or copy)", name);
    }
    ss->driver = overlay_works(ss) ? &overlay_driver : &copy_driver;
    return 0;
}

const char *gt_snapshots_driver(struct gt_snapshots *ss)
{
    if (!ss->driver)
        gt_snapshots_set_driver(ss, NULL, NULL);
    return ss->driver->name;
}

/* ---- container snapshots ---- */

static int check_key(const char *key, struct gt_error *err)
{
    size_t n = key ? strlen(key) : 0;
    if (n == 0 || n > 128 || key[0] == '.')
        return gt_err(err, EINVAL, "invalid snapshot key \"%s\"", key ? key : "");
    for (const char *c = key; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '_' || *c == '.' || *c == '-'))
            return gt_err(err, EINVAL, "invalid snapshot key \"%s\"", key);
    return 0;
}

int gt_snapshot_create(struct gt_snapshots *ss, const char *key, const char *parent,
                       struct gt_error *err)
{
    int r = check_key(key, err);
    if (r < 0)
        return r;
    const struct driver *drv = ss->driver;
    if (!drv) {
        gt_snapshots_driver(ss);
        drv = ss->driver;
    }
    if ((r = gt_content_lease_begin(ss->cs, err)) < 0)
        return r;
    cleanup_strv char **chain = NULL;
    cleanup_free char *tmp = NULL;
    struct stat st;
    if (fstatat(ss->active_fd, key, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        r = gt_err(err, EEXIST, "snapshot %s exists", key);
        goto out;
    }
    if (parent) {
        if ((r = gt_snapshot_chain(ss, parent, &chain, err)) < 0)
            goto out;
    } else {
        chain = gt_xcalloc(1, sizeof *chain);
    }
    if ((r = make_tmp_dir(ss, key, &tmp, err)) < 0)
        goto out;
    {
        cleanup_close int dfd = openat(ss->tmp_fd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0) {
            r = gt_err_sys(err, errno, "open %s/%s", ss->tmp, tmp);
            goto out;
        }
        if ((r = drv->create(ss, dfd, chain, err)) < 0)
            goto out;
        cleanup_json json_t *meta =
            json_pack("{s:s, s:s?, s:s}", "key", key, "parent", parent, "driver", drv->name);
        if ((r = write_json_at(dfd, "meta.json", meta, err)) < 0)
            goto out;
    }
    if (renameat(ss->tmp_fd, tmp, ss->active_fd, key) < 0) {
        r = errno == EEXIST || errno == ENOTEMPTY ? gt_err(err, EEXIST, "snapshot %s exists", key)
                                                  : gt_err_sys(err, errno, "create snapshot %s", key);
        goto out;
    }
    free(tmp);
    tmp = NULL;
out:
    if (tmp)
        remove_tmp(ss, tmp);
    gt_content_lease_end(ss->cs);
    if (r < 0)
        return gt_err_prefix(err, "create snapshot %s", key);
    return 0;
}

static int load_active(struct gt_snapshots *ss, const char *key, json_t **meta,
                       struct gt_error *err)
{
    int r = check_key(key, err);
    if (r < 0)
        return r;
    cleanup_free char *name = gt_xasprintf("%s/meta.json", key);
    if ((r = read_meta_at(ss->active_fd, name, meta, err)) < 0)
        return gt_err_prefix(err, "snapshot %s", key);
    return 0;
}

int gt_snapshot_mount(struct gt_snapshots *ss, const char *key, const char *target,
                      struct gt_error *err)
{
    cleanup_json json_t *meta = NULL;
    int r = load_active(ss, key, &meta, err);
    if (r < 0)
        return r;
    const char *dname = json_string_value(json_object_get(meta, "driver"));
    const struct driver *drv = NULL;
    for (const struct driver *const *d = drivers; *d; d++)
        if (dname && !strcmp((*d)->name, dname))
            drv = *d;
    if (!drv)
        return gt_err(err, EINVAL, "snapshot %s: unknown driver", key);
    const char *parent = json_string_value(json_object_get(meta, "parent"));
    cleanup_strv char **chain = NULL;
    if (parent) {
        if ((r = gt_snapshot_chain(ss, parent, &chain, err)) < 0)
            return gt_err_prefix(err, "mount snapshot %s", key);
    } else {
        chain = gt_xcalloc(1, sizeof *chain);
    }
    return drv->mount(ss, key, chain, target, err);
}

int gt_snapshot_mount_view(struct gt_snapshots *ss, const char *chain_id, const char *target,
                           struct gt_error *err)
{
    cleanup_strv char **chain = NULL;
    int r = gt_snapshot_chain(ss, chain_id, &chain, err);
    if (r < 0)
        return r;
    return overlay_mount_dirs(ss, chain, NULL, NULL, ss->empty, target, err);
}

int gt_snapshot_open_upper(struct gt_snapshots *ss, const char *key, int *upper_fd,
                           char **parent, struct gt_error *err)
{
    cleanup_json json_t *meta = NULL;
    int r = load_active(ss, key, &meta, err);
    if (r < 0)
        return r;
    const char *dname = json_string_value(json_object_get(meta, "driver"));
    if (!dname || strcmp(dname, overlay_driver.name))
        return gt_err(err, EOPNOTSUPP,
                      "snapshot %s: the %s snapshotter keeps no upper directory of the changes",
                      key, dname ? dname : "unknown");
    cleanup_free char *name = gt_xasprintf("%s/upper", key);
    int fd = openat(ss->active_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return gt_err_sys(err, errno, "snapshot %s: open %s/%s", key, ss->active, name);
    const char *p = json_string_value(json_object_get(meta, "parent"));
    *parent = p ? gt_xstrdup(p) : NULL;
    *upper_fd = fd;
    return 0;
}

int gt_snapshot_trees(struct gt_snapshots *ss, const char *key, char **driver, char **writable,
                      char ***lowers, struct gt_error *err)
{
    cleanup_json json_t *meta = NULL;
    int r = load_active(ss, key, &meta, err);
    if (r < 0)
        return r;
    const char *dname = json_string_value(json_object_get(meta, "driver"));
    const char *parent = json_string_value(json_object_get(meta, "parent"));
    bool overlay = dname && !strcmp(dname, "overlay");
    if (!overlay && (!dname || strcmp(dname, "copy")))
        return gt_err(err, EINVAL, "snapshot %s: unknown driver", key);
    cleanup_strv char **chain = NULL;
    if (parent && (r = gt_snapshot_chain(ss, parent, &chain, err)) < 0)
        return gt_err_prefix(err, "snapshot %s", key);
    size_t n = gt_strv_len(chain);
    char **v = gt_xcalloc(n + 1, sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = gt_snapshot_layer_path(ss, chain[n - 1 - i]);
    *lowers = v;
    *driver = gt_xstrdup(overlay ? "overlay" : "copy");
    *writable = gt_xasprintf("%s/%s/%s", ss->active, key, overlay ? "upper" : "rootfs");
    return 0;
}

int gt_snapshot_unmount(const char *target, struct gt_error *err)
{
    if (umount2(target, MNT_DETACH) < 0)
        return gt_err_sys(err, errno, "unmount %s", target);
    return 0;
}

int gt_snapshot_remove(struct gt_snapshots *ss, const char *key, struct gt_error *err)
{
    int r = check_key(key, err);
    if (r < 0)
        return r;
    struct stat st;
    if (fstatat(ss->active_fd, key, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return gt_err_sys(err, errno, "snapshot %s", key);
    /* rename first, so that a half-removed snapshot is never seen; under a
     * lease, as the collector clears tmp/ */
    if ((r = gt_content_lease_begin(ss->cs, err)) < 0)
        return r;
    cleanup_free char *tmp = gt_xasprintf("rm-%.64s.%d", key, (int)getpid());
    if (renameat(ss->active_fd, key, ss->tmp_fd, tmp) < 0)
        r = gt_err_sys(err, errno, "remove snapshot %s", key);
    else if ((r = gt_tree_remove_at(ss->tmp_fd, tmp, err)) < 0)
        gt_err_prefix(err, "remove snapshot %s", key);
    gt_content_lease_end(ss->cs);
    return r;
}

/* ---- collection and checks ---- */

/* The names in dirfd but hidden ones. */
static int list_names(int dirfd, char ***out, struct gt_error *err)
{
    int r = gt_list_dir_at(dirfd, out, err);
    if (r < 0)
        return r;
    size_t w = 0;
    for (char **v = *out; *v; v++) {
        if ((*v)[0] == '.')
            free(*v);
        else
            (*out)[w++] = *v;
    }
    (*out)[w] = NULL;
    return 0;
}

static bool in_list(char *const *v, const char *s)
{
    for (; v && *v; v++)
        if (!strcmp(*v, s))
            return true;
    return false;
}

int gt_snapshots_gc(struct gt_snapshots *ss, char *const *keep, unsigned *removed,
                    struct gt_error *err)
{
    unsigned n = 0;
    /* everything below the kept tops and the containers' parents */
    cleanup_strv char **live = NULL;
    cleanup_strv char **tops = NULL;
    for (char *const *k = keep; k && *k; k++)
        gt_strv_push(&tops, *k);
    cleanup_strv char **active = NULL;
    int r = list_names(ss->active_fd, &active, err);
    if (r < 0)
        return r;
    for (char **a = active; *a; a++) {
        cleanup_json json_t *meta = NULL;
        if (load_active(ss, *a, &meta, NULL) < 0)
            continue;
        const char *p = json_string_value(json_object_get(meta, "parent"));
        if (p)
            gt_strv_push(&tops, p);
    }
    for (char **t = tops; t && *t; t++) {
        cleanup_strv char **chain = NULL;
        if (gt_snapshot_chain(ss, *t, &chain, NULL) < 0) {
            /* an incomplete chain: keep what exists of it */
            if (gt_digest_validate(*t, NULL) == 0)
                gt_strv_push(&live, hex_of(*t));
            continue;
        }
        for (char **c = chain; *c; c++)
            gt_strv_push(&live, hex_of(*c));
    }
    cleanup_strv char **layers = NULL;
    if ((r = list_names(ss->layers_fd, &layers, err)) < 0)
        return r;
    for (char **l = layers; *l; l++) {
        if (in_list(live, *l))
            continue;
        cleanup_free char *tmp = gt_xasprintf("gc-%s.%d", *l, (int)getpid());
        if (renameat(ss->layers_fd, *l, ss->tmp_fd, tmp) < 0)
            return gt_err_sys(err, errno, "remove snapshot sha256:%s", *l);
        if ((r = gt_tree_remove_at(ss->tmp_fd, tmp, err)) < 0)
            return gt_err_prefix(err, "remove snapshot sha256:%s", *l);
        n++;
    }
    /* leftovers of interrupted unpacks (the gc lock keeps live ones away) */
    cleanup_strv char **tmps = NULL;
    if ((r = list_names(ss->tmp_fd, &tmps, err)) < 0)
        return r;
    for (char **t = tmps; *t; t++)
        if ((r = gt_tree_remove_at(ss->tmp_fd, *t, err)) < 0)
            return gt_err_prefix(err, "remove %s/%s", ss->tmp, *t);
    if (removed)
        *removed = n;
    return 0;
}

int gt_snapshots_verify(struct gt_snapshots *ss,
                        void (*report)(const char *what, const char *problem, void *ctx),
                        void *ctx, struct gt_error *err)
{
    cleanup_strv char **layers = NULL;
    int r = list_names(ss->layers_fd, &layers, err);
    if (r < 0)
        return r;
    int problems = 0;
    for (char **l = layers; *l; l++) {
        cleanup_free char *what = gt_xasprintf("snapshot sha256:%s", *l);
        cleanup_free char *meta_name = gt_xasprintf("%s/meta.json", *l);
        cleanup_json json_t *meta = NULL;
        struct gt_error e;
        if (read_meta_at(ss->layers_fd, meta_name, &meta, &e) < 0) {
            report(what, e.msg, ctx);
            problems++;
            continue;
        }
        const char *cid = json_string_value(json_object_get(meta, "chainId"));
        if (!cid || strcmp(hex_of(cid), *l) != 0) {
            report(what, "meta.json names another chain id", ctx);
            problems++;
        }
        cleanup_free char *fs_name = gt_xasprintf("%s/fs", *l);
        cleanup_close int fsfd = openat(ss->layers_fd, fs_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int64_t entries, bytes;
        if (fsfd < 0 || gt_tree_usage(fsfd, &entries, &bytes, &e) < 0) {
            report(what, fsfd < 0 ? "its tree is missing" : e.msg, ctx);
            problems++;
            continue;
        }
        json_int_t want_e = json_integer_value(json_object_get(meta, "entries"));
        json_int_t want_b = json_integer_value(json_object_get(meta, "bytes"));
        if (entries != want_e || bytes != want_b) {
            char msg[200];
            snprintf(msg, sizeof msg,
                     "tree differs from its unpack: %lld entries and %lld bytes, expected %lld "
                     "and %lld",
                     (long long)entries, (long long)bytes, (long long)want_e, (long long)want_b);
            report(what, msg, ctx);
            problems++;
        }
        const char *parent = json_string_value(json_object_get(meta, "parent"));
        if (parent && !gt_snapshot_layer_exists(ss, parent)) {
            report(what, "its parent snapshot is missing", ctx);
            problems++;
        }
    }
    return problems;
}
