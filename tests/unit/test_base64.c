#include <errno.h>
#include <stdlib.h>

#include "base/base64.h"
#include "tests/unit/unit.h"

TEST(base64_round_trip_and_rejects)
{
    char *s = gt_base64_encode("p@ss", 4);
    CHECK_STR_EQ(s, "cEBzcw==");
    unsigned char *out;
    size_t n;
    REQUIRE(gt_base64_decode(s, strlen(s), &out, &n) == 0);
    CHECK_INT_EQ(n, 4);
    CHECK(memcmp(out, "p@ss", 4) == 0);
    free(out);
    free(s);
    s = gt_base64_encode("", 0);
    CHECK_STR_EQ(s, "");
    free(s);
    CHECK_INT_EQ(gt_base64_decode("cEBzcw", 6, &out, &n), -EINVAL); /* no padding */
    CHECK_INT_EQ(gt_base64_decode("!!!!", 4, &out, &n), -EINVAL);
    CHECK_INT_EQ(gt_base64_decode("cE==cw==", 8, &out, &n), -EINVAL);
}
