/* Stats (the container's cgroups, in Docker's stats JSON), top (ps on the
 * host, kept to the container's pids), export (a tar of the root
 * filesystem), and the system calls: info and df. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "engine/internal.h"
#include "image/tree.h"
#include "oci/cgroup.h"

extern char **environ;

char *eng_ctr_cgroup_path(struct gt_engine *e, struct container *c)
{
    const char *parent = json_string_value(json_object_get(c->host, "CgroupParent"));
    return gt_xasprintf("%s/%s", parent && *parent ? parent : e->cgroup_parent, c->id);
}

/* ---- stats ---- */

static uint64_t system_cpu_ns(void)
{
    char *data = NULL;
    if (gt_read_file("/proc/stat", 1 << 20, &data, NULL, NULL) < 0)
        return 0;
    uint64_t sum = 0;
    if (!strncmp(data, "cpu ", 4)) {
        char *p = data + 4;
        for (int i = 0; i < 8; i++) {
            char *end;
            sum += strtoull(p, &end, 10);
            p = end;
        }
    }
    free(data);
    long hz = sysconf(_SC_CLK_TCK);
    return sum * (1000000000ULL / (uint64_t)(hz > 0 ? hz : 100));
}

static int64_t mem_total(void)
{
    char *data = NULL;
    if (gt_read_file("/proc/meminfo", 1 << 16, &data, NULL, NULL) < 0)
        return 0;
    int64_t kb = 0;
    const char *p = strstr(data, "MemTotal:");
    if (p)
        kb = strtoll(p + 9, NULL, 10);
    free(data);
    return kb * 1024;
}

static json_t *blkio_list(json_t *entries)
{
    json_t *out = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(entries, i, v)
        json_array_append_new(out, json_pack("{s:O,s:O,s:O,s:O}", "major",
                                             json_object_get(v, "major"), "minor",
                                             json_object_get(v, "minor"), "op",
                                             json_object_get(v, "op"), "value",
                                             json_object_get(v, "value")));
    return out;
}

static json_t *net_stats(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/net/dev", (int)pid);
    char *data = NULL;
    if (pid <= 0 || gt_read_file(path, 1 << 20, &data, NULL, NULL) < 0)
        return NULL;
    json_t *nets = json_object();
    char *save = NULL;
    int line = 0;
    for (char *l = strtok_r(data, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        if (++line <= 2)
            continue;
        char name[64];
        unsigned long long v[16];
        if (sscanf(l, " %63[^:]: %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu "
                      "%llu %llu %llu",
                   name, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9],
                   &v[10], &v[11], &v[12], &v[13], &v[14], &v[15]) != 17)
            continue;
        if (!strcmp(name, "lo"))
            continue;
        json_object_set_new(nets, name,
                            json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "rx_bytes",
                                      (json_int_t)v[0], "rx_packets", (json_int_t)v[1],
                                      "rx_errors", (json_int_t)v[2], "rx_dropped",
                                      (json_int_t)v[3], "tx_bytes", (json_int_t)v[8],
                                      "tx_packets", (json_int_t)v[9], "tx_errors",
                                      (json_int_t)v[10], "tx_dropped", (json_int_t)v[11]));
    }
    free(data);
    if (!json_object_size(nets)) {
        json_decref(nets);
        return NULL;
    }
    return nets;
}

/* One sample in Docker's shape (precpu_stats left empty). */
static json_t *sample(struct gt_engine *e, struct container *c, pid_t pid, bool running)
{
    json_t *raw = NULL;
    if (running) {
        cleanup_free char *path = eng_ctr_cgroup_path(e, c);
        struct gt_cgroup *cg = NULL;
        struct gt_error err = { 0 };
        if (gt_cgroup_open(path, &cg, &err) == 0) {
            if (gt_cgroup_stats(cg, &raw, &err) < 0)
                raw = NULL;
            gt_cgroup_free(cg);
        }
    }
    if (!raw)
        raw = json_object();
    json_t *cpu = json_object_get(raw, "cpu");
    json_t *usage = json_object_get(cpu, "usage");
    json_t *thr = json_object_get(cpu, "throttling");
    json_t *percpu = json_object_get(usage, "percpu");
    json_t *cpu_stats = json_pack(
        "{s:{s:I,s:O,s:I,s:I},s:I,s:I,s:{s:I,s:I,s:I}}", "cpu_usage", "total_usage",
        (json_int_t)json_integer_value(json_object_get(usage, "total")), "percpu_usage",
        json_is_array(percpu) ? percpu : json_null(), "usage_in_kernelmode",
        (json_int_t)json_integer_value(json_object_get(usage, "kernel")), "usage_in_usermode",
        (json_int_t)json_integer_value(json_object_get(usage, "user")), "system_cpu_usage",
        (json_int_t)system_cpu_ns(), "online_cpus", (json_int_t)sysconf(_SC_NPROCESSORS_ONLN),
        "throttling_data", "periods", (json_int_t)json_integer_value(json_object_get(thr, "periods")),
        "throttled_periods", (json_int_t)json_integer_value(json_object_get(thr, "throttled_periods")),
        "throttled_time", (json_int_t)json_integer_value(json_object_get(thr, "throttled_time")));
    json_t *mem = json_object_get(raw, "memory");
    json_t *mu = json_object_get(mem, "usage");
    int64_t limit = json_integer_value(json_object_get(mu, "limit"));
    int64_t total = mem_total();
    if (limit <= 0 || (total > 0 && limit > total))
        limit = total;
    json_t *memory_stats = running ? json_pack("{s:I,s:I,s:I,s:o,s:I}", "usage",
                                               (json_int_t)json_integer_value(json_object_get(mu, "usage")),
                                               "max_usage",
                                               (json_int_t)json_integer_value(json_object_get(mu, "max")),
                                               "failcnt",
                                               (json_int_t)json_integer_value(json_object_get(mu, "failcnt")),
                                               "stats",
                                               json_is_object(json_object_get(mem, "raw"))
                                                   ? json_incref(json_object_get(mem, "raw"))
                                                   : json_object(),
                                               "limit", (json_int_t)limit)
                                   : json_object();
    json_t *pids = json_object_get(raw, "pids");
    json_t *pids_stats = json_object();
    if (json_is_integer(json_object_get(pids, "current")))
        json_object_set(pids_stats, "current", json_object_get(pids, "current"));
    if (json_integer_value(json_object_get(pids, "limit")) > 0)
        json_object_set(pids_stats, "limit", json_object_get(pids, "limit"));
    json_t *blk = json_object_get(raw, "blkio");
    json_t *blkio = json_pack("{s:o,s:o,s:[],s:[],s:[],s:[],s:[],s:[]}",
                              "io_service_bytes_recursive",
                              blkio_list(json_object_get(blk, "ioServiceBytesRecursive")),
                              "io_serviced_recursive",
                              blkio_list(json_object_get(blk, "ioServicedRecursive")),
                              "io_queue_recursive", "io_service_time_recursive",
                              "io_wait_time_recursive", "io_merged_recursive", "io_time_recursive",
                              "sectors_recursive");
    char *now = eng_format_time(eng_now_ns());
    json_t *s = json_pack("{s:s,s:s,s:o,s:o,s:i,s:{},s:o,s:o,s:o,s:o,s:s}", "read", now,
                          "preread", "0001-01-01T00:00:00Z", "pids_stats", pids_stats,
                          "blkio_stats", blkio, "num_procs", 0, "storage_stats", "cpu_stats",
                          cpu_stats, "precpu_stats", json_pack("{s:{s:I},s:I}", "cpu_usage",
                                                               "total_usage", (json_int_t)0,
                                                               "throttling_data", (json_int_t)0),
                          "memory_stats", memory_stats, "name", json_sprintf("/%s", c->name),
                          "id", c->id);
    json_object_set_new(json_object_get(s, "precpu_stats"), "throttling_data",
                        json_pack("{s:i,s:i,s:i}", "periods", 0, "throttled_periods", 0,
                                  "throttled_time", 0));
    free(now);
    json_t *nets = running ? net_stats(pid) : NULL;
    if (nets)
        json_object_set_new(s, "networks", nets);
    json_decref(raw);
    return s;
}

int gt_engine_container_stats(struct gt_engine *e, const char *ref, bool stream,
                              gt_engine_emit_json_fn emit, void *ctx, int cancel_fd,
                              struct gt_error *err)
{
    struct container *c;
    int r = eng_ctr_find(e, ref, &c, err);
    if (r < 0)
        return r;
    json_t *prev = NULL;
    for (int round = 0;; round++) {
        pthread_mutex_lock(&c->lock);
        bool running = eng_ctr_is_running(c) && !c->removed;
        pid_t pid = c->pid;
        pthread_mutex_unlock(&c->lock);
        json_t *s = sample(e, c, pid, running);
        if (prev) {
            json_object_set(s, "precpu_stats", json_object_get(prev, "cpu_stats"));
            json_object_set(s, "preread", json_object_get(prev, "read"));
        }
        /* one message: docker's waits for a second sample, so that
         * precpu_stats (and a CPU percentage) are there */
        bool send = stream || prev || !running;
        if (send) {
            int rc = emit(ctx, s);
            if (rc < 0) {
                json_decref(s);
                r = gt_err(err, ECANCELED, "stats: the client went away");
                break;
            }
        }
        json_decref(prev);
        prev = s;
        if ((!stream && send) || !running || c->removed)
            break;
        struct pollfd p = { cancel_fd, POLLRDHUP, 0 };
        if (cancel_fd >= 0)
            poll(&p, 1, 1000);
        else
            sleep(1);
        if (eng_cancelled(cancel_fd, -1) || e->stopping) {
            r = gt_err(err, ECANCELED, "stats: the client went away");
            break;
        }
    }
    json_decref(prev);
    eng_ctr_unref(c);
    return r;
}

/* ---- top ---- */

static int run_capture(char *const *argv, char **out, struct gt_error *err)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return gt_err_sys(err, errno, "pipe");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    posix_spawn_file_actions_adddup2(&fa, p[1], 2);
    pid_t pid;
    int r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(p[1]);
    if (r != 0) {
        close(p[0]);
        return gt_err_sys(err, r, "run %s", argv[0]);
    }
    size_t cap = 65536, len = 0;
    char *buf = gt_xmalloc(cap);
    for (;;) {
        if (len + 4096 > cap)
            buf = gt_xrealloc(buf, cap *= 2);
        ssize_t n = read(p[0], buf + len, cap - len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    close(p[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        r = gt_err(err, EINVAL, "ps: %s", buf);
        free(buf);
        return r;
    }
    *out = buf;
    return 0;
}

int gt_engine_container_top(struct gt_engine *e, const char *ref, const char *ps_args,
                            json_t **out, struct gt_error *err)
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
    cleanup_free char *path = eng_ctr_cgroup_path(e, c);
    eng_ctr_unref(c);
    struct gt_cgroup *cg = NULL;
    if ((r = gt_cgroup_open(path, &cg, err)) < 0)
        return r;
    pid_t *pids = NULL;
    size_t npids = 0;
    r = gt_cgroup_pids(cg, &pids, &npids, err);
    gt_cgroup_free(cg);
    if (r < 0)
        return r;
    char **argv = NULL;
    gt_strv_push(&argv, "ps");
    cleanup_free char *args = gt_xstrdup(ps_args && *ps_args ? ps_args : "-ef");
    char *save = NULL;
    for (char *a = strtok_r(args, " ", &save); a; a = strtok_r(NULL, " ", &save))
        gt_strv_push(&argv, a);
    cleanup_free char *output = NULL;
    r = run_capture(argv, &output, err);
    gt_strv_free(argv);
    if (r < 0) {
        free(pids);
        return r;
    }
    json_t *titles = json_array();
    json_t *procs = json_array();
    char *lsave = NULL;
    int pid_col = -1;
    size_t ncols = 0;
    for (char *line = strtok_r(output, "\n", &lsave); line; line = strtok_r(NULL, "\n", &lsave)) {
        if (!json_array_size(titles)) {
            char *tsave = NULL;
            for (char *t = strtok_r(line, " \t", &tsave); t; t = strtok_r(NULL, " \t", &tsave)) {
                if (!strcmp(t, "PID"))
                    pid_col = (int)json_array_size(titles);
                json_array_append_new(titles, json_string(t));
            }
            ncols = json_array_size(titles);
            if (pid_col < 0) {
                json_decref(titles);
                json_decref(procs);
                free(pids);
                return gt_err(err, EINVAL, "Couldn't find PID field in ps output");
            }
            continue;
        }
        json_t *row = json_array();
        char *p = line;
        for (size_t col = 0; col < ncols; col++) {
            while (*p == ' ' || *p == '\t')
                p++;
            if (col == ncols - 1) {
                json_array_append_new(row, json_string(p));
                break;
            }
            char *end = p;
            while (*end && *end != ' ' && *end != '\t')
                end++;
            json_array_append_new(row, json_stringn(p, (size_t)(end - p)));
            p = *end ? end + 1 : end;
        }
        long pid = strtol(json_string_value(json_array_get(row, (size_t)pid_col)) ?: "0", NULL, 10);
        bool mine = false;
        for (size_t i = 0; i < npids; i++)
            mine |= pids[i] == pid;
        if (mine)
            json_array_append_new(procs, row);
        else
            json_decref(row);
    }
    free(pids);
    *out = json_pack("{s:o,s:o}", "Titles", titles, "Processes", procs);
    return 0;
}

/* ---- export ---- */

int gt_engine_container_export(struct gt_engine *e, const char *ref, int fd,
                               struct gt_error *err)
{
    struct container *c;
    int r = eng_ctr_find(e, ref, &c, err);
    if (r < 0)
        return r;
    pthread_mutex_lock(&c->op);
    bool mounted_here = false;
    if (!c->mounted) {
        if ((r = eng_ctr_mount(c, err)) < 0) {
            pthread_mutex_unlock(&c->op);
            eng_ctr_unref(c);
            return r;
        }
        mounted_here = true;
    }
    cleanup_free char *root = gt_path_join(c->xdir, "rootfs");
    size_t rlen = strlen(root);
    struct archive *disk = archive_read_disk_new();
    struct archive *w = archive_write_new();
    archive_read_disk_set_standard_lookup(disk);
    archive_read_disk_set_behavior(disk, ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS |
                                             ARCHIVE_READDISK_NO_XATTR);
    archive_write_set_format_pax_restricted(w);
    if (archive_write_open_fd(w, fd) != ARCHIVE_OK) {
        r = gt_err(err, EIO, "export: %s", archive_error_string(w));
        goto out;
    }
    if (archive_read_disk_open(disk, root) != ARCHIVE_OK) {
        r = gt_err(err, EIO, "export: open %s: %s", root, archive_error_string(disk));
        goto out;
    }
    for (;;) {
        struct archive_entry *ent = archive_entry_new();
        int ar = archive_read_next_header2(disk, ent);
        if (ar == ARCHIVE_EOF) {
            archive_entry_free(ent);
            break;
        }
        if (ar != ARCHIVE_OK && ar != ARCHIVE_WARN) {
            r = gt_err(err, EIO, "export: %s", archive_error_string(disk));
            archive_entry_free(ent);
            break;
        }
        archive_read_disk_descend(disk);
        const char *src = archive_entry_sourcepath(ent);
        if (!src || strlen(src) <= rlen + 1) {
            archive_entry_free(ent);
            continue; /* the root itself */
        }
        archive_entry_copy_pathname(ent, src + rlen + 1);
        /* a hard link's target is named inside the tree too */
        const char *hl = archive_entry_hardlink(ent);
        if (hl && !strncmp(hl, root, rlen) && hl[rlen] == '/')
            archive_entry_copy_hardlink(ent, hl + rlen + 1);
        if (archive_write_header(w, ent) != ARCHIVE_OK) {
            r = gt_err(err, EIO, "export: %s", archive_error_string(w));
            archive_entry_free(ent);
            break;
        }
        if (archive_entry_filetype(ent) == AE_IFREG && archive_entry_size(ent) > 0) {
            cleanup_close int in = open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
            char buf[65536];
            ssize_t n;
            while (in >= 0 && (n = read(in, buf, sizeof buf)) > 0)
                if (archive_write_data(w, buf, (size_t)n) < 0) {
                    r = gt_err(err, EIO, "export: %s", archive_error_string(w));
                    break;
                }
        }
        archive_entry_free(ent);
        if (r < 0)
            break;
    }
    if (r == 0 && archive_write_close(w) != ARCHIVE_OK)
        r = gt_err(err, EIO, "export: %s", archive_error_string(w));
out:
    archive_read_free(disk);
    archive_write_free(w);
    if (mounted_here)
        eng_ctr_unmount(c);
    pthread_mutex_unlock(&c->op);
    if (r == 0)
        eng_event_emit(e, "container", "export", c->id, c, NULL);
    eng_ctr_unref(c);
    return r;
}

/* ---- info and df ---- */

static const char *os_name(char *buf, size_t len)
{
    char *data = NULL;
    snprintf(buf, len, "Linux");
    if (gt_read_file("/etc/os-release", 1 << 16, &data, NULL, NULL) == 0) {
        const char *p = strstr(data, "PRETTY_NAME=");
        if (p) {
            p += 12;
            if (*p == '"')
                p++;
            size_t n = strcspn(p, "\"\n");
            snprintf(buf, len, "%.*s", (int)n, p);
        }
        free(data);
    }
    return buf;
}

int gt_engine_info(struct gt_engine *e, json_t **out, struct gt_error *err)
{
    int total = 0, running = 0, paused = 0, stopped = 0;
    pthread_mutex_lock(&e->lock);
    for (size_t i = 0; i < e->n_ctrs; i++) {
        struct container *c = e->ctrs[i];
        pthread_mutex_lock(&c->lock);
        total++;
        if (c->status == ST_RUNNING || c->status == ST_RESTARTING)
            running++;
        else if (c->status == ST_PAUSED)
            paused++;
        else
            stopped++;
        pthread_mutex_unlock(&c->lock);
    }
    pthread_mutex_unlock(&e->lock);
    struct gt_image_record *recs = NULL;
    size_t nimg = 0;
    struct gt_error lerr;
    if (gt_image_store_list(e->store, &recs, &nimg, &lerr) == 0)
        gt_image_records_free(recs, nimg);
    struct utsname u;
    uname(&u);
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    char osn[128];
    enum gt_cgroup_version cgv = GT_CGROUP_V1;
    gt_cgroup_detect(&cgv, NULL);
    json_t *insecure = json_array();
    for (char **x = e->insecure; x && *x; x++)
        json_array_append_new(insecure, json_string(*x));
    json_array_append_new(insecure, json_string("127.0.0.0/8"));
    json_t *mirrors = json_array();
    for (char **x = e->mirrors; x && *x; x++)
        json_array_append_new(mirrors, json_string(*x));
    json_t *j = json_pack(
        "{s:s,s:i,s:i,s:i,s:i,s:i,s:s,s:[[s,s]],s:{s:[s],s:[s,s,s],s:[s]},s:b,s:b,s:b,s:b,s:b,"
        "s:b,s:b,s:b,s:b,s:b,s:b}",
        "ID", host, "Containers", total, "ContainersRunning", running, "ContainersPaused", paused,
        "ContainersStopped", stopped, "Images", (int)nimg, "Driver",
        gt_snapshots_driver(e->store->ss), "DriverStatus", "Backing Filesystem", "extfs",
        "Plugins", "Volume", "local", "Network", "bridge", "host", "null", "Log", "json-file",
        "MemoryLimit", true, "SwapLimit",
        gt_path_exists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes") ||
            cgv == GT_CGROUP_V2,
        "CpuCfsPeriod", true, "CpuCfsQuota", true, "CPUShares", true, "CPUSet", true,
        "PidsLimit", true, "OomKillDisable", cgv == GT_CGROUP_V1, "IPv4Forwarding", true,
        "Debug", gt_log_get_level() >= GT_LOG_DEBUG, "KernelMemory", false);
    json_t *more = json_pack(
        "{s:i,s:i,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:{s:o,s:{},s:o},s:I,s:I,s:s,s:s,s:[],"
        "s:b,s:s,s:{s:{s:s}},s:s,s:{s:s,s:s,s:b,s:n},s:b,s:s,s:s,s:{s:s,s:s},s:{s:s,s:s},"
        "s:{s:s,s:s},s:[s,s],s:[],s:s}",
        "NFd", 0, "NGoroutines", 0, "SystemTime", "", "LoggingDriver", "json-file",
        "CgroupDriver", "cgroupfs", "CgroupVersion", cgv == GT_CGROUP_V2 ? "2" : "1",
        "KernelVersion", u.release, "OperatingSystem", os_name(osn, sizeof osn), "OSVersion", "",
        "OSType", "linux", "Architecture", u.machine, "RegistryConfig", "InsecureRegistryCIDRs",
        insecure, "IndexConfigs", "Mirrors", mirrors, "NCPU",
        (json_int_t)sysconf(_SC_NPROCESSORS_ONLN), "MemTotal", (json_int_t)mem_total(),
        "DockerRootDir", e->data_root, "Name", host, "Labels", "ExperimentalBuild", false,
        "ServerVersion", "28.2.2-gantry", "Runtimes", "runc", "path", e->runtime,
        "DefaultRuntime", "runc", "Swarm", "NodeID", "", "LocalNodeState", "inactive",
        "ControlAvailable", false, "RemoteManagers", "LiveRestoreEnabled", true, "Isolation",
        "", "InitBinary", e->init, "ContainerdCommit", "ID", "", "Expected", "", "RuncCommit",
        "ID", "", "Expected", "", "InitCommit", "ID", "", "Expected", "", "SecurityOptions",
        "name=seccomp,profile=builtin", "name=cgroupns", "Warnings", "IndexServerAddress",
        "https://index.docker.io/v1/");
    json_object_update(j, more);
    json_decref(more);
    char *now = eng_format_time(eng_now_ns());
    json_object_set_new(j, "SystemTime", json_string(now));
    free(now);
    pthread_mutex_lock(&e->ev_lock);
    json_object_set_new(j, "NEventsListener", json_integer(0));
    pthread_mutex_unlock(&e->ev_lock);
    (void)err;
    *out = j;
    return 0;
}

int gt_engine_df(struct gt_engine *e, json_t **out, struct gt_error *err)
{
    json_t *images = NULL, *ctrs = NULL, *vols = NULL;
    int r;
    if ((r = gt_engine_image_list(e, true, NULL, &images, err)) < 0)
        return r;
    if ((r = gt_engine_container_list(e, true, 0, true, NULL, &ctrs, err)) < 0) {
        json_decref(images);
        return r;
    }
    if ((r = gt_engine_volume_list(e, NULL, &vols, err)) < 0) {
        json_decref(images);
        json_decref(ctrs);
        return r;
    }
    int64_t layers = 0;
    size_t i;
    json_t *v;
    json_array_foreach(images, i, v)
        layers += json_integer_value(json_object_get(v, "Size"));
    json_t *vlist = json_incref(json_object_get(vols, "Volumes"));
    json_decref(vols);
    json_array_foreach(vlist, i, v) {
        const char *name = json_string_value(json_object_get(v, "Name"));
        int refs = 0;
        size_t j;
        json_t *c;
        json_array_foreach(ctrs, j, c) {
            size_t k;
            json_t *m;
            json_array_foreach(json_object_get(c, "Mounts"), k, m)
                refs += json_is_string(json_object_get(m, "Name")) &&
                        !strcmp(json_string_value(json_object_get(m, "Name")), name);
        }
        int64_t entries = 0, bytes = 0;
        cleanup_free char *data = eng_volume_data_path(e, name);
        cleanup_close int dfd = open(data, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0)
            gt_tree_usage(dfd, &entries, &bytes, NULL);
        json_object_set_new(v, "UsageData", json_pack("{s:I,s:i}", "Size", (json_int_t)bytes,
                                                       "RefCount", refs));
    }
    *out = json_pack("{s:I,s:o,s:o,s:o,s:[]}", "LayersSize", (json_int_t)layers, "Images", images,
                     "Containers", ctrs, "Volumes", vlist, "BuildCache");
    return 0;
}
