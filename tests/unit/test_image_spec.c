#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/mem.h"
#include "image/spec.h"
#include "tests/unit/unit.h"

static int make_root(const char *passwd, const char *group)
{
    struct gt_error err;
    cleanup_free char *root = gt_path_join(unit_tmpdir(), "rootfs");
    cleanup_free char *etc = gt_path_join(root, "etc");
    gt_mkdir_p(etc, 0755, &err);
    cleanup_free char *p = gt_path_join(etc, "passwd");
    cleanup_free char *g = gt_path_join(etc, "group");
    if (passwd)
        gt_write_file(p, passwd, strlen(passwd), 0644, &err);
    if (group)
        gt_write_file(g, group, strlen(group), 0644, &err);
    return open(root, O_RDONLY | O_DIRECTORY);
}

static const char *PASSWD = "root:x:0:0:root:/root:/bin/sh\n"
                            "# comment\n"
                            "app:x:1000:1000:App:/home/app:/bin/sh\n"
                            "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n";
static const char *GROUP = "root:x:0:\nwheel:x:10:app,root\napp:x:1000:\naudio:x:29:app\n"
                           "nogroup:x:65534:\n";

TEST(users_resolve_in_the_image)
{
    cleanup_close int root = make_root(PASSWD, GROUP);
    struct gt_error err;
    struct gt_exec_user u;
    REQUIRE(gt_resolve_user(root, "app", &u, &err) == 0);
    CHECK_INT_EQ(u.uid, 1000);
    CHECK_INT_EQ(u.gid, 1000);
    CHECK_STR_EQ(u.home, "/home/app");
    REQUIRE(u.n_groups == 2);
    CHECK_INT_EQ(u.groups[0], 10);
    CHECK_INT_EQ(u.groups[1], 29);
    gt_exec_user_release(&u);

    REQUIRE(gt_resolve_user(root, "app:audio", &u, &err) == 0);
    CHECK_INT_EQ(u.gid, 29);
    CHECK_INT_EQ(u.n_groups, 0);
    gt_exec_user_release(&u);

    REQUIRE(gt_resolve_user(root, "1000:5", &u, &err) == 0);
    CHECK_INT_EQ(u.uid, 1000);
    CHECK_INT_EQ(u.gid, 5);
    gt_exec_user_release(&u);

    REQUIRE(gt_resolve_user(root, "4242", &u, &err) == 0);
    CHECK_INT_EQ(u.uid, 4242);
    CHECK_INT_EQ(u.gid, 0);
    CHECK_STR_EQ(u.home, "/");
    gt_exec_user_release(&u);

    REQUIRE(gt_resolve_user(root, NULL, &u, &err) == 0);
    CHECK_INT_EQ(u.uid, 0);
    CHECK_STR_EQ(u.home, "/root");
    gt_exec_user_release(&u);

    CHECK_INT_EQ(gt_resolve_user(root, "ghost", &u, &err), -ENOENT);
    CHECK_STR_EQ(err.msg, "unable to find user ghost: no matching entries in passwd file");
    CHECK_INT_EQ(gt_resolve_user(root, "app:ghosts", &u, &err), -ENOENT);
    CHECK_STR_EQ(err.msg, "unable to find group ghosts: no matching entries in group file");
    /* without a root, numbers only */
    REQUIRE(gt_resolve_user(-1, "7:8", &u, &err) == 0);
    CHECK_INT_EQ(u.uid, 7);
    gt_exec_user_release(&u);
    CHECK(gt_resolve_user(-1, "app", &u, &err) < 0);
}

TEST(users_are_read_inside_the_root_only)
{
    /* an image whose /etc/passwd points at the host's: it must resolve
     * inside the image (and find nothing), never on the host */
    struct gt_error err;
    cleanup_free char *root = gt_path_join(unit_tmpdir(), "evil");
    cleanup_free char *etc = gt_path_join(root, "etc");
    gt_mkdir_p(etc, 0755, &err);
    cleanup_free char *p = gt_path_join(etc, "passwd");
    REQUIRE(symlink("/../../../../etc/passwd-host", p) == 0);
    cleanup_free char *hostlike = gt_path_join(etc, "passwd-host");
    const char *inside = "root:x:0:0:root:/inside:/bin/sh\n";
    gt_write_file(hostlike, inside, strlen(inside), 0644, &err);
    cleanup_close int fd = open(root, O_RDONLY | O_DIRECTORY);
    struct gt_exec_user u;
    REQUIRE(gt_resolve_user(fd, "root", &u, &err) == 0);
    CHECK_STR_EQ(u.home, "/inside");
    gt_exec_user_release(&u);
}

static json_t *config(const char *s)
{
    json_t *j;
    struct gt_error err;
    if (gt_json_load_buf(s, strlen(s), "config", &j, &err) < 0)
        abort();
    return j;
}

static const char *str_at(json_t *arr, size_t i)
{
    return json_string_value(json_array_get(arr, i));
}

TEST(spec_from_image_config)
{
    cleanup_close int root = make_root(PASSWD, GROUP);
    cleanup_json json_t *cfg = config(
        "{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2024-01-01T00:00:00Z\","
        "\"config\":{\"Entrypoint\":[\"/bin/app\",\"--serve\"],\"Cmd\":[\"-v\"],"
        "\"Env\":[\"A=1\",\"B=2\"],\"WorkingDir\":\"srv\",\"User\":\"app\","
        "\"ExposedPorts\":{\"80/tcp\":{},\"53/udp\":{}},\"Volumes\":{\"/data\":{}},"
        "\"StopSignal\":\"SIGQUIT\",\"Labels\":{\"maintainer\":\"me\"}},"
        "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}");
    struct gt_error err;
    cleanup_json json_t *spec = NULL;
    REQUIRE(gt_image_spec(cfg, root, NULL, &spec, &err) == 0);
    json_t *proc = json_object_get(spec, "process");
    json_t *args = json_object_get(proc, "args");
    CHECK_INT_EQ(json_array_size(args), 3);
    CHECK_STR_EQ(str_at(args, 0), "/bin/app");
    CHECK_STR_EQ(str_at(args, 2), "-v");
    CHECK_STR_EQ(json_string_value(json_object_get(proc, "cwd")), "/srv");
    json_t *user = json_object_get(proc, "user");
    CHECK_INT_EQ(json_integer_value(json_object_get(user, "uid")), 1000);
    CHECK_INT_EQ(json_array_size(json_object_get(user, "additionalGids")), 2);
    json_t *env = json_object_get(proc, "env");
    CHECK_STR_EQ(str_at(env, 0), "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    CHECK_STR_EQ(str_at(env, 1), "A=1");
    CHECK_STR_EQ(str_at(env, 3), "HOME=/home/app");
    json_t *ann = json_object_get(spec, "annotations");
    CHECK_STR_EQ(json_string_value(json_object_get(ann, "org.opencontainers.image.exposedPorts")),
                 "53/udp,80/tcp");
    CHECK_STR_EQ(json_string_value(json_object_get(ann, "org.opencontainers.image.stopSignal")),
                 "SIGQUIT");
    CHECK_STR_EQ(json_string_value(json_object_get(ann, "maintainer")), "me");
    CHECK_STR_EQ(json_string_value(json_object_get(ann, "org.opencontainers.image.os")), "linux");
    /* runc's default shape with docker's capabilities */
    json_t *caps = json_object_get(json_object_get(proc, "capabilities"), "bounding");
    CHECK_INT_EQ(json_array_size(caps), 14);
    CHECK(json_object_get(json_object_get(proc, "capabilities"), "ambient") == NULL);
    json_t *lin = json_object_get(spec, "linux");
    CHECK_INT_EQ(json_array_size(json_object_get(lin, "namespaces")), 5);
    CHECK_INT_EQ(json_array_size(json_object_get(lin, "maskedPaths")), 10);
    CHECK_INT_EQ(json_array_size(json_object_get(spec, "mounts")), 7);
    CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(spec, "root"), "path")), "rootfs");
    cleanup_strv char **vols = gt_image_config_volumes(cfg);
    CHECK_INT_EQ(gt_strv_len(vols), 1);
    CHECK_STR_EQ(vols[0], "/data");
}

TEST(spec_overrides_like_docker_run)
{
    cleanup_close int root = make_root(PASSWD, GROUP);
    cleanup_json json_t *cfg = config(
        "{\"config\":{\"Entrypoint\":[\"/bin/app\"],\"Cmd\":[\"-v\"],\"Env\":[\"A=1\",\"PATH=/x\"]},"
        "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}");
    char *cmd[] = { "sh", "-c", "true", NULL };
    char *env[] = { "A=2", "C=3", NULL };
    char *ep[] = { NULL };
    struct gt_image_spec_overrides ov = {
        .cmd = cmd, .env = env, .user = "nobody", .tty = true, .hostname = "box",
        .workdir = "/tmp", .read_only = true,
    };
    struct gt_error err;
    cleanup_json json_t *spec = NULL;
    REQUIRE(gt_image_spec(cfg, root, &ov, &spec, &err) == 0);
    json_t *proc = json_object_get(spec, "process");
    json_t *args = json_object_get(proc, "args");
    CHECK_INT_EQ(json_array_size(args), 4);
    CHECK_STR_EQ(str_at(args, 0), "/bin/app");
    CHECK_STR_EQ(str_at(args, 1), "sh");
    json_t *env_j = json_object_get(proc, "env");
    CHECK_STR_EQ(str_at(env_j, 0), "A=2");
    CHECK_STR_EQ(str_at(env_j, 1), "PATH=/x");
    CHECK_STR_EQ(str_at(env_j, 2), "C=3");
    CHECK_STR_EQ(str_at(env_j, 3), "HOSTNAME=box");
    CHECK_STR_EQ(str_at(env_j, 4), "TERM=xterm");
    CHECK_STR_EQ(str_at(env_j, 5), "HOME=/nonexistent");
    CHECK(json_is_true(json_object_get(proc, "terminal")));
    CHECK_STR_EQ(json_string_value(json_object_get(spec, "hostname")), "box");
    CHECK(json_is_true(json_object_get(json_object_get(spec, "root"), "readonly")));
    CHECK_INT_EQ(json_integer_value(json_object_get(json_object_get(proc, "user"), "uid")), 65534);

    /* an overridden entrypoint drops the image's Cmd */
    struct gt_image_spec_overrides ov2 = { .entrypoint = ep, .entrypoint_set = true, .cmd = cmd };
    cleanup_json json_t *spec2 = NULL;
    REQUIRE(gt_image_spec(cfg, root, &ov2, &spec2, &err) == 0);
    args = json_object_get(json_object_get(spec2, "process"), "args");
    CHECK_INT_EQ(json_array_size(args), 3);
    CHECK_STR_EQ(str_at(args, 0), "sh");
    struct gt_image_spec_overrides ov3 = { .entrypoint = ep, .entrypoint_set = true };
    json_t *spec3 = NULL;
    CHECK(gt_image_spec(cfg, root, &ov3, &spec3, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "no command specified");
    struct gt_image_spec_overrides ov4 = { .user = "ghost" };
    CHECK(gt_image_spec(cfg, root, &ov4, &spec3, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "unable to find user ghost");
}
