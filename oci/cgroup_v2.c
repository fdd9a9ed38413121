/* The cgroup v2 backend: one directory in the unified hierarchy.
 *
 * Controllers are enabled in cgroup.subtree_control from the root down to
 * the container's parent: those the resources need (an error naming the
 * field when one is unavailable) and, best effort, the ones statistics
 * read (cpu, io, memory, pids).  Nothing else is switched on, so that a
 * host's tree changes no more than the container needs. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "oci/cgroup_internal.h"

#define RES "linux.resources"

struct need {
    const char *controller;
    const char *field;
};

static bool has_token(const char *list, const char *tok)
{
    size_t tl = strlen(tok);
    for (const char *p = list; p && *p;) {
        while (*p == ' ' || *p == '\n' || *p == '+')
            p++;
        size_t l = strcspn(p, " \n");
        if (l == tl && strncmp(p, tok, tl) == 0)
            return true;
        p += l;
    }
    return false;
}

/* The controllers the resources ask for, each with the field that asks. */
static size_t needed(const struct gt_cg_resources *r, struct need *out, size_t max)
{
    size_t n = 0;
#define NEED(c, f) \
    do { \
        if (n < max) \
            out[n++] = (struct need){ c, f }; \
    } while (0)
    const typeof(r->memory) *m = &r->memory;
    if (m->limit.set || m->reservation.set || m->swap.set)
        NEED("memory", RES ".memory");
    const typeof(r->cpu) *c = &r->cpu;
    if (c->shares.set || c->quota.set || c->period.set || c->burst.set || c->idle.set)
        NEED("cpu", RES ".cpu");
    if (c->cpus || c->mems)
        NEED("cpuset", c->cpus ? RES ".cpu.cpus" : RES ".cpu.mems");
    if (r->pids_limit.set)
        NEED("pids", RES ".pids.limit");
    bool io = r->blkio.weight.set || r->blkio.n_weight_dev;
    for (int t = 0; t < GT_CG_NTHROTTLE; t++)
        io = io || r->blkio.n_throttle[t];
    if (io)
        NEED("io", RES ".blockIO");
    if (r->n_hugepages)
        NEED("hugetlb", RES ".hugepageLimits");
    if (r->n_rdma)
        NEED("rdma", RES ".rdma");
#undef NEED
    return n;
}

/* Enables controllers at one level.  required: fail naming field. */
static int enable_at(const struct gt_cg_dir *level, const char *available, const char *enabled,
                     const struct need *want, size_t n, bool required, struct gt_error *err)
{
    char line[256] = "";
    size_t len = 0;
    bool any = false;
    /* a prepared tree's file holds what was last written: keep the whole
     * set in it, as the kernel would */
    if (level->emulated) {
        for (const char *p = enabled; *p;) {
            while (*p == ' ' || *p == '\n' || *p == '+')
                p++;
            size_t l = strcspn(p, " \n");
            if (l && len + l + 2 < sizeof line)
                len += (size_t)snprintf(line + len, sizeof line - len, "%s+%.*s", len ? " " : "",
                                        (int)l, p);
            p += l;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (has_token(enabled, want[i].controller) || has_token(line, want[i].controller))
            continue;
        if (!has_token(available, want[i].controller)) {
            if (!required)
                continue;
            return gt_err(err, ENOTSUP,
                          "%s: the %s controller is not available in %s (cgroup.controllers: "
                          "\"%s\")",
                          want[i].field, want[i].controller, level->path, available);
        }
        len += (size_t)snprintf(line + len, sizeof line - len, "%s+%s", len ? " " : "",
                                want[i].controller);
        if (len >= sizeof line)
            return gt_err(err, E2BIG, "too many controllers");
        any = true;
    }
    if (!any)
        return 0;
    struct gt_error e2;
    if (gt_cg_write(level, "cgroup.subtree_control", line, NULL, &e2) == 0)
        return 0;
    /* all at once failed: one by one, to find the culprit */
    for (size_t i = 0; i < n; i++) {
        if (!has_token(line, want[i].controller))
            continue;
        char one[64];
        snprintf(one, sizeof one, "+%s", want[i].controller);
        int r = gt_cg_write(level, "cgroup.subtree_control", one, want[i].field, &e2);
        if (r < 0 && required) {
            if (err)
                *err = e2;
            return gt_err_prefix(err, "enable the %s controller", want[i].controller);
        }
        if (r < 0)
            gt_debug("cgroup: %s (only used for statistics)", e2.msg);
    }
    return 0;
}

static int enable_controllers(struct gt_cgroup *cg, const struct need *want, size_t n,
                              bool required, struct gt_error *err)
{
    if (!n)
        return 0;
    const struct gt_cg_dir *d = &cg->dirs[0];
    cleanup_free char *root = gt_xstrndup(d->path, strlen(d->path) - strlen(cg->path));
    cleanup_free char *inherited = NULL; /* what the level above enabled */
    /* each '/' of the cgroup path ends a level: the root, then every
     * ancestor down to the container's parent */
    for (size_t j = 0; cg->path[j]; j++) {
        if (cg->path[j] != '/')
            continue;
        cleanup_free char *lp = gt_xasprintf("%s%.*s", root, (int)j, cg->path);
        struct gt_cg_dir level = { .path = lp, .emulated = d->emulated };
        cleanup_free char *available = NULL, *enabled = NULL;
        int r = gt_cg_read(&level, "cgroup.controllers", &available, NULL);
        if (r < 0 && d->emulated && inherited) {
            /* a prepared tree has no kernel to fill new directories in */
            available = steal_pointer(&inherited);
            r = 0;
        }
        if (r < 0)
            return gt_cg_read(&level, "cgroup.controllers", &available, err);
        if (gt_cg_read(&level, "cgroup.subtree_control", &enabled, NULL) < 0)
            enabled = gt_xstrdup("");
        if ((r = enable_at(&level, available, enabled, want, n, required, err)) < 0)
            return r;
        free(inherited);
        inherited = NULL;
        if (gt_cg_read(&level, "cgroup.subtree_control", &inherited, NULL) < 0)
            inherited = gt_xstrdup("");
    }
    return 0;
}

static int v2_prepare(struct gt_cgroup *cg, struct gt_error *err)
{
    static const struct need stats[] = {
        { "cpu", "statistics" }, { "io", "statistics" },
        { "memory", "statistics" }, { "pids", "statistics" },
    };
    return enable_controllers(cg, stats, sizeof stats / sizeof stats[0], false, err);
}

static int unsupported(const char *field, struct gt_error *err)
{
    return gt_err(err, ENOTSUP, "%s: not supported on cgroup v2", field);
}

static int apply_memory(struct gt_cg_dir *d, const struct gt_cg_resources *r, bool updating,
                        struct gt_error *err)
{
    const typeof(r->memory) *m = &r->memory;
    int rc;
    if (m->swappiness.set)
        return unsupported(RES ".memory.swappiness", err);
    if (m->disable_oom_killer.set && m->disable_oom_killer.v)
        return unsupported(RES ".memory.disableOOMKiller", err);
    if (m->use_hierarchy.set && !m->use_hierarchy.v)
        return gt_err(err, ENOTSUP, RES ".memory.useHierarchy: false is not possible on cgroup v2 "
                                        "(always hierarchical)");
    if (m->kernel.set || m->kernel_tcp.set)
        gt_debug("cgroup: memory.kernel and memory.kernelTCP have no cgroup v2 equivalent; ignored");
    int64_t swap;
    bool swap_set;
    if ((rc = gt_cg_swap_to_v2(r, &swap, &swap_set, err)) < 0)
        return rc;
    if ((rc = gt_cg_check_memory_usage(d, "memory.current", r, updating, err)) < 0)
        return rc;
    /* unlimited memory implies unlimited swap, where there is swap */
    if (swap_set && !m->swap.set && !d->emulated && !gt_cg_has_file(d, "memory.swap.max"))
        swap_set = false;
    if (swap_set) {
        if (!d->emulated && !gt_cg_has_file(d, "memory.swap.max"))
            return gt_err(err, ENOTSUP,
                          RES ".memory.swap: %s/memory.swap.max is missing (swap accounting is "
                              "off: boot with swapaccount=1)",
                          d->path);
        if ((rc = gt_cg_write_limit(d, "memory.swap.max", swap, RES ".memory.swap", err)) < 0)
            return rc;
    }
    if (m->limit.set &&
        (rc = gt_cg_write_limit(d, "memory.max", m->limit.v, RES ".memory.limit", err)) < 0)
        return rc;
    if (m->reservation.set && (rc = gt_cg_write_limit(d, "memory.low", m->reservation.v,
                                                      RES ".memory.reservation", err)) < 0)
        return rc;
    return 0;
}

static int apply_cpu(struct gt_cg_dir *d, const struct gt_cg_resources *r, struct gt_error *err)
{
    const typeof(r->cpu) *c = &r->cpu;
    int rc;
    if (c->rt_period.set || c->rt_runtime.set)
        return unsupported(c->rt_period.set ? RES ".cpu.realtimePeriod" : RES ".cpu.realtimeRuntime",
                           err);
    if (c->cpus && (rc = gt_cg_write(d, "cpuset.cpus", c->cpus, RES ".cpu.cpus", err)) < 0)
        return rc;
    if (c->mems && (rc = gt_cg_write(d, "cpuset.mems", c->mems, RES ".cpu.mems", err)) < 0)
        return rc;
    if (c->shares.set && (rc = gt_cg_writef(d, "cpu.weight", RES ".cpu.shares", err, "%" PRIu64,
                                            gt_cg_shares_to_weight(c->shares.v))) < 0)
        return rc;
    if (c->quota.set || c->period.set) {
        /* cpu.max is "$QUOTA $PERIOD"; keep the part not given */
        char quota[32] = "max";
        if (c->quota.set && c->quota.v > 0) {
            snprintf(quota, sizeof quota, "%" PRId64, c->quota.v);
        } else if (!c->quota.set) {
            cleanup_free char *cur = NULL;
            if (gt_cg_read(d, "cpu.max", &cur, NULL) == 0 && cur[0] && cur[0] != '\n')
                snprintf(quota, sizeof quota, "%.*s", (int)strcspn(cur, " \n"), cur);
        }
        rc = c->period.set ? gt_cg_writef(d, "cpu.max", RES ".cpu.quota", err, "%s %" PRIu64, quota,
                                          c->period.v)
                           : gt_cg_write(d, "cpu.max", quota, RES ".cpu.quota", err);
        if (rc < 0)
            return rc;
    }
    if (c->burst.set && (rc = gt_cg_writef(d, "cpu.max.burst", RES ".cpu.burst", err, "%" PRIu64,
                                           c->burst.v)) < 0)
        return rc;
    if (c->idle.set &&
        (rc = gt_cg_writef(d, "cpu.idle", RES ".cpu.idle", err, "%" PRId64, c->idle.v)) < 0)
        return rc;
    return 0;
}

static int apply_io(struct gt_cg_dir *d, const struct gt_cg_resources *r, struct gt_error *err)
{
    const typeof(r->blkio) *b = &r->blkio;
    int rc;
    if (b->leaf_weight.set)
        return unsupported(RES ".blockIO.leafWeight", err);
    /* BFQ takes the v1 range as it is; io.weight is 1..10000 */
    bool bfq = gt_cg_has_file(d, "io.bfq.weight");
    if (b->weight.set) {
        rc = bfq ? gt_cg_writef(d, "io.bfq.weight", RES ".blockIO.weight", err, "%" PRIu64,
                                b->weight.v)
                 : gt_cg_writef(d, "io.weight", RES ".blockIO.weight", err, "default %" PRIu64,
                                gt_cg_blkio_to_io_weight(b->weight.v));
        if (rc < 0)
            return rc;
    }
    for (size_t i = 0; i < b->n_weight_dev; i++) {
        const struct gt_cg_weight_dev *w = &b->weight_dev[i];
        char field[64];
        snprintf(field, sizeof field, RES ".blockIO.weightDevice[%zu]", i);
        if (w->leaf_weight.set)
            return gt_err(err, ENOTSUP, "%s.leafWeight: not supported on cgroup v2", field);
        rc = bfq ? gt_cg_writef(d, "io.bfq.weight", field, err, "%" PRId64 ":%" PRId64 " %" PRIu64,
                                w->major, w->minor, w->weight.v)
                 : gt_cg_writef(d, "io.weight", field, err, "%" PRId64 ":%" PRId64 " %" PRIu64,
                                w->major, w->minor, gt_cg_blkio_to_io_weight(w->weight.v));
        if (rc < 0)
            return rc;
    }
    static const char *const keys[GT_CG_NTHROTTLE] = { "rbps", "wbps", "riops", "wiops" };
    for (int t = 0; t < GT_CG_NTHROTTLE; t++) {
        for (size_t i = 0; i < b->n_throttle[t]; i++) {
            const struct gt_cg_rate_dev *e = &b->throttle[t][i];
            char field[80];
            snprintf(field, sizeof field, RES ".blockIO.%s[%zu]", gt_cg_throttle_field[t], i);
            /* 0 is "no limit" in the spec's throttle lists */
            if (e->rate)
                rc = gt_cg_writef(d, "io.max", field, err, "%" PRId64 ":%" PRId64 " %s=%" PRIu64,
                                  e->major, e->minor, keys[t], e->rate);
            else
                rc = gt_cg_writef(d, "io.max", field, err, "%" PRId64 ":%" PRId64 " %s=max",
                                  e->major, e->minor, keys[t]);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

static int apply_devices(struct gt_cg_dir *d, const struct gt_cg_resources *r,
                         struct gt_error *err)
{
    if (!r->has_devices)
        return 0;
    cleanup_close int prog = gt_cg_bpf_devices_load(r->devices, r->n_devices, err);
    if (prog < 0)
        return prog;
    if (d->emulated) {
        /* a prepared tree cannot hold a program: it was only verified */
        gt_debug("cgroup: %s is not a cgroup2 filesystem; device program not attached", d->path);
        return 0;
    }
    cleanup_close int dfd = open(d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return gt_err_sys(err, errno, "open cgroup %s", d->path);
    return gt_cg_bpf_devices_attach(dfd, prog, err);
}

static int v2_apply(struct gt_cgroup *cg, const struct gt_cg_resources *r, bool updating,
                    struct gt_error *err)
{
    struct gt_cg_dir *d = &cg->dirs[0];
    struct need want[16];
    size_t n = needed(r, want, 16);
    int rc;
    if (r->network.class_id.set || r->network.n_prios)
        return gt_err(err, ENOTSUP, RES ".network: not supported on cgroup v2 (net_cls and "
                                        "net_prio exist only in v1)");
    if ((rc = enable_controllers(cg, want, n, true, err)) < 0)
        return rc;
    if ((rc = apply_cpu(d, r, err)) < 0 || (rc = apply_memory(d, r, updating, err)) < 0)
        return rc;
    if (r->pids_limit.set &&
        (rc = gt_cg_write_limit(d, "pids.max", r->pids_limit.v, RES ".pids.limit", err)) < 0)
        return rc;
    if ((rc = apply_io(d, r, err)) < 0)
        return rc;
    for (size_t i = 0; i < r->n_hugepages; i++) {
        char file[64], field[64];
        snprintf(file, sizeof file, "hugetlb.%s.max", r->hugepages[i].size);
        snprintf(field, sizeof field, RES ".hugepageLimits[%zu]", i);
        if ((rc = gt_cg_writef(d, file, field, err, "%" PRIu64, r->hugepages[i].limit)) < 0)
            return rc;
    }
    if ((rc = gt_cg_write_rdma(d, r, err)) < 0 || (rc = apply_devices(d, r, err)) < 0)
        return rc;
    /* unified last, so that it can override the converted values */
    for (size_t i = 0; i < r->n_unified; i++) {
        const char *key = r->unified[i].key;
        char ctrl[32], field[128];
        snprintf(ctrl, sizeof ctrl, "%.*s", (int)strcspn(key, "."), key);
        snprintf(field, sizeof field, RES ".unified.%s", key);
        if (strcmp(ctrl, "cgroup") != 0) {
            struct need one = { ctrl, field };
            if ((rc = enable_controllers(cg, &one, 1, true, err)) < 0)
                return rc;
        }
        if ((rc = gt_cg_write(d, key, r->unified[i].value, field, err)) < 0)
            return rc;
    }
    return 0;
}

static int v2_freeze(struct gt_cgroup *cg, bool frozen, struct gt_error *err)
{
    struct gt_cg_dir *d = &cg->dirs[0];
    /* cgroup.freeze exists since kernel 5.2 */
    int r = gt_cg_write(d, "cgroup.freeze", frozen ? "1" : "0", NULL, err);
    if (r < 0)
        return r;
    return gt_cg_wait_value(d, "cgroup.events", frozen ? "frozen 1" : "frozen 0", 10000, err);
}

static int v2_is_frozen(struct gt_cgroup *cg, bool *frozen, struct gt_error *err)
{
    uint64_t v;
    int r = gt_cg_read_keyed(&cg->dirs[0], "cgroup.events", "frozen", &v, err);
    if (r < 0)
        return r;
    *frozen = v == 1;
    return 0;
}

static const struct gt_cg_dir *v2_procs_dir(struct gt_cgroup *cg)
{
    return &cg->dirs[0];
}

static int v2_oom_kills(struct gt_cgroup *cg, uint64_t *out, struct gt_error *err)
{
    return gt_cg_read_keyed(&cg->dirs[0], "memory.events", "oom_kill", out, err);
}

/* cgroup.kill (kernel 5.14) kills the whole subtree at once */
static int v2_kill_fast(struct gt_cgroup *cg, struct gt_error *err)
{
    struct gt_cg_dir *d = &cg->dirs[0];
    if (!gt_cg_has_file(d, "cgroup.kill"))
        return 1;
    return gt_cg_write(d, "cgroup.kill", "1", NULL, err);
}

/* ---- statistics, in the shape runc gives on v2 ---- */

static json_int_t getk(json_t *o, const char *k)
{
    return json_integer_value(json_object_get(o, k));
}

/* "max" reads as the largest value JSON numbers here can carry */
static void put_u64(json_t *o, const char *key, struct gt_cg_dir *d, const char *file)
{
    gt_cg_put_u64(o, key, d, file, INT64_MAX);
}

static void stats_io(struct gt_cg_dir *d, json_t *out)
{
    cleanup_free char *s = NULL;
    json_t *bytes = json_array(), *ios = json_array();
    if (gt_cg_read(d, "io.stat", &s, NULL) == 0) {
        char *save = NULL;
        for (char *line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
            unsigned maj, min;
            int used;
            if (sscanf(line, "%u:%u%n", &maj, &min, &used) != 2)
                continue;
            static const struct {
                const char *key, *op;
                bool bytes;
            } map[] = {
                { "rbytes", "Read", true }, { "wbytes", "Write", true },
                { "rios", "Read", false }, { "wios", "Write", false },
            };
            for (char *tok = strtok(line + used, " "); tok; tok = strtok(NULL, " ")) {
                char *eq = strchr(tok, '=');
                if (!eq)
                    continue;
                *eq = '\0';
                for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
                    if (strcmp(tok, map[i].key) == 0)
                        json_array_append_new(map[i].bytes ? bytes : ios,
                                              json_pack("{s:i,s:i,s:s,s:I}", "major", maj, "minor",
                                                        min, "op", map[i].op, "value",
                                                        (json_int_t)strtoull(eq + 1, NULL, 10)));
            }
        }
    }
    json_object_set_new(out, "blkio", json_pack("{s:o,s:o}", "ioServiceBytesRecursive", bytes,
                                                 "ioServicedRecursive", ios));
}

static void stats_hugetlb(struct gt_cg_dir *d, json_t *out)
{
    json_t *h = json_object();
    cleanup_dir DIR *dir = opendir(d->path);
    struct dirent *de;
    while (dir && (de = readdir(dir))) {
        char size[32];
        size_t l = strlen(de->d_name);
        if (l < 9 || strcmp(de->d_name + l - 8, ".current") != 0 ||
            sscanf(de->d_name, "hugetlb.%31[^.].current", size) != 1 || strstr(de->d_name, ".rsvd."))
            continue;
        json_t *e = json_object();
        char f[96];
        snprintf(f, sizeof f, "hugetlb.%s.current", size);
        put_u64(e, "usage", d, f);
        snprintf(f, sizeof f, "hugetlb.%s.events", size);
        uint64_t v;
        if (gt_cg_read_keyed(d, f, "max", &v, NULL) == 0)
            json_object_set_new(e, "failcnt", json_integer((json_int_t)v));
        json_object_set_new(h, size, e);
    }
    json_object_set_new(out, "hugetlb", h);
}

static int v2_stats(struct gt_cgroup *cg, json_t *out, struct gt_error *err)
{
    struct gt_cg_dir *d = &cg->dirs[0];
    if (!gt_path_exists(d->path))
        return gt_err(err, ENOENT, "cgroup %s does not exist", d->path);
    cleanup_free char *s = NULL;
    /* cpu.stat is in every cgroup, the cpu controller only adds throttling */
    json_t *usage = json_object(), *thr = json_object();
    if (gt_cg_read(d, "cpu.stat", &s, NULL) == 0) {
        cleanup_json json_t *k = gt_cg_keyed_object(s);
        json_object_set_new(usage, "total", json_integer(getk(k, "usage_usec") * 1000));
        json_object_set_new(usage, "user", json_integer(getk(k, "user_usec") * 1000));
        json_object_set_new(usage, "kernel", json_integer(getk(k, "system_usec") * 1000));
        json_object_set_new(thr, "periods", json_integer(getk(k, "nr_periods")));
        json_object_set_new(thr, "throttled_periods", json_integer(getk(k, "nr_throttled")));
        json_object_set_new(thr, "throttled_time", json_integer(getk(k, "throttled_usec") * 1000));
    }
    json_object_set_new(out, "cpu", json_pack("{s:o,s:o}", "usage", usage, "throttling", thr));

    json_t *mem = json_object(), *mu = json_object();
    put_u64(mu, "usage", d, "memory.current");
    put_u64(mu, "limit", d, "memory.max");
    put_u64(mu, "max", d, "memory.peak"); /* kernel 5.19 */
    uint64_t v;
    if (gt_cg_read_keyed(d, "memory.events", "max", &v, NULL) == 0)
        json_object_set_new(mu, "failcnt", json_integer((json_int_t)v));
    json_object_set_new(mem, "usage", mu);
    if (gt_cg_has_file(d, "memory.swap.current")) {
        json_t *sw = json_object();
        put_u64(sw, "usage", d, "memory.swap.current");
        put_u64(sw, "limit", d, "memory.swap.max");
        json_object_set_new(mem, "swap", sw);
    }
    cleanup_free char *ms = NULL;
    if (gt_cg_read(d, "memory.stat", &ms, NULL) == 0) {
        json_t *raw = gt_cg_keyed_object(ms);
        json_object_set(mem, "cache", json_object_get(raw, "file"));
        json_object_set_new(mem, "raw", raw);
    }
    if (gt_cg_read_keyed(d, "memory.events", "oom_kill", &v, NULL) == 0)
        json_object_set_new(mem, "oomKills", json_integer((json_int_t)v));
    json_object_set_new(out, "memory", mem);

    gt_cg_stats_pids(d, out);
    stats_io(d, out);
    stats_hugetlb(d, out);
    return 0;
}

const struct gt_cg_ops gt_cg_v2_ops = {
    .name = "v2",
    .apply = v2_apply,
    .prepare = v2_prepare,
    .freeze = v2_freeze,
    .is_frozen = v2_is_frozen,
    .procs_dir = v2_procs_dir,
    .stats = v2_stats,
    .oom_kills = v2_oom_kills,
    .kill_fast = v2_kill_fast,
};
