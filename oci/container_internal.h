/* oci/container_internal.h - helpers shared by container.c and exec.c. */
#ifndef GT_OCI_CONTAINER_INTERNAL_H
#define GT_OCI_CONTAINER_INTERNAL_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "base/error.h"
#include "oci/hooks.h"
#include "oci/state.h"

/* clone3 like fork (the child continues on a copy of the stack), with the
 * CLONE_NEW* flags given and a pidfd for the child, and straight into the
 * cgroup2 directory cgroup_fd when it is >= 0 (CLONE_INTO_CGROUP; *into
 * tells whether that happened: on a kernel that refuses it, the clone is
 * made without).  Returns 0 in the child. */
pid_t gt_clone_pidfd(int flags, int *pidfd, int cgroup_fd, bool *into);
/* A pidfd for pid if it is still the process that started at start_time
 * (and not a zombie); -ESRCH otherwise. */
int gt_pidfd_open_checked(pid_t pid, unsigned long long start_time);
int gt_pidfd_signal(int pidfd, int sig);
int gt_write_pid_file(const char *path, pid_t pid, struct gt_error *err);
/* The state JSON given to hooks (caller frees). */
char *gt_hook_state_json(const struct gt_state *st, enum gt_status status);
int gt_container_status(const struct gt_state_dir *d, const struct gt_state *st,
                        enum gt_status *out, struct gt_error *err);
/* The locked directory, the state and the status of a container. */
int gt_container_open(const char *root, const char *id, int lock, struct gt_state_dir *d,
                      struct gt_state *st, enum gt_status *status, struct gt_error *err);
int gt_container_destroy(struct gt_state_dir *d, const struct gt_state *st, struct gt_error *err);

/* The foreground wait of `run` and `exec`: until `pid` (a child, or a
 * grandchild with the caller a subreaper) exits, forwards every signal of
 * `sigs` (blocked by the caller) to it through pidfd, and with master >= 0
 * copies between the caller's stdio and the pty (the caller's terminal in
 * raw mode meanwhile, its size passed on).  Stores the wait status. */
int gt_supervise(pid_t pid, int pidfd, int master, const sigset_t *sigs, int *status,
                 struct gt_error *err);

#endif
