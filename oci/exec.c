/* runc exec: a new process in the namespaces and cgroup of a running
 * container, set up as the init was (identity, capabilities, limits,
 * seccomp), from --process or from the container's process with the
 * command-line overrides. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "oci/cgroup.h"
#include "oci/console.h"
#include "oci/container.h"
#include "oci/container_internal.h"
#include "oci/init.h"
#include "oci/namespaces.h"
#include "oci/process.h"
#include "oci/seccomp.h"
#include "oci/spec.h"
#include "oci/state.h"
#include "oci/sync.h"

/* Sets KEY=value in an env array, replacing an entry with the same key. */
static void env_set(json_t *env, const char *kv)
{
    const char *eq = strchr(kv, '=');
    size_t kl = eq ? (size_t)(eq - kv) : strlen(kv);
    size_t i;
    json_t *v;
    json_array_foreach(env, i, v) {
        const char *s = json_string_value(v);
        if (s && strncmp(s, kv, kl) == 0 && s[kl] == '=') {
            json_array_set_new(env, i, json_string(kv));
            return;
        }
    }
    json_array_append_new(env, json_string(kv));
}

/* The process object for the args form: the container's, with overrides. */
static int exec_process_json(const struct gt_spec *spec, const struct gt_exec_opts *o,
                             json_t **out, struct gt_error *err)
{
    json_t *base = json_object_get(spec->json, "process");
    json_t *p = json_is_object(base) ? json_deep_copy(base) : json_object();
    json_t *args = json_array();
    for (size_t i = 0; o->args[i]; i++)
        json_array_append_new(args, json_string(o->args[i]));
    json_object_set_new(p, "args", args);
    json_object_set_new(p, "terminal", json_boolean(o->tty));
    json_object_del(p, "consoleSize");
    json_t *env = json_object_get(p, "env");
    if (!json_is_array(env)) {
        env = json_array();
        json_object_set_new(p, "env", env);
    }
    for (size_t i = 0; o->env && o->env[i]; i++) {
        if (!strchr(o->env[i], '=')) {
            json_decref(p);
            return gt_err(err, EINVAL, "--env %s: expected KEY=value", o->env[i]);
        }
        env_set(env, o->env[i]);
    }
    if (o->cwd)
        json_object_set_new(p, "cwd", json_string(o->cwd));
    if (!json_object_get(p, "cwd"))
        json_object_set_new(p, "cwd", json_string("/"));
    if (o->user) {
        char *end;
        unsigned long uid = strtoul(o->user, &end, 10), gid = 0;
        if (end == o->user || (*end && *end != ':')) {
            json_decref(p);
            return gt_err(err, EINVAL, "--user %s: expected <uid>[:<gid>]", o->user);
        }
        if (*end == ':') {
            const char *g = end + 1;
            gid = strtoul(g, &end, 10);
            if (end == g || *end) {
                json_decref(p);
                return gt_err(err, EINVAL, "--user %s: expected <uid>[:<gid>]", o->user);
            }
        }
        json_t *user = json_object_get(p, "user");
        if (!json_is_object(user)) {
            user = json_object();
            json_object_set_new(p, "user", user);
        }
        json_object_set_new(user, "uid", json_integer((json_int_t)uid));
        json_object_set_new(user, "gid", json_integer((json_int_t)gid));
    }
    if (o->additional_gids && o->additional_gids[0]) {
        json_t *user = json_object_get(p, "user");
        if (!json_is_object(user)) {
            user = json_object();
            json_object_set_new(p, "user", user);
        }
        json_t *gids = json_array();
        cleanup_free char *copy = gt_xstrdup(o->additional_gids);
        char *save = NULL;
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            char *end;
            unsigned long g = strtoul(t, &end, 10);
            if (end == t || *end) {
                json_decref(gids);
                json_decref(p);
                return gt_err(err, EINVAL, "--additional-gids: \"%s\" is not a group id", t);
            }
            json_array_append_new(gids, json_integer((json_int_t)g));
        }
        json_object_set_new(user, "additionalGids", gids);
    }
    if (o->caps && o->caps[0]) {
        json_t *caps = json_object_get(p, "capabilities");
        if (!json_is_object(caps)) {
            caps = json_object();
            json_object_set_new(p, "capabilities", caps);
        }
        static const char *const sets[] = { "bounding", "effective", "inheritable", "permitted",
                                            "ambient" };
        for (size_t k = 0; k < sizeof sets / sizeof sets[0]; k++) {
            json_t *arr = json_object_get(caps, sets[k]);
            if (!json_is_array(arr)) {
                arr = json_array();
                json_object_set_new(caps, sets[k], arr);
            }
            for (size_t i = 0; o->caps[i]; i++)
                json_array_append_new(arr, json_string(o->caps[i]));
        }
    }
    if (o->no_new_privs)
        json_object_set_new(p, "noNewPrivileges", json_true());
    *out = p;
    return 0;
}

struct exec_child {
    const struct gt_process *proc;
    const struct gt_seccomp *seccomp;
    int sync_fd, console_fd, preserve_fds, lock_fd;
    struct gt_cgroup *cgroup; /* or NULL */
    bool in_cgroup2;
    int ns_fds[GT_NS_COUNT];
};

__attribute__((noreturn)) static void exec_child_main(struct exec_child *a)
{
    struct gt_error err;
    gt_err_clear(&err);
    const struct gt_process *p = a->proc;
    struct gt_sync_msg m;
    char *prog = NULL, **extra = NULL;
    const char **envp;
    close(a->lock_fd); /* flock is per open file: the runtime's lock is not ours */
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_UNBLOCK, &all, NULL);

    /* the cgroup first: its files are not visible from the container */
    if (a->cgroup && gt_cgroup_join_self(a->cgroup, a->in_cgroup2, &err) < 0)
        goto fail;
    if (gt_ns_join(a->ns_fds, &err) < 0)
        goto fail;
    if (a->ns_fds[GT_NS_USER] >= 0) {
        /* be the user namespace's root until the process's own identity */
        if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
            gt_debug("exec: root is not mapped in the container's user namespace");
    }
    gt_ns_close(a->ns_fds);
    if (gt_sync_expect(a->sync_fd, GT_SYNC_GO, &m, "exec", &err) < 0)
        goto fail;
    if (p->terminal &&
        gt_console_setup(a->console_fd, p->console_height, p->console_width, false, &err) < 0)
        goto fail;
    if (gt_process_set_rlimits(p, &err) < 0 || gt_process_set_oom_score_adj(p, &err) < 0)
        goto fail;
    if (gt_process_find_program(p, &prog, &err) < 0)
        goto fail;
    envp = gt_process_env(p, &extra);
    if (a->seccomp && !p->no_new_privileges && gt_seccomp_load(a->seccomp, &err) < 0)
        goto fail;
    if (gt_process_set_identity(p, gt_setgroups_allowed(), &err) < 0)
        goto fail;
    if (gt_process_chdir(p, &err) < 0)
        goto fail;
    if (a->seccomp && p->no_new_privileges && gt_seccomp_load(a->seccomp, &err) < 0)
        goto fail;
    if (gt_process_preserve_fds(a->preserve_fds, &err) < 0)
        goto fail;
    /* the sync socket closes on exec: the runtime reads that as success */
    execve(prog, (char *const *)p->args, (char *const *)envp);
    gt_err_sys(&err, errno, "exec %s", prog);
fail:
    gt_sync_send_error(a->sync_fd, &err);
    _exit(127);
}

int gt_container_exec(const char *root, const struct gt_exec_opts *o, int *exit_status,
                      struct gt_error *err)
{
    struct gt_state_dir d;
    struct gt_state st;
    enum gt_status status;
    int r = gt_container_open(root, o->id, LOCK_SH, &d, &st, &status, err);
    if (r < 0)
        return r;
    struct gt_spec *spec = NULL;
    struct gt_process proc;
    memset(&proc, 0, sizeof proc);
    json_t *pj = NULL;
    struct gt_seccomp *seccomp = NULL;
    struct gt_cgroup *cg = NULL;
    int ns_fds[GT_NS_COUNT];
    for (int i = 0; i < GT_NS_COUNT; i++)
        ns_fds[i] = -1;
    int console = -1, console_peer = -1, sp[2] = { -1, -1 }, pidfd = -1, init_pidfd = -1;
    cleanup_close int pidns_self = -1, cg_fd = -1;
    cleanup_close int master = -1;
    pid_t pid = 0;
    sigset_t all, old;
    sigfillset(&all);
    bool blocked = false;

    if (status == GT_STATUS_STOPPED) {
        r = gt_err(err, EINVAL, "cannot exec in a stopped container");
        goto out;
    }
    if (status == GT_STATUS_PAUSED && !o->ignore_paused) {
        r = gt_err(err, EINVAL,
                   "cannot exec in a paused container (use --ignore-paused to override)");
        goto out;
    }
    {
        cleanup_free char *buf = NULL;
        size_t len;
        json_t *cj;
        if ((r = gt_read_file_at(d.fd, "config.json", 0, &buf, &len, err)) < 0 ||
            (r = gt_json_load_buf(buf, len, "config.json", &cj, err)) < 0 ||
            (r = gt_spec_parse(cj, st.bundle, &spec, err)) < 0) {
            gt_err_prefix(err, "the container's saved config");
            goto out;
        }
    }
    if (o->process_path) {
        if ((r = gt_json_load_file(o->process_path, &pj, err)) < 0)
            goto out;
    } else {
        if (!o->args || !o->args[0]) {
            r = gt_err(err, EINVAL, "exec: a command is required (or --process)");
            goto out;
        }
        if ((r = exec_process_json(spec, o, &pj, err)) < 0)
            goto out;
    }
    if ((r = gt_process_parse(pj, "process", &proc, err)) < 0)
        goto out;
    if (proc.terminal && !o->console_socket && o->detach) {
        r = gt_err(err, EINVAL, "cannot allocate a terminal for a detached process without "
                                "--console-socket");
        goto out;
    }
    if (!proc.terminal && o->console_socket) {
        r = gt_err(err, EINVAL, "--console-socket given but the process has no terminal");
        goto out;
    }
    if (spec->seccomp) {
        cleanup_free char *cache = gt_path_join(root, GT_STATE_SECCOMP_CACHE);
        if ((r = gt_seccomp_compile_cached(spec->seccomp, cache, &seccomp, NULL, err)) < 0)
            goto out;
    }
    init_pidfd = gt_pidfd_open_checked(st.pid, st.start_time);
    if (init_pidfd < 0) {
        r = gt_err(err, EINVAL, "cannot exec in a stopped container");
        goto out;
    }
    if ((r = gt_ns_open_of(st.pid, (1u << GT_NS_COUNT) - 1, ns_fds, err)) < 0)
        goto out;
    if (st.cgroup_path && (r = gt_cgroup_open(st.cgroup_path, &cg, err)) < 0)
        goto out;
    if (proc.terminal) {
        if (o->console_socket) {
            if ((r = gt_console_connect(o->console_socket, &console, err)) < 0)
                goto out;
        } else {
            /* the pty starts at the caller's size, unless --process
             * gives one */
            if (!proc.console_height && !proc.console_width)
                gt_console_get_size(STDIN_FILENO, &proc.console_height, &proc.console_width);
            int cp[2];
            if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, cp) < 0) {
                r = gt_err_sys(err, errno, "socketpair");
                goto out;
            }
            console = cp[1];
            console_peer = cp[0];
        }
    }
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
        r = gt_err_sys(err, errno, "socketpair");
        goto out;
    }
    if (!o->detach) {
        sigprocmask(SIG_BLOCK, &all, &old);
        blocked = true;
    }
    if (ns_fds[GT_NS_PID] >= 0) {
        pidns_self = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
        if (pidns_self < 0 || setns(ns_fds[GT_NS_PID], CLONE_NEWPID) < 0) {
            r = gt_err_sys(err, errno, "join the container's pid namespace");
            goto out;
        }
    }
    struct exec_child ca = {
        .proc = &proc,
        .seccomp = seccomp,
        .sync_fd = sp[1],
        .console_fd = console,
        .preserve_fds = o->preserve_fds,
        .lock_fd = d.fd,
    };
    memcpy(ca.ns_fds, ns_fds, sizeof ns_fds);
    ca.cgroup = cg;
    if (cg)
        cg_fd = gt_cgroup_clone_fd(cg);
    pid = gt_clone_pidfd(0, &pidfd, cg_fd, &ca.in_cgroup2);
    if (pid == 0) {
        close(sp[0]);
        exec_child_main(&ca);
    }
    int clone_errno = errno;
    if (pidns_self >= 0)
        setns(pidns_self, CLONE_NEWPID);
    close(sp[1]);
    sp[1] = -1;
    if (console >= 0) {
        close(console);
        console = -1;
    }
    if (pid < 0) {
        r = gt_err_sys(err, clone_errno, "clone");
        pid = 0;
        goto out;
    }
    gt_sync_send(sp[0], GT_SYNC_GO, pid, NULL);
    struct gt_sync_msg m;
    r = gt_sync_recv(sp[0], &m);
    if (r == 0 && m.kind == GT_SYNC_ERROR) {
        r = gt_err(err, m.value > 0 ? m.value : EINVAL, "%s", m.text);
        goto out;
    }
    if (r != -EPIPE) {
        r = gt_err(err, EPROTO, "exec: unexpected message from the process");
        goto out;
    }
    r = 0;
    if (console_peer >= 0 && (master = gt_console_recv_fd(console_peer, err)) < 0) {
        r = master;
        goto out;
    }
    if (o->pid_file && (r = gt_write_pid_file(o->pid_file, pid, err)) < 0)
        goto out;
    /* the container may be stopped or deleted while this one runs */
    gt_state_dir_release(&d);
    if (o->detach) {
        pid = 0; /* runs on; whoever called us reaps it */
        *exit_status = 0;
        goto out;
    }
    int wstatus = 0;
    r = gt_supervise(pid, pidfd, master, &all, &wstatus, err);
    *exit_status = WIFSIGNALED(wstatus) ? 128 + WTERMSIG(wstatus) : WEXITSTATUS(wstatus);
    pid = 0;
out:
    if (pid > 0) {
        kill(pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    if (blocked)
        sigprocmask(SIG_SETMASK, &old, NULL);
    gt_ns_close(ns_fds);
    for (int i = 0; i < 2; i++)
        if (sp[i] >= 0)
            close(sp[i]);
    if (console >= 0)
        close(console);
    if (console_peer >= 0)
        close(console_peer);
    if (pidfd >= 0)
        close(pidfd);
    if (init_pidfd >= 0)
        close(init_pidfd);
    if (cg)
        gt_cgroup_free(cg);
    if (seccomp)
        gt_seccomp_free(seccomp);
    gt_process_release(&proc);
    if (pj)
        json_decref(pj);
    gt_spec_free(spec);
    gt_state_release(&st);
    if (d.fd >= 0)
        gt_state_dir_release(&d);
    return r;
}
