/* oci/hooks.h - the lifecycle hooks of the runtime spec.
 *
 * Each hook is {path, args, env, timeout}.  A hook gets the container's
 * state JSON on stdin; a non-zero exit, a signal, or a timeout (the hook is
 * then killed) is an error that names the hook kind, its index and path,
 * the exit status and the first line of its stderr; a timeout's says
 * "hook timeout" (-ETIMEDOUT).  Hooks of one kind run in order; the first
 * failure stops the rest.
 *
 * A hook's argv is its args (argv[0] included), or just its path when args
 * is absent; its environment is exactly its env (empty when absent); its
 * stdout is discarded; it runs in its own process group, all of which is
 * killed on timeout.  Processes a hook leaves behind are not waited for. */
#ifndef GT_OCI_HOOKS_H
#define GT_OCI_HOOKS_H

#include <jansson.h>

#include "base/error.h"

enum gt_hook_kind {
    GT_HOOK_PRESTART,
    GT_HOOK_CREATE_RUNTIME,
    GT_HOOK_CREATE_CONTAINER,
    GT_HOOK_START_CONTAINER,
    GT_HOOK_POSTSTART,
    GT_HOOK_POSTSTOP,
};

/* "prestart", "createRuntime", ... (the spec's member names) */
const char *gt_hook_kind_name(enum gt_hook_kind kind);
/* For `features`: the array of hook kind names.  New reference. */
json_t *gt_hooks_features(void);
/* Checks the "hooks" object (may be NULL): kinds, types, absolute paths,
 * positive timeouts. */
int gt_hooks_validate(const json_t *hooks, struct gt_error *err);
/* Runs the hooks of one kind from the "hooks" object (may be NULL: nothing
 * to do).  state_json is written to each hook's stdin. */
int gt_hooks_run(const json_t *hooks, enum gt_hook_kind kind, const char *state_json,
                 struct gt_error *err);

#endif
