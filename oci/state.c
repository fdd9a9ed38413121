#include "oci/state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/mem.h"
#include "oci/spec.h"

const char *gt_status_name(enum gt_status s)
{
    static const char *const names[] = {
        [GT_STATUS_CREATING] = "creating", [GT_STATUS_CREATED] = "created",
        [GT_STATUS_RUNNING] = "running",   [GT_STATUS_PAUSED] = "paused",
        [GT_STATUS_STOPPED] = "stopped",
    };
    return names[s];
}

const char *gt_state_root(const char *flag)
{
    if (flag && flag[0])
        return flag;
    const char *env = getenv("GANTRY_RUNTIME_ROOT");
    return env && env[0] ? env : GT_STATE_DEFAULT_ROOT;
}

int gt_state_check_id(const char *id, struct gt_error *err)
{
    size_t n = strlen(id);
    if (n == 0)
        return gt_err(err, EINVAL, "container id must not be empty");
    if (n > 1024)
        return gt_err(err, EINVAL, "invalid id format: longer than 1024 bytes");
    if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
        return gt_err(err, EINVAL, "invalid id format: %s", id);
    for (const char *p = id; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '+' || c == '-' || c == '.'))
            return gt_err(err, EINVAL, "invalid id format: %s", id);
    }
    return 0;
}

static void dir_init(struct gt_state_dir *d, const char *root, const char *id, int fd)
{
    d->fd = fd;
    d->path = gt_path_join(root, id);
    d->id = gt_xstrdup(id);
}

int gt_state_dir_create(const char *root, const char *id, struct gt_state_dir *out,
                        struct gt_error *err)
{
    int r = gt_state_check_id(id, err);
    if (r < 0)
        return r;
    cleanup_close int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0 && errno == ENOENT) {
        if ((r = gt_mkdir_p(root, 0700, err)) < 0)
            return gt_err_prefix(err, "state root");
        rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    }
    if (rootfd < 0)
        return gt_err_sys(err, errno, "open state root %s", root);
    /* 0711: the init, under its own uid, must reach exec.fifo */
    if (mkdirat(rootfd, id, 0711) < 0) {
        if (errno == EEXIST)
            return gt_err(err, EEXIST, "container with given ID already exists");
        return gt_err_sys(err, errno, "create state directory %s/%s", root, id);
    }
    int fd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0 || flock(fd, LOCK_EX) < 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        unlinkat(rootfd, id, AT_REMOVEDIR);
        return gt_err_sys(err, e, "open state directory %s/%s", root, id);
    }
    dir_init(out, root, id, fd);
    return 0;
}

int gt_state_dir_open(const char *root, const char *id, int lock, struct gt_state_dir *out,
                      struct gt_error *err)
{
    int r = gt_state_check_id(id, err);
    if (r < 0)
        return r;
    cleanup_free char *path = gt_path_join(root, id);
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return gt_err(err, ENOENT, "container does not exist");
        return gt_err_sys(err, errno, "open %s", path);
    }
    int lr;
    do
        lr = flock(fd, lock);
    while (lr < 0 && errno == EINTR);
    if (lr < 0) {
        int e = errno;
        close(fd);
        return gt_err_sys(err, e, "lock %s", path);
    }
    /* removed while we waited for the lock? */
    struct stat st;
    if (fstat(fd, &st) < 0 || st.st_nlink == 0) {
        close(fd);
        return gt_err(err, ENOENT, "container does not exist");
    }
    dir_init(out, root, id, fd);
    return 0;
}

void gt_state_dir_release(struct gt_state_dir *d)
{
    if (d->fd >= 0)
        close(d->fd);
    d->fd = -1;
    free(d->path);
    free(d->id);
    d->path = d->id = NULL;
}

int gt_state_dir_remove(struct gt_state_dir *d, struct gt_error *err)
{
    /* files first, then the directory; a parallel reader waiting for the
     * lock sees st_nlink == 0 and reports "does not exist" */
    cleanup_dir DIR *dir = NULL;
    int dfd = openat(d->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0 && (dir = fdopendir(dfd))) {
        struct dirent *de;
        while ((de = readdir(dir)))
            if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                unlinkat(d->fd, de->d_name, 0);
    } else if (dfd >= 0) {
        close(dfd);
    }
    if (rmdir(d->path) < 0 && errno != ENOENT) {
        int e = errno;
        if (e == ENOTEMPTY || e == EEXIST) {
            if (gt_rm_rf(d->path, err) < 0)
                return gt_err_prefix(err, "remove state directory");
            return 0;
        }
        return gt_err_sys(err, e, "remove state directory %s", d->path);
    }
    return 0;
}

int gt_state_save(const struct gt_state_dir *d, const struct gt_state *st, struct gt_error *err)
{
    cleanup_json json_t *j = json_pack("{s:s,s:I,s:I,s:s,s:s,s:s,s:b}", "id", st->id, "pid",
                                       (json_int_t)st->pid, "startTime",
                                       (json_int_t)st->start_time, "bundle", st->bundle, "rootfs",
                                       st->rootfs, "created", st->created, "ownPidns",
                                       st->own_pidns);
    if (!j)
        return gt_err(err, ENOMEM, "build state.json");
    if (st->cgroup_path)
        json_object_set_new(j, "cgroupPath", json_string(st->cgroup_path));
    if (st->annotations)
        json_object_set(j, "annotations", st->annotations);
    if (st->hooks)
        json_object_set(j, "hooks", st->hooks);
    cleanup_free char *s = json_dumps(j, JSON_COMPACT);
    if (!s)
        return gt_err(err, ENOMEM, "serialise state.json");
    /* temporary file then rename, relative to the locked directory */
    size_t len = strlen(s);
    int fd = openat(d->fd, "state.json.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return gt_err_sys(err, errno, "write %s/state.json.tmp", d->path);
    int r = gt_write_all(fd, s, len);
    close(fd);
    if (r < 0 || renameat(d->fd, "state.json.tmp", d->fd, "state.json") < 0) {
        int e = r < 0 ? -r : errno;
        unlinkat(d->fd, "state.json.tmp", 0);
        return gt_err_sys(err, e, "write %s/state.json", d->path);
    }
    return 0;
}

void gt_state_release(struct gt_state *st)
{
    free(st->id);
    free(st->bundle);
    free(st->rootfs);
    free(st->created);
    free(st->cgroup_path);
    if (st->annotations)
        json_decref(st->annotations);
    if (st->hooks)
        json_decref(st->hooks);
    memset(st, 0, sizeof *st);
}

int gt_state_load(const struct gt_state_dir *d, struct gt_state *st, struct gt_error *err)
{
    memset(st, 0, sizeof *st);
    cleanup_free char *buf = NULL;
    size_t len;
    struct gt_error e2;
    int r = gt_read_file_at(d->fd, "state.json", 1 << 24, &buf, &len, &e2);
    if (r == -ENOENT)
        return gt_err(err, ENOENT, "container does not exist");
    if (r < 0)
        return gt_err(err, e2.code, "%s/%s", d->path, e2.msg);
    cleanup_json json_t *j = NULL;
    if ((r = gt_json_load_buf(buf, len, "state.json", &j, err)) < 0)
        return gt_err_prefix(err, "%s", d->path);
    const char *id, *bundle, *rootfs, *created, *cg = NULL;
    int64_t pid, start;
    bool own = false;
    if (gt_json_get_str(j, "id", "", 1, &id, err) < 0 ||
        gt_json_get_int(j, "pid", "", 1, &pid, err) < 0 ||
        gt_json_get_int(j, "startTime", "", 1, &start, err) < 0 ||
        gt_json_get_str(j, "bundle", "", 1, &bundle, err) < 0 ||
        gt_json_get_str(j, "rootfs", "", 1, &rootfs, err) < 0 ||
        gt_json_get_str(j, "created", "", 1, &created, err) < 0 ||
        gt_json_get_str(j, "cgroupPath", "", 0, &cg, err) < 0 ||
        gt_json_get_bool(j, "ownPidns", "", 0, &own, err) < 0)
        return gt_err_prefix(err, "%s/state.json", d->path);
    st->id = gt_xstrdup(id);
    st->pid = (pid_t)pid;
    st->start_time = (unsigned long long)start;
    st->bundle = gt_xstrdup(bundle);
    st->rootfs = gt_xstrdup(rootfs);
    st->created = gt_xstrdup(created);
    st->cgroup_path = cg ? gt_xstrdup(cg) : NULL;
    st->own_pidns = own;
    json_t *a = json_object_get(j, "annotations");
    if (json_is_object(a))
        st->annotations = json_incref(a);
    json_t *h = json_object_get(j, "hooks");
    if (json_is_object(h))
        st->hooks = json_incref(h);
    return 0;
}

int gt_proc_stat(pid_t pid, unsigned long long *start_time, char *state)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? -ESRCH : -errno;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return -ESRCH;
    buf[n] = '\0';
    /* the command name may hold spaces and parentheses: skip to the last ')' */
    char *p = strrchr(buf, ')');
    if (!p || p[1] != ' ')
        return -EINVAL;
    p += 2;
    char st = *p;
    /* fields after the name: 3 state ... 22 starttime */
    for (int field = 3; field < 22; field++) {
        p = strchr(p, ' ');
        if (!p)
            return -EINVAL;
        p++;
    }
    if (start_time)
        *start_time = strtoull(p, NULL, 10);
    if (state)
        *state = st;
    return 0;
}

bool gt_state_init_alive(const struct gt_state *st)
{
    if (st->pid <= 0)
        return false;
    unsigned long long start;
    char s;
    if (gt_proc_stat(st->pid, &start, &s) < 0)
        return false;
    return start == st->start_time && s != 'Z' && s != 'X';
}

bool gt_state_has_fifo(const struct gt_state_dir *d)
{
    struct stat st;
    return fstatat(d->fd, "exec.fifo", &st, AT_SYMLINK_NOFOLLOW) == 0;
}

json_t *gt_state_to_json(const struct gt_state *st, enum gt_status status, const char *owner)
{
    bool alive = status != GT_STATUS_STOPPED && status != GT_STATUS_CREATING;
    json_t *j = json_pack("{s:s,s:s,s:I,s:s,s:s,s:s,s:s}", "ociVersion", GT_SPEC_VERSION, "id",
                          st->id, "pid", (json_int_t)(alive ? st->pid : 0), "status",
                          gt_status_name(status), "bundle", st->bundle, "rootfs", st->rootfs,
                          "created", st->created);
    if (st->annotations && json_object_size(st->annotations))
        json_object_set(j, "annotations", st->annotations);
    json_object_set_new(j, "owner", json_string(owner ? owner : ""));
    return j;
}

void gt_format_rfc3339(char *buf, size_t len)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
    if (ts.tv_nsec) {
        char frac[16];
        snprintf(frac, sizeof frac, ".%09ld", ts.tv_nsec);
        size_t fl = strlen(frac);
        while (frac[fl - 1] == '0')
            frac[--fl] = '\0';
        snprintf(buf + n, len - n, "%sZ", frac);
    } else {
        snprintf(buf + n, len - n, "Z");
    }
}
