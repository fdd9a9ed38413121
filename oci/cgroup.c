/* The backend-independent half of oci/cgroup.h: finding the hierarchies,
 * paths, creation with roll-back, and the verbs that only dispatch. */
#include "oci/cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/clock.h"
#include "base/fs.h"
#include "base/log.h"
#include "base/mem.h"
#include "oci/cgroup_internal.h"

#define DEFAULT_PARENT "/gantry"

static const char *cgroup_root(bool *from_env)
{
    const char *r = getenv("GANTRY_CGROUP_ROOT");
    if (from_env)
        *from_env = r && *r;
    return r && *r ? r : "/sys/fs/cgroup";
}

static bool fs_is(const char *path, long magic)
{
    struct statfs st;
    return statfs(path, &st) == 0 && (long)st.f_type == magic;
}

int gt_cgroup_detect(enum gt_cgroup_version *out, struct gt_error *err)
{
    const char *root = cgroup_root(NULL);
    struct stat st;
    if (stat(root, &st) < 0)
        return gt_err_sys(err, errno, "cgroup root %s", root);
    if (!S_ISDIR(st.st_mode))
        return gt_err(err, ENOTDIR, "cgroup root %s: not a directory", root);
    cleanup_free char *ctl = gt_path_join(root, "cgroup.controllers");
    *out = gt_path_exists(ctl) ? GT_CGROUP_V2 : GT_CGROUP_V1;
    return 0;
}

/* Lexically cleaned absolute path: no "", "." or ".." components, so that
 * the result always stays below the root of a hierarchy. */
static char *clean_abs(const char *prefix, const char *p)
{
    size_t cap = strlen(prefix) + strlen(p) + 2;
    char *out = gt_xmalloc(cap);
    size_t n = 0;
    out[0] = '\0';
    const char *parts[2] = { prefix, p };
    for (int k = 0; k < 2; k++) {
        const char *s = parts[k];
        while (*s) {
            while (*s == '/')
                s++;
            const char *e = s;
            while (*e && *e != '/')
                e++;
            size_t len = (size_t)(e - s);
            if (len == 0 || (len == 1 && s[0] == '.')) {
                /* skip */
            } else if (len == 2 && s[0] == '.' && s[1] == '.') {
                while (n > 0 && out[n - 1] != '/')
                    n--;
                if (n > 0)
                    n--;
            } else {
                out[n++] = '/';
                memcpy(out + n, s, len);
                n += len;
            }
            s = e;
        }
    }
    if (n == 0)
        out[n++] = '/';
    out[n] = '\0';
    return out;
}

/* "system.slice:gantry:id" */
static bool is_systemd_path(const char *p)
{
    const char *c1 = strchr(p, ':');
    return p[0] != '/' && c1 && strchr(c1 + 1, ':') && !strchr(p, '/');
}

char *gt_cgroup_default_path(const char *cgroups_path, const char *id)
{
    if (!cgroups_path || !*cgroups_path)
        return clean_abs(DEFAULT_PARENT, id ? id : "");
    if (is_systemd_path(cgroups_path))
        return gt_xstrdup(cgroups_path); /* refused, with its reason, by create */
    if (cgroups_path[0] == '/')
        return clean_abs("", cgroups_path);
    return clean_abs(DEFAULT_PARENT, cgroups_path);
}

static int check_path(const char *path, char **cleaned, struct gt_error *err)
{
    if (!path || !*path)
        return gt_err(err, EINVAL, "linux.cgroupsPath: empty");
    if (is_systemd_path(path))
        return gt_err(err, ENOTSUP,
                      "linux.cgroupsPath: \"%s\" is a systemd slice:prefix:name path; "
                      "the systemd cgroup driver is not supported",
                      path);
    if (path[0] != '/')
        return gt_err(err, EINVAL, "linux.cgroupsPath: \"%s\" is not absolute", path);
    char *c = clean_abs("", path);
    if (strcmp(c, "/") == 0) {
        free(c);
        return gt_err(err, EINVAL, "linux.cgroupsPath: \"%s\" is the root cgroup", path);
    }
    *cleaned = c;
    return 0;
}

static void dir_release(struct gt_cg_dir *d)
{
    free(d->controllers);
    free(d->path);
    free(d->created);
}

void gt_cgroup_free(struct gt_cgroup *cg)
{
    if (!cg)
        return;
    for (size_t i = 0; i < cg->n_dirs; i++)
        dir_release(&cg->dirs[i]);
    free(cg->dirs);
    free(cg->path);
    free(cg->root);
    free(cg);
}

static struct gt_cg_dir *add_dir(struct gt_cgroup *cg, const char *controllers, const char *mount)
{
    cg->dirs = gt_xrealloc(cg->dirs, (cg->n_dirs + 1) * sizeof *cg->dirs);
    struct gt_cg_dir *d = &cg->dirs[cg->n_dirs++];
    memset(d, 0, sizeof *d);
    d->controllers = gt_xstrdup(controllers);
    d->path = gt_path_join(mount, cg->path);
    return d;
}

struct seen {
    dev_t dev;
    ino_t ino;
};

/* Every v1 hierarchy mounted under the root, each once (co-mounted ones
 * appear twice: "cpu,cpuacct" and its alias symlinks "cpu", "cpuacct"). */
static int find_v1_hierarchies(struct gt_cgroup *cg, bool from_env, struct gt_error *err)
{
    cleanup_dir DIR *dir = opendir(cg->root);
    if (!dir)
        return gt_err_sys(err, errno, "open cgroup root %s", cg->root);
    struct seen seen[64];
    size_t nseen = 0;
    struct dirent *de;
    /* real directories first, symlinks only if they lead elsewhere */
    for (int pass = 0; pass < 2; pass++) {
        rewinddir(dir);
        while ((de = readdir(dir))) {
            const char *name = de->d_name;
            if (name[0] == '.' || strcmp(name, "unified") == 0)
                continue;
            cleanup_free char *mount = gt_path_join(cg->root, name);
            struct stat lst, st;
            if (lstat(mount, &lst) < 0 || stat(mount, &st) < 0 || !S_ISDIR(st.st_mode))
                continue;
            if ((pass == 0) == S_ISLNK(lst.st_mode))
                continue;
            bool dup = false;
            for (size_t i = 0; i < nseen; i++)
                if (seen[i].dev == st.st_dev && seen[i].ino == st.st_ino)
                    dup = true;
            if (dup || nseen == sizeof seen / sizeof seen[0])
                continue;
            bool real = fs_is(mount, CGROUP_SUPER_MAGIC);
            if (!real && !from_env)
                continue; /* a stray directory on the tmpfs, not a hierarchy */
            seen[nseen++] = (struct seen){ st.st_dev, st.st_ino };
            struct gt_cg_dir *d = add_dir(cg, name, mount);
            d->emulated = !real;
        }
    }
    if (cg->n_dirs == 0)
        return gt_err(err, ENOENT, "no cgroup v1 hierarchy under %s", cg->root);
    /* hybrid: the process also joins the unified tree, as runc does */
    cleanup_free char *unified = gt_path_join(cg->root, "unified");
    cleanup_free char *ctl = gt_path_join(unified, "cgroup.controllers");
    bool real = fs_is(unified, CGROUP2_SUPER_MAGIC);
    if (real || (from_env && gt_path_exists(ctl))) {
        struct gt_cg_dir *d = add_dir(cg, "", unified);
        d->emulated = !real;
        d->best_effort = true;
    }
    return 0;
}

static int cgroup_new(const char *path, struct gt_cgroup **out, struct gt_error *err)
{
    cleanup_free char *cleaned = NULL;
    int r = check_path(path, &cleaned, err);
    if (r < 0)
        return r;
    enum gt_cgroup_version v;
    if ((r = gt_cgroup_detect(&v, err)) < 0)
        return r;
    bool from_env;
    struct gt_cgroup *cg = gt_xcalloc(1, sizeof *cg);
    cg->root = gt_xstrdup(cgroup_root(&from_env));
    cg->path = steal_pointer(&cleaned);
    cg->version = v;
    if (v == GT_CGROUP_V2) {
        cg->ops = &gt_cg_v2_ops;
        struct gt_cg_dir *d = add_dir(cg, "", cg->root);
        d->emulated = !fs_is(cg->root, CGROUP2_SUPER_MAGIC);
    } else {
        cg->ops = &gt_cg_v1_ops;
        r = find_v1_hierarchies(cg, from_env, err);
        if (r < 0) {
            gt_cgroup_free(cg);
            return r;
        }
    }
    *out = cg;
    return 0;
}

struct gt_cg_dir *gt_cg_v1_dir(struct gt_cgroup *cg, const char *controller)
{
    size_t len = strlen(controller);
    for (size_t i = 0; i < cg->n_dirs; i++) {
        const char *c = cg->dirs[i].controllers;
        while (*c) {
            size_t l = strcspn(c, ",");
            if (l == len && strncmp(c, controller, len) == 0)
                return &cg->dirs[i];
            c += l;
            if (*c == ',')
                c++;
        }
    }
    return NULL;
}

/* mkdir -p that remembers the topmost directory it made.  A parent that
 * vanishes meanwhile (another container's failed create removing the
 * "/gantry" it had just made) is made again. */
static int make_dir(struct gt_cg_dir *d, struct gt_error *err)
{
    cleanup_free char *p = gt_xstrdup(d->path);
    size_t len = strlen(p);
    int retries = 3;
    for (size_t i = 1; i <= len; i++) {
        if (p[i] != '/' && p[i] != '\0')
            continue;
        char c = p[i];
        p[i] = '\0';
        if (mkdir(p, 0755) == 0) {
            if (!d->created)
                d->created = gt_xstrdup(p);
        } else if (errno == ENOENT && retries-- > 0) {
            p[i] = c;
            i = 0;
            continue;
        } else if (errno != EEXIST) {
            return gt_err_sys(err, errno, "create cgroup %s", p);
        }
        p[i] = c;
    }
    return 0;
}

/* rmdir, retrying until deadline (CLOCK_MONOTONIC ms) while processes
 * finish exiting (a cgroup stays busy until its last task is gone); in an
 * emulated tree, rm -rf. */
static int remove_dir(const struct gt_cg_dir *d, const char *path, int64_t deadline,
                      struct gt_error *err)
{
    if (d->emulated)
        return gt_rm_rf(path, err);
    /* children first */
    {
        cleanup_dir DIR *dir = opendir(path);
        if (!dir)
            return errno == ENOENT ? 0 : gt_err_sys(err, errno, "open cgroup %s", path);
        struct dirent *de;
        while ((de = readdir(dir))) {
            if (de->d_type != DT_DIR || de->d_name[0] == '.')
                continue;
            cleanup_free char *sub = gt_path_join(path, de->d_name);
            int r = remove_dir(d, sub, deadline, err);
            if (r < 0)
                return r;
        }
    }
    unsigned delay_us = 200;
    for (;;) {
        if (rmdir(path) == 0 || errno == ENOENT)
            return 0;
        int e = errno;
        if (e != EBUSY)
            return gt_err_sys(err, e, "remove cgroup %s", path);
        if (gt_clock_ms() >= deadline) {
            pid_t *pids = NULL;
            size_t n = 0;
            gt_cg_read_pids(path, &pids, &n, NULL);
            int r = gt_err(err, EBUSY, "remove cgroup %s: still busy (%zu processes%s%d)", path, n,
                           n ? ", first " : "", n ? (int)pids[0] : 0);
            free(pids);
            return r;
        }
        usleep(delay_us);
        if (delay_us < 50000)
            delay_us *= 2;
    }
}

/* Undoes create(): the directories it made, deepest first. */
static void roll_back(struct gt_cgroup *cg)
{
    for (size_t i = 0; i < cg->n_dirs; i++) {
        struct gt_cg_dir *d = &cg->dirs[i];
        if (!d->created)
            continue;
        remove_dir(d, d->path, gt_clock_ms() + 500, NULL);
        cleanup_free char *p = gt_xstrdup(d->path);
        size_t top = strlen(d->created);
        for (;;) {
            char *slash = strrchr(p, '/');
            if (!slash || (size_t)(slash - p) < top)
                break;
            *slash = '\0';
            if (d->emulated)
                gt_rm_rf(p, NULL);
            else
                rmdir(p);
        }
        free(d->created);
        d->created = NULL;
    }
}

static int add_pid(struct gt_cgroup *cg, pid_t pid, struct gt_error *err)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%d", (int)pid);
    for (size_t i = 0; i < cg->n_dirs; i++) {
        struct gt_cg_dir *d = &cg->dirs[i];
        struct gt_error e2;
        int r = gt_cg_write(d, "cgroup.procs", buf, NULL, &e2);
        if (r < 0 && d->best_effort) {
            gt_debug("cgroup: join unified %s (hybrid, not required): %s", d->path, e2.msg);
            continue;
        }
        if (r < 0) {
            if (err)
                *err = e2;
            return gt_err_prefix(err, "move process %d into cgroup %s", (int)pid, cg->path);
        }
    }
    return 0;
}

int gt_cgroup_create(const char *path, const json_t *resources, pid_t pid,
                     struct gt_cgroup **out, struct gt_error *err)
{
    struct gt_cg_resources res;
    int r = gt_cg_resources_parse(resources, &res, err);
    if (r < 0)
        return r;
    struct gt_cgroup *cg = NULL;
    r = cgroup_new(path, &cg, err);
    if (r < 0)
        goto out;
    for (size_t i = 0; i < cg->n_dirs; i++) {
        struct gt_cg_dir *d = &cg->dirs[i];
        struct gt_error e2;
        r = make_dir(d, &e2);
        if (r < 0 && d->best_effort) {
            gt_debug("cgroup: %s (hybrid unified tree, not required)", e2.msg);
            dir_release(d);
            memmove(d, d + 1, (cg->n_dirs - i - 1) * sizeof *d);
            cg->n_dirs--;
            i--;
            r = 0;
            continue;
        }
        if (r < 0) {
            if (err)
                *err = e2;
            goto fail;
        }
    }
    if ((r = cg->ops->prepare(cg, err)) < 0 || (r = cg->ops->apply(cg, &res, false, err)) < 0)
        goto fail;
    if (pid > 0 && (r = add_pid(cg, pid, err)) < 0)
        goto fail;
    for (size_t i = 0; i < cg->n_dirs; i++) {
        free(cg->dirs[i].created);
        cg->dirs[i].created = NULL;
    }
    *out = cg;
    cg = NULL;
    goto out;
fail:
    roll_back(cg);
    gt_cgroup_free(cg);
out:
    gt_cg_resources_release(&res);
    return r;
}

int gt_cgroup_open(const char *path, struct gt_cgroup **out, struct gt_error *err)
{
    return cgroup_new(path, out, err);
}

const char *gt_cgroup_path(const struct gt_cgroup *cg)
{
    return cg->path;
}

enum gt_cgroup_version gt_cgroup_version(const struct gt_cgroup *cg)
{
    return cg->version;
}

int gt_cgroup_add_pid(struct gt_cgroup *cg, pid_t pid, struct gt_error *err)
{
    if (pid <= 0)
        return gt_err(err, EINVAL, "move process %d into cgroup %s: not a pid", (int)pid, cg->path);
    return add_pid(cg, pid, err);
}

int gt_cgroup_update(struct gt_cgroup *cg, const json_t *resources, struct gt_error *err)
{
    struct gt_cg_resources res;
    int r = gt_cg_resources_parse(resources, &res, err);
    if (r < 0)
        return r;
    r = cg->ops->apply(cg, &res, true, err);
    gt_cg_resources_release(&res);
    if (r < 0)
        return gt_err_prefix(err, "update cgroup %s", cg->path);
    return 0;
}

int gt_cgroup_freeze(struct gt_cgroup *cg, bool frozen, struct gt_error *err)
{
    int r = cg->ops->freeze(cg, frozen, err);
    if (r < 0)
        return gt_err_prefix(err, "%s cgroup %s", frozen ? "freeze" : "thaw", cg->path);
    return 0;
}

int gt_cgroup_is_frozen(struct gt_cgroup *cg, bool *frozen, struct gt_error *err)
{
    return cg->ops->is_frozen(cg, frozen, err);
}

int gt_cgroup_pids(struct gt_cgroup *cg, pid_t **pids, size_t *n, struct gt_error *err)
{
    const struct gt_cg_dir *d = cg->ops->procs_dir(cg);
    if (!d)
        return gt_err(err, ENOENT, "cgroup %s: no hierarchy to list processes from", cg->path);
    return gt_cg_read_pids(d->path, pids, n, err);
}

int gt_cgroup_kill_all(struct gt_cgroup *cg, int sig, struct gt_error *err)
{
    if (sig == SIGKILL && cg->ops->kill_fast) {
        int r = cg->ops->kill_fast(cg, err);
        if (r <= 0)
            return r;
    }
    /* Freeze first so that nothing forks past the signal, then thaw unless
     * the container was paused (a paused one gets the signal on resume;
     * SIGKILL is let through at once). */
    bool was_frozen = false, froze = false;
    if (cg->ops->is_frozen(cg, &was_frozen, NULL) == 0 &&
        cg->ops->freeze(cg, true, NULL) == 0)
        froze = true;
    pid_t *pids = NULL;
    size_t n = 0;
    int r = gt_cgroup_pids(cg, &pids, &n, err);
    for (size_t i = 0; r == 0 && i < n; i++) {
        if (kill(pids[i], sig) < 0 && errno != ESRCH)
            r = gt_err_sys(err, errno, "kill process %d of cgroup %s", (int)pids[i], cg->path);
    }
    free(pids);
    if (froze && (!was_frozen || sig == SIGKILL)) {
        struct gt_error e2;
        int t = cg->ops->freeze(cg, false, &e2);
        if (t < 0 && r == 0) {
            if (err)
                *err = e2;
            r = gt_err_prefix(err, "thaw cgroup %s after signalling", cg->path);
        }
    }
    return r;
}

int gt_cgroup_stats(struct gt_cgroup *cg, json_t **out, struct gt_error *err)
{
    json_t *j = json_object();
    int r = cg->ops->stats(cg, j, err);
    if (r < 0) {
        json_decref(j);
        return gt_err_prefix(err, "statistics of cgroup %s", cg->path);
    }
    *out = j;
    return 0;
}

int gt_cgroup_oom_kills(struct gt_cgroup *cg, uint64_t *out, struct gt_error *err)
{
    return cg->ops->oom_kills(cg, out, err);
}

int gt_cgroup_destroy(struct gt_cgroup *cg, struct gt_error *err)
{
    int first = 0;
    int64_t deadline = gt_clock_ms() + 5000; /* for all hierarchies together */
    for (size_t i = 0; i < cg->n_dirs; i++) {
        struct gt_cg_dir *d = &cg->dirs[i];
        struct gt_error e2;
        int r = remove_dir(d, d->path, deadline, &e2);
        if (r < 0 && d->best_effort) {
            gt_debug("cgroup: %s (hybrid unified tree)", e2.msg);
            continue;
        }
        if (r < 0 && first == 0) {
            first = r;
            if (err)
                *err = e2;
        }
    }
    return first;
}

json_t *gt_cgroup_features(void)
{
    return json_pack("{s:b,s:b,s:b,s:b,s:b}", "v1", 1, "v2", 1, "systemd", 0, "systemdUser", 0,
                     "rdma", 1);
}
