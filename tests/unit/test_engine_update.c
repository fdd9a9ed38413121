/* The pure part of docker update: dockerd's checks of the resource fields
 * (engine/update.c), shared with create. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "engine/internal.h"
#include "tests/unit/unit.h"

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
