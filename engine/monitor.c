/* The monitor process: see engine/monitor.h for what it does and the
 * protocol.  Single-threaded, one poll() loop; links base/ and libc only,
 * so that its resident size stays small (it exists once per container). */
#include "engine/monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "base/fs.h"
#include "base/log.h"
#include "base/mem.h"
#include "engine/jsonlog.h"

#define OUT_MAX (8u << 20)  /* a client that lags this far behind is dropped */
#define IN_MAX (256u << 10) /* stdin buffered towards a process */
#define DRAIN_MS 2000       /* output read after the init exits */
#define EXEC_DRAIN_MS 500   /* output read after an exec'd process exits */

struct buf {
    char *d;
    size_t len, cap;
};

static void buf_add(struct buf *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        size_t c = b->cap ? b->cap : 4096;
        while (c < b->len + n)
            c *= 2;
        b->d = gt_xrealloc(b->d, c);
        b->cap = c;
    }
    memcpy(b->d + b->len, p, n);
    b->len += n;
}

static void buf_consume(struct buf *b, size_t n)
{
    memmove(b->d, b->d + n, b->len - n);
    b->len -= n;
}

static void buf_free(struct buf *b)
{
    free(b->d);
    memset(b, 0, sizeof *b);
}

/* A process's stdio as the monitor holds it. */
struct stdio {
    int in_fd;  /* its stdin (pipe write end, or the pty master); -1: none */
    int out_fd; /* stdout pipe read end, or the pty master */
    int err_fd; /* stderr pipe read end; -1 with a pty */
    bool tty;
    struct buf in;
    bool in_close; /* close in_fd once `in` is written */
};

enum client_kind { C_REQ, C_ATTACH, C_EXEC, C_DONE };

struct session;

struct client {
    int fd;
    enum client_kind kind;
    char req[GT_MON_REQ_MAX];
    size_t req_len;
    int flags;
    bool in_eof;
    bool closing; /* close once `out` is written */
    struct buf out;
    struct session *ex;
    struct client *next;
};

struct session {
    int id;
    pid_t pid;
    bool exited;
    int code;
    int64_t deadline;
    struct stdio io;
    struct client *client;
    struct session *next;
};

struct orphan {
    pid_t pid;
    int status;
};

struct mon {
    const char *id, *runtime, *root, *dir, *log_path;
    int64_t log_max_size;
    int log_max_files;
    bool tty, stdin_open, stdin_once;
    int sync_fd, sig_fd, listen_fd, console_fd;
    pid_t init_pid;
    bool started, init_exited;
    int init_status;
    int64_t exit_ns, deadline;
    struct stdio io;
    struct gt_jsonlog_writer log;
    int cg_fd;
    bool cg_v2;
    uint64_t oom_before;
    struct client *clients;
    struct session *sessions;
    int next_session;
    struct orphan orphans[64];
    unsigned n_orphans;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t now_ns_real(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void sync_send(struct mon *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sync_send(struct mon *m, const char *fmt, ...)
{
    if (m->sync_fd < 0)
        return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof msg)
        n = sizeof msg - 1;
    while (send(m->sync_fd, msg, (size_t)n, MSG_NOSIGNAL) < 0 && errno == EINTR)
        ;
}

/* ---- the runtime ---- */

/* Runs the runtime with args (after the global options), stdio from fds
 * (-1: /dev/null).  Returns the child's pid or -errno. */
static pid_t runtime_spawn(struct mon *m, const char *const *args, int in, int out, int errfd)
{
    const char *argv[32];
    size_t n = 0;
    argv[n++] = m->runtime;
    argv[n++] = "--root";
    argv[n++] = m->root;
    argv[n++] = "--log";
    argv[n++] = "runtime.log";
    argv[n++] = "--log-format";
    argv[n++] = "json";
    for (size_t i = 0; args[i] && n < 31; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    pid_t pid = fork();
    if (pid < 0)
        return -errno;
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        int fds[3] = { in, out, errfd };
        /* move the fds above 2 first, so that dup2 never clobbers one */
        for (int i = 0; i < 3; i++)
            if (fds[i] < 0)
                fds[i] = null;
            else
                fds[i] = fcntl(fds[i], F_DUPFD, 3);
        for (int i = 0; i < 3; i++)
            if (fds[i] < 0 || dup2(fds[i], i) < 0)
                _exit(127);
        sigset_t all;
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
        signal(SIGPIPE, SIG_DFL);
        execv(m->runtime, (char *const *)argv);
        _exit(127);
    }
    return pid;
}

static int wait_child(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    return 128 + WTERMSIG(st);
}

/* The message of the last error the runtime logged (runtime.log holds
 * JSON lines with "level" and "msg"), or a generic one. */
static void runtime_error(const char *what, int status, char *out, size_t outsz)
{
    snprintf(out, outsz, "runtime %s exited with status %d", what, status);
    char *data = NULL;
    size_t len;
    if (gt_read_file("runtime.log", 1 << 20, &data, &len, NULL) < 0)
        return;
    char *line = data, *found = NULL;
    while (line && *line) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        if (strstr(line, "\"level\":\"error\"") || strstr(line, "\"level\":\"fatal\""))
            found = line;
        line = nl ? nl + 1 : NULL;
    }
    char *p = found ? strstr(found, "\"msg\":\"") : NULL;
    if (p) {
        p += 7;
        size_t o = 0;
        for (; *p && *p != '"' && o + 1 < outsz; p++) {
            if (*p == '\\' && p[1]) {
                p++;
                switch (*p) {
                case 'n': out[o++] = ' '; break;
                case 't': out[o++] = ' '; break;
                case 'u': p += 4; break; /* \u00XX: dropped */
                default: out[o++] = *p;
                }
                continue;
            }
            out[o++] = *p;
        }
        out[o] = '\0';
    }
    free(data);
}

static int runtime_run(struct mon *m, const char *const *args)
{
    pid_t pid = runtime_spawn(m, args, -1, -1, -1);
    if (pid < 0)
        return pid;
    return wait_child(pid);
}

/* Accepts the runtime's connection on a console socket and receives the
 * pty master, while watching the runtime (pid) in case it fails first. */
static int recv_console(int listen_fd, pid_t pid, int *master)
{
    int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
    int64_t end = now_ms() + 60000;
    for (;;) {
        struct pollfd p[2] = { { listen_fd, POLLIN, 0 }, { pfd, POLLIN, 0 } };
        int r = poll(p, pfd >= 0 ? 2 : 1, 200);
        if (r < 0 && errno != EINTR)
            break;
        if (r > 0 && (p[0].revents & POLLIN)) {
            int c = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
            if (c < 0)
                continue;
            char byte[256];
            char cbuf[CMSG_SPACE(sizeof(int))];
            struct iovec iov = { byte, sizeof byte };
            struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
                                  .msg_controllen = sizeof cbuf };
            ssize_t n = recvmsg(c, &msg, MSG_CMSG_CLOEXEC);
            close(c);
            struct cmsghdr *cm = n >= 0 ? CMSG_FIRSTHDR(&msg) : NULL;
            if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
                memcpy(master, CMSG_DATA(cm), sizeof(int));
                if (pfd >= 0)
                    close(pfd);
                return 0;
            }
            continue;
        }
        if (pfd >= 0 && r > 0 && (p[1].revents & POLLIN))
            break; /* the runtime ended without sending a console */
        if (now_ms() > end)
            break;
    }
    if (pfd >= 0)
        close(pfd);
    return -1;
}

static int listen_unix(const char *name)
{
    unlink(name);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", name);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 64) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static pid_t read_pid_file(const char *name)
{
    char *data = NULL;
    if (gt_read_file(name, 64, &data, NULL, NULL) < 0)
        return -1;
    long v = strtol(data, NULL, 10);
    free(data);
    return v > 0 ? (pid_t)v : -1;
}

/* ---- OOM kills, from the memory cgroup of the init ---- */

static void cgroup_open(struct mon *m)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/cgroup", (int)m->init_pid);
    char *data = NULL;
    if (gt_read_file(path, 1 << 16, &data, NULL, NULL) < 0)
        return;
    char *v1 = NULL, *v2 = NULL;
    char *sv = NULL;
    for (char *line = strtok_r(data, "\n", &sv); line; line = strtok_r(NULL, "\n", &sv)) {
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2)
            continue;
        *c2 = '\0';
        const char *ctrls = c1 + 1, *p = c2 + 1;
        if (!strcmp(line, "0") && !*ctrls)
            v2 = (char *)p;
        else
            for (const char *s = ctrls; s && *s;) {
                if (!strncmp(s, "memory", 6) && (s[6] == ',' || !s[6]))
                    v1 = (char *)p;
                s = strchr(s, ',');
                if (s)
                    s++;
            }
    }
    char dir[4096];
    if (v1) {
        snprintf(dir, sizeof dir, "/sys/fs/cgroup/memory%s", v1);
        m->cg_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    } else if (v2 && gt_path_exists("/sys/fs/cgroup/cgroup.controllers")) {
        snprintf(dir, sizeof dir, "/sys/fs/cgroup%s", v2);
        m->cg_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        m->cg_v2 = true;
    }
    free(data);
}

static uint64_t oom_count(struct mon *m)
{
    if (m->cg_fd < 0)
        return 0;
    char *data = NULL;
    if (gt_read_file_at(m->cg_fd, m->cg_v2 ? "memory.events" : "memory.oom_control", 1 << 16,
                        &data, NULL, NULL) < 0)
        return 0;
    uint64_t n = 0;
    const char *p = strstr(data, "oom_kill ");
    if (p)
        n = strtoull(p + 9, NULL, 10);
    free(data);
    return n;
}

/* ---- clients ---- */

static void client_frame(struct client *c, int type, const void *data, size_t len)
{
    if (c->kind == C_DONE)
        return;
    unsigned char h[GT_MON_HDR];
    gt_mon_hdr(h, type, (uint32_t)len);
    buf_add(&c->out, h, sizeof h);
    if (len)
        buf_add(&c->out, data, len);
    if (c->out.len > OUT_MAX) {
        gt_warn("client on fd %d lags behind; dropped", c->fd);
        c->kind = C_DONE;
    }
}

static void client_flush(struct client *c)
{
    while (c->out.len && c->kind != C_DONE) {
        ssize_t n = send(c->fd, c->out.d, c->out.len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            buf_consume(&c->out, (size_t)n);
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        c->kind = C_DONE; /* the client went away */
    }
}

static void client_reply(struct client *c, int type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void client_reply(struct client *c, int type, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    if ((size_t)n >= sizeof msg)
        n = sizeof msg - 1;
    client_frame(c, type, msg, (size_t)n);
}

static void stdio_release(struct stdio *io)
{
    if (io->in_fd >= 0 && io->in_fd != io->out_fd)
        close(io->in_fd);
    if (io->out_fd >= 0)
        close(io->out_fd);
    if (io->err_fd >= 0)
        close(io->err_fd);
    io->in_fd = io->out_fd = io->err_fd = -1;
    buf_free(&io->in);
}

/* The client's stdin ended. */
static void client_in_eof(struct mon *m, struct client *c)
{
    if (c->in_eof)
        return;
    c->in_eof = true;
    if (!(c->flags & GT_MON_F_STDIN))
        return;
    if (c->kind == C_ATTACH && m->stdin_once && !m->io.tty)
        m->io.in_close = true;
    else if (c->kind == C_EXEC && c->ex && !c->ex->io.tty)
        c->ex->io.in_close = true;
}

static void client_free(struct mon *m, struct client *c)
{
    client_in_eof(m, c);
    if (c->ex)
        c->ex->client = NULL;
    close(c->fd);
    buf_free(&c->out);
    free(c);
}

/* ---- exec ---- */

static struct session *session_find(struct mon *m, int id)
{
    for (struct session *s = m->sessions; s; s = s->next)
        if (s->id == id)
            return s;
    return NULL;
}

static void session_finish(struct mon *m, struct session *s)
{
    if (s->client) {
        client_reply(s->client, GT_MON_EXIT, "%d", s->code);
        s->client->closing = true;
        s->client->ex = NULL;
        s->client = NULL;
    }
    stdio_release(&s->io);
    struct session **pp = &m->sessions;
    while (*pp != s)
        pp = &(*pp)->next;
    *pp = s->next;
    free(s);
}

static int take_orphan(struct mon *m, pid_t pid, int *status)
{
    for (unsigned i = 0; i < m->n_orphans; i++)
        if (m->orphans[i].pid == pid) {
            *status = m->orphans[i].status;
            m->orphans[i] = m->orphans[--m->n_orphans];
            return 1;
        }
    return 0;
}

static int status_code(int st)
{
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    if (WIFSIGNALED(st))
        return 128 + WTERMSIG(st);
    return 255;
}

static void exec_start(struct mon *m, struct client *c, int flags, const char *process)
{
    if (m->init_exited || !m->started) {
        client_reply(c, GT_MON_ERROR, "container %s is not running", m->id);
        c->closing = true;
        return;
    }
    struct session *s = gt_xcalloc(1, sizeof *s);
    s->id = ++m->next_session;
    s->io.in_fd = s->io.out_fd = s->io.err_fd = -1;
    s->io.tty = flags & GT_MON_F_TTY;
    char pidfile[64], sockname[64];
    snprintf(pidfile, sizeof pidfile, "exec-%d.pid", s->id);
    snprintf(sockname, sizeof sockname, "exec-%d.sock", s->id);
    int in_r = -1, out_w = -1, err_w = -1, lfd = -1;
    int p[2];
    const char *args[16];
    size_t n = 0;
    args[n++] = "exec";
    args[n++] = "--detach";
    args[n++] = "--pid-file";
    args[n++] = pidfile;
    args[n++] = "--process";
    args[n++] = process;
    if (s->io.tty) {
        lfd = listen_unix(sockname);
        if (lfd < 0) {
            client_reply(c, GT_MON_ERROR, "console socket: %s", strerror(errno));
            goto fail;
        }
        args[n++] = "--console-socket";
        args[n++] = sockname;
    } else {
        if (flags & GT_MON_F_STDIN) {
            if (pipe2(p, O_CLOEXEC) < 0)
                goto fail_sys;
            in_r = p[0];
            s->io.in_fd = p[1];
        }
        if (pipe2(p, O_CLOEXEC) < 0)
            goto fail_sys;
        s->io.out_fd = p[0];
        out_w = p[1];
        if (pipe2(p, O_CLOEXEC) < 0)
            goto fail_sys;
        s->io.err_fd = p[0];
        err_w = p[1];
    }
    args[n++] = m->id;
    args[n] = NULL;
    unlink(pidfile);
    pid_t pid = runtime_spawn(m, args, in_r, out_w, err_w);
    if (in_r >= 0)
        close(in_r);
    if (out_w >= 0)
        close(out_w);
    if (err_w >= 0)
        close(err_w);
    in_r = out_w = err_w = -1;
    if (pid < 0) {
        client_reply(c, GT_MON_ERROR, "run %s: %s", m->runtime, strerror(-pid));
        goto fail;
    }
    if (s->io.tty) {
        int master = -1;
        if (recv_console(lfd, pid, &master) == 0) {
            s->io.in_fd = s->io.out_fd = master;
            set_nonblock(master);
        }
    }
    int st = wait_child(pid);
    if (lfd >= 0) {
        close(lfd);
        lfd = -1;
        unlink(sockname);
    }
    s->pid = st == 0 ? read_pid_file(pidfile) : -1;
    unlink(pidfile);
    if (st != 0 || s->pid <= 0) {
        char msg[1024];
        runtime_error("exec", st, msg, sizeof msg);
        client_reply(c, GT_MON_ERROR, "%s", msg);
        goto fail;
    }
    if (s->io.out_fd >= 0)
        set_nonblock(s->io.out_fd);
    if (s->io.err_fd >= 0)
        set_nonblock(s->io.err_fd);
    if (s->io.in_fd >= 0)
        set_nonblock(s->io.in_fd);
    c->kind = C_EXEC;
    c->flags = flags;
    c->ex = s;
    s->client = c;
    s->next = m->sessions;
    m->sessions = s;
    int status;
    if (take_orphan(m, s->pid, &status)) {
        s->exited = true;
        s->code = status_code(status);
        s->deadline = now_ms() + EXEC_DRAIN_MS;
    }
    client_reply(c, GT_MON_OK, "%d %d", (int)s->pid, s->id);
    if (c->in_eof)
        s->io.in_close = true;
    return;
fail_sys:
    client_reply(c, GT_MON_ERROR, "pipe: %s", strerror(errno));
fail:
    if (in_r >= 0)
        close(in_r);
    if (out_w >= 0)
        close(out_w);
    if (err_w >= 0)
        close(err_w);
    if (lfd >= 0) {
        close(lfd);
        unlink(sockname);
    }
    stdio_release(&s->io);
    free(s);
    c->closing = true;
}

/* ---- requests ---- */

static void handle_request(struct mon *m, struct client *c, char *line)
{
    char *save = NULL;
    char *verb = strtok_r(line, " ", &save);
    char *a1 = strtok_r(NULL, " ", &save);
    char *a2 = strtok_r(NULL, " ", &save);
    char *a3 = strtok_r(NULL, " ", &save);
    if (!verb) {
        client_reply(c, GT_MON_ERROR, "empty request");
        c->closing = true;
    } else if (!strcmp(verb, "attach") && a1) {
        c->kind = C_ATTACH;
        c->flags = atoi(a1);
        client_reply(c, GT_MON_OK, "%d", (int)m->init_pid);
        if (m->init_exited) {
            client_reply(c, GT_MON_EXIT, "%d", status_code(m->init_status));
            c->closing = true;
        }
    } else if (!strcmp(verb, "resize") && a2) {
        struct winsize ws = { .ws_row = (unsigned short)atoi(a1),
                              .ws_col = (unsigned short)atoi(a2) };
        if (!m->io.tty || m->io.out_fd < 0)
            client_reply(c, GT_MON_ERROR, "container %s has no tty", m->id);
        else if (ioctl(m->io.out_fd, TIOCSWINSZ, &ws) < 0)
            client_reply(c, GT_MON_ERROR, "resize: %s", strerror(errno));
        else
            client_frame(c, GT_MON_OK, NULL, 0);
        c->closing = true;
    } else if (!strcmp(verb, "kill") && a1) {
        int sig = atoi(a1);
        if (m->init_exited || m->init_pid <= 0)
            client_reply(c, GT_MON_ERROR, "container %s is not running", m->id);
        else if (kill(m->init_pid, sig) < 0)
            client_reply(c, GT_MON_ERROR, "kill %d: %s", (int)m->init_pid, strerror(errno));
        else
            client_frame(c, GT_MON_OK, NULL, 0);
        c->closing = true;
    } else if (!strcmp(verb, "exec") && a2) {
        exec_start(m, c, atoi(a1), a2);
    } else if (!strcmp(verb, "exec-resize") && a3) {
        struct session *s = session_find(m, atoi(a1));
        struct winsize ws = { .ws_row = (unsigned short)atoi(a2),
                              .ws_col = (unsigned short)atoi(a3) };
        if (!s || !s->io.tty || s->io.out_fd < 0)
            client_reply(c, GT_MON_ERROR, "exec session %s has no tty", a1);
        else if (ioctl(s->io.out_fd, TIOCSWINSZ, &ws) < 0)
            client_reply(c, GT_MON_ERROR, "resize: %s", strerror(errno));
        else
            client_frame(c, GT_MON_OK, NULL, 0);
        c->closing = true;
    } else if (!strcmp(verb, "exec-kill") && a2) {
        struct session *s = session_find(m, atoi(a1));
        if (!s || s->exited)
            client_reply(c, GT_MON_ERROR, "exec session %s is not running", a1);
        else if (kill(s->pid, atoi(a2)) < 0)
            client_reply(c, GT_MON_ERROR, "kill %d: %s", (int)s->pid, strerror(errno));
        else
            client_frame(c, GT_MON_OK, NULL, 0);
        c->closing = true;
    } else {
        client_reply(c, GT_MON_ERROR, "unknown request \"%s\"", verb);
        c->closing = true;
    }
}

/* Bytes from a client: its request line, then stdin. */
static void client_read(struct mon *m, struct client *c)
{
    char data[65536];
    ssize_t n = recv(c->fd, data, sizeof data, MSG_DONTWAIT);
    if (n < 0) {
        if (errno == EAGAIN || errno == EINTR)
            return;
        n = 0;
    }
    if (n == 0) {
        if (c->kind == C_REQ)
            c->kind = C_DONE;
        client_in_eof(m, c);
        return;
    }
    size_t off = 0;
    if (c->kind == C_REQ) {
        char *nl = memchr(data, '\n', (size_t)n);
        size_t take = nl ? (size_t)(nl - data) : (size_t)n;
        if (c->req_len + take >= sizeof c->req) {
            c->kind = C_DONE;
            return;
        }
        memcpy(c->req + c->req_len, data, take);
        c->req_len += take;
        if (!nl)
            return;
        c->req[c->req_len] = '\0';
        off = take + 1;
        handle_request(m, c, c->req);
    }
    if (off >= (size_t)n || !(c->flags & GT_MON_F_STDIN))
        return;
    struct stdio *io = c->kind == C_ATTACH ? &m->io : c->kind == C_EXEC && c->ex ? &c->ex->io : NULL;
    if (io && io->in_fd >= 0 && !io->in_close)
        buf_add(&io->in, data + off, (size_t)n - off);
}

static void stdin_write(struct stdio *io)
{
    while (io->in.len && io->in_fd >= 0) {
        ssize_t n = write(io->in_fd, io->in.d, io->in.len);
        if (n > 0) {
            buf_consume(&io->in, (size_t)n);
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        /* the process closed its stdin */
        buf_free(&io->in);
        if (io->in_fd != io->out_fd)
            close(io->in_fd);
        io->in_fd = -1;
    }
    if (io->in_close && !io->in.len && io->in_fd >= 0 && io->in_fd != io->out_fd) {
        close(io->in_fd);
        io->in_fd = -1;
    }
}

/* ---- output ---- */

static void container_output(struct mon *m, int stream, const char *data, size_t len)
{
    gt_jsonlog_write(&m->log, stream, data, len);
    int want = stream == 1 ? GT_MON_F_STDOUT : GT_MON_F_STDERR;
    for (struct client *c = m->clients; c; c = c->next)
        if (c->kind == C_ATTACH && (c->flags & want))
            client_frame(c, stream, data, len);
}

/* Reads what fd has; 0 when it ended (and was closed). */
static int read_output(int *fd, char *buf, size_t cap, ssize_t *got)
{
    ssize_t n = read(*fd, buf, cap);
    *got = n > 0 ? n : 0;
    if (n > 0)
        return 1;
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 1;
    return 0; /* EOF, or EIO from a pty whose other side closed */
}

static void drain_fd(struct mon *m, struct session *s, int *fd, int stream)
{
    char buf[65536];
    ssize_t got;
    int alive = read_output(fd, buf, sizeof buf, &got);
    if (got > 0) {
        if (!s)
            container_output(m, stream, buf, (size_t)got);
        else if (s->client) {
            int want = stream == 1 ? GT_MON_F_STDOUT : GT_MON_F_STDERR;
            if (s->client->flags & want)
                client_frame(s->client, stream, buf, (size_t)got);
        }
    }
    if (!alive) {
        struct stdio *io = s ? &s->io : &m->io;
        if (io->in_fd == *fd)
            io->in_fd = -1;
        close(*fd);
        *fd = -1;
    }
}

/* ---- children ---- */

static void reap(struct mon *m)
{
    for (;;) {
        int st;
        pid_t pid = waitpid(-1, &st, WNOHANG);
        if (pid <= 0)
            return;
        if (pid == m->init_pid) {
            m->init_exited = true;
            m->init_status = st;
            m->exit_ns = now_ns_real();
            m->deadline = now_ms() + DRAIN_MS;
            gt_debug("init %d exited with %d", (int)pid, status_code(st));
            continue;
        }
        bool known = false;
        for (struct session *s = m->sessions; s; s = s->next)
            if (s->pid == pid) {
                s->exited = true;
                s->code = status_code(st);
                s->deadline = now_ms() + EXEC_DRAIN_MS;
                known = true;
            }
        if (!known) {
            if (m->n_orphans == sizeof m->orphans / sizeof m->orphans[0])
                m->n_orphans--;
            m->orphans[m->n_orphans++] = (struct orphan){ pid, st };
        }
    }
}

/* ---- start-up and shut-down ---- */

static void write_exit(struct mon *m, bool oom)
{
    char when[40];
    gt_jsonlog_time(m->exit_ns, when);
    int sig = WIFSIGNALED(m->init_status) ? WTERMSIG(m->init_status) : 0;
    char data[256];
    int n = snprintf(data, sizeof data,
                     "{\"exit_code\":%d,\"signal\":%d,\"oom_killed\":%s,\"finished_at\":\"%s\"}\n",
                     status_code(m->init_status), sig, oom ? "true" : "false", when);
    struct gt_error err;
    if (gt_write_file_atomic("exit", data, (size_t)n, 0644, true, &err) < 0)
        gt_error("%s", err.msg);
}

static void cleanup_runtime(struct mon *m)
{
    const char *del[] = { "delete", m->id, NULL };
    if (runtime_run(m, del) != 0) {
        const char *force[] = { "delete", "--force", m->id, NULL };
        runtime_run(m, force);
    }
}

/* Writes what clients still have pending, for at most a second. */
static void flush_clients(struct mon *m)
{
    int64_t end = now_ms() + 1000;
    for (;;) {
        struct pollfd p[256];
        nfds_t n = 0;
        for (struct client *c = m->clients; c && n < 256; c = c->next) {
            client_flush(c);
            if (c->kind != C_DONE && c->out.len)
                p[n++] = (struct pollfd){ c->fd, POLLOUT, 0 };
        }
        int64_t left = end - now_ms();
        if (!n || left <= 0)
            return;
        poll(p, n, (int)left);
    }
}

static void finish(struct mon *m)
{
    gt_jsonlog_flush(&m->log);
    bool oom = oom_count(m) > m->oom_before;
    cleanup_runtime(m);
    write_exit(m, oom);
    while (m->sessions) {
        if (!m->sessions->exited)
            m->sessions->code = 137;
        session_finish(m, m->sessions);
    }
    for (struct client *c = m->clients; c; c = c->next)
        if (c->kind == C_ATTACH)
            client_reply(c, GT_MON_EXIT, "%d", status_code(m->init_status));
    flush_clients(m);
    while (m->clients) {
        struct client *c = m->clients;
        m->clients = c->next;
        client_free(m, c);
    }
    unlink("attach.sock");
    unlink("console.sock");
    gt_jsonlog_close(&m->log);
    stdio_release(&m->io);
    if (m->cg_fd >= 0)
        close(m->cg_fd);
    gt_info("container %s exited with %d%s", m->id, status_code(m->init_status),
            oom ? " (OOM)" : "");
}

/* Abandons a container that was created but not started. */
static void abort_created(struct mon *m)
{
    if (m->init_pid > 0 && !m->init_exited)
        kill(m->init_pid, SIGKILL);
    const char *force[] = { "delete", "--force", m->id, NULL };
    runtime_run(m, force);
    if (m->init_pid > 0 && !m->init_exited)
        waitpid(m->init_pid, NULL, 0);
    unlink("attach.sock");
    unlink("console.sock");
}

static int create_container(struct mon *m)
{
    int in_r = -1, out_w = -1, err_w = -1;
    int p[2];
    const char *args[16];
    size_t n = 0;
    args[n++] = "create";
    args[n++] = "--bundle";
    args[n++] = m->dir;
    args[n++] = "--pid-file";
    args[n++] = "init.pid";
    m->io.tty = m->tty;
    if (m->tty) {
        m->console_fd = listen_unix("console.sock");
        if (m->console_fd < 0) {
            sync_send(m, "error console socket %s/console.sock: %s", m->dir, strerror(errno));
            return -1;
        }
        args[n++] = "--console-socket";
        args[n++] = "console.sock";
    } else {
        if (m->stdin_open) {
            if (pipe2(p, O_CLOEXEC) < 0)
                goto fail_sys;
            in_r = p[0];
            m->io.in_fd = p[1];
        }
        if (pipe2(p, O_CLOEXEC) < 0)
            goto fail_sys;
        m->io.out_fd = p[0];
        out_w = p[1];
        if (pipe2(p, O_CLOEXEC) < 0)
            goto fail_sys;
        m->io.err_fd = p[0];
        err_w = p[1];
    }
    args[n++] = m->id;
    args[n] = NULL;
    unlink("init.pid");
    unlink("exit");
    pid_t pid = runtime_spawn(m, args, in_r, out_w, err_w);
    if (in_r >= 0)
        close(in_r);
    if (out_w >= 0)
        close(out_w);
    if (err_w >= 0)
        close(err_w);
    if (pid < 0) {
        sync_send(m, "error run %s: %s", m->runtime, strerror(-pid));
        return -1;
    }
    if (m->tty) {
        int master = -1;
        if (recv_console(m->console_fd, pid, &master) == 0)
            m->io.in_fd = m->io.out_fd = master;
    }
    int st = wait_child(pid);
    if (m->console_fd >= 0) {
        close(m->console_fd);
        m->console_fd = -1;
        unlink("console.sock");
    }
    if (st == 0)
        m->init_pid = read_pid_file("init.pid");
    if (st != 0 || m->init_pid <= 0) {
        char msg[1024];
        runtime_error("create", st, msg, sizeof msg);
        sync_send(m, "error %s", msg);
        const char *force[] = { "delete", "--force", m->id, NULL };
        runtime_run(m, force);
        return -1;
    }
    if (m->tty && m->io.out_fd < 0) {
        sync_send(m, "error the runtime sent no console");
        return -1;
    }
    for (int *fd = &m->io.in_fd; fd <= &m->io.err_fd; fd++)
        if (*fd >= 0)
            set_nonblock(*fd);
    cgroup_open(m);
    m->oom_before = oom_count(m);
    return 0;
fail_sys:
    sync_send(m, "error pipe: %s", strerror(errno));
    return -1;
}

static int start_container(struct mon *m)
{
    const char *args[] = { "start", m->id, NULL };
    int st = runtime_run(m, args);
    if (st != 0) {
        char msg[1024];
        runtime_error("start", st, msg, sizeof msg);
        sync_send(m, "error %s", msg);
        return -1;
    }
    m->started = true;
    sync_send(m, "started");
    close(m->sync_fd);
    m->sync_fd = -1;
    return 0;
}

/* The sync socket: "start", or the engine's end closing. */
static int sync_read(struct mon *m)
{
    char msg[64];
    ssize_t n = recv(m->sync_fd, msg, sizeof msg - 1, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
    if (n > 0) {
        msg[n] = '\0';
        if (!strcmp(msg, "start"))
            return start_container(m);
    }
    return -1;
}

/* ---- the loop ---- */

enum slot_kind { S_SIG, S_SYNC, S_LISTEN, S_OUT, S_ERR, S_IN, S_CLIENT, S_EX_OUT, S_EX_ERR,
                 S_EX_IN };

static int run(struct mon *m)
{
    enum { MAXFD = 512 };
    struct pollfd pfd[MAXFD];
    enum slot_kind kind[MAXFD];
    void *ptr[MAXFD];
    for (;;) {
        int64_t now = now_ms();
        /* exec sessions whose process ended and whose output is drained */
        for (struct session *s = m->sessions, *next; s; s = next) {
            next = s->next;
            if (s->exited && ((s->io.out_fd < 0 && s->io.err_fd < 0) || now >= s->deadline))
                session_finish(m, s);
        }
        if (m->init_exited && ((m->io.out_fd < 0 && m->io.err_fd < 0) || now >= m->deadline))
            return 0;
        /* clients that are done */
        for (struct client **pp = &m->clients; *pp;) {
            struct client *c = *pp;
            client_flush(c);
            if (c->kind == C_DONE || (c->closing && !c->out.len)) {
                *pp = c->next;
                client_free(m, c);
            } else {
                pp = &c->next;
            }
        }
        nfds_t n = 0;
#define ADD(fd_, ev_, k_, p_) \
    do { \
        if (n < MAXFD) { \
            pfd[n] = (struct pollfd){ (fd_), (ev_), 0 }; \
            kind[n] = (k_); \
            ptr[n] = (p_); \
            n++; \
        } \
    } while (0)
        ADD(m->sig_fd, POLLIN, S_SIG, NULL);
        if (m->sync_fd >= 0)
            ADD(m->sync_fd, POLLIN, S_SYNC, NULL);
        ADD(m->listen_fd, POLLIN, S_LISTEN, NULL);
        /* before start, output waits in the pipes: attachers see it all */
        if (m->started || m->init_exited) {
            if (m->io.out_fd >= 0)
                ADD(m->io.out_fd, POLLIN, S_OUT, NULL);
            if (m->io.err_fd >= 0)
                ADD(m->io.err_fd, POLLIN, S_ERR, NULL);
        }
        stdin_write(&m->io);
        if (m->io.in.len && m->io.in_fd >= 0)
            ADD(m->io.in_fd, POLLOUT, S_IN, NULL);
        for (struct session *s = m->sessions; s; s = s->next) {
            if (s->io.out_fd >= 0)
                ADD(s->io.out_fd, POLLIN, S_EX_OUT, s);
            if (s->io.err_fd >= 0)
                ADD(s->io.err_fd, POLLIN, S_EX_ERR, s);
            stdin_write(&s->io);
            if (s->io.in.len && s->io.in_fd >= 0)
                ADD(s->io.in_fd, POLLOUT, S_EX_IN, s);
        }
        for (struct client *c = m->clients; c; c = c->next) {
            short ev = 0;
            struct stdio *io = c->kind == C_ATTACH ? &m->io : c->ex ? &c->ex->io : NULL;
            /* stdin is read only while it has room to go */
            if (!c->in_eof && (c->kind == C_REQ || !io || io->in.len < IN_MAX))
                ev |= POLLIN;
            if (c->out.len)
                ev |= POLLOUT;
            ADD(c->fd, ev, S_CLIENT, c);
        }
#undef ADD
        int timeout = -1;
        if (m->init_exited)
            timeout = (int)(m->deadline > now ? m->deadline - now : 0);
        for (struct session *s = m->sessions; s; s = s->next)
            if (s->exited) {
                int t = (int)(s->deadline > now ? s->deadline - now : 0);
                if (timeout < 0 || t < timeout)
                    timeout = t;
            }
        int r = poll(pfd, n, timeout);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            gt_error("poll: %s", strerror(errno));
            return -1;
        }
        for (nfds_t i = 0; i < n; i++) {
            if (!pfd[i].revents)
                continue;
            switch (kind[i]) {
            case S_SIG: {
                struct signalfd_siginfo si;
                while (read(m->sig_fd, &si, sizeof si) == sizeof si)
                    ;
                reap(m);
                break;
            }
            case S_SYNC:
                if (sync_read(m) < 0)
                    return -1;
                break;
            case S_LISTEN: {
                int fd = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
                if (fd >= 0) {
                    struct client *c = gt_xcalloc(1, sizeof *c);
                    c->fd = fd;
                    c->next = m->clients;
                    m->clients = c;
                }
                break;
            }
            case S_OUT:
                drain_fd(m, NULL, &m->io.out_fd, 1);
                break;
            case S_ERR:
                drain_fd(m, NULL, &m->io.err_fd, 2);
                break;
            case S_IN:
                stdin_write(&m->io);
                break;
            case S_EX_OUT:
            case S_EX_ERR:
            case S_EX_IN: {
                struct session *s = ptr[i];
                bool live = false;
                for (struct session *t = m->sessions; t; t = t->next)
                    live |= t == s;
                if (!live)
                    break;
                if (kind[i] == S_EX_OUT)
                    drain_fd(m, s, &s->io.out_fd, 1);
                else if (kind[i] == S_EX_ERR)
                    drain_fd(m, s, &s->io.err_fd, 2);
                else
                    stdin_write(&s->io);
                break;
            }
            case S_CLIENT: {
                struct client *c = ptr[i];
                if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
                    client_read(m, c);
                if (pfd[i].revents & POLLOUT)
                    client_flush(c);
                break;
            }
            }
        }
    }
}

static void usage(void)
{
    fprintf(stderr,
            "usage: gantry-monitor --id ID --runtime PATH --runtime-root DIR --dir DIR\n"
            "       --log FILE [--log-max-size BYTES] [--log-max-files N]\n"
            "       [--tty] [--stdin] [--stdin-once] [--sync-fd FD] [--debug]\n"
            "The per-container monitor of the Gantry engine (see engine/monitor.h).\n");
}

int gt_monitor_main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "id", required_argument, NULL, 'i' },
        { "runtime", required_argument, NULL, 'r' },
        { "runtime-root", required_argument, NULL, 'R' },
        { "dir", required_argument, NULL, 'd' },
        { "log", required_argument, NULL, 'l' },
        { "log-max-size", required_argument, NULL, 's' },
        { "log-max-files", required_argument, NULL, 'f' },
        { "tty", no_argument, NULL, 't' },
        { "stdin", no_argument, NULL, 'I' },
        { "stdin-once", no_argument, NULL, 'o' },
        { "sync-fd", required_argument, NULL, 'S' },
        { "debug", no_argument, NULL, 'D' },
        { NULL, 0, NULL, 0 },
    };
    struct mon m = { .sync_fd = -1, .sig_fd = -1, .listen_fd = -1, .console_fd = -1,
                     .cg_fd = -1, .log_max_files = 1 };
    m.io.in_fd = m.io.out_fd = m.io.err_fd = -1;
    bool debug = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'i': m.id = optarg; break;
        case 'r': m.runtime = optarg; break;
        case 'R': m.root = optarg; break;
        case 'd': m.dir = optarg; break;
        case 'l': m.log_path = optarg; break;
        case 's': m.log_max_size = strtoll(optarg, NULL, 10); break;
        case 'f': m.log_max_files = atoi(optarg); break;
        case 't': m.tty = true; break;
        case 'I': m.stdin_open = true; break;
        case 'o': m.stdin_once = true; break;
        case 'S': m.sync_fd = atoi(optarg); break;
        case 'D': debug = true; break;
        default: usage(); return 2;
        }
    }
    if (!m.id || !m.runtime || !m.root || !m.dir || !m.log_path) {
        usage();
        return 2;
    }
    /* nothing of the engine's but the sync socket (fd 3 from the engine) */
    if (m.sync_fd >= 3) {
        if (m.sync_fd > 3)
            syscall(SYS_close_range, 3, m.sync_fd - 1, 0);
        syscall(SYS_close_range, m.sync_fd + 1, ~0U, 0);
    } else {
        syscall(SYS_close_range, 3, ~0U, 0);
    }
    if (chdir(m.dir) < 0) {
        fprintf(stderr, "gantry-monitor: chdir %s: %s\n", m.dir, strerror(errno));
        return 1;
    }
    /* detach: the engine reaps the first process at once; the second one
     * leads its own session, so nothing of the engine's reaches it */
    pid_t pid = fork();
    if (pid < 0)
        return 1;
    if (pid > 0)
        _exit(0);
    setsid();
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    gt_log_set_name("gantry-monitor");
    gt_log_open("monitor.log", GT_LOG_TEXT);
    gt_log_set_level(debug ? GT_LOG_DEBUG : GT_LOG_INFO);
    if (m.sync_fd >= 0)
        fcntl(m.sync_fd, F_SETFD, FD_CLOEXEC);
    sync_send(&m, "pid %d", (int)getpid());

    signal(SIGPIPE, SIG_IGN);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGQUIT);
    sigprocmask(SIG_BLOCK, &set, NULL);
    m.sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);

    int r = gt_jsonlog_open(&m.log, m.log_path, m.log_max_size, m.log_max_files);
    if (r < 0) {
        sync_send(&m, "error open log %s: %s", m.log_path, strerror(-r));
        return 1;
    }
    m.listen_fd = listen_unix("attach.sock");
    if (m.listen_fd < 0) {
        sync_send(&m, "error listen on %s/attach.sock: %s", m.dir, strerror(errno));
        gt_jsonlog_close(&m.log);
        return 1;
    }
    set_nonblock(m.listen_fd);
    if (create_container(&m) < 0) {
        unlink("attach.sock");
        gt_jsonlog_close(&m.log);
        stdio_release(&m.io);
        return 1;
    }
    sync_send(&m, "created %d", (int)m.init_pid);
    r = run(&m);
    if (r < 0 && !m.started) {
        gt_info("container %s abandoned before start", m.id);
        abort_created(&m);
        while (m.clients) {
            struct client *cl = m.clients;
            m.clients = cl->next;
            client_free(&m, cl);
        }
        gt_jsonlog_close(&m.log);
        stdio_release(&m.io);
        if (m.cg_fd >= 0)
            close(m.cg_fd);
        return 1;
    }
    if (r < 0) {
        /* the loop failed while running: wait for the end all the same */
        while (!m.init_exited) {
            pid_t p = waitpid(-1, &m.init_status, 0);
            if (p == m.init_pid) {
                m.init_exited = true;
                m.exit_ns = now_ns_real();
            } else if (p < 0 && errno == ECHILD) {
                break;
            }
        }
    }
    finish(&m);
    close(m.listen_fd);
    close(m.sig_fd);
    return 0;
}
