/* The engine's side of the monitor's control socket (engine/monitor.h):
 * requests, frames, the stdin/stdout pump; and attach and resize. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/log.h"
#include "base/mem.h"
#include "engine/internal.h"
#include "engine/monitor.h"

/* Reads exactly len bytes; 0 at a clean EOF before the first byte. */
static int read_exact(int fd, void *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = recv(fd, (char *)buf + got, len - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            return got ? -EPIPE : 0;
        got += (size_t)n;
    }
    return 1;
}

int eng_mon_read_frame(int fd, int *type, char **data, uint32_t *len)
{
    unsigned char h[GT_MON_HDR];
    int r = read_exact(fd, h, sizeof h);
    if (r <= 0)
        return r;
    *type = h[0];
    *len = gt_mon_hdr_len(h);
    if (*len > (64u << 20))
        return -EPROTO;
    *data = gt_xmalloc(*len + 1);
    if (*len && (r = read_exact(fd, *data, *len)) <= 0) {
        free(*data);
        *data = NULL;
        return r < 0 ? r : -EPIPE;
    }
    (*data)[*len] = '\0';
    return 1;
}

static int mon_connect(struct container *c, struct gt_error *err)
{
    /* the socket's path can be longer than sun_path allows: go through
     * the directory's fd */
    cleanup_close int dfd = open(c->xdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return gt_err_sys(err, errno, "open %s", c->xdir);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return gt_err_sys(err, errno, "socket");
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof sa.sun_path, "/proc/self/fd/%d/attach.sock", dfd);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        int en = errno;
        close(fd);
        return gt_err_sys(err, en == ENOENT || en == ECONNREFUSED ? ESRCH : en,
                          "connect to the monitor of container %s", c->id);
    }
    return fd;
}

int eng_mon_request(struct container *c, const char *req, char **reply, struct gt_error *err)
{
    int fd = mon_connect(c, err);
    if (fd < 0)
        return fd;
    char line[GT_MON_REQ_MAX];
    int n = snprintf(line, sizeof line, "%s\n", req);
    if (gt_write_all(fd, line, (size_t)n) < 0) {
        int en = errno;
        close(fd);
        return gt_err_sys(err, en, "write to the monitor of container %s", c->id);
    }
    int type;
    char *data = NULL;
    uint32_t len;
    int r = eng_mon_read_frame(fd, &type, &data, &len);
    if (r <= 0) {
        close(fd);
        return gt_err(err, r == 0 ? ESRCH : -r, "the monitor of container %s closed the connection",
                      c->id);
    }
    if (type == GT_MON_ERROR) {
        close(fd);
        r = gt_err(err, strstr(data, "not running") ? ESRCH : EIO, "%s", data);
        free(data);
        return r;
    }
    if (type != GT_MON_OK) {
        close(fd);
        free(data);
        return gt_err(err, EPROTO, "monitor of container %s: unexpected frame %d", c->id, type);
    }
    if (reply)
        *reply = data;
    else
        free(data);
    return fd;
}

int eng_mon_pump(int fd, int in_fd, int cancel_fd, gt_engine_emit_fn emit, void *ctx,
             int *exit_code, bool *got_exit)
{
    bool in_open = in_fd >= 0;
    bool cancel_sock = false;
    if (cancel_fd >= 0 && cancel_fd != in_fd) {
        struct stat st;
        cancel_sock = fstat(cancel_fd, &st) == 0 && S_ISSOCK(st.st_mode);
    }
    *got_exit = false;
    for (;;) {
        struct pollfd p[3];
        int n = 0;
        p[n++] = (struct pollfd){ fd, POLLIN, 0 };
        int in_slot = -1, cancel_slot = -1;
        if (in_open) {
            in_slot = n;
            p[n++] = (struct pollfd){ in_fd, POLLIN, 0 };
        }
        if (cancel_fd >= 0 && cancel_fd != in_fd) {
            cancel_slot = n;
            p[n++] = (struct pollfd){ cancel_fd, cancel_sock ? POLLRDHUP : POLLIN, 0 };
        }
        int r = poll(p, (nfds_t)n, -1);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (cancel_slot >= 0 && (p[cancel_slot].revents &
                                 (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL | (cancel_sock ? 0 : POLLIN))))
            return -ECANCELED;
        if (in_slot >= 0 && p[in_slot].revents) {
            char buf[32768];
            ssize_t got = read(in_fd, buf, sizeof buf);
            if (got < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            if (got <= 0) {
                in_open = false;
                shutdown(fd, SHUT_WR); /* the end of stdin */
            } else if (gt_write_all(fd, buf, (size_t)got) < 0) {
                in_open = false;
            }
        }
        if (p[0].revents) {
            int type;
            char *data = NULL;
            uint32_t len;
            r = eng_mon_read_frame(fd, &type, &data, &len);
            if (r <= 0)
                return r;
            if (type == GT_MON_EXIT) {
                *exit_code = atoi(data);
                *got_exit = true;
                free(data);
                return 0;
            }
            int rc = 0;
            if ((type == GT_MON_STDOUT || type == GT_MON_STDERR) && emit)
                rc = emit(ctx, type, data, len, 0);
            else if (type == GT_MON_ERROR && emit) {
                char *msg = gt_xasprintf("%s\n", data);
                rc = emit(ctx, GT_MON_STDERR, msg, strlen(msg), 0);
                free(msg);
            }
            free(data);
            if (rc < 0)
                return -ECANCELED;
        }
    }
}

/* ---- attach ---- */

int gt_engine_container_attach(struct gt_engine *e, const char *ref,
                               const struct gt_attach_options *o, int in_fd,
                               gt_engine_emit_fn emit, void *ctx, int cancel_fd,
                               struct gt_error *err)
{
    struct container *c;
    int r = eng_ctr_find(e, ref, &c, err);
    if (r < 0)
        return r;
    pthread_mutex_lock(&c->lock);
    enum ctr_status st = c->status;
    pthread_mutex_unlock(&c->lock);
    if (st == ST_PAUSED) {
        eng_ctr_unref(c);
        return gt_err(err, EBUSY, "container %s is paused, unpause the container before attach", ref);
    }
    if (st == ST_RESTARTING) {
        eng_ctr_unref(c);
        return gt_err(err, EBUSY, "container %s is restarting, wait until the container is running", ref);
    }
    struct gt_attach_options opt = *o;
    if (opt.registered && (!opt.stream || opt.logs)) {
        /* nothing to hook before the replay: answer now */
        opt.registered(ctx);
        opt.registered = NULL;
    }
    o = &opt;
    if (o->logs) {
        struct gt_logs_options lo = { .want_stdout = o->want_stdout, .want_stderr = o->want_stderr,
                                      .tail = -1 };
        r = eng_logs_read(e, c, &lo, emit, ctx, cancel_fd, err);
        if (r < 0 || !o->stream) {
            eng_ctr_unref(c);
            return r;
        }
    }
    if (!o->stream) {
        eng_ctr_unref(c);
        return 0;
    }
    int flags = (o->want_stdin && in_fd >= 0 ? GT_MON_F_STDIN : 0) |
                (o->want_stdout ? GT_MON_F_STDOUT : 0) | (o->want_stderr ? GT_MON_F_STDERR : 0);
    char req[64];
    snprintf(req, sizeof req, "attach %d", flags);
    /* not running: wait for the next start, and connect while the monitor
     * holds the process back (no output is lost) */
    pthread_mutex_lock(&c->lock);
    bool pending = false;
    if (c->status != ST_RUNNING) {
        pending = true;
        c->pending_attach++;
        uint64_t gen = c->start_gen;
        /* counted: the next start waits for us, so we are hooked */
        if (o->registered) {
            pthread_mutex_unlock(&c->lock);
            o->registered(ctx);
            pthread_mutex_lock(&c->lock);
        }
        while (!c->mon_ready && c->start_gen == gen && !c->removed && !e->stopping) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 100000000;
            if (ts.tv_nsec >= 1000000000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000;
            }
            pthread_cond_timedwait(&c->cond, &c->lock, &ts);
            pthread_mutex_unlock(&c->lock);
            bool gone = eng_cancelled(cancel_fd, in_fd);
            pthread_mutex_lock(&c->lock);
            if (gone) {
                c->pending_attach--;
                pthread_cond_broadcast(&c->cond);
                pthread_mutex_unlock(&c->lock);
                eng_ctr_unref(c);
                return gt_err(err, ECANCELED, "attach: the client went away");
            }
        }
        if (c->removed || e->stopping || (!c->mon_ready && c->status != ST_RUNNING)) {
            c->pending_attach--;
            pthread_cond_broadcast(&c->cond);
            pthread_mutex_unlock(&c->lock);
            eng_ctr_unref(c);
            return 0; /* it ended (or went) without a run to attach to */
        }
    }
    pthread_mutex_unlock(&c->lock);
    struct gt_error cerr = { 0 };
    int fd = eng_mon_request(c, req, NULL, &cerr);
    if (pending) {
        pthread_mutex_lock(&c->lock);
        c->pending_attach--;
        pthread_cond_broadcast(&c->cond);
        pthread_mutex_unlock(&c->lock);
    }
    if (fd < 0) {
        eng_ctr_unref(c);
        if (cerr.code == ESRCH)
            return 0; /* it exited meanwhile: nothing more to stream */
        *err = cerr;
        return -cerr.code;
    }
    if (!pending && o->registered)
        o->registered(ctx);
    int code;
    bool got;
    r = eng_mon_pump(fd, (flags & GT_MON_F_STDIN) ? in_fd : -1, cancel_fd, emit, ctx, &code, &got);
    close(fd);
    eng_ctr_unref(c);
    if (r == -ECANCELED)
        return gt_err(err, ECANCELED, "attach: the client went away");
    if (r < 0)
        return gt_err(err, -r, "attach: the monitor's stream failed");
    return 0;
}

int gt_engine_container_resize(struct gt_engine *e, const char *ref, unsigned height,
                               unsigned width, struct gt_error *err)
{
    struct container *c;
    int r = eng_ctr_find(e, ref, &c, err);
    if (r < 0)
        return r;
    pthread_mutex_lock(&c->lock);
    bool running = eng_ctr_is_running(c);
    pthread_mutex_unlock(&c->lock);
    if (!running) {
        eng_ctr_unref(c);
        return gt_err(err, EBUSY, "Container %s is not running", c->id);
    }
    char req[64];
    snprintf(req, sizeof req, "resize %u %u", height, width);
    int fd = eng_mon_request(c, req, NULL, err);
    eng_ctr_unref(c);
    if (fd < 0)
        return fd == -ESRCH ? gt_err(err, EBUSY, "Container %s is not running", ref) : fd;
    close(fd);
    return 0;
}
