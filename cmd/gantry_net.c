/* gantry net - container networks by hand: create and remove networks,
 * attach and detach network namespaces, run a network's DNS server.  The
 * engine calls the same library (net/net.h); this is for operators and
 * tests. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/error.h"
#include "base/json.h"
#include "base/mem.h"
#include "cmd/gantry.h"
#include "net/cni.h"
#include "net/dns.h"
#include "net/net.h"

#define MAX_PORTS 64

struct net_opts {
    const char *data_dir, *cni_path;
    const char *id, *netns, *network, *ifname, *ip;
    const char *subnet, *gateway, *ip_range, *bridge;
    unsigned mtu;
    bool internal;
    struct gt_net_port ports[MAX_PORTS];
    size_t nports;
    char **listen, **upstreams; /* dns */
    char **rest; /* positional arguments */
    int nrest;
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: gantry net COMMAND [OPTIONS]\n\n"
            "commands:\n"
            "  create NAME [--subnet CIDR] [--gateway IP] [--ip-range CIDR] [--bridge NAME]\n"
            "         [--mtu N] [--internal]            define a network (gantry-cni-bridge)\n"
            "  rm NAME                                  remove a network with no container\n"
            "  ls                                       list networks\n"
            "  attach --id ID --netns PATH [--network NAME] [--ifname IF] [--ip IP]\n"
            "         [-p [HOSTIP:]HOSTPORT:PORT[/udp]]...   attach, print the result\n"
            "  detach --id ID [--netns PATH] [--network NAME] [--ifname IF]\n"
            "  check  --id ID --netns PATH [--network NAME] [--ifname IF]\n"
            "  inspect --id ID [--network NAME] [--ifname IF]\n"
            "  lo --netns PATH                          only bring lo up (no network)\n"
            "  dns --listen IP:PORT [--upstream IP:PORT]... [NAME=IP]...\n"
            "                                           run a DNS server for those names\n\n"
            "options for all: --data-dir DIR ($GANTRY_DATA_DIR, /var/lib/gantry),\n"
            "                 --cni-path DIRS ($GANTRY_CNI_PATH)\n"
            "The network defaults to \"gantry\".\n");
}

enum { O_DATA = 256, O_CNI, O_ID, O_NETNS, O_NETWORK, O_IFNAME, O_IP, O_SUBNET, O_GATEWAY,
       O_RANGE, O_BRIDGE, O_MTU, O_INTERNAL, O_LISTEN, O_UPSTREAM };

static const struct option long_opts[] = {
    { "data-dir", required_argument, NULL, O_DATA },
    { "cni-path", required_argument, NULL, O_CNI },
    { "id", required_argument, NULL, O_ID },
    { "netns", required_argument, NULL, O_NETNS },
    { "network", required_argument, NULL, O_NETWORK },
    { "ifname", required_argument, NULL, O_IFNAME },
    { "ip", required_argument, NULL, O_IP },
    { "subnet", required_argument, NULL, O_SUBNET },
    { "gateway", required_argument, NULL, O_GATEWAY },
    { "ip-range", required_argument, NULL, O_RANGE },
    { "bridge", required_argument, NULL, O_BRIDGE },
    { "mtu", required_argument, NULL, O_MTU },
    { "internal", no_argument, NULL, O_INTERNAL },
    { "publish", required_argument, NULL, 'p' },
    { "listen", required_argument, NULL, O_LISTEN },
    { "upstream", required_argument, NULL, O_UPSTREAM },
    { "help", no_argument, NULL, 'h' },
    { 0 },
};

static int parse(int argc, char **argv, struct net_opts *o, struct gt_error *err)
{
    memset(o, 0, sizeof *o);
    o->network = "gantry";
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "p:h", long_opts, NULL)) != -1) {
        switch (c) {
        case O_DATA: o->data_dir = optarg; break;
        case O_CNI: o->cni_path = optarg; break;
        case O_ID: o->id = optarg; break;
        case O_NETNS: o->netns = optarg; break;
        case O_NETWORK: o->network = optarg; break;
        case O_IFNAME: o->ifname = optarg; break;
        case O_IP: o->ip = optarg; break;
        case O_SUBNET: o->subnet = optarg; break;
        case O_GATEWAY: o->gateway = optarg; break;
        case O_RANGE: o->ip_range = optarg; break;
        case O_BRIDGE: o->bridge = optarg; break;
        case O_MTU: o->mtu = (unsigned)strtoul(optarg, NULL, 10); break;
        case O_INTERNAL: o->internal = true; break;
        case O_LISTEN: gt_strv_push(&o->listen, optarg); break;
        case O_UPSTREAM: gt_strv_push(&o->upstreams, optarg); break;
        case 'p':
            if (o->nports == MAX_PORTS)
                return gt_err(err, EINVAL, "at most %d port mappings", MAX_PORTS);
            if (gt_net_port_parse(optarg, &o->ports[o->nports], err) < 0)
                return -EINVAL;
            o->nports++;
            break;
        case 'h': usage(stdout); exit(0);
        default: return gt_err(err, EINVAL, "bad option (see gantry net --help)");
        }
    }
    o->rest = argv + optind;
    o->nrest = argc - optind;
    return 0;
}

static int need(const char *v, const char *what, struct gt_error *err)
{
    return v ? 0 : gt_err(err, EINVAL, "%s is required", what);
}

static void print_attachment(const struct gt_net_attachment *a)
{
    cleanup_json json_t *o = json_pack("{s:s, s:s, s:s, s:i, s:s, s:O}", "ifname", a->ifname,
                                       "mac", a->mac, "ip", a->ip, "prefixLen", a->prefix_len,
                                       "gateway", a->gateway, "result",
                                       a->result ? a->result : json_null());
    cleanup_free char *s = json_dumps(o, JSON_INDENT(2));
    printf("%s\n", s);
}

static volatile sig_atomic_t dns_stop;

static void on_signal(int sig)
{
    dns_stop = 1;
}

/* Serves NAME=IP records until SIGINT or SIGTERM; prints the bound ports. */
static int dns_run(const struct net_opts *o, struct gt_error *err)
{
    struct gt_dns_config cfg = { .listen = (const char *const *)o->listen,
                                 .upstreams = (const char *const *)o->upstreams };
    struct gt_dns_server *s;
    int r = gt_dns_server_start(&cfg, &s, err);
    if (r < 0)
        return r;
    for (int i = 0; i < o->nrest; i++) {
        char *eq = strchr(o->rest[i], '=');
        if (!eq) {
            gt_dns_server_stop(s);
            return gt_err(err, EINVAL, "record \"%s\": expected NAME=IP", o->rest[i]);
        }
        *eq = '\0';
        r = gt_dns_server_add(s, o->rest[i], eq + 1, o->rest[i], err);
        *eq = '=';
        if (r < 0) {
            gt_dns_server_stop(s);
            return r;
        }
    }
    for (size_t i = 0; o->listen && o->listen[i]; i++)
        printf("listening %s port %u\n", o->listen[i], gt_dns_server_port(s, i));
    fflush(stdout);
    struct sigaction sa = { .sa_handler = on_signal };
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    while (!dns_stop)
        pause();
    gt_dns_server_stop(s);
    return 0;
}

static int run(int argc, char **argv, struct gt_error *err)
{
    /* options may come before or after the command */
    struct net_opts o;
    int r = parse(argc, argv, &o, err);
    if (r < 0)
        goto out;
    if (o.nrest < 1) {
        usage(stderr);
        r = gt_err(err, EINVAL, "no command");
        goto out;
    }
    const char *cmd = o.rest[0];
    o.rest++;
    o.nrest--;
    if (!strcmp(cmd, "dns")) {
        r = dns_run(&o, err);
        goto out;
    }
    struct gt_net net;
    if ((r = gt_net_init(&net, o.data_dir, o.cni_path, err)) < 0)
        goto out;
    if (!strcmp(cmd, "create")) {
        if (o.nrest != 1) {
            r = gt_err(err, EINVAL, "create takes one network name");
        } else {
            struct gt_net_network_spec spec = { .name = o.rest[0], .subnet = o.subnet,
                                                .gateway = o.gateway, .ip_range = o.ip_range,
                                                .bridge = o.bridge, .mtu = o.mtu,
                                                .internal = o.internal };
            r = gt_net_network_create(&net, &spec, err);
            if (r == 0)
                printf("%s\n", o.rest[0]);
        }
    } else if (!strcmp(cmd, "rm")) {
        r = o.nrest == 1 ? gt_net_network_remove(&net, o.rest[0], err)
                         : gt_err(err, EINVAL, "rm takes one network name");
    } else if (!strcmp(cmd, "ls")) {
        struct gt_cni_netconf *all;
        size_t n;
        if ((r = gt_cni_conf_list(net.conf_dir, &all, &n, err)) == 0) {
            for (size_t i = 0; i < n; i++) {
                printf("%s\t%s\n", all[i].name, all[i].path);
                gt_cni_conf_release(&all[i]);
            }
            free(all);
        }
    } else if (!strcmp(cmd, "attach")) {
        if ((r = need(o.id, "--id", err)) == 0 && (r = need(o.netns, "--netns", err)) == 0) {
            struct gt_net_attach_req req = { .container_id = o.id, .netns = o.netns,
                                             .network = o.network, .ifname = o.ifname,
                                             .ports = o.ports, .nports = o.nports, .ip = o.ip };
            struct gt_net_attachment a;
            if ((r = gt_net_attach(&net, &req, &a, err)) == 0) {
                print_attachment(&a);
                gt_net_attachment_release(&a);
            }
        }
    } else if (!strcmp(cmd, "detach")) {
        if ((r = need(o.id, "--id", err)) == 0)
            r = gt_net_detach(&net, o.id, o.netns, o.network, o.ifname, err);
    } else if (!strcmp(cmd, "check")) {
        if ((r = need(o.id, "--id", err)) == 0 && (r = need(o.netns, "--netns", err)) == 0)
            r = gt_net_check(&net, o.id, o.netns, o.network, o.ifname, err);
    } else if (!strcmp(cmd, "inspect")) {
        struct gt_net_attachment a;
        if ((r = need(o.id, "--id", err)) == 0 &&
            (r = gt_net_inspect(&net, o.id, o.network, o.ifname, &a, err)) == 0) {
            print_attachment(&a);
            gt_net_attachment_release(&a);
        }
    } else if (!strcmp(cmd, "lo")) {
        if ((r = need(o.netns, "--netns", err)) == 0)
            r = gt_net_loopback_up(o.netns, err);
    } else {
        usage(stderr);
        r = gt_err(err, EINVAL, "unknown command \"%s\"", cmd);
    }
    gt_net_release(&net);
out:
    gt_strv_free(o.listen);
    gt_strv_free(o.upstreams);
    return r;
}

int gantry_cmd_net(int argc, char **argv)
{
    struct gt_error err;
    gt_err_clear(&err);
    int r = run(argc, argv, &err);
    if (r < 0) {
        fprintf(stderr, "gantry net: %s\n", err.msg);
        return 1;
    }
    return 0;
}
