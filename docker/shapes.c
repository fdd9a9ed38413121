/* JSON that this layer builds (version, wait bodies, built-in networks)
 * or completes (Info, containers) in the shapes that dockerd sends. */
#include <ctype.h>
#include <errno.h>
#include <nettle/sha2.h>
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

/* ---- built-in networks ---- */

static const struct builtin_net {
    const char *name, *driver;
} builtin_nets[] = { { "none", "null" }, { "host", "host" } };

static void net_id(const char *name, char out[65])
{
    /* stable across restarts: derived from the name */
    struct sha256_ctx h;
    uint8_t dig[SHA256_DIGEST_SIZE];
    sha256_init(&h);
    static const char salt[] = "gantry network ";
    sha256_update(&h, sizeof salt - 1, (const uint8_t *)salt);
    sha256_update(&h, strlen(name), (const uint8_t *)name);
    sha256_digest(&h, sizeof dig, dig);
    for (size_t i = 0; i < sizeof dig; i++)
        snprintf(out + 2 * i, 3, "%02x", dig[i]);
}

static json_t *net_json(const struct builtin_net *n)
{
    char id[65];
    net_id(n->name, id);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:{s:s, s:n, s:[]}, s:b, s:b, s:b,"
                     " s:{s:s}, s:b, s:{}, s:{}, s:{}}",
                     "Name", n->name, "Id", id, "Created", "0001-01-01T00:00:00Z", "Scope",
                     "local", "Driver", n->driver, "EnableIPv4", 1, "EnableIPv6", 0, "IPAM",
                     "Driver", "default", "Options", "Config", "Internal", 0, "Attachable", 0,
                     "Ingress", 0, "ConfigFrom", "Network", "", "ConfigOnly", 0, "Containers",
                     "Options", "Labels");
}

json_t *gt_docker_builtin_network(const char *ref)
{
    size_t rl = strlen(ref);
    for (size_t i = 0; i < sizeof builtin_nets / sizeof builtin_nets[0]; i++) {
        char id[65];
        net_id(builtin_nets[i].name, id);
        if (!strcmp(ref, builtin_nets[i].name) || (rl > 0 && rl <= 64 && !strncmp(ref, id, rl)))
            return net_json(&builtin_nets[i]);
    }
    return NULL;
}

/* dockerd's Args.Match: equal, or a match of the value as a regex */
static bool match_any(const json_t *set, const char *s)
{
    const char *v;
    json_t *b;
    json_object_foreach((json_t *)set, v, b) {
        if (!strcmp(v, s))
            return true;
        regex_t re;
        if (regcomp(&re, v, REG_EXTENDED | REG_NOSUB) == 0) {
            bool m = regexec(&re, s, 0, NULL, 0) == 0;
            regfree(&re);
            if (m)
                return true;
        }
    }
    return false;
}

int gt_docker_builtin_networks(const json_t *filters, json_t **out, struct gt_error *err)
{
    static const char *const known[] = { "dangling", "driver", "id", "label", "name",
                                         "scope", "type", NULL };
    int r = gt_docker_filters_check(filters, known, err);
    if (r < 0)
        return r;
    const json_t *type = json_object_get(filters, "type");
    const char *v;
    json_t *b;
    json_object_foreach((json_t *)type, v, b)
        if (strcmp(v, "builtin") && strcmp(v, "custom"))
            return gt_err(err, EINVAL, "invalid filter: 'type'='%s'", v);
    json_t *list = json_array();
    for (size_t i = 0; i < sizeof builtin_nets / sizeof builtin_nets[0]; i++) {
        const struct builtin_net *n = &builtin_nets[i];
        char id[65];
        net_id(n->name, id);
        const json_t *f;
        if ((f = json_object_get(filters, "name")) && !match_any(f, n->name))
            continue;
        if ((f = json_object_get(filters, "id")) && !match_any(f, id))
            continue;
        if ((f = json_object_get(filters, "driver")) && !json_object_get(f, n->driver))
            continue;
        if ((f = json_object_get(filters, "scope")) && !json_object_get(f, "local"))
            continue;
        if (type && !json_object_get(type, "builtin"))
            continue;
        if (json_object_get(filters, "label")) /* built-in networks have no labels */
            continue;
        if ((f = json_object_get(filters, "dangling")) &&
            (json_object_get(f, "true") || json_object_get(f, "1")))
            continue; /* predefined networks are never dangling */
        json_array_append_new(list, net_json(n));
    }
    *out = list;
    return 0;
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
