/* net/cni.h - calling CNI plugins (spec 1.0), as a container runtime does.
 *
 * Networks are network configuration lists (.conflist; a single-plugin
 * .conf or .json is read as a list of one) in a configuration directory,
 * found by their "name".  A plugin is an executable named by its "type",
 * looked up in the plugin path (CNI_PATH).
 *
 * ADD runs the list's plugins in order: each gets the previous one's
 * result as "prevResult", and the last result is the attachment's result.
 * It is cached (<cache dir>/results/<network>-<container id>-<ifname>, as
 * libcni does), with the runtime arguments, so that DEL and CHECK can pass
 * it back as prevResult even after a restart.  DEL runs the plugins in
 * reverse order and removes the cache entry when they all succeed; a DEL
 * with nothing cached still runs them (plugins must tolerate that).
 * CHECK runs them in order with the cached result.
 *
 * Each plugin runs with the caller's environment plus CNI_COMMAND,
 * CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME, CNI_ARGS and CNI_PATH; its config
 * on stdin is its object from the list plus "name", "cniVersion",
 * "prevResult" and, for the capabilities it declares ("capabilities":
 * {"portMappings": true}), "runtimeConfig".  A failing plugin's error
 * object ({"code","msg","details"}) becomes the error message:
 *   "network mynet: plugin bridge ADD: failed to set bridge addr: ... (code 11)".
 * Plugins are killed after the timeout. */
#ifndef GT_NET_CNI_H
#define GT_NET_CNI_H

#include <jansson.h>
#include <stdbool.h>

#include "base/error.h"

#define GT_CNI_VERSION "1.0.0"

struct gt_cni_netconf {
    char *name;
    char *cni_version;
    bool disable_check;
    json_t *list;    /* the configuration list (owned) */
    json_t *plugins; /* its "plugins" array (borrowed from list) */
    char *path;      /* the file it came from, or NULL */
};

/* Parses a conflist (or a single plugin's conf) and checks it: a name, a
 * version, at least one plugin, each with a "type" that is a file name. */
int gt_cni_conf_parse(json_t *doc, const char *path, struct gt_cni_netconf *out,
                      struct gt_error *err);
int gt_cni_conf_load(const char *path, struct gt_cni_netconf *out, struct gt_error *err);
/* The network called `name` in dir (files in lexical order, the first one
 * wins): -ENOENT "no network named X in DIR" when there is none. */
int gt_cni_conf_find(const char *dir, const char *name, struct gt_cni_netconf *out,
                     struct gt_error *err);
/* Every valid network of dir; files that do not parse are skipped.  The
 * caller releases each entry and frees the array. */
int gt_cni_conf_list(const char *dir, struct gt_cni_netconf **out, size_t *n,
                     struct gt_error *err);
void gt_cni_conf_release(struct gt_cni_netconf *nc);

struct gt_cni {
    const char *plugin_path; /* directories, ':'-separated */
    const char *cache_dir;   /* results cache: <cache_dir>/results */
    int timeout_ms;          /* per plugin; 0: 60 s */
};

struct gt_cni_runtime {
    const char *container_id;
    const char *netns;  /* path of the network namespace; may be NULL on DEL */
    const char *ifname; /* NULL: "eth0" */
    const char *args;   /* CNI_ARGS, "K1=V1;K2=V2", or NULL */
    /* capability arguments, e.g. {"portMappings": [{"hostPort": 8080,
     * "containerPort": 80, "protocol": "tcp"}]}; borrowed; NULL: none */
    json_t *capability_args;
};

/* *result: the final result (new reference). */
int gt_cni_add(const struct gt_cni *cni, const struct gt_cni_netconf *net,
               const struct gt_cni_runtime *rt, json_t **result, struct gt_error *err);
int gt_cni_del(const struct gt_cni *cni, const struct gt_cni_netconf *net,
               const struct gt_cni_runtime *rt, struct gt_error *err);
int gt_cni_check(const struct gt_cni *cni, const struct gt_cni_netconf *net,
                 const struct gt_cni_runtime *rt, struct gt_error *err);
/* The VERSION answer of plugin `type` (new reference). */
int gt_cni_version(const struct gt_cni *cni, const char *type, json_t **out,
                   struct gt_error *err);

/* The cached result of an attachment: -ENOENT when there is none. */
int gt_cni_cached_result(const struct gt_cni *cni, const char *network, const char *container_id,
                         const char *ifname, json_t **out, struct gt_error *err);
/* How many attachments of `network` are cached (attached containers). */
int gt_cni_cached_count(const struct gt_cni *cni, const char *network, struct gt_error *err);

/* ---- running one plugin (net/cni_exec.c) ---- */

struct gt_cni_exec_result {
    int status;  /* wait status */
    char *out;   /* stdout, NUL-terminated (owned) */
    char *errtext; /* stderr, NUL-terminated (owned) */
};

/* Runs path with env (NULL-terminated "K=V"), writes input to its stdin,
 * collects its output; kills it after timeout_ms.  Fails only when it
 * cannot be run or times out; a non-zero exit is for the caller to judge. */
int gt_cni_exec(const char *path, char *const env[], const char *input, int timeout_ms,
                struct gt_cni_exec_result *res, struct gt_error *err);
void gt_cni_exec_result_release(struct gt_cni_exec_result *res);

#endif
