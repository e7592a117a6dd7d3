/*
 * provision: the TTL a request gets (the template's default, its maximum, Portico's when the
 * template says nothing) and where a resource's secret output is kept (always a secret path,
 * whatever the output's name).
 */
#include <CUnit/CUnit.h>
#include <string.h>

#include "lib/provision.h"
#include "lib/secret_path.h"
#include "tests/unit/suites.h"

static void test_ttl(void)
{
    static struct template t;
    struct problem p;
    int days = 0;
    memset(&t, 0, sizeof(t));
    t.ttl_default_days = 7;
    t.ttl_max_days = 30;
    problem_init(&p);
    CU_ASSERT_EQUAL(provision_ttl(&t, 0, &days, &p), 0);
    CU_ASSERT_EQUAL(days, 7);
    CU_ASSERT_EQUAL(provision_ttl(&t, 30, &days, &p), 0);
    CU_ASSERT_EQUAL(days, 30);
    CU_ASSERT_EQUAL(provision_ttl(&t, 31, &days, &p), -1);
    CU_ASSERT_EQUAL(p.status, 422);
    CU_ASSERT_STRING_EQUAL(p.fields[0].field, "ttl_days");
    /* a template with no <ttl>: Portico's default and maximum */
    t.ttl_default_days = t.ttl_max_days = 0;
    problem_init(&p);
    CU_ASSERT_EQUAL(provision_ttl(&t, 0, &days, &p), 0);
    CU_ASSERT_EQUAL(days, PROVISION_TTL_DEFAULT_DAYS);
    CU_ASSERT_EQUAL(provision_ttl(&t, PROVISION_TTL_MAX_DAYS + 1, &days, &p), -1);
    /* a maximum below Portico's default caps the default too */
    t.ttl_max_days = 3;
    problem_init(&p);
    CU_ASSERT_EQUAL(provision_ttl(&t, 0, &days, &p), 0);
    CU_ASSERT_EQUAL(days, 3);
}

static void test_output_path(void)
{
    struct arena a;
    struct secret_path sp;
    const char *why;
    arena_init(&a, 0);
    const char *path = provision_output_path(&a, "payments", "prod", "0123456789abcdef", "db-password", 4);
    CU_ASSERT_STRING_EQUAL(path, "team/payments/prod/res-0123456789abcdef-db-password");
    CU_ASSERT_EQUAL(secret_path_parse(path, &sp, &why), 0);
    /* a name too long for a secret's falls back to the output's index */
    char longname[80];
    memset(longname, 'x', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    path = provision_output_path(&a, "payments", "prod", "0123456789abcdef", longname, 4);
    CU_ASSERT_STRING_EQUAL(path, "team/payments/prod/res-0123456789abcdef-4");
    CU_ASSERT_EQUAL(secret_path_parse(path, &sp, &why), 0);
    arena_free(&a);
}

void suite_provision(void)
{
    CU_pSuite s = CU_add_suite("provision", NULL, NULL);
    CU_add_test(s, "TTL: default, maximum, Portico's when the template has none", test_ttl);
    CU_add_test(s, "a secret output's path is a secret path", test_output_path);
}
