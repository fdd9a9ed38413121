/* A container's life: start (rootfs, spec, the monitor and its handshake),
 * signals, stop, pause, wait, the handling of an exit (restart policies
 * with docker's back-off, --rm), and adoption when the engine reopens. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/sig.h"
#include "engine/internal.h"

extern char **environ;

#define NS_PER_SEC ((int64_t)1000000000)

static void deadline_ts(int64_t ns, struct timespec *ts)
{
    ts->tv_sec = (time_t)(ns / NS_PER_SEC);
    ts->tv_nsec = (long)(ns % NS_PER_SEC);
}

bool eng_ctr_wait_exit_locked(struct container *c, uint64_t gen, int64_t deadline_ns)
{
    while (c->exit_gen == gen) {
        if (deadline_ns > 0 && eng_now_ns() >= deadline_ns)
            return false;
        struct timespec ts;
        int64_t step = eng_now_ns() + 200000000;
        deadline_ts(deadline_ns > 0 && deadline_ns < step ? deadline_ns : step, &ts);
        pthread_cond_timedwait(&c->cond, &c->lock, &ts);
        if (c->e->stopping)
            return c->exit_gen != gen;
    }
    return true;
}

/* ---- the runtime, run by the engine itself (pause, resume, kill) ---- */

int eng_runtime_run(struct gt_engine *e, const char *const *args, struct gt_error *err)
{
    const char *argv[16];
    size_t n = 0;
    argv[n++] = e->runtime;
    argv[n++] = "--root";
    argv[n++] = e->runtime_root;
    for (size_t i = 0; args[i] && n < 15; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return gt_err_sys(err, errno, "pipe");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, p[1], 2);
    pid_t pid;
    int r = posix_spawn(&pid, e->runtime, &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(p[1]);
    if (r != 0) {
        close(p[0]);
        return gt_err_sys(err, r, "run %s", e->runtime);
    }
    char out[2048];
    ssize_t got = gt_read_all(p[0], out, sizeof out - 1);
    close(p[0]);
    out[got > 0 ? got : 0] = '\0';
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return 0;
    char *nl;
    while ((nl = strrchr(out, '\n')) && !nl[1])
        *nl = '\0';
    return gt_err(err, EIO, "%s %s: %s", e->runtime, args[0], *out ? out : "failed");
}

/* ---- rootfs ---- */

int eng_ctr_mount(struct container *c, struct gt_error *err)
{
    if (c->mounted)
        return 0;
    cleanup_free char *target = gt_path_join(c->xdir, "rootfs");
    int r = gt_mkdir_p(target, 0755, err);
    if (r < 0)
        return r;
    if ((r = gt_snapshot_mount(c->e->store->ss, c->id, target, err)) < 0)
        return gt_err_prefix(err, "mount the container's root filesystem");
    c->mounted = true;
    return 0;
}

void eng_ctr_unmount(struct container *c)
{
    cleanup_free char *target = gt_path_join(c->xdir, "rootfs");
    struct gt_error err = { 0 };
    if (gt_snapshot_unmount(target, &err) < 0 && c->mounted)
        gt_warn("container %s: unmount %s: %s", c->id, target, err.msg);
    c->mounted = false;
}

/* ---- signals ---- */

int eng_ctr_signal(struct container *c, int sig, struct gt_error *err)
{
    char req[32];
    snprintf(req, sizeof req, "kill %d", sig);
    struct gt_error merr = { 0 };
    int fd = eng_mon_request(c, req, NULL, &merr);
    if (fd >= 0) {
        close(fd);
        return 0;
    }
    if (merr.code == ESRCH || strstr(merr.msg, "not running"))
        return gt_err(err, EBUSY, "Container %s is not running", c->id);
    /* no monitor to ask: the runtime's kill */
    char s[16];
    snprintf(s, sizeof s, "%d", sig);
    const char *args[] = { "kill", c->id, s, NULL };
    return eng_runtime_run(c->e, args, err);
}

/* ---- start ---- */

static int spawn_monitor(struct gt_engine *e, struct container *c, int sync_child, pid_t *pid,
                         struct gt_error *err)
{
    json_t *logcfg = json_object_get(json_object_get(c->host, "LogConfig"), "Config");
    int64_t max_size = e->log_max_size;
    int max_files = e->log_max_files;
    const char *ms = json_string_value(json_object_get(logcfg, "max-size"));
    const char *mf = json_string_value(json_object_get(logcfg, "max-file"));
    if (ms) {
        char *end;
        double v = strtod(ms, &end);
        int64_t mult = 1;
        switch (*end | 0x20) {
        case 'k': mult = 1024; break;
        case 'm': mult = 1024 * 1024; break;
        case 'g': mult = 1024 * 1024 * 1024; break;
        default: break;
        }
        max_size = v > 0 ? (int64_t)(v * (double)mult) : -1;
    }
    if (mf)
        max_files = atoi(mf) > 0 ? atoi(mf) : 1;
    const char *ltype = json_string_value(json_object_get(json_object_get(c->host, "LogConfig"), "Type"));
    bool nolog = ltype && !strcmp(ltype, "none");
    char size_s[32], files_s[16], fd_s[8];
    snprintf(size_s, sizeof size_s, "%lld", (long long)max_size);
    snprintf(files_s, sizeof files_s, "%d", max_files);
    snprintf(fd_s, sizeof fd_s, "%d", 3);
    const char *argv[32];
    size_t n = 0;
    argv[n++] = e->monitor;
    argv[n++] = "--id";
    argv[n++] = c->id;
    argv[n++] = "--runtime";
    argv[n++] = e->runtime;
    argv[n++] = "--runtime-root";
    argv[n++] = e->runtime_root;
    argv[n++] = "--dir";
    argv[n++] = c->xdir;
    argv[n++] = "--log";
    argv[n++] = nolog ? "/dev/null" : c->log_path;
    argv[n++] = "--log-max-size";
    argv[n++] = size_s;
    argv[n++] = "--log-max-files";
    argv[n++] = files_s;
    argv[n++] = "--sync-fd";
    argv[n++] = fd_s;
    if (json_is_true(json_object_get(c->config, "Tty")))
        argv[n++] = "--tty";
    if (json_is_true(json_object_get(c->config, "OpenStdin")))
        argv[n++] = "--stdin";
    if (json_is_true(json_object_get(c->config, "StdinOnce")))
        argv[n++] = "--stdin-once";
    if (gt_log_get_level() >= GT_LOG_DEBUG)
        argv[n++] = "--debug";
    argv[n] = NULL;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, sync_child, 3);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    sigset_t def;
    sigemptyset(&def);
    sigaddset(&def, SIGPIPE);
    posix_spawnattr_setsigdefault(&attr, &def);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    int r = posix_spawn(pid, e->monitor, &fa, &attr, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (r != 0)
        return gt_err_sys(err, r, "run the monitor %s", e->monitor);
    return 0;
}

/* One message of the monitor's handshake, within timeout_ms. */
static int sync_recv(int fd, char *buf, size_t cap, int timeout_ms)
{
    struct pollfd p = { fd, POLLIN, 0 };
    int r;
    while ((r = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
        ;
    if (r == 0)
        return -ETIMEDOUT;
    ssize_t n = recv(fd, buf, cap - 1, 0);
    if (n < 0)
        return -errno;
    if (n == 0)
        return -EPIPE;
    buf[n] = '\0';
    return 0;
}

static uint64_t proc_starttime(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    char *data = NULL;
    if (gt_read_file(path, 4096, &data, NULL, NULL) < 0)
        return 0;
    char *p = strrchr(data, ')');
    uint64_t v = 0;
    /* fields after the command: state is field 3, starttime field 22 */
    for (int field = 3; p && field <= 22; field++) {
        p = strchr(p + 1, ' ');
        if (p && field == 22)
            v = strtoull(p + 1, NULL, 10);
    }
    free(data);
    return v;
}

/* Waits (at most ms) for a monitor that was told to give up to finish its
 * clean-up (runtime delete), so that nothing of it is left behind. */
static void wait_monitor_gone(pid_t pid, int ms)
{
    int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pfd < 0)
        return;
    struct pollfd p = { pfd, POLLIN, 0 };
    poll(&p, 1, ms);
    close(pfd);
}

static int start_error(struct container *c, const char *msg, struct gt_error *err)
{
    /* docker's translation of the runtime's start errors */
    int code = EIO, exit_code = 128;
    if (strcasestr(msg, "no such file") || strcasestr(msg, "not found")) {
        code = EINVAL;
        exit_code = 127;
    } else if (strcasestr(msg, "permission denied")) {
        code = EINVAL;
        exit_code = 126;
    }
    pthread_mutex_lock(&c->lock);
    free(c->error);
    c->error = gt_xstrdup(msg);
    c->exit_code = exit_code;
    pthread_mutex_unlock(&c->lock);
    return gt_err(err, code, "failed to create task for container: %s", msg);
}

int eng_ctr_start(struct gt_engine *e, struct container *c, bool restart, struct gt_error *err)
{
    pthread_mutex_lock(&c->lock);
    if (c->removed || c->removing) {
        pthread_mutex_unlock(&c->lock);
        return gt_err(err, ENOENT, "No such container: %s", c->id);
    }
    if (c->status == ST_RUNNING || c->status == ST_PAUSED) {
        pthread_mutex_unlock(&c->lock);
        return gt_err(err, EALREADY, "container %s is already running", c->id);
    }
    if (c->status == ST_RESTARTING && !restart) {
        /* a start by hand replaces the pending restart */
        c->restart_cancel = true;
        pthread_cond_broadcast(&c->cond);
    }
    c->restart_cancel = false;
    c->health_stop = false;
    pthread_mutex_unlock(&c->lock);

    cleanup_free char *spec_path = gt_path_join(c->xdir, "config.json");
    cleanup_close int sync = -1;
    pid_t mon = 0, init = 0;
    int r = gt_mkdir_p(c->xdir, 0711, err);
    if (r < 0)
        return r;
    cleanup_json json_t *img_cfg = NULL;
    {
        cleanup_free char *iid = NULL, *top = NULL;
        if ((r = eng_image_resolve_for_create(e, c->image_id, &iid, &img_cfg, &top, err)) < 0) {
            gt_err_prefix(err, "image of container %s", c->id);
            return r;
        }
    }
    if ((r = eng_ctr_mount(c, err)) < 0)
        return r;
    cleanup_json json_t *spec = NULL;
    if ((r = eng_net_setup(e, c, err)) < 0)
        goto fail_unmount;
    if ((r = eng_spec_build(e, c, img_cfg, &spec, err)) < 0)
        goto fail_unmount;
    if ((r = gt_json_dump_file(spec_path, spec, false, err)) < 0)
        goto fail_unmount;
    pthread_mutex_lock(&c->lock);
    json_decref(c->spec_process);
    c->spec_process = json_incref(json_object_get(spec, "process"));
    pthread_mutex_unlock(&c->lock);

    int sp[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
        r = gt_err_sys(err, errno, "socketpair");
        goto fail_unmount;
    }
    sync = sp[0];
    int child = sp[1];
    if (child == 3) { /* dup2 onto itself would keep close-on-exec */
        child = fcntl(sp[1], F_DUPFD_CLOEXEC, 10);
        close(sp[1]);
    }
    pid_t first;
    r = spawn_monitor(e, c, child, &first, err);
    close(child);
    if (r < 0)
        goto fail_unmount;
    int st;
    while (waitpid(first, &st, 0) < 0 && errno == EINTR)
        ;
    char msg[2048];
    if ((r = sync_recv(sync, msg, sizeof msg, 10000)) < 0 || sscanf(msg, "pid %d", &mon) != 1) {
        r = gt_err(err, EIO, "the monitor did not start (%s)",
                   r < 0 ? strerror(-r) : msg);
        goto fail_unmount;
    }
    if ((r = sync_recv(sync, msg, sizeof msg, 120000)) < 0) {
        r = gt_err(err, EIO, "the monitor ended during create (%s)", strerror(-r));
        goto fail_monitor;
    }
    if (!strncmp(msg, "error ", 6)) {
        r = start_error(c, msg + 6, err);
        goto fail_monitor;
    }
    if (sscanf(msg, "created %d", &init) != 1) {
        r = gt_err(err, EIO, "monitor: unexpected \"%s\"", msg);
        goto fail_monitor;
    }
    /* attachers connect now, before the process runs: none of its output
     * is lost to them */
    pthread_mutex_lock(&c->lock);
    c->mon_pid = mon;
    c->mon_ready = true;
    c->start_gen++;
    pthread_cond_broadcast(&c->cond);
    int64_t until = eng_now_ns() + 5 * NS_PER_SEC;
    while (c->pending_attach > 0 && eng_now_ns() < until) {
        struct timespec ts;
        deadline_ts(eng_now_ns() + 50000000, &ts);
        pthread_cond_timedwait(&c->cond, &c->lock, &ts);
    }
    c->mon_ready = false;
    pthread_mutex_unlock(&c->lock);
    if (send(sync, "start", 5, MSG_NOSIGNAL) < 0) {
        r = gt_err_sys(err, errno, "tell the monitor to start");
        goto fail_monitor;
    }
    if ((r = sync_recv(sync, msg, sizeof msg, 120000)) < 0) {
        r = gt_err(err, EIO, "the monitor ended during start (%s)", strerror(-r));
        goto fail_monitor;
    }
    if (!strncmp(msg, "error ", 6)) {
        r = start_error(c, msg + 6, err);
        goto fail_monitor;
    }
    pthread_mutex_lock(&c->lock);
    c->status = ST_RUNNING;
    c->pid = init;
    c->started_ns = eng_now_ns();
    c->has_run = true;
    c->exit_code = 0;
    c->oom_killed = false;
    free(c->error);
    c->error = NULL;
    c->mon_pid = mon;
    c->mon_start = proc_starttime(mon);
    if (json_is_object(json_object_get(c->config, "Healthcheck"))) {
        json_decref(c->health);
        c->health = json_pack("{s:s,s:i,s:[]}", "Status", "starting", "FailingStreak", 0, "Log");
    }
    struct gt_error serr = { 0 };
    if (eng_ctr_save_state(c, &serr) < 0)
        gt_warn("container %s: %s", c->id, serr.msg);
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
    if ((r = eng_reaper_watch(e, c, err)) < 0)
        gt_error("container %s: %s", c->id, err->msg);
    eng_event_emit(e, "container", "start", c->id, c, NULL);
    eng_health_start(e, c);
    return 0;
fail_monitor:
    close(sync);
    sync = -1;
    if (mon > 0)
        wait_monitor_gone(mon, 15000);
    pthread_mutex_lock(&c->lock);
    c->mon_pid = 0;
    pthread_mutex_unlock(&c->lock);
fail_unmount:
    eng_ctr_unmount(c);
    eng_net_teardown(e, c);
    pthread_mutex_lock(&c->lock);
    if (c->status == ST_RESTARTING)
        c->status = ST_EXITED;
    struct gt_error serr2 = { 0 };
    eng_ctr_save_state(c, &serr2);
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
    return r;
}

int gt_engine_container_start(struct gt_engine *e, const char *ref, struct gt_error *err)
{
    struct container *c;
    int r = eng_ctr_find(e, ref, &c, err);
    if (r < 0)
        return r;
    pthread_mutex_lock(&c->op);
    pthread_mutex_lock(&c->lock);
    c->manual_stop = false;
    pthread_mutex_unlock(&c->lock);
    r = eng_ctr_start(e, c, false, err);
    bool autoremove = r < 0 && r != -EALREADY &&
                      json_is_true(json_object_get(c->host, "AutoRemove"));
    if (autoremove) {
        /* docker removes an --rm container whose start failed */
        struct gt_error rerr;
        if (eng_ctr_remove_locked(e, c, true, &rerr) < 0)
            gt_warn("remove %s: %s", c->id, rerr.msg);
    }
    pthread_mutex_unlock(&c->op);
    eng_ctr_unref(c);
    return r;
}

/* ---- exit ---- */

struct restart_arg {
    struct container *c;
    int64_t delay_ms;
};

static void *restart_thread(void *p)
{
    struct restart_arg *a = p;
    struct container *c = a->c;
    struct gt_engine *e = c->e;
    int64_t when = eng_now_ns() + a->delay_ms * 1000000;
    free(a);
    pthread_mutex_lock(&c->lock);
    while (!c->restart_cancel && !e->stopping && eng_now_ns() < when) {
        struct timespec ts;
        deadline_ts(when, &ts);
        pthread_cond_timedwait(&c->cond, &c->lock, &ts);
    }
    pthread_mutex_unlock(&c->lock);
    pthread_mutex_lock(&c->op);
    pthread_mutex_lock(&c->lock);
    bool go = c->status == ST_RESTARTING && !c->restart_cancel && !e->stopping && !c->removing;
    if (!go && c->status == ST_RESTARTING && !e->stopping) {
        c->status = ST_EXITED;
        struct gt_error serr;
        eng_ctr_save_state(c, &serr);
        pthread_cond_broadcast(&c->cond);
    }
    if (go)
        c->restart_count++;
    pthread_mutex_unlock(&c->lock);
    if (go) {
        struct gt_error err = { 0 };
        if (eng_ctr_start(e, c, true, &err) < 0 && err.code != EALREADY)
            gt_warn("restart container %s: %s", c->id, err.msg);
    }
    pthread_mutex_unlock(&c->op);
    eng_ctr_unref(c);
    return NULL;
}

static void *autoremove_thread(void *p)
{
    struct container *c = p;
    struct gt_error err = { 0 };
    char id[65];
    memcpy(id, c->id, sizeof id);
    if (gt_engine_container_remove(c->e, id, true, true, &err) < 0 && err.code != ENOENT)
        gt_warn("remove container %s (--rm): %s", id, err.msg);
    eng_ctr_unref(c);
    return NULL;
}

/* docker's restart manager: whether to restart after an exit */
static bool should_restart(struct container *c, bool daemon_start)
{
    json_t *rp = json_object_get(c->host, "RestartPolicy");
    const char *name = json_string_value(json_object_get(rp, "Name"));
    int max = (int)json_integer_value(json_object_get(rp, "MaximumRetryCount"));
    if (!name || !*name || !strcmp(name, "no"))
        return false;
    if (!strcmp(name, "always"))
        return daemon_start || !c->manual_stop;
    if (c->manual_stop)
        return false;
    if (!strcmp(name, "unless-stopped"))
        return true;
    if (!strcmp(name, "on-failure"))
        return c->exit_code != 0 && (max <= 0 || c->restart_count < max);
    return false;
}

static void schedule_restart(struct gt_engine *e, struct container *c, int64_t delay_ms)
{
    struct restart_arg *a = gt_xmalloc(sizeof *a);
    eng_ctr_ref(c);
    a->c = c;
    a->delay_ms = delay_ms;
    eng_engine_spawn(e, restart_thread, a);
}

void eng_ctr_handle_exit(struct gt_engine *e, struct container *c)
{
    pthread_mutex_lock(&c->op);
    pthread_mutex_lock(&c->lock);
    if (c->status != ST_RUNNING && c->status != ST_PAUSED) {
        pthread_mutex_unlock(&c->lock);
        pthread_mutex_unlock(&c->op);
        return;
    }
    cleanup_free char *exit_path = gt_path_join(c->xdir, "exit");
    cleanup_json json_t *ex = NULL;
    struct gt_error lerr = { 0 };
    int code = 255;
    bool oom = false, orphaned = false;
    int64_t finished = eng_now_ns();
    if (gt_json_load_file(exit_path, &ex, &lerr) == 0) {
        code = (int)json_integer_value(json_object_get(ex, "exit_code"));
        oom = json_is_true(json_object_get(ex, "oom_killed"));
        int64_t t = eng_parse_time_ns(json_string_value(json_object_get(ex, "finished_at")));
        if (t > 0)
            finished = t;
    } else {
        free(c->error);
        c->error = gt_xstrdup("the container's monitor ended without recording an exit status");
        gt_warn("container %s: %s (%s)", c->id, c->error, lerr.msg);
        orphaned = true;
    }
    c->status = ST_EXITED;
    c->pid = 0;
    c->exit_code = code;
    c->oom_killed = oom;
    c->finished_ns = finished;
    c->mon_pid = 0;
    c->mon_start = 0;
    c->health_stop = true;
    c->exit_gen++;
    bool autoremove = json_is_true(json_object_get(c->host, "AutoRemove"));
    bool restart = !autoremove && !c->removing && !c->restart_cancel && !e->stopping &&
                   should_restart(c, false);
    int64_t delay = 0;
    if (restart) {
        /* 100 ms, doubling, back to 100 ms after 10 s of running */
        if (c->finished_ns - c->started_ns >= 10 * NS_PER_SEC || c->restart_delay_ms <= 0)
            delay = 100;
        else
            delay = c->restart_delay_ms * 2;
        if (delay > 60000)
            delay = 60000;
        c->restart_delay_ms = delay;
        c->status = ST_RESTARTING;
    }
    struct gt_error serr = { 0 };
    if (eng_ctr_save_state(c, &serr) < 0)
        gt_warn("container %s: %s", c->id, serr.msg);
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
    if (orphaned) {
        /* a killed monitor leaves its container behind: nothing would
         * reap or log it any more, so it goes (with its cgroup) */
        const char *args[] = { "delete", "--force", c->id, NULL };
        struct gt_error derr = { 0 };
        if (eng_runtime_run(e, args, &derr) < 0)
            gt_debug("container %s: %s", c->id, derr.msg);
    }
    eng_ctr_unmount(c);
    eng_net_teardown(e, c);
    unlink(exit_path);
    if (oom)
        eng_event_emit(e, "container", "oom", c->id, c, NULL);
    eng_event_emit(e, "container", "die", c->id, c, json_pack("{s:o}", "exitCode", json_sprintf("%d", code)));
    pthread_mutex_unlock(&c->op);
    if (autoremove && !e->stopping) {
        eng_ctr_ref(c);
        eng_engine_spawn(e, autoremove_thread, c);
    }
    if (restart)
        schedule_restart(e, c, delay);
}

void eng_ctr_adopt(struct gt_engine *e, struct container *c)
{
    pthread_mutex_lock(&c->op);
    pthread_mutex_lock(&c->lock);
    if (c->status == ST_RUNNING || c->status == ST_PAUSED) {
        bool alive = c->mon_pid > 0 && c->mon_start && proc_starttime(c->mon_pid) == c->mon_start;
        pthread_mutex_unlock(&c->lock);
        pthread_mutex_unlock(&c->op);
        if (alive) {
            c->mounted = true;
            struct gt_error err = { 0 };
            if (eng_reaper_watch(e, c, &err) < 0)
                gt_error("adopt container %s: %s", c->id, err.msg);
            else
                gt_info("adopted container %s (monitor %d)", c->id, (int)c->mon_pid);
            eng_net_adopt(e, c);
            eng_health_start(e, c);
        } else {
            /* it ended while no engine ran: collect what the monitor left */
            c->mounted = true;
            eng_ctr_handle_exit(e, c);
        }
        return;
    }
    if (c->status == ST_RESTARTING)
        c->status = ST_EXITED;
    bool restart = c->status == ST_EXITED && c->has_run && should_restart(c, true);
    if (restart) {
        c->status = ST_RESTARTING;
        c->restart_delay_ms = 0;
    }
    pthread_mutex_unlock(&c->lock);
    pthread_mutex_unlock(&c->op);
    if (restart)
        schedule_restart(e, c, 0);
}

/* ---- stop, kill, restart, pause ---- */

static int stop_container(struct gt_engine *e, struct container *c, int timeout,
                          const char *signal, struct gt_error *err)
{
    pthread_mutex_lock(&c->op);
    pthread_mutex_lock(&c->lock);
    if (c->status == ST_RESTARTING) {
        c->restart_cancel = true;
        c->manual_stop = true;
        c->status = ST_EXITED;
        struct gt_error serr;
        eng_ctr_save_state(c, &serr);
        pthread_cond_broadcast(&c->cond);
        pthread_mutex_unlock(&c->lock);
        pthread_mutex_unlock(&c->op);
        eng_event_emit(e, "container", "stop", c->id, c, NULL);
        return 0;
    }
    if (!eng_ctr_is_running(c)) {
        pthread_mutex_unlock(&c->lock);
        pthread_mutex_unlock(&c->op);
        return gt_err(err, EALREADY, "Container %s is already stopped", c->name);
    }
    bool paused = c->status == ST_PAUSED;
    c->manual_stop = true;
    uint64_t gen = c->exit_gen;
    struct gt_error serr;
    eng_ctr_save_state(c, &serr);
    pthread_mutex_unlock(&c->lock);
    pthread_mutex_unlock(&c->op);
    int sig = SIGTERM;
    const char *ss = signal && *signal ? signal
                                        : json_string_value(json_object_get(c->config, "StopSignal"));
    if (ss && *ss) {
        sig = gt_signal_parse(ss);
        if (sig < 0)
            return gt_err(err, EINVAL, "invalid signal: %s", ss);
    }
    if (timeout < 0) {
        json_t *t = json_object_get(c->config, "StopTimeout");
        timeout = json_is_integer(t) ? (int)json_integer_value(t) : 10;
    }
    if (paused) {
        const char *args[] = { "resume", c->id, NULL };
        struct gt_error rerr;
        if (eng_runtime_run(e, args, &rerr) == 0) {
            pthread_mutex_lock(&c->lock);
            if (c->status == ST_PAUSED)
                c->status = ST_RUNNING;
            pthread_mutex_unlock(&c->lock);
        }
    }
    struct gt_error kerr = { 0 };
    if (eng_ctr_signal(c, sig, &kerr) == 0)
        eng_event_emit(e, "container", "kill", c->id, c, json_pack("{s:o}", "signal", json_sprintf("%d", sig)));
    pthread_mutex_lock(&c->lock);
    bool done = eng_ctr_wait_exit_locked(c, gen, timeout >= 0 ? eng_now_ns() + timeout * NS_PER_SEC : 0);
    pthread_mutex_unlock(&c->lock);
    if (!done) {
        if (eng_ctr_signal(c, SIGKILL, &kerr) == 0)
            eng_event_emit(e, "container", "kill", c->id, c, json_pack("{s:s}", "signal", "9"));
        pthread_mutex_lock(&c->lock);
        done = eng_ctr_wait_exit_locked(c, gen, eng_now_ns() + 30 * NS_PER_SEC);
        pthread_mutex_unlock(&c->lock);
        if (!done)
            return gt_err(err, EIO, "container %s did not exit after SIGKILL", c->id);
    }
    eng_event_emit(e, "container", "stop", c->id, c, NULL);
    return 0;
}

int gt_engine_container_stop(struct gt_engine *e, const char *ref, int timeout,
                             const char *signal, struct gt_error *err)
{
    struct container *c;
    int r = eng_ctr_find(e, ref, &c, err);
    if (r < 0)
        return r;
    r = stop_container(e, c, timeout, signal, err);
    eng_ctr_unref(c);
    return r;
}

int gt_engine_container_restart(struct gt_engine *e, const char *ref, int timeout,
                                struct gt_error *err)
{
    struct container *c;
    int r = eng_ctr_find(e, ref, &c, err);
    if (r < 0)
        return r;
    r = stop_container(e, c, timeout, NULL, err);
    if (r == -EALREADY) {
        gt_err_clear(err);
        r = 0;
    }
    if (r == 0) {
        pthread_mutex_lock(&c->op);
        pthread_mutex_lock(&c->lock);
        c->manual_stop = false;
        pthread_mutex_unlock(&c->lock);
        r = eng_ctr_start(e, c, false, err);
        pthread_mutex_unlock(&c->op);
        if (r == 0)
            eng_event_emit(e, "container", "restart", c->id, c, NULL);
    }
    eng_ctr_unref(c);
    return r;
}

int gt_engine_container_kill(struct gt_engine *e, const char *ref, int sig, struct gt_error *err)
{
    if (sig <= 0)
        sig = SIGKILL;
    if (sig >= 65)
        return gt_err(err, EINVAL, "invalid signal: %d", sig);
    struct container *c;
    int r = eng_ctr_find(e, ref, &c, err);
    if (r < 0)
        return r;
    pthread_mutex_lock(&c->lock);
    enum ctr_status st = c->status;
    pthread_mutex_unlock(&c->lock);
    if (st == ST_RESTARTING && sig == SIGKILL) {
        r = stop_container(e, c, 0, NULL, err);
    } else if (!eng_ctr_is_running(c) && st != ST_PAUSED) {
        r = gt_err(err, EBUSY, "Cannot kill container: %s: Container %s is not running", ref, c->id);
    } else if (st == ST_PAUSED && sig != SIGKILL) {
        r = gt_err(err, EBUSY, "Cannot kill container: %s: Container %s is paused. Unpause the container before stopping or killing", ref, c->id);
    } else {
        r = eng_ctr_signal(c, sig, err);
        if (r == 0) {
            eng_event_emit(e, "container", "kill", c->id, c,
                       json_pack("{s:o}", "signal", json_sprintf("%d", sig)));
            if (st == ST_PAUSED) {
                const char *args[] = { "resume", c->id, NULL };
                struct gt_error rerr;
                eng_runtime_run(e, args, &rerr);
            }
        }
    }
    eng_ctr_unref(c);
    return r;
}

int eng_ctr_set_paused(struct gt_engine *e, struct container *c, bool pause,
                       struct gt_error *err)
{
    pthread_mutex_lock(&c->lock);
    enum ctr_status st = c->status;
    pthread_mutex_unlock(&c->lock);
    if (st != ST_RUNNING && st != ST_PAUSED)
        return gt_err(err, EBUSY, "Container %s is not running", c->id);
    if (pause && st == ST_PAUSED)
        return gt_err(err, EBUSY, "Container %s is already paused", c->id);
    if (!pause && st == ST_RUNNING)
        return gt_err(err, EBUSY, "Container %s is not paused", c->id);
    const char *args[] = { pause ? "pause" : "resume", c->id, NULL };
    int r = eng_runtime_run(e, args, err);
    if (r < 0)
        return r;
    pthread_mutex_lock(&c->lock);
    if (eng_ctr_is_running(c))
        c->status = pause ? ST_PAUSED : ST_RUNNING;
    struct gt_error serr;
    eng_ctr_save_state(c, &serr);
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
    eng_event_emit(e, "container", pause ? "pause" : "unpause", c->id, c, NULL);
    return 0;
}

int gt_engine_container_pause(struct gt_engine *e, const char *ref, bool pause,
                              struct gt_error *err)
{
    struct container *c;
    int r = eng_ctr_find(e, ref, &c, err);
    if (r < 0)
        return r;
    pthread_mutex_lock(&c->op);
    r = eng_ctr_set_paused(e, c, pause, err);
    pthread_mutex_unlock(&c->op);
    eng_ctr_unref(c);
    return r;
}

/* ---- wait ---- */

int gt_engine_container_wait(struct gt_engine *e, const char *ref, enum gt_wait_condition cond,
                             void (*registered)(void *ctx), void *ctx, int cancel_fd,
                             int *status, struct gt_error *err)
{
    struct container *c;
    int r = eng_ctr_find(e, ref, &c, err);
    if (r < 0)
        return r;
    pthread_mutex_lock(&c->lock);
    uint64_t gen = c->exit_gen;
    bool met = cond == GT_WAIT_NOT_RUNNING && !eng_ctr_is_running(c) && c->status != ST_RESTARTING;
    int code = c->exit_code;
    pthread_mutex_unlock(&c->lock);
    if (registered)
        registered(ctx);
    pthread_mutex_lock(&c->lock);
    while (!met) {
        if (cond == GT_WAIT_REMOVED ? c->removed : c->exit_gen != gen) {
            code = c->exit_code;
            break;
        }
        if (c->removed && cond != GT_WAIT_REMOVED) {
            code = c->exit_code;
            break;
        }
        if (e->stopping) {
            r = gt_err(err, ECANCELED, "wait: the engine is shutting down");
            break;
        }
        struct timespec ts;
        deadline_ts(eng_now_ns() + 200000000, &ts);
        pthread_cond_timedwait(&c->cond, &c->lock, &ts);
        pthread_mutex_unlock(&c->lock);
        bool gone = eng_cancelled(cancel_fd, -1);
        pthread_mutex_lock(&c->lock);
        if (gone) {
            r = gt_err(err, ECANCELED, "wait: the client went away");
            break;
        }
    }
    pthread_mutex_unlock(&c->lock);
    if (r == 0 && status)
        *status = code;
    eng_ctr_unref(c);
    return r;
}
