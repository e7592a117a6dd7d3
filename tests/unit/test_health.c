/*
 * health: the damping of results into a check's status, and TCP targets' forms.
 */
#include <CUnit/CUnit.h>

#include "lib/health.h"
#include "tests/unit/suites.h"

static void test_damping(void)
{
    struct health_state s = { HEALTH_CRITICAL, 0, 0, 0 };
    /* the first result counts at once */
    CU_ASSERT_TRUE(health_next(&s, HEALTH_PASSING, 2, 3));
    CU_ASSERT_EQUAL(s.status, HEALTH_PASSING);
    /* flapping: one failure, one success, ... stays passing */
    for (int i = 0; i < 5; i++) {
        CU_ASSERT_FALSE(health_next(&s, HEALTH_CRITICAL, 2, 3));
        CU_ASSERT_FALSE(health_next(&s, HEALTH_PASSING, 2, 3));
    }
    CU_ASSERT_EQUAL(s.status, HEALTH_PASSING);
    /* three failures in a row: critical on the third */
    CU_ASSERT_FALSE(health_next(&s, HEALTH_CRITICAL, 2, 3));
    CU_ASSERT_FALSE(health_next(&s, HEALTH_WARNING, 2, 3));
    CU_ASSERT_TRUE(health_next(&s, HEALTH_CRITICAL, 2, 3));
    CU_ASSERT_EQUAL(s.status, HEALTH_CRITICAL);
    CU_ASSERT_EQUAL(s.fail_streak, 3);
    /* once failing, warning and critical move at once between the two */
    CU_ASSERT_TRUE(health_next(&s, HEALTH_WARNING, 2, 3));
    CU_ASSERT_EQUAL(s.status, HEALTH_WARNING);
    /* back: two successes in a row */
    CU_ASSERT_FALSE(health_next(&s, HEALTH_PASSING, 2, 3));
    CU_ASSERT_EQUAL(s.status, HEALTH_WARNING);
    CU_ASSERT_TRUE(health_next(&s, HEALTH_PASSING, 2, 3));
    CU_ASSERT_EQUAL(s.status, HEALTH_PASSING);
    CU_ASSERT_EQUAL(s.results, 17);
    /* no damping asked (1 and 1): every result moves it */
    struct health_state t = { HEALTH_PASSING, 0, 0, 5 };
    CU_ASSERT_TRUE(health_next(&t, HEALTH_CRITICAL, 1, 1));
    CU_ASSERT_TRUE(health_next(&t, HEALTH_PASSING, 1, 1));
    /* names */
    enum health_status st;
    CU_ASSERT_TRUE(health_status_parse("warning", &st));
    CU_ASSERT_EQUAL(st, HEALTH_WARNING);
    CU_ASSERT_FALSE(health_status_parse("ok", &st));
    CU_ASSERT_STRING_EQUAL(health_status_name(HEALTH_CRITICAL), "critical");
}

static void test_tcp_targets(void)
{
    CU_ASSERT_TRUE(health_tcp_target_ok("db.internal:5432"));
    CU_ASSERT_TRUE(health_tcp_target_ok("10.0.0.5:80"));
    CU_ASSERT_TRUE(health_tcp_target_ok("[::1]:6379"));
    CU_ASSERT_FALSE(health_tcp_target_ok("db.internal"));
    CU_ASSERT_FALSE(health_tcp_target_ok(":80"));
    CU_ASSERT_FALSE(health_tcp_target_ok("db:0"));
    CU_ASSERT_FALSE(health_tcp_target_ok("db:65536"));
    CU_ASSERT_FALSE(health_tcp_target_ok("db:80x"));
    CU_ASSERT_FALSE(health_tcp_target_ok("db/x:80"));
    CU_ASSERT_FALSE(health_tcp_target_ok("user@db:80"));
    CU_ASSERT_FALSE(health_tcp_target_ok("[::1:80"));
    CU_ASSERT_FALSE(health_tcp_target_ok("db:"));
}

void suite_health(void)
{
    CU_pSuite s = CU_add_suite("health", NULL, NULL);
    CU_add_test(s, "damping: first result at once, flapping held, streaks move it", test_damping);
    CU_add_test(s, "tcp targets: host:port, [v6]:port, and what is not one", test_tcp_targets);
}
