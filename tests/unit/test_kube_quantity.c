#include <errno.h>

#include "kube/quantity.h"
#include "tests/unit/unit.h"

static const char *canon(const char *in)
{
    static char out[GT_KQ_STR_MAX];
    static struct gt_error err;
    if (gt_kq_canonical(in, out, &err) < 0)
        return err.msg;
    return out;
}

TEST(quantity_canonical_forms_match_kubernetes)
{
    /* examples from the resource.Quantity documentation and API conventions */
    CHECK_STR_EQ(canon("100m"), "100m");
    CHECK_STR_EQ(canon("0.1"), "100m");
    CHECK_STR_EQ(canon("1.5"), "1500m");
    CHECK_STR_EQ(canon("1000m"), "1");
    CHECK_STR_EQ(canon("1000"), "1k");
    CHECK_STR_EQ(canon("1200"), "1200");
    CHECK_STR_EQ(canon("12000"), "12k");
    CHECK_STR_EQ(canon("128Mi"), "128Mi");
    CHECK_STR_EQ(canon("1024Mi"), "1Gi");
    CHECK_STR_EQ(canon("1536Mi"), "1536Mi");
    CHECK_STR_EQ(canon("0.5Gi"), "512Mi");
    CHECK_STR_EQ(canon("1.5Gi"), "1536Mi");
    CHECK_STR_EQ(canon("0.5Ki"), "512");
    CHECK_STR_EQ(canon("1.1Ki"), "1126400m");
    CHECK_STR_EQ(canon("1e3"), "1e3");
    CHECK_STR_EQ(canon("1.5e3"), "1500");
    CHECK_STR_EQ(canon("1E"), "1E");
    CHECK_STR_EQ(canon("1Ei"), "1Ei");
    CHECK_STR_EQ(canon("129e6"), "129e6");
    CHECK_STR_EQ(canon("129M"), "129M");
    CHECK_STR_EQ(canon("123Mi"), "123Mi");
    CHECK_STR_EQ(canon("0"), "0");
    CHECK_STR_EQ(canon("0Mi"), "0");
    CHECK_STR_EQ(canon("-1.5"), "-1500m");
    CHECK_STR_EQ(canon("+2"), "2");
    CHECK_STR_EQ(canon("007"), "7");
    CHECK_STR_EQ(canon("1."), "1");
    CHECK_STR_EQ(canon(".5"), "500m");
    CHECK_STR_EQ(canon("1n"), "1n");
    CHECK_STR_EQ(canon("1500u"), "1500u");
    /* finer than a nano is rounded up, away from zero */
    CHECK_STR_EQ(canon("0.0000000001"), "1n");
    CHECK_STR_EQ(canon("1.0000000001"), "1000000001n");
    CHECK_STR_EQ(canon("-0.0000000001"), "-1n");
}

TEST(quantity_rejects_bad_syntax)
{
    struct gt_kq q;
    struct gt_error err;
    CHECK_INT_EQ(gt_kq_parse("", &q, &err), -EINVAL);
    CHECK_STR_CONTAINS(err.msg, "quantities must match the regular expression");
    CHECK_INT_EQ(gt_kq_parse("1Qi", &q, &err), -EINVAL);
    CHECK_INT_EQ(gt_kq_parse("1K", &q, &err), -EINVAL);
    CHECK_STR_EQ(err.msg, "unable to parse quantity's suffix");
    CHECK_INT_EQ(gt_kq_parse("1e", &q, &err), -EINVAL);
    CHECK_INT_EQ(gt_kq_parse("1Mi5", &q, &err), -EINVAL);
    CHECK_INT_EQ(gt_kq_parse("abc", &q, &err), -EINVAL);
    CHECK_INT_EQ(gt_kq_parse("1 Gi", &q, &err), -EINVAL);
    CHECK_INT_EQ(gt_kq_parse(".", &q, &err), -EINVAL);
    CHECK_STR_EQ(err.msg, "unable to parse numeric part of quantity");
    CHECK_INT_EQ(gt_kq_parse("1e99999999", &q, &err), -ERANGE);
    CHECK_INT_EQ(gt_kq_parse("99999999999999999999999999999999999999999", &q, &err), -ERANGE);
    CHECK_INT_EQ(gt_kq_parse("9999999999999999999999Ei", &q, &err), -ERANGE);
}

TEST(quantity_compare_and_values)
{
    struct gt_kq a, b;
    REQUIRE(gt_kq_parse("1", &a, NULL) == 0);
    REQUIRE(gt_kq_parse("1000m", &b, NULL) == 0);
    CHECK_INT_EQ(gt_kq_cmp(&a, &b), 0);
    REQUIRE(gt_kq_parse("1Gi", &a, NULL) == 0);
    REQUIRE(gt_kq_parse("1G", &b, NULL) == 0);
    CHECK(gt_kq_cmp(&a, &b) > 0);
    CHECK(gt_kq_cmp(&b, &a) < 0);
    CHECK_INT_EQ(gt_kq_value(&a), 1073741824);
    REQUIRE(gt_kq_parse("-2", &b, NULL) == 0);
    CHECK(gt_kq_cmp(&b, &a) < 0);
    REQUIRE(gt_kq_parse("-3", &a, NULL) == 0);
    CHECK(gt_kq_cmp(&a, &b) < 0);
    REQUIRE(gt_kq_parse("250m", &a, NULL) == 0);
    CHECK_INT_EQ(gt_kq_milli_value(&a), 250);
    CHECK_INT_EQ(gt_kq_value(&a), 1); /* ceil */
    REQUIRE(gt_kq_parse("1.5n", &a, NULL) == 0);
    CHECK_INT_EQ(gt_kq_milli_value(&a), 1);
    REQUIRE(gt_kq_parse("-1.5", &a, NULL) == 0);
    CHECK_INT_EQ(gt_kq_value(&a), -1);
    REQUIRE(gt_kq_parse("100E", &a, NULL) == 0);
    CHECK_INT_EQ(gt_kq_value(&a), INT64_MAX);
}

TEST(quantity_arithmetic_keeps_the_first_format)
{
    struct gt_kq a, b, c;
    char out[GT_KQ_STR_MAX];
    REQUIRE(gt_kq_parse("100m", &a, NULL) == 0);
    REQUIRE(gt_kq_parse("1.9", &b, NULL) == 0);
    REQUIRE(gt_kq_add(&a, &b, &c) == 0);
    CHECK_STR_EQ(gt_kq_format(&c, out), "2");
    REQUIRE(gt_kq_parse("1Gi", &a, NULL) == 0);
    REQUIRE(gt_kq_parse("512Mi", &b, NULL) == 0);
    REQUIRE(gt_kq_sub(&a, &b, &c) == 0);
    CHECK_STR_EQ(gt_kq_format(&c, out), "512Mi");
    REQUIRE(gt_kq_add(&c, &b, &c) == 0);
    CHECK_STR_EQ(gt_kq_format(&c, out), "1Gi");
    struct gt_kq zero;
    gt_kq_from_int(0, 0, GT_KQ_DECIMAL_SI, &zero);
    REQUIRE(gt_kq_add(&zero, &b, &c) == 0);
    CHECK_STR_EQ(gt_kq_format(&c, out), "512Mi");
    gt_kq_from_int(250, -3, GT_KQ_DECIMAL_SI, &c);
    CHECK_STR_EQ(gt_kq_format(&c, out), "250m");
    REQUIRE(gt_kq_parse("1E", &a, NULL) == 0);
    REQUIRE(gt_kq_parse("1000E", &b, NULL) == 0);
    REQUIRE(gt_kq_add(&a, &b, &c) == 0);
    CHECK_STR_EQ(gt_kq_format(&c, out), "1001E");
}

TEST(quantity_from_json_numbers)
{
    struct gt_kq q;
    char out[GT_KQ_STR_MAX];
    json_t *v = json_integer(2);
    REQUIRE(gt_kq_from_json(v, &q, NULL) == 0);
    CHECK_STR_EQ(gt_kq_format(&q, out), "2");
    json_decref(v);
    v = json_real(0.5);
    REQUIRE(gt_kq_from_json(v, &q, NULL) == 0);
    CHECK_STR_EQ(gt_kq_format(&q, out), "500m");
    json_decref(v);
    v = json_true();
    CHECK(gt_kq_from_json(v, &q, NULL) < 0);
}
