#include "oci/init.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/keyctl.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/log.h"
#include "base/mem.h"
#include "oci/cgroup.h"
#include "oci/console.h"
#include "oci/container_internal.h"
#include "oci/hooks.h"
#include "oci/process.h"
#include "oci/rootfs.h"
#include "oci/seccomp.h"
#include "oci/state.h"
#include "oci/sync.h"

bool gt_setgroups_allowed(void)
{
    char buf[16] = "";
    int fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return true;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    return !(n > 0 && strncmp(buf, "deny", 4) == 0);
}

static bool has_hooks(const struct gt_spec *s, const char *kind)
{
    json_t *h = s->hooks ? json_object_get(s->hooks, kind) : NULL;
    return json_is_array(h) && json_array_size(h) > 0;
}

/* The state given to hooks run by the init. */
static char *hook_state(const struct gt_init_args *a, pid_t pid, enum gt_status status)
{
    struct gt_state st = {
        .id = (char *)a->id,
        .pid = pid,
        .bundle = a->spec->bundle,
        .rootfs = a->spec->root_path,
        .created = (char *)a->created,
        .annotations = a->spec->annotations,
    };
    json_t *j = gt_state_to_json(&st, status, "");
    if (status == GT_STATUS_CREATING)
        json_object_set_new(j, "pid", json_integer(pid));
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return s ? s : gt_xstrdup("{}");
}

/* A fork-like clone: the child continues here on a copy of the stack. */
static pid_t fork_plain(void)
{
    return (pid_t)syscall(SYS_clone, SIGCHLD, NULL, NULL, NULL, 0UL);
}

static int init_setup(const struct gt_init_args *a, pid_t *host_pid, struct gt_error *err)
{
    const struct gt_spec *s = a->spec;
    const struct gt_process *p = s->process;
    struct gt_sync_msg m;
    int r;
    bool new_user = s->ns[GT_NS_USER].present && !s->ns[GT_NS_USER].path;

    /* in the container's cgroup before anything else */
    if ((r = gt_cgroup_join_self(a->cgroup, a->in_cgroup2, err)) < 0)
        return r;
    gt_debug("init %s: in its cgroup", a->id);
    if (a->unshare_in_child) {
        /* join first (user namespace last), while the runtime's
         * credentials still reach them; then create the new ones */
        if ((r = gt_ns_join(a->join_fds, err)) < 0)
            return r;
        /* in a joined user namespace our host uid maps to nothing: files
         * we make would belong to no one (EOVERFLOW); be its root */
        if (a->join_fds[GT_NS_USER] >= 0 &&
            (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
            return gt_err_sys(err, errno, "become root in the user namespace %s (is 0 mapped?)",
                              s->ns[GT_NS_USER].path);
        if (a->unshare_flags && unshare(a->unshare_flags) < 0)
            return gt_err_sys(err, errno, "create namespaces");
        if (a->unshare_flags & CLONE_NEWUSER) {
            if (gt_sync_send(a->sync_fd, GT_SYNC_MAPS, 0, NULL) < 0 ||
                gt_sync_expect(a->sync_fd, GT_SYNC_MAPS_DONE, &m, "init", err) < 0)
                return gt_err(err, EPIPE, "wait for the id mappings");
        }
        if (a->unshare_flags & CLONE_NEWPID) {
            /* a new pid namespace takes effect for children only */
            pid_t pid = fork_plain();
            if (pid < 0)
                return gt_err_sys(err, errno, "fork into the pid namespace");
            if (pid > 0) {
                gt_sync_send(a->sync_fd, GT_SYNC_PID, pid, NULL);
                _exit(0);
            }
        }
    } else {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        for (int i = 0; i < GT_NS_COUNT; i++)
            if (i != GT_NS_PID && i != GT_NS_USER && a->join_fds[i] >= 0 &&
                setns(a->join_fds[i], gt_ns_table[i].clone_flag) < 0)
                return gt_err_sys(err, errno, "join %s namespace %s", gt_ns_table[i].spec_name,
                                  s->ns[i].path);
    }
    for (int i = 0; i < GT_NS_COUNT; i++)
        if (a->join_fds[i] >= 0)
            close(a->join_fds[i]);

    if ((r = gt_sync_expect(a->sync_fd, GT_SYNC_GO, &m, "init", err)) < 0)
        return r;
    if (!a->no_new_keyring) {
        /* a session keyring of its own, not the caller's (as runc) */
        char ring[64];
        snprintf(ring, sizeof ring, "_ses.%.50s", a->id);
        if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, ring) < 0 && errno != ENOSYS &&
            errno != EDQUOT)
            return gt_err_sys(err, errno, "join a new session keyring");
    }
    *host_pid = m.value;
    gt_debug("init %s: go", a->id);
    if (new_user) {
        if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
            return gt_err_sys(err, errno, "become root in the user namespace (is 0 mapped?)");
    }

    struct gt_rootfs rf;
    gt_rootfs_init(&rf, s);
    rf.in_userns = s->ns[GT_NS_USER].present;
    rf.cgroupns = s->ns[GT_NS_CGROUP].present;
    rf.no_pivot = a->no_pivot;
    /* the host's view of our cgroups, before a cgroup namespace hides it */
    if ((r = gt_rootfs_read_cgroups(&rf, err)) < 0)
        goto out;
    if (s->ns[GT_NS_CGROUP].present && !s->ns[GT_NS_CGROUP].path &&
        unshare(CLONE_NEWCGROUP) < 0) {
        r = gt_err_sys(err, errno, "create cgroup namespace");
        goto out;
    }
    if (s->hostname && s->hostname[0] && sethostname(s->hostname, strlen(s->hostname)) < 0) {
        r = gt_err_sys(err, errno, "hostname: sethostname");
        goto out;
    }
    if (s->domainname && s->domainname[0] &&
        setdomainname(s->domainname, strlen(s->domainname)) < 0) {
        r = gt_err_sys(err, errno, "domainname: setdomainname");
        goto out;
    }
    if ((r = gt_rootfs_prepare(&rf, err)) < 0)
        goto out;
    gt_debug("init %s: mounts made", a->id);
    if (has_hooks(s, "prestart") || has_hooks(s, "createRuntime")) {
        if (gt_sync_send(a->sync_fd, GT_SYNC_HOOKS, 0, NULL) < 0) {
            r = gt_err(err, EPIPE, "ask the runtime to run hooks");
            goto out;
        }
        if ((r = gt_sync_expect(a->sync_fd, GT_SYNC_HOOKS_DONE, &m, "init", err)) < 0)
            goto out;
    }
    if (has_hooks(s, "createContainer")) {
        cleanup_free char *state = hook_state(a, *host_pid, GT_STATUS_CREATING);
        if ((r = gt_hooks_run(s->hooks, GT_HOOK_CREATE_CONTAINER, state, err)) < 0)
            goto out;
    }
    if ((r = gt_process_set_oom_score_adj(p, err)) < 0)
        goto out;
    if ((r = gt_rootfs_pivot(&rf, err)) < 0)
        goto out;
    gt_debug("init %s: pivoted", a->id);
    if (p->terminal) {
        if ((r = gt_console_setup(a->console_fd, p->console_height, p->console_width, true,
                                  err)) < 0)
            goto out;
    }
    if ((r = gt_rootfs_apply_sysctl(s, err)) < 0)
        goto out;
    r = gt_rootfs_finish(&rf, err);
out:
    gt_rootfs_release(&rf);
    return r;
}

__attribute__((noreturn)) void gt_init_main(const struct gt_init_args *a)
{
    struct gt_error err;
    gt_err_clear(&err);
    const struct gt_spec *s = a->spec;
    const struct gt_process *p = s->process;
    pid_t host_pid = 0;
    int r;
    char *prog = NULL, **extra = NULL;
    const char **envp = NULL;

    if (a->lock_fd >= 0)
        close(a->lock_fd);
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_UNBLOCK, &all, NULL);
    umask(022);

    if ((r = init_setup(a, &host_pid, &err)) < 0)
        goto fail;
    if ((r = gt_process_set_rlimits(p, &err)) < 0)
        goto fail;
    if ((r = gt_process_find_program(p, &prog, &err)) < 0)
        goto fail;
    envp = gt_process_env(p, &extra);
    if (a->seccomp && !p->no_new_privileges && (r = gt_seccomp_load(a->seccomp, &err)) < 0)
        goto fail;
    if ((r = gt_process_set_identity(p, gt_setgroups_allowed(), &err)) < 0)
        goto fail;
    if ((r = gt_process_chdir(p, &err)) < 0)
        goto fail;

    prctl(PR_SET_PDEATHSIG, 0);
    if (gt_sync_send(a->sync_fd, GT_SYNC_READY, 0, NULL) < 0)
        _exit(1);
    close(a->sync_fd);

    /* wait for `start`: it opens the fifo for reading */
    int fd;
    do
        fd = openat(a->state_dirfd, "exec.fifo", O_WRONLY | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        gt_err_sys(&err, errno, "open exec.fifo");
        goto late;
    }
    if (write(fd, "0", 1) != 1) {
        gt_err_sys(&err, errno, "write exec.fifo");
        goto late;
    }
    /* fd stays open: its close at execve tells `start` the program runs */
    close(a->state_dirfd);

    if (has_hooks(s, "startContainer")) {
        cleanup_free char *state = hook_state(a, host_pid, GT_STATUS_CREATED);
        if (gt_hooks_run(s->hooks, GT_HOOK_START_CONTAINER, state, &err) < 0)
            goto late;
    }
    if (a->seccomp && p->no_new_privileges && gt_seccomp_load(a->seccomp, &err) < 0)
        goto late;
    if (gt_process_preserve_fds(a->preserve_fds, &err) < 0)
        goto late;
    execve(prog, (char *const *)p->args, (char *const *)envp);
    gt_err_sys(&err, errno, "exec %s", prog);
late:
    /* `create` has returned: the log is the only place left to tell */
    gt_error("container %s: %s", a->id, err.msg);
    _exit(127);
fail:
    gt_sync_send_error(a->sync_fd, &err);
    _exit(1);
}
