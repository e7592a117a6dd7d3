/*
 * authz: the built-in role matrix, scope matching, the deciding binding, and the check that
 * keeps unknown permissions out of route tables.
 */
#include <CUnit/CUnit.h>
#include <ctype.h>
#include <string.h>

#include "lib/app.h"
#include "lib/authz.h"
#include "tests/unit/suites.h"

static void test_role_matrix(void)
{
    CU_ASSERT_TRUE(authz_role_has("viewer", "catalog.entity.read"));
    CU_ASSERT_FALSE(authz_role_has("viewer", "catalog.entity.write"));
    CU_ASSERT_FALSE(authz_role_has("viewer", "audit.event.read"));
    CU_ASSERT_TRUE(authz_role_has("developer", "catalog.entity.write"));
    CU_ASSERT_TRUE(authz_role_has("developer", "catalog.entity.read"));   /* roles nest */
    CU_ASSERT_FALSE(authz_role_has("developer", "secrets.reveal"));
    CU_ASSERT_FALSE(authz_role_has("developer", "provision.request.approve"));
    CU_ASSERT_TRUE(authz_role_has("maintainer", "secrets.reveal"));
    CU_ASSERT_TRUE(authz_role_has("maintainer", "provision.request.approve"));
    CU_ASSERT_FALSE(authz_role_has("maintainer", "iam.binding.write"));
    for (const char *const *p = authz_permissions(); *p; p++)
        CU_ASSERT_TRUE(authz_role_has("admin", *p));
    CU_ASSERT_FALSE(authz_role_has("superuser", "catalog.entity.read"));  /* unknown role */
    CU_ASSERT_FALSE(authz_role_has("admin", "catalog.entity.raed"));      /* unknown permission */
    CU_ASSERT_FALSE(authz_role_has("admin", ""));
}

static void test_permission_names(void)
{
    size_t n = 0;
    for (const char *const *p = authz_permissions(); *p; p++, n++) {
        CU_ASSERT_TRUE(authz_permission_known(*p));
        CU_ASSERT_PTR_NOT_NULL(strchr(*p, '.'));
        for (const char *c = *p; *c; c++)
            CU_ASSERT_TRUE(islower((unsigned char)*c) || *c == '.');
        for (const char *const *q = p + 1; *q; q++)
            CU_ASSERT_STRING_NOT_EQUAL(*p, *q);
    }
    CU_ASSERT_TRUE(n >= 20);
    CU_ASSERT_FALSE(authz_permission_known("public"));
    CU_ASSERT_FALSE(authz_permission_known(NULL));
}

static void test_scopes(void)
{
    struct authz_binding b[] = {
        { "maintainer", "team", "payments", "user" },
        { "viewer", "global", "", "user" },
        { "developer", "entity", "component:default/search", "user" },
    };
    struct authz_grants g = { b, 3 };
    struct authz_resource pay = { "payments", "component:default/billing" };
    struct authz_resource search = { "search", "component:default/search" };
    struct authz_resource other = { "search", "component:default/indexer" };
    const struct authz_binding *why;

    /* a team binding covers what that team owns, and only that */
    CU_ASSERT_TRUE(authz_check(&g, "secrets.reveal", &pay, &why));
    CU_ASSERT_PTR_EQUAL(why, &b[0]);
    CU_ASSERT_FALSE(authz_check(&g, "secrets.reveal", &search, &why));
    CU_ASSERT_PTR_NULL(why);
    /* an entity binding covers that entity */
    CU_ASSERT_TRUE(authz_check(&g, "catalog.entity.write", &search, &why));
    CU_ASSERT_PTR_EQUAL(why, &b[2]);
    CU_ASSERT_FALSE(authz_check(&g, "catalog.entity.write", &other, NULL));
    /* global reads everywhere, and is named first when it decides */
    CU_ASSERT_TRUE(authz_check(&g, "catalog.entity.read", &other, &why));
    CU_ASSERT_PTR_EQUAL(why, &b[1]);
    CU_ASSERT_TRUE(authz_check(&g, "catalog.entity.read", &pay, &why));
    CU_ASSERT_STRING_EQUAL(why->scope_type, "global");
    /* route level: held anywhere */
    CU_ASSERT_TRUE(authz_check(&g, "secrets.reveal", NULL, NULL));
    CU_ASSERT_FALSE(authz_check(&g, "iam.binding.write", NULL, NULL));
    /* a resource without an owner is covered by global bindings only */
    struct authz_resource orphan = { NULL, NULL };
    CU_ASSERT_FALSE(authz_check(&g, "secrets.reveal", &orphan, NULL));
    CU_ASSERT_TRUE(authz_check(&g, "catalog.entity.read", &orphan, NULL));
    /* nobody: nothing */
    struct authz_grants none = { NULL, 0 };
    CU_ASSERT_FALSE(authz_check(&none, "catalog.entity.read", NULL, &why));
    CU_ASSERT_PTR_NULL(why);
    CU_ASSERT_FALSE(authz_check(NULL, "catalog.entity.read", NULL, NULL));
}

static void test_global_only(void)
{
    /* governance cannot be delegated by a narrower scope: admin of one team is not an admin */
    struct authz_binding b[] = { { "admin", "team", "payments", "user" } };
    struct authz_grants g = { b, 1 };
    static const struct authz_resource nowhere = { NULL, NULL };
    CU_ASSERT_TRUE(authz_permission_global("iam.binding.write"));
    CU_ASSERT_TRUE(authz_permission_global("audit.event.read"));
    CU_ASSERT_FALSE(authz_permission_global("catalog.entity.write"));
    CU_ASSERT_FALSE(authz_permission_global("nope"));
    CU_ASSERT_FALSE(authz_check(&g, "iam.binding.write", &nowhere, NULL));
    CU_ASSERT_TRUE(authz_check(&g, "catalog.entity.write", NULL, NULL));
    struct authz_binding gb[] = { { "admin", "global", "", "user" } };
    struct authz_grants gg = { gb, 1 };
    CU_ASSERT_TRUE(authz_check(&gg, "iam.binding.write", &nowhere, NULL));
}

static int dummy(struct app_ctx *c)
{
    (void)c;
    return 0;
}

static void test_route_tables(void)
{
    char err[256];
    const struct route good[] = {
        { "GET", "/api/v1/x", PERM_PUBLIC, dummy, 0, "x", NULL },
        { "GET", "/api/v1/y", PERM_AUTHENTICATED, dummy, 0, "y", NULL },
        { "GET", "/api/v1/z", "catalog.entity.read", dummy, 0, "z", NULL },
    };
    const struct route typo[] = { { "GET", "/api/v1/z", "catalog.entity.raed", dummy, 0, "z", NULL } };
    const struct route none[] = { { "GET", "/api/v1/z", "", dummy, 0, "z", NULL } };
    struct app a = { "t", good, 3 };
    CU_ASSERT_EQUAL(app_table_check(&a, err, sizeof(err)), 0);
    a.routes = typo;
    a.nroutes = 1;
    CU_ASSERT_EQUAL(app_table_check(&a, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "catalog.entity.raed"));
    a.routes = none;
    CU_ASSERT_EQUAL(app_table_check(&a, err, sizeof(err)), -1);
}

void suite_authz(void)
{
    CU_pSuite s = CU_add_suite("authz", NULL, NULL);
    CU_add_test(s, "built-in roles nest and hold what the matrix says", test_role_matrix);
    CU_add_test(s, "permission names are well formed and unique", test_permission_names);
    CU_add_test(s, "team, entity and global scopes; the deciding binding", test_scopes);
    CU_add_test(s, "route tables name known permissions only", test_route_tables);
    CU_add_test(s, "governance permissions need a global binding", test_global_only);
}
