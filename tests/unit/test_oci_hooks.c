/* oci/hooks: real hooks (/bin/sh scripts) run in a temporary directory. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/clock.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/mem.h"
#include "oci/hooks.h"
#include "tests/unit/unit.h"

/* {"prestart":[{"path":"/bin/sh","args":["sh","-c",script]}, ...]} with
 * optional env / timeout per hook */
static json_t *sh_hook(const char *script, json_t *env, int timeout)
{
    json_t *h = json_pack("{s:s,s:[s,s,s]}", "path", "/bin/sh", "args", "sh", "-c", script);
    if (env)
        json_object_set_new(h, "env", env);
    if (timeout)
        json_object_set_new(h, "timeout", json_integer(timeout));
    return h;
}

static char *slurp(const char *dir, const char *name)
{
    cleanup_free char *p = gt_path_join(dir, name);
    char *s = NULL;
    if (gt_read_file(p, 0, &s, NULL, NULL) < 0)
        return gt_xstrdup("(missing)");
    return s;
}

TEST(hooks_kind_names_and_features)
{
    CHECK_STR_EQ(gt_hook_kind_name(GT_HOOK_PRESTART), "prestart");
    CHECK_STR_EQ(gt_hook_kind_name(GT_HOOK_CREATE_RUNTIME), "createRuntime");
    CHECK_STR_EQ(gt_hook_kind_name(GT_HOOK_CREATE_CONTAINER), "createContainer");
    CHECK_STR_EQ(gt_hook_kind_name(GT_HOOK_START_CONTAINER), "startContainer");
    CHECK_STR_EQ(gt_hook_kind_name(GT_HOOK_POSTSTART), "poststart");
    CHECK_STR_EQ(gt_hook_kind_name(GT_HOOK_POSTSTOP), "poststop");
    cleanup_json json_t *f = gt_hooks_features();
    CHECK_INT_EQ(json_array_size(f), 6);
}

TEST(hooks_run_in_order_with_state_on_stdin)
{
    const char *dir = unit_tmpdir();
    REQUIRE(chdir(dir) == 0);
    cleanup_json json_t *hooks = json_pack(
        "{s:[o,o,o],s:[o]}", "prestart", sh_hook("echo one >> order", NULL, 0),
        sh_hook("echo two >> order; cat > state", NULL, 0), sh_hook("echo three >> order", NULL, 0),
        "poststop", sh_hook("echo poststop >> order", NULL, 0));
    struct gt_error err;
    CHECK_INT_EQ(gt_hooks_validate(hooks, &err), 0);
    const char *state = "{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"status\":\"created\","
                        "\"pid\":42,\"bundle\":\"/b\"}";
    if (gt_hooks_run(hooks, GT_HOOK_PRESTART, state, &err) < 0)
        unit_fail(__FILE__, __LINE__, "run: %s", err.msg);
    cleanup_free char *order = slurp(dir, "order");
    CHECK_STR_EQ(order, "one\ntwo\nthree\n");
    cleanup_free char *got = slurp(dir, "state");
    CHECK_STR_EQ(got, state);
    /* kinds without hooks, or no hooks at all: nothing to do */
    CHECK_INT_EQ(gt_hooks_run(hooks, GT_HOOK_POSTSTART, state, &err), 0);
    CHECK_INT_EQ(gt_hooks_run(NULL, GT_HOOK_PRESTART, state, &err), 0);
    CHECK_INT_EQ(gt_hooks_run(hooks, GT_HOOK_POSTSTOP, state, &err), 0);
    cleanup_free char *order2 = slurp(dir, "order");
    CHECK_STR_EQ(order2, "one\ntwo\nthree\npoststop\n");
}

TEST(hooks_env_is_exactly_the_given_env)
{
    const char *dir = unit_tmpdir();
    REQUIRE(chdir(dir) == 0);
    setenv("GANTRY_LEAK", "1", 1);
    /* /proc/$$/environ is what execve gave the shell, untouched by it */
    cleanup_json json_t *hooks = json_pack(
        "{s:[o,o]}", "createRuntime",
        sh_hook("tr '\\0' '\\n' < /proc/$$/environ > env1", json_pack("[s,s]", "A=1", "B=two words"),
                0),
        sh_hook("tr '\\0' '\\n' < /proc/$$/environ > env2", NULL, 0));
    struct gt_error err;
    if (gt_hooks_run(hooks, GT_HOOK_CREATE_RUNTIME, "{}", &err) < 0)
        unit_fail(__FILE__, __LINE__, "run: %s", err.msg);
    cleanup_free char *e1 = slurp(dir, "env1");
    CHECK_STR_EQ(e1, "A=1\nB=two words\n");
    cleanup_free char *e2 = slurp(dir, "env2");
    CHECK_STR_EQ(e2, "");
}

TEST(hooks_failure_names_the_hook_and_stops_the_rest)
{
    const char *dir = unit_tmpdir();
    REQUIRE(chdir(dir) == 0);
    cleanup_json json_t *hooks = json_pack(
        "{s:[o,o,o]}", "createContainer", sh_hook("echo ran >> log", NULL, 0),
        sh_hook("echo 'bad thing happened' >&2; echo more >&2; exit 3", NULL, 0),
        sh_hook("echo never >> log", NULL, 0));
    struct gt_error err;
    CHECK(gt_hooks_run(hooks, GT_HOOK_CREATE_CONTAINER, "{}", &err) < 0);
    CHECK_STR_EQ(err.msg,
                 "hook createContainer[1] /bin/sh: exited with status 3: bad thing happened");
    cleanup_free char *log = slurp(dir, "log");
    CHECK_STR_EQ(log, "ran\n");

    cleanup_json json_t *sig = json_pack("{s:[o]}", "poststart", sh_hook("kill -SEGV $$", NULL, 0));
    CHECK(gt_hooks_run(sig, GT_HOOK_POSTSTART, "{}", &err) < 0);
    CHECK_STR_EQ(err.msg, "hook poststart[0] /bin/sh: killed by SIGSEGV");

    cleanup_json json_t *missing =
        json_pack("{s:[{s:s}]}", "prestart", "path", "/nonexistent/gantry-hook");
    CHECK(gt_hooks_run(missing, GT_HOOK_PRESTART, "{}", &err) < 0);
    CHECK_STR_EQ(err.msg,
                 "hook prestart[0] /nonexistent/gantry-hook: exec: No such file or directory");
}

static bool gone_or_zombie(pid_t pid)
{
    char p[64];
    snprintf(p, sizeof p, "/proc/%d/stat", (int)pid);
    cleanup_free char *s = NULL;
    if (gt_read_file(p, 0, &s, NULL, NULL) < 0)
        return true;
    const char *c = strrchr(s, ')');
    return c && c[2] == 'Z';
}

TEST(hooks_timeout_kills_the_hook_and_its_children)
{
    const char *dir = unit_tmpdir();
    REQUIRE(chdir(dir) == 0);
    prctl(PR_SET_CHILD_SUBREAPER, 1); /* orphans come to us, not to init */
    cleanup_json json_t *hooks = json_pack(
        "{s:[o]}", "startContainer",
        sh_hook("echo started >&2; sleep 30 & echo $! > child; wait", NULL, 1));
    struct gt_error err;
    int64_t t0 = gt_clock_ms();
    CHECK(gt_hooks_run(hooks, GT_HOOK_START_CONTAINER, "{}", &err) < 0);
    int64_t took = gt_clock_ms() - t0;
    CHECK_STR_EQ(err.msg, "hook startContainer[0] /bin/sh: hook timeout: still running after 1s, "
                          "killed: started");
    CHECK(took >= 900 && took < 5000);
    cleanup_free char *child = slurp(dir, "child");
    pid_t pid = (pid_t)atoi(child);
    REQUIRE(pid > 0);
    int64_t until = gt_clock_ms() + 2000;
    while (!gone_or_zombie(pid) && gt_clock_ms() < until)
        usleep(10000);
    CHECK(gone_or_zombie(pid));
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
}

TEST(hooks_that_ignore_stdin_do_not_break_the_runtime)
{
    /* 1 MiB of state to a hook that never reads it: EPIPE, not SIGPIPE */
    size_t n = 1 << 20;
    cleanup_free char *state = gt_xmalloc(n + 1);
    memset(state, 'x', n);
    state[n] = '\0';
    cleanup_json json_t *hooks = json_pack("{s:[{s:s}]}", "prestart", "path", "/bin/true");
    struct gt_error err;
    CHECK_INT_EQ(gt_hooks_run(hooks, GT_HOOK_PRESTART, state, &err), 0);
    /* a hook with a timeout that finishes in time is fine */
    cleanup_json json_t *quick =
        json_pack("{s:[o]}", "prestart", sh_hook("cat > /dev/null", NULL, 5));
    CHECK_INT_EQ(gt_hooks_run(quick, GT_HOOK_PRESTART, state, &err), 0);
}

static void expect_invalid(json_t *hooks, const char *msg)
{
    struct gt_error err;
    gt_err_clear(&err);
    if (gt_hooks_validate(hooks, &err) == 0)
        unit_fail(__FILE__, __LINE__, "accepted a bad hook, expected \"%s\"", msg);
    else if (!strstr(err.msg, msg))
        unit_fail(__FILE__, __LINE__, "message \"%s\" lacks \"%s\"", err.msg, msg);
    json_decref(hooks);
}

TEST(hooks_validation_names_fields)
{
    struct gt_error err;
    CHECK_INT_EQ(gt_hooks_validate(NULL, &err), 0);
    cleanup_json json_t *future = json_pack("{s:[],s:{}}", "prestart", "somethingNew");
    CHECK_INT_EQ(gt_hooks_validate(future, &err), 0);
    expect_invalid(json_pack("[]"), "hooks: expected an object");
    expect_invalid(json_pack("{s:{}}", "prestart"), "hooks.prestart: expected an array");
    expect_invalid(json_pack("{s:[{s:s}]}", "poststop", "path", "bin/hook"),
                   "hooks.poststop[0].path: \"bin/hook\" is not absolute");
    expect_invalid(json_pack("{s:[{}]}", "prestart"), "hooks.prestart[0].path: required");
    expect_invalid(json_pack("{s:[{s:s,s:i}]}", "prestart", "path", "/x", "timeout", 0),
                   "hooks.prestart[0].timeout: 0 is out of range");
    expect_invalid(json_pack("{s:[{s:s,s:[s]}]}", "prestart", "path", "/x", "env", "NOEQUALS"),
                   "hooks.prestart[0].env[0]: \"NOEQUALS\" is not NAME=value");
    expect_invalid(json_pack("{s:[{s:s,s:[i]}]}", "prestart", "path", "/x", "args", 1),
                   "hooks.prestart[0].args[0]: expected a string");
    /* run refuses the same way, before running anything */
    cleanup_json json_t *bad = json_pack("{s:[{s:s}]}", "prestart", "path", "rel");
    CHECK(gt_hooks_run(bad, GT_HOOK_PRESTART, "{}", &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "hooks.prestart[0].path");
}
