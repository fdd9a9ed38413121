/* docker update: a container's resource limits and restart policy, and the
 * checks of the resource fields that create shares.
 *
 * The request is Docker's UpdateConfig; what it sets (a non-zero value, as
 * dockerd reads it) replaces the container's HostConfig value.  A running
 * or paused container gets the new limits at once through the runtime's
 * `update --resources` (runc's command line) before the record changes:
 * a refusal of the runtime or the kernel leaves the record as it was, and
 * what the runtime applied before it failed is set back. */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "engine/internal.h"
#include "oci/cgroup.h"

#define MIN_MEMORY (6 * 1024 * 1024)
#define CPU_PERIOD_DEFAULT 100000 /* µs, what --cpus uses */
#define CPUSET_MAX 4096

/* The resource fields of a HostConfig or an UpdateConfig; 0 and "" mean
 * "not given", as in dockerd. */
struct res {
    int64_t memory, swap, reservation, nano, shares, quota, period, blkio;
    int64_t rt_period, rt_runtime;
    const char *cpus, *mems;
    bool has_pids; /* PidsLimit given (null is not) */
    int64_t pids;
};

/* The integer fields, by their HostConfig names. */
static const struct {
    const char *key;
    size_t off;
} int_fields[] = {
    { "Memory", offsetof(struct res, memory) },
    { "MemorySwap", offsetof(struct res, swap) },
    { "MemoryReservation", offsetof(struct res, reservation) },
    { "NanoCpus", offsetof(struct res, nano) },
    { "CpuShares", offsetof(struct res, shares) },
    { "CpuQuota", offsetof(struct res, quota) },
    { "CpuPeriod", offsetof(struct res, period) },
    { "BlkioWeight", offsetof(struct res, blkio) },
    { "CpuRealtimePeriod", offsetof(struct res, rt_period) },
    { "CpuRealtimeRuntime", offsetof(struct res, rt_runtime) },
};
#define N_INT_FIELDS (sizeof int_fields / sizeof int_fields[0])

static int64_t *res_field(struct res *r, size_t i)
{
    return (int64_t *)((char *)r + int_fields[i].off);
}

static int res_parse(json_t *obj, struct res *r, struct gt_error *err)
{
    memset(r, 0, sizeof *r);
    int rc;
    for (size_t i = 0; i < N_INT_FIELDS; i++)
        if ((rc = gt_json_get_int(obj, int_fields[i].key, "", 0, res_field(r, i), err)) < 0)
            return rc;
    if ((rc = gt_json_get_str(obj, "CpusetCpus", "", 0, &r->cpus, err)) < 0 ||
        (rc = gt_json_get_str(obj, "CpusetMems", "", 0, &r->mems, err)) < 0)
        return rc;
    if (r->cpus && !*r->cpus)
        r->cpus = NULL;
    if (r->mems && !*r->mems)
        r->mems = NULL;
    if ((rc = gt_json_get_int(obj, "PidsLimit", "", 0, &r->pids, err)) < 0)
        return rc;
    r->has_pids = rc == 0;
    return 0;
}

/* ---- cpusets ---- */

/* "0-3,5" into set[] (ids below CPUSET_MAX); false when malformed. */
static bool cpuset_parse(const char *s, bool *set)
{
    const char *p = s;
    while (*p) {
        char *end;
        if (*p < '0' || *p > '9')
            return false;
        unsigned long a = strtoul(p, &end, 10), b = a;
        p = end;
        if (*p == '-') {
            if (p[1] < '0' || p[1] > '9')
                return false;
            b = strtoul(p + 1, &end, 10);
            p = end;
        }
        if (a > b || b >= CPUSET_MAX)
            return false;
        for (unsigned long i = a; i <= b; i++)
            set[i] = true;
        if (*p == ',' && p[1])
            p++;
        else if (*p)
            return false;
    }
    return true;
}

/* What the engine's own cpuset offers ("0-1"), from the cgroup root of
 * v1 or v2, else the kernel's online list.  Caller frees. */
static char *cpuset_available(const char *what)
{
    const char *paths[3];
    if (!strcmp(what, "cpus")) {
        paths[0] = "/sys/fs/cgroup/cpuset/cpuset.cpus";
        paths[1] = "/sys/fs/cgroup/cpuset.cpus.effective";
        paths[2] = "/sys/devices/system/cpu/online";
    } else {
        paths[0] = "/sys/fs/cgroup/cpuset/cpuset.mems";
        paths[1] = "/sys/fs/cgroup/cpuset.mems.effective";
        paths[2] = "/sys/devices/system/node/online";
    }
    for (size_t i = 0; i < 3; i++) {
        char *data = NULL;
        if (gt_read_file(paths[i], 4096, &data, NULL, NULL) < 0)
            continue;
        data[strcspn(data, "\n")] = '\0';
        if (*data)
            return data;
        free(data);
    }
    return gt_xstrdup("0");
}

static int cpuset_check(const char *req, const char *what, struct gt_error *err)
{
    if (!req)
        return 0;
    cleanup_free bool *want = gt_xcalloc(CPUSET_MAX, sizeof *want);
    if (!cpuset_parse(req, want))
        return gt_err(err, EINVAL, "Invalid value %s for cpuset %s: invalid format: %s", req,
                      what, req);
    cleanup_free char *avail = cpuset_available(what);
    cleanup_free bool *have = gt_xcalloc(CPUSET_MAX, sizeof *have);
    if (!cpuset_parse(avail, have))
        return 0; /* a list we cannot read: the kernel will judge */
    for (size_t i = 0; i < CPUSET_MAX; i++)
        if (want[i] && !have[i])
            return gt_err(err, EINVAL,
                          "Requested %s are not available - requested %s, available: %s",
                          !strcmp(what, "cpus") ? "CPUs" : "memory nodes", req, avail);
    return 0;
}

/* ---- checks ---- */

static bool has_memsw(void)
{
    return gt_path_exists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes") ||
           gt_path_exists("/sys/fs/cgroup/cgroup.controllers");
}

int eng_resources_check(json_t *host, bool update, json_t *warnings, struct gt_error *err)
{
    struct res q;
    int r = res_parse(host, &q, err);
    if (r < 0)
        return r;
    if (q.memory != 0 && q.memory < MIN_MEMORY)
        return gt_err(err, EINVAL, "Minimum memory limit allowed is 6MB");
    if (q.memory > 0 && q.swap > 0 && q.swap < q.memory)
        return gt_err(err, EINVAL,
                      "Minimum memoryswap limit should be larger than memory limit, see usage");
    if (q.memory == 0 && q.swap > 0 && !update)
        return gt_err(err, EINVAL, "You should always set the Memory limit when using Memoryswap "
                                   "limit, see usage");
    if (q.reservation != 0 && q.reservation < MIN_MEMORY)
        return gt_err(err, EINVAL, "Minimum memory reservation allowed is 6MB");
    if (q.memory > 0 && q.reservation > 0 && q.memory < q.reservation)
        return gt_err(err, EINVAL, "Minimum memory limit can not be less than memory reservation "
                                   "limit, see usage");
    if (q.nano > 0 && q.period > 0)
        return gt_err(err, EINVAL,
                      "Conflicting options: Nano CPUs and CPU Period cannot both be set");
    if (q.nano > 0 && q.quota > 0)
        return gt_err(err, EINVAL,
                      "Conflicting options: Nano CPUs and CPU Quota cannot both be set");
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    if (q.nano < 0 || q.nano > (int64_t)ncpu * 1000000000)
        return gt_err(err, EINVAL,
                      "Range of CPUs is from 0.01 to %ld.00, as there are only %ld CPUs available",
                      ncpu, ncpu);
    if (q.shares < 0)
        return gt_err(err, EINVAL, "invalid CPU shares %" PRId64, q.shares);
    if (q.period != 0 && (q.period < 1000 || q.period > 1000000))
        return gt_err(err, EINVAL, "CPU cfs period can not be less than 1ms (i.e. 1000) or larger "
                                   "than 1 second (i.e. 1000000)");
    if (q.quota > 0 && q.quota < 1000)
        return gt_err(err, EINVAL, "CPU cfs quota can not be less than 1ms (i.e. 1000)");
    if (q.rt_period || q.rt_runtime)
        return gt_err(err, EOPNOTSUPP, "CPU real-time scheduling (--cpu-rt-period, "
                                       "--cpu-rt-runtime) is not supported yet");
    if ((r = cpuset_check(q.cpus, "cpus", err)) < 0 || (r = cpuset_check(q.mems, "mems", err)) < 0)
        return r;
    if (q.blkio != 0 && (q.blkio < 10 || q.blkio > 1000))
        return gt_err(err, EINVAL, "Range of blkio weight is from 10 to 1000");
    if (!update && q.memory > 0 && q.swap == 0)
        json_object_set_new(host, "MemorySwap", json_integer(2 * q.memory));
    if (!json_is_true(json_object_get(host, "Privileged")) && q.memory > 0 && q.swap != -1 &&
        !has_memsw() && warnings)
        json_array_append_new(warnings, json_string("Your kernel does not support swap limit "
                                                    "capabilities or the cgroup is not mounted. "
                                                    "Memory limited without swap."));
    return 0;
}

/* dockerd's checks of a restart policy */
static int restart_check(json_t *rp, struct gt_error *err)
{
    if (!rp || json_is_null(rp))
        return 0;
    if (!json_is_object(rp))
        return gt_err(err, EINVAL, "RestartPolicy: expected an object, got %s",
                      gt_json_type_name(rp));
    const char *name = "";
    int64_t max = 0;
    int r;
    if ((r = gt_json_get_str(rp, "Name", "RestartPolicy", 0, &name, err)) < 0 ||
        (r = gt_json_get_int(rp, "MaximumRetryCount", "RestartPolicy", 0, &max, err)) < 0)
        return r;
    if (!strcmp(name, "on-failure")) {
        if (max < 0)
            return gt_err(err, EINVAL,
                          "invalid restart policy: maximum retry count cannot be negative");
        return 0;
    }
    if (!strcmp(name, "always") || !strcmp(name, "unless-stopped") || !strcmp(name, "no")) {
        if (max != 0)
            return gt_err(err, EINVAL, "invalid restart policy: maximum retry count can only be "
                                       "used with 'on-failure'%s",
                          max < 0 ? " and cannot be negative" : "");
        return 0;
    }
    if (!*name)
        return 0;
    return gt_err(err, EINVAL, "invalid restart policy: unknown policy '%s'; use one of 'no', "
                               "'always', 'on-failure', or 'unless-stopped'", name);
}

/* ---- the update ---- */

static int64_t host_int(json_t *h, const char *key)
{
    return json_integer_value(json_object_get(h, key));
}

/* The memory+swap limit the kernel has: MemorySwap, or what a record made
 * before MemorySwap was filled in at create gets (twice the memory). */
static int64_t effective_swap(json_t *h)
{
    int64_t swap = host_int(h, "MemorySwap"), mem = host_int(h, "Memory");
    return swap == 0 && mem > 0 ? 2 * mem : swap;
}

/* dockerd's UpdateContainer: the given values into h; -EBUSY for what
 * conflicts with the values h has. */
static int merge(json_t *h, const struct res *q, json_t *restart, struct gt_error *err)
{
    if (q->nano > 0 && host_int(h, "CpuPeriod") > 0)
        return gt_err(err, EBUSY, "Conflicting options: Nano CPUs cannot be updated as CPU Period "
                                  "has already been set");
    if (q->nano > 0 && host_int(h, "CpuQuota") > 0)
        return gt_err(err, EBUSY, "Conflicting options: Nano CPUs cannot be updated as CPU Quota "
                                  "has already been set");
    if (q->period > 0 && host_int(h, "NanoCpus") > 0)
        return gt_err(err, EBUSY, "Conflicting options: CPU Period cannot be updated as NanoCPUs "
                                  "has already been set");
    if (q->quota > 0 && host_int(h, "NanoCpus") > 0)
        return gt_err(err, EBUSY, "Conflicting options: CPU Quota cannot be updated as NanoCPUs "
                                  "has already been set");
    if (q->memory != 0 && q->memory > effective_swap(h) && q->swap == 0)
        return gt_err(err, EBUSY, "Memory limit should be smaller than already set memoryswap "
                                  "limit, update the memoryswap at the same time");
    if (q->memory != 0 && host_int(h, "MemorySwap") == 0 && host_int(h, "Memory") > 0)
        json_object_set_new(h, "MemorySwap", json_integer(effective_swap(h)));
    struct res given = *q;
    for (size_t i = 0; i < N_INT_FIELDS; i++)
        if (*res_field(&given, i) != 0)
            json_object_set_new(h, int_fields[i].key, json_integer(*res_field(&given, i)));
    if (q->cpus)
        json_object_set_new(h, "CpusetCpus", json_string(q->cpus));
    if (q->mems)
        json_object_set_new(h, "CpusetMems", json_string(q->mems));
    if (q->has_pids)
        json_object_set_new(h, "PidsLimit", json_integer(q->pids > 0 ? q->pids : 0));
    int64_t mem = host_int(h, "Memory"), swap = host_int(h, "MemorySwap");
    if (mem > 0 && swap > 0 && swap < mem)
        return gt_err(err, EINVAL,
                      "Minimum memoryswap limit should be larger than memory limit, see usage");
    const char *rname = json_string_value(json_object_get(restart, "Name"));
    if (rname && *rname) {
        if (strcmp(rname, "no") && json_is_true(json_object_get(h, "AutoRemove")))
            return gt_err(err, EBUSY, "Restart policy cannot be updated because AutoRemove is "
                                      "enabled for the container");
        json_object_set_new(h, "RestartPolicy",
                            json_pack("{s:s,s:I}", "Name", rname, "MaximumRetryCount",
                                      json_integer_value(json_object_get(restart,
                                                                         "MaximumRetryCount"))));
    }
    return 0;
}

/* The runtime's linux.resources for what q gives (dockerd's
 * toContainerdResources, zeros left out); NULL when q gives nothing. */
static json_t *runtime_resources(const struct res *q)
{
    json_t *res = json_object();
    json_t *mem = json_object();
    if (q->memory)
        json_object_set_new(mem, "limit", json_integer(q->memory));
    if (q->swap > 0 || (q->swap == -1 && has_memsw()))
        json_object_set_new(mem, "swap", json_integer(q->swap));
    if (q->reservation)
        json_object_set_new(mem, "reservation", json_integer(q->reservation));
    if (json_object_size(mem))
        json_object_set_new(res, "memory", mem);
    else
        json_decref(mem);
    json_t *cpu = json_object();
    if (q->shares)
        json_object_set_new(cpu, "shares", json_integer(q->shares));
    if (q->nano > 0) {
        json_object_set_new(cpu, "period", json_integer(CPU_PERIOD_DEFAULT));
        json_object_set_new(cpu, "quota",
                            json_integer(q->nano * CPU_PERIOD_DEFAULT / 1000000000));
    } else {
        if (q->quota)
            json_object_set_new(cpu, "quota", json_integer(q->quota));
        if (q->period)
            json_object_set_new(cpu, "period", json_integer(q->period));
    }
    if (q->cpus)
        json_object_set_new(cpu, "cpus", json_string(q->cpus));
    if (q->mems)
        json_object_set_new(cpu, "mems", json_string(q->mems));
    if (json_object_size(cpu))
        json_object_set_new(res, "cpu", cpu);
    else
        json_decref(cpu);
    if (q->has_pids)
        json_object_set_new(res, "pids", json_pack("{s:I}", "limit",
                                                   (json_int_t)(q->pids > 0 ? q->pids : -1)));
    if (q->blkio)
        json_object_set_new(res, "blockIO", json_pack("{s:I}", "weight", (json_int_t)q->blkio));
    if (!json_object_size(res)) {
        json_decref(res);
        return NULL;
    }
    return res;
}

/* What sets back the fields q touched to the values of the HostConfig old
 * (its zeros as the kernel's defaults). */
static struct res restore_of(const struct res *q, json_t *old, char **cpus, char **mems)
{
    struct res b = { 0 };
    if (q->memory || q->swap) {
        b.memory = host_int(old, "Memory") ? host_int(old, "Memory") : -1;
        b.swap = b.memory > 0 ? effective_swap(old) : -1;
        if (b.swap == 0)
            b.swap = -1;
    }
    if (q->reservation)
        b.reservation = host_int(old, "MemoryReservation") ? host_int(old, "MemoryReservation")
                                                             : -1;
    if (q->shares)
        b.shares = host_int(old, "CpuShares") ? host_int(old, "CpuShares") : 1024;
    if (q->nano || q->quota || q->period) {
        b.nano = host_int(old, "NanoCpus");
        if (!b.nano) {
            b.quota = host_int(old, "CpuQuota") ? host_int(old, "CpuQuota") : -1;
            b.period = host_int(old, "CpuPeriod") ? host_int(old, "CpuPeriod")
                                                  : CPU_PERIOD_DEFAULT;
        }
    }
    if (q->cpus) {
        const char *s = json_string_value(json_object_get(old, "CpusetCpus"));
        *cpus = s && *s ? gt_xstrdup(s) : cpuset_available("cpus");
        b.cpus = *cpus;
    }
    if (q->mems) {
        const char *s = json_string_value(json_object_get(old, "CpusetMems"));
        *mems = s && *s ? gt_xstrdup(s) : cpuset_available("mems");
        b.mems = *mems;
    }
    if (q->has_pids) {
        b.has_pids = true;
        b.pids = host_int(old, "PidsLimit");
    }
    return b;
}

static int runtime_update(struct gt_engine *e, struct container *c, json_t *res,
                          struct gt_error *err)
{
    cleanup_free char *path = gt_path_join(c->xdir, "update-resources.json");
    int r = gt_json_dump_file(path, res, false, err);
    if (r < 0)
        return r;
    const char *args[] = { "update", "--resources", path, c->id, NULL };
    r = eng_runtime_run(e, args, err);
    unlink(path);
    return r;
}

/* A refusal of the kernel to lower the memory limit below what the
 * container uses, in runc's words; false when the failure was another. */
static bool memory_busy(struct gt_engine *e, struct container *c, int64_t limit, const char *msg,
                        struct gt_error *err)
{
    const char *runc = strstr(msg, "unable to set memory limit");
    if (runc) {
        gt_err(err, EINVAL, "Cannot update container %s: %s", c->id, runc);
        return true;
    }
    if (!limit || !strcasestr(msg, "busy") ||
        (!strstr(msg, "memory.limit_in_bytes") && !strstr(msg, "memory.max")))
        return false;
    int64_t usage = 0, peak = 0;
    cleanup_free char *path = eng_ctr_cgroup_path(e, c);
    struct gt_cgroup *cg = NULL;
    if (gt_cgroup_open(path, &cg, NULL) == 0) {
        json_t *st = NULL;
        if (gt_cgroup_stats(cg, &st, NULL) == 0) {
            json_t *u = json_object_get(json_object_get(st, "memory"), "usage");
            usage = json_integer_value(json_object_get(u, "usage"));
            peak = json_integer_value(json_object_get(u, "max"));
            json_decref(st);
        }
        gt_cgroup_free(cg);
    }
    gt_err(err, EINVAL,
           "Cannot update container %s: unable to set memory limit to %" PRId64
           " (current usage: %" PRId64 ", peak usage: %" PRId64 ")",
           c->id, limit, usage, peak);
    return true;
}

/* The new limits on the container's cgroups; on failure, what was applied
 * is set back to the values of old. */
static int apply_live(struct gt_engine *e, struct container *c, const struct res *q, json_t *old,
                      struct gt_error *err)
{
    cleanup_json json_t *res = runtime_resources(q);
    if (!res)
        return 0;
    struct gt_error rerr = { 0 };
    if (runtime_update(e, c, res, &rerr) == 0)
        return 0;
    cleanup_free char *cpus = NULL, *mems = NULL;
    struct res back = restore_of(q, old, &cpus, &mems);
    cleanup_json json_t *undo = runtime_resources(&back);
    struct gt_error uerr = { 0 };
    if (undo && runtime_update(e, c, undo, &uerr) < 0)
        gt_warn("container %s: setting back its limits after a failed update: %s", c->id,
                uerr.msg);
    if (memory_busy(e, c, q->memory, rerr.msg, err))
        return -EINVAL;
    return gt_err(err, EIO, "Cannot update container %s: %s", c->id, rerr.msg);
}

int gt_engine_container_update(struct gt_engine *e, const char *ref, const json_t *update,
                               json_t **warnings_out, struct gt_error *err)
{
    if (update && !json_is_object(update) && !json_is_null(update))
        return gt_err(err, EINVAL, "update config: expected a JSON object, got %s",
                      gt_json_type_name(update));
    cleanup_json json_t *req = json_is_object(update) ? json_deep_copy(update) : json_object();
    json_t *pl = json_object_get(req, "PidsLimit");
    if (json_is_integer(pl) && json_integer_value(pl) <= 0)
        json_object_set_new(req, "PidsLimit", json_integer(0)); /* 0 and -1: unlimited */
    json_object_del(req, "KernelMemory"); /* dropped by the API since 1.42 */
    cleanup_json json_t *warnings = json_array();
    struct res q;
    int r;
    if ((r = eng_resources_check(req, true, warnings, err)) < 0 ||
        (r = restart_check(json_object_get(req, "RestartPolicy"), err)) < 0 ||
        (r = res_parse(req, &q, err)) < 0)
        return r;
    struct container *c;
    if ((r = eng_ctr_find(e, ref, &c, err)) < 0)
        return r;
    pthread_mutex_lock(&c->op);
    pthread_mutex_lock(&c->lock);
    enum ctr_status st = c->status;
    bool gone = c->removed || c->removing || st == ST_DEAD;
    pthread_mutex_unlock(&c->lock);
    cleanup_json json_t *h = json_deep_copy(c->host);
    if (gone) {
        r = gt_err(err, EBUSY, "Cannot update container %s: container is marked for removal "
                               "and cannot be \"update\"", c->id);
        goto out;
    }
    if ((r = merge(h, &q, json_object_get(req, "RestartPolicy"), err)) < 0) {
        gt_err_prefix(err, "Cannot update container %s", c->id);
        goto out;
    }
    if ((st == ST_RUNNING || st == ST_PAUSED) && (r = apply_live(e, c, &q, c->host, err)) < 0)
        goto out;
    pthread_mutex_lock(&c->lock);
    json_t *old = c->host;
    c->host = json_incref(h);
    pthread_mutex_unlock(&c->lock);
    if ((r = eng_ctr_save_config(c, err)) < 0) {
        /* the record on disk is the old one: so is the container */
        pthread_mutex_lock(&c->lock);
        if (!c->host_old)
            c->host_old = json_array();
        json_array_append_new(c->host_old, c->host);
        c->host = old;
        pthread_mutex_unlock(&c->lock);
        if (st == ST_RUNNING || st == ST_PAUSED) {
            cleanup_free char *cpus = NULL, *mems = NULL;
            struct res back = restore_of(&q, old, &cpus, &mems);
            cleanup_json json_t *undo = runtime_resources(&back);
            struct gt_error uerr = { 0 };
            if (undo && runtime_update(e, c, undo, &uerr) < 0)
                gt_warn("container %s: %s", c->id, uerr.msg);
        }
        gt_err_prefix(err, "Cannot update container %s", c->id);
        goto out;
    }
    pthread_mutex_lock(&c->lock);
    if (!c->host_old)
        c->host_old = json_array();
    json_array_append_new(c->host_old, old);
    pthread_mutex_unlock(&c->lock);
    eng_event_emit(e, "container", "update", c->id, c, NULL);
    if (warnings_out)
        *warnings_out = steal_pointer(&warnings);
out:
    pthread_mutex_unlock(&c->op);
    eng_ctr_unref(c);
    return r;
}
