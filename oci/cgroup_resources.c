/* linux.resources of the runtime spec, parsed and checked once.  Every
 * message names the field.  Unknown members are ignored, as the spec's
 * extensibility rule asks of a runtime. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/mem.h"
#include "oci/cgroup_internal.h"

#define RES "linux.resources"

const char *const gt_cg_throttle_field[GT_CG_NTHROTTLE] = {
    "throttleReadBpsDevice", "throttleWriteBpsDevice",
    "throttleReadIOPSDevice", "throttleWriteIOPSDevice",
};

/* An int64 where 0 means "unset" and -1 "unlimited" (when allowed). */
static int get_limit(const json_t *obj, const char *key, const char *path, bool minus_one,
                     struct gt_cg_i64 *out, struct gt_error *err)
{
    int64_t v;
    int r = gt_json_get_int(obj, key, path, GT_JSON_OPTIONAL, &v, err);
    if (r < 0)
        return r;
    if (r == 1 || v == 0)
        return 0;
    if (v < 0 && !(minus_one && v == -1))
        return gt_err(err, ERANGE, "%s.%s: %" PRId64 " is negative%s", path, key, v,
                      minus_one ? " (only -1, unlimited, is allowed)" : "");
    out->set = true;
    out->v = v;
    return 0;
}

/* A uint64 where 0 means "unset" unless zero_is_value; [min, max] checked. */
static int get_u64(const json_t *obj, const char *key, const char *path, bool zero_is_value,
                   uint64_t min, uint64_t max, struct gt_cg_u64 *out, struct gt_error *err)
{
    uint64_t v;
    int r = gt_json_get_uint64(obj, key, path, GT_JSON_OPTIONAL, &v, err);
    if (r < 0)
        return r;
    if (r == 1 || (v == 0 && !zero_is_value))
        return 0;
    if (v < min || v > max)
        return gt_err(err, ERANGE, "%s.%s: %" PRIu64 " is out of range [%" PRIu64 ", %" PRIu64 "]",
                      path, key, v, min, max);
    out->set = true;
    out->v = v;
    return 0;
}

static int get_bool(const json_t *obj, const char *key, const char *path, struct gt_cg_bool *out,
                    struct gt_error *err)
{
    bool v;
    int r = gt_json_get_bool(obj, key, path, GT_JSON_OPTIONAL, &v, err);
    if (r < 0)
        return r;
    if (r == 0) {
        out->set = true;
        out->v = v;
    }
    return 0;
}

/* "0-3,5,7-8": what cpuset.cpus and cpuset.mems accept. */
static bool valid_cpu_list(const char *s)
{
    const char *p = s;
    while (*p) {
        if (!isdigit((unsigned char)*p))
            return false;
        unsigned long a = strtoul(p, (char **)&p, 10);
        if (*p == '-') {
            p++;
            if (!isdigit((unsigned char)*p))
                return false;
            unsigned long b = strtoul(p, (char **)&p, 10);
            if (b < a)
                return false;
        }
        if (*p == ',') {
            p++;
            if (!*p)
                return false;
        } else if (*p && *p != '\n') {
            return false;
        } else if (*p == '\n') {
            p++;
        }
    }
    return true;
}

static int get_cpu_list(const json_t *obj, const char *key, const char *path, char **out,
                        struct gt_error *err)
{
    const char *s;
    int r = gt_json_get_str(obj, key, path, GT_JSON_OPTIONAL, &s, err);
    if (r < 0)
        return r;
    if (r == 1 || !*s)
        return 0;
    if (!valid_cpu_list(s))
        return gt_err(err, EINVAL, "%s.%s: \"%s\" is not a list like \"0-2,4\"", path, key, s);
    *out = gt_xstrdup(s);
    return 0;
}

static int parse_memory(const json_t *res, struct gt_cg_resources *o, struct gt_error *err)
{
    json_t *m;
    int r = gt_json_get_obj(res, "memory", RES, GT_JSON_OPTIONAL, &m, err);
    if (r)
        return r < 0 ? r : 0;
    const char *P = RES ".memory";
    if ((r = get_limit(m, "limit", P, true, &o->memory.limit, err)) < 0 ||
        (r = get_limit(m, "reservation", P, true, &o->memory.reservation, err)) < 0 ||
        (r = get_limit(m, "swap", P, true, &o->memory.swap, err)) < 0 ||
        (r = get_limit(m, "kernel", P, true, &o->memory.kernel, err)) < 0 ||
        (r = get_limit(m, "kernelTCP", P, true, &o->memory.kernel_tcp, err)) < 0 ||
        (r = get_bool(m, "disableOOMKiller", P, &o->memory.disable_oom_killer, err)) < 0 ||
        (r = get_bool(m, "useHierarchy", P, &o->memory.use_hierarchy, err)) < 0 ||
        (r = get_bool(m, "checkBeforeUpdate", P, &o->memory.check_before_update, err)) < 0)
        return r;
    /* swappiness: -1 (or its uint64 wrap-around, as Docker sends it) is unset */
    json_t *sw = json_object_get(m, "swappiness");
    if (sw && !(json_is_integer(sw) && json_integer_value(sw) == -1) &&
        !(json_is_real(sw) && json_real_value(sw) >= 18446744073709551615.0)) {
        if ((r = get_u64(m, "swappiness", P, true, 0, 100, &o->memory.swappiness, err)) < 0)
            return r;
    }
    if (o->memory.swap.set && o->memory.limit.set && o->memory.swap.v != -1 &&
        o->memory.limit.v != -1 && o->memory.swap.v < o->memory.limit.v)
        return gt_err(err, EINVAL,
                      "%s.swap: %" PRId64 " is below memory.limit %" PRId64
                      " (swap is the limit of memory plus swap)",
                      P, o->memory.swap.v, o->memory.limit.v);
    return 0;
}

static int parse_cpu(const json_t *res, struct gt_cg_resources *o, struct gt_error *err)
{
    json_t *c;
    int r = gt_json_get_obj(res, "cpu", RES, GT_JSON_OPTIONAL, &c, err);
    if (r)
        return r < 0 ? r : 0;
    const char *P = RES ".cpu";
    /* ranges are the kernel's: shares 2..262144, CFS period 1ms..1s,
     * quota at least 1ms */
    if ((r = get_u64(c, "shares", P, false, 2, 262144, &o->cpu.shares, err)) < 0 ||
        (r = get_u64(c, "period", P, false, 1000, 1000000, &o->cpu.period, err)) < 0 ||
        (r = get_u64(c, "burst", P, true, 0, UINT64_MAX, &o->cpu.burst, err)) < 0 ||
        (r = get_u64(c, "realtimePeriod", P, false, 1, UINT64_MAX, &o->cpu.rt_period, err)) < 0 ||
        (r = get_limit(c, "quota", P, true, &o->cpu.quota, err)) < 0 ||
        (r = get_limit(c, "realtimeRuntime", P, true, &o->cpu.rt_runtime, err)) < 0 ||
        (r = get_cpu_list(c, "cpus", P, &o->cpu.cpus, err)) < 0 ||
        (r = get_cpu_list(c, "mems", P, &o->cpu.mems, err)) < 0)
        return r;
    if (o->cpu.quota.set && o->cpu.quota.v != -1 && o->cpu.quota.v < 1000)
        return gt_err(err, ERANGE, "%s.quota: %" PRId64 " is below the kernel's minimum of 1000 (us)",
                      P, o->cpu.quota.v);
    int64_t idle;
    r = gt_json_get_int_range(c, "idle", P, GT_JSON_OPTIONAL, 0, 1, &idle, err);
    if (r < 0)
        return r;
    if (r == 0) {
        o->cpu.idle.set = true;
        o->cpu.idle.v = idle;
    }
    return 0;
}

static int get_devnum(const json_t *e, const char *path, int64_t *major, int64_t *minor,
                      struct gt_error *err)
{
    int r;
    if ((r = gt_json_get_int_range(e, "major", path, GT_JSON_REQUIRED, 0, UINT32_MAX, major,
                                   err)) < 0 ||
        (r = gt_json_get_int_range(e, "minor", path, GT_JSON_REQUIRED, 0, UINT32_MAX, minor,
                                   err)) < 0)
        return r;
    return 0;
}

static int parse_blkio(const json_t *res, struct gt_cg_resources *o, struct gt_error *err)
{
    json_t *b, *arr;
    int r = gt_json_get_obj(res, "blockIO", RES, GT_JSON_OPTIONAL, &b, err);
    if (r)
        return r < 0 ? r : 0;
    const char *P = RES ".blockIO";
    if ((r = get_u64(b, "weight", P, false, 10, 1000, &o->blkio.weight, err)) < 0 ||
        (r = get_u64(b, "leafWeight", P, false, 10, 1000, &o->blkio.leaf_weight, err)) < 0)
        return r;
    r = gt_json_get_arr(b, "weightDevice", P, GT_JSON_OPTIONAL, &arr, err);
    if (r < 0)
        return r;
    if (r == 0 && json_array_size(arr)) {
        size_t n = json_array_size(arr);
        o->blkio.weight_dev = gt_xcalloc(n, sizeof *o->blkio.weight_dev);
        for (size_t i = 0; i < n; i++) {
            char path[96];
            snprintf(path, sizeof path, "%s.weightDevice[%zu]", P, i);
            struct gt_cg_weight_dev *w = &o->blkio.weight_dev[i];
            json_t *e = json_array_get(arr, i);
            o->blkio.n_weight_dev = i + 1;
            if ((r = get_devnum(e, path, &w->major, &w->minor, err)) < 0 ||
                (r = get_u64(e, "weight", path, false, 10, 1000, &w->weight, err)) < 0 ||
                (r = get_u64(e, "leafWeight", path, false, 10, 1000, &w->leaf_weight, err)) < 0)
                return r;
            if (!w->weight.set && !w->leaf_weight.set)
                return gt_err(err, EINVAL, "%s: neither weight nor leafWeight is given", path);
        }
    }
    for (int t = 0; t < GT_CG_NTHROTTLE; t++) {
        r = gt_json_get_arr(b, gt_cg_throttle_field[t], P, GT_JSON_OPTIONAL, &arr, err);
        if (r < 0)
            return r;
        if (r == 1 || !json_array_size(arr))
            continue;
        size_t n = json_array_size(arr);
        o->blkio.throttle[t] = gt_xcalloc(n, sizeof *o->blkio.throttle[t]);
        for (size_t i = 0; i < n; i++) {
            char path[96];
            snprintf(path, sizeof path, "%s.%s[%zu]", P, gt_cg_throttle_field[t], i);
            struct gt_cg_rate_dev *d = &o->blkio.throttle[t][i];
            json_t *e = json_array_get(arr, i);
            o->blkio.n_throttle[t] = i + 1;
            if ((r = get_devnum(e, path, &d->major, &d->minor, err)) < 0 ||
                (r = gt_json_get_uint64(e, "rate", path, GT_JSON_REQUIRED, &d->rate, err)) < 0)
                return r;
        }
    }
    return 0;
}

/* "2MB", "64KB", "1GB": the names the kernel gives hugetlb files. */
static bool valid_page_size(const char *s)
{
    size_t i = 0;
    while (isdigit((unsigned char)s[i]))
        i++;
    if (i == 0 || s[0] == '0')
        return false;
    return strcmp(s + i, "KB") == 0 || strcmp(s + i, "MB") == 0 || strcmp(s + i, "GB") == 0 ||
           strcmp(s + i, "TB") == 0 || strcmp(s + i, "PB") == 0;
}

static int parse_hugepages(const json_t *res, struct gt_cg_resources *o, struct gt_error *err)
{
    json_t *arr;
    int r = gt_json_get_arr(res, "hugepageLimits", RES, GT_JSON_OPTIONAL, &arr, err);
    if (r)
        return r < 0 ? r : 0;
    size_t n = json_array_size(arr);
    if (!n)
        return 0;
    o->hugepages = gt_xcalloc(n, sizeof *o->hugepages);
    for (size_t i = 0; i < n; i++) {
        char path[64];
        snprintf(path, sizeof path, RES ".hugepageLimits[%zu]", i);
        json_t *e = json_array_get(arr, i);
        const char *size;
        uint64_t limit;
        if ((r = gt_json_get_str(e, "pageSize", path, GT_JSON_REQUIRED, &size, err)) < 0 ||
            (r = gt_json_get_uint64(e, "limit", path, GT_JSON_REQUIRED, &limit, err)) < 0)
            return r;
        if (!valid_page_size(size))
            return gt_err(err, EINVAL, "%s.pageSize: \"%s\" is not a size like \"2MB\" or \"1GB\"",
                          path, size);
        o->hugepages[i].size = gt_xstrdup(size);
        o->hugepages[i].limit = limit;
        o->n_hugepages = i + 1;
    }
    return 0;
}

static int parse_devices(const json_t *res, struct gt_cg_resources *o, struct gt_error *err)
{
    json_t *arr;
    int r = gt_json_get_arr(res, "devices", RES, GT_JSON_OPTIONAL, &arr, err);
    if (r)
        return r < 0 ? r : 0;
    o->has_devices = true;
    size_t n = json_array_size(arr);
    if (!n)
        return 0;
    o->devices = gt_xcalloc(n, sizeof *o->devices);
    for (size_t i = 0; i < n; i++) {
        char path[64];
        snprintf(path, sizeof path, RES ".devices[%zu]", i);
        json_t *e = json_array_get(arr, i);
        struct gt_cg_device_rule *d = &o->devices[i];
        const char *type = "a", *access = "rwm";
        d->major = d->minor = -1;
        if ((r = gt_json_get_bool(e, "allow", path, GT_JSON_REQUIRED, &d->allow, err)) < 0 ||
            (r = gt_json_get_str(e, "type", path, GT_JSON_OPTIONAL, &type, err)) < 0 ||
            (r = gt_json_get_str(e, "access", path, GT_JSON_OPTIONAL, &access, err)) < 0 ||
            (r = gt_json_get_int_range(e, "major", path, GT_JSON_OPTIONAL, -1, UINT32_MAX,
                                       &d->major, err)) < 0 ||
            (r = gt_json_get_int_range(e, "minor", path, GT_JSON_OPTIONAL, -1, UINT32_MAX,
                                       &d->minor, err)) < 0)
            return r;
        if (!*type)
            type = "a";
        if (strlen(type) != 1 || !strchr("abc", type[0]))
            return gt_err(err, EINVAL, "%s.type: \"%s\" is not one of \"a\", \"b\", \"c\"", path,
                          type);
        d->type = type[0];
        if (!*access)
            access = "rwm";
        for (const char *p = access; *p; p++) {
            unsigned bit = *p == 'r' ? GT_CG_DEV_READ : *p == 'w' ? GT_CG_DEV_WRITE :
                           *p == 'm' ? GT_CG_DEV_MKNOD : 0;
            if (!bit)
                return gt_err(err, EINVAL, "%s.access: \"%s\" is not made of \"r\", \"w\", \"m\"",
                              path, access);
            d->access |= bit;
        }
        o->n_devices = i + 1;
    }
    return 0;
}

static int parse_network(const json_t *res, struct gt_cg_resources *o, struct gt_error *err)
{
    json_t *net, *arr;
    int r = gt_json_get_obj(res, "network", RES, GT_JSON_OPTIONAL, &net, err);
    if (r)
        return r < 0 ? r : 0;
    const char *P = RES ".network";
    if ((r = get_u64(net, "classID", P, true, 0, UINT32_MAX, &o->network.class_id, err)) < 0)
        return r;
    r = gt_json_get_arr(net, "priorities", P, GT_JSON_OPTIONAL, &arr, err);
    if (r)
        return r < 0 ? r : 0;
    size_t n = json_array_size(arr);
    if (!n)
        return 0;
    o->network.prios = gt_xcalloc(n, sizeof *o->network.prios);
    for (size_t i = 0; i < n; i++) {
        char path[64];
        snprintf(path, sizeof path, "%s.priorities[%zu]", P, i);
        json_t *e = json_array_get(arr, i);
        const char *name;
        int64_t prio;
        if ((r = gt_json_get_str(e, "name", path, GT_JSON_REQUIRED, &name, err)) < 0 ||
            (r = gt_json_get_int_range(e, "priority", path, GT_JSON_REQUIRED, 0, UINT32_MAX, &prio,
                                       err)) < 0)
            return r;
        if (!*name || strlen(name) >= 16 || strpbrk(name, " /\n"))
            return gt_err(err, EINVAL, "%s.name: \"%s\" is not an interface name", path, name);
        o->network.prios[i].name = gt_xstrdup(name);
        o->network.prios[i].prio = (uint32_t)prio;
        o->network.n_prios = i + 1;
    }
    return 0;
}

static int parse_rdma(const json_t *res, struct gt_cg_resources *o, struct gt_error *err)
{
    json_t *rd;
    int r = gt_json_get_obj(res, "rdma", RES, GT_JSON_OPTIONAL, &rd, err);
    if (r)
        return r < 0 ? r : 0;
    size_t n = json_object_size(rd);
    if (!n)
        return 0;
    o->rdma = gt_xcalloc(n, sizeof *o->rdma);
    const char *dev;
    json_t *v;
    json_object_foreach(rd, dev, v) {
        char path[128];
        snprintf(path, sizeof path, RES ".rdma.%s", dev);
        if (!*dev || strpbrk(dev, " /\n"))
            return gt_err(err, EINVAL, "%s: \"%s\" is not a device name", RES ".rdma", dev);
        if (!json_is_object(v))
            return gt_err(err, EINVAL, "%s: expected an object, got %s", path,
                          gt_json_type_name(v));
        struct gt_cg_rdma *e = &o->rdma[o->n_rdma++];
        e->device = gt_xstrdup(dev);
        if ((r = get_u64(v, "hcaHandles", path, true, 0, UINT32_MAX, &e->hca_handles, err)) < 0 ||
            (r = get_u64(v, "hcaObjects", path, true, 0, UINT32_MAX, &e->hca_objects, err)) < 0)
            return r;
    }
    return 0;
}

/* Files a unified entry may not name: they move processes or change the
 * tree, which is the runtime's business, not a resource. */
static const char *const unified_refused[] = {
    "cgroup.procs", "cgroup.threads", "cgroup.subtree_control", "cgroup.kill",
    "cgroup.freeze", "cgroup.type", NULL,
};

static int parse_unified(const json_t *res, struct gt_cg_resources *o, struct gt_error *err)
{
    json_t *u;
    int r = gt_json_get_obj(res, "unified", RES, GT_JSON_OPTIONAL, &u, err);
    if (r)
        return r < 0 ? r : 0;
    size_t n = json_object_size(u);
    if (!n)
        return 0;
    o->unified = gt_xcalloc(n, sizeof *o->unified);
    const char *k;
    json_t *v;
    json_object_foreach(u, k, v) {
        const char *dot = strchr(k, '.');
        if (!dot || dot == k || !dot[1] || strchr(k, '/') || strcmp(k, ".") == 0 ||
            strstr(k, ".."))
            return gt_err(err, EINVAL, RES ".unified: \"%s\" is not a file name like \"memory.high\"",
                          k);
        for (const char *const *p = unified_refused; *p; p++)
            if (strcmp(*p, k) == 0)
                return gt_err(err, EPERM, RES ".unified.%s: may not be set through unified", k);
        if (!json_is_string(v))
            return gt_err(err, EINVAL, RES ".unified.%s: expected a string, got %s", k,
                          gt_json_type_name(v));
        o->unified[o->n_unified].key = gt_xstrdup(k);
        o->unified[o->n_unified].value = gt_xstrdup(json_string_value(v));
        o->n_unified++;
    }
    return 0;
}

int gt_cg_resources_parse(const json_t *res, struct gt_cg_resources *out, struct gt_error *err)
{
    memset(out, 0, sizeof *out);
    if (!res || json_is_null(res))
        return 0;
    if (!json_is_object(res))
        return gt_err(err, EINVAL, RES ": expected an object, got %s", gt_json_type_name(res));
    int r;
    json_t *pids;
    if ((r = parse_memory(res, out, err)) < 0 || (r = parse_cpu(res, out, err)) < 0 ||
        (r = parse_blkio(res, out, err)) < 0 || (r = parse_hugepages(res, out, err)) < 0 ||
        (r = parse_devices(res, out, err)) < 0 || (r = parse_network(res, out, err)) < 0 ||
        (r = parse_rdma(res, out, err)) < 0 || (r = parse_unified(res, out, err)) < 0)
        goto fail;
    r = gt_json_get_obj(res, "pids", RES, GT_JSON_OPTIONAL, &pids, err);
    if (r < 0)
        goto fail;
    if (r == 0 && (r = get_limit(pids, "limit", RES ".pids", true, &out->pids_limit, err)) < 0)
        goto fail;
    return 0;
fail:
    gt_cg_resources_release(out);
    return r;
}

void gt_cg_resources_release(struct gt_cg_resources *r)
{
    free(r->cpu.cpus);
    free(r->cpu.mems);
    free(r->blkio.weight_dev);
    for (int t = 0; t < GT_CG_NTHROTTLE; t++)
        free(r->blkio.throttle[t]);
    for (size_t i = 0; i < r->n_hugepages; i++)
        free(r->hugepages[i].size);
    free(r->hugepages);
    free(r->devices);
    for (size_t i = 0; i < r->network.n_prios; i++)
        free(r->network.prios[i].name);
    free(r->network.prios);
    for (size_t i = 0; i < r->n_rdma; i++)
        free(r->rdma[i].device);
    free(r->rdma);
    for (size_t i = 0; i < r->n_unified; i++) {
        free(r->unified[i].key);
        free(r->unified[i].value);
    }
    free(r->unified);
    memset(r, 0, sizeof *r);
}

int gt_cgroup_validate(const json_t *resources, struct gt_error *err)
{
    struct gt_cg_resources r;
    int rc = gt_cg_resources_parse(resources, &r, err);
    if (rc < 0)
        return rc;
    gt_cg_resources_release(&r);
    return 0;
}

/* v2 conversions.  cpu.weight spans 1..10000 where cpu.shares spans
 * 2..262144, linearly (the mapping runc and crun document). */
uint64_t gt_cg_shares_to_weight(uint64_t shares)
{
    if (shares == 0)
        return 0;
    if (shares < 2)
        shares = 2;
    if (shares > 262144)
        shares = 262144;
    return 1 + ((shares - 2) * 9999) / 262142;
}

/* io.weight spans 1..10000 where blkio.weight spans 10..1000. */
uint64_t gt_cg_blkio_to_io_weight(uint64_t weight)
{
    if (weight == 0)
        return 0;
    if (weight < 10)
        weight = 10;
    if (weight > 1000)
        weight = 1000;
    return 1 + (weight - 10) * 9999 / 990;
}

/* The spec's swap is memory+swap (v1's memsw); v2's memory.swap.max is
 * swap alone.  An unlimited memory with no swap given means unlimited swap
 * too, as v1 would behave. */
int gt_cg_swap_to_v2(const struct gt_cg_resources *r, int64_t *out, bool *set,
                     struct gt_error *err)
{
    const struct gt_cg_i64 *lim = &r->memory.limit, *sw = &r->memory.swap;
    *set = false;
    if (!sw->set) {
        if (lim->set && lim->v == -1) {
            *out = -1;
            *set = true;
        }
        return 0;
    }
    if (sw->v == -1) {
        *out = -1;
        *set = true;
        return 0;
    }
    if (!lim->set || lim->v == -1)
        return gt_err(err, EINVAL,
                      RES ".memory.swap: cannot be converted to cgroup v2 without a memory.limit "
                          "(v2 limits swap alone, the spec gives memory+swap)");
    if (sw->v < lim->v)
        return gt_err(err, EINVAL, RES ".memory.swap: below memory.limit");
    *out = sw->v - lim->v;
    *set = true;
    return 0;
}
