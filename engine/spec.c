/* Docker's container config -> the OCI runtime spec (config.json of the
 * bundle): process, mounts, namespaces, cgroup resources, capabilities,
 * seccomp, masked paths -- the defaults docker gives, changed by the
 * create options.  Validation of HostConfig happens at create time, so
 * that a bad request is refused before anything is made. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "engine/internal.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define INIT_PATH "/sbin/gantry-init"

/* ---- capabilities ---- */

static const char *const cap_names[] = {
    "CAP_CHOWN",           "CAP_DAC_OVERRIDE",   "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
    "CAP_FSETID",          "CAP_KILL",           "CAP_SETGID",          "CAP_SETUID",
    "CAP_SETPCAP",         "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",       "CAP_NET_RAW",        "CAP_IPC_LOCK",        "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",      "CAP_SYS_RAWIO",      "CAP_SYS_CHROOT",      "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",       "CAP_SYS_ADMIN",      "CAP_SYS_BOOT",        "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",    "CAP_SYS_TIME",       "CAP_SYS_TTY_CONFIG",  "CAP_MKNOD",
    "CAP_LEASE",           "CAP_AUDIT_WRITE",    "CAP_AUDIT_CONTROL",   "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",    "CAP_MAC_ADMIN",      "CAP_SYSLOG",          "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",   "CAP_AUDIT_READ",     "CAP_PERFMON",         "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};
#define N_CAPS (sizeof cap_names / sizeof cap_names[0])

/* docker's default set */
static const char *const default_caps[] = {
    "CAP_CHOWN",  "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",     "CAP_MKNOD",
    "CAP_NET_RAW", "CAP_SETGID",      "CAP_SETUID",           "CAP_SETFCAP",    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",     "CAP_AUDIT_WRITE", NULL,
};

/* "chown", "CAP_CHOWN", "cap_chown" -> index, or -1 ("ALL" is -2) */
static int cap_index(const char *name)
{
    if (!strcasecmp(name, "ALL"))
        return -2;
    const char *n = !strncasecmp(name, "CAP_", 4) ? name + 4 : name;
    for (size_t i = 0; i < N_CAPS; i++)
        if (!strcasecmp(cap_names[i] + 4, n))
            return (int)i;
    return -1;
}

/* The capabilities in this process's bounding set: what "all" can be. */
static uint64_t bounding_set(void)
{
    char *data = NULL;
    uint64_t v = (1ULL << N_CAPS) - 1;
    if (gt_read_file("/proc/self/status", 1 << 16, &data, NULL, NULL) == 0) {
        const char *p = strstr(data, "CapBnd:");
        if (p)
            v = strtoull(p + 7, NULL, 16);
        free(data);
    }
    return v;
}

static uint64_t caps_mask(json_t *host)
{
    uint64_t all = bounding_set() & ((1ULL << N_CAPS) - 1);
    if (json_is_true(json_object_get(host, "Privileged")))
        return all;
    uint64_t m = 0;
    for (const char *const *d = default_caps; *d; d++)
        m |= 1ULL << cap_index(*d);
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(host, "CapDrop"), i, v) {
        int x = cap_index(json_string_value(v));
        if (x == -2)
            m = 0;
        else if (x >= 0)
            m &= ~(1ULL << x);
    }
    json_array_foreach(json_object_get(host, "CapAdd"), i, v) {
        int x = cap_index(json_string_value(v));
        if (x == -2)
            m = all;
        else if (x >= 0)
            m |= 1ULL << x;
    }
    return m & all;
}

json_t *eng_spec_caps(json_t *host)
{
    uint64_t m = caps_mask(host);
    json_t *a = json_array();
    for (size_t i = 0; i < N_CAPS; i++)
        if (m & (1ULL << i))
            json_array_append_new(a, json_string(cap_names[i]));
    return a;
}

/* ---- validation ---- */

static int get_int(json_t *obj, const char *key, int64_t *out)
{
    json_t *v = json_object_get(obj, key);
    *out = json_is_integer(v) ? json_integer_value(v) : 0;
    return 0;
}

static int check_mode(struct gt_engine *e, json_t *host, const char *key,
                      const char *const *allowed, struct gt_error *err)
{
    json_t *v = json_object_get(host, key);
    if (!v || json_is_null(v))
        return 0;
    const char *s = json_string_value(v);
    if (!s)
        return gt_err(err, EINVAL, "HostConfig.%s: expected a string", key);
    if (!*s)
        return 0;
    for (const char *const *a = allowed; *a; a++)
        if (!strcmp(s, *a))
            return 0;
    if (!strncmp(s, "container:", 10)) {
        struct container *o;
        int r = eng_ctr_find(e, s + 10, &o, err);
        if (r < 0)
            return gt_err_prefix(err, "HostConfig.%s", key);
        eng_ctr_unref(o);
        return 0;
    }
    return gt_err(err, EINVAL, "invalid HostConfig.%s: %s", key, s);
}

int eng_spec_validate_host(struct gt_engine *e, json_t *host, json_t *config, json_t **warnings,
                       struct gt_error *err)
{
    int r = eng_resources_check(host, false, warnings ? *warnings : NULL, err);
    if (r < 0)
        return r;
    /* restart policy */
    json_t *rp = json_object_get(host, "RestartPolicy");
    if (rp && !json_is_null(rp) && !json_is_object(rp))
        return gt_err(err, EINVAL, "HostConfig.RestartPolicy: expected an object");
    const char *rname = json_string_value(json_object_get(rp, "Name"));
    int64_t retries = json_integer_value(json_object_get(rp, "MaximumRetryCount"));
    if (!rname)
        rname = "";
    if (*rname && strcmp(rname, "no") && strcmp(rname, "always") && strcmp(rname, "on-failure") &&
        strcmp(rname, "unless-stopped"))
        return gt_err(err, EINVAL, "invalid restart policy: unknown policy '%s'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'", rname);
    if (retries < 0)
        return gt_err(err, EINVAL, "invalid restart policy: maximum retry count must be a positive integer");
    if (retries > 0 && strcmp(rname, "on-failure"))
        return gt_err(err, EINVAL, "invalid restart policy: maximum retry count can only be used with 'on-failure'");
    bool autoremove = json_is_true(json_object_get(host, "AutoRemove"));
    if (autoremove && *rname && strcmp(rname, "no"))
        return gt_err(err, EINVAL, "can't create 'AutoRemove' container with restart policy");
    json_object_set_new(host, "RestartPolicy", json_pack("{s:s,s:I}", "Name", *rname ? rname : "no",
                                                         "MaximumRetryCount", (json_int_t)retries));
    static const char *const ipc[] = { "private", "shareable", "host", "none", NULL };
    static const char *const pid[] = { "host", "private", NULL };
    static const char *const uts[] = { "host", NULL };
    if ((r = check_mode(e, host, "IpcMode", ipc, err)) < 0 ||
        (r = check_mode(e, host, "PidMode", pid, err)) < 0 ||
        (r = check_mode(e, host, "UTSMode", uts, err)) < 0)
        return r;
    /* capabilities */
    static const char *const capkeys[] = { "CapAdd", "CapDrop", NULL };
    for (const char *const *k = capkeys; *k; k++) {
        json_t *arr = json_object_get(host, *k);
        if (arr && !json_is_null(arr) && !json_is_array(arr))
            return gt_err(err, EINVAL, "HostConfig.%s: expected an array of strings", *k);
        size_t i;
        json_t *v;
        json_array_foreach(arr, i, v)
            if (!json_is_string(v) || cap_index(json_string_value(v)) == -1)
                return gt_err(err, EINVAL, "invalid %s: unknown capability: \"%s\"",
                              !strcmp(*k, "CapAdd") ? "CapAdd" : "CapDrop",
                              json_string_value(v) ? json_string_value(v) : "");
    }
    /* security options */
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(host, "SecurityOpt"), i, v) {
        const char *s = json_string_value(v);
        if (!s)
            return gt_err(err, EINVAL, "HostConfig.SecurityOpt[%zu]: expected a string", i);
        if (!strcmp(s, "no-new-privileges") || !strcmp(s, "no-new-privileges:true") ||
            !strcmp(s, "no-new-privileges=true") || !strcmp(s, "no-new-privileges:false") ||
            !strcmp(s, "no-new-privileges=false") || !strncmp(s, "apparmor", 8) ||
            !strncmp(s, "label", 5) || !strncmp(s, "systempaths=", 12))
            continue;
        if (!strncmp(s, "seccomp=", 8) || !strncmp(s, "seccomp:", 8)) {
            const char *p = s + 8;
            if (!strcmp(p, "unconfined") || !strcmp(p, "builtin"))
                continue;
            cleanup_json json_t *prof = NULL;
            if (gt_json_load_buf(p, strlen(p), "seccomp profile", &prof, err) < 0 ||
                !json_is_object(prof))
                return gt_err(err, EINVAL, "invalid seccomp profile: %s", err ? err->msg : "");
            continue;
        }
        return gt_err(err, EINVAL, "invalid --security-opt: \"%s\"", s);
    }
    /* logging */
    json_t *lc = json_object_get(host, "LogConfig");
    const char *lt = json_string_value(json_object_get(lc, "Type"));
    if (lt && *lt && strcmp(lt, "json-file") && strcmp(lt, "local") && strcmp(lt, "none"))
        return gt_err(err, EINVAL, "logging driver \"%s\" is not supported (json-file is)", lt);
    if (!json_is_object(lc))
        json_object_set_new(host, "LogConfig", json_pack("{s:s,s:{}}", "Type", "json-file", "Config"));
    else if (!lt || !*lt)
        json_object_set_new(lc, "Type", json_string("json-file"));
    json_t *lcc = json_object_get(json_object_get(host, "LogConfig"), "Config");
    const char *k;
    json_object_foreach(lcc, k, v)
        if (strcmp(k, "max-size") && strcmp(k, "max-file") && strcmp(k, "compress") &&
            strcmp(k, "labels") && strcmp(k, "env") && strcmp(k, "tag"))
            return gt_err(err, EINVAL, "unknown log opt '%s' for json-file log driver", k);
    /* devices */
    json_array_foreach(json_object_get(host, "Devices"), i, v) {
        const char *p = json_string_value(json_object_get(v, "PathOnHost"));
        struct stat st;
        if (!p || stat(p, &st) < 0 || !(S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)))
            return gt_err(err, EINVAL, "error gathering device information while adding custom device \"%s\": no such file or directory", p ? p : "");
    }
    static const char *const rl[] = { "core", "cpu", "data", "fsize", "locks", "memlock",
                                      "msgqueue", "nice", "nofile", "nproc", "rss", "rtprio",
                                      "rttime", "sigpending", "stack", "as", NULL };
    json_array_foreach(json_object_get(host, "Ulimits"), i, v) {
        const char *n = json_string_value(json_object_get(v, "Name"));
        bool ok = false;
        for (const char *const *x = rl; *x && n; x++)
            ok |= !strcmp(*x, n);
        if (!ok)
            return gt_err(err, EINVAL, "invalid ulimit type: %s", n ? n : "");
    }
    if (json_is_true(json_object_get(host, "Init")) && access(e->init, R_OK) < 0)
        return gt_err(err, EINVAL, "--init: the init binary %s is missing", e->init);
    (void)config;
    return 0;
}

/* ---- files of the container: /etc/hostname, /etc/hosts, /etc/resolv.conf ---- */

static int write_etc_files(struct gt_engine *e, struct container *c, bool host_net,
                           struct gt_error *err)
{
    const char *hn = json_string_value(json_object_get(c->config, "Hostname"));
    cleanup_free char *hostname = gt_xasprintf("%s\n", hn ? hn : "");
    cleanup_free char *p1 = gt_path_join(c->dir, "hostname");
    int r = gt_write_file_atomic(p1, hostname, strlen(hostname), 0644, false, err);
    if (r < 0)
        return r;
    return eng_net_write_etc(e, c, host_net, err);
}

/* ---- mounts ---- */

static json_t *mount(const char *dst, const char *type, const char *src, const char *opts)
{
    json_t *o = json_array();
    cleanup_free char *copy = gt_xstrdup(opts);
    for (char *s = copy, *save = NULL, *t; (t = strtok_r(s, ",", &save)); s = NULL)
        json_array_append_new(o, json_string(t));
    return json_pack("{s:s,s:s,s:s,s:o}", "destination", dst, "type", type, "source", src,
                     "options", o);
}

static int path_depth(const char *p)
{
    int n = 0;
    for (; *p; p++)
        n += *p == '/';
    return n;
}

static int mount_cmp(const void *a, const void *b)
{
    const char *x = json_string_value(json_object_get(*(json_t *const *)a, "destination"));
    const char *y = json_string_value(json_object_get(*(json_t *const *)b, "destination"));
    return path_depth(x) - path_depth(y);
}

/* mkdir -p of path inside the root at rootfd, every step resolved in that
 * root (a symbolic link in the image cannot lead outside) */
static int mkdir_in_root(int rootfd, const char *path, uid_t uid, gid_t gid)
{
    cleanup_free char *copy = gt_xstrdup(path);
    struct open_how how = { .flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
                            .resolve = RESOLVE_IN_ROOT };
    cleanup_close int dir = (int)syscall(SYS_openat2, rootfd, ".", &how, sizeof how);
    if (dir < 0)
        return -errno;
    for (char *s = copy, *save = NULL, *p; (p = strtok_r(s, "/", &save)); s = NULL) {
        if (!strcmp(p, ".") || !strcmp(p, ".."))
            continue;
        int next = (int)syscall(SYS_openat2, dir, p, &how, sizeof how);
        if (next < 0 && errno == ENOENT) {
            if (mkdirat(dir, p, 0755) == 0 && fchownat(dir, p, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
                gt_debug("chown %s: %s", p, strerror(errno));
            next = (int)syscall(SYS_openat2, dir, p, &how, sizeof how);
        }
        if (next < 0)
            return -errno;
        close(dir);
        dir = next;
    }
    return 0;
}

/* ---- seccomp ---- */

/* docker's profile format (names, action, args, includes/excludes by
 * capability) -> the runtime spec's linux.seccomp */
static int seccomp_from_docker(json_t *prof, json_t *caps, json_t **out, struct gt_error *err)
{
    json_t *o = json_object();
    json_t *da = json_object_get(prof, "defaultAction");
    if (!json_is_string(da)) {
        json_decref(o);
        return gt_err(err, EINVAL, "seccomp profile: defaultAction is required");
    }
    json_object_set(o, "defaultAction", da);
    if (json_is_integer(json_object_get(prof, "defaultErrnoRet")))
        json_object_set(o, "defaultErrnoRet", json_object_get(prof, "defaultErrnoRet"));
    json_t *arches = json_array();
    size_t i, j;
    json_t *v, *w;
    json_array_foreach(json_object_get(prof, "architectures"), i, v)
        json_array_append(arches, v);
    json_array_foreach(json_object_get(prof, "archMap"), i, v) {
        const char *a = json_string_value(json_object_get(v, "architecture"));
#if defined(__x86_64__)
        if (!a || strcmp(a, "SCMP_ARCH_X86_64"))
            continue;
#elif defined(__aarch64__)
        if (!a || strcmp(a, "SCMP_ARCH_AARCH64"))
            continue;
#endif
        json_array_append_new(arches, json_string(a));
        json_array_foreach(json_object_get(v, "subArchitectures"), j, w)
            json_array_append(arches, w);
    }
    if (json_array_size(arches))
        json_object_set_new(o, "architectures", arches);
    else
        json_decref(arches);
    json_t *sys = json_array();
    json_array_foreach(json_object_get(prof, "syscalls"), i, v) {
        bool skip = false;
        json_t *inc = json_object_get(json_object_get(v, "includes"), "caps");
        json_t *exc = json_object_get(json_object_get(v, "excludes"), "caps");
        json_array_foreach(inc, j, w) {
            bool have = false;
            size_t k;
            json_t *c;
            json_array_foreach(caps, k, c)
                have |= json_equal(c, w);
            skip |= !have;
        }
        json_array_foreach(exc, j, w) {
            size_t k;
            json_t *c;
            json_array_foreach(caps, k, c)
                skip |= json_equal(c, w);
        }
        if (skip)
            continue;
        json_t *names = json_object_get(v, "names");
        if (!json_is_array(names) && json_is_string(json_object_get(v, "name")))
            names = json_pack("[O]", json_object_get(v, "name"));
        else
            json_incref(names);
        json_t *rule = json_pack("{s:o,s:O}", "names", names ? names : json_array(), "action",
                                 json_object_get(v, "action"));
        if (json_is_integer(json_object_get(v, "errnoRet")))
            json_object_set(rule, "errnoRet", json_object_get(v, "errnoRet"));
        if (json_is_array(json_object_get(v, "args")) && json_array_size(json_object_get(v, "args")))
            json_object_set(rule, "args", json_object_get(v, "args"));
        json_array_append_new(sys, rule);
    }
    json_object_set_new(o, "syscalls", sys);
    *out = o;
    return 0;
}

/* ---- the spec ---- */

static json_t *env_add_default(json_t *env, const char *kv)
{
    size_t klen = (size_t)(strchr(kv, '=') - kv);
    size_t i;
    json_t *v;
    json_array_foreach(env, i, v) {
        const char *s = json_string_value(v);
        if (s && !strncmp(s, kv, klen) && s[klen] == '=')
            return env;
    }
    json_array_append_new(env, json_string(kv));
    return env;
}

static int64_t parse_size(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    switch (*end | 0x20) {
    case 'k': v *= 1024; break;
    case 'm': v *= 1024 * 1024; break;
    case 'g': v *= 1024.0 * 1024 * 1024; break;
    default: break;
    }
    return (int64_t)v;
}

/* A running container's pid, for container:<ref> modes. */
static int other_pid(struct gt_engine *e, const char *ref, pid_t *pid, struct gt_error *err)
{
    struct container *o;
    int r = eng_ctr_find(e, ref, &o, err);
    if (r < 0)
        return r;
    pthread_mutex_lock(&o->lock);
    bool running = eng_ctr_is_running(o);
    *pid = o->pid;
    pthread_mutex_unlock(&o->lock);
    eng_ctr_unref(o);
    if (!running)
        return gt_err(err, EBUSY, "cannot join the namespaces of container %s: it is not running", ref);
    return 0;
}

static int add_ns(struct gt_engine *e, json_t *nss, const char *type, const char *mode,
                  const char *nsname, struct gt_error *err)
{
    if (mode && !strcmp(mode, "host"))
        return 0;
    if (mode && !strncmp(mode, "container:", 10)) {
        pid_t pid;
        int r = other_pid(e, mode + 10, &pid, err);
        if (r < 0)
            return r;
        json_array_append_new(nss, json_pack("{s:s,s:o}", "type", type, "path",
                                             json_sprintf("/proc/%d/ns/%s", (int)pid, nsname)));
        return 0;
    }
    json_array_append_new(nss, json_pack("{s:s}", "type", type));
    return 0;
}

/* A namespace the engine made (the network's, network_ctr.c). */
static int add_ns_path(json_t *nss, const char *type, const char *path)
{
    json_array_append_new(nss, json_pack("{s:s,s:s}", "type", type, "path", path));
    return 0;
}

static json_t *device_rule(bool allow, const char *type, int64_t major, int64_t minor,
                           const char *access)
{
    json_t *d = json_pack("{s:b,s:s}", "allow", allow, "access", access);
    if (type)
        json_object_set_new(d, "type", json_string(type));
    if (major >= 0)
        json_object_set_new(d, "major", json_integer(major));
    if (minor >= 0)
        json_object_set_new(d, "minor", json_integer(minor));
    return d;
}

static json_t *resources(struct gt_engine *e, struct container *c, bool privileged,
                         json_t *devices)
{
    json_t *h = c->host;
    json_t *res = json_object();
    json_t *devs = json_array();
    if (privileged) {
        json_array_append_new(devs, device_rule(true, NULL, -1, -1, "rwm"));
    } else {
        json_array_append_new(devs, device_rule(false, NULL, -1, -1, "rwm"));
        json_array_append_new(devs, device_rule(true, "c", -1, -1, "m"));
        json_array_append_new(devs, device_rule(true, "b", -1, -1, "m"));
        static const int64_t std[][2] = { { 1, 3 }, { 1, 5 }, { 1, 7 }, { 1, 8 }, { 1, 9 },
                                          { 5, 0 }, { 5, 1 }, { 5, 2 }, { 10, 200 } };
        for (size_t i = 0; i < sizeof std / sizeof std[0]; i++)
            json_array_append_new(devs, device_rule(true, "c", std[i][0], std[i][1], "rwm"));
        json_array_append_new(devs, device_rule(true, "c", 136, -1, "rwm"));
        size_t i;
        json_t *d;
        json_array_foreach(devices, i, d) {
            json_t *r = json_pack("{s:b,s:O,s:O,s:O,s:s}", "allow", true, "type",
                                  json_object_get(d, "type"), "major", json_object_get(d, "major"),
                                  "minor", json_object_get(d, "minor"), "access",
                                  json_string_value(json_object_get(d, "_access")) ?: "rwm");
            json_array_append_new(devs, r);
        }
    }
    json_object_set_new(res, "devices", devs);
    int64_t mem, swap, resv, swappiness, nano, quota, period, shares, pids, weight;
    get_int(h, "Memory", &mem);
    get_int(h, "MemorySwap", &swap);
    get_int(h, "MemoryReservation", &resv);
    json_t *sw = json_object_get(h, "MemorySwappiness");
    swappiness = json_is_integer(sw) ? json_integer_value(sw) : -1;
    get_int(h, "NanoCpus", &nano);
    get_int(h, "CpuQuota", &quota);
    get_int(h, "CpuPeriod", &period);
    get_int(h, "CpuShares", &shares);
    get_int(h, "PidsLimit", &pids);
    get_int(h, "BlkioWeight", &weight);
    json_t *memj = json_object();
    if (mem > 0) {
        json_object_set_new(memj, "limit", json_integer(mem));
        bool memsw = gt_path_exists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes") ||
                     gt_path_exists("/sys/fs/cgroup/cgroup.controllers");
        if (memsw) {
            if (swap == 0)
                json_object_set_new(memj, "swap", json_integer(2 * mem));
            else if (swap == -1 || swap > 0)
                json_object_set_new(memj, "swap", json_integer(swap));
        }
    }
    if (resv > 0)
        json_object_set_new(memj, "reservation", json_integer(resv));
    if (swappiness >= 0 && swappiness <= 100)
        json_object_set_new(memj, "swappiness", json_integer(swappiness));
    if (json_is_true(json_object_get(h, "OomKillDisable")))
        json_object_set_new(memj, "disableOOMKiller", json_true());
    if (json_object_size(memj))
        json_object_set_new(res, "memory", memj);
    else
        json_decref(memj);
    json_t *cpu = json_object();
    if (shares > 0)
        json_object_set_new(cpu, "shares", json_integer(shares < 2 ? 2 : shares));
    if (nano > 0) {
        json_object_set_new(cpu, "period", json_integer(100000));
        json_object_set_new(cpu, "quota", json_integer(nano * 100000 / 1000000000));
    } else {
        if (quota > 0)
            json_object_set_new(cpu, "quota", json_integer(quota));
        if (period > 0)
            json_object_set_new(cpu, "period", json_integer(period));
    }
    const char *cpus = json_string_value(json_object_get(h, "CpusetCpus"));
    const char *mems = json_string_value(json_object_get(h, "CpusetMems"));
    if (cpus && *cpus)
        json_object_set_new(cpu, "cpus", json_string(cpus));
    if (mems && *mems)
        json_object_set_new(cpu, "mems", json_string(mems));
    if (json_object_size(cpu))
        json_object_set_new(res, "cpu", cpu);
    else
        json_decref(cpu);
    if (pids > 0)
        json_object_set_new(res, "pids", json_pack("{s:I}", "limit", (json_int_t)pids));
    if (weight > 0)
        json_object_set_new(res, "blockIO", json_pack("{s:I}", "weight", (json_int_t)weight));
    (void)e;
    return res;
}

int eng_spec_build(struct gt_engine *e, struct container *c, json_t *image_config, json_t **out,
               struct gt_error *err)
{
    json_t *cfg = c->config, *h = c->host;
    bool privileged = json_is_true(json_object_get(h, "Privileged"));
    bool tty = json_is_true(json_object_get(cfg, "Tty"));
    bool init = json_is_true(json_object_get(h, "Init"));
    bool ro = json_is_true(json_object_get(h, "ReadonlyRootfs"));
    const char *nm = eng_net_mode(e, c);
    bool host_net = !strcmp(nm, "host");
    cleanup_free char *rootfs = gt_path_join(c->xdir, "rootfs");
    cleanup_close int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return gt_err_sys(err, errno, "open %s", rootfs);
    struct ctr_user user;
    const char *uspec = json_string_value(json_object_get(cfg, "User"));
    int r = eng_user_resolve(rootfd, uspec, &user, err);
    if (r < 0)
        return r;
    if ((r = write_etc_files(e, c, host_net, err)) < 0)
        return r;

    /* process */
    json_t *args = json_array();
    if (init) {
        json_array_append_new(args, json_string(INIT_PATH));
        json_array_append_new(args, json_string("--"));
    }
    json_array_append_new(args, json_string(c->path));
    for (char **a = c->args; a && *a; a++)
        json_array_append_new(args, json_string(*a));
    json_t *env = json_deep_copy(json_object_get(cfg, "Env"));
    if (!json_is_array(env)) {
        json_decref(env);
        env = json_array();
    }
    env_add_default(env, DEFAULT_PATH);
    const char *hn = json_string_value(json_object_get(cfg, "Hostname"));
    cleanup_free char *hostname_env = gt_xasprintf("HOSTNAME=%s", hn ? hn : "");
    env_add_default(env, hostname_env);
    if (tty)
        env_add_default(env, "TERM=xterm");
    cleanup_free char *home = gt_xasprintf("HOME=%s", user.home);
    env_add_default(env, home);
    const char *wd = json_string_value(json_object_get(cfg, "WorkingDir"));
    if (!wd || !*wd)
        wd = "/";
    if (wd[0] != '/')
        return gt_err(err, EINVAL, "the working directory '%s' is invalid: it needs to be an absolute path", wd);
    if (!ro && (r = mkdir_in_root(rootfd, wd, user.uid, user.gid)) < 0)
        gt_debug("container %s: create the working directory %s: %s", c->id, wd, strerror(-r));
    json_t *caps = eng_spec_caps(h);
    json_t *gids = json_array();
    for (size_t i = 0; i < user.n_groups; i++)
        json_array_append_new(gids, json_integer(user.groups[i]));
    json_t *process = json_pack(
        "{s:b,s:{s:i,s:i,s:o},s:o,s:o,s:s,s:{s:O,s:O,s:O},s:b}", "terminal", tty, "user", "uid",
        (int)user.uid, "gid", (int)user.gid, "additionalGids", gids, "args", args, "env", env,
        "cwd", wd, "capabilities", "bounding", caps, "effective", caps, "permitted", caps,
        "noNewPrivileges", false);
    json_t *cs = json_object_get(h, "ConsoleSize");
    if (tty && json_is_array(cs) && json_integer_value(json_array_get(cs, 0)) > 0)
        json_object_set_new(process, "consoleSize",
                            json_pack("{s:O,s:O}", "height", json_array_get(cs, 0), "width",
                                      json_array_get(cs, 1)));
    int64_t oom_adj = json_integer_value(json_object_get(h, "OomScoreAdj"));
    if (oom_adj)
        json_object_set_new(process, "oomScoreAdj", json_integer(oom_adj));
    json_t *rlimits = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(h, "Ulimits"), i, v) {
        char type[64];
        snprintf(type, sizeof type, "RLIMIT_%s", json_string_value(json_object_get(v, "Name")));
        for (char *p = type; *p; p++)
            *p = (char)toupper((unsigned char)*p);
        json_array_append_new(rlimits, json_pack("{s:s,s:O,s:O}", "type", type, "soft",
                                                 json_object_get(v, "Soft"), "hard",
                                                 json_object_get(v, "Hard")));
    }
    if (json_array_size(rlimits))
        json_object_set_new(process, "rlimits", rlimits);
    else
        json_decref(rlimits);
    bool seccomp_off = privileged;
    json_t *seccomp_prof = NULL;
    json_array_foreach(json_object_get(h, "SecurityOpt"), i, v) {
        const char *s = json_string_value(v);
        if (!strcmp(s, "no-new-privileges") || !strcmp(s, "no-new-privileges:true") ||
            !strcmp(s, "no-new-privileges=true"))
            json_object_set_new(process, "noNewPrivileges", json_true());
        if (!strcmp(s, "seccomp=unconfined") || !strcmp(s, "seccomp:unconfined"))
            seccomp_off = true;
        else if ((!strncmp(s, "seccomp=", 8) || !strncmp(s, "seccomp:", 8)) && s[8] == '{') {
            json_t *prof = NULL;
            if (gt_json_load_buf(s + 8, strlen(s + 8), "seccomp profile", &prof, err) < 0) {
                json_decref(process);
                json_decref(caps);
                return -EINVAL;
            }
            r = seccomp_from_docker(prof, caps, &seccomp_prof, err);
            json_decref(prof);
            if (r < 0) {
                json_decref(process);
                json_decref(caps);
                return r;
            }
        }
    }

    /* mounts */
    json_t *mounts = json_array();
    json_array_append_new(mounts, mount("/proc", "proc", "proc", "nosuid,noexec,nodev"));
    json_array_append_new(mounts, mount("/dev", "tmpfs", "tmpfs",
                                        "nosuid,strictatime,mode=755,size=65536k"));
    json_array_append_new(mounts, mount("/dev/pts", "devpts", "devpts",
                                        "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5"));
    json_array_append_new(mounts, mount("/sys", "sysfs", "sysfs",
                                        privileged ? "nosuid,noexec,nodev,rw"
                                                   : "nosuid,noexec,nodev,ro"));
    json_array_append_new(mounts, mount("/sys/fs/cgroup", "cgroup", "cgroup",
                                        privileged ? "nosuid,noexec,nodev,relatime,rw"
                                                   : "nosuid,noexec,nodev,relatime,ro"));
    json_array_append_new(mounts, mount("/dev/mqueue", "mqueue", "mqueue", "nosuid,noexec,nodev"));
    const char *ipc = json_string_value(json_object_get(h, "IpcMode"));
    if (!ipc || strcmp(ipc, "host")) {
        int64_t shm = json_integer_value(json_object_get(h, "ShmSize"));
        char o[96];
        snprintf(o, sizeof o, "nosuid,noexec,nodev,mode=1777,size=%lld",
                 (long long)(shm > 0 ? shm : 64 * 1024 * 1024));
        json_array_append_new(mounts, mount("/dev/shm", "tmpfs", "shm", o));
    }
    static const char *const etc[] = { "resolv.conf", "hostname", "hosts" };
    for (size_t k = 0; k < 3; k++) {
        cleanup_free char *src = gt_path_join(c->dir, etc[k]);
        cleanup_free char *dst = gt_xasprintf("/etc/%s", etc[k]);
        json_array_append_new(mounts, mount(dst, "bind", src, "rbind,rprivate"));
    }
    size_t n_fixed = json_array_size(mounts);
    json_array_foreach(c->mounts, i, v) {
        const char *type = json_string_value(json_object_get(v, "Type"));
        const char *src = json_string_value(json_object_get(v, "Source"));
        const char *dst = json_string_value(json_object_get(v, "Destination"));
        bool rw = !json_is_false(json_object_get(v, "RW"));
        if (!strcmp(type, "tmpfs")) {
            const char *mode = json_string_value(json_object_get(v, "Mode"));
            cleanup_free char *opts = gt_xasprintf("nosuid,nodev,noexec%s%s",
                                                   mode && *mode ? "," : "", mode ? mode : "");
            json_array_append_new(mounts, mount(dst, "tmpfs", "tmpfs", opts));
            continue;
        }
        if (!strcmp(type, "volume")) {
            const char *name = json_string_value(json_object_get(v, "Name"));
            const char *mode = json_string_value(json_object_get(v, "Mode"));
            if (!mode || !strstr(mode, "nocopy")) {
                struct gt_error cerr = { 0 };
                if (eng_volume_copy_up(e, name, rootfd, dst, &cerr) < 0)
                    gt_warn("container %s: volume %s: %s", c->id, name, cerr.msg);
            }
        }
        json_array_append_new(mounts, mount(dst, "bind", src, rw ? "rbind,rprivate" : "rbind,rprivate,ro"));
    }
    if (init)
        json_array_append_new(mounts, mount(INIT_PATH, "bind", e->init, "bind,ro"));
    /* parents before children, as docker sorts them */
    size_t nm_total = json_array_size(mounts);
    json_t **sorted = gt_xmalloc((nm_total + 1) * sizeof *sorted);
    for (size_t k = n_fixed; k < nm_total; k++)
        sorted[k - n_fixed] = json_incref(json_array_get(mounts, k));
    qsort(sorted, nm_total - n_fixed, sizeof *sorted, mount_cmp);
    for (size_t k = n_fixed; k < nm_total; k++) {
        json_array_set(mounts, k, sorted[k - n_fixed]);
        json_decref(sorted[k - n_fixed]);
    }
    free(sorted);

    /* namespaces */
    json_t *nss = json_array();
    const char *pidm = json_string_value(json_object_get(h, "PidMode"));
    const char *utsm = json_string_value(json_object_get(h, "UTSMode"));
    if ((r = add_ns(e, nss, "pid", pidm, "pid", err)) < 0 ||
        (r = add_ns(e, nss, "ipc", ipc && !strcmp(ipc, "private") ? NULL : ipc, "ipc", err)) < 0 ||
        (r = add_ns(e, nss, "uts", utsm, "uts", err)) < 0 ||
        (r = c->netns ? add_ns_path(nss, "network", c->netns)
                      : add_ns(e, nss, "network", nm, "net", err)) < 0) {
        json_decref(nss);
        json_decref(mounts);
        json_decref(process);
        json_decref(seccomp_prof);
        json_decref(caps);
        return r;
    }
    json_array_append_new(nss, json_pack("{s:s}", "type", "mount"));

    /* devices given with --device */
    json_t *devices = json_array();
    json_array_foreach(json_object_get(h, "Devices"), i, v) {
        const char *ph = json_string_value(json_object_get(v, "PathOnHost"));
        const char *pc = json_string_value(json_object_get(v, "PathInContainer"));
        const char *perm = json_string_value(json_object_get(v, "CgroupPermissions"));
        struct stat st;
        if (!ph || stat(ph, &st) < 0)
            continue;
        json_array_append_new(devices,
                              json_pack("{s:s,s:s,s:I,s:I,s:i,s:i,s:i,s:s}", "path",
                                        pc && *pc ? pc : ph, "type", S_ISBLK(st.st_mode) ? "b" : "c",
                                        "major", (json_int_t)major(st.st_rdev), "minor",
                                        (json_int_t)minor(st.st_rdev), "fileMode",
                                        (int)(st.st_mode & 07777), "uid", 0, "gid", 0, "_access",
                                        perm && *perm ? perm : "rwm"));
    }
    const char *parent = json_string_value(json_object_get(h, "CgroupParent"));
    cleanup_free char *cgpath = gt_xasprintf("%s/%s", parent && *parent ? parent : e->cgroup_parent,
                                             c->id);
    json_t *linux_ = json_pack("{s:o,s:s,s:o}", "namespaces", nss, "cgroupsPath", cgpath,
                               "resources", resources(e, c, privileged, devices));
    json_t *spec_devs = json_array();
    json_array_foreach(devices, i, v) {
        json_t *d = json_deep_copy(v);
        json_object_del(d, "_access");
        json_array_append_new(spec_devs, d);
    }
    json_decref(devices);
    if (json_array_size(spec_devs))
        json_object_set_new(linux_, "devices", spec_devs);
    else
        json_decref(spec_devs);
    if (!privileged) {
        json_object_set_new(linux_, "maskedPaths",
                            json_pack("[s,s,s,s,s,s,s,s,s,s,s]", "/proc/asound", "/proc/acpi",
                                      "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                                      "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
                                      "/proc/scsi", "/sys/firmware",
                                      "/sys/devices/virtual/powercap"));
        json_object_set_new(linux_, "readonlyPaths",
                            json_pack("[s,s,s,s,s]", "/proc/bus", "/proc/fs", "/proc/irq",
                                      "/proc/sys", "/proc/sysrq-trigger"));
    }
    if (!seccomp_off)
        json_object_set_new(linux_, "seccomp", seccomp_prof ? seccomp_prof : eng_seccomp_default_profile(caps));
    else
        json_decref(seccomp_prof);
    json_t *sysctl = json_object_get(h, "Sysctls");
    if (json_is_object(sysctl) && json_object_size(sysctl))
        json_object_set(linux_, "sysctl", sysctl);

    json_t *spec = json_pack("{s:s,s:o,s:{s:s,s:b},s:o,s:o}", "ociVersion", "1.0.2", "process",
                             process, "root", "path", "rootfs", "readonly", ro, "mounts", mounts,
                             "linux", linux_);
    if (!utsm || strcmp(utsm, "host")) {
        json_object_set_new(spec, "hostname", json_string(hn ? hn : ""));
        const char *dn = json_string_value(json_object_get(cfg, "Domainname"));
        if (dn && *dn)
            json_object_set_new(spec, "domainname", json_string(dn));
    }
    json_t *ann = json_object();
    json_object_set_new(ann, "org.opencontainers.image.stopSignal",
                        json_string(json_string_value(json_object_get(cfg, "StopSignal")) ?: ""));
    json_object_set_new(spec, "annotations", ann);
    json_decref(caps);
    (void)image_config;
    (void)parse_size;
    *out = spec;
    return 0;
}
