/* gantry server - the control plane: the Kubernetes API server (and, later,
 * an embedded node agent).  Flags follow k3s server where they overlap.
 *
 *   --data-dir DIR              state: PKI, store, kubeconfigs
 *                               (default $GANTRY_DATA_ROOT/server, or
 *                               /var/lib/gantry/server)
 *   --bind-address ADDR         HTTPS address (default 0.0.0.0)
 *   --advertise-address IP      the address the "kubernetes" service's
 *                               endpoints carry (default: the bind address,
 *                               or that of the default route's interface)
 *   --https-listen-port PORT    HTTPS port (default 6443; 0 picks one)
 *   --tls-san NAME              another name/IP for the serving cert (repeatable)
 *   --write-kubeconfig FILE     also write the admin kubeconfig there (-o)
 *   --write-kubeconfig-mode M   its mode, octal (default 0600)
 *   --datastore-endpoint URLS   etcd client URLs (default: embedded SQLite)
 *   --token-file FILE           static tokens: token,user,uid,"group1,group2"
 *   --disable-agent             no node agent (none exists yet either way)
 *   --insecure-http-address A   plain HTTP on a loopback HOST:PORT, for tests
 *   --log-level LEVEL           error, warn, info (default), debug
 * Hidden, for tests: --store-sync normal, --gc-interval-ms N,
 * --compact-interval-s N, --watch-cache-events N. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "base/log.h"
#include "base/mem.h"
#include "cmd/gantry.h"
#include "kube/api/server.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: gantry server [--data-dir DIR] [--bind-address ADDR] "
            "[--advertise-address IP] [--https-listen-port PORT]\n"
            "                     [--write-kubeconfig FILE] [--write-kubeconfig-mode MODE]\n"
            "                     [--datastore-endpoint URLS] [--token-file FILE] "
            "[--tls-san NAME]...\n"
            "                     [--disable-agent] [--insecure-http-address 127.0.0.1:PORT]\n"
            "                     [--log-level LEVEL]\n");
}

static void raise_nofile(void)
{
    /* every watch holds a connection: use what the hard limit allows */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

int gantry_cmd_server(int argc, char **argv)
{
    enum {
        O_DATA = 256, O_BIND, O_PORT, O_KC, O_KCMODE, O_DS, O_TOKENS, O_NOAGENT, O_INSECURE,
        O_SAN, O_LOG, O_SYNC, O_GC, O_COMPACT, O_WCACHE, O_HELP, O_ADVERTISE,
    };
    static const struct option opts[] = {
        { "data-dir", required_argument, NULL, O_DATA },
        { "bind-address", required_argument, NULL, O_BIND },
        { "advertise-address", required_argument, NULL, O_ADVERTISE },
        { "https-listen-port", required_argument, NULL, O_PORT },
        { "write-kubeconfig", required_argument, NULL, O_KC },
        { "write-kubeconfig-mode", required_argument, NULL, O_KCMODE },
        { "datastore-endpoint", required_argument, NULL, O_DS },
        { "token-file", required_argument, NULL, O_TOKENS },
        { "disable-agent", no_argument, NULL, O_NOAGENT },
        { "insecure-http-address", required_argument, NULL, O_INSECURE },
        { "tls-san", required_argument, NULL, O_SAN },
        { "log-level", required_argument, NULL, O_LOG },
        { "store-sync", required_argument, NULL, O_SYNC },
        { "gc-interval-ms", required_argument, NULL, O_GC },
        { "compact-interval-s", required_argument, NULL, O_COMPACT },
        { "watch-cache-events", required_argument, NULL, O_WCACHE },
        { "help", no_argument, NULL, O_HELP },
        { 0 },
    };
    struct gt_kapi_config cfg = { .https_port = 6443, .kubeconfig_mode = 0600 };
    gt_log_set_level(GT_LOG_INFO);
    char *data_dir = NULL;
    char **sans = NULL;
    bool no_agent = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case O_DATA: data_dir = gt_xstrdup(optarg); break;
        case O_BIND: cfg.bind_address = optarg; break;
        case O_ADVERTISE: cfg.advertise_address = optarg; break;
        case O_PORT:
            cfg.https_port = (int)strtol(optarg, &end, 10);
            if (*end || cfg.https_port < 0 || cfg.https_port > 65535) {
                fprintf(stderr, "gantry server: --https-listen-port: \"%s\" is not a port\n",
                        optarg);
                return 2;
            }
            break;
        case 'o':
        case O_KC: cfg.write_kubeconfig = optarg; break;
        case O_KCMODE:
            cfg.kubeconfig_mode = (mode_t)strtol(optarg, &end, 8);
            if (*end || cfg.kubeconfig_mode > 07777) {
                fprintf(stderr, "gantry server: --write-kubeconfig-mode: \"%s\" is not an octal "
                                "mode\n", optarg);
                return 2;
            }
            break;
        case O_DS: cfg.datastore_endpoint = optarg; break;
        case O_TOKENS: cfg.token_file = optarg; break;
        case O_NOAGENT: no_agent = true; break;
        case O_INSECURE: cfg.insecure_http = optarg; break;
        case O_SAN: gt_strv_push(&sans, optarg); break;
        case O_LOG: {
            enum gt_log_level l;
            if (gt_log_parse_level(optarg, &l) < 0) {
                fprintf(stderr, "gantry server: --log-level: unknown level \"%s\"\n", optarg);
                return 2;
            }
            gt_log_set_level(l);
            break;
        }
        case O_SYNC:
            if (!strcmp(optarg, "normal"))
                cfg.sync = GT_STORE_SYNC_NORMAL;
            else if (strcmp(optarg, "full") != 0) {
                fprintf(stderr, "gantry server: --store-sync: full or normal\n");
                return 2;
            }
            break;
        case O_GC: cfg.gc_interval_ms = atoi(optarg); break;
        case O_COMPACT: cfg.compact_interval_s = atoi(optarg); break;
        case O_WCACHE: cfg.watch_cache_events = (size_t)atol(optarg); break;
        case O_HELP: usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "gantry server: unexpected argument \"%s\"\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    if (!data_dir) {
        const char *root = getenv("GANTRY_DATA_ROOT");
        data_dir = gt_xasprintf("%s/server", root && root[0] ? root : "/var/lib/gantry");
    }
    cfg.data_dir = data_dir;
    cfg.extra_sans = (const char *const *)sans;
    gt_log_set_name("gantry-server");
    raise_nofile();
    signal(SIGPIPE, SIG_IGN);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    /* blocked before any thread starts, so that only sigwait sees them */
    pthread_sigmask(SIG_BLOCK, &set, NULL);

    struct gt_kapi *api;
    struct gt_error err = { 0 };
    if (gt_kapi_new(&cfg, &api, &err) < 0) {
        fprintf(stderr, "gantry server: %s\n", err.msg);
        free(data_dir);
        gt_strv_free(sans);
        return 1;
    }
    if (gt_kapi_https_port(api) >= 0)
        gt_info("API server listening on https://%s:%d (admin kubeconfig: %s/cred/"
                "admin.kubeconfig)",
                cfg.bind_address ? cfg.bind_address : "0.0.0.0", gt_kapi_https_port(api),
                data_dir);
    if (gt_kapi_http_port(api) >= 0)
        gt_info("plain HTTP on %s (loopback only; requests without a token act as "
                "system:admin)",
                cfg.insecure_http);
    if (!no_agent)
        gt_info("no node agent runs: it is not part of gantry server yet "
                "(--disable-agent silences this)");
    int sig = 0;
    sigwait(&set, &sig);
    gt_info("signal %d: stopping", sig);
    gt_kapi_free(api);
    free(data_dir);
    gt_strv_free(sans);
    return 0;
}
