/* oci/seccomp.h - linux.seccomp of the runtime spec, through libseccomp.
 *
 * The filter is compiled to BPF in the runtime, before the container's init
 * is cloned, so that every error (unknown syscall name, architecture,
 * action, operator, flag) is reported with the field that holds it before
 * anything is created.  The init only loads the compiled program, which
 * needs no allocation.
 *
 * Unlike runc, a syscall name that libseccomp does not know is an error
 * (runc skips it); SCMP_ACT_NOTIFY and listenerPath are refused as not
 * supported yet.  The rest follows runc: rules equal to the default action
 * are skipped, several conditions on one argument are ORed. */
#ifndef GT_OCI_SECCOMP_H
#define GT_OCI_SECCOMP_H

#include <jansson.h>
#include <stdbool.h>

#include "base/error.h"

struct gt_seccomp; /* a compiled filter */

/* Compiles linux.seccomp (must not be NULL).  Messages name the field:
 * "linux.seccomp.syscalls[3].names[0]: unknown syscall \"nosuch\"". */
int gt_seccomp_compile(const json_t *seccomp, struct gt_seccomp **out, struct gt_error *err);
/* Installs the filter on the calling thread (in the container's init,
 * just before execve, or before dropping capabilities when
 * noNewPrivileges is false).  Async-signal-safe. */
int gt_seccomp_load(const struct gt_seccomp *s, struct gt_error *err);
void gt_seccomp_free(struct gt_seccomp *s);

/* gt_seccomp_compile through a cache of compiled filters in the directory
 * cache_dir (made 0700 on the first miss; NULL: no cache), which saves the
 * compile (~3 ms for podman's profile) when the same profile comes again.
 * An entry is used only when the JSON it was compiled from, the identity
 * of this binary (libseccomp is linked in) and of the kernel all match it
 * byte for byte, it is ours (owner, mode) and its checksum holds: anything
 * else is a miss, compiled and stored afresh (written to a temporary file
 * and renamed).  Only filters that compiled are stored, so every error is
 * the compile's.  A cache that cannot be read or written is no error.
 * *hit (may be NULL) tells whether the cache answered.  The cache keeps at
 * most GT_SECCOMP_CACHE_MAX entries, dropping the oldest. */
#define GT_SECCOMP_CACHE_MAX 64
int gt_seccomp_compile_cached(const json_t *seccomp, const char *cache_dir,
                              struct gt_seccomp **out, bool *hit, struct gt_error *err);
/* True when the spec asks for a seccomp user-notification listener. */
bool gt_seccomp_wants_notify(const struct gt_seccomp *s);

/* For `features`: {"enabled":true,"actions":[...],"operators":[...],
 * "archs":[...],"knownFlags":[...],"supportedFlags":[...]} */
json_t *gt_seccomp_features(void);

#endif
