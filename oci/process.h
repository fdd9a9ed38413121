/* oci/process.h - turning the calling process into the container's process
 * just before execve: limits, identity, capabilities, environment and the
 * program lookup.  Used by the init and by exec; everything here runs in the
 * child, inside the container's namespaces and (for the init) after
 * pivot_root, and reports through struct gt_error. */
#ifndef GT_OCI_PROCESS_H
#define GT_OCI_PROCESS_H

#include <stdbool.h>
#include <sys/types.h>

#include "base/error.h"
#include "oci/spec.h"

/* setrlimit for each of process.rlimits. */
int gt_process_set_rlimits(const struct gt_process *p, struct gt_error *err);
/* Writes process.oomScoreAdj to /proc/self/oom_score_adj, if given. */
int gt_process_set_oom_score_adj(const struct gt_process *p, struct gt_error *err);
/* The program to execve: args[0] if it holds a '/', else the first
 * executable regular file named args[0] in the PATH of process.env (the
 * default PATH without one).  "exec: \"x\": executable file not found in
 * $PATH" otherwise.  Caller frees. */
int gt_process_find_program(const struct gt_process *p, char **out, struct gt_error *err);
/* process.env, plus HOME (from the container's /etc/passwd, else "/") when
 * it is not set.  The vector and its new strings are owned by the caller
 * (free the vector with free(); *extra holds the allocated strings). */
const char **gt_process_env(const struct gt_process *p, char ***extra);
/* Bounding set, keep-caps, groups, gid, uid, then the other four sets
 * (capabilities only when process.capabilities was given); then
 * noNewPrivileges and the umask. */
int gt_process_set_identity(const struct gt_process *p, bool setgroups_allowed,
                            struct gt_error *err);
/* Field `field` (0: name, 5: home) of uid's line in a passwd file, read
 * directly (no NSS: the runtime may be linked statically).  Caller frees;
 * NULL when absent. */
char *gt_passwd_field(const char *file, uid_t uid, int field);
/* chdir to process.cwd. */
int gt_process_chdir(const struct gt_process *p, struct gt_error *err);
/* Clears close-on-exec on fds 3 .. 3+n-1, sets it on every fd above. */
int gt_process_preserve_fds(int n, struct gt_error *err);

#endif
