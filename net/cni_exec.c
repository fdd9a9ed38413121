#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/clock.h"
#include "base/mem.h"
#include "net/cni.h"

/* Output beyond this is a misbehaving plugin; keep the start. */
#define MAX_OUTPUT (4 << 20)

struct outbuf {
    char *p;
    size_t n, cap;
};

static void out_append(struct outbuf *b, const char *d, size_t n)
{
    if (b->n + n > MAX_OUTPUT)
        n = MAX_OUTPUT - b->n;
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->p = gt_xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, d, n);
    b->n += n;
    b->p[b->n] = '\0';
}

int gt_cni_exec(const char *path, char *const env[], const char *input, int timeout_ms,
                struct gt_cni_exec_result *res, struct gt_error *err)
{
    memset(res, 0, sizeof *res);
    int in[2] = { -1, -1 }, out[2] = { -1, -1 }, er[2] = { -1, -1 };
    if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(er, O_CLOEXEC) < 0) {
        int e = errno;
        for (int i = 0; i < 2; i++) {
            if (in[i] >= 0) close(in[i]);
            if (out[i] >= 0) close(out[i]);
            if (er[i] >= 0) close(er[i]);
        }
        return gt_err_sys(err, e, "pipe");
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, er[1], 2);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
    pid_t pid;
    char *argv[] = { (char *)path, NULL };
    int r = posix_spawn(&pid, path, &fa, &attr, argv, env);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    close(in[0]);
    close(out[1]);
    close(er[1]);
    if (r) {
        close(in[1]);
        close(out[0]);
        close(er[0]);
        return gt_err_sys(err, r, "run %s", path);
    }

    /* A plugin that exits without reading its stdin must not kill us with
     * SIGPIPE: block it in this thread and drop a pending one after. */
    sigset_t pipeset, old;
    sigemptyset(&pipeset);
    sigaddset(&pipeset, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipeset, &old);

    struct outbuf ob = { 0 }, eb = { 0 };
    out_append(&ob, "", 0);
    out_append(&eb, "", 0);
    size_t inlen = input ? strlen(input) : 0, inoff = 0;
    fcntl(in[1], F_SETFL, O_NONBLOCK);
    if (inlen == 0) {
        close(in[1]);
        in[1] = -1;
    }
    int64_t deadline = gt_clock_ms() + (timeout_ms > 0 ? timeout_ms : 60000);
    bool timed_out = false;
    while (out[0] >= 0 || er[0] >= 0) {
        struct pollfd p[3] = { { out[0], POLLIN, 0 }, { er[0], POLLIN, 0 }, { in[1], POLLOUT, 0 } };
        int64_t left = deadline - gt_clock_ms();
        if (left <= 0) {
            timed_out = true;
            break;
        }
        int pr = poll(p, 3, (int)(left > 1000 ? 1000 : left));
        if (pr < 0 && errno != EINTR)
            break;
        if (pr <= 0)
            continue;
        if (in[1] >= 0 && (p[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
            ssize_t w = write(in[1], input + inoff, inlen - inoff);
            if (w > 0)
                inoff += (size_t)w;
            if ((w < 0 && errno != EAGAIN && errno != EINTR) || inoff == inlen) {
                close(in[1]);
                in[1] = -1;
            }
        }
        for (int i = 0; i < 2; i++) {
            int *fd = i == 0 ? &out[0] : &er[0];
            if (*fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char buf[8192];
            ssize_t n = read(*fd, buf, sizeof buf);
            if (n > 0)
                out_append(i == 0 ? &ob : &eb, buf, (size_t)n);
            else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
                close(*fd);
                *fd = -1;
            }
        }
    }
    if (in[1] >= 0)
        close(in[1]);
    if (out[0] >= 0)
        close(out[0]);
    if (er[0] >= 0)
        close(er[0]);
    struct timespec zero = { 0, 0 };
    while (sigtimedwait(&pipeset, NULL, &zero) > 0)
        ;
    pthread_sigmask(SIG_SETMASK, &old, NULL);

    if (timed_out)
        kill(pid, SIGKILL);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (timed_out) {
        free(ob.p);
        free(eb.p);
        return gt_err(err, ETIMEDOUT, "%s: killed after %d ms", path,
                      timeout_ms > 0 ? timeout_ms : 60000);
    }
    res->status = st;
    res->out = ob.p;
    res->errtext = eb.p;
    return 0;
}

void gt_cni_exec_result_release(struct gt_cni_exec_result *res)
{
    free(res->out);
    free(res->errtext);
    res->out = res->errtext = NULL;
}
