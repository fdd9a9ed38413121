/* Reading and writing cgroup files, shared by the v1 and v2 backends. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/clock.h"
#include "base/fs.h"
#include "base/mem.h"
#include "oci/cgroup_internal.h"

int gt_cg_write(const struct gt_cg_dir *d, const char *file, const char *value,
                const char *field, struct gt_error *err)
{
    cleanup_free char *p = gt_path_join(d->path, file);
    int flags = O_WRONLY | O_CLOEXEC;
    if (d->emulated)
        flags |= O_CREAT | O_TRUNC;
    cleanup_close int fd = open(p, flags, 0644);
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT && !gt_path_exists(d->path))
            return gt_err(err, ENOENT, "%s%scgroup %s does not exist", field ? field : "",
                          field ? ": " : "", d->path);
        if (e == ENOENT)
            return gt_err(err, ENOTSUP, "%s%s%s: not available (the kernel or controller lacks it)",
                          field ? field : "", field ? ": " : "", p);
        return gt_err_sys(err, e, "%s%sopen %s", field ? field : "", field ? ": " : "", p);
    }
    size_t len = strlen(value);
    ssize_t w;
    do
        w = write(fd, value, len);
    while (w < 0 && errno == EINTR);
    if (w < 0)
        return gt_err_sys(err, errno, "%s%swrite \"%s\" to %s", field ? field : "",
                          field ? ": " : "", value, p);
    return 0;
}

int gt_cg_writef(const struct gt_cg_dir *d, const char *file, const char *field,
                 struct gt_error *err, const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;
    va_start(ap, fmt);
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        return gt_err(err, ENOMEM, "format value for %s", file);
    int r = gt_cg_write(d, file, s, field, err);
    free(s);
    return r;
}

int gt_cg_read(const struct gt_cg_dir *d, const char *file, char **out, struct gt_error *err)
{
    cleanup_free char *p = gt_path_join(d->path, file);
    return gt_read_file(p, 16 << 20, out, NULL, err);
}

static int parse_u64(const char *s, const char *what, uint64_t *out, struct gt_error *err)
{
    while (*s == ' ')
        s++;
    if (strncmp(s, "max", 3) == 0) {
        *out = UINT64_MAX;
        return 0;
    }
    char *end;
    errno = 0;
    /* v1 reports "unlimited" as -1 in some files (rt_runtime_us, cfs_quota_us) */
    if (*s == '-') {
        long long v = strtoll(s, &end, 10);
        if (end == s || v != -1)
            return gt_err(err, EINVAL, "%s: \"%s\" is not a number", what, s);
        *out = UINT64_MAX;
        return 0;
    }
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || errno)
        return gt_err(err, EINVAL, "%s: \"%.32s\" is not a number", what, s);
    *out = v;
    return 0;
}

int gt_cg_read_u64(const struct gt_cg_dir *d, const char *file, uint64_t *out,
                   struct gt_error *err)
{
    cleanup_free char *s = NULL;
    int r = gt_cg_read(d, file, &s, err);
    if (r < 0)
        return r;
    cleanup_free char *what = gt_path_join(d->path, file);
    return parse_u64(s, what, out, err);
}

int gt_cg_read_keyed(const struct gt_cg_dir *d, const char *file, const char *key,
                     uint64_t *out, struct gt_error *err)
{
    cleanup_free char *s = NULL;
    int r = gt_cg_read(d, file, &s, err);
    if (r < 0)
        return r;
    size_t kl = strlen(key);
    for (char *line = s; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        if (strncmp(line, key, kl) == 0 && line[kl] == ' ') {
            cleanup_free char *what = gt_xasprintf("%s/%s: %s", d->path, file, key);
            return parse_u64(line + kl + 1, what, out, err);
        }
        line = nl ? nl + 1 : NULL;
    }
    return gt_err(err, ENOENT, "%s/%s: no \"%s\" line", d->path, file, key);
}

bool gt_cg_has_file(const struct gt_cg_dir *d, const char *file)
{
    cleanup_free char *p = gt_path_join(d->path, file);
    return access(p, F_OK) == 0;
}

static bool content_matches(char *s, const char *key, const char *want)
{
    if (!key) {
        s[strcspn(s, "\n")] = '\0';
        return strcmp(s, want) == 0;
    }
    size_t kl = strlen(key);
    for (char *line = s; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        if (strncmp(line, key, kl) == 0 && line[kl] == ' ')
            return strcmp(line + kl + 1, want) == 0;
        line = nl ? nl + 1 : NULL;
    }
    return false;
}

int gt_cg_wait_value(const struct gt_cg_dir *d, const char *file, const char *want,
                     int timeout_ms, struct gt_error *err)
{
    /* want may be "key value" for keyed files */
    cleanup_free char *key = NULL;
    const char *val = want;
    const char *sp = strchr(want, ' ');
    if (sp) {
        key = gt_xstrndup(want, (size_t)(sp - want));
        val = sp + 1;
    }
    int64_t start = gt_clock_ms();
    unsigned delay_us = 100;
    cleanup_free char *last = NULL;
    for (;;) {
        free(last);
        last = NULL;
        int r = gt_cg_read(d, file, &last, err);
        if (r < 0)
            return r;
        if (content_matches(last, key, val))
            return 0;
        if (gt_clock_ms() - start >= timeout_ms)
            return gt_err(err, ETIMEDOUT, "%s/%s: still \"%s\" after %d ms, expected \"%s\"",
                          d->path, file, last, timeout_ms, want);
        usleep(delay_us);
        if (delay_us < 20000)
            delay_us *= 2;
    }
}

struct pid_list {
    pid_t *v;
    size_t n, cap;
};

static int collect_pids(int dirfd, const char *path, struct pid_list *l, int depth,
                        struct gt_error *err)
{
    if (depth > 64)
        return gt_err(err, ELOOP, "%s: cgroup tree too deep", path);
    cleanup_free char *s = NULL;
    int r = gt_read_file_at(dirfd, "cgroup.procs", 0, &s, NULL, err);
    if (r < 0)
        return gt_err_prefix(err, "list processes of cgroup %s", path);
    for (char *p = s; *p;) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p)
            break;
        if (l->n == l->cap) {
            l->cap = l->cap ? l->cap * 2 : 64;
            l->v = gt_xrealloc(l->v, l->cap * sizeof *l->v);
        }
        l->v[l->n++] = (pid_t)v;
        p = end;
        while (*p == '\n' || *p == ' ')
            p++;
    }
    int dup = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dup < 0)
        return gt_err_sys(err, errno, "open %s", path);
    cleanup_dir DIR *dir = fdopendir(dup);
    if (!dir) {
        close(dup);
        return gt_err_sys(err, errno, "open %s", path);
    }
    struct dirent *de;
    while ((de = readdir(dir))) {
        if (de->d_type != DT_DIR || de->d_name[0] == '.')
            continue;
        cleanup_close int sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (sub < 0) {
            if (errno == ENOENT) /* removed meanwhile */
                continue;
            return gt_err_sys(err, errno, "open %s/%s", path, de->d_name);
        }
        cleanup_free char *subpath = gt_path_join(path, de->d_name);
        r = collect_pids(sub, subpath, l, depth + 1, err);
        if (r < 0)
            return r;
    }
    return 0;
}

static int cmp_pid(const void *a, const void *b)
{
    pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
    return (x > y) - (x < y);
}

int gt_cg_read_pids(const char *dir, pid_t **pids, size_t *n, struct gt_error *err)
{
    *pids = NULL;
    *n = 0;
    cleanup_close int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return gt_err_sys(err, errno, "open cgroup %s", dir);
    struct pid_list l = { 0 };
    int r = collect_pids(fd, dir, &l, 0, err);
    if (r < 0) {
        free(l.v);
        return r;
    }
    if (l.n) {
        qsort(l.v, l.n, sizeof *l.v, cmp_pid);
        size_t w = 1;
        for (size_t i = 1; i < l.n; i++)
            if (l.v[i] != l.v[w - 1])
                l.v[w++] = l.v[i];
        l.n = w;
    }
    *pids = l.v;
    *n = l.n;
    return 0;
}

/* "mlx5_0 hca_handle=2 hca_object=max": shared by both backends' rdma.max */
int gt_cg_write_rdma(const struct gt_cg_dir *d, const struct gt_cg_resources *r, struct gt_error *err)
{
    for (size_t i = 0; i < r->n_rdma; i++) {
        const struct gt_cg_rdma *e = &r->rdma[i];
        char h[24] = "max", o[24] = "max", field[128];
        if (e->hca_handles.set)
            snprintf(h, sizeof h, "%" PRIu64, e->hca_handles.v);
        if (e->hca_objects.set)
            snprintf(o, sizeof o, "%" PRIu64, e->hca_objects.v);
        snprintf(field, sizeof field, "linux.resources.rdma.%s", e->device);
        int rc = gt_cg_writef(d, "rdma.max", field, err, "%s hca_handle=%s hca_object=%s",
                              e->device, h, o);
        if (rc < 0)
            return rc;
    }
    return 0;
}


int gt_cg_write_limit(const struct gt_cg_dir *d, const char *file, int64_t v, const char *field,
                      struct gt_error *err)
{
    if (v < 0)
        return gt_cg_write(d, file, "max", field, err);
    return gt_cg_writef(d, file, field, err, "%" PRId64, v);
}

int gt_cg_check_memory_usage(const struct gt_cg_dir *d, const char *usage_file,
                             const struct gt_cg_resources *r, bool updating,
                             struct gt_error *err)
{
    const typeof(r->memory) *m = &r->memory;
    if (!updating || !m->check_before_update.set || !m->check_before_update.v || !m->limit.set ||
        m->limit.v <= 0)
        return 0;
    uint64_t usage;
    int rc = gt_cg_read_u64(d, usage_file, &usage, err);
    if (rc < 0)
        return rc;
    if ((uint64_t)m->limit.v < usage)
        return gt_err(err, EBUSY,
                      "linux.resources.memory.limit: %" PRId64 " is below the current usage %" PRIu64
                      " (checkBeforeUpdate)",
                      m->limit.v, usage);
    return 0;
}

void gt_cg_put_u64(json_t *o, const char *key, const struct gt_cg_dir *d, const char *file,
                   json_int_t if_max)
{
    uint64_t v;
    if (gt_cg_read_u64(d, file, &v, NULL) == 0)
        json_object_set_new(o, key, json_integer(v == UINT64_MAX ? if_max
                                                 : v > INT64_MAX  ? INT64_MAX
                                                                  : (json_int_t)v));
}

json_t *gt_cg_keyed_object(const char *s)
{
    json_t *o = json_object();
    cleanup_free char *copy = gt_xstrdup(s);
    char *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *sp = strchr(line, ' ');
        if (!sp)
            continue;
        *sp = '\0';
        json_object_set_new(o, line, json_integer((json_int_t)strtoull(sp + 1, NULL, 10)));
    }
    return o;
}

void gt_cg_stats_pids(const struct gt_cg_dir *d, json_t *out)
{
    json_t *pids = json_object();
    gt_cg_put_u64(pids, "current", d, "pids.current", 0);
    gt_cg_put_u64(pids, "limit", d, "pids.max", 0);
    json_object_set_new(out, "pids", pids);
}
