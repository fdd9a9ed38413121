/* The pure parts of docker commit and docker update: Dockerfile
 * instructions applied to a Config (engine/changes.c), and dockerd's
 * checks of the resource fields (engine/update.c). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "engine/internal.h"
#include "tests/unit/unit.h"

static json_t *apply(const char *cfg, const char *const *changes, struct gt_error *err)
{
    json_t *c = json_loads(cfg, 0, NULL);
    if (eng_changes_apply(c, (char *const *)changes, err) < 0) {
        json_decref(c);
        return NULL;
    }
    return c;
}

static char *field(json_t *c, const char *key)
{
    return json_dumps(json_object_get(c, key), JSON_ENCODE_ANY | JSON_COMPACT);
}

#define CHECK_FIELD(c, key, want) \
    do { \
        cleanup_free char *got_ = field(c, key); \
        CHECK_STR_EQ(got_, want); \
    } while (0)

TEST(changes_words_quotes_and_variables)
{
    struct gt_error err;
    const char *ch[] = {
        "ENV A=1 B=\"two words\" C='$A' D=$A E=${A}x F=${NOPE:-dflt} G=${A:+set} H=a\\ b",
        "ENV LEGACY value with  spaces",
        "ENV A=2 OLD=$A",
        "label \"my key\"=v other=\"q\\\"uote\"",
        "WORKDIR /srv",
        "WORKDIR app/../lib",
        "USER $A",
        NULL,
    };
    cleanup_json json_t *c =
        apply("{\"Env\":[\"PATH=/bin\",\"A=0\"],\"WorkingDir\":\"\"}", ch, &err);
    if (!c)
        fprintf(stderr, "%s\n", err.msg);
    REQUIRE(c);
    CHECK_FIELD(c, "Env",
                "[\"PATH=/bin\",\"A=2\",\"B=two words\",\"C=$A\",\"D=0\",\"E=0x\",\"F=dflt\","
                "\"G=set\",\"H=a b\",\"LEGACY=value with  spaces\",\"OLD=1\"]");
    CHECK_FIELD(c, "Labels", "{\"my key\":\"v\",\"other\":\"q\\\"uote\"}");
    CHECK_FIELD(c, "WorkingDir", "\"/srv/lib\"");
    CHECK_FIELD(c, "User", "\"2\"");
}

TEST(changes_commands_ports_volumes_and_healthcheck)
{
    struct gt_error err;
    const char *ch[] = {
        "CMD [\"cat\", \"/f\"]",
        "ENTRYPOINT /bin/run --flag",
        "EXPOSE 80 53/UDP 7000-7002/tcp",
        "VOLUME [\"/a\", \"/b\"]",
        "VOLUME /c /d",
        "STOPSIGNAL SIGUSR1",
        "HEALTHCHECK --interval=1m30s --retries=3 CMD curl -f http://x/ || exit 1",
        "ONBUILD run echo hi",
        NULL,
    };
    cleanup_json json_t *c = apply("{\"Cmd\":[\"sh\"],\"Shell\":null}", ch, &err);
    if (!c)
        fprintf(stderr, "%s\n", err.msg);
    REQUIRE(c);
    CHECK_FIELD(c, "Cmd", "[\"cat\",\"/f\"]"); /* CMD came first: ENTRYPOINT keeps it */
    CHECK_FIELD(c, "Entrypoint", "[\"/bin/sh\",\"-c\",\"/bin/run --flag\"]");
    CHECK_FIELD(c, "ExposedPorts",
                "{\"80/tcp\":{},\"53/udp\":{},\"7000/tcp\":{},\"7001/tcp\":{},\"7002/tcp\":{}}");
    CHECK_FIELD(c, "Volumes", "{\"/a\":{},\"/b\":{},\"/c\":{},\"/d\":{}}");
    CHECK_FIELD(c, "StopSignal", "\"SIGUSR1\"");
    CHECK_FIELD(c, "Healthcheck",
                "{\"Interval\":90000000000,\"Retries\":3,\"Test\":[\"CMD-SHELL\","
                "\"curl -f http://x/ || exit 1\"]}");
    CHECK_FIELD(c, "OnBuild", "[\"RUN echo hi\"]");
    /* ENTRYPOINT alone drops the Cmd; a continued line is one instruction */
    const char *ch2[] = { "ENTRYPOINT [\"/x\"]", "LABEL a=1 \\\n  b=2", "HEALTHCHECK NONE", NULL };
    cleanup_json json_t *c2 = apply("{\"Cmd\":[\"sh\"]}", ch2, &err);
    REQUIRE(c2);
    CHECK_FIELD(c2, "Cmd", "null");
    CHECK_FIELD(c2, "Labels", "{\"a\":\"1\",\"b\":\"2\"}");
    CHECK_FIELD(c2, "Healthcheck", "{\"Test\":[\"NONE\"]}");
}

TEST(changes_refused_name_the_instruction)
{
    static const struct {
        const char *change, *msg;
    } bad[] = {
        { "RUN echo", "run is not a valid change command" },
        { "FROM busybox", "from is not a valid change command" },
        { "COPY a b", "copy is not a valid change command" },
        { "NOSUCH x", "nosuch is not a valid change command" },
        { "ENV", "ENV requires at least one argument" },
        { "ENV A", "ENV must have two arguments" },
        { "ENV A=1 B", "can't find = in \"B\"" },
        { "ENV =1", "ENV names can not be blank" },
        { "LABEL", "LABEL requires at least one argument" },
        { "EXPOSE 80/xyz", "Invalid proto: xyz" },
        { "EXPOSE http", "Invalid containerPort: http" },
        { "EXPOSE 90-80", "Invalid range" },
        { "USER a b", "USER requires exactly one argument" },
        { "STOPSIGNAL NOPE", "Invalid signal: NOPE" },
        { "WORKDIR", "WORKDIR requires exactly one argument" },
        { "VOLUME", "VOLUME requires at least one argument" },
        { "VOLUME \"\"", "VOLUME specified can not be an empty string" },
        { "ENV A=\"open", "matching double-quote" },
        { "ENV A=${B", "missing '}'" },
        { "HEALTHCHECK --interval=1us CMD x", "cannot be less than 1ms" },
        { "HEALTHCHECK --nope=1 CMD x", "unknown flag: --nope" },
        { "HEALTHCHECK WHAT", "Unknown type \"WHAT\"" },
        { "ONBUILD ONBUILD RUN x", "Chaining ONBUILD" },
        { "ONBUILD FROM x", "FROM isn't allowed as an ONBUILD trigger" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct gt_error err = { 0 };
        const char *ch[] = { "ENV OK=1", bad[i].change, NULL };
        json_t *c = apply("{\"Env\":[]}", ch, &err);
        CHECK(c == NULL);
        json_decref(c);
        CHECK_INT_EQ(err.code, EINVAL);
        CHECK_STR_CONTAINS(err.msg, bad[i].msg);
    }
}

static int check(const char *host, bool update, struct gt_error *err, json_t **out)
{
    json_t *h = json_loads(host, 0, NULL);
    int r = eng_resources_check(h, update, NULL, err);
    if (out)
        *out = h;
    else
        json_decref(h);
    return r;
}

TEST(resources_checked_as_dockerd_does)
{
    struct gt_error err;
    json_t *h = NULL;
    /* create: MemorySwap defaults to twice the Memory */
    REQUIRE(check("{\"Memory\":67108864}", false, &err, &h) == 0);
    CHECK_INT_EQ(json_integer_value(json_object_get(h, "MemorySwap")), 134217728);
    json_decref(h);
    REQUIRE(check("{\"Memory\":67108864,\"MemorySwap\":-1}", false, &err, &h) == 0);
    CHECK_INT_EQ(json_integer_value(json_object_get(h, "MemorySwap")), -1);
    json_decref(h);
    /* an update may give MemorySwap alone, a create may not */
    CHECK_INT_EQ(check("{\"MemorySwap\":67108864}", true, &err, NULL), 0);
    CHECK_INT_EQ(check("{\"MemorySwap\":67108864}", false, &err, NULL), -EINVAL);
    CHECK_STR_CONTAINS(err.msg, "You should always set the Memory limit");
    static const struct {
        const char *host, *msg;
    } bad[] = {
        { "{\"Memory\":1048576}", "Minimum memory limit allowed is 6MB" },
        { "{\"Memory\":-5}", "Minimum memory limit allowed is 6MB" },
        { "{\"Memory\":67108864,\"MemorySwap\":33554432}", "Minimum memoryswap limit" },
        { "{\"MemoryReservation\":1024}", "Minimum memory reservation allowed is 6MB" },
        { "{\"Memory\":8388608,\"MemoryReservation\":16777216}",
          "can not be less than memory reservation" },
        { "{\"NanoCpus\":500000000,\"CpuPeriod\":100000}",
          "Nano CPUs and CPU Period cannot both be set" },
        { "{\"NanoCpus\":500000000,\"CpuQuota\":50000}",
          "Nano CPUs and CPU Quota cannot both be set" },
        { "{\"NanoCpus\":999000000000}", "Range of CPUs is from 0.01 to" },
        { "{\"CpuPeriod\":10}", "CPU cfs period can not be less than 1ms" },
        { "{\"CpuQuota\":10}", "CPU cfs quota can not be less than 1ms" },
        { "{\"CpusetCpus\":\"0-\"}", "Invalid value 0- for cpuset cpus" },
        { "{\"CpusetCpus\":\"3-1\"}", "Invalid value 3-1 for cpuset cpus" },
        { "{\"CpusetCpus\":\"4000\"}", "Requested CPUs are not available - requested 4000" },
        { "{\"CpusetMems\":\"x\"}", "Invalid value x for cpuset mems" },
        { "{\"BlkioWeight\":5}", "Range of blkio weight is from 10 to 1000" },
        { "{\"Memory\":\"64m\"}", "Memory: expected an integer" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_INT_EQ(check(bad[i].host, true, &err, NULL), -EINVAL);
        CHECK_STR_CONTAINS(err.msg, bad[i].msg);
    }
    CHECK_INT_EQ(check("{\"CpusetCpus\":\"0\",\"CpuShares\":512,\"BlkioWeight\":500}", true, &err,
                       NULL), 0);
    CHECK_INT_EQ(check("{\"CpuRealtimePeriod\":1000}", true, &err, NULL), -EOPNOTSUPP);
}
