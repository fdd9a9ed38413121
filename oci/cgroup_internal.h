/* oci/cgroup_internal.h - what the cgroup backends share (not for use
 * outside oci/cgroup*.c and their unit tests).
 *
 * linux.resources is parsed once into struct gt_cg_resources (validation
 * and every message naming a field live there); the backends only turn
 * that struct into file writes.  A backend is a table of functions
 * (struct gt_cg_ops) over the directories of one container's cgroup. */
#ifndef GT_OCI_CGROUP_INTERNAL_H
#define GT_OCI_CGROUP_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"
#include "oci/cgroup.h"

/* ---- linux.resources, parsed ---- */

struct gt_cg_i64 {
    bool set;
    int64_t v;
};
struct gt_cg_u64 {
    bool set;
    uint64_t v;
};
struct gt_cg_bool {
    bool set;
    bool v;
};

struct gt_cg_weight_dev {
    int64_t major, minor;
    struct gt_cg_u64 weight, leaf_weight;
};
struct gt_cg_rate_dev {
    int64_t major, minor;
    uint64_t rate;
};
enum { GT_CG_READ_BPS, GT_CG_WRITE_BPS, GT_CG_READ_IOPS, GT_CG_WRITE_IOPS, GT_CG_NTHROTTLE };

struct gt_cg_hugepage {
    char *size; /* "2MB", "1GB" as in the hugetlb file names */
    uint64_t limit;
};

#define GT_CG_DEV_MKNOD 1u
#define GT_CG_DEV_READ 2u
#define GT_CG_DEV_WRITE 4u
#define GT_CG_DEV_ALL 7u
struct gt_cg_device_rule {
    bool allow;
    char type;           /* 'a', 'b' or 'c' */
    int64_t major, minor; /* -1: any */
    unsigned access;     /* GT_CG_DEV_* bits */
};

struct gt_cg_net_prio {
    char *name;
    uint32_t prio;
};
struct gt_cg_rdma {
    char *device;
    struct gt_cg_u64 hca_handles, hca_objects;
};
struct gt_cg_kv {
    char *key, *value;
};

/* Integer fields follow runc: 0 (like absence) leaves the value unchanged;
 * -1 means unlimited where the spec allows it. */
struct gt_cg_resources {
    struct {
        struct gt_cg_i64 limit, reservation, swap, kernel, kernel_tcp;
        struct gt_cg_u64 swappiness;
        struct gt_cg_bool disable_oom_killer, use_hierarchy, check_before_update;
    } memory;
    struct {
        struct gt_cg_u64 shares, burst, period, rt_period;
        struct gt_cg_i64 quota, rt_runtime, idle;
        char *cpus, *mems;
    } cpu;
    struct gt_cg_i64 pids_limit;
    struct {
        struct gt_cg_u64 weight, leaf_weight;
        struct gt_cg_weight_dev *weight_dev;
        size_t n_weight_dev;
        struct gt_cg_rate_dev *throttle[GT_CG_NTHROTTLE];
        size_t n_throttle[GT_CG_NTHROTTLE];
    } blkio;
    struct gt_cg_hugepage *hugepages;
    size_t n_hugepages;
    bool has_devices; /* the member is present (an empty list still counts) */
    struct gt_cg_device_rule *devices;
    size_t n_devices;
    struct {
        struct gt_cg_u64 class_id;
        struct gt_cg_net_prio *prios;
        size_t n_prios;
    } network;
    struct gt_cg_rdma *rdma;
    size_t n_rdma;
    struct gt_cg_kv *unified;
    size_t n_unified;
};

/* resources may be NULL (everything unset).  On failure *out is released. */
int gt_cg_resources_parse(const json_t *resources, struct gt_cg_resources *out,
                          struct gt_error *err);
void gt_cg_resources_release(struct gt_cg_resources *r);
/* The spec's names of the throttle lists, for messages. */
extern const char *const gt_cg_throttle_field[GT_CG_NTHROTTLE];

/* v2 conversions (the mapping documented by runc and crun). */
uint64_t gt_cg_shares_to_weight(uint64_t shares);
uint64_t gt_cg_blkio_to_io_weight(uint64_t weight);
/* memory.swap.max from the spec's swap (memory+swap) and limit; *out is
 * -1 for "max", and *set false when nothing is to be written. */
int gt_cg_swap_to_v2(const struct gt_cg_resources *r, int64_t *out, bool *set,
                     struct gt_error *err);

/* ---- the cgroup object ---- */

/* One directory of the container's cgroup: one per v1 hierarchy, the single
 * unified one on v2, plus the unified one on a hybrid v1 host. */
struct gt_cg_dir {
    char *controllers; /* v1: the hierarchy's directory name ("cpu,cpuacct",
                          "systemd"); v2 and hybrid: "" */
    char *path;        /* <root>/<controllers>/<cgroup path> */
    bool emulated;     /* not on a cgroup filesystem: a test's prepared tree,
                          where files are created on write */
    bool best_effort;  /* the hybrid unified dir: failures are only logged */
    char *created;     /* the topmost directory that create() made, or NULL */
};

struct gt_cgroup;

struct gt_cg_ops {
    const char *name;
    /* Applies r to the existing directories; updating true for `update`. */
    int (*apply)(struct gt_cgroup *cg, const struct gt_cg_resources *r, bool updating,
                 struct gt_error *err);
    /* Prepares new directories (controllers enabled, cpusets copied). */
    int (*prepare)(struct gt_cgroup *cg, struct gt_error *err);
    int (*freeze)(struct gt_cgroup *cg, bool frozen, struct gt_error *err);
    int (*is_frozen)(struct gt_cgroup *cg, bool *frozen, struct gt_error *err);
    /* The directory whose cgroup.procs lists the container's processes. */
    const struct gt_cg_dir *(*procs_dir)(struct gt_cgroup *cg);
    int (*stats)(struct gt_cgroup *cg, json_t *out, struct gt_error *err);
    int (*oom_kills)(struct gt_cgroup *cg, uint64_t *out, struct gt_error *err);
    /* Kills every process with SIGKILL in one step, when the kernel can
     * (cgroup.kill, 5.14); 1 when it cannot. */
    int (*kill_fast)(struct gt_cgroup *cg, struct gt_error *err);
};

struct gt_cgroup {
    const struct gt_cg_ops *ops;
    enum gt_cgroup_version version;
    char *path; /* the cleaned cgroups path, absolute */
    char *root;
    struct gt_cg_dir *dirs;
    size_t n_dirs;
};

extern const struct gt_cg_ops gt_cg_v1_ops;
extern const struct gt_cg_ops gt_cg_v2_ops;

/* The v1 directory of a controller ("memory"), or NULL if not mounted. */
struct gt_cg_dir *gt_cg_v1_dir(struct gt_cgroup *cg, const char *controller);

/* ---- files ---- */

/* Writes value to <dir>/<file>.  field (may be NULL) names the spec field
 * behind the write in the message; a missing file says the kernel lacks it. */
int gt_cg_write(const struct gt_cg_dir *d, const char *file, const char *value,
                const char *field, struct gt_error *err);
int gt_cg_writef(const struct gt_cg_dir *d, const char *file, const char *field,
                 struct gt_error *err, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Reads <dir>/<file> (whole, caller frees). */
int gt_cg_read(const struct gt_cg_dir *d, const char *file, char **out, struct gt_error *err);
/* A single unsigned value ("max" reads as UINT64_MAX). */
int gt_cg_read_u64(const struct gt_cg_dir *d, const char *file, uint64_t *out,
                   struct gt_error *err);
/* The value of "key N" in a flat keyed file (memory.stat, memory.events). */
int gt_cg_read_keyed(const struct gt_cg_dir *d, const char *file, const char *key,
                     uint64_t *out, struct gt_error *err);
bool gt_cg_has_file(const struct gt_cg_dir *d, const char *file);
/* Polls until <dir>/<file> holds (as its whole content, or as a
 * "key value" line when key is given) want, for up to timeout_ms. */
int gt_cg_wait_value(const struct gt_cg_dir *d, const char *file, const char *want,
                     int timeout_ms, struct gt_error *err);
/* rdma.max lines for linux.resources.rdma (same format on v1 and v2). */
int gt_cg_write_rdma(const struct gt_cg_dir *d, const struct gt_cg_resources *r,
                     struct gt_error *err);
/* Sorted, deduplicated pids of <dir> and its descendants. */
int gt_cg_read_pids(const char *dir, pid_t **pids, size_t *n, struct gt_error *err);
/* Writes v, or "max" when v < 0 (the spec's -1: unlimited). */
int gt_cg_write_limit(const struct gt_cg_dir *d, const char *file, int64_t v, const char *field,
                      struct gt_error *err);
/* memory.checkBeforeUpdate, on update only: EBUSY naming both values when
 * the new memory limit is below the usage that usage_file reports. */
int gt_cg_check_memory_usage(const struct gt_cg_dir *d, const char *usage_file,
                             const struct gt_cg_resources *r, bool updating,
                             struct gt_error *err);

/* ---- statistics, shared by both backends ---- */

/* o[key] = the value of <dir>/<file>, when it reads: "max" (v1's -1) as
 * if_max, and what JSON's int64 cannot hold as INT64_MAX. */
void gt_cg_put_u64(json_t *o, const char *key, const struct gt_cg_dir *d, const char *file,
                   json_int_t if_max);
/* "key value" lines (cpu.stat, memory.stat) into a new object. */
json_t *gt_cg_keyed_object(const char *s);
/* out.pids = {current, limit} (limit 0: unlimited), as runc gives them. */
void gt_cg_stats_pids(const struct gt_cg_dir *d, json_t *out);

/* ---- devices on v1: updates that write only the difference ---- */

/* An exception of the v1 devices controller, as devices.list shows it. */
struct gt_cg_dev_entry {
    char type;            /* 'b' or 'c' */
    int64_t major, minor; /* -1: "*" */
    unsigned access;      /* GT_CG_DEV_* bits */
};
/* One write: "c 1:3 rw" to devices.allow (allow) or devices.deny. */
struct gt_cg_dev_write {
    bool allow;
    char line[64];
};
/* The exceptions a deny-by-default cgroup has after the rules, computed
 * as the kernel would; false (nothing to free) when the result depends on
 * what the cgroup had (the rules do not begin by denying everything) or is
 * allow-by-default. */
bool gt_cg_v1_devices_whitelist(const struct gt_cg_device_rule *rules, size_t n,
                                struct gt_cg_dev_entry **out, size_t *n_out);
/* Parses devices.list; false for an allow-by-default cgroup ("a *:* rwm",
 * whose exceptions are not shown) or text it does not understand. */
bool gt_cg_v1_devices_parse_list(const char *text, struct gt_cg_dev_entry **out, size_t *n_out);
/* The writes that take whitelist cur to want, grants first; returns how
 * many (*out, caller frees). */
size_t gt_cg_v1_devices_transition(const struct gt_cg_dev_entry *cur, size_t n_cur,
                                   const struct gt_cg_dev_entry *want, size_t n_want,
                                   struct gt_cg_dev_write **out);
/* Same exceptions with the same access, in any order. */
bool gt_cg_v1_devices_equal(const struct gt_cg_dev_entry *a, size_t na,
                            const struct gt_cg_dev_entry *b, size_t nb);

/* ---- devices on v2: a BPF_PROG_TYPE_CGROUP_DEVICE program ---- */

/* Builds and loads (BPF_PROG_LOAD) a program enforcing the rules: the last
 * matching rule decides; with no match the device is allowed unless a
 * wildcard rule said otherwise (what a new v1 cgroup under an allow-all
 * parent does).  Returns the program fd. */
int gt_cg_bpf_devices_load(const struct gt_cg_device_rule *rules, size_t n,
                           struct gt_error *err);
/* Attaches prog_fd to the cgroup2 directory and detaches the device
 * programs that were attached before (so that an update replaces them). */
int gt_cg_bpf_devices_attach(int dir_fd, int prog_fd, struct gt_error *err);
/* The instructions of the program (for tests); caller frees *insns. */
size_t gt_cg_bpf_devices_build(const struct gt_cg_device_rule *rules, size_t n, void **insns);

#endif
