/* oci/init.h - the container's init, from clone to execve.  Internal to
 * the runtime (container.c clones it and drives it over the sync socket,
 * see sync.h).
 *
 * Steps, each of which reports a failure over the sync socket with the
 * step in the message: join namespaces given by path, create the others
 * (when they could not be created by clone itself), wait for the runtime
 * to map ids and place it in its cgroup, the cgroup namespace, hostname,
 * rootfs and mounts, prestart/createRuntime hooks (run by the runtime),
 * createContainer hooks, pivot_root, terminal, sysctl, masked and
 * read-only paths, rlimits, program lookup, seccomp (early when
 * noNewPrivileges is off), user and capabilities; then READY, and it blocks
 * opening exec.fifo until `start`; then startContainer hooks, seccomp
 * (late), execve. */
#ifndef GT_OCI_INIT_H
#define GT_OCI_INIT_H

#include <stdbool.h>
#include <sys/types.h>

#include "oci/namespaces.h"
#include "oci/spec.h"

struct gt_seccomp;
struct gt_cgroup;

struct gt_init_args {
    const struct gt_spec *spec;
    const char *id;
    const char *created; /* for the hooks' state */
    int sync_fd;
    int state_dirfd;  /* O_PATH of the state directory (exec.fifo) */
    int lock_fd;      /* the runtime's locked fd of it: closed at once (flock is per file) */
    int console_fd;   /* connected console socket, or -1 */
    int preserve_fds;
    bool no_pivot;
    bool no_new_keyring;
    const struct gt_seccomp *seccomp; /* or NULL */
    struct gt_cgroup *cgroup;         /* joined first thing */
    bool in_cgroup2;                  /* clone3 already put us in its cgroup2 dir */
    int join_fds[GT_NS_COUNT];        /* namespaces to join (-1: none); pid is the runtime's job */
    bool unshare_in_child;            /* namespaces could not all come from clone */
    int unshare_flags;                /* then: the CLONE_NEW* flags to unshare (not cgroup) */
};

__attribute__((noreturn)) void gt_init_main(const struct gt_init_args *a);

/* Whether the calling process may call setgroups(2) (a user namespace may
 * deny it). */
bool gt_setgroups_allowed(void);

#endif
