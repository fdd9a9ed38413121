/* oci/state.h - what outlives the runtime process: a directory per
 * container under the state root (--root, else $GANTRY_RUNTIME_ROOT, else
 * /run/gantry/runtime):
 *
 *   <root>/<id>/state.json   the record below, replaced atomically
 *   <root>/<id>/config.json  the config.json the container was created with
 *   <root>/<id>/exec.fifo    exists while the container is "created": its
 *                            init blocks opening it until `start` reads it
 *   <root>/.@seccomp/        compiled seccomp filters (oci/seccomp.h); not
 *                            a container ('@' is not allowed in an id)
 *
 * Concurrency: every command on a container holds a flock on its directory
 * (exclusive to change it, shared to read it), so two commands on one id
 * never interleave; `create` takes the name with mkdir, which is atomic.
 * A directory without state.json is a `create` that is still running (it
 * holds the lock) or one that died (then `delete --force` removes it).
 *
 * The init is recorded with its pid and its start time (field 22 of
 * /proc/<pid>/stat), so that a recycled pid is never taken for it. */
#ifndef GT_OCI_STATE_H
#define GT_OCI_STATE_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "base/error.h"

#define GT_STATE_DEFAULT_ROOT "/run/gantry/runtime"
#define GT_STATE_SECCOMP_CACHE ".@seccomp"

enum gt_status {
    GT_STATUS_CREATING,
    GT_STATUS_CREATED,
    GT_STATUS_RUNNING,
    GT_STATUS_PAUSED,
    GT_STATUS_STOPPED,
};

/* "creating", "created", "running", "paused", "stopped" */
const char *gt_status_name(enum gt_status s);

struct gt_state {
    char *id;
    pid_t pid;
    unsigned long long start_time;
    char *bundle;
    char *rootfs;
    char *created;     /* RFC 3339, UTC, nanoseconds as Go prints them */
    char *cgroup_path; /* NULL: the container has no cgroup */
    bool own_pidns;    /* the init is pid 1 of a pid namespace of its own */
    json_t *annotations; /* owned reference, or NULL */
    json_t *hooks;       /* owned reference, or NULL */
};

struct gt_state_dir {
    int fd; /* the directory, locked */
    char *path;
    char *id;
};

/* The root to use: flag if not NULL, else $GANTRY_RUNTIME_ROOT, else the
 * default.  Not allocated. */
const char *gt_state_root(const char *flag);
/* runc's rule: [A-Za-z0-9_+.-]+, not "." or "..", at most 1024 bytes. */
int gt_state_check_id(const char *id, struct gt_error *err);

/* Takes a new id: creates <root>/<id> (and root), opens and locks it.
 * EEXIST: "container with given ID already exists". */
int gt_state_dir_create(const char *root, const char *id, struct gt_state_dir *out,
                        struct gt_error *err);
/* Opens and locks (LOCK_SH or LOCK_EX) an existing container's directory.
 * ENOENT: "container does not exist". */
int gt_state_dir_open(const char *root, const char *id, int lock, struct gt_state_dir *out,
                      struct gt_error *err);
void gt_state_dir_release(struct gt_state_dir *d);
/* Removes the directory and everything in it; the lock goes with it. */
int gt_state_dir_remove(struct gt_state_dir *d, struct gt_error *err);

int gt_state_save(const struct gt_state_dir *d, const struct gt_state *st, struct gt_error *err);
/* ENOENT when state.json is absent (a create in progress, or one that died). */
int gt_state_load(const struct gt_state_dir *d, struct gt_state *st, struct gt_error *err);
void gt_state_release(struct gt_state *st);

/* Reads /proc/<pid>/stat: start time and state letter ('R', 'S', 'Z', ...).
 * -ESRCH when there is no such process. */
int gt_proc_stat(pid_t pid, unsigned long long *start_time, char *state);
/* True while the recorded init exists (not a zombie, same start time). */
bool gt_state_init_alive(const struct gt_state *st);
/* True while exec.fifo exists, i.e. `start` has not happened yet. */
bool gt_state_has_fifo(const struct gt_state_dir *d);

/* The state JSON of the runtime spec (and of `runc state`):
 * {"ociVersion","id","pid","status","bundle","rootfs","created","owner",
 *  "annotations"?}; pid is 0 unless the init runs.  New reference. */
json_t *gt_state_to_json(const struct gt_state *st, enum gt_status status, const char *owner);

/* "2024-01-02T03:04:05.123456789Z" with trailing zeros of the fraction
 * trimmed, as Go's RFC3339Nano. */
void gt_format_rfc3339(char *buf, size_t len);

#endif
