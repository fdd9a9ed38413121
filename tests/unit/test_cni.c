/* The CNI caller against fake plugins (shell scripts) that record what
 * they were given. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/mem.h"
#include "net/cni.h"
#include "net/cni_bridge.h"
#include "net/net.h"
#include "tests/unit/unit.h"

/* A plugin that appends "<cmd> <name> <id> <ifname> <netns> <args>" to
 * log, saves its stdin to in.<name>.<cmd>, and prints a result naming
 * itself (or fails when its config says "fail"). */
static const char *fake =
    "#!/bin/sh\n"
    "d=$(dirname \"$0\"); n=$(basename \"$0\")\n"
    "echo \"$CNI_COMMAND $n $CNI_CONTAINERID $CNI_IFNAME $CNI_NETNS $CNI_ARGS\" >>\"$d/log\"\n"
    "cat >\"$d/in.$n.$CNI_COMMAND\"\n"
    "if grep -q '\"fail\"' \"$d/in.$n.$CNI_COMMAND\"; then\n"
    "  echo '{\"cniVersion\":\"1.0.0\",\"code\":7,\"msg\":\"bad thing\",\"details\":\"in '$n'\"}'\n"
    "  exit 1\n"
    "fi\n"
    "if grep -q '\"sleep\"' \"$d/in.$n.$CNI_COMMAND\"; then exec sleep 5; fi\n"
    "[ \"$CNI_COMMAND\" = ADD ] && echo '{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"eth0\","
    "\"mac\":\"02:00:00:00:00:01\",\"sandbox\":\"/ns\"}],\"ips\":[{\"address\":\"10.9.9.9/24\","
    "\"gateway\":\"10.9.9.1\",\"interface\":0}],\"by\":\"'$n'\"}'\n"
    "[ \"$CNI_COMMAND\" = VERSION ] && echo '{\"cniVersion\":\"1.0.0\",\"supportedVersions\":[\"1.0.0\"]}'\n"
    "exit 0\n";

static const char *dir(void)
{
    static char d[256];
    if (!d[0]) {
        snprintf(d, sizeof d, "%s", unit_tmpdir());
        const char *names[] = { "p1", "p2" };
        for (int i = 0; i < 2; i++) {
            cleanup_free char *p = gt_path_join(d, names[i]);
            gt_write_file(p, fake, strlen(fake), 0755, NULL);
        }
    }
    return d;
}

static json_t *load(const char *name)
{
    cleanup_free char *p = gt_path_join(dir(), name);
    json_t *j = NULL;
    struct gt_error err;
    if (gt_json_load_file(p, &j, &err) < 0)
        unit_fail(__FILE__, __LINE__, "%s", err.msg);
    return j;
}

static void conf(struct gt_cni_netconf *nc, const char *text)
{
    struct gt_error err;
    cleanup_json json_t *j = NULL;
    if (gt_json_load_buf(text, strlen(text), "conf", &j, &err) < 0 ||
        gt_cni_conf_parse(j, NULL, nc, &err) < 0) {
        unit_fail(__FILE__, __LINE__, "%s", err.msg);
        exit(1);
    }
}

TEST(cni_add_chains_plugins_and_del_reverses_them)
{
    struct gt_cni_netconf nc;
    conf(&nc, "{\"cniVersion\":\"1.0.0\",\"name\":\"n1\",\"plugins\":["
              "{\"type\":\"p1\",\"x\":1},"
              "{\"type\":\"p2\",\"capabilities\":{\"portMappings\":true}}]}");
    cleanup_free char *cache = gt_path_join(dir(), "cache");
    struct gt_cni cni = { .plugin_path = dir(), .cache_dir = cache };
    cleanup_json json_t *cap = json_pack("{s:[{s:i,s:i}], s:[s]}", "portMappings", "hostPort",
                                         80, "containerPort", 8080, "ips", "10.0.0.1");
    struct gt_cni_runtime rt = { .container_id = "ctr1", .netns = "/ns", .ifname = "eth1",
                                 .args = "K=V", .capability_args = cap };
    struct gt_error err;
    json_t *res = NULL;
    REQUIRE(gt_cni_add(&cni, &nc, &rt, &res, &err) == 0);
    CHECK_STR_EQ(json_string_value(json_object_get(res, "by")), "p2");
    json_decref(res);

    /* p1: its own config, name and version, no prevResult, no
     * runtimeConfig (it declared no capability) */
    cleanup_json json_t *in1 = load("in.p1.ADD");
    CHECK_STR_EQ(json_string_value(json_object_get(in1, "name")), "n1");
    CHECK_STR_EQ(json_string_value(json_object_get(in1, "cniVersion")), "1.0.0");
    CHECK_INT_EQ(json_integer_value(json_object_get(in1, "x")), 1);
    CHECK(!json_object_get(in1, "prevResult"));
    CHECK(!json_object_get(in1, "runtimeConfig"));
    /* p2: p1's result as prevResult; only the declared capability */
    cleanup_json json_t *in2 = load("in.p2.ADD");
    json_t *prev = json_object_get(in2, "prevResult");
    CHECK_STR_EQ(json_string_value(json_object_get(prev, "by")), "p1");
    json_t *rc = json_object_get(in2, "runtimeConfig");
    CHECK(json_object_get(rc, "portMappings") != NULL);
    CHECK(json_object_get(rc, "ips") == NULL);

    /* the cached result feeds DEL, which runs in reverse order */
    json_t *cached;
    REQUIRE(gt_cni_cached_result(&cni, "n1", "ctr1", "eth1", &cached, &err) == 0);
    CHECK_STR_EQ(json_string_value(json_object_get(cached, "by")), "p2");
    json_decref(cached);
    CHECK_INT_EQ(gt_cni_cached_count(&cni, "n1", &err), 1);
    struct gt_cni_runtime del = { .container_id = "ctr1", .netns = "/ns", .ifname = "eth1" };
    REQUIRE(gt_cni_del(&cni, &nc, &del, &err) == 0);
    cleanup_json json_t *d2 = load("in.p2.DEL");
    CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(d2, "prevResult"), "by")), "p2");
    /* capability args come back from the cache on DEL */
    CHECK(json_object_get(json_object_get(d2, "runtimeConfig"), "portMappings") != NULL);
    CHECK_INT_EQ(gt_cni_cached_count(&cni, "n1", &err), 0);
    CHECK_INT_EQ(gt_cni_cached_result(&cni, "n1", "ctr1", "eth1", &cached, &err), -ENOENT);

    cleanup_free char *logp = gt_path_join(dir(), "log");
    cleanup_free char *log = NULL;
    REQUIRE(gt_read_file(logp, 0, &log, NULL, &err) == 0);
    CHECK_STR_EQ(log, "ADD p1 ctr1 eth1 /ns K=V\nADD p2 ctr1 eth1 /ns K=V\n"
                      "DEL p2 ctr1 eth1 /ns \nDEL p1 ctr1 eth1 /ns \n");
    gt_cni_conf_release(&nc);
}

TEST(cni_plugin_errors_and_timeouts_are_reported)
{
    struct gt_cni_netconf nc;
    conf(&nc, "{\"cniVersion\":\"1.0.0\",\"name\":\"n2\",\"plugins\":["
              "{\"type\":\"p1\"},{\"type\":\"p2\",\"fail\":true}]}");
    cleanup_free char *cache = gt_path_join(dir(), "cache");
    struct gt_cni cni = { .plugin_path = dir(), .cache_dir = cache, .timeout_ms = 500 };
    struct gt_cni_runtime rt = { .container_id = "c", .netns = "/ns" };
    struct gt_error err;
    json_t *res = NULL;
    CHECK(gt_cni_add(&cni, &nc, &rt, &res, &err) < 0);
    CHECK_STR_EQ(err.msg, "network n2: plugin p2 ADD: bad thing: in p2 (code 7)");
    CHECK_INT_EQ(gt_cni_cached_count(&cni, "n2", &err), 0);
    gt_cni_conf_release(&nc);

    conf(&nc, "{\"cniVersion\":\"1.0.0\",\"name\":\"n3\",\"plugins\":[{\"type\":\"p1\",\"sleep\":1}]}");
    CHECK_INT_EQ(gt_cni_add(&cni, &nc, &rt, &res, &err), -ETIMEDOUT);
    CHECK_STR_CONTAINS(err.msg, "killed after 500 ms");
    gt_cni_conf_release(&nc);

    conf(&nc, "{\"cniVersion\":\"1.0.0\",\"name\":\"n4\",\"plugins\":[{\"type\":\"nope\"}]}");
    CHECK_INT_EQ(gt_cni_add(&cni, &nc, &rt, &res, &err), -ENOENT);
    CHECK_STR_CONTAINS(err.msg, "plugin \"nope\" not found");
    gt_cni_conf_release(&nc);

    json_t *v;
    REQUIRE(gt_cni_version(&cni, "p1", &v, &err) == 0);
    CHECK_STR_EQ(json_string_value(json_array_get(json_object_get(v, "supportedVersions"), 0)),
                 "1.0.0");
    json_decref(v);
}

TEST(cni_conf_dir_finds_networks_by_name)
{
    struct gt_error err;
    cleanup_free char *d = gt_path_join(dir(), "conf.d");
    REQUIRE(gt_mkdir_p(d, 0755, &err) == 0);
    const char *a = "{\"cniVersion\":\"1.0.0\",\"name\":\"alpha\",\"type\":\"p1\"}";
    const char *b = "{\"cniVersion\":\"1.0.0\",\"name\":\"beta\",\"plugins\":[{\"type\":\"p2\"}]}";
    cleanup_free char *pa = gt_path_join(d, "10-alpha.conf");
    cleanup_free char *pb = gt_path_join(d, "20-beta.conflist");
    cleanup_free char *pc = gt_path_join(d, "30-broken.conflist");
    gt_write_file(pa, a, strlen(a), 0644, &err);
    gt_write_file(pb, b, strlen(b), 0644, &err);
    gt_write_file(pc, "{", 1, 0644, &err);
    struct gt_cni_netconf nc;
    REQUIRE(gt_cni_conf_find(d, "alpha", &nc, &err) == 0);
    CHECK_INT_EQ(json_array_size(nc.plugins), 1); /* a .conf is a list of one */
    gt_cni_conf_release(&nc);
    REQUIRE(gt_cni_conf_find(d, "beta", &nc, &err) == 0);
    gt_cni_conf_release(&nc);
    CHECK_INT_EQ(gt_cni_conf_find(d, "gamma", &nc, &err), -ENOENT);
    CHECK_STR_CONTAINS(err.msg, "no network named \"gamma\"");
    struct gt_cni_netconf *all;
    size_t n;
    REQUIRE(gt_cni_conf_list(d, &all, &n, &err) == 0);
    CHECK_INT_EQ(n, 2);
    for (size_t i = 0; i < n; i++)
        gt_cni_conf_release(&all[i]);
    free(all);
    cleanup_json json_t *bad = json_pack("{s:s, s:[{s:s}]}", "name", "x", "plugins", "type", "../x");
    CHECK(gt_cni_conf_parse(bad, NULL, &nc, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "invalid plugin type");
}

TEST(gantry_plugin_reports_cni_errors)
{
    struct gt_cni_bridge_env env = { .command = "ADD", .container_id = "c1", .ifname = "eth0" };
    char *out = NULL;
    int code;
    struct gt_error err;
    CHECK(gt_cni_bridge_run(&env, "{\"cniVersion\":\"9.9.9\",\"name\":\"n\",\"ipam\":{}}", &out,
                            &code, &err) < 0);
    CHECK_INT_EQ(code, 1);
    CHECK_STR_CONTAINS(err.msg, "cniVersion 9.9.9 is not supported");
    CHECK(gt_cni_bridge_run(&env, "not json", &out, &code, &err) < 0);
    CHECK_INT_EQ(code, 6);
    env.command = "ADD";
    CHECK(gt_cni_bridge_run(&env,
                            "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"ipam\":{\"ranges\":"
                            "[[{\"subnet\":\"10.0.0.0/24\"}]]}}",
                            &out, &code, &err) < 0);
    CHECK_INT_EQ(code, 4);
    CHECK_STR_CONTAINS(err.msg, "CNI_NETNS is required");
    env.command = "VERSION";
    REQUIRE(gt_cni_bridge_run(&env, "{\"cniVersion\":\"1.0.0\"}", &out, &code, &err) == 0);
    CHECK_STR_CONTAINS(out, "\"supportedVersions\"");
    free(out);
    char name[16];
    gt_cni_bridge_host_ifname("c1", "eth0", name);
    CHECK_INT_EQ(strlen(name), 15);
    char other[16];
    gt_cni_bridge_host_ifname("c1", "eth1", other);
    CHECK(strcmp(name, other) != 0);
}

TEST(port_specs_parse_like_docker_run)
{
    struct gt_net_port p;
    struct gt_error err;
    REQUIRE(gt_net_port_parse("8080:80", &p, &err) == 0);
    CHECK_INT_EQ(p.host_port, 8080);
    CHECK_INT_EQ(p.container_port, 80);
    CHECK_INT_EQ(p.proto, 6);
    REQUIRE(gt_net_port_parse("127.0.0.1:53:5353/udp", &p, &err) == 0);
    CHECK_STR_EQ(p.host_ip, "127.0.0.1");
    CHECK_INT_EQ(p.proto, 17);
    REQUIRE(gt_net_port_parse("[::1]:80:80", &p, &err) == 0);
    CHECK_STR_EQ(p.host_ip, "::1");
    CHECK(gt_net_port_parse("80", &p, &err) < 0);
    CHECK(gt_net_port_parse("0:80", &p, &err) < 0);
    CHECK(gt_net_port_parse("80:80/sctp", &p, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "not tcp or udp");
}
