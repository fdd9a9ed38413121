#include <errno.h>
#include <stdlib.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "image/changes.h"
#include "tests/unit/unit.h"

/* Applies the changes to a config made from JSON text; returns the config
 * as compact JSON text (caller frees), or NULL with err filled. */
static char *applied(const char *config, const char *const *changes, struct gt_error *err)
{
    cleanup_json json_t *cfg = json_loads(config, 0, NULL);
    if (gt_image_changes_apply(cfg, (char *const *)changes, err) < 0)
        return NULL;
    return json_dumps(cfg, JSON_COMPACT | JSON_SORT_KEYS);
}

#define CHECK_APPLIED(config, expected, ...) \
    do { \
        const char *const _ch[] = { __VA_ARGS__, NULL }; \
        struct gt_error _e = { 0 }; \
        cleanup_free char *_got = applied(config, _ch, &_e); \
        if (!_got) \
            unit_fail(__FILE__, __LINE__, "failed: %s", _e.msg); \
        else \
            CHECK_STR_EQ(_got, expected); \
    } while (0)

#define CHECK_REFUSED(needle, ...) \
    do { \
        const char *const _ch[] = { __VA_ARGS__, NULL }; \
        struct gt_error _e = { 0 }; \
        cleanup_free char *_got = applied("{\"User\":\"keep\"}", _ch, &_e); \
        if (_got) \
            unit_fail(__FILE__, __LINE__, "accepted: %s", _got); \
        else if (!strstr(_e.msg, needle) || _e.code != EINVAL) \
            unit_fail(__FILE__, __LINE__, "error \"%s\" (%d) lacks \"%s\"", _e.msg, _e.code, \
                      needle); \
    } while (0)

TEST(cmd_and_entrypoint_json_and_shell_forms)
{
    CHECK_APPLIED("{}", "{\"Cmd\":[\"echo\",\"hi\"]}", "CMD [\"echo\",\"hi\"]");
    CHECK_APPLIED("{}", "{\"Cmd\":[\"/bin/sh\",\"-c\",\"echo $HOME  x\"]}", "cmd echo $HOME  x");
    CHECK_APPLIED("{\"Shell\":[\"/bin/bash\",\"-xc\"]}",
                  "{\"Cmd\":[\"/bin/bash\",\"-xc\",\"true\"],\"Shell\":[\"/bin/bash\",\"-xc\"]}",
                  "CMD true");
    /* not JSON: the shell form */
    CHECK_APPLIED("{}", "{\"Cmd\":[\"/bin/sh\",\"-c\",\"[oops\"]}", "CMD [oops");
    /* ENTRYPOINT drops an inherited Cmd, not one set before it in the list */
    CHECK_APPLIED("{\"Cmd\":[\"old\"]}", "{\"Entrypoint\":[\"top\"]}", "ENTRYPOINT [\"top\"]");
    CHECK_APPLIED("{}", "{\"Cmd\":[\"-b\"],\"Entrypoint\":[\"top\"]}", "CMD [\"-b\"]",
                  "ENTRYPOINT [\"top\"]");
    CHECK_APPLIED("{}", "{\"Entrypoint\":[]}", "ENTRYPOINT []");
}

TEST(env_pairs_quotes_legacy_and_expansion)
{
    CHECK_APPLIED("{\"Env\":[\"PATH=/bin\",\"A=1\"]}",
                  "{\"Env\":[\"PATH=/usr/bin:/bin\",\"A=two words\",\"B=x\"]}",
                  "ENV PATH=/usr/bin:$PATH A=\"two words\" B='x'");
    /* legacy form: the rest of the line is the value */
    CHECK_APPLIED("{}", "{\"Env\":[\"GREETING=hello  big world\"]}",
                  "ENV GREETING hello  big world");
    /* one ENV sees the Env before it; the next sees the new values */
    CHECK_APPLIED("{\"Env\":[\"A=old\"]}", "{\"Env\":[\"A=new\",\"B=old\",\"C=new\"]}",
                  "ENV A=new B=$A", "ENV C=${A}");
    CHECK_APPLIED("{}", "{\"Env\":[\"X=dflt\",\"Y=\",\"Z=a\\\\b\",\"W=$Q\"]}",
                  "ENV X=${NOPE:-dflt} Y=${NOPE:+alt} Z=a\\\\b W=\\$Q");
    CHECK_APPLIED("{}", "{\"Env\":[\"A=x y\"]}", "ENV A=x\\ y");
}

TEST(label_expose_user_workdir_volume_stopsignal)
{
    CHECK_APPLIED("{}", "{\"Labels\":{\"a.b\":\"c d\",\"v\":\"1\"}}", "LABEL a.b=\"c d\" v=1");
    CHECK_APPLIED("{}", "{\"ExposedPorts\":{\"53/udp\":{},\"80/tcp\":{},\"81/tcp\":{},"
                        "\"82/tcp\":{}}}",
                  "EXPOSE 80-82 53/udp");
    CHECK_APPLIED("{\"Env\":[\"U=app\"]}", "{\"Env\":[\"U=app\"],\"User\":\"app:staff\"}",
                  "USER ${U}:staff");
    CHECK_APPLIED("{\"WorkingDir\":\"/srv\"}", "{\"WorkingDir\":\"/srv/app/sub\"}",
                  "WORKDIR app/x/../sub");
    CHECK_APPLIED("{}", "{\"WorkingDir\":\"/data\"}", "WORKDIR /data");
    CHECK_APPLIED("{}", "{\"Volumes\":{\"/a\":{},\"/b\":{}}}", "VOLUME /a /b");
    CHECK_APPLIED("{}", "{\"Volumes\":{\"/c d\":{}}}", "VOLUME [\"/c d\"]");
    CHECK_APPLIED("{}", "{\"StopSignal\":\"SIGUSR1\"}", "STOPSIGNAL SIGUSR1");
    CHECK_APPLIED("{}", "{\"OnBuild\":[\"RUN make\"]}", "ONBUILD RUN make");
}

TEST(healthcheck_forms_and_flags)
{
    CHECK_APPLIED("{}",
                  "{\"Healthcheck\":{\"Interval\":90000000000,\"Retries\":3,\"Test\":"
                  "[\"CMD-SHELL\",\"wget -q localhost\"],\"Timeout\":500000000}}",
                  "HEALTHCHECK --interval=1m30s --timeout=0.5s --retries=3 CMD wget -q localhost");
    CHECK_APPLIED("{}", "{\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"]}}",
                  "HEALTHCHECK CMD [\"true\"]");
    CHECK_APPLIED("{}", "{\"Healthcheck\":{\"Test\":[\"NONE\"]}}", "healthcheck none");
}

TEST(several_lines_continuations_and_comments)
{
    CHECK_APPLIED("{}", "{\"Cmd\":[\"/bin/sh\",\"-c\",\"echo a   b\"],\"User\":\"1\"}",
                  "# a comment\nCMD echo a \\\n  b\n\nUSER 1");
}

TEST(bad_changes_are_refused_by_name_and_change_nothing)
{
    CHECK_REFUSED("run is not a valid change command", "RUN make");
    CHECK_REFUSED("from is not a valid change command", "USER x", "FROM busybox");
    CHECK_REFUSED("ENV names can not be blank", "ENV =x");
    CHECK_REFUSED("can't find = in \"b\"", "ENV a=1 b");
    CHECK_REFUSED("ENV must have two arguments", "ENV onlyname");
    CHECK_REFUSED("ENV requires at least one argument", "ENV");
    CHECK_REFUSED("invalid containerPort: http", "EXPOSE http");
    CHECK_REFUSED("invalid containerPort: 90-80", "EXPOSE 90-80");
    CHECK_REFUSED("invalid proto: tcpx", "EXPOSE 80/tcpx");
    CHECK_REFUSED("Invalid signal: SIGNOPE", "STOPSIGNAL SIGNOPE");
    CHECK_REFUSED("USER requires exactly one argument", "USER");
    CHECK_REFUSED("VOLUME specified can not be an empty string", "VOLUME [\"\"]");
    CHECK_REFUSED("arrays must be comprised of strings only", "CMD [1]");
    CHECK_REFUSED("matching double-quote", "ENV a=\"x");
    CHECK_REFUSED("missing '}'", "ENV a=${b");
    CHECK_REFUSED("Unknown flag: x", "CMD --x=1 true");
    CHECK_REFUSED("Unknown type \"RUN\" in HEALTHCHECK", "HEALTHCHECK RUN x");
    CHECK_REFUSED("time: invalid duration \"5\"", "HEALTHCHECK --interval=5 CMD true");
    CHECK_REFUSED("Interval \"timeout\" cannot be less than 1ms",
                  "HEALTHCHECK --timeout=10us CMD true");
    CHECK_REFUSED("Chaining ONBUILD", "ONBUILD onbuild RUN x");
    CHECK_REFUSED("change \"LABEL\": LABEL requires", "LABEL");

    /* a failure leaves the config as it was, changes before it included */
    struct gt_error err;
    cleanup_json json_t *cfg = json_pack("{s:s}", "User", "keep");
    const char *const ch[] = { "USER other", "ENV A=1", "EXPOSE nope", NULL };
    CHECK(gt_image_changes_apply(cfg, (char *const *)ch, &err) == -EINVAL);
    cleanup_free char *s = json_dumps(cfg, JSON_COMPACT);
    CHECK_STR_EQ(s, "{\"User\":\"keep\"}");
}
