/* engine/engine.h - the container engine: containers as durable records,
 * each run by a monitor process through gantry-runtime.
 *
 * This is the one API that both callers use: the Docker Engine API
 * handlers (docker/) and, later, the Kubernetes node agent (kube/node).
 *
 * Model.  A container's configuration is the Docker Engine API's container
 * config: the body of POST /containers/create (Config fields, with
 * HostConfig and NetworkingConfig embedded).  The engine validates it at
 * create time (a bad config is refused before anything is made), keeps it
 * as given, merged with the image's config as dockerd does (Env, Cmd and
 * Entrypoint, WorkingDir, User, Labels, Volumes, Healthcheck, StopSignal),
 * so that inspect echoes it, and derives the runtime bundle from it at each
 * start (engine/spec.c: docker's defaults, changed by the options).  The node agent expresses pods in the same
 * model (a sandbox container; the others joining its namespaces with
 * NetworkMode/IpcMode/PidMode "container:<id>").
 *
 * Records.  <data_root>/containers/<id>/ holds config.v2.json,
 * hostconfig.json, state.json (written atomically), hostname, hosts,
 * resolv.conf and <id>-json.log (json-file logs, rotated by size); the
 * writable layer is the image store's snapshot <id>; named volumes are
 * <data_root>/volumes/<name>/_data.  Under <exec_root>: runtime/ (the
 * runtime's state root) and containers/<id>/ (the bundle, the rootfs mount
 * point, the monitor's socket and exit file).  A monitor per container
 * (build/gantry-monitor, engine/monitor.h: its own small process, not a
 * thread of the daemon) holds the container's stdio, writes its log, and
 * records its exit status and an OOM kill; it outlives the daemon, and
 * gt_engine_open() adopts the containers that still run and collects the
 * exit status of those that ended while no daemon ran.  A monitor that is
 * killed takes its container with it (the engine deletes it, exit 255).
 *
 * References.  `ref` arguments accept a name (with or without the leading
 * "/"), a full id, or a unique id prefix.
 *
 * Errors.  Negative errno-style codes, with err filled; the API layers map
 * them to statuses:
 *   -ENOENT  no such container, image, exec or volume     (404)
 *   -EEXIST  name already in use                          (409)
 *   -EBUSY   conflict: running, paused, in use            (409)
 *   -EALREADY nothing to do: start of a running container,
 *            stop of a stopped one                        (304)
 *   -EINVAL  bad parameter or config                      (400)
 *   -EPERM   forbidden by docker's rules: removing a network in
 *            use or a predefined one, an overlapping subnet  (403)
 *   -EOPNOTSUPP not implemented yet: the message says what (501)
 *   anything else                                         (500)
 *
 * Threads.  Every function may be called from many threads at once.
 *
 * Blocking calls (wait, logs with follow, attach, exec start, stats with
 * stream, events, pull, push) take `cancel_fd`: when it becomes readable
 * (the client's socket hit EOF, say) or an emit callback returns < 0, the
 * call stops and returns -ECANCELED.  cancel_fd may be -1.  A socket
 * counts as gone when its peer shut down its writing side (POLLRDHUP), so
 * bytes the client sends do not cancel; when cancel_fd is also the call's
 * in_fd (a hijacked attach or exec connection), its EOF is the end of
 * stdin, not a cancellation, and the call ends with the stream instead.
 */
#ifndef GT_ENGINE_ENGINE_H
#define GT_ENGINE_ENGINE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"

struct gt_engine;

struct gt_engine_config {
    const char *data_root;     /* default /var/lib/gantry (env GANTRY_DATA_ROOT) */
    const char *exec_root;     /* default /run/gantry (env GANTRY_STATE) */
    const char *runtime;       /* gantry-runtime; any runc-compatible runtime works
                                  (default: next to this program, else runc on PATH) */
    const char *monitor;       /* the monitor program (default: gantry-monitor next
                                  to this program) */
    const char *cgroup_parent; /* default "/gantry" */
    char **insecure_registries; /* NULL-terminated; may be NULL */
    char **registry_mirrors;    /* NULL-terminated; may be NULL */
    /* NetworkMode "default": NULL gives "bridge" when there is a default
     * bridge (below), else "none" */
    const char *default_network;
    /* The default network "bridge" (docker0's role): its bridge device
     * (dockerd's -b), e.g. "gantry0"; NULL or "none": no default bridge.
     * bridge_ip: the bridge's address with the subnet's prefix (dockerd's
     * --bip, "172.17.0.1/16"); NULL: 172.17.0.0/16, or the first of
     * 172.18-31.0.0/16, 192.168.N.0/20 that no route, address or other
     * network of this host overlaps. */
    const char *bridge;
    const char *bridge_ip;
    /* CNI plugin directories (':'-separated); NULL: $GANTRY_CNI_PATH, else
     * the directory of this program, then /usr/lib/cni:/opt/cni/bin */
    const char *cni_path;
    int64_t log_max_size;       /* json-file rotation, bytes (default 10 MiB) */
    int log_max_files;          /* default 3 */
    const char *init;           /* gantry-init for --init (default: next to the monitor) */
};

/* Opens (creating) the roots, loads the records, adopts running
 * containers, and starts restart-policy handling. */
int gt_engine_open(const struct gt_engine_config *cfg, struct gt_engine **out,
                   struct gt_error *err);
/* Stops the engine's threads; containers keep running. */
void gt_engine_free(struct gt_engine *e);

/* Output of streaming calls.  stream: 0 stdin (echo), 1 stdout, 2 stderr.
 * ts_ns: the record's time (log lines), 0 when live.  Return < 0 to stop. */
typedef int (*gt_engine_emit_fn)(void *ctx, int stream, const void *data, size_t len,
                                 int64_t ts_ns);
/* A JSON message (progress, stats, events); the callee keeps no reference. */
typedef int (*gt_engine_emit_json_fn)(void *ctx, const json_t *msg);

/* ---- containers ---- */

/* name may be NULL (a name is generated).  *id: 64 hex, caller frees.
 * *warnings: a new JSON array of strings (may be empty). */
int gt_engine_container_create(struct gt_engine *e, const char *name, const json_t *config,
                               char **id, json_t **warnings, struct gt_error *err);
int gt_engine_container_resolve(struct gt_engine *e, const char *ref, char **id,
                                struct gt_error *err);
int gt_engine_container_start(struct gt_engine *e, const char *ref, struct gt_error *err);
/* timeout < 0: the container's StopTimeout, else 10 s.  signal NULL: its
 * StopSignal, else SIGTERM.  Then SIGKILL. */
int gt_engine_container_stop(struct gt_engine *e, const char *ref, int timeout,
                             const char *signal, struct gt_error *err);
int gt_engine_container_restart(struct gt_engine *e, const char *ref, int timeout,
                                struct gt_error *err);
int gt_engine_container_kill(struct gt_engine *e, const char *ref, int sig, struct gt_error *err);
int gt_engine_container_pause(struct gt_engine *e, const char *ref, bool pause,
                              struct gt_error *err);
int gt_engine_container_remove(struct gt_engine *e, const char *ref, bool force, bool volumes,
                               struct gt_error *err);
int gt_engine_container_rename(struct gt_engine *e, const char *ref, const char *new_name,
                               struct gt_error *err);
/* Docker's ContainerJSON (GET /containers/{id}/json); new reference. */
int gt_engine_container_inspect(struct gt_engine *e, const char *ref, bool size, json_t **out,
                                struct gt_error *err);
/* Docker's container list (GET /containers/json).  filters: the decoded
 * `filters` query ({"status":{"exited":true}}) or NULL; keys: id, name,
 * label, status, exited, ancestor, before, since, volume, health, network.
 * An unknown filter key is -EINVAL. */
int gt_engine_container_list(struct gt_engine *e, bool all, int limit, bool size,
                             const json_t *filters, json_t **out, struct gt_error *err);

enum gt_wait_condition { GT_WAIT_NOT_RUNNING, GT_WAIT_NEXT_EXIT, GT_WAIT_REMOVED };
/* Registers the wait, calls registered(ctx) (the Docker API flushes its
 * response headers there, before the client sends start), then blocks
 * until the condition holds.  *status: the exit code. */
int gt_engine_container_wait(struct gt_engine *e, const char *ref, enum gt_wait_condition cond,
                             void (*registered)(void *ctx), void *ctx, int cancel_fd,
                             int *status, struct gt_error *err);

struct gt_logs_options {
    bool follow, want_stdout, want_stderr;
    int64_t since_ns, until_ns; /* 0: unbounded */
    long tail;                  /* < 0: all */
};
/* Log records in order, one emit per line (data ends with its newline). */
int gt_engine_container_logs(struct gt_engine *e, const char *ref,
                             const struct gt_logs_options *o, gt_engine_emit_fn emit, void *ctx,
                             int cancel_fd, struct gt_error *err);

struct gt_attach_options {
    bool want_stdin, want_stdout, want_stderr;
    bool logs;   /* replay the log first */
    bool stream; /* then follow live output until the container exits */
    /* Called (with the emit ctx) once the attach is hooked to the
     * container's streams, before anything is emitted; may be NULL.  The
     * Docker API answers its 101 there: docker run sends start only after
     * that answer, so output from the first instant is not lost. */
    void (*registered)(void *ctx);
};
/* Bytes read from in_fd (-1: none) go to the container's stdin (EOF on
 * in_fd closes stdin when the container was created with StdinOnce);
 * output is emitted as it comes.  Returns when the container exits, the
 * client leaves, or (no stream) after the logs. */
int gt_engine_container_attach(struct gt_engine *e, const char *ref,
                               const struct gt_attach_options *o, int in_fd,
                               gt_engine_emit_fn emit, void *ctx, int cancel_fd,
                               struct gt_error *err);
int gt_engine_container_resize(struct gt_engine *e, const char *ref, unsigned height,
                               unsigned width, struct gt_error *err);
/* {"Titles":[...],"Processes":[[...]]} from ps with ps_args (NULL: -ef). */
int gt_engine_container_top(struct gt_engine *e, const char *ref, const char *ps_args,
                            json_t **out, struct gt_error *err);
/* Docker's stats JSON (read, cpu_stats, precpu_stats, memory_stats,
 * pids_stats, blkio_stats, networks), from the cgroups; one message, or one
 * per second while stream. */
int gt_engine_container_stats(struct gt_engine *e, const char *ref, bool stream,
                              gt_engine_emit_json_fn emit, void *ctx, int cancel_fd,
                              struct gt_error *err);
/* docker update.  update: Docker's UpdateConfig, the resource fields of
 * HostConfig (Memory, MemorySwap, MemoryReservation, NanoCpus, CpuShares,
 * CpuQuota, CpuPeriod, CpusetCpus, CpusetMems, PidsLimit, BlkioWeight) and
 * RestartPolicy; what it sets (non-zero, a non-empty policy name) replaces
 * the container's value, the rest stays.  A running or paused container's
 * cgroups change at once (the runtime's update); the record changes with
 * them, so that inspect, a restart and the restart policy see the new
 * values.  Refused with nothing changed: what dockerd refuses (-EINVAL: a
 * memory limit below 6 MB or below what the container uses, a bad cpuset,
 * CPUs out of range; -EBUSY: options that conflict with the container's,
 * a restart policy for an AutoRemove container).  *warnings: a new array
 * of strings (may be NULL). */
int gt_engine_container_update(struct gt_engine *e, const char *ref, const json_t *update,
                               json_t **warnings, struct gt_error *err);
struct gt_commit_options {
    const char *repo, *tag;   /* the new image's name; repo NULL or "": none;
                                 tag NULL or "": latest */
    const char *author, *comment;
    char *const *changes;     /* Dockerfile instructions (NULL-terminated; may be NULL) */
    const json_t *config;     /* a Config to start from; NULL: the container's */
    bool pause;               /* freeze a running container for the time of it */
    bool config_as_is;        /* o->config is the image's config as it is: no --change,
                                 no merge of the container's (the builder's commits) */
    const char *created_by;   /* the history entry's; NULL: the container's command */
};
/* docker commit: the container's writable layer (its changes, deleted
 * files as whiteouts) as a new layer on its image, with the container's
 * config (or o->config) changed by o->changes (CMD, ENTRYPOINT, ENV,
 * EXPOSE, HEALTHCHECK, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME,
 * WORKDIR: another or a malformed one is -EINVAL naming it, and nothing is
 * made), recorded in the image store and tagged repo:tag.  *image_id:
 * "sha256:..." (caller frees).  -EOPNOTSUPP on the copy snapshotter. */
int gt_engine_container_commit(struct gt_engine *e, const char *ref,
                               const struct gt_commit_options *o, char **image_id,
                               struct gt_error *err);
/* A tar of the container's root filesystem, written to fd. */
int gt_engine_container_export(struct gt_engine *e, const char *ref, int fd,
                               struct gt_error *err);
/* ---- files of containers (docker cp, docker diff) ----
 *
 * A path is resolved inside the container's root: its symbolic links are
 * followed there and never lead out.  A running (or paused) container is
 * seen through its own mounts (volumes, bind mounts, tmpfs); another one
 * through its writable snapshot with its volumes and bind mounts, mounted
 * where nothing else sees them while the call lasts (it cannot start
 * meanwhile).  A path that does not exist is -ENOENT "Could not find the
 * file PATH in container REF". */

/* Docker's PathStat of path, not following a final symbolic link:
 * {"name","size","mode","mtime","linkTarget"}; mode in Go's os.FileMode
 * bits (1<<31 directory, 1<<27 symbolic link, ...), linkTarget the
 * container path that a symbolic link leads to, all links followed. */
int gt_engine_container_stat_path(struct gt_engine *e, const char *ref, const char *path,
                                  json_t **out, struct gt_error *err);
/* A tar of path written to fd, named as dockerd names it (engine/archive.c);
 * on_stat (may be NULL) gets its PathStat before the first byte. */
int gt_engine_container_archive(struct gt_engine *e, const char *ref, const char *path,
                                void (*on_stat)(void *ctx, const json_t *stat), void *ctx,
                                int fd, struct gt_error *err);
struct gt_extract_options {
    bool no_overwrite_dir_non_dir; /* replacing a directory by a file or back is an error */
    bool copy_uid_gid;             /* owners: the container's User, when it has one */
};
/* Extracts a tar read from fd (plain, gzip, bzip2, xz or zstd) into the
 * directory path.  -EINVAL for what is not a directory, a read-only
 * destination, and hostile entries (engine/extract.c: absolute names,
 * "..", writing through the archive's own symbolic links, devices), with
 * the entry named; nothing is ever written outside path. */
int gt_engine_container_extract(struct gt_engine *e, const char *ref, const char *path,
                                const struct gt_extract_options *o, int fd,
                                struct gt_error *err);
/* docker diff: [{"Path","Kind"}] (Kind 0 modified, 1 added, 2 deleted), the
 * changes of the container's files against its image as dockerd finds them
 * (image/fsdiff.h), without the mount points the engine makes. */
int gt_engine_container_changes(struct gt_engine *e, const char *ref, json_t **out,
                                struct gt_error *err);
/* {"ContainersDeleted":[...],"SpaceReclaimed":N} */
int gt_engine_container_prune(struct gt_engine *e, const json_t *filters, json_t **out,
                              struct gt_error *err);

/* ---- exec ---- */

/* config: Docker's ExecConfig (Cmd, Env, WorkingDir, User, Tty,
 * AttachStdin/Stdout/Stderr, Privileged).  *exec_id: caller frees. */
int gt_engine_exec_create(struct gt_engine *e, const char *ref, const json_t *config,
                          char **exec_id, struct gt_error *err);
/* Runs it; returns once the process has exited AND its exit code is
 * recorded (docker reads it right after the stream closes).  detach:
 * return at once. */
int gt_engine_exec_start(struct gt_engine *e, const char *exec_id, bool detach, int in_fd,
                         gt_engine_emit_fn emit, void *ctx, int cancel_fd,
                         struct gt_error *err);
/* Docker's ExecInspect (ID, Running, ExitCode, Pid, ProcessConfig, ContainerID, ...). */
int gt_engine_exec_inspect(struct gt_engine *e, const char *exec_id, json_t **out,
                           struct gt_error *err);
int gt_engine_exec_resize(struct gt_engine *e, const char *exec_id, unsigned height,
                          unsigned width, struct gt_error *err);

/* ---- images ---- */

/* progress: Docker's JSON progress messages ({"status":..,"id":..,
 * "progressDetail":..}); errors after the first message are returned, and
 * the caller turns them into {"errorDetail":..,"error":..}.  auth: decoded
 * X-Registry-Auth ({"username","password","serveraddress"}) or NULL:
 * anonymous, since the engine, as dockerd, keeps no credentials of its own
 * (it reads no config.json: the client sends what `docker login` stored). */
int gt_engine_image_pull(struct gt_engine *e, const char *ref, const char *platform,
                         const json_t *auth, gt_engine_emit_json_fn progress, void *ctx,
                         int cancel_fd, struct gt_error *err);
int gt_engine_image_push(struct gt_engine *e, const char *ref, const json_t *auth,
                         gt_engine_emit_json_fn progress, void *ctx, int cancel_fd,
                         struct gt_error *err);
/* docker login: checks auth (the body of POST /auth: {"username",
 * "password","serveraddress"}; "" or no serveraddress is Docker Hub)
 * against that registry, as image/registry.h's gt_registry_login does.
 * Nothing is kept.  -EACCES: the registry refused them (the message in
 * docker's words); -EOPNOTSUPP: an identity token instead of a password. */
int gt_engine_registry_login(struct gt_engine *e, const json_t *auth, struct gt_error *err);

/* docker import: a root filesystem tarball (plain, gzip, zstd, bzip2 or xz)
 * read from fd to its end made into an image of one layer, as
 * image/transfer.h's gt_rootfs_tar_import does.  The changes (Dockerfile
 * instructions, image/changes.h) are checked before fd is read.
 * -EINVAL: a bad reference, change, platform or tarball (a hostile one
 * included: nothing is kept of it).  *image_id: "sha256:..." (caller frees). */
struct gt_engine_import_opts {
    const char *repo;      /* "name" or "name:tag" to tag; NULL or "": none */
    const char *tag;       /* the tag, when repo has none ("latest" if neither) */
    const char *message;   /* the history entry's comment */
    const char *platform;  /* "os/arch[/variant]"; NULL or "": the host's */
    char *const *changes;  /* NULL-terminated; may be NULL */
    /* As gt_rootfs_import_opts': fd's end may be a client that left. */
    int (*input_done)(void *arg, struct gt_error *err);
    void *input_arg;
};
int gt_engine_image_import(struct gt_engine *e, int fd, const struct gt_engine_import_opts *opts,
                           char **image_id, struct gt_error *err);
/* Docker's image summaries (GET /images/json); filters: reference,
 * dangling, label, before, since. */
int gt_engine_image_list(struct gt_engine *e, bool all, const json_t *filters, json_t **out,
                         struct gt_error *err);
/* Docker's ImageInspect. */
int gt_engine_image_inspect(struct gt_engine *e, const char *ref, json_t **out,
                            struct gt_error *err);
int gt_engine_image_tag(struct gt_engine *e, const char *source, const char *repo,
                        const char *tag, struct gt_error *err);
/* [{"Untagged":..},{"Deleted":..}]; -EBUSY when a container uses it and
 * not force. */
int gt_engine_image_remove(struct gt_engine *e, const char *ref, bool force, bool noprune,
                           json_t **out, struct gt_error *err);
int gt_engine_image_history(struct gt_engine *e, const char *ref, json_t **out,
                            struct gt_error *err);
int gt_engine_image_prune(struct gt_engine *e, const json_t *filters, json_t **out,
                          struct gt_error *err);
/* A docker-archive (docker save format) read from fd.  input_done (may be
 * NULL): asked once fd gave its end, 0 when that was the whole archive, an
 * error when the client left mid-way (nothing is loaded then). */
int gt_engine_image_load(struct gt_engine *e, int fd,
                         int (*input_done)(void *arg, struct gt_error *err), void *input_arg,
                         gt_engine_emit_json_fn progress, void *ctx, struct gt_error *err);
/* refs: NULL-terminated.  Writes a docker-archive to fd. */
int gt_engine_image_save(struct gt_engine *e, char *const *refs, int fd, struct gt_error *err);

/* ---- build (engine/build.c: the legacy builder, docker build with DOCKER_BUILDKIT=0) ---- */

struct gt_build_options {
    const char *context_dir;  /* the build context, unpacked (read only, but below) */
    const char *dockerfile;   /* its path in the context; NULL: "Dockerfile" */
    char *const *tags;        /* references to tag at the end (NULL-terminated; may be NULL) */
    const json_t *buildargs;  /* {"NAME":"value"} or NULL */
    const json_t *labels;     /* {"name":"value"} or NULL: added as a last LABEL step */
    const char *target;       /* the stage to stop at; NULL: the last */
    const char *network_mode; /* of the RUN containers; NULL: "default" */
    const char *platform;     /* for the pulls; NULL: the host's */
    const json_t *auth;       /* registry credentials for the pulls, or NULL */
    bool nocache, pull, quiet;
    bool rm;                  /* remove the intermediate containers (of the steps done) */
    bool forcerm;             /* remove the failed step's container too */
    bool drop_ignored;        /* context_dir is the caller's copy: the Dockerfile and the
                               * .dockerignore leave it, once read, when the .dockerignore
                               * names them (dockerd's removeDockerfile) */
    int exit_code;            /* out: the exit status of a failed RUN, else 0 */
};
/* Builds the context's Dockerfile (image/dockerfile.h) step by step, as
 * dockerd's legacy builder: each step commits an image (a RUN, COPY, ADD
 * or WORKDIR that made a new directory: a layer; others: an empty-layer
 * history entry), reused from an earlier build when its parent, its
 * instruction (and the content it copies) match, unless nocache.  emit
 * gets {"stream":..} messages (none when quiet) and the pulls' progress;
 * the caller adds the final {"aux":{"ID":..}}.  The Dockerfile is checked
 * whole before anything runs; a failure removes the intermediate
 * containers (but a failed RUN's, without forcerm, as dockerd) and tags
 * nothing.  *image_id: "sha256:..." (caller frees). */
int gt_engine_build(struct gt_engine *e, struct gt_build_options *o, gt_engine_emit_json_fn emit,
                    void *ctx, int cancel_fd, char **image_id, struct gt_error *err);

/* ---- volumes ---- */

/* req: {"Name","Driver","DriverOpts","Labels"}; Docker's Volume out. */
int gt_engine_volume_create(struct gt_engine *e, const json_t *req, json_t **out,
                            struct gt_error *err);
/* {"Volumes":[...],"Warnings":[]} */
int gt_engine_volume_list(struct gt_engine *e, const json_t *filters, json_t **out,
                          struct gt_error *err);
int gt_engine_volume_inspect(struct gt_engine *e, const char *name, json_t **out,
                             struct gt_error *err);
/* -EBUSY when a container uses it (force: still refused while running). */
int gt_engine_volume_remove(struct gt_engine *e, const char *name, bool force,
                            struct gt_error *err);
int gt_engine_volume_prune(struct gt_engine *e, const json_t *filters, json_t **out,
                           struct gt_error *err);

/* ---- networks ----
 *
 * A network is a CNI configuration list in <data_root>/net/conf.d (see
 * net/net.h): those the engine creates (driver "bridge", Gantry's plugin),
 * the default "bridge", and any conflist a user drops there (reference
 * plugins; driver: the first plugin's type), plus the predefined "host"
 * and "none".  What docker keeps beside (Id, Created, Labels, Options,
 * Internal) is in <data_root>/networks/<name>.json for the engine's own.
 *
 * A container's endpoints are its NetworkingConfig.EndpointsConfig (the
 * network of its NetworkMode first); each start makes a network namespace
 * (bind-mounted at <exec_root>/netns/<id>), attaches it to each network in
 * turn (eth0, eth1, ...; published ports on the first) and passes its path
 * to the runtime; exit, stop and removal detach them and remove it.  On a
 * user-defined network with a gateway, an embedded DNS server listens on
 * the gateway's address (port 53, in the engine's namespace) and answers
 * the names, short ids and aliases of the containers attached to it; their
 * resolv.conf names it.  `ref` of a network: its name, id or id prefix. */

/* req: Docker's NetworkCreateRequest (Name, Driver, Internal, Attachable,
 * EnableIPv6, IPAM {Config [{Subnet, IPRange, Gateway}]}, Options, Labels).
 * *out: {"Id":..,"Warning":""}. */
int gt_engine_network_create(struct gt_engine *e, const json_t *req, json_t **out,
                             struct gt_error *err);
/* Docker's network list (GET /networks): filters dangling, driver, id,
 * label, name, scope, type. */
int gt_engine_network_list(struct gt_engine *e, const json_t *filters, json_t **out,
                           struct gt_error *err);
/* Docker's Network, with Containers (the running ones attached). */
int gt_engine_network_inspect(struct gt_engine *e, const char *ref, json_t **out,
                              struct gt_error *err);
/* -EPERM while containers are attached or for a predefined network. */
int gt_engine_network_remove(struct gt_engine *e, const char *ref, struct gt_error *err);
/* Removes the engine's networks that no container uses: {"NetworksDeleted":[..]};
 * filters: label, label!, until. */
int gt_engine_network_prune(struct gt_engine *e, const json_t *filters, json_t **out,
                            struct gt_error *err);
/* endpoint: Docker's EndpointSettings (IPAMConfig.IPv4Address, Aliases)
 * or NULL.  A running container is attached at once, a stopped one at its
 * next start. */
int gt_engine_network_connect(struct gt_engine *e, const char *net_ref, const char *ctr_ref,
                              const json_t *endpoint, struct gt_error *err);
int gt_engine_network_disconnect(struct gt_engine *e, const char *net_ref, const char *ctr_ref,
                                 bool force, struct gt_error *err);

/* ---- system ---- */

/* Docker's events ({"Type","Action","Actor":{"ID","Attributes"},"time",
 * "timeNano", plus the legacy status/id/from}), from since (past events
 * kept in memory) until until (0: live, until cancelled). */
int gt_engine_events(struct gt_engine *e, int64_t since_ns, int64_t until_ns,
                     const json_t *filters, gt_engine_emit_json_fn emit, void *ctx,
                     int cancel_fd, struct gt_error *err);
/* Docker's Info (GET /info). */
int gt_engine_info(struct gt_engine *e, json_t **out, struct gt_error *err);
/* Docker's system df. */
int gt_engine_df(struct gt_engine *e, json_t **out, struct gt_error *err);

#endif
