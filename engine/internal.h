/* engine/internal.h - shared between the engine's files; not a contract.
 *
 * Locking, outermost first:
 *   c->op      serialises a container's lifecycle changes (start, the
 *              handling of its exit, remove, pause, rename); never held
 *              while waiting for the container to exit
 *   e->net_rw  networks: attaching and detaching (read) against network
 *              create and remove (write)
 *   e->net_lock network metadata, DNS servers, published host ports
 *   e->lock    the tables: containers by id and name, execs, volumes in use
 *   c->lock    a container's state; c->cond signals every change of it
 *   e->ev_lock the event ring
 * A container is reference-counted (under e->lock); a removed one stays
 * valid for those who hold a reference (waiters read its last exit code).
 * Functions shared between the engine's files carry the prefix eng_. */
#ifndef GT_ENGINE_INTERNAL_H
#define GT_ENGINE_INTERNAL_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"
#include "engine/engine.h"
#include "image/registry.h"
#include "image/store.h"
#include "net/net.h"

enum ctr_status {
    ST_CREATED,
    ST_RUNNING,
    ST_PAUSED,
    ST_RESTARTING,
    ST_REMOVING,
    ST_EXITED,
    ST_DEAD,
};

struct container {
    struct gt_engine *e;
    int refs; /* under e->lock */
    pthread_mutex_t op;
    pthread_mutex_t lock;
    pthread_cond_t cond;

    /* record (fixed after create, but name and host) */
    char id[65];
    char *name; /* without the leading '/' */
    int64_t created_ns;
    char *image;    /* as the client named it */
    char *image_id; /* "sha256:..." (config digest) */
    json_t *config; /* Config, merged with the image's */
    json_t *host;   /* HostConfig; replaced whole by update (c->op and c->lock) */
    json_t *host_old; /* the HostConfigs update replaced: readers without a lock
                         may still hold them */
    json_t *netcfg; /* NetworkingConfig */
    char *path;
    char **args;
    json_t *mounts; /* inspect's Mounts */
    char *dir;      /* <data-root>/containers/<id> */
    char *xdir;     /* <exec-root>/containers/<id> (the bundle) */
    char *log_path;

    /* state (c->lock) */
    enum ctr_status status;
    pid_t pid;
    int exit_code;
    bool oom_killed;
    char *error;
    int64_t started_ns, finished_ns;
    int restart_count;
    bool manual_stop;
    bool has_run;
    pid_t mon_pid;
    int mon_pidfd; /* watched by the reaper, or -1 */
    uint64_t mon_start; /* start time of the monitor (clock ticks), against pid reuse */
    json_t *health;     /* {"Status","FailingStreak","Log"} or NULL */
    uint64_t exit_gen;  /* bumped at every exit */
    uint64_t start_gen; /* bumped at every start handshake */
    bool removed;
    bool removing;
    bool mounted; /* rootfs mounted at xdir/rootfs */
    /* start handshake: attachers connect while the monitor waits */
    bool mon_ready;
    int pending_attach;
    /* restart policy */
    int64_t restart_delay_ms;
    bool restart_cancel;
    bool health_stop;
    json_t *spec_process; /* the runtime spec's process, for execs */
    char **exec_ids;
    /* networking, changed under c->op and c->lock (network_ctr.c):
     * the namespace the engine made (<exec_root>/netns/<id>) or NULL;
     * the attached endpoints {network: {IfName, NetworkID, EndpointID,
     * IPAddress, IPPrefixLen, Gateway, MacAddress, Dns}}; the published
     * ports [{Proto, HostIp, HostPort, ContainerPort}] (set before the
     * attach: they reserve the host ports) */
    char *netns;
    json_t *endpoints;
    json_t *ports;
};

struct exec_rec {
    char id[65];
    struct container *c; /* a reference */
    json_t *config;
    bool running;
    bool started;
    bool has_exit;
    int exit_code;
    pid_t pid;
    int session;
    bool detached;  /* a thread of ours follows it (it frees x if forgotten) */
    bool forgotten; /* its container was removed */
    pthread_cond_t cond; /* under c->lock */
};

struct gt_dns_server;
struct eng_dns {
    char *network;
    char *listen; /* the gateway address it answers on */
    struct gt_dns_server *srv;
};

struct ev_rec {
    int64_t ns;
    json_t *msg;
};

#define EV_RING 1024

struct gt_engine {
    char *data_root, *exec_root, *runtime, *monitor, *init, *cgroup_parent;
    char *default_network;
    char *runtime_root;
    int64_t log_max_size;
    int log_max_files;
    char **insecure, **mirrors;

    struct gt_image_store *store;
    struct gt_registry_client *registry;

    pthread_mutex_t lock;
    struct container **ctrs;
    char **reserved; /* names of containers being created */
    size_t n_ctrs, cap_ctrs;
    struct exec_rec **execs;
    size_t n_execs, cap_execs;
    pthread_mutex_t vol_lock; /* volume create/remove against container use */

    /* the monitors' exits */
    int epfd;
    int wake_fd;
    pthread_t reaper;
    bool stopping;
    int threads; /* detached helper threads still running (under lock) */
    pthread_cond_t threads_cond;

    /* networking (network.c) */
    struct gt_net net;
    bool net_open;      /* eng_net_open ran (its locks exist) */
    bool net_ready;     /* net initialised */
    char *bridge_dev;   /* the default bridge's device, NULL: no default bridge */
    char *bridge_ip;    /* --bip */
    pthread_rwlock_t net_rw;
    pthread_mutex_t net_lock;
    struct eng_dns *dns; /* one per user-defined network with containers */
    size_t n_dns;

    pthread_mutex_t ev_lock;
    pthread_cond_t ev_cond;
    struct ev_rec ring[EV_RING];
    uint64_t ev_next; /* events ever recorded */
};

/* ---- engine.c ---- */
void eng_ctr_ref(struct container *c);
void eng_ctr_unref(struct container *c);
/* Every container of the engine, each referenced (the caller unrefs each
 * and frees the array); *n of them. */
struct container **eng_ctr_list(struct gt_engine *e, size_t *n);
/* Resolves ref to a referenced container; -ENOENT "No such container: ref". */
int eng_ctr_find(struct gt_engine *e, const char *ref, struct container **out, struct gt_error *err);
/* Runs fn(arg) on a detached thread that gt_engine_free waits for. */
void eng_engine_spawn(struct gt_engine *e, void *(*fn)(void *), void *arg);
/* Watches the container's monitor (mon_pid); its exit runs eng_ctr_handle_exit. */
int eng_reaper_watch(struct gt_engine *e, struct container *c, struct gt_error *err);
/* Records an event: type "container", action "start", attributes added
 * from the container (name, image, labels) when c is given. */
void eng_event_emit(struct gt_engine *e, const char *type, const char *action, const char *actor_id,
                struct container *c, json_t *attrs);
int64_t eng_now_ns(void);
char *eng_random_id(void);
bool eng_cancelled(int cancel_fd, int in_fd);

/* ---- container.c ---- */
int eng_ctr_save_state(struct container *c, struct gt_error *err); /* c->lock held */
int eng_ctr_save_config(struct container *c, struct gt_error *err);
int eng_ctr_load(struct gt_engine *e, const char *id, struct container **out, struct gt_error *err);
void eng_ctr_free(struct container *c);
const char *eng_ctr_status_name(enum ctr_status s);
bool eng_ctr_is_running(const struct container *c); /* running or paused */
int eng_ctr_remove_locked(struct gt_engine *e, struct container *c, bool volumes,
                      struct gt_error *err);
json_t *eng_ctr_labels(struct container *c);

/* ---- lifecycle.c ---- */
/* Runs the OCI runtime (with its --root) on args; its stderr is the
 * message of a failure. */
int eng_runtime_run(struct gt_engine *e, const char *const *args, struct gt_error *err);
/* Pauses or resumes a running container (c->op held); records and emits it. */
int eng_ctr_set_paused(struct gt_engine *e, struct container *c, bool pause,
                       struct gt_error *err);
int eng_ctr_start(struct gt_engine *e, struct container *c, bool restart, struct gt_error *err);
void eng_ctr_handle_exit(struct gt_engine *e, struct container *c);
/* Adoption at open: the monitor still runs (true) or its exit is collected. */
void eng_ctr_adopt(struct gt_engine *e, struct container *c);
int eng_ctr_signal(struct container *c, int sig, struct gt_error *err);
/* Waits (c->lock held) until exit_gen moves past gen or deadline_ns
 * (CLOCK_REALTIME; 0: none); true when it moved. */
bool eng_ctr_wait_exit_locked(struct container *c, uint64_t gen, int64_t deadline_ns);
void eng_ctr_unmount(struct container *c);
int eng_ctr_mount(struct container *c, struct gt_error *err);

/* ---- spec.c ---- */
/* The runtime spec for a container whose rootfs is mounted. */
int eng_spec_build(struct gt_engine *e, struct container *c, json_t *image_config, json_t **out,
               struct gt_error *err);
/* Validates HostConfig at create time (nothing is made). */
int eng_spec_validate_host(struct gt_engine *e, json_t *host, json_t *config, json_t **warnings,
                       struct gt_error *err);
/* The capabilities a container gets (CAP_ names, new array). */
json_t *eng_spec_caps(json_t *host);
json_t *eng_seccomp_default_profile(json_t *caps);

/* ---- stats.c ---- */
/* The container's cgroup path (its CgroupParent or the engine's, then its id). */
char *eng_ctr_cgroup_path(struct gt_engine *e, struct container *c);

/* ---- update.c ---- */
/* Docker's checks of the resource fields of host (a HostConfig, or the
 * body of an update when update is set): -EINVAL with dockerd's message.
 * At create (!update) a Memory without MemorySwap gets twice its value as
 * MemorySwap, as dockerd records it.  warnings: a JSON array, may be NULL. */
int eng_resources_check(json_t *host, bool update, json_t *warnings, struct gt_error *err);

/* ---- user.c ---- */
struct ctr_user {
    uid_t uid;
    gid_t gid;
    gid_t groups[64];
    size_t n_groups;
    char home[256];
};
/* Resolves "name", "uid", "name:group", "uid:gid" inside the root
 * filesystem at rootfs_fd (paths resolved in that root). */
int eng_user_resolve(int rootfs_fd, const char *spec, struct ctr_user *u, struct gt_error *err);

/* ---- volume.c ---- */
int eng_volume_ensure(struct gt_engine *e, const char *name, bool anonymous, bool *created,
                  struct gt_error *err);
char *eng_volume_data_path(struct gt_engine *e, const char *name);
bool eng_volume_valid_name(const char *name);
/* Copies the image's content at the mount point into an empty volume. */
int eng_volume_copy_up(struct gt_engine *e, const char *name, int rootfs_fd, const char *dest,
                   struct gt_error *err);
int eng_volume_remove_internal(struct gt_engine *e, const char *name, struct gt_error *err);

/* ---- monitor client (attach.c) ---- */
/* Connects to a container's monitor and sends a request line; returns the
 * socket, after the first reply frame (OK) when want_ok; *reply gets its
 * payload (caller frees; may be NULL). */
int eng_mon_request(struct container *c, const char *req, char **reply, struct gt_error *err);
/* Reads one frame: type, new payload (caller frees); 0 at EOF, < 0 on error. */
int eng_mon_read_frame(int fd, int *type, char **data, uint32_t *len);
/* Pumps a monitor stream: stdin from in_fd, frames out to emit, until the
 * EXIT frame (*exit_code) or EOF.  Returns 0, -ECANCELED, or < 0. */
int eng_mon_pump(int fd, int in_fd, int cancel_fd, gt_engine_emit_fn emit, void *ctx,
             int *exit_code, bool *got_exit);

/* ---- logs.c ---- */
int eng_logs_read(struct gt_engine *e, struct container *c, const struct gt_logs_options *o,
              gt_engine_emit_fn emit, void *ctx, int cancel_fd, struct gt_error *err);
int64_t eng_parse_time_ns(const char *s);
char *eng_format_time(int64_t ns); /* RFC3339Nano, "0001-01-01T00:00:00Z" for 0 */

/* ---- health.c ---- */
void eng_health_start(struct gt_engine *e, struct container *c);

/* ---- exec.c ---- */
void eng_exec_forget_container(struct gt_engine *e, struct container *c);
/* Runs argv in the container (a health check): output (first 4 KiB) and
 * exit code; timeout_ms bounds it. */
int eng_exec_probe(struct gt_engine *e, struct container *c, json_t *argv, int64_t timeout_ms,
               char **output, int *exit_code, struct gt_error *err);

/* ---- network.c: networks ---- */
struct eng_network {
    char *name;
    char id[65];
    char *driver;     /* "bridge", "host", "null", or a foreign conflist's first plugin type */
    bool predefined;  /* host, none, and the default bridge */
    bool ours;        /* created by the engine (metadata in <data_root>/networks) */
    bool user_defined; /* a CNI network other than the default bridge: embedded DNS */
    bool internal;
    int64_t created_ns;
    json_t *labels, *options, *ipam; /* ipam: [{Subnet, Gateway, IPRange}] */
};
int eng_net_open(struct gt_engine *e, const struct gt_engine_config *cfg, struct gt_error *err);
void eng_net_close(struct gt_engine *e);
/* A network by name, id or id prefix: -ENOENT "network X not found". */
int eng_net_find(struct gt_engine *e, const char *ref, struct eng_network *out,
                 struct gt_error *err);
void eng_network_release(struct eng_network *n);
/* The embedded DNS of a network: its records for container c (name, short
 * id, aliases) answering on listen; a server is started on first use. */
int eng_dns_add(struct gt_engine *e, const char *network, const char *listen,
                struct container *c, json_t *aliases, const char *ip, struct gt_error *err);
void eng_dns_remove(struct gt_engine *e, const char *network, const char *ctr_id);

/* ---- network_ctr.c: containers on networks ---- */
/* At create: NetworkMode and NetworkingConfig checked and normalised
 * (*netcfg: {"EndpointsConfig": {network: {...}}}, the mode's network
 * first), PortBindings checked. */
int eng_net_validate(struct gt_engine *e, json_t *host, json_t *config, json_t **netcfg,
                     json_t *warnings, struct gt_error *err);
/* At start, c->op held, before the spec: the namespace, attachments, DNS
 * records.  On failure nothing is left. */
int eng_net_setup(struct gt_engine *e, struct container *c, struct gt_error *err);
/* At exit, failed start and removal (c->op held): everything setup made. */
void eng_net_teardown(struct gt_engine *e, struct container *c);
/* At open, for a container that still runs, and after a rename: its DNS
 * records (again). */
void eng_net_adopt(struct gt_engine *e, struct container *c);
/* At open, after adoption: attachments and namespaces of containers that
 * no longer run are undone. */
void eng_net_reconcile(struct gt_engine *e);
/* The effective network mode: "none", "host", "container:<ref>", or a
 * network's name (the default resolved). */
const char *eng_net_mode(struct gt_engine *e, struct container *c);
/* /etc/hosts and /etc/resolv.conf of the container, in c->dir. */
int eng_net_write_etc(struct gt_engine *e, struct container *c, bool host_net,
                      struct gt_error *err);
/* Inspect's NetworkSettings, the summary's Networks and Ports (c->lock held). */
json_t *eng_net_settings_json(struct gt_engine *e, struct container *c);
json_t *eng_net_networks_json(struct gt_engine *e, struct container *c);
json_t *eng_net_ports_summary(struct container *c);
/* Whether the container is on network (name or id), for filters. */
bool eng_net_ctr_on(struct container *c, const char *network);
/* Records of the container's network state in state.json. */
json_t *eng_net_state_json(struct container *c);
void eng_net_state_load(struct container *c, json_t *state);

/* ---- ctrfs.c: a container's files ---- */
struct ctr_fs {
    struct container *c;
    int root;     /* the container's root directory (O_PATH) */
    int ns;       /* the private mount namespace of a stopped container's view, or -1 */
    bool running; /* seen through the running container's own mounts */
    bool op_held; /* c->op is held while the view is open */
};
/* Opens a view of the container's root filesystem with its mounts: a
 * running one's through /proc/<pid>/root, another's mounted in a private
 * mount namespace (c->op held until close). */
int eng_ctrfs_open(struct container *c, struct ctr_fs *fs, struct gt_error *err);
void eng_ctrfs_close(struct ctr_fs *fs);
/* The same from a reference, for the path of a request: an empty path is
 * dockerd's "bad parameter: path cannot be empty"; the container is held
 * until eng_ctrfs_done, which closes, records event (when not NULL) and
 * lets the container go. */
int eng_ctrfs_open_ref(struct gt_engine *e, const char *ref, const char *path,
                       struct ctr_fs *fs, struct gt_error *err);
void eng_ctrfs_done(struct ctr_fs *fs, const char *event);
/* openat2(root, path, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS): an fd or
 * -errno ("" or "/": the root itself). */
int eng_ctrfs_openat(int root, const char *path, int flags);
/* The absolute path that path names inside root with every symbolic link
 * followed in root's scope (missing components kept as written). */
int eng_ctrfs_resolve(int root, const char *path, char **out, struct gt_error *err);

/* ---- archive.c: docker cp out ---- */
/* Go's filepath.Base; Clean of "/" + p. */
char *eng_path_base(const char *p);
char *eng_path_clean_abs(const char *p);
/* "Could not find the file PATH in container REF" for ENOENT, else
 * "lstat PATH: ..."; returns -code. */
int eng_not_found(struct gt_error *err, int code, const char *path, const char *ref);

/* ---- image.c ---- */
int eng_image_resolve_for_create(struct gt_engine *e, const char *name, char **image_id,
                             json_t **image_config, char **top_chain, struct gt_error *err);

#endif
