/* Helpers for the engine tests: a fixture with an engine of its own (data
 * and exec roots in the test's temporary directory, a busybox image built
 * with umoci and imported, a cgroup parent under $GANTRY_TEST_CGROUP, a
 * private mount namespace), and small drivers for the engine's API.
 *
 * The runtime is $GANTRY_TEST_RUNTIME, else build/gantry-runtime when it
 * runs containers, else runc.  Everything the fixture made is removed at
 * the end of the test (failure included): leftover processes of its
 * cgroups are killed by pid, the cgroups removed. */
#ifndef GT_TEST_ENGINE_UTIL_H
#define GT_TEST_ENGINE_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/mem.h"
#include "engine/engine.h"
#include "image/store.h"
#include "image/transfer.h"
#include "tests/unit/unit.h"

struct fx {
    char dir[PATH_MAX];
    char data[PATH_MAX];
    char exec[PATH_MAX];
    char bindir[PATH_MAX];
    char cg[256];      /* cgroup parent of the containers, "/<run>/unit-<pid>" */
    char cg_self[256]; /* where the test and its monitors are, for the clean-up */
    char runtime[PATH_MAX];
    struct gt_engine_config cfg;
    struct gt_engine *e;
    bool ready;
};

static inline void fx_sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
    nanosleep(&ts, NULL);
}

/* kills every process of the cgroups below /sys/fs/cgroup/pids<path>, then
 * removes them, deepest first */
static inline void fx_cg_clean(const char *path)
{
    static const char *const ctrls[] = { "pids", "memory", "cpu,cpuacct", "cpu", "cpuacct",
                                         "blkio", "devices", "freezer", "cpuset", "hugetlb",
                                         "net_cls,net_prio", "net_cls", "net_prio",
                                         "perf_event", "systemd", "unified", "rdma", "misc",
                                         NULL };
    char cmd[PATH_MAX * 2];
    for (int round = 0; round < 3; round++) {
        snprintf(cmd, sizeof cmd,
                 "for f in $(find /sys/fs/cgroup/pids%s -name cgroup.procs 2>/dev/null); do "
                 "for p in $(cat $f); do kill -9 $p 2>/dev/null; done; done; "
                 "for f in $(find /sys/fs/cgroup/freezer%s -name freezer.state 2>/dev/null); do "
                 "echo THAWED > $f 2>/dev/null; done",
                 path, path);
        if (system(cmd) != 0)
            break;
        fx_sleep_ms(100);
    }
    for (const char *const *c = ctrls; *c; c++) {
        snprintf(cmd, sizeof cmd,
                 "d=/sys/fs/cgroup/%s%s; [ -d $d ] && find $d -depth -type d -exec rmdir {} \\; "
                 "2>/dev/null; true",
                 *c, path);
        if (system(cmd) != 0)
            continue;
    }
}

static inline int fx_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline int fx_sh(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* A busybox image "busybox:latest" (and "busybox:extra" when extra is set:
 * a second layer with /data/seed and Volumes ["/data"]) imported into the
 * data root. */
static inline int fx_make_image(struct fx *f, bool extra)
{
    char layout[PATH_MAX];
    snprintf(layout, sizeof layout, "%s/layout", f->dir);
    int r = fx_sh(
        "set -e; cd %s; umoci init --layout layout; umoci new --image layout:latest; "
        "umoci unpack --image layout:latest b >/dev/null; r=b/rootfs; "
        "mkdir -p $r/bin $r/sbin $r/etc $r/proc $r/sys $r/dev $r/tmp $r/root $r/usr/bin $r/var; "
        "cp /bin/busybox $r/bin/busybox; "
        "for a in $(/bin/busybox --list); do [ -e $r/bin/$a ] || ln -s busybox $r/bin/$a; done; "
        "echo 'root:x:0:0:root:/root:/bin/sh' > $r/etc/passwd; "
        "echo 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >> $r/etc/passwd; "
        "echo 'user1:x:1000:1000:u:/home/user1:/bin/sh' >> $r/etc/passwd; "
        "printf 'root:x:0:\\nnogroup:x:65534:\\nusers:x:100:user1\\nuser1:x:1000:\\n' > "
        "$r/etc/group; chmod 1777 $r/tmp; "
        "umoci repack --refresh-bundle --image layout:latest b >/dev/null; "
        "umoci config --image layout:latest --config.cmd sh "
        "--config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "
        ">/dev/null; "
        "if [ %d = 1 ]; then mkdir -p $r/data; echo seeded > $r/data/seed; "
        "umoci repack --image layout:latest b >/dev/null; "
        "umoci config --image layout:latest --tag extra --config.volume /data >/dev/null; fi; "
        "rm -rf b",
        f->dir, extra ? 1 : 0);
    if (r != 0)
        return -1;
    struct gt_image_store *st;
    struct gt_error err = { 0 };
    if (gt_image_store_open(f->data, &st, &err) < 0) {
        fprintf(stderr, "store: %s\n", err.msg);
        return -1;
    }
    const char *tags[] = { "latest", extra ? "extra" : NULL, NULL };
    for (const char *const *t = tags; *t; t++) {
        char ref[64];
        snprintf(ref, sizeof ref, "busybox:%s", *t);
        struct gt_import_opts io = { .ref = ref };
        char **loaded = NULL;
        /* the layout's tag "latest" names busybox:latest */
        r = gt_oci_layout_import(st, layout, &io, &loaded, &err);
        gt_strv_free(loaded);
        if (r < 0) {
            fprintf(stderr, "import %s: %s\n", ref, err.msg);
            break;
        }
    }
    gt_image_store_free(st);
    return r;
}

static inline bool fx_runtime_works(const char *path)
{
    /* a runtime that only says "not implemented" cannot run containers */
    return fx_sh("%s --version 2>&1 | grep -qv 'not implemented' && %s --help >/dev/null 2>&1",
                 path, path) == 0 &&
           fx_sh("%s features >/dev/null 2>&1", path) == 0;
}

static inline int fx_open(struct fx *f)
{
    struct gt_error err = { 0 };
    int r = gt_engine_open(&f->cfg, &f->e, &err);
    if (r < 0)
        fprintf(stderr, "engine open: %s\n", err.msg);
    return r;
}

/* Sets up everything; skips the test when the machine cannot run it. */
static inline void fx_setup(struct fx *f, bool extra_image)
{
    memset(f, 0, sizeof *f);
    if (geteuid() != 0)
        unit_skip("needs root (namespaces, cgroups, mounts)");
    if (access("/usr/bin/umoci", X_OK) != 0)
        unit_skip("needs umoci to build the test image");
    /* mounts stay in a namespace of the test's own */
    if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        unit_skip("cannot make a private mount namespace: %s", strerror(errno));
    snprintf(f->dir, sizeof f->dir, "%s", unit_tmpdir());
    snprintf(f->data, sizeof f->data, "%s/data", f->dir);
    snprintf(f->exec, sizeof f->exec, "%s/exec", f->dir);
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    self[n > 0 ? n : 0] = '\0';
    /* build/tests/test_x -> build */
    char *slash = strrchr(self, '/');
    if (slash)
        *slash = '\0';
    slash = strrchr(self, '/');
    if (slash)
        *slash = '\0';
    snprintf(f->bindir, sizeof f->bindir, "%s", self);
    const char *rt = getenv("GANTRY_TEST_RUNTIME");
    char built[PATH_MAX];
    snprintf(built, sizeof built, "%s/gantry-runtime", f->bindir);
    if (rt && *rt)
        snprintf(f->runtime, sizeof f->runtime, "%s", rt);
    else if (fx_runtime_works(built))
        snprintf(f->runtime, sizeof f->runtime, "%s", built);
    else
        snprintf(f->runtime, sizeof f->runtime, "runc");
    const char *run = getenv("GANTRY_TEST_CGROUP");
    char runbuf[64];
    if (!run || !*run) {
        snprintf(runbuf, sizeof runbuf, "gantry-test-%d", (int)getppid());
        run = runbuf;
    }
    snprintf(f->cg, sizeof f->cg, "/%s/unit-%d", run, (int)getpid());
    snprintf(f->cg_self, sizeof f->cg_self, "/%s/unit-%d/self", run, (int)getpid());
    /* the test and the monitors it starts live in cg_self: the clean-up
     * finds them there */
    char path[PATH_MAX];
    snprintf(path, sizeof path, "/sys/fs/cgroup/pids%s", f->cg_self);
    if (gt_mkdir_p(path, 0755, NULL) == 0) {
        char procs[PATH_MAX + 32];
        snprintf(procs, sizeof procs, "%s/cgroup.procs", path);
        char pid[16];
        snprintf(pid, sizeof pid, "%d", (int)getpid());
        gt_write_file(procs, pid, strlen(pid), 0644, NULL);
    }
    f->ready = true;
    if (gt_mkdir_p(f->data, 0755, NULL) < 0 || fx_make_image(f, extra_image) < 0)
        unit_skip("could not build the busybox test image");
    snprintf(path, sizeof path, "%s/gantry-monitor", f->bindir);
    char *monitor = gt_xstrdup(path);
    snprintf(path, sizeof path, "%s/gantry-init", f->bindir);
    char *init = gt_xstrdup(path);
    f->cfg = (struct gt_engine_config){ .data_root = f->data, .exec_root = f->exec,
                                        .runtime = f->runtime, .monitor = monitor,
                                        .cgroup_parent = f->cg, .init = init };
}

static inline void fx_teardown(struct fx *f)
{
    if (!f->ready)
        return;
    if (f->e)
        gt_engine_free(f->e);
    f->e = NULL;
    /* the test itself leaves its cgroup first */
    char procs[64];
    snprintf(procs, sizeof procs, "%d", (int)getpid());
    gt_write_file("/sys/fs/cgroup/pids/cgroup.procs", procs, strlen(procs), 0644, NULL);
    char cgparent[256];
    snprintf(cgparent, sizeof cgparent, "%s", f->cg);
    fx_cg_clean(cgparent);
    fx_sh("grep -o ' %s/[^ ]*' /proc/self/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null; true",
          f->dir);
    free((char *)f->cfg.monitor);
    free((char *)f->cfg.init);
    f->ready = false;
}

#define FX(name, extra) \
    struct fx name __attribute__((cleanup(fx_teardown))); \
    fx_setup(&name, extra); \
    if (fx_open(&name) < 0) { \
        unit_fail(__FILE__, __LINE__, "the engine did not open"); \
        return; \
    }

/* ---- drivers ---- */

/* Creates from a JSON config (a format for json_pack-free literals). */
static inline char *fx_create(struct fx *f, const char *name, const char *json, struct gt_error *err)
{
    json_error_t je;
    json_t *cfg = json_loads(json, 0, &je);
    if (!cfg) {
        fprintf(stderr, "bad test JSON: %s: %s\n", je.text, json);
        return NULL;
    }
    char *id = NULL;
    json_t *warnings = NULL;
    int r = gt_engine_container_create(f->e, name, cfg, &id, &warnings, err);
    json_decref(cfg);
    json_decref(warnings);
    return r < 0 ? NULL : id;
}

static inline json_t *fx_inspect(struct fx *f, const char *ref)
{
    json_t *j = NULL;
    struct gt_error err = { 0 };
    if (gt_engine_container_inspect(f->e, ref, false, &j, &err) < 0)
        return NULL;
    return j;
}

/* A string field by a dotted path ("State.Status"), copied into buf. */
static inline const char *fx_field(struct fx *f, const char *ref, const char *path, char *buf,
                                   size_t len)
{
    json_t *j = fx_inspect(f, ref);
    if (!j) {
        snprintf(buf, len, "(no container)");
        return buf;
    }
    char copy[256];
    snprintf(copy, sizeof copy, "%s", path);
    json_t *v = j;
    char *save = NULL;
    for (char *k = strtok_r(copy, ".", &save); k && v; k = strtok_r(NULL, ".", &save))
        v = json_object_get(v, k);
    if (json_is_string(v))
        snprintf(buf, len, "%s", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(buf, len, "%lld", (long long)json_integer_value(v));
    else if (json_is_boolean(v))
        snprintf(buf, len, "%s", json_is_true(v) ? "true" : "false");
    else
        snprintf(buf, len, "(null)");
    json_decref(j);
    return buf;
}

static inline int fx_wait(struct fx *f, const char *ref, enum gt_wait_condition cond)
{
    int status = -1;
    struct gt_error err = { 0 };
    if (gt_engine_container_wait(f->e, ref, cond, NULL, NULL, -1, &status, &err) < 0) {
        fprintf(stderr, "wait %s: %s\n", ref, err.msg);
        return -1000;
    }
    return status;
}

struct fx_buf {
    char data[1 << 16];
    size_t len;
    int lines;
    int64_t last_ts;
};

static inline int fx_collect(void *ctx, int stream, const void *data, size_t len, int64_t ts)
{
    struct fx_buf *b = ctx;
    size_t room = sizeof b->data - 1 - b->len;
    if (len > room)
        len = room;
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    b->lines++;
    b->last_ts = ts;
    (void)stream;
    return 0;
}

static inline void fx_logs(struct fx *f, const char *ref, long tail, struct fx_buf *out)
{
    memset(out, 0, sizeof *out);
    struct gt_logs_options o = { .want_stdout = true, .want_stderr = true, .tail = tail };
    struct gt_error err = { 0 };
    if (gt_engine_container_logs(f->e, ref, &o, fx_collect, out, -1, &err) < 0)
        fprintf(stderr, "logs %s: %s\n", ref, err.msg);
}

/* Polls cond (a statement setting `ok`) every 50 ms for up to ms. */
#define FX_UNTIL(ms, expr) \
    ({ \
        bool _ok = false; \
        for (int _i = 0; _i < (ms) / 50 && !(_ok = (expr)); _i++) \
            fx_sleep_ms(50); \
        _ok; \
    })

#endif
