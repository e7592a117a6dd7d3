/*
 * monotime: the monotonic clock moves forward, and its two units agree.
 */
#include <CUnit/Basic.h>
#include <time.h>

#include "lib/monotime.h"
#include "tests/unit/suites.h"

static void test_monotime_forward(void)
{
    long long a = monotime_us();
    struct timespec pause = { 0, 20 * 1000 * 1000 };
    nanosleep(&pause, NULL);
    long long b = monotime_us();
    double s = monotime_s();
    CU_ASSERT_TRUE(b - a >= 20000);             /* at least the 20 ms slept */
    CU_ASSERT_TRUE(s * 1e6 >= (double)b);       /* read after b */
    CU_ASSERT_TRUE(s * 1e6 - (double)b < 1e6);  /* and within a second of it */
}

void suite_monotime(void)
{
    CU_pSuite s = CU_add_suite("monotime", NULL, NULL);
    CU_add_test(s, "forward, in microseconds and seconds alike", test_monotime_forward);
}
