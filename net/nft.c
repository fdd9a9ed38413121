#include "net/nft.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/mem.h"

#define T "ip " GT_NFT_TABLE

struct gt_nft {
    struct nft_ctx *ctx;
    char *lock_path;
};

int gt_nft_new(const char *lock_path, struct gt_nft **out, struct gt_error *err)
{
    struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
    if (!ctx)
        return gt_err(err, ENOMEM, "nftables: cannot create a context");
    if (nft_ctx_buffer_output(ctx) || nft_ctx_buffer_error(ctx)) {
        nft_ctx_free(ctx);
        return gt_err(err, ENOMEM, "nftables: cannot buffer output");
    }
    struct gt_nft *n = gt_xcalloc(1, sizeof *n);
    n->ctx = ctx;
    n->lock_path = lock_path ? gt_xstrdup(lock_path) : NULL;
    *out = n;
    return 0;
}

void gt_nft_free(struct gt_nft *nft)
{
    if (!nft)
        return;
    nft_ctx_free(nft->ctx);
    free(nft->lock_path);
    free(nft);
}

/* *fd: the held lock, or -1 when there is no lock file. */
static int nft_lock(struct gt_nft *nft, int *lockfd, struct gt_error *err)
{
    *lockfd = -1;
    if (!nft->lock_path)
        return 0;
    int fd = open(nft->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return gt_err_sys(err, errno, "open nftables lock %s", nft->lock_path);
    while (flock(fd, LOCK_EX) < 0)
        if (errno != EINTR) {
            int e = errno;
            close(fd);
            return gt_err_sys(err, e, "lock %s", nft->lock_path);
        }
    *lockfd = fd;
    return 0;
}

/* nft's error text names the failing command over several lines
 * ("Error: ...\n<command>\n   ^^^"); the first line and the command suffice. */
static void error_text(struct gt_nft *nft, char *buf, size_t len)
{
    const char *e = nft_ctx_get_error_buffer(nft->ctx);
    snprintf(buf, len, "%s", e && *e ? e : "failed");
    char *nl = strchr(buf, '\n');
    if (nl) {
        char *nl2 = strchr(nl + 1, '\n');
        if (nl2)
            *nl2 = '\0';
        *nl = ' ';
    }
    /* "/dev/stdin:3:1-20: Error: ..." -> keep from "Error:" on */
    char *p = strstr(buf, "Error: ");
    if (p && p != buf)
        memmove(buf, p, strlen(p) + 1);
}

static int run(struct gt_nft *nft, const char *cmd, unsigned flags, struct gt_error *err)
{
    nft_ctx_output_set_flags(nft->ctx, flags);
    int r = nft_run_cmd_from_buffer(nft->ctx, cmd);
    if (r == 0)
        return 0;
    char text[600];
    error_text(nft, text, sizeof text);
    int code = strstr(text, "No such file or directory") ? ENOENT
             : strstr(text, "Operation not permitted")  ? EPERM
             : strstr(text, "File exists")              ? EEXIST
                                                        : EINVAL;
    return gt_err(err, code, "nftables: %s", text);
}

int gt_nft_run(struct gt_nft *nft, const char *batch, struct gt_error *err)
{
    return run(nft, batch, 0, err);
}

int gt_nft_list_json(struct gt_nft *nft, const char *cmd, json_t **out, struct gt_error *err)
{
    int r = run(nft, cmd, NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_HANDLE, err);
    if (r < 0)
        return r;
    const char *o = nft_ctx_get_output_buffer(nft->ctx);
    return gt_json_load_buf(o, strlen(o), "nft JSON output", out, err);
}

int gt_nft_proto_parse(const char *s)
{
    if (s && !strcasecmp(s, "tcp"))
        return IPPROTO_TCP;
    if (s && !strcasecmp(s, "udp"))
        return IPPROTO_UDP;
    return -EINVAL;
}

const char *gt_nft_proto_name(int proto)
{
    return proto == IPPROTO_UDP ? "udp" : proto == IPPROTO_TCP ? "tcp" : "?";
}

static int check_bridge(const char *b, struct gt_error *err)
{
    bool ok = b && isalpha((unsigned char)b[0]) && strlen(b) < 16;
    for (const char *p = b; ok && *p; p++)
        ok = isalnum((unsigned char)*p) || strchr("_.-", *p);
    if (!ok)
        return gt_err(err, EINVAL, "invalid bridge name \"%s\" for nftables: a letter, then "
                      "letters, digits, '_', '.', '-' (at most 15)", b ? b : "");
    return 0;
}

/* ---- table and networks ---- */

static void put_base(FILE *f)
{
    fprintf(f,
            "add table " T "\n"
            "add set " T " bridges { type ifname; }\n"
            "add map " T " bridge_fwd { type ifname : verdict; }\n"
            "add map " T " bridge_post { type ifname : verdict; }\n"
            "add map " T " bridge_hairpin { type ifname : verdict; }\n"
            "add chain " T " ports\n"
            "add chain " T " prerouting { type nat hook prerouting priority dstnat; policy accept; }\n"
            "flush chain " T " prerouting\n"
            "add rule " T " prerouting fib daddr type local jump ports\n"
            "add chain " T " output { type nat hook output priority -100; policy accept; }\n"
            "flush chain " T " output\n"
            "add rule " T " output fib daddr type local jump ports\n"
            "add chain " T " postrouting { type nat hook postrouting priority srcnat; policy accept; }\n"
            "flush chain " T " postrouting\n"
            "add rule " T " postrouting oifname @bridges ip saddr 127.0.0.0/8 masquerade\n"
            "add rule " T " postrouting iifname vmap @bridge_post\n"
            "add rule " T " postrouting oifname vmap @bridge_hairpin\n"
            "add chain " T " forward { type filter hook forward priority filter; policy accept; }\n"
            "flush chain " T " forward\n"
            "add rule " T " forward iifname vmap @bridge_fwd\n");
}

int gt_nft_network_setup(struct gt_nft *nft, const struct gt_nft_network *net,
                         struct gt_error *err)
{
    int r = check_bridge(net->bridge, err);
    if (r < 0)
        return r;
    if (net->subnet.ip.family != AF_INET)
        return gt_err(err, EINVAL, "nftables: network %s: only IPv4 subnets are handled",
                      net->bridge);
    char sub[GT_IP_STRLEN];
    struct gt_prefix p = { gt_prefix_network(&net->subnet), net->subnet.len };
    gt_prefix_format(&p, sub, sizeof sub);
    const char *b = net->bridge;
    cleanup_free char *batch = NULL;
    size_t len;
    FILE *f = open_memstream(&batch, &len);
    if (!f)
        return gt_err_sys(err, errno, "open_memstream");
    put_base(f);
    fprintf(f,
            "add chain " T " net-%s-fwd\n"
            "flush chain " T " net-%s-fwd\n"
            "add rule " T " net-%s-fwd ct status dnat return\n"
            "add rule " T " net-%s-fwd oifname @bridges oifname != \"%s\" drop\n"
            "add chain " T " net-%s-post\n"
            "flush chain " T " net-%s-post\n"
            "add chain " T " net-%s-hairpin\n"
            "flush chain " T " net-%s-hairpin\n"
            "add rule " T " net-%s-hairpin ip saddr %s ct status dnat masquerade\n",
            b, b, b, b, b, b, b, b, b, b, sub);
    if (net->masquerade)
        fprintf(f, "add rule " T " net-%s-post ip saddr %s oifname != \"%s\" masquerade\n", b,
                sub, b);
    fprintf(f,
            "add element " T " bridges { \"%s\" }\n"
            "add element " T " bridge_fwd { \"%s\" : jump net-%s-fwd }\n"
            "add element " T " bridge_post { \"%s\" : jump net-%s-post }\n"
            "add element " T " bridge_hairpin { \"%s\" : jump net-%s-hairpin }\n",
            b, b, b, b, b, b, b);
    fclose(f);
    int lock;
    r = nft_lock(nft, &lock, err);
    if (r < 0)
        return r;
    r = gt_nft_run(nft, batch, err);
    if (lock >= 0)
        close(lock);
    if (r < 0)
        return gt_err_prefix(err, "set up nftables for bridge %s", b);
    return 0;
}

/* Whether `list` (an nft JSON document) has a map/set/chain element. */
static bool json_has(const json_t *doc, const char *kind, const char *name)
{
    json_t *arr = json_object_get(doc, "nftables"), *it;
    size_t i;
    json_array_foreach(arr, i, it) {
        json_t *o = json_object_get(it, kind);
        if (o && json_is_string(json_object_get(o, "name")) &&
            !strcmp(json_string_value(json_object_get(o, "name")), name))
            return true;
    }
    return false;
}

static bool set_has_elem(const json_t *doc, const char *set, const char *key)
{
    json_t *arr = json_object_get(doc, "nftables"), *it;
    size_t i;
    json_array_foreach(arr, i, it) {
        json_t *o = json_object_get(it, "set");
        if (!o)
            o = json_object_get(it, "map");
        if (!o || !json_is_string(json_object_get(o, "name")) ||
            strcmp(json_string_value(json_object_get(o, "name")), set))
            continue;
        json_t *elems = json_object_get(o, "elem"), *e;
        size_t j;
        json_array_foreach(elems, j, e) {
            /* sets: "br0"; maps: ["br0", {verdict}] */
            json_t *k = json_is_array(e) ? json_array_get(e, 0) : e;
            if (json_is_string(k) && !strcmp(json_string_value(k), key))
                return true;
        }
    }
    return false;
}

int gt_nft_network_teardown(struct gt_nft *nft, const char *bridge, struct gt_error *err)
{
    int r = check_bridge(bridge, err);
    if (r < 0)
        return r;
    int lock;
    r = nft_lock(nft, &lock, err);
    if (r < 0)
        return r;
    cleanup_json json_t *doc = NULL;
    r = gt_nft_list_json(nft, "list table " T, &doc, err);
    if (r == -ENOENT) {
        r = 0;
        goto out;
    }
    if (r < 0)
        goto out;
    cleanup_free char *batch = NULL;
    size_t len;
    FILE *f = open_memstream(&batch, &len);
    if (!f) {
        r = gt_err_sys(err, errno, "open_memstream");
        goto out;
    }
    /* the last network gone and no port rule left: the table goes too */
    size_t others = 0, port_rules = 0;
    json_t *arr = json_object_get(doc, "nftables"), *it;
    size_t i;
    json_array_foreach(arr, i, it) {
        json_t *set = json_object_get(it, "set"), *rule = json_object_get(it, "rule");
        const char *sn = json_string_value(json_object_get(set, "name"));
        if (sn && !strcmp(sn, "bridges")) {
            json_t *elems = json_object_get(set, "elem"), *e;
            size_t j;
            json_array_foreach(elems, j, e)
                if (!json_is_string(e) || strcmp(json_string_value(e), bridge))
                    others++;
        }
        const char *rc = json_string_value(json_object_get(rule, "chain"));
        if (rc && !strcmp(rc, "ports"))
            port_rules++;
    }
    if (others == 0 && port_rules == 0) {
        fprintf(f, "delete table " T "\n");
        goto run;
    }
    /* the elements refer to the chains: they go first */
    if (set_has_elem(doc, "bridge_fwd", bridge))
        fprintf(f, "delete element " T " bridge_fwd { \"%s\" }\n", bridge);
    if (set_has_elem(doc, "bridge_post", bridge))
        fprintf(f, "delete element " T " bridge_post { \"%s\" }\n", bridge);
    if (set_has_elem(doc, "bridge_hairpin", bridge))
        fprintf(f, "delete element " T " bridge_hairpin { \"%s\" }\n", bridge);
    if (set_has_elem(doc, "bridges", bridge))
        fprintf(f, "delete element " T " bridges { \"%s\" }\n", bridge);
    char chain[64];
    snprintf(chain, sizeof chain, "net-%s-fwd", bridge);
    if (json_has(doc, "chain", chain))
        fprintf(f, "flush chain " T " %s\ndelete chain " T " %s\n", chain, chain);
    snprintf(chain, sizeof chain, "net-%s-post", bridge);
    if (json_has(doc, "chain", chain))
        fprintf(f, "flush chain " T " %s\ndelete chain " T " %s\n", chain, chain);
    snprintf(chain, sizeof chain, "net-%s-hairpin", bridge);
    if (json_has(doc, "chain", chain))
        fprintf(f, "flush chain " T " %s\ndelete chain " T " %s\n", chain, chain);
run:
    fclose(f);
    if (batch && *batch)
        r = gt_nft_run(nft, batch, err);
out:
    if (lock >= 0)
        close(lock);
    if (r < 0)
        return gt_err_prefix(err, "remove nftables rules of bridge %s", bridge);
    return 0;
}

/* ---- containers ---- */

/* "ctr:<id>:<ifname>"; ids too long for nft's 128-byte comments are
 * replaced by a hash of them. */
static void container_tag(const char *id, const char *ifname, char *buf, size_t len)
{
    if (strlen(id) <= 72) {
        snprintf(buf, len, "ctr:%s:%s", id, ifname);
        return;
    }
    uint64_t h = 1469598103934665603ULL;
    for (const char *p = id; *p; p++)
        h = (h ^ (uint8_t)*p) * 1099511628211ULL;
    snprintf(buf, len, "ctr:#%016llx:%s", (unsigned long long)h, ifname);
}

struct tagged_rule {
    uint64_t handle;
    const char *comment; /* borrowed from the listing */
};

/* Rules of the ports chain: handle and comment. */
static int list_ports(struct gt_nft *nft, json_t **doc, struct tagged_rule **out, size_t *n,
                      struct gt_error *err)
{
    *out = NULL;
    *n = 0;
    int r = gt_nft_list_json(nft, "list chain " T " ports", doc, err);
    if (r == -ENOENT) {
        gt_err_clear(err);
        return 0;
    }
    if (r < 0)
        return r;
    json_t *arr = json_object_get(*doc, "nftables"), *it;
    size_t i;
    *out = gt_xcalloc(json_array_size(arr) + 1, sizeof **out);
    json_array_foreach(arr, i, it) {
        json_t *rule = json_object_get(it, "rule");
        json_t *c = json_object_get(rule, "comment"), *h = json_object_get(rule, "handle");
        if (!json_is_string(c) || !json_is_integer(h))
            continue;
        (*out)[*n].handle = (uint64_t)json_integer_value(h);
        (*out)[*n].comment = json_string_value(c);
        (*n)++;
    }
    return 0;
}

static bool tag_matches(const char *comment, const char *tag)
{
    size_t n = strlen(tag);
    return !strncmp(comment, tag, n) && (comment[n] == ' ' || comment[n] == '\0');
}

/* Parses " <proto>/<hostip|*>/<port>" after the tag. */
static bool parse_port_comment(const char *comment, char *proto, char *hostip, unsigned *port)
{
    const char *sp = strchr(comment, ' ');
    return sp && sscanf(sp + 1, "%3[a-z]/%45[^/]/%u", proto, hostip, port) == 3;
}

int gt_nft_container_add(struct gt_nft *nft, const char *id, const char *ifname,
                         const struct gt_ip *ip, const struct gt_nft_port *ports, size_t n,
                         struct gt_error *err)
{
    char tag[128], cip[GT_IP_STRLEN];
    if (ip->family != AF_INET)
        return gt_err(err, EINVAL, "nftables: port mappings need an IPv4 container address");
    for (size_t i = 0; i < n; i++) {
        const struct gt_nft_port *p = &ports[i];
        if ((p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP) || !p->host_port ||
            !p->container_port || (p->host_ip.family && p->host_ip.family != AF_INET))
            return gt_err(err, EINVAL, "invalid port mapping #%zu: needs tcp or udp, non-zero "
                          "ports and an IPv4 host address", i);
        for (size_t j = 0; j < i; j++)
            if (ports[j].proto == p->proto && ports[j].host_port == p->host_port &&
                (!ports[j].host_ip.family || !p->host_ip.family ||
                 gt_ip_equal(&ports[j].host_ip, &p->host_ip)))
                return gt_err(err, EADDRINUSE, "host port %u/%s is published twice",
                              p->host_port, gt_nft_proto_name(p->proto));
    }
    container_tag(id, ifname, tag, sizeof tag);
    gt_ip_format(ip, cip, sizeof cip);

    int lock;
    int r = nft_lock(nft, &lock, err);
    if (r < 0)
        return r;
    cleanup_json json_t *doc = NULL;
    cleanup_free struct tagged_rule *rules = NULL;
    size_t nrules = 0;
    cleanup_free char *batch = NULL;
    size_t len;
    FILE *f = NULL;
    if ((r = list_ports(nft, &doc, &rules, &nrules, err)) < 0)
        goto out;
    f = open_memstream(&batch, &len);
    if (!f) {
        r = gt_err_sys(err, errno, "open_memstream");
        goto out;
    }
    for (size_t k = 0; k < nrules; k++) {
        if (tag_matches(rules[k].comment, tag)) {
            fprintf(f, "delete rule " T " ports handle %llu\n",
                    (unsigned long long)rules[k].handle);
            continue;
        }
        char proto[4], hip[46];
        unsigned port;
        if (!parse_port_comment(rules[k].comment, proto, hip, &port))
            continue;
        for (size_t i = 0; i < n; i++) {
            char want[GT_IP_STRLEN];
            if (ports[i].host_ip.family)
                gt_ip_format(&ports[i].host_ip, want, sizeof want);
            if (port == ports[i].host_port && !strcmp(proto, gt_nft_proto_name(ports[i].proto)) &&
                (!strcmp(hip, "*") || !ports[i].host_ip.family || !strcmp(hip, want))) {
                char holder[128];
                snprintf(holder, sizeof holder, "%s", rules[k].comment + 4);
                holder[strcspn(holder, " ")] = '\0';
                r = gt_err(err, EADDRINUSE, "host port %u/%s is already published by %s", port,
                           proto, holder);
                goto out;
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        const struct gt_nft_port *p = &ports[i];
        const char *proto = gt_nft_proto_name(p->proto);
        char hip[GT_IP_STRLEN] = "*";
        fprintf(f, "add rule " T " ports ");
        if (p->host_ip.family) {
            gt_ip_format(&p->host_ip, hip, sizeof hip);
            fprintf(f, "ip daddr %s ", hip);
        }
        fprintf(f, "%s dport %u dnat to %s:%u comment \"%s %s/%s/%u\"\n", proto, p->host_port,
                cip, p->container_port, tag, proto, hip, p->host_port);
    }
    fclose(f);
    f = NULL;
    if (batch && *batch) {
        /* the ports chain may not exist yet when no network was set up */
        cleanup_free char *full = gt_xasprintf("add table " T "\nadd chain " T " ports\n%s",
                                               batch);
        r = gt_nft_run(nft, full, err);
    }
out:
    if (f)
        fclose(f);
    if (lock >= 0)
        close(lock);
    if (r < 0)
        return gt_err_prefix(err, "publish ports of container %s", id);
    return 0;
}

int gt_nft_container_del(struct gt_nft *nft, const char *id, const char *ifname,
                         struct gt_error *err)
{
    char tag[128];
    container_tag(id, ifname, tag, sizeof tag);
    int lock;
    int r = nft_lock(nft, &lock, err);
    if (r < 0)
        return r;
    cleanup_json json_t *doc = NULL;
    cleanup_free struct tagged_rule *rules = NULL;
    size_t nrules = 0;
    r = list_ports(nft, &doc, &rules, &nrules, err);
    int count = 0;
    if (r == 0) {
        cleanup_free char *batch = NULL;
        size_t len;
        FILE *f = open_memstream(&batch, &len);
        if (!f) {
            r = gt_err_sys(err, errno, "open_memstream");
        } else {
            for (size_t k = 0; k < nrules; k++)
                if (tag_matches(rules[k].comment, tag)) {
                    fprintf(f, "delete rule " T " ports handle %llu\n",
                            (unsigned long long)rules[k].handle);
                    count++;
                }
            fclose(f);
            if (count)
                r = gt_nft_run(nft, batch, err);
        }
    }
    if (lock >= 0)
        close(lock);
    if (r < 0)
        return gt_err_prefix(err, "remove published ports of container %s", id);
    return count;
}
