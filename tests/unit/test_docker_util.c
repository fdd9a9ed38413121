/* The pure parts of docker/: version negotiation, error mapping, query
 * parsing (filters, times, auth), stream framing, and the JSON shapes the
 * layer builds or completes. */
#include <errno.h>
#include <stdlib.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/mem.h"
#include "docker/internal.h"
#include "tests/unit/unit.h"

static char *dump(const json_t *j)
{
    return json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
}

TEST(version_compare_is_numeric_per_component)
{
    CHECK(gt_docker_version_cmp("1.9", "1.10") < 0);
    CHECK(gt_docker_version_cmp("1.50", "1.50") == 0);
    CHECK(gt_docker_version_cmp("1.50", "1.5") > 0);
    CHECK(gt_docker_version_cmp("1.24", "1.24.0") == 0);
    CHECK(gt_docker_version_cmp("2", "1.99") > 0);
    CHECK(gt_docker_version_cmp("1.41", GT_DOCKER_API_VERSION) < 0);
}

TEST(path_version_prefix)
{
    char v[32];
    CHECK_INT_EQ(gt_docker_path_version("/v1.50/containers/json", v, sizeof v), 6);
    CHECK_STR_EQ(v, "1.50");
    CHECK_INT_EQ(gt_docker_path_version("/v1.24/_ping", v, sizeof v), 6);
    CHECK_STR_EQ(v, "1.24");
    CHECK_INT_EQ(gt_docker_path_version("/v1.41", v, sizeof v), 6);
    CHECK_INT_EQ(gt_docker_path_version("/_ping", v, sizeof v), 0);
    CHECK_STR_EQ(v, "");
    /* paths that merely start with v are not versions */
    CHECK_INT_EQ(gt_docker_path_version("/volumes/x", v, sizeof v), 0);
    CHECK_INT_EQ(gt_docker_path_version("/v1x/containers", v, sizeof v), 0);
    CHECK_INT_EQ(gt_docker_path_version("/v/containers", v, sizeof v), 0);
}

TEST(version_range_messages_are_dockerds)
{
    struct gt_error err;
    CHECK_INT_EQ(gt_docker_version_check("1.50", &err), 0);
    CHECK_INT_EQ(gt_docker_version_check("1.24", &err), 0);
    CHECK_INT_EQ(gt_docker_version_check("1.41", &err), 0);
    CHECK_INT_EQ(gt_docker_version_check("1.51", &err), -EINVAL);
    CHECK_STR_EQ(err.msg, "client version 1.51 is too new. Maximum supported API version is 1.50");
    CHECK_INT_EQ(gt_docker_version_check("1.23", &err), -EINVAL);
    CHECK_STR_EQ(err.msg, "client version 1.23 is too old. Minimum supported API version is 1.24, "
                          "please upgrade your client to a newer version");
}

TEST(error_codes_map_to_statuses)
{
    CHECK_INT_EQ(gt_docker_status_of(-ENOENT), 404);
    CHECK_INT_EQ(gt_docker_status_of(-EEXIST), 409);
    CHECK_INT_EQ(gt_docker_status_of(-EBUSY), 409);
    CHECK_INT_EQ(gt_docker_status_of(-EALREADY), 304);
    CHECK_INT_EQ(gt_docker_status_of(-EINVAL), 400);
    CHECK_INT_EQ(gt_docker_status_of(-EOPNOTSUPP), 501);
    CHECK_INT_EQ(gt_docker_status_of(-EACCES), 403);
    CHECK_INT_EQ(gt_docker_status_of(-EIO), 500);
    CHECK_INT_EQ(gt_docker_status_of(-ENOMEM), 500);
    CHECK_INT_EQ(gt_docker_status_of(ENOENT), 404);
}

TEST(filters_current_and_legacy_shapes)
{
    struct gt_error err;
    json_t *f = NULL;
    CHECK_INT_EQ(gt_docker_filters_parse("{\"name\":{\"fg\":true},\"status\":{\"exited\":true}}", &f, &err), 0);
    cleanup_free char *a = dump(f);
    CHECK_STR_EQ(a, "{\"name\":{\"fg\":true},\"status\":{\"exited\":true}}");
    json_decref(f);
    /* docker-py sends arrays */
    CHECK_INT_EQ(gt_docker_filters_parse("{\"label\":[\"k=v\",\"x\"]}", &f, &err), 0);
    cleanup_free char *b = dump(f);
    CHECK_STR_EQ(b, "{\"label\":{\"k=v\":true,\"x\":true}}");
    CHECK(gt_docker_filters_has(f, "label"));
    CHECK(!gt_docker_filters_has(f, "name"));
    json_decref(f);
    /* empty means none */
    CHECK_INT_EQ(gt_docker_filters_parse("", &f, &err), 0);
    CHECK(f == NULL);
    CHECK_INT_EQ(gt_docker_filters_parse("{}", &f, &err), 0);
    CHECK(f == NULL);
    CHECK_INT_EQ(gt_docker_filters_parse(NULL, &f, &err), 0);
    CHECK(f == NULL);
}

TEST(filters_bad_input_is_named)
{
    struct gt_error err;
    json_t *f = (json_t *)1;
    CHECK_INT_EQ(gt_docker_filters_parse("{not json", &f, &err), -EINVAL);
    CHECK(f == NULL);
    CHECK_STR_CONTAINS(err.msg, "invalid filters");
    CHECK_INT_EQ(gt_docker_filters_parse("[\"a\"]", &f, &err), -EINVAL);
    CHECK_STR_CONTAINS(err.msg, "expected a JSON object, got array");
    CHECK_INT_EQ(gt_docker_filters_parse("{\"name\":\"x\"}", &f, &err), -EINVAL);
    CHECK_STR_CONTAINS(err.msg, "name: expected an object or an array, got string");
    CHECK_INT_EQ(gt_docker_filters_parse("{\"name\":{\"x\":1}}", &f, &err), -EINVAL);
    CHECK_STR_CONTAINS(err.msg, "name.x: expected a boolean");
    CHECK_INT_EQ(gt_docker_filters_parse("{\"name\":[1]}", &f, &err), -EINVAL);
    CHECK_STR_CONTAINS(err.msg, "name[0]: expected a string");

    cleanup_json json_t *g = NULL;
    CHECK_INT_EQ(gt_docker_filters_parse("{\"nosuch\":{\"x\":true}}", &g, &err), 0);
    static const char *const known[] = { "name", "label", NULL };
    CHECK_INT_EQ(gt_docker_filters_check(g, known, &err), -EINVAL);
    CHECK_STR_EQ(err.msg, "invalid filter 'nosuch'");
    CHECK_INT_EQ(gt_docker_filters_check(NULL, known, &err), 0);
}

TEST(unix_times_as_the_cli_sends_them)
{
    struct gt_error err;
    int64_t ns;
    CHECK_INT_EQ(gt_docker_parse_unix_time("1700000000", &ns, &err), 0);
    CHECK_INT_EQ(ns, 1700000000000000000LL);
    CHECK_INT_EQ(gt_docker_parse_unix_time("1700000000.5", &ns, &err), 0);
    CHECK_INT_EQ(ns, 1700000000500000000LL);
    CHECK_INT_EQ(gt_docker_parse_unix_time("1700000000.000000001", &ns, &err), 0);
    CHECK_INT_EQ(ns, 1700000000000000001LL);
    CHECK_INT_EQ(gt_docker_parse_unix_time("", &ns, &err), 0);
    CHECK_INT_EQ(ns, 0);
    CHECK_INT_EQ(gt_docker_parse_unix_time("10m", &ns, &err), -EINVAL);
    CHECK_STR_CONTAINS(err.msg, "invalid time \"10m\"");
    CHECK_INT_EQ(gt_docker_parse_unix_time("1.1234567890", &ns, &err), -EINVAL);
    CHECK_INT_EQ(gt_docker_parse_unix_time("2026-11-23T06:53:55Z", &ns, &err), -EINVAL);
}

TEST(times_are_rfc3339_with_nine_digits)
{
    char b[64];
    size_t n = gt_docker_format_time(1700000000000000000LL, b, sizeof b);
    CHECK_STR_EQ(b, "2023-11-14T22:13:20.000000000Z");
    CHECK_INT_EQ(n, 30);
    gt_docker_format_time(1700000000123456789LL, b, sizeof b);
    CHECK_STR_EQ(b, "2023-11-14T22:13:20.123456789Z");
}

TEST(registry_auth_header_decodes)
{
    /* base64url of {"username":"u","password":"p?>"} without padding */
    cleanup_json json_t *a = gt_docker_decode_auth("eyJ1c2VybmFtZSI6InUiLCJwYXNzd29yZCI6InA_PiJ9");
    REQUIRE(a);
    CHECK_STR_EQ(json_string_value(json_object_get(a, "username")), "u");
    CHECK_STR_EQ(json_string_value(json_object_get(a, "password")), "p?>");
    /* the same, standard alphabet and padded */
    cleanup_json json_t *b = gt_docker_decode_auth("eyJ1c2VybmFtZSI6InUiLCJwYXNzd29yZCI6InA/PiJ9");
    REQUIRE(b);
    CHECK_STR_EQ(json_string_value(json_object_get(b, "password")), "p?>");
    /* "e30=" is {}: no credentials */
    CHECK(gt_docker_decode_auth("e30=") == NULL);
    CHECK(gt_docker_decode_auth("") == NULL);
    CHECK(gt_docker_decode_auth(NULL) == NULL);
    CHECK(gt_docker_decode_auth("!!!") == NULL);
}

TEST(frame_header_bytes)
{
    unsigned char h[8];
    gt_docker_frame_header(h, 1, 0x12);
    static const unsigned char want1[8] = { 1, 0, 0, 0, 0, 0, 0, 0x12 };
    CHECK(!memcmp(h, want1, 8));
    gt_docker_frame_header(h, 2, 0x01020304);
    static const unsigned char want2[8] = { 2, 0, 0, 0, 1, 2, 3, 4 };
    CHECK(!memcmp(h, want2, 8));
}

struct capture {
    char buf[4096];
    size_t len;
    int writes;
};

static int cap_write(void *sink, const void *data, size_t len)
{
    struct capture *c = sink;
    memcpy(c->buf + c->len, data, len);
    c->len += len;
    c->writes++;
    return 0;
}

TEST(output_is_framed_unless_tty)
{
    struct capture c = { 0 };
    struct gt_docker_out o = { .write = cap_write, .sink = &c };
    CHECK_INT_EQ(gt_docker_out_emit(&o, 1, "hello from stdout\n", 18, 0), 0);
    CHECK_INT_EQ(gt_docker_out_emit(&o, 2, "err\n", 4, 0), 0);
    CHECK_INT_EQ(c.writes, 2); /* header and payload in one write */
    CHECK_INT_EQ(c.len, 8 + 18 + 8 + 4);
    static const unsigned char h1[8] = { 1, 0, 0, 0, 0, 0, 0, 18 };
    CHECK(!memcmp(c.buf, h1, 8));
    CHECK(!memcmp(c.buf + 8, "hello from stdout\n", 18));
    static const unsigned char h2[8] = { 2, 0, 0, 0, 0, 0, 0, 4 };
    CHECK(!memcmp(c.buf + 26, h2, 8));

    struct capture t = { 0 };
    struct gt_docker_out ot = { .write = cap_write, .sink = &t, .tty = true };
    gt_docker_out_emit(&ot, 1, "raw\r\n", 5, 0);
    CHECK_INT_EQ(t.len, 5);
    CHECK(!memcmp(t.buf, "raw\r\n", 5));
}

TEST(timestamps_go_inside_the_frame)
{
    struct capture c = { 0 };
    struct gt_docker_out o = { .write = cap_write, .sink = &c, .timestamps = true };
    gt_docker_out_emit(&o, 1, "line\n", 5, 1700000000000000000LL);
    const char *want = "2023-11-14T22:13:20.000000000Z line\n";
    CHECK_INT_EQ(c.len, 8 + strlen(want));
    CHECK_INT_EQ((unsigned char)c.buf[7], strlen(want));
    CHECK(!memcmp(c.buf + 8, want, strlen(want)));
}

TEST(container_names_follow_dockerds_rule)
{
    CHECK(gt_docker_valid_name("web1"));
    CHECK(gt_docker_valid_name("/web1"));
    CHECK(gt_docker_valid_name("a.b_c-d"));
    CHECK(!gt_docker_valid_name("bad/name"));
    CHECK(!gt_docker_valid_name("a"));
    CHECK(!gt_docker_valid_name("-ab"));
    CHECK(!gt_docker_valid_name("ab cd"));
    CHECK(!gt_docker_valid_name(""));
}

TEST(wait_bodies)
{
    cleanup_json json_t *ok = gt_docker_wait_body(3, NULL);
    cleanup_free char *a = dump(ok);
    CHECK_STR_EQ(a, "{\"Error\":null,\"StatusCode\":3}");
    cleanup_json json_t *bad = gt_docker_wait_body(-1, "boom");
    cleanup_free char *b = dump(bad);
    CHECK_STR_EQ(b, "{\"Error\":{\"Message\":\"boom\"},\"StatusCode\":-1}");
    cleanup_json json_t *e = gt_docker_error_message("no space");
    cleanup_free char *c = dump(e);
    CHECK_STR_EQ(c, "{\"error\":\"no space\",\"errorDetail\":{\"message\":\"no space\"}}");
}

TEST(version_json_has_components_and_top_level_fields)
{
    struct gt_docker d = { .version = "0.1.0", .git_commit = "abc" };
    cleanup_json json_t *v = gt_docker_version_json(&d, "6.1.0");
    REQUIRE(v);
    CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(v, "Platform"), "Name")),
                 "Gantry Engine");
    json_t *c = json_array_get(json_object_get(v, "Components"), 0);
    CHECK_STR_EQ(json_string_value(json_object_get(c, "Name")), "Engine");
    CHECK_STR_EQ(json_string_value(json_object_get(c, "Version")), "0.1.0");
    json_t *det = json_object_get(c, "Details");
    CHECK_STR_EQ(json_string_value(json_object_get(det, "ApiVersion")), "1.50");
    CHECK_STR_EQ(json_string_value(json_object_get(det, "MinAPIVersion")), "1.24");
    CHECK_STR_EQ(json_string_value(json_object_get(det, "KernelVersion")), "6.1.0");
    CHECK_STR_EQ(json_string_value(json_object_get(det, "Os")), "linux");
    CHECK_STR_EQ(json_string_value(json_object_get(v, "ApiVersion")), "1.50");
    CHECK_STR_EQ(json_string_value(json_object_get(v, "GitCommit")), "abc");
    CHECK(json_is_string(json_object_get(v, "Arch")));
}

TEST(info_defaults_fill_only_what_is_missing)
{
    struct gt_docker d = { .version = "0.1.0" };
    cleanup_json json_t *info = json_pack("{s:s, s:i, s:s}", "DockerRootDir", "/data", "Containers",
                                          4, "Name", "engine-host");
    gt_docker_info_defaults(&d, info, "6.1.0");
    CHECK_STR_EQ(json_string_value(json_object_get(info, "DockerRootDir")), "/data");
    CHECK_INT_EQ(json_integer_value(json_object_get(info, "Containers")), 4);
    CHECK_STR_EQ(json_string_value(json_object_get(info, "Name")), "engine-host");
    CHECK_STR_EQ(json_string_value(json_object_get(info, "ServerVersion")), "0.1.0");
    CHECK_STR_EQ(json_string_value(json_object_get(info, "OSType")), "linux");
    CHECK_STR_EQ(json_string_value(json_object_get(info, "KernelVersion")), "6.1.0");
    CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(info, "Swarm"), "LocalNodeState")),
                 "inactive");
    CHECK(json_integer_value(json_object_get(info, "NCPU")) >= 1);
    CHECK(json_integer_value(json_object_get(info, "MemTotal")) > 0);
    CHECK(json_is_array(json_object_get(info, "Warnings")));
    CHECK(json_is_array(json_object_get(json_object_get(info, "RegistryConfig"), "InsecureRegistryCIDRs")));
    CHECK(json_is_array(json_object_get(json_object_get(info, "Plugins"), "Network")));
}

TEST(container_shapes_get_what_clients_read)
{
    cleanup_json json_t *c = json_pack("{s:s, s:{s:b}, s:{s:s}}", "Id", "abc", "Config", "Tty", 0,
                                       "HostConfig", "NetworkMode", "none");
    gt_docker_container_json_defaults(c);
    json_t *hc = json_object_get(c, "HostConfig");
    CHECK_STR_EQ(json_string_value(json_object_get(hc, "NetworkMode")), "none");
    CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(hc, "LogConfig"), "Type")),
                 "json-file");
    CHECK(json_is_object(json_object_get(json_object_get(c, "Config"), "Labels")));
    CHECK(json_is_array(json_object_get(c, "Mounts")));
    CHECK(json_is_object(json_object_get(json_object_get(c, "NetworkSettings"), "Networks")));
    /* what the engine gave stays */
    cleanup_json json_t *k = json_pack("{s:{s:{s:s}}}", "HostConfig", "LogConfig", "Type", "none");
    gt_docker_container_json_defaults(k);
    CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(json_object_get(k, "HostConfig"),
                                                                  "LogConfig"), "Type")), "none");

    cleanup_json json_t *s = json_pack("{s:s, s:n, s:[s]}", "Id", "abc", "Labels", "Names", "/x");
    gt_docker_container_summary_defaults(s);
    CHECK(json_is_object(json_object_get(s, "Labels")));
    CHECK(json_is_array(json_object_get(s, "Ports")));
    CHECK_STR_EQ(json_string_value(json_array_get(json_object_get(s, "Names"), 0)), "/x");
}

