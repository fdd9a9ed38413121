#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "image/dockerfile.h"
#include "tests/unit/unit.h"

static int parse(const char *text, struct gt_dockerfile *df, struct gt_error *err)
{
    return gt_dockerfile_parse(text, strlen(text), df, err);
}

#define CHECK_REFUSED(text, needle) \
    do { \
        struct gt_dockerfile _df; \
        struct gt_error _e = { 0 }; \
        if (parse(text, &_df, &_e) == 0) { \
            unit_fail(__FILE__, __LINE__, "accepted"); \
            gt_dockerfile_release(&_df); \
        } else { \
            CHECK_STR_CONTAINS(_e.msg, needle); \
            CHECK_INT_EQ(_e.code, EINVAL); \
        } \
    } while (0)

TEST(instructions_comments_continuations_and_forms)
{
    struct gt_dockerfile df;
    struct gt_error err = { 0 };
    const char *text = "# syntax=docker/dockerfile:1\n"
                       "ARG BASE=busybox\n"
                       "from $BASE AS build\n"
                       "# a comment\n"
                       "RUN echo a \\\n"
                       "  # inside\n"
                       "\n"
                       "    b\n"
                       "copy --chown=1:2 --from=x a.txt b/ /dst/\n"
                       "CMD [\"echo\", \"hi\"]\n"
                       "ENTRYPOINT [\"broken\"\n";
    CHECK_INT_EQ(parse(text, &df, &err), 0);
    CHECK_INT_EQ((int)df.n, 6);
    CHECK_STR_EQ(df.v[0].cmd, "arg");
    CHECK_INT_EQ(df.v[0].line, 2);
    CHECK_STR_EQ(df.v[1].cmd, "from");
    CHECK_STR_EQ(df.v[1].rest, "$BASE AS build");
    CHECK_STR_EQ(df.v[2].cmd, "run");
    CHECK_INT_EQ(df.v[2].line, 5);
    CHECK_STR_EQ(df.v[2].rest, "echo a     b");
    CHECK(df.v[2].json == NULL);
    CHECK_STR_EQ(gt_df_flag(&df.v[3], "chown"), "1:2");
    CHECK_STR_EQ(gt_df_flag(&df.v[3], "from"), "x");
    CHECK(gt_df_flag(&df.v[3], "chmod") == NULL);
    CHECK_STR_EQ(df.v[3].rest, "a.txt b/ /dst/");
    CHECK(json_is_array(df.v[4].json));
    CHECK_INT_EQ((int)json_array_size(df.v[4].json), 2);
    /* not a JSON array: the shell form, as dockerd reads it */
    CHECK(df.v[5].json == NULL);
    CHECK_STR_EQ(df.v[5].rest, "[\"broken\"");
    gt_dockerfile_release(&df);
}

TEST(escape_directive)
{
    struct gt_dockerfile df;
    struct gt_error err = { 0 };
    CHECK_INT_EQ(parse("# escape=`\nFROM busybox\nRUN echo \\ `\n  x\n", &df, &err), 0);
    CHECK_INT_EQ(df.escape, '`');
    CHECK_STR_EQ(df.v[1].rest, "echo \\   x");
    gt_dockerfile_release(&df);
    CHECK_REFUSED("# escape=x\nFROM busybox\n", "invalid escape token");
}

TEST(errors_name_the_line)
{
    CHECK_REFUSED("FROM busybox\nRUN true\nFOOBAR x\n",
                  "dockerfile parse error on line 3: unknown instruction: FOOBAR");
    CHECK_REFUSED("FROM busybox\nCOPY a\n", "line 2: COPY requires at least two arguments");
    CHECK_REFUSED("FROM busybox\nWORKDIR a b\n", "WORKDIR requires exactly one argument");
    CHECK_REFUSED("FROM busybox\nRUN\n", "RUN requires at least one argument");
    CHECK_REFUSED("FROM busybox\nSHELL /bin/bash\n", "SHELL requires the arguments to be in "
                  "JSON form");
    CHECK_REFUSED("RUN true\n", "line 1: no build stage in current context");
    CHECK_REFUSED("ARG A\n", "no build stage");
    CHECK_REFUSED("FROM a b\n", "FROM requires either one or three arguments");
    CHECK_REFUSED("FROM a AS 1x\n", "invalid name for build stage");
    CHECK_REFUSED("FROM a\nCOPY --nope=1 a b\n", "line 2: unknown flag: nope");
    CHECK_REFUSED("\n# only a comment\n", "cannot be empty");
}
