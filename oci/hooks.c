/* Lifecycle hooks: fork, exec with exactly the given env, feed the state
 * on stdin, collect stderr, enforce the timeout. */
#include "oci/hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/clock.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/sig.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static const char *const kind_names[] = {
    [GT_HOOK_PRESTART] = "prestart",
    [GT_HOOK_CREATE_RUNTIME] = "createRuntime",
    [GT_HOOK_CREATE_CONTAINER] = "createContainer",
    [GT_HOOK_START_CONTAINER] = "startContainer",
    [GT_HOOK_POSTSTART] = "poststart",
    [GT_HOOK_POSTSTOP] = "poststop",
};
#define NKINDS (sizeof kind_names / sizeof kind_names[0])

const char *gt_hook_kind_name(enum gt_hook_kind kind)
{
    return (unsigned)kind < NKINDS ? kind_names[kind] : "unknown";
}

json_t *gt_hooks_features(void)
{
    json_t *a = json_array();
    for (size_t i = 0; i < NKINDS; i++)
        json_array_append_new(a, json_string(kind_names[i]));
    return a;
}

struct hook {
    const char *path;
    char **argv; /* owned */
    char **envp; /* owned */
    int64_t timeout; /* seconds, 0: none */
};

static void hook_release(struct hook *h)
{
    gt_strv_free(h->argv);
    gt_strv_free(h->envp);
}

static int parse_hook(const json_t *e, const char *p, struct hook *h, struct gt_error *err)
{
    memset(h, 0, sizeof *h);
    int r;
    if ((r = gt_json_get_str(e, "path", p, GT_JSON_REQUIRED, &h->path, err)) < 0)
        return r;
    if (h->path[0] != '/')
        return gt_err(err, EINVAL, "%s.path: \"%s\" is not absolute", p, h->path);
    if ((r = gt_json_get_strv(e, "args", p, GT_JSON_OPTIONAL, &h->argv, err)) < 0)
        return r;
    if ((r = gt_json_get_strv(e, "env", p, GT_JSON_OPTIONAL, &h->envp, err)) < 0)
        goto fail;
    for (size_t i = 0; h->envp && h->envp[i]; i++) {
        if (!strchr(h->envp[i], '=') || h->envp[i][0] == '=') {
            r = gt_err(err, EINVAL, "%s.env[%zu]: \"%s\" is not NAME=value", p, i, h->envp[i]);
            goto fail;
        }
    }
    r = gt_json_get_int_range(e, "timeout", p, GT_JSON_OPTIONAL, 1, INT32_MAX, &h->timeout, err);
    if (r < 0)
        goto fail;
    /* args absent or empty: argv[0] is the path */
    if (!h->argv || !h->argv[0]) {
        gt_strv_free(h->argv);
        h->argv = NULL;
        gt_strv_push(&h->argv, h->path);
    }
    if (!h->envp)
        h->envp = gt_xcalloc(1, sizeof *h->envp);
    return 0;
fail:
    hook_release(h);
    return r;
}

/* Unknown kinds are ignored (the spec's rule for unknown members); the
 * known ones must be arrays of well-formed hooks. */
int gt_hooks_validate(const json_t *hooks, struct gt_error *err)
{
    if (!hooks || json_is_null(hooks))
        return 0;
    if (!json_is_object(hooks))
        return gt_err(err, EINVAL, "hooks: expected an object, got %s", gt_json_type_name(hooks));
    for (size_t k = 0; k < NKINDS; k++) {
        json_t *arr;
        int r = gt_json_get_arr(hooks, kind_names[k], "hooks", GT_JSON_OPTIONAL, &arr, err);
        if (r < 0)
            return r;
        if (r == 1)
            continue;
        for (size_t i = 0; i < json_array_size(arr); i++) {
            char p[64];
            snprintf(p, sizeof p, "hooks.%s[%zu]", kind_names[k], i);
            struct hook h;
            if ((r = parse_hook(json_array_get(arr, i), p, &h, err)) < 0)
                return r;
            hook_release(&h);
        }
    }
    return 0;
}

/* Between fork and execve: async-signal-safe calls only. */
static __attribute__((noreturn)) void exec_child(const struct hook *h, int in, int out, int errfd,
                                                 int report)
{
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    for (int s = 1; s < NSIG; s++)
        if (s != SIGKILL && s != SIGSTOP)
            signal(s, SIG_DFL);
    setpgid(0, 0); /* so that a timeout kills what the hook started too */
    if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(errfd, 2) < 0)
        goto fail;
    syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
    execve(h->path, h->argv, h->envp);
fail:;
    int e = errno;
    (void)!write(report, &e, sizeof e);
    _exit(127);
}

struct buf {
    char *data;
    size_t len, cap;
};

static void buf_read(int *fd, struct buf *b, size_t max)
{
    char tmp[4096];
    for (;;) {
        ssize_t n = read(*fd, tmp, sizeof tmp);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0 || errno != EAGAIN) {
                close(*fd);
                *fd = -1;
            }
            return;
        }
        size_t keep = b->len < max ? (size_t)n : 0;
        if (keep > max - b->len)
            keep = max - b->len;
        if (keep) {
            if (b->len + keep + 1 > b->cap) {
                b->cap = b->len + keep + 1 + 1024;
                b->data = gt_xrealloc(b->data, b->cap);
            }
            memcpy(b->data + b->len, tmp, keep);
            b->len += keep;
            b->data[b->len] = '\0';
        }
    }
}

/* Runs one hook; label is "hook prestart[0] /path". */
static int run_hook(const struct hook *h, const char *label, const char *state,
                    struct gt_error *err)
{
    int in[2] = { -1, -1 }, out[2] = { -1, -1 }, errp[2] = { -1, -1 }, rep[2] = { -1, -1 };
    int r = 0;
    if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 ||
        pipe2(rep, O_CLOEXEC) < 0) {
        r = gt_err_sys(err, errno, "%s: pipe", label);
        goto close_all;
    }
    /* a hook that exits without reading its stdin must not kill us */
    sigset_t pipe_set, old_mask, pending;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask);
    sigpending(&pending);
    bool pipe_was_pending = sigismember(&pending, SIGPIPE);

    pid_t pid = fork();
    if (pid < 0) {
        r = gt_err_sys(err, errno, "%s: fork", label);
        pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
        goto close_all;
    }
    if (pid == 0)
        exec_child(h, in[0], out[1], errp[1], rep[1]);
    close(in[0]);
    close(out[1]);
    close(errp[1]);
    close(rep[1]);
    in[0] = out[1] = errp[1] = rep[1] = -1;
    setpgid(pid, pid); /* also here, to win the race with the timeout */

    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    fcntl(in[1], F_SETFL, O_NONBLOCK);
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    fcntl(errp[0], F_SETFL, O_NONBLOCK);
    const char *data = state ? state : "";
    size_t left = strlen(data);
    if (left == 0) {
        close(in[1]);
        in[1] = -1;
    }
    struct buf ebuf = { 0 }, obuf = { 0 };
    int64_t deadline = h->timeout > 0 ? gt_clock_ms() + h->timeout * 1000 : -1;
    bool exited = false, timed_out = false, got_epipe = false;
    while (!exited) {
        struct pollfd pf[4];
        int n = 0;
        int i_in = -1, i_out = -1, i_err = -1, i_pid = -1;
        if (in[1] >= 0)
            pf[i_in = n++] = (struct pollfd){ in[1], POLLOUT, 0 };
        if (out[0] >= 0)
            pf[i_out = n++] = (struct pollfd){ out[0], POLLIN, 0 };
        if (errp[0] >= 0)
            pf[i_err = n++] = (struct pollfd){ errp[0], POLLIN, 0 };
        if (pidfd >= 0)
            pf[i_pid = n++] = (struct pollfd){ pidfd, POLLIN, 0 };
        int wait_ms = 100; /* without a pidfd (kernel < 5.3), poll waitpid */
        if (pidfd >= 0)
            wait_ms = -1;
        if (deadline >= 0) {
            int64_t rem = deadline - gt_clock_ms();
            if (rem <= 0) {
                timed_out = true;
                kill(-pid, SIGKILL);
                kill(pid, SIGKILL);
                break;
            }
            if (wait_ms < 0 || rem < wait_ms)
                wait_ms = (int)rem;
        }
        int pr = poll(pf, (nfds_t)n, wait_ms);
        if (pr < 0 && errno != EINTR) {
            r = gt_err_sys(err, errno, "%s: poll", label);
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            break;
        }
        if (pr <= 0) {
            siginfo_t si = { 0 };
            if (pidfd < 0 && waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
                si.si_pid == pid)
                exited = true;
            continue;
        }
        if (i_in >= 0 && pf[i_in].revents) {
            ssize_t w = write(in[1], data, left);
            if (w > 0) {
                data += w;
                left -= (size_t)w;
            }
            if ((w < 0 && errno != EAGAIN && errno != EINTR) || left == 0) {
                if (w < 0 && errno == EPIPE)
                    got_epipe = true;
                close(in[1]);
                in[1] = -1;
            }
        }
        if (i_out >= 0 && pf[i_out].revents)
            buf_read(&out[0], &obuf, 4096);
        if (i_err >= 0 && pf[i_err].revents)
            buf_read(&errp[0], &ebuf, 65536);
        if (i_pid >= 0 && pf[i_pid].revents)
            exited = true;
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    /* what the hook wrote before it ended (not waiting for descendants
     * that may hold the pipes) */
    if (errp[0] >= 0)
        buf_read(&errp[0], &ebuf, 65536);
    if (pidfd >= 0)
        close(pidfd);
    if (got_epipe && !pipe_was_pending) {
        struct timespec zero = { 0, 0 };
        sigtimedwait(&pipe_set, NULL, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old_mask, NULL);

    int exec_errno = 0;
    if (read(rep[0], &exec_errno, sizeof exec_errno) != (ssize_t)sizeof exec_errno)
        exec_errno = 0;
    char first[256] = "";
    if (ebuf.data) {
        const char *s = ebuf.data;
        size_t len = strcspn(s, "\n");
        if (len >= sizeof first)
            len = sizeof first - 1;
        memcpy(first, s, len);
        first[len] = '\0';
        if (ebuf.len)
            gt_debug("%s stderr: %s", label, ebuf.data);
    }
    const char *sep = first[0] ? ": " : "";
    if (r < 0) {
        /* poll failed: already reported */
    } else if (exec_errno) {
        r = gt_err_sys(err, exec_errno, "%s: exec", label);
    } else if (timed_out) {
        r = gt_err(err, ETIMEDOUT, "%s: hook timeout: still running after %" PRId64
                   "s, killed%s%s", label, h->timeout, sep, first);
    } else if (WIFSIGNALED(st)) {
        char name[32];
        r = gt_err(err, EINTR, "%s: killed by %s%s%s", label,
                   gt_signal_name(WTERMSIG(st), name, sizeof name) ?: "a signal", sep, first);
    } else if (WIFEXITED(st) && WEXITSTATUS(st) != 0) {
        r = gt_err(err, EIO, "%s: exited with status %d%s%s", label, WEXITSTATUS(st), sep, first);
    }
    free(ebuf.data);
    free(obuf.data);
close_all:;
    int *fds[] = { in, out, errp, rep };
    for (size_t i = 0; i < 4; i++)
        for (int k = 0; k < 2; k++)
            if (fds[i][k] >= 0)
                close(fds[i][k]);
    return r;
}

int gt_hooks_run(const json_t *hooks, enum gt_hook_kind kind, const char *state_json,
                 struct gt_error *err)
{
    if (!hooks || json_is_null(hooks))
        return 0;
    if ((unsigned)kind >= NKINDS)
        return gt_err(err, EINVAL, "hooks: unknown kind %d", (int)kind);
    json_t *arr;
    int r = gt_json_get_arr(hooks, kind_names[kind], "hooks", GT_JSON_OPTIONAL, &arr, err);
    if (r)
        return r < 0 ? r : 0;
    for (size_t i = 0; i < json_array_size(arr); i++) {
        char p[64];
        snprintf(p, sizeof p, "hooks.%s[%zu]", kind_names[kind], i);
        struct hook h;
        if ((r = parse_hook(json_array_get(arr, i), p, &h, err)) < 0)
            return r;
        cleanup_free char *label = gt_xasprintf("hook %s[%zu] %s", kind_names[kind], i, h.path);
        r = run_hook(&h, label, state_json, err);
        hook_release(&h);
        if (r < 0)
            return r;
    }
    return 0;
}
