/* gantry engine: the daemon behind the docker CLI, with dockerd's flags
 * for the basics.  It serves the Docker Engine API (docker/) on unix
 * sockets, and on TCP only with TLS and required client certificates (as
 * dockerd's --tlsverify), over the container engine (engine/).  SIGTERM and SIGINT stop
 * the API gracefully; containers keep running under their monitors, and
 * the next daemon on the same roots adopts them. */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/log.h"
#include "base/mem.h"
#include "cmd/gantry.h"
#include "docker/docker.h"
#include "engine/engine.h"
#include "http/server.h"
#include "net/ip.h"

#define DEFAULT_HOST "unix:///run/gantry/engine.sock"
#define MAX_HOSTS 8

struct engine_opts {
    const char *hosts[MAX_HOSTS];
    int nhosts;
    const char *data_root, *exec_root, *cgroup_parent, *runtime, *pidfile, *group, *bridge, *bip;
    const char *log_level;
    const char *tlscacert, *tlscert, *tlskey;
    bool tls, tlsverify;
    char **insecure, **mirrors;
    int64_t log_max_size;
    int log_max_files;
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: gantry engine [OPTIONS]\n\n"
            "The Docker Engine API on unix sockets, over Gantry's container engine.\n\n"
            "  -H, --host unix:///PATH     socket to serve (repeatable; default %s)\n"
            "  -H, --host tcp://ADDR:PORT  TLS with client certificates: needs --tlsverify\n"
            "      --tlsverify             require client certificates signed by --tlscacert\n"
            "      --tlscacert, --tlscert, --tlskey FILE   CA, server certificate and key (PEM)\n"
            "      --data-root DIR         persistent state (default /var/lib/gantry, env GANTRY_DATA_ROOT)\n"
            "      --exec-root DIR         runtime state (default /run/gantry, env GANTRY_STATE)\n"
            "      --cgroup-parent PATH    parent cgroup of containers (default /gantry)\n"
            "      --runtime PATH          OCI runtime (default gantry-runtime next to gantry)\n"
            "      --insecure-registry H   registry reached over plain HTTP (repeatable)\n"
            "      --registry-mirror URL   mirror of Docker Hub (repeatable)\n"
            "  -b, --bridge NAME           device of the default bridge network (default gantry0);\n"
            "                              none: no default bridge (containers get --network none)\n"
            "      --bip CIDR              the default bridge's address (default 172.17.0.1/16, or\n"
            "                              the first free of docker's pools)\n"
            "  -G, --group GROUP           group owning the sockets (default: root's)\n"
            "      --log-opt K=V           json-file logs: max-size=10m, max-file=3\n"
            "  -l, --log-level LEVEL       debug, info, warn, error (default info)\n"
            "  -D, --debug                 --log-level debug\n"
            "  -p, --pidfile FILE          write the daemon's pid there\n",
            DEFAULT_HOST);
}

/* "10m", "512k", "1g", "1000" in bytes */
static int parse_size(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || v <= 0)
        return -EINVAL;
    int shift = 0;
    switch (*end) {
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    }
    if (*end == 'b' || *end == 'B')
        end++;
    if (*end || v > (INT64_MAX >> shift))
        return -EINVAL;
    *out = (int64_t)v << shift;
    return 0;
}

static int log_opt(struct engine_opts *o, const char *kv)
{
    const char *eq = strchr(kv, '=');
    if (!eq)
        return -EINVAL;
    if (!strncmp(kv, "max-size=", 9))
        return parse_size(eq + 1, &o->log_max_size);
    if (!strncmp(kv, "max-file=", 9)) {
        char *end;
        long n = strtol(eq + 1, &end, 10);
        if (*end || n < 1 || n > 1000)
            return -EINVAL;
        o->log_max_files = (int)n;
        return 0;
    }
    return -EINVAL;
}

/* The socket path of a -H value; NULL with a message for what we refuse. */
static const char *host_path(const char *host, char *why, size_t whysz)
{
    if (!strncmp(host, "unix://", 7)) {
        if (host[7] == '/')
            return host + 7;
        snprintf(why, whysz, "a unix socket needs an absolute path: unix:///path");
        return NULL;
    }
    if (host[0] == '/')
        return host;
    if (!strncmp(host, "tcp://", 6))
        snprintf(why, whysz, "tcp:// needs --tlsverify with --tlscacert, --tlscert and --tlskey: "
                             "the API hands root on this machine to whoever reaches it, so only "
                             "clients with a certificate of that CA may");
    else if (!strncmp(host, "fd://", 5))
        snprintf(why, whysz, "fd:// (systemd socket activation) is not supported; use unix://");
    else
        snprintf(why, whysz, "expected unix:///path");
    return NULL;
}

/* Absolute form of a flag's path (relative to the working directory). */
static char *absolute(const char *p)
{
    if (p[0] == '/')
        return gt_xstrdup(p);
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd))
        return gt_xstrdup(p);
    return gt_path_join(cwd, p);
}

/* A runtime given by name is looked up in PATH now, so that a typo is
 * said at start rather than at the first docker run. */
static char *find_runtime(const char *name, char *why, size_t whysz)
{
    if (strchr(name, '/')) {
        if (access(name, X_OK) == 0)
            return absolute(name);
        snprintf(why, whysz, "--runtime %s: %s", name, strerror(errno));
        return NULL;
    }
    const char *path = getenv("PATH");
    cleanup_free char *copy = gt_xstrdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
    for (char *d = strtok(copy, ":"); d; d = strtok(NULL, ":")) {
        char *cand = gt_path_join(d, name);
        if (access(cand, X_OK) == 0)
            return cand;
        free(cand);
    }
    snprintf(why, whysz, "--runtime %s: not found in PATH", name);
    return NULL;
}

/* Writes the pid file, refusing one that names a live process. */
static int write_pidfile(const char *path, struct gt_error *err)
{
    cleanup_free char *old = NULL;
    if (gt_read_file(path, 64, &old, NULL, NULL) == 0) {
        long pid = strtol(old, NULL, 10);
        if (pid > 0 && pid != getpid() && kill((pid_t)pid, 0) == 0)
            return gt_err(err, EEXIST, "pid file %s names a running process (%ld): is another "
                          "daemon using it?", path, pid);
    }
    cleanup_free char *dir = gt_xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        if (gt_mkdir_p(dir, 0755, err) < 0)
            return gt_err_prefix(err, "pid file");
    }
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%d\n", (int)getpid());
    return gt_write_file_atomic(path, buf, n, 0644, false, err);
}

static int parse(int argc, char **argv, struct engine_opts *o)
{
    enum { O_DATA = 256, O_EXEC, O_CGP, O_RUNTIME, O_INSECURE, O_MIRROR, O_LOGOPT, O_TLS,
           O_TLSVERIFY, O_TLSCA, O_TLSCERT, O_TLSKEY, O_BIP };
    static const struct option longs[] = {
        { "host", required_argument, NULL, 'H' },
        { "data-root", required_argument, NULL, O_DATA },
        { "exec-root", required_argument, NULL, O_EXEC },
        { "cgroup-parent", required_argument, NULL, O_CGP },
        { "runtime", required_argument, NULL, O_RUNTIME },
        { "insecure-registry", required_argument, NULL, O_INSECURE },
        { "registry-mirror", required_argument, NULL, O_MIRROR },
        { "bridge", required_argument, NULL, 'b' },
        { "bip", required_argument, NULL, O_BIP },
        { "group", required_argument, NULL, 'G' },
        { "log-opt", required_argument, NULL, O_LOGOPT },
        { "log-level", required_argument, NULL, 'l' },
        { "debug", no_argument, NULL, 'D' },
        { "pidfile", required_argument, NULL, 'p' },
        { "tls", no_argument, NULL, O_TLS },
        { "tlsverify", no_argument, NULL, O_TLSVERIFY },
        { "tlscacert", required_argument, NULL, O_TLSCA },
        { "tlscert", required_argument, NULL, O_TLSCERT },
        { "tlskey", required_argument, NULL, O_TLSKEY },
        { "help", no_argument, NULL, 'h' },
        { 0 },
    };
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":H:b:G:l:Dp:h", longs, NULL)) != -1) {
        switch (c) {
        case 'H':
            if (o->nhosts == MAX_HOSTS) {
                fprintf(stderr, "gantry engine: at most %d -H\n", MAX_HOSTS);
                return 2;
            }
            o->hosts[o->nhosts++] = optarg;
            break;
        case O_DATA: o->data_root = optarg; break;
        case O_EXEC: o->exec_root = optarg; break;
        case O_CGP: o->cgroup_parent = optarg; break;
        case O_RUNTIME: o->runtime = optarg; break;
        case O_INSECURE: gt_strv_push(&o->insecure, optarg); break;
        case O_MIRROR: gt_strv_push(&o->mirrors, optarg); break;
        case 'b': o->bridge = optarg; break;
        case O_BIP: o->bip = optarg; break;
        case 'G': o->group = optarg; break;
        case O_LOGOPT:
            if (log_opt(o, optarg) < 0) {
                fprintf(stderr, "gantry engine: --log-opt %s: expected max-size=SIZE (10m) or "
                                "max-file=N\n", optarg);
                return 2;
            }
            break;
        case 'l': o->log_level = optarg; break;
        case 'D': o->log_level = "debug"; break;
        case 'p': o->pidfile = optarg; break;
        case O_TLS: o->tls = true; break;
        case O_TLSVERIFY: o->tlsverify = true; break;
        case O_TLSCA: o->tlscacert = optarg; break;
        case O_TLSCERT: o->tlscert = optarg; break;
        case O_TLSKEY: o->tlskey = optarg; break;
        case 'h': usage(stdout); return 1;
        case ':':
            fprintf(stderr, "gantry engine: %s needs a value\n", argv[optind - 1]);
            return 2;
        default:
            fprintf(stderr, "gantry engine: unknown option %s\n", argv[optind - 1]);
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "gantry engine: unexpected argument \"%s\"\n", argv[optind]);
        return 2;
    }
    return 0;
}

int gantry_cmd_engine(int argc, char **argv)
{
    struct engine_opts o = { .log_max_size = 10 << 20, .log_max_files = 3 };
    int rc = parse(argc, argv, &o);
    if (rc)
        return rc == 1 ? 0 : rc;
    cleanup_strv char **insecure = o.insecure, **mirrors = o.mirrors;

    gt_log_set_name("gantry engine");
    enum gt_log_level level = GT_LOG_INFO;
    if (o.log_level && gt_log_parse_level(o.log_level, &level) < 0) {
        if (strcmp(o.log_level, "fatal") != 0) {
            fprintf(stderr, "gantry engine: --log-level %s: expected debug, info, warn or error\n",
                    o.log_level);
            return 2;
        }
        level = GT_LOG_ERROR;
    }
    gt_log_set_level(level);

    if (!o.bridge)
        o.bridge = "gantry0";
    if (strcmp(o.bridge, "none") && (strlen(o.bridge) > 15 || !*o.bridge)) {
        fprintf(stderr, "gantry engine: --bridge %s: a device name has at most 15 characters\n",
                o.bridge);
        return 2;
    }
    if (o.bip && !strcmp(o.bridge, "none")) {
        fprintf(stderr, "gantry engine: --bip and -b none: there is no bridge to give an "
                        "address\n");
        return 2;
    }
    struct gt_prefix bip;
    if (o.bip && (!strchr(o.bip, '/') || gt_prefix_parse(o.bip, &bip, NULL) < 0 ||
                  bip.ip.family != AF_INET || bip.len < 1 || bip.len > 30)) {
        fprintf(stderr, "gantry engine: --bip %s: expected an IPv4 address with its prefix "
                        "length (172.17.0.1/16)\n", o.bip);
        return 2;
    }
    if (o.nhosts == 0)
        o.hosts[o.nhosts++] = DEFAULT_HOST;
    const char *paths[MAX_HOSTS];
    for (int i = 0; i < o.nhosts; i++) {
        char why[256];
        if (!strncmp(o.hosts[i], "tcp://", 6) && o.tlsverify) {
            if (!o.tlscacert || !o.tlscert || !o.tlskey) {
                fprintf(stderr, "gantry engine: -H %s: --tlsverify needs --tlscacert, --tlscert "
                                "and --tlskey\n", o.hosts[i]);
                return 2;
            }
            paths[i] = NULL; /* a TLS listener */
            continue;
        }
        paths[i] = host_path(o.hosts[i], why, sizeof why);
        if (!paths[i]) {
            fprintf(stderr, "gantry engine: -H %s: %s%s\n", o.hosts[i], why,
                    o.tls && !o.tlsverify ? " (--tls alone lets any client in)" : "");
            return 2;
        }
    }
    gid_t gid = (gid_t)-1;
    if (o.group) {
        struct group *g = getgrnam(o.group);
        char *end;
        unsigned long n = strtoul(o.group, &end, 10);
        if (g)
            gid = g->gr_gid;
        else if (!*end && end != o.group)
            gid = (gid_t)n;
        else {
            fprintf(stderr, "gantry engine: --group %s: no such group\n", o.group);
            return 2;
        }
    }
    const char *env_data = getenv("GANTRY_DATA_ROOT"), *env_exec = getenv("GANTRY_STATE");
    cleanup_free char *data_root = absolute(o.data_root ? o.data_root
                                            : env_data && *env_data ? env_data : "/var/lib/gantry");
    cleanup_free char *exec_root = absolute(o.exec_root ? o.exec_root
                                            : env_exec && *env_exec ? env_exec : "/run/gantry");
    cleanup_free char *runtime = NULL;
    if (o.runtime) {
        char why[512];
        runtime = find_runtime(o.runtime, why, sizeof why);
        if (!runtime) {
            fprintf(stderr, "gantry engine: %s\n", why);
            return 2;
        }
    }

    /* signals are taken by sigwait below; threads inherit the mask */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN); /* a client that leaves is an EPIPE, not a death */

    struct gt_error err;
    if (o.pidfile && write_pidfile(o.pidfile, &err) < 0) {
        fprintf(stderr, "gantry engine: %s\n", err.msg);
        return 1;
    }
    struct gt_engine_config ec = {
        .data_root = data_root,
        .exec_root = exec_root,
        .runtime = runtime,
        .cgroup_parent = o.cgroup_parent ? o.cgroup_parent : "/gantry",
        .insecure_registries = insecure,
        .registry_mirrors = mirrors,
        .bridge = o.bridge,
        .bridge_ip = o.bip,
        .log_max_size = o.log_max_size,
        .log_max_files = o.log_max_files,
    };
    struct gt_engine *engine = NULL;
    struct gt_docker *api = NULL;
    struct gt_http_server *srv = NULL;
    rc = 1;
    if (gt_engine_open(&ec, &engine, &err) < 0)
        goto out;
    struct gt_docker_config dc = { .engine = engine, .version = GANTRY_VERSION,
                                   .debug = level == GT_LOG_DEBUG };
    if (gt_docker_new(&dc, &api, &err) < 0)
        goto out;
    struct gt_http_server_opts so;
    gt_docker_server_opts(api, &so);
    if (gt_http_server_new(&so, &srv, &err) < 0)
        goto out;
    for (int i = 0; i < o.nhosts; i++) {
        if (!paths[i]) {
            struct gt_http_listen_opts lo = {
                .kind = GT_HTTP_TLS, .address = o.hosts[i] + 6, .cert_file = o.tlscert,
                .key_file = o.tlskey, .client_ca_file = o.tlscacert,
                .client_cert = GT_HTTP_CERT_REQUIRED,
            };
            int l = gt_http_server_listen(srv, &lo, &err);
            if (l < 0) {
                gt_err_prefix(&err, "-H %s", o.hosts[i]);
                goto out;
            }
            gt_info("API listening on %s (TLS, client certificates required), port %d",
                    o.hosts[i], gt_http_server_port(srv, l));
            continue;
        }
        cleanup_free char *dir = gt_xstrdup(paths[i]);
        *strrchr(dir, '/') = '\0';
        if (dir[0] && gt_mkdir_p(dir, 0755, &err) < 0) {
            gt_err_prefix(&err, "-H %s", o.hosts[i]);
            goto out;
        }
        struct gt_http_listen_opts lo = { .kind = GT_HTTP_UNIX, .path = paths[i], .mode = 0660,
                                          .gid = gid };
        if (gt_http_server_listen(srv, &lo, &err) < 0) {
            gt_err_prefix(&err, "-H %s", o.hosts[i]);
            goto out;
        }
        gt_info("API listening on %s", paths[i]);
    }
    gt_info("gantry engine %s: data root %s, exec root %s", GANTRY_VERSION, data_root, exec_root);
    for (;;) {
        int sig;
        if (sigwait(&set, &sig) != 0)
            continue;
        if (sig == SIGHUP) {
            gt_info("SIGHUP: nothing to reload");
            continue;
        }
        gt_info("%s: stopping the API (containers keep running)", sig == SIGINT ? "SIGINT" : "SIGTERM");
        break;
    }
    rc = 0;
out:
    if (rc)
        fprintf(stderr, "gantry engine: %s\n", err.msg);
    if (srv) {
        /* handlers blocked in the engine (wait, logs -f, attach) end when
         * their sockets are shut down after the grace period */
        gt_http_server_stop(srv, 2000);
        gt_http_server_free(srv);
    }
    gt_docker_free(api);
    if (engine)
        gt_engine_free(engine);
    if (o.pidfile)
        unlink(o.pidfile);
    return rc;
}
