/* Cluster IPs and node ports of Services (see alloc.h). */
#include "kube/api/alloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "base/log.h"
#include "base/mem.h"
#include "kube/api/registry.h"
#include "kube/obj.h"

#define NODEPORT_MIN 30000
#define NODEPORT_MAX 32767
#define TRIES 512

static uint32_t rnd(void)
{
    uint32_t v = 0;
    if (getrandom(&v, sizeof v, 0) != (ssize_t)sizeof v)
        v = (uint32_t)rand();
    return v;
}

static char *owner_of(const json_t *svc)
{
    return gt_xasprintf("{\"service\":\"%s/%s\"}", gt_kobj_namespace(svc), gt_kobj_name(svc));
}

/* 0 reserved (or already ours), -EEXIST taken by another, <0 error. */
static int reserve(struct gt_kapi *api, const char *key, const char *owner)
{
    struct gt_store_cmp cmp = { .key = key, .target = GT_STORE_CMP_ABSENT };
    struct gt_store_op put = { .type = GT_STORE_OP_PUT, .key = key, .value = owner,
                               .value_len = strlen(owner) };
    struct gt_store_op get = { .type = GT_STORE_OP_GET, .key = key };
    struct gt_store_txn txn = { .cmps = &cmp, .ncmps = 1, .then_ops = &put, .nthen = 1,
                                .else_ops = &get, .nelse = 1 };
    struct gt_store_txn_result res = { 0 };
    struct gt_error err = { 0 };
    int rc = gt_store_txn(api->store, &txn, &res, &err);
    if (rc < 0)
        return rc;
    if (!res.succeeded) {
        bool mine = res.n == 1 && res.results[0].n == 1 &&
                    res.results[0].kvs[0].value_len == strlen(owner) &&
                    !memcmp(res.results[0].kvs[0].value, owner, strlen(owner));
        rc = mine ? 0 : -EEXIST;
    }
    gt_store_txn_result_release(&res);
    return rc;
}

static void release(struct gt_kapi *api, const char *key, const char *owner)
{
    struct gt_store_cmp cmp = { .key = key, .target = GT_STORE_CMP_VALUE, .value = owner,
                                .value_len = strlen(owner) };
    struct gt_store_op del = { .type = GT_STORE_OP_DELETE, .key = key };
    struct gt_store_txn txn = { .cmps = &cmp, .ncmps = 1, .then_ops = &del, .nthen = 1 };
    struct gt_store_txn_result res = { 0 };
    struct gt_error err = { 0 };
    if (gt_store_txn(api->store, &txn, &res, &err) == 0)
        gt_store_txn_result_release(&res);
}

static char *ip_key(const char *ip)
{
    return gt_xasprintf(GT_KALLOC_IPS_PREFIX "%s", ip);
}

static char *port_key(int64_t port)
{
    return gt_xasprintf(GT_KALLOC_PORTS_PREFIX "%lld", (long long)port);
}

static int invalid(json_t **st, const json_t *svc, const char *field, const char *value,
                   const char *why)
{
    json_t *s = gt_kst_new(422, "Invalid", "Service \"%s\" is invalid: %s: Invalid value: \"%s\": %s",
                           gt_kobj_name(svc), field, value, why);
    gt_kst_details(s, gt_kobj_name(svc), "", "Service");
    json_object_set_new(json_object_get(s, "details"), "causes",
                        json_pack("[{s:s,s:s,s:s}]", "reason", "FieldValueInvalid", "message",
                                  why, "field", field));
    json_decref(*st);
    *st = s;
    return -1;
}

static bool needs_ip(const json_t *spec)
{
    return strcmp(gt_kobj_str(spec, "type", "ClusterIP"), "ExternalName") != 0 &&
           strcmp(gt_kobj_str(spec, "clusterIP", ""), "None") != 0;
}

static bool needs_node_ports(const json_t *spec)
{
    const char *t = gt_kobj_str(spec, "type", "ClusterIP");
    return !strcmp(t, "NodePort") ||
           (!strcmp(t, "LoadBalancer") && gt_kobj_bool(spec, "allocateLoadBalancerNodePorts", true));
}

static int alloc_ip(struct gt_kapi *api, json_t *svc, const char *owner, json_t **st)
{
    json_t *spec = gt_kobj_ensure(svc, "spec");
    const char *want = gt_kobj_str(spec, "clusterIP", "");
    char ip[INET_ADDRSTRLEN];
    if (want[0]) {
        struct in_addr a;
        if (inet_pton(AF_INET, want, &a) != 1)
            return invalid(st, svc, "spec.clusterIPs[0]", want, "must be a valid IP address");
        uint32_t h = ntohl(a.s_addr);
        if ((h >> 16) != ((10u << 8) | 43u) || (h & 0xffff) == 0 || (h & 0xffff) == 0xffff)
            return invalid(st, svc, "spec.clusterIPs[0]", want,
                           "provided IP is not in the valid range. The range of valid IPs is "
                           "10.43.0.0/16");
        char *key = ip_key(want);
        int rc = reserve(api, key, owner);
        free(key);
        if (rc == -EEXIST)
            return invalid(st, svc, "spec.clusterIPs", want,
                           "failed to allocate IP: provided IP is already allocated");
        if (rc < 0)
            return gt_kst_fail(st, 500, NULL, "allocating a cluster IP: %s", strerror(-rc));
        snprintf(ip, sizeof ip, "%s", want);
    } else {
        int rc = -EEXIST;
        for (int i = 0; i < TRIES && rc == -EEXIST; i++) {
            /* 10.43.0.2 - 10.43.255.254: .0.1 is the kubernetes service */
            uint32_t host = 2 + rnd() % (0xffff - 2);
            snprintf(ip, sizeof ip, "10.43.%u.%u", host >> 8, host & 0xff);
            char *key = ip_key(ip);
            rc = reserve(api, key, owner);
            free(key);
        }
        if (rc < 0)
            return gt_kst_fail(st, 500, NULL, "failed to allocate a cluster IP: %s",
                               rc == -EEXIST ? "range is full" : strerror(-rc));
        json_object_set_new(spec, "clusterIP", json_string(ip));
    }
    json_object_set_new(spec, "clusterIPs", json_pack("[s]", ip));
    return 0;
}

static int alloc_port(struct gt_kapi *api, json_t *svc, json_t *port, size_t idx,
                      const char *owner, json_t **st)
{
    json_t *np = json_object_get(port, "nodePort");
    if (json_is_integer(np) && json_integer_value(np) != 0) {
        int64_t v = json_integer_value(np);
        char field[64], val[24];
        snprintf(field, sizeof field, "spec.ports[%zu].nodePort", idx);
        snprintf(val, sizeof val, "%lld", (long long)v);
        if (v < NODEPORT_MIN || v > NODEPORT_MAX)
            return invalid(st, svc, field, val,
                           "provided port is not in the valid range. The range of valid ports "
                           "is 30000-32767");
        char *key = port_key(v);
        int rc = reserve(api, key, owner);
        free(key);
        if (rc == -EEXIST)
            return invalid(st, svc, field, val, "provided port is already allocated");
        if (rc < 0)
            return gt_kst_fail(st, 500, NULL, "allocating a node port: %s", strerror(-rc));
        return 0;
    }
    int rc = -EEXIST;
    int64_t v = 0;
    for (int i = 0; i < TRIES && rc == -EEXIST; i++) {
        v = NODEPORT_MIN + rnd() % (NODEPORT_MAX - NODEPORT_MIN + 1);
        char *key = port_key(v);
        rc = reserve(api, key, owner);
        free(key);
    }
    if (rc < 0)
        return gt_kst_fail(st, 500, NULL, "failed to allocate a node port: %s",
                           rc == -EEXIST ? "range is full" : strerror(-rc));
    json_object_set_new(port, "nodePort", json_integer(v));
    return 0;
}

int gt_kalloc_service_create(struct gt_kapi *api, json_t *obj, json_t **st)
{
    json_t *spec = gt_kobj_ensure(obj, "spec");
    char *owner = owner_of(obj);
    int rc = 0;
    if (needs_ip(spec))
        rc = alloc_ip(api, obj, owner, st);
    if (rc == 0 && needs_node_ports(spec)) {
        size_t i;
        json_t *p;
        json_array_foreach(gt_kobj_arr(spec, "ports"), i, p) {
            if ((rc = alloc_port(api, obj, p, i, owner, st)) < 0)
                break;
        }
    }
    free(owner);
    if (rc < 0)
        gt_kalloc_service_release(api, obj);
    return rc;
}

static int64_t old_node_port(const json_t *old, const json_t *port)
{
    size_t i;
    json_t *p;
    json_array_foreach(gt_kobj_arr(old, "spec.ports"), i, p)
        if (gt_kobj_int(p, "port", -1) == gt_kobj_int(port, "port", -2) &&
            !strcmp(gt_kobj_str(p, "protocol", "TCP"), gt_kobj_str(port, "protocol", "TCP")))
            return gt_kobj_int(p, "nodePort", 0);
    return 0;
}

static bool port_used(const json_t *svc, int64_t v)
{
    size_t i;
    json_t *p;
    json_array_foreach(gt_kobj_arr(svc, "spec.ports"), i, p)
        if (gt_kobj_int(p, "nodePort", 0) == v)
            return true;
    return false;
}

int gt_kalloc_service_update(struct gt_kapi *api, json_t *obj, const json_t *old, json_t **st)
{
    json_t *spec = gt_kobj_ensure(obj, "spec");
    const char *oldip = gt_kobj_str(old, "spec.clusterIP", "");
    if (!gt_kobj_str(spec, "clusterIP", "")[0] && oldip[0] && needs_ip(spec)) {
        json_object_set_new(spec, "clusterIP", json_string(oldip));
        json_t *ips = gt_kobj_get(old, "spec.clusterIPs");
        if (ips)
            json_object_set(spec, "clusterIPs", ips);
    }
    char *owner = owner_of(obj);
    int rc = 0;
    if (needs_ip(spec) && !gt_kobj_str(spec, "clusterIP", "")[0])
        rc = alloc_ip(api, obj, owner, st);
    size_t i;
    json_t *p;
    if (rc == 0 && needs_node_ports(spec)) {
        json_array_foreach(gt_kobj_arr(spec, "ports"), i, p) {
            if (!gt_kobj_int(p, "nodePort", 0)) {
                int64_t prev = old_node_port(old, p);
                if (prev)
                    json_object_set_new(p, "nodePort", json_integer(prev));
            }
            if ((rc = alloc_port(api, obj, p, i, owner, st)) < 0)
                break;
        }
    } else if (rc == 0) {
        json_array_foreach(gt_kobj_arr(spec, "ports"), i, p)
            json_object_del(p, "nodePort");
    }
    if (rc == 0) {
        json_array_foreach(gt_kobj_arr(old, "spec.ports"), i, p) {
            int64_t v = gt_kobj_int(p, "nodePort", 0);
            if (v && !port_used(obj, v)) {
                char *key = port_key(v);
                release(api, key, owner);
                free(key);
            }
        }
    }
    free(owner);
    return rc;
}

void gt_kalloc_service_release(struct gt_kapi *api, const json_t *svc)
{
    char *owner = owner_of(svc);
    const char *ip = gt_kobj_str(svc, "spec.clusterIP", "");
    if (ip[0] && strcmp(ip, "None") != 0) {
        char *key = ip_key(ip);
        release(api, key, owner);
        free(key);
    }
    size_t i;
    json_t *p;
    json_array_foreach(gt_kobj_arr(svc, "spec.ports"), i, p) {
        int64_t v = gt_kobj_int(p, "nodePort", 0);
        if (v) {
            char *key = port_key(v);
            release(api, key, owner);
            free(key);
        }
    }
    free(owner);
}

/* An allocation whose service no longer exists (or holds another
 * address) is freed once it has been seen orphaned for a minute: a create
 * in flight reserves before it stores its service.  Only the control-loop
 * thread calls this. */
static json_t *suspects; /* key -> first seen orphaned (monotonic ms) */

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void repair_prefix(struct gt_kapi *api, const char *prefix, bool ports, json_t *seen)
{
    struct gt_store_range r = { .key = prefix, .prefix = true };
    struct gt_store_range_result rr = { 0 };
    struct gt_error err = { 0 };
    if (gt_store_range(api->store, &r, &rr, &err) < 0)
        return;
    const struct gt_kind *sk = kapi_kind_named("", "services");
    int64_t now = mono_ms();
    for (size_t i = 0; i < rr.n; i++) {
        struct gt_kv *kv = &rr.kvs[i];
        json_t *v = json_loadb(kv->value, kv->value_len, 0, NULL);
        const char *owner = gt_kobj_str(v, "service", "");
        const char *slash = strchr(owner, '/');
        bool keep = false;
        if (slash) {
            char ns[256];
            snprintf(ns, sizeof ns, "%.*s", (int)(slash - owner), owner);
            json_t *svc = gt_kwc_get(api->cache, sk, ns, slash + 1);
            const char *what = kv->key + strlen(prefix);
            if (svc && !ports)
                keep = !strcmp(gt_kobj_str(svc, "spec.clusterIP", ""), what);
            else if (svc)
                keep = port_used(svc, strtoll(what, NULL, 10));
            json_decref(svc);
        }
        json_decref(v);
        if (keep)
            continue;
        json_t *since = json_object_get(suspects, kv->key);
        int64_t t = since ? json_integer_value(since) : now;
        if (now - t >= 60000) {
            gt_info("freeing %s: its service is gone", kv->key);
            release(api, kv->key, kv->value);
        } else {
            json_object_set_new(seen, kv->key, json_integer(t));
        }
    }
    gt_store_range_result_release(&rr);
}

void gt_kalloc_repair(struct gt_kapi *api)
{
    json_t *seen = json_object();
    repair_prefix(api, GT_KALLOC_IPS_PREFIX, false, seen);
    repair_prefix(api, GT_KALLOC_PORTS_PREFIX, true, seen);
    json_decref(suspects);
    suspects = seen;
}

void gt_kalloc_repair_release(void)
{
    json_decref(suspects);
    suspects = NULL;
}
