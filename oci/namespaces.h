/* oci/namespaces.h - the Linux namespaces of the runtime spec.
 *
 * One table maps the spec's type names ("pid", "network", ...) to clone
 * flags and to the names under /proc/<pid>/ns/.  gt_ns_join() enters the
 * namespaces of a running process (exec). */
#ifndef GT_OCI_NAMESPACES_H
#define GT_OCI_NAMESPACES_H

#include <stdbool.h>
#include <sys/types.h>

#include "base/error.h"

enum gt_ns_type {
    GT_NS_USER,
    GT_NS_MNT,
    GT_NS_PID,
    GT_NS_NET,
    GT_NS_IPC,
    GT_NS_UTS,
    GT_NS_CGROUP,
    GT_NS_COUNT
};

struct gt_ns_info {
    const char *spec_name; /* "network" */
    const char *proc_name; /* "net", as in /proc/<pid>/ns/net */
    int clone_flag;        /* CLONE_NEWNET */
};

extern const struct gt_ns_info gt_ns_table[GT_NS_COUNT];

/* The type for a spec name, or -1. */
int gt_ns_from_name(const char *name);
/* Every spec name, comma-separated, for messages and `features`. */
const char *gt_ns_names(void);

/* Opens /proc/<pid>/ns/<name> for every namespace in `mask` (bit i for type
 * i) that differs from the caller's own; fds[i] is -1 for the others.
 * Returns 0 or a negative code; on failure no fd stays open. */
int gt_ns_open_of(pid_t pid, unsigned mask, int fds[GT_NS_COUNT], struct gt_error *err);
/* setns() into each fds[i] >= 0 except GT_NS_PID (whose effect is on
 * children only: the caller does that before forking); the user namespace
 * last, so that the others are entered with the caller's full privileges. */
int gt_ns_join(const int fds[GT_NS_COUNT], struct gt_error *err);
void gt_ns_close(int fds[GT_NS_COUNT]);

#endif
