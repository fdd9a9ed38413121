/* oci/cgroup.h - a container's cgroup, behind a small table of backends
 * (cgroup v1 and the unified v2 hierarchy).
 *
 * Layout: the cgroup root is /sys/fs/cgroup, or $GANTRY_CGROUP_ROOT when set
 * (tests point it at a prepared tree).  If the root is a cgroup2 hierarchy
 * (it holds cgroup.controllers) the v2 backend is used; otherwise v1, with one
 * hierarchy per controller under <root>/<controller> (cpu, cpuacct, cpuset,
 * memory, pids, blkio, devices, freezer, hugetlb, ...).  A hybrid host (v1
 * controllers plus a unified tree that holds only hugetlb, as here) is v1;
 * there the container's processes also join <root>/unified/<path>, as runc
 * does, on a best-effort basis (no unified tree, or a failure there, is not
 * an error).  A root that is not a cgroup filesystem (only possible through
 * $GANTRY_CGROUP_ROOT: a test's prepared tree) is driven the same way, with
 * files created on write and removed on destroy.
 *
 * Paths: `path` is linux.cgroupsPath.  An absolute path is taken from the
 * cgroup root of each hierarchy; a relative one is placed under the
 * runtime's default parent, "/gantry" (so an absent path gives
 * "/gantry/<id>").  Paths are cleaned lexically: ".." never climbs above the
 * root.  Systemd-style "slice:prefix:name" paths are refused with a clear
 * error (no systemd driver yet).
 *
 * Resources: integer fields follow runc, 0 (like absence) leaves a value
 * unchanged and -1 means unlimited; unknown members are ignored, as the
 * spec asks.  A controller the host lacks is an error only when the spec
 * asks for it, naming the field.  Devices: rules apply in order, the last
 * match decides; unmatched devices are allowed (a fresh v1 cgroup's
 * default) unless a wildcard rule said otherwise -- the usual list starts
 * with a deny-all.  On v2 the rules become an eBPF program attached to the
 * cgroup (replacing the previous one on update), values follow the usual
 * v2 mapping (cpu.weight from shares, memory.swap.max = swap - limit,
 * io.weight from the blkio weight, cpu.max "quota period"), and controllers
 * are enabled in the ancestors' cgroup.subtree_control only as far as the
 * resources (and statistics: cpu, io, memory, pids) need them.
 *
 * Destroy removes the container's directory (and any sub-cgroups) in every
 * hierarchy, never the shared parents such as "/gantry".
 *
 * Every function is safe on a partially created cgroup: a failed
 * gt_cgroup_create() removes whatever it made before returning. */
#ifndef GT_OCI_CGROUP_H
#define GT_OCI_CGROUP_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"

struct gt_cgroup; /* opaque; one per container */

enum gt_cgroup_version { GT_CGROUP_V1 = 1, GT_CGROUP_V2 = 2 };

/* Which backend the current root selects. */
int gt_cgroup_detect(enum gt_cgroup_version *out, struct gt_error *err);

/* Checks linux.resources (may be NULL) against the spec without touching
 * the system: types, ranges, device rules, unit suffixes.  Messages name
 * the field ("linux.resources.memory.limit: ..."). */
int gt_cgroup_validate(const json_t *resources, struct gt_error *err);

/* The cgroup path to use for a container: cgroups_path (may be NULL or "")
 * resolved as above; default "/gantry/<id>".  Caller frees. */
char *gt_cgroup_default_path(const char *cgroups_path, const char *id);

/* Creates the cgroup in every hierarchy, applies resources (may be NULL),
 * and moves pid into it when pid > 0.  On failure nothing is left behind. */
int gt_cgroup_create(const char *path, const json_t *resources, pid_t pid,
                     struct gt_cgroup **out, struct gt_error *err);
/* Re-opens an existing cgroup from its path (as saved in the state). */
int gt_cgroup_open(const char *path, struct gt_cgroup **out, struct gt_error *err);
void gt_cgroup_free(struct gt_cgroup *cg);

const char *gt_cgroup_path(const struct gt_cgroup *cg);
enum gt_cgroup_version gt_cgroup_version(const struct gt_cgroup *cg);

/* Moves a process (an exec'd process, say) into the cgroup. */
int gt_cgroup_add_pid(struct gt_cgroup *cg, pid_t pid, struct gt_error *err);
/* The fast way in, for a process the runtime has just cloned (oci/cgroup_join.c).
 * A write to a cgroup.procs file takes the kernel's global threadgroup
 * lock for writing, which waits for an RCU grace period: 5-15 ms per
 * container on this machine (Linux 6.x, without the favordynmods mount
 * option).  Two ways around it:
 * - gt_cgroup_clone_fd(): an fd of the cgroup's directory on the cgroup2
 *   hierarchy (v2, or the unified tree of a hybrid host), for
 *   clone3(CLONE_INTO_CGROUP), which places the child there as it is made;
 *   -1 when there is none (v1 alone, a test's emulated tree).  Caller closes.
 * - gt_cgroup_join_self(): called by the new, still single-threaded
 *   process itself, writes "0" to the "tasks" file of each v1 hierarchy,
 *   which moves the calling thread without that lock; the cgroup2
 *   directory too (through cgroup.procs) unless in_v2 says clone3 put it
 *   there already.  A failure in the best-effort unified tree of a hybrid
 *   host is not an error. */
int gt_cgroup_clone_fd(struct gt_cgroup *cg);
int gt_cgroup_join_self(struct gt_cgroup *cg, bool in_v2, struct gt_error *err);
/* Applies a new linux.resources (runc update); fields absent are unchanged. */
int gt_cgroup_update(struct gt_cgroup *cg, const json_t *resources, struct gt_error *err);
/* Freezes or thaws every process (runc pause / resume); waits until the
 * freezer reports the new state. */
int gt_cgroup_freeze(struct gt_cgroup *cg, bool frozen, struct gt_error *err);
int gt_cgroup_is_frozen(struct gt_cgroup *cg, bool *frozen, struct gt_error *err);
/* The pids in the cgroup (sorted); caller frees *pids. */
int gt_cgroup_pids(struct gt_cgroup *cg, pid_t **pids, size_t *n, struct gt_error *err);
/* Sends sig to every process in the cgroup (kill --all). */
int gt_cgroup_kill_all(struct gt_cgroup *cg, int sig, struct gt_error *err);
/* Resource usage in the shape of runc's `events --stats` "data" object:
 * {"cpu":{"usage":{...},"throttling":{...}},"memory":{"usage":{...},
 *  "swap":..., "raw":{...}},"pids":{"current":N,"limit":N},"blkio":{...},
 *  "hugetlb":{...}}, plus "memory.oomKills" / the OOM counter.  New ref. */
int gt_cgroup_stats(struct gt_cgroup *cg, json_t **out, struct gt_error *err);
/* Number of OOM kills seen in this cgroup (memory.oom_control oom_kill or
 * memory.events oom_kill). */
int gt_cgroup_oom_kills(struct gt_cgroup *cg, uint64_t *out, struct gt_error *err);
/* Removes the cgroup directories of every hierarchy, waiting briefly for
 * dying processes; a cgroup already gone is success.  Does not free cg. */
int gt_cgroup_destroy(struct gt_cgroup *cg, struct gt_error *err);

/* For `features`: {"v1":true,"v2":true,"systemd":false,"systemdUser":false,...} */
json_t *gt_cgroup_features(void);

#endif
