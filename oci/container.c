#include "oci/container.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "oci/cgroup.h"
#include "oci/console.h"
#include "oci/container_internal.h"
#include "oci/hooks.h"
#include "oci/init.h"
#include "oci/process.h"
#include "oci/seccomp.h"
#include "oci/spec.h"
#include "oci/state.h"
#include "oci/sync.h"

/* ---- small process helpers ---------------------------------------------- */

struct gt_clone_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
    uint64_t set_tid, set_tid_size, cgroup; /* Linux 5.7 */
};

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

pid_t gt_clone_pidfd(int flags, int *pidfd, int cgroup_fd, bool *into)
{
    struct gt_clone_args a = {
        .flags = (uint64_t)flags | CLONE_PIDFD,
        .pidfd = (uint64_t)(uintptr_t)pidfd,
        .exit_signal = SIGCHLD,
    };
    *into = false;
    if (cgroup_fd >= 0) {
        a.flags |= CLONE_INTO_CGROUP;
        a.cgroup = (uint64_t)cgroup_fd;
        pid_t pid = (pid_t)syscall(SYS_clone3, &a, sizeof a);
        if (pid >= 0) {
            *into = true;
            return pid;
        }
        if (errno != EINVAL && errno != EOPNOTSUPP && errno != EBUSY && errno != E2BIG)
            return pid;
        a.flags &= ~CLONE_INTO_CGROUP;
        a.cgroup = 0;
    }
    return (pid_t)syscall(SYS_clone3, &a, sizeof a);
}

int gt_pidfd_open_checked(pid_t pid, unsigned long long start_time)
{
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (fd < 0)
        return -errno;
    unsigned long long st;
    char s;
    if (gt_proc_stat(pid, &st, &s) < 0 || st != start_time || s == 'Z' || s == 'X') {
        close(fd);
        return -ESRCH;
    }
    return fd;
}

int gt_pidfd_signal(int pidfd, int sig)
{
    return syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0 ? -errno : 0;
}

/* Waits until the process of pidfd has exited; -ETIMEDOUT after timeout_ms. */
static int pidfd_wait(int pidfd, int timeout_ms)
{
    struct pollfd p = { .fd = pidfd, .events = POLLIN };
    int r;
    do
        r = poll(&p, 1, timeout_ms);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return -errno;
    return r == 0 ? -ETIMEDOUT : 0;
}

int gt_write_pid_file(const char *path, pid_t pid, struct gt_error *err)
{
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%d", (int)pid);
    int r = gt_write_file_atomic(path, buf, (size_t)n, 0644, false, err);
    return r < 0 ? gt_err_prefix(err, "pid file") : 0;
}

char *gt_hook_state_json(const struct gt_state *st, enum gt_status status)
{
    json_t *j = gt_state_to_json(st, status, "");
    if (status == GT_STATUS_CREATING)
        json_object_set_new(j, "pid", json_integer(st->pid));
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return s;
}

static bool hooks_of(const json_t *hooks, const char *kind)
{
    json_t *h = hooks ? json_object_get(hooks, kind) : NULL;
    return json_is_array(h) && json_array_size(h) > 0;
}

/* Hooks whose failure only warrants a warning (poststart, poststop). */
static void run_hooks_warn(const struct gt_state *st, enum gt_hook_kind kind,
                           enum gt_status status)
{
    if (!hooks_of(st->hooks, gt_hook_kind_name(kind)))
        return;
    cleanup_free char *state = gt_hook_state_json(st, status);
    struct gt_error err;
    gt_err_clear(&err);
    if (gt_hooks_run(st->hooks, kind, state, &err) < 0)
        gt_warn("%s", err.msg);
}

/* ---- status ------------------------------------------------------------- */

/* The container's cgroup, or NULL when it has none or it cannot be opened
 * (for the callers that go on without it). */
static struct gt_cgroup *cgroup_of(const struct gt_state *st)
{
    struct gt_cgroup *cg;
    struct gt_error e2;
    return st->cgroup_path && gt_cgroup_open(st->cgroup_path, &cg, &e2) == 0 ? cg : NULL;
}

/* The container's cgroup, for a command that cannot do without. */
static int cgroup_needed(const struct gt_state *st, struct gt_cgroup **cg, struct gt_error *err)
{
    if (!st->cgroup_path)
        return gt_err(err, ENOENT, "the container has no cgroup");
    return gt_cgroup_open(st->cgroup_path, cg, err);
}


int gt_container_status(const struct gt_state_dir *d, const struct gt_state *st,
                        enum gt_status *out, struct gt_error *err)
{
    if (!gt_state_init_alive(st)) {
        *out = GT_STATUS_STOPPED;
        return 0;
    }
    if (gt_state_has_fifo(d)) {
        *out = GT_STATUS_CREATED;
        return 0;
    }
    *out = GT_STATUS_RUNNING;
    struct gt_cgroup *cg = cgroup_of(st);
    if (cg) {
        bool frozen = false;
        struct gt_error e2;
        if (gt_cgroup_is_frozen(cg, &frozen, &e2) == 0 && frozen)
            *out = GT_STATUS_PAUSED;
        gt_cgroup_free(cg);
    }
    return 0;
}

/* Opens the container: locked directory, state and status. */
int gt_container_open(const char *root, const char *id, int lock, struct gt_state_dir *d,
                      struct gt_state *st, enum gt_status *status, struct gt_error *err)
{
    int r = gt_state_dir_open(root, id, lock, d, err);
    if (r < 0)
        return r;
    if ((r = gt_state_load(d, st, err)) < 0 ||
        (r = gt_container_status(d, st, status, err)) < 0) {
        gt_state_dir_release(d);
        return r;
    }
    return 0;
}

/* A container opened for one command, by gt_container_open(). */
struct opened {
    struct gt_state_dir d;
    struct gt_state st;
    enum gt_status status;
};

static int opened_open(const char *root, const char *id, int lock, struct opened *c,
                       struct gt_error *err)
{
    return gt_container_open(root, id, lock, &c->d, &c->st, &c->status, err);
}

static void opened_release(struct opened *c)
{
    gt_state_release(&c->st);
    gt_state_dir_release(&c->d);
}

/* ---- create ------------------------------------------------------------- */

struct created {
    struct gt_spec *spec;
    struct gt_state_dir dir;
    struct gt_state st;
    struct gt_cgroup *cg;
    struct gt_seccomp *seccomp;
    pid_t child;   /* our child: the init, or an intermediate (already reaped) */
    int pidfd;     /* the init */
    int sync_fd;
    int console_peer; /* our end of the console socket when we own the terminal */
    bool dir_made;
};

static void created_release(struct created *c)
{
    if (c->sync_fd >= 0)
        close(c->sync_fd);
    if (c->console_peer >= 0)
        close(c->console_peer);
    if (c->pidfd >= 0)
        close(c->pidfd);
    if (c->cg)
        gt_cgroup_free(c->cg);
    if (c->seccomp)
        gt_seccomp_free(c->seccomp);
    gt_state_release(&c->st);
    if (c->dir_made)
        gt_state_dir_release(&c->dir);
    gt_spec_free(c->spec);
    memset(c, 0, sizeof *c);
    c->sync_fd = c->pidfd = c->console_peer = -1;
}

/* Undoes a create that failed: the init, its cgroup, its state. */
static void created_abort(struct created *c)
{
    if (c->pidfd >= 0) {
        gt_pidfd_signal(c->pidfd, SIGKILL);
        pidfd_wait(c->pidfd, 5000);
    }
    if (c->child > 0)
        while (waitpid(c->child, NULL, 0) < 0 && errno == EINTR)
            ;
    struct gt_error e2;
    if (c->cg && gt_cgroup_destroy(c->cg, &e2) < 0)
        gt_warn("cleanup: %s", e2.msg);
    if (c->dir_made && gt_state_dir_remove(&c->dir, &e2) < 0)
        gt_warn("cleanup: %s", e2.msg);
    created_release(c);
}

static int write_id_map(pid_t pid, const char *file, const struct gt_idmap *m, size_t n,
                        struct gt_error *err)
{
    char buf[4096], path[64];
    size_t off = 0;
    for (size_t i = 0; i < n && off < sizeof buf; i++)
        off += (size_t)snprintf(buf + off, sizeof buf - off, "%u %u %u\n", m[i].container_id,
                                m[i].host_id, m[i].size);
    if (off >= sizeof buf)
        return gt_err(err, E2BIG, "%s: too many mappings", file);
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
    cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, buf, off) != (ssize_t)off)
        return gt_err_sys(err, errno, "write %s", path);
    return 0;
}

static int write_id_maps(pid_t pid, const struct gt_spec *s, struct gt_error *err)
{
    int r = write_id_map(pid, "uid_map", s->uid_mappings, s->n_uid_mappings, err);
    if (r < 0)
        return gt_err_prefix(err, "linux.uidMappings");
    r = write_id_map(pid, "gid_map", s->gid_mappings, s->n_gid_mappings, err);
    if (r < 0)
        return gt_err_prefix(err, "linux.gidMappings");
    return 0;
}

/* linux.resources as given to the cgroup: the config's device rules, then
 * (last match wins) those that every container needs, as runc adds them:
 * mknod of any node, the default devices, the pty devices and those of
 * linux.devices.  New reference. */
static json_t *effective_resources(const struct gt_spec *s)
{
    json_t *res = s->resources ? json_deep_copy(s->resources) : json_object();
    json_t *devs = json_object_get(res, "devices");
    if (!json_is_array(devs)) {
        devs = json_array();
        json_object_set_new(res, "devices", devs);
    }
    static const struct {
        char type;
        int major, minor; /* -1: any */
        const char *access;
    } needed[] = {
        { 'c', -1, -1, "m" }, { 'b', -1, -1, "m" }, { 'c', 1, 3, "rwm" },  { 'c', 1, 8, "rwm" },
        { 'c', 1, 7, "rwm" }, { 'c', 5, 0, "rwm" }, { 'c', 1, 5, "rwm" },  { 'c', 1, 9, "rwm" },
        { 'c', 5, 1, "rwm" }, { 'c', 136, -1, "rwm" }, { 'c', 5, 2, "rwm" },
    };
    for (size_t i = 0; i < sizeof needed / sizeof needed[0]; i++) {
        char t[2] = { needed[i].type, 0 };
        json_t *rule = json_pack("{s:b,s:s,s:s}", "allow", 1, "type", t, "access",
                                 needed[i].access);
        if (needed[i].major >= 0)
            json_object_set_new(rule, "major", json_integer(needed[i].major));
        if (needed[i].minor >= 0)
            json_object_set_new(rule, "minor", json_integer(needed[i].minor));
        json_array_append_new(devs, rule);
    }
    for (size_t i = 0; i < s->n_devices; i++) {
        const struct gt_device *d = &s->devices[i];
        if (d->type == 'p')
            continue;
        char t[2] = { d->type == 'u' ? 'c' : d->type, 0 };
        json_array_append_new(devs, json_pack("{s:b,s:s,s:I,s:I,s:s}", "allow", 1, "type", t,
                                              "major", (json_int_t)d->major, "minor",
                                              (json_int_t)d->minor, "access", "rwm"));
    }
    return res;
}

/* Checks of the config that need the host: done before anything is made. */
static int check_host(const struct gt_spec *s, const struct gt_create_opts *o, bool own_console,
                      struct gt_error *err)
{
    if (!s->process)
        return gt_err(err, EINVAL, "process: required to create a container");
    struct stat st;
    if (stat(s->root_path, &st) < 0)
        return gt_err_sys(err, errno, "root.path: %s", s->root_path);
    if (!S_ISDIR(st.st_mode))
        return gt_err(err, ENOTDIR, "root.path: %s is not a directory", s->root_path);
    if (s->process->terminal && !o->console_socket && !own_console)
        return gt_err(err, EINVAL, "process.terminal is true: --console-socket is required "
                                   "(the runtime detaches)");
    if (!s->process->terminal && o->console_socket)
        return gt_err(err, EINVAL, "--console-socket given but process.terminal is false");
    int r;
    if ((r = gt_hooks_validate(s->hooks, err)) < 0)
        return r;
    if ((r = gt_cgroup_validate(s->resources, err)) < 0)
        return r;
    return 0;
}

/* With own_console (run in the foreground without --console-socket) the
 * runtime takes the terminal's master itself: c->console_peer. */
static int do_create(const char *root, const struct gt_create_opts *o, bool own_console,
                     struct created *c, struct gt_error *err)
{
    int r;
    memset(c, 0, sizeof *c);
    c->sync_fd = c->pidfd = c->console_peer = -1;
    cleanup_close int console = -1, statefd = -1, pidns_self = -1, pidns_join = -1;
    cleanup_free char *cg_path = NULL;
    cleanup_close int cg_fd = -1;
    cleanup_json json_t *res = NULL;
    int join_fds[GT_NS_COUNT];
    for (int i = 0; i < GT_NS_COUNT; i++)
        join_fds[i] = -1;

    if ((r = gt_state_check_id(o->id, err)) < 0)
        return r;
    if ((r = gt_spec_load(o->bundle, &c->spec, err)) < 0)
        return r;
    gt_debug("create %s: config loaded", o->id);
    const struct gt_spec *s = c->spec;
    own_console = own_console && s->process && s->process->terminal && !o->console_socket;
    if ((r = check_host(s, o, own_console, err)) < 0)
        goto fail;
    if (s->seccomp) {
        cleanup_free char *cache = gt_path_join(root, GT_STATE_SECCOMP_CACHE);
        if ((r = gt_seccomp_compile_cached(s->seccomp, cache, &c->seccomp, NULL, err)) < 0)
            goto fail;
    }
    for (int i = 0; i < GT_NS_COUNT; i++) {
        if (!s->ns[i].present || !s->ns[i].path)
            continue;
        int fd = open(s->ns[i].path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            r = gt_err_sys(err, errno, "linux.namespaces: %s namespace %s",
                           gt_ns_table[i].spec_name, s->ns[i].path);
            goto fail;
        }
        if (i == GT_NS_PID)
            pidns_join = fd;
        else
            join_fds[i] = fd;
    }

    /* the name is taken here; from now on a failure removes what was made */
    if ((r = gt_state_dir_create(root, o->id, &c->dir, err)) < 0)
        goto fail;
    c->dir_made = true;
    gt_debug("create %s: state directory made", o->id);
    if (s->raw) {
        int fd = openat(c->dir.fd, "config.json", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0 || gt_write_all(fd, s->raw, s->raw_len) < 0) {
            r = gt_err_sys(err, errno, "save config.json in %s", c->dir.path);
            if (fd >= 0)
                close(fd);
            goto fail;
        }
        close(fd);
    }
    if (mkfifoat(c->dir.fd, "exec.fifo", 0622) < 0 ||
        fchmodat(c->dir.fd, "exec.fifo", 0622, 0) < 0) {
        r = gt_err_sys(err, errno, "create %s/exec.fifo", c->dir.path);
        goto fail;
    }
    statefd = open(c->dir.path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (statefd < 0) {
        r = gt_err_sys(err, errno, "open %s", c->dir.path);
        goto fail;
    }
    if (o->console_socket && (r = gt_console_connect(o->console_socket, &console, err)) < 0)
        goto fail;
    if (own_console) {
        /* the pty starts at the caller's size, unless the spec gives one */
        struct gt_process *proc = c->spec->process;
        if (!proc->console_height && !proc->console_width)
            gt_console_get_size(STDIN_FILENO, &proc->console_height, &proc->console_width);
        int cp[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, cp) < 0) {
            r = gt_err_sys(err, errno, "socketpair");
            goto fail;
        }
        console = cp[1];
        c->console_peer = cp[0];
    }
    int sp[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
        r = gt_err_sys(err, errno, "socketpair");
        goto fail;
    }
    c->sync_fd = sp[0];

    /* Which namespaces clone can make: all of them, unless some must be
     * joined before a new user namespace exists (or the user namespace
     * itself is joined); then the init joins and unshares itself. */
    bool new_user = s->ns[GT_NS_USER].present && !s->ns[GT_NS_USER].path;
    bool joins = false;
    for (int i = 0; i < GT_NS_COUNT; i++)
        if (join_fds[i] >= 0)
            joins = true;
    bool in_child = join_fds[GT_NS_USER] >= 0 || (new_user && joins);
    int new_flags = 0;
    for (int i = 0; i < GT_NS_COUNT; i++)
        if (s->ns[i].present && !s->ns[i].path && i != GT_NS_CGROUP)
            new_flags |= gt_ns_table[i].clone_flag;

    /* The cgroup exists before the init: the init joins it first thing
     * (gt_cgroup_join_self), before anything of the container's runs. */
    cg_path = gt_cgroup_default_path(s->cgroups_path, o->id);
    res = effective_resources(s);
    if ((r = gt_cgroup_create(cg_path, res, 0, &c->cg, err)) < 0) {
        close(sp[1]);
        goto fail;
    }
    gt_debug("create %s: cgroup %s made", o->id, cg_path);
    cg_fd = gt_cgroup_clone_fd(c->cg);

    if (pidns_join >= 0) {
        /* affects our children only; undone right after the clone */
        pidns_self = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
        if (pidns_self < 0 || setns(pidns_join, CLONE_NEWPID) < 0) {
            r = gt_err_sys(err, errno, "linux.namespaces: join pid namespace %s",
                           s->ns[GT_NS_PID].path);
            close(sp[1]);
            goto fail;
        }
    }
    struct gt_init_args args = {
        .spec = s,
        .id = o->id,
        .sync_fd = sp[1],
        .state_dirfd = statefd,
        .lock_fd = c->dir.fd,
        .console_fd = console,
        .preserve_fds = o->preserve_fds,
        .no_pivot = o->no_pivot,
        .no_new_keyring = o->no_new_keyring,
        .seccomp = c->seccomp,
        .unshare_in_child = in_child,
        .unshare_flags = in_child ? new_flags : 0,
    };
    char created[64];
    gt_format_rfc3339(created, sizeof created);
    args.created = created;
    memcpy(args.join_fds, join_fds, sizeof join_fds);
    args.cgroup = c->cg;
    int pidfd = -1;
    pid_t pid = gt_clone_pidfd(in_child ? 0 : new_flags, &pidfd, cg_fd, &args.in_cgroup2);
    if (pid == 0) {
        close(sp[0]);
        gt_init_main(&args);
    }
    int clone_errno = errno;
    close(sp[1]);
    if (pidns_self >= 0 && setns(pidns_self, CLONE_NEWPID) < 0)
        gt_warn("return to the runtime's pid namespace: %s", strerror(errno));
    if (pid < 0) {
        r = gt_err_sys(err, clone_errno, "clone the container's init");
        goto fail;
    }
    c->child = pid;
    c->pidfd = pidfd;
    gt_debug("create %s: init cloned, pid %d", o->id, (int)pid);
    pid_t init_pid = pid;
    struct gt_sync_msg m;
    if (in_child) {
        if (new_flags & CLONE_NEWUSER) {
            if ((r = gt_sync_expect(c->sync_fd, GT_SYNC_MAPS, &m, "container init", err)) < 0 ||
                (r = write_id_maps(pid, s, err)) < 0)
                goto fail;
            gt_sync_send(c->sync_fd, GT_SYNC_MAPS_DONE, 0, NULL);
        }
        if (new_flags & CLONE_NEWPID) {
            if ((r = gt_sync_expect(c->sync_fd, GT_SYNC_PID, &m, "container init", err)) < 0)
                goto fail;
            init_pid = m.value;
            int gfd = (int)syscall(SYS_pidfd_open, init_pid, 0);
            /* the intermediate has exited; reap it */
            while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
            c->child = 0;
            close(c->pidfd);
            c->pidfd = gfd;
            if (gfd < 0) {
                r = gt_err_sys(err, errno, "container init");
                goto fail;
            }
        }
    } else if (new_user && (r = write_id_maps(pid, s, err)) < 0) {
        goto fail;
    }

    if (gt_sync_send(c->sync_fd, GT_SYNC_GO, init_pid, NULL) < 0) {
        r = gt_err(err, EPIPE, "container init exited before it was ready");
        goto fail;
    }

    c->st.id = gt_xstrdup(o->id);
    c->st.pid = init_pid;
    c->st.bundle = gt_xstrdup(s->bundle);
    c->st.rootfs = gt_xstrdup(s->root_path);
    c->st.created = gt_xstrdup(created);
    c->st.cgroup_path = gt_xstrdup(gt_cgroup_path(c->cg));
    c->st.own_pidns = s->ns[GT_NS_PID].present && !s->ns[GT_NS_PID].path;
    if (s->annotations)
        c->st.annotations = json_incref(s->annotations);
    if (s->hooks)
        c->st.hooks = json_incref(s->hooks);

    for (;;) {
        r = gt_sync_recv(c->sync_fd, &m);
        if (r < 0) {
            int status = 0;
            if (c->child > 0 && waitpid(c->child, &status, 0) == c->child) {
                c->child = 0;
                if (WIFSIGNALED(status))
                    r = gt_err(err, ECHILD, "container init killed by signal %d before it was "
                                            "ready", WTERMSIG(status));
                else
                    r = gt_err(err, ECHILD, "container init exited with status %d before it "
                                            "was ready", WEXITSTATUS(status));
            } else {
                r = gt_err(err, ECHILD, "container init exited before it was ready");
            }
            goto fail;
        }
        if (m.kind == GT_SYNC_ERROR) {
            r = gt_err(err, m.value > 0 ? m.value : EINVAL, "%s", m.text);
            goto fail;
        }
        if (m.kind == GT_SYNC_HOOKS) {
            cleanup_free char *state = gt_hook_state_json(&c->st, GT_STATUS_CREATING);
            if ((r = gt_hooks_run(s->hooks, GT_HOOK_PRESTART, state, err)) < 0 ||
                (r = gt_hooks_run(s->hooks, GT_HOOK_CREATE_RUNTIME, state, err)) < 0)
                goto fail;
            gt_sync_send(c->sync_fd, GT_SYNC_HOOKS_DONE, 0, NULL);
            continue;
        }
        if (m.kind == GT_SYNC_READY) {
            gt_debug("create %s: init ready", o->id);
            break;
        }
        r = gt_err(err, EPROTO, "container init: unexpected message %u", m.kind);
        goto fail;
    }
    char pstate;
    if (gt_proc_stat(init_pid, &c->st.start_time, &pstate) < 0) {
        r = gt_err(err, ECHILD, "container init exited before it was ready");
        goto fail;
    }
    if ((r = gt_state_save(&c->dir, &c->st, err)) < 0)
        goto fail;
    close(c->sync_fd);
    c->sync_fd = -1;
    for (int i = 0; i < GT_NS_COUNT; i++)
        if (join_fds[i] >= 0)
            close(join_fds[i]);
    return 0;
fail:
    for (int i = 0; i < GT_NS_COUNT; i++)
        if (join_fds[i] >= 0)
            close(join_fds[i]);
    created_abort(c);
    return r;
}

int gt_container_create(const char *root, const struct gt_create_opts *o, struct gt_error *err)
{
    struct created c;
    int r = do_create(root, o, false, &c, err);
    if (r < 0)
        return r;
    if (o->pid_file && (r = gt_write_pid_file(o->pid_file, c.st.pid, err)) < 0) {
        created_abort(&c);
        return r;
    }
    /* the init must not stay our child: create's caller reaps it */
    c.child = 0;
    created_release(&c);
    return 0;
}

/* ---- start -------------------------------------------------------------- */

/* Lets the init go: opens exec.fifo for reading and takes its byte, then
 * waits for the end of file that the init's execve makes (its write end is
 * close-on-exec), so that startContainer hooks are over and the program
 * runs when `start` returns, before any poststart hook. */
static int exec_fifo_release(const struct gt_state_dir *d, const struct gt_state *st,
                             struct gt_error *err)
{
    /* the pidfd first: once the fifo is open the init may run and exit */
    cleanup_close int pidfd = gt_pidfd_open_checked(st->pid, st->start_time);
    if (pidfd < 0)
        return gt_err(err, ESRCH, "cannot start a container that has stopped");
    cleanup_close int fd = openat(d->fd, "exec.fifo", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return gt_err_sys(err, errno, "open %s/exec.fifo", d->path);
    bool got = false;
    for (;;) {
        struct pollfd p[2] = { { .fd = fd, .events = POLLIN },
                               { .fd = got ? -1 : pidfd, .events = POLLIN } };
        int r = poll(p, 2, -1);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return gt_err_sys(err, errno, "wait for the container init");
        }
        if (p[0].revents) {
            char b;
            ssize_t n = read(fd, &b, 1);
            if (n == 1) {
                got = true;
                continue;
            }
            if (n < 0 && (errno == EAGAIN || errno == EINTR))
                continue;
            if (n == 0 && got)
                break; /* exec'd (or gone, after it was released) */
        }
        if (!got && (p[0].revents & POLLHUP || p[1].revents))
            return gt_err(err, ECHILD, "container init exited before start");
    }
    if (unlinkat(d->fd, "exec.fifo", 0) < 0 && errno != ENOENT)
        return gt_err_sys(err, errno, "remove %s/exec.fifo", d->path);
    return 0;
}

int gt_container_start(const char *root, const char *id, struct gt_error *err)
{
    struct opened c;
    int r = opened_open(root, id, LOCK_EX, &c, err);
    if (r < 0)
        return r;
    if (c.status == GT_STATUS_STOPPED)
        r = gt_err(err, EINVAL, "cannot start a container that has stopped");
    else if (c.status != GT_STATUS_CREATED)
        r = gt_err(err, EINVAL, "cannot start an already running container");
    else
        r = exec_fifo_release(&c.d, &c.st, err);
    if (r == 0)
        run_hooks_warn(&c.st, GT_HOOK_POSTSTART, GT_STATUS_RUNNING);
    opened_release(&c);
    return r;
}

/* ---- delete ------------------------------------------------------------- */

/* Kills what runs (init, and with a shared pid namespace every process of
 * the cgroup) and waits for the init to be gone. */
static int kill_and_wait(const struct gt_state *st, bool paused, struct gt_error *err)
{
    struct gt_cgroup *cg = cgroup_of(st);
    struct gt_error e2;
    if (cg && !st->own_pidns)
        gt_cgroup_kill_all(cg, SIGKILL, &e2);
    int pidfd = gt_pidfd_open_checked(st->pid, st->start_time);
    if (pidfd >= 0)
        gt_pidfd_signal(pidfd, SIGKILL);
    if (cg && paused)
        gt_cgroup_freeze(cg, false, &e2);
    int r = 0;
    if (pidfd >= 0) {
        if (pidfd_wait(pidfd, 10000) < 0)
            r = gt_err(err, ETIMEDOUT, "container init %d did not exit after SIGKILL",
                       (int)st->pid);
        close(pidfd);
    }
    if (cg)
        gt_cgroup_free(cg);
    return r;
}

/* Removes every trace of a stopped container. */
int gt_container_destroy(struct gt_state_dir *d, const struct gt_state *st, struct gt_error *err)
{
    struct gt_cgroup *cg = cgroup_of(st);
    if (cg) {
        /* whatever is left (a shared pid namespace, or an init whose
         * record no longer matches) goes with the container */
        struct gt_error e2;
        gt_cgroup_kill_all(cg, SIGKILL, &e2);
        int r = gt_cgroup_destroy(cg, err);
        gt_cgroup_free(cg);
        if (r < 0)
            return r;
    }
    run_hooks_warn(st, GT_HOOK_POSTSTOP, GT_STATUS_STOPPED);
    return gt_state_dir_remove(d, err);
}

int gt_container_delete(const char *root, const char *id, bool force, struct gt_error *err)
{
    struct gt_state_dir d;
    int r = gt_state_dir_open(root, id, LOCK_EX, &d, err);
    if (r < 0)
        return (r == -ENOENT && force) ? 0 : r;
    struct gt_state st;
    r = gt_state_load(&d, &st, err);
    if (r == -ENOENT) {
        /* a create that died before it saved its state */
        struct gt_error e2;
        gt_state_dir_remove(&d, &e2);
        gt_state_dir_release(&d);
        return force ? 0 : gt_err(err, ENOENT, "container does not exist");
    }
    if (r < 0) {
        if (force) {
            struct gt_error e2;
            gt_state_dir_remove(&d, &e2);
            r = 0;
        }
        gt_state_dir_release(&d);
        return r;
    }
    enum gt_status status;
    gt_container_status(&d, &st, &status, err);
    if ((status == GT_STATUS_RUNNING || status == GT_STATUS_PAUSED) && !force) {
        r = gt_err(err, EBUSY, "cannot delete container %s that is not stopped: %s", id,
                   gt_status_name(status));
    } else {
        r = 0;
        if (status != GT_STATUS_STOPPED)
            r = kill_and_wait(&st, status == GT_STATUS_PAUSED, err);
        if (r == 0)
            r = gt_container_destroy(&d, &st, err);
    }
    gt_state_release(&st);
    gt_state_dir_release(&d);
    return r;
}

/* ---- run ---------------------------------------------------------------- */

int gt_container_run(const char *root, const struct gt_create_opts *o, bool detach, bool keep,
                     int *exit_status, struct gt_error *err)
{
    sigset_t all, old;
    sigfillset(&all);
    if (!detach) {
        /* forwarded to the container; the init unblocks them */
        sigprocmask(SIG_BLOCK, &all, &old);
        prctl(PR_SET_CHILD_SUBREAPER, 1); /* the init may be a grandchild */
    }
    struct created c;
    cleanup_close int master = -1;
    int r = do_create(root, o, !detach, &c, err);
    if (r == 0) {
        if (c.console_peer >= 0 && (master = gt_console_recv_fd(c.console_peer, err)) < 0)
            r = master;
        if (r == 0 && o->pid_file)
            r = gt_write_pid_file(o->pid_file, c.st.pid, err);
        if (r == 0)
            r = exec_fifo_release(&c.dir, &c.st, err);
        if (r < 0)
            created_abort(&c);
    }
    if (r < 0) {
        if (!detach)
            sigprocmask(SIG_SETMASK, &old, NULL);
        return r;
    }
    run_hooks_warn(&c.st, GT_HOOK_POSTSTART, GT_STATUS_RUNNING);
    if (detach) {
        c.child = 0;
        created_release(&c);
        *exit_status = 0;
        return 0;
    }
    /* let other commands (state, kill, exec) at it while it runs */
    gt_state_dir_release(&c.dir);
    c.dir_made = false;
    int status = 0;
    r = gt_supervise(c.st.pid, c.pidfd, master, &all, &status, err);
    sigprocmask(SIG_SETMASK, &old, NULL);
    *exit_status = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
    c.child = 0;
    if (!keep) {
        struct gt_state_dir d;
        struct gt_error e2;
        if (gt_state_dir_open(root, o->id, LOCK_EX, &d, &e2) == 0) {
            if (gt_container_destroy(&d, &c.st, &e2) < 0 && r == 0)
                r = gt_err(err, e2.code, "%s", e2.msg);
            gt_state_dir_release(&d);
        }
    }
    created_release(&c);
    return r;
}

/* ---- state, list, kill, pause, ps, update --------------------------------- */

int gt_container_state(const char *root, const char *id, json_t **out, struct gt_error *err)
{
    struct opened c;
    int r = opened_open(root, id, LOCK_SH, &c, err);
    if (r < 0)
        return r;
    *out = gt_state_to_json(&c.st, c.status, "");
    opened_release(&c);
    return 0;
}

static int cmp_state_id(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    return strcmp(json_string_value(json_object_get(x, "id")),
                  json_string_value(json_object_get(y, "id")));
}

int gt_container_list(const char *root, json_t **out, struct gt_error *err)
{
    json_t *arr = json_array();
    cleanup_dir DIR *dir = opendir(root);
    if (!dir) {
        if (errno == ENOENT) {
            *out = arr;
            return 0;
        }
        json_decref(arr);
        return gt_err_sys(err, errno, "open %s", root);
    }
    struct dirent *de;
    size_t n = 0, cap = 0;
    json_t **items = NULL;
    while ((de = readdir(dir))) {
        if (de->d_name[0] == '.' || gt_state_check_id(de->d_name, NULL) < 0)
            continue;
        struct opened c;
        struct gt_error e2;
        /* a container being created (or deleted) holds its lock: skip it
         * rather than wait */
        if (opened_open(root, de->d_name, LOCK_SH | LOCK_NB, &c, &e2) < 0)
            continue;
        struct stat sb;
        char owner[64] = "";
        if (fstat(c.d.fd, &sb) == 0) {
            cleanup_free char *name = gt_passwd_field("/etc/passwd", sb.st_uid, 0);
            if (name)
                snprintf(owner, sizeof owner, "%s", name);
            else
                snprintf(owner, sizeof owner, "#%u", (unsigned)sb.st_uid);
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            items = gt_xrealloc(items, cap * sizeof *items);
        }
        items[n++] = gt_state_to_json(&c.st, c.status, owner);
        opened_release(&c);
    }
    if (n)
        qsort(items, n, sizeof *items, cmp_state_id);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, items[i]);
    free(items);
    *out = arr;
    return 0;
}

int gt_container_kill(const char *root, const char *id, int sig, bool all, struct gt_error *err)
{
    struct opened c;
    int r = opened_open(root, id, LOCK_SH, &c, err);
    if (r < 0)
        return r;
    if (all) {
        struct gt_cgroup *cg = cgroup_of(&c.st);
        if (cg) {
            r = gt_cgroup_kill_all(cg, sig, err);
            gt_cgroup_free(cg);
        } else if (c.status != GT_STATUS_STOPPED) {
            r = gt_err(err, ENOENT, "kill --all: the container has no cgroup");
        }
    } else if (c.status == GT_STATUS_STOPPED) {
        r = gt_err(err, ESRCH, "container not running");
    } else {
        int pidfd = gt_pidfd_open_checked(c.st.pid, c.st.start_time);
        if (pidfd < 0) {
            r = gt_err(err, ESRCH, "container not running");
        } else {
            if ((r = gt_pidfd_signal(pidfd, sig)) < 0)
                gt_err_sys(err, -r, "send signal %d to %d", sig, (int)c.st.pid);
            close(pidfd);
        }
        /* A task in a frozen v1 cgroup does not act on SIGKILL until it is
         * thawed (the v2 freezer lets fatal signals through, Linux 5.2):
         * SIGKILL to a paused container thaws it, as runc does, so that
         * engines killing a paused task (containerd's `ctr task kill`, a
         * forced delete) see it exit.  Other signals wait for resume. */
        if (r == 0 && sig == SIGKILL && c.status == GT_STATUS_PAUSED && c.st.cgroup_path) {
            struct gt_cgroup *cg;
            if ((r = gt_cgroup_open(c.st.cgroup_path, &cg, err)) == 0) {
                r = gt_cgroup_freeze(cg, false, err);
                gt_cgroup_free(cg);
            }
            if (r < 0)
                gt_err_prefix(err, "thaw the paused container after SIGKILL");
        }
    }
    opened_release(&c);
    return r;
}

int gt_container_pause(const char *root, const char *id, bool pause, struct gt_error *err)
{
    struct opened c;
    int r = opened_open(root, id, LOCK_EX, &c, err);
    if (r < 0)
        return r;
    struct gt_cgroup *cg;
    if (pause && c.status != GT_STATUS_RUNNING && c.status != GT_STATUS_CREATED)
        r = gt_err(err, EINVAL, "container not running");
    else if (!pause && c.status != GT_STATUS_PAUSED)
        r = gt_err(err, EINVAL, "container not paused");
    else if ((r = cgroup_needed(&c.st, &cg, err)) == 0) {
        r = gt_cgroup_freeze(cg, pause, err);
        gt_cgroup_free(cg);
    }
    opened_release(&c);
    return r;
}

int gt_container_pids(const char *root, const char *id, pid_t **pids, size_t *n,
                      struct gt_error *err)
{
    struct opened c;
    int r = opened_open(root, id, LOCK_SH, &c, err);
    if (r < 0)
        return r;
    *pids = NULL;
    *n = 0;
    struct gt_cgroup *cg = cgroup_of(&c.st);
    if (cg) {
        r = gt_cgroup_pids(cg, pids, n, err);
        gt_cgroup_free(cg);
    } else if (c.status != GT_STATUS_STOPPED) {
        r = gt_err(err, ENOENT, "the container has no cgroup");
    }
    opened_release(&c);
    return r;
}

int gt_container_update(const char *root, const char *id, json_t *resources,
                        struct gt_error *err)
{
    struct opened c;
    int r = opened_open(root, id, LOCK_EX, &c, err);
    if (r < 0)
        return r;
    struct gt_cgroup *cg = NULL;
    if (c.status == GT_STATUS_STOPPED)
        r = gt_err(err, EINVAL, "container not running");
    else if ((r = gt_cgroup_validate(resources, err)) < 0)
        ;
    else if ((r = cgroup_needed(&c.st, &cg, err)) == 0)
        r = gt_cgroup_update(cg, resources, err);
    if (cg)
        gt_cgroup_free(cg);
    if (r == 0) {
        /* keep the saved config in step, for exec and later updates */
        cleanup_free char *buf = NULL;
        size_t len;
        cleanup_json json_t *cfg = NULL;
        struct gt_error e2;
        if (gt_read_file_at(c.d.fd, "config.json", 0, &buf, &len, &e2) == 0 &&
            gt_json_load_buf(buf, len, "config.json", &cfg, &e2) == 0) {
            json_t *lx = json_object_get(cfg, "linux");
            if (!json_is_object(lx)) {
                lx = json_object();
                json_object_set_new(cfg, "linux", lx);
            }
            json_t *res = json_object_get(lx, "resources");
            if (!json_is_object(res)) {
                res = json_object();
                json_object_set_new(lx, "resources", res);
            }
            json_object_update_recursive(res, resources);
            cleanup_free char *path = gt_path_join(c.d.path, "config.json");
            if (gt_json_dump_file(path, cfg, false, &e2) < 0)
                gt_warn("update: %s", e2.msg);
        }
    }
    opened_release(&c);
    return r;
}

int gt_container_stats(const char *root, const char *id, json_t **out, struct gt_error *err)
{
    struct opened c;
    int r = opened_open(root, id, LOCK_SH, &c, err);
    if (r < 0)
        return r;
    struct gt_cgroup *cg = NULL;
    json_t *data = NULL;
    if (c.status == GT_STATUS_STOPPED)
        r = gt_err(err, EINVAL, "container not running");
    else if ((r = cgroup_needed(&c.st, &cg, err)) == 0)
        r = gt_cgroup_stats(cg, &data, err);
    if (cg)
        gt_cgroup_free(cg);
    if (r == 0)
        *out = json_pack("{s:s,s:s,s:o}", "type", "stats", "id", id, "data", data);
    opened_release(&c);
    return r;
}
