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

/* What a request and its resource are called: the naming parameter's value (else the first
 * required string's, else the first string given), the template and the environment. */
static void test_display_name(void)
{
    static struct template t;
    struct arena a;
    arena_init(&a, 0);
    memset(&t, 0, sizeof(t));
    t.name = "mariadb";
    t.nparams = 3;
    t.params[0] = (struct template_param){ .name = "size", .type = TPARAM_INTEGER };
    t.params[1] = (struct template_param){ .name = "comment", .type = TPARAM_STRING };
    t.params[2] = (struct template_param){ .name = "database", .type = TPARAM_STRING, .required = true };
    json_object *v = json_tokener_parse("{\"size\":5,\"comment\":\"hi\",\"database\":\"orders_dev\"}");
    CU_ASSERT_STRING_EQUAL(provision_display_name(&a, &t, v, "dev"), "orders_dev · mariadb · dev");
    t.params[0].names_resource = true;
    CU_ASSERT_STRING_EQUAL(provision_display_name(&a, &t, v, "dev"), "5 · mariadb · dev");
    t.params[0].names_resource = false;
    t.params[2].required = false;
    CU_ASSERT_STRING_EQUAL(provision_display_name(&a, &t, v, "prod"), "hi · mariadb · prod");
    json_object_put(v);
    v = json_tokener_parse("{}");
    CU_ASSERT_STRING_EQUAL(provision_display_name(&a, &t, v, "dev"), "mariadb · dev");
    json_object_put(v);
    /* a long value is cut so that the template and environment always show */
    char longv[400];
    memset(longv, 'x', sizeof(longv) - 1);
    longv[sizeof(longv) - 1] = '\0';
    v = json_object_new_object();
    json_object_object_add(v, "comment", json_object_new_string(longv));
    const char *name = provision_display_name(&a, &t, v, "dev");
    CU_ASSERT_TRUE(strlen(name) <= PROVISION_NAME_MAX);
    CU_ASSERT_TRUE(strlen(name) > 100 && strcmp(name + strlen(name) - strlen(" · mariadb · dev"), " · mariadb · dev") == 0);
    json_object_put(v);
    arena_free(&a);
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
    CU_add_test(s, "a resource is named by what it is", test_display_name);
}
