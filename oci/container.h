/* oci/container.h - the lifecycle of a container, as runc's commands see
 * it: create, start, run, state, kill, delete, pause, resume, ps, update,
 * list, exec.  `root` is the state root (state.h).  Every function prints
 * nothing; errors come back in struct gt_error with runc's wording where
 * engines match on it ("container does not exist", "container not running",
 * "container with given ID already exists"). */
#ifndef GT_OCI_CONTAINER_H
#define GT_OCI_CONTAINER_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "base/error.h"

struct gt_create_opts {
    const char *id;
    const char *bundle;         /* "." when not given */
    const char *pid_file;       /* or NULL */
    const char *console_socket; /* or NULL */
    bool no_pivot;
    bool no_new_keyring; /* keep the caller's session keyring */
    int preserve_fds;
};

/* Creates the container; its init waits for `start`.  Returns once the init
 * is ready (or everything made is removed again on failure). */
int gt_container_create(const char *root, const struct gt_create_opts *o, struct gt_error *err);
int gt_container_start(const char *root, const char *id, struct gt_error *err);
/* create + start; without detach, waits for the init, forwarding signals,
 * removes the container and stores its exit status (128+signal if killed). */
int gt_container_run(const char *root, const struct gt_create_opts *o, bool detach,
                     bool keep, int *exit_status, struct gt_error *err);
/* New reference: the state JSON of the runtime spec. */
int gt_container_state(const char *root, const char *id, json_t **out, struct gt_error *err);
/* Array of states, sorted by id (list); owner filled as `runc list` does. */
int gt_container_list(const char *root, json_t **out, struct gt_error *err);
int gt_container_kill(const char *root, const char *id, int sig, bool all, struct gt_error *err);
int gt_container_delete(const char *root, const char *id, bool force, struct gt_error *err);
int gt_container_pause(const char *root, const char *id, bool pause, struct gt_error *err);
int gt_container_pids(const char *root, const char *id, pid_t **pids, size_t *n,
                      struct gt_error *err);
/* Applies linux.resources (a JSON object) and records it in the saved config. */
int gt_container_update(const char *root, const char *id, json_t *resources,
                        struct gt_error *err);
/* Stats in the shape of `runc events --stats` ({"type":"stats","id":..,"data":..}). */
int gt_container_stats(const char *root, const char *id, json_t **out, struct gt_error *err);

struct gt_exec_opts {
    const char *id;
    const char *process_path;   /* --process, or NULL to use args */
    char *const *args;          /* when no process_path */
    bool tty, detach;
    const char *pid_file, *console_socket, *cwd, *user;
    char *const *env;           /* extra KEY=value */
    char *const *caps;          /* extra capabilities */
    const char *additional_gids; /* "1,2" */
    bool no_new_privs, ignore_paused;
    int preserve_fds;
};

/* Runs a process in the container; without detach waits for it and stores
 * its exit status. */
int gt_container_exec(const char *root, const struct gt_exec_opts *o, int *exit_status,
                      struct gt_error *err);

#endif
