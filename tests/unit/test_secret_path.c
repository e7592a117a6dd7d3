/*
 * secret_path: both scopes with and without an environment, one spelling per path (scope and
 * environment lower-case, the name as given), and what is not a path.
 */
#include <CUnit/CUnit.h>
#include <string.h>

#include "lib/secret_path.h"
#include "tests/unit/suites.h"

static void test_paths(void)
{
    struct secret_path sp;
    const char *why;
    CU_ASSERT_EQUAL_FATAL(secret_path_parse("team/payments/prod/stripe-key", &sp, &why), 0);
    CU_ASSERT_FALSE(sp.entity);
    CU_ASSERT_STRING_EQUAL(sp.team, "payments");
    CU_ASSERT_STRING_EQUAL(sp.environment, "prod");
    CU_ASSERT_STRING_EQUAL(sp.name, "stripe-key");
    CU_ASSERT_STRING_EQUAL(sp.text, "team/payments/prod/stripe-key");
    CU_ASSERT_EQUAL_FATAL(secret_path_parse("team/Payments/Prod/Stripe_Key", &sp, &why), 0);
    CU_ASSERT_STRING_EQUAL(sp.text, "team/payments/prod/Stripe_Key");
    CU_ASSERT_STRING_EQUAL(sp.environment, "prod");
    CU_ASSERT_EQUAL_FATAL(secret_path_parse("team/payments/key", &sp, &why), 0);
    CU_ASSERT_STRING_EQUAL(sp.environment, "");
    CU_ASSERT_STRING_EQUAL(sp.text, "team/payments/key");
    CU_ASSERT_EQUAL_FATAL(secret_path_parse("entity/Component/Default/Checkout/db-password", &sp, &why), 0);
    CU_ASSERT_TRUE(sp.entity);
    CU_ASSERT_STRING_EQUAL(sp.entity_ref, "component:default/checkout");
    CU_ASSERT_STRING_EQUAL(sp.text, "entity/component/default/checkout/db-password");
    CU_ASSERT_EQUAL_FATAL(secret_path_parse("entity/api/default/pay/Staging/token", &sp, &why), 0);
    CU_ASSERT_STRING_EQUAL(sp.text, "entity/api/default/pay/staging/token");
    static const char *const bad[] = { "team/payments", "team/a/b/c/d", "entity/component/default/x", "entity/widget/d/x/k",
                                       "group/a/b", "team//x", "team/a/.hidden", "team/a/b c", "", "team/a/x/",
                                       "entity/component/default/x/a/b/c" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CU_ASSERT_EQUAL(secret_path_parse(bad[i], &sp, &why), -1);
    CU_ASSERT_EQUAL(secret_path_parse(NULL, &sp, &why), -1);
}

void suite_secret_path(void)
{
    CU_pSuite s = CU_add_suite("secret_path", NULL, NULL);
    CU_add_test(s, "scopes, environments, one spelling, refusals", test_paths);
}
