#include <errno.h>
#include <signal.h>
#include <stdlib.h>

#include "base/cleanup.h"
#include "base/error.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/json_str.h"
#include "base/mem.h"
#include "base/sig.h"
#include "base/strbuf.h"
#include "tests/unit/unit.h"

TEST(error_messages_carry_context)
{
    struct gt_error err;
    gt_err_clear(&err);
    int r = gt_err_sys(&err, ENOENT, "open %s", "/nope");
    CHECK_INT_EQ(r, -ENOENT);
    CHECK_STR_EQ(err.msg, "open /nope: No such file or directory");
    r = gt_err_prefix(&err, "load config");
    CHECK_INT_EQ(r, -ENOENT);
    CHECK_STR_EQ(err.msg, "load config: open /nope: No such file or directory");
    CHECK_INT_EQ(gt_err(NULL, 0, "x"), -EINVAL);
}

TEST(signals_parse_by_name_and_number)
{
    CHECK_INT_EQ(gt_signal_parse("KILL"), SIGKILL);
    CHECK_INT_EQ(gt_signal_parse("SIGTERM"), SIGTERM);
    CHECK_INT_EQ(gt_signal_parse("sigusr1"), SIGUSR1);
    CHECK_INT_EQ(gt_signal_parse("9"), 9);
    CHECK_INT_EQ(gt_signal_parse("RTMIN+2"), SIGRTMIN + 2);
    CHECK_INT_EQ(gt_signal_parse("NOPE"), -EINVAL);
    CHECK_INT_EQ(gt_signal_parse("0"), -EINVAL);
    CHECK_INT_EQ(gt_signal_parse("99"), -EINVAL);
    char buf[32];
    CHECK_STR_EQ(gt_signal_name(SIGHUP, buf, sizeof buf), "SIGHUP");
}

TEST(json_getters_name_the_field)
{
    struct gt_error err;
    cleanup_json json_t *j = NULL;
    const char *doc = "{\"process\":{\"user\":{\"uid\":\"root\"},\"cwd\":\"/\"}}";
    REQUIRE(gt_json_load_buf(doc, strlen(doc), "config.json", &j, &err) == 0);
    json_t *proc, *user;
    REQUIRE(gt_json_get_obj(j, "process", "", GT_JSON_REQUIRED, &proc, &err) == 0);
    REQUIRE(gt_json_get_obj(proc, "user", "process", GT_JSON_REQUIRED, &user, &err) == 0);
    int64_t uid;
    CHECK(gt_json_get_int(user, "uid", "process.user", GT_JSON_REQUIRED, &uid, &err) < 0);
    CHECK_STR_EQ(err.msg, "process.user.uid: expected an integer, got string");
    CHECK_INT_EQ(gt_json_get_int(user, "gid", "process.user", GT_JSON_OPTIONAL, &uid, &err), 1);
    CHECK(gt_json_get_int(user, "gid", "process.user", GT_JSON_REQUIRED, &uid, &err) < 0);
    CHECK_STR_EQ(err.msg, "process.user.gid: required field is missing");
    const char *bad = "{\"a\": [1,}";
    json_t *k = NULL;
    CHECK(gt_json_load_buf(bad, strlen(bad), "config.json", &k, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "parse config.json: line 1");
    static const char *const known[] = { "cwd", "user", NULL };
    CHECK(gt_json_check_known(proc, "process", known, &err) == 0);
    static const char *const few[] = { "cwd", NULL };
    CHECK(gt_json_check_known(proc, "process", few, &err) < 0);
    CHECK_STR_EQ(err.msg, "process: unknown field \"user\"");
}

TEST(json_escape_handles_controls)
{
    char out[64];
    gt_json_escape("a\"b\\c\nd\x01", out, sizeof out);
    CHECK_STR_EQ(out, "a\\\"b\\\\c\\nd\\u0001");
    gt_json_escape("abcdef", out, 4);
    CHECK_STR_EQ(out, "abc");
}

TEST(files_write_atomically_and_read_back)
{
    struct gt_error err;
    cleanup_free char *dir = gt_path_join(unit_tmpdir(), "a/b/c");
    REQUIRE(gt_mkdir_p(dir, 0755, &err) == 0);
    cleanup_free char *f = gt_path_join(dir, "f.txt");
    REQUIRE(gt_write_file_atomic(f, "hello", 5, 0644, true, &err) == 0);
    cleanup_free char *data = NULL;
    size_t len;
    REQUIRE(gt_read_file(f, 0, &data, &len, &err) == 0);
    CHECK_INT_EQ(len, 5);
    CHECK_STR_EQ(data, "hello");
    char *small = NULL;
    CHECK(gt_read_file(f, 3, &small, NULL, &err) == -EFBIG);
    cleanup_free char *top = gt_path_join(unit_tmpdir(), "a");
    CHECK(gt_rm_rf(top, &err) == 0);
    CHECK(!gt_path_exists(top));
    CHECK(gt_rm_rf(top, &err) == 0);
    cleanup_free char *j = gt_path_join("/x//", "/y");
    CHECK_STR_EQ(j, "/x/y");
}

TEST(strv_grows)
{
    cleanup_strv char **v = NULL;
    gt_strv_push(&v, "a");
    gt_strv_push(&v, "b");
    CHECK_INT_EQ(gt_strv_len(v), 2);
    CHECK_STR_EQ(v[1], "b");
    CHECK(v[2] == NULL);
}

TEST(strbuf_grows_and_hands_over)
{
    struct gt_strbuf b = { 0 };
    char *empty = gt_strbuf_take(&b);
    CHECK_STR_EQ(empty, "");
    free(empty);
    for (int i = 0; i < 1000; i++)
        gt_strbuf_printf(&b, "%d,", i % 10);
    CHECK_INT_EQ(b.len, 2000);
    CHECK_INT_EQ(strlen(b.s), 2000);
    gt_strbuf_addc(&b, 'x');
    gt_strbuf_add(&b, "a\0b", 3);
    CHECK_INT_EQ(b.len, 2004);
    CHECK(b.s[2001] == 'a' && b.s[2002] == '\0' && b.s[2003] == 'b' && b.s[2004] == '\0');
    char *s = gt_strbuf_take(&b);
    CHECK(b.s == NULL && b.len == 0 && b.cap == 0);
    CHECK(!strncmp(s, "0,1,2,", 6));
    free(s);
    gt_strbuf_addstr(&b, "again");
    CHECK_STR_EQ(b.s, "again");
    gt_strbuf_release(&b);
    CHECK(b.s == NULL);
}
