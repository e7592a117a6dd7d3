/*
 * db, what needs no server: LIKE patterns that match their text anywhere or at the start, and
 * nothing else (wildcards and the escape character taken as they are).
 */
#include <CUnit/CUnit.h>
#include <string.h>

#include "lib/db.h"
#include "tests/unit/suites.h"

static void test_like(void)
{
    struct arena a;
    arena_init(&a, 0);
    CU_ASSERT_STRING_EQUAL(db_like(&a, "orders", 6, true), "%orders%");
    CU_ASSERT_STRING_EQUAL(db_like(&a, "team/web/", 9, false), "team/web/%");
    CU_ASSERT_STRING_EQUAL(db_like(&a, "50%_off!", 8, true), "%50!%!_off!!%");
    CU_ASSERT_STRING_EQUAL(db_like(&a, "db_user extra", 7, false), "db!_user%");   /* n bytes only */
    CU_ASSERT_STRING_EQUAL(db_like(&a, "", 0, true), "%%");
    arena_free(&a);
}

void suite_db(void)
{
    CU_pSuite s = CU_add_suite("db", NULL, NULL);
    CU_add_test(s, "LIKE patterns: anywhere or at the start, wildcards escaped", test_like);
}
