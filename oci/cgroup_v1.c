/* The cgroup v1 backend: one directory per hierarchy (cpu, memory, ...). */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/clock.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "oci/cgroup_internal.h"

#define RES "linux.resources"

static int need(struct gt_cgroup *cg, const char *controller, const char *field,
                struct gt_cg_dir **out, struct gt_error *err)
{
    *out = gt_cg_v1_dir(cg, controller);
    if (!*out)
        return gt_err(err, ENOTSUP,
                      "%s: the %s controller is not mounted under %s (cgroup v1)", field,
                      controller, cg->root);
    return 0;
}

static int set_i64(struct gt_cg_dir *d, const char *file, int64_t v, const char *field,
                   struct gt_error *err)
{
    return gt_cg_writef(d, file, field, err, "%" PRId64, v);
}

/* A new cpuset cgroup starts with empty cpus and mems, and a process
 * cannot join it: copy them down from the parent at each level made. */
static int v1_prepare(struct gt_cgroup *cg, struct gt_error *err)
{
    struct gt_cg_dir *d = gt_cg_v1_dir(cg, "cpuset");
    if (!d)
        return 0;
    size_t mlen = strlen(d->path) - strlen(cg->path);
    cleanup_free char *p = gt_xstrdup(d->path);
    for (size_t i = mlen + 1;; i++) {
        if (p[i] != '/' && p[i] != '\0')
            continue;
        char c = p[i];
        p[i] = '\0';
        cleanup_free char *parent = gt_xstrndup(p, (size_t)(strrchr(p, '/') - p));
        struct gt_cg_dir level = { .path = p, .emulated = d->emulated };
        struct gt_cg_dir up = { .path = parent, .emulated = d->emulated };
        static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
        for (int f = 0; f < 2; f++) {
            cleanup_free char *cur = NULL, *from = NULL;
            if (gt_cg_read(&level, files[f], &cur, NULL) == 0 && cur[0] && cur[0] != '\n')
                continue;
            int r = gt_cg_read(&up, files[f], &from, err);
            if (r < 0)
                return gt_err_prefix(err, "copy %s into new cgroup %s", files[f], p);
            from[strcspn(from, "\n")] = '\0';
            if (!from[0])
                continue;
            r = gt_cg_write(&level, files[f], from, NULL, err);
            if (r < 0)
                return gt_err_prefix(err, "copy %s into new cgroup", files[f]);
        }
        p[i] = c;
        if (!c)
            break;
    }
    return 0;
}

static int apply_memory(struct gt_cgroup *cg, const struct gt_cg_resources *r, bool updating,
                        struct gt_error *err)
{
    const typeof(r->memory) *m = &r->memory;
    if (!m->limit.set && !m->reservation.set && !m->swap.set && !m->kernel.set &&
        !m->kernel_tcp.set && !m->swappiness.set && !m->disable_oom_killer.set &&
        !m->use_hierarchy.set)
        return 0;
    struct gt_cg_dir *d;
    int rc = need(cg, "memory", RES ".memory", &d, err);
    if (rc < 0)
        return rc;
    /* useHierarchy first: the kernel refuses to change it once there are
     * children */
    if (m->use_hierarchy.set) {
        rc = gt_cg_write(d, "memory.use_hierarchy", m->use_hierarchy.v ? "1" : "0",
                         RES ".memory.useHierarchy", err);
        if (rc == -EINVAL && !m->use_hierarchy.v)
            return gt_err(err, EINVAL,
                          RES ".memory.useHierarchy: false is not supported (kernel 5.11 and "
                              "later are always hierarchical)");
        if (rc < 0)
            return rc;
    }
    if ((rc = gt_cg_check_memory_usage(d, "memory.usage_in_bytes", r, updating, err)) < 0)
        return rc;
    /* The kernel keeps limit <= memsw at every step, so the order of the
     * two writes depends on which way memsw moves. */
    struct gt_cg_i64 swap = m->swap;
    bool has_memsw = gt_cg_has_file(d, "memory.memsw.limit_in_bytes");
    if (!swap.set && m->limit.set && m->limit.v == -1 && has_memsw)
        swap = (struct gt_cg_i64){ true, -1 }; /* unlimited memory: unlimited swap too */
    if (swap.set) {
        if (!has_memsw)
            return gt_err(err, ENOTSUP,
                          RES ".memory.swap: %s/memory.memsw.limit_in_bytes is missing (swap "
                              "accounting is off: boot with swapaccount=1)",
                          d->path);
        uint64_t cur;
        rc = gt_cg_read_u64(d, "memory.memsw.limit_in_bytes", &cur, err);
        if (rc < 0)
            return rc;
        bool grows = swap.v == -1 || (uint64_t)swap.v >= cur;
        if (grows && (rc = set_i64(d, "memory.memsw.limit_in_bytes", swap.v,
                                   RES ".memory.swap", err)) < 0)
            return rc;
        if (m->limit.set &&
            (rc = set_i64(d, "memory.limit_in_bytes", m->limit.v, RES ".memory.limit", err)) < 0)
            return rc;
        if (!grows && (rc = set_i64(d, "memory.memsw.limit_in_bytes", swap.v,
                                    RES ".memory.swap", err)) < 0)
            return rc;
    } else if (m->limit.set) {
        rc = set_i64(d, "memory.limit_in_bytes", m->limit.v, RES ".memory.limit", err);
        if (rc < 0)
            return rc;
    }
    if (m->reservation.set && (rc = set_i64(d, "memory.soft_limit_in_bytes", m->reservation.v,
                                            RES ".memory.reservation", err)) < 0)
        return rc;
    if (m->kernel.set) {
        /* deprecated by the spec; kernel 5.16 stopped enforcing it and
         * later kernels drop the file: not an error */
        struct gt_error e2;
        if (set_i64(d, "memory.kmem.limit_in_bytes", m->kernel.v, RES ".memory.kernel", &e2) < 0)
            gt_debug("cgroup: ignoring deprecated memory.kernel: %s", e2.msg);
    }
    if (m->kernel_tcp.set && (rc = set_i64(d, "memory.kmem.tcp.limit_in_bytes", m->kernel_tcp.v,
                                           RES ".memory.kernelTCP", err)) < 0)
        return rc;
    if (m->swappiness.set &&
        (rc = gt_cg_writef(d, "memory.swappiness", RES ".memory.swappiness", err, "%" PRIu64,
                           m->swappiness.v)) < 0)
        return rc;
    if (m->disable_oom_killer.set &&
        (rc = gt_cg_write(d, "memory.oom_control", m->disable_oom_killer.v ? "1" : "0",
                          RES ".memory.disableOOMKiller", err)) < 0)
        return rc;
    return 0;
}

static int apply_cpu(struct gt_cgroup *cg, const struct gt_cg_resources *r, struct gt_error *err)
{
    const typeof(r->cpu) *c = &r->cpu;
    int rc;
    struct gt_cg_dir *d;
    if (c->cpus || c->mems) {
        if ((rc = need(cg, "cpuset", c->cpus ? RES ".cpu.cpus" : RES ".cpu.mems", &d, err)) < 0)
            return rc;
        if (c->cpus && (rc = gt_cg_write(d, "cpuset.cpus", c->cpus, RES ".cpu.cpus", err)) < 0)
            return rc;
        if (c->mems && (rc = gt_cg_write(d, "cpuset.mems", c->mems, RES ".cpu.mems", err)) < 0)
            return rc;
    }
    if (!c->shares.set && !c->quota.set && !c->period.set && !c->burst.set && !c->rt_period.set &&
        !c->rt_runtime.set && !c->idle.set)
        return 0;
    if ((rc = need(cg, "cpu", RES ".cpu", &d, err)) < 0)
        return rc;
    if (c->shares.set && (rc = gt_cg_writef(d, "cpu.shares", RES ".cpu.shares", err, "%" PRIu64,
                                            c->shares.v)) < 0)
        return rc;
    /* The kernel checks quota against the period in place: if the period
     * cannot go first, the quota can. */
    if (c->period.set) {
        struct gt_error e2;
        rc = gt_cg_writef(d, "cpu.cfs_period_us", RES ".cpu.period", &e2, "%" PRIu64, c->period.v);
        if (rc == -EINVAL && c->quota.set) {
            if ((rc = set_i64(d, "cpu.cfs_quota_us", c->quota.v, RES ".cpu.quota", err)) < 0)
                return rc;
            rc = gt_cg_writef(d, "cpu.cfs_period_us", RES ".cpu.period", err, "%" PRIu64,
                              c->period.v);
            if (rc < 0)
                return rc;
        } else if (rc < 0) {
            if (err)
                *err = e2;
            return rc;
        } else if (c->quota.set &&
                   (rc = set_i64(d, "cpu.cfs_quota_us", c->quota.v, RES ".cpu.quota", err)) < 0) {
            return rc;
        }
    } else if (c->quota.set &&
               (rc = set_i64(d, "cpu.cfs_quota_us", c->quota.v, RES ".cpu.quota", err)) < 0) {
        return rc;
    }
    if (c->burst.set && (rc = gt_cg_writef(d, "cpu.cfs_burst_us", RES ".cpu.burst", err,
                                           "%" PRIu64, c->burst.v)) < 0)
        return rc;
    if (c->rt_period.set && (rc = gt_cg_writef(d, "cpu.rt_period_us", RES ".cpu.realtimePeriod",
                                               err, "%" PRIu64, c->rt_period.v)) < 0)
        return rc;
    if (c->rt_runtime.set && (rc = set_i64(d, "cpu.rt_runtime_us", c->rt_runtime.v,
                                           RES ".cpu.realtimeRuntime", err)) < 0)
        return rc;
    if (c->idle.set &&
        (rc = set_i64(d, "cpu.idle", c->idle.v, RES ".cpu.idle", err)) < 0)
        return rc;
    return 0;
}

static int apply_blkio(struct gt_cgroup *cg, const struct gt_cg_resources *r,
                       struct gt_error *err)
{
    const typeof(r->blkio) *b = &r->blkio;
    bool any = b->weight.set || b->leaf_weight.set || b->n_weight_dev;
    for (int t = 0; t < GT_CG_NTHROTTLE; t++)
        any = any || b->n_throttle[t];
    if (!any)
        return 0;
    struct gt_cg_dir *d;
    int rc = need(cg, "blkio", RES ".blockIO", &d, err);
    if (rc < 0)
        return rc;
    /* CFQ had blkio.weight; with BFQ (kernel 5.0 removed CFQ) it is
     * blkio.bfq.weight, and there are no leaf weights */
    bool bfq = !gt_cg_has_file(d, "blkio.weight") && gt_cg_has_file(d, "blkio.bfq.weight");
    if (b->weight.set &&
        (rc = gt_cg_writef(d, bfq ? "blkio.bfq.weight" : "blkio.weight", RES ".blockIO.weight",
                           err, "%" PRIu64, b->weight.v)) < 0)
        return rc;
    if (b->leaf_weight.set &&
        (rc = gt_cg_writef(d, "blkio.leaf_weight", RES ".blockIO.leafWeight", err, "%" PRIu64,
                           b->leaf_weight.v)) < 0)
        return rc;
    for (size_t i = 0; i < b->n_weight_dev; i++) {
        const struct gt_cg_weight_dev *w = &b->weight_dev[i];
        char field[64];
        snprintf(field, sizeof field, RES ".blockIO.weightDevice[%zu]", i);
        if (w->weight.set &&
            (rc = gt_cg_writef(d, bfq ? "blkio.bfq.weight_device" : "blkio.weight_device", field,
                               err, "%" PRId64 ":%" PRId64 " %" PRIu64, w->major, w->minor,
                               w->weight.v)) < 0)
            return rc;
        if (w->leaf_weight.set &&
            (rc = gt_cg_writef(d, "blkio.leaf_weight_device", field, err,
                               "%" PRId64 ":%" PRId64 " %" PRIu64, w->major, w->minor,
                               w->leaf_weight.v)) < 0)
            return rc;
    }
    static const char *const files[GT_CG_NTHROTTLE] = {
        "blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
        "blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device",
    };
    for (int t = 0; t < GT_CG_NTHROTTLE; t++) {
        for (size_t i = 0; i < b->n_throttle[t]; i++) {
            const struct gt_cg_rate_dev *e = &b->throttle[t][i];
            char field[80];
            snprintf(field, sizeof field, RES ".blockIO.%s[%zu]", gt_cg_throttle_field[t], i);
            rc = gt_cg_writef(d, files[t], field, err, "%" PRId64 ":%" PRId64 " %" PRIu64,
                              e->major, e->minor, e->rate);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

static int apply_hugetlb(struct gt_cgroup *cg, const struct gt_cg_resources *r,
                         struct gt_error *err)
{
    if (!r->n_hugepages)
        return 0;
    struct gt_cg_dir *d;
    int rc = need(cg, "hugetlb", RES ".hugepageLimits", &d, err);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < r->n_hugepages; i++) {
        char file[64], field[64];
        snprintf(file, sizeof file, "hugetlb.%s.limit_in_bytes", r->hugepages[i].size);
        snprintf(field, sizeof field, RES ".hugepageLimits[%zu]", i);
        if ((rc = gt_cg_writef(d, file, field, err, "%" PRIu64, r->hugepages[i].limit)) < 0)
            return rc;
    }
    return 0;
}

static void access_str(unsigned access, char out[4])
{
    int n = 0;
    if (access & GT_CG_DEV_READ)
        out[n++] = 'r';
    if (access & GT_CG_DEV_WRITE)
        out[n++] = 'w';
    if (access & GT_CG_DEV_MKNOD)
        out[n++] = 'm';
    out[n] = '\0';
}

static void devnum_str(int64_t v, char out[16])
{
    if (v < 0)
        snprintf(out, 16, "*");
    else
        snprintf(out, 16, "%" PRId64, v);
}

/* Rules are written in order, so the last one that matches decides, as
 * the spec means.  A whole wildcard is "a" (which also resets the list);
 * v1 cannot express "a" with numbers or partial access, so those become a
 * "c" and a "b" rule. */
/* On update, a whitelist that the rules fully describe is reached by
 * writing only the difference from devices.list (cgroup_v1_devices.c), so
 * that the container never goes without the devices it keeps.  1: done,
 * 0: not applicable (or the result did not match: write the rules). */
static int update_devices(struct gt_cg_dir *d, const struct gt_cg_resources *r,
                          struct gt_error *err)
{
    struct gt_cg_dev_entry *want = NULL, *cur = NULL, *now = NULL;
    struct gt_cg_dev_write *w = NULL;
    size_t n_want = 0, n_cur = 0, n_now = 0, n_w = 0;
    char *list = NULL;
    int rc = 0;
    struct gt_error e2;
    if (!gt_cg_v1_devices_whitelist(r->devices, r->n_devices, &want, &n_want) ||
        gt_cg_read(d, "devices.list", &list, &e2) < 0 ||
        !gt_cg_v1_devices_parse_list(list, &cur, &n_cur))
        goto out;
    n_w = gt_cg_v1_devices_transition(cur, n_cur, want, n_want, &w);
    for (size_t i = 0; i < n_w; i++) {
        rc = gt_cg_write(d, w[i].allow ? "devices.allow" : "devices.deny", w[i].line,
                         RES ".devices", err);
        if (rc < 0)
            goto out;
    }
    free(list);
    list = NULL;
    if (gt_cg_read(d, "devices.list", &list, &e2) == 0 &&
        gt_cg_v1_devices_parse_list(list, &now, &n_now) &&
        gt_cg_v1_devices_equal(now, n_now, want, n_want))
        rc = 1;
out:
    free(want);
    free(cur);
    free(now);
    free(w);
    free(list);
    return rc;
}

static int apply_devices(struct gt_cgroup *cg, const struct gt_cg_resources *r, bool updating,
                         struct gt_error *err)
{
    if (!r->n_devices)
        return 0;
    struct gt_cg_dir *d;
    int rc = need(cg, "devices", RES ".devices", &d, err);
    if (rc < 0)
        return rc;
    if (updating && (rc = update_devices(d, r, err)) != 0)
        return rc < 0 ? rc : 0;
    for (size_t i = 0; i < r->n_devices; i++) {
        const struct gt_cg_device_rule *rule = &r->devices[i];
        const char *file = rule->allow ? "devices.allow" : "devices.deny";
        char field[48];
        snprintf(field, sizeof field, RES ".devices[%zu]", i);
        if (rule->type == 'a' && rule->major < 0 && rule->minor < 0 &&
            rule->access == GT_CG_DEV_ALL) {
            if ((rc = gt_cg_write(d, file, "a", field, err)) < 0)
                return rc;
            continue;
        }
        char acc[4], maj[16], min[16];
        access_str(rule->access, acc);
        devnum_str(rule->major, maj);
        devnum_str(rule->minor, min);
        const char *types = rule->type == 'a' ? "cb" : rule->type == 'b' ? "b" : "c";
        for (const char *t = types; *t; t++) {
            if ((rc = gt_cg_writef(d, file, field, err, "%c %s:%s %s", *t, maj, min, acc)) < 0)
                return rc;
        }
    }
    return 0;
}

static int apply_network(struct gt_cgroup *cg, const struct gt_cg_resources *r,
                         struct gt_error *err)
{
    struct gt_cg_dir *d;
    int rc;
    if (r->network.class_id.set) {
        if ((rc = need(cg, "net_cls", RES ".network.classID", &d, err)) < 0 ||
            (rc = gt_cg_writef(d, "net_cls.classid", RES ".network.classID", err, "%" PRIu64,
                               r->network.class_id.v)) < 0)
            return rc;
    }
    if (r->network.n_prios) {
        if ((rc = need(cg, "net_prio", RES ".network.priorities", &d, err)) < 0)
            return rc;
        for (size_t i = 0; i < r->network.n_prios; i++) {
            char field[64];
            snprintf(field, sizeof field, RES ".network.priorities[%zu]", i);
            if ((rc = gt_cg_writef(d, "net_prio.ifpriomap", field, err, "%s %u",
                                   r->network.prios[i].name, r->network.prios[i].prio)) < 0)
                return rc;
        }
    }
    return 0;
}

static int v1_apply(struct gt_cgroup *cg, const struct gt_cg_resources *r, bool updating,
                    struct gt_error *err)
{
    int rc;
    if (r->n_unified)
        return gt_err(err, ENOTSUP, RES ".unified: needs cgroup v2, and %s is cgroup v1",
                      cg->root);
    if ((rc = apply_cpu(cg, r, err)) < 0 || (rc = apply_memory(cg, r, updating, err)) < 0)
        return rc;
    if (r->pids_limit.set) {
        struct gt_cg_dir *d;
        if ((rc = need(cg, "pids", RES ".pids.limit", &d, err)) < 0)
            return rc;
        if ((rc = gt_cg_write_limit(d, "pids.max", r->pids_limit.v, RES ".pids.limit", err)) < 0)
            return rc;
    }
    if ((rc = apply_blkio(cg, r, err)) < 0 || (rc = apply_hugetlb(cg, r, err)) < 0 ||
        (rc = apply_devices(cg, r, updating, err)) < 0 || (rc = apply_network(cg, r, err)) < 0)
        return rc;
    if (r->n_rdma) {
        struct gt_cg_dir *d;
        if ((rc = need(cg, "rdma", RES ".rdma", &d, err)) < 0 || (rc = gt_cg_write_rdma(d, r, err)) < 0)
            return rc;
    }
    return 0;
}

static int read_state(struct gt_cg_dir *d, char *buf, size_t len, struct gt_error *err)
{
    cleanup_free char *s = NULL;
    int r = gt_cg_read(d, "freezer.state", &s, err);
    if (r < 0)
        return r;
    s[strcspn(s, "\n")] = '\0';
    snprintf(buf, len, "%s", s);
    return 0;
}

/* Writes the state and waits for it.  FREEZING can linger while a task
 * sits in an uninterruptible sleep; the write is repeated meanwhile, and
 * after the timeout the cgroup is thawed again rather than left half
 * frozen. */
static int v1_freeze(struct gt_cgroup *cg, bool frozen, struct gt_error *err)
{
    struct gt_cg_dir *d = gt_cg_v1_dir(cg, "freezer");
    if (!d)
        return gt_err(err, ENOTSUP, "no freezer hierarchy under %s", cg->root);
    const char *want = frozen ? "FROZEN" : "THAWED";
    const int timeout_ms = 10000;
    int64_t start = gt_clock_ms();
    unsigned delay_us = 100;
    for (int i = 0;; i++) {
        int r;
        if (i % 8 == 0 && (r = gt_cg_write(d, "freezer.state", want, NULL, err)) < 0)
            return r;
        char state[32];
        if ((r = read_state(d, state, sizeof state, err)) < 0)
            return r;
        if (strcmp(state, want) == 0)
            return 0;
        if (gt_clock_ms() - start >= timeout_ms) {
            if (frozen)
                gt_cg_write(d, "freezer.state", "THAWED", NULL, NULL);
            return gt_err(err, ETIMEDOUT, "%s/freezer.state: still %s after %d ms%s", d->path,
                          state, timeout_ms, frozen ? " (thawed again)" : "");
        }
        usleep(delay_us);
        if (delay_us < 10000)
            delay_us *= 2;
    }
}

static int v1_is_frozen(struct gt_cgroup *cg, bool *frozen, struct gt_error *err)
{
    struct gt_cg_dir *d = gt_cg_v1_dir(cg, "freezer");
    if (!d)
        return gt_err(err, ENOTSUP, "no freezer hierarchy under %s", cg->root);
    char state[32];
    int r = read_state(d, state, sizeof state, err);
    if (r < 0)
        return r;
    *frozen = strcmp(state, "FROZEN") == 0;
    return 0;
}

static const struct gt_cg_dir *v1_procs_dir(struct gt_cgroup *cg)
{
    static const char *const pref[] = { "pids", "freezer", "memory", "cpu", "devices", NULL };
    for (const char *const *p = pref; *p; p++) {
        struct gt_cg_dir *d = gt_cg_v1_dir(cg, *p);
        if (d)
            return d;
    }
    for (size_t i = 0; i < cg->n_dirs; i++)
        if (!cg->dirs[i].best_effort)
            return &cg->dirs[i];
    return NULL;
}

static int v1_oom_kills(struct gt_cgroup *cg, uint64_t *out, struct gt_error *err)
{
    struct gt_cg_dir *d = gt_cg_v1_dir(cg, "memory");
    if (!d)
        return gt_err(err, ENOTSUP, "no memory hierarchy under %s", cg->root);
    /* the oom_kill line exists since kernel 4.13 */
    return gt_cg_read_keyed(d, "memory.oom_control", "oom_kill", out, err);
}

/* ---- statistics, in the shape of runc's events --stats ---- */

/* "max" (or -1) reads as 0, as runc reports it */
static void put_u64(json_t *o, const char *key, struct gt_cg_dir *d, const char *file)
{
    gt_cg_put_u64(o, key, d, file, 0);
}

static json_t *u64_list(const char *s)
{
    json_t *a = json_array();
    for (const char *p = s; *p;) {
        char *end;
        unsigned long long v = strtoull(p, &end, 10);
        if (end == p)
            break;
        json_array_append_new(a, json_integer((json_int_t)v));
        p = end;
        while (*p == ' ' || *p == '\n')
            p++;
    }
    return a;
}

static void stats_cpu(struct gt_cgroup *cg, json_t *out)
{
    json_t *cpu = json_object(), *usage = json_object(), *thr = json_object();
    struct gt_cg_dir *acct = gt_cg_v1_dir(cg, "cpuacct");
    if (acct) {
        cleanup_free char *s = NULL;
        put_u64(usage, "total", acct, "cpuacct.usage");
        static const struct {
            const char *file, *key;
        } lists[] = {
            { "cpuacct.usage_percpu", "percpu" },
            { "cpuacct.usage_percpu_sys", "percpu_kernel" },
            { "cpuacct.usage_percpu_user", "percpu_user" },
        };
        for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
            cleanup_free char *l = NULL;
            if (gt_cg_read(acct, lists[i].file, &l, NULL) == 0)
                json_object_set_new(usage, lists[i].key, u64_list(l));
        }
        /* cpuacct.stat counts USER_HZ ticks; runc reports nanoseconds */
        if (gt_cg_read(acct, "cpuacct.stat", &s, NULL) == 0) {
            cleanup_json json_t *k = gt_cg_keyed_object(s);
            long hz = sysconf(_SC_CLK_TCK);
            if (hz <= 0)
                hz = 100;
            json_object_set_new(usage, "kernel",
                                json_integer(json_integer_value(json_object_get(k, "system")) *
                                             (1000000000 / hz)));
            json_object_set_new(usage, "user",
                                json_integer(json_integer_value(json_object_get(k, "user")) *
                                             (1000000000 / hz)));
        }
    }
    struct gt_cg_dir *c = gt_cg_v1_dir(cg, "cpu");
    cleanup_free char *st = NULL;
    if (c && gt_cg_read(c, "cpu.stat", &st, NULL) == 0) {
        cleanup_json json_t *k = gt_cg_keyed_object(st);
        json_object_set(thr, "periods", json_object_get(k, "nr_periods"));
        json_object_set(thr, "throttled_periods", json_object_get(k, "nr_throttled"));
        json_object_set(thr, "throttled_time", json_object_get(k, "throttled_time"));
    }
    json_object_set_new(cpu, "usage", usage);
    json_object_set_new(cpu, "throttling", thr);
    json_object_set_new(out, "cpu", cpu);
}

static json_t *mem_entry(struct gt_cg_dir *d, const char *prefix)
{
    json_t *e = json_object();
    char f[64];
    snprintf(f, sizeof f, "%s.limit_in_bytes", prefix);
    put_u64(e, "limit", d, f);
    snprintf(f, sizeof f, "%s.usage_in_bytes", prefix);
    put_u64(e, "usage", d, f);
    snprintf(f, sizeof f, "%s.max_usage_in_bytes", prefix);
    put_u64(e, "max", d, f);
    snprintf(f, sizeof f, "%s.failcnt", prefix);
    put_u64(e, "failcnt", d, f);
    return e;
}

static void stats_memory(struct gt_cgroup *cg, json_t *out)
{
    struct gt_cg_dir *d = gt_cg_v1_dir(cg, "memory");
    if (!d)
        return;
    json_t *m = json_object();
    cleanup_free char *stat = NULL;
    if (gt_cg_read(d, "memory.stat", &stat, NULL) == 0) {
        json_t *raw = gt_cg_keyed_object(stat);
        json_object_set(m, "cache", json_object_get(raw, "total_cache") ?: json_object_get(raw, "cache"));
        json_object_set_new(m, "raw", raw);
    }
    json_object_set_new(m, "usage", mem_entry(d, "memory"));
    if (gt_cg_has_file(d, "memory.memsw.usage_in_bytes"))
        json_object_set_new(m, "swap", mem_entry(d, "memory.memsw"));
    if (gt_cg_has_file(d, "memory.kmem.usage_in_bytes"))
        json_object_set_new(m, "kernel", mem_entry(d, "memory.kmem"));
    if (gt_cg_has_file(d, "memory.kmem.tcp.usage_in_bytes"))
        json_object_set_new(m, "kernelTCP", mem_entry(d, "memory.kmem.tcp"));
    uint64_t v;
    if (gt_cg_read_u64(d, "memory.use_hierarchy", &v, NULL) == 0)
        json_object_set_new(m, "use_hierarchy", json_boolean(v));
    if (gt_cg_read_keyed(d, "memory.oom_control", "oom_kill", &v, NULL) == 0)
        json_object_set_new(m, "oomKills", json_integer((json_int_t)v));
    json_object_set_new(out, "memory", m);
}

/* blkio "8:0 Read 4096" lines into runc's {major, minor, op, value} */
static json_t *blkio_entries(struct gt_cg_dir *d, const char *file)
{
    cleanup_free char *s = NULL;
    json_t *a = json_array();
    if (gt_cg_read(d, file, &s, NULL) < 0)
        return a;
    char *save = NULL;
    for (char *line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        unsigned maj, min;
        char op[32];
        unsigned long long v;
        if (sscanf(line, "%u:%u %31s %llu", &maj, &min, op, &v) == 4)
            json_array_append_new(a, json_pack("{s:i,s:i,s:s,s:I}", "major", maj, "minor", min,
                                               "op", op, "value", (json_int_t)v));
        else if (sscanf(line, "%u:%u %llu", &maj, &min, &v) == 3)
            json_array_append_new(a, json_pack("{s:i,s:i,s:s,s:I}", "major", maj, "minor", min,
                                               "op", "", "value", (json_int_t)v));
    }
    return a;
}

static void stats_blkio(struct gt_cgroup *cg, json_t *out)
{
    struct gt_cg_dir *d = gt_cg_v1_dir(cg, "blkio");
    if (!d)
        return;
    /* the CFQ files when present, else the throttle ones (every kernel) */
    bool cfq = gt_cg_has_file(d, "blkio.io_service_bytes_recursive");
    const char *pre = cfq ? "blkio" : "blkio.throttle";
    char f[96];
    json_t *b = json_object();
    snprintf(f, sizeof f, "%s.io_service_bytes_recursive", pre);
    json_object_set_new(b, "ioServiceBytesRecursive", blkio_entries(d, f));
    snprintf(f, sizeof f, "%s.io_serviced_recursive", pre);
    json_object_set_new(b, "ioServicedRecursive", blkio_entries(d, f));
    if (cfq) {
        json_object_set_new(b, "ioQueuedRecursive", blkio_entries(d, "blkio.io_queued_recursive"));
        json_object_set_new(b, "ioServiceTimeRecursive",
                            blkio_entries(d, "blkio.io_service_time_recursive"));
        json_object_set_new(b, "ioWaitTimeRecursive",
                            blkio_entries(d, "blkio.io_wait_time_recursive"));
        json_object_set_new(b, "ioMergedRecursive", blkio_entries(d, "blkio.io_merged_recursive"));
        json_object_set_new(b, "ioTimeRecursive", blkio_entries(d, "blkio.time_recursive"));
        json_object_set_new(b, "sectorsRecursive", blkio_entries(d, "blkio.sectors_recursive"));
    }
    json_object_set_new(out, "blkio", b);
}

static void stats_hugetlb(struct gt_cgroup *cg, json_t *out)
{
    struct gt_cg_dir *d = gt_cg_v1_dir(cg, "hugetlb");
    if (!d)
        return;
    json_t *h = json_object();
    cleanup_dir DIR *dir = opendir(d->path);
    struct dirent *de;
    while (dir && (de = readdir(dir))) {
        char size[32];
        if (sscanf(de->d_name, "hugetlb.%31[^.].usage_in_bytes", size) != 1 ||
            !strstr(de->d_name, ".usage_in_bytes"))
            continue;
        json_t *e = json_object();
        char f[96];
        snprintf(f, sizeof f, "hugetlb.%s.usage_in_bytes", size);
        put_u64(e, "usage", d, f);
        snprintf(f, sizeof f, "hugetlb.%s.max_usage_in_bytes", size);
        put_u64(e, "max", d, f);
        snprintf(f, sizeof f, "hugetlb.%s.failcnt", size);
        put_u64(e, "failcnt", d, f);
        json_object_set_new(h, size, e);
    }
    json_object_set_new(out, "hugetlb", h);
}

static int v1_stats(struct gt_cgroup *cg, json_t *out, struct gt_error *err)
{
    const struct gt_cg_dir *p = v1_procs_dir(cg);
    if (!p || !gt_path_exists(p->path))
        return gt_err(err, ENOENT, "cgroup %s does not exist", p ? p->path : cg->path);
    stats_cpu(cg, out);
    stats_memory(cg, out);
    struct gt_cg_dir *d = gt_cg_v1_dir(cg, "pids");
    if (d)
        gt_cg_stats_pids(d, out);
    stats_blkio(cg, out);
    stats_hugetlb(cg, out);
    return 0;
}

const struct gt_cg_ops gt_cg_v1_ops = {
    .name = "v1",
    .apply = v1_apply,
    .prepare = v1_prepare,
    .freeze = v1_freeze,
    .is_frozen = v1_is_frozen,
    .procs_dir = v1_procs_dir,
    .stats = v1_stats,
    .oom_kills = v1_oom_kills,
    .kill_fast = NULL,
};
