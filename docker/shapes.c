/* JSON that this layer builds (version, wait bodies, built-in networks)
 * or completes (Info, containers) in the shapes that dockerd sends. */
#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/mem.h"
#include "docker/internal.h"

#ifdef __VERSION__
#define CC_VERSION "gcc " __VERSION__
#else
#define CC_VERSION "unknown"
#endif

static const char *arch_name(const char *machine)
{
    static const struct {
        const char *uname, *go;
    } map[] = { { "x86_64", "amd64" }, { "aarch64", "arm64" }, { "armv7l", "arm" },
                { "i686", "386" },     { "ppc64le", "ppc64le" }, { "s390x", "s390x" },
                { "riscv64", "riscv64" } };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(map[i].uname, machine))
            return map[i].go;
    return machine;
}

json_t *gt_docker_version_json(const struct gt_docker *d, const char *kernel)
{
    struct utsname u;
    uname(&u);
    const char *arch = arch_name(u.machine);
    const char *commit = d->git_commit ? d->git_commit : "";
    /* Components for the CLI of today, the top-level fields for older
     * clients (the CLI builds an Engine component from them when absent) */
    return json_pack("{s:{s:s}, s:[{s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}}],"
                     " s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
                     "Platform", "Name", "Gantry Engine",
                     "Components", "Name", "Engine", "Version", d->version, "Details",
                     "ApiVersion", GT_DOCKER_API_VERSION, "MinAPIVersion",
                     GT_DOCKER_MIN_API_VERSION, "GitCommit", commit, "GoVersion", CC_VERSION,
                     "Os", "linux", "Arch", arch, "KernelVersion", kernel, "Experimental",
                     "false", "BuildTime", "",
                     "Version", d->version, "ApiVersion", GT_DOCKER_API_VERSION,
                     "MinAPIVersion", GT_DOCKER_MIN_API_VERSION, "GitCommit", commit,
                     "GoVersion", CC_VERSION, "Os", "linux", "Arch", arch, "KernelVersion",
                     kernel, "BuildTime", "");
}

static char *os_pretty_name(void)
{
    cleanup_free char *s = NULL;
    if (gt_read_file("/etc/os-release", 64 * 1024, &s, NULL, NULL) < 0)
        return gt_xstrdup("Linux");
    for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, "PRETTY_NAME=", 12) != 0)
            continue;
        char *v = line + 12;
        size_t n = strlen(v);
        if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
            v++;
            n -= 2;
        }
        return gt_xstrndup(v, n);
    }
    return gt_xstrdup("Linux");
}

void gt_docker_info_defaults(const struct gt_docker *d, json_t *info, const char *kernel)
{
    struct utsname u;
    uname(&u);
    struct sysinfo si;
    int64_t mem = sysinfo(&si) == 0 ? (int64_t)si.totalram * si.mem_unit : 0;
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    cleanup_free char *os = os_pretty_name();
    cleanup_json json_t *def = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:b, s:b, s:b,"
        " s:s, s:s, s:s, s:[], s:{s:[s], s:[s,s], s:[s]}, s:{s:s, s:s, s:s, s:b, s:s, s:n},"
        " s:{s:s, s:s}, s:{s:s, s:s}, s:{s:s, s:s}, s:s, s:[], s:[], s:s, s:s, s:s,"
        " s:{s:[], s:{}, s:[]}, s:b, s:b, s:b, s:b, s:b, s:b, s:b, s:b, s:b}",
        "ServerVersion", d->version, "OSType", "linux", "OperatingSystem", os, "OSVersion", "",
        "KernelVersion", kernel, "Architecture", u.machine, "NCPU",
        (json_int_t)sysconf(_SC_NPROCESSORS_ONLN), "MemTotal", (json_int_t)mem, "Name", host,
        "ID", "", "Debug", d->debug, "ExperimentalBuild", 0, "LiveRestoreEnabled", 1,
        "LoggingDriver", "json-file", "CgroupDriver", "cgroupfs", "IndexServerAddress",
        "https://index.docker.io/v1/", "DriverStatus",
        "Plugins", "Volume", "local", "Network", "host", "null", "Log", "json-file",
        "Swarm", "NodeID", "", "NodeAddr", "", "LocalNodeState", "inactive",
        "ControlAvailable", 0, "Error", "", "RemoteManagers",
        "ContainerdCommit", "ID", "", "Expected", "",
        "RuncCommit", "ID", "", "Expected", "",
        "InitCommit", "ID", "", "Expected", "",
        "InitBinary", "", "Warnings", "Labels", "HttpProxy", "", "HttpsProxy", "",
        "NoProxy", "",
        "RegistryConfig", "InsecureRegistryCIDRs", "IndexConfigs", "Mirrors",
        "MemoryLimit", 1, "SwapLimit", 0, "CpuCfsPeriod", 1, "CpuCfsQuota", 1, "CPUShares", 1,
        "CPUSet", 1, "PidsLimit", 1, "IPv4Forwarding", 0, "OomKillDisable", 0);
    if (def)
        json_object_update_missing(info, def);
}

/* obj.key as an object, made (or replaced, when not an object) if needed */
static json_t *ensure_obj(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_object(v)) {
        v = json_object();
        json_object_set_new(obj, key, v);
    }
    return v;
}

static void set_missing(json_t *obj, const char *key, json_t *val)
{
    if (!json_object_get(obj, key) || json_is_null(json_object_get(obj, key)))
        json_object_set_new(obj, key, val);
    else
        json_decref(val);
}

void gt_docker_container_json_defaults(json_t *c)
{
    if (!json_is_object(c))
        return;
    json_t *cfg = ensure_obj(c, "Config");
    set_missing(cfg, "Labels", json_object());
    json_t *hc = ensure_obj(c, "HostConfig");
    /* docker-py reads HostConfig.LogConfig.Type to decide whether run()
     * can read the output back */
    set_missing(hc, "LogConfig", json_pack("{s:s, s:{}}", "Type", "json-file", "Config"));
    set_missing(c, "Mounts", json_array());
    json_t *ns = ensure_obj(c, "NetworkSettings");
    set_missing(ns, "Networks", json_object());
}

void gt_docker_container_summary_defaults(json_t *c)
{
    if (!json_is_object(c))
        return;
    set_missing(c, "Names", json_array());
    set_missing(c, "Ports", json_array());
    set_missing(c, "Labels", json_object());
    set_missing(c, "Mounts", json_array());
    json_t *ns = ensure_obj(c, "NetworkSettings");
    set_missing(ns, "Networks", json_object());
}

json_t *gt_docker_wait_body(int code, const char *msg)
{
    if (msg)
        return json_pack("{s:i, s:{s:s}}", "StatusCode", code, "Error", "Message", msg);
    return json_pack("{s:i, s:n}", "StatusCode", code, "Error");
}

bool gt_docker_valid_name(const char *name)
{
    if (*name == '/')
        name++;
    if (!isalnum((unsigned char)name[0]) || !name[1])
        return false;
    for (const char *p = name + 1; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
            return false;
    return true;
}
