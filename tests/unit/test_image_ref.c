#include <errno.h>
#include <stdlib.h>

#include "base/cleanup.h"
#include "image/ref.h"
#include "tests/unit/unit.h"

#define HEX "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void check_norm(const char *in, const char *want, const char *familiar)
{
    struct gt_error err;
    struct gt_ref ref;
    if (gt_ref_parse(in, &ref, &err) < 0) {
        unit_fail(__FILE__, __LINE__, "parse %s: %s", in, err.msg);
        return;
    }
    cleanup_free char *s = gt_ref_string(&ref);
    cleanup_free char *f = gt_ref_familiar(&ref);
    if (strcmp(s, want) != 0)
        unit_fail(__FILE__, __LINE__, "%s normalised to %s, expected %s", in, s, want);
    if (familiar && strcmp(f, familiar) != 0)
        unit_fail(__FILE__, __LINE__, "%s familiar %s, expected %s", in, f, familiar);
    gt_ref_release(&ref);
}

TEST(ref_normalises_like_docker)
{
    check_norm("busybox", "docker.io/library/busybox:latest", "busybox:latest");
    check_norm("busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36");
    check_norm("library/busybox", "docker.io/library/busybox:latest", "busybox:latest");
    check_norm("docker.io/busybox", "docker.io/library/busybox:latest", "busybox:latest");
    check_norm("index.docker.io/library/busybox", "docker.io/library/busybox:latest",
               "busybox:latest");
    check_norm("user/app:v1", "docker.io/user/app:v1", "user/app:v1");
    check_norm("localhost:5000/x", "localhost:5000/x:latest", "localhost:5000/x:latest");
    check_norm("localhost/x", "localhost/x:latest", "localhost/x:latest");
    check_norm("quay.io/a/b/c:2", "quay.io/a/b/c:2", "quay.io/a/b/c:2");
    check_norm("Example.com/a", "Example.com/a:latest", NULL);
    check_norm("[::1]:5000/img", "[::1]:5000/img:latest", NULL);
    check_norm("busybox@sha256:" HEX, "docker.io/library/busybox@sha256:" HEX,
               "busybox@sha256:" HEX);
    check_norm("busybox:1@sha256:" HEX, "docker.io/library/busybox:1@sha256:" HEX, NULL);
    check_norm("a__b/c-d.e---f", "docker.io/a__b/c-d.e---f:latest", NULL);
}

TEST(ref_refuses_bad_references)
{
    struct gt_error err;
    struct gt_ref ref;
    const char *bad[] = {
        "",           "Busybox",        "busybox:",  "busybox:-x",      "a//b",
        "-a",         "a_",             "a..b",      "busybox@sha256:1", "busybox@md5:" HEX,
        "a:b:c",      "host:port/x",    ":tag",      "a/b/",            NULL,
    };
    for (const char **b = bad; *b; b++) {
        if (gt_ref_parse(*b, &ref, &err) == 0) {
            cleanup_free char *s = gt_ref_string(&ref);
            unit_fail(__FILE__, __LINE__, "\"%s\" parsed as %s", *b, s);
            gt_ref_release(&ref);
        } else {
            CHECK_STR_CONTAINS(err.msg, "invalid reference");
        }
    }
    CHECK(gt_ref_parse("Busybox", &ref, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "must be lowercase");
    char longname[300];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    CHECK(gt_ref_parse(longname, &ref, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "longer than");
}

TEST(ref_familiar_names)
{
    struct gt_error err;
    struct gt_ref ref;
    REQUIRE(gt_ref_parse("docker.io/library/busybox:1", &ref, &err) == 0);
    cleanup_free char *n = gt_ref_familiar_name(&ref);
    CHECK_STR_EQ(n, "busybox");
    cleanup_free char *full = gt_ref_name(&ref);
    CHECK_STR_EQ(full, "docker.io/library/busybox");
    gt_ref_release(&ref);
    REQUIRE(gt_ref_parse("docker.io/library/a/b", &ref, &err) == 0);
    cleanup_free char *n2 = gt_ref_familiar_name(&ref);
    CHECK_STR_EQ(n2, "library/a/b");
    gt_ref_release(&ref);
}
