#include "net/cni.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/mem.h"

extern char **environ;

/* ---- configuration ---- */

void gt_cni_conf_release(struct gt_cni_netconf *nc)
{
    free(nc->name);
    free(nc->cni_version);
    free(nc->path);
    if (nc->list)
        json_decref(nc->list);
    memset(nc, 0, sizeof *nc);
}

static int check_type(const char *type, const char *where, struct gt_error *err)
{
    if (!type || !*type || strchr(type, '/') || !strcmp(type, ".") || !strcmp(type, ".."))
        return gt_err(err, EINVAL, "%s: invalid plugin type \"%s\"", where, type ? type : "");
    return 0;
}

int gt_cni_conf_parse(json_t *doc, const char *path, struct gt_cni_netconf *out,
                      struct gt_error *err)
{
    memset(out, 0, sizeof *out);
    const char *where = path ? path : "network configuration";
    if (!json_is_object(doc))
        return gt_err(err, EINVAL, "%s: expected a JSON object", where);
    const char *name = NULL, *ver = NULL;
    int r;
    if ((r = gt_json_get_str(doc, "name", "", GT_JSON_REQUIRED, &name, err)) < 0 ||
        (r = gt_json_get_str(doc, "cniVersion", "", GT_JSON_OPTIONAL, &ver, err)) < 0)
        return gt_err_prefix(err, "%s", where);
    json_t *list;
    json_t *plugins = json_object_get(doc, "plugins");
    if (plugins) {
        if (!json_is_array(plugins) || json_array_size(plugins) == 0)
            return gt_err(err, EINVAL, "%s: \"plugins\" must be a non-empty array", where);
        list = json_incref(doc);
    } else {
        /* a single plugin's conf: a list of one */
        if (!json_is_string(json_object_get(doc, "type")))
            return gt_err(err, EINVAL, "%s: neither \"plugins\" nor \"type\"", where);
        list = json_pack("{s:s, s:s, s:[O]}", "name", name, "cniVersion",
                         ver ? ver : GT_CNI_VERSION, "plugins", doc);
        plugins = json_object_get(list, "plugins");
    }
    size_t i;
    json_t *p;
    json_array_foreach(plugins, i, p) {
        char w[300];
        snprintf(w, sizeof w, "%s: plugins[%zu]", where, i);
        const char *type = json_is_object(p) ? json_string_value(json_object_get(p, "type")) : NULL;
        if ((r = check_type(type, w, err)) < 0) {
            json_decref(list);
            return r;
        }
    }
    bool dc = false;
    json_t *d = json_object_get(doc, "disableCheck");
    if (json_is_boolean(d))
        dc = json_is_true(d);
    out->name = gt_xstrdup(name);
    out->cni_version = gt_xstrdup(ver ? ver : GT_CNI_VERSION);
    out->disable_check = dc;
    out->list = list;
    out->plugins = plugins;
    out->path = path ? gt_xstrdup(path) : NULL;
    return 0;
}

int gt_cni_conf_load(const char *path, struct gt_cni_netconf *out, struct gt_error *err)
{
    cleanup_json json_t *doc = NULL;
    int r = gt_json_load_file(path, &doc, err);
    if (r < 0)
        return r;
    return gt_cni_conf_parse(doc, path, out, err);
}

static bool conf_file(const char *name)
{
    const char *dot = strrchr(name, '.');
    return name[0] != '.' && dot &&
           (!strcmp(dot, ".conflist") || !strcmp(dot, ".conf") || !strcmp(dot, ".json"));
}

static int list_files(const char *dir, char ***out, struct gt_error *err)
{
    struct dirent **ents;
    int n = scandir(dir, &ents, NULL, alphasort);
    if (n < 0)
        return gt_err_sys(err, errno, "read network configuration directory %s", dir);
    char **v = NULL;
    for (int i = 0; i < n; i++) {
        if (conf_file(ents[i]->d_name)) {
            cleanup_free char *p = gt_path_join(dir, ents[i]->d_name);
            gt_strv_push(&v, p);
        }
        free(ents[i]);
    }
    free(ents);
    *out = v;
    return 0;
}

int gt_cni_conf_list(const char *dir, struct gt_cni_netconf **out, size_t *n,
                     struct gt_error *err)
{
    cleanup_strv char **files = NULL;
    int r = list_files(dir, &files, err);
    if (r < 0)
        return r;
    struct gt_cni_netconf *v = gt_xcalloc(gt_strv_len(files) + 1, sizeof *v);
    size_t k = 0;
    for (char **f = files; f && *f; f++) {
        struct gt_error e2;
        if (gt_cni_conf_load(*f, &v[k], &e2) < 0)
            continue;
        bool dup = false;
        for (size_t j = 0; j < k; j++)
            dup = dup || !strcmp(v[j].name, v[k].name);
        if (dup)
            gt_cni_conf_release(&v[k]);
        else
            k++;
    }
    *out = v;
    *n = k;
    return 0;
}

int gt_cni_conf_find(const char *dir, const char *name, struct gt_cni_netconf *out,
                     struct gt_error *err)
{
    cleanup_strv char **files = NULL;
    int r = list_files(dir, &files, err);
    if (r < 0)
        return r;
    for (char **f = files; f && *f; f++) {
        struct gt_error e2;
        if (gt_cni_conf_load(*f, out, &e2) < 0)
            continue;
        if (!strcmp(out->name, name))
            return 0;
        gt_cni_conf_release(out);
    }
    return gt_err(err, ENOENT, "no network named \"%s\" in %s", name, dir);
}

/* ---- the results cache ---- */

static char *cache_path(const struct gt_cni *cni, const char *net, const char *id,
                        const char *ifname)
{
    return gt_xasprintf("%s/results/%s-%s-%s", cni->cache_dir, net, id, ifname);
}

static int cache_write(const struct gt_cni *cni, const struct gt_cni_netconf *net,
                       const struct gt_cni_runtime *rt, const char *ifname, json_t *result,
                       struct gt_error *err)
{
    cleanup_free char *dir = gt_path_join(cni->cache_dir, "results");
    int r = gt_mkdir_p(dir, 0700, err);
    if (r < 0)
        return r;
    cleanup_json json_t *entry = json_pack(
        "{s:s, s:s, s:s, s:s, s:O, s:s, s:O, s:O}", "kind", "cniCacheV1", "containerId",
        rt->container_id, "ifName", ifname, "networkName", net->name, "config", net->list,
        "cniArgs", rt->args ? rt->args : "", "capabilityArgs",
        rt->capability_args ? rt->capability_args : json_object(), "result",
        result ? result : json_null());
    if (!entry)
        return gt_err(err, EINVAL, "cache entry: cannot build JSON");
    cleanup_free char *path = cache_path(cni, net->name, rt->container_id, ifname);
    return gt_json_dump_file(path, entry, true, err);
}

static int cache_read(const struct gt_cni *cni, const char *net, const char *id,
                      const char *ifname, json_t **entry, struct gt_error *err)
{
    cleanup_free char *path = cache_path(cni, net, id, ifname);
    if (!gt_path_exists(path))
        return gt_err(err, ENOENT, "no cached result for %s/%s in network %s", id, ifname, net);
    return gt_json_load_file(path, entry, err);
}

int gt_cni_cached_result(const struct gt_cni *cni, const char *network, const char *container_id,
                         const char *ifname, json_t **out, struct gt_error *err)
{
    cleanup_json json_t *entry = NULL;
    int r = cache_read(cni, network, container_id, ifname ? ifname : "eth0", &entry, err);
    if (r < 0)
        return r;
    json_t *res = json_object_get(entry, "result");
    if (!json_is_object(res))
        return gt_err(err, ENOENT, "cached entry for %s has no result", container_id);
    *out = json_incref(res);
    return 0;
}

int gt_cni_cached_count(const struct gt_cni *cni, const char *network, struct gt_error *err)
{
    cleanup_free char *dir = gt_path_join(cni->cache_dir, "results");
    cleanup_dir DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : gt_err_sys(err, errno, "read %s", dir);
    cleanup_free char *prefix = gt_xasprintf("%s-", network);
    size_t pl = strlen(prefix);
    struct dirent *de;
    int n = 0;
    while ((de = readdir(d))) {
        if (strncmp(de->d_name, prefix, pl) != 0)
            continue;
        /* "<net>-<id>-<if>" of another network whose name starts with
         * "<net>-" is told apart by the entry's networkName */
        cleanup_free char *p = gt_path_join(dir, de->d_name);
        cleanup_json json_t *e = NULL;
        struct gt_error e2;
        if (gt_json_load_file(p, &e, &e2) < 0)
            continue;
        const char *nn = json_string_value(json_object_get(e, "networkName"));
        if (nn && !strcmp(nn, network))
            n++;
    }
    return n;
}

int gt_cni_cached_list(const struct gt_cni *cni, struct gt_cni_cached **out, size_t *n,
                       struct gt_error *err)
{
    *out = NULL;
    *n = 0;
    cleanup_free char *dir = gt_path_join(cni->cache_dir, "results");
    cleanup_dir DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : gt_err_sys(err, errno, "read %s", dir);
    struct gt_cni_cached *v = NULL;
    size_t cnt = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        cleanup_free char *p = gt_path_join(dir, de->d_name);
        cleanup_json json_t *e = NULL;
        struct gt_error e2;
        if (gt_json_load_file(p, &e, &e2) < 0)
            continue;
        const char *nn = json_string_value(json_object_get(e, "networkName"));
        const char *id = json_string_value(json_object_get(e, "containerId"));
        const char *ifn = json_string_value(json_object_get(e, "ifName"));
        if (!nn || !id || !ifn)
            continue;
        if (cnt == cap) {
            cap = cap ? cap * 2 : 16;
            v = gt_xrealloc(v, cap * sizeof *v);
        }
        v[cnt++] = (struct gt_cni_cached){ gt_xstrdup(nn), gt_xstrdup(id), gt_xstrdup(ifn) };
    }
    *out = v;
    *n = cnt;
    return 0;
}

void gt_cni_cached_free(struct gt_cni_cached *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(list[i].network);
        free(list[i].container_id);
        free(list[i].ifname);
    }
    free(list);
}

int gt_cni_cached_conf(const struct gt_cni *cni, const char *network, const char *container_id,
                       const char *ifname, struct gt_cni_netconf *out, struct gt_error *err)
{
    cleanup_json json_t *entry = NULL;
    int r = cache_read(cni, network, container_id, ifname ? ifname : "eth0", &entry, err);
    if (r < 0)
        return r;
    json_t *conf = json_object_get(entry, "config");
    if (!json_is_object(conf))
        return gt_err(err, ENOENT, "cached entry for %s has no configuration", container_id);
    return gt_cni_conf_parse(conf, NULL, out, err);
}

/* ---- invoking plugins ---- */

static int find_plugin(const struct gt_cni *cni, const char *type, char **out,
                       struct gt_error *err)
{
    int r = check_type(type, "plugin", err);
    if (r < 0)
        return r;
    const char *path = cni->plugin_path && *cni->plugin_path ? cni->plugin_path : "/opt/cni/bin";
    cleanup_free char *copy = gt_xstrdup(path);
    char *save = NULL;
    for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        cleanup_free char *p = gt_path_join(d, type);
        struct stat st;
        if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0) {
            *out = steal_pointer(&p);
            return 0;
        }
    }
    return gt_err(err, ENOENT, "plugin \"%s\" not found in %s", type, path);
}

/* The interface in the container: CNI_IFNAME, eth0 unless the runtime
 * names another. */
static const char *ifname_of(const struct gt_cni_runtime *rt)
{
    return rt->ifname ? rt->ifname : "eth0";
}

static char **make_env(const struct gt_cni *cni, const char *cmd, const struct gt_cni_runtime *rt)
{
    char **env = NULL;
    for (char **e = environ; e && *e; e++)
        if (strncmp(*e, "CNI_", 4) != 0)
            gt_strv_push(&env, *e);
    gt_strv_pushf(&env, "CNI_COMMAND=%s", cmd);
    if (rt) {
        gt_strv_pushf(&env, "CNI_CONTAINERID=%s", rt->container_id);
        gt_strv_pushf(&env, "CNI_NETNS=%s", rt->netns ? rt->netns : "");
        gt_strv_pushf(&env, "CNI_IFNAME=%s", ifname_of(rt));
        gt_strv_pushf(&env, "CNI_ARGS=%s", rt->args ? rt->args : "");
    }
    gt_strv_pushf(&env, "CNI_PATH=%s", cni->plugin_path ? cni->plugin_path : "");
    return env;
}

/* Turns a failed plugin run into a message: its error object if it wrote
 * one, else the end of its stderr. */
static int plugin_error(const char *type, const char *cmd, const struct gt_cni_exec_result *res,
                        struct gt_error *err)
{
    cleanup_json json_t *e = NULL;
    struct gt_error e2;
    if (res->out && *res->out &&
        gt_json_load_buf(res->out, strlen(res->out), "plugin output", &e, &e2) == 0 &&
        json_is_object(e)) {
        const char *msg = json_string_value(json_object_get(e, "msg"));
        const char *details = json_string_value(json_object_get(e, "details"));
        json_int_t code = json_integer_value(json_object_get(e, "code"));
        if (msg)
            return gt_err(err, EIO, "plugin %s %s: %s%s%s (code %lld)", type, cmd, msg,
                          details && *details ? ": " : "", details ? details : "",
                          (long long)code);
    }
    const char *tail = res->errtext ? res->errtext : "";
    size_t n = strlen(tail);
    while (n && (tail[n - 1] == '\n' || tail[n - 1] == ' '))
        n--;
    size_t start = n > 300 ? n - 300 : 0;
    if (WIFSIGNALED(res->status))
        return gt_err(err, EIO, "plugin %s %s: killed by signal %d%s%.*s", type, cmd,
                      WTERMSIG(res->status), n ? ": " : "", (int)(n - start), tail + start);
    return gt_err(err, EIO, "plugin %s %s: exit status %d%s%.*s", type, cmd,
                  WEXITSTATUS(res->status), n ? ": " : "", (int)(n - start), tail + start);
}

/* The stdin config of plugin `p` of list `net`. */
static json_t *plugin_config(const struct gt_cni_netconf *net, json_t *p, json_t *prev,
                             json_t *cap_args)
{
    json_t *c = json_deep_copy(p);
    json_object_set_new(c, "name", json_string(net->name));
    json_object_set_new(c, "cniVersion", json_string(net->cni_version));
    if (prev)
        json_object_set(c, "prevResult", prev);
    else
        json_object_del(c, "prevResult");
    json_t *caps = json_object_get(p, "capabilities");
    json_t *rc = json_object();
    const char *k;
    json_t *v;
    if (json_is_object(caps) && json_is_object(cap_args))
        json_object_foreach(cap_args, k, v) {
            if (json_is_true(json_object_get(caps, k)))
                json_object_set(rc, k, v);
        }
    if (json_object_size(rc))
        json_object_set_new(c, "runtimeConfig", rc);
    else
        json_decref(rc);
    return c;
}

static int run_plugin(const struct gt_cni *cni, const struct gt_cni_netconf *net, json_t *p,
                      const char *cmd, const struct gt_cni_runtime *rt, json_t *prev,
                      json_t *cap_args, json_t **result, struct gt_error *err)
{
    const char *type = json_string_value(json_object_get(p, "type"));
    cleanup_free char *path = NULL;
    int r = find_plugin(cni, type, &path, err);
    if (r < 0)
        return r;
    cleanup_json json_t *conf = plugin_config(net, p, prev, cap_args);
    cleanup_free char *input = json_dumps(conf, JSON_COMPACT);
    cleanup_strv char **env = make_env(cni, cmd, rt);
    struct gt_cni_exec_result res;
    r = gt_cni_exec(path, env, input, cni->timeout_ms, &res, err);
    if (r < 0)
        return gt_err_prefix(err, "plugin %s %s", type, cmd);
    if (!WIFEXITED(res.status) || WEXITSTATUS(res.status) != 0) {
        r = plugin_error(type, cmd, &res, err);
        gt_cni_exec_result_release(&res);
        return r;
    }
    if (result) {
        *result = NULL;
        if (res.out && *res.out &&
            (r = gt_json_load_buf(res.out, strlen(res.out), "plugin result", result, err)) < 0) {
            gt_cni_exec_result_release(&res);
            return gt_err_prefix(err, "plugin %s %s", type, cmd);
        }
    }
    gt_cni_exec_result_release(&res);
    return 0;
}

static int check_rt(const struct gt_cni_runtime *rt, bool need_netns, struct gt_error *err)
{
    if (!rt->container_id || !*rt->container_id)
        return gt_err(err, EINVAL, "no container id given");
    if (need_netns && (!rt->netns || !*rt->netns))
        return gt_err(err, EINVAL, "no network namespace given");
    return 0;
}

int gt_cni_add(const struct gt_cni *cni, const struct gt_cni_netconf *net,
               const struct gt_cni_runtime *rt, json_t **result, struct gt_error *err)
{
    int r = check_rt(rt, true, err);
    if (r < 0)
        return r;
    const char *ifname = ifname_of(rt);
    json_t *prev = NULL;
    size_t i;
    json_t *p;
    json_array_foreach(net->plugins, i, p) {
        json_t *res = NULL;
        r = run_plugin(cni, net, p, "ADD", rt, prev, rt->capability_args, &res, err);
        if (prev)
            json_decref(prev);
        if (r < 0)
            return gt_err_prefix(err, "network %s", net->name);
        prev = res;
    }
    if (!prev)
        prev = json_object();
    r = cache_write(cni, net, rt, ifname, prev, err);
    if (r < 0) {
        json_decref(prev);
        return gt_err_prefix(err, "network %s: cache the result", net->name);
    }
    *result = prev;
    return 0;
}

int gt_cni_del(const struct gt_cni *cni, const struct gt_cni_netconf *net,
               const struct gt_cni_runtime *rt, struct gt_error *err)
{
    int r = check_rt(rt, false, err);
    if (r < 0)
        return r;
    const char *ifname = ifname_of(rt);
    cleanup_json json_t *entry = NULL;
    struct gt_error e2;
    json_t *prev = NULL, *cap = rt->capability_args;
    if (cache_read(cni, net->name, rt->container_id, ifname, &entry, &e2) == 0) {
        prev = json_object_get(entry, "result");
        if (!json_is_object(prev))
            prev = NULL;
        if (!cap)
            cap = json_object_get(entry, "capabilityArgs");
    }
    for (size_t i = json_array_size(net->plugins); i-- > 0;) {
        r = run_plugin(cni, net, json_array_get(net->plugins, i), "DEL", rt, prev, cap, NULL, err);
        if (r < 0)
            return gt_err_prefix(err, "network %s", net->name);
    }
    cleanup_free char *path = cache_path(cni, net->name, rt->container_id, ifname);
    if (unlink(path) < 0 && errno != ENOENT)
        return gt_err_sys(err, errno, "remove %s", path);
    return 0;
}

int gt_cni_check(const struct gt_cni *cni, const struct gt_cni_netconf *net,
                 const struct gt_cni_runtime *rt, struct gt_error *err)
{
    int r = check_rt(rt, true, err);
    if (r < 0)
        return r;
    if (net->disable_check)
        return 0;
    const char *ifname = ifname_of(rt);
    cleanup_json json_t *entry = NULL;
    r = cache_read(cni, net->name, rt->container_id, ifname, &entry, err);
    if (r < 0)
        return gt_err_prefix(err, "network %s: check", net->name);
    json_t *prev = json_object_get(entry, "result");
    json_t *cap = rt->capability_args ? rt->capability_args
                                      : json_object_get(entry, "capabilityArgs");
    size_t i;
    json_t *p;
    json_array_foreach(net->plugins, i, p) {
        r = run_plugin(cni, net, p, "CHECK", rt, prev, cap, NULL, err);
        if (r < 0)
            return gt_err_prefix(err, "network %s", net->name);
    }
    return 0;
}

int gt_cni_version(const struct gt_cni *cni, const char *type, json_t **out,
                   struct gt_error *err)
{
    cleanup_free char *path = NULL;
    int r = find_plugin(cni, type, &path, err);
    if (r < 0)
        return r;
    cleanup_strv char **env = make_env(cni, "VERSION", NULL);
    struct gt_cni_exec_result res;
    r = gt_cni_exec(path, env, "{\"cniVersion\":\"" GT_CNI_VERSION "\"}", cni->timeout_ms, &res,
                    err);
    if (r < 0)
        return gt_err_prefix(err, "plugin %s VERSION", type);
    if (!WIFEXITED(res.status) || WEXITSTATUS(res.status) != 0) {
        r = plugin_error(type, "VERSION", &res, err);
        gt_cni_exec_result_release(&res);
        return r;
    }
    r = gt_json_load_buf(res.out, strlen(res.out), "plugin VERSION output", out, err);
    gt_cni_exec_result_release(&res);
    return r;
}
