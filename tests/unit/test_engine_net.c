/* The engine's networks through its API: create, list with filters,
 * inspect, remove, prune; the checks at container create; a container on
 * a user-defined network (address, hosts, resolv.conf, what inspect
 * shows), and what its removal leaves (nothing).  The test moves into a
 * network namespace of its own first: the bridges and rules it makes stay
 * there. */
#include "tests/unit/test_engine_util.h"

static void own_netns(void)
{
    if (unshare(CLONE_NEWNET) < 0)
        unit_skip("cannot make a network namespace: %s", strerror(errno));
    if (system("ip link set lo up") != 0)
        unit_skip("needs iproute2");
}

#define FXNET(name) \
    own_netns(); \
    struct fx name __attribute__((cleanup(fx_teardown))); \
    fx_setup(&name, false); \
    name.cfg.bridge = "gtu0"; \
    name.cfg.cni_path = name.bindir; /* gantry-cni-bridge is beside gantry */ \
    if (fx_open(&name) < 0) { \
        unit_fail(__FILE__, __LINE__, "the engine did not open"); \
        return; \
    }

static json_t *jparse(const char *s)
{
    json_error_t je;
    return json_loads(s, 0, &je);
}

static json_t *net_create(struct fx *f, const char *json, struct gt_error *err)
{
    cleanup_json json_t *req = jparse(json);
    json_t *out = NULL;
    if (gt_engine_network_create(f->e, req, &out, err) < 0)
        return NULL;
    return out;
}

/* names of the networks a filter keeps, space-separated */
static void names(struct fx *f, const char *filters, char *buf, size_t sz)
{
    cleanup_json json_t *fl = filters ? jparse(filters) : NULL;
    cleanup_json json_t *list = NULL;
    struct gt_error err = { 0 };
    buf[0] = '\0';
    if (gt_engine_network_list(f->e, fl, &list, &err) < 0) {
        snprintf(buf, sz, "error: %s", err.msg);
        return;
    }
    size_t i, o = 0;
    json_t *n;
    json_array_foreach(list, i, n)
        o += (size_t)snprintf(buf + o, sz - o, "%s%s", o ? " " : "",
                              json_string_value(json_object_get(n, "Name")));
}

TEST(engine_networks_create_list_inspect_remove)
{
    FXNET(f);
    struct gt_error err = { 0 };
    char buf[512];
    names(&f, NULL, buf, sizeof buf);
    CHECK_STR_EQ(buf, "host none bridge");
    cleanup_json json_t *bridge = NULL;
    REQUIRE(gt_engine_network_inspect(f.e, "bridge", &bridge, &err) == 0);
    CHECK_STR_EQ(json_string_value(json_object_get(bridge, "Driver")), "bridge");
    json_t *cfg0 = json_array_get(json_object_get(json_object_get(bridge, "IPAM"), "Config"), 0);
    CHECK_STR_EQ(json_string_value(json_object_get(cfg0, "Subnet")), "172.17.0.0/16");
    CHECK_STR_EQ(json_string_value(json_object_get(cfg0, "Gateway")), "172.17.0.1");
    CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(bridge, "Options"),
                                                   "com.docker.network.bridge.name")), "gtu0");

    cleanup_json json_t *c1 = net_create(&f, "{\"Name\":\"net1\",\"IPAM\":{\"Config\":[{\"Subnet\":\"10.201.0.0/24\",\"IPRange\":\"10.201.0.128/25\"}]},\"Labels\":{\"team\":\"a\"},\"Options\":{\"com.docker.network.bridge.name\":\"gtu-net1\"}}", &err);
    REQUIRE(c1);
    const char *id = json_string_value(json_object_get(c1, "Id"));
    REQUIRE(id && strlen(id) == 64);
    /* a name taken, a subnet taken, bad names and drivers */
    CHECK(net_create(&f, "{\"Name\":\"net1\"}", &err) == NULL);
    CHECK_INT_EQ(err.code, EEXIST);
    CHECK_STR_EQ(err.msg, "network with name net1 already exists");
    CHECK(net_create(&f, "{\"Name\":\"bridge\"}", &err) == NULL);
    CHECK_INT_EQ(err.code, EEXIST);
    CHECK(net_create(&f, "{\"Name\":\"net2\",\"IPAM\":{\"Config\":[{\"Subnet\":\"10.201.0.0/16\"}]}}", &err) == NULL);
    CHECK_INT_EQ(err.code, EPERM);
    CHECK_STR_CONTAINS(err.msg, "Pool overlaps with other one on this address space");
    CHECK(net_create(&f, "{\"Name\":\"bad name\"}", &err) == NULL);
    CHECK_INT_EQ(err.code, EINVAL);
    CHECK(net_create(&f, "{\"Name\":\"o\",\"Driver\":\"overlay\"}", &err) == NULL);
    CHECK_INT_EQ(err.code, EOPNOTSUPP);
    CHECK(net_create(&f, "{\"Name\":\"o\",\"Driver\":\"nosuch\"}", &err) == NULL);
    CHECK_INT_EQ(err.code, ENOENT);
    CHECK_STR_EQ(err.msg, "plugin \"nosuch\" not found");
    CHECK(net_create(&f, "{\"Name\":\"o\",\"Driver\":\"host\"}", &err) == NULL);
    CHECK_INT_EQ(err.code, EPERM);
    /* without a subnet: the next free one of docker's pools */
    cleanup_json json_t *c3 = net_create(&f, "{\"Name\":\"net3\"}", &err);
    REQUIRE(c3);
    cleanup_json json_t *n3 = NULL;
    REQUIRE(gt_engine_network_inspect(f.e, "net3", &n3, &err) == 0);
    CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(json_object_get(json_object_get(n3, "IPAM"), "Config"), 0), "Subnet")), "172.18.0.0/16");

    /* by id prefix; filters */
    char prefix[13];
    snprintf(prefix, sizeof prefix, "%.12s", id);
    cleanup_json json_t *n1 = NULL;
    REQUIRE(gt_engine_network_inspect(f.e, prefix, &n1, &err) == 0);
    CHECK_STR_EQ(json_string_value(json_object_get(n1, "Name")), "net1");
    json_t *ipam1 = json_array_get(json_object_get(json_object_get(n1, "IPAM"), "Config"), 0);
    CHECK_STR_EQ(json_string_value(json_object_get(ipam1, "IPRange")), "10.201.0.128/25");
    CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(n1, "Labels"), "team")), "a");
    names(&f, "{\"driver\":{\"null\":true}}", buf, sizeof buf);
    CHECK_STR_EQ(buf, "none");
    names(&f, "{\"type\":{\"custom\":true}}", buf, sizeof buf);
    CHECK_STR_EQ(buf, "net1 net3");
    names(&f, "{\"type\":{\"builtin\":true}}", buf, sizeof buf);
    CHECK_STR_EQ(buf, "host none bridge");
    names(&f, "{\"label\":{\"team=a\":true}}", buf, sizeof buf);
    CHECK_STR_EQ(buf, "net1");
    names(&f, "{\"name\":{\"^net\":true}}", buf, sizeof buf);
    CHECK_STR_EQ(buf, "net1 net3");
    names(&f, "{\"dangling\":{\"true\":true}}", buf, sizeof buf);
    CHECK_STR_EQ(buf, "net1 net3");
    names(&f, "{\"colour\":{\"x\":true}}", buf, sizeof buf);
    CHECK_STR_EQ(buf, "error: invalid filter 'colour'");
    CHECK(gt_engine_network_inspect(f.e, "nosuch", &n1, &err) < 0);
    CHECK_INT_EQ(err.code, ENOENT);
    CHECK_STR_EQ(err.msg, "network nosuch not found");

    /* removal: predefined ones refused; prune takes what no container uses */
    CHECK_INT_EQ(gt_engine_network_remove(f.e, "bridge", &err), -EPERM);
    CHECK_STR_EQ(err.msg, "bridge is a pre-defined network and cannot be removed");
    CHECK_INT_EQ(gt_engine_network_remove(f.e, "host", &err), -EPERM);
    REQUIRE(gt_engine_network_remove(f.e, "net3", &err) == 0);
    CHECK_INT_EQ(gt_engine_network_remove(f.e, "net3", &err), -ENOENT);
    cleanup_json json_t *pruned = NULL;
    cleanup_json json_t *keep = jparse("{\"label!\":{\"team=a\":true}}");
    REQUIRE(gt_engine_network_prune(f.e, keep, &pruned, &err) == 0);
    CHECK_INT_EQ(json_array_size(json_object_get(pruned, "NetworksDeleted")), 0);
    json_decref(pruned);
    REQUIRE(gt_engine_network_prune(f.e, NULL, &pruned, &err) == 0);
    CHECK_STR_EQ(json_string_value(json_array_get(json_object_get(pruned, "NetworksDeleted"), 0)), "net1");
    names(&f, NULL, buf, sizeof buf);
    CHECK_STR_EQ(buf, "host none bridge");
    snprintf(buf, sizeof buf, "%s/net/conf.d/net1.conflist", f.data);
    CHECK(!gt_path_exists(buf));
    snprintf(buf, sizeof buf, "%s/networks/net1.json", f.data);
    CHECK(!gt_path_exists(buf));
}

TEST(engine_container_create_checks_its_networks)
{
    FXNET(f);
    struct gt_error err = { 0 };
    cleanup_json json_t *c1 = net_create(&f, "{\"Name\":\"net1\",\"IPAM\":{\"Config\":[{\"Subnet\":\"10.202.0.0/24\"}]}}", &err);
    REQUIRE(c1);
    CHECK(fx_create(&f, NULL, "{\"Image\":\"busybox\",\"Cmd\":[\"true\"],\"HostConfig\":{\"NetworkMode\":\"nosuch\"}}", &err) == NULL);
    CHECK_INT_EQ(err.code, ENOENT);
    CHECK_STR_EQ(err.msg, "network nosuch not found");
    CHECK(fx_create(&f, NULL, "{\"Image\":\"busybox\",\"Cmd\":[\"true\"],\"NetworkingConfig\":{\"EndpointsConfig\":{\"bridge\":{\"IPAMConfig\":{\"IPv4Address\":\"172.17.0.9\"}}}}}", &err) == NULL);
    CHECK_INT_EQ(err.code, EINVAL);
    CHECK_STR_EQ(err.msg, "user specified IP address is supported on user defined networks only");
    CHECK(fx_create(&f, NULL, "{\"Image\":\"busybox\",\"Cmd\":[\"true\"],\"NetworkingConfig\":{\"EndpointsConfig\":{\"bridge\":{\"Aliases\":[\"a\"]}}}}", &err) == NULL);
    CHECK_INT_EQ(err.code, EINVAL);
    CHECK_STR_CONTAINS(err.msg, "network-scoped alias is supported only for containers in user defined networks");
    CHECK(fx_create(&f, NULL, "{\"Image\":\"busybox\",\"Cmd\":[\"true\"],\"HostConfig\":{\"NetworkMode\":\"net1\"},\"NetworkingConfig\":{\"EndpointsConfig\":{\"net1\":{\"IPAMConfig\":{\"IPv4Address\":\"nonsense\"}}}}}", &err) == NULL);
    CHECK_INT_EQ(err.code, EINVAL);
    CHECK(fx_create(&f, NULL, "{\"Image\":\"busybox\",\"Cmd\":[\"true\"],\"HostConfig\":{\"PortBindings\":{\"80/sctp\":[{\"HostPort\":\"80\"}]}}}", &err) == NULL);
    CHECK_INT_EQ(err.code, EINVAL);
    CHECK(fx_create(&f, NULL, "{\"Image\":\"busybox\",\"Cmd\":[\"true\"],\"HostConfig\":{\"PortBindings\":{\"80/tcp\":[{\"HostPort\":\"99999\"}]}}}", &err) == NULL);
    CHECK_INT_EQ(err.code, EINVAL);
    free(fx_create(&f, "owner", "{\"Image\":\"busybox\",\"Cmd\":[\"true\"]}", &err));
    CHECK(fx_create(&f, NULL, "{\"Image\":\"busybox\",\"Cmd\":[\"true\"],\"HostConfig\":{\"NetworkMode\":\"container:owner\",\"PortBindings\":{\"80/tcp\":[{\"HostPort\":\"8080\"}]}}}", &err) == NULL);
    CHECK_INT_EQ(err.code, EINVAL);
    CHECK_STR_CONTAINS(err.msg, "conflicting options: port publishing and the container type network mode");
    /* the default network is the bridge; NetworkMode by id works too */
    cleanup_free char *d = fx_create(&f, NULL, "{\"Image\":\"busybox\",\"Cmd\":[\"true\"]}", &err);
    REQUIRE(d);
    char buf[256];
    cleanup_json json_t *br = NULL;
    REQUIRE(gt_engine_network_inspect(f.e, "bridge", &br, &err) == 0);
    CHECK_STR_EQ(fx_field(&f, d, "NetworkSettings.Networks.bridge.NetworkID", buf, sizeof buf),
                 json_string_value(json_object_get(br, "Id")));
    const char *nid = json_string_value(json_object_get(c1, "Id"));
    char by_id[512];
    snprintf(by_id, sizeof by_id, "{\"Image\":\"busybox\",\"Cmd\":[\"true\"],\"HostConfig\":{\"NetworkMode\":\"%.12s\"}}", nid);
    cleanup_free char *b = fx_create(&f, NULL, by_id, &err);
    REQUIRE(b);
    CHECK_STR_EQ(fx_field(&f, b, "NetworkSettings.Networks.net1.NetworkID", buf, sizeof buf), nid);
}

TEST(engine_container_on_a_user_defined_network)
{
    FXNET(f);
    struct gt_error err = { 0 };
    cleanup_json json_t *c1 = net_create(&f, "{\"Name\":\"net1\",\"IPAM\":{\"Config\":[{\"Subnet\":\"10.203.0.0/24\"}]}}", &err);
    REQUIRE(c1);
    cleanup_free char *id = fx_create(&f, "alpha", "{\"Image\":\"busybox\",\"Cmd\":[\"sleep\",\"100\"],\"Hostname\":\"alphahost\",\"HostConfig\":{\"NetworkMode\":\"net1\",\"ExtraHosts\":[\"extra:10.9.9.9\"]},\"NetworkingConfig\":{\"EndpointsConfig\":{\"net1\":{\"IPAMConfig\":{\"IPv4Address\":\"10.203.0.77\"},\"Aliases\":[\"al\"]}}}}", &err);
    REQUIRE(id);
    REQUIRE(gt_engine_container_start(f.e, id, &err) == 0);
    char buf[512];
    CHECK_STR_EQ(fx_field(&f, id, "NetworkSettings.Networks.net1.IPAddress", buf, sizeof buf), "10.203.0.77");
    CHECK_STR_EQ(fx_field(&f, id, "NetworkSettings.Networks.net1.Gateway", buf, sizeof buf), "10.203.0.1");
    CHECK_STR_EQ(fx_field(&f, id, "NetworkSettings.Networks.net1.IPPrefixLen", buf, sizeof buf), "24");
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/containers/%s/hosts", f.data, id);
    cleanup_free char *hosts = NULL;
    REQUIRE(gt_read_file(path, 1 << 16, &hosts, NULL, NULL) == 0);
    CHECK_STR_CONTAINS(hosts, "127.0.0.1\tlocalhost\n");
    CHECK_STR_CONTAINS(hosts, "10.9.9.9\textra\n");
    CHECK_STR_CONTAINS(hosts, "10.203.0.77\talphahost\n");
    snprintf(path, sizeof path, "%s/containers/%s/resolv.conf", f.data, id);
    cleanup_free char *resolv = NULL;
    REQUIRE(gt_read_file(path, 1 << 16, &resolv, NULL, NULL) == 0);
    CHECK(!strncmp(resolv, "nameserver 10.203.0.1\n", 22));
    cleanup_json json_t *n = NULL;
    REQUIRE(gt_engine_network_inspect(f.e, "net1", &n, &err) == 0);
    json_t *me = json_object_get(json_object_get(n, "Containers"), id);
    CHECK_STR_EQ(json_string_value(json_object_get(me, "Name")), "alpha");
    CHECK_STR_EQ(json_string_value(json_object_get(me, "IPv4Address")), "10.203.0.77/24");
    /* in use: refused with docker's message */
    CHECK_INT_EQ(gt_engine_network_remove(f.e, "net1", &err), -EPERM);
    CHECK_STR_CONTAINS(err.msg, "error while removing network: network net1 has active endpoints (name:\"alpha\" id:\"");
    /* a second network, connected and disconnected while it runs */
    cleanup_json json_t *c2 = net_create(&f, "{\"Name\":\"net2\",\"IPAM\":{\"Config\":[{\"Subnet\":\"10.204.0.0/24\"}]}}", &err);
    REQUIRE(c2);
    REQUIRE(gt_engine_network_connect(f.e, "net2", "alpha", NULL, &err) == 0);
    CHECK_INT_EQ(gt_engine_network_connect(f.e, "net2", "alpha", NULL, &err), -EPERM);
    CHECK_STR_CONTAINS(err.msg, "already exists in network net2");
    CHECK_STR_EQ(fx_field(&f, id, "NetworkSettings.Networks.net2.IPAddress", buf, sizeof buf), "10.204.0.2");
    REQUIRE(gt_engine_network_disconnect(f.e, "net2", "alpha", false, &err) == 0);
    CHECK_INT_EQ(gt_engine_network_disconnect(f.e, "net2", "alpha", false, &err), -EPERM);
    cleanup_json json_t *j = fx_inspect(&f, id);
    CHECK(json_object_get(json_object_get(json_object_get(j, "NetworkSettings"), "Networks"), "net2") == NULL);
    REQUIRE(gt_engine_network_remove(f.e, "net2", &err) == 0);
    /* removal leaves no namespace, cached attachment or address */
    REQUIRE(gt_engine_container_remove(f.e, id, true, false, &err) == 0);
    snprintf(path, sizeof path, "%s/netns/%s", f.exec, id);
    CHECK(!gt_path_exists(path));
    snprintf(path, sizeof path, "[ -z \"$(ls -A %s/net/cache/results)\" ]", f.data);
    CHECK_INT_EQ(fx_sh("%s", path), 0);
    snprintf(path, sizeof path, "[ -z \"$(ls %s/net/ipam/net1 | grep -v -e lock -e last_reserved)\" ]", f.data);
    CHECK_INT_EQ(fx_sh("%s", path), 0);
    REQUIRE(gt_engine_network_remove(f.e, "net1", &err) == 0);
}

TEST(engine_default_bridge_follows_the_flags)
{
    FXNET(f);
    struct gt_error err = { 0 };
    char buf[512];
    cleanup_json json_t *a = NULL;
    REQUIRE(gt_engine_network_inspect(f.e, "bridge", &a, &err) == 0);
    /* the same flags again: the same network (its id kept) */
    gt_engine_free(f.e);
    REQUIRE(fx_open(&f) == 0);
    cleanup_json json_t *b = NULL;
    REQUIRE(gt_engine_network_inspect(f.e, "bridge", &b, &err) == 0);
    CHECK_STR_EQ(json_string_value(json_object_get(b, "Id")), json_string_value(json_object_get(a, "Id")));
    /* --bip: made again with that address */
    gt_engine_free(f.e);
    f.cfg.bridge_ip = "10.210.0.1/24";
    REQUIRE(fx_open(&f) == 0);
    cleanup_json json_t *c = NULL;
    REQUIRE(gt_engine_network_inspect(f.e, "bridge", &c, &err) == 0);
    json_t *cfg0 = json_array_get(json_object_get(json_object_get(c, "IPAM"), "Config"), 0);
    CHECK_STR_EQ(json_string_value(json_object_get(cfg0, "Subnet")), "10.210.0.0/24");
    CHECK_STR_EQ(json_string_value(json_object_get(cfg0, "Gateway")), "10.210.0.1");
    /* -b none: no bridge network, containers get none */
    gt_engine_free(f.e);
    f.cfg.bridge = "none";
    f.cfg.bridge_ip = NULL;
    REQUIRE(fx_open(&f) == 0);
    names(&f, NULL, buf, sizeof buf);
    CHECK_STR_EQ(buf, "host none");
    cleanup_free char *id = fx_create(&f, NULL, "{\"Image\":\"busybox\",\"Cmd\":[\"true\"]}", &err);
    REQUIRE(id);
    fx_field(&f, id, "NetworkSettings.Networks.none.NetworkID", buf, sizeof buf);
    CHECK_INT_EQ(strlen(buf), 64);
    CHECK(fx_create(&f, NULL, "{\"Image\":\"busybox\",\"Cmd\":[\"true\"],\"HostConfig\":{\"NetworkMode\":\"bridge\"}}", &err) == NULL);
    CHECK_INT_EQ(err.code, ENOENT);
    /* a bad --bip is refused at open */
    gt_engine_free(f.e);
    f.e = NULL;
    f.cfg.bridge = "gtu0";
    f.cfg.bridge_ip = "10.210.0.1";
    CHECK(gt_engine_open(&f.cfg, &f.e, &err) < 0);
    CHECK_INT_EQ(err.code, EINVAL);
    CHECK_STR_CONTAINS(err.msg, "--bip 10.210.0.1");
}
