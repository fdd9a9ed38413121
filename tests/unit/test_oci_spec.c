/* config.json parsing: what is accepted, and that every refusal names the
 * field and the reason. */
#include <errno.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <linux/mount.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "oci/spec.h"
#include "tests/unit/unit.h"

/* The default spec with `edit` applied: a jq-like patch as a JSON object
 * merged at the top ({"process":{"cwd":"x"}} replaces process.cwd). */
static json_t *base_with(const char *patch)
{
    json_t *j = gt_spec_template(false);
    if (patch) {
        json_error_t je;
        json_t *p = json_loads(patch, 0, &je);
        if (!p) {
            fprintf(stderr, "bad patch %s: %s\n", patch, je.text);
            abort();
        }
        json_object_update_recursive(j, p);
        json_decref(p);
    }
    return j;
}

/* Parses; returns the error message ("" on success). */
static const char *parse(json_t *j, struct gt_spec **out)
{
    static struct gt_error err;
    gt_err_clear(&err);
    struct gt_spec *s = NULL;
    int r = gt_spec_parse(j, "/bundle", &s, &err);
    if (out)
        *out = s;
    else
        gt_spec_free(s);
    return r < 0 ? err.msg : "";
}

static const char *parse_patch(const char *patch)
{
    return parse(base_with(patch), NULL);
}

/* Parses the default spec after running `edit` on it. */
static const char *parse_edit(void (*edit)(json_t *j))
{
    json_t *j = gt_spec_template(false);
    edit(j);
    return parse(j, NULL);
}

TEST(default_spec_parses_into_structs)
{
    struct gt_spec *s;
    CHECK_STR_EQ(parse(base_with(NULL), &s), "");
    REQUIRE(s);
    CHECK_STR_EQ(s->bundle, "/bundle");
    CHECK_STR_EQ(s->root_path, "/bundle/rootfs");
    CHECK(s->root_readonly);
    CHECK_STR_EQ(s->process->args[0], "sh");
    CHECK_STR_EQ(s->process->cwd, "/");
    CHECK(s->process->terminal);
    CHECK(s->process->no_new_privileges);
    CHECK(s->process->caps.present);
    CHECK(s->process->caps.sets[GT_CAP_BOUNDING] & (1ULL << 5)); /* CAP_KILL */
    CHECK(!(s->process->caps.sets[GT_CAP_BOUNDING] & (1ULL << 21))); /* CAP_SYS_ADMIN */
    CHECK_INT_EQ(s->process->n_rlimits, 1);
    CHECK_INT_EQ(s->process->rlimits[0].resource, RLIMIT_NOFILE);
    CHECK_INT_EQ(s->process->rlimits[0].soft, 1024);
    CHECK_INT_EQ(s->n_mounts, 7);
    CHECK_STR_EQ(s->mounts[1].destination, "/dev");
    CHECK_STR_EQ(s->mounts[1].opts.data, "mode=755,size=65536k");
    CHECK(s->mounts[1].opts.flags & MS_NOSUID);
    CHECK(s->mounts[1].opts.flags & MS_STRICTATIME);
    CHECK(s->ns[GT_NS_PID].present && !s->ns[GT_NS_PID].path);
    CHECK(s->ns[GT_NS_MNT].present);
    CHECK(!s->ns[GT_NS_USER].present);
    CHECK(!s->ns[GT_NS_CGROUP].present);
    CHECK(s->resources != NULL);
    CHECK_STR_EQ(s->masked_paths[0], "/proc/acpi");
    CHECK_STR_EQ(s->readonly_paths[3], "/proc/sys");
    gt_spec_free(s);
}

TEST(rootless_default_has_a_user_namespace_and_parses)
{
    struct gt_spec *s;
    CHECK_STR_EQ(parse(gt_spec_template(true), &s), "");
    REQUIRE(s);
    CHECK(s->ns[GT_NS_USER].present);
    CHECK(!s->ns[GT_NS_NET].present);
    CHECK_INT_EQ(s->n_uid_mappings, 1);
    gt_spec_free(s);
}

TEST(unknown_top_level_fields_are_tolerated)
{
    CHECK_STR_EQ(parse_patch("{\"vm\":{\"x\":1},\"solaris\":{}}"), "");
}

TEST(load_reads_the_bundle_and_keeps_the_bytes)
{
    const char *dir = unit_tmpdir();
    json_t *j = gt_spec_template(false);
    cleanup_free char *path = gt_path_join(dir, "config.json");
    struct gt_error err;
    REQUIRE(gt_json_dump_file(path, j, false, &err) == 0);
    json_decref(j);
    struct gt_spec *s = NULL;
    REQUIRE(gt_spec_load(dir, &s, &err) == 0);
    CHECK(s->raw != NULL && s->raw_len > 100);
    CHECK_STR_EQ(s->bundle, dir);
    gt_spec_free(s);
}

TEST(malformed_json_names_the_file_and_line)
{
    const char *dir = unit_tmpdir();
    cleanup_free char *path = gt_path_join(dir, "config.json");
    struct gt_error err;
    REQUIRE(gt_write_file(path, "{\n\"ociVersion\": \"1.0.2\",\n}", 26, 0644, &err) == 0);
    struct gt_spec *s = NULL;
    CHECK(gt_spec_load(dir, &s, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "config.json");
    CHECK_STR_CONTAINS(err.msg, "line 3");
}

TEST(missing_config_is_an_open_error)
{
    struct gt_error err;
    struct gt_spec *s = NULL;
    CHECK(gt_spec_load(unit_tmpdir(), &s, &err) == -ENOENT);
    CHECK_STR_CONTAINS(err.msg, "config.json: No such file or directory");
}

TEST(process_errors_name_the_field)
{
    CHECK_STR_EQ(parse_patch("{\"process\":{\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":1,"
                             "\"hard\":2},{\"type\":\"RLIMIT_NOPE\",\"soft\":1,\"hard\":1}]}}"),
                 "process.rlimits[1].type: unknown rlimit \"RLIMIT_NOPE\"");
    CHECK_STR_EQ(parse_patch("{\"process\":{\"rlimits\":[{\"type\":\"RLIMIT_CORE\",\"soft\":9,"
                             "\"hard\":2}]}}"),
                 "process.rlimits[0]: soft limit 9 exceeds hard limit 2");
    CHECK_STR_EQ(parse_patch("{\"process\":{\"rlimits\":[{\"type\":\"RLIMIT_CORE\",\"soft\":1,"
                             "\"hard\":2},{\"type\":\"RLIMIT_CORE\",\"soft\":1,\"hard\":2}]}}"),
                 "process.rlimits[1].type: rlimit \"RLIMIT_CORE\" is given twice");
    CHECK_STR_EQ(parse_patch("{\"process\":{\"rlimits\":[{\"type\":\"RLIMIT_CORE\",\"hard\":2}]}}"),
                 "process.rlimits[0].soft: required field is missing");
    CHECK_STR_EQ(parse_patch("{\"process\":{\"args\":[]}}"), "process.args: must not be empty");
    CHECK_STR_EQ(parse_patch("{\"process\":{\"args\":\"sh\"}}"),
                 "process.args: expected an array, got string");
    CHECK_STR_EQ(parse_patch("{\"process\":{\"args\":[\"sh\",3]}}"),
                 "process.args[1]: expected a string, got integer");
    CHECK_STR_EQ(parse_patch("{\"process\":{\"cwd\":\"tmp\"}}"),
                 "process.cwd: \"tmp\" is not an absolute path");
    CHECK_STR_EQ(parse_patch("{\"process\":{\"env\":[\"PATH=/bin\",\"NOEQUALS\"]}}"),
                 "process.env[1]: \"NOEQUALS\" is not KEY=value");
    CHECK_STR_EQ(parse_patch("{\"process\":{\"user\":{\"uid\":\"root\"}}}"),
                 "process.user.uid: expected an integer, got string");
    CHECK_STR_EQ(parse_patch("{\"process\":{\"user\":{\"uid\":-1}}}"),
                 "process.user.uid: -1 is out of range [0, 4294967294]");
    CHECK_STR_EQ(parse_patch("{\"process\":{\"user\":{\"additionalGids\":[1,\"x\"]}}}"),
                 "process.user.additionalGids[1]: expected a group id");
    CHECK_STR_EQ(parse_patch("{\"process\":{\"capabilities\":{\"effective\":[\"CAP_KILL\","
                             "\"CAP_NOPE\"]}}}"),
                 "process.capabilities.effective[1]: unknown capability \"CAP_NOPE\"");
    CHECK_STR_EQ(parse_patch("{\"process\":{\"capabilities\":{\"bounding\":[\"kill\"]}}}"),
                 "process.capabilities.bounding[0]: unknown capability \"kill\"");
    CHECK_STR_EQ(parse_patch("{\"process\":{\"oomScoreAdj\":1001}}"),
                 "process.oomScoreAdj: 1001 is out of range [-1000, 1000]");
    CHECK_STR_EQ(parse_patch("{\"process\":{\"terminal\":\"yes\"}}"),
                 "process.terminal: expected a boolean, got string");
    CHECK_STR_EQ(parse_patch("{\"process\":{\"consoleSize\":{\"height\":10}}}"),
                 "process.consoleSize.width: required field is missing");
}

static void drop_cwd(json_t *j)
{
    json_object_del(json_object_get(j, "process"), "cwd");
}
static void drop_root(json_t *j)
{
    json_object_del(j, "root");
}
static void drop_linux(json_t *j)
{
    json_object_del(j, "linux");
}
static void drop_mount_ns(json_t *j)
{
    json_t *ns = json_object_get(json_object_get(j, "linux"), "namespaces");
    json_array_remove(ns, 4);
}

TEST(required_fields_are_named)
{
    CHECK_STR_EQ(parse_edit(drop_cwd), "process.cwd: required field is missing");
    CHECK_STR_EQ(parse_edit(drop_root), "root: required field is missing");
    CHECK_STR_CONTAINS(parse_edit(drop_linux), "linux: required field is missing");
    CHECK_STR_EQ(parse_edit(drop_mount_ns), "linux.namespaces: a mount namespace is required");
    CHECK_STR_EQ(parse_patch("{\"root\":{\"path\":\"\"}}"), "root.path: must not be empty");
    CHECK_STR_EQ(parse_patch("{\"ociVersion\":\"2.0.0\"}"),
                 "ociVersion: unsupported version \"2.0.0\" (1.x expected)");
    CHECK_STR_EQ(parse(json_array(), NULL), "config.json: expected an object, got array");
}

TEST(process_may_be_absent_and_root_is_made_absolute)
{
    json_t *j = base_with("{\"root\":{\"path\":\"/abs/root\"}}");
    json_object_del(j, "process");
    struct gt_spec *s;
    CHECK_STR_EQ(parse(j, &s), "");
    REQUIRE(s);
    CHECK(s->process == NULL);
    CHECK_STR_EQ(s->root_path, "/abs/root");
    gt_spec_free(s);
}

TEST(namespace_errors_name_the_entry)
{
    CHECK_STR_EQ(parse_patch("{\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"time\"}]}}"),
                 "linux.namespaces[1].type: unknown namespace type \"time\" (known: cgroup, "
                 "ipc, mount, network, pid, user, uts)");
    CHECK_STR_EQ(parse_patch("{\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"pid\"},"
                             "{\"type\":\"pid\"}]}}"),
                 "linux.namespaces[2].type: namespace \"pid\" is given twice");
    CHECK_STR_EQ(parse_patch("{\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"network\","
                             "\"path\":\"run/netns/x\"}]}}"),
                 "linux.namespaces[1].path: \"run/netns/x\" is not an absolute path");
    CHECK_STR_EQ(parse_patch("{\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"user\"}]}}"),
                 "linux.uidMappings: required with a new user namespace");
    CHECK_STR_EQ(parse_patch("{\"linux\":{\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,"
                             "\"size\":1}]}}"),
                 "linux.uidMappings: given without a user namespace");
    CHECK_STR_EQ(parse_patch("{\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"user\"}],"
                             "\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":0}]}}"),
                 "linux.uidMappings[0].size: 0 is out of range [1, 4294967295]");
    CHECK_STR_EQ(parse_patch("{\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]}}"),
                 "hostname: needs a uts namespace");
}

TEST(joined_namespaces_keep_their_path)
{
    struct gt_spec *s;
    CHECK_STR_EQ(parse(base_with("{\"linux\":{\"namespaces\":[{\"type\":\"mount\"},"
                                 "{\"type\":\"uts\"},{\"type\":\"network\",\"path\":"
                                 "\"/proc/1/ns/net\"}]}}"),
                       &s),
                 "");
    REQUIRE(s);
    CHECK_STR_EQ(s->ns[GT_NS_NET].path, "/proc/1/ns/net");
    CHECK(s->ns[GT_NS_MNT].present && !s->ns[GT_NS_MNT].path);
    CHECK(!s->ns[GT_NS_PID].present);
    gt_spec_free(s);
}

TEST(mount_entries_are_checked)
{
    CHECK_STR_EQ(parse_patch("{\"mounts\":[{\"destination\":\"/x\",\"source\":\"y\"}]}"),
                 "mounts[0].type: required unless the mount is a bind mount");
    CHECK_STR_EQ(parse_patch("{\"mounts\":[{\"destination\":\"/x\",\"type\":\"bind\"}]}"),
                 "mounts[0].source: required for a bind mount");
    CHECK_STR_EQ(parse_patch("{\"mounts\":[{\"type\":\"tmpfs\",\"source\":\"t\"}]}"),
                 "mounts[0].destination: required field is missing");
    CHECK_STR_EQ(parse_patch("{\"mounts\":[{\"destination\":\"/x\",\"type\":\"tmpfs\","
                             "\"options\":[\"ro\",7]}]}"),
                 "mounts[0].options[1]: expected a string, got integer");
    CHECK_STR_EQ(parse_patch("{\"mounts\":[{\"destination\":\"/x\",\"type\":\"none\","
                             "\"source\":\"/y\",\"options\":[\"rbind\",\"idmap\"]}]}"),
                 "mounts[0].options[1]: \"idmap\" mounts are not supported");
    struct gt_spec *s;
    CHECK_STR_EQ(parse(base_with("{\"mounts\":[{\"destination\":\"data\",\"type\":\"bind\","
                                 "\"source\":\"vol\",\"options\":[\"ro\"]}]}"),
                       &s),
                 "");
    REQUIRE(s);
    /* relative destination is taken from "/", as runc does; a relative bind
     * source from the bundle */
    CHECK_STR_EQ(s->mounts[0].destination, "/data");
    CHECK_STR_EQ(s->mounts[0].source, "/bundle/vol");
    CHECK(s->mounts[0].opts.bind);
    CHECK(s->mounts[0].opts.flags & MS_BIND);
    CHECK(s->mounts[0].opts.flags & MS_RDONLY);
    gt_spec_free(s);
}

TEST(device_entries_are_checked)
{
    CHECK_STR_EQ(parse_patch("{\"linux\":{\"devices\":[{\"type\":\"x\",\"path\":\"/dev/x\"}]}}"),
                 "linux.devices[0].type: unknown device type \"x\" (c, b, u or p)");
    CHECK_STR_EQ(parse_patch("{\"linux\":{\"devices\":[{\"type\":\"c\",\"path\":\"dev/x\","
                             "\"major\":1,\"minor\":3}]}}"),
                 "linux.devices[0].path: \"dev/x\" is not an absolute path");
    CHECK_STR_EQ(parse_patch("{\"linux\":{\"devices\":[{\"type\":\"c\",\"path\":\"/dev/x\","
                             "\"minor\":3}]}}"),
                 "linux.devices[0].major: required field is missing");
    struct gt_spec *s;
    CHECK_STR_EQ(parse(base_with("{\"linux\":{\"devices\":[{\"type\":\"p\",\"path\":\"/dev/fifo\","
                                 "\"fileMode\":420},{\"type\":\"c\",\"path\":\"/dev/fuse\","
                                 "\"major\":10,\"minor\":229,\"uid\":5}]}}"),
                       &s),
                 "");
    REQUIRE(s);
    CHECK_INT_EQ(s->n_devices, 2);
    CHECK_INT_EQ(s->devices[0].file_mode, 0644);
    CHECK_INT_EQ(s->devices[1].major, 10);
    CHECK(s->devices[1].has_uid && !s->devices[1].has_gid);
    gt_spec_free(s);
}

TEST(sysctl_must_belong_to_a_namespace_of_the_container)
{
    CHECK_STR_EQ(parse_patch("{\"linux\":{\"sysctl\":{\"vm.swappiness\":\"10\"}}}"),
                 "linux.sysctl.vm.swappiness: not in a separate kernel namespace");
    CHECK_STR_EQ(parse_patch("{\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"uts\"}],"
                             "\"sysctl\":{\"net.ipv4.ip_forward\":\"1\"}}}"),
                 "linux.sysctl.net.ipv4.ip_forward: needs a network namespace");
    CHECK_STR_EQ(parse_patch("{\"linux\":{\"sysctl\":{\"kernel.shmmax\":1}}}"),
                 "linux.sysctl.kernel.shmmax: expected a string, got integer");
    CHECK_STR_EQ(parse_patch("{\"linux\":{\"sysctl\":{\"net.ipv4.ip_forward\":\"1\","
                             "\"fs.mqueue.msg_max\":\"20\",\"kernel.domainname\":\"x\"}}}"),
                 "");
}

TEST(other_linux_fields)
{
    CHECK_STR_EQ(parse_patch("{\"linux\":{\"rootfsPropagation\":\"sideways\"}}"),
                 "linux.rootfsPropagation: unknown propagation \"sideways\"");
    CHECK_STR_EQ(parse_patch("{\"linux\":{\"maskedPaths\":[\"proc/kcore\"]}}"),
                 "linux.maskedPaths[0]: \"proc/kcore\" is not an absolute path");
    CHECK_STR_EQ(parse_patch("{\"linux\":{\"resources\":[]}}"),
                 "linux.resources: expected an object, got array");
    CHECK_STR_EQ(parse_patch("{\"annotations\":{\"a\":1}}"),
                 "annotations.a: expected a string, got integer");
    struct gt_spec *s;
    CHECK_STR_EQ(parse(base_with("{\"linux\":{\"rootfsPropagation\":\"rshared\"}}"), &s), "");
    REQUIRE(s);
    CHECK_INT_EQ(s->rootfs_propagation, MS_SHARED | MS_REC);
    gt_spec_free(s);
}

TEST(process_json_parses_alone)
{
    const char *doc = "{\"args\":[\"ls\"],\"cwd\":\"/\",\"env\":[\"A=b\"],\"terminal\":true,"
                      "\"user\":{\"uid\":1,\"gid\":2,\"umask\":18,\"additionalGids\":[3,4]}}";
    json_t *j = json_loads(doc, 0, NULL);
    struct gt_process p;
    struct gt_error err;
    REQUIRE(gt_process_parse(j, "process", &p, &err) == 0);
    CHECK_INT_EQ(p.user.uid, 1);
    CHECK_INT_EQ(p.user.gid, 2);
    CHECK(p.user.has_umask);
    CHECK_INT_EQ(p.user.umask, 022);
    CHECK_INT_EQ(p.user.n_additional_gids, 2);
    CHECK_INT_EQ(p.user.additional_gids[1], 4);
    CHECK(!p.caps.present);
    CHECK(p.terminal);
    gt_process_release(&p);
    CHECK(gt_process_parse(json_object_get(j, "args"), "process", &p, &err) < 0);
    CHECK_STR_EQ(err.msg, "process: expected an object, got array");
    json_decref(j);
}

static struct gt_mount_opts opts_of(const char *json)
{
    json_t *j = json_loads(json, 0, NULL);
    struct gt_mount_opts o;
    struct gt_error err;
    if (gt_mount_opts_parse(j, "mounts[0].options", &o, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        abort();
    }
    json_decref(j);
    return o;
}

TEST(mount_options_split_into_flags_propagation_and_data)
{
    struct gt_mount_opts o = opts_of("[\"nosuid\",\"ro\",\"rw\",\"noexec\",\"size=1m\",\"mode=755\","
                                     "\"rslave\",\"strictatime\"]");
    CHECK_INT_EQ(o.flags, MS_NOSUID | MS_NOEXEC | MS_STRICTATIME);
    CHECK(o.clear & MS_RDONLY); /* the later "rw" wins */
    CHECK_INT_EQ(o.propagation, MS_SLAVE | MS_REC);
    CHECK_STR_EQ(o.data, "size=1m,mode=755");
    CHECK(!o.bind);
    gt_mount_opts_release(&o);

    o = opts_of("[\"rbind\",\"rro\",\"nodev\",\"tmpcopyup\"]");
    CHECK(o.bind);
    CHECK_INT_EQ(o.flags, MS_BIND | MS_REC | MS_NODEV);
    CHECK_INT_EQ(o.attr_set, MOUNT_ATTR_RDONLY);
    CHECK(o.tmpcopyup);
    CHECK(o.data == NULL);
    gt_mount_opts_release(&o);

    o = opts_of("[\"rnoatime\",\"rrw\"]");
    CHECK(o.attr_set & MOUNT_ATTR_NOATIME);
    CHECK(o.attr_clr & MOUNT_ATTR_RDONLY);
    CHECK(o.attr_clr & MOUNT_ATTR__ATIME);
    gt_mount_opts_release(&o);

    o = opts_of("null");
    CHECK_INT_EQ(o.flags, 0);
    CHECK(o.data == NULL);

    struct gt_error err;
    json_t *bad = json_loads("[\"a,b\"]", 0, NULL);
    CHECK(gt_mount_opts_parse(bad, "m", &o, &err) < 0);
    CHECK_STR_EQ(err.msg, "m[0]: invalid option \"a,b\"");
    json_decref(bad);
}

TEST(every_listed_mount_option_parses)
{
    json_t *all = json_array();
    for (const char *const *n = gt_mount_option_names; *n; n++)
        if (strcmp(*n, "acl") && strcmp(*n, "noacl")) /* filesystem data */
            json_array_append_new(all, json_string(*n));
    struct gt_mount_opts o;
    struct gt_error err;
    CHECK(gt_mount_opts_parse(all, "m", &o, &err) == 0);
    CHECK(o.data == NULL);
    gt_mount_opts_release(&o);
    json_decref(all);
}

TEST(names_of_rlimits_capabilities_and_propagation)
{
    CHECK_INT_EQ(gt_rlimit_from_name("RLIMIT_NPROC"), RLIMIT_NPROC);
    CHECK_INT_EQ(gt_rlimit_from_name("NOFILE"), -1);
    CHECK_INT_EQ(gt_cap_from_name("CAP_SYS_ADMIN"), 21);
    CHECK_INT_EQ(gt_cap_from_name("CAP_CHECKPOINT_RESTORE"), 40);
    CHECK_INT_EQ(gt_cap_from_name("cap_sys_admin"), -1);
    CHECK_INT_EQ(gt_cap_from_name("CAP_"), -1);
    CHECK_INT_EQ(gt_cap_from_name("21"), -1);
    CHECK_INT_EQ(gt_propagation_from_name("runbindable"), MS_UNBINDABLE | MS_REC);
    CHECK_INT_EQ(gt_propagation_from_name("rw"), 0);
    CHECK_INT_EQ(gt_ns_from_name("network"), GT_NS_NET);
    CHECK_INT_EQ(gt_ns_from_name("net"), -1);
}
